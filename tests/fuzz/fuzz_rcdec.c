/*
 * fuzz_rcdec.c - fuzz target for the range codec (dfota/rcdec.h, and the
 * encoder diffgen/src/rcenc.c) on its own.
 *
 * Input:
 *   byte 0     history log 8 + b % 5; mode (b / 5) % 2: 0 = A, 1 = B
 *   bytes 1-2  target length of the segment (little-endian)
 *   byte 3     bits 0-2 feed size (rc_fuzz_feeds[]), bits 3-4 output buffer (rc_fuzz_caps[])
 *   the rest   mode A: a frame; mode B: the choices of a record stream
 *
 * Mode A decodes the rest as a frame of that many bytes. The decoder must
 * end (DONE or CORRUPT) within a bounded number of calls, keep every
 * promise tests/rc_records.h checks (no more than the buffer, no more than a
 * segment's records can be, OUTPUT only when full, INPUT only while bytes
 * are still to come, the same output whatever its history held before),
 * and on DONE have taken the whole frame and written a well-formed record
 * stream of exactly the target length.
 *
 * Mode B builds a valid record stream of the target length from the rest
 * (rc_generate(), each choice taken from the next input bytes; once they
 * run out, the rest of the segment is one copy of zeros), codes it with
 * dfota_rc_encode() and decodes it again: it must come back byte for byte.
 *
 * Any broken promise abort()s. Built as a libFuzzer target with
 * -DDFOTA_FUZZ=ON (clang), and always linked into the replay driver that
 * CTest runs over the corpus (tests/fuzz/corpus/rcdec, made by
 * tests/fuzz/make_corpus.c).
 */
#include <stdlib.h>
#include <string.h>

#include "../rc_records.h"
#include "dfota/rcdec.h"
#include "rcenc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Choices from the input: one byte for a bound up to 256, two up to 65536, else four. */
struct input_choices {
    const uint8_t *p;
    size_t n, pos;
};

static uint32_t input_pick(void *ctx, uint32_t bound)
{
    struct input_choices *in = ctx;
    unsigned bytes = bound <= 0x100u ? 1 : bound <= 0x10000u ? 2 : 4, i;
    uint32_t v = 0;

    for (i = 0; i < bytes; i++) {
        v = v << 8 | (in->pos < in->n ? in->p[in->pos] : 0u);
        in->pos++;
    }
    return v;
}

static int input_spent(void *ctx)
{
    const struct input_choices *in = ctx;

    return in->pos >= in->n;
}

static void decode_frame(unsigned log, uint32_t target_len, size_t feed, size_t cap,
                         const uint8_t *frame, size_t frame_len)
{
    struct rc_decode r;
    uint8_t *spare = malloc(RC_RECORDS_MAX(target_len));

    if (!rc_decode_init(&r, frame, frame_len, target_len, log, feed, cap) || spare == NULL) {
        free(r.out);
        free(spare);
        return;
    }
    if (rc_decode_twice(&r, spare) != NULL)
        abort();
    if (r.result != DFOTA_RCDEC_DONE && r.result != DFOTA_RCDEC_CORRUPT)
        abort();
    if (r.result == DFOTA_RCDEC_DONE &&
        (r.fed != frame_len || rc_check_records(r.out, r.out_len, target_len) != NULL))
        abort();
    free(r.out);
    free(spare);
}

static void round_trip(unsigned log, uint32_t target_len, size_t feed, size_t cap,
                       const uint8_t *choices, size_t n)
{
    struct input_choices in = {choices, n, 0};
    struct rc_choices c = {input_pick, &in, input_spent};
    uint8_t *records = malloc(RC_RECORDS_MAX(target_len)), *scratch = malloc(target_len + 1);
    uint8_t *frame = NULL;
    size_t len, frame_len;
    struct rc_decode r;

    memset(&r, 0, sizeof(r));
    if (records == NULL || scratch == NULL)
        goto out;
    len = rc_generate(&c, target_len, log, records, scratch);
    if (len > RC_RECORDS_MAX(target_len) || rc_check_records(records, len, target_len) != NULL)
        abort(); /* the generator broke its own promise */
    switch (dfota_rc_encode(records, len, log, &frame, &frame_len)) {
    case 1:
        break;
    case 0:
        goto out; /* out of memory */
    default:
        abort();  /* valid records refused */
    }
    if (!rc_decode_init(&r, frame, frame_len, target_len, log, feed, cap))
        goto out;
    if (rc_decode(&r) != NULL || r.result != DFOTA_RCDEC_DONE || r.fed != frame_len ||
        r.out_len != len || memcmp(r.out, records, len) != 0)
        abort();
out:
    free(records);
    free(scratch);
    free(frame);
    free(r.out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned log;
    uint32_t target_len;
    size_t feed, cap;

    if (size < 4)
        return 0;
    log = DFOTA_RC_HISTORY_LOG_MIN + data[0] % 5u;
    target_len = (uint32_t)data[1] | (uint32_t)data[2] << 8;
    feed = rc_fuzz_feeds[data[3] & 7u];
    cap = rc_fuzz_caps[(data[3] >> 3) & 3u];
    if ((data[0] / 5u) % 2u == 0)
        decode_frame(log, target_len, feed, cap, data + 4, size - 4);
    else
        round_trip(log, target_len, feed, cap, data + 4, size - 4);
    return 0;
}
