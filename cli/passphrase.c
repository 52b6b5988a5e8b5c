/*
 * passphrase.c - passphrases for `keygen` and `sign`: from an OpenSSL-style
 * source (--passout/--passin), or asked on the terminal without echo.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli.h"
#include "dfota/keys.h"

static struct termios saved_termios;
static volatile sig_atomic_t echo_is_off;

/* Ctrl-C at the prompt: give the terminal its echo back, then die of the signal. */
static void restore_echo_and_reraise(int sig)
{
    if (echo_is_off)
        (void)tcsetattr(STDIN_FILENO, TCSANOW, &saved_termios);
    (void)raise(sig);
}

static const int prompt_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
#define PROMPT_SIGNAL_COUNT (sizeof(prompt_signals) / sizeof(prompt_signals[0]))

static int ask(const char *command, const char *prompt, struct dfota_passphrase *pass)
{
    struct sigaction action, previous[PROMPT_SIGNAL_COUNT];
    struct termios quiet;
    struct dfota_error err;
    enum dfota_status st;
    size_t i;

    if (tcgetattr(STDIN_FILENO, &saved_termios) != 0)
        return cli_fail(CLI_EXIT_IO, command, "cannot read the terminal settings: %s",
                        strerror(errno));
    memset(&action, 0, sizeof(action));
    action.sa_handler = restore_echo_and_reraise;
    action.sa_flags = SA_RESETHAND;
    sigemptyset(&action.sa_mask);
    for (i = 0; i < PROMPT_SIGNAL_COUNT; i++)
        (void)sigaction(prompt_signals[i], &action, &previous[i]);
    quiet = saved_termios;
    quiet.c_lflag &= ~(tcflag_t)ECHO;
    fputs(prompt, stderr);
    fflush(stderr);
    echo_is_off = 1;
    if (tcsetattr(STDIN_FILENO, TCSANOW, &quiet) != 0) {
        echo_is_off = 0;
        st = dfota_error_set(&err, DFOTA_E_IO, "cannot turn off the terminal echo: %s",
                             strerror(errno));
    } else {
        st = dfota_passphrase_read("stdin", pass, &err);
        (void)tcsetattr(STDIN_FILENO, TCSANOW, &saved_termios);
        echo_is_off = 0;
    }
    for (i = 0; i < PROMPT_SIGNAL_COUNT; i++)
        (void)sigaction(prompt_signals[i], &previous[i], NULL);
    fputc('\n', stderr);
    if (st != DFOTA_OK)
        return cli_report(command, NULL, &err);
    return CLI_EXIT_OK;
}

int cli_passphrase(const char *command, const char *option, const char *source,
                   const char *prompt, bool confirm, struct dfota_passphrase *pass)
{
    struct dfota_passphrase again;
    struct dfota_error err;
    int rc;

    if (source != NULL) {
        if (dfota_passphrase_read(source, pass, &err) != DFOTA_OK) {
            struct dfota_error detail;

            /* Name the option, never the passphrase itself. */
            dfota_error_set(&detail, err.status, "%s: %s", option, err.message);
            return cli_report(command, NULL, &detail);
        }
        return CLI_EXIT_OK;
    }
    if (!isatty(STDIN_FILENO))
        return cli_usage_error(command,
                               "missing %s SRC (pass:TEXT, env:VAR, file:PATH, fd:N or stdin); "
                               "standard input is not a terminal to ask on",
                               option);
    rc = ask(command, prompt, pass);
    if (rc != CLI_EXIT_OK || !confirm)
        return rc;
    rc = ask(command, "Verifying - Enter the passphrase again: ", &again);
    if (rc == CLI_EXIT_OK &&
        (again.length != pass->length || memcmp(again.text, pass->text, pass->length) != 0))
        rc = cli_fail(CLI_EXIT_USAGE, command, "the two passphrases differ");
    dfota_passphrase_wipe(&again);
    if (rc != CLI_EXIT_OK)
        dfota_passphrase_wipe(pass);
    return rc;
}
