/* Internal to the runner (harness/runner*.c): the runner's state, a case's
 * state, and the helpers the step files share. runner.c runs the steps and
 * the step files use the helpers, never runner.c: a step's outcome
 * (runner_outcome.c), an exchange recorded (runner_record.c), the events
 * sent (runner_event.c), the run's client (runner_client.c). */
#ifndef HARNESS_RUNNER_PRIV_H
#define HARNESS_RUNNER_PRIV_H

#include <jansson.h>
#include <pthread.h>
#include <stdint.h>

#include "core/http_client.h"
#include "core/ids.h"
#include "core/rng.h"
#include "harness/delivery.h"
#include "harness/probe.h"
#include "harness/runner.h"
#include "harness/url.h"

/* A valid delivery of a known topic the receiver answered 2xx (DLV-007).
 * A run may hold tens of thousands: the names are shared (ack_names). */
struct hn_runner_acked {
    const char *case_id; /* in r->ack_names */
    const char *topic;   /* in r->ack_names */
    char event_id[IDS_EVENT_ID_LEN + 1];
};

struct hn_runner {
    struct hn_runner_opts o; /* strings point at the copies below */
    struct scheme scheme;
    char *target;
    char *secret;
    char **headers;
    char *target_shown; /* query values redacted */
    char *probe_url;    /* copies of o's; NULL when not given */
    char *probe_cmd;
    char *state_probe_url;
    struct hn_url url;
    char webhook_id[IDS_UUID_LEN + 1];
    struct hn_delivery_opts dopts;
    struct http_client *client;
    struct hn_probe *probe;     /* NULL without --probe-url / --probe-cmd */
    char **ignored;             /* copies of o.ignored_topics */
    uint64_t largest_body;      /* BDY-003's measure: bytes accepted; 0 when not measured */
    uint64_t smallest_refused;  /* the smallest size refused; 0 when none was */
    struct rp_window ts_past;   /* SIG-004's measure (window step) */
    struct rp_window ts_future; /* SIG-005's */
    /* Recorded only with a probe: DLV-007 needs one to ask. */
    struct hn_runner_acked *acked;
    size_t n_acked;
    size_t cap_acked;
    json_t *ack_seen; /* the event ids in acked, as the keys of an object (a set) */
    char **ack_names; /* the case ids and topics of acked, each once (owned) */
    size_t n_ack_names;
    struct rp_detail *detail; /* the run's detail budget (borrowed); NULL: no limit */
    /* Cases run together (hn_runner_cases_together) share the acknowledged
     * list and the detail budget: this lock guards both. */
    pthread_mutex_t lock;
};

/* One answer a deliver or burst step got, for the answers step. */
struct hn_runner_answer {
    long status;      /* 0: none came */
    bool first;       /* the answer to the event's first send in the step */
    bool retry_after; /* it carries a valid Retry-After */
};

/* What a deliver or burst step sent. */
struct hn_runner_sent {
    char **ids; /* distinct event ids, for probes (owned) */
    size_t n_ids;
    size_t cap_ids;
    /* The one event of a deliver step or of a burst of copies. */
    bool has_event;
    char event_id[IDS_EVENT_ID_LEN + 1];
    char *topic; /* owned */
    char *body;  /* owned */
    size_t body_len;
    struct rng data_rng; /* the state its data was drawn from */
    uint64_t created_ms;
    /* What a replay of its delivery (event_id "new") sends again. */
    uint64_t sent_ms;
    char delivery_id[IDS_UUID_LEN + 1];
    /* Its answers, retries included (owned), and whether the event of a
     * deliver step ended with a 2xx (unless_accepted). */
    struct hn_runner_answer *answers;
    size_t n_answers;
    size_t cap_answers;
    bool accepted;
};

/* An event a step sent and its last answer: what a retry re-sends. */
struct hn_runner_try {
    const char *event_id; /* borrowed, like the rest */
    const char *topic;
    const char *body; /* the bytes signed */
    size_t body_len;
    unsigned attempt;          /* of the last send */
    struct http_response resp; /* its last answer (owned) */
};

struct hn_runner_case {
    struct hn_runner *r;
    struct http_client *client; /* r's, or the case's own when run together */
    struct hn_probe *probe;     /* r's, or the case's own (NULL without a probe) */
    const struct hn_scenario *s;
    struct rp_case *c;
    struct rng rng;              /* ids, delivery ids, seeds of event data */
    struct hn_runner_sent *sent; /* one per step */
};

/* A step's result. */
struct hn_runner_outcome {
    enum rp_verdict verdict;
    char why[512];    /* when not PASS */
    char figure[128]; /* the number that decided it */
    char actual[512]; /* scratch for the step's "actual" text */
};

/* runner_outcome.c: sets a step's verdict and its reason (printf-style). */
void hn_runner_outcome_set(struct hn_runner_outcome *out, enum rp_verdict v, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The exchange timeout for an expectation (longer than a latency bound). */
uint64_t hn_runner_timeout(const struct hn_runner *r, const struct hn_expect *x);
/* "status 401 or 403, answered within 5.00 s"; "" when x expects nothing. */
void hn_runner_expect_text(const struct hn_expect *x, char *out, size_t out_size);
/* Builds a new event for step idx into out (id from the case's rng). */
int hn_runner_new_event(struct hn_runner_case *rc, size_t idx, struct hn_runner_sent *out,
                        struct err *e);
/* The body edits of a deliver step's mutation, parsed and written once:
 * IDM-010's empty event id (the scheme's id field, else a top-level "id";
 * the delivery empties the id header) and DLV-009's remove_fields (a path
 * that is not there is left alone). */
int hn_runner_edit_body(struct hn_runner_sent *sent, const struct scheme *s,
                        const struct hn_mutation *m, struct err *e);
/* The same, padded to size bytes (0: as built). */
int hn_runner_sized_event(struct hn_runner_case *rc, size_t idx, size_t size,
                          struct hn_runner_sent *out, struct err *e);
/* The measures' probe (largest_body, window): sends one new valid event of
 * step idx, padded to size bytes (0: as built), its timestamp moved by
 * shift_s seconds, records the exchange in ps and, where it counts for
 * DLV-007, acknowledges it; *ok when it got a 2xx, *status its status (0:
 * no answer). -1 with e set when it could not be sent. */
int hn_runner_try_event(struct hn_runner_case *rc, size_t idx, size_t size, long long shift_s,
                        struct rp_step *ps, bool *ok, long *status, struct err *e);
/* Adds id to sent->ids unless present. */
void hn_runner_add_id(struct hn_runner_sent *sent, const char *id);
/* Appends an id known to be new (a freshly drawn event's): no search. */
void hn_runner_push_id(struct hn_runner_sent *sent, const char *id);
/* Overwrites every occurrence of secret (4 bytes or more) in text (len
 * bytes) with '*' (runner_check.c). */
void hn_runner_mask(char *text, size_t len, const char *secret);
/* SEC-002: sets out to FAIL when resp shows the secret (or token) or the
 * signature the receiver expected for the bytes of d (runner_check.c). */
void hn_runner_check_reveals(const struct hn_runner *r, const char *event_id,
                             const struct hn_delivery *d, const struct http_response *resp,
                             struct hn_runner_outcome *out);
/* Charges x to the run's detail budget; says so in the log the first time
 * an exchange loses its detail (runner_record.c). */
void hn_runner_fit(const struct hn_runner *r, struct rp_exchange *x);
/* Adds an exchange to ps for a delivery and its response, charged to the
 * run's detail budget (runner_record.c). */
void hn_runner_record(const struct hn_runner *r, struct rp_step *ps, const struct hn_delivery *d,
                      const char *event_id, const struct http_response *resp);

/* runner_audit.c: records an acknowledged delivery (ignored unless it is
 * valid, of a known topic, and answered 2xx); the audit step; the list's
 * release. */
void hn_runner_ack(struct hn_runner *r, const char *case_id, const struct hn_mutation *m,
                   const char *event_id, const char *topic, const struct http_response *resp);
void hn_runner_audit(struct hn_runner_case *rc, size_t idx, struct rp_step *ps,
                     struct hn_runner_outcome *out);
void hn_runner_acked_free(struct hn_runner *r);

/* Runs one case with this client and probe (runner.c). */
void hn_runner_case_on(struct hn_runner *r, const struct hn_scenario *s, struct rp_case *c,
                       struct http_client *client, struct hn_probe *probe);

/* Frees what a deliver or burst step sent (runner_event.c). */
void hn_runner_sent_cleanup(struct hn_runner_sent *s);
/* Whether the target accepts a connection within timeout_ms (through
 * --resolve). (runner_client.c) */
int hn_runner_reach(const struct hn_runner *r, uint64_t timeout_ms, struct err *e);
/* The run's HTTP client options (--ca-file, --resolve), and a client
 * made with them (NULL when libcurl cannot start). (runner_client.c) */
struct http_client_opts hn_runner_client_opts(const struct hn_runner *r);
struct http_client *hn_runner_client(const struct hn_runner *r);
/* runner_tls.c: the target's TLS certificate (SEC-004). */
void hn_runner_tls(struct hn_runner_case *rc, size_t idx, struct rp_step *ps,
                   struct hn_runner_outcome *out);
/* runner_steps.c: the receiver restarted by --restart-cmd (DLV-010). */
void hn_runner_restart(struct hn_runner_case *rc, size_t idx, struct rp_step *ps,
                       struct hn_runner_outcome *out);
/* runner_window.c: how far from now a timestamp may be (SIG-004, SIG-005). */
void hn_runner_window(struct hn_runner_case *rc, size_t idx, struct rp_step *ps,
                      struct hn_runner_outcome *out);
/* Keeps a measured window for the run's report (runner_window.c; direction -1:
 * the past, +1: the future). */
void hn_runner_set_window(struct hn_runner *r, int direction, const struct rp_window *w);
/* runner_largest.c: the largest body the receiver accepts (BDY-003). */
void hn_runner_largest(struct hn_runner_case *rc, size_t idx, struct rp_step *ps,
                       struct hn_runner_outcome *out);
/* runner_burst.c */
void hn_runner_burst(struct hn_runner_case *rc, size_t idx, struct rp_step *ps,
                     struct hn_runner_outcome *out);

/* runner_deliver.c: the deliver step; copies the event of step `from`
 * into to (same id, same bytes). */
void hn_runner_deliver(struct hn_runner_case *rc, size_t idx, struct rp_step *ps,
                       struct hn_runner_outcome *out);
void hn_runner_copy_event(struct hn_runner_sent *to, const struct hn_runner_sent *from);

/* runner_retry.c: a step's retries as a sender makes them (st->retry_*):
 * every try whose last answer is not 2xx is sent again, re-signed (the
 * next attempt, a new delivery id and timestamp), after what its 429 or
 * 503 asked with Retry-After (at most HN_RETRY_AFTER_CAP_MS) or else the
 * backoff, doubled each round; a round waits for the longest of its
 * tries. Each answer is recorded in the step, in sent's answers and as an
 * acknowledgement. note receives what happened ("2 retries after 1.0 s,
 * 2.0 s"; "" when none was needed). */
void hn_runner_retry(struct hn_runner_case *rc, size_t idx, struct rp_step *ps,
                     struct hn_runner_try *tries, size_t n, uint64_t timeout, char *note,
                     size_t note_size);
/* Did resp come, with a 2xx? (runner_outcome.c) */
bool hn_runner_accepted(const struct http_response *resp);
/* Adds resp to sent's answers. */
void hn_runner_answered(struct hn_runner_sent *sent, const struct http_response *resp, bool first);
/* The answers step: judges the answers earlier steps got. */
void hn_runner_answers(struct hn_runner_case *rc, size_t idx, struct rp_step *ps,
                       struct hn_runner_outcome *out);

/* runner_state.c: the receiver's state of an entity (ORD-002). */
void hn_runner_state(struct hn_runner_case *rc, size_t idx, struct rp_step *ps,
                     struct hn_runner_outcome *out);

/* runner_steps.c */
void hn_runner_wait(struct hn_runner_case *rc, size_t idx, struct rp_step *ps,
                    struct hn_runner_outcome *out);
void hn_runner_probe(struct hn_runner_case *rc, size_t idx, struct rp_step *ps,
                     struct hn_runner_outcome *out);
void hn_runner_target(struct hn_runner_case *rc, size_t idx, struct rp_step *ps,
                      struct hn_runner_outcome *out);

#endif
