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

size_t dfota_utf8_decode(const uint8_t *s, size_t n, uint32_t *code_point)
{
    size_t len, i;
    uint32_t c;

    if (n == 0)
        return 0;
    if (s[0] < 0x80) {
        len = 1;
        c = s[0];
    } else if (s[0] >= 0xc2 && s[0] <= 0xdf) {
        len = 2;
        c = s[0] & 0x1fu;
    } else if (s[0] >= 0xe0 && s[0] <= 0xef) {
        len = 3;
        c = s[0] & 0x0fu;
    } else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
        len = 4;
        c = s[0] & 0x07u;
    } else {
        return 0; /* a continuation byte, 0xc0/0xc1 (always overlong) or 0xf5..0xff */
    }
    if (len > n)
        return 0;
    for (i = 1; i < len; i++) {
        if ((s[i] & 0xc0u) != 0x80u)
            return 0;
        c = c << 6 | (s[i] & 0x3fu);
    }
    if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) || c > 0x10ffff ||
        (c >= 0xd800 && c <= 0xdfff))
        return 0;
    if (code_point != NULL)
        *code_point = c;
    return len;
}
