/* vambe-receiver, the real binary, against its 5 s budget: the work
 * happens after the answer, so a burst is answered in time (and FLAW sync
 * is not), FLAW slow answers right but late, and --rate-limit answers 429
 * past its limit without marking the event seen. The fixture is that of
 * test_receiver.c (support/receiver_fx.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/event.h"
#include "core/http_client.h"
#include "core/rng.h"
#include "examples/receiver/flaw.h"
#include "support/proc.h"
#include "support/receiver_fx.h"

#define BURST 50 /* concurrent deliveries in the burst tests */

/* Sends BURST distinct events at once with a 5 s timeout; returns how many
 * got a 2xx and fills ids. */
static size_t burst(struct receiver_fx *f, char ids[BURST][64])
{
    static struct receiver_delivery d[BURST];
    struct http_request req[BURST];
    struct http_response resp[BURST];
    size_t ok = 0;
    for (size_t i = 0; i < BURST; i++) {
        receiver_fx_delivery(&d[i], f, "message.received", KIND_VALID);
        req[i] = d[i].req;
        req[i].timeout_ms = 5000;
        int n = snprintf(ids[i], 64, "%s", d[i].ev.id);
        assert_true(n > 0 && n < 64);
    }
    memset(resp, 0, sizeof(resp));
    assert_int_equal(http_client_run(f->client, req, resp, BURST, BURST), 0);
    for (size_t i = 0; i < BURST; i++) {
        ok += resp[i].status >= 200 && resp[i].status < 300;
        http_response_cleanup(&resp[i]);
        event_cleanup(&d[i].ev);
    }
    return ok;
}

/* The work happens after the answer: a burst is answered within the budget
 * and every event is then processed once. */
static void burst_done_right(void **state)
{
    struct receiver_fx *f = *state;
    static char ids[BURST][64];
    receiver_fx_start(f, NULL);
    assert_int_equal(burst(f, ids), BURST);
    for (size_t i = 0; i < BURST; i++) {
        assert_int_equal(receiver_fx_wait_count(f, ids[i], 1), 1);
    }
    receiver_fx_stop(f);
}

/* FLAW sync with the default --work: the same burst blows the 5 s budget. */
static void burst_sync(void **state)
{
    struct receiver_fx *f = *state;
    static char ids[BURST][64];
    receiver_fx_start(f, "sync");
    assert_true(burst(f, ids) < BURST);
    /* The handlers still queued on the lock would hold a clean stop for
     * seconds more. */
    receiver_fx_kill(f);
}

/* FLAW slow: the answer is right but comes after the 5 s budget. */
static void slow(void **state)
{
    struct receiver_fx *f = *state;
    struct receiver_delivery d;
    struct http_response resp;
    receiver_fx_start(f, "slow");
    receiver_fx_delivery(&d, f, "message.received", KIND_VALID);
    d.req.timeout_ms = 8000;
    memset(&resp, 0, sizeof(resp));
    assert_int_equal(http_client_run(f->client, &d.req, &resp, 1, 1), 0);
    assert_int_equal(resp.status, 200);
    assert_true(resp.total_us > 5000000u);
    http_response_cleanup(&resp);
    assert_int_equal(receiver_fx_wait_count(f, d.ev.id, 1), 1);
    event_cleanup(&d.ev);
    receiver_fx_stop(f);
}

/* --rate-limit: past the limit, 429 with Retry-After: 1 and a JSON error;
 * the probe still answers; the refused event was not marked seen, so its
 * retry, once the window has passed, is processed. */
static void rate_limit(void **state)
{
    struct receiver_fx *f = *state;
    char *extra[] = {"--rate-limit", "2"};
    struct receiver_delivery d;
    struct http_response resp;
    char retry[16];
    receiver_fx_start_with(f, extra, 2);
    for (int i = 0;; i++) {
        assert_true(i < 100);
        receiver_fx_delivery(&d, f, "message.received", KIND_VALID);
        memset(&resp, 0, sizeof(resp));
        assert_int_equal(http_client_run(f->client, &d.req, &resp, 1, 1), 0);
        if (resp.status == 429) {
            break;
        }
        assert_int_equal(resp.status, 200);
        http_response_cleanup(&resp);
        event_cleanup(&d.ev);
    }
    assert_int_equal(http_response_header(&resp, "Retry-After", retry, sizeof(retry)), 0);
    assert_string_equal(retry, "1");
    assert_non_null(strstr(resp.body, "\"statusCode\":429"));
    http_response_cleanup(&resp);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(receiver_fx_probe(f, d.ev.id), 0);
    }
    long status = 429;
    for (int i = 0; i < 50 && status == 429; i++) {
        receiver_fx_nap_ms(100);
        status = receiver_fx_send1(f, &d);
    }
    assert_int_equal(status, 200);
    assert_int_equal(receiver_fx_wait_count(f, d.ev.id, 1), 1);
    event_cleanup(&d.ev);
    receiver_fx_stop(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(burst_done_right, receiver_fx_setup, receiver_fx_teardown),
        cmocka_unit_test_setup_teardown(burst_sync, receiver_fx_setup, receiver_fx_teardown),
        cmocka_unit_test_setup_teardown(slow, receiver_fx_setup, receiver_fx_teardown),
        cmocka_unit_test_setup_teardown(rate_limit, receiver_fx_setup, receiver_fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
