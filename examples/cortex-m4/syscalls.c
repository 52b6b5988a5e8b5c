/*
 * syscalls.c - the one system call newlib-nano's printf family references
 * on this bare-metal target. The device code never allocates, but
 * vsnprintf (used, in the normal build, to word an error message) links
 * newlib's string-stream code, whose buffer-growing path calls malloc and
 * so _sbrk; output to a fixed string never takes it. This _sbrk refuses
 * every request (ENOMEM) and counts them: main() fails the run if it was
 * ever called. The lean build (-DDFOTA_DEVICE_MESSAGES=0) has no printf
 * and does not link this at all.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include "syscalls.h"

unsigned sbrk_calls;

void *_sbrk(ptrdiff_t increment);
void *_sbrk(ptrdiff_t increment)
{
    (void)increment;
    sbrk_calls++;
    errno = ENOMEM;
    return (void *)(intptr_t)-1;
}
