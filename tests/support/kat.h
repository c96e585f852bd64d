/* Test support: known answers for core/scheme's built-in schemes: each
 * scheme's fixed input and the exact request it must give, shared by the
 * tests of building (test_scheme_wire.c), verifying (test_scheme_verify.c)
 * and the built-ins (test_scheme.c).
 *
 * Every expected MAC was computed independently of the kit, with
 * OpenSSL's command line; the command is above each constant. Two are
 * published vectors: the Standard Webhooks specification's example and
 * GitHub's documented example, both reproduced with openssl. */
#ifndef TESTS_SUPPORT_KAT_H
#define TESTS_SUPPORT_KAT_H

#include <stddef.h>
#include <stdint.h>

#include "core/scheme.h"

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

/* One per built-in scheme that sends something (all but none), in
 * scheme_builtins() order. */
extern const struct kat kats[8];

#define N_KATS (sizeof(kats) / sizeof(kats[0]))

/* A token scheme file: the token in Authorization, as "Bearer <token>". */
#define BEARER_SCHEME                                                                              \
    "{\"format\": 1, \"name\": \"bearer\", \"title\": \"Bearer token\", \"kind\": \"token\",\n"    \
    " \"event_id\": {\"field\": \"data.id\"},\n"                                                   \
    " \"token\": {\"header\": \"Authorization\", \"value\": \"Bearer {token}\"}}\n"

/* The built-in scheme name; fails the test when there is none. */
const struct scheme *kat_builtin(const char *name);
/* Builds kat k's request into w; fails the test when it cannot. */
void kat_build(const struct kat *k, struct scheme_wire *w);
/* The known answer of scheme; fails the test when there is none. */
const struct kat *kat_of(const char *scheme);

#endif
