/* at.h - AT command interpreter (3GPP TS 27.007 / V.250 style) */
#ifndef AT_H
#define AT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AT_LINE_MAX   560u
#define AT_MAX_ARGS   12u

typedef enum { AT_CMD_EXEC = 0, AT_CMD_TEST, AT_CMD_READ, AT_CMD_SET } at_cmd_type_t;

/* handler result: 0 = OK, negative = plain ERROR, positive = +CME ERROR code */
enum { AT_RES_OK = 0, AT_RES_ERROR = -1, AT_RES_PENDING = -2 };

typedef struct {
    at_cmd_type_t type;
    const char   *name;
    unsigned      argc;
    char         *argv[AT_MAX_ARGS];
    uint8_t       quoted[AT_MAX_ARGS];
    int           basic_value;     /* numeric suffix of basic commands (ATE1) */
} at_args_t;

typedef int (*at_handler_t)(const at_args_t *args);

typedef struct {
    const char  *name;       /* without the "AT" prefix, e.g. "+CFUN" */
    at_handler_t handler;
    const char  *syntax;     /* shown by AT+CLAC / help                */
} at_cmd_desc_t;

extern const at_cmd_desc_t g_at_cmd_table[];
extern const unsigned g_at_cmd_count;

void at_init(void);
void at_poll(void);
void at_process_line(char *line);
void at_resp(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void at_urc(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void at_final(int result);
void at_raw(const char *s, size_t len);

bool at_arg_present(const at_args_t *a, unsigned idx);
bool at_arg_int(const at_args_t *a, unsigned idx, long min, long max, long *out);
bool at_arg_uint_hex(const at_args_t *a, unsigned idx, uint32_t *out);
const char *at_arg_str(const at_args_t *a, unsigned idx);
bool at_arg_bits(const at_args_t *a, unsigned idx, unsigned nbits, uint32_t *out);

int  at_get_cmee(void);
void at_set_cmee(int mode);
bool at_get_echo(void);
void at_set_echo(bool on);
void at_set_verbose(bool on);
void at_set_quiet(bool on);
unsigned at_commands_processed(void);

#endif
