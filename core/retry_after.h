/* Retry-After (RFC 9110 §10.2.3): what a 429 or 503 asks a sender to
 * wait. The mock honours it when it retries, the harness when a case
 * retries like a sender (RAT-002). */
#ifndef CORE_RETRY_AFTER_H
#define CORE_RETRY_AFTER_H

#include <stdbool.h>
#include <stdint.h>

/* Does a response with this status ask for a delay with Retry-After? */
bool retry_after_counts(long status);

/* Reads a Retry-After value: delta seconds ("120") or an HTTP-date
 * ("Sun, 06 Nov 1994 08:49:37 GMT"), blanks around it allowed. Stores the
 * delay from now_wall_ms in *out_ms (0 for a date in the past, UINT64_MAX
 * past overflow) and returns 0; -1 when value is NULL or not valid. */
int retry_after_parse(const char *value, uint64_t now_wall_ms, uint64_t *out_ms);

#endif
