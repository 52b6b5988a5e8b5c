/*
 * cmd_release.c - `dfota release`: two images in; V1_TO_V2.bin, V1_TO_V2.zip,
 * V1_TO_V2_signed.zip and V1_TO_V2.report.json out, every file verified
 * before any of them appears.
 *
 * The steps are the library calls behind `pack`, `zip`, `sign` and `verify`
 * (no sub-processes). Everything is written into a fresh directory
 * DIR/.release.XXXXXX, synced, read back and verified there, and only then
 * moved into DIR, the report last; on any failure, or a signal at any point
 * of it, the directory and its files are removed and the moves undone, so
 * DIR never holds part of a release. Only SIGKILL or a crash during the
 * four moves can split one; the next run into DIR reports what such a run
 * left, and removes a private directory once its lock proves it unused.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "dfota/diffgen.h"
#include "dfota/keys.h"
#include "dfota/packer.h"
#include "dfota/patch.h"
#include "dfota/predict.h"
#include "dfota/sha256.h"
#include "dfota/signer.h"
#include "dfota/verifier.h"
#include "dfota/version.h"
#include "dfota/wire.h"
#include "dfota/zip.h"

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
    {"json", no_argument, NULL, OPT_JSON},
    {"force", no_argument, NULL, 'f'},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
};
#define RELEASE_BASE_OPTION_COUNT (sizeof(release_base_options) / sizeof(release_base_options[0]))

struct release_args {
    const char *old, *new_, *from, *to, *key, *passin, *pubkey;
    char dir[PATH_MAX]; /* -o DIR without trailing slashes */
    struct dfota_diff_options diff;
    bool json, force, quiet;
};

/* ---- firmware version strings ----------------------------------------- */

/*
 * A Quectel revision: [A-Z][A-Z0-9]{2,15}R[0-9]{2}A[0-9]{2}, optionally
 * followed by M[0-9]{2} (BC25R01A03, EC200TCNTCNMAR02A02M16). It must be a
 * whole run of [A-Za-z0-9] bytes: the bytes around it are not letters or
 * digits (or it touches the start or end of the image).
 */
#define REVISION_LEN_MIN 9u  /* 1 + 2 + "R01A03" */
#define REVISION_LEN_MAX 25u /* 1 + 15 + "R01A03" + "M16" */
#define REVISIONS_LISTED 4u  /* distinct strings named in an "ambiguous" message */

static bool is_alnum(uint8_t c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool is_upper(uint8_t c)
{
    return c >= 'A' && c <= 'Z';
}

static bool is_digit(uint8_t c)
{
    return c >= '0' && c <= '9';
}

/* Is the run of `n` letters and digits at `s` "<prefix>R..A.." without the M suffix? */
static bool is_revision_base(const uint8_t *s, size_t n)
{
    size_t i;

    if (n < REVISION_LEN_MIN || n > REVISION_LEN_MAX - 3 || !is_upper(s[0]))
        return false;
    for (i = 1; i < n - 6; i++)
        if (!is_upper(s[i]) && !is_digit(s[i]))
            return false;
    return s[n - 6] == 'R' && is_digit(s[n - 5]) && is_digit(s[n - 4]) && s[n - 3] == 'A' &&
           is_digit(s[n - 2]) && is_digit(s[n - 1]);
}

static bool is_revision(const uint8_t *s, size_t n)
{
    if (is_revision_base(s, n))
        return true;
    return n >= REVISION_LEN_MIN + 3 && s[n - 3] == 'M' && is_digit(s[n - 2]) &&
           is_digit(s[n - 1]) && is_revision_base(s, n - 3);
}

struct revision_scan {
    char found[REVISIONS_LISTED][REVISION_LEN_MAX + 1]; /* distinct, in order of appearance */
    size_t offset;   /* of the first occurrence of found[0] */
    unsigned count;  /* distinct strings in `found` */
    bool more;       /* a further distinct string was seen */
};

static void scan_revisions(const uint8_t *image, size_t size, struct revision_scan *scan)
{
    size_t start = 0, end, i;

    memset(scan, 0, sizeof(*scan));
    while (start < size) {
        if (!is_alnum(image[start])) {
            start++;
            continue;
        }
        for (end = start; end < size && is_alnum(image[end]); end++)
            ;
        if (is_revision(image + start, end - start)) {
            for (i = 0; i < scan->count; i++)
                if (strlen(scan->found[i]) == end - start &&
                    memcmp(scan->found[i], image + start, end - start) == 0)
                    break;
            if (i == scan->count && scan->count < REVISIONS_LISTED) {
                memcpy(scan->found[i], image + start, end - start);
                scan->found[i][end - start] = '\0';
                if (scan->count++ == 0)
                    scan->offset = start;
            } else if (i == scan->count) {
                scan->more = true;
            }
        }
        start = end;
    }
}

/*
 * The version of `image` (the file `path`, given as --old or --new): its one
 * distinct revision string. Exactly one is required; zero or several is a
 * usage error pointing at `option`, never a guess.
 */
static int image_version(const char *path, const char *option, const uint8_t *image,
                         size_t size, char version[DFOTA_VERSION_MAX + 1], size_t *offset)
{
    struct revision_scan scan;
    char list[REVISIONS_LISTED * (REVISION_LEN_MAX + 2) + 8] = "";
    unsigned i;

    scan_revisions(image, size, &scan);
    if (scan.count == 0)
        return cli_usage_error(COMMAND, "no version string found in '%s'; give %s", path,
                               option);
    if (scan.count > 1) {
        for (i = 0; i < scan.count; i++) {
            strcat(list, i ? ", " : "");
            strcat(list, scan.found[i]);
        }
        if (scan.more)
            strcat(list, ", ...");
        return cli_usage_error(COMMAND,
                               "ambiguous version: '%s' holds several version strings (%s); "
                               "give %s",
                               path, list, option);
    }
    snprintf(version, DFOTA_VERSION_MAX + 1, "%s", scan.found[0]);
    *offset = scan.offset;
    return CLI_EXIT_OK;
}

/* ---- options ---------------------------------------------------------- */

static int parse_args(int argc, char **argv, struct release_args *a)
{
    struct option options[RELEASE_BASE_OPTION_COUNT + 8];
    const char *output = NULL;
    struct dfota_error err;
    size_t n;
    int c, rc;

    memset(a, 0, sizeof(*a));
    dfota_diff_options_init(&a->diff);
    cli_merge_options(options, release_base_options, RELEASE_BASE_OPTION_COUNT,
                      cli_diff_options);
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":o:fqh", options, NULL)) != -1) {
        switch (c) {
        case OPT_OLD:
            a->old = optarg;
            break;
        case OPT_NEW:
            a->new_ = optarg;
            break;
        case OPT_FROM_VERSION:
            a->from = optarg;
            break;
        case OPT_TO_VERSION:
            a->to = optarg;
            break;
        case OPT_KEY:
            a->key = optarg;
            break;
        case OPT_PASSIN:
            a->passin = optarg;
            break;
        case OPT_PUBKEY:
            a->pubkey = optarg;
            break;
        case 'o':
            output = optarg;
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
        case 'h':
        case ':':
        case '?':
            return cli_option_error(COMMAND, c, argv[optind - 1]);
        default:
            rc = cli_parse_diff_option(COMMAND, c, optarg, &a->diff);
            if (rc != CLI_EXIT_OK)
                return rc;
        }
    }
    if (optind < argc)
        return cli_usage_error(COMMAND, "unexpected argument '%s'", argv[optind]);
    if (a->old == NULL || a->new_ == NULL)
        return cli_usage_error(COMMAND, "missing --old OLD and --new NEW (the two images)");
    if (strcmp(a->old, "-") == 0 || strcmp(a->new_, "-") == 0)
        return cli_usage_error(COMMAND, "OLD and NEW must be files, not '-'");
    if (a->key == NULL)
        return cli_usage_error(COMMAND, "missing --key KEY (private.pem, or a store URI)");
    if (output == NULL)
        return cli_usage_error(COMMAND, "missing -o DIR (the output directory)");
    if (output[0] == '\0' || strcmp(output, "-") == 0)
        return cli_usage_error(COMMAND, "-o takes a directory, not '%s'", output);
    n = strlen(output);
    while (n > 1 && output[n - 1] == '/')
        n--;
    if (n >= sizeof(a->dir))
        return cli_usage_error(COMMAND, "'%s': path too long", output);
    memcpy(a->dir, output, n);
    a->dir[n] = '\0';
    if (a->from != NULL && dfota_version_check(a->from, "source version", &err) != DFOTA_OK)
        return cli_usage_error(COMMAND, "--from-version: %s", err.message);
    if (a->to != NULL && dfota_version_check(a->to, "target version", &err) != DFOTA_OK)
        return cli_usage_error(COMMAND, "--to-version: %s", err.message);
    return CLI_EXIT_OK;
}

/* ---- the release job -------------------------------------------------- */

enum release_file { FILE_PACKAGE, FILE_ZIP, FILE_SIGNED, FILE_REPORT, FILE_COUNT };
#define VERIFIED_COUNT 3 /* the package, the zip and the signed zip */

static const char *const file_suffix[FILE_COUNT] = {".bin", ".zip", "_signed.zip",
                                                    ".report.json"};

struct release_output {
    char name[DFOTA_ZIP_PAYLOAD_NAME_MAX + 16]; /* V1_TO_V2_signed.zip */
    char path[PATH_MAX];                        /* DIR/name */
    char temp[PATH_MAX];                        /* DIR/.release.XXXXXX/name */
    char backup[PATH_MAX];                      /* DIR/.release.XXXXXX/replaced-name */
    uint8_t *data;                              /* malloc'd bytes to write */
    size_t size;
    uint8_t sha256[DFOTA_SHA256_SIZE];          /* of the bytes read back */
    bool temp_exists, backup_exists, published;
};

struct release_job {
    struct release_args args;
    char from[DFOTA_VERSION_MAX + 1], to[DFOTA_VERSION_MAX + 1];
    char from_source[64], to_source[64]; /* "--from-version", "old image, offset N" */
    uint8_t *old, *new_, *patch;
    size_t old_size, new_size, patch_size;
    uint64_t created, zip_mtime;
    struct dfota_package_header header;
    struct dfota_patch_header patch_header;
    struct dfota_signing_key *key;
    struct dfota_public_key *public_key; /* derived from `key`, when no --pubkey */
    char scheme[DFOTA_KEY_DESCRIPTION_MAX];
    char temp_dir[PATH_MAX];
    char lock_new[PATH_MAX], lock[PATH_MAX]; /* temp_dir/lock.new, temp_dir/lock */
    int lock_fd;                              /* holds the flock(); -1 before and after */
    bool dir_created, temp_dir_created;
    struct release_output out[FILE_COUNT];
    struct dfota_verify_report reports[VERIFIED_COUNT];
};

/* A failure with a library status: on stderr, and as JSON on stdout with --json. */
static int job_report(const struct release_job *job, const char *subject,
                      const struct dfota_error *err)
{
    if (job->args.json)
        cli_json_error(stdout, subject, err);
    return cli_report(COMMAND, subject, err);
}

/* A system call failed on `subject`: "'subject': what: reason (IO)", exit 3. */
static int job_system_error(const struct release_job *job, const char *subject, const char *what,
                            int errnum)
{
    struct dfota_error err;

    dfota_error_set(&err, DFOTA_E_IO, "%s: %s", what, strerror(errnum));
    return job_report(job, subject, &err);
}

static int read_images(struct release_job *job)
{
    struct dfota_error err;

    if (cli_read_file(job->args.old, DFOTA_HOST_SIZE_MAX, &job->old, &job->old_size, &err) !=
        DFOTA_OK)
        return job_report(job, job->args.old, &err);
    if (cli_read_file(job->args.new_, DFOTA_HOST_SIZE_MAX, &job->new_, &job->new_size, &err) !=
        DFOTA_OK)
        return job_report(job, job->args.new_, &err);
    return CLI_EXIT_OK;
}

static int find_versions(struct release_job *job)
{
    const struct release_args *a = &job->args;
    size_t offset;
    int rc;

    if (a->from != NULL) {
        snprintf(job->from, sizeof(job->from), "%s", a->from);
        snprintf(job->from_source, sizeof(job->from_source), "--from-version");
    } else {
        rc = image_version(a->old, "--from-version", job->old, job->old_size, job->from, &offset);
        if (rc != CLI_EXIT_OK)
            return rc;
        snprintf(job->from_source, sizeof(job->from_source), "old image, offset %zu", offset);
    }
    if (a->to != NULL) {
        snprintf(job->to, sizeof(job->to), "%s", a->to);
        snprintf(job->to_source, sizeof(job->to_source), "--to-version");
    } else {
        rc = image_version(a->new_, "--to-version", job->new_, job->new_size, job->to, &offset);
        if (rc != CLI_EXIT_OK)
            return rc;
        snprintf(job->to_source, sizeof(job->to_source), "new image, offset %zu", offset);
    }
    if (strcmp(job->from, job->to) == 0)
        return cli_usage_error(COMMAND,
                               "the old and the new version are both '%s' (%s, %s); a release "
                               "goes from one version to another",
                               job->from, job->from_source, job->to_source);
    return CLI_EXIT_OK;
}

/*
 * `out` = "dir/prefixname"; false if it does not fit in PATH_MAX. Built in a
 * local buffer: `out` and the parts may be members of the same struct.
 */
static bool join_path(char out[PATH_MAX], const char *dir, const char *prefix, const char *name)
{
    char path[PATH_MAX];
    int n = snprintf(path, sizeof(path), "%s/%s%s", dir, prefix, name);

    if (n < 0 || n >= (int)sizeof(path))
        return false;
    memcpy(out, path, (size_t)n + 1);
    return true;
}

/* Output names, and the refusal of existing outputs before any work is done. */
static int name_outputs(struct release_job *job)
{
    struct release_output *o;
    struct cli_file outputs[FILE_COUNT], inputs[5];
    struct stat st;
    size_t i;
    int rc;

    for (i = 0; i < FILE_COUNT; i++) {
        o = &job->out[i];
        if (snprintf(o->name, sizeof(o->name), "%s_TO_%s%s", job->from, job->to,
                     file_suffix[i]) >= (int)sizeof(o->name) ||
            !join_path(o->path, job->args.dir, "", o->name))
            return cli_usage_error(COMMAND, "'%s/%s': path too long", job->args.dir, o->name);
    }
    for (i = 0; i < FILE_COUNT; i++) {
        outputs[i] = (struct cli_file){"-o", job->out[i].path};
    }
    inputs[0] = (struct cli_file){"--old", job->args.old};
    inputs[1] = (struct cli_file){"--new", job->args.new_};
    inputs[2] = (struct cli_file){"--key", cli_key_path(job->args.key)};
    inputs[3] = (struct cli_file){"--pubkey", job->args.pubkey};
    inputs[4] = (struct cli_file){"--passin", cli_passphrase_path(job->args.passin)};
    rc = cli_check_outputs(COMMAND, outputs, FILE_COUNT, inputs, 5);
    if (rc != CLI_EXIT_OK)
        return rc;
    for (i = 0; i < FILE_COUNT && !job->args.force; i++)
        if (lstat(job->out[i].path, &st) == 0)
            return cli_fail(CLI_EXIT_EXISTS, COMMAND,
                            "'%s' already exists; use --force to replace the release",
                            job->out[i].path);
    return CLI_EXIT_OK;
}

/* ---- the private directories of other runs ---------------------------- */

/*
 * Every run builds in DIR/.release.XXXXXX and holds an exclusive flock() on
 * the file "lock" in it for as long as it lives; the kernel drops the lock
 * when the process ends, however it is killed. The file is created as
 * "lock.new", locked, and only then renamed to "lock", so a "lock" that
 * another process can lock is proof that its run is over. A directory
 * without one (made by an older dfota, or a run that was killed as it
 * started) cannot be proven unused: it is reported, once it has not
 * changed for STALE_UNPROVEN_AGE seconds (a run being set up or cleaned up
 * lacks its lock for an instant), and left alone.
 */
static void cleanup_signal_set(sigset_t *set);

#define LOCK_NAME "lock"
#define LOCK_NEW_NAME "lock.new"
#define REPLACED_PREFIX "replaced-"
#define STALE_UNPROVEN_AGE 60

/* What a dead run's directory holds besides its lock. */
struct stale_contents {
    bool other;     /* something that is not one of the run's own files */
    bool published; /* a temporary also linked into DIR: moved there without --force */
    bool replaced;  /* a file that --force moved out of DIR's way */
};

/* A listing of `dir_fd` from its start (its own descriptor, closed with closedir()). */
static DIR *open_listing(int dir_fd)
{
    int fd = dup(dir_fd);
    DIR *d;

    if (fd < 0)
        return NULL;
    d = fdopendir(fd);
    if (d == NULL) {
        close(fd);
        return NULL;
    }
    rewinddir(d); /* the duplicate shares the position of earlier listings */
    return d;
}

static bool is_dot(const char *name)
{
    return strcmp(name, ".") == 0 || strcmp(name, "..") == 0;
}

/*
 * May the dead run's directory `dir_fd` be removed without losing a file?
 * Only if it holds nothing but its lock and its own temporaries, none of
 * them also linked into DIR: a second link, or a file kept by --force
 * (replaced-NAME), means the run died while publishing.
 */
static bool only_temporaries(int dir_fd, struct stale_contents *c)
{
    struct dirent *entry;
    struct stat st;
    DIR *d = open_listing(dir_fd);

    memset(c, 0, sizeof(*c));
    if (d == NULL) {
        c->other = true;
        return false;
    }
    while ((entry = readdir(d)) != NULL) {
        if (is_dot(entry->d_name) || strcmp(entry->d_name, LOCK_NAME) == 0 ||
            strcmp(entry->d_name, LOCK_NEW_NAME) == 0)
            continue;
        if (fstatat(dir_fd, entry->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
            !S_ISREG(st.st_mode))
            c->other = true;
        else if (strncmp(entry->d_name, REPLACED_PREFIX, strlen(REPLACED_PREFIX)) == 0)
            c->replaced = true;
        else if (st.st_nlink > 1)
            c->published = true;
    }
    closedir(d);
    return !c->other && !c->replaced && !c->published;
}

static bool remove_entries(int dir_fd)
{
    struct dirent *entry;
    DIR *d = open_listing(dir_fd);
    bool ok = true;

    if (d == NULL)
        return false;
    while ((entry = readdir(d)) != NULL)
        if (!is_dot(entry->d_name) && unlinkat(dir_fd, entry->d_name, 0) != 0)
            ok = false;
    closedir(d);
    return ok;
}

/* One DIR/.release.* entry: left alone when in use, removed when provably dead. */
static void check_stale(const struct release_job *job, int parent, const char *name)
{
    char path[PATH_MAX];
    struct stale_contents contents;
    struct stat st;
    int dir_fd, lock_fd;

    if (!join_path(path, job->args.dir, "", name) ||
        fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISDIR(st.st_mode))
        return;
    dir_fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dir_fd < 0) {
        fprintf(stderr, "dfota %s: '%s': cannot check whether a release still uses it: %s\n",
                COMMAND, path, strerror(errno));
        return;
    }
    lock_fd = openat(dir_fd, LOCK_NAME, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (lock_fd < 0) {
        if (time(NULL) - st.st_mtime > STALE_UNPROVEN_AGE)
            fprintf(stderr,
                    "dfota %s: '%s': left by an earlier release; it has no lock, so nothing "
                    "proves that no release uses it: remove it if none is running\n",
                    COMMAND, path);
        close(dir_fd);
        return;
    }
    if (flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
        /* A running release: not ours to touch, and nothing to report. */
        close(lock_fd);
        close(dir_fd);
        return;
    }
    if (!only_temporaries(dir_fd, &contents)) {
        if (contents.replaced)
            fprintf(stderr,
                    "dfota %s: '%s': left by a release --force that was killed while "
                    "replacing files in '%s', which may now mix two releases; the files it "
                    "replaced are kept in it as " REPLACED_PREFIX "NAME: check, then remove "
                    "it\n",
                    COMMAND, path, job->args.dir);
        else if (contents.published)
            fprintf(stderr,
                    "dfota %s: '%s': left by a release that was killed while moving its "
                    "files into '%s', which may hold part of it (the report moves last): "
                    "check, then remove it\n",
                    COMMAND, path, job->args.dir);
        else
            fprintf(stderr,
                    "dfota %s: '%s': left by a release that was killed, but it holds more "
                    "than that release's files: left alone\n",
                    COMMAND, path);
    } else if (!remove_entries(dir_fd) || unlinkat(parent, name, AT_REMOVEDIR) != 0) {
        fprintf(stderr, "dfota %s: '%s': left by a release that was killed; cannot remove it: "
                        "%s\n",
                COMMAND, path, strerror(errno));
    } else if (!job->args.quiet) {
        fprintf(stderr, "dfota %s: removed '%s', left by a release that was killed\n", COMMAND,
                path);
    }
    close(lock_fd);
    close(dir_fd);
}

/* Report the DIR/.release.* directories of other runs; remove those provably dead. */
static void clean_stale(const struct release_job *job)
{
    struct dirent *entry;
    DIR *d = opendir(job->args.dir);

    if (d == NULL)
        return;
    while ((entry = readdir(d)) != NULL)
        if (strncmp(entry->d_name, ".release.", 9) == 0)
            check_stale(job, dirfd(d), entry->d_name);
    closedir(d);
}

/* The lock that tells other runs this one is alive (see above). */
static int take_lock(struct release_job *job)
{
    char host[256], owner[320];
    int fd;

    if (!join_path(job->lock_new, job->temp_dir, "", LOCK_NEW_NAME) ||
        !join_path(job->lock, job->temp_dir, "", LOCK_NAME))
        return cli_usage_error(COMMAND, "'%s': path too long", job->temp_dir);
    fd = open(job->lock_new, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return job_system_error(job, job->args.dir, "cannot create a file in it", errno);
    /* Who holds it, for a human who finds the directory; the lock itself is the proof. */
    if (gethostname(host, sizeof(host)) != 0)
        snprintf(host, sizeof(host), "?");
    host[sizeof(host) - 1] = '\0';
    snprintf(owner, sizeof(owner), "dfota release, pid %ld on %s\n", (long)getpid(), host);
    if (flock(fd, LOCK_EX) != 0 || !cli_write_all(fd, owner, strlen(owner)) ||
        rename(job->lock_new, job->lock) != 0) {
        int saved = errno;

        (void)unlink(job->lock_new);
        close(fd);
        return job_system_error(job, job->args.dir, "cannot lock the release directory", saved);
    }
    job->lock_fd = fd;
    return CLI_EXIT_OK;
}

/* DIR (created if missing), and the private directory the release is built in. */
static int make_temp_dir(struct release_job *job)
{
    const char *dir = job->args.dir;
    struct release_output *o;
    struct stat st;
    sigset_t held, unheld;
    bool created;
    size_t i;
    int rc, saved;

    if (stat(dir, &st) != 0) {
        saved = errno;
        /* Held so that the cleanup handler never sees DIR made but not yet marked as ours. */
        cleanup_signal_set(&held);
        (void)sigprocmask(SIG_BLOCK, &held, &unheld);
        created = saved == ENOENT && mkdir(dir, 0777) == 0;
        if (saved == ENOENT)
            saved = errno;
        job->dir_created = created;
        (void)sigprocmask(SIG_SETMASK, &unheld, NULL);
        if (!created)
            return job_system_error(job, dir, "cannot create directory", saved);
    } else if (!S_ISDIR(st.st_mode)) {
        return job_system_error(job, dir, "cannot write the release there", ENOTDIR);
    }
    if (snprintf(job->temp_dir, sizeof(job->temp_dir), "%s/.release.XXXXXX", dir) >=
        (int)sizeof(job->temp_dir))
        return cli_usage_error(COMMAND, "'%s': path too long", dir);
    if (!job->dir_created)
        clean_stale(job);
    if (mkdtemp(job->temp_dir) == NULL)
        return job_system_error(job, dir, "cannot create a directory in it", errno);
    job->temp_dir_created = true;
    rc = take_lock(job);
    if (rc != CLI_EXIT_OK)
        return rc;
    for (i = 0; i < FILE_COUNT; i++) {
        o = &job->out[i];
        if (!join_path(o->temp, job->temp_dir, "", o->name))
            return cli_usage_error(COMMAND, "'%s': path too long", job->temp_dir);
    }
    return CLI_EXIT_OK;
}

static int load_key(struct release_job *job)
{
    struct dfota_passphrase pass;
    struct dfota_error err;
    char prompt[PATH_MAX + 64];
    enum dfota_key_algorithm alg;
    unsigned bits;
    int rc;

    if (job->args.passin != NULL) {
        /* As cli_passphrase() does, but the failure also goes to JSON output. */
        if (dfota_passphrase_read(job->args.passin, &pass, &err) != DFOTA_OK) {
            struct dfota_error detail;

            dfota_error_set(&detail, err.status, "--passin: %s", err.message);
            return job_report(job, NULL, &detail);
        }
    } else {
        snprintf(prompt, sizeof(prompt), "Enter the passphrase for %s: ", job->args.key);
        rc = cli_passphrase(COMMAND, "--passin", NULL, prompt, false, &pass);
        if (rc != CLI_EXIT_OK)
            return rc;
    }
    if (dfota_signing_key_load(job->args.key, &pass, &job->key, &err) != DFOTA_OK) {
        dfota_passphrase_wipe(&pass);
        /* The message names the key already; JSON names it as the file. */
        if (job->args.json)
            cli_json_error(stdout, job->args.key, &err);
        return cli_report(COMMAND, NULL, &err);
    }
    dfota_passphrase_wipe(&pass);
    alg = dfota_signing_key_algorithm(job->key, &bits);
    dfota_key_describe(alg, bits, job->scheme);
    if (job->args.pubkey == NULL &&
        dfota_signing_key_public(job->key, &job->public_key, &err) != DFOTA_OK)
        return job_report(job, job->args.key, &err);
    return CLI_EXIT_OK;
}

/* Patch, package, zip and signed zip, in memory. */
static int build(struct release_job *job)
{
    struct dfota_delta_options opts;
    struct dfota_error err;
    struct release_output *pkg = &job->out[FILE_PACKAGE], *zip = &job->out[FILE_ZIP];
    const uint8_t *payload;
    int rc;

    rc = cli_make_patch(COMMAND, job->old, job->old_size, job->new_, job->new_size,
                        &job->args.diff, job->args.quiet || job->args.json, &job->patch,
                        &job->patch_size);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (dfota_patch_header_decode(job->patch, job->patch_size, &job->patch_header, &err) !=
        DFOTA_OK)
        return job_report(job, NULL, &err);
    opts.source_version = job->from;
    opts.target_version = job->to;
    opts.created = job->created;
    if (dfota_pack_delta(job->old, job->old_size, job->new_, job->new_size, job->patch,
                         job->patch_size, &opts, &pkg->data, &pkg->size, &err) != DFOTA_OK)
        return job_report(job, NULL, &err);
    if (dfota_package_open(pkg->data, pkg->size, &job->header, &payload, &err) != DFOTA_OK)
        return job_report(job, pkg->path, &err);
    if (dfota_zip_create(pkg->name, pkg->data, pkg->size, job->zip_mtime, &zip->data, &zip->size,
                         &err) != DFOTA_OK)
        return job_report(job, zip->path, &err);
    if (dfota_zip_sign(zip->data, zip->size, job->key, &job->out[FILE_SIGNED].data,
                       &job->out[FILE_SIGNED].size, &err) != DFOTA_OK)
        return job_report(job, job->out[FILE_SIGNED].path, &err);
    return CLI_EXIT_OK;
}

static void sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY);

    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
}

/* Write one output into the private directory and sync it. */
static int write_temp(struct release_job *job, struct release_output *o)
{
    int fd, saved;

    /* Mode 0666 less the umask, like every other output. */
    fd = open(o->temp, O_WRONLY | O_CREAT | O_EXCL, 0666);
    if (fd < 0)
        return job_system_error(job, o->path, "cannot write", errno);
    o->temp_exists = true;
    if (!cli_write_all(fd, o->data, o->size) || fsync(fd) != 0) {
        saved = errno;
        close(fd);
        return job_system_error(job, o->path, "cannot write", saved);
    }
    if (close(fd) != 0)
        return job_system_error(job, o->path, "cannot write", errno);
    return CLI_EXIT_OK;
}

static const char *check_result_name(enum dfota_check_result result)
{
    switch (result) {
    case DFOTA_CHECK_PASSED:
        return "passed";
    case DFOTA_CHECK_FAILED:
        return "failed";
    default:
        return "skipped";
    }
}

/* A failed verification: the file, the check and its detail, with the status. */
static int verify_failure(const struct release_job *job, const struct release_output *o,
                          const struct dfota_verify_report *report)
{
    const struct dfota_check *check = &report->checks[report->first_failed_check];
    struct dfota_error err;

    dfota_error_set(&err, report->first_failure, "%s check: %s",
                    dfota_check_name(report->first_failed_check),
                    check->detail[0] ? check->detail : dfota_status_str(report->first_failure));
    return job_report(job, o->path, &err);
}

/*
 * Read one written file back and verify it against both images: what is
 * checked is what is on the disk. The signed zip's signature is checked
 * with --pubkey, or else with the public half of the signing key.
 */
static int verify_output(struct release_job *job, size_t index)
{
    struct release_output *o = &job->out[index];
    struct dfota_verify_report *report = &job->reports[index];
    struct dfota_verify_options opts;
    struct dfota_sha256 sha;
    struct dfota_error err;
    uint8_t *data = NULL;
    size_t size = 0;
    enum dfota_status st;
    int rc = CLI_EXIT_OK;

    if (cli_read_file(o->temp, DFOTA_ZIP_FILE_MAX, &data, &size, &err) != DFOTA_OK)
        return job_report(job, o->path, &err);
    dfota_sha256_init(&sha);
    dfota_sha256_update(&sha, data, size);
    dfota_sha256_final(&sha, o->sha256);
    dfota_verify_options_init(&opts);
    opts.old_image = job->old;
    opts.old_size = job->old_size;
    opts.new_image = job->new_;
    opts.new_size = job->new_size;
    if (index == FILE_SIGNED) {
        opts.public_key = job->args.pubkey;
        opts.key = job->public_key; /* when no --pubkey: the public half of --key */
        opts.key_name = "the public half of the signing key";
    }
    st = dfota_verify(data, size, &opts, report);
    if (st != DFOTA_OK) {
        rc = verify_failure(job, o, report);
    } else if (size != o->size || memcmp(data, o->data, size) != 0) {
        dfota_error_set(&err, DFOTA_E_IO, "read back %zu bytes that differ from the %zu written",
                        size, o->size);
        rc = job_report(job, o->path, &err);
    }
    free(data);
    return rc;
}

/* ---- the report ------------------------------------------------------- */

static const char *predict_name(unsigned flags)
{
    switch (flags & DFOTA_PREDICT_ALL) {
    case DFOTA_PREDICT_BRANCH:
        return "branch";
    case DFOTA_PREDICT_POINTER:
        return "pointer";
    case DFOTA_PREDICT_ALL:
        return "branch+pointer";
    }
    return "none";
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');

    return slash ? slash + 1 : path;
}

static void json_image(FILE *f, const char *key, const char *path,
                       const struct dfota_image_info *info)
{
    char hex[2 * DFOTA_SHA256_SIZE + 1];

    fprintf(f, "  \"%s\": {\n    \"name\": ", key);
    cli_json_string(f, base_name(path));
    fprintf(f, ",\n    \"size\": %lu,\n", (unsigned long)info->size);
    dfota_hex(info->md5, DFOTA_MD5_SIZE, hex);
    fprintf(f, "    \"md5\": \"%s\",\n", hex);
    dfota_hex(info->sha256, DFOTA_SHA256_SIZE, hex);
    fprintf(f, "    \"sha256\": \"%s\"\n  },\n", hex);
}

static void json_file(FILE *f, const struct release_job *job, size_t index)
{
    const struct release_output *o = &job->out[index];
    const struct dfota_verify_report *report = &job->reports[index];
    char hex[2 * DFOTA_SHA256_SIZE + 1];
    size_t i;

    dfota_hex(o->sha256, DFOTA_SHA256_SIZE, hex);
    fputs("    {\n      \"name\": ", f);
    cli_json_string(f, o->name);
    fprintf(f, ",\n      \"kind\": \"%s\",\n", dfota_file_kind_name(report->kind));
    fprintf(f, "      \"size\": %zu,\n      \"sha256\": \"%s\",\n", o->size, hex);
    fputs("      \"checks\": [\n", f);
    for (i = 0; i < DFOTA_CHECK_COUNT; i++) {
        fprintf(f,
                "        {\"name\": \"%s\", \"result\": \"%s\", \"status\": \"%s\", "
                "\"detail\": ",
                dfota_check_name((enum dfota_check_id)i),
                check_result_name(report->checks[i].result),
                dfota_status_name(report->checks[i].status));
        cli_json_string(f, report->checks[i].detail);
        fprintf(f, "}%s\n", i + 1 < DFOTA_CHECK_COUNT ? "," : "");
    }
    fprintf(f, "      ]\n    }%s\n", index + 1 < VERIFIED_COUNT ? "," : "");
}

/*
 * The report, with a stable key order and no time but the package's own
 * creation time: the same inputs give the same bytes (but for an ECDSA
 * signature's digest, which changes with every signing).
 */
static int make_report(struct release_job *job)
{
    const struct release_output *pkg = &job->out[FILE_PACKAGE];
    const struct dfota_patch_header *p = &job->patch_header;
    struct release_output *report = &job->out[FILE_REPORT];
    char *text = NULL;
    size_t size = 0, i;
    FILE *f;

    f = open_memstream(&text, &size);
    if (f == NULL)
        return cli_fail(CLI_EXIT_IO, COMMAND, "out of memory");
    fprintf(f, "{\n  \"ok\": true,\n  \"dfota_version\": \"%s\",\n", DFOTA_VERSION_STRING);
    fputs("  \"from_version\": ", f);
    cli_json_string(f, job->from);
    fputs(",\n  \"to_version\": ", f);
    cli_json_string(f, job->to);
    fputs(",\n  \"version_source\": {\"from\": ", f);
    cli_json_string(f, job->from_source);
    fputs(", \"to\": ", f);
    cli_json_string(f, job->to_source);
    fputs("},\n", f);
    json_image(f, "old_image", job->args.old, &job->header.source);
    json_image(f, "new_image", job->args.new_, &job->header.target);
    fprintf(f, "  \"patch_size\": %zu,\n  \"package_size\": %zu,\n", job->patch_size, pkg->size);
    fprintf(f, "  \"patch_ratio\": %.6f,\n",
            job->new_size ? (double)pkg->size / (double)job->new_size : 0.0);
    fprintf(f, "  \"workspace_size\": %lu,\n", (unsigned long)job->header.workspace_size);
    fprintf(f, "  \"created\": %llu,\n", (unsigned long long)job->header.created);
    fprintf(f,
            "  \"patch\": {\"format_version\": %u, \"codec\": \"%s\", \"predict\": \"%s\", "
            "\"map_count\": %lu, \"region_count\": %lu, \"window_log\": %u, "
            "\"segment_size\": %lu, \"segment_count\": %lu},\n",
            (unsigned)p->format_version, cli_codec_name(p->codec), predict_name(p->predict),
            (unsigned long)p->map_count, (unsigned long)p->region_count,
            (unsigned)p->window_log, (unsigned long)p->segment_size,
            (unsigned long)p->segment_count);
    fprintf(f, "  \"signature\": {\"scheme\": \"%s\", \"verified_with\": ", job->scheme);
    if (job->args.pubkey != NULL)
        cli_json_string(f, job->args.pubkey);
    else
        fputs("\"the public half of the signing key\"", f);
    fputs("},\n  \"files\": [\n", f);
    for (i = 0; i < VERIFIED_COUNT; i++)
        json_file(f, job, i);
    fputs("  ],\n  \"report\": ", f);
    cli_json_string(f, report->name);
    fputs("\n}\n", f);
    if (fclose(f) != 0 || text == NULL) {
        free(text);
        return cli_fail(CLI_EXIT_IO, COMMAND, "out of memory");
    }
    report->data = (uint8_t *)text;
    report->size = size;
    return CLI_EXIT_OK;
}

/* ---- publishing and cleaning up --------------------------------------- */

/*
 * Interrupted (Ctrl-C, kill) while the release is built in its private
 * directory: remove that directory, and DIR if this run created it, then
 * die of the signal. unlink() and rmdir() are async-signal-safe; a path
 * not set yet is an empty string (the job is zeroed), which they refuse.
 * During the moves into DIR the signals are blocked instead (run_release).
 */
static struct release_job *volatile interrupted_job;
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
    struct release_job *job = interrupted_job;
    size_t i;

    if (job != NULL) {
        for (i = 0; i < FILE_COUNT; i++)
            (void)unlink(job->out[i].temp);
        (void)unlink(job->lock_new);
        (void)unlink(job->lock);
        (void)rmdir(job->temp_dir);
        if (job->dir_created)
            (void)rmdir(job->args.dir);
    }
    (void)raise(sig); /* SA_RESETHAND: the default action now */
}

/* A signal the caller ignores (nohup) stays ignored. */
static void arm_cleanup(struct release_job *job, struct sigaction previous[])
{
    struct sigaction action;
    size_t i;

    memset(&action, 0, sizeof(action));
    action.sa_handler = remove_and_reraise;
    action.sa_flags = SA_RESETHAND;
    sigemptyset(&action.sa_mask);
    for (i = 0; i < CLEANUP_SIGNAL_COUNT; i++)
        sigaddset(&action.sa_mask, cleanup_signals[i]);
    interrupted_job = job;
    for (i = 0; i < CLEANUP_SIGNAL_COUNT; i++)
        if (sigaction(cleanup_signals[i], NULL, &previous[i]) == 0 &&
            previous[i].sa_handler != SIG_IGN)
            (void)sigaction(cleanup_signals[i], &action, NULL);
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
 * right after the N-th of the four moves into DIR (0: before the first), so
 * that a test can deliver a signal at every point of the publishing.
 */
static void publish_test_hook(size_t moved)
{
    static const struct {
        const char *name;
        int sig;
    } names[] = {{"INT", SIGINT},   {"TERM", SIGTERM}, {"HUP", SIGHUP},
                 {"QUIT", SIGQUIT}, {"KILL", SIGKILL}, {"STOP", SIGSTOP}};
    const char *hook = getenv("DFOTA_TEST_PUBLISH_SIGNAL"), *colon;
    unsigned long at;
    size_t i;

    if (hook == NULL || (colon = strchr(hook, ':')) == NULL ||
        !cli_parse_uint(colon + 1, 0, FILE_COUNT, &at) || at != moved)
        return;
    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strlen(names[i].name) == (size_t)(colon - hook) &&
            strncmp(hook, names[i].name, (size_t)(colon - hook)) == 0)
            (void)raise(names[i].sig);
}

static void disarm_cleanup(const struct sigaction previous[])
{
    size_t i;

    for (i = 0; i < CLEANUP_SIGNAL_COUNT; i++)
        (void)sigaction(cleanup_signals[i], &previous[i], NULL);
    interrupted_job = NULL;
}

/*
 * Move the four files from the private directory into DIR, the report
 * last. Without --force, link() refuses a file that appeared meanwhile;
 * with --force a replaced file is kept aside until the end, so that a
 * failure puts everything back as it was.
 */
static int publish(struct release_job *job)
{
    struct release_output *o;
    struct stat st;
    size_t i;
    int saved;

    for (i = 0; i < FILE_COUNT; i++) {
        publish_test_hook(i);
        o = &job->out[i];
        if (job->args.force) {
            /* A hard link keeps the old file in place until the rename; without
             * hard links it is moved aside. A directory is left for rename() to refuse. */
            if (lstat(o->path, &st) == 0 && !S_ISDIR(st.st_mode) &&
                join_path(o->backup, job->temp_dir, REPLACED_PREFIX, o->name) &&
                (link(o->path, o->backup) == 0 || rename(o->path, o->backup) == 0))
                o->backup_exists = true;
            if (rename(o->temp, o->path) != 0)
                return job_system_error(job, o->path, "cannot write", errno);
            o->temp_exists = false;
            o->published = true;
            continue;
        }
        if (link(o->temp, o->path) == 0) {
            o->published = true;
            continue;
        }
        saved = errno;
        if (saved == EEXIST)
            return cli_fail(CLI_EXIT_EXISTS, COMMAND,
                            "'%s' already exists; use --force to replace the release", o->path);
        /* File systems without hard links. */
        if ((saved == EPERM || saved == ENOTSUP || saved == EXDEV) && lstat(o->path, &st) != 0 &&
            rename(o->temp, o->path) == 0) {
            o->temp_exists = false;
            o->published = true;
            continue;
        }
        return job_system_error(job, o->path, "cannot write", saved);
    }
    publish_test_hook(FILE_COUNT);
    return CLI_EXIT_OK;
}

/* Remove the private directory; after a failure also undo what was published. */
static void clean_up(struct release_job *job, bool failed)
{
    struct release_output *o;
    size_t i;

    for (i = FILE_COUNT; i-- > 0;) {
        o = &job->out[i];
        if (failed && o->backup_exists && rename(o->backup, o->path) == 0)
            o->backup_exists = false; /* the replaced file is back */
        else if (failed && o->published)
            (void)unlink(o->path);
        if (o->temp_exists)
            (void)unlink(o->temp);
        if (o->backup_exists)
            (void)unlink(o->backup);
    }
    if (job->lock_fd >= 0) {
        (void)unlink(job->lock);
        close(job->lock_fd);
        job->lock_fd = -1;
    }
    if (job->temp_dir_created)
        (void)rmdir(job->temp_dir);
    if (failed && job->dir_created)
        (void)rmdir(job->args.dir);
    else if (job->temp_dir_created)
        sync_dir(job->args.dir);
}

static void job_free(struct release_job *job)
{
    size_t i;

    for (i = 0; i < FILE_COUNT; i++)
        free(job->out[i].data);
    free(job->old);
    free(job->new_);
    free(job->patch);
    dfota_signing_key_free(job->key);
    dfota_public_key_free(job->public_key);
}

static void print_summary(const struct release_job *job)
{
    const struct release_output *o = job->out;
    size_t i, c;
    int width = 0;

    for (i = 0; i < FILE_COUNT; i++)
        if ((int)strlen(o[i].path) > width)
            width = (int)strlen(o[i].path);
    printf("release %s -> %s (from: %s; to: %s)\n", job->from, job->to, job->from_source,
           job->to_source);
    printf("  %-*s  %zu bytes, %.2f%% of the new image, device workspace %lu bytes\n", width,
           o[FILE_PACKAGE].path, o[FILE_PACKAGE].size,
           job->new_size ? 100.0 * (double)o[FILE_PACKAGE].size / (double)job->new_size : 0.0,
           (unsigned long)job->header.workspace_size);
    printf("  %-*s  %zu bytes\n", width, o[FILE_ZIP].path, o[FILE_ZIP].size);
    printf("  %-*s  %zu bytes, %s\n", width, o[FILE_SIGNED].path, o[FILE_SIGNED].size,
           job->scheme);
    printf("  %-*s  sizes, digests and every check below\n", width, o[FILE_REPORT].path);
    for (i = 0; i < VERIFIED_COUNT; i++) {
        printf("verified %-10s ", dfota_file_kind_name(job->reports[i].kind));
        for (c = 0; c < DFOTA_CHECK_COUNT; c++)
            if (job->reports[i].checks[c].result == DFOTA_CHECK_PASSED)
                printf(" %s", dfota_check_name((enum dfota_check_id)c));
        printf(": ok\n");
    }
}

static int run_release(struct release_job *job)
{
    struct sigaction previous[CLEANUP_SIGNAL_COUNT];
    sigset_t held, unheld;
    bool armed = false;
    size_t i;
    int rc, sig;

    rc = read_images(job);
    if (rc == CLI_EXIT_OK)
        rc = find_versions(job);
    if (rc == CLI_EXIT_OK)
        rc = name_outputs(job);
    /* The key before DIR: no directory is left behind by a prompt interrupted. */
    if (rc == CLI_EXIT_OK)
        rc = load_key(job);
    if (rc == CLI_EXIT_OK) {
        arm_cleanup(job, previous);
        armed = true;
        rc = make_temp_dir(job);
    }
    if (rc == CLI_EXIT_OK)
        rc = build(job);
    for (i = 0; i < VERIFIED_COUNT && rc == CLI_EXIT_OK; i++)
        rc = write_temp(job, &job->out[i]);
    if (rc == CLI_EXIT_OK)
        sync_dir(job->temp_dir);
    for (i = 0; i < VERIFIED_COUNT && rc == CLI_EXIT_OK; i++)
        rc = verify_output(job, i);
    if (rc == CLI_EXIT_OK)
        rc = make_report(job);
    if (rc == CLI_EXIT_OK)
        rc = write_temp(job, &job->out[FILE_REPORT]);
    /*
     * Publishing takes four moves, and undoing them after a failure as many:
     * the signals that end a run are held until DIR holds the whole release
     * or is as it was. One that came meanwhile undoes the publishing too,
     * then ends the run once the handlers are back to what they were.
     */
    cleanup_signal_set(&held);
    (void)sigprocmask(SIG_BLOCK, &held, &unheld);
    if (rc == CLI_EXIT_OK)
        rc = publish(job);
    sig = pending_signal();
    if (rc == CLI_EXIT_OK && sig != 0)
        rc = CLI_EXIT_IO;
    clean_up(job, rc != CLI_EXIT_OK);
    if (sig != 0 && job->temp_dir_created)
        cli_fail(rc, COMMAND, "interrupted by %s: no file written: '%s' is as it was",
                 signal_name(sig), job->args.dir);
    else if (rc != CLI_EXIT_OK && job->temp_dir_created)
        cli_fail(rc, COMMAND, "no file written: '%s' is as it was", job->args.dir);
    if (armed)
        disarm_cleanup(previous);
    (void)sigprocmask(SIG_SETMASK, &unheld, NULL);
    return rc;
}

int cmd_release(int argc, char **argv)
{
    struct release_job *job;
    int rc;

    job = calloc(1, sizeof(*job));
    if (job == NULL)
        return cli_fail(CLI_EXIT_IO, COMMAND, "out of memory");
    job->lock_fd = -1;
    rc = parse_args(argc, argv, &job->args);
    if (rc != CLI_EXIT_OK) {
        free(job);
        return rc == CLI_HELP_SHOWN ? CLI_EXIT_OK : rc;
    }
    if (!cli_source_date_epoch(COMMAND, &job->created) ||
        !cli_zip_entry_time(COMMAND, &job->zip_mtime)) {
        free(job);
        return CLI_EXIT_USAGE;
    }
    rc = run_release(job);
    if (rc == CLI_EXIT_OK && job->args.json)
        fwrite(job->out[FILE_REPORT].data, 1, job->out[FILE_REPORT].size, stdout);
    else if (rc == CLI_EXIT_OK && !job->args.quiet)
        print_summary(job);
    job_free(job);
    free(job);
    return rc;
}
