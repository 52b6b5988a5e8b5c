/*
 * output.c - atomic output sets (dfota/output.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dfota/output.h"

#define LOCK_NAME "lock"
#define LOCK_NEW_NAME "lock.new"
#define REPLACED_PREFIX "replaced-"
/* A directory without a lock is reported once it has not changed for this
 * long (a run being set up or cleaned up lacks its lock for an instant). */
#define STALE_UNPROVEN_AGE 60
#define NOTICE_MAX (3 * PATH_MAX)

/* `out` = "dir/prefixname"; false when it does not fit. */
static bool join_path(char out[PATH_MAX], const char *dir, const char *prefix, const char *name)
{
    char path[PATH_MAX];
    int n = snprintf(path, sizeof(path), "%s/%s%s", dir, prefix, name);

    if (n < 0 || n >= (int)sizeof(path))
        return false;
    memcpy(out, path, (size_t)n + 1);
    return true;
}

static enum dfota_status system_error(struct dfota_error *err, const char *subject,
                                      const char *what, int errnum)
{
    return dfota_error_set(err, DFOTA_E_IO, "'%s': %s: %s", subject, what, strerror(errnum));
}

static void sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
}

static void notify(const struct dfota_output_set *set, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void notify(const struct dfota_output_set *set, const char *fmt, ...)
{
    char message[NOTICE_MAX];
    va_list ap;

    if (set->notice == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(message, sizeof(message), fmt, ap);
    va_end(ap);
    set->notice(set->notice_ctx, message);
}

/* ---- the private directories of other runs ---------------------------- */

/*
 * A directory is created as PREFIX.XXXXXX; its "lock" is created as
 * "lock.new", locked, and only then renamed, so a "lock" that another
 * process can lock is proof that its run is over. A directory without one
 * (made by an older dfota, or a run killed as it started) cannot be proven
 * unused: it is reported and left alone.
 */

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
 * May the dead run's directory be removed without losing a file? Only if
 * it holds nothing but its lock and its own temporaries, none of them also
 * linked into DIR: a second link, or a file kept by --force
 * (replaced-NAME), means the run died while moving its files.
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

/* One DIR/PREFIX.* entry: left alone when in use, removed when provably dead. */
static void check_stale(const struct dfota_output_set *set, int parent, const char *name)
{
    char path[PATH_MAX];
    struct stale_contents contents;
    struct stat st;
    int dir_fd, lock_fd;

    if (!join_path(path, set->dir, "", name) ||
        fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISDIR(st.st_mode))
        return;
    dir_fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dir_fd < 0) {
        notify(set, "'%s': cannot check whether a run still uses it: %s", path,
               strerror(errno));
        return;
    }
    lock_fd = openat(dir_fd, LOCK_NAME, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (lock_fd < 0) {
        if (time(NULL) - st.st_mtime > STALE_UNPROVEN_AGE)
            notify(set,
                   "'%s': left by an earlier run; it has no lock, so nothing proves that no "
                   "run uses it: remove it if none is running",
                   path);
        close(dir_fd);
        return;
    }
    if (flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
        /* A running run: not ours to touch, and nothing to report. */
        close(lock_fd);
        close(dir_fd);
        return;
    }
    if (!only_temporaries(dir_fd, &contents)) {
        if (contents.replaced)
            notify(set,
                   "'%s': left by a run with --force that was killed while replacing files "
                   "in '%s', which may now mix two runs' files; the files it replaced are "
                   "kept in it as " REPLACED_PREFIX "NAME: check, then remove it",
                   path, set->dir);
        else if (contents.published)
            notify(set,
                   "'%s': left by a run that was killed while moving its files into '%s', "
                   "which may hold part of them (the report moves last): check, then "
                   "remove it",
                   path, set->dir);
        else
            notify(set,
                   "'%s': left by a run that was killed, but it holds more than that run's "
                   "files: left alone",
                   path);
    } else if (!remove_entries(dir_fd) || unlinkat(parent, name, AT_REMOVEDIR) != 0) {
        notify(set, "'%s': left by a run that was killed; cannot remove it: %s", path,
               strerror(errno));
    } else {
        notify(set, "removed '%s', left by a run that was killed", path);
    }
    close(lock_fd);
    close(dir_fd);
}

static void clean_stale(const struct dfota_output_set *set, const char *prefix)
{
    struct dirent *entry;
    size_t n = strlen(prefix);
    DIR *d = opendir(set->dir);

    if (d == NULL)
        return;
    while ((entry = readdir(d)) != NULL)
        if (strncmp(entry->d_name, prefix, n) == 0 && entry->d_name[n] == '.')
            check_stale(set, dirfd(d), entry->d_name);
    closedir(d);
}

/* The lock that tells other runs this one is alive. */
static enum dfota_status take_lock(struct dfota_output_set *set, struct dfota_error *err)
{
    char host[256], owner[320];
    int fd, saved;

    if (!join_path(set->lock_new, set->temp_dir, "", LOCK_NEW_NAME) ||
        !join_path(set->lock, set->temp_dir, "", LOCK_NAME))
        return dfota_error_set(err, DFOTA_E_INVALID_ARGUMENT, "'%s': path too long",
                               set->temp_dir);
    fd = open(set->lock_new, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return system_error(err, set->dir, "cannot create a file in it", errno);
    /* Who holds it, for a human who finds the directory; the lock itself is the proof. */
    if (gethostname(host, sizeof(host)) != 0)
        snprintf(host, sizeof(host), "?");
    host[sizeof(host) - 1] = '\0';
    snprintf(owner, sizeof(owner), "dfota, pid %ld on %s\n", (long)getpid(), host);
    if (flock(fd, LOCK_EX) != 0 || write(fd, owner, strlen(owner)) != (ssize_t)strlen(owner) ||
        rename(set->lock_new, set->lock) != 0) {
        saved = errno;
        (void)unlink(set->lock_new);
        close(fd);
        return system_error(err, set->dir, "cannot lock its private directory", saved);
    }
    set->lock_fd = fd;
    return DFOTA_OK;
}

/* ---- the set ---------------------------------------------------------- */

enum dfota_status dfota_output_open(struct dfota_output_set *set, const char *dir,
                                    const char *prefix, size_t capacity, unsigned flags,
                                    void (*notice)(void *ctx, const char *message),
                                    void *notice_ctx, struct dfota_error *err)
{
    struct stat st;
    size_t n = strlen(dir);
    int saved;

    memset(set, 0, sizeof(*set));
    set->lock_fd = -1;
    set->flags = flags;
    set->notice = notice;
    set->notice_ctx = notice_ctx;
    while (n > 1 && dir[n - 1] == '/')
        n--;
    if (n == 0 || n >= sizeof(set->dir))
        return dfota_error_set(err, DFOTA_E_INVALID_ARGUMENT, "'%s': not a usable directory name",
                               dir);
    memcpy(set->dir, dir, n);
    set->dir[n] = '\0';
    if (prefix[0] != '.' || strchr(prefix, '/') != NULL)
        return dfota_error_set(err, DFOTA_E_INVALID_ARGUMENT, "bad private directory prefix");
    set->files = calloc(capacity ? capacity : 1, sizeof(*set->files));
    if (set->files == NULL)
        return dfota_error_set(err, DFOTA_E_NO_MEMORY, "out of memory");
    set->capacity = capacity;
    if (stat(set->dir, &st) != 0) {
        saved = errno;
        if (!(flags & DFOTA_OUTPUT_CREATE_DIR))
            return system_error(err, set->dir, "cannot write there", saved);
        if (saved != ENOENT)
            return system_error(err, set->dir, "cannot create directory", saved);
        if (mkdir(set->dir, 0777) != 0)
            return system_error(err, set->dir, "cannot create directory", errno);
        set->dir_created = true;
    } else if (!S_ISDIR(st.st_mode)) {
        return system_error(err, set->dir, "cannot write there", ENOTDIR);
    }
    if (snprintf(set->temp_dir, sizeof(set->temp_dir), "%s/%s.XXXXXX", set->dir, prefix) >=
        (int)sizeof(set->temp_dir))
        return dfota_error_set(err, DFOTA_E_INVALID_ARGUMENT, "'%s': path too long", set->dir);
    if (!set->dir_created)
        clean_stale(set, prefix);
    if (mkdtemp(set->temp_dir) == NULL) {
        saved = errno;
        set->temp_dir[0] = '\0';
        return system_error(err, set->dir, "cannot create a directory in it", saved);
    }
    set->temp_dir_created = true;
    return take_lock(set, err);
}

enum dfota_status dfota_output_check(const char *dir, const char *name, unsigned flags,
                                     struct dfota_error *err)
{
    char path[PATH_MAX];
    struct stat st;

    if (!join_path(path, dir, "", name))
        return dfota_error_set(err, DFOTA_E_INVALID_ARGUMENT, "'%s/%s': path too long", dir,
                               name);
    if (lstat(path, &st) != 0)
        return DFOTA_OK;
    if (S_ISDIR(st.st_mode))
        return system_error(err, path, "cannot write", EISDIR);
    if (!(flags & DFOTA_OUTPUT_FORCE))
        return dfota_error_set(err, DFOTA_E_EXISTS, "'%s' already exists", path);
    return DFOTA_OK;
}

enum dfota_status dfota_output_add(struct dfota_output_set *set, const char *name, mode_t mode,
                                   const void *data, size_t size, struct dfota_error *err)
{
    struct dfota_output_file *f;
    const uint8_t *p = data;
    size_t i, done = 0;
    ssize_t n;
    int fd, saved;
    enum dfota_status st;

    if (set->temp_dir[0] == '\0' || set->lock_fd < 0)
        return dfota_error_set(err, DFOTA_E_INVALID_ARGUMENT, "output set not open");
    if (set->count >= set->capacity)
        return dfota_error_set(err, DFOTA_E_INVALID_ARGUMENT, "more outputs than planned");
    if (name[0] == '\0' || strchr(name, '/') != NULL || is_dot(name) ||
        strlen(name) > DFOTA_OUTPUT_NAME_MAX || strcmp(name, LOCK_NAME) == 0 ||
        strcmp(name, LOCK_NEW_NAME) == 0 ||
        strncmp(name, REPLACED_PREFIX, strlen(REPLACED_PREFIX)) == 0)
        return dfota_error_set(err, DFOTA_E_INVALID_ARGUMENT, "'%s': not a usable file name",
                               name);
    for (i = 0; i < set->count; i++)
        if (strcmp(set->files[i].name, name) == 0)
            return dfota_error_set(err, DFOTA_E_INVALID_ARGUMENT, "'%s' is written twice",
                                   name);
    st = dfota_output_check(set->dir, name, set->flags, err);
    if (st != DFOTA_OK)
        return st;
    f = &set->files[set->count];
    memset(f, 0, sizeof(*f));
    memcpy(f->name, name, strlen(name) + 1);
    if (!join_path(f->path, set->dir, "", name) || !join_path(f->temp, set->temp_dir, "", name))
        return dfota_error_set(err, DFOTA_E_INVALID_ARGUMENT, "'%s/%s': path too long",
                               set->dir, name);
    fd = open(f->temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0)
        return system_error(err, f->path, "cannot write", errno);
    f->temp_exists = true;
    set->count++; /* from here on, close() removes the temporary */
    while (done < size) {
        n = write(fd, p + done, size - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        done += (size_t)n;
    }
    if (done < size || fsync(fd) != 0) {
        saved = done < size && errno == 0 ? EIO : errno;
        close(fd);
        return system_error(err, f->path, "cannot write", saved);
    }
    if (close(fd) != 0)
        return system_error(err, f->path, "cannot write", errno);
    return DFOTA_OK;
}

const char *dfota_output_temp_path(const struct dfota_output_set *set, size_t index)
{
    return index < set->count ? set->files[index].temp : NULL;
}

const char *dfota_output_path(const struct dfota_output_set *set, size_t index)
{
    return index < set->count ? set->files[index].path : NULL;
}

/* Move one file into DIR. */
static enum dfota_status move_one(struct dfota_output_set *set, struct dfota_output_file *f,
                                  struct dfota_error *err)
{
    struct stat st;
    int saved;

    if (set->flags & DFOTA_OUTPUT_FORCE) {
        /* A hard link keeps the old file in place until the rename; without hard
         * links it is moved aside. A directory is left for rename() to refuse. */
        if (lstat(f->path, &st) == 0 && !S_ISDIR(st.st_mode) &&
            join_path(f->backup, set->temp_dir, REPLACED_PREFIX, f->name) &&
            (link(f->path, f->backup) == 0 || rename(f->path, f->backup) == 0))
            f->backup_exists = true;
        if (rename(f->temp, f->path) != 0) {
            saved = errno;
            if (f->backup_exists && lstat(f->path, &st) != 0 && rename(f->backup, f->path) == 0)
                f->backup_exists = false; /* moved aside, and back */
            return system_error(err, f->path, "cannot write", saved);
        }
        f->temp_exists = false;
        f->published = true;
        return DFOTA_OK;
    }
    /* link() refuses an existing file atomically; rename() would replace it. */
    if (link(f->temp, f->path) == 0) {
        f->published = true;
        return DFOTA_OK;
    }
    saved = errno;
    if (saved == EEXIST)
        return dfota_error_set(err, DFOTA_E_EXISTS, "'%s' already exists", f->path);
    /* File systems without hard links. */
    if ((saved == EPERM || saved == ENOTSUP || saved == EXDEV) && lstat(f->path, &st) != 0 &&
        rename(f->temp, f->path) == 0) {
        f->temp_exists = false;
        f->published = true;
        return DFOTA_OK;
    }
    return system_error(err, f->path, "cannot write", saved);
}

enum dfota_status dfota_output_commit(struct dfota_output_set *set, struct dfota_error *err)
{
    enum dfota_status st;
    size_t i;

    sync_dir(set->temp_dir);
    for (i = 0; i < set->count; i++) {
        if (set->before_move != NULL)
            set->before_move(set->before_move_ctx, i);
        st = move_one(set, &set->files[i], err);
        if (st != DFOTA_OK) {
            dfota_output_rollback(set);
            return st;
        }
    }
    if (set->before_move != NULL)
        set->before_move(set->before_move_ctx, set->count);
    sync_dir(set->dir);
    set->committed = true;
    return DFOTA_OK;
}

void dfota_output_rollback(struct dfota_output_set *set)
{
    struct dfota_output_file *f;
    size_t i;

    for (i = set->count; i-- > 0;) {
        f = &set->files[i];
        if (f->backup_exists && rename(f->backup, f->path) == 0)
            f->backup_exists = false; /* the replaced file is back */
        else if (f->published && !f->backup_exists)
            (void)unlink(f->path);
        f->published = false;
    }
    set->committed = false;
    sync_dir(set->dir);
}

void dfota_output_close(struct dfota_output_set *set)
{
    struct dfota_output_file *f;
    bool any_published = false;
    size_t i;

    for (i = 0; i < set->count; i++) {
        f = &set->files[i];
        if (f->temp_exists)
            (void)unlink(f->temp);
        /* A replaced file not put back by a rollback stays, and so does the
         * directory holding it: a later run reports it. */
        if (f->backup_exists && set->committed && unlink(f->backup) == 0)
            f->backup_exists = false;
        f->temp_exists = false;
        any_published = any_published || f->published;
    }
    if (set->lock_fd >= 0) {
        (void)unlink(set->lock);
        close(set->lock_fd);
        set->lock_fd = -1;
    }
    if (set->temp_dir_created) {
        (void)rmdir(set->temp_dir);
        set->temp_dir_created = false;
    }
    if (set->dir_created && !any_published) {
        (void)rmdir(set->dir);
        set->dir_created = false;
    } else if (set->dir[0] != '\0') {
        sync_dir(set->dir);
    }
    free(set->files);
    set->files = NULL;
    set->count = set->capacity = 0;
}

void dfota_output_signal_cleanup(const struct dfota_output_set *set)
{
    size_t i;

    if (set->files == NULL)
        return;
    for (i = 0; i < set->count; i++)
        if (set->files[i].temp_exists)
            (void)unlink(set->files[i].temp);
    if (set->lock[0] != '\0') {
        (void)unlink(set->lock_new);
        (void)unlink(set->lock);
    }
    if (set->temp_dir_created)
        (void)rmdir(set->temp_dir);
    if (set->dir_created)
        (void)rmdir(set->dir);
}
