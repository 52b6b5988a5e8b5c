/*
 * sockets.c - TCP/UDP socket service for the host (Quectel style AT+QI*
 * commands, data exchanged as hex strings) plus AT+QIDNSGIP.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "sockets.h"
#include "at.h"
#include "at_handlers.h"
#include "errcodes.h"
#include "log.h"
#include "mbox.h"
#include "nw.h"
#include "ringbuf.h"

#define SOCK_RX_BUF  1024u
#define SOCK_TX_MAX  512u

typedef enum { SS_CLOSED = 0, SS_RESOLVING, SS_OPENING, SS_OPEN, SS_CLOSING } sock_state_t;

typedef struct {
    sock_state_t state;
    bool         udp;
    char         host[64];
    uint16_t     remote_port;
    uint16_t     local_port;
    uint32_t     remote_ip;
    uint32_t     tx_total;
    uint32_t     rx_total;
    ringbuf_t    rx;
    uint8_t      rx_storage[SOCK_RX_BUF];
} at_socket_t;

static at_socket_t s_socks[SOCK_USER_COUNT];
static uint8_t s_tx[SOCK_TX_MAX];
static char s_gip_host[64];

static const char *const s_sock_state_names[] = { "closed", "resolving", "opening", "connected", "closing" };

bool sockets_parse_ipv4(const char *s, uint32_t *ip)
{
    unsigned a, b, c, d;
    char tail;
    if (sscanf(s, "%u.%u.%u.%u%c", &a, &b, &c, &d, &tail) != 4)
        return false;
    if (a > 255 || b > 255 || c > 255 || d > 255)
        return false;
    *ip = (a << 24) | (b << 16) | (c << 8) | d;
    return true;
}

int sockets_format_ipv4(char *buf, size_t size, uint32_t ip)
{
    return snprintf(buf, size, "%u.%u.%u.%u", (unsigned)(ip >> 24), (unsigned)((ip >> 16) & 0xFFu),
                    (unsigned)((ip >> 8) & 0xFFu), (unsigned)(ip & 0xFFu));
}

void sockets_init(void)
{
    memset(s_socks, 0, sizeof(s_socks));
    for (unsigned i = 0; i < SOCK_USER_COUNT; i++)
        rb_init(&s_socks[i].rx, s_socks[i].rx_storage, sizeof(s_socks[i].rx_storage));
}

static void open_now(unsigned id)
{
    at_socket_t *s = &s_socks[id];
    uint32_t args[5] = { SOCK_USER_BASE + id, s->udp ? 17u : 6u, s->remote_ip, s->remote_port, s->local_port };
    s->state = SS_OPENING;
    if (mbox_request(MBOX_REQ_SOCK_OPEN, args, 5) != 0) {
        s->state = SS_CLOSED;
        at_urc("+QIOPEN: %u,%d", id, 566);
    }
}

void sockets_on_dns(uint32_t id, uint32_t ipv4)
{
    char ip[16];

    if (id == DNS_ID_GIP) {
        if (ipv4 == 0) {
            at_urc("+QIURC: \"dnsgip\",565");
            return;
        }
        sockets_format_ipv4(ip, sizeof(ip), ipv4);
        at_urc("+QIURC: \"dnsgip\",0,1,600");
        at_urc("+QIURC: \"dnsgip\",\"%s\"", ip);
        LOGI("SOCK", "%s is %s", s_gip_host, ip);
        return;
    }
    id -= DNS_ID_USER_BASE;
    if (id >= SOCK_USER_COUNT || s_socks[id].state != SS_RESOLVING)
        return;
    if (ipv4 == 0) {
        s_socks[id].state = SS_CLOSED;
        at_urc("+QIOPEN: %lu,565", (unsigned long)id);
        return;
    }
    s_socks[id].remote_ip = ipv4;
    open_now((unsigned)id);
}

void sockets_on_state(uint32_t sock, uint32_t state, uint32_t err)
{
    unsigned id = (unsigned)(sock - SOCK_USER_BASE);
    at_socket_t *s;

    if (sock < SOCK_USER_BASE || id >= SOCK_USER_COUNT)
        return;
    s = &s_socks[id];
    if (s->state == SS_OPENING) {
        if (state == 1) {
            s->state = SS_OPEN;
            at_urc("+QIOPEN: %u,0", id);
        } else {
            s->state = SS_CLOSED;
            at_urc("+QIOPEN: %u,%lu", id, (unsigned long)(err ? err : 566u));
        }
    } else if (state == 0 && s->state != SS_CLOSED) {
        bool by_host = s->state == SS_CLOSING;
        s->state = SS_CLOSED;
        if (!by_host)
            at_urc("+QIURC: \"closed\",%u", id);
    }
}

void sockets_on_rx(uint32_t sock, const uint8_t *data, size_t len)
{
    unsigned id = (unsigned)(sock - SOCK_USER_BASE);
    at_socket_t *s;
    size_t stored;

    if (sock < SOCK_USER_BASE || id >= SOCK_USER_COUNT || s_socks[id].state != SS_OPEN)
        return;
    s = &s_socks[id];
    stored = rb_write(&s->rx, data, len);
    s->rx_total += (uint32_t)stored;
    if (stored < len)
        LOGW("SOCK", "socket %u: %u bytes dropped, rx buffer full", id, (unsigned)(len - stored));
    at_urc("+QIURC: \"recv\",%u,%u", id, (unsigned)stored);
}

/* AT+QIOPEN=<connectID>,"<TCP|UDP>","<host>",<remote port>[,<local port>] */
int at_h_qiopen(const at_args_t *a)
{
    long id, rport, lport = 0;
    const char *type, *host;
    at_socket_t *s;

    if (a->type == AT_CMD_TEST)
        return CME_OPERATION_NOT_SUPPORTED;
    if (a->type != AT_CMD_SET || a->argc < 4)
        return CME_INCORRECT_PARAMETERS;
    if (!at_arg_int(a, 0, 0, SOCK_USER_COUNT - 1, &id) || !at_arg_int(a, 3, 1, 65535, &rport) ||
        (a->argc > 4 && !at_arg_int(a, 4, 0, 65535, &lport)))
        return CME_INCORRECT_PARAMETERS;
    type = at_arg_str(a, 1);
    host = at_arg_str(a, 2);
    if (type == NULL || host == NULL || (strcasecmp(type, "TCP") && strcasecmp(type, "UDP")))
        return CME_INCORRECT_PARAMETERS;
    if (strlen(host) >= sizeof(s_socks[0].host))
        return CME_TEXT_TOO_LONG;
    s = &s_socks[id];
    if (s->state != SS_CLOSED)
        return CME_OPERATION_NOT_ALLOWED;
    if (!nw_is_registered())
        return CME_NO_NETWORK;

    strcpy(s->host, host);
    s->udp = strcasecmp(type, "UDP") == 0;
    s->remote_port = (uint16_t)rport;
    s->local_port = (uint16_t)lport;
    s->tx_total = s->rx_total = 0;
    rb_reset(&s->rx);
    if (sockets_parse_ipv4(host, &s->remote_ip)) {
        open_now((unsigned)id);
    } else {
        uint32_t args[2] = { DNS_ID_USER_BASE + (uint32_t)id, (uint32_t)(uintptr_t)s->host };
        s->state = SS_RESOLVING;
        if (mbox_request(MBOX_REQ_DNS_QUERY, args, 2) != 0) {
            s->state = SS_CLOSED;
            return CME_UNKNOWN;
        }
    }
    return AT_RES_OK;
}

int at_h_qiclose(const at_args_t *a)
{
    long id;
    if (a->type != AT_CMD_SET || !at_arg_int(a, 0, 0, SOCK_USER_COUNT - 1, &id))
        return a->type == AT_CMD_TEST ? CME_OPERATION_NOT_SUPPORTED : CME_INCORRECT_PARAMETERS;
    if (s_socks[id].state == SS_CLOSED)
        return AT_RES_OK;
    s_socks[id].state = SS_CLOSING;
    uint32_t args[1] = { SOCK_USER_BASE + (uint32_t)id };
    mbox_request(MBOX_REQ_SOCK_CLOSE, args, 1);
    return AT_RES_OK;
}

static int hexval(int c)
{
    if (isdigit(c))
        return c - '0';
    c = tolower(c);
    return (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
}

/* AT+QISEND=<connectID>,<length>,"<hex data>" */
int at_h_qisend(const at_args_t *a)
{
    long id, len;
    const char *hex;
    at_socket_t *s;

    if (a->type == AT_CMD_TEST)
        return CME_OPERATION_NOT_SUPPORTED;
    if (a->type != AT_CMD_SET || a->argc != 3 || !at_arg_int(a, 0, 0, SOCK_USER_COUNT - 1, &id) ||
        !at_arg_int(a, 1, 1, SOCK_TX_MAX, &len) || (hex = at_arg_str(a, 2)) == NULL)
        return CME_INCORRECT_PARAMETERS;
    if (strlen(hex) != (size_t)len * 2u)
        return CME_INCORRECT_PARAMETERS;
    s = &s_socks[id];
    if (s->state != SS_OPEN)
        return CME_OPERATION_NOT_ALLOWED;
    for (long i = 0; i < len; i++) {
        int hi = hexval((unsigned char)hex[2 * i]), lo = hexval((unsigned char)hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return CME_INVALID_CHARS;
        s_tx[i] = (uint8_t)((hi << 4) | lo);
    }
    uint32_t args[3] = { SOCK_USER_BASE + (uint32_t)id, (uint32_t)(uintptr_t)s_tx, (uint32_t)len };
    if (mbox_request(MBOX_REQ_SOCK_SEND, args, 3) != 0)
        return CME_UNKNOWN;
    s->tx_total += (uint32_t)len;
    at_resp("SEND OK");
    return AT_RES_OK;
}

/* AT+QIRD=<connectID>,<max length> -> +QIRD: <len>,"<hex>" */
int at_h_qird(const at_args_t *a)
{
    static const char digits[] = "0123456789ABCDEF";
    char hex[2 * 256 + 1];
    uint8_t data[256];
    long id, max;
    size_t n;

    if (a->type == AT_CMD_TEST)
        return CME_OPERATION_NOT_SUPPORTED;
    if (a->type != AT_CMD_SET || !at_arg_int(a, 0, 0, SOCK_USER_COUNT - 1, &id) ||
        !at_arg_int(a, 1, 1, 256, &max))
        return CME_INCORRECT_PARAMETERS;
    n = rb_read(&s_socks[id].rx, data, (size_t)max);
    for (size_t i = 0; i < n; i++) {
        hex[2 * i] = digits[data[i] >> 4];
        hex[2 * i + 1] = digits[data[i] & 0x0Fu];
    }
    hex[2 * n] = '\0';
    if (n)
        at_resp("+QIRD: %u,\"%s\"", (unsigned)n, hex);
    else
        at_resp("+QIRD: 0");
    return AT_RES_OK;
}

int at_h_qistate(const at_args_t *a)
{
    char ip[16];
    if (a->type != AT_CMD_EXEC && a->type != AT_CMD_READ)
        return a->type == AT_CMD_TEST ? AT_RES_OK : CME_OPERATION_NOT_SUPPORTED;
    for (unsigned i = 0; i < SOCK_USER_COUNT; i++) {
        const at_socket_t *s = &s_socks[i];
        if (s->state == SS_CLOSED)
            continue;
        sockets_format_ipv4(ip, sizeof(ip), s->remote_ip);
        at_resp("+QISTATE: %u,\"%s\",\"%s\",%u,%u,\"%s\",%lu,%lu,%u", i, s->udp ? "UDP" : "TCP", ip,
                (unsigned)s->remote_port, (unsigned)s->local_port, s_sock_state_names[s->state],
                (unsigned long)s->tx_total, (unsigned long)s->rx_total, (unsigned)rb_used(&s->rx));
    }
    return AT_RES_OK;
}

/* AT+QIDNSGIP="<host>" */
int at_h_qidnsgip(const at_args_t *a)
{
    const char *host;
    if (a->type != AT_CMD_SET || (host = at_arg_str(a, 0)) == NULL)
        return a->type == AT_CMD_TEST ? CME_OPERATION_NOT_SUPPORTED : CME_INCORRECT_PARAMETERS;
    if (strlen(host) >= sizeof(s_gip_host))
        return CME_TEXT_TOO_LONG;
    if (!nw_is_registered())
        return CME_NO_NETWORK;
    strcpy(s_gip_host, host);
    uint32_t args[2] = { DNS_ID_GIP, (uint32_t)(uintptr_t)s_gip_host };
    return mbox_request(MBOX_REQ_DNS_QUERY, args, 2) == 0 ? AT_RES_OK : CME_UNKNOWN;
}
