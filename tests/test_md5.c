/*
 * test_md5.c - the device-side MD5: the RFC 1321 test suite (A.5), and
 * OpenSSL's EVP MD5 as the reference for every short length, random
 * messages, every way of chunking across a block boundary, unaligned input
 * and empty updates.
 */
#include "test_helpers.h"

#include <stdlib.h>

#include <openssl/evp.h>

#include "dfota/md5.h"

#define HEX_SIZE (2 * DFOTA_MD5_DIGEST_SIZE + 1)

/* Hex of dfota_md5 over `data`, in one update() call. */
static void md5_hex(const void *data, size_t size, char hex[HEX_SIZE])
{
    struct dfota_md5 ctx;
    uint8_t digest[DFOTA_MD5_DIGEST_SIZE];

    dfota_md5_init(&ctx);
    dfota_md5_update(&ctx, data, size);
    dfota_md5_final(&ctx, digest);
    dfota_hex(digest, sizeof(digest), hex);
}

static void openssl_md5(const void *data, size_t size, uint8_t digest[DFOTA_MD5_DIGEST_SIZE])
{
    unsigned len = 0;

    assert_int_equal(EVP_Digest(data, size, digest, &len, EVP_md5(), NULL), 1);
    assert_int_equal(len, DFOTA_MD5_DIGEST_SIZE);
}

/* Deterministic bytes that are not a short cycle. */
static void fill_message(uint8_t *p, size_t n, uint32_t seed)
{
    uint32_t x = seed * 2654435761u + 0x9e3779b9u;
    size_t i;

    for (i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        p[i] = (uint8_t)(x >> 11);
    }
}

/* A pseudo-random number (fixed sequence for a given state). */
static uint32_t next_random(uint32_t *x)
{
    *x = *x * 1664525u + 1013904223u;
    return *x >> 8;
}

static void rfc1321_test_suite_matches(void **state)
{
    static const struct {
        const char *message, *digest;
    } suite[] = {
        {"", "d41d8cd98f00b204e9800998ecf8427e"},
        {"a", "0cc175b9c0f1b6a831c399e269772661"},
        {"abc", "900150983cd24fb0d6963f7d28e17f72"},
        {"message digest", "f96b697d7cb7938d525a2f31aaf161d0"},
        {"abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"},
        {"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
         "d174ab98d277d9f5a5611c2c9f419d9f"},
        {"1234567890123456789012345678901234567890123456789012345678901234567890123456"
         "7890",
         "57edf4a22be3c955ac49da2e2107b67a"},
    };
    char hex[HEX_SIZE];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(suite) / sizeof(suite[0]); i++) {
        md5_hex(suite[i].message, strlen(suite[i].message), hex);
        assert_string_equal(hex, suite[i].digest);
    }
    md5_hex(NULL, 0, hex);
    assert_string_equal(hex, "d41d8cd98f00b204e9800998ecf8427e");
}

static void one_million_a_in_any_chunk_size(void **state)
{
    static const size_t chunk_sizes[] = {1000000, 1, 3, 63, 64, 65, 1000, 4096};
    const size_t total = 1000000;
    uint8_t *message = malloc(total);
    uint8_t digest[DFOTA_MD5_DIGEST_SIZE];
    char hex[HEX_SIZE];
    struct dfota_md5 ctx;
    size_t c, done, chunk;

    (void)state;
    assert_non_null(message);
    memset(message, 'a', total);
    for (c = 0; c < sizeof(chunk_sizes) / sizeof(chunk_sizes[0]); c++) {
        dfota_md5_init(&ctx);
        for (done = 0; done < total; done += chunk) {
            chunk = chunk_sizes[c] < total - done ? chunk_sizes[c] : total - done;
            dfota_md5_update(&ctx, message + done, chunk);
        }
        dfota_md5_final(&ctx, digest);
        dfota_hex(digest, sizeof(digest), hex);
        assert_string_equal(hex, "7707d6ae4e027c70eea2a935c2296f21");
    }
    free(message);
}

/* Every padding case: lengths around 55/56/64 bytes and their multiples. */
static void every_length_to_300_matches_openssl(void **state)
{
    uint8_t message[300];
    uint8_t expected[DFOTA_MD5_DIGEST_SIZE], got[DFOTA_MD5_DIGEST_SIZE];
    struct dfota_md5 ctx;
    size_t len;

    (void)state;
    fill_message(message, sizeof(message), 1);
    for (len = 0; len <= sizeof(message); len++) {
        openssl_md5(message, len, expected);
        dfota_md5_init(&ctx);
        dfota_md5_update(&ctx, message, len);
        dfota_md5_final(&ctx, got);
        if (memcmp(got, expected, sizeof(got)) != 0)
            fail_msg("digest of %zu bytes differs from OpenSSL", len);
    }
}

/* Every length to 300, split into two update() calls at every point. */
static void every_two_way_split_matches_openssl(void **state)
{
    uint8_t message[300];
    uint8_t expected[DFOTA_MD5_DIGEST_SIZE], got[DFOTA_MD5_DIGEST_SIZE];
    struct dfota_md5 ctx;
    size_t len, split;

    (void)state;
    fill_message(message, sizeof(message), 2);
    for (len = 0; len <= sizeof(message); len++) {
        openssl_md5(message, len, expected);
        for (split = 0; split <= len; split++) {
            dfota_md5_init(&ctx);
            dfota_md5_update(&ctx, message, split);
            dfota_md5_update(&ctx, message + split, len - split);
            dfota_md5_final(&ctx, got);
            if (memcmp(got, expected, sizeof(got)) != 0)
                fail_msg("digest of %zu bytes split at %zu differs from OpenSSL", len, split);
        }
    }
}

/*
 * Every way of cutting 14 bytes into chunks (all 2^13 of them), where those
 * bytes straddle the first block boundary: 56 bytes, then bytes 56..69 in
 * the chunks, then the rest of a 150-byte message in one call.
 */
static void every_chunking_across_a_block_boundary_matches_openssl(void **state)
{
    enum { PREFIX = 56, CUT = 14, TOTAL = 150 };
    uint8_t message[TOTAL];
    uint8_t expected[DFOTA_MD5_DIGEST_SIZE], got[DFOTA_MD5_DIGEST_SIZE];
    struct dfota_md5 ctx;
    unsigned cuts, bit;
    size_t start, end;

    (void)state;
    fill_message(message, sizeof(message), 3);
    openssl_md5(message, sizeof(message), expected);
    for (cuts = 0; cuts < 1u << (CUT - 1); cuts++) {
        dfota_md5_init(&ctx);
        dfota_md5_update(&ctx, message, PREFIX);
        /* Bit b of `cuts` set: a chunk ends after byte PREFIX + b. */
        start = PREFIX;
        for (bit = 0; bit < CUT; bit++) {
            end = PREFIX + bit + 1;
            if (bit == CUT - 1 || (cuts & (1u << bit)) != 0) {
                dfota_md5_update(&ctx, message + start, end - start);
                start = end;
            }
        }
        assert_int_equal(start, PREFIX + CUT);
        dfota_md5_update(&ctx, message + start, TOTAL - start);
        dfota_md5_final(&ctx, got);
        if (memcmp(got, expected, sizeof(got)) != 0)
            fail_msg("chunking %#x of bytes %d..%d differs from OpenSSL", cuts, PREFIX,
                     PREFIX + CUT - 1);
    }
}

/* Random messages of 0..20000 bytes, fed in random chunks of 0..300 bytes. */
static void random_messages_in_random_chunks_match_openssl(void **state)
{
    const size_t max = 20000;
    uint8_t *message = malloc(max);
    uint8_t expected[DFOTA_MD5_DIGEST_SIZE], got[DFOTA_MD5_DIGEST_SIZE];
    struct dfota_md5 ctx;
    uint32_t x = 11, trial;
    size_t len, done, chunk;

    (void)state;
    assert_non_null(message);
    for (trial = 0; trial < 300; trial++) {
        len = next_random(&x) % (max + 1);
        fill_message(message, len, trial + 100);
        openssl_md5(message, len, expected);
        dfota_md5_init(&ctx);
        for (done = 0; done < len; done += chunk) {
            chunk = next_random(&x) % 301;
            if (chunk > len - done)
                chunk = len - done;
            dfota_md5_update(&ctx, message + done, chunk);
        }
        dfota_md5_final(&ctx, got);
        if (memcmp(got, expected, sizeof(got)) != 0)
            fail_msg("trial %u: digest of %zu random bytes differs from OpenSSL",
                     (unsigned)trial, len);
    }
    free(message);
}

/*
 * Whole blocks are hashed straight from the caller's buffer: from every
 * alignment, at the lengths around the padding and block boundaries, in one
 * call and after a partial block.
 */
static void unaligned_input_matches_openssl(void **state)
{
    static const size_t lengths[] = {1,   55,  56,  57,  63,  64,  65,  119,
                                     120, 127, 128, 129, 191, 192, 1000, 4096};
    uint8_t *buffer = malloc(4096 + 8);
    uint8_t expected[DFOTA_MD5_DIGEST_SIZE], got[DFOTA_MD5_DIGEST_SIZE];
    struct dfota_md5 ctx;
    size_t offset, l, len, head;

    (void)state;
    assert_non_null(buffer);
    for (offset = 0; offset < 8; offset++) {
        for (l = 0; l < sizeof(lengths) / sizeof(lengths[0]); l++) {
            len = lengths[l];
            fill_message(buffer + offset, len, (uint32_t)(len + offset));
            openssl_md5(buffer + offset, len, expected);
            for (head = 0; head < 3; head++) {
                /* 0, 1 or 5 bytes first, then the rest in one call. */
                size_t first = head == 0 ? 0 : head == 1 ? 1 : 5;

                if (first > len)
                    first = len;
                dfota_md5_init(&ctx);
                dfota_md5_update(&ctx, buffer + offset, first);
                dfota_md5_update(&ctx, buffer + offset + first, len - first);
                dfota_md5_final(&ctx, got);
                if (memcmp(got, expected, sizeof(got)) != 0)
                    fail_msg("%zu bytes at offset %zu (%zu first) differ from OpenSSL", len,
                             offset, first);
            }
        }
    }
    free(buffer);
}

/* Updates of 0 bytes, with or without a pointer, change nothing. */
static void empty_updates_change_nothing(void **state)
{
    uint8_t message[200];
    uint8_t expected[DFOTA_MD5_DIGEST_SIZE], got[DFOTA_MD5_DIGEST_SIZE];
    struct dfota_md5 ctx;
    size_t done, chunk;

    (void)state;
    fill_message(message, sizeof(message), 4);
    openssl_md5(message, sizeof(message), expected);
    dfota_md5_init(&ctx);
    dfota_md5_update(&ctx, NULL, 0);
    for (done = 0; done < sizeof(message); done += chunk) {
        chunk = sizeof(message) - done < 37 ? sizeof(message) - done : 37;
        dfota_md5_update(&ctx, message + done, 0);
        dfota_md5_update(&ctx, message + done, chunk);
        dfota_md5_update(&ctx, NULL, 0);
    }
    dfota_md5_update(&ctx, message, 0);
    dfota_md5_final(&ctx, got);
    assert_memory_equal(got, expected, sizeof(got));
}

static void init_restarts_a_used_context(void **state)
{
    struct dfota_md5 ctx;
    uint8_t digest[DFOTA_MD5_DIGEST_SIZE];
    char hex[HEX_SIZE];

    (void)state;
    /* Finalised context, and one abandoned mid-block. */
    dfota_md5_init(&ctx);
    dfota_md5_update(&ctx, "some earlier message", 20);
    dfota_md5_final(&ctx, digest);
    dfota_md5_init(&ctx);
    dfota_md5_update(&ctx, "abc", 3);
    dfota_md5_final(&ctx, digest);
    dfota_hex(digest, sizeof(digest), hex);
    assert_string_equal(hex, "900150983cd24fb0d6963f7d28e17f72");

    dfota_md5_init(&ctx);
    dfota_md5_update(&ctx, "abandoned", 9);
    dfota_md5_init(&ctx);
    dfota_md5_final(&ctx, digest);
    dfota_hex(digest, sizeof(digest), hex);
    assert_string_equal(hex, "d41d8cd98f00b204e9800998ecf8427e");
}

/* The header promises 96 bytes of RAM per context. */
static void context_is_at_most_96_bytes(void **state)
{
    (void)state;
    assert_true(sizeof(struct dfota_md5) <= 96);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rfc1321_test_suite_matches),
        cmocka_unit_test(one_million_a_in_any_chunk_size),
        cmocka_unit_test(every_length_to_300_matches_openssl),
        cmocka_unit_test(every_two_way_split_matches_openssl),
        cmocka_unit_test(every_chunking_across_a_block_boundary_matches_openssl),
        cmocka_unit_test(random_messages_in_random_chunks_match_openssl),
        cmocka_unit_test(unaligned_input_matches_openssl),
        cmocka_unit_test(empty_updates_change_nothing),
        cmocka_unit_test(init_restarts_a_used_context),
        cmocka_unit_test(context_is_at_most_96_bytes),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
