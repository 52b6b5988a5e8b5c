/*
 * keys_pkcs11.c - keys in a PKCS#11 token, through OpenSSL's "pkcs11" engine.
 *
 * OpenSSL 3.0 reaches a token in one of two ways: a provider
 * (pkcs11-provider), which OSSL_STORE sees and keys.c uses when one is
 * configured, or the ENGINE of libp11, which OSSL_STORE does not see.
 * Debian 12 packages only the engine (libengine-pkcs11-openssl), so keys.c
 * comes here for a "pkcs11:" URI when no store loader knows the scheme.
 *
 * The ENGINE API is deprecated in OpenSSL 3.0. This file alone is compiled
 * with its declarations undeprecated, so that every other file of the
 * signer is still warned (and, with -Werror, stopped) by a deprecated call.
 */
#define OPENSSL_SUPPRESS_DEPRECATED

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ui.h>

#include "keys_internal.h"

#ifndef OPENSSL_NO_ENGINE
#include <openssl/engine.h>

/*
 * Return codes of the PKCS#11 standard (CK_RV) that libp11 queues as the
 * reason of an error of its "PKCS#11 module" library, named as in the
 * standard.
 */
#define CKR_PIN_INCORRECT 0xa0ul
#define CKR_PIN_INVALID 0xa1ul
#define CKR_PIN_LEN_RANGE 0xa2ul
#define CKR_PIN_EXPIRED 0xa3ul
#define CKR_PIN_LOCKED 0xa4ul

/* The name libp11 registers for the library of those errors. */
static const char PKCS11_ERROR_LIBRARY[] = "PKCS#11 module";

/*
 * The engine is one object per process, and libp11 changes its settings
 * (the module path, the PIN it caches) without a lock: one load at a time.
 * OpenSSL's error queue, read after the load, is per thread.
 */
static pthread_mutex_t engine_lock = PTHREAD_MUTEX_INITIALIZER;

struct pkcs11_token {
    ENGINE *engine; /* one structural and one functional reference */
};

void pkcs11_token_free(struct pkcs11_token *token)
{
    if (token == NULL)
        return;
    /* The last functional reference unloads the module: before exit, not
     * in OpenSSL's atexit cleanup, after the module's own destructors. */
    ENGINE_finish(token->engine);
    ENGINE_free(token->engine);
    free(token);
}

bool pkcs11_uri_is(const char *uri)
{
    return strncasecmp(uri, "pkcs11:", 7) == 0;
}

/*
 * The module the engine loads: DFOTA_PKCS11_MODULE when set, else NULL,
 * the engine's own choice (its PKCS11_MODULE_PATH variable, or the module
 * it was built with: p11-kit's proxy on Debian).
 *
 * Why this order: with nothing set, p11-kit's proxy already finds every
 * token whose module is registered with p11-kit (SoftHSM2 and OpenSC
 * register themselves when installed), so no file needs editing. A CI job
 * or a vendor's HSM usually wants one module and no other (the proxy also
 * opens OpenSC, which looks for card readers): DFOTA_PKCS11_MODULE names it
 * without an openssl.cnf of its own, and without a command-line option that
 * every command taking --key would need. The variable is dfota's, not
 * libp11's PKCS11_MODULE_PATH, so that setting it for dfota changes no
 * other program; that one still works, below DFOTA_PKCS11_MODULE.
 */
static const char *module_override(void)
{
    const char *module = getenv("DFOTA_PKCS11_MODULE");

    return module != NULL && module[0] != '\0' ? module : NULL;
}

/*
 * What the engine queued: a PIN problem, and the first reason for a message
 * (the cause; what follows is "failed loading private key" and the like).
 * Empties the queue.
 */
struct token_failure {
    unsigned long pin_reason; /* a CKR_PIN_* code, or 0 */
    char reason[160];
};

static void read_failure(struct token_failure *f)
{
    bool first = true;
    unsigned long e;

    f->pin_reason = 0;
    snprintf(f->reason, sizeof(f->reason), "no detail from the engine");
    while ((e = ERR_get_error()) != 0) {
        const char *lib = ERR_lib_error_string(e);
        const char *reason = ERR_reason_error_string(e);
        unsigned long code = (unsigned long)ERR_GET_REASON(e);

        if (lib != NULL && strcmp(lib, PKCS11_ERROR_LIBRARY) == 0 &&
            code >= CKR_PIN_INCORRECT && code <= CKR_PIN_LOCKED)
            f->pin_reason = code;
        if (!first)
            continue;
        if (reason != NULL)
            snprintf(f->reason, sizeof(f->reason), "%s", reason);
        else
            ERR_error_string_n(e, f->reason, sizeof(f->reason));
        first = false;
    }
}

/* An ENGINE with a functional reference, told which module to load. */
static enum dfota_status open_engine(const char *module, ENGINE **engine,
                                     struct dfota_error *err)
{
    struct token_failure f;
    ENGINE *e;

    *engine = NULL;
    ERR_clear_error();
    /* By id, from OpenSSL's engines directory: no openssl.cnf entry needed. */
    e = ENGINE_by_id("pkcs11");
    if (e == NULL) {
        read_failure(&f);
        return dfota_error_set(err, DFOTA_E_KEY,
                               "a pkcs11: key needs OpenSSL's engine 'pkcs11' (libp11; Debian: "
                               "libengine-pkcs11-openssl), which cannot be loaded: %s",
                               f.reason);
    }
    /* The engine would print its own messages on standard error. */
    if (ENGINE_ctrl_cmd_string(e, "QUIET", NULL, 0) != 1 ||
        (module != NULL && ENGINE_ctrl_cmd_string(e, "MODULE_PATH", module, 0) != 1)) {
        read_failure(&f);
        ENGINE_free(e);
        return dfota_error_set(err, DFOTA_E_KEY,
                               "the engine 'pkcs11' refuses its settings: %s", f.reason);
    }
    if (ENGINE_init(e) != 1) {
        read_failure(&f);
        ENGINE_free(e);
        return dfota_error_set(err, DFOTA_E_KEY, "cannot start the engine 'pkcs11': %s",
                               f.reason);
    }
    *engine = e;
    return DFOTA_OK;
}

enum dfota_status pkcs11_key_load(const char *uri, UI_METHOD *ui, struct key_passphrase *kp,
                                  EVP_PKEY **pkey, struct pkcs11_token **token,
                                  struct dfota_error *err)
{
    const char *module = module_override();
    char module_name[128];
    struct token_failure f;
    ENGINE *e;
    enum dfota_status st;

    *pkey = NULL;
    *token = NULL;
    /* libp11 would log in with it, and every message and `ps` would show it. */
    if (strstr(uri, "pin-value=") != NULL)
        return dfota_error_set(err, DFOTA_E_KEY,
                               "the pkcs11: URI holds a PIN (pin-value=); remove it and give "
                               "the PIN as the passphrase");
    if (module != NULL) {
        /* Else libp11 prints dlopen()'s message on standard error. */
        if (access(module, R_OK) != 0)
            return dfota_error_set(err, DFOTA_E_KEY,
                                   "cannot open the PKCS#11 module '%s' (DFOTA_PKCS11_MODULE): "
                                   "%s",
                                   module, strerror(errno));
        snprintf(module_name, sizeof(module_name), "the PKCS#11 module '%.80s'", module);
    } else {
        snprintf(module_name, sizeof(module_name),
                 "the engine's default PKCS#11 module (DFOTA_PKCS11_MODULE is not set)");
    }
    *token = malloc(sizeof(**token));
    if (*token == NULL)
        return dfota_error_set(err, DFOTA_E_NO_MEMORY, "cannot allocate a token handle");
    pthread_mutex_lock(&engine_lock);
    st = open_engine(module, &e, err);
    if (st != DFOTA_OK) {
        pthread_mutex_unlock(&engine_lock);
        free(*token);
        *token = NULL;
        return st;
    }
    (*token)->engine = e;
    ERR_clear_error();
    *pkey = ENGINE_load_private_key(e, uri, ui, kp);
    pthread_mutex_unlock(&engine_lock);
    if (*pkey != NULL) {
        ERR_clear_error();
        return DFOTA_OK;
    }
    read_failure(&f);
    pkcs11_token_free(*token);
    *token = NULL;
    if (f.pin_reason == CKR_PIN_LOCKED)
        return dfota_error_set(err, DFOTA_E_KEY,
                               "the token of '%s' is locked: too many wrong PINs (its security "
                               "officer can unlock it)",
                               uri);
    if (f.pin_reason != 0)
        return dfota_error_set(err, DFOTA_E_BAD_PASSPHRASE,
                               "the token of '%s' refuses the PIN: wrong passphrase (%s)", uri,
                               f.reason);
    if (kp->too_long)
        return dfota_error_set(err, DFOTA_E_BAD_PASSPHRASE,
                               "the PIN for '%s' is longer than the %u bytes the engine "
                               "'pkcs11' accepts",
                               uri, kp->offered);
    if (kp->asked > 0 && kp->pass == NULL)
        return dfota_error_set(err, DFOTA_E_BAD_PASSPHRASE,
                               "the token of '%s' asks for a PIN and no passphrase was given",
                               uri);
    return dfota_error_set(err, DFOTA_E_KEY,
                           "cannot load the private key '%s' from a token of %s: %s", uri,
                           module_name, f.reason);
}

#else /* OPENSSL_NO_ENGINE */

void pkcs11_token_free(struct pkcs11_token *token)
{
    (void)token;
}

bool pkcs11_uri_is(const char *uri)
{
    return strncasecmp(uri, "pkcs11:", 7) == 0;
}

enum dfota_status pkcs11_key_load(const char *uri, UI_METHOD *ui, struct key_passphrase *kp,
                                  EVP_PKEY **pkey, struct pkcs11_token **token,
                                  struct dfota_error *err)
{
    (void)ui;
    (void)kp;
    *pkey = NULL;
    *token = NULL;
    return dfota_error_set(err, DFOTA_E_KEY,
                           "'%s': this OpenSSL has no engine support and no provider for "
                           "pkcs11: URIs",
                           uri);
}

#endif /* OPENSSL_NO_ENGINE */
