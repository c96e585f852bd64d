/* Internal to the webhook cache (cache.c, cache_index.c): the snapshot's
 * layout and its index, the chunked directories by creation order and by
 * id that a put copies in part instead of whole. */
#ifndef MOCK_SERVER_CACHE_PRIV_H
#define MOCK_SERVER_CACHE_PRIV_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mock_server/cache.h"
#include "mock_server/store.h"

/* One version of one webhook, immutable once built. Its count is the number
 * of order chunks holding it. */
struct cache_entry {
    atomic_uint refs;
    struct ms_webhook hook;
    char *json; /* serialises hook */
    size_t json_len;
};

/* Snapshots hold their entries in chunks, immutable once published and
 * shared by every snapshot that has the same run of entries: a put copies
 * the chunk pointers (n / CACHE_CHUNK of them) and clones the one or two
 * chunks that change, instead of taking a reference to every entry (at
 * 20 000 webhooks, per-entry counts were most of a create's CPU). 256
 * measured a little faster than 64 under creates up to 100 000 webhooks:
 * fewer chunk counts to copy against larger clones. */
#define CACHE_CHUNK 256

struct cache_chunk {
    atomic_uint refs;
    size_t n;
    struct cache_entry *e[CACHE_CHUNK];
};

/* A list of chunks. In creation order every chunk but the last is full, so
 * the i-th webhook is at i / CACHE_CHUNK; by id the chunks hold 1 to
 * CACHE_CHUNK entries each, sorted within and across chunks. */
struct cache_dir {
    struct cache_chunk **c;
    size_t n;
};

struct ms_cache_snapshot {
    atomic_uint refs;
    size_t n;
    struct cache_dir order; /* creation order; its chunks own the entries */
    struct cache_dir ids;   /* sorted by id, for lookups; borrows the entries */
    /* Built once, on the first list read: lists_ready is set (release) after
     * both are written, under lists_lock. */
    pthread_mutex_t lists_lock;
    atomic_bool lists_ready;
    char *list_all; /* every webhook */
    size_t list_all_len;
    char *list_live; /* without the deleted ones */
    size_t list_live_len;
};

int cache_cmp_id(const void *a, const void *b);
struct cache_entry *cache_entry_new(const struct ms_webhook *w);
void cache_entry_release(struct cache_entry *en);
/* A chunk of the n entries at e, one reference held; an order chunk (owns)
 * takes a reference to each entry. */
struct cache_chunk *cache_chunk_new(struct cache_entry *const *e, size_t n, bool owns);
void cache_chunk_release(struct cache_chunk *ch, bool owns);
void cache_dir_release(struct cache_dir *d, bool owns);
/* Splits the n entries at e into chunks of at most CACHE_CHUNK, appended
 * to d (which has room for them). */
void cache_dir_pack(struct cache_dir *d, struct cache_entry *const *e, size_t n, bool owns);
size_t cache_chunks_for(size_t n);
/* A directory for up to room chunks holding a reference to old's chunks
 * [0, keep). */
struct cache_dir cache_dir_share(const struct cache_dir *old, size_t keep, size_t room);
struct cache_entry *cache_entry_at(const struct ms_cache_snapshot *snap, size_t i);
/* The id chunk where id is or would go: the first whose last id is not
 * below it, else the last chunk. The directory must not be empty. */
size_t cache_id_chunk(const struct cache_dir *ids, const char *id);
/* Index in the chunk where id is or would go; *found when it is there. */
size_t cache_id_slot(const struct cache_chunk *ch, const char *id, bool *found);
/* The creation-order index of prev (a webhook of snap created at
 * created_ms): the order is sorted by creation time, so a binary search
 * finds the first webhook of that millisecond. */
size_t cache_order_index(const struct ms_cache_snapshot *snap, const struct cache_entry *prev);
/* Where a new webhook goes in creation order: the store lists by
 * (created_at, rowid), and a new row has the highest rowid, so after every
 * webhook created at the same millisecond or before. */
size_t cache_insert_at(const struct ms_cache_snapshot *snap, uint64_t created_ms);
/* The order directory of old with the entry at index at replaced by en
 * (replace) or en inserted before it. Chunks before the one that changes
 * are shared; from there on the entries are repacked (only the last chunk
 * for an append, the usual case). */
struct cache_dir cache_order_put(const struct ms_cache_snapshot *old, size_t at,
                                 struct cache_entry *en, bool replace);
/* The id directory of old with en put in: the one chunk it goes in is
 * cloned with en replacing its old version or inserted, and split in two
 * halves when it was full. */
struct cache_dir cache_ids_put(const struct ms_cache_snapshot *old, struct cache_entry *en);
const struct cache_entry *cache_find_entry(const struct ms_cache_snapshot *snap, const char *id);

#endif
