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
#define OFF_PIVOT 96u
#define OFF_MAP_COUNT 100u
#define OFF_CODEC 102u
#define OFF_REGION_COUNT 103u
#define OFF_MAP_CRC 104u
#define OFF_CRC 108u

/* Regions are decoded in place: one entry, one struct of the same size. */
typedef char target_region_size_check[sizeof(struct dfota_patch_target_region) == DFOTA_PATCH_REGION_ENTRY_SIZE ? 1 : -1];
typedef char source_region_size_check[sizeof(struct dfota_predict_region) == DFOTA_PATCH_REGION_ENTRY_SIZE ? 1 : -1];

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
    dfota_put_le32(out + OFF_PIVOT, hdr->pivot);
    dfota_put_le16(out + OFF_MAP_COUNT, (uint16_t)hdr->map_count);
    out[OFF_CODEC] = hdr->codec;
    out[OFF_REGION_COUNT] = (uint8_t)hdr->region_count;
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
    hdr->pivot = dfota_get_le32(data + OFF_PIVOT);
    hdr->map_count = dfota_get_le16(data + OFF_MAP_COUNT);
    hdr->region_count = data[OFF_REGION_COUNT];
    hdr->codec = data[OFF_CODEC];
    hdr->map_crc32 = dfota_get_le32(data + OFF_MAP_CRC);

    if ((hdr->predict & ~DFOTA_PREDICT_ALL) != 0)
        return dfota_error_set(err, DFOTA_E_UNSUPPORTED_FEATURE,
                               "patch prediction flags 0x%02x are not supported",
                               (unsigned)hdr->predict);
    if ((hdr->flags & ~DFOTA_PATCH_FLAGS_KNOWN) != 0)
        return dfota_error_set(err, DFOTA_E_UNSUPPORTED_FEATURE,
                               "patch flags 0x%02x are not supported in format version %u",
                               (unsigned)hdr->flags, (unsigned)hdr->format_version);
    if (hdr->predict == 0 ? hdr->map_count != 0 || hdr->region_count != 0
                          : hdr->map_count == 0 || hdr->map_count > DFOTA_PREDICT_MAP_MAX ||
                                hdr->region_count == 0 ||
                                hdr->region_count > DFOTA_PREDICT_REGION_MAX)
        return dfota_error_set(err, DFOTA_E_MALFORMED,
                               "relocation map of %lu entries and %lu prediction regions "
                               "(prediction flags 0x%02x; at most %u entries and %u regions)",
                               (unsigned long)hdr->map_count, (unsigned long)hdr->region_count,
                               (unsigned)hdr->predict, DFOTA_PREDICT_MAP_MAX,
                               DFOTA_PREDICT_REGION_MAX);
    if (!dfota_patch_log_bounds(hdr->codec, &log_min, &log_max))
        return dfota_error_set(err, DFOTA_E_UNSUPPORTED_FEATURE,
                               "patch codec %u is not supported", (unsigned)hdr->codec);
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
    if ((hdr->flags & DFOTA_PATCH_FLAG_IN_PLACE) ? hdr->pivot > hdr->segment_count
                                                 : hdr->pivot != 0)
        return dfota_error_set(err, DFOTA_E_MALFORMED,
                               "segment order pivot %lu (%s patch of %lu segments)",
                               (unsigned long)hdr->pivot,
                               (hdr->flags & DFOTA_PATCH_FLAG_IN_PLACE) ? "an in-place"
                                                                        : "a two-bank",
                               (unsigned long)hdr->segment_count);
    /* The figure comes from constants every writer and reader share
     * (docs/FORMAT.md, "Applier memory"): any other value is not this format's. */
    rule = dfota_apply_workspace_for(hdr->codec, hdr->window_log, hdr->map_count,
                                     hdr->region_count);
    if (hdr->workspace_size != rule)
        return dfota_error_set(err, DFOTA_E_MALFORMED,
                               "patch header claims %lu bytes of applier workspace, but codec "
                               "%u, log %u, %lu map entries and %lu regions need %lu",
                               (unsigned long)hdr->workspace_size, (unsigned)hdr->codec,
                               (unsigned)hdr->window_log, (unsigned long)hdr->map_count,
                               (unsigned long)hdr->region_count, (unsigned long)rule);
    return DFOTA_OK;
}

uint32_t dfota_patch_segment_at(const struct dfota_patch_header *hdr, uint32_t step)
{
    uint32_t up = hdr->segment_count - hdr->pivot; /* steps from the pivot up */

    return step < up ? hdr->pivot + step : hdr->pivot - 1 - (step - up);
}

void dfota_patch_source_window(const struct dfota_patch_header *hdr, uint32_t segment,
                               uint32_t *low_end, uint32_t *high_start)
{
    uint64_t size = hdr->segment_size, a, b;

    *low_end = *high_start = hdr->source_size;
    if (!(hdr->flags & DFOTA_PATCH_FLAG_IN_PLACE))
        return;
    if (segment >= hdr->pivot) {
        /* Written before it: [pivot, segment). */
        a = hdr->pivot * size;
        b = segment * size;
    } else {
        /* Written before it: (segment, count). */
        a = (segment + 1) * size;
        b = hdr->segment_count * size;
    }
    if (b <= a)
        return; /* nothing overwritten */
    *low_end = a < hdr->source_size ? (uint32_t)a : hdr->source_size;
    *high_start = b < hdr->source_size ? (uint32_t)b : hdr->source_size;
}

void dfota_patch_tables_encode(const struct dfota_map_entry *map, uint32_t map_count,
                               const struct dfota_patch_target_region *targets,
                               uint32_t target_count,
                               const struct dfota_predict_region *sources,
                               uint32_t source_count, uint8_t *out)
{
    uint32_t i;

    for (i = 0; i < map_count; i++) {
        dfota_put_le32(out + 8 * i, map[i].source_start);
        dfota_put_le32(out + 8 * i + 4, (uint32_t)map[i].shift);
    }
    out += (size_t)map_count * DFOTA_PATCH_MAP_ENTRY_SIZE;
    for (i = 0; i < target_count; i++, out += DFOTA_PATCH_REGION_ENTRY_SIZE) {
        memset(out, 0, DFOTA_PATCH_REGION_ENTRY_SIZE);
        dfota_put_le32(out, targets[i].target_start);
        out[4] = DFOTA_PATCH_REGION_TARGET;
        dfota_put_le16(out + 6, (uint16_t)targets[i].map_count);
    }
    for (i = 0; i < source_count; i++, out += DFOTA_PATCH_REGION_ENTRY_SIZE) {
        dfota_put_le32(out, sources[i].source_start);
        out[4] = sources[i].flags;
        out[5] = out[6] = out[7] = 0;
        dfota_put_le32(out + 8, sources[i].pointer_base);
        dfota_put_le32(out + 12, (uint32_t)sources[i].pointer_delta);
    }
}

uint32_t dfota_patch_target_region_at(const struct dfota_patch_target_region *targets,
                                      uint32_t count, uint32_t t)
{
    uint32_t lo = 0, hi = count, mid;

    if (count == 0)
        return 0;
    while (hi - lo > 1) {
        mid = lo + (hi - lo) / 2;
        if (targets[mid].target_start <= t)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/* Entries start at 0 and increase strictly below `size`. */
static int start_ok(uint32_t index, uint32_t start, uint32_t previous, uint32_t size)
{
    return index == 0 ? start == 0 : start > previous && start < size;
}

/* A source region entry's fields other than its start: known flags,
 * reserved bytes 0, pointer fields 0 unless it predicts pointers. */
static int source_region_ok(const uint8_t *e)
{
    return (e[4] & ~DFOTA_PREDICT_ALL) == 0 && e[5] == 0 && e[6] == 0 && e[7] == 0 &&
           ((e[4] & DFOTA_PREDICT_POINTER) ||
            (dfota_get_le32(e + 8) == 0 && dfota_get_le32(e + 12) == 0));
}

/* A target region entry's: the kind alone in byte 4, a map, the rest 0. */
static int target_region_ok(const uint8_t *e)
{
    return e[4] == DFOTA_PATCH_REGION_TARGET && e[5] == 0 && dfota_get_le16(e + 6) != 0 &&
           dfota_get_le32(e + 8) == 0 && dfota_get_le32(e + 12) == 0;
}

/*
 * The checks of dfota_patch_tables_decode() on the raw bytes; the OR of
 * the source regions' flags in *flags, the target regions in *targets.
 * 0 if fine, else what is wrong: 1 + the index of the first bad region,
 * REGIONS_BAD + 1 + the index of the first bad map entry, or MAPS_UNEVEN
 * if the target regions' maps are not the header's.
 */
#define REGIONS_BAD 0x10000u
#define MAPS_UNEVEN 0xFFFFFFFFu
static uint32_t tables_check(const struct dfota_patch_header *hdr, const uint8_t *data,
                             unsigned *flags, uint32_t *targets)
{
    const uint8_t *table = data + (size_t)hdr->map_count * DFOTA_PATCH_MAP_ENTRY_SIZE, *e;
    uint32_t i, k, start, previous = 0, used = 0, count, nt = 0;

    *flags = 0;
    *targets = 0;
    if (hdr->region_count == 0)
        return 0;
    /* Target regions first, then source regions; at least one of each. */
    while (nt < hdr->region_count && (table[nt * DFOTA_PATCH_REGION_ENTRY_SIZE + 4] & 0x80u))
        nt++;
    if (nt == 0)
        return 1;
    if (nt == hdr->region_count)
        return 1 + nt - 1;
    for (i = 0; i < nt; i++) {
        e = table + (size_t)i * DFOTA_PATCH_REGION_ENTRY_SIZE;
        start = dfota_get_le32(e);
        if (!start_ok(i, start, previous, hdr->target_size) || !target_region_ok(e))
            return 1 + i;
        previous = start;
        count = dfota_get_le16(e + 6);
        if (count > hdr->map_count - used)
            return MAPS_UNEVEN;
        /* The region's map: from source offset 0, increasing, inside the source. */
        for (k = 0; k < count; k++) {
            uint32_t at = dfota_get_le32(data + 8 * (used + k));

            if (!start_ok(k, at, k ? dfota_get_le32(data + 8 * (used + k - 1)) : 0,
                          hdr->source_size))
                return REGIONS_BAD + 1 + used + k;
        }
        used += count;
    }
    if (used != hdr->map_count)
        return MAPS_UNEVEN;
    for (i = nt; i < hdr->region_count; i++) {
        e = table + (size_t)i * DFOTA_PATCH_REGION_ENTRY_SIZE;
        start = dfota_get_le32(e);
        if (!start_ok(i - nt, start, previous, hdr->source_size) || !source_region_ok(e))
            return 1 + i;
        previous = start;
        *flags |= e[4];
    }
    *targets = nt;
    return 0;
}

static enum dfota_status tables_error(const struct dfota_patch_header *hdr, uint32_t bad,
                                      unsigned flags, struct dfota_error *err)
{
    (void)flags; /* for the messages (unused in the lean build) */
    (void)hdr;
    if (bad == 0)
        return dfota_error_set(err, DFOTA_E_MALFORMED,
                               "the prediction regions' flags 0x%02x are not the header's "
                               "0x%02x",
                               flags, (unsigned)hdr->predict);
    if (bad == MAPS_UNEVEN)
        return dfota_error_set(err, DFOTA_E_MALFORMED,
                               "the target regions' maps are not the %lu map entries the "
                               "header states",
                               (unsigned long)hdr->map_count);
    if (bad > REGIONS_BAD)
        return dfota_error_set(err, DFOTA_E_MALFORMED,
                               "relocation map entry %lu is out of order",
                               (unsigned long)(bad - REGIONS_BAD - 1));
    return dfota_error_set(err, DFOTA_E_MALFORMED,
                           "prediction region %lu is out of order, of the wrong kind there, or "
                           "has unknown or reserved fields set",
                           (unsigned long)bad - 1);
}

enum dfota_status dfota_patch_tables_decode(const struct dfota_patch_header *hdr,
                                            const uint8_t *data, struct dfota_map_entry *map,
                                            struct dfota_patch_target_region *targets,
                                            struct dfota_predict_region *sources,
                                            uint32_t *target_count, struct dfota_error *err)
{
    size_t size = dfota_patch_tables_size(hdr);
    uint32_t i, crc = dfota_crc32(0, data, size), bad, nt, first = 0;
    unsigned flags;
    const uint8_t *e;

    *target_count = 0;
    if (crc != hdr->map_crc32)
        return dfota_error_set(err, DFOTA_E_HEADER_CHECKSUM,
                               "relocation map CRC-32 mismatch: stated 0x%08lx, computed 0x%08lx",
                               (unsigned long)hdr->map_crc32, (unsigned long)crc);
    bad = tables_check(hdr, data, &flags, &nt);
    if (bad != 0 || flags != hdr->predict)
        return tables_error(hdr, bad, flags, err);
    /* Forward, each entry read whole before it is written: the outputs may
     * be `data` itself (entries keep their size and place). */
    for (i = 0; i < hdr->map_count; i++) {
        uint32_t start = dfota_get_le32(data + 8 * i);
        int32_t shift = (int32_t)dfota_get_le32(data + 8 * i + 4);

        map[i].source_start = start;
        map[i].shift = shift;
    }
    e = data + (size_t)hdr->map_count * DFOTA_PATCH_MAP_ENTRY_SIZE;
    for (i = 0; i < nt; i++, e += DFOTA_PATCH_REGION_ENTRY_SIZE) {
        struct dfota_patch_target_region t;

        t.target_start = dfota_get_le32(e);
        t.map_count = dfota_get_le16(e + 6);
        t.map_first = first;
        t.reserved = 0;
        first += t.map_count;
        targets[i] = t;
    }
    for (i = nt; i < hdr->region_count; i++, e += DFOTA_PATCH_REGION_ENTRY_SIZE) {
        struct dfota_predict_region r;

        r.source_start = dfota_get_le32(e);
        r.flags = e[4];
        r.pointer_base = dfota_get_le32(e + 8);
        r.pointer_delta = (int32_t)dfota_get_le32(e + 12);
        sources[i] = r;
    }
    *target_count = nt;
    return DFOTA_OK;
}

enum dfota_status dfota_patch_check_layout(const uint8_t *data, size_t size,
                                           struct dfota_patch_header *hdr,
                                           struct dfota_error *err)
{
    size_t pos, map_bytes;
    uint32_t i, frame_size, source_pos, bad, min_frame, targets;
    unsigned flags;
    enum dfota_status st;

    st = dfota_patch_header_decode(data, size, hdr, err);
    if (st != DFOTA_OK)
        return st;
    map_bytes = dfota_patch_tables_size(hdr);
    if (size - DFOTA_PATCH_HEADER_SIZE < map_bytes)
        return dfota_error_set(err, DFOTA_E_TRUNCATED,
                               "patch ends inside its %lu-byte relocation map and region table",
                               (unsigned long)map_bytes);
    if (dfota_crc32(0, data + DFOTA_PATCH_HEADER_SIZE, map_bytes) != hdr->map_crc32)
        return dfota_error_set(err, DFOTA_E_HEADER_CHECKSUM, "relocation map CRC-32 mismatch");
    bad = tables_check(hdr, data + DFOTA_PATCH_HEADER_SIZE, &flags, &targets);
    if (bad != 0 || flags != hdr->predict)
        return tables_error(hdr, bad, flags, err);
    /* The smallest frame: a zstd frame is never empty, a range frame holds
     * its CRC-32 in place and may be empty two-bank (as the applier). */
    min_frame = hdr->codec == DFOTA_CODEC_ZSTD_ID ? 1u
                : (hdr->flags & DFOTA_PATCH_FLAG_IN_PLACE) ? 4u
                                                          : 0u;
    pos = DFOTA_PATCH_HEADER_SIZE + map_bytes;
    for (i = 0; i < hdr->segment_count; i++) {
        if (size - pos < DFOTA_PATCH_SEGMENT_HEADER_SIZE)
            return dfota_error_set(err, DFOTA_E_TRUNCATED,
                                   "patch ends before segment %lu of %lu", (unsigned long)i + 1,
                                   (unsigned long)hdr->segment_count);
        frame_size = dfota_get_le32(data + pos);
        source_pos = dfota_get_le32(data + pos + 4);
        pos += DFOTA_PATCH_SEGMENT_HEADER_SIZE;
        if (frame_size < min_frame || source_pos > hdr->source_size)
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
