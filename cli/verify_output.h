/*
 * verify_output.h - the output the commands share: JSON documents through
 * dfota/report.h (one per run with --json, also for a failure), and for
 * verify, inspect and apply the check list as text and their exit codes.
 */
#ifndef DFOTA_CLI_VERIFY_OUTPUT_H
#define DFOTA_CLI_VERIFY_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dfota/report.h"
#include "dfota/verifier.h"
#include "dfota/zip.h"

/* Is "--json" among the options (before a "--")? Known before parsing, so
 * that a usage error is a JSON document too. */
bool cli_wants_json(int argc, char **argv);

/*
 * --json for a whole run. main() calls cli_json_run(CMD, ...) when "--json" is
 * among CMD's options (cli_wants_json()); then exactly one JSON document is
 * printed on standard output, whatever happens: the command's own (through
 * cli_json_done()), or, when the command failed before printing one, the
 * failure document of cli_json_run_end() with the first failure the run
 * reported (cli_fail(), cli_usage_error(), cli_report() note it): the
 * envelope with ok false, and the members the command's document always
 * has, empty ("outputs": [] for the commands that write files; a release's
 * nulls and "pairs": []).
 */
void cli_json_run(const char *command, int argc, char **argv);
bool cli_json_wanted(void);
void cli_json_printed(void); /* the command printed its document itself */

/* A document names no path of this machine: every path of the command line
 * (an argument with a '/', also after --opt=, file: or file://) in `message`
 * becomes its base name. */
void cli_json_strip_paths(char *message, size_t cap);
int cli_json_run_end(int rc); /* main(): the failure document if none was printed */

/* The start of a command's success document: the envelope, ok true, error null. */
void cli_json_begin_ok(struct dfota_json *j, const char *command);

/* One "inputs" or "outputs" item: the base name of `path`, `size` and the
 * SHA-256 of `data`. */
void cli_json_file_item(struct dfota_json *j, const char *path, const uint8_t *data, size_t size);

/* "entry": a zip's .bin entry (name, DOS time as stored, sizes, SHA-256 of the content). */
void cli_json_zip_entry(struct dfota_json *j, const struct dfota_zip_payload *entry);

/* dfota_json_finish(): the run's document is printed; CLI_EXIT_IO (said once, by
 * cli_finish_stdout()) when standard output failed, else `code`. */
int cli_json_done(const char *command, struct dfota_json *j, int code);

/* A zip entry's DOS time and date as "YYYY-MM-DD HH:MM:SS". */
void cli_format_dos_time(uint16_t time, uint16_t date, char out[20]);


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
