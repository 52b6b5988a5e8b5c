/*
 * release.c - the release pipeline (dfota/release.h): plan, build, write
 * and verify, report.
 *
 * Pairs are independent until the output set: each is built (patch,
 * package, zip, signed zip) on one of up to `jobs` threads, and each
 * written file is read back and verified on one too. Signing is
 * serialised: a key in a token need not take two signatures at once.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dfota/keys.h"
#include "dfota/packer.h"
#include "dfota/release.h"
#include "dfota/report.h"
#include "dfota/revision.h"
#include "dfota/sha256.h"
#include "dfota/signer.h"
#include "dfota/zip.h"

static const char *const file_suffix[DFOTA_RELEASE_FILE_COUNT] = {".bin", ".zip", "_signed.zip",
                                                                  ".report.json"};
static const enum dfota_file_kind file_kind[DFOTA_RELEASE_VERIFIED_COUNT] = {
    DFOTA_FILE_PACKAGE, DFOTA_FILE_ZIP, DFOTA_FILE_SIGNED_ZIP};

void dfota_release_options_init(struct dfota_release_options *opts)
{
    memset(opts, 0, sizeof(*opts));
    dfota_diff_options_init(&opts->diff);
}

/* ---- a pool of threads over numbered tasks ----------------------------- */

struct pool {
    pthread_mutex_t lock;
    size_t next, count;
    bool stop;
    enum dfota_status (*run)(void *ctx, size_t index, struct dfota_error *err);
    void *ctx;
    enum dfota_status status;     /* the first failure */
    size_t failed;                /* its task */
    struct dfota_error err;
};

static void *pool_worker(void *arg)
{
    struct pool *p = arg;
    struct dfota_error err;
    enum dfota_status st;
    size_t index;

    for (;;) {
        pthread_mutex_lock(&p->lock);
        if (p->stop || p->next >= p->count) {
            pthread_mutex_unlock(&p->lock);
            return NULL;
        }
        index = p->next++;
        pthread_mutex_unlock(&p->lock);
        dfota_error_clear(&err);
        st = p->run(p->ctx, index, &err);
        if (st != DFOTA_OK) {
            pthread_mutex_lock(&p->lock);
            if (!p->stop) {
                p->stop = true;
                p->status = st;
                p->failed = index;
                p->err = err;
            }
            pthread_mutex_unlock(&p->lock);
        }
    }
}

static unsigned online_cpus(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);

    return n < 1 ? 1u : n > 256 ? 256u : (unsigned)n;
}

/* Run tasks 0..count-1 on up to `jobs` threads (this one among them); the first failure stops
 * the rest and is returned, with its task in *failed. */
static enum dfota_status pool_run(unsigned jobs, size_t count,
                                  enum dfota_status (*run)(void *, size_t, struct dfota_error *),
                                  void *ctx, size_t *failed, struct dfota_error *err)
{
    pthread_t threads[256];
    bool started[256];
    struct pool p;
    unsigned n, i;

    memset(&p, 0, sizeof(p));
    p.count = count;
    p.run = run;
    p.ctx = ctx;
    if (jobs == 0)
        jobs = online_cpus();
    n = jobs > count ? (unsigned)count : jobs;
    if (n > 256)
        n = 256;
    if (pthread_mutex_init(&p.lock, NULL) != 0)
        return dfota_error_set(err, DFOTA_E_INTERNAL, "cannot create a mutex");
    for (i = 1; i < n; i++)
        started[i] = pthread_create(&threads[i], NULL, pool_worker, &p) == 0;
    (void)pool_worker(&p);
    for (i = 1; i < n; i++)
        if (started[i])
            pthread_join(threads[i], NULL);
    pthread_mutex_destroy(&p.lock);
    if (p.status != DFOTA_OK) {
        *failed = p.failed;
        *err = p.err;
    }
    return p.status;
}

/* ---- plan -------------------------------------------------------------- */

static enum dfota_status find_version(const char *name, const uint8_t *image, size_t size,
                                      char version[DFOTA_VERSION_MAX + 1], size_t *offset,
                                      struct dfota_error *err)
{
    struct dfota_error scan;

    if (dfota_image_version(image, size, version, offset, &scan) == DFOTA_OK)
        return DFOTA_OK;
    if (strncmp(scan.message, "ambiguous version: ", 19) == 0)
        return dfota_error_set(err, DFOTA_E_INVALID_ARGUMENT,
                               "ambiguous version: '%s' holds %s", name, scan.message + 19);
    return dfota_error_set(err, DFOTA_E_INVALID_ARGUMENT, "%s in '%s'", scan.message, name);
}

static bool file_name(char out[DFOTA_OUTPUT_NAME_MAX + 1], const char *from, const char *to,
                      const char *suffix)
{
    int n = snprintf(out, DFOTA_OUTPUT_NAME_MAX + 1, "%s_TO_%s%s", from, to, suffix);

    return n > 0 && n <= (int)DFOTA_OUTPUT_NAME_MAX;
}

enum dfota_status dfota_release_plan(const struct dfota_release_options *opts,
                                     struct dfota_release_result *result,
                                     struct dfota_error *err)
{
    struct dfota_release_pair *pair;
    size_t i, k, to_offset = 0;
    bool to_found = false;
    enum dfota_status st;

    memset(result, 0, sizeof(*result));
    result->failed_pair = -1;
    if (opts->source_count == 0 || opts->source_count > DFOTA_RELEASE_SOURCES_MAX)
        return dfota_error_set(err, DFOTA_E_INVALID_ARGUMENT,
                               "a release takes 1 to %u old images, not %zu",
                               DFOTA_RELEASE_SOURCES_MAX, opts->source_count);
    if (opts->new_image == NULL)
        return dfota_error_set(err, DFOTA_E_INVALID_ARGUMENT, "no new image");
    result->pairs = calloc(opts->source_count, sizeof(*result->pairs));
    if (result->pairs == NULL)
        return dfota_error_set(err, DFOTA_E_NO_MEMORY, "out of memory");
    result->count = opts->source_count;
    snprintf(result->new_name, sizeof(result->new_name), "%s",
             dfota_report_base_name(opts->new_name));
    if (opts->to_version != NULL) {
        st = dfota_version_check(opts->to_version, "target version", err);
        if (st != DFOTA_OK)
            return st;
        snprintf(result->to, sizeof(result->to), "%s", opts->to_version);
    } else {
        st = find_version(opts->new_name, opts->new_image, opts->new_size, result->to,
                          &to_offset, err);
        if (st != DFOTA_OK) {
            result->failed_target = true;
            return st;
        }
        to_found = true;
    }
    for (i = 0; i < result->count; i++) {
        const struct dfota_release_source *s = &opts->sources[i];

        pair = &result->pairs[i];
        result->failed_pair = (long)i;
        snprintf(pair->old_name, sizeof(pair->old_name), "%s", dfota_report_base_name(s->name));
        snprintf(pair->to, sizeof(pair->to), "%s", result->to);
        pair->to_found = to_found;
        pair->to_offset = to_offset;
        if (s->version != NULL) {
            st = dfota_version_check(s->version, "source version", err);
            if (st != DFOTA_OK)
                return st;
            snprintf(pair->from, sizeof(pair->from), "%s", s->version);
        } else {
            st = find_version(s->name, s->image, s->size, pair->from, &pair->from_offset, err);
            if (st != DFOTA_OK) {
                result->failed_source = true;
                return st;
            }
            pair->from_found = true;
        }
        if (strcmp(pair->from, pair->to) == 0)
            return dfota_error_set(err, DFOTA_E_INVALID_ARGUMENT,
                                   "the old and the new version are both '%s' ('%s', '%s'); a "
                                   "release goes from one version to another",
                                   pair->from, s->name, opts->new_name);
        for (k = 0; k < i; k++)
            if (strcmp(result->pairs[k].from, pair->from) == 0)
                return dfota_error_set(err, DFOTA_E_INVALID_ARGUMENT,
                                       "'%s' and '%s' are both version '%s': one release per "
                                       "version in the field",
                                       opts->sources[k].name, s->name, pair->from);
        for (k = 0; k < DFOTA_RELEASE_FILE_COUNT; k++)
            if (!file_name(pair->out[k].name, pair->from, pair->to, file_suffix[k]))
                return dfota_error_set(err, DFOTA_E_INVALID_ARGUMENT,
                                       "versions '%s' and '%s' make too long a file name",
                                       pair->from, pair->to);
    }
    result->failed_pair = -1;
    if (result->count > 1) {
        snprintf(result->summary.name, sizeof(result->summary.name), "%s.report.json",
                 result->to);
        result->has_summary = true;
    }
    return DFOTA_OK;
}

size_t dfota_release_output_count(const struct dfota_release_result *result)
{
    return result->count * DFOTA_RELEASE_FILE_COUNT + (result->has_summary ? 1u : 0u);
}

enum dfota_status dfota_release_check_outputs(const struct dfota_release_result *result,
                                              const char *dir, unsigned flags,
                                              struct dfota_error *err)
{
    enum dfota_status st;
    size_t i, k;

    for (i = 0; i < result->count; i++)
        for (k = 0; k < DFOTA_RELEASE_FILE_COUNT; k++) {
            st = dfota_output_check(dir, result->pairs[i].out[k].name, flags, err);
            if (st != DFOTA_OK)
                return st;
        }
    if (result->has_summary)
        return dfota_output_check(dir, result->summary.name, flags, err);
    return DFOTA_OK;
}

/* ---- build ------------------------------------------------------------- */

struct build_ctx {
    const struct dfota_release_options *opts;
    struct dfota_release_result *result;
    pthread_mutex_t sign_lock;
};

static enum dfota_status build_pair(void *arg, size_t index, struct dfota_error *err)
{
    struct build_ctx *ctx = arg;
    const struct dfota_release_options *opts = ctx->opts;
    const struct dfota_release_source *s = &opts->sources[index];
    struct dfota_release_pair *pair = &ctx->result->pairs[index];
    struct dfota_release_output *pkg = &pair->out[DFOTA_RELEASE_PACKAGE];
    struct dfota_release_output *zip = &pair->out[DFOTA_RELEASE_ZIP];
    struct dfota_release_output *sig = &pair->out[DFOTA_RELEASE_SIGNED];
    struct dfota_delta_options delta;
    const uint8_t *payload;
    uint8_t *patch = NULL;
    enum dfota_status st;

    st = dfota_diff(s->image, s->size, opts->new_image, opts->new_size, &opts->diff, &patch,
                    &pair->patch_size, err);
    if (st == DFOTA_OK)
        st = dfota_patch_header_decode(patch, pair->patch_size, &pair->patch, err);
    if (st == DFOTA_OK) {
        delta.source_version = pair->from;
        delta.target_version = pair->to;
        delta.created = opts->created;
        st = dfota_pack_delta(s->image, s->size, opts->new_image, opts->new_size, patch,
                              pair->patch_size, &delta, &pkg->data, &pkg->size, err);
    }
    free(patch);
    if (st == DFOTA_OK)
        st = dfota_package_open(pkg->data, pkg->size, &pair->header, &payload, err);
    if (st == DFOTA_OK)
        st = dfota_zip_create(pkg->name, pkg->data, pkg->size, opts->zip_mtime, &zip->data,
                              &zip->size, err);
    if (st == DFOTA_OK) {
        pthread_mutex_lock(&ctx->sign_lock);
        st = dfota_zip_sign(zip->data, zip->size, opts->key, &sig->data, &sig->size, err);
        pthread_mutex_unlock(&ctx->sign_lock);
    }
    if (st != DFOTA_OK)
        return st;
    pair->old_info = pair->header.source;
    if (opts->pair_done != NULL)
        opts->pair_done(opts->pair_done_ctx, index);
    return DFOTA_OK;
}

/* The failure of pair `index`: its versions and what failed. */
static enum dfota_status pair_failure(const struct dfota_release_result *result, size_t index,
                                      const char *file, struct dfota_error *err)
{
    struct dfota_error inner = *err;

    if (file != NULL)
        return dfota_error_set(err, inner.status, "'%s': %s", file, inner.message);
    return dfota_error_set(err, inner.status, "%s -> %s: %s", result->pairs[index].from,
                           result->pairs[index].to, inner.message);
}

enum dfota_status dfota_release_build(const struct dfota_release_options *opts,
                                      struct dfota_release_result *result,
                                      struct dfota_error *err)
{
    struct build_ctx ctx;
    size_t failed = 0;
    enum dfota_status st;
    enum dfota_key_algorithm alg;
    unsigned bits;

    if (opts->key == NULL)
        return dfota_error_set(err, DFOTA_E_INVALID_ARGUMENT, "no signing key");
    alg = dfota_signing_key_algorithm(opts->key, &bits);
    dfota_key_describe(alg, bits, result->scheme);
    ctx.opts = opts;
    ctx.result = result;
    if (pthread_mutex_init(&ctx.sign_lock, NULL) != 0)
        return dfota_error_set(err, DFOTA_E_INTERNAL, "cannot create a mutex");
    st = pool_run(opts->jobs, result->count, build_pair, &ctx, &failed, err);
    pthread_mutex_destroy(&ctx.sign_lock);
    if (st != DFOTA_OK) {
        result->failed_pair = (long)failed;
        return pair_failure(result, failed, NULL, err);
    }
    result->new_info = result->pairs[0].header.target;
    result->built = true;
    return DFOTA_OK;
}

/* ---- write and verify -------------------------------------------------- */

struct verify_ctx {
    const struct dfota_release_options *opts;
    struct dfota_release_result *result;
    const struct dfota_output_set *set;
    const struct dfota_public_key *key;
};

static enum dfota_status read_back(const char *path, size_t limit, uint8_t **data, size_t *size,
                                   struct dfota_error *err)
{
    struct stat st;
    size_t done = 0;
    ssize_t n = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    *data = NULL;
    if (fd < 0)
        return dfota_error_set(err, DFOTA_E_IO, "cannot read back: %s", strerror(errno));
    if (fstat(fd, &st) != 0 || st.st_size < 0 || (uint64_t)st.st_size > limit) {
        close(fd);
        return dfota_error_set(err, DFOTA_E_IO, "cannot read back its size");
    }
    *data = malloc((size_t)st.st_size + 1);
    if (*data == NULL) {
        close(fd);
        return dfota_error_set(err, DFOTA_E_NO_MEMORY, "out of memory");
    }
    while (done < (size_t)st.st_size) {
        n = read(fd, *data + done, (size_t)st.st_size - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        done += (size_t)n;
    }
    close(fd);
    *size = done;
    if (done != (size_t)st.st_size)
        return dfota_error_set(err, DFOTA_E_IO, "cannot read back: %s",
                               n < 0 ? strerror(errno) : "short read");
    return DFOTA_OK;
}

/*
 * Read one written file back and verify it against both images: what is
 * checked is what is on the disk. The signed zip's signature is checked
 * with the verifying key.
 */
static enum dfota_status verify_file(void *arg, size_t task, struct dfota_error *err)
{
    struct verify_ctx *ctx = arg;
    size_t index = task / DFOTA_RELEASE_VERIFIED_COUNT, k = task % DFOTA_RELEASE_VERIFIED_COUNT;
    struct dfota_release_pair *pair = &ctx->result->pairs[index];
    struct dfota_release_output *o = &pair->out[k];
    const struct dfota_release_source *s = &ctx->opts->sources[index];
    struct dfota_verify_options vo;
    const struct dfota_check *check;
    struct dfota_sha256 sha;
    uint8_t *data;
    size_t size = 0;
    enum dfota_status st;

    st = read_back(dfota_output_temp_path(ctx->set, pair->output_index[k]), DFOTA_ZIP_FILE_MAX,
                   &data, &size, err);
    if (st != DFOTA_OK) {
        free(data);
        return st;
    }
    dfota_sha256_init(&sha);
    dfota_sha256_update(&sha, data, size);
    dfota_sha256_final(&sha, o->sha256);
    dfota_verify_options_init(&vo);
    vo.old_image = s->image;
    vo.old_size = s->size;
    vo.new_image = ctx->opts->new_image;
    vo.new_size = ctx->opts->new_size;
    if (k == DFOTA_RELEASE_SIGNED) {
        vo.key = ctx->key;
        vo.key_name = "the release's verifying key";
    }
    st = dfota_verify(data, size, &vo, &o->report);
    if (st != DFOTA_OK) {
        check = &o->report.checks[o->report.first_failed_check];
        dfota_error_set(err, st, "%s check: %s", dfota_check_name(o->report.first_failed_check),
                        check->detail[0] ? check->detail : dfota_status_str(st));
    } else if (o->report.kind != file_kind[k]) {
        st = dfota_error_set(err, DFOTA_E_INTERNAL, "read back as a %s",
                             dfota_file_kind_name(o->report.kind));
    } else if (size != o->size || memcmp(data, o->data, size) != 0) {
        st = dfota_error_set(err, DFOTA_E_IO,
                             "read back %zu bytes that differ from the %zu written", size,
                             o->size);
    }
    free(data);
    return st;
}

static enum dfota_status add_report(struct dfota_output_set *set,
                                    const struct dfota_release_result *result, long index,
                                    struct dfota_release_output *o, size_t *slot,
                                    struct dfota_error *err)
{
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);
    bool ok;

    if (f == NULL)
        return dfota_error_set(err, DFOTA_E_NO_MEMORY, "out of memory");
    ok = dfota_release_report(f, result, index, NULL);
    if (fclose(f) != 0 || !ok || text == NULL) {
        free(text);
        return dfota_error_set(err, DFOTA_E_NO_MEMORY, "cannot write the report in memory");
    }
    free(o->data);
    o->data = (uint8_t *)text;
    o->size = size;
    *slot = set->count;
    return dfota_output_add(set, o->name, 0666, o->data, o->size, err);
}

enum dfota_status dfota_release_write(const struct dfota_release_options *opts,
                                      struct dfota_release_result *result,
                                      struct dfota_output_set *set, struct dfota_error *err)
{
    struct dfota_public_key *derived = NULL;
    struct verify_ctx ctx;
    struct dfota_release_pair *pair;
    size_t i, k, failed = 0;
    enum dfota_status st = DFOTA_OK;

    /* The data files of every pair first, the reports after them, the summary last. */
    for (i = 0; i < result->count && st == DFOTA_OK; i++) {
        pair = &result->pairs[i];
        for (k = 0; k < DFOTA_RELEASE_VERIFIED_COUNT && st == DFOTA_OK; k++) {
            pair->output_index[k] = set->count;
            st = dfota_output_add(set, pair->out[k].name, 0666, pair->out[k].data,
                                  pair->out[k].size, err);
        }
    }
    if (st != DFOTA_OK)
        return st;
    ctx.opts = opts;
    ctx.result = result;
    ctx.set = set;
    ctx.key = opts->verify_key;
    if (ctx.key == NULL) {
        st = dfota_signing_key_public(opts->key, &derived, err);
        if (st != DFOTA_OK)
            return st;
        ctx.key = derived;
    }
    st = pool_run(opts->jobs, result->count * DFOTA_RELEASE_VERIFIED_COUNT, verify_file, &ctx,
                  &failed, err);
    if (st != DFOTA_OK) {
        /* A file failed its verification: named by where it was to land. */
        dfota_public_key_free(derived);
        result->failed_pair = (long)(failed / DFOTA_RELEASE_VERIFIED_COUNT);
        return pair_failure(result, 0,
                            dfota_output_path(set, result->pairs[result->failed_pair]
                                                       .output_index[failed %
                                                                     DFOTA_RELEASE_VERIFIED_COUNT]),
                            err);
    }
    st = dfota_public_key_fingerprint(ctx.key, result->key_sha256, err);
    dfota_public_key_free(derived);
    result->verified = st == DFOTA_OK;
    if (st != DFOTA_OK)
        return st;
    for (i = 0; i < result->count && st == DFOTA_OK; i++) {
        pair = &result->pairs[i];
        st = add_report(set, result, (long)i, &pair->out[DFOTA_RELEASE_REPORT],
                        &pair->output_index[DFOTA_RELEASE_REPORT], err);
    }
    if (st == DFOTA_OK && result->has_summary)
        st = add_report(set, result, -1, &result->summary, &result->summary_index, err);
    return st;
}

enum dfota_status dfota_release(const struct dfota_release_options *opts, const char *dir,
                                unsigned flags, struct dfota_release_result *result,
                                struct dfota_error *err)
{
    struct dfota_output_set set;
    enum dfota_status st;

    st = dfota_release_plan(opts, result, err);
    if (st == DFOTA_OK)
        st = dfota_release_check_outputs(result, dir, flags, err);
    if (st == DFOTA_OK)
        st = dfota_release_build(opts, result, err);
    if (st != DFOTA_OK)
        return st;
    st = dfota_output_open(&set, dir, ".release", dfota_release_output_count(result), flags,
                           NULL, NULL, err);
    if (st == DFOTA_OK)
        st = dfota_release_write(opts, result, &set, err);
    if (st == DFOTA_OK)
        st = dfota_output_commit(&set, err);
    dfota_output_close(&set);
    return st;
}

/* ---- the report -------------------------------------------------------- */

static void report_pair(struct dfota_json *j, const struct dfota_release_pair *pair)
{
    const struct dfota_release_output *pkg = &pair->out[DFOTA_RELEASE_PACKAGE];
    size_t k;

    dfota_json_object(j, NULL, false);
    dfota_json_string(j, "from_version", pair->from);
    dfota_json_string(j, "to_version", pair->to);
    dfota_json_object(j, "version_source", true);
    dfota_json_string(j, "from", pair->from_found ? "old image" : "given");
    if (pair->from_found)
        dfota_json_uint(j, "from_offset", pair->from_offset);
    else
        dfota_json_null(j, "from_offset");
    dfota_json_string(j, "to", pair->to_found ? "new image" : "given");
    if (pair->to_found)
        dfota_json_uint(j, "to_offset", pair->to_offset);
    else
        dfota_json_null(j, "to_offset");
    dfota_json_end(j);
    dfota_report_image(j, "old_image", pair->old_name, pair->from, &pair->old_info);
    dfota_json_uint(j, "patch_size", pair->patch_size);
    dfota_json_uint(j, "package_size", pkg->size);
    dfota_json_ratio(j, "package_ratio", pkg->size, pair->header.target.size);
    dfota_json_uint(j, "workspace_size", pair->header.workspace_size);
    dfota_report_patch(j, &pair->patch);
    dfota_json_array(j, "files", false);
    for (k = 0; k < DFOTA_RELEASE_VERIFIED_COUNT; k++) {
        const struct dfota_release_output *o = &pair->out[k];

        dfota_json_object(j, NULL, false);
        dfota_json_string(j, "name", o->name);
        dfota_json_string(j, "kind", dfota_file_kind_name(file_kind[k]));
        dfota_json_uint(j, "size", o->size);
        dfota_json_hex(j, "sha256", o->sha256, sizeof(o->sha256));
        dfota_report_checks(j, &o->report);
        dfota_json_end(j);
    }
    dfota_json_end(j);
    dfota_json_string(j, "report", pair->out[DFOTA_RELEASE_REPORT].name);
    dfota_json_end(j);
}

bool dfota_release_report(FILE *out, const struct dfota_release_result *result, long index,
                          const struct dfota_error *failure)
{
    struct dfota_json j;
    size_t i, first = 0, last = result->count;
    bool ok;

    /* One pair: its report is the whole release's. */
    if (index < 0 && result->count == 1)
        index = 0;
    if (index >= 0) {
        first = (size_t)index;
        last = first + 1;
    }
    ok = failure == NULL || failure->status == DFOTA_OK;
    dfota_json_init(&j, out);
    dfota_report_begin(&j, "release");
    dfota_json_bool(&j, "ok", ok);
    dfota_report_error(&j, failure);
    dfota_json_string(&j, "report", index >= 0 ? result->pairs[index].out[DFOTA_RELEASE_REPORT].name
                                               : result->has_summary ? result->summary.name
                                                                     : NULL);
    dfota_json_string(&j, "to_version", result->to[0] ? result->to : NULL);
    /* What is known: after a failure, what came before it. */
    if (result->built) {
        dfota_report_image(&j, "new_image", result->new_name, result->to, &result->new_info);
        dfota_json_uint(&j, "created", result->pairs[0].header.created);
    } else {
        dfota_json_null(&j, "new_image");
        dfota_json_null(&j, "created");
    }
    if (result->verified) {
        dfota_json_object(&j, "signature", true);
        dfota_json_string(&j, "scheme", result->scheme);
        dfota_json_hex(&j, "key_sha256", result->key_sha256, sizeof(result->key_sha256));
        dfota_json_end(&j);
    } else {
        dfota_json_null(&j, "signature");
    }
    dfota_json_array(&j, "pairs", false);
    for (i = first; i < last && result->verified && ok; i++)
        report_pair(&j, &result->pairs[i]);
    dfota_json_end(&j);
    dfota_json_end(&j);
    return dfota_json_finish(&j);
}

void dfota_release_result_free(struct dfota_release_result *result)
{
    size_t i, k;

    for (i = 0; i < result->count; i++)
        for (k = 0; k < DFOTA_RELEASE_FILE_COUNT; k++)
            free(result->pairs[i].out[k].data);
    free(result->pairs);
    free(result->summary.data);
    memset(result, 0, sizeof(*result));
}
