/*
 * Startup of the dfota example firmware (Cortex-M4, mps2-an386): the vector
 * table and the reset handler, which copies .data from its load address,
 * zeroes .bss and calls main(). Every fault ends the run through
 * semihosting with exit status 3, naming the exception.
 */
#include <stdint.h>

#include "board.h"

extern uint32_t __stack_top[];
extern uint32_t __data_start[], __data_end[], __data_load[];
extern uint32_t __bss_start[], __bss_end[];

int main(void);

void reset_handler(void);
void fault_handler(void);

void reset_handler(void)
{
    const uint32_t *src = __data_load;
    for (uint32_t *dst = __data_start; dst < __data_end; dst++)
        *dst = *src++;
    for (uint32_t *dst = __bss_start; dst < __bss_end; dst++)
        *dst = 0;
    board_exit(main());
}

void fault_handler(void)
{
    uint32_t ipsr;
    __asm__ volatile("mrs %0, ipsr" : "=r"(ipsr));
    board_puts("fault: exception ");
    board_put_u32(ipsr & 0x1ffu);
    board_puts(" (3 HardFault, 4 MemManage, 5 BusFault, 6 UsageFault)\n");
    board_exit(3);
}

typedef void (*vector)(void);

/* Initial stack pointer, then the 15 system exceptions; no interrupt is
 * enabled, so no external vectors are needed. */
__attribute__((section(".vectors"), used)) static const vector vectors[16] = {
    (vector)(uintptr_t)__stack_top,
    reset_handler,
    fault_handler, /* NMI */
    fault_handler, /* HardFault */
    fault_handler, /* MemManage */
    fault_handler, /* BusFault */
    fault_handler, /* UsageFault */
    0, 0, 0, 0,
    fault_handler, /* SVCall */
    fault_handler, /* DebugMonitor */
    0,
    fault_handler, /* PendSV */
    fault_handler, /* SysTick */
};
