/* The nine built-in signing schemes, end to end and checked independently
 * of core/: the mock (in process, or the real program) sends under each
 * scheme to a raw receiver (support/raw.h) that keeps the raw request
 * (request line, every header, the body), and the test recomputes what the
 * provider's documentation says the request carries with OpenSSL's HMAC()
 * and EVP_EncodeBlock/EVP_DecodeBlock directly. The digest, the key, the
 * signed string and the encoding of each scheme are written out in
 * support/want.c, never read from schemes/ or core/scheme.
 *
 * The scheme is chosen three ways: `serve --scheme` of the real program,
 * the same flag through the in-process mock's policy (ms_policy_set_flag,
 * which is what the flag calls) and PUT /mock/config {"scheme": NAME}; and
 * two scheme files through `serve --scheme FILE`, one of them named like a
 * built-in (the call log must show what was sent).
 *
 * The failure paths are in test_mock_schemes_failures.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>

#include <ctype.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/ids.h"
#include "support/api.h"
#include "support/raw.h"
#include "support/scheme_fx.h"
#include "support/want.h"

static long api(struct scheme_fx *fx, const char *method, const char *path, const char *body,
                json_t **out)
{
    return api_json(fx->client, fx->port, KEY, method, path, body, out);
}

/* Two scheme files for `serve --scheme FILE`: one of its own (SHA-512), and
 * one that takes a built-in's name but signs otherwise: the call log must
 * show what was sent, not the built-in's headers. */
static const char acme_file[] =
    "{\"format\": 1, \"name\": \"acme\", \"title\": \"Acme: hex HMAC-SHA512\",\n"
    " \"kind\": \"hmac\", \"profile\": \"documented\", \"max_body\": 262144,\n"
    " \"headers\": {\"User-Agent\": \"Acme-Hooks/2\", \"X-Acme-Event\": \"{type}\",\n"
    "             \"X-Acme-Id\": \"{id}\"},\n"
    " \"event_id\": {\"header\": \"X-Acme-Id\"}, \"event_type\": {\"header\": \"X-Acme-Event\"},\n"
    " \"timestamp\": {\"header\": \"X-Acme-Timestamp\", \"unit\": \"s\", \"past_s\": 300,\n"
    "               \"future_s\": 300},\n"
    " \"signature\": {\"header\": \"X-Acme-Signature\", \"digest\": \"sha512\", \"key\": \"raw\",\n"
    "               \"signed\": \"{timestamp}.{body}\", \"encoding\": \"hex\",\n"
    "               \"value\": \"sha512={sig}\"}}\n";
static const char github_like_file[] =
    "{\"format\": 1, \"name\": \"github\", \"title\": \"not GitHub's signature\",\n"
    " \"kind\": \"hmac\", \"profile\": \"github\", \"max_body\": 262144,\n"
    " \"headers\": {\"User-Agent\": \"GitHub-Hookshot/kit\", \"X-GitHub-Event\": \"{type}\",\n"
    "             \"X-GitHub-Delivery\": \"{id}\", \"X-GitHub-Hook-ID\": \"{webhook_id}\"},\n"
    " \"event_id\": {\"header\": \"X-GitHub-Delivery\"},\n"
    " \"event_type\": {\"header\": \"X-GitHub-Event\"},\n"
    " \"signature\": {\"header\": \"X-Acme-Signature\", \"digest\": \"sha512\", \"key\": \"raw\",\n"
    "               \"signed\": \"{body}\", \"encoding\": \"base64\", \"value\": \"{sig}\"}}\n";

/* The call record of that delivery: the scheme's name, the webhook's URL
 * (never the query token), the body sent, and request headers without the
 * secret or the whole signature. */
static void check_record(const struct want *w, const json_t *c, const struct raw_req *r,
                         const char *hook_url, const char *sig_value, const char *sig)
{
    const json_t *h = json_object_get(c, "request_headers");
    const char *key;
    const json_t *v;
    char lower[64];

    assert_string_equal(scheme_fx_jstr(c, "scheme"), w->name);
    assert_string_equal(scheme_fx_jstr(c, "url"), hook_url);
    assert_null(strstr(scheme_fx_jstr(c, "url"), "token"));
    assert_string_equal(scheme_fx_jstr(c, "outcome"), "succeeded");
    assert_int_equal(json_integer_value(json_object_get(c, "response_status")), 200);
    assert_string_equal(scheme_fx_jstr(c, "request_body"), r->body);
    assert_true(json_is_object(h));
    json_object_foreach((json_t *)h, key, v)
    {
        const char *s = json_string_value(v);

        assert_non_null(s);
        assert_null(strstr(s, "dmFtYmUh++++"));
        assert_null(strstr(s, SECRET));
        if (sig_value[0] != '\0') {
            assert_null(strstr(s, sig_value));
            assert_null(strstr(s, sig));
        }
    }
    if (w->delivery_header != NULL) {
        assert_string_equal(scheme_fx_jstr(h, w->delivery_header), scheme_fx_jstr(c, "id"));
        assert_string_equal(raw_hv(r, w->delivery_header), scheme_fx_jstr(c, "id"));
    }
    if (w->id_header != NULL) {
        for (size_t i = 0; i <= strlen(w->id_header); i++) {
            lower[i] = (char)tolower((unsigned char)w->id_header[i]);
        }
        assert_string_equal(scheme_fx_jstr(h, lower), raw_hv(r, w->id_header));
    }
    if (w->sig_header != NULL) {
        for (size_t i = 0; i <= strlen(w->sig_header); i++) {
            lower[i] = (char)tolower((unsigned char)w->sig_header[i]);
        }
        /* What was sent, shown redacted. */
        if (json_string_value(json_object_get(h, lower)) == NULL) {
            fail_msg("the record's request_headers have no '%s' (%s)", lower,
                     json_dumps(h, JSON_COMPACT));
        }
        assert_true(json_string_length(json_object_get(h, lower)) < strlen(sig_value));
    }
    for (size_t i = 0; i < sizeof(want_auth_headers) / sizeof(want_auth_headers[0]); i++) {
        bool mine = w->sig_header != NULL && strcasecmp(want_auth_headers[i], w->sig_header) == 0;

        for (size_t k = 0; k <= strlen(want_auth_headers[i]); k++) {
            lower[k] = (char)tolower((unsigned char)want_auth_headers[i][k]);
        }
        /* The scheme's own shows a redacted form; the others are absent. */
        assert_int_equal(json_object_get(h, lower) != NULL, mine);
    }
}

/* ---- tests ---------------------------------------------------------------------- */

/* One delivery under the fixture's scheme, checked by hand. */
static void delivers_under_scheme(void **state)
{
    struct scheme_fx *fx = *state;
    const struct want *w = fx->sc->w;
    char hook[IDS_UUID_LEN + 1];
    char event_id[128];
    char sig_value[VALUE_MAX];
    char sig[EVP_MAX_MD_SIZE * 2 + 1];
    char query[128];
    json_t *cfg = NULL;
    json_t *calls;
    uint64_t before;
    uint64_t after;

    if (fx->sc->how == HOW_PROGRAM_FILE) {
        int fd;

        snprintf(fx->scheme_file, sizeof(fx->scheme_file), "/tmp/vambe-scheme-XXXXXX");
        fd = mkstemp(fx->scheme_file);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, fx->sc->file_text, strlen(fx->sc->file_text)),
                         (ssize_t)strlen(fx->sc->file_text));
        close(fd);
        scheme_fx_mock_start(fx, fx->scheme_file, HOW_PROGRAM_FLAG);
    } else {
        scheme_fx_mock_start(fx, w->name, fx->sc->how);
    }
    /* GET /mock/config names the scheme and what it implies. */
    assert_int_equal(api(fx, "GET", "/mock/config", NULL, &cfg), 200);
    assert_string_equal(scheme_fx_jstr(cfg, "scheme"), w->name);
    assert_string_equal(scheme_fx_jstr(cfg, "profile"), w->profile);
    if (w->unit != NULL) {
        assert_string_equal(scheme_fx_jstr(cfg, "timestamp_unit"), w->unit);
    }
    json_decref(cfg);

    scheme_fx_create_hook(fx, fx->hook_url, SECRET, hook);
    before = scheme_fx_wall_ms();
    scheme_fx_trigger(fx, 1, event_id);
    raw_wait(fx->rx, 1);
    after = scheme_fx_wall_ms();
    want_check_request(w, &fx->rx->reqs[0], event_id, hook, fx->hook_url, before, after, sig_value,
                       sig);

    snprintf(query, sizeof(query), "webhook_id=%s&outcome=succeeded", hook);
    calls = scheme_fx_calls_wait(fx, query, 1);
    assert_int_equal(json_array_size(calls), 1);
    check_record(w, json_array_get(calls, 0), &fx->rx->reqs[0], fx->hook_url, sig_value, sig);
    json_decref(calls);
    assert_int_equal(raw_count(fx->rx), 1);
}

/* Each built-in scheme once, the three ways of choosing it in turn, then
 * the two scheme files. */
static const struct scheme_case cases[] = {
    {"scheme vambe (serve --scheme)", &want_builtins[0], HOW_PROGRAM_FLAG, NULL},
    {"scheme vambe-token-query (policy flag)", &want_builtins[1], HOW_INPROC_FLAG, NULL},
    {"scheme vambe-token-header (PUT /mock/config)", &want_builtins[2], HOW_PUT_CONFIG, NULL},
    {"scheme standard-webhooks (serve --scheme)", &want_builtins[3], HOW_PROGRAM_FLAG, NULL},
    {"scheme github (policy flag)", &want_builtins[4], HOW_INPROC_FLAG, NULL},
    {"scheme stripe (PUT /mock/config)", &want_builtins[5], HOW_PUT_CONFIG, NULL},
    {"scheme shopify (serve --scheme)", &want_builtins[6], HOW_PROGRAM_FLAG, NULL},
    {"scheme slack (policy flag)", &want_builtins[7], HOW_INPROC_FLAG, NULL},
    {"scheme none (PUT /mock/config)", &want_builtins[8], HOW_PUT_CONFIG, NULL},
    {"scheme file acme (serve --scheme FILE)", &want_files[0], HOW_PROGRAM_FILE, acme_file},
    {"scheme file named github (serve --scheme FILE)", &want_files[1], HOW_PROGRAM_FILE,
     github_like_file},
};

#define SCHEME_TEST(i)                                                                             \
    {                                                                                              \
        cases[i].label, delivers_under_scheme, scheme_fx_setup, scheme_fx_teardown,                \
            (void *)&cases[i]                                                                      \
    }

int main(void)
{
    const struct CMUnitTest tests[] = {
        SCHEME_TEST(0), SCHEME_TEST(1), SCHEME_TEST(2),  SCHEME_TEST(3),
        SCHEME_TEST(4), SCHEME_TEST(5), SCHEME_TEST(6),  SCHEME_TEST(7),
        SCHEME_TEST(8), SCHEME_TEST(9), SCHEME_TEST(10),
    };
    _Static_assert(sizeof(cases) / sizeof(cases[0]) == 11, "a test per case");
    return cmocka_run_group_tests(tests, NULL, NULL);
}
