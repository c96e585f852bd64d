/* Test support: the in-test server of core/http_client's tests, built on
 * core/http_server (127.0.0.1, port 0, a thread per connection), one route
 * per behaviour: /status/{code}, /big (BIG_LEN bytes), /redirect, /target
 * (counted), /slow (held until released), /barrier (held until
 * barrier_target are inside at once), /echo (what arrived, as JSON) and
 * /peer (the client's port). */
#ifndef TESTS_SUPPORT_CLIENT_SRV_H
#define TESTS_SUPPORT_CLIENT_SRV_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/http_client.h"
#include "core/http_server.h"

#define BIG_LEN 10000

/* What the in-test server shares with the tests. Handlers run on server
 * threads, so they never assert: they record, the test thread checks. */
struct client_srv {
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

/* The routes, for a server of the test's own (a TLS one). */
extern const struct http_route client_srv_routes[12];

/* cmocka group setup and teardown: *state is the struct client_srv. */
int client_srv_setup(void **state);
int client_srv_teardown(void **state);
/* The URL of path on st. */
void client_srv_url(const struct client_srv *st, const char *path, char *out, size_t out_size);
/* A GET of url, every other field zero. */
struct http_request client_srv_get(const char *url);

#endif
