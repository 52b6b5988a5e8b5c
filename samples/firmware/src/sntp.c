/*
 * sntp.c - SNTPv4 client (RFC 4330) behind AT+QNTP.
 *
 * One request is sent; the reply gives the four timestamps T1..T4 and the
 * clock offset ((T2 - T1) + (T3 - T4)) / 2 and round trip delay
 * (T4 - T1) - (T3 - T2) are computed in double precision.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "sockets.h"
#include "at.h"
#include "at_handlers.h"
#include "board.h"
#include "errcodes.h"
#include "log.h"
#include "mbox.h"
#include "nw.h"
#include "timeutil.h"

#define NTP_PORT            123u
#define NTP_UNIX_OFFSET     2208988800ul      /* 1900-01-01 -> 1970-01-01 */
#define NTP_PACKET_LEN      48u
#define NTP_TIMEOUT_MS      10000u

typedef struct {
    char      server[64];
    uint16_t  port;
    bool      busy;
    uint8_t   pkt[NTP_PACKET_LEN];
    double    t1;
    uint32_t  t1_ms;
    swtimer_t timeout;
} sntp_ctx_t;

static sntp_ctx_t s_ntp;

static uint32_t get_be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* NTP 64-bit timestamp -> seconds since the Unix epoch */
static double ntp_to_unix(const uint8_t *p)
{
    uint32_t sec = get_be32(p);
    uint32_t frac = get_be32(p + 4);
    return (double)sec - (double)NTP_UNIX_OFFSET + ldexp((double)frac, -32);
}

static double now_unix(void)
{
    return (double)time_utc() + (board_millis() % 1000u) / 1000.0;
}

static void finish(int err)
{
    uint32_t args[1] = { SOCK_NTP };
    swtimer_stop(&s_ntp.timeout);
    mbox_request(MBOX_REQ_SOCK_CLOSE, args, 1);
    s_ntp.busy = false;
    if (err) {
        at_urc("+QNTP: %d", err);
    } else {
        char cclk[32];
        time_format_cclk(cclk, sizeof(cclk));
        at_urc("+QNTP: 0,\"%s\"", cclk);
    }
}

static void timeout_cb(void *arg)
{
    (void)arg;
    LOGW("NTP", "no answer from %s", s_ntp.server);
    finish(569);
}

static void send_request(uint32_t ipv4)
{
    double t1 = now_unix();
    double ip;
    double fp = modf(t1, &ip);
    uint32_t args[4] = { SOCK_NTP, 17u, ipv4, s_ntp.port };

    if (mbox_request(MBOX_REQ_SOCK_OPEN, args, 4) != 0) {
        finish(566);
        return;
    }
    memset(s_ntp.pkt, 0, sizeof(s_ntp.pkt));
    s_ntp.pkt[0] = (0u << 6) | (4u << 3) | 3u;     /* LI 0, VN 4, client */
    s_ntp.pkt[2] = 6;                             /* poll 64 s */
    s_ntp.pkt[3] = (uint8_t)(int8_t)-20;          /* precision ~1 us */
    put_be32(&s_ntp.pkt[40], (uint32_t)((uint32_t)ip + NTP_UNIX_OFFSET));
    put_be32(&s_ntp.pkt[44], (uint32_t)ldexp(fp, 32));
    s_ntp.t1 = t1;
    s_ntp.t1_ms = board_millis();

    uint32_t send[3] = { SOCK_NTP, (uint32_t)(uintptr_t)s_ntp.pkt, NTP_PACKET_LEN };
    if (mbox_request(MBOX_REQ_SOCK_SEND, send, 3) != 0)
        finish(566);
}

void sntp_on_dns(uint32_t ipv4)
{
    if (!s_ntp.busy)
        return;
    if (ipv4 == 0) {
        finish(565);
        return;
    }
    send_request(ipv4);
}

void sntp_on_rx(const uint8_t *data, size_t len)
{
    double t2, t3, t4, offset, delay;
    unsigned mode, stratum;

    if (!s_ntp.busy || len < NTP_PACKET_LEN)
        return;
    mode = data[0] & 7u;
    stratum = data[1];
    if (mode != 4 || stratum == 0 || stratum > 15) {
        LOGW("NTP", "bad reply: mode %u stratum %u (kiss code %.4s)", mode, stratum, (const char *)&data[12]);
        finish(568);
        return;
    }
    /* originate timestamp must echo our transmit timestamp */
    if (memcmp(&data[24], &s_ntp.pkt[40], 8) != 0) {
        LOGW("NTP", "reply does not match request");
        return;
    }
    t2 = ntp_to_unix(&data[32]);
    t3 = ntp_to_unix(&data[40]);
    t4 = s_ntp.t1 + (board_millis() - s_ntp.t1_ms) / 1000.0;
    offset = ((t2 - s_ntp.t1) + (t3 - t4)) / 2.0;
    delay = (t4 - s_ntp.t1) - (t3 - t2);
    LOGI("NTP", "stratum %u, offset %+.3f ms, delay %.3f ms", stratum, offset * 1000.0, delay * 1000.0);
    if (fabs(offset) >= 0.5)
        time_set_utc((time_t)llround(t4 + offset), time_tz_qh(), time_dst(), true);
    finish(0);
}

void sntp_init(void)
{
    memset(&s_ntp, 0, sizeof(s_ntp));
    swtimer_init(&s_ntp.timeout, "ntp", timeout_cb, NULL);
}

/* AT+QNTP="<server>"[,<port>] */
int at_h_qntp(const at_args_t *a)
{
    const char *server;
    long port = NTP_PORT;
    uint32_t ip;

    if (a->type == AT_CMD_TEST)
        return CME_OPERATION_NOT_SUPPORTED;
    if (a->type != AT_CMD_SET || (server = at_arg_str(a, 0)) == NULL ||
        (a->argc > 1 && !at_arg_int(a, 1, 1, 65535, &port)))
        return CME_INCORRECT_PARAMETERS;
    if (strlen(server) >= sizeof(s_ntp.server))
        return CME_TEXT_TOO_LONG;
    if (s_ntp.busy)
        return CME_OPERATION_NOT_ALLOWED;
    if (!nw_is_registered())
        return CME_NO_NETWORK;
    strcpy(s_ntp.server, server);
    s_ntp.port = (uint16_t)port;
    s_ntp.busy = true;
    swtimer_start(&s_ntp.timeout, NTP_TIMEOUT_MS, 0);
    if (sockets_parse_ipv4(server, &ip)) {
        send_request(ip);
    } else {
        uint32_t args[2] = { DNS_ID_NTP, (uint32_t)(uintptr_t)s_ntp.server };
        if (mbox_request(MBOX_REQ_DNS_QUERY, args, 2) != 0) {
            s_ntp.busy = false;
            swtimer_stop(&s_ntp.timeout);
            return CME_UNKNOWN;
        }
    }
    return AT_RES_OK;
}
