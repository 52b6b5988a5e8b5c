/*
 * packer.c - full-image packages, digests and whole-package checks.
 */
#define ZSTD_STATIC_LINKING_ONLY /* ZSTD_estimateDStreamSize_fromFrame, ZSTD_getFrameHeader */
#include "dfota/packer.h"
#include "dfota/wire.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <zstd.h>

#include "dfota/apply.h"
#include "dfota/patch.h"
#include "dfota/pkgapply.h"

void dfota_full_options_init(struct dfota_full_options *opts)
{
    memset(opts, 0, sizeof(*opts));
    opts->level = DFOTA_FULL_LEVEL_DEFAULT;
    opts->window_log = DFOTA_FULL_WINDOW_LOG_DEFAULT;
}

static enum dfota_status digest(const EVP_MD *md, const uint8_t *data, size_t size, uint8_t *out,
                                unsigned expected_len, struct dfota_error *err)
{
    unsigned len = 0;

    if (md == NULL || EVP_Digest(data, size, out, &len, md, NULL) != 1 || len != expected_len)
        return dfota_error_set(err, DFOTA_E_INTERNAL, "OpenSSL could not compute a digest");
    return DFOTA_OK;
}

enum dfota_status dfota_image_info_compute(const uint8_t *data, size_t size,
                                           struct dfota_image_info *info,
                                           struct dfota_error *err)
{
    enum dfota_status st;

    memset(info, 0, sizeof(*info));
    if (size > DFOTA_HOST_SIZE_MAX)
        return dfota_error_set(err, DFOTA_E_TOO_LARGE, "%zu bytes is over the %u-byte limit",
                               size, DFOTA_HOST_SIZE_MAX);
    info->size = (uint32_t)size;
    st = digest(EVP_md5(), data, size, info->md5, DFOTA_MD5_SIZE, err);
    if (st == DFOTA_OK)
        st = digest(EVP_sha256(), data, size, info->sha256, DFOTA_SHA256_SIZE, err);
    return st;
}

/* The package workspace_size for a full-image frame: from its window. */
static size_t full_workspace(const uint8_t *frame, size_t frame_size)
{
    ZSTD_frameHeader fh;
    size_t rc = ZSTD_getFrameHeader(&fh, frame, frame_size);

    if (ZSTD_isError(rc) || rc != 0)
        return 0;
    return dfota_pkg_workspace_size_full(fh.windowSize);
}

static enum dfota_status compress_full(const uint8_t *image, size_t image_size,
                                       const struct dfota_full_options *opts, uint8_t **frame,
                                       size_t *frame_size, struct dfota_error *err)
{
    ZSTD_CCtx *cctx;
    size_t bound = ZSTD_compressBound(image_size), rc;
    uint8_t *out;

    out = malloc(bound ? bound : 1);
    cctx = ZSTD_createCCtx();
    if (out == NULL || cctx == NULL) {
        free(out);
        ZSTD_freeCCtx(cctx);
        return dfota_error_set(err, DFOTA_E_NO_MEMORY, "cannot allocate the zstd compressor");
    }
    rc = ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, opts->level);
    if (!ZSTD_isError(rc))
        rc = ZSTD_CCtx_setParameter(cctx, ZSTD_c_windowLog, (int)opts->window_log);
    if (!ZSTD_isError(rc))
        rc = ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, 1);
    /* The container carries MD5 and SHA-256; a frame checksum would be redundant. */
    if (!ZSTD_isError(rc))
        rc = ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 0);
    if (!ZSTD_isError(rc))
        rc = ZSTD_compress2(cctx, out, bound, image, image_size);
    ZSTD_freeCCtx(cctx);
    if (ZSTD_isError(rc)) {
        free(out);
        return dfota_error_set(err, DFOTA_E_INTERNAL, "zstd compression failed: %s",
                               ZSTD_getErrorName(rc));
    }
    *frame = out;
    *frame_size = rc;
    return DFOTA_OK;
}

enum dfota_status dfota_pack_full(const uint8_t *image, size_t image_size,
                                  const struct dfota_full_options *opts, uint8_t **package,
                                  size_t *package_size, struct dfota_error *err)
{
    struct dfota_package_header hdr;
    uint8_t header[DFOTA_CONTAINER_HEADER_MAX];
    uint8_t *frame = NULL, *out;
    size_t frame_size = 0, header_size = 0, workspace;
    enum dfota_status st;

    *package = NULL;
    *package_size = 0;
    if (opts->level < 1 || opts->level > ZSTD_maxCLevel())
        return dfota_error_set(err, DFOTA_E_INVALID_ARGUMENT, "zstd level %d is outside 1..%d",
                               opts->level, ZSTD_maxCLevel());
    if (opts->window_log < DFOTA_FULL_WINDOW_LOG_MIN ||
        opts->window_log > DFOTA_FULL_WINDOW_LOG_MAX)
        return dfota_error_set(err, DFOTA_E_INVALID_ARGUMENT, "window log %u is outside %u..%u",
                               opts->window_log, DFOTA_FULL_WINDOW_LOG_MIN,
                               DFOTA_FULL_WINDOW_LOG_MAX);
    st = dfota_version_check(opts->target_version, "target version", err);
    if (st != DFOTA_OK)
        return st;

    memset(&hdr, 0, sizeof(hdr));
    hdr.package_type = DFOTA_PACKAGE_FULL;
    hdr.payload_encoding = DFOTA_ENCODING_ZSTD;
    hdr.created = opts->created;
    memcpy(hdr.target_version, opts->target_version, strlen(opts->target_version) + 1);
    st = dfota_image_info_compute(image, image_size, &hdr.target, err);
    if (st != DFOTA_OK)
        return st;
    st = compress_full(image, image_size, opts, &frame, &frame_size, err);
    if (st != DFOTA_OK)
        return st;
    st = dfota_image_info_compute(frame, frame_size, &hdr.payload, err);
    if (st != DFOTA_OK)
        goto out;
    /* What the device's package front end needs for this frame's window. */
    workspace = full_workspace(frame, frame_size);
    if (workspace == 0 || workspace > UINT32_MAX) {
        st = dfota_error_set(err, DFOTA_E_INTERNAL, "cannot size the zstd decoder workspace");
        goto out;
    }
    hdr.workspace_size = (uint32_t)workspace;
    st = dfota_container_encode(&hdr, header, sizeof(header), &header_size, err);
    if (st != DFOTA_OK)
        goto out;
    out = malloc(header_size + frame_size);
    if (out == NULL) {
        st = dfota_error_set(err, DFOTA_E_NO_MEMORY, "cannot allocate %zu bytes",
                             header_size + frame_size);
        goto out;
    }
    memcpy(out, header, header_size);
    memcpy(out + header_size, frame, frame_size);
    *package = out;
    *package_size = header_size + frame_size;
out:
    free(frame);
    return st;
}

enum dfota_status dfota_patch_open(const uint8_t *patch, size_t size,
                                   struct dfota_patch_header *hdr, struct dfota_error *err)
{
    enum dfota_status st;
    size_t rule;

    st = dfota_patch_check_layout(patch, size, hdr, err);
    if (st != DFOTA_OK)
        return st;
    /* The figure comes from constants shared by every build (docs/FORMAT.md). */
    rule = dfota_apply_workspace_for(hdr->codec, hdr->window_log, hdr->map_count, hdr->region_count);
    if (hdr->workspace_size != rule)
        return dfota_error_set(err, DFOTA_E_MALFORMED,
                               "patch header claims %lu bytes of applier workspace, but window "
                               "log %u and %lu map entries need exactly %zu",
                               (unsigned long)hdr->workspace_size, (unsigned)hdr->window_log,
                               (unsigned long)hdr->map_count, rule);
    return DFOTA_OK;
}

/* A delta payload's patch header must describe the same images as the container. */
static enum dfota_status check_patch(const struct dfota_package_header *hdr,
                                     const uint8_t *patch, size_t patch_size,
                                     struct dfota_error *err)
{
    struct dfota_patch_header ph;
    struct dfota_error detail;

    if (dfota_patch_open(patch, patch_size, &ph, &detail) != DFOTA_OK)
        return dfota_error_set(err, DFOTA_E_CORRUPT_PATCH, "payload: %s", detail.message);
    if (ph.source_size != hdr->source.size || ph.target_size != hdr->target.size ||
        memcmp(ph.source_sha256, hdr->source.sha256, DFOTA_SHA256_SIZE) != 0 ||
        memcmp(ph.target_sha256, hdr->target.sha256, DFOTA_SHA256_SIZE) != 0)
        return dfota_error_set(err, DFOTA_E_MALFORMED,
                               "the patch inside is for other images than the header states "
                               "(patch: %lu -> %lu bytes)",
                               (unsigned long)ph.source_size, (unsigned long)ph.target_size);
    if (dfota_pkg_workspace_size_delta(ph.codec, ph.window_log, ph.map_count, ph.region_count) != hdr->workspace_size)
        return dfota_error_set(err, DFOTA_E_MALFORMED,
                               "the patch needs %lu bytes of applier workspace, so the package "
                               "needs %zu; the header states %lu",
                               (unsigned long)ph.workspace_size,
                               dfota_pkg_workspace_size_delta(ph.codec, ph.window_log, ph.map_count, ph.region_count),
                               (unsigned long)hdr->workspace_size);
    return DFOTA_OK;
}

enum dfota_status dfota_pack_delta(const uint8_t *source, size_t source_size,
                                   const uint8_t *target, size_t target_size,
                                   const uint8_t *patch, size_t patch_size,
                                   const struct dfota_delta_options *opts, uint8_t **package,
                                   size_t *package_size, struct dfota_error *err)
{
    struct dfota_package_header hdr;
    struct dfota_patch_header ph;
    uint8_t header[DFOTA_CONTAINER_HEADER_MAX];
    size_t header_size = 0;
    uint8_t *out;
    enum dfota_status st;

    *package = NULL;
    *package_size = 0;
    st = dfota_version_check(opts->source_version, "source version", err);
    if (st == DFOTA_OK)
        st = dfota_version_check(opts->target_version, "target version", err);
    if (st != DFOTA_OK)
        return st;
    if (patch_size > DFOTA_HOST_SIZE_MAX)
        return dfota_error_set(err, DFOTA_E_TOO_LARGE, "patch of %zu bytes is over the limit",
                               patch_size);
    st = dfota_patch_header_decode(patch, patch_size, &ph, err);
    if (st != DFOTA_OK)
        return st;
    memset(&hdr, 0, sizeof(hdr));
    hdr.package_type = DFOTA_PACKAGE_DELTA;
    hdr.payload_encoding = DFOTA_ENCODING_PATCH;
    hdr.created = opts->created;
    hdr.workspace_size = (uint32_t)dfota_pkg_workspace_size_delta(ph.codec, ph.window_log, ph.map_count, ph.region_count);
    memcpy(hdr.source_version, opts->source_version, strlen(opts->source_version) + 1);
    memcpy(hdr.target_version, opts->target_version, strlen(opts->target_version) + 1);
    st = dfota_image_info_compute(source, source_size, &hdr.source, err);
    if (st == DFOTA_OK)
        st = dfota_image_info_compute(target, target_size, &hdr.target, err);
    if (st == DFOTA_OK)
        st = dfota_image_info_compute(patch, patch_size, &hdr.payload, err);
    if (st == DFOTA_OK)
        st = check_patch(&hdr, patch, patch_size, err);
    if (st == DFOTA_OK)
        st = dfota_container_encode(&hdr, header, sizeof(header), &header_size, err);
    if (st != DFOTA_OK)
        return st;
    out = malloc(header_size + patch_size);
    if (out == NULL)
        return dfota_error_set(err, DFOTA_E_NO_MEMORY, "cannot allocate %zu bytes",
                               header_size + patch_size);
    memcpy(out, header, header_size);
    memcpy(out + header_size, patch, patch_size);
    *package = out;
    *package_size = header_size + patch_size;
    return DFOTA_OK;
}

static enum dfota_status compare_info(const char *what, const struct dfota_image_info *expected,
                                      const struct dfota_image_info *actual,
                                      enum dfota_status mismatch, struct dfota_error *err)
{
    char want[2 * DFOTA_SHA256_SIZE + 1], got[2 * DFOTA_SHA256_SIZE + 1];

    if (expected->size != actual->size)
        return dfota_error_set(err, mismatch, "%s size mismatch: expected %lu, got %lu", what,
                               (unsigned long)expected->size, (unsigned long)actual->size);
    if (memcmp(expected->md5, actual->md5, DFOTA_MD5_SIZE) != 0) {
        dfota_hex(expected->md5, DFOTA_MD5_SIZE, want);
        dfota_hex(actual->md5, DFOTA_MD5_SIZE, got);
        return dfota_error_set(err, mismatch, "%s MD5 mismatch: expected %s, got %s", what, want,
                               got);
    }
    if (memcmp(expected->sha256, actual->sha256, DFOTA_SHA256_SIZE) != 0) {
        dfota_hex(expected->sha256, DFOTA_SHA256_SIZE, want);
        dfota_hex(actual->sha256, DFOTA_SHA256_SIZE, got);
        return dfota_error_set(err, mismatch, "%s SHA-256 mismatch: expected %s, got %s", what,
                               want, got);
    }
    return DFOTA_OK;
}

/*
 * The zstd frame of a full-image payload, checked without decoding it
 * (docs/FORMAT.md, "Payload"), so that every decoder reads the same thing:
 * one frame covering the whole payload (no skippable frame, no second frame
 * whose window a device could not hold), stating its content size, with no
 * dictionary and no checksum, and a workspace_size that is exactly what
 * zstd's streaming decoder needs for its window, as dfota_pack_full() states.
 */
static enum dfota_status check_full_frame(const struct dfota_package_header *hdr,
                                          const uint8_t *payload, struct dfota_error *err)
{
    ZSTD_frameHeader fh;
    size_t rc, frame_size, workspace;

    rc = ZSTD_getFrameHeader(&fh, payload, hdr->payload.size);
    if (ZSTD_isError(rc))
        return dfota_error_set(err, DFOTA_E_PAYLOAD_CORRUPT, "payload is not a zstd frame: %s",
                               ZSTD_getErrorName(rc));
    if (rc != 0)
        return dfota_error_set(err, DFOTA_E_PAYLOAD_CORRUPT,
                               "payload of %lu bytes ends inside a zstd frame header",
                               (unsigned long)hdr->payload.size);
    if (fh.frameType != ZSTD_frame)
        return dfota_error_set(err, DFOTA_E_PAYLOAD_CORRUPT,
                               "payload starts with a skippable frame, not the zstd frame of "
                               "the image");
    frame_size = ZSTD_findFrameCompressedSize(payload, hdr->payload.size);
    if (ZSTD_isError(frame_size))
        return dfota_error_set(err, DFOTA_E_PAYLOAD_CORRUPT, "payload zstd frame is cut short: %s",
                               ZSTD_getErrorName(frame_size));
    if (frame_size != hdr->payload.size)
        return dfota_error_set(err, DFOTA_E_PAYLOAD_CORRUPT,
                               "%lu byte(s) after the %zu-byte zstd frame of the payload: a "
                               "full-image payload is exactly one frame",
                               (unsigned long)(hdr->payload.size - frame_size), frame_size);
    if (fh.frameContentSize == ZSTD_CONTENTSIZE_UNKNOWN)
        return dfota_error_set(err, DFOTA_E_PAYLOAD_CORRUPT,
                               "payload zstd frame does not state its content size");
    if (fh.frameContentSize != hdr->target.size)
        return dfota_error_set(err, DFOTA_E_PAYLOAD_CORRUPT,
                               "payload frame holds %llu bytes, header states target size %lu",
                               fh.frameContentSize, (unsigned long)hdr->target.size);
    if (fh.dictID != 0)
        return dfota_error_set(err, DFOTA_E_PAYLOAD_CORRUPT,
                               "payload zstd frame needs dictionary %lu; a full-image frame "
                               "uses none",
                               (unsigned long)fh.dictID);
    if (fh.checksumFlag != 0)
        return dfota_error_set(err, DFOTA_E_PAYLOAD_CORRUPT,
                               "payload zstd frame carries a checksum; a full-image frame has "
                               "none (the header's digests cover the image)");
    if (fh.windowSize > ((unsigned long long)1 << DFOTA_FULL_WINDOW_LOG_MAX))
        return dfota_error_set(err, DFOTA_E_PAYLOAD_CORRUPT,
                               "payload zstd frame has a %llu-byte window, over the %llu-byte "
                               "limit",
                               fh.windowSize, (unsigned long long)1 << DFOTA_FULL_WINDOW_LOG_MAX);
    workspace = dfota_pkg_workspace_size_full(fh.windowSize);
    if (workspace != hdr->workspace_size)
        return dfota_error_set(err, DFOTA_E_MALFORMED,
                               "header states %lu bytes of decoder workspace, but the payload "
                               "frame's %llu-byte window needs exactly %zu",
                               (unsigned long)hdr->workspace_size, fh.windowSize, workspace);
    return DFOTA_OK;
}

/*
 * Would a stock zip reader take `data` for a zip? Readers look for the end
 * of central directory record (50 4B 05 06) in the last 65,557 bytes and
 * follow it to the central directory: at the offset it states, or (Info-ZIP,
 * for self-extractors) right before the end record, as long as it says.
 * One that leads to a central directory header (50 4B 01 02) makes the file
 * a zip to them. By chance that takes two 4-byte signatures in their places:
 * about 2^-64 per candidate offset.
 */
static bool looks_like_a_zip(const uint8_t *data, size_t size, size_t *end_record)
{
    size_t pos, lowest;

    if (size < 22)
        return false;
    lowest = size - 22 > 65535u ? size - 22 - 65535u : 0;
    for (pos = size - 22 + 1; pos-- > lowest;) {
        uint32_t central_size, central_offset;

        if (dfota_get_le32(data + pos) != 0x06054b50u)
            continue;
        central_size = dfota_get_le32(data + pos + 12);
        central_offset = dfota_get_le32(data + pos + 16);
        if ((central_offset <= pos && pos - central_offset >= 4 &&
             dfota_get_le32(data + central_offset) == 0x02014b50u) ||
            (central_size <= pos && central_size >= 4 &&
             dfota_get_le32(data + pos - central_size) == 0x02014b50u)) {
            *end_record = pos;
            return true;
        }
    }
    return false;
}

enum dfota_status dfota_package_open(const uint8_t *data, size_t size,
                                     struct dfota_package_header *hdr, const uint8_t **payload,
                                     struct dfota_error *err)
{
    size_t end_record = 0;

    struct dfota_image_info actual;
    enum dfota_status st;

    *payload = NULL;
    st = dfota_container_parse(data, size, hdr, err);
    if (st != DFOTA_OK)
        return st;
    st = dfota_container_check_size(hdr, size, err);
    if (st != DFOTA_OK)
        return st;
    st = dfota_image_info_compute(data + hdr->header_size, hdr->payload.size, &actual, err);
    if (st != DFOTA_OK)
        return st;
    st = compare_info("payload", &hdr->payload, &actual, DFOTA_E_PAYLOAD_DIGEST, err);
    if (st == DFOTA_OK && hdr->package_type == DFOTA_PACKAGE_DELTA)
        st = check_patch(hdr, data + hdr->header_size, hdr->payload.size, err);
    else if (st == DFOTA_OK)
        st = check_full_frame(hdr, data + hdr->header_size, err);
    if (st != DFOTA_OK)
        return st;
    /* One file must not be two: a package that unzip lists as a zip is refused. */
    if (looks_like_a_zip(data, size, &end_record))
        return dfota_error_set(err, DFOTA_E_UNSAFE_ZIP,
                               "the package is also a zip to stock readers (an end of central "
                               "directory record at offset %zu leads to a central directory): "
                               "unzip would extract files from it; refused",
                               end_record);
    *payload = data + hdr->header_size;
    return DFOTA_OK;
}

enum dfota_status dfota_package_unpack_full(const struct dfota_package_header *hdr,
                                            const uint8_t *payload, uint8_t **image,
                                            size_t *image_size, struct dfota_error *err)
{
    struct dfota_image_info actual;
    size_t rc;
    uint8_t *out;
    enum dfota_status st;

    *image = NULL;
    *image_size = 0;
    if (hdr->package_type != DFOTA_PACKAGE_FULL || hdr->payload_encoding != DFOTA_ENCODING_ZSTD)
        return dfota_error_set(err, DFOTA_E_INVALID_ARGUMENT, "not a full-image package");
    if (hdr->target.size > DFOTA_HOST_SIZE_MAX)
        return dfota_error_set(err, DFOTA_E_TOO_LARGE, "target size %lu is over the %u-byte limit",
                               (unsigned long)hdr->target.size, DFOTA_HOST_SIZE_MAX);
    st = check_full_frame(hdr, payload, err);
    if (st != DFOTA_OK)
        return st;
    out = malloc(hdr->target.size ? hdr->target.size : 1);
    if (out == NULL)
        return dfota_error_set(err, DFOTA_E_NO_MEMORY, "cannot allocate %lu bytes",
                               (unsigned long)hdr->target.size);
    rc = ZSTD_decompress(out, hdr->target.size, payload, hdr->payload.size);
    if (ZSTD_isError(rc) || rc != hdr->target.size) {
        free(out);
        return dfota_error_set(err, DFOTA_E_PAYLOAD_CORRUPT, "payload does not decode: %s",
                               ZSTD_isError(rc) ? ZSTD_getErrorName(rc) : "short output");
    }
    st = dfota_image_info_compute(out, rc, &actual, err);
    if (st == DFOTA_OK)
        st = compare_info("target", &hdr->target, &actual, DFOTA_E_TARGET_MISMATCH, err);
    if (st != DFOTA_OK) {
        free(out);
        return st;
    }
    *image = out;
    *image_size = rc;
    return DFOTA_OK;
}
