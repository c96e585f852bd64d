/* A step's retries, as a sender makes them, and the answers step that
 * judges what a step was answered (runner_priv.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/retry_after.h"
#include "core/xalloc.h"
#include "harness/runner_priv.h"
#include "harness/verdict.h"

/* Exchanges of a retry round kept with their detail in the step; the rest
 * are counted (a burst of 50 retried four times). */
#define RETRY_KEEP_PER_ROUND 4

void hn_runner_answered(struct hn_runner_sent *sent, const struct http_response *resp, bool first)
{
    char value[64];
    uint64_t ms = 0;

    if (sent->n_answers == sent->cap_answers) {
        sent->cap_answers = sent->cap_answers > 0 ? 2 * sent->cap_answers : 4;
        sent->answers = xrealloc(sent->answers, sent->cap_answers * sizeof(*sent->answers));
    }
    struct hn_runner_answer *a = &sent->answers[sent->n_answers++];
    a->status = resp->error == HTTP_ERROR_NONE ? resp->status : 0;
    a->first = first;
    /* Only a 429 or 503 is judged on it: no header scan for the rest. */
    a->retry_after = retry_after_counts(a->status) &&
                     http_response_header(resp, "Retry-After", value, sizeof(value)) == 0 &&
                     retry_after_parse(value, clock_wall_ms(), &ms) == 0;
}

/* What a try's last answer asks a sender to wait before the next send:
 * its Retry-After on a 429 or 503 (capped), else backoff. */
static uint64_t retry_delay(const struct http_response *resp, uint64_t backoff, bool *asked)
{
    char value[64];
    uint64_t ms = 0;

    if (retry_after_counts(resp->status) &&
        http_response_header(resp, "Retry-After", value, sizeof(value)) == 0 &&
        retry_after_parse(value, clock_wall_ms(), &ms) == 0) {
        *asked = true;
        return ms < HN_RETRY_AFTER_CAP_MS ? ms : HN_RETRY_AFTER_CAP_MS;
    }
    return backoff;
}

/* Sends one round: the tries in pending[0..n), each re-signed as its next
 * attempt; their answers replace the last ones. */
static void retry_round(struct hn_runner_case *rc, size_t idx, struct rp_step *ps,
                        struct hn_runner_try **pending, size_t n, uint64_t timeout)
{
    static const struct hn_mutation none;
    const struct hn_step *st = &rc->s->steps[idx];
    struct hn_runner *r = rc->r;
    struct hn_delivery *d = xcalloc(n, sizeof(*d));
    struct http_request *req = xcalloc(n, sizeof(*req));
    struct http_response *resp = xcalloc(n, sizeof(*resp));
    size_t built = 0;
    struct err e = {{0}};

    for (; built < n; built++) {
        struct hn_runner_try *t = pending[built];
        struct hn_payload pl = {t->event_id, t->topic, t->body, t->body_len, NULL, NULL};
        if (hn_delivery_build(&r->dopts, &pl, &none, t->attempt + 1, &rc->rng, clock_wall_ms(),
                              &d[built], &e) != 0) {
            break; /* the same bytes built before: not expected to fail */
        }
        hn_delivery_request(&r->dopts, &d[built], timeout, &req[built]);
    }
    unsigned conc = st->kind == HN_STEP_BURST ? st->concurrency : 1;
    if (built == n && http_client_run(rc->client, req, resp, n, conc) == 0) {
        for (size_t i = 0; i < n; i++) {
            struct hn_runner_try *t = pending[i];
            if (i < RETRY_KEEP_PER_ROUND) {
                hn_runner_record(r, ps, &d[i], t->event_id, &resp[i]);
            } else {
                rp_step_omit_exchange(ps, resp[i].status != 0, resp[i].total_us);
            }
            hn_runner_ack(r, rc->s->id, &none, t->event_id, t->topic, &resp[i]);
            hn_runner_answered(&rc->sent[idx], &resp[i], false);
            http_response_cleanup(&t->resp);
            t->resp = resp[i];
            t->attempt++;
            memset(&resp[i], 0, sizeof(resp[i]));
        }
    }
    for (size_t i = 0; i < n; i++) {
        http_response_cleanup(&resp[i]);
        hn_delivery_cleanup(&d[i]);
    }
    free(resp);
    free(req);
    free(d);
}

void hn_runner_retry(struct hn_runner_case *rc, size_t idx, struct rp_step *ps,
                     struct hn_runner_try *tries, size_t n, uint64_t timeout, char *note,
                     size_t note_size)
{
    const struct hn_step *st = &rc->s->steps[idx];
    struct hn_runner_try **pending = xcalloc(n + 1, sizeof(*pending));
    uint64_t backoff = st->retry_backoff_ms;
    size_t used = 0;

    note[0] = '\0';
    for (unsigned round = 1; round < st->retry_attempts; round++) {
        size_t k = 0;
        uint64_t wait = 0;
        bool asked = false;
        char took[32];

        for (size_t i = 0; i < n; i++) {
            if (!hn_runner_accepted(&tries[i].resp)) {
                uint64_t w = retry_delay(&tries[i].resp, backoff, &asked);
                wait = w > wait ? w : wait;
                pending[k++] = &tries[i];
            }
        }
        if (k == 0) {
            break;
        }
        clock_duration_text(wait * 1000u, took, sizeof(took));
        if (used < note_size) {
            char who[32] = "";
            if (n > 1) {
                snprintf(who, sizeof(who), "%zu ", k);
            }
            used +=
                (size_t)snprintf(note + used, note_size - used, "%s%sretried after %s%s",
                                 round == 1 ? "" : "; ", who, took, asked ? " (Retry-After)" : "");
        }
        clock_sleep_us(wait * 1000u);
        retry_round(rc, idx, ps, pending, k, timeout);
        backoff = backoff * 2 < HN_RETRY_BACKOFF_MAX_MS ? backoff * 2 : HN_RETRY_BACKOFF_MAX_MS;
    }
    free(pending);
}

/* "429 (3 of 50)": the most frequent status among the first answers that
 * the expectation refuses. */
static void answers_first_fail(const struct hn_runner_case *rc, const struct hn_step *st,
                               size_t *bad, long *example)
{
    const struct hn_expect *x = &st->expect;

    for (size_t k = 0; k < st->n_of; k++) {
        const struct hn_runner_sent *sent = &rc->sent[st->of[k]];
        for (size_t i = 0; i < sent->n_answers; i++) {
            const struct hn_runner_answer *a = &sent->answers[i];
            struct http_response resp;
            char why[64];

            if (!a->first) {
                continue;
            }
            memset(&resp, 0, sizeof(resp));
            resp.status = a->status;
            resp.error = a->status == 0 ? HTTP_ERROR_OTHER : HTTP_ERROR_NONE;
            if (hn_verdict_exchange(x, &resp, 0, why, sizeof(why)) != RP_VERDICT_PASS) {
                if ((*bad)++ == 0) {
                    *example = a->status;
                }
            }
        }
    }
}

void hn_runner_answers(struct hn_runner_case *rc, size_t idx, struct rp_step *ps,
                       struct hn_runner_outcome *out)
{
    const struct hn_step *st = &rc->s->steps[idx];
    size_t firsts = 0, throttled = 0, bare = 0, bad = 0;
    long example = 0, bare_status = 0;
    char text[256];

    for (size_t k = 0; k < st->n_of; k++) {
        const struct hn_runner_sent *sent = &rc->sent[st->of[k]];
        for (size_t i = 0; i < sent->n_answers; i++) {
            const struct hn_runner_answer *a = &sent->answers[i];
            firsts += a->first;
            if (retry_after_counts(a->status)) {
                throttled++;
                if (!a->retry_after && bare++ == 0) {
                    bare_status = a->status;
                }
            }
        }
    }
    hn_runner_expect_text(&st->expect, text, sizeof(text));
    rp_setf(&ps->description, "look at the answers of %zu step%s", st->n_of,
            st->n_of == 1 ? "" : "s");
    rp_setf(&ps->expected, "%s%s%s", st->expect.has_status ? "first answers: " : "", text,
            st->expect.retry_after ? (st->expect.has_status ? "; a Retry-After on every 429 or 503"
                                                            : "a Retry-After on every 429 or 503")
                                   : "");
    if (st->expect.has_status) {
        answers_first_fail(rc, st, &bad, &example);
    }
    snprintf(out->actual, sizeof(out->actual),
             "%zu first answers, %zu not as expected; %zu answers 429 or 503, %zu without a "
             "valid Retry-After",
             firsts, bad, throttled, bare);
    rp_set(&ps->actual, out->actual);
    if (firsts == 0) {
        hn_runner_outcome_set(out, RP_VERDICT_ERROR, "no answer to look at (the steps sent none)");
    } else if (st->expect.retry_after && bare > 0) {
        hn_runner_outcome_set(out, RP_VERDICT_FAIL,
                              "%zu of %zu answers 429 or 503 carried no valid Retry-After "
                              "(first: %ld): the sender cannot tell when to retry",
                              bare, throttled, bare_status);
        snprintf(out->figure, sizeof(out->figure), "%zu/%zu without Retry-After", bare, throttled);
    } else if (bad > 0) {
        char got[32] = "no answer";
        if (example != 0) {
            snprintf(got, sizeof(got), "%ld", example);
        }
        hn_runner_outcome_set(out, RP_VERDICT_FAIL,
                              "%zu of %zu first answers were not %s (first: %s)", bad, firsts, text,
                              got);
        snprintf(out->figure, sizeof(out->figure), "%zu/%zu first answers %s", bad, firsts, got);
    } else {
        out->verdict = RP_VERDICT_PASS;
        snprintf(out->figure, sizeof(out->figure), "%zu first answers; %zu throttled", firsts,
                 throttled);
    }
}
