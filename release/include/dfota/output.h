/*
 * dfota/output.h - files that appear in a directory together, whole, or not
 * at all: the one way every dfota command writes its outputs.
 *
 * An output set writes each file into a private directory DIR/PREFIX.XXXXXX
 * (a temporary file, fsync'd), and only when all are written moves them
 * into DIR, in the order they were added (a report added last lands last).
 * Without DFOTA_OUTPUT_FORCE an existing file is never replaced: link(2)
 * refuses it atomically. With it, each replaced file is kept aside until
 * the end, so a failure, or dfota_output_rollback(), puts DIR back as it
 * was. Every name always holds a whole file: the old one or the new one.
 *
 * The private directory holds an exclusive flock(2) on its file "lock" for
 * as long as the set is open; the kernel drops it when the process ends,
 * however it ends. A later set opened on the same DIR and PREFIX removes a
 * private directory whose lock it can take and that holds nothing but
 * temporaries, and reports (through `notice`) the ones that cannot be
 * proven unused or that a run killed while moving files left behind.
 *
 * Signals are the caller's: it may call dfota_output_signal_cleanup() from
 * a handler before the moves, and should hold the signals that end it
 * across dfota_output_commit() and a rollback (the moves are quick), as
 * `dfota release` and `dfota keygen` do.
 *
 * Host library (POSIX). Never prints.
 */
#ifndef DFOTA_OUTPUT_H
#define DFOTA_OUTPUT_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "dfota/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifndef PATH_MAX
#define PATH_MAX 4096
#endif

#define DFOTA_OUTPUT_NAME_MAX 255

enum dfota_output_flags {
    DFOTA_OUTPUT_FORCE = 1u << 0,      /* replace existing files (kept until the end) */
    DFOTA_OUTPUT_CREATE_DIR = 1u << 1  /* create DIR (one level) when missing */
};

struct dfota_output_file {
    char name[DFOTA_OUTPUT_NAME_MAX + 1];
    char path[PATH_MAX];   /* DIR/name */
    char temp[PATH_MAX];   /* DIR/PREFIX.XXXXXX/name */
    char backup[PATH_MAX]; /* DIR/PREFIX.XXXXXX/replaced-name */
    bool temp_exists, backup_exists, published;
};

struct dfota_output_set {
    char dir[PATH_MAX];      /* without trailing slashes */
    char temp_dir[PATH_MAX]; /* "" until created */
    char lock_new[PATH_MAX], lock[PATH_MAX];
    int lock_fd;             /* holds the flock(); -1 when none */
    unsigned flags;
    bool dir_created, temp_dir_created, committed;
    size_t count, capacity;
    struct dfota_output_file *files; /* `capacity` entries, malloc'd at open */
    /* Called with a sentence about another run's leftovers (may be NULL). */
    void (*notice)(void *ctx, const char *message);
    void *notice_ctx;
    /* Test hook: called before the n-th move (n = 0..count) of a commit. */
    void (*before_move)(void *ctx, size_t n);
    void *before_move_ctx;
};

/*
 * Prepare to write at most `capacity` files into `dir` (created when
 * missing with DFOTA_OUTPUT_CREATE_DIR, else it must exist): clean up after
 * dead runs, create the private directory `dir`/`prefix`.XXXXXX and lock
 * it. `prefix` starts with a dot (".release"). On failure `set` needs no
 * dfota_output_close() but accepts one. Statuses: IO (with the system's
 * reason, naming the directory), INVALID_ARGUMENT (a path too long),
 * NO_MEMORY.
 */
enum dfota_status dfota_output_open(struct dfota_output_set *set, const char *dir,
                                    const char *prefix, size_t capacity, unsigned flags,
                                    void (*notice)(void *ctx, const char *message),
                                    void *notice_ctx, struct dfota_error *err);

/*
 * Is there a DIR/name the set may not replace? EXISTS naming it (without
 * DFOTA_OUTPUT_FORCE), or a directory in the way (IO). Commit checks again;
 * this lets a caller refuse before doing any work.
 */
enum dfota_status dfota_output_check(const char *dir, const char *name, unsigned flags,
                                     struct dfota_error *err);

/*
 * Write `size` bytes as the file `name` (no '/'; unique in the set), mode
 * `mode` less the umask, into the private directory, and fsync it.
 * Statuses: INVALID_ARGUMENT (bad or duplicate name, set full), EXISTS (see
 * dfota_output_check), IO.
 */
enum dfota_status dfota_output_add(struct dfota_output_set *set, const char *name, mode_t mode,
                                   const void *data, size_t size, struct dfota_error *err);

/* Where the index-th added file is until the commit (to read it back). */
const char *dfota_output_temp_path(const struct dfota_output_set *set, size_t index);
/* Where it lands: DIR/name. */
const char *dfota_output_path(const struct dfota_output_set *set, size_t index);

/*
 * Move every file into DIR, in order. On failure everything this commit
 * moved is undone (replaced files put back) before it returns. Statuses:
 * EXISTS (a file appeared meanwhile, without DFOTA_OUTPUT_FORCE), IO.
 */
enum dfota_status dfota_output_commit(struct dfota_output_set *set, struct dfota_error *err);

/* Undo a successful commit (a signal came during it): DIR as it was. */
void dfota_output_rollback(struct dfota_output_set *set);

/*
 * Remove the private directory and whatever it still holds (temporaries,
 * replaced files after a commit), DIR itself when this set created it and
 * nothing was committed; release the lock and the memory. Safe on a set
 * that failed to open, and twice.
 */
void dfota_output_close(struct dfota_output_set *set);

/*
 * For a signal handler, before the commit: unlink the temporaries and the
 * lock, remove the private directory and DIR when the set created it. Only
 * async-signal-safe calls.
 */
void dfota_output_signal_cleanup(const struct dfota_output_set *set);

#ifdef __cplusplus
}
#endif

#endif /* DFOTA_OUTPUT_H */
