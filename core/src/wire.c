/*
 * wire.c - CRC-32 (IEEE) without a table, and hex encoding.
 *
 * The header checksum covers at most 4 KiB, so the device-side cost of the
 * bitwise loop is negligible and it saves the 1 KiB table.
 */
#include "dfota/wire.h"

uint32_t dfota_crc32(uint32_t crc, const void *data, size_t size)
{
    const uint8_t *p = data;
    size_t i;
    int bit;

    crc = ~crc;
    for (i = 0; i < size; i++) {
        crc ^= p[i];
        for (bit = 0; bit < 8; bit++)
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
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
