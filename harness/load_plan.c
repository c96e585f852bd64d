/* The load's rules (load_int.h): the schedule, how a step is judged, when
 * a ramp goes on, where the knee is. No I/O, so tests check them alone. */
#include "harness/load_int.h"

uint64_t hn_load_scheduled(uint64_t rate, uint64_t duration_us)
{
    /* At most 10^6/s for 24 h: the product stays below 2^63. */
    return (duration_us * rate + 999999u) / 1000000u;
}

uint64_t hn_load_due_us(uint64_t rate, uint64_t k)
{
    return rate > 0 ? k * 1000000u / rate : 0;
}

void hn_load_judge(const struct rp_load *l, struct rp_load_step *s)
{
    if (s->status == RP_LOAD_INTERRUPTED) {
        return;
    }
    if (s->non_2xx + rp_load_step_errors(s) > 0) {
        s->status = RP_LOAD_ERRORS;
    } else if (s->latency.samples > 0 && s->latency.p99_us > l->budget_us) {
        s->status = RP_LOAD_OVER_BUDGET;
    } else if (s->sent == 0 || s->not_sent * HN_LOAD_TOLERANCE > s->scheduled) {
        s->status = RP_LOAD_NOT_KEPT;
    } else {
        s->status = RP_LOAD_OK;
    }
}

bool hn_load_next(const struct rp_load *l, const struct rp_load_step *s, uint64_t *next,
                  enum rp_load_stop *stop)
{
    uint64_t failed = s->non_2xx + rp_load_step_errors(s);

    if (s->status == RP_LOAD_INTERRUPTED) {
        *stop = RP_LOAD_STOP_INTERRUPTED;
    } else if (failed * HN_LOAD_TOLERANCE > s->sent) {
        *stop = RP_LOAD_STOP_ERRORS;
    } else if (s->latency.samples > 0 && s->latency.p99_us > l->budget_us) {
        *stop = RP_LOAD_STOP_BUDGET;
    } else if (s->status == RP_LOAD_NOT_KEPT) {
        *stop = RP_LOAD_STOP_HARNESS;
    } else if (s->rate >= l->max) {
        *stop = RP_LOAD_STOP_MAX;
    } else {
        *next = s->rate > l->max / 2 ? l->max : s->rate * 2;
        return true;
    }
    return false;
}

void hn_load_find_knee(struct rp_load *l)
{
    l->has_knee = false;
    l->knee = 0;
    l->sustained_rps = 0.0;
    for (size_t i = 0; i < l->n_steps; i++) {
        if (l->steps[i].status == RP_LOAD_OK) {
            l->has_knee = true;
            l->knee = i;
        }
    }
    if (l->has_knee) {
        l->sustained_rps = rp_load_step_ok_rps(&l->steps[l->knee]);
    }
}
