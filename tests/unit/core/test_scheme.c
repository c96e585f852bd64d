/* core/scheme: the messages of bad scheme files, what good ones give, what
 * --scheme NAME|FILE resolves to, the secrets each built-in scheme takes
 * and the table of built-ins. Building is tested in test_scheme_wire.c,
 * verifying in test_scheme_verify.c. */
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

static void secret_checks(void **state)
{
    (void)state;
    const struct scheme *sw = kat_builtin("standard-webhooks");
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
        assert_int_equal(scheme_secret_check(kat_builtin(raw[i]), "plain secret", &e), 0);
        assert_int_equal(scheme_secret_check(kat_builtin(raw[i]), bad, &e), 0);
    }
    assert_int_equal(scheme_secret_check(kat_builtin("vambe-token-query"), TOKEN_SECRET, &e), 0);
    assert_int_equal(scheme_secret_check(kat_builtin("vambe-token-header"), "tok\r\nX-Evil: 1", &e),
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
    assert_memory_equal(&s, kat_builtin("stripe"), sizeof(s));

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
    assert_int_equal(kat_builtin("stripe")->event_id.place, SCHEME_PLACE_FIELD);
    assert_int_equal(kat_builtin("github")->delivery_id.place, SCHEME_PLACE_NONE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(secret_checks),     cmocka_unit_test(bad_scheme_files),
        cmocka_unit_test(good_base_files),   cmocka_unit_test(retry_horizons),
        cmocka_unit_test(resolve_and_files), cmocka_unit_test(builtins_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
