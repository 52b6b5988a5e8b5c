/*
 * fuzz_signed_zip.c - fuzz target for the signed-zip check on signed zips
 * that are valid but for the input's edits, so that every input reaches the
 * layout comparison and the signature check (libFuzzer's own mutations of
 * a whole zip, in fuzz_zip.c, rarely get that far).
 *
 * At start-up it makes two signed zips of one small package, with a fresh
 * RSA 2048 and ECDSA secp256k1 key (dfota_keygen). Input: one byte, then
 * edits of 4 bytes each, applied in order:
 *   byte 0   bit 0 which signed zip; bit 1 afterwards recompute both
 *            entries' CRC-32 fields (local header and central directory)
 *            from the data they describe, so that edits of the content or
 *            the signature reach the signature check
 *   edit     offset (2 bytes, little endian, modulo the size), operation
 *            (0 xor, 1 set, 2 insert, 3 delete, 4 add), value
 *
 * The oracle: a variant that dfota_signed_zip_verify() accepts must hold the
 * same content and the same signature as the original (only its name or its
 * time may differ, which the signature does not cover). Anything else would
 * be a second signed zip that nobody signed.
 *
 * Built as a libFuzzer target with -DDFOTA_FUZZ=ON (clang), and always
 * linked into the replay driver that CTest runs over the corpus.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dfota/keys.h"
#include "dfota/signer.h"
#include "dfota/wire.h"
#include "dfota/zip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define EDITS_MAX 16u
#define SLACK 64u

struct original {
    uint8_t *zip;
    size_t size;
    struct dfota_public_key *pub;
    uint8_t content[600];
    size_t signature_size;
    uint8_t signature[DFOTA_SIGNATURE_MAX];
};

static struct original originals[2];

static void make(struct original *o, enum dfota_key_algorithm alg)
{
    static const char passphrase[] = "Fuzz-1234";
    char path[] = "/tmp/dfota-fuzz-key.XXXXXX";
    struct dfota_passphrase pass;
    struct dfota_key_pair pair;
    struct dfota_signing_key *key = NULL;
    struct dfota_signed_zip_info info;
    struct dfota_error err;
    uint8_t *zip = NULL;
    size_t zip_size = 0, i;
    int fd;

    for (i = 0; i < sizeof(o->content); i++)
        o->content[i] = (uint8_t)(i * 7 + (i >> 5));
    if (dfota_passphrase_set(&pass, passphrase, strlen(passphrase), &err) != DFOTA_OK ||
        dfota_keygen(alg, &pass, &pair, &err) != DFOTA_OK)
        abort();
    fd = mkstemp(path);
    if (fd < 0 || write(fd, pair.private_pem, pair.private_pem_size) !=
                      (ssize_t)pair.private_pem_size ||
        close(fd) != 0 || dfota_signing_key_load(path, &pass, &key, &err) != DFOTA_OK ||
        dfota_public_key_parse((const uint8_t *)pair.public_pem, pair.public_pem_size, &o->pub,
                               &err) != DFOTA_OK ||
        dfota_zip_create("FUZZR01A01_TO_FUZZR01A02.bin", o->content, sizeof(o->content),
                         DFOTA_ZIP_DEFAULT_MTIME, &zip, &zip_size, &err) != DFOTA_OK ||
        dfota_zip_sign(zip, zip_size, key, &o->zip, &o->size, &err) != DFOTA_OK ||
        dfota_signed_zip_verify(o->zip, o->size, o->pub, &info, &err) != DFOTA_OK)
        abort();
    unlink(path);
    o->signature_size = info.signature_size;
    memcpy(o->signature, info.signature, info.signature_size);
    dfota_signed_zip_info_release(&info);
    dfota_signing_key_free(key);
    dfota_key_pair_release(&pair);
    dfota_passphrase_wipe(&pass);
    free(zip);
}

/* Recompute the CRC-32 of every entry from its data, as its headers locate it. */
static void fix_crcs(uint8_t *zip, size_t size)
{
    size_t central, pos, i, count;

    if (size < 22 || dfota_get_le32(zip + size - 22) != 0x06054b50u)
        return;
    count = dfota_get_le16(zip + size - 12);
    central = dfota_get_le32(zip + size - 6);
    for (i = 0, pos = central; i < count && pos + 46 <= size; i++) {
        size_t local = dfota_get_le32(zip + pos + 42), data, length;
        uint32_t crc;

        if (local + 30 > size)
            return;
        data = local + 30 + dfota_get_le16(zip + local + 26) + dfota_get_le16(zip + local + 28);
        length = dfota_get_le32(zip + pos + 20);
        if (data > size || length > size - data)
            return;
        crc = dfota_crc32(0, zip + data, length);
        dfota_put_le32(zip + local + 14, crc);
        dfota_put_le32(zip + pos + 16, crc);
        pos += 46u + dfota_get_le16(zip + pos + 28) + dfota_get_le16(zip + pos + 30) +
               dfota_get_le16(zip + pos + 32);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const struct original *o;
    struct dfota_signed_zip_info info;
    struct dfota_error err;
    uint8_t *zip;
    size_t zip_size, i;

    if (originals[0].zip == NULL) {
        make(&originals[0], DFOTA_KEY_RSA);
        make(&originals[1], DFOTA_KEY_ECDSA_SECP256K1);
    }
    if (size < 1)
        return 0;
    o = &originals[data[0] & 1u];
    zip = malloc(o->size + SLACK);
    if (zip == NULL)
        return 0;
    memcpy(zip, o->zip, o->size);
    zip_size = o->size;
    for (i = 1; i + 4 <= size && i / 4 < EDITS_MAX; i += 4) {
        size_t at = dfota_get_le16(data + i) % zip_size;
        uint8_t value = data[i + 3];

        switch (data[i + 2] % 5u) {
        case 0:
            zip[at] ^= value;
            break;
        case 1:
            zip[at] = value;
            break;
        case 2:
            if (zip_size < o->size + SLACK) {
                memmove(zip + at + 1, zip + at, zip_size - at);
                zip[at] = value;
                zip_size++;
            }
            break;
        case 3:
            if (zip_size > 1) {
                memmove(zip + at, zip + at + 1, zip_size - at - 1);
                zip_size--;
            }
            break;
        default:
            zip[at] = (uint8_t)(zip[at] + value);
            break;
        }
    }
    if (data[0] & 2u)
        fix_crcs(zip, zip_size);
    if (dfota_signed_zip_verify(zip, zip_size, o->pub, &info, &err) == DFOTA_OK &&
        (info.payload.content_size != sizeof(o->content) ||
         memcmp(info.payload.content, o->content, sizeof(o->content)) != 0 ||
         info.signature_size != o->signature_size ||
         memcmp(info.signature, o->signature, o->signature_size) != 0))
        abort(); /* accepted: a signed zip whose content or signature nobody signed */
    dfota_signed_zip_info_release(&info);
    free(zip);
    return 0;
}
