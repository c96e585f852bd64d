/* core/stats: the nearest-rank percentile. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/stats.h"

static void percentiles(void **state)
{
    uint64_t v[20];
    uint64_t one = 7;

    (void)state;
    for (int i = 0; i < 20; i++) {
        v[i] = (uint64_t)(20 - i) * 1000; /* unsorted on purpose */
    }
    assert_int_equal(stats_percentile(v, 20, 50), 10000);
    assert_int_equal(stats_percentile(v, 20, 95), 19000);
    assert_int_equal(stats_percentile(v, 20, 99), 20000);
    assert_int_equal(stats_percentile(v, 20, 100), 20000);
    /* Sorted in place: the sorted form gives the same. */
    assert_int_equal(v[0], 1000);
    assert_int_equal(stats_percentile_sorted(v, 20, 5), 1000);
    assert_int_equal(stats_percentile_sorted(v, 20, 51), 11000);
    assert_int_equal(stats_percentile(&one, 1, 95), 7);
    assert_int_equal(stats_percentile(NULL, 0, 95), 0);
    assert_int_equal(stats_percentile_sorted(NULL, 0, 50), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(percentiles),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
