/* band.h - E-UTRA operating bands (3GPP TS 36.101 table 5.7.3-1) */
#ifndef BAND_H
#define BAND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint8_t     band;
    uint16_t    f_dl_low;      /* 100 kHz units */
    uint32_t    n_offs_dl;
    uint32_t    n_dl_max;
    uint16_t    f_ul_low;      /* 100 kHz units */
    uint32_t    n_offs_ul;
    uint16_t    bw_mhz;        /* DL band width */
    const char *name;
} lte_band_t;

const lte_band_t *band_lookup(unsigned band);
const lte_band_t *band_from_earfcn(uint32_t earfcn);
double   band_dl_freq_mhz(uint32_t earfcn, int m_dl);
double   band_ul_freq_mhz(uint32_t earfcn_dl, int m_dl);
bool     band_is_supported(unsigned band);
size_t   band_supported_list(uint8_t *out, size_t max);
int      band_set_enabled(const uint8_t *bands, size_t n);
size_t   band_get_enabled(uint8_t *out, size_t max);
uint32_t band_enabled_mask(void);
int      band_format_list(char *buf, size_t size, const uint8_t *bands, size_t n);

#endif
