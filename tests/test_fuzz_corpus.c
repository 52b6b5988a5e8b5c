/*
 * test_fuzz_corpus.c - the fuzz seeds are what they claim to be: every seed
 * of tests/fuzz/corpus/apply is a patch of the fuzz source that applies, and
 * every delta package of tests/fuzz/corpus/package opens and its patch
 * applies, every full-image package opens and decodes, and every frame
 * seed of tests/fuzz/corpus/rcdec decodes to a valid segment. A seed the
 * current code refuses at its first check only ever exercises that
 * refusal, so a format change must regenerate them (tests/fuzz/make_corpus.c).
 */
#define _POSIX_C_SOURCE 200809L
#include "test_helpers.h"

#include <dirent.h>

#include "apply_helpers.h"
#include "dfota/packer.h"
#include "fuzz/apply_source.h"
#include "rc_records.h"

#define CORPUS DFOTA_SOURCE_DIR "/tests/fuzz/corpus"

/* Names of the regular files in `dir`, sorted; returns how many (at most `max`). */
static size_t list_dir(const char *dir, char names[][256], size_t max)
{
    struct dirent **entries;
    int n = scandir(dir, &entries, NULL, alphasort), k;
    size_t count = 0;

    if (n < 0)
        fail_msg("cannot list '%s'", dir);
    for (k = 0; k < n; k++) {
        if (entries[k]->d_name[0] != '.' && count < max) {
            size_t len = strlen(entries[k]->d_name);

            assert_true(len < 256);
            memcpy(names[count], entries[k]->d_name, len + 1);
            count++;
        }
        free(entries[k]);
    }
    free(entries);
    return count;
}

static void apply_against_the_fuzz_source(const char *what, uint8_t options,
                                          const uint8_t *patch, size_t patch_size,
                                          uint32_t *target_size)
{
    static uint8_t source[FUZZ_APPLY_SOURCE_CAP];
    size_t source_size = fuzz_apply_source(source);
    struct test_apply_params params;
    struct test_apply_result res;
    struct dfota_patch_header hdr;

    assert_int_equal(dfota_patch_header_decode(patch, patch_size, &hdr, NULL), DFOTA_OK);
    test_apply_params_init(&params);
    params.erase_size = FUZZ_APPLY_ERASE_SIZE;
    params.write_align = fuzz_apply_aligns[(options >> 4) & 3u];
    params.chunk = fuzz_apply_chunks[options & 15u];
    params.progress_steps = fuzz_apply_steps[(options >> 6) & 3u];
    params.flash_size = FUZZ_APPLY_TARGET_CAPACITY;
    test_apply(source, source_size, patch, patch_size, &params, &res);
    if (res.status != DFOTA_OK)
        fail_msg("%s: %s: %s", what, dfota_status_name(res.status), res.error.message);
    assert_int_equal(res.device.progress_calls, params.progress_steps);
    *target_size = hdr.target_size;
    test_apply_result_release(&res);
}

static void apply_seeds_are_patches_that_apply(void **state)
{
    static char names[64][256];
    char path[512];
    size_t count, k, size, total = 0;
    uint32_t target_size;
    uint8_t *seed;

    (void)state;
    count = list_dir(CORPUS "/apply", names, 64);
    assert_true(count >= 5);
    for (k = 0; k < count; k++) {
        snprintf(path, sizeof(path), "%s/%s", CORPUS "/apply", names[k]);
        seed = test_read_file(path, &size);
        /* Small enough for a fuzzer to mutate usefully. */
        assert_true(size > 1 && size < 4096);
        apply_against_the_fuzz_source(names[k], seed[0], seed + 1, size - 1, &target_size);
        total += target_size;
        free(seed);
    }
    /* Between them, the seeds rebuild something (not only empty targets). */
    assert_true(total > 10000);
}

static void delta_package_seeds_open_and_apply(void **state)
{
    static char names[64][256];
    struct dfota_package_header hdr;
    struct dfota_error err;
    const uint8_t *payload;
    char path[512];
    size_t count, k, size, deltas = 0, optional = 0;
    uint32_t target_size;
    uint8_t *package;

    (void)state;
    count = list_dir(CORPUS "/package", names, 64);
    for (k = 0; k < count; k++) {
        if (strncmp(names[k], "delta-", 6) != 0)
            continue;
        snprintf(path, sizeof(path), "%s/%s", CORPUS "/package", names[k]);
        package = test_read_file(path, &size);
        assert_true(size < 4096);
        if (dfota_package_open(package, size, &hdr, &payload, &err) != DFOTA_OK)
            fail_msg("%s: %s", names[k], err.message);
        assert_int_equal(hdr.package_type, DFOTA_PACKAGE_DELTA);
        assert_int_equal(hdr.payload_encoding, DFOTA_ENCODING_PATCH);
        apply_against_the_fuzz_source(names[k], fuzz_apply_options(0, 1, 0), payload,
                                      hdr.payload.size, &target_size);
        assert_int_equal(target_size, hdr.target.size);
        if (test_find_tlv(package, 0x0040) != 0)
            optional++;
        deltas++;
        free(package);
    }
    /* One with an unknown optional field (skipped by readers), one without. */
    assert_true(deltas >= 2);
    assert_true(optional >= 1 && optional < deltas);
}

static void full_package_seeds_open_and_decode(void **state)
{
    static char names[64][256];
    struct dfota_package_header hdr;
    struct dfota_error err;
    const uint8_t *payload;
    char path[512];
    size_t count, k, size, image_size, fulls = 0;
    uint8_t *package, *image;

    (void)state;
    count = list_dir(CORPUS "/package", names, 64);
    for (k = 0; k < count; k++) {
        if (strncmp(names[k], "full-", 5) != 0)
            continue;
        snprintf(path, sizeof(path), "%s/%s", CORPUS "/package", names[k]);
        package = test_read_file(path, &size);
        assert_true(size < 4096);
        if (dfota_package_open(package, size, &hdr, &payload, &err) != DFOTA_OK ||
            dfota_package_unpack_full(&hdr, payload, &image, &image_size, &err) != DFOTA_OK)
            fail_msg("%s: %s", names[k], err.message);
        assert_int_equal(hdr.package_type, DFOTA_PACKAGE_FULL);
        assert_int_equal(image_size, hdr.target.size);
        free(image);
        fulls++;
        free(package);
    }
    assert_true(fulls >= 2);
}

/* fuzz_rcdec.c's input: byte 0 history log and mode, bytes 1-2 target length, byte 3 sizes. */
static void rcdec_frame_seeds_decode(void **state)
{
    static char names[64][256];
    char path[512];
    size_t count, k, size, frames = 0, streams = 0;
    uint8_t *seed;

    (void)state;
    count = list_dir(CORPUS "/rcdec", names, 64);
    for (k = 0; k < count; k++) {
        struct rc_decode r;

        snprintf(path, sizeof(path), "%s/%s", CORPUS "/rcdec", names[k]);
        seed = test_read_file(path, &size);
        assert_true(size >= 4 && size < 4096);
        if ((seed[0] / 5u) % 2u != 0) {
            streams++; /* mode B: choices, anything goes */
            free(seed);
            continue;
        }
        assert_true(rc_decode_init(&r, seed + 4, size - 4, dfota_get_le16(seed + 1),
                                   DFOTA_RC_HISTORY_LOG_MIN + seed[0] % 5u,
                                   rc_fuzz_feeds[seed[3] & 7u],
                                   rc_fuzz_caps[(seed[3] >> 3) & 3u]));
        if (rc_decode(&r) != NULL)
            fail_msg("%s: %s", names[k], r.violation);
        if (r.result != DFOTA_RCDEC_DONE)
            fail_msg("%s: the frame does not decode (%d)", names[k], (int)r.result);
        assert_null(rc_check_records(r.out, r.out_len, r.target_len));
        free(r.out);
        free(seed);
        frames++;
    }
    assert_true(frames >= 4 && streams >= 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(apply_seeds_are_patches_that_apply),
        cmocka_unit_test(delta_package_seeds_open_and_apply),
        cmocka_unit_test(full_package_seeds_open_and_decode),
        cmocka_unit_test(rcdec_frame_seeds_decode),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
