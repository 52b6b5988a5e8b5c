/* base64.c - RFC 4648 base64 encoder/decoder (standard alphabet, padded) */
#include "base64.h"

static const char s_b64_alphabet[65] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* 0xFF = invalid, 0xFE = padding */
static const uint8_t s_b64_reverse[128] = {
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,   62, 0xFF, 0xFF, 0xFF,   63,
      52,   53,   54,   55,   56,   57,   58,   59,   60,   61, 0xFF, 0xFF, 0xFF, 0xFE, 0xFF, 0xFF,
    0xFF,    0,    1,    2,    3,    4,    5,    6,    7,    8,    9,   10,   11,   12,   13,   14,
      15,   16,   17,   18,   19,   20,   21,   22,   23,   24,   25, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0xFF,   26,   27,   28,   29,   30,   31,   32,   33,   34,   35,   36,   37,   38,   39,   40,
      41,   42,   43,   44,   45,   46,   47,   48,   49,   50,   51, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
};

size_t base64_encode(const uint8_t *in, size_t len, char *out, size_t out_size)
{
    size_t need = BASE64_ENCODED_LEN(len);
    size_t o = 0;

    if (out_size < need + 1u)
        return 0;
    while (len >= 3) {
        uint32_t v = ((uint32_t)in[0] << 16) | ((uint32_t)in[1] << 8) | in[2];
        out[o++] = s_b64_alphabet[(v >> 18) & 0x3Fu];
        out[o++] = s_b64_alphabet[(v >> 12) & 0x3Fu];
        out[o++] = s_b64_alphabet[(v >> 6) & 0x3Fu];
        out[o++] = s_b64_alphabet[v & 0x3Fu];
        in += 3;
        len -= 3;
    }
    if (len) {
        uint32_t v = (uint32_t)in[0] << 16;
        if (len == 2)
            v |= (uint32_t)in[1] << 8;
        out[o++] = s_b64_alphabet[(v >> 18) & 0x3Fu];
        out[o++] = s_b64_alphabet[(v >> 12) & 0x3Fu];
        out[o++] = len == 2 ? s_b64_alphabet[(v >> 6) & 0x3Fu] : '=';
        out[o++] = '=';
    }
    out[o] = '\0';
    return o;
}

int base64_decode(const char *in, size_t len, uint8_t *out, size_t out_size)
{
    uint32_t acc = 0;
    unsigned bits = 0;
    unsigned pad = 0;
    size_t o = 0;

    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)in[i];
        uint8_t v;

        if (c == '\r' || c == '\n' || c == ' ')
            continue;
        if (c >= 128)
            return -1;
        v = s_b64_reverse[c];
        if (v == 0xFF)
            return -1;
        if (v == 0xFE) {
            if (++pad > 2)
                return -1;
            continue;
        }
        if (pad)
            return -1;          /* data after padding */
        acc = (acc << 6) | v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (o >= out_size)
                return -1;
            out[o++] = (uint8_t)(acc >> bits);
        }
    }
    if (bits >= 6)
        return -1;              /* dangling sextet */
    return (int)o;
}
