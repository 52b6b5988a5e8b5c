/*
 * test_flashsim.c - the NOR flash simulator: erase and program semantics,
 * alignment and range checks, power cuts (clean and torn), files, counters.
 */
#include "test_helpers.h"

#include <stdio.h>
#include <stdlib.h>

#include "dfota/flashsim.h"

#define SMALL_ERASE 4096u
#define SMALL_SIZE (4u * SMALL_ERASE)

static void create_or_fail(struct dfota_flashsim *f, uint32_t size, uint32_t erase_size,
                           uint32_t write_align)
{
    struct dfota_error err;

    dfota_error_clear(&err);
    if (dfota_flashsim_create(f, size, erase_size, write_align, &err) != DFOTA_OK)
        fail_msg("create(%u, %u, %u): %s", (unsigned)size, (unsigned)erase_size,
                 (unsigned)write_align, err.message);
}

/* Assert `st` is `want` and, for a failure, that the message contains `needle`. */
static void assert_status(enum dfota_status st, enum dfota_status want,
                          const struct dfota_error *err, const char *needle)
{
    if (st != want)
        fail_msg("status %s, expected %s (%s)", dfota_status_name(st), dfota_status_name(want),
                 st == DFOTA_OK ? "" : err->message);
    if (want != DFOTA_OK && needle != NULL && strstr(err->message, needle) == NULL)
        fail_msg("message '%s' does not contain '%s'", err->message, needle);
}

static bool all_bytes_are(const uint8_t *p, size_t n, uint8_t value)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (p[i] != value)
            return false;
    return true;
}

/* Image bytes that are never 0xFF, so that erased bytes stand out. */
static void fill_no_ff(uint8_t *p, size_t n, uint32_t seed)
{
    size_t i;

    test_fill_image(p, n, seed);
    for (i = 0; i < n; i++)
        if (p[i] == 0xFF)
            p[i] = 0x5A;
}

static void created_flash_is_erased_powered_and_unused(void **state)
{
    struct dfota_flashsim f;
    uint32_t i;

    (void)state;
    create_or_fail(&f, SMALL_SIZE, SMALL_ERASE, 8);
    assert_int_equal(f.size, SMALL_SIZE);
    assert_int_equal(f.erase_size, SMALL_ERASE);
    assert_int_equal(f.write_align, 8);
    assert_true(all_bytes_are(f.mem, f.size, 0xFF));
    assert_true(f.powered);
    assert_true(f.ops == 0 && f.cut_at == 0);
    assert_true(f.reads == 0 && f.writes == 0 && f.erases == 0);
    assert_true(f.bytes_read == 0 && f.bytes_written == 0);
    for (i = 0; i < SMALL_SIZE / SMALL_ERASE; i++)
        assert_int_equal(f.block_erases[i], 0);
    dfota_flashsim_free(&f);
    assert_null(f.mem);
    dfota_flashsim_free(&f);
    dfota_flashsim_free(NULL);
}

static void create_refuses_impossible_geometry(void **state)
{
    static const struct {
        uint32_t size, erase_size, write_align;
        const char *needle;
    } bad[] = {
        {65536, 4096, 0, "write alignment 0"},     {65536, 4096, 3, "write alignment 3"},
        {65536, 4096, 512, "write alignment 512"}, {65536, 3000, 8, "erase size 3000"},
        {65536, 4, 8, "erase size 4"},             {0, 4096, 8, "flash size 0"},
        {65536 + 2048, 4096, 8, "flash size 67584"}, {65536, 0, 1, "erase size 0"},
    };
    struct dfota_flashsim f;
    struct dfota_error err;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        memset(&f, 0xA5, sizeof(f));
        assert_status(dfota_flashsim_create(&f, bad[i].size, bad[i].erase_size,
                                            bad[i].write_align, &err),
                      DFOTA_E_INVALID_ARGUMENT, &err, bad[i].needle);
        assert_null(f.mem);
        dfota_flashsim_free(&f);
    }
    /* The extremes that are allowed. */
    create_or_fail(&f, 256, 256, 256);
    dfota_flashsim_free(&f);
    create_or_fail(&f, 1, 1, 1);
    dfota_flashsim_free(&f);
}

static void erase_sets_whole_blocks_to_ff(void **state)
{
    static uint8_t image[SMALL_SIZE];
    struct dfota_flashsim f;
    struct dfota_error err;

    (void)state;
    create_or_fail(&f, SMALL_SIZE, SMALL_ERASE, 4);
    fill_no_ff(image, sizeof(image), 1);
    assert_status(dfota_flashsim_load(&f, 0, image, sizeof(image), &err), DFOTA_OK, &err, NULL);

    assert_status(dfota_flashsim_erase(&f, SMALL_ERASE, SMALL_ERASE, &err), DFOTA_OK, &err, NULL);
    assert_memory_equal(f.mem, image, SMALL_ERASE);
    assert_true(all_bytes_are(f.mem + SMALL_ERASE, SMALL_ERASE, 0xFF));
    assert_memory_equal(f.mem + 2 * SMALL_ERASE, image + 2 * SMALL_ERASE, 2 * SMALL_ERASE);

    /* Several blocks in one call; erasing erased blocks is fine. */
    assert_status(dfota_flashsim_erase(&f, SMALL_ERASE, 3 * SMALL_ERASE, &err), DFOTA_OK, &err,
                  NULL);
    assert_memory_equal(f.mem, image, SMALL_ERASE);
    assert_true(all_bytes_are(f.mem + SMALL_ERASE, 3 * SMALL_ERASE, 0xFF));
    dfota_flashsim_free(&f);
}

static void write_then_read_back(void **state)
{
    uint8_t data[256], back[256];
    struct dfota_flashsim f;
    struct dfota_error err;

    (void)state;
    create_or_fail(&f, SMALL_SIZE, SMALL_ERASE, 8);
    test_fill_image(data, sizeof(data), 2);
    assert_status(dfota_flashsim_write(&f, 2 * SMALL_ERASE - 128, data, sizeof(data), &err),
                  DFOTA_OK, &err, NULL);
    memset(back, 0, sizeof(back));
    assert_status(dfota_flashsim_read(&f, 2 * SMALL_ERASE - 128, back, sizeof(back), &err),
                  DFOTA_OK, &err, NULL);
    assert_memory_equal(back, data, sizeof(data));
    /* Reads need no alignment. */
    assert_status(dfota_flashsim_read(&f, 2 * SMALL_ERASE - 125, back, 7, &err), DFOTA_OK, &err,
                  NULL);
    assert_memory_equal(back, data + 3, 7);
    assert_true(all_bytes_are(f.mem, 2 * SMALL_ERASE - 128, 0xFF));
    assert_true(all_bytes_are(f.mem + 2 * SMALL_ERASE + 128, 2 * SMALL_ERASE - 128, 0xFF));
    dfota_flashsim_free(&f);
}

static void write_to_unerased_bytes_is_refused_and_changes_nothing(void **state)
{
    static uint8_t before[SMALL_SIZE];
    uint8_t data[16], more[16];
    struct dfota_flashsim f;
    struct dfota_error err;

    (void)state;
    create_or_fail(&f, SMALL_SIZE, SMALL_ERASE, 4);
    memset(data, 0x00, sizeof(data));
    assert_status(dfota_flashsim_write(&f, 4096 + 16, data, sizeof(data), &err), DFOTA_OK, &err,
                  NULL);
    memcpy(before, f.mem, sizeof(before));

    /* Overlapping the written range by its last 4 bytes: the first unerased
     * byte is named, and nothing is written, not even the erased prefix. */
    memset(more, 0x11, sizeof(more));
    assert_status(dfota_flashsim_write(&f, 4096 + 4, more, sizeof(more), &err), DFOTA_E_FLASH,
                  &err, "write to unerased byte at offset 4112 (0x1010)");
    assert_memory_equal(f.mem, before, sizeof(before));

    /* Even a write that would not change the bits is refused (strict NOR). */
    assert_status(dfota_flashsim_write(&f, 4096 + 16, data, 4, &err), DFOTA_E_FLASH, &err,
                  "offset 4112 (0x1010)");
    /* Once erased, it can be written. */
    assert_status(dfota_flashsim_erase(&f, 4096, 4096, &err), DFOTA_OK, &err, NULL);
    assert_status(dfota_flashsim_write(&f, 4096 + 4, more, sizeof(more), &err), DFOTA_OK, &err,
                  NULL);
    assert_int_equal(f.writes, 2);
    dfota_flashsim_free(&f);
}

static void write_only_clears_bits(void **state)
{
    const uint8_t pattern[4] = {0xF0, 0xFF, 0x0F, 0xA5};
    const uint8_t second[4] = {0x3C, 0x00, 0x77, 0x81};
    uint8_t back[4];
    struct dfota_flashsim f;
    struct dfota_error err;

    (void)state;
    create_or_fail(&f, SMALL_SIZE, SMALL_ERASE, 1);
    assert_status(dfota_flashsim_write(&f, 100, pattern, 4, &err), DFOTA_OK, &err, NULL);
    assert_status(dfota_flashsim_read(&f, 100, back, 4, &err), DFOTA_OK, &err, NULL);
    assert_memory_equal(back, pattern, 4);
    /* The byte written as 0xFF is still erased and can be programmed later;
     * its neighbours cannot. */
    assert_status(dfota_flashsim_write(&f, 101, second + 1, 1, &err), DFOTA_OK, &err, NULL);
    assert_int_equal(f.mem[101], 0x00);
    assert_status(dfota_flashsim_write(&f, 102, second + 2, 1, &err), DFOTA_E_FLASH, &err,
                  "offset 102 (0x66)");
    assert_int_equal(f.mem[102], 0x0F);
    /* "Erased" means reads 0xFF, however the byte got there: a byte loaded
     * as 0xFF can be written. */
    assert_status(dfota_flashsim_load(&f, 200, pattern, 4, &err), DFOTA_OK, &err, NULL);
    assert_status(dfota_flashsim_write(&f, 201, second, 1, &err), DFOTA_OK, &err, NULL);
    assert_int_equal(f.mem[201], second[0]);
    dfota_flashsim_free(&f);
}

/* For each geometry, every (offset, length) near block boundaries is
 * accepted exactly when aligned; refusals name the offset and change nothing. */
static void misaligned_writes_and_erases_are_refused(void **state)
{
    static const uint32_t aligns[] = {1, 4, 8};
    static const uint32_t erase_sizes[] = {4096, 65536};
    static uint8_t data[2 * 65536];
    struct dfota_flashsim f;
    struct dfota_error err;
    size_t a, e;
    uint32_t align, erase_size, base, delta, len;
    char needle[64];

    (void)state;
    memset(data, 0x42, sizeof(data));
    for (e = 0; e < 2; e++) {
        for (a = 0; a < 3; a++) {
            erase_size = erase_sizes[e];
            align = aligns[a];
            create_or_fail(&f, 4 * erase_size, erase_size, align);
            base = erase_size;
            for (delta = 0; delta <= 2 * align + 1; delta++) {
                for (len = 0; len <= 2 * align + 1; len++) {
                    bool ok = delta % align == 0 && len % align == 0;
                    uint64_t writes = f.writes;
                    enum dfota_status st;

                    st = dfota_flashsim_write(&f, base + delta, data, len, &err);
                    snprintf(needle, sizeof(needle), "offset %u (0x%x)",
                             (unsigned)(base + delta), (unsigned)(base + delta));
                    assert_status(st, ok ? DFOTA_OK : DFOTA_E_INVALID_ARGUMENT, &err, needle);
                    if (!ok) {
                        assert_true(all_bytes_are(f.mem + base, erase_size, 0xFF));
                        assert_true(f.writes == writes);
                        assert_true(strstr(err.message, "write alignment") != NULL);
                    } else if (len > 0) {
                        assert_true(f.writes == writes + 1);
                        assert_status(dfota_flashsim_erase(&f, base, erase_size, &err),
                                      DFOTA_OK, &err, NULL);
                    }
                }
            }
            /* Erases: offset and length must be multiples of the erase size. */
            {
                const uint32_t deltas[] = {0, 1, align, erase_size / 2, erase_size - align,
                                           erase_size};
                const uint32_t lens[] = {0,          1,          align,
                                         erase_size - align, erase_size, erase_size + align,
                                         2 * erase_size};
                size_t d, l;

                for (d = 0; d < sizeof(deltas) / sizeof(deltas[0]); d++) {
                    for (l = 0; l < sizeof(lens) / sizeof(lens[0]); l++) {
                        bool ok = deltas[d] % erase_size == 0 && lens[l] % erase_size == 0;
                        enum dfota_status st;

                        assert_status(dfota_flashsim_load(&f, 0, data, 2 * erase_size, &err),
                                      DFOTA_OK, &err, NULL);
                        st = dfota_flashsim_erase(&f, base + deltas[d], lens[l], &err);
                        snprintf(needle, sizeof(needle), "offset %u (0x%x)",
                                 (unsigned)(base + deltas[d]), (unsigned)(base + deltas[d]));
                        assert_status(st, ok ? DFOTA_OK : DFOTA_E_INVALID_ARGUMENT, &err,
                                      needle);
                        if (!ok) {
                            assert_true(all_bytes_are(f.mem, 2 * erase_size, 0x42));
                            assert_true(strstr(err.message, "erase size") != NULL);
                        }
                    }
                }
            }
            dfota_flashsim_free(&f);
        }
    }
}

static void out_of_range_is_refused_without_overflow(void **state)
{
    uint8_t data[64], back[64];
    struct dfota_flashsim f;
    struct dfota_error err;
    uint64_t ops;

    (void)state;
    memset(data, 0, sizeof(data));
    create_or_fail(&f, SMALL_SIZE, SMALL_ERASE, 4);

    /* The last bytes are in range; one more is not. */
    assert_status(dfota_flashsim_write(&f, SMALL_SIZE - 8, data, 8, &err), DFOTA_OK, &err, NULL);
    assert_status(dfota_flashsim_read(&f, SMALL_SIZE - 1, back, 1, &err), DFOTA_OK, &err, NULL);
    assert_status(dfota_flashsim_read(&f, SMALL_SIZE, back, 0, &err), DFOTA_OK, &err, NULL);
    ops = f.ops;
    assert_status(dfota_flashsim_read(&f, SMALL_SIZE - 1, back, 2, &err),
                  DFOTA_E_INVALID_ARGUMENT, &err, "offset 16383 (0x3fff)");
    assert_status(dfota_flashsim_write(&f, SMALL_SIZE - 4, data, 8, &err),
                  DFOTA_E_INVALID_ARGUMENT, &err, "offset 16380 (0x3ffc)");
    assert_status(dfota_flashsim_write(&f, SMALL_SIZE, data, 4, &err), DFOTA_E_INVALID_ARGUMENT,
                  &err, "offset 16384 (0x4000)");
    assert_status(dfota_flashsim_erase(&f, SMALL_SIZE, SMALL_ERASE, &err),
                  DFOTA_E_INVALID_ARGUMENT, &err, "outside the 16384-byte flash");
    assert_status(dfota_flashsim_erase(&f, 0, 2 * SMALL_SIZE, &err), DFOTA_E_INVALID_ARGUMENT,
                  &err, "offset 0 (0x0)");
    assert_status(dfota_flashsim_read(&f, SMALL_SIZE + 4, back, 0, &err),
                  DFOTA_E_INVALID_ARGUMENT, &err, "offset 16388");

    /* offset + len wraps around: must not pass as a small end offset. */
    assert_status(dfota_flashsim_read(&f, 0xFFFFFFFFu, back, 2, &err), DFOTA_E_INVALID_ARGUMENT,
                  &err, "offset 4294967295 (0xffffffff)");
    assert_status(dfota_flashsim_read(&f, 16, back, SIZE_MAX, &err), DFOTA_E_INVALID_ARGUMENT,
                  &err, "offset 16 (0x10)");
    assert_status(dfota_flashsim_write(&f, 0xFFFFFFFCu, data, 8, &err),
                  DFOTA_E_INVALID_ARGUMENT, &err, "offset 4294967292");
    assert_status(dfota_flashsim_write(&f, 4, data, SIZE_MAX - 3, &err),
                  DFOTA_E_INVALID_ARGUMENT, &err, "offset 4 (0x4)");
    assert_status(dfota_flashsim_erase(&f, SMALL_ERASE, SIZE_MAX - SMALL_ERASE + 1, &err),
                  DFOTA_E_INVALID_ARGUMENT, &err, "offset 4096 (0x1000)");
    assert_status(dfota_flashsim_load(&f, 8, data, SIZE_MAX - 7, &err),
                  DFOTA_E_INVALID_ARGUMENT, &err, "offset 8 (0x8)");

    /* NULL buffers. */
    assert_status(dfota_flashsim_write(&f, 0, NULL, 4, &err), DFOTA_E_INVALID_ARGUMENT, &err,
                  "offset 0");
    assert_status(dfota_flashsim_read(&f, 0, NULL, 4, &err), DFOTA_E_INVALID_ARGUMENT, &err,
                  "offset 0");

    assert_true(f.ops == ops);
    assert_true(all_bytes_are(f.mem, SMALL_SIZE - 8, 0xFF));
    dfota_flashsim_free(&f);
}

/* Performs operation `i` of a fixed mixed sequence (alternating erase and
 * write over four blocks) on `f`. */
static enum dfota_status sequence_op(struct dfota_flashsim *f, unsigned i,
                                     struct dfota_error *err)
{
    uint8_t data[64];
    uint32_t block = (i / 2) % 4;

    memset(data, (int)(i & 0x7F), sizeof(data));
    if (i % 2 == 0)
        return dfota_flashsim_erase(f, block * SMALL_ERASE, SMALL_ERASE, err);
    return dfota_flashsim_write(f, block * SMALL_ERASE, data, sizeof(data), err);
}

static void cut_fires_exactly_at_operation_n_plus_one(void **state)
{
    struct dfota_flashsim f;
    struct dfota_error err;
    uint8_t back[4] = {0};
    unsigned n, i;

    (void)state;
    for (n = 0; n < 8; n++) {
        create_or_fail(&f, SMALL_SIZE, SMALL_ERASE, 4);
        /* Operations before arming do not count towards n. */
        assert_status(sequence_op(&f, 0, &err), DFOTA_OK, &err, NULL);
        assert_status(sequence_op(&f, 1, &err), DFOTA_OK, &err, NULL);
        dfota_flashsim_cut_after(&f, n, DFOTA_FLASHSIM_CUT_CLEAN, 0);
        assert_true(f.cut_at == 2 + n + 1);
        for (i = 0; i < n; i++) {
            assert_status(sequence_op(&f, 2 + i, &err), DFOTA_OK, &err, NULL);
            /* Refused operations and reads do not consume the cut. */
            assert_status(dfota_flashsim_write(&f, 1, back, 4, &err), DFOTA_E_INVALID_ARGUMENT,
                          &err, NULL);
            assert_status(dfota_flashsim_read(&f, 0, back, 4, &err), DFOTA_OK, &err, NULL);
        }
        assert_true(f.powered);
        assert_status(sequence_op(&f, 2 + n, &err), DFOTA_E_POWER_CUT, &err,
                      "power cut during");
        assert_true(f.ops == 2 + n + 1);
        assert_false(f.powered);

        /* Everything fails until power comes back, whatever the arguments. */
        assert_status(dfota_flashsim_read(&f, 0, back, 4, &err), DFOTA_E_POWER_CUT, &err,
                      "offset 0 (0x0)");
        assert_status(dfota_flashsim_write(&f, 8, back, 4, &err), DFOTA_E_POWER_CUT, &err,
                      "offset 8 (0x8)");
        assert_status(dfota_flashsim_erase(&f, 8192, 4096, &err), DFOTA_E_POWER_CUT, &err,
                      "offset 8192 (0x2000)");
        assert_status(dfota_flashsim_read(&f, 3, back, 4000000, &err), DFOTA_E_POWER_CUT, &err,
                      "offset 3");
        assert_status(dfota_flashsim_write(&f, 2, back, 3, &err), DFOTA_E_POWER_CUT, &err,
                      "offset 2");
        assert_status(dfota_flashsim_write(&f, SMALL_SIZE, back, 4, &err), DFOTA_E_POWER_CUT,
                      &err, "offset 16384");
        assert_status(dfota_flashsim_erase(&f, 100, 4096, &err), DFOTA_E_POWER_CUT, &err,
                      "offset 100");
        assert_status(dfota_flashsim_erase(&f, 0, 2 * SMALL_SIZE, &err), DFOTA_E_POWER_CUT, &err,
                      "offset 0");
        assert_true(f.ops == 2 + n + 1);

        dfota_flashsim_power_on(&f);
        assert_true(f.powered);
        assert_true(f.cut_at == 0);
        /* No cut armed any more: the rest of the sequence runs. */
        for (i = 2 + n; i < 40; i++)
            assert_status(sequence_op(&f, i, &err), DFOTA_OK, &err, NULL);
        dfota_flashsim_free(&f);
    }
}

static void power_on_disarms_a_cut_that_has_not_fired(void **state)
{
    struct dfota_flashsim f;
    struct dfota_error err;
    unsigned i;

    (void)state;
    create_or_fail(&f, SMALL_SIZE, SMALL_ERASE, 4);
    dfota_flashsim_cut_after(&f, 3, DFOTA_FLASHSIM_CUT_TORN, 1);
    dfota_flashsim_power_on(&f);
    for (i = 0; i < 10; i++)
        assert_status(sequence_op(&f, i, &err), DFOTA_OK, &err, NULL);
    /* A huge n arms nothing instead of wrapping around. */
    dfota_flashsim_cut_after(&f, UINT64_MAX, DFOTA_FLASHSIM_CUT_CLEAN, 0);
    assert_true(f.cut_at == 0);
    for (i = 10; i < 20; i++)
        assert_status(sequence_op(&f, i, &err), DFOTA_OK, &err, NULL);
    dfota_flashsim_free(&f);
}

static void clean_cut_leaves_memory_untouched(void **state)
{
    static uint8_t before[SMALL_SIZE];
    uint8_t data[SMALL_ERASE];
    struct dfota_flashsim f;
    struct dfota_error err;

    (void)state;
    create_or_fail(&f, SMALL_SIZE, SMALL_ERASE, 8);
    fill_no_ff(before, sizeof(before), 5);
    memset(before + 2 * SMALL_ERASE, 0xFF, 2 * SMALL_ERASE);
    assert_status(dfota_flashsim_load(&f, 0, before, sizeof(before), &err), DFOTA_OK, &err,
                  NULL);
    fill_no_ff(data, sizeof(data), 6);

    dfota_flashsim_cut_after(&f, 0, DFOTA_FLASHSIM_CUT_CLEAN, 7);
    assert_status(dfota_flashsim_write(&f, 2 * SMALL_ERASE, data, sizeof(data), &err),
                  DFOTA_E_POWER_CUT, &err, "offset 8192 (0x2000)");
    assert_memory_equal(f.mem, before, sizeof(before));
    assert_true(strstr(err.message, "clean") != NULL);
    dfota_flashsim_power_on(&f);

    dfota_flashsim_cut_after(&f, 0, DFOTA_FLASHSIM_CUT_CLEAN, 7);
    assert_status(dfota_flashsim_erase(&f, 0, 2 * SMALL_ERASE, &err), DFOTA_E_POWER_CUT, &err,
                  "offset 0 (0x0)");
    assert_memory_equal(f.mem, before, sizeof(before));
    dfota_flashsim_free(&f);
}

/*
 * A torn write of `len` bytes leaves: a prefix equal to the new bytes, then
 * one byte whose bits are between the new and the old value, then the old
 * bytes. Returns the position of that byte; *partial tells whether it is
 * strictly between (neither old nor new).
 */
static size_t check_torn_write(const uint8_t *now, const uint8_t *old, const uint8_t *new_bytes,
                               size_t len, bool *partial)
{
    size_t k = 0, i;

    while (k < len && now[k] == new_bytes[k])
        k++;
    if (k == len) {
        /* The last byte got all its bits: as torn as it gets. */
        *partial = false;
        return len - 1;
    }
    /* now[k]: superset of the new bits, subset of the old. */
    if ((now[k] & new_bytes[k]) != new_bytes[k] || (now[k] & ~old[k]) != 0)
        fail_msg("torn byte %zu is 0x%02x: not between new 0x%02x and old 0x%02x", k, now[k],
                 new_bytes[k], old[k]);
    *partial = now[k] != old[k] && now[k] != new_bytes[k];
    for (i = k + 1; i < len; i++)
        if (now[i] != old[i])
            fail_msg("byte %zu after the torn byte %zu changed", i, k);
    return k;
}

static void torn_write_programs_a_prefix_and_some_bits_of_one_byte(void **state)
{
    enum { LEN = 24 };
    uint8_t data[LEN], erased[LEN], torn, to_clear;
    bool seen_partial_at[LEN] = {false};
    unsigned seen_kept[8] = {0}, seen_cleared[8] = {0};
    bool partial;
    struct dfota_flashsim f;
    struct dfota_error err;
    uint64_t seed;
    size_t k, i;
    unsigned bit;

    (void)state;
    /* New bytes with at least two bits cleared (bits 6 and 7), so that a
     * partially programmed byte can differ from both the old and the new. */
    for (i = 0; i < LEN; i++)
        data[i] = (uint8_t)(0x3C ^ i);
    memset(erased, 0xFF, sizeof(erased));
    create_or_fail(&f, SMALL_SIZE, SMALL_ERASE, 8);
    for (seed = 0; seed < 2000; seed++) {
        assert_status(dfota_flashsim_erase(&f, SMALL_ERASE, SMALL_ERASE, &err), DFOTA_OK, &err,
                      NULL);
        dfota_flashsim_cut_after(&f, 0, DFOTA_FLASHSIM_CUT_TORN, seed);
        assert_status(dfota_flashsim_write(&f, SMALL_ERASE + 64, data, LEN, &err),
                      DFOTA_E_POWER_CUT, &err, "offset 4160 (0x1040)");
        k = check_torn_write(f.mem + SMALL_ERASE + 64, erased, data, LEN, &partial);
        if (partial) {
            seen_partial_at[k] = true;
            torn = f.mem[SMALL_ERASE + 64 + k];
            to_clear = (uint8_t)(erased[k] & ~data[k]);
            for (bit = 0; bit < 8; bit++) {
                if ((to_clear >> bit) & 1u) {
                    if ((torn >> bit) & 1u)
                        seen_kept[bit]++;
                    else
                        seen_cleared[bit]++;
                }
            }
        }
        /* Nothing outside the write changed. */
        assert_true(all_bytes_are(f.mem + SMALL_ERASE, 64, 0xFF));
        assert_true(all_bytes_are(f.mem + SMALL_ERASE + 64 + LEN, SMALL_ERASE - 64 - LEN, 0xFF));
        dfota_flashsim_power_on(&f);
    }
    /* Every byte of the write, first and last included, is sometimes the
     * partially programmed one, and in those each bit to be cleared is
     * sometimes cleared and sometimes not. */
    for (k = 0; k < LEN; k++)
        if (!seen_partial_at[k])
            fail_msg("no seed left byte %zu partially programmed", k);
    for (bit = 0; bit < 8; bit++)
        if ((seen_kept[bit] == 0) != (seen_cleared[bit] == 0))
            fail_msg("bit %u of the torn byte: kept %u times, cleared %u times", bit,
                     seen_kept[bit], seen_cleared[bit]);
    assert_true(seen_kept[0] > 0 && seen_kept[7] > 0);
    dfota_flashsim_free(&f);
}

static void torn_erase_leaves_an_erased_prefix(void **state)
{
    static uint8_t image[SMALL_SIZE];
    struct dfota_flashsim f;
    struct dfota_error err;
    size_t k, distinct = 0, len = 2 * SMALL_ERASE;
    uint64_t seed;
    bool seen_short = false, seen_long = false;

    (void)state;
    fill_no_ff(image, sizeof(image), 9);
    create_or_fail(&f, SMALL_SIZE, SMALL_ERASE, 4);
    for (seed = 100; seed < 400; seed++) {
        assert_status(dfota_flashsim_load(&f, 0, image, sizeof(image), &err), DFOTA_OK, &err,
                      NULL);
        dfota_flashsim_cut_after(&f, 0, DFOTA_FLASHSIM_CUT_TORN, seed);
        assert_status(dfota_flashsim_erase(&f, SMALL_ERASE, len, &err), DFOTA_E_POWER_CUT, &err,
                      "offset 4096 (0x1000)");
        for (k = 0; k < len && f.mem[SMALL_ERASE + k] == 0xFF; k++)
            ;
        assert_memory_equal(f.mem + SMALL_ERASE + k, image + SMALL_ERASE + k, len - k);
        assert_memory_equal(f.mem, image, SMALL_ERASE);
        assert_memory_equal(f.mem + SMALL_ERASE + len, image + SMALL_ERASE + len,
                            SMALL_SIZE - SMALL_ERASE - len);
        if (k > 0 && k < len)
            distinct++;
        seen_short = seen_short || k < SMALL_ERASE;
        seen_long = seen_long || k > SMALL_ERASE;
        dfota_flashsim_power_on(&f);
    }
    /* The cut point varies and falls in either block. */
    assert_true(distinct > 250);
    assert_true(seen_short && seen_long);
    dfota_flashsim_free(&f);
}

/* Creates `f` and runs a torn write and a torn erase on it with `seed`. */
static void torn_run(struct dfota_flashsim *f, uint64_t seed)
{
    static uint8_t image[SMALL_SIZE];
    uint8_t data[512];
    struct dfota_error err;

    create_or_fail(f, SMALL_SIZE, SMALL_ERASE, 1);
    fill_no_ff(image, sizeof(image), 11);
    memset(image, 0xFF, SMALL_ERASE);
    assert_status(dfota_flashsim_load(f, 0, image, sizeof(image), &err), DFOTA_OK, &err, NULL);
    fill_no_ff(data, sizeof(data), 12);
    dfota_flashsim_cut_after(f, 0, DFOTA_FLASHSIM_CUT_TORN, seed);
    assert_status(dfota_flashsim_write(f, 100, data, sizeof(data), &err), DFOTA_E_POWER_CUT,
                  &err, NULL);
    dfota_flashsim_power_on(f);
    dfota_flashsim_cut_after(f, 1, DFOTA_FLASHSIM_CUT_TORN, seed + 1);
    assert_status(dfota_flashsim_write(f, 2000, data, sizeof(data), &err), DFOTA_OK, &err,
                  NULL);
    assert_status(dfota_flashsim_erase(f, SMALL_ERASE, 2 * SMALL_ERASE, &err),
                  DFOTA_E_POWER_CUT, &err, NULL);
}

static void torn_operations_are_deterministic_for_a_seed(void **state)
{
    struct dfota_flashsim a, b;
    uint64_t seed;
    unsigned differing = 0;

    (void)state;
    for (seed = 0; seed < 8; seed++) {
        torn_run(&a, seed);
        torn_run(&b, seed);
        assert_memory_equal(a.mem, b.mem, SMALL_SIZE);
        dfota_flashsim_free(&b);
        torn_run(&b, seed + 1000);
        if (memcmp(a.mem, b.mem, SMALL_SIZE) != 0)
            differing++;
        dfota_flashsim_free(&a);
        dfota_flashsim_free(&b);
    }
    /* Another seed gives other contents (not a constant PRNG). */
    assert_int_equal(differing, 8);
}

static void save_and_load_file_round_trip(void **state)
{
    static const char path[] = "test_flashsim_image.bin";
    static const char short_path[] = "test_flashsim_short.bin";
    static uint8_t image[SMALL_SIZE];
    struct dfota_flashsim f, g;
    struct dfota_error err;
    FILE *file;

    (void)state;
    create_or_fail(&f, SMALL_SIZE, SMALL_ERASE, 4);
    fill_no_ff(image, sizeof(image), 13);
    assert_status(dfota_flashsim_write(&f, 0, image, SMALL_ERASE, &err), DFOTA_OK, &err, NULL);
    assert_status(dfota_flashsim_save_file(&f, path, &err), DFOTA_OK, &err, NULL);

    create_or_fail(&g, SMALL_SIZE, SMALL_ERASE, 4);
    assert_status(dfota_flashsim_load_file(&g, path, &err), DFOTA_OK, &err, NULL);
    assert_memory_equal(g.mem, f.mem, SMALL_SIZE);
    assert_true(g.ops == 0 && g.writes == 0);
    dfota_flashsim_free(&g);

    /* A file of another size is refused and leaves the memory alone. */
    create_or_fail(&g, 2 * SMALL_SIZE, SMALL_ERASE, 4);
    assert_status(dfota_flashsim_load_file(&g, path, &err), DFOTA_E_INVALID_ARGUMENT, &err,
                  "ends at offset 16384 (0x4000)");
    assert_true(all_bytes_are(g.mem, g.size, 0xFF));
    dfota_flashsim_free(&g);
    file = fopen(short_path, "wb");
    assert_non_null(file);
    assert_int_equal(fwrite(image, 1, 1000, file), 1000);
    assert_int_equal(fclose(file), 0);
    create_or_fail(&g, SMALL_SIZE / 2, SMALL_ERASE, 4);
    assert_status(dfota_flashsim_load_file(&g, path, &err), DFOTA_E_INVALID_ARGUMENT, &err,
                  "past offset 8192 (0x2000)");
    assert_true(all_bytes_are(g.mem, g.size, 0xFF));
    assert_status(dfota_flashsim_load_file(&g, short_path, &err), DFOTA_E_INVALID_ARGUMENT, &err,
                  "ends at offset 1000");
    assert_true(all_bytes_are(g.mem, g.size, 0xFF));
    assert_status(dfota_flashsim_load_file(&g, "no/such/dir/image.bin", &err), DFOTA_E_IO, &err,
                  "'no/such/dir/image.bin'");
    assert_status(dfota_flashsim_save_file(&g, "no/such/dir/image.bin", &err), DFOTA_E_IO, &err,
                  "'no/such/dir/image.bin'");
    dfota_flashsim_free(&g);

    assert_int_equal(remove(path), 0);
    assert_int_equal(remove(short_path), 0);
    dfota_flashsim_free(&f);
}

static void statistics_count_completed_operations(void **state)
{
    uint8_t data[64], back[64];
    struct dfota_flashsim f;
    struct dfota_error err;

    (void)state;
    memset(data, 0x10, sizeof(data));
    create_or_fail(&f, SMALL_SIZE, SMALL_ERASE, 8);

    assert_status(dfota_flashsim_write(&f, 0, data, 64, &err), DFOTA_OK, &err, NULL);
    assert_status(dfota_flashsim_write(&f, 64, data, 16, &err), DFOTA_OK, &err, NULL);
    assert_status(dfota_flashsim_read(&f, 0, back, 64, &err), DFOTA_OK, &err, NULL);
    assert_status(dfota_flashsim_read(&f, 5, back, 3, &err), DFOTA_OK, &err, NULL);
    assert_status(dfota_flashsim_erase(&f, 0, SMALL_ERASE, &err), DFOTA_OK, &err, NULL);
    assert_status(dfota_flashsim_erase(&f, 0, 3 * SMALL_ERASE, &err), DFOTA_OK, &err, NULL);
    /* Not counted: zero-length, refused (misaligned, unerased, range), load. */
    assert_status(dfota_flashsim_write(&f, 0, data, 0, &err), DFOTA_OK, &err, NULL);
    assert_status(dfota_flashsim_erase(&f, 0, 0, &err), DFOTA_OK, &err, NULL);
    assert_status(dfota_flashsim_read(&f, 0, back, 0, &err), DFOTA_OK, &err, NULL);
    assert_status(dfota_flashsim_write(&f, 4, data, 8, &err), DFOTA_E_INVALID_ARGUMENT, &err,
                  NULL);
    assert_status(dfota_flashsim_load(&f, 0, data, 8, &err), DFOTA_OK, &err, NULL);
    assert_status(dfota_flashsim_write(&f, 0, data, 8, &err), DFOTA_E_FLASH, &err, NULL);
    assert_status(dfota_flashsim_read(&f, SMALL_SIZE, back, 1, &err), DFOTA_E_INVALID_ARGUMENT,
                  &err, NULL);

    assert_true(f.ops == 4);
    assert_true(f.writes == 2 && f.bytes_written == 80);
    assert_true(f.reads == 2 && f.bytes_read == 67);
    assert_true(f.erases == 2);
    assert_int_equal(f.block_erases[0], 2);
    assert_int_equal(f.block_erases[1], 1);
    assert_int_equal(f.block_erases[2], 1);
    assert_int_equal(f.block_erases[3], 0);

    /* The cut operation counts in ops, not in the completed statistics. */
    dfota_flashsim_cut_after(&f, 0, DFOTA_FLASHSIM_CUT_TORN, 3);
    assert_status(dfota_flashsim_erase(&f, 3 * SMALL_ERASE, SMALL_ERASE, &err),
                  DFOTA_E_POWER_CUT, &err, NULL);
    assert_status(dfota_flashsim_read(&f, 0, back, 1, &err), DFOTA_E_POWER_CUT, &err, NULL);
    assert_true(f.ops == 5 && f.erases == 2 && f.reads == 2);
    assert_int_equal(f.block_erases[3], 0);
    dfota_flashsim_power_on(&f);
    assert_true(f.ops == 5);
    dfota_flashsim_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(created_flash_is_erased_powered_and_unused),
        cmocka_unit_test(create_refuses_impossible_geometry),
        cmocka_unit_test(erase_sets_whole_blocks_to_ff),
        cmocka_unit_test(write_then_read_back),
        cmocka_unit_test(write_to_unerased_bytes_is_refused_and_changes_nothing),
        cmocka_unit_test(write_only_clears_bits),
        cmocka_unit_test(misaligned_writes_and_erases_are_refused),
        cmocka_unit_test(out_of_range_is_refused_without_overflow),
        cmocka_unit_test(cut_fires_exactly_at_operation_n_plus_one),
        cmocka_unit_test(power_on_disarms_a_cut_that_has_not_fired),
        cmocka_unit_test(clean_cut_leaves_memory_untouched),
        cmocka_unit_test(torn_write_programs_a_prefix_and_some_bits_of_one_byte),
        cmocka_unit_test(torn_erase_leaves_an_erased_prefix),
        cmocka_unit_test(torn_operations_are_deterministic_for_a_seed),
        cmocka_unit_test(save_and_load_file_round_trip),
        cmocka_unit_test(statistics_count_completed_operations),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
