/*
 * flashsim.c - NOR flash simulator: erase blocks, program-only-erased writes,
 * alignment, and power cuts after N operations (clean or torn).
 */
#include "dfota/flashsim.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define ERASED_BYTE 0xFFu

static bool is_power_of_two(uint32_t x)
{
    return x != 0 && (x & (x - 1u)) == 0;
}

/* splitmix64: small, full-period over 2^64 states, any seed (0 included). */
static uint64_t next_random(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15u);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static enum dfota_status check_created(const struct dfota_flashsim *f, const char *operation,
                                       uint32_t offset, struct dfota_error *err)
{
    if (f == NULL || f->mem == NULL)
        return dfota_error_set(err, DFOTA_E_INVALID_ARGUMENT,
                               "%s at offset %" PRIu32 " (0x%" PRIx32
                               "): flash simulator not created",
                               operation, offset, offset);
    return DFOTA_OK;
}

static enum dfota_status check_powered(const struct dfota_flashsim *f, const char *operation,
                                       uint32_t offset, size_t len, struct dfota_error *err)
{
    if (!f->powered)
        return dfota_error_set(err, DFOTA_E_POWER_CUT,
                               "flash is powered off since the power cut at operation %" PRIu64
                               ": %s of %zu bytes at offset %" PRIu32 " (0x%" PRIx32 ") refused",
                               f->cut_at, operation, len, offset, offset);
    return DFOTA_OK;
}

static enum dfota_status check_range(const struct dfota_flashsim *f, const char *operation,
                                     uint32_t offset, size_t len, struct dfota_error *err)
{
    /* Written so that offset + len cannot overflow. */
    if (offset > f->size || len > (size_t)(f->size - offset))
        return dfota_error_set(err, DFOTA_E_INVALID_ARGUMENT,
                               "%s of %zu bytes at offset %" PRIu32 " (0x%" PRIx32
                               ") is outside the %" PRIu32 "-byte flash",
                               operation, len, offset, offset, f->size);
    return DFOTA_OK;
}

static enum dfota_status check_alignment(const char *operation, uint32_t offset, size_t len,
                                         uint32_t unit, const char *unit_name,
                                         struct dfota_error *err)
{
    if ((offset & (unit - 1u)) != 0)
        return dfota_error_set(err, DFOTA_E_INVALID_ARGUMENT,
                               "%s at offset %" PRIu32 " (0x%" PRIx32
                               "): offset is not a multiple of the %s %" PRIu32,
                               operation, offset, offset, unit_name, unit);
    if ((len & (size_t)(unit - 1u)) != 0)
        return dfota_error_set(err, DFOTA_E_INVALID_ARGUMENT,
                               "%s of %zu bytes at offset %" PRIu32 " (0x%" PRIx32
                               "): length is not a multiple of the %s %" PRIu32,
                               operation, len, offset, offset, unit_name, unit);
    return DFOTA_OK;
}

static enum dfota_status check_buffer(const void *buffer, const char *operation, uint32_t offset,
                                      size_t len, struct dfota_error *err)
{
    if (buffer == NULL && len > 0)
        return dfota_error_set(err, DFOTA_E_INVALID_ARGUMENT,
                               "%s of %zu bytes at offset %" PRIu32 " (0x%" PRIx32
                               "): buffer is NULL",
                               operation, len, offset, offset);
    return DFOTA_OK;
}

/*
 * Count one write or erase that is about to happen; true if it is the cut
 * one, in which case the flash is now powered off.
 */
static bool start_operation(struct dfota_flashsim *f)
{
    f->ops++;
    if (f->cut_at != 0 && f->ops == f->cut_at) {
        f->powered = false;
        return true;
    }
    return false;
}

static enum dfota_status report_cut(const struct dfota_flashsim *f, const char *operation,
                                    uint32_t offset, size_t len, struct dfota_error *err)
{
    return dfota_error_set(err, DFOTA_E_POWER_CUT,
                           "power cut during %s of %zu bytes at offset %" PRIu32 " (0x%" PRIx32
                           ") (operation %" PRIu64 ", %s)",
                           operation, len, offset, offset, f->ops,
                           f->cut_mode == DFOTA_FLASHSIM_CUT_TORN ? "torn" : "clean");
}

enum dfota_status dfota_flashsim_create(struct dfota_flashsim *f, uint32_t size,
                                        uint32_t erase_size, uint32_t write_align,
                                        struct dfota_error *err)
{
    if (f == NULL)
        return dfota_error_set(err, DFOTA_E_INVALID_ARGUMENT, "no flash simulator given");
    memset(f, 0, sizeof(*f));
    if (!is_power_of_two(write_align) || write_align > DFOTA_FLASHSIM_WRITE_ALIGN_MAX)
        return dfota_error_set(err, DFOTA_E_INVALID_ARGUMENT,
                               "write alignment %" PRIu32 " is not a power of two in 1..%u",
                               write_align, DFOTA_FLASHSIM_WRITE_ALIGN_MAX);
    if (!is_power_of_two(erase_size) || erase_size < write_align)
        return dfota_error_set(err, DFOTA_E_INVALID_ARGUMENT,
                               "erase size %" PRIu32
                               " is not a power of two at least the write alignment %" PRIu32,
                               erase_size, write_align);
    if (size == 0 || size % erase_size != 0)
        return dfota_error_set(err, DFOTA_E_INVALID_ARGUMENT,
                               "flash size %" PRIu32
                               " is not a non-zero multiple of the erase size %" PRIu32,
                               size, erase_size);
    f->mem = malloc(size);
    f->block_erases = calloc(size / erase_size, sizeof(*f->block_erases));
    if (f->mem == NULL || f->block_erases == NULL) {
        dfota_flashsim_free(f);
        return dfota_error_set(err, DFOTA_E_NO_MEMORY,
                               "cannot allocate a %" PRIu32 "-byte flash simulator", size);
    }
    memset(f->mem, ERASED_BYTE, size);
    f->size = size;
    f->erase_size = erase_size;
    f->write_align = write_align;
    f->powered = true;
    return DFOTA_OK;
}

void dfota_flashsim_free(struct dfota_flashsim *f)
{
    if (f == NULL)
        return;
    if (f->mapped)
        (void)munmap(f->mem, f->size);
    else
        free(f->mem);
    free(f->block_erases);
    memset(f, 0, sizeof(*f));
}

enum dfota_status dfota_flashsim_map_file(struct dfota_flashsim *f, const char *path,
                                          bool *loaded, struct dfota_error *err)
{
    struct stat sb;
    uint8_t *map;
    int fd;

    *loaded = false;
    if (f == NULL || f->mem == NULL || f->mapped)
        return dfota_error_set(err, DFOTA_E_INVALID_ARGUMENT, "no unmapped flash simulator");
    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        return dfota_error_set(err, DFOTA_E_IO, "cannot open '%s': %s", path, strerror(errno));
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        (void)close(fd);
        return dfota_error_set(err, DFOTA_E_IO, "'%s' is not a regular file", path);
    }
    *loaded = (uint64_t)sb.st_size == f->size;
    if (!*loaded && ftruncate(fd, (off_t)f->size) != 0) {
        (void)close(fd);
        return dfota_error_set(err, DFOTA_E_IO, "cannot size '%s': %s", path, strerror(errno));
    }
    map = mmap(NULL, f->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    (void)close(fd);
    if (map == MAP_FAILED)
        return dfota_error_set(err, DFOTA_E_IO, "cannot map '%s': %s", path, strerror(errno));
    if (!*loaded)
        memcpy(map, f->mem, f->size);
    free(f->mem);
    f->mem = map;
    f->mapped = true;
    return DFOTA_OK;
}

enum dfota_status dfota_flashsim_read(struct dfota_flashsim *f, uint32_t offset, uint8_t *dst,
                                      size_t len, struct dfota_error *err)
{
    static const char operation[] = "read";
    enum dfota_status st;

    st = check_created(f, operation, offset, err);
    if (st == DFOTA_OK)
        st = check_powered(f, operation, offset, len, err);
    if (st == DFOTA_OK)
        st = check_range(f, operation, offset, len, err);
    if (st == DFOTA_OK)
        st = check_buffer(dst, operation, offset, len, err);
    if (st != DFOTA_OK || len == 0)
        return st;
    memcpy(dst, f->mem + offset, len);
    f->reads++;
    f->bytes_read += len;
    return DFOTA_OK;
}

/* A random prefix of the write, then a random subset of the bits that byte
 * `prefix` would lose; the rest untouched. */
static void tear_write(struct dfota_flashsim *f, uint32_t offset, const uint8_t *src, size_t len)
{
    uint8_t *dst = f->mem + offset;
    size_t prefix = (size_t)(next_random(&f->seed) % len);
    uint8_t bits_to_clear = (uint8_t)(dst[prefix] & ~src[prefix]);
    uint8_t cleared = (uint8_t)(bits_to_clear & next_random(&f->seed));
    size_t i;

    for (i = 0; i < prefix; i++)
        dst[i] &= src[i];
    dst[prefix] &= (uint8_t)~cleared;
}

enum dfota_status dfota_flashsim_write(struct dfota_flashsim *f, uint32_t offset,
                                       const uint8_t *src, size_t len, struct dfota_error *err)
{
    static const char operation[] = "write";
    enum dfota_status st;
    uint8_t *dst;
    size_t i;

    st = check_created(f, operation, offset, err);
    if (st == DFOTA_OK)
        st = check_powered(f, operation, offset, len, err);
    if (st == DFOTA_OK)
        st = check_range(f, operation, offset, len, err);
    if (st == DFOTA_OK)
        st = check_alignment(operation, offset, len, f->write_align, "write alignment", err);
    if (st == DFOTA_OK)
        st = check_buffer(src, operation, offset, len, err);
    if (st != DFOTA_OK || len == 0)
        return st;

    /* Check every byte before touching any, so a refused write changes nothing. */
    dst = f->mem + offset;
    for (i = 0; i < len; i++) {
        if (dst[i] != ERASED_BYTE) {
            uint32_t at = offset + (uint32_t)i;

            return dfota_error_set(err, DFOTA_E_FLASH,
                                   "write to unerased byte at offset %" PRIu32 " (0x%" PRIx32
                                   "): it holds 0x%02x (write of %zu bytes at offset %" PRIu32
                                   " (0x%" PRIx32 "))",
                                   at, at, (unsigned)dst[i], len, offset, offset);
        }
    }

    if (start_operation(f)) {
        if (f->cut_mode == DFOTA_FLASHSIM_CUT_TORN)
            tear_write(f, offset, src, len);
        return report_cut(f, operation, offset, len, err);
    }
    /* NOR programming only clears bits. */
    for (i = 0; i < len; i++)
        dst[i] &= src[i];
    f->writes++;
    f->bytes_written += len;
    return DFOTA_OK;
}

enum dfota_status dfota_flashsim_erase(struct dfota_flashsim *f, uint32_t offset, size_t len,
                                       struct dfota_error *err)
{
    static const char operation[] = "erase";
    enum dfota_status st;
    size_t block, first_block, block_count;

    st = check_created(f, operation, offset, err);
    if (st == DFOTA_OK)
        st = check_powered(f, operation, offset, len, err);
    if (st == DFOTA_OK)
        st = check_range(f, operation, offset, len, err);
    if (st == DFOTA_OK)
        st = check_alignment(operation, offset, len, f->erase_size, "erase size", err);
    if (st != DFOTA_OK || len == 0)
        return st;

    if (start_operation(f)) {
        if (f->cut_mode == DFOTA_FLASHSIM_CUT_TORN) {
            /* Blocks are erased in address order; 0..len bytes got done. */
            size_t done = (size_t)(next_random(&f->seed) % ((uint64_t)len + 1u));

            memset(f->mem + offset, ERASED_BYTE, done);
        }
        return report_cut(f, operation, offset, len, err);
    }
    memset(f->mem + offset, ERASED_BYTE, len);
    first_block = offset / f->erase_size;
    block_count = len / f->erase_size;
    for (block = first_block; block < first_block + block_count; block++)
        f->block_erases[block]++;
    f->erases++;
    return DFOTA_OK;
}

void dfota_flashsim_cut_after(struct dfota_flashsim *f, uint64_t n,
                              enum dfota_flashsim_cut_mode mode, uint64_t seed)
{
    f->cut_at = (n < UINT64_MAX - f->ops) ? f->ops + n + 1u : 0;
    f->cut_mode = mode;
    f->seed = seed;
}

void dfota_flashsim_power_on(struct dfota_flashsim *f)
{
    f->powered = true;
    f->cut_at = 0;
}

enum dfota_status dfota_flashsim_load(struct dfota_flashsim *f, uint32_t offset,
                                      const uint8_t *data, size_t len, struct dfota_error *err)
{
    static const char operation[] = "load";
    enum dfota_status st;

    st = check_created(f, operation, offset, err);
    if (st == DFOTA_OK)
        st = check_range(f, operation, offset, len, err);
    if (st == DFOTA_OK)
        st = check_buffer(data, operation, offset, len, err);
    if (st != DFOTA_OK || len == 0)
        return st;
    memcpy(f->mem + offset, data, len);
    return DFOTA_OK;
}

enum dfota_status dfota_flashsim_save_file(const struct dfota_flashsim *f, const char *path,
                                           struct dfota_error *err)
{
    FILE *file;
    size_t written;
    int saved_errno;

    if (f == NULL || f->mem == NULL || path == NULL)
        return dfota_error_set(err, DFOTA_E_INVALID_ARGUMENT,
                               "cannot save the flash image: no flash simulator or no path given");
    file = fopen(path, "wb");
    if (file == NULL)
        return dfota_error_set(err, DFOTA_E_IO, "cannot create '%s': %s", path, strerror(errno));
    written = fwrite(f->mem, 1, f->size, file);
    saved_errno = errno;
    if (written != f->size) {
        (void)fclose(file);
        return dfota_error_set(err, DFOTA_E_IO,
                               "cannot write '%s' at offset %zu (0x%zx): %s", path, written,
                               written, strerror(saved_errno));
    }
    if (fclose(file) != 0)
        return dfota_error_set(err, DFOTA_E_IO, "cannot write '%s': %s", path, strerror(errno));
    return DFOTA_OK;
}

enum dfota_status dfota_flashsim_load_file(struct dfota_flashsim *f, const char *path,
                                           struct dfota_error *err)
{
    FILE *file;
    uint8_t *image;
    size_t got;
    enum dfota_status st = DFOTA_OK;

    if (f == NULL || f->mem == NULL || path == NULL)
        return dfota_error_set(err, DFOTA_E_INVALID_ARGUMENT,
                               "cannot load a flash image: no flash simulator or no path given");
    /* Read into a separate buffer so that a short or unreadable file leaves
     * the memory as it was. */
    image = malloc(f->size);
    if (image == NULL)
        return dfota_error_set(err, DFOTA_E_NO_MEMORY, "cannot allocate %" PRIu32 " bytes",
                               f->size);
    file = fopen(path, "rb");
    if (file == NULL) {
        st = dfota_error_set(err, DFOTA_E_IO, "cannot open '%s': %s", path, strerror(errno));
        free(image);
        return st;
    }
    got = fread(image, 1, f->size, file);
    if (ferror(file))
        st = dfota_error_set(err, DFOTA_E_IO, "cannot read '%s' at offset %zu (0x%zx): %s",
                             path, got, got, strerror(errno));
    else if (got != f->size)
        st = dfota_error_set(err, DFOTA_E_INVALID_ARGUMENT,
                             "'%s' ends at offset %zu (0x%zx): the flash is %" PRIu32 " bytes",
                             path, got, got, f->size);
    else if (fgetc(file) != EOF)
        st = dfota_error_set(err, DFOTA_E_INVALID_ARGUMENT,
                             "'%s' has data past offset %" PRIu32 " (0x%" PRIx32
                             "), the end of the %" PRIu32 "-byte flash",
                             path, f->size, f->size, f->size);
    else if (ferror(file))
        st = dfota_error_set(err, DFOTA_E_IO, "cannot read '%s' at offset %" PRIu32 ": %s",
                             path, f->size, strerror(errno));
    (void)fclose(file);
    if (st == DFOTA_OK)
        memcpy(f->mem, image, f->size);
    free(image);
    return st;
}
