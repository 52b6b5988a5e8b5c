/* syscalls.h - see syscalls.c. */
#ifndef SYSCALLS_H
#define SYSCALLS_H

/* Times malloc asked for memory (always refused). */
extern unsigned sbrk_calls;

#endif
