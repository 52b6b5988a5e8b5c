/*
 * archive_api.h - libarchive, loaded when first needed.
 *
 * libarchive pulls in libxml2, ICU, libstdc++ and a dozen compression
 * libraries: linked into the dfota binary they cost every command (diff,
 * apply, ...) about 1.5 ms of start-up and 3 MiB of resident memory. Only
 * zip and sign use it, so it is opened with dlopen() on first use, and its
 * functions are called through this table. Internal to the signer.
 */
#ifndef DFOTA_SIGNER_ARCHIVE_API_H
#define DFOTA_SIGNER_ARCHIVE_API_H

#include <archive.h>
#include <archive_entry.h>

#include "dfota/status.h"

struct dfota_archive_api {
    struct archive *(*write_new)(void);
    int (*write_set_format_zip)(struct archive *);
    int (*write_set_options)(struct archive *, const char *);
    int (*write_set_bytes_per_block)(struct archive *, int);
    int (*write_open2)(struct archive *, void *, archive_open_callback *,
                       archive_write_callback *, archive_close_callback *,
                       archive_free_callback *);
    int (*write_header)(struct archive *, struct archive_entry *);
    la_ssize_t (*write_data)(struct archive *, const void *, size_t);
    int (*write_finish_entry)(struct archive *);
    int (*write_close)(struct archive *);
    int (*write_free)(struct archive *);
    struct archive *(*read_new)(void);
    int (*read_support_format_zip_streamable)(struct archive *);
    int (*read_open_memory)(struct archive *, const void *, size_t);
    int (*read_next_header)(struct archive *, struct archive_entry **);
    la_ssize_t (*read_data)(struct archive *, void *, size_t);
    int (*read_free)(struct archive *);
    const char *(*error_string)(struct archive *);
    struct archive_entry *(*entry_new)(void);
    void (*entry_free)(struct archive_entry *);
    void (*entry_set_pathname)(struct archive_entry *, const char *);
    void (*entry_set_filetype)(struct archive_entry *, unsigned int);
    void (*entry_set_perm)(struct archive_entry *, __LA_MODE_T);
    void (*entry_set_uid)(struct archive_entry *, la_int64_t);
    void (*entry_set_gid)(struct archive_entry *, la_int64_t);
    void (*entry_set_size)(struct archive_entry *, la_int64_t);
    void (*entry_set_mtime)(struct archive_entry *, time_t, long);
};

/*
 * The loaded table, or NULL with `err` set (INTERNAL: libarchive missing or
 * incomplete). Loads once; thread-safe.
 */
const struct dfota_archive_api *dfota_archive_api(struct dfota_error *err);

/*
 * libarchive's message for `a`, fit for the middle of ours: copied into
 * `out` (`size` bytes) without the trailing newline or spaces libarchive
 * sometimes keeps; "no detail" when it has none. Returns `out`.
 */
const char *dfota_archive_message(const struct dfota_archive_api *ar, struct archive *a,
                                  char *out, size_t size);

#endif /* DFOTA_SIGNER_ARCHIVE_API_H */
