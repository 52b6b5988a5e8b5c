/* json.h - minimal streaming JSON writer (no allocation) */
#ifndef JSON_H
#define JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JSON_MAX_DEPTH 8

typedef struct {
    char    *buf;
    size_t   size;
    size_t   len;
    bool     overflow;
    uint8_t  depth;
    bool     need_comma[JSON_MAX_DEPTH];
    bool     after_key;
} json_writer_t;

void json_init(json_writer_t *w, char *buf, size_t size);
void json_object_begin(json_writer_t *w);
void json_object_end(json_writer_t *w);
void json_array_begin(json_writer_t *w);
void json_array_end(json_writer_t *w);
void json_key(json_writer_t *w, const char *key);
void json_string(json_writer_t *w, const char *s);
void json_int(json_writer_t *w, long v);
void json_uint(json_writer_t *w, unsigned long v);
void json_double(json_writer_t *w, double v, int precision);
void json_bool(json_writer_t *w, bool v);
void json_null(json_writer_t *w);
void json_kv_string(json_writer_t *w, const char *k, const char *v);
void json_kv_int(json_writer_t *w, const char *k, long v);
void json_kv_double(json_writer_t *w, const char *k, double v, int precision);
int  json_finish(json_writer_t *w);

#endif
