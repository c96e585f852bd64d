/* core/http_client against an in-test server built on core/http_server
 * (127.0.0.1, port 0): statuses, timeouts, the body cap, redirects not
 * followed, refused connections, concurrency (run and add/poll), headers
 * both ways, timings and TLS; and against a raw socket server: broken
 * chunked encodings, a header over libcurl's limit and a reset. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above. */
#include <cmocka.h>

#include <arpa/inet.h>
#include <microhttpd.h> /* only to read the peer's port in h_peer */
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/err.h"
#include "core/http_client.h"
#include "core/http_server.h"
#include "core/jsonh.h"

#define BIG_LEN 10000

/* A self-signed certificate for localhost and 127.0.0.1, valid from 2000
 * to 2999, made for this test only with Python's cryptography package
 * (x509.CertificateBuilder, an EC P-256 key, SHA-256, subjectAltName
 * DNS:localhost + IP:127.0.0.1, basicConstraints CA:TRUE). */
static const char test_cert_pem[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBXDCCAQGgAwIBAgIURcNZbtpTF208dBHPNG0MWc5u3hAwCgYIKoZIzj0EAwIw\n"
    "FDESMBAGA1UEAwwJbG9jYWxob3N0MCAXDTAwMDEwMTAwMDAwMFoYDzI5OTkxMjMx\n"
    "MDAwMDAwWjAUMRIwEAYDVQQDDAlsb2NhbGhvc3QwWTATBgcqhkjOPQIBBggqhkjO\n"
    "PQMBBwNCAAQ+joH1kHh24eufeHXrSgpBVY5KQHyRShsQlZNm43BmVMWeusTrS4Dv\n"
    "TOJ1Fi3Ssv2uGSxqPa2jIhbw+eEPKat6oy8wLTAaBgNVHREEEzARgglsb2NhbGhv\n"
    "c3SHBH8AAAEwDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNJADBGAiEAx480\n"
    "Gf2aespPpBEz4ZFzizSkbKBZVLb5Kjrq1XCGesMCIQDz5cvtr07GYGP8r/aEsakJ\n"
    "emcnc9pSFk0EcbhJB/ZpAg==\n"
    "-----END CERTIFICATE-----\n";
static const char test_key_pem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgoL02YCZhjfKEITfy\n"
    "qEWDkl4VcddvM4UBb6BR1LgEglShRANCAAQ+joH1kHh24eufeHXrSgpBVY5KQHyR\n"
    "ShsQlZNm43BmVMWeusTrS4DvTOJ1Fi3Ssv2uGSxqPa2jIhbw+eEPKat6\n"
    "-----END PRIVATE KEY-----\n";

/* What the in-test server shares with the tests. Handlers run on server
 * threads, so they never assert: they record, the test thread checks. */
struct srv_state {
    struct http_server *server;
    unsigned port;
    atomic_int target_calls;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool release_slow; /* lets /slow answer */
    int inflight;      /* /barrier handlers running now */
    int max_inflight;
    int barrier_target;
    bool barrier_open;
};

static void deadline_in(struct timespec *ts, int seconds)
{
    clock_gettime(CLOCK_REALTIME, ts);
    ts->tv_sec += seconds;
}

/* ---- handlers ----------------------------------------------------------- */

static void h_status(void *ctx, const struct http_server_request *req,
                     struct http_server_reply *rep)
{
    char *end = NULL;
    unsigned long code = strtoul(req->params[0], &end, 10);
    char text[32];
    int n;

    (void)ctx;
    if (*end != '\0' || code < 200 || code > 599) {
        http_reply_error(rep, 400, "bad status '%s'", req->params[0]);
        return;
    }
    n = snprintf(text, sizeof(text), "status %lu", code);
    http_reply_text(rep, (unsigned)code, "text/plain", text, (size_t)n);
}

static void h_big(void *ctx, const struct http_server_request *req, struct http_server_reply *rep)
{
    char *body = malloc(BIG_LEN);

    (void)ctx;
    (void)req;
    for (size_t i = 0; i < BIG_LEN; i++) {
        body[i] = (char)('a' + i % 26);
    }
    rep->status = 200;
    rep->content_type = "application/octet-stream";
    rep->body = body;
    rep->body_len = BIG_LEN;
}

static void h_redirect(void *ctx, const struct http_server_request *req,
                       struct http_server_reply *rep)
{
    (void)ctx;
    (void)req;
    rep->status = 302;
    http_reply_header(rep, "Location", "/target");
}

static void h_target(void *ctx, const struct http_server_request *req,
                     struct http_server_reply *rep)
{
    struct srv_state *st = ctx;

    (void)req;
    atomic_fetch_add(&st->target_calls, 1);
    http_reply_text(rep, 200, NULL, "target", 6);
}

/* Answers only when the test releases it (or after 5 s). */
static void h_slow(void *ctx, const struct http_server_request *req, struct http_server_reply *rep)
{
    struct srv_state *st = ctx;
    struct timespec deadline;
    int rc = 0;

    (void)req;
    deadline_in(&deadline, 5);
    pthread_mutex_lock(&st->lock);
    while (!st->release_slow && rc == 0) {
        rc = pthread_cond_timedwait(&st->cond, &st->lock, &deadline);
    }
    pthread_mutex_unlock(&st->lock);
    http_reply_text(rep, 200, NULL, "slow", 4);
}

/* Holds every request until barrier_target of them are inside at once (or
 * 5 s pass), so that the test sees how many overlapped. */
static void h_barrier(void *ctx, const struct http_server_request *req,
                      struct http_server_reply *rep)
{
    struct srv_state *st = ctx;
    struct timespec deadline;
    int rc = 0;

    (void)req;
    deadline_in(&deadline, 5);
    pthread_mutex_lock(&st->lock);
    st->inflight++;
    if (st->inflight > st->max_inflight) {
        st->max_inflight = st->inflight;
    }
    if (st->inflight >= st->barrier_target) {
        st->barrier_open = true;
        pthread_cond_broadcast(&st->cond);
    }
    while (!st->barrier_open && rc == 0) {
        rc = pthread_cond_timedwait(&st->cond, &st->lock, &deadline);
    }
    st->inflight--;
    pthread_mutex_unlock(&st->lock);
    http_reply_text(rep, 200, NULL, "ok", 2);
}

/* Reports what arrived: method, a few headers, the body. */
static void h_echo(void *ctx, const struct http_server_request *req, struct http_server_reply *rep)
{
    const char *x_test = http_server_header(req, "X-Test");

    (void)ctx;
    http_reply_json(rep, 200,
                    json_pack("{s:s, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:I}", "method",
                              req->method, "x_test", x_test, "accept",
                              http_server_header(req, "Accept"), "expect",
                              http_server_header(req, "Expect"), "content_type",
                              http_server_header(req, "Content-Type"), "user_agent",
                              http_server_header(req, "User-Agent"), "i",
                              http_server_query(req, "i"), "body_len", (json_int_t)req->body_len));
    http_reply_header(rep, "X-Echo", x_test != NULL ? x_test : "(none)");
}

/* Answers with the client's port: the same port twice means one connection
 * served both requests. */
static void h_peer(void *ctx, const struct http_server_request *req, struct http_server_reply *rep)
{
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr_in *sin = (const struct sockaddr_in *)(const void *)info->client_addr;
    char text[16];
    int n = snprintf(text, sizeof(text), "%u", (unsigned)ntohs(sin->sin_port));

    (void)ctx;
    http_reply_text(rep, 200, NULL, text, (size_t)n);
}

static const struct http_route routes[] = {
    {"GET", "/status/{}", h_status}, {"GET", "/big", h_big},    {"GET", "/redirect", h_redirect},
    {"GET", "/target", h_target},    {"GET", "/slow", h_slow},  {"GET", "/barrier", h_barrier},
    {"GET", "/echo", h_echo},        {"POST", "/echo", h_echo}, {"PUT", "/echo", h_echo},
    {"DELETE", "/echo", h_echo},     {"HEAD", "/echo", h_echo}, {"GET", "/peer", h_peer},
};

static int group_setup(void **state)
{
    struct srv_state *st = calloc(1, sizeof(*st));
    struct http_server_opts o;
    struct err e;

    atomic_init(&st->target_calls, 0);
    pthread_mutex_init(&st->lock, NULL);
    pthread_cond_init(&st->cond, NULL);
    memset(&o, 0, sizeof(o));
    o.routes = routes;
    o.n_routes = sizeof(routes) / sizeof(routes[0]);
    o.ctx = st;
    o.threads = 0; /* handlers block on purpose: a thread per connection */
    o.max_body = 4 * 1024 * 1024;
    err_clear(&e);
    st->server = http_server_start(&o, &e);
    if (st->server == NULL) {
        fprintf(stderr, "http_server_start: %s\n", e.msg);
        free(st);
        return -1;
    }
    st->port = http_server_port(st->server);
    *state = st;
    return 0;
}

static int group_teardown(void **state)
{
    struct srv_state *st = *state;

    pthread_mutex_lock(&st->lock);
    st->release_slow = true;
    st->barrier_open = true;
    pthread_cond_broadcast(&st->cond);
    pthread_mutex_unlock(&st->lock);
    http_server_stop(st->server);
    pthread_mutex_destroy(&st->lock);
    pthread_cond_destroy(&st->cond);
    free(st);
    return 0;
}

static void url_for(const struct srv_state *st, const char *path, char *out, size_t out_size)
{
    snprintf(out, out_size, "http://127.0.0.1:%u%s", st->port, path);
}

static struct http_request get_req(const char *url)
{
    struct http_request r;

    memset(&r, 0, sizeof(r));
    r.method = "GET";
    r.url = url;
    return r;
}

/* ---- tests -------------------------------------------------------------- */

static void test_statuses(void **state)
{
    struct srv_state *st = *state;
    char urls[3][128];
    struct http_request req[3];
    struct http_response resp[3];
    const long want[3] = {200, 404, 500};
    struct http_client *c = http_client_new(NULL);

    assert_non_null(c);
    for (int i = 0; i < 3; i++) {
        char path[32];

        snprintf(path, sizeof(path), "/status/%ld", want[i]);
        url_for(st, path, urls[i], sizeof(urls[i]));
        req[i] = get_req(urls[i]);
    }
    assert_int_equal(http_client_run(c, req, resp, 3, 3), 0);
    for (int i = 0; i < 3; i++) {
        char text[32];

        snprintf(text, sizeof(text), "status %ld", want[i]);
        assert_int_equal(resp[i].error, HTTP_ERROR_NONE);
        assert_string_equal(resp[i].error_text, "");
        assert_int_equal(resp[i].status, want[i]);
        assert_string_equal(resp[i].body, text);
        assert_int_equal(resp[i].body_len, strlen(text));
        assert_false(resp[i].body_truncated);
        assert_non_null(strstr(resp[i].headers, "HTTP/1.1 "));
        http_response_cleanup(&resp[i]);
    }
    http_client_free(c);
}

static void test_timeout(void **state)
{
    struct srv_state *st = *state;
    char url[128];
    struct http_request req;
    struct http_response resp;
    struct http_client *c = http_client_new(NULL);
    uint64_t t0;
    uint64_t elapsed;

    url_for(st, "/slow", url, sizeof(url));
    req = get_req(url);
    req.timeout_ms = 200;
    t0 = clock_mono_us();
    assert_int_equal(http_client_run(c, &req, &resp, 1, 1), 0);
    elapsed = clock_mono_us() - t0;
    pthread_mutex_lock(&st->lock);
    st->release_slow = true;
    pthread_cond_broadcast(&st->cond);
    pthread_mutex_unlock(&st->lock);

    assert_int_equal(resp.error, HTTP_ERROR_TIMEOUT);
    assert_string_equal(http_error_name(resp.error), "timeout");
    assert_int_equal(resp.status, 0);
    assert_true(strlen(resp.error_text) > 0);
    assert_true(elapsed < 3 * 1000 * 1000); /* a 200 ms timeout fires well before 3 s */
    assert_non_null(resp.body);
    assert_int_equal(resp.body_len, 0);
    http_response_cleanup(&resp);
    http_client_free(c);
}

static void test_body_cap(void **state)
{
    struct srv_state *st = *state;
    char url[128];
    struct http_request req[2];
    struct http_response resp[2];
    struct http_client *c = http_client_new(NULL);

    url_for(st, "/big", url, sizeof(url));
    req[0] = get_req(url);
    req[0].max_body = 1000;
    req[1] = get_req(url); /* the default cap, 64 KiB, is larger */
    assert_int_equal(http_client_run(c, req, resp, 2, 1), 0);

    assert_int_equal(resp[0].error, HTTP_ERROR_NONE);
    assert_int_equal(resp[0].status, 200);
    assert_true(resp[0].body_truncated);
    assert_int_equal(resp[0].body_len, 1000);
    assert_int_equal(strlen(resp[0].body), 1000);
    for (size_t i = 0; i < 1000; i++) {
        assert_int_equal(resp[0].body[i], 'a' + i % 26);
    }
    assert_int_equal(resp[1].error, HTTP_ERROR_NONE);
    assert_false(resp[1].body_truncated);
    assert_int_equal(resp[1].body_len, BIG_LEN);
    http_response_cleanup(&resp[0]);
    http_response_cleanup(&resp[1]);
    http_client_free(c);
}

static void test_redirect_not_followed(void **state)
{
    struct srv_state *st = *state;
    char url[128];
    char location[64];
    struct http_request req;
    struct http_response resp;
    struct http_client *c = http_client_new(NULL);

    url_for(st, "/redirect", url, sizeof(url));
    req = get_req(url);
    assert_int_equal(http_client_run(c, &req, &resp, 1, 1), 0);
    assert_int_equal(resp.error, HTTP_ERROR_NONE);
    assert_int_equal(resp.status, 302);
    assert_int_equal(http_response_header(&resp, "location", location, sizeof(location)), 0);
    assert_string_equal(location, "/target");
    assert_int_equal(atomic_load(&st->target_calls), 0);
    http_response_cleanup(&resp);
    http_client_free(c);
}

static void test_refused(void **state)
{
    struct sockaddr_in a;
    socklen_t len = sizeof(a);
    char url[128];
    struct http_request req;
    struct http_response resp;
    struct http_client *c = http_client_new(NULL);
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    (void)state;
    /* A port that was free a moment ago and has no listener now. */
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    close(fd);
    snprintf(url, sizeof(url), "http://127.0.0.1:%u/", (unsigned)ntohs(a.sin_port));
    req = get_req(url);
    assert_int_equal(http_client_run(c, &req, &resp, 1, 1), 0);
    assert_int_equal(resp.error, HTTP_ERROR_REFUSED);
    assert_string_equal(http_error_name(resp.error), "refused");
    assert_int_equal(resp.status, 0);
    assert_true(strlen(resp.error_text) > 0);
    http_response_cleanup(&resp);
    http_client_free(c);
}

static void barrier_reset(struct srv_state *st, int target)
{
    pthread_mutex_lock(&st->lock);
    st->inflight = 0;
    st->max_inflight = 0;
    st->barrier_target = target;
    st->barrier_open = false;
    pthread_mutex_unlock(&st->lock);
}

static int barrier_max(struct srv_state *st)
{
    int max;

    pthread_mutex_lock(&st->lock);
    max = st->max_inflight;
    pthread_mutex_unlock(&st->lock);
    return max;
}

static void test_run_concurrent(void **state)
{
    struct srv_state *st = *state;
    enum { N = 50 };
    char url[128];
    struct http_request req[N];
    struct http_response resp[N];
    struct http_client *c = http_client_new(NULL);

    url_for(st, "/barrier", url, sizeof(url));
    for (int i = 0; i < N; i++) {
        req[i] = get_req(url);
        req[i].timeout_ms = 10000;
    }
    barrier_reset(st, N);
    assert_int_equal(http_client_run(c, req, resp, N, N), 0);
    for (int i = 0; i < N; i++) {
        assert_int_equal(resp[i].error, HTTP_ERROR_NONE);
        assert_int_equal(resp[i].status, 200);
        assert_string_equal(resp[i].body, "ok");
        http_response_cleanup(&resp[i]);
    }
    /* All 50 were inside the server at the same moment. */
    assert_int_equal(barrier_max(st), N);
    http_client_free(c);
}

static void test_run_concurrency_limit(void **state)
{
    struct srv_state *st = *state;
    enum { N = 12 };
    char url[128];
    struct http_request req[N];
    struct http_response resp[N];
    struct http_client *c = http_client_new(NULL);

    url_for(st, "/barrier", url, sizeof(url));
    for (int i = 0; i < N; i++) {
        req[i] = get_req(url);
        req[i].timeout_ms = 10000;
    }
    barrier_reset(st, 3);
    assert_int_equal(http_client_run(c, req, resp, N, 3), 0);
    for (int i = 0; i < N; i++) {
        assert_int_equal(resp[i].status, 200);
        http_response_cleanup(&resp[i]);
    }
    /* Three at once reached the server, never more. */
    assert_int_equal(barrier_max(st), 3);
    http_client_free(c);
}

struct poll_seen {
    int count[21];
    long status[21];
    struct http_client *c;
    char url[128];
    bool chained;
};

static void on_done(void *arg, void *tag, struct http_response *resp)
{
    struct poll_seen *seen = arg;
    int i = *(int *)tag;

    seen->count[i]++;
    seen->status[i] = resp->status;
    http_response_cleanup(resp);
    /* The callback may add: request 0 chains request 20. */
    if (i == 0 && !seen->chained) {
        static int twenty = 20;
        struct http_request req = get_req(seen->url);

        seen->chained = true;
        http_client_add(seen->c, &req, &twenty);
    }
}

static void test_add_poll(void **state)
{
    struct srv_state *st = *state;
    static int tags[20];
    struct poll_seen seen;
    uint64_t deadline = clock_mono_us() + 10 * 1000 * 1000;
    int rounds = 0;

    memset(&seen, 0, sizeof(seen));
    seen.c = http_client_new(NULL);
    url_for(st, "/status/204", seen.url, sizeof(seen.url));
    for (int i = 0; i < 20; i++) {
        char url[128];
        char path[32];
        struct http_request req;

        tags[i] = i;
        /* Each request's data lives on this stack only until add returns. */
        snprintf(path, sizeof(path), "/echo?i=%d", i);
        url_for(st, path, url, sizeof(url));
        req = get_req(url);
        assert_int_equal(http_client_add(seen.c, &req, &tags[i]), 0);
    }
    assert_int_equal(http_client_pending(seen.c), 20);
    while (http_client_pending(seen.c) > 0 && clock_mono_us() < deadline && rounds < 10000) {
        assert_int_equal(http_client_poll(seen.c, 500, on_done, &seen), 0);
        rounds++;
    }
    assert_int_equal(http_client_pending(seen.c), 0);
    for (int i = 0; i < 21; i++) {
        assert_int_equal(seen.count[i], 1);
        assert_int_equal(seen.status[i], i == 20 ? 204 : 200);
    }
    /* Nothing left: a short poll reports nothing and succeeds. */
    assert_int_equal(http_client_poll(seen.c, 10, on_done, &seen), 0);
    http_client_free(seen.c);
}

static void *wake_thread(void *arg)
{
    http_client_wakeup(arg);
    return NULL;
}

static void test_wakeup(void **state)
{
    struct http_client *c = http_client_new(NULL);
    pthread_t th;
    uint64_t t0 = clock_mono_us();

    (void)state;
    assert_int_equal(pthread_create(&th, NULL, wake_thread, c), 0);
    /* Nothing pending: only the wakeup can end this 10 s poll early. */
    assert_int_equal(http_client_poll(c, 10000, NULL, NULL), 0);
    assert_true(clock_mono_us() - t0 < 3 * 1000 * 1000);
    pthread_join(th, NULL);
    http_client_free(c);
}

static json_t *echo_body(const struct http_response *resp)
{
    struct err e;
    json_t *j = jsonh_parse(resp->body, resp->body_len, &e);

    assert_non_null(j);
    return j;
}

static void test_headers_both_ways(void **state)
{
    struct srv_state *st = *state;
    char url[128];
    char value[64];
    /* libcurl 7.88 adds "Expect: 100-continue" to bodies over 1 MiB. */
    static char big[1024 * 1024 + 1024];
    const char *hdrs[] = {"X-Test: hello", "Content-Type: application/json",
                          "User-Agent: Vambe-Webhooks/1.0"};
    struct http_request req[2];
    struct http_response resp[2];
    struct http_client *c = http_client_new(NULL);
    json_t *j;

    url_for(st, "/echo", url, sizeof(url));
    memset(big, 'x', sizeof(big));
    memset(req, 0, sizeof(req));
    req[0].url = url; /* method NULL: POST */
    req[0].headers = hdrs;
    req[0].n_headers = 3;
    req[0].body = big;
    req[0].body_len = sizeof(big);
    req[1].url = url;
    req[1].body = "{}";
    req[1].body_len = 2;
    assert_int_equal(http_client_run(c, req, resp, 2, 2), 0);

    assert_int_equal(resp[0].status, 200);
    j = echo_body(&resp[0]);
    assert_string_equal(json_string_value(json_object_get(j, "method")), "POST");
    assert_string_equal(json_string_value(json_object_get(j, "x_test")), "hello");
    assert_string_equal(json_string_value(json_object_get(j, "content_type")), "application/json");
    assert_string_equal(json_string_value(json_object_get(j, "user_agent")), "Vambe-Webhooks/1.0");
    assert_true(json_is_null(json_object_get(j, "accept")));
    assert_true(json_is_null(json_object_get(j, "expect")));
    assert_int_equal(json_integer_value(json_object_get(j, "body_len")), sizeof(big));
    json_decref(j);
    assert_int_equal(http_response_header(&resp[0], "x-echo", value, sizeof(value)), 0);
    assert_string_equal(value, "hello");
    assert_int_equal(http_response_header(&resp[0], "X-ECHO", value, sizeof(value)), 0);
    assert_string_equal(value, "hello");
    assert_int_equal(http_response_header(&resp[0], "X-Missing", value, sizeof(value)), -1);
    assert_int_equal(http_response_header(&resp[0], "Content-Type", value, sizeof(value)), 0);
    assert_string_equal(value, "application/json");

    /* No Content-Type given: none is sent (never libcurl's form type). */
    j = echo_body(&resp[1]);
    assert_true(json_is_null(json_object_get(j, "content_type")));
    assert_true(json_is_null(json_object_get(j, "user_agent")));
    assert_int_equal(json_integer_value(json_object_get(j, "body_len")), 2);
    json_decref(j);
    http_response_cleanup(&resp[0]);
    http_response_cleanup(&resp[1]);
    http_client_free(c);
}

static void test_methods(void **state)
{
    struct srv_state *st = *state;
    char url[128];
    const char *methods[] = {"PUT", "DELETE", "HEAD", "GET"};
    struct http_request req[4];
    struct http_response resp[4];
    struct http_client *c = http_client_new(NULL);

    url_for(st, "/echo", url, sizeof(url));
    for (int i = 0; i < 4; i++) {
        req[i] = get_req(url);
        req[i].method = methods[i];
        req[i].timeout_ms = 3000;
    }
    req[0].body = "abc";
    req[0].body_len = 3;
    assert_int_equal(http_client_run(c, req, resp, 4, 4), 0);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(resp[i].error, HTTP_ERROR_NONE);
        assert_int_equal(resp[i].status, 200);
        if (i != 2) {
            json_t *j = echo_body(&resp[i]);

            assert_string_equal(json_string_value(json_object_get(j, "method")), methods[i]);
            assert_int_equal(json_integer_value(json_object_get(j, "body_len")), i == 0 ? 3 : 0);
            json_decref(j);
        } else {
            assert_int_equal(resp[i].body_len, 0); /* HEAD: headers only, no hang */
        }
        http_response_cleanup(&resp[i]);
    }
    http_client_free(c);
}

static void test_timings(void **state)
{
    struct srv_state *st = *state;
    char url[128];
    struct http_request req;
    struct http_response resp;
    struct http_client *c = http_client_new(NULL);
    uint64_t before = clock_wall_ms();

    url_for(st, "/status/200", url, sizeof(url));
    req = get_req(url);
    assert_int_equal(http_client_run(c, &req, &resp, 1, 1), 0);
    assert_int_equal(resp.status, 200);
    assert_true(resp.connect_us > 0);
    assert_true(resp.connect_us <= resp.first_byte_us);
    assert_true(resp.first_byte_us <= resp.total_us);
    assert_true(resp.started_wall_ms >= before);
    http_response_cleanup(&resp);
    http_client_free(c);
}

static void peer_port(struct http_client *c, const char *url, char *out, size_t out_size)
{
    struct http_request req = get_req(url);
    struct http_response resp;

    assert_int_equal(http_client_run(c, &req, &resp, 1, 1), 0);
    assert_int_equal(resp.status, 200);
    snprintf(out, out_size, "%s", resp.body);
    http_response_cleanup(&resp);
}

static void test_connection_reuse(void **state)
{
    struct srv_state *st = *state;
    char url[128];
    char first[16];
    char second[16];
    char other[16];
    struct http_client *c = http_client_new(NULL);
    struct http_client *c2 = http_client_new(NULL);

    url_for(st, "/peer", url, sizeof(url));
    peer_port(c, url, first, sizeof(first));
    peer_port(c, url, second, sizeof(second));
    /* One client: the second request rides the first one's connection. */
    assert_string_equal(first, second);
    /* Another client has its own connections. */
    peer_port(c2, url, other, sizeof(other));
    assert_string_not_equal(first, other);
    http_client_free(c2);
    http_client_free(c);
}

static void test_bad_requests(void **state)
{
    struct srv_state *st = *state;
    char url[128];
    const char *evil[] = {"X-Evil: a\r\nX-Injected: b"};
    struct http_request req[3];
    struct http_response resp[3];
    struct http_client *c = http_client_new(NULL);

    url_for(st, "/echo", url, sizeof(url));
    req[0] = get_req(url);
    req[0].headers = evil;
    req[0].n_headers = 1;
    req[1] = get_req(NULL);
    req[2] = get_req("ftp://127.0.0.1/file");
    assert_int_equal(http_client_run(c, req, resp, 3, 2), 0);
    assert_int_equal(resp[0].error, HTTP_ERROR_OTHER);
    assert_non_null(strstr(resp[0].error_text, "CR/LF"));
    assert_int_equal(resp[1].error, HTTP_ERROR_OTHER);
    assert_int_equal(resp[2].error, HTTP_ERROR_PROTOCOL); /* http and https only */
    for (int i = 0; i < 3; i++) {
        assert_int_equal(resp[i].status, 0);
        assert_non_null(resp[i].body);
        assert_non_null(resp[i].headers);
        http_response_cleanup(&resp[i]);
    }
    assert_int_equal(http_client_add(c, &req[1], NULL), -1);
    assert_int_equal(http_client_pending(c), 0);
    http_client_free(c);
}

/* ---- a raw server: bytes that are not HTTP, and resets ------------------ */

/* One connection on 127.0.0.1, port 0: reads the request head, sends
 * answer, then either resets (SO_LINGER 0 and close) or waits for the
 * client to close first, so that what the client sees comes from the
 * bytes and not from an end of stream. */
struct raw_srv {
    int listen_fd;
    unsigned port;
    const char *answer;
    size_t answer_len;
    bool reset;
    pthread_t thread;
};

static void *raw_srv_run(void *arg)
{
    struct raw_srv *r = arg;
    struct timeval tv = {.tv_sec = 5, .tv_usec = 0}; /* a broken client fails, never hangs */
    struct linger lg = {1, 0};
    char buf[8192];
    size_t len = 0;
    ssize_t got;
    int fd = accept(r->listen_fd, NULL, NULL);

    if (fd < 0) {
        return NULL;
    }
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    do {
        got = recv(fd, buf + len, sizeof(buf) - 1 - len, 0);
        if (got > 0) {
            len += (size_t)got;
            buf[len] = '\0';
        }
    } while (got > 0 && len + 1 < sizeof(buf) && strstr(buf, "\r\n\r\n") == NULL);
    for (size_t off = 0; off < r->answer_len;) {
        ssize_t w = send(fd, r->answer + off, r->answer_len - off, MSG_NOSIGNAL);

        if (w <= 0) {
            break; /* the client gave up first (a header over its limit) */
        }
        off += (size_t)w;
    }
    if (r->reset) {
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
    } else {
        while (recv(fd, buf, sizeof(buf), 0) > 0) {
        }
    }
    close(fd);
    return NULL;
}

static void raw_srv_start(struct raw_srv *r, const char *answer, size_t answer_len, bool reset)
{
    struct sockaddr_in a;
    socklen_t len = sizeof(a);

    memset(r, 0, sizeof(*r));
    r->answer = answer;
    r->answer_len = answer_len;
    r->reset = reset;
    r->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(r->listen_fd >= 0);
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(r->listen_fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(r->listen_fd, 4), 0);
    assert_int_equal(getsockname(r->listen_fd, (struct sockaddr *)&a, &len), 0);
    r->port = ntohs(a.sin_port);
    assert_int_equal(pthread_create(&r->thread, NULL, raw_srv_run, r), 0);
}

static void raw_srv_stop(struct raw_srv *r)
{
    pthread_join(r->thread, NULL);
    close(r->listen_fd);
}

/* One GET against a raw server that sends answer; the response in *resp. */
static void raw_get(const char *answer, size_t answer_len, bool reset, struct http_response *resp)
{
    struct raw_srv r;
    struct http_client *c = http_client_new(NULL);
    struct http_request req;
    char url[128];

    assert_non_null(c);
    raw_srv_start(&r, answer, answer_len, reset);
    snprintf(url, sizeof(url), "http://127.0.0.1:%u/hook", r.port);
    req = get_req(url);
    req.timeout_ms = 10000;
    assert_int_equal(http_client_run(c, &req, resp, 1, 1), 0);
    http_client_free(c); /* closes the connection: the server thread ends */
    raw_srv_stop(&r);
}

/* A broken chunked encoding is bytes that are not HTTP: a protocol error,
 * although libcurl 7.88 reports it as CURLE_RECV_ERROR. It was "reset". */
static void test_broken_chunks(void **state)
{
    static const struct {
        const char *answer;
        const char *curl_says; /* libcurl 7.88's words, kept in the text */
    } rows[] = {
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
         "Illegal or missing hexadecimal sequence"},
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX\r\n0\r\n\r\n",
         "Malformed encoding"},
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
         "123456789abcdef0123456789\r\n",
         "Too long hexadecimal number"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        struct http_response resp;

        raw_get(rows[i].answer, strlen(rows[i].answer), false, &resp);
        if (resp.error != HTTP_ERROR_PROTOCOL ||
            strstr(resp.error_text, "the response's chunked encoding is broken: ") !=
                resp.error_text ||
            strstr(resp.error_text, rows[i].curl_says) == NULL) {
            fail_msg("row %zu: %s (%s), want protocol with '%s'", i, http_error_name(resp.error),
                     resp.error_text, rows[i].curl_says);
        }
        assert_int_equal(resp.status, 200); /* the status line came */
        http_response_cleanup(&resp);
    }
}

/* A response header over libcurl's limit is a protocol error too. */
static void test_header_over_limit(void **state)
{
    static const char head[] = "HTTP/1.1 200 OK\r\nX-Big: ";
    static const char tail[] = "\r\nContent-Length: 0\r\n\r\n";
    size_t big = 200 * 1024;
    size_t len = sizeof(head) - 1 + big + sizeof(tail) - 1;
    char *answer = malloc(len);
    struct http_response resp;
    char want[64];

    (void)state;
    assert_non_null(answer);
    memcpy(answer, head, sizeof(head) - 1);
    memset(answer + sizeof(head) - 1, 'a', big);
    memcpy(answer + sizeof(head) - 1 + big, tail, sizeof(tail) - 1);
    raw_get(answer, len, false, &resp);
    snprintf(want, sizeof(want), "larger than %d bytes", 100 * 1024);
    if (resp.error != HTTP_ERROR_PROTOCOL || strstr(resp.error_text, want) == NULL) {
        fail_msg("%s (%s), want protocol with '%s'", http_error_name(resp.error), resp.error_text,
                 want);
    }
    http_response_cleanup(&resp);
    free(answer);
}

/* A real reset stays "reset", in a chunked answer too: the kind is told
 * by libcurl's words, not by the encoding. */
static void test_reset_stays_reset(void **state)
{
    static const char *const answers[] = {
        "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel",
    };

    (void)state;
    for (size_t i = 0; i < sizeof(answers) / sizeof(answers[0]); i++) {
        struct http_response resp;

        raw_get(answers[i], strlen(answers[i]), true, &resp);
        if (resp.error != HTTP_ERROR_RESET || strstr(resp.error_text, "chunk") != NULL) {
            fail_msg("answer %zu: %s (%s), want reset", i, http_error_name(resp.error),
                     resp.error_text);
        }
        http_response_cleanup(&resp);
    }
}

static void test_tls(void **state)
{
    struct http_server_opts o;
    struct http_server *s;
    struct err e;
    char ca_path[] = "/tmp/vambe-http-client-ca-XXXXXX";
    int fd = mkstemp(ca_path);
    char url[128];
    struct http_request req;
    struct http_response resp;
    struct http_client_opts copts;
    struct http_client *c;

    assert_true(fd >= 0);
    assert_int_equal(write(fd, test_cert_pem, strlen(test_cert_pem)),
                     (ssize_t)strlen(test_cert_pem));
    close(fd);
    memset(&o, 0, sizeof(o));
    o.routes = routes;
    o.n_routes = sizeof(routes) / sizeof(routes[0]);
    o.ctx = *state;
    o.threads = 1;
    o.tls_cert_pem = test_cert_pem;
    o.tls_key_pem = test_key_pem;
    err_clear(&e);
    s = http_server_start(&o, &e);
    if (s == NULL) {
        unlink(ca_path);
        fail_msg("TLS server: %s", e.msg);
    }
    snprintf(url, sizeof(url), "https://127.0.0.1:%u/status/201", http_server_port(s));
    req = get_req(url);

    /* Trusted through ca_file. */
    memset(&copts, 0, sizeof(copts));
    copts.ca_file = ca_path;
    c = http_client_new(&copts);
    assert_int_equal(http_client_run(c, &req, &resp, 1, 1), 0);
    assert_int_equal(resp.error, HTTP_ERROR_NONE);
    assert_int_equal(resp.status, 201);
    http_response_cleanup(&resp);
    http_client_free(c);

    /* Unknown to the system store: a TLS error. */
    c = http_client_new(NULL);
    assert_int_equal(http_client_run(c, &req, &resp, 1, 1), 0);
    assert_int_equal(resp.error, HTTP_ERROR_TLS);
    assert_string_equal(http_error_name(resp.error), "tls");
    http_response_cleanup(&resp);
    http_client_free(c);

    /* insecure skips the check. */
    memset(&copts, 0, sizeof(copts));
    copts.insecure = true;
    c = http_client_new(&copts);
    assert_int_equal(http_client_run(c, &req, &resp, 1, 1), 0);
    assert_int_equal(resp.status, 201);
    http_response_cleanup(&resp);
    http_client_free(c);

    http_server_stop(s);
    unlink(ca_path);
}

static void test_error_names(void **state)
{
    (void)state;
    assert_string_equal(http_error_name(HTTP_ERROR_NONE), "none");
    assert_string_equal(http_error_name(HTTP_ERROR_RESET), "reset");
    assert_string_equal(http_error_name(HTTP_ERROR_RESOLVE), "resolve");
    assert_string_equal(http_error_name(HTTP_ERROR_PROTOCOL), "protocol");
    assert_string_equal(http_error_name(HTTP_ERROR_OTHER), "other");
    http_response_cleanup(NULL);
    http_client_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_statuses),
        cmocka_unit_test(test_timeout),
        cmocka_unit_test(test_body_cap),
        cmocka_unit_test(test_redirect_not_followed),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_run_concurrent),
        cmocka_unit_test(test_run_concurrency_limit),
        cmocka_unit_test(test_add_poll),
        cmocka_unit_test(test_wakeup),
        cmocka_unit_test(test_headers_both_ways),
        cmocka_unit_test(test_methods),
        cmocka_unit_test(test_timings),
        cmocka_unit_test(test_connection_reuse),
        cmocka_unit_test(test_bad_requests),
        cmocka_unit_test(test_broken_chunks),
        cmocka_unit_test(test_header_over_limit),
        cmocka_unit_test(test_reset_stays_reset),
        cmocka_unit_test(test_tls),
        cmocka_unit_test(test_error_names),
    };

    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
