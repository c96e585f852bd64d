/* Internal to harness/load*.c: the ramp's rules (load_plan.c), the sender
 * of signed deliveries (load_send.c) and the pacer that runs one step
 * (load_pace.c). */
#ifndef HARNESS_LOAD_INT_H
#define HARNESS_LOAD_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/event.h"
#include "core/histogram.h"
#include "core/http_client.h"
#include "core/scheme.h"
#include "core/signature.h"
#include "reports/load.h"

/* A delivery due more than this long ago is not sent: the harness fell
 * behind its schedule, and sending a backlog at once would be a burst, not
 * the rate asked for. Counted as the harness's shortfall. */
#define HN_LOAD_LATE_LIMIT_US 100000u
/* A step is "not kept" when more than 1 in this many deliveries were not
 * sent; a ramp stops when more than 1 in this many failed. */
#define HN_LOAD_TOLERANCE 100u

/* ---- the rules (load_plan.c): no I/O ---- */

/* Sets s->status from its counts (see enum rp_load_status); an
 * interrupted step stays interrupted. */
void hn_load_judge(const struct rp_load *l, struct rp_load_step *s);
/* After a ramp step: whether the ramp goes on, with *next the next rate
 * (double, but at most l->max), or stops with *stop why. */
bool hn_load_next(const struct rp_load *l, const struct rp_load_step *s, uint64_t *next,
                  enum rp_load_stop *stop);
/* The knee: the last ok step, and its 2xx per second. */
void hn_load_find_knee(struct rp_load *l);
/* How many deliveries a step of rate r for duration_us schedules: one at
 * t = k / r for every k with t < duration (so 10/s for 5 s is 50). */
uint64_t hn_load_scheduled(uint64_t rate, uint64_t duration_us);
/* When delivery k of a step at rate r is due, in microseconds from its
 * start. */
uint64_t hn_load_due_us(uint64_t rate, uint64_t k);

/* ---- the sender (load_send.c) ---- */

struct hn_load_sender_opts {
    const char *url;
    const struct scheme *scheme;
    const char *secret;
    enum signature_unit unit;
    enum event_profile profile;
    const char *topics; /* comma-separated event types, checked */
    const char *const *user_headers;
    size_t n_user_headers;
    uint64_t seed;
    uint64_t timeout_ms;
};

struct hn_load_sender;

/* Copies what it needs from o. NULL with e set when a topic is no event
 * type of the profile. */
struct hn_load_sender *hn_load_sender_new(const struct hn_load_sender_opts *o, struct err *e);
void hn_load_sender_free(struct hn_load_sender *s);
/* Builds the next delivery (the next topic, a new event, its own delivery
 * id, timestamp and signature) and adds it to c with tag. 0, or -1 with e
 * set (building or signing failed: a bug or a secret the scheme refuses). */
int hn_load_sender_send(struct hn_load_sender *s, struct http_client *c, void *tag, struct err *e);
/* Checks the --topic list against profile (NULL: the profile's default).
 * 0, or -1 with e naming the first type the profile lacks. */
int hn_load_topics_check(const char *topics, enum event_profile profile, struct err *e);

/* ---- the pacer (load_pace.c) ---- */

/* What a step counts while it runs (the progress line reads it). */
struct hn_load_tally {
    uint64_t due; /* deliveries whose time came */
    uint64_t sent;
    uint64_t not_sent;
    uint64_t not_sent_at_cap;
    uint64_t in_flight;
    uint64_t ok;
    uint64_t non_2xx;
    uint64_t errors; /* transport */
    uint64_t over_budget;
    struct histogram latency; /* answers, total time */
    struct histogram lag;     /* sends, against their due time */
};

/* Called about every 250 ms while a step runs. */
typedef void (*hn_load_progress_fn)(void *arg, const struct rp_load_step *s,
                                    const struct hn_load_tally *t, uint64_t elapsed_us);

struct hn_load_pace {
    struct hn_load_sender *sender;
    struct http_client *client;
    unsigned concurrency;
    uint64_t budget_us;
    hn_load_progress_fn progress; /* may be NULL */
    void *progress_arg;
    /* Returns non-zero to stop the step (a signal): nothing more is sent,
     * the deliveries in flight are awaited. NULL: never. */
    int (*stop)(void);
};

/* Runs step s (its rate and duration_us set): sends on schedule, awaits
 * every answer, and fills s's counts and percentiles (not its status).
 * The tally (18 KiB histograms: the caller provides it) is reset first.
 * 0, or -1 with e set when the client or the sender failed (the step's
 * counts so far are filled). */
int hn_load_pace_step(const struct hn_load_pace *p, struct rp_load_step *s, struct hn_load_tally *t,
                      struct err *e);

#endif
