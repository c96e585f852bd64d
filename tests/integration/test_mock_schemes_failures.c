/* The mock's signing schemes, the failure paths: a secret the scheme cannot
 * use (400 when the webhook is made; a failed attempt with the reason when
 * the scheme changes afterwards) and scheme values PUT /mock/config must
 * refuse. The fixture (support/scheme_fx.h) and the checks of a delivery
 * (support/want.h) are those of test_mock_schemes.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ids.h"
#include "support/api.h"
#include "support/raw.h"
#include "support/scheme_fx.h"
#include "support/want.h"

#define BAD_SECRET "whsec_not*base64!"

static long api(struct scheme_fx *fx, const char *method, const char *path, const char *body,
                json_t **out)
{
    return api_json(fx->client, fx->port, KEY, method, path, body, out);
}

/* A secret standard-webhooks cannot use is refused when the webhook is
 * made or changed, with a message naming the field and not the secret. */
static void unusable_secret_is_refused(void **state)
{
    struct scheme_fx *fx = *state;
    char hook[IDS_UUID_LEN + 1];
    char path[128];
    json_t *j = NULL;
    char *text;

    scheme_fx_mock_start(fx, "standard-webhooks", HOW_PUT_CONFIG);
    assert_int_equal(api(fx, "POST", "/api/webhooks",
                         "{\"topic\":\"message.received\",\"url\":\"http://127.0.0.1:9/h\","
                         "\"secret\":\"" BAD_SECRET "\"}",
                         &j),
                     400);
    text = json_dumps(j, 0);
    assert_int_equal(strncmp(scheme_fx_jstr(j, "message"), "secret", 6), 0);
    assert_null(strstr(text, BAD_SECRET));
    assert_null(strstr(text, "not*base64"));
    free(text);
    json_decref(j);

    /* The same through PUT /api/webhooks/{id}. */
    scheme_fx_create_hook(fx, fx->hook_url, SECRET, hook);
    snprintf(path, sizeof(path), "/api/webhooks/%s", hook);
    j = NULL;
    assert_int_equal(api(fx, "PUT", path, "{\"secret\":\"" BAD_SECRET "\"}", &j), 400);
    text = json_dumps(j, 0);
    assert_int_equal(strncmp(scheme_fx_jstr(j, "message"), "secret", 6), 0);
    assert_null(strstr(text, "not*base64"));
    free(text);
    json_decref(j);
    /* A proper whsec_ secret is taken. */
    assert_int_equal(api(fx, "PUT", path, "{\"secret\":\"whsec_dmFtYmU=\"}", NULL), 200);
}

/* A webhook made under vambe with a secret standard-webhooks cannot use:
 * once the scheme switches, its attempts fail, each record saying why,
 * while another webhook is still delivered to. */
static void scheme_switch_fails_unusable_secret(void **state)
{
    struct scheme_fx *fx = *state;
    const struct want *sw = &want_builtins[3];
    char bad_hook[IDS_UUID_LEN + 1];
    char good_hook[IDS_UUID_LEN + 1];
    char bad_url[256];
    char event_id[128];
    char query[256];
    char sig_value[VALUE_MAX];
    char sig[EVP_MAX_MD_SIZE * 2 + 1];
    json_t *calls;
    json_t *cfg = NULL;
    uint64_t before;

    assert_string_equal(sw->name, "standard-webhooks");
    scheme_fx_mock_start(fx, "vambe", HOW_INPROC_FLAG);
    assert_int_equal(api(fx, "PUT", "/mock/config", "{\"max_attempts\":1}", NULL), 200);
    snprintf(bad_url, sizeof(bad_url), "http://127.0.0.1:%u/bad", fx->rx->port);
    scheme_fx_create_hook(fx, bad_url, BAD_SECRET, bad_hook);
    scheme_fx_create_hook(fx, fx->hook_url, SECRET, good_hook);
    assert_int_equal(api(fx, "PUT", "/mock/config", "{\"scheme\":\"standard-webhooks\"}", &cfg),
                     200);
    assert_string_equal(scheme_fx_jstr(cfg, "profile"), "standard-webhooks");
    assert_string_equal(scheme_fx_jstr(cfg, "timestamp_unit"), "s");
    json_decref(cfg);

    /* Two events: each reaches the good webhook, signed right, and fails
     * for the bad one without sending anything. */
    for (size_t round = 0; round < 2; round++) {
        before = scheme_fx_wall_ms();
        scheme_fx_trigger(fx, 2, event_id);
        raw_wait(fx->rx, round + 1);
        want_check_request(sw, &fx->rx->reqs[round], event_id, good_hook, fx->hook_url, before,
                           scheme_fx_wall_ms(), sig_value, sig);
        snprintf(query, sizeof(query), "webhook_id=%s&event_id=%s", bad_hook, event_id);
        calls = scheme_fx_calls_wait(fx, query, 1);
        assert_string_equal(scheme_fx_jstr(json_array_get(calls, 0), "outcome"), "gave_up");
        json_decref(calls);
    }
    assert_int_equal(raw_count(fx->rx), 2);
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(strncmp(fx->rx->reqs[i].target, "/hook?", 6), 0);
    }

    /* Each failed record: no response, nothing sent (no scheme, no request
     * headers), and an error that says why without the secret. */
    snprintf(query, sizeof(query), "webhook_id=%s", bad_hook);
    calls = scheme_fx_calls_wait(fx, query, 2);
    assert_int_equal(json_array_size(calls), 2);
    for (size_t i = 0; i < 2; i++) {
        const json_t *c = json_array_get(calls, i);
        const char *error = scheme_fx_jstr(c, "error");

        assert_true(json_is_null(json_object_get(c, "response_status")));
        assert_true(json_is_null(json_object_get(c, "scheme")));
        assert_true(json_is_null(json_object_get(c, "request_headers")));
        assert_null(strstr(error, "not*base64"));
        if (strstr(error, "secret") == NULL || strstr(error, "base64") == NULL) {
            fail_msg("the failed attempt's error is '%s', not why it failed", error);
        }
    }
    json_decref(calls);
}

/* PUT /mock/config takes built-in names only, refuses the rest whole, and
 * shows what a scheme implies. */
static void config_scheme_values(void **state)
{
    struct scheme_fx *fx = *state;
    static const struct {
        const char *body;
        const char *msg;
    } bad[] = {
        {"{\"scheme\":\"/etc/passwd\"}", "scheme: '/etc/passwd' is not a built-in scheme"},
        {"{\"scheme\":\"stripe.json\"}", "is not a built-in scheme"},
        {"{\"scheme\":\"../schemes/github.json\"}", "is not a built-in scheme"},
        {"{\"scheme\":\"Stripe\"}", "is not a built-in scheme"},
        {"{\"scheme\":\"\"}", "scheme"},
        {"{\"scheme\":5}", "scheme"},
        {"{\"scheme\":true}", "scheme"},
        {"{\"scheme\":[\"github\"]}", "scheme"},
        /* One bad member leaves every other one as it was. */
        {"{\"scheme\":\"/etc/passwd\",\"max_attempts\":3}", "scheme"},
        {"{\"scheme\":\"stripe\",\"max_attempts\":0}", "max_attempts"},
    };
    static const struct {
        const char *scheme;
        const char *profile;
        const char *unit;
    } good[] = {
        {"stripe", "stripe", "s"},
        {"github", "github", NULL},
        {"slack", "slack", "s"},
        {"vambe", "documented", "ms"},
    };
    json_t *j = NULL;

    scheme_fx_mock_start(fx, "vambe", HOW_INPROC_FLAG);
    assert_int_equal(api(fx, "GET", "/mock/config", NULL, &j), 200);
    assert_string_equal(scheme_fx_jstr(j, "scheme"), "vambe");
    assert_string_equal(scheme_fx_jstr(j, "profile"), "documented");
    assert_string_equal(scheme_fx_jstr(j, "timestamp_unit"), "ms");
    assert_int_equal(json_integer_value(json_object_get(j, "max_attempts")), 5);
    json_decref(j);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char *text;

        j = NULL;
        assert_int_equal(api(fx, "PUT", "/mock/config", bad[i].body, &j), 400);
        text = json_dumps(j, 0);
        if (strstr(scheme_fx_jstr(j, "message"), bad[i].msg) == NULL) {
            fail_msg("%s: message '%s', expected '%s'", bad[i].body, scheme_fx_jstr(j, "message"),
                     bad[i].msg);
        }
        assert_null(strstr(text, "root:")); /* no file was read */
        free(text);
        json_decref(j);
        j = NULL;
        assert_int_equal(api(fx, "GET", "/mock/config", NULL, &j), 200);
        assert_string_equal(scheme_fx_jstr(j, "scheme"), "vambe");
        assert_string_equal(scheme_fx_jstr(j, "profile"), "documented");
        assert_int_equal(json_integer_value(json_object_get(j, "max_attempts")), 5);
        json_decref(j);
    }
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        char body[64];

        snprintf(body, sizeof(body), "{\"scheme\":\"%s\"}", good[i].scheme);
        j = NULL;
        assert_int_equal(api(fx, "PUT", "/mock/config", body, &j), 200);
        assert_string_equal(scheme_fx_jstr(j, "scheme"), good[i].scheme);
        json_decref(j);
        j = NULL;
        assert_int_equal(api(fx, "GET", "/mock/config", NULL, &j), 200);
        assert_string_equal(scheme_fx_jstr(j, "scheme"), good[i].scheme);
        assert_string_equal(scheme_fx_jstr(j, "profile"), good[i].profile);
        if (good[i].unit != NULL) {
            assert_string_equal(scheme_fx_jstr(j, "timestamp_unit"), good[i].unit);
        }
        json_decref(j);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(unusable_secret_is_refused, scheme_fx_setup,
                                        scheme_fx_teardown),
        cmocka_unit_test_setup_teardown(scheme_switch_fails_unusable_secret, scheme_fx_setup,
                                        scheme_fx_teardown),
        cmocka_unit_test_setup_teardown(config_scheme_values, scheme_fx_setup, scheme_fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
