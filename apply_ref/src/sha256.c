/*
 * sha256.c - SHA-256 as specified in FIPS 180-4 (sections 4.1.2, 4.2.2,
 * 5.1.1, 5.3.3 and 6.2).
 */
#include "dfota/sha256.h"

#include <string.h>

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

static uint32_t rotr(uint32_t x, unsigned n)
{
    return (x >> n) | (x << (32u - n));
}

/* FIPS 180-4 4.1.2, functions (4.2) to (4.7). */
static uint32_t ch(uint32_t x, uint32_t y, uint32_t z)
{
    return (x & y) ^ (~x & z);
}

static uint32_t maj(uint32_t x, uint32_t y, uint32_t z)
{
    return (x & y) ^ (x & z) ^ (y & z);
}

static uint32_t big_sigma0(uint32_t x)
{
    return rotr(x, 2) ^ rotr(x, 13) ^ rotr(x, 22);
}

static uint32_t big_sigma1(uint32_t x)
{
    return rotr(x, 6) ^ rotr(x, 11) ^ rotr(x, 25);
}

static uint32_t small_sigma0(uint32_t x)
{
    return rotr(x, 7) ^ rotr(x, 18) ^ (x >> 3);
}

static uint32_t small_sigma1(uint32_t x)
{
    return rotr(x, 17) ^ rotr(x, 19) ^ (x >> 10);
}

static uint32_t load_be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) |
           (uint32_t)p[3];
}

static void store_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/*
 * FIPS 180-4 6.2.2 for one 64-byte block. The schedule W[0..63] is kept in a
 * 16-word ring: W[t] only depends on W[t-2], W[t-7], W[t-15] and W[t-16], and
 * W[t-16] is the word it replaces, so 64 bytes of stack suffice instead of 256.
 */
static void compress(uint32_t state[8], const uint8_t *block)
{
    uint32_t schedule[16];
    uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
    uint32_t e = state[4], f = state[5], g = state[6], h = state[7];
    uint32_t t1, t2, w;
    unsigned t;

    for (t = 0; t < 64; t++) {
        if (t < 16) {
            w = load_be32(block + 4u * t);
        } else {
            w = small_sigma1(schedule[(t - 2) & 15u]) + schedule[(t - 7) & 15u] +
                small_sigma0(schedule[(t - 15) & 15u]) + schedule[t & 15u];
        }
        schedule[t & 15u] = w;
        t1 = h + big_sigma1(e) + ch(e, f, g) + round_constants[t] + w;
        t2 = big_sigma0(a) + maj(a, b, c);
        h = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
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

void dfota_sha256_init(struct dfota_sha256 *ctx)
{
    memcpy(ctx->state, initial_state, sizeof(ctx->state));
    ctx->length = 0;
    memset(ctx->block, 0, sizeof(ctx->block));
    ctx->fill = 0;
}

void dfota_sha256_update(struct dfota_sha256 *ctx, const void *data, size_t size)
{
    const uint8_t *message = data;
    size_t take;

    if (size == 0)
        return;
    ctx->length += (uint64_t)size;
    if (ctx->fill > 0) {
        take = DFOTA_SHA256_BLOCK_SIZE - ctx->fill;
        if (take > size)
            take = size;
        memcpy(ctx->block + ctx->fill, message, take);
        ctx->fill += (uint32_t)take;
        message += take;
        size -= take;
        if (ctx->fill < DFOTA_SHA256_BLOCK_SIZE)
            return;
        compress(ctx->state, ctx->block);
        ctx->fill = 0;
    }
    /* Whole blocks straight from the caller's buffer: no copy. */
    while (size >= DFOTA_SHA256_BLOCK_SIZE) {
        compress(ctx->state, message);
        message += DFOTA_SHA256_BLOCK_SIZE;
        size -= DFOTA_SHA256_BLOCK_SIZE;
    }
    if (size > 0) {
        memcpy(ctx->block, message, size);
        ctx->fill = (uint32_t)size;
    }
}

void dfota_sha256_final(struct dfota_sha256 *ctx, uint8_t digest[DFOTA_SHA256_DIGEST_SIZE])
{
    /* FIPS 180-4 5.1.1: a 1 bit, zeros up to 56 mod 64 bytes, then the
     * message length in bits as a 64-bit big-endian integer. */
    uint64_t bit_length = ctx->length << 3;
    uint32_t fill = ctx->fill;
    unsigned i;

    ctx->block[fill++] = 0x80;
    if (fill > DFOTA_SHA256_BLOCK_SIZE - 8u) {
        memset(ctx->block + fill, 0, DFOTA_SHA256_BLOCK_SIZE - fill);
        compress(ctx->state, ctx->block);
        fill = 0;
    }
    memset(ctx->block + fill, 0, DFOTA_SHA256_BLOCK_SIZE - 8u - fill);
    store_be32(ctx->block + 56, (uint32_t)(bit_length >> 32));
    store_be32(ctx->block + 60, (uint32_t)bit_length);
    compress(ctx->state, ctx->block);
    for (i = 0; i < 8; i++)
        store_be32(digest + 4u * i, ctx->state[i]);
}
