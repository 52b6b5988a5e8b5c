/*
 * cmd_inspect.c - `dfota inspect`: every header field, checked.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "dfota/report.h"
#include "dfota/packer.h"
#include "dfota/patch.h"
#include "dfota/predict.h"
#include "dfota/wire.h"

static const struct option inspect_options[] = {
    {"json", no_argument, NULL, 'j'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* Room for dfota_report_utc(). */
#define DATE_SIZE 64

static bool format_time(uint64_t seconds, char out[DATE_SIZE])
{
    return dfota_report_utc(seconds, out);
}

/* "unset", the date, or why there is none: the integer is always shown as well. */
static const char *describe_time(uint64_t seconds, char out[DATE_SIZE])
{
    if (format_time(seconds, out))
        return out;
    return seconds == 0 ? "unset" : "not a date: after 9999-12-31T23:59:59Z";
}

static void text_info(const char *label, const char *version,
                      const struct dfota_image_info *info)
{
    char hex[2 * DFOTA_SHA256_SIZE + 1];

    if (version != NULL)
        printf("%-8s version   %s\n", label, version);
    printf("%-8s size      %lu\n", label, (unsigned long)info->size);
    dfota_hex(info->md5, DFOTA_MD5_SIZE, hex);
    printf("%-8s md5       %s\n", label, hex);
    dfota_hex(info->sha256, DFOTA_SHA256_SIZE, hex);
    printf("%-8s sha256    %s\n", label, hex);
}

/* The order segments are applied in: "ascending", "descending" or
 * "from segment P up, then down" (in place; two-bank: "ascending"). */
static const char *order_text(const struct dfota_patch_header *p, char *buf)
{
    if (p->pivot == 0)
        return "ascending";
    if (p->pivot == p->segment_count)
        return "descending";
    snprintf(buf, 64, "from segment %lu up, then down", (unsigned long)p->pivot);
    return buf;
}

/* "range codec, history log 10" or "zstd, window log 13". */
static const char *codec_text(const struct dfota_patch_header *p, char *buf)
{
    snprintf(buf, 64, "%s log %u", dfota_patch_log_name(p->codec), (unsigned)p->window_log);
    return buf;
}

static void print_text(const char *file, const struct dfota_package_header *hdr,
                       const struct dfota_patch_header *patch, const char *payload_check)
{
    char when[DATE_SIZE], codec[64];

    printf("file              %s\n", strcmp(file, "-") == 0 ? "<stdin>" : file);
    printf("format version    %u\n", hdr->format_version);
    printf("package type      %s\n", dfota_package_type_name(hdr->package_type));
    printf("header            %lu bytes, crc32 0x%08lx\n", (unsigned long)hdr->header_size,
           (unsigned long)hdr->header_crc32);
    if (hdr->package_type == DFOTA_PACKAGE_DELTA)
        text_info("source", hdr->source_version, &hdr->source);
    text_info("target", hdr->target_version, &hdr->target);
    printf("payload  encoding  %s\n", dfota_payload_encoding_name(hdr->payload_encoding));
    text_info("payload", NULL, &hdr->payload);
    if (patch != NULL) {
        printf("patch    segments  %lu x %lu bytes, %s\n", (unsigned long)patch->segment_count,
               (unsigned long)patch->segment_size, codec_text(patch, codec));
        printf("patch    predict   %s (%lu map entries, %lu regions)\n",
               dfota_report_predict_name(patch->predict), (unsigned long)patch->map_count,
               (unsigned long)patch->region_count);
        printf("patch    layout    %s, %s\n", dfota_report_layout_name(patch),
               order_text(patch, codec));
    }
    printf("workspace         %lu bytes\n", (unsigned long)hdr->workspace_size);
    printf("created           %llu (%s)\n", (unsigned long long)hdr->created,
           describe_time(hdr->created, when));
    if (hdr->skipped_fields)
        printf("unknown fields    %u (optional, skipped)\n", (unsigned)hdr->skipped_fields);
    printf("checks            header ok, size ok, payload digests ok%s%s\n",
           payload_check ? ", " : "", payload_check ? payload_check : "");
}

static void json_info(const char *key, const char *version, const struct dfota_image_info *info,
                      bool last)
{
    char hex[2 * DFOTA_SHA256_SIZE + 1];

    printf("  \"%s\": {", key);
    if (version != NULL) {
        printf("\"version\": ");
        cli_json_string(stdout, version);
        printf(", ");
    }
    printf("\"size\": %lu, ", (unsigned long)info->size);
    dfota_hex(info->md5, DFOTA_MD5_SIZE, hex);
    printf("\"md5\": \"%s\", ", hex);
    dfota_hex(info->sha256, DFOTA_SHA256_SIZE, hex);
    printf("\"sha256\": \"%s\"}%s\n", hex, last ? "" : ",");
}

static void print_json(const char *file, const struct dfota_package_header *hdr,
                       const struct dfota_patch_header *patch, bool payload_decoded)
{
    char when[DATE_SIZE];

    printf("{\n  \"file\": ");
    cli_json_string(stdout, strcmp(file, "-") == 0 ? "<stdin>" : file);
    printf(",\n  \"ok\": true,\n");
    printf("  \"format_version\": %u,\n", hdr->format_version);
    printf("  \"package_type\": \"%s\",\n", dfota_package_type_name(hdr->package_type));
    printf("  \"header_size\": %lu,\n", (unsigned long)hdr->header_size);
    printf("  \"header_crc32\": \"0x%08lx\",\n", (unsigned long)hdr->header_crc32);
    if (hdr->package_type == DFOTA_PACKAGE_DELTA)
        json_info("source", hdr->source_version, &hdr->source, false);
    else
        printf("  \"source\": null,\n");
    json_info("target", hdr->target_version, &hdr->target, false);
    printf("  \"payload_encoding\": \"%s\",\n",
           dfota_payload_encoding_name(hdr->payload_encoding));
    json_info("payload", NULL, &hdr->payload, false);
    if (patch != NULL)
        printf("  \"patch\": {\"format_version\": %u, \"segment_size\": %lu, "
               "\"segment_count\": %lu, \"codec\": \"%s\", \"window_log\": %u, "
               "\"predict\": \"%s\", \"map_count\": %lu, \"region_count\": %lu, "
               "\"layout\": \"%s\", \"pivot\": %lu},\n",
               (unsigned)patch->format_version, (unsigned long)patch->segment_size,
               (unsigned long)patch->segment_count, dfota_report_codec_name(patch->codec),
               (unsigned)patch->window_log, dfota_report_predict_name(patch->predict),
               (unsigned long)patch->map_count, (unsigned long)patch->region_count,
               dfota_report_layout_name(patch), (unsigned long)patch->pivot);
    else
        printf("  \"patch\": null,\n");
    printf("  \"workspace_size\": %lu,\n", (unsigned long)hdr->workspace_size);
    /* The exact integer; the date is null when unset or not a date. */
    printf("  \"created\": %llu,\n", (unsigned long long)hdr->created);
    if (format_time(hdr->created, when))
        printf("  \"created_utc\": \"%s\",\n", when);
    else
        printf("  \"created_utc\": null,\n");
    printf("  \"skipped_fields\": %u,\n", (unsigned)hdr->skipped_fields);
    printf("  \"checks\": {\"header\": true, \"size\": true, \"payload_digests\": true, "
           "\"payload_decodes_to_target\": %s}\n}\n",
           payload_decoded ? "true" : "null");
}

static void print_patch(const char *file, const uint8_t *data, const struct dfota_patch_header *p,
                        size_t size, bool json)
{
    char src[65], tgt[65], codec[64];
    static struct dfota_map_entry map[DFOTA_PREDICT_MAP_MAX];
    static struct dfota_patch_target_region targets[DFOTA_PREDICT_REGION_MAX];
    static struct dfota_predict_region sources[DFOTA_PREDICT_REGION_MAX];
    uint32_t i, nt = 0;

    /* The tables as the applier reads them (dfota_patch_open() checked them). */
    if (p->region_count != 0 &&
        dfota_patch_tables_decode(p, data + DFOTA_PATCH_HEADER_SIZE, map, targets, sources, &nt,
                                  NULL) != DFOTA_OK)
        nt = 0;
    dfota_hex(p->source_sha256, 32, src);
    dfota_hex(p->target_sha256, 32, tgt);
    if (json) {
        printf("{\n  \"file\": ");
        cli_json_string(stdout, strcmp(file, "-") == 0 ? "<stdin>" : file);
        printf(",\n  \"ok\": true,\n  \"kind\": \"patch\",\n  \"size\": %zu,\n", size);
        printf("  \"source\": {\"size\": %lu, \"sha256\": \"%s\"},\n",
               (unsigned long)p->source_size, src);
        printf("  \"target\": {\"size\": %lu, \"sha256\": \"%s\"},\n",
               (unsigned long)p->target_size, tgt);
        printf("  \"patch\": {\"format_version\": %u, \"segment_size\": %lu, "
               "\"segment_count\": %lu, \"codec\": \"%s\", \"window_log\": %u, "
               "\"predict\": \"%s\", \"map_count\": %lu, \"layout\": \"%s\", "
               "\"pivot\": %lu, \"target_regions\": [",
               (unsigned)p->format_version, (unsigned long)p->segment_size,
               (unsigned long)p->segment_count, dfota_report_codec_name(p->codec),
               (unsigned)p->window_log, dfota_report_predict_name(p->predict),
               (unsigned long)p->map_count, dfota_report_layout_name(p), (unsigned long)p->pivot);
        for (i = 0; i < nt; i++)
            printf("%s{\"target_start\": %lu, \"map_count\": %lu}", i ? ", " : "",
                   (unsigned long)targets[i].target_start, (unsigned long)targets[i].map_count);
        printf("], \"source_regions\": [");
        for (i = nt; i < p->region_count; i++)
            printf("%s{\"source_start\": %lu, \"predict\": \"%s\", \"pointer_base\": "
                   "%lu, \"pointer_delta\": %ld}",
                   i > nt ? ", " : "", (unsigned long)sources[i].source_start,
                   dfota_report_predict_name(sources[i].flags),
                   (unsigned long)sources[i].pointer_base, (long)sources[i].pointer_delta);
        printf("]},\n");
        printf("  \"workspace_size\": %lu,\n", (unsigned long)p->workspace_size);
        printf("  \"checks\": {\"header\": true, \"map\": true, \"segment_layout\": true}\n}\n");
        return;
    }
    printf("file              %s\n", strcmp(file, "-") == 0 ? "<stdin>" : file);
    printf("kind              raw patch, format version %u, %zu bytes\n",
           (unsigned)p->format_version, size);
    printf("source   size      %lu\nsource   sha256    %s\n", (unsigned long)p->source_size,
           src);
    printf("target   size      %lu\ntarget   sha256    %s\n", (unsigned long)p->target_size,
           tgt);
    printf("patch    segments  %lu x %lu bytes, %s\n", (unsigned long)p->segment_count,
           (unsigned long)p->segment_size, codec_text(p, codec));
    printf("patch    layout    %s, %s\n", dfota_report_layout_name(p), order_text(p, codec));
    printf("patch    predict   %s (%lu map entries, %lu regions)\n",
           dfota_report_predict_name(p->predict), (unsigned long)p->map_count,
           (unsigned long)p->region_count);
    for (i = 0; i < nt; i++)
        printf("patch    region    target 0x%08lx on: map of %lu entries\n",
               (unsigned long)targets[i].target_start, (unsigned long)targets[i].map_count);
    for (i = nt; i < p->region_count; i++) {
        printf("patch    region    source 0x%08lx on: %s", (unsigned long)sources[i].source_start,
               dfota_report_predict_name(sources[i].flags));
        if (sources[i].flags & DFOTA_PREDICT_POINTER)
            printf(", pointer base 0x%08lx, delta %ld", (unsigned long)sources[i].pointer_base,
                   (long)sources[i].pointer_delta);
        printf("\n");
    }
    printf("workspace         %lu bytes\n", (unsigned long)p->workspace_size);
    printf("checks            header ok, relocation map ok, segment layout ok\n");
}

int cmd_inspect(int argc, char **argv)
{
    struct dfota_package_header hdr;
    struct dfota_patch_header patch;
    struct dfota_error err;
    const uint8_t *payload = NULL;
    uint8_t *data = NULL, *image = NULL;
    size_t size = 0, image_size = 0;
    const char *file;
    bool json = false, decoded = false, have_patch = false;
    int c, rc;

    dfota_error_clear(&err);
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", inspect_options, NULL)) != -1) {
        switch (c) {
        case 'j':
            json = true;
            break;
        default:
            rc = cli_option_error("inspect", c, argv[optind - 1]);
            return rc == CLI_HELP_SHOWN ? CLI_EXIT_OK : rc;
        }
    }
    if (optind >= argc)
        return cli_usage_error("inspect", "missing PKG_OR_PATCH");
    if (optind + 1 < argc)
        return cli_usage_error("inspect", "unexpected argument '%s'", argv[optind + 1]);
    file = argv[optind];

    if (cli_read_file(file, DFOTA_HOST_SIZE_MAX + DFOTA_CONTAINER_HEADER_MAX, &data, &size,
                      &err) == DFOTA_OK &&
        size >= DFOTA_PATCH_MAGIC_SIZE &&
        memcmp(data, DFOTA_PATCH_MAGIC, DFOTA_PATCH_MAGIC_SIZE) == 0) {
        /* A raw patch (dfota diff): its own header, layout and workspace claim. */
        if (dfota_patch_open(data, size, &patch, &err) == DFOTA_OK)
            print_patch(file, data, &patch, size, json);
        free(data);
        if (err.status == DFOTA_OK)
            return CLI_EXIT_OK;
        if (json)
            cli_json_error(stdout, file, &err);
        return cli_report("inspect", file, &err);
    }
    if (err.status == DFOTA_OK &&
        dfota_package_open(data, size, &hdr, &payload, &err) == DFOTA_OK &&
        hdr.package_type == DFOTA_PACKAGE_FULL &&
        dfota_package_unpack_full(&hdr, payload, &image, &image_size, &err) == DFOTA_OK)
        decoded = true;
    /* dfota_package_open() checked that a delta payload starts with a valid patch header. */
    if (err.status == DFOTA_OK && hdr.package_type == DFOTA_PACKAGE_DELTA)
        have_patch =
            dfota_patch_header_decode(payload, hdr.payload.size, &patch, NULL) == DFOTA_OK;
    free(image);
    free(data);
    if (err.status != DFOTA_OK) {
        if (json)
            cli_json_error(stdout, file, &err);
        return cli_report("inspect", file, &err);
    }
    if (json)
        print_json(file, &hdr, have_patch ? &patch : NULL, decoded);
    else
        print_text(file, &hdr, have_patch ? &patch : NULL,
                   decoded ? "payload decodes to the target" : NULL);
    return CLI_EXIT_OK;
}
