/*
 * dfota/zip.h - the zips of the platform flow: X.zip holding X.bin,
 * written deterministically, and read back with every check a hostile zip
 * calls for.
 *
 * Host library (libarchive writes and inflates; the zip structure is parsed
 * here with explicit little-endian reads and bounds checks). Buffers in
 * memory; the caller does the file I/O. docs/FORMAT.md ("Signed zip") lists
 * what is accepted and refused.
 */
#ifndef DFOTA_ZIP_H
#define DFOTA_ZIP_H

#include <stddef.h>
#include <stdint.h>

#include "dfota/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Largest uncompressed .bin accepted (zip bomb guard): 256 MiB. */
#define DFOTA_ZIP_CONTENT_MAX (256u * 1024u * 1024u)
/* Largest uncompressed : compressed ratio accepted (zip bomb guard). */
#define DFOTA_ZIP_RATIO_MAX 1000u
/* Largest zip file accepted: the content limit plus room for the headers. */
#define DFOTA_ZIP_FILE_MAX (DFOTA_ZIP_CONTENT_MAX + 1024u * 1024u)
/* Longest entry name; a payload name is 4 bytes shorter so that "<name>.sig" fits. */
#define DFOTA_ZIP_NAME_MAX 255u
#define DFOTA_ZIP_PAYLOAD_NAME_MAX (DFOTA_ZIP_NAME_MAX - 4u)
/* Appended to the payload's name to name the signature entry of a signed zip. */
#define DFOTA_ZIP_SIGNATURE_SUFFIX ".sig"

/* Entry time when SOURCE_DATE_EPOCH is not set: 1980-01-01T00:00:00Z, the DOS epoch. */
#define DFOTA_ZIP_DEFAULT_MTIME 315532800u
/* Latest entry time accepted: 2099-12-31T23:59:59Z (DOS dates and 32-bit "UT" times). */
#define DFOTA_ZIP_MTIME_MAX 4102444799u

/*
 * Is `name` acceptable as the payload of a signtool zip: 5..251 bytes,
 * ending in ".bin" (any case) after a non-empty stem, no '/', no '\\', no
 * ':', no byte below 0x20 nor 0x7F, not "." or ".."? ZIP_CONTENT otherwise.
 */
enum dfota_status dfota_zip_payload_name_check(const char *name, struct dfota_error *err);

/*
 * Write a zip holding one entry, `name` (dfota_zip_payload_name_check()),
 * with the `size` bytes at `content`, deflated, through libarchive:
 * regular file, mode 0644, uid and gid 0, no user or group name, modified
 * at `mtime` seconds since 1970 (UTC; values before 1980 become 1980-01-01,
 * the first DOS date; more than DFOTA_ZIP_MTIME_MAX is INVALID_ARGUMENT).
 * The same inputs give the same bytes on every machine and in every time
 * zone: TZ is set to UTC while libarchive runs (it converts times with
 * localtime()) and restored afterwards, so this function is not safe to run
 * while another thread reads the environment. The result is read back with
 * dfota_zip_open() before it is returned (a content that compresses more
 * than DFOTA_ZIP_RATIO_MAX:1 is therefore UNSAFE_ZIP). `*zip` is malloc'd
 * (free()). TOO_LARGE above DFOTA_ZIP_CONTENT_MAX.
 */
enum dfota_status dfota_zip_create(const char *name, const uint8_t *content, size_t size,
                                   uint64_t mtime, uint8_t **zip, size_t *zip_size,
                                   struct dfota_error *err);

/* The .bin held by a zip. */
struct dfota_zip_payload {
    char name[DFOTA_ZIP_NAME_MAX + 1];  /* entry name, e.g. "BC25R01A03_TO_BC25R01A04.bin" */
    uint8_t *content;                   /* uncompressed bytes, malloc'd (at least 1 byte) */
    size_t content_size;
    size_t compressed_size;
    uint16_t method;                    /* 0 stored, 8 deflate */
    uint32_t crc32;                     /* CRC-32 of content, checked */
    uint16_t dos_time, dos_date;        /* modification time, as stored */
};

/*
 * Open an unsigned X.zip as the signtool takes it: exactly one entry, a
 * regular file whose name passes dfota_zip_payload_name_check(), stored or
 * deflated; the content is inflated (libarchive), and its size and CRC-32
 * checked. An archive comment and entry comments are accepted (and ignored).
 * Statuses: BAD_ZIP (not a zip, truncated, lengths or offsets out of range,
 * local header and central directory disagree, CRC or size mismatch,
 * inflate error), UNSAFE_ZIP (absolute or ".." names, backslash, control
 * characters, duplicate names, encryption, zip64, several disks, unknown
 * methods or flags, declared size above DFOTA_ZIP_CONTENT_MAX or ratio
 * above DFOTA_ZIP_RATIO_MAX), ALREADY_SIGNED (an entry named *.sig),
 * ZIP_CONTENT (no entry, several entries, a directory, a link, a name not
 * ending in .bin), TOO_LARGE (zip above DFOTA_ZIP_FILE_MAX), NO_MEMORY.
 * Release `payload` with dfota_zip_payload_release(), also after a failure.
 */
enum dfota_status dfota_zip_open(const uint8_t *zip, size_t zip_size,
                                 struct dfota_zip_payload *payload, struct dfota_error *err);

/* Free the content of `payload` and clear it. */
void dfota_zip_payload_release(struct dfota_zip_payload *payload);

#ifdef __cplusplus
}
#endif

#endif /* DFOTA_ZIP_H */
