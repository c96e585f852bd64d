/* The real vambe-mock program and what it guards: where it agrees to
 * listen with the public default key, how it checks the key, and that no
 * response and no log line ever holds a secret, the key or a full
 * signature. TLS on both sides is in test_mock_security_tls.c; the
 * fixture (support/sec_fx.h) is shared with it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/http_client.h"
#include "core/http_server.h"
#include "core/signature.h"
#include "mock_server/server.h"
#include "support/proc.h"
#include "support/sec_fx.h"

#define SECRET_A2 "whsec_ALPHA2-rotated-3b6e0a9d52"
#define SECRET_B  "sh0rt-Zq9" /* under 12 characters: masked as "****" alone */
#define WRONG_KEY "k3y-SECURITY-test-5f1e9a7c0c"
#define LOG_MAX   (512 * 1024)

/* ---- where the mock agrees to listen ----------------------------------------- */

/* The rule itself, over many addresses (no socket is opened). */
static void loopback_rule(void **state)
{
    (void)state;
    static const char *const loopback[] = {"127.0.0.1", "127.0.0.2",       "127.255.255.254",
                                           "::1",       "0:0:0:0:0:0:0:1", "::ffff:127.0.0.1",
                                           "localhost", "LocalHost"};
    static const char *const public[] = {
        "0.0.0.0",         "::",  "192.168.1.10",    "10.0.0.1", "128.0.0.1",
        "126.255.255.255", "::2", "::ffff:10.0.0.1", "fe80::1"};
    struct ms_options o;
    struct err e = {{0}};

    ms_options_init(&o);
    assert_int_equal(ms_options_check(&o, &e), 0); /* the defaults */
    for (size_t i = 0; i < sizeof(loopback) / sizeof(loopback[0]); i++) {
        o.bind = loopback[i];
        o.api_key = MS_DEFAULT_API_KEY;
        if (!ms_options_is_loopback(loopback[i]) || ms_options_check(&o, &e) != 0) {
            fail_msg("%s should be loopback: %s", loopback[i], e.msg);
        }
    }
    for (size_t i = 0; i < sizeof(public) / sizeof(public[0]); i++) {
        char want[128];

        o.bind = public[i];
        o.api_key = MS_DEFAULT_API_KEY;
        if (ms_options_is_loopback(public[i])) {
            fail_msg("%s taken for a loopback address", public[i]);
        }
        err_clear(&e);
        if (ms_options_check(&o, &e) == 0) {
            fail_msg("%s was accepted with the default key", public[i]);
        }
        snprintf(want, sizeof(want), "refusing to listen on %s with the public default API key",
                 public[i]);
        if (strstr(e.msg, want) == NULL) {
            fail_msg("%s: '%s'", public[i], e.msg);
        }
        /* Any other key is fine anywhere. */
        o.api_key = KEY;
        assert_int_equal(ms_options_check(&o, &e), 0);
    }
    /* A key no client can send in a header (HTTP strips the spaces around
     * a value and carries no control character) is refused, not echoed. */
    static const char *const unsendable[] = {"k3y\n", " k3y", "k3y ", "k\x01y", "k3y\t"};
    o.bind = "127.0.0.1";
    for (size_t i = 0; i < sizeof(unsendable) / sizeof(unsendable[0]); i++) {
        o.api_key = unsendable[i];
        assert_int_equal(ms_options_check(&o, &e), -1);
        assert_string_equal(e.msg, "the API key (--api-key or VAMBE_MOCK_API_KEY) starts or ends "
                                   "with a space or holds a control character (a newline read "
                                   "from a file?): no client could send it in a header, so "
                                   "nothing would authenticate");
    }
    o.api_key = "a key with inner spaces";
    assert_int_equal(ms_options_check(&o, &e), 0);
}

/* The program: exit 2 with the explanation, before binding anything. */
static void default_key_refused_off_loopback(void **state)
{
    (void)state;
    char err[4096];
    const char *any4[] = {"serve", "--bind", "0.0.0.0", "--port", "0", NULL};
    const char *any6[] = {"serve", "--port", "0", "--bind", "::", NULL};
    const char *explicit_default[] = {
        "serve", "--bind", "0.0.0.0", "--api-key", MS_DEFAULT_API_KEY, "--port", "0", NULL};

    assert_int_equal(sec_fx_run_mock(any4, err, sizeof(err)), 2);
    if (strstr(err, "vambe-mock: refusing to listen on 0.0.0.0 with the public default API key; "
                    "set --api-key or VAMBE_MOCK_API_KEY") == NULL) {
        fail_msg("stderr: %s", err);
    }
    assert_int_equal(sec_fx_run_mock(any6, err, sizeof(err)), 2);
    assert_non_null(strstr(err, "refusing to listen on :: with the public default API key"));
    assert_int_equal(sec_fx_run_mock(explicit_default, err, sizeof(err)), 2);
    assert_non_null(strstr(err, "refusing to listen on 0.0.0.0"));

    /* With a key of one's own (flag or environment) the check passes: an
     * unreadable certificate is the next thing reported, so the test never
     * listens on a public address. The key is never echoed. */
    const char *own_key[] = {"serve",
                             "--bind",
                             "0.0.0.0",
                             "--api-key",
                             KEY,
                             "--tls-cert",
                             "/nonexistent/c.pem",
                             "--tls-key",
                             "/nonexistent/k.pem",
                             "--port",
                             "0",
                             NULL};
    assert_int_equal(sec_fx_run_mock(own_key, err, sizeof(err)), 2);
    assert_null(strstr(err, "refusing"));
    assert_non_null(strstr(err, "--tls-cert: cannot read '/nonexistent/c.pem'"));
    assert_null(strstr(err, KEY));

    const char *env_key[] = {"serve",
                             "--bind",
                             "0.0.0.0",
                             "--tls-cert",
                             "/nonexistent/c.pem",
                             "--tls-key",
                             "/nonexistent/k.pem",
                             "--port",
                             "0",
                             NULL};
    assert_int_equal(setenv(MS_API_KEY_ENV, KEY, 1), 0);
    assert_int_equal(sec_fx_run_mock(env_key, err, sizeof(err)), 2);
    unsetenv(MS_API_KEY_ENV);
    assert_null(strstr(err, "refusing"));
    assert_non_null(strstr(err, "--tls-cert: cannot read"));
    assert_null(strstr(err, KEY));
}

/* ---- the key ------------------------------------------------------------------- */

/* Only the exact key opens the API: a prefix, an extension, one changed
 * byte, another case. (The comparison is of SHA-256 digests with
 * CRYPTO_memcmp, so its time depends on neither the bytes nor the
 * length; that is read in mock_server/api.c, not timed here.) */
static void only_the_exact_key(void **state)
{
    (void)state;
    const char *args[] = {"--api-key", KEY, "--no-access-log", NULL};
    const char *wrong[] = {WRONG_KEY, "k3y-SECURITY-test-5f1e9a7c0",
                           KEY "0",   "K3Y-SECURITY-TEST-5F1E9A7C0B",
                           "k",       KEY KEY};
    struct proc *p = NULL;
    struct sec_fx_target t = {"http", 0, KEY, NULL, false};

    p = sec_fx_start_mock(args);
    t.port = p->port;
    assert_int_equal(sec_fx_api(&t, "GET", "/api/webhooks", NULL, NULL), 200);
    for (size_t i = 0; i < sizeof(wrong) / sizeof(wrong[0]); i++) {
        json_t *j = NULL;

        t.key = wrong[i];
        if (sec_fx_api(&t, "GET", "/api/webhooks", NULL, &j) != 401) {
            fail_msg("key '%s' was accepted", wrong[i]);
        }
        assert_string_equal(sec_fx_jstr(j, "message"), "x-api-key: invalid API key");
        json_decref(j);
    }
    t.key = NULL;
    assert_int_equal(sec_fx_api(&t, "GET", "/mock/config", NULL, NULL), 401);
    sec_fx_stop_mock(p);
}

/* ---- secrets: never in a response, never in the log ------------------------- */

/* Registers webhooks, rotates a secret, delivers (successes, retries, a
 * give-up), replays, reads everything back, then greps every answer and
 * the whole verbose JSON log for the secrets, the key and the signatures
 * the receiver was sent. */
static void secrets_never_leak(void **state)
{
    (void)state;
    const char *args[] = {
        "--api-key",      KEY, "-v", "--log-format", "json", "--retry-schedule", "20ms",
        "--max-attempts", "2", NULL};
    struct sec_fx_rx *rx = sec_fx_rx_start(NULL, NULL);
    struct proc *p = NULL;
    struct sec_fx_target t = {"http", 0, KEY, NULL, false};
    char url_ok[128];
    char url_fail[128];
    char id_a[64];
    char id_b[64];
    char path[256];
    char body[512];
    json_t *j = NULL;
    json_t *calls;
    static char log[LOG_MAX];
    const char *secrets[] = {SECRET_A, SECRET_A2, SECRET_B, KEY};
    bool saw_delivery_line = false;
    bool saw_signature_header = false;

    p = sec_fx_start_mock(args);
    t.port = p->port;
    snprintf(url_ok, sizeof(url_ok), "http://127.0.0.1:%u/ok", rx->port);
    snprintf(url_fail, sizeof(url_fail), "http://127.0.0.1:%u/fail", rx->port);
    sec_fx_create_hook(&t, url_ok, SECRET_A, id_a, sizeof(id_a));
    sec_fx_create_hook(&t, url_fail, SECRET_B, id_b, sizeof(id_b));

    /* Masked on every read: the last four characters of a long secret,
     * nothing of a short one. */
    snprintf(path, sizeof(path), "/api/webhooks/%s", id_a);
    assert_int_equal(sec_fx_api(&t, "GET", path, NULL, &j), 200);
    assert_string_equal(sec_fx_jstr(j, "secret"), "****f7e9");
    json_decref(j);
    snprintf(body, sizeof(body), "{\"secret\":\"%s\"}", SECRET_A2);
    assert_int_equal(sec_fx_api(&t, "PUT", path, body, &j), 200);
    assert_string_equal(sec_fx_jstr(j, "secret"), "****9d52");
    json_decref(j);
    assert_int_equal(sec_fx_api(&t, "GET", "/api/webhooks", NULL, &j), 200);
    assert_int_equal(json_array_size(j), 2);
    assert_string_equal(sec_fx_jstr(json_array_get(j, 0), "secret"), "****9d52");
    assert_string_equal(sec_fx_jstr(json_array_get(j, 1), "secret"), "****");
    json_decref(j);
    /* A refused body that carries a secret does not echo it. */
    snprintf(body, sizeof(body), "{\"topic\":\"nope\",\"url\":\"%s\",\"secret\":\"%s\"}", url_ok,
             SECRET_A);
    assert_int_equal(sec_fx_api(&t, "POST", "/api/webhooks", body, NULL), 400);
    /* Nor does a body refused for its syntax (jansson quotes the text
     * near the fault), on any endpoint. */
    const char *const malformed[][2] = {{"POST", "/api/webhooks"},
                                        {"PUT", path},
                                        {"POST", "/mock/events"},
                                        {"PUT", "/mock/config"}};
    for (size_t i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
        snprintf(body, sizeof(body), "{\"secret\":\"%s", SECRET_A);
        assert_int_equal(sec_fx_api(&t, malformed[i][0], malformed[i][1], body, &j), 400);
        assert_non_null(strstr(sec_fx_jstr(j, "message"), "body: invalid JSON: line 1"));
        json_decref(j);
        snprintf(body, sizeof(body), "{\"secret\":%s}", SECRET_A);
        assert_int_equal(sec_fx_api(&t, malformed[i][0], malformed[i][1], body, NULL), 400);
    }

    /* Deliveries: 3 successes to A, 3 x 2 failed attempts to B. */
    assert_int_equal(sec_fx_api(&t, "POST", "/mock/events",
                                "{\"topic\":\"message.received\",\"count\":3}", NULL),
                     202);
    calls = sec_fx_calls_wait(&t, "", 9);
    json_decref(calls);
    calls = sec_fx_calls_wait(&t, "outcome=gave_up", 3);
    snprintf(path, sizeof(path), "/mock/calls/%s/replay",
             sec_fx_jstr(json_array_get(calls, 0), "id"));
    json_decref(calls);
    assert_int_equal(sec_fx_api(&t, "POST", path, NULL, NULL), 202);
    calls = sec_fx_calls_wait(&t, "", 11);
    /* The call log shows a prefix of each signature and its length. */
    for (size_t i = 0; i < json_array_size(calls); i++) {
        const json_t *h = json_object_get(json_array_get(calls, i), "request_headers");
        const char *sig = sec_fx_jstr(h, "x-vambe-signature");

        assert_true(json_is_object(h));
        assert_true(strlen(sig) > 4 && strlen(sig) < 32);
        assert_non_null(strstr(sig, "(64 chars)"));
        saw_signature_header = true;
    }
    assert_true(saw_signature_header);
    json_decref(calls);
    assert_int_equal(sec_fx_api(&t, "GET", "/mock/config", NULL, NULL), 200);
    snprintf(path, sizeof(path), "/api/webhooks/%s", id_b);
    assert_int_equal(sec_fx_api(&t, "DELETE", path, NULL, NULL), 200);
    snprintf(path, sizeof(path), "/api/webhooks/%s/restore", id_b);
    assert_int_equal(sec_fx_api(&t, "POST", path, NULL, NULL), 200);
    t.key = WRONG_KEY;
    assert_int_equal(sec_fx_api(&t, "GET", "/api/webhooks", NULL, NULL), 401);
    sec_fx_stop_mock(p);
    assert_true(sec_fx_rx_count(rx) >= 11);

    /* The grep: answers and log. */
    proc_read_log(p, log, sizeof(log));
    assert_true(strlen(log) < sizeof(log) - 1); /* the whole log was read */
    for (size_t i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++) {
        if (strstr(sec_fx_transcript.p, secrets[i]) != NULL) {
            fail_msg("an answer of the mock holds '%s'", secrets[i]);
        }
        if (strstr(log, secrets[i]) != NULL) {
            fail_msg("the log holds '%s'", secrets[i]);
        }
    }
    for (size_t i = 0; i < sec_fx_rx_count(rx) && i < RX_MAX; i++) {
        assert_int_equal(strlen(rx->sigs[i]), 64);
        if (strstr(sec_fx_transcript.p, rx->sigs[i]) != NULL || strstr(log, rx->sigs[i]) != NULL) {
            fail_msg("the full signature %s was shown", rx->sigs[i]);
        }
    }
    /* Every line is JSON, and -v did log the deliveries. */
    for (char *line = strtok(log, "\n"); line != NULL; line = strtok(NULL, "\n")) {
        json_t *l = json_loads(line, 0, NULL);

        if (!json_is_object(l)) {
            fail_msg("not a JSON log line: %s", line);
        }
        if (strcmp(sec_fx_jstr(l, "level"), "debug") == 0 &&
            strstr(sec_fx_jstr(l, "msg"), "attempt") != NULL) {
            saw_delivery_line = true;
        }
        json_decref(l);
    }
    assert_true(saw_delivery_line);
    sec_fx_rx_stop(rx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(loopback_rule),
        cmocka_unit_test(default_key_refused_off_loopback),
        cmocka_unit_test_teardown(only_the_exact_key, sec_fx_teardown),
        cmocka_unit_test_teardown(secrets_never_leak, sec_fx_teardown),
    };
    return cmocka_run_group_tests(tests, sec_fx_group_setup, sec_fx_group_teardown);
}
