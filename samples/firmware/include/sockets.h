/* sockets.h - AT socket service (AT+QIOPEN / QISEND / QIRD / QICLOSE / QISTATE) and SNTP */
#ifndef SOCKETS_H
#define SOCKETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* mailbox socket numbers */
#define SOCK_LWM2M        0u
#define SOCK_FOTA         1u
#define SOCK_NTP          2u
#define SOCK_USER_BASE    3u
#define SOCK_USER_COUNT   5u

/* DNS request identifiers */
#define DNS_ID_LWM2M      0x12A00u
#define DNS_ID_FOTA       0x0F07Au
#define DNS_ID_NTP        0x47700u
#define DNS_ID_USER_BASE  0x50C00u
#define DNS_ID_GIP        0x50CFFu

void sockets_init(void);
void sockets_on_rx(uint32_t sock, const uint8_t *data, size_t len);
void sockets_on_state(uint32_t sock, uint32_t state, uint32_t err);
void sockets_on_dns(uint32_t id, uint32_t ipv4);
bool sockets_parse_ipv4(const char *s, uint32_t *ip);
int  sockets_format_ipv4(char *buf, size_t size, uint32_t ip);

void sntp_init(void);
void sntp_on_rx(const uint8_t *data, size_t len);
void sntp_on_dns(uint32_t ipv4);

#endif
