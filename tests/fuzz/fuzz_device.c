/*
 * fuzz_device.c - fuzz target for a whole device update with power cuts:
 * the patch of the input is applied on a simulated module (dfota/devsim.h,
 * two-bank or in place as its header says) once without a cut, and once
 * with up to three power cuts (clean or torn) at flash operations chosen
 * by the input, each followed by a boot that resumes from the progress
 * record. The same patch must then give the same result: both runs fail,
 * or both succeed with the same target bytes, whose SHA-256 is the one the
 * header states (checked here with OpenSSL, not with the applier's own
 * code), with a two-bank device's old bank never changed.
 *
 * Input: 4 bytes of options, then the patch (of the fixed source image of
 * apply_source.h; seeds in corpus/device, made by make_corpus).
 *   byte 0   bits 0-1 write alignment (apply_source.h), bit 2 torn cuts,
 *            bits 3-5 patch chunk size index, bits 6-7 number of cuts (0..3)
 *   byte 1-3 where the cuts fall (fractions of the uncut run's operations)
 *
 * Built as a libFuzzer target with -DDFOTA_FUZZ=ON (clang), and always
 * linked into the replay driver that CTest runs over the corpus.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include "apply_source.h"
#include "dfota/devsim.h"
#include "dfota/patch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Largest target tried: the simulated flash stays small and runs fast. */
#define FUZZ_DEVICE_TARGET_MAX (256u * 1024u)
#define FUZZ_DEVICE_ERASE_SIZE 4096u
#define FUZZ_DEVICE_BOOTS_MAX 8u

static const size_t device_chunks[8] = {0, 1, 7, 64, 100, 512, 4096, 65536};

/* One boot after another until the update ends (or a cut stops it: then power on). */
static enum dfota_status run_boots(struct dfota_devsim *d, const uint8_t *patch,
                                   size_t patch_size, size_t chunk, unsigned cuts,
                                   const uint8_t *where, uint64_t uncut_ops, int torn)
{
    struct dfota_devsim_run_options run;
    struct dfota_devsim_outcome outcome;
    struct dfota_error err;
    enum dfota_status st = DFOTA_E_INTERNAL;
    unsigned boot, cut = 0;

    memset(&run, 0, sizeof(run));
    run.chunk_size = chunk;
    for (boot = 0; boot < FUZZ_DEVICE_BOOTS_MAX; boot++) {
        if (cut < cuts && uncut_ops > 0)
            dfota_flashsim_cut_after(&d->flash, where[cut] * uncut_ops / 256u,
                                     torn ? DFOTA_FLASHSIM_CUT_TORN : DFOTA_FLASHSIM_CUT_CLEAN,
                                     where[cut]);
        st = dfota_devsim_run(d, patch, patch_size, &run, &outcome, &err);
        if (st != DFOTA_E_POWER_CUT)
            return st;
        cut++;
        dfota_flashsim_power_on(&d->flash);
    }
    /* Every cut is followed by a boot without one: more boots than cuts + 1 is a loop. */
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t source[FUZZ_APPLY_SOURCE_CAP];
    static size_t source_size;
    struct dfota_patch_header hdr;
    struct dfota_devsim a, b;
    struct dfota_error err;
    const uint8_t *patch = data + 4;
    size_t patch_size = size - 4, chunk;
    uint32_t align;
    unsigned cuts;
    uint64_t ops;
    enum dfota_status sa, sb;

    if (source_size == 0)
        source_size = fuzz_apply_source(source);
    if (size < 4 || dfota_patch_header_decode(patch, patch_size, &hdr, &err) != DFOTA_OK ||
        hdr.target_size > FUZZ_DEVICE_TARGET_MAX ||
        hdr.segment_size < FUZZ_DEVICE_ERASE_SIZE)
        return 0;
    align = fuzz_apply_aligns[data[0] & 3u];
    chunk = device_chunks[(data[0] >> 3) & 7u];
    cuts = data[0] >> 6;
    if (dfota_devsim_create(&a, &hdr, source, source_size, FUZZ_DEVICE_ERASE_SIZE, align,
                            UINT32_MAX, &err) != DFOTA_OK)
        return 0;
    sa = run_boots(&a, patch, patch_size, chunk, 0, NULL, 0, 0);
    ops = a.flash.ops;
    if (sa == DFOTA_OK) {
        uint8_t digest[SHA256_DIGEST_LENGTH];

        SHA256(dfota_devsim_target(&a), hdr.target_size, digest);
        if (memcmp(digest, hdr.target_sha256, sizeof(digest)) != 0)
            abort(); /* success with a target that is not the stated one */
    }
    if (dfota_devsim_create(&b, &hdr, source, source_size, FUZZ_DEVICE_ERASE_SIZE, align,
                            UINT32_MAX, &err) != DFOTA_OK)
        abort(); /* the same geometry worked a moment ago */
    sb = run_boots(&b, patch, patch_size, chunk, cuts, data + 1, ops, (data[0] >> 2) & 1u);
    if ((sa == DFOTA_OK) != (sb == DFOTA_OK))
        abort(); /* power cuts changed whether the patch applies */
    if (sa == DFOTA_OK &&
        memcmp(dfota_devsim_target(&a), dfota_devsim_target(&b), hdr.target_size) != 0)
        abort(); /* power cuts changed the result */
    if (!b.in_place && memcmp(b.flash.mem + b.source_offset, source, source_size) != 0)
        abort(); /* the old bank was written */
    dfota_devsim_free(&a);
    dfota_devsim_free(&b);
    return 0;
}
