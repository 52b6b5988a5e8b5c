/* A program built against an installed dfota: reads a package header. */
#include <stdio.h>

#include <dfota/apply.h>
#include <dfota/container.h>
#include <dfota/diffgen.h>
#include <dfota/packer.h>
#include <dfota/version.h>

int main(void)
{
    struct dfota_full_options opts;
    struct dfota_package_header hdr;
    struct dfota_error err;
    const unsigned char image[] = "firmware";
    const unsigned char *payload;
    unsigned char *package;
    size_t size;

    dfota_full_options_init(&opts);
    opts.target_version = "BC25R01A04";
    if (dfota_pack_full(image, sizeof(image), &opts, &package, &size, &err) != DFOTA_OK ||
        dfota_package_open(package, size, &hdr, &payload, &err) != DFOTA_OK) {
        fprintf(stderr, "consumer: %s\n", err.message);
        return 1;
    }
    printf("dfota %s: %s package for %s, %zu bytes\n", DFOTA_VERSION_STRING,
           dfota_package_type_name(hdr.package_type), hdr.target_version, size);
    {
        struct dfota_diff_options diff;
        unsigned char *patch;
        size_t patch_size;

        dfota_diff_options_init(&diff);
        if (dfota_diff(image, sizeof(image) - 1, image, sizeof(image), &diff, &patch,
                       &patch_size, &err) != DFOTA_OK) {
            fprintf(stderr, "consumer: %s\n", err.message);
            return 1;
        }
        printf("patch %zu bytes, applier workspace %zu bytes (range codec, history 2^%u)\n",
               patch_size,
               dfota_apply_workspace_need_for(DFOTA_CODEC_RANGE_ID, DFOTA_PATCH_HISTORY_LOG_DEFAULT,
                                              0, 0),
               DFOTA_PATCH_HISTORY_LOG_DEFAULT);
    }
    return 0;
}
