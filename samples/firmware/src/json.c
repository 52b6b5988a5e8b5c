/* json.c - streaming JSON writer used for LwM2M SenML/JSON payloads */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "json.h"

void json_init(json_writer_t *w, char *buf, size_t size)
{
    memset(w, 0, sizeof(*w));
    w->buf = buf;
    w->size = size;
    if (size)
        buf[0] = '\0';
}

static void put_raw(json_writer_t *w, const char *s, size_t n)
{
    if (w->overflow || w->len + n + 1 > w->size) {
        w->overflow = true;
        return;
    }
    memcpy(w->buf + w->len, s, n);
    w->len += n;
    w->buf[w->len] = '\0';
}

static void put_char(json_writer_t *w, char c)
{
    put_raw(w, &c, 1);
}

static void before_value(json_writer_t *w)
{
    if (w->after_key) {
        w->after_key = false;
        return;
    }
    if (w->depth > 0) {
        if (w->need_comma[w->depth - 1])
            put_char(w, ',');
        w->need_comma[w->depth - 1] = true;
    }
}

static void open_container(json_writer_t *w, char c)
{
    before_value(w);
    put_char(w, c);
    if (w->depth >= JSON_MAX_DEPTH) {
        w->overflow = true;
        return;
    }
    w->need_comma[w->depth++] = false;
}

static void close_container(json_writer_t *w, char c)
{
    if (w->depth == 0) {
        w->overflow = true;
        return;
    }
    w->depth--;
    put_char(w, c);
}

void json_object_begin(json_writer_t *w) { open_container(w, '{'); }
void json_object_end(json_writer_t *w)   { close_container(w, '}'); }
void json_array_begin(json_writer_t *w)  { open_container(w, '['); }
void json_array_end(json_writer_t *w)    { close_container(w, ']'); }

static void put_escaped(json_writer_t *w, const char *s)
{
    put_char(w, '"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        switch (c) {
        case '"':  put_raw(w, "\\\"", 2); break;
        case '\\': put_raw(w, "\\\\", 2); break;
        case '\b': put_raw(w, "\\b", 2); break;
        case '\f': put_raw(w, "\\f", 2); break;
        case '\n': put_raw(w, "\\n", 2); break;
        case '\r': put_raw(w, "\\r", 2); break;
        case '\t': put_raw(w, "\\t", 2); break;
        default:
            if (c < 0x20) {
                char esc[8];
                snprintf(esc, sizeof(esc), "\\u%04x", c);
                put_raw(w, esc, 6);
            } else {
                put_char(w, (char)c);
            }
            break;
        }
    }
    put_char(w, '"');
}

void json_key(json_writer_t *w, const char *key)
{
    before_value(w);
    put_escaped(w, key);
    put_char(w, ':');
    w->after_key = true;
}

void json_string(json_writer_t *w, const char *s)
{
    before_value(w);
    put_escaped(w, s);
}

void json_int(json_writer_t *w, long v)
{
    char tmp[16];
    int n = snprintf(tmp, sizeof(tmp), "%ld", v);
    before_value(w);
    put_raw(w, tmp, (size_t)n);
}

void json_uint(json_writer_t *w, unsigned long v)
{
    char tmp[16];
    int n = snprintf(tmp, sizeof(tmp), "%lu", v);
    before_value(w);
    put_raw(w, tmp, (size_t)n);
}

void json_double(json_writer_t *w, double v, int precision)
{
    char tmp[32];
    int n;
    before_value(w);
    if (isnan(v) || isinf(v)) {
        put_raw(w, "null", 4);   /* JSON has no NaN/Inf */
        return;
    }
    if (precision < 0 || precision > 9)
        precision = 6;
    n = snprintf(tmp, sizeof(tmp), "%.*g", precision, v);
    if (n <= 0 || (size_t)n >= sizeof(tmp)) {
        w->overflow = true;
        return;
    }
    put_raw(w, tmp, (size_t)n);
}

void json_bool(json_writer_t *w, bool v)
{
    before_value(w);
    if (v)
        put_raw(w, "true", 4);
    else
        put_raw(w, "false", 5);
}

void json_null(json_writer_t *w)
{
    before_value(w);
    put_raw(w, "null", 4);
}

void json_kv_string(json_writer_t *w, const char *k, const char *v)
{
    json_key(w, k);
    json_string(w, v);
}

void json_kv_int(json_writer_t *w, const char *k, long v)
{
    json_key(w, k);
    json_int(w, v);
}

void json_kv_double(json_writer_t *w, const char *k, double v, int precision)
{
    json_key(w, k);
    json_double(w, v, precision);
}

int json_finish(json_writer_t *w)
{
    if (w->overflow || w->depth != 0)
        return -1;
    return (int)w->len;
}
