/* The runner: executes scenarios against the target and fills the result
 * model. Each case draws its events from an rng seeded with the run's seed
 * and the case id, so `--seed N --only ID` sends the same events as the
 * full run did. A case stops at its first step that does not pass (the
 * verdict is decided; later steps would only add noise and time). With the
 * log level at debug (-v), every exchange is logged on stderr. */
#ifndef HARNESS_RUNNER_H
#define HARNESS_RUNNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/event.h"
#include "core/scheme.h"
#include "core/signature.h"
#include "harness/scenario.h"
#include "reports/model.h"

#define HN_DEFAULT_TIMEOUT_MS    6000
#define HN_DEFAULT_SETTLE_MS     300
#define HN_DEFAULT_PROBE_WAIT_MS 5000

struct hn_runner_opts {
    const char *target; /* sent exactly as given */
    const char *secret;
    const char *const *headers; /* --header lines */
    size_t n_headers;
    const char *probe_url;       /* NULL when not used */
    const char *probe_cmd;       /* NULL when not used */
    const char *state_probe_url; /* NULL when not used (state_probe.h) */
    uint64_t timeout_ms;         /* per exchange */
    uint64_t settle_ms;          /* probe settle window */
    uint64_t probe_wait_ms;      /* how long a probe polls for the expected count */
    const struct scheme *scheme; /* copied; NULL: the default (vambe) */
    enum event_profile profile;
    enum signature_unit unit;
    bool strict;
    bool long_run;              /* run the cases tagged "long" too (--long); else they SKIP */
    const char *restart_cmd;    /* NULL, or a shell command that restarts the receiver */
    const char *ca_file;        /* NULL: the system's CA certificates */
    const char *const *resolve; /* "HOST:PORT:ADDRESS" entries (--resolve) */
    size_t n_resolve;
    uint64_t seed;
    const char *const *ignored_topics; /* topics the receiver deliberately ignores (DLV-007) */
    size_t n_ignored_topics;
};

struct hn_runner;

/* Copies what it needs from o. NULL with e set when the target URL or a
 * probe is unusable. */
struct hn_runner *hn_runner_new(const struct hn_runner_opts *o, struct err *e);
void hn_runner_free(struct hn_runner *r);

/* Checks that the target accepts connections (preflight.h). */
int hn_runner_preflight(struct hn_runner *r, struct err *e);

/* The target with its query values redacted (owned by r). */
const char *hn_runner_target_shown(const struct hn_runner *r);
/* BDY-003's measure: the largest body accepted and the smallest refused,
 * in bytes (0 when not measured, or when nothing was refused). */
void hn_runner_largest_body(const struct hn_runner *r, uint64_t *accepted, uint64_t *refused);
/* SIG-004's and SIG-005's measures: the timestamp window in each direction
 * (measured false where the step did not run). */
void hn_runner_windows(const struct hn_runner *r, struct rp_window *past, struct rp_window *future);
/* Did a delivery of case c go unanswered within its timeout? */
bool hn_runner_case_abandoned(const struct rp_case *c);
/* Waits (at most 10 s) until the target answers a GET within 1 s: a
 * receiver still busy with abandoned deliveries. True when it did;
 * *waited_us says how long it took. */
bool hn_runner_wait_idle(struct hn_runner *r, uint64_t *waited_us);
/* "url", "cmd" or "none". */
const char *hn_runner_probe_kind(const struct hn_runner *r);

/* How a scheme (under a payload profile) ties the event id to what it
 * signs: a replay of the bytes under a new id (SEC-003) is then detectable. */
enum hn_id_binding {
    HN_ID_LOOSE,   /* in a header only, unsigned: a replay is a new event */
    HN_ID_IN_BODY, /* also in the body, which nothing signs */
    HN_ID_SIGNED,  /* in the signed string, or in a signed body */
};
enum hn_id_binding hn_runner_id_binding(const struct scheme *s, enum event_profile profile);

/* Why the run's scheme cannot run a case that needs what needs says
 * (HN_NEED_* bits); NULL when it can. Static text or written into buf. */
const char *hn_runner_lacks(const struct scheme *s, enum event_profile profile, unsigned needs,
                            char *buf, size_t size);

/* Charges the headers and bodies of every exchange the runner records to
 * d, the run's detail budget (rp_detail_fit): past it, exchanges keep their
 * status and timings only. d (borrowed) must outlive r's cases; NULL, the
 * default, keeps every exchange whole. */
void hn_runner_set_detail(struct hn_runner *r, struct rp_detail *d);

/* Runs s and fills c (a zeroed case from rp_run_add_case): identity, steps,
 * exchanges, verdict, reason and figure. The rerun command is the
 * caller's. Never fails: a harness failure is an ERROR verdict. */
void hn_runner_case(struct hn_runner *r, const struct hn_scenario *s, struct rp_case *c);
/* Runs n cases at once, each on a thread of its own with its own HTTP
 * client and probe (runner_together.c): cases that mostly wait
 * (hn_scenario.waits) take the longest one's time instead of the sum.
 * c[i] receives s[i]'s result as hn_runner_case would. */
void hn_runner_cases_together(struct hn_runner *r, const struct hn_scenario *const *s,
                              struct rp_case *const *c, size_t n);

#endif
