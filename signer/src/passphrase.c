/*
 * passphrase.c - passphrases from OpenSSL-style sources, and the signtool's
 * strength rule.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "dfota/keys.h"
#include "dfota/wire.h"

void dfota_passphrase_wipe(struct dfota_passphrase *pass)
{
    if (pass != NULL)
        OPENSSL_cleanse(pass, sizeof(*pass));
}

enum dfota_status dfota_passphrase_set(struct dfota_passphrase *pass, const char *text,
                                       size_t length, struct dfota_error *err)
{
    dfota_passphrase_wipe(pass);
    if (length > DFOTA_PASSPHRASE_MAX)
        return dfota_error_set(err, DFOTA_E_INVALID_ARGUMENT,
                               "passphrase is longer than %u bytes", DFOTA_PASSPHRASE_MAX);
    if (memchr(text, '\0', length) != NULL)
        return dfota_error_set(err, DFOTA_E_INVALID_ARGUMENT, "passphrase contains a NUL byte");
    memcpy(pass->text, text, length);
    pass->text[length] = '\0';
    pass->length = length;
    return DFOTA_OK;
}

/*
 * The first line of `fd`, one byte per read() so that nothing after it is
 * consumed (the descriptor may be shared, e.g. standard input). `source`
 * names it in messages: never a part of the --passin value that could be
 * the passphrase itself ("the file:" rather than the path).
 */
static enum dfota_status read_line(int fd, const char *source, struct dfota_passphrase *pass,
                                   struct dfota_error *err)
{
    char line[DFOTA_PASSPHRASE_MAX + 1];
    size_t length = 0;
    bool any = false;
    enum dfota_status st;

    for (;;) {
        char c;
        ssize_t n = read(fd, &c, 1);

        if (n < 0) {
            if (errno == EINTR)
                continue;
            st = dfota_error_set(err, DFOTA_E_IO, "cannot read the passphrase from %s: %s",
                                 source, strerror(errno));
            OPENSSL_cleanse(line, sizeof(line));
            return st;
        }
        if (n == 0)
            break;
        any = true;
        if (c == '\n')
            break;
        if (length == DFOTA_PASSPHRASE_MAX) {
            OPENSSL_cleanse(line, sizeof(line));
            return dfota_error_set(err, DFOTA_E_INVALID_ARGUMENT,
                                   "passphrase from %s is longer than %u bytes", source,
                                   DFOTA_PASSPHRASE_MAX);
        }
        line[length++] = c;
    }
    if (!any)
        return dfota_error_set(err, DFOTA_E_INVALID_ARGUMENT,
                               "no passphrase: nothing to read from %s", source);
    st = dfota_passphrase_set(pass, line, length, err);
    OPENSSL_cleanse(line, sizeof(line));
    return st;
}

enum dfota_status dfota_passphrase_read(const char *source, struct dfota_passphrase *pass,
                                        struct dfota_error *err)
{
    enum dfota_status st;

    dfota_passphrase_wipe(pass);
    if (source == NULL)
        return dfota_error_set(err, DFOTA_E_INVALID_ARGUMENT, "no passphrase source");
    if (strncmp(source, "pass:", 5) == 0) {
        st = dfota_passphrase_set(pass, source + 5, strlen(source + 5), err);
    } else if (strncmp(source, "env:", 4) == 0) {
        const char *value = getenv(source + 4);

        /* The name is not shown: "env:" before a passphrase is an easy slip. */
        if (source[4] == '\0' || value == NULL)
            return dfota_error_set(err, DFOTA_E_INVALID_ARGUMENT,
                                   "the environment variable named after env: is not set (the "
                                   "name is not shown: it may be the passphrase)");
        st = dfota_passphrase_set(pass, value, strlen(value), err);
    } else if (strncmp(source, "file:", 5) == 0) {
        int fd = open(source + 5, O_RDONLY | O_CLOEXEC);

        /* Nor the path, for the same reason. */
        if (fd < 0)
            return dfota_error_set(err, DFOTA_E_IO,
                                   "cannot open the passphrase file named after file: (%s; the "
                                   "path is not shown: it may be the passphrase)",
                                   strerror(errno));
        st = read_line(fd, "the file named after file:", pass, err);
        close(fd);
    } else if (strncmp(source, "fd:", 3) == 0) {
        char *end;
        long fd;

        errno = 0;
        fd = strtol(source + 3, &end, 10);
        if (source[3] < '0' || source[3] > '9' || *end != '\0' || errno != 0 || fd > INT_MAX)
            return dfota_error_set(err, DFOTA_E_INVALID_ARGUMENT,
                                   "fd: needs a file descriptor number (fd:0 .. fd:%d)",
                                   INT_MAX);
        st = read_line((int)fd, source, pass, err); /* "fd:N", N a number */
    } else if (strcmp(source, "stdin") == 0) {
        st = read_line(STDIN_FILENO, "standard input", pass, err);
    } else {
        /* Never quoted: a source without its prefix is most likely the passphrase itself. */
        return dfota_error_set(err, DFOTA_E_INVALID_ARGUMENT,
                               "unknown passphrase source (not shown: it may be the "
                               "passphrase); use pass:TEXT, env:VAR, file:PATH, fd:N or stdin");
    }
    if (st != DFOTA_OK)
        dfota_passphrase_wipe(pass);
    return st;
}

enum dfota_status dfota_passphrase_check(const struct dfota_passphrase *pass,
                                         struct dfota_error *err)
{
    const unsigned char *text = (const unsigned char *)pass->text;
    bool lower = false, upper = false, digit = false, other = false;
    size_t i, n, characters = 0;
    unsigned classes;

    for (i = 0; i < pass->length; i += n) {
        n = dfota_utf8_decode(text + i, pass->length - i, NULL);
        if (n == 0)
            return dfota_error_set(err, DFOTA_E_WEAK_PASSPHRASE,
                                   "passphrase is not valid UTF-8 (at byte %zu); the rule "
                                   "counts characters, so a new key's passphrase must be "
                                   "UTF-8 text",
                                   i + 1);
        characters++;
        if (text[i] >= 'a' && text[i] <= 'z')
            lower = true;
        else if (text[i] >= 'A' && text[i] <= 'Z')
            upper = true;
        else if (text[i] >= '0' && text[i] <= '9')
            digit = true;
        else
            other = true;
    }
    if (characters < DFOTA_PASSPHRASE_MIN)
        return dfota_error_set(err, DFOTA_E_WEAK_PASSPHRASE,
                               "passphrase has %zu character%s; at least %u are needed, from "
                               "at least 2 of the classes " DFOTA_PASSPHRASE_CLASSES,
                               characters, characters == 1 ? "" : "s", DFOTA_PASSPHRASE_MIN);
    classes = (unsigned)lower + (unsigned)upper + (unsigned)digit + (unsigned)other;
    if (classes < 2)
        return dfota_error_set(err, DFOTA_E_WEAK_PASSPHRASE,
                               "passphrase uses only %s; mix at least 2 of the classes "
                               DFOTA_PASSPHRASE_CLASSES,
                               lower   ? "lower case letters (a-z)"
                               : upper ? "upper case letters (A-Z)"
                               : digit ? "digits (0-9)"
                                       : "other characters");
    return DFOTA_OK;
}
