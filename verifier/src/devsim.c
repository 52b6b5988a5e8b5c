/*
 * devsim.c - a simulated module running the boot-time update sequence
 * (dfota/devsim.h).
 */
#include "dfota/devsim.h"

#include <stdlib.h>
#include <string.h>

#define ZSTD_STATIC_LINKING_ONLY /* ZSTD_getFrameHeader() */
#include <zstd.h>

#include "dfota/apply.h"
#include "dfota/container.h"
#include "dfota/pkgapply.h"

static uint64_t round_up(uint64_t v, uint32_t unit)
{
    return (v + unit - 1) / unit * unit;
}

static int is_pow2(uint32_t v)
{
    return v != 0 && (v & (v - 1)) == 0;
}

enum dfota_status dfota_devsim_layout(struct dfota_devsim *d, const struct dfota_patch_header *hdr,
                                      size_t source_size, uint32_t erase_size,
                                      uint32_t write_align, uint32_t max_size,
                                      struct dfota_error *err)
{
    uint64_t record, first, second, total;

    memset(d, 0, sizeof(*d));
    if (!is_pow2(erase_size) || erase_size < 256 || erase_size > hdr->segment_size ||
        !is_pow2(write_align) || write_align > 256 || write_align > erase_size)
        return dfota_error_set(err, DFOTA_E_INVALID_ARGUMENT,
                               "erase size %lu and write alignment %lu: both powers of two, "
                               "256 <= erase size <= the %lu-byte segment, alignment <= 256 "
                               "and <= erase size",
                               (unsigned long)erase_size, (unsigned long)write_align,
                               (unsigned long)hdr->segment_size);
    d->in_place = (hdr->flags & DFOTA_PATCH_FLAG_IN_PLACE) != 0;
    d->erase_size = erase_size;
    d->write_align = write_align;
    record = 2u * (uint64_t)erase_size;
    if (d->in_place) {
        first = round_up(hdr->segment_size, erase_size); /* scratch */
        second = round_up(source_size > hdr->target_size ? source_size : hdr->target_size,
                          erase_size);
    } else {
        first = round_up(source_size, erase_size); /* old bank */
        second = round_up(hdr->target_size, erase_size);
    }
    if (second == 0)
        second = erase_size;
    total = record + first + second;
    if (total > max_size)
        return dfota_error_set(err, DFOTA_E_TOO_LARGE,
                               "the simulated flash would be %llu bytes, over the %lu-byte limit",
                               (unsigned long long)total, (unsigned long)max_size);
    d->record_offset = 0;
    d->source_size = (uint32_t)source_size;
    if (d->in_place) {
        d->scratch_offset = (uint32_t)record;
        d->scratch_size = (uint32_t)first;
        d->source_offset = d->target_offset = (uint32_t)(record + first);
    } else {
        d->source_offset = (uint32_t)record;
        d->target_offset = (uint32_t)(record + first);
    }
    d->target_capacity = (uint32_t)second;
    return DFOTA_OK;
}

enum dfota_status dfota_devsim_create(struct dfota_devsim *d, const struct dfota_patch_header *hdr,
                                      const uint8_t *source, size_t source_size,
                                      uint32_t erase_size, uint32_t write_align,
                                      uint32_t max_size, struct dfota_error *err)
{
    struct dfota_devsim layout;
    uint64_t size;
    enum dfota_status st;

    memset(d, 0, sizeof(*d));
    st = dfota_devsim_layout(&layout, hdr, source_size, erase_size, write_align, max_size, err);
    if (st != DFOTA_OK)
        return st;
    size = (uint64_t)layout.target_offset + layout.target_capacity;
    st = dfota_flashsim_create(&layout.flash, (uint32_t)size, erase_size, write_align, err);
    if (st != DFOTA_OK)
        return st;
    if (source != NULL && source_size > 0)
        st = dfota_flashsim_load(&layout.flash, layout.source_offset, source, source_size, err);
    if (st != DFOTA_OK) {
        dfota_flashsim_free(&layout.flash);
        return st;
    }
    *d = layout;
    return DFOTA_OK;
}

void dfota_devsim_free(struct dfota_devsim *d)
{
    if (d == NULL)
        return;
    dfota_flashsim_free(&d->flash);
    memset(d, 0, sizeof(*d));
}

const uint8_t *dfota_devsim_target(const struct dfota_devsim *d)
{
    return d->flash.mem + d->target_offset;
}

/* ---- callbacks: offsets are relative to each area ---- */

/* Offset and size of `area` in the flash; the source of a two-bank device is
 * the old bank (DFOTA_DEVSIM_NONE here), in place the area itself. */
static void area_range(const struct dfota_devsim *d, enum dfota_devsim_area area,
                       uint32_t *offset, uint32_t *size)
{
    switch (area) {
    case DFOTA_DEVSIM_RECORD:
        *offset = d->record_offset;
        *size = 2 * d->erase_size;
        break;
    case DFOTA_DEVSIM_SCRATCH:
        *offset = d->scratch_offset;
        *size = d->scratch_size;
        break;
    case DFOTA_DEVSIM_TARGET:
        *offset = d->target_offset;
        *size = d->target_capacity;
        break;
    default:
        *offset = d->source_offset;
        *size = d->in_place ? d->target_capacity : d->source_size;
        break;
    }
}

/* The applier's and the store's flash access: offsets relative to an area,
 * checked against it; writes and erases are counted (and traced) per area. */
static enum dfota_status area_access(struct dfota_devsim *d, enum dfota_devsim_area area,
                                     int op, uint32_t offset, uint8_t *dst, const uint8_t *src,
                                     size_t len)
{
    uint32_t base, size;

    area_range(d, area, &base, &size);
    if (offset > size || len > size - offset)
        return DFOTA_E_INVALID_ARGUMENT;
    if (op == 'r')
        return dfota_flashsim_read(&d->flash, base + offset, dst, len, NULL);
    d->last_area = area;
    d->area_ops[area]++;
    if (d->trace != NULL && d->flash.ops < d->trace_len)
        d->trace[d->flash.ops] = (uint8_t)area;
    return op == 'e' ? dfota_flashsim_erase(&d->flash, base + offset, len, NULL)
                     : dfota_flashsim_write(&d->flash, base + offset, src, len, NULL);
}

static enum dfota_status read_source(void *ctx, uint32_t offset, uint8_t *dst, size_t len)
{
    return area_access(ctx, DFOTA_DEVSIM_NONE, 'r', offset, dst, NULL, len);
}

static enum dfota_status read_target(void *ctx, uint32_t offset, uint8_t *dst, size_t len)
{
    return area_access(ctx, DFOTA_DEVSIM_TARGET, 'r', offset, dst, NULL, len);
}

static enum dfota_status erase_target(void *ctx, uint32_t offset, uint32_t len)
{
    return area_access(ctx, DFOTA_DEVSIM_TARGET, 'e', offset, NULL, NULL, len);
}

static enum dfota_status write_target(void *ctx, uint32_t offset, const uint8_t *src, size_t len)
{
    return area_access(ctx, DFOTA_DEVSIM_TARGET, 'w', offset, NULL, src, len);
}

static enum dfota_status read_scratch(void *ctx, uint32_t offset, uint8_t *dst, size_t len)
{
    return area_access(ctx, DFOTA_DEVSIM_SCRATCH, 'r', offset, dst, NULL, len);
}

static enum dfota_status erase_scratch(void *ctx, uint32_t offset, uint32_t len)
{
    return area_access(ctx, DFOTA_DEVSIM_SCRATCH, 'e', offset, NULL, NULL, len);
}

static enum dfota_status write_scratch(void *ctx, uint32_t offset, const uint8_t *src,
                                       size_t len)
{
    return area_access(ctx, DFOTA_DEVSIM_SCRATCH, 'w', offset, NULL, src, len);
}

static enum dfota_status record_read(void *ctx, uint32_t offset, uint8_t *dst, size_t len)
{
    return area_access(ctx, DFOTA_DEVSIM_RECORD, 'r', offset, dst, NULL, len);
}

static enum dfota_status record_erase(void *ctx, uint32_t offset, uint32_t len)
{
    return area_access(ctx, DFOTA_DEVSIM_RECORD, 'e', offset, NULL, NULL, len);
}

static enum dfota_status record_write(void *ctx, uint32_t offset, const uint8_t *src, size_t len)
{
    return area_access(ctx, DFOTA_DEVSIM_RECORD, 'w', offset, NULL, src, len);
}

static void store_for(struct dfota_devsim *d, struct dfota_progress_store *store)
{
    memset(store, 0, sizeof(*store));
    store->ctx = d;
    store->read = record_read;
    store->erase = record_erase;
    store->write = record_write;
    store->slot_size = d->erase_size;
    store->write_align = d->write_align;
}

static enum dfota_status save_progress(void *ctx, const struct dfota_progress *rec)
{
    struct dfota_devsim *d = ctx;
    struct dfota_progress_store store;
    struct dfota_progress copy = *rec;

    d->saves++;
    if (d->fail_save_at != 0 && d->saves == d->fail_save_at)
        return DFOTA_E_FLASH;
    store_for(d, &store);
    return dfota_progress_save(&store, &copy);
}

static void relay_progress(void *ctx, unsigned percent)
{
    struct dfota_devsim *d = ctx;

    d->progress(d->progress_ctx, percent);
}

/* The applier's configuration and flash callbacks for this device. */
static void device_config(struct dfota_devsim *d, const struct dfota_devsim_run_options *opts,
                          uint32_t source_size, struct dfota_apply_config *config,
                          struct dfota_apply_io *io)
{
    memset(config, 0, sizeof(*config));
    config->erase_size = d->erase_size;
    config->write_align = d->write_align;
    config->source_size = source_size;
    config->target_capacity = d->target_capacity;
    config->progress_steps = opts != NULL ? opts->progress_steps : 0;
    config->layout = d->in_place ? DFOTA_APPLY_IN_PLACE : DFOTA_APPLY_TWO_BANK;
    config->scratch_size = d->scratch_size;
    memset(io, 0, sizeof(*io));
    io->ctx = d;
    io->read_source = read_source;
    io->erase_target = erase_target;
    io->write_target = write_target;
    io->read_target = read_target;
    io->save_progress = save_progress;
    if (d->in_place) {
        io->read_scratch = read_scratch;
        io->erase_scratch = erase_scratch;
        io->write_scratch = write_scratch;
    }
    if (opts != NULL && opts->progress != NULL) {
        d->progress = opts->progress;
        d->progress_ctx = opts->progress_ctx;
        io->progress = relay_progress;
    }
}

int dfota_devsim_record(struct dfota_devsim *d, struct dfota_progress *rec)
{
    struct dfota_progress_store store;
    int found = 0;

    store_for(d, &store);
    if (dfota_progress_load(&store, rec, &found) != DFOTA_OK)
        return 0;
    return found;
}

enum dfota_status dfota_devsim_run(struct dfota_devsim *d, const uint8_t *patch,
                                   size_t patch_size, const struct dfota_devsim_run_options *opts,
                                   struct dfota_devsim_outcome *outcome, struct dfota_error *err)
{
    struct dfota_patch_header hdr;
    struct dfota_progress_store store;
    struct dfota_apply_config config;
    struct dfota_apply_io io;
    struct dfota_apply *ap;
    size_t ws_size, pos, n, chunk = opts != NULL ? opts->chunk_size : 0;
    void *workspace;
    int found = 0;
    enum dfota_status st;

    memset(outcome, 0, sizeof(*outcome));
    st = dfota_patch_header_decode(patch, patch_size, &hdr, err);
    if (st != DFOTA_OK)
        return st;
    store_for(d, &store);
    st = dfota_progress_load(&store, &outcome->record, &found);
    if (st != DFOTA_OK)
        return dfota_error_set(err, st, "reading the progress record failed (%s)",
                               dfota_status_name(st));
    /* A complete (or FAILED) record of another patch: that update is over. */
    if (found && !dfota_progress_in_progress(&outcome->record)) {
        uint8_t id[32];

        dfota_progress_patch_id(patch, id);
        if (memcmp(id, outcome->record.patch_id, sizeof(id)) != 0)
            found = 0;
    }
    outcome->resumed = found;
    ws_size = dfota_apply_workspace_need_for(hdr.codec, hdr.window_log, hdr.map_count, hdr.region_count);
    workspace = malloc(ws_size ? ws_size : 1);
    if (workspace == NULL)
        return dfota_error_set(err, DFOTA_E_NO_MEMORY, "cannot allocate %zu bytes", ws_size);
    device_config(d, opts, d->source_size, &config, &io);
    st = dfota_apply_init(&ap, workspace, ws_size, &config, &io, err);
    if (st != DFOTA_OK) {
        free(workspace);
        return st;
    }
    if (found)
        st = dfota_apply_resume(ap, &outcome->record);
    for (pos = 0; pos < patch_size && st == DFOTA_OK; pos += n) {
        n = chunk && chunk < patch_size - pos ? chunk : patch_size - pos;
        st = dfota_apply_push(ap, patch + pos, n);
    }
    if (st == DFOTA_OK)
        st = dfota_apply_finish(ap);
    if (st != DFOTA_OK) {
        if (err != NULL)
            *err = *dfota_apply_error(ap);
        free(workspace);
        return st;
    }
    free(workspace);
    outcome->finished = 1;
    return DFOTA_OK;
}

/* ---- packages ---- */

/* The patch header that lays out the device for `package`: its delta's, or
 * for a full image one with the target's size (two-bank, 64 KiB units). */
static enum dfota_status package_layout_header(const uint8_t *package, size_t package_size,
                                               struct dfota_package_header *pkg,
                                               struct dfota_patch_header *ph,
                                               struct dfota_error *err)
{
    enum dfota_status st = dfota_container_parse(package, package_size, pkg, err);

    if (st != DFOTA_OK)
        return st;
    if ((uint64_t)pkg->header_size + pkg->payload.size > package_size)
        return dfota_error_set(err, DFOTA_E_TRUNCATED, "the package ends inside its payload");
    memset(ph, 0, sizeof(*ph));
    if (pkg->package_type == DFOTA_PACKAGE_DELTA)
        return dfota_patch_header_decode(package + pkg->header_size, pkg->payload.size, ph, err);
    ph->segment_size = 65536u;
    ph->target_size = pkg->target.size;
    return DFOTA_OK;
}

enum dfota_status dfota_devsim_create_package(struct dfota_devsim *d, const uint8_t *package,
                                              size_t package_size, const uint8_t *source,
                                              size_t source_size, uint32_t erase_size,
                                              uint32_t write_align, uint32_t max_size,
                                              struct dfota_error *err)
{
    struct dfota_package_header pkg;
    struct dfota_patch_header ph;
    enum dfota_status st;

    memset(d, 0, sizeof(*d));
    st = package_layout_header(package, package_size, &pkg, &ph, err);
    if (st != DFOTA_OK)
        return st;
    return dfota_devsim_create(d, &ph, source, source_size, erase_size, write_align, max_size,
                               err);
}

static enum dfota_status push_all(struct dfota_pkg *pkg,
                                  enum dfota_status (*push)(struct dfota_pkg *, const uint8_t *,
                                                            size_t),
                                  const uint8_t *data, size_t size, size_t chunk)
{
    enum dfota_status st = DFOTA_OK;
    size_t pos, n;

    for (pos = 0; pos < size && st == DFOTA_OK; pos += n) {
        n = chunk && chunk < size - pos ? chunk : size - pos;
        st = push(pkg, data + pos, n);
    }
    return st;
}

static enum dfota_status run_package(struct dfota_devsim *d, const uint8_t *package,
                                     size_t package_size,
                                     const struct dfota_devsim_run_options *opts,
                                     struct dfota_devsim_outcome *outcome, int apply,
                                     struct dfota_error *err)
{
    struct dfota_package_header hdr;
    struct dfota_patch_header ph;
    struct dfota_progress_store store;
    struct dfota_apply_config config;
    struct dfota_apply_io io;
    struct dfota_pkg *pkg = NULL;
    ZSTD_frameHeader fh;
    const uint8_t *payload;
    size_t need, chunk = opts != NULL ? opts->chunk_size : 0;
    void *workspace;
    int found = 0, full;
    enum dfota_status st;

    memset(outcome, 0, sizeof(*outcome));
    st = package_layout_header(package, package_size, &hdr, &ph, err);
    if (st != DFOTA_OK)
        return st;
    full = hdr.package_type != DFOTA_PACKAGE_DELTA;
    payload = package + hdr.header_size;
    if (full) {
        if (ZSTD_getFrameHeader(&fh, payload, hdr.payload.size) != 0)
            return dfota_error_set(err, DFOTA_E_PAYLOAD_CORRUPT,
                                   "full image: the payload does not start with a zstd frame "
                                   "header");
        need = dfota_pkg_workspace_need_full(fh.windowSize);
    } else {
        need = dfota_pkg_workspace_need_delta(ph.codec, ph.window_log, ph.map_count,
                                              ph.region_count);
    }
    if (need == 0)
        return dfota_error_set(err, DFOTA_E_MALFORMED, "the payload's window is out of range");
    store_for(d, &store);
    st = dfota_progress_load(&store, &outcome->record, &found);
    if (st != DFOTA_OK)
        return dfota_error_set(err, st, "reading the progress record failed (%s)",
                               dfota_status_name(st));
    /* Only an update in progress is resumed; a complete record is a finished one. */
    if (found && !dfota_progress_in_progress(&outcome->record))
        found = 0;
    outcome->resumed = found;
    workspace = malloc(need);
    if (workspace == NULL)
        return dfota_error_set(err, DFOTA_E_NO_MEMORY, "cannot allocate %zu bytes", need);
    device_config(d, opts, full ? 0 : d->source_size, &config, &io);
    st = dfota_pkg_init(&pkg, workspace, need, &config, &io, err);
    if (st == DFOTA_OK && found)
        st = dfota_pkg_resume(pkg, &outcome->record);
    /* The package is in the module's file system: checked whole before any write. */
    if (st == DFOTA_OK)
        st = push_all(pkg, dfota_pkg_check_push, package, package_size, chunk);
    if (st == DFOTA_OK)
        st = dfota_pkg_check_finish(pkg);
    if (st == DFOTA_OK && apply)
        st = push_all(pkg, dfota_pkg_push, package, package_size, chunk);
    if (st == DFOTA_OK && apply)
        st = dfota_pkg_finish(pkg);
    if (st != DFOTA_OK && pkg != NULL && err != NULL && dfota_pkg_error(pkg)->status != DFOTA_OK)
        *err = *dfota_pkg_error(pkg);
    free(workspace);
    if (st == DFOTA_OK && apply)
        outcome->finished = 1;
    return st;
}

enum dfota_status dfota_devsim_run_package(struct dfota_devsim *d, const uint8_t *package,
                                           size_t package_size,
                                           const struct dfota_devsim_run_options *opts,
                                           struct dfota_devsim_outcome *outcome,
                                           struct dfota_error *err)
{
    return run_package(d, package, package_size, opts, outcome, 1, err);
}

enum dfota_status dfota_devsim_check_package(struct dfota_devsim *d, const uint8_t *package,
                                             size_t package_size, struct dfota_error *err)
{
    struct dfota_devsim_outcome outcome;

    return run_package(d, package, package_size, NULL, &outcome, 0, err);
}
