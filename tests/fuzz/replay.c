/*
 * replay.c - corpus replay and deterministic mutation driver for the fuzz
 * targets, so that every parser is exercised in CTest (and under the
 * sanitizers in CI) without a fuzzing engine.
 *
 *   replay FILE|DIR...                 run the target on each file
 *   replay --mutate N --seed S FILE... N mutants of each file, PRNG seed S
 *
 * Mutations: bit flips, byte overwrites with boundary values, 16/32-bit
 * length fields set to boundary values, truncation and extension (the
 * target itself also retries each input with its header CRC recomputed).
 * Prints "N passed, 0 failed": a crash or sanitizer report is the failure.
 */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t prng_state;

static uint32_t prng(void)
{
    /* xorshift64*: deterministic across platforms */
    prng_state ^= prng_state >> 12;
    prng_state ^= prng_state << 25;
    prng_state ^= prng_state >> 27;
    return (uint32_t)((prng_state * 2685821657736338717ull) >> 32);
}

static uint8_t *read_all(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf;
    long len;

    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 ||
        fseek(f, 0, SEEK_SET) != 0) {
        if (f)
            fclose(f);
        return NULL;
    }
    buf = malloc((size_t)len + 1);
    if (buf == NULL || fread(buf, 1, (size_t)len, f) != (size_t)len) {
        free(buf);
        fclose(f);
        return NULL;
    }
    fclose(f);
    *size = (size_t)len;
    return buf;
}

static void put_le(uint8_t *p, uint32_t v, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static unsigned long mutate_file(const uint8_t *seed, size_t seed_size, unsigned long count)
{
    static const uint32_t boundary[] = {0, 1, 0x7f, 0x80, 0xff, 0x100, 0xfff, 0x1000,
                                        0xffff, 0x10000, 0x7fffffff, 0xffffffff};
    size_t cap = seed_size + 64, size, pos;
    uint8_t *buf = malloc(cap);
    unsigned long i;
    unsigned edits, e;

    if (buf == NULL)
        return 0;
    for (i = 0; i < count; i++) {
        memcpy(buf, seed, seed_size);
        size = seed_size;
        edits = 1 + prng() % 3;
        for (e = 0; e < edits && size > 0; e++) {
            pos = prng() % size;
            switch (prng() % 6) {
            case 0:
                buf[pos] ^= (uint8_t)(1u << (prng() % 8));
                break;
            case 1:
                buf[pos] = (uint8_t)boundary[prng() % 12];
                break;
            case 2:
                if (pos + 2 <= size)
                    put_le(buf + pos, boundary[prng() % 12], 2);
                break;
            case 3:
                if (pos + 4 <= size)
                    put_le(buf + pos, boundary[prng() % 12], 4);
                break;
            case 4:
                size = pos;
                break;
            default:
                while (size < cap && prng() % 4 != 0)
                    buf[size++] = (uint8_t)prng();
                break;
            }
        }
        /* An exact-size copy, so that ASan catches any read past the end. */
        {
            uint8_t *exact = malloc(size ? size : 1);

            if (exact == NULL)
                break;
            memcpy(exact, buf, size);
            LLVMFuzzerTestOneInput(exact, size);
            free(exact);
        }
    }
    free(buf);
    return i;
}

static unsigned long run_path(const char *path, unsigned long mutants, int *failed)
{
    struct stat st;
    unsigned long runs = 0;

    if (stat(path, &st) != 0) {
        fprintf(stderr, "replay: cannot open '%s'\n", path);
        (*failed)++;
        return 0;
    }
    if (S_ISDIR(st.st_mode)) {
        struct dirent **names;
        char child[4096];
        int n = scandir(path, &names, NULL, alphasort), k;

        if (n < 0) {
            (*failed)++;
            return 0;
        }
        for (k = 0; k < n; k++) {
            if (names[k]->d_name[0] != '.') {
                snprintf(child, sizeof(child), "%s/%s", path, names[k]->d_name);
                runs += run_path(child, mutants, failed);
            }
            free(names[k]);
        }
        free(names);
        return runs;
    }
    {
        size_t size = 0;
        uint8_t *data = read_all(path, &size);

        if (data == NULL) {
            fprintf(stderr, "replay: cannot read '%s'\n", path);
            (*failed)++;
            return 0;
        }
        LLVMFuzzerTestOneInput(data, size);
        runs = 1 + (mutants ? mutate_file(data, size, mutants) : 0);
        free(data);
    }
    return runs;
}

int main(int argc, char **argv)
{
    unsigned long mutants = 0, runs = 0;
    int i, failed = 0;

    prng_state = 0x9e3779b97f4a7c15ull;
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--mutate") == 0 && i + 1 < argc) {
            mutants = strtoul(argv[++i], NULL, 10);
        } else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc) {
            prng_state = strtoull(argv[++i], NULL, 10) | 1;
        } else {
            runs += run_path(argv[i], mutants, &failed);
        }
    }
    printf("replay: %lu inputs\n%lu passed, %d failed\n", runs, runs, failed);
    return failed ? 1 : 0;
}
