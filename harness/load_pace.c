/* One step of a load at a fixed rate (load_int.h), open loop: delivery k
 * is due at start + k / rate, whatever happened to the ones before, as
 * Vambe's events come when they come (each leaves at most PACE_AHEAD_US
 * early, never late by choice). When a delivery is due and
 * --concurrency are in flight, or the harness is more than
 * HN_LOAD_LATE_LIMIT_US behind, it is not sent and counted as the
 * harness's shortfall, apart from the receiver's errors. Latency is
 * libcurl's total time of each exchange, from the moment the delivery was
 * handed over; how late the harness handed it over is kept apart (the send
 * lag), so a slow harness shows as itself and not as a slow receiver.
 *
 * One thread: core/http_client's event loop (http_client_add and
 * http_client_poll over libcurl multi). Each turn sends every delivery due
 * within PACE_AHEAD_US, then waits in http_client_poll for an answer or
 * until the next one is, at most PACE_TICK_US for the progress line.
 * Memory: two fixed histograms, whatever the duration. */
#include <string.h>

#include "core/clock.h"
#include "harness/load_int.h"

#define PACE_TICK_US 250000u /* progress line and stop check, at most this far apart */
/* A delivery may leave this much before its time: poll(2) waits whole
 * milliseconds, and rounding each wait up would leave a sender with room
 * idle; rounding down would spin. The rate over any second is unchanged. */
#define PACE_AHEAD_US 1000u

struct pace_run {
    const struct hn_load_pace *p;
    struct rp_load_step *s;
    struct hn_load_tally *t;
    uint64_t last_done_us;
};

/* An answer (or a transport error) of the step. */
static void pace_done(void *arg, void *tag, struct http_response *resp)
{
    struct pace_run *r = arg;
    struct hn_load_tally *t = r->t;
    struct rp_load_step *s = r->s;

    (void)tag;
    t->in_flight--;
    r->last_done_us = clock_mono_us();
    if (resp->error == HTTP_ERROR_NONE) {
        histogram_record(&t->latency, resp->total_us);
        if (resp->status >= 200 && resp->status < 300) {
            t->ok++;
        } else {
            t->non_2xx++;
            rp_load_count_status(s, resp->status);
        }
        if (resp->total_us > r->p->budget_us) {
            t->over_budget++;
        }
    } else {
        t->errors++;
        switch (resp->error) {
        case HTTP_ERROR_TIMEOUT:
            s->timeouts++;
            break;
        case HTTP_ERROR_REFUSED:
            s->refused++;
            break;
        case HTTP_ERROR_RESET:
            s->resets++;
            break;
        default:
            s->other_errors++;
            break;
        }
    }
    http_response_cleanup(resp);
}

/* How many deliveries of a step at rate are due by at_us from its start:
 * those k with k * 10^6 / rate <= at_us. */
static uint64_t pace_due_by(uint64_t rate, uint64_t at_us)
{
    return (at_us * rate) / 1000000u + 1;
}

/* Sends or skips every delivery due by now. Returns 0, or -1 when the
 * sender failed. */
static int pace_due(struct pace_run *r, uint64_t t0, uint64_t total, uint64_t *k, struct err *e)
{
    const struct hn_load_pace *p = r->p;
    struct hn_load_tally *t = r->t;
    uint64_t now = clock_mono_us();

    while (*k < total) {
        uint64_t due = t0 + hn_load_due_us(r->s->rate, *k);
        bool cap = t->in_flight >= p->concurrency;
        if (due > now + (cap ? 0 : PACE_AHEAD_US)) {
            break;
        }
        if (cap || (now > due && now - due > HN_LOAD_LATE_LIMIT_US)) {
            /* Every delivery due by now (at the cap), or due before the
             * late limit, is skipped at once: at a rate far above what
             * can be sent, one by one would be most of the work. */
            uint64_t upto = pace_due_by(r->s->rate, (cap ? now : now - HN_LOAD_LATE_LIMIT_US) - t0);
            upto = upto > total ? total : (upto > *k ? upto : *k + 1);
            t->due += upto - *k;
            t->not_sent += upto - *k;
            t->not_sent_at_cap += cap ? upto - *k : 0;
            *k = upto;
            continue;
        }
        (*k)++;
        t->due++;
        if (hn_load_sender_send(p->sender, p->client, NULL, e) != 0) {
            return -1;
        }
        t->in_flight++;
        t->sent++;
        histogram_record(&t->lag, now > due ? now - due : 0);
        now = clock_mono_us(); /* building and signing took time */
    }
    return 0;
}

/* When the loop must look again: the next progress tick, or when the next
 * delivery enters the send-ahead window (at the cap: when it is due, to
 * count it, unless an answer frees a place first). */
static uint64_t pace_wake(const struct pace_run *r, uint64_t t0, uint64_t k, bool sending,
                          uint64_t next_tick)
{
    uint64_t wake = next_tick;

    if (sending) {
        uint64_t due = t0 + hn_load_due_us(r->s->rate, k);
        if (r->t->in_flight < r->p->concurrency) {
            due = due > PACE_AHEAD_US ? due - PACE_AHEAD_US : 0;
        }
        wake = due < wake ? due : wake;
    }
    return wake;
}

/* Copies the tally into the step's counts and percentiles. */
static void pace_fill(struct rp_load_step *s, const struct hn_load_tally *t)
{
    s->sent = t->sent;
    s->not_sent = t->not_sent;
    s->not_sent_at_cap = t->not_sent_at_cap;
    s->ok = t->ok;
    s->non_2xx = t->non_2xx;
    s->over_budget = t->over_budget;
    s->latency.samples = t->latency.n;
    s->latency.p50_us = histogram_percentile(&t->latency, 50);
    s->latency.p90_us = histogram_percentile(&t->latency, 90);
    s->latency.p99_us = histogram_percentile(&t->latency, 99);
    s->latency.max_us = t->latency.max;
    s->lag_p99_us = histogram_percentile(&t->lag, 99);
    s->lag_max_us = t->lag.max;
}

int hn_load_pace_step(const struct hn_load_pace *p, struct rp_load_step *s, struct hn_load_tally *t,
                      struct err *e)
{
    struct pace_run r = {p, s, t, 0};
    uint64_t total = hn_load_scheduled(s->rate, s->duration_us);
    uint64_t k = 0;
    uint64_t t0 = clock_mono_us();
    uint64_t next_tick = t0 + PACE_TICK_US;
    bool stopped = false;
    int rc = 0;

    memset(t, 0, sizeof(*t));
    s->scheduled = total;
    r.last_done_us = t0;
    for (;;) {
        if (!stopped && p->stop != NULL && p->stop() != 0) {
            stopped = true;
            s->status = RP_LOAD_INTERRUPTED;
            s->duration_us = clock_mono_us() - t0;
            s->scheduled = t->due;
        }
        if (!stopped && pace_due(&r, t0, total, &k, e) != 0) {
            rc = -1;
            stopped = true;
            s->scheduled = t->due;
        }
        bool sending = !stopped && k < total;
        if (!sending && t->in_flight == 0) {
            break;
        }
        uint64_t now = clock_mono_us();
        if (now >= next_tick) {
            if (p->progress != NULL) {
                pace_fill(s, t);
                p->progress(p->progress_arg, s, t, now - t0);
            }
            next_tick = now + PACE_TICK_US;
        }
        uint64_t wake = pace_wake(&r, t0, k, sending, next_tick);
        int wait_ms = wake > now ? (int)((wake - now + 999) / 1000) : 0;
        if (http_client_poll(p->client, wait_ms, pace_done, &r) != 0) {
            err_set(e, "the HTTP client failed");
            rc = -1;
            break;
        }
    }
    s->elapsed_us = (r.last_done_us > t0 ? r.last_done_us : clock_mono_us()) - t0;
    pace_fill(s, t);
    return rc;
}
