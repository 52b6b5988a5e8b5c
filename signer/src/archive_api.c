/*
 * archive_api.c - dlopen() of libarchive on first use (see archive_api.h).
 */
#include "archive_api.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stddef.h>
#include <string.h>

#ifndef DFOTA_LIBARCHIVE_SONAME
#define DFOTA_LIBARCHIVE_SONAME "libarchive.so.13"
#endif

static struct dfota_archive_api api;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static char load_error[160];

/* Each field of `api` and the libarchive symbol that fills it. */
#define SYMBOL(field, name) {offsetof(struct dfota_archive_api, field), name}
static const struct {
    size_t offset;
    const char *name;
} symbols[] = {
    SYMBOL(write_new, "archive_write_new"),
    SYMBOL(write_set_format_zip, "archive_write_set_format_zip"),
    SYMBOL(write_set_options, "archive_write_set_options"),
    SYMBOL(write_set_bytes_per_block, "archive_write_set_bytes_per_block"),
    SYMBOL(write_open2, "archive_write_open2"),
    SYMBOL(write_header, "archive_write_header"),
    SYMBOL(write_data, "archive_write_data"),
    SYMBOL(write_finish_entry, "archive_write_finish_entry"),
    SYMBOL(write_close, "archive_write_close"),
    SYMBOL(write_free, "archive_write_free"),
    SYMBOL(read_new, "archive_read_new"),
    SYMBOL(read_support_format_zip_streamable, "archive_read_support_format_zip_streamable"),
    SYMBOL(read_open_memory, "archive_read_open_memory"),
    SYMBOL(read_next_header, "archive_read_next_header"),
    SYMBOL(read_data, "archive_read_data"),
    SYMBOL(read_free, "archive_read_free"),
    SYMBOL(error_string, "archive_error_string"),
    SYMBOL(entry_new, "archive_entry_new"),
    SYMBOL(entry_free, "archive_entry_free"),
    SYMBOL(entry_set_pathname, "archive_entry_set_pathname"),
    SYMBOL(entry_set_filetype, "archive_entry_set_filetype"),
    SYMBOL(entry_set_perm, "archive_entry_set_perm"),
    SYMBOL(entry_set_uid, "archive_entry_set_uid"),
    SYMBOL(entry_set_gid, "archive_entry_set_gid"),
    SYMBOL(entry_set_size, "archive_entry_set_size"),
    SYMBOL(entry_set_mtime, "archive_entry_set_mtime"),
};

static void load(void)
{
    void *lib = dlopen(DFOTA_LIBARCHIVE_SONAME, RTLD_NOW | RTLD_LOCAL);
    size_t i;
    void *sym;

    if (lib == NULL) {
        const char *why = dlerror();

        (void)snprintf(load_error, sizeof(load_error), "cannot load %s: %s",
                       DFOTA_LIBARCHIVE_SONAME, why ? why : "unknown error");
        return;
    }
    for (i = 0; i < sizeof(symbols) / sizeof(symbols[0]); i++) {
        sym = dlsym(lib, symbols[i].name);
        if (sym == NULL) {
            (void)snprintf(load_error, sizeof(load_error), "%s lacks %s",
                           DFOTA_LIBARCHIVE_SONAME, symbols[i].name);
            return;
        }
        /* POSIX guarantees that a data pointer from dlsym() converts to a function pointer. */
        memcpy((char *)&api + symbols[i].offset, &sym, sizeof(sym));
    }
}

const struct dfota_archive_api *dfota_archive_api(struct dfota_error *err)
{
    (void)pthread_once(&once, load);
    if (load_error[0] != '\0') {
        dfota_error_set(err, DFOTA_E_INTERNAL, "%s", load_error);
        return NULL;
    }
    return &api;
}

const char *dfota_archive_message(const struct dfota_archive_api *ar, struct archive *a,
                                  char *out, size_t size)
{
    const char *message = a != NULL ? ar->error_string(a) : NULL;
    size_t n;

    if (size == 0)
        return out;
    (void)snprintf(out, size, "%s", message != NULL && message[0] ? message : "no detail");
    n = strlen(out);
    while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == '\r' || out[n - 1] == ' ' ||
                     out[n - 1] == '.'))
        out[--n] = '\0';
    if (n == 0)
        (void)snprintf(out, size, "no detail");
    return out;
}
