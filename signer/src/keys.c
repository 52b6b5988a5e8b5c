/*
 * keys.c - key generation, loading through OSSL_STORE (or a PKCS#11 token,
 * keys_pkcs11.c), raw signatures.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/decoder.h>
#include <openssl/encoder.h>
#include <openssl/err.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/store.h>
#include <openssl/ui.h>
#include <openssl/x509.h>

#include "keys_internal.h"

/* Most objects read from one store before giving up (a PEM bundle, a token). */
#define STORE_OBJECTS_MAX 256

/* OpenSSL's reason for the last failure, for a message; clears the queue. */
static const char *openssl_reason(char *buf, size_t cap)
{
    unsigned long e = ERR_peek_last_error();
    const char *reason = e ? ERR_reason_error_string(e) : NULL;

    if (reason != NULL)
        snprintf(buf, cap, "%s", reason);
    else if (e != 0)
        ERR_error_string_n(e, buf, cap);
    else
        snprintf(buf, cap, "no detail from OpenSSL");
    ERR_clear_error();
    return buf;
}

/* ---- algorithms ------------------------------------------------------- */

enum dfota_status dfota_key_algorithm_parse(const char *name, enum dfota_key_algorithm *alg,
                                            struct dfota_error *err)
{
    if (strcasecmp(name, "rsa2048") == 0 || strcasecmp(name, "RSA2048+SHA256") == 0) {
        *alg = DFOTA_KEY_RSA;
        return DFOTA_OK;
    }
    if (strcasecmp(name, "ecdsa-secp256k1") == 0 || strcasecmp(name, "ECDSA_256K1+SHA256") == 0) {
        *alg = DFOTA_KEY_ECDSA_SECP256K1;
        return DFOTA_OK;
    }
    return dfota_error_set(err, DFOTA_E_INVALID_ARGUMENT,
                           "unknown algorithm '%.40s'; use rsa2048 or ecdsa-secp256k1", name);
}

void dfota_key_describe(enum dfota_key_algorithm alg, unsigned bits,
                        char out[DFOTA_KEY_DESCRIPTION_MAX])
{
    if (alg == DFOTA_KEY_RSA)
        snprintf(out, DFOTA_KEY_DESCRIPTION_MAX, "RSA%u+SHA256", bits);
    else if (alg == DFOTA_KEY_ECDSA_SECP256K1)
        snprintf(out, DFOTA_KEY_DESCRIPTION_MAX, "ECDSA_256K1+SHA256");
    else
        snprintf(out, DFOTA_KEY_DESCRIPTION_MAX, "unknown");
}

/* Is `pkey` one of the two schemes, with an accepted size? */
static enum dfota_status classify(EVP_PKEY *pkey, const char *subject,
                                  enum dfota_key_algorithm *alg, unsigned *bits,
                                  struct dfota_error *err)
{
    if (EVP_PKEY_is_a(pkey, "RSA")) {
        int b = EVP_PKEY_get_bits(pkey);

        if (b < (int)DFOTA_RSA_BITS_MIN || b > (int)DFOTA_RSA_BITS_MAX)
            return dfota_error_set(err, DFOTA_E_UNSUPPORTED_ALGORITHM,
                                   "'%s' is an RSA key of %d bits; %u to %u bits are accepted",
                                   subject, b, DFOTA_RSA_BITS_MIN, DFOTA_RSA_BITS_MAX);
        *alg = DFOTA_KEY_RSA;
        *bits = (unsigned)b;
        return DFOTA_OK;
    }
    if (EVP_PKEY_is_a(pkey, "EC")) {
        char group[80];
        size_t group_len = 0;

        if (EVP_PKEY_get_group_name(pkey, group, sizeof(group), &group_len) != 1) {
            ERR_clear_error();
            return dfota_error_set(err, DFOTA_E_UNSUPPORTED_ALGORITHM,
                                   "'%s' is an EC key on an unnamed curve; the signtool uses "
                                   "secp256k1",
                                   subject);
        }
        if (strcmp(group, "secp256k1") != 0)
            return dfota_error_set(err, DFOTA_E_UNSUPPORTED_ALGORITHM,
                                   "'%s' is an EC key on %s; the signtool uses secp256k1",
                                   subject, group);
        *alg = DFOTA_KEY_ECDSA_SECP256K1;
        *bits = 256;
        return DFOTA_OK;
    }
    {
        const char *type = EVP_PKEY_get0_type_name(pkey);

        return dfota_error_set(err, DFOTA_E_UNSUPPORTED_ALGORITHM,
                               "'%s' holds a key of type %s; RSA (RSA2048+SHA256) or EC on "
                               "secp256k1 (ECDSA_256K1+SHA256) is needed",
                               subject, type ? type : "unknown");
    }
}

/* ---- key generation --------------------------------------------------- */

/* Encode `pkey` with `selection` into a NUL-terminated malloc'd PEM. */
static enum dfota_status encode_pem(EVP_PKEY *pkey, int selection, const char *structure,
                                    const struct dfota_passphrase *pass, char **pem,
                                    size_t *pem_size, struct dfota_error *err)
{
    OSSL_ENCODER_CTX *ctx;
    unsigned char *data = NULL;
    size_t size = 0;
    char reason[160];
    enum dfota_status st = DFOTA_OK;

    ctx = OSSL_ENCODER_CTX_new_for_pkey(pkey, selection, "PEM", structure, NULL);
    if (ctx == NULL || OSSL_ENCODER_CTX_get_num_encoders(ctx) == 0) {
        st = dfota_error_set(err, DFOTA_E_INTERNAL, "no OpenSSL encoder for %s: %s", structure,
                             openssl_reason(reason, sizeof(reason)));
        goto out;
    }
    if (pass != NULL &&
        (OSSL_ENCODER_CTX_set_cipher(ctx, "AES-256-CBC", NULL) != 1 ||
         OSSL_ENCODER_CTX_set_passphrase(ctx, (const unsigned char *)pass->text, pass->length) !=
             1)) {
        st = dfota_error_set(err, DFOTA_E_INTERNAL, "cannot set up AES-256-CBC encryption: %s",
                             openssl_reason(reason, sizeof(reason)));
        goto out;
    }
    if (OSSL_ENCODER_to_data(ctx, &data, &size) != 1 || data == NULL) {
        st = dfota_error_set(err, DFOTA_E_INTERNAL, "cannot encode the %s: %s", structure,
                             openssl_reason(reason, sizeof(reason)));
        goto out;
    }
    *pem = malloc(size + 1);
    if (*pem == NULL) {
        st = dfota_error_set(err, DFOTA_E_NO_MEMORY, "cannot allocate %zu bytes", size + 1);
        goto out;
    }
    memcpy(*pem, data, size);
    (*pem)[size] = '\0';
    *pem_size = size;
out:
    OPENSSL_clear_free(data, size);
    OSSL_ENCODER_CTX_free(ctx);
    return st;
}

enum dfota_status dfota_keygen(enum dfota_key_algorithm alg, const struct dfota_passphrase *pass,
                               struct dfota_key_pair *pair, struct dfota_error *err)
{
    EVP_PKEY *pkey;
    char reason[160];
    enum dfota_status st;

    memset(pair, 0, sizeof(*pair));
    st = dfota_passphrase_check(pass, err);
    if (st != DFOTA_OK)
        return st;
    if (alg == DFOTA_KEY_RSA)
        pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    else if (alg == DFOTA_KEY_ECDSA_SECP256K1)
        pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "secp256k1");
    else
        return dfota_error_set(err, DFOTA_E_INVALID_ARGUMENT, "unknown key algorithm %d",
                               (int)alg);
    if (pkey == NULL)
        return dfota_error_set(err, DFOTA_E_INTERNAL, "key generation failed: %s",
                               openssl_reason(reason, sizeof(reason)));
    /* "PrivateKeyInfo" with a cipher is written as EncryptedPrivateKeyInfo
     * (PBES2: PBKDF2 with OpenSSL's default PRF hmacWithSHA256). */
    st = encode_pem(pkey, EVP_PKEY_KEYPAIR, "PrivateKeyInfo", pass, &pair->private_pem,
                    &pair->private_pem_size, err);
    if (st == DFOTA_OK)
        st = encode_pem(pkey, EVP_PKEY_PUBLIC_KEY, "SubjectPublicKeyInfo", NULL,
                        &pair->public_pem, &pair->public_pem_size, err);
    EVP_PKEY_free(pkey);
    if (st != DFOTA_OK)
        dfota_key_pair_release(pair);
    return st;
}

void dfota_key_pair_release(struct dfota_key_pair *pair)
{
    if (pair == NULL)
        return;
    if (pair->private_pem != NULL) {
        OPENSSL_cleanse(pair->private_pem, pair->private_pem_size);
        free(pair->private_pem);
    }
    free(pair->public_pem);
    memset(pair, 0, sizeof(*pair));
}

/* ---- loading through OSSL_STORE --------------------------------------- */

/* The store or token asks for a passphrase (or a PIN): hand over ours, or refuse. */
static int store_passphrase_cb(char *buf, int size, int rwflag, void *userdata)
{
    struct key_passphrase *kp = userdata;

    (void)rwflag;
    if (kp == NULL)
        return -1;
    kp->asked++;
    if (kp->pass == NULL || size < 0)
        return -1;
    if (kp->pass->length > (size_t)size) {
        kp->too_long = true;
        kp->offered = (unsigned)size;
        return -1;
    }
    memcpy(buf, kp->pass->text, kp->pass->length);
    return (int)kp->pass->length;
}

/* "scheme:" as in RFC 3986, or a plain path. */
static bool has_scheme(const char *uri)
{
    const char *p = uri;

    if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
        return false;
    for (p++; *p != '\0' && *p != ':'; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
              (*p >= '0' && *p <= '9') || *p == '+' || *p == '-' || *p == '.'))
            return false;
    return *p == ':' && p - uri > 1; /* "C:" is a drive letter, not a scheme */
}

/*
 * The local path that a path or a file: URI names (RFC 8089): "file:PATH"
 * with PATH relative or absolute, "file:///abs" and "file://localhost/abs".
 * NULL for another scheme, or a file: URI with a remote host. OpenSSL's
 * file store takes only absolute file: URIs, so dfota hands it the path.
 */
static const char *local_path(const char *uri)
{
    const char *path;

    if (!has_scheme(uri))
        return uri;
    if (strncasecmp(uri, "file:", 5) != 0)
        return NULL;
    path = uri + 5;
    if (strncmp(path, "//", 2) == 0) {
        path += 2;
        if (strncasecmp(path, "localhost/", 10) == 0)
            path += 9;
        if (path[0] != '/')
            return NULL; /* file://host/...: let the store refuse it */
    }
    return path;
}

/*
 * Check a key file first, so that a missing file is an I/O error with the
 * system's reason rather than a store failure.
 */
static enum dfota_status check_key_file(const char *path, struct dfota_error *err)
{
    struct stat st;

    if (stat(path, &st) != 0)
        return dfota_error_set(err, DFOTA_E_IO, "cannot open '%s': %s", path, strerror(errno));
    if (S_ISDIR(st.st_mode))
        return dfota_error_set(err, DFOTA_E_KEY, "'%s' is a directory, not a key", path);
    return DFOTA_OK;
}

/* Does a provider offer a store loader for `scheme` (e.g. pkcs11-provider)? */
static bool store_knows_scheme(const char *scheme)
{
    OSSL_STORE_LOADER *loader = OSSL_STORE_LOADER_fetch(NULL, scheme, NULL);

    if (loader == NULL) {
        ERR_clear_error();
        return false;
    }
    OSSL_STORE_LOADER_free(loader);
    return true;
}

enum store_want { WANT_PRIVATE, WANT_PUBLIC };

/*
 * Load the first key of the kind wanted from the store at `uri`, or from a
 * PKCS#11 token through the engine when no provider takes "pkcs11:" URIs;
 * `*token` is then the token's session (NULL for any other key).
 */
static enum dfota_status store_load(const char *uri, enum store_want want,
                                    const struct dfota_passphrase *pass, EVP_PKEY **pkey,
                                    struct pkcs11_token **token, struct dfota_error *err)
{
    struct key_passphrase kp = {pass, 0, false, 0};
    const char *path = local_path(uri);
    OSSL_STORE_CTX *store;
    UI_METHOD *ui;
    char reason[160];
    unsigned objects = 0, i;
    bool saw_public = false, saw_private = false, failed = false;
    enum dfota_status st;

    *pkey = NULL;
    *token = NULL;
    if (path != NULL) {
        st = check_key_file(path, err);
        if (st != DFOTA_OK)
            return st;
    }
    ui = UI_UTIL_wrap_read_pem_callback(store_passphrase_cb, 0);
    if (ui == NULL)
        return dfota_error_set(err, DFOTA_E_NO_MEMORY, "cannot create an OpenSSL UI method");
    if (pkcs11_uri_is(uri) && !store_knows_scheme("pkcs11")) {
        /*
         * The engine's public keys are left alone: libp11 0.4.12 leaks one
         * per load, and a file exported once from the token does as well.
         */
        if (want == WANT_PRIVATE)
            st = pkcs11_key_load(uri, ui, &kp, pkey, token, err);
        else
            st = dfota_error_set(err, DFOTA_E_KEY,
                                 "'%s': the engine 'pkcs11' gives private keys only; give the "
                                 "public key as a file exported from the token (public.pem)",
                                 uri);
        UI_destroy_method(ui);
        return st;
    }
    ERR_clear_error();
    /* A file is opened by its path: the file store refuses relative file: URIs. */
    store = OSSL_STORE_open_ex(path != NULL ? path : uri, NULL, NULL, ui, &kp, NULL, NULL,
                               NULL);
    if (store == NULL) {
        st = dfota_error_set(err, DFOTA_E_KEY, "cannot open key store '%s': %s", uri,
                             openssl_reason(reason, sizeof(reason)));
        UI_destroy_method(ui);
        return st;
    }
    for (i = 0; i < STORE_OBJECTS_MAX && *pkey == NULL && !OSSL_STORE_eof(store); i++) {
        OSSL_STORE_INFO *info = OSSL_STORE_load(store);

        if (info == NULL) {
            if (OSSL_STORE_error(store))
                failed = true;
            continue;
        }
        objects++;
        switch (OSSL_STORE_INFO_get_type(info)) {
        case OSSL_STORE_INFO_PKEY:
            saw_private = true;
            *pkey = OSSL_STORE_INFO_get1_PKEY(info);
            break;
        case OSSL_STORE_INFO_PUBKEY:
            saw_public = true;
            if (want == WANT_PUBLIC)
                *pkey = OSSL_STORE_INFO_get1_PUBKEY(info);
            break;
        case OSSL_STORE_INFO_CERT:
            saw_public = true;
            if (want == WANT_PUBLIC) {
                EVP_PKEY *cert_key = X509_get_pubkey(OSSL_STORE_INFO_get0_CERT(info));

                *pkey = cert_key;
            }
            break;
        default:
            break; /* parameters, CRLs, names: not keys */
        }
        OSSL_STORE_INFO_free(info);
    }
    OSSL_STORE_close(store);
    UI_destroy_method(ui);
    if (*pkey != NULL) {
        ERR_clear_error();
        return DFOTA_OK;
    }
    if (want == WANT_PRIVATE && kp.asked > 0 && !saw_private) {
        ERR_clear_error();
        if (pass == NULL)
            return dfota_error_set(err, DFOTA_E_BAD_PASSPHRASE,
                                   "the private key in '%s' is encrypted and no passphrase was "
                                   "given",
                                   uri);
        return dfota_error_set(err, DFOTA_E_BAD_PASSPHRASE,
                               "cannot decrypt the private key in '%s': wrong passphrase", uri);
    }
    if (want == WANT_PRIVATE && saw_public) {
        ERR_clear_error();
        return dfota_error_set(err, DFOTA_E_KEY,
                               "'%s' holds a public key or certificate, not a private key", uri);
    }
    if (want == WANT_PUBLIC && kp.asked > 0) {
        ERR_clear_error();
        return dfota_error_set(err, DFOTA_E_KEY,
                               "'%s' holds an encrypted private key; give the public key "
                               "(public.pem)",
                               uri);
    }
    if (failed)
        return dfota_error_set(err, DFOTA_E_KEY, "no %s key found in '%s' (OpenSSL: %s)",
                               want == WANT_PRIVATE ? "private" : "public", uri,
                               openssl_reason(reason, sizeof(reason)));
    ERR_clear_error();
    return dfota_error_set(err, DFOTA_E_KEY, "no %s key found in '%s'%s",
                           want == WANT_PRIVATE ? "private" : "public", uri,
                           objects == 0 ? ": nothing OpenSSL can read" : "");
}

enum dfota_status dfota_signing_key_load(const char *uri, const struct dfota_passphrase *pass,
                                         struct dfota_signing_key **key,
                                         struct dfota_error *err)
{
    EVP_PKEY *pkey;
    struct pkcs11_token *token;
    enum dfota_key_algorithm alg;
    unsigned bits;
    enum dfota_status st;

    *key = NULL;
    st = store_load(uri, WANT_PRIVATE, pass, &pkey, &token, err);
    if (st != DFOTA_OK)
        return st;
    st = classify(pkey, uri, &alg, &bits, err);
    if (st == DFOTA_OK) {
        *key = malloc(sizeof(**key));
        if (*key == NULL)
            st = dfota_error_set(err, DFOTA_E_NO_MEMORY, "cannot allocate a key");
    }
    if (st != DFOTA_OK) {
        EVP_PKEY_free(pkey);
        pkcs11_token_free(token);
        return st;
    }
    (*key)->pkey = pkey;
    (*key)->token = token;
    (*key)->algorithm = alg;
    (*key)->bits = bits;
    return DFOTA_OK;
}

void dfota_signing_key_free(struct dfota_signing_key *key)
{
    if (key == NULL)
        return;
    EVP_PKEY_free(key->pkey);
    pkcs11_token_free(key->token); /* after the key: it may still use the session */
    free(key);
}

/* Wrap `pkey` (and the `token` it lives in, or NULL); both are freed on failure. */
static enum dfota_status wrap_public(EVP_PKEY *pkey, struct pkcs11_token *token,
                                     const char *subject, struct dfota_public_key **key,
                                     struct dfota_error *err)
{
    enum dfota_key_algorithm alg;
    unsigned bits;
    enum dfota_status st;

    st = classify(pkey, subject, &alg, &bits, err);
    if (st == DFOTA_OK) {
        *key = malloc(sizeof(**key));
        if (*key == NULL)
            st = dfota_error_set(err, DFOTA_E_NO_MEMORY, "cannot allocate a key");
    }
    if (st != DFOTA_OK) {
        EVP_PKEY_free(pkey);
        pkcs11_token_free(token);
        return st;
    }
    (*key)->pkey = pkey;
    (*key)->token = token;
    (*key)->algorithm = alg;
    (*key)->bits = bits;
    return DFOTA_OK;
}

enum dfota_status dfota_public_key_load(const char *uri, struct dfota_public_key **key,
                                        struct dfota_error *err)
{
    EVP_PKEY *pkey;
    struct pkcs11_token *token;
    enum dfota_status st;

    *key = NULL;
    st = store_load(uri, WANT_PUBLIC, NULL, &pkey, &token, err);
    if (st != DFOTA_OK)
        return st;
    return wrap_public(pkey, token, uri, key, err);
}

enum dfota_status dfota_public_key_parse(const uint8_t *data, size_t size,
                                         struct dfota_public_key **key,
                                         struct dfota_error *err)
{
    OSSL_DECODER_CTX *ctx;
    EVP_PKEY *pkey = NULL;
    const unsigned char *p = data;
    size_t left = size;
    char reason[160];

    *key = NULL;
    ctx = OSSL_DECODER_CTX_new_for_pkey(&pkey, NULL, "SubjectPublicKeyInfo", NULL,
                                        EVP_PKEY_PUBLIC_KEY, NULL, NULL);
    if (ctx == NULL)
        return dfota_error_set(err, DFOTA_E_INTERNAL, "no OpenSSL decoder for public keys: %s",
                               openssl_reason(reason, sizeof(reason)));
    if (OSSL_DECODER_from_data(ctx, &p, &left) != 1 || pkey == NULL) {
        OSSL_DECODER_CTX_free(ctx);
        EVP_PKEY_free(pkey);
        ERR_clear_error();
        return dfota_error_set(err, DFOTA_E_KEY,
                               "not a public key (PEM or DER SubjectPublicKeyInfo)");
    }
    OSSL_DECODER_CTX_free(ctx);
    ERR_clear_error();
    return wrap_public(pkey, NULL, "public key", key, err);
}

enum dfota_status dfota_signing_key_public(const struct dfota_signing_key *signing,
                                           struct dfota_public_key **key,
                                           struct dfota_error *err)
{
    EVP_PKEY *pub = NULL;
    unsigned char *der = NULL;
    const unsigned char *p;
    int len;

    *key = NULL;
    /* Round trip through SubjectPublicKeyInfo: a key object with no private part. */
    len = i2d_PUBKEY(signing->pkey, &der);
    if (len > 0) {
        p = der;
        pub = d2i_PUBKEY(NULL, &p, len);
    }
    OPENSSL_free(der);
    if (pub == NULL) {
        ERR_clear_error();
        return dfota_error_set(err, DFOTA_E_INTERNAL, "cannot derive the public key");
    }
    return wrap_public(pub, NULL, "public key", key, err);
}

void dfota_public_key_free(struct dfota_public_key *key)
{
    if (key == NULL)
        return;
    EVP_PKEY_free(key->pkey);
    pkcs11_token_free(key->token);
    free(key);
}

enum dfota_key_algorithm dfota_signing_key_algorithm(const struct dfota_signing_key *key,
                                                     unsigned *bits)
{
    if (bits != NULL)
        *bits = key->bits;
    return key->algorithm;
}

enum dfota_key_algorithm dfota_public_key_algorithm(const struct dfota_public_key *key,
                                                    unsigned *bits)
{
    if (bits != NULL)
        *bits = key->bits;
    return key->algorithm;
}

/* ---- raw signatures --------------------------------------------------- */

/* SHA-256 digest context for `pkey`, with PKCS#1 v1.5 padding for RSA. */
static EVP_MD_CTX *digest_context(EVP_PKEY *pkey, enum dfota_key_algorithm alg, bool sign)
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    int ok;

    if (md == NULL)
        return NULL;
    ok = sign ? EVP_DigestSignInit_ex(md, &pctx, "SHA256", NULL, NULL, pkey, NULL)
              : EVP_DigestVerifyInit_ex(md, &pctx, "SHA256", NULL, NULL, pkey, NULL);
    if (ok == 1 && alg == DFOTA_KEY_RSA)
        ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING);
    if (ok != 1) {
        EVP_MD_CTX_free(md);
        return NULL;
    }
    return md;
}

/* ---- ECDSA low-S ------------------------------------------------------ */

/*
 * An ECDSA signature (r, s) also verifies as (r, n - s): anyone can turn a
 * signed zip into another valid one. dfota signs with the low half only
 * (s <= n/2, as Bitcoin's BIP 62 does on the same curve) and refuses the
 * high half, so a (key, content) pair has no second signature that a third
 * party can derive.
 */
static const char SECP256K1_ORDER_HEX[] =
    "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141";

enum ecdsa_form { ECDSA_LOW_S, ECDSA_HIGH_S, ECDSA_NOT_DER };

/*
 * Classify the DER signature `sig`; with `low` not NULL, write the low-S
 * form of a high-S signature there (at most DFOTA_SIGNATURE_MAX bytes, size
 * in *low_size). ECDSA_NOT_DER for anything that is not exactly the DER
 * encoding of two positive integers below n. -1 when OpenSSL fails.
 */
static int ecdsa_signature_form(const uint8_t *sig, size_t size, uint8_t *low, size_t *low_size)
{
    const unsigned char *p = sig;
    ECDSA_SIG *parsed = NULL;
    BIGNUM *order = NULL, *half = NULL, *r = NULL, *s = NULL;
    const BIGNUM *r0, *s0;
    unsigned char *der = NULL;
    int der_size, result = -1;

    parsed = d2i_ECDSA_SIG(NULL, &p, (long)size);
    if (parsed == NULL || (size_t)(p - sig) != size) {
        result = ECDSA_NOT_DER;
        goto out;
    }
    der_size = i2d_ECDSA_SIG(parsed, &der);
    if (der_size < 0 || (size_t)der_size != size || memcmp(der, sig, size) != 0) {
        result = ECDSA_NOT_DER;
        goto out;
    }
    ECDSA_SIG_get0(parsed, &r0, &s0);
    if (BN_hex2bn(&order, SECP256K1_ORDER_HEX) == 0 || (half = BN_dup(order)) == NULL ||
        BN_rshift1(half, order) != 1)
        goto out;
    if (BN_is_zero(r0) || BN_is_zero(s0) || BN_is_negative(r0) || BN_is_negative(s0) ||
        BN_cmp(r0, order) >= 0 || BN_cmp(s0, order) >= 0) {
        result = ECDSA_NOT_DER;
        goto out;
    }
    if (BN_cmp(s0, half) <= 0) {
        result = ECDSA_LOW_S;
        goto out;
    }
    result = ECDSA_HIGH_S;
    if (low != NULL) {
        unsigned char *q;
        int n;

        r = BN_dup(r0);
        s = BN_new();
        if (r == NULL || s == NULL || BN_sub(s, order, s0) != 1 ||
            ECDSA_SIG_set0(parsed, r, s) != 1) {
            result = -1;
            goto out;
        }
        r = s = NULL; /* owned by `parsed` now */
        n = i2d_ECDSA_SIG(parsed, NULL);
        if (n <= 0 || (size_t)n > DFOTA_SIGNATURE_MAX) {
            result = -1;
            goto out;
        }
        q = low;
        (void)i2d_ECDSA_SIG(parsed, &q);
        *low_size = (size_t)n;
    }
out:
    OPENSSL_free(der);
    BN_free(r);
    BN_free(s);
    BN_free(half);
    BN_free(order);
    ECDSA_SIG_free(parsed);
    return result;
}

enum dfota_status dfota_sign_data(const struct dfota_signing_key *key, const uint8_t *data,
                                  size_t size, uint8_t signature[DFOTA_SIGNATURE_MAX],
                                  size_t *signature_size, struct dfota_error *err)
{
    EVP_MD_CTX *md;
    size_t length = DFOTA_SIGNATURE_MAX;
    char reason[160];
    int max = EVP_PKEY_get_size(key->pkey);

    *signature_size = 0;
    if (max <= 0 || (size_t)max > DFOTA_SIGNATURE_MAX)
        return dfota_error_set(err, DFOTA_E_UNSUPPORTED_ALGORITHM,
                               "signatures of this key take %d bytes; at most %u are supported",
                               max, DFOTA_SIGNATURE_MAX);
    md = digest_context(key->pkey, key->algorithm, true);
    if (md == NULL)
        return dfota_error_set(err, DFOTA_E_INTERNAL, "cannot set up SHA-256 signing: %s",
                               openssl_reason(reason, sizeof(reason)));
    if (EVP_DigestSign(md, signature, &length, data, size) != 1) {
        EVP_MD_CTX_free(md);
        return dfota_error_set(err, DFOTA_E_INTERNAL, "signing failed: %s",
                               openssl_reason(reason, sizeof(reason)));
    }
    EVP_MD_CTX_free(md);
    if (key->algorithm == DFOTA_KEY_ECDSA_SECP256K1) {
        uint8_t low[DFOTA_SIGNATURE_MAX];
        size_t low_size = 0;
        int form = ecdsa_signature_form(signature, length, low, &low_size);

        if (form == ECDSA_HIGH_S) {
            memcpy(signature, low, low_size);
            length = low_size;
        } else if (form != ECDSA_LOW_S) {
            return dfota_error_set(err, DFOTA_E_INTERNAL,
                                   "the key made an ECDSA signature that is not DER: %s",
                                   openssl_reason(reason, sizeof(reason)));
        }
    }
    *signature_size = length;
    return DFOTA_OK;
}

enum dfota_status dfota_verify_data(const struct dfota_public_key *key, const uint8_t *data,
                                    size_t size, const uint8_t *signature,
                                    size_t signature_size, struct dfota_error *err)
{
    EVP_MD_CTX *md;
    char reason[160], description[DFOTA_KEY_DESCRIPTION_MAX];
    int ok;

    if (key->algorithm == DFOTA_KEY_ECDSA_SECP256K1) {
        int form = ecdsa_signature_form(signature, signature_size, NULL, NULL);

        if (form == ECDSA_NOT_DER)
            return dfota_error_set(err, DFOTA_E_BAD_SIGNATURE,
                                   "the signature is not a DER ECDSA-Sig-Value with 0 < r, s < "
                                   "n (%zu bytes)",
                                   signature_size);
        if (form == ECDSA_HIGH_S)
            return dfota_error_set(err, DFOTA_E_BAD_SIGNATURE,
                                   "the ECDSA signature has a high S (s > n/2): it is the "
                                   "malleable twin of a valid signature; dfota signs and "
                                   "accepts only s <= n/2");
        if (form < 0)
            return dfota_error_set(err, DFOTA_E_INTERNAL, "cannot read the ECDSA signature: %s",
                                   openssl_reason(reason, sizeof(reason)));
    }
    md = digest_context(key->pkey, key->algorithm, false);
    if (md == NULL)
        return dfota_error_set(err, DFOTA_E_INTERNAL, "cannot set up SHA-256 verification: %s",
                               openssl_reason(reason, sizeof(reason)));
    ok = EVP_DigestVerify(md, signature, signature_size, data, size);
    EVP_MD_CTX_free(md);
    ERR_clear_error();
    if (ok != 1) {
        dfota_key_describe(key->algorithm, key->bits, description);
        return dfota_error_set(err, DFOTA_E_BAD_SIGNATURE,
                               "signature does not match the public key (%s): wrong key, or "
                               "the signed content was changed",
                               description);
    }
    return DFOTA_OK;
}

enum dfota_status dfota_public_key_fingerprint(const struct dfota_public_key *key,
                                               uint8_t sha256[32], struct dfota_error *err)
{
    unsigned char *der = NULL;
    unsigned int length = 0;
    char reason[160];
    int size = i2d_PUBKEY(key->pkey, &der);
    int ok;

    if (size <= 0)
        return dfota_error_set(err, DFOTA_E_INTERNAL,
                               "cannot encode the public key as a SubjectPublicKeyInfo: %s",
                               openssl_reason(reason, sizeof(reason)));
    ok = EVP_Digest(der, (size_t)size, sha256, &length, EVP_sha256(), NULL);
    OPENSSL_free(der);
    if (ok != 1 || length != 32)
        return dfota_error_set(err, DFOTA_E_INTERNAL, "cannot hash the public key: %s",
                               openssl_reason(reason, sizeof(reason)));
    return DFOTA_OK;
}
