/*
 * board.c - semihosting and reset for the example firmware on mps2-an386.
 */
#include "board.h"

#include <string.h>

#define SYS_OPEN 0x01u
#define SYS_CLOSE 0x02u
#define SYS_WRITE0 0x04u
#define SYS_WRITE 0x05u
#define SYS_READ 0x06u
#define SYS_FLEN 0x0cu
#define SYS_GET_CMDLINE 0x15u
#define SYS_EXIT 0x18u
#define SYS_EXIT_EXTENDED 0x20u
#define ADP_STOPPED_APPLICATION_EXIT 0x20026u

#define SCB_AIRCR (*(volatile uint32_t *)0xE000ED0Cu)
#define AIRCR_VECTKEY (0x05FAu << 16)
#define AIRCR_SYSRESETREQ (1u << 2)

static uint32_t semihost(uint32_t op, const void *arg)
{
    register uint32_t r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

void board_puts(const char *s)
{
    semihost(SYS_WRITE0, s);
}

void board_put_u32(uint32_t v)
{
    char text[11];
    size_t i = sizeof(text) - 1;
    text[i] = '\0';
    do {
        text[--i] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v != 0);
    board_puts(text + i);
}

void board_put_hex(const uint8_t *bytes, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    char text[2 * 32 + 1];
    while (n > 0) {
        size_t take = n < 32 ? n : 32, i;
        for (i = 0; i < take; i++) {
            text[2 * i] = digits[bytes[i] >> 4];
            text[2 * i + 1] = digits[bytes[i] & 15u];
        }
        text[2 * take] = '\0';
        board_puts(text);
        bytes += take;
        n -= take;
    }
}

void board_exit(int status)
{
    /* SYS_EXIT_EXTENDED: QEMU exits with the subcode as its status. */
    uint32_t block[2] = {ADP_STOPPED_APPLICATION_EXIT, (uint32_t)status};
    semihost(SYS_EXIT_EXTENDED, block);
    /* A host without it: plain SYS_EXIT, success or failure only. */
    semihost(SYS_EXIT, (const void *)(uintptr_t)(status == 0 ? ADP_STOPPED_APPLICATION_EXIT : 0u));
    for (;;) {
    }
}

void board_reset(void)
{
    __asm__ volatile("dsb" ::: "memory");
    SCB_AIRCR = AIRCR_VECTKEY | AIRCR_SYSRESETREQ;
    __asm__ volatile("dsb" ::: "memory");
    for (;;) {
    }
}

int board_cmdline(char *buf, size_t size)
{
    uint32_t block[2] = {(uint32_t)(uintptr_t)buf, (uint32_t)size};
    if (size == 0 || semihost(SYS_GET_CMDLINE, block) != 0)
        return -1;
    buf[block[1] < size ? block[1] : size - 1] = '\0';
    return 0;
}

int board_open(const char *name, int write)
{
    /* Modes: 1 "rb", 5 "wb". */
    uint32_t block[3] = {(uint32_t)(uintptr_t)name, write ? 5u : 1u, (uint32_t)strlen(name)};
    return (int)semihost(SYS_OPEN, block);
}

long board_read(int fd, void *buf, size_t len)
{
    uint32_t block[3] = {(uint32_t)fd, (uint32_t)(uintptr_t)buf, (uint32_t)len};
    uint32_t left = semihost(SYS_READ, block); /* bytes not read */
    return left > len ? -1 : (long)(len - left);
}

int board_write(int fd, const void *buf, size_t len)
{
    uint32_t block[3] = {(uint32_t)fd, (uint32_t)(uintptr_t)buf, (uint32_t)len};
    return semihost(SYS_WRITE, block) == 0 ? 0 : -1;
}

long board_flen(int fd)
{
    uint32_t block[1] = {(uint32_t)fd};
    return (long)(int32_t)semihost(SYS_FLEN, block);
}

void board_close(int fd)
{
    uint32_t block[1] = {(uint32_t)fd};
    semihost(SYS_CLOSE, block);
}
