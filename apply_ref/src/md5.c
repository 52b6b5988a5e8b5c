/*
 * md5.c - MD5 as specified in RFC 1321 (sections 3.1 to 3.5).
 */
#include "dfota/md5.h"

#include <string.h>

#include "block64.h"

typedef char block_size_check[DFOTA_MD5_BLOCK_SIZE == DFOTA_BLOCK64_SIZE ? 1 : -1];

/* RFC 1321 3.4: T[i] = floor(2^32 * abs(sin(i))), i = 1..64 in radians. */
static const uint32_t sine_table[64] = {
    0xd76aa478u, 0xe8c7b756u, 0x242070dbu, 0xc1bdceeeu, 0xf57c0fafu, 0x4787c62au, 0xa8304613u,
    0xfd469501u, 0x698098d8u, 0x8b44f7afu, 0xffff5bb1u, 0x895cd7beu, 0x6b901122u, 0xfd987193u,
    0xa679438eu, 0x49b40821u, 0xf61e2562u, 0xc040b340u, 0x265e5a51u, 0xe9b6c7aau, 0xd62f105du,
    0x02441453u, 0xd8a1e681u, 0xe7d3fbc8u, 0x21e1cde6u, 0xc33707d6u, 0xf4d50d87u, 0x455a14edu,
    0xa9e3e905u, 0xfcefa3f8u, 0x676f02d9u, 0x8d2a4c8au, 0xfffa3942u, 0x8771f681u, 0x6d9d6122u,
    0xfde5380cu, 0xa4beea44u, 0x4bdecfa9u, 0xf6bb4b60u, 0xbebfbc70u, 0x289b7ec6u, 0xeaa127fau,
    0xd4ef3085u, 0x04881d05u, 0xd9d4d039u, 0xe6db99e5u, 0x1fa27cf8u, 0xc4ac5665u, 0xf4292244u,
    0x432aff97u, 0xab9423a7u, 0xfc93a039u, 0x655b59c3u, 0x8f0ccc92u, 0xffeff47du, 0x85845dd1u,
    0x6fa87e4fu, 0xfe2ce6e0u, 0xa3014314u, 0x4e0811a1u, 0xf7537e82u, 0xbd3af235u, 0x2ad7d2bbu,
    0xeb86d391u};

/* RFC 1321 3.3: words A, B, C, D. */
static const uint32_t initial_state[4] = {0x67452301u, 0xefcdab89u, 0x98badcfeu, 0x10325476u};

/* x rotated left by n bits, 0 < n < 32. */
#define ROTL(x, n) (((x) << (n)) | ((x) >> (32 - (n))))

/* RFC 1321 3.4, F to I; F and G with one operation fewer. */
#define F(x, y, z) ((((y) ^ (z)) & (x)) ^ (z))
#define G(x, y, z) ((((x) ^ (y)) & (z)) ^ (y))
#define H(x, y, z) ((x) ^ (y) ^ (z))
#define I(x, y, z) ((y) ^ ((x) | ~(z)))

/* One operation [abcd k s i] of RFC 1321 3.4: X[k] is `xk`, T[i] is t[i]. */
#define STEP(fn, a, b, c, d, xk, s, i)                                                     \
    do {                                                                                   \
        a += fn(b, c, d) + (xk) + t[i];                                                    \
        a = ROTL(a, s) + (b);                                                              \
    } while (0)

/* The little-endian word at p (a macro: one unaligned load on a Cortex-M4). */
#define LOAD_LE32(p)                                                                       \
    ((uint32_t)(p)[0] | ((uint32_t)(p)[1] << 8) | ((uint32_t)(p)[2] << 16) |              \
     ((uint32_t)(p)[3] << 24))

/* `count` words at `words` as little-endian bytes at `p`. */
static void store_le32(uint8_t *p, const uint32_t *words, unsigned count)
{
    uint32_t v;

    while (count-- > 0) {
        v = *words++;
        p[0] = (uint8_t)v;
        p[1] = (uint8_t)(v >> 8);
        p[2] = (uint8_t)(v >> 16);
        p[3] = (uint8_t)(v >> 24);
        p += 4;
    }
}

/* A round 1 operation, which takes X[k] from the block (k = 0..15 in order)
 * and keeps it in x[] twice for the other rounds; q, p: the iteration's words
 * in the block and in x[]. */
#define STEP1(a, b, c, d, k, s, i)                                                         \
    do {                                                                                   \
        uint32_t xk_ = LOAD_LE32(q + 4u * (k));                                            \
        p[k] = xk_;                                                                        \
        p[(k) + 16] = xk_;                                                                 \
        STEP(F, a, b, c, d, xk_, s, i);                                                    \
    } while (0)

/*
 * RFC 1321 3.4 for `blocks` 64-byte blocks at `data`. Each round is a loop
 * of four iterations of four operations, whose shifts repeat with period
 * four. The message words X[k] of an iteration are at fixed distances from
 * a base that moves by four words (mod 16): x[] holds X[0..15] twice, so that
 * x[base + distance] is X[(base + distance) mod 16] without a mask.
 *   round 1  k = i             base 0, 4, 8, 12    distances 0, 1, 2, 3
 *   round 2  k = 5i + 1        base 1, 5, 9, 13    distances 0, 5, 10, 15
 *   round 3  k = 3i + 5        base 5, 1, 13, 9    distances 0, 3, 6, 9
 *   round 4  k = 7i            base 0, 12, 8, 4    distances 0, 7, 14, 5
 * (k mod 16, i the operation's number in its round, 0..15).
 */
static void compress(uint32_t state[4], const uint8_t *data, size_t blocks)
{
    uint32_t x[32];
    const uint32_t *t;
    const uint8_t *q;
    uint32_t *p;
    uint32_t a, b, c, d;
    unsigned i;

    for (; blocks > 0; blocks--, data += DFOTA_MD5_BLOCK_SIZE) {
        a = state[0];
        b = state[1];
        c = state[2];
        d = state[3];
        t = sine_table;
        for (i = 0; i < 16; i += 4, t += 4) {
            q = data + 4u * i;
            p = x + i;
            STEP1(a, b, c, d, 0, 7, 0);
            STEP1(d, a, b, c, 1, 12, 1);
            STEP1(c, d, a, b, 2, 17, 2);
            STEP1(b, c, d, a, 3, 22, 3);
        }
        for (i = 1; i < 16; i += 4, t += 4) {
            p = x + i;
            STEP(G, a, b, c, d, p[0], 5, 0);
            STEP(G, d, a, b, c, p[5], 9, 1);
            STEP(G, c, d, a, b, p[10], 14, 2);
            STEP(G, b, c, d, a, p[15], 20, 3);
        }
        for (i = 0; i < 16; i += 4, t += 4) {
            p = x + ((21u - i) & 15u);
            STEP(H, a, b, c, d, p[0], 4, 0);
            STEP(H, d, a, b, c, p[3], 11, 1);
            STEP(H, c, d, a, b, p[6], 16, 2);
            STEP(H, b, c, d, a, p[9], 23, 3);
        }
        for (i = 0; i < 16; i += 4, t += 4) {
            p = x + ((16u - i) & 15u);
            STEP(I, a, b, c, d, p[0], 6, 0);
            STEP(I, d, a, b, c, p[7], 10, 1);
            STEP(I, c, d, a, b, p[14], 15, 2);
            STEP(I, b, c, d, a, p[5], 21, 3);
        }
        state[0] += a;
        state[1] += b;
        state[2] += c;
        state[3] += d;
    }
}

void dfota_md5_init(struct dfota_md5 *ctx)
{
    /* block[] needs no clearing: bytes are read only after being written. */
    memcpy(ctx->state, initial_state, sizeof(ctx->state));
    ctx->length = 0;
    ctx->fill = 0;
}

void dfota_md5_update(struct dfota_md5 *ctx, const void *data, size_t size)
{
    dfota_block64_update(ctx->state, ctx->block, &ctx->fill, &ctx->length, compress, data, size);
}

void dfota_md5_final(struct dfota_md5 *ctx, uint8_t digest[DFOTA_MD5_DIGEST_SIZE])
{
    /* RFC 1321 3.1 and 3.2: a 1 bit, zeros up to 56 mod 64 bytes, then the
     * message length in bits as a 64-bit little-endian integer. */
    uint32_t bits[2];

    bits[0] = (uint32_t)ctx->length << 3;
    bits[1] = (uint32_t)(ctx->length >> 29);
    dfota_block64_pad(ctx->state, ctx->block, ctx->fill, compress);
    store_le32(ctx->block + DFOTA_MD5_BLOCK_SIZE - 8u, bits, 2);
    compress(ctx->state, ctx->block, 1);
    store_le32(digest, ctx->state, 4);
}
