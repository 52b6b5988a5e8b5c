/*
 * bc25_regs.h - register map of the (simplified) BC25 application SoC.
 *
 * The Cortex-M4 core registers are architectural.  The peripheral blocks
 * below model the handful of SoC peripherals used by the application
 * firmware; their base addresses follow the APB layout of the board
 * support package used by this project.
 */
#ifndef BC25_REGS_H
#define BC25_REGS_H

#include <stdint.h>

#define REG32(addr) (*(volatile uint32_t *)(uintptr_t)(addr))

/* ---- Cortex-M4 system control space ---------------------------------- */
#define SCB_CPUID   REG32(0xE000ED00u)
#define SCB_ICSR    REG32(0xE000ED04u)
#define SCB_VTOR    REG32(0xE000ED08u)
#define SCB_AIRCR   REG32(0xE000ED0Cu)
#define SCB_SCR     REG32(0xE000ED10u)
#define SCB_CCR     REG32(0xE000ED14u)
#define SCB_SHCSR   REG32(0xE000ED24u)
#define SCB_CFSR    REG32(0xE000ED28u)
#define SCB_HFSR    REG32(0xE000ED2Cu)
#define SCB_MMFAR   REG32(0xE000ED34u)
#define SCB_BFAR    REG32(0xE000ED38u)
#define SCB_CPACR   REG32(0xE000ED88u)

#define SCB_AIRCR_VECTKEY      (0x05FAu << 16)
#define SCB_AIRCR_SYSRESETREQ  (1u << 2)
#define SCB_SCR_SLEEPDEEP      (1u << 2)
#define SCB_CCR_DIV_0_TRP      (1u << 4)
#define SCB_CCR_UNALIGN_TRP    (1u << 3)
#define SCB_SHCSR_USGFAULTENA  (1u << 18)
#define SCB_SHCSR_BUSFAULTENA  (1u << 17)
#define SCB_SHCSR_MEMFAULTENA  (1u << 16)

#define SYST_CSR    REG32(0xE000E010u)
#define SYST_RVR    REG32(0xE000E014u)
#define SYST_CVR    REG32(0xE000E018u)
#define SYST_CSR_ENABLE    (1u << 0)
#define SYST_CSR_TICKINT   (1u << 1)
#define SYST_CSR_CLKSOURCE (1u << 2)

#define NVIC_ISER(n)  REG32(0xE000E100u + 4u * (n))
#define NVIC_ICER(n)  REG32(0xE000E180u + 4u * (n))
#define NVIC_ICPR(n)  REG32(0xE000E280u + 4u * (n))
#define NVIC_IPR8(n)  (*(volatile uint8_t *)(uintptr_t)(0xE000E400u + (n)))

/* ---- SoC interrupt numbers ------------------------------------------- */
enum {
    IRQ_WDT = 0,
    IRQ_RTC = 1,
    IRQ_GPT0 = 2,
    IRQ_GPT1 = 3,
    IRQ_UART0 = 4,
    IRQ_UART1 = 5,
    IRQ_UART2 = 6,
    IRQ_SPI0 = 7,
    IRQ_I2C0 = 8,
    IRQ_GPIO = 9,
    IRQ_EINT = 10,
    IRQ_FLASH = 11,
    IRQ_DMA = 12,
    IRQ_MODEM_MBOX = 13,
    IRQ_MODEM_WAKE = 14,
    IRQ_ADC = 15,
    IRQ_CRYPTO = 16,
    IRQ_TRNG = 17,
    IRQ_PMU = 18,
    IRQ_SIM = 19,
    IRQ_COUNT = 32
};

/* ---- System clock / power management unit ---------------------------- */
#define SYSCLK_HZ        104000000u     /* CPU clock after PLL lock          */
#define PERIPH_CLK_HZ    26000000u      /* peripheral clock (26 MHz TCXO)    */

#define PMU_BASE         0x400A0000u
#define PMU_PLL_CTRL     REG32(PMU_BASE + 0x00u)
#define PMU_PLL_STATUS   REG32(PMU_BASE + 0x04u)
#define PMU_CLK_GATE     REG32(PMU_BASE + 0x08u)
#define PMU_RESET_CAUSE  REG32(PMU_BASE + 0x0Cu)
#define PMU_SLEEP_CTRL   REG32(PMU_BASE + 0x10u)
#define PMU_VBAT_MV      REG32(PMU_BASE + 0x14u)
#define PMU_TEMP_RAW     REG32(PMU_BASE + 0x18u)
#define PMU_RETENTION    REG32(PMU_BASE + 0x1Cu)
#define PMU_PLL_LOCKED   (1u << 0)
#define PMU_SLEEP_DEEP   (1u << 0)
#define PMU_SLEEP_RETAIN (1u << 1)

#define CLK_GATE_UART0   (1u << 0)
#define CLK_GATE_UART1   (1u << 1)
#define CLK_GATE_RTC     (1u << 4)
#define CLK_GATE_FLASH   (1u << 5)
#define CLK_GATE_MBOX    (1u << 6)
#define CLK_GATE_CRYPTO  (1u << 7)
#define CLK_GATE_GPIO    (1u << 8)

/* ---- UART ------------------------------------------------------------- */
typedef struct {
    volatile uint32_t DATA;       /* 0x00 rx/tx data                       */
    volatile uint32_t STATUS;     /* 0x04 line status                      */
    volatile uint32_t CTRL;       /* 0x08 control                          */
    volatile uint32_t BAUDDIV;    /* 0x0C integer divisor                  */
    volatile uint32_t FRACDIV;    /* 0x10 fractional divisor (1/64)        */
    volatile uint32_t INTEN;      /* 0x14 interrupt enable                 */
    volatile uint32_t INTSTAT;    /* 0x18 interrupt status                 */
    volatile uint32_t INTCLR;     /* 0x1C interrupt clear                  */
    volatile uint32_t FIFOCTRL;   /* 0x20 fifo thresholds                  */
} uart_regs_t;

#define UART0_BASE 0x400C0000u    /* main AT command port                  */
#define UART1_BASE 0x400C1000u    /* debug / log port                      */
#define UART0 ((uart_regs_t *)(uintptr_t)UART0_BASE)
#define UART1 ((uart_regs_t *)(uintptr_t)UART1_BASE)

#define UART_STATUS_RXNE   (1u << 0)
#define UART_STATUS_TXE    (1u << 1)
#define UART_STATUS_TC     (1u << 2)
#define UART_STATUS_ORE    (1u << 3)
#define UART_STATUS_FE     (1u << 4)
#define UART_STATUS_PE     (1u << 5)
#define UART_CTRL_EN       (1u << 0)
#define UART_CTRL_TXEN     (1u << 1)
#define UART_CTRL_RXEN     (1u << 2)
#define UART_CTRL_RTSCTS   (1u << 3)
#define UART_CTRL_PARITY_EVEN (1u << 4)
#define UART_CTRL_PARITY_ODD  (2u << 4)
#define UART_CTRL_STOP2    (1u << 6)
#define UART_INT_RX        (1u << 0)
#define UART_INT_TX        (1u << 1)
#define UART_INT_ERR       (1u << 2)
#define UART_INT_RXTO      (1u << 3)

/* ---- RTC (32.768 kHz domain, seconds counter) ------------------------- */
#define RTC_BASE         0x400B0000u
#define RTC_SECONDS      REG32(RTC_BASE + 0x00u)
#define RTC_SUBSEC       REG32(RTC_BASE + 0x04u)
#define RTC_ALARM        REG32(RTC_BASE + 0x08u)
#define RTC_CTRL         REG32(RTC_BASE + 0x0Cu)
#define RTC_STATUS       REG32(RTC_BASE + 0x10u)
#define RTC_BACKUP(n)    REG32(RTC_BASE + 0x40u + 4u * (n))
#define RTC_CTRL_EN      (1u << 0)
#define RTC_CTRL_ALARMIE (1u << 1)
#define RTC_STATUS_ALARM (1u << 0)

/* ---- Watchdog ----------------------------------------------------------- */
#define WDT_BASE         0x400B1000u
#define WDT_CTRL         REG32(WDT_BASE + 0x00u)
#define WDT_TIMEOUT      REG32(WDT_BASE + 0x04u)
#define WDT_KICK         REG32(WDT_BASE + 0x08u)
#define WDT_KICK_KEY     0x1971u

/* ---- Serial flash controller (XIP + program/erase) -------------------- */
#define SFC_BASE         0x400D0000u
#define SFC_CMD          REG32(SFC_BASE + 0x00u)
#define SFC_ADDR         REG32(SFC_BASE + 0x04u)
#define SFC_WDATA        REG32(SFC_BASE + 0x08u)
#define SFC_STATUS       REG32(SFC_BASE + 0x0Cu)
#define SFC_LEN          REG32(SFC_BASE + 0x10u)
#define SFC_KEY          REG32(SFC_BASE + 0x14u)
#define SFC_CMD_PROGRAM  0x02u
#define SFC_CMD_ERASE4K  0x20u
#define SFC_CMD_ERASE64K 0xD8u
#define SFC_STATUS_BUSY  (1u << 0)
#define SFC_STATUS_ERR   (1u << 1)
#define SFC_UNLOCK_KEY   0xA5C3F00Du

/* ---- GPIO (NETLIGHT, STATUS, PSM_EINT, RI) ----------------------------- */
#define GPIO_BASE        0x400E0000u
#define GPIO_DOUT        REG32(GPIO_BASE + 0x00u)
#define GPIO_DIN         REG32(GPIO_BASE + 0x04u)
#define GPIO_DIR         REG32(GPIO_BASE + 0x08u)
#define GPIO_PIN_NETLIGHT (1u << 16)
#define GPIO_PIN_STATUS   (1u << 17)
#define GPIO_PIN_RI       (1u << 18)
#define GPIO_PIN_PSM_EINT (1u << 19)

/* ---- Modem mailbox (protocol stack <-> application core) -------------- */
#define MBOX_BASE        0x40100000u
#define MBOX_EVT_STATUS  REG32(MBOX_BASE + 0x00u)   /* bit0: event pending  */
#define MBOX_EVT_ID      REG32(MBOX_BASE + 0x04u)
#define MBOX_EVT_ARG(n)  REG32(MBOX_BASE + 0x08u + 4u * (n))   /* n = 0..5 */
#define MBOX_EVT_ACK     REG32(MBOX_BASE + 0x20u)
#define MBOX_REQ_ID      REG32(MBOX_BASE + 0x40u)
#define MBOX_REQ_ARG(n)  REG32(MBOX_BASE + 0x44u + 4u * (n))   /* n = 0..5 */
#define MBOX_REQ_DOORBELL REG32(MBOX_BASE + 0x60u)
#define MBOX_REQ_BUSY    REG32(MBOX_BASE + 0x64u)
#define MBOX_INTEN       REG32(MBOX_BASE + 0x70u)
#define MBOX_EVT_PENDING (1u << 0)

/* ---- Unique ID / eFuse ---------------------------------------------- */
#define EFUSE_BASE       0x400F0000u
#define EFUSE_UID(n)     REG32(EFUSE_BASE + 0x00u + 4u * (n))   /* n = 0..3 */
#define EFUSE_IMEI(n)    REG32(EFUSE_BASE + 0x20u + 4u * (n))   /* BCD      */

/* ---- SIM interface (ICCID/IMSI cache filled by the stack) ------------- */
#define SIM_BASE         0x40110000u
#define SIM_STATUS       REG32(SIM_BASE + 0x00u)
#define SIM_ICCID(n)     REG32(SIM_BASE + 0x10u + 4u * (n))     /* BCD, 5 words */
#define SIM_IMSI(n)      REG32(SIM_BASE + 0x30u + 4u * (n))     /* BCD, 4 words */
#define SIM_STATUS_PRESENT (1u << 0)
#define SIM_STATUS_READY   (1u << 1)
#define SIM_STATUS_PIN_REQ (1u << 2)
#define SIM_STATUS_PUK_REQ (1u << 3)

/* ---- True random number generator --------------------------------------- */
#define TRNG_BASE        0x40120000u
#define TRNG_DATA        REG32(TRNG_BASE + 0x00u)
#define TRNG_STATUS      REG32(TRNG_BASE + 0x04u)

static inline void irq_enable_line(unsigned irq, unsigned prio)
{
    NVIC_IPR8(irq) = (uint8_t)(prio << 5);
    NVIC_ISER(irq >> 5) = 1u << (irq & 31u);
}

static inline uint32_t irq_save(void)
{
    uint32_t primask;
    __asm volatile ("mrs %0, primask\n\tcpsid i" : "=r"(primask) :: "memory");
    return primask;
}

static inline void irq_restore(uint32_t primask)
{
    __asm volatile ("msr primask, %0" :: "r"(primask) : "memory");
}

static inline void cpu_wfi(void)
{
    __asm volatile ("dsb\n\twfi\n\tisb" ::: "memory");
}

#endif /* BC25_REGS_H */
