/* mock_server/timerq: order by due time, first in first out on ties, many
 * items in random order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>
#include <stdlib.h>

#include "core/rng.h"
#include "mock_server/timerq.h"

static void empty_queue(void **state)
{
    (void)state;
    struct ms_timerq *q = ms_timerq_new();
    uint64_t due = 7;

    assert_int_equal(ms_timerq_size(q), 0);
    assert_null(ms_timerq_peek(q, &due));
    assert_int_equal(due, 7);
    assert_null(ms_timerq_pop(q));
    ms_timerq_free(q);
    ms_timerq_free(NULL);
}

static void earliest_first_ties_in_push_order(void **state)
{
    (void)state;
    struct ms_timerq *q = ms_timerq_new();
    int items[6] = {0, 1, 2, 3, 4, 5};
    uint64_t due = 0;

    ms_timerq_push(q, 30, &items[0]);
    ms_timerq_push(q, 10, &items[1]);
    ms_timerq_push(q, 20, &items[2]);
    ms_timerq_push(q, 10, &items[3]);
    ms_timerq_push(q, 10, &items[4]);
    ms_timerq_push(q, 5, &items[5]);
    assert_int_equal(ms_timerq_size(q), 6);
    assert_ptr_equal(ms_timerq_peek(q, &due), &items[5]);
    assert_int_equal(due, 5);
    assert_ptr_equal(ms_timerq_pop(q), &items[5]);
    assert_ptr_equal(ms_timerq_pop(q), &items[1]);
    assert_ptr_equal(ms_timerq_pop(q), &items[3]);
    assert_ptr_equal(ms_timerq_pop(q), &items[4]);
    assert_ptr_equal(ms_timerq_pop(q), &items[2]);
    assert_ptr_equal(ms_timerq_pop(q), &items[0]);
    assert_null(ms_timerq_pop(q));
    ms_timerq_free(q);
}

static void many_random_items_come_out_sorted(void **state)
{
    (void)state;
    enum { N = 20000 };
    struct ms_timerq *q = ms_timerq_new();
    uint64_t *due = calloc(N, sizeof(*due));
    struct rng r;
    uint64_t last = 0;
    size_t last_index = 0;

    assert_non_null(due);
    rng_seed(&r, 1);
    for (size_t i = 0; i < N; i++) {
        due[i] = rng_below(&r, 1000); /* many ties */
        ms_timerq_push(q, due[i], &due[i]);
    }
    for (size_t i = 0; i < N; i++) {
        uint64_t *item = ms_timerq_pop(q);
        size_t index = (size_t)(item - due);

        assert_non_null(item);
        assert_true(*item >= last);
        if (i > 0 && *item == last) {
            assert_true(index > last_index); /* ties keep push order */
        }
        last = *item;
        last_index = index;
    }
    assert_int_equal(ms_timerq_size(q), 0);
    ms_timerq_free(q);
    free(due);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(empty_queue),
        cmocka_unit_test(earliest_first_ties_in_push_order),
        cmocka_unit_test(many_random_items_come_out_sorted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
