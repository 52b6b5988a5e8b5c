/* nw.h - network registration state machine, PSM and eDRX */
#ifndef NW_H
#define NW_H

#include <stdbool.h>
#include <stdint.h>
#include "mbox.h"

typedef enum {
    CEREG_NOT_REGISTERED = 0,
    CEREG_REGISTERED_HOME = 1,
    CEREG_SEARCHING = 2,
    CEREG_DENIED = 3,
    CEREG_UNKNOWN = 4,
    CEREG_REGISTERED_ROAMING = 5,
} cereg_stat_t;

typedef enum {
    NW_ST_OFF = 0,
    NW_ST_MINIMUM,
    NW_ST_SEARCHING,
    NW_ST_ATTACHING,
    NW_ST_BACKOFF,
    NW_ST_REGISTERED,
    NW_ST_CONNECTED,
    NW_ST_PSM,
    NW_ST_DENIED,
    NW_ST_COUNT
} nw_state_t;

typedef struct {
    int16_t  rsrp_dbm10;     /* dBm * 10  */
    int16_t  rsrq_db10;      /* dB * 10   */
    int16_t  rssi_dbm10;     /* dBm * 10  */
    int16_t  sinr_db10;      /* dB * 10   */
    int16_t  tx_power_dbm10;
    uint8_t  ecl;            /* coverage enhancement level 0..2 */
    uint8_t  band;
    uint32_t earfcn;
    int8_t   earfcn_offset;
    uint16_t pci;
    uint32_t cell_id;
    uint16_t tac;
    bool     valid;
} nw_serving_cell_t;

typedef struct {
    bool     requested;
    uint32_t t3412_req_s;
    uint32_t t3324_req_s;
    bool     granted;
    uint32_t t3412_nw_s;
    uint32_t t3324_nw_s;
} nw_psm_t;

typedef struct {
    uint8_t  mode;           /* 0 disable, 1 enable, 2 enable + URC, 3 disable and reset */
    uint8_t  req_value;      /* 4-bit eDRX value */
    uint8_t  nw_value;
    uint8_t  nw_ptw;
    bool     nw_provided;
} nw_edrx_t;

void nw_init(void);
void nw_poll(void);
void nw_handle_event(const mbox_evt_t *evt);
int  nw_set_cfun(int fun, int rst);
int  nw_get_cfun(void);
int  nw_attach(bool attach);
bool nw_is_attached(void);
bool nw_is_registered(void);
nw_state_t nw_get_state(void);
const char *nw_state_name(nw_state_t st);
cereg_stat_t nw_get_cereg(void);
void nw_set_cereg_mode(int mode);
int  nw_get_cereg_mode(void);
void nw_format_cereg(char *buf, unsigned size, bool urc);
const nw_serving_cell_t *nw_serving(void);
int  nw_get_reject_cause(void);
uint32_t nw_get_ipv4(void);
bool nw_rrc_connected(void);
void nw_set_cscon_urc(bool on);
bool nw_get_cscon_urc(void);
void nw_set_event_urc(bool on);
bool nw_get_event_urc(void);
void nw_plmn(uint16_t *mcc, uint16_t *mnc, uint8_t *mnc_digits);
uint8_t nw_attach_retries(void);

int  nw_set_psm(bool enable, uint32_t t3412_s, uint32_t t3324_s);
const nw_psm_t *nw_get_psm(void);
int  nw_set_edrx(uint8_t mode, uint8_t value);
const nw_edrx_t *nw_get_edrx(void);

/* 3GPP TS 24.008 GPRS timer 2 / timer 3 encoding */
int      psm_encode_t3412(uint32_t seconds, uint8_t *code);
int      psm_encode_t3324(uint32_t seconds, uint8_t *code);
uint32_t psm_decode_t3412(uint8_t code);
uint32_t psm_decode_t3324(uint8_t code);
void     psm_code_to_bits(uint8_t code, char out[9]);
bool     psm_bits_to_code(const char *bits, uint8_t *code);
uint32_t edrx_cycle_ms(uint8_t value);
uint32_t edrx_ptw_ms(uint8_t ptw);

/* signal quality helpers */
int nw_csq_rssi_index(int rssi_dbm10);
int nw_cesq_rsrp_index(int rsrp_dbm10);
int nw_cesq_rsrq_index(int rsrq_db10);

#endif
