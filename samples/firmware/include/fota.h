/* fota.h - firmware download over HTTP into the download partition */
#ifndef FOTA_H
#define FOTA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    FOTA_ST_IDLE = 0,
    FOTA_ST_RESOLVING,
    FOTA_ST_CONNECTING,
    FOTA_ST_DOWNLOADING,
    FOTA_ST_VERIFYING,
    FOTA_ST_READY,
    FOTA_ST_UPDATING,
    FOTA_ST_FAILED,
} fota_state_t;

typedef enum {
    FOTA_ERR_NONE = 0,
    FOTA_ERR_URL,
    FOTA_ERR_DNS,
    FOTA_ERR_CONNECT,
    FOTA_ERR_HTTP,
    FOTA_ERR_TIMEOUT,
    FOTA_ERR_TOO_LARGE,
    FOTA_ERR_FLASH,
    FOTA_ERR_HEADER,
    FOTA_ERR_VERSION,
    FOTA_ERR_CHECKSUM,
    FOTA_ERR_NO_NETWORK,
    FOTA_ERR_COUNT
} fota_err_t;

void fota_init(void);
void fota_poll(void);
int  fota_start(const char *url, const char *expected_sha256_hex);
void fota_abort(fota_err_t err);
fota_state_t fota_state(void);
const char *fota_state_name(fota_state_t st);
const char *fota_err_name(fota_err_t err);
void fota_on_rx(const uint8_t *data, size_t len);
void fota_on_dns(uint32_t ipv4);
void fota_on_sock_state(uint32_t state, uint32_t err);
uint32_t fota_progress_permille(void);

#endif
