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

/* Is there a branch site at source offset q (even)? Needs raw bytes q..q+3. */
static int branch_at(const struct dfota_predict *p, const uint8_t *raw, uint32_t raw_base,
                     size_t raw_len, int64_t q)
{
    if (!(p->flags & DFOTA_PREDICT_BRANCH) || q < 0 || q + 4 > (int64_t)p->source_size)
        return 0;
    if (q < (int64_t)raw_base || q + 4 > (int64_t)raw_base + (int64_t)raw_len)
        return 0;
    return dfota_predict_is_branch(raw + (q - raw_base));
}

void dfota_predict_branch(const struct dfota_predict *p, const uint8_t *site, int64_t q,
                          int64_t copy_shift, uint8_t *out4)
{
    uint32_t h1 = (uint32_t)site[0] | ((uint32_t)site[1] << 8);
    uint32_t h2 = (uint32_t)site[2] | ((uint32_t)site[3] << 8);
    int64_t imm = (int64_t)(((h1 & 0x7FFu) << 11) | (h2 & 0x7FFu));
    int64_t target, moved, delta;
    uint32_t field;

    if (imm & 0x200000)
        imm -= 0x400000;
    target = q + 4 + 2 * imm;
    moved = target;
    if (target >= 0 && target < (int64_t)p->source_size)
        moved = target + dfota_predict_shift(p, (uint32_t)target);
    delta = moved - (q + copy_shift + 4);
    /* Arithmetic shift right by one, written portably. */
    field = (uint32_t)((delta >= 0 ? delta / 2 : -((-delta + 1) / 2)) & 0x3FFFFF);
    h1 = (h1 & 0xF800u) | (field >> 11);
    h2 = (h2 & 0xF800u) | (field & 0x7FFu);
    out4[0] = (uint8_t)h1;
    out4[1] = (uint8_t)(h1 >> 8);
    out4[2] = (uint8_t)h2;
    out4[3] = (uint8_t)(h2 >> 8);
}

static void put_site(uint8_t *out, uint32_t base, size_t len, int64_t q, const uint8_t *bytes)
{
    int k;

    for (k = 0; k < 4; k++)
        if (q + k >= (int64_t)base && q + k < (int64_t)base + (int64_t)len)
            out[q + k - base] = bytes[k];
}

void dfota_predict_view_sites(const struct dfota_predict *p, const uint8_t *raw,
                              uint32_t raw_base, size_t raw_len, uint32_t base, size_t len,
                              int64_t copy_shift, uint8_t *out, uint16_t *sites,
                              unsigned *site_count)
{
    int64_t q, first, end = (int64_t)base + (int64_t)len;
    uint8_t site[4];
    const uint8_t *r;
    uint32_t w, x;

    memcpy(out, raw + (base - raw_base), len);
    if (site_count != NULL)
        *site_count = 0;
    if (p->flags == 0 || len == 0)
        return;
    /* Every site overlapping [base, end) starts at or after base - 3. */
    first = ((int64_t)base - 3) & ~(int64_t)1;
    if (first < 0)
        first = 0;
    /* A site must lie inside `raw` (an in-place window may clip it). */
    if (first < (int64_t)raw_base)
        first = ((int64_t)raw_base + 1) & ~(int64_t)1;
    for (q = first; q < end; q += 2) {
        if (q + 4 > (int64_t)raw_base + (int64_t)raw_len)
            break;
        r = raw + (q - raw_base);
        if (branch_at(p, raw, raw_base, raw_len, q)) {
            dfota_predict_branch(p, r, q, copy_shift, site);
            put_site(out, base, len, q, site);
            if (sites != NULL)
                sites[(*site_count)++] = (uint16_t)(q - raw_base);
            q += 2; /* its second halfword cannot start a site */
            continue;
        }
        if (!(p->flags & DFOTA_PREDICT_POINTER) || (q & 3) != 0 ||
            q + 4 > (int64_t)p->source_size)
            continue;
        /* A pointer word must not share a byte with a branch site. */
        if (branch_at(p, raw, raw_base, raw_len, q - 2) ||
            branch_at(p, raw, raw_base, raw_len, q + 2))
            continue;
        w = (uint32_t)r[0] | ((uint32_t)r[1] << 8) | ((uint32_t)r[2] << 16) |
            ((uint32_t)r[3] << 24);
        x = w - p->pointer_base;
        if (x >= p->source_size)
            continue;
        w = p->pointer_base + x + (uint32_t)dfota_predict_shift(p, x);
        site[0] = (uint8_t)w;
        site[1] = (uint8_t)(w >> 8);
        site[2] = (uint8_t)(w >> 16);
        site[3] = (uint8_t)(w >> 24);
        put_site(out, base, len, q, site);
    }
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
    int64_t q;

    for (i = 0; i < site_count; i++) {
        q = (int64_t)raw_base + sites[i];
        dfota_predict_branch(p, raw + sites[i], q, copy_shift, site);
        put_site(out, base, len, q, site);
    }
}
