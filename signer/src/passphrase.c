/*
 * passphrase.c - passphrases from OpenSSL-style sources, and the signtool's
 * strength rule.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "dfota/keys.h"

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
 * consumed (the descriptor may be shared, e.g. standard input).
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
            st = dfota_error_set(err, DFOTA_E_IO, "cannot read passphrase from '%s': %s", source,
                                 strerror(errno));
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
                                   "passphrase from '%s' is longer than %u bytes", source,
                                   DFOTA_PASSPHRASE_MAX);
        }
        line[length++] = c;
    }
    if (!any)
        return dfota_error_set(err, DFOTA_E_INVALID_ARGUMENT,
                               "no passphrase: nothing to read from '%s'", source);
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

        if (source[4] == '\0' || value == NULL)
            return dfota_error_set(err, DFOTA_E_INVALID_ARGUMENT,
                                   "environment variable '%s' is not set", source + 4);
        st = dfota_passphrase_set(pass, value, strlen(value), err);
    } else if (strncmp(source, "file:", 5) == 0) {
        int fd = open(source + 5, O_RDONLY | O_CLOEXEC);

        if (fd < 0)
            return dfota_error_set(err, DFOTA_E_IO, "cannot open passphrase file '%s': %s",
                                   source + 5, strerror(errno));
        st = read_line(fd, source, pass, err);
        close(fd);
    } else if (strncmp(source, "fd:", 3) == 0) {
        char *end;
        long fd;

        errno = 0;
        fd = strtol(source + 3, &end, 10);
        if (source[3] < '0' || source[3] > '9' || *end != '\0' || errno != 0 || fd > INT_MAX)
            return dfota_error_set(err, DFOTA_E_INVALID_ARGUMENT,
                                   "'%s': fd: needs a file descriptor number", source);
        st = read_line((int)fd, source, pass, err);
    } else if (strcmp(source, "stdin") == 0) {
        st = read_line(STDIN_FILENO, source, pass, err);
    } else {
        return dfota_error_set(err, DFOTA_E_INVALID_ARGUMENT,
                               "unknown passphrase source '%.40s'; use pass:TEXT, env:VAR, "
                               "file:PATH, fd:N or stdin",
                               source);
    }
    if (st != DFOTA_OK)
        dfota_passphrase_wipe(pass);
    return st;
}

enum dfota_status dfota_passphrase_check(const struct dfota_passphrase *pass,
                                         struct dfota_error *err)
{
    bool lower = false, upper = false, digit = false, other = false;
    unsigned classes;
    size_t i;

    if (pass->length < DFOTA_PASSPHRASE_MIN)
        return dfota_error_set(err, DFOTA_E_WEAK_PASSPHRASE,
                               "passphrase has %zu characters; at least %u are needed",
                               pass->length, DFOTA_PASSPHRASE_MIN);
    for (i = 0; i < pass->length; i++) {
        unsigned char c = (unsigned char)pass->text[i];

        if (c >= 'a' && c <= 'z')
            lower = true;
        else if (c >= 'A' && c <= 'Z')
            upper = true;
        else if (c >= '0' && c <= '9')
            digit = true;
        else
            other = true;
    }
    classes = (unsigned)lower + (unsigned)upper + (unsigned)digit + (unsigned)other;
    if (classes < 2)
        return dfota_error_set(err, DFOTA_E_WEAK_PASSPHRASE,
                               "passphrase uses only %s; mix at least 2 of lower case, upper "
                               "case, digits and other characters",
                               lower   ? "lower case letters"
                               : upper ? "upper case letters"
                               : digit ? "digits"
                                       : "other characters");
    return DFOTA_OK;
}
