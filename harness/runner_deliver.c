/* The deliver step (runner_priv.h): one delivery, or a copy of an earlier
 * one; hung up on, retried like a sender, or left unsent when its event
 * was accepted already. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/http_client.h"
#include "core/xalloc.h"
#include "harness/hint.h"
#include "harness/runner_priv.h"
#include "harness/verdict.h"

void hn_runner_copy_event(struct hn_runner_sent *to, const struct hn_runner_sent *from)
{
    memcpy(to->event_id, from->event_id, sizeof(to->event_id));
    to->topic = xstrdup(from->topic);
    to->body = xstrndup(from->body, from->body_len);
    to->body_len = from->body_len;
    to->data_rng = from->data_rng;
    to->created_ms = from->created_ms;
    to->has_event = true;
}

/* "401 in 1.2 ms" or "no response: refused". */
static void answer_text(const struct http_response *resp, char *out, size_t out_size)
{
    char took[32];

    clock_duration_text(resp->total_us, took, sizeof(took));
    if (resp->error != HTTP_ERROR_NONE) {
        snprintf(out, out_size, "no response (%s after %s)", http_error_name(resp->error), took);
    } else {
        snprintf(out, out_size, "%ld in %s", resp->status, took);
    }
}

/* How the exchange went on the wire: on a new connection, the times from
 * the start to connected, to the TLS handshake's end and to the first byte
 * (LAT-004); else that it used a kept-alive one (LAT-005). */
static void connection_text(const struct http_response *resp, char *out, size_t out_size)
{
    char conn[32];
    char tls[32] = "none";
    char first[32];

    if (!resp->connected) {
        snprintf(out, out_size, "on a kept-alive connection");
        return;
    }
    clock_duration_text(resp->connect_us, conn, sizeof(conn));
    if (resp->tls_us > 0) {
        clock_duration_text(resp->tls_us, tls, sizeof(tls));
    }
    clock_duration_text(resp->first_byte_us, first, sizeof(first));
    snprintf(out, out_size, "on a new connection: connected %s, TLS %s, first byte %s", conn, tls,
             first);
}

/* A valid delivery that did not get its 2xx: what the answer looks like
 * (a CSRF page, a login redirect, a tunnel's page; harness/hint.h). */
static void deliver_hint(const struct hn_step *st, const struct http_response *resp,
                         struct hn_runner_outcome *out)
{
    const char *hint = NULL;
    size_t used = strlen(out->why);

    if (out->verdict == RP_VERDICT_PASS || !(st->expect.class_mask & HN_CLASS_BIT(2))) {
        return;
    }
    hint = hn_hint_classify(resp);
    if (hint != NULL && used < sizeof(out->why)) {
        snprintf(out->why + used, sizeof(out->why) - used, "; hint: %s", hint);
    }
}

/* SEC-003: the same_as delivery as an eavesdropper can send it again: its
 * bytes, timestamp, signature, delivery id and attempt as they were, under
 * a new event id (drawn into new_id) in the event-id header. */
static void deliver_replay(struct hn_runner_case *rc, const struct hn_step *st,
                           struct hn_payload *pl, char new_id[IDS_EVENT_ID_LEN + 1], uint64_t *now,
                           unsigned *attempt)
{
    const struct hn_runner_sent *orig = &rc->sent[st->same_as];

    ids_event_id(&rc->rng, new_id);
    *now = orig->sent_ms;
    *attempt = rc->s->steps[st->same_as].attempt;
    pl->delivery_id = orig->delivery_id;
    pl->id_header = new_id;
}

/* unless_accepted: the earlier send of this event got its 2xx, so a
 * sender has nothing to retry. The event still counts for probes. */
static void deliver_not_needed(struct hn_runner_case *rc, size_t idx, struct rp_step *ps,
                               struct hn_runner_outcome *out)
{
    struct hn_runner_sent *sent = &rc->sent[idx];

    hn_runner_add_id(sent, sent->event_id);
    sent->accepted = true;
    rp_setf(&ps->description, "POST %s %s (again, unless accepted)", sent->topic, sent->event_id);
    rp_set(&ps->actual, "not sent: the event was answered 2xx already");
    out->verdict = RP_VERDICT_PASS;
    snprintf(out->figure, sizeof(out->figure), "not needed");
}

/* hang_up: the harness closed the connection without reading an answer
 * (or one came first). Only a failure to deliver at all is an ERROR. */
static void deliver_hung_up(const struct hn_step *st, struct rp_step *ps,
                            const struct http_response *resp, struct hn_runner_outcome *out)
{
    char after[32];
    char text[96];

    clock_duration_text(st->hang_up_ms * 1000u, after, sizeof(after));
    if (resp->error == HTTP_ERROR_TIMEOUT) {
        struct rp_exchange *x = &ps->exchanges[ps->n_exchanges - 1];
        rp_set(&x->error, "hung up");
        snprintf(text, sizeof(text), "hung up after %s, no answer read", after);
        out->verdict = RP_VERDICT_PASS;
    } else if (resp->error == HTTP_ERROR_NONE) {
        char took[32];
        clock_duration_text(resp->total_us, took, sizeof(took));
        snprintf(text, sizeof(text), "answered %ld in %s, before the hang-up", resp->status, took);
        out->verdict = RP_VERDICT_PASS;
    } else {
        snprintf(text, sizeof(text), "no delivery: %s", http_error_name(resp->error));
        hn_runner_outcome_set(out, RP_VERDICT_ERROR, "the delivery did not reach the receiver: %s",
                              resp->error_text);
    }
    rp_setf(&ps->expected, "sent; the harness hangs up after %s", after);
    rp_set(&ps->actual, text);
    snprintf(out->figure, sizeof(out->figure), "%s", text);
}

void hn_runner_deliver(struct hn_runner_case *rc, size_t idx, struct rp_step *ps,
                       struct hn_runner_outcome *out)
{
    const struct hn_step *st = &rc->s->steps[idx];
    struct hn_runner_sent *sent = &rc->sent[idx];
    struct hn_runner *r = rc->r;
    struct hn_delivery d;
    struct http_request req;
    struct http_response resp;
    struct err e = {{0}};
    char text[256];
    char note[192];
    uint64_t timeout = st->hang_up_ms > 0 ? st->hang_up_ms : hn_runner_timeout(r, &st->expect);

    memset(&d, 0, sizeof(d));
    memset(&resp, 0, sizeof(resp));
    if (st->same_as >= 0) {
        hn_runner_copy_event(sent, &rc->sent[st->same_as]);
        if (st->unless_accepted && rc->sent[st->same_as].accepted) {
            deliver_not_needed(rc, idx, ps, out);
            return;
        }
    } else if (hn_runner_new_event(rc, idx, sent, &e) != 0) {
        hn_runner_outcome_set(out, RP_VERDICT_ERROR, "cannot build the event: %s", e.msg);
        return;
    }
    if (hn_runner_edit_body(sent, &r->scheme, &st->mutate, &e) != 0) {
        hn_runner_outcome_set(out, RP_VERDICT_ERROR, "cannot build the event: %s", e.msg);
        return;
    }
    struct hn_payload pl = {st->mutate.blank_id ? "" : sent->event_id,
                            sent->topic,
                            sent->body,
                            sent->body_len,
                            NULL,
                            NULL};
    uint64_t now = clock_wall_ms();
    unsigned attempt = st->attempt;
    char new_id[IDS_EVENT_ID_LEN + 1];
    const char *shown_id = sent->event_id;
    if (st->mutate.new_id) {
        deliver_replay(rc, st, &pl, new_id, &now, &attempt);
        shown_id = new_id;
    }
    hn_runner_add_id(sent, shown_id);
    if (hn_delivery_build(&r->dopts, &pl, &st->mutate, attempt, &rc->rng, now, &d, &e) != 0) {
        hn_runner_outcome_set(out, RP_VERDICT_ERROR, "%s", e.msg);
        return;
    }
    sent->sent_ms = now;
    memcpy(sent->delivery_id, d.delivery_id, sizeof(sent->delivery_id));
    rp_setf(&ps->description, "%s %s %s%s%s%s%s", d.method, sent->topic, shown_id,
            st->same_as >= 0 && !st->mutate.new_id ? " (again)" : "", d.summary[0] ? " (" : "",
            d.summary, d.summary[0] ? ")" : "");
    hn_runner_expect_text(&st->expect, text, sizeof(text));
    rp_set(&ps->expected, text[0] ? text : NULL);
    hn_delivery_request(&r->dopts, &d, timeout, &req);
    req.new_connection = st->new_connection;
    if (http_client_run(rc->client, &req, &resp, 1, 1) != 0) {
        hn_runner_outcome_set(out, RP_VERDICT_ERROR, "the HTTP client failed");
        goto out;
    }
    hn_runner_record(r, ps, &d, shown_id, &resp);
    hn_runner_ack(r, rc->s->id, &st->mutate, sent->event_id, sent->topic, &resp);
    if (st->hang_up_ms > 0) {
        deliver_hung_up(st, ps, &resp, out);
        goto out;
    }
    hn_runner_answered(sent, &resp, true);
    answer_text(&resp, text, sizeof(text));
    note[0] = '\0';
    unsigned t_attempt = attempt;
    if (st->retry_attempts > 0) {
        struct hn_runner_try t = {sent->event_id, sent->topic, sent->body,
                                  sent->body_len, attempt,     resp};
        hn_runner_retry(rc, idx, ps, &t, 1, timeout, note, sizeof(note));
        resp = t.resp;
        t_attempt = t.attempt;
    }
    sent->accepted = hn_runner_accepted(&resp);
    char last[64] = "";
    if (note[0] != '\0') {
        size_t used = strlen(text);
        answer_text(&resp, last, sizeof(last));
        snprintf(text + used, sizeof(text) - used, "; %s: %s", note, last);
    }
    if ((st->new_connection || st->expect.answered) && strlen(text) + 2 < sizeof(text)) {
        size_t used = strlen(text);
        text[used++] = ' ';
        connection_text(&resp, text + used, sizeof(text) - used);
    }
    rp_set(&ps->actual, text);
    /* A step held to a lower level records an observation: say which. */
    if (last[0] != '\0') {
        snprintf(out->figure, sizeof(out->figure), "%s at attempt %u", last, t_attempt);
    } else if (st->has_level && d.summary[0] != '\0') {
        snprintf(out->figure, sizeof(out->figure), "%.60s: %.60s", d.summary, text);
    } else {
        snprintf(out->figure, sizeof(out->figure), "%.120s", text);
    }
    out->verdict = hn_verdict_exchange(&st->expect, &resp, timeout, out->why, sizeof(out->why));
    if (out->verdict == RP_VERDICT_PASS && st->expect.reveals_nothing) {
        hn_runner_check_reveals(r, sent->event_id, &d, &resp, out);
    }
    deliver_hint(st, &resp, out);
out:
    http_response_cleanup(&resp);
    hn_delivery_cleanup(&d);
}
