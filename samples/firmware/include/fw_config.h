/*
 * fw_config.h - release configuration of the BC25 application firmware.
 *
 * One source tree produces every release.  FW_REVISION is passed on the
 * compiler command line (-DFW_REVISION=3 for BC25R01A03, 4 for BC25R01A04)
 * and selects the behaviour that changed between releases.
 */
#ifndef FW_CONFIG_H
#define FW_CONFIG_H

#ifndef FW_REVISION
#error "FW_REVISION must be defined on the command line (e.g. -DFW_REVISION=4)"
#endif
#if FW_REVISION < 1 || FW_REVISION > 9
#error "FW_REVISION must be a single digit"
#endif

#define FW_STR_(x)  #x
#define FW_XSTR(x)  FW_STR_(x)

#define FW_MANUFACTURER   "Quectel"
#define FW_MODEL          "BC25"
#define FW_PRODUCT_LINE   "R01"
/* e.g. "BC25" "R01" "A0" "4" -> "BC25R01A04" */
#define FW_VERSION_STRING FW_MODEL FW_PRODUCT_LINE "A0" FW_XSTR(FW_REVISION)

/* ---- Network attach policy ---------------------------------------------- */
#if FW_REVISION >= 4
#define NW_ATTACH_RETRY_MAX        5u     /* attempts before backing off long */
#define NW_ATTACH_BACKOFF_S        20u    /* short back-off between attempts  */
#else
#define NW_ATTACH_RETRY_MAX        3u
#define NW_ATTACH_BACKOFF_S        30u
#endif
#define NW_ATTACH_LONG_BACKOFF_S   720u   /* T3402 default (12 minutes)       */
#define NW_SEARCH_TIMEOUT_S        180u

/* ---- Default PSM / eDRX timers (seconds) ----------------------------------- */
#define PSM_DEFAULT_T3412_S        (24u * 3600u)
#define PSM_DEFAULT_T3324_S        60u
#define EDRX_DEFAULT_VALUE         0x5u   /* 81.92 s */

/* ---- LwM2M / FOTA defaults ------------------------------------------------- */
#define LWM2M_DEFAULT_SERVER       "lwm2m.example-iot.net"
#define LWM2M_DEFAULT_PORT         5683u
#if FW_REVISION >= 4
#define LWM2M_DEFAULT_LIFETIME_S   43200u
#define FOTA_HTTP_TIMEOUT_S        90u
#else
#define LWM2M_DEFAULT_LIFETIME_S   86400u
#define FOTA_HTTP_TIMEOUT_S        60u
#endif
#define FOTA_HTTP_CHUNK            512u
#define FOTA_MAX_RETRIES           3u

#define DEFAULT_APN                ""     /* empty: use network-provided APN */
#define DEFAULT_PDP_TYPE           "IP"

/* ---- Flash layout (application view) --------------------------------------- */
#define FLASH_BASE_ADDR            0x08000000u
#define FLASH_BOOT_ADDR            0x08000000u   /* 128 KiB bootloader         */
#define FLASH_APP_ADDR             0x08020000u   /* this image                 */
#define FLASH_APP_SIZE             0x00100000u
#define FLASH_FOTA_ADDR            0x08120000u   /* download partition         */
#define FLASH_FOTA_SIZE            0x000A0000u
#define FLASH_NVCFG_ADDR           0x081C0000u   /* two 4 KiB config sectors   */
#define FLASH_NVCFG_SIZE           0x00002000u
#define FLASH_SECTOR_SIZE          0x1000u

extern const char g_fw_version[];

#endif /* FW_CONFIG_H */
