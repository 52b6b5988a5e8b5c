/*
 * dfota/diffgen.h - patch generation: the smallest patch from a source
 * image to a target image that the device-side applier can apply in a
 * fixed workspace.
 *
 * Host library (libdivsufsort, zstd, OpenSSL for the image digests).
 * Method: a suffix array of the source (libdivsufsort), bsdiff-style
 * approximate matches (byte-wise difference plus literal data), a
 * relocation map derived from the matches so that moved calls and pointers
 * are predicted (dfota/predict.h), records cut at segment boundaries, each
 * segment coded on its own: with dfota's range codec (the default) or as one
 * zstd frame with a small window.
 *
 * Deterministic: the same images and options give the same bytes.
 * Memory: the two transformed copies, a 4-byte suffix array entry per
 * source byte, the records of one segment and zstd's compressor: about
 * 5 x source + 2 x target + 4 MiB, stated in docs/FORMAT.md.
 */
#ifndef DFOTA_DIFFGEN_H
#define DFOTA_DIFFGEN_H

#include <stddef.h>
#include <stdint.h>

#include "dfota/predict.h"
#include "dfota/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* predict option: choose the prediction flags by what predicts best. */
#define DFOTA_DIFF_PREDICT_AUTO 255u

/*
 * zstd level of the segment frames, and the search depth (log2) used with
 * it by default. Level 15 (btlazy2) is within 1% of level 19's patch size on
 * the benchmark corpus at a third of its compression time, and a search log
 * of 4 instead of 6 costs another 0.4% for 30% less compression time
 * (docs/BENCHMARKS.md); --level 19 or 22 squeezes out the rest.
 */
#define DFOTA_DIFF_LEVEL_DEFAULT 15
#define DFOTA_DIFF_SEARCH_LOG_DEFAULT 4

/* Largest image the diff accepts (32-bit offsets in the patch). */
#define DFOTA_DIFF_IMAGE_MAX (512u * 1024u * 1024u)

struct dfota_diff_options {
    unsigned predict;         /* DFOTA_DIFF_PREDICT_AUTO or DFOTA_PREDICT_* flags (0: none) */
    unsigned codec;           /* DFOTA_CODEC_RANGE_ID (default) or DFOTA_CODEC_ZSTD_ID */
    /* zstd: window log of the frames, 10..13 (default 13); range: log of the
     * literal history, 8..12 (default 10); 0 = the codec's default. */
    unsigned window_log;
    uint32_t segment_size;    /* target bytes per segment, power of two, 4 KiB..1 MiB */
    int level;                /* zstd level, 1..22 */
    unsigned search_log;      /* zstd search log override, 0 = the level's own */
    /* In-place patch (DFOTA_PATCH_FLAG_IN_PLACE): every copy reads only source
     * bytes that are still intact when its segment is applied; the segment
     * order (ascending or descending) is the one giving the smaller patch. */
    int in_place;
    /* Optional progress: `done` of `total` units, called now and then. */
    void (*progress)(void *ctx, uint64_t done, uint64_t total);
    void *progress_ctx;
};

/* Defaults: prediction auto, the range codec with a 1 KiB history (zstd:
 * window log 13, level 15 with search log 4), segment 64 KiB. */
void dfota_diff_options_init(struct dfota_diff_options *opts);

/*
 * Make a patch from `source` to `target`. On success `*patch` is malloc'd
 * (free()) and holds `*patch_size` bytes. INVALID_ARGUMENT for bad options,
 * TOO_LARGE above DFOTA_DIFF_IMAGE_MAX, NO_MEMORY, INTERNAL (zstd or
 * libdivsufsort failed).
 */
enum dfota_status dfota_diff(const uint8_t *source, size_t source_size, const uint8_t *target,
                             size_t target_size, const struct dfota_diff_options *opts,
                             uint8_t **patch, size_t *patch_size, struct dfota_error *err);

#ifdef __cplusplus
}
#endif

#endif /* DFOTA_DIFFGEN_H */
