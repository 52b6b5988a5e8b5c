/*
 * dfota/verifier.h - check everything that can be checked about a package,
 * a raw patch, a zip or a signed zip: signature, zip safety, container and
 * digests, and, given the old image, a trial apply through the device-side
 * applier that must reproduce the target (and equal the new image when
 * given).
 *
 * Host library (OpenSSL through the signer, zstd). Never prints.
 */
#ifndef DFOTA_VERIFIER_H
#define DFOTA_VERIFIER_H

#include <stddef.h>
#include <stdint.h>

#include "dfota/container.h"
#include "dfota/patch.h"
#include "dfota/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The checks, in the order they run. */
enum dfota_check_id {
    DFOTA_CHECK_SIGNATURE = 0, /* signed zip: the signature verifies with the public key */
    DFOTA_CHECK_ZIP,           /* zip: one safe .bin entry (names, sizes, ratio, CRC) */
    DFOTA_CHECK_CONTAINER,     /* package header, size, payload MD5 and SHA-256 */
    DFOTA_CHECK_PAYLOAD,       /* delta or raw patch: patch header, map and segment layout
                                * (a delta's agree with the container) */
    DFOTA_CHECK_SOURCE,        /* old image: size, MD5 (packages) and SHA-256 as stated */
    DFOTA_CHECK_APPLY,         /* trial apply through apply_ref (or full-image decode) */
    DFOTA_CHECK_TARGET,        /* result: size, MD5 and SHA-256 as the header states */
    DFOTA_CHECK_NEW,           /* result equals the given new image */
    DFOTA_CHECK_COUNT
};

enum dfota_check_result {
    DFOTA_CHECK_SKIPPED = 0,   /* not applicable, not asked for, or after a failure */
    DFOTA_CHECK_PASSED,
    DFOTA_CHECK_FAILED
};

struct dfota_check {
    enum dfota_check_result result;
    enum dfota_status status;  /* the failure's status (DFOTA_OK otherwise) */
    char detail[DFOTA_ERROR_MESSAGE_MAX]; /* what passed, why skipped, or what failed */
};

enum dfota_file_kind {
    DFOTA_FILE_PACKAGE = 0,    /* .bin / fota.pack */
    DFOTA_FILE_ZIP,            /* X.zip holding X.bin */
    DFOTA_FILE_SIGNED_ZIP,     /* X_signed.zip */
    DFOTA_FILE_PATCH           /* a raw patch (dfota diff), bare */
};

struct dfota_public_key;

struct dfota_verify_options {
    const char *public_key;    /* path or OpenSSL store URI of public.pem, or NULL */
    const struct dfota_public_key *key; /* a loaded key (dfota/keys.h), used when public_key
                                         * is NULL; `key_name` names it in the report */
    const char *key_name;
    const uint8_t *old_image;  /* NULL: no source check, no trial apply of a delta */
    size_t old_size;
    const uint8_t *new_image;  /* NULL: the result is not compared */
    size_t new_size;
    uint32_t erase_size;       /* trial apply flash geometry; 0 = 4096 */
    uint32_t write_align;      /* 0 = 4 */
    int signature_only;        /* check the signature and the zip only: every check of the
                                * payload is skipped and payload_checked stays 0 (for a
                                * payload dfota did not make, signed by the platform) */
    int require_signature;     /* a file that carries no signature, or a signed zip checked
                                * without a key, fails the signature check (NOT_SIGNED) */
};

struct dfota_verify_report {
    enum dfota_file_kind kind;
    struct dfota_check checks[DFOTA_CHECK_COUNT];
    enum dfota_status first_failure;        /* DFOTA_OK when nothing failed */
    enum dfota_check_id first_failed_check; /* valid when first_failure != DFOTA_OK */
    int header_valid;                       /* `header` was read */
    struct dfota_package_header header;
    int patch_valid;                        /* `patch` was read: a delta's payload or a raw
                                             * patch, its header decoded and valid */
    struct dfota_patch_header patch;
    char entry_name[256];                   /* the .bin entry of a zip, "" for a package */
    uint16_t entry_dos_time, entry_dos_date; /* its time, as stored (zips only) */
    uint64_t entry_size;                    /* its uncompressed bytes (zips only) */
    uint64_t entry_compressed_size;         /* its bytes in the zip (zips only) */
    uint64_t package_size;                  /* bytes of the package (.bin) itself: the
                                             * payload of a zip, else the whole file */
    int package_digest_valid;               /* package_sha256 is set: the bytes were read
                                             * (a zip's .bin: also when its signature
                                             * failed) */
    uint8_t package_sha256[32];             /* SHA-256 of the package (.bin) that was checked,
                                             * what `unzip` or `sha256sum` must give */
    int payload_checked;                    /* the container or payload check ran (passed
                                             * or failed); 0 with signature_only */
    int payload_foreign;                    /* the payload is neither a dfota package nor a
                                             * raw patch (the container check failed with
                                             * BAD_MAGIC): a file dfota did not make */
    int signed_file;                        /* the file carries a signature (a signed zip
                                             * whose layout was read) */
    char signature_scheme[32];              /* "RSA2048+SHA256", "ECDSA_256K1+SHA256": of the
                                             * key that verified it, else read from the
                                             * signature's size and encoding ("unknown"
                                             * when neither fits); "" unless signed_file */
    size_t signature_size;
    int key_digest_valid;                   /* key_sha256 is set: a key was given and loaded */
    uint8_t key_sha256[32];                 /* SHA-256 of its DER SubjectPublicKeyInfo
                                             * (dfota_public_key_fingerprint()) */
};

/* How a trial apply runs the device-side applier on the host. */
struct dfota_trial_options {
    uint32_t erase_size;       /* simulated flash erase block; 0 = 4096 */
    uint32_t write_align;      /* simulated flash write unit; 0 = 4 */
    size_t chunk_size;         /* feed the patch in pieces of this size; 0 = all at once */
    unsigned progress_steps;   /* 0 or 5..100, as dfota_apply_config */
    void (*progress)(void *ctx, unsigned percent);
    void *progress_ctx;
};

/*
 * Rebuild the target of the raw patch `patch` from `old` through apply_ref
 * into a simulated NOR flash (dfota_flashsim), with the exact workspace the
 * patch states. On success `*image` (malloc'd, free()) holds the target,
 * whose size and SHA-256 the applier checked. Statuses as apply_ref's.
 */
enum dfota_status dfota_trial_apply(const uint8_t *patch, size_t patch_size, const uint8_t *old,
                                    size_t old_size, const struct dfota_trial_options *opts,
                                    uint8_t **image, size_t *image_size,
                                    struct dfota_error *err);

/*
 * Apply the whole package `package` (delta or full image) as a device
 * does: through the device-side package front end (dfota/pkgapply.h),
 * pushed as downloaded, on a simulated NOR flash holding `old` (ignored
 * for a full image); in place (an in-place delta) the check pass first.
 * On success `*image` (malloc'd) is the new image as the flash holds it,
 * whose digests the front end checked. Statuses as the front end's.
 */
enum dfota_status dfota_trial_apply_package(const uint8_t *package, size_t package_size,
                                            const uint8_t *old, size_t old_size,
                                            const struct dfota_trial_options *opts,
                                            uint8_t **image, size_t *image_size,
                                            struct dfota_error *err);

/* Defaults: no key, no images, erase 4096, alignment 4. */
void dfota_verify_options_init(struct dfota_verify_options *opts);

/* "signature", "zip", "container", "payload", "source", "apply", "target", "new". */
const char *dfota_check_name(enum dfota_check_id id);

/* "package", "zip", "signed zip", "patch". */
const char *dfota_file_kind_name(enum dfota_file_kind kind);

/*
 * Verify the `size` bytes at `file` (a package, a raw patch, a zip or a
 * signed zip, recognised by their contents; a zip's .bin may hold a package
 * or a raw patch). Fills `report` with every check. Runs the checks in
 * order and skips the rest after the first failure. Returns DFOTA_OK when
 * nothing failed, else the first failure's status (also in
 * report->first_failure); a public key given for an unsigned file is a
 * failure (NOT_SIGNED), a signed file without a key skips the signature
 * check (unless require_signature). A raw patch has no container (skipped):
 * its payload check is dfota_patch_open(), its source check the size and
 * SHA-256 its header states, its apply check dfota_trial_apply(). A payload
 * that is neither a package nor a raw patch fails the container check with
 * BAD_MAGIC and sets payload_foreign. Memory: the file stays the caller's;
 * a trial apply allocates the applier workspace and a simulated flash of
 * the target's size.
 */
enum dfota_status dfota_verify(const uint8_t *file, size_t size,
                               const struct dfota_verify_options *opts,
                               struct dfota_verify_report *report);

/*
 * dfota_verify(), and the bytes its checks after the zip check ran on: the
 * .bin of a zip or signed zip, or the file itself. On return `*payload` is
 * a malloc'd copy of them (free()), or NULL when the zip or signature check
 * failed before they were reached (or out of memory: NO_MEMORY, when
 * nothing else failed), so that a caller applies exactly what was checked.
 */
enum dfota_status dfota_verify_payload(const uint8_t *file, size_t size,
                                       const struct dfota_verify_options *opts,
                                       struct dfota_verify_report *report, uint8_t **payload,
                                       size_t *payload_size);

#ifdef __cplusplus
}
#endif

#endif /* DFOTA_VERIFIER_H */
