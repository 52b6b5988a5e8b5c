/*
 * dfota/md5.h - MD5 (RFC 1321) for the device-side package front end.
 *
 * MD5 is no security check here: the package container carries the MD5 of
 * the source, target and payload (docs/FORMAT.md) because that is the digest
 * cellular modules report, and the device checks them beside SHA-256. The
 * packages' authenticity rests on SHA-256 and their signatures.
 *
 * Push-mode streaming, as dfota/sha256.h: dfota_md5_init(), then any number
 * of dfota_md5_update() calls with chunks of any size (including 0 and 1),
 * then dfota_md5_final(). The digest does not depend on how the message was
 * split into chunks.
 *
 * Portable C99: depends only on <stddef.h>, <stdint.h> and <string.h>; no
 * allocation, no recursion, no writable global state.
 *
 * RAM: the caller-owned context, sizeof(struct dfota_md5) = 96 bytes (ILP32
 * Cortex-M and LP64 hosts alike).
 * Measured on a Cortex-M4 (arm-none-eabi-gcc 12 -mcpu=cortex-m4 -mthumb -Os
 * -ffunction-sections, bench/hash-m4/run.sh; instructions counted exactly
 * under QEMU):
 *   code    1220 bytes of Thumb-2 code and constants (256 of them the sine
 *           table; the buffering and padding are block64.h's, inlined);
 *   time    11.4 instructions per byte hashed (update() of 4 KiB, from an
 *           aligned or an unaligned buffer), 11.6 with init() and final();
 *   stack   the block's 16 words are kept twice (128 bytes) so that every
 *           operation finds its word at a fixed place. Deepest call chain
 *           (-fstack-usage, -Os): 224 bytes (final 32, compress 192; 212
 *           bytes written, painted).
 * Whole blocks are hashed straight from the caller's buffer; only a partial
 * block is copied into the context.
 */
#ifndef DFOTA_MD5_H
#define DFOTA_MD5_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DFOTA_MD5_DIGEST_SIZE 16u
#define DFOTA_MD5_BLOCK_SIZE 64u

/*
 * Hashing state. Caller-owned; treat the fields as private. Messages up to
 * 2^61 - 1 bytes are hashed correctly.
 */
struct dfota_md5 {
    uint32_t state[4];                   /* A, B, C, D */
    uint64_t length;                     /* message bytes hashed so far */
    uint8_t block[DFOTA_MD5_BLOCK_SIZE]; /* partial block not yet compressed */
    uint32_t fill;                       /* bytes used in block, 0..63 */
};

/*
 * Start a new message in `ctx` (non-NULL). Any previous state is discarded,
 * so a context may be reused after dfota_md5_final().
 */
void dfota_md5_init(struct dfota_md5 *ctx);

/*
 * Append `size` bytes at `data` to the message. `data` may be NULL when
 * `size` is 0. `ctx` must have been initialised by dfota_md5_init() and not
 * finalised since. Never fails.
 */
void dfota_md5_update(struct dfota_md5 *ctx, const void *data, size_t size);

/*
 * Finish the message: pad it, and write its 16-byte digest to `digest`.
 * `ctx` is left in an unspecified state: call dfota_md5_init() before using
 * it again. Never fails.
 */
void dfota_md5_final(struct dfota_md5 *ctx, uint8_t digest[DFOTA_MD5_DIGEST_SIZE]);

#ifdef __cplusplus
}
#endif

#endif /* DFOTA_MD5_H */
