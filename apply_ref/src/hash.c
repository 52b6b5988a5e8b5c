/*
 * hash.c - the built-in hash driver (dfota/hash.h): the software SHA-256
 * (sha256.c) and MD5 (md5.c) behind struct dfota_hash_ops.
 */
#include "dfota/hash.h"

#include "dfota/md5.h"
#include "dfota/sha256.h"

/*
 * Each built-in context must fit the state storage of struct dfota_hash
 * (a compile-time check, C99: an array of negative size is an error). Their
 * members are at most 8-byte aligned, as the storage is.
 */
typedef char dfota_hash_sha256_fits[sizeof(struct dfota_sha256) <= DFOTA_HASH_STATE_SIZE ? 1 : -1];
typedef char dfota_hash_md5_fits[sizeof(struct dfota_md5) <= DFOTA_HASH_STATE_SIZE ? 1 : -1];

static struct dfota_sha256 *sha256_of(struct dfota_hash *h)
{
    return (struct dfota_sha256 *)(void *)h->state.bytes;
}

#if DFOTA_BUILTIN_MD5
static struct dfota_md5 *md5_of(struct dfota_hash *h)
{
    return (struct dfota_md5 *)(void *)h->state.bytes;
}
#endif

static enum dfota_status builtin_init(void *ctx, struct dfota_hash *h, enum dfota_hash_alg alg)
{
    (void)ctx;
    switch (alg) {
    case DFOTA_HASH_SHA256:
        dfota_sha256_init(sha256_of(h));
        break;
    case DFOTA_HASH_MD5:
#if DFOTA_BUILTIN_MD5
        dfota_md5_init(md5_of(h));
        break;
#else
        return DFOTA_E_UNSUPPORTED_FEATURE;
#endif
    default:
        return DFOTA_E_INVALID_ARGUMENT;
    }
    h->alg = (uint32_t)alg;
    return DFOTA_OK;
}

static enum dfota_status builtin_update(void *ctx, struct dfota_hash *h, const uint8_t *data,
                                        size_t len)
{
    (void)ctx;
    switch (h->alg) {
    case DFOTA_HASH_SHA256:
        dfota_sha256_update(sha256_of(h), data, len);
        return DFOTA_OK;
    case DFOTA_HASH_MD5:
#if DFOTA_BUILTIN_MD5
        dfota_md5_update(md5_of(h), data, len);
        return DFOTA_OK;
#else
        return DFOTA_E_UNSUPPORTED_FEATURE;
#endif
    default:
        return DFOTA_E_INVALID_ARGUMENT;
    }
}

static enum dfota_status builtin_final(void *ctx, struct dfota_hash *h, uint8_t *digest)
{
    (void)ctx;
    switch (h->alg) {
    case DFOTA_HASH_SHA256:
        dfota_sha256_final(sha256_of(h), digest);
        return DFOTA_OK;
    case DFOTA_HASH_MD5:
#if DFOTA_BUILTIN_MD5
        dfota_md5_final(md5_of(h), digest);
        return DFOTA_OK;
#else
        return DFOTA_E_UNSUPPORTED_FEATURE;
#endif
    default:
        return DFOTA_E_INVALID_ARGUMENT;
    }
}

const struct dfota_hash_ops dfota_hash_builtin = {builtin_init, builtin_update, builtin_final};

size_t dfota_hash_digest_size(enum dfota_hash_alg alg)
{
    switch (alg) {
    case DFOTA_HASH_SHA256:
        return DFOTA_SHA256_DIGEST_SIZE;
    case DFOTA_HASH_MD5:
        return DFOTA_MD5_DIGEST_SIZE;
    default:
        return 0;
    }
}
