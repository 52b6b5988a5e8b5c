/*
 * cmd_pack.c - `dfota pack`: build a package container.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "dfota/diffgen.h"
#include "dfota/packer.h"
#include "dfota/patch.h"
#include "dfota/wire.h"
#include "verify_output.h"

/* Values above the patch options of cli_diff_options (256..). */
enum { OPT_FULL = 512, OPT_TO_VERSION, OPT_FROM_VERSION, OPT_OLD, OPT_NEW };

static const struct option pack_base_options[] = {
    {"full", required_argument, NULL, OPT_FULL},
    {"old", required_argument, NULL, OPT_OLD},
    {"new", required_argument, NULL, OPT_NEW},
    {"from-version", required_argument, NULL, OPT_FROM_VERSION},
    {"to-version", required_argument, NULL, OPT_TO_VERSION},
    {"output", required_argument, NULL, 'o'},
    {"force", no_argument, NULL, 'f'},
    {"quiet", no_argument, NULL, 'q'},
    {"verbose", no_argument, NULL, 'v'},
    {"json", no_argument, NULL, CLI_OPT_JSON},
    {"help", no_argument, NULL, 'h'},
};

struct pack_args {
    const char *full, *old, *new_, *from, *to, *output;
    const char *level_text, *window_text; /* as given, to refuse a second one */
    struct dfota_diff_options diff;
    bool level_set, window_set, force, quiet, verbose, json;
    unsigned long level, window_log;
};

/* The images read and the versions of the package, given or read from the images. */
struct pack_inputs {
    uint8_t *old, *new_; /* new_: the image of --new or --full */
    size_t old_size, new_size;
    char from[DFOTA_VERSION_MAX + 1], to[DFOTA_VERSION_MAX + 1];
    char from_source[64], to_source[64]; /* "--from-version", "old image, offset N" */
};

static void print_summary(const char *output, const struct pack_inputs *in,
                          const struct dfota_package_header *hdr, const uint8_t *package,
                          size_t package_size, bool verbose)
{
    char md5[2 * DFOTA_MD5_SIZE + 1], sha[2 * DFOTA_SHA256_SIZE + 1];
    double ratio = hdr->target.size ? 100.0 * (double)package_size / hdr->target.size : 0.0;

    if (hdr->package_type == DFOTA_PACKAGE_DELTA)
        fprintf(stderr,
                "%s: delta package %s -> %s, %lu -> %zu bytes (%.2f%% of the new image), device "
                "workspace %lu bytes\n",
                strcmp(output, "-") == 0 ? "<stdout>" : output, hdr->source_version,
                hdr->target_version, (unsigned long)hdr->target.size, package_size, ratio,
                (unsigned long)hdr->workspace_size);
    else
        fprintf(stderr,
                "%s: full package for %s, %lu -> %zu bytes (%.1f%%), device workspace %lu "
                "bytes\n",
                strcmp(output, "-") == 0 ? "<stdout>" : output, hdr->target_version,
                (unsigned long)hdr->target.size, package_size, ratio,
                (unsigned long)hdr->workspace_size);
    if (!verbose)
        return;
    if (hdr->package_type == DFOTA_PACKAGE_DELTA)
        fprintf(stderr, "  source version %s (%s)\n", hdr->source_version, in->from_source);
    fprintf(stderr, "  target version %s (%s)\n", hdr->target_version, in->to_source);
    dfota_hex(hdr->target.md5, DFOTA_MD5_SIZE, md5);
    dfota_hex(hdr->target.sha256, DFOTA_SHA256_SIZE, sha);
    fprintf(stderr, "  target md5     %s\n  target sha256  %s\n", md5, sha);
    dfota_hex(hdr->payload.md5, DFOTA_MD5_SIZE, md5);
    dfota_hex(hdr->payload.sha256, DFOTA_SHA256_SIZE, sha);
    fprintf(stderr, "  payload md5    %s\n  payload sha256 %s\n", md5, sha);
    fprintf(stderr, "  header         %lu bytes, created %llu\n", (unsigned long)hdr->header_size,
            (unsigned long long)hdr->created);
    cli_print_sha256(stderr, "package sha256", package, package_size);
}

static int parse_args(int argc, char **argv, struct pack_args *a)
{
    struct option options[24];
    int c, rc;

    memset(a, 0, sizeof(*a));
    dfota_diff_options_init(&a->diff);
    cli_merge_options(options, pack_base_options,
                      sizeof(pack_base_options) / sizeof(pack_base_options[0]),
                      cli_diff_options);
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":o:fqvh", options, NULL)) != -1) {
        rc = CLI_EXIT_OK;
        switch (c) {
        case OPT_FULL:
            rc = cli_set_once("pack", "--full", &a->full, optarg);
            break;
        case OPT_OLD:
            rc = cli_set_once("pack", "--old", &a->old, optarg);
            break;
        case OPT_NEW:
            rc = cli_set_once("pack", "--new", &a->new_, optarg);
            break;
        case OPT_FROM_VERSION:
            rc = cli_set_once("pack", "--from-version", &a->from, optarg);
            break;
        case OPT_TO_VERSION:
            rc = cli_set_once("pack", "--to-version", &a->to, optarg);
            break;
        case 'o':
            rc = cli_set_once("pack", "-o", &a->output, optarg);
            break;
        case 'f':
            a->force = true;
            break;
        case 'q':
            a->quiet = true;
            break;
        case 'v':
            a->verbose = true;
            break;
        case CLI_OPT_JSON:
            a->json = true;
            break;
        case 'h':
        case ':':
        case '?':
            return cli_option_error("pack", c, argv[optind - 1]);
        case CLI_OPT_LEVEL:
            rc = cli_set_once("pack", "--level", &a->level_text, optarg);
            if (rc != CLI_EXIT_OK)
                return rc;
            if (!cli_parse_uint(optarg, 1, 22, &a->level))
                return cli_usage_error("pack", "--level '%s' is not a number in 1..22", optarg);
            a->level_set = true;
            a->diff.level = (int)a->level;
            a->diff.search_log = 0;
            break;
        case CLI_OPT_WINDOW_LOG:
            rc = cli_set_once("pack", "--window-log", &a->window_text, optarg);
            if (rc != CLI_EXIT_OK)
                return rc;
            /* Up to 27 for a full image; a delta allows less (checked below). */
            if (!cli_parse_uint(optarg, DFOTA_PATCH_HISTORY_LOG_MIN, DFOTA_FULL_WINDOW_LOG_MAX,
                                &a->window_log))
                return cli_usage_error("pack", "--window-log '%s' is not a number in %u..%u",
                                       optarg, DFOTA_PATCH_HISTORY_LOG_MIN,
                                       DFOTA_FULL_WINDOW_LOG_MAX);
            a->window_set = true;
            break;
        default:
            rc = cli_parse_diff_option("pack", c, optarg, &a->diff);
        }
        if (rc != CLI_EXIT_OK)
            return rc;
    }
    if (a->full != NULL && a->window_set && a->window_log < DFOTA_FULL_WINDOW_LOG_MIN)
        return cli_usage_error("pack", "--window-log %lu: a full image allows %u..%u",
                               a->window_log, DFOTA_FULL_WINDOW_LOG_MIN,
                               DFOTA_FULL_WINDOW_LOG_MAX);
    if (a->full == NULL && a->window_set) {
        if (a->window_log > DFOTA_PATCH_WINDOW_LOG_MAX)
            return cli_usage_error("pack", "--window-log %lu: a delta allows %u..%u",
                                   a->window_log, DFOTA_PATCH_HISTORY_LOG_MIN,
                                   DFOTA_PATCH_WINDOW_LOG_MAX);
        a->diff.window_log = (unsigned)a->window_log;
    }
    if (optind < argc)
        return cli_usage_error("pack", "unexpected argument '%s'", argv[optind]);
    if (a->json && a->output != NULL && strcmp(a->output, "-") == 0)
        return cli_usage_error("pack", "--json prints on standard output; give -o OUT a file");
    /* The report is the output: no summary, no progress bar. */
    if (a->json)
        a->quiet = true;
    if (a->full != NULL && (a->old != NULL || a->new_ != NULL || a->from != NULL))
        return cli_usage_error("pack", "--full cannot be combined with --old, --new or "
                                       "--from-version");
    if (a->full != NULL && a->diff.in_place)
        return cli_usage_error("pack", "--in-place is for a delta package (--old, --new); a "
                                       "full image is always written whole");
    if (a->full == NULL && a->old == NULL && a->new_ == NULL)
        return cli_usage_error("pack", "missing --full NEW, or --old OLD --new NEW");
    if (a->full == NULL && (a->old == NULL || a->new_ == NULL))
        return cli_usage_error("pack", "a delta package needs both --old OLD and --new NEW");
    if (a->output == NULL)
        return cli_usage_error("pack", "missing -o OUT.bin");
    return CLI_EXIT_OK;
}

/* The image(s), and the versions: as given, else each read from its image. */
static int read_inputs(const struct pack_args *a, struct pack_inputs *in)
{
    const char *new_path = a->full != NULL ? a->full : a->new_;
    struct dfota_error err;
    size_t offset;
    int rc;

    if (a->full == NULL &&
        cli_read_file(a->old, DFOTA_HOST_SIZE_MAX, &in->old, &in->old_size, &err) != DFOTA_OK)
        return cli_report("pack", a->old, &err);
    if (cli_read_file(new_path, DFOTA_HOST_SIZE_MAX, &in->new_, &in->new_size, &err) !=
        DFOTA_OK)
        return cli_report("pack", new_path, &err);
    if (a->full == NULL && a->from != NULL) {
        snprintf(in->from, sizeof(in->from), "%s", a->from);
        snprintf(in->from_source, sizeof(in->from_source), "--from-version");
    } else if (a->full == NULL) {
        rc = cli_image_version("pack", a->old, "--from-version", in->old, in->old_size, in->from,
                               &offset);
        if (rc != CLI_EXIT_OK)
            return rc;
        snprintf(in->from_source, sizeof(in->from_source), "old image, offset %zu", offset);
    }
    if (a->to != NULL) {
        snprintf(in->to, sizeof(in->to), "%s", a->to);
        snprintf(in->to_source, sizeof(in->to_source), "--to-version");
    } else {
        rc = cli_image_version("pack", new_path, "--to-version", in->new_, in->new_size, in->to,
                               &offset);
        if (rc != CLI_EXIT_OK)
            return rc;
        snprintf(in->to_source, sizeof(in->to_source), "%s image, offset %zu",
                 a->full != NULL ? "full" : "new", offset);
    }
    return CLI_EXIT_OK;
}

static int pack_full(const struct pack_args *a, const struct pack_inputs *in, uint64_t created,
                     uint8_t **package, size_t *package_size)
{
    struct dfota_full_options opts;
    struct dfota_error err;

    dfota_full_options_init(&opts);
    opts.target_version = in->to;
    opts.created = created;
    if (a->level_set)
        opts.level = (int)a->level;
    if (a->window_set)
        opts.window_log = (unsigned)a->window_log;
    if (dfota_pack_full(in->new_, in->new_size, &opts, package, package_size, &err) != DFOTA_OK)
        return cli_report("pack", a->full, &err);
    return CLI_EXIT_OK;
}

static int pack_delta(struct pack_args *a, const struct pack_inputs *in, uint64_t created,
                      uint8_t **package, size_t *package_size)
{
    struct dfota_delta_options opts;
    struct dfota_error err;
    uint8_t *patch = NULL;
    size_t patch_size = 0;
    int rc;

    opts.source_version = in->from;
    opts.target_version = in->to;
    opts.created = created;
    rc = cli_make_patch("pack", in->old, in->old_size, in->new_, in->new_size, &a->diff, a->quiet,
                        &patch, &patch_size);
    if (rc == CLI_EXIT_OK &&
        dfota_pack_delta(in->old, in->old_size, in->new_, in->new_size, patch, patch_size, &opts,
                         package, package_size, &err) != DFOTA_OK)
        rc = cli_report("pack", NULL, &err);
    free(patch);
    return rc;
}

/* pack --json: the images read (as the header states them), the package's
 * header and patch, the package written. */
static int print_json(const struct pack_args *a, const struct dfota_package_header *hdr,
                      const uint8_t *payload, const uint8_t *package, size_t package_size)
{
    struct dfota_patch_header patch;
    struct dfota_error err;
    struct dfota_json j;
    bool delta = hdr->package_type == DFOTA_PACKAGE_DELTA;

    if (delta && dfota_patch_header_decode(payload, hdr->payload.size, &patch, &err) != DFOTA_OK)
        return cli_report("pack", a->output, &err);
    cli_json_begin_ok(&j, "pack");
    dfota_json_array(&j, "inputs", false);
    if (delta)
        dfota_report_output(&j, a->old, hdr->source.size, hdr->source.sha256);
    dfota_report_output(&j, delta ? a->new_ : a->full, hdr->target.size, hdr->target.sha256);
    dfota_json_end(&j);
    dfota_report_package(&j, hdr);
    if (delta)
        dfota_report_patch(&j, &patch);
    else
        dfota_json_null(&j, "patch");
    dfota_json_array(&j, "outputs", false);
    cli_json_file_item(&j, a->output, package, package_size);
    dfota_json_end(&j);
    dfota_json_end(&j);
    return cli_json_done("pack", &j, CLI_EXIT_OK);
}

int cmd_pack(int argc, char **argv)
{
    struct pack_args a;
    struct pack_inputs in;
    struct dfota_package_header hdr;
    struct dfota_error err;
    struct cli_file files[4];
    const uint8_t *payload;
    uint8_t *package = NULL;
    size_t package_size = 0;
    uint64_t created;
    int rc;

    rc = parse_args(argc, argv, &a);
    if (rc != CLI_EXIT_OK)
        return rc == CLI_HELP_SHOWN ? CLI_EXIT_OK : rc;
    if (a.to != NULL && dfota_version_check(a.to, "target version", &err) != DFOTA_OK)
        return cli_usage_error("pack", "--to-version: %s", err.message);
    if (a.from != NULL && dfota_version_check(a.from, "source version", &err) != DFOTA_OK)
        return cli_usage_error("pack", "--from-version: %s", err.message);
    if (!cli_source_date_epoch("pack", &created))
        return CLI_EXIT_USAGE;
    files[0] = (struct cli_file){"-o", a.output};
    files[1] = (struct cli_file){"--full", a.full};
    files[2] = (struct cli_file){"--old", a.old};
    files[3] = (struct cli_file){"--new", a.new_};
    rc = cli_check_standard_streams("pack", &files[0], 1, &files[1], 3);
    if (rc == CLI_EXIT_OK)
        rc = cli_check_outputs("pack", &files[0], 1, &files[1], 3);
    if (rc != CLI_EXIT_OK)
        return rc;
    memset(&in, 0, sizeof(in));
    rc = read_inputs(&a, &in);
    if (rc == CLI_EXIT_OK)
        rc = a.full != NULL ? pack_full(&a, &in, created, &package, &package_size)
                            : pack_delta(&a, &in, created, &package, &package_size);
    free(in.old);
    free(in.new_);
    if (rc != CLI_EXIT_OK)
        return rc;
    /* Read back what we are about to write: never ship a package our own reader refuses. */
    if (dfota_package_open(package, package_size, &hdr, &payload, &err) != DFOTA_OK) {
        free(package);
        return cli_report("pack", a.output, &err);
    }
    rc = cli_write_file("pack", a.output, package, package_size, a.force);
    if (rc == CLI_EXIT_OK && a.json)
        rc = print_json(&a, &hdr, payload, package, package_size);
    else if (rc == CLI_EXIT_OK && !a.quiet)
        print_summary(a.output, &in, &hdr, package, package_size, a.verbose);
    free(package);
    return rc;
}
