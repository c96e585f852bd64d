/* Internal to examples/receiver/server*.c: the server's state, the flaws
 * and lookups server_flaw.c implements for server.c, the worker and its
 * queue (server_worker.c) and the --state journal as the server uses it
 * (server_state.c). */
#ifndef RECEIVER_SERVER_PRIV_H
#define RECEIVER_SERVER_PRIV_H

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/http_server.h"
#include "core/scheme.h"
#include "examples/receiver/idle.h"
#include "examples/receiver/idmap.h"
#include "examples/receiver/journal.h"
#include "examples/receiver/parents.h"
#include "examples/receiver/queue.h"
#include "examples/receiver/throttle.h"

struct rcv_server {
    char *secret;
    struct scheme scheme;
    uint64_t work_ms;
    uint64_t flaws;
    struct rcv_idmap *seen;        /* dedupe: ids accepted so far */
    struct rcv_idmap *processed;   /* id -> times processed (the probe), bounded alike */
    struct rcv_idmap *entities;    /* contact or ticket id -> latest updated_at (ms) */
    struct rcv_throttle *throttle; /* --rate-limit; NULL: none */
    struct rcv_parents *parents;   /* FLAW needs-parent-first, drops-orphan-update; else NULL */
    struct rcv_idle *idle;         /* FLAW cold-start, idle-502; else NULL */
    struct rcv_queue *queue;
    struct rcv_journal *journal; /* --state; NULL: everything in memory */
    pthread_t worker;
    bool worker_started;
    pthread_mutex_t sync_lock; /* FLAW sync: one event worked at a time */
    struct http_server *http;
};

/* A value where the scheme says it travels: a header, or a field of the
 * body (a dotted path such as "event.type"). NULL when absent; event may
 * be NULL. */
const char *rcv_server_locate(const struct rcv_server *s, const struct scheme_locator *l,
                              const struct http_server_request *req, const json_t *event);
/* A request header by name; FLAW header-case-sensitive: only spelled
 * exactly as the scheme spells it. */
const char *rcv_server_header(const struct rcv_server *s, const struct http_server_request *req,
                              const char *name);
/* FLAW first-signature-only: value (a list header) with every signature
 * but the first dropped, written into out. Returns out. */
const char *rcv_flaw_first_only(const struct scheme *sc, const char *value, char *out,
                                size_t out_size);
/* FLAW leaks-expected-signature: a 401 that shows what was expected. */
void rcv_flaw_leak(const struct rcv_server *s, const struct http_server_request *req,
                   struct http_server_reply *rep);
/* FLAW compare-throws: answers 500 and returns true when the signature
 * header's length differs from the expected value's. */
bool rcv_flaw_compare_throws(const struct rcv_server *s, const struct http_server_request *req,
                             struct http_server_reply *rep);
/* The attempt number, from the scheme's header whose template is
 * {attempt}; 1 when the scheme sends none. */
unsigned long rcv_server_attempt(const struct rcv_server *s, const struct http_server_request *req);
/* FLAW null-field-crash: does the handler throw on this event (a
 * message whose contact name is null or absent)? */
bool rcv_flaw_null_crash(const json_t *event);
/* FLAW ack-on-error: does the handler of this topic throw? */
bool rcv_flaw_handler_throws(const struct rcv_server *s, const char *topic);
/* FLAW reject-unknown: is topic one the receiver's code was written for? */
bool rcv_flaw_known_topic(const struct rcv_server *s, const char *topic);
/* The 429 for a delivery over the rate limit, with Retry-After: 1 (FLAW
 * no-retry-after: without it). */
void rcv_server_throttled(const struct rcv_server *s, struct http_server_reply *rep);
/* The flaws that strike after the event id is marked seen and before the
 * event is handed to the worker (throttle-drops, lost-on-disconnect,
 * drops-orphan-update). Returns true when one answered instead: the event
 * is then dropped, and its id stays seen. */
bool rcv_flaw_after_seen(struct rcv_server *s, const struct http_server_request *req,
                         const char *topic, const json_t *event, struct http_server_reply *rep);

/* The work of one event (work_ms, at least RCV_FLAW_DURABLE_LAG_MS under
 * FLAW ack-before-durable), then its entity's latest state, its count and
 * its P record. topic and event may be NULL (an event replayed from
 * --state: only its id is known, and no entity is updated). */
void rcv_server_process(struct rcv_server *s, const char *event_id, const char *topic,
                        const json_t *event, uint64_t work_ms);
/* The worker thread's body: processes the queue's jobs until it is closed
 * and empty. arg is the server. */
void *rcv_server_worker(void *arg);
/* Hands an event of topic to the worker. On 0 the queue owns *event (set
 * to NULL); on -1 the queue is full and *event is untouched. topic and
 * event may be NULL (an event replayed from --state: only its id is
 * known); topic is copied. */
int rcv_server_enqueue(struct rcv_server *s, const char *event_id, const char *topic,
                       json_t **event);
/* --state: hands the replay's pending events (rcv_server_state_open) to
 * the worker (the queue has room). */
void rcv_server_state_requeue(struct rcv_server *s, const struct rcv_journal_replay *replay);

/* --state: opens the journal at path into s->journal and replays it into
 * s->seen and s->processed; *replay (released by the caller with
 * rcv_journal_replay_cleanup) keeps the events, *pending says how many are
 * to be queued again. -1 with e set when the file cannot be used. */
int rcv_server_state_open(struct rcv_server *s, const char *path, struct rcv_journal_replay *replay,
                          size_t *pending, struct err *e);
/* The A record of an event just accepted, durable (fdatasync) before the
 * 2xx: -1 with e set when it could not be written (then answer 503). 0 at
 * once without --state. */
int rcv_server_state_accepted(struct rcv_server *s, const char *id, struct err *e);
/* The P record of an event just processed; a failure is logged. */
void rcv_server_state_processed(struct rcv_server *s, const char *id, const char *entity,
                                uint64_t at_ms);

#endif
