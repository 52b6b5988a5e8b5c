/*
 * utf8.c - dfota_utf8_decode() (dfota/wire.h): the host tools' one UTF-8
 * decoder (JSON output, the passphrase rule). Kept out of wire.c, which the
 * device side compiles, since no device code needs it.
 */
#include "dfota/wire.h"

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
