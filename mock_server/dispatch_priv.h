/* Private to the delivery engine's files: dispatch.c and dispatch_trigger.c
 * (the API the HTTP threads call), dispatch_loop.c and dispatch_settle.c
 * (the engine thread), dispatch_writer.c (the batch writer thread) and
 * dispatch_chain.c (events and chains, used by all);
 * what goes on the wire is wire.c's.
 *
 * Ownership in one place:
 *  - a struct dsp_event (one event's body) is shared by reference count:
 *    every chain and every unwritten call record holding it owns one
 *    reference; the last release frees it (the writer thread releases
 *    records' references, hence the atomic count);
 *  - a struct dsp_chain (one webhook x one copy of an event) is created by
 *    an HTTP thread, handed to the engine through the inbox, and from then
 *    on owned by the engine thread only: in the timer queue, in a webhook's
 *    wait list or in flight (the http_client tag), until it ends;
 *  - a struct dsp_batch is filled by the engine, handed to the writer,
 *    written, emptied and given back for reuse. */
#ifndef MOCK_SERVER_DISPATCH_PRIV_H
#define MOCK_SERVER_DISPATCH_PRIV_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/http_client.h"
#include "core/rng.h"
#include "core/signature.h"
#include "mock_server/dispatch.h"
#include "mock_server/timerq.h"
#include "mock_server/wire.h"

#define DSP_HOOK_BUCKETS 256

struct dsp_event {
    atomic_uint refs;
    const char *id;    /* in text[] */
    const char *topic; /* as sent in x-vambe-event; in text[] */
    char *body;
    size_t body_len;
    char text[]; /* id and topic, each with its NUL: one allocation per event */
};

struct dsp_hook;

struct dsp_chain {
    int64_t pending_id; /* the store's pending row */
    struct dsp_event *ev;
    char webhook_id[IDS_UUID_LEN + 1];
    enum ms_pending_kind kind;
    unsigned attempt;     /* the next attempt (in flight: the current one) */
    uint64_t due_wall_ms; /* when it is (was) due: the record's scheduled_at */
    uint64_t due_mono_us; /* the same on the monotonic clock */
    uint64_t gen;         /* the reset generation it belongs to */
    struct dsp_hook *hook;
    /* While in flight. */
    char delivery_id[IDS_UUID_LEN + 1];
    uint64_t sent_wall_ms;
    uint64_t start_mono_us;
    char *url;                                     /* copy for the record */
    char req_timestamp[MS_CALL_TIMESTAMP_MAX + 1]; /* for the record (ms_wire_record) */
    char req_signature[MS_CALL_SIGNATURE_MAX + 1];
    char req_scheme[MS_CALL_SCHEME_MAX + 1];
    /* Links: next in the inbox or a wait list; prev/next in the in-flight
     * list. */
    struct dsp_chain *next;
    struct dsp_chain *fl_prev;
    struct dsp_chain *fl_next;
};

/* The engine's state for one webhook (engine thread only). */
struct dsp_hook {
    char id[IDS_UUID_LEN + 1];
    unsigned inflight;
    unsigned gave_up_streak; /* consecutive events that gave up */
    /* An auto-disable decided and not yet in the cache (the writer puts it
     * there with its batch): until then the engine treats the webhook as
     * inactive while its cached row is the one it decided on. */
    bool disabling;
    uint64_t disabling_seen_ms;  /* that row's updated_ms */
    struct dsp_chain *wait_head; /* due, held back by the per-webhook limit */
    struct dsp_chain *wait_tail;
    struct dsp_hook *next; /* hash bucket */
};

/* What a call record owns until it is written. */
struct dsp_owned {
    struct dsp_event *ev; /* request_body points into it */
    char *url;
    char *resp_headers;
    char *resp_body;
    char *error; /* NULL when the record's error is a static string */
};

/* An auto-disable the engine decided (dispatch_settle.c), applied by the
 * writer with the batch that holds its record (dispatch_writer.c). */
struct dsp_disable {
    char webhook_id[IDS_UUID_LEN + 1];
    uint64_t seen_ms; /* the webhook's updated_ms when the engine decided */
    uint64_t now_ms;  /* the new updated_ms */
    size_t call;      /* the batch's record that decided it */
    unsigned after;   /* the streak that reached disable_after */
    char last[64];    /* the last attempt's failure, for the record */
    bool dropped;     /* the webhook changed meanwhile: the API's change stands */
};

struct dsp_batch {
    struct ms_call *calls; /* contiguous, as ms_store_flush takes them */
    struct dsp_owned *owned;
    size_t n_calls;
    size_t cap_calls;
    struct ms_pending_op *ops;
    size_t n_ops;
    size_t cap_ops;
    uint64_t first_us; /* monotonic time of the first entry; 0 when empty */
    /* The bytes of body the batch keeps alive: each record's event body
     * (shared, counted once per record) and answer. */
    size_t bytes;
    struct ms_call_keep keep; /* the call log's bounds when the batch was filled */
    /* The webhooks' auto-disable streaks as a JSON object, written with
     * the batch when they changed (owned; NULL: unchanged). */
    char *streaks;
    struct dsp_disable *disables;
    size_t n_disables;
    size_t cap_disables;
    struct dsp_batch *next;
};

struct ms_dispatch_writer;

struct ms_dispatch {
    struct ms_store *store;
    struct ms_cache *cache;
    void (*on_written)(void *arg); /* ms_dispatch_opts.on_written */
    void *on_written_arg;
    /* Created by the engine thread when it first has an attempt to send,
     * not at start-up: libcurl's and TLS's initialisation is most of an idle
     * mock's memory. Set under lock; NULL until then (wake the engine with
     * ms_dispatch_wake_locked, which reaches it either way). */
    struct http_client *client;
    struct http_client_opts client_opts; /* ca_file owned (copied) */
    struct ms_dispatch_writer *writer;
    pthread_t thread;
    bool running;

    /* Serialises trigger, replay, reset and policy changes (HTTP threads);
     * guards the payload and fault streams. Taken before lock. */
    pthread_mutex_t admin;
    struct rng rng_events;
    struct rng rng_faults;
    uint64_t run; /* how many times the store was opened by an engine */

    /* Shared with the engine thread. */
    pthread_mutex_t lock;
    /* Broadcast when the engine acknowledges a reset, and to wake the
     * engine while it has no client yet (waiters recheck their own state). */
    pthread_cond_t cond;
    struct dsp_chain *inbox_head;
    struct dsp_chain *inbox_tail;
    struct ms_policy policy;
    uint64_t policy_version;
    uint64_t seed_epoch; /* bumped when the streams are reseeded */
    uint64_t gen;        /* bumped by a reset */
    uint64_t reset_ack;  /* the generation the engine has applied */
    bool stop;

    /* The engine thread's own. */
    struct ms_policy pol;
    uint64_t pol_version;
    uint64_t pol_epoch;
    uint64_t cur_gen;
    struct ms_timerq *timers;
    struct dsp_hook *hooks[DSP_HOOK_BUCKETS];
    bool streaks_dirty;       /* a gave_up_streak changed since the last batch */
    struct dsp_chain *flying; /* in-flight list */
    unsigned inflight;
    size_t n_waiting; /* chains in the webhooks' wait lists */
    struct rng rng_jitter;
    struct rng rng_ids;
    struct dsp_batch *batch;
};

/* ---- dispatch.c ------------------------------------------------------------ */

/* Hands chains (linked by next, in sending order) to the engine and wakes
 * it; the engine owns them from here. */
void ms_dispatch_enqueue(struct ms_dispatch *d, struct dsp_chain *head, struct dsp_chain *tail);
/* Wakes the engine to look at its inbox, stop flag, generation and policy;
 * the caller holds lock and has changed one of them. */
void ms_dispatch_wake_locked(struct ms_dispatch *d);

/* ---- dispatch_chain.c ---------------------------------------------------- */

/* A new event holding refs references; takes ownership of body. */
struct dsp_event *ms_dispatch_event_new(const char *id, const char *topic, char *body,
                                        size_t body_len, unsigned refs);
void ms_dispatch_event_release(struct dsp_event *ev);
/* A new chain; takes one reference of ev (the caller's). */
struct dsp_chain *ms_dispatch_chain_new(struct dsp_event *ev, const char *webhook_id,
                                        int64_t pending_id, enum ms_pending_kind kind,
                                        unsigned attempt, uint64_t due_wall_ms,
                                        uint64_t due_mono_us, uint64_t gen);
/* Frees a chain and drops its event reference. NULL ok. */
void ms_dispatch_chain_free(struct dsp_chain *c);
/* Seeds a stream from the seed, the run and a stream number. */
void ms_dispatch_seed_stream(struct rng *r, uint64_t seed, uint64_t run, uint64_t stream);

#define DSP_STREAM_EVENTS 1
#define DSP_STREAM_FAULTS 2
#define DSP_STREAM_JITTER 3

/* ---- dispatch_loop.c ----------------------------------------------------- */

/* The engine thread's body (arg is the struct ms_dispatch). */
void *ms_dispatch_loop_main(void *arg);

/* Sets a webhook's auto-disable streak (restored at start, before the
 * engine thread runs). */
void ms_dispatch_loop_set_streak(struct ms_dispatch *d, const char *id, unsigned streak);

/* The store setting that keeps the streaks across a restart (with --db). */
#define DSP_STREAKS_KEY "streaks"

/* ---- dispatch_settle.c --------------------------------------------------- */

/* Why a chain cannot go to w (NULL: it can): gone, deleted, or inactive
 * (a replay goes to an inactive webhook). */
const char *ms_dispatch_unusable(const struct ms_webhook *w, enum ms_pending_kind kind);
/* The same, from the engine's view: an auto-disable of h it decided and
 * the cache does not show yet counts as done. */
const char *ms_dispatch_hook_unusable(struct dsp_hook *h, const struct ms_webhook *w,
                                      enum ms_pending_kind kind);
/* Records a finished attempt in the current batch and either ends its
 * chain or queues its next attempt. Consumes resp. */
void ms_dispatch_settle(struct ms_dispatch *d, struct dsp_chain *c, struct http_response *resp);

/* ---- dispatch_writer.c ---------------------------------------------------- */

/* Starts the writer thread over store. NULL when the thread cannot start. */
struct ms_dispatch_writer *ms_dispatch_writer_new(struct ms_store *store, struct ms_cache *cache,
                                                  void (*on_written)(void *arg), void *arg);
/* The mock is stopping: a batch that cannot be written gets
 * WRITER_STOP_TRIES more tries, then is given up (counted as lost), so
 * that an engine blocked on a full queue can finish. Called before the
 * engine is joined; the writer keeps writing what comes. NULL ok. */
void ms_dispatch_writer_quit(struct ms_dispatch_writer *w);
/* Writes everything queued, stops the thread and frees the writer. NULL ok. */
void ms_dispatch_writer_free(struct ms_dispatch_writer *w);
/* An empty batch, reused when one is spare. */
struct dsp_batch *ms_dispatch_writer_batch(struct ms_dispatch_writer *w);
/* Hands a batch to the writer (which owns it from here). Blocks while too
 * many batches wait, so a slow store slows the engine rather than growing
 * memory without bound. */
void ms_dispatch_writer_submit(struct ms_dispatch_writer *w, struct dsp_batch *b);
/* Waits until the writer is idle; with drop, batches still queued are
 * discarded instead of written, and a batch being retried is given up. */
void ms_dispatch_writer_drain(struct ms_dispatch_writer *w, bool drop);
/* How the writes go (for /mock/health); safe from any thread. */
void ms_dispatch_writer_health(struct ms_dispatch_writer *w, struct ms_dispatch_health *out);
/* A zeroed call record slot in b and what it owns. */
struct ms_call *ms_dispatch_writer_add_call(struct dsp_batch *b, struct dsp_owned **owned);
void ms_dispatch_writer_add_op(struct dsp_batch *b, const struct ms_pending_op *op);
/* Releases what b's records own and empties it (keeps its arrays). */
void ms_dispatch_writer_clear(struct dsp_batch *b);
/* Empties and frees a batch. NULL ok. */
void ms_dispatch_writer_batch_free(struct dsp_batch *b);

/* The error text of an attempt that could not start (dispatch_loop.c);
 * the call record keeps the whole text, which says why. */
#define MS_DISPATCH_UNSTARTED "the request could not be started"

#endif
