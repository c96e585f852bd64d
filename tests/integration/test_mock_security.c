/* The real vambe-mock program and what it guards: where it agrees to
 * listen with the public default key, how it checks the key, that no
 * response and no log line ever holds a secret, the key or a full
 * signature, and TLS on both sides: its own API served over https
 * (--tls-cert/--tls-key) and deliveries to https receivers verified by
 * default (--ca-file, --insecure).
 *
 * The certificates are made by the test with openssl (a self-signed
 * certificate for 127.0.0.1); without /usr/bin/openssl the TLS tests are
 * skipped. Receivers are core/http_server instances in this process, on
 * 127.0.0.1 port 0, plain or https. */
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
#include <sys/stat.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/http_client.h"
#include "core/http_server.h"
#include "core/log.h"
#include "core/signature.h"
#include "mock_server/server.h"
#include "support/need.h"
#include "support/proc.h"

#define KEY         "k3y-SECURITY-test-5f1e9a7c0b"
#define SECRET_A    "whsec_ALPHA-secret-8d41c2f7e9"
#define SECRET_A2   "whsec_ALPHA2-rotated-3b6e0a9d52"
#define SECRET_B    "sh0rt-Zq9" /* under 12 characters: masked as "****" alone */
#define WRONG_KEY   "k3y-SECURITY-test-5f1e9a7c0c"
#define OPENSSL     "/usr/bin/openssl"
#define START_MS    10000
#define STOP_MS     10000
#define WAIT_MS     10000
#define RX_MAX      64
#define LOG_MAX     (512 * 1024)
#define PEM_MAX     (64 * 1024)
#define TRANSCRIPT0 (64 * 1024)

/* ---- fixtures shared by the tests ------------------------------------------ */

/* The certificate files, made once by the group setup. */
static struct {
    char dir[128];
    char cert[192];
    char key[192];
    bool have; /* false: openssl is missing, TLS tests skip */
} tls;

static const char *mock_bin(void)
{
    const char *bin = proc_bin("VAMBE_MOCK_BIN");

    if (bin == NULL) {
        fail_msg("VAMBE_MOCK_BIN is not set");
    }
    return bin;
}

/* Makes a self-signed certificate for 127.0.0.1 and its key. 0 or -1. */
static int make_cert(const char *cert, const char *key)
{
    char err[8192];
    char *argv[] = {
        OPENSSL,      "req",   "-x509",         "-newkey",   "rsa:2048",
        "-nodes",     "-subj", "/CN=127.0.0.1", "-addext",   "subjectAltName=IP:127.0.0.1",
        "-days",      "1",     "-keyout",       (char *)key, "-out",
        (char *)cert, NULL};
    int rc = proc_run(argv, NULL, 0, err, sizeof(err), 30000);

    if (rc != 0) {
        print_error("openssl req failed (%d): %s\n", rc, err);
        return -1;
    }
    return 0;
}

static int group_setup(void **state)
{
    (void)state;
    unsetenv(MS_API_KEY_ENV);
    log_set_level(LOG_LEVEL_ERROR); /* the in-process receivers stay quiet */
    snprintf(tls.dir, sizeof(tls.dir), "/tmp/vambe-security-%d", (int)getpid());
    snprintf(tls.cert, sizeof(tls.cert), "%s/cert.pem", tls.dir);
    snprintf(tls.key, sizeof(tls.key), "%s/key.pem", tls.dir);
    if (mkdir(tls.dir, 0700) != 0) {
        return -1;
    }
    tls.have = access(OPENSSL, X_OK) == 0 && make_cert(tls.cert, tls.key) == 0;
    return 0;
}

static int group_teardown(void **state)
{
    char path[256];
    const char *files[] = {"cert.pem", "key.pem", "cert2.pem", "key2.pem", "empty.pem"};

    (void)state;
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", tls.dir, files[i]);
        unlink(path);
    }
    rmdir(tls.dir);
    return 0;
}

static void need_tls(void)
{
    test_need(tls.have, OPENSSL " to make a certificate (missing or failed)");
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf = calloc(1, PEM_MAX + 1);
    size_t n;

    assert_non_null(f);
    assert_non_null(buf);
    n = fread(buf, 1, PEM_MAX, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

/* ---- everything the mock answered, kept for the grep at the end ------------ */

static struct {
    char *p;
    size_t len;
    size_t cap;
} transcript;

static void transcript_add(const char *s, size_t n)
{
    if (s == NULL) {
        return;
    }
    while (transcript.len + n + 2 > transcript.cap) {
        transcript.cap = transcript.cap > 0 ? transcript.cap * 2 : TRANSCRIPT0;
        transcript.p = realloc(transcript.p, transcript.cap);
        assert_non_null(transcript.p);
    }
    memcpy(transcript.p + transcript.len, s, n);
    transcript.len += n;
    transcript.p[transcript.len++] = '\n';
    transcript.p[transcript.len] = '\0';
}

static void transcript_free(void)
{
    free(transcript.p);
    memset(&transcript, 0, sizeof(transcript));
}

/* ---- talking to the mock ---------------------------------------------------- */

struct target {
    const char *scheme; /* "http" or "https" */
    unsigned port;
    const char *key;     /* x-api-key, NULL: none */
    const char *ca_file; /* https: the CA to trust */
    bool insecure;
};

/* One request; fills resp (the caller cleans it up). Every answer goes to
 * the transcript. */
static void request(const struct target *t, const char *method, const char *path, const char *body,
                    struct http_response *resp)
{
    struct http_client_opts co = {.ca_file = t->ca_file, .insecure = t->insecure};
    struct http_client *c = http_client_new(&co);
    struct http_request req;
    char url[512];
    char key_line[300];
    const char *headers[2];
    size_t n = 0;

    assert_non_null(c);
    memset(&req, 0, sizeof(req));
    memset(resp, 0, sizeof(*resp));
    snprintf(url, sizeof(url), "%s://127.0.0.1:%u%s", t->scheme, t->port, path);
    if (t->key != NULL) {
        snprintf(key_line, sizeof(key_line), "x-api-key: %s", t->key);
        headers[n++] = key_line;
    }
    if (body != NULL) {
        headers[n++] = "Content-Type: application/json";
        req.body = body;
        req.body_len = strlen(body);
    }
    req.method = method;
    req.url = url;
    req.headers = headers;
    req.n_headers = n;
    req.timeout_ms = 10000;
    req.max_body = 8 * 1024 * 1024;
    assert_int_equal(http_client_run(c, &req, resp, 1, 1), 0);
    http_client_free(c);
    transcript_add(resp->headers, resp->headers_len);
    transcript_add(resp->body, resp->body_len);
}

/* A request that must get an answer: returns the status and the parsed
 * body in *out (may be NULL; the caller decrefs). */
static long api(const struct target *t, const char *method, const char *path, const char *body,
                json_t **out)
{
    struct http_response resp;
    long status;

    request(t, method, path, body, &resp);
    if (resp.error != HTTP_ERROR_NONE) {
        fail_msg("%s %s: %s", method, path, resp.error_text);
    }
    status = resp.status;
    if (out != NULL) {
        *out = json_loadb(resp.body, resp.body_len, 0, NULL);
    }
    http_response_cleanup(&resp);
    return status;
}

/* The mocks a test started: its teardown kills those still running (a
 * failed assertion leaves the test early) and removes their files. */
static struct proc procs[4];
static size_t n_procs;

static struct proc *start_mock(const char *const *extra)
{
    char *argv[40];
    size_t n = 0;
    struct proc *p;

    assert_true(n_procs < sizeof(procs) / sizeof(procs[0]));
    p = &procs[n_procs++];
    argv[n++] = (char *)mock_bin();
    argv[n++] = "serve";
    for (size_t i = 0; extra != NULL && extra[i] != NULL && n < 38; i++) {
        argv[n++] = (char *)extra[i];
    }
    argv[n] = NULL;
    if (proc_start(p, argv, true, START_MS) != 0) {
        static char log[8192];

        proc_read_log(p, log, sizeof(log));
        fail_msg("vambe-mock did not start: %s", log);
    }
    return p;
}

static void stop_mock(struct proc *p)
{
    assert_int_equal(proc_stop(p, STOP_MS), 0);
}

static int teardown(void **state)
{
    (void)state;
    for (size_t i = 0; i < n_procs; i++) {
        proc_kill(&procs[i]);
        if (procs[i].port_file[0] != '\0') {
            unlink(procs[i].port_file);
        }
        if (procs[i].log_file[0] != '\0') {
            unlink(procs[i].log_file);
        }
    }
    n_procs = 0;
    transcript_free();
    return 0;
}

/* Runs `vambe-mock <args>` to completion; returns the exit code, stderr in
 * err. */
static int run_mock(const char *const *args, char *err, size_t err_size)
{
    char *argv[24];
    size_t n = 0;

    argv[n++] = (char *)mock_bin();
    for (size_t i = 0; args[i] != NULL && n < 23; i++) {
        argv[n++] = (char *)args[i];
    }
    argv[n] = NULL;
    return proc_run(argv, NULL, 0, err, err_size, 10000);
}

static const char *jstr(const json_t *obj, const char *key)
{
    const char *v = json_string_value(json_object_get(obj, key));
    return v != NULL ? v : "";
}

/* Polls the call log (bounded) until it holds at least n records matching
 * query; returns them (the caller decrefs). */
static json_t *calls_wait(const struct target *t, const char *query, size_t n)
{
    char path[512];
    uint64_t deadline = clock_mono_us() + (uint64_t)WAIT_MS * 1000u;

    snprintf(path, sizeof(path), "/api/webhooks/calls?limit=500%s%s", query[0] ? "&" : "", query);
    for (;;) {
        json_t *j = NULL;

        assert_int_equal(api(t, "GET", path, NULL, &j), 200);
        if (json_array_size(json_object_get(j, "data")) >= n) {
            json_t *data = json_incref(json_object_get(j, "data"));

            json_decref(j);
            return data;
        }
        json_decref(j);
        if (clock_mono_us() > deadline) {
            fail_msg("the call log has fewer than %zu records for '%s'", n, query);
        }
        clock_sleep_us(5000); /* polling the call log */
    }
}

static void create_hook(const struct target *t, const char *url, const char *secret, char *id,
                        size_t id_size)
{
    char body[512];
    json_t *j = NULL;

    snprintf(body, sizeof(body),
             "{\"topic\":\"message.received\",\"url\":\"%s\",\"secret\":\"%s\"}", url, secret);
    assert_int_equal(api(t, "POST", "/api/webhooks", body, &j), 201);
    snprintf(id, id_size, "%s", jstr(j, "id"));
    json_decref(j);
}

/* ---- an in-process receiver ---------------------------------------------------- */

struct rx {
    struct http_server *srv;
    unsigned port;
    pthread_mutex_t lock;
    size_t n;
    char sigs[RX_MAX][SIGNATURE_MAX + 1]; /* the full signatures it was sent */
};

static void rx_record(struct rx *rx, const struct http_server_request *req)
{
    const char *sig = http_server_header(req, "x-vambe-signature");

    pthread_mutex_lock(&rx->lock);
    if (rx->n < RX_MAX) {
        snprintf(rx->sigs[rx->n], sizeof(rx->sigs[rx->n]), "%s", sig != NULL ? sig : "");
    }
    rx->n++;
    pthread_mutex_unlock(&rx->lock);
}

static void rx_ok(void *ctx, const struct http_server_request *req, struct http_server_reply *rep)
{
    rx_record(ctx, req);
    http_reply_text(rep, 200, "text/plain", "ok", 2);
}

static void rx_fail(void *ctx, const struct http_server_request *req, struct http_server_reply *rep)
{
    rx_record(ctx, req);
    http_reply_text(rep, 500, "text/plain", "failing on purpose", 18);
}

static const struct http_route rx_routes[] = {
    {"POST", "/ok", rx_ok},
    {"POST", "/fail", rx_fail},
};

/* Starts a receiver; https when cert_pem is set. */
static struct rx *rx_start(const char *cert_pem, const char *key_pem)
{
    struct rx *rx = calloc(1, sizeof(*rx));
    struct http_server_opts o;
    struct err e = {{0}};

    assert_non_null(rx);
    pthread_mutex_init(&rx->lock, NULL);
    memset(&o, 0, sizeof(o));
    o.routes = rx_routes;
    o.n_routes = sizeof(rx_routes) / sizeof(rx_routes[0]);
    o.ctx = rx;
    o.threads = 2;
    o.tls_cert_pem = cert_pem;
    o.tls_key_pem = key_pem;
    rx->srv = http_server_start(&o, &e);
    if (rx->srv == NULL) {
        fail_msg("receiver: %s", e.msg);
    }
    rx->port = http_server_port(rx->srv);
    return rx;
}

static size_t rx_count(struct rx *rx)
{
    size_t n;

    pthread_mutex_lock(&rx->lock);
    n = rx->n;
    pthread_mutex_unlock(&rx->lock);
    return n;
}

static void rx_stop(struct rx *rx)
{
    http_server_stop(rx->srv);
    pthread_mutex_destroy(&rx->lock);
    free(rx);
}

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

    assert_int_equal(run_mock(any4, err, sizeof(err)), 2);
    if (strstr(err, "vambe-mock: refusing to listen on 0.0.0.0 with the public default API key; "
                    "set --api-key or VAMBE_MOCK_API_KEY") == NULL) {
        fail_msg("stderr: %s", err);
    }
    assert_int_equal(run_mock(any6, err, sizeof(err)), 2);
    assert_non_null(strstr(err, "refusing to listen on :: with the public default API key"));
    assert_int_equal(run_mock(explicit_default, err, sizeof(err)), 2);
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
    assert_int_equal(run_mock(own_key, err, sizeof(err)), 2);
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
    assert_int_equal(run_mock(env_key, err, sizeof(err)), 2);
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
    struct target t = {"http", 0, KEY, NULL, false};

    p = start_mock(args);
    t.port = p->port;
    assert_int_equal(api(&t, "GET", "/api/webhooks", NULL, NULL), 200);
    for (size_t i = 0; i < sizeof(wrong) / sizeof(wrong[0]); i++) {
        json_t *j = NULL;

        t.key = wrong[i];
        if (api(&t, "GET", "/api/webhooks", NULL, &j) != 401) {
            fail_msg("key '%s' was accepted", wrong[i]);
        }
        assert_string_equal(jstr(j, "message"), "x-api-key: invalid API key");
        json_decref(j);
    }
    t.key = NULL;
    assert_int_equal(api(&t, "GET", "/mock/config", NULL, NULL), 401);
    stop_mock(p);
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
    struct rx *rx = rx_start(NULL, NULL);
    struct proc *p = NULL;
    struct target t = {"http", 0, KEY, NULL, false};
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

    p = start_mock(args);
    t.port = p->port;
    snprintf(url_ok, sizeof(url_ok), "http://127.0.0.1:%u/ok", rx->port);
    snprintf(url_fail, sizeof(url_fail), "http://127.0.0.1:%u/fail", rx->port);
    create_hook(&t, url_ok, SECRET_A, id_a, sizeof(id_a));
    create_hook(&t, url_fail, SECRET_B, id_b, sizeof(id_b));

    /* Masked on every read: the last four characters of a long secret,
     * nothing of a short one. */
    snprintf(path, sizeof(path), "/api/webhooks/%s", id_a);
    assert_int_equal(api(&t, "GET", path, NULL, &j), 200);
    assert_string_equal(jstr(j, "secret"), "****f7e9");
    json_decref(j);
    snprintf(body, sizeof(body), "{\"secret\":\"%s\"}", SECRET_A2);
    assert_int_equal(api(&t, "PUT", path, body, &j), 200);
    assert_string_equal(jstr(j, "secret"), "****9d52");
    json_decref(j);
    assert_int_equal(api(&t, "GET", "/api/webhooks", NULL, &j), 200);
    assert_int_equal(json_array_size(j), 2);
    assert_string_equal(jstr(json_array_get(j, 0), "secret"), "****9d52");
    assert_string_equal(jstr(json_array_get(j, 1), "secret"), "****");
    json_decref(j);
    /* A refused body that carries a secret does not echo it. */
    snprintf(body, sizeof(body), "{\"topic\":\"nope\",\"url\":\"%s\",\"secret\":\"%s\"}", url_ok,
             SECRET_A);
    assert_int_equal(api(&t, "POST", "/api/webhooks", body, NULL), 400);
    /* Nor does a body refused for its syntax (jansson quotes the text
     * near the fault), on any endpoint. */
    const char *const malformed[][2] = {{"POST", "/api/webhooks"},
                                        {"PUT", path},
                                        {"POST", "/mock/events"},
                                        {"PUT", "/mock/config"}};
    for (size_t i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
        snprintf(body, sizeof(body), "{\"secret\":\"%s", SECRET_A);
        assert_int_equal(api(&t, malformed[i][0], malformed[i][1], body, &j), 400);
        assert_non_null(strstr(jstr(j, "message"), "body: invalid JSON: line 1"));
        json_decref(j);
        snprintf(body, sizeof(body), "{\"secret\":%s}", SECRET_A);
        assert_int_equal(api(&t, malformed[i][0], malformed[i][1], body, NULL), 400);
    }

    /* Deliveries: 3 successes to A, 3 x 2 failed attempts to B. */
    assert_int_equal(
        api(&t, "POST", "/mock/events", "{\"topic\":\"message.received\",\"count\":3}", NULL), 202);
    calls = calls_wait(&t, "", 9);
    json_decref(calls);
    calls = calls_wait(&t, "outcome=gave_up", 3);
    snprintf(path, sizeof(path), "/mock/calls/%s/replay", jstr(json_array_get(calls, 0), "id"));
    json_decref(calls);
    assert_int_equal(api(&t, "POST", path, NULL, NULL), 202);
    calls = calls_wait(&t, "", 11);
    /* The call log shows a prefix of each signature and its length. */
    for (size_t i = 0; i < json_array_size(calls); i++) {
        const json_t *h = json_object_get(json_array_get(calls, i), "request_headers");
        const char *sig = jstr(h, "x-vambe-signature");

        assert_true(json_is_object(h));
        assert_true(strlen(sig) > 4 && strlen(sig) < 32);
        assert_non_null(strstr(sig, "(64 chars)"));
        saw_signature_header = true;
    }
    assert_true(saw_signature_header);
    json_decref(calls);
    assert_int_equal(api(&t, "GET", "/mock/config", NULL, NULL), 200);
    snprintf(path, sizeof(path), "/api/webhooks/%s", id_b);
    assert_int_equal(api(&t, "DELETE", path, NULL, NULL), 200);
    snprintf(path, sizeof(path), "/api/webhooks/%s/restore", id_b);
    assert_int_equal(api(&t, "POST", path, NULL, NULL), 200);
    t.key = WRONG_KEY;
    assert_int_equal(api(&t, "GET", "/api/webhooks", NULL, NULL), 401);
    stop_mock(p);
    assert_true(rx_count(rx) >= 11);

    /* The grep: answers and log. */
    proc_read_log(p, log, sizeof(log));
    assert_true(strlen(log) < sizeof(log) - 1); /* the whole log was read */
    for (size_t i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++) {
        if (strstr(transcript.p, secrets[i]) != NULL) {
            fail_msg("an answer of the mock holds '%s'", secrets[i]);
        }
        if (strstr(log, secrets[i]) != NULL) {
            fail_msg("the log holds '%s'", secrets[i]);
        }
    }
    for (size_t i = 0; i < rx_count(rx) && i < RX_MAX; i++) {
        assert_int_equal(strlen(rx->sigs[i]), 64);
        if (strstr(transcript.p, rx->sigs[i]) != NULL || strstr(log, rx->sigs[i]) != NULL) {
            fail_msg("the full signature %s was shown", rx->sigs[i]);
        }
    }
    /* Every line is JSON, and -v did log the deliveries. */
    for (char *line = strtok(log, "\n"); line != NULL; line = strtok(NULL, "\n")) {
        json_t *l = json_loads(line, 0, NULL);

        if (!json_is_object(l)) {
            fail_msg("not a JSON log line: %s", line);
        }
        if (strcmp(jstr(l, "level"), "debug") == 0 && strstr(jstr(l, "msg"), "attempt") != NULL) {
            saw_delivery_line = true;
        }
        json_decref(l);
    }
    assert_true(saw_delivery_line);
    rx_stop(rx);
}

/* ---- TLS for the mock's API ------------------------------------------------------ */

static void https_api(void **state)
{
    (void)state;
    need_tls();
    const char *args[] = {"--api-key", KEY, "--tls-cert", tls.cert, "--tls-key", tls.key, NULL};
    struct proc *p = NULL;
    struct http_response resp;
    struct target t = {"https", 0, NULL, tls.cert, false};
    char want[128];
    char log[8192];
    char out[512];
    char err[4096];
    char server[128];

    p = start_mock(args);
    t.port = p->port;
    proc_read_log(p, log, sizeof(log));
    snprintf(want, sizeof(want), "vambe-mock: listening on https://127.0.0.1:%u\n", p->port);
    if (strstr(log, want) == NULL) {
        fail_msg("log: %s", log);
    }
    /* Trusting the certificate: it works. */
    assert_int_equal(api(&t, "GET", "/mock/health", NULL, NULL), 200);
    t.key = KEY;
    assert_int_equal(api(&t, "GET", "/api/webhooks", NULL, NULL), 200);
    /* Not trusting it: a TLS failure, no answer. */
    t.ca_file = NULL;
    request(&t, "GET", "/mock/health", NULL, &resp);
    assert_int_equal(resp.error, HTTP_ERROR_TLS);
    assert_int_equal(resp.status, 0);
    http_response_cleanup(&resp);
    /* Not checking it: works. */
    t.insecure = true;
    assert_int_equal(api(&t, "GET", "/mock/health", NULL, NULL), 200);
    /* Plain HTTP on the https port gets no HTTP answer. */
    t.scheme = "http";
    request(&t, "GET", "/mock/health", NULL, &resp);
    assert_true(resp.error != HTTP_ERROR_NONE || resp.status != 200);
    http_response_cleanup(&resp);

    /* `vambe-mock trigger` reaches it with --ca-file, fails without. */
    snprintf(server, sizeof(server), "https://127.0.0.1:%u", p->port);
    char *with_ca[] = {(char *)mock_bin(), "trigger", "message.received", "--server", server,
                       "--api-key",        KEY,       "--ca-file",        tls.cert,   NULL};
    char *without_ca[] = {(char *)mock_bin(),
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
    stop_mock(p);
}

/* Bad TLS flags: exit 2, naming the flag and the file. */
static void tls_flag_errors(void **state)
{
    (void)state;
    need_tls();
    char cert2[256];
    char key2[256];
    char empty[256];
    char err[4096];
    FILE *f;

    snprintf(cert2, sizeof(cert2), "%s/cert2.pem", tls.dir);
    snprintf(key2, sizeof(key2), "%s/key2.pem", tls.dir);
    snprintf(empty, sizeof(empty), "%s/empty.pem", tls.dir);
    assert_int_equal(make_cert(cert2, key2), 0);
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
        {"serve", "--port", "0", "--tls-cert", tls.cert, NULL},
        {"serve", "--port", "0", "--tls-key", tls.key, NULL},
        {"serve", "--port", "0", "--tls-cert", "/nonexistent/cert.pem", "--tls-key", tls.key, NULL},
        {"serve", "--port", "0", "--tls-cert", tls.cert, "--tls-key", "/nonexistent/key.pem", NULL},
        {"serve", "--port", "0", "--tls-cert", empty, "--tls-key", tls.key, NULL},
        {"serve", "--port", "0", "--tls-cert", tls.cert, "--tls-key", cert2, NULL},
        {"serve", "--port", "0", "--tls-cert", tls.cert, "--tls-key", key2, NULL}, /* mismatch */
        {"serve", "--port", "0", "--tls-cert", "", "--tls-key", tls.key, NULL},
    };
    for (size_t i = 0; i < sizeof(messages) / sizeof(messages[0]); i++) {
        int rc = run_mock(lists[i], err, sizeof(err));

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
static json_t *deliver_once(struct rx *rx, const char *const *flags)
{
    const char *args[16] = {"--api-key", KEY, "--max-attempts", "1", "--no-access-log"};
    size_t n = 5;
    struct proc *p = NULL;
    struct target t = {"http", 0, KEY, NULL, false};
    char url[128];
    char id[64];
    json_t *calls;
    json_t *call;

    for (size_t i = 0; flags[i] != NULL && n < 15; i++) {
        args[n++] = flags[i];
    }
    args[n] = NULL;
    p = start_mock(args);
    t.port = p->port;
    snprintf(url, sizeof(url), "https://127.0.0.1:%u/ok", rx->port);
    create_hook(&t, url, SECRET_A, id, sizeof(id));
    assert_int_equal(api(&t, "POST", "/mock/events", "{\"topic\":\"message.received\"}", NULL),
                     202);
    calls = calls_wait(&t, "", 1);
    call = json_incref(json_array_get(calls, 0));
    json_decref(calls);
    stop_mock(p);
    return call;
}

static void https_receivers(void **state)
{
    (void)state;
    need_tls();
    char *cert = read_file(tls.cert);
    char *key = read_file(tls.key);
    struct rx *rx = rx_start(cert, key);
    const char *with_ca[] = {"--ca-file", tls.cert, NULL};
    const char *system_store[] = {NULL};
    const char *insecure[] = {"--insecure", NULL};
    json_t *call;

    /* Verified against the given CA: delivered. */
    call = deliver_once(rx, with_ca);
    assert_string_equal(jstr(call, "outcome"), "succeeded");
    assert_int_equal(json_integer_value(json_object_get(call, "response_status")), 200);
    assert_true(json_is_null(json_object_get(call, "error")));
    json_decref(call);
    assert_int_equal(rx_count(rx), 1);

    /* Verification is on by default: the system's CAs do not know this
     * certificate, so the attempt fails as a TLS error and nothing
     * reaches the receiver's handler. */
    call = deliver_once(rx, system_store);
    assert_string_equal(jstr(call, "outcome"), "gave_up");
    assert_string_equal(jstr(call, "error"), "tls");
    assert_true(json_is_null(json_object_get(call, "response_status")));
    json_decref(call);
    assert_int_equal(rx_count(rx), 1);

    /* --insecure: not verified, delivered. */
    call = deliver_once(rx, insecure);
    assert_string_equal(jstr(call, "outcome"), "succeeded");
    json_decref(call);
    assert_int_equal(rx_count(rx), 2);

    rx_stop(rx);
    memset(key, 0, strlen(key));
    free(key);
    free(cert);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(loopback_rule),
        cmocka_unit_test(default_key_refused_off_loopback),
        cmocka_unit_test_teardown(only_the_exact_key, teardown),
        cmocka_unit_test_teardown(secrets_never_leak, teardown),
        cmocka_unit_test_teardown(https_api, teardown),
        cmocka_unit_test(tls_flag_errors),
        cmocka_unit_test_teardown(https_receivers, teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
