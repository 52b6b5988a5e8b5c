/*
 * test_helpers.h - shared fixtures for the unit tests: cmocka includes and
 * deterministic sample headers and images.
 */
#ifndef DFOTA_TEST_HELPERS_H
#define DFOTA_TEST_HELPERS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dfota/container.h"
#include "dfota/wire.h"

/* A fully populated header of `type`; every byte of every field distinct. */
static inline void test_sample_header(struct dfota_package_header *hdr, unsigned type)
{
    size_t i;

    memset(hdr, 0, sizeof(*hdr));
    hdr->package_type = (uint8_t)type;
    strcpy(hdr->target_version, "BC25R01A04");
    hdr->target.size = 0x00021a3c;
    for (i = 0; i < DFOTA_MD5_SIZE; i++)
        hdr->target.md5[i] = (uint8_t)(0x10 + i);
    for (i = 0; i < DFOTA_SHA256_SIZE; i++)
        hdr->target.sha256[i] = (uint8_t)(0x40 + i);
    hdr->payload.size = 0x1234;
    for (i = 0; i < DFOTA_MD5_SIZE; i++)
        hdr->payload.md5[i] = (uint8_t)(0x90 + i);
    for (i = 0; i < DFOTA_SHA256_SIZE; i++)
        hdr->payload.sha256[i] = (uint8_t)(0xc0 + i);
    hdr->workspace_size = 98304;
    hdr->created = 0x0000000165f5e100ull;
    if (type == DFOTA_PACKAGE_DELTA) {
        strcpy(hdr->source_version, "BC25R01A03");
        hdr->source.size = 0x0002193c;
        for (i = 0; i < DFOTA_MD5_SIZE; i++)
            hdr->source.md5[i] = (uint8_t)(0x20 + i);
        for (i = 0; i < DFOTA_SHA256_SIZE; i++)
            hdr->source.sha256[i] = (uint8_t)(0x60 + i);
        hdr->payload_encoding = DFOTA_ENCODING_PATCH;
    } else {
        hdr->payload_encoding = DFOTA_ENCODING_ZSTD;
    }
}

/* Recompute the CRC of a header buffer whose size field is valid. */
static inline void test_fix_crc(uint8_t *buf)
{
    uint32_t size = dfota_get_le32(buf + 12);

    dfota_put_le32(buf + size - 4, dfota_crc32(0, buf, size - 4));
}

/* Offset of the first TLV of `type` in an encoded header, or 0. */
static inline size_t test_find_tlv(const uint8_t *buf, uint16_t type)
{
    uint32_t size = dfota_get_le32(buf + 12);
    size_t pos = DFOTA_CONTAINER_PREAMBLE_SIZE;

    while (pos + 4 <= size - 4) {
        if (dfota_get_le16(buf + pos) == type)
            return pos;
        pos += 4u + dfota_get_le16(buf + pos + 2);
    }
    return 0;
}

/* Firmware-like test image: code-ish words, a table and a string, no randomness. */
static inline void test_fill_image(uint8_t *p, size_t n, uint32_t seed)
{
    uint32_t x = seed * 2654435761u + 1;
    size_t i;

    for (i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        p[i] = (i % 64 < 40) ? (uint8_t)(x >> 24) : (uint8_t)(i / 64);
    }
}

#endif /* DFOTA_TEST_HELPERS_H */
