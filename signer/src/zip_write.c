/*
 * zip_write.c - X.zip holding X.bin, written by libarchive, the same bytes
 * for the same inputs on every machine.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "archive_api.h"
#include "zip_internal.h"

struct zip_output {
    uint8_t *data;
    size_t size, capacity;
    bool out_of_memory;
};

static la_ssize_t write_output(struct archive *a, void *ctx, const void *buffer, size_t length)
{
    struct zip_output *out = ctx;

    (void)a;
    if (out->capacity - out->size < length) {
        size_t want = out->capacity ? out->capacity : 4096;
        uint8_t *grown;

        while (want - out->size < length) {
            if (want > SIZE_MAX / 2) {
                out->out_of_memory = true;
                return -1;
            }
            want *= 2;
        }
        grown = realloc(out->data, want);
        if (grown == NULL) {
            out->out_of_memory = true;
            return -1;
        }
        out->data = grown;
        out->capacity = want;
    }
    memcpy(out->data + out->size, buffer, length);
    out->size += length;
    return (la_ssize_t)length;
}

/*
 * libarchive turns the entry time into a DOS date with localtime(): run it
 * in UTC, whatever TZ says, so that the bytes do not depend on the machine.
 */
struct saved_timezone {
    char *tz;     /* the caller's TZ, or NULL if it was unset */
    bool changed; /* TZ was set to UTC and must be restored */
};

/* false (TZ untouched) if the caller's TZ cannot be saved or TZ cannot be set. */
static bool force_utc(struct saved_timezone *saved)
{
    const char *tz = getenv("TZ");

    saved->tz = NULL;
    saved->changed = false;
    if (tz != NULL) {
        saved->tz = strdup(tz);
        if (saved->tz == NULL)
            return false;
    }
    if (setenv("TZ", "UTC0", 1) != 0) {
        free(saved->tz);
        saved->tz = NULL;
        return false;
    }
    saved->changed = true;
    tzset();
    return true;
}

static void restore_timezone(struct saved_timezone *saved)
{
    if (!saved->changed)
        return;
    if (saved->tz != NULL)
        (void)setenv("TZ", saved->tz, 1);
    else
        (void)unsetenv("TZ");
    tzset();
    free(saved->tz);
    saved->tz = NULL;
    saved->changed = false;
}

/* Everything libarchive does, with TZ already forced to UTC. */
static enum dfota_status write_archive(const char *name, const uint8_t *content, size_t size,
                                       time_t mtime, struct zip_output *out,
                                       struct dfota_error *err)
{
    const struct dfota_archive_api *ar = dfota_archive_api(err);
    struct archive *a;
    struct archive_entry *entry;
    size_t written = 0;
    char why[160];
    enum dfota_status st = DFOTA_OK;

    if (ar == NULL)
        return err != NULL ? err->status : DFOTA_E_INTERNAL;
    a = ar->write_new();
    entry = ar->entry_new();
    if (a == NULL || entry == NULL) {
        st = dfota_error_set(err, DFOTA_E_NO_MEMORY, "cannot create a libarchive writer");
        goto out;
    }
    /* Unblocked output: no padding after the end record. */
    if (ar->write_set_format_zip(a) != ARCHIVE_OK ||
        ar->write_set_options(a, "zip:compression=deflate") != ARCHIVE_OK ||
        ar->write_set_bytes_per_block(a, 0) != ARCHIVE_OK ||
        ar->write_open2(a, out, NULL, write_output, NULL, NULL) != ARCHIVE_OK)
        goto failed;
    ar->entry_set_pathname(entry, name);
    ar->entry_set_filetype(entry, AE_IFREG);
    ar->entry_set_perm(entry, 0644);
    ar->entry_set_uid(entry, 0);
    ar->entry_set_gid(entry, 0);
    ar->entry_set_size(entry, (la_int64_t)size);
    ar->entry_set_mtime(entry, mtime, 0);
    if (ar->write_header(a, entry) != ARCHIVE_OK)
        goto failed;
    while (written < size) {
        la_ssize_t n = ar->write_data(a, content + written, size - written);

        if (n <= 0)
            goto failed;
        written += (size_t)n;
    }
    if (ar->write_finish_entry(a) != ARCHIVE_OK || ar->write_close(a) != ARCHIVE_OK)
        goto failed;
    goto out;
failed:
    if (out->out_of_memory)
        st = dfota_error_set(err, DFOTA_E_NO_MEMORY, "out of memory while writing the zip");
    else
        st = dfota_error_set(err, DFOTA_E_INTERNAL, "libarchive cannot write the zip: %s",
                             dfota_archive_message(ar, a, why, sizeof(why)));
out:
    ar->entry_free(entry);
    ar->write_free(a);
    return st;
}

enum dfota_status dfota_zip_create(const char *name, const uint8_t *content, size_t size,
                                   uint64_t mtime, uint8_t **zip, size_t *zip_size,
                                   struct dfota_error *err)
{
    struct zip_output out = {NULL, 0, 0, false};
    struct saved_timezone saved;
    struct dfota_zip_payload check;
    enum dfota_status st;

    *zip = NULL;
    *zip_size = 0;
    st = dfota_zip_payload_name_check(name, err);
    if (st != DFOTA_OK)
        return st;
    if (size == 0)
        return dfota_error_set(err, DFOTA_E_ZIP_CONTENT, "'%s' is empty", name);
    if (size > DFOTA_ZIP_CONTENT_MAX)
        return dfota_error_set(err, DFOTA_E_TOO_LARGE,
                               "'%s' is %zu bytes, more than the %u-byte limit", name, size,
                               DFOTA_ZIP_CONTENT_MAX);
    if (mtime > DFOTA_ZIP_MTIME_MAX)
        return dfota_error_set(err, DFOTA_E_INVALID_ARGUMENT,
                               "time %llu is after 2099-12-31T23:59:59Z, which a zip cannot "
                               "hold",
                               (unsigned long long)mtime);
    if (mtime < DFOTA_ZIP_DEFAULT_MTIME)
        mtime = DFOTA_ZIP_DEFAULT_MTIME; /* DOS dates start in 1980 */

    if (!force_utc(&saved))
        return dfota_error_set(err, DFOTA_E_NO_MEMORY, "cannot set TZ=UTC0 for libarchive");
    st = write_archive(name, content, size, (time_t)mtime, &out, err);
    restore_timezone(&saved);
    if (st != DFOTA_OK) {
        free(out.data);
        return st;
    }

    /* Never hand out a zip that our own reader refuses, or that reads back different. */
    st = dfota_zip_open(out.data, out.size, &check, err);
    if (st == DFOTA_OK &&
        (check.content_size != size || memcmp(check.content, content, size) != 0 ||
         strcmp(check.name, name) != 0))
        st = dfota_error_set(err, DFOTA_E_INTERNAL, "the zip written reads back different");
    dfota_zip_payload_release(&check);
    if (st != DFOTA_OK) {
        free(out.data);
        return st;
    }
    *zip = out.data;
    *zip_size = out.size;
    return DFOTA_OK;
}
