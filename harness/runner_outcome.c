/* A step's outcome and what it was held to (runner_priv.h): the verdict
 * with its reason, whether an answer is a 2xx, the exchange timeout an
 * expectation allows and its text ("status 401 or 403, answered within
 * 5.00 s"). Shared by runner.c and every step file; calls none of them. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/clock.h"
#include "harness/runner_priv.h"
#include "harness/verdict.h"

void hn_runner_outcome_set(struct hn_runner_outcome *out, enum rp_verdict v, const char *fmt, ...)
{
    va_list ap;

    out->verdict = v;
    va_start(ap, fmt);
    vsnprintf(out->why, sizeof(out->why), fmt, ap);
    va_end(ap);
}

uint64_t hn_runner_timeout(const struct hn_runner *r, const struct hn_expect *x)
{
    /* With a latency bound, the exchange may take a little longer than the
     * bound, so a slow receiver is measured (FAIL, with its time) rather
     * than cut off at a shorter --timeout. */
    if (x->latency_max_ms > 0 && r->o.timeout_ms < x->latency_max_ms + 1000u) {
        return x->latency_max_ms + 1000u;
    }
    return r->o.timeout_ms;
}

void hn_runner_expect_text(const struct hn_expect *x, char *out, size_t out_size)
{
    char status[96] = "";
    char lat[32] = "";
    char p95[32] = "";

    if (x->has_status) {
        hn_verdict_expect_text(x, status, sizeof(status));
    }
    if (x->latency_max_ms > 0) {
        clock_duration_text(x->latency_max_ms * 1000u, lat, sizeof(lat));
    }
    if (x->p95_max_ms > 0) {
        clock_duration_text(x->p95_max_ms * 1000u, p95, sizeof(p95));
    }
    snprintf(out, out_size, "%s%s%s%s%s%s%s", status[0] ? "status " : "", status,
             status[0] && lat[0] ? ", " : "", lat[0] ? "answered within " : "", lat,
             (status[0] || lat[0]) && p95[0] ? ", " : "", p95[0] ? "p95 within " : "");
    if (p95[0] != '\0') {
        size_t n = strlen(out);
        snprintf(out + n, out_size - n, "%s", p95);
    }
}

bool hn_runner_accepted(const struct http_response *resp)
{
    return resp->error == HTTP_ERROR_NONE && resp->status >= 200 && resp->status <= 299;
}
