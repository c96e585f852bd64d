/* SIG-004's and SIG-005's measure: how far from now a timestamp may be,
 * in one direction, before the receiver refuses a delivery that is
 * otherwise valid. Starts at the scheme's bound, doubles while accepted
 * (up to WINDOW_CAP_S), then bisects to within 1 s. A figure, not a
 * verdict: the step passes whatever it finds; the case's other steps
 * judge. What it finds is kept for the run's report (hn_runner_set_window,
 * at the end). */
#include <stdio.h>
#include <string.h>

#include "harness/runner_priv.h"

/* The farthest shift tried: a week. A receiver that accepts that checks
 * no window worth the name. */
#define WINDOW_CAP_S (7u * 24 * 3600)
/* Deliveries at most: doubling from 300 s to the cap is 11, bisecting
 * the last gap to 1 s at most 19 more. */
#define WINDOW_TRIES 32

/* The next shift to try, as in runner_largest.c: doubling while nothing
 * was refused, down to 0 when the bound itself was, else the middle of the
 * gap; done (false) when the gap is 1 s, the cap was accepted, or 0 s was
 * refused. */
static bool window_next(const struct rp_window *w, uint64_t *next)
{
    if (!w->refused_any) {
        if (w->accepted_s >= WINDOW_CAP_S) {
            return false;
        }
        *next = 2 * w->accepted_s < WINDOW_CAP_S ? 2 * w->accepted_s : WINDOW_CAP_S;
        return true;
    }
    if (!w->accepted_any) {
        if (w->refused_s == 0) {
            return false;
        }
        *next = w->refused_s / 2; /* down to 0: now itself */
        return true;
    }
    if (w->refused_s - w->accepted_s <= 1) {
        return false;
    }
    *next = w->accepted_s + (w->refused_s - w->accepted_s) / 2;
    return true;
}

static void window_figure(const struct rp_window *w, const char *dir, long refused_status,
                          char *out, size_t size)
{
    const char *way = strcmp(dir, "past") == 0 ? "old" : "ahead";

    if (!w->accepted_any) {
        snprintf(out, size, "refuses even a timestamp of now (%ld)", refused_status);
    } else if (!w->refused_any) {
        snprintf(out, size, "accepts timestamps %llu s %s (the most tried)",
                 (unsigned long long)w->accepted_s, way);
    } else {
        snprintf(out, size, "accepts timestamps %llu s %s, refuses %llu s (%ld)",
                 (unsigned long long)w->accepted_s, way, (unsigned long long)w->refused_s,
                 refused_status);
    }
}

void hn_runner_window(struct hn_runner_case *rc, size_t idx, struct rp_step *ps,
                      struct hn_runner_outcome *out)
{
    struct hn_runner *r = rc->r;
    const struct hn_step *st = &rc->s->steps[idx];
    const char *dir = st->direction < 0 ? "past" : "future";
    long long bound = st->direction < 0 ? r->scheme.past_s : r->scheme.future_s;
    uint64_t shift = bound > 0 && bound < WINDOW_CAP_S ? (uint64_t)bound : 300;
    struct rp_window w;
    long refused_status = 0;
    struct err e = {{0}};

    memset(&w, 0, sizeof(w));
    rp_setf(&ps->description,
            "valid events with timestamps in the %s, %llu s (the scheme's bound), then doubling "
            "(up to %u s) or bisecting to 1 s: how far the receiver accepts",
            dir, (unsigned long long)shift, WINDOW_CAP_S);
    rp_set(&ps->expected, "a figure, not a verdict");
    out->verdict = RP_VERDICT_PASS;
    for (int i = 0; i < WINDOW_TRIES; i++) {
        bool ok = false;
        long status = 0;
        if (hn_runner_try_event(rc, idx, 0, st->direction * (long long)shift, ps, &ok, &status,
                                &e) != 0) {
            hn_runner_outcome_set(out, RP_VERDICT_ERROR, "%s", e.msg);
            return;
        }
        if (ok) {
            w.accepted_any = true;
            w.accepted_s = shift;
        } else {
            w.refused_any = true;
            w.refused_s = shift;
            refused_status = status;
        }
        if (!window_next(&w, &shift)) {
            break;
        }
    }
    w.measured = true;
    hn_runner_set_window(r, st->direction, &w);
    window_figure(&w, dir, refused_status, out->figure, sizeof(out->figure));
    rp_set(&ps->actual, out->figure);
}

void hn_runner_set_window(struct hn_runner *r, int direction, const struct rp_window *w)
{
    pthread_mutex_lock(&r->lock); /* the run's, as cases may run together */
    if (direction < 0) {
        r->ts_past = *w;
    } else {
        r->ts_future = *w;
    }
    pthread_mutex_unlock(&r->lock);
}
