/* The preflight: before any case runs, the harness makes sure the target
 * can be reached at all, so an unreachable receiver is one clear exit 3
 * ("connection refused") instead of twenty-one ERROR verdicts. It opens a
 * plain TCP connection and closes it: nothing is delivered, so the
 * receiver's state and counters are untouched. */
#ifndef HARNESS_PREFLIGHT_H
#define HARNESS_PREFLIGHT_H

#include <stdint.h>

#include "core/err.h"
#include "harness/url.h"

/* Resolves the host (or takes address, a numeric address given by
 * --resolve; NULL: none) and connects to one of its addresses within
 * timeout_ms. Returns 0, or -1 with the reason in e ("127.0.0.1:9:
 * connection refused"). */
int hn_preflight_check(const struct hn_url *u, const char *address, uint64_t timeout_ms,
                       struct err *e);

#endif
