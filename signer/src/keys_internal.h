/*
 * keys_internal.h - what the opaque key handles of dfota/keys.h hold.
 * Private to dfota_signer.
 */
#ifndef DFOTA_KEYS_INTERNAL_H
#define DFOTA_KEYS_INTERNAL_H

#include <stdbool.h>

#include <openssl/evp.h>
#include <openssl/ui.h>

#include "dfota/keys.h"

/* The token session a key from a PKCS#11 token needs while it is used (keys_pkcs11.c). */
struct pkcs11_token;

struct dfota_signing_key {
    EVP_PKEY *pkey;
    struct pkcs11_token *token; /* NULL unless the key lives in a token */
    enum dfota_key_algorithm algorithm;
    unsigned bits;
};

struct dfota_public_key {
    EVP_PKEY *pkey;
    struct pkcs11_token *token;
    enum dfota_key_algorithm algorithm;
    unsigned bits;
};

/*
 * The passphrase a store or a token asks for through an OpenSSL UI method
 * (keys.c's callback): how often it asked, and whether it offered less room
 * than the passphrase needs (`offered` bytes).
 */
struct key_passphrase {
    const struct dfota_passphrase *pass;
    unsigned asked;
    bool too_long;
    unsigned offered;
};

/* Is `uri` a PKCS#11 URI (RFC 7512: "pkcs11:", any case)? */
bool pkcs11_uri_is(const char *uri);

/*
 * Load the private key that the PKCS#11 URI `uri` names, through OpenSSL's
 * "pkcs11" engine (libp11), loaded by id from OpenSSL's engines directory.
 * The engine loads the module named by the environment variable
 * DFOTA_PKCS11_MODULE when it is set and not empty, else its own default
 * (its PKCS11_MODULE_PATH variable, or the module it was built with: on
 * Debian p11-kit's proxy, which opens every module registered with p11-kit).
 * The PIN is asked through `ui` with `kp` as its data (at most 32 bytes:
 * libp11's limit). On success `*pkey` is the key and `*token` the session it
 * needs, freed with pkcs11_token_free() after EVP_PKEY_free(*pkey).
 *
 * BAD_PASSPHRASE when the token refuses the PIN, or asks for one and
 * `kp->pass` is NULL; KEY when the engine or the module cannot be loaded,
 * the URI holds a pin-value, the token's PIN is locked, or no private key
 * matches; NO_MEMORY. Nothing is printed: the engine is told to be quiet.
 */
enum dfota_status pkcs11_key_load(const char *uri, UI_METHOD *ui, struct key_passphrase *kp,
                                  EVP_PKEY **pkey, struct pkcs11_token **token,
                                  struct dfota_error *err);

/* End the session of a token key (after its EVP_PKEY is freed); NULL is fine. */
void pkcs11_token_free(struct pkcs11_token *token);

#endif /* DFOTA_KEYS_INTERNAL_H */
