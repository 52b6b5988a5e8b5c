/*
 * test_status.c - status values are stable, named, and map to module codes
 * (none for a host-only failure).
 */
#include <stdbool.h>

#include "test_helpers.h"

#include "dfota/status.h"

static void values_are_stable(void **state)
{
    (void)state;
    /* Part of the public API: these numbers never change. */
    assert_int_equal(DFOTA_OK, 0);
    assert_int_equal(DFOTA_E_INVALID_ARGUMENT, 1);
    assert_int_equal(DFOTA_E_NO_MEMORY, 2);
    assert_int_equal(DFOTA_E_IO, 3);
    assert_int_equal(DFOTA_E_TOO_LARGE, 4);
    assert_int_equal(DFOTA_E_INTERNAL, 5);
    assert_int_equal(DFOTA_E_EXISTS, 6);
    assert_int_equal(DFOTA_E_BAD_MAGIC, 20);
    assert_int_equal(DFOTA_E_UNSUPPORTED_VERSION, 21);
    assert_int_equal(DFOTA_E_TRUNCATED, 22);
    assert_int_equal(DFOTA_E_BAD_LENGTH, 23);
    assert_int_equal(DFOTA_E_HEADER_CHECKSUM, 24);
    assert_int_equal(DFOTA_E_MALFORMED, 25);
    assert_int_equal(DFOTA_E_UNSUPPORTED_FEATURE, 26);
    assert_int_equal(DFOTA_E_TRAILING_DATA, 27);
    assert_int_equal(DFOTA_E_PAYLOAD_DIGEST, 28);
    assert_int_equal(DFOTA_E_PAYLOAD_CORRUPT, 29);
    assert_int_equal(DFOTA_E_SOURCE_MISMATCH, 40);
    assert_int_equal(DFOTA_E_TARGET_MISMATCH, 41);
    assert_int_equal(DFOTA_E_CORRUPT_PATCH, 42);
    assert_int_equal(DFOTA_E_WORKSPACE, 43);
    assert_int_equal(DFOTA_E_FLASH, 50);
    assert_int_equal(DFOTA_E_POWER_CUT, 51);
    assert_int_equal(DFOTA_E_WEAK_PASSPHRASE, 60);
    assert_int_equal(DFOTA_E_BAD_PASSPHRASE, 61);
    assert_int_equal(DFOTA_E_KEY, 62);
    assert_int_equal(DFOTA_E_UNSUPPORTED_ALGORITHM, 63);
    assert_int_equal(DFOTA_E_BAD_SIGNATURE, 64);
    assert_int_equal(DFOTA_E_NOT_SIGNED, 65);
    assert_int_equal(DFOTA_E_ALREADY_SIGNED, 66);
    assert_int_equal(DFOTA_E_BAD_ZIP, 67);
    assert_int_equal(DFOTA_E_UNSAFE_ZIP, 68);
    assert_int_equal(DFOTA_E_ZIP_CONTENT, 69);
    assert_int_equal(DFOTA_E_UPDATE_IN_PROGRESS, 44);
    assert_int_equal(DFOTA_STATUS_LIMIT, 80);
}

static void every_status_has_a_distinct_name(void **state)
{
    const char *names[DFOTA_STATUS_LIMIT];
    unsigned count = 0, i, j;
    int v;

    (void)state;
    for (v = 0; v < DFOTA_STATUS_LIMIT; v++) {
        const char *name = dfota_status_name((enum dfota_status)v);

        if (strcmp(name, "UNKNOWN") == 0) {
            assert_string_equal(dfota_status_str((enum dfota_status)v), "unknown status");
            continue;
        }
        assert_string_not_equal(dfota_status_str((enum dfota_status)v), "unknown status");
        names[count++] = name;
    }
    assert_int_equal(count, 34);
    for (i = 0; i < count; i++)
        for (j = i + 1; j < count; j++)
            assert_string_not_equal(names[i], names[j]);
    assert_string_equal(dfota_status_name(DFOTA_E_HEADER_CHECKSUM), "HEADER_CHECKSUM");
    assert_string_equal(dfota_status_str(DFOTA_E_HEADER_CHECKSUM), "header checksum mismatch");
}

static void module_codes_follow_the_vendor_guides(void **state)
{
    (void)state;
    assert_int_equal(dfota_status_module_code(DFOTA_OK, DFOTA_MODULE_BC25), 0);
    assert_int_equal(dfota_status_module_code(DFOTA_OK, DFOTA_MODULE_EC200), 0);
    assert_int_equal(dfota_status_module_code(DFOTA_OK, DFOTA_MODULE_LWM2M), 0);
    /* A corrupt or foreign package: BC25 "package check failed". */
    assert_int_equal(dfota_status_module_code(DFOTA_E_BAD_MAGIC, DFOTA_MODULE_BC25), 6507);
    assert_int_equal(dfota_status_module_code(DFOTA_E_SOURCE_MISMATCH, DFOTA_MODULE_BC25),
                     6507);
    /* Digest failures: EC200 "firmware MD5 check error", platform "integrity failed". */
    assert_int_equal(dfota_status_module_code(DFOTA_E_PAYLOAD_DIGEST, DFOTA_MODULE_EC200), 506);
    assert_int_equal(dfota_status_module_code(DFOTA_E_PAYLOAD_DIGEST, DFOTA_MODULE_LWM2M), 5);
    assert_int_equal(dfota_status_module_code(DFOTA_E_HEADER_CHECKSUM, DFOTA_MODULE_EC200), 506);
    /* A failed upgrade: BC25 <FOTA_err> 6508, EC200 504 / 506. */
    assert_int_equal(dfota_status_module_code(DFOTA_E_TARGET_MISMATCH, DFOTA_MODULE_BC25), 6508);
    assert_int_equal(dfota_status_module_code(DFOTA_E_SOURCE_MISMATCH, DFOTA_MODULE_EC200), 504);
    assert_int_equal(dfota_status_module_code(DFOTA_E_NO_MEMORY, DFOTA_MODULE_BC25), 6509);
    assert_int_equal(dfota_status_module_code(DFOTA_E_NO_MEMORY, DFOTA_MODULE_LWM2M), 2);
    /* A signed zip that fails its signature or zip checks: integrity failure. */
    assert_int_equal(dfota_status_module_code(DFOTA_E_BAD_SIGNATURE, DFOTA_MODULE_BC25), 6507);
    assert_int_equal(dfota_status_module_code(DFOTA_E_BAD_SIGNATURE, DFOTA_MODULE_EC200), 506);
    assert_int_equal(dfota_status_module_code(DFOTA_E_BAD_SIGNATURE, DFOTA_MODULE_LWM2M), 5);
    assert_int_equal(dfota_status_module_code(DFOTA_E_UNSAFE_ZIP, DFOTA_MODULE_LWM2M), 5);
    /* A key or passphrase problem arises only on the host: no module code. */
    assert_int_equal(dfota_status_module_code(DFOTA_E_BAD_PASSPHRASE, DFOTA_MODULE_BC25), 0);
    /* A zip that is not signed fails the platform's integrity check. */
    assert_int_equal(dfota_status_module_code(DFOTA_E_NOT_SIGNED, DFOTA_MODULE_LWM2M), 5);
    /* Unknown statuses map to each family's "unknown" code; bad families to 0. */
    assert_int_equal(dfota_status_module_code((enum dfota_status)79, DFOTA_MODULE_BC25), 6500);
    assert_int_equal(dfota_status_module_code(DFOTA_E_IO, (enum dfota_module_family)7), 0);
    assert_string_equal(dfota_module_family_name(DFOTA_MODULE_EC200), "EC200");
}

/* The statuses that only ever arise on the host: no module reports them. */
static bool host_only(enum dfota_status status)
{
    switch (status) {
    case DFOTA_E_EXISTS:
    case DFOTA_E_POWER_CUT:
    case DFOTA_E_WEAK_PASSPHRASE:
    case DFOTA_E_BAD_PASSPHRASE:
    case DFOTA_E_KEY:
    case DFOTA_E_UNSUPPORTED_ALGORITHM:
    case DFOTA_E_ALREADY_SIGNED:
        return true;
    default:
        return false;
    }
}

static void host_only_failures_carry_no_module_code(void **state)
{
    unsigned count = 0;
    int v, f;

    (void)state;
    for (v = 1; v < DFOTA_STATUS_LIMIT; v++) {
        if (!host_only((enum dfota_status)v))
            continue;
        count++;
        for (f = 0; f < DFOTA_MODULE_FAMILY_COUNT; f++)
            assert_int_equal(
                dfota_status_module_code((enum dfota_status)v, (enum dfota_module_family)f), 0);
    }
    assert_int_equal(count, 7);
}

static void every_device_failure_has_a_module_code(void **state)
{
    int v, f;

    (void)state;
    for (v = 1; v < DFOTA_STATUS_LIMIT; v++) {
        if (host_only((enum dfota_status)v))
            continue;
        for (f = 0; f < DFOTA_MODULE_FAMILY_COUNT; f++)
            assert_int_not_equal(
                dfota_status_module_code((enum dfota_status)v, (enum dfota_module_family)f), 0);
    }
}

static void error_context_records_status_and_detail(void **state)
{
    struct dfota_error err;
    char long_text[400];

    (void)state;
    dfota_error_clear(&err);
    assert_int_equal(err.status, DFOTA_OK);
    assert_string_equal(err.message, "");
    assert_int_equal(dfota_error_set(&err, DFOTA_E_TRUNCATED, "need %d bytes", 16),
                     DFOTA_E_TRUNCATED);
    assert_int_equal(err.status, DFOTA_E_TRUNCATED);
    assert_string_equal(err.message, "need 16 bytes");
    /* NULL context: status still returned. */
    assert_int_equal(dfota_error_set(NULL, DFOTA_E_IO, "x"), DFOTA_E_IO);
    dfota_error_clear(NULL);
    /* Long details are truncated, never overflow. */
    memset(long_text, 'x', sizeof(long_text) - 1);
    long_text[sizeof(long_text) - 1] = '\0';
    dfota_error_set(&err, DFOTA_E_MALFORMED, "%s", long_text);
    assert_int_equal(strlen(err.message), DFOTA_ERROR_MESSAGE_MAX - 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(values_are_stable),
        cmocka_unit_test(every_status_has_a_distinct_name),
        cmocka_unit_test(module_codes_follow_the_vendor_guides),
        cmocka_unit_test(host_only_failures_carry_no_module_code),
        cmocka_unit_test(every_device_failure_has_a_module_code),
        cmocka_unit_test(error_context_records_status_and_detail),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
