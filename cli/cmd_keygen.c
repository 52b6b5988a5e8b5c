/*
 * cmd_keygen.c - `dfota keygen`: private.pem and public.pem, like the
 * platform's signtool.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "dfota/keys.h"

enum { OPT_ALG = 256, OPT_PASSOUT };

static const struct option keygen_options[] = {
    {"alg", required_argument, NULL, OPT_ALG},
    {"passout", required_argument, NULL, OPT_PASSOUT},
    {"output", required_argument, NULL, 'o'},
    {"force", no_argument, NULL, 'f'},
    {"quiet", no_argument, NULL, 'q'},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

struct keygen_args {
    const char *alg_name, *passout, *dir;
    enum dfota_key_algorithm alg;
    bool force, quiet, verbose;
};

static int parse_args(int argc, char **argv, struct keygen_args *a)
{
    struct dfota_error err;
    int c, rc;

    memset(a, 0, sizeof(*a));
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":o:fqvh", keygen_options, NULL)) != -1) {
        rc = CLI_EXIT_OK;
        switch (c) {
        case OPT_ALG:
            rc = cli_set_once("keygen", "--alg", &a->alg_name, optarg);
            break;
        case OPT_PASSOUT:
            rc = cli_set_secret_once("keygen", "--passout", &a->passout, optarg);
            break;
        case 'o':
            rc = cli_set_once("keygen", "-o", &a->dir, optarg);
            break;
        case 'f':
            a->force = true;
            break;
        case 'q':
            a->quiet = true;
            break;
        case 'v':
            a->verbose = true;
            break;
        default:
            return cli_option_error("keygen", c, argv[optind - 1]);
        }
        if (rc != CLI_EXIT_OK)
            return rc;
    }
    if (optind < argc)
        return cli_usage_error("keygen", "unexpected argument '%s'", argv[optind]);
    if (a->alg_name == NULL)
        return cli_usage_error("keygen", "missing --alg rsa2048|ecdsa-secp256k1");
    if (dfota_key_algorithm_parse(a->alg_name, &a->alg, &err) != DFOTA_OK)
        return cli_usage_error("keygen", "--alg: %s", err.message);
    if (a->dir == NULL)
        return cli_usage_error("keygen", "missing -o DIR (where private.pem and public.pem go)");
    return CLI_EXIT_OK;
}

static void print_summary(const struct keygen_args *a, const char *private_path,
                          const char *public_path, const struct dfota_key_pair *pair)
{
    char description[DFOTA_KEY_DESCRIPTION_MAX];

    dfota_key_describe(a->alg, a->alg == DFOTA_KEY_RSA ? 2048 : 256, description);
    fprintf(stderr,
            "%s: %s private key, PKCS#8 encrypted with AES-256-CBC (PBKDF2-HMAC-SHA256), "
            "mode 0600\n%s: public key (SubjectPublicKeyInfo)\n",
            private_path, description, public_path);
    if (!a->verbose)
        return;
    if (a->alg == DFOTA_KEY_RSA)
        fprintf(stderr, "  algorithm      %s: RSA 2048 bits, e 65537, PKCS#1 v1.5 signatures\n",
                description);
    else
        fprintf(stderr, "  algorithm      %s: ECDSA on secp256k1, DER signatures\n",
                description);
    fprintf(stderr, "  private.pem    %zu bytes\n  public.pem     %zu bytes\n",
            pair->private_pem_size, pair->public_pem_size);
    cli_print_sha256(stderr, "public sha256", (const uint8_t *)pair->public_pem,
                     pair->public_pem_size);
}

/* One key file: written to a temporary name in DIR, then linked or renamed into place. */
struct key_file {
    const char *name;
    const char *pem;
    size_t pem_size;
    mode_t mode;
    char path[PATH_MAX];  /* DIR/name */
    char tmp[PATH_MAX];   /* DIR/.name.tmp.XXXXXX: the new key until it is in place */
    char saved[PATH_MAX]; /* DIR/.name.old.XXXXXX: the replaced key until the pair is in place */
    bool tmp_exists, saved_exists, saved_moved, installed;
};

static int write_temporary(const char *dir, struct key_file *f)
{
    int fd, saved;

    if (snprintf(f->tmp, sizeof(f->tmp), "%s/.%s.tmp.XXXXXX", dir, f->name) >=
        (int)sizeof(f->tmp))
        return cli_fail(CLI_EXIT_USAGE, "keygen", "'%s': path too long", dir);
    /* mkstemp: O_CREAT | O_EXCL, mode 0600; the private key is never readable by others. */
    fd = mkstemp(f->tmp);
    if (fd < 0)
        return cli_fail(CLI_EXIT_IO, "keygen", "cannot create a file in '%s': %s", dir,
                        strerror(errno));
    f->tmp_exists = true;
    if (fchmod(fd, f->mode) != 0 || !cli_write_all(fd, f->pem, f->pem_size) || fsync(fd) != 0) {
        saved = errno;
        close(fd);
        return cli_fail(CLI_EXIT_IO, "keygen", "cannot write '%s': %s", f->path,
                        strerror(saved));
    }
    if (close(fd) != 0)
        return cli_fail(CLI_EXIT_IO, "keygen", "cannot write '%s': %s", f->path,
                        strerror(errno));
    return CLI_EXIT_OK;
}

/* Without --force: link() refuses an existing file atomically, where rename() would replace it. */
static int install_new(struct key_file *f)
{
    struct stat st;
    int saved;

    if (link(f->tmp, f->path) == 0) {
        f->installed = true;
        return CLI_EXIT_OK;
    }
    saved = errno;
    if (saved == EEXIST)
        return cli_fail(CLI_EXIT_EXISTS, "keygen",
                        "'%s' already exists; use --force to replace the key pair", f->path);
    /* File systems without hard links. */
    if ((saved == EPERM || saved == ENOTSUP || saved == EXDEV) && lstat(f->path, &st) != 0 &&
        rename(f->tmp, f->path) == 0) {
        f->tmp_exists = false;
        f->installed = true;
        return CLI_EXIT_OK;
    }
    return cli_fail(CLI_EXIT_IO, "keygen", "cannot write '%s': %s", f->path, strerror(saved));
}

/*
 * Keep the file at f->path reachable as f->saved while it is replaced: a
 * hard link, so that the key stays in place too; on a file system without
 * hard links it is moved aside. Nothing to keep when there is no file (or a
 * directory, which rename() then refuses to replace).
 */
static int keep_old(const char *dir, struct key_file *f)
{
    struct stat st;
    int saved;

    if (lstat(f->path, &st) != 0 || S_ISDIR(st.st_mode))
        return CLI_EXIT_OK;
    /* DIR/.name.old.XXXXXX, with the unique suffix of DIR/.name.tmp.XXXXXX. */
    if (snprintf(f->saved, sizeof(f->saved), "%s/.%s.old%s", dir, f->name,
                 strrchr(f->tmp, '.')) >= (int)sizeof(f->saved))
        return cli_fail(CLI_EXIT_USAGE, "keygen", "'%s': path too long", dir);
    if (link(f->path, f->saved) != 0) {
        saved = errno;
        if ((saved != EPERM && saved != ENOTSUP && saved != EXDEV) ||
            rename(f->path, f->saved) != 0)
            return cli_fail(CLI_EXIT_IO, "keygen", "cannot keep '%s' while it is replaced: %s",
                            f->path, strerror(saved));
        f->saved_moved = true;
    }
    f->saved_exists = true;
    return CLI_EXIT_OK;
}

/*
 * Undo what was done to f->path: the kept file back in place (or, when it
 * never left, its extra link removed), or no file, as before. False, with
 * a message naming where the old key is, if it cannot be put back.
 */
static bool restore_old(struct key_file *f)
{
    if (f->saved_exists && (f->installed || f->saved_moved)) {
        if (rename(f->saved, f->path) != 0) {
            cli_fail(CLI_EXIT_IO, "keygen", "cannot put the old '%s' back: %s; it is in '%s'",
                     f->path, strerror(errno), f->saved);
            return false;
        }
    } else if (f->saved_exists) {
        (void)unlink(f->saved);
    } else if (f->installed) {
        (void)unlink(f->path);
    }
    f->saved_exists = false;
    f->installed = false;
    return true;
}

/*
 * With --force: both files are replaced, or neither. private.pem is replaced
 * first while the old one is kept as .private.pem.old.XXXXXX; if public.pem
 * then cannot be replaced, the old private.pem is renamed back over the new
 * one. Each rename() is atomic, so each name always holds a whole key.
 */
static int replace_pair(const char *dir, struct key_file *private_key,
                        struct key_file *public_key)
{
    struct key_file *order[2] = {private_key, public_key}, *f;
    size_t i;
    int rc;

    rc = keep_old(dir, private_key);
    if (rc != CLI_EXIT_OK)
        return rc;
    for (i = 0; i < 2; i++) {
        f = order[i];
        if (rename(f->tmp, f->path) != 0)
            return cli_fail(CLI_EXIT_IO, "keygen", "cannot write '%s': %s", f->path,
                            strerror(errno));
        f->tmp_exists = false;
        f->installed = true;
    }
    return CLI_EXIT_OK;
}

/*
 * Both files or neither, and the old pair as it was on any failure. The
 * signals that end a run are held from the first temporary file to the
 * last clean-up, so Ctrl-C or a kill can never split the pair or leave a
 * temporary file; they take effect once the pair is complete (or restored).
 */
static int write_pair(const char *dir, struct key_file *files, bool force)
{
    static const int held[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
    sigset_t block, previous;
    bool restored = true;
    int rc = CLI_EXIT_OK, fd;
    size_t i;

    sigemptyset(&block);
    for (i = 0; i < sizeof(held) / sizeof(held[0]); i++)
        sigaddset(&block, held[i]);
    (void)sigprocmask(SIG_BLOCK, &block, &previous);
    for (i = 0; i < 2 && rc == CLI_EXIT_OK; i++)
        rc = write_temporary(dir, &files[i]);
    if (rc == CLI_EXIT_OK && force)
        rc = replace_pair(dir, &files[0], &files[1]);
    for (i = 0; i < 2 && rc == CLI_EXIT_OK && !force; i++)
        rc = install_new(&files[i]);
    for (i = 0; i < 2; i++) {
        if (rc != CLI_EXIT_OK)
            restored = restore_old(&files[i]) && restored;
        else if (files[i].saved_exists)
            (void)unlink(files[i].saved);
        if (files[i].tmp_exists)
            (void)unlink(files[i].tmp);
    }
    fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
    if (rc != CLI_EXIT_OK && rc != CLI_EXIT_EXISTS && restored)
        cli_fail(rc, "keygen", "no key written: '%s' and '%s' are as they were", files[0].path,
                 files[1].path);
    (void)sigprocmask(SIG_SETMASK, &previous, NULL);
    return rc;
}

int cmd_keygen(int argc, char **argv)
{
    struct keygen_args a;
    struct dfota_passphrase pass;
    struct dfota_key_pair pair;
    struct dfota_error err;
    struct key_file files[2];
    struct cli_file outputs[2], passout_file;
    struct stat st;
    char prompt[PATH_MAX + 64];
    mode_t mask;
    size_t i;
    int rc;

    rc = parse_args(argc, argv, &a);
    if (rc != CLI_EXIT_OK)
        return rc == CLI_HELP_SHOWN ? CLI_EXIT_OK : rc;
    memset(files, 0, sizeof(files));
    mask = umask(0);
    umask(mask);
    files[0].name = "private.pem";
    files[0].mode = 0600;
    files[1].name = "public.pem";
    files[1].mode = 0644 & ~mask;
    for (i = 0; i < 2; i++) {
        if (snprintf(files[i].path, sizeof(files[i].path), "%s/%s", a.dir, files[i].name) >=
            (int)sizeof(files[i].path))
            return cli_fail(CLI_EXIT_USAGE, "keygen", "'%s': path too long", a.dir);
        outputs[i] = (struct cli_file){"-o", files[i].path};
    }
    passout_file.option = "--passout";
    passout_file.path = cli_passphrase_path(a.passout);
    rc = cli_check_outputs("keygen", outputs, 2, &passout_file, 1);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (stat(a.dir, &st) != 0) {
        if (errno != ENOENT || mkdir(a.dir, 0777) != 0)
            return cli_fail(CLI_EXIT_IO, "keygen", "cannot create directory '%s': %s", a.dir,
                            strerror(errno));
    } else if (!S_ISDIR(st.st_mode)) {
        return cli_fail(CLI_EXIT_USAGE, "keygen", "'%s' is not a directory", a.dir);
    }
    /* Refuse before asking for a passphrase; link() checks again atomically. */
    for (i = 0; i < 2 && !a.force; i++)
        if (lstat(files[i].path, &st) == 0)
            return cli_fail(CLI_EXIT_EXISTS, "keygen",
                            "'%s' already exists; use --force to replace the key pair",
                            files[i].path);
    snprintf(prompt, sizeof(prompt), "Enter a passphrase for %s/private.pem: ", a.dir);
    rc = cli_passphrase("keygen", "--passout", a.passout, prompt, true, &pass);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (dfota_keygen(a.alg, &pass, &pair, &err) != DFOTA_OK) {
        dfota_passphrase_wipe(&pass);
        return cli_report("keygen", NULL, &err);
    }
    dfota_passphrase_wipe(&pass);
    files[0].pem = pair.private_pem;
    files[0].pem_size = pair.private_pem_size;
    files[1].pem = pair.public_pem;
    files[1].pem_size = pair.public_pem_size;
    rc = write_pair(a.dir, files, a.force);
    if (rc == CLI_EXIT_OK && !a.quiet)
        print_summary(&a, files[0].path, files[1].path, &pair);
    dfota_key_pair_release(&pair);
    return rc;
}
