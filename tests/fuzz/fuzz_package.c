/*
 * fuzz_package.c - fuzz target for the package reader: header parse, size
 * and digest checks, and for full-image packages the payload decode.
 * Built as a libFuzzer target with -DDFOTA_FUZZ=ON (clang), and always
 * linked into the replay driver that CTest runs over the corpus.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dfota/packer.h"
#include "dfota/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
    free(copy);
    return 0;
}
