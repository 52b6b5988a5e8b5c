/* lwm2m.h - OMA LwM2M 1.0 client (registration, objects 0/1/3/4/5/19) */
#ifndef LWM2M_H
#define LWM2M_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    LWM2M_ST_IDLE = 0,
    LWM2M_ST_WAIT_NETWORK,
    LWM2M_ST_RESOLVING,
    LWM2M_ST_REGISTERING,
    LWM2M_ST_REGISTERED,
    LWM2M_ST_UPDATING,
    LWM2M_ST_DEREGISTERING,
    LWM2M_ST_FAILED,
} lwm2m_state_t;

typedef struct {
    char     server[64];
    uint16_t port;
    char     endpoint[48];
    uint32_t lifetime_s;
    uint8_t  binding;       /* 0 = U, 1 = UQ */
    uint8_t  security;      /* 0 = NoSec, 1 = PSK */
    char     psk_id[32];
    uint8_t  psk[32];
    uint8_t  psk_len;
} lwm2m_config_t;

void lwm2m_init(void);
void lwm2m_poll(void);
int  lwm2m_set_server(const char *host, uint16_t port);
int  lwm2m_configure(const char *endpoint, uint32_t lifetime_s, uint8_t binding);
int  lwm2m_set_psk(const char *identity, const char *psk_hex);
const lwm2m_config_t *lwm2m_get_config(void);
int  lwm2m_register(void);
int  lwm2m_deregister(void);
int  lwm2m_update(bool with_objects);
lwm2m_state_t lwm2m_state(void);
const char *lwm2m_state_name(lwm2m_state_t st);
const char *lwm2m_location(void);
uint32_t lwm2m_next_update_s(void);
void lwm2m_on_rx(const uint8_t *data, size_t len);
void lwm2m_on_dns(uint32_t ipv4);
int  lwm2m_build_object_links(char *buf, size_t size);
int  lwm2m_device_json(char *buf, size_t size);
size_t lwm2m_tlv_encode_int(uint8_t *out, size_t size, uint16_t id, int32_t value);
size_t lwm2m_tlv_encode_string(uint8_t *out, size_t size, uint16_t id, const char *s);

#endif
