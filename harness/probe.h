/* The probe: how the harness sees a receiver's side effects. The receiver's
 * team exposes how many times an event was processed, either at a URL
 * (--probe-url, a template with {event_id}, answering {"count": N}; 404
 * means 0) or through a command (--probe-cmd, run by /bin/sh with
 * VAMBE_EVENT_ID in its environment, printing N).
 *
 * Receivers process asynchronously, so hn_probe_expect polls until the
 * expected counts appear, then waits a settle window and asks again: a
 * second processing that lands late is still caught. */
#ifndef HARNESS_PROBE_H
#define HARNESS_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/http_client.h"
#include "reports/model.h"

#define HN_PROBE_POLL_MS 50

struct hn_probe_opts {
    const char *url_template; /* NULL when not used */
    const char *command;      /* NULL when not used */
    uint64_t timeout_ms;      /* one question (HTTP exchange or command) */
    /* Asks a URL probe's questions: the run's own client, borrowed (it
     * must outlive the probe). Required with url_template. */
    struct http_client *client;
};

struct hn_probe;

/* Returns NULL with e set when the options are unusable (both or neither
 * given, no {event_id} in the template, a URL probe without a client). */
struct hn_probe *hn_probe_new(const struct hn_probe_opts *o, struct err *e);
void hn_probe_free(struct hn_probe *p);
/* "url" or "cmd". */
const char *hn_probe_kind(const struct hn_probe *p);

/* Asks once. x (may be NULL) receives the exchange for the model (URL probes
 * only; its strings are set with rp_set). 0 with *count, or -1 with e set
 * when the probe failed (no answer, a status other than 200/404, output
 * that is not a count, a command that failed). */
int hn_probe_count(struct hn_probe *p, const char *event_id, long long *count,
                   struct rp_exchange *x, struct err *e);

/* tmpl with every placeholder replaced by value. Caller frees. */
char *hn_probe_fill(const char *tmpl, const char *placeholder, const char *value);
/* A probe's GET (what: "probe", "state probe"): tmpl with placeholder
 * replaced by id, asked through client. 0 when an answer came, in resp;
 * -1 with e set ("<what> <url>: no answer: ...") otherwise. resp is
 * always filled and *shown (the URL redacted, for messages) always set:
 * the caller cleans both up. x (may be NULL) receives the exchange. */
int hn_probe_get(struct http_client *client, const char *what, const char *tmpl,
                 const char *placeholder, const char *id, uint64_t timeout_ms,
                 struct http_response *resp, char **shown, struct rp_exchange *x, struct err *e);

enum hn_probe_outcome {
    HN_PROBE_MET,     /* every event has the expected count, after settling */
    HN_PROBE_NOT_MET, /* some count differs (seen[] says which) */
    HN_PROBE_FAILED,  /* the probe itself failed (e says why) */
};

/* Polls every HN_PROBE_POLL_MS for at most wait_ms until each of the n
 * events shows `expected` (a count above it ends the wait at once), then
 * sleeps settle_ms and asks again. seen[i] receives the last count of
 * ids[i]. Exchanges of the last round are added to step (may be NULL). */
enum hn_probe_outcome hn_probe_expect(struct hn_probe *p, const char *const *ids, size_t n,
                                      long long expected, uint64_t wait_ms, uint64_t settle_ms,
                                      long long *seen, struct rp_step *step, struct err *e);

#endif
