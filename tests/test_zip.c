/*
 * test_zip.c - X.zip: written deterministically (twice, across
 * SOURCE_DATE_EPOCH values, across time zones), read back, and hostile
 * zips refused with their status and without crashing.
 */
#define _POSIX_C_SOURCE 200809L
#include <archive.h>
#include <archive_entry.h>
#include <stdlib.h>
#include <time.h>

#include "signer_helpers.h"

#include "dfota/zip.h"

#define PAYLOAD_SIZE 3000u
#define CAP (64u * 1024u)

static uint8_t *make_zip(const uint8_t *content, size_t size, uint64_t mtime, size_t *zip_size)
{
    struct dfota_error err;
    uint8_t *zip;

    assert_int_equal(dfota_zip_create("BC25R01A03_TO_BC25R01A04.bin", content, size, mtime, &zip,
                                      zip_size, &err),
                     DFOTA_OK);
    return zip;
}

static enum dfota_status open_status(const uint8_t *zip, size_t size, struct dfota_error *err)
{
    struct dfota_zip_payload payload;
    enum dfota_status st = dfota_zip_open(zip, size, &payload, err);

    if (st != DFOTA_OK) {
        assert_null(payload.content);
        assert_true(strlen(err->message) > 0);
    }
    dfota_zip_payload_release(&payload);
    return st;
}

static void create_then_open(void **state)
{
    struct dfota_zip_payload payload;
    struct dfota_error err;
    uint8_t *content = signer_test_payload(PAYLOAD_SIZE, 1), *zip;
    size_t zip_size;

    (void)state;
    zip = make_zip(content, PAYLOAD_SIZE, DFOTA_ZIP_DEFAULT_MTIME, &zip_size);
    assert_int_equal(dfota_get_le32(zip), 0x04034b50u);
    assert_int_equal(dfota_zip_open(zip, zip_size, &payload, &err), DFOTA_OK);
    assert_string_equal(payload.name, "BC25R01A03_TO_BC25R01A04.bin");
    assert_int_equal(payload.content_size, PAYLOAD_SIZE);
    assert_memory_equal(payload.content, content, PAYLOAD_SIZE);
    assert_int_equal(payload.method, 8);
    assert_true(payload.compressed_size < PAYLOAD_SIZE);
    assert_int_equal(payload.crc32, dfota_crc32(0, content, PAYLOAD_SIZE));
    /* 1980-01-01 00:00:00 as a DOS date and time. */
    assert_int_equal(payload.dos_date, 0x0021);
    assert_int_equal(payload.dos_time, 0);
    /* One entry: regular file 0644, uid/gid 0 ("ux" 0/0), no comment. */
    assert_int_equal(dfota_get_le16(zip + zip_size - 22 + 10), 1);
    assert_int_equal(dfota_get_le16(zip + zip_size - 2), 0);
    dfota_zip_payload_release(&payload);
    free(zip);
    free(content);
}

static void create_is_deterministic(void **state)
{
    uint8_t *content = signer_test_payload(PAYLOAD_SIZE, 2), *a, *b;
    size_t a_size, b_size;

    (void)state;
    a = make_zip(content, PAYLOAD_SIZE, 1700000000u, &a_size);
    b = make_zip(content, PAYLOAD_SIZE, 1700000000u, &b_size);
    assert_int_equal(a_size, b_size);
    assert_memory_equal(a, b, a_size);
    free(a);
    free(b);
    free(content);
}

/* Offset of the "UT" extra record's mtime in the extra field at `extra`, or 0. */
static size_t ut_mtime_offset(const uint8_t *extra, size_t size, size_t base)
{
    size_t pos = 0;

    while (pos + 4 <= size) {
        if (dfota_get_le16(extra + pos) == 0x5455)
            return base + pos + 5;
        pos += 4u + dfota_get_le16(extra + pos + 2);
    }
    return 0;
}

/* Zero every time field (DOS time/date, UT mtime) of a one-entry zip. */
static void blank_times(uint8_t *zip, size_t size)
{
    size_t n = dfota_get_le16(zip + 26), m = dfota_get_le16(zip + 28), ut;
    size_t central = dfota_get_le32(zip + size - 22 + 16), cn, cm;

    memset(zip + 10, 0, 4);
    ut = ut_mtime_offset(zip + 30 + n, m, 30 + n);
    assert_true(ut != 0);
    memset(zip + ut, 0, 4);
    memset(zip + central + 12, 0, 4);
    cn = dfota_get_le16(zip + central + 28);
    cm = dfota_get_le16(zip + central + 30);
    ut = ut_mtime_offset(zip + central + 46 + cn, cm, central + 46 + cn);
    assert_true(ut != 0);
    memset(zip + ut, 0, 4);
}

static void source_date_epoch_changes_only_time_fields(void **state)
{
    uint8_t *content = signer_test_payload(PAYLOAD_SIZE, 3), *a, *b;
    size_t a_size, b_size;

    (void)state;
    a = make_zip(content, PAYLOAD_SIZE, 1700000000u, &a_size);
    b = make_zip(content, PAYLOAD_SIZE, 1710506096u, &b_size);
    assert_int_equal(a_size, b_size);
    assert_memory_not_equal(a, b, a_size);
    /* 2024-03-15T12:34:56Z: DOS date 0x586f, time 0x645c (two-second units). */
    assert_int_equal(dfota_get_le16(b + 10), 0x645c);
    assert_int_equal(dfota_get_le16(b + 12), 0x586f);
    blank_times(a, a_size);
    blank_times(b, b_size);
    assert_memory_equal(a, b, a_size);
    free(a);
    free(b);
    free(content);
}

static uint8_t *make_zip_in_tz(const char *tz, const uint8_t *content, size_t *size)
{
    uint8_t *zip;

    assert_int_equal(setenv("TZ", tz, 1), 0);
    tzset();
    zip = make_zip(content, PAYLOAD_SIZE, 1710506096u, size);
    /* The caller's TZ is back. */
    assert_non_null(getenv("TZ"));
    assert_string_equal(getenv("TZ"), tz);
    return zip;
}

static void time_zone_does_not_matter(void **state)
{
    uint8_t *content = signer_test_payload(PAYLOAD_SIZE, 4), *utc, *shanghai, *la;
    size_t utc_size, shanghai_size, la_size;
    char *saved = getenv("TZ") ? strdup(getenv("TZ")) : NULL;

    (void)state;
    utc = make_zip_in_tz("UTC", content, &utc_size);
    shanghai = make_zip_in_tz("Asia/Shanghai", content, &shanghai_size);
    la = make_zip_in_tz("PST8PDT", content, &la_size);
    assert_int_equal(utc_size, shanghai_size);
    assert_memory_equal(utc, shanghai, utc_size);
    assert_int_equal(utc_size, la_size);
    assert_memory_equal(utc, la, utc_size);
    /* Unset TZ stays unset. */
    unsetenv("TZ");
    free(la);
    la = make_zip(content, PAYLOAD_SIZE, 1710506096u, &la_size);
    assert_null(getenv("TZ"));
    assert_memory_equal(utc, la, utc_size);
    if (saved != NULL)
        setenv("TZ", saved, 1);
    tzset();
    free(saved);
    free(utc);
    free(shanghai);
    free(la);
    free(content);
}

static void create_clamps_and_limits_the_date(void **state)
{
    uint8_t *content = signer_test_payload(PAYLOAD_SIZE, 5), *a, *b, *zip;
    size_t a_size, b_size, zip_size;
    struct dfota_error err;

    (void)state;
    a = make_zip(content, PAYLOAD_SIZE, 0, &a_size);
    b = make_zip(content, PAYLOAD_SIZE, DFOTA_ZIP_DEFAULT_MTIME, &b_size);
    assert_int_equal(a_size, b_size);
    assert_memory_equal(a, b, a_size);
    free(a);
    a = make_zip(content, PAYLOAD_SIZE, DFOTA_ZIP_MTIME_MAX, &a_size);
    free(a);
    assert_int_equal(dfota_zip_create("x.bin", content, PAYLOAD_SIZE,
                                      (uint64_t)DFOTA_ZIP_MTIME_MAX + 1, &zip, &zip_size, &err),
                     DFOTA_E_INVALID_ARGUMENT);
    assert_null(zip);
    free(b);
    free(content);
}

static void create_refuses_bad_names_and_content(void **state)
{
    uint8_t *content = signer_test_payload(PAYLOAD_SIZE, 6), *zip;
    size_t zip_size;
    struct dfota_error err;
    char long_name[300];
    const char *bad[] = {"x.txt", "dir/x.bin", ".bin", "a\\b.bin", "c:x.bin", "x.bin\n", "bin"};
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(dfota_zip_create(bad[i], content, PAYLOAD_SIZE, 0, &zip, &zip_size,
                                          &err),
                         DFOTA_E_ZIP_CONTENT);
    memset(long_name, 'a', sizeof(long_name));
    strcpy(long_name + DFOTA_ZIP_PAYLOAD_NAME_MAX - 4, ".bin");
    assert_int_equal(dfota_zip_create(long_name, content, PAYLOAD_SIZE, 0, &zip, &zip_size, &err),
                     DFOTA_OK);
    free(zip);
    memset(long_name, 'a', sizeof(long_name));
    strcpy(long_name + DFOTA_ZIP_PAYLOAD_NAME_MAX - 3, ".bin");
    assert_int_equal(dfota_zip_create(long_name, content, PAYLOAD_SIZE, 0, &zip, &zip_size, &err),
                     DFOTA_E_ZIP_CONTENT);
    assert_int_equal(dfota_zip_create("X.BIN", content, PAYLOAD_SIZE, 0, &zip, &zip_size, &err),
                     DFOTA_OK);
    free(zip);
    assert_int_equal(dfota_zip_create("empty.bin", content, 0, 0, &zip, &zip_size, &err),
                     DFOTA_E_ZIP_CONTENT);
    free(content);
}

static void create_refuses_content_that_would_be_a_bomb(void **state)
{
    uint8_t *zeros = calloc(4u << 20, 1), *zip;
    size_t zip_size;
    struct dfota_error err;

    (void)state;
    assert_non_null(zeros);
    assert_int_equal(dfota_zip_create("zeros.bin", zeros, 4u << 20, 0, &zip, &zip_size, &err),
                     DFOTA_E_UNSAFE_ZIP);
    assert_non_null(strstr(err.message, "zip bomb"));
    free(zeros);
}

static void open_accepts_stored_and_descriptor_variants(void **state)
{
    uint8_t *content = signer_test_payload(PAYLOAD_SIZE, 7), *deflated, zip[CAP];
    struct test_zip_entry e;
    struct dfota_error err;
    size_t size, deflated_size, central, end;

    (void)state;
    e = test_zip_stored("fw.bin", content, PAYLOAD_SIZE);
    size = test_zip_build(&e, 1, NULL, zip, sizeof(zip), NULL, NULL);
    assert_int_equal(open_status(zip, size, &err), DFOTA_OK);
    /* With an archive comment: refused, it could hold a second archive. */
    size = test_zip_build(&e, 1, "made by hand", zip, sizeof(zip), NULL, NULL);
    assert_int_equal(open_status(zip, size, &err), DFOTA_E_UNSAFE_ZIP);
    assert_non_null(strstr(err.message, "archive comment"));
    /* Deflate with a data descriptor, with and without its signature. */
    deflated = signer_test_deflate(content, PAYLOAD_SIZE, &deflated_size);
    e.method = 8;
    e.flags = 0x0008;
    e.data = deflated;
    e.data_size = deflated_size;
    size = test_zip_build(&e, 1, NULL, zip, sizeof(zip), &central, &end);
    assert_int_equal(open_status(zip, size, &err), DFOTA_OK);
    memmove(zip + central - 16, zip + central - 12, size - (central - 12));
    size -= 4;
    dfota_put_le32(zip + end - 4 + 16, (uint32_t)(central - 4));
    assert_int_equal(open_status(zip, size, &err), DFOTA_OK);
    /* Deflate without a descriptor, sizes in the local header. */
    e.flags = 0;
    size = test_zip_build(&e, 1, NULL, zip, sizeof(zip), NULL, NULL);
    assert_int_equal(open_status(zip, size, &err), DFOTA_OK);
    free(deflated);
    free(content);
}

static void truncated_at_every_length(void **state)
{
    uint8_t *content = signer_test_payload(400, 8), *zip;
    size_t zip_size, n;
    struct dfota_error err;

    (void)state;
    zip = make_zip(content, 400, 0, &zip_size);
    for (n = 0; n < zip_size; n++) {
        uint8_t *copy = malloc(n ? n : 1); /* exact size: ASan sees any overread */

        assert_non_null(copy);
        memcpy(copy, zip, n);
        assert_int_equal(open_status(copy, n, &err), DFOTA_E_BAD_ZIP);
        free(copy);
    }
    free(zip);
    free(content);
}

static void every_byte_flip_is_handled(void **state)
{
    uint8_t *content = signer_test_payload(300, 9), *zip, *copy;
    size_t zip_size, i, refused = 0;
    struct dfota_error err;
    unsigned x;

    (void)state;
    zip = make_zip(content, 300, 0, &zip_size);
    copy = malloc(zip_size);
    assert_non_null(copy);
    for (x = 0; x < 2; x++)
        for (i = 0; i < zip_size; i++) {
            memcpy(copy, zip, zip_size);
            copy[i] ^= x ? 0xff : 0x01;
            if (open_status(copy, zip_size, &err) != DFOTA_OK)
                refused++;
        }
    /* Most flips are refused; the rest land in unchecked fields (times, extras). */
    assert_true(refused > zip_size);
    free(copy);
    free(zip);
    free(content);
}

/* Build one stored entry, let `edit` change the bytes, return the status of opening it. */
typedef void zip_edit(uint8_t *zip, size_t *size, size_t central, size_t end);

static enum dfota_status hostile(const char *name, zip_edit *edit, struct dfota_error *err)
{
    static const uint8_t content[] = "firmware image bytes";
    uint8_t zip[CAP];
    struct test_zip_entry e = test_zip_stored(name, content, sizeof(content));
    size_t central, end, size = test_zip_build(&e, 1, NULL, zip, sizeof(zip), &central, &end);

    if (edit != NULL)
        edit(zip, &size, central, end);
    return open_status(zip, size, err);
}

static void set_central_offset_past_end(uint8_t *zip, size_t *size, size_t central, size_t end)
{
    (void)central;
    dfota_put_le32(zip + end + 16, (uint32_t)*size + 100);
}

static void set_huge_sizes(uint8_t *zip, size_t *size, size_t central, size_t end)
{
    (void)size;
    (void)end;
    dfota_put_le32(zip + 18, 0x7ffffff0u);
    dfota_put_le32(zip + 22, 0x7ffffff0u);
    dfota_put_le32(zip + central + 20, 0x7ffffff0u);
    dfota_put_le32(zip + central + 24, 0x7ffffff0u);
}

static void set_zip64_sizes(uint8_t *zip, size_t *size, size_t central, size_t end)
{
    (void)size;
    (void)end;
    dfota_put_le32(zip + central + 24, 0xffffffffu);
}

static void set_zip64_end(uint8_t *zip, size_t *size, size_t central, size_t end)
{
    (void)size;
    (void)central;
    dfota_put_le16(zip + end + 8, 0xffff);
    dfota_put_le16(zip + end + 10, 0xffff);
}

static void set_encrypted(uint8_t *zip, size_t *size, size_t central, size_t end)
{
    (void)size;
    (void)end;
    zip[6] |= 1;
    zip[central + 8] |= 1;
}

static void set_unknown_flag(uint8_t *zip, size_t *size, size_t central, size_t end)
{
    (void)size;
    (void)end;
    zip[6] |= 0x10;
    zip[central + 8] |= 0x10;
}

static void set_method_bzip2(uint8_t *zip, size_t *size, size_t central, size_t end)
{
    (void)size;
    (void)end;
    zip[8] = 12;
    zip[central + 10] = 12;
}

static void set_second_disk(uint8_t *zip, size_t *size, size_t central, size_t end)
{
    (void)size;
    (void)central;
    dfota_put_le16(zip + end + 4, 1);
    dfota_put_le16(zip + end + 6, 1);
}

static void set_entry_disk(uint8_t *zip, size_t *size, size_t central, size_t end)
{
    (void)size;
    (void)end;
    dfota_put_le16(zip + central + 34, 1);
}

static void set_count_two(uint8_t *zip, size_t *size, size_t central, size_t end)
{
    (void)size;
    (void)central;
    dfota_put_le16(zip + end + 8, 2);
    dfota_put_le16(zip + end + 10, 2);
}

static void set_count_mismatch_on_disk(uint8_t *zip, size_t *size, size_t central, size_t end)
{
    (void)size;
    (void)central;
    dfota_put_le16(zip + end + 8, 2);
}

static void set_central_size_short(uint8_t *zip, size_t *size, size_t central, size_t end)
{
    (void)size;
    (void)central;
    dfota_put_le32(zip + end + 12, dfota_get_le32(zip + end + 12) - 1);
}

static void set_local_offset_wrong(uint8_t *zip, size_t *size, size_t central, size_t end)
{
    (void)size;
    (void)end;
    dfota_put_le32(zip + central + 42, 7);
}

static void set_local_name_different(uint8_t *zip, size_t *size, size_t central, size_t end)
{
    (void)size;
    (void)central;
    (void)end;
    zip[30] = 'y';
}

static void set_data_corrupt(uint8_t *zip, size_t *size, size_t central, size_t end)
{
    size_t n = dfota_get_le16(zip + 26);

    (void)size;
    (void)central;
    (void)end;
    zip[30 + n + 3] ^= 0x20;
}

static void set_stored_sizes_differ(uint8_t *zip, size_t *size, size_t central, size_t end)
{
    (void)size;
    (void)end;
    dfota_put_le32(zip + 22, 5);
    dfota_put_le32(zip + central + 24, 5);
}

static void set_symlink(uint8_t *zip, size_t *size, size_t central, size_t end)
{
    (void)size;
    (void)end;
    dfota_put_le32(zip + central + 38, 0120777u << 16);
}

static void set_zip64_extra(uint8_t *zip, size_t *size, size_t central, size_t end)
{
    /* Rebuild with a zip64 extra record in both headers. */
    static const uint8_t content[] = "firmware image bytes";
    static const char extra[] = "\x01\x00\x08\x00\x15\x00\x00\x00\x00\x00\x00\x00";
    struct test_zip_entry e = test_zip_stored("fw.bin", content, sizeof(content));

    (void)central;
    (void)end;
    e.extra = extra;
    e.extra_size = 12;
    *size = test_zip_build(&e, 1, NULL, zip, CAP, NULL, NULL);
}

static void set_extra_overrun(uint8_t *zip, size_t *size, size_t central, size_t end)
{
    static const uint8_t content[] = "firmware image bytes";
    static const char extra[] = "\x55\x54\x09\x00\x01\x00\x00";
    struct test_zip_entry e = test_zip_stored("fw.bin", content, sizeof(content));

    (void)central;
    (void)end;
    e.extra = extra;
    e.extra_size = 7;
    *size = test_zip_build(&e, 1, NULL, zip, CAP, NULL, NULL);
}

static void hostile_structures(void **state)
{
    struct dfota_error err;

    (void)state;
    assert_int_equal(hostile("fw.bin", NULL, &err), DFOTA_OK);
    assert_int_equal(hostile("fw.bin", set_central_offset_past_end, &err), DFOTA_E_BAD_ZIP);
    assert_int_equal(hostile("fw.bin", set_huge_sizes, &err), DFOTA_E_UNSAFE_ZIP);
    assert_non_null(strstr(err.message, "limit"));
    assert_int_equal(hostile("fw.bin", set_zip64_sizes, &err), DFOTA_E_UNSAFE_ZIP);
    assert_non_null(strstr(err.message, "zip64"));
    assert_int_equal(hostile("fw.bin", set_zip64_end, &err), DFOTA_E_UNSAFE_ZIP);
    assert_int_equal(hostile("fw.bin", set_zip64_extra, &err), DFOTA_E_UNSAFE_ZIP);
    assert_int_equal(hostile("fw.bin", set_extra_overrun, &err), DFOTA_E_BAD_ZIP);
    assert_int_equal(hostile("fw.bin", set_encrypted, &err), DFOTA_E_UNSAFE_ZIP);
    assert_non_null(strstr(err.message, "encrypted"));
    assert_int_equal(hostile("fw.bin", set_unknown_flag, &err), DFOTA_E_UNSAFE_ZIP);
    assert_int_equal(hostile("fw.bin", set_method_bzip2, &err), DFOTA_E_UNSAFE_ZIP);
    assert_non_null(strstr(err.message, "method 12"));
    assert_int_equal(hostile("fw.bin", set_second_disk, &err), DFOTA_E_UNSAFE_ZIP);
    assert_int_equal(hostile("fw.bin", set_entry_disk, &err), DFOTA_E_UNSAFE_ZIP);
    assert_int_equal(hostile("fw.bin", set_count_two, &err), DFOTA_E_BAD_ZIP);
    assert_int_equal(hostile("fw.bin", set_count_mismatch_on_disk, &err), DFOTA_E_UNSAFE_ZIP);
    assert_int_equal(hostile("fw.bin", set_central_size_short, &err), DFOTA_E_BAD_ZIP);
    assert_int_equal(hostile("fw.bin", set_local_offset_wrong, &err), DFOTA_E_UNSAFE_ZIP);
    assert_non_null(strstr(err.message, "back to back"));
    assert_int_equal(hostile("fw.bin", set_local_name_different, &err), DFOTA_E_BAD_ZIP);
    assert_int_equal(hostile("fw.bin", set_data_corrupt, &err), DFOTA_E_BAD_ZIP);
    assert_non_null(strstr(err.message, "CRC-32 mismatch"));
    assert_int_equal(hostile("fw.bin", set_stored_sizes_differ, &err), DFOTA_E_BAD_ZIP);
    assert_int_equal(hostile("fw.bin", set_symlink, &err), DFOTA_E_ZIP_CONTENT);
}

/* Move everything from `at` on by `n` bytes (filled with `fill`) and fix the directory offset. */
static void insert_before_central(uint8_t *zip, size_t *size, size_t central, size_t end,
                                  const uint8_t *fill, size_t n)
{
    memmove(zip + central + n, zip + central, *size - central);
    memcpy(zip + central, fill, n);
    dfota_put_le32(zip + end + n + 16, (uint32_t)(central + n));
    *size += n;
}

static void set_gap_entry(uint8_t *zip, size_t *size, size_t central, size_t end)
{
    /* A second, unreferenced local entry: what a streaming reader extracts. */
    uint8_t copy[128];
    size_t n = central < sizeof(copy) ? central : sizeof(copy);

    memcpy(copy, zip, n);
    insert_before_central(zip, size, central, end, copy, n);
}

static void set_prefix(uint8_t *zip, size_t *size, size_t central, size_t end)
{
    /* Bytes before the first entry, every offset adjusted (a self-extractor). */
    memmove(zip + 16, zip, *size);
    memset(zip, 0, 16);
    *size += 16;
    dfota_put_le32(zip + 16 + central + 42, 16);
    dfota_put_le32(zip + 16 + end + 16, (uint32_t)(central + 16));
}

static void set_trailing_bytes(uint8_t *zip, size_t *size, size_t central, size_t end)
{
    (void)central;
    (void)end;
    memset(zip + *size, 0, 8);
    *size += 8;
}

static void set_version_zip64(uint8_t *zip, size_t *size, size_t central, size_t end)
{
    (void)size;
    (void)end;
    dfota_put_le16(zip + 4, 45);
    dfota_put_le16(zip + central + 6, 45);
}

static void set_stored_descriptor(uint8_t *zip, size_t *size, size_t central, size_t end)
{
    (void)size;
    (void)end;
    dfota_put_le16(zip + 6, 0x0008);
    dfota_put_le16(zip + central + 8, 0x0008);
}

static void set_central_time_other(uint8_t *zip, size_t *size, size_t central, size_t end)
{
    (void)size;
    (void)end;
    dfota_put_le16(zip + central + 12, 0x1234);
}

/* What two readers could read differently: refused (docs/FORMAT.md, "The zip rule"). */
static void ambiguous_layouts(void **state)
{
    static const uint8_t content[] = "firmware image bytes";
    static const char unknown_extra[] = "\xfe\xca\x04\x00" "data";
    /* "ux" whose uid reads "PK\6\7", a zip64 locator signature, in the directory's last bytes. */
    static const char locator_extra[] = "ux\x0b\x00\x01\x04PK\x06\x07\x04\x00\x00\x00\x00";
    uint8_t zip[CAP];
    struct test_zip_entry e[2];
    struct dfota_error err;
    size_t size, central, end;

    (void)state;
    assert_int_equal(hostile("fw.bin", set_gap_entry, &err), DFOTA_E_UNSAFE_ZIP);
    assert_non_null(strstr(err.message, "between the last entry and the central directory"));
    assert_int_equal(hostile("fw.bin", set_prefix, &err), DFOTA_E_UNSAFE_ZIP);
    assert_non_null(strstr(err.message, "back to back"));
    assert_int_equal(hostile("fw.bin", set_trailing_bytes, &err), DFOTA_E_UNSAFE_ZIP);
    assert_non_null(strstr(err.message, "follow the zip's end record"));
    assert_int_equal(hostile("fw.bin", set_version_zip64, &err), DFOTA_E_UNSAFE_ZIP);
    assert_int_equal(hostile("fw.bin", set_stored_descriptor, &err), DFOTA_E_UNSAFE_ZIP);
    assert_non_null(strstr(err.message, "streaming"));
    assert_int_equal(hostile("fw.bin", set_central_time_other, &err), DFOTA_E_BAD_ZIP);
    /* A second archive in the comment, its end record last in the file. */
    e[0] = test_zip_stored("fw.bin", content, sizeof(content));
    size = test_zip_build(e, 1, NULL, zip, sizeof(zip), &central, &end);
    {
        uint8_t inner[512];
        size_t inner_size = test_zip_build(e, 1, NULL, inner, sizeof(inner), NULL, NULL);

        memcpy(zip + size, inner, inner_size);
        dfota_put_le16(zip + end + 20, (uint16_t)inner_size);
        size += inner_size;
    }
    assert_int_equal(open_status(zip, size, &err), DFOTA_E_UNSAFE_ZIP);
    assert_non_null(strstr(err.message, "two archives"));
    /* Names: case-folded duplicates, non-ASCII bytes. */
    e[1] = test_zip_stored("FW.BIN", content, sizeof(content));
    size = test_zip_build(e, 2, NULL, zip, sizeof(zip), NULL, NULL);
    assert_int_equal(open_status(zip, size, &err), DFOTA_E_UNSAFE_ZIP);
    assert_non_null(strstr(err.message, "up to case"));
    e[0] = test_zip_stored("fw\xc3\xa9.bin", content, sizeof(content));
    size = test_zip_build(e, 1, NULL, zip, sizeof(zip), NULL, NULL);
    assert_int_equal(open_status(zip, size, &err), DFOTA_E_UNSAFE_ZIP);
    assert_non_null(strstr(err.message, "printable ASCII"));
    /* Extra records: only "UT" and "ux". */
    e[0] = test_zip_stored("fw.bin", content, sizeof(content));
    e[0].extra = unknown_extra;
    e[0].extra_size = 8;
    size = test_zip_build(e, 1, NULL, zip, sizeof(zip), NULL, NULL);
    assert_int_equal(open_status(zip, size, &err), DFOTA_E_UNSAFE_ZIP);
    assert_non_null(strstr(err.message, "0xcafe"));
    e[0].extra = locator_extra;
    e[0].extra_size = 15;
    size = test_zip_build(e, 1, NULL, zip, sizeof(zip), NULL, NULL);
    assert_int_equal(open_status(zip, size, &err), DFOTA_E_UNSAFE_ZIP);
    assert_non_null(strstr(err.message, "structure signature 0x07064b50"));
}

static void hostile_names(void **state)
{
    struct dfota_error err;
    const char *unsafe[] = {"../x.bin", "/x.bin", "a/../../x.bin", "..\\x.bin", "C:x.bin",
                            "./x.bin", "a//x.bin", "x\x01.bin", "..", "a/.."};
    char long_name[300];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(unsafe) / sizeof(unsafe[0]); i++) {
        assert_int_equal(hostile(unsafe[i], NULL, &err), DFOTA_E_UNSAFE_ZIP);
    }
    assert_int_equal(hostile("../x.bin", NULL, &err), DFOTA_E_UNSAFE_ZIP);
    assert_non_null(strstr(err.message, "path traversal"));
    memset(long_name, 'a', sizeof(long_name));
    strcpy(long_name + 256, ".bin");
    assert_int_equal(hostile(long_name, NULL, &err), DFOTA_E_UNSAFE_ZIP);
    /* Safe, but not what the signtool takes. */
    assert_int_equal(hostile("dir/x.bin", NULL, &err), DFOTA_E_ZIP_CONTENT);
    assert_int_equal(hostile("firmware/", NULL, &err), DFOTA_E_ZIP_CONTENT);
    assert_int_equal(hostile("x.txt", NULL, &err), DFOTA_E_ZIP_CONTENT);
    assert_int_equal(hostile(".bin", NULL, &err), DFOTA_E_ZIP_CONTENT);
    assert_int_equal(hostile("x.bin.sig", NULL, &err), DFOTA_E_ALREADY_SIGNED);
    assert_int_equal(hostile("X.BIN", NULL, &err), DFOTA_OK);
}

static void hostile_entry_sets(void **state)
{
    static const uint8_t content[] = "firmware image bytes";
    uint8_t zip[CAP];
    struct test_zip_entry e[3];
    struct dfota_error err;
    size_t size;

    (void)state;
    e[0] = test_zip_stored("a.bin", content, sizeof(content));
    e[1] = test_zip_stored("b.bin", content, sizeof(content));
    size = test_zip_build(e, 2, NULL, zip, sizeof(zip), NULL, NULL);
    assert_int_equal(open_status(zip, size, &err), DFOTA_E_ZIP_CONTENT);
    assert_non_null(strstr(err.message, "2 entries"));
    e[1] = test_zip_stored("a.bin", content, sizeof(content));
    size = test_zip_build(e, 2, NULL, zip, sizeof(zip), NULL, NULL);
    assert_int_equal(open_status(zip, size, &err), DFOTA_E_UNSAFE_ZIP);
    assert_non_null(strstr(err.message, "two entries"));
    e[0] = test_zip_stored("fw/", content, 0);
    e[0].external = (040755u << 16) | 0x10;
    e[1] = test_zip_stored("fw/a.bin", content, sizeof(content));
    size = test_zip_build(e, 2, NULL, zip, sizeof(zip), NULL, NULL);
    assert_int_equal(open_status(zip, size, &err), DFOTA_E_ZIP_CONTENT);
    e[0] = test_zip_stored("a.bin", content, sizeof(content));
    e[1] = test_zip_stored("a.bin.sig", content, 8);
    size = test_zip_build(e, 2, NULL, zip, sizeof(zip), NULL, NULL);
    assert_int_equal(open_status(zip, size, &err), DFOTA_E_ALREADY_SIGNED);
    assert_non_null(strstr(err.message, "a.bin.sig"));
    e[2] = test_zip_stored("c.bin", content, sizeof(content));
    e[1] = test_zip_stored("b.bin", content, sizeof(content));
    size = test_zip_build(e, 3, NULL, zip, sizeof(zip), NULL, NULL);
    assert_int_equal(open_status(zip, size, &err), DFOTA_E_ZIP_CONTENT);
    /* No entries at all; an empty entry. */
    size = test_zip_build(e, 0, NULL, zip, sizeof(zip), NULL, NULL);
    assert_int_equal(open_status(zip, size, &err), DFOTA_E_ZIP_CONTENT);
    e[0] = test_zip_stored("empty.bin", content, 0);
    size = test_zip_build(e, 1, NULL, zip, sizeof(zip), NULL, NULL);
    assert_int_equal(open_status(zip, size, &err), DFOTA_E_ZIP_CONTENT);
    /* Not a zip. */
    assert_int_equal(open_status(content, sizeof(content), &err), DFOTA_E_BAD_ZIP);
    assert_non_null(strstr(err.message, "not a zip"));
    assert_int_equal(open_status(content, 0, &err), DFOTA_E_BAD_ZIP);
}

/* A zip of `size` zeros written by libarchive with no checks: a real bomb. */
static la_ssize_t append(struct archive *a, void *ctx, const void *buf, size_t n)
{
    uint8_t **cursor = ctx;

    (void)a;
    memcpy(*cursor, buf, n);
    *cursor += n;
    return (la_ssize_t)n;
}

static void zip_bombs(void **state)
{
    const size_t bomb_size = 8u << 20;
    uint8_t *zeros = calloc(bomb_size, 1), *zip = malloc(1u << 20), *cursor = zip;
    uint8_t *content = signer_test_payload(2000, 10), *deflated, hand[CAP];
    struct archive *a = archive_write_new();
    struct archive_entry *entry = archive_entry_new();
    struct test_zip_entry e;
    struct dfota_error err;
    size_t deflated_size, size;

    (void)state;
    assert_non_null(zeros);
    assert_non_null(zip);
    assert_int_equal(archive_write_set_format_zip(a), ARCHIVE_OK);
    assert_int_equal(archive_write_set_options(a, "zip:compression=deflate"), ARCHIVE_OK);
    assert_int_equal(archive_write_set_bytes_per_block(a, 0), ARCHIVE_OK);
    assert_int_equal(archive_write_open2(a, &cursor, NULL, append, NULL, NULL), ARCHIVE_OK);
    archive_entry_set_pathname(entry, "bomb.bin");
    archive_entry_set_filetype(entry, AE_IFREG);
    archive_entry_set_perm(entry, 0644);
    archive_entry_set_size(entry, (la_int64_t)bomb_size);
    assert_int_equal(archive_write_header(a, entry), ARCHIVE_OK);
    assert_int_equal(archive_write_data(a, zeros, bomb_size), (la_ssize_t)bomb_size);
    assert_int_equal(archive_write_close(a), ARCHIVE_OK);
    archive_write_free(a);
    archive_entry_free(entry);
    assert_true((size_t)(cursor - zip) < bomb_size / 900);
    assert_int_equal(open_status(zip, (size_t)(cursor - zip), &err), DFOTA_E_UNSAFE_ZIP);
    assert_non_null(strstr(err.message, "zip bomb"));

    /* A bomb that lies about its size: inflating stops one byte past the declared size. */
    deflated = signer_test_deflate(content, 2000, &deflated_size);
    memset(&e, 0, sizeof(e));
    e.name = "liar.bin";
    e.method = 8;
    e.data = deflated;
    e.data_size = deflated_size;
    e.uncompressed_size = 1000;
    e.crc32 = dfota_crc32(0, content, 1000);
    size = test_zip_build(&e, 1, NULL, hand, sizeof(hand), NULL, NULL);
    assert_int_equal(open_status(hand, size, &err), DFOTA_E_BAD_ZIP);
    /* Four bytes more than declared: libarchive's own reason, which it ends
     * with a newline; the message keeps none. */
    e.uncompressed_size = 1996;
    e.crc32 = dfota_crc32(0, content, 1996);
    size = test_zip_build(&e, 1, NULL, hand, sizeof(hand), NULL, NULL);
    assert_int_equal(open_status(hand, size, &err), DFOTA_E_BAD_ZIP);
    assert_non_null(strstr(err.message, "cannot inflate 'liar.bin': ZIP uncompressed data is "
                                        "wrong size"));
    assert_null(strchr(err.message, '\n'));
    /* Declared sizes past the ratio, before anything is inflated. */
    e.uncompressed_size = (uint32_t)(deflated_size * 1001);
    size = test_zip_build(&e, 1, NULL, hand, sizeof(hand), NULL, NULL);
    assert_int_equal(open_status(hand, size, &err), DFOTA_E_UNSAFE_ZIP);
    /* Corrupt deflate data. */
    e.uncompressed_size = 2000;
    e.crc32 = dfota_crc32(0, content, 2000);
    deflated[deflated_size / 2] ^= 0x55;
    size = test_zip_build(&e, 1, NULL, hand, sizeof(hand), NULL, NULL);
    assert_int_equal(open_status(hand, size, &err), DFOTA_E_BAD_ZIP);
    assert_non_null(strstr(err.message, "cannot inflate"));
    /* Deflate data followed by junk inside its declared compressed size. */
    deflated[deflated_size / 2] ^= 0x55;
    {
        uint8_t padded[CAP / 2];

        assert_true(deflated_size + 8 <= sizeof(padded));
        memcpy(padded, deflated, deflated_size);
        memset(padded + deflated_size, 0, 8);
        e.data = padded;
        e.data_size = deflated_size + 8;
        size = test_zip_build(&e, 1, NULL, hand, sizeof(hand), NULL, NULL);
        assert_int_equal(open_status(hand, size, &err), DFOTA_E_BAD_ZIP);
        e.data_size = deflated_size;
        size = test_zip_build(&e, 1, NULL, hand, sizeof(hand), NULL, NULL);
        assert_int_equal(open_status(hand, size, &err), DFOTA_OK);
    }
    free(deflated);
    free(content);
    free(zip);
    free(zeros);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(create_then_open),
        cmocka_unit_test(create_is_deterministic),
        cmocka_unit_test(source_date_epoch_changes_only_time_fields),
        cmocka_unit_test(time_zone_does_not_matter),
        cmocka_unit_test(create_clamps_and_limits_the_date),
        cmocka_unit_test(create_refuses_bad_names_and_content),
        cmocka_unit_test(create_refuses_content_that_would_be_a_bomb),
        cmocka_unit_test(open_accepts_stored_and_descriptor_variants),
        cmocka_unit_test(ambiguous_layouts),
        cmocka_unit_test(truncated_at_every_length),
        cmocka_unit_test(every_byte_flip_is_handled),
        cmocka_unit_test(hostile_structures),
        cmocka_unit_test(hostile_names),
        cmocka_unit_test(hostile_entry_sets),
        cmocka_unit_test(zip_bombs),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
