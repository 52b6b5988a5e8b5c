/*
 * signer_helpers.h - fixtures for the signer tests: a scratch directory,
 * files, a hand-made zip builder for hostile inputs, and sample payloads.
 * Needs _POSIX_C_SOURCE 200809L (mkdtemp) defined by the includer.
 */
#ifndef DFOTA_SIGNER_HELPERS_H
#define DFOTA_SIGNER_HELPERS_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test_helpers.h"

#include "dfota/wire.h"
#include "dfota/zip.h"

/* A fresh directory under $TMPDIR (or /tmp); `dir` holds 256 bytes. */
static inline void signer_test_mkdtemp(char *dir)
{
    const char *base = getenv("TMPDIR");

    snprintf(dir, 256, "%s/dfota-signer-test.XXXXXX", base && base[0] ? base : "/tmp");
    assert_non_null(mkdtemp(dir));
}

/* rm -rf `dir` (one level: the tests create no subdirectories but key dirs). */
static inline void signer_test_rmdir(const char *dir)
{
    char command[512];

    snprintf(command, sizeof(command), "rm -rf '%s'", dir);
    assert_int_equal(system(command), 0);
}

static inline void signer_test_write(const char *path, const void *data, size_t size)
{
    FILE *f = fopen(path, "wb");

    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, size, f), size);
    assert_int_equal(fclose(f), 0);
}

/* Whole file, NUL-terminated (not counted in *size). free() it. */
static inline uint8_t *signer_test_read(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    uint8_t *data;
    long n;

    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    n = ftell(f);
    assert_true(n >= 0);
    rewind(f);
    data = malloc((size_t)n + 1);
    assert_non_null(data);
    assert_int_equal(fread(data, 1, (size_t)n, f), (size_t)n);
    data[n] = 0;
    fclose(f);
    *size = (size_t)n;
    return data;
}

/* ---- hand-made zips --------------------------------------------------- */

struct test_zip_entry {
    const char *name;
    uint16_t method;            /* 0 stored, 8 deflate (data already deflated) */
    uint16_t flags;             /* bit 3 adds a 16-byte data descriptor */
    const uint8_t *data;        /* bytes as stored in the zip */
    size_t data_size;
    uint32_t crc32;             /* of the uncompressed content */
    uint32_t uncompressed_size;
    uint32_t external;          /* external attributes; 0 means 0100644 << 16 */
    const char *extra;          /* local and central extra field bytes, or NULL */
    size_t extra_size;
};

/* A stored entry of `content`. */
static inline struct test_zip_entry test_zip_stored(const char *name, const uint8_t *content,
                                                    size_t size)
{
    struct test_zip_entry e;

    memset(&e, 0, sizeof(e));
    e.name = name;
    e.data = content;
    e.data_size = size;
    e.crc32 = dfota_crc32(0, content, size);
    e.uncompressed_size = (uint32_t)size;
    return e;
}

/*
 * Write `count` entries, a central directory and an end record with
 * `comment` into `out` (capacity `cap`); returns the size. Offsets of the
 * central directory and end record in *central / *end when not NULL.
 */
static inline size_t test_zip_build(const struct test_zip_entry *entries, size_t count,
                                    const char *comment, uint8_t *out, size_t cap,
                                    size_t *central, size_t *end)
{
    size_t pos = 0, offsets[8], i, central_offset;
    size_t comment_size = comment ? strlen(comment) : 0;

    assert_true(count <= 8);
    for (i = 0; i < count; i++) {
        const struct test_zip_entry *e = &entries[i];
        size_t n = strlen(e->name);
        bool descriptor = (e->flags & 0x0008u) != 0;

        assert_true(pos + 30 + n + e->extra_size + e->data_size + 16 <= cap);
        offsets[i] = pos;
        dfota_put_le32(out + pos, 0x04034b50u);
        dfota_put_le16(out + pos + 4, e->method ? 20 : 10);
        dfota_put_le16(out + pos + 6, e->flags);
        dfota_put_le16(out + pos + 8, e->method);
        dfota_put_le16(out + pos + 10, 0);      /* 00:00:00 */
        dfota_put_le16(out + pos + 12, 0x0021); /* 1980-01-01 */
        dfota_put_le32(out + pos + 14, descriptor ? 0 : e->crc32);
        dfota_put_le32(out + pos + 18, descriptor ? 0 : (uint32_t)e->data_size);
        dfota_put_le32(out + pos + 22, descriptor ? 0 : e->uncompressed_size);
        dfota_put_le16(out + pos + 26, (uint16_t)n);
        dfota_put_le16(out + pos + 28, (uint16_t)e->extra_size);
        memcpy(out + pos + 30, e->name, n);
        if (e->extra_size)
            memcpy(out + pos + 30 + n, e->extra, e->extra_size);
        pos += 30 + n + e->extra_size;
        if (e->data_size)
            memcpy(out + pos, e->data, e->data_size);
        pos += e->data_size;
        if (descriptor) {
            dfota_put_le32(out + pos, 0x08074b50u);
            dfota_put_le32(out + pos + 4, e->crc32);
            dfota_put_le32(out + pos + 8, (uint32_t)e->data_size);
            dfota_put_le32(out + pos + 12, e->uncompressed_size);
            pos += 16;
        }
    }
    central_offset = pos;
    for (i = 0; i < count; i++) {
        const struct test_zip_entry *e = &entries[i];
        size_t n = strlen(e->name);

        assert_true(pos + 46 + n + e->extra_size <= cap);
        dfota_put_le32(out + pos, 0x02014b50u);
        dfota_put_le16(out + pos + 4, 0x0314);
        dfota_put_le16(out + pos + 6, e->method ? 20 : 10);
        dfota_put_le16(out + pos + 8, e->flags);
        dfota_put_le16(out + pos + 10, e->method);
        dfota_put_le16(out + pos + 12, 0);
        dfota_put_le16(out + pos + 14, 0x0021);
        dfota_put_le32(out + pos + 16, e->crc32);
        dfota_put_le32(out + pos + 20, (uint32_t)e->data_size);
        dfota_put_le32(out + pos + 24, e->uncompressed_size);
        dfota_put_le16(out + pos + 28, (uint16_t)n);
        dfota_put_le16(out + pos + 30, (uint16_t)e->extra_size);
        dfota_put_le16(out + pos + 32, 0);
        dfota_put_le16(out + pos + 34, 0);
        dfota_put_le16(out + pos + 36, 0);
        dfota_put_le32(out + pos + 38, e->external ? e->external : 0x81a40000u);
        dfota_put_le32(out + pos + 42, (uint32_t)offsets[i]);
        memcpy(out + pos + 46, e->name, n);
        if (e->extra_size)
            memcpy(out + pos + 46 + n, e->extra, e->extra_size);
        pos += 46 + n + e->extra_size;
    }
    assert_true(pos + 22 + comment_size <= cap);
    dfota_put_le32(out + pos, 0x06054b50u);
    dfota_put_le16(out + pos + 4, 0);
    dfota_put_le16(out + pos + 6, 0);
    dfota_put_le16(out + pos + 8, (uint16_t)count);
    dfota_put_le16(out + pos + 10, (uint16_t)count);
    dfota_put_le32(out + pos + 12, (uint32_t)(pos - central_offset));
    dfota_put_le32(out + pos + 16, (uint32_t)central_offset);
    dfota_put_le16(out + pos + 20, (uint16_t)comment_size);
    if (comment_size)
        memcpy(out + pos + 22, comment, comment_size);
    if (central)
        *central = central_offset;
    if (end)
        *end = pos;
    return pos + 22 + comment_size;
}

/* Firmware-like payload of `size` bytes (compresses, but not absurdly). */
static inline uint8_t *signer_test_payload(size_t size, uint32_t seed)
{
    uint8_t *p = malloc(size ? size : 1);

    assert_non_null(p);
    test_fill_image(p, size, seed);
    return p;
}

/* The deflated bytes of `content` (libarchive's, via dfota_zip_create). free() it. */
static inline uint8_t *signer_test_deflate(const uint8_t *content, size_t size,
                                           size_t *deflated_size)
{
    struct dfota_error err;
    uint8_t *zip, *data;
    size_t zip_size, central, name_size, extra_size;

    assert_int_equal(dfota_zip_create("d.bin", content, size, DFOTA_ZIP_DEFAULT_MTIME, &zip,
                                      &zip_size, &err),
                     DFOTA_OK);
    central = dfota_get_le32(zip + zip_size - 22 + 16);
    *deflated_size = dfota_get_le32(zip + central + 20);
    name_size = dfota_get_le16(zip + 26);
    extra_size = dfota_get_le16(zip + 28);
    data = malloc(*deflated_size);
    assert_non_null(data);
    memcpy(data, zip + 30 + name_size + extra_size, *deflated_size);
    free(zip);
    return data;
}

#endif /* DFOTA_SIGNER_HELPERS_H */
