/* Parsers for command-line and configuration values. Each fills err with a
 * message naming the problem ("'5x': unknown unit 'x' (use ms, s, m or h)"). */
#ifndef CORE_PARSE_H
#define CORE_PARSE_H

#include <stdint.h>

#include "core/err.h"

/* "250ms", "5s", "1.5s", "2m", "1h", "0" -> milliseconds. A unit is required
 * for any non-zero value. At most 30 days. */
int parse_duration_ms(const char *s, uint64_t *out_ms, struct err *e);
/* Decimal integer within [min, max]. */
int parse_int(const char *s, long long min, long long max, long long *out, struct err *e);
/* A byte count within [min, max]: a decimal integer, optionally followed by
 * K, M or G (or KiB, MiB, GiB): 1024, 1024^2, 1024^3. "256M" -> 268435456. */
int parse_bytes(const char *s, uint64_t min, uint64_t max, uint64_t *out, struct err *e);
/* Decimal floating point within [min, max]. */
int parse_double(const char *s, double min, double max, double *out, struct err *e);

#endif
