/*
 * module.c - the simulated module: models, its state directory, the AT
 * command interpreter, the (D)FOTA flows and the update (dfota/module.h).
 */
#include "dfota/module.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dfota/container.h"
#include "dfota/devsim.h"
#include "dfota/output.h"
#include "dfota/revision.h"
#include "dfota/sha256.h"
#include "module_impl.h"

static const struct module_model models[] = {
    {"bc25", "BC25", FAMILY_BC, 511, false, false},
    {"bc32", "BC32", FAMILY_BC, 511, false, false},
    {"ec200s", "EC200S", FAMILY_EC, 255, false, false},
    {"ec200t", "EC200T", FAMILY_EC, 255, true, true},
    {"ec600s", "EC600S", FAMILY_EC, 255, false, false},
    {"eg912y", "EG912Y", FAMILY_EC, 255, false, false},
};

#define LINE_MAX_BYTES 1100u  /* a 511-byte URL and its command, with room */
#define PARAMS_MAX 6u
#define UFS_NAME_MAX 63u      /* BC25/BC32: a longer file name is an error */
#define UFS_FILES_MAX 64u
#define FTP_PART_MAX 50u      /* EC200x: user, password, host, file */
#define FLASH_MAX (64u << 20)

struct module {
    const struct module_model *model;
    const struct dfota_module_options *opts;
    int in, out;
    bool echo;
    bool power_lost;
    uint8_t *firmware;
    size_t firmware_size;
    char revision[DFOTA_VERSION_MAX + 1];
    unsigned update_urc_max; /* of the update running */
    bool flow_control;       /* EC200x AT+IFC=2,2: RTS/CTS on the line */
};

void dfota_module_options_init(struct dfota_module_options *opts)
{
    memset(opts, 0, sizeof(*opts));
    opts->ufs_size = 1u << 20;
    opts->timeout = 30;
    opts->erase_size = 4096;
    opts->write_align = 4;
}

const char *dfota_module_models(void)
{
    return "bc25, bc32, ec200s, ec200t, ec600s, eg912y";
}

/* ---- output: <CR><LF>text<CR><LF> ---- */

static void put_bytes(struct module *m, const char *data, size_t n)
{
    ssize_t w;

    while (n > 0) {
        w = write(m->out, data, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return; /* the host went away; the module runs on */
        data += w;
        n -= (size_t)w;
    }
}

static void say(struct module *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void say(struct module *m, const char *fmt, ...)
{
    char line[LINE_MAX_BYTES + 64];
    va_list ap;
    int n;

    line[0] = '\r';
    line[1] = '\n';
    va_start(ap, fmt);
    n = vsnprintf(line + 2, sizeof(line) - 4, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n > sizeof(line) - 5)
        n = (int)(sizeof(line) - 5);
    line[2 + n] = '\r';
    line[3 + n] = '\n';
    put_bytes(m, line, (size_t)n + 4);
}

static void ok(struct module *m)
{
    say(m, "OK");
}

static void error(struct module *m)
{
    say(m, "ERROR");
}

static void cme(struct module *m, unsigned code)
{
    say(m, "+CME ERROR: %u", code);
}

/* ---- the state directory ---- */

static void state_path(const struct module *m, const char *name, char out[PATH_MAX])
{
    (void)snprintf(out, PATH_MAX, "%s/%s", m->opts->state_dir, name);
}

static enum dfota_status read_all(const char *path, uint8_t **data, size_t *size,
                                  struct dfota_error *err)
{
    struct stat sb;
    uint8_t *buf;
    size_t got = 0;
    ssize_t n;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    *data = NULL;
    *size = 0;
    if (fd < 0)
        return dfota_error_set(err, DFOTA_E_IO, "cannot open '%s': %s", path, strerror(errno));
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size > (off_t)FLASH_MAX) {
        (void)close(fd);
        return dfota_error_set(err, DFOTA_E_IO, "'%s' is not a regular file of at most %u bytes",
                               path, FLASH_MAX);
    }
    buf = malloc(sb.st_size ? (size_t)sb.st_size : 1);
    if (buf == NULL) {
        (void)close(fd);
        return dfota_error_set(err, DFOTA_E_NO_MEMORY, "out of memory");
    }
    while (got < (size_t)sb.st_size) {
        n = read(fd, buf + got, (size_t)sb.st_size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    (void)close(fd);
    if (got != (size_t)sb.st_size) {
        free(buf);
        return dfota_error_set(err, DFOTA_E_IO, "cannot read '%s'", path);
    }
    *data = buf;
    *size = got;
    return DFOTA_OK;
}

/* A state file, whole or as it was: through an output set (dfota/output.h),
 * the one way dfota writes files. */
static enum dfota_status write_atomic(const char *path, const uint8_t *data, size_t size,
                                      struct dfota_error *err)
{
    struct dfota_output_set set;
    char dir[PATH_MAX];
    const char *slash = strrchr(path, '/');
    enum dfota_status st;

    (void)snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path) : 1,
                   slash ? path : ".");
    st = dfota_output_open(&set, dir, ".module", 1, DFOTA_OUTPUT_FORCE, NULL, NULL, err);
    if (st == DFOTA_OK)
        st = dfota_output_add(&set, slash ? slash + 1 : path, 0644, data, size, err);
    if (st == DFOTA_OK)
        st = dfota_output_commit(&set, err);
    dfota_output_close(&set);
    return st;
}

static bool exists(const char *path)
{
    struct stat sb;

    return stat(path, &sb) == 0;
}

/* ---- the user file system (BC25/BC32) ---- */

struct ufs_file {
    char name[UFS_NAME_MAX + 1];
    uint64_t size;
};

static int by_name(const void *a, const void *b)
{
    return strcmp(((const struct ufs_file *)a)->name, ((const struct ufs_file *)b)->name);
}

/* The files, by name; the bytes they hold in *used. */
static size_t ufs_list(const struct module *m, struct ufs_file *files, uint64_t *used)
{
    char dir[PATH_MAX], path[PATH_MAX + 256];
    struct dirent *e;
    struct stat sb;
    size_t n = 0;
    DIR *d;

    *used = 0;
    state_path(m, "ufs", dir);
    d = opendir(dir);
    if (d == NULL)
        return 0;
    while ((e = readdir(d)) != NULL && n < UFS_FILES_MAX) {
        if (e->d_name[0] == '.' || strlen(e->d_name) > UFS_NAME_MAX)
            continue;
        (void)snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
            continue;
        memcpy(files[n].name, e->d_name, strlen(e->d_name) + 1); /* <= UFS_NAME_MAX */
        files[n].size = (uint64_t)sb.st_size;
        *used += files[n].size;
        n++;
    }
    (void)closedir(d);
    qsort(files, n, sizeof(files[0]), by_name);
    return n;
}

static void ufs_path(const struct module *m, const char *name, char out[PATH_MAX])
{
    char dir[PATH_MAX];

    state_path(m, "ufs", dir);
    (void)snprintf(out, PATH_MAX, "%.*s/%s", PATH_MAX - 80, dir, name);
}

/* Free bytes, counting the file `replacing` (if any) as free. */
static uint64_t ufs_free(const struct module *m, const char *replacing)
{
    struct ufs_file files[UFS_FILES_MAX];
    uint64_t used, size = 0;
    size_t i, n = ufs_list(m, files, &used);

    for (i = 0; replacing != NULL && i < n; i++)
        if (strcmp(files[i].name, replacing) == 0)
            size = files[i].size;
    used -= size;
    return used >= m->opts->ufs_size ? 0 : m->opts->ufs_size - used;
}

static bool ufs_name_ok(const char *name)
{
    size_t i, n = strlen(name);

    if (n == 0 || n > UFS_NAME_MAX || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        return false;
    for (i = 0; i < n; i++)
        if (!((name[i] >= 'A' && name[i] <= 'Z') || (name[i] >= 'a' && name[i] <= 'z') ||
              (name[i] >= '0' && name[i] <= '9') || name[i] == '.' || name[i] == '_' ||
              name[i] == '-'))
            return false;
    return true;
}

/* ---- boot ---- */

static enum dfota_status load_firmware(struct module *m, struct dfota_error *err)
{
    char path[PATH_MAX];
    size_t offset;
    enum dfota_status st;

    free(m->firmware);
    m->firmware = NULL;
    state_path(m, "firmware.bin", path);
    st = read_all(path, &m->firmware, &m->firmware_size, err);
    if (st != DFOTA_OK)
        return st;
    st = dfota_image_version(m->firmware, m->firmware_size, m->revision, &offset, err);
    if (st != DFOTA_OK)
        return dfota_error_set(err, DFOTA_E_INVALID_ARGUMENT,
                               "the firmware in '%s': %s; ATI could not answer", path,
                               err->message);
    return DFOTA_OK;
}

static enum dfota_status import_file(struct module *m, const char *spec,
                                     struct dfota_error *err)
{
    char file[PATH_MAX], path[PATH_MAX];
    const char *colon = strrchr(spec, ':'), *name;
    uint8_t *data;
    size_t size;
    enum dfota_status st;

    if (colon != NULL && colon != spec && strchr(colon, '/') == NULL) {
        (void)snprintf(file, sizeof(file), "%.*s", (int)(colon - spec), spec);
        name = colon + 1;
    } else {
        (void)snprintf(file, sizeof(file), "%s", spec);
        name = strrchr(spec, '/') ? strrchr(spec, '/') + 1 : spec;
    }
    if (!ufs_name_ok(name))
        return dfota_error_set(err, DFOTA_E_INVALID_ARGUMENT,
                               "--ufs-import '%s': '%s' is not a UFS file name (1 to %u of "
                               "A-Z a-z 0-9 . _ -)",
                               spec, name, UFS_NAME_MAX);
    st = read_all(file, &data, &size, err);
    if (st != DFOTA_OK)
        return st;
    if (size > ufs_free(m, name)) {
        free(data);
        return dfota_error_set(err, DFOTA_E_TOO_LARGE,
                               "--ufs-import '%s': %zu bytes, the UFS has %llu free", spec,
                               size, (unsigned long long)ufs_free(m, name));
    }
    ufs_path(m, name, path);
    st = write_atomic(path, data, size, err);
    free(data);
    return st;
}

static enum dfota_status open_state(struct module *m, struct dfota_error *err)
{
    const struct dfota_module_options *o = m->opts;
    char path[PATH_MAX], name[32];
    uint8_t *data;
    size_t size, i;
    enum dfota_status st;

    if (mkdir(o->state_dir, 0755) != 0 && errno != EEXIST)
        return dfota_error_set(err, DFOTA_E_IO, "cannot create the state directory '%s': %s",
                               o->state_dir, strerror(errno));
    state_path(m, "model", path);
    if (exists(path)) {
        st = read_all(path, &data, &size, err);
        if (st != DFOTA_OK)
            return st;
        (void)snprintf(name, sizeof(name), "%.*s", (int)(size && data[size - 1] == '\n' ? size - 1 : size),
                       (const char *)data);
        free(data);
        if (strcmp(name, m->model->name) != 0)
            return dfota_error_set(err, DFOTA_E_INVALID_ARGUMENT,
                                   "'%s' is the state of a %s module, not of a %s",
                                   o->state_dir, name, m->model->name);
    } else {
        (void)snprintf(name, sizeof(name), "%s\n", m->model->name);
        st = write_atomic(path, (const uint8_t *)name, strlen(name), err);
        if (st != DFOTA_OK)
            return st;
    }
    state_path(m, "firmware.bin", path);
    if (!exists(path)) {
        if (o->image == NULL)
            return dfota_error_set(err, DFOTA_E_INVALID_ARGUMENT,
                                   "a new state directory needs --image FW.bin");
        st = read_all(o->image, &data, &size, err);
        if (st == DFOTA_OK)
            st = write_atomic(path, data, size, err);
        free(data);
        if (st != DFOTA_OK)
            return st;
    }
    st = load_firmware(m, err);
    if (st != DFOTA_OK)
        return st;
    state_path(m, "ufs", path);
    if (mkdir(path, 0755) != 0 && errno != EEXIST)
        return dfota_error_set(err, DFOTA_E_IO, "cannot create '%s': %s", path,
                               strerror(errno));
    for (i = 0; i < o->ufs_import_count; i++) {
        st = import_file(m, o->ufs_import[i], err);
        if (st != DFOTA_OK)
            return st;
    }
    return DFOTA_OK;
}

/* ---- the update ---- */

static void update_progress(void *ctx, unsigned percent)
{
    struct module *m = ctx;
    unsigned n = m->update_urc_max;

    if (m->model->family == FAMILY_BC)
        say(m, "+QIND: \"FOTA\",\"UPDATING\",%u%%", percent);
    else
        say(m, "+QIND: \"FOTA\",\"UPDATING\",%u", (percent * n + 50u) / 100u);
}

static unsigned fota_code(const struct module *m, enum dfota_status st)
{
    if (m->model->family == FAMILY_BC)
        return 6508; /* <FOTA_err>: upgrade failed */
    return dfota_status_module_code(st, DFOTA_MODULE_EC200);
}

/* Does this model take this kind of package (EC200T: full images only)? */
static enum dfota_status kind_check(const struct module *m, const uint8_t *pkg, size_t size,
                                    struct dfota_error *err)
{
    struct dfota_package_header hdr;
    enum dfota_status st = dfota_container_parse(pkg, size, &hdr, err);

    if (st != DFOTA_OK)
        return st;
    if (m->model->full_image != (hdr.package_type == DFOTA_PACKAGE_FULL))
        return dfota_error_set(err, DFOTA_E_UNSUPPORTED_VERSION,
                               "%s takes %s packages", m->model->ati_name,
                               m->model->full_image ? "full-image" : "delta");
    return DFOTA_OK;
}

/* The package check a module makes before it accepts a package: the
 * device-side front end's check pass, on the running firmware. */
static enum dfota_status check_package(const struct module *m, const uint8_t *pkg, size_t size,
                                       struct dfota_error *err)
{
    struct dfota_devsim d;
    enum dfota_status st = kind_check(m, pkg, size, err);

    if (st != DFOTA_OK)
        return st;
    st = dfota_devsim_create_package(&d, pkg, size, m->firmware, m->firmware_size,
                                     m->opts->erase_size, m->opts->write_align, FLASH_MAX, err);
    if (st == DFOTA_OK)
        st = dfota_devsim_check_package(&d, pkg, size, err);
    dfota_devsim_free(&d);
    return st;
}

static void remove_update_state(const struct module *m)
{
    char path[PATH_MAX];

    state_path(m, "flash.bin", path);
    (void)unlink(path);
    state_path(m, "update.pack", path);
    (void)unlink(path);
    state_path(m, "urc_max", path);
    (void)unlink(path);
}

/* The new firmware is whole: install it, forget the update, reboot. */
static enum dfota_status install(struct module *m, const uint8_t *image, size_t size,
                                 struct dfota_error *err)
{
    char path[PATH_MAX];
    enum dfota_status st;

    state_path(m, "firmware.bin", path);
    st = write_atomic(path, image, size, err);
    if (st != DFOTA_OK)
        return st;
    remove_update_state(m);
    if (m->model->family == FAMILY_BC) {
        ufs_path(m, "fota.pack", path);
        (void)unlink(path);
    }
    return load_firmware(m, err);
}

/*
 * Run the update of DIR/update.pack on the device flash DIR/flash.bin
 * (created from the running firmware, or resumed), with its URCs from
 * START to END. After a power cut the module prints nothing more.
 */
static void run_update(struct module *m, unsigned urc_max)
{
    struct dfota_package_header hdr;
    struct dfota_devsim d;
    struct dfota_devsim_run_options run;
    struct dfota_devsim_outcome outcome;
    struct dfota_progress rec;
    struct dfota_error err;
    struct dfota_sha256 sha;
    char path[PATH_MAX];
    uint8_t *pkg = NULL, digest[32];
    size_t size = 0;
    bool loaded = false;
    enum dfota_status st;

    m->update_urc_max = urc_max;
    say(m, "+QIND: \"FOTA\",\"START\"");
    state_path(m, "update.pack", path);
    st = read_all(path, &pkg, &size, &err);
    if (st == DFOTA_OK)
        st = dfota_container_parse(pkg, size, &hdr, &err);
    if (st == DFOTA_OK)
        st = dfota_devsim_create_package(&d, pkg, size, m->firmware, m->firmware_size,
                                         m->opts->erase_size, m->opts->write_align, FLASH_MAX,
                                         &err);
    if (st != DFOTA_OK) {
        remove_update_state(m);
        say(m, "+QIND: \"FOTA\",\"END\",%u", fota_code(m, st));
        free(pkg);
        return;
    }
    state_path(m, "flash.bin", path);
    st = dfota_flashsim_map_file(&d.flash, path, &loaded, &err);
    /* Killed after the update completed, before the firmware was installed:
     * the flash holds the verified new image. */
    if (st == DFOTA_OK && loaded && dfota_devsim_record(&d, &rec) &&
        !dfota_progress_in_progress(&rec)) {
        dfota_sha256_init(&sha);
        dfota_sha256_update(&sha, dfota_devsim_target(&d), hdr.target.size);
        dfota_sha256_final(&sha, digest);
        if (memcmp(digest, hdr.target.sha256, sizeof(digest)) == 0) {
            st = install(m, dfota_devsim_target(&d), hdr.target.size, &err);
            dfota_devsim_free(&d);
            free(pkg);
            say(m, "+QIND: \"FOTA\",\"END\",%u", st == DFOTA_OK ? 0u : fota_code(m, st));
            if (st == DFOTA_OK)
                say(m, "RDY");
            return;
        }
    }
    if (st == DFOTA_OK && m->opts->cut)
        dfota_flashsim_cut_after(&d.flash, m->opts->cut_after, DFOTA_FLASHSIM_CUT_CLEAN, 1);
    memset(&run, 0, sizeof(run));
    run.progress_steps = m->model->family == FAMILY_BC ? 100u : urc_max;
    run.progress = run.progress_steps ? update_progress : NULL;
    run.progress_ctx = m;
    if (st == DFOTA_OK)
        st = dfota_devsim_run_package(&d, pkg, size, &run, &outcome, &err);
    if (st == DFOTA_E_POWER_CUT || (st != DFOTA_OK && !d.flash.powered)) {
        /* The device lost power: nothing more is said; the flash is on disk. */
        m->power_lost = true;
        dfota_devsim_free(&d);
        free(pkg);
        return;
    }
    if (st == DFOTA_OK && m->opts->cut)
        fprintf(stderr,
                "dfota module: --cut-after %llu did not cut: the update took %llu flash "
                "operations\n",
                (unsigned long long)m->opts->cut_after, (unsigned long long)d.flash.ops);
    if (st == DFOTA_OK)
        st = install(m, dfota_devsim_target(&d), hdr.target.size, &err);
    else
        remove_update_state(m);
    dfota_devsim_free(&d);
    free(pkg);
    say(m, "+QIND: \"FOTA\",\"END\",%u", st == DFOTA_OK ? 0u : fota_code(m, st));
    if (st == DFOTA_OK)
        say(m, "RDY"); /* the module restarts on the new firmware */
}

/* Accept `pkg` for an update: DIR/urc_max, then DIR/update.pack (a boot runs it). */
static bool accept_package(struct module *m, const uint8_t *pkg, size_t size, unsigned urc_max)
{
    char path[PATH_MAX], text[32];
    struct dfota_error err;

    /* The URC count first: once update.pack is there, a boot runs the update with it. */
    (void)snprintf(text, sizeof(text), "%u\n", urc_max);
    state_path(m, "urc_max", path);
    if (write_atomic(path, (const uint8_t *)text, strlen(text), &err) != DFOTA_OK)
        return false;
    state_path(m, "update.pack", path);
    return write_atomic(path, pkg, size, &err) == DFOTA_OK;
}

/* At boot: an update accepted and not finished runs now (forced upgrade). */
static void boot(struct module *m)
{
    char path[PATH_MAX];
    uint8_t *text;
    size_t size;
    unsigned urc_max = 100;
    struct dfota_error err;

    state_path(m, "update.pack", path);
    if (!exists(path))
        return;
    state_path(m, "urc_max", path);
    if (read_all(path, &text, &size, &err) == DFOTA_OK) {
        urc_max = (unsigned)strtoul((const char *)text, NULL, 10);
        free(text);
    }
    if (urc_max > 100)
        urc_max = 100;
    run_update(m, urc_max);
}

/* ---- AT+QFOTADL ---- */

struct param {
    bool is_string;
    char text[LINE_MAX_BYTES];
    unsigned long number;
};

/* Parse `s` into comma-separated quoted strings and decimal integers. */
static bool parse_params(const char *s, struct param *p, size_t *count)
{
    size_t n = 0, len;
    const char *end;
    char *stop;

    *count = 0;
    for (;;) {
        if (n == PARAMS_MAX)
            return false;
        if (*s == '"') {
            end = strchr(s + 1, '"');
            if (end == NULL)
                return false;
            len = (size_t)(end - s - 1);
            if (len >= sizeof(p[n].text))
                return false;
            memcpy(p[n].text, s + 1, len);
            p[n].text[len] = '\0';
            p[n].is_string = true;
            s = end + 1;
        } else if (*s >= '0' && *s <= '9') {
            errno = 0;
            p[n].number = strtoul(s, &stop, 10);
            if (errno != 0 || stop - s > 6)
                return false;
            p[n].is_string = false;
            s = stop;
        } else {
            return false;
        }
        n++;
        if (*s == '\0')
            break;
        if (*s != ',')
            return false;
        s++;
    }
    *count = n;
    return true;
}

/* "http://host[:port]/path" (or https://, ftp://): the port 1..65535. */
static bool url_port_ok(const char *url, size_t scheme_len)
{
    const char *host = url + scheme_len, *slash = strchr(host, '/'), *at, *colon;
    char *stop;
    unsigned long port;

    if (slash == NULL || slash == host)
        return false;
    at = memchr(host, '@', (size_t)(slash - host));
    if (at != NULL)
        host = at + 1;
    colon = memchr(host, ':', (size_t)(slash - host));
    if (colon == NULL)
        return colon != host;
    errno = 0;
    port = strtoul(colon + 1, &stop, 10);
    return errno == 0 && stop == slash && stop != colon + 1 && port >= 1 && port <= 65535;
}

static bool has_prefix(const char *s, const char *prefix)
{
    return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

/* EC200x ftp://user:pass@host[:port]/file: each part at most 50 bytes, the
 * file in the root directory. */
static bool ftp_url_ok(const char *url)
{
    const char *p = url + 6, *at = strchr(p, '@'), *colon, *slash, *host;

    if (at == NULL)
        return false;
    colon = memchr(p, ':', (size_t)(at - p));
    if (colon == NULL || colon - p > (long)FTP_PART_MAX || at - colon - 1 > (long)FTP_PART_MAX)
        return false;
    host = at + 1;
    slash = strchr(host, '/');
    if (slash == NULL || slash == host)
        return false;
    if (memchr(host, ':', (size_t)(slash - host)) != NULL) {
        if ((const char *)memchr(host, ':', (size_t)(slash - host)) - host > (long)FTP_PART_MAX)
            return false;
    } else if (slash - host > (long)FTP_PART_MAX) {
        return false;
    }
    return strlen(slash + 1) > 0 && strlen(slash + 1) <= FTP_PART_MAX &&
           strchr(slash + 1, '/') == NULL;
}

static void download_urc(void *ctx, unsigned k, unsigned max)
{
    struct module *m = ctx;

    (void)max;
    if (m->model->family == FAMILY_BC)
        say(m, "+QIND: \"FOTA\",\"DOWNLOADING\",%u%%", k);
    else
        say(m, "+QIND: \"FOTA\",\"DOWNLOADING\",%u", k);
}

/* BC25/BC32: AT+QFOTADL="http://..." - download, check, update. */
static void bc_http_update(struct module *m, const char *url)
{
    struct download dl;
    struct dfota_error err;
    char path[PATH_MAX];
    unsigned code;

    ok(m);
    say(m, "+QIND: \"FOTA\",\"HTTPSTART\"");
    module_download(m->model, SCHEME_HTTP, url, (size_t)ufs_free(m, "fota.pack"), 100,
                    m->opts->ca_file, m->opts->timeout, download_urc, m, &dl);
    code = dl.code;
    if (code == 0) {
        /* Stored as UFS fota.pack, then checked as the module checks it. */
        ufs_path(m, "fota.pack", path);
        if (write_atomic(path, dl.data, dl.size, &err) != DFOTA_OK)
            code = 6505;
        else if (check_package(m, dl.data, dl.size, &err) != DFOTA_OK) {
            code = 6507; /* a package that fails its check is not kept */
            (void)unlink(path);
        }
        else if (!accept_package(m, dl.data, dl.size, 100))
            code = 6505;
    }
    say(m, "+QIND: \"FOTA\",\"HTTPEND\",%u", code);
    free(dl.data);
    if (code == 0)
        run_update(m, 100);
}

/* The name a BC25 stores a downloaded MCU file under. */
static void mcu_file_name(const char *url, const char *given, char out[UFS_NAME_MAX + 1])
{
    const char *slash = strrchr(url, '/'), *name = given ? given : slash ? slash + 1 : "";
    size_t n = strcspn(name, "?#");

    if (given == NULL && n <= UFS_NAME_MAX) {
        (void)snprintf(out, UFS_NAME_MAX + 1, "%.*s", (int)n, name);
        if (ufs_name_ok(out))
            return;
    } else if (given != NULL && ufs_name_ok(given)) {
        (void)snprintf(out, UFS_NAME_MAX + 1, "%s", given);
        return;
    }
    (void)snprintf(out, UFS_NAME_MAX + 1, "mcu_update.bin");
}

/* BC25/BC32: AT+QFOTADL=2,"http://..."[,"name"] - a file into the UFS. */
static void bc_http_file(struct module *m, const char *url, const char *name)
{
    struct download dl;
    struct dfota_error err;
    char file[UFS_NAME_MAX + 1], path[PATH_MAX];
    unsigned code;

    mcu_file_name(url, name, file);
    ok(m);
    say(m, "+QIND: \"FOTA\",\"HTTPSTART\"");
    module_download(m->model, SCHEME_HTTP, url, (size_t)ufs_free(m, file), 100,
                    m->opts->ca_file, m->opts->timeout, download_urc, m, &dl);
    code = dl.code;
    if (code == 0) {
        ufs_path(m, file, path);
        if (write_atomic(path, dl.data, dl.size, &err) != DFOTA_OK)
            code = 6505;
    }
    say(m, "+QIND: \"FOTA\",\"HTTPEND\",%u", code);
    free(dl.data);
}

static void bc_qfotadl(struct module *m, const struct param *p, size_t n)
{
    char path[PATH_MAX];
    struct dfota_error err;
    uint8_t *pkg;
    size_t size;
    const char *url;

    if (n == 1 && p[0].is_string) {
        url = p[0].text;
        if (!has_prefix(url, "http://") || strlen(url) > m->model->url_max ||
            !url_port_ok(url, 7)) {
            cme(m, 6501);
            return;
        }
        bc_http_update(m, url);
        return;
    }
    if (n == 1 && !p[0].is_string && p[0].number == 1) {
        /* Local upgrade: UFS fota.pack, checked before the answer. */
        ufs_path(m, "fota.pack", path);
        if (read_all(path, &pkg, &size, &err) != DFOTA_OK) {
            cme(m, 6506);
            return;
        }
        if (check_package(m, pkg, size, &err) != DFOTA_OK) {
            free(pkg);
            cme(m, 6507);
            return;
        }
        if (!accept_package(m, pkg, size, 100)) {
            free(pkg);
            cme(m, 6505);
            return;
        }
        free(pkg);
        ok(m);
        run_update(m, 100);
        return;
    }
    if ((n == 2 || n == 3) && !p[0].is_string && p[0].number == 2 && p[1].is_string &&
        (n == 2 || p[2].is_string)) {
        url = p[1].text;
        if (!has_prefix(url, "http://") || strlen(url) > m->model->url_max ||
            !url_port_ok(url, 7) || (n == 3 && strlen(p[2].text) > UFS_NAME_MAX)) {
            cme(m, 6501);
            return;
        }
        bc_http_file(m, url, n == 3 ? p[2].text : NULL);
        return;
    }
    cme(m, 6501);
}

static bool urc_max_ok(unsigned long v)
{
    return v == 0 || (v >= 5 && v <= 100);
}

/* After a download: the check, then the update now (mode 1) or after a
 * reboot (mode 0). */
static void ec_accept(struct module *m, uint8_t *data, size_t size, unsigned long mode,
                      unsigned long up_max)
{
    struct dfota_error err;
    enum dfota_status st = check_package(m, data, size, &err);

    if (st == DFOTA_OK && !accept_package(m, data, size, (unsigned)up_max))
        st = DFOTA_E_IO;
    free(data);
    if (st != DFOTA_OK) {
        /* Refused before any flash write, with the module's <err>. */
        say(m, "+QIND: \"FOTA\",\"START\"");
        say(m, "+QIND: \"FOTA\",\"END\",%u", fota_code(m, st));
        return;
    }
    if (mode == 0)
        say(m, "RDY"); /* reboot first; the update runs at boot */
    boot(m);
}

/* The time 15 KB/s takes for `n` bytes. */
static void pace(size_t n)
{
    struct timespec t;
    uint64_t ns = (uint64_t)n * 1000000000u / 15000u;

    t.tv_sec = (time_t)(ns / 1000000000u);
    t.tv_nsec = (long)(ns % 1000000000u);
    while (nanosleep(&t, &t) != 0 && errno == EINTR)
        ;
}

/* Wait at most `ms` for input; false on timeout or end of input. */
static bool input_ready(const struct module *m, int ms)
{
    struct pollfd pfd;
    int r;

    pfd.fd = m->in;
    pfd.events = POLLIN;
    do
        r = poll(&pfd, 1, ms);
    while (r < 0 && errno == EINTR);
    return r > 0 && (pfd.revents & POLLIN);
}

/*
 * EC200x "FILE:<length>": the package arrives on the line after OK. Without
 * hardware flow control (AT+IFC=2,2) the module takes it through a 256-byte
 * receive FIFO drained at 15 KB/s (the guide: 32-byte writes, about
 * 15 KB/s): a host that sends faster overruns it and the download fails
 * (FILEEND,500). A line silent for --timeout seconds fails it too.
 */
static void ec_file(struct module *m, size_t length, unsigned long mode, unsigned long dl_max,
                    unsigned long up_max)
{
    uint8_t *data = malloc(length), chunk[256];
    size_t got = 0, want;
    unsigned done = 0;
    ssize_t r;
    bool failed = data == NULL;

    ok(m);
    say(m, "+QIND: \"FOTA\",\"FILESTART\"");
    while (!failed && got < length) {
        if (!input_ready(m, (int)m->opts->timeout * 1000)) {
            failed = true;
            break;
        }
        want = length - got < sizeof(chunk) ? length - got : sizeof(chunk);
        r = read(m->in, m->flow_control ? data + got : chunk, want);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            failed = true;
            break;
        }
        if (!m->flow_control) {
            /* A full FIFO means bytes were lost on the wire. */
            if ((size_t)r == sizeof(chunk) && length - got > sizeof(chunk)) {
                failed = true;
                break;
            }
            memcpy(data + got, chunk, (size_t)r);
            pace((size_t)r);
        }
        got += (size_t)r;
        while (dl_max > 0 && done + 1 < dl_max && (uint64_t)got * dl_max >= (uint64_t)length * (done + 1))
            say(m, "+QIND: \"FOTA\",\"DOWNLOADING\",%u", ++done);
    }
    if (failed) {
        /* What still arrives of the package is not taken as commands. */
        while (input_ready(m, 500) && read(m->in, chunk, sizeof(chunk)) > 0)
            ;
        free(data);
        say(m, "+QIND: \"FOTA\",\"FILEEND\",500");
        return;
    }
    while (done < dl_max)
        say(m, "+QIND: \"FOTA\",\"DOWNLOADING\",%u", ++done);
    say(m, "+QIND: \"FOTA\",\"FILEEND\",0");
    ec_accept(m, data, length, mode, up_max);
}

static void ec_qfotadl(struct module *m, const struct param *p, size_t n)
{
    const char *url;
    enum url_scheme scheme;
    unsigned long mode = 1, dl_max = 100, up_max = 100, length = 0;
    struct download dl;
    char *stop;
    size_t k;

    if (n < 1 || !p[0].is_string) {
        error(m);
        return;
    }
    for (k = 1; k < n; k++)
        if (p[k].is_string) {
            error(m);
            return;
        }
    url = p[0].text;
    if (has_prefix(url, "FILE:")) {
        errno = 0;
        length = strtoul(url + 5, &stop, 10);
        if (errno != 0 || stop == url + 5 || *stop != '\0' || length == 0 ||
            length > FLASH_MAX / 4) {
            error(m);
            return;
        }
        /* EC200T: protocol download mode for a UART without flow control. */
        if (n == 2 && p[1].number == 2) {
            if (m->model->full_image)
                say(m, "010003");
            else
                error(m);
            return;
        }
    }
    if (n > (m->model->update_urc_max ? 4u : 3u) || strlen(url) > m->model->url_max) {
        error(m);
        return;
    }
    if (n > 1)
        mode = p[1].number;
    if (n > 2)
        dl_max = p[2].number;
    if (n > 3)
        up_max = p[3].number;
    if (mode > 1 || !urc_max_ok(dl_max) || !urc_max_ok(up_max)) {
        error(m);
        return;
    }
    if (length > 0) {
        ec_file(m, length, mode, dl_max, up_max);
        return;
    }
    if (has_prefix(url, "ftp://")) {
        scheme = SCHEME_FTP;
        if (!ftp_url_ok(url) || !url_port_ok(url, 6)) {
            error(m);
            return;
        }
    } else if (has_prefix(url, "http://") || has_prefix(url, "https://")) {
        scheme = has_prefix(url, "https://") ? SCHEME_HTTPS : SCHEME_HTTP;
        if (!url_port_ok(url, scheme == SCHEME_HTTPS ? 8 : 7)) {
            error(m);
            return;
        }
    } else {
        error(m);
        return;
    }
    ok(m);
    say(m, "+QIND: \"FOTA\",\"%s\"", scheme == SCHEME_FTP ? "FTPSTART" : "HTTPSTART");
    module_download(m->model, scheme, url, FLASH_MAX / 4, (unsigned)dl_max, m->opts->ca_file,
                    m->opts->timeout, download_urc, m, &dl);
    say(m, "+QIND: \"FOTA\",\"%s\",%u", scheme == SCHEME_FTP ? "FTPEND" : "HTTPEND", dl.code);
    if (dl.code != 0)
        return;
    ec_accept(m, dl.data, dl.size, mode, up_max);
}

/* ---- the command interpreter ---- */

static void qfotadl_test(struct module *m)
{
    if (m->model->family == FAMILY_EC)
        say(m, "+QFOTADL: <url>,(0,1),(0,5-100)%s",
            m->model->update_urc_max ? ",(0,5-100)" : "");
    ok(m);
}

static void qflst(struct module *m)
{
    struct ufs_file files[UFS_FILES_MAX];
    uint64_t used;
    size_t i, n = ufs_list(m, files, &used);

    for (i = 0; i < n; i++)
        say(m, "+QFLST: \"%s\",%llu", files[i].name, (unsigned long long)files[i].size);
    ok(m);
}

static void qfdel(struct module *m, const char *arg)
{
    char path[PATH_MAX];
    size_t n = strlen(arg);

    if (n < 3 || arg[0] != '"' || arg[n - 1] != '"') {
        cme(m, 6501);
        return;
    }
    {
        char name[UFS_NAME_MAX + 1];

        if (n - 2 > UFS_NAME_MAX) {
            cme(m, 6501);
            return;
        }
        memcpy(name, arg + 1, n - 2);
        name[n - 2] = '\0';
        if (!ufs_name_ok(name)) {
            cme(m, 6501);
            return;
        }
        ufs_path(m, name, path);
        if (unlink(path) != 0) {
            cme(m, 6506);
            return;
        }
    }
    ok(m);
}

static void command(struct module *m, const char *line)
{
    struct param params[PARAMS_MAX];
    const char *c;
    size_t n;

    if (!(line[0] == 'A' && line[1] == 'T') && !(line[0] == 'a' && line[1] == 't')) {
        error(m);
        return;
    }
    c = line + 2;
    if (*c == '\0') {
        ok(m);
    } else if (strcasecmp(c, "I") == 0) {
        say(m, "Quectel\r\n%s\r\nRevision: %s", m->model->ati_name, m->revision);
        ok(m);
    } else if (strcasecmp(c, "E0") == 0 || strcasecmp(c, "E1") == 0 || strcasecmp(c, "E") == 0) {
        m->echo = c[1] == '1';
        ok(m);
    } else if (strcasecmp(c, "+QFOTADL=?") == 0) {
        qfotadl_test(m);
    } else if (strncasecmp(c, "+QFOTADL=", 9) == 0) {
        if (!parse_params(c + 9, params, &n)) {
            if (m->model->family == FAMILY_BC)
                cme(m, 6501);
            else
                error(m);
        } else if (m->model->family == FAMILY_BC) {
            bc_qfotadl(m, params, n);
        } else {
            ec_qfotadl(m, params, n);
        }
    } else if (m->model->family == FAMILY_EC && strcasecmp(c, "+IFC?") == 0) {
        say(m, "+IFC: %d,%d", m->flow_control ? 2 : 0, m->flow_control ? 2 : 0);
        ok(m);
    } else if (m->model->family == FAMILY_EC &&
               (strcasecmp(c, "+IFC=2,2") == 0 || strcasecmp(c, "+IFC=0,0") == 0)) {
        m->flow_control = c[5] == '2';
        ok(m);
    } else if (m->model->family == FAMILY_BC && strcasecmp(c, "+QFLST") == 0) {
        qflst(m);
    } else if (m->model->family == FAMILY_BC && strncasecmp(c, "+QFDEL=", 7) == 0) {
        qfdel(m, c + 7);
    } else {
        error(m);
    }
}

enum dfota_status dfota_module_run(const struct dfota_module_options *opts, int in_fd,
                                   int out_fd, struct dfota_error *err)
{
    struct module m;
    char line[LINE_MAX_BYTES + 1], ch;
    size_t len = 0;
    bool overflow = false;
    ssize_t r;
    size_t i;
    enum dfota_status st;

    memset(&m, 0, sizeof(m));
    for (i = 0; i < sizeof(models) / sizeof(models[0]); i++)
        if (opts->model != NULL && strcmp(opts->model, models[i].name) == 0)
            m.model = &models[i];
    if (m.model == NULL)
        return dfota_error_set(err, DFOTA_E_INVALID_ARGUMENT, "unknown model '%s' (%s)",
                               opts->model ? opts->model : "", dfota_module_models());
    m.opts = opts;
    m.in = in_fd;
    m.out = out_fd;
    m.echo = true; /* ATE1, as a module starts */
    st = open_state(&m, err);
    if (st != DFOTA_OK) {
        free(m.firmware);
        return st;
    }
    boot(&m);
    while (!m.power_lost) {
        r = read(m.in, &ch, 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        if (m.echo)
            put_bytes(&m, &ch, 1);
        if (ch == '\n')
            continue;
        if (ch != '\r') {
            if (len < LINE_MAX_BYTES)
                line[len++] = ch;
            else
                overflow = true;
            continue;
        }
        line[len] = '\0';
        if (overflow)
            error(&m);
        else if (len > 0)
            command(&m, line);
        len = 0;
        overflow = false;
    }
    free(m.firmware);
    if (m.power_lost)
        return dfota_error_set(err, DFOTA_E_POWER_CUT,
                               "power cut during the update: the device flash is in '%s/flash.bin'",
                               opts->state_dir);
    return DFOTA_OK;
}
