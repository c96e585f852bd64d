/* DLV-007, an invariant over the whole run: every valid delivery the
 * receiver answered 2xx was processed. The deliver and burst steps record
 * what was acknowledged (hn_runner_ack); the audit step, in a case that
 * runs after every other, asks the probe about each. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/event.h"
#include "core/topics.h"
#include "core/xalloc.h"
#include "harness/runner_priv.h"

/* Offenders named in the reason; the rest are counted. */
#define AUDIT_NAMED 4

/* A delivery the receiver had every reason to accept: signed with the
 * run's secret over the bytes sent, fresh, with its event id. Spelling
 * (header case, Content-Type parameters, whitespace, size) may vary. */
static bool audit_valid(const struct hn_mutation *m)
{
    return m->signature == HN_SIG_VALID && m->timestamp == HN_TS_VALID && m->shift_s == 0 &&
           !m->alter_body && m->sign_with == NULL && !m->has_raw_body && m->method == NULL &&
           m->n_remove == 0 && !m->blank_id && !m->new_id;
}

/* A topic the receiver is expected to act on: one of Vambe's (or the
 * profile's own types), not an unknown one it may ignore, nor one the user
 * names in --ignored-topics. */
static bool audit_topic_counts(const struct hn_runner *r, const char *topic)
{
    const char *const *types = event_profile_types(r->o.profile);
    bool known = topics_find(topic) != NULL;

    for (size_t i = 0; !known && types != NULL && types[i] != NULL; i++) {
        known = strcmp(types[i], topic) == 0;
    }
    for (size_t i = 0; known && i < r->o.n_ignored_topics; i++) {
        known = strcmp(r->o.ignored_topics[i], topic) != 0;
    }
    return known;
}

/* The copy of name kept in r->ack_names (added when new). A run has a
 * few case ids and topics: the newest match first. */
static const char *audit_name(struct hn_runner *r, const char *name)
{
    for (size_t i = r->n_ack_names; i > 0; i--) {
        if (strcmp(r->ack_names[i - 1], name) == 0) {
            return r->ack_names[i - 1];
        }
    }
    r->ack_names = xrealloc(r->ack_names, (r->n_ack_names + 1) * sizeof(char *));
    r->ack_names[r->n_ack_names] = xstrdup(name);
    return r->ack_names[r->n_ack_names++];
}

void hn_runner_ack(struct hn_runner *r, const char *case_id, const struct hn_mutation *m,
                   const char *event_id, const char *topic, const struct http_response *resp)
{
    /* Without a probe DLV-007 is skipped: nothing to keep for it. */
    if (r->probe == NULL || !hn_runner_accepted(resp) || !audit_valid(m) ||
        !audit_topic_counts(r, topic)) {
        return;
    }
    pthread_mutex_lock(&r->lock); /* cases run together share the list */
    if (r->ack_seen == NULL) {
        r->ack_seen = json_object();
    }
    if (json_object_get(r->ack_seen, event_id) != NULL) {
        pthread_mutex_unlock(&r->lock);
        return; /* a copy of an event already counted */
    }
    if (r->n_acked == r->cap_acked) {
        r->cap_acked = r->cap_acked ? 2 * r->cap_acked : 64;
        r->acked = xrealloc(r->acked, r->cap_acked * sizeof(*r->acked));
    }
    struct hn_runner_acked *a = &r->acked[r->n_acked++];
    snprintf(a->event_id, sizeof(a->event_id), "%s", event_id);
    a->case_id = audit_name(r, case_id);
    a->topic = audit_name(r, topic);
    json_object_set_new(r->ack_seen, event_id, json_true());
    pthread_mutex_unlock(&r->lock);
}

void hn_runner_acked_free(struct hn_runner *r)
{
    for (size_t i = 0; i < r->n_ack_names; i++) {
        free(r->ack_names[i]);
    }
    free(r->ack_names);
    json_decref(r->ack_seen);
    free(r->acked);
    r->ack_names = NULL;
    r->n_ack_names = 0;
    r->ack_seen = NULL;
    r->acked = NULL;
    r->n_acked = 0;
    r->cap_acked = 0;
}

/* Polls the probe until every acknowledged event was processed at least
 * once or the probe wait is over; done[i] says which were. */
static int audit_poll(struct hn_runner *r, bool *done, size_t *left, struct err *e)
{
    uint64_t deadline = clock_mono_us() + r->o.probe_wait_ms * 1000u;

    *left = r->n_acked;
    for (;;) {
        for (size_t i = 0; i < r->n_acked; i++) {
            long long count = 0;
            if (done[i]) {
                continue;
            }
            if (hn_probe_count(r->probe, r->acked[i].event_id, &count, NULL, e) != 0) {
                return -1;
            }
            if (count >= 1) {
                done[i] = true;
                (*left)--;
            }
        }
        if (*left == 0 || clock_mono_us() >= deadline) {
            return 0;
        }
        clock_sleep_us(HN_PROBE_POLL_MS * 1000u);
    }
}

/* "IDM-009 (message.received evt_...), ..." for the first offenders. */
static void audit_offenders(const struct hn_runner *r, const bool *done, size_t left, char *out,
                            size_t out_size)
{
    size_t used = 0;
    size_t named = 0;

    out[0] = '\0';
    for (size_t i = 0; i < r->n_acked && named < AUDIT_NAMED; i++) {
        if (done[i]) {
            continue;
        }
        const struct hn_runner_acked *a = &r->acked[i];
        int w = snprintf(out + used, out_size - used, "%s%s (%s %s)", named ? ", " : "", a->case_id,
                         a->topic, a->event_id);
        used += w > 0 && (size_t)w < out_size - used ? (size_t)w : 0;
        named++;
    }
    if (left > named) {
        snprintf(out + used, out_size - used, " and %zu more", left - named);
    }
}

void hn_runner_audit(struct hn_runner_case *rc, size_t idx, struct rp_step *ps,
                     struct hn_runner_outcome *out)
{
    struct hn_runner *r = rc->r;
    struct err e = {{0}};
    size_t left = 0;
    char names[320];
    bool *done = xcalloc(r->n_acked + 1, sizeof(bool));

    (void)idx;
    rp_setf(&ps->description,
            "ask the %s probe about each of the %zu valid deliveries of known topics that "
            "earlier cases got a 2xx for",
            hn_probe_kind(r->probe), r->n_acked);
    rp_set(&ps->expected, "each event processed at least once");
    if (r->n_acked == 0) {
        hn_runner_outcome_set(out, RP_VERDICT_SKIP,
                              "no earlier case of this run got a 2xx for a valid delivery: run "
                              "it with the rest of the suite");
        snprintf(out->figure, sizeof(out->figure), "nothing acknowledged");
        goto out;
    }
    if (audit_poll(r, done, &left, &e) != 0) {
        hn_runner_outcome_set(out, RP_VERDICT_ERROR, "%s", e.msg);
        goto out;
    }
    if (left == 0) {
        out->verdict = RP_VERDICT_PASS;
        snprintf(out->figure, sizeof(out->figure), "%zu of %zu processed", r->n_acked, r->n_acked);
        rp_set(&ps->actual, out->figure);
        goto out;
    }
    audit_offenders(r, done, left, names, sizeof(names));
    hn_runner_outcome_set(out, RP_VERDICT_FAIL,
                          "%zu of %zu valid deliveries answered 2xx were never processed: %s", left,
                          r->n_acked, names);
    snprintf(out->figure, sizeof(out->figure), "%zu of %zu not processed", left, r->n_acked);
    rp_set(&ps->actual, out->why);
out:
    free(done);
}
