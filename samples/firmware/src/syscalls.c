/*
 * syscalls.c - newlib system call layer.  stdout/stderr go to the debug
 * UART, the heap grows from the end of .bss towards the stack guard.
 */
#include <errno.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/times.h>
#include "uart.h"
#include "board.h"
#include "timeutil.h"

#undef errno
extern int errno;

extern char __heap_start[];
extern char __heap_end[];

static char *s_brk = __heap_start;

void *_sbrk(ptrdiff_t incr)
{
    char *prev = s_brk;
    if (incr < 0 || (size_t)(__heap_end - s_brk) < (size_t)incr) {
        errno = ENOMEM;
        return (void *)-1;
    }
    s_brk += incr;
    return prev;
}

int _write(int fd, const char *buf, int len)
{
    if (fd != 1 && fd != 2) {
        errno = EBADF;
        return -1;
    }
    if (len <= 0)
        return 0;
    /* translate LF to CRLF for terminal programs */
    int start = 0;
    for (int i = 0; i < len; i++) {
        if (buf[i] == '\n') {
            uart_write(UART_PORT_DEBUG, buf + start, (size_t)(i - start));
            uart_write(UART_PORT_DEBUG, "\r\n", 2);
            start = i + 1;
        }
    }
    uart_write(UART_PORT_DEBUG, buf + start, (size_t)(len - start));
    return len;
}

int _read(int fd, char *buf, int len)
{
    int n = 0;
    if (fd != 0) {
        errno = EBADF;
        return -1;
    }
    while (n < len) {
        int c = uart_getc(UART_PORT_DEBUG);
        if (c < 0)
            break;
        buf[n++] = (char)c;
    }
    return n;
}

int _close(int fd)
{
    (void)fd;
    errno = EBADF;
    return -1;
}

int _fstat(int fd, struct stat *st)
{
    if (fd < 0 || fd > 2) {
        errno = EBADF;
        return -1;
    }
    st->st_mode = S_IFCHR;
    st->st_blksize = 0;
    return 0;
}

int _isatty(int fd)
{
    return fd >= 0 && fd <= 2;
}

int _lseek(int fd, int offset, int whence)
{
    (void)fd;
    (void)offset;
    (void)whence;
    errno = ESPIPE;
    return -1;
}

int _open(const char *path, int flags, int mode)
{
    (void)path;
    (void)flags;
    (void)mode;
    errno = ENOSYS;
    return -1;
}

int _getpid(void)
{
    return 1;
}

int _kill(int pid, int sig)
{
    (void)pid;
    (void)sig;
    errno = EINVAL;
    return -1;
}

void _exit(int status)
{
    (void)status;
    board_reset();
}

int _gettimeofday(struct timeval *tv, void *tz)
{
    (void)tz;
    if (tv) {
        tv->tv_sec = time_utc();
        tv->tv_usec = (suseconds_t)((board_millis() % 1000u) * 1000u);
    }
    return 0;
}

clock_t _times(struct tms *buf)
{
    clock_t t = (clock_t)board_millis();
    if (buf) {
        buf->tms_utime = t;
        buf->tms_stime = 0;
        buf->tms_cutime = 0;
        buf->tms_cstime = 0;
    }
    return t;
}
