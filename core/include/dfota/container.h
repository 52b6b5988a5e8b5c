/*
 * dfota/container.h - the package container (.bin / fota.pack): reader,
 * TLV iterator and header encoder.
 *
 * The byte layout is specified in docs/FORMAT.md ("Package container").
 * In short: a 16-byte preamble (magic, format version, package type, flags,
 * header size), a run of TLV fields, a CRC-32 over everything before it,
 * then the payload.
 *
 * Portable C99, part of the device-side core: nothing here allocates,
 * recurses or touches a file. Stack (Cortex-M4, gcc 12 -Os, -fstack-usage,
 * lean build): dfota_container_parse() 72 bytes and the validation it calls
 * under 100 (plus one vsnprintf in the build with messages); measured
 * within the whole apply in docs/PORTING.md. The reader never reads
 * outside [data, data + size) and validates every length before use.
 */
#ifndef DFOTA_CONTAINER_H
#define DFOTA_CONTAINER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dfota/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* 0x89 'D' 'F' 'O' 'T' 'A' '\r' '\n' */
#define DFOTA_CONTAINER_MAGIC "\x89" "DFOTA\r\n"
#define DFOTA_CONTAINER_MAGIC_SIZE 8u
#define DFOTA_CONTAINER_PREAMBLE_SIZE 16u
#define DFOTA_CONTAINER_CRC_SIZE 4u
/* Version 2 (dfota 0.3): workspace_size is what the device-side package
 * front end needs (dfota/pkgapply.h), computed from constants; version 1
 * stated the host zstd's figure and is refused. */
#define DFOTA_CONTAINER_FORMAT_VERSION 2u
#define DFOTA_CONTAINER_HEADER_MIN (DFOTA_CONTAINER_PREAMBLE_SIZE + DFOTA_CONTAINER_CRC_SIZE)
#define DFOTA_CONTAINER_HEADER_MAX 4096u
#define DFOTA_CONTAINER_TLV_HEADER_SIZE 4u

/* Longest firmware version string, in bytes (e.g. "BC25R01A03" is 10). */
#define DFOTA_VERSION_MAX 64u

enum dfota_package_type {
    DFOTA_PACKAGE_FULL = 1,  /* payload is the whole target image, compressed */
    DFOTA_PACKAGE_DELTA = 2  /* payload is a patch from one source image */
};

enum dfota_payload_encoding {
    DFOTA_ENCODING_ZSTD = 1,  /* one zstd frame holding the target image */
    DFOTA_ENCODING_PATCH = 2  /* a dfota patch (docs/FORMAT.md, "Patch") */
};

/* TLV types. Bit 15 set: critical, a reader that does not know it must refuse. */
#define DFOTA_TLV_CRITICAL 0x8000u
enum dfota_tlv_type {
    DFOTA_TLV_SOURCE_VERSION = 0x8001,
    DFOTA_TLV_TARGET_VERSION = 0x8002,
    DFOTA_TLV_SOURCE_SIZE = 0x8003,
    DFOTA_TLV_SOURCE_MD5 = 0x8004,
    DFOTA_TLV_SOURCE_SHA256 = 0x8005,
    DFOTA_TLV_TARGET_SIZE = 0x8006,
    DFOTA_TLV_TARGET_MD5 = 0x8007,
    DFOTA_TLV_TARGET_SHA256 = 0x8008,
    DFOTA_TLV_PAYLOAD_SIZE = 0x8009,
    DFOTA_TLV_PAYLOAD_MD5 = 0x800A,
    DFOTA_TLV_PAYLOAD_SHA256 = 0x800B,
    DFOTA_TLV_PAYLOAD_ENCODING = 0x800C,
    DFOTA_TLV_WORKSPACE_SIZE = 0x800D,
    DFOTA_TLV_CREATED = 0x000E
};

#define DFOTA_MD5_SIZE 16u
#define DFOTA_SHA256_SIZE 32u

/* Size and digests of one image or of the payload. */
struct dfota_image_info {
    uint32_t size;
    uint8_t md5[DFOTA_MD5_SIZE];
    uint8_t sha256[DFOTA_SHA256_SIZE];
};

/* Every header field, decoded. About 300 bytes. */
struct dfota_package_header {
    uint8_t format_version;              /* DFOTA_CONTAINER_FORMAT_VERSION */
    uint8_t package_type;                /* enum dfota_package_type */
    uint16_t flags;                      /* reserved, 0 */
    uint32_t header_size;                /* bytes from offset 0 to the payload */
    uint32_t header_crc32;               /* stored CRC-32 */
    char source_version[DFOTA_VERSION_MAX + 1]; /* delta only; "" for full */
    char target_version[DFOTA_VERSION_MAX + 1];
    struct dfota_image_info source;      /* delta only; zero for full */
    struct dfota_image_info target;
    struct dfota_image_info payload;
    uint8_t payload_encoding;            /* enum dfota_payload_encoding */
    uint32_t workspace_size;             /* applier RAM the payload needs, bytes */
    uint64_t created;                    /* seconds since 1970 (UTC), 0 = unset */
    uint16_t skipped_fields;             /* unknown non-critical TLVs seen on read */
};

/* A TLV field as it sits in the header; `value` points into the header. */
struct dfota_tlv {
    uint16_t type;
    uint16_t length;
    const uint8_t *value;
};

/* Walks the TLV area of a header whose size has been validated. */
struct dfota_tlv_iter {
    const uint8_t *pos;
    const uint8_t *end;
};

/*
 * Validate the 16-byte preamble at `data` (`size` bytes available) and
 * return the header size in `*header_size`: a streaming reader buffers that
 * many bytes and then calls dfota_container_parse(). Checks, in order:
 * TRUNCATED (size < 16), BAD_MAGIC, UNSUPPORTED_VERSION, BAD_LENGTH
 * (header size outside DFOTA_CONTAINER_HEADER_MIN..MAX).
 */
enum dfota_status dfota_container_peek(const uint8_t *data, size_t size, uint32_t *header_size,
                                       struct dfota_error *err);

/*
 * Parse and validate the header at `data`. `size` is the number of bytes
 * available (the whole file, or at least the header). Fills `*hdr`; does not
 * look at the payload. Refusals: everything dfota_container_peek() refuses,
 * TRUNCATED (size < header size), HEADER_CHECKSUM, UNSUPPORTED_FEATURE
 * (unknown package type, flags, encoding or critical field), BAD_LENGTH (a TLV
 * running past the header), MALFORMED (bad value, duplicate, missing field).
 */
enum dfota_status dfota_container_parse(const uint8_t *data, size_t size,
                                        struct dfota_package_header *hdr,
                                        struct dfota_error *err);

/*
 * Check that a package of `total_size` bytes holds exactly the header and the
 * payload `hdr` announces: TRUNCATED if shorter, TRAILING_DATA if longer.
 */
enum dfota_status dfota_container_check_size(const struct dfota_package_header *hdr,
                                             uint64_t total_size, struct dfota_error *err);

/*
 * Validate the fields of `hdr` the way the reader does (types, versions,
 * encodings) without encoding it. Used by the writer before it writes.
 */
enum dfota_status dfota_container_validate(const struct dfota_package_header *hdr,
                                           struct dfota_error *err);

/*
 * Encode `hdr` (format_version, header_size, header_crc32 and
 * skipped_fields are ignored and computed) into `out` of `capacity` bytes.
 * TLVs are written in ascending order of their low 15 bits, so the same
 * header always gives the same bytes. On success `*written` is the header
 * size. NO_MEMORY if `capacity` is too small (DFOTA_CONTAINER_HEADER_MAX
 * always suffices).
 */
enum dfota_status dfota_container_encode(const struct dfota_package_header *hdr, uint8_t *out,
                                         size_t capacity, size_t *written,
                                         struct dfota_error *err);

/*
 * Check a firmware version string: 1..DFOTA_VERSION_MAX bytes of
 * [A-Za-z0-9._+-], not starting with '.' or '-' (it becomes part of file
 * names such as BC25R01A03_TO_BC25R01A04.bin). `what` names it in the
 * message ("target version"). Returns DFOTA_OK or INVALID_ARGUMENT.
 */
enum dfota_status dfota_version_check(const char *version, const char *what,
                                      struct dfota_error *err);

/* Start iterating the TLV area of a header of `header_size` validated bytes. */
void dfota_tlv_iter_init(struct dfota_tlv_iter *it, const uint8_t *header, uint32_t header_size);

/* True when no TLV is left. */
bool dfota_tlv_iter_done(const struct dfota_tlv_iter *it);

/*
 * Read the next TLV into `*tlv`. BAD_LENGTH if the remaining bytes cannot
 * hold a TLV header or the value runs past the TLV area.
 */
enum dfota_status dfota_tlv_iter_next(struct dfota_tlv_iter *it, struct dfota_tlv *tlv,
                                      struct dfota_error *err);

/* Name of a TLV type ("target_version"), or NULL if unknown. */
const char *dfota_tlv_name(uint16_t type);

/* "full" / "delta" / "unknown"; "zstd" / "patch" / "unknown". */
const char *dfota_package_type_name(unsigned type);
const char *dfota_payload_encoding_name(unsigned encoding);

#ifdef __cplusplus
}
#endif

#endif /* DFOTA_CONTAINER_H */
