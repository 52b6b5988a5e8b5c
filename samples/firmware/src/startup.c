/*
 * startup.c - vector table and reset handler for the BC25 application core
 * (Cortex-M4F).  The bootloader jumps here with the stack pointer loaded
 * from word 0 of this image.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "bc25_regs.h"
#include "board.h"
#include "crc.h"
#include "fw_config.h"

extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss, _estack;
extern void __libc_init_array(void);
extern int main(void);

void Reset_Handler(void) __attribute__((noreturn));
void Default_Handler(void);
void HardFault_Handler(void) __attribute__((naked));
void hardfault_report(uint32_t *frame, uint32_t exc_return) __attribute__((used, noreturn));

#define WEAK_DEFAULT __attribute__((weak, alias("Default_Handler")))

void NMI_Handler(void) WEAK_DEFAULT;
void MemManage_Handler(void) WEAK_DEFAULT;
void BusFault_Handler(void) WEAK_DEFAULT;
void UsageFault_Handler(void) WEAK_DEFAULT;
void SVC_Handler(void) WEAK_DEFAULT;
void DebugMon_Handler(void) WEAK_DEFAULT;
void PendSV_Handler(void) WEAK_DEFAULT;
void SysTick_Handler(void) WEAK_DEFAULT;

void WDT_IRQHandler(void) WEAK_DEFAULT;
void RTC_IRQHandler(void) WEAK_DEFAULT;
void GPT0_IRQHandler(void) WEAK_DEFAULT;
void GPT1_IRQHandler(void) WEAK_DEFAULT;
void UART0_IRQHandler(void) WEAK_DEFAULT;
void UART1_IRQHandler(void) WEAK_DEFAULT;
void UART2_IRQHandler(void) WEAK_DEFAULT;
void SPI0_IRQHandler(void) WEAK_DEFAULT;
void I2C0_IRQHandler(void) WEAK_DEFAULT;
void GPIO_IRQHandler(void) WEAK_DEFAULT;
void EINT_IRQHandler(void) WEAK_DEFAULT;
void FLASH_IRQHandler(void) WEAK_DEFAULT;
void DMA_IRQHandler(void) WEAK_DEFAULT;
void MBOX_IRQHandler(void) WEAK_DEFAULT;
void MODEM_WAKE_IRQHandler(void) WEAK_DEFAULT;
void ADC_IRQHandler(void) WEAK_DEFAULT;
void CRYPTO_IRQHandler(void) WEAK_DEFAULT;
void TRNG_IRQHandler(void) WEAK_DEFAULT;
void PMU_IRQHandler(void) WEAK_DEFAULT;
void SIM_IRQHandler(void) WEAK_DEFAULT;

typedef void (*isr_t)(void);

typedef struct {
    uint32_t *initial_sp;
    isr_t     core[15];
    isr_t     irq[IRQ_COUNT];
} vector_table_t;

__attribute__((section(".isr_vector"), used))
const vector_table_t g_vector_table = {
    .initial_sp = &_estack,
    .core = {
        Reset_Handler,
        NMI_Handler,
        HardFault_Handler,
        MemManage_Handler,
        BusFault_Handler,
        UsageFault_Handler,
        0, 0, 0, 0,               /* reserved */
        SVC_Handler,
        DebugMon_Handler,
        0,                        /* reserved */
        PendSV_Handler,
        SysTick_Handler,
    },
    .irq = {
        [IRQ_WDT] = WDT_IRQHandler,
        [IRQ_RTC] = RTC_IRQHandler,
        [IRQ_GPT0] = GPT0_IRQHandler,
        [IRQ_GPT1] = GPT1_IRQHandler,
        [IRQ_UART0] = UART0_IRQHandler,
        [IRQ_UART1] = UART1_IRQHandler,
        [IRQ_UART2] = UART2_IRQHandler,
        [IRQ_SPI0] = SPI0_IRQHandler,
        [IRQ_I2C0] = I2C0_IRQHandler,
        [IRQ_GPIO] = GPIO_IRQHandler,
        [IRQ_EINT] = EINT_IRQHandler,
        [IRQ_FLASH] = FLASH_IRQHandler,
        [IRQ_DMA] = DMA_IRQHandler,
        [IRQ_MODEM_MBOX] = MBOX_IRQHandler,
        [IRQ_MODEM_WAKE] = MODEM_WAKE_IRQHandler,
        [IRQ_ADC] = ADC_IRQHandler,
        [IRQ_CRYPTO] = CRYPTO_IRQHandler,
        [IRQ_TRNG] = TRNG_IRQHandler,
        [IRQ_PMU] = PMU_IRQHandler,
        [IRQ_SIM] = SIM_IRQHandler,
        [20] = Default_Handler, [21] = Default_Handler, [22] = Default_Handler,
        [23] = Default_Handler, [24] = Default_Handler, [25] = Default_Handler,
        [26] = Default_Handler, [27] = Default_Handler, [28] = Default_Handler,
        [29] = Default_Handler, [30] = Default_Handler, [31] = Default_Handler,
    },
};



__attribute__((section(".noinit"))) crash_record_t g_crash_record;

static void system_clock_init(void)
{
    /* Enable the PLL (26 MHz TCXO x 4) and wait for lock. */
    PMU_PLL_CTRL = (4u << 8) | 1u;
    for (uint32_t guard = 0; guard < 100000u; guard++) {
        if (PMU_PLL_STATUS & PMU_PLL_LOCKED)
            break;
    }
    PMU_CLK_GATE |= CLK_GATE_UART0 | CLK_GATE_UART1 | CLK_GATE_RTC | CLK_GATE_FLASH |
                    CLK_GATE_MBOX | CLK_GATE_GPIO;
}

__attribute__((optimize("no-tree-loop-distribute-patterns")))
void Reset_Handler(void)
{
    uint32_t *src = &_sidata;
    uint32_t *dst = &_sdata;

    while (dst < &_edata)
        *dst++ = *src++;
    for (dst = &_sbss; dst < &_ebss; )
        *dst++ = 0;

    SCB_VTOR = (uint32_t)(uintptr_t)&g_vector_table;
    /* Full access to CP10/CP11 (FPU). */
    SCB_CPACR |= (0xFu << 20);
    __asm volatile ("dsb\n\tisb" ::: "memory");

    /* Trap divide by zero, enable the configurable fault handlers. */
    SCB_CCR |= SCB_CCR_DIV_0_TRP;
    SCB_SHCSR |= SCB_SHCSR_USGFAULTENA | SCB_SHCSR_BUSFAULTENA | SCB_SHCSR_MEMFAULTENA;

    system_clock_init();
    __libc_init_array();
    (void)main();

    for (;;)
        cpu_wfi();
}

void HardFault_Handler(void)
{
    __asm volatile (
        "tst   lr, #4\n\t"
        "ite   eq\n\t"
        "mrseq r0, msp\n\t"
        "mrsne r0, psp\n\t"
        "mov   r1, lr\n\t"
        "b     hardfault_report\n\t");
}

void hardfault_report(uint32_t *frame, uint32_t exc_return)
{
    g_crash_record.magic = CRASH_MAGIC;
    g_crash_record.r0 = frame[0];
    g_crash_record.r1 = frame[1];
    g_crash_record.r2 = frame[2];
    g_crash_record.r3 = frame[3];
    g_crash_record.r12 = frame[4];
    g_crash_record.lr = frame[5];
    g_crash_record.pc = frame[6];
    g_crash_record.xpsr = frame[7];
    g_crash_record.cfsr = SCB_CFSR;
    g_crash_record.hfsr = SCB_HFSR;
    g_crash_record.mmfar = SCB_MMFAR;
    g_crash_record.bfar = SCB_BFAR;
    g_crash_record.exc_return = exc_return;
    g_crash_record.crc = crc32c(&g_crash_record, offsetof(crash_record_t, crc));
    __asm volatile ("dsb" ::: "memory");
    SCB_AIRCR = SCB_AIRCR_VECTKEY | SCB_AIRCR_SYSRESETREQ;
    for (;;)
        ;
}

void Default_Handler(void)
{
    uint32_t ipsr;
    __asm volatile ("mrs %0, ipsr" : "=r"(ipsr));
    /* Unexpected interrupt: record it like a fault and reset. */
    g_crash_record.magic = CRASH_MAGIC;
    g_crash_record.pc = 0;
    g_crash_record.exc_return = ipsr & 0x1FFu;
    g_crash_record.crc = crc32c(&g_crash_record, offsetof(crash_record_t, crc));
    SCB_AIRCR = SCB_AIRCR_VECTKEY | SCB_AIRCR_SYSRESETREQ;
    for (;;)
        ;
}
