/* crc.h - table driven CRC routines */
#ifndef CRC_H
#define CRC_H

#include <stddef.h>
#include <stdint.h>

uint8_t  crc8_smbus(uint8_t crc, const void *data, size_t len);
uint16_t crc16_ccitt(uint16_t crc, const void *data, size_t len);   /* poly 0x1021, init 0xFFFF */
uint32_t crc32_update(uint32_t crc, const void *data, size_t len);  /* IEEE 802.3, reflected   */
uint32_t crc32(const void *data, size_t len);
uint32_t crc32c(const void *data, size_t len);                      /* Castagnoli              */

#endif
