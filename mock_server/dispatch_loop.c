/* The delivery engine's thread: one event loop over the http_client and
 * the timer queue.
 *
 * Each turn: take what the HTTP threads queued (new chains, a reset, a
 * policy change); start every attempt that is due, within the global and
 * per-webhook limits (an attempt held back by its webhook's limit waits in
 * that webhook's list and starts when one of its deliveries finishes);
 * poll the transfers for exactly as long as the next due attempt or the
 * batch deadline allows; settle the finished attempts (dispatch_settle.c:
 * call record, retry or end); hand the batch to the writer when it is
 * full, old enough, or when nothing is in flight.
 *
 * Everything here runs on the engine thread only, except where it takes
 * d->lock to talk to the HTTP threads. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "mock_server/dispatch_priv.h"

#define LOOP_IDLE_MS 1000 /* the longest poll when nothing is due */

/* ---- per-webhook state ------------------------------------------------------ */

static unsigned loop_hash(const char *s)
{
    uint32_t h = 2166136261u; /* FNV-1a */

    for (; *s != '\0'; s++) {
        h = (h ^ (unsigned char)*s) * 16777619u;
    }
    return h % DSP_HOOK_BUCKETS;
}

static struct dsp_hook *loop_hook(struct ms_dispatch *d, const char *id)
{
    unsigned b = loop_hash(id);
    struct dsp_hook *h;

    for (h = d->hooks[b]; h != NULL; h = h->next) {
        if (strcmp(h->id, id) == 0) {
            return h;
        }
    }
    h = xcalloc(1, sizeof(*h));
    snprintf(h->id, sizeof(h->id), "%s", id);
    h->next = d->hooks[b];
    d->hooks[b] = h;
    return h;
}

void ms_dispatch_loop_set_streak(struct ms_dispatch *d, const char *id, unsigned streak)
{
    loop_hook(d, id)->gave_up_streak = streak;
}

/* The streaks that are not 0, as a JSON object {"webhook id": n}. */
static char *loop_streaks_json(const struct ms_dispatch *d)
{
    json_t *o = json_object();
    char *text;

    for (unsigned b = 0; b < DSP_HOOK_BUCKETS; b++) {
        for (const struct dsp_hook *h = d->hooks[b]; h != NULL; h = h->next) {
            if (h->gave_up_streak > 0) {
                json_object_set_new(o, h->id, json_integer(h->gave_up_streak));
            }
        }
    }
    text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(o);
    return text;
}

/* Hands the batch its streaks when they changed. */
static void loop_batch_streaks(struct ms_dispatch *d, struct dsp_batch *b)
{
    if (d->streaks_dirty && b->streaks == NULL) {
        b->streaks = loop_streaks_json(d);
        d->streaks_dirty = false;
    }
}

static void loop_wait_push(struct ms_dispatch *d, struct dsp_hook *h, struct dsp_chain *c)
{
    d->n_waiting++;
    c->next = NULL;
    if (h->wait_tail != NULL) {
        h->wait_tail->next = c;
    } else {
        h->wait_head = c;
    }
    h->wait_tail = c;
}

static struct dsp_chain *loop_wait_pop(struct ms_dispatch *d, struct dsp_hook *h)
{
    struct dsp_chain *c = h->wait_head;

    if (c != NULL) {
        d->n_waiting--;
        h->wait_head = c->next;
        if (h->wait_head == NULL) {
            h->wait_tail = NULL;
        }
        c->next = NULL;
    }
    return c;
}

static void loop_flying_add(struct ms_dispatch *d, struct dsp_chain *c)
{
    c->fl_prev = NULL;
    c->fl_next = d->flying;
    if (d->flying != NULL) {
        d->flying->fl_prev = c;
    }
    d->flying = c;
}

static void loop_flying_remove(struct ms_dispatch *d, struct dsp_chain *c)
{
    if (c->fl_prev != NULL) {
        c->fl_prev->fl_next = c->fl_next;
    } else {
        d->flying = c->fl_next;
    }
    if (c->fl_next != NULL) {
        c->fl_next->fl_prev = c->fl_prev;
    }
    c->fl_prev = NULL;
    c->fl_next = NULL;
}

/* ---- the batch ------------------------------------------------------------ */

static void loop_flush(struct ms_dispatch *d, bool force)
{
    struct dsp_batch *b = d->batch;
    uint64_t now;

    if (b->n_calls == 0 && b->n_ops == 0) {
        return;
    }
    now = clock_mono_us();
    if (force || d->inflight == 0 || b->n_calls + b->n_ops >= MS_DISPATCH_FLUSH_RECORDS ||
        b->bytes >= MS_DISPATCH_FLUSH_BYTES ||
        now - b->first_us >= (uint64_t)MS_DISPATCH_FLUSH_MS * 1000u) {
        b->keep = (struct ms_call_keep){d->pol.max_calls, d->pol.max_calls_bytes};
        loop_batch_streaks(d, b);
        ms_dispatch_writer_submit(d->writer, b);
        d->batch = ms_dispatch_writer_batch(d->writer);
    }
}

static void loop_op(struct ms_dispatch *d, const struct ms_pending_op *op)
{
    if (d->batch->first_us == 0) {
        d->batch->first_us = clock_mono_us();
    }
    ms_dispatch_writer_add_op(d->batch, op);
}

/* Ends a chain whose webhook can no longer take it (deleted, gone, or
 * inactive when its attempt came due, maybe after a restart): a record
 * with outcome "dropped" says so, so that a chain whose last record was
 * retry_scheduled does not end in silence. Nothing was sent. */
static void loop_drop(struct ms_dispatch *d, struct dsp_chain *c, const struct ms_webhook *w,
                      const char *why)
{
    struct ms_pending_op op = {c->pending_id, true, 0, 0};
    struct dsp_owned *o = NULL;
    struct ms_call *call = ms_dispatch_writer_add_call(d->batch, &o);
    uint64_t now_wall = clock_wall_ms();

    ids_uuid7(&d->rng_ids, now_wall, call->id);
    memcpy(call->webhook_id, c->webhook_id, sizeof(call->webhook_id));
    snprintf(call->event_id, sizeof(call->event_id), "%s", c->ev->id);
    snprintf(call->topic, sizeof(call->topic), "%s", c->ev->topic);
    call->attempt = c->attempt;
    o->url = w != NULL ? xstrdup(w->url) : NULL;
    call->url = o->url;
    o->error = xasprintf("not sent: %s", why);
    call->error = o->error;
    call->duration_ms = -1;
    call->outcome = MS_OUTCOME_DROPPED;
    call->scheduled_ms = c->due_wall_ms;
    call->created_ms = now_wall;
    log_debug("delivery of %s to webhook %s dropped: %s", c->ev->id, c->webhook_id, why);
    loop_op(d, &op);
    ms_dispatch_chain_free(c);
}

/* ---- starting attempts ---------------------------------------------------- */

static void loop_launch(struct ms_dispatch *d, struct dsp_chain *c, struct dsp_hook *h,
                        const struct ms_cache_snapshot *snap)
{
    const struct ms_webhook *w = ms_cache_find(snap, c->webhook_id);
    const char *why = ms_dispatch_hook_unusable(h, w, c->kind);
    struct ms_wire wire;
    struct ms_wire_input in;
    struct http_request req;
    struct http_response fake;
    struct err e = {{0}};
    char *url = NULL;

    if (why != NULL) {
        loop_drop(d, c, w, why);
        return;
    }
    c->hook = h;
    c->sent_wall_ms = clock_wall_ms();
    ids_uuid7(&d->rng_ids, c->sent_wall_ms, c->delivery_id);
    in = (struct ms_wire_input){
        c->ev->topic,    c->ev->id,     c->delivery_id,  w->id,       w->secret,
        c->attempt,      c->ev->body,   c->ev->body_len, d->pol.sign, ms_policy_unit(&d->pol),
        c->sent_wall_ms, &d->pol.scheme};
    memset(&req, 0, sizeof(req));
    req.method = "POST";
    req.url = w->url;
    req.body = c->ev->body;
    req.body_len = c->ev->body_len;
    req.timeout_ms = d->pol.timeout_ms;
    req.max_body = MS_DISPATCH_BODY_CAP;
    c->url = xstrdup(w->url); /* the record's: never with a query token */
    h->inflight++;
    d->inflight++;
    loop_flying_add(d, c);
    c->start_mono_us = clock_mono_us();
    c->req_timestamp[0] = '\0'; /* nothing sent yet: no request headers */
    c->req_signature[0] = '\0';
    c->req_scheme[0] = '\0';
    if (ms_wire_build(&wire, &in, &e) == 0) {
        ms_wire_record(&wire, c->req_timestamp, c->req_signature, c->req_scheme);
        req.headers = wire.ptrs;
        req.n_headers = wire.n;
        if (wire.sw.query_name[0] != '\0') {
            url = http_url_add_query(w->url, wire.sw.query_name, wire.sw.query_value);
            req.url = url;
            if (url == NULL) {
                snprintf(e.msg, sizeof(e.msg), "the URL does not take a query token");
            }
        }
        /* libcurl copies the URL: it is freed at once. */
        if (req.url != NULL && http_client_add(d->client, &req, c) == 0) {
            free(url);
            return;
        }
    }
    free(url);
    /* The request could not even start: settle it as a failed attempt
     * (not through loop_on_done, which would start waiters recursively). */
    memset(&fake, 0, sizeof(fake));
    fake.error = HTTP_ERROR_OTHER;
    snprintf(fake.error_text, sizeof(fake.error_text), MS_DISPATCH_UNSTARTED "%s%.180s",
             e.msg[0] != '\0' ? ": " : "", e.msg);
    loop_flying_remove(d, c);
    h->inflight--;
    d->inflight--;
    ms_dispatch_settle(d, c, &fake);
}

/* Starts waiters of h while both limits allow. */
static void loop_start_waiters(struct ms_dispatch *d, struct dsp_hook *h)
{
    const struct ms_cache_snapshot *snap = NULL;

    while (h->wait_head != NULL && h->inflight < d->pol.per_webhook_concurrency &&
           d->inflight < d->pol.concurrency) {
        if (snap == NULL) {
            snap = ms_cache_acquire(d->cache);
        }
        loop_launch(d, loop_wait_pop(d, h), h, snap);
    }
    ms_cache_release(snap);
}

static void loop_start_due(struct ms_dispatch *d)
{
    const struct ms_cache_snapshot *snap = NULL;
    uint64_t now = clock_mono_us();
    uint64_t due = 0;

    while (d->inflight < d->pol.concurrency && ms_timerq_peek(d->timers, &due) != NULL &&
           due <= now) {
        struct dsp_chain *c = ms_timerq_pop(d->timers);
        struct dsp_hook *h = loop_hook(d, c->webhook_id);

        if (h->inflight >= d->pol.per_webhook_concurrency || h->wait_head != NULL) {
            loop_wait_push(d, h, c); /* behind the ones already waiting */
            loop_start_waiters(d, h);
            continue;
        }
        if (snap == NULL) {
            snap = ms_cache_acquire(d->cache);
        }
        loop_launch(d, c, h, snap);
    }
    ms_cache_release(snap);
}

static void loop_on_done(void *arg, void *tag, struct http_response *resp)
{
    struct ms_dispatch *d = arg;
    struct dsp_chain *c = tag;
    struct dsp_hook *h = c->hook;

    loop_flying_remove(d, c);
    h->inflight--;
    d->inflight--;
    if (c->gen != d->cur_gen) {
        /* Sent before a reset: forgotten. */
        http_response_cleanup(resp);
        ms_dispatch_chain_free(c);
    } else {
        ms_dispatch_settle(d, c, resp);
    }
    loop_start_waiters(d, h);
}

/* ---- talking to the HTTP threads ------------------------------------------- */

static void loop_free_waiters(struct ms_dispatch *d)
{
    for (unsigned b = 0; b < DSP_HOOK_BUCKETS; b++) {
        for (struct dsp_hook *h = d->hooks[b]; h != NULL; h = h->next) {
            struct dsp_chain *c;

            while ((c = loop_wait_pop(d, h)) != NULL) {
                ms_dispatch_chain_free(c);
            }
            d->streaks_dirty = d->streaks_dirty || h->gave_up_streak > 0;
            h->gave_up_streak = 0;
        }
    }
}

/* Starts waiting attempts of every webhook while the limits allow. A
 * webhook's waiters normally start when one of its own deliveries ends;
 * this catches those held back by the global limit instead. */
static void loop_sweep_waiters(struct ms_dispatch *d)
{
    for (unsigned b = 0; b < DSP_HOOK_BUCKETS && d->n_waiting > 0; b++) {
        for (struct dsp_hook *h = d->hooks[b]; h != NULL; h = h->next) {
            if (d->inflight >= d->pol.concurrency) {
                return;
            }
            loop_start_waiters(d, h);
        }
    }
}

static void loop_apply_reset(struct ms_dispatch *d)
{
    struct dsp_chain *c;

    while ((c = ms_timerq_pop(d->timers)) != NULL) {
        ms_dispatch_chain_free(c);
    }
    loop_free_waiters(d);
    ms_dispatch_writer_clear(d->batch);
    ms_dispatch_writer_drain(d->writer, true);
    pthread_mutex_lock(&d->lock);
    d->reset_ack = d->cur_gen;
    pthread_cond_broadcast(&d->cond);
    pthread_mutex_unlock(&d->lock);
}

/* Takes the inbox, a reset and a policy change. false when asked to stop. */
static bool loop_sync(struct ms_dispatch *d)
{
    struct dsp_chain *in;
    bool stop;
    bool reset = false;
    bool changed = false;

    pthread_mutex_lock(&d->lock);
    stop = d->stop;
    in = d->inbox_head;
    d->inbox_head = NULL;
    d->inbox_tail = NULL;
    if (d->gen != d->cur_gen) {
        d->cur_gen = d->gen;
        reset = true;
    }
    if (d->policy_version != d->pol_version) {
        d->pol = d->policy;
        d->pol_version = d->policy_version;
        changed = true;
    }
    if (d->seed_epoch != d->pol_epoch) {
        ms_dispatch_seed_stream(&d->rng_jitter, d->policy.seed, d->run, DSP_STREAM_JITTER);
        d->pol_epoch = d->seed_epoch;
    }
    pthread_mutex_unlock(&d->lock);
    if (reset) {
        loop_apply_reset(d);
    }
    while (in != NULL) {
        struct dsp_chain *c = in;

        in = c->next;
        c->next = NULL;
        if (c->gen != d->cur_gen) {
            ms_dispatch_chain_free(c);
        } else {
            ms_timerq_push(d->timers, c->due_mono_us, c);
        }
    }
    if (changed) {
        loop_sweep_waiters(d); /* raised limits let waiting attempts go now */
    }
    return !stop;
}

/* How long the poll may sleep: until the next due attempt or the batch's
 * deadline, whichever comes first. */
static int loop_wait_ms(struct ms_dispatch *d)
{
    uint64_t now = clock_mono_us();
    uint64_t due = 0;
    uint64_t wait_us = (uint64_t)LOOP_IDLE_MS * 1000u;

    if (ms_timerq_peek(d->timers, &due) != NULL && due > now && due - now < wait_us) {
        wait_us = due - now;
    }
    if (d->batch->first_us != 0) {
        uint64_t deadline = d->batch->first_us + (uint64_t)MS_DISPATCH_FLUSH_MS * 1000u;
        uint64_t left = deadline > now ? deadline - now : 0;

        if (left < wait_us) {
            wait_us = left;
        }
    }
    return (int)((wait_us + 999u) / 1000u);
}

static void loop_shutdown(struct ms_dispatch *d)
{
    struct dsp_chain *c;

    /* Attempts in flight are abandoned: their pending rows stay, so a
     * restart on the same database sends them again. */
    while ((c = d->flying) != NULL) {
        loop_flying_remove(d, c);
        ms_dispatch_chain_free(c);
    }
    while ((c = ms_timerq_pop(d->timers)) != NULL) {
        ms_dispatch_chain_free(c);
    }
    loop_free_waiters(d);
    for (unsigned b = 0; b < DSP_HOOK_BUCKETS; b++) {
        struct dsp_hook *h;

        while ((h = d->hooks[b]) != NULL) {
            d->hooks[b] = h->next;
            free(h);
        }
    }
    if (d->batch->n_calls > 0 || d->batch->n_ops > 0) {
        d->batch->keep = (struct ms_call_keep){d->pol.max_calls, d->pol.max_calls_bytes};
        loop_batch_streaks(d, d->batch);
        ms_dispatch_writer_submit(d->writer, d->batch);
    } else {
        ms_dispatch_writer_batch_free(d->batch);
    }
    d->batch = NULL;
}

/* Until the engine has an attempt to send it has no HTTP client (see
 * dispatch_priv.h) and waits on cond for a change loop_sync would pick up;
 * with the first attempt due it creates the client. True when the client
 * exists and the loop may send. */
static bool loop_client(struct ms_dispatch *d)
{
    struct http_client *client;

    if (d->client != NULL) {
        return true;
    }
    if (ms_timerq_size(d->timers) == 0) {
        loop_flush(d, true);
        pthread_mutex_lock(&d->lock);
        while (!d->stop && d->inbox_head == NULL && d->gen == d->cur_gen &&
               d->policy_version == d->pol_version && d->seed_epoch == d->pol_epoch) {
            pthread_cond_wait(&d->cond, &d->lock);
        }
        pthread_mutex_unlock(&d->lock);
        return false;
    }
    client = http_client_new(&d->client_opts);
    if (client == NULL) {
        log_error("cannot initialise the HTTP client (libcurl); retrying in a second");
        clock_sleep_us(1000000);
        return false;
    }
    pthread_mutex_lock(&d->lock);
    d->client = client;
    pthread_mutex_unlock(&d->lock);
    return true;
}

void *ms_dispatch_loop_main(void *arg)
{
    struct ms_dispatch *d = arg;

    pthread_setname_np(pthread_self(), "vambe-dispatch"); /* for top -H, perf */
    d->batch = ms_dispatch_writer_batch(d->writer);
    while (loop_sync(d)) {
        if (!loop_client(d)) {
            continue;
        }
        if (d->n_waiting > 0 && d->inflight < d->pol.concurrency) {
            loop_sweep_waiters(d);
        }
        loop_start_due(d);
        if (http_client_poll(d->client, loop_wait_ms(d), loop_on_done, d) != 0) {
            log_error("the HTTP client failed; retrying");
            clock_sleep_us(10000);
        }
        loop_flush(d, false);
    }
    loop_shutdown(d);
    return NULL;
}
