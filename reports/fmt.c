/* Formatting helpers for the report writers. */
#include "reports/fmt.h"

#include <stdio.h>
#include <time.h>

void rp_fmt_duration(uint64_t us, char *buf, size_t size)
{
    if (us < 1000000) {
        snprintf(buf, size, "%.1f ms", (double)us / 1000.0);
    } else {
        snprintf(buf, size, "%.2f s", (double)us / 1000000.0);
    }
}

void rp_fmt_seconds(uint64_t us, char *buf, size_t size)
{
    snprintf(buf, size, "%llu.%03llu", (unsigned long long)(us / 1000000),
             (unsigned long long)(us % 1000000 / 1000));
}

/* Breaks epoch ms into UTC fields; a value gmtime cannot take is the epoch. */
static void utc_fields(uint64_t ms, struct tm *tm)
{
    time_t t = (time_t)(ms / 1000);
    if (gmtime_r(&t, tm) == NULL) {
        t = 0;
        gmtime_r(&t, tm);
    }
}

void rp_fmt_utc_ms(uint64_t ms, char *buf, size_t size)
{
    struct tm tm;
    utc_fields(ms, &tm);
    snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (unsigned)(ms % 1000));
}

void rp_fmt_utc_plain(uint64_t ms, char *buf, size_t size)
{
    struct tm tm;
    utc_fields(ms, &tm);
    snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}
