/* The webhook cache: an immutable, reference-counted snapshot of every
 * webhook, with its JSON already serialised, rebuilt from the store each
 * time a webhook changes.
 *
 * Why: GET /api/webhooks is the mock's hottest read (clients poll it) and
 * must run near the HTTP library's own speed. With the snapshot a read is a
 * pointer lookup and a memcpy: no SQLite, no JSON building, no lock held
 * while the reply is sent. Writers pay instead, but only for what changed:
 * a change to one webhook renders that webhook alone and shares the others'
 * JSON with the previous snapshot; the list bodies are joined again on the
 * first list read after a change.
 *
 * Whoever changes one webhook in the store (the API on create, update,
 * delete and restore; the call-log writer when it writes an auto-disable) does
 * so between ms_cache_write_begin and ms_cache_write_end and hands the row
 * it wrote to ms_cache_put, so the next read sees the change. Changes that
 * touch every webhook (start-up, reset) call ms_cache_refresh instead.
 *
 * All functions are safe from any thread. */
#ifndef MOCK_SERVER_CACHE_H
#define MOCK_SERVER_CACHE_H

#include <stdbool.h>
#include <stddef.h>

#include "mock_server/store.h"

struct ms_cache;
struct ms_cache_snapshot;

/* An empty cache (ms_cache_refresh fills it). Freed with ms_cache_free. */
struct ms_cache *ms_cache_new(void);
/* Frees the cache; snapshots still acquired stay valid until released.
 * NULL ok. */
void ms_cache_free(struct ms_cache *c);

/* Reads every webhook from the store and publishes a new snapshot.
 * Refreshes are serialised, so the snapshot published last is never older
 * than one published before it. 0, or -1 when the store failed (the old
 * snapshot stays). */
int ms_cache_refresh(struct ms_cache *c, struct ms_store *store);

/* Bracket a write of one webhook to the store and its ms_cache_put: the
 * cache then applies changes in the order the store made them (two creates
 * in the same millisecond keep the store's order; an older version of a
 * webhook never replaces a newer one). Between the two, no ms_cache_refresh
 * from the same thread. */
void ms_cache_write_begin(struct ms_cache *c);
void ms_cache_write_end(struct ms_cache *c);
/* Publishes a new snapshot in which w (a copy of the row just written;
 * creation, or any change that keeps its id and created_ms) replaces the
 * webhook with its id, or is added in creation order. Only w is rendered.
 * Called between ms_cache_write_begin and ms_cache_write_end. */
void ms_cache_put(struct ms_cache *c, const struct ms_webhook *w);

/* The serialised JSON array of webhooks (creation order), deleted ones
 * included or not: a new malloc'd, NUL-terminated copy the caller frees
 * (handed as is to the HTTP server, which frees it). */
char *ms_cache_list_json(struct ms_cache *c, bool include_deleted, size_t *len);
/* The serialised webhook object with this id, as above; NULL when unknown. */
char *ms_cache_webhook_json(struct ms_cache *c, const char *id, size_t *len);

/* For readers that need the records (the delivery engine): the current
 * snapshot, held until ms_cache_release. Never NULL. */
const struct ms_cache_snapshot *ms_cache_acquire(struct ms_cache *c);
void ms_cache_release(const struct ms_cache_snapshot *snap);
/* Number of webhooks in a snapshot, deleted ones included. */
size_t ms_cache_count(const struct ms_cache_snapshot *snap);
/* The i-th webhook in creation order; NULL when out of range. Borrowed from
 * the snapshot. */
const struct ms_webhook *ms_cache_at(const struct ms_cache_snapshot *snap, size_t i);
/* The webhook with this id; NULL when unknown. Borrowed from the snapshot. */
const struct ms_webhook *ms_cache_find(const struct ms_cache_snapshot *snap, const char *id);

#endif
