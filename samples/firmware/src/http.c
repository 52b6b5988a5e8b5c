/* http.c - HTTP/1.1 request formatting and response header parsing */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "http.h"
#include "base64.h"
#include "fw_config.h"

int http_build_get(char *buf, size_t size, const char *host, uint16_t port, const char *path,
                   uint32_t range_from, uint32_t range_to, const char *auth_b64)
{
    int n;
    size_t pos;

    if (port == 80)
        n = snprintf(buf, size, "GET %s HTTP/1.1\r\nHost: %s\r\n", path, host);
    else
        n = snprintf(buf, size, "GET %s HTTP/1.1\r\nHost: %s:%u\r\n", path, host, (unsigned)port);
    if (n < 0 || (size_t)n >= size)
        return -1;
    pos = (size_t)n;

    n = snprintf(buf + pos, size - pos,
                 "User-Agent: %s/%s\r\nAccept: application/octet-stream\r\nConnection: keep-alive\r\n",
                 FW_MODEL, g_fw_version);
    if (n < 0 || (size_t)n >= size - pos)
        return -1;
    pos += (size_t)n;

    if (range_to >= range_from && range_to != 0) {
        n = snprintf(buf + pos, size - pos, "Range: bytes=%lu-%lu\r\n",
                     (unsigned long)range_from, (unsigned long)range_to);
        if (n < 0 || (size_t)n >= size - pos)
            return -1;
        pos += (size_t)n;
    }
    if (auth_b64 && auth_b64[0]) {
        n = snprintf(buf + pos, size - pos, "Authorization: Basic %s\r\n", auth_b64);
        if (n < 0 || (size_t)n >= size - pos)
            return -1;
        pos += (size_t)n;
    }
    if (pos + 3 > size)
        return -1;
    memcpy(buf + pos, "\r\n", 3);
    return (int)(pos + 2);
}

int http_parse_status_line(const char *line, http_response_t *rsp)
{
    int major, minor, status;
    if (sscanf(line, "HTTP/%d.%d %d", &major, &minor, &status) != 3)
        return -1;
    if (major != 1 || status < 100 || status > 599)
        return -1;
    rsp->version_minor = minor;
    rsp->status = status;
    rsp->keep_alive = minor >= 1;
    return 0;
}

static const char *header_value(const char *line, const char *name)
{
    size_t n = strlen(name);
    if (strncasecmp(line, name, n) != 0 || line[n] != ':')
        return NULL;
    line += n + 1;
    while (*line == ' ' || *line == '\t')
        line++;
    return line;
}

int http_parse_header_line(const char *line, http_response_t *rsp)
{
    const char *v;

    if ((v = header_value(line, "Content-Length")) != NULL) {
        char *end;
        long len = strtol(v, &end, 10);
        if (end == v || len < 0)
            return -1;
        rsp->content_length = len;
    } else if ((v = header_value(line, "Content-Range")) != NULL) {
        unsigned long a, b, total;
        if (sscanf(v, "bytes %lu-%lu/%lu", &a, &b, &total) != 3 || b < a)
            return -1;
        rsp->range_start = (uint32_t)a;
        rsp->range_end = (uint32_t)b;
        rsp->range_total = (uint32_t)total;
        rsp->has_range = true;
    } else if ((v = header_value(line, "Transfer-Encoding")) != NULL) {
        rsp->chunked = strncasecmp(v, "chunked", 7) == 0;
    } else if ((v = header_value(line, "Connection")) != NULL) {
        if (strncasecmp(v, "close", 5) == 0)
            rsp->keep_alive = false;
        else if (strncasecmp(v, "keep-alive", 10) == 0)
            rsp->keep_alive = true;
    } else if ((v = header_value(line, "Digest")) != NULL) {
        /* comma separated list of <algorithm>=<base64 value> */
        while (*v) {
            size_t n = strcspn(v, ",");
            if (n > 8 && strncasecmp(v, "SHA-256=", 8) == 0) {
                const char *b64 = v + 8;
                size_t blen = n - 8;
                while (blen && (b64[blen - 1] == ' ' || b64[blen - 1] == '\t'))
                    blen--;
                if (base64_decode(b64, blen, rsp->sha256, sizeof(rsp->sha256)) == 32)
                    rsp->has_sha256 = true;
            }
            v += n;
            while (*v == ',' || *v == ' ')
                v++;
        }
    } else if ((v = header_value(line, "ETag")) != NULL) {
        strncpy(rsp->etag, v, sizeof(rsp->etag) - 1);
        rsp->etag[sizeof(rsp->etag) - 1] = '\0';
    } else if ((v = header_value(line, "Location")) != NULL) {
        strncpy(rsp->location, v, sizeof(rsp->location) - 1);
        rsp->location[sizeof(rsp->location) - 1] = '\0';
    }
    return 0;
}

/* Parse status line and headers; returns 1 when the blank line was seen. */
int http_parse_head(const char *text, size_t len, http_response_t *rsp, size_t *body_offset)
{
    char line[160];
    size_t pos = 0;
    bool first = true;

    memset(rsp, 0, sizeof(*rsp));
    rsp->content_length = -1;
    while (pos < len) {
        const char *eol = memchr(text + pos, '\n', len - pos);
        size_t n;
        if (eol == NULL)
            return 0;                       /* need more data */
        n = (size_t)(eol - (text + pos));
        if (n && text[pos + n - 1] == '\r')
            n--;
        if (n >= sizeof(line))
            n = sizeof(line) - 1;           /* overlong header: truncate */
        memcpy(line, text + pos, n);
        line[n] = '\0';
        pos = (size_t)(eol - text) + 1;
        if (first) {
            if (http_parse_status_line(line, rsp) != 0)
                return -1;
            first = false;
        } else if (n == 0) {
            *body_offset = pos;
            return 1;
        } else if (http_parse_header_line(line, rsp) != 0) {
            return -1;
        }
    }
    return 0;
}

long http_chunk_size(const char *line)
{
    char *end;
    long v;
    if (!isxdigit((unsigned char)line[0]))
        return -1;
    v = strtol(line, &end, 16);
    if (*end != '\0' && *end != ';' && *end != '\r')
        return -1;
    return v;
}
