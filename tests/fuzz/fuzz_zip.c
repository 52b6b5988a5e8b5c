/*
 * fuzz_zip.c - fuzz target for the zip reader and the signed-zip check:
 * dfota_zip_open() and dfota_signed_zip_verify() with the two public keys
 * whose private halves signed the seeds in corpus/zip.
 * Built as a libFuzzer target with -DDFOTA_FUZZ=ON (clang), and always
 * linked into the replay driver that CTest runs over the corpus.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dfota/keys.h"
#include "dfota/signer.h"
#include "dfota/zip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The public keys of the corpus seeds (tests/fuzz/corpus/zip/{rsa,ec}-signed.zip). */
static const char rsa_public_pem[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAiySkZ1uy1tmIbPDL7tuE\n"
    "/Ue+18OmJ/3tAVmqk1J/z+1DxjZV76n/JF2nMQwAPp5CFmhNaHML0QtJqr2LbDO0\n"
    "p0upyl2t2ng7vDv7KtJ0D0RjZHQRQeoj0+NvNn+0KXZDJnyU9P2KYpMzNBte/w/L\n"
    "xfj9pvB2/hWcnjBR/WsjCzA2Ox8HZZg88pZRvIA1XA7Xx0k9qLnhectbrqtSvR2r\n"
    "uqUERajmhtCB2E2DUtn9Y4J4XvZ42ijpKslGKXFqG0dT6CFW3VrsCtwye9jkRNUR\n"
    "Pf2xjMx4+j7GOR+RCjCq/bI+uCOH2nVl8VECHmudEAfUwyyHKv2OQo7TJfEe6PxS\n"
    "FwIDAQAB\n"
    "-----END PUBLIC KEY-----\n";
static const char ec_public_pem[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MFYwEAYHKoZIzj0CAQYFK4EEAAoDQgAEIGd0rG7Wgl5VKKBz7xei0yutSUJty21e\n"
    "4sfxS1iIGxV39LvL6Jpyoe8ySOaHwZEeHrWuQTUkWDO7Wlzc7rUdPg==\n"
    "-----END PUBLIC KEY-----\n";

static struct dfota_public_key *load(const char *pem)
{
    struct dfota_public_key *key = NULL;
    struct dfota_error err;

    if (dfota_public_key_parse((const uint8_t *)pem, strlen(pem), &key, &err) != DFOTA_OK)
        abort();
    return key;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct dfota_public_key *rsa, *ec;
    struct dfota_zip_payload payload;
    struct dfota_signed_zip_info info;
    struct dfota_error err;

    if (rsa == NULL) {
        rsa = load(rsa_public_pem);
        ec = load(ec_public_pem);
    }
    (void)dfota_zip_open(data, size, &payload, &err);
    dfota_zip_payload_release(&payload);
    (void)dfota_signed_zip_verify(data, size, rsa, &info, &err);
    dfota_signed_zip_info_release(&info);
    (void)dfota_signed_zip_verify(data, size, ec, &info, &err);
    dfota_signed_zip_info_release(&info);
    return 0;
}
