/*
 * cmd_apply.c - `dfota apply`: rebuild the new image the way a module does,
 * through the reference applier, a simulated NOR flash and a patch fed in
 * chunks; from a package, a raw patch, or the package inside a zip or a
 * signed zip (whose signature is checked first with --pubkey).
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "dfota/apply.h"
#include "dfota/devsim.h"
#include "dfota/packer.h"
#include "dfota/patch.h"
#include "dfota/report.h"
#include "dfota/verifier.h"
#include "dfota/wire.h"
#include "verify_output.h"

enum {
    OPT_OLD = 256,
    OPT_CHUNK_SIZE,
    OPT_URC,
    OPT_URC_MAX,
    OPT_MODULE,
    OPT_ERASE_SIZE,
    OPT_WRITE_ALIGN,
    OPT_STATE,
    OPT_CUT_AFTER,
    OPT_CUT_MODE,
    OPT_CUT_SEED,
    OPT_PUBKEY,
    OPT_JSON
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
    {"state", required_argument, NULL, OPT_STATE},
    {"cut-after", required_argument, NULL, OPT_CUT_AFTER},
    {"cut-mode", required_argument, NULL, OPT_CUT_MODE},
    {"cut-seed", required_argument, NULL, OPT_CUT_SEED},
    {"pubkey", required_argument, NULL, OPT_PUBKEY},
    {"json", no_argument, NULL, OPT_JSON},
    {"force", no_argument, NULL, 'f'},
    {"quiet", no_argument, NULL, 'q'},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static void urc_progress(void *ctx, unsigned percent)
{
    (void)ctx;
    printf("+QIND: \"FOTA\",\"UPDATING\",%u\n", percent);
    (void)cli_flush_stdout();
}

/* Parse a power of two in [min, max]. */
struct apply_args {
    const char *old_path, *input, *output, *state, *public_key;
    bool cut, cut_torn;
    unsigned long cut_after, cut_seed;
    size_t chunk_size;
    unsigned urc_max;
    enum dfota_module_family module;
    uint32_t erase_size, write_align;
    bool urc, force, quiet, verbose, json;
};

static int parse_args(int argc, char **argv, struct apply_args *a)
{
    const char *given[sizeof(apply_options) / sizeof(apply_options[0])] = {NULL};
    unsigned long v;
    int c, rc;

    memset(a, 0, sizeof(*a));
    a->urc_max = 10;
    a->module = DFOTA_MODULE_BC25;
    a->erase_size = 4096;
    a->write_align = 4;
    a->cut_seed = 1;
    a->json = cli_json_wanted();
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":o:fqvh", apply_options, NULL)) != -1) {
        rc = cli_option_once("apply", apply_options, given, c, optarg);
        if (rc != CLI_EXIT_OK)
            return rc;
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
            if (!cli_parse_pow2(optarg, 256, DFOTA_PATCH_SEGMENT_SIZE_MAX, &v))
                return cli_usage_error("apply",
                                       "--erase-size '%s' is not a power of two in 256..%u",
                                       optarg, DFOTA_PATCH_SEGMENT_SIZE_MAX);
            a->erase_size = (uint32_t)v;
            break;
        case OPT_WRITE_ALIGN:
            if (!cli_parse_pow2(optarg, 1, DFOTA_APPLY_WRITE_ALIGN_MAX, &v))
                return cli_usage_error("apply",
                                       "--write-align '%s' is not a power of two in 1..%u",
                                       optarg, DFOTA_APPLY_WRITE_ALIGN_MAX);
            a->write_align = (uint32_t)v;
            break;
        case OPT_STATE:
            a->state = optarg;
            break;
        case OPT_CUT_AFTER:
            if (!cli_parse_uint(optarg, 0, 0xFFFFFFFFul, &a->cut_after))
                return cli_usage_error("apply", "--cut-after '%s' is not a number", optarg);
            a->cut = true;
            break;
        case OPT_CUT_MODE:
            if (strcmp(optarg, "clean") != 0 && strcmp(optarg, "torn") != 0)
                return cli_usage_error("apply", "--cut-mode '%s' is not clean or torn", optarg);
            a->cut_torn = strcmp(optarg, "torn") == 0;
            break;
        case OPT_CUT_SEED:
            if (!cli_parse_uint(optarg, 0, 0xFFFFFFFFul, &a->cut_seed))
                return cli_usage_error("apply", "--cut-seed '%s' is not a number", optarg);
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
        case OPT_PUBKEY:
            a->public_key = optarg;
            break;
        case OPT_JSON:
            a->json = true;
            break;
        default:
            if (c == 'h')
                return cli_option_error("apply", c, argv[optind - 1]);
            return cli_usage_error("apply", c == ':' ? "option '%s' needs a value"
                                                                : "unknown option '%s'",
                                     argv[optind - 1]);
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
    if (a->cut && a->state == NULL)
        return cli_usage_error("apply", "--cut-after needs --state FILE (where the cut "
                                        "device's flash is kept)");
    if (a->state != NULL && strcmp(a->output, "-") == 0)
        return cli_usage_error("apply", "--state needs -o NEW to be a file");
    if (a->json && a->urc)
        return cli_usage_error("apply", "--json and --urc both print on standard output; give one");
    if (a->json && strcmp(a->output, "-") == 0)
        return cli_usage_error("apply", "--json prints on standard output; give -o NEW a file");
    if (a->quiet && a->verbose)
        return cli_usage_error("apply", "-q and -v cannot be used together");
    return CLI_EXIT_OK;
}

/* The patch inside `data`: a raw patch, or the payload of a delta package. */
static enum dfota_status locate_patch(const uint8_t *data, size_t size, const uint8_t **patch,
                                      size_t *patch_size, struct dfota_package_header *pkg,
                                      bool *is_package, bool *foreign, struct dfota_error *err)
{
    const uint8_t *payload;
    enum dfota_status st;

    *foreign = false;
    *is_package = size >= DFOTA_CONTAINER_MAGIC_SIZE &&
                  memcmp(data, DFOTA_CONTAINER_MAGIC, DFOTA_CONTAINER_MAGIC_SIZE) == 0;
    if (!*is_package) {
        *patch = data;
        *patch_size = size;
        if (size >= DFOTA_PATCH_MAGIC_SIZE &&
            memcmp(data, DFOTA_PATCH_MAGIC, DFOTA_PATCH_MAGIC_SIZE) == 0)
            return DFOTA_OK;
        /* Foreign when its bytes are neither magic (a prefix of one is a truncated file). */
        *foreign = size > 0 &&
                   memcmp(data, DFOTA_CONTAINER_MAGIC,
                          size < DFOTA_CONTAINER_MAGIC_SIZE ? size : DFOTA_CONTAINER_MAGIC_SIZE) != 0 &&
                   memcmp(data, DFOTA_PATCH_MAGIC,
                          size < DFOTA_PATCH_MAGIC_SIZE ? size : DFOTA_PATCH_MAGIC_SIZE) != 0;
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

/*
 * After a failed run on a saved device flash: the failure is the state
 * file's when the data that failed came from it (its copy of the old image,
 * or the half-built new one a resume continued).
 */
static bool blame_state(enum dfota_status st, bool existed, bool resumed)
{
    return existed &&
           (st == DFOTA_E_SOURCE_MISMATCH || (resumed && st == DFOTA_E_TARGET_MISMATCH));
}

/*
 * --state: one boot of a simulated device whose flash lives in a.state.
 * Returns a status, and in *subject the file the failure is about: the
 * state file for everything that comes from it, --old for an old image
 * that does not match, else the package.
 */
static enum dfota_status run_with_state(const struct apply_args *a, const uint8_t *patch,
                                        size_t patch_size, const uint8_t *old, size_t old_size,
                                        uint8_t **image, size_t *image_size, bool *resumed,
                                        const char **subject, struct dfota_error *err)
{
    struct dfota_patch_header hdr;
    struct dfota_devsim sim;
    struct dfota_devsim_run_options run;
    struct dfota_devsim_outcome outcome;
    struct stat sb;
    bool existed;
    enum dfota_status st;

    *resumed = false;
    st = dfota_patch_check_layout(patch, patch_size, &hdr, err);
    if (st != DFOTA_OK)
        return st;
    *subject = a->state;
    existed = stat(a->state, &sb) == 0;
    if (!existed && errno != ENOENT)
        return dfota_error_set(err, DFOTA_E_IO, "cannot read the state file: %s",
                               strerror(errno));
    if (existed && !S_ISREG(sb.st_mode))
        return dfota_error_set(err, DFOTA_E_MALFORMED,
                               "not a state file: a state file is a regular file holding the "
                               "device flash");
    /* A first run programs OLD into the device; later ones load the saved flash. */
    *subject = a->input;
    st = dfota_devsim_create(&sim, &hdr, existed ? NULL : old, old_size, a->erase_size,
                             a->write_align, DFOTA_HOST_SIZE_MAX, err);
    if (st != DFOTA_OK)
        return st;
    if (existed) {
        *subject = a->state;
        if ((uint64_t)sb.st_size != sim.flash.size)
            st = dfota_error_set(err, DFOTA_E_MALFORMED,
                                 "state file is %lld bytes; this package, OLD and the flash "
                                 "geometry make a %lu-byte device flash (was it made with "
                                 "other options?)",
                                 (long long)sb.st_size, (unsigned long)sim.flash.size);
        else
            st = dfota_flashsim_load_file(&sim.flash, a->state, err);
        if (st != DFOTA_OK) {
            dfota_devsim_free(&sim);
            return st;
        }
        *subject = a->input;
    }
    if (a->cut)
        dfota_flashsim_cut_after(&sim.flash, a->cut_after,
                                 a->cut_torn ? DFOTA_FLASHSIM_CUT_TORN : DFOTA_FLASHSIM_CUT_CLEAN,
                                 a->cut_seed);
    memset(&run, 0, sizeof(run));
    run.chunk_size = a->chunk_size;
    run.progress_steps = a->urc ? a->urc_max : 0;
    run.progress = a->urc ? urc_progress : NULL;
    st = dfota_devsim_run(&sim, patch, patch_size, &run, &outcome, err);
    *resumed = outcome.resumed != 0;
    if (st == DFOTA_E_POWER_CUT || !sim.flash.powered) {
        st = DFOTA_E_POWER_CUT;
        *subject = a->state;
        dfota_error_set(err, DFOTA_E_POWER_CUT,
                        "power cut at flash operation %llu of this run (%s); the device "
                        "flash is saved in '%s': run again without --cut-after to resume",
                        (unsigned long long)sim.flash.cut_at, a->cut_torn ? "torn" : "clean",
                        a->state);
    } else if (st == DFOTA_E_UPDATE_IN_PROGRESS) {
        *subject = a->state;
    } else if (blame_state(st, existed, *resumed)) {
        /* --old only gave the size: the device's old image is the one saved in the state.
         * The message stays as the applier wrote it (a prefix would cut its end off). */
        *subject = a->state;
    } else if (st == DFOTA_E_SOURCE_MISMATCH) {
        *subject = a->old_path;
    } else if (a->cut && st == DFOTA_OK && !a->quiet) {
        fprintf(stderr,
                "dfota apply: --cut-after %lu did not cut: this run took %llu flash "
                "operations\n",
                a->cut_after, (unsigned long long)sim.flash.ops);
    }
    if (st == DFOTA_OK) {
        *image = malloc(hdr.target_size ? hdr.target_size : 1);
        if (*image == NULL)
            st = dfota_error_set(err, DFOTA_E_NO_MEMORY, "cannot allocate the new image");
        else
            memcpy(*image, dfota_devsim_target(&sim), hdr.target_size);
        *image_size = hdr.target_size;
    } else if (existed || sim.flash.ops > 0) {
        /* Keep what the device flash holds now, atomically. */
        if (cli_write_file("apply", a->state, sim.flash.mem, sim.flash.size, true) !=
            CLI_EXIT_OK) {
            *subject = a->state;
            st = dfota_error_set(err, DFOTA_E_IO, "the device flash could not be saved");
        }
    }
    dfota_devsim_free(&sim);
    return st;
}

/*
 * The package or patch to apply: the file itself, or the .bin of a zip or
 * signed zip, whose zip safety (and, with --pubkey, signature) is checked
 * first (dfota_verify_payload() with signature_only). A key for a file that
 * carries no signature is a failure, as for verify. `*payload` is malloc'd.
 */
static int take_payload(const struct apply_args *a, const uint8_t *file, size_t size,
                        struct dfota_verify_report *r, uint8_t **payload, size_t *payload_size)
{
    struct dfota_verify_options opts;
    struct dfota_error err;
    enum dfota_status st;
    int rc;

    dfota_verify_options_init(&opts);
    opts.public_key = a->public_key;
    opts.signature_only = 1;
    st = dfota_verify_payload(file, size, &opts, r, payload, payload_size);
    if (st != DFOTA_OK) {
        rc = cli_verification_error(r, false, &err);
        return cli_report_code("apply", a->input, &err, rc);
    }
    if (r->signed_file && r->checks[DFOTA_CHECK_SIGNATURE].result != DFOTA_CHECK_PASSED &&
        !a->quiet)
        fprintf(stderr,
                "dfota apply: '%s': signature NOT checked (no --pubkey); applying '%s' from it\n",
                a->input, r->entry_name);
    return CLI_EXIT_OK;
}

/* -v: what was applied, on stderr. */
static void print_details(const struct apply_args *a, const struct dfota_verify_report *r,
                          bool is_package, const struct dfota_package_header *pkg,
                          const struct dfota_patch_header *patch, bool have_patch)
{
    const char *name = strcmp(a->input, "-") == 0 ? "<stdin>" : a->input;

    if (r->entry_name[0] != '\0')
        fprintf(stderr, "%s: %s, entry '%s' (%llu bytes), signature %s%s%s\n", name,
                dfota_file_kind_name(r->kind), r->entry_name,
                (unsigned long long)r->entry_size,
                r->signed_file ? cli_check_result_text(r, DFOTA_CHECK_SIGNATURE) : "none",
                r->signed_file ? ", " : "", r->signed_file ? r->signature_scheme : "");
    if (is_package)
        fprintf(stderr, "%s: %s package %s%s%s, %lu-byte payload\n", name,
                dfota_package_type_name(pkg->package_type), pkg->source_version,
                pkg->source_version[0] ? " -> " : "", pkg->target_version,
                (unsigned long)pkg->payload.size);
    if (have_patch)
        fprintf(stderr, "%s: patch %s, %s codec, %lu segments of %lu bytes, workspace %lu bytes\n",
                name, dfota_report_layout_name(patch), dfota_report_codec_name(patch->codec),
                (unsigned long)patch->segment_count, (unsigned long)patch->segment_size,
                (unsigned long)patch->workspace_size);
    fprintf(stderr, "%s: simulated flash: erase %lu, write unit %lu%s\n", name,
            (unsigned long)a->erase_size, (unsigned long)a->write_align,
            a->chunk_size ? ", fed in chunks" : "");
}

static int print_json(const struct apply_args *a, const uint8_t *file, size_t size,
                      const struct dfota_verify_report *r, bool is_package,
                      const struct dfota_package_header *pkg,
                      const struct dfota_patch_header *patch, bool have_patch,
                      const uint8_t *image, size_t image_size)
{
    struct dfota_json j;
    uint8_t sha[32];

    dfota_json_init(&j, stdout);
    dfota_report_begin(&j, "apply");
    dfota_json_bool(&j, "ok", true);
    dfota_report_error(&j, NULL);
    cli_sha256(file, size, sha);
    dfota_report_file(&j, a->input, size, sha, r);
    dfota_report_entry(&j, r);
    dfota_report_signature(&j, r);
    if (is_package)
        dfota_report_package(&j, pkg);
    else
        dfota_json_null(&j, "package");
    if (have_patch)
        dfota_report_patch(&j, patch);
    else
        dfota_json_null(&j, "patch");
    dfota_json_array(&j, "outputs", false);
    cli_sha256(image, image_size, sha);
    dfota_report_output(&j, a->output, image_size, sha);
    dfota_json_end(&j);
    dfota_json_end(&j);
    return cli_json_done("apply", &j, CLI_EXIT_OK);
}

int cmd_apply(int argc, char **argv)
{
    struct apply_args a;
    struct dfota_trial_options trial;
    struct dfota_package_header pkg;
    struct dfota_patch_header patch_header;
    struct dfota_verify_report *report = NULL;
    struct dfota_error err;
    struct cli_file outputs[2], inputs[2];
    const uint8_t *patch = NULL;
    uint8_t *file = NULL, *input = NULL, *old = NULL, *image = NULL;
    size_t file_size = 0, input_size = 0, old_size = 0, patch_size = 0, image_size = 0;
    const char *subject;
    bool is_package = false, resumed = false, foreign = false, have_patch = false;
    enum dfota_status st;
    int rc;

    rc = parse_args(argc, argv, &a);
    if (rc != CLI_EXIT_OK)
        return rc == CLI_HELP_SHOWN ? CLI_EXIT_OK : rc;
    outputs[0] = (struct cli_file){"--state", a.state};
    outputs[1] = (struct cli_file){"-o", a.output};
    inputs[0] = (struct cli_file){"PKG_OR_PATCH", a.input};
    inputs[1] = (struct cli_file){"--old", a.old_path};
    dfota_error_clear(&err);
    /* The state is read and written; a completed update removes it, so NEW must be another file. */
    if (a.state != NULL && strcmp(a.state, "-") == 0)
        return cli_usage_error("apply", "--state is read and written; give a file, not '-'");
    rc = cli_check_standard_streams("apply", outputs, 2, inputs, 2);
    if (rc == CLI_EXIT_OK)
        rc = cli_check_outputs("apply", outputs, 2, inputs, 2);
    if (rc != CLI_EXIT_OK)
        return rc;
    /* A completed update removes its state: NEW must be writable at the end. */
    if (a.state != NULL && !a.force && access(a.output, F_OK) == 0) {
        return cli_fail(CLI_EXIT_EXISTS, "apply", "'%s' exists (use --force to overwrite)",
                        a.output);
    }
    if (a.urc) {
        printf("+QIND: \"FOTA\",\"START\"\n");
        (void)cli_flush_stdout();
    }
    subject = a.input;
    st = cli_read_file(a.input, DFOTA_HOST_SIZE_MAX + DFOTA_CONTAINER_HEADER_MAX, &file,
                       &file_size, &err);
    report = st == DFOTA_OK ? malloc(sizeof(*report)) : NULL;
    if (st == DFOTA_OK && report == NULL)
        st = dfota_error_set(&err, DFOTA_E_NO_MEMORY, "out of memory");
    if (st != DFOTA_OK) {
        free(file);
        return cli_report_code("apply", subject, &err, cli_exit_code(st));
    }
    rc = take_payload(&a, file, file_size, report, &input, &input_size);
    if (rc != CLI_EXIT_OK) {
        if (a.urc) {
            printf("+QIND: \"FOTA\",\"END\",%u\n",
                   dfota_status_module_code(report->first_failure, a.module));
            (void)cli_flush_stdout();
        }
        free(report);
        free(file);
        return rc;
    }
    st = locate_patch(input, input_size, &patch, &patch_size, &pkg, &is_package, &foreign, &err);
    if (st == DFOTA_OK && patch_size > 0 &&
        (!is_package || pkg.package_type == DFOTA_PACKAGE_DELTA))
        have_patch = dfota_patch_header_decode(patch, patch_size, &patch_header, NULL) == DFOTA_OK;
    /* The simulated device of a trial apply (without --state). */
    memset(&trial, 0, sizeof(trial));
    trial.erase_size = a.erase_size;
    trial.write_align = a.write_align;
    trial.chunk_size = a.chunk_size;
    trial.progress_steps = a.urc ? a.urc_max : 0;
    trial.progress = a.urc ? urc_progress : NULL;
    if (st == DFOTA_OK && is_package && pkg.package_type == DFOTA_PACKAGE_FULL) {
        /* A full image goes through the device's package front end into a
         * simulated flash; --state keeps a delta's device only. */
        if (a.state != NULL) {
            free(input);
            free(report);
            free(file);
            return cli_usage_error("apply", "--state%s cannot be used with a "
                                     "full-image package ('%s'): it is applied on a fresh "
                                     "simulated device each time",
                                     a.cut ? " and --cut-after" : "", a.input);
        }
        st = dfota_trial_apply_package(input, input_size, NULL, 0, &trial, &image, &image_size,
                                       &err);
    } else if (st == DFOTA_OK) {
        if (a.old_path == NULL) {
            free(input);
            free(report);
            free(file);
            return cli_usage_error("apply", "missing --old OLD (a delta needs the old image)");
        }
        st = cli_read_file(a.old_path, DFOTA_HOST_SIZE_MAX, &old, &old_size, &err);
        if (st != DFOTA_OK) {
            subject = a.old_path;
        } else {
            if (a.state != NULL) {
                st = run_with_state(&a, patch, patch_size, old, old_size, &image, &image_size,
                                    &resumed, &subject, &err);
            } else {
                /* A package goes through the device's package front end as
                 * downloaded (container, source size/SHA-256/MD5, payload
                 * digests); a raw patch through the patch applier. */
                st = is_package ? dfota_trial_apply_package(input, input_size, old, old_size,
                                                            &trial, &image, &image_size, &err)
                                : dfota_trial_apply(patch, patch_size, old, old_size, &trial,
                                                    &image, &image_size, &err);
                if (st == DFOTA_E_SOURCE_MISMATCH)
                    subject = a.old_path;
            }
        }
    }
    free(old);
    /* A device that lost power reports nothing more. */
    if (a.urc && st != DFOTA_E_POWER_CUT) {
        printf("+QIND: \"FOTA\",\"END\",%u\n", dfota_status_module_code(st, a.module));
        (void)cli_flush_stdout();
    }
    if (st != DFOTA_OK) {
        free(image);
        free(input);
        free(report);
        free(file);
        return cli_report_code("apply", subject, &err, foreign ? CLI_EXIT_FOREIGN : cli_exit_code(st));
    }
    rc = cli_write_file("apply", a.output, image, image_size, a.force);
    /* The update is complete and NEW is written: the device flash is done with. */
    if (rc == CLI_EXIT_OK && a.state != NULL && unlink(a.state) != 0 && errno != ENOENT)
        rc = cli_fail(CLI_EXIT_IO, "apply", "'%s': cannot remove the state file: %s", a.state,
                      strerror(errno));
    if (rc == CLI_EXIT_OK && resumed && !a.quiet && !a.urc)
        fprintf(stderr, "%s: resumed from the progress record in '%s'\n", a.output, a.state);
    if (rc == CLI_EXIT_OK && a.verbose)
        print_details(&a, report, is_package, &pkg, &patch_header, have_patch);
    if (rc == CLI_EXIT_OK && !a.quiet && !a.urc)
        fprintf(stderr, "%s: %zu bytes rebuilt, target size and SHA-256 verified\n",
                strcmp(a.output, "-") == 0 ? "<stdout>" : a.output, image_size);
    if (rc == CLI_EXIT_OK && a.json)
        rc = print_json(&a, file, file_size, report, is_package, &pkg, &patch_header,
                        have_patch, image, image_size);
    free(image);
    free(input);
    free(report);
    free(file);
    return rc;
}
