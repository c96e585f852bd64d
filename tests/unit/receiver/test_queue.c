/* examples/receiver/queue: order, the bound, close, and a pop that waits
 * for a push from another thread. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "examples/receiver/queue.h"

static struct rcv_job job(const char *id, json_t *event)
{
    struct rcv_job j = {.event = event};
    snprintf(j.event_id, sizeof(j.event_id), "%s", id);
    return j;
}

static void order_and_bound(void **state)
{
    (void)state;
    struct rcv_queue *q = rcv_queue_new(3);
    struct rcv_job out;
    /* Wrap around the ring twice. */
    for (int round = 0; round < 2; round++) {
        struct rcv_job a = job("a", json_integer(1));
        struct rcv_job b = job("b", NULL);
        struct rcv_job c = job("c", NULL);
        struct rcv_job d = job("d", json_integer(4));
        assert_int_equal(rcv_queue_push(q, &a), 0);
        assert_int_equal(rcv_queue_push(q, &b), 0);
        assert_int_equal(rcv_queue_push(q, &c), 0);
        assert_int_equal(rcv_queue_push(q, &d), -1); /* full: d stays ours */
        json_decref(d.event);
        assert_int_equal(rcv_queue_length(q), 3);
        assert_int_equal(rcv_queue_pop(q, &out), 0);
        assert_string_equal(out.event_id, "a");
        assert_int_equal(json_integer_value(out.event), 1);
        json_decref(out.event);
        assert_int_equal(rcv_queue_pop(q, &out), 0);
        assert_string_equal(out.event_id, "b");
        assert_int_equal(rcv_queue_pop(q, &out), 0);
        assert_string_equal(out.event_id, "c");
        assert_int_equal(rcv_queue_length(q), 0);
    }
    rcv_queue_free(q);
    rcv_queue_free(NULL);
}

/* Jobs queued before the close are still handed out; then pop returns -1
 * at once and push fails. Freeing releases what was never popped. */
static void close_drains(void **state)
{
    (void)state;
    struct rcv_queue *q = rcv_queue_new(4);
    struct rcv_job out;
    struct rcv_job a = job("a", json_string("kept"));
    struct rcv_job b = job("b", json_string("freed by rcv_queue_free"));
    assert_int_equal(rcv_queue_push(q, &a), 0);
    rcv_queue_close(q);
    struct rcv_job late = job("late", NULL);
    assert_int_equal(rcv_queue_push(q, &late), -1);
    assert_int_equal(rcv_queue_pop(q, &out), 0);
    assert_string_equal(out.event_id, "a");
    json_decref(out.event);
    assert_int_equal(rcv_queue_pop(q, &out), -1);
    rcv_queue_free(q);

    q = rcv_queue_new(4);
    assert_int_equal(rcv_queue_push(q, &b), 0);
    rcv_queue_free(q); /* the sanitizer build sees a leak if b is not released */
}

struct popper {
    struct rcv_queue *q;
    int rc[2];
    char ids[2][RCV_ID_MAX + 1];
};

static void *pop_twice(void *arg)
{
    struct popper *p = arg;
    for (int i = 0; i < 2; i++) {
        struct rcv_job out;
        p->rc[i] = rcv_queue_pop(p->q, &out);
        if (p->rc[i] == 0) {
            snprintf(p->ids[i], sizeof(p->ids[i]), "%s", out.event_id);
            json_decref(out.event);
        }
    }
    return NULL;
}

/* A pop in another thread gets the pushed job, and its next pop returns
 * -1 once the queue is closed (waking it if it was waiting). */
static void pop_waits(void **state)
{
    (void)state;
    struct popper p = {.q = rcv_queue_new(2)};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, pop_twice, &p), 0);
    struct rcv_job a = job("x", NULL);
    assert_int_equal(rcv_queue_push(p.q, &a), 0);
    rcv_queue_close(p.q);
    pthread_join(t, NULL);
    assert_int_equal(p.rc[0], 0);
    assert_string_equal(p.ids[0], "x");
    assert_int_equal(p.rc[1], -1);
    rcv_queue_free(p.q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(order_and_bound),
        cmocka_unit_test(close_drains),
        cmocka_unit_test(pop_waits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
