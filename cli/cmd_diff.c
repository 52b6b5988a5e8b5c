/*
 * cmd_diff.c - `dfota diff`: raw patch from two images.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "dfota/report.h"
#include "dfota/diffgen.h"
#include "dfota/packer.h"
#include "dfota/patch.h"
#include "verify_output.h"

const struct option cli_diff_options[] = {
    {"predict", required_argument, NULL, CLI_OPT_PREDICT},
    {"window-log", required_argument, NULL, CLI_OPT_WINDOW_LOG},
    {"segment-size", required_argument, NULL, CLI_OPT_SEGMENT_SIZE},
    {"level", required_argument, NULL, CLI_OPT_LEVEL},
    {"in-place", no_argument, NULL, CLI_OPT_IN_PLACE},
    {"codec", required_argument, NULL, CLI_OPT_CODEC},
    {NULL, 0, NULL, 0},
};

/* The value each patch option was first given as, to refuse a second one: the
 * options of one command line, as one command runs per process. */
static const char *patch_option_given[CLI_OPT_CODEC - CLI_OPT_PREDICT + 1];

/* A patch option with a value given a second time: a usage error (cli_set_once()). */
static int patch_option_once(const char *command, int opt, const char *arg)
{
    const struct option *o;
    char name[32];

    for (o = cli_diff_options; o->name != NULL; o++)
        if (o->val == opt && o->has_arg == required_argument) {
            snprintf(name, sizeof(name), "--%s", o->name);
            return cli_set_once(command, name, &patch_option_given[opt - CLI_OPT_PREDICT], arg);
        }
    return CLI_EXIT_OK;
}

int cli_parse_diff_option(const char *command, int opt, const char *arg,
                          struct dfota_diff_options *opts)
{
    unsigned long value;
    int rc = patch_option_once(command, opt, arg);

    if (rc != CLI_EXIT_OK)
        return rc;
    switch (opt) {
    case CLI_OPT_PREDICT:
        if (strcmp(arg, "auto") == 0)
            opts->predict = DFOTA_DIFF_PREDICT_AUTO;
        else if (strcmp(arg, "none") == 0)
            opts->predict = 0;
        else if (strcmp(arg, "branch") == 0)
            opts->predict = DFOTA_PREDICT_BRANCH;
        else if (strcmp(arg, "pointer") == 0)
            opts->predict = DFOTA_PREDICT_POINTER;
        else if (strcmp(arg, "all") == 0)
            opts->predict = DFOTA_PREDICT_ALL;
        else
            return cli_usage_error(command,
                                   "--predict '%s' is not auto, none, branch, pointer or all",
                                   arg);
        return CLI_EXIT_OK;
    case CLI_OPT_WINDOW_LOG:
        /* 8..12 for the range codec, 10..13 for zstd: dfota_diff() checks
         * the value against the codec. */
        if (!cli_parse_uint(arg, DFOTA_PATCH_HISTORY_LOG_MIN, DFOTA_PATCH_WINDOW_LOG_MAX, &value))
            return cli_usage_error(command, "--window-log '%s' is not a number in %u..%u", arg,
                                   DFOTA_PATCH_HISTORY_LOG_MIN, DFOTA_PATCH_WINDOW_LOG_MAX);
        opts->window_log = (unsigned)value;
        return CLI_EXIT_OK;
    case CLI_OPT_CODEC:
        if (strcmp(arg, "range") == 0)
            opts->codec = DFOTA_CODEC_RANGE_ID;
        else if (strcmp(arg, "zstd") == 0)
            opts->codec = DFOTA_CODEC_ZSTD_ID;
        else
            return cli_usage_error(command, "--codec '%s' is not range or zstd", arg);
        return CLI_EXIT_OK;
    case CLI_OPT_SEGMENT_SIZE:
        if (!cli_parse_pow2(arg, DFOTA_PATCH_SEGMENT_SIZE_MIN, DFOTA_PATCH_SEGMENT_SIZE_MAX,
                            &value))
            return cli_usage_error(command,
                                   "--segment-size '%s' is not a power of two in %u..%u", arg,
                                   DFOTA_PATCH_SEGMENT_SIZE_MIN, DFOTA_PATCH_SEGMENT_SIZE_MAX);
        opts->segment_size = (uint32_t)value;
        return CLI_EXIT_OK;
    case CLI_OPT_LEVEL:
        if (!cli_parse_uint(arg, 1, 22, &value))
            return cli_usage_error(command, "--level '%s' is not a number in 1..22", arg);
        opts->level = (int)value;
        opts->search_log = 0; /* an explicit level means zstd's own parameters */
        return CLI_EXIT_OK;
    case CLI_OPT_IN_PLACE:
        opts->in_place = 1;
        return CLI_EXIT_OK;
    default:
        return -1;
    }
}

static void diff_progress(void *ctx, uint64_t done, uint64_t total)
{
    cli_progress(ctx, done, total);
}

int cli_make_patch(const char *command, const uint8_t *old, size_t old_size, const uint8_t *new_,
                   size_t new_size, struct dfota_diff_options *opts, bool quiet, uint8_t **patch,
                   size_t *patch_size)
{
    struct cli_progress_bar bar;
    struct dfota_error err;
    enum dfota_status st;

    cli_progress_init(&bar, "diff", !quiet && new_size >= CLI_PROGRESS_MIN_BYTES);
    opts->progress = diff_progress;
    opts->progress_ctx = &bar;
    st = dfota_diff(old, old_size, new_, new_size, opts, patch, patch_size, &err);
    cli_progress_done(&bar);
    if (st != DFOTA_OK)
        return cli_report(command, NULL, &err);
    return CLI_EXIT_OK;
}

/* diff --json: the images read, the patch header, the patch written. */
static int print_json(const char *old_path, size_t old_size, const uint8_t old_sha[32],
                      const char *new_path, size_t new_size, const uint8_t new_sha[32],
                      const char *output, const uint8_t *patch, size_t patch_size)
{
    struct dfota_patch_header hdr;
    struct dfota_error err;
    struct dfota_json j;

    if (dfota_patch_header_decode(patch, patch_size, &hdr, &err) != DFOTA_OK)
        return cli_report("diff", output, &err);
    cli_json_begin_ok(&j, "diff");
    dfota_json_array(&j, "inputs", false);
    dfota_report_output(&j, old_path, old_size, old_sha);
    dfota_report_output(&j, new_path, new_size, new_sha);
    dfota_json_end(&j);
    dfota_report_patch(&j, &hdr);
    dfota_json_array(&j, "outputs", false);
    cli_json_file_item(&j, output, patch, patch_size);
    dfota_json_end(&j);
    dfota_json_end(&j);
    return cli_json_done("diff", &j, CLI_EXIT_OK);
}

int cmd_diff(int argc, char **argv)
{
    static const struct option base_options[] = {
        {"output", required_argument, NULL, 'o'}, {"force", no_argument, NULL, 'f'},
        {"quiet", no_argument, NULL, 'q'},        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},         {"json", no_argument, NULL, CLI_OPT_JSON},
    };
    struct option options[16];
    struct dfota_diff_options opts;
    struct dfota_patch_header hdr;
    struct dfota_error err;
    struct cli_file files[3];
    const char *output = NULL, *old_path, *new_path;
    struct cli_image old, new_;
    uint8_t *patch = NULL;
    size_t old_size = 0, new_size = 0, patch_size = 0;
    uint8_t old_sha[32], new_sha[32];
    bool force = false, quiet = false, verbose = false, json = false;
    int c, rc;

    cli_merge_options(options, base_options, 6, cli_diff_options);
    dfota_diff_options_init(&opts);
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":o:fqvh", options, NULL)) != -1) {
        switch (c) {
        case 'o':
            rc = cli_set_once("diff", "-o", &output, optarg);
            if (rc != CLI_EXIT_OK)
                return rc;
            break;
        case 'f':
            force = true;
            break;
        case 'q':
            quiet = true;
            break;
        case 'v':
            verbose = true;
            break;
        case CLI_OPT_JSON:
            json = true;
            break;
        case 'h':
        case ':':
        case '?':
            rc = cli_option_error("diff", c, argv[optind - 1]);
            return rc == CLI_HELP_SHOWN ? CLI_EXIT_OK : rc;
        default:
            rc = cli_parse_diff_option("diff", c, optarg, &opts);
            if (rc != CLI_EXIT_OK)
                return rc;
        }
    }
    if (argc - optind != 2)
        return cli_usage_error("diff", argc - optind < 2 ? "missing OLD and NEW images"
                                                          : "unexpected argument '%s'",
                               argv[argc - 1]);
    if (output == NULL)
        return cli_usage_error("diff", "missing -o PATCH");
    if (json && strcmp(output, "-") == 0)
        return cli_usage_error("diff", "--json prints on standard output; give -o PATCH a file");
    /* The report is the output: no summary, no progress bar. */
    if (json)
        quiet = true;
    old_path = argv[optind];
    new_path = argv[optind + 1];
    files[0] = (struct cli_file){"-o", output};
    files[1] = (struct cli_file){"OLD", old_path};
    files[2] = (struct cli_file){"NEW", new_path};
    rc = cli_check_standard_streams("diff", &files[0], 1, &files[1], 2);
    if (rc == CLI_EXIT_OK)
        rc = cli_check_outputs("diff", &files[0], 1, &files[1], 2);
    if (rc != CLI_EXIT_OK)
        return rc;
    /* Mapped, not read: no copy, and the new image's pages come in only
     * once the suffix array of the old one is built (dfota_diff()). */
    if (cli_map_file(old_path, DFOTA_HOST_SIZE_MAX, &old, &err) != DFOTA_OK)
        return cli_report("diff", old_path, &err);
    if (cli_map_file(new_path, DFOTA_HOST_SIZE_MAX, &new_, &err) != DFOTA_OK) {
        cli_unmap_file(&old);
        return cli_report("diff", new_path, &err);
    }
    old_size = old.size;
    new_size = new_.size;
    if (json) {
        cli_sha256(old.data, old_size, old_sha);
        cli_sha256(new_.data, new_size, new_sha);
    }
    rc = cli_make_patch("diff", old.data, old_size, new_.data, new_size, &opts, quiet, &patch,
                        &patch_size);
    cli_unmap_file(&old);
    cli_unmap_file(&new_);
    if (rc != CLI_EXIT_OK)
        return rc;
    rc = cli_write_file("diff", output, patch, patch_size, force);
    if (rc == CLI_EXIT_OK && json)
        rc = print_json(old_path, old_size, old_sha, new_path, new_size, new_sha, output, patch,
                        patch_size);
    if (rc == CLI_EXIT_OK && !quiet &&
        dfota_patch_header_decode(patch, patch_size, &hdr, &err) == DFOTA_OK) {
        fprintf(stderr, "%s: patch %zu -> %zu bytes, %zu bytes (%.2f%% of the new image)\n",
                strcmp(output, "-") == 0 ? "<stdout>" : output, old_size, new_size, patch_size,
                new_size ? 100.0 * (double)patch_size / (double)new_size : 0.0);
        if (verbose) {
            fprintf(stderr,
                    "  prediction%s%s%s (%lu map entries, %lu regions), codec %s, "
                    "log %u, %lu segments of %lu bytes, device workspace %lu bytes\n",
                    hdr.predict == 0 ? " none" : "",
                    hdr.predict & DFOTA_PREDICT_BRANCH ? " branch" : "",
                    hdr.predict & DFOTA_PREDICT_POINTER ? " pointer" : "",
                    (unsigned long)hdr.map_count, (unsigned long)hdr.region_count,
                    dfota_report_codec_name(hdr.codec), (unsigned)hdr.window_log,
                    (unsigned long)hdr.segment_count, (unsigned long)hdr.segment_size,
                    (unsigned long)hdr.workspace_size);
            if (hdr.flags & DFOTA_PATCH_FLAG_IN_PLACE)
                fprintf(stderr, "  layout in-place, pivot %lu\n",
                        (unsigned long)hdr.pivot);
            else
                fprintf(stderr, "  layout two-bank\n");
            cli_print_sha256(stderr, "patch sha256", patch, patch_size);
        }
    }
    free(patch);
    return rc;
}
