/* uart.c - interrupt driven UART driver for the AT (UART0) and debug (UART1) ports */
#include <string.h>
#include "uart.h"
#include "ringbuf.h"
#include "bc25_regs.h"

#define UART0_RX_SIZE 1024u
#define UART0_TX_SIZE 2048u
#define UART1_RX_SIZE 64u
#define UART1_TX_SIZE 4096u

typedef struct {
    uart_regs_t *regs;
    ringbuf_t    rx;
    ringbuf_t    tx;
    uint32_t     baud;
    uart_stats_t stats;
    unsigned     irq;
    bool         initialised;
} uart_dev_t;

static uint8_t s_uart0_rx[UART0_RX_SIZE];
static uint8_t s_uart0_tx[UART0_TX_SIZE];
static uint8_t s_uart1_rx[UART1_RX_SIZE];
static uint8_t s_uart1_tx[UART1_TX_SIZE];

static uart_dev_t s_uart[UART_PORT_COUNT];

static const uint32_t s_bauds[] = {
    4800u, 9600u, 19200u, 38400u, 57600u, 115200u, 230400u, 460800u, 921600u
};

const uint32_t *uart_supported_bauds(size_t *count)
{
    *count = sizeof(s_bauds) / sizeof(s_bauds[0]);
    return s_bauds;
}

bool uart_baud_supported(uint32_t baud)
{
    for (size_t i = 0; i < sizeof(s_bauds) / sizeof(s_bauds[0]); i++) {
        if (s_bauds[i] == baud)
            return true;
    }
    return false;
}

/* 16x oversampling, 6-bit fractional divider. */
static void uart_set_divisor(uart_regs_t *r, uint32_t baud)
{
    uint32_t div16 = 16u * baud;
    uint32_t integer = PERIPH_CLK_HZ / div16;
    uint32_t rem = PERIPH_CLK_HZ % div16;
    uint32_t frac = (rem * 64u + div16 / 2u) / div16;
    if (frac >= 64u) {
        integer++;
        frac -= 64u;
    }
    r->BAUDDIV = integer;
    r->FRACDIV = frac;
}

int uart_init(uart_port_t port, uint32_t baud, bool flow_control)
{
    uart_dev_t *d;

    if (port >= UART_PORT_COUNT || !uart_baud_supported(baud))
        return -1;
    d = &s_uart[port];
    if (port == UART_PORT_MAIN) {
        d->regs = UART0;
        d->irq = IRQ_UART0;
        rb_init(&d->rx, s_uart0_rx, sizeof(s_uart0_rx));
        rb_init(&d->tx, s_uart0_tx, sizeof(s_uart0_tx));
    } else {
        d->regs = UART1;
        d->irq = IRQ_UART1;
        rb_init(&d->rx, s_uart1_rx, sizeof(s_uart1_rx));
        rb_init(&d->tx, s_uart1_tx, sizeof(s_uart1_tx));
    }
    memset(&d->stats, 0, sizeof(d->stats));
    d->baud = baud;

    d->regs->CTRL = 0;
    uart_set_divisor(d->regs, baud);
    d->regs->FIFOCTRL = (8u << 8) | 8u;   /* rx / tx trigger levels */
    d->regs->INTCLR = 0xFFFFFFFFu;
    d->regs->CTRL = UART_CTRL_EN | UART_CTRL_TXEN | UART_CTRL_RXEN |
                    (flow_control ? UART_CTRL_RTSCTS : 0u);
    d->regs->INTEN = UART_INT_RX | UART_INT_RXTO | UART_INT_ERR;
    irq_enable_line(d->irq, 3);
    d->initialised = true;
    return 0;
}

uint32_t uart_get_baud(uart_port_t port)
{
    return port < UART_PORT_COUNT ? s_uart[port].baud : 0;
}

const uart_stats_t *uart_get_stats(uart_port_t port)
{
    return port < UART_PORT_COUNT ? &s_uart[port].stats : NULL;
}

size_t uart_write(uart_port_t port, const void *data, size_t len)
{
    uart_dev_t *d = &s_uart[port];
    const uint8_t *p = data;
    size_t done = 0;

    if (port >= UART_PORT_COUNT || !d->initialised)
        return 0;

    while (done < len) {
        size_t n = rb_write(&d->tx, p + done, len - done);
        done += n;
        d->regs->INTEN |= UART_INT_TX;
        if (done < len) {
            /* TX buffer full: the main port blocks, the debug port drops. */
            if (port == UART_PORT_DEBUG)
                break;
            d->tx.dropped -= (uint32_t)(len - done);
            while (rb_free(&d->tx) < 64u && (d->regs->INTEN & UART_INT_TX))
                ;
        }
    }
    d->stats.tx_bytes += (uint32_t)done;
    return done;
}

void uart_puts(uart_port_t port, const char *s)
{
    uart_write(port, s, strlen(s));
}

int uart_getc(uart_port_t port)
{
    uint8_t c;
    if (port >= UART_PORT_COUNT || !rb_get(&s_uart[port].rx, &c))
        return -1;
    return c;
}

size_t uart_rx_available(uart_port_t port)
{
    return port < UART_PORT_COUNT ? rb_used(&s_uart[port].rx) : 0;
}

void uart_flush(uart_port_t port)
{
    uart_dev_t *d = &s_uart[port];
    if (port >= UART_PORT_COUNT || !d->initialised)
        return;
    while (rb_used(&d->tx) != 0 || !(d->regs->STATUS & UART_STATUS_TC))
        ;
}

static void uart_isr(uart_dev_t *d)
{
    uart_regs_t *r = d->regs;
    uint32_t st = r->STATUS;

    if (st & (UART_STATUS_ORE | UART_STATUS_FE | UART_STATUS_PE)) {
        if (st & UART_STATUS_ORE)
            d->stats.overruns++;
        if (st & UART_STATUS_FE)
            d->stats.framing_errors++;
        if (st & UART_STATUS_PE)
            d->stats.parity_errors++;
        r->INTCLR = UART_INT_ERR;
    }
    while (r->STATUS & UART_STATUS_RXNE) {
        uint8_t c = (uint8_t)r->DATA;
        d->stats.rx_bytes++;
        if (!rb_put(&d->rx, c))
            d->stats.rx_dropped++;
    }
    if (r->INTEN & UART_INT_TX) {
        uint8_t c;
        while (r->STATUS & UART_STATUS_TXE) {
            if (!rb_get(&d->tx, &c)) {
                r->INTEN &= ~UART_INT_TX;
                break;
            }
            r->DATA = c;
        }
    }
    r->INTCLR = UART_INT_RX | UART_INT_RXTO | UART_INT_TX;
}

void UART0_IRQHandler(void)
{
    uart_isr(&s_uart[UART_PORT_MAIN]);
}

void UART1_IRQHandler(void)
{
    uart_isr(&s_uart[UART_PORT_DEBUG]);
}
