/* The batch writer: a thread that commits the engine's call records and
 * pending-attempt changes, one transaction per batch, so that the engine's
 * loop never waits on SQLite.
 *
 * Batches go round: the engine fills one, submits it, and takes an emptied
 * one back from the spare list; in steady state nothing is allocated. At
 * most WRITER_QUEUE_MAX batches, or WRITER_QUEUE_BYTES of the bodies they
 * hold, wait: beyond that the engine blocks in submit (backpressure)
 * rather than buffering without bound. Bytes matter as much as batches: a
 * record holds its event's body, and with 200 KiB events eight full
 * batches held 400 MB while the writer caught up. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "mock_server/dispatch_priv.h"

#define WRITER_QUEUE_MAX      8
#define WRITER_QUEUE_BYTES    (32u << 20)
#define WRITER_SPARE_MAX      4
#define WRITER_FIRST_CAP      64
#define WRITER_NICE           10 /* below the engine: see writer_main */
#define WRITER_RETRY_FIRST_MS 50
#define WRITER_RETRY_MAX_MS   1000
#define WRITER_STOP_TRIES     3

struct ms_dispatch_writer {
    struct ms_store *store;
    struct ms_cache *cache;        /* where the batches' auto-disables are published */
    void (*on_written)(void *arg); /* after each committed batch; NULL: none */
    void *on_written_arg;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t work; /* a batch was queued, or stop */
    pthread_cond_t room; /* a batch was taken or written */
    struct dsp_batch *head;
    struct dsp_batch *tail;
    size_t queued;
    size_t queued_bytes; /* dsp_batch.bytes of the queued batches */
    bool busy;           /* writing a batch outside the lock */
    bool stop;
    bool abandon;  /* drain(drop): give up the batch being retried */
    bool quitting; /* the mock is stopping: failing batches get WRITER_STOP_TRIES */
    /* The health of the writes (ms_dispatch_writer_health). */
    bool failing;                 /* the last write failed */
    size_t busy_calls;            /* records of the batch being written */
    uint64_t failures;            /* failed writes since start */
    uint64_t lost;                /* records given up on since start */
    char last_error[ERR_MSG_MAX]; /* of the last failed write */
    struct dsp_batch *spare;
    size_t n_spare;
};

/* ---- batches --------------------------------------------------------------- */

struct ms_call *ms_dispatch_writer_add_call(struct dsp_batch *b, struct dsp_owned **owned)
{
    size_t i;

    if (b->n_calls == b->cap_calls) {
        size_t cap = b->cap_calls; /* the two arrays grow together */

        b->calls = xgrow(b->calls, &cap, b->n_calls + 1, WRITER_FIRST_CAP, sizeof(*b->calls));
        b->owned =
            xgrow(b->owned, &b->cap_calls, b->n_calls + 1, WRITER_FIRST_CAP, sizeof(*b->owned));
    }
    i = b->n_calls++;
    memset(&b->calls[i], 0, sizeof(b->calls[i]));
    memset(&b->owned[i], 0, sizeof(b->owned[i]));
    *owned = &b->owned[i];
    return &b->calls[i];
}

void ms_dispatch_writer_add_op(struct dsp_batch *b, const struct ms_pending_op *op)
{
    b->ops = xgrow(b->ops, &b->cap_ops, b->n_ops + 1, WRITER_FIRST_CAP, sizeof(*b->ops));
    b->ops[b->n_ops++] = *op;
}

void ms_dispatch_writer_clear(struct dsp_batch *b)
{
    for (size_t i = 0; i < b->n_calls; i++) {
        struct dsp_owned *o = &b->owned[i];

        ms_dispatch_event_release(o->ev);
        free(o->url);
        free(o->resp_headers);
        free(o->resp_body);
        free(o->error);
    }
    free(b->streaks);
    b->streaks = NULL;
    b->n_disables = 0;
    b->n_calls = 0;
    b->n_ops = 0;
    b->first_us = 0;
    b->bytes = 0;
    b->next = NULL;
}

void ms_dispatch_writer_batch_free(struct dsp_batch *b)
{
    if (b == NULL) {
        return;
    }
    ms_dispatch_writer_clear(b);
    free(b->calls);
    free(b->owned);
    free(b->ops);
    free(b->disables);
    free(b);
}

/* ---- the thread ---------------------------------------------------------- */

/* Records a failed write (the caller does not hold the lock); returns
 * whether the batch is to be given up: in memory, on drain(drop), or at
 * stop after WRITER_STOP_TRIES. */
static bool writer_failed(struct ms_dispatch_writer *w, const struct dsp_batch *b, const char *why,
                          unsigned *stop_tries)
{
    bool first;
    bool give_up;
    bool abandon;

    pthread_mutex_lock(&w->lock);
    first = !w->failing;
    w->failing = true;
    w->failures++;
    snprintf(w->last_error, sizeof(w->last_error), "%s", why);
    if (w->stop || w->quitting) {
        (*stop_tries)++;
    }
    abandon = w->abandon;
    give_up = !ms_store_durable(w->store) || abandon || *stop_tries >= WRITER_STOP_TRIES;
    if (give_up && !abandon) {
        w->lost += b->n_calls;
    }
    pthread_mutex_unlock(&w->lock);
    if (give_up) {
        log_error("writing %zu call records: %s; %s", b->n_calls, why,
                  abandon ? "dropped by the reset"
                  : ms_store_durable(w->store)
                      ? "given up at stop: their attempts are sent again after a restart"
                      : "they are lost");
    } else if (first) {
        log_error("writing %zu call records: %s; trying again until it succeeds (deliveries "
                  "wait meanwhile, /mock/health answers 503)",
                  b->n_calls, why);
    }
    return give_up;
}

/* Waits ms before the next try, or less when stop or drain(drop) come. */
static void writer_pause(struct ms_dispatch_writer *w, unsigned ms)
{
    struct timespec until = clock_deadline(CLOCK_REALTIME, ms);

    pthread_mutex_lock(&w->lock);
    if (!w->stop && !w->abandon && !w->quitting) {
        pthread_cond_timedwait(&w->work, &w->lock, &until);
    }
    pthread_mutex_unlock(&w->lock);
}

/* Drops an auto-disable whose webhook changed after the engine decided
 * (an API update or delete stands): its record says so and gave up. */
static void writer_disable_drop(struct dsp_batch *b, struct dsp_disable *x)
{
    struct ms_call *call = &b->calls[x->call];
    struct dsp_owned *o = &b->owned[x->call];
    char *why = xasprintf("%s; %u consecutive events gave up, but the webhook changed before "
                          "its deactivation was written: it stays as changed",
                          x->last, x->after);

    x->dropped = true;
    call->outcome = MS_OUTCOME_GAVE_UP;
    free(o->error);
    o->error = why;
    call->error = why;
    log_info("webhook %s changed before its deactivation was written; the change stands",
             x->webhook_id);
}

/* Publishes the batch's auto-disables whose webhook is still the row the
 * engine decided on, and fills rows[] with them and was[] with the rows
 * they replace; returns how many. The caller holds the cache's write
 * mutex, so no API change comes between this, the store's write and a
 * revert. */
static size_t writer_disables_publish(struct ms_dispatch_writer *w, struct dsp_batch *b,
                                      struct ms_webhook *rows, struct ms_webhook *was)
{
    const struct ms_cache_snapshot *snap = ms_cache_acquire(w->cache);
    size_t n = 0;

    for (size_t i = 0; i < b->n_disables; i++) {
        struct dsp_disable *x = &b->disables[i];
        const struct ms_webhook *cur = ms_cache_find(snap, x->webhook_id);

        if (x->dropped) {
            continue;
        }
        if (cur == NULL || cur->deleted_ms != 0 || !cur->active || cur->updated_ms != x->seen_ms) {
            writer_disable_drop(b, x);
            continue;
        }
        was[n] = *cur;
        rows[n] = *cur;
        rows[n].active = false;
        rows[n].updated_ms = x->now_ms;
        n++;
    }
    ms_cache_release(snap);
    for (size_t i = 0; i < n; i++) {
        ms_cache_put(w->cache, &rows[i]);
    }
    return n;
}

/* One try at the batch: with auto-disables, under the cache's write
 * mutex, published before the commit (a reader who sees the record sees
 * the webhook inactive) and taken back when it fails. */
static int writer_flush(struct ms_dispatch_writer *w, struct dsp_batch *b, struct err *e)
{
    struct ms_store_setting streaks = {DSP_STREAKS_KEY, b->streaks};
    struct ms_store_batch sb = {b->calls, b->n_calls, b->ops,
                                b->n_ops, b->keep,    b->streaks != NULL ? &streaks : NULL,
                                NULL,     0};
    struct ms_webhook *rows;
    struct ms_webhook *was;
    int rc;

    if (b->n_disables == 0) {
        return ms_store_flush(w->store, &sb, e);
    }
    rows = xcalloc(b->n_disables, sizeof(*rows));
    was = xcalloc(b->n_disables, sizeof(*was));
    ms_cache_write_begin(w->cache);
    sb.webhooks = rows;
    sb.n_webhooks = writer_disables_publish(w, b, rows, was);
    rc = ms_store_flush(w->store, &sb, e);
    for (size_t i = 0; rc != 0 && i < sb.n_webhooks; i++) {
        ms_cache_put(w->cache, &was[i]);
    }
    ms_cache_write_end(w->cache);
    free(rows);
    free(was);
    return rc;
}

static void writer_write(struct ms_dispatch_writer *w, struct dsp_batch *b)
{
    unsigned delay_ms = WRITER_RETRY_FIRST_MS;
    unsigned stop_tries = 0;

    for (;;) {
        struct err e = {{0}};
        bool was_failing;

        if (writer_flush(w, b, &e) == 0) {
            pthread_mutex_lock(&w->lock);
            was_failing = w->failing;
            w->failing = false;
            pthread_mutex_unlock(&w->lock);
            if (was_failing) {
                log_info("the call log is written again");
            }
            if (b->n_calls > 0 && w->on_written != NULL) {
                w->on_written(w->on_written_arg);
            }
            return;
        }
        if (writer_failed(w, b, e.msg, &stop_tries)) {
            return;
        }
        writer_pause(w, delay_ms);
        delay_ms = delay_ms * 2 < WRITER_RETRY_MAX_MS ? delay_ms * 2 : WRITER_RETRY_MAX_MS;
    }
}

static void *writer_main(void *arg)
{
    struct ms_dispatch_writer *w = arg;

    pthread_setname_np(pthread_self(), "vambe-writer");
    /* The engine's sends are timed, the call log is not (it lags by a
     * batch anyway): on a busy core the writer yields to the engine, so a
     * batch being committed does not make a due retry late. A niced thread
     * still gets its share (never starved), and a full queue stops the
     * engine until it catches up. Linux applies nice per thread. */
    if (setpriority(PRIO_PROCESS, (id_t)gettid(), WRITER_NICE) != 0) {
        log_debug("the call-log writer keeps the engine's priority");
    }
    pthread_mutex_lock(&w->lock);
    for (;;) {
        struct dsp_batch *b;

        while (w->head == NULL && !w->stop) {
            pthread_cond_wait(&w->work, &w->lock);
        }
        if (w->head == NULL) {
            break; /* stop, and nothing left to write */
        }
        b = w->head;
        w->head = b->next;
        if (w->head == NULL) {
            w->tail = NULL;
        }
        w->queued--;
        w->queued_bytes -= b->bytes;
        w->busy = true;
        w->busy_calls = b->n_calls;
        pthread_mutex_unlock(&w->lock);

        writer_write(w, b);
        ms_dispatch_writer_clear(b);

        pthread_mutex_lock(&w->lock);
        w->busy = false;
        w->busy_calls = 0;
        if (w->n_spare < WRITER_SPARE_MAX) {
            b->next = w->spare;
            w->spare = b;
            w->n_spare++;
            b = NULL;
        }
        pthread_cond_broadcast(&w->room);
        if (b != NULL) {
            pthread_mutex_unlock(&w->lock);
            ms_dispatch_writer_batch_free(b);
            pthread_mutex_lock(&w->lock);
        }
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

struct ms_dispatch_writer *ms_dispatch_writer_new(struct ms_store *store, struct ms_cache *cache,
                                                  void (*on_written)(void *arg), void *arg)
{
    struct ms_dispatch_writer *w = xcalloc(1, sizeof(*w));

    w->store = store;
    w->cache = cache;
    w->on_written = on_written;
    w->on_written_arg = arg;
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->work, NULL);
    pthread_cond_init(&w->room, NULL);
    if (pthread_create(&w->thread, NULL, writer_main, w) != 0) {
        pthread_cond_destroy(&w->room);
        pthread_cond_destroy(&w->work);
        pthread_mutex_destroy(&w->lock);
        free(w);
        return NULL;
    }
    return w;
}

void ms_dispatch_writer_quit(struct ms_dispatch_writer *w)
{
    if (w == NULL) {
        return;
    }
    pthread_mutex_lock(&w->lock);
    w->quitting = true;
    pthread_cond_broadcast(&w->work);
    pthread_mutex_unlock(&w->lock);
}

void ms_dispatch_writer_free(struct ms_dispatch_writer *w)
{
    struct dsp_batch *b;

    if (w == NULL) {
        return;
    }
    pthread_mutex_lock(&w->lock);
    w->stop = true;
    pthread_cond_broadcast(&w->work);
    pthread_mutex_unlock(&w->lock);
    pthread_join(w->thread, NULL);
    while ((b = w->spare) != NULL) {
        w->spare = b->next;
        ms_dispatch_writer_batch_free(b);
    }
    pthread_cond_destroy(&w->room);
    pthread_cond_destroy(&w->work);
    pthread_mutex_destroy(&w->lock);
    free(w);
}

struct dsp_batch *ms_dispatch_writer_batch(struct ms_dispatch_writer *w)
{
    struct dsp_batch *b;

    pthread_mutex_lock(&w->lock);
    b = w->spare;
    if (b != NULL) {
        w->spare = b->next;
        w->n_spare--;
        b->next = NULL;
    }
    pthread_mutex_unlock(&w->lock);
    return b != NULL ? b : xcalloc(1, sizeof(*b));
}

void ms_dispatch_writer_submit(struct ms_dispatch_writer *w, struct dsp_batch *b)
{
    b->next = NULL;
    pthread_mutex_lock(&w->lock);
    /* One batch always gets in, whatever its size: the bound is on the
     * batches waiting behind it. */
    while (w->queued >= WRITER_QUEUE_MAX ||
           (w->queued > 0 && w->queued_bytes + b->bytes > WRITER_QUEUE_BYTES)) {
        pthread_cond_wait(&w->room, &w->lock);
    }
    if (w->tail != NULL) {
        w->tail->next = b;
    } else {
        w->head = b;
    }
    w->tail = b;
    w->queued++;
    w->queued_bytes += b->bytes;
    pthread_cond_signal(&w->work);
    pthread_mutex_unlock(&w->lock);
}

void ms_dispatch_writer_drain(struct ms_dispatch_writer *w, bool drop)
{
    struct dsp_batch *dropped = NULL;

    pthread_mutex_lock(&w->lock);
    if (drop) {
        dropped = w->head;
        w->head = NULL;
        w->tail = NULL;
        w->queued = 0;
        w->queued_bytes = 0;
        w->abandon = true; /* a batch being retried is dropped too */
        pthread_cond_broadcast(&w->work);
        pthread_cond_broadcast(&w->room);
    }
    while (w->head != NULL || w->busy) {
        pthread_cond_wait(&w->room, &w->lock);
    }
    w->abandon = false;
    pthread_mutex_unlock(&w->lock);
    while (dropped != NULL) {
        struct dsp_batch *next = dropped->next;

        ms_dispatch_writer_batch_free(dropped);
        dropped = next;
    }
}

void ms_dispatch_writer_health(struct ms_dispatch_writer *w, struct ms_dispatch_health *out)
{
    memset(out, 0, sizeof(*out));
    pthread_mutex_lock(&w->lock);
    out->failing = w->failing;
    out->failures = w->failures;
    out->lost = w->lost;
    out->waiting = w->busy_calls;
    for (const struct dsp_batch *b = w->head; b != NULL; b = b->next) {
        out->waiting += b->n_calls;
    }
    snprintf(out->error, sizeof(out->error), "%s", w->failing ? w->last_error : "");
    pthread_mutex_unlock(&w->lock);
}
