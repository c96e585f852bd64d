/* The live stream of attempts (stream.h): the hub, its viewers, and the
 * handler of GET /mock/stream.
 *
 * Locks, always taken in this order: the hub's (its list of viewers), then
 * one viewer's (its queue). The HTTP server's stream lock comes before a
 * viewer's (it reads the queue holding it) and is never taken with the
 * hub's held: the hub collects the streams to wake under its lock, holds
 * them, and wakes them after letting it go. */
#include "mock_server/stream.h"

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "mock_server/api.h"
#include "mock_server/context.h"
#include "mock_server/dispatch.h"
#include "mock_server/policy.h"
#include "mock_server/render.h"
#include "mock_server/store.h"
#include "mock_server/validate.h"

#define STREAM_PING_MS     15000 /* a comment line, so a gone viewer is noticed */
#define STREAM_VIEWERS_MAX 64
#define STREAM_QUEUE_MAX   1024       /* records waiting for one viewer */
#define STREAM_QUEUE_BYTES (4u << 20) /* and their bytes */
#define STREAM_READ_BATCH  256        /* records read back from the store at once */
#define STREAM_READ_ROUNDS 64         /* batches per wake; the rest at the next turn */
#define STREAM_RETRY_TEXT  "retry: 2000\n\n"
#define STREAM_PING_TEXT   ": ping\n\n"

/* One rendered record, shared by the viewers it goes to. */
struct stream_chunk {
    atomic_uint refs;
    size_t len;
    char text[];
};

struct stream_viewer {
    pthread_mutex_t lock;
    struct http_stream *st;
    char *webhook_id; /* filters; NULL: any */
    char *topic;
    char *event_id;
    enum ms_outcome outcome; /* MS_OUTCOME_UNKNOWN: any */
    int64_t from_seq;        /* records up to this one were there before it came */
    /* The queue: a ring of STREAM_QUEUE_MAX. offset is how much of the
     * first chunk has been read already. */
    struct stream_chunk *queue[STREAM_QUEUE_MAX];
    size_t head;
    size_t count;
    size_t bytes;
    size_t offset;
    uint64_t missed; /* records dropped since the last notice */
    /* Control text sent before the next record: retry, ping, dropped. */
    char note[96];
    size_t note_len;
    size_t note_off;
    bool ping;
    struct stream_viewer *next;
    struct ms_stream_hub *hub;
};

struct ms_stream_hub {
    struct ms_store *store;
    struct ms_dispatch *dispatch; /* NULL until ms_stream_hub_start */
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool written; /* a batch was committed since the thread last looked */
    bool stop;
    atomic_size_t n_viewers; /* read without the lock by the writer's hook */
    struct stream_viewer *viewers;
    /* The newest record handed out; while no one watches it is not kept
     * up to date, and the first viewer sets it. */
    int64_t last_seq;
};

/* ---- chunks ----------------------------------------------------------------- */

static struct stream_chunk *chunk_render(const struct ms_call *c, const struct scheme *scheme)
{
    json_t *j = ms_render_call(c, scheme);
    char *data = json_dumps(j, JSON_COMPACT); /* one line: strings escape newlines */
    char head[64];
    int hl;
    size_t dl;
    struct stream_chunk *k;

    json_decref(j);
    if (data == NULL) {
        return NULL;
    }
    hl = snprintf(head, sizeof(head), "id: %lld\nevent: call\ndata: ", (long long)c->seq);
    dl = strlen(data);
    k = xmalloc(sizeof(*k) + (size_t)hl + dl + 3);
    atomic_init(&k->refs, 1);
    memcpy(k->text, head, (size_t)hl);
    memcpy(k->text + hl, data, dl);
    memcpy(k->text + (size_t)hl + dl, "\n\n", 3);
    k->len = (size_t)hl + dl + 2;
    free(data);
    return k;
}

static void chunk_release(struct stream_chunk *k)
{
    if (k != NULL && atomic_fetch_sub(&k->refs, 1) == 1) {
        free(k);
    }
}

/* ---- a viewer ------------------------------------------------------------- */

static bool viewer_wants(const struct stream_viewer *v, const struct ms_call *c)
{
    return c->seq > v->from_seq &&
           (v->webhook_id == NULL || strcmp(v->webhook_id, c->webhook_id) == 0) &&
           (v->topic == NULL || strcmp(v->topic, c->topic) == 0) &&
           (v->event_id == NULL || strcmp(v->event_id, c->event_id) == 0) &&
           (v->outcome == MS_OUTCOME_UNKNOWN || v->outcome == c->outcome);
}

static void viewer_note(struct stream_viewer *v, const char *text)
{
    v->note_len = strlen(text) < sizeof(v->note) ? strlen(text) : sizeof(v->note) - 1;
    memcpy(v->note, text, v->note_len);
    v->note_off = 0;
}

/* Drops one record to make room: the oldest not yet begun (the first is
 * kept once a part of it is out, or the client would get half a record). */
static void viewer_drop_one(struct stream_viewer *v)
{
    size_t victim = v->head;
    struct stream_chunk *k;

    if (v->offset > 0) {
        size_t second = (v->head + 1) % STREAM_QUEUE_MAX;

        k = v->queue[second];
        v->queue[second] = v->queue[v->head];
        v->head = second;
    } else {
        k = v->queue[victim];
        v->head = (v->head + 1) % STREAM_QUEUE_MAX;
    }
    v->count--;
    v->bytes -= k->len;
    v->missed++;
    chunk_release(k);
}

/* Queues k (taking a reference); the caller holds v->lock. */
static void viewer_push(struct stream_viewer *v, struct stream_chunk *k)
{
    while (v->count == STREAM_QUEUE_MAX ||
           (v->bytes + k->len > STREAM_QUEUE_BYTES && v->count > (v->offset > 0 ? 1u : 0u))) {
        viewer_drop_one(v);
    }
    atomic_fetch_add(&k->refs, 1);
    v->queue[(v->head + v->count) % STREAM_QUEUE_MAX] = k;
    v->count++;
    v->bytes += k->len;
}

static long viewer_read(void *src, char *buf, size_t max)
{
    struct stream_viewer *v = src;
    size_t n = 0;

    pthread_mutex_lock(&v->lock);
    while (n < max) {
        struct stream_chunk *k;
        size_t take;

        if (v->note_off < v->note_len) {
            take = v->note_len - v->note_off < max - n ? v->note_len - v->note_off : max - n;
            memcpy(buf + n, v->note + v->note_off, take);
            v->note_off += take;
            n += take;
            continue;
        }
        if (v->offset == 0 && v->missed > 0) {
            char text[64];

            snprintf(text, sizeof(text), "event: dropped\ndata: {\"missed\":%llu}\n\n",
                     (unsigned long long)v->missed);
            viewer_note(v, text);
            v->missed = 0;
            continue;
        }
        if (v->count == 0) {
            if (!v->ping) {
                break;
            }
            v->ping = false;
            viewer_note(v, STREAM_PING_TEXT);
            continue;
        }
        k = v->queue[v->head];
        take = k->len - v->offset < max - n ? k->len - v->offset : max - n;
        memcpy(buf + n, k->text + v->offset, take);
        v->offset += take;
        n += take;
        if (v->offset == k->len) {
            v->queue[v->head] = NULL;
            v->head = (v->head + 1) % STREAM_QUEUE_MAX;
            v->count--;
            v->bytes -= k->len;
            v->offset = 0;
            chunk_release(k);
        }
    }
    pthread_mutex_unlock(&v->lock);
    return (long)n;
}

static void viewer_free(struct stream_viewer *v)
{
    while (v->count > 0) {
        chunk_release(v->queue[v->head]);
        v->head = (v->head + 1) % STREAM_QUEUE_MAX;
        v->count--;
    }
    free(v->webhook_id);
    free(v->topic);
    free(v->event_id);
    pthread_mutex_destroy(&v->lock);
    free(v);
}

/* The reply ended: the viewer leaves the hub. */
static void viewer_done(void *src)
{
    struct stream_viewer *v = src;
    struct ms_stream_hub *h = v->hub;

    pthread_mutex_lock(&h->lock);
    for (struct stream_viewer **p = &h->viewers; *p != NULL; p = &(*p)->next) {
        if (*p == v) {
            *p = v->next;
            atomic_fetch_sub(&h->n_viewers, 1);
            break;
        }
    }
    pthread_mutex_unlock(&h->lock);
    viewer_free(v);
}

/* ---- the hub's thread ------------------------------------------------------ */

static void hub_wake(struct http_stream **woken, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        http_stream_wake(woken[i]);
        http_stream_release(woken[i]);
    }
}

/* Hands n records (rendered as chunks[i], NULL when rendering failed) to
 * the viewers that want them, and wakes those. */
static void hub_fan_out(struct ms_stream_hub *h, const struct ms_call *calls,
                        struct stream_chunk **chunks, size_t n)
{
    struct http_stream *woken[STREAM_VIEWERS_MAX];
    size_t n_woken = 0;

    pthread_mutex_lock(&h->lock);
    for (struct stream_viewer *v = h->viewers; v != NULL; v = v->next) {
        bool got = false;

        pthread_mutex_lock(&v->lock);
        for (size_t i = 0; i < n; i++) {
            if (chunks[i] != NULL && viewer_wants(v, &calls[i])) {
                viewer_push(v, chunks[i]);
                got = true;
            }
        }
        pthread_mutex_unlock(&v->lock);
        if (got && n_woken < STREAM_VIEWERS_MAX) {
            http_stream_hold(v->st);
            woken[n_woken++] = v->st;
        }
    }
    if (n > 0 && calls[n - 1].seq > h->last_seq) {
        h->last_seq = calls[n - 1].seq;
    }
    pthread_mutex_unlock(&h->lock);
    hub_wake(woken, n_woken);
}

/* Reads back what was committed since the last turn and hands it out.
 * Returns true when more is left than one turn takes. */
static bool hub_publish(struct ms_stream_hub *h)
{
    struct ms_policy *pol = xmalloc(sizeof(*pol));
    int64_t from;
    bool more = false;

    ms_dispatch_policy(h->dispatch, pol);
    pthread_mutex_lock(&h->lock);
    from = h->last_seq;
    pthread_mutex_unlock(&h->lock);
    for (unsigned round = 0; round < STREAM_READ_ROUNDS; round++) {
        struct ms_call *calls = NULL;
        struct stream_chunk *chunks[STREAM_READ_BATCH];
        size_t n = 0;

        if (ms_store_calls_after(h->store, from, STREAM_READ_BATCH, &calls, &n) != 0 || n == 0) {
            ms_store_calls_free(calls, n);
            break;
        }
        for (size_t i = 0; i < n; i++) {
            chunks[i] = chunk_render(&calls[i], &pol->scheme);
        }
        hub_fan_out(h, calls, chunks, n);
        for (size_t i = 0; i < n; i++) {
            chunk_release(chunks[i]);
        }
        from = calls[n - 1].seq;
        ms_store_calls_free(calls, n);
        more = n == STREAM_READ_BATCH && round + 1 == STREAM_READ_ROUNDS;
        if (n < STREAM_READ_BATCH) {
            break;
        }
    }
    free(pol);
    return more;
}

/* Every viewer gets a ping: a write to a gone client fails, which ends
 * its reply (a parked connection notices nothing by itself). */
static void hub_ping(struct ms_stream_hub *h)
{
    struct http_stream *woken[STREAM_VIEWERS_MAX];
    size_t n_woken = 0;

    pthread_mutex_lock(&h->lock);
    for (struct stream_viewer *v = h->viewers; v != NULL && n_woken < STREAM_VIEWERS_MAX;
         v = v->next) {
        pthread_mutex_lock(&v->lock);
        v->ping = true;
        pthread_mutex_unlock(&v->lock);
        http_stream_hold(v->st);
        woken[n_woken++] = v->st;
    }
    pthread_mutex_unlock(&h->lock);
    hub_wake(woken, n_woken);
}

static void *hub_main(void *arg)
{
    struct ms_stream_hub *h = arg;
    uint64_t next_ping = clock_mono_us() + STREAM_PING_MS * 1000ull;

    pthread_setname_np(pthread_self(), "vambe-stream");
    pthread_mutex_lock(&h->lock);
    while (!h->stop) {
        bool work;
        bool ping;

        if (!h->written) {
            struct timespec until = clock_deadline(CLOCK_MONOTONIC, STREAM_PING_MS);

            pthread_cond_timedwait(&h->cond, &h->lock, &until);
        }
        if (h->stop) {
            break;
        }
        ping = clock_mono_us() >= next_ping;
        if (ping) {
            next_ping = clock_mono_us() + STREAM_PING_MS * 1000ull;
        }
        work = h->written && h->dispatch != NULL;
        h->written = false;
        if (h->viewers == NULL) {
            continue;
        }
        pthread_mutex_unlock(&h->lock);
        if (ping) {
            hub_ping(h);
        }
        if (work && hub_publish(h)) {
            ms_stream_hub_written(h);
        }
        pthread_mutex_lock(&h->lock);
    }
    pthread_mutex_unlock(&h->lock);
    return NULL;
}

struct ms_stream_hub *ms_stream_hub_new(struct ms_store *store, struct err *e)
{
    struct ms_stream_hub *h = xcalloc(1, sizeof(*h));
    pthread_condattr_t ca;

    h->store = store;
    atomic_init(&h->n_viewers, 0);
    pthread_mutex_init(&h->lock, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&h->cond, &ca);
    pthread_condattr_destroy(&ca);
    if (pthread_create(&h->thread, NULL, hub_main, h) != 0) {
        pthread_cond_destroy(&h->cond);
        pthread_mutex_destroy(&h->lock);
        free(h);
        err_set(e, "cannot start the live stream's thread");
        return NULL;
    }
    return h;
}

void ms_stream_hub_start(struct ms_stream_hub *h, struct ms_dispatch *dispatch)
{
    pthread_mutex_lock(&h->lock);
    h->dispatch = dispatch;
    pthread_mutex_unlock(&h->lock);
}

void ms_stream_hub_written(void *hub)
{
    struct ms_stream_hub *h = hub;

    if (atomic_load(&h->n_viewers) == 0) {
        return; /* no one watches: the writer pays one atomic load */
    }
    pthread_mutex_lock(&h->lock);
    h->written = true;
    pthread_cond_signal(&h->cond);
    pthread_mutex_unlock(&h->lock);
}

void ms_stream_hub_free(struct ms_stream_hub *h)
{
    if (h == NULL) {
        return;
    }
    pthread_mutex_lock(&h->lock);
    h->stop = true;
    pthread_cond_signal(&h->cond);
    pthread_mutex_unlock(&h->lock);
    pthread_join(h->thread, NULL);
    if (h->viewers != NULL) {
        log_warn("the live stream stops with viewers still attached");
    }
    pthread_cond_destroy(&h->cond);
    pthread_mutex_destroy(&h->lock);
    free(h);
}

/* ---- GET /mock/stream ------------------------------------------------------ */

static const char *const stream_unsupported[] = {"since", "until", "page", "limit"};

static char *stream_dup(const char *s)
{
    return s != NULL ? xstrdup(s) : NULL;
}

static void stream_get(void *arg, const struct http_server_request *req,
                       struct http_server_reply *rep)
{
    struct ms_context *ctx = arg;
    struct ms_stream_hub *h = ctx->stream;
    struct ms_calls_params p;
    struct ms_call_filter f;
    struct err e = {{0}};
    struct stream_viewer *v;
    int64_t last = 0;

    if (!ms_api_authorize(ctx, req, rep)) {
        return;
    }
    /* The call log's other parameters select old records; the stream has
     * only new ones. Said, not ignored: a client asking for them expects
     * what it does not get. */
    for (size_t i = 0; i < sizeof(stream_unsupported) / sizeof(stream_unsupported[0]); i++) {
        if (http_server_query(req, stream_unsupported[i]) != NULL) {
            http_reply_error(rep, 400,
                             "%s: the stream has no such parameter; it carries only new records "
                             "(read older ones from GET /api/webhooks/calls)",
                             stream_unsupported[i]);
            return;
        }
    }
    memset(&p, 0, sizeof(p));
    p.webhook_id = http_server_query(req, "webhook_id");
    p.topic = http_server_query(req, "topic");
    p.event_id = http_server_query(req, "event_id");
    p.outcome = http_server_query(req, "outcome");
    if (ms_validate_calls_params(&p, &f, &e) != 0) {
        http_reply_error(rep, 400, "%s", e.msg);
        return;
    }
    if (atomic_load(&h->n_viewers) >= STREAM_VIEWERS_MAX) {
        http_reply_error(rep, 503, "the live stream has %d viewers already, its most",
                         STREAM_VIEWERS_MAX);
        return;
    }
    if (ms_store_calls_last_seq(ctx->store, &last) != 0) {
        http_reply_error(rep, 500, "the store failed (see the server log)");
        return;
    }
    v = xcalloc(1, sizeof(*v));
    pthread_mutex_init(&v->lock, NULL);
    v->hub = h;
    v->webhook_id = stream_dup(f.webhook_id);
    v->topic = stream_dup(f.topic);
    v->event_id = stream_dup(f.event_id);
    v->outcome = ms_outcome_parse(f.outcome);
    v->from_seq = last;
    viewer_note(v, STREAM_RETRY_TEXT);
    v->st = http_reply_stream(rep, "text/event-stream; charset=utf-8", viewer_read, viewer_done, v);
    http_reply_header(rep, "Cache-Control", "no-store");
    /* A proxy in front must pass each record on at once. */
    http_reply_header(rep, "X-Accel-Buffering", "no");
    pthread_mutex_lock(&h->lock);
    if (h->viewers == NULL) {
        /* Nothing was read while no one watched: start from now. */
        h->last_seq = last;
    }
    v->next = h->viewers;
    h->viewers = v;
    atomic_fetch_add(&h->n_viewers, 1);
    pthread_mutex_unlock(&h->lock);
}

static const struct http_route stream_routes[] = {
    {"GET", "/mock/stream", stream_get},
};

const struct http_route *ms_stream_routes(size_t *n)
{
    *n = sizeof(stream_routes) / sizeof(stream_routes[0]);
    return stream_routes;
}
