/* coap.c - RFC 7252 message encoding/decoding and RFC 7959 block options */
#include <stdio.h>
#include <string.h>
#include "coap.h"

void coap_build_init(coap_builder_t *b, uint8_t *buf, size_t size, coap_type_t type,
                     uint8_t code, uint16_t mid, const uint8_t *token, uint8_t tkl)
{
    b->buf = buf;
    b->size = size;
    b->len = 0;
    b->last_opt = 0;
    b->error = false;
    if (size < 4u + tkl || tkl > COAP_TOKEN_MAX) {
        b->error = true;
        return;
    }
    buf[0] = (uint8_t)((COAP_VERSION << 6) | ((unsigned)type << 4) | tkl);
    buf[1] = code;
    buf[2] = (uint8_t)(mid >> 8);
    buf[3] = (uint8_t)mid;
    if (tkl)
        memcpy(buf + 4, token, tkl);
    b->len = 4u + tkl;
}

static size_t ext_len(uint32_t v)
{
    return v < 13 ? 0 : (v < 269 ? 1 : 2);
}

static uint8_t nibble(uint32_t v)
{
    return (uint8_t)(v < 13 ? v : (v < 269 ? 13 : 14));
}

static uint8_t *put_ext(uint8_t *p, uint32_t v)
{
    if (v >= 269) {
        v -= 269;
        *p++ = (uint8_t)(v >> 8);
        *p++ = (uint8_t)v;
    } else if (v >= 13) {
        *p++ = (uint8_t)(v - 13);
    }
    return p;
}

void coap_add_option(coap_builder_t *b, uint16_t number, const void *value, size_t len)
{
    uint32_t delta;
    size_t need;
    uint8_t *p;

    if (b->error || number < b->last_opt || len > 1034) {
        b->error = true;   /* options must be added in ascending order */
        return;
    }
    delta = (uint32_t)(number - b->last_opt);
    need = 1 + ext_len(delta) + ext_len((uint32_t)len) + len;
    if (b->len + need > b->size) {
        b->error = true;
        return;
    }
    p = b->buf + b->len;
    *p++ = (uint8_t)((nibble(delta) << 4) | nibble((uint32_t)len));
    p = put_ext(p, delta);
    p = put_ext(p, (uint32_t)len);
    if (len)
        memcpy(p, value, len);
    b->len += need;
    b->last_opt = number;
}

void coap_add_option_uint(coap_builder_t *b, uint16_t number, uint32_t value)
{
    uint8_t tmp[4];
    size_t n = 0;
    /* minimal length big-endian encoding; zero is the empty string */
    if (value > 0xFFFFFFu) tmp[n++] = (uint8_t)(value >> 24);
    if (value > 0xFFFFu)   tmp[n++] = (uint8_t)(value >> 16);
    if (value > 0xFFu)     tmp[n++] = (uint8_t)(value >> 8);
    if (value > 0u)        tmp[n++] = (uint8_t)value;
    coap_add_option(b, number, tmp, n);
}

void coap_add_uri_path(coap_builder_t *b, const char *path)
{
    while (*path == '/')
        path++;
    while (*path) {
        size_t seg = strcspn(path, "/");
        coap_add_option(b, COAP_OPT_URI_PATH, path, seg);
        path += seg;
        while (*path == '/')
            path++;
    }
}

void coap_add_uri_query(coap_builder_t *b, const char *query)
{
    while (*query) {
        size_t seg = strcspn(query, "&");
        if (seg)
            coap_add_option(b, COAP_OPT_URI_QUERY, query, seg);
        query += seg;
        if (*query == '&')
            query++;
    }
}

void coap_set_payload(coap_builder_t *b, const void *payload, size_t len)
{
    if (b->error || len == 0)
        return;
    if (b->len + 1 + len > b->size) {
        b->error = true;
        return;
    }
    b->buf[b->len++] = 0xFF;
    memcpy(b->buf + b->len, payload, len);
    b->len += len;
}

int coap_build_finish(coap_builder_t *b)
{
    return b->error ? -1 : (int)b->len;
}

static int get_ext(const uint8_t **pp, const uint8_t *end, uint32_t nib, uint32_t *out)
{
    const uint8_t *p = *pp;
    if (nib < 13) {
        *out = nib;
    } else if (nib == 13) {
        if (p >= end)
            return -1;
        *out = 13u + *p++;
    } else if (nib == 14) {
        if (p + 1 >= end)
            return -1;
        *out = 269u + (((uint32_t)p[0] << 8) | p[1]);
        p += 2;
    } else {
        return -1;
    }
    *pp = p;
    return 0;
}

int coap_parse(const uint8_t *buf, size_t len, coap_msg_t *msg)
{
    const uint8_t *p, *end = buf + len;
    uint32_t opt = 0;

    memset(msg, 0, sizeof(*msg));
    if (len < 4 || (buf[0] >> 6) != COAP_VERSION)
        return -1;
    msg->type = (buf[0] >> 4) & 3u;
    msg->token_len = buf[0] & 0x0Fu;
    msg->code = buf[1];
    msg->mid = (uint16_t)((buf[2] << 8) | buf[3]);
    if (msg->token_len > COAP_TOKEN_MAX || 4u + msg->token_len > len)
        return -1;
    memcpy(msg->token, buf + 4, msg->token_len);
    p = buf + 4 + msg->token_len;

    while (p < end) {
        uint32_t delta, olen;
        if (*p == 0xFF) {
            p++;
            if (p == end)
                return -1;     /* marker with empty payload is an error */
            msg->payload = p;
            msg->payload_len = (size_t)(end - p);
            return 0;
        }
        uint8_t hdr = *p++;
        if (get_ext(&p, end, hdr >> 4, &delta) || get_ext(&p, end, hdr & 0x0Fu, &olen))
            return -1;
        if ((size_t)(end - p) < olen)
            return -1;
        opt += delta;
        if (msg->opt_count < COAP_MAX_OPTIONS) {
            msg->opts[msg->opt_count].number = (uint16_t)opt;
            msg->opts[msg->opt_count].len = (uint16_t)olen;
            msg->opts[msg->opt_count].value = p;
            msg->opt_count++;
        }
        p += olen;
    }
    return 0;
}

const coap_option_t *coap_find_option(const coap_msg_t *m, uint16_t number, unsigned nth)
{
    for (unsigned i = 0; i < m->opt_count; i++) {
        if (m->opts[i].number == number) {
            if (nth == 0)
                return &m->opts[i];
            nth--;
        }
    }
    return NULL;
}

uint32_t coap_option_uint(const coap_option_t *o)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < o->len && i < 4; i++)
        v = (v << 8) | o->value[i];
    return v;
}

/* RFC 7959: NUM | M | SZX, block size = 2^(SZX + 4) */
uint32_t coap_block_encode(uint32_t num, bool more, unsigned szx)
{
    return (num << 4) | (more ? 8u : 0u) | (szx & 7u);
}

void coap_block_decode(uint32_t v, uint32_t *num, bool *more, unsigned *szx)
{
    *num = v >> 4;
    *more = (v & 8u) != 0;
    *szx = v & 7u;
}

int coap_format_code(uint8_t code, char *buf, size_t size)
{
    return snprintf(buf, size, "%u.%02u", (unsigned)(code >> 5), (unsigned)(code & 0x1Fu));
}
