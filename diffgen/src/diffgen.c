/*
 * diffgen.c - patch generation (docs/FORMAT.md, "Patch").
 */
#include "dfota/diffgen.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <zstd.h>

#include "dfota/apply.h"
#include "dfota/patch.h"
#include "dfota/predict.h"
#include "dfota/wire.h"
#include "match.h"
#include "rcenc.h"
#include "relocate.h"

/* Segments are encoded and compressed on this many threads (independent frames). */
#define SEGMENT_THREADS 2

/* A growable byte buffer. */
struct bytes {
    uint8_t *data;
    size_t len, cap;
};

static int bytes_reserve(struct bytes *b, size_t more)
{
    uint8_t *grown;
    size_t cap;

    if (b->len + more <= b->cap)
        return 1;
    cap = b->cap ? b->cap : 4096;
    while (cap < b->len + more)
        cap *= 2;
    grown = realloc(b->data, cap);
    if (grown == NULL)
        return 0;
    b->data = grown;
    b->cap = cap;
    return 1;
}

static void put_varint(struct bytes *b, uint64_t v)
{
    do {
        uint8_t byte = (uint8_t)(v & 0x7F);

        v >>= 7;
        b->data[b->len++] = (uint8_t)(byte | (v ? 0x80 : 0));
    } while (v);
}

void dfota_diff_options_init(struct dfota_diff_options *opts)
{
    memset(opts, 0, sizeof(*opts));
    opts->predict = DFOTA_DIFF_PREDICT_AUTO;
    opts->codec = DFOTA_CODEC_RANGE_ID;
    opts->window_log = 0; /* the codec's default */
    opts->segment_size = DFOTA_PATCH_SEGMENT_SIZE_DEFAULT;
    opts->level = DFOTA_DIFF_LEVEL_DEFAULT;
    opts->search_log = DFOTA_DIFF_SEARCH_LOG_DEFAULT;
}

struct segment_writer {
    const uint8_t *source, *target;
    size_t source_size;
    const struct relocation *reloc; /* the prediction */
    uint32_t low_end, high_start;   /* source bytes the segment may read: [0, low_end)
                                     * and [high_start, source_size) */
    uint8_t *view;                  /* predicted source of one record's copy */
    uint8_t *diff;                  /* its difference bytes */
    struct bytes records;           /* current segment, decoded form */
    int64_t record_source;          /* source position the open record copies from */
    uint32_t record_target;         /* target offset of the open record */
    uint32_t copy, extra;           /* open record */
    int open;
};

/* Write the open record with the seek that takes the source position to `next_source`. */
static int close_record(struct segment_writer *w, int64_t next_source)
{
    int64_t seek = next_source - (w->record_source + w->copy);
    uint64_t zigzag = ((uint64_t)seek << 1) ^ (uint64_t)(seek >> 63);
    uint32_t i;
    uint8_t *out;

    if (!w->open)
        return 1;
    /* A run pair costs at most 2 varints of 5 bytes per difference byte. */
    if (!bytes_reserve(&w->records, 3 * DFOTA_PATCH_VARINT64_MAX + 11 * (size_t)w->copy + w->extra))
        return 0;
    put_varint(&w->records, w->copy);
    put_varint(&w->records, w->extra);
    put_varint(&w->records, zigzag);
    if (w->copy > 0) {
        struct dfota_predict predict;
        uint32_t lo, hi;

        /* The view is made from the range of the window holding the copy,
         * with the map of its first target byte's target region (as the
         * applier does). */
        dfota_patch_window_range(w->low_end, w->high_start, (uint32_t)w->source_size,
                                 (uint32_t)w->record_source, &lo, &hi);
        relocation_predict_at(w->reloc, w->record_target, &predict);
        dfota_predict_view(&predict, w->source + lo, lo, hi - lo, (uint32_t)w->record_source,
                           w->copy, (int64_t)w->record_target - w->record_source, w->view);
    }
    for (i = 0; i < w->copy; i++)
        w->diff[i] = (uint8_t)(w->target[w->record_target + i] - w->view[i]);
    /* The difference bytes as runs: zeros, then the non-zero bytes up to
     * the next zero (docs/FORMAT.md, "Records"). */
    for (i = 0; i < w->copy;) {
        uint32_t z = 0, n = 0;

        while (i + z < w->copy && w->diff[i + z] == 0)
            z++;
        put_varint(&w->records, z);
        i += z;
        if (i == w->copy)
            break;
        while (i + n < w->copy && w->diff[i + n] != 0)
            n++;
        put_varint(&w->records, n);
        memcpy(w->records.data + w->records.len, w->diff + i, n);
        w->records.len += n;
        i += n;
    }
    out = w->records.data + w->records.len;
    memcpy(out, w->target + w->record_target + w->copy, w->extra);
    w->records.len += w->extra;
    w->open = 0;
    return 1;
}

/* Target bytes from `pos` on before the next target region starts (at most `len`). */
static uint32_t region_piece(const struct segment_writer *w, uint32_t pos, uint32_t len)
{
    const struct relocation *r = w->reloc;
    uint32_t k = dfota_patch_target_region_at(r->targets, r->target_count, pos);

    if (k + 1 < r->target_count && r->targets[k + 1].target_start - pos < len)
        return r->targets[k + 1].target_start - pos;
    return len;
}

static int region_starts_at(const struct segment_writer *w, uint32_t pos)
{
    const struct relocation *r = w->reloc;

    return r->target_count > 1 &&
           r->targets[dfota_patch_target_region_at(r->targets, r->target_count, pos)]
                   .target_start == pos;
}

static int add_copy(struct segment_writer *w, uint32_t target_pos, uint32_t source_pos,
                    uint32_t len)
{
    if (len == 0)
        return 1;
    /* A record's copy stays in one target region (it uses its first byte's map). */
    if (w->open && w->extra == 0 && w->record_source + w->copy == (int64_t)source_pos &&
        !region_starts_at(w, target_pos)) {
        w->copy += len;
        return 1;
    }
    if (!close_record(w, source_pos))
        return 0;
    w->open = 1;
    w->record_source = source_pos;
    w->record_target = target_pos;
    w->copy = len;
    w->extra = 0;
    return 1;
}

static void add_extra(struct segment_writer *w, uint32_t target_pos, uint32_t len)
{
    if (len == 0)
        return;
    if (!w->open) {
        w->open = 1;
        w->record_target = target_pos;
        w->copy = 0;
        w->extra = 0;
    }
    w->extra += len;
}

/* The bytes from `source_pos` on that are all inside the window or all
 * outside it, at most `len`: their count, and in *inside which. */
static uint32_t window_piece(const struct segment_writer *w, uint32_t source_pos, uint32_t len,
                             int *inside)
{
    uint32_t limit;

    if (source_pos < w->low_end) {
        *inside = 1;
        limit = w->low_end;
    } else if (source_pos < w->high_start) {
        *inside = 0;
        limit = w->high_start;
    } else {
        *inside = source_pos < w->source_size;
        limit = *inside ? (uint32_t)w->source_size : UINT32_MAX;
    }
    return limit - source_pos < len ? limit - source_pos : len;
}

/* Source position the first copy of [start, end) reads inside the window, or 0 if none. */
static uint32_t first_copy_source(const struct segment_writer *w, const struct match_list *list,
                                  size_t first_op, uint32_t start, uint32_t end)
{
    size_t k;
    uint32_t n;
    int inside;

    for (k = first_op; k < list->count && list->ops[k].target_start < end; k++) {
        const struct match_op *op = &list->ops[k];
        uint32_t copy_end = op->target_start + op->copy_len;
        uint32_t a = op->target_start > start ? op->target_start : start;
        uint32_t b = copy_end < end ? copy_end : end;
        uint32_t src = op->source_start + (a - op->target_start);

        for (; a < b; a += n, src += n) {
            n = window_piece(w, src, b - a, &inside);
            if (inside)
                return src;
        }
    }
    return 0;
}

/* A copy of `len` bytes from `source_pos` to `target_pos`; the parts outside
 * the window become literal bytes. */
static int add_copy_in_window(struct segment_writer *w, uint32_t target_pos, uint32_t source_pos,
                              uint32_t len)
{
    uint32_t n;
    int inside;

    for (; len > 0; target_pos += n, source_pos += n, len -= n) {
        n = window_piece(w, source_pos, len, &inside);
        n = region_piece(w, target_pos, n);
        if (!inside)
            add_extra(w, target_pos, n);
        else if (!add_copy(w, target_pos, source_pos, n))
            return 0;
    }
    return 1;
}

static enum dfota_status set_zstd_params(ZSTD_CCtx *cctx, const struct dfota_diff_options *opts,
                                         unsigned window_log, struct dfota_error *err)
{
    size_t rc = ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, opts->level);

    if (!ZSTD_isError(rc))
        rc = ZSTD_CCtx_setParameter(cctx, ZSTD_c_windowLog, (int)window_log);
    /*
     * Match-finder tables sized for the small window instead of the level's
     * defaults: a chain or hash table larger than twice the window only
     * costs memory (2^17 entries per table at level 15, 2 x 1 MiB per thread).
     */
    if (!ZSTD_isError(rc))
        rc = ZSTD_CCtx_setParameter(cctx, ZSTD_c_hashLog, (int)window_log + 1);
    if (!ZSTD_isError(rc))
        rc = ZSTD_CCtx_setParameter(cctx, ZSTD_c_chainLog, (int)window_log + 1);
    if (!ZSTD_isError(rc) && opts->search_log != 0)
        rc = ZSTD_CCtx_setParameter(cctx, ZSTD_c_searchLog, (int)opts->search_log);
    if (!ZSTD_isError(rc))
        rc = ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1);
    if (!ZSTD_isError(rc))
        rc = ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, 1);
    if (ZSTD_isError(rc))
        return dfota_error_set(err, DFOTA_E_INTERNAL, "zstd parameters refused: %s",
                               ZSTD_getErrorName(rc));
    return DFOTA_OK;
}

/* One segment's zstd frame and the source position it starts at. */
struct segment {
    struct bytes frame;
    uint32_t source_pos;
};

/* What the segment workers share; each worker takes every `step`-th segment. */
struct segment_plan {
    const struct match_list *list;
    const uint8_t *source, *target;
    size_t source_size;
    uint32_t target_size;
    const struct relocation *reloc;
    const struct dfota_diff_options *opts;
    const struct dfota_patch_header *hdr; /* flags, sizes: the source windows */
    struct segment *segments;
    size_t count;
};

struct segment_job {
    const struct segment_plan *plan;
    size_t first, step;
    enum dfota_status status;
    struct dfota_error error;
};

/* Index of the first op that ends after `start` (ops tile the target in order). */
static size_t first_op_after(const struct match_list *list, uint32_t start)
{
    size_t lo = 0, hi = list->count, mid;

    while (lo < hi) {
        mid = lo + (hi - lo) / 2;
        if ((uint64_t)list->ops[mid].target_start + list->ops[mid].copy_len +
                list->ops[mid].extra_len <=
            start)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Records of the segment [start, end) into w->records. */
static int encode_records(const struct segment_plan *plan, struct segment_writer *w,
                          uint32_t start, uint32_t end, uint32_t *seg_source)
{
    const struct match_list *list = plan->list;
    size_t k = first_op_after(list, start);
    uint32_t a, b;

    *seg_source = first_copy_source(w, list, k, start, end);
    w->records.len = 0;
    w->open = 0;
    w->record_source = *seg_source;
    w->copy = w->extra = 0;
    for (; k < list->count && list->ops[k].target_start < end; k++) {
        const struct match_op *op = &list->ops[k];
        uint32_t copy_end = op->target_start + op->copy_len;
        uint32_t op_end = copy_end + op->extra_len;

        a = op->target_start > start ? op->target_start : start;
        b = copy_end < end ? copy_end : end;
        if (a < b &&
            !add_copy_in_window(w, a, op->source_start + (a - op->target_start), b - a))
            return 0;
        a = copy_end > start ? copy_end : start;
        b = op_end < end ? op_end : end;
        if (a < b) {
            if (!w->open)
                w->record_source = *seg_source;
            add_extra(w, a, b - a);
        }
        if (op_end > end)
            break; /* the op continues in the next segment */
    }
    return close_record(w, w->record_source + w->copy);
}

/* The segment's records coded with the range codec; in place the frame
 * starts with the CRC-32 of the segment's target bytes. */
static enum dfota_status range_frame(const struct segment_plan *plan, struct segment_writer *w,
                                     uint32_t start, uint32_t end, struct segment *seg,
                                     struct dfota_error *err)
{
    size_t crc = (plan->hdr->flags & DFOTA_PATCH_FLAG_IN_PLACE) ? 4 : 0, len;
    uint8_t *coded;
    int rc = dfota_rc_encode(w->records.data, w->records.len, plan->hdr->window_log, &coded, &len);

    if (rc < 0)
        return dfota_error_set(err, DFOTA_E_INTERNAL, "range coder: malformed records");
    if (rc == 0 || !bytes_reserve(&seg->frame, crc + len)) {
        free(coded);
        return dfota_error_set(err, DFOTA_E_NO_MEMORY, "cannot allocate a segment frame");
    }
    if (crc)
        dfota_put_le32(seg->frame.data, dfota_crc32(0, plan->target + start, end - start));
    if (len > 0)
        memcpy(seg->frame.data + crc, coded, len);
    seg->frame.len = crc + len;
    free(coded);
    return DFOTA_OK;
}

/* Encode and compress segments first, first + step, ... */
static void *segment_worker(void *arg)
{
    struct segment_job *job = arg;
    const struct segment_plan *plan = job->plan;
    struct segment_writer w;
    /* zstd's compressor for the zstd codec only. */
    int zstd = plan->hdr->codec == DFOTA_CODEC_ZSTD_ID;
    ZSTD_CCtx *cctx = zstd ? ZSTD_createCCtx() : NULL;
    uint32_t start, end;
    size_t i, rc, bound;

    memset(&w, 0, sizeof(w));
    w.source = plan->source;
    w.source_size = plan->source_size;
    w.target = plan->target;
    w.reloc = plan->reloc;
    w.view = malloc(plan->opts->segment_size);
    w.diff = malloc(plan->opts->segment_size);
    job->status = DFOTA_OK;
    if ((zstd && cctx == NULL) || w.view == NULL || w.diff == NULL)
        job->status = dfota_error_set(&job->error, DFOTA_E_NO_MEMORY,
                                      "cannot allocate a segment encoder");
    else if (zstd)
        job->status = set_zstd_params(cctx, plan->opts, plan->hdr->window_log, &job->error);
    for (i = job->first; i < plan->count && job->status == DFOTA_OK; i += job->step) {
        struct segment *seg = &plan->segments[i];

        start = (uint32_t)(i * plan->opts->segment_size);
        end = plan->target_size - start < plan->opts->segment_size
                  ? plan->target_size
                  : start + plan->opts->segment_size;
        dfota_patch_source_window(plan->hdr, (uint32_t)i, &w.low_end, &w.high_start);
        if (!encode_records(plan, &w, start, end, &seg->source_pos)) {
            job->status = dfota_error_set(&job->error, DFOTA_E_NO_MEMORY,
                                          "cannot grow the record buffer");
            break;
        }
        if (!zstd) {
            job->status = range_frame(plan, &w, start, end, seg, &job->error);
            if (job->status != DFOTA_OK)
                break;
            continue;
        }
        bound = ZSTD_compressBound(w.records.len);
        if (!bytes_reserve(&seg->frame, bound)) {
            job->status = dfota_error_set(&job->error, DFOTA_E_NO_MEMORY,
                                          "cannot allocate a segment frame");
            break;
        }
        rc = ZSTD_compress2(cctx, seg->frame.data, bound, w.records.data, w.records.len);
        if (ZSTD_isError(rc)) {
            job->status = dfota_error_set(&job->error, DFOTA_E_INTERNAL,
                                          "zstd compression failed: %s", ZSTD_getErrorName(rc));
            break;
        }
        seg->frame.len = rc;
    }
    free(w.records.data);
    free(w.view);
    free(w.diff);
    ZSTD_freeCCtx(cctx);
    return NULL;
}

/*
 * Encode and compress every segment into plan->segments on SEGMENT_THREADS
 * threads (segments are independent, and each is assigned to a fixed thread,
 * so the bytes never depend on timing).
 */
static enum dfota_status encode_segments(const struct segment_plan *plan,
                                         struct dfota_error *err)
{
    struct segment_job jobs[SEGMENT_THREADS];
    pthread_t threads[SEGMENT_THREADS];
    int started[SEGMENT_THREADS];
    size_t i, n = plan->count > 1 ? SEGMENT_THREADS : 1;
    enum dfota_status st = DFOTA_OK;

    memset(jobs, 0, sizeof(jobs));
    memset(started, 0, sizeof(started));
    for (i = 0; i < n; i++) {
        jobs[i].plan = plan;
        jobs[i].first = i;
        jobs[i].step = n;
    }
    for (i = 1; i < n; i++)
        started[i] = pthread_create(&threads[i], NULL, segment_worker, &jobs[i]) == 0;
    segment_worker(&jobs[0]);
    for (i = 1; i < n; i++) {
        if (started[i])
            pthread_join(threads[i], NULL);
        else
            segment_worker(&jobs[i]);
    }
    for (i = 0; i < n && st == DFOTA_OK; i++)
        if (jobs[i].status != DFOTA_OK) {
            st = jobs[i].status;
            if (err != NULL)
                *err = jobs[i].error;
        }
    return st;
}

static size_t segments_size(const struct segment *segments, size_t count)
{
    size_t i, total = 0;

    for (i = 0; i < count; i++)
        total += DFOTA_PATCH_SEGMENT_HEADER_SIZE + segments[i].frame.len;
    return total;
}

static void free_segments(struct segment *segments, size_t count)
{
    size_t i;

    if (segments == NULL)
        return;
    for (i = 0; i < count; i++)
        free(segments[i].frame.data);
    free(segments);
}

/* Append the segments to the patch in application order. */
static enum dfota_status append_segments(struct segment *segments,
                                         const struct dfota_patch_header *hdr,
                                         struct bytes *patch, struct dfota_error *err)
{
    enum dfota_status st = DFOTA_OK;
    uint32_t k;

    for (k = 0; k < hdr->segment_count; k++) {
        struct segment *seg = &segments[dfota_patch_segment_at(hdr, k)];

        if (st == DFOTA_OK &&
            !bytes_reserve(patch, DFOTA_PATCH_SEGMENT_HEADER_SIZE + seg->frame.len))
            st = dfota_error_set(err, DFOTA_E_NO_MEMORY, "cannot grow the patch buffer");
        if (st == DFOTA_OK) {
            dfota_put_le32(patch->data + patch->len, (uint32_t)seg->frame.len);
            dfota_put_le32(patch->data + patch->len + 4, seg->source_pos);
            memcpy(patch->data + patch->len + DFOTA_PATCH_SEGMENT_HEADER_SIZE, seg->frame.data,
                   seg->frame.len);
            patch->len += DFOTA_PATCH_SEGMENT_HEADER_SIZE + seg->frame.len;
        }
    }
    return st;
}

/* Pivots whose losses pivot_losses() counts at most (evenly spread beyond). */
#define PIVOTS_COUNTED 128u

/*
 * In place: match bytes a pivot would turn into literals (the parts of
 * copies outside their segment's window), per pivot 0..count into `lost`:
 * every pivot up to PIVOTS_COUNTED segments, else PIVOTS_COUNTED + 1 of
 * them evenly spread (the others UINT64_MAX), so that the work stays in
 * proportion to the matches.
 */
static void pivot_losses(const struct segment_plan *plan, struct dfota_patch_header *hdr,
                         uint64_t *lost)
{
    const struct match_list *list = plan->list;
    uint32_t pivot, seg, size = hdr->segment_size, low_end, high_start, j, n = hdr->segment_count;
    size_t k;

    for (pivot = 0; pivot <= n; pivot++)
        lost[pivot] = UINT64_MAX;
    for (j = 0; j <= (n < PIVOTS_COUNTED ? n : PIVOTS_COUNTED); j++) {
        pivot = n <= PIVOTS_COUNTED ? j : (uint32_t)((uint64_t)j * n / PIVOTS_COUNTED);
        hdr->pivot = pivot;
        lost[pivot] = 0;
        for (k = 0; k < list->count; k++) {
            const struct match_op *op = &list->ops[k];
            uint32_t a = op->target_start, end = op->target_start + op->copy_len, b;

            for (; a < end; a = b) {
                uint64_t src = (uint64_t)op->source_start + (a - op->target_start), in = 0;

                seg = a / size;
                b = (seg + 1) * size < end ? (seg + 1) * size : end;
                dfota_patch_source_window(hdr, seg, &low_end, &high_start);
                /* Bytes of [src, src + (b - a)) in [0, low_end) and [high_start, size). */
                if (src < low_end)
                    in += (src + (b - a) < low_end ? src + (b - a) : low_end) - src;
                {
                    uint64_t lo = src > high_start ? src : high_start;
                    uint64_t hi = src + (b - a) < plan->source_size ? src + (b - a)
                                                                    : plan->source_size;

                    if (hi > lo)
                        in += hi - lo;
                }
                lost[pivot] += (b - a) - in;
            }
        }
    }
}

/*
 * In place, the order decides which source bytes each segment may read
 * (dfota_patch_source_window()): encode with the pivot that loses the
 * fewest match bytes, and with the plain ascending (0) and descending
 * (count) orders, and keep the smallest.
 */
static enum dfota_status encode_in_place(struct segment_plan *plan, struct dfota_patch_header *hdr,
                                         struct dfota_error *err)
{
    uint32_t n = hdr->segment_count, candidates[3], best_pivot = 0, p;
    uint64_t *lost = malloc(((size_t)n + 1) * sizeof(*lost));
    struct segment *best = NULL;
    size_t best_size = 0, size;
    unsigned c, count = 0;
    enum dfota_status st = DFOTA_OK;

    if (lost == NULL)
        return dfota_error_set(err, DFOTA_E_NO_MEMORY, "cannot allocate the pivot table");
    pivot_losses(plan, hdr, lost);
    for (p = 1; p <= n; p++)
        if (lost[p] < lost[best_pivot])
            best_pivot = p;
    free(lost);
    /* Pivots count - 1 and count give every segment the same window: say
     * "descending" for both. */
    if (best_pivot == n - 1)
        best_pivot = n;
    candidates[count++] = best_pivot;
    if (best_pivot != 0)
        candidates[count++] = 0;
    if (best_pivot != n)
        candidates[count++] = n;
    for (c = 0; c < count && st == DFOTA_OK; c++) {
        hdr->pivot = candidates[c];
        plan->segments = calloc(n, sizeof(*plan->segments));
        if (plan->segments == NULL) {
            st = dfota_error_set(err, DFOTA_E_NO_MEMORY, "cannot allocate the segment table");
            break;
        }
        st = encode_segments(plan, err);
        size = segments_size(plan->segments, n);
        if (st == DFOTA_OK && (best == NULL || size < best_size)) {
            free_segments(best, n);
            best = plan->segments;
            best_size = size;
            best_pivot = candidates[c];
        } else {
            free_segments(plan->segments, n);
        }
        plan->segments = NULL;
    }
    if (st != DFOTA_OK) {
        free_segments(best, n);
        return st;
    }
    hdr->pivot = best_pivot;
    plan->segments = best;
    return DFOTA_OK;
}

static enum dfota_status check_options(const struct dfota_diff_options *opts,
                                       struct dfota_error *err)
{
    unsigned log_min, log_max;

    if (opts->predict != DFOTA_DIFF_PREDICT_AUTO && (opts->predict & ~DFOTA_PREDICT_ALL) != 0)
        return dfota_error_set(err, DFOTA_E_INVALID_ARGUMENT, "unknown prediction flags 0x%x",
                               opts->predict);
    if (!dfota_patch_log_bounds(opts->codec, &log_min, &log_max))
        return dfota_error_set(err, DFOTA_E_INVALID_ARGUMENT, "unknown codec %u", opts->codec);
    if (opts->window_log != 0 && (opts->window_log < log_min || opts->window_log > log_max))
        return dfota_error_set(err, DFOTA_E_INVALID_ARGUMENT, "%s log %u is outside %u..%u",
                               opts->codec == DFOTA_CODEC_ZSTD_ID ? "zstd window"
                                                                  : "range codec history",
                               opts->window_log, log_min, log_max);
    if (opts->segment_size < DFOTA_PATCH_SEGMENT_SIZE_MIN ||
        opts->segment_size > DFOTA_PATCH_SEGMENT_SIZE_MAX ||
        (opts->segment_size & (opts->segment_size - 1)) != 0)
        return dfota_error_set(err, DFOTA_E_INVALID_ARGUMENT,
                               "segment size %lu is not a power of two in %u..%u",
                               (unsigned long)opts->segment_size, DFOTA_PATCH_SEGMENT_SIZE_MIN,
                               DFOTA_PATCH_SEGMENT_SIZE_MAX);
    if (opts->search_log > 30)
        return dfota_error_set(err, DFOTA_E_INVALID_ARGUMENT, "search log %u is over 30",
                               opts->search_log);
    if (opts->level < 1 || opts->level > ZSTD_maxCLevel())
        return dfota_error_set(err, DFOTA_E_INVALID_ARGUMENT, "zstd level %d is outside 1..%d",
                               opts->level, ZSTD_maxCLevel());
    return DFOTA_OK;
}

/* SHA-256 through OpenSSL, which uses the CPU's SHA extensions where it has
 * them (the portable dfota_sha256 is the device's); 0 if OpenSSL failed. */
static int sha256(const uint8_t *data, size_t size, uint8_t *out)
{
    unsigned int len = 0;

    return EVP_Digest(data, size, out, &len, EVP_sha256(), NULL) == 1 && len == 32;
}

struct digest_job {
    const uint8_t *source, *target;
    size_t source_size, target_size;
    uint8_t source_sha256[32], target_sha256[32];
    int ok;
};

/*
 * The source's digest; runs beside the suffix sort, which has one thread
 * only. The target is hashed after the matching: reading it during the sort
 * would bring a mapped target into memory while the 4-byte-per-byte suffix
 * array is at its largest.
 */
static void *digest_source(void *arg)
{
    struct digest_job *job = arg;

    job->ok = sha256(job->source, job->source_size, job->source_sha256);
    return NULL;
}

enum dfota_status dfota_diff(const uint8_t *source, size_t source_size, const uint8_t *target,
                             size_t target_size, const struct dfota_diff_options *opts,
                             uint8_t **patch, size_t *patch_size, struct dfota_error *err)
{
    struct dfota_patch_header hdr;
    struct match_list list = {NULL, 0, 0};
    struct bytes out = {NULL, 0, 0};
    struct relocation reloc;
    struct segment_plan plan;
    struct digest_job digests;
    pthread_t digester;
    int digest_thread;
    enum dfota_status st;

    *patch = NULL;
    *patch_size = 0;
    st = check_options(opts, err);
    if (st != DFOTA_OK)
        return st;
    if (source_size > DFOTA_DIFF_IMAGE_MAX || target_size > DFOTA_DIFF_IMAGE_MAX)
        return dfota_error_set(err, DFOTA_E_TOO_LARGE, "images larger than %u bytes are refused",
                               DFOTA_DIFF_IMAGE_MAX);
    memset(&reloc, 0, sizeof(reloc));
    digests.source = source;
    digests.target = target;
    digests.source_size = source_size;
    digests.target_size = target_size;
    digest_thread = pthread_create(&digester, NULL, digest_source, &digests) == 0;
    if (!digest_thread)
        digest_source(&digests);
    st = match_images(source, source_size, target, target_size, &list, opts->progress,
                      opts->progress_ctx, err);
    if (digest_thread)
        pthread_join(digester, NULL);
    if (digests.ok)
        digests.ok = sha256(target, target_size, digests.target_sha256);
    if (st == DFOTA_OK && !digests.ok)
        st = dfota_error_set(err, DFOTA_E_INTERNAL, "OpenSSL could not compute SHA-256");
    if (st != DFOTA_OK)
        goto out;
    st = relocation_plan(&list, source, source_size, target, target_size, opts->predict, &reloc,
                         err);
    if (st != DFOTA_OK)
        goto out;

    memset(&hdr, 0, sizeof(hdr));
    hdr.predict = reloc.predict.flags;
    hdr.flags = opts->in_place ? DFOTA_PATCH_FLAG_IN_PLACE : 0;
    hdr.codec = (uint8_t)opts->codec;
    hdr.window_log = (uint8_t)(opts->window_log != 0 ? opts->window_log
                               : opts->codec == DFOTA_CODEC_ZSTD_ID
                                   ? DFOTA_PATCH_WINDOW_LOG_DEFAULT
                                   : DFOTA_PATCH_HISTORY_LOG_DEFAULT);
    hdr.segment_size = opts->segment_size;
    hdr.source_size = (uint32_t)source_size;
    hdr.target_size = (uint32_t)target_size;
    hdr.segment_count = dfota_patch_segment_count(hdr.target_size, hdr.segment_size);
    hdr.map_count = reloc.predict.map_count;
    hdr.region_count = (uint8_t)(reloc.predict.region_count + reloc.target_count);
    hdr.workspace_size = (uint32_t)dfota_apply_workspace_for(hdr.codec, hdr.window_log,
                                                             hdr.map_count, hdr.region_count);
    memcpy(hdr.source_sha256, digests.source_sha256, 32);
    memcpy(hdr.target_sha256, digests.target_sha256, 32);
    plan.list = &list;
    plan.source = source;
    plan.target = target;
    plan.source_size = source_size;
    plan.target_size = hdr.target_size;
    plan.reloc = &reloc;
    plan.opts = opts;
    plan.hdr = &hdr;
    plan.count = hdr.segment_count;
    plan.segments = calloc(plan.count ? plan.count : 1, sizeof(*plan.segments));
    if (plan.segments == NULL) {
        st = dfota_error_set(err, DFOTA_E_NO_MEMORY, "cannot allocate the segment table");
        goto out;
    }
    if (opts->in_place && plan.count > 1) {
        free(plan.segments); /* encode_in_place() makes one per candidate order */
        plan.segments = NULL;
        st = encode_in_place(&plan, &hdr, err);
    } else {
        st = encode_segments(&plan, err);
    }
    if (st == DFOTA_OK &&
        !bytes_reserve(&out, DFOTA_PATCH_HEADER_SIZE + dfota_patch_tables_size(&hdr)))
        st = dfota_error_set(err, DFOTA_E_NO_MEMORY, "cannot allocate the patch");
    if (st == DFOTA_OK) {
        dfota_patch_tables_encode(reloc.map, hdr.map_count, reloc.targets, reloc.target_count,
                                  reloc.regions, reloc.predict.region_count,
                                  out.data + DFOTA_PATCH_HEADER_SIZE);
        hdr.map_crc32 =
            dfota_crc32(0, out.data + DFOTA_PATCH_HEADER_SIZE, dfota_patch_tables_size(&hdr));
        dfota_patch_header_encode(&hdr, out.data);
        out.len = DFOTA_PATCH_HEADER_SIZE + dfota_patch_tables_size(&hdr);
        st = append_segments(plan.segments, &hdr, &out, err);
    }
    free_segments(plan.segments, plan.count);
    /* What it wrote must be a patch its readers take (a bug caught here
     * fails the diff instead of the device). */
    if (st == DFOTA_OK) {
        struct dfota_patch_header check;
        struct dfota_error why;

        if (dfota_patch_check_layout(out.data, out.len, &check, &why) != DFOTA_OK)
            st = dfota_error_set(err, DFOTA_E_INTERNAL,
                                 "diffgen made a patch its own reader refuses: %s", why.message);
    }
    if (st == DFOTA_OK && opts->progress != NULL)
        opts->progress(opts->progress_ctx, target_size, target_size);
out:
    free(list.ops);
    if (st != DFOTA_OK) {
        free(out.data);
        return st;
    }
    *patch = out.data;
    *patch_size = out.len;
    return DFOTA_OK;
}
