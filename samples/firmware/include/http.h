/* http.h - tiny HTTP/1.1 client helpers */
#ifndef HTTP_H
#define HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    int      status;
    int      version_minor;
    long     content_length;
    uint32_t range_start;
    uint32_t range_end;
    uint32_t range_total;
    bool     has_range;
    bool     chunked;
    bool     keep_alive;
    bool     has_sha256;     /* RFC 3230 "Digest: SHA-256=<base64>" */
    uint8_t  sha256[32];
    char     etag[40];
    char     location[128];
} http_response_t;

int  http_build_get(char *buf, size_t size, const char *host, uint16_t port, const char *path,
                    uint32_t range_from, uint32_t range_to, const char *auth_b64);
int  http_parse_status_line(const char *line, http_response_t *rsp);
int  http_parse_header_line(const char *line, http_response_t *rsp);
int  http_parse_head(const char *text, size_t len, http_response_t *rsp, size_t *body_offset);
long http_chunk_size(const char *line);

#endif
