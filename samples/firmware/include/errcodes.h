/* errcodes.h - textual forms of 3GPP and module specific error codes */
#ifndef ERRCODES_H
#define ERRCODES_H

/* +CME ERROR codes used by this firmware (3GPP TS 27.007 9.2 + vendor range) */
enum {
    CME_PHONE_FAILURE = 0,
    CME_OPERATION_NOT_ALLOWED = 3,
    CME_OPERATION_NOT_SUPPORTED = 4,
    CME_SIM_NOT_INSERTED = 10,
    CME_SIM_PIN_REQUIRED = 11,
    CME_SIM_PUK_REQUIRED = 12,
    CME_SIM_FAILURE = 13,
    CME_SIM_BUSY = 14,
    CME_MEMORY_FULL = 20,
    CME_INVALID_INDEX = 21,
    CME_NOT_FOUND = 22,
    CME_TEXT_TOO_LONG = 24,
    CME_INVALID_CHARS = 25,
    CME_NO_NETWORK = 30,
    CME_NETWORK_TIMEOUT = 31,
    CME_UNKNOWN = 100,
    CME_INCORRECT_PARAMETERS = 50,
    CME_PDP_AUTH_FAILURE = 149,
    CME_MISSING_CONTEXT = 150,
    CME_QUEC_FOTA_BUSY = 701,
    CME_QUEC_FOTA_URL = 702,
    CME_QUEC_FOTA_NET = 703,
    CME_QUEC_FOTA_CHECK = 704,
    CME_QUEC_LWM2M_BUSY = 740,
    CME_QUEC_LWM2M_NOT_CONFIGURED = 741,
    CME_QUEC_LWM2M_NOT_REGISTERED = 742,
    CME_QUEC_FLASH = 760,
};

const char *cme_error_str(int code);
const char *emm_cause_str(int cause);
const char *esm_cause_str(int cause);
const char *http_status_str(int status);
const char *coap_code_str(unsigned code);

#endif
