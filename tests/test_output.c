/*
 * test_output.c - output sets (dfota/output.h): all files or none, nothing
 * replaced without the flag, everything put back on a failure or a
 * rollback, no private directory left.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "dfota/output.h"

static char root[256];

static int make_root(void **state)
{
    (void)state;
    snprintf(root, sizeof(root), "/tmp/dfota-test-output.XXXXXX");
    return mkdtemp(root) == NULL ? -1 : 0;
}

static int remove_root(void **state)
{
    char cmd[PATH_MAX + 16];

    (void)state;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
    return system(cmd) == 0 ? 0 : -1;
}

static void path_of(char out[PATH_MAX], const char *dir, const char *name)
{
    snprintf(out, PATH_MAX, "%s/%s/%s", root, dir, name);
}

static void write_text(const char *dir, const char *name, const char *text)
{
    char path[PATH_MAX];
    FILE *f;

    path_of(path, dir, name);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

/* The file's content, or "(none)". */
static const char *read_text(const char *dir, const char *name)
{
    static char text[256];
    char path[PATH_MAX];
    size_t n;
    FILE *f;

    path_of(path, dir, name);
    f = fopen(path, "r");
    if (f == NULL)
        return "(none)";
    n = fread(text, 1, sizeof(text) - 1, f);
    text[n] = '\0';
    fclose(f);
    return text;
}

/* Entries of root/dir besides . and .. */
static unsigned entries(const char *dir)
{
    char path[PATH_MAX];
    struct dirent *e;
    unsigned n = 0;
    DIR *d;

    snprintf(path, sizeof(path), "%s/%s", root, dir);
    d = opendir(path);
    if (d == NULL)
        return 0;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            n++;
    closedir(d);
    return n;
}

static void dir_of(char out[PATH_MAX], const char *dir)
{
    snprintf(out, PATH_MAX, "%s/%s", root, dir);
}

static void all_files_land_in_order_and_nothing_else(void **state)
{
    struct dfota_output_set set;
    struct dfota_error err;
    char dir[PATH_MAX];
    struct stat st;

    (void)state;
    dir_of(dir, "new");
    assert_int_equal(dfota_output_open(&set, dir, ".t", 2, DFOTA_OUTPUT_CREATE_DIR, NULL, NULL,
                                       &err),
                     DFOTA_OK);
    assert_int_equal(dfota_output_add(&set, "a", 0600, "one", 3, &err), DFOTA_OK);
    assert_int_equal(dfota_output_add(&set, "b", 0644, "two", 3, &err), DFOTA_OK);
    /* Nothing in place before the commit: only the private directory. */
    assert_int_equal(entries("new"), 1);
    assert_string_equal(read_text("new", "a"), "(none)");
    assert_int_equal(dfota_output_add(&set, "c", 0644, "x", 1, &err),
                     DFOTA_E_INVALID_ARGUMENT); /* more than planned */
    assert_int_equal(dfota_output_commit(&set, &err), DFOTA_OK);
    dfota_output_close(&set);
    assert_string_equal(read_text("new", "a"), "one");
    assert_string_equal(read_text("new", "b"), "two");
    assert_int_equal(entries("new"), 2);
    path_of(dir, "new", "a");
    assert_int_equal(stat(dir, &st), 0);
    assert_int_equal(st.st_mode & 077, 0); /* 0600 kept */
    dfota_output_close(&set); /* twice is fine */
}

static void names_are_checked(void **state)
{
    struct dfota_output_set set;
    struct dfota_error err;
    char dir[PATH_MAX];

    (void)state;
    dir_of(dir, "names");
    assert_int_equal(dfota_output_open(&set, dir, ".t", 8, DFOTA_OUTPUT_CREATE_DIR, NULL, NULL,
                                       &err),
                     DFOTA_OK);
    assert_int_equal(dfota_output_add(&set, "x/y", 0644, "", 0, &err), DFOTA_E_INVALID_ARGUMENT);
    assert_int_equal(dfota_output_add(&set, "..", 0644, "", 0, &err), DFOTA_E_INVALID_ARGUMENT);
    assert_int_equal(dfota_output_add(&set, "", 0644, "", 0, &err), DFOTA_E_INVALID_ARGUMENT);
    assert_int_equal(dfota_output_add(&set, "lock", 0644, "", 0, &err),
                     DFOTA_E_INVALID_ARGUMENT);
    assert_int_equal(dfota_output_add(&set, "replaced-a", 0644, "", 0, &err),
                     DFOTA_E_INVALID_ARGUMENT);
    assert_int_equal(dfota_output_add(&set, "a", 0644, "", 0, &err), DFOTA_OK);
    assert_int_equal(dfota_output_add(&set, "a", 0644, "", 0, &err), DFOTA_E_INVALID_ARGUMENT);
    dfota_output_close(&set);
    /* Nothing committed: the directory this set created is gone again. */
    assert_int_equal(access(dir, F_OK), -1);
    assert_int_equal(dfota_output_open(&set, dir, "t", 1, DFOTA_OUTPUT_CREATE_DIR, NULL, NULL,
                                       &err),
                     DFOTA_E_INVALID_ARGUMENT); /* a prefix without its dot */
    dfota_output_close(&set);
    assert_int_equal(dfota_output_open(&set, dir, ".t", 1, 0, NULL, NULL, &err), DFOTA_E_IO);
    assert_non_null(strstr(err.message, "cannot write there"));
    dfota_output_close(&set);
}

static void existing_files_are_never_replaced_without_force(void **state)
{
    struct dfota_output_set set;
    struct dfota_error err;
    char dir[PATH_MAX];

    (void)state;
    dir_of(dir, "keep");
    assert_int_equal(mkdir(dir, 0755), 0);
    write_text("keep", "b", "old b");
    assert_int_equal(dfota_output_open(&set, dir, ".t", 2, 0, NULL, NULL, &err), DFOTA_OK);
    assert_int_equal(dfota_output_add(&set, "a", 0644, "new a", 5, &err), DFOTA_OK);
    assert_int_equal(dfota_output_add(&set, "b", 0644, "new b", 5, &err), DFOTA_E_EXISTS);
    dfota_output_close(&set);
    assert_string_equal(read_text("keep", "a"), "(none)");
    assert_string_equal(read_text("keep", "b"), "old b");
    assert_int_equal(entries("keep"), 1);
    /* A file that appears between the add and the commit: the commit undoes its moves. */
    assert_int_equal(dfota_output_open(&set, dir, ".t", 2, 0, NULL, NULL, &err), DFOTA_OK);
    assert_int_equal(dfota_output_add(&set, "a", 0644, "new a", 5, &err), DFOTA_OK);
    assert_int_equal(dfota_output_add(&set, "c", 0644, "new c", 5, &err), DFOTA_OK);
    write_text("keep", "c", "raced c");
    assert_int_equal(dfota_output_commit(&set, &err), DFOTA_E_EXISTS);
    assert_non_null(strstr(err.message, "already exists"));
    dfota_output_close(&set);
    assert_string_equal(read_text("keep", "a"), "(none)");
    assert_string_equal(read_text("keep", "c"), "raced c");
    assert_int_equal(entries("keep"), 2);
}

static void force_replaces_and_a_failure_puts_everything_back(void **state)
{
    struct dfota_output_set set;
    struct dfota_error err;
    char dir[PATH_MAX], in_way[PATH_MAX];

    (void)state;
    dir_of(dir, "force");
    assert_int_equal(mkdir(dir, 0755), 0);
    write_text("force", "a", "old a");
    write_text("force", "b", "old b");
    /* The third file cannot be replaced once a and b are: both come back. */
    assert_int_equal(dfota_output_open(&set, dir, ".t", 3, DFOTA_OUTPUT_FORCE, NULL, NULL, &err),
                     DFOTA_OK);
    assert_int_equal(dfota_output_add(&set, "a", 0644, "new a", 5, &err), DFOTA_OK);
    assert_int_equal(dfota_output_add(&set, "b", 0644, "new b", 5, &err), DFOTA_OK);
    assert_int_equal(dfota_output_add(&set, "c", 0644, "new c", 5, &err), DFOTA_OK);
    path_of(in_way, "force", "c");
    assert_int_equal(mkdir(in_way, 0755), 0);
    write_text("force/c", "inside", "x");
    assert_int_equal(dfota_output_commit(&set, &err), DFOTA_E_IO);
    dfota_output_close(&set);
    assert_string_equal(read_text("force", "a"), "old a");
    assert_string_equal(read_text("force", "b"), "old b");
    assert_int_equal(entries("force"), 3);
    /* A rollback after a successful commit (a signal came): the same. */
    assert_int_equal(dfota_output_open(&set, dir, ".t", 2, DFOTA_OUTPUT_FORCE, NULL, NULL, &err),
                     DFOTA_OK);
    assert_int_equal(dfota_output_add(&set, "a", 0644, "new a", 5, &err), DFOTA_OK);
    assert_int_equal(dfota_output_add(&set, "d", 0644, "new d", 5, &err), DFOTA_OK);
    assert_int_equal(dfota_output_commit(&set, &err), DFOTA_OK);
    assert_string_equal(read_text("force", "a"), "new a");
    dfota_output_rollback(&set);
    dfota_output_close(&set);
    assert_string_equal(read_text("force", "a"), "old a");
    assert_string_equal(read_text("force", "d"), "(none)");
    assert_int_equal(entries("force"), 3);
    /* And a commit that stands. */
    assert_int_equal(dfota_output_open(&set, dir, ".t", 1, DFOTA_OUTPUT_FORCE, NULL, NULL, &err),
                     DFOTA_OK);
    assert_int_equal(dfota_output_add(&set, "a", 0644, "new a", 5, &err), DFOTA_OK);
    assert_int_equal(dfota_output_commit(&set, &err), DFOTA_OK);
    dfota_output_close(&set);
    assert_string_equal(read_text("force", "a"), "new a");
    assert_int_equal(entries("force"), 3);
}

static unsigned notices;

static void count_notice(void *ctx, const char *message)
{
    (void)ctx;
    if (strstr(message, "removed ") == message)
        notices++;
}

static void a_dead_sets_directory_is_removed_by_the_next(void **state)
{
    struct dfota_output_set set, dead;
    struct dfota_error err;
    char dir[PATH_MAX];

    (void)state;
    dir_of(dir, "stale");
    assert_int_equal(dfota_output_open(&dead, dir, ".t", 1, DFOTA_OUTPUT_CREATE_DIR, NULL, NULL,
                                       &err),
                     DFOTA_OK);
    assert_int_equal(dfota_output_add(&dead, "a", 0644, "x", 1, &err), DFOTA_OK);
    /* Still locked: a second set leaves it alone. */
    notices = 0;
    assert_int_equal(dfota_output_open(&set, dir, ".t", 1, 0, count_notice, NULL, &err), DFOTA_OK);
    dfota_output_close(&set);
    assert_int_equal(notices, 0);
    assert_int_equal(entries("stale"), 1);
    /* The process "dies": its lock goes, its files stay. */
    close(dead.lock_fd);
    dead.lock_fd = -1;
    assert_int_equal(dfota_output_open(&set, dir, ".t", 1, 0, count_notice, NULL, &err), DFOTA_OK);
    dfota_output_close(&set);
    assert_int_equal(notices, 1);
    assert_int_equal(entries("stale"), 0);
    free(dead.files);
}

static void signal_cleanup_removes_what_the_set_made(void **state)
{
    struct dfota_output_set set;
    struct dfota_error err;
    char dir[PATH_MAX];

    (void)state;
    dir_of(dir, "signal");
    assert_int_equal(dfota_output_open(&set, dir, ".t", 1, DFOTA_OUTPUT_CREATE_DIR, NULL, NULL,
                                       &err),
                     DFOTA_OK);
    assert_int_equal(dfota_output_add(&set, "a", 0644, "x", 1, &err), DFOTA_OK);
    dfota_output_signal_cleanup(&set);
    assert_int_equal(access(dir, F_OK), -1);
    close(set.lock_fd);
    free(set.files);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(all_files_land_in_order_and_nothing_else),
        cmocka_unit_test(names_are_checked),
        cmocka_unit_test(existing_files_are_never_replaced_without_force),
        cmocka_unit_test(force_replaces_and_a_failure_puts_everything_back),
        cmocka_unit_test(a_dead_sets_directory_is_removed_by_the_next),
        cmocka_unit_test(signal_cleanup_removes_what_the_set_made),
    };

    return cmocka_run_group_tests(tests, make_root, remove_root);
}
