/* Order statistics (see stats.h). */
#include "core/stats.h"

#include <stdlib.h>

static int stats_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a;
    uint64_t y = *(const uint64_t *)b;

    return (x > y) - (x < y);
}

void stats_sort(uint64_t *v, size_t n)
{
    if (n > 1) {
        qsort(v, n, sizeof(*v), stats_cmp);
    }
}

size_t stats_rank(size_t n, double p)
{
    size_t rank;

    if (n == 0) {
        return 0;
    }
    rank = (size_t)(p / 100.0 * (double)n + 0.999999);
    if (rank < 1) {
        rank = 1;
    }
    if (rank > n) {
        rank = n;
    }
    return rank;
}

uint64_t stats_percentile_sorted(const uint64_t *sorted, size_t n, double p)
{
    if (n == 0) {
        return 0;
    }
    return sorted[stats_rank(n, p) - 1];
}

uint64_t stats_percentile(uint64_t *v, size_t n, double p)
{
    stats_sort(v, n);
    return stats_percentile_sorted(v, n, p);
}
