/*
 * dfota/status.h - the one status enum shared by every dfota component,
 * its names, and the module error codes a device would report for it.
 *
 * Portable C99; part of the device-side core (no allocation, no host
 * dependency). Values are part of the public API and never change: new
 * statuses are only ever appended.
 */
#ifndef DFOTA_STATUS_H
#define DFOTA_STATUS_H

#include <stdarg.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

enum dfota_status {
    DFOTA_OK = 0,

    /* 1..19: generic */
    DFOTA_E_INVALID_ARGUMENT = 1,   /* caller passed a value the API does not accept */
    DFOTA_E_NO_MEMORY = 2,          /* allocation failed, or a caller buffer is too small */
    DFOTA_E_IO = 3,                 /* reading or writing a file or flash failed */
    DFOTA_E_TOO_LARGE = 4,          /* an input exceeds a documented limit */
    DFOTA_E_INTERNAL = 5,           /* a library (zstd, OpenSSL) failed where it should not */
    DFOTA_E_EXISTS = 6,             /* an output exists and replacing it was not asked for */

    /* 20..39: package container */
    DFOTA_E_BAD_MAGIC = 20,         /* not a dfota package */
    DFOTA_E_UNSUPPORTED_VERSION = 21, /* container format version this reader does not know */
    DFOTA_E_TRUNCATED = 22,         /* fewer bytes than the header or payload needs */
    DFOTA_E_BAD_LENGTH = 23,        /* a length field is out of range or points past the end */
    DFOTA_E_HEADER_CHECKSUM = 24,   /* header CRC-32 does not match */
    DFOTA_E_MALFORMED = 25,         /* a field is invalid, duplicated or missing */
    DFOTA_E_UNSUPPORTED_FEATURE = 26, /* unknown critical field, package type or encoding */
    DFOTA_E_TRAILING_DATA = 27,     /* bytes after the payload */
    DFOTA_E_PAYLOAD_DIGEST = 28,    /* payload MD5 or SHA-256 does not match the header */
    DFOTA_E_PAYLOAD_CORRUPT = 29,   /* payload does not decode */

    /* 40..49: images and patches */
    DFOTA_E_SOURCE_MISMATCH = 40,   /* old image is not the one the package was made for */
    DFOTA_E_TARGET_MISMATCH = 41,   /* result does not match the target size or digests */
    DFOTA_E_CORRUPT_PATCH = 42,     /* patch data is invalid (bad record, range, stream) */
    DFOTA_E_WORKSPACE = 43,         /* the applier workspace is smaller than the patch needs */
    DFOTA_E_UPDATE_IN_PROGRESS = 44, /* a progress record of another patch exists (resume refused) */

    /* 50..59: device flash */
    DFOTA_E_FLASH = 50,             /* a flash read, write or erase failed */
    DFOTA_E_POWER_CUT = 51,         /* simulated power cut (flash simulator only) */

    /* 60..79: keys, signatures and zips (signer) */
    DFOTA_E_WEAK_PASSPHRASE = 60,   /* under 6 characters, fewer than 2 classes, not UTF-8 */
    DFOTA_E_BAD_PASSPHRASE = 61,    /* the private key cannot be decrypted with this passphrase */
    DFOTA_E_KEY = 62,               /* no usable key at the given path or URI */
    DFOTA_E_UNSUPPORTED_ALGORITHM = 63, /* key is not RSA (2048+ bits) or ECDSA on secp256k1 */
    DFOTA_E_BAD_SIGNATURE = 64,     /* signature does not verify with the public key */
    DFOTA_E_NOT_SIGNED = 65,        /* zip holds no signature entry */
    DFOTA_E_ALREADY_SIGNED = 66,    /* zip to be signed already holds a signature entry */
    DFOTA_E_BAD_ZIP = 67,           /* malformed zip: structure, CRC, sizes, layout */
    DFOTA_E_UNSAFE_ZIP = 68,        /* refused name or feature: traversal, zip64, encryption, bomb */
    DFOTA_E_ZIP_CONTENT = 69        /* zip holds other than one .bin file (and its signature) */
};

/* One past the largest status value; for tables and loops. */
#define DFOTA_STATUS_LIMIT 80

/*
 * Module families whose error codes dfota reports, as the vendors' BC25 &
 * BC32 DFOTA and EC200x (D)FOTA application guides define them (the table
 * and the guides' titles are in status.c).
 */
enum dfota_module_family {
    DFOTA_MODULE_BC25 = 0,   /* BC25/BC32 NB-IoT: <HTTP_err> 65xx, <FOTA_err> 6508 */
    DFOTA_MODULE_EC200 = 1,  /* EC200x/EC600S/EG912Y Cat-1: <err> 504 / 506 */
    DFOTA_MODULE_LWM2M = 2   /* platform download result (/5/0): 2, 5 */
};
#define DFOTA_MODULE_FAMILY_COUNT 3

/*
 * Stable upper-case name without prefix, e.g. "HEADER_CHECKSUM".
 * Returns "UNKNOWN" for a value that is not a status.
 */
const char *dfota_status_name(enum dfota_status status);

/* Short lower-case description, e.g. "header checksum mismatch". Never NULL. */
const char *dfota_status_str(enum dfota_status status);

/*
 * The error code a module of `family` reports for `status`, from the single
 * table in status.c. 0 for DFOTA_OK, and 0 for a status that only ever
 * arises on the host, never on a device, so that no module reports it:
 * DFOTA_E_POWER_CUT (simulated by the flash simulator; a device that loses
 * power reports nothing), DFOTA_E_WEAK_PASSPHRASE, DFOTA_E_BAD_PASSPHRASE,
 * DFOTA_E_KEY, DFOTA_E_UNSUPPORTED_ALGORITHM and DFOTA_E_ALREADY_SIGNED.
 * A front end prints no module code for those (0 is "ok" to every module).
 * Every other failure, including the signature and zip statuses (the
 * platform and the module check the signed zip), has a nonzero code in
 * every family. Unknown statuses map to the family's "unknown error" code;
 * a family that is not one of enum dfota_module_family to 0.
 */
unsigned dfota_status_module_code(enum dfota_status status, enum dfota_module_family family);

/* Name of a module family: "BC25", "EC200", "LwM2M". */
const char *dfota_module_family_name(enum dfota_module_family family);

/*
 * Error context: the status plus a human-readable detail that names what is
 * wrong ("header checksum mismatch: stored 0x1234abcd, computed ...").
 * Caller-owned, no allocation; 256 bytes.
 */
#define DFOTA_ERROR_MESSAGE_MAX 240
struct dfota_error {
    enum dfota_status status;
    char message[DFOTA_ERROR_MESSAGE_MAX];
};

/* Reset `err` to DFOTA_OK with an empty message. `err` may be NULL. */
void dfota_error_clear(struct dfota_error *err);

/*
 * Record `status` and a printf-style detail in `err` (which may be NULL) and
 * return `status`, so that library code can write
 * `return dfota_error_set(err, DFOTA_E_TRUNCATED, "...", ...);`.
 * The message is truncated to fit. Stack: one vsnprintf call.
 */
enum dfota_status dfota_error_set(struct dfota_error *err, enum dfota_status status,
                                  const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Record `status` alone (an empty message) in `err` (which may be NULL); return it. */
enum dfota_status dfota_error_status(struct dfota_error *err, enum dfota_status status);

/*
 * DFOTA_DEVICE_MESSAGES: 1 (the default) words every failure of the
 * device-side code with a detail message; 0, for a lean device build
 * (-DDFOTA_DEVICE_MESSAGES=0 on every file of apply_ref/ and core/), keeps
 * the status only: messages stay empty, no printf-family function is
 * linked, and the messages' text is not in the firmware.
 */
#ifndef DFOTA_DEVICE_MESSAGES
#define DFOTA_DEVICE_MESSAGES 1
#endif
#if !DFOTA_DEVICE_MESSAGES
#define dfota_error_set(err, status, ...) dfota_error_status((err), (status))
#endif

#ifdef __cplusplus
}
#endif

#endif /* DFOTA_STATUS_H */
