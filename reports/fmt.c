/* Formatting helpers for the report writers. */
#include "reports/fmt.h"

#include <stdio.h>
#include <string.h>

#include "core/clock.h"

void rp_fmt_window(const struct rp_window *w, char *buf, size_t size)
{
    if (!w->measured) {
        snprintf(buf, size, "%s", "");
    } else if (!w->accepted_any) {
        snprintf(buf, size, "none (now refused)");
    } else if (!w->refused_any) {
        snprintf(buf, size, "%llu s (none refused)", (unsigned long long)w->accepted_s);
    } else {
        snprintf(buf, size, "%llu s (%llu s refused)", (unsigned long long)w->accepted_s,
                 (unsigned long long)w->refused_s);
    }
}

void rp_fmt_seconds(uint64_t us, char *buf, size_t size)
{
    snprintf(buf, size, "%llu.%03llu", (unsigned long long)(us / 1000000),
             (unsigned long long)(us % 1000000 / 1000));
}

void rp_fmt_utc_plain(uint64_t ms, char *buf, size_t size)
{
    char *dot;

    clock_iso8601(ms, buf, size);
    dot = strchr(buf, '.'); /* the milliseconds and the zone go */
    if (dot != NULL) {
        *dot = '\0';
    }
}
