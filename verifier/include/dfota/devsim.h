/*
 * dfota/devsim.h - a simulated module: one NOR flash (dfota/flashsim.h)
 * laid out the way a device lays out its DFOTA areas, and the boot-time
 * update sequence a device runs on it through the reference applier.
 *
 * Layout (offsets in the one flash, every area a whole number of erase
 * blocks; docs/FORMAT.md, "Device layout"):
 *
 *   two-bank   [record: 2 blocks][old bank: source image][new bank: target]
 *   in place   [record: 2 blocks][scratch: 1 segment][area: source, then target]
 *
 * The record area holds the progress record's two slots
 * (dfota/progress.h). The old bank is only ever read; the area of an
 * in-place update is max(source, target) bytes rounded up to erase blocks.
 *
 * dfota_devsim_run() is one boot: load the newest valid progress record;
 * resume from it if there is one (unless it is a complete record of another
 * patch: a finished earlier update), else start afresh; push the patch in
 * chunks; finish (the target SHA-256 is read back from flash). The last
 * record, which says the update is complete, stays (dfota/progress.h). A power cut (flashsim) makes it return DFOTA_E_POWER_CUT;
 * dfota_flashsim_power_on() and another run continue the update.
 *
 * Host library (malloc); not thread-safe (one simulator per thread).
 */
#ifndef DFOTA_DEVSIM_H
#define DFOTA_DEVSIM_H

#include <stddef.h>
#include <stdint.h>

#include "dfota/flashsim.h"
#include "dfota/patch.h"
#include "dfota/progress.h"
#include "dfota/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Where a flash operation went. */
enum dfota_devsim_area {
    DFOTA_DEVSIM_NONE = 0,
    DFOTA_DEVSIM_RECORD,  /* the progress record's slots */
    DFOTA_DEVSIM_SCRATCH, /* in place: the scratch segment */
    DFOTA_DEVSIM_TARGET   /* the new bank, or the in-place area */
};

struct dfota_devsim {
    struct dfota_flashsim flash;
    int in_place;                    /* layout of the patch it was made for */
    uint32_t erase_size, write_align;
    uint32_t record_offset;          /* 2 * erase_size bytes */
    uint32_t source_offset, source_size;   /* where the source image starts, its size */
    uint32_t target_offset, target_capacity; /* target bank, or the in-place area */
    uint32_t scratch_offset, scratch_size;   /* in place only (else 0) */

    /* Progress-record failure injection: save number `fail_save_at`
     * (counting from 1 over the simulator's life) fails outright with
     * DFOTA_E_FLASH before touching the flash. 0 = never. */
    uint64_t saves, fail_save_at;

    /* The area of the last write or erase started (after a cut: of the cut
     * one, since nothing runs after it), and writes and erases per area. */
    enum dfota_devsim_area last_area;
    uint64_t area_ops[4];
    /* Optional trace: trace[k] = area of operation k + 1 (k < trace_len). */
    uint8_t *trace;
    size_t trace_len;

    /* During a run: the caller's progress callback (the applier's callbacks
     * all get the simulator as their context). */
    void (*progress)(void *ctx, unsigned percent);
    void *progress_ctx;
};

/* Options of one run (boot). */
struct dfota_devsim_run_options {
    size_t chunk_size;       /* patch bytes per push, 0 = whole patch */
    unsigned progress_steps; /* 0 or 5..100 */
    void (*progress)(void *ctx, unsigned percent);
    void *progress_ctx;
};

/* What one run found and did. */
struct dfota_devsim_outcome {
    int resumed;                  /* a progress record was found and resumed from */
    struct dfota_progress record; /* that record */
    int finished;                 /* the target was completed and verified */
};

/*
 * Compute the layout for a patch with header `hdr` and a source image of
 * `source_size` bytes into `d` (zeroed first; no flash is created). Returns
 * INVALID_ARGUMENT for bad geometry (erase size a power of two 256..segment
 * size, write alignment a power of two 1..256 and <= erase size) and
 * TOO_LARGE if the flash would exceed `max_size` bytes.
 */
enum dfota_status dfota_devsim_layout(struct dfota_devsim *d, const struct dfota_patch_header *hdr,
                                      size_t source_size, uint32_t erase_size,
                                      uint32_t write_align, uint32_t max_size,
                                      struct dfota_error *err);

/*
 * dfota_devsim_layout(), then create the flash (erased) and program the
 * source image into the old bank / area; with `source` NULL the flash stays
 * erased (to be loaded from a saved state, dfota_flashsim_load_file()).
 * Free with dfota_devsim_free().
 */
enum dfota_status dfota_devsim_create(struct dfota_devsim *d, const struct dfota_patch_header *hdr,
                                      const uint8_t *source, size_t source_size,
                                      uint32_t erase_size, uint32_t write_align,
                                      uint32_t max_size, struct dfota_error *err);

void dfota_devsim_free(struct dfota_devsim *d);

/* One boot of the device with `patch` (see the file comment). */
enum dfota_status dfota_devsim_run(struct dfota_devsim *d, const uint8_t *patch,
                                   size_t patch_size, const struct dfota_devsim_run_options *opts,
                                   struct dfota_devsim_outcome *outcome, struct dfota_error *err);

/*
 * A device for a package (delta or full image) rather than a raw patch:
 * the layout of its delta's patch header, or for a full image a two-bank
 * one (the old image stays in its bank while the new one is written),
 * then the flash as dfota_devsim_create() makes it. `package` is the whole
 * package; only its container and patch headers are read.
 */
enum dfota_status dfota_devsim_create_package(struct dfota_devsim *d, const uint8_t *package,
                                              size_t package_size, const uint8_t *source,
                                              size_t source_size, uint32_t erase_size,
                                              uint32_t write_align, uint32_t max_size,
                                              struct dfota_error *err);

/*
 * One boot with a package, through the device-side package front end
 * (dfota/pkgapply.h) as a module runs it on the package in its file
 * system: resume from the newest progress record if it is one in
 * progress, the check pass over the whole package (container, payload
 * digests, the source image: nothing is erased or written when it fails),
 * then the apply pass and finish(), which checks the new image as the
 * flash holds it. A complete record is left alone (outcome->resumed 0).
 */
enum dfota_status dfota_devsim_run_package(struct dfota_devsim *d, const uint8_t *package,
                                           size_t package_size,
                                           const struct dfota_devsim_run_options *opts,
                                           struct dfota_devsim_outcome *outcome,
                                           struct dfota_error *err);

/* The check pass of dfota_devsim_run_package() alone: reads, never erases
 * or writes. What a module does with a package before it accepts it. */
enum dfota_status dfota_devsim_check_package(struct dfota_devsim *d, const uint8_t *package,
                                             size_t package_size, struct dfota_error *err);

/* The newest valid progress record: 1 and `*rec` if there is one. */
int dfota_devsim_record(struct dfota_devsim *d, struct dfota_progress *rec);

/* The target bytes as the flash holds them (target_capacity bytes). */
const uint8_t *dfota_devsim_target(const struct dfota_devsim *d);

#ifdef __cplusplus
}
#endif

#endif /* DFOTA_DEVSIM_H */
