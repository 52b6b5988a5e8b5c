/*
 * revision.c - the Quectel revision string of an image (dfota/revision.h).
 */
#include "dfota/revision.h"

#include <string.h>

/* Every revision string is a valid version (dfota_version_check()). */
_Static_assert(DFOTA_REVISION_LEN_MAX <= DFOTA_VERSION_MAX, "a revision fits a version");

static bool is_alnum(uint8_t c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool is_upper(uint8_t c)
{
    return c >= 'A' && c <= 'Z';
}

static bool is_digit(uint8_t c)
{
    return c >= '0' && c <= '9';
}

/* Is the run of `n` letters and digits at `s` "<prefix>R..A.." without the M suffix? */
static bool is_revision_base(const uint8_t *s, size_t n)
{
    size_t i;

    if (n < DFOTA_REVISION_LEN_MIN || n > DFOTA_REVISION_LEN_MAX - 3 || !is_upper(s[0]))
        return false;
    for (i = 1; i < n - 6; i++)
        if (!is_upper(s[i]) && !is_digit(s[i]))
            return false;
    return s[n - 6] == 'R' && is_digit(s[n - 5]) && is_digit(s[n - 4]) && s[n - 3] == 'A' &&
           is_digit(s[n - 2]) && is_digit(s[n - 1]);
}

static bool is_revision(const uint8_t *s, size_t n)
{
    if (is_revision_base(s, n))
        return true;
    return n >= DFOTA_REVISION_LEN_MIN + 3 && s[n - 3] == 'M' && is_digit(s[n - 2]) &&
           is_digit(s[n - 1]) && is_revision_base(s, n - 3);
}

void dfota_revision_scan(const uint8_t *image, size_t size, struct dfota_revision_scan *scan)
{
    size_t start = 0, end, i;

    memset(scan, 0, sizeof(*scan));
    while (start < size) {
        if (!is_alnum(image[start])) {
            start++;
            continue;
        }
        for (end = start; end < size && is_alnum(image[end]); end++)
            ;
        if (is_revision(image + start, end - start)) {
            for (i = 0; i < scan->count; i++)
                if (strlen(scan->found[i]) == end - start &&
                    memcmp(scan->found[i], image + start, end - start) == 0)
                    break;
            if (i == scan->count && scan->count < DFOTA_REVISIONS_LISTED) {
                memcpy(scan->found[i], image + start, end - start);
                scan->found[i][end - start] = '\0';
                if (scan->count++ == 0)
                    scan->offset = start;
            } else if (i == scan->count) {
                scan->more = true;
            }
        }
        start = end;
    }
}

enum dfota_status dfota_image_version(const uint8_t *image, size_t size,
                                      char version[DFOTA_VERSION_MAX + 1], size_t *offset,
                                      struct dfota_error *err)
{
    struct dfota_revision_scan scan;
    char list[DFOTA_REVISIONS_LISTED * (DFOTA_REVISION_LEN_MAX + 2) + 8] = "";
    unsigned i;

    dfota_revision_scan(image, size, &scan);
    if (scan.count == 0)
        return dfota_error_set(err, DFOTA_E_INVALID_ARGUMENT, "no version string found");
    if (scan.count > 1) {
        for (i = 0; i < scan.count; i++) {
            strcat(list, i ? ", " : "");
            strcat(list, scan.found[i]);
        }
        if (scan.more)
            strcat(list, ", ...");
        return dfota_error_set(err, DFOTA_E_INVALID_ARGUMENT,
                               "ambiguous version: several version strings (%s)", list);
    }
    memcpy(version, scan.found[0], strlen(scan.found[0]) + 1);
    *offset = scan.offset;
    return DFOTA_OK;
}
