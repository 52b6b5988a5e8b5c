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
