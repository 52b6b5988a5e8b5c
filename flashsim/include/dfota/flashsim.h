/*
 * dfota/flashsim.h - a NOR flash simulator for tests and the host tools.
 *
 * Modelled on MCUboot's simulator (sim/simflash): the memory reads as bytes,
 * an erase sets whole erase blocks to 0xFF, a write can only program erased
 * bytes, and power can be cut during the (N+1)-th write or erase so that
 * power-cut recovery can be tested operation by operation:
 *
 *   - erase(offset, len): offset and len multiples of erase_size; every byte
 *     of the range becomes 0xFF.
 *   - write(offset, src, len): offset and len multiples of write_align; every
 *     byte of the range must read 0xFF (erased) or the whole write is refused
 *     with DFOTA_E_FLASH and nothing changes. A write clears the bits that are
 *     0 in `src` (byte = byte & src), which on an erased byte stores `src`;
 *     a byte written as 0xFF stays erased and may be written again later.
 *   - read(offset, dst, len): any offset and length inside the flash.
 *
 * Every range must lie inside the flash (offset + len <= size, without
 * overflow). A powered-off flash refuses everything with DFOTA_E_POWER_CUT;
 * otherwise the arguments, then (for a write) the erased state of the range,
 * are checked before anything happens: a refused operation changes nothing,
 * is not counted and does not consume an armed cut. Operations of length 0
 * are valid and do nothing (not counted either).
 *
 * Power cuts: dfota_flashsim_cut_after(f, n, mode, seed) lets n more writes or
 * erases complete; the next one is cut. With DFOTA_FLASHSIM_CUT_CLEAN it does
 * nothing at all; with DFOTA_FLASHSIM_CUT_TORN it is half done, as chosen by a
 * deterministic PRNG seeded with `seed`:
 *   - a torn write programs its first k bytes (0 <= k < len), then a random
 *     subset of the bits it would clear in byte k (possibly none, possibly
 *     all), and leaves the bytes after it as they were;
 *   - a torn erase sets its first k bytes to 0xFF (0 <= k <= len; across
 *     erase blocks, in address order) and leaves the rest as it was.
 * The cut operation returns DFOTA_E_POWER_CUT, and so does every later read,
 * write and erase until dfota_flashsim_power_on(), which keeps the memory as
 * the cut left it. A typical power-cut test counts the operations of an
 * uninterrupted run (`ops`), then for every n below that count: fresh flash,
 * cut after n, run until DFOTA_E_POWER_CUT, power on, run again, check.
 *
 * Host library: allocates with malloc; not thread-safe (one simulator per
 * thread). Never prints or exits; errors are a status plus a message in
 * `struct dfota_error` that names the offset.
 */
#ifndef DFOTA_FLASHSIM_H
#define DFOTA_FLASHSIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dfota/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Largest write alignment accepted by dfota_flashsim_create(). */
#define DFOTA_FLASHSIM_WRITE_ALIGN_MAX 256u

enum dfota_flashsim_cut_mode {
    DFOTA_FLASHSIM_CUT_CLEAN = 0, /* the cut operation does nothing */
    DFOTA_FLASHSIM_CUT_TORN = 1   /* the cut operation is half done (see above) */
};

/*
 * One simulated flash. Created by dfota_flashsim_create(), released by
 * dfota_flashsim_free(). Tests may read every field and may reset the
 * statistics; the other fields are changed only through the functions below.
 */
struct dfota_flashsim {
    uint8_t *mem;         /* `size` bytes of flash contents, owned by the simulator */
    uint32_t size;        /* bytes; a multiple of erase_size */
    uint32_t erase_size;  /* erase block, a power of two >= write_align */
    uint32_t write_align; /* write granularity, a power of two 1..256 */

    /* Writes and erases started while powered with valid arguments: the
     * completed ones plus the cut one. Operation numbers count from 1; reads
     * do not count. */
    uint64_t ops;
    /* 0: no cut armed. Otherwise the number (as counted by ops) of the write
     * or erase that is cut; it stays set after the cut until power_on. (Not
     * the `n` of dfota_flashsim_cut_after(), so that 0 can mean "never".) */
    uint64_t cut_at;
    enum dfota_flashsim_cut_mode cut_mode;
    uint64_t seed;        /* PRNG state for torn operations; advances as used */
    bool powered;         /* false from a cut until dfota_flashsim_power_on() */

    /* Statistics of completed operations (a cut or refused one is not
     * counted). block_erases has size / erase_size entries: how many times
     * each erase block was erased (wear). */
    uint64_t reads, writes, erases;
    uint64_t bytes_read, bytes_written;
    uint32_t *block_erases;

    /* mem is a shared mapping of a file (dfota_flashsim_map_file()), not heap. */
    bool mapped;
};

/*
 * Create a flash of `size` bytes in `f` (caller-owned struct; the memory is
 * allocated with malloc). The memory starts erased (all 0xFF), powered, no
 * cut armed, statistics zero. Constraints: write_align a power of two in
 * 1..DFOTA_FLASHSIM_WRITE_ALIGN_MAX, erase_size a power of two >= write_align,
 * size a non-zero multiple of erase_size. Returns DFOTA_OK,
 * DFOTA_E_INVALID_ARGUMENT or DFOTA_E_NO_MEMORY; on failure `f` is zeroed
 * (dfota_flashsim_free() on it is harmless). RAM: size + 4 * size / erase_size
 * bytes of heap.
 */
enum dfota_status dfota_flashsim_create(struct dfota_flashsim *f, uint32_t size,
                                        uint32_t erase_size, uint32_t write_align,
                                        struct dfota_error *err);

/* Release the memory of `f` and zero it. `f` may be NULL or already freed. */
void dfota_flashsim_free(struct dfota_flashsim *f);

/*
 * Copy `len` bytes at `offset` to `dst`. Any alignment. Returns DFOTA_OK,
 * DFOTA_E_INVALID_ARGUMENT (outside the flash, `dst` NULL with len > 0) or
 * DFOTA_E_POWER_CUT (powered off); `dst` is untouched on failure.
 */
enum dfota_status dfota_flashsim_read(struct dfota_flashsim *f, uint32_t offset, uint8_t *dst,
                                      size_t len, struct dfota_error *err);

/*
 * Program `len` bytes from `src` at `offset`. Returns DFOTA_OK,
 * DFOTA_E_INVALID_ARGUMENT (outside the flash, offset or len not a multiple
 * of write_align, `src` NULL with len > 0), DFOTA_E_FLASH (a byte of the
 * range is not erased: nothing written), or DFOTA_E_POWER_CUT (powered off,
 * or this is the cut operation: see the file comment).
 */
enum dfota_status dfota_flashsim_write(struct dfota_flashsim *f, uint32_t offset,
                                       const uint8_t *src, size_t len, struct dfota_error *err);

/*
 * Erase the `len` bytes at `offset` to 0xFF. Returns DFOTA_OK,
 * DFOTA_E_INVALID_ARGUMENT (outside the flash, offset or len not a multiple
 * of erase_size) or DFOTA_E_POWER_CUT (powered off, or this is the cut
 * operation). One call is one operation however many blocks it covers.
 */
enum dfota_status dfota_flashsim_erase(struct dfota_flashsim *f, uint32_t offset, size_t len,
                                       struct dfota_error *err);

/*
 * Arm a power cut on `f` (created): `n` more writes or erases complete, the
 * (n+1)-th from now is cut in `mode`, with the PRNG for a torn operation
 * seeded by `seed` (the same seed gives the same torn contents). Replaces any
 * armed cut.
 * With n so large that the operation number would overflow, no cut is armed.
 */
void dfota_flashsim_cut_after(struct dfota_flashsim *f, uint64_t n,
                              enum dfota_flashsim_cut_mode mode, uint64_t seed);

/*
 * Power comes back after a cut: operations work again, the memory stays as
 * the cut left it, no cut is armed (an armed cut that has not fired yet is
 * disarmed too). Counters are kept.
 */
void dfota_flashsim_power_on(struct dfota_flashsim *f);

/*
 * Test helper, factory programming: copy `len` bytes from `data` to
 * `offset` directly, with no alignment or erased-byte check, whether or not
 * the flash is powered. Not counted as an operation, never cut. Returns
 * DFOTA_OK or DFOTA_E_INVALID_ARGUMENT (outside the flash).
 */
enum dfota_status dfota_flashsim_load(struct dfota_flashsim *f, uint32_t offset,
                                      const uint8_t *data, size_t len, struct dfota_error *err);

/*
 * Write the whole memory, as a raw image of f->size bytes, to the file
 * `path` (created or truncated; not atomic: on failure the file may be
 * partial). Returns DFOTA_OK, DFOTA_E_INVALID_ARGUMENT or DFOTA_E_IO.
 */
enum dfota_status dfota_flashsim_save_file(const struct dfota_flashsim *f, const char *path,
                                           struct dfota_error *err);

/*
 * Replace the whole memory with the raw image in the file `path`, which must
 * be exactly f->size bytes long, like dfota_flashsim_load() (no checks, not
 * counted). Returns DFOTA_OK, DFOTA_E_IO (cannot open or read) or
 * DFOTA_E_INVALID_ARGUMENT (wrong size); the memory is unchanged on failure.
 * Uses a temporary heap buffer of f->size bytes.
 */
enum dfota_status dfota_flashsim_load_file(struct dfota_flashsim *f, const char *path,
                                           struct dfota_error *err);

/*
 * Keep the memory in the file `path` from now on: the flash becomes a
 * shared mapping of the file (POSIX mmap), so that every write and erase
 * reaches the file as it happens, and a process killed at any moment (a
 * simulated device that loses power) leaves the file as the flash was.
 * When `path` exists with exactly f->size bytes its contents become the
 * memory (*loaded = true); otherwise it is created (mode 0644) or replaced
 * with the current memory (*loaded = false). DFOTA_E_IO on failure, the
 * memory unchanged. dfota_flashsim_free() unmaps; the file stays.
 */
enum dfota_status dfota_flashsim_map_file(struct dfota_flashsim *f, const char *path,
                                          bool *loaded, struct dfota_error *err);

#ifdef __cplusplus
}
#endif

#endif /* DFOTA_FLASHSIM_H */
