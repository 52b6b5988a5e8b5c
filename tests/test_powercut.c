/*
 * test_powercut.c - power-cut safety of the applier, proven the way
 * MCUboot's simulator proves its swaps: a simulated device (devsim) runs the
 * update, power is cut before a chosen flash operation, the device boots
 * again and resumes from its progress record, and the result is compared
 * bit for bit.
 *
 *   - every operation index 1..N of a whole apply on a small image pair, a
 *     dense sample on the larger sample firmware pair, clean and torn cuts;
 *   - five cuts in a row (cuts during resumes included) over many seeds;
 *   - progress-record saves that fail outright;
 *   - a different package while an update is in progress;
 *   - the two-slot record store on its own (torn slot writes);
 * each for two-bank and in-place patches, write alignments 1, 4 and 8 and
 * erase blocks of 4 KiB and 64 KiB. Every cut is checked to have fired
 * inside the apply, and the figures are printed (docs/RELIABILITY.md).
 *
 * DFOTA_SWEEP=full in the environment makes the larger pair's sample every
 * index and multiplies the seeds (`make sweep`, README).
 */
#include "test_helpers.h"
#include "apply_helpers.h"
#include "thumb_image.h"

#include <stdio.h>
#include <stdlib.h>

#include "dfota/devsim.h"

#ifndef DFOTA_SOURCE_DIR
#error "DFOTA_SOURCE_DIR must name the source tree (tests/CMakeLists.txt sets it)"
#endif

struct pair {
    const char *name;
    uint8_t *old, *new_;
    size_t old_size, new_size;
};

struct layout {
    const char *name;
    int in_place;
    uint32_t segment_size;
};

struct geometry {
    uint32_t erase, align;
};

struct stats {
    uint64_t cuts;          /* cuts armed */
    uint64_t fired;         /* cuts that fired inside the apply (all of them, asserted) */
    uint64_t torn;          /* of them, torn */
    uint64_t resumes;       /* boots that found a progress record and resumed */
    uint64_t shorter;       /* resumes that needed fewer operations than a whole apply */
    uint64_t bitexact;      /* finished updates compared bit for bit (all, asserted) */
    uint64_t area[4];       /* cut operations per area (devsim) */
};

static int full_sweep(void)
{
    const char *v = getenv("DFOTA_SWEEP");

    return v != NULL && strcmp(v, "full") == 0;
}

static void print_stats(const char *what, const struct stats *s)
{
    printf("[ SWEEP    ] %-44s cuts %6llu fired %6llu (torn %5llu; record %4llu, scratch %5llu, "
           "target %5llu) resumes %6llu (shorter %6llu) bit-exact %6llu\n",
           what, (unsigned long long)s->cuts, (unsigned long long)s->fired,
           (unsigned long long)s->torn, (unsigned long long)s->area[DFOTA_DEVSIM_RECORD],
           (unsigned long long)s->area[DFOTA_DEVSIM_SCRATCH],
           (unsigned long long)s->area[DFOTA_DEVSIM_TARGET], (unsigned long long)s->resumes,
           (unsigned long long)s->shorter, (unsigned long long)s->bitexact);
    fflush(stdout);
}

/* ---- image pairs ---- */

/* Synthetic Cortex-M pair of about 24 KiB: a function inserted (content moves
 * up) or removed (`shrink`: it moves down), plus scattered byte edits. */
static void thumb_pair(struct pair *p, int shrink)
{
    uint8_t *a = test_alloc(64 * 1024), *b = test_alloc(64 * 1024);
    size_t with = test_thumb_image(a, 64 * 1024, 7, 120, 20, 0x08000000u);
    size_t without = test_thumb_image(b, 64 * 1024, 7, 120, 120, 0x08000000u);
    size_t i;

    assert_true(with > 16 * 1024 && with < 40 * 1024 && without > 16 * 1024);
    p->name = shrink ? "thumb-shrink" : "thumb-grow";
    p->old = shrink ? a : b;
    p->old_size = shrink ? with : without;
    p->new_ = shrink ? b : a;
    p->new_size = shrink ? without : with;
    for (i = 1000; i < p->new_size; i += 2999)
        p->new_[i] ^= 0x5A;
}

/* The kind of pair whose in-place order needs a pivot: 1 KiB inserted at
 * the front (what follows moves up) and 8 KiB removed from the middle (the
 * rest moves down), so that no plain order keeps the copies. */
static void split_pair(struct pair *p)
{
    uint8_t *img = test_alloc(64 * 1024);
    size_t n = test_thumb_image(img, 64 * 1024, 9, 120, 120, 0x08000000u), half, i;
    struct test_rng r = {77};

    assert_true(n > 24 * 1024);
    half = (n / 2) & ~(size_t)3;
    p->name = "thumb-split";
    p->old_size = n + 8192;
    p->new_size = n + 1024;
    p->old = test_alloc(p->old_size);
    p->new_ = test_alloc(p->new_size);
    memcpy(p->old, img, half);
    test_rng_fill(&r, p->old + half, 8192);
    memcpy(p->old + half + 8192, img + half, n - half);
    test_rng_fill(&r, p->new_, 1024);
    memcpy(p->new_ + 1024, img, n);
    for (i = 1500; i < p->new_size; i += 2999)
        p->new_[i] ^= 0x5A;
    free(img);
}

static void sample_pair(struct pair *p)
{
    p->name = "BC25R01A03-A04";
    p->old = test_read_file(DFOTA_SOURCE_DIR "/samples/BC25R01A03.bin", &p->old_size);
    p->new_ = test_read_file(DFOTA_SOURCE_DIR "/samples/BC25R01A04.bin", &p->new_size);
}

static void pair_free(struct pair *p)
{
    free(p->old);
    free(p->new_);
}

static uint8_t *make_patch(const struct pair *p, const struct layout *l, size_t *size)
{
    struct dfota_diff_options opts;

    dfota_diff_options_init(&opts);
    opts.segment_size = l->segment_size;
    opts.in_place = l->in_place;
    return test_diff(p->old, p->old_size, p->new_, p->new_size, &opts, size);
}

/* ---- one device ---- */

static void device(struct dfota_devsim *d, const struct pair *p, const uint8_t *patch,
                   size_t patch_size, const struct geometry *g)
{
    struct dfota_patch_header hdr = test_patch_header(patch, patch_size);
    struct dfota_error err;

    dfota_error_clear(&err);
    if (dfota_devsim_create(d, &hdr, p->old, p->old_size, g->erase, g->align, 64u << 20, &err) !=
        DFOTA_OK)
        fail_msg("devsim_create: %s", err.message);
}

static enum dfota_status boot(struct dfota_devsim *d, const uint8_t *patch, size_t patch_size,
                              size_t chunk, struct dfota_devsim_outcome *outcome,
                              struct dfota_error *err)
{
    struct dfota_devsim_run_options run;

    memset(&run, 0, sizeof(run));
    run.chunk_size = chunk;
    dfota_error_clear(err);
    return dfota_devsim_run(d, patch, patch_size, &run, outcome, err);
}

/* The update is complete: the target bit for bit, the old bank untouched
 * (two-bank), the newest record saying so. */
static void check_done(const struct dfota_devsim *d, const struct pair *p, const char *what,
                       uint64_t n)
{
    struct dfota_progress rec;
    size_t i;

    for (i = 0; i < p->new_size && dfota_devsim_target(d)[i] == p->new_[i]; i++)
        ;
    if (i != p->new_size)
        fail_msg("%s, cut %llu: target byte %zu differs", what, (unsigned long long)n, i);
    if (!d->in_place && memcmp(d->flash.mem + d->source_offset, p->old, p->old_size) != 0)
        fail_msg("%s, cut %llu: the old bank was written", what, (unsigned long long)n);
    if (!dfota_devsim_record((struct dfota_devsim *)d, &rec) ||
        dfota_progress_in_progress(&rec))
        fail_msg("%s, cut %llu: no complete progress record after the update", what,
                 (unsigned long long)n);
}

/* Operations of an uninterrupted update, checking it. */
static uint64_t whole_run_ops_traced(const struct pair *p, const uint8_t *patch,
                                     size_t patch_size, const struct geometry *g,
                                     uint64_t *saves, uint8_t *trace, size_t trace_len)
{
    struct dfota_devsim d;
    struct dfota_devsim_outcome out;
    struct dfota_error err;
    uint64_t ops;

    device(&d, p, patch, patch_size, g);
    d.trace = trace;
    d.trace_len = trace_len;
    if (boot(&d, patch, patch_size, 0, &out, &err) != DFOTA_OK)
        fail_msg("uninterrupted apply: %s", err.message);
    assert_false(out.resumed);
    check_done(&d, p, "uninterrupted", 0);
    ops = d.flash.ops;
    if (saves != NULL)
        *saves = d.saves;
    dfota_devsim_free(&d);
    return ops;
}

static uint64_t whole_run_ops(const struct pair *p, const uint8_t *patch, size_t patch_size,
                              const struct geometry *g, uint64_t *saves)
{
    return whole_run_ops_traced(p, patch, patch_size, g, saves, NULL, 0);
}

static size_t chunk_for(uint64_t n)
{
    static const size_t chunks[] = {0, 7, 4096, 1000};

    return chunks[n % 4];
}

/* Cut before operation n + 1, boot again, check. */
static void cut_and_resume(const struct pair *p, const uint8_t *patch, size_t patch_size,
                           const struct geometry *g, uint64_t n, enum dfota_flashsim_cut_mode mode,
                           uint64_t whole_ops, const char *what, struct stats *s)
{
    struct dfota_devsim d;
    struct dfota_devsim_outcome out;
    struct dfota_error err;
    enum dfota_status st;
    uint64_t before;

    device(&d, p, patch, patch_size, g);
    dfota_flashsim_cut_after(&d.flash, n, mode, n * 2654435761u + 1);
    s->cuts++;
    st = boot(&d, patch, patch_size, chunk_for(n), &out, &err);
    if (st != DFOTA_E_POWER_CUT || d.flash.cut_at != n + 1 || d.flash.powered)
        fail_msg("%s: cut after %llu operations did not fire (%s: %s)", what,
                 (unsigned long long)n, dfota_status_name(st), err.message);
    s->fired++;
    s->torn += mode == DFOTA_FLASHSIM_CUT_TORN;
    s->area[d.last_area]++;
    dfota_flashsim_power_on(&d.flash);
    before = d.flash.ops;
    st = boot(&d, patch, patch_size, chunk_for(n + 1), &out, &err);
    if (st != DFOTA_OK)
        fail_msg("%s: resume after a cut at operation %llu: %s: %s", what,
                 (unsigned long long)n + 1, dfota_status_name(st), err.message);
    if (out.resumed) {
        s->resumes++;
        /* Resuming past the first segment skips work; it never adds any. */
        if (out.record.step > 0 && d.flash.ops - before >= whole_ops)
            fail_msg("%s: resume from step %lu took %llu operations, a whole apply %llu", what,
                     (unsigned long)out.record.step,
                     (unsigned long long)(d.flash.ops - before), (unsigned long long)whole_ops);
        s->shorter += d.flash.ops - before < whole_ops;
    }
    check_done(&d, p, what, n);
    s->bitexact++;
    dfota_devsim_free(&d);
}

static const struct geometry geometries_4k[] = {{4096, 1}, {4096, 4}, {4096, 8}};
static const struct geometry geometries_64k[] = {{65536, 1}, {65536, 4}, {65536, 8}};

/*
 * Sweep cuts over every operation index (samples 0), or a dense sample:
 * every stride-th index plus every operation on the record area and the
 * first of every erase run (from a trace of the uninterrupted apply).
 */
static void sweep(const struct pair *p, const struct layout *l, const struct geometry *g,
                  uint64_t samples, struct stats *total)
{
    struct stats s;
    char what[96];
    size_t patch_size;
    uint8_t *patch = make_patch(p, l, &patch_size);
    uint8_t trace[1u << 16];
    uint64_t ops, n, stride;
    int mode;

    memset(trace, 0, sizeof(trace));
    ops = whole_run_ops_traced(p, patch, patch_size, g, NULL, trace, sizeof(trace));
    assert_true(ops < sizeof(trace));
    stride = samples == 0 || samples >= ops ? 1 : ops / samples;
    for (mode = 0; mode < 2; mode++) {
        memset(&s, 0, sizeof(s));
        snprintf(what, sizeof(what), "%s %s erase %lu align %lu %s", p->name, l->name,
                 (unsigned long)g->erase, (unsigned long)g->align, mode ? "torn" : "clean");
        /* An odd offset so that a strided sample does not hit one phase only. */
        for (n = 0; n < ops; n++)
            if (n % stride == (stride == 1 ? 0 : (uint64_t)mode * (stride / 2)) ||
                trace[n] == DFOTA_DEVSIM_RECORD ||
                (n > 0 && trace[n] != trace[n - 1]))
                cut_and_resume(p, patch, patch_size, g, n,
                               mode ? DFOTA_FLASHSIM_CUT_TORN : DFOTA_FLASHSIM_CUT_CLEAN, ops,
                               what, &s);
        print_stats(what, &s);
        /* Cuts hit record writes, the target and (in place) scratch. */
        assert_true(s.area[DFOTA_DEVSIM_RECORD] > 0 && s.area[DFOTA_DEVSIM_TARGET] > 0);
        assert_true(!l->in_place || s.area[DFOTA_DEVSIM_SCRATCH] > 0);
        assert_true(s.resumes > 0 && s.shorter > 0);
        assert_int_equal(s.bitexact, s.cuts);
        for (n = 0; n < 4; n++)
            total->area[n] += s.area[n];
        total->cuts += s.cuts;
        total->fired += s.fired;
        total->torn += s.torn;
        total->resumes += s.resumes;
        total->shorter += s.shorter;
        total->bitexact += s.bitexact;
    }
    free(patch);
}

static const struct layout two_bank_4k = {"two-bank", 0, 4096};
static const struct layout in_place_4k = {"in-place", 1, 4096};
static const struct layout two_bank_64k = {"two-bank", 0, 65536};
static const struct layout in_place_64k = {"in-place", 1, 65536};

/* ---- every operation index, small pair ---- */

/* `shrink`: 0 a growing pair, 1 a shrinking one, 2 one that needs a pivot. */
static void every_cut(const struct layout *l, int shrink)
{
    struct pair p;
    struct stats total;
    size_t g;

    memset(&total, 0, sizeof(total));
    if (shrink == 2)
        split_pair(&p);
    else
        thumb_pair(&p, shrink);
    for (g = 0; g < 3; g++)
        sweep(&p, l, &geometries_4k[g], 0, &total);
    print_stats("total", &total);
    pair_free(&p);
}

static void two_bank_cut_at_every_operation(void **state)
{
    (void)state;
    every_cut(&two_bank_4k, 0);
}

static void in_place_cut_at_every_operation_growing(void **state)
{
    (void)state;
    every_cut(&in_place_4k, 0);
}

static void in_place_cut_at_every_operation_shrinking(void **state)
{
    (void)state;
    every_cut(&in_place_4k, 1);
}

static void in_place_cut_at_every_operation_with_a_pivot(void **state)
{
    (void)state;
    every_cut(&in_place_4k, 2);
}

/* The in-place generator picks the order that keeps the copies: descending
 * (pivot = count) when content moves up, ascending (pivot 0) when it moves
 * down, and from the first segment whose content moved down when both
 * happen; then the in-place patch is hardly larger than the two-bank one.
 * (Format 4 had only the plain orders: the split pair then lost its tail.) */
static void in_place_order_follows_the_moves(void **state)
{
    struct dfota_patch_header h, two;
    struct pair p;
    size_t size, two_size;
    uint8_t *patch;
    int shrink;

    (void)state;
    for (shrink = 0; shrink < 3; shrink++) {
        if (shrink == 2)
            split_pair(&p);
        else
            thumb_pair(&p, shrink);
        patch = make_patch(&p, &in_place_4k, &size);
        assert_int_equal(dfota_patch_header_decode(patch, size, &h, NULL), DFOTA_OK);
        assert_int_equal(h.flags, DFOTA_PATCH_FLAG_IN_PLACE);
        if (shrink == 0)
            assert_int_equal(h.pivot, h.segment_count);
        else if (shrink == 1)
            assert_int_equal(h.pivot, 0);
        else
            assert_true(h.pivot > 0 && h.pivot < h.segment_count);
        free(patch);
        patch = make_patch(&p, &two_bank_4k, &two_size);
        assert_int_equal(dfota_patch_header_decode(patch, two_size, &two, NULL), DFOTA_OK);
        assert_int_equal(two.pivot, 0);
        print_message("%s: in place %zu bytes (pivot %lu of %lu), two-bank %zu\n", p.name, size,
                      (unsigned long)h.pivot, (unsigned long)h.segment_count, two_size);
        /* In place adds a CRC-32 per segment; the copies are kept. */
        assert_true(size <= two_size + 4 * h.segment_count + two_size / 20);
        free(patch);
        pair_free(&p);
    }
}

/* ---- dense sample, larger pair, both erase sizes ---- */

static void dense_sample_larger_pair(void **state)
{
    struct pair p;
    struct stats total;
    uint64_t samples = full_sweep() ? 0 : 24;
    size_t g;

    (void)state;
    memset(&total, 0, sizeof(total));
    sample_pair(&p);
    for (g = 0; g < 3; g++) {
        sweep(&p, &two_bank_64k, &geometries_4k[g], samples, &total);
        sweep(&p, &in_place_64k, &geometries_4k[g], samples, &total);
        sweep(&p, &two_bank_64k, &geometries_64k[g], samples, &total);
        sweep(&p, &in_place_64k, &geometries_64k[g], samples, &total);
    }
    print_stats("total", &total);
    pair_free(&p);
}

/* ---- five cuts in a row ---- */

static void five_cuts(const struct pair *p, const struct layout *l, const struct geometry *g,
                      unsigned seeds, struct stats *s)
{
    struct dfota_devsim d;
    struct dfota_devsim_outcome out;
    struct dfota_error err;
    size_t patch_size;
    uint8_t *patch = make_patch(p, l, &patch_size);
    uint64_t ops = whole_run_ops(p, patch, patch_size, g, NULL), r;
    unsigned seed, k;
    enum dfota_status st;

    for (seed = 1; seed <= seeds; seed++) {
        struct test_rng rng = {seed * 7919u + g->erase + g->align + (unsigned)l->in_place};
        enum dfota_flashsim_cut_mode mode;

        device(&d, p, patch, patch_size, g);
        for (k = 0; k < 5; k++) {
            /* At most an eighth of a whole apply per run: five cuts use up
             * less than a whole apply, so every one fires inside it. */
            r = test_rng_next(&rng) % (ops / 8);
            mode = (test_rng_next(&rng) & 1) ? DFOTA_FLASHSIM_CUT_TORN : DFOTA_FLASHSIM_CUT_CLEAN;
            dfota_flashsim_cut_after(&d.flash, r, mode, test_rng_next(&rng));
            s->cuts++;
            st = boot(&d, patch, patch_size, chunk_for(r), &out, &err);
            if (st != DFOTA_E_POWER_CUT || d.flash.cut_at == 0)
                fail_msg("seed %u, cut %u after %llu operations did not fire (%s)", seed, k + 1,
                         (unsigned long long)r, dfota_status_name(st));
            s->fired++;
            s->torn += mode == DFOTA_FLASHSIM_CUT_TORN;
            s->area[d.last_area]++;
            s->resumes += out.resumed != 0;
            dfota_flashsim_power_on(&d.flash);
        }
        st = boot(&d, patch, patch_size, 0, &out, &err);
        if (st != DFOTA_OK)
            fail_msg("seed %u: final boot: %s: %s", seed, dfota_status_name(st), err.message);
        s->resumes += out.resumed != 0;
        check_done(&d, p, "five cuts", seed);
        s->bitexact++;
        dfota_devsim_free(&d);
    }
    free(patch);
}

static void five_cuts_in_a_row_over_many_seeds(void **state)
{
    struct pair p;
    struct stats s;
    unsigned seeds = full_sweep() ? 400 : 40;
    size_t g;
    int shrink;

    (void)state;
    for (shrink = 0; shrink < 2; shrink++) {
        thumb_pair(&p, shrink);
        for (g = 0; g < 3; g++) {
            char what[96];

            memset(&s, 0, sizeof(s));
            five_cuts(&p, &two_bank_4k, &geometries_4k[g], seeds, &s);
            five_cuts(&p, &in_place_4k, &geometries_4k[g], seeds, &s);
            snprintf(what, sizeof(what), "5 cuts x %u seeds %s align %lu", 2 * seeds, p.name,
                     (unsigned long)geometries_4k[g].align);
            print_stats(what, &s);
            assert_int_equal(s.fired, 5ull * 2 * seeds);
            assert_int_equal(s.bitexact, 2ull * seeds);
            assert_true(s.resumes > 0);
        }
        pair_free(&p);
    }
    sample_pair(&p);
    for (g = 0; g < 3; g++) {
        memset(&s, 0, sizeof(s));
        five_cuts(&p, &two_bank_64k, &geometries_64k[g], seeds / 4, &s);
        five_cuts(&p, &in_place_64k, &geometries_64k[g], seeds / 4, &s);
        print_stats("5 cuts, sample pair, erase 64 KiB", &s);
        assert_int_equal(s.fired, 5ull * 2 * (seeds / 4));
        assert_int_equal(s.bitexact, 2ull * (seeds / 4));
    }
    pair_free(&p);
}

/* ---- progress records that cannot be saved ---- */

static void record_saves_that_fail(const struct pair *p, const struct layout *l,
                                   const struct geometry *g)
{
    struct dfota_devsim d;
    struct dfota_devsim_outcome out;
    struct dfota_error err;
    size_t patch_size;
    uint8_t *patch = make_patch(p, l, &patch_size);
    uint64_t saves = 0, k;
    enum dfota_status st;

    (void)whole_run_ops(p, patch, patch_size, g, &saves);
    assert_true(saves >= 3);
    for (k = 1; k <= saves; k++) {
        device(&d, p, patch, patch_size, g);
        d.fail_save_at = k;
        st = boot(&d, patch, patch_size, chunk_for(k), &out, &err);
        assert_int_equal(st, DFOTA_E_FLASH);
        assert_non_null(strstr(err.message, "progress record"));
        assert_int_equal(d.saves, k);
        /* The device retries at its next boot, from the previous record. */
        d.fail_save_at = 0;
        st = boot(&d, patch, patch_size, 0, &out, &err);
        if (st != DFOTA_OK)
            fail_msg("after failed save %llu: %s: %s", (unsigned long long)k,
                     dfota_status_name(st), err.message);
        assert_int_equal(out.resumed, k > 1);
        check_done(&d, p, "failed save", k);
        dfota_devsim_free(&d);
    }
    free(patch);
}

static void progress_record_saves_that_fail(void **state)
{
    struct pair p;
    size_t g;

    (void)state;
    thumb_pair(&p, 0);
    for (g = 0; g < 3; g++) {
        record_saves_that_fail(&p, &two_bank_4k, &geometries_4k[g]);
        record_saves_that_fail(&p, &in_place_4k, &geometries_4k[g]);
    }
    pair_free(&p);
    sample_pair(&p);
    record_saves_that_fail(&p, &two_bank_64k, &geometries_64k[1]);
    record_saves_that_fail(&p, &in_place_64k, &geometries_64k[2]);
    pair_free(&p);
}

/* ---- another package while one is in progress ---- */

static void another_package_is_refused_while_one_is_in_progress(void **state)
{
    struct pair p, q;
    struct dfota_devsim d;
    struct dfota_devsim_outcome out;
    struct dfota_error err;
    struct dfota_progress rec;
    size_t a_size, b_size;
    uint8_t *a, *b, *before;
    uint64_t ops;
    const struct layout *layouts[2] = {&two_bank_4k, &in_place_4k};
    int k;

    (void)state;
    for (k = 0; k < 2; k++) {
        thumb_pair(&p, 0);
        thumb_pair(&q, 0);
        q.new_[77] ^= 0x01; /* another target from the same source */
        a = make_patch(&p, layouts[k], &a_size);
        b = make_patch(&q, layouts[k], &b_size);
        device(&d, &p, a, a_size, &geometries_4k[1]);
        ops = whole_run_ops(&p, a, a_size, &geometries_4k[1], NULL);
        dfota_flashsim_cut_after(&d.flash, ops / 2, DFOTA_FLASHSIM_CUT_CLEAN, 1);
        assert_int_equal(boot(&d, a, a_size, 0, &out, &err), DFOTA_E_POWER_CUT);
        dfota_flashsim_power_on(&d.flash);
        assert_true(dfota_devsim_record(&d, &rec));
        before = test_alloc(d.flash.size);
        memcpy(before, d.flash.mem, d.flash.size);
        ops = d.flash.ops;
        assert_int_equal(boot(&d, b, b_size, 0, &out, &err), DFOTA_E_UPDATE_IN_PROGRESS);
        assert_non_null(strstr(err.message, "another patch"));
        assert_int_equal(d.flash.ops, ops); /* nothing written */
        assert_memory_equal(d.flash.mem, before, d.flash.size);
        /* The update in progress still finishes. */
        assert_int_equal(boot(&d, a, a_size, 0, &out, &err), DFOTA_OK);
        assert_true(out.resumed);
        check_done(&d, &p, "another package", 0);
        dfota_devsim_free(&d);
        free(before);
        free(a);
        free(b);
        pair_free(&p);
        pair_free(&q);
    }
}

/* A complete record of an earlier update does not block the next one. */
static void a_finished_update_does_not_block_the_next(void **state)
{
    struct pair p, q;
    struct dfota_devsim d;
    struct dfota_devsim_outcome out;
    struct dfota_error err;
    size_t a_size, b_size;
    uint8_t *a, *b;
    const struct layout *layouts[2] = {&two_bank_4k, &in_place_4k};
    int k;

    (void)state;
    for (k = 0; k < 2; k++) {
        thumb_pair(&p, 0);
        /* The next release: from p's new image to p's old one. */
        q.name = "back";
        q.old = p.new_;
        q.old_size = p.new_size;
        q.new_ = p.old;
        q.new_size = p.old_size;
        a = make_patch(&p, layouts[k], &a_size);
        b = make_patch(&q, layouts[k], &b_size);
        device(&d, &p, a, a_size, &geometries_4k[1]);
        assert_int_equal(boot(&d, a, a_size, 0, &out, &err), DFOTA_OK);
        /* Booting again with the same package: nothing left, verified again. */
        assert_int_equal(boot(&d, a, a_size, 0, &out, &err), DFOTA_OK);
        assert_true(out.resumed);
        check_done(&d, &p, "same package again", 0);
        /* In place, the area now holds the source of the next release (the
         * record area still says the first update is complete). */
        if (k) {
            d.source_size = (uint32_t)q.old_size; /* the image the device now runs */
            assert_int_equal(boot(&d, b, b_size, 0, &out, &err), DFOTA_OK);
            assert_false(out.resumed);
            check_done(&d, &q, "next update", 0);
        }
        dfota_devsim_free(&d);
        free(a);
        free(b);
        pair_free(&p);
    }
}

/* ---- the final check: a record says done only once the target matched ---- */

/* The newest record of `d` (asserting there is one). */
static struct dfota_progress newest_record(struct dfota_devsim *d)
{
    struct dfota_progress rec;

    assert_true(dfota_devsim_record(d, &rec));
    return rec;
}

/* The error of the last boot_expecting(). */
static struct dfota_error last_boot_error;

/* Boot `d`; the status must be `want` and the message must say `needle`. */
static void boot_expecting(struct dfota_devsim *d, const uint8_t *patch, size_t patch_size,
                           enum dfota_status want, const char *needle,
                           struct dfota_devsim_outcome *out)
{
    struct dfota_error *err = &last_boot_error;
    enum dfota_status st = boot(d, patch, patch_size, 0, out, err);

    if (st != want || (needle != NULL && strstr(err->message, needle) == NULL))
        fail_msg("boot: %s (%s), expected %s saying '%s'", dfota_status_name(st), err->message,
                 dfota_status_name(want), needle != NULL ? needle : "");
}

/* After a failed final check the newest record must not say the update is
 * complete, and must have the phase and step given. */
static void assert_record_after_failed_check(struct dfota_devsim *d, const char *what,
                                             unsigned phase, uint32_t step)
{
    struct dfota_progress rec = newest_record(d);

    if (rec.step == rec.segment_count && rec.phase == DFOTA_PROGRESS_PENDING)
        fail_msg("%s: the newest record says complete (step %lu of %lu) after a failed check",
                 what, (unsigned long)rec.step, (unsigned long)rec.segment_count);
    assert_int_equal(rec.phase, phase);
    assert_int_equal(rec.step, step);
}

/* Run `patch` on a new device to the end (cut == 0) or cut it half-way, so
 * that its first step is done and later ones are not; then flip one bit of
 * the segment applied first, in the target flash. */
static void update_then_damage(struct dfota_devsim *d, const struct pair *p,
                               const uint8_t *patch, size_t patch_size, int cut)
{
    struct dfota_patch_header hdr = test_patch_header(patch, patch_size);
    struct dfota_devsim_outcome out;
    struct dfota_progress rec;
    uint64_t ops = whole_run_ops(p, patch, patch_size, &geometries_4k[1], NULL);
    uint32_t first = dfota_patch_segment_at(&hdr, 0);

    device(d, p, patch, patch_size, &geometries_4k[1]);
    if (cut) {
        dfota_flashsim_cut_after(&d->flash, ops / 2, DFOTA_FLASHSIM_CUT_CLEAN, 1);
        boot_expecting(d, patch, patch_size, DFOTA_E_POWER_CUT, NULL, &out);
        dfota_flashsim_power_on(&d->flash);
        rec = newest_record(d);
        assert_true(rec.step > 0 && dfota_progress_in_progress(&rec));
    } else {
        boot_expecting(d, patch, patch_size, DFOTA_OK, NULL, &out);
        check_done(d, p, "before the damage", 0);
    }
    d->flash.mem[d->target_offset + first * hdr.segment_size + 100] ^= 0x04;
}

/*
 * Two-bank: one bit flipped in a segment that is done, after the update
 * completed or was cut. The boot that finds it fails its final check
 * (TARGET_MISMATCH) and leaves the record (0, PENDING); the next boot
 * rewrites every segment from the intact old bank and ends bit-exact,
 * verified, with a complete record; later boots verify and write nothing.
 * (On e2a3e5d the record said complete before the check: every later boot
 * failed it again and nothing was rewritten.)
 */
static void two_bank_damaged_target_is_rewritten_at_the_next_boot(void **state)
{
    struct pair p;
    struct dfota_devsim d;
    struct dfota_devsim_outcome out;
    size_t size;
    uint8_t *patch;
    uint64_t ops;
    int cut;

    (void)state;
    thumb_pair(&p, 0);
    patch = make_patch(&p, &two_bank_4k, &size);
    for (cut = 0; cut < 2; cut++) {
        const char *what = cut ? "damage after a cut" : "damage after the update";

        update_then_damage(&d, &p, patch, size, cut);
        boot_expecting(&d, patch, size, DFOTA_E_TARGET_MISMATCH, "SHA-256 mismatch", &out);
        assert_true(out.resumed);
        assert_record_after_failed_check(&d, what, DFOTA_PROGRESS_PENDING, 0);
        assert_non_null(strstr(last_boot_error.message,
                               "progress record: restart, every segment to be rewritten"));
        boot_expecting(&d, patch, size, DFOTA_OK, NULL, &out);
        assert_true(out.resumed && out.record.step == 0);
        check_done(&d, &p, what, 0);
        ops = d.flash.ops;
        boot_expecting(&d, patch, size, DFOTA_OK, NULL, &out);
        assert_int_equal(d.flash.ops, ops);
        check_done(&d, &p, what, 1);
        dfota_devsim_free(&d);
    }
    free(patch);
    pair_free(&p);
}

/*
 * In place the source is overwritten, so a damaged segment cannot be
 * decoded again (nothing even says which one it is). The boot that finds
 * the damage fails its check and records FAILED, never "complete"; every
 * later boot with that package refuses at once (TARGET_MISMATCH) without
 * touching the flash, instead of checking and failing forever.
 */
static void in_place_damaged_target_is_given_up_not_claimed_done(void **state)
{
    struct pair p;
    struct dfota_devsim d;
    struct dfota_devsim_outcome out;
    struct dfota_progress rec;
    size_t size;
    uint8_t *patch, *before;
    uint64_t ops;
    int cut;

    (void)state;
    thumb_pair(&p, 0);
    patch = make_patch(&p, &in_place_4k, &size);
    for (cut = 0; cut < 2; cut++) {
        const char *what = cut ? "damage after a cut" : "damage after the update";

        update_then_damage(&d, &p, patch, size, cut);
        boot_expecting(&d, patch, size, DFOTA_E_TARGET_MISMATCH, "SHA-256 mismatch", &out);
        assert_true(out.resumed);
        rec = newest_record(&d);
        assert_record_after_failed_check(&d, what, DFOTA_PROGRESS_FAILED, rec.segment_count);
        assert_non_null(strstr(last_boot_error.message,
                               "progress record: FAILED (in place it cannot be rebuilt)"));
        before = test_alloc(d.flash.size);
        memcpy(before, d.flash.mem, d.flash.size);
        ops = d.flash.ops;
        boot_expecting(&d, patch, size, DFOTA_E_TARGET_MISMATCH, "gave this update up", &out);
        assert_true(out.resumed && out.record.phase == DFOTA_PROGRESS_FAILED);
        assert_int_equal(d.flash.ops, ops);
        assert_memory_equal(d.flash.mem, before, d.flash.size);
        free(before);
        dfota_devsim_free(&d);
    }
    free(patch);
    pair_free(&p);
}

/*
 * Two-bank, a target that stays wrong (here: a patch whose stated target
 * SHA-256 its records do not produce): one rewrite, then FAILED, then
 * refusals that write nothing. A FAILED record of another patch does not
 * block the next update.
 */
static void a_target_that_stays_wrong_is_given_up_after_one_rewrite(void **state)
{
    struct pair p;
    struct dfota_devsim d;
    struct dfota_devsim_outcome out;
    size_t size, bad_size;
    uint8_t *patch, *bad;
    uint64_t ops;

    (void)state;
    thumb_pair(&p, 0);
    patch = make_patch(&p, &two_bank_4k, &size);
    bad = test_alloc(size);
    memcpy(bad, patch, size);
    bad_size = size;
    bad[64] ^= 0x01; /* target_sha256[0] */
    dfota_put_le32(bad + 108, dfota_crc32(0, bad, 108));
    device(&d, &p, bad, bad_size, &geometries_4k[1]);
    boot_expecting(&d, bad, bad_size, DFOTA_E_TARGET_MISMATCH, "SHA-256 mismatch", &out);
    assert_false(out.resumed);
    assert_record_after_failed_check(&d, "first check", DFOTA_PROGRESS_PENDING, 0);
    assert_non_null(strstr(last_boot_error.message,
                           "progress record: restart, every segment to be rewritten"));
    boot_expecting(&d, bad, bad_size, DFOTA_E_TARGET_MISMATCH, "rewritten once already", &out);
    assert_true(out.resumed && out.record.step == 0);
    assert_record_after_failed_check(&d, "after the rewrite", DFOTA_PROGRESS_FAILED,
                                     newest_record(&d).segment_count);
    ops = d.flash.ops;
    boot_expecting(&d, bad, bad_size, DFOTA_E_TARGET_MISMATCH, "gave this update up", &out);
    assert_int_equal(d.flash.ops, ops);
    assert_memory_equal(d.flash.mem + d.source_offset, p.old, p.old_size);
    /* The good package is another patch: not blocked by the FAILED record. */
    boot_expecting(&d, patch, size, DFOTA_OK, NULL, &out);
    assert_false(out.resumed);
    check_done(&d, &p, "after a given-up update", 0);
    dfota_devsim_free(&d);
    free(bad);
    free(patch);
    pair_free(&p);
}

/* ---- resumed progress reports ---- */

struct percents {
    unsigned values[256];
    size_t count;
};

static void record_percent(void *ctx, unsigned percent)
{
    struct percents *p = ctx;

    if (p->count < 256)
        p->values[p->count++] = percent;
}

static void resume_reports_progress_from_the_record(void **state)
{
    struct pair p;
    struct dfota_devsim d;
    struct dfota_devsim_outcome out;
    struct dfota_devsim_run_options run;
    struct dfota_error err;
    struct percents first, second;
    size_t size, i;
    uint8_t *patch;
    uint64_t ops;

    (void)state;
    thumb_pair(&p, 0);
    patch = make_patch(&p, &two_bank_4k, &size);
    ops = whole_run_ops(&p, patch, size, &geometries_4k[1], NULL);
    device(&d, &p, patch, size, &geometries_4k[1]);
    memset(&first, 0, sizeof(first));
    memset(&second, 0, sizeof(second));
    memset(&run, 0, sizeof(run));
    run.progress_steps = 20;
    run.progress = record_percent;
    run.progress_ctx = &first;
    dfota_flashsim_cut_after(&d.flash, ops * 3 / 4, DFOTA_FLASHSIM_CUT_CLEAN, 1);
    assert_int_equal(dfota_devsim_run(&d, patch, size, &run, &out, &err), DFOTA_E_POWER_CUT);
    dfota_flashsim_power_on(&d.flash);
    run.progress_ctx = &second;
    assert_int_equal(dfota_devsim_run(&d, patch, size, &run, &out, &err), DFOTA_OK);
    assert_true(out.resumed && out.record.step > 0 && out.record.percent > 0);
    /* The resumed boot starts at the percent reached at the record... */
    assert_true(second.count > 0);
    assert_int_equal(second.values[0], out.record.percent / 5 * 5);
    assert_true(second.values[0] <= first.values[first.count - 1]);
    /* ...then goes up to 100 without repeating. */
    for (i = 1; i < second.count; i++)
        assert_true(second.values[i] > second.values[i - 1]);
    assert_int_equal(second.values[second.count - 1], 100);
    check_done(&d, &p, "progress", 0);
    dfota_devsim_free(&d);
    free(patch);
    pair_free(&p);
}

/* ---- the record store on its own ---- */

static enum dfota_status st_read(void *ctx, uint32_t off, uint8_t *dst, size_t len)
{
    return dfota_flashsim_read(ctx, off, dst, len, NULL);
}

static enum dfota_status st_erase(void *ctx, uint32_t off, uint32_t len)
{
    return dfota_flashsim_erase(ctx, off, len, NULL);
}

static enum dfota_status st_write(void *ctx, uint32_t off, const uint8_t *src, size_t len)
{
    return dfota_flashsim_write(ctx, off, src, len, NULL);
}

/* A record store on the first two 4 KiB blocks of `f`. */
static void flash_store(struct dfota_progress_store *store, struct dfota_flashsim *f,
                        uint32_t write_align)
{
    memset(store, 0, sizeof(*store));
    store->ctx = f;
    store->read = st_read;
    store->erase = st_erase;
    store->write = st_write;
    store->slot_size = 4096;
    store->write_align = write_align;
}

static void record_store_survives_cuts_in_every_save(void **state)
{
    struct dfota_flashsim f;
    struct dfota_progress_store store;
    struct dfota_progress rec, got;
    uint32_t aligns[] = {1, 4, 8, 256}, step, seq;
    uint64_t n, cuts = 0;
    size_t a;
    int found, mode;

    (void)state;
    for (a = 0; a < 4; a++) {
        for (mode = 0; mode < 2; mode++) {
            for (n = 0; n < 2; n++) { /* the save is an erase (0) then a write (1) */
                for (step = 1; step < 6; step++) {
                    assert_int_equal(dfota_flashsim_create(&f, 8192, 4096, aligns[a], NULL),
                                     DFOTA_OK);
                    flash_store(&store, &f, aligns[a]);
                    memset(&rec, 0, sizeof(rec));
                    rec.segment_count = 9;
                    rec.patch_id[0] = 0xA5;
                    /* `step` good saves, then one cut in its erase or write. */
                    for (rec.step = 0; rec.step < step; rec.step++)
                        assert_int_equal(dfota_progress_save(&store, &rec), DFOTA_OK);
                    dfota_flashsim_cut_after(&f, n, mode ? DFOTA_FLASHSIM_CUT_TORN
                                                         : DFOTA_FLASHSIM_CUT_CLEAN,
                                             step * 31 + n);
                    assert_int_equal(dfota_progress_save(&store, &rec), DFOTA_E_POWER_CUT);
                    assert_int_equal(f.cut_at, f.ops);
                    cuts++;
                    dfota_flashsim_power_on(&f);
                    assert_int_equal(dfota_progress_load(&store, &got, &found), DFOTA_OK);
                    assert_true(found);
                    /* The old record, or (only a torn write that happened to
                     * program every byte) the new one: never anything else. */
                    if (got.step == step) {
                        assert_true(mode == 1 && n == 1);
                        assert_int_equal(got.sequence, step + 1);
                    } else {
                        assert_int_equal(got.step, step - 1);
                        assert_int_equal(got.sequence, step);
                    }
                    assert_int_equal(got.patch_id[0], 0xA5);
                    /* Saving again works and wins. */
                    seq = got.sequence;
                    rec.step = 8;
                    assert_int_equal(dfota_progress_save(&store, &rec), DFOTA_OK);
                    assert_int_equal(dfota_progress_load(&store, &got, &found), DFOTA_OK);
                    assert_int_equal(got.step, 8);
                    assert_int_equal(got.sequence, seq + 1);
                    /* Clearing erases the older slot first: a cut in between
                     * leaves the newest record, never the older one. */
                    dfota_flashsim_cut_after(&f, 1, DFOTA_FLASHSIM_CUT_CLEAN, 0);
                    assert_int_equal(dfota_progress_clear(&store), DFOTA_E_POWER_CUT);
                    dfota_flashsim_power_on(&f);
                    assert_int_equal(dfota_progress_load(&store, &got, &found), DFOTA_OK);
                    assert_true(found);
                    assert_int_equal(got.step, 8);
                    assert_int_equal(dfota_progress_clear(&store), DFOTA_OK);
                    assert_int_equal(dfota_progress_load(&store, &got, &found), DFOTA_OK);
                    assert_false(found);
                    dfota_flashsim_free(&f);
                }
            }
        }
    }
    assert_int_equal(cuts, 4 * 2 * 2 * 5);
}

static void record_encoding_is_checked(void **state)
{
    struct dfota_progress rec, got;
    uint8_t buf[DFOTA_PROGRESS_RECORD_SIZE];
    size_t i;
    int bit;

    (void)state;
    memset(&rec, 0, sizeof(rec));
    rec.sequence = 0xFFFFFFFFu;
    rec.phase = DFOTA_PROGRESS_SCRATCH;
    rec.percent = 57;
    rec.flags = DFOTA_PATCH_FLAG_IN_PLACE;
    rec.step = 3;
    rec.segment_count = 9;
    rec.patch_offset = 0x1234;
    for (i = 0; i < 32; i++)
        rec.patch_id[i] = (uint8_t)(i * 7);
    dfota_progress_encode(&rec, buf);
    /* Pinned layout (docs/FORMAT.md, "Progress record"). */
    assert_memory_equal(buf, "DFPR\x01\x01\x39\x01\xff\xff\xff\xff\x03\0\0\0\x09\0\0\0\x34\x12\0\0",
                        24);
    assert_true(dfota_progress_decode(buf, &got));
    assert_memory_equal(&got.patch_id, rec.patch_id, 32);
    assert_int_equal(got.sequence, rec.sequence);
    assert_int_equal(got.patch_offset, rec.patch_offset);
    /* Every single-bit flip is refused. */
    for (i = 0; i < sizeof(buf); i++)
        for (bit = 0; bit < 8; bit++) {
            buf[i] ^= (uint8_t)(1u << bit);
            assert_false(dfota_progress_decode(buf, &got));
            buf[i] ^= (uint8_t)(1u << bit);
        }
    /* Serial-number order across the wrap: sequence 0 is newer than 0xFFFFFFFF. */
    {
        struct dfota_flashsim f;
        struct dfota_progress_store store;
        int found;

        assert_int_equal(dfota_flashsim_create(&f, 8192, 4096, 4, NULL), DFOTA_OK);
        flash_store(&store, &f, 4);
        assert_int_equal(dfota_flashsim_load(&f, 0, buf, sizeof(buf), NULL), DFOTA_OK);
        rec.step = 4;
        assert_int_equal(dfota_progress_save(&store, &rec), DFOTA_OK);
        assert_int_equal(rec.sequence, 0);
        assert_int_equal(dfota_progress_load(&store, &got, &found), DFOTA_OK);
        assert_int_equal(got.step, 4);
        dfota_flashsim_free(&f);
    }
}

/* FAILED (phase 2) exists from record version 2 on, and only as the last step. */
static void failed_record_is_version_2_and_final(void **state)
{
    struct dfota_progress rec, got;
    uint8_t buf[DFOTA_PROGRESS_RECORD_SIZE];

    (void)state;
    memset(&rec, 0, sizeof(rec));
    rec.phase = DFOTA_PROGRESS_FAILED;
    rec.percent = 100;
    rec.step = 9;
    rec.segment_count = 9;
    rec.patch_offset = 0x4321;
    dfota_progress_encode(&rec, buf);
    assert_int_equal(buf[4], 2);
    assert_int_equal(buf[5], DFOTA_PROGRESS_FAILED);
    assert_true(dfota_progress_decode(buf, &got));
    assert_int_equal(got.phase, DFOTA_PROGRESS_FAILED);
    assert_int_equal(got.step, 9);
    assert_false(dfota_progress_in_progress(&got));
    /* Version 1 does not know FAILED (CRC made right). */
    buf[4] = 1;
    dfota_put_le32(buf + 60, dfota_crc32(0, buf, 60));
    assert_false(dfota_progress_decode(buf, &got));
    /* No version 3. */
    buf[4] = 3;
    dfota_put_le32(buf + 60, dfota_crc32(0, buf, 60));
    assert_false(dfota_progress_decode(buf, &got));
    /* FAILED before the last step is no record. */
    rec.step = 8;
    dfota_progress_encode(&rec, buf);
    assert_false(dfota_progress_decode(buf, &got));
    /* Other phases are still written as version 1; version 2 reads them too. */
    rec.phase = DFOTA_PROGRESS_PENDING;
    dfota_progress_encode(&rec, buf);
    assert_int_equal(buf[4], 1);
    assert_true(dfota_progress_decode(buf, &got));
    buf[4] = 2;
    dfota_put_le32(buf + 60, dfota_crc32(0, buf, 60));
    assert_true(dfota_progress_decode(buf, &got));
    assert_int_equal(got.step, 8);
    assert_true(dfota_progress_in_progress(&got));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(record_encoding_is_checked),
        cmocka_unit_test(failed_record_is_version_2_and_final),
        cmocka_unit_test(record_store_survives_cuts_in_every_save),
        cmocka_unit_test(in_place_order_follows_the_moves),
        cmocka_unit_test(two_bank_cut_at_every_operation),
        cmocka_unit_test(in_place_cut_at_every_operation_growing),
        cmocka_unit_test(in_place_cut_at_every_operation_shrinking),
        cmocka_unit_test(in_place_cut_at_every_operation_with_a_pivot),
        cmocka_unit_test(dense_sample_larger_pair),
        cmocka_unit_test(five_cuts_in_a_row_over_many_seeds),
        cmocka_unit_test(progress_record_saves_that_fail),
        cmocka_unit_test(another_package_is_refused_while_one_is_in_progress),
        cmocka_unit_test(a_finished_update_does_not_block_the_next),
        cmocka_unit_test(two_bank_damaged_target_is_rewritten_at_the_next_boot),
        cmocka_unit_test(in_place_damaged_target_is_given_up_not_claimed_done),
        cmocka_unit_test(a_target_that_stays_wrong_is_given_up_after_one_rewrite),
        cmocka_unit_test(resume_reports_progress_from_the_record),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
