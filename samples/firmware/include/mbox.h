/* mbox.h - mailbox between the application core and the NB-IoT protocol stack */
#ifndef MBOX_H
#define MBOX_H

#include <stdbool.h>
#include <stdint.h>

typedef enum {
    MBOX_EVT_NONE = 0,
    MBOX_EVT_CFUN_DONE,        /* arg0 = fun                                */
    MBOX_EVT_SIM_STATE,        /* arg0 = SIM_STATUS bits                    */
    MBOX_EVT_CELL_FOUND,       /* arg0 = earfcn, arg1 = pci, arg2 = band    */
    MBOX_EVT_CELL_LOST,
    MBOX_EVT_ATTACH_ACCEPT,    /* arg0 = tac, arg1 = ci, arg2 = roaming, arg3 = t3412 code, arg4 = t3324 code, arg5 = plmn */
    MBOX_EVT_ATTACH_REJECT,    /* arg0 = EMM cause                          */
    MBOX_EVT_DETACH,           /* arg0 = EMM cause (0 = local)              */
    MBOX_EVT_TAU_ACCEPT,       /* arg0 = tac, arg1 = ci                     */
    MBOX_EVT_RRC_CONNECTED,
    MBOX_EVT_RRC_RELEASED,
    MBOX_EVT_PSM_ENTER,
    MBOX_EVT_PSM_EXIT,
    MBOX_EVT_MEAS,             /* arg0 = rsrp q8, arg1 = rssi q8, arg2 = signal lin, arg3 = noise lin, arg4 = ecl, arg5 = tx power dbm*10 */
    MBOX_EVT_NEIGHBOURS,       /* arg0 = pointer to text report, arg1 = len, arg2 = CRC-16/CCITT */
    MBOX_EVT_NITZ,             /* arg0 = utc epoch, arg1 = tz quarter hours (signed), arg2 = dst */
    MBOX_EVT_PDN_ACTIVE,       /* arg0 = ipv4 address, arg1 = cid           */
    MBOX_EVT_PDN_INACTIVE,     /* arg0 = cid, arg1 = ESM cause              */
    MBOX_EVT_EDRX_PARAMS,      /* arg0 = nw edrx value, arg1 = ptw          */
    MBOX_EVT_SOCK_RX,          /* arg0 = socket, arg1 = pointer, arg2 = len */
    MBOX_EVT_SOCK_STATE,       /* arg0 = socket, arg1 = state, arg2 = error */
    MBOX_EVT_DNS_RESULT,       /* arg0 = request id, arg1 = ipv4 (0 = failure) */
    MBOX_EVT_COUNT
} mbox_evt_id_t;

typedef enum {
    MBOX_REQ_CFUN = 1,
    MBOX_REQ_ATTACH,
    MBOX_REQ_DETACH,
    MBOX_REQ_SET_PSM,
    MBOX_REQ_SET_EDRX,
    MBOX_REQ_SET_BANDS,
    MBOX_REQ_LOCK_EARFCN,
    MBOX_REQ_SET_APN,
    MBOX_REQ_SOCK_OPEN,
    MBOX_REQ_SOCK_SEND,
    MBOX_REQ_SOCK_CLOSE,
    MBOX_REQ_DNS_QUERY,
    MBOX_REQ_RELEASE_RRC,
} mbox_req_id_t;

typedef struct {
    uint32_t id;
    uint32_t arg[6];
} mbox_evt_t;

void mbox_init(void);
int  mbox_request(mbox_req_id_t id, const uint32_t *args, unsigned nargs);
bool mbox_get_event(mbox_evt_t *evt);
const char *mbox_evt_name(uint32_t id);
uint32_t mbox_events_dropped(void);

#endif
