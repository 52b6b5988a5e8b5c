/*
 * relocate.h - the relocation map and the choice of prediction.
 * Internal to diffgen.
 */
#ifndef DFOTA_DIFFGEN_RELOCATE_H
#define DFOTA_DIFFGEN_RELOCATE_H

#include <stddef.h>
#include <stdint.h>

#include "dfota/predict.h"
#include "dfota/status.h"
#include "match.h"

struct relocation {
    struct dfota_map_entry map[DFOTA_PREDICT_MAP_MAX];
    struct dfota_predict_region regions[DFOTA_PREDICT_REGION_MAX];
    struct dfota_predict predict; /* points at map and regions */
};

/*
 * Derive the relocation map from the matches (where each piece of the
 * source went), then choose the prediction flags and the pointer base:
 * `requested` is DFOTA_DIFF_PREDICT_AUTO (use what predicts more target bytes
 * than the raw source does) or the flags to use. Deterministic.
 */
enum dfota_status relocation_plan(const struct match_list *list, const uint8_t *source,
                                  size_t source_size, const uint8_t *target, size_t target_size,
                                  unsigned requested, struct relocation *r,
                                  struct dfota_error *err);

#endif /* DFOTA_DIFFGEN_RELOCATE_H */
