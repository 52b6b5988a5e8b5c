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
 *     into the image, `base` being the load address of source offset 0)
 *     becomes w + shift(w - base) + delta (delta: how far the part holding
 *     the word moved as a whole, 0 for a single image).
 *
 * Which of the two applies, and the pointer base and delta, are chosen per
 * region of the source: an image that bundles parts linked at different
 * addresses (a bootloader, a modem stack, an application) gets one region
 * per part, and a region where prediction does not pay gets none.
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
/* Most prediction regions a patch may carry (16 bytes of applier RAM each). */
#define DFOTA_PREDICT_REGION_MAX 64u

/* From source offset `source_start` on, content moved by `shift` bytes. */
struct dfota_map_entry {
    uint32_t source_start;
    int32_t shift;
};

/*
 * From source offset `source_start` on (to the next region), sites are
 * predicted as `flags` says; a pointer word w there is one into the image
 * when x = w - pointer_base < source size, and becomes
 * w + shift(x) + pointer_delta. 16 bytes on a 32-bit device.
 */
struct dfota_predict_region {
    uint32_t source_start;
    uint32_t pointer_base;  /* the address of source offset 0 as the region's code sees it */
    int32_t pointer_delta;  /* how far the region's part moved as a whole */
    uint8_t flags;          /* DFOTA_PREDICT_* */
};

struct dfota_predict {
    uint8_t flags;                     /* DFOTA_PREDICT_*: every flag of some region */
    uint8_t region_count;              /* 1..DFOTA_PREDICT_REGION_MAX, or 0 when flags == 0 */
    uint32_t source_size;
    const struct dfota_map_entry *map; /* sorted, map[0].source_start == 0 */
    uint32_t map_count;                /* 1..DFOTA_PREDICT_MAP_MAX, or 0 when flags == 0 */
    const struct dfota_predict_region *regions; /* sorted, regions[0].source_start == 0 */
};

/* True if the 4 bytes at `p` are a Thumb-2 BL or B.W with J1 = J2 = 1 (+-4 MiB). */
static inline int dfota_predict_is_branch(const uint8_t *p)
{
    return (p[1] & 0xF8) == 0xF0 && ((p[3] & 0xF8) == 0xF8 || (p[3] & 0xF8) == 0xB8);
}

/* shift(x): the entry with the largest source_start <= x (binary search). */
int32_t dfota_predict_shift(const struct dfota_predict *p, uint32_t x);

/* Index of the region holding source offset x (binary search; 0 if none). */
uint32_t dfota_predict_region_at(const struct dfota_predict *p, uint32_t x);

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
