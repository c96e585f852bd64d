/* The delivery engine's objects and their lifetime: events (shared by
 * their chains, reference-counted), chains, and the seeding of the random
 * streams. A leaf of the engine's files: every other dispatch file uses it
 * and it uses none of them, so the files form a chain (dispatch.c, the
 * API; dispatch_loop.c and dispatch_settle.c, the engine thread;
 * dispatch_writer.c, the writer thread; this file). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "mock_server/dispatch_priv.h"

struct dsp_event *ms_dispatch_event_new(const char *id, const char *topic, char *body,
                                        size_t body_len, unsigned refs)
{
    size_t id_len = strnlen(id, MS_EVENT_ID_MAX);
    size_t topic_len = strnlen(topic, MS_TOPIC_MAX);
    struct dsp_event *ev = xmalloc(sizeof(*ev) + id_len + 1 + topic_len + 1);
    char *text = ev->text;

    atomic_init(&ev->refs, refs);
    memcpy(text, id, id_len);
    text[id_len] = '\0';
    memcpy(text + id_len + 1, topic, topic_len);
    text[id_len + 1 + topic_len] = '\0';
    ev->id = text;
    ev->topic = text + id_len + 1;
    ev->body = body;
    ev->body_len = body_len;
    return ev;
}

void ms_dispatch_event_release(struct dsp_event *ev)
{
    if (ev != NULL && atomic_fetch_sub_explicit(&ev->refs, 1, memory_order_acq_rel) == 1) {
        free(ev->body);
        free(ev);
    }
}

struct dsp_chain *ms_dispatch_chain_new(struct dsp_event *ev, const char *webhook_id,
                                        int64_t pending_id, enum ms_pending_kind kind,
                                        unsigned attempt, uint64_t due_wall_ms,
                                        uint64_t due_mono_us, uint64_t gen)
{
    struct dsp_chain *c = xcalloc(1, sizeof(*c));

    c->ev = ev;
    snprintf(c->webhook_id, sizeof(c->webhook_id), "%s", webhook_id);
    c->pending_id = pending_id;
    c->kind = kind;
    c->attempt = attempt;
    c->due_wall_ms = due_wall_ms;
    c->due_mono_us = due_mono_us;
    c->gen = gen;
    return c;
}

void ms_dispatch_chain_free(struct dsp_chain *c)
{
    if (c == NULL) {
        return;
    }
    ms_dispatch_event_release(c->ev);
    free(c->url);
    free(c);
}

void ms_dispatch_seed_stream(struct rng *r, uint64_t seed, uint64_t run, uint64_t stream)
{
    /* The first run of a store (always, in memory) uses the seed as is, so
     * the same seed gives the same run; later runs on a database file get
     * other streams, so event ids never repeat within one database. */
    rng_seed(r, seed ^ ((run > 0 ? run - 1 : 0) * 0x9e3779b97f4a7c15ull) ^
                    (stream * 0xbf58476d1ce4e5b9ull));
}
