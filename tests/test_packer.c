/*
 * test_packer.c - full-image packages: round trip, determinism, digests,
 * and refusals of packages whose payload does not match the header.
 */
#define ZSTD_STATIC_LINKING_ONLY
#include <stdlib.h>

#include <zstd.h>

#include "test_helpers.h"

#include "dfota/packer.h"

#define IMAGE_SIZE (150u * 1024u)

static uint8_t *make_image(size_t size, uint32_t seed)
{
    uint8_t *image = malloc(size ? size : 1);

    assert_non_null(image);
    test_fill_image(image, size, seed);
    return image;
}

static void pack(const uint8_t *image, size_t size, uint64_t created, unsigned window_log,
                 uint8_t **package, size_t *package_size)
{
    struct dfota_full_options opts;
    struct dfota_error err;

    dfota_full_options_init(&opts);
    opts.target_version = "BC25R01A04";
    opts.created = created;
    opts.window_log = window_log;
    assert_int_equal(dfota_pack_full(image, size, &opts, package, package_size, &err), DFOTA_OK);
}

/* Rewrite the header of `package` through `edit`, keeping the payload. */
static void rewrite_header(uint8_t **package, size_t *size,
                           void (*edit)(struct dfota_package_header *, uint8_t *payload))
{
    struct dfota_package_header hdr;
    struct dfota_error err;
    uint8_t header[DFOTA_CONTAINER_HEADER_MAX], *out, *payload;
    size_t header_size, payload_size;

    assert_int_equal(dfota_container_parse(*package, *size, &hdr, &err), DFOTA_OK);
    payload_size = *size - hdr.header_size;
    payload = malloc(payload_size);
    assert_non_null(payload);
    memcpy(payload, *package + hdr.header_size, payload_size);
    edit(&hdr, payload);
    assert_int_equal(dfota_container_encode(&hdr, header, sizeof(header), &header_size, &err),
                     DFOTA_OK);
    out = malloc(header_size + payload_size);
    assert_non_null(out);
    memcpy(out, header, header_size);
    memcpy(out + header_size, payload, payload_size);
    free(payload);
    free(*package);
    *package = out;
    *size = header_size + payload_size;
}

static enum dfota_status open_and_unpack(const uint8_t *package, size_t size,
                                         struct dfota_error *err)
{
    struct dfota_package_header hdr;
    const uint8_t *payload;
    uint8_t *image = NULL;
    size_t image_size;
    enum dfota_status st;

    st = dfota_package_open(package, size, &hdr, &payload, err);
    if (st == DFOTA_OK)
        st = dfota_package_unpack_full(&hdr, payload, &image, &image_size, err);
    free(image);
    return st;
}

static void digests_match_known_vectors(void **state)
{
    static const uint8_t md5_abc[16] = {0x90, 0x01, 0x50, 0x98, 0x3c, 0xd2, 0x4f, 0xb0,
                                        0xd6, 0x96, 0x3f, 0x7d, 0x28, 0xe1, 0x7f, 0x72};
    static const uint8_t sha256_abc[32] = {
        0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
        0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};
    struct dfota_image_info info;
    struct dfota_error err;

    (void)state;
    assert_int_equal(dfota_image_info_compute((const uint8_t *)"abc", 3, &info, &err), DFOTA_OK);
    assert_int_equal(info.size, 3);
    assert_memory_equal(info.md5, md5_abc, 16);
    assert_memory_equal(info.sha256, sha256_abc, 32);
}

static void full_package_round_trip(void **state)
{
    struct dfota_package_header hdr;
    struct dfota_image_info info;
    struct dfota_error err;
    const uint8_t *payload;
    uint8_t *image = make_image(IMAGE_SIZE, 1), *package, *unpacked;
    size_t package_size, unpacked_size;

    (void)state;
    pack(image, IMAGE_SIZE, 1700000000, 16, &package, &package_size);
    assert_true(package_size < IMAGE_SIZE);
    assert_int_equal(dfota_package_open(package, package_size, &hdr, &payload, &err), DFOTA_OK);
    assert_int_equal(hdr.package_type, DFOTA_PACKAGE_FULL);
    assert_int_equal(hdr.payload_encoding, DFOTA_ENCODING_ZSTD);
    assert_string_equal(hdr.target_version, "BC25R01A04");
    assert_string_equal(hdr.source_version, "");
    assert_true(hdr.created == 1700000000);
    assert_int_equal(hdr.header_size + hdr.payload.size, package_size);
    assert_ptr_equal(payload, package + hdr.header_size);
    assert_int_equal(dfota_image_info_compute(image, IMAGE_SIZE, &info, &err), DFOTA_OK);
    assert_int_equal(hdr.target.size, IMAGE_SIZE);
    assert_memory_equal(hdr.target.md5, info.md5, 16);
    assert_memory_equal(hdr.target.sha256, info.sha256, 32);
    assert_int_equal(hdr.workspace_size, ZSTD_estimateDStreamSize_fromFrame(payload, hdr.payload.size));
    assert_int_equal(dfota_package_unpack_full(&hdr, payload, &unpacked, &unpacked_size, &err),
                     DFOTA_OK);
    assert_int_equal(unpacked_size, IMAGE_SIZE);
    assert_memory_equal(unpacked, image, IMAGE_SIZE);
    free(unpacked);
    free(package);
    free(image);
}

static void full_package_is_deterministic(void **state)
{
    uint8_t *image = make_image(IMAGE_SIZE, 2), *a, *b, *c;
    size_t a_size, b_size, c_size, i, differing = 0;

    (void)state;
    pack(image, IMAGE_SIZE, 0, 16, &a, &a_size);
    pack(image, IMAGE_SIZE, 0, 16, &b, &b_size);
    assert_int_equal(a_size, b_size);
    assert_memory_equal(a, b, a_size);
    /* Another creation time changes only the time field and the CRC. */
    pack(image, IMAGE_SIZE, 1234567890, 16, &c, &c_size);
    assert_int_equal(a_size, c_size);
    for (i = 0; i < a_size; i++)
        differing += a[i] != c[i];
    assert_true(differing >= 1 && differing <= 8 + 4);
    free(a);
    free(b);
    free(c);
    free(image);
}

static void window_log_bounds_the_device_workspace(void **state)
{
    struct dfota_package_header small_hdr, large_hdr;
    struct dfota_error err;
    uint8_t *image = make_image(IMAGE_SIZE, 3), *small, *large;
    size_t small_size, large_size;

    (void)state;
    pack(image, IMAGE_SIZE, 0, 10, &small, &small_size);
    pack(image, IMAGE_SIZE, 0, 18, &large, &large_size);
    assert_int_equal(dfota_container_parse(small, small_size, &small_hdr, &err), DFOTA_OK);
    assert_int_equal(dfota_container_parse(large, large_size, &large_hdr, &err), DFOTA_OK);
    assert_true(small_hdr.workspace_size + (200u * 1024u) < large_hdr.workspace_size);
    assert_int_equal(open_and_unpack(small, small_size, &err), DFOTA_OK);
    assert_int_equal(open_and_unpack(large, large_size, &err), DFOTA_OK);
    free(small);
    free(large);
    free(image);
}

static void empty_image_round_trips(void **state)
{
    struct dfota_package_header hdr;
    struct dfota_error err;
    const uint8_t *payload;
    uint8_t image[1] = {0}, *package, *unpacked;
    size_t package_size, unpacked_size = 99;

    (void)state;
    pack(image, 0, 0, 16, &package, &package_size);
    assert_int_equal(dfota_package_open(package, package_size, &hdr, &payload, &err), DFOTA_OK);
    assert_int_equal(hdr.target.size, 0);
    assert_int_equal(dfota_package_unpack_full(&hdr, payload, &unpacked, &unpacked_size, &err),
                     DFOTA_OK);
    assert_int_equal(unpacked_size, 0);
    free(unpacked);
    free(package);
}

static void bad_options_are_refused(void **state)
{
    struct dfota_full_options opts;
    struct dfota_error err;
    uint8_t image[64] = {0}, *package = (uint8_t *)&err;
    size_t size = 7;

    (void)state;
    dfota_full_options_init(&opts);
    assert_int_equal(opts.level, 19);
    assert_int_equal(opts.window_log, 16);
    assert_int_equal(dfota_pack_full(image, sizeof(image), &opts, &package, &size, &err),
                     DFOTA_E_INVALID_ARGUMENT);
    assert_null(package);
    assert_int_equal(size, 0);
    assert_non_null(strstr(err.message, "target version is empty"));
    opts.target_version = "BC25 R01";
    assert_int_equal(dfota_pack_full(image, sizeof(image), &opts, &package, &size, &err),
                     DFOTA_E_INVALID_ARGUMENT);
    opts.target_version = "BC25R01A04";
    opts.level = 23;
    assert_int_equal(dfota_pack_full(image, sizeof(image), &opts, &package, &size, &err),
                     DFOTA_E_INVALID_ARGUMENT);
    opts.level = 19;
    opts.window_log = 9;
    assert_int_equal(dfota_pack_full(image, sizeof(image), &opts, &package, &size, &err),
                     DFOTA_E_INVALID_ARGUMENT);
    opts.window_log = 28;
    assert_int_equal(dfota_pack_full(image, sizeof(image), &opts, &package, &size, &err),
                     DFOTA_E_INVALID_ARGUMENT);
}

static void corrupted_payload_is_refused(void **state)
{
    struct dfota_package_header hdr;
    struct dfota_error err;
    const uint8_t *payload;
    uint8_t *image = make_image(IMAGE_SIZE, 4), *package, *copy;
    size_t package_size, i;

    (void)state;
    pack(image, IMAGE_SIZE, 0, 16, &package, &package_size);
    assert_int_equal(dfota_container_parse(package, package_size, &hdr, &err), DFOTA_OK);
    copy = malloc(package_size + 1);
    assert_non_null(copy);
    /* A bit flip anywhere in the payload: the payload digests catch it. */
    for (i = hdr.header_size; i < package_size; i += 97) {
        memcpy(copy, package, package_size);
        copy[i] ^= 0x10;
        assert_int_equal(dfota_package_open(copy, package_size, &hdr, &payload, &err),
                         DFOTA_E_PAYLOAD_DIGEST);
    }
    assert_non_null(strstr(err.message, "payload MD5 mismatch"));
    /* Truncated anywhere, or with a byte appended. */
    memcpy(copy, package, package_size);
    for (i = 0; i < package_size; i += 61)
        assert_int_not_equal(dfota_package_open(copy, i, &hdr, &payload, &err), DFOTA_OK);
    assert_int_equal(dfota_package_open(copy, package_size - 1, &hdr, &payload, &err),
                     DFOTA_E_TRUNCATED);
    copy[package_size] = 0;
    assert_int_equal(dfota_package_open(copy, package_size + 1, &hdr, &payload, &err),
                     DFOTA_E_TRAILING_DATA);
    free(copy);
    free(package);
    free(image);
}

static void edit_target_size(struct dfota_package_header *hdr, uint8_t *payload)
{
    (void)payload;
    hdr->target.size += 1;
}

static void edit_target_sha256(struct dfota_package_header *hdr, uint8_t *payload)
{
    (void)payload;
    hdr->target.sha256[31] ^= 1;
}

static void edit_workspace(struct dfota_package_header *hdr, uint8_t *payload)
{
    (void)payload;
    hdr->workspace_size = 4096;
}

/* Garbage payload with matching payload digests: only decoding can tell. */
static void edit_payload_garbage(struct dfota_package_header *hdr, uint8_t *payload)
{
    struct dfota_error err;

    payload[hdr->payload.size / 2] ^= 0xff;
    payload[hdr->payload.size / 2 + 1] ^= 0xff;
    assert_int_equal(dfota_image_info_compute(payload, hdr->payload.size, &hdr->payload, &err),
                     DFOTA_OK);
}

static void payload_that_disagrees_with_the_header_is_refused(void **state)
{
    struct dfota_error err;
    uint8_t *image = make_image(IMAGE_SIZE, 5), *package;
    size_t size;

    (void)state;
    pack(image, IMAGE_SIZE, 0, 16, &package, &size);
    rewrite_header(&package, &size, edit_target_size);
    assert_int_equal(open_and_unpack(package, size, &err), DFOTA_E_PAYLOAD_CORRUPT);
    free(package);

    pack(image, IMAGE_SIZE, 0, 16, &package, &size);
    rewrite_header(&package, &size, edit_target_sha256);
    assert_int_equal(open_and_unpack(package, size, &err), DFOTA_E_TARGET_MISMATCH);
    assert_non_null(strstr(err.message, "target SHA-256 mismatch"));
    free(package);

    pack(image, IMAGE_SIZE, 0, 16, &package, &size);
    rewrite_header(&package, &size, edit_workspace);
    assert_int_equal(open_and_unpack(package, size, &err), DFOTA_E_MALFORMED);
    assert_non_null(strstr(err.message, "workspace"));
    free(package);

    pack(image, IMAGE_SIZE, 0, 16, &package, &size);
    rewrite_header(&package, &size, edit_payload_garbage);
    assert_int_not_equal(open_and_unpack(package, size, &err), DFOTA_OK);
    free(package);
    free(image);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(digests_match_known_vectors),
        cmocka_unit_test(full_package_round_trip),
        cmocka_unit_test(full_package_is_deterministic),
        cmocka_unit_test(window_log_bounds_the_device_workspace),
        cmocka_unit_test(empty_image_round_trips),
        cmocka_unit_test(bad_options_are_refused),
        cmocka_unit_test(corrupted_payload_is_refused),
        cmocka_unit_test(payload_that_disagrees_with_the_header_is_refused),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
