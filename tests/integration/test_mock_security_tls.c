/* The real vambe-mock program and TLS on both sides: its own API served
 * over https (--tls-cert/--tls-key) and deliveries to https receivers
 * verified by default (--ca-file, --insecure).
 *
 * The certificates are made by the test with openssl (a self-signed
 * certificate for 127.0.0.1); without /usr/bin/openssl the TLS tests are
 * skipped. Receivers are core/http_server instances in this process, on
 * 127.0.0.1 port 0, plain or https (support/sec_fx.h). */
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
#include "support/mock_prog.h"
#include "support/proc.h"
#include "support/sec_fx.h"

/* ---- TLS for the mock's API ------------------------------------------------------ */

static void https_api(void **state)
{
    (void)state;
    sec_fx_need_tls();
    const char *args[] = {"--api-key",    KEY, "--tls-cert", sec_fx_tls.cert, "--tls-key",
                          sec_fx_tls.key, NULL};
    struct proc *p = NULL;
    struct http_response resp;
    struct sec_fx_target t = {"https", 0, NULL, sec_fx_tls.cert, false};
    char want[128];
    char log[8192];
    char out[512];
    char err[4096];
    char server[128];

    p = sec_fx_start_mock(args);
    t.port = p->port;
    proc_read_log(p, log, sizeof(log));
    snprintf(want, sizeof(want), "vambe-mock: listening on https://127.0.0.1:%u\n", p->port);
    if (strstr(log, want) == NULL) {
        fail_msg("log: %s", log);
    }
    /* Trusting the certificate: it works. */
    assert_int_equal(sec_fx_api(&t, "GET", "/mock/health", NULL, NULL), 200);
    t.key = KEY;
    assert_int_equal(sec_fx_api(&t, "GET", "/api/webhooks", NULL, NULL), 200);
    /* Not trusting it: a TLS failure, no answer. */
    t.ca_file = NULL;
    sec_fx_request(&t, "GET", "/mock/health", NULL, &resp);
    assert_int_equal(resp.error, HTTP_ERROR_TLS);
    assert_int_equal(resp.status, 0);
    http_response_cleanup(&resp);
    /* Not checking it: works. */
    t.insecure = true;
    assert_int_equal(sec_fx_api(&t, "GET", "/mock/health", NULL, NULL), 200);
    /* Plain HTTP on the https port gets no HTTP answer. */
    t.scheme = "http";
    sec_fx_request(&t, "GET", "/mock/health", NULL, &resp);
    assert_true(resp.error != HTTP_ERROR_NONE || resp.status != 200);
    http_response_cleanup(&resp);

    /* `vambe-mock trigger` reaches it with --ca-file, fails without. */
    snprintf(server, sizeof(server), "https://127.0.0.1:%u", p->port);
    char *with_ca[] = {(char *)mock_prog_bin(),
                       "trigger",
                       "message.received",
                       "--server",
                       server,
                       "--api-key",
                       KEY,
                       "--ca-file",
                       sec_fx_tls.cert,
                       NULL};
    char *without_ca[] = {(char *)mock_prog_bin(),
                          "trigger",
                          "message.received",
                          "--server",
                          server,
                          "--api-key",
                          KEY,
                          NULL};
    assert_int_equal(proc_run(with_ca, out, sizeof(out), err, sizeof(err), 10000), 0);
    assert_memory_equal(out, "evt_", 4);
    assert_int_equal(proc_run(without_ca, out, sizeof(out), err, sizeof(err), 10000), 3);
    assert_non_null(strstr(err, "cannot reach the mock"));
    sec_fx_stop_mock(p);
}

/* Bad TLS flags: exit 2, naming the flag and the file. */
static void tls_flag_errors(void **state)
{
    (void)state;
    sec_fx_need_tls();
    char cert2[256];
    char key2[256];
    char empty[256];
    char err[4096];
    FILE *f;

    snprintf(cert2, sizeof(cert2), "%s/cert2.pem", sec_fx_tls.dir);
    snprintf(key2, sizeof(key2), "%s/key2.pem", sec_fx_tls.dir);
    snprintf(empty, sizeof(empty), "%s/empty.pem", sec_fx_tls.dir);
    assert_int_equal(sec_fx_make_cert(cert2, key2), 0);
    f = fopen(empty, "w");
    assert_non_null(f);
    fclose(f);

    /* messages[i] is what the arguments lists[i] must give. */
    static const char *const messages[] = {
        "--tls-cert needs --tls-key",
        "--tls-key needs --tls-cert",
        "--tls-cert: cannot read '/nonexistent/cert.pem': No such file or directory",
        "--tls-key: cannot read '/nonexistent/key.pem': No such file or directory",
        "holds no PEM certificate",
        "holds no PEM private key",
        "cannot serve https with --tls-cert",
        "--tls-cert: the path is empty",
    };
    const char *lists[][8] = {
        {"serve", "--port", "0", "--tls-cert", sec_fx_tls.cert, NULL},
        {"serve", "--port", "0", "--tls-key", sec_fx_tls.key, NULL},
        {"serve", "--port", "0", "--tls-cert", "/nonexistent/cert.pem", "--tls-key", sec_fx_tls.key,
         NULL},
        {"serve", "--port", "0", "--tls-cert", sec_fx_tls.cert, "--tls-key", "/nonexistent/key.pem",
         NULL},
        {"serve", "--port", "0", "--tls-cert", empty, "--tls-key", sec_fx_tls.key, NULL},
        {"serve", "--port", "0", "--tls-cert", sec_fx_tls.cert, "--tls-key", cert2, NULL},
        {"serve", "--port", "0", "--tls-cert", sec_fx_tls.cert, "--tls-key", key2,
         NULL}, /* mismatch */
        {"serve", "--port", "0", "--tls-cert", "", "--tls-key", sec_fx_tls.key, NULL},
    };
    for (size_t i = 0; i < sizeof(messages) / sizeof(messages[0]); i++) {
        int rc = sec_fx_run_mock(lists[i], err, sizeof(err));

        if (rc != 2 || strstr(err, messages[i]) == NULL) {
            fail_msg("case %zu: exit %d, stderr: %s", i, rc, err);
        }
        /* No key material in a message. */
        assert_null(strstr(err, "PRIVATE KEY-----\n"));
    }
}

/* ---- TLS for deliveries ----------------------------------------------------------- */

/* One mock run against the https receiver; returns the first call record
 * (the caller decrefs). */
static json_t *deliver_once(struct sec_fx_rx *rx, const char *const *flags)
{
    const char *args[16] = {"--api-key", KEY, "--max-attempts", "1", "--no-access-log"};
    size_t n = 5;
    struct proc *p = NULL;
    struct sec_fx_target t = {"http", 0, KEY, NULL, false};
    char url[128];
    char id[64];
    json_t *calls;
    json_t *call;

    for (size_t i = 0; flags[i] != NULL && n < 15; i++) {
        args[n++] = flags[i];
    }
    args[n] = NULL;
    p = sec_fx_start_mock(args);
    t.port = p->port;
    snprintf(url, sizeof(url), "https://127.0.0.1:%u/ok", rx->port);
    sec_fx_create_hook(&t, url, SECRET_A, id, sizeof(id));
    assert_int_equal(
        sec_fx_api(&t, "POST", "/mock/events", "{\"topic\":\"message.received\"}", NULL), 202);
    calls = sec_fx_calls_wait(&t, "", 1);
    call = json_incref(json_array_get(calls, 0));
    json_decref(calls);
    sec_fx_stop_mock(p);
    return call;
}

static void https_receivers(void **state)
{
    (void)state;
    sec_fx_need_tls();
    char *cert = sec_fx_read_file(sec_fx_tls.cert);
    char *key = sec_fx_read_file(sec_fx_tls.key);
    struct sec_fx_rx *rx = sec_fx_rx_start(cert, key);
    const char *with_ca[] = {"--ca-file", sec_fx_tls.cert, NULL};
    const char *system_store[] = {NULL};
    const char *insecure[] = {"--insecure", NULL};
    json_t *call;

    /* Verified against the given CA: delivered. */
    call = deliver_once(rx, with_ca);
    assert_string_equal(sec_fx_jstr(call, "outcome"), "succeeded");
    assert_int_equal(json_integer_value(json_object_get(call, "response_status")), 200);
    assert_true(json_is_null(json_object_get(call, "error")));
    json_decref(call);
    assert_int_equal(sec_fx_rx_count(rx), 1);

    /* Verification is on by default: the system's CAs do not know this
     * certificate, so the attempt fails as a TLS error and nothing
     * reaches the receiver's handler. */
    call = deliver_once(rx, system_store);
    assert_string_equal(sec_fx_jstr(call, "outcome"), "gave_up");
    assert_string_equal(sec_fx_jstr(call, "error"), "tls");
    assert_true(json_is_null(json_object_get(call, "response_status")));
    json_decref(call);
    assert_int_equal(sec_fx_rx_count(rx), 1);

    /* --insecure: not verified, delivered. */
    call = deliver_once(rx, insecure);
    assert_string_equal(sec_fx_jstr(call, "outcome"), "succeeded");
    json_decref(call);
    assert_int_equal(sec_fx_rx_count(rx), 2);

    sec_fx_rx_stop(rx);
    memset(key, 0, strlen(key));
    free(key);
    free(cert);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(https_api, sec_fx_teardown),
        cmocka_unit_test(tls_flag_errors),
        cmocka_unit_test_teardown(https_receivers, sec_fx_teardown),
    };
    return cmocka_run_group_tests(tests, sec_fx_group_setup, sec_fx_group_teardown);
}
