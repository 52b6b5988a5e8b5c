/*
 * sha256.c - SHA-256 as specified in FIPS 180-4 (sections 4.1.2, 4.2.2,
 * 5.1.1, 5.3.3 and 6.2).
 */
#include "dfota/sha256.h"

#include <string.h>

#include "block64.h"

typedef char block_size_check[DFOTA_SHA256_BLOCK_SIZE == DFOTA_BLOCK64_SIZE ? 1 : -1];

/* FIPS 180-4 4.2.2: the first 32 bits of the fractional parts of the cube
 * roots of the first 64 primes. */
static const uint32_t round_constants[64] = {
    0x428a2f98u, 0x71374491u, 0xb5c0fbcfu, 0xe9b5dba5u, 0x3956c25bu, 0x59f111f1u, 0x923f82a4u,
    0xab1c5ed5u, 0xd807aa98u, 0x12835b01u, 0x243185beu, 0x550c7dc3u, 0x72be5d74u, 0x80deb1feu,
    0x9bdc06a7u, 0xc19bf174u, 0xe49b69c1u, 0xefbe4786u, 0x0fc19dc6u, 0x240ca1ccu, 0x2de92c6fu,
    0x4a7484aau, 0x5cb0a9dcu, 0x76f988dau, 0x983e5152u, 0xa831c66du, 0xb00327c8u, 0xbf597fc7u,
    0xc6e00bf3u, 0xd5a79147u, 0x06ca6351u, 0x14292967u, 0x27b70a85u, 0x2e1b2138u, 0x4d2c6dfcu,
    0x53380d13u, 0x650a7354u, 0x766a0abbu, 0x81c2c92eu, 0x92722c85u, 0xa2bfe8a1u, 0xa81a664bu,
    0xc24b8b70u, 0xc76c51a3u, 0xd192e819u, 0xd6990624u, 0xf40e3585u, 0x106aa070u, 0x19a4c116u,
    0x1e376c08u, 0x2748774cu, 0x34b0bcb5u, 0x391c0cb3u, 0x4ed8aa4au, 0x5b9cca4fu, 0x682e6ff3u,
    0x748f82eeu, 0x78a5636fu, 0x84c87814u, 0x8cc70208u, 0x90befffau, 0xa4506cebu, 0xbef9a3f7u,
    0xc67178f2u};

/* FIPS 180-4 5.3.3: the first 32 bits of the fractional parts of the square
 * roots of the first 8 primes. */
static const uint32_t initial_state[8] = {0x6a09e667u, 0xbb67ae85u, 0x3c6ef372u, 0xa54ff53au,
                                          0x510e527fu, 0x9b05688cu, 0x1f83d9abu, 0x5be0cd19u};

/*
 * Code-generation hint for schedule8() below; no effect on the result. Kept
 * out of line, the eight working variables stay in registers across its call
 * (they are callee-saved) and the rounds have the other registers to
 * themselves. GCC's noipa also stops it from assuming that the call leaves
 * `state` unchanged, which it otherwise uses to keep a copy of the state on
 * the stack for the feed-forward (32 bytes of stack for nothing).
 */
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 8
#define DFOTA_SHA256_OUT_OF_LINE __attribute__((noipa))
#elif defined(__GNUC__)
#define DFOTA_SHA256_OUT_OF_LINE __attribute__((noinline))
#else
#define DFOTA_SHA256_OUT_OF_LINE
#endif

/* x rotated right by n bits, 0 < n < 32. */
#define ROTR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

/*
 * FIPS 180-4 4.1.2, (4.4) to (4.7). The big sigmas are written as nested
 * rotations (ROTR 6 ^ ROTR 11 ^ ROTR 25 = ROTR 6 of (x ^ ROTR 5 of (x ^
 * ROTR 14 x))): two instructions and a rotated operand of the addition on an
 * ARM, one fewer than three separate rotations.
 */
#define BIG_SIGMA0(x) ROTR(ROTR(ROTR(x, 9) ^ (x), 11) ^ (x), 2)
#define BIG_SIGMA1(x) ROTR(ROTR(ROTR(x, 14) ^ (x), 5) ^ (x), 6)
#define SMALL_SIGMA0(x) (ROTR((x) ^ ROTR(x, 11), 7) ^ ((x) >> 3))
#define SMALL_SIGMA1(x) (ROTR((x) ^ ROTR(x, 2), 17) ^ ((x) >> 10))
/* (4.2), with one operation fewer. */
#define CH(x, y, z) ((((y) ^ (z)) & (x)) ^ (z))

static uint32_t load_be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) |
           (uint32_t)p[3];
}

/* `count` words at `words` as big-endian bytes at `p`. */
static void store_be32(uint8_t *p, const uint32_t *words, unsigned count)
{
    uint32_t v;

    while (count-- > 0) {
        v = *words++;
        p[0] = (uint8_t)(v >> 24);
        p[1] = (uint8_t)(v >> 16);
        p[2] = (uint8_t)(v >> 8);
        p[3] = (uint8_t)v;
        p += 4;
    }
}

/*
 * (6.2.2 step 1) W[t .. t+7], t a multiple of 8, into the message schedule,
 * and K[t+i] + W[t+i] into wk[i] for the rounds. The schedule is a ring of 16
 * words (64 bytes of stack instead of the 256 of W[0..63]): W[t] depends on
 * W[t-2], W[t-7], W[t-15] and W[t-16], and replaces W[t-16]. `w` is the half
 * of the ring that receives W[t .. t+7] (it holds W[t-16 .. t-9]), `v` the
 * other half (W[t-8 .. t-1]); each operand is then at a fixed place.
 */
#define EXPAND(i, w2, w7, w15)                                                             \
    do {                                                                                   \
        x = w[i] + SMALL_SIGMA1(w2) + (w7) + SMALL_SIGMA0(w15);                            \
        w[i] = x;                                                                          \
        wk[i] = x + k[i];                                                                  \
    } while (0)

DFOTA_SHA256_OUT_OF_LINE
static void schedule8(uint32_t *restrict w, const uint32_t *restrict v, uint32_t *restrict wk,
                      const uint8_t *block, unsigned t)
{
    const uint32_t *k = round_constants + t;
    uint32_t x;
    unsigned i;

    if (t < 16) {
        for (i = 0; i < 8; i++) {
            x = load_be32(block + 4u * (t + i));
            w[i] = x;
            wk[i] = x + k[i];
        }
    } else {
        EXPAND(0, v[6], v[1], w[1]);
        EXPAND(1, v[7], v[2], w[2]);
        EXPAND(2, w[0], v[3], w[3]);
        EXPAND(3, w[1], v[4], w[4]);
        EXPAND(4, w[2], v[5], w[5]);
        EXPAND(5, w[3], v[6], w[6]);
        EXPAND(6, w[4], v[7], w[7]);
        EXPAND(7, w[5], w[0], v[0]);
    }
}

/*
 * Round t+i of 6.2.2 step 3. Rather than moving a..h along each round, the
 * caller renames them: after eight rounds every variable is back in its
 * place. Maj(a, b, c) is ((a ^ b) & (b ^ c)) ^ b, and this round's a ^ b is
 * the next round's b ^ c: `ab` is computed, `bc` comes from the round before.
 */
#define ROUND(a, b, c, d, e, f, g, h, i, ab, bc)                                           \
    do {                                                                                   \
        h += BIG_SIGMA1(e) + CH(e, f, g) + wk[i];                                          \
        d += h;                                                                            \
        ab = (a) ^ (b);                                                                    \
        h += BIG_SIGMA0(a) + (((ab) & (bc)) ^ (b));                                        \
    } while (0)

/* FIPS 180-4 6.2.2 for `blocks` 64-byte blocks at `data`. */
static void compress(uint32_t state[8], const uint8_t *data, size_t blocks)
{
    uint32_t ring[16], wk[8];
    uint32_t a, b, c, d, e, f, g, h, y, z;
    unsigned t;

    for (; blocks > 0; blocks--, data += DFOTA_SHA256_BLOCK_SIZE) {
        a = state[0];
        b = state[1];
        c = state[2];
        d = state[3];
        e = state[4];
        f = state[5];
        g = state[6];
        h = state[7];
        for (t = 0; t < 64; t += 8) {
            schedule8(ring + (t & 8u), ring + (8u - (t & 8u)), wk, data, t);
            /* Round 7 leaves it in y too, but recomputing it is cheaper
             * than keeping it across the call. */
            y = b ^ c;
            ROUND(a, b, c, d, e, f, g, h, 0, z, y);
            ROUND(h, a, b, c, d, e, f, g, 1, y, z);
            ROUND(g, h, a, b, c, d, e, f, 2, z, y);
            ROUND(f, g, h, a, b, c, d, e, 3, y, z);
            ROUND(e, f, g, h, a, b, c, d, 4, z, y);
            ROUND(d, e, f, g, h, a, b, c, 5, y, z);
            ROUND(c, d, e, f, g, h, a, b, 6, z, y);
            ROUND(b, c, d, e, f, g, h, a, 7, y, z);
        }
        state[0] += a;
        state[1] += b;
        state[2] += c;
        state[3] += d;
        state[4] += e;
        state[5] += f;
        state[6] += g;
        state[7] += h;
    }
}

void dfota_sha256_init(struct dfota_sha256 *ctx)
{
    /* block[] needs no clearing: bytes are read only after being written. */
    memcpy(ctx->state, initial_state, sizeof(ctx->state));
    ctx->length = 0;
    ctx->fill = 0;
}

void dfota_sha256_update(struct dfota_sha256 *ctx, const void *data, size_t size)
{
    dfota_block64_update(ctx->state, ctx->block, &ctx->fill, &ctx->length, compress, data, size);
}

void dfota_sha256_final(struct dfota_sha256 *ctx, uint8_t digest[DFOTA_SHA256_DIGEST_SIZE])
{
    /* FIPS 180-4 5.1.1: a 1 bit, zeros up to 56 mod 64 bytes, then the
     * message length in bits as a 64-bit big-endian integer. */
    uint32_t bits[2];

    bits[0] = (uint32_t)(ctx->length >> 29);
    bits[1] = (uint32_t)ctx->length << 3;
    dfota_block64_pad(ctx->state, ctx->block, ctx->fill, compress);
    store_be32(ctx->block + DFOTA_SHA256_BLOCK_SIZE - 8u, bits, 2);
    compress(ctx->state, ctx->block, 1);
    store_be32(digest, ctx->state, 8);
}
