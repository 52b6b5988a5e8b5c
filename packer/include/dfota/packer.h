/*
 * dfota/packer.h - build and open package containers on the host.
 *
 * Host library: uses zstd and OpenSSL (MD5, SHA-256), allocates with
 * malloc. The container layout itself lives in dfota/container.h (the
 * portable reader shared with the device side); this layer adds digests,
 * compression and whole-file checks.
 */
#ifndef DFOTA_PACKER_H
#define DFOTA_PACKER_H

#include <stddef.h>
#include <stdint.h>

#include "dfota/container.h"
#include "dfota/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Largest image or package the host tools accept: 256 MiB. */
#define DFOTA_HOST_SIZE_MAX (256u * 1024u * 1024u)

/* zstd window for full-image payloads: the device must hold it in RAM. */
#define DFOTA_FULL_WINDOW_LOG_DEFAULT 16u
#define DFOTA_FULL_WINDOW_LOG_MIN 10u
#define DFOTA_FULL_WINDOW_LOG_MAX 27u
#define DFOTA_FULL_LEVEL_DEFAULT 19

struct dfota_full_options {
    const char *target_version; /* required; see dfota_version_check() */
    uint64_t created;           /* header creation time, seconds since 1970; 0 = unset */
    int level;                  /* zstd level 1..22 */
    unsigned window_log;        /* zstd window log, DFOTA_FULL_WINDOW_LOG_MIN..MAX */
};

/* Defaults: no version, created 0, level 19, window log 16 (64 KiB). */
void dfota_full_options_init(struct dfota_full_options *opts);

/*
 * Size and MD5 / SHA-256 of `size` bytes at `data`.
 * TOO_LARGE above DFOTA_HOST_SIZE_MAX, INTERNAL if OpenSSL fails.
 */
enum dfota_status dfota_image_info_compute(const uint8_t *data, size_t size,
                                           struct dfota_image_info *info,
                                           struct dfota_error *err);

/*
 * Build a full-image package of `image` (the payload is one zstd frame).
 * On success `*package` is a malloc'd buffer of `*package_size` bytes that
 * the caller frees with free(). Same inputs and options, same bytes.
 */
enum dfota_status dfota_pack_full(const uint8_t *image, size_t image_size,
                                  const struct dfota_full_options *opts, uint8_t **package,
                                  size_t *package_size, struct dfota_error *err);

struct dfota_delta_options {
    const char *source_version; /* required; see dfota_version_check() */
    const char *target_version; /* required */
    uint64_t created;           /* header creation time, seconds since 1970; 0 = unset */
};

/*
 * Build a delta package around `patch` (made by dfota_diff() from `source` to
 * `target`). The patch header must agree with the images (sizes, SHA-256);
 * MALFORMED otherwise. The container states the patch's workspace size.
 * `*package` is malloc'd (free()).
 */
enum dfota_status dfota_pack_delta(const uint8_t *source, size_t source_size,
                                   const uint8_t *target, size_t target_size,
                                   const uint8_t *patch, size_t patch_size,
                                   const struct dfota_delta_options *opts, uint8_t **package,
                                   size_t *package_size, struct dfota_error *err);

/*
 * Check a raw patch held in memory the way the host tools do: its layout
 * (dfota_patch_check_layout()) and its workspace claim, which must be exactly
 * dfota_apply_workspace_size(window_log, map_count), computed from constants
 * every build shares (MALFORMED otherwise; docs/FORMAT.md "Applier memory").
 * Fills `*hdr`. No allocation.
 */
struct dfota_patch_header; /* dfota/patch.h */
enum dfota_status dfota_patch_open(const uint8_t *patch, size_t size,
                                   struct dfota_patch_header *hdr, struct dfota_error *err);

/*
 * Open the package held in `data`: parse and validate the header
 * (dfota_container_parse), check that the size is exactly header plus
 * payload, and check the payload MD5 and SHA-256. For a delta package also
 * that the patch passes dfota_patch_open() and agrees with the container
 * (sizes, SHA-256, workspace). For a full-image package also the zstd frame,
 * without decoding it: exactly one frame and nothing after it, with the
 * content size (equal to the target size), no dictionary, no checksum, a
 * window of at most 2^DFOTA_FULL_WINDOW_LOG_MAX bytes, and a workspace_size
 * exactly what the device's package front end needs for that window
 * (dfota_pkg_workspace_size_full()): PAYLOAD_CORRUPT for the frame,
 * MALFORMED for the workspace. Last, UNSAFE_ZIP when stock zip readers
 * would take the file for a zip too (an end of central directory record in
 * its last 65,557 bytes that leads to a central directory header): one file
 * must not be a package to dfota and a zip of other files to unzip. On
 * success `*payload` points into `data`. Nothing is allocated.
 */
enum dfota_status dfota_package_open(const uint8_t *data, size_t size,
                                     struct dfota_package_header *hdr, const uint8_t **payload,
                                     struct dfota_error *err);

/*
 * Decode the payload of an opened full-image package (`payload`:
 * hdr->payload.size bytes) and check it against the target size, MD5 and
 * SHA-256, after the same frame checks as dfota_package_open(). On success
 * `*image` is malloc'd (free()), `*image_size` bytes.
 */
enum dfota_status dfota_package_unpack_full(const struct dfota_package_header *hdr,
                                            const uint8_t *payload, uint8_t **image,
                                            size_t *image_size, struct dfota_error *err);

#ifdef __cplusplus
}
#endif

#endif /* DFOTA_PACKER_H */
