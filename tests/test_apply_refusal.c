/*
 * test_apply_refusal.c - the applier refuses what it must, with the right
 * status, and touches the flash only when it may: wrong source image,
 * truncated and bit-flipped patches, crafted records, frames, maps and
 * headers, short workspaces, bad flash parameters, failing flash callbacks
 * and power cuts, data after the end.
 */
#include "test_helpers.h"

#include "apply_helpers.h"
#include "patch_helpers.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define RECORDS_MAX 4096

/* A small source/target pair (a function inserted, a few bytes changed) and its patch. */
struct pair {
    uint8_t *source, *target, *patch;
    size_t source_size, target_size, patch_size;
};

static void make_pair(struct pair *p, unsigned predict, uint32_t segment_size,
                      unsigned window_log)
{
    struct dfota_diff_options opts;
    struct test_rng r = {77};
    size_t i;

    p->source = test_alloc(64u * 1024u);
    p->target = test_alloc(64u * 1024u);
    p->source_size = test_thumb_image(p->source, 64u * 1024u, 7, 36, TEST_THUMB_NO_INSERT,
                                      0x08000000u);
    p->target_size = test_thumb_image(p->target, 64u * 1024u, 7, 36, 5, 0x08000000u);
    assert_true(p->source_size > 0 && p->target_size > p->source_size);
    for (i = 0; i < 40; i++)
        p->target[test_rng_next(&r) % p->target_size] ^= 0x5A;
    test_diff_options(&opts, predict);
    opts.segment_size = segment_size;
    /* zstd frames: these tests rewrite the records and code them again with
     * zstd (patch_helpers.h); test_rc covers the range codec's frames. */
    opts.codec = DFOTA_CODEC_ZSTD_ID;
    opts.window_log = window_log;
    p->patch = test_diff(p->source, p->source_size, p->target, p->target_size, &opts,
                         &p->patch_size);
}

static void default_pair(struct pair *p)
{
    make_pair(p, DFOTA_DIFF_PREDICT_AUTO, 4096, 13);
}

static void release_pair(struct pair *p)
{
    free(p->source);
    free(p->target);
    free(p->patch);
}

/* Bytes of the relocation map and region table of a (valid) patch. */
static size_t map_bytes(const uint8_t *patch)
{
    struct dfota_patch_header h = test_patch_header(patch, DFOTA_PATCH_HEADER_SIZE);

    return dfota_patch_tables_size(&h);
}

/* Map entries and regions of a (valid) patch. */
static uint32_t map_count_of(const uint8_t *patch)
{
    return test_patch_header(patch, DFOTA_PATCH_HEADER_SIZE).map_count;
}

static uint32_t region_count_of(const uint8_t *patch)
{
    return test_patch_header(patch, DFOTA_PATCH_HEADER_SIZE).region_count;
}

/* Recompute the header CRC of an encoded patch after editing its bytes. */
static void refresh_header_crc(uint8_t *patch)
{
    dfota_put_le32(patch + 108, dfota_crc32(0, patch, 108));
}

/*
 * Apply `patch` to the pair's source, whole and one byte at a time; the
 * status must be `want` each time, and the message must name the problem
 * (contain `needle`, unless NULL): several checks share a status, and the
 * test must fail if the check it is about is gone. With `untouched`, the
 * flash must have seen no erase and no write at all.
 */
static void expect_status(const struct pair *p, const uint8_t *patch, size_t patch_size,
                          const struct test_apply_params *base, enum dfota_status want,
                          int untouched, const char *needle)
{
    static const size_t chunks[] = {TEST_CHUNK_WHOLE, 1};
    struct test_apply_params params;
    struct test_apply_result res;
    size_t c;

    for (c = 0; c < COUNT(chunks); c++) {
        if (base != NULL)
            params = *base;
        else
            test_apply_params_init(&params);
        params.chunk = chunks[c];
        test_apply(p->source, p->source_size, patch, patch_size, &params, &res);
        if (res.status != want)
            fail_msg("chunk %zu: status %s (%s), expected %s", chunks[c],
                     dfota_status_name(res.status), res.error.message, dfota_status_name(want));
        if (want == DFOTA_OK)
            test_assert_flash_holds(&res, p->target, p->target_size);
        else
            assert_true(res.error.message[0] != '\0');
        if (needle != NULL && strstr(res.error.message, needle) == NULL)
            fail_msg("message '%s' does not say '%s'", res.error.message, needle);
        if (untouched) {
            if (res.device.erases != 0 || res.device.writes != 0 || res.device.flash.ops != 0)
                fail_msg("%s: %lu erases and %lu writes before the refusal",
                         dfota_status_name(want), (unsigned long)res.device.erases,
                         (unsigned long)res.device.writes);
        }
        test_apply_result_release(&res);
    }
}

static void expect_patch_status(const struct pair *p, const struct test_patch *tp,
                                enum dfota_status want, int untouched, const char *needle)
{
    size_t size;
    uint8_t *patch = test_patch_build(tp, &size);

    expect_status(p, patch, size, NULL, want, untouched, needle);
    free(patch);
}

/* ---- the source image ---- */

static void wrong_source_is_refused_before_any_write(void **state)
{
    static const unsigned predictions[] = {DFOTA_DIFF_PREDICT_AUTO, 0};
    struct test_apply_params params;
    struct test_apply_result res;
    struct pair p;
    size_t k, where[3], at, i;
    uint8_t *other;

    (void)state;
    for (k = 0; k < COUNT(predictions); k++) {
        make_pair(&p, predictions[k], 4096, 13);
        other = test_alloc(p.source_size + 1);
        /* One byte changed: first, middle, last. */
        where[0] = 0;
        where[1] = p.source_size / 2;
        where[2] = p.source_size - 1;
        for (i = 0; i < COUNT(where); i++) {
            struct pair wrong = p;

            memcpy(other, p.source, p.source_size);
            other[where[i]] ^= 0x01;
            wrong.source = other;
            expect_status(&wrong, p.patch, p.patch_size, NULL, DFOTA_E_SOURCE_MISMATCH, 1,
                          "SHA-256");
        }
        /* One byte longer, one byte shorter (the area size the device knows). */
        memcpy(other, p.source, p.source_size);
        other[p.source_size] = 0;
        {
            struct pair wrong = p;

            wrong.source = other;
            wrong.source_size = p.source_size + 1;
            expect_status(&wrong, p.patch, p.patch_size, NULL, DFOTA_E_SOURCE_MISMATCH, 1,
                          "the patch was made for");
            wrong.source_size = p.source_size - 1;
            expect_status(&wrong, p.patch, p.patch_size, NULL, DFOTA_E_SOURCE_MISMATCH, 1,
                          "the patch was made for");
        }
        /*
         * The refusal comes from the push that completes the header and the
         * map, not later: push exactly those bytes.
         */
        other[0] ^= 0x01;
        at = DFOTA_PATCH_HEADER_SIZE + map_bytes(p.patch);
        test_apply_params_init(&params);
        params.chunk = at;
        test_apply(other, p.source_size, p.patch, p.patch_size, &params, &res);
        assert_int_equal(res.status, DFOTA_E_SOURCE_MISMATCH);
        assert_true(res.failed_in_push);
        assert_int_equal(res.device.flash.ops, 0);
        assert_non_null(strstr(res.error.message, "SHA-256"));
        test_apply_result_release(&res);
        free(other);
        release_pair(&p);
    }
}

static void header_for_another_source_is_refused(void **state)
{
    struct test_patch tp;
    struct pair p;

    (void)state;
    default_pair(&p);
    test_patch_parse(p.patch, p.patch_size, &tp);
    tp.header.source_size++;
    expect_patch_status(&p, &tp, DFOTA_E_SOURCE_MISMATCH, 1, "the patch was made for");
    tp.header.source_size--;
    tp.header.source_sha256[31] ^= 0x80;
    expect_patch_status(&p, &tp, DFOTA_E_SOURCE_MISMATCH, 1, "SHA-256");
    tp.header.source_sha256[31] ^= 0x80;
    /* The unedited rebuild applies: the edits above are what was refused. */
    expect_patch_status(&p, &tp, DFOTA_OK, 0, NULL);
    test_patch_release(&tp);
    release_pair(&p);
}

/* ---- truncation and corruption of the whole patch ---- */

/*
 * Cut `patch` after `cut` bytes: every push succeeds, finish says TRUNCATED,
 * and so does the layout check of the whole patch in memory.
 */
static void expect_truncated(const struct pair *p, const uint8_t *patch, size_t cut, size_t chunk)
{
    struct test_apply_params params;
    struct test_apply_result res;
    struct dfota_patch_header hdr;

    test_apply_params_init(&params);
    params.chunk = chunk;
    test_apply(p->source, p->source_size, patch, cut, &params, &res);
    if (res.status != DFOTA_E_TRUNCATED || res.failed_in_push)
        fail_msg("cut at %zu of %zu, chunk %zu: %s in %s (%s)", cut, p->patch_size, chunk,
                 dfota_status_name(res.status), res.failed_in_push ? "push" : "finish",
                 res.error.message);
    if (cut < DFOTA_PATCH_HEADER_SIZE + map_bytes(patch))
        assert_int_equal(res.device.flash.ops, 0);
    test_apply_result_release(&res);
    if (chunk == TEST_CHUNK_WHOLE)
        assert_int_equal(dfota_patch_check_layout(patch, cut, &hdr, NULL), DFOTA_E_TRUNCATED);
}

static void truncated_patch_is_refused_at_every_cut(void **state)
{
    struct pair p;
    size_t cut, pos, frame;
    uint32_t s;

    (void)state;
    default_pair(&p);
    assert_true(map_bytes(p.patch) > 0); /* the cuts cover a map */
    for (cut = 0; cut < p.patch_size; cut++) {
        expect_truncated(&p, p.patch, cut, TEST_CHUNK_WHOLE);
        if (cut % 13 == 0)
            expect_truncated(&p, p.patch, cut, 7);
    }
    /* Around every segment boundary, one byte at a time. */
    pos = DFOTA_PATCH_HEADER_SIZE + map_bytes(p.patch);
    for (s = 0; s < test_patch_header(p.patch, p.patch_size).segment_count; s++) {
        frame = dfota_get_le32(p.patch + pos);
        for (cut = pos; cut < pos + DFOTA_PATCH_SEGMENT_HEADER_SIZE + 2; cut++)
            expect_truncated(&p, p.patch, cut, 1);
        pos += DFOTA_PATCH_SEGMENT_HEADER_SIZE + frame;
        for (cut = pos - 2; cut < pos && cut < p.patch_size; cut++)
            expect_truncated(&p, p.patch, cut, 1);
    }
    assert_int_equal(pos, p.patch_size);
    release_pair(&p);
}

static void truncated_sample_patch_is_refused(void **state)
{
    struct dfota_diff_options opts;
    uint8_t *a03, *a04;
    size_t a03_size, a04_size, cut, end_of_map;
    struct pair p;

    (void)state;
    a03 = test_read_file(DFOTA_SOURCE_DIR "/samples/BC25R01A03.bin", &a03_size);
    a04 = test_read_file(DFOTA_SOURCE_DIR "/samples/BC25R01A04.bin", &a04_size);
    test_diff_options(&opts, DFOTA_DIFF_PREDICT_AUTO);
    memset(&p, 0, sizeof(p));
    p.source = a03;
    p.source_size = a03_size;
    p.target = a04;
    p.target_size = a04_size;
    p.patch = test_diff(a03, a03_size, a04, a04_size, &opts, &p.patch_size);
    end_of_map = DFOTA_PATCH_HEADER_SIZE + map_bytes(p.patch);
    for (cut = 0; cut < p.patch_size; cut += cut < end_of_map + 16 ? 1 : 37)
        expect_truncated(&p, p.patch, cut, TEST_CHUNK_WHOLE);
    expect_truncated(&p, p.patch, p.patch_size - 1, TEST_CHUNK_WHOLE);
    release_pair(&p);
}

/* Is `at` inside one of the zstd frames of `patch` (not a header, map or segment header)? */
static int inside_a_frame(const uint8_t *patch, size_t patch_size, size_t at)
{
    size_t pos = DFOTA_PATCH_HEADER_SIZE + map_bytes(patch), frame;

    while (pos + DFOTA_PATCH_SEGMENT_HEADER_SIZE <= patch_size) {
        frame = dfota_get_le32(patch + pos);
        pos += DFOTA_PATCH_SEGMENT_HEADER_SIZE;
        if (at >= pos && at < pos + frame)
            return 1;
        pos += frame;
    }
    return 0;
}

/* The frames of `a` and `b` decode (checksums verified) to the same records. */
static void assert_same_records(const uint8_t *a, size_t a_size, const uint8_t *b, size_t b_size)
{
    struct test_patch pa, pb;
    uint32_t i;

    test_patch_parse(a, a_size, &pa);
    test_patch_parse(b, b_size, &pb);
    assert_int_equal(pa.segment_count, pb.segment_count);
    for (i = 0; i < pa.segment_count; i++) {
        assert_int_equal(pa.segments[i].source_pos, pb.segments[i].source_pos);
        assert_int_equal(pa.segments[i].records_len, pb.segments[i].records_len);
        assert_memory_equal(pa.segments[i].records, pb.segments[i].records,
                            pa.segments[i].records_len);
    }
    test_patch_release(&pa);
    test_patch_release(&pb);
}

/*
 * Every single-bit flip of the patch: never DFOTA_OK with a wrong image. The
 * header and map have CRCs, segment headers and records are checked for
 * consistency, the frames carry zstd checksums and the target a SHA-256.
 *
 * A few flips are accepted, legitimately: they fall in spots of the zstd
 * encoding that do not change what the frame decodes to (the frame header's
 * "unused" bit, which RFC 8878 says decoders must ignore, and match offsets
 * into runs of identical bytes, which copy the same bytes from elsewhere).
 * Such a patch is the same patch: for each, the image must be bit-exact and
 * every frame must decode, checksum verified, to exactly the original
 * records. No flip outside the zstd frames may be accepted.
 */
static void bit_flips_are_refused(void **state)
{
    struct dfota_patch_header hdr;
    struct test_apply_params params;
    struct test_apply_result res;
    unsigned counts[DFOTA_STATUS_LIMIT] = {0}, k, accepted = 0;
    uint8_t *flipped;
    struct pair p;
    size_t byte;

    (void)state;
    default_pair(&p);
    flipped = test_alloc(p.patch_size);
    memcpy(flipped, p.patch, p.patch_size);
    test_apply_params_init(&params);
    for (byte = 0; byte < p.patch_size; byte++) {
        for (k = 0; k < 8; k++) {
            flipped[byte] ^= (uint8_t)(1u << k);
            params.chunk = (byte * 8 + k) % 5 == 0 ? 1 : TEST_CHUNK_WHOLE;
            test_apply(p.source, p.source_size, flipped, p.patch_size, &params, &res);
            /* The layout check only refuses what the applier refuses too. */
            if (dfota_patch_check_layout(flipped, p.patch_size, &hdr, NULL) != DFOTA_OK)
                assert_int_not_equal(res.status, DFOTA_OK);
            if (res.status == DFOTA_OK) {
                test_assert_flash_holds(&res, p.target, p.target_size);
                if (!inside_a_frame(p.patch, p.patch_size, byte))
                    fail_msg("flip of bit %u of byte %zu (outside the frames) accepted", k,
                             byte);
                assert_same_records(p.patch, p.patch_size, flipped, p.patch_size);
                accepted++;
            }
            assert_true((unsigned)res.status < DFOTA_STATUS_LIMIT);
            counts[res.status]++;
            test_apply_result_release(&res);
            flipped[byte] ^= (uint8_t)(1u << k);
        }
    }
    print_message("%zu bit flips of a %zu-byte patch:", p.patch_size * 8, p.patch_size);
    for (k = 0; k < DFOTA_STATUS_LIMIT; k++)
        if (counts[k] != 0)
            print_message(" %s %u", dfota_status_name((enum dfota_status)k), counts[k]);
    print_message("\n");
    /* Rare: a handful per frame at most. */
    assert_true(accepted * 50 < p.patch_size * 8);
    free(flipped);
    release_pair(&p);
}

/* ---- crafted records ---- */

/* The first segment with at least two records, the second one copying. */
static uint32_t segment_with_two_copies(const struct test_patch *tp, struct test_record *recs,
                                        size_t *count)
{
    uint32_t s;

    for (s = 0; s < tp->segment_count; s++) {
        *count = test_records_parse(tp->segments[s].records, tp->segments[s].records_len, recs,
                                    RECORDS_MAX);
        if (*count >= 2 && recs[0].copy_len > 0 && recs[1].copy_len > 0)
            return s;
    }
    fail_msg("no segment with two copying records");
    return 0;
}

/* Decode the pair's patch and the records of its first segment with two copies. */
static uint32_t open_patch(const struct pair *p, struct test_patch *tp, struct test_record *recs)
{
    size_t count;

    test_patch_parse(p->patch, p->patch_size, tp);
    return segment_with_two_copies(tp, recs, &count);
}

/* Segment `s` of `tp` with its first record's three varints replaced by `head`. */
static void replace_first_head(struct test_patch *tp, uint32_t s, const struct test_record *first,
                               const uint8_t *head, size_t head_len)
{
    const struct test_segment *seg = &tp->segments[s];
    size_t rest = (size_t)(seg->records + seg->records_len - first->body);
    uint8_t *records = test_alloc(head_len + rest);

    memcpy(records, head, head_len);
    memcpy(records + head_len, first->body, rest);
    test_patch_set_records(tp, s, records, head_len + rest);
    free(records);
}

static size_t record_head(uint8_t *out, uint64_t copy_len, uint64_t extra_len, int64_t seek)
{
    size_t n = test_put_varint(out, copy_len);

    n += test_put_varint(out + n, extra_len);
    return n + test_put_varint(out + n, test_zigzag(seek));
}

static uint32_t segment_length(const struct test_patch *tp, uint32_t s)
{
    uint32_t start = s * tp->header.segment_size;

    return tp->header.target_size - start < tp->header.segment_size
               ? tp->header.target_size - start
               : tp->header.segment_size;
}

static void record_past_its_segment_is_refused(void **state)
{
    static struct test_record recs[RECORDS_MAX];
    struct test_patch tp;
    struct pair p;
    uint8_t head[32];
    uint32_t s, len;

    (void)state;
    default_pair(&p);
    s = open_patch(&p, &tp, recs);
    len = segment_length(&tp, s);
    /* Copy longer than the segment. */
    replace_first_head(&tp, s, &recs[0], head, record_head(head, len + 1, 0, 0));
    expect_patch_status(&p, &tp, DFOTA_E_CORRUPT_PATCH, 0, "runs past the segment end");
    test_patch_release(&tp);
    /* Extra longer than what is left after the copy. */
    s = open_patch(&p, &tp, recs);
    replace_first_head(&tp, s, &recs[0], head,
                       record_head(head, recs[0].copy_len, len - recs[0].copy_len + 1, 0));
    expect_patch_status(&p, &tp, DFOTA_E_CORRUPT_PATCH, 0, "runs past the segment end");
    test_patch_release(&tp);
    /* Both at the 32-bit maximum: the sum must not wrap. */
    s = open_patch(&p, &tp, recs);
    replace_first_head(&tp, s, &recs[0], head, record_head(head, UINT32_MAX, UINT32_MAX, 0));
    expect_patch_status(&p, &tp, DFOTA_E_CORRUPT_PATCH, 0, "runs past the segment end");
    test_patch_release(&tp);
    release_pair(&p);
}

static void seek_out_of_the_source_is_refused(void **state)
{
    static struct test_record recs[RECORDS_MAX];
    struct test_patch tp;
    struct pair p;
    uint8_t head[32];
    uint32_t s;
    int64_t after_first;

    (void)state;
    default_pair(&p);
    s = open_patch(&p, &tp, recs);
    after_first = (int64_t)tp.segments[s].source_pos + (int64_t)recs[0].copy_len;
    test_patch_release(&tp);

    /* The second record would copy from offset -1. */
    s = open_patch(&p, &tp, recs);
    replace_first_head(&tp, s, &recs[0], head,
                       record_head(head, recs[0].copy_len, recs[0].extra_len, -after_first - 1));
    expect_patch_status(&p, &tp, DFOTA_E_CORRUPT_PATCH, 0, "outside the source image");
    test_patch_release(&tp);
    /* ... or its last byte from one past the end of the source. */
    s = open_patch(&p, &tp, recs);
    replace_first_head(&tp, s, &recs[0], head,
                       record_head(head, recs[0].copy_len, recs[0].extra_len,
                                   (int64_t)p.source_size - (int64_t)recs[1].copy_len + 1 -
                                       after_first));
    expect_patch_status(&p, &tp, DFOTA_E_CORRUPT_PATCH, 0, "outside the source image");
    test_patch_release(&tp);
    /* Ending exactly at the end is a valid copy (of the wrong bytes). */
    s = open_patch(&p, &tp, recs);
    replace_first_head(&tp, s, &recs[0], head,
                       record_head(head, recs[0].copy_len, recs[0].extra_len,
                                   (int64_t)p.source_size - (int64_t)recs[1].copy_len -
                                       after_first));
    expect_patch_status(&p, &tp, DFOTA_E_TARGET_MISMATCH, 0, "SHA-256");
    test_patch_release(&tp);
    /* Seeks beyond 32 bits either way. */
    s = open_patch(&p, &tp, recs);
    replace_first_head(&tp, s, &recs[0], head,
                       record_head(head, recs[0].copy_len, recs[0].extra_len,
                                   (int64_t)1 << 32));
    expect_patch_status(&p, &tp, DFOTA_E_CORRUPT_PATCH, 0, "seek");
    test_patch_release(&tp);
    s = open_patch(&p, &tp, recs);
    replace_first_head(&tp, s, &recs[0], head,
                       record_head(head, recs[0].copy_len, recs[0].extra_len, INT64_MIN));
    expect_patch_status(&p, &tp, DFOTA_E_CORRUPT_PATCH, 0, "seek");
    test_patch_release(&tp);
    /* A segment that starts past the end of the source. */
    s = open_patch(&p, &tp, recs);
    tp.segments[s].source_pos = (uint32_t)p.source_size + 1;
    expect_patch_status(&p, &tp, DFOTA_E_CORRUPT_PATCH, 0, "past the");
    test_patch_release(&tp);
    release_pair(&p);
}

/* `value` as a varint of exactly `bytes` bytes (non-minimal when longer than needed). */
static size_t padded_varint(uint8_t *out, uint64_t value, size_t bytes)
{
    size_t i;

    for (i = 0; i < bytes; i++) {
        out[i] = (uint8_t)(value & 0x7F);
        value >>= 7;
        if (i + 1 < bytes)
            out[i] |= 0x80;
    }
    return bytes;
}

static void overlong_varint_is_refused(void **state)
{
    static struct test_record recs[RECORDS_MAX];
    struct test_patch tp;
    struct pair p;
    uint8_t head[40];
    size_t count, n;
    uint32_t s;

    (void)state;
    default_pair(&p);
    s = open_patch(&p, &tp, recs);
    s = segment_with_two_copies(&tp, recs, &count);
    test_patch_release(&tp);

    /* Lengths: 5 bytes (32 bits) is the limit; padding up to it is fine. */
    s = open_patch(&p, &tp, recs);
    n = padded_varint(head, recs[0].copy_len, DFOTA_PATCH_VARINT32_MAX);
    n += padded_varint(head + n, recs[0].extra_len, DFOTA_PATCH_VARINT32_MAX);
    n += padded_varint(head + n, test_zigzag(recs[0].seek), DFOTA_PATCH_VARINT64_MAX);
    replace_first_head(&tp, s, &recs[0], head, n);
    expect_patch_status(&p, &tp, DFOTA_OK, 0, NULL);
    test_patch_release(&tp);
    /* A sixth byte. */
    s = open_patch(&p, &tp, recs);
    n = padded_varint(head, recs[0].copy_len, DFOTA_PATCH_VARINT32_MAX + 1);
    n += test_put_varint(head + n, recs[0].extra_len);
    n += test_put_varint(head + n, test_zigzag(recs[0].seek));
    replace_first_head(&tp, s, &recs[0], head, n);
    expect_patch_status(&p, &tp, DFOTA_E_CORRUPT_PATCH, 0, "varint too long");
    test_patch_release(&tp);
    /* Five bytes holding more than 32 bits. */
    s = open_patch(&p, &tp, recs);
    n = test_put_varint(head, recs[0].copy_len);
    n += padded_varint(head + n, recs[0].extra_len | ((uint64_t)1 << 32), 5);
    n += test_put_varint(head + n, test_zigzag(recs[0].seek));
    replace_first_head(&tp, s, &recs[0], head, n);
    expect_patch_status(&p, &tp, DFOTA_E_CORRUPT_PATCH, 0, "varint too long");
    test_patch_release(&tp);
    /* Seek: an eleventh byte, and ten bytes holding more than 64 bits. */
    s = open_patch(&p, &tp, recs);
    n = test_put_varint(head, recs[0].copy_len);
    n += test_put_varint(head + n, recs[0].extra_len);
    n += padded_varint(head + n, test_zigzag(recs[0].seek), DFOTA_PATCH_VARINT64_MAX + 1);
    replace_first_head(&tp, s, &recs[0], head, n);
    expect_patch_status(&p, &tp, DFOTA_E_CORRUPT_PATCH, 0, "varint too long");
    test_patch_release(&tp);
    s = open_patch(&p, &tp, recs);
    n = test_put_varint(head, recs[0].copy_len);
    n += test_put_varint(head + n, recs[0].extra_len);
    n += padded_varint(head + n, test_zigzag(recs[0].seek), DFOTA_PATCH_VARINT64_MAX);
    head[n - 1] = 0x02; /* bit 64 */
    replace_first_head(&tp, s, &recs[0], head, n);
    expect_patch_status(&p, &tp, DFOTA_E_CORRUPT_PATCH, 0, "varint too long");
    test_patch_release(&tp);
    release_pair(&p);
}

static void records_must_fill_their_segment_exactly(void **state)
{
    static struct test_record recs[RECORDS_MAX];
    struct test_patch tp;
    struct pair p;
    uint8_t *records;
    size_t count, len;
    uint32_t s;

    (void)state;
    default_pair(&p);
    s = open_patch(&p, &tp, recs);
    count = test_records_parse(tp.segments[s].records, tp.segments[s].records_len, recs,
                               RECORDS_MAX);
    /* The last record missing: the segment ends short. */
    records = test_alloc(tp.segments[s].records_len + 64);
    len = test_records_encode(recs, count - 1, records);
    test_patch_set_records(&tp, s, records, len);
    expect_patch_status(&p, &tp, DFOTA_E_CORRUPT_PATCH, 0, "ended after");
    test_patch_release(&tp);
    /* An empty record after the last one: data after the segment's end. */
    s = open_patch(&p, &tp, recs);
    len = test_records_encode(recs, count, records);
    len += record_head(records + len, 0, 0, 0);
    test_patch_set_records(&tp, s, records, len);
    expect_patch_status(&p, &tp, DFOTA_E_CORRUPT_PATCH, 0, "data after its last record");
    test_patch_release(&tp);
    /* The last record cut inside its first varint. */
    s = open_patch(&p, &tp, recs);
    len = test_records_encode(recs, count - 1, records);
    records[len++] = 0x81;
    test_patch_set_records(&tp, s, records, len);
    expect_patch_status(&p, &tp, DFOTA_E_CORRUPT_PATCH, 0, "ended after");
    test_patch_release(&tp);
    /* Control: the same records re-encoded apply. */
    s = open_patch(&p, &tp, recs);
    len = test_records_encode(recs, count, records);
    test_patch_set_records(&tp, s, records, len);
    expect_patch_status(&p, &tp, DFOTA_OK, 0, NULL);
    test_patch_release(&tp);
    free(records);
    release_pair(&p);
}

/*
 * A record must produce a byte. Millions of empty records (copy_len 0,
 * extra_len 0, seek 0) compress to a few KiB (4-byte RLE blocks of 8 KiB of
 * zeros); an applier that decoded them all would do work out of all
 * proportion to the patch and the target. They are refused at the first
 * one, as is a pure seek, which diffgen never writes.
 */
static void empty_records_are_refused_at_the_first(void **state)
{
    static struct test_record recs[RECORDS_MAX];
    const size_t empty = (size_t)4 << 20, head_bytes = 3 * empty;
    struct test_apply_params params;
    struct test_apply_result res;
    struct test_patch tp;
    struct pair p;
    uint8_t *records, *patch, head[32];
    size_t count, len, size, n, frame_at;
    uint32_t s;

    (void)state;
    default_pair(&p);
    /* diffgen writes none: every record of the pair's patch produces bytes. */
    test_patch_parse(p.patch, p.patch_size, &tp);
    for (s = 0; s < tp.segment_count; s++) {
        size_t k;

        count = test_records_parse(tp.segments[s].records, tp.segments[s].records_len, recs,
                                   RECORDS_MAX);
        for (k = 0; k < count; k++)
            assert_true(recs[k].copy_len + recs[k].extra_len > 0);
    }

    /* 4 Mi empty records before the first segment's own records. */
    records = test_alloc(head_bytes + tp.segments[0].records_len);
    memset(records, 0, head_bytes);
    memcpy(records + head_bytes, tp.segments[0].records, tp.segments[0].records_len);
    test_patch_set_records(&tp, 0, records, head_bytes + tp.segments[0].records_len);
    free(records);
    patch = test_patch_build(&tp, &size);
    test_patch_release(&tp);
    /* 12 MiB of records in a patch a few KiB larger than the real one. */
    assert_true(size < p.patch_size + 16 * 1024);
    expect_status(&p, patch, size, NULL, DFOTA_E_CORRUPT_PATCH, 1, "produces no bytes");
    /* Refused inside the frame's first block: the patch cut 64 bytes into the
     * frame already fails in a push (not at finish, as truncated). */
    frame_at = DFOTA_PATCH_HEADER_SIZE + map_bytes(patch) + DFOTA_PATCH_SEGMENT_HEADER_SIZE;
    test_apply_params_init(&params);
    test_apply(p.source, p.source_size, patch, frame_at + 64, &params, &res);
    assert_int_equal(res.status, DFOTA_E_CORRUPT_PATCH);
    assert_true(res.failed_in_push);
    assert_non_null(strstr(res.error.message, "segment 0: record at target offset 0 produces "
                                              "no bytes"));
    assert_int_equal(res.device.writes + res.device.erases, 0);
    test_apply_result_release(&res);
    free(patch);

    /* One pure seek between two records, mid-segment: the first record's
     * seek split in two, the same source positions as before. */
    s = open_patch(&p, &tp, recs);
    count = test_records_parse(tp.segments[s].records, tp.segments[s].records_len, recs,
                               RECORDS_MAX);
    records = test_alloc(tp.segments[s].records_len + 64);
    recs[0].seek -= 5;
    len = test_records_encode(recs, 1, records);
    n = record_head(head, 0, 0, 5);
    memcpy(records + len, head, n);
    len += n;
    len += test_records_encode(recs + 1, count - 1, records + len);
    test_patch_set_records(&tp, s, records, len);
    expect_patch_status(&p, &tp, DFOTA_E_CORRUPT_PATCH, 0, "produces no bytes");
    test_patch_release(&tp);
    /* Control: the seek folded back into the first record applies. */
    s = open_patch(&p, &tp, recs);
    count = test_records_parse(tp.segments[s].records, tp.segments[s].records_len, recs,
                               RECORDS_MAX);
    len = test_records_encode(recs, count, records);
    test_patch_set_records(&tp, s, records, len);
    expect_patch_status(&p, &tp, DFOTA_OK, 0, NULL);
    test_patch_release(&tp);
    free(records);
    release_pair(&p);
}

/* ---- segment headers and zstd frames ---- */

static void frame_size_must_match_the_frame(void **state)
{
    static const int32_t adjust[] = {1, -1, 1000};
    struct test_patch tp;
    struct pair p;
    size_t k;
    uint32_t s;

    (void)state;
    default_pair(&p);
    test_patch_parse(p.patch, p.patch_size, &tp);
    expect_patch_status(&p, &tp, DFOTA_OK, 0, NULL);
    /* The first and the last segment: stated size too large or too small. */
    assert_true(tp.segment_count >= 2);
    for (s = 0; s < tp.segment_count; s += tp.segment_count - 1) {
        for (k = 0; k < COUNT(adjust); k++) {
            tp.segments[s].frame_size_adjust = adjust[k];
            expect_patch_status(&p, &tp, DFOTA_E_CORRUPT_PATCH, 0, "frame");
        }
        tp.segments[s].frame_size_adjust = 0;
    }
    /* An empty frame. */
    {
        size_t size, frame;
        uint8_t *patch = test_patch_build(&tp, &size);
        size_t at = DFOTA_PATCH_HEADER_SIZE + map_bytes(patch);

        frame = dfota_get_le32(patch + at);
        dfota_put_le32(patch + at, 0);
        expect_status(&p, patch, size, NULL, DFOTA_E_CORRUPT_PATCH, 1, "frame of 0 bytes");
        dfota_put_le32(patch + at, (uint32_t)frame);
        /* Not a zstd frame (magic), and a skippable frame. */
        patch[at + 8] ^= 0x01;
        expect_status(&p, patch, size, NULL, DFOTA_E_CORRUPT_PATCH, 1, "not a zstd frame");
        dfota_put_le32(patch + at + 8, 0x184D2A50u);
        expect_status(&p, patch, size, NULL, DFOTA_E_CORRUPT_PATCH, 1, "not a zstd frame");
        free(patch);
    }
    test_patch_release(&tp);
    release_pair(&p);
}

/* The first frame's last byte (its XXH64 checksum) changed: zstd refuses the frame. */
static void frame_checksum_is_checked(void **state)
{
    struct pair p;
    size_t at;
    uint8_t *patch;

    (void)state;
    default_pair(&p);
    patch = test_alloc(p.patch_size);
    memcpy(patch, p.patch, p.patch_size);
    at = DFOTA_PATCH_HEADER_SIZE + map_bytes(patch);
    at += DFOTA_PATCH_SEGMENT_HEADER_SIZE + dfota_get_le32(patch + at) - 1;
    patch[at] ^= 0x10;
    expect_status(&p, patch, p.patch_size, NULL, DFOTA_E_CORRUPT_PATCH, 0, "checksum");
    free(patch);
    release_pair(&p);
}

static void frame_window_larger_than_the_header_is_refused(void **state)
{
    static const int windows[] = {11, 13, 17};
    struct test_patch tp;
    struct pair p;
    size_t k;

    (void)state;
    make_pair(&p, 0, 4096, 10);
    test_patch_parse(p.patch, p.patch_size, &tp);
    {
        /* Segment 0 as one record of literal bytes: records over 1 KiB, so
         * that zstd's window (2^10 in the header) matters. */
        uint8_t *records = test_alloc(16 + 4096);
        size_t n = record_head(records, 0, 4096, 0);

        memcpy(records + n, p.target, 4096);
        test_patch_set_records(&tp, 0, records, n + 4096);
        free(records);
    }
    assert_true(tp.segments[0].records_len > 1024);
    tp.frame_window_log = 10;
    expect_patch_status(&p, &tp, DFOTA_OK, 0, NULL);
    for (k = 0; k < COUNT(windows); k++) {
        tp.frame_window_log = windows[k];
        expect_patch_status(&p, &tp, DFOTA_E_CORRUPT_PATCH, 1, "window");
    }
    test_patch_release(&tp);
    release_pair(&p);
}

static void segments_missing_or_extra_are_refused(void **state)
{
    struct dfota_patch_header hdr;
    struct test_apply_params params;
    struct test_apply_result res;
    struct test_patch tp;
    struct pair p;
    uint8_t *longer;

    (void)state;
    default_pair(&p);
    /* The last segment missing. */
    test_patch_parse(p.patch, p.patch_size, &tp);
    assert_true(tp.segment_count >= 2);
    tp.segment_count--;
    expect_patch_status(&p, &tp, DFOTA_E_TRUNCATED, 0, "ended inside segment");
    tp.segment_count++;
    test_patch_release(&tp);
    /* Bytes after the last segment, in the same push or in the next one. */
    longer = test_alloc(p.patch_size + 1);
    memcpy(longer, p.patch, p.patch_size);
    longer[p.patch_size] = 0;
    expect_status(&p, longer, p.patch_size + 1, NULL, DFOTA_E_CORRUPT_PATCH, 0,
                  "after the last segment");
    assert_int_equal(dfota_patch_check_layout(longer, p.patch_size + 1, &hdr, NULL),
                     DFOTA_E_CORRUPT_PATCH);
    assert_int_equal(dfota_patch_check_layout(longer, p.patch_size, &hdr, NULL), DFOTA_OK);
    test_apply_params_init(&params);
    params.chunk = p.patch_size;
    test_apply(p.source, p.source_size, longer, p.patch_size + 1, &params, &res);
    assert_int_equal(res.status, DFOTA_E_CORRUPT_PATCH);
    assert_true(res.failed_in_push);
    assert_non_null(strstr(res.error.message, "after the last segment"));
    test_apply_result_release(&res);
    free(longer);
    release_pair(&p);
}

/* ---- relocation map ---- */

static void map_entries_out_of_order_are_refused(void **state)
{
    struct test_patch tp;
    struct pair p;
    struct dfota_map_entry *grown;
    uint32_t n;

    (void)state;
    default_pair(&p);
    test_patch_parse(p.patch, p.patch_size, &tp);
    n = tp.header.map_count;
    assert_true(n >= 2);
    /* One more entry (same shift as the last: same prediction) in order: accepted. */
    grown = realloc(tp.map, (n + 1) * sizeof(*grown));
    assert_non_null(grown);
    tp.map = grown;
    tp.map[n] = tp.map[n - 1];
    tp.map[n].source_start = tp.map[n - 1].source_start + 16;
    assert_true(tp.map[n].source_start < p.source_size);
    tp.header.map_count = n + 1;
    tp.targets[tp.target_count - 1].map_count++; /* the last target region's map */
    tp.header.workspace_size =
        (uint32_t)dfota_apply_workspace_size(tp.header.window_log, n + 1, tp.header.region_count);
    expect_patch_status(&p, &tp, DFOTA_OK, 0, NULL);
    /* Equal to the previous one, before it, at the end of the source, past it. */
    tp.map[n].source_start = tp.map[n - 1].source_start;
    expect_patch_status(&p, &tp, DFOTA_E_MALFORMED, 1, "out of order");
    tp.map[n].source_start = tp.map[n - 1].source_start - 1;
    expect_patch_status(&p, &tp, DFOTA_E_MALFORMED, 1, "out of order");
    tp.map[n].source_start = (uint32_t)p.source_size;
    expect_patch_status(&p, &tp, DFOTA_E_MALFORMED, 1, "out of order");
    tp.map[n].source_start = UINT32_MAX;
    expect_patch_status(&p, &tp, DFOTA_E_MALFORMED, 1, "out of order");
    tp.map[n].source_start = tp.map[n - 1].source_start + 16;
    /* The first entry must start at 0. */
    tp.map[0].source_start = 1;
    expect_patch_status(&p, &tp, DFOTA_E_MALFORMED, 1, "out of order");
    tp.map[0].source_start = 0;
    /* Map bytes that disagree with the stated CRC. */
    tp.keep_map_crc = 1;
    tp.map[1].shift ^= 4;
    expect_patch_status(&p, &tp, DFOTA_E_HEADER_CHECKSUM, 1, "CRC-32 mismatch");
    test_patch_release(&tp);
    release_pair(&p);
}

static void map_count_is_bounded(void **state)
{
    struct test_patch tp;
    struct pair p;
    uint32_t i, n;

    (void)state;
    default_pair(&p);
    test_patch_parse(p.patch, p.patch_size, &tp);
    free(tp.map);
    /* DFOTA_PREDICT_MAP_MAX entries with shift 0 from 1 on: accepted, wrong image. */
    n = DFOTA_PREDICT_MAP_MAX + 1;
    tp.map = calloc(n, sizeof(*tp.map));
    assert_non_null(tp.map);
    tp.map[0] = (struct dfota_map_entry){0, 0};
    for (i = 1; i < n; i++)
        tp.map[i] = (struct dfota_map_entry){i * 8, 0};
    tp.header.map_count = DFOTA_PREDICT_MAP_MAX;
    /* All of it one target region's map. */
    tp.header.region_count = (uint8_t)(tp.header.region_count - (tp.target_count - 1));
    tp.target_count = 1;
    tp.targets[0].map_count = DFOTA_PREDICT_MAP_MAX;
    tp.header.workspace_size =
        (uint32_t)dfota_apply_workspace_size(tp.header.window_log, DFOTA_PREDICT_MAP_MAX,
                                             tp.header.region_count);
    expect_patch_status(&p, &tp, DFOTA_E_TARGET_MISMATCH, 0, "SHA-256");
    /* One more: refused with the header. */
    tp.header.map_count = n;
    expect_patch_status(&p, &tp, DFOTA_E_MALFORMED, 1, "relocation map of");
    /* A map without prediction, prediction without a map. */
    tp.header.map_count = 1;
    tp.header.predict = 0;
    expect_patch_status(&p, &tp, DFOTA_E_MALFORMED, 1, "relocation map of");
    tp.header.map_count = 0;
    tp.header.predict = DFOTA_PREDICT_BRANCH;
    expect_patch_status(&p, &tp, DFOTA_E_MALFORMED, 1, "relocation map of");
    test_patch_release(&tp);
    release_pair(&p);
}

/* The region table: target regions first (in order inside the target, each
 * with a map, the maps together the header's), then source regions (in
 * order inside the source, known flags that together are the header's);
 * reserved bytes and unused fields 0; covered by the map CRC; counts
 * bounded by the header. */
static void set_regions(struct test_patch *tp, uint32_t targets, uint32_t sources)
{
    tp->target_count = targets;
    tp->source_count = sources;
    tp->header.region_count = (uint8_t)(targets + sources);
    tp->header.workspace_size = (uint32_t)dfota_apply_workspace_size(
        tp->header.window_log, tp->header.map_count, tp->header.region_count);
}

static void region_table_is_checked(void **state)
{
    struct test_patch tp;
    struct pair p;
    struct dfota_predict_region *grown, saved;
    struct dfota_patch_target_region *more, saved_target;
    uint8_t *patch, *entry;
    size_t size;
    uint32_t m;

    (void)state;
    default_pair(&p);
    test_patch_parse(p.patch, p.patch_size, &tp);
    assert_true(tp.header.predict != 0);
    assert_int_equal(tp.target_count, 1);
    assert_int_equal(tp.source_count, 1);
    assert_true(tp.header.map_count >= 2);
    /* A second source region predicting the same way: the same image. */
    grown = realloc(tp.regions, 2 * sizeof(*grown));
    assert_non_null(grown);
    tp.regions = grown;
    tp.regions[1] = tp.regions[0];
    tp.regions[1].source_start = (uint32_t)p.source_size / 2;
    set_regions(&tp, 1, 2);
    expect_patch_status(&p, &tp, DFOTA_OK, 0, NULL);
    /* Out of order, at or past the end of the source, a first one not at 0. */
    tp.regions[1].source_start = 0;
    expect_patch_status(&p, &tp, DFOTA_E_MALFORMED, 1, "prediction region 2");
    tp.regions[1].source_start = (uint32_t)p.source_size;
    expect_patch_status(&p, &tp, DFOTA_E_MALFORMED, 1, "prediction region 2");
    tp.regions[1].source_start = (uint32_t)p.source_size / 2;
    tp.regions[0].source_start = 4;
    expect_patch_status(&p, &tp, DFOTA_E_MALFORMED, 1, "prediction region 1");
    tp.regions[0].source_start = 0;
    /* An unknown flag (bit 7 would make it a target region after a source one). */
    saved = tp.regions[1];
    tp.regions[1].flags = (uint8_t)(tp.regions[1].flags | 0x04);
    expect_patch_status(&p, &tp, DFOTA_E_MALFORMED, 1, "prediction region 2");
    tp.regions[1].flags = (uint8_t)(saved.flags | DFOTA_PATCH_REGION_TARGET);
    expect_patch_status(&p, &tp, DFOTA_E_MALFORMED, 1, "prediction region 2");
    /* Pointer fields in a region without pointers. */
    tp.regions[1].flags = DFOTA_PREDICT_BRANCH;
    tp.regions[1].pointer_base = 0x08000000u;
    tp.regions[1].pointer_delta = 0;
    if (tp.header.predict & DFOTA_PREDICT_BRANCH)
        expect_patch_status(&p, &tp, DFOTA_E_MALFORMED, 1, "prediction region 2");
    tp.regions[1].pointer_base = 0;
    tp.regions[1].pointer_delta = -4;
    if (tp.header.predict & DFOTA_PREDICT_BRANCH)
        expect_patch_status(&p, &tp, DFOTA_E_MALFORMED, 1, "prediction region 2");
    tp.regions[1] = saved;
    /* Flags that are not the header's. */
    tp.header.predict = DFOTA_PREDICT_ALL;
    tp.regions[0].flags = tp.regions[1].flags = DFOTA_PREDICT_POINTER;
    expect_patch_status(&p, &tp, DFOTA_E_MALFORMED, 1, "not the header's");
    tp.regions[0].flags = tp.regions[1].flags = saved.flags;
    tp.header.predict = saved.flags;
    /* A source region without prediction is a valid table (that rebuilds another image). */
    tp.regions[1].flags = 0;
    tp.regions[1].pointer_base = 0;
    tp.regions[1].pointer_delta = 0;
    expect_patch_status(&p, &tp, DFOTA_E_TARGET_MISMATCH, 0, "SHA-256");
    tp.regions[1] = saved;
    /* A second target region with the map's last entry as its own map. */
    more = realloc(tp.targets, 2 * sizeof(*more));
    assert_non_null(more);
    tp.targets = more;
    saved_target = tp.targets[0];
    tp.targets[0].map_count--;
    tp.targets[1] = saved_target;
    tp.targets[1].map_count = 1;
    tp.targets[1].target_start = (uint32_t)p.target_size / 2;
    m = tp.header.map_count;
    tp.map[m - 1].source_start = 0; /* a map starts at 0 */
    set_regions(&tp, 2, 2);
    expect_patch_status(&p, &tp, DFOTA_E_TARGET_MISMATCH, 0, "SHA-256");
    /* Its start out of order or past the target; maps that are not the header's. */
    tp.targets[1].target_start = 0;
    expect_patch_status(&p, &tp, DFOTA_E_MALFORMED, 1, "prediction region 1");
    tp.targets[1].target_start = (uint32_t)p.target_size;
    expect_patch_status(&p, &tp, DFOTA_E_MALFORMED, 1, "prediction region 1");
    tp.targets[1].target_start = (uint32_t)p.target_size / 2;
    tp.targets[1].map_count = 2;
    expect_patch_status(&p, &tp, DFOTA_E_MALFORMED, 1, "are not the");
    tp.targets[1].map_count = 1;
    tp.targets[0].map_count++; /* then its map ends with an entry at 0 */
    tp.header.map_count++;
    set_regions(&tp, 2, 2);
    expect_patch_status(&p, &tp, DFOTA_E_MALFORMED, 1, "out of order");
    tp.header.map_count--;
    tp.targets[0].map_count--;
    set_regions(&tp, 2, 2);
    /* A target region's map must start at source offset 0. */
    tp.map[m - 1].source_start = 16;
    expect_patch_status(&p, &tp, DFOTA_E_MALFORMED, 1, "out of order");
    tp.map[m - 1].source_start = 0;
    /* No target region, or only target regions. */
    set_regions(&tp, 0, 2);
    expect_patch_status(&p, &tp, DFOTA_E_MALFORMED, 1, "prediction region 0");
    set_regions(&tp, 2, 0);
    expect_patch_status(&p, &tp, DFOTA_E_MALFORMED, 1, "prediction region");
    set_regions(&tp, 2, 2);
    /* A reserved byte of a source entry, of a target entry (map CRC refreshed). */
    patch = test_patch_build(&tp, &size);
    entry = patch + DFOTA_PATCH_HEADER_SIZE + (size_t)m * 8 + 3 * 16;
    entry[6] = 1;
    dfota_put_le32(patch + 104, dfota_crc32(0, patch + DFOTA_PATCH_HEADER_SIZE, (size_t)m * 8 + 64));
    refresh_header_crc(patch);
    expect_status(&p, patch, size, NULL, DFOTA_E_MALFORMED, 1, "prediction region 3");
    entry[6] = 0;
    entry = patch + DFOTA_PATCH_HEADER_SIZE + (size_t)m * 8 + 16;
    entry[12] = 1;
    dfota_put_le32(patch + 104, dfota_crc32(0, patch + DFOTA_PATCH_HEADER_SIZE, (size_t)m * 8 + 64));
    refresh_header_crc(patch);
    expect_status(&p, patch, size, NULL, DFOTA_E_MALFORMED, 1, "prediction region 1");
    /* A region byte changed, the CRC not: refused. */
    entry[12] = 0;
    entry[13] ^= 1;
    expect_status(&p, patch, size, NULL, DFOTA_E_HEADER_CHECKSUM, 1, "CRC-32 mismatch");
    free(patch);
    /* Counts: prediction without regions, regions without prediction, too many. */
    tp.header.region_count = 0;
    expect_patch_status(&p, &tp, DFOTA_E_MALFORMED, 1, "prediction regions");
    tp.header.region_count = DFOTA_PREDICT_REGION_MAX + 1;
    expect_patch_status(&p, &tp, DFOTA_E_MALFORMED, 1, "prediction regions");
    tp.header.region_count = 4;
    tp.header.predict = 0;
    tp.header.map_count = 0;
    expect_patch_status(&p, &tp, DFOTA_E_MALFORMED, 1, "prediction regions");
    test_patch_release(&tp);
    release_pair(&p);
}

/* ---- patch header ---- */

static void bad_headers_are_refused_before_any_write(void **state)
{
    struct test_patch tp;
    struct pair p;
    uint8_t *patch;
    size_t size;
    uint8_t predict;

    (void)state;
    default_pair(&p);
    test_patch_parse(p.patch, p.patch_size, &tp);
    patch = test_patch_build(&tp, &size);
    expect_status(&p, patch, size, NULL, DFOTA_OK, 0, NULL);

    patch[50] ^= 0x01; /* inside the source SHA-256, CRC not updated */
    expect_status(&p, patch, size, NULL, DFOTA_E_HEADER_CHECKSUM, 1, "CRC-32 mismatch");
    patch[50] ^= 0x01;
    patch[108] ^= 0x80; /* the CRC itself */
    expect_status(&p, patch, size, NULL, DFOTA_E_HEADER_CHECKSUM, 1, "CRC-32 mismatch");
    patch[108] ^= 0x80;
    patch[0] = 0x88;
    expect_status(&p, patch, size, NULL, DFOTA_E_BAD_MAGIC, 1, "magic");
    patch[0] = 0x89;
    patch[8] = DFOTA_PATCH_FORMAT_VERSION + 1;
    refresh_header_crc(patch);
    expect_status(&p, patch, size, NULL, DFOTA_E_UNSUPPORTED_VERSION, 1, "version");
    patch[8] = 0;
    refresh_header_crc(patch);
    expect_status(&p, patch, size, NULL, DFOTA_E_UNSUPPORTED_VERSION, 1, "version");
    /* Versions 1 and 2 (dfota 0.2) stated the host's workspace figure. */
    patch[8] = 1;
    refresh_header_crc(patch);
    expect_status(&p, patch, size, NULL, DFOTA_E_UNSUPPORTED_VERSION, 1, "make the patch again");
    patch[8] = 2;
    refresh_header_crc(patch);
    expect_status(&p, patch, size, NULL, DFOTA_E_UNSUPPORTED_VERSION, 1, "make the patch again");
    /* Format 4's DESCENDING flag (bit 1) is no flag of format 5. */
    patch[8] = DFOTA_PATCH_FORMAT_VERSION;
    patch[11] = 0x02;
    refresh_header_crc(patch);
    expect_status(&p, patch, size, NULL, DFOTA_E_UNSUPPORTED_FEATURE, 1, "patch flags");
    patch[11] = 0;
    /* Format 4 (the range codec, no regions, no pivot) is refused with a hint. */
    patch[8] = 4;
    refresh_header_crc(patch);
    expect_status(&p, patch, size, NULL, DFOTA_E_UNSUPPORTED_VERSION, 1, "make the patch again");
    free(patch);

    tp.frame_window_log = tp.header.window_log; /* whatever the header says below */
    predict = tp.header.predict;
    tp.header.predict = (uint8_t)(tp.header.predict | 0x04);
    expect_patch_status(&p, &tp, DFOTA_E_UNSUPPORTED_FEATURE, 1, "prediction flags");
    tp.header.predict = 0x80;
    expect_patch_status(&p, &tp, DFOTA_E_UNSUPPORTED_FEATURE, 1, "prediction flags");
    tp.header.predict = predict;
    tp.header.flags = 0x04; /* unknown */
    expect_patch_status(&p, &tp, DFOTA_E_UNSUPPORTED_FEATURE, 1, "patch flags");
    tp.header.flags = 0x02; /* format 4's DESCENDING */
    expect_patch_status(&p, &tp, DFOTA_E_UNSUPPORTED_FEATURE, 1, "patch flags");
    tp.header.flags = 0;
    /* A pivot only in place, and at most the segment count there. */
    tp.header.pivot = 1;
    expect_patch_status(&p, &tp, DFOTA_E_MALFORMED, 1, "pivot");
    tp.header.flags = DFOTA_PATCH_FLAG_IN_PLACE;
    tp.header.pivot = tp.header.segment_count + 1;
    expect_patch_status(&p, &tp, DFOTA_E_MALFORMED, 1, "pivot");
    tp.header.pivot = 0;
    /* A valid in-place header, offered to a two-bank layout. */
    tp.header.flags = DFOTA_PATCH_FLAG_IN_PLACE;
    expect_patch_status(&p, &tp, DFOTA_E_UNSUPPORTED_FEATURE, 1, "in-place layout");
    tp.header.flags = 0;
    tp.header.window_log = DFOTA_PATCH_WINDOW_LOG_MIN - 1;
    expect_patch_status(&p, &tp, DFOTA_E_UNSUPPORTED_FEATURE, 1, "window log");
    tp.header.window_log = DFOTA_PATCH_WINDOW_LOG_MAX + 1;
    expect_patch_status(&p, &tp, DFOTA_E_UNSUPPORTED_FEATURE, 1, "window log");
    tp.header.window_log = 13;
    tp.header.segment_size = 4095;
    expect_patch_status(&p, &tp, DFOTA_E_MALFORMED, 1, "segment size");
    tp.header.segment_size = 2048;
    expect_patch_status(&p, &tp, DFOTA_E_MALFORMED, 1, "segment size");
    tp.header.segment_size = DFOTA_PATCH_SEGMENT_SIZE_MAX * 2;
    expect_patch_status(&p, &tp, DFOTA_E_MALFORMED, 1, "segment size");
    tp.header.segment_size = 4096;
    tp.header.segment_count++;
    expect_patch_status(&p, &tp, DFOTA_E_MALFORMED, 1, "segment count");
    tp.header.segment_count -= 2;
    expect_patch_status(&p, &tp, DFOTA_E_MALFORMED, 1, "segment count");
    tp.header.segment_count++;
    /* Everything restored: applies. */
    expect_patch_status(&p, &tp, DFOTA_OK, 0, NULL);
    test_patch_release(&tp);
    release_pair(&p);
}

static void wrong_target_digest_fails_at_finish(void **state)
{
    struct test_apply_params params;
    struct test_apply_result res;
    struct test_patch tp;
    struct pair p;
    uint8_t *patch;
    size_t size;

    (void)state;
    default_pair(&p);
    test_patch_parse(p.patch, p.patch_size, &tp);
    tp.header.target_sha256[0] ^= 0x01;
    patch = test_patch_build(&tp, &size);
    test_apply_params_init(&params);
    test_apply(p.source, p.source_size, patch, size, &params, &res);
    assert_int_equal(res.status, DFOTA_E_TARGET_MISMATCH);
    assert_int_equal(res.finish_status, DFOTA_E_TARGET_MISMATCH);
    assert_false(res.failed_in_push);
    /* The image itself was written (the digest is all that is wrong). */
    assert_memory_equal(res.device.flash.mem, p.target, p.target_size);
    test_apply_result_release(&res);
    free(patch);
    test_patch_release(&tp);
    release_pair(&p);
}

static void target_larger_than_the_area_is_refused(void **state)
{
    struct test_apply_params params;
    struct pair p;

    (void)state;
    default_pair(&p);
    test_apply_params_init(&params);
    params.flash_size = test_round_up((uint32_t)p.target_size, 4096) - 4096;
    expect_status(&p, p.patch, p.patch_size, &params, DFOTA_E_TOO_LARGE, 1, "does not fit");
    release_pair(&p);
}

/* ---- workspace and configuration ---- */

static void workspace_one_byte_short_is_refused(void **state)
{
    struct test_apply_params params;
    struct pair p;
    size_t need, misalign;

    (void)state;
    default_pair(&p);
    need = dfota_apply_workspace_need(13, map_count_of(p.patch), region_count_of(p.patch));
    assert_int_equal(dfota_apply_workspace_size(13, map_count_of(p.patch), region_count_of(p.patch)),
                     test_patch_header(p.patch, p.patch_size).workspace_size);
    for (misalign = 0; misalign < 16; misalign += 3) {
        test_apply_params_init(&params);
        params.workspace_misalign = misalign;
        params.workspace_size = need - 1;
        expect_status(&p, p.patch, p.patch_size, &params, DFOTA_E_WORKSPACE, 1, "workspace");
        params.workspace_size = need;
        expect_status(&p, p.patch, p.patch_size, &params, DFOTA_OK, 0, NULL);
    }
    /* A header that understates its workspace is not this format's. */
    {
        struct test_patch tp;

        test_patch_parse(p.patch, p.patch_size, &tp);
        tp.header.workspace_size = (uint32_t)need - 4096;
        expect_patch_status(&p, &tp, DFOTA_E_MALFORMED, 1, "workspace");
        test_patch_release(&tp);
    }
    /* Too small for even the applier state: refused by init. */
    test_apply_params_init(&params);
    params.workspace_size = 1024;
    expect_status(&p, p.patch, p.patch_size, &params, DFOTA_E_WORKSPACE, 1, "workspace");
    release_pair(&p);
}

/* The pair's patch with header field workspace_size set to `claim`. */
static uint8_t *patch_claiming(const struct pair *p, size_t claim)
{
    uint8_t *patch = test_alloc(p->patch_size);

    memcpy(patch, p->patch, p->patch_size);
    dfota_put_le32(patch + 28, (uint32_t)claim);
    refresh_header_crc(patch);
    return patch;
}

/*
 * A claim that is not the format's figure for the header's window log and
 * map count, as any build computes it, is refused before anything is
 * erased, even by a device that has the workspace it needs: 16 bytes,
 * 4 GiB, or a single byte away from the figure (computed from constants
 * every build shares, so there is no other build's figure to tolerate).
 */
static void implausible_workspace_claim_is_refused_before_any_write(void **state)
{
    struct dfota_patch_header hdr;
    struct test_apply_params params;
    struct dfota_error err;
    struct pair p;
    uint8_t *patch;
    size_t need, claims[5], k;

    (void)state;
    default_pair(&p);
    need = dfota_apply_workspace_size(13, map_count_of(p.patch), region_count_of(p.patch));
    claims[0] = 16;
    claims[1] = UINT32_MAX;
    claims[2] = need + 1;
    claims[3] = need - 1;
    claims[4] = 0;
    test_apply_params_init(&params);
    params.workspace_size =
        dfota_apply_workspace_need(13, map_count_of(p.patch), region_count_of(p.patch)) + 4096;
    for (k = 0; k < COUNT(claims); k++) {
        patch = patch_claiming(&p, claims[k]);
        expect_status(&p, patch, p.patch_size, &params, DFOTA_E_MALFORMED, 1,
                      "bytes of applier workspace");
        assert_int_equal(dfota_patch_header_decode(patch, p.patch_size, &hdr, &err),
                         DFOTA_E_MALFORMED);
        free(patch);
    }
    release_pair(&p);
}

/* The stated figure is the reference device build's, from constants: it does
 * not follow this build (a 64-bit host needs more, and is given it). */
static void workspace_claim_is_the_reference_figure(void **state)
{
    struct dfota_patch_header hdr;
    struct pair p;

    (void)state;
    default_pair(&p);
    assert_int_equal(dfota_patch_header_decode(p.patch, p.patch_size, &hdr, NULL), DFOTA_OK);
    assert_int_equal(hdr.workspace_size,
                     16 + DFOTA_APPLY_STATE_SIZE + DFOTA_ZSTD_DCTX_SIZE + 8192 +
                         (8192 + 8192 + 128) +
                         (hdr.map_count * 8 + hdr.region_count * 16 + 15) / 16 * 16);
    if (sizeof(void *) > 4)
        assert_true(dfota_apply_workspace_need_for(hdr.codec, hdr.window_log, hdr.map_count, hdr.region_count) >
                    hdr.workspace_size);
    release_pair(&p);
}

static void erase_block_larger_than_a_segment_is_refused(void **state)
{
    struct test_apply_params params;
    struct pair p;

    (void)state;
    default_pair(&p); /* 4 KiB segments */
    test_apply_params_init(&params);
    params.erase_size = 8192;
    expect_status(&p, p.patch, p.patch_size, &params, DFOTA_E_INVALID_ARGUMENT, 1, "erase size");
    params.erase_size = 4096;
    expect_status(&p, p.patch, p.patch_size, &params, DFOTA_OK, 0, NULL);
    params.erase_size = 1024;
    params.write_align = 256;
    expect_status(&p, p.patch, p.patch_size, &params, DFOTA_OK, 0, NULL);
    release_pair(&p);
}

static enum dfota_status init_with(const struct dfota_apply_config *config,
                                   const struct dfota_apply_io *io, void *workspace,
                                   size_t workspace_size)
{
    static uint8_t not_null;
    struct dfota_apply *ap = (struct dfota_apply *)(void *)&not_null;
    struct dfota_error err;
    enum dfota_status st;

    dfota_error_clear(&err);
    st = dfota_apply_init(&ap, workspace, workspace_size, config, io, &err);
    assert_int_equal(err.status, st);
    if (st != DFOTA_OK) {
        assert_null(ap);
        assert_true(err.message[0] != '\0');
    } else {
        assert_non_null(ap);
        assert_null(dfota_apply_header(ap));
        assert_int_equal(dfota_apply_target_done(ap), 0);
        assert_int_equal(dfota_apply_error(ap)->status, DFOTA_OK);
    }
    return st;
}

static void bad_configuration_is_refused_at_init(void **state)
{
    static const uint32_t bad_aligns[] = {0, 3, 6, 512, 8192};
    static const uint32_t bad_erases[] = {0, 3, 3000};
    static const unsigned bad_steps[] = {1, 3, 4, 101, 1000};
    static const unsigned good_steps[] = {0, 5, 7, 100};
    size_t size = TEST_WORKSPACE_MAX, k;
    struct dfota_apply_config config, c;
    struct dfota_apply_io io, i;
    uint8_t *workspace = test_alloc(size);
    struct test_device device;

    (void)state;
    memset(&device, 0, sizeof(device));
    memset(&config, 0, sizeof(config));
    config.erase_size = 4096;
    config.write_align = 8;
    memset(&io, 0, sizeof(io));
    io.ctx = &device;
    io.read_source = test_read_source;
    io.erase_target = test_erase_target;
    io.write_target = test_write_target;
    assert_int_equal(init_with(&config, &io, workspace, size), DFOTA_OK);

    for (k = 0; k < COUNT(bad_aligns); k++) {
        c = config;
        c.write_align = bad_aligns[k];
        assert_int_equal(init_with(&c, &io, workspace, size), DFOTA_E_INVALID_ARGUMENT);
    }
    for (k = 0; k < COUNT(bad_erases); k++) {
        c = config;
        c.erase_size = bad_erases[k];
        assert_int_equal(init_with(&c, &io, workspace, size), DFOTA_E_INVALID_ARGUMENT);
    }
    /* Alignment above the erase block. */
    c = config;
    c.erase_size = 16;
    c.write_align = 32;
    assert_int_equal(init_with(&c, &io, workspace, size), DFOTA_E_INVALID_ARGUMENT);
    c.write_align = 16;
    assert_int_equal(init_with(&c, &io, workspace, size), DFOTA_OK);
    for (k = 0; k < COUNT(bad_steps); k++) {
        c = config;
        c.progress_steps = bad_steps[k];
        assert_int_equal(init_with(&c, &io, workspace, size), DFOTA_E_INVALID_ARGUMENT);
    }
    for (k = 0; k < COUNT(good_steps); k++) {
        c = config;
        c.progress_steps = good_steps[k];
        assert_int_equal(init_with(&c, &io, workspace, size), DFOTA_OK);
    }
    /* Missing callbacks, workspace, configuration (progress is optional). */
    i = io;
    i.read_source = NULL;
    assert_int_equal(init_with(&config, &i, workspace, size), DFOTA_E_INVALID_ARGUMENT);
    i = io;
    i.erase_target = NULL;
    assert_int_equal(init_with(&config, &i, workspace, size), DFOTA_E_INVALID_ARGUMENT);
    i = io;
    i.write_target = NULL;
    assert_int_equal(init_with(&config, &i, workspace, size), DFOTA_E_INVALID_ARGUMENT);
    assert_int_equal(init_with(&config, &io, NULL, size), DFOTA_E_INVALID_ARGUMENT);
    assert_int_equal(init_with(NULL, &io, workspace, size), DFOTA_E_INVALID_ARGUMENT);
    assert_int_equal(init_with(&config, NULL, workspace, size), DFOTA_E_INVALID_ARGUMENT);
    assert_int_equal(init_with(&config, &io, workspace, 0), DFOTA_E_WORKSPACE);
    free(workspace);
}

static void workspace_size_query_bounds(void **state)
{
    (void)state;
    assert_int_equal(dfota_apply_workspace_size(DFOTA_PATCH_WINDOW_LOG_MIN - 1, 0, 0), 0);
    assert_int_equal(dfota_apply_workspace_size(DFOTA_PATCH_WINDOW_LOG_MAX + 1, 0, 0), 0);
    assert_int_equal(dfota_apply_workspace_size(13, DFOTA_PREDICT_MAP_MAX + 1, 1), 0);
    assert_int_equal(dfota_apply_workspace_size(13, 1, DFOTA_PREDICT_REGION_MAX + 1), 0);
    /* Grows with the window (two buffers of it), with the map (8 bytes an
     * entry) and with the regions (16 bytes each). */
    assert_true(dfota_apply_workspace_size(11, 0, 0) > dfota_apply_workspace_size(10, 0, 0) + 2048);
    assert_int_equal(dfota_apply_workspace_size(13, 2, 0) - dfota_apply_workspace_size(13, 0, 0), 16);
    assert_int_equal(dfota_apply_workspace_size(13, 2, 1) - dfota_apply_workspace_size(13, 2, 0), 16);
    assert_int_equal(dfota_apply_workspace_size(13, 2, 3) - dfota_apply_workspace_size(13, 2, 0), 48);
    /* FORMAT.md: 69,584 bytes with window 13, a full map and one region. */
    assert_int_equal(dfota_apply_workspace_size(13, DFOTA_PREDICT_MAP_MAX, 1),
                     16 + DFOTA_APPLY_STATE_SIZE + DFOTA_ZSTD_DCTX_SIZE + 8192 + 16512 + 4096 + 16);
    assert_int_equal(dfota_apply_workspace_size(13, DFOTA_PREDICT_MAP_MAX, 1), 69584);
    assert_int_equal(dfota_apply_workspace_for(DFOTA_CODEC_ZSTD_ID, 13, 7, 2),
                     dfota_apply_workspace_size(13, 7, 2));
    /* The range codec: state, decoder, its 64-byte output, the history, the tables. */
    assert_int_equal(dfota_apply_workspace_for(DFOTA_CODEC_RANGE_ID, 7, 0, 0), 0);
    assert_int_equal(dfota_apply_workspace_for(DFOTA_CODEC_RANGE_ID, 13, 0, 0), 0);
    assert_int_equal(
        dfota_apply_workspace_for(DFOTA_CODEC_RANGE_ID, 10, DFOTA_PREDICT_MAP_MAX + 1, 1), 0);
    assert_int_equal(
        dfota_apply_workspace_for(DFOTA_CODEC_RANGE_ID, 10, 1, DFOTA_PREDICT_REGION_MAX + 1), 0);
    assert_int_equal(dfota_apply_workspace_for(2, 10, 0, 0), 0);
    assert_int_equal(dfota_apply_workspace_for(DFOTA_CODEC_RANGE_ID, 10, 0, 0),
                     16 + DFOTA_APPLY_STATE_SIZE + DFOTA_RCDEC_STATE_SIZE + 64 + 1024);
    assert_int_equal(dfota_apply_workspace_for(DFOTA_CODEC_RANGE_ID, 10, 0, 0), 9440);
    /* A range patch with a history of up to 2^11 bytes fits 16 KiB even with a
     * full map and one region (the small profile, docs/PORTING.md); 2^12 does not. */
    assert_int_equal(dfota_apply_workspace_for(DFOTA_CODEC_RANGE_ID, 11, DFOTA_PREDICT_MAP_MAX, 1),
                     14576);
    assert_int_equal(dfota_apply_workspace_for(DFOTA_CODEC_RANGE_ID, 12, DFOTA_PREDICT_MAP_MAX, 1),
                     16624);
    /* Every region of the table: 1 KiB more. */
    assert_int_equal(dfota_apply_workspace_for(DFOTA_CODEC_RANGE_ID, 10, DFOTA_PREDICT_MAP_MAX,
                                               DFOTA_PREDICT_REGION_MAX) -
                         dfota_apply_workspace_for(DFOTA_CODEC_RANGE_ID, 10, DFOTA_PREDICT_MAP_MAX, 0),
                     16 * DFOTA_PREDICT_REGION_MAX);
    assert_true(dfota_apply_workspace_need_for(DFOTA_CODEC_RANGE_ID, 10, 0, 0) >=
                dfota_apply_workspace_for(DFOTA_CODEC_RANGE_ID, 10, 0, 0) - 64);
}

/* ---- flash failures ---- */

static void flash_failures_are_passed_on(void **state)
{
    static const enum dfota_status statuses[] = {DFOTA_E_FLASH, DFOTA_E_IO};
    struct test_apply_params params;
    struct test_apply_result res;
    struct pair p;
    size_t k;

    (void)state;
    default_pair(&p);
    for (k = 0; k < COUNT(statuses); k++) {
        test_apply_params_init(&params);
        params.fail_status = statuses[k];
        params.fail_write_at = 3;
        expect_status(&p, p.patch, p.patch_size, &params, statuses[k], 0, "write");
        params.fail_write_at = 0;
        params.fail_erase_at = 2;
        expect_status(&p, p.patch, p.patch_size, &params, statuses[k], 0, "erase");
        params.fail_erase_at = 0;
        /* The first source read (the source check), and one during the copies. */
        params.fail_read_at = 1;
        expect_status(&p, p.patch, p.patch_size, &params, statuses[k], 1, "source read");
        params.fail_read_at = (p.source_size + 255) / 256 + 3;
        expect_status(&p, p.patch, p.patch_size, &params, statuses[k], 0, "source read");
    }
    /* The write of the final, padded unit (at the end of the last segment) failing. */
    test_apply_params_init(&params);
    params.fail_status = DFOTA_E_FLASH;
    assert_true(p.target_size % 256 != 0);
    params.fail_write_at = (p.target_size + 255) / 256;
    test_apply(p.source, p.source_size, p.patch, p.patch_size, &params, &res);
    assert_int_equal(res.status, DFOTA_E_FLASH);
    assert_true(res.failed_in_push);
    assert_non_null(strstr(res.error.message, "write"));
    test_apply_result_release(&res);
    release_pair(&p);
}

static void power_cut_at_every_operation_is_passed_on(void **state)
{
    static const enum dfota_flashsim_cut_mode modes[] = {DFOTA_FLASHSIM_CUT_CLEAN,
                                                         DFOTA_FLASHSIM_CUT_TORN};
    struct test_apply_params params;
    struct test_apply_result res;
    struct pair p;
    uint64_t ops, n;
    size_t m;

    (void)state;
    default_pair(&p);
    test_apply_params_init(&params);
    test_apply(p.source, p.source_size, p.patch, p.patch_size, &params, &res);
    assert_int_equal(res.status, DFOTA_OK);
    ops = res.device.flash.ops;
    test_apply_result_release(&res);
    assert_true(ops > 4);
    for (m = 0; m < COUNT(modes); m++) {
        for (n = 0; n < ops; n++) {
            test_apply_params_init(&params);
            params.chunk = n % 2 ? 7 : TEST_CHUNK_WHOLE;
            params.power_cut = 1;
            params.power_cut_after = n;
            params.power_cut_mode = modes[m];
            test_apply(p.source, p.source_size, p.patch, p.patch_size, &params, &res);
            if (res.status != DFOTA_E_POWER_CUT)
                fail_msg("cut after %lu operations: %s", (unsigned long)n,
                         dfota_status_name(res.status));
            /* The operation that was cut is the last one attempted. */
            assert_int_equal(res.device.flash.ops, n + 1);
            assert_int_equal(res.device.erases + res.device.writes, n + 1);
            test_apply_result_release(&res);
        }
    }
    release_pair(&p);
}

/* ---- after the end ---- */

static void nothing_is_accepted_after_finish(void **state)
{
    struct test_apply_params params;
    struct dfota_apply_config config;
    struct dfota_apply_io io;
    struct dfota_apply *ap;
    struct test_device device;
    struct dfota_error err;
    struct pair p;
    uint8_t *workspace;
    size_t size;

    (void)state;
    default_pair(&p);
    test_apply_params_init(&params);
    memset(&device, 0, sizeof(device));
    device.source = p.source;
    device.source_size = p.source_size;
    assert_int_equal(dfota_flashsim_create(&device.flash,
                                           test_round_up((uint32_t)p.target_size, 4096), 4096, 4,
                                           &err),
                     DFOTA_OK);
    memset(&config, 0, sizeof(config));
    config.erase_size = 4096;
    config.write_align = 4;
    memset(&io, 0, sizeof(io));
    io.ctx = &device;
    io.read_source = test_read_source;
    io.erase_target = test_erase_target;
    io.write_target = test_write_target;
    size = dfota_apply_workspace_need(test_patch_header(p.patch, p.patch_size).window_log,
                                      test_patch_header(p.patch, p.patch_size).map_count,
                                      test_patch_header(p.patch, p.patch_size).region_count);
    workspace = test_alloc(size);
    assert_int_equal(dfota_apply_init(&ap, workspace, size, &config, &io, &err), DFOTA_OK);
    assert_null(dfota_apply_header(ap));
    assert_int_equal(dfota_apply_push(ap, p.patch, 0), DFOTA_OK);
    assert_int_equal(dfota_apply_push(ap, p.patch, DFOTA_PATCH_HEADER_SIZE), DFOTA_OK);
    /* With a map to come, the header is not yet trusted. */
    assert_true(map_bytes(p.patch) > 0);
    assert_null(dfota_apply_header(ap));
    assert_int_equal(dfota_apply_push(ap, p.patch + DFOTA_PATCH_HEADER_SIZE,
                                      p.patch_size - DFOTA_PATCH_HEADER_SIZE),
                     DFOTA_OK);
    assert_non_null(dfota_apply_header(ap));
    assert_int_equal(dfota_apply_header(ap)->target_size, p.target_size);
    assert_int_equal(dfota_apply_finish(ap), DFOTA_OK);
    assert_int_equal(dfota_apply_finish(ap), DFOTA_OK); /* idempotent */
    assert_memory_equal(device.flash.mem, p.target, p.target_size);
    /* More data after finish is a caller error, and it sticks. */
    assert_int_equal(dfota_apply_push(ap, p.patch, 1), DFOTA_E_INVALID_ARGUMENT);
    assert_int_equal(dfota_apply_error(ap)->status, DFOTA_E_INVALID_ARGUMENT);
    assert_int_equal(dfota_apply_finish(ap), DFOTA_E_INVALID_ARGUMENT);
    free(workspace);
    dfota_flashsim_free(&device.flash);
    release_pair(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(wrong_source_is_refused_before_any_write),
        cmocka_unit_test(header_for_another_source_is_refused),
        cmocka_unit_test(truncated_patch_is_refused_at_every_cut),
        cmocka_unit_test(truncated_sample_patch_is_refused),
        cmocka_unit_test(bit_flips_are_refused),
        cmocka_unit_test(record_past_its_segment_is_refused),
        cmocka_unit_test(seek_out_of_the_source_is_refused),
        cmocka_unit_test(overlong_varint_is_refused),
        cmocka_unit_test(records_must_fill_their_segment_exactly),
        cmocka_unit_test(empty_records_are_refused_at_the_first),
        cmocka_unit_test(frame_size_must_match_the_frame),
        cmocka_unit_test(frame_checksum_is_checked),
        cmocka_unit_test(frame_window_larger_than_the_header_is_refused),
        cmocka_unit_test(segments_missing_or_extra_are_refused),
        cmocka_unit_test(map_entries_out_of_order_are_refused),
        cmocka_unit_test(map_count_is_bounded),
        cmocka_unit_test(region_table_is_checked),
        cmocka_unit_test(bad_headers_are_refused_before_any_write),
        cmocka_unit_test(wrong_target_digest_fails_at_finish),
        cmocka_unit_test(target_larger_than_the_area_is_refused),
        cmocka_unit_test(workspace_one_byte_short_is_refused),
        cmocka_unit_test(implausible_workspace_claim_is_refused_before_any_write),
        cmocka_unit_test(workspace_claim_is_the_reference_figure),
        cmocka_unit_test(erase_block_larger_than_a_segment_is_refused),
        cmocka_unit_test(bad_configuration_is_refused_at_init),
        cmocka_unit_test(workspace_size_query_bounds),
        cmocka_unit_test(flash_failures_are_passed_on),
        cmocka_unit_test(power_cut_at_every_operation_is_passed_on),
        cmocka_unit_test(nothing_is_accepted_after_finish),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
