/*
 * cmd_module.c - `dfota module`: a simulated BC25/EC200x module speaking AT
 * commands on a pseudo-terminal or on standard input and output
 * (dfota/module.h, docs/MODULE.md).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "cli.h"
#include "dfota/module.h"

#define COMMAND "module"

enum {
    OPT_MODEL = 256,
    OPT_IMAGE,
    OPT_STATE,
    OPT_PTY,
    OPT_STDIO,
    OPT_UFS_SIZE,
    OPT_UFS_IMPORT,
    OPT_CUT_AFTER,
    OPT_CA_FILE,
    OPT_TIMEOUT,
    OPT_ERASE_SIZE,
    OPT_WRITE_ALIGN
};

static const struct option module_options[] = {
    {"model", required_argument, NULL, OPT_MODEL},
    {"image", required_argument, NULL, OPT_IMAGE},
    {"state", required_argument, NULL, OPT_STATE},
    {"pty", required_argument, NULL, OPT_PTY},
    {"stdio", no_argument, NULL, OPT_STDIO},
    {"ufs-size", required_argument, NULL, OPT_UFS_SIZE},
    {"ufs-import", required_argument, NULL, OPT_UFS_IMPORT},
    {"cut-after", required_argument, NULL, OPT_CUT_AFTER},
    {"ca-file", required_argument, NULL, OPT_CA_FILE},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"erase-size", required_argument, NULL, OPT_ERASE_SIZE},
    {"write-align", required_argument, NULL, OPT_WRITE_ALIGN},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

struct module_args {
    struct dfota_module_options opts;
    const char *pty;
    bool stdio, quiet;
    char default_state[64];
};

/* The link to remove when the module stops (a signal, a power cut). */
static char link_path[PATH_MAX];

static void on_signal(int sig)
{
    (void)sig;
    if (link_path[0] != '\0')
        (void)unlink(link_path);
    /* The state is consistent at every instant (dfota/module.h): stop now. */
    _exit(0);
}

static int parse_args(int argc, char **argv, struct module_args *a)
{
    const char *given[sizeof(module_options) / sizeof(module_options[0])] = {NULL};
    unsigned long v;
    int c, rc;

    memset(a, 0, sizeof(*a));
    dfota_module_options_init(&a->opts);
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":qh", module_options, NULL)) != -1) {
        if (c != OPT_UFS_IMPORT) {
            rc = cli_option_once(COMMAND, module_options, given, c, optarg);
            if (rc != CLI_EXIT_OK)
                return rc;
        }
        switch (c) {
        case OPT_MODEL:
            if (strlen(optarg) > 16)
                return cli_usage_error(COMMAND, "unknown model '%.40s' (%s)", optarg,
                                       dfota_module_models());
            a->opts.model = optarg;
            break;
        case OPT_IMAGE:
            a->opts.image = optarg;
            break;
        case OPT_STATE:
            a->opts.state_dir = optarg;
            break;
        case OPT_PTY:
            a->pty = optarg;
            break;
        case OPT_STDIO:
            a->stdio = true;
            break;
        case OPT_UFS_SIZE:
            if (!cli_parse_uint(optarg, 0, 1ul << 30, &v))
                return cli_usage_error(COMMAND, "--ufs-size '%s' is not a number of bytes in "
                                                "0..1073741824", optarg);
            a->opts.ufs_size = (uint32_t)v;
            break;
        case OPT_UFS_IMPORT:
            if (a->opts.ufs_import_count == DFOTA_MODULE_IMPORTS_MAX)
                return cli_usage_error(COMMAND, "at most %u --ufs-import",
                                       DFOTA_MODULE_IMPORTS_MAX);
            a->opts.ufs_import[a->opts.ufs_import_count++] = optarg;
            break;
        case OPT_CUT_AFTER:
            if (!cli_parse_uint(optarg, 0, 0xFFFFFFFFul, &v))
                return cli_usage_error(COMMAND, "--cut-after '%s' is not a number", optarg);
            a->opts.cut = true;
            a->opts.cut_after = v;
            break;
        case OPT_CA_FILE:
            a->opts.ca_file = optarg;
            break;
        case OPT_TIMEOUT:
            if (!cli_parse_uint(optarg, 1, 3600, &v))
                return cli_usage_error(COMMAND, "--timeout '%s' is not a number of seconds in "
                                                "1..3600", optarg);
            a->opts.timeout = (unsigned)v;
            break;
        case OPT_ERASE_SIZE:
            if (!cli_parse_pow2(optarg, 256, 65536, &v))
                return cli_usage_error(COMMAND, "--erase-size '%s' is not a power of two in "
                                                "256..65536", optarg);
            a->opts.erase_size = (uint32_t)v;
            break;
        case OPT_WRITE_ALIGN:
            if (!cli_parse_pow2(optarg, 1, 256, &v))
                return cli_usage_error(COMMAND, "--write-align '%s' is not a power of two in "
                                                "1..256", optarg);
            a->opts.write_align = (uint32_t)v;
            break;
        case 'q':
            a->quiet = true;
            break;
        default:
            return cli_option_error(COMMAND, c, argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error(COMMAND, "unexpected argument '%s'", argv[optind]);
    if (a->opts.model == NULL)
        return cli_usage_error(COMMAND, "missing --model (%s)", dfota_module_models());
    if (a->opts.state_dir == NULL) {
        /* MODEL.state in the current directory: a restart finds it again. */
        (void)snprintf(a->default_state, sizeof(a->default_state), "%s.state", a->opts.model);
        a->opts.state_dir = a->default_state;
    }
    if ((a->pty != NULL) == a->stdio)
        return cli_usage_error(COMMAND, "give --pty LINK or --stdio (one of them)");
    return CLI_EXIT_OK;
}

/* A pseudo-terminal in raw mode, its slave linked at `link`. The slave is
 * kept open here, so that a serial program may close and reopen it. */
static int open_pty(const char *link, int *master, int *slave)
{
    struct termios t;
    char tmp[PATH_MAX];
    const char *name;

    *master = posix_openpt(O_RDWR | O_NOCTTY);
    if (*master < 0 || grantpt(*master) != 0 || unlockpt(*master) != 0 ||
        (name = ptsname(*master)) == NULL)
        return cli_fail(CLI_EXIT_IO, COMMAND, "cannot create a pseudo-terminal: %s",
                        strerror(errno));
    *slave = open(name, O_RDWR | O_NOCTTY);
    if (*slave < 0 || tcgetattr(*slave, &t) != 0)
        return cli_fail(CLI_EXIT_IO, COMMAND, "cannot open '%s': %s", name, strerror(errno));
    cfmakeraw(&t);
    (void)cfsetispeed(&t, B115200);
    (void)cfsetospeed(&t, B115200);
    if (tcsetattr(*slave, TCSANOW, &t) != 0)
        return cli_fail(CLI_EXIT_IO, COMMAND, "cannot set '%s' raw: %s", name,
                        strerror(errno));
    /* Linked atomically: a reader never sees a half-made link. */
    if (snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", link, (long)getpid()) >= (int)sizeof(tmp))
        return cli_fail(CLI_EXIT_USAGE, COMMAND, "'%s': path too long", link);
    (void)unlink(tmp);
    if (symlink(name, tmp) != 0 || rename(tmp, link) != 0) {
        (void)unlink(tmp);
        return cli_fail(CLI_EXIT_IO, COMMAND, "cannot link '%s' to %s: %s", link, name,
                        strerror(errno));
    }
    (void)snprintf(link_path, sizeof(link_path), "%s", link);
    return CLI_EXIT_OK;
}

/*
 * What the module said has left it, as on a serial wire: wait (at most 2 s)
 * until the program on the line has read what is queued for it, since
 * closing the pseudo-terminal would drop it (after a power cut too: the
 * URCs sent before the cut were on the wire).
 */
static void drain(int master, int slave)
{
    int queued = 0, quiet = 0, i;

    (void)tcdrain(master);
    /* Empty for 100 ms: bytes still on their way into the line's queue
     * (the pty's flip buffer) are not counted by FIONREAD yet. */
    for (i = 0; i < 200 && quiet < 10; i++) {
        if (ioctl(slave, FIONREAD, &queued) != 0)
            return;
        quiet = queued == 0 ? quiet + 1 : 0;
        (void)usleep(10000);
    }
}

int cmd_module(int argc, char **argv)
{
    struct module_args a;
    struct dfota_error err;
    struct sigaction sa;
    int rc, in = STDIN_FILENO, out = STDOUT_FILENO, slave = -1;
    enum dfota_status st;

    rc = parse_args(argc, argv, &a);
    if (rc != CLI_EXIT_OK)
        return rc == CLI_HELP_SHOWN ? CLI_EXIT_OK : rc;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    (void)sigaction(SIGTERM, &sa, NULL);
    (void)sigaction(SIGINT, &sa, NULL);
    (void)sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    if (a.pty != NULL) {
        rc = open_pty(a.pty, &in, &slave);
        if (rc != CLI_EXIT_OK)
            return rc;
        out = in;
        if (!a.quiet)
            fprintf(stderr, "dfota module: %s on %s (%s)\n", a.opts.model, a.pty,
                    ptsname(in));
    }
    dfota_error_clear(&err);
    st = dfota_module_run(&a.opts, in, out, &err);
    if (slave >= 0)
        drain(in, slave);
    if (link_path[0] != '\0')
        (void)unlink(link_path);
    if (slave >= 0)
        (void)close(slave);
    if (st == DFOTA_E_POWER_CUT) {
        if (!a.quiet)
            fprintf(stderr, "dfota module: %s\n", err.message);
        return CLI_EXIT_POWER_CUT;
    }
    if (st != DFOTA_OK)
        return cli_report(COMMAND, NULL, &err);
    return CLI_EXIT_OK;
}
