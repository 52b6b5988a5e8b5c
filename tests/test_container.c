/*
 * test_container.c - the package container: round trip of every field, the
 * exact layout, and one distinct refusal per corruption class.
 */
#include <stdio.h>

#include "test_helpers.h"

struct encoded {
    uint8_t buf[DFOTA_CONTAINER_HEADER_MAX + 64];
    size_t size;
};

static void encode_sample(struct encoded *e, unsigned type)
{
    struct dfota_package_header hdr;
    struct dfota_error err;

    test_sample_header(&hdr, type);
    memset(e->buf, 0xEE, sizeof(e->buf));
    assert_int_equal(dfota_container_encode(&hdr, e->buf, sizeof(e->buf), &e->size, &err),
                     DFOTA_OK);
}

static enum dfota_status parse(const struct encoded *e, struct dfota_package_header *hdr,
                               struct dfota_error *err)
{
    return dfota_container_parse(e->buf, e->size, hdr, err);
}

static enum dfota_status parse_status(const struct encoded *e)
{
    struct dfota_package_header hdr;
    struct dfota_error err;

    return parse(e, &hdr, &err);
}

/* Append a TLV at the end of the field area, update the size, fix the CRC. */
static void append_tlv(struct encoded *e, uint16_t type, uint16_t len, const uint8_t *value)
{
    size_t at = e->size - 4;

    dfota_put_le16(e->buf + at, type);
    dfota_put_le16(e->buf + at + 2, len);
    if (len)
        memcpy(e->buf + at + 4, value, len);
    e->size += 4u + len;
    dfota_put_le32(e->buf + 12, (uint32_t)e->size);
    test_fix_crc(e->buf);
}

static void remove_tlv(struct encoded *e, uint16_t type)
{
    size_t at = test_find_tlv(e->buf, type), len;

    assert_true(at != 0);
    len = 4u + dfota_get_le16(e->buf + at + 2);
    memmove(e->buf + at, e->buf + at + len, e->size - at - len);
    e->size -= len;
    dfota_put_le32(e->buf + 12, (uint32_t)e->size);
    test_fix_crc(e->buf);
}

/* Replace the value of a TLV by one of another length. */
static void replace_tlv(struct encoded *e, uint16_t type, uint16_t len, const uint8_t *value)
{
    remove_tlv(e, type);
    append_tlv(e, type, len, value);
}

static void assert_headers_equal(const struct dfota_package_header *want,
                                 const struct dfota_package_header *got)
{
    assert_int_equal(got->package_type, want->package_type);
    assert_int_equal(got->flags, 0);
    assert_string_equal(got->source_version, want->source_version);
    assert_string_equal(got->target_version, want->target_version);
    assert_int_equal(got->source.size, want->source.size);
    assert_memory_equal(got->source.md5, want->source.md5, DFOTA_MD5_SIZE);
    assert_memory_equal(got->source.sha256, want->source.sha256, DFOTA_SHA256_SIZE);
    assert_int_equal(got->target.size, want->target.size);
    assert_memory_equal(got->target.md5, want->target.md5, DFOTA_MD5_SIZE);
    assert_memory_equal(got->target.sha256, want->target.sha256, DFOTA_SHA256_SIZE);
    assert_int_equal(got->payload.size, want->payload.size);
    assert_memory_equal(got->payload.md5, want->payload.md5, DFOTA_MD5_SIZE);
    assert_memory_equal(got->payload.sha256, want->payload.sha256, DFOTA_SHA256_SIZE);
    assert_int_equal(got->payload_encoding, want->payload_encoding);
    assert_int_equal(got->workspace_size, want->workspace_size);
    assert_true(got->created == want->created);
    assert_int_equal(got->skipped_fields, 0);
}

static void round_trip_full_keeps_every_field(void **state)
{
    struct dfota_package_header want, got;
    struct dfota_error err;
    struct encoded e;

    (void)state;
    test_sample_header(&want, DFOTA_PACKAGE_FULL);
    encode_sample(&e, DFOTA_PACKAGE_FULL);
    assert_int_equal(parse(&e, &got, &err), DFOTA_OK);
    assert_headers_equal(&want, &got);
    assert_int_equal(got.format_version, DFOTA_CONTAINER_FORMAT_VERSION);
    assert_int_equal(got.header_size, e.size);
    assert_int_equal(got.header_crc32, dfota_get_le32(e.buf + e.size - 4));
}

static void round_trip_delta_keeps_every_field(void **state)
{
    struct dfota_package_header want, got;
    struct dfota_error err;
    struct encoded e;

    (void)state;
    test_sample_header(&want, DFOTA_PACKAGE_DELTA);
    encode_sample(&e, DFOTA_PACKAGE_DELTA);
    assert_int_equal(parse(&e, &got, &err), DFOTA_OK);
    assert_headers_equal(&want, &got);
}

static void round_trip_extreme_values(void **state)
{
    struct dfota_package_header want, got;
    struct dfota_error err;
    uint8_t buf[DFOTA_CONTAINER_HEADER_MAX];
    size_t size;

    (void)state;
    test_sample_header(&want, DFOTA_PACKAGE_DELTA);
    memset(want.source_version, 'V', DFOTA_VERSION_MAX);
    want.source_version[DFOTA_VERSION_MAX] = '\0';
    strcpy(want.target_version, "A");
    want.source.size = UINT32_MAX;
    want.target.size = 0;
    want.payload.size = UINT32_MAX;
    want.workspace_size = UINT32_MAX;
    want.created = UINT64_MAX;
    assert_int_equal(dfota_container_encode(&want, buf, sizeof(buf), &size, &err), DFOTA_OK);
    assert_int_equal(dfota_container_parse(buf, size, &got, &err), DFOTA_OK);
    assert_headers_equal(&want, &got);
}

/* The exact bytes: a change here is a format change (docs/FORMAT.md, version bump). */
static void layout_matches_the_format_document(void **state)
{
    static const uint8_t magic[8] = {0x89, 'D', 'F', 'O', 'T', 'A', 0x0d, 0x0a};
    struct encoded e;
    size_t pos;

    (void)state;
    encode_sample(&e, DFOTA_PACKAGE_FULL);
    assert_int_equal(e.size, 187);
    assert_memory_equal(e.buf, magic, 8);
    assert_int_equal(e.buf[8], 2);
    assert_int_equal(e.buf[9], DFOTA_PACKAGE_FULL);
    assert_int_equal(dfota_get_le16(e.buf + 10), 0);
    assert_int_equal(dfota_get_le32(e.buf + 12), 187);
    /* First field: target version, type 0x8002 little-endian, length 10. */
    assert_int_equal(e.buf[16], 0x02);
    assert_int_equal(e.buf[17], 0x80);
    assert_int_equal(dfota_get_le16(e.buf + 18), 10);
    assert_memory_equal(e.buf + 20, "BC25R01A04", 10);
    pos = test_find_tlv(e.buf, DFOTA_TLV_TARGET_SIZE);
    assert_int_equal(pos, 30);
    assert_int_equal(dfota_get_le32(e.buf + pos + 4), 0x00021a3c);
    pos = test_find_tlv(e.buf, DFOTA_TLV_CREATED);
    assert_int_equal(pos, 187 - 4 - 12);
    assert_true(dfota_get_le64(e.buf + pos + 4) == 0x0000000165f5e100ull);
    assert_int_equal(dfota_get_le32(e.buf + 183), dfota_crc32(0, e.buf, 183));
    assert_int_equal(dfota_get_le32(e.buf + 183), 0x9ac8f271); /* computed independently from docs/FORMAT.md */
    assert_int_equal(test_find_tlv(e.buf, DFOTA_TLV_SOURCE_VERSION), 0);
}

static void encoding_is_deterministic(void **state)
{
    struct encoded a, b;

    (void)state;
    encode_sample(&a, DFOTA_PACKAGE_DELTA);
    encode_sample(&b, DFOTA_PACKAGE_DELTA);
    assert_int_equal(a.size, b.size);
    assert_memory_equal(a.buf, b.buf, a.size);
}

static void truncated_preamble_is_refused(void **state)
{
    struct dfota_package_header hdr;
    struct dfota_error err;
    uint32_t header_size;
    struct encoded e;
    size_t n;

    (void)state;
    encode_sample(&e, DFOTA_PACKAGE_FULL);
    for (n = 0; n < DFOTA_CONTAINER_PREAMBLE_SIZE; n++) {
        assert_int_equal(dfota_container_peek(e.buf, n, &header_size, &err), DFOTA_E_TRUNCATED);
        assert_int_equal(dfota_container_parse(e.buf, n, &hdr, &err), DFOTA_E_TRUNCATED);
    }
}

static void truncated_header_is_refused(void **state)
{
    struct dfota_package_header hdr;
    struct dfota_error err;
    struct encoded e;
    size_t n;

    (void)state;
    encode_sample(&e, DFOTA_PACKAGE_DELTA);
    for (n = DFOTA_CONTAINER_PREAMBLE_SIZE; n < e.size; n++) {
        assert_int_equal(dfota_container_parse(e.buf, n, &hdr, &err), DFOTA_E_TRUNCATED);
        assert_non_null(strstr(err.message, "only"));
    }
}

static void bad_magic_is_refused(void **state)
{
    struct encoded e;
    size_t i;

    (void)state;
    for (i = 0; i < DFOTA_CONTAINER_MAGIC_SIZE; i++) {
        encode_sample(&e, DFOTA_PACKAGE_FULL);
        e.buf[i] ^= 0x20;
        assert_int_equal(parse_status(&e), DFOTA_E_BAD_MAGIC);
    }
}

static void unknown_format_version_is_refused(void **state)
{
    static const uint8_t versions[] = {0, 1, 3, 0x81, 0xff}; /* 1: dfota 0.2 */
    struct dfota_package_header hdr;
    struct dfota_error err;
    struct encoded e;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(versions); i++) {
        encode_sample(&e, DFOTA_PACKAGE_FULL);
        e.buf[8] = versions[i];
        test_fix_crc(e.buf);
        assert_int_equal(parse(&e, &hdr, &err), DFOTA_E_UNSUPPORTED_VERSION);
        assert_non_null(strstr(err.message, "version"));
    }
}

static void header_size_out_of_range_is_refused(void **state)
{
    static const uint32_t sizes[] = {0, 19, 4097, 0x10000, UINT32_MAX};
    struct encoded e;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        encode_sample(&e, DFOTA_PACKAGE_FULL);
        dfota_put_le32(e.buf + 12, sizes[i]);
        assert_int_equal(parse_status(&e), DFOTA_E_BAD_LENGTH);
    }
}

static void checksum_mismatch_is_refused(void **state)
{
    struct dfota_package_header hdr;
    struct dfota_error err;
    struct encoded e;
    size_t i;

    (void)state;
    for (i = DFOTA_CONTAINER_PREAMBLE_SIZE; i < 187; i++) {
        encode_sample(&e, DFOTA_PACKAGE_FULL);
        e.buf[i] ^= 0x01;
        assert_int_equal(parse(&e, &hdr, &err), DFOTA_E_HEADER_CHECKSUM);
    }
    assert_non_null(strstr(err.message, "CRC-32"));
}

/* Every single-bit flip anywhere in the header is refused, whatever the reason. */
static void every_bit_flip_is_refused(void **state)
{
    struct encoded e, flipped;
    size_t i;
    int bit;

    (void)state;
    encode_sample(&e, DFOTA_PACKAGE_DELTA);
    for (i = 0; i < e.size; i++) {
        for (bit = 0; bit < 8; bit++) {
            flipped = e;
            flipped.buf[i] ^= (uint8_t)(1u << bit);
            assert_int_not_equal(parse_status(&flipped), DFOTA_OK);
        }
    }
}

static void field_length_past_end_is_refused(void **state)
{
    struct dfota_package_header hdr;
    struct dfota_error err;
    struct encoded e;
    size_t pos;

    (void)state;
    encode_sample(&e, DFOTA_PACKAGE_FULL);
    pos = test_find_tlv(e.buf, DFOTA_TLV_CREATED);
    dfota_put_le16(e.buf + pos + 2, 9); /* one byte into the CRC */
    test_fix_crc(e.buf);
    assert_int_equal(parse(&e, &hdr, &err), DFOTA_E_BAD_LENGTH);
    assert_non_null(strstr(err.message, "claims 9 bytes"));

    encode_sample(&e, DFOTA_PACKAGE_FULL);
    dfota_put_le16(e.buf + 18, 0xffff);
    test_fix_crc(e.buf);
    assert_int_equal(parse_status(&e), DFOTA_E_BAD_LENGTH);
}

static void stray_bytes_after_fields_are_refused(void **state)
{
    struct encoded e;

    (void)state;
    encode_sample(&e, DFOTA_PACKAGE_FULL);
    e.buf[e.size - 4] = 0x0e;
    e.buf[e.size - 3] = 0x00;
    e.size += 2;
    dfota_put_le32(e.buf + 12, (uint32_t)e.size);
    test_fix_crc(e.buf);
    assert_int_equal(parse_status(&e), DFOTA_E_BAD_LENGTH);
}

static void unknown_critical_field_is_refused(void **state)
{
    static const uint8_t value[3] = {1, 2, 3};
    struct dfota_error err;
    struct dfota_package_header hdr;
    struct encoded e;

    (void)state;
    encode_sample(&e, DFOTA_PACKAGE_FULL);
    append_tlv(&e, 0x8040, sizeof(value), value);
    assert_int_equal(parse(&e, &hdr, &err), DFOTA_E_UNSUPPORTED_FEATURE);
    assert_non_null(strstr(err.message, "0x8040"));
}

static void unknown_optional_field_is_skipped(void **state)
{
    static const uint8_t value[5] = {'h', 'e', 'l', 'l', 'o'};
    struct dfota_package_header want, got;
    struct dfota_error err;
    struct encoded e;

    (void)state;
    test_sample_header(&want, DFOTA_PACKAGE_DELTA);
    encode_sample(&e, DFOTA_PACKAGE_DELTA);
    append_tlv(&e, 0x0040, sizeof(value), value);
    append_tlv(&e, 0x7fff, 0, NULL);
    assert_int_equal(parse(&e, &got, &err), DFOTA_OK);
    assert_int_equal(got.skipped_fields, 2);
    got.skipped_fields = 0;
    assert_headers_equal(&want, &got);
}

static void fields_in_any_order_are_accepted(void **state)
{
    struct dfota_package_header want, got;
    struct dfota_error err;
    struct encoded e;
    uint8_t value[DFOTA_VERSION_MAX];
    size_t pos;
    uint16_t len;

    (void)state;
    test_sample_header(&want, DFOTA_PACKAGE_DELTA);
    encode_sample(&e, DFOTA_PACKAGE_DELTA);
    /* Move the source version from first to last. */
    pos = test_find_tlv(e.buf, DFOTA_TLV_SOURCE_VERSION);
    len = dfota_get_le16(e.buf + pos + 2);
    memcpy(value, e.buf + pos + 4, len);
    replace_tlv(&e, DFOTA_TLV_SOURCE_VERSION, len, value);
    assert_true(test_find_tlv(e.buf, DFOTA_TLV_SOURCE_VERSION) > pos);
    assert_int_equal(parse(&e, &got, &err), DFOTA_OK);
    assert_headers_equal(&want, &got);
}

static void duplicate_field_is_refused(void **state)
{
    static const uint8_t size[4] = {1, 0, 0, 0};
    struct dfota_package_header hdr;
    struct dfota_error err;
    struct encoded e;

    (void)state;
    encode_sample(&e, DFOTA_PACKAGE_FULL);
    append_tlv(&e, DFOTA_TLV_TARGET_SIZE, sizeof(size), size);
    assert_int_equal(parse(&e, &hdr, &err), DFOTA_E_MALFORMED);
    assert_non_null(strstr(err.message, "target_size appears twice"));
}

static void missing_required_field_is_refused(void **state)
{
    static const uint16_t full_required[] = {
        DFOTA_TLV_TARGET_VERSION, DFOTA_TLV_TARGET_SIZE,    DFOTA_TLV_TARGET_MD5,
        DFOTA_TLV_TARGET_SHA256,  DFOTA_TLV_PAYLOAD_SIZE,   DFOTA_TLV_PAYLOAD_MD5,
        DFOTA_TLV_PAYLOAD_SHA256, DFOTA_TLV_PAYLOAD_ENCODING, DFOTA_TLV_WORKSPACE_SIZE};
    static const uint16_t delta_required[] = {DFOTA_TLV_SOURCE_VERSION, DFOTA_TLV_SOURCE_SIZE,
                                              DFOTA_TLV_SOURCE_MD5, DFOTA_TLV_SOURCE_SHA256};
    struct dfota_package_header hdr;
    struct dfota_error err;
    struct encoded e;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(full_required) / sizeof(full_required[0]); i++) {
        encode_sample(&e, DFOTA_PACKAGE_FULL);
        remove_tlv(&e, full_required[i]);
        assert_int_equal(parse(&e, &hdr, &err), DFOTA_E_MALFORMED);
        assert_non_null(strstr(err.message, dfota_tlv_name(full_required[i])));
    }
    for (i = 0; i < sizeof(delta_required) / sizeof(delta_required[0]); i++) {
        encode_sample(&e, DFOTA_PACKAGE_DELTA);
        remove_tlv(&e, delta_required[i]);
        assert_int_equal(parse(&e, &hdr, &err), DFOTA_E_MALFORMED);
        assert_non_null(strstr(err.message, "missing"));
    }
    /* The creation time is optional. */
    encode_sample(&e, DFOTA_PACKAGE_FULL);
    remove_tlv(&e, DFOTA_TLV_CREATED);
    assert_int_equal(parse(&e, &hdr, &err), DFOTA_OK);
    assert_true(hdr.created == 0);
}

static void wrong_field_length_is_refused(void **state)
{
    static const uint8_t three[3] = {1, 2, 3};
    static const uint16_t fixed[] = {DFOTA_TLV_TARGET_SIZE,    DFOTA_TLV_TARGET_MD5,
                                     DFOTA_TLV_TARGET_SHA256,  DFOTA_TLV_PAYLOAD_ENCODING,
                                     DFOTA_TLV_WORKSPACE_SIZE, DFOTA_TLV_CREATED};
    struct dfota_package_header hdr;
    struct dfota_error err;
    struct encoded e;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
        encode_sample(&e, DFOTA_PACKAGE_FULL);
        replace_tlv(&e, fixed[i], sizeof(three), three);
        assert_int_equal(parse(&e, &hdr, &err), DFOTA_E_MALFORMED);
        assert_non_null(strstr(err.message, "has length 3"));
    }
}

static void bad_version_strings_are_refused(void **state)
{
    static const char *const bad[] = {"", "BC25 R01", "BC25/R01", "..", "-x", "v\x01"};
    uint8_t long_version[DFOTA_VERSION_MAX + 1];
    struct encoded e;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        encode_sample(&e, DFOTA_PACKAGE_FULL);
        replace_tlv(&e, DFOTA_TLV_TARGET_VERSION, (uint16_t)strlen(bad[i]),
                    (const uint8_t *)bad[i]);
        assert_int_equal(parse_status(&e), DFOTA_E_MALFORMED);
    }
    memset(long_version, 'A', sizeof(long_version));
    encode_sample(&e, DFOTA_PACKAGE_FULL);
    replace_tlv(&e, DFOTA_TLV_TARGET_VERSION, sizeof(long_version), long_version);
    assert_int_equal(parse_status(&e), DFOTA_E_MALFORMED);
    encode_sample(&e, DFOTA_PACKAGE_FULL);
    replace_tlv(&e, DFOTA_TLV_TARGET_VERSION, 3, (const uint8_t *)"A\0B");
    assert_int_equal(parse_status(&e), DFOTA_E_MALFORMED);
}

static void source_fields_in_full_package_are_refused(void **state)
{
    static const uint8_t size[4] = {0, 1, 0, 0};
    struct encoded e;

    (void)state;
    encode_sample(&e, DFOTA_PACKAGE_FULL);
    append_tlv(&e, DFOTA_TLV_SOURCE_SIZE, sizeof(size), size);
    assert_int_equal(parse_status(&e), DFOTA_E_MALFORMED);
}

static void unknown_type_flags_and_encoding_are_refused(void **state)
{
    static const uint8_t encoding_unknown = 9, encoding_patch = DFOTA_ENCODING_PATCH;
    struct encoded e;

    (void)state;
    encode_sample(&e, DFOTA_PACKAGE_FULL);
    e.buf[9] = 3;
    test_fix_crc(e.buf);
    assert_int_equal(parse_status(&e), DFOTA_E_UNSUPPORTED_FEATURE);

    encode_sample(&e, DFOTA_PACKAGE_FULL);
    e.buf[10] = 0x01;
    test_fix_crc(e.buf);
    assert_int_equal(parse_status(&e), DFOTA_E_UNSUPPORTED_FEATURE);

    encode_sample(&e, DFOTA_PACKAGE_FULL);
    replace_tlv(&e, DFOTA_TLV_PAYLOAD_ENCODING, 1, &encoding_unknown);
    assert_int_equal(parse_status(&e), DFOTA_E_UNSUPPORTED_FEATURE);

    /* A full package with a patch payload is inconsistent. */
    encode_sample(&e, DFOTA_PACKAGE_FULL);
    replace_tlv(&e, DFOTA_TLV_PAYLOAD_ENCODING, 1, &encoding_patch);
    assert_int_equal(parse_status(&e), DFOTA_E_MALFORMED);
}

static void zero_payload_size_is_refused(void **state)
{
    static const uint8_t zero[4] = {0, 0, 0, 0};
    struct encoded e;

    (void)state;
    encode_sample(&e, DFOTA_PACKAGE_FULL);
    replace_tlv(&e, DFOTA_TLV_PAYLOAD_SIZE, sizeof(zero), zero);
    assert_int_equal(parse_status(&e), DFOTA_E_MALFORMED);
}

static void package_size_is_checked(void **state)
{
    struct dfota_package_header hdr;
    struct dfota_error err;

    (void)state;
    test_sample_header(&hdr, DFOTA_PACKAGE_FULL);
    hdr.header_size = 187;
    assert_int_equal(dfota_container_check_size(&hdr, 187 + 0x1234, &err), DFOTA_OK);
    assert_int_equal(dfota_container_check_size(&hdr, 187 + 0x1233, &err), DFOTA_E_TRUNCATED);
    assert_int_equal(dfota_container_check_size(&hdr, 187, &err), DFOTA_E_TRUNCATED);
    assert_int_equal(dfota_container_check_size(&hdr, 187 + 0x1235, &err),
                     DFOTA_E_TRAILING_DATA);
    assert_non_null(strstr(err.message, "1 unexpected byte"));
}

static void encoder_refuses_small_buffer_and_bad_headers(void **state)
{
    struct dfota_package_header hdr;
    struct dfota_error err;
    uint8_t buf[DFOTA_CONTAINER_HEADER_MAX];
    size_t size = 0;

    (void)state;
    test_sample_header(&hdr, DFOTA_PACKAGE_FULL);
    assert_int_equal(dfota_container_encode(&hdr, buf, 186, &size, &err), DFOTA_E_NO_MEMORY);
    assert_int_equal(dfota_container_encode(&hdr, buf, 187, &size, &err), DFOTA_OK);
    assert_int_equal(size, 187);

    test_sample_header(&hdr, DFOTA_PACKAGE_FULL);
    strcpy(hdr.source_version, "BC25R01A03");
    assert_int_equal(dfota_container_encode(&hdr, buf, sizeof(buf), &size, &err),
                     DFOTA_E_MALFORMED);
    test_sample_header(&hdr, DFOTA_PACKAGE_DELTA);
    hdr.source_version[0] = '\0';
    assert_int_equal(dfota_container_encode(&hdr, buf, sizeof(buf), &size, &err),
                     DFOTA_E_MALFORMED);
    test_sample_header(&hdr, DFOTA_PACKAGE_DELTA);
    hdr.package_type = 7;
    assert_int_equal(dfota_container_encode(&hdr, buf, sizeof(buf), &size, &err),
                     DFOTA_E_UNSUPPORTED_FEATURE);
}

static void version_check_accepts_vendor_names(void **state)
{
    static const char *const good[] = {"BC25R01A03", "EC200TCNTCNMAR02A02M16", "BC25PAR01A04",
                                       "v1.2.3-rc_1+build", "A"};
    struct dfota_error err;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        assert_int_equal(dfota_version_check(good[i], "version", &err), DFOTA_OK);
    assert_int_equal(dfota_version_check(NULL, "version", &err), DFOTA_E_INVALID_ARGUMENT);
    assert_int_equal(dfota_version_check("a b", "target version", &err),
                     DFOTA_E_INVALID_ARGUMENT);
    assert_non_null(strstr(err.message, "target version has character 0x20"));
}

static void iterator_walks_every_field(void **state)
{
    struct dfota_tlv_iter it;
    struct dfota_tlv tlv;
    struct dfota_error err;
    struct encoded e;
    unsigned count = 0;

    (void)state;
    encode_sample(&e, DFOTA_PACKAGE_DELTA);
    dfota_tlv_iter_init(&it, e.buf, (uint32_t)e.size);
    while (!dfota_tlv_iter_done(&it)) {
        assert_int_equal(dfota_tlv_iter_next(&it, &tlv, &err), DFOTA_OK);
        assert_non_null(dfota_tlv_name(tlv.type));
        assert_true(tlv.value > e.buf && tlv.value + tlv.length <= e.buf + e.size - 4);
        count++;
    }
    assert_int_equal(count, 14);
    assert_null(dfota_tlv_name(0x8040));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_trip_full_keeps_every_field),
        cmocka_unit_test(round_trip_delta_keeps_every_field),
        cmocka_unit_test(round_trip_extreme_values),
        cmocka_unit_test(layout_matches_the_format_document),
        cmocka_unit_test(encoding_is_deterministic),
        cmocka_unit_test(truncated_preamble_is_refused),
        cmocka_unit_test(truncated_header_is_refused),
        cmocka_unit_test(bad_magic_is_refused),
        cmocka_unit_test(unknown_format_version_is_refused),
        cmocka_unit_test(header_size_out_of_range_is_refused),
        cmocka_unit_test(checksum_mismatch_is_refused),
        cmocka_unit_test(every_bit_flip_is_refused),
        cmocka_unit_test(field_length_past_end_is_refused),
        cmocka_unit_test(stray_bytes_after_fields_are_refused),
        cmocka_unit_test(unknown_critical_field_is_refused),
        cmocka_unit_test(unknown_optional_field_is_skipped),
        cmocka_unit_test(fields_in_any_order_are_accepted),
        cmocka_unit_test(duplicate_field_is_refused),
        cmocka_unit_test(missing_required_field_is_refused),
        cmocka_unit_test(wrong_field_length_is_refused),
        cmocka_unit_test(bad_version_strings_are_refused),
        cmocka_unit_test(source_fields_in_full_package_are_refused),
        cmocka_unit_test(unknown_type_flags_and_encoding_are_refused),
        cmocka_unit_test(zero_payload_size_is_refused),
        cmocka_unit_test(package_size_is_checked),
        cmocka_unit_test(encoder_refuses_small_buffer_and_bad_headers),
        cmocka_unit_test(version_check_accepts_vendor_names),
        cmocka_unit_test(iterator_walks_every_field),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
