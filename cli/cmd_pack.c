/*
 * cmd_pack.c - `dfota pack`: build a package container.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "dfota/packer.h"
#include "dfota/wire.h"

enum { OPT_FULL = 256, OPT_TO_VERSION, OPT_LEVEL, OPT_WINDOW_LOG };

static const struct option pack_options[] = {
    {"full", required_argument, NULL, OPT_FULL},
    {"to-version", required_argument, NULL, OPT_TO_VERSION},
    {"output", required_argument, NULL, 'o'},
    {"level", required_argument, NULL, OPT_LEVEL},
    {"window-log", required_argument, NULL, OPT_WINDOW_LOG},
    {"force", no_argument, NULL, 'f'},
    {"quiet", no_argument, NULL, 'q'},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static void print_summary(const char *output, const struct dfota_package_header *hdr,
                          size_t package_size, bool verbose)
{
    char md5[2 * DFOTA_MD5_SIZE + 1], sha[2 * DFOTA_SHA256_SIZE + 1];
    double ratio = hdr->target.size ? 100.0 * (double)package_size / hdr->target.size : 0.0;

    fprintf(stderr, "%s: %s package for %s, %lu -> %zu bytes (%.1f%%), device workspace %lu bytes\n",
            strcmp(output, "-") == 0 ? "<stdout>" : output,
            dfota_package_type_name(hdr->package_type), hdr->target_version,
            (unsigned long)hdr->target.size, package_size, ratio,
            (unsigned long)hdr->workspace_size);
    if (!verbose)
        return;
    dfota_hex(hdr->target.md5, DFOTA_MD5_SIZE, md5);
    dfota_hex(hdr->target.sha256, DFOTA_SHA256_SIZE, sha);
    fprintf(stderr, "  target md5     %s\n  target sha256  %s\n", md5, sha);
    dfota_hex(hdr->payload.md5, DFOTA_MD5_SIZE, md5);
    dfota_hex(hdr->payload.sha256, DFOTA_SHA256_SIZE, sha);
    fprintf(stderr, "  payload md5    %s\n  payload sha256 %s\n", md5, sha);
    fprintf(stderr, "  header         %lu bytes, created %llu\n", (unsigned long)hdr->header_size,
            (unsigned long long)hdr->created);
}

int cmd_pack(int argc, char **argv)
{
    struct dfota_full_options opts;
    struct dfota_package_header hdr;
    struct dfota_error err;
    const char *full = NULL, *output = NULL;
    const uint8_t *payload;
    uint8_t *image = NULL, *package = NULL;
    size_t image_size = 0, package_size = 0;
    bool force = false, quiet = false, verbose = false;
    unsigned long value;
    int c, rc;

    dfota_full_options_init(&opts);
    dfota_error_clear(&err);
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":o:fqvh", pack_options, NULL)) != -1) {
        switch (c) {
        case OPT_FULL:
            full = optarg;
            break;
        case OPT_TO_VERSION:
            opts.target_version = optarg;
            break;
        case 'o':
            output = optarg;
            break;
        case OPT_LEVEL:
            if (!cli_parse_uint(optarg, 1, 22, &value))
                return cli_usage_error("pack", "--level '%s' is not a number in 1..22", optarg);
            opts.level = (int)value;
            break;
        case OPT_WINDOW_LOG:
            if (!cli_parse_uint(optarg, DFOTA_FULL_WINDOW_LOG_MIN, DFOTA_FULL_WINDOW_LOG_MAX,
                                &value))
                return cli_usage_error("pack", "--window-log '%s' is not a number in %u..%u",
                                       optarg, DFOTA_FULL_WINDOW_LOG_MIN,
                                       DFOTA_FULL_WINDOW_LOG_MAX);
            opts.window_log = (unsigned)value;
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
        case 'h':
            cli_print_command_help(cli_find_command("pack"), stdout);
            return CLI_EXIT_OK;
        case ':':
            return cli_usage_error("pack", "option '%s' needs a value", argv[optind - 1]);
        default:
            return cli_usage_error("pack", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error("pack", "unexpected argument '%s'", argv[optind]);
    if (full == NULL)
        return cli_usage_error("pack", "missing --full NEW (the image to package)");
    if (opts.target_version == NULL)
        return cli_usage_error("pack", "missing --to-version V (e.g. BC25R01A04)");
    if (output == NULL)
        return cli_usage_error("pack", "missing -o OUT.bin");
    if (dfota_version_check(opts.target_version, "target version", &err) != DFOTA_OK)
        return cli_usage_error("pack", "--to-version: %s", err.message);
    if (!cli_source_date_epoch("pack", &opts.created))
        return CLI_EXIT_USAGE;

    if (cli_read_file(full, DFOTA_HOST_SIZE_MAX, &image, &image_size, &err) != DFOTA_OK)
        return cli_report("pack", full, &err);
    if (dfota_pack_full(image, image_size, &opts, &package, &package_size, &err) != DFOTA_OK) {
        free(image);
        return cli_report("pack", full, &err);
    }
    free(image);
    /* Read back what we are about to write: never ship a package our own reader refuses. */
    if (dfota_package_open(package, package_size, &hdr, &payload, &err) != DFOTA_OK) {
        free(package);
        return cli_report("pack", output, &err);
    }
    rc = cli_write_file("pack", output, package, package_size, force);
    if (rc == CLI_EXIT_OK && !quiet)
        print_summary(output, &hdr, package_size, verbose);
    free(package);
    return rc;
}
