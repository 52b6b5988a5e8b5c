/*
 * module_impl.h - what the parts of the module simulator share
 * (module.c: models, state, AT commands, the update; download.c: libcurl).
 */
#ifndef DFOTA_MODULE_IMPL_H
#define DFOTA_MODULE_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dfota/module.h"

enum module_family { FAMILY_BC, FAMILY_EC };

struct module_model {
    const char *name;      /* as given to --model */
    const char *ati_name;  /* as ATI prints it */
    enum module_family family;
    size_t url_max;        /* 511 (BC25/BC32), 255 (EC200x) */
    bool full_image;       /* EC200T: FOTA with a full target image */
    bool update_urc_max;   /* <update_URC_max> accepted (EC200T only) */
};

enum url_scheme { SCHEME_HTTP, SCHEME_HTTPS, SCHEME_FTP };

/* A download's result: 0 or the model's <HTTP_err> / <FTP_err>. */
struct download {
    uint8_t *data;        /* malloc'd */
    size_t size;
    unsigned code;
};

/* Download progress: called with the URC number k of `max` (1..max) as the
 * bytes arrive; the last one only once the whole body is in. */
typedef void (*download_progress_fn)(void *ctx, unsigned k, unsigned max);

/*
 * Fetch `url` with libcurl into memory, at most `limit` bytes (more is
 * the model's "too large" code), reporting `urc_max` progress steps.
 * `code` is 0 on success, else the code the model reports for the failure.
 */
void module_download(const struct module_model *model, enum url_scheme scheme, const char *url,
                     size_t limit, unsigned urc_max, const char *ca_file, unsigned timeout,
                     download_progress_fn progress, void *ctx, struct download *out);

#endif /* DFOTA_MODULE_IMPL_H */
