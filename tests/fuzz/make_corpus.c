/*
 * make_corpus.c - writes the real seeds of the fuzz corpora: patches of the
 * fixed apply source (apply_source.h) for tests/fuzz/corpus/apply (and,
 * two-bank and in place, with power-cut options, for corpus/device), small
 * delta and full-image packages of the same images for
 * tests/fuzz/corpus/package (truncated-header.bin there is not written
 * here), record areas for corpus/progress, image pairs for
 * corpus/roundtrip, edit lists for corpus/signed_zip, and segment frames of
 * range-coded patches and record-stream choices for corpus/rcdec. Run it
 * again when a format changes:
 *
 *   cmake --build build --target make_fuzz_corpus
 *   build/tests/make_fuzz_corpus tests/fuzz/corpus
 *
 * tests/test_fuzz_corpus.c checks that the committed seeds still apply.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zstd.h>

#include "apply_source.h"
#include "dfota/apply.h"
#include "dfota/diffgen.h"
#include "dfota/packer.h"
#include "dfota/predict.h"
#include "dfota/patch.h"
#include "dfota/progress.h"
#include "dfota/wire.h"

#define IMAGE_CAP (64u * 1024u)

static int write_file(const char *dir, const char *name, const uint8_t *prefix,
                      size_t prefix_size, const uint8_t *data, size_t size)
{
    char path[4096];
    FILE *f;
    int ok;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "wb");
    if (f == NULL) {
        fprintf(stderr, "make_corpus: cannot create '%s'\n", path);
        return 0;
    }
    ok = fwrite(prefix, 1, prefix_size, f) == prefix_size && fwrite(data, 1, size, f) == size;
    ok = fclose(f) == 0 && ok;
    if (!ok)
        fprintf(stderr, "make_corpus: cannot write '%s'\n", path);
    else
        printf("%s: %zu bytes\n", path, prefix_size + size);
    return ok;
}

/* A patch from `source` to `target` with `opts`: exits on failure. */
static uint8_t *diff_with(const uint8_t *source, size_t source_size, const uint8_t *target,
                          size_t target_size, const struct dfota_diff_options *opts,
                          size_t *patch_size)
{
    struct dfota_error err;
    uint8_t *patch = NULL;

    if (dfota_diff(source, source_size, target, target_size, opts, &patch, patch_size, &err) !=
        DFOTA_OK) {
        fprintf(stderr, "make_corpus: diff: %s\n", err.message);
        exit(1);
    }
    return patch;
}

/* A two-bank patch with 4 KiB segments, at the level that makes the smallest seeds. */
static uint8_t *diff(const uint8_t *source, size_t source_size, const uint8_t *target,
                     size_t target_size, unsigned predict, unsigned window_log,
                     size_t *patch_size)
{
    struct dfota_diff_options opts;

    dfota_diff_options_init(&opts);
    opts.predict = predict;
    /* window_log 10..13: zstd frames of that window; 0: the range codec. */
    opts.codec = window_log != 0 ? DFOTA_CODEC_ZSTD_ID : DFOTA_CODEC_RANGE_ID;
    opts.window_log = window_log;
    opts.segment_size = 4096;
    opts.level = 19;
    return diff_with(source, source_size, target, target_size, &opts, patch_size);
}

/*
 * Rewrite every segment frame of `patch` as zstd raw blocks without a
 * checksum (a valid frame, RFC 8878): the records then sit in the seed as
 * they are, and a mutation reaches the record parser instead of failing the
 * frame checksum. Needs records of at most 2^window_log bytes a segment.
 */
static uint8_t *raw_frames(const uint8_t *patch, size_t patch_size, size_t *out_size)
{
    uint32_t map_count = dfota_get_le16(patch + 100), segments = dfota_get_le32(patch + 16);
    uint32_t region_count = patch[103], block_max = 1u << patch[10], i;
    size_t pos = 112 + (size_t)map_count * 8 + (size_t)region_count * 16, out_pos = pos,
           frame_size, content, at, block;
    uint8_t *out = malloc(2 * patch_size + 4096), *records;

    if (out == NULL)
        exit(1);
    memcpy(out, patch, pos);
    for (i = 0; i < segments; i++) {
        size_t segment_header = out_pos;

        frame_size = dfota_get_le32(patch + pos);
        memcpy(out + out_pos, patch + pos, 8);
        pos += 8;
        out_pos += 8;
        content = (size_t)ZSTD_getFrameContentSize(patch + pos, frame_size);
        records = malloc(content + 1);
        if (records == NULL || content > block_max ||
            ZSTD_decompress(records, content, patch + pos, frame_size) != content) {
            fprintf(stderr, "make_corpus: cannot rewrite segment %u\n", (unsigned)i);
            exit(1);
        }
        pos += frame_size;
        /* Magic; single segment, 4-byte content size, no checksum, no dictionary. */
        dfota_put_le32(out + out_pos, 0xFD2FB528u);
        out[out_pos + 4] = 0xA0;
        dfota_put_le32(out + out_pos + 5, (uint32_t)content);
        out_pos += 9;
        for (at = 0; at < content || at == 0; at += block) {
            block = content - at < block_max ? content - at : block_max;
            /* Block header: last-block bit, type 0 (raw), size. */
            out[out_pos] = (uint8_t)((at + block == content) | (block << 3));
            out[out_pos + 1] = (uint8_t)(block >> 5);
            out[out_pos + 2] = (uint8_t)(block >> 13);
            memcpy(out + out_pos + 3, records + at, block);
            out_pos += 3 + block;
            if (content == 0)
                break;
        }
        dfota_put_le32(out + segment_header, (uint32_t)(out_pos - segment_header - 8));
        free(records);
    }
    *out_size = out_pos;
    return out;
}

/* A patch of the fixed source to `target`, in place or two-bank, 4 KiB segments. */
static uint8_t *diff_layout(const uint8_t *target, size_t target_size, int in_place,
                            size_t *patch_size)
{
    uint8_t source[FUZZ_APPLY_SOURCE_CAP];
    size_t source_size = fuzz_apply_source(source);
    struct dfota_diff_options opts;

    dfota_diff_options_init(&opts);
    opts.segment_size = 4096;
    opts.in_place = in_place;
    opts.level = 3;
    return diff_with(source, source_size, target, target_size, &opts, patch_size);
}

/*
 * The same patch with more regions that predict the same way (so that it
 * still rebuilds the target): a second target region from the middle of the
 * target on, with a copy of the map, and each source region split in two.
 * Seeds the fuzzers with tables of both kinds of several entries.
 */
static uint8_t *more_regions(const uint8_t *patch, size_t patch_size, size_t *out_size)
{
    struct dfota_patch_header h;
    const uint8_t *map = patch + DFOTA_PATCH_HEADER_SIZE, *table, *e;
    size_t tables, body, pos;
    uint32_t nt = 0, ns, i, m;
    uint8_t *out, *t;

    if (dfota_patch_header_decode(patch, patch_size, &h, NULL) != DFOTA_OK || h.predict == 0) {
        fprintf(stderr, "make_corpus: no regions to add to\n");
        exit(1);
    }
    m = h.map_count;
    table = map + (size_t)m * 8;
    while (nt < h.region_count && (table[16 * nt + 4] & DFOTA_PATCH_REGION_TARGET))
        nt++;
    ns = h.region_count - nt;
    if (nt != 1 || 2 * m > DFOTA_PREDICT_MAP_MAX || 2 + 2 * ns > DFOTA_PREDICT_REGION_MAX) {
        fprintf(stderr, "make_corpus: unexpected region table\n");
        exit(1);
    }
    tables = dfota_patch_tables_size(&h);
    body = patch_size - DFOTA_PATCH_HEADER_SIZE - tables;
    out = malloc(patch_size + (size_t)m * 8 + (1 + ns) * 16 + 16);
    if (out == NULL)
        exit(1);
    /* The map twice, the two target regions, the source regions split. */
    pos = DFOTA_PATCH_HEADER_SIZE;
    memcpy(out + pos, map, (size_t)m * 8);
    memcpy(out + pos + (size_t)m * 8, map, (size_t)m * 8);
    pos += (size_t)m * 16;
    for (i = 0; i < 2; i++, pos += 16) {
        memset(out + pos, 0, 16);
        dfota_put_le32(out + pos, i == 0 ? 0 : h.target_size / 2);
        out[pos + 4] = DFOTA_PATCH_REGION_TARGET;
        dfota_put_le16(out + pos + 6, (uint16_t)m);
    }
    for (i = 0; i < ns; i++) {
        uint32_t start, end;

        e = table + 16 * (nt + i);
        start = dfota_get_le32(e);
        end = i + 1 < ns ? dfota_get_le32(e + 16) : h.source_size;
        memcpy(out + pos, e, 16);
        pos += 16;
        if (end - start >= 8) {
            memcpy(out + pos, e, 16);
            dfota_put_le32(out + pos, start + (end - start) / 2);
            pos += 16;
        }
    }
    h.map_count = 2 * m;
    h.region_count = (uint8_t)((pos - DFOTA_PATCH_HEADER_SIZE - (size_t)m * 16) / 16);
    h.map_crc32 = dfota_crc32(0, out + DFOTA_PATCH_HEADER_SIZE, pos - DFOTA_PATCH_HEADER_SIZE);
    h.workspace_size =
        (uint32_t)dfota_apply_workspace_for(h.codec, h.window_log, h.map_count, h.region_count);
    dfota_patch_header_encode(&h, out);
    memcpy(out + pos, patch + DFOTA_PATCH_HEADER_SIZE + tables, body);
    *out_size = pos + body;
    t = out;
    return t;
}

/* A device seed: 4 option bytes (fuzz_device.c), then the patch. */
static int device_seed(const char *dir, const char *name, const uint8_t options[4],
                       const uint8_t *target, size_t target_size, int in_place)
{
    size_t patch_size;
    uint8_t *patch = diff_layout(target, target_size, in_place, &patch_size);
    int ok = write_file(dir, name, options, 4, patch, patch_size);

    free(patch);
    return ok;
}

/* A progress seed: the option byte, then two 256-byte slots holding `a` and `b` (or erased). */
static int progress_seed(const char *dir, const char *name, uint8_t option,
                         const struct dfota_progress *a, const struct dfota_progress *b)
{
    uint8_t area[512];

    memset(area, 0xFF, sizeof(area));
    if (a != NULL)
        dfota_progress_encode(a, area);
    if (b != NULL)
        dfota_progress_encode(b, area + 256);
    return write_file(dir, name, &option, 1, area, sizeof(area));
}

/* One apply seed: option byte + patch of the fixed source to `target`. */
static int apply_seed(const char *dir, const char *name, uint8_t options, const uint8_t *target,
                      size_t target_size, unsigned predict, unsigned window_log, int raw)
{
    uint8_t source[FUZZ_APPLY_SOURCE_CAP], *patch, *rewritten;
    size_t source_size = fuzz_apply_source(source), patch_size;
    int ok;

    patch = diff(source, source_size, target, target_size, predict, window_log, &patch_size);
    if (raw == 2) {
        /* Not raw frames: more regions (more_regions()). */
        rewritten = more_regions(patch, patch_size, &patch_size);
        free(patch);
        patch = rewritten;
    } else if (raw) {
        rewritten = raw_frames(patch, patch_size, &patch_size);
        free(patch);
        patch = rewritten;
    }
    ok = write_file(dir, name, &options, 1, patch, patch_size);
    free(patch);
    return ok;
}

/* A delta package of the fixed source to `target`; with an unknown optional TLV if asked. */
static int package_seed(const char *dir, const char *name, const uint8_t *target,
                        size_t target_size, int optional_field, unsigned window_log)
{
    static const uint8_t optional_tlv[12] = {0x40, 0x00, 0x08, 0x00, 'o', 'p',
                                             't',  'i',  'o',  'n',  'a', 'l'};
    uint8_t source[FUZZ_APPLY_SOURCE_CAP], *patch, *package, *out;
    size_t source_size = fuzz_apply_source(source), patch_size, package_size;
    struct dfota_delta_options opts;
    struct dfota_error err;
    uint32_t header_size;
    int ok;

    patch = diff(source, source_size, target, target_size, DFOTA_DIFF_PREDICT_AUTO, window_log,
                 &patch_size);
    memset(&opts, 0, sizeof(opts));
    opts.source_version = "FUZZR01A01";
    opts.target_version = "FUZZR01A02";
    if (dfota_pack_delta(source, source_size, target, target_size, patch, patch_size, &opts,
                         &package, &package_size, &err) != DFOTA_OK) {
        fprintf(stderr, "make_corpus: pack: %s\n", err.message);
        exit(1);
    }
    free(patch);
    if (!optional_field) {
        ok = write_file(dir, name, NULL, 0, package, package_size);
        free(package);
        return ok;
    }
    /* The TLV goes last (ascending type order), before the header CRC. */
    header_size = dfota_get_le32(package + 12);
    out = malloc(package_size + sizeof(optional_tlv));
    if (out == NULL)
        exit(1);
    memcpy(out, package, header_size - 4);
    memcpy(out + header_size - 4, optional_tlv, sizeof(optional_tlv));
    header_size += (uint32_t)sizeof(optional_tlv);
    dfota_put_le32(out + 12, header_size);
    dfota_put_le32(out + header_size - 4, dfota_crc32(0, out, header_size - 4));
    memcpy(out + header_size, package + header_size - sizeof(optional_tlv),
           package_size - (header_size - sizeof(optional_tlv)));
    ok = write_file(dir, name, NULL, 0, out, package_size + sizeof(optional_tlv));
    free(out);
    free(package);
    return ok;
}

/* A full-image package of `image`, zstd window log `window_log`. */
static int full_seed(const char *dir, const char *name, const char *version,
                     const uint8_t *image, size_t image_size, unsigned window_log)
{
    struct dfota_full_options opts;
    struct dfota_error err;
    uint8_t *package;
    size_t package_size;
    int ok;

    dfota_full_options_init(&opts);
    opts.target_version = version;
    opts.window_log = window_log;
    if (dfota_pack_full(image, image_size, &opts, &package, &package_size, &err) != DFOTA_OK) {
        fprintf(stderr, "make_corpus: pack --full: %s\n", err.message);
        exit(1);
    }
    ok = write_file(dir, name, NULL, 0, package, package_size);
    free(package);
    return ok;
}

/*
 * rcdec seeds (fuzz_rcdec.c): the segment frames of a range-coded two-bank
 * patch of the fixed source to `target`, history log `log`, each as a mode A
 * input (log, the segment's target length, feed and output sizes `io`, the
 * frame); at most `max` of them.
 */
static int rcdec_frame_seeds(const char *dir, const char *name, const uint8_t *target,
                             size_t target_size, unsigned log, uint8_t io, unsigned max)
{
    uint8_t source[FUZZ_APPLY_SOURCE_CAP], *patch, head[4];
    size_t source_size = fuzz_apply_source(source), patch_size, pos;
    struct dfota_diff_options opts;
    struct dfota_patch_header hdr;
    uint32_t i, frame_size, seg_len;
    char file[256];
    int ok = 1;

    dfota_diff_options_init(&opts);
    opts.codec = DFOTA_CODEC_RANGE_ID;
    opts.window_log = log;
    opts.segment_size = 4096;
    patch = diff_with(source, source_size, target, target_size, &opts, &patch_size);
    if (dfota_patch_header_decode(patch, patch_size, &hdr, NULL) != DFOTA_OK) {
        fprintf(stderr, "make_corpus: %s: the patch does not decode\n", name);
        exit(1);
    }
    pos = DFOTA_PATCH_HEADER_SIZE + dfota_patch_tables_size(&hdr);
    for (i = 0; i < hdr.segment_count && i < max; i++) {
        frame_size = dfota_get_le32(patch + pos);
        seg_len = hdr.target_size - i * hdr.segment_size < hdr.segment_size
                      ? hdr.target_size - i * hdr.segment_size
                      : hdr.segment_size;
        head[0] = (uint8_t)(log - 8);
        dfota_put_le16(head + 1, (uint16_t)seg_len);
        head[3] = (uint8_t)(io + i);
        snprintf(file, sizeof(file), "%s-%u.bin", name, (unsigned)i);
        ok &= write_file(dir, file, head, 4, patch + pos + 8, frame_size);
        pos += DFOTA_PATCH_SEGMENT_HEADER_SIZE + frame_size;
    }
    free(patch);
    return ok;
}

/* A mode B rcdec seed: log, target length, feed and output sizes, `n` choice bytes. */
static int rcdec_choice_seed(const char *dir, const char *name, unsigned log,
                             uint16_t target_len, uint8_t io, uint32_t seed, size_t n)
{
    uint8_t bytes[4 + 1024];
    struct test_rng r = {seed};

    bytes[0] = (uint8_t)(5 + log - 8);
    dfota_put_le16(bytes + 1, target_len);
    bytes[3] = io;
    test_rng_fill(&r, bytes + 4, n);
    return write_file(dir, name, NULL, 0, bytes, 4 + n);
}

int main(int argc, char **argv)
{
    static uint8_t source[FUZZ_APPLY_SOURCE_CAP], target[IMAGE_CAP];
    struct test_rng r = {2024};
    size_t source_size, target_size, i;
    char dir[4096];
    int ok = 1;

    if (argc != 2) {
        fprintf(stderr, "usage: make_corpus CORPUS_DIR  (tests/fuzz/corpus)\n");
        return 2;
    }
    source_size = fuzz_apply_source(source);

    snprintf(dir, sizeof(dir), "%s/apply", argv[1]);
    /* A function inserted: calls and pointers move (prediction on, small window). */
    target_size = fuzz_apply_source_with_insert(target, IMAGE_CAP, 3);
    ok &= apply_seed(dir, "insert-predicted.bin", fuzz_apply_options(0, 1, 2), target,
                     target_size, DFOTA_DIFF_PREDICT_AUTO, 10, 0);
    /* The same without prediction, pushed 7 bytes at a time. */
    ok &= apply_seed(dir, "insert-plain.bin", fuzz_apply_options(5, 0, 0), target, target_size,
                     0, 13, 0);
    /* Its first 3000 bytes, records in raw blocks: mutations reach the records. */
    ok &= apply_seed(dir, "raw-records-predicted.bin", fuzz_apply_options(0, 1, 1), target,
                     3000, DFOTA_DIFF_PREDICT_AUTO, 13, 1);
    /* Two copies of the image, rewritten here and there: three segments. */
    memcpy(target + target_size, target, target_size);
    target_size *= 2;
    for (i = 0; i < target_size / 50; i++)
        target[test_rng_next(&r) % target_size] = (uint8_t)test_rng_next(&r);
    ok &= apply_seed(dir, "rewrites-three-segments.bin", fuzz_apply_options(1, 2, 3), target,
                     target_size, DFOTA_PREDICT_ALL, 13, 0);
    /* Nothing left: an empty target. */
    ok &= apply_seed(dir, "empty-target.bin", fuzz_apply_options(10, 3, 1), target, 0, 0, 13, 0);
    /* Only new bytes, in raw blocks. */
    test_rng_fill(&r, target, 300);
    ok &= apply_seed(dir, "literals-only.bin", fuzz_apply_options(3, 1, 2), target, 300, 0, 11,
                     0);
    ok &= apply_seed(dir, "raw-records-literals.bin", fuzz_apply_options(4, 0, 0), target, 300,
                     0, 10, 1);
    /* The same images with the range codec (the default). */
    ok &= apply_seed(dir, "range-literals.bin", fuzz_apply_options(2, 0, 1), target, 300, 0, 0,
                     0);
    target_size = fuzz_apply_source_with_insert(target, IMAGE_CAP, 3);
    ok &= apply_seed(dir, "range-insert-predicted.bin", fuzz_apply_options(0, 1, 2), target,
                     target_size, DFOTA_DIFF_PREDICT_AUTO, 0, 0);
    ok &= apply_seed(dir, "range-insert-plain.bin", fuzz_apply_options(5, 0, 0), target,
                     target_size, 0, 0, 0);
    /* Prediction with tables of several target and source regions. */
    ok &= apply_seed(dir, "range-regions.bin", fuzz_apply_options(1, 1, 2), target, target_size,
                     DFOTA_PREDICT_ALL, 0, 2);

    snprintf(dir, sizeof(dir), "%s/package", argv[1]);
    target_size = fuzz_apply_source_with_insert(target, IMAGE_CAP, 9);
    ok &= package_seed(dir, "delta-with-optional-field.bin", target, target_size, 1, 0);
    memcpy(target, source, source_size);
    target[100] ^= 0xFF;
    ok &= package_seed(dir, "delta-small.bin", target, source_size, 0, 13);
    ok &= package_seed(dir, "delta-small-range.bin", target, source_size, 0, 0);
    /* Full images: a single-segment frame (the image fits the window), and a
     * frame with a 1 KiB window descriptor. */
    ok &= full_seed(dir, "full-small.bin", "BC25R01A04", source, 854, 16);
    ok &= full_seed(dir, "full-window10.bin", "EC200TCNTCNMAR02A02M16", source, 3000, 10);

    snprintf(dir, sizeof(dir), "%s/device", argv[1]);
    target_size = fuzz_apply_source_with_insert(target, IMAGE_CAP, 3);
    {
        static const uint8_t no_cut[4] = {0x01, 0, 0, 0};           /* align 4, whole patch */
        static const uint8_t one_cut[4] = {0x59, 128, 0, 0};        /* 64-byte chunks, 1 cut */
        static const uint8_t three_torn[4] = {0xE5, 40, 120, 250};  /* torn, 3 cuts */

        ok &= device_seed(dir, "two-bank.bin", no_cut, target, target_size, 0);
        ok &= device_seed(dir, "two-bank-cut.bin", one_cut, target, target_size, 0);
        ok &= device_seed(dir, "in-place-cut.bin", one_cut, target, target_size, 1);
        ok &= device_seed(dir, "in-place-torn-cuts.bin", three_torn, target, target_size, 1);
        /* Shrinking in place: the order the generator picks differs. */
        ok &= device_seed(dir, "in-place-shrink.bin", three_torn, source, source_size - 2048, 1);
    }

    snprintf(dir, sizeof(dir), "%s/progress", argv[1]);
    {
        struct dfota_progress rec, old;

        memset(&rec, 0, sizeof(rec));
        rec.sequence = 7;
        rec.step = 1;
        rec.segment_count = 4;
        rec.patch_offset = 600;
        rec.percent = 25;
        old = rec;
        old.sequence = 6;
        old.step = 0;
        old.patch_offset = 0;
        old.percent = 0;
        ok &= progress_seed(dir, "empty.bin", 0, NULL, NULL);
        ok &= progress_seed(dir, "two-bank-step-1.bin", 6, &rec, &old);
        rec.phase = DFOTA_PROGRESS_SCRATCH;
        rec.flags = 1;
        ok &= progress_seed(dir, "in-place-scratch.bin", 7, &old, &rec);
        /* The sequence wraps: 0 is newer than 0xFFFFFFFF. */
        rec.phase = DFOTA_PROGRESS_PENDING;
        rec.flags = 0;
        rec.sequence = 0;
        old.sequence = 0xFFFFFFFFu;
        ok &= progress_seed(dir, "sequence-wraps.bin", 2, &old, &rec);
        /* A record that says everything is done, on a device where nothing is. */
        rec.step = 3;
        rec.segment_count = 3;
        rec.sequence = 9;
        rec.percent = 100;
        ok &= progress_seed(dir, "complete.bin", 6, &rec, NULL);
    }

    snprintf(dir, sizeof(dir), "%s/rcdec", argv[1]);
    /* Frames of real patches: the inserted function (three segments), and
     * random literals at the smallest and largest history. */
    target_size = fuzz_apply_source_with_insert(target, IMAGE_CAP, 3);
    ok &= rcdec_frame_seeds(dir, "frame-insert-log10", target, target_size, 10, 0x00, 2);
    /* The same, rewritten here and there: difference runs among zero runs. */
    {
        struct test_rng rr = {4096};

        for (i = 0; i < target_size / 40; i++)
            target[test_rng_next(&rr) % target_size] = (uint8_t)test_rng_next(&rr);
        ok &= rcdec_frame_seeds(dir, "frame-rewrites-log9", target, target_size, 9, 0x1C, 2);
    }
    {
        uint8_t noise[1500];
        struct test_rng nr = {77};

        test_rng_fill(&nr, noise, sizeof(noise));
        memcpy(noise + 1000, noise + 100, 500); /* a repeat beyond 256 bytes, within 4096 */
        ok &= rcdec_frame_seeds(dir, "frame-literals-log8", noise, sizeof(noise), 8, 0x0B, 1);
        ok &= rcdec_frame_seeds(dir, "frame-literals-log12", noise, sizeof(noise), 12, 0x15, 1);
    }
    /* Record streams from choices: short, middling, long. */
    ok &= rcdec_choice_seed(dir, "records-short.bin", 8, 60, 0x01, 11, 64);
    ok &= rcdec_choice_seed(dir, "records-middle.bin", 10, 2000, 0x0D, 12, 400);
    ok &= rcdec_choice_seed(dir, "records-long.bin", 12, 9000, 0x1F, 13, 1000);

    snprintf(dir, sizeof(dir), "%s/roundtrip", argv[1]);
    {
        /* Options, the old image's length, the old image, then the edit script. */
        static const uint8_t script[] = {
            0x00 | 15u << 2, 0x00, 0x00,   /* copy 256 bytes from 0 */
            0x01 | 3u << 2, 'n', 'e', 'w', '!', /* insert 4 bytes */
            0x02 | 31u << 2, 0x00, 0x04,   /* copy 512 from 1024, relocated */
            0x00 | 63u << 2, 0x00, 0x08,   /* copy 1024 from 2048 */
        };
        static const uint8_t option_sets[3][2] = {{0x03, 0x41}, {0x07, 0x12}, {0x38, 0xC5}};
        uint8_t seed[4 + 4096 + sizeof(script)];
        const char *names[3] = {"auto-two-bank.bin", "auto-in-place.bin", "plain-small-window.bin"};
        unsigned k;

        for (k = 0; k < 3; k++) {
            seed[0] = option_sets[k][0];
            seed[1] = option_sets[k][1];
            dfota_put_le16(seed + 2, 4096);
            memcpy(seed + 4, source, 4096);
            memcpy(seed + 4 + 4096, script, sizeof(script));
            ok &= write_file(dir, names[k], NULL, 0, seed, sizeof(seed));
        }
    }

    snprintf(dir, sizeof(dir), "%s/signed_zip", argv[1]);
    {
        static const uint8_t untouched_rsa[1] = {0x00}, untouched_ec[1] = {0x01};
        /* A content byte changed, CRCs fixed: the signature check must refuse it. */
        static const uint8_t content_edit[5] = {0x02, 100, 0, 0, 0x40};
        /* The time of the .bin's local header: the layout check must refuse it. */
        static const uint8_t time_edit[9] = {0x01, 10, 0, 1, 0x42, 0, 0, 0, 0};

        ok &= write_file(dir, "untouched-rsa.bin", NULL, 0, untouched_rsa, 1);
        ok &= write_file(dir, "untouched-ec.bin", NULL, 0, untouched_ec, 1);
        ok &= write_file(dir, "content-edit-crc-fixed.bin", NULL, 0, content_edit, 5);
        ok &= write_file(dir, "time-edit.bin", NULL, 0, time_edit, 9);
    }
    return ok ? 0 : 1;
}
