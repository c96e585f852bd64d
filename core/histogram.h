/* A latency histogram of fixed size: counts in log-linear buckets, so a
 * run of any length costs the same memory, and its percentiles follow the
 * nearest-rank rule of core/stats.h within a bucket's width.
 *
 * Values (microseconds, or any unit) below 64 have a bucket each; above,
 * every doubling is cut in 64 equal buckets, so a bucket is at most 1/64
 * (1.6%) of its values wide. A percentile is reported as the top of its
 * bucket, never above the largest value seen: it may read up to 1.6% high,
 * never low. Values from 2^40 on (12 days in microseconds) share the last
 * bucket. A plain struct of about 18 KiB: no allocation, copy it freely. */
#ifndef CORE_HISTOGRAM_H
#define CORE_HISTOGRAM_H

#include <stddef.h>
#include <stdint.h>

#define HISTOGRAM_SUB     64 /* buckets per doubling, and the exact ones below 64 */
#define HISTOGRAM_TOP_LOG 40 /* values from 2^40 share the last bucket */
#define HISTOGRAM_BUCKETS (HISTOGRAM_SUB + (HISTOGRAM_TOP_LOG - 6) * HISTOGRAM_SUB)

struct histogram {
    uint64_t counts[HISTOGRAM_BUCKETS];
    uint64_t n;   /* values recorded */
    uint64_t min; /* the smallest and largest value recorded (0 when n is 0) */
    uint64_t max;
    uint64_t sum; /* saturates at UINT64_MAX */
};

/* Empties h. */
void histogram_init(struct histogram *h);
void histogram_record(struct histogram *h, uint64_t v);
/* The nearest-rank percentile (0 < p <= 100) of the values recorded, as
 * the top of the bucket it falls in (at most max); 0 when n is 0. */
uint64_t histogram_percentile(const struct histogram *h, double p);
/* Adds every count of from into into. */
void histogram_merge(struct histogram *into, const struct histogram *from);

/* The bucket of v, and the largest value of bucket b (exposed for tests). */
size_t histogram_bucket(uint64_t v);
uint64_t histogram_bucket_top(size_t b);

#endif
