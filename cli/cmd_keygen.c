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
#include "verify_output.h"

enum { OPT_ALG = 256, OPT_PASSOUT };

static const struct option keygen_options[] = {
    {"alg", required_argument, NULL, OPT_ALG},
    {"passout", required_argument, NULL, OPT_PASSOUT},
    {"output", required_argument, NULL, 'o'},
    {"force", no_argument, NULL, 'f'},
    {"quiet", no_argument, NULL, 'q'},
    {"verbose", no_argument, NULL, 'v'},
    {"json", no_argument, NULL, CLI_OPT_JSON},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

struct keygen_args {
    const char *alg_name, *passout, *dir;
    enum dfota_key_algorithm alg;
    bool force, quiet, verbose, json;
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
        case CLI_OPT_JSON:
            a->json = true;
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

/* keygen --json: the key (its scheme and the SHA-256 that names it in every
 * report), the two files written. */
static int print_json(const struct keygen_args *a, char paths[2][PATH_MAX],
                      const struct dfota_key_pair *pair)
{
    struct dfota_public_key *pub = NULL;
    struct dfota_error err;
    struct dfota_json j;
    char scheme[DFOTA_KEY_DESCRIPTION_MAX];
    uint8_t key_sha[32];

    if (dfota_public_key_parse((const uint8_t *)pair->public_pem, pair->public_pem_size, &pub,
                               &err) != DFOTA_OK ||
        dfota_public_key_fingerprint(pub, key_sha, &err) != DFOTA_OK) {
        dfota_public_key_free(pub);
        return cli_report("keygen", paths[1], &err);
    }
    dfota_public_key_free(pub);
    dfota_key_describe(a->alg, a->alg == DFOTA_KEY_RSA ? 2048 : 256, scheme);
    cli_json_begin_ok(&j, "keygen");
    dfota_json_array(&j, "inputs", true);
    dfota_json_end(&j);
    dfota_json_object(&j, "key", true);
    dfota_json_string(&j, "scheme", scheme);
    dfota_json_hex(&j, "key_sha256", key_sha, sizeof(key_sha));
    dfota_json_end(&j);
    dfota_json_array(&j, "outputs", false);
    cli_json_file_item(&j, paths[0], (const uint8_t *)pair->private_pem, pair->private_pem_size);
    cli_json_file_item(&j, paths[1], (const uint8_t *)pair->public_pem, pair->public_pem_size);
    dfota_json_end(&j);
    dfota_json_end(&j);
    return cli_json_done("keygen", &j, CLI_EXIT_OK);
}

int cmd_keygen(int argc, char **argv)
{
    struct keygen_args a;
    struct dfota_passphrase pass;
    struct dfota_key_pair pair;
    struct dfota_error err;
    struct cli_output files[2];
    struct cli_file outputs[2], passout_file;
    struct stat st;
    char paths[2][PATH_MAX], prompt[PATH_MAX + 64];
    size_t i;
    int rc;

    rc = parse_args(argc, argv, &a);
    if (rc != CLI_EXIT_OK)
        return rc == CLI_HELP_SHOWN ? CLI_EXIT_OK : rc;
    memset(files, 0, sizeof(files));
    /* The private key is never readable by others, whatever the umask. */
    files[0].name = "private.pem";
    files[0].mode = 0600;
    files[1].name = "public.pem";
    files[1].mode = 0644;
    for (i = 0; i < 2; i++) {
        if (snprintf(paths[i], sizeof(paths[i]), "%s/%s", a.dir, files[i].name) >=
            (int)sizeof(paths[i]) - 32)
            return cli_fail(CLI_EXIT_USAGE, "keygen", "'%s': path too long", a.dir);
        outputs[i] = (struct cli_file){"-o", paths[i]};
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
        if (lstat(paths[i], &st) == 0)
            return cli_fail(CLI_EXIT_EXISTS, "keygen",
                            "'%s' already exists; use --force to replace the key pair",
                            paths[i]);
    snprintf(prompt, sizeof(prompt), "Enter a passphrase for %s/private.pem: ", a.dir);
    rc = cli_passphrase("keygen", "--passout", a.passout, prompt, true, &pass);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (dfota_keygen(a.alg, &pass, &pair, &err) != DFOTA_OK) {
        dfota_passphrase_wipe(&pass);
        return cli_report("keygen", NULL, &err);
    }
    dfota_passphrase_wipe(&pass);
    files[0].data = pair.private_pem;
    files[0].size = pair.private_pem_size;
    files[1].data = pair.public_pem;
    files[1].size = pair.public_pem_size;
    /* Both files or neither, and the old pair as it was on any failure. */
    rc = cli_write_outputs("keygen", a.dir, files, 2, a.force, "the key pair");
    if (rc != CLI_EXIT_OK && rc != CLI_EXIT_EXISTS)
        cli_fail(rc, "keygen", "no key written: '%s' and '%s' are as they were", paths[0],
                 paths[1]);
    if (rc == CLI_EXIT_OK && a.json)
        rc = print_json(&a, paths, &pair);
    else if (rc == CLI_EXIT_OK && !a.quiet)
        print_summary(&a, paths[0], paths[1], &pair);
    dfota_key_pair_release(&pair);
    return rc;
}
