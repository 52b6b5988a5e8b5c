/*
 * dfota/apply.h - the reference applier: rebuilds the target image from the
 * source image and a dfota patch, the way a module does.
 *
 * Device-side code: portable C99 with no dependency but the C library,
 * dfota_core and zstd's decompressor. It never allocates (the caller passes a
 * workspace of dfota_apply_workspace_size() bytes), never recurses, reads the
 * source image and writes the target through callbacks with explicit
 * offsets, and takes the patch in pushed chunks of any size.
 *
 * Memory: the workspace holds all state: the applier state, a static zstd
 * decoder context, one compressed block, the ring of decoded data and the
 * relocation map; the patch header states the figure for the reference
 * device build (dfota_apply_workspace_size(), from the constants below:
 * 65,424 bytes at window log 13 without a map, 69,520 with a full one),
 * this build needs dfota_apply_workspace_need(). Stack and code, measured
 * on an emulated Cortex-M4 (examples/cortex-m4, scripts/target-check.sh,
 * docs/PORTING.md): 628 bytes of peak stack through a whole package apply
 * in the lean build (688 with messages), zstd's decoder included; the
 * applier and the front end's code 15,298 bytes lean, 27,146 with
 * messages (per object in docs/PORTING.md).
 *
 * Usually the device pushes the downloaded package through dfota/pkgapply.h,
 * which drives this applier; a raw patch can be pushed here directly.
 *
 * Sequence: dfota_apply_init(), dfota_apply_push() any number of times with
 * the patch bytes in order, dfota_apply_finish(). As soon as the patch
 * header and relocation map are complete (inside the push that delivers
 * their last byte) the applier checks that the workspace and flash
 * parameters fit and that the source image has the size and SHA-256 the
 * patch was made for; nothing is erased or written before that. The target
 * SHA-256 is checked by finish().
 */
#ifndef DFOTA_APPLY_H
#define DFOTA_APPLY_H

#include <stddef.h>
#include <stdint.h>

#include "dfota/hash.h"
#include "dfota/patch.h"
#include "dfota/progress.h"
#include "dfota/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Codecs built in (docs/PORTING.md): DFOTA_CODEC_ZSTD (zstd frames: patches
 * made with --codec zstd and full images) and DFOTA_CODEC_RANGE (dfota's
 * range codec, dfota/rcdec.h: the default patches); 1 or 0 each, at least
 * one, the same on every file of apply_ref/. A patch of a codec left out is
 * refused with UNSUPPORTED_FEATURE before any flash access.
 */
#ifndef DFOTA_CODEC_ZSTD
#define DFOTA_CODEC_ZSTD 1
#endif
#ifndef DFOTA_CODEC_RANGE
#define DFOTA_CODEC_RANGE 1
#endif
/* DFOTA_IN_PLACE: 1 (the default) applies in-place patches too
 * (DFOTA_APPLY_IN_PLACE); 0 leaves that code out, for a device with two
 * banks, and dfota_apply_init() refuses the in-place layout
 * (UNSUPPORTED_FEATURE). */
#ifndef DFOTA_IN_PLACE
#define DFOTA_IN_PLACE 1
#endif

/* Largest flash write alignment supported (program page / write unit). */
#define DFOTA_APPLY_WRITE_ALIGN_MAX 256u
/* Bytes of the source image read per source callback. */
#define DFOTA_APPLY_SOURCE_CHUNK 256u
/* Progress reporting: 0 (off) or DFOTA_APPLY_PROGRESS_MIN..MAX steps. */
#define DFOTA_APPLY_PROGRESS_MIN 5u
#define DFOTA_APPLY_PROGRESS_MAX 100u

/* Flash layouts (struct dfota_apply_config.layout). */
enum dfota_apply_layout {
    /* Two banks: the source image is read from its own area and never
     * written; the target area is separate. */
    DFOTA_APPLY_TWO_BANK = 0,
    /* One bank: read_source, erase_target and write_target all address the
     * same area, which holds the source image at first and the target image
     * at the end; segments are built in the scratch area first. Only
     * in-place patches (DFOTA_PATCH_FLAG_IN_PLACE) are accepted. */
    DFOTA_APPLY_IN_PLACE = 1
};

/* Flash and progress callbacks. Each returns DFOTA_OK or a failure status
 * (DFOTA_E_FLASH, DFOTA_E_IO, ...), which the applier passes on. */
struct dfota_apply_io {
    void *ctx;
    /* Read `len` bytes of the source image at `offset`; all or error. In
     * place, this reads the one area (source, target or a mix). */
    enum dfota_status (*read_source)(void *ctx, uint32_t offset, uint8_t *dst, size_t len);
    /* Erase [offset, offset + len) of the target area; both multiples of erase_size. */
    enum dfota_status (*erase_target)(void *ctx, uint32_t offset, uint32_t len);
    /* Program `len` bytes at `offset` of the erased target area; both multiples
     * of write_align. The image's last write is padded with 0xFF. */
    enum dfota_status (*write_target)(void *ctx, uint32_t offset, const uint8_t *src, size_t len);
    /* Optional: percent of the target written, called at most progress_steps
     * times with increasing values, the last one 100. After a resume, the
     * first call repeats the percent reached at the progress record. */
    void (*progress)(void *ctx, unsigned percent);

    /* Two-bank, optional: read back target bytes. With it, finish() checks
     * the SHA-256 of what the flash holds instead of what was sent to it;
     * it is required to resume. (In place, read_source serves.) */
    enum dfota_status (*read_target)(void *ctx, uint32_t offset, uint8_t *dst, size_t len);
    /* In place, required: the scratch area (offsets from its start; at least
     * one segment of the patch, a multiple of erase_size). */
    enum dfota_status (*erase_scratch)(void *ctx, uint32_t offset, uint32_t len);
    enum dfota_status (*write_scratch)(void *ctx, uint32_t offset, const uint8_t *src,
                                       size_t len);
    enum dfota_status (*read_scratch)(void *ctx, uint32_t offset, uint8_t *dst, size_t len);
    /* Optional: persist `rec` (dfota_progress_save() on the device's record
     * area). Called at every segment boundary but the last, after the
     * segment's data is written, and in place also when a segment is
     * complete in scratch. The record that says complete is saved by
     * finish(), only once the target SHA-256 matched; a failed check saves
     * the record from which the next boot repairs or refuses (finish()). A
     * failure stops the apply with that status; the previous record stays
     * valid, so resuming from it is safe. */
    enum dfota_status (*save_progress)(void *ctx, const struct dfota_progress *rec);
    /* Optional: the hash driver (dfota/hash.h) for every digest the applier
     * and the package front end compute; NULL = the built-in software
     * SHA-256 and MD5 (dfota_hash_builtin). Built with
     * -DDFOTA_BUILTIN_HASH=0, the built-in code is left out and this is
     * required. */
    const struct dfota_hash_ops *hash;
};

struct dfota_apply_config {
    uint32_t erase_size;     /* target erase block: power of two, <= the patch segment size */
    uint32_t write_align;    /* write unit: power of two, 1..DFOTA_APPLY_WRITE_ALIGN_MAX */
    uint32_t source_size;    /* bytes available in the source area, 0 = not checked */
    uint32_t target_capacity; /* bytes of the target area, 0 = not checked */
    unsigned progress_steps; /* 0 = none, else 5..100 (like <update_URC_max>) */
    enum dfota_apply_layout layout; /* DFOTA_APPLY_TWO_BANK or DFOTA_APPLY_IN_PLACE */
    uint32_t scratch_size;   /* in place: bytes of the scratch area */
};

struct dfota_apply; /* opaque; lives inside the caller's workspace */

/*
 * Applier memory (docs/FORMAT.md, "Applier memory"). The workspace a patch
 * header states is computed from these constants, which are the figures of
 * the reference device build (ILP32, gcc, zstd 1.5.4's decompressor built
 * with ZSTD_DECODER_INTERNAL_BUFFER=8192 as docs/PORTING.md lists), so
 * that every writer states, and that build needs, the same figure on any
 * machine. examples/cortex-m4 checks both on the target in CI.
 *
 *   DFOTA_APPLY_STATE_SIZE  sizeof(struct dfota_apply), rounded up to 16
 *   DFOTA_ZSTD_DCTX_SIZE    ZSTD_estimateDCtxSize(), rounded up to 16
 *
 * A workspace is then 16 bytes of alignment slack, the state, the zstd
 * context, one compressed block (2^window_log bytes, at most 128 KiB), the
 * ring of decoded data (window + block + 128 bytes, rounded up to 16) and
 * the relocation map (8 bytes an entry, rounded up to 16).
 */
#define DFOTA_APPLY_STATE_SIZE 2304u
/* sizeof(struct dfota_rcdec) (dfota/rcdec.h), rounded up to 16: a range-coded
 * patch's workspace is 16 + the state + this + 64 (decoder output) +
 * 2^history_log + the map (docs/FORMAT.md, "Applier memory"). */
#define DFOTA_RCDEC_STATE_SIZE 6032u
/* Largest zstd window of a full-image frame (2^27, as the packer allows). */
#define DFOTA_APPLY_FULL_WINDOW_MAX ((uint64_t)1 << 27)
#define DFOTA_ZSTD_DCTX_SIZE 38448u

/* The workspace_size a patch header states for zstd window log `window_log`,
 * `map_count` relocation map entries and `region_count` prediction regions
 * (the reference device build's need); 0 if any is out of range. */
size_t dfota_apply_workspace_size(unsigned window_log, uint32_t map_count,
                                  uint32_t region_count);

/* What this build of the applier needs for such a patch: equal to
 * dfota_apply_workspace_size() on the reference device build, more where
 * pointers are wider or zstd is built with its default 64 KiB literal
 * buffer (a 64-bit host: about 58 KB more). The workspace given to
 * dfota_apply_init() must hold this much, else the patch is refused with
 * WORKSPACE before any flash access. */
size_t dfota_apply_workspace_need(unsigned window_log, uint32_t map_count,
                                  uint32_t region_count);

/* Both figures for a patch of codec `codec` (DFOTA_CODEC_*_ID, dfota/patch.h)
 * with window log (zstd) or history log (range) `log`; 0 if out of range. */
size_t dfota_apply_workspace_for(unsigned codec, unsigned log, uint32_t map_count,
                                 uint32_t region_count);
size_t dfota_apply_workspace_need_for(unsigned codec, unsigned log, uint32_t map_count,
                                      uint32_t region_count);

/* The same two figures for decoding one zstd frame with a `window_size`-byte
 * window (a full-image payload, dfota/pkgapply.h); 0 if over 2^27. */
size_t dfota_apply_full_workspace_size(uint64_t window_size);
size_t dfota_apply_full_workspace_need(uint64_t window_size);

/*
 * Prepare an applier in `workspace` (`workspace_size` bytes, any alignment;
 * it must stay valid until the applier is no longer used). `config` and `io`
 * are copied. On success `*applier` points into the workspace.
 * INVALID_ARGUMENT for bad flash parameters or missing callbacks, WORKSPACE
 * when the workspace cannot even hold the state and the zstd context.
 */
enum dfota_status dfota_apply_init(struct dfota_apply **applier, void *workspace,
                                   size_t workspace_size, const struct dfota_apply_config *config,
                                   const struct dfota_apply_io *io, struct dfota_error *err);

/*
 * Resume from progress record `rec` (the newest valid one the device holds):
 * call after dfota_apply_init() and before the first push, then push the
 * same patch again from its first byte. The applier checks that the record
 * belongs to this patch (SHA-256 of its header, segment count, flags:
 * UPDATE_IN_PROGRESS if not), skips the segments it says are done without
 * decoding them, and goes on from there. Two-bank, the source image is
 * checked again and read_target is required; in place, the source check is
 * skipped (part of it is already overwritten; it passed before the first
 * write). A FAILED record (an earlier finish() gave the update up) makes the
 * push that completes the patch header fail with TARGET_MISMATCH, before
 * any write. INVALID_ARGUMENT if called too late or without the callbacks.
 */
enum dfota_status dfota_apply_resume(struct dfota_apply *applier,
                                     const struct dfota_progress *rec);

/*
 * Feed the next `size` bytes of the patch (any size, including 0 and 1).
 * Decodes as far as the data allows, writing target bytes as they are
 * produced. Returns DFOTA_OK or the first failure; a failure is sticky:
 * later calls return it again. dfota_apply_error() has the detail.
 */
enum dfota_status dfota_apply_push(struct dfota_apply *applier, const uint8_t *data, size_t size);

/*
 * The patch has been fed completely: check that nothing is missing, write
 * the last (padded) unit, and check the target SHA-256 (read back from the
 * flash when read_target is given, and always in place). TRUNCATED if the
 * patch ended early, TARGET_MISMATCH if the result is wrong.
 *
 * With save_progress: when the digest matches, the complete record (step =
 * segment_count) is saved, unless the apply resumed from it; its save
 * failing is returned. When it does not match (segment_count > 0), a
 * record that does not claim completion is saved first: two-bank
 * (0, PENDING), so that the next boot rewrites every segment from the
 * source bank; FAILED in place (the source is overwritten: nothing can be
 * decoded again), two-bank when the apply had resumed from (0, PENDING)
 * (the rewrite failed too), and without read_target (a rewrite would
 * produce the same bytes). If that save fails, its status is returned.
 */
enum dfota_status dfota_apply_finish(struct dfota_apply *applier);

/* The error recorded by the last failure (status DFOTA_OK if none). */
const struct dfota_error *dfota_apply_error(const struct dfota_apply *applier);

/* The patch header once it has been read and checked, else NULL. */
const struct dfota_patch_header *dfota_apply_header(const struct dfota_apply *applier);

/* Target bytes produced so far. */
uint32_t dfota_apply_target_done(const struct dfota_apply *applier);

#ifdef __cplusplus
}
#endif

#endif /* DFOTA_APPLY_H */
