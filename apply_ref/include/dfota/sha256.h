/*
 * dfota/sha256.h - SHA-256 (FIPS 180-4) for the device-side applier.
 *
 * Push-mode streaming: dfota_sha256_init(), then any number of
 * dfota_sha256_update() calls with chunks of any size (including 0 and 1),
 * then dfota_sha256_final(). The digest does not depend on how the message
 * was split into chunks.
 *
 * Portable C99: depends only on <stddef.h>, <stdint.h> and <string.h>; no
 * allocation, no recursion, no writable global state. Independent contexts
 * may be used from different threads.
 *
 * RAM: the caller-owned context, sizeof(struct dfota_sha256) = 112 bytes
 * (ILP32 Cortex-M and LP64 hosts alike).
 * Measured on a Cortex-M4 (arm-none-eabi-gcc 12 -mcpu=cortex-m4 -mthumb -Os
 * -ffunction-sections, bench/hash-m4/run.sh; instructions counted exactly
 * under QEMU):
 *   code    1624 bytes of Thumb-2 code and constants (256 of them the round
 *           constants; the message buffering and padding are block64.h's,
 *           shared with MD5 and inlined);
 *   time    35.2 instructions per byte hashed (update() of 4 KiB, from an
 *           aligned or an unaligned buffer), 35.8 with init() and final();
 *   stack   the message schedule is a rolling 16-word ring (64 bytes) instead
 *           of the 64-word array of FIPS 180-4 6.2.2 (256 bytes), plus 8
 *           words of K + W for the rounds. Deepest call chain
 *           (-fstack-usage, -Os): 224 bytes (final 32, compress 160, its
 *           schedule 32; 216 bytes written, painted).
 * Whole blocks are hashed straight from the caller's buffer; only a partial
 * block is copied into the context.
 */
#ifndef DFOTA_SHA256_H
#define DFOTA_SHA256_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DFOTA_SHA256_DIGEST_SIZE 32u
#define DFOTA_SHA256_BLOCK_SIZE 64u

/*
 * Hashing state. Caller-owned; treat the fields as private. Messages up to
 * 2^61 - 1 bytes (the FIPS 180-4 limit of 2^64 - 1 bits) are hashed
 * correctly.
 */
struct dfota_sha256 {
    uint32_t state[8];                      /* H0..H7 */
    uint64_t length;                        /* message bytes hashed so far */
    uint8_t block[DFOTA_SHA256_BLOCK_SIZE]; /* partial block not yet compressed */
    uint32_t fill;                          /* bytes used in block, 0..63 */
};

/*
 * Start a new message in `ctx` (non-NULL). Any previous state is discarded,
 * so a context may be reused after dfota_sha256_final().
 */
void dfota_sha256_init(struct dfota_sha256 *ctx);

/*
 * Append `size` bytes at `data` to the message. `data` may be NULL when
 * `size` is 0. `ctx` must have been initialised by dfota_sha256_init() and
 * not finalised since. Never fails.
 */
void dfota_sha256_update(struct dfota_sha256 *ctx, const void *data, size_t size);

/*
 * Finish the message: pad it, and write its 32-byte digest to `digest`.
 * `ctx` is left in an unspecified state: call dfota_sha256_init() before
 * using it again. Never fails.
 */
void dfota_sha256_final(struct dfota_sha256 *ctx, uint8_t digest[DFOTA_SHA256_DIGEST_SIZE]);

#ifdef __cplusplus
}
#endif

#endif /* DFOTA_SHA256_H */
