/*
 * rcenc.h - the range codec's encoder (docs/FORMAT.md, "The range codec"):
 * the mirror of apply_ref/src/rcdec.c.
 */
#ifndef DFOTA_RCENC_H
#define DFOTA_RCENC_H

#include <stddef.h>
#include <stdint.h>

/*
 * Code one segment's record stream (`records`, `len` bytes, well formed as
 * docs/FORMAT.md "Records" says) with a literal history of 2^history_log
 * bytes. On success returns 1 and `*frame` (malloc'd) holds `*frame_len`
 * bytes; 0 if memory ran out, -1 if the records are not well formed.
 */
int dfota_rc_encode(const uint8_t *records, size_t len, unsigned history_log, uint8_t **frame,
                    size_t *frame_len);

#endif /* DFOTA_RCENC_H */
