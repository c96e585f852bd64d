/* Retry-After values (retry_after.h). */
#include "core/retry_after.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

bool retry_after_counts(long status)
{
    return status == 429 || status == 503;
}

/* An HTTP-date (RFC 9110 IMF-fixdate) in epoch milliseconds. 0 or -1. */
static int retry_after_date(const char *s, uint64_t *out_ms)
{
    struct tm tm;
    const char *end;
    time_t t;

    memset(&tm, 0, sizeof(tm));
    end = strptime(s, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    if (end == NULL) {
        return -1;
    }
    while (*end == ' ' || *end == '\t') {
        end++;
    }
    if (*end != '\0') {
        return -1;
    }
    t = timegm(&tm);
    if (t == (time_t)-1 || t < 0) {
        return -1;
    }
    *out_ms = (uint64_t)t * 1000u;
    return 0;
}

int retry_after_parse(const char *value, uint64_t now_wall_ms, uint64_t *out_ms)
{
    if (value == NULL) {
        return -1;
    }
    while (*value == ' ' || *value == '\t') {
        value++;
    }
    if (isdigit((unsigned char)value[0])) {
        char *end = NULL;
        unsigned long long s;

        errno = 0;
        s = strtoull(value, &end, 10);
        while (*end == ' ' || *end == '\t') {
            end++;
        }
        if (*end != '\0') {
            return -1;
        }
        *out_ms = errno == ERANGE || s > UINT64_MAX / 1000u ? UINT64_MAX : (uint64_t)s * 1000u;
        return 0;
    }
    uint64_t at = 0;
    if (retry_after_date(value, &at) != 0) {
        return -1;
    }
    *out_ms = at > now_wall_ms ? at - now_wall_ms : 0;
    return 0;
}
