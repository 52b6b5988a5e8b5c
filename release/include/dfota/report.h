/*
 * dfota/report.h - the JSON reports of `dfota inspect`, `verify`, `release`
 * and every other command's --json: one writer, one schema.
 *
 * Every document is one JSON object that starts with the same members
 *   "schema_version": 1, "command": "verify", "dfota_version": "0.6.0",
 *   "ok": true|false, "error": null | {...}
 * and uses the same shapes for what several reports hold (a check, an
 * image, a package, a patch, a signature, a file). The contract is
 * docs/report.schema.json (JSON Schema draft 2020-12); CI validates every
 * report the tests produce against it. A change that a reader of version N
 * could misread bumps DFOTA_REPORT_SCHEMA_VERSION; adding a member does not.
 *
 * Reports hold no machine-specific text: files are named by their base
 * name, keys by the SHA-256 of their public key, so the same inputs give
 * the same report on any machine.
 *
 * Host library. Writes to a stdio stream; never prints anything else.
 */
#ifndef DFOTA_REPORT_H
#define DFOTA_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dfota/container.h"
#include "dfota/patch.h"
#include "dfota/status.h"
#include "dfota/verifier.h"

#ifdef __cplusplus
extern "C" {
#endif

#define DFOTA_REPORT_SCHEMA_VERSION 1
#define DFOTA_JSON_DEPTH_MAX 16

/*
 * A streaming JSON writer: objects and arrays nest, members are written in
 * the order the calls come, strings are escaped (UTF-8 kept, invalid bytes
 * as U+FFFD, controls and bidirectional overrides as \uXXXX). A container
 * opened `inline` is written on one line; others one member per line,
 * indented by two spaces a level. A call with the wrong nesting (a key in
 * an array, none in an object, too deep, an end too many) marks the writer
 * failed instead of writing invalid JSON; dfota_json_finish() reports it.
 */
struct dfota_json {
    FILE *out;
    unsigned depth;
    uint32_t is_array;  /* bit d: level d is an array */
    uint32_t is_inline; /* bit d: level d is written on one line */
    uint32_t has_items; /* bit d: level d holds a member already */
    bool failed;
};

void dfota_json_init(struct dfota_json *j, FILE *out);
/* Begin an object or array: `key` is the member name inside an object, NULL elsewhere. */
void dfota_json_object(struct dfota_json *j, const char *key, bool is_inline);
void dfota_json_array(struct dfota_json *j, const char *key, bool is_inline);
void dfota_json_end(struct dfota_json *j);
/* Values; a NULL string is written as null. */
void dfota_json_string(struct dfota_json *j, const char *key, const char *value);
void dfota_json_uint(struct dfota_json *j, const char *key, uint64_t value);
void dfota_json_int(struct dfota_json *j, const char *key, int64_t value);
void dfota_json_bool(struct dfota_json *j, const char *key, bool value);
void dfota_json_null(struct dfota_json *j, const char *key);
/* Lower-case hexadecimal of `size` bytes, as a string. */
void dfota_json_hex(struct dfota_json *j, const char *key, const uint8_t *bytes, size_t size);
/* A non-negative fraction with 6 decimals (locale independent). */
void dfota_json_ratio(struct dfota_json *j, const char *key, uint64_t num, uint64_t den);
/* After the outermost end: a final newline and a flush, then false if a call was
 * misnested or the stream has an error (a write that failed, now or before). */
bool dfota_json_finish(struct dfota_json *j);
/* `s` as a JSON string literal, quotes and escapes included, outside any writer. */
void dfota_json_write_string(FILE *out, const char *s);
/* The RFC 3339 UTC time of `seconds` since 1970 ("2023-11-14T22:13:20Z"), or false when
 * `seconds` is 0 (unset) or after 9999-12-31T23:59:59Z. */
bool dfota_report_utc(uint64_t seconds, char out[64]);

/* A zip entry's DOS time and date as stored (a zip has no time zone; dfota
 * writes UTC), "YYYY-MM-DDTHH:MM:SS" with `separator` for the 'T'. */
void dfota_report_dos_time(unsigned time, unsigned date, char separator, char out[20]);

/* ---- the shared shapes (docs/report.schema.json, "$defs") -------------- */

/*
 * Begin a report document: "{", then schema_version, command and
 * dfota_version. The caller writes "ok", "error" and its own members, then
 * dfota_json_end() and dfota_json_finish().
 */
void dfota_report_begin(struct dfota_json *j, const char *command);

/* "error": null when `err` is NULL or DFOTA_OK; else {status, code, message,
 * module_error}, module_error null for a status a device never reports. */
void dfota_report_error(struct dfota_json *j, const struct dfota_error *err);

/* The last component of `path` ("a/b/X.bin" -> "X.bin"; "-" -> "-"). */
const char *dfota_report_base_name(const char *path);

/* An image: {"name" (when not NULL), "version" (when non-empty), "size", "md5", "sha256"}. */
void dfota_report_image(struct dfota_json *j, const char *key, const char *name,
                        const char *version, const struct dfota_image_info *info);

/* "package": every header field of a package (dfota/container.h). */
void dfota_report_package(struct dfota_json *j, const struct dfota_package_header *header);

/* "patch": every header field of a patch, with its "layout" ("two-bank" or
 * "in-place") and "codec" ("range" or "zstd"). */
void dfota_report_patch(struct dfota_json *j, const struct dfota_patch_header *patch);

/* "range", "zstd" (or "unknown"). */
const char *dfota_report_codec_name(unsigned codec);
/* "none", "branch", "pointer", "branch+pointer". */
const char *dfota_report_predict_name(unsigned predict);
/* "two-bank" or "in-place". */
const char *dfota_report_layout_name(const struct dfota_patch_header *patch);

/* "checks": one {"name", "result", "status", "detail"} per check of `report`, in order. */
void dfota_report_checks(struct dfota_json *j, const struct dfota_verify_report *report);

/* "passed", "failed", "skipped". */
const char *dfota_report_result_name(enum dfota_check_result result);

/*
 * The members that describe one verified file (docs/report.schema.json,
 * "$defs/verification"), in this order:
 *   "file": {"name", "kind", "size", "sha256"}  the base name of `name` (never a
 *           path), the kind of `r`, and the `size` and `sha256` of the whole file
 *   "entry": null | {"name", "time", "size", "compressed_size", "sha256"}  a zip's
 *           .bin (its DOS time as "YYYY-MM-DDTHH:MM:SS", zone-less like the zip;
 *           the SHA-256 `sha256sum` gives for what `unzip` extracts)
 *   "signature": null | {"scheme", "result", "key_sha256"}  null when the file
 *           carries none; result "passed", "failed" or "not checked"; the key
 *           named by dfota_public_key_fingerprint(), null without a key
 *   "payload_checked": bool, "package": null | {...}, "patch": null | {...},
 *   "checks": [...], "first_failure": null | {"check", "status"}
 * Written into the object open in `j`: a verify or inspect document, or one
 * file of a release report, which then holds the same object per file.
 */
void dfota_report_verification(struct dfota_json *j, const char *name, size_t size,
                               const uint8_t sha256[32], const struct dfota_verify_report *r);

/* Its first three members alone, for a document that names a file without
 * having checked it all (`dfota apply --json`): "file", "entry", "signature". */
void dfota_report_file(struct dfota_json *j, const char *name, size_t size,
                       const uint8_t sha256[32], const struct dfota_verify_report *r);
void dfota_report_entry(struct dfota_json *j, const struct dfota_verify_report *r);
void dfota_report_signature(struct dfota_json *j, const struct dfota_verify_report *r);

/*
 * "regions": the relocation map's target regions and the source regions of
 * the `size` bytes at `patch` (a raw patch, header first, that passed
 * dfota_patch_open()), as the applier decodes them:
 *   {"target": [{"target_start", "map_count"}...],
 *    "source": [{"source_start", "predict", "pointer_base", "pointer_delta"}...]}
 * null when `patch` is NULL or its tables do not decode. Allocates the
 * decoded tables (under 10 KiB) while it runs.
 */
void dfota_report_regions(struct dfota_json *j, const struct dfota_patch_header *header,
                          const uint8_t *patch, size_t size);

/* One member of an "outputs" array: {"name" (base name of `path`), "size", "sha256"}. */
void dfota_report_output(struct dfota_json *j, const char *path, size_t size,
                         const uint8_t sha256[32]);

#ifdef __cplusplus
}
#endif

#endif /* DFOTA_REPORT_H */
