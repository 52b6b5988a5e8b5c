/* url.h - URL parser used by the FOTA and LwM2M paths */
#ifndef URL_H
#define URL_H

#include <stdint.h>

#define URL_SCHEME_MAX 8u
#define URL_HOST_MAX   64u
#define URL_PATH_MAX   128u
#define URL_USER_MAX   32u

typedef enum {
    URL_OK = 0,
    URL_ERR_SYNTAX = -1,
    URL_ERR_SCHEME = -2,
    URL_ERR_HOST_TOO_LONG = -3,
    URL_ERR_PORT = -4,
    URL_ERR_PATH_TOO_LONG = -5,
    URL_ERR_USER_TOO_LONG = -6,
} url_err_t;

typedef struct {
    char     scheme[URL_SCHEME_MAX];
    char     user[URL_USER_MAX];
    char     password[URL_USER_MAX];
    char     host[URL_HOST_MAX];
    uint16_t port;
    char     path[URL_PATH_MAX];
    char     query[URL_PATH_MAX];
    uint8_t  is_ipv6;
} url_t;

int         url_parse(const char *text, url_t *url);
uint16_t    url_default_port(const char *scheme);
int         url_percent_decode(char *s);
int         url_percent_encode(const char *in, char *out, unsigned out_size);
const char *url_strerror(int err);

#endif
