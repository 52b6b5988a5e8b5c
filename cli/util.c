/*
 * util.c - messages, exit codes, file I/O and JSON helpers of the front end.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "dfota/output.h"
#include "dfota/report.h"
#include "dfota/revision.h"
#include "dfota/sha256.h"
#include "dfota/wire.h"
#include "dfota/zip.h"

/* The status a failure with exit code `code` and no library status has. */
static enum dfota_status exit_status(int code)
{
    switch (code) {
    case CLI_EXIT_USAGE:
        return DFOTA_E_INVALID_ARGUMENT;
    case CLI_EXIT_EXISTS:
        return DFOTA_E_EXISTS;
    case CLI_EXIT_POWER_CUT:
        return DFOTA_E_POWER_CUT;
    case CLI_EXIT_IN_PROGRESS:
        return DFOTA_E_UPDATE_IN_PROGRESS;
    default:
        return DFOTA_E_IO;
    }
}

/* "dfota CMD: MESSAGE" on stderr; MESSAGE is also the run's failure for --json. */
static void vmessage(const char *command, enum dfota_status status, const char *fmt, va_list ap)
{
    char message[DFOTA_ERROR_MESSAGE_MAX];

    (void)vsnprintf(message, sizeof(message), fmt, ap);
    fprintf(stderr, "dfota %s: %s\n", command, message);
    cli_json_note_failure(status, message);
}

int cli_fail(int code, const char *command, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vmessage(command, exit_status(code), fmt, ap);
    va_end(ap);
    return code;
}

int cli_usage_error(const char *command, const char *fmt, ...)
{
    const struct cli_command *cmd = cli_find_command(command);
    va_list ap;

    va_start(ap, fmt);
    vmessage(command, DFOTA_E_INVALID_ARGUMENT, fmt, ap);
    va_end(ap);
    if (cmd != NULL)
        fprintf(stderr, "usage: %s\n", cmd->usage);
    fprintf(stderr, "Try 'dfota help %s' for more information.\n", command);
    return CLI_EXIT_USAGE;
}

int cli_exit_code(enum dfota_status status)
{
    switch (status) {
    case DFOTA_OK:
        return CLI_EXIT_OK;
    case DFOTA_E_INVALID_ARGUMENT:
        return CLI_EXIT_USAGE;
    case DFOTA_E_POWER_CUT:
        return CLI_EXIT_POWER_CUT;
    case DFOTA_E_UPDATE_IN_PROGRESS:
        return CLI_EXIT_IN_PROGRESS;
    case DFOTA_E_EXISTS:
        return CLI_EXIT_EXISTS;
    case DFOTA_E_IO:
    case DFOTA_E_NO_MEMORY:
    case DFOTA_E_INTERNAL:
        return CLI_EXIT_IO;
    default:
        return CLI_EXIT_CHECK;
    }
}

static const char *display_name(const char *path)
{
    return strcmp(path, "-") == 0 ? "<stdin>" : path;
}

int cli_report(const char *command, const char *subject, const struct dfota_error *err)
{
    const char *detail = err->message[0] ? err->message : dfota_status_str(err->status);
    char message[DFOTA_ERROR_MESSAGE_MAX];

    if (subject != NULL)
        /* A document names a file by its base name, never by a path of this machine. */
        (void)snprintf(message, sizeof(message), "'%.64s': %.*s",
                       dfota_report_base_name(display_name(subject)),
                       (int)sizeof(message) - 70, detail);
    else
        (void)snprintf(message, sizeof(message), "%s", detail);
    cli_json_note_failure(err->status, message);
    fprintf(stderr, "dfota %s: ", command);
    if (subject != NULL)
        fprintf(stderr, "'%s': ", display_name(subject));
    fprintf(stderr, "%s (%s", detail, dfota_status_name(err->status));
    /* A failure only a host has (a key, a passphrase) carries no module code. */
    if (cli_exit_code(err->status) == CLI_EXIT_CHECK &&
        dfota_status_module_code(err->status, DFOTA_MODULE_BC25) != 0)
        fprintf(stderr, "; module error BC25 %u, EC200 %u, LwM2M %u",
                dfota_status_module_code(err->status, DFOTA_MODULE_BC25),
                dfota_status_module_code(err->status, DFOTA_MODULE_EC200),
                dfota_status_module_code(err->status, DFOTA_MODULE_LWM2M));
    fputs(")\n", stderr);
    return cli_exit_code(err->status);
}

enum dfota_status cli_read_file(const char *path, size_t limit, uint8_t **data, size_t *size,
                                struct dfota_error *err)
{
    FILE *f;
    uint8_t *buf = NULL, *grown;
    size_t len = 0, cap = 0, n;
    bool is_stdin = strcmp(path, "-") == 0;

    *data = NULL;
    *size = 0;
    f = is_stdin ? stdin : fopen(path, "rb");
    if (f == NULL)
        return dfota_error_set(err, DFOTA_E_IO, "cannot open: %s", strerror(errno));
    for (;;) {
        if (len == cap) {
            size_t want = cap ? cap * 2 : 65536;

            if (want > limit + 1)
                want = limit + 1;
            if (want <= cap) {
                free(buf);
                if (!is_stdin)
                    fclose(f);
                return dfota_error_set(err, DFOTA_E_TOO_LARGE,
                                       "file is larger than the %zu-byte limit", limit);
            }
            grown = realloc(buf, want);
            if (grown == NULL) {
                free(buf);
                if (!is_stdin)
                    fclose(f);
                return dfota_error_set(err, DFOTA_E_NO_MEMORY, "cannot allocate %zu bytes",
                                       want);
            }
            buf = grown;
            cap = want;
        }
        n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (n == 0)
            break;
    }
    if (ferror(f)) {
        int saved = errno;

        free(buf);
        if (!is_stdin)
            fclose(f);
        return dfota_error_set(err, DFOTA_E_IO, "cannot read: %s",
                               saved ? strerror(saved) : "read error");
    }
    if (!is_stdin)
        fclose(f);
    if (len > limit) {
        free(buf);
        return dfota_error_set(err, DFOTA_E_TOO_LARGE, "file is larger than the %zu-byte limit",
                               limit);
    }
    *data = buf;
    *size = len;
    return DFOTA_OK;
}

enum dfota_status cli_map_file(const char *path, size_t limit, struct cli_image *img,
                               struct dfota_error *err)
{
    struct stat st;
    void *map = MAP_FAILED;
    int fd;

    img->data = NULL;
    img->size = 0;
    img->mapped = false;
    if (strcmp(path, "-") != 0) {
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            return dfota_error_set(err, DFOTA_E_IO, "cannot open: %s", strerror(errno));
        if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
            if ((uint64_t)st.st_size > limit) {
                close(fd);
                return dfota_error_set(err, DFOTA_E_TOO_LARGE,
                                       "file is larger than the %zu-byte limit", limit);
            }
            map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        }
        close(fd);
        if (map != MAP_FAILED) {
            img->data = map;
            img->size = (size_t)st.st_size;
            img->mapped = true;
            return DFOTA_OK;
        }
    }
    return cli_read_file(path, limit, &img->data, &img->size, err);
}

void cli_unmap_file(struct cli_image *img)
{
    if (img->mapped)
        munmap(img->data, img->size);
    else
        free(img->data);
    img->data = NULL;
    img->size = 0;
    img->mapped = false;
}

bool cli_write_all(int fd, const void *data, size_t size)
{
    const uint8_t *p = data;

    while (size > 0) {
        ssize_t n = write(fd, p, size);

        if (n < 0) {
            if (errno == EINTR)
                continue;
            return false;
        }
        p += n;
        size -= (size_t)n;
    }
    return true;
}

static void split_dir(const char *path, char *dir, size_t dir_cap, const char **base)
{
    const char *slash = strrchr(path, '/');

    if (slash == NULL) {
        snprintf(dir, dir_cap, ".");
        *base = path;
    } else if (slash == path) {
        snprintf(dir, dir_cap, "/");
        *base = slash + 1;
    } else {
        snprintf(dir, dir_cap, "%.*s", (int)(slash - path), path);
        *base = slash + 1;
    }
}

int cli_write_outputs(const char *command, const char *dir, const struct cli_output *files,
                      size_t count, bool force, const char *exists_hint)
{
    static const int held[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
    struct dfota_output_set set;
    struct dfota_error err;
    sigset_t block, previous;
    enum dfota_status st;
    size_t i;

    /*
     * Held from the first temporary file to the last clean-up: Ctrl-C or a
     * kill can never leave part of the files, or a temporary one; they take
     * effect once the files are in place (or DIR is as it was).
     */
    sigemptyset(&block);
    for (i = 0; i < sizeof(held) / sizeof(held[0]); i++)
        sigaddset(&block, held[i]);
    (void)sigprocmask(SIG_BLOCK, &block, &previous);
    st = dfota_output_open(&set, dir, ".dfota", count, force ? DFOTA_OUTPUT_FORCE : 0, NULL,
                           NULL, &err);
    for (i = 0; i < count && st == DFOTA_OK; i++)
        st = dfota_output_add(&set, files[i].name, files[i].mode, files[i].data, files[i].size,
                              &err);
    if (st == DFOTA_OK)
        st = dfota_output_commit(&set, &err);
    dfota_output_close(&set);
    (void)sigprocmask(SIG_SETMASK, &previous, NULL);
    if (st == DFOTA_E_EXISTS)
        return cli_fail(CLI_EXIT_EXISTS, command, "%s; use --force to replace %s", err.message,
                        exists_hint);
    if (st != DFOTA_OK)
        return cli_report(command, NULL, &err);
    return CLI_EXIT_OK;
}

int cli_write_file(const char *command, const char *path, const uint8_t *data, size_t size,
                   bool force)
{
    char dir[PATH_MAX];
    const char *base;
    struct cli_output file;

    if (strcmp(path, "-") == 0) {
        if (isatty(STDOUT_FILENO))
            return cli_fail(CLI_EXIT_USAGE, command,
                            "refusing to write binary data to a terminal; use -o FILE");
        if (!cli_write_all(STDOUT_FILENO, data, size))
            return cli_fail(CLI_EXIT_IO, command, "cannot write to standard output: %s",
                            strerror(errno));
        return CLI_EXIT_OK;
    }
    split_dir(path, dir, sizeof(dir), &base);
    if (base[0] == '\0' || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
        return cli_fail(CLI_EXIT_USAGE, command, "'%s' is a directory name, not a file", path);
    if (strlen(path) >= PATH_MAX - 32)
        return cli_fail(CLI_EXIT_USAGE, command, "'%s': path too long", path);
    file.name = base;
    file.mode = 0666;
    file.data = data;
    file.size = size;
    return cli_write_outputs(command, dir, &file, 1, force, "it");
}

static bool same_entry(const char *a, const char *b)
{
    char dir_a[PATH_MAX], dir_b[PATH_MAX];
    const char *base_a, *base_b;
    struct stat sa, sb;

    split_dir(a, dir_a, sizeof(dir_a), &base_a);
    split_dir(b, dir_b, sizeof(dir_b), &base_b);
    if (base_a[0] == '\0' || strcmp(base_a, base_b) != 0)
        return false;
    if (stat(dir_a, &sa) != 0 || stat(dir_b, &sb) != 0)
        return strcmp(dir_a, dir_b) == 0;
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

static bool same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    /* stat() follows symbolic links: a link to an input is the input. */
    bool a_exists = stat(a, &sa) == 0, b_exists = stat(b, &sb) == 0;

    if (a_exists && b_exists)
        return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
    if (a_exists || b_exists)
        return false;
    return same_entry(a, b);
}

static bool is_file_path(const struct cli_file *f)
{
    return f->path != NULL && f->path[0] != '\0' && strcmp(f->path, "-") != 0;
}

int cli_check_outputs(const char *command, const struct cli_file *outputs, size_t n_outputs,
                      const struct cli_file *inputs, size_t n_inputs)
{
    const struct cli_file *out, *other;
    size_t i, j;

    for (i = 0; i < n_outputs; i++) {
        out = &outputs[i];
        if (!is_file_path(out))
            continue;
        for (j = 0; j < n_inputs + i; j++) {
            other = j < n_inputs ? &inputs[j] : &outputs[j - n_inputs];
            if (is_file_path(other) && same_file(out->path, other->path))
                return cli_fail(CLI_EXIT_USAGE, command,
                                "%s '%s' is the same file as %s '%s'; refusing to write "
                                "over %s",
                                out->option, out->path, other->option, other->path,
                                j < n_inputs ? "an input" : "another output");
        }
    }
    return CLI_EXIT_OK;
}

const char *cli_key_path(const char *key)
{
    const char *path;

    if (key == NULL || strncasecmp(key, "file:", 5) != 0)
        return key;
    path = key + 5;
    if (strncmp(path, "//", 2) == 0) {
        /* file://host/path: the path starts at the first slash after the host. */
        path = strchr(path + 2, '/');
        if (path == NULL)
            return NULL;
    }
    return path;
}

const char *cli_passphrase_path(const char *source)
{
    return source != NULL && strncmp(source, "file:", 5) == 0 ? source + 5 : NULL;
}

bool cli_parse_uint(const char *text, unsigned long min, unsigned long max,
                    unsigned long *value)
{
    char *end;
    unsigned long v;

    if (text == NULL || text[0] < '0' || text[0] > '9')
        return false;
    errno = 0;
    v = strtoul(text, &end, 10);
    if (errno != 0 || *end != '\0' || v < min || v > max)
        return false;
    *value = v;
    return true;
}

bool cli_parse_pow2(const char *text, unsigned long min, unsigned long max,
                    unsigned long *value)
{
    return cli_parse_uint(text, min, max, value) && (*value & (*value - 1)) == 0;
}

bool cli_source_date_epoch(const char *command, uint64_t *seconds)
{
    const char *text = getenv("SOURCE_DATE_EPOCH");
    unsigned long long v;
    char *end;

    *seconds = 0;
    if (text == NULL || text[0] == '\0')
        return true;
    errno = 0;
    v = strtoull(text, &end, 10);
    if (text[0] < '0' || text[0] > '9' || errno != 0 || *end != '\0') {
        cli_fail(CLI_EXIT_USAGE, command,
                 "SOURCE_DATE_EPOCH='%s' is not a whole number of seconds since 1970", text);
        return false;
    }
    *seconds = v;
    return true;
}

void cli_json_string(FILE *out, const char *s)
{
    dfota_json_write_string(out, s);
}

void cli_json_error(FILE *out, const char *subject, const struct dfota_error *err)
{
    fputs("{\n  \"file\": ", out);
    cli_json_string(out, subject ? display_name(subject) : "");
    fputs(",\n  \"ok\": false,\n  \"error\": {\n    \"status\": ", out);
    cli_json_string(out, dfota_status_name(err->status));
    fprintf(out, ",\n    \"code\": %d,\n    \"message\": ", (int)err->status);
    cli_json_string(out, err->message[0] ? err->message : dfota_status_str(err->status));
    if (dfota_status_module_code(err->status, DFOTA_MODULE_BC25) == 0) {
        /* A host-only failure: no module reports it. */
        fputs(",\n    \"module_error\": null\n  }\n}\n", out);
        return;
    }
    fprintf(out,
            ",\n    \"module_error\": {\"BC25\": %u, \"EC200\": %u, \"LwM2M\": %u}\n  }\n}\n",
            dfota_status_module_code(err->status, DFOTA_MODULE_BC25),
            dfota_status_module_code(err->status, DFOTA_MODULE_EC200),
            dfota_status_module_code(err->status, DFOTA_MODULE_LWM2M));
}

void cli_merge_options(struct option *dst, const struct option *base, size_t nbase,
                       const struct option *extra)
{
    size_t n = 0;

    while (n < nbase) {
        dst[n] = base[n];
        n++;
    }
    for (; extra->name != NULL; extra++)
        dst[n++] = *extra;
    memset(&dst[n], 0, sizeof(dst[n]));
}

void cli_progress_init(struct cli_progress_bar *bar, const char *label, bool wanted)
{
    bar->label = label;
    bar->enabled = wanted && isatty(STDERR_FILENO);
    bar->last_percent = -1;
}

void cli_progress(void *ctx, uint64_t done, uint64_t total)
{
    struct cli_progress_bar *bar = ctx;
    int percent = total ? (int)(done * 100 / total) : 100, filled;

    if (!bar->enabled || percent == bar->last_percent)
        return;
    bar->last_percent = percent;
    filled = percent * 30 / 100;
    fprintf(stderr, "\r%s [%.*s%*s] %3d%%", bar->label, filled,
            "##############################", 30 - filled, "", percent);
    fflush(stderr);
}

void cli_progress_done(struct cli_progress_bar *bar)
{
    if (bar->enabled && bar->last_percent >= 0)
        fprintf(stderr, "\r%*s\r", 40 + (int)strlen(bar->label), "");
}

bool cli_zip_entry_time(const char *command, uint64_t *mtime)
{
    const char *text = getenv("SOURCE_DATE_EPOCH");

    *mtime = DFOTA_ZIP_DEFAULT_MTIME;
    if (text == NULL || text[0] == '\0')
        return true;
    if (!cli_source_date_epoch(command, mtime))
        return false;
    if (*mtime > DFOTA_ZIP_MTIME_MAX) {
        cli_fail(CLI_EXIT_USAGE, command,
                 "SOURCE_DATE_EPOCH=%s is after 2099-12-31T23:59:59Z, which a zip cannot hold",
                 text);
        return false;
    }
    if (*mtime < DFOTA_ZIP_DEFAULT_MTIME)
        *mtime = DFOTA_ZIP_DEFAULT_MTIME; /* zip dates start in 1980 */
    return true;
}

int cli_option_error(const char *command, int c, const char *option)
{
    if (c == 'h') {
        cli_print_command_help(cli_find_command(command), stdout);
        return CLI_HELP_SHOWN;
    }
    if (c == ':')
        return cli_usage_error(command, "option '%s' needs a value", option);
    return cli_usage_error(command, "unknown option '%s'", option);
}

char *cli_replace_suffix(const char *path, const char *old_suffix, const char *new_suffix)
{
    size_t n = strlen(path), old_len = strlen(old_suffix), new_len = strlen(new_suffix);
    char *out = malloc(n + new_len + 1);

    if (out == NULL)
        return NULL;
    memcpy(out, path, n + 1);
    if (n > old_len && strcasecmp(out + n - old_len, old_suffix) == 0)
        out[n - old_len] = '\0';
    strcat(out, new_suffix);
    return out;
}

/* ---- one invocation, one meaning: options given once, standard input and
 * output used once, standard output checked, verbose digests, versions read
 * from the images (issue 14). ---- */

int cli_set_once(const char *command, const char *option, const char **slot, const char *value)
{
    if (*slot != NULL)
        return cli_usage_error(command, "%s given twice ('%s' and '%s'); give it once", option,
                               *slot, value);
    *slot = value;
    return CLI_EXIT_OK;
}

int cli_set_secret_once(const char *command, const char *option, const char **slot,
                        const char *value)
{
    if (*slot != NULL)
        return cli_usage_error(command, "%s given twice (the values are not shown); give it once",
                               option);
    *slot = value;
    return CLI_EXIT_OK;
}

int cli_option_once(const char *command, const struct option *options, const char **given,
                    int opt, const char *arg)
{
    char name[40];
    size_t i;

    for (i = 0; options[i].name != NULL; i++) {
        if (options[i].val != opt || options[i].has_arg != required_argument)
            continue;
        /* Named as the help names it: -o for the one with a short form. */
        if (opt > 0 && opt < 128)
            (void)snprintf(name, sizeof(name), "-%c", opt);
        else
            (void)snprintf(name, sizeof(name), "--%s", options[i].name);
        return cli_set_once(command, name, &given[i], arg);
    }
    return CLI_EXIT_OK;
}

/* A second "-" among `files`: a usage error naming both, "... both <what>; ...". */
static int dash_once(const char *command, const struct cli_file *files, size_t n,
                     const char *what)
{
    const struct cli_file *first = NULL;
    size_t i;

    for (i = 0; i < n; i++) {
        if (files[i].path == NULL || strcmp(files[i].path, "-") != 0)
            continue;
        if (first != NULL)
            return cli_usage_error(command, "%s and %s both %s; give a file for one of them",
                                   first->option, files[i].option, what);
        first = &files[i];
    }
    return CLI_EXIT_OK;
}

int cli_check_standard_streams(const char *command, const struct cli_file *outputs,
                               size_t n_outputs, const struct cli_file *inputs, size_t n_inputs)
{
    int rc = dash_once(command, inputs, n_inputs,
                       "read standard input ('-'), which can be read only once");

    return rc != CLI_EXIT_OK ? rc
                             : dash_once(command, outputs, n_outputs,
                                         "write to standard output ('-')");
}

const char *cli_passphrase_stream(const char *source)
{
    if (source == NULL)
        return NULL;
    if (strcmp(source, "stdin") == 0)
        return "-";
    /* fd:0, fd:00, ...: dfota_passphrase_read() takes the number in decimal. */
    if (strncmp(source, "fd:", 3) == 0 && source[3] != '\0' &&
        strspn(source + 3, "0") == strlen(source + 3))
        return "-";
    return NULL;
}

/* The reason of the first flush of standard output that failed, kept for
 * cli_finish_stdout(): stdio keeps only the error flag. */
static const char *stdout_reason;

bool cli_flush_stdout(void)
{
    errno = 0;
    if (fflush(stdout) == 0 && !ferror(stdout))
        return true;
    if (stdout_reason == NULL && errno != 0)
        stdout_reason = strerror(errno);
    return false;
}

void cli_stdout_failed(int errnum)
{
    if (stdout_reason == NULL && errnum != 0)
        stdout_reason = strerror(errnum);
}

int cli_finish_stdout(const char *command, int rc)
{
    static enum { STDOUT_OPEN, STDOUT_CLOSED, STDOUT_FAILED } state = STDOUT_OPEN;
    const char *reason = NULL;

    if (state == STDOUT_OPEN) {
        /* fflush() fails with the reason of the write that failed; an earlier
         * failed write only leaves the error flag, without a reason. */
        if (fflush(stdout) != 0)
            reason = strerror(errno);
        else if (ferror(stdout))
            reason = stdout_reason != NULL ? stdout_reason : "write error";
        /* close() reports what the file system could not write back (NFS);
         * EBADF alone means standard output was closed and never written. */
        if (fclose(stdout) != 0 && reason == NULL && errno != EBADF)
            reason = strerror(errno);
        state = reason != NULL ? STDOUT_FAILED : STDOUT_CLOSED;
        if (reason != NULL) {
            if (command != NULL)
                fprintf(stderr, "dfota %s: cannot write to standard output: %s\n", command,
                        reason);
            else
                fprintf(stderr, "dfota: cannot write to standard output: %s\n", reason);
        }
    }
    return state == STDOUT_FAILED && rc == CLI_EXIT_OK ? CLI_EXIT_IO : rc;
}

void cli_sha256(const uint8_t *data, size_t size, uint8_t out[32])
{
    struct dfota_sha256 ctx;

    dfota_sha256_init(&ctx);
    dfota_sha256_update(&ctx, data, size);
    dfota_sha256_final(&ctx, out);
}

void cli_print_sha256(FILE *out, const char *label, const uint8_t *data, size_t size)
{
    uint8_t digest[DFOTA_SHA256_DIGEST_SIZE];
    char hex[2 * DFOTA_SHA256_DIGEST_SIZE + 1];

    cli_sha256(data, size, digest);
    dfota_hex(digest, sizeof(digest), hex);
    fprintf(out, "  %-14s %s\n", label, hex);
}

int cli_image_version(const char *command, const char *path, const char *option,
                      const uint8_t *image, size_t size, char version[DFOTA_VERSION_MAX + 1],
                      size_t *offset)
{
    struct dfota_error err;

    if (dfota_image_version(image, size, version, offset, &err) != DFOTA_OK)
        return cli_usage_error(command, "%s in '%s'; give %s", err.message, display_name(path),
                               option);
    return CLI_EXIT_OK;
}
