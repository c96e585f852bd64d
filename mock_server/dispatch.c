/* The delivery engine's API, called from the HTTP server's threads: life
 * cycle, replay, reset, policy (trigger is in dispatch_trigger.c). The
 * engine thread itself is in dispatch_loop.c; see dispatch_priv.h for who
 * owns what. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "mock_server/dispatch_priv.h"

#define DSP_RUNS_KEY "engine_runs"

/* Reseeds the payload and fault streams (caller holds admin) and tells the
 * engine to reseed its own (caller must not hold lock). */
static void dsp_reseed(struct ms_dispatch *d, bool new_random_seed)
{
    pthread_mutex_lock(&d->lock);
    if (new_random_seed) {
        struct rng r;

        rng_seed_random(&r);
        d->policy.seed = rng_next(&r) & (uint64_t)MS_POLICY_SEED_MAX;
        d->policy_version++;
    }
    ms_dispatch_seed_stream(&d->rng_events, d->policy.seed, d->run, DSP_STREAM_EVENTS);
    ms_dispatch_seed_stream(&d->rng_faults, d->policy.seed, d->run, DSP_STREAM_FAULTS);
    d->seed_epoch++;
    pthread_mutex_unlock(&d->lock);
}

void ms_dispatch_enqueue(struct ms_dispatch *d, struct dsp_chain *head, struct dsp_chain *tail)
{
    if (head == NULL) {
        return;
    }
    pthread_mutex_lock(&d->lock);
    if (d->inbox_tail != NULL) {
        d->inbox_tail->next = head;
    } else {
        d->inbox_head = head;
    }
    d->inbox_tail = tail;
    ms_dispatch_wake_locked(d);
    pthread_mutex_unlock(&d->lock);
}

void ms_dispatch_wake_locked(struct ms_dispatch *d)
{
    /* Before its client exists the engine waits on cond, after in the
     * client's poll. */
    pthread_cond_broadcast(&d->cond);
    http_client_wakeup(d->client);
}

/* ---- life cycle ------------------------------------------------------------ */

struct ms_dispatch *ms_dispatch_new(struct ms_store *store, struct ms_cache *cache,
                                    const struct ms_policy *policy,
                                    const struct ms_dispatch_opts *opts, struct err *e)
{
    struct ms_dispatch *d = xcalloc(1, sizeof(*d));

    d->store = store;
    d->cache = cache;
    d->policy = *policy;
    d->policy_version = 1; /* the engine's copy (version 0) is stale */
    pthread_mutex_init(&d->admin, NULL);
    pthread_mutex_init(&d->lock, NULL);
    pthread_cond_init(&d->cond, NULL);
    d->timers = ms_timerq_new();
    rng_seed_random(&d->rng_ids);
    if (opts != NULL) {
        d->client_opts.ca_file = opts->ca_file != NULL ? xstrdup(opts->ca_file) : NULL;
        d->client_opts.insecure = opts->insecure;
        d->on_written = opts->on_written;
        d->on_written_arg = opts->on_written_arg;
    }
    if (ms_store_meta_bump(store, DSP_RUNS_KEY, &d->run) != 0) {
        err_set(e, "cannot update the database (see the log)");
        goto fail;
    }
    dsp_reseed(d, !policy->seed_set);
    return d;
fail:
    ms_dispatch_free(d);
    return NULL;
}

/* Queues the attempts an earlier run left pending. */
static int dsp_resume(struct ms_dispatch *d, struct err *e)
{
    struct ms_pending_row *rows = NULL;
    struct dsp_chain *head = NULL;
    struct dsp_chain *tail = NULL;
    uint64_t now_wall = clock_wall_ms();
    uint64_t now_mono = clock_mono_us();
    size_t n = 0;

    if (ms_store_pending_load(d->store, &rows, &n) != 0) {
        return err_set(e, "cannot read the pending attempts from the database");
    }
    for (size_t i = 0; i < n; i++) {
        struct ms_pending_row *r = &rows[i];
        uint64_t wait_ms = r->due_ms > now_wall ? r->due_ms - now_wall : 0;
        struct dsp_event *ev =
            ms_dispatch_event_new(r->event_id, r->topic, r->body, r->body_len, 1);
        struct dsp_chain *c = ms_dispatch_chain_new(ev, r->webhook_id, r->id, r->kind, r->attempt,
                                                    r->due_ms, now_mono + wait_ms * 1000u, 0);

        r->body = NULL; /* the event owns it now */
        if (tail != NULL) {
            tail->next = c;
        } else {
            head = c;
        }
        tail = c;
    }
    if (n > 0) {
        log_info("resuming %zu pending deliveries", n);
    }
    ms_store_pending_free(rows, n);
    ms_dispatch_enqueue(d, head, tail);
    return 0;
}

/* With --db: the auto-disable streaks an earlier run reached, so that a
 * restart does not give a failing webhook --disable-after more events. */
static void dsp_restore_streaks(struct ms_dispatch *d)
{
    char *text = NULL;
    json_t *o;
    const char *id;
    json_t *v;

    if (!ms_store_durable(d->store) ||
        ms_store_setting_get(d->store, DSP_STREAKS_KEY, &text) != 0 || text == NULL) {
        return;
    }
    o = json_loads(text, 0, NULL);
    json_object_foreach(o, id, v)
    {
        json_int_t n = json_integer_value(v);

        if (strlen(id) == IDS_UUID_LEN && n > 0 && n <= UINT32_MAX) {
            ms_dispatch_loop_set_streak(d, id, (unsigned)n);
        }
    }
    json_decref(o);
    free(text);
}

int ms_dispatch_start(struct ms_dispatch *d, struct err *e)
{
    if (dsp_resume(d, e) != 0) {
        return -1;
    }
    dsp_restore_streaks(d);
    d->writer = ms_dispatch_writer_new(d->store, d->cache, d->on_written, d->on_written_arg);
    if (d->writer == NULL) {
        return err_set(e, "cannot start the call-log writer thread");
    }
    if (pthread_create(&d->thread, NULL, ms_dispatch_loop_main, d) != 0) {
        return err_set(e, "cannot start the delivery thread");
    }
    d->running = true;
    return 0;
}

void ms_dispatch_free(struct ms_dispatch *d)
{
    struct dsp_chain *c;

    if (d == NULL) {
        return;
    }
    if (d->running) {
        ms_dispatch_writer_quit(d->writer); /* a full disk must not hold the stop */
        pthread_mutex_lock(&d->lock);
        d->stop = true;
        ms_dispatch_wake_locked(d);
        pthread_mutex_unlock(&d->lock);
        pthread_join(d->thread, NULL); /* the loop frees its queue and chains */
    }
    ms_dispatch_writer_free(d->writer);
    while ((c = d->inbox_head) != NULL) {
        d->inbox_head = c->next;
        ms_dispatch_chain_free(c);
    }
    http_client_free(d->client);
    free((char *)d->client_opts.ca_file);
    ms_timerq_free(d->timers);
    pthread_cond_destroy(&d->cond);
    pthread_mutex_destroy(&d->lock);
    pthread_mutex_destroy(&d->admin);
    free(d);
}

/* ---- replay, reset, policy ------------------------------------------------- */

/* Checks that call's webhook can take a replay. */
static enum ms_dispatch_status dsp_replay_target(struct ms_dispatch *d, const struct ms_call *call,
                                                 struct err *e)
{
    const struct ms_cache_snapshot *snap = ms_cache_acquire(d->cache);
    const struct ms_webhook *w = ms_cache_find(snap, call->webhook_id);
    enum ms_dispatch_status ret = MS_DISPATCH_OK;

    if (w == NULL) {
        err_set(e, "webhook '%s' of call '%s' no longer exists", call->webhook_id, call->id);
        ret = MS_DISPATCH_NOT_FOUND;
    } else if (w->deleted_ms != 0) {
        err_set(e, "webhook '%s' is deleted: restore it first (POST /api/webhooks/%s/restore)",
                w->id, w->id);
        ret = MS_DISPATCH_CONFLICT;
    }
    ms_cache_release(snap);
    return ret;
}

enum ms_dispatch_status ms_dispatch_replay(struct ms_dispatch *d, const char *call_id,
                                           struct ms_replay_result *out, struct err *e)
{
    struct ms_call *call = NULL;
    enum ms_dispatch_status ret;
    enum ms_store_status st;

    memset(out, 0, sizeof(*out));
    st = ms_store_call_get(d->store, call_id, &call);
    if (st != MS_STORE_OK) {
        err_set(e,
                st == MS_STORE_NOT_FOUND ? "call '%.64s' not found"
                                         : "the store failed reading call '%.64s'",
                call_id);
        return st == MS_STORE_NOT_FOUND ? MS_DISPATCH_NOT_FOUND : MS_DISPATCH_ERROR;
    }
    ret = dsp_replay_target(d, call, e);
    if (ret == MS_DISPATCH_OK) {
        const char *body = call->request_body != NULL ? call->request_body : "";
        struct ms_event_rec rec = {call->event_id, call->topic,  "replay",
                                   body,           strlen(body), clock_wall_ms()};
        struct ms_pending_rec pend = {0, call->webhook_id, call->event_id,
                                      1, rec.created_ms,   MS_PENDING_REPLAY};
        uint64_t gen;

        pthread_mutex_lock(&d->admin);
        pthread_mutex_lock(&d->lock);
        gen = d->gen;
        pthread_mutex_unlock(&d->lock);
        if (ms_store_events_add(d->store, &rec, 1, &pend, 1, UINT64_MAX, e) != 0) {
            log_error("%s", e->msg);
            ret = MS_DISPATCH_ERROR;
        } else {
            struct dsp_event *ev =
                ms_dispatch_event_new(call->event_id, call->topic, xstrdup(body), rec.body_len, 1);
            struct dsp_chain *c =
                ms_dispatch_chain_new(ev, call->webhook_id, pend.id, MS_PENDING_REPLAY, 1,
                                      rec.created_ms, clock_mono_us(), gen);

            ms_dispatch_enqueue(d, c, c);
            snprintf(out->event_id, sizeof(out->event_id), "%s", call->event_id);
            snprintf(out->webhook_id, sizeof(out->webhook_id), "%s", call->webhook_id);
        }
        pthread_mutex_unlock(&d->admin);
    }
    ms_store_calls_free(call, 1);
    return ret;
}

void ms_dispatch_health(struct ms_dispatch *d, struct ms_dispatch_health *out)
{
    ms_dispatch_writer_health(d->writer, out);
}

int ms_dispatch_reset(struct ms_dispatch *d)
{
    struct dsp_chain *c;
    bool seed_given;
    int ret;

    pthread_mutex_lock(&d->admin);
    pthread_mutex_lock(&d->lock);
    d->gen++;
    while ((c = d->inbox_head) != NULL) {
        d->inbox_head = c->next;
        ms_dispatch_chain_free(c);
    }
    d->inbox_tail = NULL;
    seed_given = d->policy.seed_set;
    if (d->running) {
        /* The engine drops its queue and batch, then acknowledges; only then
         * may the store be emptied, or a late batch would refill it. */
        ms_dispatch_wake_locked(d);
        while (d->reset_ack != d->gen && !d->stop) {
            pthread_cond_wait(&d->cond, &d->lock);
        }
    }
    pthread_mutex_unlock(&d->lock);
    ret = ms_store_reset(d->store);
    if (ms_cache_refresh(d->cache, d->store) != 0) {
        ret = -1;
    }
    dsp_reseed(d, !seed_given);
    pthread_mutex_unlock(&d->admin);
    return ret;
}

void ms_dispatch_policy(struct ms_dispatch *d, struct ms_policy *out)
{
    pthread_mutex_lock(&d->lock);
    *out = d->policy;
    pthread_mutex_unlock(&d->lock);
}

/* With --db, adds a valid patch to the policy changes the store keeps
 * (MS_DISPATCH_POLICY_KEY), so that they survive a restart. Under the
 * admin lock: patches are kept in the order they were applied. A failure
 * is logged: the change applies, but only until the mock stops. */
static void dsp_keep_policy(struct ms_dispatch *d, const char *body, size_t len)
{
    char *stored = NULL;
    char *merged;

    if (!ms_store_durable(d->store)) {
        return;
    }
    if (ms_store_setting_get(d->store, MS_DISPATCH_POLICY_KEY, &stored) != 0) {
        log_warn("the delivery policy change applies but will not survive a restart");
        return;
    }
    merged = ms_policy_merge_patch(stored, body, len);
    if (merged == NULL || ms_store_setting_put(d->store, MS_DISPATCH_POLICY_KEY, merged) != 0) {
        log_warn("the delivery policy change applies but will not survive a restart");
    }
    free(merged);
    free(stored);
}

int ms_dispatch_patch_policy(struct ms_dispatch *d, const char *body, size_t len,
                             struct ms_policy *out, struct err *e)
{
    struct ms_policy next;
    bool reseed;

    pthread_mutex_lock(&d->admin);
    pthread_mutex_lock(&d->lock);
    next = d->policy;
    pthread_mutex_unlock(&d->lock);
    /* Did the update name the seed? Compare before and after a patch of a
     * copy whose seed flag is cleared. */
    next.seed_set = false;
    if (ms_policy_patch_json(&next, body, len, e) != 0) {
        pthread_mutex_unlock(&d->admin);
        return -1;
    }
    reseed = next.seed_set;
    dsp_keep_policy(d, body, len);
    pthread_mutex_lock(&d->lock);
    next.seed_set = reseed || d->policy.seed_set;
    d->policy = next;
    d->policy_version++;
    *out = next;
    pthread_mutex_unlock(&d->lock);
    if (reseed) {
        dsp_reseed(d, false);
    }
    pthread_mutex_unlock(&d->admin);
    pthread_mutex_lock(&d->lock);
    ms_dispatch_wake_locked(d);
    pthread_mutex_unlock(&d->lock);
    return 0;
}
