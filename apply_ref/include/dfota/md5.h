#ifndef DFOTA_MD5_H
#define DFOTA_MD5_H
#include <stddef.h>
#include <stdint.h>
#define DFOTA_MD5_DIGEST_SIZE 16u
struct dfota_md5 { uint32_t s[4]; uint64_t len; uint8_t buf[64]; uint32_t fill; };
void dfota_md5_init(struct dfota_md5 *c);
void dfota_md5_update(struct dfota_md5 *c, const void *d, size_t n);
void dfota_md5_final(struct dfota_md5 *c, uint8_t out[16]);
#endif
