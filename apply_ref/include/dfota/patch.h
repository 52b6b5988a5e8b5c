/*
 * dfota/patch.h - the dfota patch format: header, segment header, records.
 *
 * Byte layout in docs/FORMAT.md ("Patch"). In short:
 *
 *   header (112 bytes)  magic, version, prediction flags, window log,
 *                       segment size and count, source and target size and
 *                       SHA-256, workspace size, pointer base, map count and
 *                       CRC, header CRC-32
 *   relocation map      map_count x 8 bytes (dfota/predict.h)
 *   segment x count     8-byte segment header (frame size, source position)
 *                       followed by one zstd frame whose content is records
 *
 * Each segment produces exactly `segment_size` target bytes (the last one the
 * rest) and decodes without any state from earlier segments, so an applier
 * can restart at any segment boundary. A record is
 *   varint copy_len, varint extra_len, zigzag varint seek,
 *   copy_len diff bytes, extra_len literal bytes
 * and produces copy_len bytes (predicted source byte + diff byte, mod 256,
 * from the current source position) then extra_len literal bytes; the
 * source position then moves by copy_len + seek. copy_len + extra_len is at
 * least 1: a record that produces nothing is refused (CORRUPT_PATCH), which
 * bounds the decoded bytes of a segment by 21 per target byte.
 *
 * Portable C99, part of the device-side applier: no allocation.
 */
#ifndef DFOTA_PATCH_H
#define DFOTA_PATCH_H

#include <stddef.h>
#include <stdint.h>

#include "dfota/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* 0x89 'D' 'F' 'P' 'A' 'T' '\r' '\n' */
#define DFOTA_PATCH_MAGIC "\x89" "DFPAT\r\n"
#define DFOTA_PATCH_MAGIC_SIZE 8u
/* Version 3 (dfota 0.3): workspace_size is computed from constants
 * (dfota_apply_workspace_size(), docs/FORMAT.md "Applier memory"), for
 * two-bank and in-place patches alike. Versions 1 (two-bank) and 2 (in
 * place) of dfota 0.2 and older stated the host zstd's figure; they are
 * refused with UNSUPPORTED_VERSION. */
#define DFOTA_PATCH_FORMAT_VERSION 4u
#define DFOTA_PATCH_HEADER_SIZE 112u
#define DFOTA_PATCH_MAP_ENTRY_SIZE 8u
#define DFOTA_PATCH_SEGMENT_HEADER_SIZE 8u

/* zstd window of the segment frames: 2^10..2^13 bytes (docs/FORMAT.md). */
/* Codecs of the segment frames (header byte 102; docs/FORMAT.md "Codecs"). */
#define DFOTA_CODEC_ZSTD_ID 0u  /* zstd frames (RFC 8878) */
#define DFOTA_CODEC_RANGE_ID 1u /* dfota's range codec (dfota/rcdec.h) */
#define DFOTA_CODEC_ID_MAX 1u

/* zstd: window log of the frames. */
#define DFOTA_PATCH_WINDOW_LOG_MIN 10u
#define DFOTA_PATCH_WINDOW_LOG_MAX 13u
#define DFOTA_PATCH_WINDOW_LOG_DEFAULT 13u
/* range: log of the literal history (DFOTA_RC_HISTORY_LOG_* in dfota/rcdec.h). */
#define DFOTA_PATCH_HISTORY_LOG_MIN 8u
#define DFOTA_PATCH_HISTORY_LOG_MAX 12u
#define DFOTA_PATCH_HISTORY_LOG_DEFAULT 10u

/*
 * Patch flags (header byte 11). IN_PLACE: the target overwrites the source
 * in one flash area, segment by segment through a scratch area, and every
 * copy of a segment reads only source bytes that are still intact when it
 * is applied (docs/FORMAT.md, "In-place patches"). DESCENDING (only with
 * IN_PLACE): the segments are stored and applied from the last to the first.
 */
#define DFOTA_PATCH_FLAG_IN_PLACE 0x01u
#define DFOTA_PATCH_FLAG_DESCENDING 0x02u
#define DFOTA_PATCH_FLAGS_KNOWN (DFOTA_PATCH_FLAG_IN_PLACE | DFOTA_PATCH_FLAG_DESCENDING)

/* Target bytes per segment: a power of two in this range. */
#define DFOTA_PATCH_SEGMENT_SIZE_MIN 4096u
#define DFOTA_PATCH_SEGMENT_SIZE_MAX (1u << 20)
#define DFOTA_PATCH_SEGMENT_SIZE_DEFAULT 65536u

/* Longest encodings of the record fields. */
#define DFOTA_PATCH_VARINT32_MAX 5u
#define DFOTA_PATCH_VARINT64_MAX 10u

struct dfota_patch_header {
    uint8_t format_version;   /* DFOTA_PATCH_FORMAT_VERSION */
    uint8_t predict;          /* DFOTA_PREDICT_* flags */
    uint8_t window_log;       /* zstd: window log of the frames; range: history log */
    uint8_t flags;            /* DFOTA_PATCH_FLAG_* */
    uint32_t segment_size;    /* target bytes per segment */
    uint32_t segment_count;   /* ceil(target_size / segment_size) */
    uint32_t source_size;
    uint32_t target_size;
    uint32_t workspace_size;  /* dfota_apply_workspace_size(window_log, map_count) */
    uint8_t source_sha256[32];
    uint8_t target_sha256[32];
    uint32_t pointer_base;    /* load address of the source image (pointer prediction) */
    uint32_t map_count;       /* relocation map entries following the header */
    uint32_t map_crc32;       /* CRC-32 of the map bytes */
    uint8_t codec;            /* DFOTA_CODEC_*_ID of the segment frames */
};

/*
 * Decode and validate a patch header from `data` (at least
 * DFOTA_PATCH_HEADER_SIZE bytes, else TRUNCATED). Refusals: BAD_MAGIC,
 * UNSUPPORTED_VERSION, HEADER_CHECKSUM, UNSUPPORTED_FEATURE (prediction
 * flags, reserved byte, window log), MALFORMED (segment size or count, map
 * count inconsistent, a workspace_size other than
 * dfota_apply_workspace_size(window_log, map_count)).
 */
enum dfota_status dfota_patch_header_decode(const uint8_t *data, size_t size,
                                            struct dfota_patch_header *hdr,
                                            struct dfota_error *err);

/* Encode `hdr` into DFOTA_PATCH_HEADER_SIZE bytes at `out`, CRC included. */
void dfota_patch_header_encode(const struct dfota_patch_header *hdr, uint8_t *out);

/*
 * Decode and validate the relocation map (`count` entries at `data`, whose
 * CRC-32 the header states) into `map`. MALFORMED unless it starts at 0 and
 * is strictly increasing; HEADER_CHECKSUM if the CRC differs.
 */
struct dfota_map_entry;
enum dfota_status dfota_patch_map_decode(const struct dfota_patch_header *hdr,
                                         const uint8_t *data, struct dfota_map_entry *map,
                                         struct dfota_error *err);

/* Encode `count` map entries (8 bytes each) at `out`. */
void dfota_patch_map_encode(const struct dfota_map_entry *map, uint32_t count, uint8_t *out);

/*
 * Check the layout of a whole patch held in memory without decoding any
 * frame: header, relocation map (CRC and order), and the chain of segment
 * headers (each frame inside the patch, source positions in range, exactly
 * segment_count segments, nothing after the last). Fills `*hdr`. TRUNCATED
 * if the patch ends early, CORRUPT_PATCH for a bad segment chain or trailing
 * bytes, plus everything dfota_patch_header_decode() and
 * dfota_patch_map_decode() refuse. No allocation.
 */
enum dfota_status dfota_patch_check_layout(const uint8_t *data, size_t size,
                                           struct dfota_patch_header *hdr,
                                           struct dfota_error *err);

/* Number of segments for a target of `target_size` bytes. */
uint32_t dfota_patch_segment_count(uint32_t target_size, uint32_t segment_size);

/* The bounds of header byte 10 for `codec`: the zstd window log
 * (DFOTA_PATCH_WINDOW_LOG_MIN..MAX) or the range codec's history log
 * (DFOTA_PATCH_HISTORY_LOG_MIN..MAX); 0 for an unknown codec, else 1. */
/* What header byte 10 is for `codec`, for messages: "zstd, window" or
 * "range codec, history" (followed by " log N"). */
static inline const char *dfota_patch_log_name(unsigned codec)
{
    return codec == DFOTA_CODEC_ZSTD_ID ? "zstd, window" : "range codec, history";
}

static inline int dfota_patch_log_bounds(unsigned codec, unsigned *min, unsigned *max)
{
    if (codec == DFOTA_CODEC_ZSTD_ID) {
        *min = DFOTA_PATCH_WINDOW_LOG_MIN;
        *max = DFOTA_PATCH_WINDOW_LOG_MAX;
        return 1;
    }
    if (codec == DFOTA_CODEC_RANGE_ID) {
        *min = DFOTA_PATCH_HISTORY_LOG_MIN;
        *max = DFOTA_PATCH_HISTORY_LOG_MAX;
        return 1;
    }
    return 0;
}

/* Index of the segment applied at step `step` (0-based, in patch order). */
uint32_t dfota_patch_segment_at(const struct dfota_patch_header *hdr, uint32_t step);

/*
 * The source bytes segment `segment` of an in-place patch may read: the
 * range [*lo, *hi) of the source that is still intact when it is applied
 * (ascending: from the segment's own start to the end of the source;
 * descending: from 0 to the segment's end). For a two-bank patch, the whole
 * source.
 */
void dfota_patch_source_window(const struct dfota_patch_header *hdr, uint32_t segment,
                               uint32_t *lo, uint32_t *hi);

#ifdef __cplusplus
}
#endif

#endif /* DFOTA_PATCH_H */
