/*
 * zip_internal.h - the zip structure as parsed by zip_read.c, shared with
 * the signer. Private to dfota_signer.
 *
 * Offsets are into the caller's buffer. Everything here has been checked
 * against the bytes available and against the central directory.
 */
#ifndef DFOTA_ZIP_INTERNAL_H
#define DFOTA_ZIP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dfota/status.h"
#include "dfota/zip.h"

#define ZIP_LOCAL_SIGNATURE 0x04034b50u
#define ZIP_CENTRAL_SIGNATURE 0x02014b50u
#define ZIP_END_SIGNATURE 0x06054b50u
#define ZIP_DESCRIPTOR_SIGNATURE 0x08074b50u
#define ZIP64_END_SIGNATURE 0x06064b50u
#define ZIP64_LOCATOR_SIGNATURE 0x07064b50u
#define ZIP_LOCAL_HEADER_SIZE 30u
#define ZIP_CENTRAL_HEADER_SIZE 46u
#define ZIP_END_SIZE 22u
#define ZIP_COMMENT_MAX 65535u

#define ZIP_FLAG_ENCRYPTED 0x0001u
#define ZIP_FLAG_DEFLATE_OPTIONS 0x0006u
#define ZIP_FLAG_DESCRIPTOR 0x0008u
#define ZIP_FLAG_UTF8 0x0800u
/* Flags accepted: deflate options (bits 1, 2) and data descriptor (3) with
 * deflate only, UTF-8 names (11; names are ASCII anyway). */
#define ZIP_FLAGS_ALLOWED 0x080eu
/* Highest "version needed to extract": 2.0 (deflate); above is zip64, bzip2, AES, ... */
#define ZIP_VERSION_NEEDED_MAX 20u

#define ZIP_METHOD_STORED 0u
#define ZIP_METHOD_DEFLATE 8u

/* Central directory header of the entries dfota writes: Unix, zip 2.0 */
#define ZIP_VERSION_MADE_BY 0x0314u
/* Unix regular file, mode 0644, in the high half of the external attributes. */
#define ZIP_EXTERNAL_ATTRIBUTES 0x81a40000u
/* Version needed to extract a stored entry (1.0). */
#define ZIP_VERSION_STORED 10u

/* Entries a package zip holds at most: the .bin and, signed, its .sig. */
#define ZIP_ENTRIES_KEPT 2u

struct zip_entry {
    char name[DFOTA_ZIP_NAME_MAX + 1];
    size_t name_size;
    bool is_directory;       /* name ends in '/', or the attributes say so */
    bool is_link;            /* Unix attributes say symbolic link (or another non-file) */
    /* Central directory values (the local header agrees; see zip_parse). */
    uint16_t version_needed, flags, method;
    uint32_t crc32, compressed_size, uncompressed_size;
    /* Local entry: header at local_offset, data at data_offset, then the
     * descriptor (descriptor_size 0, 12 or 16 bytes); `end` is one past it. */
    size_t local_offset, data_offset, descriptor_size, end;
    size_t local_extra_size;
    uint16_t dos_time, dos_date;
};

struct zip_archive {
    size_t entry_count;                        /* 1..ZIP_ENTRIES_KEPT */
    struct zip_entry entries[ZIP_ENTRIES_KEPT]; /* in directory order, which is file order */
    bool has_signature_entry;                  /* some entry's name ends in ".sig" */
    char signature_name[DFOTA_ZIP_NAME_MAX + 1]; /* the first such name */
    size_t central_offset, central_size, end_offset;
};

/*
 * Parse and check the whole structure of `zip` (see dfota_zip_open() for
 * the statuses and docs/FORMAT.md, "The zip rule", for the rule): the file
 * is exactly the local entries, one after the other from offset 0, then
 * the central directory, then one end record without a comment; at most
 * ZIP_ENTRIES_KEPT entries; local headers and the central directory agree
 * field by field; no structure signature anywhere outside entry data but
 * where the layout puts it. Does not look at entry content (zip_extract()).
 */
enum dfota_status zip_parse(const uint8_t *zip, size_t zip_size, struct zip_archive *archive,
                            struct dfota_error *err);

/* Is entry 0 a payload the signtool takes (one regular *.bin at top level)? ZIP_CONTENT if not. */
enum dfota_status zip_check_payload_entry(const struct zip_entry *entry,
                                          struct dfota_error *err);

/*
 * Inflate (or copy) the content of `entry` and check its size and CRC-32:
 * BAD_ZIP on any mismatch or inflate error. Fills `payload`.
 */
enum dfota_status zip_extract(const uint8_t *zip, const struct zip_entry *entry,
                              struct dfota_zip_payload *payload, struct dfota_error *err);

#endif /* DFOTA_ZIP_INTERNAL_H */
