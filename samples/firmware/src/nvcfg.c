/*
 * nvcfg.c - configuration record stored twice (A/B sectors) in flash.
 * The record with the valid CRC and the highest sequence number wins.
 */
#include <stddef.h>
#include <string.h>
#include "nvcfg.h"
#include "crc.h"
#include "flash.h"
#include "fw_config.h"
#include "log.h"

nvcfg_t g_cfg;
static bool s_dirty;

void nvcfg_defaults(nvcfg_t *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->magic = NVCFG_MAGIC;
    cfg->version = NVCFG_VERSION;
    cfg->length = (uint16_t)sizeof(*cfg);
    cfg->baud = 9600u;
    cfg->echo = 1;
    cfg->cmee = 1;
    cfg->ctzr = 0;
    cfg->sleep_mode = 1;
    cfg->led_mode = 0;
    cfg->log_level = 3;
    cfg->nbiot_event_urc = 0;
    cfg->cscon_urc = 0;
    strcpy(cfg->apn, DEFAULT_APN);
    strcpy(cfg->pdp_type, DEFAULT_PDP_TYPE);
    static const uint8_t default_bands[] = { 3, 5, 8, 20, 28 };
    memcpy(cfg->bands, default_bands, sizeof(default_bands));
    cfg->band_count = (uint8_t)sizeof(default_bands);
    cfg->psm_enable = 0;
    cfg->edrx_mode = 0;
    cfg->edrx_value = EDRX_DEFAULT_VALUE;
    cfg->t3412_s = PSM_DEFAULT_T3412_S;
    cfg->t3324_s = PSM_DEFAULT_T3324_S;
    cfg->locked_earfcn = 0;
    cfg->locked_pci = -1;
    cfg->cereg_mode = 0;
    cfg->autoconnect = 1;
    strcpy(cfg->lwm2m_server, LWM2M_DEFAULT_SERVER);
    cfg->lwm2m_port = LWM2M_DEFAULT_PORT;
    cfg->lwm2m_binding = 0;
    cfg->lwm2m_security = 0;
    cfg->lwm2m_endpoint[0] = '\0';          /* empty: derived from the IMEI */
    cfg->lwm2m_lifetime = LWM2M_DEFAULT_LIFETIME_S;
    cfg->tx_backoff_db = 0.0f;
    cfg->dsevent = 0;
    cfg->wakeup_rxd = 1;
}

static bool record_valid(const nvcfg_t *c)
{
    if (c->magic != NVCFG_MAGIC || c->length != sizeof(nvcfg_t))
        return false;
    return crc32(c, offsetof(nvcfg_t, crc)) == c->crc;
}

int nvcfg_load(void)
{
    const nvcfg_t *a = (const nvcfg_t *)(uintptr_t)FLASH_NVCFG_ADDR;
    const nvcfg_t *b = (const nvcfg_t *)(uintptr_t)(FLASH_NVCFG_ADDR + FLASH_SECTOR_SIZE);
    bool va = record_valid(a), vb = record_valid(b);
    const nvcfg_t *src = NULL;

    if (va && vb)
        src = (int32_t)(a->sequence - b->sequence) >= 0 ? a : b;
    else if (va)
        src = a;
    else if (vb)
        src = b;

    if (src == NULL) {
        LOGW("NV", "no valid configuration, using defaults");
        nvcfg_defaults(&g_cfg);
        s_dirty = true;
        return -1;
    }
    memcpy(&g_cfg, src, sizeof(g_cfg));
    if (g_cfg.version != NVCFG_VERSION) {
        LOGI("NV", "migrating configuration v%u -> v%u", (unsigned)g_cfg.version, NVCFG_VERSION);
        g_cfg.version = NVCFG_VERSION;
        s_dirty = true;
    }
    LOGI("NV", "configuration #%lu loaded from sector %c", (unsigned long)g_cfg.sequence,
         src == a ? 'A' : 'B');
    return 0;
}

int nvcfg_save(void)
{
    const nvcfg_t *a = (const nvcfg_t *)(uintptr_t)FLASH_NVCFG_ADDR;
    uint32_t target;

    g_cfg.sequence++;
    g_cfg.crc = crc32(&g_cfg, offsetof(nvcfg_t, crc));
    /* write to the sector that does not hold the newest record */
    target = (record_valid(a) && a->sequence + 1u == g_cfg.sequence)
                 ? FLASH_NVCFG_ADDR + FLASH_SECTOR_SIZE : FLASH_NVCFG_ADDR;
    if (flash_erase(target, FLASH_SECTOR_SIZE) != 0 ||
        flash_program(target, &g_cfg, sizeof(g_cfg)) != 0 ||
        flash_verify(target, &g_cfg, sizeof(g_cfg)) != 0) {
        LOGE("NV", "save failed");
        return -1;
    }
    s_dirty = false;
    return 0;
}

bool nvcfg_dirty(void)
{
    return s_dirty;
}

void nvcfg_mark_dirty(void)
{
    s_dirty = true;
}
