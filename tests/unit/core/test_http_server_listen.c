/* core/http_server: where it listens (port read-back, bind failures, ::1,
 * IPv4-mapped addresses), a clean stop with a request in flight, and the
 * access log. Every test runs a real server (support/route_server.h) and
 * talks to it with a raw socket (support/raw_http.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above. */
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
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
#include "core/http_server.h"
#include "core/jsonh.h"
#include "core/log.h"
#include "support/need.h"
#include "support/raw_http.h"
#include "support/route_server.h"

static void test_port_readback(void **state)
{
    static char resp[RAW_MAX];
    struct http_server *s = route_server_start(*state, 0, 0);
    unsigned port = http_server_port(s);
    int fd;

    assert_true(port > 0 && port <= 65535);
    fd = raw_http_connect(AF_INET, port);
    assert_true(fd >= 0);
    close(fd);
    raw_http_exchange(port, "GET /items/x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", resp,
                      sizeof(resp));
    assert_int_equal(raw_http_status(resp), 200);
    assert_int_equal(http_server_port(NULL), 0);
    http_server_stop(s);
    http_server_stop(NULL);
}

static void test_bind_failure(void **state)
{
    struct http_server *a = route_server_start(*state, 0, 0);
    struct http_server *b;
    struct http_server_opts o;
    struct err e;
    char want[64];

    memset(&o, 0, sizeof(o));
    o.routes = route_server_routes;
    o.n_routes = 1;
    o.port = http_server_port(a);
    err_clear(&e);
    b = http_server_start(&o, &e);
    assert_null(b);
    snprintf(want, sizeof(want), "cannot listen on 127.0.0.1:%u: ", o.port);
    assert_non_null(strstr(e.msg, want));
    assert_non_null(strstr(e.msg, strerror(EADDRINUSE)));

    o.bind = "999.0.0.1";
    o.port = 0;
    err_clear(&e);
    assert_null(http_server_start(&o, &e));
    assert_non_null(strstr(e.msg, "999.0.0.1"));

    o.bind = NULL;
    o.port = 70000;
    err_clear(&e);
    assert_null(http_server_start(&o, &e));
    assert_non_null(strstr(e.msg, "70000"));
    http_server_stop(a);
}

static void test_ipv6(void **state)
{
    static char resp[RAW_MAX];
    struct http_server_opts o;
    struct http_server *s;
    struct err e;
    int probe = socket(AF_INET6, SOCK_STREAM, 0);
    struct sockaddr_in6 a;
    const char *req = "GET /items/v6 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";

    memset(&a, 0, sizeof(a));
    a.sin6_family = AF_INET6;
    a.sin6_addr = in6addr_loopback;
    if (probe < 0 || bind(probe, (struct sockaddr *)&a, sizeof(a)) != 0) {
        if (probe >= 0) {
            close(probe);
        }
        test_need(false, "an IPv6 loopback (::1)");
    }
    close(probe);
    memset(&o, 0, sizeof(o));
    o.bind = "::1";
    o.routes = route_server_routes;
    o.n_routes = sizeof(route_server_routes) / sizeof(route_server_routes[0]);
    o.ctx = *state;
    err_clear(&e);
    s = http_server_start(&o, &e);
    assert_non_null(s);
    assert_true(http_server_port(s) > 0);
    raw_http_exchange6(AF_INET6, http_server_port(s), req, strlen(req), resp, sizeof(resp));
    assert_int_equal(raw_http_status(resp), 200);
    http_server_stop(s);
}

/* An IPv4-mapped IPv6 address is an IPv4 endpoint: the server listens on
 * 127.0.0.1 and a plain IPv4 client reaches it, in both threading modes. */
static void test_ipv4_mapped(void **state)
{
    static char resp[RAW_MAX];
    static const unsigned threads[] = {0, 2};
    struct http_server_opts o;
    struct http_server *s;
    struct http_server *b;
    struct err e;
    char want[80];

    for (size_t i = 0; i < sizeof(threads) / sizeof(threads[0]); i++) {
        memset(&o, 0, sizeof(o));
        o.bind = "::ffff:127.0.0.1";
        o.routes = route_server_routes;
        o.n_routes = sizeof(route_server_routes) / sizeof(route_server_routes[0]);
        o.ctx = *state;
        o.threads = threads[i];
        err_clear(&e);
        s = http_server_start(&o, &e);
        if (s == NULL) {
            fail_msg("http_server_start(::ffff:127.0.0.1, threads %u): %s", threads[i], e.msg);
        }
        assert_true(http_server_port(s) > 0);
        raw_http_exchange(http_server_port(s),
                          "GET /items/special HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                          resp, sizeof(resp));
        assert_int_equal(raw_http_status(resp), 200);
        assert_string_equal(raw_http_body(resp), "literal");

        /* The same port again: the error names the address as given. */
        o.port = http_server_port(s);
        err_clear(&e);
        b = http_server_start(&o, &e);
        assert_null(b);
        snprintf(want, sizeof(want), "cannot listen on [::ffff:127.0.0.1]:%u: ", o.port);
        assert_non_null(strstr(e.msg, want));
        assert_non_null(strstr(e.msg, strerror(EADDRINUSE)));
        http_server_stop(s);
    }
}

struct client_job {
    unsigned port;
    char *resp;
    size_t resp_size;
};

static void *client_thread(void *arg)
{
    struct client_job *job = arg;

    raw_http_exchange(job->port, "GET /slow HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                      job->resp, job->resp_size);
    return NULL;
}

static void test_stop_lets_inflight_finish(void **state)
{
    static char resp[RAW_MAX];
    struct route_server_ctx *t = *state;
    struct http_server *s = route_server_start(t, 0, 0);
    struct client_job job = {http_server_port(s), resp, sizeof(resp)};
    struct timespec deadline;
    pthread_t th;
    int rc = 0;

    assert_int_equal(pthread_create(&th, NULL, client_thread, &job), 0);
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += 5;
    pthread_mutex_lock(&t->lock);
    while (!t->entered && rc == 0) {
        rc = pthread_cond_timedwait(&t->cond, &t->lock, &deadline);
    }
    pthread_mutex_unlock(&t->lock);
    assert_true(t->entered);
    /* The handler is running: stopping now must still deliver its answer. */
    http_server_stop(s);
    pthread_join(th, NULL);
    assert_int_equal(raw_http_status(resp), 200);
    assert_string_equal(raw_http_body(resp), "slow");
}

static void test_access_log(void **state)
{
    static char resp[RAW_MAX];
    char path[] = "/tmp/vambe-http-server-log-XXXXXX";
    struct http_server_opts o;
    struct http_server *s;
    struct err e;
    int saved = dup(STDERR_FILENO);
    int fd = mkstemp(path);
    FILE *f;
    char text[4096];
    size_t n;

    assert_true(saved >= 0 && fd >= 0);
    memset(&o, 0, sizeof(o));
    o.routes = route_server_routes;
    o.n_routes = sizeof(route_server_routes) / sizeof(route_server_routes[0]);
    o.ctx = *state;
    o.access_log = true;
    log_set_level(LOG_LEVEL_INFO);
    fflush(stderr);
    dup2(fd, STDERR_FILENO);
    s = http_server_start(&o, &e);
    if (s != NULL) {
        raw_http_exchange(http_server_port(s),
                          "GET /items/logged?token=s3cr3t HTTP/1.1\r\nHost: x\r\n"
                          "Connection: close\r\n\r\n",
                          resp, sizeof(resp));
        /* Stopping waits for the completion callbacks, which log. */
        http_server_stop(s);
    }
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
    assert_non_null(s);
    f = fdopen(fd, "r");
    assert_non_null(f);
    rewind(f);
    n = fread(text, 1, sizeof(text) - 1, f);
    text[n] = '\0';
    fclose(f);
    unlink(path);
    assert_int_equal(raw_http_status(resp), 200);
    assert_non_null(strstr(text, "GET /items/logged 200"));
    assert_null(strstr(text, "s3cr3t"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_port_readback, route_server_setup,
                                        route_server_teardown),
        cmocka_unit_test_setup_teardown(test_bind_failure, route_server_setup,
                                        route_server_teardown),
        cmocka_unit_test_setup_teardown(test_ipv6, route_server_setup, route_server_teardown),
        cmocka_unit_test_setup_teardown(test_ipv4_mapped, route_server_setup,
                                        route_server_teardown),
        cmocka_unit_test_setup_teardown(test_stop_lets_inflight_finish, route_server_setup,
                                        route_server_teardown),
        cmocka_unit_test_setup_teardown(test_access_log, route_server_setup, route_server_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
