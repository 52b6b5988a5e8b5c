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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(crc32_matches_the_standard_check_value),
        cmocka_unit_test(wire_helpers_are_little_endian),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
