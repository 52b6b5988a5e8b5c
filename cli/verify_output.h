/*
 * verify_output.h - what `dfota verify`, `inspect` and `apply` share in
 * their output: JSON documents through dfota/report.h (also for a failure
 * before any check ran), the check list as text, and their exit codes.
 */
#ifndef DFOTA_CLI_VERIFY_OUTPUT_H
#define DFOTA_CLI_VERIFY_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dfota/report.h"
#include "dfota/verifier.h"

/* Is "--json" among the options (before a "--")? Known before parsing, so
 * that a usage error is a JSON document too. */
bool cli_wants_json(int argc, char **argv);

/*
 * A failure before any check ran, as a document of `command`: the envelope
 * with ok false and `err`, plus "outputs": [] when `outputs` (the commands
 * that write files). Returns `code`, or CLI_EXIT_IO when standard output
 * cannot be written.
 */
int cli_json_failure(const char *command, const struct dfota_error *err, bool outputs, int code);

/* A usage error (cli_usage_error()), also as a JSON document when `json`. */
int cli_usage_failure(const char *command, bool json, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* dfota_json_finish(), and the message and exit code when standard output failed. */
int cli_json_done(const char *command, struct dfota_json *j, int code);

/* A zip entry's DOS time and date as "YYYY-MM-DD HH:MM:SS". */
void cli_format_dos_time(uint16_t time, uint16_t date, char out[20]);

/* SHA-256 of `size` bytes (the whole file a report names). */
void cli_sha256(const uint8_t *data, size_t size, uint8_t out[32]);

/*
 * The error of a verification that failed: the first failed check's status
 * and detail; for a foreign payload the sentence saying so (with the
 * --signature-only hint for a signed zip when `hint`). Exit code: 0,
 * CLI_EXIT_FOREIGN for a foreign payload, else cli_exit_code().
 */
int cli_verification_error(const struct dfota_verify_report *r, bool hint,
                           struct dfota_error *err);

/* Print `err` about `subject` on stderr like cli_report(), with `code`. */
int cli_report_code(const char *command, const char *subject, const struct dfota_error *err,
                    int code);

/* "passed", "FAILED", "skipped" or, for a signed zip's signature checked without key, "NOT checked". */
const char *cli_check_result_text(const struct dfota_verify_report *r, enum dfota_check_id id);

#endif /* DFOTA_CLI_VERIFY_OUTPUT_H */
