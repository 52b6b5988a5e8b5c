/* board.h - clocks, tick, reset, identity and software timers */
#ifndef BOARD_H
#define BOARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Fault record kept in .noinit RAM across the reset that follows a fault. */
typedef struct {
    uint32_t magic;
    uint32_t r0, r1, r2, r3, r12, lr, pc, xpsr;
    uint32_t cfsr, hfsr, mmfar, bfar, exc_return;
    uint32_t crc;               /* CRC-32C of the fields above */
} crash_record_t;

#define CRASH_MAGIC 0xDEADC0DEu
extern crash_record_t g_crash_record;

typedef void (*swtimer_cb_t)(void *arg);

typedef struct swtimer {
    struct swtimer *next;
    const char     *name;
    uint32_t        expiry_ms;
    uint32_t        period_ms;
    swtimer_cb_t    cb;
    void           *arg;
    bool            active;
} swtimer_t;

void     board_init(void);
uint32_t board_millis(void);
uint32_t board_uptime_s(void);
void     board_delay_ms(uint32_t ms);
void     board_reset(void) __attribute__((noreturn));
void     board_watchdog_init(uint32_t timeout_ms);
void     board_watchdog_kick(void);
void     board_set_netlight(bool on);
void     board_set_status_pin(bool on);
void     board_pulse_ri(void);
void     board_enter_sleep(bool deep);
const char *board_reset_cause(void);
int      board_read_imei(char out[16]);
int      board_read_sn(char out[20]);
int      board_vbat_mv(void);
float    board_temperature_c(void);
uint32_t board_random(void);

void     swtimer_init(swtimer_t *t, const char *name, swtimer_cb_t cb, void *arg);
void     swtimer_start(swtimer_t *t, uint32_t timeout_ms, uint32_t period_ms);
void     swtimer_stop(swtimer_t *t);
bool     swtimer_running(const swtimer_t *t);
uint32_t swtimer_remaining_ms(const swtimer_t *t);
void     swtimer_poll(void);
uint32_t swtimer_next_expiry_ms(void);

#endif
