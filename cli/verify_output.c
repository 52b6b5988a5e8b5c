/*
 * verify_output.c - the output verify, inspect and apply share (verify_output.h).
 */
#include <errno.h>
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

int cli_json_done(const char *command, struct dfota_json *j, int code)
{
    if (!dfota_json_finish(j)) {
        /* main() says so once, with this reason (cli_finish_stdout()). */
        cli_stdout_failed(errno);
        return cli_finish_stdout(command, code);
    }
    return code;
}

int cli_json_failure(const char *command, const struct dfota_error *err, bool outputs, int code)
{
    struct dfota_json j;

    dfota_json_init(&j, stdout);
    dfota_report_begin(&j, command);
    dfota_json_bool(&j, "ok", false);
    dfota_report_error(&j, err);
    if (outputs) {
        dfota_json_array(&j, "outputs", true);
        dfota_json_end(&j);
    }
    dfota_json_end(&j);
    return cli_json_done(command, &j, code);
}

int cli_usage_failure(const char *command, bool json, const char *fmt, ...)
{
    struct dfota_error err;
    va_list ap;

    dfota_error_clear(&err);
    err.status = DFOTA_E_INVALID_ARGUMENT;
    va_start(ap, fmt);
    (void)vsnprintf(err.message, sizeof(err.message), fmt, ap);
    va_end(ap);
    (void)cli_usage_error(command, "%s", err.message);
    if (json)
        return cli_json_failure(command, &err, strcmp(command, "apply") == 0, CLI_EXIT_USAGE);
    return CLI_EXIT_USAGE;
}

void cli_format_dos_time(uint16_t time, uint16_t date, char out[20])
{
    (void)snprintf(out, 20, "%04u-%02u-%02u %02u:%02u:%02u", 1980u + (date >> 9),
                   (date >> 5) & 15u, date & 31u, time >> 11, (time >> 5) & 63u,
                   (time & 31u) * 2u);
}

void cli_sha256(const uint8_t *data, size_t size, uint8_t out[32])
{
    struct dfota_image_info info;

    memset(out, 0, 32);
    if (dfota_image_info_compute(data, size, &info, NULL) == DFOTA_OK)
        memcpy(out, info.sha256, 32);
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
