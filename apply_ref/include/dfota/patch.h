/*
 * dfota/patch.h - the dfota patch format: header, segment header, records.
 *
 * Byte layout in docs/FORMAT.md ("Patch"). In short:
 *
 *   header (112 bytes)  magic, version, prediction flags, window log,
 *                       segment size and count, source and target size and
 *                       SHA-256, workspace size, in-place pivot, map and
 *                       region counts, their CRC, header CRC-32
 *   relocation map      map_count x 8 bytes (dfota/predict.h)
 *   region table        region_count x 16 bytes (dfota/predict.h)
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
/* Version 5 (dfota 0.5): prediction per region (a region table after the
 * map) and the in-place pivot order. Older versions are refused with
 * UNSUPPORTED_VERSION (docs/FORMAT.md, "Patch header"). */
#define DFOTA_PATCH_FORMAT_VERSION 5u
#define DFOTA_PATCH_HEADER_SIZE 112u
#define DFOTA_PATCH_MAP_ENTRY_SIZE 8u
#define DFOTA_PATCH_REGION_ENTRY_SIZE 16u
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
 * is applied (docs/FORMAT.md, "In-place patches"). The segments are stored
 * and applied from the header's pivot up to the last, then from the one
 * below the pivot down to the first.
 */
#define DFOTA_PATCH_FLAG_IN_PLACE 0x01u
#define DFOTA_PATCH_FLAGS_KNOWN DFOTA_PATCH_FLAG_IN_PLACE

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
    uint32_t workspace_size;  /* dfota_apply_workspace_for(codec, window_log, map_count, region_count) */
    uint8_t source_sha256[32];
    uint8_t target_sha256[32];
    uint32_t pivot;           /* in place: the segment applied first (0 two-bank) */
    uint32_t map_count;       /* relocation map entries following the header */
    uint32_t map_crc32;       /* CRC-32 of the map and region bytes */
    uint8_t codec;            /* DFOTA_CODEC_*_ID of the segment frames */
    uint8_t region_count;     /* prediction regions following the map */
};

/* Bytes of the relocation map and region table following the header. */
static inline size_t dfota_patch_tables_size(const struct dfota_patch_header *hdr)
{
    return (size_t)hdr->map_count * DFOTA_PATCH_MAP_ENTRY_SIZE +
           (size_t)hdr->region_count * DFOTA_PATCH_REGION_ENTRY_SIZE;
}

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

/* Region table entry kinds (byte 4 of an entry, bit 7; docs/FORMAT.md, "Region table"). */
#define DFOTA_PATCH_REGION_TARGET 0x80u

/*
 * A target region, decoded: the copies whose first target byte lies from
 * `target_start` on (to the next target region) use the relocation map
 * entries [map_first, map_first + map_count). 16 bytes, as in the patch.
 */
struct dfota_patch_target_region {
    uint32_t target_start;
    uint32_t map_first;
    uint32_t map_count;
    uint32_t reserved;
};

/*
 * Decode and validate the relocation map and the region table (the
 * dfota_patch_tables_size() bytes at `data`, whose CRC-32 the header
 * states): the map into `map`, the table's entries into `targets` and
 * `sources`, indexed as in the table: its target regions, which come first,
 * into targets[0 .. *target_count), its source regions into
 * sources[*target_count .. region_count). The three may point into `data`
 * itself (decoded in place: the map at `data`, `targets` and `sources` both
 * the table right after it; entries keep their size and place). MALFORMED unless the target regions come first,
 * start at target offset 0 and increase inside the target, their maps are
 * the header's map entries and each starts at source offset 0 and
 * increases inside the source; the source regions start at 0 and increase
 * inside the source, with known flags that together are the header's; and
 * reserved bytes and unused fields are 0. HEADER_CHECKSUM if the CRC differs.
 */
struct dfota_map_entry;
struct dfota_predict_region;
enum dfota_status dfota_patch_tables_decode(const struct dfota_patch_header *hdr,
                                            const uint8_t *data, struct dfota_map_entry *map,
                                            struct dfota_patch_target_region *targets,
                                            struct dfota_predict_region *sources,
                                            uint32_t *target_count, struct dfota_error *err);

/* Encode the map and the region table at `out` (dfota_patch_tables_size()
 * bytes): the target regions' maps in order, then the target regions
 * (map_first is implied by the order), then the source regions. */
void dfota_patch_tables_encode(const struct dfota_map_entry *map, uint32_t map_count,
                               const struct dfota_patch_target_region *targets,
                               uint32_t target_count,
                               const struct dfota_predict_region *sources,
                               uint32_t source_count, uint8_t *out);

/* Index of the target region holding target offset t (binary search). */
uint32_t dfota_patch_target_region_at(const struct dfota_patch_target_region *targets,
                                      uint32_t count, uint32_t t);

/*
 * Check the layout of a whole patch held in memory without decoding any
 * frame: header, relocation map (CRC and order), and the chain of segment
 * headers (each frame inside the patch, source positions in range, exactly
 * segment_count segments, nothing after the last). Fills `*hdr`. TRUNCATED
 * if the patch ends early, CORRUPT_PATCH for a bad segment chain or trailing
 * bytes, plus everything dfota_patch_header_decode() and
 * dfota_patch_tables_decode() refuse. No allocation.
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
 * The source bytes segment `segment` may read: [0, *low_end) and
 * [*high_start, source_size), what is still intact when it is applied. In
 * place, the segments applied before it have overwritten
 * [*low_end, *high_start) (from the pivot up to this segment, or from the
 * segment above it up to the end of the last one); a segment at or above
 * the pivot reads [0, pivot x segment_size) and from its own start up, one
 * below it reads up to its own end and from the end of the last segment's
 * place up. Two-bank, and where nothing is overwritten, both are the whole
 * source (*low_end = *high_start = source_size).
 */
void dfota_patch_source_window(const struct dfota_patch_header *hdr, uint32_t segment,
                               uint32_t *low_end, uint32_t *high_start);

/* The range of that window holding source offset `pos` (< source_size):
 * [*lo, *hi), from which a copy at `pos` and its predicted view are read. */
static inline void dfota_patch_window_range(uint32_t low_end, uint32_t high_start,
                                            uint32_t source_size, uint32_t pos, uint32_t *lo,
                                            uint32_t *hi)
{
    *lo = pos < low_end ? 0 : high_start;
    *hi = pos < low_end ? low_end : source_size;
}

/* A copy of `len` source bytes at `pos` reads only bytes of that window
 * (it lies wholly in one of its two ranges). */
static inline int dfota_patch_window_holds(uint32_t low_end, uint32_t high_start,
                                           uint32_t source_size, int64_t pos, uint64_t len)
{
    return pos >= 0 && ((uint64_t)pos + len <= low_end ||
                        ((uint64_t)pos >= high_start && (uint64_t)pos + len <= source_size));
}

#ifdef __cplusplus
}
#endif

#endif /* DFOTA_PATCH_H */
