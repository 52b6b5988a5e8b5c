/*
 * pkgapply.c - the device-side package front end (dfota/pkgapply.h).
 *
 * Data path: pushed package bytes -> preamble and header, gathered at the
 * start of the workspace and checked (dfota_container_parse()) -> the
 * applier is laid out in the same memory -> source check (delta) -> each
 * payload byte hashed (SHA-256, MD5) and pushed into the patch applier or,
 * for a full image, into the applier's zstd decoder once the frame header
 * has told the window.
 */
#define ZSTD_STATIC_LINKING_ONLY /* ZSTD_getFrameHeader() */
#include "dfota/pkgapply.h"

#include <string.h>

#include "dfota/apply.h" /* DFOTA_CODEC_* */
#if DFOTA_CODEC_ZSTD
#include <zstd.h>
#endif

#include "apply_internal.h"
#include "dfota/wire.h"

#define PKG_ALIGN 16u

enum pkg_stage {
    PKG_PREAMBLE, /* gathering the 16-byte preamble */
    PKG_HEADER,   /* gathering the rest of the header */
    PKG_PAYLOAD,  /* payload bytes */
    PKG_DONE,     /* the whole payload has arrived */
    PKG_FAILED
};

struct dfota_pkg {
    struct dfota_apply_config config;
    struct dfota_apply_io io;
    const struct dfota_hash_ops *hash;
    struct dfota_error error;
    const struct dfota_error *detail; /* where the last failure is worded */
    uint8_t *base;                    /* after this struct: header, then the applier */
    size_t base_size;
    size_t workspace_size;            /* as given */
    enum pkg_stage stage;
    int pass;                         /* 0 none yet, 1 check, 2 apply */
    int finished;                     /* the apply pass succeeded */
    uint32_t header_size, gathered;
    struct dfota_package_header hdr;
    int header_valid;
    uint8_t header_id[32];            /* SHA-256 of the header bytes */
    int checked;                      /* the check pass succeeded for header_id */
    uint8_t checked_id[32];
    int resuming;
    struct dfota_progress rec;
    struct dfota_apply *ap;           /* in base, once the header is checked */
    struct dfota_hash pay_sha, pay_md5;
    uint32_t payload_done;
    uint8_t frame_head[DFOTA_FRAME_HEAD_MAX]; /* full image: start of the zstd frame */
    uint32_t frame_head_len;
    int full_started;
};

typedef char pkg_state_check[sizeof(void *) > 4 || sizeof(struct dfota_pkg) <= DFOTA_PKG_STATE_SIZE ? 1 : -1];

static size_t align_up(size_t v, size_t a)
{
    return (v + a - 1) / a * a;
}

static size_t pkg_state_size(void)
{
    return align_up(sizeof(struct dfota_pkg), PKG_ALIGN);
}

size_t dfota_pkg_workspace_size_delta(unsigned codec, unsigned log, uint32_t map_count,
                                      uint32_t region_count)
{
    size_t inner = dfota_apply_workspace_for(codec, log, map_count, region_count);

    return inner == 0 ? 0 : PKG_ALIGN + DFOTA_PKG_STATE_SIZE + inner;
}

size_t dfota_pkg_workspace_size_full(uint64_t window_size)
{
    size_t inner = dfota_apply_full_workspace_size(window_size);

    return inner == 0 ? 0 : PKG_ALIGN + DFOTA_PKG_STATE_SIZE + inner;
}

size_t dfota_pkg_workspace_need_delta(unsigned codec, unsigned log, uint32_t map_count,
                                      uint32_t region_count)
{
    size_t inner = dfota_apply_workspace_need_for(codec, log, map_count, region_count);

    return inner == 0 ? 0 : PKG_ALIGN + pkg_state_size() + inner;
}

size_t dfota_pkg_workspace_need_full(uint64_t window_size)
{
    size_t inner = dfota_apply_full_workspace_need(window_size);

    return inner == 0 ? 0 : PKG_ALIGN + pkg_state_size() + inner;
}


/* The applier (or a dfota_* call reporting into pkg->error) failed. */
static enum dfota_status failed_in(struct dfota_pkg *pkg, const struct dfota_error *where,
                                   enum dfota_status status)
{
    pkg->detail = where;
    pkg->stage = PKG_FAILED;
    return status;
}

/* The front end's own refusal, worded by dfota_error_set() (status only in the lean build). */
#define fail(pkg, status, ...) \
    failed_in((pkg), &(pkg)->error, dfota_error_set(&(pkg)->error, (status), __VA_ARGS__))

static enum dfota_status fail_hash(struct dfota_pkg *pkg, enum dfota_status status)
{
    return fail(pkg, status == DFOTA_OK ? DFOTA_E_INTERNAL : status, "hash driver failed (%s)",
                dfota_status_name(status));
}

enum dfota_status dfota_pkg_init(struct dfota_pkg **out, void *workspace, size_t workspace_size,
                                 const struct dfota_apply_config *config,
                                 const struct dfota_apply_io *io, struct dfota_error *err)
{
    uintptr_t at = (uintptr_t)workspace;
    size_t pad = (size_t)(align_up(at, PKG_ALIGN) - at);
    struct dfota_pkg *pkg;

    *out = NULL;
    if (workspace == NULL || config == NULL || io == NULL)
        return dfota_error_set(err, DFOTA_E_INVALID_ARGUMENT,
                               "workspace, configuration and callbacks are required");
    if (workspace_size < pad + pkg_state_size() + DFOTA_CONTAINER_HEADER_MAX)
        return dfota_error_set(err, DFOTA_E_WORKSPACE,
                               "workspace of %lu bytes cannot hold the front end and a package "
                               "header (%lu bytes)",
                               (unsigned long)workspace_size,
                               (unsigned long)(pad + pkg_state_size() + DFOTA_CONTAINER_HEADER_MAX));
#if !DFOTA_BUILTIN_HASH
    if (io->hash == NULL)
        return dfota_error_set(err, DFOTA_E_INVALID_ARGUMENT,
                               "built without the software hashes: io->hash is required");
#endif
    pkg = (struct dfota_pkg *)(void *)((uint8_t *)workspace + pad);
    memset(pkg, 0, sizeof(*pkg));
    pkg->config = *config;
    pkg->io = *io;
#if DFOTA_BUILTIN_HASH
    pkg->hash = io->hash != NULL ? io->hash : &dfota_hash_builtin;
#else
    pkg->hash = io->hash;
#endif
    pkg->base = (uint8_t *)pkg + pkg_state_size();
    pkg->base_size = workspace_size - pad - pkg_state_size();
    pkg->workspace_size = workspace_size;
    pkg->stage = PKG_PREAMBLE;
    pkg->detail = &pkg->error;
    dfota_error_clear(&pkg->error);
    *out = pkg;
    return DFOTA_OK;
}

enum dfota_status dfota_pkg_resume(struct dfota_pkg *pkg, const struct dfota_progress *rec)
{
    if (pkg->pass != 0 || pkg->resuming)
        return fail(pkg, DFOTA_E_INVALID_ARGUMENT,
                    "resume must come right after init, before any package byte");
    pkg->rec = *rec;
    pkg->resuming = 1;
    return DFOTA_OK;
}

const struct dfota_error *dfota_pkg_error(const struct dfota_pkg *pkg)
{
    return pkg->detail;
}

const struct dfota_package_header *dfota_pkg_header(const struct dfota_pkg *pkg)
{
    return pkg->header_valid ? &pkg->hdr : NULL;
}

uint32_t dfota_pkg_target_done(const struct dfota_pkg *pkg)
{
    return pkg->ap != NULL && pkg->pass == 2 ? dfota_apply_target_done(pkg->ap) : 0;
}

/* Enter pass `pass` (1 check, 2 apply); the apply pass starts afresh after a check pass. */
static enum dfota_status begin_pass(struct dfota_pkg *pkg, int pass)
{
    if (pkg->stage == PKG_FAILED)
        return pkg->detail->status;
    if (pkg->pass == pass)
        return DFOTA_OK;
    if (pass == 1 && pkg->pass == 2)
        return fail(pkg, DFOTA_E_INVALID_ARGUMENT,
                    "the check pass must come before the apply pass");
    if (pass == 2 && pkg->pass == 1 && !pkg->checked)
        return fail(pkg, DFOTA_E_INVALID_ARGUMENT,
                    "the apply pass started before the check pass finished "
                    "(dfota_pkg_check_finish())");
    pkg->pass = pass;
    pkg->stage = PKG_PREAMBLE;
    pkg->gathered = 0;
    pkg->header_valid = 0;
    pkg->ap = NULL;
    pkg->payload_done = 0;
    pkg->frame_head_len = 0;
    pkg->full_started = 0;
    return DFOTA_OK;
}

/* The source area against the header: size, SHA-256 and MD5, before any erase. */
static DFOTA_NOINLINE enum dfota_status check_source(struct dfota_pkg *pkg)
{
    const struct dfota_package_header *h = &pkg->hdr;
    uint8_t sha[32], md5[16];
#if DFOTA_DEVICE_MESSAGES
    char want[65], got[65];
#endif
    enum dfota_status st;

    if (pkg->config.source_size != 0 && pkg->config.source_size != h->source.size)
        return fail(pkg, DFOTA_E_SOURCE_MISMATCH,
                    "source image is %lu bytes, the package was made for a %lu-byte image",
                    (unsigned long)pkg->config.source_size, (unsigned long)h->source.size);
    st = dfota_apply_hash_area(pkg->ap, pkg->io.read_source, h->source.size, &pkg->pay_sha,
                               &pkg->pay_md5, sha, md5);
    if (st != DFOTA_OK)
        return failed_in(pkg, dfota_apply_error(pkg->ap), st);
    if (memcmp(sha, h->source.sha256, 32) != 0) {
#if DFOTA_DEVICE_MESSAGES
        dfota_hex(h->source.sha256, 32, want);
        dfota_hex(sha, 32, got);
#endif
        return fail(pkg, DFOTA_E_SOURCE_MISMATCH,
                    "source image SHA-256 mismatch: the package was made for %s, the device "
                    "holds %s",
                    want, got);
    }
    if (memcmp(md5, h->source.md5, 16) != 0) {
#if DFOTA_DEVICE_MESSAGES
        dfota_hex(h->source.md5, 16, want);
        dfota_hex(md5, 16, got);
#endif
        return fail(pkg, DFOTA_E_SOURCE_MISMATCH,
                    "source image MD5 mismatch: the package states %s, the device holds %s "
                    "(its SHA-256 matched: the header's MD5 is wrong)",
                    want, got);
    }
    return DFOTA_OK;
}

/* The header is complete in base: check it, lay out the applier, check the source. */
/* What the applier holds the payload to: the new image's MD5 (with its
 * SHA-256) always; a patch's images and workspace, for a delta (whose source
 * the front end checks). Out of start_payload()'s frame, which the source
 * check runs under. */
static DFOTA_NOINLINE void hold_to_header(struct dfota_pkg *pkg)
{
    const struct dfota_package_header *h = &pkg->hdr;
    struct dfota_apply_expect expect;

    memset(&expect, 0, sizeof(expect));
    memcpy(expect.target_md5, h->target.md5, 16);
    expect.check_target_md5 = 1;
    if (h->package_type == DFOTA_PACKAGE_DELTA) {
        expect.source_size = h->source.size;
        expect.target_size = h->target.size;
        memcpy(expect.source_sha256, h->source.sha256, 32);
        memcpy(expect.target_sha256, h->target.sha256, 32);
        expect.workspace = h->workspace_size - PKG_ALIGN - DFOTA_PKG_STATE_SIZE;
        expect.source_checked = 1;
    }
    dfota_apply_set_expect(pkg->ap, &expect);
}

static DFOTA_NOINLINE enum dfota_status start_payload(struct dfota_pkg *pkg)
{
    const struct dfota_package_header *h = &pkg->hdr;
    int in_place = pkg->config.layout == DFOTA_APPLY_IN_PLACE;
    enum dfota_status st;

    st = dfota_container_parse(pkg->base, pkg->header_size, &pkg->hdr, &pkg->error);
    if (st != DFOTA_OK)
        return failed_in(pkg, &pkg->error, st);
    st = pkg->hash->init(pkg->io.ctx, &pkg->pay_sha, DFOTA_HASH_SHA256);
    if (st == DFOTA_OK)
        st = pkg->hash->update(pkg->io.ctx, &pkg->pay_sha, pkg->base, pkg->header_size);
    if (st == DFOTA_OK)
        st = pkg->hash->final(pkg->io.ctx, &pkg->pay_sha, pkg->header_id);
    if (st != DFOTA_OK)
        return fail_hash(pkg, st);
    pkg->header_valid = 1;
    if (pkg->workspace_size < h->workspace_size)
        return fail(pkg, DFOTA_E_WORKSPACE,
                    "the package needs %lu bytes of workspace, %lu given",
                    (unsigned long)h->workspace_size, (unsigned long)pkg->workspace_size);
    if (pkg->pass == 2 && in_place && !pkg->checked)
        return fail(pkg, DFOTA_E_INVALID_ARGUMENT,
                    "in place the package must pass dfota_pkg_check_push()/check_finish() "
                    "before it is applied: the old image is overwritten as it goes");
    if (pkg->pass == 2 && pkg->checked && memcmp(pkg->header_id, pkg->checked_id, 32) != 0)
        return fail(pkg, DFOTA_E_INVALID_ARGUMENT,
                    "this is not the package the check pass checked");
    /* The header is decoded: its memory becomes the applier's. */
    st = dfota_apply_init(&pkg->ap, pkg->base, pkg->base_size, &pkg->config, &pkg->io,
                          &pkg->error);
    if (st != DFOTA_OK)
        return failed_in(pkg, &pkg->error, st);
    if (pkg->resuming && pkg->pass == 2) {
        st = dfota_apply_resume(pkg->ap, &pkg->rec);
        if (st != DFOTA_OK)
            return failed_in(pkg, dfota_apply_error(pkg->ap), st);
    }
    /* In place, a resumed update has overwritten part of the source, which
     * passed before the first write; the apply pass after a check pass does
     * not read it a second time. */
    if (h->package_type == DFOTA_PACKAGE_DELTA && !(pkg->resuming && in_place) &&
        !(pkg->pass == 2 && pkg->checked)) {
        st = check_source(pkg);
        if (st != DFOTA_OK)
            return st;
    }
    hold_to_header(pkg);
    st = pkg->hash->init(pkg->io.ctx, &pkg->pay_sha, DFOTA_HASH_SHA256);
    if (st == DFOTA_OK)
        st = pkg->hash->init(pkg->io.ctx, &pkg->pay_md5, DFOTA_HASH_MD5);
    if (st != DFOTA_OK)
        return fail_hash(pkg, st);
    pkg->stage = h->payload.size == 0 ? PKG_DONE : PKG_PAYLOAD;
    return DFOTA_OK;
}

#if DFOTA_CODEC_ZSTD
/* Full image: the frame header tells the window; then the decoder starts. */
static DFOTA_NOINLINE enum dfota_status start_full(struct dfota_pkg *pkg, const uint8_t **p, size_t *n)
{
    const struct dfota_package_header *h = &pkg->hdr;
    ZSTD_frameHeader fh;
    size_t take = DFOTA_FRAME_HEAD_MAX - pkg->frame_head_len, rc;
    size_t stated;
    enum dfota_status st;

    if (take > *n)
        take = *n;
    if (take > h->payload.size - pkg->frame_head_len)
        take = h->payload.size - pkg->frame_head_len;
    memcpy(pkg->frame_head + pkg->frame_head_len, *p, take);
    pkg->frame_head_len += (uint32_t)take;
    *p += take;
    *n -= take;
    rc = ZSTD_getFrameHeader(&fh, pkg->frame_head, pkg->frame_head_len);
    if (!ZSTD_isError(rc) && rc > 0 && pkg->frame_head_len < h->payload.size &&
        pkg->frame_head_len < DFOTA_FRAME_HEAD_MAX)
        return DFOTA_OK; /* more header bytes to come */
    if (ZSTD_isError(rc) || rc > 0 || fh.frameType != ZSTD_frame)
        return fail(pkg, DFOTA_E_PAYLOAD_CORRUPT,
                    "full image: the payload does not start with a zstd frame header");
    stated = dfota_pkg_workspace_size_full(fh.windowSize);
    if (stated == 0 || stated != h->workspace_size)
        return fail(pkg, DFOTA_E_MALFORMED,
                    "the package header states %lu bytes of workspace, its zstd frame's window "
                    "needs %lu",
                    (unsigned long)h->workspace_size, (unsigned long)stated);
    st = dfota_apply_begin_full(pkg->ap, fh.windowSize, h->payload.size, h->target.size,
                                h->target.sha256, pkg->header_id);
    if (st != DFOTA_OK)
        return failed_in(pkg, dfota_apply_error(pkg->ap), st);
    pkg->full_started = 1; /* payload() pushes the gathered bytes, outside this frame */
    return DFOTA_OK;
}
#else
/* Built without zstd: a full image cannot be decoded. */
static DFOTA_NOINLINE enum dfota_status start_full(struct dfota_pkg *pkg, const uint8_t **p, size_t *n)
{
    (void)p;
    (void)n;
    return fail(pkg, DFOTA_E_UNSUPPORTED_FEATURE,
                "full image: this applier is built without zstd (DFOTA_CODEC_ZSTD=0)");
}
#endif

/* Payload bytes at `p`: hash them, and in the apply pass decode them. */
static enum dfota_status payload(struct dfota_pkg *pkg, const uint8_t *p, size_t n)
{
    enum dfota_status st;

    st = pkg->hash->update(pkg->io.ctx, &pkg->pay_sha, p, n);
    if (st == DFOTA_OK)
        st = pkg->hash->update(pkg->io.ctx, &pkg->pay_md5, p, n);
    if (st != DFOTA_OK)
        return fail_hash(pkg, st);
    pkg->payload_done += (uint32_t)n;
    if (pkg->payload_done == pkg->hdr.payload.size)
        pkg->stage = PKG_DONE;
    if (pkg->pass != 2)
        return DFOTA_OK;
    if (pkg->hdr.package_type == DFOTA_PACKAGE_FULL && !pkg->full_started) {
        st = start_full(pkg, &p, &n);
        if (st != DFOTA_OK || !pkg->full_started)
            return st;
        st = dfota_apply_push(pkg->ap, pkg->frame_head, pkg->frame_head_len);
        if (st != DFOTA_OK)
            return failed_in(pkg, dfota_apply_error(pkg->ap), st);
    }
    st = dfota_apply_push(pkg->ap, p, n);
    if (st != DFOTA_OK)
        return failed_in(pkg, dfota_apply_error(pkg->ap), st);
    return DFOTA_OK;
}

static enum dfota_status feed(struct dfota_pkg *pkg, const uint8_t *data, size_t size)
{
    enum dfota_status st = DFOTA_OK;
    size_t take;

    while (size > 0 && st == DFOTA_OK) {
        switch (pkg->stage) {
        case PKG_PREAMBLE:
        case PKG_HEADER:
            take = (pkg->stage == PKG_PREAMBLE ? DFOTA_CONTAINER_PREAMBLE_SIZE : pkg->header_size) -
                   pkg->gathered;
            if (take > size)
                take = size;
            memcpy(pkg->base + pkg->gathered, data, take);
            pkg->gathered += (uint32_t)take;
            data += take;
            size -= take;
            if (pkg->stage == PKG_PREAMBLE && pkg->gathered == DFOTA_CONTAINER_PREAMBLE_SIZE) {
                st = dfota_container_peek(pkg->base, pkg->gathered, &pkg->header_size,
                                          &pkg->error);
                if (st != DFOTA_OK)
                    return failed_in(pkg, &pkg->error, st);
                pkg->stage = PKG_HEADER;
            }
            if (pkg->stage == PKG_HEADER && pkg->gathered == pkg->header_size)
                st = start_payload(pkg);
            break;
        case PKG_PAYLOAD:
            take = pkg->hdr.payload.size - pkg->payload_done;
            if (take > size)
                take = size;
            st = payload(pkg, data, take);
            data += take;
            size -= take;
            break;
        case PKG_DONE:
            return fail(pkg, DFOTA_E_TRAILING_DATA,
                        "%lu byte(s) after the %lu-byte payload the header states",
                        (unsigned long)size, (unsigned long)pkg->hdr.payload.size);
        default:
            return pkg->detail->status;
        }
    }
    return st;
}

/* End of a pass: the payload complete, and its digests those of the header. */
static DFOTA_NOINLINE enum dfota_status end_payload(struct dfota_pkg *pkg)
{
    const struct dfota_package_header *h = &pkg->hdr;
    uint8_t sha[32], md5[16];
    enum dfota_status st;

    if (pkg->stage == PKG_FAILED)
        return pkg->detail->status;
    if (pkg->stage != PKG_DONE) {
        if (pkg->stage != PKG_PAYLOAD)
            return fail(pkg, DFOTA_E_TRUNCATED,
                        "the package ended after %lu bytes, inside its header",
                        (unsigned long)pkg->gathered);
        return fail(pkg, DFOTA_E_TRUNCATED,
                    "the package ended after %lu of its %lu payload bytes",
                    (unsigned long)pkg->payload_done, (unsigned long)h->payload.size);
    }
    st = pkg->hash->final(pkg->io.ctx, &pkg->pay_sha, sha);
    if (st == DFOTA_OK)
        st = pkg->hash->final(pkg->io.ctx, &pkg->pay_md5, md5);
    if (st != DFOTA_OK)
        return fail_hash(pkg, st);
    if (memcmp(md5, h->payload.md5, 16) != 0)
        return fail(pkg, DFOTA_E_PAYLOAD_DIGEST,
                    "payload MD5 does not match the header: the package is corrupt");
    if (memcmp(sha, h->payload.sha256, 32) != 0)
        return fail(pkg, DFOTA_E_PAYLOAD_DIGEST,
                    "payload SHA-256 does not match the header: the package is corrupt");
    return DFOTA_OK;
}

enum dfota_status dfota_pkg_check_push(struct dfota_pkg *pkg, const uint8_t *data, size_t size)
{
    enum dfota_status st = begin_pass(pkg, 1);

    if (st != DFOTA_OK)
        return st;
    if (pkg->checked)
        return fail(pkg, DFOTA_E_INVALID_ARGUMENT, "the check pass is already complete");
    return feed(pkg, data, size);
}

enum dfota_status dfota_pkg_check_finish(struct dfota_pkg *pkg)
{
    enum dfota_status st = begin_pass(pkg, 1);

    if (st != DFOTA_OK)
        return st;
    if (pkg->checked)
        return DFOTA_OK;
    st = end_payload(pkg);
    if (st != DFOTA_OK)
        return st;
    pkg->checked = 1;
    memcpy(pkg->checked_id, pkg->header_id, 32);
    return DFOTA_OK;
}

enum dfota_status dfota_pkg_push(struct dfota_pkg *pkg, const uint8_t *data, size_t size)
{
    enum dfota_status st = begin_pass(pkg, 2);

    if (st != DFOTA_OK)
        return st;
    if (pkg->finished)
        return fail(pkg, DFOTA_E_INVALID_ARGUMENT, "package data pushed after finish");
    return feed(pkg, data, size);
}

enum dfota_status dfota_pkg_finish(struct dfota_pkg *pkg)
{
    enum dfota_status st = begin_pass(pkg, 2);

    if (st != DFOTA_OK)
        return st;
    if (pkg->finished)
        return DFOTA_OK;
    st = end_payload(pkg);
    if (st != DFOTA_OK)
        return st;
    if (pkg->hdr.package_type == DFOTA_PACKAGE_FULL && !pkg->full_started)
        return fail(pkg, DFOTA_E_PAYLOAD_CORRUPT, "full image: the payload is empty");
    st = dfota_apply_finish(pkg->ap);
    if (st != DFOTA_OK)
        return failed_in(pkg, dfota_apply_error(pkg->ap), st);
    pkg->finished = 1;
    return DFOTA_OK;
}
