/* bare_timer: how late a thread wakes up on this machine, right now.
 *
 * The baseline of the retry timing figure: N sleeps to absolute deadlines
 * P microseconds apart with clock_nanosleep(TIMER_ABSTIME) on
 * CLOCK_MONOTONIC, each one's lateness (wake-up time - deadline) recorded.
 * Pinned to the mock's core while nothing else of the benchmark runs, it
 * gives the floor any scheduler on that core can reach: retries cannot be
 * more punctual than the thread that sends them can wake up.
 *
 *   bare_timer [--count N] [--period-us P] [--slack-ns S]
 *
 * Prints one line: "count N p50_ms X p99_ms Y max_ms Z". --slack-ns sets
 * the timer slack (default: the process's own, 50 us on Linux, as the
 * mock has). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* prctl, clock_nanosleep */
#endif

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>

#include "bench_util.h"

static int64_t bt_ns(const struct timespec *t)
{
    return (int64_t)t->tv_sec * 1000000000 + t->tv_nsec;
}

static int bt_cmp(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a;
    int64_t y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Nearest rank, as the harness computes its percentiles. */
static double bt_pct_ms(const int64_t *v, size_t n, double p)
{
    size_t rank = (size_t)ceil(p / 100.0 * (double)n);

    return (double)v[rank > 0 ? rank - 1 : 0] / 1e6;
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"count", required_argument, NULL, 'n'},
        {"period-us", required_argument, NULL, 'p'},
        {"slack-ns", required_argument, NULL, 's'},
        {NULL, 0, NULL, 0},
    };
    unsigned long count = 1000;
    unsigned long period_us = 1000;
    unsigned long v = 0;
    int64_t *late;
    struct timespec next;
    int c;

    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (c == 'n' && bu_number(optarg, 1, 10000000, &count) == 0) {
            continue;
        }
        if (c == 'p' && bu_number(optarg, 1, 10000000, &period_us) == 0) {
            continue;
        }
        if (c == 's' && bu_number(optarg, 1, 1000000000, &v) == 0) {
            prctl(PR_SET_TIMERSLACK, v, 0UL, 0UL, 0UL);
            continue;
        }
        fprintf(stderr, "usage: bare_timer [--count N] [--period-us P] [--slack-ns S]\n");
        return 2;
    }
    late = calloc(count, sizeof(*late));
    if (late == NULL) {
        fprintf(stderr, "bare_timer: out of memory\n");
        return 1;
    }
    clock_gettime(CLOCK_MONOTONIC, &next);
    for (unsigned long i = 0; i < count; i++) {
        struct timespec now;

        next.tv_nsec += (long)(period_us * 1000);
        next.tv_sec += next.tv_nsec / 1000000000L;
        next.tv_nsec %= 1000000000L;
        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == EINTR) {
        }
        clock_gettime(CLOCK_MONOTONIC, &now);
        late[i] = bt_ns(&now) - bt_ns(&next);
    }
    qsort(late, count, sizeof(*late), bt_cmp);
    printf("count %lu p50_ms %.3f p99_ms %.3f max_ms %.3f\n", count, bt_pct_ms(late, count, 50),
           bt_pct_ms(late, count, 99), (double)late[count - 1] / 1e6);
    free(late);
    return 0;
}
