/*
 * url.c - parser for the URLs accepted by AT+QFOTADL and AT+QLWSERV:
 *
 *     scheme://[user[:password]@]host[:port][/path][?query]
 *
 * host may be a DNS name, a dotted IPv4 address or a bracketed IPv6 literal.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "url.h"
#include "fw_config.h"

typedef struct {
    const char *scheme;
    uint16_t    port;
} scheme_port_t;

static const scheme_port_t s_schemes[] = {
    { "http",  80 },
    { "https", 443 },
    { "coap",  5683 },
    { "coaps", 5684 },
    { "ftp",   21 },
    { "mqtt",  1883 },
    { "mqtts", 8883 },
};

uint16_t url_default_port(const char *scheme)
{
    for (size_t i = 0; i < sizeof(s_schemes) / sizeof(s_schemes[0]); i++) {
        if (strcasecmp(scheme, s_schemes[i].scheme) == 0)
            return s_schemes[i].port;
    }
    return 0;
}

static int copy_bounded(char *dst, size_t dst_size, const char *src, size_t len)
{
    if (len >= dst_size)
        return -1;
    memcpy(dst, src, len);
    dst[len] = '\0';
    return 0;
}

static bool host_char_ok(char c)
{
    return isalnum((unsigned char)c) || c == '-' || c == '.' || c == '_';
}

int url_parse(const char *text, url_t *url)
{
    const char *p = text;
    const char *sep;
    const char *host_begin;
    const char *host_end;
    const char *auth_end;
    size_t hlen;

    memset(url, 0, sizeof(*url));

    sep = strstr(p, "://");
    if (sep == NULL || sep == p)
        return URL_ERR_SYNTAX;
    if (copy_bounded(url->scheme, sizeof(url->scheme), p, (size_t)(sep - p)) != 0)
        return URL_ERR_SCHEME;
    for (char *s = url->scheme; *s; s++)
        *s = (char)tolower((unsigned char)*s);
    url->port = url_default_port(url->scheme);
    if (url->port == 0)
        return URL_ERR_SCHEME;
    p = sep + 3;

    /* authority ends at the first '/', '?' or end of string */
    auth_end = p + strcspn(p, "/?");

    /* optional user info */
    const char *at = memchr(p, '@', (size_t)(auth_end - p));
    if (at != NULL) {
        const char *colon = memchr(p, ':', (size_t)(at - p));
        if (colon != NULL) {
            if (copy_bounded(url->user, sizeof(url->user), p, (size_t)(colon - p)) != 0 ||
                copy_bounded(url->password, sizeof(url->password), colon + 1,
                             (size_t)(at - colon - 1)) != 0)
                return URL_ERR_USER_TOO_LONG;
        } else if (copy_bounded(url->user, sizeof(url->user), p, (size_t)(at - p)) != 0) {
            return URL_ERR_USER_TOO_LONG;
        }
        url_percent_decode(url->user);
        url_percent_decode(url->password);
        p = at + 1;
    }

    /* host */
    if (*p == '[') {
        host_begin = p + 1;
        host_end = memchr(host_begin, ']', (size_t)(auth_end - host_begin));
        if (host_end == NULL)
            return URL_ERR_SYNTAX;
        for (const char *h = host_begin; h < host_end; h++) {
            if (!isxdigit((unsigned char)*h) && *h != ':' && *h != '.')
                return URL_ERR_SYNTAX;
        }
        url->is_ipv6 = 1;
        p = host_end + 1;
    } else {
        host_begin = p;
        while (p < auth_end && *p != ':') {
            if (!host_char_ok(*p))
                return URL_ERR_SYNTAX;
            p++;
        }
        host_end = p;
    }
    hlen = (size_t)(host_end - host_begin);
    if (hlen == 0)
        return URL_ERR_SYNTAX;
#if FW_REVISION >= 4
    /* BC25R01A04: leave room for the terminating NUL. */
    if (hlen >= sizeof(url->host))
        return URL_ERR_HOST_TOO_LONG;
#else
    if (hlen > sizeof(url->host))
        return URL_ERR_HOST_TOO_LONG;
#endif
    memcpy(url->host, host_begin, hlen);
    url->host[hlen] = '\0';

    /* optional port */
    if (p < auth_end && *p == ':') {
        char *end;
        unsigned long port;
        p++;
        if (!isdigit((unsigned char)*p))
            return URL_ERR_PORT;
        port = strtoul(p, &end, 10);
        if (end != auth_end || port == 0 || port > 65535ul)
            return URL_ERR_PORT;
        url->port = (uint16_t)port;
        p = end;
    }
    if (p != auth_end)
        return URL_ERR_SYNTAX;

    /* path and query */
    if (*p == '/') {
        size_t plen = strcspn(p, "?#");
        if (copy_bounded(url->path, sizeof(url->path), p, plen) != 0)
            return URL_ERR_PATH_TOO_LONG;
        p += plen;
    } else {
        strcpy(url->path, "/");
    }
    if (*p == '?') {
        size_t qlen = strcspn(p + 1, "#");
        if (copy_bounded(url->query, sizeof(url->query), p + 1, qlen) != 0)
            return URL_ERR_PATH_TOO_LONG;
    }
    return URL_OK;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)tolower((unsigned char)c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

int url_percent_decode(char *s)
{
    char *w = s;
    int n = 0;
    while (*s) {
        if (s[0] == '%' && s[1] && s[2] && hexval(s[1]) >= 0 && hexval(s[2]) >= 0) {
            *w++ = (char)(hexval(s[1]) * 16 + hexval(s[2]));
            s += 3;
            n++;
        } else {
            *w++ = *s++;
        }
    }
    *w = '\0';
    return n;
}

int url_percent_encode(const char *in, char *out, unsigned out_size)
{
    static const char hex[] = "0123456789ABCDEF";
    unsigned o = 0;
    for (; *in; in++) {
        unsigned char c = (unsigned char)*in;
        if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == ':') {
            if (o + 1 >= out_size)
                return -1;
            out[o++] = (char)c;
        } else {
            if (o + 3 >= out_size)
                return -1;
            out[o++] = '%';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 0x0F];
        }
    }
    if (o >= out_size)
        return -1;
    out[o] = '\0';
    return (int)o;
}

const char *url_strerror(int err)
{
    switch (err) {
    case URL_OK:                return "ok";
    case URL_ERR_SYNTAX:        return "malformed URL";
    case URL_ERR_SCHEME:        return "unsupported scheme";
    case URL_ERR_HOST_TOO_LONG: return "host name too long";
    case URL_ERR_PORT:          return "invalid port";
    case URL_ERR_PATH_TOO_LONG: return "path too long";
    case URL_ERR_USER_TOO_LONG: return "user info too long";
    default:                    return "unknown error";
    }
}
