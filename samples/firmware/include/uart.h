/* uart.h - interrupt driven UART driver */
#ifndef UART_H
#define UART_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum { UART_PORT_MAIN = 0, UART_PORT_DEBUG = 1, UART_PORT_COUNT } uart_port_t;

typedef struct {
    uint32_t rx_bytes;
    uint32_t tx_bytes;
    uint32_t overruns;
    uint32_t framing_errors;
    uint32_t parity_errors;
    uint32_t rx_dropped;
} uart_stats_t;

bool   uart_baud_supported(uint32_t baud);
int    uart_init(uart_port_t port, uint32_t baud, bool flow_control);
size_t uart_write(uart_port_t port, const void *data, size_t len);
void   uart_puts(uart_port_t port, const char *s);
int    uart_getc(uart_port_t port);
size_t uart_rx_available(uart_port_t port);
void   uart_flush(uart_port_t port);
uint32_t uart_get_baud(uart_port_t port);
const uart_stats_t *uart_get_stats(uart_port_t port);
const uint32_t *uart_supported_bauds(size_t *count);

#endif
