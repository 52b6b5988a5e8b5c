/*
 * test_apply_lean.c - the device library as a lean build compiles it
 * (-DDFOTA_DEVICE_MESSAGES=0, library dfota_device_lean): it applies a real
 * patch bit for bit, and every refusal keeps its status with an empty
 * message (no printf-family function is linked into it;
 * scripts/device-check.sh checks that on the Cortex-M4 objects).
 *
 * Built a second time as test_apply_small against dfota_device_small, the
 * small profile of a two-bank raw-patch device (-DDFOTA_CODEC_ZSTD=0
 * -DDFOTA_IN_PLACE=0 -DDFOTA_BUILTIN_MD5=0, no zstd linked): it applies a
 * range-coded patch (which asks for no MD5), and refuses a zstd-coded patch,
 * a full image and the in-place layout before any flash operation.
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dfota/apply.h"
#include "dfota/patch.h"
#include "dfota/pkgapply.h"
#include "fuzz/apply_source.h"

#if DFOTA_DEVICE_MESSAGES
#error "test_apply_lean must be built with DFOTA_DEVICE_MESSAGES=0"
#endif

#define CORPUS DFOTA_SOURCE_DIR "/tests/fuzz/corpus/"
#define ZSTD_SEED CORPUS "apply/insert-plain.bin"
#define RANGE_SEED CORPUS "apply/range-insert-plain.bin"
/* The patch each build applies: zstd-coded in the lean build, range-coded in the small one. */
#if DFOTA_CODEC_ZSTD
#define SEED ZSTD_SEED
#else
#define SEED RANGE_SEED
#endif

struct ram_device {
    uint8_t source[FUZZ_APPLY_SOURCE_CAP];
    size_t source_size;
    uint8_t target[FUZZ_APPLY_TARGET_CAPACITY];
    unsigned erases, writes;
};

static enum dfota_status ram_read_source(void *ctx, uint32_t offset, uint8_t *dst, size_t len)
{
    struct ram_device *d = ctx;

    if (offset > d->source_size || len > d->source_size - offset)
        return DFOTA_E_FLASH;
    memcpy(dst, d->source + offset, len);
    return DFOTA_OK;
}

static enum dfota_status ram_erase(void *ctx, uint32_t offset, uint32_t len)
{
    struct ram_device *d = ctx;

    if (offset > sizeof(d->target) || len > sizeof(d->target) - offset)
        return DFOTA_E_FLASH;
    d->erases++;
    memset(d->target + offset, 0xFF, len);
    return DFOTA_OK;
}

static enum dfota_status ram_write(void *ctx, uint32_t offset, const uint8_t *src, size_t len)
{
    struct ram_device *d = ctx;

    if (offset > sizeof(d->target) || len > sizeof(d->target) - offset)
        return DFOTA_E_FLASH;
    d->writes++;
    memcpy(d->target + offset, src, len);
    return DFOTA_OK;
}

static enum dfota_status ram_read_target(void *ctx, uint32_t offset, uint8_t *dst, size_t len)
{
    struct ram_device *d = ctx;

    if (offset > sizeof(d->target) || len > sizeof(d->target) - offset)
        return DFOTA_E_FLASH;
    memcpy(dst, d->target + offset, len);
    return DFOTA_OK;
}

static uint8_t *read_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    uint8_t *data = malloc(1u << 16);

    assert_non_null(f);
    assert_non_null(data);
    *size = fread(data, 1, 1u << 16, f);
    fclose(f);
    assert_true(*size > DFOTA_PATCH_HEADER_SIZE + 1);
    return data;
}

/* Two banks in RAM: the fuzz source and the target (config and callbacks). */
static void ram_setup(struct ram_device *d, struct dfota_apply_config *config,
                      struct dfota_apply_io *io)
{
    memset(config, 0, sizeof(*config));
    config->erase_size = FUZZ_APPLY_ERASE_SIZE;
    config->write_align = 4;
    memset(io, 0, sizeof(*io));
    io->ctx = d;
    io->read_source = ram_read_source;
    io->erase_target = ram_erase;
    io->write_target = ram_write;
    io->read_target = ram_read_target;
}

/* Apply `patch` to the fuzz source in RAM, pushed 64 bytes at a time; the status. */
static enum dfota_status apply(struct ram_device *d, const uint8_t *patch, size_t size,
                               size_t workspace_size, const struct dfota_error **error)
{
    static struct dfota_apply_config config;
    struct dfota_apply_io io;
    struct dfota_apply *ap = NULL;
    struct dfota_error init_error;
    static struct dfota_error saved;
    void *workspace = malloc(workspace_size ? workspace_size : 1);
    enum dfota_status st;
    size_t pos;

    assert_non_null(workspace);
    ram_setup(d, &config, &io);
    st = dfota_apply_init(&ap, workspace, workspace_size, &config, &io, &init_error);
    if (st != DFOTA_OK) {
        saved = init_error;
        *error = &saved;
        free(workspace);
        return st;
    }
    for (pos = 0; pos < size && st == DFOTA_OK; pos += 64)
        st = dfota_apply_push(ap, patch + pos, size - pos < 64 ? size - pos : 64);
    if (st == DFOTA_OK)
        st = dfota_apply_finish(ap);
    saved = *dfota_apply_error(ap);
    *error = &saved;
    free(workspace);
    return st;
}

static void lean_build_applies_and_refuses_with_status_only(void **state)
{
    static struct ram_device device;
    static uint8_t expected[FUZZ_APPLY_TARGET_CAPACITY];
    struct dfota_patch_header hdr;
    struct dfota_error err;
    const struct dfota_error *error = NULL;
    size_t size, expected_size, workspace;
    uint8_t *seed = read_file(SEED, &size), *patch = seed + 1;

    (void)state;
    size -= 1; /* the option byte of the fuzz seed */
    device.source_size = fuzz_apply_source(device.source);
    expected_size = fuzz_apply_source_with_insert(expected, sizeof(expected), 3);
    assert_int_equal(dfota_patch_header_decode(patch, size, &hdr, &err), DFOTA_OK);
    assert_int_equal(hdr.target_size, expected_size);
    workspace = dfota_apply_workspace_need_for(hdr.codec, hdr.window_log, hdr.map_count, hdr.region_count);

    /* A real patch, bit for bit. */
    assert_int_equal(apply(&device, patch, size, workspace, &error), DFOTA_OK);
    assert_memory_equal(device.target, expected, expected_size);

    /* Refusals: the status, and an empty message. */
    patch[size / 2] ^= 0x5A;
    assert_int_not_equal(apply(&device, patch, size, workspace, &error), DFOTA_OK);
    assert_int_not_equal(error->status, DFOTA_OK);
    assert_string_equal(error->message, "");
    patch[size / 2] ^= 0x5A;
    assert_int_equal(apply(&device, patch, size, 64, &error), DFOTA_E_WORKSPACE);
    assert_string_equal(error->message, "");
    patch[0] ^= 0xFF;
    assert_int_equal(dfota_patch_header_decode(patch, size, &hdr, &err), DFOTA_E_BAD_MAGIC);
    assert_int_equal(err.status, DFOTA_E_BAD_MAGIC);
    assert_string_equal(err.message, "");
    free(seed);
}

#if !DFOTA_CODEC_ZSTD
/* What the small profile leaves out is refused before any flash operation. */
static void small_build_refuses_what_it_leaves_out(void **state)
{
    static struct ram_device device;
    const struct dfota_error *error = NULL;
    struct dfota_patch_header hdr;
    size_t size;
    uint8_t *seed = read_file(ZSTD_SEED, &size), *patch = seed + 1;
    static uint8_t workspace[1u << 19];
    struct dfota_apply_config config;
    struct dfota_apply_io io;
    struct dfota_error err;

    (void)state;
    size -= 1;
    device.source_size = fuzz_apply_source(device.source);
    assert_int_equal(dfota_patch_header_decode(patch, size, &hdr, NULL), DFOTA_OK);
    assert_int_equal(hdr.codec, DFOTA_CODEC_ZSTD_ID);
    /* A zstd-coded patch, with all the workspace zstd would need. */
    assert_int_equal(apply(&device, patch, size, 1u << 16, &error), DFOTA_E_UNSUPPORTED_FEATURE);
    assert_int_equal(device.erases + device.writes, 0);
    free(seed);
    /* A full-image package (one zstd frame). */
    {
        struct dfota_pkg *pkg;
        enum dfota_status st;

        seed = read_file(CORPUS "package/full-small.bin", &size);
        ram_setup(&device, &config, &io);
        assert_int_equal(dfota_pkg_init(&pkg, workspace, sizeof(workspace), &config, &io, &err),
                         DFOTA_OK);
        st = dfota_pkg_push(pkg, seed, size);
        if (st == DFOTA_OK)
            st = dfota_pkg_finish(pkg);
        assert_int_equal(st, DFOTA_E_UNSUPPORTED_FEATURE);
        assert_int_equal(device.erases + device.writes, 0);
        free(seed);
    }
#if !DFOTA_IN_PLACE
    /* The in-place layout. */
    {
        struct dfota_apply *ap;

        ram_setup(&device, &config, &io);
        config.layout = DFOTA_APPLY_IN_PLACE;
        config.scratch_size = 65536;
        io.read_target = NULL;
        io.read_scratch = ram_read_target;
        io.erase_scratch = ram_erase;
        io.write_scratch = ram_write;
        assert_int_equal(dfota_apply_init(&ap, workspace, sizeof(workspace), &config, &io, &err),
                         DFOTA_E_UNSUPPORTED_FEATURE);
    }
#endif
}
#endif

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lean_build_applies_and_refuses_with_status_only),
#if !DFOTA_CODEC_ZSTD
        cmocka_unit_test(small_build_refuses_what_it_leaves_out),
#endif
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
