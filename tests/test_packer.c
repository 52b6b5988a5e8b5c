/*
 * test_packer.c - full-image packages: round trip, determinism, digests,
 * and refusals of packages whose payload does not match the header, or is
 * not exactly the one zstd frame every decoder reads alike; the host's
 * exact check of a patch's workspace claim.
 */
#define ZSTD_STATIC_LINKING_ONLY
#include <stdlib.h>

#include <zstd.h>

#include "test_helpers.h"
#include "thumb_image.h"

#include "dfota/apply.h"
#include "dfota/diffgen.h"
#include "dfota/packer.h"
#include "dfota/pkgapply.h"
#include "dfota/patch.h"
#include "dfota/wire.h"

#define IMAGE_SIZE (150u * 1024u)

static uint8_t *make_image(size_t size, uint32_t seed)
{
    uint8_t *image = malloc(size ? size : 1);

    assert_non_null(image);
    test_fill_image(image, size, seed);
    return image;
}

/* What the device's package front end needs for the frame's window (the header's figure). */
static size_t full_workspace(const uint8_t *frame, size_t size)
{
    ZSTD_frameHeader fh;

    if (ZSTD_getFrameHeader(&fh, frame, size) != 0)
        return 16; /* not a frame: any figure (the tests then expect a refusal) */
    /* A window over the limit has no figure: any (the tests expect a refusal). */
    return dfota_pkg_workspace_size_full(fh.windowSize) ? dfota_pkg_workspace_size_full(fh.windowSize)
                                                        : 16;
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
    assert_int_equal(hdr.workspace_size, full_workspace(payload, hdr.payload.size));
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

/* ---- the zstd frame of a full-image payload ---- */

/* Copy of the payload (the zstd frame) of a package. */
static uint8_t *payload_of(const uint8_t *package, size_t size, size_t *payload_size)
{
    struct dfota_package_header hdr;
    struct dfota_error err;
    uint8_t *payload;

    assert_int_equal(dfota_container_parse(package, size, &hdr, &err), DFOTA_OK);
    *payload_size = size - hdr.header_size;
    payload = malloc(*payload_size);
    assert_non_null(payload);
    memcpy(payload, package + hdr.header_size, *payload_size);
    return payload;
}

/*
 * Put `payload` into `*package` in place of its own, with the payload size
 * and digests a writer would state for it. workspace_size: `workspace`, or
 * (0) what zstd says its first frame needs.
 */
static void replace_payload(uint8_t **package, size_t *size, const uint8_t *payload,
                            size_t payload_size, uint32_t workspace)
{
    struct dfota_package_header hdr;
    struct dfota_error err;
    uint8_t header[DFOTA_CONTAINER_HEADER_MAX], *out;
    size_t header_size, need;

    assert_int_equal(dfota_container_parse(*package, *size, &hdr, &err), DFOTA_OK);
    assert_int_equal(dfota_image_info_compute(payload, payload_size, &hdr.payload, &err),
                     DFOTA_OK);
    if (workspace == 0) {
        need = full_workspace(payload, payload_size);
        assert_true(need > 0);
        workspace = (uint32_t)need;
    }
    hdr.workspace_size = workspace;
    assert_int_equal(dfota_container_encode(&hdr, header, sizeof(header), &header_size, &err),
                     DFOTA_OK);
    out = malloc(header_size + payload_size);
    assert_non_null(out);
    memcpy(out, header, header_size);
    memcpy(out + header_size, payload, payload_size);
    free(*package);
    *package = out;
    *size = header_size + payload_size;
}

/* The frame of a packed image followed by `extra` (`extra_size` bytes), as a new package. */
static void pack_with_extra_bytes(const uint8_t *image, const uint8_t *extra, size_t extra_size,
                                  uint8_t **package, size_t *size)
{
    uint8_t *frame, *payload;
    size_t frame_size;

    pack(image, IMAGE_SIZE, 0, 16, package, size);
    frame = payload_of(*package, *size, &frame_size);
    payload = malloc(frame_size + extra_size);
    assert_non_null(payload);
    memcpy(payload, frame, frame_size);
    memcpy(payload + frame_size, extra, extra_size);
    /* The workspace the first frame needs: what the header said before. */
    replace_payload(package, size, payload, frame_size + extra_size, 0);
    free(payload);
    free(frame);
}

/* open and unpack must both refuse with `want`, the message saying `needle`. */
static void expect_refusal(const uint8_t *package, size_t size, enum dfota_status want,
                           const char *needle)
{
    struct dfota_package_header hdr;
    struct dfota_error err;
    const uint8_t *payload;
    uint8_t *image = NULL;
    size_t image_size = 0;

    dfota_error_clear(&err);
    if (dfota_package_open(package, size, &hdr, &payload, &err) != want)
        fail_msg("open: %s (%s), expected %s", dfota_status_name(err.status), err.message,
                 dfota_status_name(want));
    if (strstr(err.message, needle) == NULL)
        fail_msg("open: message '%s' does not say '%s'", err.message, needle);
    /* unpack_full() on its own (a caller that parsed the header itself) too. */
    assert_int_equal(dfota_container_parse(package, size, &hdr, &err), DFOTA_OK);
    if (dfota_package_unpack_full(&hdr, package + hdr.header_size, &image, &image_size, &err) !=
        want)
        fail_msg("unpack: %s (%s), expected %s", dfota_status_name(err.status), err.message,
                 dfota_status_name(want));
    assert_null(image);
    assert_non_null(strstr(err.message, needle));
}

/*
 * A zstd frame (RFC 8878) of `size` bytes of `content` in raw blocks, its
 * header as asked: single segment (the window is the content size) or a
 * window descriptor of 2^window_log; an 8-byte Frame_Content_Size or none;
 * a 4-byte Dictionary_ID when dict_id is not 0. Never a checksum.
 */
static uint8_t *raw_frame(const uint8_t *content, size_t size, int single_segment,
                          unsigned window_log, int content_size, uint32_t dict_id,
                          size_t *frame_size)
{
    size_t block_max = single_segment ? size : (size_t)1 << window_log, at = 0, block, pos;
    uint8_t *frame = malloc(size + size / 1024 + 64);

    assert_non_null(frame);
    if (block_max > 128u * 1024u)
        block_max = 128u * 1024u;
    assert_true(content_size || !single_segment);
    dfota_put_le32(frame, 0xFD2FB528u);
    frame[4] = (uint8_t)((content_size ? 3u << 6 : 0) | (single_segment ? 1u << 5 : 0) |
                         (dict_id != 0 ? 3u : 0));
    pos = 5;
    if (!single_segment)
        frame[pos++] = (uint8_t)((window_log - 10) << 3);
    if (dict_id != 0) {
        dfota_put_le32(frame + pos, dict_id);
        pos += 4;
    }
    if (content_size) {
        dfota_put_le64(frame + pos, size);
        pos += 8;
    }
    do {
        block = size - at < block_max ? size - at : block_max;
        /* Block header: last-block bit, type 0 (raw), size. */
        frame[pos] = (uint8_t)((at + block == size) | (block << 3));
        frame[pos + 1] = (uint8_t)(block >> 5);
        frame[pos + 2] = (uint8_t)(block >> 13);
        memcpy(frame + pos + 3, content + at, block);
        pos += 3 + block;
        at += block;
    } while (at < size);
    *frame_size = pos;
    return frame;
}

/* zstd's own frame of `image` with `param` set to `value` (level 3, window log 16). */
static uint8_t *zstd_frame(const uint8_t *image, size_t size, ZSTD_cParameter param, int value,
                           size_t *frame_size)
{
    ZSTD_CCtx *cctx = ZSTD_createCCtx();
    size_t cap = ZSTD_compressBound(size), rc;
    uint8_t *frame = malloc(cap);

    assert_non_null(cctx);
    assert_non_null(frame);
    assert_false(ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_windowLog, 16)));
    assert_false(ZSTD_isError(ZSTD_CCtx_setParameter(cctx, param, value)));
    rc = ZSTD_compress2(cctx, frame, cap, image, size);
    assert_false(ZSTD_isError(rc));
    ZSTD_freeCCtx(cctx);
    *frame_size = rc;
    return frame;
}

/* A package of `image` whose payload is `frame` (workspace as zstd sizes it). */
static void package_around(const uint8_t *image, const uint8_t *frame, size_t frame_size,
                           uint8_t **package, size_t *size)
{
    pack(image, IMAGE_SIZE, 0, 16, package, size);
    replace_payload(package, size, frame, frame_size, 0);
}

static void frame_after_the_frame_is_refused(void **state)
{
    /* Skippable frame (magic 0x184D2A50, 8 bytes): decoders skip it, the digests cover it. */
    static const uint8_t skippable[16] = {0x50, 0x2A, 0x4D, 0x18, 8, 0, 0, 0,
                                          'a', 'p', 'p', 'e', 'n', 'd', 'e', 'd'};
    /* A second frame, empty, with a 1 GiB window: no single segment, no content size,
     * window descriptor exponent 20 (2^30), one empty raw last block. */
    static const uint8_t huge_window[9] = {0x28, 0xB5, 0x2F, 0xFD, 0x00, 20 << 3, 0x01, 0, 0};
    ZSTD_frameHeader fh;
    uint8_t *image = make_image(IMAGE_SIZE, 6), *package, *frame, *payload, byte = 0;
    size_t size, frame_size;

    (void)state;
    /* The crafted second frame is one that zstd accepts: it decodes to nothing. */
    assert_int_equal(ZSTD_getFrameHeader(&fh, huge_window, sizeof(huge_window)), 0);
    assert_true(fh.windowSize == (1ull << 30));
    assert_int_equal(ZSTD_findFrameCompressedSize(huge_window, sizeof(huge_window)),
                     sizeof(huge_window));
    assert_int_equal(ZSTD_decompress(&byte, 1, huge_window, sizeof(huge_window)), 0);

    pack_with_extra_bytes(image, skippable, sizeof(skippable), &package, &size);
    expect_refusal(package, size, DFOTA_E_PAYLOAD_CORRUPT, "16 byte(s) after the");
    free(package);
    pack_with_extra_bytes(image, huge_window, sizeof(huge_window), &package, &size);
    expect_refusal(package, size, DFOTA_E_PAYLOAD_CORRUPT, "exactly one frame");
    free(package);
    /* The frame twice. */
    pack(image, IMAGE_SIZE, 0, 16, &package, &size);
    frame = payload_of(package, size, &frame_size);
    free(package);
    pack_with_extra_bytes(image, frame, frame_size, &package, &size);
    expect_refusal(package, size, DFOTA_E_PAYLOAD_CORRUPT, "exactly one frame");
    free(package);
    /* A skippable frame first. */
    payload = malloc(frame_size + sizeof(skippable));
    assert_non_null(payload);
    memcpy(payload, skippable, sizeof(skippable));
    memcpy(payload + sizeof(skippable), frame, frame_size);
    package_around(image, payload, frame_size + sizeof(skippable), &package, &size);
    expect_refusal(package, size, DFOTA_E_PAYLOAD_CORRUPT, "skippable");
    free(package);
    free(payload);
    free(frame);
    free(image);
}

static void frame_header_fields_every_decoder_reads_alike(void **state)
{
    uint8_t *image = make_image(IMAGE_SIZE, 8), *package, *frame;
    size_t size, frame_size;

    (void)state;
    /* Written by zstd itself: a content checksum. */
    frame = zstd_frame(image, IMAGE_SIZE, ZSTD_c_checksumFlag, 1, &frame_size);
    package_around(image, frame, frame_size, &package, &size);
    expect_refusal(package, size, DFOTA_E_PAYLOAD_CORRUPT, "checksum");
    free(package);
    free(frame);
    /* No content size. */
    frame = zstd_frame(image, IMAGE_SIZE, ZSTD_c_contentSizeFlag, 0, &frame_size);
    package_around(image, frame, frame_size, &package, &size);
    expect_refusal(package, size, DFOTA_E_PAYLOAD_CORRUPT, "does not state its content size");
    free(package);
    free(frame);
    /* A dictionary ID. */
    frame = raw_frame(image, IMAGE_SIZE, 0, 17, 1, 7, &frame_size);
    package_around(image, frame, frame_size, &package, &size);
    expect_refusal(package, size, DFOTA_E_PAYLOAD_CORRUPT, "needs dictionary 7");
    free(package);
    free(frame);
    /* A window over 2^27 (the workspace stated for it). */
    frame = raw_frame(image, IMAGE_SIZE, 0, 28, 1, 0, &frame_size);
    package_around(image, frame, frame_size, &package, &size);
    expect_refusal(package, size, DFOTA_E_PAYLOAD_CORRUPT, "limit");
    free(package);
    free(frame);
    free(image);
}

static void frame_made_elsewhere_by_the_rules_is_accepted(void **state)
{
    static const int single[2] = {1, 0};
    uint8_t *image = make_image(IMAGE_SIZE, 9), *package, *frame, *unpacked;
    struct dfota_package_header hdr;
    struct dfota_error err;
    const uint8_t *payload;
    size_t size, frame_size, unpacked_size, k;

    (void)state;
    /* Raw blocks, an 8-byte content size, with and without a window descriptor. */
    for (k = 0; k < 2; k++) {
        frame = raw_frame(image, IMAGE_SIZE, single[k], 17, 1, 0, &frame_size);
        package_around(image, frame, frame_size, &package, &size);
        assert_int_equal(dfota_package_open(package, size, &hdr, &payload, &err), DFOTA_OK);
        assert_int_equal(
            dfota_package_unpack_full(&hdr, payload, &unpacked, &unpacked_size, &err), DFOTA_OK);
        assert_int_equal(unpacked_size, IMAGE_SIZE);
        assert_memory_equal(unpacked, image, IMAGE_SIZE);
        free(unpacked);
        free(package);
        free(frame);
    }
    free(image);
}

static void full_workspace_claim_must_be_exact(void **state)
{
    struct dfota_package_header hdr;
    struct dfota_error err;
    uint8_t *image = make_image(IMAGE_SIZE, 10), *package, *frame;
    size_t size, frame_size, k;
    uint32_t need, claims[4];

    (void)state;
    pack(image, IMAGE_SIZE, 0, 16, &package, &size);
    assert_int_equal(dfota_container_parse(package, size, &hdr, &err), DFOTA_OK);
    need = hdr.workspace_size;
    claims[0] = UINT32_MAX;
    claims[1] = need + 1;
    claims[2] = need - 1;
    claims[3] = 16;
    frame = payload_of(package, size, &frame_size);
    for (k = 0; k < 4; k++) {
        replace_payload(&package, &size, frame, frame_size, claims[k]);
        expect_refusal(package, size, DFOTA_E_MALFORMED, "needs exactly");
    }
    replace_payload(&package, &size, frame, frame_size, need);
    assert_int_equal(open_and_unpack(package, size, &err), DFOTA_OK);
    free(frame);
    free(package);
    free(image);
}

/* ---- the workspace a patch claims, on the host ---- */

struct delta {
    uint8_t *source, *target, *patch;
    size_t source_size, target_size, patch_size;
};

static void make_delta(struct delta *d)
{
    struct dfota_diff_options opts;
    struct dfota_error err;

    d->source_size = 40000;
    d->target_size = 40100;
    d->source = make_image(d->source_size, 11);
    d->target = make_image(d->target_size, 11);
    memset(d->target + 5000, 0x5A, 300);
    dfota_diff_options_init(&opts);
    assert_int_equal(dfota_diff(d->source, d->source_size, d->target, d->target_size, &opts,
                                &d->patch, &d->patch_size, &err),
                     DFOTA_OK);
}

static void release_delta(struct delta *d)
{
    free(d->source);
    free(d->target);
    free(d->patch);
}

/* The delta's patch with header field workspace_size set to `claim` (CRC fixed). */
static uint8_t *patch_claiming(const struct delta *d, uint32_t claim)
{
    uint8_t *patch = malloc(d->patch_size);

    assert_non_null(patch);
    memcpy(patch, d->patch, d->patch_size);
    dfota_put_le32(patch + 28, claim);
    dfota_put_le32(patch + 108, dfota_crc32(0, patch, 108));
    return patch;
}

/* A delta package around `patch`, made like dfota_pack_delta() but without its checks:
 * the container states the patch's claim. */
static void package_claiming(const struct delta *d, const uint8_t *patch, uint32_t claim,
                             uint8_t **package, size_t *size)
{
    struct dfota_package_header hdr;
    struct dfota_error err;
    uint8_t header[DFOTA_CONTAINER_HEADER_MAX];
    size_t header_size;

    memset(&hdr, 0, sizeof(hdr));
    hdr.package_type = DFOTA_PACKAGE_DELTA;
    hdr.payload_encoding = DFOTA_ENCODING_PATCH;
    strcpy(hdr.source_version, "BC25R01A03");
    strcpy(hdr.target_version, "BC25R01A04");
    hdr.workspace_size = claim;
    assert_int_equal(dfota_image_info_compute(d->source, d->source_size, &hdr.source, &err),
                     DFOTA_OK);
    assert_int_equal(dfota_image_info_compute(d->target, d->target_size, &hdr.target, &err),
                     DFOTA_OK);
    assert_int_equal(dfota_image_info_compute(patch, d->patch_size, &hdr.payload, &err),
                     DFOTA_OK);
    assert_int_equal(dfota_container_encode(&hdr, header, sizeof(header), &header_size, &err),
                     DFOTA_OK);
    *package = malloc(header_size + d->patch_size);
    assert_non_null(*package);
    memcpy(*package, header, header_size);
    memcpy(*package + header_size, patch, d->patch_size);
    *size = header_size + d->patch_size;
}

static uint32_t workspace_rule(const struct delta *d)
{
    struct dfota_patch_header ph;

    assert_int_equal(dfota_patch_header_decode(d->patch, d->patch_size, &ph, NULL), DFOTA_OK);
    assert_int_equal(ph.workspace_size, dfota_apply_workspace_for(ph.codec, ph.window_log, ph.map_count, ph.region_count));
    return ph.workspace_size;
}

/* Claims other than the rule's value: absurd ones, and ones a device would tolerate. */
static void set_claims(uint32_t rule, uint32_t claims[6])
{
    claims[0] = 16;
    claims[1] = UINT32_MAX;
    claims[2] = rule + 16;
    claims[3] = rule - 16;
    claims[4] = rule + 4096;
    claims[5] = rule / 2;
}

static void delta_package_workspace_claim_must_be_exact(void **state)
{
    struct dfota_package_header hdr;
    struct dfota_error err;
    const uint8_t *payload;
    struct delta d;
    uint32_t rule, claims[6];
    uint8_t *patch, *package;
    size_t size, k;

    (void)state;
    make_delta(&d);
    rule = workspace_rule(&d);
    set_claims(rule, claims);
    for (k = 0; k < 6; k++) {
        patch = patch_claiming(&d, claims[k]);
        package_claiming(&d, patch, claims[k], &package, &size);
        dfota_error_clear(&err);
        if (dfota_package_open(package, size, &hdr, &payload, &err) != DFOTA_E_CORRUPT_PATCH)
            fail_msg("claim %lu: %s (%s)", (unsigned long)claims[k],
                     dfota_status_name(err.status), err.message);
        assert_non_null(strstr(err.message, "bytes of applier workspace"));
        free(package);
        free(patch);
    }
    /* The rule's own value opens, in a package stating what the front end needs for it. */
    patch = patch_claiming(&d, rule);
    {
        struct dfota_patch_header ph;

        assert_int_equal(dfota_patch_header_decode(d.patch, d.patch_size, &ph, NULL), DFOTA_OK);
        package_claiming(&d, patch,
                         (uint32_t)dfota_pkg_workspace_size_delta(ph.codec, ph.window_log, ph.map_count, ph.region_count),
                         &package, &size);
    }
    assert_int_equal(dfota_package_open(package, size, &hdr, &payload, &err), DFOTA_OK);
    free(package);
    free(patch);
    release_delta(&d);
}

static void raw_patch_workspace_claim_must_be_exact(void **state)
{
    struct dfota_patch_header ph;
    struct dfota_delta_options opts;
    struct dfota_error err;
    struct delta d;
    uint32_t rule, claims[6];
    uint8_t *patch, *package;
    size_t size, k;

    (void)state;
    make_delta(&d);
    rule = workspace_rule(&d);
    assert_int_equal(dfota_patch_open(d.patch, d.patch_size, &ph, &err), DFOTA_OK);
    set_claims(rule, claims);
    memset(&opts, 0, sizeof(opts));
    opts.source_version = "BC25R01A03";
    opts.target_version = "BC25R01A04";
    for (k = 0; k < 6; k++) {
        patch = patch_claiming(&d, claims[k]);
        assert_int_equal(dfota_patch_open(patch, d.patch_size, &ph, &err), DFOTA_E_MALFORMED);
        assert_non_null(strstr(err.message, "bytes of applier workspace"));
        /* Nor is such a patch packed. */
        package = (uint8_t *)&err;
        assert_int_equal(dfota_pack_delta(d.source, d.source_size, d.target, d.target_size,
                                          patch, d.patch_size, &opts, &package, &size, &err),
                         DFOTA_E_MALFORMED);
        assert_null(package);
        free(patch);
    }
    release_delta(&d);
}

/* A stored zip of `content` named "x.bin" at `out` (its offsets from 0): its size. */
static size_t tiny_zip(const uint8_t *content, size_t size, uint8_t *out)
{
    uint32_t crc = dfota_crc32(0, content, size);
    size_t central = 30 + 5 + size, end = central + 46 + 5;

    memset(out, 0, end + 22);
    dfota_put_le32(out, 0x04034b50u);
    dfota_put_le16(out + 4, 10);
    dfota_put_le32(out + 14, crc);
    dfota_put_le32(out + 18, (uint32_t)size);
    dfota_put_le32(out + 22, (uint32_t)size);
    dfota_put_le16(out + 26, 5);
    memcpy(out + 30, "x.bin", 5);
    memcpy(out + 35, content, size);
    dfota_put_le32(out + central, 0x02014b50u);
    dfota_put_le16(out + central + 4, 0x0314);
    dfota_put_le16(out + central + 6, 10);
    dfota_put_le32(out + central + 16, crc);
    dfota_put_le32(out + central + 20, (uint32_t)size);
    dfota_put_le32(out + central + 24, (uint32_t)size);
    dfota_put_le16(out + central + 28, 5);
    dfota_put_le32(out + central + 38, 0100644u << 16);
    memcpy(out + central + 46, "x.bin", 5);
    dfota_put_le32(out + end, 0x06054b50u);
    dfota_put_le16(out + end + 8, 1);
    dfota_put_le16(out + end + 10, 1);
    dfota_put_le32(out + end + 12, 46 + 5);
    dfota_put_le32(out + end + 16, (uint32_t)central);
    return end + 22;
}

/*
 * An image that ends with a zip, stored by zstd as it is (incompressible):
 * the package ends with the zip, which unzip finds (offsets relative to the
 * zip, as a self-extractor's). dfota_package_open() refuses it; with the
 * directory's signature broken it is an ordinary package again.
 */
static void package_that_is_also_a_zip_is_refused(void **state)
{
    enum { NOISE = 20000 };
    static uint8_t image[NOISE + 512];
    struct test_rng rng = {77};
    struct dfota_package_header hdr;
    struct dfota_error err;
    const uint8_t *payload;
    uint8_t *package, secret[64];
    size_t size, zip_size;

    (void)state;
    test_rng_fill(&rng, image, NOISE);
    test_rng_fill(&rng, secret, sizeof(secret));
    zip_size = tiny_zip(secret, sizeof(secret), image + NOISE);
    pack(image, NOISE + zip_size, 0, 16, &package, &size);
    assert_memory_equal(package + size - zip_size, image + NOISE, zip_size);
    assert_int_equal(dfota_package_open(package, size, &hdr, &payload, &err),
                     DFOTA_E_UNSAFE_ZIP);
    assert_non_null(strstr(err.message, "also a zip"));
    free(package);
    image[NOISE + 30 + 5 + sizeof(secret)] ^= 0xFF; /* "PK\1\2" no more */
    pack(image, NOISE + zip_size, 0, 16, &package, &size);
    assert_int_equal(dfota_package_open(package, size, &hdr, &payload, &err), DFOTA_OK);
    free(package);
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
        cmocka_unit_test(frame_after_the_frame_is_refused),
        cmocka_unit_test(frame_header_fields_every_decoder_reads_alike),
        cmocka_unit_test(frame_made_elsewhere_by_the_rules_is_accepted),
        cmocka_unit_test(full_workspace_claim_must_be_exact),
        cmocka_unit_test(delta_package_workspace_claim_must_be_exact),
        cmocka_unit_test(raw_patch_workspace_claim_must_be_exact),
        cmocka_unit_test(package_that_is_also_a_zip_is_refused),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
