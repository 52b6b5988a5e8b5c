/*
 * A program built against an installed dfota: packs and reads a package,
 * makes a patch, and, given the samples directory and a work directory,
 * makes a whole signed release through dfota_release(), as a CI system
 * linking the library would.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dfota/apply.h>
#include <dfota/container.h>
#include <dfota/diffgen.h>
#include <dfota/keys.h>
#include <dfota/packer.h>
#include <dfota/release.h>
#include <dfota/version.h>

static unsigned char *slurp(const char *dir, const char *name, size_t *size)
{
    char path[1024];
    unsigned char *data;
    long n;
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "rb");
    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET))
        return NULL;
    data = malloc((size_t)n + 1);
    if (data != NULL && fread(data, 1, (size_t)n, f) != (size_t)n) {
        free(data);
        data = NULL;
    }
    fclose(f);
    *size = (size_t)n;
    return data;
}

static int release_samples(const char *samples, const char *work)
{
    static const char secret[] = "Consumer-2024";
    struct dfota_release_options opts;
    struct dfota_release_source source;
    struct dfota_release_result result;
    struct dfota_passphrase pass;
    struct dfota_key_pair pair;
    struct dfota_signing_key *key = NULL;
    struct dfota_error err;
    char path[1024];
    size_t i;
    FILE *f;
    int rc = 1;

    dfota_release_options_init(&opts);
    source.name = "BC25R01A03.bin";
    source.version = NULL; /* read from the image */
    source.image = slurp(samples, "BC25R01A03.bin", &source.size);
    opts.new_image = slurp(samples, "BC25R01A04.bin", &opts.new_size);
    opts.new_name = "BC25R01A04.bin";
    opts.sources = &source;
    opts.source_count = 1;
    snprintf(path, sizeof(path), "%s/private.pem", work);
    if (source.image == NULL || opts.new_image == NULL ||
        dfota_passphrase_set(&pass, secret, strlen(secret), &err) != DFOTA_OK ||
        dfota_keygen(DFOTA_KEY_ECDSA_SECP256K1, &pass, &pair, &err) != DFOTA_OK) {
        fprintf(stderr, "consumer: cannot set up the release: %s\n", err.message);
        return 1;
    }
    f = fopen(path, "w");
    if (f != NULL &&
        fwrite(pair.private_pem, 1, pair.private_pem_size, f) == pair.private_pem_size &&
        fclose(f) == 0 && dfota_signing_key_load(path, &pass, &key, &err) == DFOTA_OK) {
        opts.key = key;
        snprintf(path, sizeof(path), "%s/release", work);
        if (dfota_release(&opts, path, DFOTA_OUTPUT_CREATE_DIR, &result, &err) == DFOTA_OK) {
            for (i = 0; i < DFOTA_RELEASE_FILE_COUNT; i++)
                printf("release: %s, %zu bytes\n", result.pairs[0].out[i].name,
                       result.pairs[0].out[i].size);
            rc = 0;
        }
        dfota_release_result_free(&result);
    }
    if (rc != 0)
        fprintf(stderr, "consumer: release failed: %s\n", err.message);
    dfota_signing_key_free(key);
    dfota_key_pair_release(&pair);
    dfota_passphrase_wipe(&pass);
    free((void *)source.image);
    free((void *)opts.new_image);
    return rc;
}

int main(int argc, char **argv)
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
    return argc == 3 ? release_samples(argv[1], argv[2]) : 0;
}
