/*
 * test_apply_range.c - the applier on range-coded patches (codec 1, the
 * default) of the sample firmware (samples/BC25R01A03.bin -> A04):
 *
 *   - two-bank (tests/apply_helpers.h, flash simulator): bit-exact in push
 *     chunks of 1, 7, 64, 4096 bytes and whole; every frame byte changed
 *     (xor 0x01) is refused with CORRUPT_PATCH or TARGET_MISMATCH, or
 *     rebuilds the exact target: never a crash, never OK with a wrong image;
 *   - in place (a simulated module, dfota/devsim.h): bit-exact in the same
 *     chunk sizes; a changed frame byte is caught before the area is touched
 *     for its segment (the frame's CRC-32 of the segment's target bytes,
 *     checked while the segment is still in scratch): the area still holds
 *     the source wherever no earlier segment was applied; a wrong stored
 *     CRC-32 is refused, saying so; a frame re-coded from records of other
 *     target bytes (valid for the decoder and the record parser) is stopped
 *     by the CRC-32 in place and by the target's SHA-256 two-bank.
 */
#include "test_helpers.h"

#include <stdio.h>
#include <stdlib.h>

#include "apply_helpers.h"
#include "dfota/devsim.h"
#include "dfota/rcdec.h"
#include "rc_records.h"
#include "rcenc.h"

#ifndef DFOTA_SOURCE_DIR
#error "DFOTA_SOURCE_DIR must name the source tree (tests/CMakeLists.txt sets it)"
#endif

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define FRAMES_MAX 64

static const size_t chunks[] = {1, 7, 64, 4096, TEST_CHUNK_WHOLE};

struct samples {
    uint8_t *a03, *a04;
    size_t a03_size, a04_size;
};

static void load_samples(struct samples *s)
{
    s->a03 = test_read_file(DFOTA_SOURCE_DIR "/samples/BC25R01A03.bin", &s->a03_size);
    s->a04 = test_read_file(DFOTA_SOURCE_DIR "/samples/BC25R01A04.bin", &s->a04_size);
}

static void free_samples(struct samples *s)
{
    free(s->a03);
    free(s->a04);
}

/* Where the segment frames of a patch are, in patch order. */
struct frames {
    size_t count;
    size_t offset[FRAMES_MAX]; /* of the frame's first byte in the patch */
    uint32_t size[FRAMES_MAX];
    uint32_t segment[FRAMES_MAX]; /* the segment it rebuilds */
};

static void find_frames(const uint8_t *patch, size_t patch_size, struct frames *f)
{
    struct dfota_patch_header hdr = test_patch_header(patch, patch_size);
    size_t pos = DFOTA_PATCH_HEADER_SIZE + dfota_patch_tables_size(&hdr);
    uint32_t step;

    assert_true(hdr.segment_count <= FRAMES_MAX);
    f->count = hdr.segment_count;
    for (step = 0; step < hdr.segment_count; step++) {
        assert_true(pos + DFOTA_PATCH_SEGMENT_HEADER_SIZE <= patch_size);
        f->size[step] = dfota_get_le32(patch + pos);
        f->offset[step] = pos + DFOTA_PATCH_SEGMENT_HEADER_SIZE;
        f->segment[step] = dfota_patch_segment_at(&hdr, step);
        pos = f->offset[step] + f->size[step];
    }
    assert_int_equal(pos, patch_size);
}

/* The default patch (the range codec), two-bank or in place; asserts its codec. */
static uint8_t *range_patch(const struct samples *s, int in_place, size_t *size,
                            struct dfota_patch_header *hdr)
{
    struct dfota_diff_options opts;
    uint8_t *patch;

    dfota_diff_options_init(&opts);
    opts.in_place = in_place;
    patch = test_diff(s->a03, s->a03_size, s->a04, s->a04_size, &opts, size);
    *hdr = test_patch_header(patch, *size);
    assert_int_equal(hdr->codec, DFOTA_CODEC_RANGE_ID);
    assert_int_equal(patch[102], DFOTA_CODEC_RANGE_ID);
    assert_int_equal(hdr->window_log, DFOTA_RC_HISTORY_LOG_DEFAULT);
    assert_true(hdr->segment_count >= 2);
    assert_int_equal(!!(hdr->flags & DFOTA_PATCH_FLAG_IN_PLACE), in_place);
    return patch;
}

/* ---- two-bank ---- */

static void two_bank_in_every_chunk_size(void **state)
{
    struct samples s;
    struct dfota_patch_header hdr;
    struct test_apply_params params;
    struct test_apply_result res;
    size_t size, c;
    uint8_t *patch;

    (void)state;
    load_samples(&s);
    patch = range_patch(&s, 0, &size, &hdr);
    for (c = 0; c < COUNT(chunks); c++) {
        test_apply_params_init(&params);
        params.chunk = chunks[c];
        test_apply(s.a03, s.a03_size, patch, size, &params, &res);
        test_assert_flash_holds(&res, s.a04, s.a04_size);
        test_apply_result_release(&res);
    }
    free(patch);
    free_samples(&s);
}

static void two_bank_every_frame_byte_changed(void **state)
{
    struct samples s;
    struct dfota_patch_header hdr;
    struct test_apply_params params;
    struct test_apply_result res;
    struct frames f;
    size_t size, k, i, corrupt = 0, mismatch = 0, rebuilt = 0;
    uint8_t *patch, *bad;

    (void)state;
    load_samples(&s);
    patch = range_patch(&s, 0, &size, &hdr);
    find_frames(patch, size, &f);
    bad = test_alloc(size);
    test_apply_params_init(&params);
    for (k = 0; k < f.count; k++) {
        for (i = 0; i < f.size[k]; i++) {
            memcpy(bad, patch, size);
            bad[f.offset[k] + i] ^= 0x01;
            test_apply(s.a03, s.a03_size, bad, size, &params, &res);
            if (res.status == DFOTA_OK) {
                /* Only if it decodes to the very same target. */
                test_assert_flash_holds(&res, s.a04, s.a04_size);
                rebuilt++;
            } else if (res.status == DFOTA_E_CORRUPT_PATCH) {
                corrupt++;
            } else if (res.status == DFOTA_E_TARGET_MISMATCH) {
                mismatch++;
            } else {
                fail_msg("frame %zu byte %zu: %s (%s)", k, i, dfota_status_name(res.status),
                         res.error.message);
            }
            test_apply_result_release(&res);
        }
    }
    printf("[ RANGE    ] two-bank, %zu frame bytes changed: %zu corrupt, %zu target mismatch, "
           "%zu rebuilt the target\n",
           corrupt + mismatch + rebuilt, corrupt, mismatch, rebuilt);
    assert_true(corrupt > 0);
    free(bad);
    free(patch);
    free_samples(&s);
}

/* ---- in place ---- */

struct module {
    struct dfota_devsim d;
    uint8_t *area_before; /* the area as it was before the run (source, then erased bytes) */
};

/* A fresh simulated module holding the source; runs the patch once. */
static enum dfota_status run_in_place(const struct samples *s, const uint8_t *patch,
                                      size_t patch_size, size_t chunk, struct module *m,
                                      struct dfota_error *err)
{
    struct dfota_patch_header hdr = test_patch_header(patch, patch_size);
    struct dfota_devsim_run_options run;
    struct dfota_devsim_outcome out;
    enum dfota_status st;

    dfota_error_clear(err);
    if (dfota_devsim_create(&m->d, &hdr, s->a03, s->a03_size, 4096, 4, 64u << 20, err) !=
        DFOTA_OK)
        fail_msg("devsim_create: %s", err->message);
    assert_true(m->d.in_place);
    m->area_before = test_alloc(m->d.target_capacity);
    memcpy(m->area_before, dfota_devsim_target(&m->d), m->d.target_capacity);
    memset(&run, 0, sizeof(run));
    run.chunk_size = chunk == TEST_CHUNK_WHOLE ? 0 : chunk;
    st = dfota_devsim_run(&m->d, patch, patch_size, &run, &out, err);
    assert_false(out.resumed);
    return st;
}

static void module_free(struct module *m)
{
    free(m->area_before);
    dfota_devsim_free(&m->d);
}

static void assert_area_holds_target(const struct module *m, const struct samples *s)
{
    const uint8_t *area = dfota_devsim_target(&m->d);
    size_t i;

    for (i = 0; i < s->a04_size && area[i] == s->a04[i]; i++)
        ;
    if (i != s->a04_size)
        fail_msg("area byte %zu is 0x%02x, the target's 0x%02x", i, area[i], s->a04[i]);
}

/* The area of every segment applied at step `failed` or later is as it was. */
static void assert_untouched_from(const struct module *m, const struct dfota_patch_header *hdr,
                                  const struct frames *f, size_t failed, const char *what)
{
    const uint8_t *area = dfota_devsim_target(&m->d);
    size_t k;

    for (k = failed; k < f->count; k++) {
        uint64_t start = (uint64_t)f->segment[k] * hdr->segment_size,
                 end = start + hdr->segment_size;

        if (end > m->d.target_capacity)
            end = m->d.target_capacity;
        if (start < end && memcmp(area + start, m->area_before + start, end - start) != 0)
            fail_msg("%s: the area of segment %lu (step %zu) changed, step %zu failed", what,
                     (unsigned long)f->segment[k], k, failed);
    }
}

static void in_place_in_every_chunk_size(void **state)
{
    struct samples s;
    struct dfota_patch_header hdr;
    struct dfota_error err;
    struct module m;
    size_t size, c;
    uint8_t *patch;

    (void)state;
    load_samples(&s);
    patch = range_patch(&s, 1, &size, &hdr);
    for (c = 0; c < COUNT(chunks); c++) {
        if (run_in_place(&s, patch, size, chunks[c], &m, &err) != DFOTA_OK)
            fail_msg("chunk %zu: %s", chunks[c], err.message);
        assert_area_holds_target(&m, &s);
        module_free(&m);
    }
    free(patch);
    free_samples(&s);
}

/*
 * A changed byte in the coded part of a frame (every byte of the first
 * frame, every 5th byte of the others): refused with CORRUPT_PATCH, the
 * area of its segment and of every later one still as it was; or the exact
 * target.
 */
static void in_place_changed_frame_byte_is_caught_in_scratch(void **state)
{
    struct samples s;
    struct dfota_patch_header hdr;
    struct dfota_error err;
    struct frames f;
    struct module m;
    size_t size, k, i, corrupt = 0, by_crc = 0, rebuilt = 0;
    uint8_t *patch, *bad;
    char what[96];

    (void)state;
    load_samples(&s);
    patch = range_patch(&s, 1, &size, &hdr);
    find_frames(patch, size, &f);
    bad = test_alloc(size);
    for (k = 0; k < f.count; k++) {
        assert_true(f.size[k] > 4);
        for (i = 4; i < f.size[k]; i += k == 0 ? 1 : 5) {
            enum dfota_status st;

            memcpy(bad, patch, size);
            bad[f.offset[k] + i] ^= 0x01;
            st = run_in_place(&s, bad, size, TEST_CHUNK_WHOLE, &m, &err);
            snprintf(what, sizeof(what), "step %zu, frame byte %zu", k, i);
            if (st == DFOTA_OK) {
                assert_area_holds_target(&m, &s);
                rebuilt++;
            } else {
                if (st != DFOTA_E_CORRUPT_PATCH)
                    fail_msg("%s: %s (%s)", what, dfota_status_name(st), err.message);
                assert_untouched_from(&m, &hdr, &f, k, what);
                if (k == 0)
                    /* Nothing of the area was erased or written at all. */
                    assert_int_equal(m.d.area_ops[DFOTA_DEVSIM_TARGET], 0);
                corrupt++;
                by_crc += strstr(err.message, "CRC-32") != NULL;
            }
            module_free(&m);
        }
    }
    printf("[ RANGE    ] in place, %zu frame bytes changed: %zu refused (%zu by the CRC-32), "
           "%zu rebuilt the target\n",
           corrupt + rebuilt, corrupt, by_crc, rebuilt);
    free(bad);
    free(patch);
    free_samples(&s);
}

/* Each byte of each frame's stored CRC-32 changed: refused before the area is touched. */
static void in_place_wrong_crc_is_refused(void **state)
{
    struct samples s;
    struct dfota_patch_header hdr;
    struct dfota_error err;
    struct frames f;
    struct module m;
    size_t size, k, i, c;
    uint8_t *patch, *bad;
    char what[96];

    (void)state;
    load_samples(&s);
    patch = range_patch(&s, 1, &size, &hdr);
    find_frames(patch, size, &f);
    bad = test_alloc(size);
    for (k = 0; k < f.count; k++) {
        /* The stored value is the CRC-32 of the segment's target bytes. */
        uint64_t start = (uint64_t)f.segment[k] * hdr.segment_size,
                 end = start + hdr.segment_size < s.a04_size ? start + hdr.segment_size
                                                             : s.a04_size;

        assert_int_equal(dfota_get_le32(patch + f.offset[k]),
                         dfota_crc32(0, s.a04 + start, (size_t)(end - start)));
        for (i = 0; i < 4; i++) {
            for (c = 0; c < 2; c++) {
                memcpy(bad, patch, size);
                bad[f.offset[k] + i] ^= 0x01;
                snprintf(what, sizeof(what), "step %zu, CRC byte %zu", k, i);
                if (run_in_place(&s, bad, size, c ? 1 : TEST_CHUNK_WHOLE, &m, &err) !=
                    DFOTA_E_CORRUPT_PATCH)
                    fail_msg("%s: not refused (%s)", what, err.message);
                if (strstr(err.message, "CRC-32") == NULL)
                    fail_msg("%s: '%s' does not say CRC-32", what, err.message);
                assert_untouched_from(&m, &hdr, &f, k, what);
                if (k == 0)
                    assert_int_equal(m.d.area_ops[DFOTA_DEVSIM_TARGET], 0);
                module_free(&m);
            }
        }
    }
    free(bad);
    free(patch);
    free_samples(&s);
}

/* The records a frame's coded part decodes to (malloc'd). */
static uint8_t *frame_records(const uint8_t *coded, size_t len, uint32_t target_len,
                              unsigned log, size_t *records_len)
{
    struct rc_decode r;

    assert_true(rc_decode_init(&r, coded, len, target_len, log, (size_t)-1, 4096));
    if (rc_decode(&r) != NULL)
        fail_msg("decoding a frame of the patch: %s", r.violation);
    assert_int_equal(r.result, DFOTA_RCDEC_DONE);
    assert_null(rc_check_records(r.out, r.out_len, target_len));
    *records_len = r.out_len;
    return r.out;
}

/* Offset of the first literal byte of the records, else of the first difference byte. */
static size_t first_changeable_byte(const uint8_t *p, size_t n)
{
    struct rc_record r;
    size_t pos = 0, diff = 0;

    while (pos < n) {
        assert_null(rc_next_record(p, n, &pos, UINT64_MAX, &r));
        if (r.extra > 0)
            return r.literals;
        if (diff == 0)
            diff = r.first_diff;
    }
    assert_true(diff != 0);
    return diff;
}

/*
 * The patch with the frame of step `k` replaced: its records decoded, one
 * literal (or difference) byte changed, coded again, the stored CRC-32 (in
 * place) kept. A valid frame of valid records, of the wrong target bytes.
 */
static uint8_t *recoded_patch(const uint8_t *patch, size_t size,
                              const struct dfota_patch_header *hdr, const struct frames *f,
                              size_t k, size_t *out_size)
{
    size_t crc = (hdr->flags & DFOTA_PATCH_FLAG_IN_PLACE) ? 4 : 0, records_len, coded_len, at;
    uint32_t seg_len = hdr->target_size - f->segment[k] * hdr->segment_size < hdr->segment_size
                           ? hdr->target_size - f->segment[k] * hdr->segment_size
                           : hdr->segment_size;
    uint8_t *records = frame_records(patch + f->offset[k] + crc, f->size[k] - crc, seg_len,
                                     hdr->window_log, &records_len);
    uint8_t *coded = NULL, *out;

    at = first_changeable_byte(records, records_len);
    records[at] ^= 0x10;
    assert_int_equal(dfota_rc_encode(records, records_len, hdr->window_log, &coded, &coded_len), 1);
    *out_size = size - f->size[k] + crc + coded_len;
    out = test_alloc(*out_size);
    /* Everything before the frame, its segment header with the new size, the
     * CRC-32, the new coded part, everything after. */
    memcpy(out, patch, f->offset[k] + crc);
    dfota_put_le32(out + f->offset[k] - DFOTA_PATCH_SEGMENT_HEADER_SIZE,
                   (uint32_t)(crc + coded_len));
    memcpy(out + f->offset[k] + crc, coded, coded_len);
    memcpy(out + f->offset[k] + crc + coded_len, patch + f->offset[k] + f->size[k],
           size - f->offset[k] - f->size[k]);
    free(coded);
    free(records);
    return out;
}

static void recoded_frame_of_wrong_bytes_is_stopped(void **state)
{
    struct samples s;
    struct dfota_patch_header hdr;
    struct dfota_error err;
    struct test_apply_params params;
    struct test_apply_result res;
    struct frames f;
    struct module m;
    size_t size, bad_size, k;
    uint8_t *patch, *bad;
    int in_place;
    char what[64];

    (void)state;
    load_samples(&s);
    for (in_place = 0; in_place < 2; in_place++) {
        patch = range_patch(&s, in_place, &size, &hdr);
        find_frames(patch, size, &f);
        for (k = 0; k < f.count; k++) {
            bad = recoded_patch(patch, size, &hdr, &f, k, &bad_size);
            snprintf(what, sizeof(what), "%s, step %zu re-coded",
                     in_place ? "in place" : "two-bank", k);
            if (in_place) {
                if (run_in_place(&s, bad, bad_size, 7, &m, &err) != DFOTA_E_CORRUPT_PATCH ||
                    strstr(err.message, "CRC-32") == NULL)
                    fail_msg("%s: not stopped by the CRC-32 (%s)", what, err.message);
                assert_untouched_from(&m, &hdr, &f, k, what);
                if (k == 0)
                    assert_int_equal(m.d.area_ops[DFOTA_DEVSIM_TARGET], 0);
                module_free(&m);
            } else {
                test_apply_params_init(&params);
                params.chunk = 7;
                test_apply(s.a03, s.a03_size, bad, bad_size, &params, &res);
                if (res.status != DFOTA_E_TARGET_MISMATCH)
                    fail_msg("%s: %s (%s)", what, dfota_status_name(res.status),
                             res.error.message);
                test_apply_result_release(&res);
            }
            free(bad);
        }
        free(patch);
    }
    free_samples(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(two_bank_in_every_chunk_size),
        cmocka_unit_test(two_bank_every_frame_byte_changed),
        cmocka_unit_test(in_place_in_every_chunk_size),
        cmocka_unit_test(in_place_changed_frame_byte_is_caught_in_scratch),
        cmocka_unit_test(in_place_wrong_crc_is_refused),
        cmocka_unit_test(recoded_frame_of_wrong_bytes_is_stopped),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
