/*
 * container.c - package container reader, TLV iterator and encoder.
 * Layout: docs/FORMAT.md, "Package container".
 */
#include "dfota/container.h"

#include <string.h>

#include "dfota/wire.h"

/* Preamble offsets. */
#define OFF_MAGIC 0u
#define OFF_FORMAT_VERSION 8u
#define OFF_PACKAGE_TYPE 9u
#define OFF_FLAGS 10u
#define OFF_HEADER_SIZE 12u

enum field_kind { KIND_STRING, KIND_U8, KIND_U32, KIND_U64, KIND_BYTES };

struct field_def {
    uint16_t type;
    uint8_t kind;
    uint8_t length; /* exact value length for everything but strings */
    size_t offset;  /* into struct dfota_package_header */
    const char *name;
};

#define HDR_OFF(member) offsetof(struct dfota_package_header, member)

/* In ascending order of the low 15 bits: the encoder writes in this order. */
static const struct field_def field_defs[] = {
    {DFOTA_TLV_SOURCE_VERSION, KIND_STRING, 0, HDR_OFF(source_version), "source_version"},
    {DFOTA_TLV_TARGET_VERSION, KIND_STRING, 0, HDR_OFF(target_version), "target_version"},
    {DFOTA_TLV_SOURCE_SIZE, KIND_U32, 4, HDR_OFF(source.size), "source_size"},
    {DFOTA_TLV_SOURCE_MD5, KIND_BYTES, DFOTA_MD5_SIZE, HDR_OFF(source.md5), "source_md5"},
    {DFOTA_TLV_SOURCE_SHA256, KIND_BYTES, DFOTA_SHA256_SIZE, HDR_OFF(source.sha256),
     "source_sha256"},
    {DFOTA_TLV_TARGET_SIZE, KIND_U32, 4, HDR_OFF(target.size), "target_size"},
    {DFOTA_TLV_TARGET_MD5, KIND_BYTES, DFOTA_MD5_SIZE, HDR_OFF(target.md5), "target_md5"},
    {DFOTA_TLV_TARGET_SHA256, KIND_BYTES, DFOTA_SHA256_SIZE, HDR_OFF(target.sha256),
     "target_sha256"},
    {DFOTA_TLV_PAYLOAD_SIZE, KIND_U32, 4, HDR_OFF(payload.size), "payload_size"},
    {DFOTA_TLV_PAYLOAD_MD5, KIND_BYTES, DFOTA_MD5_SIZE, HDR_OFF(payload.md5), "payload_md5"},
    {DFOTA_TLV_PAYLOAD_SHA256, KIND_BYTES, DFOTA_SHA256_SIZE, HDR_OFF(payload.sha256),
     "payload_sha256"},
    {DFOTA_TLV_PAYLOAD_ENCODING, KIND_U8, 1, HDR_OFF(payload_encoding), "payload_encoding"},
    {DFOTA_TLV_WORKSPACE_SIZE, KIND_U32, 4, HDR_OFF(workspace_size), "workspace_size"},
    {DFOTA_TLV_CREATED, KIND_U64, 8, HDR_OFF(created), "created"},
};

#define FIELD_COUNT (sizeof(field_defs) / sizeof(field_defs[0]))

static uint32_t field_bit(uint16_t type)
{
    return 1u << (type & 0x1Fu);
}

#define BIT(t) (1u << ((t) & 0x1Fu))
#define SOURCE_FIELDS                                                                       \
    (BIT(DFOTA_TLV_SOURCE_VERSION) | BIT(DFOTA_TLV_SOURCE_SIZE) | BIT(DFOTA_TLV_SOURCE_MD5) | \
     BIT(DFOTA_TLV_SOURCE_SHA256))
#define COMMON_REQUIRED_FIELDS                                                                \
    (BIT(DFOTA_TLV_TARGET_VERSION) | BIT(DFOTA_TLV_TARGET_SIZE) | BIT(DFOTA_TLV_TARGET_MD5) | \
     BIT(DFOTA_TLV_TARGET_SHA256) | BIT(DFOTA_TLV_PAYLOAD_SIZE) | BIT(DFOTA_TLV_PAYLOAD_MD5) | \
     BIT(DFOTA_TLV_PAYLOAD_SHA256) | BIT(DFOTA_TLV_PAYLOAD_ENCODING) |                        \
     BIT(DFOTA_TLV_WORKSPACE_SIZE))

static const struct field_def *find_field(uint16_t type)
{
    size_t i;

    for (i = 0; i < FIELD_COUNT; i++)
        if (field_defs[i].type == type)
            return &field_defs[i];
    return NULL;
}

const char *dfota_tlv_name(uint16_t type)
{
    const struct field_def *def = find_field(type);

    return def ? def->name : NULL;
}

const char *dfota_package_type_name(unsigned type)
{
    switch (type) {
    case DFOTA_PACKAGE_FULL:
        return "full";
    case DFOTA_PACKAGE_DELTA:
        return "delta";
    }
    return "unknown";
}

const char *dfota_payload_encoding_name(unsigned encoding)
{
    switch (encoding) {
    case DFOTA_ENCODING_ZSTD:
        return "zstd";
    case DFOTA_ENCODING_PATCH:
        return "patch";
    }
    return "unknown";
}

static bool version_char_ok(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '.' || c == '_' || c == '+' || c == '-';
}

enum dfota_status dfota_version_check(const char *version, const char *what,
                                      struct dfota_error *err)
{
    size_t i;

    (void)what; /* the messages' alone: unused in the lean build */
    if (version == NULL || version[0] == '\0')
        return dfota_error_set(err, DFOTA_E_INVALID_ARGUMENT, "%s is empty", what);
    for (i = 0; version[i] != '\0'; i++) {
        if (i >= DFOTA_VERSION_MAX)
            return dfota_error_set(err, DFOTA_E_INVALID_ARGUMENT,
                                   "%s is longer than %u bytes", what, DFOTA_VERSION_MAX);
        if (!version_char_ok(version[i]))
            return dfota_error_set(err, DFOTA_E_INVALID_ARGUMENT,
                                   "%s has character 0x%02x at offset %lu (allowed: "
                                   "A-Z a-z 0-9 . _ + -)",
                                   what, (unsigned)(unsigned char)version[i], (unsigned long)i);
    }
    if (version[0] == '.' || version[0] == '-')
        return dfota_error_set(err, DFOTA_E_INVALID_ARGUMENT, "%s starts with '%c'", what,
                               version[0]);
    return DFOTA_OK;
}

void dfota_tlv_iter_init(struct dfota_tlv_iter *it, const uint8_t *header, uint32_t header_size)
{
    it->pos = header + DFOTA_CONTAINER_PREAMBLE_SIZE;
    it->end = header + header_size - DFOTA_CONTAINER_CRC_SIZE;
}

bool dfota_tlv_iter_done(const struct dfota_tlv_iter *it)
{
    return it->pos >= it->end;
}

enum dfota_status dfota_tlv_iter_next(struct dfota_tlv_iter *it, struct dfota_tlv *tlv,
                                      struct dfota_error *err)
{
    size_t left = (size_t)(it->end - it->pos);

    if (left < DFOTA_CONTAINER_TLV_HEADER_SIZE)
        return dfota_error_set(err, DFOTA_E_BAD_LENGTH,
                               "%lu stray byte(s) at the end of the header fields",
                               (unsigned long)left);
    tlv->type = dfota_get_le16(it->pos);
    tlv->length = dfota_get_le16(it->pos + 2);
    if (tlv->length > left - DFOTA_CONTAINER_TLV_HEADER_SIZE)
        return dfota_error_set(err, DFOTA_E_BAD_LENGTH,
                               "field 0x%04x claims %u bytes but only %lu remain in the header",
                               (unsigned)tlv->type, (unsigned)tlv->length,
                               (unsigned long)(left - DFOTA_CONTAINER_TLV_HEADER_SIZE));
    tlv->value = it->pos + DFOTA_CONTAINER_TLV_HEADER_SIZE;
    it->pos += DFOTA_CONTAINER_TLV_HEADER_SIZE + tlv->length;
    return DFOTA_OK;
}

enum dfota_status dfota_container_peek(const uint8_t *data, size_t size, uint32_t *header_size,
                                       struct dfota_error *err)
{
    uint32_t hs;

    if (size < DFOTA_CONTAINER_PREAMBLE_SIZE)
        return dfota_error_set(err, DFOTA_E_TRUNCATED,
                               "%lu bytes is shorter than the %u-byte package preamble",
                               (unsigned long)size, DFOTA_CONTAINER_PREAMBLE_SIZE);
    if (memcmp(data + OFF_MAGIC, DFOTA_CONTAINER_MAGIC, DFOTA_CONTAINER_MAGIC_SIZE) != 0)
        return dfota_error_set(err, DFOTA_E_BAD_MAGIC,
                               "bad magic %02x %02x %02x %02x %02x %02x %02x %02x: not a dfota "
                               "package",
                               data[0], data[1], data[2], data[3], data[4], data[5], data[6],
                               data[7]);
    if (data[OFF_FORMAT_VERSION] != DFOTA_CONTAINER_FORMAT_VERSION)
        return dfota_error_set(err, DFOTA_E_UNSUPPORTED_VERSION,
                               "container format version %u is not supported (this reader "
                               "knows version %u)",
                               data[OFF_FORMAT_VERSION], DFOTA_CONTAINER_FORMAT_VERSION);
    hs = dfota_get_le32(data + OFF_HEADER_SIZE);
    if (hs < DFOTA_CONTAINER_HEADER_MIN || hs > DFOTA_CONTAINER_HEADER_MAX)
        return dfota_error_set(err, DFOTA_E_BAD_LENGTH,
                               "header size %lu is outside %u..%u",
                               (unsigned long)hs, DFOTA_CONTAINER_HEADER_MIN,
                               DFOTA_CONTAINER_HEADER_MAX);
    *header_size = hs;
    return DFOTA_OK;
}

static enum dfota_status decode_field(const struct field_def *def, const struct dfota_tlv *tlv,
                                      struct dfota_package_header *hdr, struct dfota_error *err)
{
    unsigned char *dst = (unsigned char *)hdr + def->offset;

    if (def->kind == KIND_STRING) {
        if (tlv->length == 0 || tlv->length > DFOTA_VERSION_MAX)
            return dfota_error_set(err, DFOTA_E_MALFORMED,
                                   "field %s has length %u, expected 1..%u", def->name,
                                   (unsigned)tlv->length, DFOTA_VERSION_MAX);
        if (memchr(tlv->value, '\0', tlv->length) != NULL)
            return dfota_error_set(err, DFOTA_E_MALFORMED, "field %s contains a NUL byte",
                                   def->name);
        memcpy(dst, tlv->value, tlv->length);
        dst[tlv->length] = '\0';
        return DFOTA_OK;
    }
    if (tlv->length != def->length)
        return dfota_error_set(err, DFOTA_E_MALFORMED, "field %s has length %u, expected %u",
                               def->name, (unsigned)tlv->length, (unsigned)def->length);
    switch (def->kind) {
    case KIND_U8:
        *(uint8_t *)(void *)dst = tlv->value[0];
        break;
    case KIND_U32:
        *(uint32_t *)(void *)dst = dfota_get_le32(tlv->value);
        break;
    case KIND_U64:
        *(uint64_t *)(void *)dst = dfota_get_le64(tlv->value);
        break;
    default:
        memcpy(dst, tlv->value, def->length);
        break;
    }
    return DFOTA_OK;
}

static bool all_zero(const uint8_t *p, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (p[i] != 0)
            return false;
    return true;
}

/* Turn the failure just recorded in `err` into MALFORMED, keeping its message. */
static enum dfota_status malformed(struct dfota_error *err)
{
    if (err != NULL)
        err->status = DFOTA_E_MALFORMED;
    return DFOTA_E_MALFORMED;
}

enum dfota_status dfota_container_validate(const struct dfota_package_header *hdr,
                                           struct dfota_error *err)
{
    unsigned expected_encoding;

    if (hdr->package_type != DFOTA_PACKAGE_FULL && hdr->package_type != DFOTA_PACKAGE_DELTA)
        return dfota_error_set(err, DFOTA_E_UNSUPPORTED_FEATURE,
                               "package type %u is not supported (1 full, 2 delta)",
                               (unsigned)hdr->package_type);
    if (hdr->flags != 0)
        return dfota_error_set(err, DFOTA_E_UNSUPPORTED_FEATURE,
                               "header flags 0x%04x are not supported", (unsigned)hdr->flags);
    /* The check's message stands; a bad version in a header is MALFORMED. */
    if (dfota_version_check(hdr->target_version, "target version", err) != DFOTA_OK)
        return malformed(err);
    if (hdr->package_type == DFOTA_PACKAGE_DELTA) {
        if (dfota_version_check(hdr->source_version, "source version", err) != DFOTA_OK)
            return malformed(err);
        expected_encoding = DFOTA_ENCODING_PATCH;
    } else {
        if (hdr->source_version[0] != '\0' || hdr->source.size != 0 ||
            !all_zero(hdr->source.md5, sizeof(hdr->source.md5)) ||
            !all_zero(hdr->source.sha256, sizeof(hdr->source.sha256)))
            return dfota_error_set(err, DFOTA_E_MALFORMED,
                                   "a full-image package has no source image fields");
        expected_encoding = DFOTA_ENCODING_ZSTD;
    }
    if (hdr->payload_encoding != DFOTA_ENCODING_ZSTD &&
        hdr->payload_encoding != DFOTA_ENCODING_PATCH)
        return dfota_error_set(err, DFOTA_E_UNSUPPORTED_FEATURE,
                               "payload encoding %u is not supported",
                               (unsigned)hdr->payload_encoding);
    if (hdr->payload_encoding != expected_encoding)
        return dfota_error_set(err, DFOTA_E_MALFORMED,
                               "a %s package cannot carry a %s payload",
                               dfota_package_type_name(hdr->package_type),
                               dfota_payload_encoding_name(hdr->payload_encoding));
    if (hdr->payload.size == 0)
        return dfota_error_set(err, DFOTA_E_MALFORMED, "payload size is 0");
    return DFOTA_OK;
}

enum dfota_status dfota_container_parse(const uint8_t *data, size_t size,
                                        struct dfota_package_header *hdr,
                                        struct dfota_error *err)
{
    struct dfota_tlv_iter it;
    struct dfota_tlv tlv;
    const struct field_def *def;
    enum dfota_status st;
    uint32_t header_size, stored_crc, computed_crc, seen = 0, required;

    memset(hdr, 0, sizeof(*hdr));
    st = dfota_container_peek(data, size, &header_size, err);
    if (st != DFOTA_OK)
        return st;
    if (size < header_size)
        return dfota_error_set(err, DFOTA_E_TRUNCATED,
                               "header needs %lu bytes but only %lu are present",
                               (unsigned long)header_size, (unsigned long)size);
    stored_crc = dfota_get_le32(data + header_size - DFOTA_CONTAINER_CRC_SIZE);
    computed_crc = dfota_crc32(0, data, header_size - DFOTA_CONTAINER_CRC_SIZE);
    if (stored_crc != computed_crc)
        return dfota_error_set(err, DFOTA_E_HEADER_CHECKSUM,
                               "header CRC-32 mismatch: stored 0x%08lx, computed 0x%08lx",
                               (unsigned long)stored_crc, (unsigned long)computed_crc);

    hdr->format_version = data[OFF_FORMAT_VERSION];
    hdr->package_type = data[OFF_PACKAGE_TYPE];
    hdr->flags = dfota_get_le16(data + OFF_FLAGS);
    hdr->header_size = header_size;
    hdr->header_crc32 = stored_crc;
    if (hdr->package_type != DFOTA_PACKAGE_FULL && hdr->package_type != DFOTA_PACKAGE_DELTA)
        return dfota_error_set(err, DFOTA_E_UNSUPPORTED_FEATURE,
                               "package type %u is not supported (1 full, 2 delta)",
                               (unsigned)hdr->package_type);

    dfota_tlv_iter_init(&it, data, header_size);
    while (!dfota_tlv_iter_done(&it)) {
        st = dfota_tlv_iter_next(&it, &tlv, err);
        if (st != DFOTA_OK)
            return st;
        def = find_field(tlv.type);
        if (def == NULL) {
            if (tlv.type & DFOTA_TLV_CRITICAL)
                return dfota_error_set(err, DFOTA_E_UNSUPPORTED_FEATURE,
                                       "unknown critical field 0x%04x", (unsigned)tlv.type);
            if (hdr->skipped_fields < UINT16_MAX)
                hdr->skipped_fields++;
            continue;
        }
        if (seen & field_bit(def->type))
            return dfota_error_set(err, DFOTA_E_MALFORMED, "field %s appears twice", def->name);
        seen |= field_bit(def->type);
        st = decode_field(def, &tlv, hdr, err);
        if (st != DFOTA_OK)
            return st;
    }

    required = COMMON_REQUIRED_FIELDS;
    if (hdr->package_type == DFOTA_PACKAGE_DELTA)
        required |= SOURCE_FIELDS;
    else if (seen & SOURCE_FIELDS)
        return dfota_error_set(err, DFOTA_E_MALFORMED,
                               "a full-image package has no source image fields");
    if ((seen & required) != required) {
        size_t i;

        for (i = 0; i < FIELD_COUNT; i++)
            if ((required & field_bit(field_defs[i].type)) && !(seen & field_bit(field_defs[i].type)))
                return dfota_error_set(err, DFOTA_E_MALFORMED, "required field %s is missing",
                                       field_defs[i].name);
    }
    return dfota_container_validate(hdr, err);
}

enum dfota_status dfota_container_check_size(const struct dfota_package_header *hdr,
                                             uint64_t total_size, struct dfota_error *err)
{
    uint64_t expected = (uint64_t)hdr->header_size + hdr->payload.size;
    char total_text[DFOTA_INT64_TEXT_MAX], expected_text[DFOTA_INT64_TEXT_MAX];

    (void)total_text; /* for messages: unused in the lean build */
    (void)expected_text;

    if (total_size < expected)
        return dfota_error_set(err, DFOTA_E_TRUNCATED,
                               "package is %s bytes but header (%lu) and payload (%lu) need "
                               "%s",
                               dfota_u64_text(total_size, total_text),
                               (unsigned long)hdr->header_size, (unsigned long)hdr->payload.size,
                               dfota_u64_text(expected, expected_text));
    if (total_size > expected)
        return dfota_error_set(err, DFOTA_E_TRAILING_DATA,
                               "%s unexpected byte(s) after the %lu-byte payload",
                               dfota_u64_text(total_size - expected, total_text),
                               (unsigned long)hdr->payload.size);
    return DFOTA_OK;
}

static bool field_present(const struct dfota_package_header *hdr, const struct field_def *def)
{
    if (hdr->package_type == DFOTA_PACKAGE_FULL && (field_bit(def->type) & SOURCE_FIELDS))
        return false;
    return true;
}

static size_t field_length(const struct dfota_package_header *hdr, const struct field_def *def)
{
    if (def->kind == KIND_STRING)
        return strlen((const char *)hdr + def->offset);
    return def->length;
}

enum dfota_status dfota_container_encode(const struct dfota_package_header *hdr, uint8_t *out,
                                         size_t capacity, size_t *written,
                                         struct dfota_error *err)
{
    const unsigned char *base = (const unsigned char *)hdr;
    size_t i, size = DFOTA_CONTAINER_HEADER_MIN, pos, len;
    enum dfota_status st;

    st = dfota_container_validate(hdr, err);
    if (st != DFOTA_OK)
        return st;
    for (i = 0; i < FIELD_COUNT; i++)
        if (field_present(hdr, &field_defs[i]))
            size += DFOTA_CONTAINER_TLV_HEADER_SIZE + field_length(hdr, &field_defs[i]);
    if (size > capacity)
        return dfota_error_set(err, DFOTA_E_NO_MEMORY,
                               "header needs %lu bytes, buffer has %lu", (unsigned long)size,
                               (unsigned long)capacity);

    memcpy(out + OFF_MAGIC, DFOTA_CONTAINER_MAGIC, DFOTA_CONTAINER_MAGIC_SIZE);
    out[OFF_FORMAT_VERSION] = DFOTA_CONTAINER_FORMAT_VERSION;
    out[OFF_PACKAGE_TYPE] = hdr->package_type;
    dfota_put_le16(out + OFF_FLAGS, hdr->flags);
    dfota_put_le32(out + OFF_HEADER_SIZE, (uint32_t)size);
    pos = DFOTA_CONTAINER_PREAMBLE_SIZE;
    for (i = 0; i < FIELD_COUNT; i++) {
        const struct field_def *def = &field_defs[i];
        const unsigned char *src = base + def->offset;

        if (!field_present(hdr, def))
            continue;
        len = field_length(hdr, def);
        dfota_put_le16(out + pos, def->type);
        dfota_put_le16(out + pos + 2, (uint16_t)len);
        pos += DFOTA_CONTAINER_TLV_HEADER_SIZE;
        switch (def->kind) {
        case KIND_U8:
            out[pos] = *(const uint8_t *)(const void *)src;
            break;
        case KIND_U32:
            dfota_put_le32(out + pos, *(const uint32_t *)(const void *)src);
            break;
        case KIND_U64:
            dfota_put_le64(out + pos, *(const uint64_t *)(const void *)src);
            break;
        default:
            memcpy(out + pos, src, len);
            break;
        }
        pos += len;
    }
    dfota_put_le32(out + pos, dfota_crc32(0, out, pos));
    *written = size;
    return DFOTA_OK;
}
