/*
 * fuzz_apply.c - fuzz target for the streaming applier (apply_ref): the
 * input (an option byte, then a patch; see apply_source.h) is pushed in
 * chunks against a fixed source image into a RAM target area with NOR
 * rules, with exactly the workspace the patch header asks for (capped at
 * the largest a valid patch may ask for).
 *
 * Besides memory errors, the target aborts on anything the applier
 * promises never to do whatever the patch says: read outside the source,
 * erase or write outside the target area or unaligned, write bytes that are
 * not erased, report progress out of order, call back after a failure, or
 * succeed with a wrong length.
 *
 * Built as a libFuzzer target with -DDFOTA_FUZZ=ON (clang), and always
 * linked into the replay driver that CTest runs over the corpus.
 */
#include <stdlib.h>
#include <string.h>

#include "apply_source.h"
#include "dfota/apply.h"
#include "dfota/patch.h"
#include "dfota/predict.h"
#include "dfota/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fuzz_device {
    const uint8_t *source;
    size_t source_size;
    uint8_t target[FUZZ_APPLY_TARGET_CAPACITY];
    uint8_t erased[FUZZ_APPLY_TARGET_CAPACITY]; /* 1: erased and not written since */
    uint32_t write_align;
    unsigned progress_steps, progress_calls, last_percent;
    int failed;                                 /* the applier failed: no more callbacks */
};

static enum dfota_status fuzz_read(void *ctx, uint32_t offset, uint8_t *dst, size_t len)
{
    struct fuzz_device *d = ctx;

    if (d->failed || offset > d->source_size || len > d->source_size - offset || len == 0)
        abort();
    memcpy(dst, d->source + offset, len);
    return DFOTA_OK;
}

static enum dfota_status fuzz_erase(void *ctx, uint32_t offset, uint32_t len)
{
    struct fuzz_device *d = ctx;

    if (d->failed || offset % FUZZ_APPLY_ERASE_SIZE != 0 || len % FUZZ_APPLY_ERASE_SIZE != 0 ||
        len == 0 || offset > FUZZ_APPLY_TARGET_CAPACITY ||
        len > FUZZ_APPLY_TARGET_CAPACITY - offset)
        abort();
    memset(d->target + offset, 0xFF, len);
    memset(d->erased + offset, 1, len);
    return DFOTA_OK;
}

static enum dfota_status fuzz_write(void *ctx, uint32_t offset, const uint8_t *src, size_t len)
{
    struct fuzz_device *d = ctx;
    size_t i;

    if (d->failed || offset % d->write_align != 0 || len % d->write_align != 0 || len == 0 ||
        offset > FUZZ_APPLY_TARGET_CAPACITY || len > FUZZ_APPLY_TARGET_CAPACITY - offset)
        abort();
    for (i = 0; i < len; i++)
        if (!d->erased[offset + i])
            abort();
    memcpy(d->target + offset, src, len);
    memset(d->erased + offset, 0, len);
    return DFOTA_OK;
}

static void fuzz_progress(void *ctx, unsigned percent)
{
    struct fuzz_device *d = ctx;

    if (d->failed || percent > 100 || percent <= d->last_percent ||
        ++d->progress_calls > d->progress_steps)
        abort();
    d->last_percent = percent;
}

static const uint8_t *fuzz_source(size_t *size)
{
    static uint8_t source[FUZZ_APPLY_SOURCE_CAP];
    static size_t source_size;

    if (source_size == 0)
        source_size = fuzz_apply_source(source);
    *size = source_size;
    return source;
}

static void run_patch(uint8_t options, const uint8_t *patch, size_t size)
{
    static struct fuzz_device device;
    const size_t workspace_max =
        dfota_apply_workspace_need(DFOTA_PATCH_WINDOW_LOG_MAX, DFOTA_PREDICT_MAP_MAX, DFOTA_PREDICT_REGION_MAX);
    struct dfota_patch_header hdr;
    struct dfota_apply_config config;
    struct dfota_apply_io io;
    struct dfota_apply *ap;
    size_t chunk = fuzz_apply_chunks[options & 15u], workspace_size, pos = 0, take, i;
    enum dfota_status st = DFOTA_OK;
    uint8_t *workspace;

    memset(&device, 0, sizeof(device));
    device.source = fuzz_source(&device.source_size);
    device.write_align = fuzz_apply_aligns[(options >> 4) & 3u];
    device.progress_steps = fuzz_apply_steps[(options >> 6) & 3u];

    /* The workspace the header asks for, capped; the smallest normal one otherwise. */
    workspace_size = dfota_apply_workspace_need(DFOTA_PATCH_WINDOW_LOG_MIN, 0, 0);
    if (dfota_patch_header_decode(patch, size, &hdr, NULL) == DFOTA_OK)
        workspace_size = hdr.workspace_size < workspace_max ? hdr.workspace_size : workspace_max;
    workspace = malloc(workspace_size ? workspace_size : 1);
    if (workspace == NULL)
        return;

    memset(&config, 0, sizeof(config));
    config.erase_size = FUZZ_APPLY_ERASE_SIZE;
    config.write_align = device.write_align;
    config.source_size = (uint32_t)device.source_size;
    config.target_capacity = FUZZ_APPLY_TARGET_CAPACITY;
    config.progress_steps = device.progress_steps;
    memset(&io, 0, sizeof(io));
    io.ctx = &device;
    io.read_source = fuzz_read;
    io.erase_target = fuzz_erase;
    io.write_target = fuzz_write;
    io.progress = fuzz_progress;
    if (dfota_apply_init(&ap, workspace, workspace_size, &config, &io, NULL) != DFOTA_OK) {
        free(workspace);
        return;
    }
    while (pos < size && st == DFOTA_OK) {
        take = size - pos < chunk ? size - pos : chunk;
        st = dfota_apply_push(ap, patch + pos, take);
        pos += take;
    }
    if (st == DFOTA_OK)
        st = dfota_apply_finish(ap);
    if (st != DFOTA_OK) {
        /* Failures stick, are recorded, and call nothing back any more. */
        device.failed = 1;
        if (dfota_apply_push(ap, patch, size < 16 ? size : 16) != st ||
            dfota_apply_finish(ap) != st || dfota_apply_error(ap)->status != st)
            abort();
    } else {
        /* Success: the whole target, padded with erased bytes, all steps reported. */
        const struct dfota_patch_header *h = dfota_apply_header(ap);

        if (h == NULL || dfota_apply_target_done(ap) != h->target_size ||
            h->target_size > FUZZ_APPLY_TARGET_CAPACITY ||
            device.progress_calls != device.progress_steps)
            abort();
        for (i = h->target_size; i % device.write_align != 0; i++)
            if (device.target[i] != 0xFF)
                abort();
    }
    free(workspace);
}

/*
 * The input as given, then (if it has a patch header) a copy with the map
 * and header CRC-32s recomputed, so that mutations reach the map, segment
 * and record parsers instead of all stopping at a checksum.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *patch = data + 1;
    size_t patch_size = size - 1, map_end;
    uint32_t map_count;
    uint8_t *copy;

    if (size < 1)
        return 0;
    run_patch(data[0], patch, patch_size);
    if (patch_size < DFOTA_PATCH_HEADER_SIZE)
        return 0;
    copy = malloc(patch_size);
    if (copy == NULL)
        return 0;
    memcpy(copy, patch, patch_size);
    map_count = dfota_get_le16(copy + 100); /* byte 102: codec; 103: region count */
    if (map_count <= DFOTA_PREDICT_MAP_MAX) {
        map_end = DFOTA_PATCH_HEADER_SIZE + (size_t)map_count * DFOTA_PATCH_MAP_ENTRY_SIZE +
                  (size_t)copy[103] * DFOTA_PATCH_REGION_ENTRY_SIZE;
        if (map_end <= patch_size)
            dfota_put_le32(copy + 104, dfota_crc32(0, copy + DFOTA_PATCH_HEADER_SIZE,
                                                   map_end - DFOTA_PATCH_HEADER_SIZE));
    }
    dfota_put_le32(copy + 108, dfota_crc32(0, copy, 108));
    if (memcmp(copy, patch, DFOTA_PATCH_HEADER_SIZE) != 0)
        run_patch(data[0], copy, patch_size);
    free(copy);
    return 0;
}
