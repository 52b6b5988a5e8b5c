/*
 * wire.c - CRC-32 (IEEE) without a table, and hex encoding.
 *
 * The header checksum covers at most 4 KiB, so the device-side cost of the
 * bitwise loop is negligible and it saves the 1 KiB table.
 */
#include "dfota/wire.h"

/* The CRC-32 (reflected, polynomial 0xEDB88320) of each 4-bit value: four
 * steps of the bitwise algorithm at once, with a table of 64 bytes (the
 * device builds this file too). */
static const uint32_t crc_nibble[16] = {
    0x00000000u, 0x1db71064u, 0x3b6e20c8u, 0x26d930acu, 0x76dc4190u, 0x6b6b51f4u,
    0x4db26158u, 0x5005713cu, 0xedb88320u, 0xf00f9344u, 0xd6d6a3e8u, 0xcb61b38cu,
    0x9b64c2b0u, 0x86d3d2d4u, 0xa00ae278u, 0xbdbdf21cu};

uint32_t dfota_crc32(uint32_t crc, const void *data, size_t size)
{
    const uint8_t *p = data;
    size_t i;

    crc = ~crc;
    for (i = 0; i < size; i++) {
        crc ^= p[i];
        crc = (crc >> 4) ^ crc_nibble[crc & 15u];
        crc = (crc >> 4) ^ crc_nibble[crc & 15u];
    }
    return ~crc;
}

void dfota_hex(const uint8_t *data, size_t size, char *out)
{
    static const char digits[] = "0123456789abcdef";
    size_t i;

    for (i = 0; i < size; i++) {
        out[2 * i] = digits[data[i] >> 4];
        out[2 * i + 1] = digits[data[i] & 15];
    }
    out[2 * size] = '\0';
}

const char *dfota_u64_text(uint64_t v, char out[DFOTA_INT64_TEXT_MAX])
{
    char digits[DFOTA_INT64_TEXT_MAX];
    size_t n = 0, i;

    do {
        digits[n++] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v != 0);
    for (i = 0; i < n; i++)
        out[i] = digits[n - 1 - i];
    out[n] = '\0';
    return out;
}

const char *dfota_i64_text(int64_t v, char out[DFOTA_INT64_TEXT_MAX])
{
    char magnitude[DFOTA_INT64_TEXT_MAX];
    size_t i;

    if (v >= 0)
        return dfota_u64_text((uint64_t)v, out);
    /* -(v + 1) + 1 stays in range for INT64_MIN; at most 19 digits then */
    (void)dfota_u64_text((uint64_t)(-(v + 1)) + 1u, magnitude);
    out[0] = '-';
    for (i = 0; magnitude[i] != '\0'; i++)
        out[i + 1] = magnitude[i];
    out[i + 1] = '\0';
    return out;
}
