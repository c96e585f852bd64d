/* Test support: the routes core/http_server's tests run a server with:
 * GET and PUT /items/{} and GET /items/{}/sub/{} echo what they got,
 * GET /items/special is a literal, POST /items creates, /q reads the
 * query and headers, /error answers 422, /nothing leaves the reply empty,
 * /slow takes 300 ms (and says when it started). */
#ifndef TESTS_SUPPORT_ROUTE_SERVER_H
#define TESTS_SUPPORT_ROUTE_SERVER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/http_server.h"

/* What the handlers share with the tests (the cmocka state). */
struct route_server_ctx {
    atomic_int calls;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool entered;
};

extern const struct http_route route_server_routes[9];

/* Starts a server on 127.0.0.1 port 0 with the routes; fails the test
 * when it cannot. */
struct http_server *route_server_start(struct route_server_ctx *t, unsigned threads,
                                       size_t max_body);
/* The handler of the echoing routes: method, path, params and body_len as
 * JSON (test_bad_routes names it in tables of its own). */
void route_server_echo(void *ctx, const struct http_server_request *req,
                       struct http_server_reply *rep);
/* cmocka setup and teardown: *state is a struct route_server_ctx. */
int route_server_setup(void **state);
int route_server_teardown(void **state);

#endif
