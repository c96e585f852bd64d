/* Verdict logic, free of I/O so it can be tested alone: does a response
 * meet a step's expectation, what does a case's level make of a failed
 * step, and the figures (percentiles, durations) shown beside a verdict. */
#ifndef HARNESS_VERDICT_H
#define HARNESS_VERDICT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/http_client.h"
#include "harness/scenario.h"
#include "reports/model.h"

/* True when status meets x's status expectation (or x has none). */
bool hn_verdict_status_ok(const struct hn_expect *x, long status);

/* Judges one delivery's response against x. timeout_ms is the exchange's
 * timeout. A timeout on a step with a latency bound is a FAIL (the receiver
 * was slower than the bound: the runner makes the timeout longer than the
 * bound); any other network failure is an ERROR. Writes why (one line) when
 * the verdict is not PASS. */
enum rp_verdict hn_verdict_exchange(const struct hn_expect *x, const struct http_response *resp,
                                    uint64_t timeout_ms, char *why, size_t why_size);

/* The worse of two step verdicts: PASS < SKIP < WARN < FAIL < ERROR. */
enum rp_verdict hn_verdict_worse(enum rp_verdict a, enum rp_verdict b);

/* A case's verdict from its worst step: a failure is FAIL for MUST, WARN for
 * SHOULD (FAIL with strict), WARN for INFO (reported, never fatal). PASS,
 * SKIP and ERROR stand as they are. */
enum rp_verdict hn_verdict_case(enum rp_verdict worst_step, enum rp_level level, bool strict);

/* "401 or 403", "2xx", "not 3xx", "4xx (not 5xx)"; "any status" when none. */
void hn_verdict_expect_text(const struct hn_expect *x, char *out, size_t out_size);

#endif
