/*
 * keys_internal.h - what the opaque key handles of dfota/keys.h hold.
 * Private to dfota_signer.
 */
#ifndef DFOTA_KEYS_INTERNAL_H
#define DFOTA_KEYS_INTERNAL_H

#include <openssl/evp.h>

#include "dfota/keys.h"

struct dfota_signing_key {
    EVP_PKEY *pkey;
    enum dfota_key_algorithm algorithm;
    unsigned bits;
};

struct dfota_public_key {
    EVP_PKEY *pkey;
    enum dfota_key_algorithm algorithm;
    unsigned bits;
};

#endif /* DFOTA_KEYS_INTERNAL_H */
