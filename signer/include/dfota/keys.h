/*
 * dfota/keys.h - passphrases, key pairs and key loading for the signer.
 *
 * Host library (OpenSSL 3). Two algorithms, those of the cloud platform's
 * offline signtool: "RSA2048+SHA256" (RSA, PKCS#1 v1.5 signatures over
 * SHA-256) and "ECDSA_256K1+SHA256" (ECDSA on secp256k1 over SHA-256, DER
 * signatures). Keys are OpenSSL objects behind opaque handles, so that no
 * OpenSSL header leaks into callers.
 *
 * Passphrases live in caller-owned struct dfota_passphrase buffers; wipe
 * them with dfota_passphrase_wipe() as soon as they are no longer needed.
 * Nothing here prints, prompts or exits: the terminal prompt belongs to
 * the front end.
 */
#ifndef DFOTA_KEYS_H
#define DFOTA_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "dfota/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- passphrases ------------------------------------------------------ */

/* Longest passphrase accepted, in bytes (OpenSSL's PEM_BUFSIZE - 1). */
#define DFOTA_PASSPHRASE_MAX 1023u
/* The signtool's rule: at least 6 characters (UTF-8 code points, not bytes),
 * from at least 2 of the classes DFOTA_PASSPHRASE_CLASSES names. */
#define DFOTA_PASSPHRASE_MIN 6u
#define DFOTA_PASSPHRASE_CLASSES                                                                \
    "lower case (a-z), upper case (A-Z), digits (0-9) and other (every other character: "    \
    "punctuation, space, any non-ASCII character)"

struct dfota_passphrase {
    size_t length;                          /* bytes in text, without the NUL */
    char text[DFOTA_PASSPHRASE_MAX + 1];    /* NUL-terminated; never contains NUL */
};

/*
 * Read a passphrase from `source`, spelled like OpenSSL's -passin/-passout:
 *   pass:TEXT   TEXT itself
 *   env:VAR     the value of the environment variable VAR
 *   file:PATH   the first line of the file PATH
 *   fd:N        the first line read from file descriptor N (left open)
 *   stdin       the first line of standard input
 * "First line" is everything up to the first '\n', which is dropped (a
 * '\r' before it is kept, as OpenSSL does); at least one byte must be read.
 * File descriptors are read one byte at a time, so nothing after the line
 * is consumed. Returns INVALID_ARGUMENT for an unknown source, an unset
 * variable, an empty input, a NUL byte or more than DFOTA_PASSPHRASE_MAX
 * bytes; IO when the file or descriptor cannot be read. On failure `pass`
 * is wiped. The message never quotes an unknown source (a passphrase given
 * without its "pass:" is the likely mistake) nor anything read: only the
 * name of env:'s variable, file:'s path and fd:'s number. Stack: one 1 KiB
 * line buffer.
 */
enum dfota_status dfota_passphrase_read(const char *source, struct dfota_passphrase *pass,
                                        struct dfota_error *err);

/* Set `pass` to the `length` bytes at `text` (INVALID_ARGUMENT if too long or with a NUL). */
enum dfota_status dfota_passphrase_set(struct dfota_passphrase *pass, const char *text,
                                       size_t length, struct dfota_error *err);

/*
 * The signtool's rule for a new private key: at least DFOTA_PASSPHRASE_MIN
 * characters, drawn from at least 2 of the classes lower case (a-z), upper
 * case (A-Z), digit (0-9) and other (every other character: punctuation,
 * space, and every non-ASCII character, whatever its script or case).
 * Characters are UTF-8 code points: "\u20ac\u20aca" (7 bytes) is 3 characters.
 * A passphrase that is not valid UTF-8 (a stray or truncated sequence, an
 * overlong form, a surrogate, above U+10FFFF) is refused: its characters
 * cannot be counted. WEAK_PASSPHRASE with the reason otherwise. The message
 * never quotes the passphrase. Only new keys are checked; loading a key
 * takes any bytes.
 */
enum dfota_status dfota_passphrase_check(const struct dfota_passphrase *pass,
                                         struct dfota_error *err);

/* Overwrite `pass` with zeros (OPENSSL_cleanse, which the compiler cannot drop). */
void dfota_passphrase_wipe(struct dfota_passphrase *pass);

/* ---- algorithms ------------------------------------------------------- */

enum dfota_key_algorithm {
    DFOTA_KEY_RSA = 1,              /* RSA, 2048 bits for new keys; 2048..16384 accepted */
    DFOTA_KEY_ECDSA_SECP256K1 = 2   /* ECDSA on the curve secp256k1 */
};

/* Bounds on RSA keys accepted for signing and verification. */
#define DFOTA_RSA_BITS_MIN 2048u
#define DFOTA_RSA_BITS_MAX 16384u
/* Largest signature: RSA 16384 bits. An ECDSA secp256k1 signature is at most 72 bytes. */
#define DFOTA_SIGNATURE_MAX 2048u

/*
 * Parse an algorithm name as given to `dfota keygen --alg`: "rsa2048" or
 * "ecdsa-secp256k1", or the signtool's "RSA2048+SHA256" /
 * "ECDSA_256K1+SHA256" (case-insensitive). INVALID_ARGUMENT otherwise.
 */
enum dfota_status dfota_key_algorithm_parse(const char *name, enum dfota_key_algorithm *alg,
                                            struct dfota_error *err);

/* The signtool's name of a scheme: "RSA2048+SHA256", "RSA3072+SHA256", "ECDSA_256K1+SHA256". */
#define DFOTA_KEY_DESCRIPTION_MAX 32u
void dfota_key_describe(enum dfota_key_algorithm alg, unsigned bits,
                        char out[DFOTA_KEY_DESCRIPTION_MAX]);

/* ---- key generation --------------------------------------------------- */

struct dfota_key_pair {
    char *private_pem;          /* "ENCRYPTED PRIVATE KEY": PKCS#8 EncryptedPrivateKeyInfo */
    size_t private_pem_size;
    char *public_pem;           /* "PUBLIC KEY": SubjectPublicKeyInfo */
    size_t public_pem_size;
};

/*
 * Generate a key pair: RSA 2048 bits with e = 65537, or EC on secp256k1
 * (named curve, uncompressed point). The private key is PEM PKCS#8
 * EncryptedPrivateKeyInfo, PBES2 with PBKDF2-HMAC-SHA256 (OpenSSL's default
 * 2048 iterations, 8-byte random salt) and AES-256-CBC, under `pass`, which
 * must pass dfota_passphrase_check() (WEAK_PASSPHRASE otherwise). The public
 * key is PEM SubjectPublicKeyInfo. Both buffers are NUL-terminated;
 * release with dfota_key_pair_release(). INTERNAL if OpenSSL fails.
 */
enum dfota_status dfota_keygen(enum dfota_key_algorithm alg, const struct dfota_passphrase *pass,
                               struct dfota_key_pair *pair, struct dfota_error *err);

/* Wipe and free both PEM buffers; `pair` is left empty. NULL is fine. */
void dfota_key_pair_release(struct dfota_key_pair *pair);

/* ---- loading keys ----------------------------------------------------- */

/* A private key usable for signing (opaque; wraps an OpenSSL EVP_PKEY). */
struct dfota_signing_key;
/* A public key usable for verification. */
struct dfota_public_key;

/*
 * Load the private key named by `uri` through OpenSSL's OSSL_STORE: a path
 * ("keys/private.pem"), a file: URI, relative or absolute
 * ("file:keys/private.pem", "file:/abs/private.pem",
 * "file:///abs/private.pem"), or any URI a configured provider understands,
 * so that a key never has to exist as a file. A PKCS#11 URI (RFC 7512,
 * "pkcs11:token=ci;object=fota;type=private") goes to a provider that
 * offers a "pkcs11" store when one is configured in openssl.cnf, and
 * otherwise to OpenSSL's "pkcs11" engine (libp11; Debian package
 * libengine-pkcs11-openssl), loaded by id without any openssl.cnf entry.
 * The engine loads the PKCS#11 module named by the environment variable
 * DFOTA_PKCS11_MODULE (e.g. /usr/lib/softhsm/libsofthsm2.so) or, when it
 * is unset or empty, its own default: libp11's PKCS11_MODULE_PATH, else
 * the module it was built with (p11-kit's proxy on Debian, which opens
 * every module registered with p11-kit). The key stays in the token; the
 * handle keeps a session open until dfota_signing_key_free().
 *
 * The passphrase (NULL if none) is handed to the store through a UI method;
 * for a PKCS#11 token it is the PIN (at most 32 bytes through the engine; a
 * URI holding a pin-value is refused, as it would show in messages). PEM
 * and DER, PKCS#8 (encrypted or not) and the traditional formats are
 * accepted.
 *
 * Returns IO when a path or file: URI names no readable file; KEY when the
 * store cannot be opened or holds no private key (e.g. a public key only),
 * or the engine, the module or a matching token key cannot be loaded;
 * BAD_PASSPHRASE when the key is encrypted and `pass` is NULL or does not
 * decrypt it, or the token refuses the PIN; UNSUPPORTED_ALGORITHM for
 * anything but RSA with DFOTA_RSA_BITS_MIN..MAX bits or EC on secp256k1.
 * `*key` is freed with dfota_signing_key_free(). The passphrase is not kept
 * by dfota (the engine keeps its copy of a PIN until it is unloaded).
 */
enum dfota_status dfota_signing_key_load(const char *uri, const struct dfota_passphrase *pass,
                                         struct dfota_signing_key **key,
                                         struct dfota_error *err);
/* Free a key from dfota_signing_key_load(); NULL is fine. */
void dfota_signing_key_free(struct dfota_signing_key *key);

/*
 * Load a public key from a path, a file: URI or an OSSL_STORE URI: a
 * SubjectPublicKeyInfo (PEM "PUBLIC KEY" or DER), or the key of an X.509
 * certificate. Never asks for a passphrase. A pkcs11: URI works only
 * through a configured provider: the engine route gives private keys only
 * (KEY, asking for the public key exported from the token as a file).
 * Same statuses as dfota_signing_key_load().
 */
enum dfota_status dfota_public_key_load(const char *uri, struct dfota_public_key **key,
                                        struct dfota_error *err);

/* Parse a SubjectPublicKeyInfo held in memory (PEM or DER). KEY if it is none. */
enum dfota_status dfota_public_key_parse(const uint8_t *data, size_t size,
                                         struct dfota_public_key **key,
                                         struct dfota_error *err);
/* The public half of a signing key (e.g. to verify what was just signed). */
enum dfota_status dfota_signing_key_public(const struct dfota_signing_key *signing,
                                           struct dfota_public_key **key,
                                           struct dfota_error *err);

/* Free a key from dfota_public_key_load() or _parse(); NULL is fine. */
void dfota_public_key_free(struct dfota_public_key *key);

/* Algorithm and size in bits (RSA modulus; 256 for secp256k1) of a loaded key. */
enum dfota_key_algorithm dfota_signing_key_algorithm(const struct dfota_signing_key *key,
                                                     unsigned *bits);
enum dfota_key_algorithm dfota_public_key_algorithm(const struct dfota_public_key *key,
                                                    unsigned *bits);

/* ---- raw signatures --------------------------------------------------- */

/*
 * Sign `size` bytes: SHA-256, then RSA PKCS#1 v1.5 (signature as long as
 * the modulus) or ECDSA (DER ECDSA-Sig-Value, at most 72 bytes, always with
 * s <= n/2: a high S from the key is replaced by n - s, the other valid
 * signature of the same nonce). What `openssl dgst -sha256 -sign` writes,
 * and `-verify` checks. `signature` holds DFOTA_SIGNATURE_MAX bytes.
 * INTERNAL if the key (or its provider) refuses.
 */
enum dfota_status dfota_sign_data(const struct dfota_signing_key *key, const uint8_t *data,
                                  size_t size, uint8_t signature[DFOTA_SIGNATURE_MAX],
                                  size_t *signature_size, struct dfota_error *err);

/*
 * Check a signature made by dfota_sign_data(): OK or BAD_SIGNATURE. An
 * ECDSA signature must be canonical DER with 0 < r, s < n and s <= n/2
 * (BAD_SIGNATURE otherwise, even where OpenSSL would accept it: its high-S
 * twin (r, n - s) would be a second valid signature anyone can make).
 */
enum dfota_status dfota_verify_data(const struct dfota_public_key *key, const uint8_t *data,
                                    size_t size, const uint8_t *signature,
                                    size_t signature_size, struct dfota_error *err);

/* ---- key identity ----------------------------------------------------- */

/*
 * The SHA-256 of the key's DER SubjectPublicKeyInfo: what
 * `openssl pkey -pubin -in public.pem -outform DER | sha256sum` gives. It
 * names a key in reports instead of its path, so the same key gives the
 * same report on every machine. INTERNAL if OpenSSL cannot encode the key.
 */
enum dfota_status dfota_public_key_fingerprint(const struct dfota_public_key *key,
                                               uint8_t sha256[32], struct dfota_error *err);

#ifdef __cplusplus
}
#endif

#endif /* DFOTA_KEYS_H */
