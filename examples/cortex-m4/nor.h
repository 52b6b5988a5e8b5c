/*
 * nor.h - an emulated NOR flash in RAM, with the semantics the applier must
 * cope with on a real part: erase sets a whole 4 KiB block to 0xFF;
 * programming can only clear bits (the new content is old AND new, so
 * writing a 1 over a 0 does not restore it); erase and program addresses
 * and lengths must be multiples of the erase block and of the 4-byte write
 * unit, anything else is refused (DFOTA_E_FLASH). Reads are any size.
 *
 * The array lives in a NOLOAD section that QEMU keeps across a system
 * reset (link.ld), so a reset in the middle of an apply is a power cut:
 * what was programmed stays, the rest of RAM is initialised again.
 */
#ifndef NOR_H
#define NOR_H

#include <stddef.h>
#include <stdint.h>

#include "dfota/status.h"

#define NOR_ERASE_SIZE 4096u
#define NOR_WRITE_UNIT 4u

/* The areas (offsets in the flash; every one a whole number of blocks). */
#define NOR_RECORD_BASE 0x00000u /* progress records: two slots of one block */
#define NOR_RECORD_SIZE (2u * NOR_ERASE_SIZE)
#define NOR_CONTROL_BASE 0x02000u /* boot control: which image is pending/good */
#define NOR_CONTROL_SIZE NOR_ERASE_SIZE
/* Banks of 1 MiB: room for the largest images of the benchmark corpus
 * (bench/m4-corpus.sh), not only the BC25 sample. */
#define NOR_BANK_A_BASE 0x10000u /* the running image (the source); in place, the one area */
#define NOR_BANK_SIZE 0x100000u
#define NOR_BANK_B_BASE 0x110000u /* two-bank: the new image */
#define NOR_SCRATCH_BASE 0x210000u /* in place: one segment of the patch */
#define NOR_SCRATCH_SIZE 0x10000u
#define NOR_UFS_BASE 0x220000u /* the downloaded package, as the module's file system holds it */
#define NOR_UFS_SIZE 0x100000u
#define NOR_SIZE 0x320000u

/* Operation counters since the last reset. */
struct nor_counters {
    uint32_t erases;   /* blocks */
    uint32_t programs; /* calls */
    uint32_t program_bytes;
};
extern struct nor_counters nor_count;

/* The flash contents, read-only (memory-mapped, as NOR is). */
const uint8_t *nor_map(uint32_t addr);

enum dfota_status nor_read(uint32_t addr, uint8_t *dst, size_t len);
enum dfota_status nor_erase(uint32_t addr, uint32_t len);
enum dfota_status nor_program(uint32_t addr, const uint8_t *src, size_t len);

#endif
