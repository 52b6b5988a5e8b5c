/*
 * apply.c - the streaming reference applier (docs/FORMAT.md, "Patch").
 *
 * Data path for one patch byte: pushed bytes -> patch header, relocation
 * map, segment header or the frame of the current segment, through its
 * codec (the seam: a codec starts at each segment, takes the frame's bytes
 * and hands what it decodes to the record parser; DFOTA_CODEC_ZSTD: the
 * buffer-less zstd API, compressed block gathered in `in_buf`, output into
 * the ring `ring`; DFOTA_CODEC_RANGE: dfota/rcdec.h, output through
 * `rc_out`) -> record parser -> target bytes (predicted source byte + diff,
 * or literal) -> SHA-256 and write buffer (`wbuf`) -> erase/write callbacks.
 */
/*
 * zstd: the buffer-less streaming API (ZSTD_decompressBegin() /
 * ZSTD_decompressContinue()) with a static context. It is not deprecated in
 * zstd 1.5.4 (only ZSTD_copyDCtx() beside it is); it is used instead of
 * ZSTD_decompressStream() because the streaming decoder's output buffer is
 * ZSTD_decodingBufferSize_min() = window + block + 128 KiB (literals it may
 * park there when not streaming), while decoding block by block into our
 * own ring needs window + block + 128 bytes: 8 KiB + 8 KiB instead of
 * 8 KiB + 8 KiB + 128 KiB at window log 13.
 */
#define ZSTD_STATIC_LINKING_ONLY
#include "dfota/apply.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#if !DFOTA_CODEC_ZSTD && !DFOTA_CODEC_RANGE
#error "build with at least one codec: DFOTA_CODEC_ZSTD or DFOTA_CODEC_RANGE"
#endif
#if DFOTA_CODEC_ZSTD
#include <zstd.h>
#endif
#include "dfota/rcdec.h"

#include "apply_internal.h"
#include "dfota/predict.h"
#include "dfota/sha256.h"
#include "dfota/wire.h"

#define WORKSPACE_ALIGN 16u
#define WRITE_BUFFER_SIZE DFOTA_APPLY_WRITE_ALIGN_MAX
#define ZSTD_MAGIC_LE 0xFD2FB528u

enum stage {
    STAGE_HEADER,         /* gathering the patch header */
    STAGE_MAP,            /* gathering the relocation map */
    STAGE_SEGMENT_HEADER, /* gathering a segment header */
    STAGE_FRAME,          /* inside a segment's zstd frame */
    STAGE_SKIP,           /* resuming: passing over a frame that is already applied */
    STAGE_FULL,           /* inside the zstd frame of a full image */
    STAGE_DONE,           /* every segment decoded */
    STAGE_FINISHED,       /* finish() succeeded */
    STAGE_FAILED
};

/* In place (DFOTA_IN_PLACE, dfota/apply.h): a constant 0 where the build
 * leaves it out, so that its code goes too. */
#define IN_PLACE(ap) (DFOTA_IN_PLACE && (ap)->in_place)

/* Output buffer of the range decoder. */
#define RC_OUT_SIZE 64u
#if DFOTA_CODEC_ZSTD
typedef char frame_head_check[ZSTD_FRAMEHEADERSIZE_MAX == DFOTA_FRAME_HEAD_MAX ? 1 : -1];
#endif

enum record_field {
    FIELD_COPY_LEN,
    FIELD_EXTRA_LEN,
    FIELD_SEEK,
    FIELD_ZERO,  /* a zero run of the difference bytes */
    FIELD_DIFFS, /* the length of the difference run after it */
    FIELD_DIFF,  /* difference bytes */
    FIELD_EXTRA
};

struct dfota_apply {
    struct dfota_apply_config config;
    struct dfota_apply_io io;
    struct dfota_error error;
    enum stage stage;
    size_t workspace_size;        /* as given to init, before aligning the start */
    uint8_t *arena;               /* after this struct: zstd context, then buffers */

    struct dfota_patch_header header;
    int header_valid;
    uint8_t gather[DFOTA_PATCH_HEADER_SIZE]; /* patch or segment header bytes */
    size_t gather_len;
    uint8_t *map_bytes;           /* relocation map and regions: raw, then decoded in place */
    size_t map_len;
    struct dfota_predict predict; /* source regions; the map of the copy's target region */

    /* Resume and progress records. */
    int resuming;
    uint8_t resume_phase, resume_flags;
    uint32_t resume_step, resume_count, resume_offset; /* from the record resumed from */
    uint8_t patch_id[DFOTA_SHA256_DIGEST_SIZE]; /* SHA-256 of the patch header (resuming:
                                                 * the record's until the header is read) */
    uint32_t segment_offset;      /* patch offset of the current segment header */
    uint32_t skip_left;           /* STAGE_SKIP: frame bytes still to pass over */
    uint8_t in_place;             /* the patch and layout are in-place */
    uint8_t readback;             /* finish() hashes the target as read from flash */
    uint8_t one_area;             /* in-place layout: source and target share one area */
    uint8_t full;                 /* decoding a full image (dfota_apply_begin_full()) */
    uint32_t full_skip;           /* full image, resuming: output below this is not written */
    uint64_t full_window;         /* full image: largest window its frame may have */
    struct dfota_apply_expect expect; /* from the package header (front end), if set */
    int has_expect;
    const struct dfota_hash_ops *hash;

    /* Current segment. */
    uint32_t step;                /* segments done, in patch order */
    uint32_t segment;             /* index (target order) of the segment being decoded */
    uint32_t segment_start;       /* target offset of its first byte */
    uint32_t segment_len;         /* target bytes it produces */
    uint32_t segment_done;        /* target bytes produced so far in it */
    uint32_t frame_size;          /* from the segment header */
    uint32_t frame_consumed;      /* frame bytes given to zstd */
    uint32_t low_end, high_start; /* source bytes the segment may read: [0, low_end)
                                   * and [high_start, source_size) */

    /* zstd buffer-less decoding. The fields of both codecs are there in
     * every build, so that the state has one size (DFOTA_APPLY_STATE_SIZE
     * on the reference build) whichever codecs a build includes. */
#if DFOTA_CODEC_ZSTD
    ZSTD_DCtx *dctx;
#else
    void *dctx;                   /* unused */
#endif
    uint8_t *in_buf;              /* one compressed block (2^window_log) */
    size_t in_len;
    uint8_t *ring;                /* decoded data and window */
    size_t ring_size, ring_pos, block_max;
    uint8_t frame_head[DFOTA_FRAME_HEAD_MAX];
    size_t frame_head_len;
    int frame_head_checked;
    /* The range codec (dfota/rcdec.h). */
    struct dfota_rcdec *rc;
    uint8_t *rc_out;              /* RC_OUT_SIZE bytes */
    uint32_t crc_want, crc_have;  /* in place: CRC-32 of the segment's target bytes */
    uint8_t crc_len;              /* bytes of crc_want gathered */
    uint8_t range;                /* the patch's codec is the range codec */
    uint8_t target_count;         /* target regions (DFOTA_PREDICT_REGION_MAX at most) */
    uint8_t target_region;        /* the one whose map `predict` has; 0xFF: none yet */

    /* Record parser. */
    enum record_field field;
    uint64_t varint;
    unsigned varint_shift;
    uint32_t copy_left, extra_left, run_left;
    int first_run;
    int64_t source_pos;
    int64_t seek;                 /* of the current record, applied after its copy */
    int64_t copy_shift;           /* target offset - source offset of the current copy */

    /* Predicted view of [cache_start, cache_start + cache_len) for cache_shift.
     * `raw` holds the source bytes the view is made from, then (once the
     * view is made) the target bytes of a copy. */
    union {
        uint8_t raw[DFOTA_APPLY_SOURCE_CHUNK + 20];
        /* At a segment boundary (the cache is empty then): the progress
         * record given to save_progress, here rather than on the stack. */
        struct dfota_progress rec;
    } u;
    uint8_t cache[DFOTA_APPLY_SOURCE_CHUNK];
    int64_t cache_start, cache_shift;
    size_t cache_len;
    uint32_t raw_start;           /* source offset of raw[0] */
    /* Branch sites of the view (offsets in raw): all that a new shift changes. */
    uint16_t sites[DFOTA_APPLY_SOURCE_CHUNK / 2 + 4];
    unsigned site_count;

    /* Output. */
    struct dfota_hash target_hash;
    struct dfota_hash target_md5; /* when the package header's target MD5 is to be checked */
    int md5_on;
    uint8_t wbuf[WRITE_BUFFER_SIZE];
    size_t wbuf_len;
    uint32_t wbuf_pos;            /* output offset of wbuf[0]: target, or scratch in place */
    uint32_t erased_end;          /* output area erased up to here */
    uint32_t target_done;         /* target bytes produced */
    unsigned progress_reported;   /* steps reported */
    uint32_t progress_next;       /* target_done at which the next step may be due */
};

static enum dfota_status parse_records(struct dfota_apply *ap, const uint8_t *p, size_t n);
#if DFOTA_CODEC_RANGE
static enum dfota_status feed_range(struct dfota_apply *ap, const uint8_t **p, size_t *n);
#endif

static size_t align_up(size_t v, size_t a)
{
    return (v + a - 1) / a * a;
}

static int is_power_of_two(uint32_t v)
{
    return v != 0 && (v & (v - 1)) == 0;
}

/* The reference device build's state must fit the figure patches state. */
typedef char state_size_check[sizeof(void *) > 4 || sizeof(struct dfota_apply) <= DFOTA_APPLY_STATE_SIZE ? 1 : -1];

static size_t state_size(void)
{
    return align_up(sizeof(struct dfota_apply), WORKSPACE_ALIGN);
}

#if DFOTA_CODEC_ZSTD
static size_t dctx_size(void)
{
    return align_up(ZSTD_estimateDCtxSize(), WORKSPACE_ALIGN);
}
#else
static size_t dctx_size(void)
{
    return DFOTA_ZSTD_DCTX_SIZE;
}
#endif

#if DFOTA_CODEC_RANGE
static size_t rcdec_size(void)
{
    return align_up(sizeof(struct dfota_rcdec), WORKSPACE_ALIGN);
}
#else
static size_t rcdec_size(void)
{
    return DFOTA_RCDEC_STATE_SIZE;
}
#endif

/* The range codec's part: decoder state, its output buffer and the history. */
static size_t range_part(size_t rcdec, unsigned history_log)
{
    return rcdec + RC_OUT_SIZE + ((size_t)1 << history_log);
}

/* Largest zstd block for a window (ZSTD_BLOCKSIZE_MAX is 128 KiB); at least
 * 32 bytes, so that the input buffer holds any frame header (18 bytes at
 * most) of a tiny full image. */
static size_t block_for(uint64_t window)
{
    if (window < 32)
        return 32;
    return window < ((size_t)1 << 17) ? (size_t)window : (size_t)1 << 17;
}

/*
 * zstd's ring buffer for the buffer-less API: the window, one block and the
 * wild-copy margins (2 x 32 bytes). ZSTD_decodingBufferSize_min() of zstd
 * 1.5 adds 128 KiB for literals it may park in the output buffer, but only
 * when not streaming: ZSTD_decompressContinue() streams, and keeps the
 * literals of blocks up to 64 KiB in the context's own buffer. A ring that
 * is too small could only make zstd fail a frame checksum, never write out
 * of bounds (it is given the capacity on every call).
 */
static size_t ring_size_for(uint64_t window)
{
    return align_up((size_t)window + block_for(window) + 128, WORKSPACE_ALIGN);
}

/* Workspace for `state` + `dctx` bytes of fixed part and a `window`-byte zstd window. */
/* The relocation map and the region table, decoded in place. */
static size_t tables_part(uint32_t map_count, uint32_t region_count)
{
    return align_up((size_t)map_count * DFOTA_PATCH_MAP_ENTRY_SIZE +
                        (size_t)region_count * DFOTA_PATCH_REGION_ENTRY_SIZE,
                    WORKSPACE_ALIGN);
}

/* Workspace for `state` + `dctx` bytes of fixed part, a `window`-byte zstd
 * window and the tables. */
static size_t workspace_for(size_t state, size_t dctx, uint64_t window, uint32_t map_count,
                            uint32_t region_count)
{
    return WORKSPACE_ALIGN + state + dctx + align_up(block_for(window), WORKSPACE_ALIGN) +
           ring_size_for(window) + tables_part(map_count, region_count);
}

static int tables_fit(uint32_t map_count, uint32_t region_count)
{
    return map_count <= DFOTA_PREDICT_MAP_MAX && region_count <= DFOTA_PREDICT_REGION_MAX;
}

size_t dfota_apply_workspace_for(unsigned codec, unsigned log, uint32_t map_count,
                                 uint32_t region_count)
{
    if (codec == DFOTA_CODEC_ZSTD_ID)
        return dfota_apply_workspace_size(log, map_count, region_count);
    if (codec != DFOTA_CODEC_RANGE_ID || log < DFOTA_PATCH_HISTORY_LOG_MIN ||
        log > DFOTA_PATCH_HISTORY_LOG_MAX || !tables_fit(map_count, region_count))
        return 0;
    return WORKSPACE_ALIGN + DFOTA_APPLY_STATE_SIZE + range_part(DFOTA_RCDEC_STATE_SIZE, log) +
           tables_part(map_count, region_count);
}

size_t dfota_apply_workspace_need_for(unsigned codec, unsigned log, uint32_t map_count,
                                      uint32_t region_count)
{
    if (codec == DFOTA_CODEC_ZSTD_ID)
        return dfota_apply_workspace_need(log, map_count, region_count);
    if (dfota_apply_workspace_for(codec, log, map_count, region_count) == 0)
        return 0;
    return WORKSPACE_ALIGN + state_size() + range_part(rcdec_size(), log) +
           tables_part(map_count, region_count);
}

size_t dfota_apply_workspace_size(unsigned window_log, uint32_t map_count, uint32_t region_count)
{
    if (window_log < DFOTA_PATCH_WINDOW_LOG_MIN || window_log > DFOTA_PATCH_WINDOW_LOG_MAX ||
        !tables_fit(map_count, region_count))
        return 0;
    return workspace_for(DFOTA_APPLY_STATE_SIZE, DFOTA_ZSTD_DCTX_SIZE, (uint64_t)1 << window_log,
                         map_count, region_count);
}

size_t dfota_apply_workspace_need(unsigned window_log, uint32_t map_count, uint32_t region_count)
{
    if (window_log < DFOTA_PATCH_WINDOW_LOG_MIN || window_log > DFOTA_PATCH_WINDOW_LOG_MAX ||
        !tables_fit(map_count, region_count))
        return 0;
    return workspace_for(state_size(), dctx_size(), (uint64_t)1 << window_log, map_count,
                         region_count);
}

size_t dfota_apply_full_workspace_size(uint64_t window_size)
{
    if (window_size > DFOTA_APPLY_FULL_WINDOW_MAX)
        return 0;
    return workspace_for(DFOTA_APPLY_STATE_SIZE, DFOTA_ZSTD_DCTX_SIZE, window_size, 0, 0);
}

size_t dfota_apply_full_workspace_need(uint64_t window_size)
{
    if (window_size > DFOTA_APPLY_FULL_WINDOW_MAX)
        return 0;
    return workspace_for(state_size(), dctx_size(), window_size, 0, 0);
}

/* ---- hashing (through the driver) ---- */

static enum dfota_status hash_init(struct dfota_apply *ap, struct dfota_hash *h,
                                   enum dfota_hash_alg alg)
{
    return ap->hash->init(ap->io.ctx, h, alg);
}

static enum dfota_status hash_update(struct dfota_apply *ap, struct dfota_hash *h,
                                     const uint8_t *p, size_t n)
{
    return ap->hash->update(ap->io.ctx, h, p, n);
}

static enum dfota_status hash_final(struct dfota_apply *ap, struct dfota_hash *h, uint8_t *digest)
{
    return ap->hash->final(ap->io.ctx, h, digest);
}

/* The digests of the target as it is produced (when it is not read back). */
static enum dfota_status target_init(struct dfota_apply *ap)
{
    enum dfota_status st = hash_init(ap, &ap->target_hash, DFOTA_HASH_SHA256);

    if (st == DFOTA_OK && ap->md5_on)
        st = hash_init(ap, &ap->target_md5, DFOTA_HASH_MD5);
    return st;
}

static enum dfota_status target_update(struct dfota_apply *ap, const uint8_t *p, size_t n)
{
    enum dfota_status st = hash_update(ap, &ap->target_hash, p, n);

    if (st == DFOTA_OK && ap->md5_on)
        st = hash_update(ap, &ap->target_md5, p, n);
    return st;
}

#if DFOTA_DEVICE_MESSAGES
static enum dfota_status fail(struct dfota_apply *ap, enum dfota_status status, const char *fmt,
                              ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static enum dfota_status fail(struct dfota_apply *ap, enum dfota_status status, const char *fmt,
                              ...)
{
    va_list ap_list;

    ap->error.status = status;
    va_start(ap_list, fmt);
    (void)vsnprintf(ap->error.message, sizeof(ap->error.message), fmt, ap_list);
    va_end(ap_list);
    ap->stage = STAGE_FAILED;
    return status;
}
#else
/* Lean build: the status only; the message's text and arguments are not compiled in. */
static enum dfota_status fail_status(struct dfota_apply *ap, enum dfota_status status)
{
    ap->error.status = status;
    ap->error.message[0] = '\0';
    ap->stage = STAGE_FAILED;
    return status;
}
#define fail(ap, status, ...) fail_status((ap), (status))
#endif

/* The hash driver failed. */
static enum dfota_status fail_hash(struct dfota_apply *ap, enum dfota_status status)
{
    return fail(ap, status == DFOTA_OK ? DFOTA_E_INTERNAL : status, "hash driver failed (%s)",
                dfota_status_name(status));
}

/* A callback failed: keep its status, say what was being done. */
static enum dfota_status fail_io(struct dfota_apply *ap, enum dfota_status status,
                                 const char *what, uint32_t offset, size_t len)
{
    (void)what; /* the message's alone: unused in the lean build */
    (void)offset;
    (void)len;
    if (status == DFOTA_OK)
        status = DFOTA_E_FLASH;
    return fail(ap, status, "%s of %lu bytes at offset 0x%08lx failed (%s)", what,
                (unsigned long)len, (unsigned long)offset, dfota_status_name(status));
}

enum dfota_status dfota_apply_init(struct dfota_apply **applier, void *workspace,
                                   size_t workspace_size, const struct dfota_apply_config *config,
                                   const struct dfota_apply_io *io, struct dfota_error *err)
{
    uintptr_t base = (uintptr_t)workspace;
    size_t pad = (size_t)(align_up(base, WORKSPACE_ALIGN) - base);
    struct dfota_apply *ap;

    *applier = NULL;
    if (workspace == NULL || io == NULL || config == NULL || io->read_source == NULL ||
        io->erase_target == NULL || io->write_target == NULL)
        return dfota_error_set(err, DFOTA_E_INVALID_ARGUMENT,
                               "workspace, configuration and the read, erase and write "
                               "callbacks are required");
#if !DFOTA_BUILTIN_HASH
    if (io->hash == NULL)
        return dfota_error_set(err, DFOTA_E_INVALID_ARGUMENT,
                               "built without the software hashes: io->hash is required");
#endif
    if (io->hash != NULL &&
        (io->hash->init == NULL || io->hash->update == NULL || io->hash->final == NULL))
        return dfota_error_set(err, DFOTA_E_INVALID_ARGUMENT,
                               "the hash driver needs init, update and final");
    if (!is_power_of_two(config->erase_size) || !is_power_of_two(config->write_align) ||
        config->write_align > DFOTA_APPLY_WRITE_ALIGN_MAX ||
        config->write_align > config->erase_size)
        return dfota_error_set(err, DFOTA_E_INVALID_ARGUMENT,
                               "erase size %lu and write alignment %lu must be powers of two "
                               "with 1 <= alignment <= %u and alignment <= erase size",
                               (unsigned long)config->erase_size,
                               (unsigned long)config->write_align, DFOTA_APPLY_WRITE_ALIGN_MAX);
    if (config->layout == DFOTA_APPLY_IN_PLACE && !DFOTA_IN_PLACE)
        return dfota_error_set(err, DFOTA_E_UNSUPPORTED_FEATURE,
                               "this applier is built without in-place support "
                               "(DFOTA_IN_PLACE=0)");
    if (config->layout != DFOTA_APPLY_TWO_BANK &&
        (config->layout != DFOTA_APPLY_IN_PLACE || io->read_scratch == NULL ||
         io->erase_scratch == NULL || io->write_scratch == NULL))
        return dfota_error_set(err, DFOTA_E_INVALID_ARGUMENT,
                               "layout %d is not two-bank, or in place without the scratch "
                               "callbacks",
                               (int)config->layout);
    if (config->progress_steps != 0 && (config->progress_steps < DFOTA_APPLY_PROGRESS_MIN ||
                                        config->progress_steps > DFOTA_APPLY_PROGRESS_MAX))
        return dfota_error_set(err, DFOTA_E_INVALID_ARGUMENT,
                               "progress steps %u is neither 0 nor in %u..%u",
                               config->progress_steps, DFOTA_APPLY_PROGRESS_MIN,
                               DFOTA_APPLY_PROGRESS_MAX);
    if (workspace_size < pad + state_size())
        return dfota_error_set(err, DFOTA_E_WORKSPACE,
                               "workspace of %lu bytes cannot hold the applier state (%lu bytes)",
                               (unsigned long)workspace_size, (unsigned long)(pad + state_size()));
    ap = (struct dfota_apply *)(void *)((uint8_t *)workspace + pad);
    memset(ap, 0, sizeof(*ap));
    ap->config = *config;
    ap->io = *io;
    ap->workspace_size = workspace_size;
    ap->arena = (uint8_t *)ap + state_size();
    ap->stage = STAGE_HEADER;
    ap->in_place = config->layout == DFOTA_APPLY_IN_PLACE;
    ap->one_area = IN_PLACE(ap);
    ap->readback = IN_PLACE(ap) || io->read_target != NULL;
    ap->cache_start = -1;
    ap->cache_shift = INT64_MIN;
#if DFOTA_BUILTIN_HASH
    ap->hash = io->hash != NULL ? io->hash : &dfota_hash_builtin;
#else
    ap->hash = io->hash;
#endif
    dfota_error_clear(&ap->error);
    *applier = ap;
    return DFOTA_OK;
}

enum dfota_status dfota_apply_resume(struct dfota_apply *ap, const struct dfota_progress *rec)
{
    if (ap->stage != STAGE_HEADER || ap->gather_len != 0 || ap->resuming)
        return fail(ap, DFOTA_E_INVALID_ARGUMENT,
                    "resume must come right after init, before any patch byte");
    if (!ap->readback)
        return fail(ap, DFOTA_E_INVALID_ARGUMENT,
                    "resuming a two-bank apply needs the read_target callback");
    memcpy(ap->patch_id, rec->patch_id, sizeof(ap->patch_id));
    ap->resume_phase = rec->phase;
    ap->resume_flags = rec->flags;
    ap->resume_step = rec->step;
    ap->resume_count = rec->segment_count;
    ap->resume_offset = rec->patch_offset;
    ap->resuming = 1;
    return DFOTA_OK;
}

const struct dfota_error *dfota_apply_error(const struct dfota_apply *applier)
{
    return &applier->error;
}

const struct dfota_patch_header *dfota_apply_header(const struct dfota_apply *applier)
{
    return applier->header_valid ? &applier->header : NULL;
}

uint32_t dfota_apply_target_done(const struct dfota_apply *applier)
{
    return applier->target_done;
}

/* ---- output: progress, write buffer, erase ---- */

static void report_progress(struct dfota_apply *ap)
{
    unsigned steps = ap->config.progress_steps, due;
    uint32_t size = ap->header.target_size;

    /* Called for every piece of output: the division only when a step may be due. */
    if (steps == 0 || ap->io.progress == NULL || ap->target_done < ap->progress_next)
        return;
    if (size == 0)
        due = ap->stage == STAGE_FINISHED ? steps : 0;
    else
        due = (unsigned)(((uint64_t)ap->target_done * steps) / size);
    while (ap->progress_reported < due) {
        ap->progress_reported++;
        ap->io.progress(ap->io.ctx, ap->progress_reported * 100u / steps);
    }
    /* The first output at which floor(done * steps / size) passes the steps reported. */
    if (size != 0 && ap->progress_reported < steps)
        ap->progress_next =
            (uint32_t)(((uint64_t)(ap->progress_reported + 1) * size + steps - 1) / steps);
    else if (size != 0)
        ap->progress_next = UINT32_MAX;
}

/* Erase the output area (target, or scratch in place) up to `end`. */
static enum dfota_status erase_output(struct dfota_apply *ap, uint32_t end)
{
    enum dfota_status st;

    while (ap->erased_end < end) {
        st = IN_PLACE(ap)
                 ? ap->io.erase_scratch(ap->io.ctx, ap->erased_end, ap->config.erase_size)
                 : ap->io.erase_target(ap->io.ctx, ap->erased_end, ap->config.erase_size);
        if (st != DFOTA_OK)
            return fail_io(ap, st, IN_PLACE(ap) ? "scratch erase" : "erase", ap->erased_end,
                           ap->config.erase_size);
        ap->erased_end += ap->config.erase_size;
    }
    return DFOTA_OK;
}

static enum dfota_status flush_writes(struct dfota_apply *ap, int pad)
{
    enum dfota_status st;
    size_t len = ap->wbuf_len;
    uint32_t end, capacity = IN_PLACE(ap) ? ap->config.scratch_size : ap->config.target_capacity;

    if (len == 0)
        return DFOTA_OK;
    if (pad) {
        len = align_up(len, ap->config.write_align);
        memset(ap->wbuf + ap->wbuf_len, 0xFF, len - ap->wbuf_len);
    }
    end = ap->wbuf_pos + (uint32_t)len;
    if (capacity != 0 && end > capacity)
        return fail(ap, DFOTA_E_TOO_LARGE,
                    "target of %lu bytes does not fit the %lu-byte %s area",
                    (unsigned long)ap->header.target_size, (unsigned long)capacity,
                    IN_PLACE(ap) ? "scratch" : "target");
    st = erase_output(ap, end);
    if (st != DFOTA_OK)
        return st;
    st = IN_PLACE(ap) ? ap->io.write_scratch(ap->io.ctx, ap->wbuf_pos, ap->wbuf, len)
                      : ap->io.write_target(ap->io.ctx, ap->wbuf_pos, ap->wbuf, len);
    if (st != DFOTA_OK)
        return fail_io(ap, st, IN_PLACE(ap) ? "scratch write" : "write", ap->wbuf_pos, len);
    ap->wbuf_pos = end;
    ap->wbuf_len = 0;
    return DFOTA_OK;
}

/* Final target bytes, in order. */
static enum dfota_status emit_target(struct dfota_apply *ap, const uint8_t *p, size_t n)
{
    enum dfota_status st;
    size_t take;

    if (!ap->readback) {
        st = target_update(ap, p, n);
        if (st != DFOTA_OK)
            return fail_hash(ap, st);
    }
    while (n > 0) {
        take = WRITE_BUFFER_SIZE - ap->wbuf_len;
        if (take > n)
            take = n;
        memcpy(ap->wbuf + ap->wbuf_len, p, take);
        ap->wbuf_len += take;
        p += take;
        n -= take;
        if (ap->wbuf_len == WRITE_BUFFER_SIZE) {
            st = flush_writes(ap, 0);
            if (st != DFOTA_OK)
                return st;
        }
    }
    return DFOTA_OK;
}

/* In place with the range codec: the CRC-32 of the segment's target bytes,
 * checked before the segment leaves scratch. */
static void segment_crc(struct dfota_apply *ap, const uint8_t *p, size_t n)
{
#if DFOTA_CODEC_RANGE
    if (ap->range && IN_PLACE(ap))
        ap->crc_have = dfota_crc32(ap->crc_have, p, n);
#else
    (void)ap;
    (void)p;
    (void)n;
#endif
}

/* Target bytes, in order. */
static enum dfota_status produce(struct dfota_apply *ap, const uint8_t *p, size_t n)
{
    enum dfota_status st;

    ap->target_done += (uint32_t)n;
    ap->segment_done += (uint32_t)n;
    segment_crc(ap, p, n);
    st = emit_target(ap, p, n);
    if (st == DFOTA_OK)
        report_progress(ap);
    return st;
}

/* ---- source ---- */

/*
 * Fill the cache with the predicted view starting at ap->source_pos: as
 * much of the current copy as the cache holds, at least 64 bytes (the next
 * record often goes on where this one ends), so that a short copy does not
 * pay for a whole chunk's view.
 */
static DFOTA_NOINLINE enum dfota_status fill_cache(struct dfota_apply *ap)
{
    uint32_t pos = (uint32_t)ap->source_pos, lo, hi, start, end;
    uint32_t want = ap->copy_left < 64u                         ? 64u
                    : ap->copy_left > DFOTA_APPLY_SOURCE_CHUNK ? DFOTA_APPLY_SOURCE_CHUNK
                                                                : ap->copy_left;
    size_t len;
    enum dfota_status st;

    /* The range of the window holding the copy (start_record_fields()). */
    dfota_patch_window_range(ap->low_end, ap->high_start, ap->header.source_size, pos, &lo, &hi);
    /* 8 bytes (to 11: the read starts on a word, as flash reads are
     * fastest) before, 8 after, for the sites that straddle the chunk. */
    start = (uint64_t)pos >= (uint64_t)lo + 11 ? (pos - 8) & ~(uint32_t)3
            : (uint64_t)pos >= (uint64_t)lo + 8 ? pos - 8
                                                : lo;
    end = (uint64_t)pos + want + 8 < hi ? pos + want + 8 : hi;
    len = end - pos > want ? want : end - pos;

    st = ap->io.read_source(ap->io.ctx, start, ap->u.raw, end - start);
    if (st != DFOTA_OK)
        return fail_io(ap, st, "source read", start, end - start);
    dfota_predict_view_sites(&ap->predict, ap->u.raw, start, end - start, pos, len,
                             ap->copy_shift, ap->cache, ap->sites, &ap->site_count);
    ap->raw_start = start;
    ap->cache_start = ap->source_pos;
    ap->cache_shift = ap->copy_shift;
    ap->cache_len = len;
    return DFOTA_OK;
}

/*
 * n diff bytes: target = predicted source + diff, made straight into the
 * write buffer. The view of a source chunk is made once (fill_cache());
 * a record with another shift over the same chunk rewrites only its branch
 * sites (dfota_predict_reshift()).
 */
static enum dfota_status apply_diff(struct dfota_apply *ap, const uint8_t *diff, size_t n)
{
    enum dfota_status st;
    size_t take, i, at;
    uint8_t *out;

    while (n > 0) {
        if (ap->cache_start < 0 || ap->source_pos < ap->cache_start ||
            ap->source_pos >= ap->cache_start + (int64_t)ap->cache_len) {
            st = fill_cache(ap);
            if (st != DFOTA_OK)
                return st;
        } else if (ap->cache_shift != ap->copy_shift) {
            dfota_predict_reshift(&ap->predict, ap->u.raw, ap->raw_start, ap->sites,
                                  ap->site_count, (uint32_t)ap->cache_start, ap->cache_len,
                                  ap->copy_shift, ap->cache);
            ap->cache_shift = ap->copy_shift;
        }
        at = (size_t)(ap->source_pos - ap->cache_start);
        take = (size_t)(ap->cache_start + (int64_t)ap->cache_len - ap->source_pos);
        if (take > n)
            take = n;
        if (take > WRITE_BUFFER_SIZE - ap->wbuf_len)
            take = WRITE_BUFFER_SIZE - ap->wbuf_len;
        out = ap->wbuf + ap->wbuf_len;
        if (diff == NULL) {
            /* A zero run: the predicted source as it is. */
            memcpy(out, ap->cache + at, take);
        } else {
            /* Four byte-wise sums (mod 256) at a time: the low 7 bits of
             * each byte added without a carry out of the byte, the top bit
             * by XOR. */
            for (i = 0; i + 4 <= take; i += 4) {
                uint32_t a, b;

                memcpy(&a, ap->cache + at + i, 4);
                memcpy(&b, diff + i, 4);
                a = ((a & 0x7F7F7F7Fu) + (b & 0x7F7F7F7Fu)) ^ ((a ^ b) & 0x80808080u);
                memcpy(out + i, &a, 4);
            }
            for (; i < take; i++)
                out[i] = (uint8_t)(ap->cache[at + i] + diff[i]);
            diff += take;
        }
        segment_crc(ap, out, take);
        ap->target_done += (uint32_t)take;
        ap->segment_done += (uint32_t)take;
        if (!ap->readback) {
            st = target_update(ap, out, take);
            if (st != DFOTA_OK)
                return fail_hash(ap, st);
        }
        ap->wbuf_len += take;
        if (ap->wbuf_len == WRITE_BUFFER_SIZE) {
            st = flush_writes(ap, 0);
            if (st != DFOTA_OK)
                return st;
        }
        report_progress(ap);
        ap->source_pos += (int64_t)take;
        n -= take;
    }
    return DFOTA_OK;
}

static DFOTA_NOINLINE enum dfota_status check_source(struct dfota_apply *ap)
{
    uint8_t digest[DFOTA_SHA256_DIGEST_SIZE];
#if DFOTA_DEVICE_MESSAGES
    char want[65], got[65];
#endif
    uint32_t size = ap->header.source_size;
    enum dfota_status st;

    if (ap->config.source_size != 0 && ap->config.source_size != size)
        return fail(ap, DFOTA_E_SOURCE_MISMATCH,
                    "source image is %lu bytes, the patch was made for a %lu-byte image",
                    (unsigned long)ap->config.source_size, (unsigned long)size);
    if (ap->has_expect && ap->expect.source_checked) {
        /* The front end checked the source against the package header, and
         * the patch header agrees with that (start_patch()). */
        return DFOTA_OK;
    }
    /* target_hash is free until the first target byte: borrow it. */
    st = dfota_apply_hash_area(ap, ap->io.read_source, size, &ap->target_hash, NULL, digest,
                               NULL);
    if (st == DFOTA_OK && !ap->readback && (st = target_init(ap)) != DFOTA_OK)
        st = fail_hash(ap, st);
    if (st != DFOTA_OK)
        return st;
    ap->cache_start = -1;
    if (memcmp(digest, ap->header.source_sha256, sizeof(digest)) != 0) {
#if DFOTA_DEVICE_MESSAGES
        dfota_hex(ap->header.source_sha256, 32, want);
        dfota_hex(digest, 32, got);
#endif
        return fail(ap, DFOTA_E_SOURCE_MISMATCH,
                    "source image SHA-256 mismatch: expected %s, got %s", want, got);
    }
    return DFOTA_OK;
}

/* ---- segments, steps and progress records ---- */

/* Target bytes of segment `segment`. */
static uint32_t segment_length(const struct dfota_patch_header *h, uint32_t segment)
{
    uint32_t start = segment * h->segment_size;

    return h->target_size - start < h->segment_size ? h->target_size - start : h->segment_size;
}

/* Target bytes produced by the first `steps` steps. */
static uint32_t steps_bytes(const struct dfota_patch_header *h, uint32_t steps)
{
    uint64_t full = (uint64_t)steps * h->segment_size;

    if (steps == 0)
        return 0;
    /* The last (possibly short) segment is among them once the steps from
     * the pivot up reach it (at the first step when the pivot is the count). */
    if (steps >= (h->pivot < h->segment_count ? h->segment_count - h->pivot : 1u))
        return (uint32_t)(full - h->segment_size + segment_length(h, h->segment_count - 1));
    return (uint32_t)full;
}

/* Resuming: where the record says the apply stands. */
static void resume_position(struct dfota_apply *ap)
{
    const struct dfota_patch_header *h = &ap->header;
    unsigned steps = ap->config.progress_steps;

    ap->target_done = steps_bytes(h, ap->resume_step);
    if (ap->resume_phase == DFOTA_PROGRESS_SCRATCH)
        ap->target_done += segment_length(h, dfota_patch_segment_at(h, ap->resume_step));
    if (!IN_PLACE(ap)) {
        /* Two-bank segments are in target order; rewrite from this one's start,
         * erase blocks included (segments are erase-block aligned). */
        ap->wbuf_pos = ap->resume_step * h->segment_size;
        ap->erased_end = ap->wbuf_pos;
    }
    if (steps != 0 && h->target_size != 0) {
        ap->progress_reported =
            (unsigned)(((uint64_t)ap->target_done * steps) / h->target_size);
        if (ap->progress_reported > 0 && ap->io.progress != NULL)
            ap->io.progress(ap->io.ctx, ap->progress_reported * 100u / steps);
    }
}

/* Hand the record (step, phase) to save_progress: its status (OK without one). */
static DFOTA_NOINLINE enum dfota_status put_record(struct dfota_apply *ap, uint32_t step, unsigned phase,
                                    uint32_t patch_offset, uint32_t target_done)
{
    struct dfota_progress *rec = &ap->u.rec;

    if (ap->io.save_progress == NULL)
        return DFOTA_OK;
    ap->cache_start = -1; /* the record overwrites the cached source bytes */
    memset(rec, 0, sizeof(*rec));
    rec->phase = (uint8_t)phase;
    rec->percent = (uint8_t)(ap->header.target_size
                                 ? ((uint64_t)target_done * 100u) / ap->header.target_size
                                 : 100u);
    rec->flags = ap->header.flags;
    rec->step = step;
    rec->segment_count = ap->header.segment_count;
    rec->patch_offset = patch_offset;
    memcpy(rec->patch_id, ap->patch_id, sizeof(rec->patch_id));
    return ap->io.save_progress(ap->io.ctx, rec);
}

/* Record where the apply stands (ap->step, `phase`). */
static DFOTA_NOINLINE enum dfota_status save_progress(struct dfota_apply *ap, unsigned phase)
{
    enum dfota_status st = put_record(ap, ap->step, phase, ap->segment_offset, ap->target_done);

    if (st != DFOTA_OK)
        return fail(ap, st,
                    "saving the progress record after %lu of %lu segments failed (%s)",
                    (unsigned long)ap->step, (unsigned long)ap->header.segment_count,
                    dfota_status_name(st));
    return DFOTA_OK;
}

/* Stage for the next step; a resumed apply checks it reached the recorded offset. */
static DFOTA_NOINLINE enum dfota_status next_step(struct dfota_apply *ap)
{
    if (ap->resuming && ap->step == ap->resume_step &&
        ap->segment_offset != ap->resume_offset)
        return fail(ap, DFOTA_E_UPDATE_IN_PROGRESS,
                    "the progress record puts segment %lu at patch offset %lu, the patch has "
                    "it at %lu: it belongs to another patch",
                    (unsigned long)ap->step, (unsigned long)ap->resume_offset,
                    (unsigned long)ap->segment_offset);
    ap->stage = ap->step == ap->header.segment_count ? STAGE_DONE : STAGE_SEGMENT_HEADER;
    return DFOTA_OK;
}

/* In place: the segment is complete in scratch; move it to its place. */
static DFOTA_NOINLINE enum dfota_status copy_scratch(struct dfota_apply *ap)
{
    uint32_t len = (uint32_t)align_up(ap->segment_len, ap->config.write_align);
    uint32_t erase_end = (uint32_t)align_up((size_t)ap->segment_start + len,
                                            ap->config.erase_size);
    uint32_t off, n, at;
    enum dfota_status st;

    if (ap->config.target_capacity != 0 && erase_end > ap->config.target_capacity)
        return fail(ap, DFOTA_E_TOO_LARGE,
                    "segment %lu does not fit the %lu-byte area", (unsigned long)ap->segment,
                    (unsigned long)ap->config.target_capacity);
    for (at = ap->segment_start; at < erase_end; at += ap->config.erase_size) {
        st = ap->io.erase_target(ap->io.ctx, at, ap->config.erase_size);
        if (st != DFOTA_OK)
            return fail_io(ap, st, "erase", at, ap->config.erase_size);
    }
    for (off = 0; off < len; off += n) {
        n = len - off < WRITE_BUFFER_SIZE ? len - off : WRITE_BUFFER_SIZE;
        st = ap->io.read_scratch(ap->io.ctx, off, ap->wbuf, n);
        if (st != DFOTA_OK)
            return fail_io(ap, st, "scratch read", off, n);
        st = ap->io.write_target(ap->io.ctx, ap->segment_start + off, ap->wbuf, n);
        if (st != DFOTA_OK)
            return fail_io(ap, st, "write", ap->segment_start + off, n);
    }
    return DFOTA_OK;
}

/* The current step's segment is decoded (`decoded`) or was already, and is
 * in scratch (in place); finish the step and record it. */
static DFOTA_NOINLINE enum dfota_status complete_step(struct dfota_apply *ap, int decoded)
{
    enum dfota_status st;

    if (decoded) {
        st = flush_writes(ap, 1);
        if (st == DFOTA_OK && IN_PLACE(ap))
            st = save_progress(ap, DFOTA_PROGRESS_SCRATCH);
        if (st != DFOTA_OK)
            return st;
    }
    if (IN_PLACE(ap)) {
        st = copy_scratch(ap);
        if (st != DFOTA_OK)
            return st;
    }
    ap->step++;
    ap->segment_offset += DFOTA_PATCH_SEGMENT_HEADER_SIZE + ap->frame_size;
    /* A record that says every step is done is saved only by finish(), once
     * the target's SHA-256 matched. Until then the newest record is the one
     * before the last step (in place: the last segment complete in scratch),
     * from which a boot redoes the last step and checks again. */
    if (ap->step < ap->header.segment_count) {
        st = save_progress(ap, DFOTA_PROGRESS_PENDING);
        if (st != DFOTA_OK)
            return st;
    }
    return next_step(ap);
}

/* ---- headers ---- */

/*
 * Resuming: the record must be this update's (id `id`, the header's segment
 * count and flags, a step and phase that fit: SCRATCH only in place and
 * before the last step, FAILED only at the end), else UPDATE_IN_PROGRESS;
 * a FAILED one (target_mismatch()) is refused before any write.
 */
static DFOTA_NOINLINE enum dfota_status check_resume_record(struct dfota_apply *ap,
                                                           const uint8_t *id)
{
    const struct dfota_patch_header *h = &ap->header;

    if (!ap->resuming)
        return DFOTA_OK;
    if (memcmp(ap->patch_id, id, sizeof(ap->patch_id)) != 0 ||
        ap->resume_count != h->segment_count || ap->resume_flags != h->flags ||
        ap->resume_step > h->segment_count || ap->resume_phase > DFOTA_PROGRESS_FAILED ||
        (ap->resume_phase == DFOTA_PROGRESS_SCRATCH &&
         (!IN_PLACE(ap) || ap->resume_step == h->segment_count)) ||
        (ap->resume_phase == DFOTA_PROGRESS_FAILED && ap->resume_step != h->segment_count))
        return fail(ap, DFOTA_E_UPDATE_IN_PROGRESS,
                    "the progress record belongs to another patch (or does not fit this one): "
                    "finish or clear that update first");
    if (ap->resume_phase == DFOTA_PROGRESS_FAILED)
        return fail(ap, DFOTA_E_TARGET_MISMATCH,
                    "the progress record says an earlier boot gave this update up: the target "
                    "image failed its final check and this patch cannot rebuild it (another "
                    "package is needed, or clear the record to try again)");
    return DFOTA_OK;
}

#if DFOTA_CODEC_ZSTD
/* A zstd context in the arena, its input block and ring for `window`. */
static DFOTA_NOINLINE enum dfota_status zstd_setup(struct dfota_apply *ap, uint64_t window)
{
    ap->dctx = ZSTD_initStaticDCtx(ap->arena, dctx_size());
    if (ap->dctx == NULL)
        return fail(ap, DFOTA_E_INTERNAL, "zstd refused the static context");
    /* Two-bank, nothing a frame decodes is irreversible and the target's
     * SHA-256, read back from flash, covers it all: zstd's frame checksum
     * (XXH64 over the decoded records, 2 % of an apply's instructions on a
     * Cortex-M4) is not computed. In place it is, so that a segment that
     * decodes wrongly is caught in scratch, before it overwrites the source. */
    if (ap->config.layout == DFOTA_APPLY_TWO_BANK && ap->io.read_target != NULL &&
        ZSTD_isError(ZSTD_DCtx_setParameter(ap->dctx, ZSTD_d_forceIgnoreChecksum,
                                            ZSTD_d_ignoreChecksum)))
        return fail(ap, DFOTA_E_INTERNAL, "zstd refused to skip frame checksums");
    ap->block_max = block_for(window);
    ap->in_buf = ap->arena + dctx_size();
    ap->ring = ap->in_buf + align_up(ap->block_max, WORKSPACE_ALIGN);
    ap->ring_size = ring_size_for(window);
    return DFOTA_OK;
}
#endif

static DFOTA_NOINLINE enum dfota_status start_patch(struct dfota_apply *ap)
{
    struct dfota_patch_header *h = &ap->header;
    size_t need, block = (size_t)1;
    enum dfota_status st;

    st = dfota_patch_header_decode(ap->gather, ap->gather_len, h, &ap->error);
    if (st != DFOTA_OK) {
        ap->stage = STAGE_FAILED;
        return st;
    }
    if (ap->has_expect &&
        (h->source_size != ap->expect.source_size || h->target_size != ap->expect.target_size ||
         memcmp(h->source_sha256, ap->expect.source_sha256, 32) != 0 ||
         memcmp(h->target_sha256, ap->expect.target_sha256, 32) != 0))
        return fail(ap, DFOTA_E_MALFORMED,
                    "the patch is for another source or target (size or SHA-256) than the "
                    "package header states");
    if (ap->has_expect && h->workspace_size != ap->expect.workspace)
        return fail(ap, DFOTA_E_MALFORMED,
                    "the patch states %lu bytes of applier workspace, the package header "
                    "implies %lu",
                    (unsigned long)h->workspace_size, (unsigned long)ap->expect.workspace);
    if ((h->codec == DFOTA_CODEC_ZSTD_ID && !DFOTA_CODEC_ZSTD) ||
        (h->codec == DFOTA_CODEC_RANGE_ID && !DFOTA_CODEC_RANGE))
        return fail(ap, DFOTA_E_UNSUPPORTED_FEATURE,
                    "the patch's segments are coded with %s, which this applier is built "
                    "without",
                    h->codec == DFOTA_CODEC_ZSTD_ID ? "zstd" : "the range codec");
    need = dfota_apply_workspace_need_for(h->codec, h->window_log, h->map_count,
                                          h->region_count);
    /* `need` includes the alignment slack, so the check does not depend on
     * where the caller's workspace happens to start. */
    if (ap->workspace_size < need)
        return fail(ap, DFOTA_E_WORKSPACE,
                    "patch needs %lu bytes of workspace (codec %u, log %u, %lu map entries, "
                    "%lu regions), %lu given",
                    (unsigned long)need, (unsigned)h->codec, (unsigned)h->window_log,
                    (unsigned long)h->map_count, (unsigned long)h->region_count,
                    (unsigned long)ap->workspace_size);
    if (ap->config.erase_size > h->segment_size)
        return fail(ap, DFOTA_E_INVALID_ARGUMENT,
                    "erase size %lu is larger than the patch segment size %lu: a segment "
                    "could not be rewritten on its own",
                    (unsigned long)ap->config.erase_size, (unsigned long)h->segment_size);
    if (ap->config.target_capacity != 0 && h->target_size > ap->config.target_capacity)
        return fail(ap, DFOTA_E_TOO_LARGE,
                    "target image of %lu bytes does not fit the %lu-byte target area",
                    (unsigned long)h->target_size, (unsigned long)ap->config.target_capacity);
    if (IN_PLACE(ap) != ((h->flags & DFOTA_PATCH_FLAG_IN_PLACE) != 0))
        return fail(ap, DFOTA_E_UNSUPPORTED_FEATURE,
                    IN_PLACE(ap) ? "a two-bank patch cannot be applied in place (it reads "
                                   "source bytes that the target overwrites)"
                                 : "an in-place patch needs the in-place layout (scratch area)");
    if (IN_PLACE(ap) && ap->config.scratch_size < h->segment_size)
        return fail(ap, DFOTA_E_TOO_LARGE,
                    "scratch area of %lu bytes is smaller than the %lu-byte segment",
                    (unsigned long)ap->config.scratch_size, (unsigned long)h->segment_size);
    /* The patch id: SHA-256 of the header (decoded: its bytes may be reused). */
    st = hash_init(ap, &ap->target_hash, DFOTA_HASH_SHA256);
    if (st == DFOTA_OK)
        st = hash_update(ap, &ap->target_hash, ap->gather, DFOTA_PATCH_HEADER_SIZE);
    if (st == DFOTA_OK)
        st = hash_final(ap, &ap->target_hash, ap->gather);
    if (st == DFOTA_OK && !ap->readback)
        st = target_init(ap);
    if (st != DFOTA_OK)
        return fail_hash(ap, st);
    st = check_resume_record(ap, ap->gather);
    if (st != DFOTA_OK)
        return st;
    memcpy(ap->patch_id, ap->gather, sizeof(ap->patch_id));
    block <<= h->window_log;
#if DFOTA_CODEC_RANGE
    if (h->codec == DFOTA_CODEC_RANGE_ID) {
        ap->range = 1;
        ap->rc = (struct dfota_rcdec *)(void *)ap->arena;
        ap->rc_out = ap->arena + rcdec_size();
        dfota_rcdec_init(ap->rc, ap->rc_out + RC_OUT_SIZE, h->window_log);
        ap->map_bytes = ap->arena + range_part(rcdec_size(), h->window_log);
    }
#endif
#if DFOTA_CODEC_ZSTD
    if (h->codec == DFOTA_CODEC_ZSTD_ID) {
        st = zstd_setup(ap, block);
        if (st != DFOTA_OK)
            return st;
        ap->map_bytes = ap->ring + ap->ring_size;
    }
#endif
    ap->map_len = dfota_patch_tables_size(h);
    ap->gather_len = 0;
    ap->stage = STAGE_MAP;
    return DFOTA_OK;
}

/* The map is complete: check it, then the source image, before any write. */
static DFOTA_NOINLINE enum dfota_status start_segments(struct dfota_apply *ap)
{
    struct dfota_map_entry *map = (struct dfota_map_entry *)(void *)ap->map_bytes;
    struct dfota_patch_target_region *targets =
        (struct dfota_patch_target_region *)(void *)(ap->map_bytes +
                                                     (size_t)ap->header.map_count *
                                                         DFOTA_PATCH_MAP_ENTRY_SIZE);
    uint32_t target_count;
    enum dfota_status st;

    /* Decoded in place: the source regions after the target regions. */
    st = dfota_patch_tables_decode(&ap->header, ap->map_bytes, map, targets,
                                   (struct dfota_predict_region *)(void *)targets,
                                   &target_count, &ap->error);
    if (st != DFOTA_OK) {
        ap->stage = STAGE_FAILED;
        return st;
    }
    ap->target_count = (uint8_t)target_count;
    ap->target_region = 0xFF;
    ap->predict.flags = ap->header.predict;
    ap->predict.source_size = ap->header.source_size;
    ap->predict.map = map;
    ap->predict.map_count = 0;
    ap->predict.regions = (const struct dfota_predict_region *)(const void *)targets + target_count;
    ap->predict.region_count = (uint8_t)(ap->header.region_count - target_count);
    /* In place, a resumed apply has already overwritten part of the source
     * (which passed this check before the first write). */
    if (!(ap->resuming && IN_PLACE(ap))) {
        st = check_source(ap);
        if (st != DFOTA_OK)
            return st;
    }
    ap->header_valid = 1;
    ap->gather_len = 0;
    ap->segment_offset = DFOTA_PATCH_HEADER_SIZE + (uint32_t)ap->map_len;
    if (ap->resuming)
        resume_position(ap);
    return next_step(ap);
}

static DFOTA_NOINLINE enum dfota_status start_segment(struct dfota_apply *ap)
{
    const struct dfota_patch_header *h = &ap->header;
    uint32_t source_pos = dfota_get_le32(ap->gather + 4);
    size_t rc;

    ap->frame_size = dfota_get_le32(ap->gather);
    ap->gather_len = 0;
    ap->segment = dfota_patch_segment_at(h, ap->step);
    ap->segment_start = ap->segment * h->segment_size;
    ap->segment_len = segment_length(h, ap->segment);
    ap->segment_done = 0;
    /* A zstd frame is never empty; a range frame holds the CRC-32 in place. */
    if (ap->frame_size < (ap->range ? (IN_PLACE(ap) ? 4u : 0u) : 1u))
        return fail(ap, DFOTA_E_CORRUPT_PATCH, "segment %lu has a frame of %lu bytes",
                    (unsigned long)ap->segment, (unsigned long)ap->frame_size);
    if (ap->resuming && (ap->step < ap->resume_step ||
                         (ap->step == ap->resume_step &&
                          ap->resume_phase == DFOTA_PROGRESS_SCRATCH))) {
        /* Already applied (or complete in scratch): pass over its frame. */
        ap->skip_left = ap->frame_size;
        ap->stage = STAGE_SKIP;
        return DFOTA_OK;
    }
    dfota_patch_source_window(h, ap->segment, &ap->low_end, &ap->high_start);
    ap->cache_start = -1;
    if (IN_PLACE(ap)) {
        /* Each segment is built at the start of the scratch area. */
        ap->wbuf_pos = 0;
        ap->erased_end = 0;
    }
    if (source_pos > h->source_size)
        return fail(ap, DFOTA_E_CORRUPT_PATCH,
                    "segment %lu starts at source offset %lu, past the %lu-byte source",
                    (unsigned long)ap->segment, (unsigned long)source_pos,
                    (unsigned long)h->source_size);
    ap->source_pos = source_pos;
    ap->frame_consumed = 0;
    ap->field = FIELD_COPY_LEN;
    ap->varint = 0;
    ap->varint_shift = 0;
    ap->stage = STAGE_FRAME;
#if DFOTA_CODEC_RANGE
    if (ap->range) {
        uint32_t crc = IN_PLACE(ap) ? 4u : 0u;

        ap->crc_len = (uint8_t)(4u - crc);
        ap->crc_have = 0;
        ap->crc_want = 0;
        dfota_rcdec_reset(ap->rc, ap->frame_size - crc, ap->segment_len);
        if (ap->frame_size == crc) {
            /* Nothing left to push for this frame: decode it now. */
            const uint8_t *none = ap->gather;
            size_t zero = 0;

            return feed_range(ap, &none, &zero);
        }
        return DFOTA_OK;
    }
#endif
#if DFOTA_CODEC_ZSTD
    ap->in_len = 0;
    ap->ring_pos = 0;
    ap->frame_head_len = 0;
    ap->frame_head_checked = 0;
    rc = ZSTD_decompressBegin(ap->dctx);
    if (ZSTD_isError(rc))
        return fail(ap, DFOTA_E_INTERNAL, "zstd: %s", ZSTD_getErrorName(rc));
#endif
    (void)rc;
    return DFOTA_OK;
}

#if DFOTA_CODEC_ZSTD
static DFOTA_NOINLINE enum dfota_status check_frame_header(struct dfota_apply *ap)
{
    ZSTD_frameHeader fh;
    size_t rc = ZSTD_getFrameHeader(&fh, ap->frame_head, ap->frame_head_len);
    char number[DFOTA_INT64_TEXT_MAX]; /* for a message (unused in the lean build) */

    (void)number;

    if (ZSTD_isError(rc) || rc != 0)
        return fail(ap, DFOTA_E_CORRUPT_PATCH, "segment %lu: bad zstd frame header",
                    (unsigned long)ap->segment);
    if (ap->full) {
        if (fh.frameType != ZSTD_frame || fh.dictID != 0 || fh.checksumFlag != 0 ||
            fh.frameContentSize != ap->header.target_size || fh.windowSize > ap->full_window)
            return fail(ap, DFOTA_E_PAYLOAD_CORRUPT,
                        "full image: the zstd frame (window %s bytes) is not one of %lu bytes "
                        "without dictionary or checksum in a window of at most %lu bytes",
                        dfota_u64_text(fh.windowSize, number),
                        (unsigned long)ap->header.target_size, (unsigned long)ap->full_window);
    } else if (fh.frameType != ZSTD_frame || fh.dictID != 0 || fh.windowSize > ap->block_max)
        return fail(ap, DFOTA_E_CORRUPT_PATCH,
                    "segment %lu: zstd frame needs a %s-byte window, the patch allows %lu",
                    (unsigned long)ap->segment, dfota_u64_text(fh.windowSize, number),
                    (unsigned long)ap->block_max);
    ap->frame_head_checked = 1;
    return DFOTA_OK;
}

#endif

/* ---- records ---- */

static DFOTA_NOINLINE enum dfota_status end_segment(struct dfota_apply *ap)
{
    if (ap->segment_done != ap->segment_len || ap->field != FIELD_COPY_LEN ||
        ap->varint_shift != 0)
        return fail(ap, DFOTA_E_CORRUPT_PATCH,
                    "segment %lu ended after %lu of its %lu target bytes",
                    (unsigned long)ap->segment, (unsigned long)ap->segment_done,
                    (unsigned long)ap->segment_len);
    if (ap->frame_consumed != ap->frame_size)
        return fail(ap, DFOTA_E_CORRUPT_PATCH,
                    "segment %lu frame is %lu bytes, its header says %lu",
                    (unsigned long)ap->segment, (unsigned long)ap->frame_consumed,
                    (unsigned long)ap->frame_size);
#if DFOTA_CODEC_RANGE
    if (ap->range && IN_PLACE(ap) && ap->crc_have != ap->crc_want)
        return fail(ap, DFOTA_E_CORRUPT_PATCH,
                    "segment %lu decodes to target bytes with CRC-32 0x%08lx, its frame "
                    "states 0x%08lx",
                    (unsigned long)ap->segment, (unsigned long)ap->crc_have,
                    (unsigned long)ap->crc_want);
#endif
    return complete_step(ap, 1);
}

#if DFOTA_CODEC_RANGE
/* Consume range-coded frame bytes from [*p, *p + *n): in place its CRC-32
 * first, then the coded bytes through the decoder into the record parser. */
static enum dfota_status feed_range(struct dfota_apply *ap, const uint8_t **p, size_t *n)
{
    enum dfota_rcdec_result r;
    enum dfota_status st;
    size_t took, got;

    while (ap->crc_len < 4 && *n > 0) {
        ap->crc_want |= (uint32_t)**p << (8 * ap->crc_len);
        ap->crc_len++;
        (*p)++;
        (*n)--;
        ap->frame_consumed++;
    }
    if (ap->crc_len < 4)
        return DFOTA_OK;
    for (;;) {
        took = dfota_rcdec_feed(ap->rc, *p, *n);
        *p += took;
        *n -= took;
        ap->frame_consumed += (uint32_t)took;
        r = dfota_rcdec_decode(ap->rc, ap->rc_out, RC_OUT_SIZE, &got);
        if (got > 0) {
            st = parse_records(ap, ap->rc_out, got);
            if (st != DFOTA_OK)
                return st;
        }
        if (r == DFOTA_RCDEC_DONE)
            return end_segment(ap);
        if (r == DFOTA_RCDEC_CORRUPT)
            return fail(ap, DFOTA_E_CORRUPT_PATCH,
                        "segment %lu: the range-coded frame does not decode to the segment's "
                        "records",
                        (unsigned long)ap->segment);
        if (r == DFOTA_RCDEC_INPUT && *n == 0)
            return DFOTA_OK;
    }
}
#endif

/* Resuming: pass over frame bytes of a segment that is already applied. */
static enum dfota_status skip_frame(struct dfota_apply *ap, const uint8_t **p, size_t *n)
{
    size_t take = *n < ap->skip_left ? *n : ap->skip_left;

    *p += take;
    *n -= take;
    ap->skip_left -= (uint32_t)take;
    if (ap->skip_left > 0)
        return DFOTA_OK;
    if (ap->step < ap->resume_step) {
        ap->step++;
        ap->segment_offset += DFOTA_PATCH_SEGMENT_HEADER_SIZE + ap->frame_size;
        return next_step(ap);
    }
    /* In place, complete in scratch: only the move is left. */
    return complete_step(ap, 0);
}

/* A copy uses the map of the target region holding its first target byte. */
static void select_map(struct dfota_apply *ap)
{
    /* The target regions, decoded in place after the map (start_segments()). */
    const struct dfota_patch_target_region *targets =
        (const struct dfota_patch_target_region *)(const void *)(ap->map_bytes +
                                                                 (size_t)ap->header.map_count *
                                                                     DFOTA_PATCH_MAP_ENTRY_SIZE);
    uint32_t r = dfota_patch_target_region_at(targets, ap->target_count,
                                              ap->segment_start + ap->segment_done);

    if (r == ap->target_region)
        return;
    ap->target_region = (uint8_t)r;
    ap->predict.map = (const struct dfota_map_entry *)(const void *)ap->map_bytes +
                      targets[r].map_first;
    ap->predict.map_count = targets[r].map_count;
    ap->cache_start = -1; /* the view was made with another map */
}

static DFOTA_NOINLINE enum dfota_status start_record_fields(struct dfota_apply *ap, uint64_t seek_zigzag)
{
    int64_t seek = (int64_t)(seek_zigzag >> 1) ^ -(int64_t)(seek_zigzag & 1);
    uint32_t left = ap->segment_len - ap->segment_done;
    char number[DFOTA_INT64_TEXT_MAX]; /* for a message (unused in the lean build) */

    (void)number;

    /* Every record must produce a byte, so a segment decodes to at most 21
     * bytes per target byte (a record head is at most 20 bytes) and the work
     * is bounded by the target, not by what zstd can expand a frame to (a
     * 4-byte RLE block is 2^window_log bytes of empty records). diffgen never
     * writes an empty record: a pure seek folds into the seek of the record
     * before it, or into the segment's source position. */
    if (ap->copy_left == 0 && ap->extra_left == 0)
        return fail(ap, DFOTA_E_CORRUPT_PATCH,
                    "segment %lu: record at target offset %lu produces no bytes (copy_len and "
                    "extra_len are 0)",
                    (unsigned long)ap->segment,
                    (unsigned long)(ap->segment_start + ap->segment_done));
    if ((uint64_t)ap->copy_left + ap->extra_left > left)
        return fail(ap, DFOTA_E_CORRUPT_PATCH,
                    "segment %lu: record of %lu + %lu bytes runs past the segment end",
                    (unsigned long)ap->segment, (unsigned long)ap->copy_left,
                    (unsigned long)ap->extra_left);
    if (ap->copy_left != 0 &&
        !dfota_patch_window_holds(ap->low_end, ap->high_start, ap->header.source_size,
                                  ap->source_pos, ap->copy_left))
        return fail(ap, DFOTA_E_CORRUPT_PATCH,
                    "segment %lu: copy of %lu bytes at source offset %s is outside the "
                    "%s [0, %lu) + [%lu, %lu)",
                    (unsigned long)ap->segment, (unsigned long)ap->copy_left,
                    dfota_i64_text(ap->source_pos, number),
                    IN_PLACE(ap) ? "bytes an in-place segment may read" : "source image",
                    (unsigned long)ap->low_end, (unsigned long)ap->high_start,
                    (unsigned long)ap->header.source_size);
    /* The seek applies after the copy; keep it until the record is done. */
    if (seek > (int64_t)UINT32_MAX || seek < -(int64_t)UINT32_MAX)
        return fail(ap, DFOTA_E_CORRUPT_PATCH, "segment %lu: seek %s is out of range",
                    (unsigned long)ap->segment, dfota_i64_text(seek, number));
    ap->copy_shift = (int64_t)ap->segment_start + ap->segment_done - ap->source_pos;
    if (ap->copy_left != 0 && ap->target_count != 0)
        select_map(ap);
    ap->seek = seek;
    ap->first_run = 1;
    ap->field = ap->copy_left ? FIELD_ZERO : FIELD_EXTRA;
    return DFOTA_OK;
}

/* The copy of the record is done: its literal bytes, or the next record. */
static void copy_done(struct dfota_apply *ap)
{
    if (ap->extra_left) {
        ap->field = FIELD_EXTRA;
        return;
    }
    ap->source_pos += ap->seek;
    ap->field = FIELD_COPY_LEN;
}

/* A zero run or the length of a difference run (`v`) is complete. */
static DFOTA_NOINLINE enum dfota_status run_field(struct dfota_apply *ap, uint64_t v)
{
    enum dfota_status st;

    if (ap->field == FIELD_ZERO) {
        /* Only the first run of a copy may start without zeros. */
        if (v > ap->copy_left || (v == 0 && !ap->first_run))
            return fail(ap, DFOTA_E_CORRUPT_PATCH,
                        "segment %lu: zero run of %lu bytes in a copy with %lu left",
                        (unsigned long)ap->segment, (unsigned long)v,
                        (unsigned long)ap->copy_left);
        ap->first_run = 0;
        st = apply_diff(ap, NULL, (size_t)v);
        if (st != DFOTA_OK)
            return st;
        ap->copy_left -= (uint32_t)v;
        if (ap->copy_left == 0)
            copy_done(ap);
        else
            ap->field = FIELD_DIFFS;
        return DFOTA_OK;
    }
    if (v == 0 || v > ap->copy_left)
        return fail(ap, DFOTA_E_CORRUPT_PATCH,
                    "segment %lu: difference run of %lu bytes in a copy with %lu left",
                    (unsigned long)ap->segment, (unsigned long)v, (unsigned long)ap->copy_left);
    ap->run_left = (uint32_t)v;
    ap->field = FIELD_DIFF;
    return DFOTA_OK;
}

/* Decoded bytes of the current segment's frame. */
static enum dfota_status parse_records(struct dfota_apply *ap, const uint8_t *p, size_t n)
{
    enum dfota_status st;
    size_t take;
    uint8_t byte;

    while (n > 0) {
        switch (ap->field) {
        case FIELD_COPY_LEN:
        case FIELD_EXTRA_LEN:
        case FIELD_SEEK:
        case FIELD_ZERO:
        case FIELD_DIFFS:
            if (ap->field == FIELD_COPY_LEN && ap->varint_shift == 0 &&
                ap->segment_done == ap->segment_len)
                return fail(ap, DFOTA_E_CORRUPT_PATCH,
                            "segment %lu: data after its last record",
                            (unsigned long)ap->segment);
            byte = *p++;
            n--;
            if (ap->varint_shift >= (ap->field == FIELD_SEEK ? 63u : 28u) &&
                (byte >> (ap->field == FIELD_SEEK ? 1 : 4)) != 0)
                return fail(ap, DFOTA_E_CORRUPT_PATCH, "segment %lu: varint too long",
                            (unsigned long)ap->segment);
            ap->varint |= (uint64_t)(byte & 0x7F) << ap->varint_shift;
            if (byte & 0x80) {
                ap->varint_shift += 7;
                continue;
            }
            {
                uint64_t v = ap->varint;

                ap->varint = 0;
                ap->varint_shift = 0;
                if (ap->field == FIELD_COPY_LEN) {
                    ap->copy_left = (uint32_t)v;
                    ap->field = FIELD_EXTRA_LEN;
                } else if (ap->field == FIELD_EXTRA_LEN) {
                    ap->extra_left = (uint32_t)v;
                    ap->field = FIELD_SEEK;
                } else {
                    st = ap->field == FIELD_SEEK ? start_record_fields(ap, v) : run_field(ap, v);
                    if (st != DFOTA_OK)
                        return st;
                }
            }
            break;
        case FIELD_DIFF:
            take = n < ap->run_left ? n : ap->run_left;
            st = apply_diff(ap, p, take);
            if (st != DFOTA_OK)
                return st;
            p += take;
            n -= take;
            /* apply_diff advanced source_pos by the copied bytes */
            ap->copy_left -= (uint32_t)take;
            ap->run_left -= (uint32_t)take;
            if (ap->run_left == 0) {
                if (ap->copy_left == 0)
                    copy_done(ap);
                else
                    ap->field = FIELD_ZERO;
            }
            break;
        case FIELD_EXTRA:
            take = n < ap->extra_left ? n : ap->extra_left;
            st = produce(ap, p, take);
            if (st != DFOTA_OK)
                return st;
            p += take;
            n -= take;
            ap->extra_left -= (uint32_t)take;
            if (ap->extra_left == 0) {
                ap->source_pos += ap->seek;
                ap->field = FIELD_COPY_LEN;
            }
            break;
        }
    }
    return DFOTA_OK;
}

#if DFOTA_CODEC_ZSTD
/* ---- full image ---- */

/* Decoded bytes of a full image: written from the resume point on, with a
 * progress record at every DFOTA_APPLY_FULL_STEP bytes. */
static enum dfota_status full_output(struct dfota_apply *ap, const uint8_t *p, size_t n)
{
    const struct dfota_patch_header *h = &ap->header;
    uint32_t boundary;
    size_t take;
    enum dfota_status st;

    if (n > h->target_size - ap->target_done)
        return fail(ap, DFOTA_E_PAYLOAD_CORRUPT,
                    "full image: the zstd frame decodes to more than its %lu bytes",
                    (unsigned long)h->target_size);
    while (n > 0) {
        if (ap->target_done < ap->full_skip) {
            /* Resuming: written and recorded by an earlier boot. */
            take = ap->full_skip - ap->target_done < n ? ap->full_skip - ap->target_done : n;
            ap->target_done += (uint32_t)take;
            p += take;
            n -= take;
            continue;
        }
        boundary = (ap->step + 1) * h->segment_size;
        if (boundary > h->target_size)
            boundary = h->target_size;
        take = boundary - ap->target_done < n ? boundary - ap->target_done : n;
        st = produce(ap, p, take);
        if (st != DFOTA_OK)
            return st;
        p += take;
        n -= take;
        if (ap->target_done == boundary && boundary < h->target_size) {
            st = flush_writes(ap, 0);
            if (st != DFOTA_OK)
                return st;
            ap->step++;
            st = save_progress(ap, DFOTA_PROGRESS_PENDING);
            if (st != DFOTA_OK)
                return st;
        }
    }
    return DFOTA_OK;
}

static DFOTA_NOINLINE enum dfota_status end_full(struct dfota_apply *ap)
{
    if (ap->target_done != ap->header.target_size)
        return fail(ap, DFOTA_E_PAYLOAD_CORRUPT,
                    "full image: the zstd frame ended after %lu of its %lu bytes",
                    (unsigned long)ap->target_done, (unsigned long)ap->header.target_size);
    if (ap->frame_consumed != ap->frame_size)
        return fail(ap, DFOTA_E_PAYLOAD_CORRUPT,
                    "full image: the zstd frame is %lu bytes, the payload %lu",
                    (unsigned long)ap->frame_consumed, (unsigned long)ap->frame_size);
    ap->step = ap->header.segment_count;
    ap->stage = STAGE_DONE;
    return DFOTA_OK;
}

#endif

void dfota_apply_set_expect(struct dfota_apply *ap, const struct dfota_apply_expect *e)
{
    ap->expect = *e;
    ap->has_expect = 1;
    ap->md5_on = e->check_target_md5;
}

#if DFOTA_CODEC_ZSTD
enum dfota_status dfota_apply_begin_full(struct dfota_apply *ap, uint64_t window_size,
                                         uint32_t frame_size, uint32_t target_size,
                                         const uint8_t *target_sha256, const uint8_t *id)
{
    struct dfota_patch_header *h = &ap->header;
    size_t need = dfota_apply_full_workspace_need(window_size), rc;
    enum dfota_status st;

    if (ap->stage != STAGE_HEADER || ap->gather_len != 0)
        return fail(ap, DFOTA_E_INVALID_ARGUMENT, "a full image must start before any byte");
    if (need == 0 || ap->workspace_size < need)
        return fail(ap, DFOTA_E_WORKSPACE,
                    "full image with a %lu-byte zstd window needs %lu bytes of workspace, %lu "
                    "given",
                    (unsigned long)window_size, (unsigned long)need,
                    (unsigned long)ap->workspace_size);
    if (ap->config.target_capacity != 0 && target_size > ap->config.target_capacity)
        return fail(ap, DFOTA_E_TOO_LARGE,
                    "target image of %lu bytes does not fit the %lu-byte target area",
                    (unsigned long)target_size, (unsigned long)ap->config.target_capacity);
    if (ap->config.erase_size > DFOTA_APPLY_FULL_STEP)
        return fail(ap, DFOTA_E_INVALID_ARGUMENT,
                    "erase size %lu is larger than the %u-byte step of a full image",
                    (unsigned long)ap->config.erase_size, DFOTA_APPLY_FULL_STEP);
    memset(h, 0, sizeof(*h));
    h->segment_size = DFOTA_APPLY_FULL_STEP;
    h->segment_count = dfota_patch_segment_count(target_size, DFOTA_APPLY_FULL_STEP);
    h->target_size = target_size;
    memcpy(h->target_sha256, target_sha256, 32);
    ap->full = 1;
    ap->full_window = window_size;
    ap->in_place = 0; /* written straight to its place: no source is read */
    st = check_resume_record(ap, id);
    if (st != DFOTA_OK)
        return st;
    memcpy(ap->patch_id, id, sizeof(ap->patch_id));
    if (!ap->readback) {
        st = target_init(ap);
        if (st != DFOTA_OK)
            return fail_hash(ap, st);
    }
    st = zstd_setup(ap, window_size);
    if (st != DFOTA_OK)
        return st;
    ap->frame_size = frame_size;
    ap->segment_len = target_size;
    if (ap->resuming) {
        ap->step = ap->resume_step;
        ap->full_skip = ap->resume_step * DFOTA_APPLY_FULL_STEP;
        if (ap->full_skip > target_size)
            ap->full_skip = target_size;
        ap->wbuf_pos = ap->full_skip;
        ap->erased_end = ap->full_skip;
        if (ap->config.progress_steps != 0 && target_size != 0) {
            ap->progress_reported =
                (unsigned)(((uint64_t)ap->full_skip * ap->config.progress_steps) / target_size);
            if (ap->progress_reported > 0 && ap->io.progress != NULL)
                ap->io.progress(ap->io.ctx,
                                ap->progress_reported * 100u / ap->config.progress_steps);
        }
    }
    rc = ZSTD_decompressBegin(ap->dctx);
    if (ZSTD_isError(rc))
        return fail(ap, DFOTA_E_INTERNAL, "zstd: %s", ZSTD_getErrorName(rc));
    ap->header_valid = 1;
    ap->stage = target_size == 0 && frame_size == 0 ? STAGE_DONE : STAGE_FULL;
    return DFOTA_OK;
}
#else
enum dfota_status dfota_apply_begin_full(struct dfota_apply *ap, uint64_t window_size,
                                         uint32_t frame_size, uint32_t target_size,
                                         const uint8_t *target_sha256, const uint8_t *id)
{
    (void)window_size;
    (void)frame_size;
    (void)target_size;
    (void)target_sha256;
    (void)id;
    return fail(ap, DFOTA_E_UNSUPPORTED_FEATURE,
                "a full image is one zstd frame: this applier is built without zstd");
}
#endif

#if DFOTA_CODEC_ZSTD
/* ---- zstd frame ---- */

/* Run one decompression step on `size` bytes at `src` (exactly what zstd asked for). */
static enum dfota_status frame_step(struct dfota_apply *ap, const uint8_t *src, size_t size)
{
    ZSTD_nextInputType_e kind = ZSTD_nextInputType(ap->dctx);
    size_t produced, copy;
    enum dfota_status st;

    if (kind == ZSTDnit_frameHeader) {
        if (ap->frame_head_len == 0 && (size < 4 || dfota_get_le32(src) != ZSTD_MAGIC_LE))
            return fail(ap, DFOTA_E_CORRUPT_PATCH, "segment %lu: not a zstd frame",
                        (unsigned long)ap->segment);
        copy = sizeof(ap->frame_head) - ap->frame_head_len;
        if (copy > size)
            copy = size;
        memcpy(ap->frame_head + ap->frame_head_len, src, copy);
        ap->frame_head_len += copy;
    }
    if (ap->ring_size - ap->ring_pos < ap->block_max)
        ap->ring_pos = 0;
    produced = ZSTD_decompressContinue(ap->dctx, ap->ring + ap->ring_pos,
                                       ap->ring_size - ap->ring_pos, src, size);
    if (ZSTD_isError(produced))
        return fail(ap, DFOTA_E_CORRUPT_PATCH, "segment %lu: zstd: %s",
                    (unsigned long)ap->segment, ZSTD_getErrorName(produced));
    if (!ap->frame_head_checked && ZSTD_nextInputType(ap->dctx) != ZSTDnit_frameHeader) {
        st = check_frame_header(ap);
        if (st != DFOTA_OK)
            return st;
    }
    if (produced > 0) {
        st = ap->full ? full_output(ap, ap->ring + ap->ring_pos, produced)
                      : parse_records(ap, ap->ring + ap->ring_pos, produced);
        if (st != DFOTA_OK)
            return st;
        ap->ring_pos += produced;
    }
    if (ZSTD_nextSrcSizeToDecompress(ap->dctx) == 0)
        return ap->full ? end_full(ap) : end_segment(ap);
    return DFOTA_OK;
}

/* Consume frame bytes from [*p, *p + *n). */
static enum dfota_status feed_frame(struct dfota_apply *ap, const uint8_t **p, size_t *n)
{
    size_t need, take;
    enum dfota_status st;

    while (*n > 0 && (ap->stage == STAGE_FRAME || ap->stage == STAGE_FULL)) {
        need = ZSTD_nextSrcSizeToDecompress(ap->dctx);
        if (need > ap->block_max || need == 0)
            return fail(ap, DFOTA_E_CORRUPT_PATCH,
                        "segment %lu: zstd block of %lu bytes exceeds the %lu-byte window",
                        (unsigned long)ap->segment, (unsigned long)need,
                        (unsigned long)ap->block_max);
        if ((uint64_t)ap->frame_consumed + need - ap->in_len > ap->frame_size)
            return fail(ap, DFOTA_E_CORRUPT_PATCH,
                        "segment %lu: zstd frame runs past its stated %lu bytes",
                        (unsigned long)ap->segment, (unsigned long)ap->frame_size);
        if (ap->in_len == 0 && *n >= need) {
            /* Whole piece available: decode straight from the caller's buffer. */
            ap->frame_consumed += (uint32_t)need;
            st = frame_step(ap, *p, need);
            *p += need;
            *n -= need;
        } else {
            take = need - ap->in_len;
            if (take > *n)
                take = *n;
            memcpy(ap->in_buf + ap->in_len, *p, take);
            ap->in_len += take;
            ap->frame_consumed += (uint32_t)take;
            *p += take;
            *n -= take;
            if (ap->in_len < need)
                return DFOTA_OK;
            ap->in_len = 0;
            st = frame_step(ap, ap->in_buf, need);
        }
        if (st != DFOTA_OK)
            return st;
    }
    return DFOTA_OK;
}

#endif

static size_t gather(struct dfota_apply *ap, const uint8_t **p, size_t *n, size_t want)
{
    size_t take = want - ap->gather_len;

    if (take > *n)
        take = *n;
    memcpy(ap->gather + ap->gather_len, *p, take);
    ap->gather_len += take;
    *p += take;
    *n -= take;
    return ap->gather_len;
}

enum dfota_status dfota_apply_push(struct dfota_apply *ap, const uint8_t *data, size_t size)
{
    enum dfota_status st = DFOTA_OK;

    if (ap->stage == STAGE_FAILED)
        return ap->error.status;
    if (ap->stage == STAGE_FINISHED)
        return fail(ap, DFOTA_E_INVALID_ARGUMENT, "patch data pushed after finish");
    while (size > 0 && st == DFOTA_OK) {
        switch (ap->stage) {
        case STAGE_HEADER:
            if (gather(ap, &data, &size, DFOTA_PATCH_HEADER_SIZE) == DFOTA_PATCH_HEADER_SIZE) {
                st = start_patch(ap);
                /* No map: the header's last byte completes the map too (and a patch
                 * for an empty target may end here). */
                if (st == DFOTA_OK && ap->map_len == 0)
                    st = start_segments(ap);
            }
            break;
        case STAGE_MAP:
            if (ap->gather_len < ap->map_len) {
                size_t take = ap->map_len - ap->gather_len < size ? ap->map_len - ap->gather_len
                                                                 : size;

                memcpy(ap->map_bytes + ap->gather_len, data, take);
                ap->gather_len += take;
                data += take;
                size -= take;
            }
            if (ap->gather_len == ap->map_len)
                st = start_segments(ap);
            break;
        case STAGE_SEGMENT_HEADER:
            if (gather(ap, &data, &size, DFOTA_PATCH_SEGMENT_HEADER_SIZE) ==
                DFOTA_PATCH_SEGMENT_HEADER_SIZE)
                st = start_segment(ap);
            break;
        case STAGE_FRAME:
#if DFOTA_CODEC_RANGE
            if (ap->range) {
                st = feed_range(ap, &data, &size);
                break;
            }
#endif
#if DFOTA_CODEC_ZSTD
            st = feed_frame(ap, &data, &size);
#endif
            break;
#if DFOTA_CODEC_ZSTD
        case STAGE_FULL:
            st = feed_frame(ap, &data, &size);
            break;
#endif
        case STAGE_SKIP:
            st = skip_frame(ap, &data, &size);
            break;
        case STAGE_DONE:
            return fail(ap, DFOTA_E_CORRUPT_PATCH,
                        "%lu unexpected byte(s) after the last segment", (unsigned long)size);
        default:
            return ap->error.status;
        }
    }
    return st;
}

/*
 * Hash `size` bytes of an area read through `read` (SHA-256 into `sha`,
 * and MD5 into `md5` unless NULL), in DFOTA_APPLY_SOURCE_CHUNK pieces
 * through `raw`; `*digest`/`*md5_digest` receive the digests.
 */
enum dfota_status dfota_apply_hash_area(struct dfota_apply *ap,
                                        enum dfota_status (*read)(void *, uint32_t, uint8_t *,
                                                                  size_t),
                                        uint32_t size, struct dfota_hash *sha,
                                        struct dfota_hash *md5, uint8_t *digest,
                                        uint8_t *md5_digest)
{
    uint32_t off;
    size_t len;
    enum dfota_status st;

    st = hash_init(ap, sha, DFOTA_HASH_SHA256);
    if (st == DFOTA_OK && md5 != NULL)
        st = hash_init(ap, md5, DFOTA_HASH_MD5);
    if (st != DFOTA_OK)
        return fail_hash(ap, st);
    for (off = 0; off < size; off += (uint32_t)len) {
        len = size - off < DFOTA_APPLY_SOURCE_CHUNK ? size - off : DFOTA_APPLY_SOURCE_CHUNK;
        st = read(ap->io.ctx, off, ap->u.raw, len);
        if (st != DFOTA_OK)
            return fail_io(ap, st, read == ap->io.read_source ? "source read" : "target read-back",
                           off, len);
        st = hash_update(ap, sha, ap->u.raw, len);
        if (st == DFOTA_OK && md5 != NULL)
            st = hash_update(ap, md5, ap->u.raw, len);
        if (st != DFOTA_OK)
            return fail_hash(ap, st);
    }
    st = hash_final(ap, sha, digest);
    if (st == DFOTA_OK && md5 != NULL)
        st = hash_final(ap, md5, md5_digest);
    if (st != DFOTA_OK)
        return fail_hash(ap, st);
    return DFOTA_OK;
}

/* Hash the target as the flash holds it (SHA-256 into `digest`, MD5 into `md5` when on). */
static enum dfota_status hash_target(struct dfota_apply *ap, uint8_t *digest, uint8_t *md5)
{
    return dfota_apply_hash_area(ap, ap->one_area || ap->io.read_target == NULL
                                         ? ap->io.read_source
                                         : ap->io.read_target,
                                 ap->header.target_size, &ap->target_hash,
                                 ap->md5_on ? &ap->target_md5 : NULL, digest, md5);
}

/*
 * The final check failed, every segment written: leave the record the next
 * boot needs, then fail. Two-bank, the source bank is intact but nothing
 * says which segment is wrong: record (0, PENDING), from which the next boot
 * rewrites every segment. No other record has step 0 and phase PENDING (the
 * first one of an apply is saved after segment 0), so a boot that resumed
 * from it and fails again was the repair: record FAILED, as in place, where
 * the source is overwritten and no segment but the last could be decoded
 * again. A FAILED record makes the next boot refuse at once, instead of
 * checking (or rewriting) again at every boot. Without read_target, what
 * was checked is what the patch produced: rewriting would produce it again.
 * An empty target has nothing to rewrite and gets no record.
 */
static DFOTA_NOINLINE enum dfota_status target_mismatch(struct dfota_apply *ap, const uint8_t *digest,
                                                        int is_md5)
{
    const struct dfota_patch_header *h = &ap->header;
    int repaired = ap->resuming && ap->resume_step == 0 &&
                   ap->resume_phase == DFOTA_PROGRESS_PENDING;
    enum dfota_status st = DFOTA_OK;
    const char *next = "";
    char want[65], got[65];

    dfota_hex(is_md5 ? ap->expect.target_md5 : h->target_sha256, is_md5 ? 16 : 32, want);
    dfota_hex(digest, is_md5 ? 16 : 32, got);
    (void)next; /* the message's alone: unused in the lean build */
    if (ap->io.save_progress != NULL && h->segment_count > 0) {
        if (IN_PLACE(ap) || repaired || !ap->readback) {
            st = put_record(ap, h->segment_count, DFOTA_PROGRESS_FAILED, ap->segment_offset,
                            ap->target_done);
            next = IN_PLACE(ap) ? "; progress record: FAILED (in place it cannot be rebuilt)"
                   : repaired   ? "; progress record: FAILED (rewritten once already)"
                                : "; progress record: FAILED (a rewrite would produce the same)";
        } else {
            st = put_record(ap, 0, DFOTA_PROGRESS_PENDING,
                            DFOTA_PATCH_HEADER_SIZE + (uint32_t)ap->map_len, 0);
            next = "; progress record: restart, every segment to be rewritten";
        }
    }
    if (st != DFOTA_OK)
        return fail(ap, st,
                    "target image %s mismatch: expected %s, got %s; saving the progress "
                    "record failed (%s)",
                    is_md5 ? "MD5" : "SHA-256", want, got, dfota_status_name(st));
    return fail(ap, DFOTA_E_TARGET_MISMATCH, "target image %s mismatch: expected %s, got %s%s",
                is_md5 ? "MD5" : "SHA-256", want, got, next);
}

enum dfota_status dfota_apply_finish(struct dfota_apply *ap)
{
    uint8_t digest[DFOTA_SHA256_DIGEST_SIZE], md5[16];
    enum dfota_status st;

    if (ap->stage == STAGE_FAILED)
        return ap->error.status;
    if (ap->stage == STAGE_FINISHED)
        return DFOTA_OK;
    if (ap->stage != STAGE_DONE) {
        if (ap->full)
            return fail(ap, DFOTA_E_TRUNCATED,
                        "full image: the payload ended after %lu of its %lu bytes (%lu of %lu "
                        "image bytes decoded)",
                        (unsigned long)ap->frame_consumed, (unsigned long)ap->frame_size,
                        (unsigned long)ap->target_done, (unsigned long)ap->header.target_size);
        if (ap->stage == STAGE_HEADER)
            return fail(ap, DFOTA_E_TRUNCATED,
                        "patch ended after %lu bytes, inside its %u-byte header",
                        (unsigned long)ap->gather_len, DFOTA_PATCH_HEADER_SIZE);
        if (ap->stage == STAGE_MAP)
            return fail(ap, DFOTA_E_TRUNCATED,
                        "patch ended inside its relocation map (%lu of %lu bytes)",
                        (unsigned long)ap->gather_len, (unsigned long)ap->map_len);
        return fail(ap, DFOTA_E_TRUNCATED, "patch ended inside segment %lu of %lu",
                    (unsigned long)ap->step + 1, (unsigned long)ap->header.segment_count);
    }
    st = flush_writes(ap, 1);
    if (st != DFOTA_OK)
        return st;
    if (ap->readback) {
        st = hash_target(ap, digest, md5);
    } else {
        st = hash_final(ap, &ap->target_hash, digest);
        if (st == DFOTA_OK && ap->md5_on)
            st = hash_final(ap, &ap->target_md5, md5);
        if (st != DFOTA_OK)
            st = fail_hash(ap, st);
    }
    if (st != DFOTA_OK)
        return st;
    if (memcmp(digest, ap->header.target_sha256, sizeof(digest)) != 0)
        return target_mismatch(ap, digest, 0);
    /* The MD5 the package header states: what a module checks, so it must agree. */
    if (ap->md5_on && memcmp(md5, ap->expect.target_md5, sizeof(md5)) != 0)
        return target_mismatch(ap, md5, 1);
    /* Only now may a record say the update is complete (a boot that resumed
     * from the complete record has it already). */
    if (!(ap->resuming && ap->resume_step == ap->header.segment_count)) {
        st = save_progress(ap, DFOTA_PROGRESS_PENDING);
        if (st != DFOTA_OK)
            return st;
    }
    ap->stage = STAGE_FINISHED;
    report_progress(ap);
    return DFOTA_OK;
}
