/* The delivery engine's trigger: which webhooks get the events, the events
 * themselves (payload stream), their sending order and duplicates (fault
 * stream), storing them and handing them to the engine. Called from the
 * HTTP server's threads. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/event.h"
#include "core/log.h"
#include "core/topics.h"
#include "core/xalloc.h"
#include "mock_server/dispatch_priv.h"

#define DSP_TRIGGER_BYTES_MAX (64u * 1024 * 1024) /* bodies one trigger may hold */

/* The webhooks t goes to (ids copied into *ids, caller frees); fills the
 * warning when there are none. INVALID for an unknown webhook_id. */
static enum ms_dispatch_status dsp_subscribers(struct ms_dispatch *d, const struct ms_trigger *t,
                                               char (**ids)[IDS_UUID_LEN + 1], size_t *n,
                                               char *warning, size_t warning_size, struct err *e)
{
    const struct ms_cache_snapshot *snap = ms_cache_acquire(d->cache);
    const struct topic *topic = topics_find(t->topic);
    const char *canonical = topic != NULL ? topic->name : t->topic;
    size_t total = ms_cache_count(snap);
    enum ms_dispatch_status ret = MS_DISPATCH_OK;

    *n = 0;
    *ids = xcalloc(total > 0 ? total : 1, sizeof(**ids));
    for (size_t i = 0; i < total; i++) {
        const struct ms_webhook *w = ms_cache_at(snap, i);

        if (t->webhook_id != NULL && strcmp(w->id, t->webhook_id) != 0) {
            continue;
        }
        if (t->webhook_id != NULL && w->deleted_ms != 0) {
            snprintf(warning, warning_size, "webhook %s is deleted: nothing was sent", w->id);
        } else if (t->webhook_id != NULL && !w->active) {
            snprintf(warning, warning_size, "webhook %s is inactive: nothing was sent", w->id);
        } else if (t->webhook_id != NULL && strcmp(w->topic, canonical) != 0) {
            snprintf(warning, warning_size,
                     "webhook %s is subscribed to %s, not %s: nothing was sent", w->id, w->topic,
                     canonical);
        } else if (w->deleted_ms == 0 && w->active && strcmp(w->topic, canonical) == 0) {
            memcpy((*ids)[(*n)++], w->id, sizeof(w->id));
        }
    }
    if (t->webhook_id != NULL && ms_cache_find(snap, t->webhook_id) == NULL) {
        err_set(e, "webhook_id: no webhook '%.64s'", t->webhook_id);
        ret = MS_DISPATCH_INVALID;
    } else if (*n == 0 && warning[0] == '\0') {
        snprintf(warning, warning_size, "no active webhook is subscribed to %s: nothing was sent",
                 canonical);
    }
    ms_cache_release(snap);
    return ret;
}

/* Shuffles order[0..n) within consecutive windows of `window` (Fisher-Yates
 * in each window). */
static void dsp_reorder(struct rng *r, size_t *order, size_t n, unsigned window)
{
    if (window < 2) {
        return;
    }
    for (size_t start = 0; start < n; start += window) {
        size_t len = n - start < window ? n - start : window;

        for (size_t i = len; i > 1; i--) {
            size_t j = (size_t)rng_below(r, i);
            size_t tmp = order[start + i - 1];

            order[start + i - 1] = order[start + j];
            order[start + j] = tmp;
        }
    }
}

/* What one trigger builds before it is stored and queued. */
struct dsp_plan {
    struct event *events; /* count */
    size_t n_events;
    struct ms_event_rec *recs;
    struct ms_pending_rec *pend;
    size_t *pend_ev; /* pend[i] is a chain of events[pend_ev[i]] */
    size_t n_pend;
    size_t *order; /* sending order of the events */
};

static void dsp_plan_cleanup(struct dsp_plan *p)
{
    for (size_t i = 0; i < p->n_events; i++) {
        event_cleanup(&p->events[i]);
    }
    free(p->events);
    free(p->recs);
    free(p->pend);
    free(p->pend_ev);
    free(p->order);
    memset(p, 0, sizeof(*p));
}

/* Builds the events (payload stream) and the pending chains in sending
 * order, duplicates included (fault stream). Caller holds admin. */
static int dsp_plan_build(struct ms_dispatch *d, const struct ms_trigger *t,
                          const struct ms_policy *pol, char (*hooks)[IDS_UUID_LEN + 1],
                          size_t n_hooks, struct dsp_plan *p, struct err *e)
{
    uint64_t now = clock_wall_ms();
    size_t bytes = 0;
    struct event_override ov;

    if (event_override_check(t->data, &ov, e) != 0) {
        return -1;
    }
    p->events = xcalloc(t->count, sizeof(*p->events));
    p->recs = xcalloc(t->count, sizeof(*p->recs));
    p->order = xcalloc(t->count, sizeof(*p->order));
    p->pend = xcalloc(2 * (size_t)t->count * (n_hooks > 0 ? n_hooks : 1), sizeof(*p->pend));
    p->pend_ev = xcalloc(2 * (size_t)t->count * (n_hooks > 0 ? n_hooks : 1), sizeof(*p->pend_ev));
    for (size_t i = 0; i < t->count; i++) {
        if (event_build_checked(t->topic, &ov, ms_policy_profile(pol), &d->rng_events, now,
                                &p->events[i], e) != 0) {
            return -1;
        }
        p->n_events++;
        bytes += p->events[i].body_len;
        if (bytes > DSP_TRIGGER_BYTES_MAX) {
            return err_set(e, "count: %u events of this size exceed %u MiB; send fewer", t->count,
                           DSP_TRIGGER_BYTES_MAX / (1024 * 1024));
        }
        p->recs[i] = (struct ms_event_rec){
            p->events[i].id,   p->events[i].topic,    event_profile_name(ms_policy_profile(pol)),
            p->events[i].body, p->events[i].body_len, p->events[i].created_ms};
        p->order[i] = i;
    }
    dsp_reorder(&d->rng_faults, p->order, t->count, pol->reorder_window);
    for (size_t k = 0; k < t->count; k++) {
        const struct event *ev = &p->events[p->order[k]];

        for (size_t h = 0; h < n_hooks; h++) {
            p->pend_ev[p->n_pend] = p->order[k];
            p->pend[p->n_pend++] =
                (struct ms_pending_rec){0, hooks[h], ev->id, 1, now, MS_PENDING_FIRST};
            if (pol->duplicate_rate > 0 && rng_double(&d->rng_faults) < pol->duplicate_rate) {
                uint64_t delay = ms_policy_scale_ms(pol, pol->duplicate_delay_ms);

                p->pend_ev[p->n_pend] = p->order[k];
                p->pend[p->n_pend++] = (struct ms_pending_rec){
                    0, hooks[h], ev->id, 1, now + delay, MS_PENDING_DUPLICATE};
            }
        }
    }
    return 0;
}

/* Turns a stored plan into chains for the engine; the events' bodies move
 * into shared dsp_events. */
static void dsp_plan_enqueue(struct ms_dispatch *d, struct dsp_plan *p, uint64_t gen)
{
    struct dsp_event **evs = xcalloc(p->n_events, sizeof(*evs));
    struct dsp_chain *head = NULL;
    struct dsp_chain *tail = NULL;
    uint64_t now_wall = clock_wall_ms();
    uint64_t now_mono = clock_mono_us();

    for (size_t i = 0; i < p->n_events; i++) {
        evs[i] = ms_dispatch_event_new(p->events[i].id, p->events[i].topic, p->events[i].body,
                                       p->events[i].body_len, 0);
        p->events[i].body = NULL;
    }
    for (size_t i = 0; i < p->n_pend; i++) {
        struct ms_pending_rec *r = &p->pend[i];
        struct dsp_event *ev = evs[p->pend_ev[i]];
        uint64_t wait_ms = r->due_ms > now_wall ? r->due_ms - now_wall : 0;
        struct dsp_chain *c;

        atomic_fetch_add_explicit(&ev->refs, 1, memory_order_relaxed);
        c = ms_dispatch_chain_new(ev, r->webhook_id, r->id, r->kind, 1, r->due_ms,
                                  now_mono + wait_ms * 1000u, gen);
        if (tail != NULL) {
            tail->next = c;
        } else {
            head = c;
        }
        tail = c;
    }
    for (size_t i = 0; i < p->n_events; i++) {
        if (atomic_load(&evs[i]->refs) == 0) {
            free(evs[i]->body); /* no subscriber: stored, never sent */
            free(evs[i]);
        }
    }
    free(evs);
    ms_dispatch_enqueue(d, head, tail);
}

enum ms_dispatch_status ms_dispatch_trigger(struct ms_dispatch *d, const struct ms_trigger *t,
                                            struct ms_trigger_result *out, struct err *e)
{
    char(*hooks)[IDS_UUID_LEN + 1] = NULL;
    size_t n_hooks = 0;
    struct dsp_plan plan;
    struct ms_policy pol;
    enum ms_dispatch_status ret;
    uint64_t gen;

    memset(out, 0, sizeof(*out));
    memset(&plan, 0, sizeof(plan));
    ret = dsp_subscribers(d, t, &hooks, &n_hooks, out->warning, sizeof(out->warning), e);
    if (ret != MS_DISPATCH_OK) {
        goto out;
    }
    pthread_mutex_lock(&d->admin);
    pthread_mutex_lock(&d->lock);
    pol = d->policy;
    gen = d->gen;
    pthread_mutex_unlock(&d->lock);
    if (dsp_plan_build(d, t, &pol, hooks, n_hooks, &plan, e) != 0) {
        ret = MS_DISPATCH_INVALID;
    } else if (ms_store_events_add(d->store, plan.recs, plan.n_events, plan.pend, plan.n_pend,
                                   pol.max_calls, e) != 0) {
        log_error("%s", e->msg);
        ret = MS_DISPATCH_ERROR;
    } else {
        out->event_ids = xcalloc(plan.n_events, sizeof(*out->event_ids));
        out->n_events = plan.n_events;
        for (size_t i = 0; i < plan.n_events; i++) {
            memcpy(out->event_ids[i], plan.events[i].id, sizeof(out->event_ids[i]));
        }
        out->deliveries = plan.n_events * n_hooks;
        dsp_plan_enqueue(d, &plan, gen);
    }
    pthread_mutex_unlock(&d->admin);
out:
    dsp_plan_cleanup(&plan);
    free(hooks);
    return ret;
}

void ms_trigger_result_cleanup(struct ms_trigger_result *r)
{
    if (r == NULL) {
        return;
    }
    free(r->event_ids);
    memset(r, 0, sizeof(*r));
}
