/* main.c - BC25 application core: initialisation and the cooperative main loop */
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include "at.h"
#include "bc25_regs.h"
#include "board.h"
#include "crc.h"
#include "fota.h"
#include "fw_config.h"
#include "log.h"
#include "lwm2m.h"
#include "mbox.h"
#include "nvcfg.h"
#include "nw.h"
#include "sockets.h"
#include "timeutil.h"
#include "uart.h"

/* The one and only copy of the revision string. */
const char g_fw_version[] = FW_VERSION_STRING;


#define NV_SAVE_DELAY_MS   5000u
#define STATUS_PERIOD_MS   60000u

static swtimer_t s_nv_timer;
static swtimer_t s_status_timer;

static void nv_timer_cb(void *arg)
{
    (void)arg;
    if (nvcfg_dirty())
        nvcfg_save();
}

static void status_timer_cb(void *arg)
{
    (void)arg;
    const uart_stats_t *st = uart_get_stats(UART_PORT_MAIN);
    LOGI("SYS", "up %lu s, nw %s, lwm2m %s, fota %s, at %u cmds, uart rx %lu tx %lu ovr %lu, mbox drop %lu",
         (unsigned long)board_uptime_s(), nw_state_name(nw_get_state()), lwm2m_state_name(lwm2m_state()),
         fota_state_name(fota_state()), at_commands_processed(), (unsigned long)st->rx_bytes,
         (unsigned long)st->tx_bytes, (unsigned long)st->overruns, (unsigned long)mbox_events_dropped());
}

static void report_crash(void)
{
    if (g_crash_record.magic != CRASH_MAGIC)
        return;
    if (crc32c(&g_crash_record, offsetof(crash_record_t, crc)) != g_crash_record.crc) {
        LOGW("SYS", "crash record corrupted, ignored");
        g_crash_record.magic = 0;
        return;
    }
    LOGE("SYS", "previous reset by fault: pc=%08lx lr=%08lx xpsr=%08lx cfsr=%08lx hfsr=%08lx",
         (unsigned long)g_crash_record.pc, (unsigned long)g_crash_record.lr,
         (unsigned long)g_crash_record.xpsr, (unsigned long)g_crash_record.cfsr,
         (unsigned long)g_crash_record.hfsr);
    if (g_crash_record.cfsr & 0x00008000u)
        LOGE("SYS", "bus fault address %08lx", (unsigned long)g_crash_record.bfar);
    if (g_crash_record.cfsr & 0x00000080u)
        LOGE("SYS", "memmanage fault address %08lx", (unsigned long)g_crash_record.mmfar);
    g_crash_record.magic = 0;
}

static void dispatch_event(const mbox_evt_t *e)
{
    switch (e->id) {
    case MBOX_EVT_SOCK_RX: {
        const uint8_t *data = (const uint8_t *)(uintptr_t)e->arg[1];
        if (e->arg[0] == SOCK_LWM2M)
            lwm2m_on_rx(data, e->arg[2]);
        else if (e->arg[0] == SOCK_FOTA)
            fota_on_rx(data, e->arg[2]);
        else if (e->arg[0] == SOCK_NTP)
            sntp_on_rx(data, e->arg[2]);
        else
            sockets_on_rx(e->arg[0], data, e->arg[2]);
        break;
    }
    case MBOX_EVT_SOCK_STATE:
        if (e->arg[0] == SOCK_FOTA)
            fota_on_sock_state(e->arg[1], e->arg[2]);
        else if (e->arg[0] >= SOCK_USER_BASE)
            sockets_on_state(e->arg[0], e->arg[1], e->arg[2]);
        break;
    case MBOX_EVT_DNS_RESULT:
        if (e->arg[0] == DNS_ID_FOTA)
            fota_on_dns(e->arg[1]);
        else if (e->arg[0] == DNS_ID_NTP)
            sntp_on_dns(e->arg[1]);
        else if ((e->arg[0] & ~0xFFu) == DNS_ID_USER_BASE)
            sockets_on_dns(e->arg[0], e->arg[1]);
        else if (e->arg[0] == DNS_ID_LWM2M)
            lwm2m_on_dns(e->arg[1]);
        break;
    default:
        nw_handle_event(e);
        break;
    }
}

static void idle(void)
{
    uint32_t next = swtimer_next_expiry_ms();
    /* Deep sleep only when the host allows it (AT+QSCLK=1), nothing is
     * pending on the AT port and the next timer is far enough away. */
    bool deep = g_cfg.sleep_mode == 1 && uart_rx_available(UART_PORT_MAIN) == 0 &&
                next > 100u && nw_get_state() == NW_ST_PSM;
    if (g_cfg.sleep_mode == 0)
        return;
    board_enter_sleep(deep);
}

int main(void)
{
    mbox_evt_t evt;

    board_init();
    time_init();
    nvcfg_defaults(&g_cfg);
    uart_init(UART_PORT_DEBUG, 921600u, false);
    log_init(LOG_INFO);
    nvcfg_load();
    log_set_level((log_level_t)g_cfg.log_level);
    if (uart_init(UART_PORT_MAIN, g_cfg.baud, false) != 0)
        uart_init(UART_PORT_MAIN, 9600u, false);

    LOGI("SYS", "%s %s %s, reset cause: %s", FW_MANUFACTURER, FW_MODEL, g_fw_version, board_reset_cause());
    LOGI("SYS", "CPUID %08lx, core clock %lu MHz, VBAT %d mV, %.1f degC", (unsigned long)SCB_CPUID,
         (unsigned long)(SYSCLK_HZ / 1000000u), board_vbat_mv(), (double)board_temperature_c());
    report_crash();

    board_watchdog_init(8000);
    at_init();
    mbox_init();
    nw_init();
    lwm2m_init();
    fota_init();
    sockets_init();
    sntp_init();
    swtimer_init(&s_nv_timer, "nv-save", nv_timer_cb, NULL);
    swtimer_init(&s_status_timer, "status", status_timer_cb, NULL);
    swtimer_start(&s_status_timer, STATUS_PERIOD_MS, STATUS_PERIOD_MS);

    /* URC announcing that the module is ready for AT commands */
    at_urc("RDY");
    if (g_cfg.autoconnect)
        nw_set_cfun(1, 0);

    for (;;) {
        board_watchdog_kick();
        at_poll();
        while (mbox_get_event(&evt))
            dispatch_event(&evt);
        nw_poll();
        lwm2m_poll();
        fota_poll();
        swtimer_poll();
        if (nvcfg_dirty() && !swtimer_running(&s_nv_timer))
            swtimer_start(&s_nv_timer, NV_SAVE_DELAY_MS, 0);
        if (uart_rx_available(UART_PORT_MAIN) == 0)
            idle();
    }
}
