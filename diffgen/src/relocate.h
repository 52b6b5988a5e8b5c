/*
 * relocate.h - the relocation map and the choice of prediction.
 * Internal to diffgen.
 */
#ifndef DFOTA_DIFFGEN_RELOCATE_H
#define DFOTA_DIFFGEN_RELOCATE_H

#include <stddef.h>
#include <stdint.h>

#include "dfota/patch.h"
#include "dfota/predict.h"
#include "dfota/status.h"
#include "match.h"

struct relocation {
    /* The maps of the target regions, one after the other. */
    struct dfota_map_entry map[DFOTA_PREDICT_MAP_MAX];
    struct dfota_patch_target_region targets[DFOTA_PREDICT_REGION_MAX];
    uint32_t target_count;
    /* The source regions: what is predicted where. */
    struct dfota_predict_region regions[DFOTA_PREDICT_REGION_MAX];
    struct dfota_predict predict; /* flags and source regions; map: all the maps */
    /* The first map (every cell the shift of the longest copy reading it):
     * what pointer bases are voted with. */
    struct dfota_map_entry painted[DFOTA_PREDICT_MAP_MAX];
    uint32_t painted_count;
};

/* The prediction of a copy whose first target byte is at `target_pos`:
 * the source regions, and the map of that byte's target region. */
void relocation_predict_at(const struct relocation *r, uint32_t target_pos,
                           struct dfota_predict *p);

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
