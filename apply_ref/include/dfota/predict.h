/*
 * dfota/predict.h - relocation prediction: what the target bytes of a copy
 * probably are, given the source bytes and how the code moved.
 *
 * When a function moves, every call to it (Thumb-2 BL / B.W) and every
 * pointer to it changes, and a plain byte difference pays for each one. A
 * patch therefore carries a relocation map, a piecewise-constant function
 * `shift(x)` from source offsets to how far the code or data at x moved in
 * the target, and copies are made not from the raw source but from a
 * "predicted view" of it in which
 *
 *   - a BL/B.W at source offset q whose target T lies in the source is
 *     re-encoded to reach T + shift(T) from its new place q + s, where s is
 *     the shift of the copy being made (target offset - source offset);
 *   - an aligned 32-bit word w with base <= w < base + source size (a pointer
 *     into the image, `base` being the image's load address) becomes
 *     w + shift(w - base).
 *
 * Only then is the difference taken, so calls and pointers that moved with
 * their targets cost nothing. The exact rules are in docs/FORMAT.md
 * ("Predicted view"); diffgen and the applier share this code.
 *
 * Portable C99, no allocation, no state. Stack (Cortex-M4, gcc 12 -Os,
 * -fstack-usage): dfota_predict_view_sites() 80 bytes + dfota_predict_branch()
 * 40 + dfota_predict_shift() 12.
 */
#ifndef DFOTA_PREDICT_H
#define DFOTA_PREDICT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Prediction flags (patch header byte 9). */
#define DFOTA_PREDICT_BRANCH 0x01u  /* Thumb-2 BL / B.W */
#define DFOTA_PREDICT_POINTER 0x02u /* aligned 32-bit pointers into the image */
#define DFOTA_PREDICT_ALL (DFOTA_PREDICT_BRANCH | DFOTA_PREDICT_POINTER)

/* Most relocation map entries a patch may carry (8 bytes of applier RAM each). */
#define DFOTA_PREDICT_MAP_MAX 512u

/* From source offset `source_start` on, content moved by `shift` bytes. */
struct dfota_map_entry {
    uint32_t source_start;
    int32_t shift;
};

struct dfota_predict {
    uint8_t flags;                     /* DFOTA_PREDICT_* */
    uint32_t pointer_base;             /* load address of the source image */
    uint32_t source_size;
    const struct dfota_map_entry *map; /* sorted, map[0].source_start == 0 */
    uint32_t map_count;                /* 1..DFOTA_PREDICT_MAP_MAX, or 0 when flags == 0 */
};

/* True if the 4 bytes at `p` are a Thumb-2 BL or B.W with J1 = J2 = 1 (+-4 MiB). */
static inline int dfota_predict_is_branch(const uint8_t *p)
{
    return (p[1] & 0xF8) == 0xF0 && ((p[3] & 0xF8) == 0xF8 || (p[3] & 0xF8) == 0xB8);
}

/* shift(x): the entry with the largest source_start <= x (binary search). */
int32_t dfota_predict_shift(const struct dfota_predict *p, uint32_t x);

/*
 * Write the predicted view of `len` source bytes to `out`. `raw` holds the
 * source bytes of [raw_base, raw_base + raw_len) and must cover
 * [base - 8, base + len + 8) clipped to the source, or to the window of
 * source bytes an in-place segment may read: only sites lying wholly inside
 * `raw` are predicted (docs/FORMAT.md, "In-place patches"); `out` receives the view
 * of [base, base + len) for a copy of shift `copy_shift`. `raw` and `out`
 * must not overlap.
 */
void dfota_predict_view(const struct dfota_predict *p, const uint8_t *raw, uint32_t raw_base,
                        size_t raw_len, uint32_t base, size_t len, int64_t copy_shift,
                        uint8_t *out);

/*
 * The same view, also listing the branch sites it rewrote (their offsets
 * from `raw_base`, at most len / 2 + 2 of them, in `sites`, the count in
 * `*site_count`): the only bytes of the view that depend on `copy_shift`.
 */
void dfota_predict_view_sites(const struct dfota_predict *p, const uint8_t *raw,
                              uint32_t raw_base, size_t raw_len, uint32_t base, size_t len,
                              int64_t copy_shift, uint8_t *out, uint16_t *sites,
                              unsigned *site_count);

/*
 * Turn a view made by dfota_predict_view_sites() (same raw, base and len)
 * into the view for another `copy_shift`: only its branch sites are
 * rewritten. Equal to a new dfota_predict_view() with that shift.
 */
void dfota_predict_reshift(const struct dfota_predict *p, const uint8_t *raw, uint32_t raw_base,
                           const uint16_t *sites, unsigned site_count, uint32_t base, size_t len,
                           int64_t copy_shift, uint8_t *out);

/* The 4 bytes a branch site at source offset q (bytes `site`) becomes in a copy of shift `copy_shift`. */
void dfota_predict_branch(const struct dfota_predict *p, const uint8_t *site, int64_t q,
                          int64_t copy_shift, uint8_t *out4);

#ifdef __cplusplus
}
#endif

#endif /* DFOTA_PREDICT_H */
