/*
 * test_report.c - the JSON writer of dfota/report.h (escaping, nesting,
 * one-line containers, misnesting refused, ratios, write errors) and the
 * members of a verified file that verify, inspect and release share.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>

#include "test_helpers.h"

#include "dfota/report.h"
#include "dfota/verifier.h"

struct capture {
    char *text;
    size_t size;
    FILE *out;
    struct dfota_json j;
};

static void capture_begin(struct capture *c)
{
    c->text = NULL;
    c->size = 0;
    c->out = open_memstream(&c->text, &c->size);
    assert_non_null(c->out);
    dfota_json_init(&c->j, c->out);
}

/* Finish the writer, close the stream; returns what dfota_json_finish() said. */
static bool capture_end(struct capture *c)
{
    bool ok = dfota_json_finish(&c->j);

    assert_int_equal(fclose(c->out), 0);
    return ok;
}

static void strings_are_escaped(void **state)
{
    struct capture c;

    (void)state;
    capture_begin(&c);
    dfota_json_string(&c.j, NULL,
                      "q\"b\\s\nt\tc\x01 del\x7f \xc3\xa9 rlo\xe2\x80\xae ls\xe2\x80\xa8 bad\xff"
                      "\xc3 end");
    assert_true(capture_end(&c));
    assert_string_equal(c.text, "\"q\\\"b\\\\s\\nt\\u0009c\\u0001 del\\u007f \xc3\xa9 "
                                "rlo\\u202e ls\\u2028 bad\\ufffd\\ufffd end\"\n");
    free(c.text);
    capture_begin(&c);
    dfota_json_string(&c.j, NULL, NULL);
    assert_true(capture_end(&c));
    assert_string_equal(c.text, "null\n");
    free(c.text);
}

static void objects_and_arrays_nest_one_member_a_line(void **state)
{
    struct capture c;

    (void)state;
    capture_begin(&c);
    dfota_json_object(&c.j, NULL, false);
    dfota_json_uint(&c.j, "n", 18446744073709551615ull);
    dfota_json_int(&c.j, "neg", -9223372036854775807ll - 1);
    dfota_json_bool(&c.j, "t", true);
    dfota_json_null(&c.j, "z");
    dfota_json_array(&c.j, "list", false);
    dfota_json_uint(&c.j, NULL, 1);
    dfota_json_object(&c.j, NULL, false);
    dfota_json_end(&c.j);
    dfota_json_array(&c.j, NULL, false);
    dfota_json_end(&c.j);
    dfota_json_end(&c.j);
    dfota_json_hex(&c.j, "hex", (const uint8_t *)"\x00\xab\xff", 3);
    dfota_json_end(&c.j);
    assert_true(capture_end(&c));
    assert_string_equal(c.text, "{\n"
                                "  \"n\": 18446744073709551615,\n"
                                "  \"neg\": -9223372036854775808,\n"
                                "  \"t\": true,\n"
                                "  \"z\": null,\n"
                                "  \"list\": [\n"
                                "    1,\n"
                                "    {},\n"
                                "    []\n"
                                "  ],\n"
                                "  \"hex\": \"00abff\"\n"
                                "}\n");
    free(c.text);
}

static void inline_containers_keep_everything_on_one_line(void **state)
{
    struct capture c;

    (void)state;
    capture_begin(&c);
    dfota_json_object(&c.j, NULL, false);
    dfota_json_object(&c.j, "one", true);
    dfota_json_uint(&c.j, "a", 1);
    /* Not inline itself, but inside a one-line container. */
    dfota_json_array(&c.j, "b", false);
    dfota_json_string(&c.j, NULL, "x");
    dfota_json_object(&c.j, NULL, false);
    dfota_json_bool(&c.j, "c", false);
    dfota_json_end(&c.j);
    dfota_json_end(&c.j);
    dfota_json_end(&c.j);
    dfota_json_object(&c.j, "empty", true);
    dfota_json_end(&c.j);
    dfota_json_end(&c.j);
    assert_true(capture_end(&c));
    assert_string_equal(c.text, "{\n"
                                "  \"one\": {\"a\": 1, \"b\": [\"x\", {\"c\": false}]},\n"
                                "  \"empty\": {}\n"
                                "}\n");
    free(c.text);
}

static void misnesting_fails_the_writer(void **state)
{
    struct capture c;
    unsigned i;

    (void)state;
    /* A key inside an array. */
    capture_begin(&c);
    dfota_json_array(&c.j, NULL, false);
    dfota_json_uint(&c.j, "k", 1);
    dfota_json_end(&c.j);
    assert_false(capture_end(&c));
    free(c.text);
    /* No key inside an object. */
    capture_begin(&c);
    dfota_json_object(&c.j, NULL, false);
    dfota_json_uint(&c.j, NULL, 1);
    dfota_json_end(&c.j);
    assert_false(capture_end(&c));
    free(c.text);
    /* A key at the top. */
    capture_begin(&c);
    dfota_json_object(&c.j, "top", false);
    dfota_json_end(&c.j);
    assert_false(capture_end(&c));
    free(c.text);
    /* One end too many. */
    capture_begin(&c);
    dfota_json_object(&c.j, NULL, false);
    dfota_json_end(&c.j);
    dfota_json_end(&c.j);
    assert_false(capture_end(&c));
    free(c.text);
    /* A container left open. */
    capture_begin(&c);
    dfota_json_object(&c.j, NULL, false);
    dfota_json_array(&c.j, "open", false);
    dfota_json_end(&c.j);
    assert_false(capture_end(&c));
    free(c.text);
    /* Deeper than DFOTA_JSON_DEPTH_MAX. */
    capture_begin(&c);
    for (i = 0; i <= DFOTA_JSON_DEPTH_MAX; i++)
        dfota_json_array(&c.j, NULL, false);
    for (i = 0; i <= DFOTA_JSON_DEPTH_MAX; i++)
        dfota_json_end(&c.j);
    assert_false(capture_end(&c));
    free(c.text);
    /* Exactly DFOTA_JSON_DEPTH_MAX is fine. */
    capture_begin(&c);
    for (i = 0; i < DFOTA_JSON_DEPTH_MAX; i++)
        dfota_json_array(&c.j, NULL, true);
    for (i = 0; i < DFOTA_JSON_DEPTH_MAX; i++)
        dfota_json_end(&c.j);
    assert_true(capture_end(&c));
    assert_string_equal(c.text, "[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]\n");
    free(c.text);
}

static void ratio(uint64_t num, uint64_t den, const char *want)
{
    struct capture c;

    capture_begin(&c);
    dfota_json_ratio(&c.j, NULL, num, den);
    assert_true(capture_end(&c));
    assert_string_equal(c.text, want);
    free(c.text);
}

static void ratios_have_six_rounded_decimals(void **state)
{
    (void)state;
    ratio(1, 3, "0.333333\n");
    ratio(2, 3, "0.666667\n");
    ratio(1814, 143156, "0.012671\n"); /* 0.0126714...: rounded down */
    ratio(1, 6, "0.166667\n"); /* 0.1666666...: rounded up */
    ratio(0, 0, "0.000000\n");
    ratio(0, 5, "0.000000\n");
    ratio(7, 2, "3.500000\n");
    ratio(1999999, 2000000, "1.000000\n"); /* 0.9999995 carries into the whole part */
    ratio(UINT64_MAX, UINT64_MAX, "1.000000\n");
    ratio(UINT64_MAX, 1, "18446744073709551615.000000\n");
}

static void a_write_error_is_reported(void **state)
{
    struct dfota_json j;
    FILE *full = fopen("/dev/full", "w");
    unsigned i;

    (void)state;
    assert_non_null(full);
    dfota_json_init(&j, full);
    dfota_json_array(&j, NULL, false);
    for (i = 0; i < 10; i++)
        dfota_json_string(&j, NULL, "some text that does not fit on a full disk");
    dfota_json_end(&j);
    assert_false(dfota_json_finish(&j));
    (void)fclose(full);
}

/* A signed zip checked without a key, as dfota_verify() reports it. */
static void sample_report(struct dfota_verify_report *r)
{
    unsigned i;

    memset(r, 0, sizeof(*r));
    r->kind = DFOTA_FILE_SIGNED_ZIP;
    for (i = 0; i < DFOTA_CHECK_COUNT; i++)
        r->checks[i].result = DFOTA_CHECK_SKIPPED;
    r->checks[DFOTA_CHECK_ZIP].result = DFOTA_CHECK_PASSED;
    (void)snprintf(r->checks[DFOTA_CHECK_ZIP].detail, sizeof(r->checks[0].detail), "layout 2");
    r->checks[DFOTA_CHECK_CONTAINER].result = DFOTA_CHECK_FAILED;
    r->checks[DFOTA_CHECK_CONTAINER].status = DFOTA_E_BAD_MAGIC;
    r->first_failure = DFOTA_E_BAD_MAGIC;
    r->first_failed_check = DFOTA_CHECK_CONTAINER;
    r->payload_checked = 1;
    r->signed_file = 1;
    (void)snprintf(r->signature_scheme, sizeof(r->signature_scheme), "RSA2048+SHA256");
    (void)snprintf(r->entry_name, sizeof(r->entry_name), "X.bin");
    r->entry_dos_date = (uint16_t)((44u << 9) | (11u << 5) | 14u); /* 2024-11-14 */
    r->entry_dos_time = (uint16_t)((22u << 11) | (13u << 5) | 10u); /* 22:13:20 */
    r->entry_size = 3000;
    r->entry_compressed_size = 3000;
    r->package_digest_valid = 1;
    memset(r->package_sha256, 0x22, sizeof(r->package_sha256));
}

static void a_verified_file_is_named_by_its_base_name(void **state)
{
    struct dfota_verify_report r;
    struct capture c;
    uint8_t sha[32];

    (void)state;
    memset(sha, 0x11, sizeof(sha));
    sample_report(&r);
    capture_begin(&c);
    dfota_json_object(&c.j, NULL, false);
    dfota_report_verification(&c.j, "/some/dir/X_signed.zip", 3400, sha, &r);
    dfota_json_end(&c.j);
    assert_true(capture_end(&c));
    assert_non_null(strstr(c.text, "\n  \"file\": {\"name\": \"X_signed.zip\", \"kind\": "
                                   "\"signed zip\", \"size\": 3400, \"sha256\": \"1111"));
    assert_null(strstr(c.text, "/some/dir"));
    assert_non_null(strstr(c.text, "\n  \"entry\": {\"name\": \"X.bin\", \"time\": "
                                   "\"2024-11-14T22:13:20\", \"size\": 3000, "
                                   "\"compressed_size\": 3000, \"sha256\": \"2222"));
    assert_non_null(strstr(c.text, "\n  \"signature\": {\"scheme\": \"RSA2048+SHA256\", "
                                   "\"result\": \"not checked\", \"key_sha256\": null},\n"));
    assert_non_null(strstr(c.text, "\n  \"payload_checked\": true,\n  \"package\": null,\n"
                                   "  \"patch\": null,\n  \"checks\": [\n    {\"name\": "
                                   "\"signature\", \"result\": \"skipped\", \"status\": "
                                   "\"OK\", \"detail\": \"\"},\n"));
    assert_non_null(strstr(c.text, "\n  \"first_failure\": {\"check\": \"container\", "
                                   "\"status\": \"BAD_MAGIC\"}\n}\n"));
    free(c.text);
    /* A checked key is named by its digest; a file without signature has none. */
    r.checks[DFOTA_CHECK_SIGNATURE].result = DFOTA_CHECK_PASSED;
    r.key_digest_valid = 1;
    memset(r.key_sha256, 0xab, sizeof(r.key_sha256));
    capture_begin(&c);
    dfota_json_object(&c.j, NULL, false);
    dfota_report_verification(&c.j, "X_signed.zip", 3400, sha, &r);
    dfota_json_end(&c.j);
    assert_true(capture_end(&c));
    assert_non_null(strstr(c.text, "\"result\": \"passed\", \"key_sha256\": \"abababab"));
    free(c.text);
    r.signed_file = 0;
    r.entry_name[0] = '\0';
    capture_begin(&c);
    dfota_json_object(&c.j, NULL, false);
    dfota_report_verification(&c.j, "X.bin", 3400, sha, &r);
    dfota_json_end(&c.j);
    assert_true(capture_end(&c));
    assert_non_null(strstr(c.text, "\n  \"entry\": null,\n  \"signature\": null,\n"));
    free(c.text);
}

static void outputs_and_the_envelope(void **state)
{
    struct dfota_error err;
    struct capture c;
    uint8_t sha[32];

    (void)state;
    memset(sha, 0, sizeof(sha));
    capture_begin(&c);
    dfota_report_begin(&c.j, "apply");
    dfota_json_bool(&c.j, "ok", false);
    dfota_error_set(&err, DFOTA_E_SOURCE_MISMATCH, "old image is 3 bytes");
    dfota_report_error(&c.j, &err);
    dfota_json_array(&c.j, "outputs", false);
    dfota_report_output(&c.j, "out/dir/new.bin", 3, sha);
    dfota_json_end(&c.j);
    dfota_json_end(&c.j);
    assert_true(capture_end(&c));
    assert_non_null(strstr(c.text, "{\n  \"schema_version\": 1,\n  \"command\": \"apply\",\n"
                                   "  \"dfota_version\": \""));
    assert_non_null(strstr(c.text, "  \"error\": {\n    \"status\": \"SOURCE_MISMATCH\",\n"
                                   "    \"code\": 40,\n    \"message\": \"old image is 3 "
                                   "bytes\",\n    \"module_error\": {\"BC25\": 6507, "));
    assert_non_null(strstr(c.text, "  \"outputs\": [\n    {\"name\": \"new.bin\", \"size\": 3, "
                                   "\"sha256\": \"0000"));
    free(c.text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(strings_are_escaped),
        cmocka_unit_test(objects_and_arrays_nest_one_member_a_line),
        cmocka_unit_test(inline_containers_keep_everything_on_one_line),
        cmocka_unit_test(misnesting_fails_the_writer),
        cmocka_unit_test(ratios_have_six_rounded_decimals),
        cmocka_unit_test(a_write_error_is_reported),
        cmocka_unit_test(a_verified_file_is_named_by_its_base_name),
        cmocka_unit_test(outputs_and_the_envelope),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
