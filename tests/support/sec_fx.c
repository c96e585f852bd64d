/* Test support: the fixture of the mock program's security tests (see
 * sec_fx.h). */
#include "support/sec_fx.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/log.h"
#include "mock_server/server.h"
#include "support/mock_prog.h"
#include "support/need.h"

#define LOG_MAX     (512 * 1024)
#define PEM_MAX     (64 * 1024)
#define TRANSCRIPT0 (64 * 1024)

struct sec_fx_tls sec_fx_tls;

/* Makes a self-signed certificate for 127.0.0.1 and its key. 0 or -1. */
int sec_fx_make_cert(const char *cert, const char *key)
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

int sec_fx_group_setup(void **state)
{
    (void)state;
    unsetenv(MS_API_KEY_ENV);
    log_set_level(LOG_LEVEL_ERROR); /* the in-process receivers stay quiet */
    snprintf(sec_fx_tls.dir, sizeof(sec_fx_tls.dir), "/tmp/vambe-security-%d", (int)getpid());
    snprintf(sec_fx_tls.cert, sizeof(sec_fx_tls.cert), "%s/cert.pem", sec_fx_tls.dir);
    snprintf(sec_fx_tls.key, sizeof(sec_fx_tls.key), "%s/key.pem", sec_fx_tls.dir);
    if (mkdir(sec_fx_tls.dir, 0700) != 0) {
        return -1;
    }
    sec_fx_tls.have =
        access(OPENSSL, X_OK) == 0 && sec_fx_make_cert(sec_fx_tls.cert, sec_fx_tls.key) == 0;
    return 0;
}

int sec_fx_group_teardown(void **state)
{
    char path[256];
    const char *files[] = {"cert.pem", "key.pem", "cert2.pem", "key2.pem", "empty.pem"};

    (void)state;
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", sec_fx_tls.dir, files[i]);
        unlink(path);
    }
    rmdir(sec_fx_tls.dir);
    return 0;
}

void sec_fx_need_tls(void)
{
    test_need(sec_fx_tls.have, OPENSSL " to make a certificate (missing or failed)");
}

char *sec_fx_read_file(const char *path)
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

struct sec_fx_transcript sec_fx_transcript;

static void transcript_add(const char *s, size_t n)
{
    if (s == NULL) {
        return;
    }
    while (sec_fx_transcript.len + n + 2 > sec_fx_transcript.cap) {
        sec_fx_transcript.cap = sec_fx_transcript.cap > 0 ? sec_fx_transcript.cap * 2 : TRANSCRIPT0;
        sec_fx_transcript.p = realloc(sec_fx_transcript.p, sec_fx_transcript.cap);
        assert_non_null(sec_fx_transcript.p);
    }
    memcpy(sec_fx_transcript.p + sec_fx_transcript.len, s, n);
    sec_fx_transcript.len += n;
    sec_fx_transcript.p[sec_fx_transcript.len++] = '\n';
    sec_fx_transcript.p[sec_fx_transcript.len] = '\0';
}

static void transcript_free(void)
{
    free(sec_fx_transcript.p);
    memset(&sec_fx_transcript, 0, sizeof(sec_fx_transcript));
}

/* One request; fills resp (the caller cleans it up). Every answer goes to
 * the transcript. */
void sec_fx_request(const struct sec_fx_target *t, const char *method, const char *path,
                    const char *body, struct http_response *resp)
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
long sec_fx_api(const struct sec_fx_target *t, const char *method, const char *path,
                const char *body, json_t **out)
{
    struct http_response resp;
    long status;

    sec_fx_request(t, method, path, body, &resp);
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

struct proc *sec_fx_start_mock(const char *const *extra)
{
    char *argv[40];
    size_t n = 0;
    struct proc *p;

    assert_true(n_procs < sizeof(procs) / sizeof(procs[0]));
    p = &procs[n_procs++];
    argv[n++] = (char *)mock_prog_bin();
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

void sec_fx_stop_mock(struct proc *p)
{
    assert_int_equal(proc_stop(p, STOP_MS), 0);
}

int sec_fx_teardown(void **state)
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
int sec_fx_run_mock(const char *const *args, char *err, size_t err_size)
{
    char *argv[24];
    size_t n = 0;

    argv[n++] = (char *)mock_prog_bin();
    for (size_t i = 0; args[i] != NULL && n < 23; i++) {
        argv[n++] = (char *)args[i];
    }
    argv[n] = NULL;
    return proc_run(argv, NULL, 0, err, err_size, 10000);
}

const char *sec_fx_jstr(const json_t *obj, const char *key)
{
    const char *v = json_string_value(json_object_get(obj, key));
    return v != NULL ? v : "";
}

/* Polls the call log (bounded) until it holds at least n records matching
 * query; returns them (the caller decrefs). */
json_t *sec_fx_calls_wait(const struct sec_fx_target *t, const char *query, size_t n)
{
    char path[512];
    uint64_t deadline = clock_mono_us() + (uint64_t)WAIT_MS * 1000u;

    snprintf(path, sizeof(path), "/api/webhooks/calls?limit=500%s%s", query[0] ? "&" : "", query);
    for (;;) {
        json_t *j = NULL;

        assert_int_equal(sec_fx_api(t, "GET", path, NULL, &j), 200);
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

void sec_fx_create_hook(const struct sec_fx_target *t, const char *url, const char *secret,
                        char *id, size_t id_size)
{
    char body[512];
    json_t *j = NULL;

    snprintf(body, sizeof(body),
             "{\"topic\":\"message.received\",\"url\":\"%s\",\"secret\":\"%s\"}", url, secret);
    assert_int_equal(sec_fx_api(t, "POST", "/api/webhooks", body, &j), 201);
    snprintf(id, id_size, "%s", sec_fx_jstr(j, "id"));
    json_decref(j);
}

static void rx_record(struct sec_fx_rx *rx, const struct http_server_request *req)
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
struct sec_fx_rx *sec_fx_rx_start(const char *cert_pem, const char *key_pem)
{
    struct sec_fx_rx *rx = calloc(1, sizeof(*rx));
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

size_t sec_fx_rx_count(struct sec_fx_rx *rx)
{
    size_t n;

    pthread_mutex_lock(&rx->lock);
    n = rx->n;
    pthread_mutex_unlock(&rx->lock);
    return n;
}

void sec_fx_rx_stop(struct sec_fx_rx *rx)
{
    http_server_stop(rx->srv);
    pthread_mutex_destroy(&rx->lock);
    free(rx);
}
