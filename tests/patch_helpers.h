/*
 * patch_helpers.h - take a dfota patch apart and put it back together, so
 * that tests can craft patches that diffgen would never write: decode the
 * header, map and segments (each frame decompressed to its records), edit,
 * then re-encode with zstd and dfota_patch_header_encode(). Include after
 * test_helpers.h.
 */
#ifndef DFOTA_TEST_PATCH_HELPERS_H
#define DFOTA_TEST_PATCH_HELPERS_H

#include <stdlib.h>

#include <zstd.h>

#include "dfota/patch.h"
#include "dfota/predict.h"
#include "dfota/wire.h"
#include "test_varint.h"

struct test_segment {
    uint32_t source_pos;  /* from the segment header */
    uint8_t *records;     /* decoded frame content (malloc'd) */
    size_t records_len;
    int32_t frame_size_adjust; /* added to the real frame size in the segment header */
};

struct test_patch {
    struct dfota_patch_header header;
    struct dfota_map_entry *map; /* header.map_count entries (malloc'd) */
    struct dfota_patch_target_region *targets; /* target_count entries (malloc'd) */
    uint32_t target_count;
    struct dfota_predict_region *regions; /* source_count source regions (malloc'd) */
    uint32_t source_count;
    struct test_segment *segments; /* segment_count (malloc'd) */
    uint32_t segment_count;
    int keep_map_crc;            /* build: keep header.map_crc32 instead of recomputing it */
    int frame_window_log;        /* build: zstd window log of the frames, 0 = header's */
};

/* Decode `patch` (a valid one) into `p`. */
static inline void test_patch_parse(const uint8_t *patch, size_t size, struct test_patch *p)
{
    size_t pos, frame_size;
    unsigned long long content;
    uint32_t i;

    memset(p, 0, sizeof(*p));
    assert_int_equal(dfota_patch_header_decode(patch, size, &p->header, NULL), DFOTA_OK);
    pos = DFOTA_PATCH_HEADER_SIZE;
    p->map = calloc(p->header.map_count + 1, sizeof(*p->map));
    p->targets = calloc(p->header.region_count + 1, sizeof(*p->targets));
    p->regions = calloc(p->header.region_count + 1, sizeof(*p->regions));
    assert_non_null(p->map);
    assert_non_null(p->targets);
    assert_non_null(p->regions);
    assert_true(size >= pos + dfota_patch_tables_size(&p->header));
    assert_int_equal(dfota_patch_tables_decode(&p->header, patch + pos, p->map, p->targets,
                                               p->regions, &p->target_count, NULL),
                     DFOTA_OK);
    /* The source regions from index 0. */
    p->source_count = p->header.region_count - p->target_count;
    memmove(p->regions, p->regions + p->target_count, p->source_count * sizeof(*p->regions));
    pos += dfota_patch_tables_size(&p->header);
    p->segment_count = p->header.segment_count;
    p->segments = calloc(p->segment_count + 1, sizeof(*p->segments));
    assert_non_null(p->segments);
    for (i = 0; i < p->segment_count; i++) {
        struct test_segment *s = &p->segments[i];

        assert_true(pos + DFOTA_PATCH_SEGMENT_HEADER_SIZE <= size);
        frame_size = dfota_get_le32(patch + pos);
        s->source_pos = dfota_get_le32(patch + pos + 4);
        pos += DFOTA_PATCH_SEGMENT_HEADER_SIZE;
        assert_true(pos + frame_size <= size);
        assert_int_equal(ZSTD_findFrameCompressedSize(patch + pos, frame_size), frame_size);
        content = ZSTD_getFrameContentSize(patch + pos, frame_size);
        assert_true(content != ZSTD_CONTENTSIZE_ERROR && content != ZSTD_CONTENTSIZE_UNKNOWN);
        s->records_len = (size_t)content;
        s->records = malloc(s->records_len + 1);
        assert_non_null(s->records);
        assert_int_equal(ZSTD_decompress(s->records, s->records_len, patch + pos, frame_size),
                         s->records_len);
        pos += frame_size;
    }
    assert_int_equal(pos, size);
}

static inline void test_patch_release(struct test_patch *p)
{
    uint32_t i;

    for (i = 0; i < p->segment_count; i++)
        free(p->segments[i].records);
    free(p->segments);
    free(p->map);
    free(p->targets);
    free(p->regions);
    memset(p, 0, sizeof(*p));
}

/* Replace segment `i`'s records with `len` bytes at `records`. */
static inline void test_patch_set_records(struct test_patch *p, uint32_t i, const uint8_t *records,
                                          size_t len)
{
    uint8_t *copy = malloc(len + 1);

    assert_non_null(copy);
    memcpy(copy, records, len);
    free(p->segments[i].records);
    p->segments[i].records = copy;
    p->segments[i].records_len = len;
}

/* Encode `p`: header (CRC recomputed; the map CRC too unless keep_map_crc), map, segments. */
static inline uint8_t *test_patch_build(const struct test_patch *p, size_t *size)
{
    struct dfota_patch_header hdr = p->header;
    size_t cap = DFOTA_PATCH_HEADER_SIZE + dfota_patch_tables_size(&hdr) +
                 (size_t)(p->target_count + p->source_count) * DFOTA_PATCH_REGION_ENTRY_SIZE,
           pos, rc;
    ZSTD_CCtx *cctx = ZSTD_createCCtx();
    uint8_t *out;
    uint32_t i;
    int window_log = p->frame_window_log ? p->frame_window_log : hdr.window_log;

    assert_non_null(cctx);
    for (i = 0; i < p->segment_count; i++)
        cap += DFOTA_PATCH_SEGMENT_HEADER_SIZE + ZSTD_compressBound(p->segments[i].records_len);
    out = malloc(cap);
    assert_non_null(out);
    /* The table as the counts say; header.region_count is written as given. */
    dfota_patch_tables_encode(p->map, hdr.map_count, p->targets, p->target_count, p->regions,
                              p->source_count, out + DFOTA_PATCH_HEADER_SIZE);
    if (!p->keep_map_crc)
        hdr.map_crc32 =
            dfota_crc32(0, out + DFOTA_PATCH_HEADER_SIZE, dfota_patch_tables_size(&hdr));
    dfota_patch_header_encode(&hdr, out);
    pos = DFOTA_PATCH_HEADER_SIZE + dfota_patch_tables_size(&hdr);
    assert_false(ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, 15)));
    assert_false(ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_windowLog, window_log)));
    assert_false(ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1)));
    assert_false(ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, 1)));
    for (i = 0; i < p->segment_count; i++) {
        const struct test_segment *s = &p->segments[i];

        rc = ZSTD_compress2(cctx, out + pos + DFOTA_PATCH_SEGMENT_HEADER_SIZE, cap - pos,
                            s->records, s->records_len);
        assert_false(ZSTD_isError(rc));
        dfota_put_le32(out + pos, (uint32_t)((int64_t)rc + s->frame_size_adjust));
        dfota_put_le32(out + pos + 4, s->source_pos);
        pos += DFOTA_PATCH_SEGMENT_HEADER_SIZE + rc;
    }
    ZSTD_freeCCtx(cctx);
    *size = pos;
    return out;
}

/* One record, decoded. */
struct test_record {
    uint64_t copy_len, extra_len;
    int64_t seek;
    const uint8_t *diff, *extra; /* difference bytes (decoded from their runs), literal bytes */
    const uint8_t *body;         /* in the records: where the runs start, after the head */
};

/* Decoded difference bytes of the records test_records_parse() last read. */
static uint8_t test_diff_arena[1u << 21];

static inline size_t test_get_varint(const uint8_t *p, size_t n, size_t *pos, uint64_t *v)
{
    unsigned shift = 0;

    *v = 0;
    while (*pos < n) {
        uint8_t byte = p[(*pos)++];

        *v |= (uint64_t)(byte & 0x7F) << shift;
        if (!(byte & 0x80))
            return 1;
        shift += 7;
        assert_true(shift < 64);
    }
    return 0;
}

/* Decode the records of a segment into `out` (at most `max`); returns how many. */
static inline size_t test_records_parse(const uint8_t *p, size_t n, struct test_record *out,
                                        size_t max)
{
    size_t pos = 0, count = 0, arena = 0;
    uint64_t zigzag, left, run;

    while (pos < n) {
        struct test_record *r = &out[count];

        assert_true(count < max);
        assert_true(test_get_varint(p, n, &pos, &r->copy_len));
        assert_true(test_get_varint(p, n, &pos, &r->extra_len));
        assert_true(test_get_varint(p, n, &pos, &zigzag));
        r->seek = (int64_t)(zigzag >> 1) ^ -(int64_t)(zigzag & 1);
        r->body = p + pos;
        /* The difference bytes: runs of zeros and of bytes (docs/FORMAT.md). */
        assert_true(arena + r->copy_len <= sizeof(test_diff_arena));
        r->diff = test_diff_arena + arena;
        for (left = r->copy_len; left > 0;) {
            assert_true(test_get_varint(p, n, &pos, &run));
            assert_true(run <= left);
            memset(test_diff_arena + arena, 0, (size_t)run);
            arena += (size_t)run;
            left -= run;
            if (left == 0)
                break;
            assert_true(test_get_varint(p, n, &pos, &run));
            assert_true(run >= 1 && run <= left && pos + run <= n);
            memcpy(test_diff_arena + arena, p + pos, (size_t)run);
            arena += (size_t)run;
            pos += (size_t)run;
            left -= run;
        }
        r->extra = p + pos;
        pos += r->extra_len;
        assert_true(pos <= n);
        count++;
    }
    return count;
}

static inline uint64_t test_zigzag(int64_t v)
{
    return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

/* copy_len difference bytes as runs: zeros, then bytes up to the next zero. */
static inline size_t test_runs_encode(const uint8_t *diff, uint64_t copy_len, uint8_t *out)
{
    uint64_t i = 0, z, k;
    size_t n = 0;

    while (i < copy_len) {
        for (z = 0; i + z < copy_len && diff[i + z] == 0; z++)
            ;
        n += test_put_varint(out + n, z);
        i += z;
        if (i == copy_len)
            break;
        for (k = 0; i + k < copy_len && diff[i + k] != 0; k++)
            ;
        n += test_put_varint(out + n, k);
        memcpy(out + n, diff + i, (size_t)k);
        n += (size_t)k;
        i += k;
    }
    return n;
}

/*
 * Encode `count` records into `out` (large enough: 30 bytes each plus
 * twice the records' data): lengths and seek as in the structs, then the
 * copy_len bytes of `diff` as runs and extra_len bytes from `extra`.
 */
static inline size_t test_records_encode(const struct test_record *r, size_t count, uint8_t *out)
{
    size_t i, n = 0;

    for (i = 0; i < count; i++) {
        n += test_put_varint(out + n, r[i].copy_len);
        n += test_put_varint(out + n, r[i].extra_len);
        n += test_put_varint(out + n, test_zigzag(r[i].seek));
        n += test_runs_encode(r[i].diff, r[i].copy_len, out + n);
        memcpy(out + n, r[i].extra, (size_t)r[i].extra_len);
        n += (size_t)r[i].extra_len;
    }
    return n;
}

#endif /* DFOTA_TEST_PATCH_HELPERS_H */
