/*
 * test_pkgapply.c - the device-side package front end (dfota/pkgapply.h):
 * the package file as downloaded, pushed in chunks of any size, on a small
 * NOR-like flash (erase to 0xFF, programming ANDs bits): delta two-bank and
 * in place, full image, refusals before any erase, power cuts and resume,
 * and the hash driver.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dfota/diffgen.h"
#include "dfota/packer.h"
#include "dfota/pkgapply.h"
#include "dfota/wire.h"

#define ERASE 4096u
#define ALIGN 4u
#define AREA (1u << 20)

struct flash {
    uint8_t *a, *b, *scratch; /* source bank (the one area in place), target bank, scratch */
    uint32_t ops;             /* erases and writes so far */
    uint32_t fail_after;      /* a write or erase after this many ops fails (0 = never) */
    struct dfota_progress rec;
    int have_rec;
    unsigned hash_calls;
    int hash_fail;
};

static enum dfota_status step(struct flash *f)
{
    f->ops++;
    return f->fail_after != 0 && f->ops > f->fail_after ? DFOTA_E_FLASH : DFOTA_OK;
}

static enum dfota_status rd(const uint8_t *area, uint32_t off, uint8_t *dst, size_t len)
{
    if ((uint64_t)off + len > AREA)
        return DFOTA_E_FLASH;
    memcpy(dst, area + off, len);
    return DFOTA_OK;
}

static enum dfota_status erase(struct flash *f, uint8_t *area, uint32_t off, uint32_t len)
{
    assert_int_equal(off % ERASE, 0);
    assert_int_equal(len % ERASE, 0);
    assert_true((uint64_t)off + len <= AREA);
    if (step(f) != DFOTA_OK)
        return DFOTA_E_FLASH;
    memset(area + off, 0xFF, len);
    return DFOTA_OK;
}

static enum dfota_status program(struct flash *f, uint8_t *area, uint32_t off, const uint8_t *src,
                                 size_t len)
{
    size_t i;

    assert_int_equal(off % ALIGN, 0);
    assert_int_equal(len % ALIGN, 0);
    assert_true((uint64_t)off + len <= AREA);
    if (step(f) != DFOTA_OK)
        return DFOTA_E_FLASH;
    for (i = 0; i < len; i++)
        area[off + i] &= src[i];
    return DFOTA_OK;
}

static enum dfota_status read_a(void *c, uint32_t o, uint8_t *d, size_t n)
{
    return rd(((struct flash *)c)->a, o, d, n);
}
static enum dfota_status read_b(void *c, uint32_t o, uint8_t *d, size_t n)
{
    return rd(((struct flash *)c)->b, o, d, n);
}
static enum dfota_status read_s(void *c, uint32_t o, uint8_t *d, size_t n)
{
    return rd(((struct flash *)c)->scratch, o, d, n);
}
static enum dfota_status erase_a(void *c, uint32_t o, uint32_t n)
{
    return erase(c, ((struct flash *)c)->a, o, n);
}
static enum dfota_status erase_b(void *c, uint32_t o, uint32_t n)
{
    return erase(c, ((struct flash *)c)->b, o, n);
}
static enum dfota_status erase_s(void *c, uint32_t o, uint32_t n)
{
    return erase(c, ((struct flash *)c)->scratch, o, n);
}
static enum dfota_status write_a(void *c, uint32_t o, const uint8_t *s, size_t n)
{
    return program(c, ((struct flash *)c)->a, o, s, n);
}
static enum dfota_status write_b(void *c, uint32_t o, const uint8_t *s, size_t n)
{
    return program(c, ((struct flash *)c)->b, o, s, n);
}
static enum dfota_status write_s(void *c, uint32_t o, const uint8_t *s, size_t n)
{
    return program(c, ((struct flash *)c)->scratch, o, s, n);
}
static enum dfota_status save(void *c, const struct dfota_progress *rec)
{
    struct flash *f = c;

    if (step(f) != DFOTA_OK)
        return DFOTA_E_FLASH;
    f->rec = *rec;
    f->have_rec = 1;
    return DFOTA_OK;
}

/* A hash driver that counts its calls and hands them to the built-in one. */
static enum dfota_status h_init(void *c, struct dfota_hash *h, enum dfota_hash_alg alg)
{
    ((struct flash *)c)->hash_calls++;
    return dfota_hash_builtin.init(c, h, alg);
}
static enum dfota_status h_update(void *c, struct dfota_hash *h, const uint8_t *p, size_t n)
{
    struct flash *f = c;

    f->hash_calls++;
    if (f->hash_fail)
        return DFOTA_E_INTERNAL;
    return dfota_hash_builtin.update(c, h, p, n);
}
static enum dfota_status h_final(void *c, struct dfota_hash *h, uint8_t *d)
{
    ((struct flash *)c)->hash_calls++;
    return dfota_hash_builtin.final(c, h, d);
}
static const struct dfota_hash_ops counting_hash = {h_init, h_update, h_final};

static uint8_t *read_sample(const char *name, size_t *size)
{
    char path[512];
    FILE *fp;
    uint8_t *buf;
    long n;

    snprintf(path, sizeof(path), "%s/samples/%s", DFOTA_SOURCE_DIR, name);
    fp = fopen(path, "rb");
    assert_non_null(fp);
    assert_int_equal(fseek(fp, 0, SEEK_END), 0);
    n = ftell(fp);
    assert_true(n > 0);
    rewind(fp);
    buf = malloc((size_t)n);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
    fclose(fp);
    *size = (size_t)n;
    return buf;
}

struct pair {
    uint8_t *old, *new_;
    size_t old_size, new_size;
};

static void load_pair(struct pair *p)
{
    p->old = read_sample("BC25R01A03.bin", &p->old_size);
    p->new_ = read_sample("BC25R01A04.bin", &p->new_size);
}

static void release_pair(struct pair *p)
{
    free(p->old);
    free(p->new_);
}

static uint8_t *make_delta(const struct pair *p, int in_place, size_t *size)
{
    struct dfota_diff_options opts;
    struct dfota_delta_options dopts;
    struct dfota_error err;
    uint8_t *patch, *pkg;
    size_t patch_size;

    dfota_diff_options_init(&opts);
    opts.in_place = in_place;
    assert_int_equal(dfota_diff(p->old, p->old_size, p->new_, p->new_size, &opts, &patch,
                                &patch_size, &err),
                     DFOTA_OK);
    memset(&dopts, 0, sizeof(dopts));
    dopts.source_version = "BC25R01A03";
    dopts.target_version = "BC25R01A04";
    assert_int_equal(dfota_pack_delta(p->old, p->old_size, p->new_, p->new_size, patch,
                                      patch_size, &dopts, &pkg, size, &err),
                     DFOTA_OK);
    free(patch);
    return pkg;
}

static uint8_t *make_full(const struct pair *p, size_t *size)
{
    struct dfota_full_options opts;
    struct dfota_error err;
    uint8_t *pkg;

    dfota_full_options_init(&opts);
    opts.target_version = "BC25R01A04";
    assert_int_equal(dfota_pack_full(p->new_, p->new_size, &opts, &pkg, size, &err), DFOTA_OK);
    return pkg;
}

/* The device: flash areas holding the old image, and the callbacks. */
static void device(struct flash *f, const struct pair *p, int in_place, struct dfota_apply_config *cfg,
                   struct dfota_apply_io *io)
{
    memset(f, 0, sizeof(*f));
    f->a = malloc(AREA);
    f->b = malloc(AREA);
    f->scratch = malloc(AREA);
    assert_non_null(f->a);
    assert_non_null(f->b);
    assert_non_null(f->scratch);
    memset(f->a, 0xFF, AREA);
    memset(f->b, 0x00, AREA); /* not erased: the applier must erase what it writes */
    memset(f->scratch, 0x00, AREA);
    memcpy(f->a, p->old, p->old_size);
    memset(cfg, 0, sizeof(*cfg));
    cfg->erase_size = ERASE;
    cfg->write_align = ALIGN;
    cfg->target_capacity = AREA;
    cfg->layout = in_place ? DFOTA_APPLY_IN_PLACE : DFOTA_APPLY_TWO_BANK;
    cfg->scratch_size = in_place ? AREA : 0;
    memset(io, 0, sizeof(*io));
    io->ctx = f;
    io->read_source = read_a;
    io->save_progress = save;
    if (in_place) {
        io->erase_target = erase_a;
        io->write_target = write_a;
        io->read_scratch = read_s;
        io->erase_scratch = erase_s;
        io->write_scratch = write_s;
    } else {
        io->erase_target = erase_b;
        io->write_target = write_b;
        io->read_target = read_b;
    }
}

static void release_device(struct flash *f)
{
    free(f->a);
    free(f->b);
    free(f->scratch);
}

/* Push `size` bytes in `chunk`-byte pieces through `push`. */
static enum dfota_status push_all(struct dfota_pkg *pkg,
                                  enum dfota_status (*push)(struct dfota_pkg *, const uint8_t *,
                                                            size_t),
                                  const uint8_t *data, size_t size, size_t chunk)
{
    enum dfota_status st = DFOTA_OK;
    size_t pos, take;

    for (pos = 0; pos < size && st == DFOTA_OK; pos += take) {
        take = size - pos < chunk ? size - pos : chunk;
        st = push(pkg, data + pos, take);
    }
    return st;
}

/* One boot: init (resume from the device's record if it has one), the
 * check pass when asked, the apply pass. */
static enum dfota_status boot(struct flash *f, const struct dfota_apply_config *cfg,
                              const struct dfota_apply_io *io, const uint8_t *pkgdata,
                              size_t size, size_t chunk, int check, size_t workspace_size,
                              const struct dfota_error **detail)
{
    static struct dfota_error last;
    struct dfota_pkg *pkg;
    struct dfota_error err;
    uint8_t *ws = malloc(workspace_size + 3);
    enum dfota_status st;

    assert_non_null(ws);
    st = dfota_pkg_init(&pkg, ws + 3, workspace_size, cfg, io, &err);
    if (st != DFOTA_OK) {
        last = err;
        goto out;
    }
    if (f->have_rec && dfota_progress_in_progress(&f->rec))
        st = dfota_pkg_resume(pkg, &f->rec);
    if (st == DFOTA_OK && check) {
        st = push_all(pkg, dfota_pkg_check_push, pkgdata, size, chunk);
        if (st == DFOTA_OK)
            st = dfota_pkg_check_finish(pkg);
    }
    if (st == DFOTA_OK)
        st = push_all(pkg, dfota_pkg_push, pkgdata, size, chunk);
    if (st == DFOTA_OK)
        st = dfota_pkg_finish(pkg);
    last = *dfota_pkg_error(pkg);
out:
    free(ws);
    if (detail != NULL)
        *detail = &last;
    return st;
}

static size_t need_for(const uint8_t *pkgdata, size_t size)
{
    struct dfota_package_header hdr;

    assert_int_equal(dfota_container_parse(pkgdata, size, &hdr, NULL), DFOTA_OK);
    /* This build (64-bit, the host's zstd) needs more than the reference figure. */
    return hdr.workspace_size + 64u * 1024u;
}

static void delta_two_bank_applies_in_any_chunks(void **state)
{
    static const size_t chunks[] = {1, 7, 64, 4096, (size_t)-1};
    const struct dfota_error *e;
    struct dfota_apply_config cfg;
    struct dfota_apply_io io;
    struct flash f;
    struct pair p;
    uint8_t *pkg;
    size_t size, k;

    (void)state;
    load_pair(&p);
    pkg = make_delta(&p, 0, &size);
    for (k = 0; k < sizeof(chunks) / sizeof(chunks[0]); k++) {
        device(&f, &p, 0, &cfg, &io);
        if (boot(&f, &cfg, &io, pkg, size, chunks[k], k == 2, need_for(pkg, size), &e) !=
            DFOTA_OK)
            fail_msg("chunk %zu: %s", chunks[k], e->message);
        assert_memory_equal(f.b, p.new_, p.new_size);
        assert_memory_equal(f.a, p.old, p.old_size); /* the old bank is never written */
        assert_true(f.have_rec && !dfota_progress_in_progress(&f.rec));
        release_device(&f);
    }
    free(pkg);
    release_pair(&p);
}

static void delta_in_place_needs_the_check_pass(void **state)
{
    const struct dfota_error *e;
    struct dfota_apply_config cfg;
    struct dfota_apply_io io;
    struct flash f;
    struct pair p;
    uint8_t *pkg, *other;
    size_t size, other_size;
    struct dfota_pkg *fe;
    struct dfota_error err;
    uint8_t *ws;

    (void)state;
    load_pair(&p);
    pkg = make_delta(&p, 1, &size);
    device(&f, &p, 1, &cfg, &io);
    assert_int_equal(boot(&f, &cfg, &io, pkg, size, 64, 0, need_for(pkg, size), &e),
                     DFOTA_E_INVALID_ARGUMENT);
    assert_non_null(strstr(e->message, "check"));
    assert_int_equal(f.ops, 0);
    assert_int_equal(boot(&f, &cfg, &io, pkg, size, 64, 1, need_for(pkg, size), &e), DFOTA_OK);
    assert_memory_equal(f.a, p.new_, p.new_size);
    release_device(&f);
    /* The apply pass must push the package that was checked. */
    other = make_full(&p, &other_size);
    device(&f, &p, 1, &cfg, &io);
    ws = malloc(need_for(other, other_size) + need_for(pkg, size));
    assert_non_null(ws);
    assert_int_equal(dfota_pkg_init(&fe, ws, need_for(other, other_size) + need_for(pkg, size),
                                    &cfg, &io, &err),
                     DFOTA_OK);
    assert_int_equal(push_all(fe, dfota_pkg_check_push, pkg, size, 100), DFOTA_OK);
    assert_int_equal(dfota_pkg_check_finish(fe), DFOTA_OK);
    assert_int_equal(push_all(fe, dfota_pkg_push, other, other_size, 100),
                     DFOTA_E_INVALID_ARGUMENT);
    assert_non_null(strstr(dfota_pkg_error(fe)->message, "not the package"));
    assert_int_equal(f.ops, 0);
    free(ws);
    release_device(&f);
    free(other);
    free(pkg);
    release_pair(&p);
}

static void full_image_applies_two_bank_and_in_place(void **state)
{
    const struct dfota_error *e;
    struct dfota_apply_config cfg;
    struct dfota_apply_io io;
    struct flash f;
    struct pair p;
    uint8_t *pkg;
    size_t size;

    (void)state;
    load_pair(&p);
    pkg = make_full(&p, &size);
    device(&f, &p, 0, &cfg, &io);
    if (boot(&f, &cfg, &io, pkg, size, 64, 0, need_for(pkg, size), &e) != DFOTA_OK)
        fail_msg("%s", e->message);
    assert_memory_equal(f.b, p.new_, p.new_size);
    release_device(&f);
    /* Written over the running image: after a check pass only. */
    device(&f, &p, 1, &cfg, &io);
    assert_int_equal(boot(&f, &cfg, &io, pkg, size, 64, 0, need_for(pkg, size), &e),
                     DFOTA_E_INVALID_ARGUMENT);
    if (boot(&f, &cfg, &io, pkg, size, 333, 1, need_for(pkg, size), &e) != DFOTA_OK)
        fail_msg("%s", e->message);
    assert_memory_equal(f.a, p.new_, p.new_size);
    release_device(&f);
    free(pkg);
    release_pair(&p);
}

/* Edit the header of `pkg` (CRC fixed). */
static void set_header_bytes(uint8_t *pkg, size_t off, const uint8_t *bytes, size_t n)
{
    uint32_t hs = dfota_get_le32(pkg + 12);

    memcpy(pkg + off, bytes, n);
    dfota_put_le32(pkg + hs - 4, dfota_crc32(0, pkg, hs - 4));
}

/* Offset of the value of TLV `type` in the header of `pkg`. */
static size_t tlv_value(const uint8_t *pkg, uint16_t type)
{
    uint32_t hs = dfota_get_le32(pkg + 12);
    size_t pos = 16;

    while (pos + 4 <= hs - 4) {
        if (dfota_get_le16(pkg + pos) == type)
            return pos + 4;
        pos += 4 + dfota_get_le16(pkg + pos + 2);
    }
    fail_msg("no TLV 0x%04x", type);
    return 0;
}

static void wrong_source_is_refused_before_any_erase(void **state)
{
    const struct dfota_error *e;
    struct dfota_apply_config cfg;
    struct dfota_apply_io io;
    struct flash f;
    struct pair p, swapped;
    uint8_t *pkg, md5[16];
    size_t size, at;

    (void)state;
    load_pair(&p);
    pkg = make_delta(&p, 0, &size);
    /* The device holds the new image already. */
    swapped = p;
    swapped.old = p.new_;
    swapped.old_size = p.new_size;
    device(&f, &swapped, 0, &cfg, &io);
    cfg.source_size = (uint32_t)p.old_size;
    assert_int_equal(boot(&f, &cfg, &io, pkg, size, 64, 0, need_for(pkg, size), &e),
                     DFOTA_E_SOURCE_MISMATCH);
    assert_int_equal(f.ops, 0);
    release_device(&f);
    /* The right image, but the header's MD5 of it is wrong: a module would
     * refuse it (it checks MD5), so the front end does too. */
    at = tlv_value(pkg, DFOTA_TLV_SOURCE_MD5);
    memcpy(md5, pkg + at, 16);
    md5[0] ^= 1;
    set_header_bytes(pkg, at, md5, 16);
    device(&f, &p, 0, &cfg, &io);
    assert_int_equal(boot(&f, &cfg, &io, pkg, size, 64, 0, need_for(pkg, size), &e),
                     DFOTA_E_SOURCE_MISMATCH);
    assert_non_null(strstr(e->message, "MD5"));
    assert_int_equal(f.ops, 0);
    release_device(&f);
    free(pkg);
    release_pair(&p);
}

/* A module checks the new image's MD5 as the header states it: so does the front end. */
static void wrong_target_md5_is_not_declared_good(void **state)
{
    const struct dfota_error *e;
    struct dfota_apply_config cfg;
    struct dfota_apply_io io;
    struct flash f;
    struct pair p;
    uint8_t *pkg, md5[16];
    size_t size, at;
    int full;

    (void)state;
    load_pair(&p);
    for (full = 0; full < 2; full++) {
        pkg = full ? make_full(&p, &size) : make_delta(&p, 0, &size);
        at = tlv_value(pkg, DFOTA_TLV_TARGET_MD5);
        memcpy(md5, pkg + at, 16);
        md5[15] ^= 0x80;
        set_header_bytes(pkg, at, md5, 16);
        device(&f, &p, 0, &cfg, &io);
        assert_int_equal(boot(&f, &cfg, &io, pkg, size, 64, 0, need_for(pkg, size), &e),
                         DFOTA_E_TARGET_MISMATCH);
        assert_non_null(strstr(e->message, "MD5"));
        /* Not complete: the next boot rewrites (two-bank, read back). */
        assert_true(f.have_rec && dfota_progress_in_progress(&f.rec));
        release_device(&f);
        free(pkg);
    }
    release_pair(&p);
}

static void corrupt_payload_is_caught(void **state)
{
    const struct dfota_error *e;
    struct dfota_apply_config cfg;
    struct dfota_apply_io io;
    struct flash f;
    struct pair p;
    uint8_t *pkg;
    size_t size, hs;
    enum dfota_status st;

    (void)state;
    load_pair(&p);
    pkg = make_delta(&p, 1, &size);
    hs = dfota_get_le32(pkg + 12);
    pkg[hs + (size - hs) / 2] ^= 0x10;
    /* In place: the check pass finds it; nothing is written. */
    device(&f, &p, 1, &cfg, &io);
    assert_int_equal(boot(&f, &cfg, &io, pkg, size, 64, 1, need_for(pkg, size), &e),
                     DFOTA_E_PAYLOAD_DIGEST);
    assert_int_equal(f.ops, 0);
    assert_memory_equal(f.a, p.old, p.old_size);
    release_device(&f);
    free(pkg);
    /* Two-bank: whatever the decoder makes of it, the image is never declared good. */
    pkg = make_delta(&p, 0, &size);
    hs = dfota_get_le32(pkg + 12);
    pkg[hs + (size - hs) / 2] ^= 0x10;
    device(&f, &p, 0, &cfg, &io);
    st = boot(&f, &cfg, &io, pkg, size, 64, 0, need_for(pkg, size), &e);
    assert_int_not_equal(st, DFOTA_OK);
    assert_true(!f.have_rec || dfota_progress_in_progress(&f.rec));
    release_device(&f);
    free(pkg);
    release_pair(&p);
}

static void truncated_trailing_and_small_workspace_are_refused(void **state)
{
    const struct dfota_error *e;
    struct dfota_apply_config cfg;
    struct dfota_apply_io io;
    struct dfota_package_header hdr;
    struct flash f;
    struct pair p;
    uint8_t *pkg, *longer;
    size_t size;

    (void)state;
    load_pair(&p);
    pkg = make_delta(&p, 0, &size);
    device(&f, &p, 0, &cfg, &io);
    assert_int_equal(boot(&f, &cfg, &io, pkg, size - 1, 64, 0, need_for(pkg, size), &e),
                     DFOTA_E_TRUNCATED);
    assert_int_equal(boot(&f, &cfg, &io, pkg, 40, 64, 0, need_for(pkg, size), &e),
                     DFOTA_E_TRUNCATED);
    longer = malloc(size + 1);
    assert_non_null(longer);
    memcpy(longer, pkg, size);
    longer[size] = 0;
    assert_int_equal(boot(&f, &cfg, &io, longer, size + 1, 64, 0, need_for(pkg, size), &e),
                     DFOTA_E_TRAILING_DATA);
    release_device(&f);
    /* Less than the header states: refused before any flash access. */
    assert_int_equal(dfota_container_parse(pkg, size, &hdr, NULL), DFOTA_OK);
    device(&f, &p, 0, &cfg, &io);
    assert_int_equal(boot(&f, &cfg, &io, pkg, size, 64, 0, hdr.workspace_size - 1, &e),
                     DFOTA_E_WORKSPACE);
    assert_int_equal(f.ops, 0);
    release_device(&f);
    /* Not a package (a raw patch, a zip): refused at the preamble. */
    device(&f, &p, 0, &cfg, &io);
    assert_int_equal(boot(&f, &cfg, &io, pkg + hdr.header_size, size - hdr.header_size, 64, 0,
                          need_for(pkg, size), &e),
                     DFOTA_E_BAD_MAGIC);
    release_device(&f);
    free(longer);
    free(pkg);
    release_pair(&p);
}

/* Cut the power (a failing flash operation) at `percent` of the flash
 * operations an uncut update takes, then boot again. */
static void cut_and_resume(const struct pair *p, uint8_t *pkg, size_t size, int in_place,
                           unsigned percent)
{
    const struct dfota_error *e;
    struct dfota_apply_config cfg;
    struct dfota_apply_io io;
    struct flash f;
    uint32_t cut;

    device(&f, p, in_place, &cfg, &io);
    assert_int_equal(boot(&f, &cfg, &io, pkg, size, 64, in_place, need_for(pkg, size), &e),
                     DFOTA_OK);
    cut = f.ops * percent / 100;
    release_device(&f);
    device(&f, p, in_place, &cfg, &io);
    f.fail_after = cut;
    assert_int_equal(boot(&f, &cfg, &io, pkg, size, 64, in_place, need_for(pkg, size), &e),
                     DFOTA_E_FLASH);
    assert_true(f.have_rec);
    assert_true(dfota_progress_in_progress(&f.rec));
    f.fail_after = 0;
    if (boot(&f, &cfg, &io, pkg, size, 64, in_place, need_for(pkg, size), &e) != DFOTA_OK)
        fail_msg("cut at %u%%: %s", percent, e->message);
    assert_memory_equal(in_place ? f.a : f.b, p->new_, p->new_size);
    assert_false(dfota_progress_in_progress(&f.rec));
    release_device(&f);
}

static void power_cut_then_resume(void **state)
{
    struct pair p;
    uint8_t *pkg;
    size_t size;

    (void)state;
    load_pair(&p);
    pkg = make_delta(&p, 0, &size);
    cut_and_resume(&p, pkg, size, 0, 60);
    free(pkg);
    pkg = make_delta(&p, 1, &size);
    cut_and_resume(&p, pkg, size, 1, 55);
    free(pkg);
    /* A full image resumes from its last 64 KiB record. */
    pkg = make_full(&p, &size);
    assert_true(p.new_size > 2 * 65536);
    cut_and_resume(&p, pkg, size, 0, 70);
    free(pkg);
    release_pair(&p);
}

/* A record of another update is refused before anything is erased: delta and full image. */
static void record_of_another_update_is_refused(void **state)
{
    const struct dfota_error *e;
    struct dfota_apply_config cfg;
    struct dfota_apply_io io;
    struct flash f;
    struct pair p;
    uint8_t *delta, *full;
    size_t delta_size, full_size;

    (void)state;
    load_pair(&p);
    delta = make_delta(&p, 0, &delta_size);
    full = make_full(&p, &full_size);
    /* A cut in the full image's update leaves its record... */
    device(&f, &p, 0, &cfg, &io);
    f.fail_after = 400; /* past the first 64 KiB record */
    assert_int_equal(boot(&f, &cfg, &io, full, full_size, 64, 0, need_for(full, full_size), &e),
                     DFOTA_E_FLASH);
    assert_true(f.have_rec && dfota_progress_in_progress(&f.rec));
    f.fail_after = 0;
    f.ops = 0;
    /* ...which the delta's update refuses, and the other way round. */
    assert_int_equal(boot(&f, &cfg, &io, delta, delta_size, 64, 0,
                          need_for(delta, delta_size), &e),
                     DFOTA_E_UPDATE_IN_PROGRESS);
    assert_int_equal(f.ops, 0);
    release_device(&f);
    device(&f, &p, 0, &cfg, &io);
    f.fail_after = 300;
    assert_int_equal(boot(&f, &cfg, &io, delta, delta_size, 64, 0,
                          need_for(delta, delta_size), &e),
                     DFOTA_E_FLASH);
    assert_true(f.have_rec && dfota_progress_in_progress(&f.rec));
    f.fail_after = 0;
    f.ops = 0;
    assert_int_equal(boot(&f, &cfg, &io, full, full_size, 64, 0, need_for(full, full_size), &e),
                     DFOTA_E_UPDATE_IN_PROGRESS);
    assert_int_equal(f.ops, 0);
    release_device(&f);
    free(delta);
    free(full);
    release_pair(&p);
}

static void hash_driver_serves_every_digest(void **state)
{
    const struct dfota_error *e;
    struct dfota_apply_config cfg;
    struct dfota_apply_io io;
    struct flash f;
    struct pair p;
    uint8_t *pkg;
    size_t size;

    (void)state;
    load_pair(&p);
    pkg = make_delta(&p, 0, &size);
    device(&f, &p, 0, &cfg, &io);
    io.hash = &counting_hash;
    assert_int_equal(boot(&f, &cfg, &io, pkg, size, 64, 0, need_for(pkg, size), &e), DFOTA_OK);
    assert_memory_equal(f.b, p.new_, p.new_size);
    /* header id, source SHA-256 + MD5, payload SHA-256 + MD5, patch id, target read-back */
    assert_true(f.hash_calls > 2 * p.old_size / 256);
    release_device(&f);
    device(&f, &p, 0, &cfg, &io);
    io.hash = &counting_hash;
    f.hash_fail = 1;
    assert_int_equal(boot(&f, &cfg, &io, pkg, size, 64, 0, need_for(pkg, size), &e),
                     DFOTA_E_INTERNAL);
    assert_non_null(strstr(e->message, "hash driver"));
    assert_int_equal(f.ops, 0);
    release_device(&f);
    free(pkg);
    release_pair(&p);
}

static void workspace_figures_agree(void **state)
{
    (void)state;
    assert_int_equal(dfota_pkg_workspace_size_delta(DFOTA_CODEC_ZSTD_ID, 13, 0, 0),
                     16 + DFOTA_PKG_STATE_SIZE + dfota_apply_workspace_size(13, 0, 0));
    assert_true(dfota_pkg_workspace_need_delta(DFOTA_CODEC_ZSTD_ID, 13, 0, 0) >= dfota_pkg_workspace_size_delta(DFOTA_CODEC_ZSTD_ID, 13, 0, 0));
    assert_int_equal(dfota_pkg_workspace_size_full(65536),
                     16 + DFOTA_PKG_STATE_SIZE +
                         dfota_apply_full_workspace_size(65536));
    assert_int_equal(dfota_apply_full_workspace_size(65536),
                     16 + DFOTA_APPLY_STATE_SIZE + DFOTA_ZSTD_DCTX_SIZE + 65536 +
                         (65536 + 65536 + 128));
    assert_int_equal(dfota_pkg_workspace_size_full(((uint64_t)1 << 27) + 1), 0);
    assert_int_equal(dfota_pkg_workspace_size_delta(DFOTA_CODEC_ZSTD_ID, 14, 0, 0), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(delta_two_bank_applies_in_any_chunks),
        cmocka_unit_test(delta_in_place_needs_the_check_pass),
        cmocka_unit_test(full_image_applies_two_bank_and_in_place),
        cmocka_unit_test(wrong_source_is_refused_before_any_erase),
        cmocka_unit_test(wrong_target_md5_is_not_declared_good),
        cmocka_unit_test(corrupt_payload_is_caught),
        cmocka_unit_test(truncated_trailing_and_small_workspace_are_refused),
        cmocka_unit_test(power_cut_then_resume),
        cmocka_unit_test(record_of_another_update_is_refused),
        cmocka_unit_test(hash_driver_serves_every_digest),
        cmocka_unit_test(workspace_figures_agree),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
