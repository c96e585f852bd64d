/* Burst steps (runner_priv.h): N deliveries, C at a time, judged one by
 * one and by their p95. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/event.h"
#include "core/stats.h"
#include "core/xalloc.h"
#include "harness/runner_priv.h"
#include "harness/verdict.h"

/* Does a probe step of the case count the events of step idx? Only then
 * are a burst's distinct ids kept for the case (rc->sent). */
static bool runner_burst_probed(const struct hn_runner_case *rc, size_t idx)
{
    for (size_t j = idx + 1; j < rc->s->n_steps; j++) {
        const struct hn_step *st = &rc->s->steps[j];
        for (size_t k = 0; st->kind == HN_STEP_PROBE && k < st->n_of; k++) {
            if (st->of[k] == (int)idx) {
                return true;
            }
        }
    }
    return false;
}

/* Builds the deliveries of a burst: n copies of one event, or n events. */
static int runner_burst_build(struct hn_runner_case *rc, size_t idx, struct hn_delivery *d,
                              char (*ids)[IDS_EVENT_ID_LEN + 1], struct err *e)
{
    static const struct hn_mutation none;
    const struct hn_step *st = &rc->s->steps[idx];
    struct hn_runner_sent *sent = &rc->sent[idx];
    bool probed = runner_burst_probed(rc, idx);

    for (unsigned i = 0; i < st->count; i++) {
        struct hn_runner_sent one;
        struct hn_runner_sent *ev = sent;
        memset(&one, 0, sizeof(one));
        if (!st->copies) {
            ev = &one;
        }
        if ((!st->copies || i == 0) && hn_runner_new_event(rc, idx, ev, e) != 0) {
            hn_runner_sent_cleanup(&one);
            return -1;
        }
        if (!st->copies && probed) {
            hn_runner_push_id(sent, ev->event_id); /* drawn just now: new */
        } else if (st->copies && i == 0) {
            hn_runner_add_id(sent, ev->event_id);
        }
        memcpy(ids[i], ev->event_id, sizeof(ids[i]));
        struct hn_payload pl = {ev->event_id, ev->topic, ev->body, ev->body_len, NULL, NULL};
        int rc_build = hn_delivery_build(&rc->r->dopts, &pl, &none, st->attempt, &rc->rng,
                                         clock_wall_ms(), &d[i], e);
        hn_runner_sent_cleanup(&one);
        if (rc_build != 0) {
            return -1;
        }
    }
    return 0;
}

/* Judges a burst's responses: every one against the expectation, then the
 * p95 of the answered ones. */
static void runner_burst_judge(const struct hn_step *st, const struct http_response *resp,
                               uint64_t timeout, struct hn_runner_outcome *out)
{
    unsigned n = st->count;
    unsigned failed = 0;
    unsigned errored = 0;
    unsigned silent = 0; /* no response at all, whatever the verdict */
    size_t answered = 0;
    char first_fail[256] = "";
    char first_error[256] = "";
    uint64_t *lat = xcalloc(n, sizeof(uint64_t));
    char p50[32], p95[32], p99[32], max[32], bound[32];

    for (unsigned i = 0; i < n; i++) {
        char why[256];
        enum rp_verdict v = hn_verdict_exchange(&st->expect, &resp[i], timeout, why, sizeof(why));
        if (v == RP_VERDICT_FAIL && failed++ == 0) {
            snprintf(first_fail, sizeof(first_fail), "%s", why);
        } else if (v == RP_VERDICT_ERROR && errored++ == 0) {
            snprintf(first_error, sizeof(first_error), "%s", why);
        }
        if (resp[i].error == HTTP_ERROR_NONE) {
            lat[answered++] = resp[i].total_us;
        } else {
            silent++;
        }
    }
    uint64_t p95_us = stats_percentile(lat, answered, 95);
    clock_duration_text(stats_percentile(lat, answered, 50), p50, sizeof(p50));
    clock_duration_text(p95_us, p95, sizeof(p95));
    clock_duration_text(stats_percentile(lat, answered, 99), p99, sizeof(p99));
    clock_duration_text(answered ? lat[answered - 1] : 0, max, sizeof(max));
    snprintf(out->figure, sizeof(out->figure), "%u/%u as expected, p95 %s, max %s",
             n - failed - errored, n, p95, max);
    snprintf(out->actual, sizeof(out->actual),
             "%u/%u as expected (%u failed, %u errored, %u without response); latency of the "
             "%zu answered: p50 %s, p95 %s, p99 %s, max %s",
             n - failed - errored, n, failed, errored, silent, answered, p50, p95, p99, max);
    if (failed > 0) {
        hn_runner_outcome_set(out, RP_VERDICT_FAIL, "%u of %u deliveries failed; first: %s", failed,
                              n, first_fail);
    } else if (errored > 0) {
        hn_runner_outcome_set(out, RP_VERDICT_ERROR,
                              "%u of %u deliveries got no response; "
                              "first: %s",
                              errored, n, first_error);
    } else if (st->expect.p95_max_ms > 0 && p95_us > st->expect.p95_max_ms * 1000u) {
        clock_duration_text(st->expect.p95_max_ms * 1000u, bound, sizeof(bound));
        snprintf(out->figure, sizeof(out->figure), "p95 %s", p95);
        hn_runner_outcome_set(out, RP_VERDICT_FAIL,
                              "p95 %s over %u deliveries, over the bound "
                              "of %s",
                              p95, n, bound);
    } else {
        out->verdict = RP_VERDICT_PASS;
        if (st->expect.p95_max_ms > 0) {
            snprintf(out->figure, sizeof(out->figure), "p95 %s over %u", p95, n);
        }
    }
    free(lat);
}

/* Records one exchange of a burst in the step: with its detail while the
 * step holds fewer than RP_STEP_KEEP_PASSING that went as expected (or
 * RP_STEP_KEEP_FAILING that did not), and always the first timeout, which
 * case isolation looks for; otherwise only counted, with its latency. A
 * burst of 1 000 then costs a few dozen exchanges of memory and report,
 * and every figure stays exact. */
struct burst_kept {
    size_t passing; /* kept exchanges that went as expected */
    size_t other;
    bool timeout; /* a timed-out one is among them */
};

static void runner_burst_keep(struct hn_runner *r, const struct hn_step *st, struct rp_step *ps,
                              struct burst_kept *kept, const struct hn_delivery *d, const char *id,
                              const struct http_response *resp, uint64_t timeout)
{
    char why[256];
    bool as_expected =
        hn_verdict_exchange(&st->expect, resp, timeout, why, sizeof(why)) == RP_VERDICT_PASS;
    bool first_timeout = resp->error == HTTP_ERROR_TIMEOUT && !kept->timeout;

    if (as_expected ? kept->passing < RP_STEP_KEEP_PASSING
                    : kept->other < RP_STEP_KEEP_FAILING || first_timeout) {
        hn_runner_record(r, ps, d, id, resp);
        kept->passing += as_expected;
        kept->other += !as_expected;
        kept->timeout |= resp->error == HTTP_ERROR_TIMEOUT;
    } else {
        rp_step_omit_exchange(ps, resp->status != 0, resp->total_us);
    }
}

/* The burst's retries, as a sender makes them: resp[i] ends as the last
 * answer of the event of d[i]. */
static void runner_burst_retry(struct hn_runner_case *rc, size_t idx, struct rp_step *ps,
                               const struct hn_delivery *d, char (*ids)[IDS_EVENT_ID_LEN + 1],
                               const char *topic, struct http_response *resp, uint64_t timeout,
                               char *note, size_t note_size)
{
    unsigned n = rc->s->steps[idx].count;
    struct hn_runner_try *tries = xcalloc(n, sizeof(*tries));

    for (unsigned i = 0; i < n; i++) {
        tries[i] = (struct hn_runner_try){
            ids[i], topic, d[i].body, d[i].body_len, rc->s->steps[idx].attempt, resp[i]};
    }
    hn_runner_retry(rc, idx, ps, tries, n, timeout, note, note_size);
    for (unsigned i = 0; i < n; i++) {
        resp[i] = tries[i].resp;
    }
    free(tries);
}

void hn_runner_burst(struct hn_runner_case *rc, size_t idx, struct rp_step *ps,
                     struct hn_runner_outcome *out)
{
    const struct hn_step *st = &rc->s->steps[idx];
    struct hn_runner *r = rc->r;
    unsigned n = st->count;
    struct hn_delivery *d = xcalloc(n, sizeof(*d));
    struct http_request *req = xcalloc(n, sizeof(*req));
    struct http_response *resp = xcalloc(n, sizeof(*resp));
    char(*ids)[IDS_EVENT_ID_LEN + 1] = xcalloc(n, sizeof(*ids));
    uint64_t timeout = hn_runner_timeout(r, &st->expect);
    struct err e = {{0}};
    char text[256];

    rp_setf(&ps->description, "%u %s of %s, %u at a time", n,
            st->copies ? "copies of one event" : "distinct events", st->topic, st->concurrency);
    hn_runner_expect_text(&st->expect, text, sizeof(text));
    rp_set(&ps->expected, text[0] ? text : NULL);
    if (runner_burst_build(rc, idx, d, ids, &e) != 0) {
        hn_runner_outcome_set(out, RP_VERDICT_ERROR, "cannot build the burst: %s", e.msg);
        goto out;
    }
    for (unsigned i = 0; i < n; i++) {
        hn_delivery_request(&r->dopts, &d[i], timeout, &req[i]);
    }
    if (http_client_run(rc->client, req, resp, n, st->concurrency) != 0) {
        hn_runner_outcome_set(out, RP_VERDICT_ERROR, "the HTTP client failed");
        goto out;
    }
    static const struct hn_mutation valid;
    const char *topic = event_profile_topic(r->o.profile, st->topic);
    struct burst_kept kept = {0, 0, false};
    for (unsigned i = 0; i < n; i++) {
        runner_burst_keep(r, st, ps, &kept, &d[i], ids[i], &resp[i], timeout);
        hn_runner_ack(r, rc->s->id, &valid, ids[i], topic, &resp[i]);
        hn_runner_answered(&rc->sent[idx], &resp[i], true);
    }
    char note[192] = "";
    if (st->retry_attempts > 0) {
        runner_burst_retry(rc, idx, ps, d, ids, topic, resp, timeout, note, sizeof(note));
    }
    runner_burst_judge(st, resp, timeout, out);
    if (note[0] != '\0') {
        size_t used = strlen(out->actual);
        snprintf(out->actual + used, sizeof(out->actual) - used, "; %s (the last answers judged)",
                 note);
    }
    rp_set(&ps->actual, out->actual);
out:
    for (unsigned i = 0; i < n; i++) {
        http_response_cleanup(&resp[i]);
        hn_delivery_cleanup(&d[i]);
    }
    free(ids);
    free(resp);
    free(req);
    free(d);
}
