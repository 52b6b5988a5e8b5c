/*
 * dfota/signer.h - X.zip into X_signed.zip, and the check of a signed zip.
 *
 * Host library. X_signed.zip (layout 2, docs/FORMAT.md "X_signed.zip")
 * holds X.zip's .bin, stored, then a stored entry "<name>.bin.sig" holding
 * the signature of the .bin's bytes, then a central directory and an end
 * record. Every byte of it follows from four parts: the entry name, the
 * content, one DOS time and the signature. So a user checks it with stock
 * tools:
 *
 *   unzip -o X_signed.zip -d out
 *   openssl dgst -sha256 -verify public.pem -signature out/X.bin.sig out/X.bin
 *
 * and dfota_signed_zip_verify() rebuilds the whole file from those parts
 * and compares, so a change anywhere is refused. What the signature
 * authenticates is the content only: the name and the time are checked
 * (safe, and the only ones the layout allows) but not authenticated.
 */
#ifndef DFOTA_SIGNER_H
#define DFOTA_SIGNER_H

#include <stddef.h>
#include <stdint.h>

#include "dfota/keys.h"
#include "dfota/status.h"
#include "dfota/zip.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Sign the unsigned zip `zip` (as accepted by dfota_zip_open(); an
 * ALREADY_SIGNED zip is refused) with `key`. The signature is checked with
 * the key before the result is built, and the result is checked with
 * dfota_signed_zip_verify() before it is returned. `*signed_zip` is
 * malloc'd (free()). Statuses: those of dfota_zip_open(), INTERNAL when the
 * key refuses to sign, NO_MEMORY.
 */
enum dfota_status dfota_zip_sign(const uint8_t *zip, size_t zip_size,
                                 const struct dfota_signing_key *key, uint8_t **signed_zip,
                                 size_t *signed_size, struct dfota_error *err);

struct dfota_signed_zip_info {
    struct dfota_zip_payload payload;       /* the .bin: name and uncompressed content */
    enum dfota_key_algorithm algorithm;     /* of the public key that verified it */
    unsigned key_bits;
    size_t signature_size;
    uint8_t signature[DFOTA_SIGNATURE_MAX];
};

/*
 * Verify a signed zip with `key`. Checks, in this order: the zip structure
 * and safety (as dfota_zip_open(): BAD_ZIP, UNSAFE_ZIP, TOO_LARGE); the
 * entries (a lone .bin: NOT_SIGNED; anything but "<name>.bin" followed by
 * "<name>.bin.sig": ZIP_CONTENT); the payload's size and CRC-32 (BAD_ZIP);
 * a .bin that is not stored (BAD_ZIP); the signature entry's CRC-32
 * (BAD_SIGNATURE: tampered signature); that the whole file equals the
 * layout rebuilt from the name, content, DOS time and signature (BAD_ZIP:
 * any other header value, extra field, comment or byte); an ECDSA
 * signature with a high S (BAD_SIGNATURE); and the signature over the payload's
 * uncompressed bytes (BAD_SIGNATURE: signature does not match the key, or a
 * changed payload). With `key` NULL everything but the signature itself is
 * checked. On success `info` holds the payload; release it with
 * dfota_signed_zip_info_release(), also after a failure.
 * Memory: the payload, plus the rebuilt zip for the comparison.
 */
enum dfota_status dfota_signed_zip_verify(const uint8_t *zip, size_t zip_size,
                                          const struct dfota_public_key *key,
                                          struct dfota_signed_zip_info *info,
                                          struct dfota_error *err);

/* Free the payload held by `info` and clear it. */
void dfota_signed_zip_info_release(struct dfota_signed_zip_info *info);

#ifdef __cplusplus
}
#endif

#endif /* DFOTA_SIGNER_H */
