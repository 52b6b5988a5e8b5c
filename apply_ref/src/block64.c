/*
 * block64.c - message buffering and padding for the 64-byte-block digests
 * (sha256.c, md5.c).
 */
#include "block64.h"

#include <string.h>

void dfota_block64_update(uint32_t *state, uint8_t *block, uint32_t *fill, uint64_t *length,
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

void dfota_block64_pad(uint32_t *state, uint8_t *block, uint32_t fill,
                       dfota_block64_compress compress)
{
    block[fill++] = 0x80;
    memset(block + fill, 0, DFOTA_BLOCK64_SIZE - fill);
    if (fill > DFOTA_BLOCK64_SIZE - 8u) {
        compress(state, block, 1);
        memset(block, 0, DFOTA_BLOCK64_SIZE - 8u);
    }
}
