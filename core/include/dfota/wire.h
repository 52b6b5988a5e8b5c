/*
 * dfota/wire.h - explicit little-endian load/store helpers, CRC-32 and hex
 * for every dfota wire format. Portable C99, no allocation, header-only apart
 * from dfota_crc32() and dfota_hex().
 */
#ifndef DFOTA_WIRE_H
#define DFOTA_WIRE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

static inline uint16_t dfota_get_le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static inline uint32_t dfota_get_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
           ((uint32_t)p[3] << 24);
}

static inline uint64_t dfota_get_le64(const uint8_t *p)
{
    return (uint64_t)dfota_get_le32(p) | ((uint64_t)dfota_get_le32(p + 4) << 32);
}

static inline void dfota_put_le16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static inline void dfota_put_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static inline void dfota_put_le64(uint8_t *p, uint64_t v)
{
    dfota_put_le32(p, (uint32_t)v);
    dfota_put_le32(p + 4, (uint32_t)(v >> 32));
}

/*
 * CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320, init and final xor
 * 0xFFFFFFFF: the zlib/PNG CRC). Pass 0 as `crc` to start, the previous
 * result to continue. Bitwise, no table: 0 bytes of RAM, a few words of stack.
 */
uint32_t dfota_crc32(uint32_t crc, const void *data, size_t size);

/* Lower-case hex of `size` bytes into `out`, which holds 2 * size + 1 bytes. */
void dfota_hex(const uint8_t *data, size_t size, char *out);

/*
 * Decimal text of a 64-bit value, for messages: newlib-nano's printf, as
 * Debian's arm-none-eabi ships it, has neither the "ll" nor the "z" length
 * modifier, so device code formats 64-bit numbers with these and "%s". `out` holds
 * DFOTA_INT64_TEXT_MAX bytes; returns `out`.
 */
#define DFOTA_INT64_TEXT_MAX 21u
const char *dfota_u64_text(uint64_t v, char out[DFOTA_INT64_TEXT_MAX]);
const char *dfota_i64_text(int64_t v, char out[DFOTA_INT64_TEXT_MAX]);

/*
 * The well-formed UTF-8 sequence at `s` (at most `n` bytes): its length, 1
 * to 4, and its code point in `*code_point` (when not NULL); 0 when there is
 * none: n is 0, a stray continuation byte, a truncated or overlong sequence,
 * a surrogate (U+D800..U+DFFF) or a code point above U+10FFFF.
 */
size_t dfota_utf8_decode(const uint8_t *s, size_t n, uint32_t *code_point);

#ifdef __cplusplus
}
#endif

#endif /* DFOTA_WIRE_H */
