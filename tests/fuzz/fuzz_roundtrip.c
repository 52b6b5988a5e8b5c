/*
 * fuzz_roundtrip.c - fuzz target for the whole delta path: an old and a
 * new image made from the input, a patch from diffgen, and the patch
 * applied by the device-side applier on a simulated flash (two-bank, or in
 * place, as the options say); the result must be the new image, byte for
 * byte, whatever the images are.
 *
 * Input: two option bytes, then the old image's length (2 bytes, little
 * endian, capped at what is there), the old image, then an edit script
 * that makes the new image from the old one, so that the two share what
 * real firmware versions share:
 *   byte 0   bits 0-1 prediction (none, branch, pointer, auto), bit 2 in place,
 *            bits 3-4 codec: range with history log 8, 10 or 12, or zstd with
 *            window log 13; bits 5-7 segment size 4 KiB << (0..2)
 *   byte 1   bits 0-3 patch chunk size index (apply_source.h), bits 4-5 write
 *            alignment index, bits 6-7 flash erase size 256 << (0, 2, 4, 4)
 *   script   op byte b: b & 3 = 0 copy ((b >> 2) + 1) * 16 bytes of the old
 *            image from a 2-byte offset; 1 insert (b >> 2) + 1 literal bytes;
 *            2 copy with every 8th byte changed (a relocation); 3 skip
 *
 * Built as a libFuzzer target with -DDFOTA_FUZZ=ON (clang), and always
 * linked into the replay driver that CTest runs over the corpus.
 */
#include <stdlib.h>
#include <string.h>

#include "apply_source.h"
#include "dfota/diffgen.h"
#include "dfota/patch.h"
#include "dfota/predict.h"
#include "dfota/verifier.h"
#include "dfota/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define OLD_MAX (64u * 1024u)
#define NEW_MAX (96u * 1024u)

static const unsigned predict_modes[4] = {0, DFOTA_PREDICT_BRANCH, DFOTA_PREDICT_POINTER,
                                          DFOTA_DIFF_PREDICT_AUTO};

/* The new image from the edit script at data[pos..size). */
static size_t make_new(const uint8_t *old, size_t old_size, const uint8_t *data, size_t size,
                       size_t pos, uint8_t *out)
{
    size_t n = 0;

    while (pos < size && n < NEW_MAX) {
        uint8_t b = data[pos++];
        size_t len, from, i;

        switch (b & 3u) {
        case 0:
        case 2:
            if (old_size == 0 || size - pos < 2)
                return n;
            len = ((size_t)(b >> 2) + 1) * 16;
            from = dfota_get_le16(data + pos) % old_size;
            pos += 2;
            for (i = 0; i < len && from + i < old_size && n < NEW_MAX; i++)
                out[n++] = (uint8_t)(old[from + i] + ((b & 3u) == 2 && i % 8 == 7 ? 4 : 0));
            break;
        case 1:
            len = (size_t)(b >> 2) + 1;
            for (i = 0; i < len && pos < size && n < NEW_MAX; i++)
                out[n++] = data[pos++];
            break;
        default:
            break;
        }
    }
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t new_image[NEW_MAX];
    struct dfota_diff_options opts;
    struct dfota_trial_options trial;
    struct dfota_error err;
    const uint8_t *old;
    size_t old_size, new_size, patch_size = 0, image_size = 0;
    uint8_t *patch = NULL, *image = NULL;
    enum dfota_status st;

    if (size < 4)
        return 0;
    old_size = dfota_get_le16(data + 2);
    if (old_size > size - 4)
        old_size = size - 4;
    if (old_size > OLD_MAX)
        old_size = OLD_MAX;
    old = data + 4;
    new_size = make_new(old, old_size, data, size, 4 + old_size, new_image);

    dfota_diff_options_init(&opts);
    opts.predict = predict_modes[data[0] & 3u];
    opts.in_place = (data[0] >> 2) & 1;
    if (((data[0] >> 3) & 3u) == 3) {
        opts.codec = DFOTA_CODEC_ZSTD_ID;
        opts.window_log = 13;
    } else {
        opts.codec = DFOTA_CODEC_RANGE_ID;
        opts.window_log = 8u + 2u * ((data[0] >> 3) & 3u);
    }
    opts.segment_size = 4096u << ((data[0] >> 5) % 3u);
    opts.level = 3; /* speed: what is checked here is correctness, not size */
    st = dfota_diff(old, old_size, new_image, new_size, &opts, &patch, &patch_size, &err);
    if (st != DFOTA_OK)
        abort(); /* every pair of images within the limits has a patch */

    memset(&trial, 0, sizeof(trial));
    trial.chunk_size = fuzz_apply_chunks[data[1] & 15u];
    trial.write_align = fuzz_apply_aligns[(data[1] >> 4) & 3u];
    trial.erase_size = 256u << (((data[1] >> 6) & 3u) == 3 ? 4 : 2 * ((data[1] >> 6) & 3u));
    if (trial.write_align > trial.erase_size)
        trial.write_align = trial.erase_size;
    st = dfota_trial_apply(patch, patch_size, old, old_size, &trial, &image, &image_size, &err);
    if (st != DFOTA_OK || image_size != new_size ||
        (new_size > 0 && memcmp(image, new_image, new_size) != 0))
        abort(); /* the patch does not rebuild the new image */
    free(image);
    free(patch);
    return 0;
}
