/*
 * test_revision.c - the revision string of an image: dfota_revision_scan()
 * and dfota_image_version() (dfota/revision.h).
 */
#include <stdio.h>
#include <stdlib.h>

#include "test_helpers.h"

#include "dfota/revision.h"

/* An image of `size` bytes that are neither letters nor digits (0xff, as erased flash). */
static uint8_t *blank_image(size_t size)
{
    uint8_t *image = malloc(size);

    assert_non_null(image);
    memset(image, 0xff, size);
    return image;
}

static void put(uint8_t *image, size_t offset, const char *text)
{
    memcpy(image + offset, text, strlen(text));
}

/* dfota_image_version() of `image` must fail with exactly `message`; `version` untouched. */
static void assert_no_version(const uint8_t *image, size_t size, const char *message)
{
    char version[DFOTA_VERSION_MAX + 1] = "untouched";
    size_t offset = 12345;
    struct dfota_error err;

    assert_int_equal(dfota_image_version(image, size, version, &offset, &err),
                     DFOTA_E_INVALID_ARGUMENT);
    assert_int_equal(err.status, DFOTA_E_INVALID_ARGUMENT);
    assert_string_equal(err.message, message);
    assert_string_equal(version, "untouched");
    assert_int_equal(offset, 12345);
}

static void assert_version(const uint8_t *image, size_t size, const char *want, size_t at)
{
    char version[DFOTA_VERSION_MAX + 1];
    size_t offset = 0;
    struct dfota_error err;

    assert_int_equal(dfota_image_version(image, size, version, &offset, &err), DFOTA_OK);
    assert_string_equal(version, want);
    assert_int_equal(offset, at);
}

static void one_string_is_the_version(void **state)
{
    uint8_t *image = blank_image(4096);
    struct dfota_revision_scan scan;

    (void)state;
    put(image, 1000, "BC25R01A03");
    assert_version(image, 4096, "BC25R01A03", 1000);
    dfota_revision_scan(image, 4096, &scan);
    assert_int_equal(scan.count, 1);
    assert_false(scan.more);
    assert_string_equal(scan.found[0], "BC25R01A03");
    assert_int_equal(scan.offset, 1000);
    free(image);
}

static void no_string_is_refused(void **state)
{
    uint8_t *image = blank_image(4096);
    struct dfota_revision_scan scan;

    (void)state;
    /* Text, but nothing of the form: too short, lower case, no R..A.. tail. */
    put(image, 10, "firmware BC25 R01A03 ABR01A03 bc25R01A03 BC25R01B03 BC25R1A03");
    assert_no_version(image, 4096, "no version string found");
    dfota_revision_scan(image, 4096, &scan);
    assert_int_equal(scan.count, 0);
    assert_false(scan.more);
    assert_int_equal(scan.offset, 0);
    /* An empty image. */
    assert_no_version(NULL, 0, "no version string found");
    free(image);
}

static void several_strings_are_listed(void **state)
{
    static const char *const names[] = {"BC25R01A01", "BC25R01A02", "BC25R01A03", "BC25R01A04",
                                        "BC25R01A05", "BC25R01A06"};
    uint8_t *image = blank_image(4096);
    struct dfota_revision_scan scan;
    size_t i;

    (void)state;
    put(image, 100, "BC25R01A04");
    put(image, 200, "BC25R01A03");
    assert_no_version(image, 4096,
                      "ambiguous version: several version strings (BC25R01A04, BC25R01A03)");
    /* Four are named; a fifth and a sixth only as "...". */
    for (i = 0; i < 6; i++)
        put(image, 1000 + 100 * i, names[i]);
    dfota_revision_scan(image, 4096, &scan);
    assert_int_equal(scan.count, 4);
    assert_true(scan.more);
    assert_string_equal(scan.found[0], "BC25R01A04"); /* in order of first appearance */
    assert_string_equal(scan.found[1], "BC25R01A03");
    assert_string_equal(scan.found[2], "BC25R01A01");
    assert_string_equal(scan.found[3], "BC25R01A02");
    assert_int_equal(scan.offset, 100);
    assert_no_version(image, 4096,
                      "ambiguous version: several version strings (BC25R01A04, BC25R01A03, "
                      "BC25R01A01, BC25R01A02, ...)");
    /* Exactly four: no "...". */
    memset(image + 1200, 0xff, 1000);
    dfota_revision_scan(image, 4096, &scan);
    assert_int_equal(scan.count, 4);
    assert_false(scan.more);
    free(image);
}

static void the_same_string_twice_is_one(void **state)
{
    uint8_t *image = blank_image(4096);
    struct dfota_revision_scan scan;

    (void)state;
    put(image, 300, "BC25R01A03");
    put(image, 2000, "BC25R01A03");
    put(image, 4000, "BC25R01A03");
    assert_version(image, 4096, "BC25R01A03", 300);
    dfota_revision_scan(image, 4096, &scan);
    assert_int_equal(scan.count, 1);
    assert_false(scan.more);
    /* A longer string that starts with it is another string. */
    put(image, 3000, "BC25R01A03M01");
    assert_no_version(image, 4096,
                      "ambiguous version: several version strings (BC25R01A03, BC25R01A03M01)");
    free(image);
}

static void the_m_suffix_is_part_of_the_string(void **state)
{
    uint8_t *image = blank_image(4096);

    (void)state;
    put(image, 64, "EC200TCNTCNMAR02A02M16");
    assert_version(image, 4096, "EC200TCNTCNMAR02A02M16", 64);
    /* An M without its two digits, or with three, makes the run no revision at all. */
    memset(image, 0xff, 4096);
    put(image, 64, "EC200TCNTCNMAR02A02M1");
    put(image, 128, "EC200TCNTCNMAR02A02M161");
    assert_no_version(image, 4096, "no version string found");
    free(image);
}

static void a_string_inside_a_longer_run_does_not_count(void **state)
{
    uint8_t *image = blank_image(4096);

    (void)state;
    put(image, 100, "xBC25R01A03");
    put(image, 200, "BC25R01A031");
    put(image, 300, "0BC25R01A03");
    put(image, 400, "BC25R01A03x");
    put(image, 500, "BC25R01A03M1");
    assert_no_version(image, 4096, "no version string found");
    /* Any byte that is not an ASCII letter or digit is a boundary: punctuation, NUL,
     * UTF-8 (here "é" before and after), a space. */
    put(image, 1000, "_BC25R01A04.");
    assert_version(image, 4096, "BC25R01A04", 1001);
    put(image, 1100, "\xc3\xa9" "BC25R01A04" "\xc3\xa9");
    put(image, 1200, "v BC25R01A04\n");
    image[1300] = 0;
    put(image, 1301, "BC25R01A04");
    image[1311] = 0;
    assert_version(image, 4096, "BC25R01A04", 1001);
    free(image);
}

static void the_prefix_is_3_to_16_characters(void **state)
{
    uint8_t *image = blank_image(256);

    (void)state;
    put(image, 10, "ABCR01A03"); /* 3: the shortest, 9 bytes */
    assert_version(image, 256, "ABCR01A03", 10);
    memset(image, 0xff, 256);
    put(image, 10, "ABR01A03"); /* 2 */
    assert_no_version(image, 256, "no version string found");
    put(image, 100, "ABCDEFGHIJKLMNOPR01A03M16"); /* 16 and M: the longest, 25 bytes */
    assert_version(image, 256, "ABCDEFGHIJKLMNOPR01A03M16", 100);
    memset(image, 0xff, 256);
    put(image, 100, "ABCDEFGHIJKLMNOPQR01A03"); /* 17 */
    put(image, 150, "1BCR01A03");                /* starts with a digit */
    assert_no_version(image, 256, "no version string found");
    free(image);
}

static void strings_at_the_very_start_and_end_count(void **state)
{
    uint8_t image[64];

    (void)state;
    memcpy(image, "BC25R01A03", 10);
    assert_version(image, 10, "BC25R01A03", 0); /* the whole image */
    memset(image, 0xff, sizeof(image));
    put(image, 0, "BC25R01A03");
    assert_version(image, sizeof(image), "BC25R01A03", 0);
    memset(image, 0xff, sizeof(image));
    put(image, sizeof(image) - 10, "BC25R01A04");
    assert_version(image, sizeof(image), "BC25R01A04", sizeof(image) - 10);
    /* Cut one byte short at the end: "BC25R01A0" is no revision. */
    assert_no_version(image, sizeof(image) - 1, "no version string found");
    /* Both at once: two strings. */
    put(image, 0, "BC25R01A03");
    assert_no_version(image, sizeof(image),
                      "ambiguous version: several version strings (BC25R01A03, BC25R01A04)");
}

static uint8_t *read_sample(const char *name, size_t *size)
{
    char path[1024];
    FILE *f;
    uint8_t *data;
    long len;

    snprintf(path, sizeof(path), "%s/samples/%s", DFOTA_SOURCE_DIR, name);
    f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    len = ftell(f);
    assert_true(len > 0);
    rewind(f);
    data = malloc((size_t)len);
    assert_non_null(data);
    assert_int_equal(fread(data, 1, (size_t)len, f), (size_t)len);
    fclose(f);
    *size = (size_t)len;
    return data;
}

static void the_samples_hold_their_versions(void **state)
{
    uint8_t *image;
    size_t size;

    (void)state;
    image = read_sample("BC25R01A03.bin", &size);
    assert_version(image, size, "BC25R01A03", 137712);
    free(image);
    image = read_sample("BC25R01A04.bin", &size);
    assert_version(image, size, "BC25R01A04", 138084);
    free(image);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(one_string_is_the_version),
        cmocka_unit_test(no_string_is_refused),
        cmocka_unit_test(several_strings_are_listed),
        cmocka_unit_test(the_same_string_twice_is_one),
        cmocka_unit_test(the_m_suffix_is_part_of_the_string),
        cmocka_unit_test(a_string_inside_a_longer_run_does_not_count),
        cmocka_unit_test(the_prefix_is_3_to_16_characters),
        cmocka_unit_test(strings_at_the_very_start_and_end_count),
        cmocka_unit_test(the_samples_hold_their_versions),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
