/* coap.h - RFC 7252 CoAP message builder and parser */
#ifndef COAP_H
#define COAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define COAP_VERSION 1u
#define COAP_MAX_OPTIONS 16u
#define COAP_TOKEN_MAX 8u

typedef enum { COAP_TYPE_CON = 0, COAP_TYPE_NON = 1, COAP_TYPE_ACK = 2, COAP_TYPE_RST = 3 } coap_type_t;

#define COAP_CODE(c, d) ((uint8_t)(((c) << 5) | (d)))
enum {
    COAP_GET = COAP_CODE(0, 1), COAP_POST = COAP_CODE(0, 2),
    COAP_PUT = COAP_CODE(0, 3), COAP_DELETE = COAP_CODE(0, 4),
    COAP_CREATED = COAP_CODE(2, 1), COAP_DELETED = COAP_CODE(2, 2),
    COAP_VALID = COAP_CODE(2, 3), COAP_CHANGED = COAP_CODE(2, 4),
    COAP_CONTENT = COAP_CODE(2, 5), COAP_CONTINUE = COAP_CODE(2, 31),
    COAP_BAD_REQUEST = COAP_CODE(4, 0), COAP_UNAUTHORIZED = COAP_CODE(4, 1),
    COAP_FORBIDDEN = COAP_CODE(4, 3), COAP_NOT_FOUND = COAP_CODE(4, 4),
    COAP_METHOD_NOT_ALLOWED = COAP_CODE(4, 5), COAP_NOT_ACCEPTABLE = COAP_CODE(4, 6),
    COAP_INTERNAL_ERROR = COAP_CODE(5, 0), COAP_SERVICE_UNAVAILABLE = COAP_CODE(5, 3),
};

enum {
    COAP_OPT_IF_MATCH = 1, COAP_OPT_URI_HOST = 3, COAP_OPT_ETAG = 4,
    COAP_OPT_IF_NONE_MATCH = 5, COAP_OPT_OBSERVE = 6, COAP_OPT_URI_PORT = 7,
    COAP_OPT_LOCATION_PATH = 8, COAP_OPT_URI_PATH = 11, COAP_OPT_CONTENT_FORMAT = 12,
    COAP_OPT_MAX_AGE = 14, COAP_OPT_URI_QUERY = 15, COAP_OPT_ACCEPT = 17,
    COAP_OPT_LOCATION_QUERY = 20, COAP_OPT_BLOCK2 = 23, COAP_OPT_BLOCK1 = 27,
    COAP_OPT_SIZE2 = 28, COAP_OPT_PROXY_URI = 35, COAP_OPT_SIZE1 = 60,
};

enum {
    COAP_CF_TEXT = 0, COAP_CF_LINK_FORMAT = 40, COAP_CF_OCTET = 42,
    COAP_CF_JSON = 50, COAP_CF_CBOR = 60, COAP_CF_SENML_JSON = 110,
    COAP_CF_LWM2M_TLV = 11542, COAP_CF_LWM2M_JSON = 11543,
};

typedef struct {
    uint16_t       number;
    uint16_t       len;
    const uint8_t *value;
} coap_option_t;

typedef struct {
    uint8_t        type;
    uint8_t        code;
    uint16_t       mid;
    uint8_t        token_len;
    uint8_t        token[COAP_TOKEN_MAX];
    unsigned       opt_count;
    coap_option_t  opts[COAP_MAX_OPTIONS];
    const uint8_t *payload;
    size_t         payload_len;
} coap_msg_t;

typedef struct {
    uint8_t *buf;
    size_t   size;
    size_t   len;
    uint16_t last_opt;
    bool     error;
} coap_builder_t;

void coap_build_init(coap_builder_t *b, uint8_t *buf, size_t size, coap_type_t type,
                     uint8_t code, uint16_t mid, const uint8_t *token, uint8_t tkl);
void coap_add_option(coap_builder_t *b, uint16_t number, const void *value, size_t len);
void coap_add_option_uint(coap_builder_t *b, uint16_t number, uint32_t value);
void coap_add_uri_path(coap_builder_t *b, const char *path);
void coap_add_uri_query(coap_builder_t *b, const char *query);
void coap_set_payload(coap_builder_t *b, const void *payload, size_t len);
int  coap_build_finish(coap_builder_t *b);
int  coap_parse(const uint8_t *buf, size_t len, coap_msg_t *msg);
const coap_option_t *coap_find_option(const coap_msg_t *m, uint16_t number, unsigned nth);
uint32_t coap_option_uint(const coap_option_t *o);
uint32_t coap_block_encode(uint32_t num, bool more, unsigned szx);
void coap_block_decode(uint32_t v, uint32_t *num, bool *more, unsigned *szx);
int  coap_format_code(uint8_t code, char *buf, size_t size);

#endif
