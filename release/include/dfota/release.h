/*
 * dfota/release.h - a release as a library call: one new image and the
 * images in the field in; for each of them a package V1_TO_V2.bin, its zip
 * V1_TO_V2.zip, the signed zip V1_TO_V2_signed.zip and a report
 * V1_TO_V2.report.json out, every file read back and verified (container,
 * trial apply to the bit-exact new image, signature) before any appears;
 * with several old images also one summary report V2.report.json. All of
 * them or none: the files go through one output set (dfota/output.h).
 *
 * The steps are the library calls behind `dfota pack`, `zip`, `sign` and
 * `verify`; `dfota release` is option parsing and printing around
 * dfota_release_plan(), dfota_release_build() and dfota_release_write().
 * A program without signals to worry about calls dfota_release() instead.
 *
 * Host library (zstd, OpenSSL, libarchive through the signer; POSIX
 * threads). Never prints.
 */
#ifndef DFOTA_RELEASE_H
#define DFOTA_RELEASE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dfota/container.h"
#include "dfota/diffgen.h"
#include "dfota/output.h"
#include "dfota/patch.h"
#include "dfota/status.h"
#include "dfota/verifier.h"

#ifdef __cplusplus
extern "C" {
#endif

struct dfota_signing_key;
struct dfota_public_key;

/* Most old images one release takes. */
#define DFOTA_RELEASE_SOURCES_MAX 64

/* An image in the field. */
struct dfota_release_source {
    const char *name;      /* its file name, in messages; the report keeps the base name */
    const uint8_t *image;
    size_t size;
    const char *version;   /* NULL: the one revision string the image holds */
};

struct dfota_release_options {
    const char *new_name;  /* the new image's file name, as for a source */
    const uint8_t *new_image;
    size_t new_size;
    const char *to_version; /* NULL: read from the new image */
    const struct dfota_release_source *sources;
    size_t source_count;   /* 1..DFOTA_RELEASE_SOURCES_MAX */
    const struct dfota_signing_key *key;
    const struct dfota_public_key *verify_key; /* the signatures are checked with it;
                                                * NULL: with the public half of `key` */
    struct dfota_diff_options diff; /* its progress callback runs on the building threads */
    uint64_t created;      /* package creation time (SOURCE_DATE_EPOCH), 0 = unset */
    uint64_t zip_mtime;    /* zip entry time, seconds since 1970, 1980..2099 */
    unsigned jobs;         /* pairs built and files verified at once; 0 = the online CPUs */
    /* Patch made for a pair (called on a building thread, may be NULL). */
    void (*pair_done)(void *ctx, size_t index);
    void *pair_done_ctx;
};

/* Defaults: no images, no key, dfota_diff_options_init(), jobs 0. */
void dfota_release_options_init(struct dfota_release_options *opts);

enum dfota_release_file {
    DFOTA_RELEASE_PACKAGE = 0, /* V1_TO_V2.bin */
    DFOTA_RELEASE_ZIP,         /* V1_TO_V2.zip */
    DFOTA_RELEASE_SIGNED,      /* V1_TO_V2_signed.zip */
    DFOTA_RELEASE_REPORT,      /* V1_TO_V2.report.json */
    DFOTA_RELEASE_FILE_COUNT
};
#define DFOTA_RELEASE_VERIFIED_COUNT 3 /* the package and the two zips */

struct dfota_release_output {
    char name[DFOTA_OUTPUT_NAME_MAX + 1];
    uint8_t *data;         /* malloc'd, released by dfota_release_result_free() */
    size_t size;
    uint8_t sha256[32];    /* of the bytes read back from the disk */
    struct dfota_verify_report report; /* the three verified files */
};

struct dfota_release_pair {
    char old_name[DFOTA_OUTPUT_NAME_MAX + 1]; /* base name of the source's file */
    char from[DFOTA_VERSION_MAX + 1], to[DFOTA_VERSION_MAX + 1];
    bool from_found, to_found; /* read from the image (at the offsets below), not given */
    size_t from_offset, to_offset;
    struct dfota_image_info old_info;
    size_t patch_size;
    struct dfota_patch_header patch;
    struct dfota_package_header header;
    struct dfota_release_output out[DFOTA_RELEASE_FILE_COUNT];
    size_t output_index[DFOTA_RELEASE_FILE_COUNT]; /* in the output set */
};

struct dfota_release_result {
    size_t count;                       /* pairs */
    struct dfota_release_pair *pairs;   /* calloc'd, one per source, in order */
    char scheme[64];                    /* "RSA2048+SHA256" */
    uint8_t key_sha256[32];             /* of the verifying key's SubjectPublicKeyInfo (DER) */
    char to[DFOTA_VERSION_MAX + 1];
    char new_name[DFOTA_OUTPUT_NAME_MAX + 1]; /* base name of the new image's file */
    struct dfota_image_info new_info;
    struct dfota_release_output summary; /* V2.report.json: with several sources only */
    size_t summary_index;
    bool has_summary;
    /* The failed pair's index when a step failed on one pair, else -1. */
    long failed_pair;
    /* dfota_release_plan() found no single version in that pair's old image, or in the
     * new image. */
    bool failed_source, failed_target;
    bool built;    /* new_info and scheme are set */
    bool verified; /* key_sha256 is set */
};

/*
 * The versions and names: every source's version (given, or its image's one
 * revision string: dfota_image_version()), the target's, the file names.
 * Refused (INVALID_ARGUMENT, message naming the file): no or several
 * revision strings, a source with the target's version, two sources with
 * the same version, no source or too many. Fills `result`; free it with
 * dfota_release_result_free() whatever this returns.
 */
enum dfota_status dfota_release_plan(const struct dfota_release_options *opts,
                                     struct dfota_release_result *result,
                                     struct dfota_error *err);

/* Would writing into `dir` with `flags` (dfota/output.h) replace a file it may not? */
enum dfota_status dfota_release_check_outputs(const struct dfota_release_result *result,
                                              const char *dir, unsigned flags,
                                              struct dfota_error *err);

/*
 * Patch, package, zip and signed zip of every pair, in memory, up to
 * opts->jobs pairs at once. The first failure stops the rest; its pair is
 * result->failed_pair and `err` names it.
 */
enum dfota_status dfota_release_build(const struct dfota_release_options *opts,
                                      struct dfota_release_result *result,
                                      struct dfota_error *err);

/*
 * Write the built files into `set` (opened by the caller on the output
 * directory with room for dfota_release_output_count() files), read every
 * one back and verify it against its images (up to opts->jobs at once),
 * then add the reports, the summary last. Nothing is committed: the caller
 * calls dfota_output_commit().
 */
enum dfota_status dfota_release_write(const struct dfota_release_options *opts,
                                      struct dfota_release_result *result,
                                      struct dfota_output_set *set, struct dfota_error *err);

/* Files a release of `result` writes. */
size_t dfota_release_output_count(const struct dfota_release_result *result);

/*
 * The whole release into `dir`: plan, build, write, commit (`flags` as for
 * dfota_output_open(); DFOTA_OUTPUT_CREATE_DIR is usual). On failure `dir`
 * is as it was.
 */
enum dfota_status dfota_release(const struct dfota_release_options *opts, const char *dir,
                                unsigned flags, struct dfota_release_result *result,
                                struct dfota_error *err);

/*
 * The report (schema docs/report.schema.json, "command": "release") of
 * pair `index`, or of every pair when `index` is -1, to `out`; `failure`
 * (NULL when none) makes it a failed release's report. False when `out`
 * cannot be written.
 */
bool dfota_release_report(FILE *out, const struct dfota_release_result *result, long index,
                          const struct dfota_error *failure);

void dfota_release_result_free(struct dfota_release_result *result);

#ifdef __cplusplus
}
#endif

#endif /* DFOTA_RELEASE_H */
