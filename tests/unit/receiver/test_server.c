/* examples/receiver/server, in process: what the binary's tests cannot
 * reach. A full queue answers 503 with Retry-After and forgets the id, so
 * the sender's retry is processed; start-up errors are reported. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "core/http_client.h"
#include "core/signature.h"
#include "examples/receiver/server.h"

#define SECRET "whsec_unit"

struct signed_post {
    char url[64];
    char body[128];
    char headers[4][160];
    const char *hp[4];
    struct http_request req;
};

static void signed_post_make(struct signed_post *p, unsigned port, const char *id)
{
    char ts[32];
    char sig[SIGNATURE_MAX + 1];
    memset(p, 0, sizeof(*p));
    snprintf(p->url, sizeof(p->url), "http://127.0.0.1:%u/", port);
    snprintf(p->body, sizeof(p->body), "{\"id\":\"%s\",\"event\":\"ticket.created\",\"data\":{}}",
             id);
    signature_timestamp(clock_wall_ms(), SIGNATURE_UNIT_MS, ts, sizeof(ts));
    assert_int_equal(signature_sign(SECRET, ts, p->body, strlen(p->body), sig), 0);
    snprintf(p->headers[0], sizeof(p->headers[0]), "x-vambe-timestamp: %s", ts);
    snprintf(p->headers[1], sizeof(p->headers[1]), "x-vambe-signature: %s", sig);
    snprintf(p->headers[2], sizeof(p->headers[2]), "x-vambe-event-id: %s", id);
    snprintf(p->headers[3], sizeof(p->headers[3]), "Content-Type: application/json");
    for (size_t i = 0; i < 4; i++) {
        p->hp[i] = p->headers[i];
    }
    p->req = (struct http_request){.method = "POST",
                                   .url = p->url,
                                   .headers = p->hp,
                                   .n_headers = 4,
                                   .body = p->body,
                                   .body_len = strlen(p->body)};
}

/* Polls until the event is processed once (bounded); returns the count. */
static unsigned wait_processed(struct rcv_server *s, const char *id)
{
    for (int i = 0; i < 1000 && rcv_server_processed(s, id) == 0; i++) {
        struct timespec ts = {.tv_sec = 0, .tv_nsec = 5000000L};
        nanosleep(&ts, NULL);
    }
    return rcv_server_processed(s, id);
}

static void full_queue(void **state)
{
    (void)state;
    /* One job in the worker's hands and one waiting at most. */
    struct rcv_server_opts o = {.secret = SECRET, .work_ms = 300, .queue_jobs = 1};
    struct err e = {{0}};
    struct rcv_server *s = rcv_server_start(&o, &e);
    assert_non_null(s);
    struct http_client *c = http_client_new(NULL);
    assert_non_null(c);

    static const char *const ids[] = {"evt_q1", "evt_q2", "evt_q3", "evt_q4"};
    const char *refused = NULL;
    size_t n_refused = 0;
    for (size_t i = 0; i < 4; i++) {
        struct signed_post p;
        struct http_response resp;
        signed_post_make(&p, rcv_server_port(s), ids[i]);
        memset(&resp, 0, sizeof(resp));
        assert_int_equal(http_client_run(c, &p.req, &resp, 1, 1), 0);
        if (resp.status == 503) {
            char retry[16];
            assert_int_equal(http_response_header(&resp, "Retry-After", retry, sizeof(retry)), 0);
            assert_string_equal(retry, "1");
            refused = refused ? refused : ids[i];
            n_refused++;
        } else {
            assert_int_equal(resp.status, 200);
        }
        http_response_cleanup(&resp);
    }
    /* Four deliveries within a few milliseconds, room for at most three
     * (one worked, one queued, one more if the first finished). */
    assert_true(n_refused >= 1);

    /* The retry of a refused event is not taken for a duplicate. */
    assert_int_equal(wait_processed(s, ids[0]), 1);
    struct signed_post p;
    struct http_response resp;
    unsigned before = rcv_server_processed(s, refused);
    assert_int_equal(before, 0);
    for (int attempt = 0; attempt < 50; attempt++) {
        signed_post_make(&p, rcv_server_port(s), refused);
        memset(&resp, 0, sizeof(resp));
        assert_int_equal(http_client_run(c, &p.req, &resp, 1, 1), 0);
        long status = resp.status;
        http_response_cleanup(&resp);
        if (status == 200) {
            break;
        }
        assert_int_equal(status, 503);
        assert_int_equal(wait_processed(s, ids[1]), 1); /* let the worker catch up */
    }
    assert_int_equal(wait_processed(s, refused), 1);
    http_client_free(c);
    rcv_server_stop(s);
}

static void start_errors(void **state)
{
    (void)state;
    struct err e = {{0}};
    struct rcv_server_opts none = {.secret = ""};
    assert_null(rcv_server_start(&none, &e));
    assert_non_null(strstr(e.msg, "secret is required"));

    struct rcv_server_opts o = {.secret = SECRET};
    struct rcv_server *s = rcv_server_start(&o, &e);
    assert_non_null(s);
    struct rcv_server_opts taken = {.secret = SECRET, .port = rcv_server_port(s)};
    memset(&e, 0, sizeof(e));
    assert_null(rcv_server_start(&taken, &e));
    assert_true(strlen(e.msg) > 0);
    rcv_server_stop(s);
    rcv_server_stop(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(full_queue),
        cmocka_unit_test(start_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
