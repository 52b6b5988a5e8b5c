/*
 * hwhash.c - the hardware-like hash driver (hwhash.h).
 *
 * Table file: entries of 40 bytes, little-endian: u32 algorithm
 * (1 SHA-256, 2 MD5), u32 number of bytes hashed, 32 bytes of digest (an
 * MD5 in the first 16). scripts/target-check.sh writes it with sha256sum
 * and md5sum of the old image, the payload and the new image.
 */
#include "hwhash.h"

#include <string.h>

#include "board.h"

#define MAX_ENTRIES 16u

struct entry {
    uint32_t alg;
    uint32_t length;
    uint8_t digest[32];
    uint32_t used;
};

static struct entry table[MAX_ENTRIES];
static unsigned entries;

struct engine_state {
    uint32_t length;
};

static enum dfota_status engine_init(void *ctx, struct dfota_hash *h, enum dfota_hash_alg alg)
{
    struct engine_state st = {0};
    (void)ctx;
    h->alg = (uint32_t)alg;
    memcpy(h->state.bytes, &st, sizeof(st));
    return DFOTA_OK;
}

static enum dfota_status engine_update(void *ctx, struct dfota_hash *h, const uint8_t *data,
                                     size_t len)
{
    struct engine_state st;
    (void)ctx;
    (void)data;
    memcpy(&st, h->state.bytes, sizeof(st));
    st.length += (uint32_t)len;
    memcpy(h->state.bytes, &st, sizeof(st));
    return DFOTA_OK;
}

static enum dfota_status engine_final(void *ctx, struct dfota_hash *h, uint8_t *digest)
{
    struct engine_state st;
    unsigned i;
    (void)ctx;
    memcpy(&st, h->state.bytes, sizeof(st));
    /* The first digest of that algorithm and length not yet given, in the
     * order the host listed them (the source before the target: the two
     * images may have the same size); then any, for a digest asked twice. */
    for (i = 0; i < 2 * entries; i++) {
        struct entry *e = &table[i % entries];

        if (e->alg == h->alg && e->length == st.length && (i >= entries || e->used == 0)) {
            memcpy(digest, e->digest, h->alg == DFOTA_HASH_MD5 ? 16u : 32u);
            e->used++;
            return DFOTA_OK;
        }
    }
    board_puts("hardware-like hash driver: no digest from the host for algorithm ");
    board_put_u32(h->alg);
    board_puts(" over ");
    board_put_u32(st.length);
    board_puts(" bytes\n");
    return DFOTA_E_INTERNAL;
}

const struct dfota_hash_ops hwhash_ops = {engine_init, engine_update, engine_final};

int hwhash_load(const char *name)
{
    uint8_t raw[40];
    int fd = board_open(name, 0);
    if (fd < 0)
        return -1;
    entries = 0;
    while (board_read(fd, raw, sizeof(raw)) == (long)sizeof(raw) && entries < MAX_ENTRIES) {
        struct entry *e = &table[entries++];
        e->alg = (uint32_t)raw[0] | (uint32_t)raw[1] << 8 | (uint32_t)raw[2] << 16 |
                 (uint32_t)raw[3] << 24;
        e->length = (uint32_t)raw[4] | (uint32_t)raw[5] << 8 | (uint32_t)raw[6] << 16 |
                    (uint32_t)raw[7] << 24;
        memcpy(e->digest, raw + 8, 32);
        e->used = 0;
    }
    board_close(fd);
    return entries == 0 ? -1 : 0;
}

unsigned hwhash_unused(void)
{
    unsigned i, n = 0;
    for (i = 0; i < entries; i++) {
        if (table[i].used == 0) {
            board_puts("hardware-like hash driver: the host's digest of ");
            board_put_u32(table[i].length);
            board_puts(" bytes was never asked for\n");
            n++;
        }
    }
    return n;
}
