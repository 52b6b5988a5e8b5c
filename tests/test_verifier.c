/*
 * test_verifier.c - dfota_verify(): every check passes on good packages,
 * raw patches, zips and signed zips, and each kind of bad input fails at
 * its own check with its own status; a signed payload dfota did not make is
 * checked with signature_only. Also dfota_trial_apply() and the key
 * fingerprint the reports name keys by.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "test_helpers.h"

#include "dfota/diffgen.h"
#include "dfota/keys.h"
#include "dfota/packer.h"
#include "dfota/patch.h"
#include "dfota/signer.h"
#include "dfota/verifier.h"
#include "dfota/zip.h"

#define IMAGE_SIZE (64u * 1024u)

struct fixture {
    uint8_t *old, *new_, *patch, *package, *zip, *signed_zip;
    size_t patch_size, package_size, zip_size, signed_size;
    struct dfota_signing_key *key;
    char key_dir[64], public_pem[96], other_pem[96];
};

static void write_file(const char *path, const char *text, size_t size)
{
    FILE *f = fopen(path, "wb");

    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, size, f), size);
    assert_int_equal(fclose(f), 0);
}

static void make_key_of(enum dfota_key_algorithm alg, const char *pem_path,
                        struct dfota_signing_key **signing)
{
    struct dfota_passphrase pass;
    struct dfota_key_pair pair;
    struct dfota_error err;
    char private_path[128];

    assert_int_equal(dfota_passphrase_set(&pass, "Demo-1234", 9, &err), DFOTA_OK);
    assert_int_equal(dfota_keygen(alg, &pass, &pair, &err), DFOTA_OK);
    write_file(pem_path, pair.public_pem, pair.public_pem_size);
    if (signing != NULL) {
        (void)snprintf(private_path, sizeof(private_path), "%s.private", pem_path);
        write_file(private_path, pair.private_pem, pair.private_pem_size);
        assert_int_equal(dfota_signing_key_load(private_path, &pass, signing, &err), DFOTA_OK);
        unlink(private_path);
    }
    dfota_key_pair_release(&pair);
}

static void make_key(const char *pem_path, struct dfota_signing_key **signing)
{
    make_key_of(DFOTA_KEY_RSA, pem_path, signing);
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    struct dfota_diff_options diff;
    struct dfota_delta_options delta;
    struct dfota_error err;

    assert_non_null(f);
    f->old = malloc(IMAGE_SIZE);
    f->new_ = malloc(IMAGE_SIZE + 100);
    assert_non_null(f->old);
    assert_non_null(f->new_);
    test_fill_image(f->old, IMAGE_SIZE, 7);
    memcpy(f->new_, f->old, 1000);
    memset(f->new_ + 1000, 0x5A, 100);                      /* an insertion */
    memcpy(f->new_ + 1100, f->old + 1000, IMAGE_SIZE - 1000);
    dfota_diff_options_init(&diff);
    assert_int_equal(dfota_diff(f->old, IMAGE_SIZE, f->new_, IMAGE_SIZE + 100, &diff, &f->patch,
                                &f->patch_size, &err),
                     DFOTA_OK);
    delta.source_version = "BC25R01A03";
    delta.target_version = "BC25R01A04";
    delta.created = 0;
    assert_int_equal(dfota_pack_delta(f->old, IMAGE_SIZE, f->new_, IMAGE_SIZE + 100, f->patch,
                                      f->patch_size, &delta, &f->package, &f->package_size,
                                      &err),
                     DFOTA_OK);
    assert_int_equal(dfota_zip_create("P.bin", f->package, f->package_size, 315532800, &f->zip,
                                      &f->zip_size, &err),
                     DFOTA_OK);
    (void)snprintf(f->key_dir, sizeof(f->key_dir), "/tmp/dfota-verifier-XXXXXX");
    assert_non_null(mkdtemp(f->key_dir));
    (void)snprintf(f->public_pem, sizeof(f->public_pem), "%s/public.pem", f->key_dir);
    (void)snprintf(f->other_pem, sizeof(f->other_pem), "%s/other.pem", f->key_dir);
    make_key(f->public_pem, &f->key);
    make_key(f->other_pem, NULL);
    assert_int_equal(dfota_zip_sign(f->zip, f->zip_size, f->key, &f->signed_zip,
                                    &f->signed_size, &err),
                     DFOTA_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    unlink(f->public_pem);
    unlink(f->other_pem);
    rmdir(f->key_dir);
    dfota_signing_key_free(f->key);
    free(f->old);
    free(f->new_);
    free(f->patch);
    free(f->package);
    free(f->zip);
    free(f->signed_zip);
    free(f);
    return 0;
}

static void options(struct dfota_verify_options *o, const struct fixture *f, int with_images)
{
    dfota_verify_options_init(o);
    if (with_images) {
        o->old_image = f->old;
        o->old_size = IMAGE_SIZE;
        o->new_image = f->new_;
        o->new_size = IMAGE_SIZE + 100;
    }
}

static void expect_failure(const uint8_t *file, size_t size, const struct dfota_verify_options *o,
                           enum dfota_check_id check, enum dfota_status status);

static void assert_all_passed_from(const struct dfota_verify_report *r, enum dfota_check_id from)
{
    unsigned i;

    for (i = from; i < DFOTA_CHECK_COUNT; i++)
        assert_int_equal(r->checks[i].result, DFOTA_CHECK_PASSED);
}

static void package_with_images_passes_every_check(void **state)
{
    struct fixture *f = *state;
    struct dfota_verify_options o;
    struct dfota_verify_report r;

    options(&o, f, 1);
    assert_int_equal(dfota_verify(f->package, f->package_size, &o, &r), DFOTA_OK);
    assert_int_equal(r.kind, DFOTA_FILE_PACKAGE);
    assert_int_equal(r.checks[DFOTA_CHECK_SIGNATURE].result, DFOTA_CHECK_SKIPPED);
    assert_int_equal(r.checks[DFOTA_CHECK_ZIP].result, DFOTA_CHECK_SKIPPED);
    assert_all_passed_from(&r, DFOTA_CHECK_CONTAINER);
    assert_true(r.header_valid);
    assert_string_equal(r.header.target_version, "BC25R01A04");
}

static void signed_zip_with_key_passes_every_check(void **state)
{
    struct fixture *f = *state;
    struct dfota_verify_options o;
    struct dfota_verify_report r;

    options(&o, f, 1);
    o.public_key = f->public_pem;
    assert_int_equal(dfota_verify(f->signed_zip, f->signed_size, &o, &r), DFOTA_OK);
    assert_int_equal(r.kind, DFOTA_FILE_SIGNED_ZIP);
    assert_string_equal(r.entry_name, "P.bin");
    assert_all_passed_from(&r, DFOTA_CHECK_SIGNATURE);
    assert_non_null(strstr(r.checks[DFOTA_CHECK_SIGNATURE].detail, "RSA2048+SHA256"));
}

static void a_loaded_key_object_works_like_a_path(void **state)
{
    struct fixture *f = *state;
    struct dfota_verify_options o;
    struct dfota_verify_report r;
    struct dfota_public_key *good, *other;
    struct dfota_error err;

    assert_int_equal(dfota_public_key_load(f->public_pem, &good, &err), DFOTA_OK);
    assert_int_equal(dfota_public_key_load(f->other_pem, &other, &err), DFOTA_OK);
    options(&o, f, 0);
    o.key = good;
    o.key_name = "the release key";
    assert_int_equal(dfota_verify(f->signed_zip, f->signed_size, &o, &r), DFOTA_OK);
    assert_int_equal(r.checks[DFOTA_CHECK_SIGNATURE].result, DFOTA_CHECK_PASSED);
    assert_non_null(strstr(r.checks[DFOTA_CHECK_SIGNATURE].detail, "the release key"));
    o.key = other;
    expect_failure(f->signed_zip, f->signed_size, &o, DFOTA_CHECK_SIGNATURE,
                   DFOTA_E_BAD_SIGNATURE);
    expect_failure(f->zip, f->zip_size, &o, DFOTA_CHECK_SIGNATURE, DFOTA_E_NOT_SIGNED);
    dfota_public_key_free(good);
    dfota_public_key_free(other);
}

static void without_images_the_apply_is_skipped(void **state)
{
    struct fixture *f = *state;
    struct dfota_verify_options o;
    struct dfota_verify_report r;

    options(&o, f, 0);
    assert_int_equal(dfota_verify(f->zip, f->zip_size, &o, &r), DFOTA_OK);
    assert_int_equal(r.kind, DFOTA_FILE_ZIP);
    assert_int_equal(r.checks[DFOTA_CHECK_ZIP].result, DFOTA_CHECK_PASSED);
    assert_int_equal(r.checks[DFOTA_CHECK_CONTAINER].result, DFOTA_CHECK_PASSED);
    assert_int_equal(r.checks[DFOTA_CHECK_SOURCE].result, DFOTA_CHECK_SKIPPED);
    assert_int_equal(r.checks[DFOTA_CHECK_APPLY].result, DFOTA_CHECK_SKIPPED);
    /* A signed zip without a key: everything but the signature is checked. */
    assert_int_equal(dfota_verify(f->signed_zip, f->signed_size, &o, &r), DFOTA_OK);
    assert_int_equal(r.checks[DFOTA_CHECK_SIGNATURE].result, DFOTA_CHECK_SKIPPED);
    assert_int_equal(r.checks[DFOTA_CHECK_ZIP].result, DFOTA_CHECK_PASSED);
}

static void expect_failure(const uint8_t *file, size_t size, const struct dfota_verify_options *o,
                           enum dfota_check_id check, enum dfota_status status)
{
    struct dfota_verify_report r;
    unsigned i;

    assert_int_equal(dfota_verify(file, size, o, &r), status);
    assert_int_equal(r.first_failure, status);
    assert_int_equal(r.first_failed_check, check);
    assert_int_equal(r.checks[check].result, DFOTA_CHECK_FAILED);
    assert_int_equal(r.checks[check].status, status);
    assert_true(r.checks[check].detail[0] != '\0');
    /* Nothing after the failure ran (a signed zip's layout is checked before its signature). */
    for (i = check + 1; i < DFOTA_CHECK_COUNT; i++)
        if (!(check == DFOTA_CHECK_SIGNATURE && i == DFOTA_CHECK_ZIP))
            assert_int_not_equal(r.checks[i].result, DFOTA_CHECK_PASSED);
}

static void wrong_old_image_fails_the_source_check(void **state)
{
    struct fixture *f = *state;
    struct dfota_verify_options o;

    options(&o, f, 1);
    o.old_image = f->new_;
    expect_failure(f->package, f->package_size, &o, DFOTA_CHECK_SOURCE, DFOTA_E_SOURCE_MISMATCH);
    o.old_image = f->old;
    o.old_size = IMAGE_SIZE - 1;
    expect_failure(f->package, f->package_size, &o, DFOTA_CHECK_SOURCE, DFOTA_E_SOURCE_MISMATCH);
}

static void other_new_image_fails_the_new_check(void **state)
{
    struct fixture *f = *state;
    struct dfota_verify_options o;
    uint8_t *other = malloc(IMAGE_SIZE + 100);

    assert_non_null(other);
    memcpy(other, f->new_, IMAGE_SIZE + 100);
    other[5000] ^= 1;
    options(&o, f, 1);
    o.new_image = other;
    expect_failure(f->package, f->package_size, &o, DFOTA_CHECK_NEW, DFOTA_E_TARGET_MISMATCH);
    /* Without the old image the new one is compared with the stated digests. */
    o.old_image = NULL;
    expect_failure(f->package, f->package_size, &o, DFOTA_CHECK_NEW, DFOTA_E_TARGET_MISMATCH);
    free(other);
}

static void tampered_files_fail_their_check(void **state)
{
    struct fixture *f = *state;
    struct dfota_verify_options o;
    uint8_t *copy = malloc(f->signed_size);

    assert_non_null(copy);
    options(&o, f, 1);
    memcpy(copy, f->package, f->package_size);
    copy[f->package_size - 10] ^= 0x40;
    expect_failure(copy, f->package_size, &o, DFOTA_CHECK_CONTAINER, DFOTA_E_PAYLOAD_DIGEST);
    expect_failure(f->package, f->package_size - 1, &o, DFOTA_CHECK_CONTAINER,
                   DFOTA_E_TRUNCATED);
    expect_failure((const uint8_t *)"neither a package nor a zip", 27, &o,
                   DFOTA_CHECK_CONTAINER, DFOTA_E_BAD_MAGIC);
    /* A changed byte in the signed payload: the signature no longer verifies. */
    o.public_key = f->public_pem;
    memcpy(copy, f->signed_zip, f->signed_size);
    copy[60] ^= 0x01;
    {
        struct dfota_verify_report r;

        assert_int_not_equal(dfota_verify(copy, f->signed_size, &o, &r), DFOTA_OK);
        assert_true(r.first_failed_check == DFOTA_CHECK_SIGNATURE ||
                    r.first_failed_check == DFOTA_CHECK_ZIP);
    }
    free(copy);
}

static void key_and_signature_mismatches_fail_the_signature_check(void **state)
{
    struct fixture *f = *state;
    struct dfota_verify_options o;

    options(&o, f, 0);
    o.public_key = f->other_pem;
    expect_failure(f->signed_zip, f->signed_size, &o, DFOTA_CHECK_SIGNATURE,
                   DFOTA_E_BAD_SIGNATURE);
    o.public_key = f->public_pem;
    expect_failure(f->zip, f->zip_size, &o, DFOTA_CHECK_SIGNATURE, DFOTA_E_NOT_SIGNED);
    expect_failure(f->package, f->package_size, &o, DFOTA_CHECK_SIGNATURE, DFOTA_E_NOT_SIGNED);
    o.public_key = "/nonexistent/public.pem";
    expect_failure(f->signed_zip, f->signed_size, &o, DFOTA_CHECK_SIGNATURE, DFOTA_E_IO);
    {
        struct dfota_verify_report r;

        /* The key is named, but not by its path: details go into reports. */
        (void)dfota_verify(f->signed_zip, f->signed_size, &o, &r);
        assert_non_null(strstr(r.checks[DFOTA_CHECK_SIGNATURE].detail, "'public.pem'"));
        assert_null(strstr(r.checks[DFOTA_CHECK_SIGNATURE].detail, "/nonexistent"));
    }
}

static void full_package_decodes_without_old_image(void **state)
{
    struct fixture *f = *state;
    struct dfota_full_options full;
    struct dfota_verify_options o;
    struct dfota_verify_report r;
    struct dfota_error err;
    uint8_t *package;
    size_t size;

    dfota_full_options_init(&full);
    full.target_version = "BC25R01A04";
    assert_int_equal(dfota_pack_full(f->new_, IMAGE_SIZE + 100, &full, &package, &size, &err),
                     DFOTA_OK);
    options(&o, f, 1);
    assert_int_equal(dfota_verify(package, size, &o, &r), DFOTA_OK);
    assert_int_equal(r.checks[DFOTA_CHECK_SOURCE].result, DFOTA_CHECK_SKIPPED);
    assert_int_equal(r.checks[DFOTA_CHECK_APPLY].result, DFOTA_CHECK_PASSED);
    assert_int_equal(r.checks[DFOTA_CHECK_NEW].result, DFOTA_CHECK_PASSED);
    free(package);
}

static void trial_apply_refuses_a_huge_target_before_allocating(void **state)
{
    struct fixture *f = *state;
    struct dfota_package_header pkg;
    struct dfota_patch_header hdr;
    struct dfota_error err;
    const uint8_t *payload;
    uint8_t *patch, *image = (uint8_t *)f;
    size_t image_size = 1;

    assert_int_equal(dfota_package_open(f->package, f->package_size, &pkg, &payload, &err),
                     DFOTA_OK);
    patch = malloc(pkg.payload.size);
    assert_non_null(patch);
    memcpy(patch, payload, pkg.payload.size);
    assert_int_equal(dfota_patch_header_decode(patch, pkg.payload.size, &hdr, &err), DFOTA_OK);
    hdr.target_size = 0xF0000000u;
    hdr.segment_count = dfota_patch_segment_count(hdr.target_size, hdr.segment_size);
    dfota_patch_header_encode(&hdr, patch);
    assert_int_equal(dfota_trial_apply(patch, pkg.payload.size, f->old, IMAGE_SIZE, NULL, &image,
                                       &image_size, &err),
                     DFOTA_E_TOO_LARGE);
    assert_null(image);
    assert_int_equal(image_size, 0);
    free(patch);
}

/* A package with the header of `package` and `payload` (`size` bytes) as its payload:
 * payload size and digests restated, workspace_size `workspace`. */
static uint8_t *repack(const uint8_t *package, size_t package_size, const uint8_t *payload,
                       size_t size, uint32_t workspace, size_t *out_size)
{
    struct dfota_package_header hdr;
    struct dfota_error err;
    uint8_t header[DFOTA_CONTAINER_HEADER_MAX], *out;
    size_t header_size;

    assert_int_equal(dfota_container_parse(package, package_size, &hdr, &err), DFOTA_OK);
    assert_int_equal(dfota_image_info_compute(payload, size, &hdr.payload, &err), DFOTA_OK);
    hdr.workspace_size = workspace;
    assert_int_equal(dfota_container_encode(&hdr, header, sizeof(header), &header_size, &err),
                     DFOTA_OK);
    out = malloc(header_size + size);
    assert_non_null(out);
    memcpy(out, header, header_size);
    memcpy(out + header_size, payload, size);
    *out_size = header_size + size;
    return out;
}

/* What a device decoder would trip over after the frame the host decodes. */
static void full_package_with_a_frame_after_its_frame_fails_the_container_check(void **state)
{
    static const uint8_t skippable[12] = {0x50, 0x2A, 0x4D, 0x18, 4, 0, 0, 0, 'e', 'x', 't', 'r'};
    /* An empty frame with a 1 GiB window (descriptor exponent 20), one empty raw block. */
    static const uint8_t huge_window[9] = {0x28, 0xB5, 0x2F, 0xFD, 0x00, 20 << 3, 0x01, 0, 0};
    static const uint8_t *const extra[2] = {skippable, huge_window};
    static const size_t extra_size[2] = {sizeof(skippable), sizeof(huge_window)};
    struct fixture *f = *state;
    struct dfota_package_header hdr;
    struct dfota_full_options full;
    struct dfota_verify_options o;
    struct dfota_verify_report r;
    struct dfota_error err;
    uint8_t *package, *payload, *crafted;
    size_t size, crafted_size, k;

    dfota_full_options_init(&full);
    full.target_version = "BC25R01A04";
    assert_int_equal(dfota_pack_full(f->new_, IMAGE_SIZE + 100, &full, &package, &size, &err),
                     DFOTA_OK);
    assert_int_equal(dfota_container_parse(package, size, &hdr, &err), DFOTA_OK);
    options(&o, f, 1);
    for (k = 0; k < 2; k++) {
        payload = malloc(hdr.payload.size + extra_size[k]);
        assert_non_null(payload);
        memcpy(payload, package + hdr.header_size, hdr.payload.size);
        memcpy(payload + hdr.payload.size, extra[k], extra_size[k]);
        crafted = repack(package, size, payload, hdr.payload.size + extra_size[k],
                         hdr.workspace_size, &crafted_size);
        expect_failure(crafted, crafted_size, &o, DFOTA_CHECK_CONTAINER,
                       DFOTA_E_PAYLOAD_CORRUPT);
        assert_int_equal(dfota_verify(crafted, crafted_size, &o, &r), DFOTA_E_PAYLOAD_CORRUPT);
        assert_non_null(strstr(r.checks[DFOTA_CHECK_CONTAINER].detail, "exactly one frame"));
        free(crafted);
        free(payload);
    }
    free(package);
}

/* A patch claiming other than the rule's workspace (and a container agreeing with it). */
static void patch_workspace_claim_off_the_rule_fails_the_container_check(void **state)
{
    struct fixture *f = *state;
    struct dfota_package_header hdr;
    struct dfota_verify_options o;
    struct dfota_verify_report r;
    struct dfota_error err;
    uint32_t rule, claims[3];
    uint8_t *patch, *crafted;
    size_t crafted_size, k;

    assert_int_equal(dfota_container_parse(f->package, f->package_size, &hdr, &err), DFOTA_OK);
    rule = hdr.workspace_size;
    claims[0] = 16;
    claims[1] = UINT32_MAX;
    claims[2] = rule + 64;
    options(&o, f, 1);
    for (k = 0; k < 3; k++) {
        patch = malloc(hdr.payload.size);
        assert_non_null(patch);
        memcpy(patch, f->package + hdr.header_size, hdr.payload.size);
        dfota_put_le32(patch + 28, claims[k]);
        dfota_put_le32(patch + 108, dfota_crc32(0, patch, 108));
        crafted = repack(f->package, f->package_size, patch, hdr.payload.size, claims[k],
                         &crafted_size);
        expect_failure(crafted, crafted_size, &o, DFOTA_CHECK_CONTAINER, DFOTA_E_CORRUPT_PATCH);
        assert_int_equal(dfota_verify(crafted, crafted_size, &o, &r), DFOTA_E_CORRUPT_PATCH);
        assert_non_null(strstr(r.checks[DFOTA_CHECK_CONTAINER].detail, "applier workspace"));
        free(crafted);
        free(patch);
    }
}

/* X_signed.zip of `size` bytes of `content` named X.bin, signed with `key`. */
static uint8_t *sign_content(const uint8_t *content, size_t size,
                             const struct dfota_signing_key *key, size_t *signed_size)
{
    struct dfota_error err;
    uint8_t *zip, *signed_zip;
    size_t zip_size;

    assert_int_equal(dfota_zip_create("X.bin", content, size, 315532800, &zip, &zip_size, &err),
                     DFOTA_OK);
    assert_int_equal(dfota_zip_sign(zip, zip_size, key, &signed_zip, signed_size, &err),
                     DFOTA_OK);
    free(zip);
    return signed_zip;
}

static void raw_patch_is_checked_and_trial_applied(void **state)
{
    struct fixture *f = *state;
    struct dfota_verify_options o;
    struct dfota_verify_report r;
    uint8_t *copy;

    options(&o, f, 1);
    assert_int_equal(dfota_verify(f->patch, f->patch_size, &o, &r), DFOTA_OK);
    assert_int_equal(r.kind, DFOTA_FILE_PATCH);
    assert_string_equal(dfota_file_kind_name(r.kind), "patch");
    assert_int_equal(r.checks[DFOTA_CHECK_SIGNATURE].result, DFOTA_CHECK_SKIPPED);
    assert_int_equal(r.checks[DFOTA_CHECK_ZIP].result, DFOTA_CHECK_SKIPPED);
    assert_int_equal(r.checks[DFOTA_CHECK_CONTAINER].result, DFOTA_CHECK_SKIPPED);
    assert_all_passed_from(&r, DFOTA_CHECK_PAYLOAD);
    assert_false(r.header_valid);
    assert_true(r.patch_valid);
    assert_int_equal(r.patch.target_size, IMAGE_SIZE + 100);
    assert_true(r.payload_checked);
    assert_false(r.payload_foreign);
    /* Without images: the layout only. */
    options(&o, f, 0);
    assert_int_equal(dfota_verify(f->patch, f->patch_size, &o, &r), DFOTA_OK);
    assert_int_equal(r.checks[DFOTA_CHECK_PAYLOAD].result, DFOTA_CHECK_PASSED);
    assert_int_equal(r.checks[DFOTA_CHECK_APPLY].result, DFOTA_CHECK_SKIPPED);
    /* The wrong old image, another new image, a truncated patch. */
    options(&o, f, 1);
    o.old_image = f->new_;
    o.old_size = IMAGE_SIZE;
    expect_failure(f->patch, f->patch_size, &o, DFOTA_CHECK_SOURCE, DFOTA_E_SOURCE_MISMATCH);
    options(&o, f, 0);
    o.new_image = f->old;
    o.new_size = IMAGE_SIZE;
    expect_failure(f->patch, f->patch_size, &o, DFOTA_CHECK_NEW, DFOTA_E_TARGET_MISMATCH);
    options(&o, f, 1);
    expect_failure(f->patch, f->patch_size - 1, &o, DFOTA_CHECK_PAYLOAD, DFOTA_E_TRUNCATED);
    /* A bit flipped in a segment passes the layout check but not the trial apply. */
    copy = malloc(f->patch_size);
    assert_non_null(copy);
    memcpy(copy, f->patch, f->patch_size);
    copy[f->patch_size - 3] ^= 0x10;
    assert_int_not_equal(dfota_verify(copy, f->patch_size, &o, &r), DFOTA_OK);
    assert_true(r.first_failed_check == DFOTA_CHECK_APPLY ||
                r.first_failed_check == DFOTA_CHECK_PAYLOAD);
    free(copy);
    /* A key for a raw patch: it carries no signature. */
    o.public_key = f->public_pem;
    expect_failure(f->patch, f->patch_size, &o, DFOTA_CHECK_SIGNATURE, DFOTA_E_NOT_SIGNED);
}

static void a_zipped_raw_patch_is_a_patch_inside_a_zip(void **state)
{
    struct fixture *f = *state;
    struct dfota_verify_options o;
    struct dfota_verify_report r;
    uint8_t *signed_zip;
    size_t signed_size;

    signed_zip = sign_content(f->patch, f->patch_size, f->key, &signed_size);
    options(&o, f, 1);
    o.public_key = f->public_pem;
    assert_int_equal(dfota_verify(signed_zip, signed_size, &o, &r), DFOTA_OK);
    assert_int_equal(r.kind, DFOTA_FILE_SIGNED_ZIP);
    assert_true(r.patch_valid);
    assert_int_equal(r.checks[DFOTA_CHECK_CONTAINER].result, DFOTA_CHECK_SKIPPED);
    assert_all_passed_from(&r, DFOTA_CHECK_PAYLOAD);
    free(signed_zip);
}

static void a_foreign_payload_is_named_and_checked_with_signature_only(void **state)
{
    struct fixture *f = *state;
    struct dfota_verify_options o;
    struct dfota_verify_report r;
    uint8_t foreign[3000], *signed_zip, *payload;
    size_t signed_size, payload_size, i;

    for (i = 0; i < sizeof(foreign); i++)
        foreign[i] = (uint8_t)(i * 7 + 3);
    signed_zip = sign_content(foreign, sizeof(foreign), f->key, &signed_size);
    /* Every check: the payload is not a dfota package, a distinct flag. */
    options(&o, f, 0);
    o.public_key = f->public_pem;
    expect_failure(signed_zip, signed_size, &o, DFOTA_CHECK_CONTAINER, DFOTA_E_BAD_MAGIC);
    assert_int_equal(dfota_verify(signed_zip, signed_size, &o, &r), DFOTA_E_BAD_MAGIC);
    assert_true(r.payload_foreign);
    assert_true(r.payload_checked);
    assert_int_equal(r.checks[DFOTA_CHECK_SIGNATURE].result, DFOTA_CHECK_PASSED);
    assert_non_null(strstr(r.checks[DFOTA_CHECK_CONTAINER].detail, "03 0a 11 18"));
    /* Signature only: passes, and says the payload was not checked. */
    o.signature_only = 1;
    assert_int_equal(dfota_verify_payload(signed_zip, signed_size, &o, &r, &payload,
                                          &payload_size),
                     DFOTA_OK);
    assert_int_equal(r.checks[DFOTA_CHECK_SIGNATURE].result, DFOTA_CHECK_PASSED);
    assert_int_equal(r.checks[DFOTA_CHECK_ZIP].result, DFOTA_CHECK_PASSED);
    for (i = DFOTA_CHECK_CONTAINER; i < DFOTA_CHECK_COUNT; i++)
        assert_int_equal(r.checks[i].result, DFOTA_CHECK_SKIPPED);
    assert_false(r.payload_checked);
    assert_false(r.payload_foreign);
    assert_true(r.signed_file);
    assert_string_equal(r.signature_scheme, "RSA2048+SHA256");
    assert_true(r.key_digest_valid);
    assert_int_equal(payload_size, sizeof(foreign));
    assert_memory_equal(payload, foreign, sizeof(foreign));
    free(payload);
    /* ... and still refuses the wrong key. */
    o.public_key = f->other_pem;
    assert_int_equal(dfota_verify_payload(signed_zip, signed_size, &o, &r, &payload,
                                          &payload_size),
                     DFOTA_E_BAD_SIGNATURE);
    assert_null(payload);
    assert_int_equal(payload_size, 0);
    free(signed_zip);
    /* A bare foreign file; a file too short to tell stays a truncated package. */
    options(&o, f, 0);
    assert_int_equal(dfota_verify(foreign, sizeof(foreign), &o, &r), DFOTA_E_BAD_MAGIC);
    assert_true(r.payload_foreign);
    assert_int_equal(dfota_verify(f->package, 5, &o, &r), DFOTA_E_TRUNCATED);
    assert_false(r.payload_foreign);
}

static void require_signature_refuses_what_is_not_checked(void **state)
{
    struct fixture *f = *state;
    struct dfota_verify_options o;
    struct dfota_verify_report r;

    options(&o, f, 0);
    o.require_signature = 1;
    expect_failure(f->signed_zip, f->signed_size, &o, DFOTA_CHECK_SIGNATURE, DFOTA_E_NOT_SIGNED);
    assert_int_equal(dfota_verify(f->signed_zip, f->signed_size, &o, &r), DFOTA_E_NOT_SIGNED);
    assert_true(r.signed_file);
    assert_string_equal(r.signature_scheme, "RSA2048+SHA256"); /* read from the signature */
    assert_false(r.key_digest_valid);
    expect_failure(f->zip, f->zip_size, &o, DFOTA_CHECK_SIGNATURE, DFOTA_E_NOT_SIGNED);
    expect_failure(f->package, f->package_size, &o, DFOTA_CHECK_SIGNATURE, DFOTA_E_NOT_SIGNED);
    expect_failure(f->patch, f->patch_size, &o, DFOTA_CHECK_SIGNATURE, DFOTA_E_NOT_SIGNED);
    /* With the key it passes. */
    o.public_key = f->public_pem;
    assert_int_equal(dfota_verify(f->signed_zip, f->signed_size, &o, &r), DFOTA_OK);
    /* Without require_signature the unchecked signature is a skip, not a failure. */
    options(&o, f, 0);
    assert_int_equal(dfota_verify(f->signed_zip, f->signed_size, &o, &r), DFOTA_OK);
    assert_int_equal(r.checks[DFOTA_CHECK_SIGNATURE].result, DFOTA_CHECK_SKIPPED);
    assert_true(r.payload_checked);
}

static void the_scheme_is_read_from_an_ecdsa_signature(void **state)
{
    struct fixture *f = *state;
    struct dfota_signing_key *ec = NULL;
    struct dfota_verify_options o;
    struct dfota_verify_report r;
    char pem[128];
    uint8_t *signed_zip;
    size_t signed_size;

    (void)snprintf(pem, sizeof(pem), "%s/ec.pem", f->key_dir);
    make_key_of(DFOTA_KEY_ECDSA_SECP256K1, pem, &ec);
    signed_zip = sign_content(f->package, f->package_size, ec, &signed_size);
    options(&o, f, 0);
    assert_int_equal(dfota_verify(signed_zip, signed_size, &o, &r), DFOTA_OK);
    assert_string_equal(r.signature_scheme, "ECDSA_256K1+SHA256");
    assert_true(r.signature_size <= 72);
    o.public_key = pem;
    assert_int_equal(dfota_verify(signed_zip, signed_size, &o, &r), DFOTA_OK);
    assert_string_equal(r.signature_scheme, "ECDSA_256K1+SHA256");
    assert_true(r.key_digest_valid);
    free(signed_zip);
    dfota_signing_key_free(ec);
    unlink(pem);
}

/* The fingerprint is the SHA-256 of the DER that public.pem's base64 holds. */
static void the_key_fingerprint_is_the_sha256_of_its_der(void **state)
{
    struct fixture *f = *state;
    struct dfota_public_key *key;
    struct dfota_verify_options o;
    struct dfota_verify_report r;
    struct dfota_image_info digest;
    struct dfota_error err;
    char pem[2048], base64[2048];
    uint8_t der[1536], fingerprint[32];
    const char *p;
    size_t n, k = 0;
    int der_size;
    FILE *file = fopen(f->public_pem, "rb");

    assert_non_null(file);
    n = fread(pem, 1, sizeof(pem) - 1, file);
    fclose(file);
    pem[n] = '\0';
    p = strstr(pem, "-----\n");
    assert_non_null(p);
    for (p += 6; *p != '\0' && *p != '-'; p++)
        if (*p != '\n')
            base64[k++] = *p;
    base64[k] = '\0';
    der_size = EVP_DecodeBlock(der, (const unsigned char *)base64, (int)k);
    assert_true(der_size > 0);
    while (k > 0 && base64[--k] == '=')
        der_size--; /* EVP_DecodeBlock counts the padding */
    assert_int_equal(dfota_image_info_compute(der, (size_t)der_size, &digest, &err), DFOTA_OK);
    assert_int_equal(dfota_public_key_load(f->public_pem, &key, &err), DFOTA_OK);
    assert_int_equal(dfota_public_key_fingerprint(key, fingerprint, &err), DFOTA_OK);
    assert_memory_equal(fingerprint, digest.sha256, 32);
    dfota_public_key_free(key);
    /* The report names the key by it, and no check's detail holds the key's path. */
    options(&o, f, 1);
    o.public_key = f->public_pem;
    assert_int_equal(dfota_verify(f->signed_zip, f->signed_size, &o, &r), DFOTA_OK);
    assert_true(r.key_digest_valid);
    assert_memory_equal(r.key_sha256, digest.sha256, 32);
    for (n = 0; n < DFOTA_CHECK_COUNT; n++)
        assert_null(strstr(r.checks[n].detail, f->key_dir));
}

static void check_names_are_stable(void **state)
{
    (void)state;
    assert_string_equal(dfota_check_name(DFOTA_CHECK_SIGNATURE), "signature");
    assert_string_equal(dfota_check_name(DFOTA_CHECK_NEW), "new");
    assert_string_equal(dfota_check_name(DFOTA_CHECK_COUNT), "unknown");
    assert_string_equal(dfota_file_kind_name(DFOTA_FILE_SIGNED_ZIP), "signed zip");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(package_with_images_passes_every_check),
        cmocka_unit_test(signed_zip_with_key_passes_every_check),
        cmocka_unit_test(a_loaded_key_object_works_like_a_path),
        cmocka_unit_test(without_images_the_apply_is_skipped),
        cmocka_unit_test(wrong_old_image_fails_the_source_check),
        cmocka_unit_test(other_new_image_fails_the_new_check),
        cmocka_unit_test(tampered_files_fail_their_check),
        cmocka_unit_test(key_and_signature_mismatches_fail_the_signature_check),
        cmocka_unit_test(full_package_decodes_without_old_image),
        cmocka_unit_test(trial_apply_refuses_a_huge_target_before_allocating),
        cmocka_unit_test(full_package_with_a_frame_after_its_frame_fails_the_container_check),
        cmocka_unit_test(patch_workspace_claim_off_the_rule_fails_the_container_check),
        cmocka_unit_test(raw_patch_is_checked_and_trial_applied),
        cmocka_unit_test(a_zipped_raw_patch_is_a_patch_inside_a_zip),
        cmocka_unit_test(a_foreign_payload_is_named_and_checked_with_signature_only),
        cmocka_unit_test(require_signature_refuses_what_is_not_checked),
        cmocka_unit_test(the_scheme_is_read_from_an_ecdsa_signature),
        cmocka_unit_test(the_key_fingerprint_is_the_sha256_of_its_der),
        cmocka_unit_test(check_names_are_stable),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
