/* Test support: the routes of core/http_server's tests (see
 * route_server.h). */
#include "support/route_server.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/err.h"

void route_server_echo(void *ctx, const struct http_server_request *req,
                       struct http_server_reply *rep)
{
    struct route_server_ctx *t = ctx;
    json_t *params = json_array();

    atomic_fetch_add(&t->calls, 1);
    for (size_t i = 0; i < req->n_params; i++) {
        json_array_append_new(params, json_string(req->params[i]));
    }
    http_reply_json(rep, 200,
                    json_pack("{s:s, s:s, s:o, s:I}", "method", req->method, "path", req->path,
                              "params", params, "body_len", (json_int_t)req->body_len));
}

static void h_literal(void *ctx, const struct http_server_request *req,
                      struct http_server_reply *rep)
{
    (void)ctx;
    (void)req;
    http_reply_text(rep, 200, "text/plain", "literal", 7);
    http_reply_header(rep, "X-Route", "literal");
}

static void h_create(void *ctx, const struct http_server_request *req,
                     struct http_server_reply *rep)
{
    struct route_server_ctx *t = ctx;

    atomic_fetch_add(&t->calls, 1);
    /* The body must be NUL-terminated and exactly body_len long (checked
     * by the test thread: cmocka asserts only work there). */
    http_reply_json(rep, 201,
                    json_pack("{s:I, s:s, s:b}", "body_len", (json_int_t)req->body_len, "body",
                              req->body, "terminated", strlen(req->body) == req->body_len));
}

static void h_query(void *ctx, const struct http_server_request *req, struct http_server_reply *rep)
{
    const char *missing = http_server_query(req, "nope");
    const char *no_hdr = http_server_header(req, "X-Absent");

    (void)ctx;
    http_reply_json(rep, 200,
                    json_pack("{s:s?, s:s?, s:b, s:s?, s:s?, s:b}", "name",
                              http_server_query(req, "name"), "space", http_server_query(req, "x"),
                              "missing_null", missing == NULL, "lower",
                              http_server_header(req, "x-thing"), "upper",
                              http_server_header(req, "X-THING"), "absent_null", no_hdr == NULL));
}

static void h_error(void *ctx, const struct http_server_request *req, struct http_server_reply *rep)
{
    (void)ctx;
    (void)req;
    http_reply_error(rep, 422, "field '%s' must be %s", "url", "an http(s) URL");
}

static void h_nothing(void *ctx, const struct http_server_request *req,
                      struct http_server_reply *rep)
{
    (void)ctx;
    (void)req;
    (void)rep;
}

/* Signals that it runs, then takes its time (a slow handler). */
static void h_slow(void *ctx, const struct http_server_request *req, struct http_server_reply *rep)
{
    struct route_server_ctx *t = ctx;

    (void)req;
    pthread_mutex_lock(&t->lock);
    t->entered = true;
    pthread_cond_broadcast(&t->cond);
    pthread_mutex_unlock(&t->lock);
    clock_sleep_us(300 * 1000);
    http_reply_text(rep, 200, NULL, "slow", 4);
}

const struct http_route route_server_routes[] = {
    {"GET", "/items/{}", route_server_echo},
    {"PUT", "/items/{}", route_server_echo},
    {"GET", "/items/special", h_literal},
    {"GET", "/items/{}/sub/{}", route_server_echo},
    {"POST", "/items", h_create},
    {"GET", "/q", h_query},
    {"GET", "/error", h_error},
    {"GET", "/nothing", h_nothing},
    {"GET", "/slow", h_slow},
};

struct http_server *route_server_start(struct route_server_ctx *t, unsigned threads,
                                       size_t max_body)
{
    struct http_server_opts o;
    struct err e;
    struct http_server *s;

    memset(&o, 0, sizeof(o));
    o.routes = route_server_routes;
    o.n_routes = sizeof(route_server_routes) / sizeof(route_server_routes[0]);
    o.ctx = t;
    o.threads = threads;
    o.max_body = max_body;
    err_clear(&e);
    s = http_server_start(&o, &e);
    if (s == NULL) {
        fail_msg("http_server_start: %s", e.msg);
    }
    return s;
}

int route_server_setup(void **state)
{
    struct route_server_ctx *t = calloc(1, sizeof(*t));

    atomic_init(&t->calls, 0);
    pthread_mutex_init(&t->lock, NULL);
    pthread_cond_init(&t->cond, NULL);
    *state = t;
    return 0;
}

int route_server_teardown(void **state)
{
    struct route_server_ctx *t = *state;

    pthread_mutex_destroy(&t->lock);
    pthread_cond_destroy(&t->cond);
    free(t);
    return 0;
}
