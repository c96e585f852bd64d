/* core/signature: known answers, tampering, the time window, bad headers.
 *
 * The expected MACs were computed independently of the kit with
 *   printf '<timestamp>.<body>' | openssl dgst -sha256 -hmac '<secret>'
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>
#include <string.h>

#include "core/signature.h"

#define BODY1          "{\"event\":\"message.received\",\"data\":{\"message_body\":\"hola\"}}"
#define MAC1           "586c339f7c6d1a2a4ecfaedc7ac19f43eebeb3e45280114543529d8b67b09cea"
#define MAC_EMPTY_BODY "fd814985756f102bcd1fa3812774d84712118e1906ed279edaff56e8e1720ec5"
#define MAC_OTHER      "fd75a40b325279878ebd71c6f73affadc09c43de174f862130c48199a15ced64"

static const uint64_t T_MS = 1727690400000ull; /* 2024-09-30T10:00:00Z */

static void known_answers(void **state)
{
    (void)state;
    char out[SIGNATURE_MAX + 1];
    assert_int_equal(
        signature_sign("whsec_test_secret", "1727690400000", BODY1, strlen(BODY1), out), 0);
    assert_string_equal(out, MAC1);
    assert_int_equal(signature_sign("k", "1727690400", "", 0, out), 0);
    assert_string_equal(out, MAC_EMPTY_BODY);
    assert_int_equal(signature_sign("other-secret", "1727690400000", "{\"a\":1}", 7, out), 0);
    assert_string_equal(out, MAC_OTHER);
}

static void verify_ok_both_units(void **state)
{
    (void)state;
    assert_int_equal(signature_verify("whsec_test_secret", "1727690400000", MAC1, BODY1,
                                      strlen(BODY1), T_MS, SIGNATURE_UNIT_MS, 300),
                     SIGNATURE_OK);
    assert_int_equal(
        signature_verify("k", "1727690400", MAC_EMPTY_BODY, "", 0, T_MS, SIGNATURE_UNIT_S, 300),
        SIGNATURE_OK);
    /* auto reads 13 digits as ms and 10 digits as s */
    assert_int_equal(signature_verify("whsec_test_secret", "1727690400000", MAC1, BODY1,
                                      strlen(BODY1), T_MS, SIGNATURE_UNIT_AUTO, 300),
                     SIGNATURE_OK);
    assert_int_equal(
        signature_verify("k", "1727690400", MAC_EMPTY_BODY, "", 0, T_MS, SIGNATURE_UNIT_AUTO, 300),
        SIGNATURE_OK);
}

static void uppercase_hex_is_the_same_mac(void **state)
{
    (void)state;
    char upper[65];
    for (int i = 0; i < 64; i++) {
        char c = MAC1[i];
        upper[i] = (char)(c >= 'a' && c <= 'f' ? c - 32 : c);
    }
    upper[64] = '\0';
    assert_int_equal(signature_verify("whsec_test_secret", "1727690400000", upper, BODY1,
                                      strlen(BODY1), T_MS, SIGNATURE_UNIT_MS, 300),
                     SIGNATURE_OK);
}

static void tampering_rejected(void **state)
{
    (void)state;
    const char *altered = "{\"event\":\"message.received\",\"data\":{\"message_body\":\"hol4\"}}";
    assert_int_equal(signature_verify("whsec_test_secret", "1727690400000", MAC1, altered,
                                      strlen(altered), T_MS, SIGNATURE_UNIT_MS, 300),
                     SIGNATURE_MISMATCH);
    /* another timestamp, still inside the window */
    assert_int_equal(signature_verify("whsec_test_secret", "1727690400001", MAC1, BODY1,
                                      strlen(BODY1), T_MS, SIGNATURE_UNIT_MS, 300),
                     SIGNATURE_MISMATCH);
    assert_int_equal(signature_verify("whsec_test_secreT", "1727690400000", MAC1, BODY1,
                                      strlen(BODY1), T_MS, SIGNATURE_UNIT_MS, 300),
                     SIGNATURE_MISMATCH);
    /* a body with a NUL byte is signed over its whole length */
    const char nul_body[] = {'{', '}', '\0', 'x'};
    char out[SIGNATURE_MAX + 1];
    assert_int_equal(signature_sign("k", "1727690400", nul_body, 4, out), 0);
    assert_int_equal(
        signature_verify("k", "1727690400", out, nul_body, 2, T_MS, SIGNATURE_UNIT_S, 300),
        SIGNATURE_MISMATCH);
    assert_int_equal(
        signature_verify("k", "1727690400", out, nul_body, 4, T_MS, SIGNATURE_UNIT_S, 300),
        SIGNATURE_OK);
}

/* Signs body at timestamp text ts and verifies at now_ms. */
static enum signature_result at(const char *ts, uint64_t now_ms, enum signature_unit unit)
{
    char mac[SIGNATURE_MAX + 1];
    assert_int_equal(signature_sign("s3cret", ts, "{}", 2, mac), 0);
    return signature_verify("s3cret", ts, mac, "{}", 2, now_ms, unit, 300);
}

static void tolerance_edges(void **state)
{
    (void)state;
    /* milliseconds: exactly 300 s either way accepted, 301 s rejected */
    assert_int_equal(at("1727690400000", T_MS + 300000, SIGNATURE_UNIT_MS), SIGNATURE_OK);
    assert_int_equal(at("1727690400000", T_MS + 301000, SIGNATURE_UNIT_MS), SIGNATURE_STALE);
    assert_int_equal(at("1727690400000", T_MS + 300001, SIGNATURE_UNIT_MS), SIGNATURE_STALE);
    assert_int_equal(at("1727690400000", T_MS - 300000, SIGNATURE_UNIT_MS), SIGNATURE_OK);
    assert_int_equal(at("1727690400000", T_MS - 301000, SIGNATURE_UNIT_MS), SIGNATURE_FUTURE);
    /* seconds */
    assert_int_equal(at("1727690400", T_MS + 300000, SIGNATURE_UNIT_S), SIGNATURE_OK);
    assert_int_equal(at("1727690400", T_MS + 301000, SIGNATURE_UNIT_S), SIGNATURE_STALE);
    assert_int_equal(at("1727690400", T_MS - 300000, SIGNATURE_UNIT_S), SIGNATURE_OK);
    assert_int_equal(at("1727690400", T_MS - 301000, SIGNATURE_UNIT_S), SIGNATURE_FUTURE);
    /* a seconds timestamp read as milliseconds is 55 years stale */
    assert_int_equal(at("1727690400", T_MS, SIGNATURE_UNIT_MS), SIGNATURE_STALE);
}

static void malformed_headers(void **state)
{
    (void)state;
    static const char *const bad_ts[] = {
        "abc", "-1727690400", "1727690400.5", " 1727690400", "1234567890123456", "0x10", "1e9"};
    for (size_t i = 0; i < sizeof(bad_ts) / sizeof(bad_ts[0]); i++) {
        assert_int_equal(
            signature_verify("k", bad_ts[i], MAC_EMPTY_BODY, "", 0, T_MS, SIGNATURE_UNIT_S, 300),
            SIGNATURE_MALFORMED);
    }
    static const char *const bad_sig[] = {
        "sha256=" MAC_EMPTY_BODY, MAC_EMPTY_BODY "00", "fd81",
        "zz814985756f102bcd1fa3812774d84712118e1906ed279edaff56e8e1720ec5",
        "v1,fd814985756f102bcd1fa3812774d84712118e1906ed279edaff56e8e1720e"};
    for (size_t i = 0; i < sizeof(bad_sig) / sizeof(bad_sig[0]); i++) {
        assert_int_equal(
            signature_verify("k", "1727690400", bad_sig[i], "", 0, T_MS, SIGNATURE_UNIT_S, 300),
            SIGNATURE_MALFORMED);
    }
    assert_int_equal(
        signature_verify("k", NULL, MAC_EMPTY_BODY, "", 0, T_MS, SIGNATURE_UNIT_S, 300),
        SIGNATURE_MISSING);
    assert_int_equal(signature_verify("k", "1727690400", NULL, "", 0, T_MS, SIGNATURE_UNIT_S, 300),
                     SIGNATURE_MISSING);
    assert_int_equal(signature_verify("k", "1727690400", "", "", 0, T_MS, SIGNATURE_UNIT_S, 300),
                     SIGNATURE_MISSING);
    /* a very long header is malformed, not a crash */
    char longsig[8192];
    memset(longsig, 'a', sizeof(longsig) - 1);
    longsig[sizeof(longsig) - 1] = '\0';
    assert_int_equal(
        signature_verify("k", "1727690400", longsig, "", 0, T_MS, SIGNATURE_UNIT_S, 300),
        SIGNATURE_MALFORMED);
}

/* RFC 2202 and RFC 4231 test case 2 (key "Jefe"), split into parts to
 * show the parts are one message; base64 of GitHub's example payload. */
static void hmac_digests_and_encodings(void **state)
{
    (void)state;
    const struct signature_part parts[] = {{"what do ya want ", 16}, {"for nothing?", 12}};
    unsigned char mac[SIGNATURE_MAC_MAX];
    size_t n = 0;
    char hex[2 * SIGNATURE_MAC_MAX + 1];
    assert_int_equal(signature_hmac("sha1", "Jefe", 4, parts, 2, mac, &n), 0);
    signature_hex(mac, n, hex);
    assert_string_equal(hex, "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
    assert_int_equal(signature_hmac("sha256", "Jefe", 4, parts, 2, mac, &n), 0);
    signature_hex(mac, n, hex);
    assert_string_equal(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    assert_int_equal(signature_hmac("sha512", "Jefe", 4, parts, 2, mac, &n), 0);
    signature_hex(mac, n, hex);
    assert_string_equal(hex, "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
                             "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737");
    assert_int_equal(signature_hmac("md5", "Jefe", 4, parts, 2, mac, &n), -1);

    char b64[32];
    assert_int_equal(signature_base64_encode("Hello, World!", 13, b64, sizeof(b64)), 0);
    assert_string_equal(b64, "SGVsbG8sIFdvcmxkIQ==");
    assert_int_equal(signature_base64_encode("Hello, World!", 13, b64, 20), -1);
    unsigned char raw[32];
    size_t raw_len = 0;
    assert_int_equal(
        signature_base64_decode("SGVsbG8sIFdvcmxkIQ==", 20, raw, sizeof(raw), &raw_len), 0);
    assert_int_equal(raw_len, 13);
    assert_memory_equal(raw, "Hello, World!", 13);
    static const char *const bad[] = {"SGVsbG8", "SGVs bG8=", "SGV=bG8=", "SG*sbG8="};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(
            signature_base64_decode(bad[i], strlen(bad[i]), raw, sizeof(raw), &raw_len), -1);
    }
}

static void names_units_schemes(void **state)
{
    (void)state;
    assert_string_equal(signature_result_str(SIGNATURE_STALE), "timestamp too old");
    assert_string_equal(signature_result_str(SIGNATURE_FUTURE), "timestamp in the future");
    enum signature_unit u;
    struct err e;
    assert_int_equal(signature_unit_parse("s", false, &u, &e), 0);
    assert_int_equal(u, SIGNATURE_UNIT_S);
    assert_int_equal(signature_unit_parse("auto", false, &u, &e), -1);
    assert_non_null(strstr(e.msg, "unknown timestamp unit"));
    assert_int_equal(signature_unit_parse("auto", true, &u, &e), 0);
    char ts[32];
    signature_timestamp(T_MS + 999, SIGNATURE_UNIT_S, ts, sizeof(ts));
    assert_string_equal(ts, "1727690400");
    signature_timestamp(T_MS + 999, SIGNATURE_UNIT_MS, ts, sizeof(ts));
    assert_string_equal(ts, "1727690400999");
    assert_true(signature_equal("abc", 3, "abc", 3));
    assert_false(signature_equal("abc", 3, "abd", 3));
    assert_false(signature_equal("abc", 3, "abcd", 4));
    unsigned char r1[16] = {0}, r2[16] = {0};
    assert_int_equal(signature_random_bytes(r1, sizeof(r1)), 0);
    assert_int_equal(signature_random_bytes(r2, sizeof(r2)), 0);
    assert_memory_not_equal(r1, r2, sizeof(r1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(known_answers),
        cmocka_unit_test(verify_ok_both_units),
        cmocka_unit_test(uppercase_hex_is_the_same_mac),
        cmocka_unit_test(tampering_rejected),
        cmocka_unit_test(tolerance_edges),
        cmocka_unit_test(malformed_headers),
        cmocka_unit_test(hmac_digests_and_encodings),
        cmocka_unit_test(names_units_schemes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
