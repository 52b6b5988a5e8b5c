/*
 * board.h - what the example firmware needs of the (emulated) board:
 * semihosting output, host files and exit (ARM semihosting through
 * BKPT 0xAB, which QEMU implements with -semihosting), and a system reset
 * (SCB->AIRCR.SYSRESETREQ).
 */
#ifndef BOARD_H
#define BOARD_H

#include <stddef.h>
#include <stdint.h>

/* Output on the host's standard output (SYS_WRITE0). */
void board_puts(const char *s);
void board_put_u32(uint32_t v);
void board_put_hex(const uint8_t *bytes, size_t n);

/* End the run with `status` as QEMU's exit status (SYS_EXIT_EXTENDED). */
__attribute__((noreturn)) void board_exit(int status);

/* A system reset, as a power cut: SYSRESETREQ. Never returns. */
__attribute__((noreturn)) void board_reset(void);

/* The semihosting command line (SYS_GET_CMDLINE) into `buf`: 0 or -1. */
int board_cmdline(char *buf, size_t size);

/* Host files: open for reading (binary) or writing, -1 on failure. */
int board_open(const char *name, int write);
/* Bytes read (fewer at the end of the file), -1 on failure. */
long board_read(int fd, void *buf, size_t len);
int board_write(int fd, const void *buf, size_t len);
long board_flen(int fd);
void board_close(int fd);

#endif
