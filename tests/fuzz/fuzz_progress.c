/*
 * fuzz_progress.c - fuzz target for the progress record: its decoder, the
 * two-slot store's loader and saver on a record area holding any bytes, and
 * a resume from whatever record a device could find there.
 *
 * Input: one option byte, then the bytes of the record area (two slots of
 * 256 bytes; missing bytes read as erased, 0xFF).
 *   bit 0    the patch: two-bank or in place (both real patches of the fixed
 *            source image of apply_source.h, made once with diffgen)
 *   bit 1    give a record in the area this patch's id, segment count and
 *            flags (and a valid CRC-32), so that the applier gets past the
 *            id check and acts on the rest of it (step, phase, offset,
 *            percent, sequence)
 *   bit 2    also give it the patch offset where its step's segment starts:
 *            a record that lies only about what is done
 *
 * Checks, besides memory errors:
 *  - a record the loader returns decodes to itself: encode(decode(x)) == x;
 *  - after a save, the loader returns the saved record, with a sequence one
 *    past the old newest (serial-number order, so also across 2^32);
 *  - booting a device whose record area holds these bytes never succeeds
 *    with a target other than the one the patch states, and never loops; a
 *    two-bank device, whose old bank stays intact, always ends with the right
 *    target within a few boots (a record that lies about what is done is
 *    caught by the read-back check and repaired), unless the record says an
 *    earlier boot gave the update up (FAILED): then it is refused at once,
 *    with nothing written.
 *
 * Built as a libFuzzer target with -DDFOTA_FUZZ=ON (clang), and always
 * linked into the replay driver that CTest runs over the corpus.
 */
#include <stdlib.h>
#include <string.h>

#include "apply_source.h"
#include "dfota/devsim.h"
#include "dfota/diffgen.h"
#include "dfota/patch.h"
#include "dfota/progress.h"
#include "dfota/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SLOT 256u
#define AREA (2u * SLOT)
#define ERASE 4096u
#define BOOTS_MAX 6u

struct ram_area {
    uint8_t mem[AREA];
};

static enum dfota_status ram_read(void *ctx, uint32_t offset, uint8_t *dst, size_t len)
{
    struct ram_area *a = ctx;

    if (offset > AREA || len > AREA - offset)
        abort();
    memcpy(dst, a->mem + offset, len);
    return DFOTA_OK;
}

static enum dfota_status ram_erase(void *ctx, uint32_t offset, uint32_t len)
{
    struct ram_area *a = ctx;

    if (offset % SLOT != 0 || len % SLOT != 0 || offset > AREA || len > AREA - offset)
        abort();
    memset(a->mem + offset, 0xFF, len);
    return DFOTA_OK;
}

static enum dfota_status ram_write(void *ctx, uint32_t offset, const uint8_t *src, size_t len)
{
    struct ram_area *a = ctx;
    size_t i;

    if (offset > AREA || len > AREA - offset)
        abort();
    for (i = 0; i < len; i++)
        a->mem[offset + i] &= src[i]; /* NOR: programming only clears bits */
    return DFOTA_OK;
}

struct fixture {
    uint8_t source[FUZZ_APPLY_SOURCE_CAP], target[2 * FUZZ_APPLY_SOURCE_CAP];
    size_t source_size, target_size;
    uint8_t *patch[2];
    size_t patch_size[2];
};

static struct fixture fx;

static void make_patches(void)
{
    struct dfota_diff_options opts;
    struct dfota_error err;
    int i;

    fx.source_size = fuzz_apply_source(fx.source);
    fx.target_size = fuzz_apply_source_with_insert(fx.target, sizeof(fx.target), 3);
    for (i = 0; i < 2; i++) {
        dfota_diff_options_init(&opts);
        opts.segment_size = 4096; /* a few segments, so that records have steps */
        opts.in_place = i;
        opts.level = 3;
        if (dfota_diff(fx.source, fx.source_size, fx.target, fx.target_size, &opts,
                       &fx.patch[i], &fx.patch_size[i], &err) != DFOTA_OK)
            abort();
    }
}

static int same_record(const struct dfota_progress *a, const struct dfota_progress *b)
{
    return a->sequence == b->sequence && a->phase == b->phase && a->percent == b->percent &&
           a->flags == b->flags && a->step == b->step && a->segment_count == b->segment_count &&
           a->patch_offset == b->patch_offset &&
           memcmp(a->patch_id, b->patch_id, sizeof(a->patch_id)) == 0;
}

/* The store's load and save on the area as the input left it. */
static void check_store(const uint8_t *area_bytes)
{
    struct ram_area area;
    struct dfota_progress_store store;
    struct dfota_progress rec, again, next;
    uint8_t encoded[DFOTA_PROGRESS_RECORD_SIZE];
    int found = 0, found_again = 0, slot;
    uint32_t old_sequence;

    memcpy(area.mem, area_bytes, AREA);
    memset(&store, 0, sizeof(store));
    store.ctx = &area;
    store.read = ram_read;
    store.erase = ram_erase;
    store.write = ram_write;
    store.slot_size = SLOT;
    store.write_align = 4;
    if (dfota_progress_load(&store, &rec, &found) != DFOTA_OK)
        abort();
    if (found) {
        /* It came from one of the slots, byte for byte. */
        dfota_progress_encode(&rec, encoded);
        for (slot = 0; slot < 2; slot++)
            if (memcmp(area.mem + slot * SLOT, encoded, sizeof(encoded)) == 0)
                break;
        if (slot == 2 || !dfota_progress_decode(encoded, &again) || !same_record(&again, &rec))
            abort();
    }
    old_sequence = found ? rec.sequence : 0;
    memset(&next, 0, sizeof(next));
    next.step = 1;
    next.segment_count = 3;
    next.patch_offset = 500;
    next.percent = 33;
    memset(next.patch_id, 0xA5, sizeof(next.patch_id));
    if (dfota_progress_save(&store, &next) != DFOTA_OK)
        abort();
    if (dfota_progress_load(&store, &again, &found_again) != DFOTA_OK || !found_again ||
        again.sequence != (uint32_t)(old_sequence + 1u) || again.step != 1 ||
        memcmp(again.patch_id, next.patch_id, sizeof(next.patch_id)) != 0)
        abort(); /* the newest save is not what a boot finds */
}

/* Patch offset of the segment at `step` (in patch order), walking the segment headers. */
static uint32_t segment_offset(const uint8_t *patch, size_t size,
                               const struct dfota_patch_header *hdr, uint32_t step)
{
    size_t pos = DFOTA_PATCH_HEADER_SIZE + dfota_patch_tables_size(hdr);
    uint32_t k;

    for (k = 0; k < step && pos + DFOTA_PATCH_SEGMENT_HEADER_SIZE <= size; k++)
        pos += DFOTA_PATCH_SEGMENT_HEADER_SIZE + dfota_get_le32(patch + pos);
    return (uint32_t)pos;
}

/* A device whose record area holds `area_bytes` boots until the update ends. */
static void check_boots(const uint8_t *area_bytes, int which, int adopt, int place)
{
    struct dfota_patch_header hdr;
    struct dfota_devsim d;
    struct dfota_devsim_outcome outcome;
    struct dfota_error err;
    uint8_t area[2 * ERASE];
    enum dfota_status st = DFOTA_E_INTERNAL;
    unsigned boot;

    if (dfota_patch_header_decode(fx.patch[which], fx.patch_size[which], &hdr, &err) !=
            DFOTA_OK ||
        dfota_devsim_create(&d, &hdr, fx.source, fx.source_size, ERASE, 4, UINT32_MAX, &err) !=
            DFOTA_OK)
        abort();
    /* The input's two slots at the start of the device's two erase blocks. */
    memset(area, 0xFF, sizeof(area));
    memcpy(area, area_bytes, SLOT);
    memcpy(area + ERASE, area_bytes + SLOT, SLOT);
    if (adopt) {
        size_t slot;

        for (slot = 0; slot < 2; slot++) {
            uint8_t *p = area + slot * ERASE;

            /* Make it a record of this patch as far as the id goes. */
            if (memcmp(p, DFOTA_PROGRESS_MAGIC, 4) != 0)
                continue;
            dfota_progress_patch_id(fx.patch[which], p + 24);
            dfota_put_le32(p + 60, dfota_crc32(0, p, 60));
            /* The segment count and flags too, when the step still fits. */
            if (dfota_get_le32(p + 12) <= hdr.segment_count) {
                dfota_put_le32(p + 16, hdr.segment_count);
                p[7] = hdr.flags;
                if (place)
                    dfota_put_le32(p + 20, segment_offset(fx.patch[which], fx.patch_size[which],
                                                          &hdr, dfota_get_le32(p + 12)));
                dfota_put_le32(p + 60, dfota_crc32(0, p, 60));
            }
        }
    }
    if (dfota_flashsim_load(&d.flash, d.record_offset, area, sizeof(area), &err) != DFOTA_OK)
        abort();
    /* A record of this patch that says an earlier boot gave up: refused, nothing written. */
    {
        struct dfota_progress rec;
        uint8_t id[32];

        dfota_progress_patch_id(fx.patch[which], id);
        if (dfota_devsim_record(&d, &rec) && rec.phase == DFOTA_PROGRESS_FAILED &&
            memcmp(rec.patch_id, id, sizeof(id)) == 0 &&
            rec.segment_count == hdr.segment_count && rec.flags == hdr.flags) {
            uint64_t ops = d.flash.ops;

            st = dfota_devsim_run(&d, fx.patch[which], fx.patch_size[which], NULL, &outcome,
                                  &err);
            if ((st != DFOTA_E_TARGET_MISMATCH && st != DFOTA_E_UPDATE_IN_PROGRESS) ||
                d.flash.ops != ops)
                abort();
            dfota_devsim_free(&d);
            return;
        }
    }
    for (boot = 0; boot < BOOTS_MAX; boot++) {
        st = dfota_devsim_run(&d, fx.patch[which], fx.patch_size[which], NULL, &outcome, &err);
        if (st == DFOTA_OK)
            break;
        if (st == DFOTA_E_UPDATE_IN_PROGRESS)
            break; /* another patch's unfinished update: refused, as it must be */
    }
    if (st == DFOTA_OK && memcmp(dfota_devsim_target(&d), fx.target, fx.target_size) != 0)
        abort(); /* "done", with another target */
    if (!d.in_place && st != DFOTA_OK && st != DFOTA_E_UPDATE_IN_PROGRESS)
        abort(); /* a two-bank device keeps its source: it must always get there */
    dfota_devsim_free(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t area[AREA];

    if (fx.patch[0] == NULL)
        make_patches();
    if (size < 1)
        return 0;
    memset(area, 0xFF, sizeof(area));
    memcpy(area, data + 1, size - 1 < AREA ? size - 1 : AREA);
    check_store(area);
    check_boots(area, data[0] & 1, (data[0] >> 1) & 1, (data[0] >> 2) & 1);
    return 0;
}
