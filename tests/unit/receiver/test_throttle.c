/* examples/receiver/throttle: the fixed 1-second window, a refused
 * delivery not counted, a clock read just before the window began, and
 * exactly the limit admitted when many threads ask at once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>
#include <pthread.h>
#include <stdatomic.h>

#include "examples/receiver/throttle.h"

#define SECOND_US 1000000u
#define THREADS   16
#define TRIES     50

static void window(void **state)
{
    (void)state;
    struct rcv_throttle *t = rcv_throttle_new(3);
    uint64_t start = 5 * SECOND_US;
    for (int i = 0; i < 3; i++) {
        assert_true(rcv_throttle_admit(t, start + (uint64_t)i * 1000u));
    }
    assert_false(rcv_throttle_admit(t, start + 3000u));
    assert_false(rcv_throttle_admit(t, start + SECOND_US - 1));
    /* A clock read before the lock may trail the window's start: still
     * this window, not a new one. */
    assert_false(rcv_throttle_admit(t, start - 10));
    /* The refusals were not counted: the next window admits 3 again. */
    for (int i = 0; i < 3; i++) {
        assert_true(rcv_throttle_admit(t, start + SECOND_US + (uint64_t)i));
    }
    assert_false(rcv_throttle_admit(t, start + SECOND_US + 3));
    /* After an idle spell the window starts at the next delivery. */
    assert_true(rcv_throttle_admit(t, start + 60 * SECOND_US + 500000u));
    assert_true(rcv_throttle_admit(t, start + 61 * SECOND_US + 400000u));
    rcv_throttle_free(t);
    rcv_throttle_free(NULL);
}

static void one_a_second(void **state)
{
    (void)state;
    struct rcv_throttle *t = rcv_throttle_new(1);
    assert_true(rcv_throttle_admit(t, 0));
    assert_false(rcv_throttle_admit(t, 1));
    assert_true(rcv_throttle_admit(t, SECOND_US));
    rcv_throttle_free(t);
}

struct race {
    struct rcv_throttle *t;
    atomic_uint admitted;
};

static void *race_thread(void *arg)
{
    struct race *r = arg;
    for (int i = 0; i < TRIES; i++) {
        if (rcv_throttle_admit(r->t, 42)) {
            atomic_fetch_add(&r->admitted, 1);
        }
    }
    return NULL;
}

static void concurrent(void **state)
{
    (void)state;
    struct race r = {.t = rcv_throttle_new(100)};
    atomic_init(&r.admitted, 0);
    pthread_t th[THREADS];
    for (size_t i = 0; i < THREADS; i++) {
        assert_int_equal(pthread_create(&th[i], NULL, race_thread, &r), 0);
    }
    for (size_t i = 0; i < THREADS; i++) {
        pthread_join(th[i], NULL);
    }
    /* 800 tries within one window: exactly the limit gets through. */
    assert_int_equal(atomic_load(&r.admitted), 100);
    rcv_throttle_free(r.t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(window),
        cmocka_unit_test(one_a_second),
        cmocka_unit_test(concurrent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
