/*
 * band.c - E-UTRA band table (3GPP TS 36.101, table 5.7.3-1) restricted to
 * the FDD bands that NB-IoT (and the BC25 RF front end) can operate in,
 * EARFCN <-> carrier frequency conversion, and the enabled band list.
 */
#include <stdio.h>
#include <string.h>
#include "band.h"
#include "fw_config.h"
#include "nvcfg.h"
#include "mbox.h"
#include "log.h"
#if FW_REVISION >= 4
#include "at.h"
#include "at_handlers.h"
#include "errcodes.h"
#include "nw.h"
#endif

/* f_dl_low/f_ul_low in 100 kHz units. */
static const lte_band_t s_bands[] = {
    {  1, 21100,     0,   599, 19200, 18000, 60, "2100 (IMT)" },
    {  2, 19300,   600,  1199, 18500, 18600, 60, "1900 (PCS)" },
    {  3, 18050,  1200,  1949, 17100, 19200, 75, "1800 (DCS)" },
    {  4, 21100,  1950,  2399, 17100, 19950, 45, "1700/2100 (AWS-1)" },
    {  5,  8690,  2400,  2649,  8240, 20400, 25, "850 (CLR)" },
    {  8,  9250,  3450,  3799,  8800, 21450, 35, "900 (E-GSM)" },
    { 11, 14759,  4750,  4949, 14279, 22750, 20, "1500 (Lower PDC)" },
    { 12,  7290,  5010,  5179,  6990, 23010, 17, "700 (Lower SMH A/B/C)" },
    { 13,  7460,  5180,  5279,  7770, 23180, 10, "700 (Upper SMH C)" },
    { 14,  7580,  5280,  5379,  7880, 23280, 10, "700 (Upper SMH D)" },
    { 17,  7340,  5730,  5849,  7040, 23730, 12, "700 (Lower SMH B/C)" },
    { 18,  8600,  5850,  5999,  8150, 23850, 15, "800 (Lower)" },
    { 19,  8750,  6000,  6149,  8300, 24000, 15, "800 (Upper)" },
    { 20,  7910,  6150,  6449,  8320, 24150, 30, "800 (DD)" },
    { 21, 14959,  6450,  6599, 14479, 24450, 15, "1500 (Upper PDC)" },
    { 25, 19300,  8040,  8689, 18500, 26040, 65, "1900+ (E-PCS)" },
    { 26,  8590,  8690,  9039,  8140, 26690, 35, "850+ (E-CLR)" },
    { 28,  7580,  9210,  9659,  7030, 27210, 45, "700 (APT)" },
    { 31,  4625,  9870,  9919,  4525, 27760,  5, "450 (NMT)" },
    { 66, 21100, 66436, 67335, 17100, 131972, 90, "1700/2100 (E-AWS)" },
    { 70, 19950, 68336, 68585, 16950, 132972, 25, "2000 (AWS-4)" },
    { 71,  6170, 68586, 68935,  6630, 133122, 35, "600 (US)" },
    { 72,  4610, 68936, 68985,  4510, 133222,  5, "450 (PMR/PAMR)" },
    { 73,  4600, 68986, 69035,  4500, 133272,  5, "450 (APAC)" },
    { 74, 14750, 69036, 69465, 14270, 133322, 43, "L-band" },
    { 85,  7280, 70366, 70545,  6980, 134002, 18, "700 (Ext. Lower SMH)" },
};

/* Bands the BC25 RF front end is calibrated for. */
static const uint8_t s_supported[] = { 1, 2, 3, 4, 5, 8, 12, 13, 17, 18, 19, 20, 25, 28, 66, 70, 71, 85 };

const lte_band_t *band_lookup(unsigned band)
{
    for (size_t i = 0; i < sizeof(s_bands) / sizeof(s_bands[0]); i++) {
        if (s_bands[i].band == band)
            return &s_bands[i];
    }
    return NULL;
}

const lte_band_t *band_from_earfcn(uint32_t earfcn)
{
    for (size_t i = 0; i < sizeof(s_bands) / sizeof(s_bands[0]); i++) {
        if (earfcn >= s_bands[i].n_offs_dl && earfcn <= s_bands[i].n_dl_max)
            return &s_bands[i];
    }
    return NULL;
}

/*
 * NB-IoT carrier: F_DL = F_DL_low + 0.1 (N_DL - N_Offs-DL) + 0.0025 (2 M_DL + 1)
 * where M_DL in -10..9 is the channel raster offset (TS 36.101 5.7.3F).
 */
double band_dl_freq_mhz(uint32_t earfcn, int m_dl)
{
    const lte_band_t *b = band_from_earfcn(earfcn);
    if (b == NULL || m_dl < -10 || m_dl > 9)
        return 0.0;
    return b->f_dl_low / 10.0 + 0.1 * (double)(earfcn - b->n_offs_dl) +
           0.0025 * (double)(2 * m_dl + 1);
}

double band_ul_freq_mhz(uint32_t earfcn_dl, int m_dl)
{
    const lte_band_t *b = band_from_earfcn(earfcn_dl);
    if (b == NULL || m_dl < -10 || m_dl > 9)
        return 0.0;
    /* default duplex distance: same channel index in the UL range */
    uint32_t n_ul = b->n_offs_ul + (earfcn_dl - b->n_offs_dl);
    return b->f_ul_low / 10.0 + 0.1 * (double)(n_ul - b->n_offs_ul) +
           0.0025 * (double)(2 * m_dl);
}

bool band_is_supported(unsigned band)
{
    for (size_t i = 0; i < sizeof(s_supported); i++) {
        if (s_supported[i] == band)
            return true;
    }
    return false;
}

size_t band_supported_list(uint8_t *out, size_t max)
{
    size_t n = sizeof(s_supported) < max ? sizeof(s_supported) : max;
    memcpy(out, s_supported, n);
    return n;
}

uint32_t band_enabled_mask(void)
{
    uint32_t mask = 0;
    for (size_t i = 0; i < g_cfg.band_count; i++) {
        for (size_t j = 0; j < sizeof(s_supported); j++) {
            if (s_supported[j] == g_cfg.bands[i])
                mask |= 1u << j;
        }
    }
    return mask;
}

int band_set_enabled(const uint8_t *bands, size_t n)
{
    if (n == 0 || n > sizeof(g_cfg.bands))
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (!band_is_supported(bands[i]))
            return -1;
        for (size_t j = 0; j < i; j++) {
            if (bands[j] == bands[i])
                return -1;
        }
    }
    memset(g_cfg.bands, 0, sizeof(g_cfg.bands));
    memcpy(g_cfg.bands, bands, n);
    g_cfg.band_count = (uint8_t)n;
    nvcfg_mark_dirty();

    uint32_t args[1] = { band_enabled_mask() };
    LOGI("BAND", "enabled band mask 0x%05lx (%u bands)", (unsigned long)args[0], (unsigned)n);
    return mbox_request(MBOX_REQ_SET_BANDS, args, 1);
}

size_t band_get_enabled(uint8_t *out, size_t max)
{
    size_t n = g_cfg.band_count < max ? g_cfg.band_count : max;
    memcpy(out, g_cfg.bands, n);
    return n;
}

int band_format_list(char *buf, size_t size, const uint8_t *bands, size_t n)
{
    size_t pos = 0;
    if (size == 0)
        return -1;
    buf[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        int w = snprintf(buf + pos, size - pos, i ? ",%u" : "%u", bands[i]);
        if (w < 0 || (size_t)w >= size - pos)
            return -1;
        pos += (size_t)w;
    }
    return (int)pos;
}

#if FW_REVISION >= 4
/*
 * AT+QBAND=<n>,<band1>[,<band2>...]   lock the module to a set of bands
 * AT+QBAND?                            +QBAND: <n>,<band list>
 * AT+QBAND=?                           +QBAND: (list of supported bands)
 *
 * Added in BC25R01A04.  Previously bands could only be changed with
 * AT+QCFG="band", which required a reboot; AT+QBAND applies immediately
 * when the radio is in minimum functionality (AT+CFUN=0).
 */
int at_h_qband(const at_args_t *a)
{
    char list[96];
    uint8_t bands[16];
    size_t n;
    long count;

    switch (a->type) {
    case AT_CMD_TEST:
        n = band_supported_list(bands, sizeof(bands));
        if (band_format_list(list, sizeof(list), bands, n) < 0)
            return CME_UNKNOWN;
        at_resp("+QBAND: (%s)", list);
        return AT_RES_OK;
    case AT_CMD_READ:
        n = band_get_enabled(bands, sizeof(bands));
        if (band_format_list(list, sizeof(list), bands, n) < 0)
            return CME_UNKNOWN;
        at_resp("+QBAND: %u,%s", (unsigned)n, list);
        return AT_RES_OK;
    case AT_CMD_SET:
        if (!at_arg_int(a, 0, 1, (long)sizeof(bands), &count) || a->argc != (unsigned)count + 1u)
            return CME_INCORRECT_PARAMETERS;
        if (nw_get_cfun() != 0)
            return CME_OPERATION_NOT_ALLOWED;
        for (long i = 0; i < count; i++) {
            long b;
            if (!at_arg_int(a, (unsigned)i + 1u, 1, 255, &b) || !band_is_supported((unsigned)b))
                return CME_INCORRECT_PARAMETERS;
            bands[i] = (uint8_t)b;
        }
        if (band_set_enabled(bands, (size_t)count) != 0)
            return CME_INCORRECT_PARAMETERS;
        return AT_RES_OK;
    default:
        return CME_OPERATION_NOT_SUPPORTED;
    }
}
#endif
