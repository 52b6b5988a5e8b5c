/*
 * test_signer_passphrase.c - the signtool's passphrase rule, and every
 * OpenSSL-style passphrase source.
 */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "signer_helpers.h"

#include "dfota/keys.h"

static enum dfota_status check(const char *text)
{
    struct dfota_passphrase pass;
    struct dfota_error err;
    enum dfota_status st;

    assert_int_equal(dfota_passphrase_set(&pass, text, strlen(text), &err), DFOTA_OK);
    st = dfota_passphrase_check(&pass, &err);
    if (st != DFOTA_OK)
        assert_true(strlen(err.message) > 0);
    dfota_passphrase_wipe(&pass);
    return st;
}

static void rule_accepts_six_characters_from_two_classes(void **state)
{
    (void)state;
    assert_int_equal(check("abcde1"), DFOTA_OK);
    assert_int_equal(check("ABCDEf"), DFOTA_OK);
    assert_int_equal(check("123456-"), DFOTA_OK);
    assert_int_equal(check("Abc123"), DFOTA_OK);
    assert_int_equal(check("pass word"), DFOTA_OK);          /* space is "other" */
    /* Non-ASCII is "other": five CJK characters (15 bytes) and a letter make six. */
    assert_int_equal(check("\xe5\xaf\x86\xe7\xa0\x81\xe5\xaf\x86\xe7\xa0\x81\xe5\xaf\x86" "a"),
                     DFOTA_OK);
    assert_int_equal(check("correct horse battery staple"), DFOTA_OK);
}

static void rule_refuses_short_or_single_class(void **state)
{
    struct dfota_passphrase pass;
    struct dfota_error err;

    (void)state;
    assert_int_equal(check(""), DFOTA_E_WEAK_PASSPHRASE);
    assert_int_equal(check("Ab1!x"), DFOTA_E_WEAK_PASSPHRASE); /* 5 characters */
    assert_int_equal(check("abcdefgh"), DFOTA_E_WEAK_PASSPHRASE);
    assert_int_equal(check("ABCDEFGH"), DFOTA_E_WEAK_PASSPHRASE);
    assert_int_equal(check("12345678"), DFOTA_E_WEAK_PASSPHRASE);
    assert_int_equal(check("!@#$%^&*"), DFOTA_E_WEAK_PASSPHRASE);
    dfota_passphrase_set(&pass, "abcdefgh", 8, &err);
    assert_int_equal(dfota_passphrase_check(&pass, &err), DFOTA_E_WEAK_PASSPHRASE);
    assert_non_null(strstr(err.message, "only lower case letters"));
    dfota_passphrase_set(&pass, "aB1", 3, &err);
    assert_int_equal(dfota_passphrase_check(&pass, &err), DFOTA_E_WEAK_PASSPHRASE);
    assert_non_null(strstr(err.message, "at least 6"));
}

/* The rule counts characters (UTF-8 code points), not bytes. */
static void rule_counts_characters_not_bytes(void **state)
{
    struct dfota_passphrase pass;
    struct dfota_error err;

    (void)state;
    /* "\u20ac\u20aca": 3 characters in 7 bytes. */
    assert_int_equal(dfota_passphrase_set(&pass, "\xe2\x82\xac\xe2\x82\xac" "a", 7, &err),
                     DFOTA_OK);
    assert_int_equal(dfota_passphrase_check(&pass, &err), DFOTA_E_WEAK_PASSPHRASE);
    assert_non_null(strstr(err.message, "has 3 characters"));
    assert_int_equal(check("\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac" "a"),
                     DFOTA_E_WEAK_PASSPHRASE);                          /* 5 characters */
    assert_int_equal(check("\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac" "a"),
                     DFOTA_OK);                                         /* 6 characters */
    assert_int_equal(check("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9" "1"),
                     DFOTA_E_WEAK_PASSPHRASE);                          /* "\u00e9" x4 + 1 */
    assert_int_equal(check("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9" "12"), DFOTA_OK);
    /* A 4-byte character (U+1F511) is one character too. */
    assert_int_equal(check("\xf0\x9f\x94\x91\xf0\x9f\x94\x91" "abc"), DFOTA_E_WEAK_PASSPHRASE);
    assert_int_equal(check("\xf0\x9f\x94\x91\xf0\x9f\x94\x91" "abcd"), DFOTA_OK);
    dfota_passphrase_wipe(&pass);
}

/* Bytes that are not UTF-8 cannot be counted as characters: refused, saying why. */
static void rule_refuses_invalid_utf8(void **state)
{
    static const char *const invalid[] = {
        "Passw\xf6rd1",               /* Latin-1 o-umlaut */
        "abcdef1\x80",                /* stray continuation byte */
        "abcdef1\xc3",                /* truncated sequence at the end */
        "abc\xe2\x82" "def1",          /* truncated sequence inside */
        "abcdef1\xc0\xaf",            /* overlong '/' */
        "abcdef1\xe0\x80\xaf",        /* overlong, 3 bytes */
        "abcdef1\xf0\x80\x80\xaf",    /* overlong, 4 bytes */
        "abcdef1\xed\xa0\x80",        /* surrogate U+D800 */
        "abcdef1\xf4\x90\x80\x80",    /* U+110000 */
        "abcdef1\xff",                /* never in UTF-8 */
    };
    struct dfota_passphrase pass;
    struct dfota_error err;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
        assert_int_equal(dfota_passphrase_set(&pass, invalid[i], strlen(invalid[i]), &err),
                         DFOTA_OK);
        assert_int_equal(dfota_passphrase_check(&pass, &err), DFOTA_E_WEAK_PASSPHRASE);
        assert_non_null(strstr(err.message, "not valid UTF-8"));
    }
    /* The edges of the valid range are accepted. */
    assert_int_equal(check("abcde\xf4\x8f\xbf\xbf"), DFOTA_OK);  /* U+10FFFF */
    assert_int_equal(check("abcde\xee\x80\x80"), DFOTA_OK);      /* U+E000 */
    assert_int_equal(check("abcde\xc2\x80"), DFOTA_OK);          /* U+0080 */
    dfota_passphrase_wipe(&pass);
}

/* Every refusal names the four classes, so a user knows what to add. */
static void rule_message_names_the_classes(void **state)
{
    static const char *const weak[] = {"aB1", "abcdefgh", "ABCDEFGH", "12345678", "!@#$%^&*"};
    struct dfota_passphrase pass;
    struct dfota_error err;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(weak) / sizeof(weak[0]); i++) {
        assert_int_equal(dfota_passphrase_set(&pass, weak[i], strlen(weak[i]), &err), DFOTA_OK);
        assert_int_equal(dfota_passphrase_check(&pass, &err), DFOTA_E_WEAK_PASSPHRASE);
        assert_non_null(strstr(err.message, "lower case (a-z)"));
        assert_non_null(strstr(err.message, "upper case (A-Z)"));
        assert_non_null(strstr(err.message, "digits (0-9)"));
        assert_non_null(strstr(err.message, "other (every other character"));
        /* Never the passphrase itself. */
        assert_null(strstr(err.message, weak[i]));
    }
    dfota_passphrase_wipe(&pass);
}

static void read_pass_and_env(void **state)
{
    struct dfota_passphrase pass;
    struct dfota_error err;

    (void)state;
    assert_int_equal(dfota_passphrase_read("pass:Secret-12", &pass, &err), DFOTA_OK);
    assert_string_equal(pass.text, "Secret-12");
    assert_int_equal(pass.length, 9);
    /* pass: takes everything after the colon, colons and spaces included. */
    assert_int_equal(dfota_passphrase_read("pass:a:b c", &pass, &err), DFOTA_OK);
    assert_string_equal(pass.text, "a:b c");
    assert_int_equal(setenv("DFOTA_TEST_PASS", "From-Env 7", 1), 0);
    assert_int_equal(dfota_passphrase_read("env:DFOTA_TEST_PASS", &pass, &err), DFOTA_OK);
    assert_string_equal(pass.text, "From-Env 7");
    unsetenv("DFOTA_TEST_PASS");
    assert_int_equal(dfota_passphrase_read("env:DFOTA_TEST_PASS", &pass, &err),
                     DFOTA_E_INVALID_ARGUMENT);
    /* The name is not shown: after env: by mistake, it would be the passphrase. */
    assert_non_null(strstr(err.message, "named after env: is not set"));
    assert_null(strstr(err.message, "DFOTA_TEST_PASS"));
    assert_int_equal(pass.length, 0);
    assert_int_equal(dfota_passphrase_read("env:", &pass, &err), DFOTA_E_INVALID_ARGUMENT);
    dfota_passphrase_wipe(&pass);
}

static void read_file_takes_the_first_line(void **state)
{
    struct dfota_passphrase pass;
    struct dfota_error err;
    char dir[256], path[300], source[320];

    (void)state;
    signer_test_mkdtemp(dir);
    snprintf(path, sizeof(path), "%s/pass.txt", dir);
    snprintf(source, sizeof(source), "file:%s", path);
    signer_test_write(path, "First-line1\nsecond line\n", 24);
    assert_int_equal(dfota_passphrase_read(source, &pass, &err), DFOTA_OK);
    assert_string_equal(pass.text, "First-line1");
    /* No final newline: the whole file. */
    signer_test_write(path, "NoNewline9", 10);
    assert_int_equal(dfota_passphrase_read(source, &pass, &err), DFOTA_OK);
    assert_string_equal(pass.text, "NoNewline9");
    /* As OpenSSL: only '\n' ends the line; a '\r' before it stays. */
    signer_test_write(path, "Dos-line1\r\n", 11);
    assert_int_equal(dfota_passphrase_read(source, &pass, &err), DFOTA_OK);
    assert_string_equal(pass.text, "Dos-line1\r");
    /* An empty line is an empty passphrase; an empty file is an error. */
    signer_test_write(path, "\nignored\n", 9);
    assert_int_equal(dfota_passphrase_read(source, &pass, &err), DFOTA_OK);
    assert_int_equal(pass.length, 0);
    signer_test_write(path, "", 0);
    assert_int_equal(dfota_passphrase_read(source, &pass, &err), DFOTA_E_INVALID_ARGUMENT);
    assert_non_null(strstr(err.message, "nothing to read"));
    /* NUL bytes cannot be part of a passphrase. */
    signer_test_write(path, "ab\0cd12\n", 8);
    assert_int_equal(dfota_passphrase_read(source, &pass, &err), DFOTA_E_INVALID_ARGUMENT);
    assert_non_null(strstr(err.message, "NUL"));
    /* A missing file is an I/O error naming the file. */
    snprintf(source, sizeof(source), "file:%s/missing.txt", dir);
    assert_int_equal(dfota_passphrase_read(source, &pass, &err), DFOTA_E_IO);
    assert_non_null(strstr(err.message, "No such file"));
    signer_test_rmdir(dir);
}

static void read_too_long_is_refused(void **state)
{
    struct dfota_passphrase pass;
    struct dfota_error err;
    char dir[256], path[300], source[320];
    static char text[DFOTA_PASSPHRASE_MAX + 16];

    (void)state;
    memset(text, 'a', sizeof(text));
    memcpy(text, "pass:", 5);
    text[5 + DFOTA_PASSPHRASE_MAX] = '\0';
    assert_int_equal(dfota_passphrase_read(text, &pass, &err), DFOTA_OK);
    assert_int_equal(pass.length, DFOTA_PASSPHRASE_MAX);
    text[5 + DFOTA_PASSPHRASE_MAX] = 'a';
    text[6 + DFOTA_PASSPHRASE_MAX] = '\0';
    assert_int_equal(dfota_passphrase_read(text, &pass, &err), DFOTA_E_INVALID_ARGUMENT);
    assert_int_equal(pass.length, 0);

    signer_test_mkdtemp(dir);
    snprintf(path, sizeof(path), "%s/long.txt", dir);
    snprintf(source, sizeof(source), "file:%s", path);
    signer_test_write(path, text + 5, DFOTA_PASSPHRASE_MAX + 1);
    assert_int_equal(dfota_passphrase_read(source, &pass, &err), DFOTA_E_INVALID_ARGUMENT);
    assert_non_null(strstr(err.message, "longer than"));
    signer_test_rmdir(dir);
}

static void read_fd_from_a_pipe_leaves_the_rest(void **state)
{
    struct dfota_passphrase pass;
    struct dfota_error err;
    char source[32], rest[16];
    int fds[2];

    (void)state;
    assert_int_equal(pipe(fds), 0);
    assert_int_equal(write(fds[1], "Pipe-Pass8\nrest", 15), 15);
    close(fds[1]);
    snprintf(source, sizeof(source), "fd:%d", fds[0]);
    assert_int_equal(dfota_passphrase_read(source, &pass, &err), DFOTA_OK);
    assert_string_equal(pass.text, "Pipe-Pass8");
    /* Only the first line was consumed. */
    assert_int_equal(read(fds[0], rest, sizeof(rest)), 4);
    assert_memory_equal(rest, "rest", 4);
    /* At end of file: nothing to read. */
    assert_int_equal(dfota_passphrase_read(source, &pass, &err), DFOTA_E_INVALID_ARGUMENT);
    close(fds[0]);
    /* A closed descriptor: I/O error. */
    assert_int_equal(dfota_passphrase_read(source, &pass, &err), DFOTA_E_IO);
    assert_int_equal(dfota_passphrase_read("fd:", &pass, &err), DFOTA_E_INVALID_ARGUMENT);
    assert_int_equal(dfota_passphrase_read("fd:3x", &pass, &err), DFOTA_E_INVALID_ARGUMENT);
    assert_int_equal(dfota_passphrase_read("fd:-1", &pass, &err), DFOTA_E_INVALID_ARGUMENT);
}

static void read_stdin(void **state)
{
    struct dfota_passphrase pass;
    struct dfota_error err;
    int fds[2], saved;

    (void)state;
    assert_int_equal(pipe(fds), 0);
    assert_int_equal(write(fds[1], "Stdin-Pass5\n", 12), 12);
    close(fds[1]);
    saved = dup(STDIN_FILENO);
    assert_true(saved >= 0);
    assert_int_equal(dup2(fds[0], STDIN_FILENO), STDIN_FILENO);
    close(fds[0]);
    assert_int_equal(dfota_passphrase_read("stdin", &pass, &err), DFOTA_OK);
    assert_int_equal(dup2(saved, STDIN_FILENO), STDIN_FILENO);
    close(saved);
    assert_string_equal(pass.text, "Stdin-Pass5");
    dfota_passphrase_wipe(&pass);
}

static void unknown_source_is_refused(void **state)
{
    struct dfota_passphrase pass;
    struct dfota_error err;

    (void)state;
    assert_int_equal(dfota_passphrase_read("Secret12", &pass, &err), DFOTA_E_INVALID_ARGUMENT);
    assert_non_null(strstr(err.message, "pass:TEXT, env:VAR, file:PATH, fd:N or stdin"));
    assert_int_equal(dfota_passphrase_read("STDIN", &pass, &err), DFOTA_E_INVALID_ARGUMENT);
    assert_int_equal(dfota_passphrase_read(NULL, &pass, &err), DFOTA_E_INVALID_ARGUMENT);
}

/* A passphrase given without "pass:" (or a mistyped fd:) is never quoted back. */
static void unknown_source_is_not_echoed(void **state)
{
    static const char *const mistyped[] = {"MyS3cretPassphrase", "fd:MyS3cretPassphrase",
                                           "Pass:MyS3cretPassphrase", "MyS3cretPassphrase:x"};
    struct dfota_passphrase pass;
    struct dfota_error err;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(mistyped) / sizeof(mistyped[0]); i++) {
        assert_int_equal(dfota_passphrase_read(mistyped[i], &pass, &err),
                         DFOTA_E_INVALID_ARGUMENT);
        assert_true(strlen(err.message) > 0);
        assert_null(strstr(err.message, "MyS3"));
        assert_null(strstr(err.message, "Passphrase"));
    }
}

static void wipe_clears_everything(void **state)
{
    struct dfota_passphrase pass;
    struct dfota_error err;
    size_t i;

    (void)state;
    assert_int_equal(dfota_passphrase_read("pass:Wipe-Me-42", &pass, &err), DFOTA_OK);
    dfota_passphrase_wipe(&pass);
    assert_int_equal(pass.length, 0);
    for (i = 0; i < sizeof(pass.text); i++)
        assert_int_equal(pass.text[i], 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rule_accepts_six_characters_from_two_classes),
        cmocka_unit_test(rule_refuses_short_or_single_class),
        cmocka_unit_test(rule_counts_characters_not_bytes),
        cmocka_unit_test(rule_refuses_invalid_utf8),
        cmocka_unit_test(rule_message_names_the_classes),
        cmocka_unit_test(read_pass_and_env),
        cmocka_unit_test(read_file_takes_the_first_line),
        cmocka_unit_test(read_too_long_is_refused),
        cmocka_unit_test(read_fd_from_a_pipe_leaves_the_rest),
        cmocka_unit_test(read_stdin),
        cmocka_unit_test(unknown_source_is_refused),
        cmocka_unit_test(unknown_source_is_not_echoed),
        cmocka_unit_test(wipe_clears_everything),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
