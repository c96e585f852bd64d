/* The delivery engine: sends topic events to webhooks exactly as DESIGN §4
 * describes, retries failed attempts on the policy's schedule, injects the
 * policy's faults and records every attempt in the call log.
 *
 * Threads: one engine thread runs an event loop over one http_client
 * (libcurl multi: many deliveries in flight, connections reused) and a
 * timer queue of attempts by due time; the loop sleeps exactly until the
 * next attempt is due or a transfer finishes. A writer thread commits the
 * call records in batches (every 50 ms or 256 records, one transaction
 * each, together with the pending-attempt changes they settle and the
 * auto-disables they decide), so SQLite never stalls the sends: the engine
 * thread never touches the store. The functions below are called from the HTTP
 * server's threads; each is safe from any thread.
 *
 * Durability: an event and its pending attempts are in the store before
 * ms_dispatch_trigger returns; an attempt's outcome is in the store one
 * batch after it finished. A mock killed at any point and restarted on the
 * same database resends what was pending (an attempt may be sent again,
 * none is lost). The call log lags the wire by at most one batch
 * (MS_DISPATCH_FLUSH_MS).
 *
 * Randomness: the payloads, the duplicate and reorder choices and the
 * jitter each come from their own stream seeded by the policy's seed, so a
 * run repeats exactly with the same seed and the same inputs. Identifiers
 * that must never repeat (delivery and call ids) come from the system's
 * entropy. */
#ifndef MOCK_SERVER_DISPATCH_H
#define MOCK_SERVER_DISPATCH_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"
#include "core/ids.h"
#include "mock_server/cache.h"
#include "mock_server/policy.h"
#include "mock_server/store.h"

#define MS_DISPATCH_COUNT_MAX     10000 /* events per trigger */
#define MS_DISPATCH_BODY_CAP      4096  /* response body bytes kept per call record */
#define MS_DISPATCH_FLUSH_MS      50    /* the longest a finished attempt waits for the store */
#define MS_DISPATCH_FLUSH_RECORDS 256   /* records per batch at most */
/* A batch is submitted once the bodies it holds (the events' and the
 * answers') reach this, whatever its count: with 200 KiB events, 256
 * records would hold 50 MB. */
#define MS_DISPATCH_FLUSH_BYTES (8u << 20)
#define MS_DISPATCH_WARNING_MAX 256

struct ms_dispatch;

/* Outcome of a request to the engine, as the control API maps it. */
enum ms_dispatch_status {
    MS_DISPATCH_OK,
    MS_DISPATCH_INVALID,   /* 400: the input is wrong; e names the field */
    MS_DISPATCH_NOT_FOUND, /* 404 */
    MS_DISPATCH_CONFLICT,  /* 409 */
    MS_DISPATCH_ERROR,     /* 500: the store failed (logged) */
};

struct ms_dispatch_opts {
    const char *ca_file; /* NULL: the system's CA store */
    bool insecure;       /* do not verify receivers' TLS certificates */
    /* Called on the call-log writer's thread after each batch of records
     * is committed (NULL: none); it must be quick and must not block. */
    void (*on_written)(void *arg);
    void *on_written_arg;
};

/* A trigger, validated by the control API. Pointers are borrowed. */
struct ms_trigger {
    const char *topic;      /* a catalogue topic or its alias, sent as given */
    const json_t *data;     /* object merged into the payload's data; NULL: none */
    unsigned count;         /* 1..MS_DISPATCH_COUNT_MAX */
    const char *webhook_id; /* NULL: every active subscriber of the topic */
};

struct ms_trigger_result {
    char (*event_ids)[EVENT_ID_MAX + 1]; /* owned; n_events ids in creation order */
    size_t n_events;
    size_t deliveries;                     /* attempt chains started (duplicates not counted) */
    char warning[MS_DISPATCH_WARNING_MAX]; /* "" when none */
};

struct ms_replay_result {
    char event_id[MS_EVENT_ID_MAX + 1];
    char webhook_id[IDS_UUID_LEN + 1];
};

/* Creates the engine over a store and a cache the caller keeps alive until
 * ms_dispatch_free. policy is copied; without a seed one is drawn (and
 * shown by ms_dispatch_policy). opts may be NULL. Nothing is sent before
 * ms_dispatch_start. Returns NULL with e set. */
struct ms_dispatch *ms_dispatch_new(struct ms_store *store, struct ms_cache *cache,
                                    const struct ms_policy *policy,
                                    const struct ms_dispatch_opts *opts, struct err *e);
/* Loads the pending attempts of an earlier run and starts the threads.
 * 0, or -1 with e set. */
int ms_dispatch_start(struct ms_dispatch *d, struct err *e);
/* Stops the threads (transfers in flight are abandoned; their attempts stay
 * pending in the store), writes the last batch, frees everything. NULL ok. */
void ms_dispatch_free(struct ms_dispatch *d);

/* Builds t->count events, stores them with their pending attempts, queues
 * them and fills out (release with ms_trigger_result_cleanup). INVALID
 * (e names the field: data, webhook_id) or ERROR otherwise. No subscriber
 * is not an error: deliveries is 0 and warning says why. */
enum ms_dispatch_status ms_dispatch_trigger(struct ms_dispatch *d, const struct ms_trigger *t,
                                            struct ms_trigger_result *out, struct err *e);
void ms_trigger_result_cleanup(struct ms_trigger_result *r);

/* Sends the event of call record call_id again to the same webhook as a new
 * attempt chain (attempt 1, freshly timestamped and signed, even if the
 * webhook is inactive). NOT_FOUND (no such call, or its webhook is gone),
 * CONFLICT (the webhook is deleted) or ERROR, with e set. */
enum ms_dispatch_status ms_dispatch_replay(struct ms_dispatch *d, const char *call_id,
                                           struct ms_replay_result *out, struct err *e);

/* Empties the store (webhooks, calls, events, pending), the engine's queue
 * and its batch; attempts in flight are forgotten (no record). Restarts the
 * random streams from the seed (a new one when none was given). 0 or -1. */
int ms_dispatch_reset(struct ms_dispatch *d);

/* How the call log's writes go. */
struct ms_dispatch_health {
    bool failing;            /* the last write of call records failed; retried */
    uint64_t waiting;        /* records not yet written (being retried or queued) */
    uint64_t failures;       /* failed writes since start */
    uint64_t lost;           /* records that could not be written, since start */
    char error[ERR_MSG_MAX]; /* why the last write failed, while failing */
};
void ms_dispatch_health(struct ms_dispatch *d, struct ms_dispatch_health *out);

/* Copies the current policy. */
void ms_dispatch_policy(struct ms_dispatch *d, struct ms_policy *out);
/* Applies a partial update (ms_policy_patch_json) and copies the result
 * into out. A new seed restarts the random streams. 0, or -1 with e naming
 * the field (nothing changed). */
/* The store setting (ms_store_setting_get) that keeps the policy changes
 * made through ms_dispatch_patch_policy, with --db. */
#define MS_DISPATCH_POLICY_KEY "policy"

int ms_dispatch_patch_policy(struct ms_dispatch *d, const char *body, size_t len,
                             struct ms_policy *out, struct err *e);

#endif
