/*
 * nw.c - network registration state machine.
 *
 *   OFF --CFUN=1--> SEARCHING --cell found--> ATTACHING --accept--> REGISTERED
 *                      ^   |                      |                  |  ^
 *                      |   +--timeout (restart)   +--reject--> BACKOFF  |  | RRC
 *                      |                          |                  v  |
 *                      +--------cell lost---------+------------- CONNECTED
 *   REGISTERED --T3324 expiry--> PSM --MO data / T3412--> REGISTERED
 *   permanent reject (#3, #6, #7, #8) --> DENIED until CFUN cycle
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "nw.h"
#include "at.h"
#include "band.h"
#include "board.h"
#include "cells.h"
#include "crc.h"
#include "errcodes.h"
#include "fw_config.h"
#include "log.h"
#include "nvcfg.h"
#include "timeutil.h"

typedef struct {
    nw_state_t        state;
    int               cfun;
    cereg_stat_t      cereg;
    int               reject_cause;
    uint8_t           retries;
    bool              attach_wanted;
    bool              rrc_connected;
    bool              cscon_urc;
    bool              event_urc;
    uint32_t          ipv4;
    uint16_t          mcc, mnc;
    uint8_t           mnc_digits;
    uint8_t           t3412_code, t3324_code;
    uint32_t          state_since_ms;
    uint32_t          attach_attempts_total;
    nw_serving_cell_t cell;
    nw_psm_t          psm;
    nw_edrx_t         edrx;
    swtimer_t         backoff_timer;
    swtimer_t         search_timer;
    swtimer_t         active_timer;       /* shadow of T3324 */
    swtimer_t         netlight_timer;
    bool              netlight_on;
} nw_ctx_t;

static nw_ctx_t s_nw;

static const char *const s_state_names[NW_ST_COUNT] = {
    "OFF", "MINIMUM", "SEARCHING", "ATTACHING", "BACKOFF",
    "REGISTERED", "CONNECTED", "PSM", "DENIED",
};

const char *nw_state_name(nw_state_t st)
{
    return st < NW_ST_COUNT ? s_state_names[st] : "?";
}

/* ---- NETLIGHT ----------------------------------------------------------- */

static void netlight_cb(void *arg)
{
    (void)arg;
    uint32_t on_ms = 64, off_ms;

    switch (s_nw.state) {
    case NW_ST_SEARCHING:
    case NW_ST_ATTACHING:
    case NW_ST_BACKOFF:
        off_ms = 800;
        break;
    case NW_ST_REGISTERED:
    case NW_ST_CONNECTED:
        off_ms = 2000;
        break;
    default:
        board_set_netlight(false);
        s_nw.netlight_on = false;
        return;
    }
    if (g_cfg.led_mode == 1) {   /* LED disabled by AT+QLEDMODE=1 */
        board_set_netlight(false);
        swtimer_start(&s_nw.netlight_timer, 1000, 0);
        return;
    }
    s_nw.netlight_on = !s_nw.netlight_on;
    board_set_netlight(s_nw.netlight_on);
    swtimer_start(&s_nw.netlight_timer, s_nw.netlight_on ? on_ms : off_ms, 0);
}

/* ---- state handling ----------------------------------------------------- */

static void report_cereg(void)
{
    char buf[128];
    if (nw_get_cereg_mode() == 0)
        return;
    nw_format_cereg(buf, sizeof(buf), true);
    at_urc("%s", buf);
}

static void set_cereg(cereg_stat_t stat)
{
    if (s_nw.cereg != stat) {
        s_nw.cereg = stat;
        report_cereg();
    }
}

static void set_state(nw_state_t st)
{
    if (s_nw.state == st)
        return;
    LOGI("NW", "%s -> %s", nw_state_name(s_nw.state), nw_state_name(st));
    s_nw.state = st;
    s_nw.state_since_ms = board_millis();
    if (!swtimer_running(&s_nw.netlight_timer))
        swtimer_start(&s_nw.netlight_timer, 10, 0);
}

static void event_urc(const char *what)
{
    if (s_nw.event_urc)
        at_urc("+QNBIOTEVENT: \"%s\"", what);
}

static void start_attach(void)
{
    s_nw.attach_attempts_total++;
    LOGI("NW", "attach attempt %u/%u", (unsigned)s_nw.retries + 1u, (unsigned)NW_ATTACH_RETRY_MAX);
    set_state(NW_ST_ATTACHING);
    set_cereg(CEREG_SEARCHING);
    if (mbox_request(MBOX_REQ_ATTACH, NULL, 0) != 0) {
        s_nw.retries++;
        set_state(NW_ST_BACKOFF);
        swtimer_start(&s_nw.backoff_timer, NW_ATTACH_BACKOFF_S * 1000u, 0);
    }
}

static void start_search(void)
{
    set_state(NW_ST_SEARCHING);
    set_cereg(CEREG_SEARCHING);
    s_nw.cell.valid = false;
    swtimer_start(&s_nw.search_timer, NW_SEARCH_TIMEOUT_S * 1000u, 0);
}

static void backoff_cb(void *arg)
{
    (void)arg;
    if (s_nw.state != NW_ST_BACKOFF)
        return;
    if (s_nw.cell.valid && s_nw.attach_wanted)
        start_attach();
    else
        start_search();
}

static void search_timeout_cb(void *arg)
{
    (void)arg;
    if (s_nw.state != NW_ST_SEARCHING)
        return;
    LOGW("NW", "no suitable cell after %u s, restarting band scan", (unsigned)NW_SEARCH_TIMEOUT_S);
    set_cereg(CEREG_NOT_REGISTERED);
    uint32_t args[1] = { band_enabled_mask() };
    mbox_request(MBOX_REQ_SET_BANDS, args, 1);
    start_search();
}

static void active_timer_cb(void *arg)
{
    (void)arg;
    /* the stack itself enters PSM; this only tracks the expected moment */
    LOGD("NW", "T3324 expired (expect PSM entry)");
}

static bool reject_is_permanent(int cause)
{
    return cause == 3 || cause == 6 || cause == 7 || cause == 8;
}

static void handle_attach_reject(int cause)
{
    s_nw.reject_cause = cause;
    LOGW("NW", "attach rejected, EMM cause #%d (%s)", cause, emm_cause_str(cause));
    if (reject_is_permanent(cause)) {
        set_state(NW_ST_DENIED);
        set_cereg(CEREG_DENIED);
        return;
    }
    s_nw.retries++;
    set_state(NW_ST_BACKOFF);
    set_cereg(CEREG_NOT_REGISTERED);
    if (s_nw.retries < NW_ATTACH_RETRY_MAX) {
        swtimer_start(&s_nw.backoff_timer, NW_ATTACH_BACKOFF_S * 1000u, 0);
    } else {
        LOGW("NW", "%u attach attempts failed, waiting T3402 (%u s)", (unsigned)s_nw.retries,
             (unsigned)NW_ATTACH_LONG_BACKOFF_S);
        s_nw.retries = 0;
        swtimer_start(&s_nw.backoff_timer, NW_ATTACH_LONG_BACKOFF_S * 1000u, 0);
    }
}

static int16_t to_tenths(double v)
{
    double r = floor(v * 10.0 + 0.5);
    if (r > 32767.0)
        r = 32767.0;
    if (r < -32768.0)
        r = -32768.0;
    return (int16_t)r;
}

static void handle_meas(const mbox_evt_t *e)
{
    int32_t rsrp_q8 = (int32_t)e->arg[0];
    int32_t rssi_q8 = (int32_t)e->arg[1];
    double rsrp = rsrp_q8 / 256.0;
    double rssi = rssi_q8 / 256.0;
    double sinr = -20.0;
    double rsrq;

    if (e->arg[2] && e->arg[3])
        sinr = 10.0 * log10((double)e->arg[2] / (double)e->arg[3]);
    /* RSRQ = N * RSRP / RSSI with N = 1 PRB (12 subcarriers) for NB-IoT */
    rsrq = 10.0 * log10(12.0 * pow(10.0, (rsrp - rssi) / 10.0));

    s_nw.cell.rsrp_dbm10 = to_tenths(rsrp);
    s_nw.cell.rssi_dbm10 = to_tenths(rssi);
    s_nw.cell.sinr_db10 = to_tenths(sinr);
    s_nw.cell.rsrq_db10 = to_tenths(rsrq);
    s_nw.cell.ecl = (uint8_t)(e->arg[4] > 2u ? 2u : e->arg[4]);
    s_nw.cell.tx_power_dbm10 = (int16_t)(int32_t)e->arg[5];
    log_signal("NW", rsrp_q8, rssi_q8, e->arg[2], e->arg[3]);
}

static void handle_nitz(const mbox_evt_t *e)
{
    char iso[32];
    int tz = (int)(int32_t)e->arg[1];
    int dst = (int)e->arg[2];

    time_set_utc((time_t)e->arg[0], tz, dst, true);
    time_format_iso8601(iso, sizeof(iso), (time_t)e->arg[0], tz);
    LOGI("NW", "network time %s, %s, DST +%dh", iso, time_zone_name(tz), dst);
    if (g_cfg.ctzr == 1) {
        at_urc("+CTZV: %c%02d", tz < 0 ? '-' : '+', tz < 0 ? -tz : tz);
    } else if (g_cfg.ctzr == 2 || g_cfg.ctzr == 3) {
        char cclk[32];
        time_format_cclk(cclk, sizeof(cclk));
        at_urc("+CTZE: \"%c%02d\",%d,\"%s\"", tz < 0 ? '-' : '+', tz < 0 ? -tz : tz, dst, cclk);
    }
}

void nw_handle_event(const mbox_evt_t *e)
{
    LOGD("NW", "event %s in %s", mbox_evt_name(e->id), nw_state_name(s_nw.state));

    switch (e->id) {
    case MBOX_EVT_CFUN_DONE:
        s_nw.cfun = (int)e->arg[0];
        if (s_nw.cfun == 1) {
            s_nw.retries = 0;
            start_search();
        } else {
            swtimer_stop(&s_nw.search_timer);
            swtimer_stop(&s_nw.backoff_timer);
            set_state(s_nw.cfun == 0 ? NW_ST_MINIMUM : NW_ST_OFF);
            set_cereg(CEREG_NOT_REGISTERED);
            s_nw.cell.valid = false;
            s_nw.ipv4 = 0;
        }
        break;

    case MBOX_EVT_SIM_STATE:
        LOGI("NW", "SIM status 0x%02lx", (unsigned long)e->arg[0]);
        break;

    case MBOX_EVT_CELL_FOUND:
        s_nw.cell.earfcn = e->arg[0];
        s_nw.cell.pci = (uint16_t)e->arg[1];
        s_nw.cell.band = (uint8_t)e->arg[2];
        s_nw.cell.earfcn_offset = (int8_t)e->arg[3];
        s_nw.cell.valid = true;
        swtimer_stop(&s_nw.search_timer);
        LOGI("NW", "camped on EARFCN %lu (%.4f MHz, band %u) PCI %u", (unsigned long)s_nw.cell.earfcn,
             band_dl_freq_mhz(s_nw.cell.earfcn, s_nw.cell.earfcn_offset), (unsigned)s_nw.cell.band,
             (unsigned)s_nw.cell.pci);
        if (s_nw.state == NW_ST_SEARCHING && s_nw.attach_wanted)
            start_attach();
        break;

    case MBOX_EVT_CELL_LOST:
        if (s_nw.state != NW_ST_PSM && s_nw.state != NW_ST_DENIED && s_nw.cfun == 1)
            start_search();
        cells_clear();
        break;

    case MBOX_EVT_ATTACH_ACCEPT:
        s_nw.cell.tac = (uint16_t)e->arg[0];
        s_nw.cell.cell_id = e->arg[1];
        s_nw.t3412_code = (uint8_t)e->arg[3];
        s_nw.t3324_code = (uint8_t)e->arg[4];
        /* arg5: mnc digits << 24 | mcc << 12 | mnc */
        s_nw.mcc = (uint16_t)((e->arg[5] >> 12) & 0xFFFu);
        s_nw.mnc = (uint16_t)(e->arg[5] & 0xFFFu);
        s_nw.mnc_digits = (uint8_t)((e->arg[5] >> 24) == 3u ? 3u : 2u);
        s_nw.psm.t3412_nw_s = psm_decode_t3412(s_nw.t3412_code);
        s_nw.psm.t3324_nw_s = psm_decode_t3324(s_nw.t3324_code);
        s_nw.psm.granted = s_nw.psm.requested && (s_nw.t3324_code >> 5) != 7u;
        s_nw.retries = 0;
        s_nw.reject_cause = 0;
        set_state(NW_ST_REGISTERED);
        set_cereg(e->arg[2] ? CEREG_REGISTERED_ROAMING : CEREG_REGISTERED_HOME);
        LOGI("NW", "attached TAC %04X CI %07lX, T3412 %lu s, T3324 %lu s%s", (unsigned)s_nw.cell.tac,
             (unsigned long)s_nw.cell.cell_id, (unsigned long)s_nw.psm.t3412_nw_s,
             (unsigned long)s_nw.psm.t3324_nw_s, s_nw.psm.granted ? " (PSM)" : "");
        event_urc("ATTACHED");
        break;

    case MBOX_EVT_ATTACH_REJECT:
        handle_attach_reject((int)e->arg[0]);
        break;

    case MBOX_EVT_DETACH:
        LOGW("NW", "detached, cause #%lu (%s)", (unsigned long)e->arg[0],
             e->arg[0] ? emm_cause_str((int)e->arg[0]) : "local");
        s_nw.ipv4 = 0;
        s_nw.rrc_connected = false;
        if (s_nw.cfun == 1 && s_nw.attach_wanted && !reject_is_permanent((int)e->arg[0]))
            start_search();
        else
            set_cereg(reject_is_permanent((int)e->arg[0]) ? CEREG_DENIED : CEREG_NOT_REGISTERED);
        break;

    case MBOX_EVT_TAU_ACCEPT:
        s_nw.cell.tac = (uint16_t)e->arg[0];
        s_nw.cell.cell_id = e->arg[1];
        report_cereg();
        break;

    case MBOX_EVT_RRC_CONNECTED:
        s_nw.rrc_connected = true;
        swtimer_stop(&s_nw.active_timer);
        if (s_nw.state == NW_ST_REGISTERED || s_nw.state == NW_ST_PSM)
            set_state(NW_ST_CONNECTED);
        if (s_nw.cscon_urc)
            at_urc("+CSCON: 1");
        break;

    case MBOX_EVT_RRC_RELEASED:
        s_nw.rrc_connected = false;
        if (s_nw.state == NW_ST_CONNECTED)
            set_state(NW_ST_REGISTERED);
        if (s_nw.psm.granted && s_nw.psm.t3324_nw_s)
            swtimer_start(&s_nw.active_timer, s_nw.psm.t3324_nw_s * 1000u, 0);
        if (s_nw.cscon_urc)
            at_urc("+CSCON: 0");
        break;

    case MBOX_EVT_PSM_ENTER:
        set_state(NW_ST_PSM);
        event_urc("ENTER PSM");
        break;

    case MBOX_EVT_PSM_EXIT:
        if (s_nw.state == NW_ST_PSM)
            set_state(NW_ST_REGISTERED);
        event_urc("EXIT PSM");
        break;

    case MBOX_EVT_MEAS:
        handle_meas(e);
        break;

    case MBOX_EVT_NEIGHBOURS: {
        const char *text = (const char *)(uintptr_t)e->arg[0];
        size_t len = e->arg[1];
        if (text == NULL || len >= 1024u) {
            LOGW("NW", "neighbour report rejected (%u bytes)", (unsigned)len);
            break;
        }
        /* the report lives in shared memory: check it was not overwritten */
        uint16_t crc = crc16_ccitt(0xFFFFu, text, len);
        if (crc != (uint16_t)e->arg[2]) {
            LOGW("NW", "neighbour report CRC %04x, expected %04x", (unsigned)crc, (unsigned)(e->arg[2] & 0xFFFFu));
            break;
        }
        int n = cells_parse_report(text, len, board_uptime_s());
        cells_age_out(board_uptime_s(), 60u);
        const ncell_t *best = cells_best();
        LOGD("NW", "%d neighbour(s) reported", n);
        if (best != NULL && s_nw.cell.valid && best->rsrp_dbm10 > s_nw.cell.rsrp_dbm10 + 60)
            LOGI("NW", "neighbour EARFCN %lu PCI %u is %.1f dB above the serving cell",
                 (unsigned long)best->earfcn, (unsigned)best->pci,
                 (best->rsrp_dbm10 - s_nw.cell.rsrp_dbm10) / 10.0);
        break;
    }

    case MBOX_EVT_NITZ:
        handle_nitz(e);
        break;

    case MBOX_EVT_PDN_ACTIVE:
        s_nw.ipv4 = e->arg[0];
        LOGI("NW", "PDN cid %lu up, IPv4 %lu.%lu.%lu.%lu", (unsigned long)e->arg[1],
             (unsigned long)(s_nw.ipv4 >> 24), (unsigned long)((s_nw.ipv4 >> 16) & 0xFFu),
             (unsigned long)((s_nw.ipv4 >> 8) & 0xFFu), (unsigned long)(s_nw.ipv4 & 0xFFu));
        break;

    case MBOX_EVT_PDN_INACTIVE:
        LOGW("NW", "PDN cid %lu down, ESM cause #%lu (%s)", (unsigned long)e->arg[0],
             (unsigned long)e->arg[1], esm_cause_str((int)e->arg[1]));
        s_nw.ipv4 = 0;
        break;

    case MBOX_EVT_EDRX_PARAMS:
        s_nw.edrx.nw_value = (uint8_t)(e->arg[0] & 0x0Fu);
        s_nw.edrx.nw_ptw = (uint8_t)(e->arg[1] & 0x0Fu);
        s_nw.edrx.nw_provided = true;
        if (s_nw.edrx.mode == 2) {
            char req[5], nw[5], ptw[5];
            for (int i = 0; i < 4; i++) {
                req[i] = (char)('0' + ((s_nw.edrx.req_value >> (3 - i)) & 1u));
                nw[i] = (char)('0' + ((s_nw.edrx.nw_value >> (3 - i)) & 1u));
                ptw[i] = (char)('0' + ((s_nw.edrx.nw_ptw >> (3 - i)) & 1u));
            }
            req[4] = nw[4] = ptw[4] = '\0';
            at_urc("+CEDRXP: 5,\"%s\",\"%s\",\"%s\"", req, nw, ptw);
        }
        break;

    default:
        break;
    }
}

/* ---- public API --------------------------------------------------------- */

void nw_init(void)
{
    memset(&s_nw, 0, sizeof(s_nw));
    s_nw.state = NW_ST_OFF;
    s_nw.cfun = 0;
    s_nw.cereg = CEREG_NOT_REGISTERED;
    s_nw.attach_wanted = g_cfg.autoconnect != 0;
    s_nw.cscon_urc = g_cfg.cscon_urc != 0;
    s_nw.event_urc = g_cfg.nbiot_event_urc != 0;
    s_nw.psm.requested = g_cfg.psm_enable != 0;
    s_nw.psm.t3412_req_s = g_cfg.t3412_s;
    s_nw.psm.t3324_req_s = g_cfg.t3324_s;
    s_nw.edrx.mode = g_cfg.edrx_mode;
    s_nw.edrx.req_value = g_cfg.edrx_value;
    swtimer_init(&s_nw.backoff_timer, "attach-backoff", backoff_cb, NULL);
    swtimer_init(&s_nw.search_timer, "search", search_timeout_cb, NULL);
    swtimer_init(&s_nw.active_timer, "t3324", active_timer_cb, NULL);
    swtimer_init(&s_nw.netlight_timer, "netlight", netlight_cb, NULL);
    cells_clear();
}

void nw_poll(void)
{
    /* Supervise states that must not last forever. */
    uint32_t in_state = board_millis() - s_nw.state_since_ms;
    if (s_nw.state == NW_ST_ATTACHING && in_state > 5u * 60u * 1000u) {
        LOGW("NW", "attach procedure timeout (T3410 x5)");
        handle_attach_reject(17);   /* treat as network failure */
    }
}

int nw_set_cfun(int fun, int rst)
{
    uint32_t args[2] = { (uint32_t)fun, (uint32_t)rst };
    if (fun != 0 && fun != 1 && fun != 4)
        return -1;
    if (mbox_request(MBOX_REQ_CFUN, args, 2) != 0)
        return -1;
    if (fun == 1) {
        uint32_t bands[1] = { band_enabled_mask() };
        mbox_request(MBOX_REQ_SET_BANDS, bands, 1);
        nw_set_psm(s_nw.psm.requested, s_nw.psm.t3412_req_s, s_nw.psm.t3324_req_s);
    }
    return 0;
}

int nw_get_cfun(void)
{
    return s_nw.cfun;
}

int nw_attach(bool attach)
{
    s_nw.attach_wanted = attach;
    if (attach) {
        if (s_nw.cfun != 1)
            return -1;
        if (s_nw.state == NW_ST_SEARCHING && s_nw.cell.valid)
            start_attach();
        else if (s_nw.state == NW_ST_DENIED || s_nw.state == NW_ST_BACKOFF) {
            s_nw.retries = 0;
            start_search();
        }
        return 0;
    }
    if (s_nw.state == NW_ST_OFF || s_nw.state == NW_ST_MINIMUM)
        return 0;
    return mbox_request(MBOX_REQ_DETACH, NULL, 0);
}

bool nw_is_attached(void)
{
    return s_nw.state == NW_ST_REGISTERED || s_nw.state == NW_ST_CONNECTED || s_nw.state == NW_ST_PSM;
}

bool nw_is_registered(void)
{
    return s_nw.cereg == CEREG_REGISTERED_HOME || s_nw.cereg == CEREG_REGISTERED_ROAMING;
}

nw_state_t nw_get_state(void)
{
    return s_nw.state;
}

cereg_stat_t nw_get_cereg(void)
{
    return s_nw.cereg;
}

void nw_set_cereg_mode(int mode)
{
    g_cfg.cereg_mode = (uint8_t)mode;
}

int nw_get_cereg_mode(void)
{
    return g_cfg.cereg_mode;
}

void nw_format_cereg(char *buf, unsigned size, bool urc)
{
    int mode = nw_get_cereg_mode();
    int n;
    bool reg = nw_is_registered() || s_nw.cereg == CEREG_SEARCHING;

    if (urc)
        n = snprintf(buf, size, "+CEREG: %d", (int)s_nw.cereg);
    else
        n = snprintf(buf, size, "+CEREG: %d,%d", mode, (int)s_nw.cereg);
    if (n < 0 || (unsigned)n >= size || mode < 2 || !reg || !s_nw.cell.valid)
        return;
    n += snprintf(buf + n, size - (unsigned)n, ",\"%04X\",\"%07lX\",9", (unsigned)s_nw.cell.tac,
                  (unsigned long)s_nw.cell.cell_id);
    if ((unsigned)n >= size)
        return;
    if (mode == 3 || mode == 5)
        n += snprintf(buf + n, size - (unsigned)n, ",0,%d", s_nw.reject_cause);
    else if (mode == 4)
        n += snprintf(buf + n, size - (unsigned)n, ",,");
    if ((unsigned)n >= size)
        return;
    if (mode >= 4 && s_nw.psm.granted) {
        char at[9], tau[9];
        psm_code_to_bits(s_nw.t3324_code, at);
        psm_code_to_bits(s_nw.t3412_code, tau);
        snprintf(buf + n, size - (unsigned)n, ",\"%s\",\"%s\"", at, tau);
    }
}

const nw_serving_cell_t *nw_serving(void)
{
    return &s_nw.cell;
}

int nw_get_reject_cause(void)
{
    return s_nw.reject_cause;
}

uint32_t nw_get_ipv4(void)
{
    return s_nw.ipv4;
}

bool nw_rrc_connected(void)
{
    return s_nw.rrc_connected;
}

void nw_set_cscon_urc(bool on)
{
    s_nw.cscon_urc = on;
    g_cfg.cscon_urc = on;
}

bool nw_get_cscon_urc(void)
{
    return s_nw.cscon_urc;
}

void nw_set_event_urc(bool on)
{
    s_nw.event_urc = on;
    g_cfg.nbiot_event_urc = on;
}

bool nw_get_event_urc(void)
{
    return s_nw.event_urc;
}

void nw_plmn(uint16_t *mcc, uint16_t *mnc, uint8_t *mnc_digits)
{
    *mcc = s_nw.mcc;
    *mnc = s_nw.mnc;
    *mnc_digits = s_nw.mnc_digits;
}

uint8_t nw_attach_retries(void)
{
    return s_nw.retries;
}

int nw_set_psm(bool enable, uint32_t t3412_s, uint32_t t3324_s)
{
    uint8_t c3412 = 0xE0u, c3324 = 0xE0u;

    if (enable) {
        if (psm_encode_t3412(t3412_s, &c3412) < 0 || psm_encode_t3324(t3324_s, &c3324) < 0)
            return -1;
        if (psm_decode_t3412(c3412) <= psm_decode_t3324(c3324))
            LOGW("NW", "requested T3412 %lu s <= T3324 %lu s", (unsigned long)t3412_s, (unsigned long)t3324_s);
    }
    s_nw.psm.requested = enable;
    s_nw.psm.t3412_req_s = t3412_s;
    s_nw.psm.t3324_req_s = t3324_s;
    g_cfg.psm_enable = enable;
    g_cfg.t3412_s = t3412_s;
    g_cfg.t3324_s = t3324_s;
    nvcfg_mark_dirty();

    uint32_t args[3] = { enable, c3412, c3324 };
    return mbox_request(MBOX_REQ_SET_PSM, args, 3);
}

const nw_psm_t *nw_get_psm(void)
{
    return &s_nw.psm;
}

int nw_set_edrx(uint8_t mode, uint8_t value)
{
    if (mode > 3 || value > 15)
        return -1;
    if (mode == 3) {
        mode = 0;
        value = EDRX_DEFAULT_VALUE;
    }
    s_nw.edrx.mode = mode;
    s_nw.edrx.req_value = value;
    g_cfg.edrx_mode = mode;
    g_cfg.edrx_value = value;
    nvcfg_mark_dirty();
    uint32_t args[2] = { mode != 0, value };
    LOGI("NW", "eDRX %s, cycle %.2f s", mode ? "on" : "off", edrx_cycle_ms(value) / 1000.0);
    return mbox_request(MBOX_REQ_SET_EDRX, args, 2);
}

const nw_edrx_t *nw_get_edrx(void)
{
    return &s_nw.edrx;
}

/* ---- signal quality mapping (3GPP TS 27.007 +CSQ / +CESQ) ----------------- */

int nw_csq_rssi_index(int rssi_dbm10)
{
    if (!s_nw.cell.valid)
        return 99;
    if (rssi_dbm10 <= -1130)
        return 0;
    if (rssi_dbm10 >= -510)
        return 31;
    return (rssi_dbm10 + 1130) / 20;
}

int nw_cesq_rsrp_index(int rsrp_dbm10)
{
    int idx;
    if (!s_nw.cell.valid)
        return 255;
    idx = (int)floor(rsrp_dbm10 / 10.0) + 141;
    return idx < 0 ? 0 : (idx > 97 ? 97 : idx);
}

int nw_cesq_rsrq_index(int rsrq_db10)
{
    int idx;
    if (!s_nw.cell.valid)
        return 255;
    idx = (int)floor((rsrq_db10 + 200) / 5.0);
    return idx < 0 ? 0 : (idx > 34 ? 34 : idx);
}
