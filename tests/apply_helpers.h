/*
 * apply_helpers.h - run a patch through the reference applier (apply_ref)
 * into a simulated NOR flash (flashsim), the way a module does: source image
 * read by offset, target erased and written through the callbacks, patch
 * pushed in chunks of a chosen size. Failure injection and call recording for
 * the refusal tests. Include after test_helpers.h.
 */
#ifndef DFOTA_TEST_APPLY_HELPERS_H
#define DFOTA_TEST_APPLY_HELPERS_H

#include <stdio.h>
#include <stdlib.h>

#include "dfota/apply.h"
#include "dfota/diffgen.h"
#include "dfota/flashsim.h"
#include "dfota/patch.h"
#include "thumb_image.h"

/* Largest workspace any valid patch may ask for. */
#define TEST_WORKSPACE_MAX \
    dfota_apply_workspace_need(DFOTA_PATCH_WINDOW_LOG_MAX, DFOTA_PREDICT_MAP_MAX, DFOTA_PREDICT_REGION_MAX)

/* Push the whole patch at once. */
#define TEST_CHUNK_WHOLE ((size_t)-1)

/* The device: its source image, target flash, and what the applier did to them. */
struct test_device {
    const uint8_t *source;
    size_t source_size;
    struct dfota_flashsim flash;

    /* Callback calls; the N-th call of a kind fails with fail_status when N == fail_*_at. */
    uint64_t reads, erases, writes;
    uint64_t fail_read_at, fail_erase_at, fail_write_at;
    enum dfota_status fail_status;
    int read_out_of_range;        /* the applier read outside the source image */

    unsigned progress_calls;
    unsigned progress[2 * DFOTA_APPLY_PROGRESS_MAX];
};

static inline enum dfota_status test_read_source(void *ctx, uint32_t offset, uint8_t *dst,
                                                 size_t len)
{
    struct test_device *d = ctx;

    d->reads++;
    if (d->fail_read_at != 0 && d->reads == d->fail_read_at)
        return d->fail_status;
    if (offset > d->source_size || len > d->source_size - offset) {
        d->read_out_of_range = 1;
        return DFOTA_E_IO;
    }
    memcpy(dst, d->source + offset, len);
    return DFOTA_OK;
}

static inline enum dfota_status test_erase_target(void *ctx, uint32_t offset, uint32_t len)
{
    struct test_device *d = ctx;

    d->erases++;
    if (d->fail_erase_at != 0 && d->erases == d->fail_erase_at)
        return d->fail_status;
    return dfota_flashsim_erase(&d->flash, offset, len, NULL);
}

static inline enum dfota_status test_write_target(void *ctx, uint32_t offset, const uint8_t *src,
                                                  size_t len)
{
    struct test_device *d = ctx;

    d->writes++;
    if (d->fail_write_at != 0 && d->writes == d->fail_write_at)
        return d->fail_status;
    return dfota_flashsim_write(&d->flash, offset, src, len, NULL);
}

static inline void test_progress(void *ctx, unsigned percent)
{
    struct test_device *d = ctx;

    if (d->progress_calls < sizeof(d->progress) / sizeof(d->progress[0]))
        d->progress[d->progress_calls] = percent;
    d->progress_calls++;
}

/* How to apply; zero-initialise, then set what matters (test_apply_params_init). */
struct test_apply_params {
    uint32_t erase_size;     /* flash erase block */
    uint32_t write_align;    /* flash write unit */
    size_t chunk;            /* patch bytes per push; TEST_CHUNK_WHOLE = all at once */
    unsigned progress_steps; /* 0 or 5..100 */
    size_t workspace_size;   /* 0: what this build needs for the patch (the maximum if unreadable) */
    size_t workspace_misalign; /* workspace starts this many bytes after a malloc'd block */
    uint32_t flash_size;     /* 0: target size rounded up to the erase size (one block at least) */
    int fill_flash;          /* start from a programmed (not erased) flash */
    uint32_t config_source_size; /* config.source_size; (uint32_t)-1 = the source's own size */
    /* Failure injection: the N-th read / erase / write callback returns fail_status. */
    uint64_t fail_read_at, fail_erase_at, fail_write_at;
    enum dfota_status fail_status;
    /* Power cut (flashsim): after `power_cut_after` completed operations. */
    int power_cut;
    uint64_t power_cut_after;
    enum dfota_flashsim_cut_mode power_cut_mode;
};

static inline void test_apply_params_init(struct test_apply_params *p)
{
    memset(p, 0, sizeof(*p));
    p->erase_size = 4096;
    p->write_align = 4;
    p->chunk = TEST_CHUNK_WHOLE;
    p->config_source_size = (uint32_t)-1;
}

struct test_apply_result {
    enum dfota_status status;      /* the first failure of init, push or finish; else DFOTA_OK */
    enum dfota_status init_status; /* dfota_apply_init() */
    enum dfota_status finish_status; /* dfota_apply_finish(), if reached */
    int failed_in_push;            /* a push failed (finish was not called) */
    struct dfota_error error;      /* dfota_apply_error() (or init's error) */
    uint32_t target_done;
    struct test_device device;     /* flash contents and counters: test_apply_result_release() */
};

static inline void test_apply_result_release(struct test_apply_result *r)
{
    dfota_flashsim_free(&r->device.flash);
}

/* What a programmed (fill_flash) flash of `size` bytes holds before the apply. */
static inline void test_programmed_flash(uint8_t *mem, uint32_t size)
{
    struct test_rng r = {size};

    test_rng_fill(&r, mem, size);
}

/* The header of a patch diffgen made (asserting it decodes). */
static inline struct dfota_patch_header test_patch_header(const uint8_t *patch, size_t size)
{
    struct dfota_patch_header hdr;

    assert_int_equal(dfota_patch_header_decode(patch, size, &hdr, NULL), DFOTA_OK);
    return hdr;
}

/* The k-th source region entry of a (valid) patch's region table (16 raw
 * bytes, after the map and the target regions), or NULL. */
static inline const uint8_t *test_patch_source_region(const uint8_t *patch, uint32_t k)
{
    struct dfota_patch_header h = test_patch_header(patch, DFOTA_PATCH_HEADER_SIZE);
    const uint8_t *e = patch + DFOTA_PATCH_HEADER_SIZE + (size_t)h.map_count * 8;
    uint32_t i, seen = 0;

    for (i = 0; i < h.region_count; i++, e += 16)
        if (!(e[4] & DFOTA_PATCH_REGION_TARGET) && seen++ == k)
            return e;
    return NULL;
}

static inline uint32_t test_round_up(uint32_t v, uint32_t unit)
{
    return (uint32_t)(((uint64_t)v + unit - 1) / unit * unit);
}

/*
 * Apply `patch` to `source` into a fresh simulated flash as `params` say.
 * Returns res->status. The flash is kept in res->device (release it).
 */
static inline enum dfota_status test_apply(const uint8_t *source, size_t source_size,
                                           const uint8_t *patch, size_t patch_size,
                                           const struct test_apply_params *params,
                                           struct test_apply_result *res)
{
    struct dfota_patch_header hdr;
    struct dfota_apply_config config;
    struct dfota_apply_io io;
    struct dfota_apply *ap = NULL;
    struct dfota_error err;
    size_t workspace_size = params->workspace_size, pos = 0, take;
    uint32_t flash_size = params->flash_size;
    uint8_t *block;
    enum dfota_status st;
    int header_ok;

    memset(res, 0, sizeof(*res));
    header_ok = dfota_patch_header_decode(patch, patch_size, &hdr, NULL) == DFOTA_OK;
    if (workspace_size == 0)
        workspace_size = header_ok ? dfota_apply_workspace_need_for(hdr.codec, hdr.window_log, hdr.map_count, hdr.region_count)
                                   : TEST_WORKSPACE_MAX;
    if (workspace_size == 0)
        workspace_size = TEST_WORKSPACE_MAX;
    if (flash_size == 0)
        flash_size = header_ok && hdr.target_size != 0 && hdr.target_size <= (64u << 20)
                         ? test_round_up(hdr.target_size, params->erase_size)
                         : params->erase_size;
    res->device.source = source;
    res->device.source_size = source_size;
    if (dfota_flashsim_create(&res->device.flash, flash_size, params->erase_size,
                              params->write_align > params->erase_size ? 1 : params->write_align,
                              &err) != DFOTA_OK)
        fail_msg("flashsim_create(%u, %u, %u): %s", (unsigned)flash_size,
                 (unsigned)params->erase_size, (unsigned)params->write_align, err.message);
    if (params->fill_flash)
        test_programmed_flash(res->device.flash.mem, flash_size);
    res->device.fail_read_at = params->fail_read_at;
    res->device.fail_erase_at = params->fail_erase_at;
    res->device.fail_write_at = params->fail_write_at;
    res->device.fail_status = params->fail_status;
    if (params->power_cut)
        dfota_flashsim_cut_after(&res->device.flash, params->power_cut_after,
                                 params->power_cut_mode, 1);

    memset(&config, 0, sizeof(config));
    config.erase_size = params->erase_size;
    config.write_align = params->write_align;
    config.source_size = params->config_source_size == (uint32_t)-1 ? (uint32_t)source_size
                                                                    : params->config_source_size;
    config.target_capacity = flash_size;
    config.progress_steps = params->progress_steps;
    memset(&io, 0, sizeof(io));
    io.ctx = &res->device;
    io.read_source = test_read_source;
    io.erase_target = test_erase_target;
    io.write_target = test_write_target;
    io.progress = test_progress;

    /* An exact-size block, so that ASan sees any access past the workspace. */
    block = malloc(workspace_size + params->workspace_misalign + 1);
    assert_non_null(block);
    dfota_error_clear(&err);
    st = dfota_apply_init(&ap, block + params->workspace_misalign, workspace_size, &config, &io,
                          &err);
    res->init_status = st;
    if (st != DFOTA_OK) {
        res->status = st;
        res->error = err;
        free(block);
        return st;
    }
    while (pos < patch_size) {
        take = patch_size - pos < params->chunk ? patch_size - pos : params->chunk;
        st = dfota_apply_push(ap, patch + pos, take);
        pos += take;
        if (st != DFOTA_OK) {
            res->failed_in_push = 1;
            break;
        }
    }
    if (st == DFOTA_OK) {
        st = dfota_apply_finish(ap);
        res->finish_status = st;
    } else {
        /* Sticky: pushing again and finishing report the same failure. */
        if (dfota_apply_push(ap, patch, patch_size < 8 ? patch_size : 8) != st ||
            dfota_apply_finish(ap) != st)
            fail_msg("failure %s is not sticky", dfota_status_name(st));
    }
    res->status = st;
    res->error = *dfota_apply_error(ap);
    res->target_done = dfota_apply_target_done(ap);
    if (st != DFOTA_OK && res->error.status != st)
        fail_msg("returned %s but recorded %s", dfota_status_name(st),
                 dfota_status_name(res->error.status));
    free(block);
    if (res->device.read_out_of_range)
        fail_msg("the applier read outside the %zu-byte source image", source_size);
    return st;
}

/* Assert that the flash holds `target` followed by erased bytes up to the next erase block. */
static inline void test_assert_flash_holds(const struct test_apply_result *res,
                                           const uint8_t *target, size_t target_size)
{
    const struct dfota_flashsim *f = &res->device.flash;
    uint32_t end = test_round_up((uint32_t)target_size, f->erase_size), i;

    if (res->status != DFOTA_OK)
        fail_msg("apply failed: %s: %s", dfota_status_name(res->status), res->error.message);
    assert_true(f->size >= target_size);
    for (i = 0; i < target_size; i++)
        if (f->mem[i] != target[i])
            fail_msg("target byte %u is 0x%02x, expected 0x%02x", (unsigned)i, f->mem[i],
                     target[i]);
    for (i = (uint32_t)target_size; i < end && i < f->size; i++)
        if (f->mem[i] != 0xFF)
            fail_msg("byte %u after the %zu-byte image is 0x%02x, not erased", (unsigned)i,
                     target_size, f->mem[i]);
    assert_int_equal(res->target_done, target_size);
}

/* dfota_diff with `opts`, asserting success. The patch is malloc'd. */
static inline uint8_t *test_diff(const uint8_t *source, size_t source_size, const uint8_t *target,
                                 size_t target_size, const struct dfota_diff_options *opts,
                                 size_t *patch_size)
{
    struct dfota_error err;
    uint8_t *patch = NULL;
    enum dfota_status st;

    dfota_error_clear(&err);
    st = dfota_diff(source, source_size, target, target_size, opts, &patch, patch_size, &err);
    if (st != DFOTA_OK)
        fail_msg("dfota_diff: %s: %s", dfota_status_name(st), err.message);
    assert_non_null(patch);
    return patch;
}

/* Diff options with prediction `predict` and defaults otherwise. */
static inline void test_diff_options(struct dfota_diff_options *opts, unsigned predict)
{
    dfota_diff_options_init(opts);
    opts->predict = predict;
}

static inline uint8_t *test_read_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    uint8_t *data = NULL;
    long len = -1;

    if (f != NULL && fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) >= 0 &&
        fseek(f, 0, SEEK_SET) == 0) {
        data = malloc((size_t)len + 1);
        if (data != NULL && fread(data, 1, (size_t)len, f) != (size_t)len) {
            free(data);
            data = NULL;
        }
    }
    if (f != NULL)
        fclose(f);
    if (data == NULL)
        fail_msg("cannot read '%s'", path);
    *size = (size_t)len;
    return data;
}

/* A buffer of `size` bytes (at least one allocated). */
static inline uint8_t *test_alloc(size_t size)
{
    uint8_t *p = malloc(size ? size : 1);

    assert_non_null(p);
    return p;
}

#endif /* DFOTA_TEST_APPLY_HELPERS_H */
