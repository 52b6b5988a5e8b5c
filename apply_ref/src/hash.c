#include "dfota/hash.h"
#include "dfota/md5.h"
#include "dfota/sha256.h"
static enum dfota_status bi_init(void *ctx, struct dfota_hash *h, enum dfota_hash_alg alg){(void)ctx;h->alg=alg;if(alg==DFOTA_HASH_SHA256)dfota_sha256_init((struct dfota_sha256*)(void*)h->state.bytes);else if(alg==DFOTA_HASH_MD5)dfota_md5_init((struct dfota_md5*)(void*)h->state.bytes);else return DFOTA_E_INVALID_ARGUMENT;return DFOTA_OK;}
static enum dfota_status bi_update(void *ctx, struct dfota_hash *h, const uint8_t *p, size_t n){(void)ctx;if(h->alg==DFOTA_HASH_SHA256)dfota_sha256_update((struct dfota_sha256*)(void*)h->state.bytes,p,n);else dfota_md5_update((struct dfota_md5*)(void*)h->state.bytes,p,n);return DFOTA_OK;}
static enum dfota_status bi_final(void *ctx, struct dfota_hash *h, uint8_t *d){(void)ctx;if(h->alg==DFOTA_HASH_SHA256)dfota_sha256_final((struct dfota_sha256*)(void*)h->state.bytes,d);else dfota_md5_final((struct dfota_md5*)(void*)h->state.bytes,d);return DFOTA_OK;}
const struct dfota_hash_ops dfota_hash_builtin={bi_init,bi_update,bi_final};
size_t dfota_hash_digest_size(enum dfota_hash_alg alg){return alg==DFOTA_HASH_SHA256?32u:alg==DFOTA_HASH_MD5?16u:0u;}
