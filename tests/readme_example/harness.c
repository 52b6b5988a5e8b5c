/*
 * harness.c - the board for the README's device example (extracted from
 * README.md at configure time into readme_example.c): RAM banks with NOR
 * semantics, the record kept with dfota_progress_save/load in two erase
 * blocks, the download read from a file. It runs fota_update() on a
 * package, once straight through and once with a power cut (a failing
 * write) followed by a second boot, and checks bank B against the new image.
 *
 * usage: readme_example OLD.bin NEW.bin PACKAGE.bin
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dfota/pkgapply.h"

/* What the README's example calls (its declarations) and defines. */
enum dfota_status bank_a_read(void *ctx, uint32_t off, uint8_t *dst, size_t len);
enum dfota_status bank_b_erase(void *ctx, uint32_t off, uint32_t len);
enum dfota_status bank_b_write(void *ctx, uint32_t off, const uint8_t *src, size_t len);
enum dfota_status bank_b_read(void *ctx, uint32_t off, uint8_t *dst, size_t len);
enum dfota_status record_save(void *ctx, const struct dfota_progress *rec);
int record_load(struct dfota_progress *rec);
size_t download(uint8_t *buf, size_t size);
void urc_updating(void *ctx, unsigned percent);
enum dfota_status fota_update(void);

#define BANK (1u << 20)
#define ERASE 4096u

static uint8_t bank_a[BANK], bank_b[BANK], records[2 * ERASE];
static FILE *package;
static unsigned writes, fail_after;
static unsigned last_percent;

enum dfota_status bank_a_read(void *ctx, uint32_t off, uint8_t *dst, size_t len)
{
    (void)ctx;
    if ((uint64_t)off + len > BANK)
        return DFOTA_E_FLASH;
    memcpy(dst, bank_a + off, len);
    return DFOTA_OK;
}

enum dfota_status bank_b_erase(void *ctx, uint32_t off, uint32_t len)
{
    (void)ctx;
    if (off % ERASE || len % ERASE || (uint64_t)off + len > BANK)
        return DFOTA_E_FLASH;
    memset(bank_b + off, 0xFF, len);
    return DFOTA_OK;
}

enum dfota_status bank_b_write(void *ctx, uint32_t off, const uint8_t *src, size_t len)
{
    size_t i;

    (void)ctx;
    if (off % 8 || len % 8 || (uint64_t)off + len > BANK)
        return DFOTA_E_FLASH;
    if (fail_after != 0 && writes + 1 > fail_after)
        return DFOTA_E_FLASH; /* the power goes */
    writes++;
    for (i = 0; i < len; i++)
        bank_b[off + i] &= src[i];
    return DFOTA_OK;
}

enum dfota_status bank_b_read(void *ctx, uint32_t off, uint8_t *dst, size_t len)
{
    (void)ctx;
    if ((uint64_t)off + len > BANK)
        return DFOTA_E_FLASH;
    memcpy(dst, bank_b + off, len);
    return DFOTA_OK;
}

static enum dfota_status rec_read(void *ctx, uint32_t off, uint8_t *dst, size_t len)
{
    (void)ctx;
    memcpy(dst, records + off, len);
    return DFOTA_OK;
}
static enum dfota_status rec_erase(void *ctx, uint32_t off, uint32_t len)
{
    (void)ctx;
    memset(records + off, 0xFF, len);
    return DFOTA_OK;
}
static enum dfota_status rec_write(void *ctx, uint32_t off, const uint8_t *src, size_t len)
{
    size_t i;

    (void)ctx;
    for (i = 0; i < len; i++)
        records[off + i] &= src[i];
    return DFOTA_OK;
}

static const struct dfota_progress_store store = {NULL, rec_read, rec_erase, rec_write, ERASE, 8};

enum dfota_status record_save(void *ctx, const struct dfota_progress *rec)
{
    struct dfota_progress copy = *rec;

    (void)ctx;
    return dfota_progress_save(&store, &copy);
}

int record_load(struct dfota_progress *rec)
{
    int found = 0;

    return dfota_progress_load(&store, rec, &found) == DFOTA_OK && found &&
           dfota_progress_in_progress(rec);
}

size_t download(uint8_t *buf, size_t size)
{
    return fread(buf, 1, size, package);
}

void urc_updating(void *ctx, unsigned percent)
{
    (void)ctx;
    last_percent = percent;
}

static uint8_t *load(const char *path, size_t *size)
{
    FILE *fp = fopen(path, "rb");
    uint8_t *buf = malloc(BANK);

    if (fp == NULL || buf == NULL) {
        fprintf(stderr, "readme_example: cannot read %s\n", path);
        exit(1);
    }
    *size = fread(buf, 1, BANK, fp);
    fclose(fp);
    return buf;
}

static int boot(const char *pkg_path, unsigned cut)
{
    enum dfota_status st;

    package = fopen(pkg_path, "rb");
    if (package == NULL)
        return -1;
    writes = 0;
    fail_after = cut;
    st = fota_update();
    fclose(package);
    return (int)st;
}

int main(int argc, char **argv)
{
    size_t old_size, new_size;
    uint8_t *old, *new_;
    unsigned full_writes;
    int st;

    if (argc != 4) {
        fprintf(stderr, "usage: readme_example OLD NEW PACKAGE\n");
        return 2;
    }
    old = load(argv[1], &old_size);
    new_ = load(argv[2], &new_size);
    /* Straight through. */
    memset(bank_a, 0xFF, BANK);
    memcpy(bank_a, old, old_size);
    memset(bank_b, 0x00, BANK);
    memset(records, 0xFF, sizeof(records));
    st = boot(argv[3], 0);
    if (st != DFOTA_OK || memcmp(bank_b, new_, new_size) != 0 || last_percent != 100) {
        fprintf(stderr, "readme_example: update failed (%s)\n",
                dfota_status_name((enum dfota_status)st));
        return 1;
    }
    full_writes = writes;
    /* A power cut after 300 writes (past the first segment), then the next boot. */
    memset(bank_b, 0x00, BANK);
    memset(records, 0xFF, sizeof(records));
    st = boot(argv[3], 300);
    if (st != DFOTA_E_FLASH) {
        fprintf(stderr, "readme_example: the cut did not stop the update (%s)\n",
                dfota_status_name((enum dfota_status)st));
        return 1;
    }
    st = boot(argv[3], 0);
    /* The second boot went on from the record: it did not write everything again. */
    if (st != DFOTA_OK || memcmp(bank_b, new_, new_size) != 0 || writes + 256 > full_writes) {
        fprintf(stderr, "readme_example: resume failed (%s, %u of %u writes)\n",
                dfota_status_name((enum dfota_status)st), writes, full_writes);
        return 1;
    }
    printf("readme_example: applied, and resumed after a power cut: bank B holds the new image\n");
    free(old);
    free(new_);
    return 0;
}
