/* Settling a finished attempt: its call record, then the next attempt
 * (backoff or Retry-After), the end of its chain, or the webhook's
 * deactivation (decided here, written by the call-log writer). Runs on the
 * engine thread only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "mock_server/dispatch_priv.h"
#include "mock_server/settle_rule.h"

#define SETTLE_RETRY_AFTER_MAX 64

const char *ms_dispatch_unusable(const struct ms_webhook *w, enum ms_pending_kind kind)
{
    if (w == NULL) {
        return "the webhook no longer exists";
    }
    if (w->deleted_ms != 0) {
        return "the webhook is deleted";
    }
    if (!w->active && kind != MS_PENDING_REPLAY) {
        return "the webhook is inactive";
    }
    return NULL;
}

const char *ms_dispatch_hook_unusable(struct dsp_hook *h, const struct ms_webhook *w,
                                      enum ms_pending_kind kind)
{
    const char *why = ms_dispatch_unusable(w, kind);

    if (why != NULL || !h->disabling) {
        return why;
    }
    if (w->updated_ms != h->disabling_seen_ms) {
        h->disabling = false; /* the cache has it now, or the API changed it since */
        return NULL;
    }
    return kind != MS_PENDING_REPLAY ? "the webhook is inactive" : NULL;
}

/* Whether the chain's webhook can still take it; *updated_ms is its
 * cached row's. */
static bool settle_still_usable(struct ms_dispatch *d, struct dsp_chain *c, uint64_t *updated_ms)
{
    const struct ms_cache_snapshot *snap = ms_cache_acquire(d->cache);
    const struct ms_webhook *w = ms_cache_find(snap, c->webhook_id);
    bool ok = ms_dispatch_hook_unusable(c->hook, w, c->kind) == NULL;

    *updated_ms = ok ? w->updated_ms : 0;
    ms_cache_release(snap);
    return ok;
}

/* Hands the batch the webhook's deactivation (the writer applies it with
 * the record, in one transaction, and publishes it) and notes why in the
 * record. Until the cache shows it, the engine's own view has it. */
static void settle_disable_webhook(struct ms_dispatch *d, struct dsp_chain *c, struct ms_call *call,
                                   struct dsp_owned *o, uint64_t seen_ms, uint64_t now_wall)
{
    struct dsp_batch *b = d->batch;
    struct dsp_disable *x;
    unsigned n = d->pol.disable_after;

    b->disables = xgrow(b->disables, &b->cap_disables, b->n_disables + 1, 4, sizeof(*b->disables));
    x = &b->disables[b->n_disables++];
    memset(x, 0, sizeof(*x));
    memcpy(x->webhook_id, c->webhook_id, sizeof(x->webhook_id));
    x->seen_ms = seen_ms;
    x->now_ms = now_wall;
    x->call = b->n_calls - 1;
    x->after = n;
    c->hook->disabling = true;
    c->hook->disabling_seen_ms = seen_ms;
    if (call->error != NULL) {
        snprintf(x->last, sizeof(x->last), "%s", call->error);
    } else {
        snprintf(x->last, sizeof(x->last), "status %d", call->response_status);
    }
    free(o->error);
    o->error = xasprintf("%s; webhook deactivated after %u consecutive events gave up", x->last, n);
    call->error = o->error;
    log_warn("webhook %s deactivated after %u consecutive events gave up (last: %s)", c->webhook_id,
             n, x->last);
}

static uint64_t settle_retry_delay(struct ms_dispatch *d, const struct dsp_chain *c,
                                   const struct http_response *resp, uint64_t now_wall)
{
    char value[SETTLE_RETRY_AFTER_MAX];
    uint64_t ms = 0;
    double u = rng_double(&d->rng_jitter);

    if (http_response_header(resp, "Retry-After", value, sizeof(value)) == 0 &&
        ms_policy_retry_after_ms(&d->pol, resp->status, value, now_wall, &ms)) {
        return ms_policy_scale_ms(&d->pol, ms);
    }
    return ms_policy_delay_ms(&d->pol, c->attempt + 1, u);
}

/* Fills the call record of an attempt; moves the chain's and the
 * response's buffers into the record. */
static void settle_record(struct ms_call *call, struct dsp_owned *o, struct dsp_chain *c,
                          struct http_response *resp, uint64_t now_wall, uint64_t now_mono)
{
    memcpy(call->id, c->delivery_id, sizeof(call->id));
    memcpy(call->webhook_id, c->webhook_id, sizeof(call->webhook_id));
    snprintf(call->event_id, sizeof(call->event_id), "%s", c->ev->id);
    snprintf(call->topic, sizeof(call->topic), "%s", c->ev->topic);
    call->attempt = c->attempt;
    o->url = c->url;
    c->url = NULL;
    call->url = o->url;
    memcpy(call->request_timestamp, c->req_timestamp, sizeof(call->request_timestamp));
    memcpy(call->request_signature, c->req_signature, sizeof(call->request_signature));
    memcpy(call->scheme, c->req_scheme, sizeof(call->scheme));
    o->ev = c->ev;
    atomic_fetch_add_explicit(&c->ev->refs, 1, memory_order_relaxed);
    call->request_body = c->ev->body;
    /* A response counts only when it came whole: after a timeout or a
     * reset mid-answer the record shows no status (the docs' contract:
     * either a response or an error), even if a status line had come. */
    if (resp->status > 0 && resp->error == HTTP_ERROR_NONE) {
        call->response_status = (int)resp->status;
        o->resp_headers = ms_wire_response_json(resp->headers, resp->headers_len);
        call->response_headers = o->resp_headers;
        o->resp_body = resp->body != NULL ? resp->body : xstrdup("");
        call->response_body_len = resp->body != NULL ? resp->body_len : 0;
        call->response_body_size = resp->body_size;
        resp->body = NULL;
        call->response_body = o->resp_body;
    }
    call->duration_ms = (int64_t)(resp->total_us > 0 ? resp->total_us / 1000u
                                                     : (now_mono - c->start_mono_us) / 1000u);
    if (resp->error != HTTP_ERROR_NONE) {
        /* An attempt that could not start says why (a secret its scheme
         * cannot use); a transfer's error is its kind. */
        bool unstarted =
            strncmp(resp->error_text, MS_DISPATCH_UNSTARTED, strlen(MS_DISPATCH_UNSTARTED)) == 0;
        o->error = xstrdup(unstarted ? resp->error_text : http_error_name(resp->error));
        call->error = o->error;
    }
    call->scheduled_ms = c->due_wall_ms;
    call->sent_ms = c->sent_wall_ms;
    call->created_ms = now_wall;
}

void ms_dispatch_settle(struct ms_dispatch *d, struct dsp_chain *c, struct http_response *resp)
{
    struct dsp_owned *o = NULL;
    struct ms_call *call = ms_dispatch_writer_add_call(d->batch, &o);
    uint64_t now_wall = clock_wall_ms();
    uint64_t now_mono = clock_mono_us();
    struct ms_pending_op op = {c->pending_id, true, 0, 0};
    struct ms_settle_facts facts;
    struct ms_settle_decision dec;
    uint64_t seen_ms = 0;

    if (d->batch->first_us == 0) {
        d->batch->first_us = now_mono;
    }
    settle_record(call, o, c, resp, now_wall, now_mono);
    d->batch->bytes += c->ev->body_len + call->response_body_len;
    facts.answered_2xx =
        resp->error == HTTP_ERROR_NONE && resp->status >= 200 && resp->status < 300;
    /* The cache is read only when the answer is not a success. */
    facts.webhook_usable = facts.answered_2xx || settle_still_usable(d, c, &seen_ms);
    facts.attempt = c->attempt;
    facts.max_attempts = d->pol.max_attempts;
    facts.kind = c->kind;
    facts.streak = c->hook->gave_up_streak;
    facts.disable_after = d->pol.disable_after;
    ms_settle_decide(&facts, &dec);
    if (dec.streak != c->hook->gave_up_streak) {
        c->hook->gave_up_streak = dec.streak;
        d->streaks_dirty = true;
    }
    if (dec.outcome == MS_OUTCOME_RETRY_SCHEDULED) {
        uint64_t delay = settle_retry_delay(d, c, resp, now_wall);

        c->attempt++;
        c->due_wall_ms = now_wall + delay;
        c->due_mono_us = now_mono + delay * 1000u;
        call->next_attempt_ms = c->due_wall_ms;
        op = (struct ms_pending_op){c->pending_id, false, c->attempt, c->due_wall_ms};
    } else if (dec.disable) {
        settle_disable_webhook(d, c, call, o, seen_ms, now_wall);
    }
    call->outcome = dec.outcome;
    log_debug("delivery %s of %s to webhook %s, attempt %u: %s", call->id, call->event_id,
              call->webhook_id, call->attempt, ms_outcome_name(dec.outcome));
    ms_dispatch_writer_add_op(d->batch, &op);
    http_response_cleanup(resp);
    if (op.done) {
        ms_dispatch_chain_free(c);
    } else {
        ms_timerq_push(d->timers, c->due_mono_us, c);
    }
}
