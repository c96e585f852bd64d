/* examples/receiver/idle: the verdicts of the cold-start and idle-502 flaws,
 * driven with explicit times (ms) so that nothing waits 5 or 30 s. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>

#include "examples/receiver/flaw.h"
#include "examples/receiver/idle.h"

#define T0 1000000u /* an arbitrary monotonic start */

/* Nothing to track without one of the two flaws. */
static void only_with_the_flaws(void **state)
{
    (void)state;
    assert_null(rcv_idle_new(0));
    assert_null(rcv_idle_new(RCV_FLAW_SLOW | RCV_FLAW_DEDUPE_TTL_2S | RCV_FLAW_FORGET_AFTER_60S));
    /* the receiver without them: the step does nothing */
    assert_false(rcv_idle_answered(NULL, NULL, NULL));
    struct rcv_idle *a = rcv_idle_new(RCV_FLAW_COLD_START);
    struct rcv_idle *b = rcv_idle_new(RCV_FLAW_IDLE_502);
    assert_non_null(a);
    assert_non_null(b);
    rcv_idle_free(a);
    rcv_idle_free(b);
    rcv_idle_free(NULL);
}

static void cold_start(void **state)
{
    (void)state;
    struct rcv_idle *idle = rcv_idle_new(RCV_FLAW_COLD_START);

    /* warm at start: the first delivery is not delayed, however late */
    assert_int_equal(rcv_idle_note(idle, 1, T0 + 600000), RCV_IDLE_GO);
    uint64_t t = T0 + 600000;
    /* just under 30 s idle: still warm */
    t += RCV_FLAW_COLD_IDLE_MS - 1;
    assert_int_equal(rcv_idle_note(idle, 1, t), RCV_IDLE_GO);
    /* exactly 30 s idle: cold, whatever the connection */
    t += RCV_FLAW_COLD_IDLE_MS;
    assert_int_equal(rcv_idle_note(idle, 2, t), RCV_IDLE_COLD_START);
    /* the next one, at once: warm again */
    assert_int_equal(rcv_idle_note(idle, 2, t), RCV_IDLE_GO);
    assert_int_equal(rcv_idle_note(idle, 3, t + 10), RCV_IDLE_GO);
    /* a long idle again: cold again */
    t += 10 + 3600000;
    assert_int_equal(rcv_idle_note(idle, 4, t), RCV_IDLE_COLD_START);
    /* cold-start alone: a connection idle 29 s is no 502 */
    assert_int_equal(rcv_idle_note(idle, 4, t + 29000), RCV_IDLE_GO);
    rcv_idle_free(idle);
}

/* Arrival times noted out of order (several threads): time does not go
 * back, so the idle is measured from the latest delivery. */
static void cold_start_out_of_order(void **state)
{
    (void)state;
    struct rcv_idle *idle = rcv_idle_new(RCV_FLAW_COLD_START);

    assert_int_equal(rcv_idle_note(idle, 1, T0 + 1000), RCV_IDLE_GO);
    assert_int_equal(rcv_idle_note(idle, 2, T0), RCV_IDLE_GO); /* arrived earlier */
    /* 29.999 s after the latest (T0 + 1000): warm; had the earlier time
     * been kept, this would read as 30.999 s idle */
    assert_int_equal(rcv_idle_note(idle, 1, T0 + 1000 + RCV_FLAW_COLD_IDLE_MS - 1), RCV_IDLE_GO);
    /* two arriving together after a long idle: only one is cold */
    uint64_t t = T0 + 100000;
    assert_int_equal(rcv_idle_note(idle, 3, t + 1), RCV_IDLE_COLD_START);
    assert_int_equal(rcv_idle_note(idle, 4, t), RCV_IDLE_GO);
    rcv_idle_free(idle);
}

static void idle_502(void **state)
{
    (void)state;
    struct rcv_idle *idle = rcv_idle_new(RCV_FLAW_IDLE_502);

    /* a new connection is never refused */
    assert_int_equal(rcv_idle_note(idle, 7, T0), RCV_IDLE_GO);
    /* idle exactly 5 s: not more than 5 s, goes through */
    assert_int_equal(rcv_idle_note(idle, 7, T0 + RCV_FLAW_IDLE_502_MS), RCV_IDLE_GO);
    uint64_t t = T0 + RCV_FLAW_IDLE_502_MS;
    /* idle 5.001 s: the proxy's 502 */
    t += RCV_FLAW_IDLE_502_MS + 1;
    assert_int_equal(rcv_idle_note(idle, 7, t), RCV_IDLE_BAD_GATEWAY);
    /* the retry on that connection, no longer idle: goes through */
    assert_int_equal(rcv_idle_note(idle, 7, t + 50), RCV_IDLE_GO);
    /* another connection, first seen after that long: goes through, and
     * its idle is its own */
    assert_int_equal(rcv_idle_note(idle, 8, t + 60000), RCV_IDLE_GO);
    assert_int_equal(rcv_idle_note(idle, 7, t + 60000), RCV_IDLE_BAD_GATEWAY);
    assert_int_equal(rcv_idle_note(idle, 8, t + 60001), RCV_IDLE_GO);
    /* a request without a connection id: never refused */
    assert_int_equal(rcv_idle_note(idle, 0, T0), RCV_IDLE_GO);
    assert_int_equal(rcv_idle_note(idle, 0, T0 + 3600000), RCV_IDLE_GO);
    /* idle-502 alone: a minute without deliveries is no cold start */
    assert_int_equal(rcv_idle_note(idle, 9, t + 7200000), RCV_IDLE_GO);
    rcv_idle_free(idle);
}

/* RCV_IDLE_CONNS connections are remembered; one more forgets the oldest
 * it collides with, whose next request then reads as a new connection. */
static void idle_502_bounded(void **state)
{
    (void)state;
    struct rcv_idle *idle = rcv_idle_new(RCV_FLAW_IDLE_502);
    uint64_t later = T0 + RCV_FLAW_IDLE_502_MS + 1;

    for (uint64_t c = 1; c <= RCV_IDLE_CONNS; c++) {
        assert_int_equal(rcv_idle_note(idle, c, T0), RCV_IDLE_GO);
    }
    for (uint64_t c = 1; c <= RCV_IDLE_CONNS; c++) {
        assert_int_equal(rcv_idle_note(idle, c, later), RCV_IDLE_BAD_GATEWAY);
    }
    /* connection N+1 takes connection 1's place */
    assert_int_equal(rcv_idle_note(idle, RCV_IDLE_CONNS + 1, later), RCV_IDLE_GO);
    assert_int_equal(rcv_idle_note(idle, 1, later + 60000), RCV_IDLE_GO);
    /* connection 2 is still remembered */
    assert_int_equal(rcv_idle_note(idle, 2, later + 60000), RCV_IDLE_BAD_GATEWAY);
    rcv_idle_free(idle);
}

/* Both flaws: the proxy answers 502 before the function sees anything, so
 * a 502 does not warm the function up. */
static void both(void **state)
{
    (void)state;
    struct rcv_idle *idle = rcv_idle_new(RCV_FLAW_COLD_START | RCV_FLAW_IDLE_502);
    uint64_t t = T0 + RCV_FLAW_COLD_IDLE_MS;

    assert_int_equal(rcv_idle_note(idle, 1, T0), RCV_IDLE_GO);
    assert_int_equal(rcv_idle_note(idle, 1, t), RCV_IDLE_BAD_GATEWAY);
    assert_int_equal(rcv_idle_note(idle, 1, t + 1), RCV_IDLE_COLD_START);
    assert_int_equal(rcv_idle_note(idle, 1, t + 2), RCV_IDLE_GO);
    rcv_idle_free(idle);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(only_with_the_flaws),     cmocka_unit_test(cold_start),
        cmocka_unit_test(cold_start_out_of_order), cmocka_unit_test(idle_502),
        cmocka_unit_test(idle_502_bounded),        cmocka_unit_test(both),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
