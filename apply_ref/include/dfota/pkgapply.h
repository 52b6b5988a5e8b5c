/*
 * dfota/pkgapply.h - the device-side package front end: takes the package
 * file exactly as the device downloaded it (X_TO_Y.bin, fota.pack: container
 * header, then the payload) and applies it, delta or full image, through the
 * applier's flash callbacks (dfota/apply.h).
 *
 * Device-side code: portable C99, no allocation, no recursion, no host
 * dependency; the package arrives in pushed chunks of any size.
 *
 *   container  The 16-byte preamble, the TLVs and the header CRC-32 are
 *              checked as they arrive (docs/FORMAT.md, "Package container").
 *   source     A delta is refused before the first erase unless the source
 *              area holds the image the package was made for: its size, its
 *              SHA-256 and its MD5 (the digest modules report on) are all
 *              checked, in one pass over the source (SOURCE_MISMATCH; BC25
 *              6507, EC200 506).
 *   payload    Streamed into the patch applier (delta, payload encoding 2)
 *              or the zstd decoder (full image, encoding 1), while its size,
 *              SHA-256 and MD5 are computed. finish() checks them, and the
 *              new image's SHA-256 and MD5 (the header's; the MD5 is what a
 *              module checks) as the flash holds it, before it reports
 *              success: no image is declared good before all match.
 *   in place   An in-place delta (and a full image written over the running
 *              image) overwrites the old image as it goes, so a corrupted
 *              payload must be caught before the first write: the package
 *              is pushed twice, first through dfota_pkg_check_push() /
 *              dfota_pkg_check_finish() (header, payload size and digests,
 *              source; no flash write), then through dfota_pkg_push() /
 *              dfota_pkg_finish(), which refuses a package other than the
 *              one checked (INVALID_ARGUMENT). The module has the package
 *              in its file system (UFS) anyway. Two-bank, the check pass is
 *              optional: the old bank is never written, and the new one is
 *              declared good only by finish().
 *   resume     dfota_pkg_resume() with the newest progress record, then the
 *              same package from its first byte (through the check pass
 *              too, in place). A delta resumes at its segment boundary; a
 *              full image is decoded again from its start, and its output
 *              below the recorded point (a record every 64 KiB) is not
 *              written again.
 *
 * Memory: one workspace of at least the workspace_size the package header
 * states (dfota_pkg_workspace_size_delta()/_full(): computed from constants
 * for the reference device build, docs/FORMAT.md "Applier memory"); less is
 * refused with WORKSPACE before any flash access. The header is gathered in
 * the same memory before the decoder is laid out in it.
 */
#ifndef DFOTA_PKGAPPLY_H
#define DFOTA_PKGAPPLY_H

#include <stddef.h>
#include <stdint.h>

#include "dfota/apply.h"
#include "dfota/container.h"
#include "dfota/progress.h"
#include "dfota/status.h"

#ifdef __cplusplus
extern "C" {
#endif

struct dfota_pkg; /* opaque; lives inside the caller's workspace */

/* sizeof(struct dfota_pkg) on the reference device build, rounded up to 16:
 * the front end's share of a package's workspace_size. */
#define DFOTA_PKG_STATE_SIZE 1104u

/*
 * The workspace_size a package header states, and what the front end of the
 * reference device build needs: for a delta whose patch has codec `codec`,
 * log `log`, `map_count` map entries and `region_count` prediction regions;
 * for a full image whose zstd
 * frame has a `window_size`-byte window. 0 if out of range.
 */
size_t dfota_pkg_workspace_size_delta(unsigned codec, unsigned log, uint32_t map_count,
                                      uint32_t region_count);
size_t dfota_pkg_workspace_size_full(uint64_t window_size);

/* The same figures for this build (pointer size, zstd build): what
 * dfota_pkg_init() must be given. Equal to the above on the reference
 * device build (docs/PORTING.md); a 64-bit host needs a little more. */
size_t dfota_pkg_workspace_need_delta(unsigned codec, unsigned log, uint32_t map_count,
                                      uint32_t region_count);
size_t dfota_pkg_workspace_need_full(uint64_t window_size);

/*
 * Prepare a front end in `workspace` (`workspace_size` bytes, any
 * alignment). `config` and `io` are as for dfota_apply_init() (layout
 * DFOTA_APPLY_IN_PLACE for an in-place delta or a full image written over
 * the running image; io->hash selects the hash driver). INVALID_ARGUMENT
 * for bad parameters, WORKSPACE if it cannot even hold a package header.
 */
enum dfota_status dfota_pkg_init(struct dfota_pkg **pkg, void *workspace, size_t workspace_size,
                                 const struct dfota_apply_config *config,
                                 const struct dfota_apply_io *io, struct dfota_error *err);

/* Resume from progress record `rec`: right after init (dfota_apply_resume()). */
enum dfota_status dfota_pkg_resume(struct dfota_pkg *pkg, const struct dfota_progress *rec);

/*
 * The check pass: the package bytes in order, then check_finish(). Reads
 * the source area (a delta, unless resuming in place), never erases or
 * writes. TRUNCATED, TRAILING_DATA, PAYLOAD_DIGEST, SOURCE_MISMATCH and
 * every container refusal. After it, push the package again with
 * dfota_pkg_push().
 */
enum dfota_status dfota_pkg_check_push(struct dfota_pkg *pkg, const uint8_t *data, size_t size);
enum dfota_status dfota_pkg_check_finish(struct dfota_pkg *pkg);

/*
 * The apply pass: the package bytes in order (any chunk sizes), then
 * finish(). Failures are sticky; dfota_pkg_error() has the detail.
 */
enum dfota_status dfota_pkg_push(struct dfota_pkg *pkg, const uint8_t *data, size_t size);
enum dfota_status dfota_pkg_finish(struct dfota_pkg *pkg);

/* The error recorded by the last failure (status DFOTA_OK if none). */
const struct dfota_error *dfota_pkg_error(const struct dfota_pkg *pkg);

/* The package header once it has been read and checked, else NULL. */
const struct dfota_package_header *dfota_pkg_header(const struct dfota_pkg *pkg);

/* Target bytes produced so far by the apply pass. */
uint32_t dfota_pkg_target_done(const struct dfota_pkg *pkg);

#ifdef __cplusplus
}
#endif

#endif /* DFOTA_PKGAPPLY_H */
