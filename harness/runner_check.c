/* What an answer must not show (runner_priv.h): the secret, the token, the
 * signature the receiver expected. */
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "core/scheme.h"
#include "harness/runner_priv.h"

/* Overwrites every occurrence of secret (4 bytes or more) in text with
 * '*'. */
void hn_runner_mask(char *text, size_t len, const char *secret)
{
    size_t n = strlen(secret);
    char *at = text;

    while (n >= 4 && (at = memmem(at, len - (size_t)(at - text), secret, n)) != NULL) {
        memset(at, '*', n);
        at += n;
    }
}

/* Is needle (n bytes) in hay (len bytes), ignoring ASCII case? */
static bool runner_contains(const char *hay, size_t len, const char *needle, size_t n)
{
    for (size_t i = 0; n > 0 && i + n <= len; i++) {
        if (strncasecmp(hay + i, needle, n) == 0) {
            return true;
        }
    }
    return false;
}

/* SEC-002: a rejection that shows the secret, or the signature the
 * receiver computed for these bytes, tells a forger what to send. Hex is
 * matched in any case; base64 (case matters) is matched as it is. */
void hn_runner_check_reveals(const struct hn_runner *r, const char *event_id,
                             const struct hn_delivery *d, const struct http_response *resp,
                             struct hn_runner_outcome *out)
{
    char expected[SCHEME_SIG_MAX + 1] = "";
    const char *what = NULL;
    bool hex = r->scheme.encoding == SCHEME_ENC_HEX;

    if (r->scheme.kind == SCHEME_HMAC && scheme_sign(&r->scheme, r->secret, event_id, d->timestamp,
                                                     d->body, d->body_len, expected, NULL) != 0) {
        expected[0] = '\0';
    }
    for (int part = 0; part < 2 && what == NULL; part++) {
        const char *hay = part == 0 ? resp->body : resp->headers;
        size_t len = part == 0 ? resp->body_len : resp->headers_len;
        if (hay == NULL) {
            continue;
        }
        if (expected[0] != '\0' && (hex ? runner_contains(hay, len, expected, strlen(expected))
                                        : memmem(hay, len, expected, strlen(expected)) != NULL)) {
            what = "the signature it expected for these bytes";
        } else if (strlen(r->secret) >= 4 && memmem(hay, len, r->secret, strlen(r->secret))) {
            what = r->scheme.kind == SCHEME_TOKEN ? "the token" : "the secret";
        }
    }
    if (what != NULL) {
        hn_runner_outcome_set(out, RP_VERDICT_FAIL,
                              "the answer reveals %s: a forger reads what to send", what);
    }
}
