/*
 * predict.c - the predicted view of the source (docs/FORMAT.md, "Predicted view").
 *
 * Sites are recognised on the raw source bytes only, so rewriting one site
 * never changes whether another is recognised.
 */
#include "dfota/predict.h"

#include <string.h>

int32_t dfota_predict_shift(const struct dfota_predict *p, uint32_t x)
{
    uint32_t lo = 0, hi = p->map_count, mid;

    if (p->map_count == 0)
        return 0;
    /* Invariant: map[lo].source_start <= x < map[hi].source_start. */
    while (hi - lo > 1) {
        mid = lo + (hi - lo) / 2;
        if (p->map[mid].source_start <= x)
            lo = mid;
        else
            hi = mid;
    }
    return p->map[lo].shift;
}

uint32_t dfota_predict_region_at(const struct dfota_predict *p, uint32_t x)
{
    uint32_t lo = 0, hi = p->region_count, mid;

    if (p->region_count == 0)
        return 0;
    while (hi - lo > 1) {
        mid = lo + (hi - lo) / 2;
        if (p->regions[mid].source_start <= x)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

void dfota_predict_branch(const struct dfota_predict *p, const uint8_t *site, int64_t q,
                          int64_t copy_shift, uint8_t *out4)
{
    uint32_t h1 = (uint32_t)site[0] | ((uint32_t)site[1] << 8);
    uint32_t h2 = (uint32_t)site[2] | ((uint32_t)site[3] << 8);
    int64_t imm = (int64_t)(((h1 & 0x7FFu) << 11) | (h2 & 0x7FFu));
    int64_t target;
    uint32_t moved, delta, field;

    if (imm & 0x200000)
        imm -= 0x400000;
    target = q + 4 + 2 * imm;
    moved = (uint32_t)target;
    if (target >= 0 && target < (int64_t)p->source_size)
        moved += (uint32_t)dfota_predict_shift(p, (uint32_t)target);
    /* floor(d / 2) mod 2^22 of d = moved - (q + copy_shift + 4) is bits 1..22
     * of d in two's complement, which d mod 2^32 has too: 32-bit arithmetic
     * gives the exact field. */
    delta = moved - ((uint32_t)q + (uint32_t)copy_shift + 4u);
    field = (delta >> 1) & 0x3FFFFFu;
    h1 = (h1 & 0xF800u) | (field >> 11);
    h2 = (h2 & 0xF800u) | (field & 0x7FFu);
    out4[0] = (uint8_t)h1;
    out4[1] = (uint8_t)(h1 >> 8);
    out4[2] = (uint8_t)h2;
    out4[3] = (uint8_t)(h2 >> 8);
}

/* The little-endian word at r: one (unaligned) load where the machine is
 * little-endian, as a Cortex-M is. */
static uint32_t le32_at(const uint8_t *r)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uint32_t w;

    memcpy(&w, r, 4);
    return w;
#else
    return (uint32_t)r[0] | ((uint32_t)r[1] << 8) | ((uint32_t)r[2] << 16) |
           ((uint32_t)r[3] << 24);
#endif
}

/* dfota_predict_is_branch(), as a macro: gcc -Os does not inline it in the hot loop. */
#define IS_BRANCH(p) \
    (((p)[1] & 0xF8) == 0xF0 && (((p)[3] & 0xF8) == 0xF8 || ((p)[3] & 0xF8) == 0xB8))

/* Bytes of a 4-byte site at q that fall in [base, base + len), into `out`. */
static void put_site32(uint8_t *out, uint32_t base, uint32_t len, uint32_t q, const uint8_t *bytes)
{
    unsigned k;

    if (q >= base && len >= 4 && q - base <= len - 4) {
        memcpy(out + (q - base), bytes, 4); /* the usual case: all four inside */
        return;
    }
    for (k = 0; k < 4; k++)
        if (q + k >= base && q + k - base < len)
            out[q + k - base] = bytes[k];
}

/*
 * One pass over the even offsets q whose site may overlap [base, base +
 * len), in 32-bit arithmetic (offsets are below 2^32): a branch site at q
 * (its second halfword cannot start one), else, at a word-aligned q, a
 * pointer unless a branch site could start at q - 2 or q + 2. What is
 * predicted at q is the flags of q's region. A site must lie inside `raw` and inside
 * the source.
 */
void dfota_predict_view_sites(const struct dfota_predict *p, const uint8_t *raw,
                              uint32_t raw_base, size_t raw_len, uint32_t base, size_t len,
                              int64_t copy_shift, uint8_t *out, uint16_t *sites,
                              unsigned *site_count)
{
    const uint32_t raw_end = raw_base + (uint32_t)raw_len, end = base + (uint32_t)len;
    const uint32_t hi = raw_end < p->source_size ? raw_end : p->source_size;
    const struct dfota_predict_region *region = NULL;
    uint32_t region_end = 0, pointer_base = 0, ri = 0;
    int branches = 0, pointers = 0;
    uint8_t site[4];
    const uint8_t *r;
    uint32_t q, w, x, qend;
    unsigned count = 0;

    memcpy(out, raw + (base - raw_base), len);
    if (p->flags != 0 && len != 0) {
        /* Every site overlapping [base, end) starts at or after base - 3. */
        q = base >= 3 ? (base - 3) & ~(uint32_t)1 : 0;
        if (q < raw_base)
            q = (raw_base + 1) & ~(uint32_t)1;
        /* Sites start before `end` and end by `hi`. */
        qend = hi < 4 ? 0 : end < hi - 3 ? end : hi - 3;
        ri = dfota_predict_region_at(p, q);
        for (; q < qend; q += 2) {
            if (q >= region_end) {
                /* The region holding q (regions only grow with q). */
                while (ri + 1 < p->region_count && p->regions[ri + 1].source_start <= q)
                    ri++;
                region = &p->regions[ri];
                region_end = ri + 1 < p->region_count ? p->regions[ri + 1].source_start
                                                      : UINT32_MAX;
                branches = (region->flags & DFOTA_PREDICT_BRANCH) != 0;
                pointers = (region->flags & DFOTA_PREDICT_POINTER) != 0;
                pointer_base = region->pointer_base;
                if (!branches && !pointers) {
                    /* Nothing to predict up to the next region. */
                    q = ((region_end < qend ? region_end : qend) + 1u) & ~(uint32_t)1;
                    q -= 2;
                    continue;
                }
            }
            r = raw + (q - raw_base);
            /* Most words: neither halfword can start a branch site (the high
             * byte of a BL/B.W's first halfword is F0..F7) and the word is no
             * pointer into the image, so nothing happens at q nor at q + 2
             * (unless q + 2 starts another region). */
            if ((q & 3) == 0 && q + 2 < region_end) {
                w = le32_at(r);
                if ((!branches ||
                     ((w & 0xF800u) != 0xF000u && (w & 0xF8000000u) != 0xF0000000u)) &&
                    (!pointers || w - pointer_base >= p->source_size)) {
                    q += 2;
                    continue;
                }
            }
            if (branches && IS_BRANCH(r)) {
                dfota_predict_branch(p, r, (int64_t)q, copy_shift, site);
                put_site32(out, base, (uint32_t)len, q, site);
                if (sites != NULL)
                    sites[count++] = (uint16_t)(q - raw_base);
                q += 2; /* its second halfword cannot start a site */
                continue;
            }
            if (!pointers || (q & 3) != 0)
                continue;
            w = le32_at(r);
            x = w - pointer_base;
            if (x >= p->source_size)
                continue;
            /* A pointer word must not share a byte with a branch site (of
             * any region: where branch prediction is on anywhere, a word
             * next to a BL/B.W encoding is no pointer). */
            if ((p->flags & DFOTA_PREDICT_BRANCH) &&
                ((q >= raw_base + 2 && IS_BRANCH(r - 2)) || (q + 6 <= hi && IS_BRANCH(r + 2))))
                continue;
            w = w + (uint32_t)dfota_predict_shift(p, x) + (uint32_t)region->pointer_delta;
            site[0] = (uint8_t)w;
            site[1] = (uint8_t)(w >> 8);
            site[2] = (uint8_t)(w >> 16);
            site[3] = (uint8_t)(w >> 24);
            put_site32(out, base, (uint32_t)len, q, site);
        }
    }
    if (site_count != NULL)
        *site_count = count;
}

void dfota_predict_view(const struct dfota_predict *p, const uint8_t *raw, uint32_t raw_base,
                        size_t raw_len, uint32_t base, size_t len, int64_t copy_shift,
                        uint8_t *out)
{
    dfota_predict_view_sites(p, raw, raw_base, raw_len, base, len, copy_shift, out, NULL, NULL);
}

void dfota_predict_reshift(const struct dfota_predict *p, const uint8_t *raw, uint32_t raw_base,
                           const uint16_t *sites, unsigned site_count, uint32_t base, size_t len,
                           int64_t copy_shift, uint8_t *out)
{
    uint8_t site[4];
    unsigned i;
    uint32_t q;

    for (i = 0; i < site_count; i++) {
        q = raw_base + sites[i];
        dfota_predict_branch(p, raw + sites[i], (int64_t)q, copy_shift, site);
        put_site32(out, base, (uint32_t)len, q, site);
    }
}
