/*
 * relocate.c - relocation map from the matches, and which predictions pay.
 *
 * The map says, for every source offset, how far the content there moved:
 * the shift (target offset - source offset) of the longest match that
 * copies it. It is painted at a 16-byte grain, longest matches first, then
 * cut down to at most DFOTA_PREDICT_MAP_MAX runs by folding the shortest
 * runs into their left neighbour.
 */
#include "relocate.h"

#include <stdlib.h>
#include <string.h>

#include "dfota/diffgen.h"
#include "dfota/wire.h"

#define GRAIN 16u
#define UNPAINTED INT32_MIN

struct run {
    uint32_t start;
    int32_t shift;
    uint32_t length;
    uint32_t index;
};

static const struct match_list *sort_list;

static int by_length_desc(const void *a, const void *b)
{
    const struct match_op *x = &sort_list->ops[*(const size_t *)a];
    const struct match_op *y = &sort_list->ops[*(const size_t *)b];

    if (x->copy_len != y->copy_len)
        return x->copy_len > y->copy_len ? -1 : 1;
    return *(const size_t *)a < *(const size_t *)b ? -1 : 1;
}

static int by_length_asc(const void *a, const void *b)
{
    const struct run *x = a, *y = b;

    if (x->length != y->length)
        return x->length < y->length ? -1 : 1;
    return x->index < y->index ? -1 : 1;
}

/* Paint, run-length encode, reduce. */
static enum dfota_status build_map(const struct match_list *list, size_t source_size,
                                   struct relocation *r, struct dfota_error *err)
{
    size_t cells = (source_size + GRAIN - 1) / GRAIN, i, k, n = 0, copies = 0, count, keep;
    int32_t *paint = NULL, last;
    size_t *order = NULL;
    struct run *runs = NULL;
    enum dfota_status st = DFOTA_OK;

    r->predict.map_count = 1;
    r->map[0].source_start = 0;
    r->map[0].shift = 0;
    if (cells == 0)
        return DFOTA_OK;
    paint = malloc(cells * sizeof(*paint));
    order = malloc((list->count ? list->count : 1) * sizeof(*order));
    if (paint == NULL || order == NULL) {
        st = dfota_error_set(err, DFOTA_E_NO_MEMORY, "cannot allocate the relocation map");
        goto out;
    }
    for (i = 0; i < cells; i++)
        paint[i] = UNPAINTED;
    for (i = 0; i < list->count; i++)
        if (list->ops[i].copy_len > 0)
            order[copies++] = i;
    sort_list = list;
    qsort(order, copies, sizeof(*order), by_length_desc);
    for (k = 0; k < copies; k++) {
        const struct match_op *op = &list->ops[order[k]];
        int32_t shift = (int32_t)((int64_t)op->target_start - op->source_start);

        for (i = op->source_start / GRAIN; i < ((size_t)op->source_start + op->copy_len) / GRAIN;
             i++)
            if (paint[i] == UNPAINTED)
                paint[i] = shift;
    }
    /* Cells no match copies (deleted code) keep the shift on their left. */
    last = 0;
    for (i = 0; i < cells && paint[i] == UNPAINTED; i++)
        ;
    if (i < cells)
        last = paint[i];
    runs = malloc(cells * sizeof(*runs));
    if (runs == NULL) {
        st = dfota_error_set(err, DFOTA_E_NO_MEMORY, "cannot allocate the relocation map");
        goto out;
    }
    for (i = 0; i < cells; i++) {
        if (paint[i] != UNPAINTED)
            last = paint[i];
        if (n == 0 || runs[n - 1].shift != last) {
            runs[n].start = (uint32_t)(i * GRAIN);
            runs[n].shift = last;
            runs[n].index = (uint32_t)n;
            n++;
        }
    }
    for (i = 0; i < n; i++)
        runs[i].length = (i + 1 < n ? runs[i + 1].start : (uint32_t)source_size) - runs[i].start;
    if (n > DFOTA_PREDICT_MAP_MAX) {
        /* Fold the shortest runs (never the first) into their left neighbour. */
        qsort(runs + 1, n - 1, sizeof(*runs), by_length_asc);
        keep = DFOTA_PREDICT_MAP_MAX;
        for (i = 1; i < n - (keep - 1); i++)
            runs[i].length = 0; /* marked for removal */
        /* Restore source order, drop marked runs. */
        {
            struct run *sorted = malloc(n * sizeof(*sorted));

            if (sorted == NULL) {
                st = dfota_error_set(err, DFOTA_E_NO_MEMORY, "cannot allocate the map");
                goto out;
            }
            for (i = 0; i < n; i++)
                sorted[runs[i].index] = runs[i];
            count = 0;
            for (i = 0; i < n; i++)
                if (i == 0 || sorted[i].length != 0)
                    runs[count++] = sorted[i];
            free(sorted);
            n = count;
        }
    }
    count = 0;
    for (i = 0; i < n; i++) {
        if (count > 0 && r->map[count - 1].shift == runs[i].shift)
            continue;
        r->map[count].source_start = runs[i].start;
        r->map[count].shift = runs[i].shift;
        count++;
    }
    r->map[0].source_start = 0;
    r->predict.map_count = (uint32_t)count;
out:
    free(paint);
    free(order);
    free(runs);
    return st;
}

/*
 * Branch sites inside copies whose predicted encoding matches the target,
 * minus those whose raw encoding already does: what branch prediction gains.
 */
static int64_t score_branches(const struct match_list *list, const uint8_t *source,
                              size_t source_size, const uint8_t *target,
                              const struct dfota_predict *p)
{
    int64_t score = 0;
    uint8_t view[4];
    size_t k, q, end, t;

    for (k = 0; k < list->count; k++) {
        const struct match_op *op = &list->ops[k];
        int64_t shift = (int64_t)op->target_start - op->source_start;

        end = (size_t)op->source_start + op->copy_len;
        for (q = (op->source_start + 1u) & ~1u; q + 4 <= end; q += 2) {
            if (!dfota_predict_is_branch(source + q))
                continue;
            dfota_predict_view(p, source, 0, source_size, (uint32_t)q, 4, shift, view);
            t = (size_t)((int64_t)q + shift);
            score += (memcmp(view, target + t, 4) == 0) - (memcmp(source + q, target + t, 4) == 0);
            q += 2;
        }
    }
    return score;
}

struct pointer_word {
    uint32_t source_value;
    uint32_t target_value;
};

/*
 * Start of the `width` consecutive bins of `bins[0..count)` holding the most
 * words (the first such window on ties).
 */
static size_t densest_window(const uint32_t *bins, size_t count, size_t width, uint64_t *total)
{
    uint64_t window = 0, best = 0;
    size_t i, best_start = 0;

    for (i = 0; i < count; i++) {
        window += bins[i];
        if (i >= width)
            window -= bins[i - width];
        if (window > best) {
            best = window;
            best_start = i + 1 > width ? i + 1 - width : 0;
        }
    }
    *total = best;
    return best_start;
}

/* Aligned source words that could be addresses: not small or negative numbers. */
static int address_like(uint32_t w)
{
    return w >= 0x10000u && w < 0xFFFF0000u;
}

/* Does a branch site share a byte with the aligned word at q (never a pointer then)? */
static int overlaps_branch(const uint8_t *source, size_t source_size, size_t q)
{
    return (q >= 2 && dfota_predict_is_branch(source + q - 2)) ||
           dfota_predict_is_branch(source + q) ||
           (q + 6 <= source_size && dfota_predict_is_branch(source + q + 2));
}

/*
 * The pointer base. Pointers into an image lie within one image size of its
 * base, so aligned source words that are addresses cluster: find the densest
 * window of 1 MiB bins, then inside it the densest window of 64 KiB bins
 * (two small histograms instead of one of 65536 bins), then try every
 * 4 KiB-aligned base in the first two 64 KiB bins of that window and keep
 * the one whose predictions are right most often.
 */
static uint32_t pick_pointer_base(const struct match_list *list, const uint8_t *source,
                                  size_t source_size, const uint8_t *target,
                                  const struct dfota_predict *p, int64_t *best_score)
{
    size_t coarse_width = (source_size >> 20) + 2, fine_width = (source_size >> 16) + 2;
    size_t fine_count = coarse_width * 16, q, k, count = 0, cap = 0, coarse, fine;
    uint32_t *coarse_bins = calloc(4096, sizeof(*coarse_bins));
    uint32_t *fine_bins = calloc(fine_count, sizeof(*fine_bins));
    struct pointer_word *words = NULL;
    uint32_t base, best_base = 0, lo, hi, w;
    uint64_t total;
    size_t stride;
    int64_t score;
    unsigned cand;

    *best_score = 0;
    if (coarse_bins == NULL || fine_bins == NULL || source_size < 1024)
        goto out;
    for (q = 0; q + 4 <= source_size; q += 4) {
        w = dfota_get_le32(source + q);
        if (address_like(w) && !overlaps_branch(source, source_size, q))
            coarse_bins[w >> 20]++;
    }
    coarse = densest_window(coarse_bins, 4096, coarse_width, &total);
    for (q = 0; q + 4 <= source_size; q += 4) {
        w = dfota_get_le32(source + q);
        if (address_like(w) && (w >> 20) >= coarse && (w >> 20) < coarse + coarse_width &&
            !overlaps_branch(source, source_size, q))
            fine_bins[(w >> 16) - (coarse << 4)]++;
    }
    fine = densest_window(fine_bins, fine_count, fine_width, &total);
    if (total < 64)
        goto out;
    lo = (uint32_t)(((coarse << 4) + fine) << 16);
    {
        uint64_t end = ((uint64_t)((coarse << 4) + fine + fine_width) << 16) - 1u;

        hi = end > UINT32_MAX ? UINT32_MAX : (uint32_t)end;
    }
    /* The aligned words of copies whose value could be a pointer. */
    for (k = 0; k < list->count; k++) {
        const struct match_op *op = &list->ops[k];

        for (q = (op->source_start + 3u) & ~3u; q + 4 <= (size_t)op->source_start + op->copy_len;
             q += 4) {
            w = dfota_get_le32(source + q);
            if (w < lo || w > hi)
                continue;
            if (count == cap) {
                struct pointer_word *grown;

                cap = cap ? cap * 2 : 4096;
                grown = realloc(words, cap * sizeof(*words));
                if (grown == NULL)
                    goto out;
                words = grown;
            }
            words[count].source_value = w;
            words[count].target_value =
                dfota_get_le32(target + op->target_start + (q - op->source_start));
            count++;
        }
    }
    /* Rank the 32 candidate bases on an even sample of at most 4096 words. */
    stride = count > 4096 ? count / 4096 : 1;
    for (cand = 0; cand < 32; cand++) {
        base = lo + cand * 0x1000u;
        score = 0;
        for (k = 0; k < count; k += stride) {
            uint32_t x = words[k].source_value - base;

            if (x >= source_size)
                continue;
            score += (base + x + (uint32_t)dfota_predict_shift(p, x) == words[k].target_value) -
                     (words[k].source_value == words[k].target_value);
        }
        if (score > *best_score) {
            *best_score = score;
            best_base = base;
        }
    }
    /* The sampled score of the winner stands in for its full score: only its sign is used. */
out:
    free(coarse_bins);
    free(fine_bins);
    free(words);
    return best_base;
}

enum dfota_status relocation_plan(const struct match_list *list, const uint8_t *source,
                                  size_t source_size, const uint8_t *target, size_t target_size,
                                  unsigned requested, struct relocation *r,
                                  struct dfota_error *err)
{
    struct dfota_predict trial;
    int64_t branch_score = 0, pointer_score = 0;
    enum dfota_status st;
    unsigned flags;

    (void)target_size;
    memset(r, 0, sizeof(*r));
    r->predict.map = r->map;
    r->predict.regions = r->regions;
    r->predict.source_size = (uint32_t)source_size;
    if (requested == 0)
        return DFOTA_OK;
    st = build_map(list, source_size, r, err);
    if (st != DFOTA_OK)
        return st;
    trial = r->predict;
    trial.flags = DFOTA_PREDICT_BRANCH;
    trial.region_count = 1;
    r->regions[0].flags = DFOTA_PREDICT_BRANCH;
    if (requested & DFOTA_PREDICT_BRANCH)
        branch_score = score_branches(list, source, source_size, target, &trial);
    if (requested & DFOTA_PREDICT_POINTER)
        r->regions[0].pointer_base =
            pick_pointer_base(list, source, source_size, target, &r->predict, &pointer_score);
    if (requested == DFOTA_DIFF_PREDICT_AUTO) {
        flags = 0;
        if (branch_score > 0)
            flags |= DFOTA_PREDICT_BRANCH;
        if (pointer_score > 0)
            flags |= DFOTA_PREDICT_POINTER;
    } else {
        flags = requested;
    }
    r->predict.flags = (uint8_t)flags;
    r->regions[0].flags = (uint8_t)flags;
    r->predict.region_count = 1;
    if (flags == 0) {
        r->predict.map_count = 0;
        r->predict.region_count = 0;
        r->regions[0].pointer_base = 0;
    } else if (!(flags & DFOTA_PREDICT_POINTER)) {
        r->regions[0].pointer_base = 0;
    }
    return DFOTA_OK;
}
