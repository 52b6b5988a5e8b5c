/* at_cmds_sys.c - identification, interface and system AT commands */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "at.h"
#include "at_handlers.h"
#include "band.h"
#include "board.h"
#include "crc.h"
#include "errcodes.h"
#include "fw_config.h"
#include "log.h"
#include "mbox.h"
#include "nvcfg.h"
#include "nw.h"
#include "sha256.h"
#include "timeutil.h"
#include "uart.h"

extern const uint8_t __app_image_start[];
extern const uint8_t __app_image_end[];

int at_h_ati(const at_args_t *a)
{
    (void)a;
    at_resp("%s\r\n%s\r\nRevision: %s", FW_MANUFACTURER, FW_MODEL, g_fw_version);
    return AT_RES_OK;
}

int at_h_ate(const at_args_t *a)
{
    if (a->basic_value > 1)
        return AT_RES_ERROR;
    at_set_echo(a->basic_value == 1);
    return AT_RES_OK;
}

int at_h_atv(const at_args_t *a)
{
    if (a->basic_value > 1)
        return AT_RES_ERROR;
    at_set_verbose(a->basic_value == 1);
    return AT_RES_OK;
}

int at_h_atq(const at_args_t *a)
{
    if (a->basic_value > 1)
        return AT_RES_ERROR;
    at_set_quiet(a->basic_value == 1);
    return AT_RES_OK;
}

int at_h_atz(const at_args_t *a)
{
    if (a->basic_value != 0)
        return AT_RES_ERROR;
    nvcfg_load();
    at_set_verbose(true);
    at_set_quiet(false);
    log_set_level((log_level_t)g_cfg.log_level);
    return AT_RES_OK;
}

int at_h_at_f(const at_args_t *a)
{
    if (a->basic_value != 0)
        return AT_RES_ERROR;
    uint32_t seq = g_cfg.sequence;
    nvcfg_defaults(&g_cfg);
    g_cfg.sequence = seq;
    nvcfg_mark_dirty();
    at_set_verbose(true);
    at_set_quiet(false);
    return AT_RES_OK;
}

int at_h_at_w(const at_args_t *a)
{
    if (a->basic_value != 0)
        return AT_RES_ERROR;
    return nvcfg_save() == 0 ? AT_RES_OK : CME_QUEC_FLASH;
}

int at_h_cgmi(const at_args_t *a)
{
    if (a->type != AT_CMD_EXEC)
        return a->type == AT_CMD_TEST ? AT_RES_OK : CME_OPERATION_NOT_SUPPORTED;
    at_resp("%s", FW_MANUFACTURER);
    return AT_RES_OK;
}

int at_h_cgmm(const at_args_t *a)
{
    if (a->type != AT_CMD_EXEC)
        return a->type == AT_CMD_TEST ? AT_RES_OK : CME_OPERATION_NOT_SUPPORTED;
    at_resp("%s", FW_MODEL);
    return AT_RES_OK;
}

int at_h_cgmr(const at_args_t *a)
{
    if (a->type != AT_CMD_EXEC)
        return a->type == AT_CMD_TEST ? AT_RES_OK : CME_OPERATION_NOT_SUPPORTED;
    at_resp("Revision: %s", g_fw_version);
    return AT_RES_OK;
}

int at_h_cgsn(const at_args_t *a)
{
    char imei[16], sn[20];
    long snt = 0;

    if (a->type == AT_CMD_TEST)
        return CME_OPERATION_NOT_SUPPORTED;
    if (a->type == AT_CMD_SET && !at_arg_int(a, 0, 0, 3, &snt))
        return CME_INCORRECT_PARAMETERS;
    if (a->type == AT_CMD_READ)
        return CME_OPERATION_NOT_SUPPORTED;
    board_read_imei(imei);
    switch (snt) {
    case 0:
        board_read_sn(sn);
        at_resp("%s", sn);
        break;
    case 1:
        at_resp("+CGSN: %s", imei);
        break;
    case 2:
        /* IMEISV: 14 digit TAC+SNR followed by the 2 digit software version */
        imei[14] = '\0';
        at_resp("+CGSN: %s%02d", imei, FW_REVISION);
        break;
    default:
        at_resp("+CGSN: %02d", FW_REVISION);
        break;
    }
    return AT_RES_OK;
}

int at_h_cmee(const at_args_t *a)
{
    long v;
    switch (a->type) {
    case AT_CMD_READ:
        at_resp("+CMEE: %d", at_get_cmee());
        return AT_RES_OK;
    case AT_CMD_SET:
        if (!at_arg_int(a, 0, 0, 2, &v))
            return CME_INCORRECT_PARAMETERS;
        at_set_cmee((int)v);
        return AT_RES_OK;
    case AT_CMD_EXEC:
        at_set_cmee(0);
        return AT_RES_OK;
    default:
        return CME_OPERATION_NOT_SUPPORTED;
    }
}

int at_h_clac(const at_args_t *a)
{
    if (a->type != AT_CMD_EXEC)
        return a->type == AT_CMD_TEST ? AT_RES_OK : CME_OPERATION_NOT_SUPPORTED;
    for (unsigned i = 0; i < g_at_cmd_count; i++) {
        const char *n = g_at_cmd_table[i].name;
        at_resp("AT%s", n);
    }
    return AT_RES_OK;
}

int at_h_ipr(const at_args_t *a)
{
    long baud;
    switch (a->type) {
    case AT_CMD_READ:
        at_resp("+IPR: %lu", (unsigned long)uart_get_baud(UART_PORT_MAIN));
        return AT_RES_OK;
    case AT_CMD_SET:
        if (!at_arg_int(a, 0, 0, 921600, &baud) || !uart_baud_supported((uint32_t)baud))
            return CME_INCORRECT_PARAMETERS;
        /* answer at the old rate, then switch */
        at_final(AT_RES_OK);
        uart_flush(UART_PORT_MAIN);
        uart_init(UART_PORT_MAIN, (uint32_t)baud, false);
        g_cfg.baud = (uint32_t)baud;
        nvcfg_mark_dirty();
        LOGI("AT", "baud rate now %ld", baud);
        return AT_RES_PENDING;
    default:
        return CME_OPERATION_NOT_SUPPORTED;
    }
}

/* Battery: 2 x AA lithium (3.0 V empty .. 3.6 V full), linear estimate. */
int at_h_cbc(const at_args_t *a)
{
    int mv, pct;
    if (a->type != AT_CMD_EXEC)
        return CME_OPERATION_NOT_SUPPORTED;
    mv = board_vbat_mv();
    pct = (mv - 3000) * 100 / 600;
    if (pct < 0)
        pct = 0;
    if (pct > 100)
        pct = 100;
    at_resp("+CBC: 0,%d,%d", pct, mv);
    return AT_RES_OK;
}

int at_h_cclk(const at_args_t *a)
{
    char buf[32];
    time_t t;
    int tz;

    switch (a->type) {
    case AT_CMD_READ:
        if (time_format_cclk(buf, sizeof(buf)) < 0)
            return CME_UNKNOWN;
        at_resp("+CCLK: \"%s\"", buf);
        return AT_RES_OK;
    case AT_CMD_SET:
        if (a->argc != 1 || time_parse_cclk(a->argv[0], &t, &tz) != 0)
            return CME_INCORRECT_PARAMETERS;
        time_set_utc(t, tz, 0, false);
        LOGI("TIME", "clock set by host, zone %s", time_zone_name(tz));
        return AT_RES_OK;
    default:
        return CME_OPERATION_NOT_SUPPORTED;
    }
}

int at_h_ctzr(const at_args_t *a)
{
    long v;
    switch (a->type) {
    case AT_CMD_READ:
        at_resp("+CTZR: %u", (unsigned)g_cfg.ctzr);
        return AT_RES_OK;
    case AT_CMD_SET:
        if (!at_arg_int(a, 0, 0, 3, &v))
            return CME_INCORRECT_PARAMETERS;
        g_cfg.ctzr = (uint8_t)v;
        nvcfg_mark_dirty();
        return AT_RES_OK;
    default:
        return CME_OPERATION_NOT_SUPPORTED;
    }
}

int at_h_qrst(const at_args_t *a)
{
    long v;
    if (a->type != AT_CMD_SET)
        return CME_OPERATION_NOT_SUPPORTED;
    if (!at_arg_int(a, 0, 1, 1, &v))
        return CME_INCORRECT_PARAMETERS;
    at_final(AT_RES_OK);
    if (nvcfg_dirty())
        nvcfg_save();
    uart_flush(UART_PORT_MAIN);
    board_reset();
}

int at_h_qpowd(const at_args_t *a)
{
    long v = 1;
    if (a->type == AT_CMD_SET && !at_arg_int(a, 0, 0, 1, &v))
        return CME_INCORRECT_PARAMETERS;
    if (a->type != AT_CMD_SET && a->type != AT_CMD_EXEC)
        return CME_OPERATION_NOT_SUPPORTED;
    at_final(AT_RES_OK);
    if (v == 1) {
        /* normal power down: detach and save settings first */
        nw_set_cfun(0, 0);
        if (nvcfg_dirty())
            nvcfg_save();
    }
    at_resp("POWERED DOWN");
    uart_flush(UART_PORT_MAIN);
    board_set_status_pin(false);
    for (;;)
        board_enter_sleep(true);
}

int at_h_qsclk(const at_args_t *a)
{
    long v;
    switch (a->type) {
    case AT_CMD_READ:
        at_resp("+QSCLK: %u", (unsigned)g_cfg.sleep_mode);
        return AT_RES_OK;
    case AT_CMD_SET:
        if (!at_arg_int(a, 0, 0, 2, &v))
            return CME_INCORRECT_PARAMETERS;
        g_cfg.sleep_mode = (uint8_t)v;
        nvcfg_mark_dirty();
        return AT_RES_OK;
    default:
        return CME_OPERATION_NOT_SUPPORTED;
    }
}

int at_h_qledmode(const at_args_t *a)
{
    long v;
    switch (a->type) {
    case AT_CMD_READ:
        at_resp("+QLEDMODE: %u", (unsigned)g_cfg.led_mode);
        return AT_RES_OK;
    case AT_CMD_SET:
        if (!at_arg_int(a, 0, 0, 1, &v))
            return CME_INCORRECT_PARAMETERS;
        g_cfg.led_mode = (uint8_t)v;
        nvcfg_mark_dirty();
        return AT_RES_OK;
    default:
        return CME_OPERATION_NOT_SUPPORTED;
    }
}

static int qcfg_bool(const at_args_t *a, const char *key, uint8_t *field)
{
    long v;
    if (a->argc == 1) {
        at_resp("+QCFG: \"%s\",%u", key, (unsigned)*field);
        return AT_RES_OK;
    }
    if (a->argc != 2 || !at_arg_int(a, 1, 0, 1, &v))
        return CME_INCORRECT_PARAMETERS;
    *field = (uint8_t)v;
    nvcfg_mark_dirty();
    return AT_RES_OK;
}

int at_h_qcfg(const at_args_t *a)
{
    const char *key;
    long v;

    if (a->type == AT_CMD_TEST)
        return CME_OPERATION_NOT_SUPPORTED;    /* use the table text */
    if (a->type != AT_CMD_SET || (key = at_arg_str(a, 0)) == NULL)
        return CME_INCORRECT_PARAMETERS;

    if (strcasecmp(key, "dsevent") == 0)
        return qcfg_bool(a, "dsevent", &g_cfg.dsevent);
    if (strcasecmp(key, "autoconnect") == 0)
        return qcfg_bool(a, "autoconnect", &g_cfg.autoconnect);
    if (strcasecmp(key, "wakeupRXD") == 0)
        return qcfg_bool(a, "wakeupRXD", &g_cfg.wakeup_rxd);

    if (strcasecmp(key, "logLevel") == 0) {
        if (a->argc == 1) {
            at_resp("+QCFG: \"logLevel\",%u", (unsigned)g_cfg.log_level);
            return AT_RES_OK;
        }
        if (!at_arg_int(a, 1, 0, 5, &v))
            return CME_INCORRECT_PARAMETERS;
        g_cfg.log_level = (uint8_t)v;
        log_set_level((log_level_t)v);
        nvcfg_mark_dirty();
        return AT_RES_OK;
    }

    if (strcasecmp(key, "band") == 0) {
        uint8_t bands[16];
        char list[80];
        if (a->argc == 1) {
            size_t n = band_get_enabled(bands, sizeof(bands));
            band_format_list(list, sizeof(list), bands, n);
            at_resp("+QCFG: \"band\",%u,%s", (unsigned)n, list);
            return AT_RES_OK;
        }
        if (!at_arg_int(a, 1, 1, 16, &v) || a->argc != (unsigned)v + 2u)
            return CME_INCORRECT_PARAMETERS;
        for (long i = 0; i < v; i++) {
            long b;
            if (!at_arg_int(a, (unsigned)i + 2u, 1, 255, &b))
                return CME_INCORRECT_PARAMETERS;
            bands[i] = (uint8_t)b;
        }
        /* takes effect at the next CFUN=1 */
        return band_set_enabled(bands, (size_t)v) == 0 ? AT_RES_OK : CME_INCORRECT_PARAMETERS;
    }

    if (strcasecmp(key, "txbackoff") == 0) {
        const char *s;
        char *end;
        double db;
        if (a->argc == 1) {
            at_resp("+QCFG: \"txbackoff\",%.1f", (double)g_cfg.tx_backoff_db);
            return AT_RES_OK;
        }
        s = at_arg_str(a, 1);
        if (s == NULL)
            return CME_INCORRECT_PARAMETERS;
        db = strtod(s, &end);
        if (*end != '\0' || db < 0.0 || db > 10.0)
            return CME_INCORRECT_PARAMETERS;
        g_cfg.tx_backoff_db = (float)db;
        nvcfg_mark_dirty();
        return AT_RES_OK;
    }

    if (strcasecmp(key, "lockearfcn") == 0) {
        long earfcn, pci = -1;
        if (a->argc == 1) {
            at_resp("+QCFG: \"lockearfcn\",%lu,%d", (unsigned long)g_cfg.locked_earfcn, (int)g_cfg.locked_pci);
            return AT_RES_OK;
        }
        if (!at_arg_int(a, 1, 0, 262143, &earfcn))
            return CME_INCORRECT_PARAMETERS;
        if (a->argc > 2 && !at_arg_int(a, 2, 0, 503, &pci))
            return CME_INCORRECT_PARAMETERS;
        if (earfcn != 0 && band_from_earfcn((uint32_t)earfcn) == NULL)
            return CME_INCORRECT_PARAMETERS;
        g_cfg.locked_earfcn = (uint32_t)earfcn;
        g_cfg.locked_pci = (int16_t)pci;
        nvcfg_mark_dirty();
        uint32_t args[2] = { (uint32_t)earfcn, (uint32_t)pci };
        return mbox_request(MBOX_REQ_LOCK_EARFCN, args, 2) == 0 ? AT_RES_OK : CME_UNKNOWN;
    }

    if (strcasecmp(key, "timezone") == 0) {
        const char *s;
        int tz;
        if (a->argc == 1) {
            at_resp("+QCFG: \"timezone\",%d,\"%s\"", time_tz_qh(), time_zone_name(time_tz_qh()));
            return AT_RES_OK;
        }
        s = at_arg_str(a, 1);
        if (s == NULL || time_tz_from_string(s, &tz) != 0)
            return CME_INCORRECT_PARAMETERS;
        if (time_is_network_synced())
            LOGW("TIME", "manual zone overrides the network provided one until the next NITZ");
        time_set_utc(time_utc(), tz, time_dst(), false);
        return AT_RES_OK;
    }

    if (strcasecmp(key, "apn") == 0) {
        const char *apn;
        if (a->argc == 1) {
            at_resp("+QCFG: \"apn\",\"%s\"", g_cfg.apn);
            return AT_RES_OK;
        }
        apn = a->argv[1];
        if (strlen(apn) >= sizeof(g_cfg.apn))
            return CME_TEXT_TOO_LONG;
        strcpy(g_cfg.apn, apn);
        nvcfg_mark_dirty();
        return AT_RES_OK;
    }
    return CME_INCORRECT_PARAMETERS;
}

int at_h_qtemp(const at_args_t *a)
{
    if (a->type != AT_CMD_EXEC)
        return a->type == AT_CMD_TEST ? AT_RES_OK : CME_OPERATION_NOT_SUPPORTED;
    at_resp("+QTEMP: %.1f", (double)board_temperature_c());
    return AT_RES_OK;
}

/* Self check: CRC-32 and SHA-256 of the running application image. */
int at_h_qverify(const at_args_t *a)
{
    sha256_ctx_t ctx;
    uint8_t digest[SHA256_DIGEST_LEN];
    char hex[2 * SHA256_DIGEST_LEN + 1];
    const uint8_t *p = __app_image_start;
    size_t len = (size_t)(__app_image_end - __app_image_start);
    uint32_t crc = 0;

    if (a->type != AT_CMD_EXEC)
        return a->type == AT_CMD_TEST ? AT_RES_OK : CME_OPERATION_NOT_SUPPORTED;
    sha256_init(&ctx);
    for (size_t off = 0; off < len; off += 4096u) {
        size_t n = len - off < 4096u ? len - off : 4096u;
        sha256_update(&ctx, p + off, n);
        crc = crc32_update(crc, p + off, n);
        board_watchdog_kick();
    }
    sha256_final(&ctx, digest);
    sha256_to_hex(digest, hex);
    at_resp("+QVERIFY: \"%s\",%u,\"%08lX\",\"%s\"", g_fw_version, (unsigned)len, (unsigned long)crc, hex);
    return AT_RES_OK;
}
