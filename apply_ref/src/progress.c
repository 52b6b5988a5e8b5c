/*
 * progress.c - the progress record and its two-slot store (docs/FORMAT.md,
 * "Progress record").
 */
#include "dfota/progress.h"

#include <string.h>

#include "dfota/patch.h"
#include "dfota/sha256.h"
#include "dfota/wire.h"

#define OFF_VERSION 4u
#define OFF_PHASE 5u
#define OFF_PERCENT 6u
#define OFF_FLAGS 7u
#define OFF_SEQUENCE 8u
#define OFF_STEP 12u
#define OFF_SEGMENT_COUNT 16u
#define OFF_PATCH_OFFSET 20u
#define OFF_PATCH_ID 24u
#define OFF_RESERVED 56u
#define OFF_CRC 60u

/* Largest write unit the store pads a record to. */
#define STORE_ALIGN_MAX 256u

void dfota_progress_encode(const struct dfota_progress *rec, uint8_t *out)
{
    memcpy(out, DFOTA_PROGRESS_MAGIC, 4);
    out[OFF_VERSION] = rec->phase == DFOTA_PROGRESS_FAILED ? DFOTA_PROGRESS_VERSION
                                                           : DFOTA_PROGRESS_VERSION_NO_FAILED;
    out[OFF_PHASE] = rec->phase;
    out[OFF_PERCENT] = rec->percent;
    out[OFF_FLAGS] = rec->flags;
    dfota_put_le32(out + OFF_SEQUENCE, rec->sequence);
    dfota_put_le32(out + OFF_STEP, rec->step);
    dfota_put_le32(out + OFF_SEGMENT_COUNT, rec->segment_count);
    dfota_put_le32(out + OFF_PATCH_OFFSET, rec->patch_offset);
    memcpy(out + OFF_PATCH_ID, rec->patch_id, 32);
    dfota_put_le32(out + OFF_RESERVED, 0);
    dfota_put_le32(out + OFF_CRC, dfota_crc32(0, out, OFF_CRC));
}

/* Is the record at `in` valid (everything dfota_progress_decode() checks)? */
static int valid_record(const uint8_t *in)
{
    uint8_t version = in[OFF_VERSION], phase = in[OFF_PHASE];
    uint32_t step = dfota_get_le32(in + OFF_STEP), count = dfota_get_le32(in + OFF_SEGMENT_COUNT);

    return memcmp(in, DFOTA_PROGRESS_MAGIC, 4) == 0 &&
           (version == DFOTA_PROGRESS_VERSION_NO_FAILED || version == DFOTA_PROGRESS_VERSION) &&
           dfota_get_le32(in + OFF_CRC) == dfota_crc32(0, in, OFF_CRC) &&
           phase <= (version == DFOTA_PROGRESS_VERSION ? DFOTA_PROGRESS_FAILED
                                                       : DFOTA_PROGRESS_SCRATCH) &&
           in[OFF_PERCENT] <= 100 && dfota_get_le32(in + OFF_RESERVED) == 0 && step <= count &&
           (phase != DFOTA_PROGRESS_FAILED || step == count);
}

int dfota_progress_decode(const uint8_t *in, struct dfota_progress *rec)
{
    if (!valid_record(in))
        return 0;
    rec->phase = in[OFF_PHASE];
    rec->percent = in[OFF_PERCENT];
    rec->flags = in[OFF_FLAGS];
    rec->sequence = dfota_get_le32(in + OFF_SEQUENCE);
    rec->step = dfota_get_le32(in + OFF_STEP);
    rec->segment_count = dfota_get_le32(in + OFF_SEGMENT_COUNT);
    rec->patch_offset = dfota_get_le32(in + OFF_PATCH_OFFSET);
    memcpy(rec->patch_id, in + OFF_PATCH_ID, 32);
    return 1;
}

static int store_ok(const struct dfota_progress_store *s)
{
    uint32_t unit = s->write_align;

    return s->read != NULL && s->erase != NULL && s->write != NULL && unit != 0 &&
           (unit & (unit - 1)) == 0 && unit <= STORE_ALIGN_MAX &&
           s->slot_size >= (DFOTA_PROGRESS_RECORD_SIZE + unit - 1) / unit * unit &&
           s->slot_size <= UINT32_MAX / 2;
}

/* Serial-number order: is sequence a newer than b? */
static int newer(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b) > 0;
}

/*
 * Read both slots, one at a time: *newest is the index of the newest valid
 * record (or -1), *sequence its sequence number, and `*rec` (when not NULL)
 * that record. Only the 64 bytes of one slot are on the stack (this runs
 * inside the applier's deepest call, docs/PORTING.md).
 */
static enum dfota_status newest_slot(const struct dfota_progress_store *s, int *newest,
                                     uint32_t *sequence, struct dfota_progress *rec)
{
    uint8_t buf[DFOTA_PROGRESS_RECORD_SIZE];
    enum dfota_status st;
    int i;

    *newest = -1;
    *sequence = 0;
    for (i = 0; i < 2; i++) {
        st = s->read(s->ctx, (uint32_t)i * s->slot_size, buf, sizeof(buf));
        if (st != DFOTA_OK)
            return st;
        if (valid_record(buf) &&
            (*newest < 0 || newer(dfota_get_le32(buf + OFF_SEQUENCE), *sequence))) {
            *newest = i;
            *sequence = dfota_get_le32(buf + OFF_SEQUENCE);
            if (rec != NULL)
                dfota_progress_decode(buf, rec);
        }
    }
    return DFOTA_OK;
}

enum dfota_status dfota_progress_load(const struct dfota_progress_store *store,
                                      struct dfota_progress *rec, int *found)
{
    uint32_t sequence;
    int newest;
    enum dfota_status st;

    *found = 0;
    if (!store_ok(store))
        return DFOTA_E_INVALID_ARGUMENT;
    st = newest_slot(store, &newest, &sequence, rec);
    if (st != DFOTA_OK)
        return st;
    *found = newest >= 0;
    return DFOTA_OK;
}

#if defined(__GNUC__)
#define PROGRESS_NOINLINE __attribute__((noinline))
#else
#define PROGRESS_NOINLINE
#endif

/* Write units over the record's 64 bytes: the padded record from a buffer of
 * that unit, kept out of dfota_progress_save()'s frame for the usual units. */
static PROGRESS_NOINLINE enum dfota_status write_wide(const struct dfota_progress_store *s,
                                                      uint32_t at,
                                                      const struct dfota_progress *rec)
{
    uint8_t buf[STORE_ALIGN_MAX];

    memset(buf, 0xFF, s->write_align);
    dfota_progress_encode(rec, buf);
    return s->write(s->ctx, at, buf, s->write_align);
}

/* The record's 64 bytes, a whole number of write units: its buffer is kept
 * out of dfota_progress_save()'s frame, which newest_slot() runs under. */
static PROGRESS_NOINLINE enum dfota_status write_record(const struct dfota_progress_store *s,
                                                        uint32_t at,
                                                        const struct dfota_progress *rec)
{
    uint8_t buf[DFOTA_PROGRESS_RECORD_SIZE];

    dfota_progress_encode(rec, buf);
    return s->write(s->ctx, at, buf, sizeof(buf));
}

enum dfota_status dfota_progress_save(const struct dfota_progress_store *store,
                                      struct dfota_progress *rec)
{
    uint32_t sequence;
    int newest, target;
    enum dfota_status st;

    if (!store_ok(store))
        return DFOTA_E_INVALID_ARGUMENT;
    st = newest_slot(store, &newest, &sequence, NULL);
    if (st != DFOTA_OK)
        return st;
    rec->sequence = newest >= 0 ? sequence + 1 : 1;
    target = newest == 0 ? 1 : 0;
    st = store->erase(store->ctx, (uint32_t)target * store->slot_size, store->slot_size);
    if (st != DFOTA_OK)
        return st;
    if (store->write_align > DFOTA_PROGRESS_RECORD_SIZE)
        return write_wide(store, (uint32_t)target * store->slot_size, rec);
    return write_record(store, (uint32_t)target * store->slot_size, rec);
}

enum dfota_status dfota_progress_clear(const struct dfota_progress_store *store)
{
    uint32_t sequence;
    int newest, first;
    enum dfota_status st;

    if (!store_ok(store))
        return DFOTA_E_INVALID_ARGUMENT;
    st = newest_slot(store, &newest, &sequence, NULL);
    if (st != DFOTA_OK)
        return st;
    first = newest == 0 ? 1 : 0;
    st = store->erase(store->ctx, (uint32_t)first * store->slot_size, store->slot_size);
    if (st != DFOTA_OK)
        return st;
    return store->erase(store->ctx, (uint32_t)(1 - first) * store->slot_size, store->slot_size);
}

void dfota_progress_patch_id(const uint8_t *patch_header, uint8_t *id)
{
    struct dfota_sha256 hash;

    dfota_sha256_init(&hash);
    dfota_sha256_update(&hash, patch_header, DFOTA_PATCH_HEADER_SIZE);
    dfota_sha256_final(&hash, id);
}

int dfota_progress_in_progress(const struct dfota_progress *rec)
{
    return rec->step < rec->segment_count;
}
