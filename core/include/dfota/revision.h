/*
 * dfota/revision.h - the firmware version an image holds: its Quectel
 * revision string, found by scanning the image's bytes.
 *
 * A revision is [A-Z][A-Z0-9]{2,15}R[0-9]{2}A[0-9]{2}, optionally followed
 * by M[0-9]{2} (BC25R01A03, EC200TCNTCNMAR02A02M16), and it must be a whole
 * run of ASCII letters and digits: the bytes around it are not letters or
 * digits, or it touches the start or end of the image.
 *
 * Portable C, no allocation.
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

struct dfota_revision_scan {
    char found[DFOTA_REVISIONS_LISTED][DFOTA_REVISION_LEN_MAX + 1]; /* distinct, in order */
    size_t offset;  /* of the first occurrence of found[0] */
    unsigned count; /* distinct strings in `found` */
    bool more;      /* a further distinct string was seen */
};

/* Is the whole of `s` (`n` bytes) a revision string? */
bool dfota_is_revision(const uint8_t *s, size_t n);

/* Every distinct revision string of `image`, the first DFOTA_REVISIONS_LISTED kept. */
void dfota_revision_scan(const uint8_t *image, size_t size, struct dfota_revision_scan *scan);

/*
 * The version of `image`: its one distinct revision string, and the offset
 * of its first occurrence. Exactly one is required, never a guess:
 * INVALID_ARGUMENT with "no version string found" or "several version
 * strings (A, B, ...)" in `err` otherwise.
 */
enum dfota_status dfota_image_version(const uint8_t *image, size_t size,
                                      char version[DFOTA_VERSION_MAX + 1], size_t *offset,
                                      struct dfota_error *err);

#ifdef __cplusplus
}
#endif

#endif /* DFOTA_REVISION_H */
