/* Fuzz target: signature header parsing and verification (core/signature).
 *
 * Input: one byte of options (unit, tolerance, which headers are absent),
 * then "secret\ntimestamp\nsignature\n", then the body. The fuzzed headers
 * go through signature_verify as a receiver would see them; then the
 * properties of the scheme are checked with a signature made here:
 *  - a signature over (timestamp, body) verifies at that time, also in
 *    uppercase;
 *  - one changed hex digit, one more body byte or another secret do not;
 *  - a result is always one of the enum's values, with a text. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/signature.h"
#include "fuzz/fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const unsigned fz_tolerances[] = {0, 1, SIGNATURE_TOLERANCE_S, 4000000000u};

/* Reads the timestamp the way the scheme does: 1 to 15 digits. */
static int fz_timestamp(const char *s, uint64_t *out)
{
    size_t n = strlen(s);
    uint64_t v = 0;

    if (n == 0 || n > 15) {
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return -1;
        }
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    *out = v;
    return 0;
}

static void fz_check_result(enum signature_result r)
{
    if (r > SIGNATURE_MISMATCH) {
        fz_fail("signature_verify returned %d", (int)r);
    }
    if (signature_result_str(r) == NULL || strcmp(signature_result_str(r), "?") == 0) {
        fz_fail("no text for result %d", (int)r);
    }
}

/* The properties of a signature made here over (secret, ts, body). */
static void fz_roundtrip(const char *secret, const char *ts, const char *body, size_t body_len,
                         enum signature_unit unit)
{
    char sig[SIGNATURE_MAX + 1];
    char other[SIGNATURE_MAX + 1];
    char *longer = NULL;
    uint64_t v = 0;
    uint64_t now_ms;
    bool in_ms;
    enum signature_result r;

    if (secret[0] == '\0' || fz_timestamp(ts, &v) != 0) {
        return;
    }
    if (signature_sign(secret, ts, body, body_len, sig) != 0) {
        fz_fail("signature_sign failed");
    }
    if (strlen(sig) != 64 || strspn(sig, "0123456789abcdef") != 64) {
        fz_fail("signature '%s' is not 64 lowercase hex digits", sig);
    }
    in_ms = unit == SIGNATURE_UNIT_MS || (unit == SIGNATURE_UNIT_AUTO && v > 100000000000ull);
    now_ms = in_ms ? v : v * 1000u;
    r = signature_verify(secret, ts, sig, body, body_len, now_ms, unit, SIGNATURE_TOLERANCE_S);
    if (r != SIGNATURE_OK) {
        fz_fail("a fresh signature does not verify: %s", signature_result_str(r));
    }
    for (size_t i = 0; i < 64; i++) {
        other[i] = (char)(sig[i] >= 'a' ? sig[i] - 'a' + 'A' : sig[i]);
    }
    other[64] = '\0';
    if (signature_verify(secret, ts, other, body, body_len, now_ms, unit, SIGNATURE_TOLERANCE_S) !=
        SIGNATURE_OK) {
        fz_fail("the uppercase signature does not verify");
    }
    memcpy(other, sig, sizeof(other));
    other[v % 64] = other[v % 64] == '0' ? '1' : '0';
    if (signature_verify(secret, ts, other, body, body_len, now_ms, unit, SIGNATURE_TOLERANCE_S) !=
        SIGNATURE_MISMATCH) {
        fz_fail("a signature with one digit changed is not a mismatch");
    }
    longer = malloc(body_len + 1);
    if (longer == NULL) {
        abort();
    }
    memcpy(longer, body, body_len);
    longer[body_len] = 'x';
    if (signature_verify(secret, ts, sig, longer, body_len + 1, now_ms, unit,
                         SIGNATURE_TOLERANCE_S) != SIGNATURE_MISMATCH) {
        fz_fail("a longer body is not a mismatch");
    }
    free(longer);
    if (signature_verify("whsec_another", ts, sig, body, body_len, now_ms, unit,
                         SIGNATURE_TOLERANCE_S) == SIGNATURE_OK &&
        strcmp(secret, "whsec_another") != 0) {
        fz_fail("another secret verifies");
    }
    /* One second past the window either way. */
    if (now_ms > (SIGNATURE_TOLERANCE_S + 1) * 1000u &&
        signature_verify(secret, ts, sig, body, body_len,
                         now_ms + (SIGNATURE_TOLERANCE_S + 1) * 1000u, unit,
                         SIGNATURE_TOLERANCE_S) != SIGNATURE_STALE) {
        fz_fail("a timestamp past the window is not stale");
    }
    if (now_ms > (SIGNATURE_TOLERANCE_S + 1) * 1000u &&
        signature_verify(secret, ts, sig, body, body_len,
                         now_ms - (SIGNATURE_TOLERANCE_S + 1) * 1000u, unit,
                         SIGNATURE_TOLERANCE_S) != SIGNATURE_FUTURE) {
        fz_fail("a timestamp ahead of the window is not in the future");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fz_input in = {data, size};
    uint8_t opt = fz_byte(&in);
    enum signature_unit unit = (enum signature_unit)(opt % 3);
    unsigned tolerance = fz_tolerances[(opt >> 2) & 3];
    size_t secret_len = 0;
    size_t ts_len = 0;
    size_t sig_len = 0;
    size_t body_len = 0;
    char *secret = fz_line(&in, &secret_len);
    char *ts = fz_line(&in, &ts_len);
    char *sig = fz_line(&in, &sig_len);
    char *body = fz_rest(&in, &body_len);
    /* Headers reach a verifier as C strings (a NUL ends them). */
    const char *ts_hdr = (opt & 0x10) ? NULL : ts;
    const char *sig_hdr = (opt & 0x20) ? NULL : sig;
    uint64_t now_ms = (opt & 0x40) ? UINT64_MAX - 1 : 1727690400000ull;
    enum signature_result r;
    struct err e = {{0}};
    enum signature_unit parsed;

    r = signature_verify(secret[0] != '\0' ? secret : "s", ts_hdr, sig_hdr, body, body_len, now_ms,
                         unit, tolerance);
    fz_check_result(r);
    if ((ts_hdr == NULL || sig_hdr == NULL) && r != SIGNATURE_MISSING) {
        fz_fail("an absent header is not 'missing'");
    }
    if (r == SIGNATURE_OK && (sig_hdr == NULL || strlen(sig_hdr) != 64)) {
        fz_fail("a signature header that is not 64 characters verified");
    }
    fz_roundtrip(secret, ts, body, body_len, unit);
    if (signature_unit_parse(sig, true, &parsed, &e) != 0 && e.msg[0] == '\0') {
        fz_fail("signature_unit_parse failed without a message");
    }
    if (signature_equal(secret, strlen(secret), ts, strlen(ts)) !=
        signature_equal(ts, strlen(ts), secret, strlen(secret))) {
        fz_fail("signature_equal is not symmetric");
    }
    free(secret);
    free(ts);
    free(sig);
    free(body);
    return 0;
}
