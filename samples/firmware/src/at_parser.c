/*
 * at_parser.c - ITU-T V.250 / 3GPP TS 27.007 command line handling:
 * line assembly with echo and backspace, "A/" repeat, basic commands
 * (ATE0V1...), extended commands with test/read/set/exec forms, several
 * extended commands per line separated by ';', result codes in verbose or
 * numeric form and deferred unsolicited result codes.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "at.h"
#include "errcodes.h"
#include "log.h"
#include "nvcfg.h"
#include "uart.h"

#define AT_RESP_MAX   600u
#define URC_QUEUE_LEN 6u
#define URC_MAX       160u

typedef struct {
    char     line[AT_LINE_MAX];
    size_t   len;
    char     last[AT_LINE_MAX];
    bool     overflow;
    bool     busy;              /* executing a command: defer URCs */
    bool     verbose;
    bool     quiet;
    unsigned processed;
    char     urc[URC_QUEUE_LEN][URC_MAX];
    uint8_t  urc_head, urc_count;
    uint32_t urc_dropped;
} at_ctx_t;

static at_ctx_t s_at;

void at_init(void)
{
    memset(&s_at, 0, sizeof(s_at));
    s_at.verbose = true;
}

void at_raw(const char *s, size_t len)
{
    uart_write(UART_PORT_MAIN, s, len);
}

static void at_vline(const char *fmt, va_list ap)
{
    char buf[AT_RESP_MAX];
    int n;

    buf[0] = '\r';
    buf[1] = '\n';
    n = vsnprintf(buf + 2, sizeof(buf) - 4, fmt, ap);
    if (n < 0)
        return;
    if ((size_t)n > sizeof(buf) - 5)
        n = (int)(sizeof(buf) - 5);
    n += 2;
    buf[n++] = '\r';
    buf[n++] = '\n';
    at_raw(buf, (size_t)n);
}

void at_resp(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    at_vline(fmt, ap);
    va_end(ap);
}

static void urc_flush(void)
{
    while (s_at.urc_count) {
        uint8_t idx = (uint8_t)((s_at.urc_head + URC_QUEUE_LEN - s_at.urc_count) % URC_QUEUE_LEN);
        at_resp("%s", s_at.urc[idx]);
        s_at.urc_count--;
    }
}

void at_urc(const char *fmt, ...)
{
    va_list ap;

    if (s_at.busy || s_at.len != 0) {
        /* a command is being typed or executed: queue the URC */
        if (s_at.urc_count == URC_QUEUE_LEN) {
            s_at.urc_dropped++;
            return;
        }
        va_start(ap, fmt);
        vsnprintf(s_at.urc[s_at.urc_head], URC_MAX, fmt, ap);
        va_end(ap);
        s_at.urc_head = (uint8_t)((s_at.urc_head + 1u) % URC_QUEUE_LEN);
        s_at.urc_count++;
        return;
    }
    va_start(ap, fmt);
    at_vline(fmt, ap);
    va_end(ap);
}

void at_final(int result)
{
    char buf[96];
    int n;

    if (result == AT_RES_PENDING || s_at.quiet)
        return;
    if (!s_at.verbose) {
        /* V0: numeric result codes, no leading CR LF */
        if (result == AT_RES_OK)
            at_raw("0\r", 2);
        else
            at_raw("4\r", 2);
        return;
    }
    if (result == AT_RES_OK) {
        at_raw("\r\nOK\r\n", 6);
        return;
    }
    if (result < 0 || g_cfg.cmee == 0) {
        at_raw("\r\nERROR\r\n", 9);
        return;
    }
    if (g_cfg.cmee == 2)
        n = snprintf(buf, sizeof(buf), "\r\n+CME ERROR: %s\r\n", cme_error_str(result));
    else
        n = snprintf(buf, sizeof(buf), "\r\n+CME ERROR: %d\r\n", result);
    if (n > 0)
        at_raw(buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

/* ---- argument helpers ---------------------------------------------------- */

bool at_arg_present(const at_args_t *a, unsigned idx)
{
    return idx < a->argc && (a->argv[idx][0] != '\0' || a->quoted[idx]);
}

bool at_arg_int(const at_args_t *a, unsigned idx, long min, long max, long *out)
{
    char *end;
    long v;

    if (!at_arg_present(a, idx) || a->quoted[idx])
        return false;
    v = strtol(a->argv[idx], &end, 10);
    if (*end != '\0' || v < min || v > max)
        return false;
    *out = v;
    return true;
}

bool at_arg_uint_hex(const at_args_t *a, unsigned idx, uint32_t *out)
{
    char *end;
    unsigned long v;
    if (!at_arg_present(a, idx))
        return false;
    v = strtoul(a->argv[idx], &end, 16);
    if (*end != '\0' || end == a->argv[idx])
        return false;
    *out = (uint32_t)v;
    return true;
}

const char *at_arg_str(const at_args_t *a, unsigned idx)
{
    return at_arg_present(a, idx) ? a->argv[idx] : NULL;
}

bool at_arg_bits(const at_args_t *a, unsigned idx, unsigned nbits, uint32_t *out)
{
    const char *s = at_arg_str(a, idx);
    uint32_t v = 0;
    if (s == NULL || strlen(s) != nbits)
        return false;
    for (unsigned i = 0; i < nbits; i++) {
        if (s[i] != '0' && s[i] != '1')
            return false;
        v = (v << 1) | (uint32_t)(s[i] - '0');
    }
    *out = v;
    return true;
}

/* ---- settings ---------------------------------------------------------- */

int at_get_cmee(void) { return g_cfg.cmee; }
void at_set_cmee(int mode) { g_cfg.cmee = (uint8_t)mode; }
bool at_get_echo(void) { return g_cfg.echo != 0; }
void at_set_echo(bool on) { g_cfg.echo = on; }
void at_set_verbose(bool on) { s_at.verbose = on; }
void at_set_quiet(bool on) { s_at.quiet = on; }
unsigned at_commands_processed(void) { return s_at.processed; }

/* ---- parsing ------------------------------------------------------------- */

static const at_cmd_desc_t *find_cmd(const char *name)
{
    for (unsigned i = 0; i < g_at_cmd_count; i++) {
        if (strcasecmp(g_at_cmd_table[i].name, name) == 0)
            return &g_at_cmd_table[i];
    }
    return NULL;
}

/* split "a,\"b,c\",,d" in place; returns -1 on unbalanced quotes */
static int split_args(char *s, at_args_t *a)
{
    a->argc = 0;
    if (*s == '\0')
        return 0;
    for (;;) {
        char *start, *w;
        bool quoted = false;

        if (a->argc >= AT_MAX_ARGS)
            return -1;
        while (*s == ' ')
            s++;
        start = w = s;
        while (*s && *s != ',') {
            if (*s == '"') {
                quoted = true;
                s++;
                while (*s && *s != '"')
                    *w++ = *s++;
                if (*s != '"')
                    return -1;
                s++;
            } else if (*s == ' ' && !quoted) {
                s++;           /* spaces outside quotes are ignored */
            } else {
                *w++ = *s++;
            }
        }
        bool more = (*s == ',');
        *w = '\0';
        a->argv[a->argc] = start;
        a->quoted[a->argc] = quoted;
        a->argc++;
        if (!more)
            break;
        s++;
    }
    return 0;
}

/* find the end of one extended command (';' outside quotes) */
static char *segment_end(char *s)
{
    bool in_quotes = false;
    for (; *s; s++) {
        if (*s == '"')
            in_quotes = !in_quotes;
        else if (*s == ';' && !in_quotes)
            return s;
    }
    return s;
}

static int run_extended(char *cmd)
{
    at_args_t args;
    char name[24];
    size_t n = 0;
    const at_cmd_desc_t *d;
    char *p = cmd;

    memset(&args, 0, sizeof(args));
    name[n++] = *p++;                       /* '+', '*', '$' or '^' */
    while (isalnum((unsigned char)*p) || *p == '_') {
        if (n >= sizeof(name) - 1)
            return AT_RES_ERROR;
        name[n++] = (char)toupper((unsigned char)*p++);
    }
    name[n] = '\0';
    d = find_cmd(name);
    if (d == NULL) {
        LOGD("AT", "unknown command AT%s", name);
        return AT_RES_ERROR;
    }
    args.name = d->name;
    if (p[0] == '=' && p[1] == '?' && p[2] == '\0') {
        args.type = AT_CMD_TEST;
    } else if (p[0] == '?' && p[1] == '\0') {
        args.type = AT_CMD_READ;
    } else if (p[0] == '=') {
        args.type = AT_CMD_SET;
        if (split_args(p + 1, &args) != 0)
            return CME_INCORRECT_PARAMETERS;
    } else if (p[0] == '\0') {
        args.type = AT_CMD_EXEC;
    } else {
        return AT_RES_ERROR;
    }
    if (args.type == AT_CMD_TEST && d->syntax != NULL && d->syntax[0] == '+') {
        /* generic test response when the handler does not need state */
        int r = d->handler(&args);
        if (r != CME_OPERATION_NOT_SUPPORTED)
            return r;
        at_resp("%s", d->syntax);
        return AT_RES_OK;
    }
    return d->handler(&args);
}

/* basic commands: E, V, Q, Z, I, &F, &W with optional numeric value */
static int run_basic(char **pp)
{
    char *p = *pp;
    char name[3] = { 0, 0, 0 };
    at_args_t args;
    const at_cmd_desc_t *d;

    memset(&args, 0, sizeof(args));
    if (*p == '&') {
        name[0] = '&';
        name[1] = (char)toupper((unsigned char)p[1]);
        p += 2;
    } else {
        name[0] = (char)toupper((unsigned char)*p++);
    }
    args.basic_value = 0;
    if (isdigit((unsigned char)*p))
        args.basic_value = (int)strtol(p, &p, 10);
    *pp = p;
    d = find_cmd(name);
    if (d == NULL)
        return AT_RES_ERROR;
    args.name = d->name;
    args.type = AT_CMD_EXEC;
    return d->handler(&args);
}

void at_process_line(char *line)
{
    char *p = line;
    int result = AT_RES_OK;

    while (*p == ' ')
        p++;
    if (*p == '\0')
        return;
    if (toupper((unsigned char)p[0]) != 'A' || toupper((unsigned char)p[1]) != 'T') {
        at_final(AT_RES_ERROR);
        return;
    }
    p += 2;
    s_at.busy = true;
    s_at.processed++;

    while (*p && result == AT_RES_OK) {
        if (*p == '+' || *p == '*' || *p == '$' || *p == '^') {
            char *end = segment_end(p);
            bool more = (*end == ';');
            *end = '\0';
            result = run_extended(p);
            p = more ? end + 1 : end;
        } else if (isalpha((unsigned char)*p) || *p == '&') {
            result = run_basic(&p);
        } else if (*p == ';' || *p == ' ') {
            p++;
        } else {
            result = AT_RES_ERROR;
        }
    }
    s_at.busy = false;
    at_final(result);
    urc_flush();
}

void at_poll(void)
{
    int c;

    while ((c = uart_getc(UART_PORT_MAIN)) >= 0) {
        if (g_cfg.echo) {
            char e = (char)c;
            at_raw(&e, 1);
        }
        if (c == '\b' || c == 0x7F) {
            if (s_at.len)
                s_at.len--;
            continue;
        }
        if (c == '\n' && s_at.len == 0)
            continue;                        /* LF after CR */
        if (c == '/' && s_at.len == 1 && toupper((unsigned char)s_at.line[0]) == 'A') {
            /* "A/" repeats the previous command line */
            s_at.len = 0;
            memcpy(s_at.line, s_at.last, sizeof(s_at.line));
            at_process_line(s_at.line);
            continue;
        }
        if (c == '\r' || c == '\n') {
            s_at.line[s_at.len] = '\0';
            if (s_at.overflow) {
                LOGW("AT", "command line too long, discarded");
                at_final(AT_RES_ERROR);
            } else if (s_at.len) {
                memcpy(s_at.last, s_at.line, s_at.len + 1);
                s_at.len = 0;
                at_process_line(s_at.line);
            }
            s_at.len = 0;
            s_at.overflow = false;
            urc_flush();
            continue;
        }
        if (s_at.len < sizeof(s_at.line) - 1)
            s_at.line[s_at.len++] = (char)c;
        else
            s_at.overflow = true;
    }
    if (s_at.len == 0 && !s_at.busy)
        urc_flush();
}
