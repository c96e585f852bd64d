/* core/scheme (scheme_verify.c): what the verifier accepts and refuses for
 * each built-in scheme, from the known answers of support/kat.c, and for a
 * token scheme file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/scheme.h"
#include "support/kat.h"

/* ---- verification ---- */

#define HDRS_MAX (SCHEME_WIRE_HEADERS + 4)

/* A request's headers, as a receiver's server hands them over. */
struct hdrs {
    char names[HDRS_MAX][SCHEME_HEADER_NAME_MAX + 1];
    char values[HDRS_MAX][SCHEME_WIRE_LINE];
    size_t n;
};

static const char *hdrs_get(void *ctx, const char *name)
{
    const struct hdrs *h = ctx;

    for (size_t i = 0; i < h->n; i++) {
        if (strcasecmp(h->names[i], name) == 0) {
            return h->values[i];
        }
    }
    return NULL;
}

/* Sets (replaces or adds) a header; a NULL value removes it. */
static void hdrs_set(struct hdrs *h, const char *name, const char *value)
{
    for (size_t i = 0; i < h->n; i++) {
        if (strcasecmp(h->names[i], name) == 0) {
            if (value == NULL) {
                memmove(&h->names[i], &h->names[i + 1], (h->n - i - 1) * sizeof(h->names[0]));
                memmove(&h->values[i], &h->values[i + 1], (h->n - i - 1) * sizeof(h->values[0]));
                h->n--;
            } else {
                snprintf(h->values[i], sizeof(h->values[i]), "%s", value);
            }
            return;
        }
    }
    if (value != NULL) {
        assert_true(h->n < HDRS_MAX);
        snprintf(h->names[h->n], sizeof(h->names[h->n]), "%s", name);
        snprintf(h->values[h->n], sizeof(h->values[h->n]), "%s", value);
        h->n++;
    }
}

static void hdrs_from_wire(struct hdrs *h, const struct scheme_wire *w)
{
    h->n = 0;
    for (size_t i = 0; i < w->n; i++) {
        const char *colon = strstr(w->lines[i], ": ");
        char name[SCHEME_HEADER_NAME_MAX + 1];
        assert_non_null(colon);
        snprintf(name, sizeof(name), "%.*s", (int)(colon - w->lines[i]), w->lines[i]);
        hdrs_set(h, name, colon + 2);
    }
}

static enum signature_result verify(const struct scheme *s, const char *secret,
                                    const struct hdrs *h, const char *query_token, const char *body,
                                    size_t body_len, uint64_t now_ms)
{
    const struct scheme_request r = {hdrs_get, (void *)h, query_token, body, body_len};

    return scheme_verify(s, secret, &r, NULL, now_ms, s->unit);
}

/* The built request of kat k, verified as built, at now_ms. */
static enum signature_result kat_verify_at(const struct kat *k, uint64_t now_ms)
{
    struct scheme_wire w;
    struct hdrs h;

    kat_build(k, &w);
    hdrs_from_wire(&h, &w);
    return verify(kat_builtin(k->scheme), k->secret, &h, w.query_name[0] ? w.query_value : NULL,
                  k->body, strlen(k->body), now_ms);
}

static void every_builtin_verifies_what_it_builds(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_KATS; i++) {
        const struct kat *k = &kats[i];
        const struct scheme *s = kat_builtin(k->scheme);
        struct scheme_wire w;
        struct hdrs h;
        const char *query = NULL;
        char body[256];
        size_t len = strlen(k->body);

        print_message("%s\n", k->scheme);
        kat_build(k, &w);
        hdrs_from_wire(&h, &w);
        query = w.query_name[0] != '\0' ? w.query_value : NULL;
        assert_int_equal(verify(s, k->secret, &h, query, k->body, len, k->now_ms), SIGNATURE_OK);
        assert_int_equal(verify(s, k->other_secret, &h, query, k->body, len, k->now_ms),
                         SIGNATURE_MISMATCH);
        if (s->kind != SCHEME_HMAC) {
            continue;
        }
        /* the body, one byte changed */
        assert_true(len < sizeof(body));
        memcpy(body, k->body, len);
        body[len / 2] ^= 0x01;
        assert_int_equal(verify(s, k->secret, &h, NULL, body, len, k->now_ms), SIGNATURE_MISMATCH);
        /* one byte more */
        body[len / 2] ^= 0x01;
        body[len] = ' ';
        assert_int_equal(verify(s, k->secret, &h, NULL, body, len + 1, k->now_ms),
                         SIGNATURE_MISMATCH);
        /* a malformed signature header */
        hdrs_set(&h, s->signature_header, "deadbeef-not-a-signature");
        assert_int_equal(verify(s, k->secret, &h, NULL, k->body, len, k->now_ms),
                         SIGNATURE_MALFORMED);
        /* no signature header, or an empty one */
        hdrs_set(&h, s->signature_header, "");
        assert_int_equal(verify(s, k->secret, &h, NULL, k->body, len, k->now_ms),
                         SIGNATURE_MISSING);
        hdrs_set(&h, s->signature_header, NULL);
        assert_int_equal(verify(s, k->secret, &h, NULL, k->body, len, k->now_ms),
                         SIGNATURE_MISSING);
    }
}

static void missing_timestamp_and_id_headers(void **state)
{
    (void)state;
    static const char *const cases[][2] = {{"vambe", "x-vambe-timestamp"},
                                           {"standard-webhooks", "webhook-timestamp"},
                                           {"slack", "X-Slack-Request-Timestamp"},
                                           {"standard-webhooks", "webhook-id"}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct kat *k = kat_of(cases[i][0]);
        struct scheme_wire w;
        struct hdrs h;

        kat_build(k, &w);
        hdrs_from_wire(&h, &w);
        hdrs_set(&h, cases[i][1], NULL);
        assert_int_equal(verify(kat_builtin(k->scheme), k->secret, &h, NULL, k->body,
                                strlen(k->body), k->now_ms),
                         SIGNATURE_MISSING);
    }
    /* stripe's timestamp travels in the signature header */
    const struct kat *k = kat_of("stripe");
    struct hdrs h = {.n = 0};
    hdrs_set(&h, "Stripe-Signature", "v1=" STRIPE_MAC);
    assert_int_equal(
        verify(kat_builtin("stripe"), k->secret, &h, NULL, k->body, strlen(k->body), k->now_ms),
        SIGNATURE_MALFORMED);
    /* a timestamp that is not decimal digits */
    const struct kat *v = kat_of("vambe");
    struct scheme_wire w;
    kat_build(v, &w);
    hdrs_from_wire(&h, &w);
    hdrs_set(&h, "x-vambe-timestamp", "1727690400000.5");
    assert_int_equal(
        verify(kat_builtin("vambe"), v->secret, &h, NULL, v->body, strlen(v->body), v->now_ms),
        SIGNATURE_MALFORMED);
}

static void time_windows(void **state)
{
    (void)state;
    /* past_s and future_s of each scheme with a timestamp (null: unbounded) */
    static const struct {
        const char *scheme;
        long long past_s;
        long long future_s;
    } windows[] = {{"vambe", 300, 300},
                   {"standard-webhooks", 300, 300},
                   {"stripe", 300, SCHEME_UNBOUNDED},
                   {"slack", 300, SCHEME_UNBOUNDED}};

    for (size_t i = 0; i < sizeof(windows) / sizeof(windows[0]); i++) {
        const struct kat *k = kat_of(windows[i].scheme);
        bool future_bounded = windows[i].future_s != SCHEME_UNBOUNDED;

        print_message("%s\n", k->scheme);
        assert_int_equal(kat_builtin(k->scheme)->past_s, windows[i].past_s);
        assert_int_equal(kat_builtin(k->scheme)->future_s, windows[i].future_s);
        /* exactly 300 s either way is accepted */
        assert_int_equal(kat_verify_at(k, k->now_ms + 300000), SIGNATURE_OK);
        assert_int_equal(kat_verify_at(k, k->now_ms - 300000), SIGNATURE_OK);
        /* 301 s old */
        assert_int_equal(kat_verify_at(k, k->now_ms + 301000), SIGNATURE_STALE);
        /* 301 s ahead: refused where the future is bounded; stripe and
         * slack take it, as their official libraries do */
        assert_int_equal(kat_verify_at(k, k->now_ms - 301000),
                         future_bounded ? SIGNATURE_FUTURE : SIGNATURE_OK);
        assert_int_equal(kat_verify_at(k, k->now_ms - 86400000),
                         future_bounded ? SIGNATURE_FUTURE : SIGNATURE_OK);
    }
    /* the schemes without a timestamp take any time */
    assert_int_equal(kat_verify_at(kat_of("github"), T_NOW_MS + 86400000ull * 365), SIGNATURE_OK);
    assert_int_equal(kat_verify_at(kat_of("shopify"), 0), SIGNATURE_OK);
}

/* A stripe header over kat's timestamp with the given parts after it. */
static enum signature_result stripe_with(const char *parts)
{
    const struct kat *k = kat_of("stripe");
    struct hdrs h = {.n = 0};
    char value[SCHEME_WIRE_LINE];

    snprintf(value, sizeof(value), "t=%s,%s", T_S, parts);
    hdrs_set(&h, "Stripe-Signature", value);
    return verify(kat_builtin("stripe"), k->secret, &h, NULL, k->body, strlen(k->body), k->now_ms);
}

static enum signature_result sw_with(const char *value)
{
    const struct kat *k = kat_of("standard-webhooks");
    struct hdrs h = {.n = 0};

    hdrs_set(&h, "webhook-id", SW_ID);
    hdrs_set(&h, "webhook-timestamp", SW_TS);
    hdrs_set(&h, "webhook-signature", value);
    return verify(kat_builtin("standard-webhooks"), k->secret, &h, NULL, k->body, strlen(k->body),
                  k->now_ms);
}

#define STRIPE_BAD "0b53b327526890f56c014a8bd9f9e0626b02d62468a67d3931fb273198789cc0"
#define SW_BAD     "A0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
#define SW_BAD2    "B0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

static void signature_lists(void **state)
{
    (void)state;
    assert_int_equal(stripe_with("v1=" STRIPE_MAC), SIGNATURE_OK);
    assert_int_equal(stripe_with("v1=" STRIPE_BAD ",v1=" STRIPE_MAC), SIGNATURE_OK);
    assert_int_equal(stripe_with("v1=" STRIPE_MAC ",v1=" STRIPE_BAD), SIGNATURE_OK);
    /* a v0 (test-mode) part is ignored */
    assert_int_equal(stripe_with("v1=" STRIPE_MAC ",v0=" STRIPE_BAD), SIGNATURE_OK);
    assert_int_equal(stripe_with("v0=" STRIPE_BAD ",v1=" STRIPE_MAC), SIGNATURE_OK);
    assert_int_equal(stripe_with("v1=" STRIPE_BAD ",v1=" STRIPE_BAD), SIGNATURE_MISMATCH);
    assert_int_equal(stripe_with("v1=" STRIPE_BAD), SIGNATURE_MISMATCH);
    /* only v0 parts: no signature of the scheme */
    assert_int_equal(stripe_with("v0=" STRIPE_MAC), SIGNATURE_MALFORMED);

    assert_int_equal(sw_with("v1," SW_MAC), SIGNATURE_OK);
    assert_int_equal(sw_with("v1," SW_BAD " v1," SW_MAC), SIGNATURE_OK);
    assert_int_equal(sw_with("v1," SW_MAC " v1," SW_BAD), SIGNATURE_OK);
    assert_int_equal(sw_with("v1," SW_BAD " v1," SW_BAD2), SIGNATURE_MISMATCH);
    assert_int_equal(sw_with("v1," SW_BAD), SIGNATURE_MISMATCH);
    assert_int_equal(sw_with("v2," SW_MAC), SIGNATURE_MALFORMED);
}

static void uppercase_hex_accepted(void **state)
{
    (void)state;
    static const char *const hex_schemes[] = {"vambe", "github", "stripe", "slack"};
    for (size_t i = 0; i < sizeof(hex_schemes) / sizeof(hex_schemes[0]); i++) {
        const struct kat *k = kat_of(hex_schemes[i]);
        const struct scheme *s = kat_builtin(k->scheme);
        struct scheme_wire w;
        struct hdrs h;
        char value[SCHEME_WIRE_LINE];

        kat_build(k, &w);
        hdrs_from_wire(&h, &w);
        snprintf(value, sizeof(value), "%s", hdrs_get(&h, s->signature_header));
        assert_memory_equal(value, k->sig_prefix, strlen(k->sig_prefix));
        for (char *c = value + strlen(k->sig_prefix); *c != '\0'; c++) {
            *c = (char)(*c >= 'a' && *c <= 'f' ? *c - 'a' + 'A' : *c);
        }
        assert_string_not_equal(value, hdrs_get(&h, s->signature_header));
        hdrs_set(&h, s->signature_header, value);
        assert_int_equal(verify(s, k->secret, &h, NULL, k->body, strlen(k->body), k->now_ms),
                         SIGNATURE_OK);
    }
}

static void tokens(void **state)
{
    (void)state;
    const struct scheme *q = kat_builtin("vambe-token-query");
    const struct scheme *hs = kat_builtin("vambe-token-header");
    struct hdrs h = {.n = 0};

    assert_int_equal(verify(q, TOKEN_SECRET, &h, TOKEN_SECRET, "{}", 2, T_NOW_MS), SIGNATURE_OK);
    assert_int_equal(verify(q, TOKEN_SECRET, &h, "tok-12", "{}", 2, T_NOW_MS), SIGNATURE_MISMATCH);
    assert_int_equal(verify(q, TOKEN_SECRET, &h, NULL, "{}", 2, T_NOW_MS), SIGNATURE_MISSING);
    assert_int_equal(verify(q, TOKEN_SECRET, &h, "", "{}", 2, T_NOW_MS), SIGNATURE_MISSING);
    /* the header does not stand in for the query */
    hdrs_set(&h, "x-vambe-token", TOKEN_SECRET);
    assert_int_equal(verify(q, TOKEN_SECRET, &h, NULL, "{}", 2, T_NOW_MS), SIGNATURE_MISSING);

    assert_int_equal(verify(hs, TOKEN_SECRET, &h, NULL, "{}", 2, T_NOW_MS), SIGNATURE_OK);
    hdrs_set(&h, "X-Vambe-Token", "tok-1234");
    assert_int_equal(verify(hs, TOKEN_SECRET, &h, NULL, "{}", 2, T_NOW_MS), SIGNATURE_MISMATCH);
    hdrs_set(&h, "x-vambe-token", NULL);
    assert_int_equal(verify(hs, TOKEN_SECRET, &h, TOKEN_SECRET, "{}", 2, T_NOW_MS),
                     SIGNATURE_MISSING);
}

static void bearer_token_scheme(void **state)
{
    (void)state;
    struct scheme s;
    struct err e = {{0}};
    struct scheme_wire w;
    struct hdrs h;
    const struct scheme_input in = {.secret = "tok-9",
                                    .id = "evt_1",
                                    .type = "t",
                                    .timestamp = T_S,
                                    .body = "{}",
                                    .body_len = 2};

    assert_int_equal(scheme_parse(BEARER_SCHEME, strlen(BEARER_SCHEME), "bearer.json", &s, &e), 0);
    assert_int_equal(s.kind, SCHEME_TOKEN);
    assert_int_equal(s.token.place, SCHEME_PLACE_HEADER);
    assert_string_equal(s.token.name, "Authorization");
    assert_string_equal(s.token_value, "Bearer {token}");
    assert_int_equal(s.event_id.place, SCHEME_PLACE_FIELD);
    assert_string_equal(s.event_id.name, "data.id");
    assert_false(scheme_signs_body(&s));
    assert_false(scheme_has_timestamp(&s));

    assert_int_equal(scheme_build(&s, &in, &w, &e), 0);
    assert_int_equal(w.n, 2);
    assert_string_equal(w.lines[0], "Content-Type: application/json");
    assert_string_equal(w.lines[1], "Authorization: Bearer tok-9");
    assert_string_equal(w.signature, "Bearer tok-9");
    hdrs_from_wire(&h, &w);
    assert_int_equal(verify(&s, "tok-9", &h, NULL, "{}", 2, T_NOW_MS), SIGNATURE_OK);
    assert_int_equal(verify(&s, "tok-8", &h, NULL, "{}", 2, T_NOW_MS), SIGNATURE_MISMATCH);
    hdrs_set(&h, "authorization", "tok-9");
    assert_int_equal(verify(&s, "tok-9", &h, NULL, "{}", 2, T_NOW_MS), SIGNATURE_MISMATCH);
    hdrs_set(&h, "authorization", "Bearer tok-8");
    assert_int_equal(verify(&s, "tok-9", &h, NULL, "{}", 2, T_NOW_MS), SIGNATURE_MISMATCH);
    hdrs_set(&h, "authorization", NULL);
    assert_int_equal(verify(&s, "tok-9", &h, NULL, "{}", 2, T_NOW_MS), SIGNATURE_MISSING);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_builtin_verifies_what_it_builds),
        cmocka_unit_test(missing_timestamp_and_id_headers),
        cmocka_unit_test(time_windows),
        cmocka_unit_test(signature_lists),
        cmocka_unit_test(uppercase_hex_accepted),
        cmocka_unit_test(tokens),
        cmocka_unit_test(bearer_token_scheme),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
