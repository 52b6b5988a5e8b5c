/*
 * report.c - the shapes every dfota report shares (dfota/report.h,
 * docs/report.schema.json).
 */
#include <stdlib.h>
#include <string.h>

#include "dfota/predict.h"
#include "dfota/report.h"
#include "dfota/version.h"

void dfota_report_begin(struct dfota_json *j, const char *command)
{
    dfota_json_object(j, NULL, false);
    dfota_json_uint(j, "schema_version", DFOTA_REPORT_SCHEMA_VERSION);
    dfota_json_string(j, "command", command);
    dfota_json_string(j, "dfota_version", DFOTA_VERSION_STRING);
}

void dfota_report_error(struct dfota_json *j, const struct dfota_error *err)
{
    unsigned bc25, ec200, lwm2m;

    if (err == NULL || err->status == DFOTA_OK) {
        dfota_json_null(j, "error");
        return;
    }
    dfota_json_object(j, "error", false);
    dfota_json_string(j, "status", dfota_status_name(err->status));
    dfota_json_uint(j, "code", (uint64_t)err->status);
    dfota_json_string(j, "message", err->message[0] ? err->message
                                                    : dfota_status_str(err->status));
    bc25 = dfota_status_module_code(err->status, DFOTA_MODULE_BC25);
    ec200 = dfota_status_module_code(err->status, DFOTA_MODULE_EC200);
    lwm2m = dfota_status_module_code(err->status, DFOTA_MODULE_LWM2M);
    if (bc25 == 0 && ec200 == 0 && lwm2m == 0) {
        dfota_json_null(j, "module_error"); /* a host-side failure: no device reports it */
    } else {
        dfota_json_object(j, "module_error", true);
        dfota_json_uint(j, "BC25", bc25);
        dfota_json_uint(j, "EC200", ec200);
        dfota_json_uint(j, "LwM2M", lwm2m);
        dfota_json_end(j);
    }
    dfota_json_end(j);
}

const char *dfota_report_base_name(const char *path)
{
    const char *slash = strrchr(path, '/');

    /* "dir/" (no name after the slash) stays as given. */
    return slash != NULL && slash[1] != '\0' ? slash + 1 : path;
}

void dfota_report_image(struct dfota_json *j, const char *key, const char *name,
                        const char *version, const struct dfota_image_info *info)
{
    dfota_json_object(j, key, true);
    if (name != NULL)
        dfota_json_string(j, "name", name);
    if (version != NULL && version[0] != '\0')
        dfota_json_string(j, "version", version);
    dfota_json_uint(j, "size", info->size);
    dfota_json_hex(j, "md5", info->md5, sizeof(info->md5));
    dfota_json_hex(j, "sha256", info->sha256, sizeof(info->sha256));
    dfota_json_end(j);
}

/* 9999-12-31T23:59:59Z: the last time RFC 3339 (four-digit years) can write. */
#define LAST_DATE 253402300799ull

/*
 * The RFC 3339 UTC time of `seconds` since 1970 in `out`, or false when
 * `seconds` is 0 (unset) or after LAST_DATE. Civil date from the day count
 * (proleptic Gregorian, days-to-civil in 64-bit arithmetic): no time_t,
 * which may be signed or 32 bits wide and would turn 2^64 - 1 into 1969.
 */
bool dfota_report_utc(uint64_t seconds, char out[64])
{
    uint64_t day = seconds / 86400u + 719468u, era, doe, yoe, doy, mp, year, month;
    unsigned rest = (unsigned)(seconds % 86400u);

    if (seconds == 0 || seconds > LAST_DATE)
        return false;
    era = day / 146097u;
    doe = day - era * 146097u;
    yoe = (doe - doe / 1460u + doe / 36524u - doe / 146096u) / 365u;
    doy = doe - (365u * yoe + yoe / 4u - yoe / 100u);
    mp = (5u * doy + 2u) / 153u;
    month = mp < 10u ? mp + 3u : mp - 9u;
    year = yoe + era * 400u + (month <= 2u);
    snprintf(out, 64, "%04u-%02u-%02uT%02u:%02u:%02uZ", (unsigned)year, (unsigned)month,
             (unsigned)(doy - (153u * mp + 2u) / 5u + 1u), rest / 3600u, rest / 60u % 60u,
             rest % 60u);
    return true;
}

void dfota_report_package(struct dfota_json *j, const struct dfota_package_header *h)
{
    char when[64], crc[16];

    dfota_json_object(j, "package", false);
    dfota_json_string(j, "type", dfota_package_type_name(h->package_type));
    dfota_json_uint(j, "format_version", h->format_version);
    dfota_json_uint(j, "header_size", h->header_size);
    snprintf(crc, sizeof(crc), "0x%08lx", (unsigned long)h->header_crc32);
    dfota_json_string(j, "header_crc32", crc);
    if (h->package_type == DFOTA_PACKAGE_DELTA)
        dfota_report_image(j, "source", NULL, h->source_version, &h->source);
    else
        dfota_json_null(j, "source");
    dfota_report_image(j, "target", NULL, h->target_version, &h->target);
    dfota_json_object(j, "payload", true);
    dfota_json_string(j, "encoding", dfota_payload_encoding_name(h->payload_encoding));
    dfota_json_uint(j, "size", h->payload.size);
    dfota_json_hex(j, "md5", h->payload.md5, sizeof(h->payload.md5));
    dfota_json_hex(j, "sha256", h->payload.sha256, sizeof(h->payload.sha256));
    dfota_json_end(j);
    dfota_json_uint(j, "workspace_size", h->workspace_size);
    /* The exact integer; the date is null when unset or not a date. */
    dfota_json_uint(j, "created", h->created);
    dfota_json_string(j, "created_utc", dfota_report_utc(h->created, when) ? when : NULL);
    dfota_json_uint(j, "skipped_fields", h->skipped_fields);
    dfota_json_end(j);
}

const char *dfota_report_codec_name(unsigned codec)
{
    switch (codec) {
    case DFOTA_CODEC_RANGE_ID:
        return "range";
    case DFOTA_CODEC_ZSTD_ID:
        return "zstd";
    }
    return "unknown";
}

const char *dfota_report_predict_name(unsigned predict)
{
    switch (predict & DFOTA_PREDICT_ALL) {
    case DFOTA_PREDICT_BRANCH:
        return "branch";
    case DFOTA_PREDICT_POINTER:
        return "pointer";
    case DFOTA_PREDICT_ALL:
        return "branch+pointer";
    }
    return "none";
}

const char *dfota_report_layout_name(const struct dfota_patch_header *patch)
{
    return (patch->flags & DFOTA_PATCH_FLAG_IN_PLACE) ? "in-place" : "two-bank";
}

void dfota_report_patch(struct dfota_json *j, const struct dfota_patch_header *p)
{
    dfota_json_object(j, "patch", true);
    dfota_json_uint(j, "format_version", p->format_version);
    dfota_json_string(j, "layout", dfota_report_layout_name(p));
    dfota_json_string(j, "codec", dfota_report_codec_name(p->codec));
    dfota_json_uint(j, "window_log", p->window_log);
    dfota_json_string(j, "predict", dfota_report_predict_name(p->predict));
    dfota_json_uint(j, "segment_size", p->segment_size);
    dfota_json_uint(j, "segment_count", p->segment_count);
    dfota_json_uint(j, "pivot", p->pivot);
    dfota_json_uint(j, "map_count", p->map_count);
    dfota_json_uint(j, "region_count", p->region_count);
    dfota_json_uint(j, "source_size", p->source_size);
    dfota_json_uint(j, "target_size", p->target_size);
    dfota_json_uint(j, "workspace_size", p->workspace_size);
    dfota_json_end(j);
}

const char *dfota_report_result_name(enum dfota_check_result result)
{
    switch (result) {
    case DFOTA_CHECK_PASSED:
        return "passed";
    case DFOTA_CHECK_FAILED:
        return "failed";
    case DFOTA_CHECK_SKIPPED:
        break;
    }
    return "skipped";
}

void dfota_report_checks(struct dfota_json *j, const struct dfota_verify_report *report)
{
    size_t i;

    dfota_json_array(j, "checks", false);
    for (i = 0; i < DFOTA_CHECK_COUNT; i++) {
        const struct dfota_check *c = &report->checks[i];

        dfota_json_object(j, NULL, true);
        dfota_json_string(j, "name", dfota_check_name((enum dfota_check_id)i));
        dfota_json_string(j, "result", dfota_report_result_name(c->result));
        dfota_json_string(j, "status", dfota_status_name(c->status));
        dfota_json_string(j, "detail", c->detail);
        dfota_json_end(j);
    }
    dfota_json_end(j);
}

void dfota_report_file(struct dfota_json *j, const char *name, size_t size,
                        const uint8_t sha256[32], const struct dfota_verify_report *r)
{
    dfota_json_object(j, "file", true);
    dfota_json_string(j, "name", dfota_report_base_name(name));
    dfota_json_string(j, "kind", dfota_file_kind_name(r->kind));
    dfota_json_uint(j, "size", size);
    dfota_json_hex(j, "sha256", sha256, 32);
    dfota_json_end(j);
}

void dfota_report_dos_time(unsigned time, unsigned date, char separator, char out[20])
{
    (void)snprintf(out, 20, "%04u-%02u-%02u%c%02u:%02u:%02u", 1980u + ((date >> 9) & 127u),
                   (date >> 5) & 15u, date & 31u, separator, (time >> 11) & 31u,
                   (time >> 5) & 63u, (time & 31u) * 2u);
}

void dfota_report_entry(struct dfota_json *j, const struct dfota_verify_report *r)
{
    char when[20];

    if (r->entry_name[0] == '\0') {
        dfota_json_null(j, "entry");
        return;
    }
    dfota_report_dos_time(r->entry_dos_time, r->entry_dos_date, 'T', when);
    dfota_json_object(j, "entry", true);
    dfota_json_string(j, "name", r->entry_name);
    dfota_json_string(j, "time", when);
    dfota_json_uint(j, "size", r->entry_size);
    dfota_json_uint(j, "compressed_size", r->entry_compressed_size);
    if (r->package_digest_valid)
        dfota_json_hex(j, "sha256", r->package_sha256, sizeof(r->package_sha256));
    dfota_json_end(j);
}

void dfota_report_signature(struct dfota_json *j, const struct dfota_verify_report *r)
{
    enum dfota_check_result result = r->checks[DFOTA_CHECK_SIGNATURE].result;

    if (!r->signed_file) {
        dfota_json_null(j, "signature");
        return;
    }
    dfota_json_object(j, "signature", true);
    dfota_json_string(j, "scheme", r->signature_scheme);
    dfota_json_string(j, "result", result == DFOTA_CHECK_SKIPPED
                                       ? "not checked"
                                       : dfota_report_result_name(result));
    if (r->key_digest_valid)
        dfota_json_hex(j, "key_sha256", r->key_sha256, sizeof(r->key_sha256));
    else
        dfota_json_null(j, "key_sha256");
    dfota_json_end(j);
}

void dfota_report_verification(struct dfota_json *j, const char *name, size_t size,
                               const uint8_t sha256[32], const struct dfota_verify_report *r)
{
    dfota_report_file(j, name, size, sha256, r);
    dfota_report_entry(j, r);
    dfota_report_signature(j, r);
    dfota_json_bool(j, "payload_checked", r->payload_checked != 0);
    if (r->header_valid)
        dfota_report_package(j, &r->header);
    else
        dfota_json_null(j, "package");
    if (r->patch_valid)
        dfota_report_patch(j, &r->patch);
    else
        dfota_json_null(j, "patch");
    dfota_report_checks(j, r);
    if (r->first_failure == DFOTA_OK) {
        dfota_json_null(j, "first_failure");
    } else {
        dfota_json_object(j, "first_failure", true);
        dfota_json_string(j, "check", dfota_check_name(r->first_failed_check));
        dfota_json_string(j, "status", dfota_status_name(r->first_failure));
        dfota_json_end(j);
    }
}

struct decoded_tables {
    struct dfota_map_entry map[DFOTA_PREDICT_MAP_MAX];
    struct dfota_patch_target_region targets[DFOTA_PREDICT_REGION_MAX];
    struct dfota_predict_region sources[DFOTA_PREDICT_REGION_MAX];
};

void dfota_report_regions(struct dfota_json *j, const struct dfota_patch_header *header,
                          const uint8_t *patch, size_t size)
{
    struct decoded_tables *t;
    uint32_t i, target_count = 0;

    t = patch != NULL && header->map_count <= DFOTA_PREDICT_MAP_MAX &&
                header->region_count <= DFOTA_PREDICT_REGION_MAX &&
                size >= DFOTA_PATCH_HEADER_SIZE + dfota_patch_tables_size(header)
            ? malloc(sizeof(*t))
            : NULL;
    if (t == NULL || dfota_patch_tables_decode(header, patch + DFOTA_PATCH_HEADER_SIZE, t->map,
                                               t->targets, t->sources, &target_count,
                                               NULL) != DFOTA_OK) {
        free(t);
        dfota_json_null(j, "regions");
        return;
    }
    dfota_json_object(j, "regions", false);
    dfota_json_array(j, "target", false);
    for (i = 0; i < target_count; i++) {
        dfota_json_object(j, NULL, true);
        dfota_json_uint(j, "target_start", t->targets[i].target_start);
        dfota_json_uint(j, "map_count", t->targets[i].map_count);
        dfota_json_end(j);
    }
    dfota_json_end(j);
    dfota_json_array(j, "source", false);
    for (i = target_count; i < header->region_count; i++) {
        dfota_json_object(j, NULL, true);
        dfota_json_uint(j, "source_start", t->sources[i].source_start);
        dfota_json_string(j, "predict", dfota_report_predict_name(t->sources[i].flags));
        dfota_json_uint(j, "pointer_base", t->sources[i].pointer_base);
        dfota_json_int(j, "pointer_delta", t->sources[i].pointer_delta);
        dfota_json_end(j);
    }
    dfota_json_end(j);
    dfota_json_end(j);
    free(t);
}

void dfota_report_output(struct dfota_json *j, const char *path, size_t size,
                         const uint8_t sha256[32])
{
    dfota_json_object(j, NULL, true);
    dfota_json_string(j, "name", dfota_report_base_name(path));
    dfota_json_uint(j, "size", size);
    dfota_json_hex(j, "sha256", sha256, 32);
    dfota_json_end(j);
}
