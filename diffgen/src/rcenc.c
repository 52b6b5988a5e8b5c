/*
 * rcenc.c - the range codec's encoder (docs/FORMAT.md, "The range codec").
 *
 * It reads a segment's record stream field by field, exactly as the
 * decoder (apply_ref/src/rcdec.c) writes it back, and codes each field
 * with the same model. Literal bytes are parsed greedily into literals,
 * repeats of the last distance and matches among the literal bytes of the
 * segment within the history, found through hash chains of 3-byte
 * prefixes; the choice depends only on the bytes, so the output is
 * deterministic.
 */
#include "rcenc.h"

#include <stdlib.h>
#include <string.h>

#include "dfota/rcdec.h"

#define CHAIN_STEPS 256u
#define HASH_BITS 14u

struct enc {
    uint64_t low;
    uint32_t range;
    uint8_t cache;
    uint64_t pending; /* bytes held back for a carry: cache and 0xFF bytes */
    uint8_t *out;
    size_t len, cap;
    int failed;
    struct dfota_rc_model model;
};

static void out_byte(struct enc *e, uint8_t b)
{
    if (e->len == e->cap) {
        size_t cap = e->cap ? 2 * e->cap : 256;
        uint8_t *grown = realloc(e->out, cap);

        if (grown == NULL) {
            e->failed = 1;
            return;
        }
        e->out = grown;
        e->cap = cap;
    }
    e->out[e->len++] = b;
}

static void shift_low(struct enc *e)
{
    if ((uint32_t)e->low < 0xFF000000u || (e->low >> 32) != 0) {
        uint8_t carry = (uint8_t)(e->low >> 32);
        uint8_t b = e->cache;

        do {
            out_byte(e, (uint8_t)(b + carry));
            b = 0xFF;
        } while (--e->pending != 0);
        e->cache = (uint8_t)(e->low >> 24);
    }
    e->pending++;
    e->low = (e->low & 0x00FFFFFFu) << 8;
}

static void normalize(struct enc *e)
{
    while (e->range < DFOTA_RC_TOP) {
        e->range <<= 8;
        shift_low(e);
    }
}

static void bit(struct enc *e, uint16_t *prob, unsigned b)
{
    uint32_t bound = (e->range >> DFOTA_RC_PROB_BITS) * *prob;

    if (!b) {
        e->range = bound;
        *prob = (uint16_t)(*prob + (((1u << DFOTA_RC_PROB_BITS) - *prob) >> DFOTA_RC_ADAPT_SHIFT));
    } else {
        e->low += bound;
        e->range -= bound;
        *prob = (uint16_t)(*prob - (*prob >> DFOTA_RC_ADAPT_SHIFT));
    }
    normalize(e);
}

static void tree(struct enc *e, uint16_t *probs, unsigned bits, unsigned v)
{
    unsigned m = 1;

    while (bits-- > 0) {
        unsigned b = (v >> bits) & 1u;

        bit(e, &probs[m], b);
        m = (m << 1) | b;
    }
}

static void number(struct enc *e, enum dfota_rc_number which, uint64_t v)
{
    struct dfota_rc_num *m = &e->model.num[which];
    uint64_t u = v + 1;
    unsigned len = 0, top, i, ctx = 1;

    while ((u >> len) > 1)
        len++;
    tree(e, m->length, 6, len);
    top = len < 2 ? len : 2;
    for (i = 0; i < top; i++) {
        unsigned b = (unsigned)(u >> (len - 1 - i)) & 1u;

        bit(e, &m->top[len][ctx], b);
        ctx = (ctx << 1) | b;
    }
    for (i = top; i < len; i++) {
        e->range >>= 1;
        if ((u >> (len - 1 - i)) & 1u)
            e->low += e->range;
        normalize(e);
    }
}

/* End the frame on the value of [low, low + range) with the most trailing
 * zero bits, so that its last bytes are zeros, which are left out (the
 * decoder reads bytes past the end as 0). */
static void flush(struct enc *e)
{
    unsigned b;
    int i;

    for (b = 32; b > 0; b--) {
        uint64_t mask = ((uint64_t)1 << b) - 1;
        uint64_t v = (e->low + mask) & ~mask;

        if (v < e->low + e->range) {
            e->low = v;
            break;
        }
    }
    for (i = 0; i < 5; i++)
        shift_low(e);
    while (e->len > 1 && e->out[e->len - 1] == 0)
        e->len--;
}

/* Bytes a varint may take (docs/FORMAT.md, "Records"): lengths and runs, the seek. */
#define LEN_BYTES 5u
#define SEEK_BYTES 10u

/* A varint of at most `max_bytes` bytes whose value fits in 64 bits. */
static int get_varint(const uint8_t **p, const uint8_t *end, unsigned max_bytes, uint64_t *v)
{
    unsigned shift = 0, k;

    *v = 0;
    for (k = 0; k < max_bytes && *p < end; k++, shift += 7) {
        uint8_t b = *(*p)++;

        if (shift == 63 && (b & 0x7E) != 0)
            return 0;
        *v |= (uint64_t)(b & 0x7F) << shift;
        if (!(b & 0x80))
            return 1;
    }
    return 0;
}

/* Longest match for lit[q..q + max) among lit[q - window .. q) (via hash
 * chains); 0 if none of DFOTA_RC_MATCH_MIN bytes. */
static uint32_t find_match(const uint8_t *lit, uint32_t q, uint32_t max, uint32_t window,
                           const int32_t *prev, const int32_t *head, uint32_t *dist)
{
    uint32_t best = 0, steps = 0, h;
    int32_t c;

    if (max < DFOTA_RC_MATCH_MIN)
        return 0;
    h = ((uint32_t)lit[q] << 16 | (uint32_t)lit[q + 1] << 8 | lit[q + 2]) * 2654435761u >>
        (32 - HASH_BITS);
    for (c = head[h]; c >= 0 && q - (uint32_t)c <= window && steps < CHAIN_STEPS;
         c = prev[c], steps++) {
        uint32_t l = 0;

        while (l < max && lit[(uint32_t)c + l] == lit[q + l])
            l++;
        if (l > best) {
            best = l;
            *dist = q - (uint32_t)c;
            if (l == max)
                break;
        }
    }
    return best >= DFOTA_RC_MATCH_MIN ? best : 0;
}

static void insert(const uint8_t *lit, uint32_t q, uint32_t total, int32_t *prev, int32_t *head)
{
    uint32_t h;

    if (q + 3 > total)
        return;
    h = ((uint32_t)lit[q] << 16 | (uint32_t)lit[q + 1] << 8 | lit[q + 2]) * 2654435761u >>
        (32 - HASH_BITS);
    prev[q] = head[h];
    head[h] = (int32_t)q;
}

int dfota_rc_encode(const uint8_t *records, size_t len, unsigned history_log, uint8_t **frame,
                    size_t *frame_len)
{
    const uint8_t *p = records, *end = records + len;
    uint32_t window = 1u << history_log;
    uint8_t *lit = NULL;
    int32_t *prev = NULL, *head = NULL;
    uint32_t total = 0, q = 0, offset = 0, rep = 0;
    unsigned last_kind = 0;
    struct enc e;
    size_t i;
    int rc = 1;

    *frame = NULL;
    *frame_len = 0;
    /* First pass: check the structure and gather the literal bytes. */
    lit = malloc(len + 1);
    if (lit == NULL)
        return 0;
    while (p < end) {
        uint64_t copy, extra, seek, z, d, left;
        int first = 1;

        if (!get_varint(&p, end, LEN_BYTES, &copy) || !get_varint(&p, end, LEN_BYTES, &extra) ||
            !get_varint(&p, end, SEEK_BYTES, &seek) || copy + extra == 0 || copy > UINT32_MAX ||
            extra > UINT32_MAX || seek >= (uint64_t)1 << 33)
            goto malformed;
        for (left = copy; left > 0;) {
            if (!get_varint(&p, end, LEN_BYTES, &z) || z > left || (!first && z == 0))
                goto malformed;
            first = 0;
            left -= z;
            if (left == 0)
                break;
            if (!get_varint(&p, end, LEN_BYTES, &d) || d == 0 || d > left ||
                (uint64_t)(end - p) < d)
                goto malformed;
            p += d;
            left -= d;
        }
        if ((uint64_t)(end - p) < extra)
            goto malformed;
        memcpy(lit + total, p, (size_t)extra);
        total += (uint32_t)extra;
        p += extra;
    }
    prev = malloc(sizeof(*prev) * (total + 1));
    head = malloc(sizeof(*head) << HASH_BITS);
    if (prev == NULL || head == NULL) {
        rc = 0;
        goto out;
    }
    for (i = 0; i < (size_t)1 << HASH_BITS; i++)
        head[i] = -1;

    memset(&e, 0, sizeof(e));
    e.range = 0xFFFFFFFFu;
    e.pending = 1;
    {
        uint16_t *probs = (uint16_t *)(void *)&e.model;

        for (i = 0; i < sizeof(e.model) / sizeof(uint16_t); i++)
            probs[i] = DFOTA_RC_PROB_INIT;
    }
    p = records;
    while (p < end) {
        uint64_t copy, extra, seek, z, d, left;
        int first = 1;

        get_varint(&p, end, LEN_BYTES, &copy);
        get_varint(&p, end, LEN_BYTES, &extra);
        get_varint(&p, end, SEEK_BYTES, &seek);
        number(&e, DFOTA_RC_COPY, copy);
        number(&e, DFOTA_RC_EXTRA, extra);
        number(&e, DFOTA_RC_SEEK, seek);
        for (left = copy; left > 0;) {
            get_varint(&p, end, LEN_BYTES, &z);
            number(&e, DFOTA_RC_ZERO, first ? z : z - 1);
            first = 0;
            offset += (uint32_t)z;
            left -= z;
            if (left == 0)
                break;
            get_varint(&p, end, LEN_BYTES, &d);
            number(&e, DFOTA_RC_DIFFS, d - 1);
            for (i = 0; i < d; i++) {
                tree(&e, e.model.diff[offset & 3], 8, p[i]);
                offset++;
            }
            p += d;
            left -= d;
        }
        /* Literal bytes: lit[q .. q + extra). */
        p += extra;
        for (left = extra; left > 0;) {
            uint32_t max = (uint32_t)left, dist = 0, best, reps = 0, k;

            if (rep != 0 && rep <= q)
                while (reps < max && lit[q + reps] == lit[q + reps - rep])
                    reps++;
            best = find_match(lit, q, max, window, prev, head, &dist);
            if (reps >= DFOTA_RC_REP_MIN && reps + 1 >= best) {
                bit(&e, &e.model.is_match[last_kind], 1);
                bit(&e, &e.model.is_rep[last_kind], 1);
                number(&e, DFOTA_RC_LENGTH, reps - DFOTA_RC_REP_MIN);
                best = reps;
                last_kind = 1;
            } else if (best > 0) {
                bit(&e, &e.model.is_match[last_kind], 1);
                bit(&e, &e.model.is_rep[last_kind], 0);
                number(&e, DFOTA_RC_LENGTH, best - DFOTA_RC_MATCH_MIN);
                number(&e, DFOTA_RC_DIST, dist - 1);
                rep = dist;
                last_kind = 2;
            } else {
                bit(&e, &e.model.is_match[last_kind], 0);
                tree(&e, e.model.lit[offset & 1], 8, lit[q]);
                best = 1;
                last_kind = 0;
            }
            for (k = 0; k < best; k++)
                insert(lit, q + k, total, prev, head);
            q += best;
            offset += best;
            left -= best;
        }
    }
    flush(&e);
    if (e.failed) {
        free(e.out);
        rc = 0;
        goto out;
    }
    /* The first byte is the integer part of the coded value: always 0. */
    memmove(e.out, e.out + 1, e.len - 1);
    *frame = e.out;
    *frame_len = e.len - 1;
    goto out;
malformed:
    rc = -1;
out:
    free(lit);
    free(prev);
    free(head);
    return rc;
}
