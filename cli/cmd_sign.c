/*
 * cmd_sign.c - `dfota sign`: X.zip into X_signed.zip.
 */
#include <getopt.h>
#include <stdio.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "dfota/keys.h"
#include "dfota/signer.h"
#include "verify_output.h"

enum { OPT_KEY = 256, OPT_PASSIN };

static const struct option sign_options[] = {
    {"key", required_argument, NULL, OPT_KEY},
    {"passin", required_argument, NULL, OPT_PASSIN},
    {"output", required_argument, NULL, 'o'},
    {"force", no_argument, NULL, 'f'},
    {"quiet", no_argument, NULL, 'q'},
    {"verbose", no_argument, NULL, 'v'},
    {"json", no_argument, NULL, CLI_OPT_JSON},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

struct sign_args {
    const char *key, *passin, *input, *output;
    bool force, quiet, verbose, json;
};

/* -v: the key, the signature and the digests of what was signed and written. */
static void print_details(const char *key_uri, enum dfota_key_algorithm alg, unsigned bits,
                          const uint8_t *signed_zip, size_t signed_size)
{
    struct dfota_signed_zip_info info;
    struct dfota_error err;

    if (alg == DFOTA_KEY_RSA)
        fprintf(stderr, "  key            '%s', RSA %u bits\n", key_uri, bits);
    else
        fprintf(stderr, "  key            '%s', ECDSA on secp256k1\n", key_uri);
    /* The signature and the entry as a reader sees them (key NULL: the layout alone). */
    if (dfota_signed_zip_verify(signed_zip, signed_size, NULL, &info, &err) == DFOTA_OK) {
        fprintf(stderr, "  signature      %zu bytes, %s over SHA-256\n", info.signature_size,
                alg == DFOTA_KEY_RSA ? "PKCS#1 v1.5" : "DER ECDSA-Sig-Value");
        cli_print_sha256(stderr, "entry sha256", info.payload.content, info.payload.content_size);
    }
    dfota_signed_zip_info_release(&info);
    cli_print_sha256(stderr, "signed sha256", signed_zip, signed_size);
}

/*
 * sign --json: the zip read, the signed zip's entry and signature as a
 * reader sees them (`info`, from check_signed() before the file was
 * written), the signed zip written.
 */
static int print_json(const char *input, const uint8_t *zip, size_t zip_size,
                      const char *output, const uint8_t *signed_zip, size_t signed_size,
                      const struct dfota_signing_key *key,
                      const struct dfota_signed_zip_info *info, const uint8_t key_sha[32])
{
    struct dfota_json j;
    char scheme[DFOTA_KEY_DESCRIPTION_MAX];
    enum dfota_key_algorithm alg;
    unsigned bits;

    alg = dfota_signing_key_algorithm(key, &bits);
    dfota_key_describe(alg, bits, scheme);
    cli_json_begin_ok(&j, "sign");
    dfota_json_array(&j, "inputs", false);
    cli_json_file_item(&j, input, zip, zip_size);
    dfota_json_end(&j);
    cli_json_zip_entry(&j, &info->payload);
    dfota_json_object(&j, "signature", true);
    dfota_json_string(&j, "scheme", scheme);
    dfota_json_string(&j, "result", "passed");
    dfota_json_hex(&j, "key_sha256", key_sha, 32);
    dfota_json_end(&j);
    dfota_json_array(&j, "outputs", false);
    cli_json_file_item(&j, output, signed_zip, signed_size);
    dfota_json_end(&j);
    dfota_json_end(&j);
    return cli_json_done("sign", &j, CLI_EXIT_OK);
}

/* The signed zip as a reader sees it, for --json: its entry, and its
 * signature checked with the key's public half (dfota_zip_sign() has
 * checked it too), and the SHA-256 naming that key. */
static enum dfota_status check_signed(const struct dfota_signing_key *key,
                                      const uint8_t *signed_zip, size_t signed_size,
                                      struct dfota_signed_zip_info *info, uint8_t key_sha[32],
                                      struct dfota_error *err)
{
    struct dfota_public_key *pub = NULL;
    enum dfota_status st;

    st = dfota_signing_key_public(key, &pub, err);
    if (st == DFOTA_OK)
        st = dfota_public_key_fingerprint(pub, key_sha, err);
    if (st == DFOTA_OK)
        st = dfota_signed_zip_verify(signed_zip, signed_size, pub, info, err);
    dfota_public_key_free(pub);
    return st;
}

static int parse_args(int argc, char **argv, struct sign_args *a)
{
    int c, rc;

    memset(a, 0, sizeof(*a));
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":o:fqvh", sign_options, NULL)) != -1) {
        rc = CLI_EXIT_OK;
        switch (c) {
        case OPT_KEY:
            rc = cli_set_once("sign", "--key", &a->key, optarg);
            break;
        case OPT_PASSIN:
            rc = cli_set_secret_once("sign", "--passin", &a->passin, optarg);
            break;
        case 'o':
            rc = cli_set_once("sign", "-o", &a->output, optarg);
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
            return cli_option_error("sign", c, argv[optind - 1]);
        }
        if (rc != CLI_EXIT_OK)
            return rc;
    }
    if (optind == argc)
        return cli_usage_error("sign", "missing X.zip");
    a->input = argv[optind++];
    if (optind < argc)
        return cli_usage_error("sign", "unexpected argument '%s'", argv[optind]);
    if (a->key == NULL)
        return cli_usage_error("sign", "missing --key KEY (private.pem, or a store URI)");
    if (strcmp(a->input, "-") == 0 && a->output == NULL)
        return cli_usage_error("sign", "reading standard input needs -o X_signed.zip");
    if (a->json && a->output != NULL && strcmp(a->output, "-") == 0)
        return cli_usage_error("sign",
                               "--json prints on standard output; give -o X_signed.zip a file");
    return CLI_EXIT_OK;
}

int cmd_sign(int argc, char **argv)
{
    struct sign_args a;
    struct dfota_passphrase pass;
    struct dfota_signing_key *key = NULL;
    struct dfota_zip_payload payload;
    struct dfota_error err;
    struct cli_file files[4], streams[2];
    enum dfota_key_algorithm alg;
    unsigned bits;
    char *output = NULL, prompt[PATH_MAX + 64], description[DFOTA_KEY_DESCRIPTION_MAX];
    char entry[DFOTA_ZIP_NAME_MAX + 1];
    const char *target;
    uint8_t *zip = NULL, *signed_zip = NULL;
    size_t zip_size = 0, signed_size = 0;
    struct dfota_signed_zip_info info;
    uint8_t key_sha[32];
    int rc;

    memset(&info, 0, sizeof(info));
    rc = parse_args(argc, argv, &a);
    if (rc != CLI_EXIT_OK)
        return rc == CLI_HELP_SHOWN ? CLI_EXIT_OK : rc;
    if (a.output == NULL) {
        output = cli_replace_suffix(a.input, ".zip", "_signed.zip");
        if (output == NULL)
            return cli_fail(CLI_EXIT_IO, "sign", "out of memory");
    }
    target = a.output ? a.output : output;
    files[0] = (struct cli_file){"-o", target};
    files[1] = (struct cli_file){"X.zip", a.input};
    files[2] = (struct cli_file){"--key", cli_key_path(a.key)};
    files[3] = (struct cli_file){"--passin", cli_passphrase_path(a.passin)};
    streams[0] = (struct cli_file){"X.zip", a.input};
    streams[1] = (struct cli_file){"--passin", cli_passphrase_stream(a.passin)};
    rc = cli_check_standard_streams("sign", &files[0], 1, streams, 2);
    if (rc == CLI_EXIT_OK)
        rc = cli_check_outputs("sign", &files[0], 1, &files[1], 3);
    if (rc != CLI_EXIT_OK)
        goto out;
    /* Read and check the zip first: no passphrase is asked for a zip that cannot be signed. */
    if (cli_read_file(a.input, DFOTA_ZIP_FILE_MAX, &zip, &zip_size, &err) != DFOTA_OK) {
        rc = cli_report("sign", a.input, &err);
        goto out;
    }
    if (dfota_zip_open(zip, zip_size, &payload, &err) != DFOTA_OK) {
        dfota_zip_payload_release(&payload);
        rc = cli_report("sign", a.input, &err);
        goto out;
    }
    memcpy(entry, payload.name, sizeof(entry));
    dfota_zip_payload_release(&payload);
    snprintf(prompt, sizeof(prompt), "Enter the passphrase for %s: ", a.key);
    rc = cli_passphrase("sign", "--passin", a.passin, prompt, false, &pass);
    if (rc != CLI_EXIT_OK)
        goto out;
    if (dfota_signing_key_load(a.key, &pass, &key, &err) != DFOTA_OK) {
        dfota_passphrase_wipe(&pass);
        rc = cli_report("sign", NULL, &err); /* the message names the key */
        goto out;
    }
    dfota_passphrase_wipe(&pass);
    if (dfota_zip_sign(zip, zip_size, key, &signed_zip, &signed_size, &err) != DFOTA_OK) {
        rc = cli_report("sign", a.input, &err);
        goto out;
    }
    if (a.json && check_signed(key, signed_zip, signed_size, &info, key_sha, &err) != DFOTA_OK) {
        rc = cli_report("sign", NULL, &err);
        goto out;
    }
    rc = cli_write_file("sign", target, signed_zip, signed_size, a.force);
    if (rc == CLI_EXIT_OK && a.json) {
        rc = print_json(a.input, zip, zip_size, target, signed_zip, signed_size, key, &info,
                        key_sha);
    } else if (rc == CLI_EXIT_OK && !a.quiet) {
        alg = dfota_signing_key_algorithm(key, &bits);
        dfota_key_describe(alg, bits, description);
        fprintf(stderr, "%s: '%s' signed with %s, %zu bytes\n",
                strcmp(target, "-") == 0 ? "<stdout>" : target, entry, description, signed_size);
        if (a.verbose)
            print_details(a.key, alg, bits, signed_zip, signed_size);
    }
out:
    dfota_signed_zip_info_release(&info);
    dfota_signing_key_free(key);
    free(zip);
    free(signed_zip);
    free(output);
    return rc;
}
