/* core/http_server: http_server_conn_id, the number of a request's
 * connection. Requests on one kept-alive connection share it; a new
 * connection gets another. Sent with core/http_client, whose libcurl
 * connection pool reuses an idle connection unless told not to; its
 * `connected` flag says which happened, so the test knows the wire truth. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above. */
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "core/http_client.h"
#include "core/http_server.h"

/* Answers {"conn": <its connection's id>}. */
static void h_conn(void *ctx, const struct http_server_request *req, struct http_server_reply *rep)
{
    (void)ctx;
    http_reply_json(rep, 200, json_pack("{s:I}", "conn", (json_int_t)http_server_conn_id(req)));
}

static const struct http_route routes[] = {
    {"GET", "/conn", h_conn},
    {"POST", "/conn", h_conn},
};

static struct http_server *start(unsigned threads)
{
    struct http_server_opts o = {
        .routes = routes,
        .n_routes = sizeof(routes) / sizeof(routes[0]),
        .threads = threads,
    };
    struct err e = {{0}};
    struct http_server *s = http_server_start(&o, &e);

    if (s == NULL) {
        fail_msg("http_server_start: %s", e.msg);
    }
    return s;
}

/* One request to /conn; returns the id it reports. *connected (may be
 * NULL) tells whether the exchange opened a connection. */
static uint64_t conn_of(struct http_client *c, unsigned port, const char *method, bool fresh,
                        bool *connected)
{
    char url[64];
    struct http_response resp;
    json_int_t id = -1;

    snprintf(url, sizeof(url), "http://127.0.0.1:%u/conn", port);
    struct http_request req = {.method = method,
                               .url = url,
                               .body = strcmp(method, "POST") == 0 ? "{}" : NULL,
                               .body_len = strcmp(method, "POST") == 0 ? 2 : 0,
                               .new_connection = fresh};
    memset(&resp, 0, sizeof(resp));
    assert_int_equal(http_client_run(c, &req, &resp, 1, 1), 0);
    assert_int_equal(resp.status, 200);
    json_t *j = json_loads(resp.body, 0, NULL);
    assert_non_null(j);
    assert_int_equal(json_unpack(j, "{s:I}", "conn", &id), 0);
    json_decref(j);
    if (connected != NULL) {
        *connected = resp.connected;
    }
    http_response_cleanup(&resp);
    assert_true(id > 0);
    return (uint64_t)id;
}

static void check_conn_ids(unsigned threads)
{
    struct http_server *s = start(threads);
    unsigned port = http_server_port(s);
    struct http_client *c = http_client_new(NULL);
    struct http_client *other = http_client_new(NULL);
    bool connected = false;

    assert_non_null(c);
    assert_non_null(other);
    uint64_t first = conn_of(c, port, "GET", false, &connected);
    assert_true(connected);
    /* the same kept-alive connection, whatever the method: the same id */
    uint64_t again = conn_of(c, port, "POST", false, &connected);
    assert_false(connected);
    assert_true(again == first);
    assert_true(conn_of(c, port, "GET", false, &connected) == first);
    assert_false(connected);
    /* a new connection from the same client: another id */
    uint64_t fresh = conn_of(c, port, "GET", true, &connected);
    assert_true(connected);
    assert_true(fresh != first);
    /* another client's connection: another id still */
    uint64_t theirs = conn_of(other, port, "POST", false, &connected);
    assert_true(connected);
    assert_true(theirs != first && theirs != fresh);
    http_client_free(other);
    http_client_free(c);
    http_server_stop(s);
}

static void test_conn_id_thread_per_connection(void **state)
{
    (void)state;
    check_conn_ids(0);
}

static void test_conn_id_thread_pool(void **state)
{
    (void)state;
    check_conn_ids(2);
}

/* Ids count up for the server's life: connections closed are not reused
 * numbers. And a request without a connection has none. */
static void test_conn_id_unique(void **state)
{
    (void)state;
    struct http_server *s = start(0);
    unsigned port = http_server_port(s);
    uint64_t prev = 0;

    for (int i = 0; i < 5; i++) {
        struct http_client *c = http_client_new(NULL);
        uint64_t id = conn_of(c, port, "GET", false, NULL);
        http_client_free(c); /* closes its connection */
        assert_true(id > prev);
        prev = id;
    }
    http_server_stop(s);
    struct http_server_request none = {0};
    assert_true(http_server_conn_id(&none) == 0);
    assert_true(http_server_conn_id(NULL) == 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_conn_id_thread_per_connection),
        cmocka_unit_test(test_conn_id_thread_pool),
        cmocka_unit_test(test_conn_id_unique),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
