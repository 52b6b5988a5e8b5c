/*
 * fuzz_package.c - fuzz target for the package reader: header parse, size
 * and digest checks, and for full-image packages the payload decode; and for
 * the device-side package front end (dfota/pkgapply.h), which takes the same
 * bytes as a device downloads them, on a simulated flash holding the fixed
 * source of apply_source.h, in chunks the input chooses. What the front end
 * accepts, the host reader must accept too, with the same new image.
 * Built as a libFuzzer target with -DDFOTA_FUZZ=ON (clang), and always
 * linked into the replay driver that CTest runs over the corpus.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "apply_source.h"
#include "dfota/flashsim.h"
#include "dfota/packer.h"
#include "dfota/patch.h"
#include "dfota/pkgapply.h"
#include "dfota/verifier.h"
#include "dfota/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ---- a two-bank device for power cuts: one simulated NOR flash (dfota/flashsim.h) ---- */

#define CUT_BANK (1u << 20) /* bank A (the old image) at 0, bank B (the new one) after it */
#define CUT_ERASE 4096u

struct cut_device {
    struct dfota_flashsim flash;
    struct dfota_progress rec; /* the record store, kept apart from the cut flash */
    int have_rec;
};

static enum dfota_status cut_read_a(void *c, uint32_t off, uint8_t *dst, size_t len)
{
    if ((uint64_t)off + len > CUT_BANK)
        return DFOTA_E_FLASH;
    return dfota_flashsim_read(&((struct cut_device *)c)->flash, off, dst, len, NULL);
}

static enum dfota_status cut_read_b(void *c, uint32_t off, uint8_t *dst, size_t len)
{
    if ((uint64_t)off + len > CUT_BANK)
        return DFOTA_E_FLASH;
    return dfota_flashsim_read(&((struct cut_device *)c)->flash, CUT_BANK + off, dst, len, NULL);
}

static enum dfota_status cut_erase_b(void *c, uint32_t off, uint32_t len)
{
    if ((uint64_t)off + len > CUT_BANK)
        abort(); /* the applier must never ask for that */
    return dfota_flashsim_erase(&((struct cut_device *)c)->flash, CUT_BANK + off, len, NULL);
}

static enum dfota_status cut_write_b(void *c, uint32_t off, const uint8_t *src, size_t len)
{
    if ((uint64_t)off + len > CUT_BANK)
        abort();
    return dfota_flashsim_write(&((struct cut_device *)c)->flash, CUT_BANK + off, src, len,
                                NULL);
}

static enum dfota_status cut_save(void *c, const struct dfota_progress *rec)
{
    struct cut_device *d = c;

    d->rec = *rec;
    d->have_rec = 1;
    return DFOTA_OK;
}

/* One boot of the device: resume from its record if it holds one in progress. */
static enum dfota_status cut_boot(struct cut_device *d, const uint8_t *data, size_t size,
                                  size_t chunk, size_t source_size, uint8_t *workspace,
                                  size_t workspace_size)
{
    struct dfota_apply_config config;
    struct dfota_apply_io io;
    struct dfota_error err;
    struct dfota_pkg *pkg;
    enum dfota_status st;
    size_t pos, take;

    memset(&config, 0, sizeof(config));
    config.erase_size = CUT_ERASE;
    config.write_align = 4;
    config.source_size = (uint32_t)source_size;
    config.target_capacity = CUT_BANK;
    memset(&io, 0, sizeof(io));
    io.ctx = d;
    io.read_source = cut_read_a;
    io.erase_target = cut_erase_b;
    io.write_target = cut_write_b;
    io.read_target = cut_read_b;
    io.save_progress = cut_save;
    st = dfota_pkg_init(&pkg, workspace, workspace_size, &config, &io, &err);
    if (st == DFOTA_OK && d->have_rec && dfota_progress_in_progress(&d->rec))
        st = dfota_pkg_resume(pkg, &d->rec);
    for (pos = 0; st == DFOTA_OK && pos < size; pos += take) {
        take = size - pos < chunk ? size - pos : chunk;
        st = dfota_pkg_push(pkg, data + pos, take);
    }
    if (st == DFOTA_OK)
        st = dfota_pkg_finish(pkg);
    return st;
}

/* A device holding `source` in bank A and a bank B that is not erased. */
static void cut_reset(struct cut_device *d, const uint8_t *source, size_t source_size)
{
    static uint8_t unerased[CUT_BANK], erased[CUT_BANK];

    if (erased[0] == 0)
        memset(erased, 0xFF, sizeof(erased));
    dfota_flashsim_power_on(&d->flash);
    (void)dfota_flashsim_load(&d->flash, 0, erased, CUT_BANK, NULL);
    (void)dfota_flashsim_load(&d->flash, 0, source, source_size, NULL);
    (void)dfota_flashsim_load(&d->flash, CUT_BANK, unerased, CUT_BANK, NULL);
    d->have_rec = 0;
}

/*
 * The update the front end accepted, again on a device that loses power at
 * a flash operation the input chooses (clean or torn), then boots once
 * more: it must end with the same image, the old bank untouched. A full
 * image resumes at its last 64 KiB record, a delta at its last segment.
 */
static void check_cut(const uint8_t *data, size_t size, const uint8_t *source,
                      size_t source_size, const uint8_t *image, size_t image_size,
                      uint8_t where)
{
    static struct cut_device d;
    size_t workspace_size = 512u * 1024u;
    uint8_t *workspace = malloc(workspace_size);
    uint64_t ops;

    if (workspace == NULL || source_size > CUT_BANK || image_size > CUT_BANK)
        goto out;
    if (d.flash.mem == NULL &&
        dfota_flashsim_create(&d.flash, 2 * CUT_BANK, CUT_ERASE, 4, NULL) != DFOTA_OK)
        goto out;
    cut_reset(&d, source, source_size);
    ops = d.flash.ops;
    if (cut_boot(&d, data, size, 64, source_size, workspace, workspace_size) != DFOTA_OK)
        abort(); /* it was accepted on the other device */
    ops = d.flash.ops - ops;
    cut_reset(&d, source, source_size);
    dfota_flashsim_cut_after(&d.flash, (uint64_t)(where >> 1) * ops / 128u,
                             (where & 1) ? DFOTA_FLASHSIM_CUT_TORN : DFOTA_FLASHSIM_CUT_CLEAN,
                             where);
    if (cut_boot(&d, data, size, 64, source_size, workspace, workspace_size) !=
        DFOTA_E_POWER_CUT)
        abort(); /* the cut falls inside the update */
    dfota_flashsim_power_on(&d.flash);
    if (cut_boot(&d, data, size, 97, source_size, workspace, workspace_size) != DFOTA_OK ||
        memcmp(d.flash.mem + CUT_BANK, image, image_size) != 0 ||
        memcmp(d.flash.mem, source, source_size) != 0)
        abort();
out:
    free(workspace);
}

/* Is the payload an in-place patch (the cut device here is two-bank)? */
static int in_place_patch(const uint8_t *payload, size_t size)
{
    return size > 11 && (payload[11] & DFOTA_PATCH_FLAG_IN_PLACE) != 0;
}

/* The device's view of the same bytes. */
static void check_device(const uint8_t *data, size_t size, size_t chunk)
{
    static uint8_t source[FUZZ_APPLY_SOURCE_CAP];
    struct dfota_package_header hdr;
    struct dfota_trial_options opts;
    struct dfota_error err;
    const uint8_t *payload;
    uint8_t *image = NULL, *host = NULL;
    size_t source_size = fuzz_apply_source(source), image_size = 0, host_size = 0;

    /* Keep the simulated flash small: a crafted header may claim 4 GiB. */
    if (dfota_container_parse(data, size, &hdr, &err) != DFOTA_OK ||
        hdr.target.size > (1u << 20))
        return;
    memset(&opts, 0, sizeof(opts));
    opts.chunk_size = chunk;
    if (dfota_trial_apply_package(data, size, source, source_size, &opts, &image, &image_size,
                                  &err) != DFOTA_OK)
        return;
    /* Accepted by the device: the host reader agrees, and on the image. */
    if (dfota_package_open(data, size, &hdr, &payload, &err) != DFOTA_OK)
        abort();
    if (image_size != hdr.target.size)
        abort();
    if (hdr.package_type == DFOTA_PACKAGE_FULL) {
        if (dfota_package_unpack_full(&hdr, payload, &host, &host_size, &err) != DFOTA_OK ||
            host_size != image_size || memcmp(host, image, image_size) != 0)
            abort();
        free(host);
    }
    if (hdr.package_type == DFOTA_PACKAGE_FULL || !in_place_patch(payload, hdr.payload.size))
        check_cut(data, size, source, source_size, image, image_size,
                  size > 1 ? data[size - 2] : 0);
    free(image);
}

static void check_package(const uint8_t *data, size_t size)
{
    struct dfota_package_header hdr;
    struct dfota_error err;
    const uint8_t *payload;
    uint8_t *image = NULL;
    size_t image_size = 0;
    uint32_t header_size;

    (void)dfota_container_peek(data, size, &header_size, &err);
    if (dfota_container_parse(data, size, &hdr, &err) != DFOTA_OK)
        return;
    if (dfota_package_open(data, size, &hdr, &payload, &err) != DFOTA_OK)
        return;
    /* Keep allocations bounded: a crafted header may claim a 4 GiB target. */
    if (hdr.package_type == DFOTA_PACKAGE_FULL && hdr.target.size <= (16u << 20) &&
        dfota_package_unpack_full(&hdr, payload, &image, &image_size, &err) == DFOTA_OK) {
        if (image_size != hdr.target.size)
            abort(); /* a decoded full image of another size than the header states */
        free(image);
    }
}

/*
 * The input as given, then (if it has a plausible preamble) a copy with the
 * header CRC-32 recomputed, so that mutations reach the field parser instead
 * of all stopping at the checksum.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint32_t header_size;
    uint8_t *copy;

    check_package(data, size);
    check_device(data, size, size > 0 ? (size_t)1 + data[size - 1] % 97 : 1);
    if (size < 16)
        return 0;
    header_size = dfota_get_le32(data + 12);
    if (header_size < 20 || header_size > size)
        return 0;
    copy = malloc(size);
    if (copy == NULL)
        return 0;
    memcpy(copy, data, size);
    dfota_put_le32(copy + header_size - 4, dfota_crc32(0, copy, header_size - 4));
    check_package(copy, size);
    check_device(copy, size, 64);
    free(copy);
    return 0;
}
