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
 * (ILP32 Cortex-M and LP64 hosts alike). Flash: under 1 KiB of Thumb-2 code
 * and constants (988 bytes at -Os for Cortex-M4).
 * Stack: the compression function keeps the message schedule in a rolling
 * 16-word ring (64 bytes) instead of the 64-word array of FIPS 180-4 6.2.2
 * (256 bytes). Deepest call chain measured with gcc 12 -fstack-usage:
 * 184 bytes on Cortex-M4 (arm-none-eabi-gcc -mthumb, -O2 or -Os), 224 bytes
 * there at -O0; 104 bytes on x86-64 at -O2.
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
