/* examples/receiver/idmap: check-and-insert, counters, FIFO eviction,
 * removal, the latest value of an id, and one winner when threads insert
 * the same ids at once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "examples/receiver/idmap.h"

static void insert_once(void **state)
{
    (void)state;
    struct rcv_idmap *m = rcv_idmap_new(10);
    assert_false(rcv_idmap_contains(m, "evt_a"));
    assert_true(rcv_idmap_insert(m, "evt_a"));
    assert_false(rcv_idmap_insert(m, "evt_a"));
    assert_true(rcv_idmap_contains(m, "evt_a"));
    assert_true(rcv_idmap_insert(m, "evt_b"));
    assert_int_equal(rcv_idmap_size(m), 2);
    /* An inserted id starts at 0; incr counts, get reads. */
    assert_int_equal(rcv_idmap_get(m, "evt_a"), 0);
    assert_int_equal(rcv_idmap_incr(m, "evt_a"), 1);
    assert_int_equal(rcv_idmap_incr(m, "evt_a"), 2);
    assert_int_equal(rcv_idmap_get(m, "evt_a"), 2);
    /* incr on an absent id records it */
    assert_int_equal(rcv_idmap_incr(m, "evt_c"), 1);
    assert_int_equal(rcv_idmap_get(m, "evt_unknown"), 0);
    assert_int_equal(rcv_idmap_size(m), 3);
    rcv_idmap_free(m);
    rcv_idmap_free(NULL);
}

static void fifo_eviction(void **state)
{
    (void)state;
    struct rcv_idmap *m = rcv_idmap_new(3);
    assert_true(rcv_idmap_insert(m, "1"));
    assert_true(rcv_idmap_insert(m, "2"));
    assert_true(rcv_idmap_insert(m, "3"));
    assert_true(rcv_idmap_insert(m, "4")); /* evicts "1", the oldest */
    assert_int_equal(rcv_idmap_size(m), 3);
    assert_false(rcv_idmap_contains(m, "1"));
    assert_true(rcv_idmap_contains(m, "2"));
    assert_true(rcv_idmap_contains(m, "4"));
    /* A duplicate does not refresh its age: "2" is still the oldest. */
    assert_false(rcv_idmap_insert(m, "2"));
    assert_true(rcv_idmap_insert(m, "5"));
    assert_false(rcv_idmap_contains(m, "2"));
    assert_true(rcv_idmap_contains(m, "3"));
    /* Many more ids than the capacity: the size stays bounded and the
     * newest ids are the ones kept. */
    char id[32];
    for (int i = 0; i < 1000; i++) {
        snprintf(id, sizeof(id), "evt_%d", i);
        assert_true(rcv_idmap_insert(m, id));
    }
    assert_int_equal(rcv_idmap_size(m), 3);
    assert_true(rcv_idmap_contains(m, "evt_999"));
    assert_true(rcv_idmap_contains(m, "evt_997"));
    assert_false(rcv_idmap_contains(m, "evt_996"));
    rcv_idmap_free(m);
}

static void removal(void **state)
{
    (void)state;
    struct rcv_idmap *m = rcv_idmap_new(4);
    assert_true(rcv_idmap_insert(m, "a"));
    assert_true(rcv_idmap_insert(m, "b"));
    assert_true(rcv_idmap_insert(m, "c"));
    rcv_idmap_remove(m, "b"); /* from the middle of the FIFO */
    rcv_idmap_remove(m, "b"); /* absent: no-op */
    assert_false(rcv_idmap_contains(m, "b"));
    assert_int_equal(rcv_idmap_size(m), 2);
    rcv_idmap_remove(m, "a"); /* the oldest */
    rcv_idmap_remove(m, "c"); /* the newest */
    assert_int_equal(rcv_idmap_size(m), 0);
    /* The FIFO is intact afterwards: fill past the capacity again. */
    assert_true(rcv_idmap_insert(m, "b"));
    for (int i = 0; i < 4; i++) {
        char id[8];
        snprintf(id, sizeof(id), "n%d", i);
        assert_true(rcv_idmap_insert(m, id));
    }
    assert_false(rcv_idmap_contains(m, "b"));
    assert_int_equal(rcv_idmap_size(m), 4);
    rcv_idmap_free(m);
}

/* A small table (capacity 1): every insert evicts, chains stay correct. */
static void capacity_one(void **state)
{
    (void)state;
    struct rcv_idmap *m = rcv_idmap_new(1);
    assert_true(rcv_idmap_insert(m, "x"));
    assert_true(rcv_idmap_insert(m, "y"));
    assert_false(rcv_idmap_contains(m, "x"));
    assert_false(rcv_idmap_insert(m, "y"));
    assert_int_equal(rcv_idmap_size(m), 1);
    rcv_idmap_free(m);
}

#define THREADS 8
#define IDS     2000

struct racer {
    struct rcv_idmap *m;
    pthread_barrier_t *start;
    unsigned wins;
};

/* The dedupe-ttl-2s flaw's cache: an id counts as new again once its time
 * to live has passed since it was stored, and is then stored afresh. */
static void expiring(void **state)
{
    (void)state;
    struct rcv_idmap *m = rcv_idmap_new(8);
    assert_true(rcv_idmap_insert_expiring(m, "evt_a", 1000, 2000));
    assert_false(rcv_idmap_insert_expiring(m, "evt_a", 1000, 2000));
    assert_false(rcv_idmap_insert_expiring(m, "evt_a", 2999, 2000));
    assert_true(rcv_idmap_insert_expiring(m, "evt_a", 3000, 2000));  /* forgotten */
    assert_false(rcv_idmap_insert_expiring(m, "evt_a", 4999, 2000)); /* stored again at 3000 */
    assert_true(rcv_idmap_insert_expiring(m, "evt_b", 4999, 2000));
    assert_int_equal(rcv_idmap_size(m), 2);
    rcv_idmap_free(m);
}

/* The entities map: the larger value wins, unless always. */
static void latest(void **state)
{
    (void)state;
    struct rcv_idmap *m = rcv_idmap_new(8);
    uint64_t v = 42;
    assert_false(rcv_idmap_value(m, "c1", &v)); /* absent */
    assert_int_equal(v, 42);                    /* untouched */
    rcv_idmap_latest(m, "c1", 1000, false);     /* absent: recorded */
    assert_true(rcv_idmap_value(m, "c1", &v));
    assert_int_equal(v, 1000);
    rcv_idmap_latest(m, "c1", 3000, false); /* larger: wins */
    assert_true(rcv_idmap_value(m, "c1", &v));
    assert_int_equal(v, 3000);
    rcv_idmap_latest(m, "c1", 2000, false); /* smaller: does not */
    rcv_idmap_latest(m, "c1", 3000, false); /* equal: nothing changes */
    assert_true(rcv_idmap_value(m, "c1", &v));
    assert_int_equal(v, 3000);
    rcv_idmap_latest(m, "c1", 2000, true); /* always: overwrites */
    assert_true(rcv_idmap_value(m, "c1", &v));
    assert_int_equal(v, 2000);
    rcv_idmap_latest(m, "c2", 0, true); /* absent, always: recorded */
    assert_true(rcv_idmap_value(m, "c2", &v));
    assert_int_equal(v, 0);
    assert_true(rcv_idmap_value(m, "c1", &v)); /* ids do not share values */
    assert_int_equal(v, 2000);
    assert_int_equal(rcv_idmap_size(m), 2);
    rcv_idmap_free(m);
}

/* rcv_idmap_latest evicts like the other inserts: the oldest id first, and
 * replacing a value does not refresh its age. */
static void latest_eviction(void **state)
{
    (void)state;
    struct rcv_idmap *m = rcv_idmap_new(2);
    uint64_t v = 0;
    rcv_idmap_latest(m, "a", 1, false);
    rcv_idmap_latest(m, "b", 2, false);
    rcv_idmap_latest(m, "a", 10, false); /* still the oldest */
    rcv_idmap_latest(m, "c", 3, false);  /* evicts "a" */
    assert_int_equal(rcv_idmap_size(m), 2);
    assert_false(rcv_idmap_value(m, "a", &v));
    assert_true(rcv_idmap_value(m, "b", &v));
    assert_int_equal(v, 2);
    assert_true(rcv_idmap_value(m, "c", &v));
    assert_int_equal(v, 3);
    /* Forgotten, so recorded afresh: even a smaller value than before. */
    rcv_idmap_latest(m, "a", 5, false); /* evicts "b" */
    assert_true(rcv_idmap_value(m, "a", &v));
    assert_int_equal(v, 5);
    assert_false(rcv_idmap_value(m, "b", &v));
    assert_int_equal(rcv_idmap_size(m), 2);
    rcv_idmap_free(m);
}

static void *race(void *arg)
{
    struct racer *r = arg;
    char id[32];
    pthread_barrier_wait(r->start);
    for (int i = 0; i < IDS; i++) {
        snprintf(id, sizeof(id), "evt_%d", i);
        r->wins += rcv_idmap_insert(r->m, id);
    }
    return NULL;
}

/* Every thread inserts the same ids at the same time: each id is "new" for
 * exactly one of them. */
static void concurrent_inserts(void **state)
{
    (void)state;
    struct rcv_idmap *m = rcv_idmap_new(IDS);
    pthread_barrier_t start;
    pthread_t t[THREADS];
    struct racer r[THREADS];
    pthread_barrier_init(&start, NULL, THREADS);
    for (int i = 0; i < THREADS; i++) {
        r[i] = (struct racer){.m = m, .start = &start};
        assert_int_equal(pthread_create(&t[i], NULL, race, &r[i]), 0);
    }
    unsigned wins = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(t[i], NULL);
        wins += r[i].wins;
    }
    pthread_barrier_destroy(&start);
    assert_int_equal(wins, IDS);
    assert_int_equal(rcv_idmap_size(m), IDS);
    rcv_idmap_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(insert_once),     cmocka_unit_test(fifo_eviction),
        cmocka_unit_test(removal),         cmocka_unit_test(capacity_one),
        cmocka_unit_test(expiring),        cmocka_unit_test(latest),
        cmocka_unit_test(latest_eviction), cmocka_unit_test(concurrent_inserts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
