/*
 * cli.h - shared pieces of the dfota front end: exit codes, the command
 * table entry, messages, file I/O and JSON output.
 *
 * The front end parses options, calls one library function and turns its
 * status into a message and an exit code; the libraries never print.
 */
#ifndef DFOTA_CLI_H
#define DFOTA_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "dfota/container.h"
#include "dfota/status.h"

/* Exit codes; documented in README.md ("Exit codes"). */
enum cli_exit {
    CLI_EXIT_OK = 0,
    CLI_EXIT_CHECK = 1,  /* an input was read and failed a check */
    CLI_EXIT_USAGE = 2,  /* bad command line */
    CLI_EXIT_IO = 3,     /* cannot read or write a file, out of memory, system error */
    CLI_EXIT_EXISTS = 4, /* the output exists and --force was not given */
    CLI_EXIT_POWER_CUT = 5, /* apply --cut-after: simulated power cut, state saved */
    CLI_EXIT_IN_PROGRESS = 6, /* apply --state: another package's update is in progress */
    CLI_EXIT_FOREIGN = 7  /* the file, or a zip's payload, is not a dfota package nor a raw
                           * patch: a file dfota did not make (verify --signature-only) */
};

struct cli_command {
    const char *name;
    int (*run)(int argc, char **argv); /* argv[0] is the command name */
    const char *summary;               /* one line for `dfota --help` */
    const char *usage;                 /* synopsis lines, without "usage: " */
    const char *options;               /* option descriptions for `dfota help CMD` */
};

/* The command table (main.c); help and dispatch both come from it. */
extern const struct cli_command cli_commands[];
const struct cli_command *cli_find_command(const char *name);

int cmd_pack(int argc, char **argv);
int cmd_inspect(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_apply(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_release(int argc, char **argv);
int cmd_keygen(int argc, char **argv);
int cmd_zip(int argc, char **argv);
int cmd_sign(int argc, char **argv);
int cmd_module(int argc, char **argv);

struct dfota_passphrase;

/*
 * The passphrase for `command` (passphrase.c): read from `source` (the value
 * of `option`, --passin or --passout: pass:, env:, file:, fd:, stdin) when
 * given; else asked on the terminal without echo, twice when `confirm`, if
 * standard input is one; else a usage error. Returns an exit code; the
 * caller wipes `pass` with dfota_passphrase_wipe().
 */
int cli_passphrase(const char *command, const char *option, const char *source,
                   const char *prompt, bool confirm, struct dfota_passphrase *pass);

struct dfota_diff_options;

/* The patch options shared by `diff`, `pack` and `release` (--predict,
 * --window-log, --segment-size, --level, --in-place), terminated by a zero
 * entry; their getopt values. */
enum cli_diff_option {
    CLI_OPT_PREDICT = 256,
    CLI_OPT_WINDOW_LOG,
    CLI_OPT_SEGMENT_SIZE,
    CLI_OPT_LEVEL,
    CLI_OPT_IN_PLACE,
    CLI_OPT_CODEC
};
extern const struct option cli_diff_options[];

/* The getopt value of --json in every command that takes it. */
#define CLI_OPT_JSON 400

/* Apply one of cli_diff_options to `opts`: CLI_EXIT_OK, a usage error's exit
 * code, or -1 if `opt` is not a patch option. An option with a value given a
 * second time (--level 3 --level 5) is a usage error naming both values
 * (cli_set_once()); the first values are remembered for the whole process,
 * which parses one command line. --in-place, a flag, may be repeated. */
int cli_parse_diff_option(const char *command, int opt, const char *arg,
                          struct dfota_diff_options *opts);

/* Run the diff with a progress bar (on a terminal, for large images). */
int cli_make_patch(const char *command, const uint8_t *old, size_t old_size, const uint8_t *new_,
                   size_t new_size, struct dfota_diff_options *opts, bool quiet, uint8_t **patch,
                   size_t *patch_size);

/* `dst` = the `nbase` entries of `base`, then `extra` up to its zero entry, then a zero entry. */
void cli_merge_options(struct option *dst, const struct option *base, size_t nbase,
                       const struct option *extra);

/* Progress bar on standard error, drawn only when it is a terminal. */
#define CLI_PROGRESS_MIN_BYTES (256u * 1024u)
struct cli_progress_bar {
    const char *label;
    bool enabled;
    int last_percent;
};
void cli_progress_init(struct cli_progress_bar *bar, const char *label, bool wanted);
void cli_progress(void *bar, uint64_t done, uint64_t total);
void cli_progress_done(struct cli_progress_bar *bar);

/* Full help of `cmd` on `out`. */
void cli_print_command_help(const struct cli_command *cmd, FILE *out);

/*
 * Usage error: "dfota CMD: <message>", the synopsis and a pointer to
 * `dfota help CMD`, all on stderr. Returns CLI_EXIT_USAGE.
 */
int cli_usage_error(const char *command, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Report a library failure about `subject` (a file name, or NULL) on stderr:
 *   dfota CMD: 'file': <detail> (STATUS; module error BC25 6507, EC200 506, LwM2M 5)
 * and return the exit code for the status.
 */
int cli_report(const char *command, const char *subject, const struct dfota_error *err);

/*
 * The getopt cases every command shares: 'h' prints the command's help and
 * returns CLI_HELP_SHOWN (the command then exits with CLI_EXIT_OK); ':' (an
 * option without its value) and anything else (an unknown option, named by
 * `option`) are usage errors, returning CLI_EXIT_USAGE.
 */
#define CLI_HELP_SHOWN (-1)
int cli_option_error(const char *command, int c, const char *option);

/* Exit code for a library status. */
int cli_exit_code(enum dfota_status status);

/* Print "dfota CMD: <message>" on stderr; returns `code`. */
int cli_fail(int code, const char *command, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * Read the whole of `path` ("-" is standard input), at most `limit` bytes.
 * On failure fills `err` (IO with the system's reason, TOO_LARGE) and
 * returns its status. `*data` is malloc'd; free() it.
 */
enum dfota_status cli_read_file(const char *path, size_t limit, uint8_t **data, size_t *size,
                                struct dfota_error *err);

/*
 * An input image mapped read-only instead of read into a buffer: its pages
 * come into memory (the page cache, shared) only as they are first read,
 * and no copy is made. Standard input, anything but a regular file, an
 * empty file or a file the system will not map is read with
 * cli_read_file() instead; `mapped` says which. The file must not shrink
 * while it is mapped (reading a page past its new end raises SIGBUS).
 */
struct cli_image {
    uint8_t *data;
    size_t size;
    bool mapped; /* data is an mmap of size bytes, else malloc'd */
};

/* cli_read_file()'s contract, `limit` and errors, into `img`; cli_unmap_file() releases it. */
enum dfota_status cli_map_file(const char *path, size_t limit, struct cli_image *img,
                               struct dfota_error *err);
void cli_unmap_file(struct cli_image *img);

/* One of the files cli_write_outputs() writes. */
struct cli_output {
    const char *name; /* in DIR, no '/' */
    mode_t mode;      /* less the umask */
    const void *data;
    size_t size;
};

/*
 * Write `count` files into the directory `dir` together, whole, or not at
 * all (dfota/output.h): each into a private directory, fsync'd, then
 * moved into place; without `force` an existing file is never replaced
 * (CLI_EXIT_EXISTS, "'DIR/x' already exists; use --force to replace
 * <exists_hint>"), with it a failure puts the replaced files back. The
 * signals that end a run are held meanwhile. Prints its own message;
 * returns an exit code.
 */
int cli_write_outputs(const char *command, const char *dir, const struct cli_output *files,
                      size_t count, bool force, const char *exists_hint);

/*
 * Write `size` bytes to `path` as cli_write_outputs() does, one file. "-"
 * writes to standard output (refused on a terminal). Prints its own
 * message; returns an exit code.
 */
int cli_write_file(const char *command, const char *path, const uint8_t *data, size_t size,
                   bool force);

/* A file a command reads or writes, named in messages by the option that gave it. */
struct cli_file {
    const char *option; /* "--old", "-o", "X.zip" */
    const char *path;   /* NULL or "-": not a file, skipped */
};

/*
 * Refuse to write any of `outputs` over one of `inputs` or over another
 * output: "dfota CMD: -o 'x' is the same file as --state 'x'; ..." and
 * CLI_EXIT_USAGE. Files that exist are compared by device and inode, so a
 * hard link or a symbolic link to an input is caught whatever its name; an
 * output that does not exist yet is only the same as another path that
 * does not exist either and names the same entry of the same directory.
 * Call it before any work: it is what keeps `apply --state F -o F` or
 * `pack --new X -o X --force` from destroying an input. Returns an exit code.
 */
int cli_check_outputs(const char *command, const struct cli_file *outputs, size_t n_outputs,
                      const struct cli_file *inputs, size_t n_inputs);

/* The file behind a --key value: the path of a file: URI ("file:k.pem",
 * "file:///abs/k.pem"), else the value itself (a path, or a URI no file has). */
const char *cli_key_path(const char *key);

/* The file behind a --passin/--passout value: PATH of "file:PATH", else NULL. */
const char *cli_passphrase_path(const char *source);

/*
 * Creation time for reproducible output: SOURCE_DATE_EPOCH when set (a
 * decimal number of seconds), else 0. Returns false, with a message, when
 * the variable is set to something else.
 */
bool cli_source_date_epoch(const char *command, uint64_t *seconds);

/*
 * Time of a zip entry, as `dfota zip` and `dfota release` write it:
 * SOURCE_DATE_EPOCH when set (1980-01-01 at the earliest, refused after
 * 2099), else 1980-01-01T00:00:00Z. False, with a message, when invalid.
 */
bool cli_zip_entry_time(const char *command, uint64_t *mtime);

/* write(2) all of `size` bytes, retrying on EINTR; false with errno set on failure. */
bool cli_write_all(int fd, const void *data, size_t size);

/*
 * `path` with a trailing `old_suffix` (any case) replaced by `new_suffix`, or
 * with `new_suffix` appended when it does not end in `old_suffix`:
 * ("X.bin", ".bin", ".zip") gives "X.zip". malloc'd (free()); NULL when out
 * of memory.
 */
char *cli_replace_suffix(const char *path, const char *old_suffix, const char *new_suffix);

/* Parse an unsigned decimal option value in [min, max]. */
bool cli_parse_uint(const char *text, unsigned long min, unsigned long max,
                    unsigned long *value);

/* The same, and a power of two (--erase-size, --write-align, --segment-size). */
bool cli_parse_pow2(const char *text, unsigned long min, unsigned long max,
                    unsigned long *value);

/* Print `s` as a JSON string literal (quotes and escapes included). */
void cli_json_string(FILE *out, const char *s);

/*
 * Print a failure as JSON on stdout:
 * {"file": ..., "ok": false, "error": {"status", "code", "message", "module_error"}}
 */
void cli_json_error(FILE *out, const char *subject, const struct dfota_error *err);

/* ---- one invocation, one meaning: options given once, standard input and
 * output used once, standard output checked, verbose digests, versions read
 * from the images (issue 14). ---- */

/*
 * A single-value option: store `value` in `*slot` (NULL until the option is
 * first given), or, when it was given before, a usage error
 *   dfota CMD: --old given twice ('A01.bin' and 'A02.bin'); give it once
 * naming both values, returning CLI_EXIT_USAGE. Returns an exit code. A
 * numeric option is stored as its text with this and parsed after the
 * getopt loop (or parsed at once, its text kept in a slot of its own), so a
 * repeat is refused whatever the values. A plain flag (-f, -q, -v, --json,
 * --in-place) given twice means what it means once, and stays allowed.
 */
int cli_set_once(const char *command, const char *option, const char **slot, const char *value);

/* cli_set_once() for a value that must never be printed (--passin, --passout: it may be
 * pass:TEXT): "dfota CMD: --passin given twice (the values are not shown); give it once". */
int cli_set_secret_once(const char *command, const char *option, const char **slot,
                        const char *value);

/*
 * The same for a getopt_long() loop over `options` (terminated by a zero
 * entry): `opt`, an option that takes a value, given a second time is a
 * usage error. `given` has a slot per entry of `options`, NULL at first.
 * Options without a value (flags) may repeat.
 */
int cli_option_once(const char *command, const struct option *options, const char **given,
                    int opt, const char *arg);

/*
 * "-" at most once per stream: at most one of `inputs` may be "-" (standard
 * input can be read only once), and at most one of `outputs` (everything
 * written to standard output would be interleaved). A second one is a
 * usage error naming both,
 *   dfota diff: OLD and NEW both read standard input ('-'), which can be
 *   read only once; give a file for one of them
 * returning CLI_EXIT_USAGE; entries with a NULL path are skipped. List
 * every input that reads standard input, also a passphrase source
 * (cli_passphrase_stream()). Call it before any work. Returns an exit code.
 */
int cli_check_standard_streams(const char *command, const struct cli_file *outputs,
                               size_t n_outputs, const struct cli_file *inputs, size_t n_inputs);

/* "-" when a --passin/--passout value reads standard input ("stdin", "fd:0"), else NULL:
 * the path of its cli_file for cli_check_standard_streams(). */
const char *cli_passphrase_stream(const char *source);

/*
 * The end of every run (main() calls it once, after the command): flush and
 * close standard output and check that every byte written to it through
 * stdio reached it. On failure (>/dev/full, EPIPE with SIGPIPE ignored, an NFS
 * write-back error at close) print
 *   dfota CMD: cannot write to standard output: No space left on device
 * ("dfota: ..." when `command` is NULL) and return CLI_EXIT_IO when `rc` is
 * CLI_EXIT_OK: a run whose output was lost never exits 0. The reason is
 * the system's when the final flush fails; when an earlier, implicit flush
 * failed (more than a buffer of output), stdio keeps only the error flag
 * and the reason printed is "write error", unless the command flushed
 * through cli_flush_stdout() or noted the failure with cli_stdout_failed().
 * A failed `rc` is returned as it is: the command's own failure comes
 * first. Standard output is closed afterwards: a command may call this
 * itself just before it returns (to decide its exit code); later calls
 * print nothing more and return `rc`, or CLI_EXIT_IO for CLI_EXIT_OK when
 * it failed.
 */
int cli_finish_stdout(const char *command, int rc);

/* The run's first failure, for its --json document (verify_output.h); a
 * no-op without --json. cli_fail(), cli_usage_error() and cli_report() call it. */
void cli_json_note_failure(enum dfota_status status, const char *message);

/* fflush(stdout) for a command that flushes on its own (apply --urc, a JSON
 * report): false when standard output has failed, and the system's reason
 * is kept for cli_finish_stdout(), which reports it once. */
bool cli_flush_stdout(void);

/* The same, for a write that failed with `errnum` elsewhere (a writer that
 * flushed standard output itself). */
void cli_stdout_failed(int errnum);

/* SHA-256 of `size` bytes (the whole file a report names). */
void cli_sha256(const uint8_t *data, size_t size, uint8_t out[32]);

/* "  <label> <SHA-256 of data, hex>" on `out` (`label` padded to 14 columns): -v output. */
void cli_print_sha256(FILE *out, const char *label, const uint8_t *data, size_t size);

/*
 * The version of an image, read from it by dfota_image_version()
 * (dfota/revision.h): its one revision string and the offset of its first
 * occurrence. None or several are a usage error pointing at the option
 * that gives the version instead (`option`, "--from-version"):
 *   dfota pack: no version string found in 'app.bin'; give --to-version
 *   dfota pack: ambiguous version: several version strings (BC25R01A03,
 *   BC25R01A04) in 'merged.bin'; give --from-version
 * `path` ("-": <stdin>) names the image. Returns an exit code.
 */
int cli_image_version(const char *command, const char *path, const char *option,
                      const uint8_t *image, size_t size, char version[DFOTA_VERSION_MAX + 1],
                      size_t *offset);

#endif /* DFOTA_CLI_H */
