/* Order statistics over latencies: the nearest-rank percentile the harness
 * judges bursts by and the reports print, one rule for both. */
#ifndef CORE_STATS_H
#define CORE_STATS_H

#include <stddef.h>
#include <stdint.h>

/* The nearest-rank percentile (0 < p <= 100) of n sorted values: the
 * smallest value with at least p% of the values at or below it. 0 when n
 * is 0. */
uint64_t stats_percentile_sorted(const uint64_t *sorted, size_t n, double p);
/* The 1-based rank that rule picks among n values (1 to n); 0 when n is 0.
 * core/histogram.c counts up to it. */
size_t stats_rank(size_t n, double p);
/* The same of n values in any order; sorts v in place. */
uint64_t stats_percentile(uint64_t *v, size_t n, double p);
/* Sorts n values in ascending order. */
void stats_sort(uint64_t *v, size_t n);

#endif
