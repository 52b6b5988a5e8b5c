/*
 * test_signed_zip.c - X.zip into X_signed.zip and back: round trips for
 * both algorithms, the wrong key, an unsigned zip, tampered signatures and
 * content, every single-byte change anywhere in a small signed zip, other
 * encodings of the same content and metadata (layout 2 leaves none free),
 * and ECDSA's high-S twin.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "signer_helpers.h"

#include "dfota/signer.h"

#define PASSPHRASE "Sign-1234"
#define NAME "BC25R01A03_TO_BC25R01A04.bin"
#define CAP (64u * 1024u)

struct fixture {
    char dir[256];
    struct dfota_signing_key *rsa, *ec;
    struct dfota_public_key *rsa_pub, *ec_pub, *other_rsa_pub;
    uint8_t *content;
    size_t content_size;
    uint8_t *zip;
    size_t zip_size;
};

static struct fixture fx;

static int make_key(enum dfota_key_algorithm alg, const char *name,
                    struct dfota_signing_key **key, struct dfota_public_key **pub)
{
    struct dfota_passphrase pass;
    struct dfota_key_pair pair;
    struct dfota_error err;
    char path[300];
    int rc = 0;

    dfota_passphrase_set(&pass, PASSPHRASE, strlen(PASSPHRASE), &err);
    if (dfota_keygen(alg, &pass, &pair, &err) != DFOTA_OK)
        return -1;
    snprintf(path, sizeof(path), "%s/%s.pub", fx.dir, name);
    signer_test_write(path, pair.public_pem, pair.public_pem_size);
    snprintf(path, sizeof(path), "%s/%s", fx.dir, name);
    signer_test_write(path, pair.private_pem, pair.private_pem_size);
    if ((key != NULL && dfota_signing_key_load(path, &pass, key, &err) != DFOTA_OK) ||
        dfota_public_key_parse((const uint8_t *)pair.public_pem, pair.public_pem_size, pub,
                               &err) != DFOTA_OK)
        rc = -1;
    dfota_key_pair_release(&pair);
    dfota_passphrase_wipe(&pass);
    return rc;
}

static int setup(void **state)
{
    struct dfota_error err;

    (void)state;
    signer_test_mkdtemp(fx.dir);
    if (make_key(DFOTA_KEY_RSA, "rsa.pem", &fx.rsa, &fx.rsa_pub) != 0 ||
        make_key(DFOTA_KEY_ECDSA_SECP256K1, "ec.pem", &fx.ec, &fx.ec_pub) != 0 ||
        make_key(DFOTA_KEY_RSA, "other.pem", NULL, &fx.other_rsa_pub) != 0)
        return -1;
    fx.content_size = 200;
    fx.content = signer_test_payload(fx.content_size, 42);
    if (dfota_zip_create(NAME, fx.content, fx.content_size, DFOTA_ZIP_DEFAULT_MTIME, &fx.zip,
                         &fx.zip_size, &err) != DFOTA_OK)
        return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    dfota_signing_key_free(fx.rsa);
    dfota_signing_key_free(fx.ec);
    dfota_public_key_free(fx.rsa_pub);
    dfota_public_key_free(fx.ec_pub);
    dfota_public_key_free(fx.other_rsa_pub);
    free(fx.content);
    free(fx.zip);
    signer_test_rmdir(fx.dir);
    return 0;
}

static uint8_t *sign(const uint8_t *zip, size_t zip_size, const struct dfota_signing_key *key,
                     size_t *signed_size)
{
    struct dfota_error err;
    uint8_t *out;

    assert_int_equal(dfota_zip_sign(zip, zip_size, key, &out, signed_size, &err), DFOTA_OK);
    return out;
}

static enum dfota_status verify(const uint8_t *zip, size_t size,
                                const struct dfota_public_key *key, struct dfota_error *err)
{
    struct dfota_signed_zip_info info;
    enum dfota_status st = dfota_signed_zip_verify(zip, size, key, &info, err);

    if (st != DFOTA_OK)
        assert_true(strlen(err->message) > 0);
    dfota_signed_zip_info_release(&info);
    return st;
}

/* The local entry of the payload in `zip` (header, data, descriptor): its size. */
static size_t first_entry_size(const uint8_t *zip, size_t zip_size)
{
    size_t central = dfota_get_le32(zip + zip_size - 22 + 16);
    size_t entries = dfota_get_le16(zip + zip_size - 22 + 10);

    if (entries == 1)
        return central;
    /* The second entry's local header offset, from its central directory entry. */
    return dfota_get_le32(zip + central + 46 + dfota_get_le16(zip + central + 28) +
                          dfota_get_le16(zip + central + 30) + dfota_get_le16(zip + central + 32) +
                          42);
}

static void round_trip(const struct dfota_signing_key *key, const struct dfota_public_key *pub,
                       enum dfota_key_algorithm alg, unsigned bits)
{
    struct dfota_signed_zip_info info;
    struct dfota_error err;
    uint8_t *signed_zip;
    size_t signed_size, n = strlen(NAME), entry_size = 30 + n + fx.content_size;

    signed_zip = sign(fx.zip, fx.zip_size, key, &signed_size);
    /* The .bin first, stored: version 1.0, no flags, no extra field, the content as is. */
    assert_int_equal(dfota_get_le32(signed_zip), 0x04034b50u);
    assert_int_equal(dfota_get_le16(signed_zip + 4), 10);
    assert_int_equal(dfota_get_le16(signed_zip + 6), 0);
    assert_int_equal(dfota_get_le16(signed_zip + 8), 0);
    assert_memory_equal(signed_zip + 10, fx.zip + 10, 4); /* the time of X.zip's entry */
    assert_int_equal(dfota_get_le32(signed_zip + 18), fx.content_size);
    assert_int_equal(dfota_get_le16(signed_zip + 28), 0);
    assert_memory_equal(signed_zip + 30, NAME, n);
    assert_memory_equal(signed_zip + 30 + n, fx.content, fx.content_size);
    assert_int_equal(first_entry_size(signed_zip, signed_size), entry_size);
    assert_int_equal(dfota_signed_zip_verify(signed_zip, signed_size, pub, &info, &err),
                     DFOTA_OK);
    assert_string_equal(info.payload.name, NAME);
    assert_int_equal(info.payload.content_size, fx.content_size);
    assert_memory_equal(info.payload.content, fx.content, fx.content_size);
    assert_int_equal(info.algorithm, alg);
    assert_int_equal(info.key_bits, bits);
    /* The .sig entry: stored, right after the payload, holding a signature of the content. */
    assert_int_equal(dfota_get_le32(signed_zip + entry_size), 0x04034b50u);
    assert_int_equal(dfota_get_le16(signed_zip + entry_size + 8), 0);
    assert_int_equal(dfota_get_le16(signed_zip + entry_size + 26), strlen(NAME ".sig"));
    assert_memory_equal(signed_zip + entry_size + 30, NAME ".sig", strlen(NAME ".sig"));
    assert_int_equal(dfota_get_le32(signed_zip + entry_size + 22), info.signature_size);
    assert_memory_equal(signed_zip + entry_size + 30 + strlen(NAME ".sig"), info.signature,
                        info.signature_size);
    assert_int_equal(dfota_verify_data(pub, fx.content, fx.content_size, info.signature,
                                       info.signature_size, &err),
                     DFOTA_OK);
    /* No archive comment; two entries. */
    assert_int_equal(dfota_get_le16(signed_zip + signed_size - 2), 0);
    assert_int_equal(dfota_get_le16(signed_zip + signed_size - 22 + 10), 2);
    dfota_signed_zip_info_release(&info);
    free(signed_zip);
}

static void sign_and_verify_rsa(void **state)
{
    (void)state;
    round_trip(fx.rsa, fx.rsa_pub, DFOTA_KEY_RSA, 2048);
}

static void sign_and_verify_ecdsa(void **state)
{
    (void)state;
    round_trip(fx.ec, fx.ec_pub, DFOTA_KEY_ECDSA_SECP256K1, 256);
}

static void rsa_signing_is_deterministic(void **state)
{
    uint8_t *a, *b;
    size_t a_size, b_size;

    (void)state;
    a = sign(fx.zip, fx.zip_size, fx.rsa, &a_size);
    b = sign(fx.zip, fx.zip_size, fx.rsa, &b_size);
    assert_int_equal(a_size, b_size);
    assert_memory_equal(a, b, a_size);
    free(a);
    free(b);
}

static void the_wrong_key_is_refused(void **state)
{
    struct dfota_error err;
    uint8_t *rsa_zip, *ec_zip;
    size_t rsa_size, ec_size;

    (void)state;
    rsa_zip = sign(fx.zip, fx.zip_size, fx.rsa, &rsa_size);
    ec_zip = sign(fx.zip, fx.zip_size, fx.ec, &ec_size);
    assert_int_equal(verify(rsa_zip, rsa_size, fx.other_rsa_pub, &err), DFOTA_E_BAD_SIGNATURE);
    assert_non_null(strstr(err.message, "signature does not match the public key"));
    assert_int_equal(verify(rsa_zip, rsa_size, fx.ec_pub, &err), DFOTA_E_BAD_SIGNATURE);
    assert_int_equal(verify(ec_zip, ec_size, fx.rsa_pub, &err), DFOTA_E_BAD_SIGNATURE);
    assert_int_equal(verify(ec_zip, ec_size, fx.other_rsa_pub, &err), DFOTA_E_BAD_SIGNATURE);
    free(rsa_zip);
    free(ec_zip);
}

static void an_unsigned_zip_is_not_signed(void **state)
{
    struct dfota_error err;

    (void)state;
    assert_int_equal(verify(fx.zip, fx.zip_size, fx.rsa_pub, &err), DFOTA_E_NOT_SIGNED);
    assert_non_null(strstr(err.message, NAME ".sig"));
}

/* Flip each byte with `mask`; every variant must be refused, and nothing may crash. */
static void flip_every_byte(const uint8_t *signed_zip, size_t size,
                            const struct dfota_public_key *pub, uint8_t mask)
{
    struct dfota_error err;
    uint8_t *copy = malloc(size);
    size_t i;

    assert_non_null(copy);
    for (i = 0; i < size; i++) {
        enum dfota_status st;

        memcpy(copy, signed_zip, size);
        copy[i] ^= mask;
        st = verify(copy, size, pub, &err);
        if (st == DFOTA_OK)
            fail_msg("byte %zu of %zu ^ 0x%02x was not detected", i, size, mask);
        assert_true(st == DFOTA_E_BAD_ZIP || st == DFOTA_E_BAD_SIGNATURE ||
                    st == DFOTA_E_UNSAFE_ZIP || st == DFOTA_E_ZIP_CONTENT ||
                    st == DFOTA_E_NOT_SIGNED || st == DFOTA_E_ALREADY_SIGNED);
    }
    free(copy);
}

static void every_single_byte_change_is_refused(void **state)
{
    uint8_t *rsa_zip, *ec_zip;
    size_t rsa_size, ec_size;

    (void)state;
    rsa_zip = sign(fx.zip, fx.zip_size, fx.rsa, &rsa_size);
    ec_zip = sign(fx.zip, fx.zip_size, fx.ec, &ec_size);
    /* Every single-bit flip, and every byte inverted: with the .bin stored there is no
     * equivalent encoding left to find (dfota 0.1 let 2 flips inside deflate data pass). */
    {
        unsigned bit;

        for (bit = 0; bit < 8; bit++)
            flip_every_byte(rsa_zip, rsa_size, fx.rsa_pub, (uint8_t)(1u << bit));
    }
    flip_every_byte(rsa_zip, rsa_size, fx.rsa_pub, 0xff);
    flip_every_byte(ec_zip, ec_size, fx.ec_pub, 0x01);
    flip_every_byte(ec_zip, ec_size, fx.ec_pub, 0xff);
    free(rsa_zip);
    free(ec_zip);
}

static void truncated_or_extended_is_refused(void **state)
{
    struct dfota_error err;
    uint8_t *signed_zip, *copy;
    size_t size, n;

    (void)state;
    signed_zip = sign(fx.zip, fx.zip_size, fx.ec, &size);
    for (n = 0; n < size; n++) {
        copy = malloc(n ? n : 1);
        assert_non_null(copy);
        memcpy(copy, signed_zip, n);
        assert_int_not_equal(verify(copy, n, fx.ec_pub, &err), DFOTA_OK);
        free(copy);
    }
    /* A comment added, with a consistent length: refused before the layout is compared. */
    copy = malloc(size + 5);
    assert_non_null(copy);
    memcpy(copy, signed_zip, size);
    memcpy(copy + size, "hello", 5);
    dfota_put_le16(copy + size - 2, 5);
    assert_int_equal(verify(copy, size + 5, fx.ec_pub, &err), DFOTA_E_UNSAFE_ZIP);
    assert_non_null(strstr(err.message, "archive comment"));
    free(copy);
    free(signed_zip);
}

/* Rewrite the CRC-32 of entry `index` (local header and central directory) for its data. */
static void fix_stored_crc(uint8_t *zip, size_t size, unsigned index)
{
    size_t central = dfota_get_le32(zip + size - 22 + 16), c = central, local, data;
    uint32_t crc;
    unsigned i;

    for (i = 0; i < index; i++)
        c += 46u + dfota_get_le16(zip + c + 28) + dfota_get_le16(zip + c + 30) +
             dfota_get_le16(zip + c + 32);
    local = dfota_get_le32(zip + c + 42);
    data = local + 30 + dfota_get_le16(zip + local + 26) + dfota_get_le16(zip + local + 28);
    crc = dfota_crc32(0, zip + data, dfota_get_le32(zip + c + 20));
    dfota_put_le32(zip + local + 14, crc);
    dfota_put_le32(zip + c + 16, crc);
}

static void tampered_signature_or_content_with_fixed_crcs(void **state)
{
    struct dfota_error err;
    uint8_t stored[CAP], *signed_zip;
    struct test_zip_entry e = test_zip_stored(NAME, fx.content, fx.content_size);
    size_t stored_size, size, entry_size;

    (void)state;
    stored_size = test_zip_build(&e, 1, NULL, stored, sizeof(stored), NULL, NULL);
    signed_zip = sign(stored, stored_size, fx.rsa, &size);
    assert_int_equal(verify(signed_zip, size, fx.rsa_pub, &err), DFOTA_OK);
    entry_size = first_entry_size(signed_zip, size);
    /* Tampered signature, its CRC made to match: the signature check refuses it. */
    signed_zip[entry_size + 30 + strlen(NAME ".sig") + 100] ^= 0x04;
    assert_int_equal(verify(signed_zip, size, fx.rsa_pub, &err), DFOTA_E_BAD_SIGNATURE);
    assert_non_null(strstr(err.message, "CRC-32"));
    fix_stored_crc(signed_zip, size, 1);
    assert_int_equal(verify(signed_zip, size, fx.rsa_pub, &err), DFOTA_E_BAD_SIGNATURE);
    assert_non_null(strstr(err.message, "signature does not match"));
    free(signed_zip);
    /* Tampered content, its CRC made to match. */
    signed_zip = sign(stored, stored_size, fx.rsa, &size);
    signed_zip[30 + strlen(NAME) + 10] ^= 0x40;
    assert_int_equal(verify(signed_zip, size, fx.rsa_pub, &err), DFOTA_E_BAD_ZIP);
    assert_non_null(strstr(err.message, "CRC-32 mismatch"));
    fix_stored_crc(signed_zip, size, 0);
    assert_int_equal(verify(signed_zip, size, fx.rsa_pub, &err), DFOTA_E_BAD_SIGNATURE);
    free(signed_zip);
}

/*
 * Whatever zip tool made X.zip, the signed zip is the same: the name, the
 * content, the time and (RSA) the signature decide every byte of it.
 */
static void sign_writes_one_layout_for_any_accepted_zip(void **state)
{
    struct dfota_signed_zip_info info;
    struct dfota_error err;
    uint8_t zip[CAP], *reference, *signed_zip, *deflated;
    struct test_zip_entry e = test_zip_stored(NAME, fx.content, fx.content_size);
    size_t size, reference_size, signed_size, deflated_size, central, end;

    (void)state;
    reference = sign(fx.zip, fx.zip_size, fx.rsa, &reference_size);
    /* Stored by hand. */
    size = test_zip_build(&e, 1, NULL, zip, sizeof(zip), NULL, NULL);
    signed_zip = sign(zip, size, fx.rsa, &signed_size);
    assert_int_equal(signed_size, reference_size);
    assert_memory_equal(signed_zip, reference, reference_size);
    assert_int_equal(dfota_signed_zip_verify(signed_zip, signed_size, fx.rsa_pub, &info, &err),
                     DFOTA_OK);
    assert_int_equal(info.payload.method, 0);
    dfota_signed_zip_info_release(&info);
    free(signed_zip);
    /* Deflate with a 12-byte data descriptor (no signature). */
    deflated = signer_test_deflate(fx.content, fx.content_size, &deflated_size);
    e.method = 8;
    e.flags = 0x0008;
    e.data = deflated;
    e.data_size = deflated_size;
    size = test_zip_build(&e, 1, NULL, zip, sizeof(zip), &central, &end);
    memmove(zip + central - 16, zip + central - 12, size - (central - 12));
    size -= 4;
    dfota_put_le32(zip + end - 4 + 16, (uint32_t)(central - 4));
    signed_zip = sign(zip, size, fx.rsa, &signed_size);
    assert_int_equal(signed_size, reference_size);
    assert_memory_equal(signed_zip, reference, reference_size);
    flip_every_byte(signed_zip, signed_size, fx.rsa_pub, 0x01);
    free(signed_zip);
    free(deflated);
    free(reference);
}

/*
 * The same signed content in another encoding, or with other metadata, is
 * another file that the signature would not tell apart: each is refused.
 * (dfota 0.1 copied X.zip's entry byte for byte and accepted all of these.)
 */
static void other_encodings_and_metadata_are_refused(void **state)
{
    static const uint8_t ux_owner[] = {0x75, 0x78, 11, 0, 1, 4, 0xe8, 3, 0, 0, 4, 0xe8, 3, 0, 0};
    static const uint8_t ut_time[] = {0x55, 0x54, 5, 0, 1, 0x80, 0x7c, 0x8b, 0x65};
    struct dfota_signed_zip_info info;
    struct dfota_error err;
    uint8_t zip[CAP], *deflated;
    struct test_zip_entry e[2];
    size_t size, deflated_size;

    (void)state;
    /* The pair the builder writes for stored entries is layout 2 itself. */
    {
        uint8_t *signed_zip;
        size_t signed_size;

        signed_zip = sign(fx.zip, fx.zip_size, fx.rsa, &signed_size);
        assert_int_equal(dfota_signed_zip_verify(signed_zip, signed_size, fx.rsa_pub, &info,
                                                 &err),
                         DFOTA_OK);
        free(signed_zip);
    }
    e[0] = test_zip_stored(NAME, fx.content, fx.content_size);
    e[1] = test_zip_stored(NAME ".sig", info.signature, info.signature_size);
    size = test_zip_build(e, 2, NULL, zip, sizeof(zip), NULL, NULL);
    assert_int_equal(verify(zip, size, fx.rsa_pub, &err), DFOTA_OK);
    /* Deflated (layout 1 of dfota 0.1): an equivalent encoding. */
    deflated = signer_test_deflate(fx.content, fx.content_size, &deflated_size);
    e[0].method = 8;
    e[0].data = deflated;
    e[0].data_size = deflated_size;
    size = test_zip_build(e, 2, NULL, zip, sizeof(zip), NULL, NULL);
    assert_int_equal(verify(zip, size, fx.rsa_pub, &err), DFOTA_E_BAD_ZIP);
    assert_non_null(strstr(err.message, "stores its .bin"));
    e[0].flags = 0x0008; /* and with a data descriptor */
    size = test_zip_build(e, 2, NULL, zip, sizeof(zip), NULL, NULL);
    assert_int_equal(verify(zip, size, fx.rsa_pub, &err), DFOTA_E_BAD_ZIP);
    /* Stored, but with an owner, a time record, the UTF-8 flag or another mode. */
    e[0] = test_zip_stored(NAME, fx.content, fx.content_size);
    e[0].extra = (const char *)ux_owner;
    e[0].extra_size = sizeof(ux_owner);
    size = test_zip_build(e, 2, NULL, zip, sizeof(zip), NULL, NULL);
    assert_int_equal(verify(zip, size, fx.rsa_pub, &err), DFOTA_E_BAD_ZIP);
    assert_non_null(strstr(err.message, "layout rebuilt"));
    e[0].extra = (const char *)ut_time;
    e[0].extra_size = sizeof(ut_time);
    size = test_zip_build(e, 2, NULL, zip, sizeof(zip), NULL, NULL);
    assert_int_equal(verify(zip, size, fx.rsa_pub, &err), DFOTA_E_BAD_ZIP);
    e[0].extra = NULL;
    e[0].extra_size = 0;
    e[0].flags = 0x0800;
    size = test_zip_build(e, 2, NULL, zip, sizeof(zip), NULL, NULL);
    assert_int_equal(verify(zip, size, fx.rsa_pub, &err), DFOTA_E_BAD_ZIP);
    e[0].flags = 0;
    e[0].external = 0100755u << 16;
    size = test_zip_build(e, 2, NULL, zip, sizeof(zip), NULL, NULL);
    assert_int_equal(verify(zip, size, fx.rsa_pub, &err), DFOTA_E_BAD_ZIP);
    dfota_signed_zip_info_release(&info);
    free(deflated);
}

/* (r, s) and (r, n - s): both verify for OpenSSL; dfota makes and accepts only s <= n/2. */
static void ecdsa_signatures_are_low_s_only(void **state)
{
    struct dfota_error err;
    uint8_t signature[DFOTA_SIGNATURE_MAX], twin[DFOTA_SIGNATURE_MAX];
    BIGNUM *order = NULL, *half;
    EVP_PKEY *openssl_pub;
    char path[300];
    FILE *f;
    unsigned i;

    (void)state;
    snprintf(path, sizeof(path), "%s/ec.pem.pub", fx.dir);
    f = fopen(path, "r");
    assert_non_null(f);
    openssl_pub = PEM_read_PUBKEY(f, NULL, NULL, NULL);
    fclose(f);
    assert_non_null(openssl_pub);
    assert_true(BN_hex2bn(&order, "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141") >
                0);
    half = BN_dup(order);
    assert_non_null(half);
    assert_int_equal(BN_rshift1(half, order), 1);
    /* A random nonce gives a high S half of the time: 40 signatures all low. */
    for (i = 0; i < 40; i++) {
        const unsigned char *p = signature;
        size_t size = 0, twin_size;
        ECDSA_SIG *sig;
        const BIGNUM *r, *s;
        BIGNUM *s2;
        unsigned char *q = twin;
        EVP_MD_CTX *md;

        assert_int_equal(dfota_sign_data(fx.ec, fx.content, fx.content_size, signature, &size,
                                         &err),
                         DFOTA_OK);
        sig = d2i_ECDSA_SIG(NULL, &p, (long)size);
        assert_non_null(sig);
        ECDSA_SIG_get0(sig, &r, &s);
        if (BN_cmp(s, half) > 0)
            fail_msg("signature %u has a high S", i);
        /* Its twin: valid for OpenSSL, refused by dfota. */
        s2 = BN_new();
        assert_non_null(s2);
        assert_int_equal(BN_sub(s2, order, s), 1);
        assert_int_equal(ECDSA_SIG_set0(sig, BN_dup(r), s2), 1);
        twin_size = (size_t)i2d_ECDSA_SIG(sig, &q);
        ECDSA_SIG_free(sig);
        md = EVP_MD_CTX_new();
        assert_non_null(md);
        assert_int_equal(EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, openssl_pub), 1);
        assert_int_equal(EVP_DigestVerify(md, twin, twin_size, fx.content, fx.content_size), 1);
        EVP_MD_CTX_free(md);
        assert_int_equal(dfota_verify_data(fx.ec_pub, fx.content, fx.content_size, twin,
                                           twin_size, &err),
                         DFOTA_E_BAD_SIGNATURE);
        assert_non_null(strstr(err.message, "high S"));
        assert_int_equal(dfota_verify_data(fx.ec_pub, fx.content, fx.content_size, signature,
                                           size, &err),
                         DFOTA_OK);
    }
    EVP_PKEY_free(openssl_pub);
    BN_free(half);
    BN_free(order);
}

static void sign_refuses_what_the_signtool_refuses(void **state)
{
    static const uint8_t sig[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    struct dfota_error err;
    uint8_t zip[CAP], *out = NULL, *signed_zip;
    struct test_zip_entry e[2];
    size_t size, out_size = 0, signed_size;

    (void)state;
    signed_zip = sign(fx.zip, fx.zip_size, fx.rsa, &signed_size);
    assert_int_equal(dfota_zip_sign(signed_zip, signed_size, fx.rsa, &out, &out_size, &err),
                     DFOTA_E_ALREADY_SIGNED);
    free(signed_zip);
    e[0] = test_zip_stored("readme.txt", fx.content, fx.content_size);
    size = test_zip_build(e, 1, NULL, zip, sizeof(zip), NULL, NULL);
    assert_int_equal(dfota_zip_sign(zip, size, fx.rsa, &out, &out_size, &err),
                     DFOTA_E_ZIP_CONTENT);
    e[0] = test_zip_stored("../x.bin", fx.content, fx.content_size);
    size = test_zip_build(e, 1, NULL, zip, sizeof(zip), NULL, NULL);
    assert_int_equal(dfota_zip_sign(zip, size, fx.rsa, &out, &out_size, &err),
                     DFOTA_E_UNSAFE_ZIP);
    e[0] = test_zip_stored("a.bin", fx.content, fx.content_size);
    e[1] = test_zip_stored("b.bin", fx.content, fx.content_size);
    size = test_zip_build(e, 2, NULL, zip, sizeof(zip), NULL, NULL);
    assert_int_equal(dfota_zip_sign(zip, size, fx.rsa, &out, &out_size, &err),
                     DFOTA_E_ZIP_CONTENT);
    e[1] = test_zip_stored("a.bin.sig", sig, sizeof(sig));
    size = test_zip_build(e, 2, NULL, zip, sizeof(zip), NULL, NULL);
    assert_int_equal(dfota_zip_sign(zip, size, fx.rsa, &out, &out_size, &err),
                     DFOTA_E_ALREADY_SIGNED);
    assert_int_equal(dfota_zip_sign(fx.content, fx.content_size, fx.rsa, &out, &out_size, &err),
                     DFOTA_E_BAD_ZIP);
    assert_null(out);
    assert_int_equal(out_size, 0);
}

static void verify_refuses_other_layouts(void **state)
{
    static const uint8_t sig[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    struct dfota_error err;
    uint8_t zip[CAP];
    struct test_zip_entry e[3];
    size_t size;

    (void)state;
    /* Signature first. */
    e[0] = test_zip_stored("a.bin.sig", sig, sizeof(sig));
    e[1] = test_zip_stored("a.bin", fx.content, fx.content_size);
    size = test_zip_build(e, 2, NULL, zip, sizeof(zip), NULL, NULL);
    assert_int_equal(verify(zip, size, fx.rsa_pub, &err), DFOTA_E_ZIP_CONTENT);
    /* A signature for another name. */
    e[0] = test_zip_stored("a.bin", fx.content, fx.content_size);
    e[1] = test_zip_stored("b.bin.sig", sig, sizeof(sig));
    size = test_zip_build(e, 2, NULL, zip, sizeof(zip), NULL, NULL);
    assert_int_equal(verify(zip, size, fx.rsa_pub, &err), DFOTA_E_ZIP_CONTENT);
    /* Three entries. */
    e[1] = test_zip_stored("a.bin.sig", sig, sizeof(sig));
    e[2] = test_zip_stored("c.bin", fx.content, fx.content_size);
    size = test_zip_build(e, 3, NULL, zip, sizeof(zip), NULL, NULL);
    assert_int_equal(verify(zip, size, fx.rsa_pub, &err), DFOTA_E_ZIP_CONTENT);
    /* A hand-made pair: the builder happens to write the canonical layout, so
     * only the signature check can refuse it; with another date it is not canonical. */
    size = test_zip_build(e, 2, NULL, zip, sizeof(zip), NULL, NULL);
    assert_int_equal(verify(zip, size, fx.rsa_pub, &err), DFOTA_E_BAD_SIGNATURE);
    dfota_put_le16(zip + 30 + 5 + fx.content_size + 12, 0x0022);
    assert_int_equal(verify(zip, size, fx.rsa_pub, &err), DFOTA_E_BAD_ZIP);
    /* An unsigned zip that is not even a payload. */
    e[0] = test_zip_stored("x.txt", fx.content, fx.content_size);
    size = test_zip_build(e, 1, NULL, zip, sizeof(zip), NULL, NULL);
    assert_int_equal(verify(zip, size, fx.rsa_pub, &err), DFOTA_E_ZIP_CONTENT);
    assert_int_equal(verify(fx.content, fx.content_size, fx.rsa_pub, &err), DFOTA_E_BAD_ZIP);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sign_and_verify_rsa),
        cmocka_unit_test(sign_and_verify_ecdsa),
        cmocka_unit_test(rsa_signing_is_deterministic),
        cmocka_unit_test(the_wrong_key_is_refused),
        cmocka_unit_test(an_unsigned_zip_is_not_signed),
        cmocka_unit_test(every_single_byte_change_is_refused),
        cmocka_unit_test(truncated_or_extended_is_refused),
        cmocka_unit_test(tampered_signature_or_content_with_fixed_crcs),
        cmocka_unit_test(sign_writes_one_layout_for_any_accepted_zip),
        cmocka_unit_test(other_encodings_and_metadata_are_refused),
        cmocka_unit_test(ecdsa_signatures_are_low_s_only),
        cmocka_unit_test(sign_refuses_what_the_signtool_refuses),
        cmocka_unit_test(verify_refuses_other_layouts),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
