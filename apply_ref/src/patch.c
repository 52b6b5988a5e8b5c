/*
 * patch.c - patch header encoding and validation (docs/FORMAT.md, "Patch").
 */
#include "dfota/patch.h"

#include <string.h>

#include "dfota/apply.h"
#include "dfota/predict.h"
#include "dfota/wire.h"

/* Header offsets. */
#define OFF_VERSION 8u
#define OFF_PREDICT 9u
#define OFF_WINDOW_LOG 10u
#define OFF_FLAGS 11u
#define OFF_SEGMENT_SIZE 12u
#define OFF_SEGMENT_COUNT 16u
#define OFF_SOURCE_SIZE 20u
#define OFF_TARGET_SIZE 24u
#define OFF_WORKSPACE 28u
#define OFF_SOURCE_SHA256 32u
#define OFF_TARGET_SHA256 64u
#define OFF_POINTER_BASE 96u
#define OFF_MAP_COUNT 100u
#define OFF_CODEC 102u
#define OFF_RESERVED 103u
#define OFF_MAP_CRC 104u
#define OFF_CRC 108u

uint32_t dfota_patch_segment_count(uint32_t target_size, uint32_t segment_size)
{
    return target_size / segment_size + (target_size % segment_size != 0);
}

void dfota_patch_header_encode(const struct dfota_patch_header *hdr, uint8_t *out)
{
    memcpy(out, DFOTA_PATCH_MAGIC, DFOTA_PATCH_MAGIC_SIZE);
    out[OFF_VERSION] = DFOTA_PATCH_FORMAT_VERSION;
    out[OFF_PREDICT] = hdr->predict;
    out[OFF_WINDOW_LOG] = hdr->window_log;
    out[OFF_FLAGS] = hdr->flags;
    dfota_put_le32(out + OFF_SEGMENT_SIZE, hdr->segment_size);
    dfota_put_le32(out + OFF_SEGMENT_COUNT, hdr->segment_count);
    dfota_put_le32(out + OFF_SOURCE_SIZE, hdr->source_size);
    dfota_put_le32(out + OFF_TARGET_SIZE, hdr->target_size);
    dfota_put_le32(out + OFF_WORKSPACE, hdr->workspace_size);
    memcpy(out + OFF_SOURCE_SHA256, hdr->source_sha256, 32);
    memcpy(out + OFF_TARGET_SHA256, hdr->target_sha256, 32);
    dfota_put_le32(out + OFF_POINTER_BASE, hdr->pointer_base);
    dfota_put_le16(out + OFF_MAP_COUNT, (uint16_t)hdr->map_count);
    out[OFF_CODEC] = hdr->codec;
    out[OFF_RESERVED] = 0;
    dfota_put_le32(out + OFF_MAP_CRC, hdr->map_crc32);
    dfota_put_le32(out + OFF_CRC, dfota_crc32(0, out, OFF_CRC));
}

static int is_power_of_two(uint32_t v)
{
    return v != 0 && (v & (v - 1)) == 0;
}

enum dfota_status dfota_patch_header_decode(const uint8_t *data, size_t size,
                                            struct dfota_patch_header *hdr,
                                            struct dfota_error *err)
{
    uint32_t stored, computed;
    unsigned log_min, log_max;
    uint64_t rule;

    memset(hdr, 0, sizeof(*hdr));
    if (size < DFOTA_PATCH_HEADER_SIZE)
        return dfota_error_set(err, DFOTA_E_TRUNCATED,
                               "patch is %lu bytes, shorter than its %u-byte header",
                               (unsigned long)size, DFOTA_PATCH_HEADER_SIZE);
    if (memcmp(data, DFOTA_PATCH_MAGIC, DFOTA_PATCH_MAGIC_SIZE) != 0)
        return dfota_error_set(err, DFOTA_E_BAD_MAGIC, "bad magic: not a dfota patch");
    if (data[OFF_VERSION] != DFOTA_PATCH_FORMAT_VERSION)
        return dfota_error_set(err, DFOTA_E_UNSUPPORTED_VERSION,
                               data[OFF_VERSION] < DFOTA_PATCH_FORMAT_VERSION
                                   ? "patch format version %u is not supported: it was made "
                                     "by an older dfota; make the patch again (this applier "
                                     "knows version %u)"
                                   : "patch format version %u is not supported (this applier "
                                     "knows version %u)",
                               data[OFF_VERSION], DFOTA_PATCH_FORMAT_VERSION);
    stored = dfota_get_le32(data + OFF_CRC);
    computed = dfota_crc32(0, data, OFF_CRC);
    if (stored != computed)
        return dfota_error_set(err, DFOTA_E_HEADER_CHECKSUM,
                               "patch header CRC-32 mismatch: stored 0x%08lx, computed 0x%08lx",
                               (unsigned long)stored, (unsigned long)computed);
    hdr->format_version = data[OFF_VERSION];
    hdr->predict = data[OFF_PREDICT];
    hdr->window_log = data[OFF_WINDOW_LOG];
    hdr->flags = data[OFF_FLAGS];
    hdr->segment_size = dfota_get_le32(data + OFF_SEGMENT_SIZE);
    hdr->segment_count = dfota_get_le32(data + OFF_SEGMENT_COUNT);
    hdr->source_size = dfota_get_le32(data + OFF_SOURCE_SIZE);
    hdr->target_size = dfota_get_le32(data + OFF_TARGET_SIZE);
    hdr->workspace_size = dfota_get_le32(data + OFF_WORKSPACE);
    memcpy(hdr->source_sha256, data + OFF_SOURCE_SHA256, 32);
    memcpy(hdr->target_sha256, data + OFF_TARGET_SHA256, 32);
    hdr->pointer_base = dfota_get_le32(data + OFF_POINTER_BASE);
    hdr->map_count = dfota_get_le16(data + OFF_MAP_COUNT);
    hdr->codec = data[OFF_CODEC];
    hdr->map_crc32 = dfota_get_le32(data + OFF_MAP_CRC);

    if ((hdr->predict & ~DFOTA_PREDICT_ALL) != 0)
        return dfota_error_set(err, DFOTA_E_UNSUPPORTED_FEATURE,
                               "patch prediction flags 0x%02x are not supported",
                               (unsigned)hdr->predict);
    /* DESCENDING only with IN_PLACE. */
    if ((hdr->flags & ~DFOTA_PATCH_FLAGS_KNOWN) != 0 ||
        (hdr->flags != 0 && !(hdr->flags & DFOTA_PATCH_FLAG_IN_PLACE)))
        return dfota_error_set(err, DFOTA_E_UNSUPPORTED_FEATURE,
                               "patch flags 0x%02x are not supported in format version %u",
                               (unsigned)hdr->flags, (unsigned)hdr->format_version);
    if (hdr->predict == 0 ? hdr->map_count != 0
                          : hdr->map_count == 0 || hdr->map_count > DFOTA_PREDICT_MAP_MAX)
        return dfota_error_set(err, DFOTA_E_MALFORMED,
                               "relocation map of %lu entries (prediction flags 0x%02x, at "
                               "most %u entries)",
                               (unsigned long)hdr->map_count, (unsigned)hdr->predict,
                               DFOTA_PREDICT_MAP_MAX);
    if (!dfota_patch_log_bounds(hdr->codec, &log_min, &log_max) || data[OFF_RESERVED] != 0)
        return dfota_error_set(err, DFOTA_E_UNSUPPORTED_FEATURE,
                               "patch codec %u (reserved byte %u) is not supported",
                               (unsigned)hdr->codec, (unsigned)data[OFF_RESERVED]);
    if (hdr->window_log < log_min || hdr->window_log > log_max)
        return dfota_error_set(err, DFOTA_E_UNSUPPORTED_FEATURE,
                               "patch %s log %u is outside %u..%u",
                               hdr->codec == DFOTA_CODEC_ZSTD_ID ? "window" : "history",
                               (unsigned)hdr->window_log, log_min, log_max);
    if (!is_power_of_two(hdr->segment_size) || hdr->segment_size < DFOTA_PATCH_SEGMENT_SIZE_MIN ||
        hdr->segment_size > DFOTA_PATCH_SEGMENT_SIZE_MAX)
        return dfota_error_set(err, DFOTA_E_MALFORMED,
                               "segment size %lu is not a power of two in %u..%u",
                               (unsigned long)hdr->segment_size, DFOTA_PATCH_SEGMENT_SIZE_MIN,
                               DFOTA_PATCH_SEGMENT_SIZE_MAX);
    if (hdr->segment_count != dfota_patch_segment_count(hdr->target_size, hdr->segment_size))
        return dfota_error_set(err, DFOTA_E_MALFORMED,
                               "segment count %lu does not match target size %lu",
                               (unsigned long)hdr->segment_count,
                               (unsigned long)hdr->target_size);
    /* The figure comes from constants every writer and reader share
     * (docs/FORMAT.md, "Applier memory"): any other value is not this format's. */
    rule = dfota_apply_workspace_for(hdr->codec, hdr->window_log, hdr->map_count);
    if (hdr->workspace_size != rule)
        return dfota_error_set(err, DFOTA_E_MALFORMED,
                               "patch header claims %lu bytes of applier workspace, but codec "
                               "%u, log %u and %lu map entries need %lu",
                               (unsigned long)hdr->workspace_size, (unsigned)hdr->codec,
                               (unsigned)hdr->window_log,
                               (unsigned long)hdr->map_count, (unsigned long)rule);
    return DFOTA_OK;
}

uint32_t dfota_patch_segment_at(const struct dfota_patch_header *hdr, uint32_t step)
{
    return (hdr->flags & DFOTA_PATCH_FLAG_DESCENDING) ? hdr->segment_count - 1 - step : step;
}

void dfota_patch_source_window(const struct dfota_patch_header *hdr, uint32_t segment,
                               uint32_t *lo, uint32_t *hi)
{
    uint64_t start = (uint64_t)segment * hdr->segment_size;
    uint64_t end = start + hdr->segment_size;

    *lo = 0;
    *hi = hdr->source_size;
    if (!(hdr->flags & DFOTA_PATCH_FLAG_IN_PLACE))
        return;
    if (hdr->flags & DFOTA_PATCH_FLAG_DESCENDING) {
        if (end < *hi)
            *hi = (uint32_t)end;
    } else {
        *lo = start < *hi ? (uint32_t)start : *hi;
    }
}

void dfota_patch_map_encode(const struct dfota_map_entry *map, uint32_t count, uint8_t *out)
{
    uint32_t i;

    for (i = 0; i < count; i++) {
        dfota_put_le32(out + 8 * i, map[i].source_start);
        dfota_put_le32(out + 8 * i + 4, (uint32_t)map[i].shift);
    }
}

/* Map entries start at 0, increase strictly and stay inside the source. */
static int map_entry_ok(uint32_t index, uint32_t start, uint32_t previous, uint32_t source_size)
{
    return index == 0 ? start == 0 : start > previous && start < source_size;
}

enum dfota_status dfota_patch_map_decode(const struct dfota_patch_header *hdr,
                                         const uint8_t *data, struct dfota_map_entry *map,
                                         struct dfota_error *err)
{
    uint32_t i, crc = dfota_crc32(0, data, (size_t)hdr->map_count * DFOTA_PATCH_MAP_ENTRY_SIZE);

    if (crc != hdr->map_crc32)
        return dfota_error_set(err, DFOTA_E_HEADER_CHECKSUM,
                               "relocation map CRC-32 mismatch: stated 0x%08lx, computed 0x%08lx",
                               (unsigned long)hdr->map_crc32, (unsigned long)crc);
    for (i = 0; i < hdr->map_count; i++) {
        map[i].source_start = dfota_get_le32(data + 8 * i);
        map[i].shift = (int32_t)dfota_get_le32(data + 8 * i + 4);
        if (!map_entry_ok(i, map[i].source_start, i ? map[i - 1].source_start : 0,
                          hdr->source_size))
            return dfota_error_set(err, DFOTA_E_MALFORMED,
                                   "relocation map entry %lu (offset %lu) is out of order",
                                   (unsigned long)i, (unsigned long)map[i].source_start);
    }
    return DFOTA_OK;
}

enum dfota_status dfota_patch_check_layout(const uint8_t *data, size_t size,
                                           struct dfota_patch_header *hdr,
                                           struct dfota_error *err)
{
    size_t pos, map_bytes;
    uint32_t i, frame_size, source_pos, start, previous = 0;
    enum dfota_status st;

    st = dfota_patch_header_decode(data, size, hdr, err);
    if (st != DFOTA_OK)
        return st;
    map_bytes = (size_t)hdr->map_count * DFOTA_PATCH_MAP_ENTRY_SIZE;
    if (size - DFOTA_PATCH_HEADER_SIZE < map_bytes)
        return dfota_error_set(err, DFOTA_E_TRUNCATED,
                               "patch ends inside its %lu-byte relocation map",
                               (unsigned long)map_bytes);
    if (dfota_crc32(0, data + DFOTA_PATCH_HEADER_SIZE, map_bytes) != hdr->map_crc32)
        return dfota_error_set(err, DFOTA_E_HEADER_CHECKSUM, "relocation map CRC-32 mismatch");
    for (i = 0; i < hdr->map_count; i++) {
        start = dfota_get_le32(data + DFOTA_PATCH_HEADER_SIZE + (size_t)i * 8);
        if (!map_entry_ok(i, start, previous, hdr->source_size))
            return dfota_error_set(err, DFOTA_E_MALFORMED,
                                   "relocation map entry %lu (offset %lu) is out of order",
                                   (unsigned long)i, (unsigned long)start);
        previous = start;
    }
    pos = DFOTA_PATCH_HEADER_SIZE + map_bytes;
    for (i = 0; i < hdr->segment_count; i++) {
        if (size - pos < DFOTA_PATCH_SEGMENT_HEADER_SIZE)
            return dfota_error_set(err, DFOTA_E_TRUNCATED,
                                   "patch ends before segment %lu of %lu", (unsigned long)i + 1,
                                   (unsigned long)hdr->segment_count);
        frame_size = dfota_get_le32(data + pos);
        source_pos = dfota_get_le32(data + pos + 4);
        pos += DFOTA_PATCH_SEGMENT_HEADER_SIZE;
        if (frame_size == 0 || source_pos > hdr->source_size)
            return dfota_error_set(err, DFOTA_E_CORRUPT_PATCH,
                                   "segment %lu: frame size %lu, source position %lu",
                                   (unsigned long)i, (unsigned long)frame_size,
                                   (unsigned long)source_pos);
        if (size - pos < frame_size)
            return dfota_error_set(err, DFOTA_E_TRUNCATED,
                                   "patch ends inside segment %lu of %lu", (unsigned long)i + 1,
                                   (unsigned long)hdr->segment_count);
        pos += frame_size;
    }
    if (pos != size)
        return dfota_error_set(err, DFOTA_E_CORRUPT_PATCH,
                               "%lu unexpected byte(s) after the last segment",
                               (unsigned long)(size - pos));
    return DFOTA_OK;
}
