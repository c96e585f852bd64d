/* core/xalloc: arrays grown by doubling (xgrow). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>

#include "core/xalloc.h"

static void grow_by_doubling(void **state)
{
    int *v = NULL;
    int *same;
    size_t cap = 0;

    (void)state;
    v = xgrow(v, &cap, 1, 4, sizeof(*v));
    assert_non_null(v);
    assert_int_equal(cap, 4);
    /* Room enough: nothing moves. */
    same = xgrow(v, &cap, 4, 4, sizeof(*v));
    assert_ptr_equal(same, v);
    assert_int_equal(cap, 4);
    /* One past: doubled, the items kept. */
    for (int i = 0; i < 4; i++) {
        v[i] = i * 10;
    }
    v = xgrow(v, &cap, 5, 4, sizeof(*v));
    assert_int_equal(cap, 8);
    assert_int_equal(v[3], 30);
    /* Far past: doubled until it fits. */
    v = xgrow(v, &cap, 100, 4, sizeof(*v));
    assert_int_equal(cap, 128);
    v[99] = 1;
    free(v);
    /* A first size of 0 starts at 1. */
    cap = 0;
    v = xgrow(NULL, &cap, 3, 0, sizeof(*v));
    assert_int_equal(cap, 4);
    free(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(grow_by_doubling),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
