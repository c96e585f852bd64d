/* Test support: what each built-in scheme sends (see want.h). */
#include "support/want.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>

#include <ctype.h>
#include <jansson.h>
#include <openssl/hmac.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/ids.h"

/* A timestamp is "now" when it is this close to the clock around the
 * delivery. */
#define SKEW_MS 3000

#define VAMBE_IDS                                                                                  \
    "x-vambe-event-id", NULL, "evt_", 28, "x-vambe-event", NULL, "x-vambe-webhook-id",             \
        "x-vambe-delivery-id", "Vambe-Webhooks/1.0", "documented"

const struct want want_builtins[] = {
    {"vambe", AUTH_HMAC, EVP_sha256, KEY_RAW, SIGNED_TS_DOT_BODY, ENC_HEX, "x-vambe-signature", "",
     TS_HEADER_MS, "x-vambe-timestamp", VAMBE_IDS, "ms"},
    {"vambe-token-query", AUTH_TOKEN_QUERY, NULL, KEY_NONE, SIGNED_NONE, ENC_NONE, NULL, NULL,
     TS_NONE, NULL, VAMBE_IDS, NULL},
    {"vambe-token-header", AUTH_TOKEN_HEADER, NULL, KEY_NONE, SIGNED_NONE, ENC_NONE,
     "x-vambe-token", "", TS_NONE, NULL, VAMBE_IDS, NULL},
    {"standard-webhooks",
     AUTH_HMAC,
     EVP_sha256,
     KEY_WHSEC_BASE64,
     SIGNED_ID_TS_BODY,
     ENC_BASE64,
     "webhook-signature",
     "v1,",
     TS_HEADER_S,
     "webhook-timestamp",
     "webhook-id",
     NULL,
     "msg_",
     31,
     NULL,
     "type",
     NULL,
     NULL,
     "Svix-Webhooks/1.0",
     "standard-webhooks",
     "s"},
    {"github",
     AUTH_HMAC,
     EVP_sha256,
     KEY_RAW,
     SIGNED_BODY,
     ENC_HEX,
     "X-Hub-Signature-256",
     "sha256=",
     TS_NONE,
     NULL,
     "X-GitHub-Delivery",
     NULL,
     "",
     36,
     "X-GitHub-Event",
     NULL,
     "X-GitHub-Hook-ID",
     NULL,
     "GitHub-Hookshot/kit",
     "github",
     NULL},
    {"stripe",
     AUTH_HMAC,
     EVP_sha256,
     KEY_RAW,
     SIGNED_TS_DOT_BODY,
     ENC_HEX,
     "Stripe-Signature",
     NULL,
     TS_STRIPE_T_S,
     NULL,
     NULL,
     "id",
     "evt_",
     28,
     NULL,
     "type",
     NULL,
     NULL,
     "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
     "stripe",
     "s"},
    {"shopify",
     AUTH_HMAC,
     EVP_sha256,
     KEY_RAW,
     SIGNED_BODY,
     ENC_BASE64,
     "X-Shopify-Hmac-Sha256",
     "",
     TS_NONE,
     NULL,
     "X-Shopify-Webhook-Id",
     NULL,
     "",
     36,
     "X-Shopify-Topic",
     NULL,
     NULL,
     NULL,
     "Shopify-Captain-Hook",
     "shopify",
     NULL},
    {"slack",
     AUTH_HMAC,
     EVP_sha256,
     KEY_RAW,
     SIGNED_V0_TS_BODY,
     ENC_HEX,
     "X-Slack-Signature",
     "v0=",
     TS_HEADER_S,
     "X-Slack-Request-Timestamp",
     NULL,
     "event_id",
     "Ev",
     12,
     NULL,
     "event.type",
     NULL,
     NULL,
     "Slackbot 1.0 (+https://api.slack.com/robots)",
     "slack",
     "s"},
    {"none", AUTH_NONE, NULL, KEY_NONE, SIGNED_NONE, ENC_NONE, NULL, NULL, TS_NONE, NULL, VAMBE_IDS,
     NULL},
};
/* test_mock_schemes.c has a delivery test for each, want_builtins[0] to [8]. */
_Static_assert(sizeof(want_builtins) / sizeof(want_builtins[0]) == 9,
               "one test per built-in scheme");

/* The two scheme files of test_mock_schemes.c: acme (SHA-512), and one
 * that takes github's name but signs otherwise. */
const struct want want_files[] = {
    {"acme",
     AUTH_HMAC,
     EVP_sha512,
     KEY_RAW,
     SIGNED_TS_DOT_BODY,
     ENC_HEX,
     "X-Acme-Signature",
     "sha512=",
     TS_HEADER_S,
     "X-Acme-Timestamp",
     "X-Acme-Id",
     NULL,
     "evt_",
     28,
     "X-Acme-Event",
     NULL,
     NULL,
     NULL,
     "Acme-Hooks/2",
     "documented",
     "s"},
    {"github",
     AUTH_HMAC,
     EVP_sha512,
     KEY_RAW,
     SIGNED_BODY,
     ENC_BASE64,
     "X-Acme-Signature",
     "",
     TS_NONE,
     NULL,
     "X-GitHub-Delivery",
     NULL,
     "",
     36,
     "X-GitHub-Event",
     NULL,
     "X-GitHub-Hook-ID",
     NULL,
     "GitHub-Hookshot/kit",
     "github",
     NULL},
};

/* Every header that authenticates, in any scheme. */
const char *const want_auth_headers[] = {
    "x-vambe-signature", "x-vambe-token",     "webhook-signature",     "X-Hub-Signature-256",
    "Stripe-Signature",  "X-Slack-Signature", "X-Shopify-Hmac-Sha256",
};
/* Every header that carries a timestamp, in any scheme. */
const char *const want_ts_headers[] = {"x-vambe-timestamp", "webhook-timestamp",
                                       "X-Slack-Request-Timestamp"};

/* ---- the test's own HMAC and encodings (OpenSSL, not core/) --------------------- */

static void hex_encode(const unsigned char *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";

    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 0xf];
    }
    out[2 * n] = '\0';
}

/* The key: the secret's bytes, or the bytes base64 after "whsec_". */
static size_t hmac_key(enum key_form k, const char *secret, unsigned char *out, size_t size)
{
    const char *b64;
    size_t len;
    int n;

    if (k == KEY_RAW) {
        len = strlen(secret);
        assert_true(len <= size);
        memcpy(out, secret, len);
        return len;
    }
    assert_int_equal(strncmp(secret, "whsec_", 6), 0);
    b64 = secret + 6;
    len = strlen(b64);
    assert_true(len % 4 == 0 && len / 4 * 3 <= size);
    n = EVP_DecodeBlock(out, (const unsigned char *)b64, (int)len);
    assert_true(n >= 0);
    /* EVP_DecodeBlock counts the padding as zero bytes. */
    for (size_t i = len; i > 0 && b64[i - 1] == '='; i--) {
        n--;
    }
    return (size_t)n;
}

/* The signed string, in a new buffer (the caller frees it). */
static char *signed_string(enum signed_form f, const char *id, const char *ts, const char *body,
                           size_t body_len, size_t *len)
{
    size_t cap = strlen(id) + strlen(ts) + body_len + 8;
    char *s = malloc(cap);
    int head = 0;

    assert_non_null(s);
    switch (f) {
    case SIGNED_BODY:
        head = 0;
        break;
    case SIGNED_TS_DOT_BODY:
        head = snprintf(s, cap, "%s.", ts);
        break;
    case SIGNED_V0_TS_BODY:
        head = snprintf(s, cap, "v0:%s:", ts);
        break;
    case SIGNED_ID_TS_BODY:
        head = snprintf(s, cap, "%s.%s.", id, ts);
        break;
    case SIGNED_NONE:
        fail_msg("no signed string");
    }
    memcpy(s + head, body, body_len);
    *len = (size_t)head + body_len;
    return s;
}

/* The encoded signature a scheme w puts in its header (out: 129 bytes). */
static void expected_signature(const struct want *w, const char *secret, const char *id,
                               const char *ts, const char *body, size_t body_len, char *out)
{
    unsigned char key[256];
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    size_t key_len = hmac_key(w->key, secret, key, sizeof(key));
    size_t msg_len = 0;
    char *msg = signed_string(w->form, id, ts, body, body_len, &msg_len);

    assert_non_null(
        HMAC(w->digest(), key, (int)key_len, (const unsigned char *)msg, msg_len, mac, &mac_len));
    assert_int_equal(mac_len, EVP_MD_get_size(w->digest()));
    if (w->enc == ENC_HEX) {
        hex_encode(mac, mac_len, out);
    } else {
        assert_int_equal(EVP_EncodeBlock((unsigned char *)out, mac, (int)mac_len),
                         (int)((mac_len + 2) / 3 * 4));
    }
    free(msg);
}

/* A body field by dotted path ("event.type"); "" when absent. */
static const char *jpath_str(const json_t *root, const char *path)
{
    char part[64];
    const json_t *v = root;

    while (v != NULL && *path != '\0') {
        size_t n = strcspn(path, ".");

        assert_true(n < sizeof(part));
        memcpy(part, path, n);
        part[n] = '\0';
        v = json_object_get(v, part);
        path += n + (path[n] == '.');
    }
    return json_string_value(v) != NULL ? json_string_value(v) : "";
}

static bool all_digits(const char *s, size_t n)
{
    return strlen(s) == n && strspn(s, "0123456789") == n;
}

/* Decodes one query component as a receiver's framework would
 * (%XX, '+' for a space). */
static void form_decode(const char *s, size_t n, char *out, size_t size)
{
    size_t o = 0;

    static const char digits[] = "0123456789abcdef";

    for (size_t i = 0; i < n && o + 1 < size; i++) {
        if (s[i] == '%' && i + 2 < n && isxdigit((unsigned char)s[i + 1]) &&
            isxdigit((unsigned char)s[i + 2])) {
            size_t hi = (size_t)(strchr(digits, tolower((unsigned char)s[i + 1])) - digits);
            size_t lo = (size_t)(strchr(digits, tolower((unsigned char)s[i + 2])) - digits);

            out[o++] = (char)(hi * 16 + lo);
            i += 2;
        } else {
            out[o++] = s[i] == '+' ? ' ' : s[i];
        }
    }
    out[o] = '\0';
}

#define QUERY_MAX 8

struct query {
    char names[QUERY_MAX][64];
    char values[QUERY_MAX][512];
    size_t n;
};

/* The query of a request target, decoded, in order. */
static void query_parse(const char *target, struct query *q)
{
    const char *p = strchr(target, '?');

    memset(q, 0, sizeof(*q));
    if (p == NULL) {
        return;
    }
    for (p++; *p != '\0' && q->n < QUERY_MAX; q->n++) {
        size_t n = strcspn(p, "&");
        const char *eq = memchr(p, '=', n);
        size_t name_len = eq != NULL ? (size_t)(eq - p) : n;

        form_decode(p, name_len, q->names[q->n], sizeof(q->names[0]));
        if (eq != NULL) {
            form_decode(eq + 1, n - name_len - 1, q->values[q->n], sizeof(q->values[0]));
        }
        p += n + (p[n] == '&');
    }
}

/* ---- the checks ----------------------------------------------------------------- */

/* The timestamp ts (the scheme's unit) is within SKEW_MS of [before, after]. */
static void check_now(const struct want *w, const char *ts, uint64_t before, uint64_t after)
{
    bool ms = w->ts == TS_HEADER_MS;
    uint64_t v;

    if (!all_digits(ts, ms ? 13 : 10)) {
        fail_msg("%s: timestamp '%s' is not %s digits", w->name, ts, ms ? "13" : "10");
    }
    v = strtoull(ts, NULL, 10) * (ms ? 1u : 1000u);
    if (v + SKEW_MS < before || v > after + SKEW_MS) {
        fail_msg("%s: timestamp %s is not now (%llu..%llu ms)", w->name, ts,
                 (unsigned long long)before, (unsigned long long)after);
    }
}

/* What the receiver saw, against w. Fills sig_value (the signature or
 * token header's whole value, "" when none) and sig (the bare signature). */
void want_check_request(const struct want *w, const struct raw_req *r, const char *event_id,
                        const char *hook_id, const char *hook_url, uint64_t before, uint64_t after,
                        char sig_value[VALUE_MAX], char sig[EVP_MAX_MD_SIZE * 2 + 1])
{
    json_t *body = json_loadb(r->body, r->body_len, 0, NULL);
    const char *id = w->id_header != NULL ? raw_header(r, w->id_header) : NULL;
    const char *ts = NULL;
    const char *type;
    const char *path_query = strchr(hook_url + strlen("http://"), '/');
    struct query q;
    char want_value[VALUE_MAX];
    char tsbuf[32] = "";

    sig_value[0] = '\0';
    sig[0] = '\0';
    assert_string_equal(r->method, "POST");
    assert_non_null(body);
    assert_string_equal(raw_hv(r, "Content-Type"), "application/json");
    assert_string_equal(raw_hv(r, "User-Agent"), w->user_agent);

    /* The event id where the scheme says, of the profile's shape. */
    if (w->id_field != NULL) {
        id = jpath_str(body, w->id_field);
    }
    assert_non_null(id);
    assert_string_equal(id, event_id);
    assert_int_equal(strlen(id), w->id_len);
    assert_int_equal(strncmp(id, w->id_prefix, strlen(w->id_prefix)), 0);
    type = w->type_header != NULL ? raw_hv(r, w->type_header) : jpath_str(body, w->type_field);
    assert_true(strlen(type) > 0);
    if (w->hook_id_header != NULL) {
        assert_string_equal(raw_hv(r, w->hook_id_header), hook_id);
    }
    if (w->delivery_header != NULL) {
        assert_true(ids_is_uuid(raw_hv(r, w->delivery_header)));
    }
    if (strcmp(w->profile, "documented") == 0) {
        /* Vambe's body: the same id and topic as the headers. */
        assert_string_equal(type, "message.received");
        assert_string_equal(jpath_str(body, "event"), "message.received");
        assert_string_equal(jpath_str(body, "id"), event_id);
    }

    /* The timestamp: in its header, or stripe's t=, now in the scheme's
     * unit; no other scheme's timestamp header. */
    for (size_t i = 0; i < sizeof(want_ts_headers) / sizeof(want_ts_headers[0]); i++) {
        bool mine = w->ts_header != NULL && strcasecmp(want_ts_headers[i], w->ts_header) == 0;

        assert_int_equal(raw_header_count(r, want_ts_headers[i]), mine ? 1 : 0);
    }
    if (w->ts == TS_HEADER_MS || w->ts == TS_HEADER_S) {
        ts = raw_hv(r, w->ts_header);
    } else if (w->ts == TS_STRIPE_T_S) {
        const char *v = raw_header(r, w->sig_header);

        assert_non_null(v);
        assert_int_equal(strncmp(v, "t=", 2), 0);
        snprintf(tsbuf, sizeof(tsbuf), "%.*s", (int)strcspn(v + 2, ","), v + 2);
        ts = tsbuf;
    }
    if (ts != NULL) {
        check_now(w, ts, before, after);
    }

    /* Authentication: exactly the scheme's header, and nowhere else. */
    for (size_t i = 0; i < sizeof(want_auth_headers) / sizeof(want_auth_headers[0]); i++) {
        bool mine = w->sig_header != NULL && strcasecmp(want_auth_headers[i], w->sig_header) == 0;

        assert_int_equal(raw_header_count(r, want_auth_headers[i]), mine ? 1 : 0);
    }
    for (size_t i = 0; i < r->n_headers; i++) {
        if (w->auth != AUTH_TOKEN_HEADER) {
            assert_null(strstr(r->headers[i].value, "dmFtYmUh++++"));
        }
    }
    if (w->auth == AUTH_HMAC) {
        expected_signature(w, SECRET, id, ts != NULL ? ts : "", r->body, r->body_len, sig);
        if (w->ts == TS_STRIPE_T_S) {
            snprintf(want_value, sizeof(want_value), "t=%s,v1=%s", ts, sig);
        } else {
            snprintf(want_value, sizeof(want_value), "%s%s", w->sig_prefix, sig);
        }
        assert_string_equal(raw_hv(r, w->sig_header), want_value);
        snprintf(sig_value, VALUE_MAX, "%s", want_value);
    } else if (w->auth == AUTH_TOKEN_HEADER) {
        assert_string_equal(raw_hv(r, w->sig_header), SECRET);
        snprintf(sig_value, VALUE_MAX, "%s", SECRET);
        snprintf(sig, EVP_MAX_MD_SIZE * 2 + 1, "%s", SECRET);
    }

    /* The URL: the webhook's own query kept, in order; a query token added
     * last, decoded to the secret. */
    assert_int_equal(strncmp(r->target, path_query, strcspn(path_query, "?")), 0);
    query_parse(r->target, &q);
    assert_int_equal(q.n, w->auth == AUTH_TOKEN_QUERY ? 3 : 2);
    assert_string_equal(q.names[0], "a");
    assert_string_equal(q.values[0], "1");
    assert_string_equal(q.names[1], "b");
    assert_string_equal(q.values[1], "two");
    if (w->auth == AUTH_TOKEN_QUERY) {
        assert_string_equal(q.names[2], "token");
        assert_string_equal(q.values[2], SECRET);
    } else {
        assert_string_equal(r->target, path_query);
    }
    json_decref(body);
}
