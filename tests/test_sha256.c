/*
 * test_sha256.c - the device-side SHA-256: FIPS 180-4 / NIST example
 * vectors, and OpenSSL's EVP SHA-256 as the reference for every short length,
 * for every way of chunking the input, unaligned input and empty updates.
 */
#include "test_helpers.h"

#include <stdlib.h>

#include <openssl/evp.h>

#include "dfota/sha256.h"

/* Hex of dfota_sha256 over `data`, in one update() call. */
static void sha256_hex(const void *data, size_t size, char hex[2 * DFOTA_SHA256_DIGEST_SIZE + 1])
{
    struct dfota_sha256 ctx;
    uint8_t digest[DFOTA_SHA256_DIGEST_SIZE];

    dfota_sha256_init(&ctx);
    dfota_sha256_update(&ctx, data, size);
    dfota_sha256_final(&ctx, digest);
    dfota_hex(digest, sizeof(digest), hex);
}

static void openssl_sha256(const void *data, size_t size, uint8_t digest[DFOTA_SHA256_DIGEST_SIZE])
{
    unsigned len = 0;

    assert_int_equal(EVP_Digest(data, size, digest, &len, EVP_sha256(), NULL), 1);
    assert_int_equal(len, DFOTA_SHA256_DIGEST_SIZE);
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

static void nist_example_vectors_match(void **state)
{
    char hex[2 * DFOTA_SHA256_DIGEST_SIZE + 1];

    (void)state;
    sha256_hex("", 0, hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    sha256_hex(NULL, 0, hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    sha256_hex("abc", 3, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    /* 448 bits: the padding needs a second block. */
    sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, hex);
    assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    /* 896 bits. */
    sha256_hex("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
               "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
               112, hex);
    assert_string_equal(hex, "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

static void one_million_a_in_any_chunk_size(void **state)
{
    static const size_t chunk_sizes[] = {1000000, 1, 3, 63, 64, 65, 1000, 4096};
    const size_t total = 1000000;
    uint8_t *message = malloc(total);
    uint8_t digest[DFOTA_SHA256_DIGEST_SIZE];
    char hex[2 * DFOTA_SHA256_DIGEST_SIZE + 1];
    struct dfota_sha256 ctx;
    size_t c, done, chunk;

    (void)state;
    assert_non_null(message);
    memset(message, 'a', total);
    for (c = 0; c < sizeof(chunk_sizes) / sizeof(chunk_sizes[0]); c++) {
        dfota_sha256_init(&ctx);
        for (done = 0; done < total; done += chunk) {
            chunk = chunk_sizes[c] < total - done ? chunk_sizes[c] : total - done;
            dfota_sha256_update(&ctx, message + done, chunk);
        }
        dfota_sha256_final(&ctx, digest);
        dfota_hex(digest, sizeof(digest), hex);
        assert_string_equal(hex,
                            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    }
    free(message);
}

/* Every padding case: lengths around 55/56/64 bytes and their multiples. */
static void every_length_to_300_matches_openssl(void **state)
{
    uint8_t message[300];
    uint8_t expected[DFOTA_SHA256_DIGEST_SIZE], got[DFOTA_SHA256_DIGEST_SIZE];
    struct dfota_sha256 ctx;
    size_t len;

    (void)state;
    fill_message(message, sizeof(message), 1);
    for (len = 0; len <= sizeof(message); len++) {
        openssl_sha256(message, len, expected);
        dfota_sha256_init(&ctx);
        dfota_sha256_update(&ctx, message, len);
        dfota_sha256_final(&ctx, got);
        if (memcmp(got, expected, sizeof(got)) != 0)
            fail_msg("digest of %zu bytes differs from OpenSSL", len);
    }
}

/* Every length to 300, split into two update() calls at every point. */
static void every_two_way_split_matches_openssl(void **state)
{
    uint8_t message[300];
    uint8_t expected[DFOTA_SHA256_DIGEST_SIZE], got[DFOTA_SHA256_DIGEST_SIZE];
    struct dfota_sha256 ctx;
    size_t len, split;

    (void)state;
    fill_message(message, sizeof(message), 2);
    for (len = 0; len <= sizeof(message); len++) {
        openssl_sha256(message, len, expected);
        for (split = 0; split <= len; split++) {
            dfota_sha256_init(&ctx);
            dfota_sha256_update(&ctx, message, split);
            dfota_sha256_update(&ctx, message + split, len - split);
            dfota_sha256_final(&ctx, got);
            if (memcmp(got, expected, sizeof(got)) != 0)
                fail_msg("digest of %zu bytes split at %zu differs from OpenSSL", len, split);
        }
    }
}

/* 100 KB fed in update() calls of pseudo-random sizes 1..200 (fixed seeds). */
static void random_splits_of_100k_match_openssl(void **state)
{
    const size_t total = 100 * 1024;
    uint8_t *message = malloc(total);
    uint8_t expected[DFOTA_SHA256_DIGEST_SIZE], got[DFOTA_SHA256_DIGEST_SIZE];
    struct dfota_sha256 ctx;
    uint32_t seed, x;
    size_t done, chunk, calls;

    (void)state;
    assert_non_null(message);
    fill_message(message, total, 3);
    openssl_sha256(message, total, expected);
    for (seed = 1; seed <= 16; seed++) {
        x = seed;
        calls = 0;
        dfota_sha256_init(&ctx);
        for (done = 0; done < total; done += chunk) {
            x = x * 1664525u + 1013904223u;
            chunk = 1 + (x >> 16) % 200;
            if (chunk > total - done)
                chunk = total - done;
            dfota_sha256_update(&ctx, message + done, chunk);
            calls++;
        }
        dfota_sha256_final(&ctx, got);
        if (memcmp(got, expected, sizeof(got)) != 0)
            fail_msg("seed %u: digest of 100 KiB in %zu calls differs from OpenSSL",
                     (unsigned)seed, calls);
        /* The chunking really was varied: about total / 100.5 calls. */
        assert_true(calls > total / 200 && calls < total / 50);
    }
    free(message);
}

/*
 * Whole blocks are hashed straight from the caller's buffer, several in one
 * call: from every alignment, at the lengths around the padding and block
 * boundaries, in one call and after a partial block of 1 or 5 bytes.
 */
static void unaligned_input_matches_openssl(void **state)
{
    static const size_t lengths[] = {1,   55,  56,  57,  63,  64,  65,  119,
                                     120, 127, 128, 129, 191, 192, 1000, 4096};
    uint8_t *buffer = malloc(4096 + 8);
    uint8_t expected[DFOTA_SHA256_DIGEST_SIZE], got[DFOTA_SHA256_DIGEST_SIZE];
    struct dfota_sha256 ctx;
    size_t offset, l, len, head, first;

    (void)state;
    assert_non_null(buffer);
    for (offset = 0; offset < 8; offset++) {
        for (l = 0; l < sizeof(lengths) / sizeof(lengths[0]); l++) {
            len = lengths[l];
            fill_message(buffer + offset, len, (uint32_t)(len + offset));
            openssl_sha256(buffer + offset, len, expected);
            for (head = 0; head < 3; head++) {
                first = head == 0 ? 0 : head == 1 ? 1 : 5;
                if (first > len)
                    first = len;
                dfota_sha256_init(&ctx);
                dfota_sha256_update(&ctx, buffer + offset, first);
                dfota_sha256_update(&ctx, buffer + offset + first, len - first);
                dfota_sha256_final(&ctx, got);
                if (memcmp(got, expected, sizeof(got)) != 0)
                    fail_msg("%zu bytes at offset %zu (%zu first) differ from OpenSSL", len,
                             offset, first);
            }
        }
    }
    free(buffer);
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
    uint8_t expected[DFOTA_SHA256_DIGEST_SIZE], got[DFOTA_SHA256_DIGEST_SIZE];
    struct dfota_sha256 ctx;
    unsigned cuts, bit;
    size_t start, end;

    (void)state;
    fill_message(message, sizeof(message), 5);
    openssl_sha256(message, sizeof(message), expected);
    for (cuts = 0; cuts < 1u << (CUT - 1); cuts++) {
        dfota_sha256_init(&ctx);
        dfota_sha256_update(&ctx, message, PREFIX);
        /* Bit b of `cuts` set: a chunk ends after byte PREFIX + b. */
        start = PREFIX;
        for (bit = 0; bit < CUT; bit++) {
            end = PREFIX + bit + 1;
            if (bit == CUT - 1 || (cuts & (1u << bit)) != 0) {
                dfota_sha256_update(&ctx, message + start, end - start);
                start = end;
            }
        }
        assert_int_equal(start, PREFIX + CUT);
        dfota_sha256_update(&ctx, message + start, TOTAL - start);
        dfota_sha256_final(&ctx, got);
        if (memcmp(got, expected, sizeof(got)) != 0)
            fail_msg("chunking %#x of bytes %d..%d differs from OpenSSL", cuts, PREFIX,
                     PREFIX + CUT - 1);
    }
}

/* Updates of 0 bytes, with or without a pointer, change nothing. */
static void empty_updates_change_nothing(void **state)
{
    uint8_t message[200];
    uint8_t expected[DFOTA_SHA256_DIGEST_SIZE], got[DFOTA_SHA256_DIGEST_SIZE];
    struct dfota_sha256 ctx;
    size_t done, chunk;

    (void)state;
    fill_message(message, sizeof(message), 6);
    openssl_sha256(message, sizeof(message), expected);
    dfota_sha256_init(&ctx);
    dfota_sha256_update(&ctx, NULL, 0);
    for (done = 0; done < sizeof(message); done += chunk) {
        chunk = sizeof(message) - done < 37 ? sizeof(message) - done : 37;
        dfota_sha256_update(&ctx, message + done, 0);
        dfota_sha256_update(&ctx, message + done, chunk);
        dfota_sha256_update(&ctx, NULL, 0);
    }
    dfota_sha256_update(&ctx, message, 0);
    dfota_sha256_final(&ctx, got);
    assert_memory_equal(got, expected, sizeof(got));
}

static void init_restarts_a_used_context(void **state)
{
    struct dfota_sha256 ctx;
    uint8_t digest[DFOTA_SHA256_DIGEST_SIZE];
    char hex[2 * DFOTA_SHA256_DIGEST_SIZE + 1];

    (void)state;
    /* Finalised context, and one abandoned mid-block. */
    dfota_sha256_init(&ctx);
    dfota_sha256_update(&ctx, "some earlier message", 20);
    dfota_sha256_final(&ctx, digest);
    dfota_sha256_init(&ctx);
    dfota_sha256_update(&ctx, "abc", 3);
    dfota_sha256_final(&ctx, digest);
    dfota_hex(digest, sizeof(digest), hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");

    dfota_sha256_init(&ctx);
    dfota_sha256_update(&ctx, "abandoned", 9);
    dfota_sha256_init(&ctx);
    dfota_sha256_update(&ctx, NULL, 0);
    dfota_sha256_final(&ctx, digest);
    dfota_hex(digest, sizeof(digest), hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

/* The header promises 112 bytes of RAM per context. */
static void context_is_at_most_112_bytes(void **state)
{
    (void)state;
    assert_true(sizeof(struct dfota_sha256) <= 112);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(nist_example_vectors_match),
        cmocka_unit_test(one_million_a_in_any_chunk_size),
        cmocka_unit_test(every_length_to_300_matches_openssl),
        cmocka_unit_test(every_two_way_split_matches_openssl),
        cmocka_unit_test(random_splits_of_100k_match_openssl),
        cmocka_unit_test(unaligned_input_matches_openssl),
        cmocka_unit_test(every_chunking_across_a_block_boundary_matches_openssl),
        cmocka_unit_test(empty_updates_change_nothing),
        cmocka_unit_test(init_restarts_a_used_context),
        cmocka_unit_test(context_is_at_most_112_bytes),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
