/*
 * cmd_release.c - `dfota release`: the new image and one or more images in
 * the field in; for each of them V1_TO_V2.bin, V1_TO_V2.zip,
 * V1_TO_V2_signed.zip and V1_TO_V2.report.json out (and V2.report.json
 * for several), every file verified before any of them appears.
 *
 * The release itself is dfota_release_plan(), _build() and _write()
 * (dfota/release.h) into an output set (dfota/output.h); this file parses
 * the options, loads the key, handles the signals and prints. A signal
 * before the moves into DIR removes the private directory (and DIR when
 * this run created it) and ends the run; during the moves the signals are
 * held, and one that came meanwhile undoes them. Only SIGKILL or a crash
 * during the moves can split a release; the next run into DIR reports
 * what such a run left.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "verify_output.h"
#include "dfota/keys.h"
#include "dfota/output.h"
#include "dfota/packer.h"
#include "dfota/release.h"
#include "dfota/report.h"
#include "dfota/signer.h"
#include "dfota/wire.h"

#define COMMAND "release"

/* Values above the patch options of cli_diff_options (256..). */
enum {
    OPT_OLD = 512,
    OPT_NEW,
    OPT_FROM_VERSION,
    OPT_TO_VERSION,
    OPT_KEY,
    OPT_PASSIN,
    OPT_PUBKEY,
    OPT_JSON
};

static const struct option release_base_options[] = {
    {"old", required_argument, NULL, OPT_OLD},
    {"new", required_argument, NULL, OPT_NEW},
    {"from-version", required_argument, NULL, OPT_FROM_VERSION},
    {"to-version", required_argument, NULL, OPT_TO_VERSION},
    {"key", required_argument, NULL, OPT_KEY},
    {"passin", required_argument, NULL, OPT_PASSIN},
    {"pubkey", required_argument, NULL, OPT_PUBKEY},
    {"output", required_argument, NULL, 'o'},
    {"jobs", required_argument, NULL, 'j'},
    {"json", no_argument, NULL, OPT_JSON},
    {"force", no_argument, NULL, 'f'},
    {"quiet", no_argument, NULL, 'q'},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
};
#define RELEASE_BASE_OPTION_COUNT (sizeof(release_base_options) / sizeof(release_base_options[0]))

struct release_args {
    const char *olds[DFOTA_RELEASE_SOURCES_MAX];
    size_t old_count;
    const char *new_, *from, *to, *key, *passin, *pubkey, *dir, *jobs_text;
    unsigned jobs;
    struct dfota_diff_options diff;
    bool json, force, quiet, verbose;
};

static int parse_args(int argc, char **argv, struct release_args *a)
{
    struct option options[RELEASE_BASE_OPTION_COUNT + 8];
    struct dfota_error err;
    unsigned long jobs;
    size_t i, k;
    int c, rc = CLI_EXIT_OK;

    memset(a, 0, sizeof(*a));
    dfota_diff_options_init(&a->diff);
    cli_merge_options(options, release_base_options, RELEASE_BASE_OPTION_COUNT,
                      cli_diff_options);
    optind = 0;
    opterr = 0;
    while (rc == CLI_EXIT_OK && (c = getopt_long(argc, argv, ":o:j:fqvh", options, NULL)) != -1) {
        switch (c) {
        case OPT_OLD:
            if (a->old_count == DFOTA_RELEASE_SOURCES_MAX)
                return cli_usage_error(COMMAND, "more than %u --old images",
                                       DFOTA_RELEASE_SOURCES_MAX);
            a->olds[a->old_count++] = optarg;
            break;
        case OPT_NEW:
            rc = cli_set_once(COMMAND, "--new", &a->new_, optarg);
            break;
        case OPT_FROM_VERSION:
            rc = cli_set_once(COMMAND, "--from-version", &a->from, optarg);
            break;
        case OPT_TO_VERSION:
            rc = cli_set_once(COMMAND, "--to-version", &a->to, optarg);
            break;
        case OPT_KEY:
            rc = cli_set_once(COMMAND, "--key", &a->key, optarg);
            break;
        case OPT_PASSIN:
            rc = cli_set_secret_once(COMMAND, "--passin", &a->passin, optarg);
            break;
        case OPT_PUBKEY:
            rc = cli_set_once(COMMAND, "--pubkey", &a->pubkey, optarg);
            break;
        case 'o':
            rc = cli_set_once(COMMAND, "-o", &a->dir, optarg);
            break;
        case 'j':
            rc = cli_set_once(COMMAND, "-j", &a->jobs_text, optarg);
            if (rc == CLI_EXIT_OK && !cli_parse_uint(optarg, 1, 256, &jobs))
                return cli_usage_error(COMMAND, "-j '%s': give a number of jobs, 1..256",
                                       optarg);
            a->jobs = (unsigned)jobs;
            break;
        case OPT_JSON:
            a->json = true;
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
        case 'h':
        case ':':
        case '?':
            return cli_option_error(COMMAND, c, argv[optind - 1]);
        default:
            rc = cli_parse_diff_option(COMMAND, c, optarg, &a->diff);
        }
    }
    if (rc != CLI_EXIT_OK)
        return rc;
    if (optind < argc)
        return cli_usage_error(COMMAND, "unexpected argument '%s'", argv[optind]);
    if (a->old_count == 0 || a->new_ == NULL)
        return cli_usage_error(COMMAND, "missing --old OLD and --new NEW (the images)");
    for (i = 0; i < a->old_count; i++) {
        if (strcmp(a->olds[i], "-") == 0)
            return cli_usage_error(COMMAND, "OLD and NEW must be files, not '-'");
        for (k = 0; k < i; k++)
            if (strcmp(a->olds[k], a->olds[i]) == 0)
                return cli_usage_error(COMMAND, "--old '%s' given twice", a->olds[i]);
    }
    if (strcmp(a->new_, "-") == 0)
        return cli_usage_error(COMMAND, "OLD and NEW must be files, not '-'");
    if (a->from != NULL && a->old_count > 1)
        return cli_usage_error(COMMAND,
                               "--from-version names the version of one --old image; with "
                               "several, each one's version is read from it");
    if (a->key == NULL)
        return cli_usage_error(COMMAND, "missing --key KEY (private.pem, or a store URI)");
    if (a->dir == NULL)
        return cli_usage_error(COMMAND, "missing -o DIR (the output directory)");
    if (a->dir[0] == '\0' || strcmp(a->dir, "-") == 0)
        return cli_usage_error(COMMAND, "-o takes a directory, not '%s'", a->dir);
    if (strlen(a->dir) >= PATH_MAX - DFOTA_OUTPUT_NAME_MAX - 32)
        return cli_usage_error(COMMAND, "'%s': path too long", a->dir);
    if (a->from != NULL && dfota_version_check(a->from, "source version", &err) != DFOTA_OK)
        return cli_usage_error(COMMAND, "--from-version: %s", err.message);
    if (a->to != NULL && dfota_version_check(a->to, "target version", &err) != DFOTA_OK)
        return cli_usage_error(COMMAND, "--to-version: %s", err.message);
    return CLI_EXIT_OK;
}

/* ---- the run ---------------------------------------------------------- */

struct release_run {
    struct release_args args;
    struct cli_image olds[DFOTA_RELEASE_SOURCES_MAX], new_;
    struct dfota_release_source sources[DFOTA_RELEASE_SOURCES_MAX];
    struct dfota_release_options opts;
    struct dfota_release_result result;
    struct dfota_signing_key *key;
    struct dfota_public_key *pubkey;
    struct dfota_output_set set;
    struct cli_progress_bar bar;
    bool set_open, committed, failure_printed;
};

/* A failure with a library status: on stderr, and as the JSON report with --json. */
static int run_failure(struct release_run *run, const char *subject,
                       const struct dfota_error *err)
{
    if (run->args.json && !run->failure_printed) {
        struct dfota_error shown = *err;

        cli_json_strip_paths(shown.message, sizeof(shown.message));
        cli_json_printed();
        if (!dfota_release_report(stdout, &run->result, -1, &shown))
            cli_stdout_failed(errno);
    }
    run->failure_printed = true;
    return cli_report(COMMAND, subject, err);
}

static int map_images(struct release_run *run)
{
    struct dfota_error err;
    size_t i;

    for (i = 0; i < run->args.old_count; i++) {
        if (cli_map_file(run->args.olds[i], DFOTA_HOST_SIZE_MAX, &run->olds[i], &err) !=
            DFOTA_OK)
            return run_failure(run, run->args.olds[i], &err);
        run->sources[i].name = run->args.olds[i];
        run->sources[i].image = run->olds[i].data;
        run->sources[i].size = run->olds[i].size;
        run->sources[i].version = run->args.from;
    }
    if (cli_map_file(run->args.new_, DFOTA_HOST_SIZE_MAX, &run->new_, &err) != DFOTA_OK)
        return run_failure(run, run->args.new_, &err);
    return CLI_EXIT_OK;
}

/* Versions and names; a version that cannot be read is a usage error pointing at its option. */
static int plan(struct release_run *run)
{
    struct dfota_error err;

    if (dfota_release_plan(&run->opts, &run->result, &err) == DFOTA_OK)
        return CLI_EXIT_OK;
    if (err.status != DFOTA_E_INVALID_ARGUMENT)
        return run_failure(run, NULL, &err);
    if (run->result.failed_target)
        return cli_usage_error(COMMAND, "%s; give --to-version", err.message);
    if (run->result.failed_source && run->args.old_count == 1)
        return cli_usage_error(COMMAND, "%s; give --from-version", err.message);
    if (run->result.failed_source)
        return cli_usage_error(COMMAND,
                               "%s; release it alone, with --from-version, or make its image "
                               "hold its version",
                               err.message);
    return cli_usage_error(COMMAND, "%s", err.message);
}

/* Outputs over inputs, and existing outputs, refused before any work. */
static int check_outputs(struct release_run *run)
{
    struct cli_file *outputs, inputs[DFOTA_RELEASE_SOURCES_MAX + 4];
    char (*paths)[PATH_MAX];
    struct dfota_error err;
    size_t n = dfota_release_output_count(&run->result), i, k, m = 0;
    int rc;

    outputs = calloc(n, sizeof(*outputs));
    paths = calloc(n, sizeof(*paths));
    if (outputs == NULL || paths == NULL) {
        free(outputs);
        free(paths);
        return cli_fail(CLI_EXIT_IO, COMMAND, "out of memory");
    }
    for (i = 0; i < run->result.count; i++)
        for (k = 0; k < DFOTA_RELEASE_FILE_COUNT; k++, m++)
            snprintf(paths[m], PATH_MAX, "%s/%s", run->args.dir, run->result.pairs[i].out[k].name);
    if (run->result.has_summary)
        snprintf(paths[m++], PATH_MAX, "%s/%s", run->args.dir, run->result.summary.name);
    for (i = 0; i < n; i++)
        outputs[i] = (struct cli_file){"-o", paths[i]};
    for (i = 0; i < run->args.old_count; i++)
        inputs[i] = (struct cli_file){"--old", run->args.olds[i]};
    inputs[i++] = (struct cli_file){"--new", run->args.new_};
    inputs[i++] = (struct cli_file){"--key", cli_key_path(run->args.key)};
    inputs[i++] = (struct cli_file){"--pubkey", run->args.pubkey};
    inputs[i++] = (struct cli_file){"--passin", cli_passphrase_path(run->args.passin)};
    rc = cli_check_outputs(COMMAND, outputs, n, inputs, i);
    free(outputs);
    free(paths);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (dfota_release_check_outputs(&run->result, run->args.dir,
                                    run->args.force ? DFOTA_OUTPUT_FORCE : 0, &err) == DFOTA_OK)
        return CLI_EXIT_OK;
    if (err.status == DFOTA_E_EXISTS)
        return cli_fail(CLI_EXIT_EXISTS, COMMAND, "%s; use --force to replace the release",
                        err.message);
    return run_failure(run, NULL, &err);
}

static int load_keys(struct release_run *run)
{
    struct dfota_passphrase pass;
    struct dfota_error err;
    char prompt[PATH_MAX + 64];
    int rc;

    if (run->args.passin != NULL) {
        /* As cli_passphrase() does, but the failure also goes to JSON output. */
        if (dfota_passphrase_read(run->args.passin, &pass, &err) != DFOTA_OK) {
            struct dfota_error detail;

            dfota_error_set(&detail, err.status, "--passin: %s", err.message);
            return run_failure(run, NULL, &detail);
        }
    } else {
        snprintf(prompt, sizeof(prompt), "Enter the passphrase for %s: ", run->args.key);
        rc = cli_passphrase(COMMAND, "--passin", NULL, prompt, false, &pass);
        if (rc != CLI_EXIT_OK)
            return rc;
    }
    if (dfota_signing_key_load(run->args.key, &pass, &run->key, &err) != DFOTA_OK) {
        dfota_passphrase_wipe(&pass);
        /* The message names the key already. */
        return run_failure(run, NULL, &err);
    }
    dfota_passphrase_wipe(&pass);
    if (run->args.pubkey != NULL &&
        dfota_public_key_load(run->args.pubkey, &run->pubkey, &err) != DFOTA_OK)
        return run_failure(run, NULL, &err);
    run->opts.key = run->key;
    run->opts.verify_key = run->pubkey;
    return CLI_EXIT_OK;
}

/* ---- signals ---------------------------------------------------------- */

/*
 * Interrupted (Ctrl-C, kill) while the release is built in its private
 * directory: remove that directory, and DIR if this run created it, then
 * die of the signal (dfota_output_signal_cleanup() is async-signal-safe).
 * During the moves into DIR the signals are held instead.
 */
static struct dfota_output_set *volatile interrupted_set;
static const int cleanup_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
static const char *const cleanup_signal_names[] = {"SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT"};
#define CLEANUP_SIGNAL_COUNT (sizeof(cleanup_signals) / sizeof(cleanup_signals[0]))

static const char *signal_name(int sig)
{
    size_t i;

    for (i = 0; i < CLEANUP_SIGNAL_COUNT; i++)
        if (cleanup_signals[i] == sig)
            return cleanup_signal_names[i];
    return "a signal";
}

static void remove_and_reraise(int sig)
{
    struct dfota_output_set *set = interrupted_set;

    if (set != NULL)
        dfota_output_signal_cleanup(set);
    (void)raise(sig); /* SA_RESETHAND: the default action now */
}

/* A signal the caller ignores (nohup) stays ignored. */
static void arm_cleanup(struct dfota_output_set *set, struct sigaction previous[])
{
    struct sigaction action;
    size_t i;

    memset(&action, 0, sizeof(action));
    action.sa_handler = remove_and_reraise;
    action.sa_flags = SA_RESETHAND;
    sigemptyset(&action.sa_mask);
    for (i = 0; i < CLEANUP_SIGNAL_COUNT; i++)
        sigaddset(&action.sa_mask, cleanup_signals[i]);
    interrupted_set = set;
    for (i = 0; i < CLEANUP_SIGNAL_COUNT; i++)
        if (sigaction(cleanup_signals[i], NULL, &previous[i]) == 0 &&
            previous[i].sa_handler != SIG_IGN)
            (void)sigaction(cleanup_signals[i], &action, NULL);
}

static void disarm_cleanup(const struct sigaction previous[])
{
    size_t i;

    for (i = 0; i < CLEANUP_SIGNAL_COUNT; i++)
        (void)sigaction(cleanup_signals[i], &previous[i], NULL);
    interrupted_set = NULL;
}

static void cleanup_signal_set(sigset_t *set)
{
    size_t i;

    sigemptyset(set);
    for (i = 0; i < CLEANUP_SIGNAL_COUNT; i++)
        sigaddset(set, cleanup_signals[i]);
}

/* The first of the cleanup signals that is pending (blocked), or 0. */
static int pending_signal(void)
{
    sigset_t pending;
    size_t i;

    if (sigpending(&pending) != 0)
        return 0;
    for (i = 0; i < CLEANUP_SIGNAL_COUNT; i++)
        if (sigismember(&pending, cleanup_signals[i]) == 1)
            return cleanup_signals[i];
    return 0;
}

/*
 * Test hook, for tests/cli/test_release_cli.sh: DFOTA_TEST_PUBLISH_SIGNAL=SIG:N
 * makes the run raise SIG (INT, TERM, HUP, QUIT, KILL or STOP) on itself
 * right before the N-th move into DIR (N = the number of files: after the
 * last), so that a test can deliver a signal at every point of the moves.
 */
static void publish_test_hook(void *ctx, size_t moved)
{
    static const struct {
        const char *name;
        int sig;
    } names[] = {{"INT", SIGINT},   {"TERM", SIGTERM}, {"HUP", SIGHUP},
                 {"QUIT", SIGQUIT}, {"KILL", SIGKILL}, {"STOP", SIGSTOP}};
    const char *hook = getenv("DFOTA_TEST_PUBLISH_SIGNAL"), *colon;
    unsigned long at;
    size_t i;

    (void)ctx;
    if (hook == NULL || (colon = strchr(hook, ':')) == NULL ||
        !cli_parse_uint(colon + 1, 0, 100000, &at) || at != moved)
        return;
    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strlen(names[i].name) == (size_t)(colon - hook) &&
            strncmp(hook, names[i].name, (size_t)(colon - hook)) == 0)
            (void)raise(names[i].sig);
}

/* Another run's leftovers in DIR, on stderr ("removed ..." only when not quiet). */
static void print_notice(void *ctx, const char *message)
{
    const struct release_run *run = ctx;

    if (run->args.quiet && strncmp(message, "removed ", 8) == 0)
        return;
    fprintf(stderr, "dfota %s: %s\n", COMMAND, message);
}

static void pair_built(void *ctx, size_t index)
{
    struct release_run *run = ctx;

    (void)index;
    if (run->opts.diff.progress != NULL)
        cli_progress_done(&run->bar);
}

/* Build, write and verify into the private directory, then move into DIR. */
static int build_and_publish(struct release_run *run)
{
    struct sigaction previous[CLEANUP_SIGNAL_COUNT];
    struct dfota_error err;
    sigset_t held, unheld;
    enum dfota_status st;
    int rc = CLI_EXIT_OK, sig;

    /* Held while DIR may be created, so that the handler never sees it made but not marked. */
    cleanup_signal_set(&held);
    (void)sigprocmask(SIG_BLOCK, &held, &unheld);
    arm_cleanup(&run->set, previous);
    st = dfota_output_open(&run->set, run->args.dir, ".release",
                           dfota_release_output_count(&run->result),
                           DFOTA_OUTPUT_CREATE_DIR | (run->args.force ? DFOTA_OUTPUT_FORCE : 0),
                           print_notice, run, &err);
    run->set_open = true;
    run->set.before_move = publish_test_hook;
    (void)sigprocmask(SIG_SETMASK, &unheld, NULL);
    if (st == DFOTA_OK)
        st = dfota_release_build(&run->opts, &run->result, &err);
    if (st == DFOTA_OK)
        st = dfota_release_write(&run->opts, &run->result, &run->set, &err);
    /*
     * The moves into DIR, and undoing them after a failure: the signals that
     * end a run are held until DIR holds the whole release or is as it was.
     * One that came meanwhile undoes the moves too, then ends the run once
     * the handlers are back to what they were.
     */
    (void)sigprocmask(SIG_BLOCK, &held, &unheld);
    if (st == DFOTA_OK)
        st = dfota_output_commit(&run->set, &err);
    sig = pending_signal();
    if (st == DFOTA_OK && sig != 0) {
        dfota_output_rollback(&run->set);
        rc = CLI_EXIT_IO;
    } else if (st != DFOTA_OK) {
        rc = err.status == DFOTA_E_EXISTS
                 ? cli_fail(CLI_EXIT_EXISTS, COMMAND, "%s; use --force to replace the release",
                            err.message)
                 : run_failure(run, NULL, &err);
    }
    run->committed = rc == CLI_EXIT_OK;
    dfota_output_close(&run->set);
    run->set_open = false;
    if (sig != 0)
        cli_fail(rc, COMMAND, "interrupted by %s: no file written: '%s' is as it was",
                 signal_name(sig), run->args.dir);
    else if (rc != CLI_EXIT_OK)
        cli_fail(rc, COMMAND, "no file written: '%s' is as it was", run->args.dir);
    disarm_cleanup(previous);
    (void)sigprocmask(SIG_SETMASK, &unheld, NULL);
    return rc;
}

/* ---- printing --------------------------------------------------------- */

static void print_pair(const struct release_run *run, const struct dfota_release_pair *pair)
{
    const struct dfota_release_output *o = pair->out;
    char path[DFOTA_RELEASE_FILE_COUNT][PATH_MAX];
    size_t i, c;
    int width = 0;

    for (i = 0; i < DFOTA_RELEASE_FILE_COUNT; i++) {
        if (snprintf(path[i], PATH_MAX, "%s/%s", run->args.dir, o[i].name) >= PATH_MAX)
            path[i][PATH_MAX - 1] = '\0'; /* cannot be: parse_args() bounds DIR */
        if ((int)strlen(path[i]) > width)
            width = (int)strlen(path[i]);
    }
    printf("release %s -> %s (from: ", pair->from, pair->to);
    if (pair->from_found)
        printf("old image, offset %zu", pair->from_offset);
    else
        printf("--from-version");
    printf("; to: ");
    if (pair->to_found)
        printf("new image, offset %zu)\n", pair->to_offset);
    else
        printf("--to-version)\n");
    printf("  %-*s  %zu bytes, %.2f%% of the new image, device workspace %lu bytes\n", width,
           path[DFOTA_RELEASE_PACKAGE], o[DFOTA_RELEASE_PACKAGE].size,
           run->new_.size ? 100.0 * (double)o[DFOTA_RELEASE_PACKAGE].size / (double)run->new_.size
                          : 0.0,
           (unsigned long)pair->header.workspace_size);
    printf("  %-*s  %zu bytes\n", width, path[DFOTA_RELEASE_ZIP], o[DFOTA_RELEASE_ZIP].size);
    printf("  %-*s  %zu bytes, %s\n", width, path[DFOTA_RELEASE_SIGNED],
           o[DFOTA_RELEASE_SIGNED].size, run->result.scheme);
    printf("  %-*s  sizes, digests and every check below\n", width, path[DFOTA_RELEASE_REPORT]);
    if (run->args.verbose) {
        printf("  patch: %zu bytes, %s, %s codec, history/window log %u, prediction %s, %lu "
               "segments of %lu bytes\n",
               pair->patch_size, dfota_report_layout_name(&pair->patch),
               dfota_report_codec_name(pair->patch.codec), (unsigned)pair->patch.window_log,
               dfota_report_predict_name(pair->patch.predict),
               (unsigned long)pair->patch.segment_count, (unsigned long)pair->patch.segment_size);
        for (i = 0; i < DFOTA_RELEASE_VERIFIED_COUNT; i++) {
            char hex[65];

            dfota_hex(o[i].sha256, sizeof(o[i].sha256), hex);
            printf("  sha256 %s  %s\n", hex, o[i].name);
        }
    }
    for (i = 0; i < DFOTA_RELEASE_VERIFIED_COUNT; i++) {
        printf("verified %-10s ", dfota_file_kind_name(o[i].report.kind));
        for (c = 0; c < DFOTA_CHECK_COUNT; c++)
            if (o[i].report.checks[c].result == DFOTA_CHECK_PASSED)
                printf(" %s", dfota_check_name((enum dfota_check_id)c));
        printf(": ok\n");
    }
}

static void print_summary(const struct release_run *run)
{
    size_t i;

    for (i = 0; i < run->result.count; i++)
        print_pair(run, &run->result.pairs[i]);
    if (run->result.has_summary)
        printf("%zu releases to %s; summary in %s/%s\n", run->result.count, run->result.to,
               run->args.dir, run->result.summary.name);
}

static void run_free(struct release_run *run)
{
    size_t i;

    if (run->set_open)
        dfota_output_close(&run->set);
    dfota_release_result_free(&run->result);
    for (i = 0; i < run->args.old_count; i++)
        cli_unmap_file(&run->olds[i]);
    cli_unmap_file(&run->new_);
    dfota_signing_key_free(run->key);
    dfota_public_key_free(run->pubkey);
}

int cmd_release(int argc, char **argv)
{
    struct release_run *run;
    int rc;

    run = calloc(1, sizeof(*run));
    if (run == NULL)
        return cli_fail(CLI_EXIT_IO, COMMAND, "out of memory");
    rc = parse_args(argc, argv, &run->args);
    if (rc != CLI_EXIT_OK) {
        free(run);
        return rc == CLI_HELP_SHOWN ? CLI_EXIT_OK : rc;
    }
    dfota_release_options_init(&run->opts);
    run->opts.diff = run->args.diff;
    run->opts.jobs = run->args.jobs;
    run->opts.sources = run->sources;
    run->opts.source_count = run->args.old_count;
    run->opts.new_name = run->args.new_;
    run->opts.to_version = run->args.to;
    run->opts.pair_done = pair_built;
    run->opts.pair_done_ctx = run;
    if (!cli_source_date_epoch(COMMAND, &run->opts.created) ||
        !cli_zip_entry_time(COMMAND, &run->opts.zip_mtime)) {
        free(run);
        return CLI_EXIT_USAGE;
    }
    rc = map_images(run);
    run->opts.new_image = run->new_.data;
    run->opts.new_size = run->new_.size;
    /* Usage errors and existing outputs before the passphrase is asked for. */
    if (rc == CLI_EXIT_OK)
        rc = plan(run);
    if (rc == CLI_EXIT_OK)
        rc = check_outputs(run);
    if (rc == CLI_EXIT_OK)
        rc = load_keys(run);
    if (rc == CLI_EXIT_OK) {
        /* A progress bar for one large pair on a terminal; several build at once. */
        cli_progress_init(&run->bar, "diff", !run->args.quiet && !run->args.json &&
                                                 run->result.count == 1 &&
                                                 run->new_.size >= CLI_PROGRESS_MIN_BYTES);
        if (run->bar.enabled) {
            run->opts.diff.progress = cli_progress;
            run->opts.diff.progress_ctx = &run->bar;
        }
        rc = build_and_publish(run);
    }
    if (rc == CLI_EXIT_OK && run->args.json) {
        cli_json_printed();
        if (!dfota_release_report(stdout, &run->result, -1, NULL))
            cli_stdout_failed(errno);
    } else if (rc == CLI_EXIT_OK && !run->args.quiet)
        print_summary(run);
    run_free(run);
    free(run);
    return rc;
}
