/*
 * thumb_image.h - deterministic test images for the delta engine: a small
 * PRNG, the ARMv7-M BL / B.W encoder, and a synthetic Cortex-M image
 * (Thumb-2 functions calling each other, then a table of function pointers)
 * that can be laid out with one extra function inserted, so that calls and
 * pointers move the way they do between two firmware builds.
 *
 * Plain C, no cmocka: shared by the unit tests and the fuzz target.
 */
#ifndef DFOTA_TEST_THUMB_IMAGE_H
#define DFOTA_TEST_THUMB_IMAGE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* splitmix64: deterministic on every platform, any seed. */
struct test_rng {
    uint64_t state;
};

static inline uint32_t test_rng_next(struct test_rng *r)
{
    uint64_t z = (r->state += 0x9e3779b97f4a7c15ull);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return (uint32_t)((z ^ (z >> 31)) >> 32);
}

static inline void test_rng_fill(struct test_rng *r, uint8_t *p, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        p[i] = (uint8_t)test_rng_next(r);
}

/*
 * Thumb-2 BL (link != 0) or B.W at image offset `from`, reaching `to`, as the
 * ARMv7-M Architecture Reference Manual writes it (A7.7.18 BL, A7.7.12 B
 * encoding T4): first halfword 11110 S imm10, second halfword 1 1 J1 1 J2
 * imm11 (BL) or 1 0 J1 1 J2 imm11 (B.W), with I1 = NOT(J1 XOR S),
 * I2 = NOT(J2 XOR S) and offset = SignExtend(S:I1:I2:imm10:imm11:'0'),
 * measured from `from` + 4. Little-endian halfwords. |to - from - 4| < 16 MiB.
 */
static inline void test_thumb_branch(uint8_t *site, uint32_t from, uint32_t to, int link)
{
    uint32_t offset = to - (from + 4u); /* two's complement of the signed offset */
    uint32_t s = (offset >> 31) & 1u;
    uint32_t i1 = (offset >> 23) & 1u, i2 = (offset >> 22) & 1u;
    uint32_t j1 = (~i1 ^ s) & 1u, j2 = (~i2 ^ s) & 1u;
    uint32_t h1 = 0xF000u | (s << 10) | ((offset >> 12) & 0x3FFu);
    uint32_t h2 = (link ? 0xD000u : 0x9000u) | (j1 << 13) | (j2 << 11) | ((offset >> 1) & 0x7FFu);

    site[0] = (uint8_t)h1;
    site[1] = (uint8_t)(h1 >> 8);
    site[2] = (uint8_t)h2;
    site[3] = (uint8_t)(h2 >> 8);
}

static inline void test_put_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

#define TEST_THUMB_FUNCS_MAX 1024u
#define TEST_THUMB_NO_INSERT 0xFFFFFFFFu

/* Halfwords of function `f` (the inserted one is f == funcs): 24..279. */
static inline uint32_t test_thumb_func_halfwords(uint32_t seed, uint32_t f)
{
    struct test_rng r = {((uint64_t)seed << 32) ^ (0x51ed2701u + f)};

    return 24u + test_rng_next(&r) % 256u;
}

/*
 * Write the image to `out` (capacity `cap`) and return its size, or 0 if it
 * does not fit. `funcs` functions (<= TEST_THUMB_FUNCS_MAX) whose bodies
 * depend on `seed` and their own index only: 16-bit instructions that are
 * never part of a branch site, and every few halfwords a BL (or one in four a
 * B.W) to another function; each starts 4-aligned. Then a table of `funcs`
 * pointers `load_address + offset + 1` (Thumb bit) and a 64-byte string.
 * With `insert_before` < funcs, one more function (its body from the same
 * seed) is laid out just before function `insert_before`: everything after
 * it moves, and every call and pointer to a moved function changes.
 */
static inline size_t test_thumb_image(uint8_t *out, size_t cap, uint32_t seed, uint32_t funcs,
                                      uint32_t insert_before, uint32_t load_address)
{
    static const char banner[] = "dfota synthetic Cortex-M image: banner 0123456789";
    uint32_t start[TEST_THUMB_FUNCS_MAX + 1], order[TEST_THUMB_FUNCS_MAX + 1];
    uint32_t n = 0, k, f, pos = 0, h, count, table;
    size_t i;

    if (funcs == 0 || funcs > TEST_THUMB_FUNCS_MAX)
        return 0;
    /* Layout: the order in which function bodies appear. */
    for (f = 0; f < funcs; f++) {
        if (f == insert_before)
            order[n++] = funcs; /* the inserted function */
        order[n++] = f;
    }
    for (k = 0; k < n; k++) {
        start[order[k]] = pos;
        pos += (2u * test_thumb_func_halfwords(seed, order[k]) + 3u) & ~3u;
    }
    table = pos;
    if ((size_t)table + 4u * funcs + 64u > cap)
        return 0;
    for (k = 0; k < n; k++) {
        struct test_rng r = {((uint64_t)seed << 32) ^ (0xb0d1e5u + order[k] * 7919u)};

        pos = start[order[k]];
        count = test_thumb_func_halfwords(seed, order[k]);
        for (h = 0; h < count;) {
            uint32_t pick = test_rng_next(&r);

            if (pick % 7 == 0 && h + 2 <= count) {
                uint32_t callee = (pick >> 8) % funcs;

                test_thumb_branch(out + pos + 2 * h, pos + 2 * h, start[callee],
                                  (pick >> 4) % 4 != 0);
                h += 2;
            } else {
                /* 0x0000..0xDFFF: 16-bit encodings, never half of a BL/B.W */
                uint32_t insn = (pick >> 8) % 0xE000u;

                out[pos + 2 * h] = (uint8_t)insn;
                out[pos + 2 * h + 1] = (uint8_t)(insn >> 8);
                h++;
            }
        }
        if (count % 2 != 0) { /* NOP to the next 4-byte boundary */
            out[pos + 2 * count] = 0x00;
            out[pos + 2 * count + 1] = 0xBF;
        }
    }
    for (f = 0; f < funcs; f++)
        test_put_le32(out + table + 4 * f, load_address + start[f] + 1u);
    for (i = 0; i < 64; i++)
        out[table + 4 * funcs + i] = (uint8_t)banner[i % (sizeof(banner) - 1)];
    return (size_t)table + 4u * funcs + 64u;
}

#endif /* DFOTA_TEST_THUMB_IMAGE_H */
