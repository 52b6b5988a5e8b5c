/* flash.c - program/erase of the memory mapped serial NOR flash */
#include <string.h>
#include "flash.h"
#include "bc25_regs.h"
#include "board.h"
#include "fw_config.h"
#include "log.h"

#define SFC_TIMEOUT_MS 400u
#define SFC_PAGE_SIZE  256u

static bool range_ok(uint32_t addr, uint32_t len)
{
    /* The running image and the bootloader are never writable. */
    if (addr < FLASH_FOTA_ADDR)
        return false;
    if (addr + len < addr)
        return false;
    return addr + len <= FLASH_NVCFG_ADDR + FLASH_NVCFG_SIZE;
}

static int sfc_wait(void)
{
    uint32_t start = board_millis();
    while (SFC_STATUS & SFC_STATUS_BUSY) {
        if (board_millis() - start > SFC_TIMEOUT_MS)
            return -1;
        board_watchdog_kick();
    }
    return (SFC_STATUS & SFC_STATUS_ERR) ? -2 : 0;
}

int flash_erase(uint32_t addr, uint32_t len)
{
    if ((addr % FLASH_SECTOR_SIZE) != 0 || (len % FLASH_SECTOR_SIZE) != 0 || !range_ok(addr, len))
        return -1;
    while (len) {
        uint32_t key = irq_save();
        SFC_KEY = SFC_UNLOCK_KEY;
        SFC_ADDR = addr;
        if ((addr % 0x10000u) == 0 && len >= 0x10000u) {
            SFC_CMD = SFC_CMD_ERASE64K;
            addr += 0x10000u;
            len -= 0x10000u;
        } else {
            SFC_CMD = SFC_CMD_ERASE4K;
            addr += FLASH_SECTOR_SIZE;
            len -= FLASH_SECTOR_SIZE;
        }
        irq_restore(key);
        if (sfc_wait() != 0) {
            LOGE("FLASH", "erase failed at 0x%08lx", (unsigned long)addr);
            return -2;
        }
    }
    return 0;
}

int flash_program(uint32_t addr, const void *data, size_t len)
{
    const uint8_t *p = data;

    if (!range_ok(addr, (uint32_t)len))
        return -1;
    while (len) {
        /* never cross a 256 byte page boundary in one program command */
        uint32_t room = SFC_PAGE_SIZE - (addr % SFC_PAGE_SIZE);
        uint32_t n = len < room ? (uint32_t)len : room;
        uint32_t key = irq_save();
        SFC_KEY = SFC_UNLOCK_KEY;
        SFC_ADDR = addr;
        SFC_LEN = n;
        for (uint32_t i = 0; i < n; i += 4) {
            uint32_t w = 0xFFFFFFFFu;
            memcpy(&w, p + i, (n - i) < 4u ? (n - i) : 4u);
            SFC_WDATA = w;
        }
        SFC_CMD = SFC_CMD_PROGRAM;
        irq_restore(key);
        if (sfc_wait() != 0) {
            LOGE("FLASH", "program failed at 0x%08lx", (unsigned long)addr);
            return -2;
        }
        addr += n;
        p += n;
        len -= n;
    }
    return 0;
}

int flash_read(uint32_t addr, void *out, size_t len)
{
    if (addr < FLASH_BASE_ADDR)
        return -1;
    memcpy(out, (const void *)(uintptr_t)addr, len);
    return 0;
}

int flash_verify(uint32_t addr, const void *data, size_t len)
{
    return memcmp((const void *)(uintptr_t)addr, data, len) == 0 ? 0 : -1;
}
