/*
 * test_rc.c - the range codec on its own: the encoder (diffgen/src/rcenc.c)
 * and the decoder (dfota/rcdec.h) on record streams, without a patch.
 *
 *   - round trips of thousands of random valid record streams (every
 *     history log, feed sizes 1, 3, 64 and whole, output buffers 16, 17, 64
 *     and large), with the literal matches and repeats of the last distance
 *     shown to be used, and the history's limit shown to be kept;
 *   - the same stream always codes to the same bytes;
 *   - malformed records are refused with -1;
 *   - corrupt frames (random ones, every single-bit flip and every
 *     truncation of valid ones) end in DONE or CORRUPT within a bounded
 *     number of calls, never write more than asked or than a segment's
 *     records can be, and DONE always comes with a well-formed record
 *     stream of the segment's length;
 *   - the API's edges: small output buffers, empty segments, trailing
 *     bytes, feeding past the frame, a decoder reset between segments.
 *
 * tests/rc_records.h holds the generator, the checker and the decoding
 * driver (shared with tests/fuzz/fuzz_rcdec.c).
 */
#include "test_helpers.h"

#include <stdio.h>
#include <stdlib.h>

#include "dfota/rcdec.h"
#include "rc_records.h"
#include "rcenc.h"
#include "thumb_image.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define WHOLE ((size_t)-1)

static const size_t feeds[] = {1, 3, 64, WHOLE};
static const size_t caps[] = {16, 17, 64, 1u << 20};

static uint32_t rng_pick(void *ctx, uint32_t bound)
{
    return test_rng_next(ctx) % bound;
}

/* A random valid record stream of `target_len` bytes (malloc'd, *len bytes). */
static uint8_t *random_records(struct test_rng *r, uint32_t target_len, unsigned history_log,
                               size_t *len)
{
    struct rc_choices c = {rng_pick, r, NULL};
    uint8_t *records = malloc(RC_RECORDS_MAX(target_len)), *scratch = malloc(target_len + 1);
    const char *why;

    assert_non_null(records);
    assert_non_null(scratch);
    *len = rc_generate(&c, target_len, history_log, records, scratch);
    free(scratch);
    assert_true(*len <= RC_RECORDS_MAX(target_len));
    /* The generator's own promise. */
    why = rc_check_records(records, *len, target_len);
    if (why != NULL)
        fail_msg("generated records of %u bytes: %s", (unsigned)target_len, why);
    return records;
}

static uint8_t *encode(const uint8_t *records, size_t len, unsigned history_log,
                       size_t *frame_len)
{
    uint8_t *frame = NULL;
    int rc = dfota_rc_encode(records, len, history_log, &frame, frame_len);

    if (rc != 1)
        fail_msg("dfota_rc_encode of %zu bytes of valid records: %d", len, rc);
    return frame;
}

/* Decode `frame` into r->out (allocated here; free it) and assert the decoder kept its promises. */
static void decode(struct rc_decode *r, const uint8_t *frame, size_t frame_len, uint32_t frame_size,
                   uint32_t target_len, unsigned history_log, size_t feed, size_t cap)
{
    assert_true(rc_decode_init(r, frame, frame_len, target_len, history_log, feed, cap));
    r->frame_size = frame_size;
    if (rc_decode(r) != NULL)
        fail_msg("frame of %zu bytes (size %u), target %u, log %u, feed %zu, cap %zu: %s",
                 frame_len, (unsigned)frame_size, (unsigned)target_len, history_log, feed, cap,
                 r->violation);
}

/* The decoder on a valid frame: exactly the records, DONE, every frame byte taken. */
static unsigned assert_round_trip(const uint8_t *records, size_t len, uint32_t target_len,
                                  unsigned history_log, const uint8_t *frame, size_t frame_len,
                                  size_t feed, size_t cap)
{
    struct rc_decode r;

    decode(&r, frame, frame_len, (uint32_t)frame_len, target_len, history_log, feed, cap);
    if (r.result != DFOTA_RCDEC_DONE)
        fail_msg("target %u, log %u, feed %zu, cap %zu: result %d after %zu of %zu bytes",
                 (unsigned)target_len, history_log, feed, cap, (int)r.result, r.out_len, len);
    assert_int_equal(r.fed, frame_len);
    assert_int_equal(r.out_len, len);
    assert_memory_equal(r.out, records, len);
    free(r.out);
    return r.kinds;
}

/* A target length: mostly short, some thousands, now and then tens of thousands. */
static uint32_t random_target_len(struct test_rng *r)
{
    uint32_t k = test_rng_next(r) % 20;

    if (k < 6)
        return test_rng_next(r) % 17;
    if (k < 14)
        return test_rng_next(r) % 400;
    if (k < 19)
        return test_rng_next(r) % 6000;
    return test_rng_next(r) % 70000;
}

/* ---- round trips ---- */

static void random_streams_round_trip(void **state)
{
    struct test_rng r = {0x7c0de};
    unsigned long streams = 3000, i, with_match = 0, with_repeat = 0, frame_bytes = 0,
                  record_bytes = 0;

    (void)state;
    for (i = 0; i < streams; i++) {
        unsigned log = DFOTA_RC_HISTORY_LOG_MIN + (unsigned)(i % 5);
        uint32_t target_len = random_target_len(&r);
        size_t len, frame_len, f, c;
        uint8_t *records = random_records(&r, target_len, log, &len);
        uint8_t *frame = encode(records, len, log, &frame_len);
        unsigned kinds = 0;

        /* Every combination of feed and output size for every log, in turn;
         * all of them for every 50th stream. */
        if (i % 50 == 0) {
            for (f = 0; f < COUNT(feeds); f++)
                for (c = 0; c < COUNT(caps); c++)
                    kinds |= assert_round_trip(records, len, target_len, log, frame, frame_len,
                                               feeds[f], caps[c]);
        } else {
            kinds = assert_round_trip(records, len, target_len, log, frame, frame_len,
                                      feeds[(i / 5) % 4], caps[(i / 20) % 4]);
        }
        with_repeat += (kinds >> 1) & 1u;
        with_match += (kinds >> 2) & 1u;
        frame_bytes += frame_len;
        record_bytes += len;
        free(records);
        free(frame);
    }
    printf("[ RC       ] %lu streams, %lu record bytes in %lu frame bytes; "
           "%lu with matches, %lu with repeats of the last distance\n",
           streams, record_bytes, frame_bytes, with_match, with_repeat);
    /* The literal parser's paths are all taken, and often. */
    assert_true(with_match > streams / 10);
    assert_true(with_repeat > streams / 20);
}

/* Every field at its smallest and around the varint boundaries: seeks up to
 * the largest, one-byte copies and literals, a copy that is one difference run. */
static void edge_values_round_trip(void **state)
{
    static const uint64_t seeks[] = {0, 1, 2, 127, 128, 16383, 16384, 0xFFFFFFFFu,
                                     0x100000000ull, 0x1FFFFFFFEull, 0x1FFFFFFFFull};
    uint8_t records[1024], lit[200];
    size_t len, frame_len, k;
    unsigned log;
    uint8_t *frame;
    struct test_rng r = {5};

    (void)state;
    test_rng_fill(&r, lit, sizeof(lit));
    for (log = DFOTA_RC_HISTORY_LOG_MIN; log <= DFOTA_RC_HISTORY_LOG_MAX; log++) {
        for (k = 0; k < COUNT(seeks); k++) {
            len = 0;
            /* A one-byte copy of one zero. */
            len += test_put_varint(records + len, 1);
            len += test_put_varint(records + len, 0);
            len += test_put_varint(records + len, seeks[k]);
            records[len++] = 1;
            /* A one-byte literal. */
            len += test_put_varint(records + len, 0);
            len += test_put_varint(records + len, 1);
            len += test_put_varint(records + len, seeks[COUNT(seeks) - 1 - k]);
            records[len++] = 0x5A;
            /* 200 literal bytes. */
            len += test_put_varint(records + len, 0);
            len += test_put_varint(records + len, 200);
            len += test_put_varint(records + len, 0);
            memcpy(records + len, lit, 200);
            len += 200;
            /* A copy of 129 bytes, one difference run (no zeros first). */
            len += test_put_varint(records + len, 129);
            len += test_put_varint(records + len, 0);
            len += test_put_varint(records + len, seeks[k]);
            records[len++] = 0;
            len += test_put_varint(records + len, 129);
            memset(records + len, 0xFF, 129);
            len += 129;
            /* A copy of 300 zeros and 1 byte: the last run a difference run. */
            len += test_put_varint(records + len, 301);
            len += test_put_varint(records + len, 2);
            len += test_put_varint(records + len, 0);
            len += test_put_varint(records + len, 300);
            len += test_put_varint(records + len, 1);
            records[len++] = 0x80;
            records[len++] = 'x';
            records[len++] = 'x';
            assert_null(rc_check_records(records, len, 1 + 1 + 200 + 129 + 303));
            frame = encode(records, len, log, &frame_len);
            assert_round_trip(records, len, 634, log, frame, frame_len, 1, 16);
            assert_round_trip(records, len, 634, log, frame, frame_len, WHOLE, 1u << 20);
            free(frame);
        }
    }
}

/* Lengths of a 1 MiB segment (the largest): a match of 300,000 bytes, a
 * repeated 3-byte pattern, a zero run of 2^19 bytes, a difference run of
 * 100,000 bytes. */
static void long_matches_and_runs_round_trip(void **state)
{
    const uint32_t target_len = 1u << 20;
    uint8_t *records = malloc(target_len + 64), *frame;
    size_t len = 0, frame_len, i;
    unsigned log;

    (void)state;
    assert_non_null(records);
    len += test_put_varint(records + len, 0);
    len += test_put_varint(records + len, 300000 + 124288);
    len += test_put_varint(records + len, 0);
    memset(records + len, 0x42, 300000);
    len += 300000;
    for (i = 0; i < 124288; i++)
        records[len++] = (uint8_t)("abc"[i % 3]);
    len += test_put_varint(records + len, (1u << 19) + 100000);
    len += test_put_varint(records + len, 0);
    len += test_put_varint(records + len, 3);
    len += test_put_varint(records + len, 1u << 19);
    len += test_put_varint(records + len, 100000);
    for (i = 0; i < 100000; i++)
        records[len++] = (uint8_t)(1 + i % 251);
    assert_null(rc_check_records(records, len, target_len));
    for (log = DFOTA_RC_HISTORY_LOG_MIN; log <= DFOTA_RC_HISTORY_LOG_MAX; log += 4) {
        frame = encode(records, len, log, &frame_len);
        /* The literal part is a few matches: nearly all the frame is the difference run's. */
        assert_true(frame_len > 90000 && frame_len < 105000);
        assert_round_trip(records, len, target_len, log, frame, frame_len, 64, 17);
        assert_round_trip(records, len, target_len, log, frame, frame_len, WHOLE, 1u << 20);
        free(frame);
    }
    free(records);
}

/* The empty segment codes to an empty frame, which decodes as one. */
static void empty_stream_is_an_empty_frame(void **state)
{
    uint8_t *frame = NULL;
    size_t frame_len = 99;
    unsigned log;

    (void)state;
    for (log = DFOTA_RC_HISTORY_LOG_MIN; log <= DFOTA_RC_HISTORY_LOG_MAX; log++) {
        assert_int_equal(dfota_rc_encode((const uint8_t *)"", 0, log, &frame, &frame_len), 1);
        assert_int_equal(frame_len, 0);
        assert_round_trip(NULL, 0, 0, log, frame, 0, 1, 16);
        free(frame);
        frame = NULL;
    }
}

/* ---- what the literal parser does ---- */

/* One record of `n` literal bytes. */
static size_t literal_record(const uint8_t *lit, size_t n, uint8_t *out)
{
    size_t len = 0;

    len += test_put_varint(out + len, 0);
    len += test_put_varint(out + len, n);
    len += test_put_varint(out + len, 0);
    memcpy(out + len, lit, n);
    return len + n;
}

/* Round trip of one literal record; the frame's size and the last literal step's kind. */
static size_t code_literals(const uint8_t *lit, size_t n, unsigned log, unsigned *last_kind)
{
    uint8_t *records = malloc(n + 32), *frame, history[1u << DFOTA_RC_HISTORY_LOG_MAX];
    size_t len, frame_len;
    struct dfota_rcdec d;
    struct rc_decode r;

    assert_non_null(records);
    len = literal_record(lit, n, records);
    frame = encode(records, len, log, &frame_len);
    assert_round_trip(records, len, (uint32_t)n, log, frame, frame_len, 3, 17);
    /* Again on a decoder of our own, to look at its last step. */
    dfota_rcdec_init(&d, history, log);
    assert_true(rc_decode_init(&r, frame, frame_len, (uint32_t)n, log, WHOLE, 1u << 20));
    r.decoder = &d;
    assert_null(rc_decode(&r));
    assert_int_equal(r.result, DFOTA_RCDEC_DONE);
    *last_kind = d.last_kind;
    free(r.out);
    free(records);
    free(frame);
    return frame_len;
}

/* Repeated literal bytes are coded as matches, and only within the history. */
static void matches_stay_within_the_history(void **state)
{
    uint8_t lit[(1u << DFOTA_RC_HISTORY_LOG_MAX) + 256];
    struct test_rng r = {31};
    unsigned kind, log;
    size_t n, i;

    (void)state;
    /* 64 random bytes, 60 times: a match of the rest at distance 64. */
    test_rng_fill(&r, lit, 64);
    for (i = 64; i < 3840; i++)
        lit[i] = lit[i - 64];
    for (log = DFOTA_RC_HISTORY_LOG_MIN; log <= DFOTA_RC_HISTORY_LOG_MAX; log++) {
        n = code_literals(lit, 3840, log, &kind);
        assert_true(n < 120);
        assert_int_equal(kind, 2);
    }
    /* 600 random bytes twice: distance 600, beyond a history of 256 or 512
     * bytes, within one of 1024 or more. */
    test_rng_fill(&r, lit, 600);
    memcpy(lit + 600, lit, 600);
    for (log = DFOTA_RC_HISTORY_LOG_MIN; log <= DFOTA_RC_HISTORY_LOG_MAX; log++) {
        n = code_literals(lit, 1200, log, &kind);
        if (log < 10) {
            assert_true(n > 1150);
            assert_int_equal(kind, 0);
        } else {
            assert_true(n < 660);
            assert_int_equal(kind, 2);
        }
    }
    /* A repeat at exactly the history's size; one byte further is out of
     * reach. (Against the frame of the random bytes alone.) */
    for (log = DFOTA_RC_HISTORY_LOG_MIN; log <= DFOTA_RC_HISTORY_LOG_MAX; log++) {
        size_t w = (size_t)1 << log, alone;

        test_rng_fill(&r, lit, w);
        memcpy(lit + w, lit, 100);
        alone = code_literals(lit, w, log, &kind);
        n = code_literals(lit, w + 100, log, &kind);
        assert_true(n < alone + 10);
        assert_int_equal(kind, 2);
        test_rng_fill(&r, lit, w + 1);
        memcpy(lit + w + 1, lit, 100);
        alone = code_literals(lit, w + 1, log, &kind);
        n = code_literals(lit, w + 101, log, &kind);
        assert_true(n > alone + 90);
        assert_int_equal(kind, 0);
    }
}

/* After a match and one changed byte, the rest at the same distance is a repeat. */
static void the_last_distance_is_repeated(void **state)
{
    uint8_t lit[128];
    struct test_rng r = {8};
    unsigned kind, log, tail;

    (void)state;
    for (log = DFOTA_RC_HISTORY_LOG_MIN; log <= DFOTA_RC_HISTORY_LOG_MAX; log++) {
        /* X (40 bytes), X[0..20), a changed byte, X[21..21 + tail): the
         * tail at distance 40 again, as short as DFOTA_RC_REP_MIN. */
        for (tail = DFOTA_RC_REP_MIN; tail <= 19; tail += 17) {
            test_rng_fill(&r, lit, 40);
            memcpy(lit + 40, lit, 40);
            lit[60] = (uint8_t)(lit[20] ^ 0x81);
            code_literals(lit, 61 + tail, log, &kind);
            assert_int_equal(kind, 1);
        }
        /* One byte after the change: too short for a repeat, a literal. */
        code_literals(lit, 62, log, &kind);
        assert_int_equal(kind, 0);
    }
}

/* ---- determinism ---- */

static void encoding_is_deterministic(void **state)
{
    struct test_rng r = {99};
    unsigned i;

    (void)state;
    for (i = 0; i < 300; i++) {
        unsigned log = DFOTA_RC_HISTORY_LOG_MIN + i % 5;
        uint32_t target_len = random_target_len(&r);
        size_t len, a_len, b_len;
        uint8_t *records = random_records(&r, target_len, log, &len);
        uint8_t *copy = malloc(len + 1), *a, *b;

        assert_non_null(copy);
        memcpy(copy, records, len);
        a = encode(records, len, log, &a_len);
        b = encode(copy, len, log, &b_len);
        assert_int_equal(a_len, b_len);
        assert_memory_equal(a, b, a_len);
        /* The input is left as it was. */
        assert_memory_equal(records, copy, len);
        free(a);
        free(b);
        free(copy);
        free(records);
    }
}

/* ---- malformed records ---- */

static void assert_refused(const uint8_t *records, size_t len, const char *what)
{
    uint8_t *frame = (uint8_t *)"x";
    size_t frame_len = 7;
    int rc = dfota_rc_encode(records, len, DFOTA_RC_HISTORY_LOG_DEFAULT, &frame, &frame_len);

    if (rc != -1)
        fail_msg("%s: dfota_rc_encode returned %d, not -1", what, rc);
    assert_null(frame);
    assert_int_equal(frame_len, 0);
}

static void malformed_records_are_refused(void **state)
{
    static const struct {
        const char *what;
        uint8_t bytes[24];
        size_t len;
    } cases[] = {
        {"a record that produces nothing", {0, 0, 0}, 3},
        {"... whatever its seek", {0, 0, 8}, 3},
        {"... after a valid record", {0, 1, 0, 'a', 0, 0, 2}, 7},
        {"a later zero run of 0", {5, 0, 0, 1, 1, 7, 0, 3, 1, 2, 3}, 11},
        {"a zero run longer than the copy", {3, 0, 0, 4}, 4},
        {"a zero run longer than what is left", {4, 0, 0, 1, 1, 9, 3}, 7},
        {"a difference run of 0", {3, 0, 0, 1, 0}, 5},
        {"a difference run longer than the copy", {3, 0, 0, 0, 4, 1, 2, 3, 4}, 9},
        {"a difference run longer than what is left", {3, 0, 0, 2, 2, 1, 2}, 7},
        {"difference bytes cut off", {3, 0, 0, 0, 3, 1, 2}, 7},
        {"literal bytes cut off", {0, 3, 0, 'a', 'b'}, 5},
        {"no runs after the head", {2, 0, 0}, 3},
        {"a head cut off after copy_len", {1}, 1},
        {"a head cut off after extra_len", {1, 0}, 2},
        {"a varint cut off", {0x81}, 1},
        {"copy_len of 2^32", {0x80, 0x80, 0x80, 0x80, 0x10, 0, 0, 0}, 8},
        {"extra_len of 2^32", {0, 0x80, 0x80, 0x80, 0x80, 0x10, 0}, 7},
        {"a seek of 2^32 (zigzag 2^33)", {0, 1, 0x80, 0x80, 0x80, 0x80, 0x20, 'a'}, 8},
        {"a varint of 11 bytes",
         {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00, 1, 0, 'a'},
         14},
        /* docs/FORMAT.md: lengths take at most 5 bytes, the seek at most 10,
         * and no value has bits past 64 (the applier refuses both). */
        {"copy_len of 1 in 6 bytes", {0x81, 0x80, 0x80, 0x80, 0x80, 0x00, 0, 0, 1}, 9},
        {"extra_len of 1 in 6 bytes", {0, 0x81, 0x80, 0x80, 0x80, 0x80, 0x00, 0, 'a'}, 9},
        {"a zero run in 6 bytes", {1, 0, 0, 0x81, 0x80, 0x80, 0x80, 0x80, 0x00}, 9},
        {"a difference run in 6 bytes", {1, 0, 0, 0, 0x81, 0x80, 0x80, 0x80, 0x80, 0x00, 7}, 11},
        {"a copy_len past 64 bits (2^64 read as 0)",
         {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02, 1, 0, 'a'},
         13},
        {"a seek past 64 bits (2^64 read as 0)",
         {0, 1, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02, 'a'},
         13},
    };
    size_t i;

    (void)state;
    for (i = 0; i < COUNT(cases); i++)
        assert_refused(cases[i].bytes, cases[i].len, cases[i].what);
}

/* Varints longer than they need be, within the format's limits: accepted,
 * and coded by value (they decode to the minimal encoding). */
static void long_varints_within_the_limits_are_coded_by_value(void **state)
{
    static const uint8_t records[] = {
        0x81, 0x80, 0x80, 0x80, 0x00,                               /* copy_len 1 in 5 bytes */
        0x80, 0x00,                                                 /* extra_len 0 in 2 */
        0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00, /* seek 0 in 10 */
        0x81, 0x80, 0x80, 0x80, 0x00,                               /* zero run 1 in 5 */
        0, 0x81, 0x80, 0x00, 0, 'a',                                /* a 1-byte literal */
    };
    static const uint8_t minimal[] = {1, 0, 0, 1, 0, 1, 0, 'a'};
    uint8_t *frame;
    size_t frame_len;

    (void)state;
    frame = encode(records, sizeof(records), 10, &frame_len);
    assert_round_trip(minimal, sizeof(minimal), 2, 10, frame, frame_len, 1, 16);
    free(frame);
}

/* Where each record of a well-formed stream ends. */
static size_t record_ends(const uint8_t *p, size_t n, size_t *ends, size_t max)
{
    struct rc_record r;
    size_t pos = 0, count = 0;

    while (pos < n) {
        assert_true(count < max);
        assert_null(rc_next_record(p, n, &pos, UINT64_MAX, &r));
        ends[count++] = r.end;
    }
    return count;
}

/* Every prefix of a valid stream: refused unless it ends where a record does. */
static void truncated_records_are_refused(void **state)
{
    struct test_rng r = {4242};
    size_t ends[4096];
    unsigned s;

    (void)state;
    for (s = 0; s < 20; s++) {
        uint32_t target_len = 1 + test_rng_next(&r) % 600;
        size_t len, count, cut, k = 0, frame_len;
        uint8_t *records = random_records(&r, target_len, 10, &len), *frame;

        count = record_ends(records, len, ends, COUNT(ends));
        assert_int_equal(ends[count - 1], len);
        for (cut = 1; cut < len; cut++) {
            while (k < count && ends[k] < cut)
                k++;
            if (ends[k] == cut) {
                frame = encode(records, cut, 10, &frame_len);
                free(frame);
            } else {
                assert_refused(records, cut, "a truncated stream");
            }
        }
        free(records);
    }
}

/* ---- the decoder on corrupt frames ---- */

/* A decode that must keep the promises, end, not depend on what the history
 * held before, and be well formed on DONE. */
static enum dfota_rcdec_result decode_any(const uint8_t *frame, size_t frame_len,
                                          uint32_t frame_size, uint32_t target_len,
                                          unsigned log, size_t feed, size_t cap)
{
    struct rc_decode r;
    const char *why;
    uint8_t *spare = malloc(RC_RECORDS_MAX(target_len));

    assert_non_null(spare);
    assert_true(rc_decode_init(&r, frame, frame_len, target_len, log, feed, cap));
    r.frame_size = frame_size;
    if (rc_decode_twice(&r, spare) != NULL)
        fail_msg("frame of %zu bytes (size %u), target %u, log %u, feed %zu, cap %zu: %s",
                 frame_len, (unsigned)frame_size, (unsigned)target_len, log, feed, cap,
                 r.violation);
    free(spare);
    if (r.result != DFOTA_RCDEC_DONE && r.result != DFOTA_RCDEC_CORRUPT)
        fail_msg("frame of %u bytes, target %u: result %d", (unsigned)frame_size,
                 (unsigned)target_len, (int)r.result);
    assert_true(r.fed <= frame_size);
    if (r.result == DFOTA_RCDEC_DONE) {
        assert_int_equal(r.fed, frame_size);
        why = rc_check_records(r.out, r.out_len, target_len);
        if (why != NULL)
            fail_msg("DONE on a frame of %u bytes, target %u: %s", (unsigned)frame_size,
                     (unsigned)target_len, why);
    }
    free(r.out);
    return r.result;
}

static void random_frames_end(void **state)
{
    struct test_rng r = {1234567};
    unsigned i, done = 0;
    uint8_t frame[512];

    (void)state;
    for (i = 0; i < 4000; i++) {
        size_t len = test_rng_next(&r) % (i % 2 ? 24 : sizeof(frame));
        uint32_t target_len = i % 3 == 0 ? test_rng_next(&r) % 8 : test_rng_next(&r) % 3000;

        test_rng_fill(&r, frame, len);
        /* Low bytes decode to small numbers: reach deeper than pure noise. */
        if (i % 4 == 1) {
            size_t k;

            for (k = 0; k < len; k++)
                frame[k] &= 0x0F;
        }
        done += decode_any(frame, len, (uint32_t)len, target_len,
                           DFOTA_RC_HISTORY_LOG_MIN + i % 5, feeds[(i / 5) % 4],
                           caps[(i / 20) % 4]) == DFOTA_RCDEC_DONE;
    }
    printf("[ RC       ] random frames: %u of 4000 decoded to a valid segment\n", done);
}

/* A few valid frames of different shapes for the corruption tests. */
struct sample {
    uint8_t *records, *frame;
    size_t len, frame_len;
    uint32_t target_len;
    unsigned log;
};

static void make_samples(struct sample *s, size_t count)
{
    struct test_rng r = {777};
    size_t i;

    for (i = 0; i < count; i++) {
        s[i].log = DFOTA_RC_HISTORY_LOG_MIN + (unsigned)(i % 5);
        s[i].target_len = (uint32_t)(i < 2 ? 1 + i * 40 : 200 * (i - 1));
        s[i].records = random_records(&r, s[i].target_len, s[i].log, &s[i].len);
        s[i].frame = encode(s[i].records, s[i].len, s[i].log, &s[i].frame_len);
    }
}

static void free_samples(struct sample *s, size_t count)
{
    size_t i;

    for (i = 0; i < count; i++) {
        free(s[i].records);
        free(s[i].frame);
    }
}

static void every_bit_flip_ends(void **state)
{
    struct sample s[8];
    unsigned long flips = 0, done = 0, same = 0;
    size_t i, bit;

    (void)state;
    make_samples(s, COUNT(s));
    for (i = 0; i < COUNT(s); i++) {
        uint8_t *frame = malloc(s[i].frame_len + 1);

        assert_non_null(frame);
        assert_true(s[i].frame_len > 0);
        for (bit = 0; bit < 8 * s[i].frame_len; bit++) {
            struct rc_decode r;

            memcpy(frame, s[i].frame, s[i].frame_len);
            frame[bit / 8] ^= (uint8_t)(1u << (bit % 8));
            flips++;
            if (decode_any(frame, s[i].frame_len, (uint32_t)s[i].frame_len, s[i].target_len,
                           s[i].log, feeds[bit % 4], caps[(bit / 4) % 4]) != DFOTA_RCDEC_DONE)
                continue;
            done++;
            decode(&r, frame, s[i].frame_len, (uint32_t)s[i].frame_len, s[i].target_len,
                   s[i].log, WHOLE, 1u << 20);
            same += r.out_len == s[i].len && memcmp(r.out, s[i].records, s[i].len) == 0;
            free(r.out);
        }
        free(frame);
    }
    printf("[ RC       ] %lu bit flips: %lu decoded to a valid segment (%lu to the original)\n",
           flips, done, same);
    free_samples(s, COUNT(s));
}

/* Every truncation: the frame size says the shorter length, or the caller
 * has more bytes than the frame size (feed must not take them). */
static void truncated_frames_end(void **state)
{
    struct sample s[8];
    size_t i, cut;

    (void)state;
    make_samples(s, COUNT(s));
    for (i = 0; i < COUNT(s); i++) {
        for (cut = 0; cut < s[i].frame_len; cut++) {
            decode_any(s[i].frame, cut, (uint32_t)cut, s[i].target_len, s[i].log,
                       feeds[cut % 4], caps[(cut / 4) % 4]);
            decode_any(s[i].frame, s[i].frame_len, (uint32_t)cut, s[i].target_len, s[i].log,
                       feeds[(cut + 1) % 4], caps[(cut / 3) % 4]);
        }
    }
    free_samples(s, COUNT(s));
}

/* A frame that stops short of its stated size waits for input, and never ends early. */
static void a_starved_decoder_waits(void **state)
{
    struct sample s[8];
    struct rc_decode r;
    size_t i;

    (void)state;
    make_samples(s, COUNT(s));
    for (i = 0; i < COUNT(s); i++) {
        decode(&r, s[i].frame, s[i].frame_len, (uint32_t)s[i].frame_len + 1, s[i].target_len,
               s[i].log, 7, 64);
        assert_int_equal(r.result, DFOTA_RCDEC_INPUT);
        assert_int_equal(r.fed, s[i].frame_len);
        free(r.out);
    }
    free_samples(s, COUNT(s));
}

/* ---- the API's edges ---- */

static void small_output_buffers_are_refused(void **state)
{
    static const size_t small[] = {0, 1, 8, DFOTA_RCDEC_OUTPUT_MIN - 1};
    uint8_t history[256], out[64], frame[4] = {0, 0, 0, 0};
    struct dfota_rcdec d;
    size_t i, got;

    (void)state;
    for (i = 0; i < COUNT(small); i++) {
        dfota_rcdec_init(&d, history, 8);
        dfota_rcdec_reset(&d, 0, 0);
        got = 99;
        assert_int_equal(dfota_rcdec_decode(&d, out, small[i], &got), DFOTA_RCDEC_CORRUPT);
        assert_int_equal(got, 0);
        /* It sticks. */
        assert_int_equal(dfota_rcdec_decode(&d, out, sizeof(out), &got), DFOTA_RCDEC_CORRUPT);
        assert_int_equal(got, 0);
    }
    /* The smallest buffer accepted. */
    dfota_rcdec_init(&d, history, 8);
    dfota_rcdec_reset(&d, sizeof(frame), 0);
    assert_int_equal(dfota_rcdec_feed(&d, frame, sizeof(frame)), sizeof(frame));
    assert_int_equal(dfota_rcdec_decode(&d, out, DFOTA_RCDEC_OUTPUT_MIN, &got), DFOTA_RCDEC_DONE);
    assert_int_equal(got, 0);
}

static void empty_segments(void **state)
{
    static const uint8_t ones[4] = {0xFF, 0xFF, 0xFF, 0xFF};
    uint8_t five[5] = {0, 0, 0, 0, 0};

    (void)state;
    /* target_len 0, empty frame: DONE at once. */
    assert_int_equal(decode_any(NULL, 0, 0, 0, 8, 1, 16), DFOTA_RCDEC_DONE);
    assert_int_equal(decode_any(NULL, 0, 0, 0, 12, WHOLE, 64), DFOTA_RCDEC_DONE);
    /* A code value of all ones is outside the initial range. */
    assert_int_equal(decode_any(ones, 4, 4, 0, 10, WHOLE, 64), DFOTA_RCDEC_CORRUPT);
    assert_int_equal(decode_any(ones, 4, 4, 5, 10, 1, 16), DFOTA_RCDEC_CORRUPT);
    /* Five bytes: one more than an empty segment reads. */
    assert_int_equal(decode_any(five, 5, 5, 0, 10, WHOLE, 64), DFOTA_RCDEC_CORRUPT);
    /* A segment with target bytes and an empty frame is no valid segment. */
    assert_int_equal(decode_any(NULL, 0, 0, 1, 10, WHOLE, 64), DFOTA_RCDEC_CORRUPT);
}

/*
 * Bytes after the frame's content: zeros appended read like the zeros the
 * decoder supplies past the end (the encoder leaves trailing zeros out), so
 * they decode the same way; once there is one byte more than the decoder
 * reads, whatever it is, the frame is CORRUPT.
 */
static void trailing_bytes_are_corrupt(void **state)
{
    struct sample s[8];
    size_t i, j, read;
    uint8_t *frame;

    (void)state;
    make_samples(s, COUNT(s));
    for (i = 0; i < COUNT(s); i++) {
        frame = calloc(s[i].frame_len + 32, 1);
        assert_non_null(frame);
        memcpy(frame, s[i].frame, s[i].frame_len);
        read = 0;
        for (j = 0; j < 24; j++) {
            enum dfota_rcdec_result res =
                decode_any(frame, s[i].frame_len + j, (uint32_t)(s[i].frame_len + j),
                           s[i].target_len, s[i].log, feeds[j % 4], caps[j % 4]);

            if (res == DFOTA_RCDEC_DONE) {
                assert_int_equal(read, j); /* no DONE after a CORRUPT */
                read = j + 1;
            }
        }
        /* The decoder reads the frame and a few zeros the encoder left out
         * (an interval of at least 2^24 holds a multiple of 2^24: three). */
        assert_true(read >= 1 && read <= 8);
        /* frame + (read - 1) zeros is what the decoder reads; one more byte of any value. */
        for (j = 0; j < 256; j += 51) {
            frame[s[i].frame_len + read - 1] = (uint8_t)j;
            assert_int_equal(decode_any(frame, s[i].frame_len + read,
                                        (uint32_t)(s[i].frame_len + read), s[i].target_len,
                                        s[i].log, 64, 64),
                             DFOTA_RCDEC_CORRUPT);
        }
        free(frame);
    }
    free_samples(s, COUNT(s));
}

static void feed_takes_only_what_fits(void **state)
{
    uint8_t history[256], bytes[200];
    struct dfota_rcdec d;

    (void)state;
    memset(bytes, 0, sizeof(bytes));
    dfota_rcdec_init(&d, history, 8);
    dfota_rcdec_reset(&d, 10, 5);
    assert_int_equal(dfota_rcdec_feed(&d, bytes, sizeof(bytes)), 10);
    assert_int_equal(dfota_rcdec_feed(&d, bytes, sizeof(bytes)), 0);
    dfota_rcdec_reset(&d, 1000, 5);
    assert_int_equal(dfota_rcdec_feed(&d, bytes, sizeof(bytes)), DFOTA_RCDEC_INPUT_SIZE);
    assert_int_equal(dfota_rcdec_feed(&d, bytes, sizeof(bytes)), 0);
    assert_int_equal(dfota_rcdec_feed(&d, bytes, 0), 0);
    dfota_rcdec_reset(&d, 1000, 5);
    assert_int_equal(dfota_rcdec_feed(&d, bytes, 3), 3);
    assert_int_equal(dfota_rcdec_feed(&d, bytes, sizeof(bytes)), DFOTA_RCDEC_INPUT_SIZE - 3);
}

/* A decoder reused for the next segment (as the applier does) starts afresh:
 * a fresh model and an empty history, whatever the last segment left. */
static void a_reset_starts_afresh(void **state)
{
    struct sample s[8];
    uint8_t history[1u << DFOTA_RC_HISTORY_LOG_MAX];
    struct dfota_rcdec d;
    struct rc_decode r;
    size_t i, k;
    unsigned log;

    (void)state;
    make_samples(s, COUNT(s));
    for (log = DFOTA_RC_HISTORY_LOG_MIN; log <= DFOTA_RC_HISTORY_LOG_MAX; log++) {
        dfota_rcdec_init(&d, history, log);
        for (k = 0; k < 2 * COUNT(s); k++) {
            struct sample *x = &s[k % COUNT(s)];
            uint8_t *frame;
            size_t frame_len;

            if (x->log != log) {
                /* Re-code this sample's records for this log. */
                frame = encode(x->records, x->len, log, &frame_len);
            } else {
                frame = x->frame;
                frame_len = x->frame_len;
            }
            assert_true(rc_decode_init(&r, frame, frame_len, x->target_len, log, feeds[k % 4],
                                       caps[(k + 1) % 4]));
            r.decoder = &d;
            /* Every other time, stop half way (or at a corrupt byte) first. */
            if (k % 2 == 1) {
                struct rc_decode half = r;
                uint8_t *bad = malloc(frame_len + 1);

                assert_non_null(bad);
                memcpy(bad, frame, frame_len);
                for (i = frame_len / 2; i < frame_len; i++)
                    bad[i] ^= 0x55;
                half.frame = bad;
                half.out = malloc(RC_RECORDS_MAX(x->target_len));
                assert_non_null(half.out);
                assert_null(rc_decode(&half));
                free(half.out);
                free(bad);
            }
            assert_null(rc_decode(&r));
            assert_int_equal(r.result, DFOTA_RCDEC_DONE);
            assert_int_equal(r.out_len, x->len);
            assert_memory_equal(r.out, x->records, x->len);
            free(r.out);
            if (frame != x->frame)
                free(frame);
        }
    }
    free_samples(s, COUNT(s));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(random_streams_round_trip),
        cmocka_unit_test(edge_values_round_trip),
        cmocka_unit_test(long_matches_and_runs_round_trip),
        cmocka_unit_test(empty_stream_is_an_empty_frame),
        cmocka_unit_test(matches_stay_within_the_history),
        cmocka_unit_test(the_last_distance_is_repeated),
        cmocka_unit_test(encoding_is_deterministic),
        cmocka_unit_test(malformed_records_are_refused),
        cmocka_unit_test(long_varints_within_the_limits_are_coded_by_value),
        cmocka_unit_test(truncated_records_are_refused),
        cmocka_unit_test(random_frames_end),
        cmocka_unit_test(every_bit_flip_ends),
        cmocka_unit_test(truncated_frames_end),
        cmocka_unit_test(a_starved_decoder_waits),
        cmocka_unit_test(small_output_buffers_are_refused),
        cmocka_unit_test(empty_segments),
        cmocka_unit_test(trailing_bytes_are_corrupt),
        cmocka_unit_test(feed_takes_only_what_fits),
        cmocka_unit_test(a_reset_starts_afresh),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
