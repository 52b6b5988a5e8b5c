/*
 * test_signer_keys.c - key pairs like the signtool's (RSA 2048, ECDSA
 * secp256k1), their PEM encodings, loading through OSSL_STORE with the
 * right, wrong or no passphrase, refused algorithms, raw signatures.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "signer_helpers.h"

#include "dfota/keys.h"

#define PASSPHRASE "Fota-2024"

struct fixture {
    char dir[256];
    char rsa_private[300], rsa_public[300], ec_private[300], ec_public[300];
    struct dfota_key_pair rsa, ec;
    struct dfota_passphrase pass;
};

static struct fixture fx;

static void path_in(char *out, const char *name)
{
    snprintf(out, 300, "%s/%s", fx.dir, name);
}

static int setup(void **state)
{
    struct dfota_error err;

    (void)state;
    signer_test_mkdtemp(fx.dir);
    dfota_passphrase_set(&fx.pass, PASSPHRASE, strlen(PASSPHRASE), &err);
    if (dfota_keygen(DFOTA_KEY_RSA, &fx.pass, &fx.rsa, &err) != DFOTA_OK ||
        dfota_keygen(DFOTA_KEY_ECDSA_SECP256K1, &fx.pass, &fx.ec, &err) != DFOTA_OK)
        return -1;
    path_in(fx.rsa_private, "rsa-private.pem");
    path_in(fx.rsa_public, "rsa-public.pem");
    path_in(fx.ec_private, "ec-private.pem");
    path_in(fx.ec_public, "ec-public.pem");
    signer_test_write(fx.rsa_private, fx.rsa.private_pem, fx.rsa.private_pem_size);
    signer_test_write(fx.rsa_public, fx.rsa.public_pem, fx.rsa.public_pem_size);
    signer_test_write(fx.ec_private, fx.ec.private_pem, fx.ec.private_pem_size);
    signer_test_write(fx.ec_public, fx.ec.public_pem, fx.ec.public_pem_size);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    dfota_key_pair_release(&fx.rsa);
    dfota_key_pair_release(&fx.ec);
    dfota_passphrase_wipe(&fx.pass);
    signer_test_rmdir(fx.dir);
    return 0;
}

/* The private PEM is EncryptedPrivateKeyInfo: PBES2, PBKDF2 with hmacWithSHA256, AES-256-CBC. */
static void assert_pbes2_aes256_pbkdf2_sha256(const char *pem, size_t size)
{
    BIO *bio = BIO_new_mem_buf(pem, (int)size);
    X509_SIG *p8;
    const X509_ALGOR *alg;
    const ASN1_OBJECT *oid;
    const void *param;
    int param_type;
    PBE2PARAM *pbe2;
    PBKDF2PARAM *kdf;

    assert_non_null(bio);
    p8 = PEM_read_bio_PKCS8(bio, NULL, NULL, NULL);
    assert_non_null(p8);
    X509_SIG_get0(p8, &alg, NULL);
    X509_ALGOR_get0(&oid, &param_type, &param, alg);
    assert_int_equal(OBJ_obj2nid(oid), NID_pbes2);
    assert_int_equal(param_type, V_ASN1_SEQUENCE);
    pbe2 = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBE2PARAM), alg->parameter);
    assert_non_null(pbe2);
    assert_int_equal(OBJ_obj2nid(pbe2->keyfunc->algorithm), NID_id_pbkdf2);
    assert_int_equal(OBJ_obj2nid(pbe2->encryption->algorithm), NID_aes_256_cbc);
    kdf = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBKDF2PARAM), pbe2->keyfunc->parameter);
    assert_non_null(kdf);
    /* An absent PRF would mean hmacWithSHA1. */
    assert_non_null(kdf->prf);
    assert_int_equal(OBJ_obj2nid(kdf->prf->algorithm), NID_hmacWithSHA256);
    assert_true(ASN1_INTEGER_get(kdf->iter) >= 2048);
    PBKDF2PARAM_free(kdf);
    PBE2PARAM_free(pbe2);
    X509_SIG_free(p8);
    BIO_free(bio);
}

static EVP_PKEY *read_public_pem(const char *pem, size_t size)
{
    BIO *bio = BIO_new_mem_buf(pem, (int)size);
    EVP_PKEY *pkey = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);

    BIO_free(bio);
    return pkey;
}

static EVP_PKEY *read_private_pem(const char *pem, size_t size, const char *pass)
{
    BIO *bio = BIO_new_mem_buf(pem, (int)size);
    EVP_PKEY *pkey = PEM_read_bio_PrivateKey(bio, NULL, NULL, (void *)pass);

    BIO_free(bio);
    return pkey;
}

static void keygen_rsa2048(void **state)
{
    EVP_PKEY *pub, *priv;
    BIGNUM *e = NULL;

    (void)state;
    assert_non_null(strstr(fx.rsa.private_pem, "-----BEGIN ENCRYPTED PRIVATE KEY-----\n"));
    assert_int_equal(strlen(fx.rsa.private_pem), fx.rsa.private_pem_size);
    assert_pbes2_aes256_pbkdf2_sha256(fx.rsa.private_pem, fx.rsa.private_pem_size);
    assert_non_null(strstr(fx.rsa.public_pem, "-----BEGIN PUBLIC KEY-----\n"));
    pub = read_public_pem(fx.rsa.public_pem, fx.rsa.public_pem_size);
    assert_non_null(pub);
    assert_true(EVP_PKEY_is_a(pub, "RSA"));
    assert_int_equal(EVP_PKEY_get_bits(pub), 2048);
    assert_int_equal(EVP_PKEY_get_bn_param(pub, OSSL_PKEY_PARAM_RSA_E, &e), 1);
    assert_true(BN_is_word(e, 65537));
    BN_free(e);
    /* Stock OpenSSL decrypts it with the passphrase, and only with it. */
    priv = read_private_pem(fx.rsa.private_pem, fx.rsa.private_pem_size, PASSPHRASE);
    assert_non_null(priv);
    assert_int_equal(EVP_PKEY_eq(priv, pub), 1);
    EVP_PKEY_free(priv);
    assert_null(read_private_pem(fx.rsa.private_pem, fx.rsa.private_pem_size, "Fota-2025"));
    ERR_clear_error();
    EVP_PKEY_free(pub);
}

static void keygen_ecdsa_secp256k1(void **state)
{
    EVP_PKEY *pub, *priv;
    char group[64];
    size_t group_size;

    (void)state;
    assert_non_null(strstr(fx.ec.private_pem, "-----BEGIN ENCRYPTED PRIVATE KEY-----\n"));
    assert_pbes2_aes256_pbkdf2_sha256(fx.ec.private_pem, fx.ec.private_pem_size);
    pub = read_public_pem(fx.ec.public_pem, fx.ec.public_pem_size);
    assert_non_null(pub);
    assert_true(EVP_PKEY_is_a(pub, "EC"));
    assert_int_equal(EVP_PKEY_get_group_name(pub, group, sizeof(group), &group_size), 1);
    assert_string_equal(group, "secp256k1");
    priv = read_private_pem(fx.ec.private_pem, fx.ec.private_pem_size, PASSPHRASE);
    assert_non_null(priv);
    assert_int_equal(EVP_PKEY_eq(priv, pub), 1);
    EVP_PKEY_free(priv);
    EVP_PKEY_free(pub);
}

static void keygen_refuses_a_weak_passphrase(void **state)
{
    struct dfota_passphrase weak;
    struct dfota_key_pair pair;
    struct dfota_error err;

    (void)state;
    dfota_passphrase_set(&weak, "abcdefgh", 8, &err);
    assert_int_equal(dfota_keygen(DFOTA_KEY_RSA, &weak, &pair, &err), DFOTA_E_WEAK_PASSPHRASE);
    assert_null(pair.private_pem);
    assert_null(pair.public_pem);
    dfota_passphrase_set(&weak, "Ab1", 3, &err);
    assert_int_equal(dfota_keygen(DFOTA_KEY_ECDSA_SECP256K1, &weak, &pair, &err),
                     DFOTA_E_WEAK_PASSPHRASE);
    dfota_key_pair_release(&pair);
}

static void two_keygens_give_two_keys(void **state)
{
    (void)state;
    assert_string_not_equal(fx.rsa.public_pem, fx.ec.public_pem);
    assert_string_not_equal(fx.rsa.private_pem, fx.ec.private_pem);
}

static void load_by_path_and_file_uri(void **state)
{
    struct dfota_signing_key *key;
    struct dfota_public_key *pub;
    struct dfota_error err;
    char uri[320];
    unsigned bits;

    (void)state;
    assert_int_equal(dfota_signing_key_load(fx.rsa_private, &fx.pass, &key, &err), DFOTA_OK);
    assert_int_equal(dfota_signing_key_algorithm(key, &bits), DFOTA_KEY_RSA);
    assert_int_equal(bits, 2048);
    dfota_signing_key_free(key);
    snprintf(uri, sizeof(uri), "file:%s", fx.ec_private);
    assert_int_equal(dfota_signing_key_load(uri, &fx.pass, &key, &err), DFOTA_OK);
    assert_int_equal(dfota_signing_key_algorithm(key, &bits), DFOTA_KEY_ECDSA_SECP256K1);
    assert_int_equal(bits, 256);
    dfota_signing_key_free(key);
    snprintf(uri, sizeof(uri), "file://%s", fx.rsa_private);
    assert_int_equal(dfota_signing_key_load(uri, &fx.pass, &key, &err), DFOTA_OK);
    dfota_signing_key_free(key);
    assert_int_equal(dfota_public_key_load(fx.ec_public, &pub, &err), DFOTA_OK);
    assert_int_equal(dfota_public_key_algorithm(pub, &bits), DFOTA_KEY_ECDSA_SECP256K1);
    dfota_public_key_free(pub);
    snprintf(uri, sizeof(uri), "file:%s", fx.rsa_public);
    assert_int_equal(dfota_public_key_load(uri, &pub, &err), DFOTA_OK);
    assert_int_equal(dfota_public_key_algorithm(pub, &bits), DFOTA_KEY_RSA);
    dfota_public_key_free(pub);
}

static void wrong_or_missing_passphrase(void **state)
{
    struct dfota_signing_key *key = NULL;
    struct dfota_passphrase wrong;
    struct dfota_error err;

    (void)state;
    dfota_passphrase_set(&wrong, "Fota-2025", 9, &err);
    assert_int_equal(dfota_signing_key_load(fx.rsa_private, &wrong, &key, &err),
                     DFOTA_E_BAD_PASSPHRASE);
    assert_null(key);
    assert_non_null(strstr(err.message, "wrong passphrase"));
    assert_int_equal(dfota_signing_key_load(fx.ec_private, &wrong, &key, &err),
                     DFOTA_E_BAD_PASSPHRASE);
    assert_int_equal(dfota_signing_key_load(fx.ec_private, NULL, &key, &err),
                     DFOTA_E_BAD_PASSPHRASE);
    assert_non_null(strstr(err.message, "no passphrase"));
    dfota_passphrase_set(&wrong, "", 0, &err);
    assert_int_equal(dfota_signing_key_load(fx.rsa_private, &wrong, &key, &err),
                     DFOTA_E_BAD_PASSPHRASE);
    assert_null(key);
}

static void not_a_private_key(void **state)
{
    struct dfota_signing_key *key = NULL;
    struct dfota_public_key *pub = NULL;
    struct dfota_error err;
    char path[300], uri[320];

    (void)state;
    path_in(path, "missing.pem");
    assert_int_equal(dfota_signing_key_load(path, &fx.pass, &key, &err), DFOTA_E_IO);
    assert_non_null(strstr(err.message, "No such file"));
    snprintf(uri, sizeof(uri), "file:%s", path);
    assert_int_equal(dfota_signing_key_load(uri, &fx.pass, &key, &err), DFOTA_E_IO);
    assert_int_equal(dfota_public_key_load(path, &pub, &err), DFOTA_E_IO);
    assert_int_equal(dfota_signing_key_load(fx.dir, &fx.pass, &key, &err), DFOTA_E_KEY);
    /* A public key is not a private key, and the message says so. */
    assert_int_equal(dfota_signing_key_load(fx.rsa_public, &fx.pass, &key, &err), DFOTA_E_KEY);
    assert_non_null(strstr(err.message, "public key"));
    /* Something that is not a key at all. */
    path_in(path, "garbage.pem");
    signer_test_write(path, "-----BEGIN NONSENSE-----\nAAAA\n-----END NONSENSE-----\n", 52);
    assert_int_equal(dfota_signing_key_load(path, &fx.pass, &key, &err), DFOTA_E_KEY);
    assert_int_equal(dfota_public_key_load(path, &pub, &err), DFOTA_E_KEY);
    signer_test_write(path, "", 0);
    assert_int_equal(dfota_signing_key_load(path, &fx.pass, &key, &err), DFOTA_E_KEY);
    /* The encrypted private key given as a public key: refused, never prompted for. */
    assert_int_equal(dfota_public_key_load(fx.rsa_private, &pub, &err), DFOTA_E_KEY);
    assert_null(key);
    assert_null(pub);
    /* A store scheme nobody provides. */
    assert_int_equal(dfota_signing_key_load("nosuchscheme:whatever", &fx.pass, &key, &err),
                     DFOTA_E_KEY);
}

/* Write `pkey` unencrypted (traditional or PKCS#8 PEM) to `name`; returns its path in out. */
static void write_plain_key(EVP_PKEY *pkey, const char *name, char *out)
{
    BIO *bio;

    path_in(out, name);
    bio = BIO_new_file(out, "w");
    assert_non_null(bio);
    assert_int_equal(PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0, NULL, NULL), 1);
    BIO_free(bio);
}

static void unsupported_algorithms(void **state)
{
    struct dfota_signing_key *key = NULL;
    struct dfota_error err;
    EVP_PKEY *pkey;
    char path[300];

    (void)state;
    pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    assert_non_null(pkey);
    write_plain_key(pkey, "p256.pem", path);
    EVP_PKEY_free(pkey);
    assert_int_equal(dfota_signing_key_load(path, NULL, &key, &err),
                     DFOTA_E_UNSUPPORTED_ALGORITHM);
    assert_non_null(strstr(err.message, "prime256v1"));
    pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    assert_non_null(pkey);
    write_plain_key(pkey, "ed25519.pem", path);
    EVP_PKEY_free(pkey);
    assert_int_equal(dfota_signing_key_load(path, NULL, &key, &err),
                     DFOTA_E_UNSUPPORTED_ALGORITHM);
    pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
    assert_non_null(pkey);
    write_plain_key(pkey, "rsa1024.pem", path);
    EVP_PKEY_free(pkey);
    assert_int_equal(dfota_signing_key_load(path, NULL, &key, &err),
                     DFOTA_E_UNSUPPORTED_ALGORITHM);
    assert_non_null(strstr(err.message, "1024 bits"));
    assert_null(key);
    /* An unencrypted RSA 3072 key made elsewhere is fine. */
    pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)3072);
    assert_non_null(pkey);
    write_plain_key(pkey, "rsa3072.pem", path);
    EVP_PKEY_free(pkey);
    assert_int_equal(dfota_signing_key_load(path, NULL, &key, &err), DFOTA_OK);
    dfota_signing_key_free(key);
}

static void public_key_from_memory(void **state)
{
    struct dfota_public_key *pub = NULL;
    struct dfota_error err;
    EVP_PKEY *pkey;
    unsigned char *der = NULL;
    int der_size;
    unsigned bits;

    (void)state;
    assert_int_equal(dfota_public_key_parse((const uint8_t *)fx.ec.public_pem,
                                            fx.ec.public_pem_size, &pub, &err),
                     DFOTA_OK);
    assert_int_equal(dfota_public_key_algorithm(pub, &bits), DFOTA_KEY_ECDSA_SECP256K1);
    dfota_public_key_free(pub);
    pkey = read_public_pem(fx.rsa.public_pem, fx.rsa.public_pem_size);
    der_size = i2d_PUBKEY(pkey, &der);
    assert_true(der_size > 0);
    assert_int_equal(dfota_public_key_parse(der, (size_t)der_size, &pub, &err), DFOTA_OK);
    assert_int_equal(dfota_public_key_algorithm(pub, &bits), DFOTA_KEY_RSA);
    assert_int_equal(bits, 2048);
    dfota_public_key_free(pub);
    OPENSSL_free(der);
    EVP_PKEY_free(pkey);
    assert_int_equal(dfota_public_key_parse((const uint8_t *)"nonsense", 8, &pub, &err),
                     DFOTA_E_KEY);
    assert_null(pub);
}

static void raw_signatures(void **state)
{
    struct dfota_signing_key *rsa, *ec;
    struct dfota_public_key *rsa_pub, *ec_pub;
    struct dfota_error err;
    uint8_t signature[DFOTA_SIGNATURE_MAX], data[300];
    size_t size;

    (void)state;
    test_fill_image(data, sizeof(data), 7);
    assert_int_equal(dfota_signing_key_load(fx.rsa_private, &fx.pass, &rsa, &err), DFOTA_OK);
    assert_int_equal(dfota_signing_key_load(fx.ec_private, &fx.pass, &ec, &err), DFOTA_OK);
    assert_int_equal(dfota_public_key_load(fx.rsa_public, &rsa_pub, &err), DFOTA_OK);
    assert_int_equal(dfota_public_key_load(fx.ec_public, &ec_pub, &err), DFOTA_OK);

    assert_int_equal(dfota_sign_data(rsa, data, sizeof(data), signature, &size, &err), DFOTA_OK);
    assert_int_equal(size, 256);
    assert_int_equal(dfota_verify_data(rsa_pub, data, sizeof(data), signature, size, &err),
                     DFOTA_OK);
    assert_int_equal(dfota_verify_data(ec_pub, data, sizeof(data), signature, size, &err),
                     DFOTA_E_BAD_SIGNATURE);
    data[17] ^= 1;
    assert_int_equal(dfota_verify_data(rsa_pub, data, sizeof(data), signature, size, &err),
                     DFOTA_E_BAD_SIGNATURE);
    assert_non_null(strstr(err.message, "signature does not match the public key"));
    data[17] ^= 1;

    assert_int_equal(dfota_sign_data(ec, data, sizeof(data), signature, &size, &err), DFOTA_OK);
    assert_true(size >= 8 && size <= 72);
    assert_int_equal(signature[0], 0x30); /* DER SEQUENCE */
    assert_int_equal(dfota_verify_data(ec_pub, data, sizeof(data), signature, size, &err),
                     DFOTA_OK);
    assert_int_equal(dfota_verify_data(rsa_pub, data, sizeof(data), signature, size, &err),
                     DFOTA_E_BAD_SIGNATURE);
    signature[size - 1] ^= 0x80;
    assert_int_equal(dfota_verify_data(ec_pub, data, sizeof(data), signature, size, &err),
                     DFOTA_E_BAD_SIGNATURE);
    assert_int_equal(dfota_verify_data(ec_pub, data, sizeof(data), signature, 0, &err),
                     DFOTA_E_BAD_SIGNATURE);

    dfota_signing_key_free(rsa);
    dfota_signing_key_free(ec);
    dfota_public_key_free(rsa_pub);
    dfota_public_key_free(ec_pub);
}

static void algorithm_names(void **state)
{
    enum dfota_key_algorithm alg;
    struct dfota_error err;
    char text[DFOTA_KEY_DESCRIPTION_MAX];

    (void)state;
    assert_int_equal(dfota_key_algorithm_parse("rsa2048", &alg, &err), DFOTA_OK);
    assert_int_equal(alg, DFOTA_KEY_RSA);
    assert_int_equal(dfota_key_algorithm_parse("RSA2048+SHA256", &alg, &err), DFOTA_OK);
    assert_int_equal(alg, DFOTA_KEY_RSA);
    assert_int_equal(dfota_key_algorithm_parse("ecdsa-secp256k1", &alg, &err), DFOTA_OK);
    assert_int_equal(alg, DFOTA_KEY_ECDSA_SECP256K1);
    assert_int_equal(dfota_key_algorithm_parse("ECDSA_256K1+SHA256", &alg, &err), DFOTA_OK);
    assert_int_equal(alg, DFOTA_KEY_ECDSA_SECP256K1);
    assert_int_equal(dfota_key_algorithm_parse("dsa", &alg, &err), DFOTA_E_INVALID_ARGUMENT);
    dfota_key_describe(DFOTA_KEY_RSA, 2048, text);
    assert_string_equal(text, "RSA2048+SHA256");
    dfota_key_describe(DFOTA_KEY_ECDSA_SECP256K1, 256, text);
    assert_string_equal(text, "ECDSA_256K1+SHA256");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(keygen_rsa2048),
        cmocka_unit_test(keygen_ecdsa_secp256k1),
        cmocka_unit_test(keygen_refuses_a_weak_passphrase),
        cmocka_unit_test(two_keygens_give_two_keys),
        cmocka_unit_test(load_by_path_and_file_uri),
        cmocka_unit_test(wrong_or_missing_passphrase),
        cmocka_unit_test(not_a_private_key),
        cmocka_unit_test(unsupported_algorithms),
        cmocka_unit_test(public_key_from_memory),
        cmocka_unit_test(raw_signatures),
        cmocka_unit_test(algorithm_names),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
