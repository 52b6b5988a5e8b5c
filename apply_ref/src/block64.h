/*
 * block64.h - what SHA-256 and MD5 share: a message cut into 64-byte blocks
 * (the partial one buffered in the context, whole ones compressed straight
 * from the caller's buffer) and the padding of the last one. Internal to the
 * device library; inline, so that each digest keeps its own call depth and
 * speed (a shared out-of-line copy saved 48 bytes of code but added a frame
 * to the deepest stack chain).
 */
#ifndef DFOTA_BLOCK64_H
#define DFOTA_BLOCK64_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define DFOTA_BLOCK64_SIZE 64u

/* The algorithm's compression function over `blocks` whole blocks at `data`. */
typedef void (*dfota_block64_compress)(uint32_t *state, const uint8_t *data, size_t blocks);

/* Append `size` bytes at `message`: `*length` counts them, `block`/`*fill`
 * hold the partial block. */
static inline void dfota_block64_update(uint32_t *state, uint8_t *block, uint32_t *fill, uint64_t *length,
                          dfota_block64_compress compress, const uint8_t *message, size_t size)
{
    size_t take;

    if (size == 0)
        return;
    *length += (uint64_t)size;
    if (*fill > 0) {
        take = DFOTA_BLOCK64_SIZE - *fill;
        if (take > size)
            take = size;
        memcpy(block + *fill, message, take);
        *fill += (uint32_t)take;
        message += take;
        size -= take;
        if (*fill < DFOTA_BLOCK64_SIZE)
            return;
        compress(state, block, 1);
        *fill = 0;
    }
    /* Whole blocks straight from the caller's buffer (any alignment): no copy. */
    compress(state, message, size / DFOTA_BLOCK64_SIZE);
    message += size - size % DFOTA_BLOCK64_SIZE;
    size %= DFOTA_BLOCK64_SIZE;
    if (size > 0) {
        memcpy(block, message, size);
        *fill = (uint32_t)size;
    }
}

/* Pad the last block (FIPS 180-4 5.1.1, RFC 1321 3.1): a 1 bit, then zeros up
 * to 56 mod 64 bytes, compressing a block that fills on the way. The caller
 * writes the 8-byte length at block[56..63] in its byte order and
 * compresses the block. */
static inline void dfota_block64_pad(uint32_t *state, uint8_t *block, uint32_t fill,
                       dfota_block64_compress compress)
{
    block[fill++] = 0x80;
    memset(block + fill, 0, DFOTA_BLOCK64_SIZE - fill);
    if (fill > DFOTA_BLOCK64_SIZE - 8u) {
        compress(state, block, 1);
        memset(block, 0, DFOTA_BLOCK64_SIZE - 8u);
    }
}

#endif /* DFOTA_BLOCK64_H */
