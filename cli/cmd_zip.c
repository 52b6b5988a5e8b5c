/*
 * cmd_zip.c - `dfota zip`: X.bin into X.zip, the same bytes every time.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cli.h"
#include "dfota/zip.h"
#include "verify_output.h"

static const struct option zip_options[] = {
    {"output", required_argument, NULL, 'o'},
    {"force", no_argument, NULL, 'f'},
    {"quiet", no_argument, NULL, 'q'},
    {"verbose", no_argument, NULL, 'v'},
    {"json", no_argument, NULL, CLI_OPT_JSON},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

struct zip_args {
    const char *input, *output;
    bool force, quiet, verbose, json;
};

static int parse_args(int argc, char **argv, struct zip_args *a)
{
    int c, rc;

    memset(a, 0, sizeof(*a));
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":o:fqvh", zip_options, NULL)) != -1) {
        switch (c) {
        case 'o':
            rc = cli_set_once("zip", "-o", &a->output, optarg);
            if (rc != CLI_EXIT_OK)
                return rc;
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
        default:
            return cli_option_error("zip", c, argv[optind - 1]);
        }
    }
    if (optind == argc)
        return cli_usage_error("zip", "missing X.bin");
    a->input = argv[optind++];
    if (optind < argc)
        return cli_usage_error("zip", "unexpected argument '%s'", argv[optind]);
    if (strcmp(a->input, "-") == 0)
        return cli_usage_error("zip", "the entry is named after X.bin; give a file, not '-'");
    if (a->json && a->output != NULL && strcmp(a->output, "-") == 0)
        return cli_usage_error("zip", "--json prints on standard output; give -o X.zip a file");
    return CLI_EXIT_OK;
}

/* zip --json: the package read, the zip's entry as a reader sees it, the zip written. */
static int print_json(const char *input, const uint8_t *content, size_t content_size,
                      const char *output, const uint8_t *zip, size_t zip_size)
{
    struct dfota_zip_payload entry;
    struct dfota_error err;
    struct dfota_json j;

    /* Read back: the entry is reported as any reader of the written zip finds it. */
    if (dfota_zip_open(zip, zip_size, &entry, &err) != DFOTA_OK) {
        dfota_zip_payload_release(&entry);
        return cli_report("zip", output, &err);
    }
    cli_json_begin_ok(&j, "zip");
    dfota_json_array(&j, "inputs", false);
    cli_json_file_item(&j, input, content, content_size);
    dfota_json_end(&j);
    cli_json_zip_entry(&j, &entry);
    dfota_json_array(&j, "outputs", false);
    cli_json_file_item(&j, output, zip, zip_size);
    dfota_json_end(&j);
    dfota_json_end(&j);
    dfota_zip_payload_release(&entry);
    return cli_json_done("zip", &j, CLI_EXIT_OK);
}

int cmd_zip(int argc, char **argv)
{
    struct zip_args a;
    struct dfota_error err;
    struct cli_file files[2];
    const char *name;
    char *output = NULL, when[32];
    uint8_t *content = NULL, *zip = NULL;
    size_t content_size = 0, zip_size = 0;
    uint64_t mtime;
    time_t t;
    struct tm tm;
    int rc;

    rc = parse_args(argc, argv, &a);
    if (rc != CLI_EXIT_OK)
        return rc == CLI_HELP_SHOWN ? CLI_EXIT_OK : rc;
    name = strrchr(a.input, '/') ? strrchr(a.input, '/') + 1 : a.input;
    if (dfota_zip_payload_name_check(name, &err) != DFOTA_OK)
        return cli_usage_error("zip", "%s", err.message);
    if (!cli_zip_entry_time("zip", &mtime))
        return CLI_EXIT_USAGE;
    if (a.output == NULL) {
        output = cli_replace_suffix(a.input, ".bin", ".zip");
        if (output == NULL)
            return cli_fail(CLI_EXIT_IO, "zip", "out of memory");
    }
    files[0] = (struct cli_file){"-o", a.output ? a.output : output};
    files[1] = (struct cli_file){"X.bin", a.input};
    rc = cli_check_outputs("zip", &files[0], 1, &files[1], 1);
    if (rc != CLI_EXIT_OK) {
        free(output);
        return rc;
    }
    if (cli_read_file(a.input, DFOTA_ZIP_CONTENT_MAX, &content, &content_size, &err) !=
        DFOTA_OK) {
        free(output);
        return cli_report("zip", a.input, &err);
    }
    if (dfota_zip_create(name, content, content_size, mtime, &zip, &zip_size, &err) !=
        DFOTA_OK) {
        free(content);
        free(output);
        return cli_report("zip", a.input, &err);
    }
    rc = cli_write_file("zip", a.output ? a.output : output, zip, zip_size, a.force);
    if (rc == CLI_EXIT_OK && a.json) {
        rc = print_json(a.input, content, content_size, a.output ? a.output : output, zip,
                        zip_size);
    } else if (rc == CLI_EXIT_OK && !a.quiet) {
        t = (time_t)mtime;
        if (gmtime_r(&t, &tm) == NULL ||
            strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
            snprintf(when, sizeof(when), "%llu", (unsigned long long)mtime);
        fprintf(stderr, "%s: '%s', %zu -> %zu bytes (deflate), dated %s\n",
                a.output ? (strcmp(a.output, "-") == 0 ? "<stdout>" : a.output) : output, name,
                content_size, zip_size, when);
        if (a.verbose) {
            cli_print_sha256(stderr, "entry sha256", content, content_size);
            cli_print_sha256(stderr, "zip sha256", zip, zip_size);
        }
    }
    free(content);
    free(zip);
    free(output);
    return rc;
}
