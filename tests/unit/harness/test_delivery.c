/* harness/delivery: the signed request of DESIGN section 4, checked with
 * core/signature's verifier, and every mutation; the redacted view that
 * goes into the result model. */
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

#include "core/clock.h"
#include "core/scheme.h"
#include "harness/delivery.h"

#define SECRET "whsec_test_secret"
#define BODY   "{\"id\":\"evt_1\",\"event\":\"message.received\",\"data\":{\"a\":1}}"

static const char *const user_headers[] = {"Authorization: Bearer sk_live_token"};

static struct hn_delivery_opts opts(enum signature_unit unit)
{
    struct hn_delivery_opts o = {
        "http://127.0.0.1:1/hook", scheme_default(), SECRET, unit, "wh-fixed", user_headers, 1};
    return o;
}

static const struct hn_payload payload = {
    "evt_0123456789abcdef01234567", "message.received", BODY, sizeof(BODY) - 1, NULL, NULL};

/* The value of header name in d's wire lines; NULL when absent. "" for a
 * "Name:" removal line. */
static const char *header(const struct hn_delivery *d, const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < d->n_lines; i++) {
        if (strncasecmp(d->lines[i], name, n) == 0 && d->lines[i][n] == ':') {
            return d->lines[i][n + 1] == ' ' ? d->lines[i] + n + 2 : d->lines[i] + n + 1;
        }
    }
    return NULL;
}

static void build(const struct hn_mutation *m, enum signature_unit unit, uint64_t now,
                  struct hn_delivery *d)
{
    struct hn_delivery_opts o = opts(unit);
    struct rng r;
    struct err e = {{0}};
    rng_seed(&r, 7);
    assert_int_equal(hn_delivery_build(&o, &payload, m, 1, &r, now, d, &e), 0);
}

static enum signature_result verify(const struct hn_delivery *d, uint64_t now)
{
    return signature_verify(SECRET, header(d, "x-vambe-timestamp"), header(d, "x-vambe-signature"),
                            d->body, d->body_len, now, SIGNATURE_UNIT_MS, SIGNATURE_TOLERANCE_S);
}

static void valid_delivery(void **state)
{
    (void)state;
    struct hn_mutation m;
    struct hn_delivery d;
    uint64_t now = clock_wall_ms();
    char ts[32];

    memset(&m, 0, sizeof(m));
    build(&m, SIGNATURE_UNIT_MS, now, &d);
    assert_string_equal(d.method, "POST");
    assert_memory_equal(d.body, BODY, d.body_len);
    assert_string_equal(header(&d, "Content-Type"), "application/json");
    assert_string_equal(header(&d, "User-Agent"), "Vambe-Webhooks/1.0");
    assert_string_equal(header(&d, "x-vambe-event"), "message.received");
    assert_string_equal(header(&d, "x-vambe-event-id"), payload.event_id);
    assert_string_equal(header(&d, "x-vambe-delivery-id"), d.delivery_id);
    assert_true(ids_is_uuid(d.delivery_id));
    assert_string_equal(header(&d, "x-vambe-attempt"), "1");
    assert_string_equal(header(&d, "x-vambe-webhook-id"), "wh-fixed");
    signature_timestamp(now, SIGNATURE_UNIT_MS, ts, sizeof(ts));
    assert_string_equal(header(&d, "x-vambe-timestamp"), ts);
    assert_string_equal(header(&d, "Authorization"), "Bearer sk_live_token");
    assert_int_equal(verify(&d, now), SIGNATURE_OK);
    assert_string_equal(d.summary, "");

    /* The model's view: the signature cut to 8 characters, the user's
     * header value hidden. */
    const char *sig = header(&d, "x-vambe-signature");
    char shown[64];
    snprintf(shown, sizeof(shown), "x-vambe-signature: %.8s\xe2\x80\xa6\n", sig);
    assert_non_null(strstr(d.shown_headers, shown));
    assert_null(strstr(d.shown_headers, sig));
    assert_non_null(strstr(d.shown_headers, "Authorization: ***\n"));
    assert_null(strstr(d.shown_headers, "sk_live_token"));
    hn_delivery_cleanup(&d);

    /* Seconds. */
    build(&m, SIGNATURE_UNIT_S, now, &d);
    signature_timestamp(now, SIGNATURE_UNIT_S, ts, sizeof(ts));
    assert_string_equal(header(&d, "x-vambe-timestamp"), ts);
    assert_int_equal(signature_verify(SECRET, ts, header(&d, "x-vambe-signature"), d.body,
                                      d.body_len, now, SIGNATURE_UNIT_S, SIGNATURE_TOLERANCE_S),
                     SIGNATURE_OK);
    hn_delivery_cleanup(&d);
}

static void signature_mutations(void **state)
{
    (void)state;
    struct hn_mutation m;
    struct hn_delivery d;
    struct hn_delivery good;
    uint64_t now = clock_wall_ms();

    memset(&m, 0, sizeof(m));
    build(&m, SIGNATURE_UNIT_MS, now, &good);

    m.signature = HN_SIG_MISSING;
    build(&m, SIGNATURE_UNIT_MS, now, &d);
    assert_null(header(&d, "x-vambe-signature"));
    assert_non_null(header(&d, "x-vambe-timestamp"));
    assert_int_equal(verify(&d, now), SIGNATURE_MISSING);
    assert_string_equal(d.summary, "no signature");
    hn_delivery_cleanup(&d);

    m.signature = HN_SIG_OTHER_SECRET;
    build(&m, SIGNATURE_UNIT_MS, now, &d);
    assert_int_equal(strlen(header(&d, "x-vambe-signature")), 64);
    assert_int_equal(verify(&d, now), SIGNATURE_MISMATCH);
    hn_delivery_cleanup(&d);

    m.signature = HN_SIG_MALFORMED;
    build(&m, SIGNATURE_UNIT_MS, now, &d);
    assert_int_equal(verify(&d, now), SIGNATURE_MALFORMED);
    hn_delivery_cleanup(&d);

    m.signature = HN_SIG_UPPERCASE;
    build(&m, SIGNATURE_UNIT_MS, now, &d);
    const char *up = header(&d, "x-vambe-signature");
    const char *low = header(&good, "x-vambe-signature");
    assert_int_equal(strlen(up), 64);
    assert_int_equal(strcasecmp(up, low), 0);
    assert_string_not_equal(up, low);
    hn_delivery_cleanup(&d);
    hn_delivery_cleanup(&good);
}

static void timestamp_and_body_mutations(void **state)
{
    (void)state;
    struct hn_mutation m;
    struct hn_delivery d;
    uint64_t now = clock_wall_ms();

    memset(&m, 0, sizeof(m));
    m.timestamp = HN_TS_MISSING;
    build(&m, SIGNATURE_UNIT_MS, now, &d);
    assert_null(header(&d, "x-vambe-timestamp"));
    assert_non_null(header(&d, "x-vambe-signature"));
    hn_delivery_cleanup(&d);

    m.timestamp = HN_TS_MALFORMED;
    build(&m, SIGNATURE_UNIT_MS, now, &d);
    assert_int_equal(verify(&d, now), SIGNATURE_MALFORMED);
    hn_delivery_cleanup(&d);

    /* Shifted timestamps are validly signed: only the window rejects them. */
    memset(&m, 0, sizeof(m));
    m.shift_s = -600;
    build(&m, SIGNATURE_UNIT_MS, now, &d);
    assert_int_equal(verify(&d, now), SIGNATURE_STALE);
    assert_int_equal(verify(&d, now - 600000), SIGNATURE_OK);
    assert_string_equal(d.summary, "timestamp 600 s in the past");
    hn_delivery_cleanup(&d);
    m.shift_s = 600;
    build(&m, SIGNATURE_UNIT_MS, now, &d);
    assert_int_equal(verify(&d, now), SIGNATURE_FUTURE);
    assert_int_equal(verify(&d, now + 600000), SIGNATURE_OK);
    hn_delivery_cleanup(&d);

    /* A body altered after signing: still JSON, one member more in data. */
    memset(&m, 0, sizeof(m));
    m.alter_body = true;
    build(&m, SIGNATURE_UNIT_MS, now, &d);
    assert_non_null(strstr(d.body, "\"tampered\":true"));
    assert_int_equal(verify(&d, now), SIGNATURE_MISMATCH);
    assert_int_equal(signature_verify(SECRET, header(&d, "x-vambe-timestamp"),
                                      header(&d, "x-vambe-signature"), BODY, sizeof(BODY) - 1, now,
                                      SIGNATURE_UNIT_MS, SIGNATURE_TOLERANCE_S),
                     SIGNATURE_OK);
    hn_delivery_cleanup(&d);

    /* A raw body is signed like any other. */
    memset(&m, 0, sizeof(m));
    m.has_raw_body = true;
    m.raw_body = "{\"id\": ";
    m.raw_body_len = strlen(m.raw_body);
    build(&m, SIGNATURE_UNIT_MS, now, &d);
    assert_int_equal(d.body_len, m.raw_body_len);
    assert_memory_equal(d.body, m.raw_body, d.body_len);
    assert_int_equal(verify(&d, now), SIGNATURE_OK);
    assert_string_equal(d.summary, "raw body of 7 bytes");
    hn_delivery_cleanup(&d);
    m.raw_body = "";
    m.raw_body_len = 0;
    build(&m, SIGNATURE_UNIT_MS, now, &d);
    assert_int_equal(d.body_len, 0);
    assert_int_equal(verify(&d, now), SIGNATURE_OK);
    hn_delivery_cleanup(&d);
}

static void method_and_headers(void **state)
{
    (void)state;
    struct hn_mutation m;
    struct hn_delivery d;
    struct hn_header add[] = {{"X-Extra", "1"}, {"authorization", "Basic abc"}};
    char *remove[] = {"User-Agent", "x-vambe-event-id"};

    memset(&m, 0, sizeof(m));
    m.method = "PUT";
    m.add = add;
    m.n_add = 2;
    m.remove = remove;
    m.n_remove = 2;
    build(&m, SIGNATURE_UNIT_MS, clock_wall_ms(), &d);
    assert_string_equal(d.method, "PUT");
    assert_string_equal(header(&d, "X-Extra"), "1");
    /* A scenario's header replaces the user's one (and is not a secret). */
    assert_string_equal(header(&d, "Authorization"), "Basic abc");
    assert_non_null(strstr(d.shown_headers, "Basic abc"));
    /* Removed headers become "Name:" so libcurl sends none of its own. */
    assert_string_equal(header(&d, "User-Agent"), "");
    assert_string_equal(header(&d, "x-vambe-event-id"), "");
    assert_null(strstr(d.shown_headers, "User-Agent"));
    assert_string_equal(d.summary, "method PUT, extra headers, headers removed");
    /* Every delivery stops libcurl's "Expect: 100-continue" wait. */
    assert_string_equal(header(&d, "Expect"), "");

    struct http_request req;
    struct hn_delivery_opts o = opts(SIGNATURE_UNIT_MS);
    hn_delivery_request(&o, &d, 1234, &req);
    assert_string_equal(req.method, "PUT");
    assert_string_equal(req.url, o.url);
    assert_int_equal(req.n_headers, d.n_lines);
    assert_ptr_equal(req.body, d.body);
    assert_int_equal(req.timeout_ms, 1234);
    hn_delivery_cleanup(&d);
}

/* A header callback over a delivery's lines, for scheme_verify. */
static const char *lookup(void *ctx, const char *name)
{
    return header(ctx, name);
}

/* The query token of a delivery's URL ("...?token=V"), into buf. */
static const char *query_token(const struct hn_delivery *d, char *buf, size_t size)
{
    const char *q = d->url != NULL ? strstr(d->url, "?token=") : NULL;

    if (q == NULL) {
        return NULL;
    }
    snprintf(buf, size, "%s", q + 7);
    return buf;
}

static enum signature_result verify_under(const struct scheme *s, const struct hn_delivery *d,
                                          const char *secret, uint64_t now)
{
    char token[256];
    struct scheme_request r = {lookup, (void *)d, query_token(d, token, sizeof(token)), d->body,
                               d->body_len};
    return scheme_verify(s, secret, &r, "evt_0123456789abcdef01234567", now, s->unit);
}

/* Under every built-in scheme, what the harness sends verifies with the
 * one verifier the receiver uses, and each mutation breaks it the way it
 * says; the list mutations verify only where the scheme allows a list. */
static void every_scheme_and_its_mutations(void **state)
{
    (void)state;
    size_t n = 0;
    const struct scheme *all = scheme_builtins(&n);
    const char *secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    uint64_t now = clock_wall_ms();

    for (size_t k = 0; k < n; k++) {
        const struct scheme *s = &all[k];
        struct hn_delivery_opts o = opts(s->unit);
        struct hn_mutation m;
        struct hn_delivery d;
        struct rng r;
        struct err e = {{0}};
        static const struct {
            enum hn_sig_mutation sig;
            enum signature_result expect;
        } cases[] = {{HN_SIG_VALID, SIGNATURE_OK},
                     {HN_SIG_MISSING, SIGNATURE_MISSING},
                     {HN_SIG_OTHER_SECRET, SIGNATURE_MISMATCH},
                     {HN_SIG_MALFORMED, SIGNATURE_MALFORMED},
                     {HN_SIG_VALID_FIRST, SIGNATURE_OK},
                     {HN_SIG_VALID_LAST, SIGNATURE_OK}};

        o.scheme = s;
        o.secret = secret;
        o.n_user_headers = 0;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
            bool list_case =
                cases[i].sig == HN_SIG_VALID_FIRST || cases[i].sig == HN_SIG_VALID_LAST;
            enum signature_result want = cases[i].expect;
            memset(&m, 0, sizeof(m));
            m.signature = cases[i].sig;
            rng_seed(&r, 7);
            if (list_case && (s->kind != SCHEME_HMAC || !s->list)) {
                if (s->kind == SCHEME_HMAC) {
                    assert_int_equal(hn_delivery_build(&o, &payload, &m, 1, &r, now, &d, &e), -1);
                    assert_non_null(strstr(e.msg, "one signature per header"));
                }
                continue;
            }
            if (s->kind == SCHEME_TOKEN && cases[i].sig == HN_SIG_MALFORMED) {
                want = SIGNATURE_MISMATCH; /* a token has no syntax: just the wrong one */
            }
            if (s->kind == SCHEME_NONE) {
                want = SIGNATURE_OK; /* nothing to break: every delivery verifies */
            }
            assert_int_equal(hn_delivery_build(&o, &payload, &m, 1, &r, now, &d, &e), 0);
            if (verify_under(s, &d, secret, now) != want) {
                fail_msg("scheme %s, mutation %s: %s", s->name, hn_sig_mutation_name(m.signature),
                         signature_result_str(verify_under(s, &d, secret, now)));
            }
            /* No token or full signature in the shown headers. */
            assert_null(strstr(d.shown_headers, secret));
            hn_delivery_cleanup(&d);
        }
    }
}

/* The exact spelling of a header line's name, NULL when absent. */
static const char *line_named(const struct hn_delivery *d, const char *exact)
{
    size_t n = strlen(exact);
    for (size_t i = 0; i < d->n_lines; i++) {
        if (strncmp(d->lines[i], exact, n) == 0 && d->lines[i][n] == ':') {
            return d->lines[i];
        }
    }
    return NULL;
}

/* SIG-008: every name in the case asked for, the values untouched. */
static void header_name_case(void **state)
{
    (void)state;
    struct hn_mutation m;
    struct hn_delivery d;
    uint64_t now = clock_wall_ms();

    memset(&m, 0, sizeof(m));
    m.header_case = HN_CASE_UPPER;
    build(&m, SIGNATURE_UNIT_MS, now, &d);
    assert_non_null(line_named(&d, "X-VAMBE-SIGNATURE"));
    assert_non_null(line_named(&d, "CONTENT-TYPE"));
    assert_null(line_named(&d, "x-vambe-signature"));
    assert_int_equal(verify(&d, now), SIGNATURE_OK);
    assert_string_equal(d.summary, "header names in upper case");
    hn_delivery_cleanup(&d);

    m.header_case = HN_CASE_MIXED;
    build(&m, SIGNATURE_UNIT_MS, now, &d);
    assert_non_null(line_named(&d, "X-Vambe-Signature"));
    assert_non_null(line_named(&d, "X-Vambe-Event-Id"));
    assert_non_null(line_named(&d, "Content-Type"));
    assert_int_equal(verify(&d, now), SIGNATURE_OK);
    hn_delivery_cleanup(&d);

    m.header_case = HN_CASE_LOWER;
    build(&m, SIGNATURE_UNIT_MS, now, &d);
    assert_non_null(line_named(&d, "content-type"));
    assert_non_null(line_named(&d, "user-agent"));
    hn_delivery_cleanup(&d);

    /* IDM-010: the event id header goes out with an empty value ("Name;"
     * is libcurl's way to send one), still validly signed. */
    memset(&m, 0, sizeof(m));
    m.blank_id = true;
    build(&m, SIGNATURE_UNIT_MS, now, &d);
    bool empty_line = false;
    for (size_t i = 0; i < d.n_lines; i++) {
        empty_line = empty_line || strcmp(d.lines[i], "x-vambe-event-id;") == 0;
    }
    assert_true(empty_line);
    assert_int_equal(verify(&d, now), SIGNATURE_OK);
    assert_string_equal(d.summary, "an empty event id");
    hn_delivery_cleanup(&d);
}

/* SIG-012: each hostile value is derived from the valid header. */
static void hostile_signatures(void **state)
{
    (void)state;
    struct hn_mutation m;
    struct hn_delivery d;
    struct hn_delivery good;
    uint64_t now = clock_wall_ms();
    struct hn_delivery_opts o = opts(SIGNATURE_UNIT_MS);
    struct rng r;
    struct err e = {{0}};

    memset(&m, 0, sizeof(m));
    build(&m, SIGNATURE_UNIT_MS, now, &good);
    const char *valid = header(&good, "x-vambe-signature");

    m.signature = HN_SIG_SHORT;
    build(&m, SIGNATURE_UNIT_MS, now, &d);
    assert_int_equal(strlen(header(&d, "x-vambe-signature")), 63);
    assert_int_equal(strncmp(header(&d, "x-vambe-signature"), valid, 63), 0);
    hn_delivery_cleanup(&d);

    m.signature = HN_SIG_LONG;
    build(&m, SIGNATURE_UNIT_MS, now, &d);
    assert_int_equal(strlen(header(&d, "x-vambe-signature")), 65);
    hn_delivery_cleanup(&d);

    m.signature = HN_SIG_NON_ASCII;
    build(&m, SIGNATURE_UNIT_MS, now, &d);
    assert_string_equal(header(&d, "x-vambe-signature") + 63, "\xc3\xa9");
    hn_delivery_cleanup(&d);

    m.signature = HN_SIG_OVERSIZED;
    build(&m, SIGNATURE_UNIT_MS, now, &d);
    assert_int_equal(strlen(header(&d, "x-vambe-signature")), 8192);
    assert_int_equal(strncmp(header(&d, "x-vambe-signature"), valid, 64), 0);
    /* The shown headers cut the signature: 8 kB never reach a report. */
    assert_true(strlen(d.shown_headers) < 2048);
    hn_delivery_cleanup(&d);

    /* 500 candidates need a list scheme: refused with a reason under
     * vambe, built under stripe. */
    m.signature = HN_SIG_MANY;
    rng_seed(&r, 7);
    assert_int_equal(hn_delivery_build(&o, &payload, &m, 1, &r, now, &d, &e), -1);
    assert_string_equal(e.msg, "scheme vambe carries one signature per header");
    o.scheme = scheme_builtin("stripe");
    assert_non_null(o.scheme);
    assert_int_equal(hn_delivery_build(&o, &payload, &m, 1, &r, now, &d, &e), 0);
    const char *many = header(&d, "Stripe-Signature");
    size_t n = 0;
    for (const char *c = strstr(many, "v1="); c != NULL; c = strstr(c + 1, "v1=")) {
        n++;
    }
    assert_int_equal(n, 500);
    assert_int_equal(strncmp(many, "t=", 2), 0);
    hn_delivery_cleanup(&d);
    hn_delivery_cleanup(&good);
}

/* SEC-003: a replay keeps the bytes, the timestamp, the signature and
 * the delivery id of the original; only the event-id header changes. Under
 * standard-webhooks, which signs the id, the replay then fails to verify. */
static void replay_under_new_id(void **state)
{
    (void)state;
    struct hn_delivery_opts o = opts(SIGNATURE_UNIT_MS);
    struct hn_mutation none;
    struct hn_delivery a, b;
    struct rng r;
    struct err e = {{0}};
    uint64_t now = 1764806400123ull;

    memset(&none, 0, sizeof(none));
    rng_seed(&r, 7);
    assert_int_equal(hn_delivery_build(&o, &payload, &none, 1, &r, now, &a, &e), 0);
    struct hn_payload again = payload;
    again.delivery_id = a.delivery_id;
    again.id_header = "evt_replayed";
    assert_int_equal(hn_delivery_build(&o, &again, &none, 1, &r, now, &b, &e), 0);
    assert_int_equal(a.n_lines, b.n_lines);
    for (size_t i = 0; i < a.n_lines; i++) {
        if (strncasecmp(a.lines[i], "x-vambe-event-id:", 17) != 0) {
            assert_string_equal(a.lines[i], b.lines[i]);
        }
    }
    assert_string_equal(header(&a, "x-vambe-event-id"), payload.event_id);
    assert_string_equal(header(&b, "x-vambe-event-id"), "evt_replayed");
    assert_memory_equal(a.body, b.body, a.body_len);
    assert_int_equal(verify(&b, now), SIGNATURE_OK); /* vambe signs the body, not the header */
    hn_delivery_cleanup(&a);
    hn_delivery_cleanup(&b);

    const struct scheme *sw = scheme_builtin("standard-webhooks");
    const char *key = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    assert_non_null(sw);
    o.scheme = sw;
    o.unit = sw->unit;
    o.secret = key;
    assert_int_equal(hn_delivery_build(&o, &payload, &none, 1, &r, now, &a, &e), 0);
    again.delivery_id = a.delivery_id;
    assert_int_equal(hn_delivery_build(&o, &again, &none, 1, &r, now, &b, &e), 0);
    assert_string_equal(header(&b, "webhook-id"), "evt_replayed");
    assert_string_equal(header(&a, "webhook-signature"), header(&b, "webhook-signature"));
    char token[256];
    struct scheme_request req = {lookup, (void *)&b, query_token(&b, token, sizeof(token)), b.body,
                                 b.body_len};
    /* The signature is the original's, made for the original id. */
    assert_int_equal(scheme_verify(sw, key, &req, payload.event_id, now, sw->unit), SIGNATURE_OK);
    assert_int_not_equal(scheme_verify(sw, key, &req, "evt_replayed", now, sw->unit), SIGNATURE_OK);
    hn_delivery_cleanup(&a);
    hn_delivery_cleanup(&b);
}

static void header_arguments(void **state)
{
    (void)state;
    struct err e = {{0}};

    assert_int_equal(hn_delivery_header_check("X-Token: abc", &e), 0);
    assert_int_equal(hn_delivery_header_check("X-Empty:", &e), 0);
    assert_int_equal(hn_delivery_header_check("no colon", &e), -1);
    assert_non_null(strstr(e.msg, "use 'Name: value'"));
    assert_int_equal(hn_delivery_header_check(": value", &e), -1);
    assert_int_equal(hn_delivery_header_check("Bad Name: v", &e), -1);
    assert_non_null(strstr(e.msg, "bad header name 'Bad Name'"));
    assert_int_equal(hn_delivery_header_check("X-A: v\r\nX-B: w", &e), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(valid_delivery),
        cmocka_unit_test(signature_mutations),
        cmocka_unit_test(timestamp_and_body_mutations),
        cmocka_unit_test(method_and_headers),
        cmocka_unit_test(every_scheme_and_its_mutations),
        cmocka_unit_test(header_arguments),
        cmocka_unit_test(header_name_case),
        cmocka_unit_test(hostile_signatures),
        cmocka_unit_test(replay_under_new_id),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
