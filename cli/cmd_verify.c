/*
 * cmd_verify.c - `dfota verify`: every check on a package, zip or signed
 * zip, with a trial apply when the old image is given.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "dfota/packer.h"
#include "dfota/verifier.h"
#include "dfota/wire.h"

enum { OPT_PUBKEY = 256, OPT_OLD, OPT_NEW, OPT_JSON, OPT_ERASE_SIZE, OPT_WRITE_ALIGN };

static const struct option verify_options[] = {
    {"pubkey", required_argument, NULL, OPT_PUBKEY},
    {"old", required_argument, NULL, OPT_OLD},
    {"new", required_argument, NULL, OPT_NEW},
    {"json", no_argument, NULL, OPT_JSON},
    {"erase-size", required_argument, NULL, OPT_ERASE_SIZE},
    {"write-align", required_argument, NULL, OPT_WRITE_ALIGN},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static const char *result_name(enum dfota_check_result result)
{
    switch (result) {
    case DFOTA_CHECK_PASSED:
        return "passed";
    case DFOTA_CHECK_FAILED:
        return "FAILED";
    default:
        return "skipped";
    }
}

/* A zip entry's DOS time and date as "YYYY-MM-DD HH:MM:SS" (no time zone: zip has none). */
static void format_dos_time(uint16_t time, uint16_t date, char out[20])
{
    (void)snprintf(out, 20, "%04u-%02u-%02u %02u:%02u:%02u", 1980u + (date >> 9),
                   (date >> 5) & 15u, date & 31u, time >> 11, (time >> 5) & 63u,
                   (time & 31u) * 2u);
}

static void print_text(const char *file, const struct dfota_verify_report *rep)
{
    char hex[65], when[20];
    size_t i;

    printf("file        %s (%s", file, dfota_file_kind_name(rep->kind));
    if (rep->entry_name[0] != '\0') {
        format_dos_time(rep->entry_dos_time, rep->entry_dos_date, when);
        printf(", entry %s, dated %s", rep->entry_name, when);
    }
    printf(")\n");
    if (rep->package_digest_valid) {
        dfota_hex(rep->package_sha256, sizeof(rep->package_sha256), hex);
        printf("sha256      %s (the package checked)\n", hex);
    }
    for (i = 0; i < DFOTA_CHECK_COUNT; i++)
        printf("%-11s %-8s %s\n", dfota_check_name((enum dfota_check_id)i),
               result_name(rep->checks[i].result), rep->checks[i].detail);
    if (rep->first_failure == DFOTA_OK)
        printf("result      ok\n");
    else
        printf("result      FAILED at the %s check: %s (module error BC25 %u, EC200 %u, LwM2M %u)\n",
               dfota_check_name(rep->first_failed_check), dfota_status_name(rep->first_failure),
               dfota_status_module_code(rep->first_failure, DFOTA_MODULE_BC25),
               dfota_status_module_code(rep->first_failure, DFOTA_MODULE_EC200),
               dfota_status_module_code(rep->first_failure, DFOTA_MODULE_LWM2M));
}

static void print_json(const char *file, const struct dfota_verify_report *rep)
{
    char hex[65], when[20];
    size_t i;

    printf("{\n  \"file\": ");
    cli_json_string(stdout, file);
    printf(",\n  \"kind\": \"%s\",\n  \"entry\": ", dfota_file_kind_name(rep->kind));
    if (rep->entry_name[0] != '\0') {
        cli_json_string(stdout, rep->entry_name);
        format_dos_time(rep->entry_dos_time, rep->entry_dos_date, when);
        printf(",\n  \"entry_time\": \"%s\"", when);
    } else {
        printf("null");
    }
    printf(",\n  \"package_sha256\": ");
    if (rep->package_digest_valid) {
        dfota_hex(rep->package_sha256, sizeof(rep->package_sha256), hex);
        printf("\"%s\"", hex);
    } else {
        printf("null");
    }
    printf(",\n  \"ok\": %s,\n", rep->first_failure == DFOTA_OK ? "true" : "false");
    if (rep->header_valid) {
        printf("  \"package\": {\"type\": \"%s\", \"source_version\": ",
               dfota_package_type_name(rep->header.package_type));
        if (rep->header.source_version[0] != '\0')
            cli_json_string(stdout, rep->header.source_version);
        else
            printf("null");
        printf(", \"target_version\": ");
        cli_json_string(stdout, rep->header.target_version);
        printf(", \"size\": %llu, \"workspace_size\": %lu},\n",
               (unsigned long long)rep->package_size, (unsigned long)rep->header.workspace_size);
    } else {
        printf("  \"package\": null,\n");
    }
    printf("  \"checks\": [\n");
    for (i = 0; i < DFOTA_CHECK_COUNT; i++) {
        printf("    {\"name\": \"%s\", \"result\": \"%s\", \"status\": \"%s\", \"detail\": ",
               dfota_check_name((enum dfota_check_id)i),
               rep->checks[i].result == DFOTA_CHECK_FAILED ? "failed"
                                                           : result_name(rep->checks[i].result),
               dfota_status_name(rep->checks[i].status));
        cli_json_string(stdout, rep->checks[i].detail);
        printf("}%s\n", i + 1 < DFOTA_CHECK_COUNT ? "," : "");
    }
    printf("  ],\n  \"first_failure\": ");
    if (rep->first_failure == DFOTA_OK) {
        printf("null\n}\n");
        return;
    }
    printf("{\"check\": \"%s\", \"status\": \"%s\", \"code\": %d, \"module_error\": "
           "{\"BC25\": %u, \"EC200\": %u, \"LwM2M\": %u}}\n}\n",
           dfota_check_name(rep->first_failed_check), dfota_status_name(rep->first_failure),
           (int)rep->first_failure,
           dfota_status_module_code(rep->first_failure, DFOTA_MODULE_BC25),
           dfota_status_module_code(rep->first_failure, DFOTA_MODULE_EC200),
           dfota_status_module_code(rep->first_failure, DFOTA_MODULE_LWM2M));
}

int cmd_verify(int argc, char **argv)
{
    struct dfota_verify_options opts;
    struct dfota_verify_report *rep;
    struct dfota_error err;
    const char *old_path = NULL, *new_path = NULL, *file;
    uint8_t *data = NULL, *old = NULL, *new_ = NULL;
    size_t size = 0;
    unsigned long value;
    bool json = false;
    enum dfota_status st;
    int c, rc;

    dfota_verify_options_init(&opts);
    dfota_error_clear(&err);
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", verify_options, NULL)) != -1) {
        switch (c) {
        case OPT_PUBKEY:
            opts.public_key = optarg;
            break;
        case OPT_OLD:
            old_path = optarg;
            break;
        case OPT_NEW:
            new_path = optarg;
            break;
        case OPT_JSON:
            json = true;
            break;
        case OPT_ERASE_SIZE:
            if (!cli_parse_uint(optarg, 256, 1u << 20, &value) || (value & (value - 1)) != 0)
                return cli_usage_error("verify", "--erase-size '%s' is not a power of two in "
                                                 "256..1048576", optarg);
            opts.erase_size = (uint32_t)value;
            break;
        case OPT_WRITE_ALIGN:
            if (!cli_parse_uint(optarg, 1, 256, &value) || (value & (value - 1)) != 0)
                return cli_usage_error("verify", "--write-align '%s' is not a power of two in "
                                                 "1..256", optarg);
            opts.write_align = (uint32_t)value;
            break;
        default:
            rc = cli_option_error("verify", c, argv[optind - 1]);
            return rc == CLI_HELP_SHOWN ? CLI_EXIT_OK : rc;
        }
    }
    if (argc - optind != 1)
        return cli_usage_error("verify", argc - optind < 1 ? "missing FILE"
                                                            : "unexpected argument '%s'",
                               argv[argc - 1]);
    file = argv[optind];
    if (cli_read_file(file, DFOTA_HOST_SIZE_MAX + DFOTA_CONTAINER_HEADER_MAX, &data, &size,
                      &err) != DFOTA_OK)
        return cli_report("verify", file, &err);
    if (old_path != NULL &&
        cli_read_file(old_path, DFOTA_HOST_SIZE_MAX, &old, &opts.old_size, &err) != DFOTA_OK) {
        free(data);
        return cli_report("verify", old_path, &err);
    }
    if (new_path != NULL &&
        cli_read_file(new_path, DFOTA_HOST_SIZE_MAX, &new_, &opts.new_size, &err) != DFOTA_OK) {
        free(data);
        free(old);
        return cli_report("verify", new_path, &err);
    }
    opts.old_image = old;
    opts.new_image = new_;
    rep = malloc(sizeof(*rep));
    if (rep == NULL) {
        free(data);
        free(old);
        free(new_);
        return cli_fail(CLI_EXIT_IO, "verify", "out of memory");
    }
    st = dfota_verify(data, size, &opts, rep);
    if (json)
        print_json(file, rep);
    else
        print_text(file, rep);
    rc = CLI_EXIT_OK;
    if (st != DFOTA_OK) {
        err.status = st;
        (void)snprintf(err.message, sizeof(err.message), "%s check: %.200s",
                       dfota_check_name(rep->first_failed_check),
                       rep->checks[rep->first_failed_check].detail);
        rc = cli_report("verify", file, &err);
    }
    free(rep);
    free(data);
    free(old);
    free(new_);
    return rc;
}
