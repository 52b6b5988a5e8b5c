/*
 * selfcopy.c - what copies from the new image itself could take (issue 13,
 * item 3): for an old/new pair, diffgen's matches, then how many of the
 * literal bytes they leave (the new bytes no copy from the old image
 * covers) an exact copy of at least MIN bytes from earlier in the new
 * image could cover instead, first from the segments before (what a
 * two-bank applier can read back from flash), then from anywhere before
 * (the current segment included). A greedy scan with a hash of 16-byte
 * prefixes: an estimate from above of what such copies would save.
 *
 * build: cmake --build build --target bench_selfcopy
 * usage: build/bench/bench_selfcopy OLD NEW [MIN (default 24)] [SEGMENT (default 65536)]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "match.h"

#define HASH_BITS 20
#define KEY 16

static uint8_t *read_all(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    uint8_t *data;
    long n;

    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
        fprintf(stderr, "selfcopy: cannot read %s\n", path);
        exit(2);
    }
    data = malloc((size_t)n + 1);
    if (data == NULL || fread(data, 1, (size_t)n, f) != (size_t)n) {
        fprintf(stderr, "selfcopy: cannot read %s\n", path);
        exit(2);
    }
    fclose(f);
    *size = (size_t)n;
    return data;
}

static uint32_t hash(const uint8_t *p)
{
    uint32_t h = 0;
    int i;

    for (i = 0; i < KEY; i++)
        h = h * 2654435761u + p[i];
    return h >> (32 - HASH_BITS);
}

/* Literal bytes coverable by copies from the new image before `limit(pos)`. */
static size_t coverable(const struct match_list *l, const uint8_t *n, size_t n_size, size_t min,
                        size_t segment, int same_segment, size_t *extra)
{
    int64_t *table = malloc(sizeof(*table) << HASH_BITS);
    size_t k, inserted = 0, covered = 0, i;

    if (table == NULL)
        exit(2);
    for (i = 0; i < (size_t)1 << HASH_BITS; i++)
        table[i] = -1;
    *extra = 0;
    for (k = 0; k < l->count; k++) {
        size_t a = (size_t)l->ops[k].target_start + l->ops[k].copy_len, b = a + l->ops[k].extra_len;
        size_t limit = same_segment ? a : a / segment * segment, p = a;

        *extra += l->ops[k].extra_len;
        for (; inserted + KEY <= limit; inserted++)
            table[hash(n + inserted)] = (int64_t)inserted;
        while (p + KEY <= b) {
            int64_t c = table[hash(n + p)];
            size_t len = 0;

            if (c >= 0)
                while (p + len < b && (size_t)c + len < limit && n[c + len] == n[p + len])
                    len++;
            if (len >= min) {
                covered += len;
                p += len;
            } else {
                p++;
            }
        }
    }
    (void)n_size;
    free(table);
    return covered;
}

int main(int argc, char **argv)
{
    size_t o_size, n_size, min = argc > 3 ? (size_t)atoi(argv[3]) : 24;
    size_t segment = argc > 4 ? (size_t)atoi(argv[4]) : 65536, extra, before, anywhere;
    uint8_t *o, *n;
    struct match_list l = {NULL, 0, 0};
    struct dfota_error err;

    if (argc < 3) {
        fprintf(stderr, "usage: bench_selfcopy OLD NEW [MIN] [SEGMENT]\n");
        return 2;
    }
    o = read_all(argv[1], &o_size);
    n = read_all(argv[2], &n_size);
    if (match_images(o, o_size, n, n_size, &l, NULL, NULL, &err) != DFOTA_OK) {
        fprintf(stderr, "selfcopy: matching failed\n");
        return 1;
    }
    before = coverable(&l, n, n_size, min, segment, 0, &extra);
    anywhere = coverable(&l, n, n_size, min, segment, 1, &extra);
    printf("%zu literal bytes; copies of >= %zu bytes from the new image cover %zu (%.1f %%) from "
           "earlier segments, %zu (%.1f %%) from anywhere before\n",
           extra, min, before, extra ? 100.0 * (double)before / (double)extra : 0.0, anywhere,
           extra ? 100.0 * (double)anywhere / (double)extra : 0.0);
    free(l.ops);
    free(o);
    free(n);
    return 0;
}
