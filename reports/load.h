/* The capacity result model: what `vambe-harness load` measured, step by
 * step, beside the conformance model of model.h (a run of cases), which it
 * does not share: a load result has rates, counts and percentiles, no
 * verdict per exchange and no exchange detail.
 *
 * load -> steps. A fixed-rate load has one step; a ramp one per rate tried.
 * Declared here so the writers never include a harness header; the harness
 * fills it. Strings are owned (rp_set copies them) and freed by
 * rp_load_free. Every count is exact; the latency percentiles come from a
 * fixed-size histogram (core/histogram.h: at most 1.6% high). */
#ifndef REPORTS_LOAD_H
#define REPORTS_LOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/err.h"
#include "reports/write.h"

enum rp_load_mode { RP_LOAD_FIXED, RP_LOAD_RAMP };

/* How a step went, most serious first when several hold:
 *   ERRORS      a non-2xx answer or a transport error (timeout, refused,
 *               reset...): any at all
 *   OVER_BUDGET the p99 latency is over the budget
 *   NOT_KEPT    the harness could not keep the rate: more than 1% of the
 *               scheduled deliveries were not sent (--concurrency were in
 *               flight), so the step did not test its rate
 *   OK          within the budget, no error, the rate kept
 * INTERRUPTED: a signal stopped the step before its end. */
enum rp_load_status {
    RP_LOAD_OK,
    RP_LOAD_ERRORS,
    RP_LOAD_OVER_BUDGET,
    RP_LOAD_NOT_KEPT,
    RP_LOAD_INTERRUPTED,
};

/* Why the load ended. */
enum rp_load_stop {
    RP_LOAD_STOP_DONE,        /* a fixed rate ran its duration */
    RP_LOAD_STOP_BUDGET,      /* ramp: a step's p99 was over the budget */
    RP_LOAD_STOP_ERRORS,      /* ramp: more than 1% of a step's deliveries failed */
    RP_LOAD_STOP_HARNESS,     /* ramp: the harness could not keep a step's rate */
    RP_LOAD_STOP_MAX,         /* ramp: the step at --max was within the budget */
    RP_LOAD_STOP_INTERRUPTED, /* SIGINT or SIGTERM */
};

/* Distinct non-2xx statuses a step keeps apart; further ones are added to
 * the last entry's count under status 0 ("other"). */
#define RP_LOAD_STATUSES 8

struct rp_load_status_count {
    long status; /* 0: the statuses past RP_LOAD_STATUSES - 1 */
    uint64_t count;
};

struct rp_load_latency {
    uint64_t samples; /* answers (any status) */
    uint64_t p50_us, p90_us, p99_us, max_us;
};

struct rp_load_step {
    unsigned index;       /* 1-based */
    uint64_t rate;        /* the deliveries per second asked for */
    uint64_t duration_us; /* how long deliveries were scheduled */
    uint64_t elapsed_us;  /* from the first send to the last answer */
    uint64_t scheduled;   /* deliveries the schedule held */
    uint64_t sent;
    /* The harness's shortfall, never the receiver's: deliveries not sent,
     * because --concurrency were in flight at their time (not_sent_at_cap)
     * or because the harness was over 100 ms behind its schedule. */
    uint64_t not_sent;
    uint64_t not_sent_at_cap;
    uint64_t ok; /* 2xx answers */
    uint64_t non_2xx;
    struct rp_load_status_count statuses[RP_LOAD_STATUSES]; /* of the non-2xx */
    size_t n_statuses;
    uint64_t timeouts; /* transport errors */
    uint64_t refused;
    uint64_t resets;
    uint64_t other_errors;
    uint64_t over_budget; /* answers that came after the budget (any status) */
    struct rp_load_latency latency;
    uint64_t lag_p99_us; /* how late the harness sent, against the schedule */
    uint64_t lag_max_us;
    enum rp_load_status status;
};

struct rp_load {
    char *harness_version;
    char *target; /* query values redacted */
    char *scheme;
    char *profile;
    char *topics; /* comma-separated, taken in turn */
    enum rp_load_mode mode;
    uint64_t rate;        /* fixed */
    uint64_t duration_us; /* fixed: the step; ramp: each step */
    uint64_t start;       /* ramp */
    uint64_t max;         /* ramp */
    uint64_t budget_us;
    uint64_t timeout_us;
    unsigned concurrency;
    uint64_t seed;
    uint64_t started_wall_ms;
    uint64_t total_us;
    const char *interrupted; /* NULL, or "SIGINT"/"SIGTERM" (static) */
    char **notes;
    size_t n_notes;
    struct rp_load_step *steps;
    size_t n_steps;
    size_t cap_steps;
    /* The result. */
    enum rp_load_stop stop;
    bool has_knee;
    size_t knee;          /* index into steps when has_knee */
    double sustained_rps; /* the knee step's 2xx per second; 0 without a knee */
};

struct rp_load *rp_load_new(void);
void rp_load_free(struct rp_load *l);
/* Appends a zeroed step (index set) and returns it (valid until the next
 * append). */
struct rp_load_step *rp_load_add_step(struct rp_load *l);
void rp_load_add_note(struct rp_load *l, const char *text);
/* Counts one non-2xx status into s->statuses. */
void rp_load_count_status(struct rp_load_step *s, long status);
/* Transport errors of a step, all kinds. */
uint64_t rp_load_step_errors(const struct rp_load_step *s);
/* ok per second of the step's scheduled time. */
double rp_load_step_ok_rps(const struct rp_load_step *s);
/* A step's latency percentiles as durations ("12.3 ms"), for the tables. */
struct rp_load_latency_text {
    char p50[32], p90[32], p99[32], max[32];
};
void rp_load_latency_texts(const struct rp_load_step *s, struct rp_load_latency_text *out);

const char *rp_load_status_name(enum rp_load_status s); /* "ok", "errors", ... */
const char *rp_load_stop_name(enum rp_load_stop s);     /* "done", "budget", ... */
const char *rp_load_mode_name(enum rp_load_mode m);     /* "fixed", "ramp" */
/* One sentence: why the load ended ("the p99 of 1280/s, 7.1 s, is over the
 * budget of 5 s"), into out. */
void rp_load_stop_text(const struct rp_load *l, char *out, size_t size);
/* One sentence: the knee ("640/s: 639.8 deliveries/s within 5 s, no
 * error") or that there is none, into out. */
void rp_load_knee_text(const struct rp_load *l, char *out, size_t size);

/* Why a step is not ok, one line ("12 of 1280 deliveries failed: 503 x10,
 * timeout x2"), into out; "" for an ok step. */
void rp_load_step_why(const struct rp_load *l, const struct rp_load_step *s, char *out,
                      size_t size);
/* A step's facts as text lines (counts, latency, rates, send lag), each
 * ending in '\n', into out. */
void rp_load_step_facts(const struct rp_load *l, const struct rp_load_step *s, char *out,
                        size_t size);

/* The writers (load_*.c), to a stream: 0, or -1 on a write error. */
int rp_load_json_write(const struct rp_load *l, FILE *f);
int rp_load_junit_write(const struct rp_load *l, FILE *f);
int rp_load_markdown_write(const struct rp_load *l, FILE *f);
int rp_load_html_write(const struct rp_load *l, FILE *f);
/* Writes l in format to path atomically, as rp_write_file does; "-" is
 * standard output (load_write.c). */
int rp_load_write_file(const struct rp_load *l, enum rp_format format, const char *path,
                       struct err *e);

#endif
