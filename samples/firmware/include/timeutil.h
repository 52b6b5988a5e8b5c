/* timeutil.h - RTC backed wall clock, NITZ, time zone and PLMN country data */
#ifndef TIMEUTIL_H
#define TIMEUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

typedef struct {
    uint16_t    mcc;
    const char *iso;          /* ISO 3166 alpha-2 */
    const char *country;
    int8_t      tz_qh;        /* representative standard offset, quarter hours */
} mcc_info_t;

void   time_init(void);
time_t time_utc(void);
void   time_set_utc(time_t t, int tz_qh, int dst, bool from_network);
int    time_tz_qh(void);
int    time_dst(void);
bool   time_is_network_synced(void);
int    time_format_cclk(char *buf, size_t size);
int    time_parse_cclk(const char *s, time_t *utc, int *tz_qh);
int    time_format_iso8601(char *buf, size_t size, time_t t, int tz_qh);
int    time_format_log(char *buf, size_t size);
const char *time_zone_name(int tz_qh);
int    time_tz_from_string(const char *s, int *tz_qh);

const mcc_info_t *plmn_mcc_lookup(uint16_t mcc);
const char *plmn_operator_name(uint16_t mcc, uint16_t mnc);
int plmn_parse(const char *s, uint16_t *mcc, uint16_t *mnc, uint8_t *mnc_digits);

#endif
