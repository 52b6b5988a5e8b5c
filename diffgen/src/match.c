/*
 * match.c - approximate matching in the manner of bsdiff (Colin Percival,
 * "Naive differences of executable code"): extend exact suffix-array
 * matches forwards and backwards while at least half of the bytes agree, so
 * that code which moved and changed a little becomes a long "copy with
 * differences" whose difference bytes are mostly zero.
 */
#if defined(__linux__) && !defined(_DEFAULT_SOURCE)
#define _DEFAULT_SOURCE /* madvise() and MADV_HUGEPAGE under -std=c11 */
#endif
#include "match.h"

#include <divsufsort.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#if defined(__linux__)
#include <sys/mman.h>
#include <unistd.h>
#endif

/* Mismatch tolerance before a new exact match is preferred (bsdiff uses 8). */
#define MATCH_SLACK 8
#define PROGRESS_EVERY (64u * 1024u)
/* Targets of at least this size are scanned in two halves, in parallel. */
#define MATCH_THREADS 2
#define MATCH_SPLIT_MIN (32u * 1024u)

/*
 * Length of the common prefix of a[0..an) and b[0..bn). Eight bytes at a
 * time where the compiler says how to find the first differing byte of a
 * word (the long prefixes of near-identical images are the common case).
 */
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && \
    (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ || __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__)
#define PREFIX_BY_WORD 1
#endif

static size_t common_prefix(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
    size_t n = an < bn ? an : bn, i = 0;

#ifdef PREFIX_BY_WORD
    uint64_t x, y;

    for (; i + 8 <= n; i += 8) {
        memcpy(&x, a + i, 8);
        memcpy(&y, b + i, 8);
        if (x != y) {
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
            return i + (size_t)(__builtin_ctzll(x ^ y) >> 3);
#else
            return i + (size_t)(__builtin_clzll(x ^ y) >> 3);
#endif
        }
    }
#endif
    while (i < n && a[i] == b[i])
        i++;
    return i;
}

/*
 * Suffix array plus an index of where each 2-byte prefix starts in it, so a
 * search starts in the right bucket instead of bisecting the whole array.
 * Keys: b0 * 257 + b1 + 1 for suffixes of two bytes or more, b0 * 257 for
 * the one-byte suffix; they increase along the suffix array.
 */
#define BUCKETS (256u * 257u)

/* Below this source size the bucket index (1 KiB per 4 entries, 257 KiB) is not built. */
#define BUCKET_INDEX_MIN (256u * 1024u)

struct suffix_index {
    const uint8_t *sa; /* the suffix array packed: `width` bits per entry (sa_pack()) */
    unsigned width;
    uint64_t mask; /* width one bits */
    const uint8_t *source;
    size_t source_size;
    uint32_t *bucket; /* bucket[k]: first SA index with key >= k; NULL: search the whole SA */
};

/*
 * The suffix array is built with 32-bit entries, 4 bytes per source byte,
 * and then packed in place to the bits its largest entry needs (22 for a
 * 4 MiB source, 26 for 40 MB), at most 29 for the largest image accepted:
 * entry i is bits [i * width, (i + 1) * width) of the array taken as one
 * little-endian number. The packed array is followed by 8 bytes of slack,
 * so every entry is read with one 8-byte load.
 */
#define SA_SLACK 8

static uint64_t load_le64(const uint8_t *p)
{
    uint64_t v;

    memcpy(&v, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#elif !defined(__BYTE_ORDER__)
    v = (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24 |
        (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 | (uint64_t)p[6] << 48 |
        (uint64_t)p[7] << 56;
#endif
    return v;
}

static void store_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static unsigned sa_width(size_t n)
{
    unsigned w = 1;

    while (w < 32 && ((uint64_t)(n - 1) >> w) != 0)
        w++;
    return w;
}

/*
 * Pack the n 32-bit entries of `sa` (allocated with SA_SLACK spare bytes)
 * in place, 32 bits at a time; returns the packed size with the slack. The
 * k-th 32-bit word is written once entry i is read with 32 (k + 1) <=
 * (i + 1) * width, so it ends before entry i + 1 (byte 4 (i + 1)): only
 * entries already read are overwritten.
 */
static size_t sa_pack(saidx_t *sa, size_t n, unsigned width)
{
    uint8_t *out = (uint8_t *)sa;
    uint64_t acc = 0;
    unsigned bits = 0;
    size_t i;

    for (i = 0; i < n; i++) {
        acc |= (uint64_t)(uint32_t)sa[i] << bits;
        bits += width;
        if (bits >= 32) {
            store_le32(out, (uint32_t)acc);
            out += 4;
            acc >>= 32;
            bits -= 32;
        }
    }
    if (bits > 0) {
        store_le32(out, (uint32_t)acc);
        out += 4;
    }
    memset(out, 0, SA_SLACK);
    return (size_t)(out - (uint8_t *)sa) + SA_SLACK;
}

static size_t sa_at(const struct suffix_index *ix, size_t i)
{
    uint64_t bit = (uint64_t)i * ix->width;

    return (size_t)((load_le64(ix->sa + (bit >> 3)) >> (bit & 7)) & ix->mask);
}

#ifdef __GNUC__
static void sa_prefetch(const struct suffix_index *ix, size_t i)
{
    __builtin_prefetch(ix->sa + (((uint64_t)i * ix->width) >> 3));
}
#endif

static unsigned suffix_key(const uint8_t *p, size_t n)
{
    return n >= 2 ? (unsigned)p[0] * 257u + p[1] + 1u : (unsigned)p[0] * 257u;
}

/*
 * bucket[k] = the number of suffixes whose key is below k: the keys of all
 * suffixes counted in one pass over the source, then summed (the same table
 * as walking the suffix array, without its random reads of the source).
 */
static void index_build(struct suffix_index *ix)
{
    const uint8_t *p = ix->source;
    uint32_t *bucket = ix->bucket, sum = 0, c;
    size_t i, n = ix->source_size;
    unsigned k;

    memset(bucket, 0, (BUCKETS + 1) * sizeof(*bucket));
    for (i = 0; i + 1 < n; i++)
        bucket[(unsigned)p[i] * 257u + p[i + 1] + 1u]++;
    bucket[(unsigned)p[n - 1] * 257u]++;
    for (k = 0; k <= BUCKETS; k++) {
        c = bucket[k];
        bucket[k] = sum;
        sum += c;
    }
}

/*
 * Longest prefix of `t` occurring in the source; its offset in *pos.
 * Binary search in the bucket of t's first two bytes. Every suffix between
 * lo and hi shares at least min(lcp(lo), lcp(hi)) leading bytes with `t`,
 * so each comparison starts there instead of at the first byte.
 */
static size_t longest_match(const struct suffix_index *ix, const uint8_t *t, size_t tn,
                            size_t *pos)
{
    const uint8_t *source = ix->source;
    size_t source_size = ix->source_size;
    size_t lo, hi, mid, off, skip, n, l, lcp_lo, lcp_hi;
    unsigned key;

    if (tn >= 2 && ix->bucket != NULL) {
        key = suffix_key(t, tn);
        lo = ix->bucket[key];
        hi = ix->bucket[key + 1];
        if (lo == hi) {
            /* No suffix shares two bytes: a one-byte match if t[0] occurs. */
            lo = ix->bucket[(unsigned)t[0] * 257u];
            hi = ix->bucket[(unsigned)t[0] * 257u + 257u];
            if (lo == hi) {
                *pos = 0;
                return 0;
            }
            *pos = sa_at(ix, lo);
            return 1;
        }
        hi--;
    } else {
        lo = 0;
        hi = source_size - 1;
    }
#ifdef __GNUC__
    if (hi - lo > 1) { /* the first step's entry and both next ones */
        mid = lo + (hi - lo) / 2;
        sa_prefetch(ix, mid);
        sa_prefetch(ix, lo + (mid - lo) / 2);
        sa_prefetch(ix, mid + (hi - mid) / 2);
    }
#endif
    off = sa_at(ix, lo);
    lcp_lo = common_prefix(source + off, source_size - off, t, tn);
    off = sa_at(ix, hi);
    lcp_hi = common_prefix(source + off, source_size - off, t, tn);
    while (hi - lo > 1) {
        mid = lo + (hi - lo) / 2;
        off = sa_at(ix, mid);
        skip = lcp_lo < lcp_hi ? lcp_lo : lcp_hi;
#ifdef __GNUC__
        /*
         * The search is a chain of cache misses, two a step (the entry, then
         * the source at it). Start the next steps' loads now: the source at
         * both possible next entries (asked for by the step before) and the
         * entries of the four possible steps after them.
         */
        if (hi - lo > 3) {
            size_t a = lo + (mid - lo) / 2, b = mid + (hi - mid) / 2;

            __builtin_prefetch(source + sa_at(ix, a) + skip);
            __builtin_prefetch(source + sa_at(ix, b) + skip);
            sa_prefetch(ix, lo + (a - lo) / 2);
            sa_prefetch(ix, a + (mid - a) / 2);
            sa_prefetch(ix, mid + (b - mid) / 2);
            sa_prefetch(ix, b + (hi - b) / 2);
        }
#endif
        n = source_size - off < tn ? source_size - off : tn;
        l = skip + common_prefix(source + off + skip, n - skip, t + skip, tn - skip);
        /* suffix < t: t continues after the common part, and the suffix ends or is smaller */
        if (l < tn && (l == n || source[off + l] < t[l])) {
            lo = mid;
            lcp_lo = l;
        } else {
            hi = mid;
            lcp_hi = l;
        }
    }
    if (lcp_lo >= lcp_hi) {
        *pos = sa_at(ix, lo);
        return lcp_lo;
    }
    *pos = sa_at(ix, hi);
    return lcp_hi;
}

static enum dfota_status push_op(struct match_list *list, int64_t target_start, int64_t copy_len,
                                 int64_t source_start, int64_t extra_len,
                                 struct dfota_error *err)
{
    struct match_op *grown;

    if (list->count == list->capacity) {
        size_t cap = list->capacity ? list->capacity * 2 : 1024;

        grown = realloc(list->ops, cap * sizeof(*grown));
        if (grown == NULL)
            return dfota_error_set(err, DFOTA_E_NO_MEMORY, "cannot allocate match list");
        list->ops = grown;
        list->capacity = cap;
    }
    list->ops[list->count].target_start = (uint32_t)target_start;
    list->ops[list->count].copy_len = (uint32_t)copy_len;
    list->ops[list->count].source_start = (uint32_t)source_start;
    list->ops[list->count].extra_len = (uint32_t)extra_len;
    list->count++;
    return DFOTA_OK;
}

/*
 * Close the step that started at (last_scan, last_pos): extend it forwards
 * from there and the next match backwards from (scan, pos), split any
 * overlap where it scores best, and record copy + extra.
 */
static enum dfota_status close_step(const uint8_t *src, int64_t src_n, const uint8_t *tgt,
                                    int64_t tgt_n, int64_t scan, int64_t pos, int64_t *last_scan,
                                    int64_t *last_pos, struct match_list *list,
                                    struct dfota_error *err)
{
    int64_t i, s, best, len_f = 0, len_b = 0, overlap, len_s;

    for (i = 0, s = 0, best = 0; *last_scan + i < scan && *last_pos + i < src_n;) {
        if (src[*last_pos + i] == tgt[*last_scan + i])
            s++;
        i++;
        if (s * 2 - i > best * 2 - len_f) {
            best = s;
            len_f = i;
        }
    }
    if (scan < tgt_n) {
        for (i = 1, s = 0, best = 0; scan >= *last_scan + i && pos >= i; i++) {
            if (src[pos - i] == tgt[scan - i])
                s++;
            if (s * 2 - i > best * 2 - len_b) {
                best = s;
                len_b = i;
            }
        }
    }
    if (*last_scan + len_f > scan - len_b) {
        overlap = (*last_scan + len_f) - (scan - len_b);
        for (i = 0, s = 0, best = 0, len_s = 0; i < overlap; i++) {
            if (tgt[*last_scan + len_f - overlap + i] == src[*last_pos + len_f - overlap + i])
                s++;
            if (tgt[scan - len_b + i] == src[pos - len_b + i])
                s--;
            if (s > best) {
                best = s;
                len_s = i + 1;
            }
        }
        len_f += len_s - overlap;
        len_b -= len_s;
    }
    if (push_op(list, *last_scan, len_f, *last_pos, (scan - len_b) - (*last_scan + len_f), err) !=
        DFOTA_OK)
        return DFOTA_E_NO_MEMORY;
    *last_scan = scan - len_b;
    *last_pos = pos - len_b;
    return DFOTA_OK;
}

/* The scan of one part of the target: [part_start, part_end). */
struct scan_job {
    const struct suffix_index *index;
    const uint8_t *source, *target;
    size_t source_size, part_start, part_end;
    struct match_list list;
    void (*progress)(void *ctx, uint64_t done, uint64_t total);
    void *progress_ctx;
    uint64_t progress_total;
    enum dfota_status status;
    struct dfota_error error;
};

/*
 * bsdiff's scan over one part. Positions inside the part are relative to
 * part_start (the part is matched as if it were the whole target); ops are
 * recorded with absolute target offsets.
 */
static void *scan_part(void *arg)
{
    struct scan_job *job = arg;
    const uint8_t *source = job->source, *target = job->target + job->part_start;
    const int64_t src_n = (int64_t)job->source_size;
    const int64_t tgt_n = (int64_t)(job->part_end - job->part_start);
    int64_t scan = 0, len = 0, last_scan = 0, last_pos = 0, last_offset = 0, score, scsc;
    size_t pos = 0, next_report = PROGRESS_EVERY, first_op;
    enum dfota_status st;

    memset(&job->list, 0, sizeof(job->list));
    job->status = DFOTA_OK;
    while (scan < tgt_n) {
        score = 0;
        for (scsc = scan += len; scan < tgt_n; scan++) {
            len = (int64_t)longest_match(job->index, target + scan, (size_t)(tgt_n - scan),
                                         &pos);
            /* Bytes the current alignment (last_offset) would already get right. */
            for (; scsc < scan + len; scsc++)
                if (scsc + last_offset < src_n && source[scsc + last_offset] == target[scsc])
                    score++;
            if ((len == score && len != 0) || len > score + MATCH_SLACK)
                break;
            if (scan + last_offset < src_n && source[scan + last_offset] == target[scan])
                score--;
        }
        if (len != score || scan == tgt_n) {
            first_op = job->list.count;
            st = close_step(source, src_n, target, tgt_n, scan, (int64_t)pos, &last_scan,
                            &last_pos, &job->list, &job->error);
            if (st != DFOTA_OK) {
                job->status = st;
                return NULL;
            }
            job->list.ops[first_op].target_start += (uint32_t)job->part_start;
            last_offset = (int64_t)pos - scan;
        }
        if (job->progress != NULL && (size_t)scan >= next_report) {
            job->progress(job->progress_ctx, (uint64_t)scan * 2, job->progress_total);
            next_report = (size_t)scan + PROGRESS_EVERY;
        }
    }
    return NULL;
}

/*
 * Ask for transparent huge pages for the suffix array where the system
 * gives them on request (Linux, THP "madvise"): the sort and the searches
 * read it at random, and with 4 KiB pages nearly every such read also
 * misses the TLB. Only the page-aligned inside of the block; no effect on
 * what is computed.
 */
static void advise_huge_pages(void *p, size_t n)
{
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    long page = sysconf(_SC_PAGESIZE);
    uintptr_t a, e;

    if (page <= 0)
        return;
    a = ((uintptr_t)p + (uintptr_t)page - 1) & ~((uintptr_t)page - 1);
    e = ((uintptr_t)p + n) & ~((uintptr_t)page - 1);
    if (e > a)
        (void)madvise((void *)a, e - a, MADV_HUGEPAGE);
#else
    (void)p;
    (void)n;
#endif
}

enum dfota_status match_images(const uint8_t *source, size_t source_size, const uint8_t *target,
                               size_t target_size, struct match_list *list,
                               void (*progress)(void *ctx, uint64_t done, uint64_t total),
                               void *progress_ctx, struct dfota_error *err)
{
    struct scan_job jobs[MATCH_THREADS];
    struct suffix_index index;
    pthread_t thread;
    size_t parts, i, total = 0;
    saidx_t *sa;
    enum dfota_status st = DFOTA_OK;
    int threaded = 0;

    memset(list, 0, sizeof(*list));
    if (target_size == 0)
        return DFOTA_OK;
    if (source_size == 0)
        return push_op(list, 0, 0, 0, (int64_t)target_size, err);
    sa = malloc(source_size * sizeof(*sa) + SA_SLACK);
    index.bucket = source_size >= BUCKET_INDEX_MIN ? malloc((BUCKETS + 1) * sizeof(uint32_t))
                                                    : NULL;
    if (sa == NULL || (source_size >= BUCKET_INDEX_MIN && index.bucket == NULL)) {
        free(sa);
        free(index.bucket);
        return dfota_error_set(err, DFOTA_E_NO_MEMORY,
                               "cannot allocate the suffix array (%zu bytes)",
                               source_size * sizeof(*sa));
    }
    advise_huge_pages(sa, source_size * sizeof(*sa));
    if (divsufsort(source, sa, (saidx_t)source_size) != 0) {
        free(sa);
        free(index.bucket);
        return dfota_error_set(err, DFOTA_E_INTERNAL, "libdivsufsort failed");
    }
    /* Packed before the target is first read (the caller may have mapped
     * it): the 4-byte entries and the target are never in memory at once. */
    index.width = sa_width(source_size);
    index.mask = ((uint64_t)1 << index.width) - 1;
    {
        saidx_t *shrunk = realloc(sa, sa_pack(sa, source_size, index.width));

        if (shrunk != NULL)
            sa = shrunk;
    }
    index.sa = (const uint8_t *)sa;
    index.source = source;
    index.source_size = source_size;
    if (index.bucket != NULL)
        index_build(&index);
    /*
     * Large targets are scanned as two independent halves on two threads.
     * The split point is fixed, so the result does not depend on timing;
     * the second half starts without the first half's alignment, which
     * costs a few bytes at most.
     */
    parts = target_size >= MATCH_SPLIT_MIN ? MATCH_THREADS : 1;
    memset(jobs, 0, sizeof(jobs));
    for (i = 0; i < parts; i++) {
        jobs[i].index = &index;
        jobs[i].source = source;
        jobs[i].target = target;
        jobs[i].source_size = source_size;
        jobs[i].part_start = target_size * i / parts;
        jobs[i].part_end = target_size * (i + 1) / parts;
        jobs[i].progress = i == 0 ? progress : NULL;
        jobs[i].progress_ctx = progress_ctx;
        jobs[i].progress_total = target_size;
    }
    if (parts > 1 && pthread_create(&thread, NULL, scan_part, &jobs[1]) == 0)
        threaded = 1;
    scan_part(&jobs[0]);
    if (threaded)
        pthread_join(thread, NULL);
    else
        for (i = 1; i < parts; i++)
            scan_part(&jobs[i]);
    free(sa);
    free(index.bucket);
    for (i = 0; i < parts; i++) {
        if (jobs[i].status != DFOTA_OK && st == DFOTA_OK) {
            st = jobs[i].status;
            if (err != NULL)
                *err = jobs[i].error;
        }
        total += jobs[i].list.count;
    }
    if (st == DFOTA_OK) {
        list->ops = malloc((total ? total : 1) * sizeof(*list->ops));
        if (list->ops == NULL)
            st = dfota_error_set(err, DFOTA_E_NO_MEMORY, "cannot allocate the match list");
    }
    for (i = 0; i < parts; i++) {
        if (st == DFOTA_OK) {
            memcpy(list->ops + list->count, jobs[i].list.ops,
                   jobs[i].list.count * sizeof(*list->ops));
            list->count += jobs[i].list.count;
        }
        free(jobs[i].list.ops);
    }
    list->capacity = total;
    if (st != DFOTA_OK) {
        free(list->ops);
        memset(list, 0, sizeof(*list));
    }
    return st;
}
