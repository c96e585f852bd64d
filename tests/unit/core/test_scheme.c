/* core/scheme: the built-in schemes' exact bytes (known answers), what the
 * verifier accepts and refuses for each, and the messages of bad scheme
 * files.
 *
 * Every expected MAC was computed independently of the kit, with
 * OpenSSL's command line; the command is above each constant. Two are
 * published vectors: the Standard Webhooks specification's example and
 * GitHub's documented example, both reproduced with openssl. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/scheme.h"

/* ---- known answers ---- */

#define RAW_SECRET   "s3cret-kit"
#define TOKEN_SECRET "tok-123"
#define T_S          "1727690400"    /* 2024-09-30T10:00:00Z */
#define T_MS         "1727690400000" /* the same, in ms */
#define T_NOW_MS     1727690400000ull

#define VAMBE_BODY "{\"event\":\"message.received\",\"data\":{\"id\":\"m_1\"}}"
/* printf '%s' '1727690400000.{"event":"message.received","data":{"id":"m_1"}}' \
 *   | openssl dgst -sha256 -hmac 's3cret-kit' */
#define VAMBE_MAC "12ccd9cb1df720cd6cede5da77ec5b838539e72cdfffb52cb0c5ccc37cdb4cb7"

/* The Standard Webhooks specification's example (published values). */
#define SW_SECRET "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
#define SW_ID     "msg_p5jXN8AQM9LWM0D4loKWxJek"
#define SW_TS     "1614265330"
#define SW_NOW_MS 1614265330000ull
#define SW_BODY   "{\"test\": 2432232314}"
/* KEY=$(printf '%s' 'MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' | openssl base64 -d -A | xxd -p -c 256)
 * (31f290f6bf06298aab4f08d43c3f082cf648a362da2da4b0)
 * printf '%s' 'msg_p5jXN8AQM9LWM0D4loKWxJek.1614265330.{"test": 2432232314}' \
 *   | openssl dgst -sha256 -mac HMAC -macopt hexkey:$KEY -binary | openssl base64 -A */
#define SW_MAC "g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
/* printf '%s' 'another key!' | openssl base64 -A */
#define SW_OTHER_SECRET "whsec_YW5vdGhlciBrZXkh"

/* GitHub's documented example (published values). */
#define GH_SECRET "It's a Secret to Everybody"
#define GH_BODY   "Hello, World!"
/* printf '%s' 'Hello, World!' | openssl dgst -sha256 -hmac "It's a Secret to Everybody" */
#define GH_MAC "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"

#define STRIPE_BODY "{\"id\":\"evt_1\",\"type\":\"invoice.paid\"}"
/* printf '%s' '1727690400.{"id":"evt_1","type":"invoice.paid"}' \
 *   | openssl dgst -sha256 -hmac 's3cret-kit' */
#define STRIPE_MAC "7b53b327526890f56c014a8bd9f9e0626b02d62468a67d3931fb273198789cc0"

#define SHOPIFY_BODY "{\"id\":1,\"topic\":\"orders/create\"}"
/* printf '%s' '{"id":1,"topic":"orders/create"}' \
 *   | openssl dgst -sha256 -hmac 's3cret-kit' -binary | openssl base64 -A */
#define SHOPIFY_MAC "B6VxhU0P+UGUdxPZRtmOwnJn/p+2daeA9LoG/BKal20="

#define SLACK_BODY "{\"event_id\":\"Ev1\",\"event\":{\"type\":\"message\"}}"
/* printf '%s' 'v0:1727690400:{"event_id":"Ev1","event":{"type":"message"}}' \
 *   | openssl dgst -sha256 -hmac 's3cret-kit' */
#define SLACK_MAC "f9e5f54d288c927f235ae5115c65b4512a8771334c3029d69d3f548e05dceb0f"

#define DELIVERY "5f0c6e1e-8c1a-4b5e-9d55-2f1f3c9a7b10"
#define GH_GUID  "72d3162e-cc78-11e3-81ab-4c9367dc0958"

#define VAMBE_COMMON_LINES                                                                         \
    "Content-Type: application/json", "User-Agent: Vambe-Webhooks/1.0",                            \
        "x-vambe-event: message.received", "x-vambe-event-id: evt_01",                             \
        "x-vambe-delivery-id: " DELIVERY, "x-vambe-attempt: 2", "x-vambe-webhook-id: wh_42"

/* One built-in scheme's fixed input and the exact request it must give. */
struct kat {
    const char *scheme;
    const char *secret;
    const char *other_secret; /* a usable secret that is not this one */
    const char *id;
    const char *type;
    const char *delivery_id;
    const char *webhook_id;
    unsigned attempt;
    const char *ts;
    uint64_t now_ms; /* the timestamp as wall time */
    const char *body;
    const char *lines[12]; /* every header line, in order; NULL ends */
    const char *query_name;
    const char *query_value;
    /* What the signature header's value holds before the encoded MAC
     * (hmac only), to find and alter the MAC. */
    const char *sig_prefix;
};

static const struct kat kats[] = {
    {"vambe",
     RAW_SECRET,
     "s3cret-kiT",
     "evt_01",
     "message.received",
     DELIVERY,
     "wh_42",
     2,
     T_MS,
     T_NOW_MS,
     VAMBE_BODY,
     {VAMBE_COMMON_LINES, "x-vambe-timestamp: " T_MS, "x-vambe-signature: " VAMBE_MAC},
     "",
     "",
     ""},
    {"vambe-token-query",
     TOKEN_SECRET,
     "tok-124",
     "evt_01",
     "message.received",
     DELIVERY,
     "wh_42",
     2,
     T_MS,
     T_NOW_MS,
     VAMBE_BODY,
     {VAMBE_COMMON_LINES},
     "token",
     TOKEN_SECRET,
     NULL},
    {"vambe-token-header",
     TOKEN_SECRET,
     "tok-124",
     "evt_01",
     "message.received",
     DELIVERY,
     "wh_42",
     2,
     T_MS,
     T_NOW_MS,
     VAMBE_BODY,
     {VAMBE_COMMON_LINES, "x-vambe-token: " TOKEN_SECRET},
     "",
     "",
     NULL},
    {"standard-webhooks",
     SW_SECRET,
     SW_OTHER_SECRET,
     SW_ID,
     "invoice.paid",
     "",
     "",
     1,
     SW_TS,
     SW_NOW_MS,
     SW_BODY,
     {"Content-Type: application/json", "User-Agent: Svix-Webhooks/1.0", "webhook-id: " SW_ID,
      "webhook-timestamp: " SW_TS, "webhook-signature: v1," SW_MAC},
     "",
     "",
     "v1,"},
    {"github",
     GH_SECRET,
     "It's a Secret to Nobody",
     GH_GUID,
     "ping",
     "",
     "123",
     1,
     T_S,
     T_NOW_MS,
     GH_BODY,
     {"Content-Type: application/json", "User-Agent: GitHub-Hookshot/kit", "X-GitHub-Event: ping",
      "X-GitHub-Delivery: " GH_GUID, "X-GitHub-Hook-ID: 123",
      "X-Hub-Signature-256: sha256=" GH_MAC},
     "",
     "",
     "sha256="},
    {"stripe",
     RAW_SECRET,
     "s3cret-kiT",
     "evt_1",
     "invoice.paid",
     "",
     "we_1",
     1,
     T_S,
     T_NOW_MS,
     STRIPE_BODY,
     {"Content-Type: application/json",
      "User-Agent: Stripe/1.0 (+https://stripe.com/docs/webhooks)",
      "Stripe-Signature: t=" T_S ",v1=" STRIPE_MAC},
     "",
     "",
     "t=" T_S ",v1="},
    {"shopify",
     RAW_SECRET,
     "s3cret-kiT",
     "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
     "orders/create",
     "",
     "",
     1,
     T_S,
     T_NOW_MS,
     SHOPIFY_BODY,
     {"Content-Type: application/json", "User-Agent: Shopify-Captain-Hook",
      "X-Shopify-Topic: orders/create",
      "X-Shopify-Webhook-Id: b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
      "X-Shopify-Event-Id: b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
      "X-Shopify-Shop-Domain: vambe-kit.myshopify.com", "X-Shopify-API-Version: 2024-07",
      "X-Shopify-Hmac-Sha256: " SHOPIFY_MAC},
     "",
     "",
     ""},
    {"slack",
     RAW_SECRET,
     "s3cret-kiT",
     "Ev1",
     "message",
     "",
     "",
     1,
     T_S,
     T_NOW_MS,
     SLACK_BODY,
     {"Content-Type: application/json", "User-Agent: Slackbot 1.0 (+https://api.slack.com/robots)",
      "X-Slack-Request-Timestamp: " T_S, "X-Slack-Signature: v0=" SLACK_MAC},
     "",
     "",
     "v0="},
};

#define N_KATS (sizeof(kats) / sizeof(kats[0]))

static const struct scheme *builtin(const char *name)
{
    const struct scheme *s = scheme_builtin(name);
    assert_non_null(s);
    return s;
}

static void kat_build(const struct kat *k, struct scheme_wire *w)
{
    const struct scheme_input in = {.secret = k->secret,
                                    .id = k->id,
                                    .type = k->type,
                                    .delivery_id = k->delivery_id,
                                    .webhook_id = k->webhook_id,
                                    .attempt = k->attempt,
                                    .timestamp = k->ts,
                                    .body = k->body,
                                    .body_len = strlen(k->body)};
    struct err e = {{0}};

    assert_int_equal(scheme_build(builtin(k->scheme), &in, w, &e), 0);
}

static void builtins_known_answers(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_KATS; i++) {
        const struct kat *k = &kats[i];
        struct scheme_wire w;
        size_t n = 0;

        kat_build(k, &w);
        while (k->lines[n] != NULL) {
            n++;
        }
        print_message("%s\n", k->scheme);
        assert_int_equal(w.n, n);
        for (size_t l = 0; l < n; l++) {
            assert_string_equal(w.lines[l], k->lines[l]);
            assert_ptr_equal(w.ptrs[l], w.lines[l]);
        }
        assert_string_equal(w.timestamp, k->ts);
        assert_string_equal(w.query_name, k->query_name);
        assert_string_equal(w.query_value, k->query_value);
        if (k->query_name[0] != '\0') {
            /* a query token goes in the URL, not in a header */
            assert_null(w.signature);
        } else {
            /* the value of the last line, the signature or token header */
            assert_non_null(w.signature);
            assert_string_equal(w.signature, strstr(k->lines[n - 1], ": ") + 2);
        }
    }
}

/* A record rebuilt with the signature it shows; a sender that does not sign. */
static void shown_and_no_auth(void **state)
{
    (void)state;
    const struct kat *k = &kats[0]; /* vambe */
    struct scheme_input in = {.secret = k->secret,
                              .id = k->id,
                              .type = k->type,
                              .delivery_id = k->delivery_id,
                              .webhook_id = k->webhook_id,
                              .attempt = k->attempt,
                              .timestamp = k->ts,
                              .body = k->body,
                              .body_len = strlen(k->body),
                              .shown = "12ccd9cb..."};
    struct scheme_wire w;
    struct err e = {{0}};

    assert_int_equal(scheme_build(builtin("vambe"), &in, &w, &e), 0);
    assert_int_equal(w.n, 9);
    assert_string_equal(w.lines[8], "x-vambe-signature: 12ccd9cb...");
    assert_string_equal(w.signature, "12ccd9cb...");
    in.shown = NULL;
    in.no_auth = true;
    assert_int_equal(scheme_build(builtin("vambe"), &in, &w, &e), 0);
    assert_int_equal(w.n, 8);
    assert_string_equal(w.lines[7], "x-vambe-timestamp: " T_MS);
    assert_null(w.signature);
}

/* The encoded signature alone, as scheme_sign gives it. */
static void published_vectors_through_scheme_sign(void **state)
{
    (void)state;
    char sig[SCHEME_SIG_MAX + 1];
    struct err e = {{0}};

    assert_int_equal(scheme_sign(builtin("standard-webhooks"), SW_SECRET, SW_ID, SW_TS, SW_BODY,
                                 strlen(SW_BODY), sig, &e),
                     0);
    assert_string_equal(sig, SW_MAC);
    assert_int_equal(scheme_sign(builtin("github"), GH_SECRET, "ignored", "ignored", GH_BODY,
                                 strlen(GH_BODY), sig, &e),
                     0);
    assert_string_equal(sig, GH_MAC);
    assert_int_equal(scheme_sign(builtin("shopify"), RAW_SECRET, "x", "x", SHOPIFY_BODY,
                                 strlen(SHOPIFY_BODY), sig, &e),
                     0);
    assert_string_equal(sig, SHOPIFY_MAC);
}

static void signature_and_token_values(void **state)
{
    (void)state;
    const char *const two[] = {"aa", "bb"};
    char out[SCHEME_WIRE_LINE];

    assert_int_equal(scheme_signature_value(builtin("stripe"), T_S, two, 2, out, sizeof(out)), 0);
    assert_string_equal(out, "t=" T_S ",v1=aa,v1=bb");
    /* no timestamp: the "t=" part goes */
    assert_int_equal(scheme_signature_value(builtin("stripe"), NULL, two, 2, out, sizeof(out)), 0);
    assert_string_equal(out, "v1=aa,v1=bb");
    assert_int_equal(
        scheme_signature_value(builtin("standard-webhooks"), SW_TS, two, 2, out, sizeof(out)), 0);
    assert_string_equal(out, "v1,aa v1,bb");
    assert_int_equal(scheme_signature_value(builtin("github"), NULL, two, 1, out, sizeof(out)), 0);
    assert_string_equal(out, "sha256=aa");
    /* a single-signature scheme takes one */
    assert_int_equal(scheme_signature_value(builtin("github"), NULL, two, 2, out, sizeof(out)), -1);
    assert_int_equal(scheme_signature_value(builtin("github"), NULL, two, 1, out, 8), -1);
    assert_int_equal(
        scheme_token_value(builtin("vambe-token-header"), TOKEN_SECRET, out, sizeof(out)), 0);
    assert_string_equal(out, TOKEN_SECRET);
}

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
    return verify(builtin(k->scheme), k->secret, &h, w.query_name[0] ? w.query_value : NULL,
                  k->body, strlen(k->body), now_ms);
}

static const struct kat *kat_of(const char *scheme)
{
    for (size_t i = 0; i < N_KATS; i++) {
        if (strcmp(kats[i].scheme, scheme) == 0) {
            return &kats[i];
        }
    }
    fail_msg("no known answer for %s", scheme);
    return NULL;
}

static void every_builtin_verifies_what_it_builds(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_KATS; i++) {
        const struct kat *k = &kats[i];
        const struct scheme *s = builtin(k->scheme);
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
        assert_int_equal(
            verify(builtin(k->scheme), k->secret, &h, NULL, k->body, strlen(k->body), k->now_ms),
            SIGNATURE_MISSING);
    }
    /* stripe's timestamp travels in the signature header */
    const struct kat *k = kat_of("stripe");
    struct hdrs h = {.n = 0};
    hdrs_set(&h, "Stripe-Signature", "v1=" STRIPE_MAC);
    assert_int_equal(
        verify(builtin("stripe"), k->secret, &h, NULL, k->body, strlen(k->body), k->now_ms),
        SIGNATURE_MALFORMED);
    /* a timestamp that is not decimal digits */
    const struct kat *v = kat_of("vambe");
    struct scheme_wire w;
    kat_build(v, &w);
    hdrs_from_wire(&h, &w);
    hdrs_set(&h, "x-vambe-timestamp", "1727690400000.5");
    assert_int_equal(
        verify(builtin("vambe"), v->secret, &h, NULL, v->body, strlen(v->body), v->now_ms),
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
        assert_int_equal(builtin(k->scheme)->past_s, windows[i].past_s);
        assert_int_equal(builtin(k->scheme)->future_s, windows[i].future_s);
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
    return verify(builtin("stripe"), k->secret, &h, NULL, k->body, strlen(k->body), k->now_ms);
}

static enum signature_result sw_with(const char *value)
{
    const struct kat *k = kat_of("standard-webhooks");
    struct hdrs h = {.n = 0};

    hdrs_set(&h, "webhook-id", SW_ID);
    hdrs_set(&h, "webhook-timestamp", SW_TS);
    hdrs_set(&h, "webhook-signature", value);
    return verify(builtin("standard-webhooks"), k->secret, &h, NULL, k->body, strlen(k->body),
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
        const struct scheme *s = builtin(k->scheme);
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
    const struct scheme *q = builtin("vambe-token-query");
    const struct scheme *hs = builtin("vambe-token-header");
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

#define BEARER_SCHEME                                                                              \
    "{\"format\": 1, \"name\": \"bearer\", \"title\": \"Bearer token\", \"kind\": \"token\",\n"    \
    " \"event_id\": {\"field\": \"data.id\"},\n"                                                   \
    " \"token\": {\"header\": \"Authorization\", \"value\": \"Bearer {token}\"}}\n"

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

static void secret_checks(void **state)
{
    (void)state;
    const struct scheme *sw = builtin("standard-webhooks");
    struct err e = {{0}};
    struct scheme_wire w;
    const char *bad = "whsec_not*base64!";
    const struct scheme_input in = {
        .secret = bad, .id = SW_ID, .type = "t", .timestamp = SW_TS, .body = "{}", .body_len = 2};

    assert_int_equal(scheme_secret_check(sw, SW_SECRET, &e), 0);
    assert_int_equal(scheme_secret_check(sw, bad, &e), -1);
    assert_string_equal(e.msg, "a standard-webhooks secret is 'whsec_' followed by base64 (this "
                               "one is not base64 after the prefix)");
    assert_null(strstr(e.msg, "not*base64"));
    assert_int_equal(scheme_secret_check(sw, "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", &e), -1);
    assert_string_equal(e.msg,
                        "a standard-webhooks secret starts with 'whsec_' followed by base64");
    assert_null(strstr(e.msg, "MfKQ9r8G"));
    /* the builder refuses it too, with the same message */
    assert_int_equal(scheme_build(sw, &in, &w, &e), -1);
    assert_null(strstr(e.msg, "not*base64"));

    /* raw schemes take any secret */
    static const char *const raw[] = {"vambe", "github", "stripe", "shopify", "slack"};
    for (size_t i = 0; i < sizeof(raw) / sizeof(raw[0]); i++) {
        assert_int_equal(scheme_secret_check(builtin(raw[i]), "plain secret", &e), 0);
        assert_int_equal(scheme_secret_check(builtin(raw[i]), bad, &e), 0);
    }
    assert_int_equal(scheme_secret_check(builtin("vambe-token-query"), TOKEN_SECRET, &e), 0);
    assert_int_equal(scheme_secret_check(builtin("vambe-token-header"), "tok\r\nX-Evil: 1", &e),
                     -1);
    assert_null(strstr(e.msg, "X-Evil"));
}

/* ---- scheme files ---- */

#define HEAD      "{\n  \"format\": 1,\n  \"name\": \"t\",\n  \"title\": \"T\",\n"
#define HMAC_HEAD HEAD "  \"kind\": \"hmac\",\n  \"event_id\": {\"field\": \"id\"},\n"
/* A signature object over lines 7 to 14 (line 9 the digest, 11 signed,
 * 13 value), with the given digest, signed string, extra member and
 * value. */
#define SIG(digest, signed_, extra, value)                                                         \
    "  \"signature\": {\n"                                                                         \
    "    \"header\": \"x-sig\",\n"                                                                 \
    "    \"digest\": \"" digest "\",\n"                                                            \
    "    \"key\": \"raw\",\n"                                                                      \
    "    \"signed\": \"" signed_ "\",\n"                                                           \
    "    \"encoding\": \"hex\",\n" extra "    \"value\": \"" value "\"\n"                          \
    "  }\n}\n"

/* A kind none scheme whose retry_horizon_s (line 6) is value. */
#define RETRY_HORIZON(value)                                                                       \
    HEAD "  \"kind\": \"none\",\n  \"retry_horizon_s\": " value ",\n"                              \
         "  \"event_id\": {\"field\": \"id\"}\n}\n"

static const struct {
    const char *text;
    const char *msg;
} bad_files[] = {
    /* a token in the request's own Content-Type header (found by
     * fuzz_scheme: the receiver read application/json as the token) */
    {"{\n"
     "  \"format\": 1,\n"
     "  \"name\": \"t\",\n"
     "  \"title\": \"T\",\n"
     "  \"kind\": \"token\",\n"
     "  \"event_id\": {\"field\": \"id\"},\n"
     "  \"token\": {\"header\": \"content-type\", \"value\": \"{token}\"}\n"
     "}\n",
     "t.json:7:13: token.header: 'content-type' is the request's content type "
     "(application/json): the token needs a header of its own"},
    /* a fixed header with an empty name (found by fuzz_scheme) */
    {"{\n"
     "  \"format\": 1,\n"
     "  \"name\": \"t\",\n"
     "  \"title\": \"T\",\n"
     "  \"kind\": \"none\",\n"
     "  \"headers\": {\"\": \"{delivery_id}\"},\n"
     "  \"event_id\": {\"field\": \"id\"}\n"
     "}\n",
     "t.json:6:15: headers.: a header name cannot be empty"},
    /* a profile the kit does not build */
    {"{\n"
     "  \"format\": 1,\n"
     "  \"name\": \"t\",\n"
     "  \"title\": \"T\",\n"
     "  \"kind\": \"none\",\n"
     "  \"profile\": \"paypal\",\n"
     "  \"event_id\": {\"field\": \"id\"}\n"
     "}\n",
     "t.json:6:3: profile: unknown profile 'paypal' (use documented, legacy, standard-webhooks, "
     "github, stripe, shopify or slack)"},
    /* an id locator with a member it does not have */
    {"{\n"
     "  \"format\": 1,\n"
     "  \"name\": \"t\",\n"
     "  \"title\": \"T\",\n"
     "  \"kind\": \"none\",\n"
     "  \"event_id\": {\"field\": \"id\", \"query\": \"x\"}\n"
     "}\n",
     "t.json:6:31: event_id.query: unknown field 'query' (known: header, field)"},
    /* kind token with a null token */
    {"{\n"
     "  \"format\": 1,\n"
     "  \"name\": \"t\",\n"
     "  \"title\": \"T\",\n"
     "  \"kind\": \"token\",\n"
     "  \"event_id\": {\"field\": \"id\"},\n"
     "  \"token\": null\n"
     "}\n",
     "t.json:7:3: token: kind token needs 'token': a header or a query"},
    /* a value naming a timestamp the scheme has not */
    {"{\n"
     "  \"format\": 1,\n"
     "  \"name\": \"t\",\n"
     "  \"title\": \"T\",\n"
     "  \"kind\": \"hmac\",\n"
     "  \"event_id\": {\"field\": \"id\"},\n"
     "  \"signature\": {\"header\": \"x-sig\", \"digest\": \"sha256\", \"key\": \"raw\", "
     "\"signed\": \"{body}\", \"encoding\": \"hex\", \"value\": \"t={timestamp},{sig}\"}\n"
     "}\n",
     "t.json:7:109: signature.value: 't={timestamp},{sig}' names {timestamp}, but the scheme has "
     "no 'timestamp'"},
    /* a list separator inside the encoding's alphabet */
    {"{\n"
     "  \"format\": 1,\n"
     "  \"name\": \"t\",\n"
     "  \"title\": \"T\",\n"
     "  \"kind\": \"hmac\",\n"
     "  \"event_id\": {\"field\": \"id\"},\n"
     "  \"signature\": {\"header\": \"x-sig\", \"digest\": \"sha256\", \"key\": \"raw\", "
     "\"signed\": \"{body}\", \"encoding\": \"base64\", \"list\": {\"separator\": \"=\", "
     "\"element\": \"v1:{sig}\"}, \"value\": \"{signatures}\"}\n"
     "}\n",
     "t.json:7:121: signature.list.separator: '=' can appear inside a base64 signature"},
    /* more fields than a signed string takes */
    {"{\n"
     "  \"format\": 1,\n"
     "  \"name\": \"t\",\n"
     "  \"title\": \"T\",\n"
     "  \"kind\": \"hmac\",\n"
     "  \"event_id\": {\"field\": \"id\"},\n"
     "  \"signature\": {\"header\": \"x-sig\", \"digest\": \"sha256\", \"key\": \"raw\", "
     "\"signed\": \"{id}{id}{id}{id}{id}{id}{id}{id}{id}{body}\", \"encoding\": \"hex\", "
     "\"value\": \"{sig}\"}\n"
     "}\n",
     "t.json:7:70: signature.signed: '{id}{id}{id}{id}{id}{id}{id}{id}{id}{body}' names more than "
     "8 fields"},
    {HMAC_HEAD SIG("md5", "{body}", "", "{sig}"),
     "t.json:9:5: signature.digest: unknown digest 'md5' (use sha256, sha1 or sha512)"},
    {HMAC_HEAD SIG("sha256", "{nonce}.{body}", "", "{sig}"),
     "t.json:11:5: signature.signed: '{nonce}' is not a field of this template (use {id}, "
     "{timestamp}, {body})"},
    {HEAD "  \"kind\": \"none\",\n  \"headers\": {\n    \"X Event\": \"{type}\"\n  },\n"
          "  \"event_id\": {\"field\": \"id\"}\n}\n",
     "t.json:7:5: headers.X Event: 'X Event' is not a valid header name"},
    {HEAD "  \"kind\": \"none\",\n  \"event_id\": {\"header\": \"x id\"}\n}\n",
     "t.json:6:16: event_id.header: 'x id' is not a valid header name"},
    {HMAC_HEAD "  \"timestamp\": {\"header\": \"x-ts\", \"unit\": \"s\", \"past_s\": -1},\n" SIG(
         "sha256", "{timestamp}.{body}", "", "{sig}"),
     "t.json:7:48: timestamp.past_s: 'past_s' must be 0 or more (got -1)"},
    {HEAD "  \"event_id\": {\"field\": \"id\"}\n}\n",
     "t.json:1:1: (top level): missing required field 'kind'"},
    {HEAD "  \"kind\": \"rsa\",\n  \"event_id\": {\"field\": \"id\"}\n}\n",
     "t.json:5:3: kind: unknown kind 'rsa' (use hmac, token or none)"},
    {"{\n  \"format\": 2,\n  \"name\": \"t\",\n  \"title\": \"T\",\n  \"kind\": \"none\",\n"
     "  \"event_id\": {\"field\": \"id\"}\n}\n",
     "t.json:2:3: format: unsupported format 2 (this kit reads format 1)"},
    {"{\n  \"name\": \"t\",\n  \"title\": \"T\",\n  \"kind\": \"none\",\n"
     "  \"event_id\": {\"field\": \"id\"}\n}\n",
     "t.json:1:1: (top level): missing required field 'format' (this kit reads format 1)"},
    {"{\n  \"format\": 1,\n  \"name\": \"t\"\n  \"title\": \"T\"\n}\n",
     "t.json:4:9: not valid JSON: '}' expected near '\"title\"'"},
    {"[\n  1\n]\n", "t.json:1:1: (top level): a scheme is a JSON object"},
    {HMAC_HEAD SIG("sha256", "{timestamp}.{body}", "", "{sig}"),
     "t.json:11:5: signature.signed: '{timestamp}.{body}' names {timestamp}, but the scheme has "
     "no 'timestamp'"},
    {HMAC_HEAD SIG("sha256", "{body}", "", "sha256="),
     "t.json:13:5: signature.value: 'sha256=' must name {sig} exactly once"},
    {HMAC_HEAD SIG("sha256", "{body}", "", "{sig}.{sig}"),
     "t.json:13:5: signature.value: '{sig}.{sig}' must name {sig} exactly once"},
    {HMAC_HEAD SIG("sha256", "{body}", "    \"list\": {\"separator\": \",\"},\n", "{signatures}"),
     "t.json:13:5: signature.list: missing required field 'element'"},
    {HMAC_HEAD "  \"timestamp\": {\"in_signature\": \"t=\", \"unit\": \"s\"},\n" SIG(
         "sha256", "{timestamp}.{body}", "", "t={timestamp},v1={sig}"),
     "t.json:7:3: timestamp: 'in_signature' needs a signature 'list' (its separator splits the "
     "header into parts)"},
    {HEAD "  \"kind\": \"token\",\n  \"event_id\": {\"field\": \"id\"}\n}\n",
     "t.json:1:1: (top level): missing required field 'token' (kind token)"},
    {HEAD "  \"kind\": \"token\",\n  \"event_id\": {\"field\": \"id\"},\n"
          "  \"token\": {\"query\": \"token\"},\n  \"signature\": {\"header\": \"x-sig\"}\n}\n",
     "t.json:8:3: signature: 'signature' is for kind hmac (this scheme is token)"},
    {HEAD "  \"kind\": \"none\",\n  \"event_id\": {\"field\": \"id\"},\n  \"secret\": \"s\"\n}\n",
     "t.json:7:3: secret: unknown field 'secret' (known: format, name, title, kind, profile, "
     "max_body, retry_horizon_s, headers, event_id, event_type, delivery_id, timestamp, "
     "signature, token)"},
    {HEAD "  \"kind\": \"none\",\n  \"event_type\": {\"header\": \"x-type\"}\n}\n",
     "t.json:1:1: (top level): missing required field 'event_id' (where a receiver finds the id "
     "it dedupes on)"},
    {HEAD "  \"kind\": \"none\",\n  \"kind\": \"none\",\n  \"event_id\": {\"field\": \"id\"}\n}\n",
     "t.json:6:8: not valid JSON: duplicate object key near '\"kind\"'"},
    {HMAC_HEAD SIG("sha256", "{body", "", "{sig}"),
     "t.json:11:5: signature.signed: unmatched '{' in '{body'"},
    /* retry_horizon_s: an integer of seconds, 0 to 30 days */
    {RETRY_HORIZON("-1"),
     "t.json:6:3: retry_horizon_s: 'retry_horizon_s' must be 0 or more (got -1)"},
    {RETRY_HORIZON("2592001"), "t.json:6:3: retry_horizon_s: 'retry_horizon_s' must be between 0 "
                               "and 2592000 (got 2592001)"},
    {RETRY_HORIZON("\"75\""), "t.json:6:3: retry_horizon_s: 'retry_horizon_s' must be an integer"},
    {RETRY_HORIZON("1.5"), "t.json:6:3: retry_horizon_s: 'retry_horizon_s' must be an integer"},
    {RETRY_HORIZON("null"), "t.json:6:3: retry_horizon_s: 'retry_horizon_s' must be an integer"},
};

static void bad_scheme_files(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(bad_files) / sizeof(bad_files[0]); i++) {
        struct scheme s;
        struct err e = {{0}};

        print_message("bad file %zu\n", i);
        assert_int_equal(
            scheme_parse(bad_files[i].text, strlen(bad_files[i].text), "t.json", &s, &e), -1);
        assert_string_equal(e.msg, bad_files[i].msg);
    }
}

/* Sanity of the fixtures above: with the fault taken out, the same text
 * parses (so each message is about the fault and nothing else). */
static void good_base_files(void **state)
{
    (void)state;
    static const char *const good[] = {
        HMAC_HEAD SIG("sha256", "{body}", "", "{sig}"),
        HMAC_HEAD "  \"timestamp\": {\"header\": \"x-ts\", \"unit\": \"s\", \"past_s\": 0},\n" SIG(
            "sha512", "{timestamp}.{body}", "", "{sig}"),
        HMAC_HEAD "  \"timestamp\": {\"in_signature\": \"t=\", \"unit\": \"s\"},\n" SIG(
            "sha1", "{timestamp}.{body}",
            "    \"list\": {\"separator\": \",\", \"element\": \"v1={sig}\"},\n",
            "t={timestamp},{signatures}"),
        HEAD "  \"kind\": \"none\",\n  \"event_id\": {\"field\": \"id\"}\n}\n",
    };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        struct scheme s;
        struct err e = {{0}};

        assert_int_equal(scheme_parse(good[i], strlen(good[i]), "t.json", &s, &e), 0);
        assert_string_equal(s.name, "t");
        assert_string_equal(s.profile, "documented");
        assert_int_equal(s.max_body, 256 * 1024);
        assert_int_equal(s.retry_horizon_s, 105);
    }
    struct scheme s;
    struct err e = {{0}};
    assert_int_equal(scheme_parse(good[1], strlen(good[1]), "t.json", &s, &e), 0);
    assert_int_equal(s.past_s, 0);
    assert_int_equal(s.future_s, 300);
    assert_string_equal(s.digest, "sha512");
    assert_int_equal(scheme_parse(good[2], strlen(good[2]), "t.json", &s, &e), 0);
    assert_true(s.list);
    assert_int_equal(s.timestamp.place, SCHEME_PLACE_IN_SIGNATURE);
    assert_string_equal(s.timestamp.name, "t=");
    assert_string_equal(s.separator, ",");
    assert_string_equal(s.element, "v1={sig}");
}

/* retry_horizon_s: absent is 105 (the mock's Vambe schedule); the bounds
 * and a value between are read as given. */
static void retry_horizons(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        uint32_t want;
    } cases[] = {
        {HEAD "  \"kind\": \"none\",\n  \"event_id\": {\"field\": \"id\"}\n}\n", 105},
        {RETRY_HORIZON("0"), 0},
        {RETRY_HORIZON("86400"), 86400},
        {RETRY_HORIZON("2592000"), 2592000},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct scheme s;
        struct err e = {{0}};

        print_message("retry horizon %zu\n", i);
        assert_int_equal(scheme_parse(cases[i].text, strlen(cases[i].text), "t.json", &s, &e), 0);
        assert_int_equal(s.retry_horizon_s, cases[i].want);
    }
}

static void resolve_and_files(void **state)
{
    (void)state;
    struct scheme s;
    struct err e = {{0}};

    assert_int_equal(scheme_resolve("nope", &s, &e), -1);
    assert_string_equal(e.msg, "unknown scheme 'nope' (built-in: vambe, vambe-token-query, "
                               "vambe-token-header, standard-webhooks, github, stripe, shopify, "
                               "slack, none; or a path to a scheme file)");
    assert_int_equal(scheme_resolve("/nonexistent/dir/x.json", &s, &e), -1);
    assert_string_equal(e.msg, "/nonexistent/dir/x.json: cannot open: No such file or directory");
    assert_int_equal(scheme_resolve("missing.json", &s, &e), -1);
    assert_non_null(strstr(e.msg, "cannot open"));
    assert_int_equal(scheme_resolve("stripe", &s, &e), 0);
    assert_memory_equal(&s, builtin("stripe"), sizeof(s));

    /* a file: a temporary copy of the bearer scheme */
    char path[] = "/tmp/test_scheme_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, BEARER_SCHEME, strlen(BEARER_SCHEME)),
                     (ssize_t)strlen(BEARER_SCHEME));
    close(fd);
    memset(&s, 0xa5, sizeof(s));
    assert_int_equal(scheme_load_file(path, &s, &e), 0);
    assert_string_equal(s.name, "bearer");
    assert_string_equal(s.token_value, "Bearer {token}");
    memset(&s, 0xa5, sizeof(s));
    assert_int_equal(scheme_resolve(path, &s, &e), 0);
    assert_string_equal(s.name, "bearer");
    /* a bad file names its path in the message */
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs("{\"format\": 1}", f);
    fclose(f);
    assert_int_equal(scheme_load_file(path, &s, &e), -1);
    assert_memory_equal(e.msg, path, strlen(path));
    assert_non_null(strstr(e.msg, ":1:1: (top level): missing required field 'name'"));
    unlink(path);
}

static void builtins_table(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        enum scheme_kind kind;
        bool signs_body;
        bool has_timestamp;
        uint32_t retry_horizon_s; /* the provider's documented schedule (docs/schemes.md) */
    } want[] = {
        {"vambe", SCHEME_HMAC, true, true, 105},
        {"vambe-token-query", SCHEME_TOKEN, false, false, 105},
        {"vambe-token-header", SCHEME_TOKEN, false, false, 105},
        {"standard-webhooks", SCHEME_HMAC, true, true, 99305},
        {"github", SCHEME_HMAC, true, false, 0},
        {"stripe", SCHEME_HMAC, true, true, 259200},
        {"shopify", SCHEME_HMAC, true, false, 14400},
        {"slack", SCHEME_HMAC, true, true, 360},
        {"none", SCHEME_NONE, false, false, 105},
    };
    size_t n = 0;
    const struct scheme *all = scheme_builtins(&n);
    const char *src = getenv("VAMBE_SOURCE_DIR");

    assert_int_equal(n, 9);
    assert_ptr_equal(scheme_default(), &all[0]);
    assert_null(scheme_builtin("nope"));
    for (size_t i = 0; i < n; i++) {
        print_message("%s\n", want[i].name);
        assert_string_equal(all[i].name, want[i].name);
        assert_ptr_equal(scheme_builtin(want[i].name), &all[i]);
        assert_int_equal(all[i].kind, want[i].kind);
        assert_int_equal(scheme_signs_body(&all[i]), want[i].signs_body);
        assert_int_equal(scheme_has_timestamp(&all[i]), want[i].has_timestamp);
        assert_int_equal(all[i].retry_horizon_s, want[i].retry_horizon_s);
        /* the built-in copy is the file of schemes/ */
        if (src != NULL) {
            char path[4096];
            struct scheme s;
            struct err e = {{0}};
            snprintf(path, sizeof(path), "%s/schemes/%s.json", src, want[i].name);
            assert_int_equal(scheme_load_file(path, &s, &e), 0);
            assert_memory_equal(&s, &all[i], sizeof(s));
        }
    }
    assert_string_equal(scheme_kind_name(SCHEME_HMAC), "hmac");
    assert_string_equal(scheme_kind_name(SCHEME_TOKEN), "token");
    assert_string_equal(scheme_kind_name(SCHEME_NONE), "none");
    /* where the vambe scheme finds things */
    const struct scheme *v = &all[0];
    assert_int_equal(v->event_id.place, SCHEME_PLACE_HEADER);
    assert_string_equal(v->event_id.name, "x-vambe-event-id");
    assert_int_equal(v->delivery_id.place, SCHEME_PLACE_HEADER);
    assert_int_equal(v->unit, SIGNATURE_UNIT_MS);
    assert_int_equal(builtin("stripe")->event_id.place, SCHEME_PLACE_FIELD);
    assert_int_equal(builtin("github")->delivery_id.place, SCHEME_PLACE_NONE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(builtins_known_answers),
        cmocka_unit_test(shown_and_no_auth),
        cmocka_unit_test(published_vectors_through_scheme_sign),
        cmocka_unit_test(signature_and_token_values),
        cmocka_unit_test(every_builtin_verifies_what_it_builds),
        cmocka_unit_test(missing_timestamp_and_id_headers),
        cmocka_unit_test(time_windows),
        cmocka_unit_test(signature_lists),
        cmocka_unit_test(uppercase_hex_accepted),
        cmocka_unit_test(tokens),
        cmocka_unit_test(bearer_token_scheme),
        cmocka_unit_test(secret_checks),
        cmocka_unit_test(bad_scheme_files),
        cmocka_unit_test(good_base_files),
        cmocka_unit_test(retry_horizons),
        cmocka_unit_test(resolve_and_files),
        cmocka_unit_test(builtins_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
