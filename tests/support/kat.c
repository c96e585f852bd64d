/* Test support: known answers for core/scheme's built-in schemes (see
 * kat.h). */
#include "support/kat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>
#include <string.h>

#include "core/err.h"

const struct kat kats[] = {
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

const struct scheme *kat_builtin(const char *name)
{
    const struct scheme *s = scheme_builtin(name);
    assert_non_null(s);
    return s;
}

void kat_build(const struct kat *k, struct scheme_wire *w)
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

    assert_int_equal(scheme_build(kat_builtin(k->scheme), &in, w, &e), 0);
}

const struct kat *kat_of(const char *scheme)
{
    for (size_t i = 0; i < N_KATS; i++) {
        if (strcmp(kats[i].scheme, scheme) == 0) {
            return &kats[i];
        }
    }
    fail_msg("no known answer for %s", scheme);
    return NULL;
}
