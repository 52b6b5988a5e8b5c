/*
 * cmd_verify.c - `dfota verify`: every check on a package, raw patch, zip
 * or signed zip, with a trial apply when the old image is given; or, with
 * --signature-only, the signature and zip of a payload dfota did not make.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "dfota/packer.h"
#include "dfota/report.h"
#include "dfota/verifier.h"
#include "dfota/wire.h"
#include "verify_output.h"

enum {
    OPT_PUBKEY = 256,
    OPT_OLD,
    OPT_NEW,
    OPT_JSON,
    OPT_ERASE_SIZE,
    OPT_WRITE_ALIGN,
    OPT_SIGNATURE_ONLY,
    OPT_REQUIRE_SIGNATURE
};

static const struct option verify_options[] = {
    {"pubkey", required_argument, NULL, OPT_PUBKEY},
    {"old", required_argument, NULL, OPT_OLD},
    {"new", required_argument, NULL, OPT_NEW},
    {"json", no_argument, NULL, OPT_JSON},
    {"erase-size", required_argument, NULL, OPT_ERASE_SIZE},
    {"write-align", required_argument, NULL, OPT_WRITE_ALIGN},
    {"signature-only", no_argument, NULL, OPT_SIGNATURE_ONLY},
    {"require-signature", no_argument, NULL, OPT_REQUIRE_SIGNATURE},
    {"quiet", no_argument, NULL, 'q'},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

struct verify_args {
    struct dfota_verify_options opts;
    const char *old_path, *new_path, *file;
    bool json, quiet, verbose;
};

/* The check list: every detail with -v, else those of the checks that did not pass. */
static void print_checks(const struct dfota_verify_report *rep, bool verbose)
{
    size_t i;

    for (i = 0; i < DFOTA_CHECK_COUNT; i++) {
        const struct dfota_check *c = &rep->checks[i];
        const char *result = cli_check_result_text(rep, (enum dfota_check_id)i);

        if (i == DFOTA_CHECK_SIGNATURE && strcmp(result, "NOT checked") == 0 && !verbose)
            printf("%-11s NOT checked (no --pubkey)\n", dfota_check_name((enum dfota_check_id)i));
        else if (verbose || c->result != DFOTA_CHECK_PASSED)
            printf("%-11s %-8s %s\n", dfota_check_name((enum dfota_check_id)i), result,
                   c->detail);
        else
            printf("%-11s %s\n", dfota_check_name((enum dfota_check_id)i), result);
    }
}

static void print_text(const struct verify_args *a, const struct dfota_verify_report *rep,
                       const struct dfota_error *err)
{
    char hex[65], when[20];
    unsigned bc25, ec200, lwm2m;

    printf("file        %s (%s", strcmp(a->file, "-") == 0 ? "<stdin>" : a->file,
           dfota_file_kind_name(rep->kind));
    if (rep->entry_name[0] != '\0') {
        cli_format_dos_time(rep->entry_dos_time, rep->entry_dos_date, when);
        printf(", entry %s, dated %s", rep->entry_name, when);
    }
    printf(")\n");
    if (rep->package_digest_valid) {
        dfota_hex(rep->package_sha256, sizeof(rep->package_sha256), hex);
        printf("sha256      %s (the %s checked)\n", hex,
               rep->kind == DFOTA_FILE_PATCH ? "patch" : "package");
    }
    if (rep->key_digest_valid && a->verbose) {
        dfota_hex(rep->key_sha256, sizeof(rep->key_sha256), hex);
        printf("key         %s (SHA-256 of the public key's DER)\n", hex);
    }
    print_checks(rep, a->verbose);
    if (rep->first_failure != DFOTA_OK) {
        if (rep->payload_foreign) {
            printf("result      %s\n", err->message);
            return;
        }
        bc25 = dfota_status_module_code(rep->first_failure, DFOTA_MODULE_BC25);
        ec200 = dfota_status_module_code(rep->first_failure, DFOTA_MODULE_EC200);
        lwm2m = dfota_status_module_code(rep->first_failure, DFOTA_MODULE_LWM2M);
        printf("result      FAILED at the %s check: %s",
               dfota_check_name(rep->first_failed_check), dfota_status_name(rep->first_failure));
        if (bc25 != 0 || ec200 != 0 || lwm2m != 0)
            printf(" (module error BC25 %u, EC200 %u, LwM2M %u)", bc25, ec200, lwm2m);
        printf("\n");
    } else if (a->opts.signature_only) {
        dfota_hex(rep->package_sha256, sizeof(rep->package_sha256), hex);
        printf("result      signature ok; payload not checked (--signature-only): the "
               "signature covers the %llu bytes of '%s' (SHA-256 %s), which were not read as "
               "a dfota package\n",
               (unsigned long long)rep->package_size, rep->entry_name, hex);
    } else if (rep->signed_file && rep->checks[DFOTA_CHECK_SIGNATURE].result != DFOTA_CHECK_PASSED) {
        printf("result      ok, but the signature was NOT checked (no --pubkey)\n");
    } else {
        printf("result      ok\n");
    }
}

static int print_json(const struct verify_args *a, const uint8_t *file, size_t size,
                      const struct dfota_verify_report *rep, const struct dfota_error *err,
                      int code)
{
    struct dfota_json j;
    uint8_t sha[32];

    cli_sha256(file, size, sha);
    dfota_json_init(&j, stdout);
    dfota_report_begin(&j, "verify");
    dfota_json_bool(&j, "ok", rep->first_failure == DFOTA_OK);
    dfota_report_error(&j, err);
    dfota_report_verification(&j, a->file, size, sha, rep);
    dfota_json_end(&j);
    return cli_json_done("verify", &j, code);
}

static int parse_args(int argc, char **argv, struct verify_args *a)
{
    const char *given[sizeof(verify_options) / sizeof(verify_options[0])] = {NULL};
    struct cli_file inputs[3];
    unsigned long value;
    int c, rc;

    memset(a, 0, sizeof(*a));
    dfota_verify_options_init(&a->opts);
    a->json = cli_json_wanted();
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":hqv", verify_options, NULL)) != -1) {
        rc = cli_option_once("verify", verify_options, given, c, optarg);
        if (rc != CLI_EXIT_OK)
            return rc;
        switch (c) {
        case OPT_PUBKEY:
            a->opts.public_key = optarg;
            break;
        case OPT_OLD:
            a->old_path = optarg;
            break;
        case OPT_NEW:
            a->new_path = optarg;
            break;
        case OPT_JSON:
            a->json = true;
            break;
        case OPT_ERASE_SIZE:
            if (!cli_parse_pow2(optarg, 256, 1u << 20, &value))
                return cli_usage_error("verify", "--erase-size '%s' is not a power of two in "
                                         "256..1048576",
                                         optarg);
            a->opts.erase_size = (uint32_t)value;
            break;
        case OPT_WRITE_ALIGN:
            if (!cli_parse_pow2(optarg, 1, 256, &value))
                return cli_usage_error("verify", "--write-align '%s' is not a power of two in 1..256",
                                         optarg);
            a->opts.write_align = (uint32_t)value;
            break;
        case OPT_SIGNATURE_ONLY:
            a->opts.signature_only = 1;
            break;
        case OPT_REQUIRE_SIGNATURE:
            a->opts.require_signature = 1;
            break;
        case 'q':
            a->quiet = true;
            break;
        case 'v':
            a->verbose = true;
            break;
        default:
            if (c == 'h')
                return cli_option_error("verify", c, argv[optind - 1]);
            return cli_usage_error("verify", c == ':' ? "option '%s' needs a value"
                                                                 : "unknown option '%s'",
                                     argv[optind - 1]);
        }
    }
    if (argc - optind != 1)
        return cli_usage_error("verify", argc - optind < 1 ? "missing FILE%s" : "unexpected argument '%s'",
                                 argc - optind < 1 ? "" : argv[argc - 1]);
    a->file = argv[optind];
    if (a->opts.signature_only && a->opts.public_key == NULL)
        return cli_usage_error("verify", "--signature-only needs --pubkey KEY: it checks the signature "
                                 "and nothing else");
    if (a->opts.signature_only && (a->old_path != NULL || a->new_path != NULL))
        return cli_usage_error("verify", "--signature-only checks no image: --%s cannot be used with it",
                                 a->old_path != NULL ? "old" : "new");
    if (a->quiet && a->verbose)
        return cli_usage_error("verify", "-q and -v cannot be used together");
    inputs[0] = (struct cli_file){"FILE", a->file};
    inputs[1] = (struct cli_file){"--old", a->old_path};
    inputs[2] = (struct cli_file){"--new", a->new_path};
    return cli_check_standard_streams("verify", NULL, 0, inputs, 3);
}

/* Read `path`; on failure the message and an exit code (with --json, main()
 * prints the failure's document, the file named by its base name). */
static int read_input(const char *path, size_t limit, uint8_t **data, size_t *size)
{
    struct dfota_error err;

    dfota_error_clear(&err);
    if (cli_read_file(path, limit, data, size, &err) == DFOTA_OK)
        return CLI_EXIT_OK;
    return cli_report("verify", path, &err);
}

int cmd_verify(int argc, char **argv)
{
    struct verify_args a;
    struct dfota_verify_report *rep;
    struct dfota_error err;
    uint8_t *data = NULL, *old = NULL, *new_ = NULL;
    size_t size = 0;
    int rc;

    rc = parse_args(argc, argv, &a);
    if (rc != CLI_EXIT_OK)
        return rc == CLI_HELP_SHOWN ? CLI_EXIT_OK : rc;
    rc = read_input(a.file, DFOTA_HOST_SIZE_MAX + DFOTA_CONTAINER_HEADER_MAX, &data, &size);
    if (rc == CLI_EXIT_OK && a.old_path != NULL)
        rc = read_input(a.old_path, DFOTA_HOST_SIZE_MAX, &old, &a.opts.old_size);
    if (rc == CLI_EXIT_OK && a.new_path != NULL)
        rc = read_input(a.new_path, DFOTA_HOST_SIZE_MAX, &new_, &a.opts.new_size);
    rep = rc == CLI_EXIT_OK ? malloc(sizeof(*rep)) : NULL;
    if (rc == CLI_EXIT_OK && rep == NULL) {
        dfota_error_set(&err, DFOTA_E_NO_MEMORY, "out of memory");
        rc = cli_report("verify", NULL, &err);
    }
    if (rep != NULL) {
        a.opts.old_image = old;
        a.opts.new_image = new_;
        (void)dfota_verify(data, size, &a.opts, rep);
        rc = cli_verification_error(rep, true, &err);
        if (a.json)
            rc = print_json(&a, data, size, rep, &err, rc);
        else if (!a.quiet)
            print_text(&a, rep, &err);
        if (rc != CLI_EXIT_OK && err.status != DFOTA_OK)
            (void)cli_report_code("verify", a.file, &err, rc);
    }
    free(rep);
    free(data);
    free(old);
    free(new_);
    return rc;
}
