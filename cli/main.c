/*
 * main.c - the dfota front end: one binary, one command table.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <zstd.h>

#include "cli.h"
#include "dfota/container.h"
#include "dfota/version.h"

const struct cli_command cli_commands[] = {
    {"diff", cmd_diff, "make a raw patch from an old and a new image",
     "dfota diff OLD NEW -o PATCH [options]",
     "  OLD, NEW            the image in the field and the new image\n"
     "  -o, --output PATCH  patch to write ('-' for standard output)\n"
     "  --predict P         relocation prediction: auto (default: whatever pays),\n"
     "                      none, branch (Thumb-2 BL/B.W), pointer (32-bit pointers\n"
     "                      into the image) or all\n"
     "  --window-log N      zstd window of the segments, 10..13 (default 13: the\n"
     "                      device applier then needs about 120 KiB of RAM)\n"
     "  --segment-size N    new-image bytes per segment (resume point), a power of\n"
     "                      two in 4096..1048576 (default 65536); must be a multiple\n"
     "                      of the device's erase block\n"
     "  --level N           zstd level, 1..22 (default 15; 19 and 22 give slightly\n"
     "                      smaller patches, more slowly)\n"
     "  -f, --force         overwrite PATCH if it exists\n"
     "  -q, --quiet         print nothing on success\n"
     "  -v, --verbose       print the patch parameters\n"},
    {"pack", cmd_pack, "build a package container (.bin, fota.pack)",
     "dfota pack --old OLD --new NEW --from-version V1 --to-version V2 -o V1_TO_V2.bin\n"
     "       dfota pack --full NEW --to-version V -o OUT.bin [options]",
     "  --old OLD, --new NEW  delta package from the image OLD to the image NEW\n"
     "  --from-version V1   source firmware version, e.g. BC25R01A03 (delta)\n"
     "  --full NEW          full-image package of the image NEW instead\n"
     "  --to-version V      target firmware version, e.g. BC25R01A04\n"
     "  -o, --output OUT    package to write ('-' for standard output)\n"
     "  --level N           zstd level, 1..22 (default 15 for a delta, 19 for a full image)\n"
     "  --window-log N      zstd window log: 10..13 for a delta (default 13),\n"
     "                      10..27 for a full image (default 16: 64 KiB of device RAM)\n"
     "  --predict P, --segment-size N  patch options, as for 'dfota diff'\n"
     "  -f, --force         overwrite OUT if it exists\n"
     "  -q, --quiet         print nothing on success\n"
     "  -v, --verbose       print every header field after writing\n"
     "\n"
     "The creation time is SOURCE_DATE_EPOCH when set, else 0, so the same\n"
     "inputs always give the same bytes.\n"},
    {"inspect", cmd_inspect, "show and check every header field of a package or patch",
     "dfota inspect PKG_OR_PATCH [--json]",
     "  PKG_OR_PATCH        package or raw patch file ('-' for standard input)\n"
     "  --json              print one JSON object instead of text\n"
     "\n"
     "Checks the header (magic, version, CRC-32, every field), the package\n"
     "size and the payload MD5 and SHA-256; for a full-image package also that\n"
     "the payload decodes to the target size and digests; for a delta package\n"
     "or a raw patch, the patch header, relocation map and segment layout.\n"
     "Exit status 1 and a message naming the problem when any check fails.\n"},
    {"apply", cmd_apply, "rebuild the new image from the old one and a package or patch",
     "dfota apply --old OLD PKG_OR_PATCH -o NEW [options]",
     "  --old OLD           the old image (not needed for a full-image package)\n"
     "  PKG_OR_PATCH        a package (.bin) or a raw patch\n"
     "  -o, --output NEW    image to write ('-' for standard output)\n"
     "  --chunk-size N      feed the patch in pieces of N bytes, as a download\n"
     "                      arrives (default: all at once)\n"
     "  --urc               print progress like the module: +QIND: \"FOTA\",\"START\",\n"
     "                      \"UPDATING\",<percent> and \"END\",<err> on standard output\n"
     "  --urc-max N         number of UPDATING reports, 5..100 (default 10)\n"
     "  --module M          error codes for END: bc25 (default) or ec200\n"
     "  --erase-size N      simulated flash erase block (default 4096)\n"
     "  --write-align N     simulated flash write unit, 1..256 (default 4)\n"
     "  -f, --force         overwrite NEW if it exists\n"
     "  -q, --quiet         print nothing on success\n"
     "\n"
     "The patch runs through the device-side applier (apply_ref) into a simulated\n"
     "NOR flash: the old image is checked (size and SHA-256) before the first\n"
     "write, the new one (SHA-256) at the end. NEW is written only on success.\n"},
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
          "4 output exists (use --force).\n",
          out);
}

static void print_version(void)
{
    printf("dfota %s\n", DFOTA_VERSION_STRING);
    printf("container format %u\n", DFOTA_CONTAINER_FORMAT_VERSION);
    printf("zstd %s, %s\n", ZSTD_versionString(), OpenSSL_version(OPENSSL_VERSION));
}

static int help_command(int argc, char **argv)
{
    const struct cli_command *cmd;

    if (argc == 0) {
        print_main_help(stdout);
        return CLI_EXIT_OK;
    }
    if (argc > 1)
        return cli_usage_error("help", "too many arguments");
    cmd = cli_find_command(argv[0]);
    if (cmd == NULL)
        return cli_fail(CLI_EXIT_USAGE, "help",
                        "unknown command '%s'; 'dfota --help' lists the commands", argv[0]);
    cli_print_command_help(cmd, stdout);
    return CLI_EXIT_OK;
}

int main(int argc, char **argv)
{
    const struct cli_command *cmd;
    const char *name;

    if (argc < 2) {
        print_main_help(stderr);
        return CLI_EXIT_USAGE;
    }
    name = argv[1];
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
        print_main_help(stdout);
        return CLI_EXIT_OK;
    }
    if (strcmp(name, "--version") == 0 || strcmp(name, "-V") == 0) {
        print_version();
        return CLI_EXIT_OK;
    }
    if (strcmp(name, "help") == 0)
        return help_command(argc - 2, argv + 2);
    cmd = cli_find_command(name);
    if (cmd == NULL) {
        if (name[0] == '-')
            fprintf(stderr, "dfota: unknown option '%s'\n", name);
        else
            fprintf(stderr, "dfota: unknown command '%s'\n", name);
        print_main_help(stderr);
        return CLI_EXIT_USAGE;
    }
    return cmd->run(argc - 1, argv + 1);
}
