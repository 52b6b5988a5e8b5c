/*
 * verify_output.c - the output verify, inspect and apply share (verify_output.h).
 */
#include <errno.h>
#include <limits.h>
#include <sys/stat.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "dfota/packer.h"
#include "verify_output.h"

bool cli_wants_json(int argc, char **argv)
{
    int i;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            break;
        if (strcmp(argv[i], "--json") == 0)
            return true;
    }
    return false;
}

/* ---- --json for a whole run: exactly one document on standard output ---- */

static struct {
    int argc;            /* the command line, for cli_json_strip_paths() */
    char **argv;
    const char *command; /* NULL: no --json */
    bool printed;        /* the command printed its document */
    bool failed;         /* `failure` holds the run's first failure */
    struct dfota_error failure;
} json_run;

void cli_json_run(const char *command, int argc, char **argv)
{
    json_run.command = command;
    json_run.argc = argc;
    json_run.argv = argv;
}

/* Replace every `from` in `message` (`cap` bytes) with `to`, a shorter string. */
static void replace_all(char *message, size_t cap, const char *from, const char *to)
{
    size_t nf = strlen(from), nt = strlen(to);
    char *at = message;

    (void)cap;
    if (nf == 0 || nt >= nf)
        return;
    while ((at = strstr(at, from)) != NULL) {
        memmove(at + nt, at + nf, strlen(at + nf) + 1);
        memcpy(at, to, nt);
        at += nt;
    }
}

void cli_json_strip_paths(char *message, size_t cap)
{
    char inside[PATH_MAX + 2];
    struct stat sb;
    const char *arg, *base;
    int i;

    for (i = 1; i < json_run.argc; i++) {
        arg = json_run.argv[i];
        /* --opt=PATH, file:PATH and file://PATH name the same path. */
        if (strncmp(arg, "--", 2) == 0 && strchr(arg, '=') != NULL)
            arg = strchr(arg, '=') + 1;
        if (strncmp(arg, "file://", 7) == 0)
            arg += 7;
        else if (strncmp(arg, "file:", 5) == 0)
            arg += 5;
        base = strrchr(arg, '/');
        if (base == NULL && strlen(arg) < sizeof(inside) - 1 && stat(arg, &sb) == 0 &&
            S_ISDIR(sb.st_mode)) {
            /* A directory given without a '/' (-o out): its files by base name. */
            (void)snprintf(inside, sizeof(inside), "%s/", arg);
            replace_all(message, cap, inside, "");
            continue;
        }
        if (base == NULL || strlen(arg) >= sizeof(inside) - 1)
            continue;
        /* A file in a directory given (-o DIR): by its base name; the path itself too. */
        (void)snprintf(inside, sizeof(inside), "%s%s", arg, base[1] == '\0' ? "" : "/");
        replace_all(message, cap, inside, "");
        if (base[1] != '\0')
            replace_all(message, cap, arg, base + 1);
    }
}

bool cli_json_wanted(void)
{
    return json_run.command != NULL;
}

void cli_json_note_failure(enum dfota_status status, const char *message)
{
    if (json_run.command == NULL || json_run.failed || status == DFOTA_OK)
        return;
    json_run.failed = true;
    json_run.failure.status = status;
    (void)snprintf(json_run.failure.message, sizeof(json_run.failure.message), "%s", message);
    cli_json_strip_paths(json_run.failure.message, sizeof(json_run.failure.message));
}

void cli_json_printed(void)
{
    json_run.printed = true;
}

/* The members a command's document always has, empty after a failure. */
static void empty_members(struct dfota_json *j, const char *command)
{
    static const char *const release_nulls[] = {"report", "to_version", "new_image", "created",
                                                "signature"};
    size_t i;

    if (strcmp(command, "release") == 0) {
        for (i = 0; i < sizeof(release_nulls) / sizeof(release_nulls[0]); i++)
            dfota_json_null(j, release_nulls[i]);
        dfota_json_array(j, "pairs", true);
        dfota_json_end(j);
    } else if (strcmp(command, "verify") != 0 && strcmp(command, "inspect") != 0) {
        dfota_json_array(j, "outputs", true);
        dfota_json_end(j);
    }
}

/* A failure as a document of `command`: the envelope with ok false and
 * `err` (no path in its message), and the command's members, empty. */
static int failure_document(const char *command, const struct dfota_error *err, int code)
{
    struct dfota_error shown = *err;
    struct dfota_json j;

    cli_json_strip_paths(shown.message, sizeof(shown.message));
    dfota_json_init(&j, stdout);
    dfota_report_begin(&j, command);
    dfota_json_bool(&j, "ok", false);
    dfota_report_error(&j, &shown);
    empty_members(&j, command);
    dfota_json_end(&j);
    return cli_json_done(command, &j, code);
}

int cli_json_run_end(int rc)
{
    struct dfota_error err;

    if (json_run.command == NULL || json_run.printed || rc == CLI_EXIT_OK)
        return rc;
    if (json_run.failed) {
        err = json_run.failure;
    } else {
        dfota_error_clear(&err);
        err.status = rc == CLI_EXIT_USAGE ? DFOTA_E_INVALID_ARGUMENT : DFOTA_E_INTERNAL;
        (void)snprintf(err.message, sizeof(err.message), "failed with exit code %d", rc);
    }
    return failure_document(json_run.command, &err, rc);
}

void cli_json_begin_ok(struct dfota_json *j, const char *command)
{
    dfota_json_init(j, stdout);
    dfota_report_begin(j, command);
    dfota_json_bool(j, "ok", true);
    dfota_report_error(j, NULL);
}

void cli_json_file_item(struct dfota_json *j, const char *path, const uint8_t *data, size_t size)
{
    uint8_t sha[32];

    cli_sha256(data, size, sha);
    dfota_report_output(j, path, size, sha);
}

void cli_json_zip_entry(struct dfota_json *j, const struct dfota_zip_payload *entry)
{
    char when[20];
    uint8_t sha[32];

    dfota_report_dos_time(entry->dos_time, entry->dos_date, 'T', when);
    cli_sha256(entry->content, entry->content_size, sha);
    dfota_json_object(j, "entry", true);
    dfota_json_string(j, "name", entry->name);
    dfota_json_string(j, "time", when);
    dfota_json_uint(j, "size", entry->content_size);
    dfota_json_uint(j, "compressed_size", entry->compressed_size);
    dfota_json_hex(j, "sha256", sha, sizeof(sha));
    dfota_json_end(j);
}

int cli_json_done(const char *command, struct dfota_json *j, int code)
{
    json_run.printed = true;
    if (!dfota_json_finish(j)) {
        /* main() says so once, with this reason (cli_finish_stdout()). */
        cli_stdout_failed(errno);
        return cli_finish_stdout(command, code);
    }
    return code;
}


void cli_format_dos_time(uint16_t time, uint16_t date, char out[20])
{
    dfota_report_dos_time(time, date, ' ', out);
}

int cli_verification_error(const struct dfota_verify_report *r, bool hint,
                           struct dfota_error *err)
{
    const struct dfota_check *c = &r->checks[r->first_failed_check];

    dfota_error_clear(err);
    if (r->first_failure == DFOTA_OK)
        return CLI_EXIT_OK;
    err->status = r->first_failure;
    if (r->payload_foreign) {
        if (hint && r->kind == DFOTA_FILE_SIGNED_ZIP)
            (void)snprintf(err->message, sizeof(err->message),
                           "not a dfota package; use --signature-only to check only the "
                           "signature ('%.40s': %.100s)",
                           r->entry_name, c->detail);
        else
            (void)snprintf(err->message, sizeof(err->message), "%s", c->detail);
        return CLI_EXIT_FOREIGN;
    }
    (void)snprintf(err->message, sizeof(err->message), "%s check: %.200s",
                   dfota_check_name(r->first_failed_check),
                   c->detail[0] ? c->detail : dfota_status_str(r->first_failure));
    return cli_exit_code(r->first_failure);
}

int cli_report_code(const char *command, const char *subject, const struct dfota_error *err,
                    int code)
{
    (void)cli_report(command, subject, err);
    return code;
}

const char *cli_check_result_text(const struct dfota_verify_report *r, enum dfota_check_id id)
{
    switch (r->checks[id].result) {
    case DFOTA_CHECK_PASSED:
        return "passed";
    case DFOTA_CHECK_FAILED:
        return "FAILED";
    case DFOTA_CHECK_SKIPPED:
        break;
    }
    if (id == DFOTA_CHECK_SIGNATURE && r->signed_file)
        return "NOT checked";
    return "skipped";
}
