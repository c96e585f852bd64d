/* The delivery policy's pure computations: the delay before an attempt,
 * the time scale, Retry-After. No state, no clock reads: the caller passes
 * the random draw and the time, so each result follows from its inputs. */
#include "mock_server/policy.h"

#include <math.h>
#include <stdlib.h>

#include "core/clock.h"
#include "core/retry_after.h"

/* Doubles beyond this are saturated before converting back to integers. */
#define DELAY_MAX_MS 1.0e15

static uint64_t delay_from_double(double v)
{
    if (!(v > 0.0)) {
        return 0;
    }
    if (v >= DELAY_MAX_MS) {
        return (uint64_t)DELAY_MAX_MS;
    }
    return (uint64_t)llround(v);
}

static uint64_t delay_cap(const struct ms_policy *p, uint64_t d)
{
    return d > p->backoff_cap_ms ? p->backoff_cap_ms : d;
}

uint64_t ms_policy_backoff_ms(const struct ms_policy *p, unsigned attempt)
{
    unsigned k;

    if (attempt < 2) {
        return 0;
    }
    k = attempt - 2; /* retries already made */
    switch (p->backoff) {
    case MS_BACKOFF_SCHEDULE:
        if (p->n_schedule == 0) {
            return delay_cap(p, p->backoff_base_ms);
        }
        return p->schedule_ms[k < p->n_schedule ? k : p->n_schedule - 1];
    case MS_BACKOFF_LINEAR:
        return delay_cap(p, delay_from_double((double)p->backoff_base_ms * (double)(k + 1)));
    case MS_BACKOFF_FIXED:
        return delay_cap(p, p->backoff_base_ms);
    case MS_BACKOFF_EXPONENTIAL:
    default:
        return delay_cap(p,
                         delay_from_double((double)p->backoff_base_ms * pow(p->backoff_factor, k)));
    }
}

uint64_t ms_policy_delay_ms(const struct ms_policy *p, unsigned attempt, double u)
{
    uint64_t d = ms_policy_backoff_ms(p, attempt);

    if (p->jitter > 0.0 && d > 0) {
        d = delay_from_double((double)d * (1.0 + p->jitter * (2.0 * u - 1.0)));
        if (p->backoff != MS_BACKOFF_SCHEDULE) {
            d = delay_cap(p, d);
        }
    }
    return ms_policy_scale_ms(p, d);
}

uint64_t ms_policy_scale_ms(const struct ms_policy *p, uint64_t delay_ms)
{
    return clock_scale_ms(delay_ms, p->time_scale);
}

bool ms_policy_retry_after_ms(const struct ms_policy *p, long status, const char *value,
                              uint64_t now_wall_ms, uint64_t *out_ms)
{
    uint64_t ms = 0;

    if (!retry_after_counts(status) || retry_after_parse(value, now_wall_ms, &ms) != 0) {
        return false;
    }
    *out_ms = ms > p->retry_after_cap_ms ? p->retry_after_cap_ms : ms;
    return true;
}
