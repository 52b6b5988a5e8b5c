/* at_cmds_nw.c - network related AT commands (3GPP TS 27.007 + Quectel extensions) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "at.h"
#include "at_handlers.h"
#include "band.h"
#include "bc25_regs.h"
#include "board.h"
#include "cells.h"
#include "errcodes.h"
#include "log.h"
#include "mbox.h"
#include "nvcfg.h"
#include "nw.h"
#include "timeutil.h"

static int s_cops_format = 2;   /* 0 long alphanumeric, 1 short, 2 numeric */

static int read_bcd(const volatile uint32_t *words, unsigned nwords, char *out, unsigned max)
{
    unsigned n = 0;
    for (unsigned w = 0; w < nwords; w++) {
        uint32_t v = words[w];
        for (int s = 28; s >= 0; s -= 4) {
            unsigned d = (v >> s) & 0xFu;
            if (d == 0xFu) {
                out[n] = '\0';
                return (int)n;
            }
            if (n + 1 >= max || d > 9u)
                return -1;
            out[n++] = (char)('0' + d);
        }
    }
    out[n] = '\0';
    return (int)n;
}

static int sim_check(void)
{
    uint32_t st = SIM_STATUS;
    if (!(st & SIM_STATUS_PRESENT))
        return CME_SIM_NOT_INSERTED;
    if (st & SIM_STATUS_PUK_REQ)
        return CME_SIM_PUK_REQUIRED;
    if (st & SIM_STATUS_PIN_REQ)
        return CME_SIM_PIN_REQUIRED;
    if (!(st & SIM_STATUS_READY))
        return CME_SIM_BUSY;
    return AT_RES_OK;
}

static void bits4(uint8_t v, char out[5])
{
    for (int i = 0; i < 4; i++)
        out[i] = (char)('0' + ((v >> (3 - i)) & 1u));
    out[4] = '\0';
}

int at_h_cfun(const at_args_t *a)
{
    long fun, rst = 0;
    switch (a->type) {
    case AT_CMD_READ:
        at_resp("+CFUN: %d", nw_get_cfun());
        return AT_RES_OK;
    case AT_CMD_SET:
        if (!at_arg_int(a, 0, 0, 4, &fun) || fun == 2 || fun == 3)
            return CME_INCORRECT_PARAMETERS;
        if (a->argc > 1 && !at_arg_int(a, 1, 0, 1, &rst))
            return CME_INCORRECT_PARAMETERS;
        if (nw_set_cfun((int)fun, (int)rst) != 0)
            return CME_PHONE_FAILURE;
        if (rst) {
            at_final(AT_RES_OK);
            board_delay_ms(100);
            board_reset();
        }
        return AT_RES_OK;
    default:
        return CME_OPERATION_NOT_SUPPORTED;
    }
}

int at_h_cpin(const at_args_t *a)
{
    uint32_t st = SIM_STATUS;
    if (a->type == AT_CMD_TEST)
        return AT_RES_OK;
    if (a->type != AT_CMD_READ)
        return CME_OPERATION_NOT_SUPPORTED;
    if (!(st & SIM_STATUS_PRESENT))
        return CME_SIM_NOT_INSERTED;
    if (st & SIM_STATUS_PUK_REQ)
        at_resp("+CPIN: SIM PUK");
    else if (st & SIM_STATUS_PIN_REQ)
        at_resp("+CPIN: SIM PIN");
    else
        at_resp("+CPIN: READY");
    return AT_RES_OK;
}

int at_h_csq(const at_args_t *a)
{
    const nw_serving_cell_t *c = nw_serving();
    if (a->type != AT_CMD_EXEC)
        return CME_OPERATION_NOT_SUPPORTED;
    at_resp("+CSQ: %d,99", nw_csq_rssi_index(c->rssi_dbm10));
    return AT_RES_OK;
}

int at_h_cesq(const at_args_t *a)
{
    const nw_serving_cell_t *c = nw_serving();
    if (a->type != AT_CMD_EXEC)
        return CME_OPERATION_NOT_SUPPORTED;
    at_resp("+CESQ: 99,99,255,255,%d,%d", nw_cesq_rsrq_index(c->rsrq_db10), nw_cesq_rsrp_index(c->rsrp_dbm10));
    return AT_RES_OK;
}

int at_h_cereg(const at_args_t *a)
{
    char buf[128];
    long mode;
    switch (a->type) {
    case AT_CMD_READ:
        nw_format_cereg(buf, sizeof(buf), false);
        at_resp("%s", buf);
        return AT_RES_OK;
    case AT_CMD_SET:
        if (!at_arg_int(a, 0, 0, 5, &mode))
            return CME_INCORRECT_PARAMETERS;
        nw_set_cereg_mode((int)mode);
        nvcfg_mark_dirty();
        return AT_RES_OK;
    case AT_CMD_EXEC:
        nw_set_cereg_mode(0);
        return AT_RES_OK;
    default:
        return CME_OPERATION_NOT_SUPPORTED;
    }
}

int at_h_cgatt(const at_args_t *a)
{
    long v;
    int sim;
    switch (a->type) {
    case AT_CMD_READ:
        at_resp("+CGATT: %d", nw_is_attached() ? 1 : 0);
        return AT_RES_OK;
    case AT_CMD_SET:
        if (!at_arg_int(a, 0, 0, 1, &v))
            return CME_INCORRECT_PARAMETERS;
        if (v == 1 && (sim = sim_check()) != AT_RES_OK)
            return sim;
        if (v == 1 && nw_get_cfun() != 1)
            return CME_OPERATION_NOT_ALLOWED;
        return nw_attach(v == 1) == 0 ? AT_RES_OK : CME_UNKNOWN;
    default:
        return CME_OPERATION_NOT_SUPPORTED;
    }
}

int at_h_cgdcont(const at_args_t *a)
{
    long cid;
    const char *type, *apn;
    uint32_t ip = nw_get_ipv4();

    switch (a->type) {
    case AT_CMD_READ:
        if (ip)
            at_resp("+CGDCONT: 0,\"%s\",\"%s\",\"%lu.%lu.%lu.%lu\",0,0,0,,,,0,,0,,0,0",
                    g_cfg.pdp_type, g_cfg.apn, (unsigned long)(ip >> 24), (unsigned long)((ip >> 16) & 0xFFu),
                    (unsigned long)((ip >> 8) & 0xFFu), (unsigned long)(ip & 0xFFu));
        else
            at_resp("+CGDCONT: 0,\"%s\",\"%s\",,0,0,0,,,,0,,0,,0,0", g_cfg.pdp_type, g_cfg.apn);
        return AT_RES_OK;
    case AT_CMD_SET:
        if (!at_arg_int(a, 0, 0, 10, &cid))
            return CME_INCORRECT_PARAMETERS;
        if (a->argc == 1)
            return AT_RES_OK;     /* undefine: nothing stored for extra contexts */
        type = at_arg_str(a, 1);
        apn = a->argc > 2 ? a->argv[2] : "";
        if (type == NULL || (strcasecmp(type, "IP") && strcasecmp(type, "IPV6") &&
                             strcasecmp(type, "IPV4V6") && strcasecmp(type, "Non-IP")))
            return CME_INCORRECT_PARAMETERS;
        if (strlen(apn) >= sizeof(g_cfg.apn) || strlen(type) >= sizeof(g_cfg.pdp_type))
            return CME_TEXT_TOO_LONG;
        if (nw_get_cfun() == 1 && nw_is_attached())
            return CME_OPERATION_NOT_ALLOWED;
        strcpy(g_cfg.pdp_type, type);
        strcpy(g_cfg.apn, apn);
        nvcfg_mark_dirty();
        uint32_t args[2] = { (uint32_t)cid, (uint32_t)(uintptr_t)g_cfg.apn };
        mbox_request(MBOX_REQ_SET_APN, args, 2);
        return AT_RES_OK;
    default:
        return CME_OPERATION_NOT_SUPPORTED;
    }
}

int at_h_cgpaddr(const at_args_t *a)
{
    uint32_t ip = nw_get_ipv4();
    if (a->type != AT_CMD_EXEC && a->type != AT_CMD_SET)
        return CME_OPERATION_NOT_SUPPORTED;
    if (ip)
        at_resp("+CGPADDR: 0,%lu.%lu.%lu.%lu", (unsigned long)(ip >> 24), (unsigned long)((ip >> 16) & 0xFFu),
                (unsigned long)((ip >> 8) & 0xFFu), (unsigned long)(ip & 0xFFu));
    else
        at_resp("+CGPADDR: 0");
    return AT_RES_OK;
}

int at_h_cops(const at_args_t *a)
{
    long mode, fmt;
    uint16_t mcc, mnc;
    uint8_t digits;
    const char *plmn;

    switch (a->type) {
    case AT_CMD_READ:
        if (!nw_is_registered()) {
            at_resp("+COPS: 0");
            return AT_RES_OK;
        }
        nw_plmn(&mcc, &mnc, &digits);
        if (s_cops_format == 2) {
            at_resp("+COPS: 0,2,\"%03u%0*u\",9", (unsigned)mcc, (int)digits, (unsigned)mnc);
        } else {
            const char *name = plmn_operator_name(mcc, mnc);
            const mcc_info_t *ci = plmn_mcc_lookup(mcc);
            if (name)
                at_resp("+COPS: 0,%d,\"%s\",9", s_cops_format, name);
            else if (ci)
                at_resp("+COPS: 0,%d,\"%s %03u\",9", s_cops_format, ci->iso, (unsigned)mnc);
            else
                at_resp("+COPS: 0,2,\"%03u%0*u\",9", (unsigned)mcc, (int)digits, (unsigned)mnc);
        }
        return AT_RES_OK;
    case AT_CMD_SET:
        if (!at_arg_int(a, 0, 0, 3, &mode))
            return CME_INCORRECT_PARAMETERS;
        if (mode == 3) {
            if (!at_arg_int(a, 1, 0, 2, &fmt))
                return CME_INCORRECT_PARAMETERS;
            s_cops_format = (int)fmt;
            return AT_RES_OK;
        }
        if (mode == 1) {
            plmn = at_arg_str(a, 2);
            if (plmn == NULL || plmn_parse(plmn, &mcc, &mnc, &digits) != 0)
                return CME_INCORRECT_PARAMETERS;
            const mcc_info_t *ci = plmn_mcc_lookup(mcc);
            LOGI("NW", "manual PLMN %s (%s)", plmn, ci ? ci->country : "unknown country");
        }
        return AT_RES_OK;
    default:
        return CME_OPERATION_NOT_SUPPORTED;
    }
}

int at_h_cscon(const at_args_t *a)
{
    long v;
    switch (a->type) {
    case AT_CMD_READ:
        at_resp("+CSCON: %d,%d", nw_get_cscon_urc() ? 1 : 0, nw_rrc_connected() ? 1 : 0);
        return AT_RES_OK;
    case AT_CMD_SET:
        if (!at_arg_int(a, 0, 0, 1, &v))
            return CME_INCORRECT_PARAMETERS;
        nw_set_cscon_urc(v == 1);
        nvcfg_mark_dirty();
        return AT_RES_OK;
    default:
        return CME_OPERATION_NOT_SUPPORTED;
    }
}

int at_h_cpsms(const at_args_t *a)
{
    const nw_psm_t *psm = nw_get_psm();
    char tau[9], act[9];
    uint8_t code;
    long mode;
    uint32_t t3412 = psm->t3412_req_s, t3324 = psm->t3324_req_s;

    switch (a->type) {
    case AT_CMD_READ:
        psm_encode_t3412(t3412, &code);
        psm_code_to_bits(code, tau);
        psm_encode_t3324(t3324, &code);
        psm_code_to_bits(code, act);
        at_resp("+CPSMS: %d,,,\"%s\",\"%s\"", psm->requested ? 1 : 0, tau, act);
        return AT_RES_OK;
    case AT_CMD_SET:
        if (!at_arg_int(a, 0, 0, 2, &mode))
            return CME_INCORRECT_PARAMETERS;
        if (mode == 2)
            return nw_set_psm(false, PSM_DEFAULT_T3412_S, PSM_DEFAULT_T3324_S) == 0 ? AT_RES_OK : CME_UNKNOWN;
        if (at_arg_present(a, 3)) {
            if (!psm_bits_to_code(a->argv[3], &code) || (code >> 5) == 7u)
                return CME_INCORRECT_PARAMETERS;
            t3412 = psm_decode_t3412(code);
        }
        if (at_arg_present(a, 4)) {
            if (!psm_bits_to_code(a->argv[4], &code) || (code >> 5) == 7u)
                return CME_INCORRECT_PARAMETERS;
            t3324 = psm_decode_t3324(code);
        }
        return nw_set_psm(mode == 1, t3412, t3324) == 0 ? AT_RES_OK : CME_INCORRECT_PARAMETERS;
    default:
        return CME_OPERATION_NOT_SUPPORTED;
    }
}

int at_h_cedrxs(const at_args_t *a)
{
    const nw_edrx_t *e = nw_get_edrx();
    char v[5];
    long mode, act = 5;
    uint32_t value = e->req_value;

    switch (a->type) {
    case AT_CMD_READ:
        bits4(e->req_value, v);
        if (e->mode)
            at_resp("+CEDRXS: 5,\"%s\"", v);
        else
            at_resp("+CEDRXS:");
        return AT_RES_OK;
    case AT_CMD_SET:
        if (!at_arg_int(a, 0, 0, 3, &mode))
            return CME_INCORRECT_PARAMETERS;
        if (at_arg_present(a, 1) && (!at_arg_int(a, 1, 5, 5, &act)))
            return CME_INCORRECT_PARAMETERS;
        if (at_arg_present(a, 2) && !at_arg_bits(a, 2, 4, &value))
            return CME_INCORRECT_PARAMETERS;
        return nw_set_edrx((uint8_t)mode, (uint8_t)value) == 0 ? AT_RES_OK : CME_UNKNOWN;
    default:
        return CME_OPERATION_NOT_SUPPORTED;
    }
}

int at_h_cedrxrdp(const at_args_t *a)
{
    const nw_edrx_t *e = nw_get_edrx();
    char req[5], nwv[5], ptw[5];

    if (a->type != AT_CMD_EXEC)
        return a->type == AT_CMD_TEST ? AT_RES_OK : CME_OPERATION_NOT_SUPPORTED;
    if (!e->mode || !e->nw_provided) {
        at_resp("+CEDRXRDP: 0");
        return AT_RES_OK;
    }
    bits4(e->req_value, req);
    bits4(e->nw_value, nwv);
    bits4(e->nw_ptw, ptw);
    at_resp("+CEDRXRDP: 5,\"%s\",\"%s\",\"%s\"", req, nwv, ptw);
    LOGD("NW", "eDRX cycle %.2f s, PTW %.2f s", edrx_cycle_ms(e->nw_value) / 1000.0,
         edrx_ptw_ms(e->nw_ptw) / 1000.0);
    return AT_RES_OK;
}

int at_h_qeng(const at_args_t *a)
{
    const nw_serving_cell_t *c = nw_serving();
    ncell_t cells[CELLS_MAX];
    size_t n;
    long mode;

    if (a->type == AT_CMD_TEST)
        return CME_OPERATION_NOT_SUPPORTED;
    if (a->type != AT_CMD_SET || !at_arg_int(a, 0, 0, 0, &mode))
        return CME_INCORRECT_PARAMETERS;
    if (!c->valid)
        return CME_NO_NETWORK;
    at_resp("+QENG: 0,%lu,%d,%u,\"%lX\",%d,%d,%d,%d,%u,\"%X\",%u,%d,%d",
            (unsigned long)c->earfcn, (int)c->earfcn_offset, (unsigned)c->pci, (unsigned long)c->cell_id,
            c->rsrp_dbm10, c->rsrq_db10, c->rssi_dbm10, c->sinr_db10, (unsigned)c->band,
            (unsigned)c->tac, (unsigned)c->ecl, c->tx_power_dbm10, nw_rrc_connected() ? 0 : 1);
    n = cells_sorted(cells, CELLS_MAX);
    for (size_t i = 0; i < n; i++) {
        at_resp("+QENG: 1,%lu,%u,%d,%d,%d,%d", (unsigned long)cells[i].earfcn, (unsigned)cells[i].pci,
                cells[i].rsrp_dbm10, cells[i].rsrq_db10, cells[i].rssi_dbm10, cells[i].sinr_db10);
    }
    at_resp("+QENG: 2,%.4f,%.4f", band_dl_freq_mhz(c->earfcn, c->earfcn_offset),
            band_ul_freq_mhz(c->earfcn, c->earfcn_offset));
    return AT_RES_OK;
}

int at_h_qcsearfcn(const at_args_t *a)
{
    if (a->type != AT_CMD_EXEC)
        return a->type == AT_CMD_TEST ? AT_RES_OK : CME_OPERATION_NOT_SUPPORTED;
    if (nw_get_cfun() != 0)
        return CME_OPERATION_NOT_ALLOWED;
    uint32_t args[2] = { 0, 0xFFFFFFFFu };
    cells_clear();
    return mbox_request(MBOX_REQ_LOCK_EARFCN, args, 2) == 0 ? AT_RES_OK : CME_UNKNOWN;
}

int at_h_cimi(const at_args_t *a)
{
    char imsi[16];
    int r;
    if (a->type != AT_CMD_EXEC)
        return a->type == AT_CMD_TEST ? AT_RES_OK : CME_OPERATION_NOT_SUPPORTED;
    if ((r = sim_check()) != AT_RES_OK)
        return r;
    if (read_bcd(&SIM_IMSI(0), 4, imsi, sizeof(imsi)) < 6)
        return CME_SIM_FAILURE;
    at_resp("%s", imsi);
    return AT_RES_OK;
}

int at_h_qccid(const at_args_t *a)
{
    char iccid[21];
    if (a->type != AT_CMD_EXEC)
        return a->type == AT_CMD_TEST ? AT_RES_OK : CME_OPERATION_NOT_SUPPORTED;
    if (!(SIM_STATUS & SIM_STATUS_PRESENT))
        return CME_SIM_NOT_INSERTED;
    if (read_bcd(&SIM_ICCID(0), 5, iccid, sizeof(iccid)) < 18)
        return CME_SIM_FAILURE;
    at_resp("+QCCID: %s", iccid);
    return AT_RES_OK;
}

int at_h_qnbiotevent(const at_args_t *a)
{
    long en, ev = 1;
    switch (a->type) {
    case AT_CMD_READ:
        at_resp("+QNBIOTEVENT: %d,1", nw_get_event_urc() ? 1 : 0);
        return AT_RES_OK;
    case AT_CMD_SET:
        if (!at_arg_int(a, 0, 0, 1, &en) || (a->argc > 1 && !at_arg_int(a, 1, 1, 1, &ev)))
            return CME_INCORRECT_PARAMETERS;
        nw_set_event_urc(en == 1);
        nvcfg_mark_dirty();
        return AT_RES_OK;
    default:
        return CME_OPERATION_NOT_SUPPORTED;
    }
}
