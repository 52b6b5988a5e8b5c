/*
 * cmd_inspect.c - `dfota inspect`: every header field of a package or raw
 * patch, bare or inside a zip or signed zip, and every check that needs
 * nothing but the file (dfota_verify() without images; the signature only
 * with --pubkey).
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "dfota/packer.h"
#include "dfota/patch.h"
#include "dfota/predict.h"
#include "dfota/report.h"
#include "dfota/verifier.h"
#include "dfota/wire.h"
#include "verify_output.h"

enum { OPT_JSON = 256, OPT_PUBKEY };

static const struct option inspect_options[] = {
    {"json", no_argument, NULL, OPT_JSON},
    {"pubkey", required_argument, NULL, OPT_PUBKEY},
    {"quiet", no_argument, NULL, 'q'},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* dfota_report_utc()'s buffer: "9999-12-31T23:59:59Z" and its NUL, with room. */
#define DATE_SIZE 64

static const char *describe_time(uint64_t seconds, char out[DATE_SIZE])
{
    if (dfota_report_utc(seconds, out))
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

/* "two-bank" or "in-place". */
static const char *layout_name(unsigned flags)
{
    return (flags & DFOTA_PATCH_FLAG_IN_PLACE) ? "in-place" : "two-bank";
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

static void print_package(const struct dfota_package_header *hdr,
                          const struct dfota_patch_header *patch)
{
    char when[DATE_SIZE], codec[64];

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
        printf("patch    layout    %s, %s\n", layout_name(patch->flags),
               order_text(patch, codec));
    }
    printf("workspace         %lu bytes\n", (unsigned long)hdr->workspace_size);
    printf("created           %llu (%s)\n", (unsigned long long)hdr->created,
           describe_time(hdr->created, when));
    if (hdr->skipped_fields)
        printf("unknown fields    %u (optional, skipped)\n", (unsigned)hdr->skipped_fields);
}

static void print_patch(const uint8_t *data, const struct dfota_patch_header *p, size_t size)
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
    printf("kind              raw patch, format version %u, %zu bytes\n",
           (unsigned)p->format_version, size);
    printf("source   size      %lu\nsource   sha256    %s\n", (unsigned long)p->source_size,
           src);
    printf("target   size      %lu\ntarget   sha256    %s\n", (unsigned long)p->target_size,
           tgt);
    printf("patch    segments  %lu x %lu bytes, %s\n", (unsigned long)p->segment_count,
           (unsigned long)p->segment_size, codec_text(p, codec));
    printf("patch    layout    %s, %s\n", layout_name(p->flags), order_text(p, codec));
    printf("patch    predict   %s (%lu map entries, %lu regions)\n", dfota_report_predict_name(p->predict),
           (unsigned long)p->map_count, (unsigned long)p->region_count);
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
}

struct inspect_args {
    const char *file, *public_key;
    bool json, quiet, verbose;
};

/* The zip around the package: its entry, and the signature's scheme (checked only with a key). */
static void print_zip(const struct dfota_verify_report *r, bool with_key)
{
    char when[20], hex[65];

    cli_format_dos_time(r->entry_dos_time, r->entry_dos_date, when);
    printf("entry             %s, %llu bytes (%llu in the zip), dated %s\n", r->entry_name,
           (unsigned long long)r->entry_size, (unsigned long long)r->entry_compressed_size,
           when);
    if (r->kind != DFOTA_FILE_SIGNED_ZIP) {
        printf("signature         none: the zip is not signed\n");
        return;
    }
    if (!with_key) {
        printf("signature         %s (%zu bytes), NOT checked: inspect checks it only with "
               "--pubkey\n",
               r->signature_scheme, r->signature_size);
        return;
    }
    dfota_hex(r->key_sha256, sizeof(r->key_sha256), hex);
    printf("signature         %s (%zu bytes), %s with the public key %.16s\n",
           r->signature_scheme, r->signature_size,
           r->checks[DFOTA_CHECK_SIGNATURE].result == DFOTA_CHECK_PASSED ? "verified"
                                                                         : "NOT verified",
           hex);
}

/* "passed: zip container payload; skipped: signature source apply target new". */
static void print_checks(const struct dfota_verify_report *r, bool verbose)
{
    static const enum dfota_check_result order[3] = {DFOTA_CHECK_PASSED, DFOTA_CHECK_FAILED,
                                                     DFOTA_CHECK_SKIPPED};
    static const char *const label[3] = {" passed:", " FAILED:", " skipped:"};
    size_t i, k, n;

    if (verbose) {
        for (i = 0; i < DFOTA_CHECK_COUNT; i++)
            printf("check    %-9s %-8s %s\n", dfota_check_name((enum dfota_check_id)i),
                   cli_check_result_text(r, (enum dfota_check_id)i), r->checks[i].detail);
        return;
    }
    printf("checks           ");
    for (k = 0, n = 0; k < 3; k++) {
        bool first = true;

        for (i = 0; i < DFOTA_CHECK_COUNT; i++) {
            if (r->checks[i].result != order[k])
                continue;
            printf("%s%s %s", first && n > 0 ? ";" : "", first ? label[k] : "",
                   dfota_check_name((enum dfota_check_id)i));
            first = false;
            n++;
        }
    }
    printf("\n");
}

static int parse_args(int argc, char **argv, struct inspect_args *a)
{
    const char *given[sizeof(inspect_options) / sizeof(inspect_options[0])] = {NULL};
    int c, rc;

    memset(a, 0, sizeof(*a));
    a->json = cli_json_wanted();
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":hqv", inspect_options, NULL)) != -1) {
        rc = cli_option_once("inspect", inspect_options, given, c, optarg);
        if (rc != CLI_EXIT_OK)
            return rc;
        switch (c) {
        case OPT_JSON:
            a->json = true;
            break;
        case OPT_PUBKEY:
            a->public_key = optarg;
            break;
        case 'q':
            a->quiet = true;
            break;
        case 'v':
            a->verbose = true;
            break;
        default:
            if (c == 'h')
                return cli_option_error("inspect", c, argv[optind - 1]);
            return cli_usage_error("inspect", c == ':' ? "option '%s' needs a value"
                                                                  : "unknown option '%s'",
                                     argv[optind - 1]);
        }
    }
    if (optind >= argc)
        return cli_usage_error("inspect", "missing FILE");
    if (optind + 1 < argc)
        return cli_usage_error("inspect", "unexpected argument '%s'",
                                 argv[optind + 1]);
    if (a->quiet && a->verbose)
        return cli_usage_error("inspect", "-q and -v cannot be used together");
    a->file = argv[optind];
    return CLI_EXIT_OK;
}

/* The raw patch of a verified payload: the payload itself, or a delta package's payload. */
static const uint8_t *patch_bytes(const struct dfota_verify_report *r, const uint8_t *payload,
                                  size_t payload_size, size_t *size)
{
    if (!r->patch_valid || payload == NULL)
        return NULL;
    if (!r->header_valid) {
        *size = payload_size;
        return payload;
    }
    *size = r->header.payload.size;
    return payload + r->header.header_size;
}

static int print_json(const struct inspect_args *a, const uint8_t *file, size_t size,
                      const struct dfota_verify_report *r, const uint8_t *payload,
                      size_t payload_size, const struct dfota_error *err, int code)
{
    struct dfota_json j;
    uint8_t sha[32];
    const uint8_t *patch;
    size_t patch_size = 0;

    cli_sha256(file, size, sha);
    patch = patch_bytes(r, payload, payload_size, &patch_size);
    dfota_json_init(&j, stdout);
    dfota_report_begin(&j, "inspect");
    dfota_json_bool(&j, "ok", r->first_failure == DFOTA_OK);
    dfota_report_error(&j, err);
    dfota_report_verification(&j, a->file, size, sha, r);
    dfota_report_regions(&j, &r->patch, patch, patch_size);
    dfota_json_end(&j);
    return cli_json_done("inspect", &j, code);
}

static void print_text(const struct inspect_args *a, size_t size,
                       const struct dfota_verify_report *r, const uint8_t *payload,
                       size_t payload_size)
{
    const uint8_t *patch;
    size_t patch_size = 0;

    printf("file              %s", strcmp(a->file, "-") == 0 ? "<stdin>" : a->file);
    if (r->kind == DFOTA_FILE_ZIP || r->kind == DFOTA_FILE_SIGNED_ZIP) {
        printf(" (%s, %zu bytes)\n", dfota_file_kind_name(r->kind), size);
        print_zip(r, a->public_key != NULL);
    } else {
        printf("\n");
    }
    patch = patch_bytes(r, payload, payload_size, &patch_size);
    if (r->header_valid)
        print_package(&r->header, r->patch_valid ? &r->patch : NULL);
    else if (patch != NULL)
        print_patch(patch, &r->patch, patch_size);
    print_checks(r, a->verbose);
}

int cmd_inspect(int argc, char **argv)
{
    struct inspect_args a;
    struct dfota_verify_options opts;
    struct dfota_verify_report *r = NULL;
    struct dfota_error err;
    uint8_t *data = NULL, *payload = NULL;
    size_t size = 0, payload_size = 0;
    int rc;

    rc = parse_args(argc, argv, &a);
    if (rc != CLI_EXIT_OK)
        return rc == CLI_HELP_SHOWN ? CLI_EXIT_OK : rc;
    dfota_error_clear(&err);
    if (cli_read_file(a.file, DFOTA_HOST_SIZE_MAX + DFOTA_CONTAINER_HEADER_MAX, &data, &size,
                      &err) != DFOTA_OK) {
        return cli_report("inspect", a.file, &err); /* main() prints the document */
    }
    r = malloc(sizeof(*r));
    if (r == NULL) {
        free(data);
        dfota_error_set(&err, DFOTA_E_NO_MEMORY, "out of memory");
        return cli_report("inspect", NULL, &err);
    }
    /* Everything that needs nothing but the file: no images, a key only when given. */
    dfota_verify_options_init(&opts);
    opts.public_key = a.public_key;
    (void)dfota_verify_payload(data, size, &opts, r, &payload, &payload_size);
    rc = cli_verification_error(r, false, &err);
    if (rc != CLI_EXIT_OK && r->first_failed_check != DFOTA_CHECK_SIGNATURE &&
        !r->payload_foreign) {
        /* inspect names what is wrong in the file without the check's name. */
        (void)snprintf(err.message, sizeof(err.message), "%s",
                       r->checks[r->first_failed_check].detail);
    }
    if (a.json)
        rc = print_json(&a, data, size, r, payload, payload_size, &err, rc);
    else if ((rc == CLI_EXIT_OK || r->payload_foreign) && !a.quiet)
        print_text(&a, size, r, payload, payload_size); /* a foreign payload: its zip */
    if (err.status != DFOTA_OK)
        (void)cli_report_code("inspect", a.file, &err, rc);
    free(payload);
    free(r);
    free(data);
    return rc;
}
