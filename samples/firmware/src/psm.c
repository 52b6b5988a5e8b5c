/*
 * psm.c - 3GPP TS 24.008 timer coding used by AT+CPSMS / AT+CEREG and the
 * eDRX cycle / paging time window tables used by AT+CEDRXS (NB-S1 mode).
 */
#include <string.h>
#include "nw.h"

#define PSM_DEACTIVATED 0xE0u   /* unit bits 111 */

/* GPRS timer 3 (T3412 extended): unit code -> seconds per step */
static const uint32_t s_t3412_units[8] = {
    600u,        /* 000: 10 minutes */
    3600u,       /* 001: 1 hour     */
    36000u,      /* 010: 10 hours   */
    2u,          /* 011: 2 seconds  */
    30u,         /* 100: 30 seconds */
    60u,         /* 101: 1 minute   */
    1152000u,    /* 110: 320 hours  */
    0u,          /* 111: deactivated */
};

/* GPRS timer 2 (T3324): unit code -> seconds per step (001 = 1 min, 010 = decihour) */
static const uint32_t s_t3324_units[8] = {
    2u, 60u, 360u, 60u, 60u, 60u, 60u, 0u
};

/* unit codes in increasing step size */
static const uint8_t s_t3412_order[] = { 3, 4, 5, 0, 1, 2, 6 };
static const uint8_t s_t3324_order[] = { 0, 1, 2 };

static int encode_timer(uint32_t seconds, const uint32_t *units, const uint8_t *order,
                        size_t n_order, uint8_t *code)
{
    size_t i;

    /* prefer an exact representation with the finest unit */
    for (i = 0; i < n_order; i++) {
        uint32_t u = units[order[i]];
        if (seconds % u == 0 && seconds / u <= 31u) {
            *code = (uint8_t)((order[i] << 5) | (seconds / u));
            return 0;
        }
    }
    /* otherwise round up to the next representable value */
    for (i = 0; i < n_order; i++) {
        uint32_t u = units[order[i]];
        uint32_t steps = (seconds + u - 1u) / u;
        if (steps <= 31u) {
            *code = (uint8_t)((order[i] << 5) | steps);
            return 1;
        }
    }
    return -1;
}

int psm_encode_t3412(uint32_t seconds, uint8_t *code)
{
    if (seconds == 0) {
        *code = PSM_DEACTIVATED;
        return 0;
    }
    return encode_timer(seconds, s_t3412_units, s_t3412_order, sizeof(s_t3412_order), code);
}

int psm_encode_t3324(uint32_t seconds, uint8_t *code)
{
    return encode_timer(seconds, s_t3324_units, s_t3324_order, sizeof(s_t3324_order), code);
}

uint32_t psm_decode_t3412(uint8_t code)
{
    return s_t3412_units[code >> 5] * (code & 0x1Fu);
}

uint32_t psm_decode_t3324(uint8_t code)
{
    unsigned unit = code >> 5;
    if (unit == 7u)
        return 0;
    /* values 011..110 are interpreted as 1 minute (TS 24.008 10.5.7.4) */
    return s_t3324_units[unit] * (code & 0x1Fu);
}

void psm_code_to_bits(uint8_t code, char out[9])
{
    for (int i = 0; i < 8; i++)
        out[i] = (code & (0x80u >> i)) ? '1' : '0';
    out[8] = '\0';
}

bool psm_bits_to_code(const char *bits, uint8_t *code)
{
    uint8_t v = 0;
    if (strlen(bits) != 8)
        return false;
    for (int i = 0; i < 8; i++) {
        if (bits[i] != '0' && bits[i] != '1')
            return false;
        v = (uint8_t)((v << 1) | (uint8_t)(bits[i] - '0'));
    }
    *code = v;
    return true;
}

/* TS 24.008 table 10.5.5.32, NB-S1 mode.  0 = value not used in NB-S1. */
static const uint32_t s_edrx_nb_ms[16] = {
    0, 0, 20480, 40960, 0, 81920, 0, 0,
    0, 163840, 327680, 655360, 1310720, 2621440, 5242880, 10485760,
};

uint32_t edrx_cycle_ms(uint8_t value)
{
    uint32_t ms = s_edrx_nb_ms[value & 0x0Fu];
    return ms ? ms : s_edrx_nb_ms[2];   /* reserved values: 20.48 s */
}

/* NB-S1 paging time window: (value + 1) * 2.56 s */
uint32_t edrx_ptw_ms(uint8_t ptw)
{
    return ((uint32_t)(ptw & 0x0Fu) + 1u) * 2560u;
}
