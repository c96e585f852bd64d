/* Test support: the in-test server of core/http_client's tests (see
 * client_srv.h). */
#include "support/client_srv.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <microhttpd.h> /* only to read the peer's port in h_peer */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/err.h"

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
    struct client_srv *st = ctx;

    (void)req;
    atomic_fetch_add(&st->target_calls, 1);
    http_reply_text(rep, 200, NULL, "target", 6);
}

/* Answers only when the test releases it (or after 5 s). */
static void h_slow(void *ctx, const struct http_server_request *req, struct http_server_reply *rep)
{
    struct client_srv *st = ctx;
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
    struct client_srv *st = ctx;
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

const struct http_route client_srv_routes[] = {
    {"GET", "/status/{}", h_status}, {"GET", "/big", h_big},    {"GET", "/redirect", h_redirect},
    {"GET", "/target", h_target},    {"GET", "/slow", h_slow},  {"GET", "/barrier", h_barrier},
    {"GET", "/echo", h_echo},        {"POST", "/echo", h_echo}, {"PUT", "/echo", h_echo},
    {"DELETE", "/echo", h_echo},     {"HEAD", "/echo", h_echo}, {"GET", "/peer", h_peer},
};

int client_srv_setup(void **state)
{
    struct client_srv *st = calloc(1, sizeof(*st));
    struct http_server_opts o;
    struct err e;

    atomic_init(&st->target_calls, 0);
    pthread_mutex_init(&st->lock, NULL);
    pthread_cond_init(&st->cond, NULL);
    memset(&o, 0, sizeof(o));
    o.routes = client_srv_routes;
    o.n_routes = sizeof(client_srv_routes) / sizeof(client_srv_routes[0]);
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

int client_srv_teardown(void **state)
{
    struct client_srv *st = *state;

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

void client_srv_url(const struct client_srv *st, const char *path, char *out, size_t out_size)
{
    snprintf(out, out_size, "http://127.0.0.1:%u%s", st->port, path);
}

struct http_request client_srv_get(const char *url)
{
    struct http_request r;

    memset(&r, 0, sizeof(r));
    r.method = "GET";
    r.url = url;
    return r;
}
