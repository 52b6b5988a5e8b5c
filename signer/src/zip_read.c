/*
 * zip_read.c - parse and check a zip held in memory, and extract its entry.
 *
 * The structure (end record, central directory, local headers, data
 * descriptors) is read here with explicit little-endian loads, each after a
 * bounds check: libarchive's own zip reader is lenient where a signature
 * check must not be. libarchive inflates the entry, from a local header
 * rebuilt here, and checks the compressed size, size and CRC-32 on the way.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dfota/wire.h"
#include "archive_api.h"
#include "zip_internal.h"

/* Unix file types in the high half of the external attributes. */
#define UNIX_TYPE_MASK 0170000u
#define UNIX_TYPE_DIRECTORY 0040000u
#define UNIX_TYPE_REGULAR 0100000u
#define UNIX_SPECIAL_BITS 07000u /* setuid, setgid, sticky */
#define HOST_DOS 0u
#define HOST_UNIX 3u
#define DOS_ATTRIBUTE_DIRECTORY 0x10u
/* DOS attributes a file may carry: read-only, hidden, system, archive, normal. */
#define DOS_ATTRIBUTES_FILE 0xa7u
#define DOS_ATTRIBUTE_VOLUME 0x08u

/* The extra records accepted, from Info-ZIP and libarchive: both only carry metadata. */
#define EXTRA_TIMESTAMP 0x5455u   /* "UT": flags, then up to 3 Unix times */
#define EXTRA_UNIX_IDS 0x7875u    /* "ux": version 1, uid size, uid, gid size, gid */
#define EXTRA_ZIP64 0x0001u
#define EXTRA_AES 0x9901u
#define EXTRA_UNICODE_PATH 0x7075u

/* A name for messages: printable ASCII, '?' for anything else, shortened. */
static const char *shown_name(const uint8_t *name, size_t size, char out[72])
{
    size_t i, n = size > 64 ? 61 : size;

    for (i = 0; i < n; i++)
        out[i] = (name[i] >= 0x20 && name[i] < 0x7f) ? (char)name[i] : '?';
    if (n < size) {
        memcpy(out + n, "...", 3);
        n += 3;
    }
    out[n] = '\0';
    return out;
}

static bool ends_with(const char *s, size_t size, const char *suffix)
{
    size_t n = strlen(suffix);

    return size >= n && strncasecmp(s + size - n, suffix, n) == 0;
}

/*
 * Names that could escape the extraction directory or that readers could
 * decode differently. Names are printable ASCII: a byte above 0x7E is read
 * as CP437 by some readers and as UTF-8 by others (flag bit 11 or not), so
 * two tools would extract the same entry under two names.
 */
static enum dfota_status check_name(const uint8_t *name, size_t size, struct dfota_error *err)
{
    char shown[72];
    size_t i, start = 0;

    if (size == 0)
        return dfota_error_set(err, DFOTA_E_UNSAFE_ZIP, "an entry has an empty name");
    shown_name(name, size, shown);
    if (size > DFOTA_ZIP_NAME_MAX)
        return dfota_error_set(err, DFOTA_E_UNSAFE_ZIP,
                               "entry name '%s' is %zu bytes long; at most %u are accepted",
                               shown, size, DFOTA_ZIP_NAME_MAX);
    for (i = 0; i < size; i++) {
        if (name[i] < 0x20 || name[i] == 0x7f)
            return dfota_error_set(err, DFOTA_E_UNSAFE_ZIP,
                                   "entry name '%s' contains control character 0x%02x", shown,
                                   name[i]);
        if (name[i] > 0x7f)
            return dfota_error_set(err, DFOTA_E_UNSAFE_ZIP,
                                   "entry name '%s' contains byte 0x%02x: names must be "
                                   "printable ASCII, which every zip reader decodes the same way",
                                   shown, name[i]);
        if (name[i] == '\\')
            return dfota_error_set(err, DFOTA_E_UNSAFE_ZIP,
                                   "entry name '%s' contains a backslash", shown);
        if (name[i] == ':')
            return dfota_error_set(err, DFOTA_E_UNSAFE_ZIP,
                                   "entry name '%s' contains a colon (drive or stream name)",
                                   shown);
    }
    if (name[0] == '/')
        return dfota_error_set(err, DFOTA_E_UNSAFE_ZIP, "entry name '%s' is an absolute path",
                               shown);
    /* Components between slashes; a trailing slash marks a directory. */
    for (i = 0; i <= size; i++) {
        if (i < size && name[i] != '/')
            continue;
        if (i == size && start == size && size > 0 && name[size - 1] == '/')
            break;
        if (i - start == 0 || (i - start == 1 && name[start] == '.') ||
            (i - start == 2 && name[start] == '.' && name[start + 1] == '.'))
            return dfota_error_set(err, DFOTA_E_UNSAFE_ZIP,
                                   "entry name '%s' has a '%.*s' component (path traversal)",
                                   shown, (int)(i - start), (const char *)name + start);
        start = i + 1;
    }
    return DFOTA_OK;
}

/* The extra records of one header, as a list of (id, data, size). */
struct extra_record {
    uint16_t id;
    const uint8_t *data;
    size_t size;
};
#define EXTRA_RECORDS_MAX 2u

static unsigned popcount3(unsigned v)
{
    return (v & 1u) + ((v >> 1) & 1u) + ((v >> 2) & 1u);
}

/*
 * Split an extra field into records: only "UT" and "ux", each at most once,
 * each well formed for its kind (`central`: the central directory's "UT"
 * may hold the modification time only); no padding. Every other record is
 * refused: zip64 and AES change how the entry is read, a Unicode path
 * record gives the entry a second name, and an unknown one may mean
 * something to some reader.
 */
static enum dfota_status parse_extra(const uint8_t *extra, size_t size, bool central,
                                     const char *shown, struct extra_record *records,
                                     size_t *count, struct dfota_error *err)
{
    size_t pos = 0, i;

    *count = 0;
    while (pos < size) {
        uint16_t id, length;
        const uint8_t *data;

        if (size - pos < 4)
            return dfota_error_set(err, DFOTA_E_BAD_ZIP,
                                   "extra field of '%s' ends in %zu stray bytes", shown,
                                   size - pos);
        id = dfota_get_le16(extra + pos);
        length = dfota_get_le16(extra + pos + 2);
        data = extra + pos + 4;
        if (length > size - pos - 4)
            return dfota_error_set(err, DFOTA_E_BAD_ZIP,
                                   "extra field 0x%04x of '%s' runs past its end", id, shown);
        if (id == EXTRA_ZIP64)
            return dfota_error_set(err, DFOTA_E_UNSAFE_ZIP,
                                   "'%s' uses zip64 extensions, which are refused", shown);
        if (id == EXTRA_AES)
            return dfota_error_set(err, DFOTA_E_UNSAFE_ZIP, "'%s' is AES-encrypted", shown);
        if (id == EXTRA_UNICODE_PATH)
            return dfota_error_set(err, DFOTA_E_UNSAFE_ZIP,
                                   "'%s' has a Unicode path extra record (0x7075), a second "
                                   "name that only some readers use",
                                   shown);
        if (id != EXTRA_TIMESTAMP && id != EXTRA_UNIX_IDS)
            return dfota_error_set(err, DFOTA_E_UNSAFE_ZIP,
                                   "'%s' has an extra record 0x%04x; only \"UT\" (0x5455) and "
                                   "\"ux\" (0x7875) are accepted",
                                   shown, id);
        for (i = 0; i < *count; i++)
            if (records[i].id == id)
                return dfota_error_set(err, DFOTA_E_BAD_ZIP,
                                       "'%s' has two extra records 0x%04x", shown, id);
        /* In the central directory Info-ZIP keeps the modification time only,
         * libarchive every time the flags announce. */
        if (id == EXTRA_TIMESTAMP &&
            (length < 1 || (data[0] & ~7u) != 0 ||
             (length != 1u + 4u * popcount3(data[0]) &&
              !(central && length == 1u + 4u * (data[0] & 1u)))))
            return dfota_error_set(err, DFOTA_E_BAD_ZIP,
                                   "extended timestamp record of '%s' is malformed", shown);
        if (id == EXTRA_UNIX_IDS &&
            (length < 3 || data[0] != 1 || data[1] < 1 || data[1] > 8 ||
             length < 3u + data[1] || data[2 + data[1]] < 1 || data[2 + data[1]] > 8 ||
             length != 3u + data[1] + data[2 + data[1]]))
            return dfota_error_set(err, DFOTA_E_BAD_ZIP,
                                   "Unix uid/gid record of '%s' is malformed", shown);
        records[*count].id = id;
        records[*count].data = data;
        records[*count].size = length;
        (*count)++;
        pos += 4u + length;
    }
    return DFOTA_OK;
}

/* The local header's extra records say what the central directory's say. */
static bool extras_agree(const struct extra_record *local, size_t local_count,
                         const struct extra_record *central, size_t central_count)
{
    size_t i;

    if (local_count != central_count)
        return false;
    for (i = 0; i < local_count; i++) {
        if (local[i].id != central[i].id)
            return false;
        /* "UT": same flags and modification time; the local copy may add the other times. */
        if (local[i].id == EXTRA_TIMESTAMP
                ? central[i].size > local[i].size || local[i].data[0] != central[i].data[0] ||
                      memcmp(local[i].data, central[i].data, central[i].size) != 0
                : local[i].size != central[i].size ||
                      memcmp(local[i].data, central[i].data, local[i].size) != 0)
            return false;
    }
    return true;
}

/* One central directory header at `pos`; `*next` is the position after it. */
static enum dfota_status parse_central_entry(const uint8_t *zip, size_t pos, size_t end,
                                             size_t index, struct zip_archive *archive,
                                             size_t *next, struct dfota_error *err)
{
    const uint8_t *p = zip + pos, *name;
    struct zip_entry *e = &archive->entries[index];
    struct extra_record extras[EXTRA_RECORDS_MAX];
    uint16_t made_by, version_needed, flags, method, name_size, extra_size, comment_size, disk;
    uint16_t internal;
    uint32_t compressed, uncompressed, external, local_offset, unix_mode, dos;
    char shown[72];
    size_t i, extra_count;
    enum dfota_status st;

    if (end - pos < ZIP_CENTRAL_HEADER_SIZE)
        return dfota_error_set(err, DFOTA_E_BAD_ZIP,
                               "central directory ends inside entry %zu of %zu", index + 1,
                               archive->entry_count);
    if (dfota_get_le32(p) != ZIP_CENTRAL_SIGNATURE)
        return dfota_error_set(err, DFOTA_E_BAD_ZIP,
                               "central directory entry %zu has a bad signature 0x%08x",
                               index + 1, (unsigned)dfota_get_le32(p));
    made_by = dfota_get_le16(p + 4);
    version_needed = dfota_get_le16(p + 6);
    flags = dfota_get_le16(p + 8);
    method = dfota_get_le16(p + 10);
    compressed = dfota_get_le32(p + 20);
    uncompressed = dfota_get_le32(p + 24);
    name_size = dfota_get_le16(p + 28);
    extra_size = dfota_get_le16(p + 30);
    comment_size = dfota_get_le16(p + 32);
    disk = dfota_get_le16(p + 34);
    internal = dfota_get_le16(p + 36);
    external = dfota_get_le32(p + 38);
    local_offset = dfota_get_le32(p + 42);
    if (end - pos - ZIP_CENTRAL_HEADER_SIZE < (size_t)name_size + extra_size + comment_size)
        return dfota_error_set(err, DFOTA_E_BAD_ZIP,
                               "central directory entry %zu runs past the directory's end",
                               index + 1);
    name = p + ZIP_CENTRAL_HEADER_SIZE;
    st = check_name(name, name_size, err);
    if (st != DFOTA_OK)
        return st;
    shown_name(name, name_size, shown);
    if (flags & (ZIP_FLAG_ENCRYPTED | 0x0040u | 0x2000u))
        return dfota_error_set(err, DFOTA_E_UNSAFE_ZIP,
                               "'%s' is encrypted (flags 0x%04x); encrypted zips are refused",
                               shown, flags);
    if (flags & ~ZIP_FLAGS_ALLOWED)
        return dfota_error_set(err, DFOTA_E_UNSAFE_ZIP,
                               "'%s' uses unsupported general purpose flags 0x%04x", shown,
                               flags & ~ZIP_FLAGS_ALLOWED);
    if (compressed == 0xffffffffu || uncompressed == 0xffffffffu ||
        local_offset == 0xffffffffu || disk == 0xffffu)
        return dfota_error_set(err, DFOTA_E_UNSAFE_ZIP,
                               "'%s' uses zip64 extensions, which are refused", shown);
    st = parse_extra(name + name_size, extra_size, true, shown, extras, &extra_count, err);
    if (st != DFOTA_OK)
        return st;
    if (disk != 0)
        return dfota_error_set(err, DFOTA_E_UNSAFE_ZIP,
                               "'%s' starts on disk %u; multi-disk zips are refused", shown,
                               disk);
    if (method != ZIP_METHOD_STORED && method != ZIP_METHOD_DEFLATE)
        return dfota_error_set(err, DFOTA_E_UNSAFE_ZIP,
                               "'%s' uses compression method %u; only stored (0) and deflate "
                               "(8) are accepted",
                               shown, method);
    if (version_needed > ZIP_VERSION_NEEDED_MAX)
        return dfota_error_set(err, DFOTA_E_UNSAFE_ZIP,
                               "'%s' needs zip version %u.%u to extract; at most 2.0 (deflate) "
                               "is accepted",
                               shown, version_needed / 10u, version_needed % 10u);
    /* A stored entry's end is found only from its size: a data descriptor after
     * it is ambiguous to a reader that streams the file. */
    if (method == ZIP_METHOD_STORED && (flags & (ZIP_FLAG_DESCRIPTOR | ZIP_FLAG_DEFLATE_OPTIONS)))
        return dfota_error_set(err, DFOTA_E_UNSAFE_ZIP,
                               "'%s' is stored with flags 0x%04x; a stored entry with a data "
                               "descriptor is ambiguous to streaming readers",
                               shown, flags);
    if (comment_size != 0)
        return dfota_error_set(err, DFOTA_E_UNSAFE_ZIP,
                               "'%s' has a %u-byte entry comment; comments are refused", shown,
                               comment_size);
    if (method == ZIP_METHOD_STORED && compressed != uncompressed)
        return dfota_error_set(err, DFOTA_E_BAD_ZIP,
                               "'%s' is stored but its sizes differ (%lu and %lu bytes)", shown,
                               (unsigned long)compressed, (unsigned long)uncompressed);
    if (uncompressed > DFOTA_ZIP_CONTENT_MAX)
        return dfota_error_set(err, DFOTA_E_UNSAFE_ZIP,
                               "'%s' declares %lu bytes uncompressed, more than the %u-byte "
                               "limit",
                               shown, (unsigned long)uncompressed, DFOTA_ZIP_CONTENT_MAX);
    if ((uint64_t)uncompressed > (uint64_t)DFOTA_ZIP_RATIO_MAX * compressed)
        return dfota_error_set(err, DFOTA_E_UNSAFE_ZIP,
                               "'%s' declares %lu bytes from %lu compressed, a ratio above "
                               "%u:1 (zip bomb)",
                               shown, (unsigned long)uncompressed, (unsigned long)compressed,
                               DFOTA_ZIP_RATIO_MAX);
    /* What the entry is: a regular file, described the same way to every reader. */
    if ((made_by >> 8) != HOST_DOS && (made_by >> 8) != HOST_UNIX)
        return dfota_error_set(err, DFOTA_E_UNSAFE_ZIP,
                               "'%s' was made on host system %u; only MS-DOS (0) and Unix (3) "
                               "attributes are accepted",
                               shown, made_by >> 8);
    unix_mode = external >> 16;
    dos = external & 0xffffu;
    e->is_directory = name[name_size - 1] == '/' || (dos & DOS_ATTRIBUTE_DIRECTORY) != 0 ||
                      ((made_by >> 8) == HOST_UNIX &&
                       (unix_mode & UNIX_TYPE_MASK) == UNIX_TYPE_DIRECTORY);
    e->is_link = !e->is_directory && (made_by >> 8) == HOST_UNIX &&
                 (unix_mode & UNIX_TYPE_MASK) != UNIX_TYPE_REGULAR;
    if (!e->is_directory && !e->is_link &&
        (((made_by >> 8) == HOST_DOS && unix_mode != 0) || (unix_mode & UNIX_SPECIAL_BITS) ||
         (dos & ~DOS_ATTRIBUTES_FILE) || (dos & DOS_ATTRIBUTE_VOLUME) || (internal & ~1u)))
        return dfota_error_set(err, DFOTA_E_UNSAFE_ZIP,
                               "'%s' has file attributes that readers interpret differently "
                               "(made by 0x%04x, external 0x%08lx, internal 0x%04x)",
                               shown, made_by, (unsigned long)external, internal);
    for (i = 0; i < index; i++)
        if (archive->entries[i].name_size == name_size &&
            strncasecmp(archive->entries[i].name, (const char *)name, name_size) == 0)
            return dfota_error_set(err, DFOTA_E_UNSAFE_ZIP,
                                   "two entries are named '%s'%s", shown,
                                   memcmp(archive->entries[i].name, name, name_size) != 0
                                       ? " (up to case)"
                                       : "");
    if (ends_with((const char *)name, name_size, DFOTA_ZIP_SIGNATURE_SUFFIX) &&
        !archive->has_signature_entry) {
        archive->has_signature_entry = true;
        memcpy(archive->signature_name, name, name_size);
        archive->signature_name[name_size] = '\0';
    }
    memcpy(e->name, name, name_size);
    e->name[name_size] = '\0';
    e->name_size = name_size;
    e->version_needed = version_needed;
    e->flags = flags;
    e->method = method;
    e->dos_time = dfota_get_le16(p + 12);
    e->dos_date = dfota_get_le16(p + 14);
    e->crc32 = dfota_get_le32(p + 16);
    e->compressed_size = compressed;
    e->uncompressed_size = uncompressed;
    e->local_offset = local_offset;
    *next = pos + ZIP_CENTRAL_HEADER_SIZE + name_size + extra_size;
    return DFOTA_OK;
}

/*
 * The local entry of `e` at `expected` (where the previous one ended), its
 * header against the central directory header at `central`, and its data
 * and descriptor before `limit`.
 */
static enum dfota_status parse_local_entry(const uint8_t *zip, size_t expected, size_t limit,
                                           const uint8_t *central, struct zip_entry *e,
                                           struct dfota_error *err)
{
    const uint8_t *p, *d;
    struct extra_record local_extras[EXTRA_RECORDS_MAX], central_extras[EXTRA_RECORDS_MAX];
    size_t local_count, central_count;
    uint16_t name_size, extra_size;
    uint32_t crc, compressed, uncompressed;
    size_t data_end, available;
    char shown[72];
    enum dfota_status st;

    shown_name((const uint8_t *)e->name, e->name_size, shown);
    if (e->local_offset != expected)
        return dfota_error_set(err, DFOTA_E_UNSAFE_ZIP,
                               "local header of '%s' is at offset %zu, not %zu: a zip must "
                               "hold its entries back to back from offset 0, with nothing "
                               "between them",
                               shown, e->local_offset, expected);
    if (limit - e->local_offset < ZIP_LOCAL_HEADER_SIZE)
        return dfota_error_set(err, DFOTA_E_BAD_ZIP,
                               "local header of '%s' (offset %zu) is not before the central "
                               "directory",
                               shown, e->local_offset);
    p = zip + e->local_offset;
    if (dfota_get_le32(p) != ZIP_LOCAL_SIGNATURE)
        return dfota_error_set(err, DFOTA_E_BAD_ZIP,
                               "no local header for '%s' at offset %zu (signature 0x%08x)", shown,
                               e->local_offset, (unsigned)dfota_get_le32(p));
    if (dfota_get_le16(p + 4) != e->version_needed || dfota_get_le16(p + 6) != e->flags ||
        dfota_get_le16(p + 8) != e->method || dfota_get_le16(p + 10) != e->dos_time ||
        dfota_get_le16(p + 12) != e->dos_date)
        return dfota_error_set(err, DFOTA_E_BAD_ZIP,
                               "local header of '%s' disagrees with the central directory "
                               "(version, flags 0x%04x/0x%04x, method %u/%u, or time)",
                               shown, dfota_get_le16(p + 6), e->flags, dfota_get_le16(p + 8),
                               e->method);
    name_size = dfota_get_le16(p + 26);
    extra_size = dfota_get_le16(p + 28);
    if (limit - e->local_offset - ZIP_LOCAL_HEADER_SIZE < (size_t)name_size + extra_size)
        return dfota_error_set(err, DFOTA_E_BAD_ZIP,
                               "local header of '%s' runs into the central directory", shown);
    if (name_size != e->name_size || memcmp(p + ZIP_LOCAL_HEADER_SIZE, e->name, name_size) != 0)
        return dfota_error_set(err, DFOTA_E_BAD_ZIP,
                               "local header at offset %zu names another entry than '%s'",
                               e->local_offset, shown);
    st = parse_extra(p + ZIP_LOCAL_HEADER_SIZE + name_size, extra_size, false, shown,
                     local_extras, &local_count, err);
    if (st != DFOTA_OK)
        return st;
    /* The central directory's extra records were checked by parse_central_entry(). */
    (void)parse_extra(central + ZIP_CENTRAL_HEADER_SIZE + e->name_size,
                      dfota_get_le16(central + 30), true, shown, central_extras,
                      &central_count, NULL);
    if (!extras_agree(local_extras, local_count, central_extras, central_count))
        return dfota_error_set(err, DFOTA_E_BAD_ZIP,
                               "extra records of '%s' differ between the local header and the "
                               "central directory",
                               shown);
    e->local_extra_size = extra_size;
    e->data_offset = e->local_offset + ZIP_LOCAL_HEADER_SIZE + name_size + extra_size;
    if (limit - e->data_offset < e->compressed_size)
        return dfota_error_set(err, DFOTA_E_BAD_ZIP,
                               "data of '%s' (%lu bytes) runs into the central directory", shown,
                               (unsigned long)e->compressed_size);
    crc = dfota_get_le32(p + 14);
    compressed = dfota_get_le32(p + 18);
    uncompressed = dfota_get_le32(p + 22);
    data_end = e->data_offset + e->compressed_size;
    if (!(e->flags & ZIP_FLAG_DESCRIPTOR)) {
        if (crc != e->crc32 || compressed != e->compressed_size ||
            uncompressed != e->uncompressed_size)
            return dfota_error_set(err, DFOTA_E_BAD_ZIP,
                                   "local header of '%s' disagrees with the central directory "
                                   "(CRC-32 or sizes)",
                                   shown);
        e->descriptor_size = 0;
        e->end = data_end;
        return DFOTA_OK;
    }
    /* Bit 3 (deflate only): the values follow the data; the header holds 0 or the same value. */
    if ((crc != 0 && crc != e->crc32) || (compressed != 0 && compressed != e->compressed_size) ||
        (uncompressed != 0 && uncompressed != e->uncompressed_size))
        return dfota_error_set(err, DFOTA_E_BAD_ZIP,
                               "local header of '%s' disagrees with the central directory "
                               "(CRC-32 or sizes)",
                               shown);
    d = zip + data_end;
    available = limit - data_end;
    if (available >= 16 && dfota_get_le32(d) == ZIP_DESCRIPTOR_SIGNATURE &&
        dfota_get_le32(d + 4) == e->crc32 && dfota_get_le32(d + 8) == e->compressed_size &&
        dfota_get_le32(d + 12) == e->uncompressed_size)
        e->descriptor_size = 16;
    else if (available >= 12 && e->crc32 != ZIP_DESCRIPTOR_SIGNATURE &&
             dfota_get_le32(d) == e->crc32 && dfota_get_le32(d + 4) == e->compressed_size &&
             dfota_get_le32(d + 8) == e->uncompressed_size)
        e->descriptor_size = 12; /* unambiguous: the CRC-32 is not the signature's value */
    else
        return dfota_error_set(err, DFOTA_E_BAD_ZIP,
                               "data descriptor of '%s' is missing or disagrees with the "
                               "central directory",
                               shown);
    e->end = data_end + e->descriptor_size;
    return DFOTA_OK;
}

/*
 * The signatures a zip reader searches for (end records, zip64 records)
 * occur exactly once, at the end record, in every byte that is not entry
 * data: headers, names, extra fields, descriptors, the central directory,
 * and across the boundary between such bytes and entry data.
 * (Entry data is not searched: its length is fixed by the headers, and a
 * reader looks for the end record at the end of the file first, where the
 * layout puts the only one. docs/FORMAT.md, "The zip rule".)
 */
static enum dfota_status check_no_stray_signature(const uint8_t *zip, size_t zip_size,
                                                  size_t from, size_t to, size_t skip,
                                                  struct dfota_error *err)
{
    static const uint32_t searched[] = {ZIP_END_SIGNATURE, ZIP64_END_SIGNATURE,
                                        ZIP64_LOCATOR_SIGNATURE};
    size_t pos, i;

    /* Every signature that starts in [from, to), even one that ends past `to`. */
    for (pos = from; pos < to && pos + 4 <= zip_size; pos++) {
        uint32_t v;

        if (zip[pos] != 'P' || pos == skip)
            continue;
        v = dfota_get_le32(zip + pos);
        for (i = 0; i < sizeof(searched) / sizeof(searched[0]); i++)
            if (v == searched[i])
                return dfota_error_set(err, DFOTA_E_UNSAFE_ZIP,
                                       "a second zip structure signature 0x%08lx at offset %zu: "
                                       "readers could find another archive in this one",
                                       (unsigned long)v, pos);
    }
    return DFOTA_OK;
}

static size_t back3(size_t offset)
{
    return offset > 3 ? offset - 3 : 0;
}

/* Find the end record: it must be the last 22 bytes; say what is there instead. */
static enum dfota_status find_end_record(const uint8_t *zip, size_t zip_size, size_t *offset,
                                         struct dfota_error *err)
{
    size_t pos, lowest;

    if (zip_size < ZIP_END_SIZE)
        return dfota_error_set(err, DFOTA_E_BAD_ZIP,
                               "not a zip file: %zu bytes, fewer than an end record", zip_size);
    pos = zip_size - ZIP_END_SIZE;
    lowest = pos > ZIP_COMMENT_MAX ? pos - ZIP_COMMENT_MAX : 0;
    if (dfota_get_le32(zip + pos) == ZIP_END_SIGNATURE) {
        size_t other = pos;

        if (dfota_get_le16(zip + pos + 20) != 0)
            return dfota_error_set(err, DFOTA_E_BAD_ZIP,
                                   "the end record states a %u-byte comment after the end of "
                                   "the file",
                                   dfota_get_le16(zip + pos + 20));
        /* An earlier end record whose comment reaches the end holds this one in its comment. */
        while (other-- > lowest)
            if (dfota_get_le32(zip + other) == ZIP_END_SIGNATURE &&
                dfota_get_le16(zip + other + 20) == zip_size - other - ZIP_END_SIZE)
                return dfota_error_set(err, DFOTA_E_UNSAFE_ZIP,
                                       "the zip has a %zu-byte archive comment that ends like "
                                       "an end record: two archives in one file",
                                       zip_size - other - ZIP_END_SIZE);
        *offset = pos;
        return DFOTA_OK;
    }
    /* Not at the end: an archive comment, or bytes after the archive. */
    while (pos-- > lowest) {
        if (dfota_get_le32(zip + pos) != ZIP_END_SIGNATURE)
            continue;
        if (dfota_get_le16(zip + pos + 20) == zip_size - pos - ZIP_END_SIZE)
            return dfota_error_set(err, DFOTA_E_UNSAFE_ZIP,
                                   "the zip has a %zu-byte archive comment; comments are "
                                   "refused (one can hide a second archive or a signature)",
                                   zip_size - pos - ZIP_END_SIZE);
        return dfota_error_set(err, DFOTA_E_UNSAFE_ZIP,
                               "%zu bytes follow the zip's end record", zip_size - pos -
                               ZIP_END_SIZE);
    }
    return dfota_error_set(err, DFOTA_E_BAD_ZIP,
                           "not a zip file (no end of central directory record)");
}

enum dfota_status zip_parse(const uint8_t *zip, size_t zip_size, struct zip_archive *archive,
                            struct dfota_error *err)
{
    const uint8_t *end;
    const uint8_t *central[ZIP_ENTRIES_KEPT];
    size_t end_offset = 0, pos, i, expected;
    uint16_t disk, central_disk, disk_entries, total_entries;
    uint32_t central_size, central_offset;
    enum dfota_status st;

    memset(archive, 0, sizeof(*archive));
    if (zip_size > DFOTA_ZIP_FILE_MAX)
        return dfota_error_set(err, DFOTA_E_TOO_LARGE,
                               "zip is %zu bytes, more than the %u-byte limit", zip_size,
                               DFOTA_ZIP_FILE_MAX);
    st = find_end_record(zip, zip_size, &end_offset, err);
    if (st != DFOTA_OK)
        return st;
    end = zip + end_offset;
    disk = dfota_get_le16(end + 4);
    central_disk = dfota_get_le16(end + 6);
    disk_entries = dfota_get_le16(end + 8);
    total_entries = dfota_get_le16(end + 10);
    central_size = dfota_get_le32(end + 12);
    central_offset = dfota_get_le32(end + 16);
    if (disk == 0xffffu || central_disk == 0xffffu || disk_entries == 0xffffu ||
        total_entries == 0xffffu || central_size == 0xffffffffu || central_offset == 0xffffffffu)
        return dfota_error_set(err, DFOTA_E_UNSAFE_ZIP,
                               "zip64 end record; zip64 archives are refused");
    if (disk != 0 || central_disk != 0 || disk_entries != total_entries)
        return dfota_error_set(err, DFOTA_E_UNSAFE_ZIP,
                               "multi-disk zip (disk %u, directory on disk %u, %u of %u "
                               "entries); split archives are refused",
                               disk, central_disk, disk_entries, total_entries);
    if (central_offset > end_offset || end_offset - central_offset != central_size)
        return dfota_error_set(err, DFOTA_E_BAD_ZIP,
                               "central directory (offset %lu, %lu bytes) does not end at the "
                               "end record (offset %zu)",
                               (unsigned long)central_offset, (unsigned long)central_size,
                               end_offset);
    archive->entry_count = total_entries;
    archive->central_offset = central_offset;
    archive->central_size = central_size;
    archive->end_offset = end_offset;
    if (total_entries == 0)
        return dfota_error_set(err, central_size ? DFOTA_E_BAD_ZIP : DFOTA_E_ZIP_CONTENT,
                               "zip holds no entries");
    if (total_entries > ZIP_ENTRIES_KEPT)
        return dfota_error_set(err, DFOTA_E_ZIP_CONTENT,
                               "zip holds %u entries; a package zip holds one .bin file (and, "
                               "signed, its .sig)",
                               total_entries);
    pos = central_offset;
    for (i = 0; i < total_entries; i++) {
        central[i] = zip + pos;
        st = parse_central_entry(zip, pos, end_offset, i, archive, &pos, err);
        if (st != DFOTA_OK)
            return st;
    }
    if (pos != end_offset)
        return dfota_error_set(err, DFOTA_E_BAD_ZIP,
                               "central directory holds %zu bytes more than its %u entries",
                               end_offset - pos, total_entries);
    /* Back to back from offset 0, in directory order, up to the directory. */
    expected = 0;
    for (i = 0; i < total_entries; i++) {
        st = parse_local_entry(zip, expected, central_offset, central[i], &archive->entries[i],
                               err);
        if (st != DFOTA_OK)
            return st;
        expected = archive->entries[i].end;
    }
    if (expected != central_offset)
        return dfota_error_set(err, DFOTA_E_UNSAFE_ZIP,
                               "%zu bytes lie between the last entry and the central directory; "
                               "a zip must hold nothing outside its entries",
                               central_offset - expected);
    for (i = 0; i < total_entries; i++) {
        const struct zip_entry *e = &archive->entries[i];

        /* Each range from 3 bytes before it, and signatures that start in it and
         * end in the data after it: one that straddles a boundary counts too. */
        st = check_no_stray_signature(zip, zip_size, back3(e->local_offset), e->data_offset,
                                      SIZE_MAX, err);
        if (st == DFOTA_OK)
            st = check_no_stray_signature(zip, zip_size,
                                          back3(e->data_offset + e->compressed_size), e->end,
                                          SIZE_MAX, err);
        if (st != DFOTA_OK)
            return st;
    }
    return check_no_stray_signature(zip, zip_size, back3(central_offset), zip_size, end_offset,
                                    err);
}

enum dfota_status zip_check_payload_entry(const struct zip_entry *entry,
                                          struct dfota_error *err)
{
    char shown[72];
    enum dfota_status st;

    shown_name((const uint8_t *)entry->name, entry->name_size, shown);
    if (entry->is_directory)
        return dfota_error_set(err, DFOTA_E_ZIP_CONTENT,
                               "'%s' is a directory; the zip must hold one .bin file", shown);
    if (entry->is_link)
        return dfota_error_set(err, DFOTA_E_ZIP_CONTENT,
                               "'%s' is not a regular file (link or device)", shown);
    st = dfota_zip_payload_name_check(entry->name, err);
    if (st != DFOTA_OK)
        return st;
    if (entry->uncompressed_size == 0)
        return dfota_error_set(err, DFOTA_E_ZIP_CONTENT, "'%s' is empty", shown);
    return DFOTA_OK;
}

enum dfota_status dfota_zip_payload_name_check(const char *name, struct dfota_error *err)
{
    size_t size = strlen(name), i;
    char shown[72];

    shown_name((const uint8_t *)name, size, shown);
    for (i = 0; i < size; i++)
        if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f || name[i] == '/' ||
            name[i] == '\\' || name[i] == ':')
            return dfota_error_set(err, DFOTA_E_ZIP_CONTENT,
                                   "'%s': the payload name must be a plain file name (no "
                                   "directory, '\\', ':' or control characters)",
                                   shown);
    if (size <= 4 || !ends_with(name, size, ".bin"))
        return dfota_error_set(err, DFOTA_E_ZIP_CONTENT,
                               "'%s': the payload must be a file named <name>.bin", shown);
    if (size > DFOTA_ZIP_PAYLOAD_NAME_MAX)
        return dfota_error_set(err, DFOTA_E_ZIP_CONTENT,
                               "payload name '%s' is %zu bytes long; at most %u are accepted, "
                               "so that '<name>.sig' fits",
                               shown, size, DFOTA_ZIP_PAYLOAD_NAME_MAX);
    return DFOTA_OK;
}

/* A stored, descriptor-less local header for the entry's data: what libarchive inflates. */
static void rebuild_local_header(const struct zip_entry *e, uint8_t header[31])
{
    memset(header, 0, 31);
    dfota_put_le32(header, ZIP_LOCAL_SIGNATURE);
    dfota_put_le16(header + 4, 20);
    dfota_put_le16(header + 8, ZIP_METHOD_DEFLATE);
    dfota_put_le32(header + 14, e->crc32);
    dfota_put_le32(header + 18, e->compressed_size);
    dfota_put_le32(header + 22, e->uncompressed_size);
    dfota_put_le16(header + 26, 1);
    header[30] = 'x';
}

static enum dfota_status inflate_entry(const uint8_t *zip, const struct zip_entry *e,
                                       uint8_t *content, const char *shown,
                                       struct dfota_error *err)
{
    const struct dfota_archive_api *ar = dfota_archive_api(err);
    struct archive *a;
    struct archive_entry *ae;
    uint8_t *input;
    size_t input_size = 31 + (size_t)e->compressed_size, total = 0;
    char why[160];
    enum dfota_status st = DFOTA_OK;

    if (ar == NULL)
        return err != NULL ? err->status : DFOTA_E_INTERNAL;
    input = malloc(input_size);
    if (input == NULL)
        return dfota_error_set(err, DFOTA_E_NO_MEMORY, "cannot allocate %zu bytes", input_size);
    rebuild_local_header(e, input);
    memcpy(input + 31, zip + e->data_offset, e->compressed_size);
    a = ar->read_new();
    if (a == NULL) {
        free(input);
        return dfota_error_set(err, DFOTA_E_NO_MEMORY, "cannot create a libarchive reader");
    }
    if (ar->read_support_format_zip_streamable(a) != ARCHIVE_OK ||
        ar->read_open_memory(a, input, input_size) != ARCHIVE_OK ||
        ar->read_next_header(a, &ae) != ARCHIVE_OK) {
        st = dfota_error_set(err, DFOTA_E_INTERNAL, "libarchive cannot read '%s': %s", shown,
                             dfota_archive_message(ar, a, why, sizeof(why)));
        goto out;
    }
    /* One byte more than declared, to catch data that inflates to more. */
    for (;;) {
        la_ssize_t n = ar->read_data(a, content + total, e->uncompressed_size + 1 - total);

        if (n < 0) {
            st = dfota_error_set(err, DFOTA_E_BAD_ZIP, "cannot inflate '%s': %s", shown,
                                 dfota_archive_message(ar, a, why, sizeof(why)));
            goto out;
        }
        if (n == 0)
            break;
        total += (size_t)n;
        if (total > e->uncompressed_size) {
            st = dfota_error_set(err, DFOTA_E_BAD_ZIP,
                                 "'%s' inflates to more than the %lu bytes declared", shown,
                                 (unsigned long)e->uncompressed_size);
            goto out;
        }
    }
    if (total != e->uncompressed_size)
        st = dfota_error_set(err, DFOTA_E_BAD_ZIP, "'%s' inflates to %zu bytes, not %lu", shown,
                             total, (unsigned long)e->uncompressed_size);
out:
    ar->read_free(a);
    free(input);
    return st;
}

enum dfota_status zip_extract(const uint8_t *zip, const struct zip_entry *entry,
                              struct dfota_zip_payload *payload, struct dfota_error *err)
{
    uint8_t *content;
    uint32_t crc;
    char shown[72];
    enum dfota_status st;

    memset(payload, 0, sizeof(*payload));
    shown_name((const uint8_t *)entry->name, entry->name_size, shown);
    /* One spare byte for inflate_entry's overrun check. */
    content = malloc((size_t)entry->uncompressed_size + 1);
    if (content == NULL)
        return dfota_error_set(err, DFOTA_E_NO_MEMORY, "cannot allocate %lu bytes",
                               (unsigned long)entry->uncompressed_size + 1);
    if (entry->method == ZIP_METHOD_STORED) {
        memcpy(content, zip + entry->data_offset, entry->uncompressed_size);
    } else {
        st = inflate_entry(zip, entry, content, shown, err);
        if (st != DFOTA_OK) {
            free(content);
            return st;
        }
    }
    crc = dfota_crc32(0, content, entry->uncompressed_size);
    if (crc != entry->crc32) {
        free(content);
        return dfota_error_set(err, DFOTA_E_BAD_ZIP,
                               "CRC-32 mismatch in '%s': stored 0x%08lx, computed 0x%08lx", shown,
                               (unsigned long)entry->crc32, (unsigned long)crc);
    }
    memcpy(payload->name, entry->name, entry->name_size + 1);
    payload->content = content;
    payload->content_size = entry->uncompressed_size;
    payload->compressed_size = entry->compressed_size;
    payload->method = entry->method;
    payload->crc32 = entry->crc32;
    payload->dos_time = entry->dos_time;
    payload->dos_date = entry->dos_date;
    return DFOTA_OK;
}

enum dfota_status dfota_zip_open(const uint8_t *zip, size_t zip_size,
                                 struct dfota_zip_payload *payload, struct dfota_error *err)
{
    struct zip_archive archive;
    enum dfota_status st;

    memset(payload, 0, sizeof(*payload));
    st = zip_parse(zip, zip_size, &archive, err);
    if (st != DFOTA_OK)
        return st;
    if (archive.has_signature_entry)
        return dfota_error_set(err, DFOTA_E_ALREADY_SIGNED,
                               "zip is already signed: it holds '%.64s'",
                               archive.signature_name);
    if (archive.entry_count != 1)
        return dfota_error_set(err, DFOTA_E_ZIP_CONTENT,
                               "zip holds %zu entries; the signtool takes exactly one .bin file",
                               archive.entry_count);
    st = zip_check_payload_entry(&archive.entries[0], err);
    if (st != DFOTA_OK)
        return st;
    return zip_extract(zip, &archive.entries[0], payload, err);
}

void dfota_zip_payload_release(struct dfota_zip_payload *payload)
{
    if (payload == NULL)
        return;
    free(payload->content);
    memset(payload, 0, sizeof(*payload));
}
