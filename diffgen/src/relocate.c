/*
 * relocate.c - the prediction plan: regions, their maps, and which
 * predictions pay (docs/FORMAT.md, "Generating a patch").
 *
 *   1. A painted map (build_map()): every 16-byte source cell takes the shift
 *      (target offset - source offset) of the longest match copying it.
 *   2. Pointer base candidates (base_candidates()): the image's, and per
 *      source block the base most words vote for (vote_base()).
 *   3. Target regions (cut_targets()): where the branch sites of a target
 *      block disagree with the region so far about how far their targets
 *      moved, a new one, with a map of its own.
 *   4. Source regions (plan_regions()): per 1 KiB cell, what branch and each
 *      candidate's pointer prediction would save, and the best choice per
 *      cell less a cost per region (best_path()).
 *   5. The maps the predicted sites need (map_for_sites()), then 4 and 5
 *      once more with those maps.
 */
#include "relocate.h"

#include <stdlib.h>
#include <string.h>

#include "dfota/diffgen.h"
#include "dfota/wire.h"

#define GRAIN 16u
#define UNPAINTED INT32_MIN
/* Target regions (each its own map) a patch may have; the source regions
 * have the rest of DFOTA_PREDICT_REGION_MAX. */
#define TARGET_REGIONS_MAX 16u

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

/*
 * `array` (of *cap elements of `elem` bytes, full) grown to twice as many,
 * or to `first` if it had none: the new array, *cap updated; NULL if
 * memory ran out (then `array` is as it was).
 */
static void *grown(void *array, size_t *cap, size_t elem, size_t first)
{
    size_t want = *cap ? *cap * 2 : first;
    void *p = realloc(array, want * elem);

    if (p != NULL)
        *cap = want;
    return p;
}

void relocation_predict_at(const struct relocation *r, uint32_t target_pos,
                           struct dfota_predict *p)
{
    *p = r->predict;
    if (r->target_count != 0) {
        const struct dfota_patch_target_region *t =
            &r->targets[dfota_patch_target_region_at(r->targets, r->target_count, target_pos)];

        p->map = r->map + t->map_first;
        p->map_count = t->map_count;
    }
}

/* The painted map as the only target region's (and as the voters' map). */
static void use_painted(struct relocation *r)
{
    memcpy(r->painted, r->map, r->predict.map_count * sizeof(*r->map));
    r->painted_count = r->predict.map_count;
    r->target_count = 1;
    r->targets[0].target_start = 0;
    r->targets[0].map_first = 0;
    r->targets[0].map_count = r->predict.map_count;
    r->targets[0].reserved = 0;
}

/* Paint, run-length encode, reduce. */
static enum dfota_status build_map(const struct match_list *list, size_t source_size,
                                   struct relocation *r, int32_t **paint_out,
                                   struct dfota_error *err)
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
    if (paint_out != NULL && st == DFOTA_OK)
        *paint_out = paint, paint = NULL;
    free(paint);
    free(order);
    free(runs);
    return st;
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
                struct pointer_word *more = grown(words, &cap, sizeof(*words), 4096);

                if (more == NULL)
                    goto out;
                words = more;
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

/* ---- prediction per region ---- */

/* Regions are planned on cells of 2^CELL_LOG source bytes. */
#define CELL_LOG 10u
/* Pointer base candidates (base, delta) tried per cell. */
#define CANDIDATES_MAX 16u
/* Pointer bases are looked for in blocks of 2^BLOCK_LOG source bytes, at
 * least, and at most BLOCKS_MAX blocks (larger blocks for larger images). */
#define BLOCK_LOG 16u
#define BLOCKS_MAX 64u
/* The image's heaviest copy shifts tried as (minus) pointer deltas in every block. */
#define GLOBAL_SHIFTS 8u
/* Words a block's vote samples at most. */
#define VOTE_WORDS 2048u
/* What a region must gain (in difference bytes saved) to pay for its 16 bytes. */
#define REGION_COST 16

struct candidate {
    uint32_t base;
    int32_t delta;
};

/* A run of the map: [start, end) moved by shift. Sorted by (shift, start). */
struct map_run {
    int32_t shift;
    uint32_t start, end;
};

static int run_order(const void *a, const void *b)
{
    const struct map_run *x = a, *y = b;

    if (x->shift != y->shift)
        return x->shift < y->shift ? -1 : 1;
    return x->start < y->start ? -1 : x->start > y->start;
}

/* An aligned source word inside a copy, with the target word it became. */
struct word {
    uint32_t q, w, t;
};

static int word_order(const void *a, const void *b)
{
    const struct word *x = a, *y = b;

    return x->q < y->q ? -1 : x->q > y->q;
}

struct vote {
    uint32_t at;
    int32_t step; /* +1 an interval starts, -1 it ended before `at` */
};


/* First run with shift >= e. */
static size_t runs_from(const struct map_run *runs, size_t n, int32_t e)
{
    size_t lo = 0, hi = n, mid;

    while (lo < hi) {
        mid = lo + (hi - lo) / 2;
        if (runs[mid].shift < e)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static int push_vote(struct vote **v, size_t *n, size_t *cap, uint32_t at, int32_t step)
{
    if (*n == *cap) {
        struct vote *more = grown(*v, cap, sizeof(**v), 4096);

        if (more == NULL)
            return 0;
        *v = more;
    }
    (*v)[*n].at = at;
    (*v)[*n].step = step;
    (*n)++;
    return 1;
}

/*
 * The pointer base that the most words agree on, for pointer delta `delta`:
 * a word w that became t points, if it is a pointer, at an x with
 * shift(x) = t - w - delta, that is into one of the map's runs of that
 * shift, so the base w - x lies in an interval per such run. The base in
 * the most intervals wins; *votes is their count (0 if none).
 */
/*
 * Sort votes by position, least significant byte first (four counting
 * passes through `tmp`): a quarter of qsort()'s time on these arrays. The
 * order of votes at one position does not matter (vote_base() reads the
 * level only after the last of them).
 */
static void sort_votes(struct vote *v, struct vote *tmp, size_t n)
{
    size_t count[256], k, sum;
    unsigned pass, b;

    for (pass = 0; pass < 4; pass++) {
        struct vote *from = pass & 1 ? tmp : v, *to = pass & 1 ? v : tmp;

        memset(count, 0, sizeof(count));
        for (k = 0; k < n; k++)
            count[(from[k].at >> (8 * pass)) & 0xFFu]++;
        for (b = 0, sum = 0; b < 256; b++) {
            size_t c = count[b];

            count[b] = sum;
            sum += c;
        }
        for (k = 0; k < n; k++)
            to[count[(from[k].at >> (8 * pass)) & 0xFFu]++] = from[k];
    }
}

static uint32_t vote_base(const struct word *words, size_t count, int32_t delta,
                          const struct map_run *runs, size_t run_count, uint32_t floor,
                          uint32_t *votes, uint32_t *last)
{
    struct vote *v = NULL, *tmp = NULL;
    size_t n = 0, cap = 0, k, i, j, voters = 0;
    uint32_t best = 0, lo, hi;
    int64_t e;
    int32_t level = 0, top = 0;

    *votes = 0;
    *last = 0;
    for (k = 0; k < count; k++) {
        e = (int64_t)(int32_t)(words[k].t - words[k].w) - delta;
        if (e < INT32_MIN || e > INT32_MAX)
            continue;
        i = runs_from(runs, run_count, (int32_t)e);
        for (j = i; j < run_count && runs[j].shift == (int32_t)e; j++)
            ;
        if (j == i || j - i > 2)
            continue; /* no run moved so, or too many to say which */
        voters++; /* its intervals are disjoint: one vote at most at any base */
        for (; i < j; i++) {
            /* base in [w - end + 1, w - start], modulo 2^32. */
            lo = words[k].w - runs[i].end + 1u;
            hi = words[k].w - runs[i].start;
            if (lo <= hi) {
                if (!push_vote(&v, &n, &cap, lo, 1) ||
                    (hi != UINT32_MAX && !push_vote(&v, &n, &cap, hi + 1u, -1)))
                    goto out;
            } else {
                if (!push_vote(&v, &n, &cap, lo, 1) || !push_vote(&v, &n, &cap, 0, 1) ||
                    !push_vote(&v, &n, &cap, hi + 1u, -1))
                    goto out;
            }
        }
    }
    /* No base can get more votes than there are voters: not worth sorting. */
    if (voters <= floor)
        goto out;
    tmp = malloc((n ? n : 1) * sizeof(*tmp));
    if (tmp == NULL)
        goto out;
    sort_votes(v, tmp, n);
    for (k = 0; k < n; k++) {
        level += v[k].step;
        if (k + 1 < n && v[k + 1].at == v[k].at)
            continue;
        if (level > top) {
            top = level;
            best = v[k].at;
            /* The bases from here to the next event get as many votes. */
            *last = k + 1 < n ? v[k + 1].at - 1u : UINT32_MAX;
        }
    }
    *votes = (uint32_t)top;
out:
    free(v);
    free(tmp);
    return best;
}

/* Add (base, delta) unless it is there already. */
static void add_candidate(struct candidate *c, unsigned *n, uint32_t base, int32_t delta)
{
    unsigned k;

    for (k = 0; k < *n; k++)
        if (c[k].base == base && c[k].delta == delta)
            return;
    if (*n < CANDIDATES_MAX) {
        c[*n].base = base;
        c[*n].delta = delta;
        (*n)++;
    }
}

struct block_shift {
    uint32_t block;
    int32_t shift;
    uint64_t bytes;
};

static int block_shift_order(const void *a, const void *b)
{
    const struct block_shift *x = a, *y = b;

    if (x->block != y->block)
        return x->block < y->block ? -1 : 1;
    return x->shift < y->shift ? -1 : x->shift > y->shift;
}

/*
 * Pointer base candidates per block: a part of a bundled image moved as a
 * whole by about the shift of its copies, so each block tries the pointer
 * deltas 0 and minus its three heaviest copy shifts, votes for the base of
 * each (vote_base()) and proposes the best.
 */
static int block_candidates(const struct match_list *list, const uint8_t *source,
                            size_t source_size, const uint8_t *target,
                            const struct map_run *runs, size_t run_count, struct candidate *c,
                            unsigned *n)
{
    unsigned block_log = BLOCK_LOG;
    size_t blocks, k, w_count = 0, w_cap = 0, bs_count = 0, i;
    size_t first_word = 0;
    struct block_shift *bs = malloc((list->count + 1) * sizeof(*bs));
    struct word *words = NULL;
    struct {
        uint32_t base, last, votes;
        int32_t delta;
    } *best;
    uint32_t b, q, votes, base, last = 0;
    int32_t global_top[GLOBAL_SHIFTS];
    uint64_t global_weight[GLOBAL_SHIFTS];
    int ok;

    while (block_log < 31 && (source_size >> block_log) >= BLOCKS_MAX)
        block_log++;
    blocks = (source_size >> block_log) + 1;
    best = calloc(blocks, sizeof(*best));
    ok = bs != NULL && best != NULL;
    memset(global_top, 0, sizeof(global_top));
    memset(global_weight, 0, sizeof(global_weight));

    /* Sampled words: every fourth aligned word of the copies. */
    for (k = 0; ok && k < list->count; k++) {
        const struct match_op *op = &list->ops[k];
        uint64_t end = (uint64_t)op->source_start + op->copy_len;

        if (op->copy_len == 0)
            continue;
        bs[bs_count].block = op->source_start >> block_log;
        bs[bs_count].shift = (int32_t)((int64_t)op->target_start - op->source_start);
        bs[bs_count].bytes = op->copy_len;
        bs_count++;
        for (q = (op->source_start + 15u) & ~15u; q + 4 <= end; q += 16) {
            uint32_t w = dfota_get_le32(source + q);

            if (w == 0 || w == UINT32_MAX || overlaps_branch(source, source_size, q))
                continue;
            if (w_count == w_cap) {
                struct word *more = grown(words, &w_cap, sizeof(*words), 65536);

                if (more == NULL) {
                    ok = 0;
                    break;
                }
                words = more;
            }
            words[w_count].q = q;
            words[w_count].w = w;
            words[w_count].t = dfota_get_le32(target + op->target_start + (q - op->source_start));
            w_count++;
        }
    }
    if (ok) {
        /* The image's heaviest copy shifts: a part's start moved by one of them. */
        struct block_shift *all = malloc((bs_count + 1) * sizeof(*all));

        if (all == NULL) {
            ok = 0;
        } else {
            memcpy(all, bs, bs_count * sizeof(*all));
            for (k = 0; k < bs_count; k++)
                all[k].block = 0;
            qsort(all, bs_count, sizeof(*all), block_shift_order);
            for (k = 0; k < bs_count;) {
                int32_t shift = all[k].shift;
                uint64_t sum = 0;
                unsigned d;

                for (; k < bs_count && all[k].shift == shift; k++)
                    sum += all[k].bytes;
                for (d = 0; d < GLOBAL_SHIFTS; d++)
                    if (sum > global_weight[d]) {
                        memmove(global_weight + d + 1, global_weight + d,
                                (GLOBAL_SHIFTS - 1 - d) * sizeof(*global_weight));
                        memmove(global_top + d + 1, global_top + d,
                                (GLOBAL_SHIFTS - 1 - d) * sizeof(*global_top));
                        global_weight[d] = sum;
                        global_top[d] = shift;
                        break;
                    }
            }
            free(all);
        }
        if (w_count > 1) /* qsort() wants a valid pointer even for nothing */
            qsort(words, w_count, sizeof(*words), word_order);
        qsort(bs, bs_count, sizeof(*bs), block_shift_order);
    }
    for (b = 0, i = 0; ok && b < blocks; b++) {
        int32_t top[3] = {0, 0, 0};
        uint64_t weight[3] = {0, 0, 0}, sum;
        size_t last_word = first_word, stride;
        struct word sample[VOTE_WORDS];
        size_t sampled = 0;
        unsigned d;

        /* The block's three heaviest copy shifts. */
        while (i < bs_count && bs[i].block == b) {
            int32_t shift = bs[i].shift;

            for (sum = 0; i < bs_count && bs[i].block == b && bs[i].shift == shift; i++)
                sum += bs[i].bytes;
            for (d = 0; d < 3; d++)
                if (sum > weight[d]) {
                    memmove(weight + d + 1, weight + d, (2 - d) * sizeof(*weight));
                    memmove(top + d + 1, top + d, (2 - d) * sizeof(*top));
                    weight[d] = sum;
                    top[d] = shift;
                    break;
                }
        }
        while (last_word < w_count && (words[last_word].q >> block_log) == b)
            last_word++;
        stride = (last_word - first_word + VOTE_WORDS - 1) / VOTE_WORDS;
        if (stride == 0)
            stride = 1;
        for (k = first_word; k < last_word && sampled < VOTE_WORDS; k += stride)
            sample[sampled++] = words[k];
        first_word = last_word;
        if (sampled < 64)
            continue;
        for (d = 0; d < 4 + GLOBAL_SHIFTS; d++) {
            int32_t delta = d == 0 ? 0 : d < 4 ? -top[d - 1] : -global_top[d - 4];
            unsigned e;

            if (d > 0 && (d < 4 ? weight[d - 1] == 0 || top[d - 1] == 0
                                : global_weight[d - 4] == 0 || global_top[d - 4] == 0))
                continue;
            for (e = 1; e < 4 && d >= 4; e++)
                if (weight[e - 1] != 0 && top[e - 1] == global_top[d - 4])
                    break;
            if (d >= 4 && e < 4)
                continue; /* tried already as the block's */
            base = vote_base(sample, sampled, delta, runs, run_count, best[b].votes, &votes,
                             &last);
            if (votes > best[b].votes) {
                best[b].votes = votes;
                best[b].base = base;
                best[b].last = last;
                best[b].delta = delta;
            }
        }
    }
    /* The blocks' winners, most votes first. */
    while (ok && *n < CANDIDATES_MAX) {
        size_t top_block = blocks;

        for (b = 0; b < blocks; b++)
            if (best[b].votes >= 8 && (top_block == blocks || best[b].votes > best[top_block].votes))
                top_block = b;
        if (top_block == blocks)
            break;
        /* Both ends of the range the votes agree on: a pointee at the start
         * of its run makes the last one exact. */
        add_candidate(c, n, best[top_block].last, best[top_block].delta);
        add_candidate(c, n, best[top_block].base, best[top_block].delta);
        best[top_block].votes = 0;
    }
    free(bs);
    free(words);
    free(best);
    return ok;
}

/* Bytes of the 4 at a and b that differ (each costs a difference byte). */
static int differing(const uint8_t *a, const uint8_t *b)
{
    return (a[0] != b[0]) + (a[1] != b[1]) + (a[2] != b[2]) + (a[3] != b[3]);
}

static int differing32(uint32_t a, uint32_t b)
{
    uint32_t x = a ^ b;

    return ((x & 0xFFu) != 0) + ((x & 0xFF00u) != 0) + ((x & 0xFF0000u) != 0) +
           ((x & 0xFF000000u) != 0);
}

/* What predicting each site kind gains per cell, in difference bytes it
 * saves: branches, then each candidate's pointers. */
struct cell_gains {
    int32_t *branch;  /* [cells] */
    int32_t *pointer; /* [cells][candidates] */
    size_t cells;
    unsigned candidates;
};

static void count_gains(const struct match_list *list, const uint8_t *source, size_t source_size,
                        const uint8_t *target, const struct relocation *r,
                        const struct candidate *c, struct cell_gains *g)
{
    struct dfota_predict predict, *p = &predict;
    uint8_t site[4];
    size_t k, q, end, t;
    unsigned j;

    for (k = 0; k < list->count; k++) {
        const struct match_op *op = &list->ops[k];
        int64_t shift = (int64_t)op->target_start - op->source_start;

        /* The map of the copy's target region. */
        relocation_predict_at(r, op->target_start, p);

        end = (size_t)op->source_start + op->copy_len;
        for (q = (op->source_start + 1u) & ~1u; q + 4 <= end; q += 2) {
            if (!dfota_predict_is_branch(source + q))
                continue;
            dfota_predict_branch(p, source + q, (int64_t)q, shift, site);
            t = (size_t)((int64_t)q + shift);
            g->branch[q >> CELL_LOG] += differing(source + q, target + t) - differing(site, target + t);
            q += 2;
        }
        for (q = (op->source_start + 3u) & ~3u; q + 4 <= end; q += 4) {
            uint32_t w = dfota_get_le32(source + q), x, moved;
            uint32_t tw = dfota_get_le32(target + (size_t)((int64_t)q + shift));
            int32_t *cell = g->pointer + (q >> CELL_LOG) * g->candidates;

            if (overlaps_branch(source, source_size, q))
                continue;
            for (j = 0; j < g->candidates; j++) {
                x = w - c[j].base;
                if (x >= source_size)
                    continue;
                moved = w + (uint32_t)dfota_predict_shift(p, x) + (uint32_t)c[j].delta;
                cell[j] += differing32(w, tw) - differing32(moved, tw);
            }
        }
    }
}

/* State s of a cell: bit 0 branches; s >> 1 = 0 no pointers, else candidate (s >> 1) - 1. */
static int32_t state_gain(const struct cell_gains *g, size_t cell, unsigned s)
{
    int32_t gain = (s & 1) ? g->branch[cell] : 0;

    if (s >> 1)
        gain += g->pointer[cell * g->candidates + (s >> 1) - 1];
    return gain;
}

/*
 * The states of the cells that gain the most, less REGION_COST x `cost`
 * per change of state (a new region): dynamic programming over the cells,
 * ties to the lower state. `from[cell * states + s]` is the state of the
 * cell before in the best path ending in s. Returns the number of regions.
 */
static size_t best_path(const struct cell_gains *g, unsigned states, int64_t cost,
                        int64_t *score, int64_t *next, uint8_t *from, uint8_t *path)
{
    size_t cell, regions = 1;
    unsigned s, prev, best_prev, best_end = 0;
    int64_t stay, change, top;

    for (s = 0; s < states; s++)
        score[s] = state_gain(g, 0, s);
    for (cell = 1; cell < g->cells; cell++) {
        /* The best state to change from (ties: the lowest). */
        best_prev = 0;
        for (prev = 1; prev < states; prev++)
            if (score[prev] > score[best_prev])
                best_prev = prev;
        for (s = 0; s < states; s++) {
            stay = score[s];
            change = score[best_prev] - REGION_COST * cost;
            if (change > stay) {
                next[s] = change;
                from[cell * states + s] = (uint8_t)best_prev;
            } else {
                next[s] = stay;
                from[cell * states + s] = (uint8_t)s;
            }
            next[s] += state_gain(g, cell, s);
        }
        memcpy(score, next, states * sizeof(*score));
    }
    top = score[0];
    for (s = 1; s < states; s++)
        if (score[s] > top) {
            top = score[s];
            best_end = s;
        }
    s = best_end;
    for (cell = g->cells; cell-- > 0;) {
        path[cell] = (uint8_t)s;
        if (cell > 0) {
            prev = from[cell * states + s];
            regions += prev != s;
            s = prev;
        }
    }
    return regions;
}

/*
 * Prediction per region (requested DFOTA_DIFF_PREDICT_AUTO): the pointer
 * base candidates (the whole image's, and each block's), what each site
 * kind gains per cell, the best states of the cells (best_path()), then the
 * regions those states make, at most DFOTA_PREDICT_REGION_MAX of them.
 */
/* The pointer base candidates (see plan_regions()), from the painted map. */
static enum dfota_status base_candidates(const struct match_list *list, const uint8_t *source,
                                         size_t source_size, const uint8_t *target,
                                         const struct relocation *r, struct candidate *c,
                                         unsigned *n, struct dfota_error *err)
{
    struct dfota_predict painted;
    struct map_run *runs = NULL;
    int64_t global_score;
    uint32_t global_base;
    size_t k;
    int ok;

    *n = 0;
    painted = r->predict;
    painted.map = r->painted;
    painted.map_count = r->painted_count;
    global_base = pick_pointer_base(list, source, source_size, target, &painted, &global_score);
    if (global_score > 0)
        add_candidate(c, n, global_base, 0);
    runs = malloc((r->painted_count + 1) * sizeof(*runs));
    if (runs == NULL)
        return dfota_error_set(err, DFOTA_E_NO_MEMORY, "cannot allocate the prediction plan");
    for (k = 0; k < r->painted_count; k++) {
        runs[k].shift = r->painted[k].shift;
        runs[k].start = r->painted[k].source_start;
        runs[k].end = k + 1 < r->painted_count ? r->painted[k + 1].source_start
                                               : (uint32_t)source_size;
    }
    qsort(runs, r->painted_count, sizeof(*runs), run_order);
    ok = block_candidates(list, source, source_size, target, runs, r->painted_count, c, n);
    free(runs);
    return ok ? DFOTA_OK
              : dfota_error_set(err, DFOTA_E_NO_MEMORY, "cannot allocate the prediction plan");
}

static enum dfota_status plan_regions(const struct match_list *list, const uint8_t *source,
                                      size_t source_size, const uint8_t *target,
                                      struct relocation *r, const struct candidate *c,
                                      unsigned n, struct dfota_error *err)
{
    struct cell_gains g;
    int64_t *score = NULL, *next = NULL, cost;
    uint8_t *from = NULL, *path = NULL;
    unsigned states, flags = 0;
    size_t k, regions, count;
    enum dfota_status st = DFOTA_OK;

    memset(&g, 0, sizeof(g));
    g.cells = (source_size >> CELL_LOG) + 1;
    g.candidates = n ? n : 1;
    states = 2 + 2 * n;
    g.branch = calloc(g.cells, sizeof(*g.branch));
    g.pointer = calloc(g.cells * g.candidates, sizeof(*g.pointer));
    score = malloc(states * sizeof(*score));
    next = malloc(states * sizeof(*next));
    from = malloc(g.cells * states);
    path = malloc(g.cells);
    if (g.branch == NULL || g.pointer == NULL || score == NULL || next == NULL || from == NULL ||
        path == NULL)
        goto nomem;
    count_gains(list, source, source_size, target, r, c, &g);
    for (cost = 1;; cost *= 2) {
        regions = best_path(&g, states, cost, score, next, from, path);
        if (regions + TARGET_REGIONS_MAX <= DFOTA_PREDICT_REGION_MAX)
            break;
    }
    /* Regions from the path. */
    count = 0;
    for (k = 0; k < g.cells; k++) {
        unsigned s = path[k];

        if (k > 0 && s == path[k - 1])
            continue;
        r->regions[count].source_start = (uint32_t)(k << CELL_LOG);
        r->regions[count].flags =
            (uint8_t)(((s & 1) ? DFOTA_PREDICT_BRANCH : 0) | ((s >> 1) ? DFOTA_PREDICT_POINTER : 0));
        r->regions[count].pointer_base = (s >> 1) ? c[(s >> 1) - 1].base : 0;
        r->regions[count].pointer_delta = (s >> 1) ? c[(s >> 1) - 1].delta : 0;
        flags |= r->regions[count].flags;
        count++;
    }
    r->predict.region_count = (uint8_t)count;
    r->predict.flags = (uint8_t)flags;
    goto out;
nomem:
    st = dfota_error_set(err, DFOTA_E_NO_MEMORY, "cannot allocate the prediction plan");
out:
    free(g.branch);
    free(g.pointer);
    free(score);
    free(next);
    free(from);
    free(path);
    return st;
}

/* ---- target regions ---- */

/* Target regions are cut on target blocks of 2^TARGET_BLOCK_LOG bytes ... */
#define TARGET_BLOCK_LOG 14u
/* ... where more of a block's branch sites disagree than agree with the
 * region so far about how far their targets moved, at least this many. */
#define TARGET_CONFLICTS_MIN 16u

/*
 * A BL/B.W at source offset q (bytes `site`, recognised), copied to q + s
 * where the target holds `copied`: if that is a BL/B.W of the same kind, how
 * far its branch target moved (where the new one lands minus where the old
 * one did) into *shift and the old target into *at, and 1; else 0 (also for
 * a target outside the source or a move beyond 32 bits).
 */
static int branch_moved(const uint8_t *site, const uint8_t *copied, size_t q, int64_t s,
                        size_t source_size, int64_t *at, int32_t *shift)
{
    uint32_t h1 = dfota_get_le16(site), h2 = dfota_get_le16(site + 2);
    uint32_t g1 = dfota_get_le16(copied), g2 = dfota_get_le16(copied + 2);
    int64_t imm, now;

    if ((g1 & 0xF800u) != (h1 & 0xF800u) || (g2 & 0xF800u) != (h2 & 0xF800u))
        return 0; /* not the same instruction there */
    imm = (int64_t)(((h1 & 0x7FFu) << 11) | (h2 & 0x7FFu));
    if (imm & 0x200000)
        imm -= 0x400000;
    *at = (int64_t)q + 4 + 2 * imm;
    imm = (int64_t)(((g1 & 0x7FFu) << 11) | (g2 & 0x7FFu));
    if (imm & 0x200000)
        imm -= 0x400000;
    now = (int64_t)q + s + 4 + 2 * imm;
    if (*at < 0 || *at >= (int64_t)source_size || now - *at < INT32_MIN || now - *at > INT32_MAX)
        return 0;
    *shift = (int32_t)(now - *at);
    return 1;
}

/* What the current target region says a source cell moved by. */
struct cell_vote {
    int32_t shift;
    uint32_t region; /* region + 1 of the vote; 0: none yet */
};

/*
 * Where the target regions start (target offsets, the first 0), into
 * `starts`; their count. A BL/B.W copied onto a BL/B.W of the same kind
 * says how far its branch target moved; a map can say only one shift per
 * source cell, so where a block's sites mostly disagree with what the sites
 * before it (in the region) said about the same cells, the block starts a
 * new region (with a map of its own): the same source copied to two places
 * that moved differently, as two parts of a bundled image built from one
 * old part. Blocks are taken in target order.
 */
static int cut_targets(const struct match_list *list, const uint8_t *source, size_t source_size,
                       const uint8_t *target, size_t target_size, uint32_t *starts,
                       uint32_t *count)
{
    size_t cells = (source_size + GRAIN - 1) / GRAIN, k, q, end;
    struct cell_vote *votes = calloc(cells ? cells : 1, sizeof(*votes));
    uint32_t region = 0, block = 0, agree = 0, disagree = 0, b;
    uint32_t block_first_op = 0;

    (void)target_size;
    *count = 1;
    starts[0] = 0;
    if (votes == NULL)
        return 0;
    for (k = 0; k <= list->count; k++) {
        const struct match_op *op = k < list->count ? &list->ops[k] : NULL;
        int64_t s;

        b = op != NULL ? op->target_start >> TARGET_BLOCK_LOG : UINT32_MAX;
        if (b != block) {
            /* The block before is complete: does it start a region? */
            /* Not where the region began: a block whose sites disagree among
             * themselves cannot be helped by a region of its own. */
            if (disagree > agree && disagree >= TARGET_CONFLICTS_MIN &&
                *count < TARGET_REGIONS_MAX &&
                list->ops[block_first_op].target_start > starts[*count - 1]) {
                starts[(*count)++] = list->ops[block_first_op].target_start;
                region++;
                /* Its own sites' votes are the new region's first. */
                k = block_first_op;
                op = &list->ops[k];
                b = op->target_start >> TARGET_BLOCK_LOG;
            }
            block = b;
            block_first_op = (uint32_t)k;
            agree = disagree = 0;
            if (op == NULL)
                break;
        }
        s = (int64_t)op->target_start - op->source_start;
        end = (size_t)op->source_start + op->copy_len;
        for (q = (op->source_start + 1u) & ~(size_t)1; q + 4 <= end; q += 2) {
            int64_t at;
            int32_t shift;
            int moved;

            if (!dfota_predict_is_branch(source + q))
                continue;
            moved = branch_moved(source + q, target + (size_t)((int64_t)q + s), q, s,
                                 source_size, &at, &shift);
            q += 2; /* its second halfword starts no site */
            if (!moved)
                continue;
            {
                struct cell_vote *v = &votes[at / GRAIN];

                if (v->region != region + 1) {
                    v->region = region + 1;
                    v->shift = shift;
                } else if (v->shift == shift) {
                    agree++;
                } else {
                    disagree++;
                }
            }
        }
    }
    free(votes);
    return 1;
}

/* Sites a map run must serve to be worth its 8 bytes. */
#define RUN_SITES_MIN 4u

/* What one predicted site needs: the shift of the source cell it refers to. */
struct want {
    uint32_t region; /* the target region of the site's copy */
    uint32_t cell;
    int32_t shift;
};

static int want_order(const void *a, const void *b)
{
    const struct want *x = a, *y = b;

    if (x->region != y->region)
        return x->region < y->region ? -1 : 1;
    if (x->cell != y->cell)
        return x->cell < y->cell ? -1 : 1;
    return x->shift < y->shift ? -1 : x->shift > y->shift;
}

/* A run of the final map and the sites it serves. */
struct site_run {
    uint32_t region;
    uint32_t start;
    int32_t shift;
    uint64_t weight;
    uint32_t index;
};

static int by_site_weight(const void *a, const void *b)
{
    const struct site_run *x = *(const struct site_run *const *)a;
    const struct site_run *y = *(const struct site_run *const *)b;

    if (x->weight != y->weight)
        return x->weight < y->weight ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

static int push_want(struct want **w, size_t *n, size_t *cap, uint32_t region, uint32_t cell,
                     int32_t shift)
{
    if (*n == *cap) {
        struct want *more = grown(*w, cap, sizeof(**w), 65536);

        if (more == NULL)
            return 0;
        *w = more;
    }
    (*w)[*n].region = region;
    (*w)[*n].cell = cell;
    (*w)[*n].shift = shift;
    (*n)++;
    return 1;
}

/*
 * The map again, for the regions chosen, from what the predicted sites
 * need: a BL/B.W copied to where the target holds a BL/B.W of the same kind
 * needs its branch target's cell to have moved by exactly where the new one
 * lands minus where the old one did; a pointer word needs its pointee's
 * cell to have moved by the new value minus the old one minus the region's
 * delta. Each needed cell takes the shift most of its sites need; a run
 * starts only where a needed cell's shift differs from the run's (where the
 * painted shift changes between the two needed cells, as the copies moved,
 * or right after the earlier one); runs that fewer than RUN_SITES_MIN sites
 * need fold into the run on their left, then the runs the fewest sites
 * need, until at most DFOTA_PREDICT_MAP_MAX remain.
 */
static enum dfota_status map_for_sites(const struct match_list *list, const uint8_t *source,
                                       size_t source_size, const uint8_t *target,
                                       int32_t *paint, const uint32_t *cuts, uint32_t cut_count,
                                       int all_branches, struct relocation *r,
                                       struct dfota_error *err)
{
    size_t cells = (source_size + GRAIN - 1) / GRAIN, i, k, q, end, n = 0, stretch = 0,
           last_need = 0, keep, wants = 0, wants_cap = 0, first;
    uint32_t g = 0, ri;
    struct want *want = NULL;
    struct site_run *runs = NULL, **by = NULL;
    int32_t last = 0;

    /* Cells no copy reads keep the shift on their left (as build_map()). */
    for (i = 0; i < cells && paint[i] == UNPAINTED; i++)
        ;
    if (i < cells)
        last = paint[i];
    for (i = 0; i < cells; i++) {
        if (paint[i] == UNPAINTED)
            paint[i] = last;
        last = paint[i];
    }
    for (k = 0; k < list->count; k++) {
        const struct match_op *op = &list->ops[k];
        int64_t s = (int64_t)op->target_start - op->source_start;
        uint32_t region = 0;

        /* The target region of the copy (records are cut at region starts). */
        while (region + 1 < cut_count && cuts[region + 1] <= op->target_start)
            region++;
        end = (size_t)op->source_start + op->copy_len;
        ri = dfota_predict_region_at(&r->predict, op->source_start);
        for (q = (op->source_start + 1u) & ~(size_t)1; q + 4 <= end; q += 2) {
            const struct dfota_predict_region *reg;
            const uint8_t *t = target + (size_t)((int64_t)q + s);

            /* The source region holding q (q only grows within a copy). */
            while (ri + 1 < r->predict.region_count && r->regions[ri + 1].source_start <= q)
                ri++;
            reg = &r->regions[ri];

            if ((all_branches || (reg->flags & DFOTA_PREDICT_BRANCH)) &&
                dfota_predict_is_branch(source + q)) {
                int64_t at;
                int32_t shift;

                if (branch_moved(source + q, t, q, s, source_size, &at, &shift) &&
                    !push_want(&want, &wants, &wants_cap, region, (uint32_t)(at / GRAIN), shift))
                    goto nomem;
                q += 2; /* its second halfword starts no site */
                continue;
            }
            if ((reg->flags & DFOTA_PREDICT_POINTER) && (q & 3) == 0 &&
                !overlaps_branch(source, source_size, q)) {
                uint32_t w = dfota_get_le32(source + q), x = w - reg->pointer_base;

                if (x < source_size &&
                    !push_want(&want, &wants, &wants_cap, region, x / GRAIN,
                               (int32_t)(dfota_get_le32(t) - w - (uint32_t)reg->pointer_delta)))
                    goto nomem;
            }
        }
    }
    if (wants > 1) /* qsort() wants a valid pointer even for nothing */
        qsort(want, wants, sizeof(*want), want_order);
    runs = malloc((wants + cut_count + 1) * sizeof(*runs));
    if (runs == NULL)
        goto nomem;
    for (k = 0; k < wants || g < cut_count;) {
        /* Region g's runs; a region nobody needs a shift of gets one entry. */
        uint32_t g_now = k < wants ? want[k].region : cut_count;

        while (g < g_now || (g < cut_count && k == wants)) {
            runs[n].region = g;
            runs[n].start = 0;
            runs[n].shift = 0;
            runs[n].weight = UINT64_MAX; /* a map starts at 0 */
            runs[n].index = (uint32_t)n;
            n++;
            g++;
        }
        if (k == wants)
            break;
        first = n;
        stretch = 0;
        last_need = 0;
        for (i = 0; k < wants && want[k].region == g_now;) {
            /* Cell want[k].cell: the shift most of its sites need (ties: the lowest). */
            uint32_t cell = want[k].cell, top = 0, cnt;
            int32_t best = want[k].shift;

            while (k < wants && want[k].region == g_now && want[k].cell == cell) {
                int32_t shift = want[k].shift;

                for (cnt = 0; k < wants && want[k].region == g_now && want[k].cell == cell &&
                              want[k].shift == shift;
                     k++)
                    cnt++;
                if (cnt > top) {
                    top = cnt;
                    best = shift;
                }
            }
            /* The painted stretch holding this cell starts at `stretch`. */
            for (; i <= cell; i++)
                if (i > 0 && paint[i] != paint[i - 1])
                    stretch = i;
            if (n == first || best != runs[n - 1].shift) {
                runs[n].region = g_now;
                runs[n].start = n == first ? 0
                                           : (uint32_t)((stretch > last_need ? stretch
                                                                             : last_need + 1) *
                                                        GRAIN);
                runs[n].shift = best;
                runs[n].weight = 0;
                runs[n].index = (uint32_t)n;
                n++;
            }
            runs[n - 1].weight += top;
            last_need = cell;
        }
        runs[first].start = 0;
        runs[first].weight = UINT64_MAX; /* a map starts at 0 */
        g = g_now + 1;
    }
    by = malloc((n ? n : 1) * sizeof(*by));
    if (by == NULL)
        goto nomem;
    for (k = 0; k < n; k++)
        by[k] = &runs[k];
    qsort(by, n, sizeof(*by), by_site_weight);
    keep = n;
    for (k = 0; k < n && (by[k]->weight < RUN_SITES_MIN || keep > DFOTA_PREDICT_MAP_MAX); k++) {
        if (by[k]->weight == UINT64_MAX)
            break;
        by[k]->weight = 0;
        by[k]->shift = INT32_MIN; /* dropped */
        keep--;
    }
    /* The maps, one per target region, in order. */
    r->predict.map_count = 0;
    r->target_count = cut_count;
    for (g = 0; g < cut_count; g++) {
        r->targets[g].target_start = cuts[g];
        r->targets[g].map_first = 0;
        r->targets[g].map_count = 0;
        r->targets[g].reserved = 0;
    }
    for (k = 0; k < n; k++) {
        struct dfota_patch_target_region *t = &r->targets[runs[k].region];

        if (runs[k].shift == INT32_MIN && runs[k].weight == 0)
            continue;
        if (t->map_count == 0)
            t->map_first = r->predict.map_count;
        else if (r->map[r->predict.map_count - 1].shift == runs[k].shift)
            continue;
        r->map[r->predict.map_count].source_start = runs[k].start;
        r->map[r->predict.map_count].shift = runs[k].shift;
        r->predict.map_count++;
        t->map_count++;
    }
    free(want);
    free(runs);
    free(by);
    return DFOTA_OK;
nomem:
    free(want);
    free(runs);
    free(by);
    return dfota_error_set(err, DFOTA_E_NO_MEMORY, "cannot allocate the relocation map");
}

enum dfota_status relocation_plan(const struct match_list *list, const uint8_t *source,
                                  size_t source_size, const uint8_t *target, size_t target_size,
                                  unsigned requested, struct relocation *r,
                                  struct dfota_error *err)
{
    uint32_t cuts[TARGET_REGIONS_MAX], cut_count = 1;
    struct candidate candidates[CANDIDATES_MAX];
    unsigned candidate_count = 0;
    int32_t *paint = NULL;
    int64_t pointer_score = 0;
    enum dfota_status st;
    int pass;

    memset(r, 0, sizeof(*r));
    r->predict.map = r->map;
    r->predict.regions = r->regions;
    r->predict.source_size = (uint32_t)source_size;
    cuts[0] = 0;
    if (requested == 0 || source_size == 0)
        return DFOTA_OK;
    st = build_map(list, source_size, r, &paint, err);
    if (st != DFOTA_OK)
        return st;
    use_painted(r);
    if (requested != DFOTA_DIFF_PREDICT_AUTO) {
        /* The flags asked for, everywhere: one region of each kind. */
        r->predict.flags = (uint8_t)requested;
        r->predict.region_count = 1;
        r->regions[0].flags = (uint8_t)requested;
        if (requested & DFOTA_PREDICT_POINTER)
            r->regions[0].pointer_base =
                pick_pointer_base(list, source, source_size, target, &r->predict, &pointer_score);
        st = map_for_sites(list, source, source_size, target, paint, cuts, 1, 0, r, err);
        free(paint);
        return st;
    }
    if (!cut_targets(list, source, source_size, target, target_size, cuts, &cut_count)) {
        free(paint);
        return dfota_error_set(err, DFOTA_E_NO_MEMORY, "cannot allocate the target regions");
    }
    /* Regions and bases with the painted map, the maps all branch sites
     * need, then the regions again with those maps, and the maps their
     * predicted sites need. */
    st = base_candidates(list, source, source_size, target, r, candidates, &candidate_count,
                         err);
    for (pass = 0; pass < 2 && st == DFOTA_OK; pass++) {
        st = plan_regions(list, source, source_size, target, r, candidates, candidate_count,
                          err);
        /* The first maps for every branch site, so that the second plan
         * sees what each part's own map would predict. */
        if (st == DFOTA_OK && (pass == 0 || r->predict.flags != 0))
            st = map_for_sites(list, source, source_size, target, paint, cuts, cut_count,
                               pass == 0, r, err);
    }
    free(paint);
    if (st == DFOTA_OK && r->predict.flags == 0) {
        r->predict.map_count = 0;
        r->predict.region_count = 0;
        r->target_count = 0;
        memset(r->regions, 0, sizeof(r->regions));
    }
    return st;
}
