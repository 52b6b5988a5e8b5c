/* log.c - timestamped debug log written to the DBG UART */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "log.h"
#include "uart.h"
#include "board.h"
#include "timeutil.h"

#define LOG_LINE_MAX 200u

static log_level_t s_level = LOG_INFO;
static uint32_t s_dropped;
static uint32_t s_seq;

static const char *const s_level_names[] = {
    "NONE", "ERROR", "WARN", "INFO", "DEBUG", "TRACE"
};

const char *log_level_name(log_level_t level)
{
    if ((unsigned)level >= sizeof(s_level_names) / sizeof(s_level_names[0]))
        return "?";
    return s_level_names[level];
}

void log_init(log_level_t level)
{
    s_level = level;
    s_dropped = 0;
    s_seq = 0;
}

void log_set_level(log_level_t level)
{
    if (level <= LOG_TRACE)
        s_level = level;
}

log_level_t log_get_level(void)
{
    return s_level;
}

uint32_t log_dropped(void)
{
    return s_dropped;
}

static void log_emit(const char *line, size_t len)
{
    size_t n = uart_write(UART_PORT_DEBUG, line, len);
    if (n < len)
        s_dropped++;
}

void log_printf(log_level_t level, const char *module, const char *fmt, ...)
{
    char line[LOG_LINE_MAX];
    char ts[24];
    va_list ap;
    int n, m;

    if (level == LOG_NONE || level > s_level)
        return;

    time_format_log(ts, sizeof(ts));
    n = snprintf(line, sizeof(line), "%s %05lu %c/%-5s ", ts, (unsigned long)(s_seq++ % 100000u),
                 log_level_name(level)[0], module);
    if (n < 0 || (size_t)n >= sizeof(line))
        return;
    va_start(ap, fmt);
    m = vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
    va_end(ap);
    if (m < 0)
        return;
    n += m;
    if ((size_t)n > sizeof(line) - 3u) {
        /* truncated: mark it */
        n = (int)sizeof(line) - 3;
        line[n - 1] = '~';
    }
    line[n++] = '\r';
    line[n++] = '\n';
    log_emit(line, (size_t)n);
}

void log_hexdump(log_level_t level, const char *module, const char *title,
                 const void *data, size_t len)
{
    const uint8_t *p = data;
    char hex[16 * 3 + 1];
    char asc[16 + 1];

    if (level > s_level)
        return;
    log_printf(level, module, "%s (%u bytes)", title, (unsigned)len);
    for (size_t off = 0; off < len; off += 16) {
        size_t n = len - off < 16 ? len - off : 16;
        for (size_t i = 0; i < 16; i++) {
            if (i < n) {
                snprintf(&hex[i * 3], 4, "%02x ", p[off + i]);
                asc[i] = (p[off + i] >= 0x20 && p[off + i] < 0x7f) ? (char)p[off + i] : '.';
            } else {
                memcpy(&hex[i * 3], "   ", 4);
                asc[i] = ' ';
            }
        }
        asc[16] = '\0';
        log_printf(level, module, "  %04x: %s |%s|", (unsigned)off, hex, asc);
    }
}

/*
 * Log a measurement report from the PHY.  RSRP/RSSI arrive in dBm Q8, the
 * SINR is reported as a linear signal and noise power pair.
 */
void log_signal(const char *module, int32_t rsrp_q8, int32_t rssi_q8, uint32_t sig_lin, uint32_t noise_lin)
{
    double rsrp = rsrp_q8 / 256.0;
    double rssi = rssi_q8 / 256.0;
    double sinr = (noise_lin != 0 && sig_lin != 0) ? 10.0 * log10((double)sig_lin / (double)noise_lin) : -20.0;
    double rsrp_mw = pow(10.0, rsrp / 10.0);
    double rssi_mw = pow(10.0, rssi / 10.0);
    /* NB-IoT: one PRB, so RSRQ = RSRP / RSSI (12 subcarriers) */
    double rsrq = 10.0 * log10(12.0 * rsrp_mw / rssi_mw);
    /* Path loss estimate.  The NRS EPRE is broadcast in SIB2-NB (nrs-Power);
     * until it has been decoded assume a typical 15.2 dBm. */
    double pathloss = 15.2 - rsrp;

    if (s_level < LOG_DEBUG)
        return;
    log_printf(LOG_DEBUG, module, "RSRP %.1f dBm (%.3e mW) RSSI %.1f dBm RSRQ %.1f dB SINR %.1f dB PL %.1f dB",
               rsrp, rsrp_mw, rssi, rsrq, sinr, pathloss);
}
