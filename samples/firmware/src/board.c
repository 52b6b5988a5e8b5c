/* board.c - SysTick time base, software timers, watchdog, reset and identity */
#include <stdio.h>
#include <string.h>
#include "board.h"
#include "bc25_regs.h"
#include "fw_config.h"

static volatile uint32_t s_millis;
static swtimer_t *s_timers;

void SysTick_Handler(void)
{
    s_millis++;
}

void board_init(void)
{
    SYST_RVR = SYSCLK_HZ / 1000u - 1u;
    SYST_CVR = 0;
    SYST_CSR = SYST_CSR_CLKSOURCE | SYST_CSR_TICKINT | SYST_CSR_ENABLE;

    GPIO_DIR |= GPIO_PIN_NETLIGHT | GPIO_PIN_STATUS | GPIO_PIN_RI;
    GPIO_DOUT &= ~(GPIO_PIN_NETLIGHT | GPIO_PIN_RI);
    GPIO_DOUT |= GPIO_PIN_STATUS;

    RTC_CTRL |= RTC_CTRL_EN;
}

uint32_t board_millis(void)
{
    return s_millis;
}

uint32_t board_uptime_s(void)
{
    return s_millis / 1000u;
}

void board_delay_ms(uint32_t ms)
{
    uint32_t start = s_millis;
    while ((uint32_t)(s_millis - start) < ms)
        board_watchdog_kick();
}

void board_reset(void)
{
    __asm volatile ("dsb" ::: "memory");
    SCB_AIRCR = SCB_AIRCR_VECTKEY | SCB_AIRCR_SYSRESETREQ;
    __asm volatile ("dsb" ::: "memory");
    for (;;)
        ;
}

void board_watchdog_init(uint32_t timeout_ms)
{
    /* 32.768 kHz clock, /32 prescaler -> 1.024 ticks per ms */
    WDT_TIMEOUT = (timeout_ms * 1024u) / 1000u;
    WDT_CTRL = 1u;
    WDT_KICK = WDT_KICK_KEY;
}

void board_watchdog_kick(void)
{
    WDT_KICK = WDT_KICK_KEY;
}

void board_set_netlight(bool on)
{
    if (on)
        GPIO_DOUT |= GPIO_PIN_NETLIGHT;
    else
        GPIO_DOUT &= ~GPIO_PIN_NETLIGHT;
}

void board_set_status_pin(bool on)
{
    if (on)
        GPIO_DOUT |= GPIO_PIN_STATUS;
    else
        GPIO_DOUT &= ~GPIO_PIN_STATUS;
}

void board_pulse_ri(void)
{
    /* 120 ms low pulse on RI announces a URC to the host */
    GPIO_DOUT |= GPIO_PIN_RI;
    board_delay_ms(120);
    GPIO_DOUT &= ~GPIO_PIN_RI;
}

void board_enter_sleep(bool deep)
{
    if (deep) {
        PMU_SLEEP_CTRL = PMU_SLEEP_DEEP | PMU_SLEEP_RETAIN;
        SCB_SCR |= SCB_SCR_SLEEPDEEP;
    } else {
        SCB_SCR &= ~SCB_SCR_SLEEPDEEP;
    }
    cpu_wfi();
    SCB_SCR &= ~SCB_SCR_SLEEPDEEP;
}

static const char *const s_reset_causes[] = {
    "power-on", "pin reset", "watchdog", "software", "lockup", "brown-out", "deep-sleep wakeup", "unknown"
};

const char *board_reset_cause(void)
{
    uint32_t c = PMU_RESET_CAUSE & 0x7u;
    return s_reset_causes[c];
}

static int bcd_to_ascii(const volatile uint32_t *words, unsigned nwords, char *out, unsigned max_digits)
{
    unsigned n = 0;
    for (unsigned w = 0; w < nwords; w++) {
        uint32_t v = words[w];
        for (int shift = 28; shift >= 0; shift -= 4) {
            unsigned d = (v >> shift) & 0xFu;
            if (d == 0xFu)
                goto done;
            if (d > 9u || n >= max_digits)
                return -1;
            out[n++] = (char)('0' + d);
        }
    }
done:
    out[n] = '\0';
    return (int)n;
}

/* IMEI: 14 digits in eFuse plus the Luhn check digit computed here. */
int board_read_imei(char out[16])
{
    int n = bcd_to_ascii(&EFUSE_IMEI(0), 2, out, 14);
    unsigned sum = 0;

    if (n != 14) {
        strcpy(out, "000000000000000");
        return -1;
    }
    for (int i = 0; i < 14; i++) {
        unsigned d = (unsigned)(out[i] - '0');
        if (i & 1) {
            d *= 2;
            if (d > 9)
                d -= 9;
        }
        sum += d;
    }
    out[14] = (char)('0' + (10 - sum % 10) % 10);
    out[15] = '\0';
    return 15;
}

int board_read_sn(char out[20])
{
    return snprintf(out, 20, "%08lX%08lX", (unsigned long)EFUSE_UID(0), (unsigned long)EFUSE_UID(1));
}

int board_vbat_mv(void)
{
    return (int)(PMU_VBAT_MV & 0xFFFFu);
}

/* On-die sensor: 12-bit code, 0.125 degC/LSB, 0 degC at code 1600. */
float board_temperature_c(void)
{
    int raw = (int)(PMU_TEMP_RAW & 0xFFFu);
    return (float)(raw - 1600) * 0.125f;
}

uint32_t board_random(void)
{
    for (unsigned guard = 0; guard < 1000u; guard++) {
        if (TRNG_STATUS & 1u)
            return TRNG_DATA;
    }
    /* TRNG not ready: fall back to a mix of the timebase and the UID */
    return (s_millis * 2654435761u) ^ EFUSE_UID(0) ^ SYST_CVR;
}

/* ---- software timers ------------------------------------------------------ */

void swtimer_init(swtimer_t *t, const char *name, swtimer_cb_t cb, void *arg)
{
    memset(t, 0, sizeof(*t));
    t->name = name;
    t->cb = cb;
    t->arg = arg;
}

static void swtimer_unlink(swtimer_t *t)
{
    swtimer_t **pp = &s_timers;
    while (*pp) {
        if (*pp == t) {
            *pp = t->next;
            break;
        }
        pp = &(*pp)->next;
    }
    t->next = NULL;
}

void swtimer_start(swtimer_t *t, uint32_t timeout_ms, uint32_t period_ms)
{
    swtimer_t **pp;

    swtimer_unlink(t);
    t->expiry_ms = s_millis + timeout_ms;
    t->period_ms = period_ms;
    t->active = true;
    /* keep the list sorted by expiry */
    pp = &s_timers;
    while (*pp && (int32_t)((*pp)->expiry_ms - t->expiry_ms) <= 0)
        pp = &(*pp)->next;
    t->next = *pp;
    *pp = t;
}

void swtimer_stop(swtimer_t *t)
{
    swtimer_unlink(t);
    t->active = false;
}

bool swtimer_running(const swtimer_t *t)
{
    return t->active;
}

uint32_t swtimer_remaining_ms(const swtimer_t *t)
{
    int32_t left;
    if (!t->active)
        return 0;
    left = (int32_t)(t->expiry_ms - s_millis);
    return left > 0 ? (uint32_t)left : 0u;
}

void swtimer_poll(void)
{
    while (s_timers && (int32_t)(s_millis - s_timers->expiry_ms) >= 0) {
        swtimer_t *t = s_timers;
        s_timers = t->next;
        t->next = NULL;
        t->active = false;
        if (t->period_ms)
            swtimer_start(t, t->period_ms, t->period_ms);
        if (t->cb)
            t->cb(t->arg);
    }
}

uint32_t swtimer_next_expiry_ms(void)
{
    if (!s_timers)
        return UINT32_MAX;
    return swtimer_remaining_ms(s_timers);
}
