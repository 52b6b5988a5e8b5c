/*
 * json.c - the streaming JSON writer of dfota/report.h.
 */
#include <inttypes.h>
#include <string.h>

#include "dfota/report.h"
#include "dfota/wire.h"

void dfota_json_init(struct dfota_json *j, FILE *out)
{
    memset(j, 0, sizeof(*j));
    j->out = out;
}

static bool level_is(uint32_t mask, unsigned depth)
{
    return depth > 0 && (mask >> (depth - 1)) & 1u;
}

static void indent(struct dfota_json *j)
{
    unsigned i;

    fputc('\n', j->out);
    for (i = 0; i < j->depth; i++)
        fputs("  ", j->out);
}

/* Bidirectional controls: they make a name read differently from what it is. */
static bool is_bidi_control(uint32_t c)
{
    return c == 0x061c || c == 0x200e || c == 0x200f || (c >= 0x202a && c <= 0x202e) ||
           (c >= 0x2066 && c <= 0x2069);
}

void dfota_json_write_string(FILE *out, const char *s)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + strlen(s);

    fputc('"', out);
    while (p < end) {
        uint32_t c = 0;
        size_t n = dfota_utf8_decode(p, (size_t)(end - p), &c);

        if (n == 0) {
            /* Not UTF-8 (a file name, say): U+FFFD, so that the JSON stays valid. */
            fputs("\\ufffd", out);
            p++;
            continue;
        }
        if (c == '"' || c == '\\')
            fprintf(out, "\\%c", (int)c);
        else if (c == '\n')
            fputs("\\n", out);
        else if (c < 0x20 || c == 0x7f || is_bidi_control(c) || c == 0x2028 || c == 0x2029)
            fprintf(out, "\\u%04x", (unsigned)c);
        else
            fwrite(p, 1, n, out);
        p += n;
    }
    fputc('"', out);
}

/*
 * Separator, indentation and "key": before a value. False (and the writer
 * failed) when the key does not fit the container: required in an object,
 * forbidden in an array and at the top.
 */
static bool member(struct dfota_json *j, const char *key)
{
    bool in_array = level_is(j->is_array, j->depth);

    if (j->failed)
        return false;
    if (j->depth == 0 ? key != NULL : in_array == (key != NULL)) {
        j->failed = true;
        return false;
    }
    if (j->depth > 0) {
        if (level_is(j->has_items, j->depth))
            fputc(',', j->out);
        if (level_is(j->is_inline, j->depth)) {
            if (level_is(j->has_items, j->depth))
                fputc(' ', j->out);
        } else {
            indent(j);
        }
        j->has_items |= 1u << (j->depth - 1);
    }
    if (key != NULL) {
        dfota_json_write_string(j->out, key);
        fputs(": ", j->out);
    }
    return true;
}

static void open_container(struct dfota_json *j, const char *key, bool is_inline, bool array)
{
    uint32_t bit;

    if (j->depth >= DFOTA_JSON_DEPTH_MAX) {
        j->failed = true;
        return;
    }
    /* Inside a one-line container everything stays on that line. */
    is_inline = is_inline || level_is(j->is_inline, j->depth);
    if (!member(j, key))
        return;
    fputc(array ? '[' : '{', j->out);
    j->depth++;
    bit = 1u << (j->depth - 1);
    j->is_array = array ? j->is_array | bit : j->is_array & ~bit;
    j->is_inline = is_inline ? j->is_inline | bit : j->is_inline & ~bit;
    j->has_items &= ~bit;
}

void dfota_json_object(struct dfota_json *j, const char *key, bool is_inline)
{
    open_container(j, key, is_inline, false);
}

void dfota_json_array(struct dfota_json *j, const char *key, bool is_inline)
{
    open_container(j, key, is_inline, true);
}

void dfota_json_end(struct dfota_json *j)
{
    bool array, one_line, items;

    if (j->failed)
        return;
    if (j->depth == 0) {
        j->failed = true;
        return;
    }
    array = level_is(j->is_array, j->depth);
    one_line = level_is(j->is_inline, j->depth);
    items = level_is(j->has_items, j->depth);
    j->depth--;
    if (items && !one_line)
        indent(j);
    fputc(array ? ']' : '}', j->out);
}

void dfota_json_string(struct dfota_json *j, const char *key, const char *value)
{
    if (!member(j, key))
        return;
    if (value == NULL)
        fputs("null", j->out);
    else
        dfota_json_write_string(j->out, value);
}

void dfota_json_uint(struct dfota_json *j, const char *key, uint64_t value)
{
    if (member(j, key))
        fprintf(j->out, "%" PRIu64, value);
}

void dfota_json_int(struct dfota_json *j, const char *key, int64_t value)
{
    if (member(j, key))
        fprintf(j->out, "%" PRId64, value);
}

void dfota_json_bool(struct dfota_json *j, const char *key, bool value)
{
    if (member(j, key))
        fputs(value ? "true" : "false", j->out);
}

void dfota_json_null(struct dfota_json *j, const char *key)
{
    if (member(j, key))
        fputs("null", j->out);
}

void dfota_json_hex(struct dfota_json *j, const char *key, const uint8_t *bytes, size_t size)
{
    static const char digits[] = "0123456789abcdef";
    size_t i;

    if (!member(j, key))
        return;
    fputc('"', j->out);
    for (i = 0; i < size; i++) {
        fputc(digits[bytes[i] >> 4], j->out);
        fputc(digits[bytes[i] & 15], j->out);
    }
    fputc('"', j->out);
}

void dfota_json_ratio(struct dfota_json *j, const char *key, uint64_t num, uint64_t den)
{
    uint64_t whole, micro;

    if (!member(j, key))
        return;
    if (den == 0) {
        fputs("0.000000", j->out);
        return;
    }
    /* In integers, rounded to nearest: no locale, no floating point. */
    while (den > UINT64_MAX / 2000000u) {
        num >>= 1;
        den >>= 1;
    }
    whole = num / den;
    micro = ((num % den) * 1000000u + den / 2) / den;
    if (micro >= 1000000u) {
        whole++;
        micro -= 1000000u;
    }
    fprintf(j->out, "%" PRIu64 ".%06" PRIu64, whole, micro);
}

bool dfota_json_finish(struct dfota_json *j)
{
    if (j->depth != 0)
        j->failed = true;
    if (!j->failed)
        fputc('\n', j->out);
    /* Flushed, so that a write error (a full disk, a closed pipe) is seen here. */
    return fflush(j->out) == 0 && !j->failed && !ferror(j->out);
}
