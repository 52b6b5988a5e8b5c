/*
 * main.c - the dfota front end: one binary, one command table.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <zstd.h>

#include "cli.h"
#include "verify_output.h"
#include "dfota/container.h"
#include "dfota/version.h"

const struct cli_command cli_commands[] = {
    {"keygen", cmd_keygen, "generate a signing key pair (private.pem, public.pem)",
     "dfota keygen --alg rsa2048|ecdsa-secp256k1 -o DIR [--passout SRC] [options]",
     "  --alg ALG           rsa2048 (the signtool's RSA2048+SHA256: RSA 2048 bits,\n"
     "                      e 65537) or ecdsa-secp256k1 (ECDSA_256K1+SHA256)\n"
     "  -o, --output DIR    directory for private.pem and public.pem (created if\n"
     "                      missing)\n"
     "  --passout SRC       passphrase for private.pem: pass:TEXT, env:VAR,\n"
     "                      file:PATH, fd:N or stdin (first line); without it the\n"
     "                      passphrase is asked twice on the terminal\n"
     "  -f, --force         replace an existing key pair\n"
     "  --json              print one JSON document (docs/report.schema.json) instead\n"
     "                      of the summary, also for a failure\n"
     "  -q, --quiet         print nothing on success\n"
     "  -v, --verbose       also print the algorithm, the sizes of both files and the\n"
     "                      SHA-256 of public.pem\n"
     "\n"
     "The passphrase needs at least 6 characters (UTF-8, counted as characters, not\n"
     "bytes) from at least 2 of: lower case a-z, upper case A-Z, digits 0-9, other\n"
     "(punctuation, space, any non-ASCII character). private.pem is PKCS#8 encrypted\n"
     "with AES-256-CBC (PBES2, PBKDF2-HMAC-SHA256), mode 0600; public.pem is\n"
     "SubjectPublicKeyInfo. Both are written, or neither; with --force the old pair\n"
     "is put back if the new one cannot be written.\n"},
    {"diff", cmd_diff, "make a raw patch from an old and a new image",
     "dfota diff OLD NEW -o PATCH [options]",
     "  OLD, NEW            the image in the field and the new image\n"
     "  -o, --output PATCH  patch to write ('-' for standard output)\n"
     "  --predict P         relocation prediction: auto (default: whatever pays),\n"
     "                      none, branch (Thumb-2 BL/B.W), pointer (32-bit pointers\n"
     "                      into the image) or all\n"
     "  --codec C           coder of the segments: range (default: dfota's own,\n"
     "                      the smallest patches, a 9-14 KiB applier workspace) or\n"
     "                      zstd (a 65-70 KiB workspace)\n"
     "  --window-log N      range: literal history 2^N bytes, 8..12 (default 10);\n"
     "                      zstd: window of the frames, 10..13 (default 13)\n"
     "  --segment-size N    new-image bytes per segment (resume point), a power of\n"
     "                      two in 4096..1048576 (default 65536); must be a multiple\n"
     "                      of the device's erase block\n"
     "  --level N           with --codec zstd: zstd level, 1..22 (default 15; 19 and 22\n"
     "                      give slightly smaller patches, more slowly)\n"
     "  --in-place          a patch for a single-bank device: the new image\n"
     "                      overwrites the old one segment by segment through a\n"
     "                      scratch area of one segment (docs/FORMAT.md)\n"
     "  -f, --force         overwrite PATCH if it exists\n"
     "  --json              print one JSON document (docs/report.schema.json) instead\n"
     "                      of the summary, also for a failure\n"
     "  -q, --quiet         print nothing on success\n"
     "  -v, --verbose       also print the patch parameters, its layout and SHA-256\n"
     "\n"
     "OLD or NEW may be '-' (standard input), not both.\n"},
    {"pack", cmd_pack, "build a package container (.bin, fota.pack)",
     "dfota pack --old OLD --new NEW [--from-version V1 --to-version V2] -o OUT.bin\n"
     "       dfota pack --full NEW [--to-version V] -o OUT.bin [options]",
     "  --old OLD, --new NEW  delta package from the image OLD to the image NEW\n"
     "  --from-version V1   source firmware version, e.g. BC25R01A03 (delta); default:\n"
     "                      read from OLD, which must hold one revision string\n"
     "  --full NEW          full-image package of the image NEW instead\n"
     "  --to-version V      target firmware version, e.g. BC25R01A04; default: read\n"
     "                      from NEW, which must hold one revision string\n"
     "  -o, --output OUT    package to write ('-' for standard output)\n"
     "  --level N           zstd level, 1..22 (default 15 for a delta, 19 for a full image)\n"
     "  --window-log N      a delta: as for 'dfota diff'; a full image: zstd window\n"
     "                      log 10..27 (default 16: 64 KiB of device RAM)\n"
     "  --codec C, --predict P, --segment-size N, --in-place  patch options, as for\n"
     "                      'dfota diff'\n"
     "  -f, --force         overwrite OUT if it exists\n"
     "  --json              print one JSON document (docs/report.schema.json) instead\n"
     "                      of the summary, also for a failure\n"
     "  -q, --quiet         print nothing on success\n"
     "  -v, --verbose       also print where each version came from, every header\n"
     "                      field and the package's SHA-256\n"
     "\n"
     "A revision string is a whole run of letters and digits like BC25R01A03 or\n"
     "EC200TCNTCNMAR02A02M16 ([A-Z][A-Z0-9]{2,15}R[0-9]{2}A[0-9]{2}, optionally\n"
     "M[0-9]{2}); it may appear several times, but an image with none or with\n"
     "several different ones needs the version given. The creation time is\n"
     "SOURCE_DATE_EPOCH when set, else 0, so the same inputs always give the same\n"
     "bytes.\n"},
    {"zip", cmd_zip, "put a package into a zip for the platform (X.bin -> X.zip)",
     "dfota zip X.bin [-o X.zip] [options]",
     "  X.bin               the package; the zip holds one entry of that name\n"
     "  -o, --output X.zip  zip to write (default: X.zip next to X.bin; '-' for\n"
     "                      standard output)\n"
     "  -f, --force         overwrite X.zip if it exists\n"
     "  --json              print one JSON document (docs/report.schema.json) instead\n"
     "                      of the summary, also for a failure\n"
     "  -q, --quiet         print nothing on success\n"
     "  -v, --verbose       also print the SHA-256 of the entry and of the zip\n"
     "\n"
     "Deflate, mode 0644, owner 0, dated SOURCE_DATE_EPOCH when set (dates before\n"
     "1980 become 1980-01-01), else 1980-01-01T00:00:00Z: the same X.bin always\n"
     "gives the same bytes, in any time zone.\n"},
    {"sign", cmd_sign, "sign a zip like the platform's signtool (X.zip -> X_signed.zip)",
     "dfota sign --key KEY --passin SRC X.zip [-o X_signed.zip] [options]",
     "  --key KEY           private key: a path (private.pem), a file: URI\n"
     "                      (file:keys/private.pem), or a pkcs11: URI for a key in a\n"
     "                      token (the PIN from --passin)\n"
     "  --passin SRC        its passphrase (or PIN): pass:TEXT, env:VAR, file:PATH,\n"
     "                      fd:N or stdin; asked on the terminal when omitted\n"
     "  X.zip               a zip holding exactly one file, <name>.bin ('-' for\n"
     "                      standard input, then with -o and not with --passin stdin)\n"
     "  -o, --output OUT    signed zip to write (default: X_signed.zip next to X.zip;\n"
     "                      '-' for standard output)\n"
     "  -f, --force         overwrite OUT if it exists\n"
     "  --json              print one JSON document (docs/report.schema.json) instead\n"
     "                      of the summary, also for a failure\n"
     "  -q, --quiet         print nothing on success\n"
     "  -v, --verbose       also print the key, the signature's size and the SHA-256\n"
     "                      of the entry and of OUT\n"
     "\n"
     "OUT holds <name>.bin exactly as in X.zip and <name>.bin.sig, the signature of\n"
     "its bytes (RSA: PKCS#1 v1.5 over SHA-256; ECDSA: DER over SHA-256). Check it\n"
     "with stock tools:\n"
     "  unzip -o X_signed.zip -d out\n"
     "  openssl dgst -sha256 -verify public.pem -signature out/X.bin.sig out/X.bin\n"},
    {"verify", cmd_verify, "check a package, patch, zip or signed zip, and that it rebuilds the new image",
     "dfota verify [--pubkey KEY] [--old OLD] [--new NEW] [options] FILE\n"
     "       dfota verify --pubkey KEY --signature-only X_signed.zip",
     "  FILE                a package (.bin), a raw patch, X.zip or X_signed.zip\n"
     "  --pubkey KEY        public key (path or OpenSSL store URI): the signature must\n"
     "                      verify with it; an unsigned FILE is then refused\n"
     "  --old OLD           the old image: checked against the package, then a trial\n"
     "                      apply through the device-side applier must reproduce the\n"
     "                      target size and digests\n"
     "  --new NEW           the new image: the trial apply must give exactly this\n"
     "  --signature-only    with --pubkey: check the zip and the signature only, for a\n"
     "                      payload dfota did not make (the module vendor's delta);\n"
     "                      the payload itself is not checked, and the result says so\n"
     "  --require-signature a file without a signature, or a signed zip checked\n"
     "                      without --pubkey, fails (NOT_SIGNED) instead of passing\n"
     "                      with \"signature NOT checked\"\n"
     "  --erase-size N, --write-align N  the trial apply's simulated flash\n"
     "  --json              print one JSON document (docs/report.schema.json), also\n"
     "                      for a failure\n"
     "  -q, --quiet         print nothing on success (failures still on stderr)\n"
     "  -v, --verbose       every check's detail, and the key's SHA-256\n"
     "\n"
     "Checks, in order: signature, zip safety, container and digests, patch layout,\n"
     "source image, trial apply, target digests, equality with NEW; stops at the first\n"
     "failure and names the module error code a device would report for it.\n"
     "Exit status 0 all checks passed (a signed zip without --pubkey: \"signature NOT\n"
     "checked\"), 1 a check failed, 2 usage, 3 I/O, 7 the payload is not a dfota\n"
     "package (use --signature-only to check only its signature).\n"},
    {"release", cmd_release, "two images in: .bin, .zip, _signed.zip and a report, all verified",
     "dfota release --old OLD [--old OLD2 ...] --new NEW --key KEY --passin SRC -o DIR\n"
     "       [--from-version V1] [--to-version V2] [options]",
     "  --old OLD, --new NEW  the image in the field and the new image; --old again\n"
     "                      for every version in the field: a batch, one set of files\n"
     "                      per old image and DIR/V2.report.json listing them all\n"
     "  --from-version V1, --to-version V2  versions; without them, read from OLD and NEW:\n"
     "                      each must hold one revision string like BC25R01A03\n"
     "                      (--from-version takes a single --old)\n"
     "  --key KEY           signing key: a path, a file: URI or a pkcs11: URI\n"
     "  --passin SRC        its passphrase (or PIN): pass:, env:, file:, fd: or stdin\n"
     "  --pubkey PUB        also check the signature with PUB (default: the public half\n"
     "                      of KEY)\n"
     "  -o, --output DIR    created if missing; gets V1_TO_V2.bin, .zip, _signed.zip and\n"
     "                      .report.json\n"
     "  -j, --jobs N        build and verify up to N pairs at once (default: the online\n"
     "                      CPUs); the files do not depend on N\n"
     "  --json              print the report (JSON) instead of a summary, also for a\n"
     "                      failure\n"
     "  -f, --force         replace existing outputs\n"
     "  -q, --quiet         print nothing on success\n"
     "  -v, --verbose       also print each patch's parameters and every file's SHA-256\n"
     "  --codec, --predict, --window-log, --segment-size, --level, --in-place\n"
     "                      patch options, as for 'dfota diff'\n"
     "\n"
     "The files are built in DIR/.release.XXXXXX, read back and verified (container,\n"
     "trial apply to the bit-exact new image, signature), then moved into DIR with the\n"
     "report last; on any failure or signal nothing is left behind, for a whole batch\n"
     "too. SOURCE_DATE_EPOCH makes the same inputs give the same bytes. Exit status\n"
     "0 ok, 1 a check failed, 2 usage, 3 I/O, 4 an output exists.\n"},
    {"module", cmd_module, "a simulated BC25/EC200x module running the (D)FOTA flows over AT",
     "dfota module --model MODEL [--image FW.bin] [--state DIR] (--pty LINK | --stdio)\n"
     "       [options]",
     "  --model MODEL       bc25, bc32 (NB-IoT: HTTP, local fota.pack, MCU files), ec200s,\n"
     "                      ec600s, eg912y (Cat-1: FTP, HTTP(S), delta packages) or\n"
     "                      ec200t (Cat-1, full-image FOTA)\n"
     "  --state DIR         the module's firmware, file system and flash, kept between\n"
     "                      runs (created if missing; default MODEL.state here)\n"
     "  --image FW.bin      the firmware of a new DIR (ATI reads its revision string)\n"
     "  --pty LINK          speak AT on a new pseudo-terminal linked at LINK\n"
     "  --stdio             speak AT on standard input and output\n"
     "  --ufs-size N        BC25/BC32 file-system capacity in bytes (default 1048576)\n"
     "  --ufs-import FILE[:NAME]  put FILE into the file system (again for more)\n"
     "  --cut-after N       power cut after N flash operations of an update: the module\n"
     "                      stops (exit 5); the next start resumes (forced upgrade)\n"
     "  --ca-file FILE      CA certificates for https:// downloads\n"
     "  --timeout S         seconds to connect, and of a stalled download (default 30)\n"
     "  --erase-size N, --write-align N  the simulated flash (default 4096, 4)\n"
     "  -q, --quiet         print nothing on standard error but failures\n"
     "\n"
     "Commands: AT, ATI, ATE0/ATE1, AT+QFOTADL=? and AT+QFOTADL in each model's\n"
     "forms, AT+QFLST and AT+QFDEL (BC25/BC32). docs/MODULE.md has every form, URC\n"
     "and error code. SIGTERM or SIGINT stops the module at any moment; its state\n"
     "stays consistent, and an update in progress resumes at the next start.\n"},
    {"inspect", cmd_inspect, "show and check every header field of a package or patch, bare or zipped",
     "dfota inspect [--pubkey KEY] [--json] [-q|-v] FILE",
     "  FILE                a package, a raw patch, X.zip or X_signed.zip ('-' for\n"
     "                      standard input)\n"
     "  --pubkey KEY        also check a signed zip's signature (without it the\n"
     "                      signature's scheme is shown, NOT checked)\n"
     "  --json              print one JSON document (docs/report.schema.json), also\n"
     "                      for a failure\n"
     "  -q, --quiet         print nothing on success (failures still on stderr)\n"
     "  -v, --verbose       every check, with its detail\n"
     "\n"
     "For a zip: the entry (name, time, sizes) and the signature's scheme, then the\n"
     "package inside. Runs the checks of 'dfota verify' that need nothing but the\n"
     "file: zip safety, the header (magic, version, CRC-32, every field), the\n"
     "package size and payload MD5 and SHA-256, the patch header, relocation map\n"
     "and segment layout; for a full-image package also that the payload decodes\n"
     "to the target size and digests. The others are reported as skipped.\n"
     "Exit status 1 and a message naming the problem when a check fails, 7 when\n"
     "the file (or the zip's payload) is not a dfota package.\n"},
    {"apply", cmd_apply, "rebuild the new image from the old one and a package or patch",
     "dfota apply --old OLD PKG_OR_PATCH -o NEW [options]",
     "  --old OLD           the old image (not needed for a full-image package)\n"
     "  PKG_OR_PATCH        a package (.bin), a raw patch, X.zip or X_signed.zip (the\n"
     "                      package is taken out of it, its zip safety checked)\n"
     "  -o, --output NEW    image to write ('-' for standard output)\n"
     "  --pubkey KEY        check the signed zip's signature before anything else\n"
     "                      (without it: a line on stderr says it was NOT checked)\n"
     "  --chunk-size N      feed the patch in pieces of N bytes, as a download\n"
     "                      arrives (default: all at once)\n"
     "  --urc               print progress like the module: +QIND: \"FOTA\",\"START\",\n"
     "                      \"UPDATING\",<percent> and \"END\",<err> on standard output\n"
     "  --urc-max N         number of UPDATING reports, 5..100 (default 10)\n"
     "  --module M          error codes for END: bc25 (default) or ec200\n"
     "  --erase-size N      simulated flash erase block (default 4096)\n"
     "  --write-align N     simulated flash write unit, 1..256 (default 4)\n"
     "  --state FILE        keep the simulated device flash in FILE (progress record,\n"
     "                      old bank or scratch, new bank or the in-place area):\n"
     "                      created from OLD on the first run, resumed from on the\n"
     "                      next, removed once NEW is written (delta packages and\n"
     "                      patches only)\n"
     "  --cut-after N       with --state: cut power after N flash writes and erases\n"
     "                      of this run; the state is saved and the exit status is 5\n"
     "  --cut-mode M        clean (default: the cut operation does nothing) or torn\n"
     "                      (it is half done, bits of a write set at random)\n"
     "  --cut-seed S        random seed of a torn operation (default 1)\n"
     "  -f, --force         overwrite NEW if it exists\n"
     "  --json              print one JSON document on success or failure: the input,\n"
     "                      the package and patch applied, and NEW in \"outputs\"\n"
     "  -q, --quiet         print nothing on success (failures still on stderr)\n"
     "  -v, --verbose       also say what was applied (zip, package, patch, flash)\n"
     "\n"
     "The patch runs through the device-side applier (apply_ref) into a simulated\n"
     "NOR flash: the old image is checked (size and SHA-256) before the first\n"
     "write, the new one (SHA-256, read back from flash) at the end. NEW is written\n"
     "only on success. An in-place patch (diff --in-place) is applied in one area\n"
     "through a scratch segment; a two-bank one never writes the old bank.\n"
     "Exit status 5: power cut (run again without --cut-after to resume); 6: the\n"
     "state holds another package's update; 7: not a dfota package or patch.\n"},
    {NULL, NULL, NULL, NULL, NULL},
};

const struct cli_command *cli_find_command(const char *name)
{
    const struct cli_command *cmd;

    for (cmd = cli_commands; cmd->name != NULL; cmd++)
        if (strcmp(cmd->name, name) == 0)
            return cmd;
    return NULL;
}

void cli_print_command_help(const struct cli_command *cmd, FILE *out)
{
    fprintf(out, "usage: %s\n\n%s.\n\n%s", cmd->usage, cmd->summary, cmd->options);
}

static void print_main_help(FILE *out)
{
    const struct cli_command *cmd;

    fputs("usage: dfota <command> [options] [args]\n"
          "       dfota --help | --version | help <command>\n\n"
          "Delta firmware-over-the-air packages for cellular IoT modules.\n\n"
          "commands:\n",
          out);
    for (cmd = cli_commands; cmd->name != NULL; cmd++)
        fprintf(out, "  %-10s %s\n", cmd->name, cmd->summary);
    fputs("\nRun 'dfota help <command>' or 'dfota <command> --help' for its options.\n"
          "Exit status: 0 ok, 1 a check failed, 2 usage, 3 I/O or system error,\n"
          "4 output exists (use --force), 5 simulated power cut (apply --cut-after),\n"
          "6 another update is in progress (apply --state), 7 not a dfota package\n"
          "(verify --signature-only checks only a signed zip's signature).\n",
          out);
}

static void print_version(void)
{
    printf("dfota %s\n", DFOTA_VERSION_STRING);
    printf("container format %u\n", DFOTA_CONTAINER_FORMAT_VERSION);
    printf("zstd %s, %s\n", ZSTD_versionString(), OpenSSL_version(OPENSSL_VERSION));
}

/* ---- "did you mean" ---------------------------------------------------- */

#define COMMAND_NAME_MAX 16u /* longer names are never close to a command */
#define SUGGESTION_DISTANCE_MAX 2u

/* Optimal string alignment distance: insertions, deletions, substitutions
 * and swaps of two adjacent characters, each 1 (Damerau-Levenshtein). */
static size_t edit_distance(const char *a, size_t la, const char *b, size_t lb)
{
    size_t d[COMMAND_NAME_MAX + 1][COMMAND_NAME_MAX + 1], i, j, cost, best;

    for (i = 0; i <= la; i++)
        d[i][0] = i;
    for (j = 0; j <= lb; j++)
        d[0][j] = j;
    for (i = 1; i <= la; i++)
        for (j = 1; j <= lb; j++) {
            cost = a[i - 1] == b[j - 1] ? 0 : 1;
            best = d[i - 1][j - 1] + cost;
            if (d[i - 1][j] + 1 < best)
                best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    return d[la][lb];
}

/*
 * The commands `name` is most likely a typo of, into `out` (" 'release'",
 * " 'pack' or 'apply'"): those at the smallest edit distance, when it is at
 * most 2 and less than the length of `name`; else the one command `name`
 * is the start of. Empty when there is none.
 */
static void suggest_command(const char *name, char *out, size_t out_size)
{
    const char *names[sizeof(cli_commands) / sizeof(cli_commands[0]) + 1], *picked[2];
    size_t n = 0, len = strlen(name), best = SUGGESTION_DISTANCE_MAX + 1, d, i, count = 0;
    const struct cli_command *cmd;

    out[0] = '\0';
    if (len == 0 || len > COMMAND_NAME_MAX)
        return;
    for (cmd = cli_commands; cmd->name != NULL; cmd++)
        names[n++] = cmd->name;
    names[n++] = "help";
    for (i = 0; i < n; i++) {
        if (strlen(names[i]) > COMMAND_NAME_MAX)
            continue;
        d = edit_distance(name, len, names[i], strlen(names[i]));
        if (d >= len || d > best)
            continue;
        if (d < best) {
            best = d;
            count = 0;
        }
        if (count < 2)
            picked[count] = names[i];
        count++;
    }
    if (count == 0)
        for (i = 0; i < n; i++)
            if (strncmp(names[i], name, len) == 0 && count++ == 0)
                picked[0] = names[i];
    if (count == 1)
        snprintf(out, out_size, "'%s'", picked[0]);
    else if (count == 2 && best <= SUGGESTION_DISTANCE_MAX)
        snprintf(out, out_size, "'%s' or '%s'", picked[0], picked[1]);
}

static int help_command(int argc, char **argv)
{
    const struct cli_command *cmd;
    char suggestion[64];

    if (argc == 0 || (argc == 1 && strcmp(argv[0], "help") == 0)) {
        print_main_help(stdout);
        return CLI_EXIT_OK;
    }
    if (argc > 1)
        return cli_usage_error("help", "too many arguments");
    cmd = cli_find_command(argv[0]);
    if (cmd == NULL) {
        suggest_command(argv[0], suggestion, sizeof(suggestion));
        if (suggestion[0] != '\0')
            return cli_fail(CLI_EXIT_USAGE, "help", "unknown command '%s'; did you mean %s?",
                            argv[0], suggestion);
        return cli_fail(CLI_EXIT_USAGE, "help",
                        "unknown command '%s'; 'dfota --help' lists the commands", argv[0]);
    }
    cli_print_command_help(cmd, stdout);
    return CLI_EXIT_OK;
}

int main(int argc, char **argv)
{
    const struct cli_command *cmd;
    const char *name;
    char suggestion[64];

    if (argc < 2) {
        print_main_help(stderr);
        return CLI_EXIT_USAGE;
    }
    name = argv[1];
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
        print_main_help(stdout);
        return cli_finish_stdout(NULL, CLI_EXIT_OK);
    }
    if (strcmp(name, "--version") == 0 || strcmp(name, "-V") == 0) {
        print_version();
        return cli_finish_stdout(NULL, CLI_EXIT_OK);
    }
    if (strcmp(name, "help") == 0)
        return cli_finish_stdout("help", help_command(argc - 2, argv + 2));
    cmd = cli_find_command(name);
    if (cmd == NULL) {
        if (name[0] == '-') {
            fprintf(stderr, "dfota: unknown option '%s'\n", name);
        } else {
            suggest_command(name, suggestion, sizeof(suggestion));
            if (suggestion[0] != '\0')
                fprintf(stderr, "dfota: unknown command '%s'; did you mean %s?\n", name,
                        suggestion);
            else
                fprintf(stderr, "dfota: unknown command '%s'\n", name);
        }
        print_main_help(stderr);
        return CLI_EXIT_USAGE;
    }
    /* Every command's output checked here, once: a run whose standard output
     * was lost (>/dev/full, a closed pipe) never exits 0. */
    if (cli_wants_json(argc - 1, argv + 1))
        cli_json_run(cmd->name, argc - 1, argv + 1);
    return cli_finish_stdout(cmd->name, cli_json_run_end(cmd->run(argc - 1, argv + 1)));
}
