/* Monotonic and wall clocks, scaled delays, ISO-8601 formatting. */
#include "core/clock.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <time.h>

void clock_duration_text(uint64_t us, char *out, size_t out_size)
{
    if (us < 1000000u) {
        snprintf(out, out_size, "%.1f ms", (double)us / 1000.0);
    } else {
        snprintf(out, out_size, "%.2f s", (double)us / 1000000.0);
    }
}

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

/* Reads exactly n digits at *p into *out; advances *p. */
static int clock_digits(const char **p, int n, int *out)
{
    int v = 0;

    for (int i = 0; i < n; i++) {
        if ((*p)[i] < '0' || (*p)[i] > '9') {
            return -1;
        }
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    *out = v;
    return 0;
}

int clock_parse_iso8601(const char *s, uint64_t *wall_ms)
{
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    struct tm tm = {0};
    int y, mo, d, h, mi, sec, oh = 0, om = 0, ms = 0;
    long long offset_s = 0;
    const char *p = s;

    if (clock_digits(&p, 4, &y) != 0 || *p++ != '-' || clock_digits(&p, 2, &mo) != 0 ||
        *p++ != '-' || clock_digits(&p, 2, &d) != 0 || (*p != 'T' && *p != 't' && *p != ' ')) {
        return -1;
    }
    p++;
    if (clock_digits(&p, 2, &h) != 0 || *p++ != ':' || clock_digits(&p, 2, &mi) != 0 ||
        *p++ != ':' || clock_digits(&p, 2, &sec) != 0) {
        return -1;
    }
    if (*p == '.') {
        int scale = 100;
        if (*++p < '0' || *p > '9') {
            return -1;
        }
        for (; *p >= '0' && *p <= '9'; p++) {
            ms += (*p - '0') * scale;
            scale /= 10;
        }
    }
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p++ == '-' ? -1 : 1;
        if (clock_digits(&p, 2, &oh) != 0 || *p++ != ':' || clock_digits(&p, 2, &om) != 0 ||
            oh > 23 || om > 59) {
            return -1;
        }
        offset_s = sign * (oh * 3600LL + om * 60LL);
    } else {
        return -1;
    }
    /* 60: a leap second, which timegm folds into the next minute. */
    if (*p != '\0' || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 ||
        sec > 60 || (mo == 2 && d == 29 && (y % 4 != 0 || (y % 100 == 0 && y % 400 != 0)))) {
        return -1;
    }
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    long long t = (long long)timegm(&tm) - offset_s;
    if (t < 0) {
        return -1;
    }
    *wall_ms = (uint64_t)t * 1000u + (uint64_t)ms;
    return 0;
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
