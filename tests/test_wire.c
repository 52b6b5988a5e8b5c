/*
 * test_wire.c - little-endian helpers and CRC-32.
 */
#include "test_helpers.h"

static void crc32_matches_the_standard_check_value(void **state)
{
    uint8_t buf[256];
    size_t i;

    (void)state;
    assert_int_equal(dfota_crc32(0, "123456789", 9), 0xCBF43926u);
    assert_int_equal(dfota_crc32(0, "", 0), 0);
    /* Incremental use gives the same result as one call. */
    for (i = 0; i < sizeof(buf); i++)
        buf[i] = (uint8_t)(i * 7);
    assert_int_equal(dfota_crc32(dfota_crc32(0, buf, 100), buf + 100, 156),
                     dfota_crc32(0, buf, sizeof(buf)));
}

static void wire_helpers_are_little_endian(void **state)
{
    uint8_t b[8];

    (void)state;
    dfota_put_le16(b, 0x1234);
    assert_int_equal(b[0], 0x34);
    assert_int_equal(b[1], 0x12);
    dfota_put_le32(b, 0xa1b2c3d4u);
    assert_int_equal(b[0], 0xd4);
    assert_int_equal(b[3], 0xa1);
    assert_int_equal(dfota_get_le32(b), 0xa1b2c3d4u);
    dfota_put_le64(b, 0x0102030405060708ull);
    assert_int_equal(b[0], 0x08);
    assert_int_equal(b[7], 0x01);
    assert_true(dfota_get_le64(b) == 0x0102030405060708ull);
    assert_int_equal(dfota_get_le16(b), 0x0708);
}

static void hex_is_lower_case_and_terminated(void **state)
{
    static const uint8_t bytes[] = {0x00, 0x9f, 0xa0, 0xff};
    char out[2 * sizeof(bytes) + 2];

    (void)state;
    memset(out, 'x', sizeof(out));
    dfota_hex(bytes, sizeof(bytes), out);
    assert_string_equal(out, "009fa0ff");
    assert_int_equal(out[sizeof(out) - 1], 'x');
    dfota_hex(bytes, 0, out);
    assert_string_equal(out, "");
}

/* Well-formed UTF-8 and nothing else (RFC 3629, Unicode table 3-7). */
static void utf8_decode_takes_only_well_formed_sequences(void **state)
{
    static const struct {
        const char *bytes;
        size_t size, length;
        uint32_t code_point;
    } cases[] = {
        {"A", 1, 1, 0x41},          {"\xc3\xa9", 2, 2, 0xe9},
        {"\xe2\x82\xac", 3, 3, 0x20ac}, {"\xe2\x80\xae", 3, 3, 0x202e},
        {"\xf0\x9f\x98\x80", 4, 4, 0x1f600}, {"\xf4\x8f\xbf\xbf", 4, 4, 0x10ffff},
        {"\x80", 1, 0, 0},          {"\xc0\xaf", 2, 0, 0},      /* stray, overlong '/' */
        {"\xc1\xbf", 2, 0, 0},      {"\xe0\x80\xaf", 3, 0, 0},  /* overlong */
        {"\xed\xa0\x80", 3, 0, 0},  {"\xed\xbf\xbf", 3, 0, 0},  /* surrogates */
        {"\xf0\x8f\xbf\xbf", 4, 0, 0}, {"\xf4\x90\x80\x80", 4, 0, 0}, /* overlong, > U+10FFFF */
        {"\xf5\x80\x80\x80", 4, 0, 0}, {"\xff", 1, 0, 0},
        {"\xe2\x82", 2, 0, 0},      {"\xc3\x28", 2, 0, 0},      /* truncated, bad continuation */
        {"", 0, 0, 0},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint32_t c = 0xdeadbeef;
        size_t n = dfota_utf8_decode((const uint8_t *)cases[i].bytes, cases[i].size, &c);

        if (n != cases[i].length || (n != 0 && c != cases[i].code_point))
            fail_msg("case %zu: length %zu (want %zu), code point 0x%lx", i, n, cases[i].length,
                     (unsigned long)c);
    }
    /* The length limit is the caller's: a sequence cut by it is not one. */
    assert_int_equal(dfota_utf8_decode((const uint8_t *)"\xe2\x82\xac", 2, NULL), 0);
}

/* 64-bit decimal text for device messages (no %ll in newlib-nano): exact at the limits. */
static void int64_text_is_exact_at_the_limits(void **state)
{
    char out[DFOTA_INT64_TEXT_MAX];

    (void)state;
    assert_string_equal(dfota_u64_text(0, out), "0");
    assert_string_equal(dfota_u64_text(4294967296ull, out), "4294967296");
    assert_string_equal(dfota_u64_text(UINT64_MAX, out), "18446744073709551615");
    assert_string_equal(dfota_i64_text(0, out), "0");
    assert_string_equal(dfota_i64_text(-1, out), "-1");
    assert_string_equal(dfota_i64_text(-4294967295ll, out), "-4294967295");
    assert_string_equal(dfota_i64_text(INT64_MAX, out), "9223372036854775807");
    assert_string_equal(dfota_i64_text(INT64_MIN, out), "-9223372036854775808");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(crc32_matches_the_standard_check_value),
        cmocka_unit_test(wire_helpers_are_little_endian),
        cmocka_unit_test(hex_is_lower_case_and_terminated),
        cmocka_unit_test(utf8_decode_takes_only_well_formed_sequences),
        cmocka_unit_test(int64_text_is_exact_at_the_limits),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
