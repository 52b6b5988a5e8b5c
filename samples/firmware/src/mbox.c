/* mbox.c - event queue fed by the protocol stack mailbox interrupt */
#include <string.h>
#include "mbox.h"
#include "bc25_regs.h"
#include "board.h"
#include "log.h"

#define MBOX_QUEUE_LEN 16u
#define MBOX_REQ_TIMEOUT_MS 50u

static mbox_evt_t s_queue[MBOX_QUEUE_LEN];
static volatile uint8_t s_head, s_tail;
static uint32_t s_dropped;

static const char *const s_evt_names[MBOX_EVT_COUNT] = {
    [MBOX_EVT_NONE] = "NONE",
    [MBOX_EVT_CFUN_DONE] = "CFUN_DONE",
    [MBOX_EVT_SIM_STATE] = "SIM_STATE",
    [MBOX_EVT_CELL_FOUND] = "CELL_FOUND",
    [MBOX_EVT_CELL_LOST] = "CELL_LOST",
    [MBOX_EVT_ATTACH_ACCEPT] = "ATTACH_ACCEPT",
    [MBOX_EVT_ATTACH_REJECT] = "ATTACH_REJECT",
    [MBOX_EVT_DETACH] = "DETACH",
    [MBOX_EVT_TAU_ACCEPT] = "TAU_ACCEPT",
    [MBOX_EVT_RRC_CONNECTED] = "RRC_CONNECTED",
    [MBOX_EVT_RRC_RELEASED] = "RRC_RELEASED",
    [MBOX_EVT_PSM_ENTER] = "PSM_ENTER",
    [MBOX_EVT_PSM_EXIT] = "PSM_EXIT",
    [MBOX_EVT_MEAS] = "MEAS",
    [MBOX_EVT_NEIGHBOURS] = "NEIGHBOURS",
    [MBOX_EVT_NITZ] = "NITZ",
    [MBOX_EVT_PDN_ACTIVE] = "PDN_ACTIVE",
    [MBOX_EVT_PDN_INACTIVE] = "PDN_INACTIVE",
    [MBOX_EVT_EDRX_PARAMS] = "EDRX_PARAMS",
    [MBOX_EVT_SOCK_RX] = "SOCK_RX",
    [MBOX_EVT_SOCK_STATE] = "SOCK_STATE",
    [MBOX_EVT_DNS_RESULT] = "DNS_RESULT",
};

const char *mbox_evt_name(uint32_t id)
{
    if (id >= MBOX_EVT_COUNT || s_evt_names[id] == NULL)
        return "UNKNOWN";
    return s_evt_names[id];
}

void mbox_init(void)
{
    s_head = s_tail = 0;
    s_dropped = 0;
    MBOX_EVT_ACK = 0xFFFFFFFFu;
    MBOX_INTEN = 1u;
    irq_enable_line(IRQ_MODEM_MBOX, 2);
}

void MBOX_IRQHandler(void)
{
    while (MBOX_EVT_STATUS & MBOX_EVT_PENDING) {
        uint8_t next = (uint8_t)((s_head + 1u) % MBOX_QUEUE_LEN);
        if (next == s_tail) {
            s_dropped++;
        } else {
            mbox_evt_t *e = &s_queue[s_head];
            e->id = MBOX_EVT_ID;
            for (unsigned i = 0; i < 6; i++)
                e->arg[i] = MBOX_EVT_ARG(i);
            s_head = next;
        }
        MBOX_EVT_ACK = 1u;
    }
}

bool mbox_get_event(mbox_evt_t *evt)
{
    if (s_tail == s_head)
        return false;
    *evt = s_queue[s_tail];
    s_tail = (uint8_t)((s_tail + 1u) % MBOX_QUEUE_LEN);
    return true;
}

uint32_t mbox_events_dropped(void)
{
    return s_dropped;
}

int mbox_request(mbox_req_id_t id, const uint32_t *args, unsigned nargs)
{
    uint32_t start = board_millis();

    if (nargs > 6)
        return -1;
    while (MBOX_REQ_BUSY) {
        if (board_millis() - start > MBOX_REQ_TIMEOUT_MS) {
            LOGW("MBOX", "request %u timed out (stack busy)", (unsigned)id);
            return -2;
        }
    }
    MBOX_REQ_ID = (uint32_t)id;
    for (unsigned i = 0; i < 6; i++)
        MBOX_REQ_ARG(i) = i < nargs ? args[i] : 0u;
    MBOX_REQ_DOORBELL = 1u;
    return 0;
}
