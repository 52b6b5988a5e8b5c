/*
 * test_apply.c - patches made by diffgen rebuild the target bit-exactly
 * through the streaming applier into a simulated NOR flash, whatever the
 * chunking of the pushed patch, the prediction, the segment size, the zstd
 * window and the flash geometry; progress is reported as configured.
 */
#include "test_helpers.h"

#include "apply_helpers.h"

#ifndef DFOTA_SOURCE_DIR
#error "DFOTA_SOURCE_DIR must name the source tree (tests/CMakeLists.txt sets it)"
#endif

static const size_t chunk_sizes[] = {1, 7, 4096, TEST_CHUNK_WHOLE};
static const unsigned predictions[] = {DFOTA_DIFF_PREDICT_AUTO, 0};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Apply `patch` at every chunk size with `base` parameters; each result bit-exact. */
static void apply_at_every_chunk_size(const uint8_t *source, size_t source_size,
                                      const uint8_t *target, size_t target_size,
                                      const uint8_t *patch, size_t patch_size,
                                      const struct test_apply_params *base)
{
    struct test_apply_params params = *base;
    struct test_apply_result res;
    size_t c;

    for (c = 0; c < COUNT(chunk_sizes); c++) {
        params.chunk = chunk_sizes[c];
        test_apply(source, source_size, patch, patch_size, &params, &res);
        if (res.status != DFOTA_OK)
            fail_msg("chunk %zu: %s: %s", chunk_sizes[c], dfota_status_name(res.status),
                     res.error.message);
        test_assert_flash_holds(&res, target, target_size);
        test_apply_result_release(&res);
    }
}

/* Diff with `opts`, apply at every chunk size; returns the patch size. */
static size_t round_trip_with(const uint8_t *source, size_t source_size, const uint8_t *target,
                              size_t target_size, const struct dfota_diff_options *opts,
                              const struct test_apply_params *params)
{
    size_t patch_size;
    uint8_t *patch = test_diff(source, source_size, target, target_size, opts, &patch_size);

    apply_at_every_chunk_size(source, source_size, target, target_size, patch, patch_size,
                              params);
    free(patch);
    return patch_size;
}

/* Round trip with prediction auto and none; the patch sizes in sizes[0], sizes[1]. */
static void round_trip(const uint8_t *source, size_t source_size, const uint8_t *target,
                       size_t target_size, size_t sizes[2])
{
    struct dfota_diff_options opts;
    struct test_apply_params params;
    size_t p, ignored[2];

    if (sizes == NULL)
        sizes = ignored;
    test_apply_params_init(&params);
    for (p = 0; p < COUNT(predictions); p++) {
        test_diff_options(&opts, predictions[p]);
        sizes[p] = round_trip_with(source, source_size, target, target_size, &opts, &params);
    }
}

/* Firmware-like image: Thumb code and pointers, about `size` bytes (at most). */
static uint8_t *thumb_image(size_t cap, uint32_t seed, uint32_t funcs, uint32_t insert_before,
                            size_t *size)
{
    uint8_t *image = test_alloc(cap);

    *size = test_thumb_image(image, cap, seed, funcs, insert_before, 0x08000000u);
    assert_true(*size > 0);
    return image;
}

static void identical_images_round_trip(void **state)
{
    size_t size, sizes[2];
    uint8_t *image = thumb_image(1u << 20, 1, 200, TEST_THUMB_NO_INSERT, &size);

    (void)state;
    round_trip(image, size, image, size, sizes);
    /* Nothing changed: a few bytes of records per segment. */
    assert_true(sizes[0] < DFOTA_PATCH_HEADER_SIZE + 400);
    assert_true(sizes[1] < DFOTA_PATCH_HEADER_SIZE + 400);
    free(image);
}

static void empty_source_round_trip(void **state)
{
    size_t size;
    uint8_t *image = thumb_image(1u << 20, 2, 40, TEST_THUMB_NO_INSERT, &size);

    (void)state;
    round_trip(image, 0, image, size, NULL);
    free(image);
}

static void empty_target_round_trip(void **state)
{
    struct dfota_diff_options opts;
    struct test_apply_params params;
    struct test_apply_result res;
    size_t size, patch_size, p, c;
    uint8_t *image = thumb_image(1u << 20, 3, 40, TEST_THUMB_NO_INSERT, &size), *patch;

    (void)state;
    round_trip(image, size, image, 0, NULL);
    /* Nothing to write: the target area is left alone. */
    test_apply_params_init(&params);
    for (p = 0; p < COUNT(predictions); p++) {
        test_diff_options(&opts, predictions[p]);
        patch = test_diff(image, size, image, 0, &opts, &patch_size);
        for (c = 0; c < COUNT(chunk_sizes); c++) {
            params.chunk = chunk_sizes[c];
            assert_int_equal(test_apply(image, size, patch, patch_size, &params, &res), DFOTA_OK);
            assert_int_equal(res.device.erases, 0);
            assert_int_equal(res.device.writes, 0);
            assert_true(res.device.reads > 0); /* the source was still checked */
            test_apply_result_release(&res);
        }
        free(patch);
    }
    free(image);
}

static void both_empty_round_trip(void **state)
{
    uint8_t nothing[1] = {0};

    (void)state;
    round_trip(nothing, 0, nothing, 0, NULL);
}

/* 128 KiB of firmware-like bytes (code-ish random words, tables). */
#define PLAIN_SIZE (128u * 1024u)

static void insertion_near_start_round_trip(void **state)
{
    uint8_t *source = test_alloc(PLAIN_SIZE), *target = test_alloc(PLAIN_SIZE + 100);
    struct test_rng r = {11};
    size_t sizes[2];

    (void)state;
    test_fill_image(source, PLAIN_SIZE, 11);
    memcpy(target, source, 1000);
    test_rng_fill(&r, target + 1000, 100);
    memcpy(target + 1100, source + 1000, PLAIN_SIZE - 1000);
    round_trip(source, PLAIN_SIZE, target, PLAIN_SIZE + 100, sizes);
    /* Everything after the insertion is found again: the 100 new bytes plus overhead. */
    assert_true(sizes[1] < 1024);
    free(source);
    free(target);
}

static void deletion_round_trip(void **state)
{
    uint8_t *source = test_alloc(PLAIN_SIZE), *target = test_alloc(PLAIN_SIZE);
    size_t sizes[2];

    (void)state;
    test_fill_image(source, PLAIN_SIZE, 12);
    memcpy(target, source, 40000);
    memcpy(target + 40000, source + 43000, PLAIN_SIZE - 43000);
    round_trip(source, PLAIN_SIZE, target, PLAIN_SIZE - 3000, sizes);
    assert_true(sizes[1] < 1024);
    free(source);
    free(target);
}

static void block_move_round_trip(void **state)
{
    uint8_t *source = test_alloc(PLAIN_SIZE), *target = test_alloc(PLAIN_SIZE);
    size_t sizes[2];

    (void)state;
    test_fill_image(source, PLAIN_SIZE, 13);
    /* [10000, 18192) moves to 90000: what was between moves down. */
    memcpy(target, source, 10000);
    memcpy(target + 10000, source + 18192, 90000 - 10000);
    memcpy(target + 90000, source + 10000, 8192);
    memcpy(target + 98192, source + 98192, PLAIN_SIZE - 98192);
    round_trip(source, PLAIN_SIZE, target, PLAIN_SIZE, sizes);
    assert_true(sizes[1] < 1024);
    free(source);
    free(target);
}

/* Rewrite `per_mille` / 1000 of the bytes (distinct positions, new values). */
static void random_rewrite(uint8_t *image, size_t size, unsigned per_mille, uint64_t seed)
{
    struct test_rng r = {seed};
    size_t i;

    for (i = 0; i < size; i++)
        if (per_mille >= 1000 || test_rng_next(&r) % 1000 < per_mille)
            image[i] = (uint8_t)(image[i] + 1 + test_rng_next(&r) % 255);
}

static void random_rewrites_round_trip(void **state)
{
    static const unsigned rates[] = {10, 100, 1000};
    const size_t size = 64u * 1024u;
    uint8_t *source = test_alloc(size), *target = test_alloc(size);
    size_t k, i, changed, sizes[2];

    (void)state;
    test_fill_image(source, size, 14);
    for (k = 0; k < COUNT(rates); k++) {
        memcpy(target, source, size);
        random_rewrite(target, size, rates[k], 100 + k);
        for (i = 0, changed = 0; i < size; i++)
            changed += source[i] != target[i];
        /* The rewrite did what it says (1%, 10%, every byte). */
        assert_true(changed * 1000 >= size * rates[k] * 8 / 10);
        assert_true(changed * 1000 <= size * rates[k] * 12 / 10);
        round_trip(source, size, target, size, sizes);
    }
    free(source);
    free(target);
}

static void zero_and_erased_runs_round_trip(void **state)
{
    const size_t size = 300u * 1024u;
    uint8_t *source = test_alloc(size), *target = test_alloc(size);
    static const uint8_t fills[] = {0x00, 0xFF};
    size_t k, sizes[2];

    (void)state;
    for (k = 0; k < COUNT(fills); k++) {
        memset(source, fills[k], size);
        memcpy(target, source, size);
        target[0] ^= 0x5A;
        target[4097] = 0x12;
        target[size / 2] = 0x34;
        memcpy(target + 200000, "BC25R01A04", 10);
        target[size - 1] = 0x77;
        round_trip(source, size, target, size, sizes);
        assert_true(sizes[0] < 1024 && sizes[1] < 1024);
        /* And the other way round: a run of one value becomes a run of the other. */
        memset(target, fills[1 - k], size);
        round_trip(source, size, target, size, sizes);
        assert_true(sizes[0] < 1024 && sizes[1] < 1024);
    }
    free(source);
    free(target);
}

static void moved_calls_and_pointers_are_predicted(void **state)
{
    struct dfota_diff_options opts;
    struct test_apply_params params;
    struct dfota_patch_header hdr;
    size_t source_size, target_size, predicted, plain, patch_size;
    uint8_t *source = thumb_image(1u << 20, 21, 600, TEST_THUMB_NO_INSERT, &source_size);
    uint8_t *target = thumb_image(1u << 20, 21, 600, 37, &target_size);
    uint8_t *patch;

    (void)state;
    assert_true(target_size > source_size);
    test_apply_params_init(&params);
    test_diff_options(&opts, DFOTA_DIFF_PREDICT_AUTO);
    patch = test_diff(source, source_size, target, target_size, &opts, &patch_size);
    assert_int_equal(dfota_patch_header_decode(patch, patch_size, &hdr, NULL), DFOTA_OK);
    /* Both predictions pay on this image, and the pointer base is found. */
    assert_int_equal(hdr.predict, DFOTA_PREDICT_ALL);
    assert_non_null(test_patch_source_region(patch, 0));
    assert_int_equal(dfota_get_le32(test_patch_source_region(patch, 0) + 8),
                     0x08000000u); /* the first source region's pointer base */
    assert_true(hdr.map_count >= 2);
    apply_at_every_chunk_size(source, source_size, target, target_size, patch, patch_size,
                              &params);
    predicted = patch_size;
    free(patch);

    test_diff_options(&opts, 0);
    plain = round_trip_with(source, source_size, target, target_size, &opts, &params);
    print_message("thumb image %zu -> %zu bytes: patch %zu bytes predicted, %zu plain\n",
                  source_size, target_size, predicted, plain);
    assert_true(predicted < plain);
    /* Not by a little: most moved calls and pointers cost nothing. */
    assert_true(predicted * 2 < plain);

    /* Each prediction alone is applied correctly too. */
    opts.predict = DFOTA_PREDICT_BRANCH;
    assert_true(round_trip_with(source, source_size, target, target_size, &opts, &params) <
                plain);
    opts.predict = DFOTA_PREDICT_POINTER;
    assert_true(round_trip_with(source, source_size, target, target_size, &opts, &params) <
                plain);
    free(source);
    free(target);
}

/* A part of a bundled image: a Thumb image linked at `address`, `insert`
 * as test_thumb_image() has it, at `*at` in `out` (which grows). */
static void put_part(uint8_t *out, size_t *at, uint32_t seed, uint32_t insert, uint32_t address)
{
    size_t n = test_thumb_image(out + *at, 1u << 19, seed, 300, insert, address);

    assert_true(n > 0);
    *at += n;
}

/*
 * An image that bundles two programs linked at different addresses, with
 * data between them: each part gets its own region and pointer base, the
 * data none, and the patch is smaller than without prediction, and than
 * with the whole image predicted one way.
 */
static void bundled_parts_get_regions_of_their_own(void **state)
{
    struct dfota_diff_options opts;
    struct test_apply_params params;
    struct dfota_patch_header hdr;
    struct test_rng r = {5};
    uint8_t *source = test_alloc(3u << 20), *target = test_alloc(3u << 20), *patch;
    size_t source_size = 0, target_size = 0, patch_size, plain, one_way, k;
    uint32_t bases[DFOTA_PREDICT_REGION_MAX], base_count = 0, i;
    const uint8_t *regions;

    (void)state;
    put_part(source, &source_size, 21, TEST_THUMB_NO_INSERT, 0x08000000u);
    put_part(target, &target_size, 21, 37, 0x08000000u);
    /* 64 KiB of data, the same in both but for a few bytes. */
    test_rng_fill(&r, source + source_size, 65536);
    memcpy(target + target_size, source + source_size, 65536);
    for (k = 100; k < 65536; k += 9000)
        target[target_size + k] ^= 0x11;
    source_size += 65536;
    target_size += 65536;
    put_part(source, &source_size, 9, TEST_THUMB_NO_INSERT, 0x00400000u);
    put_part(target, &target_size, 9, 150, 0x00400000u);
    test_apply_params_init(&params);
    test_diff_options(&opts, DFOTA_DIFF_PREDICT_AUTO);
    patch = test_diff(source, source_size, target, target_size, &opts, &patch_size);
    assert_int_equal(dfota_patch_header_decode(patch, patch_size, &hdr, NULL), DFOTA_OK);
    assert_true(hdr.region_count >= 2);
    regions = patch + DFOTA_PATCH_HEADER_SIZE + (size_t)hdr.map_count * DFOTA_PATCH_MAP_ENTRY_SIZE;
    for (i = 0; i < hdr.region_count; i++) {
        const uint8_t *e = regions + (size_t)i * DFOTA_PATCH_REGION_ENTRY_SIZE;
        uint32_t b = dfota_get_le32(e + 8), j;

        if ((e[4] & DFOTA_PATCH_REGION_TARGET) || !(e[4] & DFOTA_PREDICT_POINTER))
            continue;
        for (j = 0; j < base_count && bases[j] != b; j++)
            ;
        if (j == base_count)
            bases[base_count++] = b;
    }
    /* The two programs' pointers need two bases. */
    assert_true(base_count >= 2);
    apply_at_every_chunk_size(source, source_size, target, target_size, patch, patch_size,
                              &params);
    free(patch);
    test_diff_options(&opts, 0);
    plain = round_trip_with(source, source_size, target, target_size, &opts, &params);
    test_diff_options(&opts, DFOTA_PREDICT_ALL);
    one_way = round_trip_with(source, source_size, target, target_size, &opts, &params);
    print_message("bundled image %zu -> %zu bytes: %zu bytes with regions (%u), %zu predicted "
                  "one way, %zu plain\n",
                  source_size, target_size, patch_size, (unsigned)hdr.region_count, one_way,
                  plain);
    assert_true(patch_size < plain);
    assert_true(patch_size < one_way);
    free(source);
    free(target);
}

static void load_samples(uint8_t **a03, size_t *a03_size, uint8_t **a04, size_t *a04_size)
{
    *a03 = test_read_file(DFOTA_SOURCE_DIR "/samples/BC25R01A03.bin", a03_size);
    *a04 = test_read_file(DFOTA_SOURCE_DIR "/samples/BC25R01A04.bin", a04_size);
}

static void sample_firmware_round_trip(void **state)
{
    uint8_t *a03, *a04;
    size_t a03_size, a04_size, sizes[2];

    (void)state;
    load_samples(&a03, &a03_size, &a04, &a04_size);
    round_trip(a03, a03_size, a04, a04_size, sizes);
    print_message("BC25R01A03 -> BC25R01A04: %zu bytes predicted, %zu plain\n", sizes[0],
                  sizes[1]);
    /* bsdiff needs 4300 bytes for this pair. */
    assert_true(sizes[0] < 4300);
    assert_true(sizes[0] < sizes[1]);
    /* And back. */
    round_trip(a04, a04_size, a03, a03_size, NULL);
    free(a03);
    free(a04);
}

static void unaligned_target_size_fills_the_last_unit(void **state)
{
    static const uint32_t aligns[] = {1, 4, 8};
    static const uint32_t erase_sizes[] = {4096, 65536};
    const size_t size = 100003;
    struct dfota_diff_options opts;
    struct test_apply_params params;
    struct test_apply_result res;
    uint8_t *source = test_alloc(size), *target = test_alloc(size), *patch, *before;
    size_t a, e, c, patch_size;
    uint32_t end, i;

    (void)state;
    test_fill_image(source, size, 31);
    memcpy(target, source, size);
    random_rewrite(target, size, 20, 31);
    /* Never 0xFF at the end, so that padding bytes cannot pass for image bytes. */
    target[size - 1] = 0x42;
    test_diff_options(&opts, DFOTA_DIFF_PREDICT_AUTO);
    opts.segment_size = 65536;
    patch = test_diff(source, size, target, size, &opts, &patch_size);
    for (e = 0; e < COUNT(erase_sizes); e++) {
        for (a = 0; a < COUNT(aligns); a++) {
            for (c = 0; c < COUNT(chunk_sizes); c++) {
                test_apply_params_init(&params);
                params.erase_size = erase_sizes[e];
                params.write_align = aligns[a];
                params.chunk = chunk_sizes[c];
                /* A programmed flash one erase block larger than needed. */
                end = test_round_up((uint32_t)size, erase_sizes[e]);
                params.flash_size = end + erase_sizes[e];
                params.fill_flash = 1;
                test_apply(source, size, patch, patch_size, &params, &res);
                test_assert_flash_holds(&res, target, size);
                /* Every erase block of the image erased exactly once, nothing else. */
                assert_int_equal(res.device.flash.erases, end / erase_sizes[e]);
                for (i = 0; i < end / erase_sizes[e]; i++)
                    assert_int_equal(res.device.flash.block_erases[i], 1);
                assert_int_equal(res.device.flash.block_erases[end / erase_sizes[e]], 0);
                /* Every byte written once, the last unit padded to the write alignment. */
                assert_int_equal(res.device.flash.bytes_written,
                                 test_round_up((uint32_t)size, aligns[a]));
                /* The block after the image still holds what it held. */
                before = test_alloc(params.flash_size);
                test_programmed_flash(before, params.flash_size);
                assert_memory_equal(res.device.flash.mem + end, before + end, erase_sizes[e]);
                free(before);
                test_apply_result_release(&res);
            }
        }
    }
    free(patch);
    free(source);
    free(target);
}

static void segment_sizes_and_windows_round_trip(void **state)
{
    static const uint32_t segment_sizes[] = {4096, 65536};
    /* Codec and log: zstd windows 2^10 and 2^13, range histories 2^8 and 2^12. */
    static const unsigned codecs[] = {DFOTA_CODEC_ZSTD_ID, DFOTA_CODEC_ZSTD_ID,
                                      DFOTA_CODEC_RANGE_ID, DFOTA_CODEC_RANGE_ID};
    static const unsigned window_logs[] = {10, 13, 8, 12};
    struct dfota_diff_options opts;
    struct test_apply_params params;
    struct dfota_patch_header hdr;
    uint8_t *a03, *a04, *patch;
    size_t a03_size, a04_size, s, w, p, patch_size;

    (void)state;
    load_samples(&a03, &a03_size, &a04, &a04_size);
    test_apply_params_init(&params);
    for (s = 0; s < COUNT(segment_sizes); s++) {
        for (w = 0; w < COUNT(window_logs); w++) {
            for (p = 0; p < COUNT(predictions); p++) {
                test_diff_options(&opts, predictions[p]);
                opts.segment_size = segment_sizes[s];
                opts.codec = codecs[w];
                opts.window_log = window_logs[w];
                patch = test_diff(a03, a03_size, a04, a04_size, &opts, &patch_size);
                assert_int_equal(dfota_patch_header_decode(patch, patch_size, &hdr, NULL),
                                 DFOTA_OK);
                assert_int_equal(hdr.segment_size, segment_sizes[s]);
                assert_int_equal(hdr.window_log, window_logs[w]);
                assert_int_equal(hdr.codec, codecs[w]);
                assert_int_equal(hdr.segment_count,
                                 (a04_size + segment_sizes[s] - 1) / segment_sizes[s]);
                /* The workspace follows the window: exactly what this build needs. */
                params.workspace_size =
                    dfota_apply_workspace_need_for(hdr.codec, hdr.window_log, hdr.map_count, hdr.region_count);
                apply_at_every_chunk_size(a03, a03_size, a04, a04_size, patch, patch_size,
                                          &params);
                free(patch);
            }
        }
    }
    free(a03);
    free(a04);
}

/* Apply source -> target at every chunk size with `steps`: that many calls, k * 100 / steps. */
static void check_progress(const uint8_t *source, size_t source_size, const uint8_t *target,
                           size_t target_size, unsigned steps)
{
    struct dfota_diff_options opts;
    struct test_apply_params params;
    struct test_apply_result res;
    uint8_t *patch;
    size_t patch_size, c;
    unsigned k;

    test_diff_options(&opts, DFOTA_DIFF_PREDICT_AUTO);
    opts.segment_size = 4096;
    patch = test_diff(source, source_size, target, target_size, &opts, &patch_size);
    for (c = 0; c < COUNT(chunk_sizes); c++) {
        test_apply_params_init(&params);
        params.chunk = chunk_sizes[c];
        params.progress_steps = steps;
        test_apply(source, source_size, patch, patch_size, &params, &res);
        test_assert_flash_holds(&res, target, target_size);
        if (res.device.progress_calls != steps)
            fail_msg("%u progress calls for %u steps (target %zu bytes, chunk %zu)",
                     res.device.progress_calls, steps, target_size, chunk_sizes[c]);
        for (k = 0; k < steps; k++) {
            assert_true(res.device.progress[k] <= 100);
            if (k > 0 && res.device.progress[k] <= res.device.progress[k - 1])
                fail_msg("progress %u after %u", res.device.progress[k],
                         res.device.progress[k - 1]);
        }
        assert_int_equal(res.device.progress[steps - 1], 100);
        /* Steps are even: step k of n reports k * 100 / n percent. */
        for (k = 0; k < steps; k++)
            assert_int_equal(res.device.progress[k], (k + 1) * 100 / steps);
        test_apply_result_release(&res);
    }
    free(patch);
}

static void progress_is_reported_in_steps(void **state)
{
    static const unsigned steps[] = {5, 10, 100};
    uint8_t *a03, *a04;
    size_t a03_size, a04_size, k;

    (void)state;
    load_samples(&a03, &a03_size, &a04, &a04_size);
    for (k = 0; k < COUNT(steps); k++) {
        check_progress(a03, a03_size, a04, a04_size, steps[k]);
        /* A target smaller than the number of steps, and an empty one. */
        check_progress(a03, a03_size, a04, 10, steps[k]);
        check_progress(a03, a03_size, a04, 0, steps[k]);
    }
    free(a03);
    free(a04);
}

static void no_progress_when_not_asked(void **state)
{
    struct dfota_diff_options opts;
    struct test_apply_params params;
    struct test_apply_result res;
    uint8_t *a03, *a04, *patch;
    size_t a03_size, a04_size, patch_size;

    (void)state;
    load_samples(&a03, &a03_size, &a04, &a04_size);
    test_diff_options(&opts, DFOTA_DIFF_PREDICT_AUTO);
    patch = test_diff(a03, a03_size, a04, a04_size, &opts, &patch_size);
    test_apply_params_init(&params);
    params.progress_steps = 0;
    test_apply(a03, a03_size, patch, patch_size, &params, &res);
    test_assert_flash_holds(&res, a04, a04_size);
    assert_int_equal(res.device.progress_calls, 0);
    test_apply_result_release(&res);
    free(patch);
    free(a03);
    free(a04);
}

static void workspace_of_any_alignment_is_enough(void **state)
{
    struct dfota_patch_header hdr;
    struct dfota_diff_options opts;
    struct test_apply_params params;
    struct test_apply_result res;
    uint8_t *a03, *a04, *patch;
    size_t a03_size, a04_size, patch_size, misalign;

    (void)state;
    load_samples(&a03, &a03_size, &a04, &a04_size);
    test_diff_options(&opts, DFOTA_DIFF_PREDICT_AUTO);
    patch = test_diff(a03, a03_size, a04, a04_size, &opts, &patch_size);
    for (misalign = 0; misalign < 16; misalign++) {
        test_apply_params_init(&params);
        params.workspace_misalign = misalign;
        hdr = test_patch_header(patch, patch_size);
        params.workspace_size = dfota_apply_workspace_need_for(hdr.codec, hdr.window_log, hdr.map_count, hdr.region_count);
        assert_int_equal(hdr.workspace_size,
                         dfota_apply_workspace_for(hdr.codec, hdr.window_log, hdr.map_count, hdr.region_count));
        test_apply(a03, a03_size, patch, patch_size, &params, &res);
        test_assert_flash_holds(&res, a04, a04_size);
        test_apply_result_release(&res);
    }
    free(patch);
    free(a03);
    free(a04);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(identical_images_round_trip),
        cmocka_unit_test(empty_source_round_trip),
        cmocka_unit_test(empty_target_round_trip),
        cmocka_unit_test(both_empty_round_trip),
        cmocka_unit_test(insertion_near_start_round_trip),
        cmocka_unit_test(deletion_round_trip),
        cmocka_unit_test(block_move_round_trip),
        cmocka_unit_test(random_rewrites_round_trip),
        cmocka_unit_test(zero_and_erased_runs_round_trip),
        cmocka_unit_test(moved_calls_and_pointers_are_predicted),
        cmocka_unit_test(bundled_parts_get_regions_of_their_own),
        cmocka_unit_test(sample_firmware_round_trip),
        cmocka_unit_test(unaligned_target_size_fills_the_last_unit),
        cmocka_unit_test(segment_sizes_and_windows_round_trip),
        cmocka_unit_test(progress_is_reported_in_steps),
        cmocka_unit_test(no_progress_when_not_asked),
        cmocka_unit_test(workspace_of_any_alignment_is_enough),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
