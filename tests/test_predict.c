/*
 * test_predict.c - relocation prediction: shift lookup in the relocation
 * map, Thumb-2 BL / B.W sites re-encoded to reach their moved targets,
 * aligned pointers into the image moved, no word shared with a branch
 * treated as a pointer, views of sub-ranges equal to slices of bigger views,
 * per-region prediction against the rules written out plainly, and no
 * prediction = the raw source.
 */
#include "test_helpers.h"

#include <stdlib.h>

#include "dfota/predict.h"
#include "thumb_image.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* One region each (a pool, so that several can live at once); set_flags()
 * changes the flags of both. */
static struct dfota_predict_region region_pool[64];
static unsigned region_next;

static struct dfota_predict make_predict(uint8_t flags, uint32_t pointer_base,
                                         uint32_t source_size,
                                         const struct dfota_map_entry *map, uint32_t map_count)
{
    struct dfota_predict_region *region = &region_pool[region_next++ % COUNT(region_pool)];
    struct dfota_predict p;

    memset(region, 0, sizeof(*region));
    region->flags = flags;
    region->pointer_base = pointer_base;
    p.flags = flags;
    p.source_size = source_size;
    p.map = map;
    p.map_count = map_count;
    p.regions = region;
    p.region_count = 1;
    return p;
}

static void set_flags(struct dfota_predict *p, uint8_t flags)
{
    ((struct dfota_predict_region *)(uintptr_t)p->regions)[0].flags = flags;
    p->flags = flags;
}

/* The view of [base, base + len) with the whole source as raw bytes. */
static void view_of(const struct dfota_predict *p, const uint8_t *source, uint32_t base,
                    size_t len, int64_t copy_shift, uint8_t *out)
{
    dfota_predict_view(p, source, 0, p->source_size, base, len, copy_shift, out);
}

/* ---- shift(x) ---- */

static void shift_is_the_entry_at_or_below(void **state)
{
    static const struct dfota_map_entry map[] = {{0, 0}, {100, 4}, {200, -8}, {300, 12}};
    static const struct {
        uint32_t x;
        int32_t shift;
    } cases[] = {{0, 0},     {1, 0},     {99, 0},    {100, 4},   {101, 4},
                 {199, 4},   {200, -8},  {299, -8},  {300, 12},  {301, 12},
                 {0x7FFFFFFFu, 12}, {UINT32_MAX, 12}};
    struct dfota_predict p = make_predict(DFOTA_PREDICT_ALL, 0, 1000, map, COUNT(map));
    size_t k;

    (void)state;
    for (k = 0; k < COUNT(cases); k++)
        if (dfota_predict_shift(&p, cases[k].x) != cases[k].shift)
            fail_msg("shift(%lu) = %ld, expected %ld", (unsigned long)cases[k].x,
                     (long)dfota_predict_shift(&p, cases[k].x), (long)cases[k].shift);
    /* Every prefix of the map, so that each search depth is reached. */
    for (p.map_count = 1; p.map_count <= COUNT(map); p.map_count++) {
        assert_int_equal(dfota_predict_shift(&p, 0), 0);
        assert_int_equal(dfota_predict_shift(&p, UINT32_MAX), map[p.map_count - 1].shift);
    }
}

static void single_entry_and_empty_maps(void **state)
{
    static const struct dfota_map_entry one[] = {{0, -1234}};
    struct dfota_predict p = make_predict(DFOTA_PREDICT_ALL, 0, 1000, one, 1);

    (void)state;
    assert_int_equal(dfota_predict_shift(&p, 0), -1234);
    assert_int_equal(dfota_predict_shift(&p, 999), -1234);
    assert_int_equal(dfota_predict_shift(&p, UINT32_MAX), -1234);
    p = make_predict(0, 0, 1000, NULL, 0);
    assert_int_equal(dfota_predict_shift(&p, 0), 0);
    assert_int_equal(dfota_predict_shift(&p, 500), 0);
}

/* A full map against a linear search, at every boundary and around it. */
static void shift_matches_a_linear_search(void **state)
{
    struct dfota_map_entry *map = calloc(DFOTA_PREDICT_MAP_MAX, sizeof(*map));
    struct test_rng r = {5};
    struct dfota_predict p;
    uint32_t i, j, k, x, start = 0, count;
    int32_t want;

    (void)state;
    assert_non_null(map);
    for (i = 0; i < DFOTA_PREDICT_MAP_MAX; i++) {
        map[i].source_start = start;
        map[i].shift = (int32_t)(test_rng_next(&r) % 2001) - 1000;
        start += 1 + test_rng_next(&r) % 64;
    }
    for (count = 1; count <= DFOTA_PREDICT_MAP_MAX; count += count < 8 ? 1 : 37) {
        p = make_predict(DFOTA_PREDICT_ALL, 0, start, map, count);
        for (i = 0; i < count; i++) {
            for (k = 0; k < 3; k++) {
                if (i == 0 && k == 2)
                    continue;
                x = k == 2 ? map[i].source_start - 1 : map[i].source_start + k;
                want = 0;
                for (j = 0; j < count; j++)
                    if (map[j].source_start <= x)
                        want = map[j].shift;
                if (dfota_predict_shift(&p, x) != want)
                    fail_msg("%u entries: shift(%u) = %d, expected %d", count, x,
                             dfota_predict_shift(&p, x), want);
            }
        }
    }
    free(map);
}

/* ---- branches ---- */

#define SOURCE_SIZE 0x4000u

/* Source with nothing but zeros (no site anywhere) and what the test puts in. */
static uint8_t *blank_source(void)
{
    uint8_t *source = calloc(SOURCE_SIZE, 1);

    assert_non_null(source);
    return source;
}

/*
 * The map moves everything from 0x1000 on by +0x40 (a 64-byte function was
 * inserted at 0x1000).
 */
static const struct dfota_map_entry insert_at_1000[] = {{0, 0}, {0x1000, 0x40}};

static void bl_is_re_encoded_for_its_moved_target(void **state)
{
    /*
     * BL at 0x100 calling 0x2000. In the target the caller stays at 0x100 and
     * the callee moves to 0x2040: offset 0x2040 - (0x100 + 4) = 0x1F3C, so
     * S = 0, J1 = J2 = 1, imm10 = 0x1F3C >> 12 = 0x001, imm11 = (0x1F3C >> 1)
     * & 0x7FF = 0x79E: halfwords 0xF001 0xFF9E.
     */
    static const uint8_t moved_call[4] = {0x01, 0xF0, 0x9E, 0xFF};
    /*
     * BL at 0x1800 calling 0x200: both the caller (copy shift +0x40, now at
     * 0x1840) and ... not the callee. Offset 0x200 - 0x1844 = -0x1644: S = 1,
     * J1 = J2 = 1, imm10 = (-0x1644 >> 12) & 0x3FF = 0x3FE, imm11 =
     * (-0x1644 >> 1) & 0x7FF = 0x4DE: halfwords 0xF7FE 0xFCDE.
     */
    static const uint8_t moved_caller[4] = {0xFE, 0xF7, 0xDE, 0xFC};
    struct dfota_predict p =
        make_predict(DFOTA_PREDICT_BRANCH, 0, SOURCE_SIZE, insert_at_1000, 2);
    uint8_t *source = blank_source(), view[8], expect[4];

    (void)state;
    test_thumb_branch(source + 0x100, 0x100, 0x2000, 1);
    test_thumb_branch(source + 0x1800, 0x1800, 0x200, 1);
    /* The encoder of the test agrees with the hand computation above. */
    test_thumb_branch(expect, 0x100, 0x2040, 1);
    assert_memory_equal(expect, moved_call, 4);
    test_thumb_branch(expect, 0x1840, 0x200, 1);
    assert_memory_equal(expect, moved_caller, 4);

    view_of(&p, source, 0x100, 4, 0, view);
    assert_memory_equal(view, moved_call, 4);
    view_of(&p, source, 0x1800, 4, 0x40, view);
    assert_memory_equal(view, moved_caller, 4);
    /* Seen from a copy that does not move the caller, the callee still moved. */
    view_of(&p, source, 0xFC, 8, 0, view);
    assert_memory_equal(view + 4, moved_call, 4);
    assert_memory_equal(view, source + 0xFC, 4);
    /* A call whose callee did not move, copied without moving, is unchanged. */
    view_of(&p, source, 0x1800, 4, 0, view);
    test_thumb_branch(expect, 0x1800, 0x200, 1);
    assert_memory_equal(view, expect, 4);
    free(source);
}

static void b_w_is_re_encoded_too(void **state)
{
    /* As the first BL above, with the B.W second halfword 10 J1 1 J2: 0xBF9E. */
    static const uint8_t moved_jump[4] = {0x01, 0xF0, 0x9E, 0xBF};
    struct dfota_predict p =
        make_predict(DFOTA_PREDICT_BRANCH, 0, SOURCE_SIZE, insert_at_1000, 2);
    uint8_t *source = blank_source(), view[4], expect[4];

    (void)state;
    test_thumb_branch(source + 0x100, 0x100, 0x2000, 0);
    test_thumb_branch(expect, 0x100, 0x2040, 0);
    assert_memory_equal(expect, moved_jump, 4);
    view_of(&p, source, 0x100, 4, 0, view);
    assert_memory_equal(view, moved_jump, 4);
    free(source);
}

static void branch_edge_cases(void **state)
{
    static const struct dfota_map_entry map[] = {{0, 0}, {0x2000, 0x40}};
    struct dfota_predict p = make_predict(DFOTA_PREDICT_BRANCH, 0, SOURCE_SIZE, map, 2);
    uint8_t *source = blank_source(), view[4], expect[4];

    (void)state;
    /* Callee exactly at the start of a map entry: that entry's shift. */
    test_thumb_branch(source + 0x100, 0x100, 0x2000, 1);
    view_of(&p, source, 0x100, 4, 0, view);
    test_thumb_branch(expect, 0x100, 0x2040, 1);
    assert_memory_equal(view, expect, 4);
    /* Callee one halfword before it: the previous entry's. */
    test_thumb_branch(source + 0x100, 0x100, 0x1FFE, 1);
    view_of(&p, source, 0x100, 4, 0, view);
    assert_memory_equal(view, source + 0x100, 4);
    /* Callee outside the source (below 0, past the end): only the caller's move counts. */
    test_thumb_branch(source + 0x3000, 0x3000, SOURCE_SIZE + 0x100, 1);
    view_of(&p, source, 0x3000, 4, 0x40, view);
    test_thumb_branch(expect, 0x3040, SOURCE_SIZE + 0x100, 1);
    assert_memory_equal(view, expect, 4);
    test_thumb_branch(source + 0x20, 0x20, (uint32_t)-0x100, 1);
    view_of(&p, source, 0x20, 4, 0x40, view);
    test_thumb_branch(expect, 0x60, (uint32_t)-0x100, 1);
    assert_memory_equal(view, expect, 4);
    /* A site at an odd offset is not an instruction: left alone. */
    test_thumb_branch(source + 0x301, 0x301, 0x2000, 1);
    view_of(&p, source, 0x300, 4, 0, view);
    assert_memory_equal(view, source + 0x300, 4);
    /* A first halfword at the very end of the source is not a site. */
    source[SOURCE_SIZE - 2] = 0x01;
    source[SOURCE_SIZE - 1] = 0xF0;
    view_of(&p, source, SOURCE_SIZE - 2, 2, 0, view);
    assert_memory_equal(view, source + SOURCE_SIZE - 2, 2);
    /* With prediction of pointers only, branches stay raw. */
    set_flags(&p, DFOTA_PREDICT_POINTER);
    test_thumb_branch(source + 0x100, 0x100, 0x2000, 1);
    view_of(&p, source, 0x100, 4, 0, view);
    assert_memory_equal(view, source + 0x100, 4);
    free(source);
}

/* ---- pointers ---- */

#define LOAD_ADDRESS 0x08000000u

static void pointer_into_the_image_is_moved(void **state)
{
    static const struct dfota_map_entry down[] = {{0, 0}, {0x1000, -0x20}};
    struct dfota_predict p =
        make_predict(DFOTA_PREDICT_POINTER, LOAD_ADDRESS, SOURCE_SIZE, insert_at_1000, 2);
    uint8_t *source = blank_source(), view[16], expect[16];

    (void)state;
    dfota_put_le32(source + 0x20, LOAD_ADDRESS + 0x2001);             /* moved code */
    dfota_put_le32(source + 0x24, LOAD_ADDRESS + 0x0801);             /* code that stayed */
    dfota_put_le32(source + 0x28, LOAD_ADDRESS + SOURCE_SIZE);        /* one past the image */
    dfota_put_le32(source + 0x2C, LOAD_ADDRESS - 1);                  /* just below it */
    view_of(&p, source, 0x20, 16, 0, view);
    memcpy(expect, source + 0x20, 16);
    dfota_put_le32(expect, LOAD_ADDRESS + 0x2041);
    assert_memory_equal(view, expect, 16);
    /* The pointer's own move does not matter, only its value's. */
    view_of(&p, source, 0x20, 16, 0x1234, view);
    assert_memory_equal(view, expect, 16);
    /* Last byte of the image. */
    dfota_put_le32(source + 0x30, LOAD_ADDRESS + SOURCE_SIZE - 1);
    view_of(&p, source, 0x30, 4, 0, view);
    assert_int_equal(dfota_get_le32(view), LOAD_ADDRESS + SOURCE_SIZE - 1 + 0x40);
    /* Moved the other way. */
    p.map = down;
    view_of(&p, source, 0x20, 4, 0, view);
    assert_int_equal(dfota_get_le32(view), LOAD_ADDRESS + 0x2001 - 0x20);
    /* Not 4-aligned: not a pointer. */
    dfota_put_le32(source + 0x42, LOAD_ADDRESS + 0x2001);
    view_of(&p, source, 0x40, 8, 0, view);
    assert_memory_equal(view, source + 0x40, 8);
    /* With prediction of branches only, pointers stay raw. */
    set_flags(&p, DFOTA_PREDICT_BRANCH);
    view_of(&p, source, 0x20, 4, 0, view);
    assert_memory_equal(view, source + 0x20, 4);
    free(source);
}

/*
 * A BL at 0x102 (not 4-aligned) shares bytes with the aligned words at 0x100
 * and 0x104. Each word would be a pointer if it stood alone; next to the BL
 * it is not, and only the BL's four bytes are predicted.
 */
static void word_sharing_bytes_with_a_branch_is_not_a_pointer(void **state)
{
    static const struct dfota_map_entry everything_moved[] = {{0, 0x40}};
    static const struct dfota_map_entry moved_by_256[] = {{0, 0x100}};
    uint8_t view[8], expect[8];
    struct dfota_predict p;

    (void)state;
    /*
     * The word at 0x104: the BL's second halfword (0xFF7D), then 0x08FF:
     * 0x08FFFF7D, inside an image loaded at 0x08FF0000. As a pointer moved by
     * 0x100 it would become 0x0900007D, so even its last byte would change.
     */
    p = make_predict(DFOTA_PREDICT_ALL, 0x08FF0000u, 0x10000, moved_by_256, 1);
    {
        uint8_t *big = calloc(0x10000, 1);
        uint32_t start, len;

        assert_non_null(big);
        test_thumb_branch(big + 0x102, 0x102, 0x2000, 1);
        big[0x106] = 0xFF;
        big[0x107] = 0x08;
        assert_int_equal(dfota_get_le32(big + 0x104), 0x08FFFF7Du);
        view_of(&p, big, 0x100, 8, 0x100, view);
        memcpy(expect, big + 0x100, 8);
        test_thumb_branch(expect + 2, 0x202, 0x2100, 1);
        assert_memory_equal(view, expect, 8);
        /* The same from views that start inside the BL or the word: the scan
         * then meets the word without having seen the BL. */
        for (start = 0x100; start < 0x108; start++) {
            for (len = 1; start + len <= 0x108; len++) {
                dfota_predict_view(&p, big + start - 8, start - 8, len + 16, start, len, 0x100,
                                   view);
                assert_memory_equal(view, expect + (start - 0x100), len);
            }
        }
        /* Control: without the BL the same word is a pointer and moves. */
        big[0x103] = 0x00;
        view_of(&p, big, 0x104, 4, 0x100, view);
        assert_int_equal(dfota_get_le32(view), 0x0900007Du);
        free(big);
    }
    /* The word at 0x100: 0x0000, then the BL's first halfword 0xF001 -> 0xF0010000. */
    {
        uint8_t *big = calloc(0x20000, 1);

        assert_non_null(big);
        p = make_predict(DFOTA_PREDICT_ALL, 0xF0000000u, 0x20000, everything_moved, 1);
        test_thumb_branch(big + 0x102, 0x102, 0x2000, 1);
        assert_true(dfota_get_le32(big + 0x100) - 0xF0000000u < 0x20000);
        view_of(&p, big, 0x100, 8, 0x40, view);
        memcpy(expect, big + 0x100, 8);
        test_thumb_branch(expect + 2, 0x142, 0x2040, 1);
        assert_memory_equal(view, expect, 8);
        /* Control: a plain instruction instead of the BL's second halfword. */
        big[0x105] = 0x46;
        view_of(&p, big, 0x100, 4, 0x40, view);
        assert_int_equal(dfota_get_le32(view), dfota_get_le32(big + 0x100) + 0x40);
        free(big);
    }
}

/* ---- views of ranges ---- */

/*
 * A source dense in sites: random halfwords, a third of them the start of a
 * BL or B.W (some overlapping, some at odd places), and aligned words that
 * point into the image.
 */
static uint8_t *dense_source(size_t size, uint32_t base, uint64_t seed)
{
    uint8_t *source = malloc(size);
    struct test_rng r = {seed};
    size_t q;

    assert_non_null(source);
    test_rng_fill(&r, source, size);
    for (q = 0; q + 4 <= size; q += 2) {
        switch (test_rng_next(&r) % 6) {
        case 0:
        case 1:
            test_thumb_branch(source + q, (uint32_t)q,
                              (uint32_t)(test_rng_next(&r) % (size + 64)) & ~1u,
                              test_rng_next(&r) % 4 != 0);
            break;
        case 2:
            if (q % 4 == 0)
                dfota_put_le32(source + q, base + test_rng_next(&r) % (uint32_t)(size + 16));
            break;
        default:
            break;
        }
    }
    return source;
}

static void view_of_a_range_is_a_slice_of_a_bigger_view(void **state)
{
    static const int64_t copy_shifts[] = {0, 0x40, -0x1236, 3};
    /* Over 64 KiB, so that a word whose low half is a BL's second halfword can be a pointer. */
    const uint32_t size = 70000, base = LOAD_ADDRESS;
    struct dfota_map_entry map[8];
    uint8_t *source = dense_source(size, base, 9), *full = malloc(size), *out = malloc(size);
    struct test_rng r = {10};
    struct dfota_predict p;
    size_t s, k, len, changed = 0, i;
    uint32_t start, raw_start, raw_end;

    (void)state;
    assert_non_null(full);
    assert_non_null(out);
    for (i = 0; i < COUNT(map); i++) {
        map[i].source_start = (uint32_t)(i * size / COUNT(map));
        map[i].shift = (int32_t)(test_rng_next(&r) % 4001) - 2000;
    }
    p = make_predict(DFOTA_PREDICT_ALL, base, size, map, COUNT(map));
    for (s = 0; s < COUNT(copy_shifts); s++) {
        view_of(&p, source, 0, size, copy_shifts[s], full);
        for (i = 0; i < size; i++)
            changed += full[i] != source[i];
        for (k = 0; k < 4000; k++) {
            /* Every small range at the start and the end, random ones elsewhere. */
            if (k < 1000) {
                start = (uint32_t)(k / 10);
                len = 1 + k % 10;
            } else if (k < 2000) {
                start = size - (uint32_t)((k - 1000) / 10) - 1;
                len = 1 + (k - 1000) % 10;
            } else {
                start = test_rng_next(&r) % size;
                len = 1 + test_rng_next(&r) % 300;
            }
            if (start + len > size)
                len = size - start;
            /* Exactly the raw bytes the contract asks for, in a buffer of their own. */
            raw_start = start >= 8 ? start - 8 : 0;
            raw_end = start + len + 8 < size ? (uint32_t)(start + len + 8) : size;
            {
                uint8_t *raw = malloc(raw_end - raw_start);

                assert_non_null(raw);
                memcpy(raw, source + raw_start, raw_end - raw_start);
                dfota_predict_view(&p, raw, raw_start, raw_end - raw_start, start, len,
                                   copy_shifts[s], out);
                free(raw);
            }
            if (memcmp(out, full + start, len) != 0)
                fail_msg("view of [%u, +%zu) with shift %lld differs from the full view", start,
                         len, (long long)copy_shifts[s]);
        }
    }
    /* The source really is full of predicted sites. */
    assert_true(changed > size);
    free(source);
    free(full);
    free(out);
}

/* A view made for one shift and re-shifted is the view made for the other. */
static void reshift_equals_a_fresh_view(void **state)
{
    static const int64_t shifts[] = {0, 0x40, -0x1236, 3, 0x7FFFF};
    const uint32_t size = 70000, base = LOAD_ADDRESS;
    struct dfota_map_entry map[8];
    uint8_t *source = dense_source(size, base, 11), fresh[256], view[256];
    uint16_t sites[256 / 2 + 4];
    struct test_rng r = {12};
    struct dfota_predict p;
    unsigned count, rewritten = 0;
    size_t k, i, j, len;
    uint32_t start, raw_start, raw_end;

    (void)state;
    for (i = 0; i < COUNT(map); i++) {
        map[i].source_start = (uint32_t)(i * size / COUNT(map));
        map[i].shift = (int32_t)(test_rng_next(&r) % 4001) - 2000;
    }
    p = make_predict(DFOTA_PREDICT_ALL, base, size, map, COUNT(map));
    for (k = 0; k < 2000; k++) {
        start = test_rng_next(&r) % size;
        len = 1 + test_rng_next(&r) % 256;
        if (start + len > size)
            len = size - start;
        raw_start = start >= 8 ? start - 8 : 0;
        raw_end = start + len + 8 < size ? (uint32_t)(start + len + 8) : size;
        i = test_rng_next(&r) % COUNT(shifts);
        dfota_predict_view_sites(&p, source + raw_start, raw_start, raw_end - raw_start, start,
                                 len, shifts[i], view, sites, &count);
        assert_true(count <= 256 / 2 + 4);
        rewritten += count;
        for (j = 0; j < COUNT(shifts); j++) {
            dfota_predict_reshift(&p, source + raw_start, raw_start, sites, count, start, len,
                                  shifts[j], view);
            dfota_predict_view(&p, source + raw_start, raw_start, raw_end - raw_start, start,
                               len, shifts[j], fresh);
            if (memcmp(view, fresh, len) != 0)
                fail_msg("[%u, +%zu): re-shifted view differs for shift %lld", start, len,
                         (long long)shifts[j]);
        }
    }
    assert_true(rewritten > 2000); /* there were branch sites to rewrite */
    free(source);
}

/*
 * The rules of docs/FORMAT.md ("Predicted view", regions), written out
 * plainly: the view of the whole source, site by site in offset order.
 */
static void rules_view(const struct dfota_predict *p, const uint8_t *src, int64_t copy_shift,
                       uint8_t *out)
{
    uint32_t q, k, w, x, size = p->source_size;

    memcpy(out, src, size);
    for (q = 0; q + 4 <= size; q += 2) {
        const struct dfota_predict_region *r = &p->regions[0];

        for (k = 0; k < p->region_count; k++)
            if (p->regions[k].source_start <= q)
                r = &p->regions[k];
        if ((r->flags & DFOTA_PREDICT_BRANCH) && dfota_predict_is_branch(src + q)) {
            dfota_predict_branch(p, src + q, q, copy_shift, out + q);
            q += 2;
            continue;
        }
        if (!(r->flags & DFOTA_PREDICT_POINTER) || q % 4 != 0)
            continue;
        if ((p->flags & DFOTA_PREDICT_BRANCH) &&
            ((q >= 2 && dfota_predict_is_branch(src + q - 2)) ||
             (q + 6 <= size && dfota_predict_is_branch(src + q + 2))))
            continue;
        w = dfota_get_le32(src + q);
        x = w - r->pointer_base;
        if (x >= size)
            continue;
        dfota_put_le32(out + q, w + (uint32_t)dfota_predict_shift(p, x) + (uint32_t)r->pointer_delta);
    }
}

/* Regions of every kind, at odd, even and word boundaries, some next to each other. */
static struct dfota_predict multi_region(uint32_t size, uint32_t base,
                                         const struct dfota_map_entry *map, uint32_t count,
                                         struct dfota_predict_region *regions)
{
    static const struct {
        uint32_t start;
        uint8_t flags;
        int32_t delta;
    } plan[] = {{0, DFOTA_PREDICT_ALL, 0},        {9001, 0, 0},
                {9003, DFOTA_PREDICT_BRANCH, 0},  {20002, DFOTA_PREDICT_POINTER, 1234},
                {20004, DFOTA_PREDICT_ALL, -8},   {33333, DFOTA_PREDICT_POINTER, -77777},
                {40000, 0, 0},                    {52000, DFOTA_PREDICT_ALL, 4}};
    struct dfota_predict p;
    uint32_t k;

    memset(regions, 0, COUNT(plan) * sizeof(*regions));
    for (k = 0; k < COUNT(plan); k++) {
        regions[k].source_start = plan[k].start * (size / 10000) / 7;
        regions[k].flags = plan[k].flags;
        if (plan[k].flags & DFOTA_PREDICT_POINTER) {
            regions[k].pointer_base = base + (k == 5 ? 0x100u : 0u);
            regions[k].pointer_delta = plan[k].delta;
        }
    }
    p.flags = DFOTA_PREDICT_ALL;
    p.source_size = size;
    p.map = map;
    p.map_count = count;
    p.regions = regions;
    p.region_count = COUNT(plan);
    return p;
}

static void regions_predict_each_their_own_way(void **state)
{
    static const int64_t copy_shifts[] = {0, 0x40, -0x1236, 3};
    const uint32_t size = 70000, base = LOAD_ADDRESS;
    struct dfota_map_entry map[8];
    struct dfota_predict_region regions[8];
    uint8_t *source = dense_source(size, base, 13), *want = malloc(size), *got = malloc(size);
    uint8_t *single = malloc(size), view[300];
    uint16_t sites[300 / 2 + 4];
    struct test_rng r = {14};
    struct dfota_predict p;
    size_t s, i, k, len, differs = 0;
    unsigned count;
    uint32_t start, raw_start, raw_end;

    (void)state;
    assert_non_null(want);
    assert_non_null(got);
    assert_non_null(single);
    for (i = 0; i < COUNT(map); i++) {
        map[i].source_start = (uint32_t)(i * size / COUNT(map));
        map[i].shift = (int32_t)(test_rng_next(&r) % 4001) - 2000;
    }
    p = multi_region(size, base, map, COUNT(map), regions);
    for (s = 0; s < COUNT(copy_shifts); s++) {
        rules_view(&p, source, copy_shifts[s], want);
        view_of(&p, source, 0, size, copy_shifts[s], got);
        for (i = 0; i < size; i++)
            if (got[i] != want[i])
                fail_msg("byte %zu of the view with shift %lld: %02x, the rules say %02x", i,
                         (long long)copy_shifts[s], got[i], want[i]);
        /* Slices around every boundary and at random, from the contract's raw
         * bytes only, and re-shifted from another shift. */
        for (k = 0; k < 3000; k++) {
            start = k < 8 * 64 ? regions[k / 64].source_start + (uint32_t)(k % 64) - 32
                               : test_rng_next(&r) % size;
            if (start >= size)
                start = 0;
            len = 1 + test_rng_next(&r) % 300;
            if (start + len > size)
                len = size - start;
            raw_start = start >= 8 ? start - 8 : 0;
            raw_end = start + len + 8 < size ? (uint32_t)(start + len + 8) : size;
            dfota_predict_view_sites(&p, source + raw_start, raw_start, raw_end - raw_start,
                                     start, len, copy_shifts[(s + 1) % COUNT(copy_shifts)],
                                     view, sites, &count);
            dfota_predict_reshift(&p, source + raw_start, raw_start, sites, count, start, len,
                                  copy_shifts[s], view);
            if (memcmp(view, want + start, len) != 0)
                fail_msg("re-shifted view of [%u, +%zu) with shift %lld differs from the rules",
                         start, len, (long long)copy_shifts[s]);
        }
    }
    /* The regions matter: one region predicting everything gives another view. */
    {
        struct dfota_predict one = make_predict(DFOTA_PREDICT_ALL, base, size, map, COUNT(map));

        view_of(&one, source, 0, size, 0x40, single);
        rules_view(&p, source, 0x40, want);
        for (i = 0; i < size; i++)
            differs += single[i] != want[i];
        assert_true(differs > 1000);
    }
    free(source);
    free(want);
    free(got);
    free(single);
}

static void no_prediction_is_the_raw_source(void **state)
{
    static const struct dfota_map_entry zero[] = {{0, 0}};
    const uint32_t size = 4096;
    uint8_t *source = dense_source(size, LOAD_ADDRESS, 12), *view = malloc(size);
    struct dfota_predict p = make_predict(0, LOAD_ADDRESS, size, NULL, 0);

    (void)state;
    assert_non_null(view);
    view_of(&p, source, 0, size, 0x40, view);
    assert_memory_equal(view, source, size);
    view_of(&p, source, 100, 50, -7, view);
    assert_memory_equal(view, source + 100, 50);
    /* Prediction on, but nothing moved and the copy does not move: the raw source too. */
    p = make_predict(DFOTA_PREDICT_ALL, LOAD_ADDRESS, size, zero, 1);
    view_of(&p, source, 0, size, 0, view);
    assert_memory_equal(view, source, size);
    /* While moving the copy does change it (so the check above can fail). */
    view_of(&p, source, 0, size, 0x40, view);
    assert_memory_not_equal(view, source, size);
    free(source);
    free(view);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(shift_is_the_entry_at_or_below),
        cmocka_unit_test(single_entry_and_empty_maps),
        cmocka_unit_test(shift_matches_a_linear_search),
        cmocka_unit_test(bl_is_re_encoded_for_its_moved_target),
        cmocka_unit_test(b_w_is_re_encoded_too),
        cmocka_unit_test(branch_edge_cases),
        cmocka_unit_test(pointer_into_the_image_is_moved),
        cmocka_unit_test(word_sharing_bytes_with_a_branch_is_not_a_pointer),
        cmocka_unit_test(view_of_a_range_is_a_slice_of_a_bigger_view),
        cmocka_unit_test(reshift_equals_a_fresh_view),
        cmocka_unit_test(regions_predict_each_their_own_way),
        cmocka_unit_test(no_prediction_is_the_raw_source),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
