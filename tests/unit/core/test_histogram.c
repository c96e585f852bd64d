/* core/histogram: buckets (exact below 64, at most 1/64 wide above),
 * percentiles that follow core/stats's nearest rank within a bucket and
 * never read low, merging, and a fixed size whatever is recorded. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>

#include <stdlib.h>

#include "core/histogram.h"
#include "core/rng.h"
#include "core/stats.h"

static void buckets(void **state)
{
    (void)state;
    for (uint64_t v = 0; v < 64; v++) {
        assert_int_equal(histogram_bucket(v), v);
        assert_int_equal(histogram_bucket_top(v), v);
    }
    /* Monotonic, each value within its bucket, a bucket at most 1/64 of
     * its values wide. */
    size_t prev = 0;
    for (uint64_t v = 1; v < (1ull << 40); v = v + 1 + v / 7) {
        size_t b = histogram_bucket(v);
        assert_true(b >= prev);
        assert_true(b < HISTOGRAM_BUCKETS);
        assert_true(histogram_bucket_top(b) >= v);
        if (b > 0) {
            assert_true(histogram_bucket_top(b - 1) < v);
        }
        if (v >= 64) {
            assert_true((histogram_bucket_top(b) - v) * 64 <= v);
        }
        prev = b;
    }
    assert_int_equal(histogram_bucket(UINT64_MAX), HISTOGRAM_BUCKETS - 1);
    assert_int_equal(histogram_bucket(1ull << 40), HISTOGRAM_BUCKETS - 1);
}

static void percentiles_track_stats(void **state)
{
    (void)state;
    enum { N = 20000 };
    uint64_t *v = malloc(N * sizeof(uint64_t));
    struct histogram *h = malloc(sizeof(*h));
    struct rng r;

    assert_non_null(v);
    assert_non_null(h);
    histogram_init(h);
    assert_int_equal(histogram_percentile(h, 50), 0);
    rng_seed(&r, 1);
    for (int i = 0; i < N; i++) {
        /* latencies from 50 us to about 3 s, skewed like real ones */
        v[i] = 50 + rng_below(&r, 1000) * rng_below(&r, 1000) * (rng_below(&r, 10) == 0 ? 3 : 1);
        histogram_record(h, v[i]);
    }
    stats_sort(v, N);
    static const double ps[] = {1, 50, 90, 99, 99.9, 100};
    for (size_t i = 0; i < sizeof(ps) / sizeof(ps[0]); i++) {
        uint64_t exact = stats_percentile_sorted(v, N, ps[i]);
        uint64_t got = histogram_percentile(h, ps[i]);
        /* never low, at most a bucket's width high */
        assert_true(got >= exact);
        assert_true((got - exact) * 64 <= exact);
    }
    assert_int_equal(histogram_percentile(h, 100), v[N - 1]);
    assert_int_equal(h->n, N);
    assert_int_equal(h->min, v[0]);
    assert_int_equal(h->max, v[N - 1]);
    free(h);
    free(v);
}

static void small_and_merged(void **state)
{
    (void)state;
    struct histogram *a = malloc(sizeof(*a));
    struct histogram *b = malloc(sizeof(*b));

    assert_non_null(a);
    assert_non_null(b);
    histogram_init(a);
    histogram_init(b);
    histogram_record(a, 7);
    assert_int_equal(histogram_percentile(a, 50), 7);
    assert_int_equal(histogram_percentile(a, 99), 7);
    /* One large value: its percentile is the value itself (capped at max). */
    histogram_record(b, 123456);
    assert_int_equal(histogram_percentile(b, 50), 123456);
    histogram_merge(a, b);
    assert_int_equal(a->n, 2);
    assert_int_equal(a->min, 7);
    assert_int_equal(a->max, 123456);
    assert_int_equal(histogram_percentile(a, 50), 7);
    assert_int_equal(histogram_percentile(a, 51), 123456);
    free(a);
    free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(buckets),
        cmocka_unit_test(percentiles_track_stats),
        cmocka_unit_test(small_and_merged),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
