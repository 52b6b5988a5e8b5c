/*
 * test_diffgen.c - patch generation: the same inputs always give the same
 * bytes, bad options are refused, and the patch says what it is: header
 * fields (sizes, digests, workspace, segments), relocation map, and segments
 * whose records tile the target exactly.
 */
#define ZSTD_STATIC_LINKING_ONLY /* ZSTD_getFrameHeader */
#include "test_helpers.h"

#include <openssl/evp.h>
#include <zstd.h>

#include "apply_helpers.h"
#include "patch_helpers.h"
#include "rc_records.h"
#include "thumb_image.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static void load_samples(uint8_t **a03, size_t *a03_size, uint8_t **a04, size_t *a04_size)
{
    *a03 = test_read_file(DFOTA_SOURCE_DIR "/samples/BC25R01A03.bin", a03_size);
    *a04 = test_read_file(DFOTA_SOURCE_DIR "/samples/BC25R01A04.bin", a04_size);
}

static void sha256(const uint8_t *data, size_t size, uint8_t out[32])
{
    unsigned len = 0;

    assert_int_equal(EVP_Digest(data, size, out, &len, EVP_sha256(), NULL), 1);
    assert_int_equal(len, 32);
}

/* ---- determinism ---- */

static void same_inputs_give_the_same_patch(void **state)
{
    static const uint32_t segment_sizes[] = {4096, 65536};
    static const unsigned predictions[] = {DFOTA_DIFF_PREDICT_AUTO, 0};
    struct dfota_diff_options opts;
    uint8_t *a03, *a04, *first, *again;
    size_t a03_size, a04_size, first_size, again_size, s, p, run;

    (void)state;
    load_samples(&a03, &a03_size, &a04, &a04_size);
    for (s = 0; s < COUNT(segment_sizes); s++) {
        for (p = 0; p < COUNT(predictions); p++) {
            test_diff_options(&opts, predictions[p]);
            opts.segment_size = segment_sizes[s];
            first = test_diff(a03, a03_size, a04, a04_size, &opts, &first_size);
            /* Segments and halves of the target are encoded on threads: run it often. */
            for (run = 0; run < 4; run++) {
                again = test_diff(a03, a03_size, a04, a04_size, &opts, &again_size);
                assert_int_equal(again_size, first_size);
                assert_memory_equal(again, first, first_size);
                free(again);
            }
            free(first);
        }
    }
    free(a03);
    free(a04);
}

/* A progress callback does not change the patch either, and it ends at the total. */
struct progress_record {
    unsigned calls;
    uint64_t last_done, total;
    int went_back, past_total;
};

static void record_progress(void *ctx, uint64_t done, uint64_t total)
{
    struct progress_record *r = ctx;

    if (r->calls > 0 && (done < r->last_done || total != r->total))
        r->went_back = 1;
    if (done > total)
        r->past_total = 1;
    r->calls++;
    r->last_done = done;
    r->total = total;
}

static void progress_runs_to_the_total(void **state)
{
    struct dfota_diff_options opts;
    struct progress_record record;
    uint8_t *a03, *a04, *plain, *reported;
    size_t a03_size, a04_size, plain_size, reported_size;

    (void)state;
    load_samples(&a03, &a03_size, &a04, &a04_size);
    test_diff_options(&opts, DFOTA_DIFF_PREDICT_AUTO);
    plain = test_diff(a03, a03_size, a04, a04_size, &opts, &plain_size);
    memset(&record, 0, sizeof(record));
    opts.progress = record_progress;
    opts.progress_ctx = &record;
    reported = test_diff(a03, a03_size, a04, a04_size, &opts, &reported_size);
    assert_int_equal(reported_size, plain_size);
    assert_memory_equal(reported, plain, plain_size);
    assert_true(record.calls >= 2);
    assert_false(record.went_back);
    assert_false(record.past_total);
    assert_int_equal(record.total, a04_size);
    assert_int_equal(record.last_done, a04_size);
    free(plain);
    free(reported);
    free(a03);
    free(a04);
}

/* ---- options ---- */

static void expect_refused(const struct dfota_diff_options *opts, enum dfota_status want)
{
    static const uint8_t image[64] = {1, 2, 3};
    struct dfota_error err;
    uint8_t *patch = (uint8_t *)1;
    size_t patch_size = 1;
    enum dfota_status st;

    dfota_error_clear(&err);
    st = dfota_diff(image, sizeof(image), image, sizeof(image), opts, &patch, &patch_size, &err);
    if (st != want)
        fail_msg("predict %u, window log %u, segment %lu, level %d: %s, expected %s",
                 opts->predict, opts->window_log, (unsigned long)opts->segment_size, opts->level,
                 dfota_status_name(st), dfota_status_name(want));
    assert_int_equal(err.status, want);
    assert_true(err.message[0] != '\0');
    assert_null(patch);
    assert_int_equal(patch_size, 0);
}

static void expect_accepted(const struct dfota_diff_options *opts)
{
    static const uint8_t image[4096] = {1, 2, 3};
    size_t patch_size;
    uint8_t *patch = test_diff(image, sizeof(image), image, sizeof(image), opts, &patch_size);

    free(patch);
}

static void bad_options_are_refused(void **state)
{
    /* zstd windows, then range histories (0: the codec's default). */
    static const unsigned bad_windows[] = {9, 14, 27, 100};
    static const unsigned good_windows[] = {0, 10, 11, 12, 13};
    static const unsigned bad_histories[] = {7, 13, 100};
    static const unsigned good_histories[] = {0, 8, 9, 10, 11, 12};
    static const unsigned bad_codecs[] = {2, 3, 255};
    static const uint32_t bad_segments[] = {0, 1, 2048, 4095, 4097, 6144, 65535, 2u << 20,
                                            UINT32_MAX};
    static const uint32_t good_segments[] = {4096, 8192, 65536, 1u << 20};
    static const int bad_levels[] = {-1, 0, 23, 100};
    static const int good_levels[] = {1, 19, 22};
    static const unsigned bad_predictions[] = {4, 5, 8, 0x80, 254, 256};
    static const unsigned good_predictions[] = {0, DFOTA_PREDICT_BRANCH, DFOTA_PREDICT_POINTER,
                                                DFOTA_PREDICT_ALL, DFOTA_DIFF_PREDICT_AUTO};
    struct dfota_diff_options opts;
    size_t k;

    (void)state;
    for (k = 0; k < COUNT(bad_windows); k++) {
        dfota_diff_options_init(&opts);
        opts.codec = DFOTA_CODEC_ZSTD_ID;
        opts.window_log = bad_windows[k];
        expect_refused(&opts, DFOTA_E_INVALID_ARGUMENT);
    }
    for (k = 0; k < COUNT(good_windows); k++) {
        dfota_diff_options_init(&opts);
        opts.codec = DFOTA_CODEC_ZSTD_ID;
        opts.window_log = good_windows[k];
        expect_accepted(&opts);
    }
    for (k = 0; k < COUNT(bad_histories); k++) {
        dfota_diff_options_init(&opts);
        opts.window_log = bad_histories[k];
        expect_refused(&opts, DFOTA_E_INVALID_ARGUMENT);
    }
    for (k = 0; k < COUNT(good_histories); k++) {
        dfota_diff_options_init(&opts);
        opts.window_log = good_histories[k];
        expect_accepted(&opts);
    }
    for (k = 0; k < COUNT(bad_codecs); k++) {
        dfota_diff_options_init(&opts);
        opts.codec = bad_codecs[k];
        expect_refused(&opts, DFOTA_E_INVALID_ARGUMENT);
    }
    for (k = 0; k < COUNT(bad_segments); k++) {
        dfota_diff_options_init(&opts);
        opts.segment_size = bad_segments[k];
        expect_refused(&opts, DFOTA_E_INVALID_ARGUMENT);
    }
    for (k = 0; k < COUNT(good_segments); k++) {
        dfota_diff_options_init(&opts);
        opts.segment_size = good_segments[k];
        expect_accepted(&opts);
    }
    for (k = 0; k < COUNT(bad_levels); k++) {
        dfota_diff_options_init(&opts);
        opts.level = bad_levels[k];
        expect_refused(&opts, DFOTA_E_INVALID_ARGUMENT);
    }
    for (k = 0; k < COUNT(good_levels); k++) {
        dfota_diff_options_init(&opts);
        opts.level = good_levels[k];
        expect_accepted(&opts);
    }
    for (k = 0; k < COUNT(bad_predictions); k++) {
        dfota_diff_options_init(&opts);
        opts.predict = bad_predictions[k];
        expect_refused(&opts, DFOTA_E_INVALID_ARGUMENT);
    }
    for (k = 0; k < COUNT(good_predictions); k++) {
        dfota_diff_options_init(&opts);
        opts.predict = good_predictions[k];
        expect_accepted(&opts);
    }
}

static void defaults_are_documented(void **state)
{
    struct dfota_diff_options opts;

    (void)state;
    memset(&opts, 0xA5, sizeof(opts));
    dfota_diff_options_init(&opts);
    assert_int_equal(opts.predict, DFOTA_DIFF_PREDICT_AUTO);
    assert_int_equal(opts.codec, DFOTA_CODEC_RANGE_ID);
    assert_int_equal(opts.window_log, 0); /* the codec's: history 2^10, zstd window 2^13 */
    assert_int_equal(DFOTA_PATCH_HISTORY_LOG_DEFAULT, 10);
    assert_int_equal(DFOTA_PATCH_WINDOW_LOG_DEFAULT, 13);
    assert_int_equal(opts.segment_size, DFOTA_PATCH_SEGMENT_SIZE_DEFAULT);
    assert_int_equal(opts.segment_size, 65536);
    assert_int_equal(opts.level, DFOTA_DIFF_LEVEL_DEFAULT);
    assert_null(opts.progress);
    assert_null(opts.progress_ctx);
}

static void images_too_large_are_refused(void **state)
{
    struct dfota_diff_options opts;

    (void)state;
    dfota_diff_options_init(&opts);
    /* Refused on the sizes alone, before a byte is read. */
    {
        static const uint8_t image[16];
        struct dfota_error err;
        uint8_t *patch = NULL;
        size_t patch_size = 0;

        assert_int_equal(dfota_diff(image, (size_t)DFOTA_DIFF_IMAGE_MAX + 1, image, 16, &opts,
                                    &patch, &patch_size, &err),
                         DFOTA_E_TOO_LARGE);
        assert_null(patch);
        assert_int_equal(dfota_diff(image, 16, image, (size_t)DFOTA_DIFF_IMAGE_MAX + 1, &opts,
                                    &patch, &patch_size, &err),
                         DFOTA_E_TOO_LARGE);
        assert_null(patch);
    }
}

/* ---- what the patch says ---- */

/* Check everything the patch of source -> target with `opts` states about itself. */
static void check_patch(const uint8_t *source, size_t source_size, const uint8_t *target,
                        size_t target_size, const struct dfota_diff_options *opts)
{
    static struct test_record recs[1u << 16];
    struct dfota_patch_header hdr;
    struct test_patch tp;
    uint8_t digest[32], *patch;
    size_t patch_size, pos, count, k, frame_size;
    uint32_t s, seg_len, produced;
    int64_t source_pos;

    patch = test_diff(source, source_size, target, target_size, opts, &patch_size);
    assert_int_equal(dfota_patch_check_layout(patch, patch_size, &hdr, NULL), DFOTA_OK);
    assert_int_equal(dfota_patch_header_decode(patch, patch_size, &hdr, NULL), DFOTA_OK);
    assert_memory_equal(patch, DFOTA_PATCH_MAGIC, DFOTA_PATCH_MAGIC_SIZE);
    assert_int_equal(hdr.format_version, DFOTA_PATCH_FORMAT_VERSION);
    assert_int_equal(hdr.flags, 0);
    assert_int_equal(hdr.source_size, source_size);
    assert_int_equal(hdr.target_size, target_size);
    sha256(source, source_size, digest);
    assert_memory_equal(hdr.source_sha256, digest, 32);
    sha256(target, target_size, digest);
    assert_memory_equal(hdr.target_sha256, digest, 32);
    assert_int_equal(hdr.window_log, opts->window_log);
    assert_int_equal(hdr.segment_size, opts->segment_size);
    assert_int_equal(hdr.segment_count,
                     (target_size + opts->segment_size - 1) / opts->segment_size);
    assert_int_equal(hdr.workspace_size,
                     dfota_apply_workspace_for(hdr.codec, hdr.window_log, hdr.map_count, hdr.region_count));
    if (opts->predict != DFOTA_DIFF_PREDICT_AUTO)
        assert_int_equal(hdr.predict, opts->predict);
    assert_true((hdr.predict == 0) == (hdr.map_count == 0));
    assert_true((hdr.predict == 0) == (hdr.region_count == 0));
    assert_true(hdr.map_count <= DFOTA_PREDICT_MAP_MAX);
    assert_true(hdr.region_count <= DFOTA_PREDICT_REGION_MAX);
    if (!opts->in_place)
        assert_int_equal(hdr.pivot, 0);
    pos = DFOTA_PATCH_HEADER_SIZE + dfota_patch_tables_size(&hdr);
    {
        /* The tables decode, each region's flags among the header's. */
        struct dfota_map_entry *map =
            (struct dfota_map_entry *)(void *)test_alloc(pos - DFOTA_PATCH_HEADER_SIZE + 8);
        struct dfota_patch_target_region *targets =
            (struct dfota_patch_target_region *)(void *)test_alloc((hdr.region_count + 1) *
                                                                   sizeof(*targets));
        struct dfota_predict_region *regions = (struct dfota_predict_region *)(void *)test_alloc(
            (hdr.region_count + 1) * sizeof(*regions));
        uint32_t ri, nt, maps = 0;

        assert_int_equal(dfota_patch_tables_decode(&hdr, patch + DFOTA_PATCH_HEADER_SIZE, map,
                                                   targets, regions, &nt, NULL),
                         DFOTA_OK);
        assert_true(hdr.predict == 0 ? nt == 0 : nt >= 1 && nt < hdr.region_count);
        for (ri = 0; ri < nt; ri++) {
            assert_int_equal(targets[ri].map_first, maps);
            assert_true(targets[ri].map_count >= 1);
            maps += targets[ri].map_count;
        }
        assert_int_equal(maps, hdr.map_count);
        for (ri = nt; ri < hdr.region_count; ri++) {
            assert_int_equal(regions[ri].flags & ~hdr.predict, 0);
            if (!(regions[ri].flags & DFOTA_PREDICT_POINTER))
                assert_int_equal(regions[ri].pointer_base, 0);
        }
        free(map);
        free(targets);
        free(regions);
    }
    assert_int_equal(hdr.map_crc32, dfota_crc32(0, patch + DFOTA_PATCH_HEADER_SIZE,
                                                pos - DFOTA_PATCH_HEADER_SIZE));

    /* Segments: a header and one zstd frame each, nothing after the last. */
    for (s = 0; s < hdr.segment_count; s++) {
        ZSTD_frameHeader fh;

        assert_true(pos + DFOTA_PATCH_SEGMENT_HEADER_SIZE <= patch_size);
        frame_size = dfota_get_le32(patch + pos);
        assert_true(dfota_get_le32(patch + pos + 4) <= source_size);
        pos += DFOTA_PATCH_SEGMENT_HEADER_SIZE;
        assert_int_equal(ZSTD_findFrameCompressedSize(patch + pos, frame_size), frame_size);
        assert_int_equal(ZSTD_getFrameHeader(&fh, patch + pos, frame_size), 0);
        assert_true(fh.windowSize <= (1ull << hdr.window_log));
        assert_int_equal(fh.checksumFlag, 1);
        assert_int_equal(fh.dictID, 0);
        pos += frame_size;
    }
    assert_int_equal(pos, patch_size);

    /* The records of each segment produce exactly its bytes, copies inside the source. */
    test_patch_parse(patch, patch_size, &tp);
    for (s = 0; s < tp.segment_count; s++) {
        seg_len = target_size - s * hdr.segment_size < hdr.segment_size
                      ? (uint32_t)(target_size - s * hdr.segment_size)
                      : hdr.segment_size;
        count = test_records_parse(tp.segments[s].records, tp.segments[s].records_len, recs,
                                   COUNT(recs));
        produced = 0;
        source_pos = tp.segments[s].source_pos;
        for (k = 0; k < count; k++) {
            if (recs[k].copy_len > 0)
                assert_true(source_pos >= 0 &&
                            source_pos + (int64_t)recs[k].copy_len <= (int64_t)source_size);
            /* Literals are the target's own bytes. */
            assert_memory_equal(recs[k].extra,
                                target + s * hdr.segment_size + produced + recs[k].copy_len,
                                recs[k].extra_len);
            produced += (uint32_t)(recs[k].copy_len + recs[k].extra_len);
            source_pos += (int64_t)recs[k].copy_len + recs[k].seek;
        }
        assert_int_equal(produced, seg_len);
    }
    test_patch_release(&tp);
    free(patch);
}

/*
 * A range-coded patch carries the records of the zstd patch of the same
 * images and options, byte for byte: each frame decodes (dfota/rcdec.h,
 * fed 1 and 64 bytes at a time) to the records the zstd frame holds, using
 * every byte of the frame; in place, it starts with the CRC-32 of the
 * segment's target bytes.
 */
static void check_range_patch(const uint8_t *source, size_t source_size, const uint8_t *target,
                              size_t target_size, struct dfota_diff_options *opts)
{
    static const size_t feeds[] = {1, 64};
    struct dfota_patch_header rh, zh;
    struct test_patch tp;
    uint8_t *rp, *zp;
    size_t rsize, zsize, pos, f;
    uint32_t s;
    int in_place = opts->in_place;

    opts->codec = DFOTA_CODEC_RANGE_ID;
    rp = test_diff(source, source_size, target, target_size, opts, &rsize);
    opts->codec = DFOTA_CODEC_ZSTD_ID;
    opts->window_log = 0;
    zp = test_diff(source, source_size, target, target_size, opts, &zsize);
    assert_int_equal(dfota_patch_check_layout(rp, rsize, &rh, NULL), DFOTA_OK);
    assert_int_equal(dfota_patch_header_decode(zp, zsize, &zh, NULL), DFOTA_OK);
    assert_int_equal(rh.codec, DFOTA_CODEC_RANGE_ID);
    assert_int_equal(rh.workspace_size,
                     dfota_apply_workspace_for(DFOTA_CODEC_RANGE_ID, rh.window_log, rh.map_count, rh.region_count));
    /* Same decisions: only the codec differs (in place also the order may). */
    assert_int_equal(rh.predict, zh.predict);
    assert_int_equal(rh.map_count, zh.map_count);
    assert_int_equal(rh.segment_count, zh.segment_count);
    if (!in_place)
        assert_int_equal(rh.flags, zh.flags);
    if (rh.flags != zh.flags) {
        free(rp);
        free(zp);
        return;
    }
    test_patch_parse(zp, zsize, &tp);
    pos = DFOTA_PATCH_HEADER_SIZE + dfota_patch_tables_size(&rh);
    for (s = 0; s < rh.segment_count; s++) {
        uint32_t seg = dfota_patch_segment_at(&rh, s);
        uint32_t start = seg * rh.segment_size;
        uint32_t len = target_size - start < rh.segment_size ? (uint32_t)(target_size - start)
                                                             : rh.segment_size;
        uint32_t frame = dfota_get_le32(rp + pos), crc = in_place ? 4u : 0u;
        const uint8_t *coded = rp + pos + DFOTA_PATCH_SEGMENT_HEADER_SIZE + crc;

        assert_int_equal(dfota_get_le32(rp + pos + 4), tp.segments[s].source_pos);
        if (in_place)
            assert_int_equal(dfota_get_le32(rp + pos + DFOTA_PATCH_SEGMENT_HEADER_SIZE),
                             dfota_crc32(0, target + start, len));
        for (f = 0; f < COUNT(feeds); f++) {
            struct rc_decode r;

            assert_true(rc_decode_init(&r, coded, frame - crc, len, rh.window_log, feeds[f], 64));
            assert_null(rc_decode(&r));
            assert_int_equal(r.result, DFOTA_RCDEC_DONE);
            assert_int_equal(r.fed, frame - crc);
            assert_int_equal(r.out_len, tp.segments[s].records_len);
            assert_memory_equal(r.out, tp.segments[s].records, r.out_len);
            free(r.out);
        }
        pos += DFOTA_PATCH_SEGMENT_HEADER_SIZE + frame;
    }
    assert_int_equal(pos, rsize);
    test_patch_release(&tp);
    free(rp);
    free(zp);
}

static void range_frames_hold_the_zstd_frames_records(void **state)
{
    static const uint32_t segment_sizes[] = {4096, 65536};
    static const unsigned histories[] = {8, 10, 12};
    static const unsigned predictions[] = {DFOTA_DIFF_PREDICT_AUTO, 0};
    struct dfota_diff_options opts;
    uint8_t *a03, *a04;
    size_t a03_size, a04_size, s, h, p, i;

    (void)state;
    load_samples(&a03, &a03_size, &a04, &a04_size);
    for (s = 0; s < COUNT(segment_sizes); s++)
        for (h = 0; h < COUNT(histories); h++)
            for (p = 0; p < COUNT(predictions); p++)
                for (i = 0; i < 2; i++) {
                    test_diff_options(&opts, predictions[p]);
                    opts.segment_size = segment_sizes[s];
                    opts.window_log = histories[h];
                    opts.in_place = (int)i;
                    check_range_patch(a03, a03_size, a04, a04_size, &opts);
                }
    /* Edges: empty images, one byte over a segment. */
    test_diff_options(&opts, DFOTA_DIFF_PREDICT_AUTO);
    check_range_patch(a03, 0, a04, 5000, &opts);
    test_diff_options(&opts, DFOTA_DIFF_PREDICT_AUTO);
    check_range_patch(a03, a03_size, a04, 0, &opts);
    test_diff_options(&opts, DFOTA_DIFF_PREDICT_AUTO);
    check_range_patch(a03, a03_size, a04, 4097, &opts);
    free(a03);
    free(a04);
}

static void patch_header_describes_the_images(void **state)
{
    static const uint32_t segment_sizes[] = {4096, 65536, 1u << 20};
    static const unsigned window_logs[] = {10, 13};
    static const unsigned predictions[] = {DFOTA_DIFF_PREDICT_AUTO, 0, DFOTA_PREDICT_BRANCH,
                                           DFOTA_PREDICT_POINTER, DFOTA_PREDICT_ALL};
    struct dfota_diff_options opts;
    uint8_t *a03, *a04;
    size_t a03_size, a04_size, s, w, p;

    (void)state;
    load_samples(&a03, &a03_size, &a04, &a04_size);
    for (s = 0; s < COUNT(segment_sizes); s++)
        for (w = 0; w < COUNT(window_logs); w++)
            for (p = 0; p < COUNT(predictions); p++) {
                test_diff_options(&opts, predictions[p]);
                opts.segment_size = segment_sizes[s];
                opts.codec = DFOTA_CODEC_ZSTD_ID;
                opts.window_log = window_logs[w];
                check_patch(a03, a03_size, a04, a04_size, &opts);
            }
    /* Edge sizes: empty images, a target of exactly one segment and one byte more. */
    test_diff_options(&opts, DFOTA_DIFF_PREDICT_AUTO);
    opts.segment_size = 4096;
    opts.codec = DFOTA_CODEC_ZSTD_ID;
    opts.window_log = 13;
    check_patch(a03, 0, a04, 5000, &opts);
    check_patch(a03, a03_size, a04, 0, &opts);
    check_patch(a03, 0, a04, 0, &opts);
    check_patch(a03, a03_size, a04, 4096, &opts);
    check_patch(a03, a03_size, a04, 4097, &opts);
    free(a03);
    free(a04);
}

/*
 * A program followed by many small copies of one piece of it, each a few
 * bytes further than the last: the copies' branch sites disagree about how
 * far the same targets moved, block after block and within a block, which
 * makes target regions. Their starts must still increase (a block whose own
 * sites disagree starts no second region where its first began), and the
 * patch must be one the readers take and that rebuilds the image.
 */
static void conflicting_copies_make_a_valid_region_table(void **state)
{
    struct dfota_diff_options opts;
    struct dfota_patch_header hdr;
    uint8_t *source = test_alloc(1u << 20), *target = test_alloc(1u << 21), *patch;
    size_t source_size, target_size, patch_size, k, i;
    uint32_t previous = 0, t, targets = 0;
    const uint8_t *e;

    (void)state;
    source_size = test_thumb_image(source, 1u << 20, 21, 300, TEST_THUMB_NO_INSERT, 0x08000000u);
    target_size = test_thumb_image(target, 1u << 21, 21, 300, 37, 0x08000000u);
    assert_true(source_size > 40000);
    for (k = 0; k < 24; k++) {
        size_t off = 20000 + (k % 3) * 1024;

        for (i = 0; i < 97 * (k + 1) % 53 + 3; i++)
            target[target_size++] = (uint8_t)(k * 31 + i);
        memcpy(target + target_size, source + off, 2048);
        target_size += 2048;
    }
    test_diff_options(&opts, DFOTA_DIFF_PREDICT_AUTO);
    patch = test_diff(source, source_size, target, target_size, &opts, &patch_size);
    assert_int_equal(dfota_patch_check_layout(patch, patch_size, &hdr, NULL), DFOTA_OK);
    assert_true(hdr.predict != 0);
    e = patch + DFOTA_PATCH_HEADER_SIZE + (size_t)hdr.map_count * DFOTA_PATCH_MAP_ENTRY_SIZE;
    for (k = 0; k < hdr.region_count && (e[16 * k + 4] & DFOTA_PATCH_REGION_TARGET); k++) {
        t = dfota_get_le32(e + 16 * k);
        assert_true(k == 0 ? t == 0 : t > previous);
        previous = t;
        targets++;
    }
    assert_true(targets > 1); /* the copies made regions */
    {
        struct test_apply_params params;
        struct test_apply_result res;

        test_apply_params_init(&params);
        assert_int_equal(test_apply(source, source_size, patch, patch_size, &params, &res),
                         DFOTA_OK);
        test_assert_flash_holds(&res, target, target_size);
        test_apply_result_release(&res);
    }
    free(patch);
    free(source);
    free(target);
}

static void prediction_auto_picks_what_pays(void **state)
{
    struct dfota_diff_options opts;
    struct dfota_patch_header hdr;
    uint8_t *a03, *a04, *patch, *noise, *noise2;
    size_t a03_size, a04_size, patch_size;
    struct test_rng r = {3};

    (void)state;
    load_samples(&a03, &a03_size, &a04, &a04_size);
    test_diff_options(&opts, DFOTA_DIFF_PREDICT_AUTO);
    /* The real firmware: calls and pointers moved, both predictions pay. */
    patch = test_diff(a03, a03_size, a04, a04_size, &opts, &patch_size);
    assert_int_equal(dfota_patch_header_decode(patch, patch_size, &hdr, NULL), DFOTA_OK);
    assert_int_equal(hdr.predict, DFOTA_PREDICT_ALL);
    /* Cortex-M flash on this part starts at 0x08000000; the image is linked after a boot loader. */
    assert_non_null(test_patch_source_region(patch, 0));
    assert_int_equal(dfota_get_le32(test_patch_source_region(patch, 0) + 8) & 0xFF000000u,
                     0x08000000u); /* the first source region's pointer base */
    assert_true(hdr.map_count >= 2);
    free(patch);
    /* Random bytes with a little rewritten: nothing to predict. */
    noise = test_alloc(32768);
    noise2 = test_alloc(32768);
    test_rng_fill(&r, noise, 32768);
    memcpy(noise2, noise, 32768);
    noise2[100] ^= 1;
    noise2[20000] ^= 0x80;
    patch = test_diff(noise, 32768, noise2, 32768, &opts, &patch_size);
    assert_int_equal(dfota_patch_header_decode(patch, patch_size, &hdr, NULL), DFOTA_OK);
    assert_int_equal(hdr.predict, 0);
    assert_int_equal(hdr.map_count, 0);
    assert_int_equal(hdr.region_count, 0);
    free(patch);
    free(noise);
    free(noise2);
    free(a03);
    free(a04);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(same_inputs_give_the_same_patch),
        cmocka_unit_test(progress_runs_to_the_total),
        cmocka_unit_test(bad_options_are_refused),
        cmocka_unit_test(defaults_are_documented),
        cmocka_unit_test(images_too_large_are_refused),
        cmocka_unit_test(patch_header_describes_the_images),
        cmocka_unit_test(range_frames_hold_the_zstd_frames_records),
        cmocka_unit_test(prediction_auto_picks_what_pays),
        cmocka_unit_test(conflicting_copies_make_a_valid_region_table),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
