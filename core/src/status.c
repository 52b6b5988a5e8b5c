/*
 * status.c - names, descriptions and module error codes of dfota statuses.
 *
 * The single table below is the only place where a status is tied to what a
 * module reports. Codes come from the module vendors' guides, "BC25 & BC32
 * series (NB-IoT) DFOTA application guide" V1.0 (2020-07-04) and "EC200x /
 * EC600S / EG912Y series (LTE Cat-1) (D)FOTA application guide" V1.1
 * (2020-10-27), which are not in this repository (README.md, "Error
 * messages", shows how dfota prints them):
 *   BC25/BC32 <HTTP_err>: 6500 unknown, 6501 invalid parameter, 6502 package
 *     larger than the free file-system space, 6505 writing the package
 *     failed, 6507 package check failed, 6509 RAM allocation failed;
 *     <FOTA_err>: 6508 upgrade failed.
 *   EC200x <err>: 504 (D)FOTA upgrade failed, 506 firmware MD5 check error.
 *   LwM2M platform download result: 2 out of memory, 5 integrity check
 *     failed; 8 "firmware update failed" is OMA's /5/0/5 value for failures
 *     after the download.
 */
#include "dfota/status.h"

#include <stdio.h>
#include <string.h>

struct status_entry {
    enum dfota_status status;
    const char *name;
    const char *description;
    unsigned short module_code[DFOTA_MODULE_FAMILY_COUNT]; /* BC25, EC200, LwM2M */
};

static const struct status_entry status_table[] = {
    {DFOTA_OK, "OK", "success", {0, 0, 0}},
    {DFOTA_E_INVALID_ARGUMENT, "INVALID_ARGUMENT", "invalid argument", {6501, 504, 8}},
    {DFOTA_E_NO_MEMORY, "NO_MEMORY", "out of memory", {6509, 504, 2}},
    {DFOTA_E_IO, "IO", "input/output error", {6505, 504, 8}},
    {DFOTA_E_TOO_LARGE, "TOO_LARGE", "input too large", {6502, 504, 2}},
    {DFOTA_E_INTERNAL, "INTERNAL", "internal error", {6500, 504, 8}},
    /* Only a host writes files it may refuse to replace: no module code. */
    {DFOTA_E_EXISTS, "EXISTS", "output exists", {0, 0, 0}},
    {DFOTA_E_BAD_MAGIC, "BAD_MAGIC", "not a dfota package (bad magic)", {6507, 504, 5}},
    {DFOTA_E_UNSUPPORTED_VERSION, "UNSUPPORTED_VERSION", "unsupported format version", {6507, 504, 5}},
    {DFOTA_E_TRUNCATED, "TRUNCATED", "truncated", {6507, 506, 5}},
    {DFOTA_E_BAD_LENGTH, "BAD_LENGTH", "length out of range", {6507, 504, 5}},
    {DFOTA_E_HEADER_CHECKSUM, "HEADER_CHECKSUM", "header checksum mismatch", {6507, 506, 5}},
    {DFOTA_E_MALFORMED, "MALFORMED", "malformed header", {6507, 504, 5}},
    {DFOTA_E_UNSUPPORTED_FEATURE, "UNSUPPORTED_FEATURE", "unsupported feature", {6507, 504, 5}},
    {DFOTA_E_TRAILING_DATA, "TRAILING_DATA", "trailing data after payload", {6507, 506, 5}},
    {DFOTA_E_PAYLOAD_DIGEST, "PAYLOAD_DIGEST", "payload digest mismatch", {6507, 506, 5}},
    {DFOTA_E_PAYLOAD_CORRUPT, "PAYLOAD_CORRUPT", "payload corrupt", {6507, 506, 5}},
    {DFOTA_E_SOURCE_MISMATCH, "SOURCE_MISMATCH", "source image mismatch", {6507, 504, 8}},
    {DFOTA_E_TARGET_MISMATCH, "TARGET_MISMATCH", "target image mismatch", {6508, 506, 8}},
    {DFOTA_E_CORRUPT_PATCH, "CORRUPT_PATCH", "corrupt patch", {6507, 506, 5}},
    {DFOTA_E_WORKSPACE, "WORKSPACE", "applier workspace too small", {6509, 504, 2}},
    /* Another package's update is half done: this one cannot start. */
    {DFOTA_E_UPDATE_IN_PROGRESS, "UPDATE_IN_PROGRESS", "another update is in progress",
     {6508, 504, 8}},
    {DFOTA_E_FLASH, "FLASH", "flash operation failed", {6508, 504, 8}},
    /*
     * Host-only statuses carry no module code (all 0): no module ever
     * reports them. A power cut is simulated by the flash simulator; a real
     * device that loses power reports nothing. Keys and passphrases exist
     * only where packages are made, and a zip is "already signed" only to
     * the signer.
     */
    {DFOTA_E_POWER_CUT, "POWER_CUT", "power cut", {0, 0, 0}},
    {DFOTA_E_WEAK_PASSPHRASE, "WEAK_PASSPHRASE", "passphrase too weak", {0, 0, 0}},
    {DFOTA_E_BAD_PASSPHRASE, "BAD_PASSPHRASE", "wrong passphrase", {0, 0, 0}},
    {DFOTA_E_KEY, "KEY", "cannot load key", {0, 0, 0}},
    {DFOTA_E_UNSUPPORTED_ALGORITHM, "UNSUPPORTED_ALGORITHM", "unsupported key algorithm",
     {0, 0, 0}},
    /*
     * Signature and zip failures are integrity failures of the download: the
     * platform and the module check the signed zip they are given.
     */
    {DFOTA_E_BAD_SIGNATURE, "BAD_SIGNATURE", "signature verification failed", {6507, 506, 5}},
    {DFOTA_E_NOT_SIGNED, "NOT_SIGNED", "zip is not signed", {6507, 504, 5}},
    {DFOTA_E_ALREADY_SIGNED, "ALREADY_SIGNED", "zip is already signed", {0, 0, 0}},
    {DFOTA_E_BAD_ZIP, "BAD_ZIP", "malformed zip", {6507, 506, 5}},
    {DFOTA_E_UNSAFE_ZIP, "UNSAFE_ZIP", "unsafe zip", {6507, 504, 5}},
    {DFOTA_E_ZIP_CONTENT, "ZIP_CONTENT", "zip does not hold one .bin file", {6507, 504, 5}},
};

static const unsigned short unknown_codes[DFOTA_MODULE_FAMILY_COUNT] = {6500, 504, 8};

static const struct status_entry *find_entry(enum dfota_status status)
{
    size_t i;

    for (i = 0; i < sizeof(status_table) / sizeof(status_table[0]); i++)
        if (status_table[i].status == status)
            return &status_table[i];
    return NULL;
}

const char *dfota_status_name(enum dfota_status status)
{
    const struct status_entry *e = find_entry(status);

    return e ? e->name : "UNKNOWN";
}

const char *dfota_status_str(enum dfota_status status)
{
    const struct status_entry *e = find_entry(status);

    return e ? e->description : "unknown status";
}

unsigned dfota_status_module_code(enum dfota_status status, enum dfota_module_family family)
{
    const struct status_entry *e;

    if ((unsigned)family >= DFOTA_MODULE_FAMILY_COUNT)
        return 0;
    e = find_entry(status);
    return e ? e->module_code[family] : unknown_codes[family];
}

const char *dfota_module_family_name(enum dfota_module_family family)
{
    switch (family) {
    case DFOTA_MODULE_BC25:
        return "BC25";
    case DFOTA_MODULE_EC200:
        return "EC200";
    case DFOTA_MODULE_LWM2M:
        return "LwM2M";
    }
    return "unknown";
}

void dfota_error_clear(struct dfota_error *err)
{
    if (err == NULL)
        return;
    err->status = DFOTA_OK;
    err->message[0] = '\0';
}

enum dfota_status dfota_error_status(struct dfota_error *err, enum dfota_status status)
{
    if (err != NULL) {
        err->status = status;
        err->message[0] = '\0';
    }
    return status;
}

#if DFOTA_DEVICE_MESSAGES
enum dfota_status dfota_error_set(struct dfota_error *err, enum dfota_status status,
                                  const char *fmt, ...)
{
    va_list ap;

    if (err == NULL)
        return status;
    err->status = status;
    va_start(ap, fmt);
    (void)vsnprintf(err->message, sizeof(err->message), fmt, ap);
    va_end(ap);
    return status;
}
#endif
