/*
 * rc_records.h - record streams for the tests of the range codec
 * (tests/test_rc.c, tests/fuzz/fuzz_rcdec.c):
 *
 *   - rc_generate(): a valid record stream (docs/FORMAT.md, "Records", with
 *     the zero runs of format 4) of a given target length, shaped by any
 *     source of choices (a PRNG, or the bytes of a fuzz input): empty and
 *     long copies, long zero runs, dense difference runs, literal bytes that
 *     repeat earlier ones at distances within the history and beyond it,
 *     repeats of the last distance, runs of one byte;
 *   - rc_check_records(): is a byte string a well-formed record stream that
 *     produces exactly the target length (what the decoder must output
 *     whenever it says DONE);
 *   - rc_decode(): a frame through dfota/rcdec.h, fed and drained in chosen
 *     sizes, checking on every call what the decoder promises: no more than
 *     `cap` bytes written, no more output than a segment's records can be,
 *     an end within a bounded number of calls, OUTPUT only when the buffer is
 *     full, INPUT only while frame bytes are still to come, no byte read past
 *     what was fed while the frame is not complete, sticky results; and
 *     rc_decode_twice(): the same output whatever the history held before.
 *
 * Plain C, no cmocka: the unit test asserts on the results, the fuzz target
 * aborts.
 */
#ifndef DFOTA_TEST_RC_RECORDS_H
#define DFOTA_TEST_RC_RECORDS_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dfota/rcdec.h"
#include "test_varint.h"

/* Feed sizes and output buffers of tests/fuzz/fuzz_rcdec.c's inputs (byte 3). */
static const size_t rc_fuzz_feeds[8] = {1, 2, 3, 7, 32, 64, 100, (size_t)-1};
static const size_t rc_fuzz_caps[4] = {16, 17, 64, 4096};

/* Largest record stream of a segment of `t` target bytes (docs/FORMAT.md:
 * at most t records of at most 21 bytes of head), plus slack. */
#define RC_RECORDS_MAX(t) (21u * (size_t)(t) + 64u)

/* A source of choices: pick(ctx, bound) returns a value in [0, bound) (0 for
 * bound 0); optionally, spent(ctx) says there are no more real choices (the
 * rest of the segment is then one record, a copy of zeros). */
struct rc_choices {
    uint32_t (*pick)(void *ctx, uint32_t bound);
    void *ctx;
    int (*spent)(void *ctx);
};

static inline uint32_t rc_pick(const struct rc_choices *c, uint32_t bound)
{
    return bound == 0 ? 0 : c->pick(c->ctx, bound) % bound;
}

/* 1 + a value below `bound`, at most `max` (>= 1). */
static inline uint32_t rc_pick_len(const struct rc_choices *c, uint32_t bound, uint32_t max)
{
    uint32_t v = 1 + rc_pick(c, bound);

    return v < max ? v : max;
}

/* A length of a size class chosen from the choices: often 0 or short, now
 * and then hundreds or thousands of bytes, or everything that is left. */
static inline uint32_t rc_pick_size(const struct rc_choices *c, uint32_t left)
{
    uint32_t k = rc_pick(c, 16), v;

    if (k < 4)
        v = 0;
    else if (k < 9)
        v = 1 + rc_pick(c, 8);
    else if (k < 13)
        v = 1 + rc_pick(c, 300);
    else if (k < 15)
        v = 1 + rc_pick(c, 6000);
    else
        v = left;
    return v < left ? v : left;
}

/* The difference bytes of a copy of `copy` bytes as runs, in one of a few styles. */
static inline size_t rc_generate_runs(const struct rc_choices *c, uint32_t copy, uint8_t *out)
{
    uint32_t style = rc_pick(c, 5), left = copy, z, n, i;
    size_t len = 0;
    int first = 1;

    while (left > 0) {
        switch (style) {
        case 0: /* all zeros, or nearly */
            z = first && rc_pick(c, 4) == 0 ? rc_pick(c, left) : left;
            n = 1 + rc_pick(c, 3);
            break;
        case 1: /* dense: one run of non-zero bytes */
            z = first ? 0 : 1;
            n = left;
            break;
        case 2: /* sparse: short differences among zeros */
            z = first && rc_pick(c, 3) == 0 ? 0 : 1 + rc_pick(c, rc_pick(c, 4) ? 20 : 2000);
            n = 1 + rc_pick(c, 4);
            break;
        case 3: /* long zero runs */
            z = (first ? 0 : 1) + rc_pick(c, 70000);
            n = 1 + rc_pick(c, 40);
            break;
        default: /* difference runs that hold zero bytes too (not maximal runs) */
            z = (first ? 0 : 1) + rc_pick(c, 6);
            n = 1 + rc_pick(c, 64);
            break;
        }
        if (z > left)
            z = left;
        len += test_put_varint(out + len, z);
        left -= z;
        first = 0;
        if (left == 0)
            break;
        if (n > left)
            n = left;
        len += test_put_varint(out + len, n);
        for (i = 0; i < n; i++)
            out[len++] = style == 4 && rc_pick(c, 4) == 0 ? 0 : (uint8_t)(1 + rc_pick(c, 255));
        left -= n;
    }
    return len;
}

/* The literal history of a stream being generated. */
struct rc_literals {
    uint8_t *bytes; /* every literal byte so far (room for the target length) */
    uint32_t len;
    uint32_t window; /* 2^history_log */
    uint32_t dist;   /* the last distance repeated, 0 = none yet */
};

/* `extra` literal bytes into `out` (and the history), in chunks of a few kinds. */
static inline void rc_generate_literals(const struct rc_choices *c, struct rc_literals *h,
                                        uint32_t extra, uint8_t *out)
{
    uint32_t done = 0, n, i, d, kind;
    uint8_t b;

    while (done < extra) {
        kind = rc_pick(c, 9);
        n = rc_pick_len(c, kind == 0 ? 24 : 300, extra - done);
        d = 0;
        switch (kind) {
        case 2: /* a repeat within the history */
            if (h->len > 0)
                d = 1 + rc_pick(c, h->len < h->window ? h->len : h->window);
            break;
        case 3: /* a repeat at the edge of the history or beyond it */
            if (h->len >= h->window) {
                d = h->window + (h->len > h->window ? rc_pick(c, 3) : 0);
                if (rc_pick(c, 2) && h->len > h->window + 1)
                    d = h->window + 1 + rc_pick(c, h->len - h->window);
                if (d > h->len)
                    d = h->len;
            }
            break;
        case 4: /* the last distance again, a byte changed now and then */
        case 5:
            if (h->dist != 0 && h->dist <= h->len)
                d = h->dist;
            break;
        case 6: /* short repeats (2 or 3 bytes) */
            if (h->len > 0) {
                d = 1 + rc_pick(c, h->len < 64 ? h->len : 64);
                n = n < 3 ? n : 2 + rc_pick(c, 2);
                if (n > extra - done)
                    n = extra - done;
            }
            break;
        default:
            break;
        }
        if (d != 0)
            h->dist = d;
        b = (uint8_t)rc_pick(c, 256);
        for (i = 0; i < n; i++) {
            if (d != 0 && !((kind == 4 || kind == 5) && rc_pick(c, 8) == 0))
                b = h->bytes[h->len - d];
            else if (kind == 7) /* one byte over and over: distance 1 */
                ;
            else if (kind == 8) /* a small alphabet: short matches everywhere */
                b = (uint8_t)('a' + rc_pick(c, 4));
            else if (d == 0 || kind == 4 || kind == 5)
                b = (uint8_t)rc_pick(c, 256);
            out[done + i] = b;
            h->bytes[h->len++] = b;
        }
        done += n;
    }
}

/*
 * A valid record stream for `target_len` bytes into `out`
 * (RC_RECORDS_MAX(target_len) bytes), with a literal history of
 * 2^history_log bytes in mind; `scratch` holds target_len bytes (at least
 * one). Returns its length.
 */
static inline size_t rc_generate(const struct rc_choices *c, uint32_t target_len,
                                 unsigned history_log, uint8_t *out, uint8_t *scratch)
{
    struct rc_literals h;
    uint32_t left = target_len, copy, extra;
    uint64_t zz;
    size_t len = 0;

    h.bytes = scratch;
    h.len = 0;
    h.window = 1u << history_log;
    h.dist = 0;
    while (left > 0) {
        if (c->spent != NULL && c->spent(c->ctx)) {
            len += test_put_varint(out + len, left);
            len += test_put_varint(out + len, 0);
            len += test_put_varint(out + len, 0);
            len += test_put_varint(out + len, left);
            break;
        }
        copy = rc_pick_size(c, left);
        extra = rc_pick_size(c, left - copy);
        if (copy + extra == 0) {
            if (rc_pick(c, 2))
                copy = 1;
            else
                extra = 1;
        }
        switch (rc_pick(c, 8)) {
        case 0:
        case 1:
        case 2:
            zz = 0;
            break;
        case 6: /* anywhere in the 33-bit range of a zigzag seek */
            zz = (uint64_t)rc_pick(c, 0x10000) | (uint64_t)rc_pick(c, 0x10000) << 16 |
                 (uint64_t)rc_pick(c, 2) << 32;
            break;
        case 7: /* the largest ones */
            zz = ((uint64_t)1 << 33) - 1 - rc_pick(c, 4);
            break;
        default:
            zz = rc_pick(c, 601);
            break;
        }
        len += test_put_varint(out + len, copy);
        len += test_put_varint(out + len, extra);
        len += test_put_varint(out + len, zz);
        len += rc_generate_runs(c, copy, out + len);
        rc_generate_literals(c, &h, extra, out + len);
        len += extra;
        left -= copy + extra;
    }
    return len;
}

/* A varint of at most `max_bytes` bytes, minimally encoded; 0 if it is not. */
static inline int rc_get_varint(const uint8_t *p, size_t n, size_t *pos, unsigned max_bytes,
                                uint64_t *v)
{
    unsigned k;

    *v = 0;
    for (k = 0; k < max_bytes && *pos < n; k++) {
        uint8_t b = p[(*pos)++];

        *v |= (uint64_t)(b & 0x7F) << (7 * k);
        if (!(b & 0x80))
            return k == 0 || b != 0;
    }
    return 0;
}

/* Where the parts of one record lie in a record stream. */
struct rc_record {
    uint64_t copy, extra;
    size_t first_diff; /* offset of its first difference byte, 0 if none */
    size_t literals;   /* offset of its literal bytes */
    size_t end;        /* offset after it */
};

/*
 * Read the record at *pos of `p` (`n` bytes) into `r` and move *pos past
 * it: NULL if it is well formed (minimal varints, in order, produces a byte,
 * at most `left` of them), else what is wrong.
 */
static inline const char *rc_next_record(const uint8_t *p, size_t n, size_t *pos, uint64_t left,
                                         struct rc_record *r)
{
    uint64_t zz, run, copy_left;
    int first = 1;

    memset(r, 0, sizeof(*r));
    if (!rc_get_varint(p, n, pos, 5, &r->copy) || r->copy > UINT32_MAX)
        return "bad copy_len";
    if (!rc_get_varint(p, n, pos, 5, &r->extra) || r->extra > UINT32_MAX)
        return "bad extra_len";
    if (!rc_get_varint(p, n, pos, 5, &zz) || zz >= (uint64_t)1 << 33)
        return "bad seek";
    if (r->copy + r->extra == 0)
        return "a record that produces nothing";
    if (r->copy + r->extra > left)
        return "a record past the end of the segment";
    for (copy_left = r->copy; copy_left > 0;) {
        if (!rc_get_varint(p, n, pos, 5, &run) || run > copy_left)
            return "bad zero run";
        if (run == 0 && !first)
            return "an empty zero run after the first";
        first = 0;
        copy_left -= run;
        if (copy_left == 0)
            break;
        if (!rc_get_varint(p, n, pos, 5, &run) || run == 0 || run > copy_left)
            return "bad difference run";
        if (run > n - *pos)
            return "difference bytes cut off";
        if (r->first_diff == 0)
            r->first_diff = *pos;
        *pos += (size_t)run;
        copy_left -= run;
    }
    if (r->extra > n - *pos)
        return "literal bytes cut off";
    r->literals = *pos;
    *pos += (size_t)r->extra;
    r->end = *pos;
    return NULL;
}

/*
 * NULL if `p` (`n` bytes) is a well-formed record stream that produces
 * exactly `target_len` bytes, with minimal varints; else what is wrong.
 */
static inline const char *rc_check_records(const uint8_t *p, size_t n, uint32_t target_len)
{
    struct rc_record r;
    size_t pos = 0;
    uint64_t produced = 0;
    const char *why;

    while (pos < n) {
        why = rc_next_record(p, n, &pos, target_len - produced, &r);
        if (why != NULL)
            return why;
        produced += r.copy + r.extra;
    }
    return produced == target_len ? NULL : "records end before the segment does";
}

/* One decode of a frame: what to do, and what happened. */
struct rc_decode {
    /* In. */
    const uint8_t *frame;
    size_t frame_len;       /* bytes there are to feed */
    uint32_t frame_size;    /* the frame size told to dfota_rcdec_reset() */
    uint32_t target_len;
    unsigned history_log;
    size_t feed;            /* bytes offered per feed call (>= 1) */
    size_t cap;             /* output buffer per decode call */
    uint8_t *out;           /* RC_RECORDS_MAX(target_len) bytes */
    /* Optional: a decoder the caller initialised with a history of
     * 2^history_log bytes (it is only reset here); NULL = a fresh one. */
    struct dfota_rcdec *decoder;
    /* Without `decoder`: what the fresh history holds before the decode (the
     * decoder must never read a history byte it has not written, so the
     * result must not depend on it). */
    uint8_t history_garbage;
    /* Out. */
    enum dfota_rcdec_result result;
    size_t out_len;
    size_t fed;             /* frame bytes the decoder took */
    unsigned long calls;
    unsigned kinds;         /* bit k: last_kind k (0 literal, 1 repeat, 2 match) after a call */
    const char *violation;  /* NULL if the decoder kept every promise */
};

#define RC_CANARY 32u

/*
 * Set `r` up to decode the `frame_len` bytes at `frame` (also the frame size
 * the decoder is told) into a segment of `target_len` bytes, with a history
 * of 2^log bytes, `feed` bytes a feed and `cap` bytes of output a decode;
 * r->out is malloc'd (the caller frees it). 0 if that failed.
 */
static inline int rc_decode_init(struct rc_decode *r, const uint8_t *frame, size_t frame_len,
                                 uint32_t target_len, unsigned log, size_t feed, size_t cap)
{
    memset(r, 0, sizeof(*r));
    r->frame = frame;
    r->frame_len = frame_len;
    r->frame_size = (uint32_t)frame_len;
    r->target_len = target_len;
    r->history_log = log;
    r->feed = feed;
    r->cap = cap;
    r->out = malloc(RC_RECORDS_MAX(target_len));
    return r->out != NULL;
}

/* Run `r` (see struct rc_decode). Returns r->violation. */
static inline const char *rc_decode(struct rc_decode *r)
{
    struct dfota_rcdec fresh, *d = r->decoder != NULL ? r->decoder : &fresh;
    size_t limit = RC_RECORDS_MAX(r->target_len), end, want, took, got, i;
    unsigned long max_calls;
    uint8_t *history = malloc((size_t)1 << r->history_log), *buf = malloc(r->cap + RC_CANARY);
    enum dfota_rcdec_result res = DFOTA_RCDEC_CORRUPT;

    r->out_len = r->fed = 0;
    r->calls = 0;
    r->kinds = 0;
    r->violation = NULL;
    if (history == NULL || buf == NULL) {
        free(history);
        free(buf);
        r->violation = "out of memory";
        return r->violation;
    }
    end = r->frame_len < r->frame_size ? r->frame_len : r->frame_size;
    /* An INPUT result is followed by a feed that takes at least one byte, an
     * OUTPUT result writes at least one byte (cap - OUTPUT_MIN + 1). */
    max_calls = (unsigned long)(end + limit + 4);
    if (r->decoder == NULL) {
        memset(history, r->history_garbage, (size_t)1 << r->history_log);
        dfota_rcdec_init(d, history, r->history_log);
    }
    dfota_rcdec_reset(d, r->frame_size, r->target_len);
    for (;;) {
        if (++r->calls > max_calls) {
            r->violation = "no end after as many calls as a valid frame could need";
            break;
        }
        if (r->fed < end) {
            want = end - r->fed < r->feed ? end - r->fed : r->feed;
            took = dfota_rcdec_feed(d, r->frame + r->fed, want);
            if (took > want) {
                r->violation = "feed took more bytes than it was given";
                break;
            }
            r->fed += took;
        }
        memset(buf + r->cap, 0xA5, RC_CANARY);
        got = (size_t)-1;
        res = dfota_rcdec_decode(d, buf, r->cap, &got);
        if (got > r->cap) {
            r->violation = "decode says it wrote more than cap bytes";
            break;
        }
        for (i = r->cap; i < r->cap + RC_CANARY; i++)
            if (buf[i] != 0xA5)
                break;
        if (i != r->cap + RC_CANARY) {
            r->violation = "decode wrote past cap bytes";
            break;
        }
        if (got > limit - r->out_len) {
            r->violation = "more output than the records of a segment can be";
            break;
        }
        memcpy(r->out + r->out_len, buf, got);
        r->out_len += got;
        if (d->last_kind < 3)
            r->kinds |= 1u << d->last_kind;
        /* (CORRUPT sets frame_left to keep itself sticky.) */
        if (res != DFOTA_RCDEC_CORRUPT && d->frame_left != 0 && d->virtual_bytes != 0) {
            r->violation = "read past the bytes fed while frame bytes were still to come";
            break;
        }
        if (res == DFOTA_RCDEC_OUTPUT) {
            if (r->cap - got >= DFOTA_RCDEC_OUTPUT_MIN) {
                r->violation = "OUTPUT with room left in the buffer";
                break;
            }
            continue;
        }
        if (res == DFOTA_RCDEC_INPUT) {
            if (r->fed < end)
                continue;
            if (r->frame_size <= r->frame_len)
                r->violation = "INPUT when the whole frame is fed";
            break;
        }
        if (res != DFOTA_RCDEC_DONE && res != DFOTA_RCDEC_CORRUPT) {
            r->violation = "an unknown result";
            break;
        }
        /* The end sticks: another call says the same and writes nothing. */
        if (dfota_rcdec_decode(d, buf, r->cap, &got) != res || got != 0)
            r->violation = "DONE or CORRUPT does not stick";
        break;
    }
    r->result = res;
    free(history);
    free(buf);
    return r->violation;
}

/*
 * rc_decode() twice, on histories that start as 0x00 and as 0xA5 bytes: the
 * second run's output must be the first's (else a decoder read history it
 * had not written). r->out holds the first run's output; the second needs
 * `spare` (as large as r->out). Returns r->violation.
 */
static inline const char *rc_decode_twice(struct rc_decode *r, uint8_t *spare)
{
    struct rc_decode again = *r;

    r->history_garbage = 0x00;
    if (rc_decode(r) != NULL)
        return r->violation;
    again.history_garbage = 0xA5;
    again.out = spare;
    if (rc_decode(&again) != NULL)
        r->violation = again.violation;
    else if (again.result != r->result || again.out_len != r->out_len ||
             memcmp(again.out, r->out, r->out_len) != 0)
        r->violation = "the output depends on what the history held before";
    return r->violation;
}

#endif /* DFOTA_TEST_RC_RECORDS_H */
