/* base64.h - RFC 4648 base64 */
#ifndef BASE64_H
#define BASE64_H

#include <stddef.h>
#include <stdint.h>

#define BASE64_ENCODED_LEN(n) ((((n) + 2u) / 3u) * 4u)

size_t base64_encode(const uint8_t *in, size_t len, char *out, size_t out_size);
int    base64_decode(const char *in, size_t len, uint8_t *out, size_t out_size);

#endif
