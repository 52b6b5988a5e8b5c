/* log.h - debug log on the DBG UART */
#ifndef LOG_H
#define LOG_H

#include <stddef.h>
#include <stdint.h>

typedef enum { LOG_NONE = 0, LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG, LOG_TRACE } log_level_t;

void log_init(log_level_t level);
void log_set_level(log_level_t level);
log_level_t log_get_level(void);
void log_printf(log_level_t level, const char *module, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void log_hexdump(log_level_t level, const char *module, const char *title,
                 const void *data, size_t len);
void log_signal(const char *module, int32_t rsrp_q8, int32_t rssi_q8, uint32_t sig_lin, uint32_t noise_lin);
const char *log_level_name(log_level_t level);
uint32_t log_dropped(void);

#define LOGE(mod, ...) log_printf(LOG_ERROR, mod, __VA_ARGS__)
#define LOGW(mod, ...) log_printf(LOG_WARN, mod, __VA_ARGS__)
#define LOGI(mod, ...) log_printf(LOG_INFO, mod, __VA_ARGS__)
#define LOGD(mod, ...) log_printf(LOG_DEBUG, mod, __VA_ARGS__)

#endif
