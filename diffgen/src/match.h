/*
 * match.h - bsdiff-style approximate matching over a suffix array.
 * Internal to diffgen.
 */
#ifndef DFOTA_DIFFGEN_MATCH_H
#define DFOTA_DIFFGEN_MATCH_H

#include <stddef.h>
#include <stdint.h>

#include "dfota/status.h"

/*
 * One step of the match: target[target_start, +copy_len) is
 * source[source_start, +copy_len) plus small differences; the next
 * extra_len target bytes are new. Steps are contiguous and cover the target.
 */
struct match_op {
    uint32_t target_start;
    uint32_t copy_len;
    uint32_t source_start;
    uint32_t extra_len;
};

struct match_list {
    struct match_op *ops;
    size_t count;
    size_t capacity;
};

/*
 * Match `target` against `source`. Builds the suffix array itself (4 bytes
 * per source byte, freed before returning). `progress` may be NULL.
 * On success `list` holds malloc'd ops (free list->ops).
 */
enum dfota_status match_images(const uint8_t *source, size_t source_size, const uint8_t *target,
                               size_t target_size, struct match_list *list,
                               void (*progress)(void *ctx, uint64_t done, uint64_t total),
                               void *progress_ctx, struct dfota_error *err);

#endif /* DFOTA_DIFFGEN_MATCH_H */
