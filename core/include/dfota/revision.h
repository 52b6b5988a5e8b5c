/*
 * dfota/revision.h - the firmware version of an image, read from the image:
 * the Quectel revision string it holds (BC25R01A03).
 *
 * Host library (dfota_core); nothing here allocates, prints or touches a
 * file. A revision string is an ASCII run that
 *   - reads [A-Z][A-Z0-9]{2,15}R[0-9]{2}A[0-9]{2} (BC25R01A03), optionally
 *     followed by M[0-9]{2} (EC200TCNTCNMAR02A02M16): 9 to 25 bytes;
 *   - is a whole run of [A-Za-z0-9] bytes: the byte before it and the byte
 *     after it are neither letters nor digits, or it touches the start or
 *     the end of the image. A revision inside a longer run of letters and
 *     digits (xBC25R01A03, BC25R01A031) does not count; nor does a run that
 *     holds one plus other characters (BC25R01A03M1, BC25R01A03X).
 * The same string may appear any number of times: it counts once.
 */
#ifndef DFOTA_REVISION_H
#define DFOTA_REVISION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dfota/container.h"
#include "dfota/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define DFOTA_REVISION_LEN_MIN 9u  /* 1 + 2 + "R01A03" */
#define DFOTA_REVISION_LEN_MAX 25u /* 1 + 15 + "R01A03" + "M16" */
#define DFOTA_REVISIONS_LISTED 4u  /* distinct strings a scan keeps */

/* What dfota_revision_scan() found. Caller-owned; 120 bytes on a 64-bit host. */
struct dfota_revision_scan {
    /* The first DFOTA_REVISIONS_LISTED distinct strings, in order of first
     * appearance, NUL-terminated. */
    char found[DFOTA_REVISIONS_LISTED][DFOTA_REVISION_LEN_MAX + 1];
    size_t offset;  /* of the first occurrence of found[0]; 0 when count is 0 */
    unsigned count; /* strings in `found`, 0..DFOTA_REVISIONS_LISTED */
    bool more;      /* a further distinct string was seen after the first four */
};

/*
 * Find the revision strings of `image` (`size` bytes; NULL when `size` is
 * 0) by the rules above, into `*scan` (cleared first). Never fails. Time
 * linear in `size`; stack a few words.
 */
void dfota_revision_scan(const uint8_t *image, size_t size, struct dfota_revision_scan *scan);

/*
 * The version of `image`: its one distinct revision string, into `version`
 * (NUL-terminated), with the offset of its first occurrence in `*offset`.
 * Never a guess: no string is INVALID_ARGUMENT "no version string found";
 * several distinct ones are INVALID_ARGUMENT "ambiguous version: several
 * version strings (BC25R01A03, BC25R01A04)", listing the first four and
 * ", ..." when there are more. A caller names the image after the message
 * ("... in 'app.bin'"). `version` and `*offset` are untouched on failure.
 */
enum dfota_status dfota_image_version(const uint8_t *image, size_t size,
                                      char version[DFOTA_VERSION_MAX + 1], size_t *offset,
                                      struct dfota_error *err);

#ifdef __cplusplus
}
#endif

#endif /* DFOTA_REVISION_H */
