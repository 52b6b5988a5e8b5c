/*
 * dfota/module.h - a simulated cellular module (BC25/BC32 NB-IoT, EC200x /
 * EC600S / EG912Y LTE Cat-1) that runs the vendors' (D)FOTA flows: AT
 * commands on a byte stream, AT+QFOTADL in the forms each model has, real
 * downloads (libcurl: HTTP, HTTPS, FTP), the URC sequences and error codes
 * of the vendors' DFOTA application guides, and the update itself through
 * the device-side package front end on a simulated NOR flash with a
 * progress record (dfota/devsim.h), so that a power cut at any moment is
 * resumed at the next start (forced-upgrade mode). docs/MODULE.md.
 *
 * The module keeps its state in a directory, so it survives restarts:
 *   model         the model it was created as
 *   firmware.bin  the running firmware (ATI reads its revision string)
 *   ufs/          the user file system (BC25/BC32: fota.pack, MCU files)
 *   update.pack   the package of an update accepted and not finished: the
 *                 next boot runs it (upgrade mode 0, or after a power cut)
 *   urc_max       that update's number of progress URCs
 *   flash.bin     the device flash of the update in progress, a shared
 *                 mapping written as each flash operation happens
 *
 * Host library (POSIX, libcurl); not thread-safe; one module per process.
 */
#ifndef DFOTA_MODULE_H
#define DFOTA_MODULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dfota/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define DFOTA_MODULE_IMPORTS_MAX 16u

struct dfota_module_options {
    const char *model;      /* bc25, bc32, ec200s, ec200t, ec600s, eg912y */
    const char *image;      /* the firmware of a new state directory (NULL: the state's) */
    const char *state_dir;  /* created if missing */
    uint32_t ufs_size;      /* BC25/BC32 user file system capacity, bytes */
    const char *ufs_import[DFOTA_MODULE_IMPORTS_MAX]; /* FILE or FILE:NAME into the UFS */
    size_t ufs_import_count;
    bool cut;               /* power cut after cut_after flash operations of an update */
    uint64_t cut_after;
    const char *ca_file;    /* CA certificates for https:// (NULL: the system's) */
    unsigned timeout;       /* seconds: connect, and a download that stalls */
    uint32_t erase_size, write_align; /* the flash; defaults 4096 and 4 */
};

void dfota_module_options_init(struct dfota_module_options *opts);

/* The model names, comma-separated, for messages. */
const char *dfota_module_models(void);

/*
 * Boot the module (a first start creates the state; an update in progress
 * runs at once, printing its URCs), then read AT commands from
 * `in_fd` and answer on `out_fd` until end of input. Returns DFOTA_OK at
 * end of input; DFOTA_E_POWER_CUT when the armed cut fired (nothing more
 * was printed: the device lost power, its state is on disk);
 * INVALID_ARGUMENT / IO / MALFORMED for a state or option that cannot be
 * used, with the reason in `err`.
 */
enum dfota_status dfota_module_run(const struct dfota_module_options *opts, int in_fd,
                                   int out_fd, struct dfota_error *err);

#ifdef __cplusplus
}
#endif

#endif /* DFOTA_MODULE_H */
