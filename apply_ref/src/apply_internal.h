/*
 * apply_internal.h - what the package front end (pkgapply.c) uses of the
 * applier beyond its public API.
 */
#ifndef DFOTA_APPLY_INTERNAL_H
#define DFOTA_APPLY_INTERNAL_H

#include <stdint.h>

#include "dfota/apply.h"
#include "dfota/hash.h"

/* Keep a cold function's locals out of the frames of the hot path that calls
 * it (the stack is the deepest chain of frames; docs/PORTING.md). */
#if defined(__GNUC__)
#define DFOTA_NOINLINE __attribute__((noinline))
#else
#define DFOTA_NOINLINE
#endif

/* ZSTD_FRAMEHEADERSIZE_MAX, also where zstd.h is not included (apply.c checks
 * it against zstd's). */
#define DFOTA_FRAME_HEAD_MAX 18u

/* Resume granularity of a full image: a progress record every 64 KiB of output. */
#define DFOTA_APPLY_FULL_STEP 65536u

/* What the package header says about the patch, for the applier to hold it to. */
struct dfota_apply_expect {
    uint32_t source_size, target_size;
    uint8_t source_sha256[32], target_sha256[32];
    uint32_t workspace; /* the patch header's workspace_size the package implies */
    uint8_t target_md5[16];
    int check_target_md5; /* finish() also checks the target's MD5 against target_md5 */
    int source_checked; /* the front end has checked the source area against these */
};

/* Hold the patch header to `e` (before the first push): MALFORMED at its
 * header if it disagrees; its source check is skipped when the front end
 * did it. */
void dfota_apply_set_expect(struct dfota_apply *ap, const struct dfota_apply_expect *e);

/*
 * Decode a full image instead of a patch (before the first push): the
 * pushed bytes are then one zstd frame of `frame_size` bytes with a window
 * of at most `window_size` bytes that decodes to `target_size` bytes whose
 * SHA-256 is `target_sha256`, written to the target area from offset 0.
 * `id` (32 bytes) identifies the update in progress records. WORKSPACE,
 * TOO_LARGE, INVALID_ARGUMENT; resuming, UPDATE_IN_PROGRESS or
 * TARGET_MISMATCH as for a patch.
 */
enum dfota_status dfota_apply_begin_full(struct dfota_apply *ap, uint64_t window_size,
                                         uint32_t frame_size, uint32_t target_size,
                                         const uint8_t *target_sha256, const uint8_t *id);

/* Hash `size` bytes read through `read` (SHA-256, and MD5 unless `md5` is NULL). */
enum dfota_status dfota_apply_hash_area(struct dfota_apply *ap,
                                        enum dfota_status (*read)(void *, uint32_t, uint8_t *,
                                                                  size_t),
                                        uint32_t size, struct dfota_hash *sha,
                                        struct dfota_hash *md5, uint8_t *digest,
                                        uint8_t *md5_digest);

#endif /* DFOTA_APPLY_INTERNAL_H */
