/*
 * nor.c - the emulated NOR flash (see nor.h).
 */
#include "nor.h"

#include <string.h>

__attribute__((section(".persist.nor"), aligned(NOR_ERASE_SIZE))) static uint8_t flash[NOR_SIZE];

struct nor_counters nor_count;

static int in_range(uint32_t addr, size_t len)
{
    return addr <= NOR_SIZE && len <= NOR_SIZE - addr;
}

const uint8_t *nor_map(uint32_t addr)
{
    return flash + addr;
}

/* A read costs what copying from memory-mapped flash costs: word by word
 * when both sides are aligned, so that the instruction counts measure the
 * applier rather than this driver. */
enum dfota_status nor_read(uint32_t addr, uint8_t *dst, size_t len)
{
    const uint8_t *src = flash + addr;
    if (!in_range(addr, len))
        return DFOTA_E_FLASH;
    if ((((uintptr_t)src | (uintptr_t)dst) & 3u) == 0) {
        const uint32_t *s = (const uint32_t *)(const void *)src;
        uint32_t *d = (uint32_t *)(void *)dst;
        for (; len >= 4; len -= 4)
            *d++ = *s++;
        src = (const uint8_t *)s;
        dst = (uint8_t *)d;
    }
    while (len-- > 0)
        *dst++ = *src++;
    return DFOTA_OK;
}

enum dfota_status nor_erase(uint32_t addr, uint32_t len)
{
    if (!in_range(addr, len) || addr % NOR_ERASE_SIZE != 0 || len % NOR_ERASE_SIZE != 0)
        return DFOTA_E_FLASH;
    /* A real erase is one command and a wait: as little CPU as memset. */
    memset(flash + addr, 0xFF, len);
    nor_count.erases += len / NOR_ERASE_SIZE;
    return DFOTA_OK;
}

enum dfota_status nor_program(uint32_t addr, const uint8_t *src, size_t len)
{
    if (!in_range(addr, len) || addr % NOR_WRITE_UNIT != 0 || len % NOR_WRITE_UNIT != 0)
        return DFOTA_E_FLASH;
    /* A NOR cell can only go from 1 to 0: the result is old AND new. */
    if (((uintptr_t)src & 3u) == 0) {
        const uint32_t *s = (const uint32_t *)(const void *)src;
        uint32_t *d = (uint32_t *)(void *)(flash + addr);
        for (size_t i = 0; i < len / 4; i++)
            d[i] &= s[i];
    } else {
        for (size_t i = 0; i < len; i++)
            flash[addr + i] &= src[i];
    }
    nor_count.programs++;
    nor_count.program_bytes += (uint32_t)len;
    return DFOTA_OK;
}
