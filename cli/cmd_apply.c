/*
 * cmd_apply.c - `dfota apply`: rebuild the new image the way a module does,
 * through the reference applier, a simulated NOR flash and a patch fed in
 * chunks.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "dfota/apply.h"
#include "dfota/packer.h"
#include "dfota/patch.h"
#include "dfota/verifier.h"

enum {
    OPT_OLD = 256,
    OPT_CHUNK_SIZE,
    OPT_URC,
    OPT_URC_MAX,
    OPT_MODULE,
    OPT_ERASE_SIZE,
    OPT_WRITE_ALIGN
};

static const struct option apply_options[] = {
    {"old", required_argument, NULL, OPT_OLD},
    {"output", required_argument, NULL, 'o'},
    {"chunk-size", required_argument, NULL, OPT_CHUNK_SIZE},
    {"urc", no_argument, NULL, OPT_URC},
    {"urc-max", required_argument, NULL, OPT_URC_MAX},
    {"module", required_argument, NULL, OPT_MODULE},
    {"erase-size", required_argument, NULL, OPT_ERASE_SIZE},
    {"write-align", required_argument, NULL, OPT_WRITE_ALIGN},
    {"force", no_argument, NULL, 'f'},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static void urc_progress(void *ctx, unsigned percent)
{
    (void)ctx;
    printf("+QIND: \"FOTA\",\"UPDATING\",%u\n", percent);
    fflush(stdout);
}

/* Parse a power of two in [min, max]. */
static bool parse_pow2(const char *text, unsigned long min, unsigned long max,
                       unsigned long *value)
{
    return cli_parse_uint(text, min, max, value) && (*value & (*value - 1)) == 0;
}

struct apply_args {
    const char *old_path, *input, *output;
    size_t chunk_size;
    unsigned urc_max;
    enum dfota_module_family module;
    uint32_t erase_size, write_align;
    bool urc, force, quiet;
};

static int parse_args(int argc, char **argv, struct apply_args *a)
{
    unsigned long v;
    int c;

    memset(a, 0, sizeof(*a));
    a->urc_max = 10;
    a->module = DFOTA_MODULE_BC25;
    a->erase_size = 4096;
    a->write_align = 4;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":o:fqh", apply_options, NULL)) != -1) {
        switch (c) {
        case OPT_OLD:
            a->old_path = optarg;
            break;
        case 'o':
            a->output = optarg;
            break;
        case OPT_CHUNK_SIZE:
            if (!cli_parse_uint(optarg, 1, DFOTA_HOST_SIZE_MAX, &v))
                return cli_usage_error("apply", "--chunk-size '%s' is not a number in 1..%u",
                                       optarg, DFOTA_HOST_SIZE_MAX);
            a->chunk_size = v;
            break;
        case OPT_URC:
            a->urc = true;
            break;
        case OPT_URC_MAX:
            if (!cli_parse_uint(optarg, DFOTA_APPLY_PROGRESS_MIN, DFOTA_APPLY_PROGRESS_MAX, &v))
                return cli_usage_error("apply", "--urc-max '%s' is not a number in %u..%u",
                                       optarg, DFOTA_APPLY_PROGRESS_MIN,
                                       DFOTA_APPLY_PROGRESS_MAX);
            a->urc_max = (unsigned)v;
            break;
        case OPT_MODULE:
            if (strcmp(optarg, "bc25") == 0)
                a->module = DFOTA_MODULE_BC25;
            else if (strcmp(optarg, "ec200") == 0)
                a->module = DFOTA_MODULE_EC200;
            else
                return cli_usage_error("apply", "--module '%s' is not bc25 or ec200", optarg);
            break;
        case OPT_ERASE_SIZE:
            if (!parse_pow2(optarg, 256, DFOTA_PATCH_SEGMENT_SIZE_MAX, &v))
                return cli_usage_error("apply",
                                       "--erase-size '%s' is not a power of two in 256..%u",
                                       optarg, DFOTA_PATCH_SEGMENT_SIZE_MAX);
            a->erase_size = (uint32_t)v;
            break;
        case OPT_WRITE_ALIGN:
            if (!parse_pow2(optarg, 1, DFOTA_APPLY_WRITE_ALIGN_MAX, &v))
                return cli_usage_error("apply",
                                       "--write-align '%s' is not a power of two in 1..%u",
                                       optarg, DFOTA_APPLY_WRITE_ALIGN_MAX);
            a->write_align = (uint32_t)v;
            break;
        case 'f':
            a->force = true;
            break;
        case 'q':
            a->quiet = true;
            break;
        default:
            return cli_option_error("apply", c, argv[optind - 1]);
        }
    }
    if (argc - optind != 1)
        return cli_usage_error("apply", argc - optind < 1 ? "missing PKG_OR_PATCH"
                                                           : "unexpected argument '%s'",
                               argv[argc - 1]);
    a->input = argv[optind];
    if (a->output == NULL)
        return cli_usage_error("apply", "missing -o NEW");
    if (a->urc && strcmp(a->output, "-") == 0)
        return cli_usage_error("apply", "--urc prints on standard output; give -o NEW a file");
    if (a->write_align > a->erase_size)
        return cli_usage_error("apply", "--write-align is larger than --erase-size");
    return CLI_EXIT_OK;
}

/* The patch inside `data`: a raw patch, or the payload of a delta package. */
static enum dfota_status locate_patch(const uint8_t *data, size_t size, const uint8_t **patch,
                                      size_t *patch_size, struct dfota_package_header *pkg,
                                      bool *is_package, struct dfota_error *err)
{
    const uint8_t *payload;
    enum dfota_status st;

    *is_package = size >= DFOTA_CONTAINER_MAGIC_SIZE &&
                  memcmp(data, DFOTA_CONTAINER_MAGIC, DFOTA_CONTAINER_MAGIC_SIZE) == 0;
    if (!*is_package) {
        *patch = data;
        *patch_size = size;
        if (size >= DFOTA_PATCH_MAGIC_SIZE &&
            memcmp(data, DFOTA_PATCH_MAGIC, DFOTA_PATCH_MAGIC_SIZE) == 0)
            return DFOTA_OK;
        return dfota_error_set(err, DFOTA_E_BAD_MAGIC,
                               "neither a dfota package nor a dfota patch (bad magic)");
    }
    st = dfota_package_open(data, size, pkg, &payload, err);
    if (st != DFOTA_OK)
        return st;
    *patch = payload;
    *patch_size = pkg->payload.size;
    return DFOTA_OK;
}

int cmd_apply(int argc, char **argv)
{
    struct apply_args a;
    struct dfota_trial_options trial;
    struct dfota_package_header pkg;
    struct dfota_error err;
    const uint8_t *patch = NULL;
    uint8_t *input = NULL, *old = NULL, *image = NULL;
    size_t input_size = 0, old_size = 0, patch_size = 0, image_size = 0;
    const char *subject;
    bool is_package = false;
    enum dfota_status st;
    int rc;

    rc = parse_args(argc, argv, &a);
    if (rc != CLI_EXIT_OK)
        return rc == CLI_HELP_SHOWN ? CLI_EXIT_OK : rc;
    dfota_error_clear(&err);
    if (a.urc) {
        printf("+QIND: \"FOTA\",\"START\"\n");
        fflush(stdout);
    }
    subject = a.input;
    st = cli_read_file(a.input, DFOTA_HOST_SIZE_MAX + DFOTA_CONTAINER_HEADER_MAX, &input,
                       &input_size, &err);
    if (st == DFOTA_OK)
        st = locate_patch(input, input_size, &patch, &patch_size, &pkg, &is_package, &err);
    if (st == DFOTA_OK && is_package && pkg.package_type == DFOTA_PACKAGE_FULL) {
        st = dfota_package_unpack_full(&pkg, patch, &image, &image_size, &err);
    } else if (st == DFOTA_OK) {
        if (a.old_path == NULL) {
            free(input);
            return cli_usage_error("apply", "missing --old OLD (a delta needs the old image)");
        }
        st = cli_read_file(a.old_path, DFOTA_HOST_SIZE_MAX, &old, &old_size, &err);
        if (st != DFOTA_OK) {
            subject = a.old_path;
        } else {
            memset(&trial, 0, sizeof(trial));
            trial.erase_size = a.erase_size;
            trial.write_align = a.write_align;
            trial.chunk_size = a.chunk_size;
            trial.progress_steps = a.urc ? a.urc_max : 0;
            trial.progress = a.urc ? urc_progress : NULL;
            st = dfota_trial_apply(patch, patch_size, old, old_size, &trial, &image, &image_size,
                                   &err);
            if (st == DFOTA_E_SOURCE_MISMATCH)
                subject = a.old_path;
        }
    }
    free(input);
    free(old);
    if (a.urc) {
        printf("+QIND: \"FOTA\",\"END\",%u\n", dfota_status_module_code(st, a.module));
        fflush(stdout);
    }
    if (st != DFOTA_OK) {
        free(image);
        return cli_report("apply", subject, &err);
    }
    rc = cli_write_file("apply", a.output, image, image_size, a.force);
    if (rc == CLI_EXIT_OK && !a.quiet && !a.urc)
        fprintf(stderr, "%s: %zu bytes rebuilt, target size and SHA-256 verified\n",
                strcmp(a.output, "-") == 0 ? "<stdout>" : a.output, image_size);
    free(image);
    return rc;
}
