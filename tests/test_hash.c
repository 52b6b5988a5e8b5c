/*
 * test_hash.c - the built-in hash driver (dfota/hash.h): both algorithms
 * through dfota_hash_builtin against OpenSSL, digests in progress side by
 * side, an unknown algorithm refused, and the digest sizes.
 */
#include "test_helpers.h"

#include <openssl/evp.h>

#include "dfota/hash.h"
#include "dfota/md5.h"
#include "dfota/sha256.h"

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

static void openssl_digest(const EVP_MD *md, const void *data, size_t size, uint8_t *digest,
                           size_t digest_size)
{
    unsigned len = 0;

    assert_int_equal(EVP_Digest(data, size, digest, &len, md, NULL), 1);
    assert_int_equal(len, digest_size);
}

/* `size` bytes through the built-in driver in chunks of `chunk` bytes. */
static void builtin_digest(enum dfota_hash_alg alg, const uint8_t *data, size_t size,
                           size_t chunk, uint8_t *digest)
{
    struct dfota_hash h;
    size_t done, n;

    memset(&h, 0xa5, sizeof(h));
    assert_int_equal(dfota_hash_builtin.init(NULL, &h, alg), DFOTA_OK);
    assert_int_equal(h.alg, (uint32_t)alg);
    for (done = 0; done < size; done += n) {
        n = size - done < chunk ? size - done : chunk;
        assert_int_equal(dfota_hash_builtin.update(NULL, &h, data + done, n), DFOTA_OK);
    }
    assert_int_equal(dfota_hash_builtin.update(NULL, &h, NULL, 0), DFOTA_OK);
    assert_int_equal(dfota_hash_builtin.final(NULL, &h, digest), DFOTA_OK);
}

static void both_algorithms_match_openssl(void **state)
{
    static const size_t sizes[] = {0, 1, 3, 55, 56, 64, 65, 1000, 10000};
    static const size_t chunks[] = {1, 7, 64, 100000};
    uint8_t message[10000];
    uint8_t expected[32], got[32];
    size_t s, c;

    (void)state;
    fill_message(message, sizeof(message), 1);
    for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
        for (c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
            openssl_digest(EVP_sha256(), message, sizes[s], expected, 32);
            memset(got, 0, sizeof(got));
            builtin_digest(DFOTA_HASH_SHA256, message, sizes[s], chunks[c], got);
            if (memcmp(got, expected, 32) != 0)
                fail_msg("SHA-256 of %zu bytes in chunks of %zu differs", sizes[s], chunks[c]);

            openssl_digest(EVP_md5(), message, sizes[s], expected, 16);
            memset(got, 0x5a, sizeof(got));
            builtin_digest(DFOTA_HASH_MD5, message, sizes[s], chunks[c], got);
            if (memcmp(got, expected, 16) != 0)
                fail_msg("MD5 of %zu bytes in chunks of %zu differs", sizes[s], chunks[c]);
            /* final() writes the 16 bytes of an MD5 digest and no more. */
            for (size_t i = 16; i < sizeof(got); i++)
                assert_int_equal(got[i], 0x5a);
        }
    }
}

/* The device keeps up to three digests open at once, interleaved. */
static void digests_in_progress_do_not_interfere(void **state)
{
    const struct dfota_hash_ops *ops = &dfota_hash_builtin;
    uint8_t message[3000];
    uint8_t expected[32], got[32];
    struct dfota_hash payload_sha, payload_md5, target_sha;
    size_t done;
    int io_context = 0;

    (void)state;
    fill_message(message, sizeof(message), 2);
    assert_int_equal(ops->init(&io_context, &payload_sha, DFOTA_HASH_SHA256), DFOTA_OK);
    assert_int_equal(ops->init(&io_context, &payload_md5, DFOTA_HASH_MD5), DFOTA_OK);
    assert_int_equal(ops->init(&io_context, &target_sha, DFOTA_HASH_SHA256), DFOTA_OK);
    for (done = 0; done < sizeof(message); done += 100) {
        assert_int_equal(ops->update(&io_context, &payload_sha, message + done, 100), DFOTA_OK);
        assert_int_equal(ops->update(&io_context, &payload_md5, message + done, 100), DFOTA_OK);
        /* The target is the message backwards, 100 bytes at a time. */
        assert_int_equal(ops->update(&io_context, &target_sha,
                                     message + sizeof(message) - done - 100, 100),
                         DFOTA_OK);
    }
    assert_int_equal(ops->final(&io_context, &payload_sha, got), DFOTA_OK);
    openssl_digest(EVP_sha256(), message, sizeof(message), expected, 32);
    assert_memory_equal(got, expected, 32);
    assert_int_equal(ops->final(&io_context, &payload_md5, got), DFOTA_OK);
    openssl_digest(EVP_md5(), message, sizeof(message), expected, 16);
    assert_memory_equal(got, expected, 16);

    assert_int_equal(ops->final(&io_context, &target_sha, got), DFOTA_OK);
    {
        EVP_MD_CTX *md = EVP_MD_CTX_new();
        unsigned len = 0;

        assert_non_null(md);
        assert_int_equal(EVP_DigestInit_ex(md, EVP_sha256(), NULL), 1);
        for (done = 0; done < sizeof(message); done += 100)
            assert_int_equal(
                EVP_DigestUpdate(md, message + sizeof(message) - done - 100, 100), 1);
        assert_int_equal(EVP_DigestFinal_ex(md, expected, &len), 1);
        EVP_MD_CTX_free(md);
    }
    assert_memory_equal(got, expected, 32);
    assert_int_equal(io_context, 0);
}

/* The same digest as the algorithms' own API gives. */
static void builtin_is_the_software_code(void **state)
{
    uint8_t message[777];
    uint8_t direct[32], via_driver[32];
    struct dfota_sha256 sha;
    struct dfota_md5 md5;

    (void)state;
    fill_message(message, sizeof(message), 3);
    dfota_sha256_init(&sha);
    dfota_sha256_update(&sha, message, sizeof(message));
    dfota_sha256_final(&sha, direct);
    builtin_digest(DFOTA_HASH_SHA256, message, sizeof(message), 50, via_driver);
    assert_memory_equal(via_driver, direct, DFOTA_SHA256_DIGEST_SIZE);

    dfota_md5_init(&md5);
    dfota_md5_update(&md5, message, sizeof(message));
    dfota_md5_final(&md5, direct);
    builtin_digest(DFOTA_HASH_MD5, message, sizeof(message), 50, via_driver);
    assert_memory_equal(via_driver, direct, DFOTA_MD5_DIGEST_SIZE);
}

static void unknown_algorithm_is_refused(void **state)
{
    static const uint32_t unknown[] = {0, 3, 4, 0x100, 0xffffffffu};
    struct dfota_hash h;
    uint8_t digest[32];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
        memset(&h, 0, sizeof(h));
        assert_int_equal(dfota_hash_builtin.init(NULL, &h, (enum dfota_hash_alg)unknown[i]),
                         DFOTA_E_INVALID_ARGUMENT);
        /* A context no init() accepted is refused too, never hashed into. */
        h.alg = unknown[i];
        assert_int_equal(dfota_hash_builtin.update(NULL, &h, digest, sizeof(digest)),
                         DFOTA_E_INVALID_ARGUMENT);
        memset(digest, 0x77, sizeof(digest));
        assert_int_equal(dfota_hash_builtin.final(NULL, &h, digest), DFOTA_E_INVALID_ARGUMENT);
        for (size_t j = 0; j < sizeof(digest); j++)
            assert_int_equal(digest[j], 0x77);
    }
}

static void digest_sizes(void **state)
{
    (void)state;
    assert_int_equal(dfota_hash_digest_size(DFOTA_HASH_SHA256), 32);
    assert_int_equal(dfota_hash_digest_size(DFOTA_HASH_MD5), 16);
    assert_int_equal(dfota_hash_digest_size((enum dfota_hash_alg)0), 0);
    assert_int_equal(dfota_hash_digest_size((enum dfota_hash_alg)3), 0);
    /* The built-in contexts fit the state a struct dfota_hash has room for. */
    assert_true(sizeof(struct dfota_sha256) <= DFOTA_HASH_STATE_SIZE);
    assert_true(sizeof(struct dfota_md5) <= DFOTA_HASH_STATE_SIZE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(both_algorithms_match_openssl),
        cmocka_unit_test(digests_in_progress_do_not_interfere),
        cmocka_unit_test(builtin_is_the_software_code),
        cmocka_unit_test(unknown_algorithm_is_refused),
        cmocka_unit_test(digest_sizes),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
