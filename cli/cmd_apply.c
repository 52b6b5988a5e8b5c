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
#include "dfota/flashsim.h"
#include "dfota/packer.h"
#include "dfota/patch.h"

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

struct apply_job {
    const uint8_t *old;
    size_t old_size;
    struct dfota_flashsim flash;
    bool urc;
};

static enum dfota_status read_source(void *ctx, uint32_t offset, uint8_t *dst, size_t len)
{
    struct apply_job *job = ctx;

    if ((uint64_t)offset + len > job->old_size)
        return DFOTA_E_IO;
    memcpy(dst, job->old + offset, len);
    return DFOTA_OK;
}

static enum dfota_status erase_target(void *ctx, uint32_t offset, uint32_t len)
{
    struct apply_job *job = ctx;

    return dfota_flashsim_erase(&job->flash, offset, len, NULL);
}

static enum dfota_status write_target(void *ctx, uint32_t offset, const uint8_t *src, size_t len)
{
    struct apply_job *job = ctx;

    return dfota_flashsim_write(&job->flash, offset, src, len, NULL);
}

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
        case 'h':
            cli_print_command_help(cli_find_command("apply"), stdout);
            return -1;
        case ':':
            return cli_usage_error("apply", "option '%s' needs a value", argv[optind - 1]);
        default:
            return cli_usage_error("apply", "unknown option '%s'", argv[optind - 1]);
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

/* Run the applier over `patch`; on success `*image` (malloc'd) holds the target. */
static enum dfota_status run_applier(const struct apply_args *a, struct apply_job *job,
                                     const uint8_t *patch, size_t patch_size, uint8_t **image,
                                     size_t *image_size, struct dfota_error *err)
{
    struct dfota_patch_header hdr;
    struct dfota_apply_config config;
    struct dfota_apply_io io;
    struct dfota_apply *applier;
    void *workspace = NULL;
    size_t ws_size, pos, n, flash_size;
    enum dfota_status st;

    st = dfota_patch_header_decode(patch, patch_size, &hdr, err);
    if (st != DFOTA_OK)
        return st;
    flash_size = ((size_t)hdr.target_size + a->erase_size - 1) / a->erase_size * a->erase_size;
    if (flash_size == 0)
        flash_size = a->erase_size;
    st = dfota_flashsim_create(&job->flash, (uint32_t)flash_size, a->erase_size, a->write_align,
                               err);
    if (st != DFOTA_OK)
        return st;
    ws_size = dfota_apply_workspace_size(hdr.window_log, hdr.map_count);
    workspace = malloc(ws_size);
    if (workspace == NULL) {
        st = dfota_error_set(err, DFOTA_E_NO_MEMORY, "cannot allocate %zu bytes", ws_size);
        goto out;
    }
    memset(&config, 0, sizeof(config));
    config.erase_size = a->erase_size;
    config.write_align = a->write_align;
    config.source_size = (uint32_t)job->old_size;
    config.target_capacity = (uint32_t)flash_size;
    config.progress_steps = a->urc ? a->urc_max : 0;
    memset(&io, 0, sizeof(io));
    io.ctx = job;
    io.read_source = read_source;
    io.erase_target = erase_target;
    io.write_target = write_target;
    io.progress = a->urc ? urc_progress : NULL;
    st = dfota_apply_init(&applier, workspace, ws_size, &config, &io, err);
    if (st != DFOTA_OK)
        goto out;
    for (pos = 0; pos < patch_size && st == DFOTA_OK; pos += n) {
        n = a->chunk_size && a->chunk_size < patch_size - pos ? a->chunk_size : patch_size - pos;
        st = dfota_apply_push(applier, patch + pos, n);
    }
    if (st == DFOTA_OK)
        st = dfota_apply_finish(applier);
    if (st != DFOTA_OK) {
        *err = *dfota_apply_error(applier);
        goto out;
    }
    *image = malloc(hdr.target_size ? hdr.target_size : 1);
    if (*image == NULL) {
        st = dfota_error_set(err, DFOTA_E_NO_MEMORY, "cannot allocate the target image");
        goto out;
    }
    memcpy(*image, job->flash.mem, hdr.target_size);
    *image_size = hdr.target_size;
out:
    free(workspace);
    dfota_flashsim_free(&job->flash);
    return st;
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
    struct apply_job job;
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
        return rc < 0 ? CLI_EXIT_OK : rc;
    memset(&job, 0, sizeof(job));
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
            job.old = old;
            job.old_size = old_size;
            job.urc = a.urc;
            st = run_applier(&a, &job, patch, patch_size, &image, &image_size, &err);
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
