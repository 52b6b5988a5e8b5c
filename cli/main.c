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
    {"pack", cmd_pack, "build a package container (.bin, fota.pack)",
     "dfota pack --full NEW --to-version V -o OUT.bin [options]",
     "  --full NEW          make a full-image package of the image NEW\n"
     "  --to-version V      target firmware version, e.g. BC25R01A04\n"
     "  -o, --output OUT    package to write ('-' for standard output)\n"
     "  --level N           zstd level, 1..22 (default 19)\n"
     "  --window-log N      zstd window log, 10..27 (default 16: 64 KiB of device RAM)\n"
     "  -f, --force         overwrite OUT if it exists\n"
     "  -q, --quiet         print nothing on success\n"
     "  -v, --verbose       print every header field after writing\n"
     "\n"
     "The creation time is SOURCE_DATE_EPOCH when set, else 0, so the same\n"
     "inputs always give the same bytes.\n"},
    {"inspect", cmd_inspect, "show and check every header field of a package",
     "dfota inspect PKG [--json]",
     "  PKG                 package file ('-' for standard input)\n"
     "  --json              print one JSON object instead of text\n"
     "\n"
     "Checks the header (magic, version, CRC-32, every field), the package\n"
     "size and the payload MD5 and SHA-256; for a full-image package also that\n"
     "the payload decodes to the target size and digests. Exit status 1 and a\n"
     "message naming the problem when any check fails.\n"},
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
