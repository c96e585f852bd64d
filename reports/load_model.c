/* The capacity result model (see load.h): allocation, counts, names, and
 * the sentences every format shares. Its report files are in
 * load_write.c, which calls the writers (load_*.c) that call these. */
#include "reports/load.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/xalloc.h"
#include "reports/model.h"

static const char *const status_names[] = {"ok", "errors", "over-budget", "not-kept",
                                           "interrupted"};
static const char *const stop_names[] = {"done",    "budget", "errors",
                                         "harness", "max",    "interrupted"};

struct rp_load *rp_load_new(void)
{
    return xcalloc(1, sizeof(struct rp_load));
}

void rp_load_free(struct rp_load *l)
{
    if (l == NULL) {
        return;
    }
    free(l->harness_version);
    free(l->target);
    free(l->scheme);
    free(l->profile);
    free(l->topics);
    for (size_t i = 0; i < l->n_notes; i++) {
        free(l->notes[i]);
    }
    free(l->notes);
    free(l->steps);
    free(l);
}

struct rp_load_step *rp_load_add_step(struct rp_load *l)
{
    l->steps = xgrow(l->steps, &l->cap_steps, l->n_steps + 1, 8, sizeof(*l->steps));
    struct rp_load_step *s = &l->steps[l->n_steps++];
    memset(s, 0, sizeof(*s));
    s->index = (unsigned)l->n_steps;
    return s;
}

void rp_load_add_note(struct rp_load *l, const char *text)
{
    l->notes = xrealloc(l->notes, (l->n_notes + 1) * sizeof(char *));
    l->notes[l->n_notes++] = xstrdup(text);
}

void rp_load_count_status(struct rp_load_step *s, long status)
{
    for (size_t i = 0; i < s->n_statuses; i++) {
        if (s->statuses[i].status == status) {
            s->statuses[i].count++;
            return;
        }
    }
    if (s->n_statuses < RP_LOAD_STATUSES - 1) {
        s->statuses[s->n_statuses++] = (struct rp_load_status_count){status, 1};
        return;
    }
    /* The last entry gathers every further status. */
    if (s->n_statuses == RP_LOAD_STATUSES - 1) {
        s->statuses[s->n_statuses++] = (struct rp_load_status_count){0, 0};
    }
    s->statuses[RP_LOAD_STATUSES - 1].count++;
}

uint64_t rp_load_step_errors(const struct rp_load_step *s)
{
    return s->timeouts + s->refused + s->resets + s->other_errors;
}

double rp_load_step_ok_rps(const struct rp_load_step *s)
{
    return s->duration_us > 0 ? (double)s->ok * 1e6 / (double)s->duration_us : 0.0;
}

void rp_load_latency_texts(const struct rp_load_step *s, struct rp_load_latency_text *out)
{
    clock_duration_text(s->latency.p50_us, out->p50, sizeof(out->p50));
    clock_duration_text(s->latency.p90_us, out->p90, sizeof(out->p90));
    clock_duration_text(s->latency.p99_us, out->p99, sizeof(out->p99));
    clock_duration_text(s->latency.max_us, out->max, sizeof(out->max));
}

const char *rp_load_status_name(enum rp_load_status s)
{
    return (unsigned)s < sizeof(status_names) / sizeof(status_names[0]) ? status_names[s] : "?";
}

const char *rp_load_stop_name(enum rp_load_stop s)
{
    return (unsigned)s < sizeof(stop_names) / sizeof(stop_names[0]) ? stop_names[s] : "?";
}

const char *rp_load_mode_name(enum rp_load_mode m)
{
    return m == RP_LOAD_RAMP ? "ramp" : "fixed";
}

void rp_load_stop_text(const struct rp_load *l, char *out, size_t size)
{
    const struct rp_load_step *s = l->n_steps > 0 ? &l->steps[l->n_steps - 1] : NULL;
    char p99[32], budget[32];
    uint64_t failed = s != NULL ? s->non_2xx + rp_load_step_errors(s) : 0;
    uint64_t tried = s != NULL ? s->sent : 0;

    clock_duration_text(s != NULL ? s->latency.p99_us : 0, p99, sizeof(p99));
    clock_duration_text(l->budget_us, budget, sizeof(budget));
    switch (l->stop) {
    case RP_LOAD_STOP_DONE:
        snprintf(out, size, "the fixed rate ran its whole duration");
        return;
    case RP_LOAD_STOP_BUDGET:
        snprintf(out, size, "at %llu/s the p99, %s, is over the budget of %s",
                 (unsigned long long)(s ? s->rate : 0), p99, budget);
        return;
    case RP_LOAD_STOP_ERRORS:
        snprintf(out, size, "at %llu/s %llu of %llu deliveries failed (over 1%%)",
                 (unsigned long long)(s ? s->rate : 0), (unsigned long long)failed,
                 (unsigned long long)tried);
        return;
    case RP_LOAD_STOP_HARNESS:
        snprintf(out, size,
                 "at %llu/s the harness could not keep the rate: %llu of %llu deliveries not "
                 "sent, %llu of them with --concurrency %u in flight (raise it to go further), "
                 "the others with the harness behind its schedule",
                 (unsigned long long)(s ? s->rate : 0), (unsigned long long)(s ? s->not_sent : 0),
                 (unsigned long long)(s ? s->scheduled : 0),
                 (unsigned long long)(s ? s->not_sent_at_cap : 0), l->concurrency);
        return;
    case RP_LOAD_STOP_MAX:
        snprintf(out, size, "reached --max %llu/s within the budget", (unsigned long long)l->max);
        return;
    case RP_LOAD_STOP_INTERRUPTED:
        snprintf(out, size, "interrupted by %s", l->interrupted ? l->interrupted : "a signal");
        return;
    }
    snprintf(out, size, "?");
}

void rp_load_knee_text(const struct rp_load *l, char *out, size_t size)
{
    char budget[32];

    clock_duration_text(l->budget_us, budget, sizeof(budget));
    if (!l->has_knee) {
        snprintf(out, size, "none: no step was within the budget of %s without an error", budget);
        return;
    }
    const struct rp_load_step *k = &l->steps[l->knee];
    snprintf(out, size, "%llu/s: %.1f deliveries/s sustained within %s, no error",
             (unsigned long long)k->rate, l->sustained_rps, budget);
}

/* Appends printf output at out[*used], never past size. */
static void load_cat(char *out, size_t size, size_t *used, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void load_cat(char *out, size_t size, size_t *used, const char *fmt, ...)
{
    va_list ap;

    if (*used >= size) {
        return;
    }
    va_start(ap, fmt);
    int n = vsnprintf(out + *used, size - *used, fmt, ap);
    va_end(ap);
    *used = n < 0 ? size : *used + (size_t)n;
}

void rp_load_step_why(const struct rp_load *l, const struct rp_load_step *s, char *out, size_t size)
{
    char p99[32], budget[32];
    size_t used = 0;
    const char *sep = ": ";

    out[0] = '\0';
    switch (s->status) {
    case RP_LOAD_OK:
        return;
    case RP_LOAD_ERRORS:
        load_cat(out, size, &used, "%llu of %llu deliveries failed",
                 (unsigned long long)s->non_2xx + (unsigned long long)rp_load_step_errors(s),
                 (unsigned long long)s->sent);
        for (size_t i = 0; i < s->n_statuses; i++) {
            if (s->statuses[i].status == 0) {
                load_cat(out, size, &used, "%sother statuses x%llu", sep,
                         (unsigned long long)s->statuses[i].count);
            } else {
                load_cat(out, size, &used, "%s%ld x%llu", sep, s->statuses[i].status,
                         (unsigned long long)s->statuses[i].count);
            }
            sep = ", ";
        }
        const char *names[] = {"timeout", "refused", "reset", "other error"};
        const uint64_t counts[] = {s->timeouts, s->refused, s->resets, s->other_errors};
        for (size_t i = 0; i < 4; i++) {
            if (counts[i] > 0) {
                load_cat(out, size, &used, "%s%s x%llu", sep, names[i],
                         (unsigned long long)counts[i]);
                sep = ", ";
            }
        }
        return;
    case RP_LOAD_OVER_BUDGET:
        clock_duration_text(s->latency.p99_us, p99, sizeof(p99));
        clock_duration_text(l->budget_us, budget, sizeof(budget));
        snprintf(out, size, "p99 %s over the budget of %s (%llu answers over it)", p99, budget,
                 (unsigned long long)s->over_budget);
        return;
    case RP_LOAD_NOT_KEPT:
        snprintf(out, size,
                 "the harness could not keep the rate: %llu of %llu deliveries not sent (%llu "
                 "with --concurrency %u in flight, %llu with the harness over 100 ms behind its "
                 "schedule)",
                 (unsigned long long)s->not_sent, (unsigned long long)s->scheduled,
                 (unsigned long long)s->not_sent_at_cap, l->concurrency,
                 (unsigned long long)(s->not_sent - s->not_sent_at_cap));
        return;
    case RP_LOAD_INTERRUPTED:
        snprintf(out, size, "interrupted by %s", l->interrupted ? l->interrupted : "a signal");
        return;
    }
}

void rp_load_step_facts(const struct rp_load *l, const struct rp_load_step *s, char *out,
                        size_t size)
{
    char p50[32], p90[32], p99[32], max[32], lag[32], lag_max[32], why[512];
    size_t used = 0;
    double secs = (double)s->duration_us / 1e6;

    clock_duration_text(s->latency.p50_us, p50, sizeof(p50));
    clock_duration_text(s->latency.p90_us, p90, sizeof(p90));
    clock_duration_text(s->latency.p99_us, p99, sizeof(p99));
    clock_duration_text(s->latency.max_us, max, sizeof(max));
    clock_duration_text(s->lag_p99_us, lag, sizeof(lag));
    clock_duration_text(s->lag_max_us, lag_max, sizeof(lag_max));
    rp_load_step_why(l, s, why, sizeof(why));
    out[0] = '\0';
    load_cat(out, size, &used, "step %u: %llu/s for %.2f s: %s%s%s\n", s->index,
             (unsigned long long)s->rate, secs, rp_load_status_name(s->status), why[0] ? ", " : "",
             why);
    load_cat(out, size, &used,
             "sent %llu of %llu scheduled (%llu not sent), %.1f/s; 2xx %llu, %.1f/s; non-2xx "
             "%llu; transport errors %llu; over the budget %llu\n",
             (unsigned long long)s->sent, (unsigned long long)s->scheduled,
             (unsigned long long)s->not_sent, secs > 0 ? (double)s->sent / secs : 0.0,
             (unsigned long long)s->ok, rp_load_step_ok_rps(s), (unsigned long long)s->non_2xx,
             (unsigned long long)rp_load_step_errors(s), (unsigned long long)s->over_budget);
    load_cat(out, size, &used, "latency of %llu answers: p50 %s, p90 %s, p99 %s, max %s\n",
             (unsigned long long)s->latency.samples, p50, p90, p99, max);
    load_cat(out, size, &used, "send lag (the harness's own): p99 %s, max %s\n", lag, lag_max);
}
