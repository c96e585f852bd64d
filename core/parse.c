/* Parsers for durations and bounded numbers, with messages that name the
 * problem. */
#include "core/parse.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define DURATION_MAX_MS (30ull * 24 * 3600 * 1000)

int parse_duration_ms(const char *s, uint64_t *out_ms, struct err *e)
{
    if (s == NULL || *s == '\0') {
        return err_set(e, "empty duration (use e.g. 250ms, 5s, 2m, 1h)");
    }
    if (*s == '-' || *s == '+' || *s == ' ') {
        return err_set(e, "'%s': a duration is a non-negative number and a unit", s);
    }
    errno = 0;
    char *end = NULL;
    double v = strtod(s, &end);
    if (end == s || errno != 0 || !isfinite(v)) {
        return err_set(e, "'%s': not a duration (use e.g. 250ms, 5s, 2m, 1h)", s);
    }
    double mult;
    if (*end == '\0') {
        if (v != 0.0) {
            return err_set(e, "'%s': missing unit (use ms, s, m or h)", s);
        }
        mult = 0;
    } else if (strcmp(end, "ms") == 0) {
        mult = 1;
    } else if (strcmp(end, "s") == 0) {
        mult = 1000;
    } else if (strcmp(end, "m") == 0) {
        mult = 60000;
    } else if (strcmp(end, "h") == 0) {
        mult = 3600000;
    } else {
        return err_set(e, "'%s': unknown unit '%s' (use ms, s, m or h)", s, end);
    }
    double ms = v * mult;
    if (ms > (double)DURATION_MAX_MS) {
        return err_set(e, "'%s': too long (at most 30 days)", s);
    }
    *out_ms = (uint64_t)llround(ms);
    return 0;
}

int parse_int(const char *s, long long min, long long max, long long *out, struct err *e)
{
    if (s == NULL || *s == '\0') {
        return err_set(e, "empty value where an integer was expected");
    }
    errno = 0;
    char *end = NULL;
    long long v = strtoll(s, &end, 10);
    if (end == s || *end != '\0' || s[0] == ' ') {
        return err_set(e, "'%s': not an integer", s);
    }
    if (errno == ERANGE || v < min || v > max) {
        return err_set(e, "'%s': out of range (%lld to %lld)", s, min, max);
    }
    *out = v;
    return 0;
}

int parse_bytes(const char *s, uint64_t min, uint64_t max, uint64_t *out, struct err *e)
{
    static const struct {
        const char *name;
        unsigned shift;
    } units[] = {{"", 0}, {"K", 10}, {"KiB", 10}, {"M", 20}, {"MiB", 20}, {"G", 30}, {"GiB", 30}};
    unsigned long long v;
    char *end = NULL;

    if (s == NULL || *s == '\0') {
        return err_set(e, "empty value where a size was expected");
    }
    if (!isdigit((unsigned char)s[0])) {
        return err_set(e, "'%s': not a size (a number of bytes, or with K, M or G)", s);
    }
    errno = 0;
    v = strtoull(s, &end, 10);
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        if (strcmp(end, units[i].name) != 0) {
            continue;
        }
        if (errno == ERANGE || v > (UINT64_MAX >> units[i].shift) || (v << units[i].shift) < min ||
            (v << units[i].shift) > max) {
            return err_set(e, "'%s': out of range (%llu to %llu bytes)", s, (unsigned long long)min,
                           (unsigned long long)max);
        }
        *out = (uint64_t)v << units[i].shift;
        return 0;
    }
    return err_set(e, "'%s': unknown unit '%s' (use K, M or G, or none for bytes)", s, end);
}

int parse_double(const char *s, double min, double max, double *out, struct err *e)
{
    if (s == NULL || *s == '\0') {
        return err_set(e, "empty value where a number was expected");
    }
    errno = 0;
    char *end = NULL;
    double v = strtod(s, &end);
    if (end == s || *end != '\0' || s[0] == ' ' || !isfinite(v)) {
        return err_set(e, "'%s': not a number", s);
    }
    if (errno == ERANGE || v < min || v > max) {
        return err_set(e, "'%s': out of range (%g to %g)", s, min, max);
    }
    *out = v;
    return 0;
}
