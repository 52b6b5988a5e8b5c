/* at_cmds_lwm2m.c - AT+QLW* commands controlling the LwM2M client */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "at.h"
#include "at_handlers.h"
#include "errcodes.h"
#include "log.h"
#include "lwm2m.h"
#include "url.h"

/*
 * AT+QLWSERV="<host>",<port>
 * AT+QLWSERV="coap://<host>[:<port>]"
 */
int at_h_qlwserv(const at_args_t *a)
{
    const lwm2m_config_t *c = lwm2m_get_config();
    const char *host;
    long port;
    url_t url;

    switch (a->type) {
    case AT_CMD_READ:
        at_resp("+QLWSERV: \"%s\",%u", c->server, (unsigned)c->port);
        return AT_RES_OK;
    case AT_CMD_SET:
        host = at_arg_str(a, 0);
        if (host == NULL)
            return CME_INCORRECT_PARAMETERS;
        if (strstr(host, "://") != NULL) {
            int r = url_parse(host, &url);
            if (r != URL_OK) {
                LOGW("LWM2M", "server URL rejected: %s", url_strerror(r));
                return CME_INCORRECT_PARAMETERS;
            }
            if (strcmp(url.scheme, "coap") != 0 && strcmp(url.scheme, "coaps") != 0)
                return CME_INCORRECT_PARAMETERS;
            return lwm2m_set_server(url.host, url.port) == 0 ? AT_RES_OK : CME_QUEC_LWM2M_BUSY;
        }
        if (!at_arg_int(a, 1, 1, 65535, &port))
            return CME_INCORRECT_PARAMETERS;
        {
            int r = lwm2m_set_server(host, (uint16_t)port);
            return r == 0 ? AT_RES_OK : r;
        }
    default:
        return CME_OPERATION_NOT_SUPPORTED;
    }
}

/* AT+QLWCONF="<endpoint>",<lifetime>[,<binding>[,"<psk id>","<psk hex>"]] */
int at_h_qlwconf(const at_args_t *a)
{
    const lwm2m_config_t *c = lwm2m_get_config();
    const char *ep;
    long lifetime, binding = 0;
    int r;

    switch (a->type) {
    case AT_CMD_READ:
        at_resp("+QLWCONF: \"%s\",%lu,%u,%u", c->endpoint, (unsigned long)c->lifetime_s,
                (unsigned)c->binding, (unsigned)c->security);
        return AT_RES_OK;
    case AT_CMD_SET:
        ep = at_arg_str(a, 0);
        if (ep == NULL || !at_arg_int(a, 1, 60, 2592000, &lifetime))
            return CME_INCORRECT_PARAMETERS;
        if (a->argc > 2 && !at_arg_int(a, 2, 0, 1, &binding))
            return CME_INCORRECT_PARAMETERS;
        r = lwm2m_configure(ep, (uint32_t)lifetime, (uint8_t)binding);
        if (r != 0)
            return r;
        if (a->argc == 5) {
            const char *id = at_arg_str(a, 3);
            const char *psk = at_arg_str(a, 4);
            if (id == NULL || psk == NULL)
                return CME_INCORRECT_PARAMETERS;
            return lwm2m_set_psk(id, psk) == 0 ? AT_RES_OK : CME_INCORRECT_PARAMETERS;
        }
        return AT_RES_OK;
    default:
        return CME_OPERATION_NOT_SUPPORTED;
    }
}

int at_h_qlwreg(const at_args_t *a)
{
    int r;
    if (a->type != AT_CMD_EXEC)
        return a->type == AT_CMD_TEST ? AT_RES_OK : CME_OPERATION_NOT_SUPPORTED;
    r = lwm2m_register();
    return r == 0 ? AT_RES_OK : r;
}

int at_h_qlwdereg(const at_args_t *a)
{
    int r;
    if (a->type != AT_CMD_EXEC)
        return a->type == AT_CMD_TEST ? AT_RES_OK : CME_OPERATION_NOT_SUPPORTED;
    r = lwm2m_deregister();
    return r == 0 ? AT_RES_OK : r;
}

int at_h_qlwupdate(const at_args_t *a)
{
    long with_objects = 0;
    int r;
    if (a->type == AT_CMD_SET && !at_arg_int(a, 0, 0, 1, &with_objects))
        return CME_INCORRECT_PARAMETERS;
    if (a->type != AT_CMD_SET && a->type != AT_CMD_EXEC)
        return CME_OPERATION_NOT_SUPPORTED;
    r = lwm2m_update(with_objects == 1);
    return r == 0 ? AT_RES_OK : r;
}

int at_h_qlwstatus(const at_args_t *a)
{
    char json[384];
    lwm2m_state_t st = lwm2m_state();

    if (a->type == AT_CMD_TEST)
        return AT_RES_OK;
    if (a->type != AT_CMD_EXEC && a->type != AT_CMD_READ)
        return CME_OPERATION_NOT_SUPPORTED;
    if (st == LWM2M_ST_REGISTERED)
        at_resp("+QLWSTATUS: %d,\"%s\",\"%s\",%lu", (int)st, lwm2m_state_name(st), lwm2m_location(),
                (unsigned long)lwm2m_next_update_s());
    else
        at_resp("+QLWSTATUS: %d,\"%s\"", (int)st, lwm2m_state_name(st));
    if (a->type == AT_CMD_READ && lwm2m_device_json(json, sizeof(json)) > 0)
        at_resp("+QLWSTATUS: %s", json);
    return AT_RES_OK;
}
