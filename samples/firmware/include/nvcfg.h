/* nvcfg.h - persisted configuration in the NV config flash sectors */
#ifndef NVCFG_H
#define NVCFG_H

#include <stdbool.h>
#include <stdint.h>

#define NVCFG_MAGIC    0x4E564346u   /* "NVCF" */
#define NVCFG_VERSION  3u

typedef struct {
    uint32_t magic;
    uint16_t version;
    uint16_t length;
    uint32_t sequence;
    /* serial / AT interface */
    uint32_t baud;
    uint8_t  echo;
    uint8_t  cmee;
    uint8_t  ctzr;
    uint8_t  sleep_mode;        /* AT+QSCLK */
    uint8_t  led_mode;
    uint8_t  log_level;
    uint8_t  nbiot_event_urc;
    uint8_t  cscon_urc;
    /* network */
    char     apn[64];
    char     pdp_type[8];
    uint8_t  bands[16];
    uint8_t  band_count;
    uint8_t  psm_enable;
    uint8_t  edrx_mode;
    uint8_t  edrx_value;
    uint32_t t3412_s;
    uint32_t t3324_s;
    uint32_t locked_earfcn;
    int16_t  locked_pci;
    uint8_t  cereg_mode;
    uint8_t  autoconnect;
    /* LwM2M */
    char     lwm2m_server[64];
    uint16_t lwm2m_port;
    uint8_t  lwm2m_binding;
    uint8_t  lwm2m_security;
    char     lwm2m_endpoint[48];
    uint32_t lwm2m_lifetime;
    /* misc */
    float    tx_backoff_db;
    uint8_t  dsevent;
    uint8_t  wakeup_rxd;
    uint8_t  reserved[2];
    uint32_t crc;               /* CRC-32 of everything above */
} nvcfg_t;

extern nvcfg_t g_cfg;

void nvcfg_defaults(nvcfg_t *cfg);
int  nvcfg_load(void);
int  nvcfg_save(void);
bool nvcfg_dirty(void);
void nvcfg_mark_dirty(void);

#endif
