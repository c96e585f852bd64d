/* The mock's store: every SQLite call of the kit lives in store.c.
 *
 * Holds the webhooks (soft-deleted ones included), the call log (one
 * record per delivery attempt) and the delivery engine's events and
 * pending attempts. ":memory:" (or NULL) keeps everything in the
 * process; a file path keeps it across restarts (WAL journal).
 *
 * The schema is versioned (table schema_version) and migrated forward when
 * the store is opened; a database written by a newer kit is refused, and
 * so is a file holding tables but no schema_version (not the mock's).
 *
 * Thread safety: every function may be called from any thread. The store
 * owns one connection behind a mutex (see store.c for why), so each call is
 * atomic with respect to the others.
 *
 * Times are wall-clock milliseconds since the Unix epoch; 0 means "none"
 * (stored as NULL). */
#ifndef MOCK_SERVER_STORE_H
#define MOCK_SERVER_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/ids.h"
#include "mock_server/outcome.h"

#define MS_WEBHOOK_URL_MAX    2048 /* bytes, validated by the API */
#define MS_WEBHOOK_SECRET_MAX 256
#define MS_TOPIC_MAX          127
#define MS_EVENT_ID_MAX       127
#define MS_CALL_TIMESTAMP_MAX 24  /* x-vambe-timestamp: digits */
#define MS_CALL_SIGNATURE_MAX 63  /* x-vambe-signature as shown (log_redact) */
#define MS_CALL_SCHEME_MAX    48  /* a scheme's name (SCHEME_NAME_MAX) */
#define MS_CALLS_LIMIT_MAX    500 /* the most records one query returns */
/* A call record keeps at most this many bytes of the request body (cut at a
 * character boundary); request_body_size says how long it was. */
#define MS_CALL_REQUEST_BODY_KEEP 65536
/* What a call record counts for in the byte budget of the call log (see
 * ms_store_flush) beside its text: the fixed columns and the entries of its
 * five indexes, rounded up. */
#define MS_CALL_RECORD_OVERHEAD 512

struct ms_store;

/* Outcome of a lookup or a change of one webhook. */
enum ms_store_status {
    MS_STORE_OK,
    MS_STORE_NOT_FOUND,
    MS_STORE_DELETED, /* the change needs a live webhook (restore first) */
    MS_STORE_ERROR,   /* SQLite failed; logged */
};

/* One webhook subscription: a plain value, no pointers, so it can be copied
 * freely. */
struct ms_webhook {
    char id[IDS_UUID_LEN + 1];
    char topic[MS_TOPIC_MAX + 1]; /* canonical name (an alias is resolved) */
    char url[MS_WEBHOOK_URL_MAX + 1];
    char secret[MS_WEBHOOK_SECRET_MAX + 1];
    bool active;
    uint64_t created_ms;
    uint64_t updated_ms;
    uint64_t deleted_ms; /* 0 while not deleted */
};

/* A partial update: only the fields whose has_ flag is set change. */
struct ms_webhook_patch {
    bool has_topic, has_url, has_secret, has_active;
    char topic[MS_TOPIC_MAX + 1];
    char url[MS_WEBHOOK_URL_MAX + 1];
    char secret[MS_WEBHOOK_SECRET_MAX + 1];
    bool active;
};

/* One record of the call log: one HTTP attempt of one event to one webhook.
 *
 * Ownership of the pointers: ms_store_calls_insert only reads them (the
 * caller keeps its buffers); records filled by ms_store_calls_query own
 * theirs and are released with ms_store_calls_free. Any pointer may be NULL
 * (stored as NULL). */
struct ms_call {
    int64_t seq; /* creation order, set by the store (ignored on insert) */
    char id[IDS_UUID_LEN + 1];
    char webhook_id[IDS_UUID_LEN + 1];
    char event_id[MS_EVENT_ID_MAX + 1];
    char topic[MS_TOPIC_MAX + 1];
    unsigned attempt; /* 1 for the first */
    char *url;
    /* The request headers: a JSON object text {"name": "value", ...}, or
     * NULL and the two fields below, from which mock_server/wire.c
     * rebuilds them (the DESIGN §4 set is the record's other fields). */
    char *request_headers;
    char request_timestamp[MS_CALL_TIMESTAMP_MAX + 1]; /* as sent; "" when none */
    char request_signature[MS_CALL_SIGNATURE_MAX + 1]; /* as shown; "" when unsigned */
    char scheme[MS_CALL_SCHEME_MAX + 1];               /* signed under it; "" when not sent */
    char *request_body;
    /* The request body's length as sent. On insert 0 means strlen of
     * request_body; the store keeps MS_CALL_REQUEST_BODY_KEEP bytes of it
     * at most, so a record read back is cut when this is larger than
     * strlen(request_body). */
    size_t request_body_size;
    int response_status;    /* 0 when no response came (NULL in JSON) */
    char *response_headers; /* JSON object text */
    /* The receiver's answer as it came: bytes that may hold NUL and need
     * not be UTF-8, response_body_len of them (a NUL follows them in a
     * record the store filled). On insert a length of 0 with a non-NULL
     * body means strlen(response_body). */
    char *response_body;
    size_t response_body_len;
    /* The length of the answer's body as it came, of which response_body
     * keeps the first response_body_len bytes; 0 on insert means
     * response_body_len (nothing cut). */
    size_t response_body_size;
    int64_t duration_ms; /* -1 when not measured (NULL in JSON) */
    char *error;         /* "timeout", "refused", ...; NULL on success */
    enum ms_outcome outcome;
    uint64_t scheduled_ms;
    uint64_t sent_ms;
    uint64_t next_attempt_ms;
    uint64_t created_ms; /* when the record was written; 0 on insert = now */
};

/* Filters of a call-log query; NULL / 0 means "any". since is inclusive,
 * until exclusive, both on created_ms. Results come newest first. */
struct ms_call_filter {
    const char *webhook_id;
    const char *topic;
    const char *event_id;
    const char *outcome;
    uint64_t since_ms;
    uint64_t until_ms;
    unsigned page;  /* 1-based */
    unsigned limit; /* 1..MS_CALLS_LIMIT_MAX */
};

/* Opens (creating if needed) and migrates the store. path NULL or
 * ":memory:" keeps it in memory. Returns NULL with e set on failure. The
 * caller frees the store with ms_store_close. */
struct ms_store *ms_store_open(const char *path, struct err *e);
/* Finishes pending statements and closes the database. NULL ok. */
void ms_store_close(struct ms_store *s);
/* The schema version the database is at (after migrations). */
int ms_store_schema_version(struct ms_store *s);
/* The newest schema version this build knows. */
int ms_store_schema_latest(void);

/* Webhooks. */
/* Inserts w as is (the caller fills id and times). 0 or -1 with e set. */
int ms_store_webhook_insert(struct ms_store *s, const struct ms_webhook *w, struct err *e);
/* Copies the webhook with this id into out. OK or NOT_FOUND (or ERROR). */
enum ms_store_status ms_store_webhook_get(struct ms_store *s, const char *id,
                                          struct ms_webhook *out);
/* Applies patch to a live webhook, sets updated_ms = now_ms when the patch
 * changes anything, and copies the result into out (may be NULL). Returns
 * OK, NOT_FOUND, DELETED (nothing changed) or ERROR. */
enum ms_store_status ms_store_webhook_update(struct ms_store *s, const char *id,
                                             const struct ms_webhook_patch *patch, uint64_t now_ms,
                                             struct ms_webhook *out);
/* Soft-deletes (deleted_ms = now_ms; a deleted webhook keeps its first
 * deletion time, so this is idempotent). out may be NULL. OK or NOT_FOUND. */
enum ms_store_status ms_store_webhook_delete(struct ms_store *s, const char *id, uint64_t now_ms,
                                             struct ms_webhook *out);
/* Undoes a soft delete (a live webhook is left as is). OK or NOT_FOUND. */
enum ms_store_status ms_store_webhook_restore(struct ms_store *s, const char *id, uint64_t now_ms,
                                              struct ms_webhook *out);
/* Every webhook, deleted ones included, in creation order. *out is an array
 * the caller frees with free() (NULL when *n is 0). 0 or -1. */
int ms_store_webhook_list(struct ms_store *s, struct ms_webhook **out, size_t *n);

/* The call log. */
/* Inserts n records in one transaction: all or none. 0 or -1 with e set. */
int ms_store_calls_insert(struct ms_store *s, const struct ms_call *calls, size_t n, struct err *e);
/* The page f asks for, newest first, and the number of records matching
 * the filters in *total. *out is released with ms_store_calls_free. 0 or -1. */
int ms_store_calls_query(struct ms_store *s, const struct ms_call_filter *f, struct ms_call **out,
                         size_t *n, uint64_t *total);
/* A setting kept as text (store.c, migration 7): *value is a malloc'd
 * copy the caller frees, NULL when the key was never written. 0, or -1
 * when the store failed (logged). */
int ms_store_setting_get(struct ms_store *s, const char *key, char **value);
/* Writes a setting (replacing it). 0, or -1 when the store failed
 * (logged). */
int ms_store_setting_put(struct ms_store *s, const char *key, const char *value);
/* Whether the store is a file (what it holds outlives the process, and a
 * failed write can be tried again as it was: its transaction was rolled
 * back). */
bool ms_store_durable(const struct ms_store *s);
/* Number of records in the call log. */
int ms_store_calls_count(struct ms_store *s, uint64_t *total);
/* What the call log counts for in its byte budget (see struct
 * ms_call_keep). */
uint64_t ms_store_calls_bytes(struct ms_store *s);
/* Keeps the newest `keep` records and drops the older ones (retention).
 * Sets *dropped (may be NULL) to the number removed. 0 or -1. */
int ms_store_calls_trim(struct ms_store *s, uint64_t keep, uint64_t *dropped);
/* Following the call log as it grows (store_follow.c, for the live
 * stream): the records after seq after_seq, oldest first, at most max of
 * them (records that own their buffers, freed with ms_store_calls_free);
 * and the newest record's seq (0 when the log is empty). 0 or -1. */
int ms_store_calls_after(struct ms_store *s, int64_t after_seq, unsigned max, struct ms_call **out,
                         size_t *n);
int ms_store_calls_last_seq(struct ms_store *s, int64_t *seq);
/* Frees n records filled by ms_store_calls_query and the array. NULL ok. */
void ms_store_calls_free(struct ms_call *calls, size_t n);

/* Copies the record with this id into a new array of one (*out, released
 * with ms_store_calls_free(*out, 1)). OK, NOT_FOUND or ERROR. */
enum ms_store_status ms_store_call_get(struct ms_store *s, const char *id, struct ms_call **out);

/* ---- the delivery engine's durable state (store_events.c) ---------------
 *
 * An event is stored once (body and all) when it is triggered; each attempt
 * chain (one webhook, one copy of the event) is a pending row holding the
 * next attempt's number and due time until the chain ends. The engine
 * writes a batch of call records and the matching pending changes in one
 * transaction (ms_store_flush), so after a crash the store says either
 * "attempt n done, n+1 due at t" or "attempt n still to send": an attempt
 * may be sent twice, never lost.
 *
 * In memory nothing outlives the process, so there is nothing to resume:
 * an in-memory store keeps no events and no pending chains (events_add and
 * the pending changes of a flush do nothing, pending_load finds none), and
 * the engine does not pay for a durability it cannot have. */

/* What kind of chain a pending row is. */
enum ms_pending_kind {
    MS_PENDING_FIRST = 0,     /* the event's delivery to a subscriber */
    MS_PENDING_DUPLICATE = 1, /* a second copy (--duplicate-rate) */
    MS_PENDING_REPLAY = 2,    /* POST /mock/calls/{id}/replay */
};

/* An event to store. Pointers are read only. */
struct ms_event_rec {
    const char *id;
    const char *topic;
    const char *profile; /* "documented" or "legacy" */
    const char *body;
    size_t body_len;
    uint64_t created_ms;
};

/* A pending chain to store; id is filled by ms_store_events_add. */
struct ms_pending_rec {
    int64_t id;
    const char *webhook_id;
    const char *event_id;
    unsigned attempt; /* the next attempt to send */
    uint64_t due_ms;  /* wall time it is due */
    enum ms_pending_kind kind;
};

/* A change to a pending chain after an attempt: done deletes it, otherwise
 * its next attempt and due time are updated. */
struct ms_pending_op {
    int64_t id;
    bool done;
    unsigned attempt;
    uint64_t due_ms;
};

/* A pending chain read back at start-up, with its event. body is owned
 * (released by ms_store_pending_free). */
struct ms_pending_row {
    int64_t id;
    char webhook_id[IDS_UUID_LEN + 1];
    char event_id[MS_EVENT_ID_MAX + 1];
    char topic[MS_TOPIC_MAX + 1];
    char *body;
    size_t body_len;
    unsigned attempt;
    uint64_t due_ms;
    enum ms_pending_kind kind;
};

/* Stores n_ev events (an event already stored is kept as is) and n_pend
 * chains in one transaction, filling pend[i].id, then drops the oldest
 * events beyond keep_events that no chain needs. 0, or -1 with e set
 * (nothing stored). */
int ms_store_events_add(struct ms_store *s, const struct ms_event_rec *ev, size_t n_ev,
                        struct ms_pending_rec *pend, size_t n_pend, uint64_t keep_events,
                        struct err *e);

/* How much of the call log a flush keeps: the newest records that fit
 * both bounds. bytes counts each record's text (bodies, headers, URL,
 * error) plus MS_CALL_RECORD_OVERHEAD; when the log goes past it, the
 * oldest records are dropped until it is back under 15/16 of it, so that
 * a log at its bound is not trimmed at every batch. 0 means no bound. */
struct ms_call_keep {
    uint64_t calls;
    uint64_t bytes;
};

/* A setting written with a batch (ms_store_setting_put's key and value). */
struct ms_store_setting {
    const char *key;
    const char *value;
};

/* What one ms_store_flush writes. */
struct ms_store_batch {
    const struct ms_call *calls; /* records to insert */
    size_t n_calls;
    const struct ms_pending_op *ops; /* pending changes to apply */
    size_t n_ops;
    struct ms_call_keep keep;               /* the call log's bounds after the insert */
    const struct ms_store_setting *setting; /* NULL: none */
    /* Webhook rows written as they are (the auto-disables of the batch's
     * records, decided by the call-log writer against the cache). */
    const struct ms_webhook *webhooks;
    size_t n_webhooks;
};

/* One transaction: inserts the records, applies the pending changes,
 * writes the setting, trims the call log to keep and saves the webhook
 * rows. 0, or -1 with e set: nothing written in a file; in memory (no
 * rollback journal) the statements before the failing one stay, the
 * webhook rows coming last. */
int ms_store_flush(struct ms_store *s, const struct ms_store_batch *b, struct err *e);

/* Every pending chain, soonest due first (chains whose event is missing are
 * deleted). *out is released with ms_store_pending_free. 0 or -1. */
int ms_store_pending_load(struct ms_store *s, struct ms_pending_row **out, size_t *n);
void ms_store_pending_free(struct ms_pending_row *rows, size_t n);

/* Increments the counter key (created at 1) and returns its new value in
 * *value. 0 or -1. */
int ms_store_meta_bump(struct ms_store *s, const char *key, uint64_t *value);

/* Empties every table but meta (POST /mock/reset): webhooks, calls,
 * events, pending. 0 or -1. */
int ms_store_reset(struct ms_store *s);

#endif
