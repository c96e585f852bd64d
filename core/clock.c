/* Monotonic and wall clocks, scaled delays, ISO-8601 formatting. */
#include "core/clock.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <time.h>

uint64_t clock_mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

uint64_t clock_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

uint64_t clock_scale_ms(uint64_t delay_ms, double scale)
{
    if (!(scale > 0.0)) {
        scale = 1.0;
    }
    double v = (double)delay_ms * scale;
    if (v >= 1.8e19) {
        return UINT64_MAX;
    }
    return (uint64_t)llround(v);
}

void clock_iso8601(uint64_t wall_ms, char *out, size_t out_size)
{
    time_t secs = (time_t)(wall_ms / 1000u);
    struct tm tm;
    gmtime_r(&secs, &tm);
    snprintf(out, out_size, "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (unsigned)(wall_ms % 1000u));
}

void clock_sleep_us(uint64_t us)
{
    struct timespec ts = {.tv_sec = (time_t)(us / 1000000u),
                          .tv_nsec = (long)(us % 1000000u) * 1000};
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR) {
    }
}

struct timespec clock_deadline(clockid_t clk, uint64_t ms)
{
    struct timespec t;

    clock_gettime(clk, &t);
    t.tv_sec += (time_t)(ms / 1000u);
    t.tv_nsec += (long)(ms % 1000u) * 1000000L;
    if (t.tv_nsec >= 1000000000L) {
        t.tv_sec++;
        t.tv_nsec -= 1000000000L;
    }
    return t;
}
