/*
 * apply_source.h - the fixed source image the apply fuzz target patches,
 * and the layout of its inputs. Shared by fuzz_apply.c, the corpus
 * generator (make_corpus.c) and the corpus check (tests/test_fuzz_corpus.c),
 * so that the seeds stay real patches of this very image.
 *
 * Input: one option byte, then the patch.
 *   bits 0-3  chunk size of the pushes: fuzz_apply_chunks[]
 *   bits 4-5  flash write alignment: 1, 4, 8, 256
 *   bits 6-7  progress steps: 0, 5, 10, 100
 */
#ifndef DFOTA_FUZZ_APPLY_SOURCE_H
#define DFOTA_FUZZ_APPLY_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "../thumb_image.h"

#define FUZZ_APPLY_SOURCE_CAP 8192u
#define FUZZ_APPLY_LOAD_ADDRESS 0x08000000u
#define FUZZ_APPLY_SEED 0xF0A7u
#define FUZZ_APPLY_FUNCS 14u
/* Target area: 64 KiB of 4 KiB erase blocks. */
#define FUZZ_APPLY_TARGET_CAPACITY (64u * 1024u)
#define FUZZ_APPLY_ERASE_SIZE 4096u

static const size_t fuzz_apply_chunks[16] = {(size_t)-1, 1, 2, 3, 5, 7, 8, 16,
                                             64, 100, 112, 120, 256, 1000, 4096, 8192};
static const uint32_t fuzz_apply_aligns[4] = {1, 4, 8, 256};
static const unsigned fuzz_apply_steps[4] = {0, 5, 10, 100};

/* The option byte for chunk index `chunk`, alignment index `align`, steps index `steps`. */
static inline uint8_t fuzz_apply_options(unsigned chunk, unsigned align, unsigned steps)
{
    return (uint8_t)((chunk & 15u) | (align & 3u) << 4 | (steps & 3u) << 6);
}

/* Write the source image (at most FUZZ_APPLY_SOURCE_CAP bytes) to `out`; returns its size. */
static inline size_t fuzz_apply_source(uint8_t *out)
{
    return test_thumb_image(out, FUZZ_APPLY_SOURCE_CAP, FUZZ_APPLY_SEED, FUZZ_APPLY_FUNCS,
                            TEST_THUMB_NO_INSERT, FUZZ_APPLY_LOAD_ADDRESS);
}

/* The same firmware with a function inserted before function `before`. */
static inline size_t fuzz_apply_source_with_insert(uint8_t *out, size_t cap, uint32_t before)
{
    return test_thumb_image(out, cap, FUZZ_APPLY_SEED, FUZZ_APPLY_FUNCS, before,
                            FUZZ_APPLY_LOAD_ADDRESS);
}

#endif /* DFOTA_FUZZ_APPLY_SOURCE_H */
