/* The webhook cache: reference-counted snapshots swapped under a rwlock.
 *
 * Readers take the read lock only long enough to take a reference (one
 * atomic increment), then copy from the snapshot without any lock; the
 * snapshot is freed by whoever drops the last reference. A refresh builds
 * the new snapshot outside the rwlock and holds the write lock only for the
 * pointer swap, so readers never wait on SQLite or on JSON building.
 *
 * Each webhook and its serialised JSON live in an entry of their own,
 * reference-counted and shared by every snapshot that holds that version
 * of the webhook: a put renders only the webhook that changed and copies
 * the other entries' pointers. The two list bodies are joined from the
 * entries' JSON on the first list read of a snapshot, so a burst of writes
 * does not join the list once per write. */
#include "mock_server/cache.h"
#include "mock_server/cache_priv.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonh.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "mock_server/render.h"

struct ms_cache {
    pthread_rwlock_t lock; /* guards cur */
    pthread_mutex_t write; /* one refresh or bracketed write at a time */
    struct ms_cache_snapshot *cur;
};

static void cache_snapshot_free(struct ms_cache_snapshot *snap)
{
    if (snap == NULL) {
        return;
    }
    cache_dir_release(&snap->ids, false);
    cache_dir_release(&snap->order, true);
    free(snap->list_all);
    free(snap->list_live);
    pthread_mutex_destroy(&snap->lists_lock);
    free(snap);
}

/* A snapshot of n webhooks with its directories to fill, one reference held. */
static struct ms_cache_snapshot *cache_snapshot_alloc(size_t n)
{
    struct ms_cache_snapshot *snap = xcalloc(1, sizeof(*snap));

    atomic_init(&snap->refs, 1);
    atomic_init(&snap->lists_ready, false);
    pthread_mutex_init(&snap->lists_lock, NULL);
    snap->n = n;
    return snap;
}

/* Joins the serialised objects selected by live_only into "[a,b,...]". */
static char *cache_join(const struct ms_cache_snapshot *snap, bool live_only, size_t *len)
{
    size_t total = 2;
    size_t used = 0;
    char *out;

    for (size_t i = 0; i < snap->n; i++) {
        total += cache_entry_at(snap, i)->json_len + 1;
    }
    out = xmalloc(total + 1);
    out[used++] = '[';
    for (size_t i = 0; i < snap->n; i++) {
        const struct cache_entry *en = cache_entry_at(snap, i);

        if (live_only && en->hook.deleted_ms != 0) {
            continue;
        }
        if (used > 1) {
            out[used++] = ',';
        }
        memcpy(out + used, en->json, en->json_len);
        used += en->json_len;
    }
    out[used++] = ']';
    out[used] = '\0';
    *len = used;
    return out;
}

/* Builds the list bodies of snap unless another reader already has. */
static void cache_lists_ready(struct ms_cache_snapshot *snap)
{
    if (atomic_load_explicit(&snap->lists_ready, memory_order_acquire)) {
        return;
    }
    pthread_mutex_lock(&snap->lists_lock);
    if (!atomic_load_explicit(&snap->lists_ready, memory_order_relaxed)) {
        snap->list_all = cache_join(snap, false, &snap->list_all_len);
        snap->list_live = cache_join(snap, true, &snap->list_live_len);
        atomic_store_explicit(&snap->lists_ready, true, memory_order_release);
    }
    pthread_mutex_unlock(&snap->lists_lock);
}

/* Builds a snapshot of every webhook; takes ownership of hooks (an array of
 * n, copied into entries and freed). */
static struct ms_cache_snapshot *cache_snapshot_build(struct ms_webhook *hooks, size_t n)
{
    struct ms_cache_snapshot *snap = cache_snapshot_alloc(n);
    struct cache_entry **e = xcalloc(n > 0 ? n : 1, sizeof(*e));
    size_t nc = cache_chunks_for(n);

    for (size_t i = 0; i < n; i++) {
        e[i] = cache_entry_new(&hooks[i]);
    }
    free(hooks);
    snap->order.c = xcalloc(nc > 0 ? nc : 1, sizeof(*snap->order.c));
    snap->ids.c = xcalloc(nc > 0 ? nc : 1, sizeof(*snap->ids.c));
    cache_dir_pack(&snap->order, e, n, true);
    /* The order chunks hold the entries now: drop the creation reference. */
    for (size_t i = 0; i < n; i++) {
        cache_entry_release(e[i]);
    }
    if (n > 1) {
        qsort(e, n, sizeof(*e), cache_cmp_id);
    }
    cache_dir_pack(&snap->ids, e, n, false);
    free(e);
    return snap;
}

/* Publishes fresh as the current snapshot and drops the cache's reference
 * to the previous one. */
static void cache_publish(struct ms_cache *c, struct ms_cache_snapshot *fresh)
{
    struct ms_cache_snapshot *old;

    pthread_rwlock_wrlock(&c->lock);
    old = c->cur;
    c->cur = fresh;
    pthread_rwlock_unlock(&c->lock);
    ms_cache_release(old);
}

struct ms_cache *ms_cache_new(void)
{
    struct ms_cache *c = xcalloc(1, sizeof(*c));

    pthread_rwlock_init(&c->lock, NULL);
    pthread_mutex_init(&c->write, NULL);
    c->cur = cache_snapshot_build(NULL, 0);
    return c;
}

void ms_cache_free(struct ms_cache *c)
{
    if (c == NULL) {
        return;
    }
    ms_cache_release(c->cur);
    pthread_rwlock_destroy(&c->lock);
    pthread_mutex_destroy(&c->write);
    free(c);
}

int ms_cache_refresh(struct ms_cache *c, struct ms_store *store)
{
    struct ms_webhook *hooks = NULL;
    size_t n = 0;

    /* Reading the store and publishing happen under one mutex: a refresh
     * that read older data can never publish after one that read newer. */
    pthread_mutex_lock(&c->write);
    if (ms_store_webhook_list(store, &hooks, &n) != 0) {
        pthread_mutex_unlock(&c->write);
        log_error("cache: cannot read the webhooks; the API keeps serving the previous list");
        return -1;
    }
    cache_publish(c, cache_snapshot_build(hooks, n));
    pthread_mutex_unlock(&c->write);
    return 0;
}

void ms_cache_write_begin(struct ms_cache *c)
{
    pthread_mutex_lock(&c->write);
}

void ms_cache_write_end(struct ms_cache *c)
{
    pthread_mutex_unlock(&c->write);
}

void ms_cache_put(struct ms_cache *c, const struct ms_webhook *w)
{
    /* Only writers change cur, and the caller holds the write mutex, so cur
     * can be read here without the rwlock. */
    const struct ms_cache_snapshot *old = c->cur;
    const struct cache_entry *prev = cache_find_entry(old, w->id);
    struct cache_entry *en = cache_entry_new(w);
    struct ms_cache_snapshot *fresh;

    if (prev != NULL) {
        /* A change to a known webhook keeps its place (created_ms never
         * changes); only its entry is replaced. */
        fresh = cache_snapshot_alloc(old->n);
        fresh->order = cache_order_put(old, cache_order_index(old, prev), en, true);
    } else {
        fresh = cache_snapshot_alloc(old->n + 1);
        fresh->order = cache_order_put(old, cache_insert_at(old, w->created_ms), en, false);
    }
    fresh->ids = cache_ids_put(old, en);
    /* The order chunks hold en now: drop the creation reference. */
    cache_entry_release(en);
    cache_publish(c, fresh);
}

const struct ms_cache_snapshot *ms_cache_acquire(struct ms_cache *c)
{
    struct ms_cache_snapshot *snap;

    pthread_rwlock_rdlock(&c->lock);
    snap = c->cur;
    atomic_fetch_add_explicit(&snap->refs, 1, memory_order_relaxed);
    pthread_rwlock_unlock(&c->lock);
    return snap;
}

void ms_cache_release(const struct ms_cache_snapshot *snap)
{
    /* The snapshot is immutable except for its count and its lazily built
     * lists, which is why a const pointer may drop the last reference and
     * free it. */
    struct ms_cache_snapshot *s = (struct ms_cache_snapshot *)snap;

    if (s == NULL) {
        return;
    }
    if (atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) == 1) {
        cache_snapshot_free(s);
    }
}

size_t ms_cache_count(const struct ms_cache_snapshot *snap)
{
    return snap->n;
}

const struct ms_webhook *ms_cache_at(const struct ms_cache_snapshot *snap, size_t i)
{
    return i < snap->n ? &cache_entry_at(snap, i)->hook : NULL;
}

const struct ms_webhook *ms_cache_find(const struct ms_cache_snapshot *snap, const char *id)
{
    const struct cache_entry *en = cache_find_entry(snap, id);

    return en != NULL ? &en->hook : NULL;
}

static char *cache_copy(const char *src, size_t len, size_t *out_len)
{
    char *out = xmalloc(len + 1);

    memcpy(out, src, len);
    out[len] = '\0';
    *out_len = len;
    return out;
}

char *ms_cache_list_json(struct ms_cache *c, bool include_deleted, size_t *len)
{
    const struct ms_cache_snapshot *snap = ms_cache_acquire(c);
    char *out;

    /* Building the lists is the one change a reader makes to a snapshot. */
    cache_lists_ready((struct ms_cache_snapshot *)snap);
    out = include_deleted ? cache_copy(snap->list_all, snap->list_all_len, len)
                          : cache_copy(snap->list_live, snap->list_live_len, len);
    ms_cache_release(snap);
    return out;
}

char *ms_cache_webhook_json(struct ms_cache *c, const char *id, size_t *len)
{
    const struct ms_cache_snapshot *snap = ms_cache_acquire(c);
    const struct cache_entry *en = cache_find_entry(snap, id);
    char *out = NULL;

    if (en != NULL) {
        out = cache_copy(en->json, en->json_len, len);
    }
    ms_cache_release(snap);
    return out;
}
