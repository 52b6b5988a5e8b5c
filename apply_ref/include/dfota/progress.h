/*
 * dfota/progress.h - the progress record that makes an apply resumable, and
 * a two-slot store that keeps it in its own flash area.
 *
 * The applier hands a record to its save_progress callback at every segment
 * boundary but the last, and from dfota_apply_finish() (dfota/apply.h).
 * After a power cut the device loads the newest valid record and gives it to
 * dfota_apply_resume() before pushing the same patch again from its first
 * byte; the applier skips the segments the record says are done. Byte layout
 * in docs/FORMAT.md ("Progress record").
 *
 * The store: two slots of one erase block each, at [0, slot_size) and
 * [slot_size, 2 * slot_size) of the record area. A save erases the slot that
 * does not hold the newest valid record and writes the new record there with
 * the next sequence number; a load takes the valid record (magic, version,
 * CRC-32) with the highest sequence number. A power cut during a save can
 * only damage the slot being written, so afterwards either the old or the
 * new record is the newest valid one.
 *
 * A record whose step equals its segment count, phase PENDING, says the
 * update is complete: finish() saves it only after the target's SHA-256
 * matched (read back from the flash). Keep it: a device that boots again
 * before switching to the new image resumes from it, finds nothing left to
 * do and verifies again, where a lost record would look like a fresh start
 * (and, in place, fail the source check). The next update's first save
 * replaces it; a complete record of another patch does not block a new
 * update (dfota_progress_in_progress()). Clearing (erasing both slots) is
 * for a device that no longer needs to know: a cut while clearing may leave
 * no record at all.
 *
 * When the final check fails, finish() saves a record from which the next
 * boot does what can be done: two-bank, (0, PENDING), so that it rewrites
 * every segment from the intact source bank; in place (the source is
 * overwritten), or two-bank when that rewrite failed the check too, a
 * FAILED record, so that it refuses at once (TARGET_MISMATCH) instead of
 * checking and failing at every boot.
 *
 * Portable C99, part of the device-side applier: no allocation. Stack
 * (Cortex-M4, gcc 12 -Os, -fstack-usage): dfota_progress_save() 288 bytes
 * with the slot reader it calls, for write units up to 64 bytes, 272 more
 * for wider ones (a buffer of one unit, in its own frame);
 * dfota_progress_load() 176. docs/PORTING.md has
 * the whole apply's measured peak.
 */
#ifndef DFOTA_PROGRESS_H
#define DFOTA_PROGRESS_H

#include <stddef.h>
#include <stdint.h>

#include "dfota/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* 'D' 'F' 'P' 'R' */
#define DFOTA_PROGRESS_MAGIC "DFPR"
/* Version 1: phases PENDING and SCRATCH. Version 2 adds FAILED; the encoder
 * writes version 1 for the other phases, so those records stay readable by
 * version-1 appliers. */
#define DFOTA_PROGRESS_VERSION 2u
#define DFOTA_PROGRESS_VERSION_NO_FAILED 1u
#define DFOTA_PROGRESS_RECORD_SIZE 64u

/* Phase of the step the record points at. */
#define DFOTA_PROGRESS_PENDING 0u   /* nothing of step `step` is known to be done */
#define DFOTA_PROGRESS_SCRATCH 1u   /* in-place: step `step` is complete in the scratch area */
#define DFOTA_PROGRESS_FAILED 2u    /* step = segment_count: every segment was written, the
                                     * target failed its check and this patch cannot rebuild
                                     * it; the update is given up */

struct dfota_progress {
    uint32_t sequence;      /* assigned by dfota_progress_save() */
    uint8_t phase;          /* DFOTA_PROGRESS_PENDING, _SCRATCH or _FAILED */
    uint8_t percent;        /* target bytes done when saved, 0..100 (floor) */
    uint8_t flags;          /* the patch's DFOTA_PATCH_FLAG_* */
    uint32_t step;          /* segments completed, in patch order (0..segment_count) */
    uint32_t segment_count; /* of the patch */
    uint32_t patch_offset;  /* patch byte offset of segment `step`'s header (or the end) */
    uint8_t patch_id[32];   /* SHA-256 of the patch's 112-byte header */
};

/* Encode `rec` into DFOTA_PROGRESS_RECORD_SIZE bytes at `out`, CRC included. */
void dfota_progress_encode(const struct dfota_progress *rec, uint8_t *out);

/* Decode DFOTA_PROGRESS_RECORD_SIZE bytes: 1 if they hold a valid record
 * (magic, version, a phase that version knows, FAILED only with step =
 * segment_count, reserved bytes 0, CRC-32), else 0. */
int dfota_progress_decode(const uint8_t *in, struct dfota_progress *rec);

/* The record area: two erase blocks of `slot_size` bytes, accessed through
 * callbacks with offsets relative to the area's start. */
struct dfota_progress_store {
    void *ctx;
    enum dfota_status (*read)(void *ctx, uint32_t offset, uint8_t *dst, size_t len);
    enum dfota_status (*erase)(void *ctx, uint32_t offset, uint32_t len);
    enum dfota_status (*write)(void *ctx, uint32_t offset, const uint8_t *src, size_t len);
    uint32_t slot_size;   /* one erase block, >= the record rounded up to write_align */
    uint32_t write_align; /* power of two, 1..256 */
};

/*
 * Load the newest valid record into `*rec`; `*found` is 1 if there is one,
 * else 0 (a fresh device, or a cleared area). Fails only if a read fails or
 * the store's parameters are invalid (INVALID_ARGUMENT).
 */
enum dfota_status dfota_progress_load(const struct dfota_progress_store *store,
                                      struct dfota_progress *rec, int *found);

/*
 * Save `rec` as the newest record: its sequence becomes the newest valid
 * one's plus one (1 on an empty area), then the other slot is erased and
 * written. The flash status of a failed erase or write is returned; the
 * previous record stays the newest valid one.
 */
enum dfota_status dfota_progress_save(const struct dfota_progress_store *store,
                                      struct dfota_progress *rec);

/* The patch id a record names: the SHA-256 of the patch's first
 * DFOTA_PATCH_HEADER_SIZE bytes (its header). */
void dfota_progress_patch_id(const uint8_t *patch_header, uint8_t *id);

/* Does `rec` describe an update that is not finished? (step < segment_count:
 * neither a complete nor a FAILED record) */
int dfota_progress_in_progress(const struct dfota_progress *rec);

/* Erase both slots, the older one first. */
enum dfota_status dfota_progress_clear(const struct dfota_progress_store *store);

#ifdef __cplusplus
}
#endif

#endif /* DFOTA_PROGRESS_H */
