/*
 * dfota/hash.h - the digests the device side computes (SHA-256 and MD5), and
 * the callback through which a device hands them to its own crypto engine.
 *
 * The applier and the package front end hash the source image before the
 * first erase (SHA-256 and MD5), the payload as it arrives (SHA-256 and
 * MD5) and the target as the flash holds it at the end (SHA-256). On a
 * Cortex-M4 without a crypto engine that is most of the instructions of an
 * update (docs/PORTING.md has the measured share); a part with a hash
 * accelerator passes its driver as `struct dfota_hash_ops` and the built-in
 * software code is not even linked if nothing else references it
 * (dfota_hash_builtin is the only reference to it).
 *
 * Each digest in progress has its own `struct dfota_hash` in the caller's
 * workspace; at most three are open at once (payload SHA-256 and MD5, and the
 * target SHA-256). A driver for an engine that holds one context at a time
 * keeps its saved state in that storage (DFOTA_HASH_STATE_SIZE bytes,
 * 8-byte aligned) and swaps it in and out in update().
 *
 * Portable C99, no allocation.
 */
#ifndef DFOTA_HASH_H
#define DFOTA_HASH_H

#include <stddef.h>
#include <stdint.h>

#include "dfota/status.h"

#ifdef __cplusplus
extern "C" {
#endif

enum dfota_hash_alg {
    DFOTA_HASH_SHA256 = 1, /* 32-byte digest */
    DFOTA_HASH_MD5 = 2     /* 16-byte digest */
};

/*
 * Bytes of state one digest in progress may keep: the built-in contexts fit
 * (struct dfota_sha256 is 112 bytes, struct dfota_md5 96, on Cortex-M and
 * 64-bit hosts alike; hash.c checks at compile time).
 */
#define DFOTA_HASH_STATE_SIZE 112u

struct dfota_hash {
    union {
        uint64_t align;
        uint8_t bytes[DFOTA_HASH_STATE_SIZE];
    } state;                 /* the algorithm's or the driver's */
    uint32_t alg;            /* enum dfota_hash_alg, recorded by init() */
};

/*
 * A hash driver. `ctx` is the io callbacks' context (struct dfota_apply_io).
 * init() starts a digest of `alg` in `h` and records `alg` in h->alg;
 * update() appends `len` bytes (any size, including 0); final() writes the
 * digest (32 or 16 bytes) to `digest`. A failure status (DFOTA_E_FLASH,
 * DFOTA_E_INTERNAL, ...) stops the update with that status. The built-in
 * driver refuses an unknown `alg` with DFOTA_E_INVALID_ARGUMENT, and its
 * update() and final() dispatch on h->alg.
 */
struct dfota_hash_ops {
    enum dfota_status (*init)(void *ctx, struct dfota_hash *h, enum dfota_hash_alg alg);
    enum dfota_status (*update)(void *ctx, struct dfota_hash *h, const uint8_t *data,
                                size_t len);
    enum dfota_status (*final)(void *ctx, struct dfota_hash *h, uint8_t *digest);
};

/* DFOTA_BUILTIN_HASH: 1 (the default) makes the built-in driver the default
 * when io->hash is NULL; 0 (-DDFOTA_BUILTIN_HASH=0 on every device file)
 * leaves the software hashes out of the firmware and requires a driver. */
#ifndef DFOTA_BUILTIN_HASH
#define DFOTA_BUILTIN_HASH 1
#endif
/* DFOTA_BUILTIN_MD5: 1 (the default) gives the built-in driver MD5 too; 0
 * leaves md5.c out of it, for a device that applies raw patches only (MD5 is
 * asked for only by the package front end, which then fails with
 * UNSUPPORTED_FEATURE at its first digest unless io->hash gives MD5). */
#ifndef DFOTA_BUILTIN_MD5
#define DFOTA_BUILTIN_MD5 1
#endif

/* The built-in software SHA-256 (dfota/sha256.h) and MD5 (dfota/md5.h). */
extern const struct dfota_hash_ops dfota_hash_builtin;

/* Digest size of `alg` in bytes (32 or 16; 0 if unknown). */
size_t dfota_hash_digest_size(enum dfota_hash_alg alg);

#ifdef __cplusplus
}
#endif

#endif /* DFOTA_HASH_H */
