/* flash.h - serial flash program/erase through the SFC */
#ifndef FLASH_H
#define FLASH_H

#include <stddef.h>
#include <stdint.h>

int flash_erase(uint32_t addr, uint32_t len);
int flash_program(uint32_t addr, const void *data, size_t len);
int flash_read(uint32_t addr, void *out, size_t len);
int flash_verify(uint32_t addr, const void *data, size_t len);

#endif
