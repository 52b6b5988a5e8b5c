/*
 * test_varint.h - the record stream's unsigned LEB128 varint (docs/FORMAT.md,
 * "Records"), written by the tests that build record streams by hand
 * (patch_helpers.h, rc_records.h). Plain C.
 */
#ifndef DFOTA_TEST_VARINT_H
#define DFOTA_TEST_VARINT_H

#include <stddef.h>
#include <stdint.h>

/* `v` as a varint at `out`; returns its length (1..10). */
static inline size_t test_put_varint(uint8_t *out, uint64_t v)
{
    size_t n = 0;

    do {
        out[n] = (uint8_t)((v & 0x7F) | (v > 0x7F ? 0x80 : 0));
        v >>= 7;
        n++;
    } while (v);
    return n;
}

#endif /* DFOTA_TEST_VARINT_H */
