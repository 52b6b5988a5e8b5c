/*
 * block64.h - what SHA-256 and MD5 share: a message cut into 64-byte blocks
 * (the partial one buffered in the context, whole ones compressed straight
 * from the caller's buffer) and the padding of the last one. Internal to the
 * device library.
 */
#ifndef DFOTA_BLOCK64_H
#define DFOTA_BLOCK64_H

#include <stddef.h>
#include <stdint.h>

#define DFOTA_BLOCK64_SIZE 64u

/* The algorithm's compression function over `blocks` whole blocks at `data`. */
typedef void (*dfota_block64_compress)(uint32_t *state, const uint8_t *data, size_t blocks);

/* Append `size` bytes at `message`: `*length` counts them, `block`/`*fill`
 * hold the partial block. */
void dfota_block64_update(uint32_t *state, uint8_t *block, uint32_t *fill, uint64_t *length,
                          dfota_block64_compress compress, const uint8_t *message, size_t size);

/* Pad the last block (FIPS 180-4 5.1.1, RFC 1321 3.1): a 1 bit, then zeros up
 * to 56 mod 64 bytes, compressing a block that fills on the way. The caller
 * writes the 8-byte length at block[56..63] in its byte order and
 * compresses the block. */
void dfota_block64_pad(uint32_t *state, uint8_t *block, uint32_t fill,
                       dfota_block64_compress compress);

#endif /* DFOTA_BLOCK64_H */
