/*
 * signer.c - X.zip into X_signed.zip, and the check of a signed zip.
 *
 * One function, build_signed_zip(), defines the signed layout from the
 * parts that vary (name, content, time, signature); the signer uses it to
 * write, the verifier to rebuild what every byte must be.
 */
#include <stdlib.h>
#include <string.h>

#include "dfota/signer.h"
#include "dfota/wire.h"
#include "keys_internal.h"
#include "zip_internal.h"

/* Everything a signed zip is made of: all its other bytes follow from these. */
struct signed_zip_parts {
    const char *name;               /* "<name>.bin" */
    size_t name_size;
    const uint8_t *content;         /* the .bin's bytes, which the signature covers */
    size_t content_size;
    uint16_t dos_time, dos_date;    /* of both entries */
    const uint8_t *signature;
    size_t signature_size;
};

/* A local header and its name (`suffix` appended) for a stored entry. */
static uint8_t *put_local_header(uint8_t *p, const struct signed_zip_parts *parts,
                                 const char *suffix, uint32_t crc, size_t size)
{
    size_t suffix_size = strlen(suffix);

    dfota_put_le32(p, ZIP_LOCAL_SIGNATURE);
    dfota_put_le16(p + 4, ZIP_VERSION_STORED);
    dfota_put_le16(p + 6, 0);                   /* flags */
    dfota_put_le16(p + 8, ZIP_METHOD_STORED);
    dfota_put_le16(p + 10, parts->dos_time);
    dfota_put_le16(p + 12, parts->dos_date);
    dfota_put_le32(p + 14, crc);
    dfota_put_le32(p + 18, (uint32_t)size);
    dfota_put_le32(p + 22, (uint32_t)size);
    dfota_put_le16(p + 26, (uint16_t)(parts->name_size + suffix_size));
    dfota_put_le16(p + 28, 0);                  /* no extra field */
    memcpy(p + 30, parts->name, parts->name_size);
    memcpy(p + 30 + parts->name_size, suffix, suffix_size);
    return p + ZIP_LOCAL_HEADER_SIZE + parts->name_size + suffix_size;
}

/* The central directory header of the same entry, its local header at `offset`. */
static uint8_t *put_central_header(uint8_t *p, const struct signed_zip_parts *parts,
                                   const char *suffix, uint32_t crc, size_t size, size_t offset)
{
    size_t suffix_size = strlen(suffix);

    dfota_put_le32(p, ZIP_CENTRAL_SIGNATURE);
    dfota_put_le16(p + 4, ZIP_VERSION_MADE_BY);
    dfota_put_le16(p + 6, ZIP_VERSION_STORED);
    dfota_put_le16(p + 8, 0);
    dfota_put_le16(p + 10, ZIP_METHOD_STORED);
    dfota_put_le16(p + 12, parts->dos_time);
    dfota_put_le16(p + 14, parts->dos_date);
    dfota_put_le32(p + 16, crc);
    dfota_put_le32(p + 20, (uint32_t)size);
    dfota_put_le32(p + 24, (uint32_t)size);
    dfota_put_le16(p + 28, (uint16_t)(parts->name_size + suffix_size));
    dfota_put_le16(p + 30, 0);                  /* extra */
    dfota_put_le16(p + 32, 0);                  /* comment */
    dfota_put_le16(p + 34, 0);                  /* disk */
    dfota_put_le16(p + 36, 0);                  /* internal attributes */
    dfota_put_le32(p + 38, ZIP_EXTERNAL_ATTRIBUTES);
    dfota_put_le32(p + 42, (uint32_t)offset);
    memcpy(p + 46, parts->name, parts->name_size);
    memcpy(p + 46 + parts->name_size, suffix, suffix_size);
    return p + ZIP_CENTRAL_HEADER_SIZE + parts->name_size + suffix_size;
}

/*
 * The signed zip (layout 2, docs/FORMAT.md "X_signed.zip"):
 *   [<name>.bin local header][content, stored]
 *   [<name>.bin.sig local header][signature, stored]
 *   [central directory: .bin, .sig][end record, no comment]
 * Every byte is a function of `parts`: nothing in the result is free to
 * vary, so a verifier rebuilds it and compares. `*out` is malloc'd.
 */
static enum dfota_status build_signed_zip(const struct signed_zip_parts *parts, uint8_t **out,
                                          size_t *out_size, struct dfota_error *err)
{
    size_t n = parts->name_size, sig_n = n + 4;
    size_t bin_size = ZIP_LOCAL_HEADER_SIZE + n + parts->content_size;
    size_t sig_local_size = ZIP_LOCAL_HEADER_SIZE + sig_n + parts->signature_size;
    size_t central_size = 2 * ZIP_CENTRAL_HEADER_SIZE + n + sig_n;
    size_t total;
    uint32_t bin_crc = dfota_crc32(0, parts->content, parts->content_size);
    uint32_t sig_crc = dfota_crc32(0, parts->signature, parts->signature_size);
    uint8_t *p, *buf;

    *out = NULL;
    *out_size = 0;
    if (parts->content_size > DFOTA_ZIP_CONTENT_MAX)
        return dfota_error_set(err, DFOTA_E_TOO_LARGE, "'%s' is %zu bytes, over the %u-byte limit",
                               parts->name, parts->content_size, DFOTA_ZIP_CONTENT_MAX);
    total = bin_size + sig_local_size + central_size + ZIP_END_SIZE;
    if (total > DFOTA_ZIP_FILE_MAX)
        return dfota_error_set(err, DFOTA_E_TOO_LARGE, "signed zip would be %zu bytes", total);
    buf = malloc(total);
    if (buf == NULL)
        return dfota_error_set(err, DFOTA_E_NO_MEMORY, "cannot allocate %zu bytes", total);

    p = put_local_header(buf, parts, "", bin_crc, parts->content_size);
    memcpy(p, parts->content, parts->content_size);
    p += parts->content_size;
    p = put_local_header(p, parts, DFOTA_ZIP_SIGNATURE_SUFFIX, sig_crc, parts->signature_size);
    memcpy(p, parts->signature, parts->signature_size);
    p += parts->signature_size;
    p = put_central_header(p, parts, "", bin_crc, parts->content_size, 0);
    p = put_central_header(p, parts, DFOTA_ZIP_SIGNATURE_SUFFIX, sig_crc,
                           parts->signature_size, bin_size);

    dfota_put_le32(p, ZIP_END_SIGNATURE);
    dfota_put_le16(p + 4, 0);                   /* this disk */
    dfota_put_le16(p + 6, 0);                   /* disk of the central directory */
    dfota_put_le16(p + 8, 2);
    dfota_put_le16(p + 10, 2);
    dfota_put_le32(p + 12, (uint32_t)central_size);
    dfota_put_le32(p + 16, (uint32_t)(bin_size + sig_local_size));
    dfota_put_le16(p + 20, 0);                  /* no comment */

    *out = buf;
    *out_size = total;
    return DFOTA_OK;
}

enum dfota_status dfota_zip_sign(const uint8_t *zip, size_t zip_size,
                                 const struct dfota_signing_key *key, uint8_t **signed_zip,
                                 size_t *signed_size, struct dfota_error *err)
{
    struct dfota_zip_payload payload;
    struct dfota_signed_zip_info info;
    struct dfota_public_key public_key;
    struct signed_zip_parts parts;
    uint8_t signature[DFOTA_SIGNATURE_MAX];
    size_t signature_size = 0;
    uint8_t *out = NULL;
    size_t out_size = 0;
    enum dfota_status st;

    *signed_zip = NULL;
    *signed_size = 0;
    st = dfota_zip_open(zip, zip_size, &payload, err);
    if (st != DFOTA_OK) {
        dfota_zip_payload_release(&payload);
        return st;
    }
    st = dfota_sign_data(key, payload.content, payload.content_size, signature,
                         &signature_size, err);
    /* A key that signs wrongly (a faulty token, say) must not produce a package. */
    public_key.pkey = key->pkey;
    public_key.algorithm = key->algorithm;
    public_key.bits = key->bits;
    if (st == DFOTA_OK &&
        dfota_verify_data(&public_key, payload.content, payload.content_size, signature,
                          signature_size, err) != DFOTA_OK)
        st = dfota_error_set(err, DFOTA_E_INTERNAL,
                             "the signature just made does not verify with the key");
    if (st == DFOTA_OK) {
        parts.name = payload.name;
        parts.name_size = strlen(payload.name);
        parts.content = payload.content;
        parts.content_size = payload.content_size;
        parts.dos_time = payload.dos_time;
        parts.dos_date = payload.dos_date;
        parts.signature = signature;
        parts.signature_size = signature_size;
        st = build_signed_zip(&parts, &out, &out_size, err);
    }
    dfota_zip_payload_release(&payload);
    if (st == DFOTA_OK) {
        struct dfota_error check;

        if (dfota_signed_zip_verify(out, out_size, &public_key, &info, &check) != DFOTA_OK)
            st = dfota_error_set(err, DFOTA_E_INTERNAL,
                                 "the signed zip does not pass its own verification: %s",
                                 check.message);
        dfota_signed_zip_info_release(&info);
    }
    if (st != DFOTA_OK) {
        free(out);
        return st;
    }
    *signed_zip = out;
    *signed_size = out_size;
    return DFOTA_OK;
}

enum dfota_status dfota_signed_zip_verify(const uint8_t *zip, size_t zip_size,
                                          const struct dfota_public_key *key,
                                          struct dfota_signed_zip_info *info,
                                          struct dfota_error *err)
{
    struct zip_archive archive;
    const struct zip_entry *bin, *sig;
    struct signed_zip_parts parts;
    uint8_t *rebuilt = NULL;
    size_t rebuilt_size = 0, i;
    uint32_t sig_crc;
    enum dfota_status st;

    memset(info, 0, sizeof(*info));
    st = zip_parse(zip, zip_size, &archive, err);
    if (st != DFOTA_OK)
        return st;
    bin = &archive.entries[0];
    sig = &archive.entries[1];
    if (archive.entry_count == 1 && !archive.has_signature_entry) {
        st = zip_check_payload_entry(bin, err);
        if (st != DFOTA_OK)
            return st;
        return dfota_error_set(err, DFOTA_E_NOT_SIGNED,
                               "zip holds '%s' but no signature entry '%s%s'", bin->name,
                               bin->name, DFOTA_ZIP_SIGNATURE_SUFFIX);
    }
    if (archive.entry_count != 2 || bin->name_size + 4 != sig->name_size ||
        memcmp(sig->name, bin->name, bin->name_size) != 0 ||
        memcmp(sig->name + bin->name_size, DFOTA_ZIP_SIGNATURE_SUFFIX, 4) != 0)
        return dfota_error_set(err, DFOTA_E_ZIP_CONTENT,
                               "a signed zip holds '<name>.bin' then '<name>.bin%s'; this one "
                               "holds %zu entries, '%.64s' first",
                               DFOTA_ZIP_SIGNATURE_SUFFIX, archive.entry_count, bin->name);
    st = zip_check_payload_entry(bin, err);
    if (st != DFOTA_OK)
        return st;
    if (bin->method != ZIP_METHOD_STORED)
        return dfota_error_set(err, DFOTA_E_BAD_ZIP,
                               "'%s' is deflated: a signed zip stores its .bin, so that no byte "
                               "of it is free to vary (a signed zip of dfota 0.1? sign X.zip "
                               "again)",
                               bin->name);
    if (sig->method != ZIP_METHOD_STORED || sig->uncompressed_size == 0 ||
        sig->uncompressed_size > DFOTA_SIGNATURE_MAX)
        return dfota_error_set(err, DFOTA_E_BAD_ZIP,
                               "signature entry '%.64s' is not a stored signature of 1 to %u "
                               "bytes",
                               sig->name, DFOTA_SIGNATURE_MAX);

    st = zip_extract(zip, bin, &info->payload, err);
    if (st != DFOTA_OK)
        return st;
    info->signature_size = sig->uncompressed_size;
    memcpy(info->signature, zip + sig->data_offset, info->signature_size);
    sig_crc = dfota_crc32(0, info->signature, info->signature_size);
    if (sig_crc != sig->crc32)
        return dfota_error_set(err, DFOTA_E_BAD_SIGNATURE,
                               "signature entry '%.64s' is corrupted: CRC-32 stored 0x%08lx, "
                               "computed 0x%08lx",
                               sig->name, (unsigned long)sig->crc32, (unsigned long)sig_crc);

    /* Every byte must be the one the layout gives for these parts. */
    parts.name = bin->name;
    parts.name_size = bin->name_size;
    parts.content = info->payload.content;
    parts.content_size = info->payload.content_size;
    parts.dos_time = bin->dos_time;
    parts.dos_date = bin->dos_date;
    parts.signature = info->signature;
    parts.signature_size = info->signature_size;
    st = build_signed_zip(&parts, &rebuilt, &rebuilt_size, err);
    if (st != DFOTA_OK)
        return st;
    if (rebuilt_size != zip_size || memcmp(rebuilt, zip, zip_size) != 0) {
        for (i = 0; i < zip_size && i < rebuilt_size && rebuilt[i] == zip[i]; i++)
            ;
        free(rebuilt);
        return dfota_error_set(err, DFOTA_E_BAD_ZIP,
                               "not in the signed-zip layout: byte %zu (of %zu) differs from "
                               "the layout rebuilt from its name, content, time and signature "
                               "(%zu bytes)",
                               i, zip_size, rebuilt_size);
    }
    free(rebuilt);

    if (key == NULL)
        return DFOTA_OK; /* structure only: the caller has no key to check the signature with */
    st = dfota_verify_data(key, info->payload.content, info->payload.content_size,
                           info->signature, info->signature_size, err);
    if (st != DFOTA_OK)
        return st;
    info->algorithm = key->algorithm;
    info->key_bits = key->bits;
    return DFOTA_OK;
}

void dfota_signed_zip_info_release(struct dfota_signed_zip_info *info)
{
    if (info == NULL)
        return;
    dfota_zip_payload_release(&info->payload);
    memset(info, 0, sizeof(*info));
}
