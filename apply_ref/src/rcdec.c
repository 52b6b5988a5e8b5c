/*
 * rcdec.c - the range codec's decoder (docs/FORMAT.md, "The range codec").
 *
 * A state machine over the fields of the record stream: each step decodes
 * one number, one byte or one literal step, and starts only when the input
 * buffer holds DFOTA_RCDEC_STEP_MAX bytes (no step reads more) or the whole
 * frame has been fed, so a step never stops half way and nothing of the
 * coder's state needs to be undone. Every value is checked against what
 * the segment still has to produce before it is used, so a corrupt frame
 * ends in DFOTA_RCDEC_CORRUPT after at most a few steps per target byte.
 */
#include "dfota/rcdec.h"

#include <string.h>

enum phase {
    PH_INIT,   /* the first four bytes of the frame */
    PH_COPY,   /* copy_len of the next record */
    PH_EXTRA,  /* extra_len */
    PH_SEEK,   /* seek */
    PH_ZERO,   /* a zero run of the copy's difference bytes */
    PH_DIFFS,  /* the length of the difference run after it */
    PH_DIFF,   /* difference bytes */
    PH_LIT,    /* literal bytes: literals or matches */
    PH_END     /* every target byte produced */
};

void dfota_rcdec_init(struct dfota_rcdec *d, uint8_t *history, unsigned history_log)
{
    memset(d, 0, sizeof(*d));
    d->history = history;
    d->history_mask = (1u << history_log) - 1u;
}

void dfota_rcdec_reset(struct dfota_rcdec *d, uint32_t frame_size, uint32_t target_len)
{
    uint16_t *p = (uint16_t *)(void *)&d->model;
    size_t done = 1, n = sizeof(d->model) / sizeof(uint16_t);

    /* Every probability to one half: the filled part doubled with memcpy. */
    p[0] = DFOTA_RC_PROB_INIT;
    while (done < n) {
        size_t take = done < n - done ? done : n - done;

        memcpy(p + done, p, take * sizeof(uint16_t));
        done += take;
    }
    d->range = 0xFFFFFFFFu;
    d->code = 0;
    d->frame_left = frame_size;
    d->virtual_bytes = 0;
    d->segment_left = target_len;
    d->offset = 0;
    d->copy_left = d->extra_left = d->run_left = 0;
    d->match_left = d->match_dist = d->rep = 0;
    d->history_pos = d->history_fill = 0;
    d->phase = PH_INIT;
    d->first_run = 0;
    d->last_kind = 0;
    d->in_pos = d->in_len = 0;
}

size_t dfota_rcdec_feed(struct dfota_rcdec *d, const uint8_t *p, size_t n)
{
    size_t room;

    if (d->in_pos > 0) {
        memmove(d->in, d->in + d->in_pos, (size_t)(d->in_len - d->in_pos));
        d->in_len = (uint16_t)(d->in_len - d->in_pos);
        d->in_pos = 0;
    }
    room = DFOTA_RCDEC_INPUT_SIZE - d->in_len;
    if (room > d->frame_left)
        room = d->frame_left;
    if (room > n)
        room = n;
    if (room > 0)
        memcpy(d->in + d->in_len, p, room);
    d->in_len = (uint16_t)(d->in_len + room);
    d->frame_left -= (uint32_t)room;
    return room;
}

static uint8_t next_byte(struct dfota_rcdec *d)
{
    if (d->in_pos < d->in_len)
        return d->in[d->in_pos++];
    d->virtual_bytes++;
    return 0;
}

/* Inlined where it is called (once per bit): a call costs more than its body. */
#if defined(__GNUC__)
#define RC_INLINE inline __attribute__((always_inline))
#else
#define RC_INLINE inline
#endif

static RC_INLINE void normalize(struct dfota_rcdec *d)
{
    while (d->range < DFOTA_RC_TOP) {
        d->range <<= 8;
        d->code = (d->code << 8) | next_byte(d);
    }
}

static RC_INLINE unsigned bit_inline(struct dfota_rcdec *d, uint16_t *prob)
{
    uint32_t bound = (d->range >> DFOTA_RC_PROB_BITS) * *prob;
    unsigned b;

    if (d->code < bound) {
        d->range = bound;
        *prob = (uint16_t)(*prob + (((1u << DFOTA_RC_PROB_BITS) - *prob) >> DFOTA_RC_ADAPT_SHIFT));
        b = 0;
    } else {
        d->code -= bound;
        d->range -= bound;
        *prob = (uint16_t)(*prob - (*prob >> DFOTA_RC_ADAPT_SHIFT));
        b = 1;
    }
    normalize(d);
    return b;
}

/* One bit: out of line where it is rare, inlined in tree(), the hot loop
 * of difference and literal bytes (most of the decoder's work). */
static unsigned bit(struct dfota_rcdec *d, uint16_t *prob)
{
    return bit_inline(d, prob);
}

/* A value on a tree of `bits` levels of probs[1 .. 2^bits). */
static unsigned tree(struct dfota_rcdec *d, uint16_t *probs, unsigned bits)
{
    unsigned m = 1, i;

    for (i = 0; i < bits; i++)
        m = (m << 1) | bit_inline(d, &probs[m]);
    return m - (1u << bits);
}

/* A number; UINT64_MAX for a bit length the model does not have. */
static uint64_t number(struct dfota_rcdec *d, enum dfota_rc_number which)
{
    struct dfota_rc_num *m = &d->model.num[which];
    unsigned len = tree(d, m->length, 6); /* bit length of value + 1, minus 1 */
    unsigned ctx = 1, i, top;
    uint64_t u = 1;

    if (len >= DFOTA_RC_NUM_BITS_MAX)
        return UINT64_MAX;
    top = len < 2 ? len : 2;
    for (i = 0; i < top; i++) {
        unsigned b = bit(d, &m->top[len][ctx]);

        ctx = (ctx << 1) | b;
        u = (u << 1) | b;
    }
    for (i = top; i < len; i++) {
        d->range >>= 1;
        u <<= 1;
        if (d->code >= d->range) {
            d->code -= d->range;
            u |= 1;
        }
        normalize(d);
    }
    return u - 1;
}

static size_t put_varint(uint8_t *out, uint64_t v)
{
    size_t n = 0;

    do {
        uint8_t b = (uint8_t)(v & 0x7F);

        v >>= 7;
        out[n++] = (uint8_t)(b | (v ? 0x80 : 0));
    } while (v);
    return n;
}

static void put_history(struct dfota_rcdec *d, uint8_t b)
{
    d->history[d->history_pos & d->history_mask] = b;
    d->history_pos++;
    if (d->history_fill <= d->history_mask)
        d->history_fill++;
}

/* The record's copy and literal parts are done. */
static void record_done(struct dfota_rcdec *d)
{
    d->phase = d->segment_left == 0 ? PH_END : PH_COPY;
}

static void copy_done(struct dfota_rcdec *d)
{
    if (d->extra_left)
        d->phase = PH_LIT;
    else
        record_done(d);
}

enum dfota_rcdec_result dfota_rcdec_decode(struct dfota_rcdec *d, uint8_t *out, size_t cap,
                                           size_t *produced)
{
    size_t n = 0;
    uint64_t v, dist;

    if (cap < DFOTA_RCDEC_OUTPUT_MIN)
        goto corrupt;
    for (;;) {
        if (cap - n < DFOTA_RCDEC_OUTPUT_MIN) {
            *produced = n;
            return DFOTA_RCDEC_OUTPUT;
        }
        if (d->phase == PH_END) {
            *produced = n;
            /* Every byte of the frame must have been read. */
            return d->frame_left == 0 && d->in_pos >= d->in_len ? DFOTA_RCDEC_DONE
                                                                : DFOTA_RCDEC_CORRUPT;
        }
        if (d->match_left > 0) {
            /* A match: no input needed. */
            uint8_t b = d->history[(d->history_pos - d->match_dist) & d->history_mask];

            put_history(d, b);
            out[n++] = b;
            d->offset++;
            d->match_left--;
            if (--d->extra_left == 0)
                record_done(d);
            continue;
        }
        if (d->frame_left != 0 && (unsigned)(d->in_len - d->in_pos) < DFOTA_RCDEC_STEP_MAX) {
            *produced = n;
            return DFOTA_RCDEC_INPUT;
        }
        switch (d->phase) {
        case PH_INIT:
            d->code = 0;
            for (v = 0; v < 4; v++)
                d->code = (d->code << 8) | next_byte(d);
            if (d->code == 0xFFFFFFFFu)
                goto corrupt;
            d->phase = d->segment_left == 0 ? PH_END : PH_COPY;
            break;
        case PH_COPY:
            v = number(d, DFOTA_RC_COPY);
            if (v > d->segment_left)
                goto corrupt;
            d->copy_left = (uint32_t)v;
            n += put_varint(out + n, v);
            d->phase = PH_EXTRA;
            break;
        case PH_EXTRA:
            v = number(d, DFOTA_RC_EXTRA);
            /* A record produces at least one byte and stays in the segment. */
            if (v > d->segment_left - d->copy_left || v + d->copy_left == 0)
                goto corrupt;
            d->extra_left = (uint32_t)v;
            d->segment_left -= d->copy_left + d->extra_left;
            n += put_varint(out + n, v);
            d->phase = PH_SEEK;
            break;
        case PH_SEEK:
            v = number(d, DFOTA_RC_SEEK);
            if (v >= (uint64_t)1 << 33)
                goto corrupt;
            n += put_varint(out + n, v);
            d->first_run = 1;
            if (d->copy_left)
                d->phase = PH_ZERO;
            else
                copy_done(d);
            break;
        case PH_ZERO:
            v = number(d, DFOTA_RC_ZERO);
            if (v == UINT64_MAX)
                goto corrupt;
            v += d->first_run ? 0u : 1u; /* only the first run of a copy may be empty */
            if (v > d->copy_left)
                goto corrupt;
            n += put_varint(out + n, v);
            d->copy_left -= (uint32_t)v;
            d->offset += (uint32_t)v;
            d->first_run = 0;
            if (d->copy_left == 0)
                copy_done(d);
            else
                d->phase = PH_DIFFS;
            break;
        case PH_DIFFS:
            v = number(d, DFOTA_RC_DIFFS);
            if (v >= d->copy_left)
                goto corrupt;
            d->run_left = (uint32_t)v + 1;
            n += put_varint(out + n, v + 1);
            d->phase = PH_DIFF;
            break;
        case PH_DIFF:
            out[n++] = (uint8_t)tree(d, d->model.diff[d->offset & 3], 8);
            d->offset++;
            d->copy_left--;
            if (--d->run_left == 0) {
                if (d->copy_left == 0)
                    copy_done(d);
                else
                    d->phase = PH_ZERO;
            }
            break;
        case PH_LIT: {
            unsigned kind = d->last_kind;

            if (!bit(d, &d->model.is_match[kind])) {
                uint8_t b = (uint8_t)tree(d, d->model.lit[d->offset & 1], 8);

                put_history(d, b);
                out[n++] = b;
                d->offset++;
                d->last_kind = 0;
                if (--d->extra_left == 0)
                    record_done(d);
                break;
            }
            if (bit(d, &d->model.is_rep[kind])) {
                v = number(d, DFOTA_RC_LENGTH);
                if (d->rep == 0 || v == UINT64_MAX)
                    goto corrupt;
                v += DFOTA_RC_REP_MIN;
                d->last_kind = 1;
            } else {
                v = number(d, DFOTA_RC_LENGTH);
                if (v == UINT64_MAX)
                    goto corrupt;
                v += DFOTA_RC_MATCH_MIN;
                dist = number(d, DFOTA_RC_DIST);
                if (dist >= d->history_fill)
                    goto corrupt;
                d->rep = (uint32_t)dist + 1u;
                d->last_kind = 2;
            }
            if (v > d->extra_left)
                goto corrupt;
            d->match_dist = d->rep;
            d->match_left = (uint32_t)v;
            break;
        }
        default:
            goto corrupt;
        }
    }
corrupt:
    *produced = n;
    d->phase = PH_END;
    d->frame_left = 1; /* sticky: every later call is CORRUPT too */
    return DFOTA_RCDEC_CORRUPT;
}
