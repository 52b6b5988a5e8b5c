/*
 * fuzz_package.c - fuzz target for the package reader: header parse, size
 * and digest checks, and for full-image packages the payload decode; and for
 * the device-side package front end (dfota/pkgapply.h), which takes the same
 * bytes as a device downloads them, on a simulated flash holding the fixed
 * source of apply_source.h, in chunks the input chooses. What the front end
 * accepts, the host reader must accept too, with the same new image.
 * Built as a libFuzzer target with -DDFOTA_FUZZ=ON (clang), and always
 * linked into the replay driver that CTest runs over the corpus.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "apply_source.h"
#include "dfota/packer.h"
#include "dfota/verifier.h"
#include "dfota/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The device's view of the same bytes. */
static void check_device(const uint8_t *data, size_t size, size_t chunk)
{
    static uint8_t source[FUZZ_APPLY_SOURCE_CAP];
    struct dfota_package_header hdr;
    struct dfota_trial_options opts;
    struct dfota_error err;
    const uint8_t *payload;
    uint8_t *image = NULL, *host = NULL;
    size_t source_size = fuzz_apply_source(source), image_size = 0, host_size = 0;

    /* Keep the simulated flash small: a crafted header may claim 4 GiB. */
    if (dfota_container_parse(data, size, &hdr, &err) != DFOTA_OK ||
        hdr.target.size > (1u << 20))
        return;
    memset(&opts, 0, sizeof(opts));
    opts.chunk_size = chunk;
    if (dfota_trial_apply_package(data, size, source, source_size, &opts, &image, &image_size,
                                  &err) != DFOTA_OK)
        return;
    /* Accepted by the device: the host reader agrees, and on the image. */
    if (dfota_package_open(data, size, &hdr, &payload, &err) != DFOTA_OK)
        abort();
    if (image_size != hdr.target.size)
        abort();
    if (hdr.package_type == DFOTA_PACKAGE_FULL) {
        if (dfota_package_unpack_full(&hdr, payload, &host, &host_size, &err) != DFOTA_OK ||
            host_size != image_size || memcmp(host, image, image_size) != 0)
            abort();
        free(host);
    }
    free(image);
}

static void check_package(const uint8_t *data, size_t size)
{
    struct dfota_package_header hdr;
    struct dfota_error err;
    const uint8_t *payload;
    uint8_t *image = NULL;
    size_t image_size = 0;
    uint32_t header_size;

    (void)dfota_container_peek(data, size, &header_size, &err);
    if (dfota_container_parse(data, size, &hdr, &err) != DFOTA_OK)
        return;
    if (dfota_package_open(data, size, &hdr, &payload, &err) != DFOTA_OK)
        return;
    /* Keep allocations bounded: a crafted header may claim a 4 GiB target. */
    if (hdr.package_type == DFOTA_PACKAGE_FULL && hdr.target.size <= (16u << 20) &&
        dfota_package_unpack_full(&hdr, payload, &image, &image_size, &err) == DFOTA_OK) {
        if (image_size != hdr.target.size)
            abort(); /* a decoded full image of another size than the header states */
        free(image);
    }
}

/*
 * The input as given, then (if it has a plausible preamble) a copy with the
 * header CRC-32 recomputed, so that mutations reach the field parser instead
 * of all stopping at the checksum.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint32_t header_size;
    uint8_t *copy;

    check_package(data, size);
    check_device(data, size, size > 0 ? (size_t)1 + data[size - 1] % 97 : 1);
    if (size < 16)
        return 0;
    header_size = dfota_get_le32(data + 12);
    if (header_size < 20 || header_size > size)
        return 0;
    copy = malloc(size);
    if (copy == NULL)
        return 0;
    memcpy(copy, data, size);
    dfota_put_le32(copy + header_size - 4, dfota_crc32(0, copy, header_size - 4));
    check_package(copy, size);
    check_device(copy, size, 64);
    free(copy);
    return 0;
}
