/* core/http_client against an in-test server built on core/http_server
 * (127.0.0.1, port 0; support/client_srv.h): statuses, timeouts, the body
 * cap, redirects not followed, refused connections, concurrency (run and
 * add/poll), headers both ways and timings. Broken bytes, resets and TLS
 * are in test_http_client_wire.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above. */
#include <cmocka.h>

#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/err.h"
#include "core/http_client.h"
#include "core/http_server.h"
#include "core/jsonh.h"
#include "support/client_srv.h"

/* ---- tests -------------------------------------------------------------- */

static void test_statuses(void **state)
{
    struct client_srv *st = *state;
    char urls[3][128];
    struct http_request req[3];
    struct http_response resp[3];
    const long want[3] = {200, 404, 500};
    struct http_client *c = http_client_new(NULL);

    assert_non_null(c);
    for (int i = 0; i < 3; i++) {
        char path[32];

        snprintf(path, sizeof(path), "/status/%ld", want[i]);
        client_srv_url(st, path, urls[i], sizeof(urls[i]));
        req[i] = client_srv_get(urls[i]);
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
    struct client_srv *st = *state;
    char url[128];
    struct http_request req;
    struct http_response resp;
    struct http_client *c = http_client_new(NULL);
    uint64_t t0;
    uint64_t elapsed;

    client_srv_url(st, "/slow", url, sizeof(url));
    req = client_srv_get(url);
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
    struct client_srv *st = *state;
    char url[128];
    struct http_request req[2];
    struct http_response resp[2];
    struct http_client *c = http_client_new(NULL);

    client_srv_url(st, "/big", url, sizeof(url));
    req[0] = client_srv_get(url);
    req[0].max_body = 1000;
    req[1] = client_srv_get(url); /* the default cap, 64 KiB, is larger */
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
    struct client_srv *st = *state;
    char url[128];
    char location[64];
    struct http_request req;
    struct http_response resp;
    struct http_client *c = http_client_new(NULL);

    client_srv_url(st, "/redirect", url, sizeof(url));
    req = client_srv_get(url);
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
    req = client_srv_get(url);
    assert_int_equal(http_client_run(c, &req, &resp, 1, 1), 0);
    assert_int_equal(resp.error, HTTP_ERROR_REFUSED);
    assert_string_equal(http_error_name(resp.error), "refused");
    assert_int_equal(resp.status, 0);
    assert_true(strlen(resp.error_text) > 0);
    http_response_cleanup(&resp);
    http_client_free(c);
}

static void barrier_reset(struct client_srv *st, int target)
{
    pthread_mutex_lock(&st->lock);
    st->inflight = 0;
    st->max_inflight = 0;
    st->barrier_target = target;
    st->barrier_open = false;
    pthread_mutex_unlock(&st->lock);
}

static int barrier_max(struct client_srv *st)
{
    int max;

    pthread_mutex_lock(&st->lock);
    max = st->max_inflight;
    pthread_mutex_unlock(&st->lock);
    return max;
}

static void test_run_concurrent(void **state)
{
    struct client_srv *st = *state;
    enum { N = 50 };
    char url[128];
    struct http_request req[N];
    struct http_response resp[N];
    struct http_client *c = http_client_new(NULL);

    client_srv_url(st, "/barrier", url, sizeof(url));
    for (int i = 0; i < N; i++) {
        req[i] = client_srv_get(url);
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
    struct client_srv *st = *state;
    enum { N = 12 };
    char url[128];
    struct http_request req[N];
    struct http_response resp[N];
    struct http_client *c = http_client_new(NULL);

    client_srv_url(st, "/barrier", url, sizeof(url));
    for (int i = 0; i < N; i++) {
        req[i] = client_srv_get(url);
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
        struct http_request req = client_srv_get(seen->url);

        seen->chained = true;
        http_client_add(seen->c, &req, &twenty);
    }
}

static void test_add_poll(void **state)
{
    struct client_srv *st = *state;
    static int tags[20];
    struct poll_seen seen;
    uint64_t deadline = clock_mono_us() + 10 * 1000 * 1000;
    int rounds = 0;

    memset(&seen, 0, sizeof(seen));
    seen.c = http_client_new(NULL);
    client_srv_url(st, "/status/204", seen.url, sizeof(seen.url));
    for (int i = 0; i < 20; i++) {
        char url[128];
        char path[32];
        struct http_request req;

        tags[i] = i;
        /* Each request's data lives on this stack only until add returns. */
        snprintf(path, sizeof(path), "/echo?i=%d", i);
        client_srv_url(st, path, url, sizeof(url));
        req = client_srv_get(url);
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
    struct client_srv *st = *state;
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

    client_srv_url(st, "/echo", url, sizeof(url));
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
    struct client_srv *st = *state;
    char url[128];
    const char *methods[] = {"PUT", "DELETE", "HEAD", "GET"};
    struct http_request req[4];
    struct http_response resp[4];
    struct http_client *c = http_client_new(NULL);

    client_srv_url(st, "/echo", url, sizeof(url));
    for (int i = 0; i < 4; i++) {
        req[i] = client_srv_get(url);
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
    struct client_srv *st = *state;
    char url[128];
    struct http_request req;
    struct http_response resp;
    struct http_client *c = http_client_new(NULL);
    uint64_t before = clock_wall_ms();

    client_srv_url(st, "/status/200", url, sizeof(url));
    req = client_srv_get(url);
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
    struct http_request req = client_srv_get(url);
    struct http_response resp;

    assert_int_equal(http_client_run(c, &req, &resp, 1, 1), 0);
    assert_int_equal(resp.status, 200);
    snprintf(out, out_size, "%s", resp.body);
    http_response_cleanup(&resp);
}

static void test_connection_reuse(void **state)
{
    struct client_srv *st = *state;
    char url[128];
    char first[16];
    char second[16];
    char other[16];
    struct http_client *c = http_client_new(NULL);
    struct http_client *c2 = http_client_new(NULL);

    client_srv_url(st, "/peer", url, sizeof(url));
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
    struct client_srv *st = *state;
    char url[128];
    const char *evil[] = {"X-Evil: a\r\nX-Injected: b"};
    struct http_request req[3];
    struct http_response resp[3];
    struct http_client *c = http_client_new(NULL);

    client_srv_url(st, "/echo", url, sizeof(url));
    req[0] = client_srv_get(url);
    req[0].headers = evil;
    req[0].n_headers = 1;
    req[1] = client_srv_get(NULL);
    req[2] = client_srv_get("ftp://127.0.0.1/file");
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
        cmocka_unit_test(test_error_names),
    };

    return cmocka_run_group_tests(tests, client_srv_setup, client_srv_teardown);
}
