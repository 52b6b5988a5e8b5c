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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(crc32_matches_the_standard_check_value),
        cmocka_unit_test(wire_helpers_are_little_endian),
        cmocka_unit_test(hex_is_lower_case_and_terminated),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
