/*
 * verifier.c - every check that can be made on a package, a zip or a
 * signed zip, and the trial apply that proves a delta rebuilds its target.
 */
#include "dfota/verifier.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ZSTD_STATIC_LINKING_ONLY /* ZSTD_getFrameHeader() */
#include <zstd.h>

#include "dfota/devsim.h"
#include "dfota/pkgapply.h"
#include "dfota/keys.h"
#include "dfota/packer.h"
#include "dfota/patch.h"
#include "dfota/signer.h"
#include "dfota/wire.h"
#include "dfota/zip.h"

static const char *const check_names[DFOTA_CHECK_COUNT] = {
    "signature", "zip", "container", "payload", "source", "apply", "target", "new",
};

const char *dfota_check_name(enum dfota_check_id id)
{
    return (unsigned)id < DFOTA_CHECK_COUNT ? check_names[id] : "unknown";
}

const char *dfota_file_kind_name(enum dfota_file_kind kind)
{
    switch (kind) {
    case DFOTA_FILE_PACKAGE:
        return "package";
    case DFOTA_FILE_ZIP:
        return "zip";
    case DFOTA_FILE_SIGNED_ZIP:
        return "signed zip";
    case DFOTA_FILE_PATCH:
        return "patch";
    }
    return "unknown";
}

void dfota_verify_options_init(struct dfota_verify_options *opts)
{
    memset(opts, 0, sizeof(*opts));
}

/* ---- trial apply ---- */

enum dfota_status dfota_trial_apply(const uint8_t *patch, size_t patch_size, const uint8_t *old,
                                    size_t old_size, const struct dfota_trial_options *opts,
                                    uint8_t **image, size_t *image_size,
                                    struct dfota_error *err)
{
    struct dfota_patch_header hdr;
    struct dfota_devsim sim;
    struct dfota_devsim_run_options run;
    struct dfota_devsim_outcome outcome;
    uint32_t erase = opts && opts->erase_size ? opts->erase_size : 4096;
    uint32_t align = opts && opts->write_align ? opts->write_align : 4;
    enum dfota_status st;

    *image = NULL;
    *image_size = 0;
    st = dfota_patch_header_decode(patch, patch_size, &hdr, err);
    if (st != DFOTA_OK)
        return st;
    /* The simulated flash holds the whole target: bound it before allocating. */
    if (hdr.target_size > DFOTA_HOST_SIZE_MAX || old_size > DFOTA_HOST_SIZE_MAX)
        return dfota_error_set(err, DFOTA_E_TOO_LARGE,
                               "the patch builds a %lu-byte target from a %zu-byte image, over "
                               "the %u-byte limit",
                               (unsigned long)hdr.target_size, old_size, DFOTA_HOST_SIZE_MAX);
    /* A device whose layout fits the patch: two banks, or one area and scratch. */
    st = dfota_devsim_create(&sim, &hdr, old, old_size, erase, align, UINT32_MAX, err);
    if (st != DFOTA_OK)
        return st;
    memset(&run, 0, sizeof(run));
    if (opts != NULL) {
        run.chunk_size = opts->chunk_size;
        run.progress_steps = opts->progress_steps;
        run.progress = opts->progress;
        run.progress_ctx = opts->progress_ctx;
    }
    st = dfota_devsim_run(&sim, patch, patch_size, &run, &outcome, err);
    if (st == DFOTA_OK) {
        *image = malloc(hdr.target_size ? hdr.target_size : 1);
        if (*image == NULL)
            st = dfota_error_set(err, DFOTA_E_NO_MEMORY, "cannot allocate the target image");
        else
            memcpy(*image, dfota_devsim_target(&sim), hdr.target_size);
        *image_size = *image != NULL ? hdr.target_size : 0;
    }
    dfota_devsim_free(&sim);
    return st;
}

/* ---- trial apply of a whole package, through the device's front end ---- */

struct pkg_sim {
    struct dfota_flashsim area, target, scratch; /* area: the old image (in place: the one area) */
    void (*progress)(void *ctx, unsigned percent);
    void *progress_ctx;
};

static void sim_progress(void *c, unsigned percent)
{
    struct pkg_sim *sim = c;

    sim->progress(sim->progress_ctx, percent);
}

static enum dfota_status sim_read(struct dfota_flashsim *f, uint32_t off, uint8_t *dst,
                                  size_t len)
{
    return dfota_flashsim_read(f, off, dst, len, NULL);
}

static enum dfota_status read_area(void *c, uint32_t o, uint8_t *d, size_t n)
{
    return sim_read(&((struct pkg_sim *)c)->area, o, d, n);
}
static enum dfota_status erase_area(void *c, uint32_t o, uint32_t n)
{
    return dfota_flashsim_erase(&((struct pkg_sim *)c)->area, o, n, NULL);
}
static enum dfota_status write_area(void *c, uint32_t o, const uint8_t *s, size_t n)
{
    return dfota_flashsim_write(&((struct pkg_sim *)c)->area, o, s, n, NULL);
}
static enum dfota_status read_bank(void *c, uint32_t o, uint8_t *d, size_t n)
{
    return sim_read(&((struct pkg_sim *)c)->target, o, d, n);
}
static enum dfota_status erase_bank(void *c, uint32_t o, uint32_t n)
{
    return dfota_flashsim_erase(&((struct pkg_sim *)c)->target, o, n, NULL);
}
static enum dfota_status write_bank(void *c, uint32_t o, const uint8_t *s, size_t n)
{
    return dfota_flashsim_write(&((struct pkg_sim *)c)->target, o, s, n, NULL);
}
static enum dfota_status read_scratch(void *c, uint32_t o, uint8_t *d, size_t n)
{
    return sim_read(&((struct pkg_sim *)c)->scratch, o, d, n);
}
static enum dfota_status erase_scratch(void *c, uint32_t o, uint32_t n)
{
    return dfota_flashsim_erase(&((struct pkg_sim *)c)->scratch, o, n, NULL);
}
static enum dfota_status write_scratch(void *c, uint32_t o, const uint8_t *s, size_t n)
{
    return dfota_flashsim_write(&((struct pkg_sim *)c)->scratch, o, s, n, NULL);
}

static uint32_t round_up32(uint64_t v, uint32_t a)
{
    return (uint32_t)((v + a - 1) / a * a);
}

/* Push `size` bytes in pieces of `chunk` (0: all at once). */
static enum dfota_status push_pieces(struct dfota_pkg *pkg,
                                     enum dfota_status (*push)(struct dfota_pkg *,
                                                               const uint8_t *, size_t),
                                     const uint8_t *data, size_t size, size_t chunk)
{
    enum dfota_status st = DFOTA_OK;
    size_t pos, take;

    if (chunk == 0)
        chunk = size;
    for (pos = 0; pos < size && st == DFOTA_OK; pos += take) {
        take = size - pos < chunk ? size - pos : chunk;
        st = push(pkg, data + pos, take);
    }
    return st;
}

enum dfota_status dfota_trial_apply_package(const uint8_t *package, size_t package_size,
                                            const uint8_t *old, size_t old_size,
                                            const struct dfota_trial_options *opts,
                                            uint8_t **image, size_t *image_size,
                                            struct dfota_error *err)
{
    struct dfota_package_header hdr;
    struct dfota_patch_header ph;
    struct dfota_apply_config config;
    struct dfota_apply_io io;
    struct dfota_pkg *pkg = NULL;
    struct pkg_sim sim;
    ZSTD_frameHeader fh;
    const uint8_t *payload;
    uint32_t erase = opts && opts->erase_size ? opts->erase_size : 4096;
    uint32_t align = opts && opts->write_align ? opts->write_align : 4;
    size_t chunk = opts ? opts->chunk_size : 0, need;
    int in_place = 0;
    uint8_t *workspace = NULL;
    enum dfota_status st;

    *image = NULL;
    *image_size = 0;
    memset(&sim, 0, sizeof(sim));
    st = dfota_container_parse(package, package_size, &hdr, err);
    if (st != DFOTA_OK)
        return st;
    if (hdr.target.size > DFOTA_HOST_SIZE_MAX || old_size > DFOTA_HOST_SIZE_MAX)
        return dfota_error_set(err, DFOTA_E_TOO_LARGE,
                               "the package builds a %lu-byte image from a %zu-byte one, over "
                               "the %u-byte limit",
                               (unsigned long)hdr.target.size, old_size, DFOTA_HOST_SIZE_MAX);
    payload = package + hdr.header_size;
    if ((uint64_t)hdr.header_size + hdr.payload.size > package_size)
        return dfota_error_set(err, DFOTA_E_TRUNCATED, "the package ends inside its payload");
    /* What this build of the front end needs (more than the reference figure on a host). */
    if (hdr.package_type == DFOTA_PACKAGE_DELTA) {
        st = dfota_patch_header_decode(payload, hdr.payload.size, &ph, err);
        if (st != DFOTA_OK)
            return st;
        in_place = (ph.flags & DFOTA_PATCH_FLAG_IN_PLACE) != 0;
        need = dfota_pkg_workspace_need_delta(ph.codec, ph.window_log, ph.map_count, ph.region_count);
    } else {
        if (ZSTD_getFrameHeader(&fh, payload, hdr.payload.size) != 0)
            return dfota_error_set(err, DFOTA_E_PAYLOAD_CORRUPT,
                                   "full image: the payload does not start with a zstd frame "
                                   "header");
        need = dfota_pkg_workspace_need_full(fh.windowSize);
    }
    if (need == 0)
        return dfota_error_set(err, DFOTA_E_MALFORMED, "the payload's window is out of range");
    /* The device: the old image in its area; a second bank, or (in place) scratch. */
    st = dfota_flashsim_create(&sim.area,
                               round_up32(old_size > hdr.target.size ? old_size
                                                                     : hdr.target.size,
                                          erase) + erase,
                               erase, align, err);
    if (st == DFOTA_OK)
        st = dfota_flashsim_load(&sim.area, 0, old, old_size, err);
    if (st == DFOTA_OK && !in_place)
        st = dfota_flashsim_create(&sim.target, round_up32(hdr.target.size, erase) + erase,
                                   erase, align, err);
    if (st == DFOTA_OK && in_place)
        st = dfota_flashsim_create(&sim.scratch, round_up32(ph.segment_size, erase), erase,
                                   align, err);
    workspace = st == DFOTA_OK ? malloc(need) : NULL;
    if (st == DFOTA_OK && workspace == NULL)
        st = dfota_error_set(err, DFOTA_E_NO_MEMORY, "cannot allocate the workspace");
    if (st != DFOTA_OK)
        goto out;
    memset(&config, 0, sizeof(config));
    config.erase_size = erase;
    config.write_align = align;
    config.source_size = hdr.package_type == DFOTA_PACKAGE_DELTA ? (uint32_t)old_size : 0;
    config.progress_steps = opts ? opts->progress_steps : 0;
    config.layout = in_place ? DFOTA_APPLY_IN_PLACE : DFOTA_APPLY_TWO_BANK;
    config.scratch_size = in_place ? sim.scratch.size : 0;
    memset(&io, 0, sizeof(io));
    io.ctx = &sim;
    io.read_source = read_area;
    if (in_place) {
        io.erase_target = erase_area;
        io.write_target = write_area;
        io.erase_scratch = erase_scratch;
        io.write_scratch = write_scratch;
        io.read_scratch = read_scratch;
    } else {
        io.erase_target = erase_bank;
        io.write_target = write_bank;
        io.read_target = read_bank;
    }
    config.target_capacity = in_place ? sim.area.size : sim.target.size;
    if (opts != NULL && opts->progress != NULL) {
        sim.progress = opts->progress;
        sim.progress_ctx = opts->progress_ctx;
        io.progress = sim_progress;
    }
    st = dfota_pkg_init(&pkg, workspace, need, &config, &io, err);
    /* In place the stored package is checked first, then applied (dfota/pkgapply.h). */
    if (st == DFOTA_OK && in_place) {
        st = push_pieces(pkg, dfota_pkg_check_push, package, package_size, chunk);
        if (st == DFOTA_OK)
            st = dfota_pkg_check_finish(pkg);
    }
    if (st == DFOTA_OK)
        st = push_pieces(pkg, dfota_pkg_push, package, package_size, chunk);
    if (st == DFOTA_OK)
        st = dfota_pkg_finish(pkg);
    if (st != DFOTA_OK && pkg != NULL && err != NULL)
        *err = *dfota_pkg_error(pkg);
    if (st == DFOTA_OK) {
        *image = malloc(hdr.target.size ? hdr.target.size : 1);
        if (*image == NULL) {
            st = dfota_error_set(err, DFOTA_E_NO_MEMORY, "cannot allocate the new image");
        } else {
            memcpy(*image, in_place ? sim.area.mem : sim.target.mem, hdr.target.size);
            *image_size = hdr.target.size;
        }
    }
out:
    free(workspace);
    dfota_flashsim_free(&sim.area);
    if (!in_place)
        dfota_flashsim_free(&sim.target);
    else
        dfota_flashsim_free(&sim.scratch);
    return st;
}

/* ---- verification ---- */

struct run {
    struct dfota_verify_report *report;
    int stopped; /* a check failed: the rest are skipped */
};

static void pass(struct run *r, enum dfota_check_id id, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void skip(struct run *r, enum dfota_check_id id, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_check(struct run *r, enum dfota_check_id id, enum dfota_check_result result,
                      enum dfota_status status, const char *fmt, va_list ap)
    __attribute__((format(printf, 5, 0)));

static void set_check(struct run *r, enum dfota_check_id id, enum dfota_check_result result,
                      enum dfota_status status, const char *fmt, va_list ap)
{
    struct dfota_check *c = &r->report->checks[id];

    c->result = result;
    c->status = status;
    (void)vsnprintf(c->detail, sizeof(c->detail), fmt, ap);
}

static void pass(struct run *r, enum dfota_check_id id, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    set_check(r, id, DFOTA_CHECK_PASSED, DFOTA_OK, fmt, ap);
    va_end(ap);
}

static void skip(struct run *r, enum dfota_check_id id, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    set_check(r, id, DFOTA_CHECK_SKIPPED, DFOTA_OK, fmt, ap);
    va_end(ap);
}

static enum dfota_status fail(struct run *r, enum dfota_check_id id,
                              const struct dfota_error *err)
{
    struct dfota_check *c = &r->report->checks[id];

    c->result = DFOTA_CHECK_FAILED;
    c->status = err->status != DFOTA_OK ? err->status : DFOTA_E_INTERNAL;
    (void)snprintf(c->detail, sizeof(c->detail), "%s",
                   err->message[0] ? err->message : dfota_status_str(c->status));
    if (!r->stopped) {
        r->report->first_failure = c->status;
        r->report->first_failed_check = id;
    }
    r->stopped = 1;
    return c->status;
}

/*
 * Size, MD5 (unless `want_md5` is NULL: a raw patch states none) and
 * SHA-256 of `data` against what `source` ("package", "patch") states;
 * a mismatch gives `status`.
 */
static enum dfota_status compare_digests(const char *what, const uint8_t *data, size_t size,
                                         const char *source, uint32_t want_size,
                                         const uint8_t *want_md5, const uint8_t *want_sha256,
                                         enum dfota_status status, struct dfota_error *err)
{
    struct dfota_image_info got;
    char a[65], b[65];
    enum dfota_status st = dfota_image_info_compute(data, size, &got, err);

    if (st != DFOTA_OK)
        return st;
    if (got.size != want_size)
        return dfota_error_set(err, status, "%s is %lu bytes, the %s states %lu", what,
                               (unsigned long)got.size, source, (unsigned long)want_size);
    if (want_md5 != NULL && memcmp(got.md5, want_md5, DFOTA_MD5_SIZE) != 0) {
        dfota_hex(want_md5, DFOTA_MD5_SIZE, a);
        dfota_hex(got.md5, DFOTA_MD5_SIZE, b);
        return dfota_error_set(err, status, "%s MD5 mismatch: the %s states %s, got %s", what,
                               source, a, b);
    }
    if (memcmp(got.sha256, want_sha256, DFOTA_SHA256_SIZE) != 0) {
        dfota_hex(want_sha256, DFOTA_SHA256_SIZE, a);
        dfota_hex(got.sha256, DFOTA_SHA256_SIZE, b);
        return dfota_error_set(err, status, "%s SHA-256 mismatch: the %s states %s, got %s",
                               what, source, a, b);
    }
    return DFOTA_OK;
}

/* An image against what a package header states. */
static enum dfota_status compare_image(const char *what, const uint8_t *data, size_t size,
                                       const struct dfota_image_info *want,
                                       enum dfota_status status, struct dfota_error *err)
{
    return compare_digests(what, data, size, "package", want->size, want->md5, want->sha256,
                           status, err);
}

/* An image against what a raw patch's header states. */
static enum dfota_status compare_patch_image(const char *what, const uint8_t *data, size_t size,
                                             uint32_t want_size, const uint8_t want_sha256[32],
                                             enum dfota_status status, struct dfota_error *err)
{
    return compare_digests(what, data, size, "patch", want_size, NULL, want_sha256, status, err);
}

static int starts_with(const uint8_t *file, size_t size, const char *magic, size_t n)
{
    return size >= n && memcmp(file, magic, n) == 0;
}

/* Do the first bytes of `data` (all of them when fewer) agree with `magic`? */
static int may_start_with(const uint8_t *data, size_t size, const char *magic, size_t n)
{
    return memcmp(data, magic, size < n ? size : n) == 0;
}

/*
 * The scheme of a signature read from its bytes alone, for a signed zip
 * checked without a key: an RSA signature is as long as the modulus, an
 * ECDSA one a DER SEQUENCE of at most 72 bytes (secp256k1, the only curve).
 */
static void signature_scheme(const uint8_t *sig, size_t size, char out[32])
{
    char text[DFOTA_KEY_DESCRIPTION_MAX];

    if (size >= 8 && size <= 72 && sig[0] == 0x30 && sig[1] == size - 2)
        dfota_key_describe(DFOTA_KEY_ECDSA_SECP256K1, 256, text);
    else if (size >= DFOTA_RSA_BITS_MIN / 8 && size <= DFOTA_RSA_BITS_MAX / 8 && size % 8 == 0)
        dfota_key_describe(DFOTA_KEY_RSA, (unsigned)size * 8u, text);
    else
        (void)snprintf(text, sizeof(text), "unknown");
    (void)snprintf(out, 32, "%s", text);
}

/* What names the key in a check's detail: its caller-given name, or its digest (no path). */
static void key_label(const struct dfota_verify_options *opts,
                      const struct dfota_verify_report *report, char *out, size_t cap)
{
    char hex[65];

    if (opts->key_name != NULL) {
        (void)snprintf(out, cap, "%s", opts->key_name);
    } else if (report->key_digest_valid) {
        dfota_hex(report->key_sha256, sizeof(report->key_sha256), hex);
        (void)snprintf(out, cap, "the public key %.16s", hex);
    } else {
        (void)snprintf(out, cap, "the given public key");
    }
}

/*
 * A message about the key at `path` names it by its last component only:
 * check details go into reports, which hold no path of the machine they
 * were made on.
 */
static void key_path_to_name(struct dfota_error *err, const char *path)
{
    const char *slash = strrchr(path, '/'), *name = slash != NULL ? slash + 1 : path;
    char *at = name != path && name[0] != '\0' ? strstr(err->message, path) : NULL;
    char rest[DFOTA_ERROR_MESSAGE_MAX];

    if (at == NULL)
        return;
    (void)snprintf(rest, sizeof(rest), "%s", at + strlen(path));
    (void)snprintf(at, sizeof(err->message) - (size_t)(at - err->message), "%s%s", name, rest);
}

/* The signature check of a file that carries none. */
static void unsigned_file(struct run *r, const struct dfota_verify_options *opts,
                          const char *what)
{
    struct dfota_error err;

    dfota_error_clear(&err);
    if (opts->public_key != NULL || opts->key != NULL) {
        dfota_error_set(&err, DFOTA_E_NOT_SIGNED, "a public key was given but %s", what);
        fail(r, DFOTA_CHECK_SIGNATURE, &err);
    } else if (opts->require_signature) {
        dfota_error_set(&err, DFOTA_E_NOT_SIGNED, "a signature is required but %s", what);
        fail(r, DFOTA_CHECK_SIGNATURE, &err);
    } else {
        skip(r, DFOTA_CHECK_SIGNATURE, "%s", what);
    }
}

/* The .bin a zip holds, read: its size and SHA-256 (what `unzip` then `sha256sum` give). */
static void entry_digest(struct dfota_verify_report *report, const uint8_t *content,
                         size_t size)
{
    struct dfota_image_info digest;

    report->package_size = size;
    if (dfota_image_info_compute(content, size, &digest, NULL) == DFOTA_OK) {
        memcpy(report->package_sha256, digest.sha256, sizeof(report->package_sha256));
        report->package_digest_valid = 1;
    }
}

/* Signature and zip checks; on success *package points at the .bin inside. */
static void check_zip(struct run *r, const uint8_t *file, size_t size,
                      const struct dfota_verify_options *opts, struct dfota_zip_payload *plain,
                      struct dfota_signed_zip_info *info, const uint8_t **package,
                      size_t *package_size)
{
    struct dfota_verify_report *report = r->report;
    struct dfota_public_key *key = NULL;
    const struct dfota_public_key *checking;
    struct dfota_signed_zip_info keyed;
    struct dfota_error err;
    char label[96];
    enum dfota_status st;

    dfota_error_clear(&err);
    *package = NULL;
    st = dfota_signed_zip_verify(file, size, NULL, info, &err);
    if (st == DFOTA_E_NOT_SIGNED) {
        report->kind = DFOTA_FILE_ZIP;
        dfota_signed_zip_info_release(info);
        unsigned_file(r, opts, "the zip is not signed");
        if (r->stopped)
            return;
        if (dfota_zip_open(file, size, plain, &err) != DFOTA_OK) {
            fail(r, DFOTA_CHECK_ZIP, &err);
            return;
        }
        pass(r, DFOTA_CHECK_ZIP,
             "one entry '%s', %zu bytes (%zu compressed), CRC-32 ok; nothing outside the "
             "entry, central directory and end record",
             plain->name, plain->content_size, plain->compressed_size);
        (void)snprintf(report->entry_name, sizeof(report->entry_name), "%s", plain->name);
        report->entry_dos_time = plain->dos_time;
        report->entry_dos_date = plain->dos_date;
        report->entry_compressed_size = plain->compressed_size;
        report->entry_size = plain->content_size;
        entry_digest(report, plain->content, plain->content_size);
        *package = plain->content;
        *package_size = plain->content_size;
        return;
    }
    report->kind = DFOTA_FILE_SIGNED_ZIP;
    if (st != DFOTA_OK) {
        if (st == DFOTA_E_BAD_SIGNATURE)
            fail(r, DFOTA_CHECK_SIGNATURE, &err);
        else
            fail(r, DFOTA_CHECK_ZIP, &err);
        return;
    }
    report->signed_file = 1;
    report->signature_size = info->signature_size;
    signature_scheme(info->signature, info->signature_size, report->signature_scheme);
    (void)snprintf(report->entry_name, sizeof(report->entry_name), "%s", info->payload.name);
    report->entry_dos_time = info->payload.dos_time;
    report->entry_dos_date = info->payload.dos_date;
    report->entry_size = info->payload.content_size;
    entry_digest(report, info->payload.content, info->payload.content_size);
    report->entry_compressed_size = info->payload.content_size; /* stored */
    pass(r, DFOTA_CHECK_ZIP,
         "signed-zip layout 2: '%s' (%zu bytes, stored) and its %zu-byte signature; every byte "
         "is the one the layout gives for this name, content, time and signature",
         info->payload.name, info->payload.content_size, info->signature_size);
    if (opts->public_key == NULL && opts->key == NULL) {
        if (opts->require_signature) {
            dfota_error_set(&err, DFOTA_E_NOT_SIGNED,
                            "a signature check is required but no public key was given: the "
                            "%s signature was not checked",
                            report->signature_scheme);
            fail(r, DFOTA_CHECK_SIGNATURE, &err);
            return;
        }
        skip(r, DFOTA_CHECK_SIGNATURE, "no public key given: the signature was not checked");
    } else {
        if (opts->public_key != NULL &&
            dfota_public_key_load(opts->public_key, &key, &err) != DFOTA_OK) {
            key_path_to_name(&err, opts->public_key);
            fail(r, DFOTA_CHECK_SIGNATURE, &err);
            return;
        }
        checking = key != NULL ? key : opts->key;
        if (dfota_public_key_fingerprint(checking, report->key_sha256, NULL) == DFOTA_OK)
            report->key_digest_valid = 1;
        st = dfota_signed_zip_verify(file, size, checking, &keyed, &err);
        if (st == DFOTA_OK) {
            dfota_key_describe(keyed.algorithm, keyed.key_bits, report->signature_scheme);
            key_label(opts, report, label, sizeof(label));
            /* Say what the signature covers: the content, not the name or the time. */
            pass(r, DFOTA_CHECK_SIGNATURE,
                 "%s signature of the %zu bytes of '%s' verifies with %s; the entry name "
                 "and time are not authenticated",
                 report->signature_scheme, info->payload.content_size, info->payload.name,
                 label);
        }
        dfota_signed_zip_info_release(&keyed);
        dfota_public_key_free(key);
        if (st != DFOTA_OK) {
            fail(r, DFOTA_CHECK_SIGNATURE, &err);
            return;
        }
    }
    *package = info->payload.content;
    *package_size = info->payload.content_size;
}

/* The bytes of `data` that make it foreign, as "xx xx ...", for a message. */
static void first_bytes(const uint8_t *data, size_t size, char out[32])
{
    size_t i, n = size < 8 ? size : 8, used = 0;

    out[0] = '\0';
    for (i = 0; i < n; i++)
        used += (size_t)snprintf(out + used, 32 - used, "%s%02x", i ? " " : "", data[i]);
}

/* A raw patch: its layout, then (with the old image) a trial apply through apply_ref. */
static void check_raw_patch(struct run *r, const uint8_t *patch, size_t size,
                            const struct dfota_verify_options *opts, uint8_t **image,
                            size_t *image_size)
{
    struct dfota_verify_report *report = r->report;
    struct dfota_patch_header *p = &report->patch;
    struct dfota_trial_options trial;
    struct dfota_error err;

    dfota_error_clear(&err);
    skip(r, DFOTA_CHECK_CONTAINER, "a raw patch has no container: its own header is checked");
    if (dfota_patch_open(patch, size, p, &err) != DFOTA_OK) {
        fail(r, DFOTA_CHECK_PAYLOAD, &err);
        return;
    }
    report->patch_valid = 1;
    pass(r, DFOTA_CHECK_PAYLOAD,
         "raw patch, format %u: %lu segments of %lu bytes, %s log %u, %lu relocation entries, "
         "%u regions, workspace %lu bytes; header, map and segment layout ok",
         (unsigned)p->format_version, (unsigned long)p->segment_count,
         (unsigned long)p->segment_size, dfota_patch_log_name(p->codec),
         (unsigned)p->window_log, (unsigned long)p->map_count, (unsigned)p->region_count,
         (unsigned long)p->workspace_size);

    if (opts->old_image == NULL)
        skip(r, DFOTA_CHECK_SOURCE, "no old image given");
    else if (compare_patch_image("old image", opts->old_image, opts->old_size, p->source_size,
                                 p->source_sha256, DFOTA_E_SOURCE_MISMATCH,
                                 &err) != DFOTA_OK)
        fail(r, DFOTA_CHECK_SOURCE, &err);
    else
        pass(r, DFOTA_CHECK_SOURCE, "old image: %zu bytes and SHA-256 as the patch states",
             opts->old_size);
    if (r->stopped)
        return;

    if (opts->old_image == NULL) {
        skip(r, DFOTA_CHECK_APPLY, "no old image given: no trial apply");
    } else {
        memset(&trial, 0, sizeof(trial));
        trial.erase_size = opts->erase_size;
        trial.write_align = opts->write_align;
        if (dfota_trial_apply(patch, size, opts->old_image, opts->old_size, &trial, image,
                              image_size, &err) != DFOTA_OK) {
            fail(r, DFOTA_CHECK_APPLY, &err);
            return;
        }
        pass(r, DFOTA_CHECK_APPLY,
             "the device's patch applier rebuilt %zu bytes into a simulated NOR flash "
             "(erase %lu, write unit %lu, %s)",
             *image_size, (unsigned long)(opts->erase_size ? opts->erase_size : 4096),
             (unsigned long)(opts->write_align ? opts->write_align : 4),
             (p->flags & DFOTA_PATCH_FLAG_IN_PLACE) ? "in place" : "two banks");
    }

    if (*image == NULL)
        skip(r, DFOTA_CHECK_TARGET, "nothing rebuilt");
    else if (compare_patch_image("rebuilt image", *image, *image_size, p->target_size,
                                 p->target_sha256, DFOTA_E_TARGET_MISMATCH, &err) != DFOTA_OK)
        fail(r, DFOTA_CHECK_TARGET, &err);
    else
        pass(r, DFOTA_CHECK_TARGET, "rebuilt image: size and SHA-256 as the patch states");
}

/* The container and its payload; on success `*hdr` and, for a delta, the patch header. */
static void check_package(struct run *r, const uint8_t *package, size_t package_size)
{
    struct dfota_verify_report *report = r->report;
    struct dfota_package_header *hdr = &report->header;
    struct dfota_patch_header *patch = &report->patch;
    const uint8_t *payload = NULL;
    struct dfota_error err;

    dfota_error_clear(&err);
    if (dfota_package_open(package, package_size, hdr, &payload, &err) != DFOTA_OK) {
        fail(r, DFOTA_CHECK_CONTAINER, &err);
        return;
    }
    report->header_valid = 1;
    pass(r, DFOTA_CHECK_CONTAINER,
         "format %u, %s package %s%s%s, %zu bytes, header CRC-32, size and payload MD5 "
         "and SHA-256 ok",
         hdr->format_version, dfota_package_type_name(hdr->package_type), hdr->source_version,
         hdr->source_version[0] ? " -> " : "", hdr->target_version, package_size);
    if (hdr->package_type != DFOTA_PACKAGE_DELTA) {
        skip(r, DFOTA_CHECK_PAYLOAD, "full image: decoded by the apply check");
        return;
    }
    /* dfota_package_open() checked the layout; say what it is. */
    if (dfota_patch_header_decode(payload, hdr->payload.size, patch, NULL) == DFOTA_OK)
        report->patch_valid = 1;
    pass(r, DFOTA_CHECK_PAYLOAD,
         "patch: %lu segments of %lu bytes, %s log %u, %lu relocation entries, "
         "workspace %lu bytes; agrees with the container",
         (unsigned long)patch->segment_count, (unsigned long)patch->segment_size,
         dfota_patch_log_name(patch->codec), (unsigned)patch->window_log,
         (unsigned long)patch->map_count, (unsigned long)patch->workspace_size);
}

/* Source, trial apply and target checks of a package whose container passed. */
static void apply_package(struct run *r, const uint8_t *package, size_t package_size,
                          const struct dfota_verify_options *opts, uint8_t **image,
                          size_t *image_size)
{
    struct dfota_package_header *hdr = &r->report->header;
    struct dfota_trial_options trial;
    struct dfota_error err;
    enum dfota_status st = DFOTA_OK;

    dfota_error_clear(&err);
    if (hdr->package_type == DFOTA_PACKAGE_DELTA) {
        if (opts->old_image == NULL) {
            skip(r, DFOTA_CHECK_SOURCE, "no old image given");
        } else if (compare_image("old image", opts->old_image, opts->old_size, &hdr->source,
                                 DFOTA_E_SOURCE_MISMATCH, &err) != DFOTA_OK) {
            fail(r, DFOTA_CHECK_SOURCE, &err);
            return;
        } else {
            pass(r, DFOTA_CHECK_SOURCE, "old image is %s: %zu bytes, MD5 and SHA-256 match",
                 hdr->source_version, opts->old_size);
        }
    } else {
        skip(r, DFOTA_CHECK_SOURCE, "a full-image package needs no old image");
    }

    memset(&trial, 0, sizeof(trial));
    trial.erase_size = opts->erase_size;
    trial.write_align = opts->write_align;
    /* The package as a device takes it: through the device-side front end
     * (dfota/pkgapply.h), as downloaded, into a simulated NOR flash. */
    if (hdr->package_type == DFOTA_PACKAGE_FULL || opts->old_image != NULL)
        st = dfota_trial_apply_package(package, package_size, opts->old_image, opts->old_size,
                                       &trial, image, image_size, &err);
    if (st != DFOTA_OK) {
        fail(r, DFOTA_CHECK_APPLY, &err);
        return;
    }
    if (*image == NULL)
        skip(r, DFOTA_CHECK_APPLY, "no old image given: no trial apply");
    else
        pass(r, DFOTA_CHECK_APPLY,
             "the device's package front end rebuilt %zu bytes into a simulated NOR flash "
             "(erase %lu, write unit %lu)",
             *image_size, (unsigned long)(opts->erase_size ? opts->erase_size : 4096),
             (unsigned long)(opts->write_align ? opts->write_align : 4));

    if (*image == NULL)
        skip(r, DFOTA_CHECK_TARGET, "nothing rebuilt");
    else if (compare_image("rebuilt image", *image, *image_size, &hdr->target,
                           DFOTA_E_TARGET_MISMATCH, &err) != DFOTA_OK)
        fail(r, DFOTA_CHECK_TARGET, &err);
    else
        pass(r, DFOTA_CHECK_TARGET, "rebuilt image is %s: size, MD5 and SHA-256 match",
             hdr->target_version);
}

/* The rebuilt image (or, without one, the stated digests) against the given new image. */
static void check_new(struct run *r, const uint8_t *image, size_t image_size,
                      const struct dfota_verify_options *opts)
{
    const struct dfota_verify_report *report = r->report;
    struct dfota_error err;
    enum dfota_status st;
    size_t i;

    dfota_error_clear(&err);
    if (opts->new_image == NULL) {
        skip(r, DFOTA_CHECK_NEW, "no new image given");
        return;
    }
    if (image != NULL) {
        for (i = 0; i < image_size && i < opts->new_size && image[i] == opts->new_image[i]; i++)
            ;
        if (image_size != opts->new_size || i != image_size) {
            dfota_error_set(&err, DFOTA_E_TARGET_MISMATCH,
                            "the rebuilt image (%zu bytes) differs from the new image "
                            "(%zu bytes) at byte %zu",
                            image_size, opts->new_size, i);
            fail(r, DFOTA_CHECK_NEW, &err);
        } else {
            pass(r, DFOTA_CHECK_NEW, "the rebuilt image equals the new image, byte for byte");
        }
        return;
    }
    if (report->header_valid)
        st = compare_image("new image", opts->new_image, opts->new_size, &report->header.target,
                           DFOTA_E_TARGET_MISMATCH, &err);
    else
        st = compare_patch_image("new image", opts->new_image, opts->new_size,
                                 report->patch.target_size, report->patch.target_sha256,
                                 DFOTA_E_TARGET_MISMATCH, &err);
    if (st != DFOTA_OK)
        fail(r, DFOTA_CHECK_NEW, &err);
    else
        pass(r, DFOTA_CHECK_NEW, "the new image has the stated size%s and SHA-256",
             report->header_valid ? ", MD5" : "");
}

static enum dfota_status verify(const uint8_t *file, size_t size,
                                const struct dfota_verify_options *opts,
                                struct dfota_verify_report *report, uint8_t **payload_out,
                                size_t *payload_size_out)
{
    struct dfota_verify_options defaults;
    struct dfota_zip_payload plain;
    struct dfota_signed_zip_info info;
    struct dfota_error err;
    struct run r;
    const uint8_t *package = file;
    size_t package_size = size, image_size = 0, i;
    uint8_t *image = NULL;
    int is_zip = starts_with(file, size, "PK\x03\x04", 4) || starts_with(file, size, "PK\x05\x06", 4);

    memset(report, 0, sizeof(*report));
    memset(&plain, 0, sizeof(plain));
    memset(&info, 0, sizeof(info));
    dfota_error_clear(&err);
    if (opts == NULL) {
        dfota_verify_options_init(&defaults);
        opts = &defaults;
    }
    r.report = report;
    r.stopped = 0;

    if (is_zip) {
        check_zip(&r, file, size, opts, &plain, &info, &package, &package_size);
    } else {
        report->kind = starts_with(file, size, DFOTA_PATCH_MAGIC, DFOTA_PATCH_MAGIC_SIZE)
                           ? DFOTA_FILE_PATCH
                           : DFOTA_FILE_PACKAGE;
        unsigned_file(&r, opts,
                      report->kind == DFOTA_FILE_PATCH
                          ? "the file is a raw patch, not a signed zip"
                          : "the file is a bare package, not a signed zip");
        if (!r.stopped)
            skip(&r, DFOTA_CHECK_ZIP, "not a zip");
    }
    if (r.stopped)
        package = NULL;
    if (package != NULL) {
        if (!is_zip)
            entry_digest(report, package, package_size);
        if (payload_out != NULL) {
            *payload_out = malloc(package_size ? package_size : 1);
            if (*payload_out == NULL) {
                dfota_error_set(&err, DFOTA_E_NO_MEMORY, "cannot allocate %zu bytes",
                                package_size);
                fail(&r, DFOTA_CHECK_CONTAINER, &err);
            } else {
                memcpy(*payload_out, package, package_size);
                *payload_size_out = package_size;
            }
        }
    }

    if (r.stopped) {
        /* The zip or signature check failed: the payload was not reached. */
    } else if (opts->signature_only) {
        for (i = DFOTA_CHECK_CONTAINER; i < DFOTA_CHECK_COUNT; i++)
            skip(&r, (enum dfota_check_id)i, "not checked: signature and zip only");
    } else if (package_size > 0 &&
               !may_start_with(package, package_size, DFOTA_CONTAINER_MAGIC,
                               DFOTA_CONTAINER_MAGIC_SIZE) &&
               !may_start_with(package, package_size, DFOTA_PATCH_MAGIC,
                               DFOTA_PATCH_MAGIC_SIZE)) {
        char start[32];

        first_bytes(package, package_size, start);
        report->payload_foreign = 1;
        report->payload_checked = 1;
        dfota_error_set(&err, DFOTA_E_BAD_MAGIC,
                        "not a dfota package nor a raw patch (%s starts with %s)",
                        is_zip ? "the zip's payload" : "the file", start);
        fail(&r, DFOTA_CHECK_CONTAINER, &err);
    } else if (starts_with(package, package_size, DFOTA_PATCH_MAGIC, DFOTA_PATCH_MAGIC_SIZE)) {
        report->payload_checked = 1;
        check_raw_patch(&r, package, package_size, opts, &image, &image_size);
    } else {
        report->payload_checked = 1;
        check_package(&r, package, package_size);
        if (!r.stopped)
            apply_package(&r, package, package_size, opts, &image, &image_size);
    }
    if (!r.stopped && !opts->signature_only)
        check_new(&r, image, image_size, opts);

    /* Everything after the first failure was not run. */
    for (i = 0; i < DFOTA_CHECK_COUNT; i++)
        if (r.stopped && report->checks[i].result == DFOTA_CHECK_SKIPPED &&
            report->checks[i].detail[0] == '\0')
            (void)snprintf(report->checks[i].detail, sizeof(report->checks[i].detail),
                           "not run after the %s check failed",
                           dfota_check_name(report->first_failed_check));
    free(image);
    dfota_zip_payload_release(&plain);
    dfota_signed_zip_info_release(&info);
    return report->first_failure;
}

enum dfota_status dfota_verify(const uint8_t *file, size_t size,
                               const struct dfota_verify_options *opts,
                               struct dfota_verify_report *report)
{
    return verify(file, size, opts, report, NULL, NULL);
}

enum dfota_status dfota_verify_payload(const uint8_t *file, size_t size,
                                       const struct dfota_verify_options *opts,
                                       struct dfota_verify_report *report, uint8_t **payload,
                                       size_t *payload_size)
{
    *payload = NULL;
    *payload_size = 0;
    return verify(file, size, opts, report, payload, payload_size);
}
