/*
 * lwm2m.c - OMA LwM2M 1.0 client over CoAP/UDP.
 *
 * Objects: 0 Security, 1 Server, 3 Device, 4 Connectivity Monitoring,
 * 5 Firmware Update, 19 BinaryAppDataContainer.  Registration, update and
 * de-registration are confirmable CoAP requests with RFC 7252 exponential
 * back-off; reads of /3/0 and /4/0 are answered in LwM2M JSON or TLV.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "lwm2m.h"
#include "at.h"
#include "board.h"
#include "coap.h"
#include "errcodes.h"
#include "fota.h"
#include "fw_config.h"
#include "json.h"
#include "log.h"
#include "mbox.h"
#include "nvcfg.h"
#include "nw.h"
#include "sha256.h"
#include "sockets.h"
#include "timeutil.h"
#include "url.h"

#define LWM2M_SOCKET          SOCK_LWM2M
#define COAP_ACK_TIMEOUT_MS   2000u
#define COAP_ACK_RANDOM_PCT   150u
#define COAP_MAX_RETRANSMIT   4u
#define LWM2M_TX_MAX          512u
#define LWM2M_UPDATE_MARGIN   0.9    /* send the update at 90 % of the lifetime */

typedef enum { REQ_NONE, REQ_REGISTER, REQ_UPDATE, REQ_DEREGISTER } req_kind_t;

typedef struct {
    lwm2m_state_t state;
    lwm2m_config_t cfg;
    uint32_t  server_ip;
    uint16_t  next_mid;
    uint8_t   token[4];
    req_kind_t pending;
    uint8_t   retransmits;
    uint8_t   tx[LWM2M_TX_MAX];
    size_t    tx_len;
    char      location[24];
    uint32_t  registered_at_s;
    bool      update_objects;
    swtimer_t retx_timer;
    swtimer_t update_timer;
    uint32_t  dns_id;
} lwm2m_ctx_t;

static lwm2m_ctx_t s_lw;

static const char *const s_state_names[] = {
    "IDLE", "WAIT_NETWORK", "RESOLVING", "REGISTERING", "REGISTERED",
    "UPDATING", "DEREGISTERING", "FAILED",
};

const char *lwm2m_state_name(lwm2m_state_t st)
{
    return (unsigned)st < sizeof(s_state_names) / sizeof(s_state_names[0]) ? s_state_names[st] : "?";
}

static void set_state(lwm2m_state_t st)
{
    if (st != s_lw.state) {
        LOGI("LWM2M", "%s -> %s", lwm2m_state_name(s_lw.state), lwm2m_state_name(st));
        s_lw.state = st;
    }
}

/* ---- TLV (OMA-TS-LightweightM2M 6.4.3) ---------------------------------- */

static size_t tlv_header(uint8_t *out, size_t size, uint8_t type, uint16_t id, size_t len)
{
    size_t n = 0;
    uint8_t t = (uint8_t)(type << 6);
    if (size < 6)
        return 0;
    if (id > 0xFF)
        t |= 0x20;
    if (len < 8)
        t |= (uint8_t)len;
    else if (len <= 0xFF)
        t |= 0x08;
    else if (len <= 0xFFFF)
        t |= 0x10;
    else
        t |= 0x18;
    out[n++] = t;
    if (id > 0xFF)
        out[n++] = (uint8_t)(id >> 8);
    out[n++] = (uint8_t)id;
    if (len >= 8) {
        if (len > 0xFFFF)
            out[n++] = (uint8_t)(len >> 16);
        if (len > 0xFF)
            out[n++] = (uint8_t)(len >> 8);
        out[n++] = (uint8_t)len;
    }
    return n;
}

size_t lwm2m_tlv_encode_int(uint8_t *out, size_t size, uint16_t id, int32_t value)
{
    uint8_t be[4];
    size_t len;
    if (value >= -128 && value <= 127)
        len = 1;
    else if (value >= -32768 && value <= 32767)
        len = 2;
    else
        len = 4;
    for (size_t i = 0; i < len; i++)
        be[i] = (uint8_t)((uint32_t)value >> (8 * (len - 1 - i)));
    size_t h = tlv_header(out, size, 3, id, len);
    if (h == 0 || h + len > size)
        return 0;
    memcpy(out + h, be, len);
    return h + len;
}

size_t lwm2m_tlv_encode_string(uint8_t *out, size_t size, uint16_t id, const char *s)
{
    size_t len = strlen(s);
    size_t h = tlv_header(out, size, 3, id, len);
    if (h == 0 || h + len > size)
        return 0;
    memcpy(out + h, s, len);
    return h + len;
}

/* ---- object model ------------------------------------------------------------ */

int lwm2m_build_object_links(char *buf, size_t size)
{
    return snprintf(buf, size,
                    "</>;rt=\"oma.lwm2m\";ct=%u,</1/0>,</3/0>,</4/0>,</5/0>,</19/0>,</19/1>",
                    (unsigned)COAP_CF_LWM2M_JSON);
}

static int battery_level(void)
{
    int pct = (board_vbat_mv() - 3000) * 100 / 600;
    return pct < 0 ? 0 : (pct > 100 ? 100 : pct);
}

int lwm2m_device_json(char *buf, size_t size)
{
    json_writer_t w;
    char sn[20];
    char tz[16];
    int q = time_tz_qh();
    int aq = q < 0 ? -q : q;

    board_read_sn(sn);
    snprintf(tz, sizeof(tz), "%c%02d:%02d", q < 0 ? '-' : '+', aq / 4, (aq % 4) * 15);

    json_init(&w, buf, size);
    json_object_begin(&w);
    json_kv_string(&w, "bn", "/3/0/");
    json_key(&w, "e");
    json_array_begin(&w);

    json_object_begin(&w); json_kv_string(&w, "n", "0"); json_kv_string(&w, "sv", FW_MANUFACTURER); json_object_end(&w);
    json_object_begin(&w); json_kv_string(&w, "n", "1"); json_kv_string(&w, "sv", FW_MODEL); json_object_end(&w);
    json_object_begin(&w); json_kv_string(&w, "n", "2"); json_kv_string(&w, "sv", sn); json_object_end(&w);
    json_object_begin(&w); json_kv_string(&w, "n", "3"); json_kv_string(&w, "sv", g_fw_version); json_object_end(&w);
    json_object_begin(&w); json_kv_string(&w, "n", "6/0"); json_kv_int(&w, "v", 1); json_object_end(&w);
    json_object_begin(&w); json_kv_string(&w, "n", "7/0"); json_kv_int(&w, "v", board_vbat_mv()); json_object_end(&w);
    json_object_begin(&w); json_kv_string(&w, "n", "9"); json_kv_int(&w, "v", battery_level()); json_object_end(&w);
    json_object_begin(&w); json_kv_string(&w, "n", "11/0"); json_kv_int(&w, "v", 0); json_object_end(&w);
    json_object_begin(&w); json_kv_string(&w, "n", "13"); json_kv_int(&w, "v", (long)time_utc()); json_object_end(&w);
    json_object_begin(&w); json_kv_string(&w, "n", "14"); json_kv_string(&w, "sv", tz); json_object_end(&w);
    json_object_begin(&w); json_kv_string(&w, "n", "16"); json_kv_string(&w, "sv", "UQ"); json_object_end(&w);
    json_object_begin(&w); json_kv_string(&w, "n", "18"); json_kv_string(&w, "sv", "V1.0"); json_object_end(&w);
    json_object_begin(&w); json_kv_string(&w, "n", "19"); json_kv_string(&w, "sv", g_fw_version); json_object_end(&w);
    json_object_begin(&w); json_kv_string(&w, "n", "20"); json_kv_int(&w, "v", 0); json_object_end(&w);

    json_array_end(&w);
    json_object_end(&w);
    return json_finish(&w);
}

static int connectivity_json(char *buf, size_t size)
{
    json_writer_t w;
    const nw_serving_cell_t *c = nw_serving();
    uint32_t ip = nw_get_ipv4();
    uint16_t mcc, mnc;
    uint8_t digits;
    char ipbuf[16];

    nw_plmn(&mcc, &mnc, &digits);
    snprintf(ipbuf, sizeof(ipbuf), "%lu.%lu.%lu.%lu", (unsigned long)(ip >> 24),
             (unsigned long)((ip >> 16) & 0xFFu), (unsigned long)((ip >> 8) & 0xFFu), (unsigned long)(ip & 0xFFu));
    json_init(&w, buf, size);
    json_object_begin(&w);
    json_kv_string(&w, "bn", "/4/0/");
    json_key(&w, "e");
    json_array_begin(&w);
    json_object_begin(&w); json_kv_string(&w, "n", "0"); json_kv_int(&w, "v", 7); json_object_end(&w);  /* NB-IoT */
    json_object_begin(&w); json_kv_string(&w, "n", "1/0"); json_kv_int(&w, "v", 7); json_object_end(&w);
    json_object_begin(&w); json_kv_string(&w, "n", "2"); json_kv_double(&w, "v", c->rsrp_dbm10 / 10.0, 4); json_object_end(&w);
    json_object_begin(&w); json_kv_string(&w, "n", "3"); json_kv_double(&w, "v", c->sinr_db10 / 10.0, 4); json_object_end(&w);
    json_object_begin(&w); json_kv_string(&w, "n", "4/0"); json_kv_string(&w, "sv", ipbuf); json_object_end(&w);
    json_object_begin(&w); json_kv_string(&w, "n", "8"); json_kv_int(&w, "v", (long)c->cell_id); json_object_end(&w);
    json_object_begin(&w); json_kv_string(&w, "n", "9"); json_kv_int(&w, "v", mnc); json_object_end(&w);
    json_object_begin(&w); json_kv_string(&w, "n", "10"); json_kv_int(&w, "v", mcc); json_object_end(&w);
    json_array_end(&w);
    json_object_end(&w);
    return json_finish(&w);
}

/* ---- CoAP transport ------------------------------------------------------------ */

static uint16_t new_mid(void)
{
    return s_lw.next_mid++;
}

static void new_token(void)
{
    uint32_t r = board_random();
    memcpy(s_lw.token, &r, sizeof(s_lw.token));
}

static int udp_send(const uint8_t *data, size_t len)
{
    uint32_t args[3] = { LWM2M_SOCKET, (uint32_t)(uintptr_t)data, (uint32_t)len };
    return mbox_request(MBOX_REQ_SOCK_SEND, args, 3);
}

static uint32_t ack_timeout_ms(unsigned attempt)
{
    /* ACK_TIMEOUT * (1 .. ACK_RANDOM_FACTOR), doubled for every retransmission */
    uint32_t base = COAP_ACK_TIMEOUT_MS + (board_random() % (COAP_ACK_TIMEOUT_MS * (COAP_ACK_RANDOM_PCT - 100u) / 100u));
    return base << attempt;
}

static int send_request(req_kind_t kind)
{
    coap_builder_t b;
    char query[96];
    char links[160];
    char ep[48];
    int n;

    new_token();
    switch (kind) {
    case REQ_REGISTER:
        coap_build_init(&b, s_lw.tx, sizeof(s_lw.tx), COAP_TYPE_CON, COAP_POST, new_mid(), s_lw.token, 4);
        coap_add_uri_path(&b, "rd");
        coap_add_option_uint(&b, COAP_OPT_CONTENT_FORMAT, COAP_CF_LINK_FORMAT);
        if (url_percent_encode(s_lw.cfg.endpoint, ep, sizeof(ep)) < 0)
            return -1;
        snprintf(query, sizeof(query), "ep=%s&lt=%lu&lwm2m=1.0&b=%s", ep, (unsigned long)s_lw.cfg.lifetime_s,
                 s_lw.cfg.binding ? "UQ" : "U");
        coap_add_uri_query(&b, query);
        n = lwm2m_build_object_links(links, sizeof(links));
        if (n < 0 || (size_t)n >= sizeof(links))
            return -1;
        coap_set_payload(&b, links, (size_t)n);
        break;
    case REQ_UPDATE:
        coap_build_init(&b, s_lw.tx, sizeof(s_lw.tx), COAP_TYPE_CON, COAP_POST, new_mid(), s_lw.token, 4);
        coap_add_uri_path(&b, s_lw.location);
        if (s_lw.update_objects)
            coap_add_option_uint(&b, COAP_OPT_CONTENT_FORMAT, COAP_CF_LINK_FORMAT);
        snprintf(query, sizeof(query), "lt=%lu", (unsigned long)s_lw.cfg.lifetime_s);
        coap_add_uri_query(&b, query);
        if (s_lw.update_objects) {
            n = lwm2m_build_object_links(links, sizeof(links));
            if (n > 0 && (size_t)n < sizeof(links))
                coap_set_payload(&b, links, (size_t)n);
        }
        break;
    case REQ_DEREGISTER:
        coap_build_init(&b, s_lw.tx, sizeof(s_lw.tx), COAP_TYPE_CON, COAP_DELETE, new_mid(), s_lw.token, 4);
        coap_add_uri_path(&b, s_lw.location);
        break;
    default:
        return -1;
    }
    n = coap_build_finish(&b);
    if (n < 0) {
        LOGE("LWM2M", "request does not fit in %u bytes", (unsigned)sizeof(s_lw.tx));
        return -1;
    }
    s_lw.tx_len = (size_t)n;
    s_lw.pending = kind;
    s_lw.retransmits = 0;
    swtimer_start(&s_lw.retx_timer, ack_timeout_ms(0), 0);
    log_hexdump(LOG_TRACE, "LWM2M", "CoAP tx", s_lw.tx, s_lw.tx_len);
    return udp_send(s_lw.tx, s_lw.tx_len);
}

static void retx_cb(void *arg)
{
    (void)arg;
    if (s_lw.pending == REQ_NONE)
        return;
    if (++s_lw.retransmits > COAP_MAX_RETRANSMIT) {
        LOGW("LWM2M", "no response after %u retransmissions", (unsigned)COAP_MAX_RETRANSMIT);
        if (s_lw.pending == REQ_DEREGISTER) {
            set_state(LWM2M_ST_IDLE);
        } else {
            set_state(LWM2M_ST_FAILED);
            at_urc("+QLWEVTIND: 1");
        }
        s_lw.pending = REQ_NONE;
        return;
    }
    LOGD("LWM2M", "retransmission %u", (unsigned)s_lw.retransmits);
    swtimer_start(&s_lw.retx_timer, ack_timeout_ms(s_lw.retransmits), 0);
    udp_send(s_lw.tx, s_lw.tx_len);
}

static void update_cb(void *arg)
{
    (void)arg;
    if (s_lw.state == LWM2M_ST_REGISTERED)
        lwm2m_update(false);
}

static void schedule_update(void)
{
    double due = s_lw.cfg.lifetime_s * LWM2M_UPDATE_MARGIN;
    if (due < 30.0)
        due = 30.0;
    swtimer_start(&s_lw.update_timer, (uint32_t)(due * 1000.0), 0);
}

/* ---- server requests ----------------------------------------------------------- */

static void send_response(const coap_msg_t *req, uint8_t code, uint16_t cf, const void *payload, size_t len)
{
    uint8_t out[LWM2M_TX_MAX];
    coap_builder_t b;
    int n;

    coap_build_init(&b, out, sizeof(out), req->type == COAP_TYPE_CON ? COAP_TYPE_ACK : COAP_TYPE_NON,
                    code, req->type == COAP_TYPE_CON ? req->mid : new_mid(), req->token, req->token_len);
    if (payload && len)
        coap_add_option_uint(&b, COAP_OPT_CONTENT_FORMAT, cf);
    coap_set_payload(&b, payload, len);
    n = coap_build_finish(&b);
    if (n > 0)
        udp_send(out, (size_t)n);
}

static int path_of(const coap_msg_t *m, int ids[4])
{
    int count = 0;
    const coap_option_t *o;
    while (count < 4 && (o = coap_find_option(m, COAP_OPT_URI_PATH, (unsigned)count)) != NULL) {
        char seg[8];
        size_t n = o->len < sizeof(seg) - 1 ? o->len : sizeof(seg) - 1;
        memcpy(seg, o->value, n);
        seg[n] = '\0';
        ids[count++] = atoi(seg);
    }
    return count;
}

static void handle_server_request(const coap_msg_t *m)
{
    char body[LWM2M_TX_MAX - 32];
    int ids[4] = { -1, -1, -1, -1 };
    int depth = path_of(m, ids);
    int n;

    LOGI("LWM2M", "server %s /%d/%d/%d", coap_code_str(m->code), ids[0], ids[1], ids[2]);
    if (m->code == COAP_GET) {
        if (depth >= 2 && ids[0] == 3 && ids[1] == 0) {
            if (depth == 3) {
                uint8_t tlv[64];
                size_t tl = 0;
                switch (ids[2]) {
                case 0: tl = lwm2m_tlv_encode_string(tlv, sizeof(tlv), 0, FW_MANUFACTURER); break;
                case 1: tl = lwm2m_tlv_encode_string(tlv, sizeof(tlv), 1, FW_MODEL); break;
                case 3: tl = lwm2m_tlv_encode_string(tlv, sizeof(tlv), 3, g_fw_version); break;
                case 9: tl = lwm2m_tlv_encode_int(tlv, sizeof(tlv), 9, battery_level()); break;
                case 13: tl = lwm2m_tlv_encode_int(tlv, sizeof(tlv), 13, (int32_t)time_utc()); break;
                default: break;
                }
                if (tl == 0)
                    send_response(m, COAP_NOT_FOUND, 0, NULL, 0);
                else
                    send_response(m, COAP_CONTENT, COAP_CF_LWM2M_TLV, tlv, tl);
                return;
            }
            n = lwm2m_device_json(body, sizeof(body));
        } else if (depth >= 2 && ids[0] == 4 && ids[1] == 0) {
            n = connectivity_json(body, sizeof(body));
        } else if (depth >= 3 && ids[0] == 5 && ids[1] == 0 && ids[2] == 3) {
            uint8_t tlv[8];
            size_t tl = lwm2m_tlv_encode_int(tlv, sizeof(tlv), 3, (int32_t)fota_state());
            send_response(m, COAP_CONTENT, COAP_CF_LWM2M_TLV, tlv, tl);
            return;
        } else {
            send_response(m, COAP_NOT_FOUND, 0, NULL, 0);
            return;
        }
        if (n < 0)
            send_response(m, COAP_INTERNAL_ERROR, 0, NULL, 0);
        else
            send_response(m, COAP_CONTENT, COAP_CF_LWM2M_JSON, body, (size_t)n);
        return;
    }
    if (m->code == COAP_PUT && depth == 3 && ids[0] == 5 && ids[1] == 0 && ids[2] == 1) {
        /* Firmware Update: Package URI -> start the HTTP download */
        char uri[256];
        size_t len = m->payload_len < sizeof(uri) - 1 ? m->payload_len : sizeof(uri) - 1;
        memcpy(uri, m->payload, len);
        uri[len] = '\0';
        send_response(m, fota_start(uri, NULL) == 0 ? COAP_CHANGED : COAP_BAD_REQUEST, 0, NULL, 0);
        return;
    }
    if (m->code == COAP_POST && depth == 3 && ids[0] == 5 && ids[1] == 0 && ids[2] == 2) {
        /* Firmware Update: Update (execute) */
        if (fota_state() != FOTA_ST_READY) {
            send_response(m, COAP_METHOD_NOT_ALLOWED, 0, NULL, 0);
            return;
        }
        send_response(m, COAP_CHANGED, 0, NULL, 0);
        at_urc("+QLWEVTIND: 5");
        return;
    }
    send_response(m, COAP_METHOD_NOT_ALLOWED, 0, NULL, 0);
}

void lwm2m_on_rx(const uint8_t *data, size_t len)
{
    coap_msg_t m;
    char code[8];

    if (coap_parse(data, len, &m) != 0) {
        LOGW("LWM2M", "malformed CoAP message (%u bytes)", (unsigned)len);
        return;
    }
    coap_format_code(m.code, code, sizeof(code));
    LOGD("LWM2M", "rx type %u code %s mid %u", (unsigned)m.type, code, (unsigned)m.mid);

    if (m.code >= COAP_GET && m.code <= COAP_DELETE) {
        handle_server_request(&m);
        return;
    }
    if (s_lw.pending == REQ_NONE || m.token_len != 4 || memcmp(m.token, s_lw.token, 4) != 0)
        return;
    swtimer_stop(&s_lw.retx_timer);

    req_kind_t kind = s_lw.pending;
    s_lw.pending = REQ_NONE;
    if (kind == REQ_REGISTER) {
        if (m.code != COAP_CREATED) {
            LOGW("LWM2M", "registration refused: %s %s", code, coap_code_str(m.code));
            set_state(LWM2M_ST_FAILED);
            at_urc("+QLWEVTIND: 1");
            return;
        }
        /* Location-Path: "rd" "<id>" */
        s_lw.location[0] = '\0';
        for (unsigned i = 0; i < 3; i++) {
            const coap_option_t *o = coap_find_option(&m, COAP_OPT_LOCATION_PATH, i);
            size_t cur = strlen(s_lw.location);
            if (o == NULL)
                break;
            if (cur + o->len + 2 > sizeof(s_lw.location))
                break;
            if (cur)
                s_lw.location[cur++] = '/';
            memcpy(s_lw.location + cur, o->value, o->len);
            s_lw.location[cur + o->len] = '\0';
        }
        s_lw.registered_at_s = board_uptime_s();
        set_state(LWM2M_ST_REGISTERED);
        schedule_update();
        at_urc("+QLWEVTIND: 0");
    } else if (kind == REQ_UPDATE) {
        if (m.code == COAP_CHANGED) {
            set_state(LWM2M_ST_REGISTERED);
            schedule_update();
            at_urc("+QLWEVTIND: 2");
        } else {
            LOGW("LWM2M", "update failed (%s), registering again", code);
            set_state(LWM2M_ST_REGISTERING);
            send_request(REQ_REGISTER);
        }
    } else if (kind == REQ_DEREGISTER) {
        swtimer_stop(&s_lw.update_timer);
        set_state(LWM2M_ST_IDLE);
        at_urc("+QLWEVTIND: 3");
    }
}

void lwm2m_on_dns(uint32_t ipv4)
{
    if (s_lw.state != LWM2M_ST_RESOLVING)
        return;
    if (ipv4 == 0) {
        LOGW("LWM2M", "cannot resolve %s", s_lw.cfg.server);
        set_state(LWM2M_ST_FAILED);
        at_urc("+QLWEVTIND: 1");
        return;
    }
    s_lw.server_ip = ipv4;
    uint32_t args[4] = { LWM2M_SOCKET, 17u /* UDP */, ipv4, s_lw.cfg.port };
    if (mbox_request(MBOX_REQ_SOCK_OPEN, args, 4) != 0) {
        set_state(LWM2M_ST_FAILED);
        return;
    }
    set_state(LWM2M_ST_REGISTERING);
    send_request(REQ_REGISTER);
}

/* ---- public API ----------------------------------------------------------------- */

void lwm2m_init(void)
{
    char imei[16];

    memset(&s_lw, 0, sizeof(s_lw));
    memcpy(s_lw.cfg.server, g_cfg.lwm2m_server, sizeof(s_lw.cfg.server));
    s_lw.cfg.server[sizeof(s_lw.cfg.server) - 1] = '\0';
    s_lw.cfg.port = g_cfg.lwm2m_port;
    s_lw.cfg.lifetime_s = g_cfg.lwm2m_lifetime;
    s_lw.cfg.binding = g_cfg.lwm2m_binding;
    s_lw.cfg.security = g_cfg.lwm2m_security;
    if (g_cfg.lwm2m_endpoint[0]) {
        memcpy(s_lw.cfg.endpoint, g_cfg.lwm2m_endpoint, sizeof(s_lw.cfg.endpoint));
        s_lw.cfg.endpoint[sizeof(s_lw.cfg.endpoint) - 1] = '\0';
    } else {
        board_read_imei(imei);
        snprintf(s_lw.cfg.endpoint, sizeof(s_lw.cfg.endpoint), "urn:imei:%s", imei);
    }
    s_lw.next_mid = (uint16_t)board_random();
    swtimer_init(&s_lw.retx_timer, "coap-retx", retx_cb, NULL);
    swtimer_init(&s_lw.update_timer, "lwm2m-update", update_cb, NULL);
}

void lwm2m_poll(void)
{
    if (s_lw.state == LWM2M_ST_WAIT_NETWORK && nw_is_registered() && nw_get_ipv4() != 0) {
        uint32_t args[2];
        set_state(LWM2M_ST_RESOLVING);
        s_lw.dns_id = DNS_ID_LWM2M;
        args[0] = s_lw.dns_id;
        args[1] = (uint32_t)(uintptr_t)s_lw.cfg.server;
        if (mbox_request(MBOX_REQ_DNS_QUERY, args, 2) != 0)
            set_state(LWM2M_ST_FAILED);
    }
    if ((s_lw.state == LWM2M_ST_REGISTERED || s_lw.state == LWM2M_ST_UPDATING) && !nw_is_attached()) {
        LOGW("LWM2M", "network lost while registered");
        swtimer_stop(&s_lw.update_timer);
        set_state(LWM2M_ST_WAIT_NETWORK);
    }
}

int lwm2m_set_server(const char *host, uint16_t port)
{
    if (s_lw.state != LWM2M_ST_IDLE && s_lw.state != LWM2M_ST_FAILED)
        return CME_QUEC_LWM2M_BUSY;
    if (strlen(host) >= sizeof(s_lw.cfg.server) || port == 0)
        return CME_INCORRECT_PARAMETERS;
    strcpy(s_lw.cfg.server, host);
    s_lw.cfg.port = port;
    strcpy(g_cfg.lwm2m_server, host);
    g_cfg.lwm2m_port = port;
    nvcfg_mark_dirty();
    return 0;
}

int lwm2m_configure(const char *endpoint, uint32_t lifetime_s, uint8_t binding)
{
    if (s_lw.state != LWM2M_ST_IDLE && s_lw.state != LWM2M_ST_FAILED)
        return CME_QUEC_LWM2M_BUSY;
    if (strlen(endpoint) >= sizeof(s_lw.cfg.endpoint) || lifetime_s < 60u || binding > 1)
        return CME_INCORRECT_PARAMETERS;
    strcpy(s_lw.cfg.endpoint, endpoint);
    s_lw.cfg.lifetime_s = lifetime_s;
    s_lw.cfg.binding = binding;
    strcpy(g_cfg.lwm2m_endpoint, endpoint);
    g_cfg.lwm2m_lifetime = lifetime_s;
    g_cfg.lwm2m_binding = binding;
    nvcfg_mark_dirty();
    return 0;
}

int lwm2m_set_psk(const char *identity, const char *psk_hex)
{
    int n;
    if (strlen(identity) >= sizeof(s_lw.cfg.psk_id))
        return CME_TEXT_TOO_LONG;
    n = hex_to_bytes(psk_hex, s_lw.cfg.psk, sizeof(s_lw.cfg.psk));
    if (n <= 0)
        return CME_INCORRECT_PARAMETERS;
    strcpy(s_lw.cfg.psk_id, identity);
    s_lw.cfg.psk_len = (uint8_t)n;
    s_lw.cfg.security = 1;
    return 0;
}

const lwm2m_config_t *lwm2m_get_config(void)
{
    return &s_lw.cfg;
}

int lwm2m_register(void)
{
    if (s_lw.cfg.server[0] == '\0')
        return CME_QUEC_LWM2M_NOT_CONFIGURED;
    if (s_lw.state != LWM2M_ST_IDLE && s_lw.state != LWM2M_ST_FAILED)
        return CME_QUEC_LWM2M_BUSY;
    set_state(LWM2M_ST_WAIT_NETWORK);
    lwm2m_poll();
    return 0;
}

int lwm2m_deregister(void)
{
    if (s_lw.state != LWM2M_ST_REGISTERED)
        return CME_QUEC_LWM2M_NOT_REGISTERED;
    swtimer_stop(&s_lw.update_timer);
    set_state(LWM2M_ST_DEREGISTERING);
    return send_request(REQ_DEREGISTER) == 0 ? 0 : CME_UNKNOWN;
}

int lwm2m_update(bool with_objects)
{
    if (s_lw.state != LWM2M_ST_REGISTERED)
        return CME_QUEC_LWM2M_NOT_REGISTERED;
    s_lw.update_objects = with_objects;
    set_state(LWM2M_ST_UPDATING);
    return send_request(REQ_UPDATE) == 0 ? 0 : CME_UNKNOWN;
}

lwm2m_state_t lwm2m_state(void)
{
    return s_lw.state;
}

const char *lwm2m_location(void)
{
    return s_lw.location;
}

uint32_t lwm2m_next_update_s(void)
{
    return swtimer_remaining_ms(&s_lw.update_timer) / 1000u;
}
