/* The fixed-size latency histogram (see histogram.h). */
#include "core/histogram.h"

#include <string.h>

#include "core/stats.h"

void histogram_init(struct histogram *h)
{
    memset(h, 0, sizeof(*h));
}

size_t histogram_bucket(uint64_t v)
{
    if (v < HISTOGRAM_SUB) {
        return (size_t)v;
    }
    unsigned e = 63u - (unsigned)__builtin_clzll(v); /* 2^e <= v < 2^(e+1), e >= 6 */
    if (e >= HISTOGRAM_TOP_LOG) {
        return HISTOGRAM_BUCKETS - 1;
    }
    uint64_t mantissa = v >> (e - 6); /* 64 to 127 */
    return HISTOGRAM_SUB + (size_t)(e - 6) * HISTOGRAM_SUB + (size_t)(mantissa - HISTOGRAM_SUB);
}

uint64_t histogram_bucket_top(size_t b)
{
    if (b < HISTOGRAM_SUB) {
        return b;
    }
    if (b >= HISTOGRAM_BUCKETS - 1) {
        return UINT64_MAX;
    }
    size_t k = b - HISTOGRAM_SUB;
    unsigned e = 6u + (unsigned)(k / HISTOGRAM_SUB);
    uint64_t mantissa = HISTOGRAM_SUB + k % HISTOGRAM_SUB;
    return ((mantissa + 1) << (e - 6)) - 1;
}

void histogram_record(struct histogram *h, uint64_t v)
{
    h->counts[histogram_bucket(v)]++;
    if (h->n == 0 || v < h->min) {
        h->min = v;
    }
    if (v > h->max) {
        h->max = v;
    }
    h->n++;
    h->sum = h->sum > UINT64_MAX - v ? UINT64_MAX : h->sum + v;
}

uint64_t histogram_percentile(const struct histogram *h, double p)
{
    size_t rank = stats_rank((size_t)h->n, p);
    uint64_t seen = 0;

    if (rank == 0) {
        return 0;
    }
    for (size_t b = 0; b < HISTOGRAM_BUCKETS; b++) {
        seen += h->counts[b];
        if (seen >= rank) {
            uint64_t top = histogram_bucket_top(b);
            return top < h->max ? (top > h->min ? top : h->min) : h->max;
        }
    }
    return h->max;
}

void histogram_merge(struct histogram *into, const struct histogram *from)
{
    if (from->n == 0) {
        return;
    }
    for (size_t b = 0; b < HISTOGRAM_BUCKETS; b++) {
        into->counts[b] += from->counts[b];
    }
    if (into->n == 0 || from->min < into->min) {
        into->min = from->min;
    }
    if (from->max > into->max) {
        into->max = from->max;
    }
    into->n += from->n;
    into->sum = into->sum > UINT64_MAX - from->sum ? UINT64_MAX : into->sum + from->sum;
}
