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

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonh.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "mock_server/render.h"

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

struct ms_cache {
    pthread_rwlock_t lock; /* guards cur */
    pthread_mutex_t write; /* one refresh or bracketed write at a time */
    struct ms_cache_snapshot *cur;
};

static int cache_cmp_id(const void *a, const void *b)
{
    const struct cache_entry *const *x = a;
    const struct cache_entry *const *y = b;
    return strcmp((*x)->hook.id, (*y)->hook.id);
}

static struct cache_entry *cache_entry_new(const struct ms_webhook *w)
{
    struct cache_entry *en = xcalloc(1, sizeof(*en));
    json_t *j = ms_render_webhook(w);

    atomic_init(&en->refs, 1);
    en->hook = *w;
    en->json = jsonh_dump(j, &en->json_len);
    json_decref(j);
    return en;
}

static void cache_entry_release(struct cache_entry *en)
{
    if (en != NULL && atomic_fetch_sub_explicit(&en->refs, 1, memory_order_acq_rel) == 1) {
        free(en->json);
        free(en);
    }
}

/* A chunk of the n entries at e, one reference held; an order chunk (owns)
 * takes a reference to each entry. */
static struct cache_chunk *cache_chunk_new(struct cache_entry *const *e, size_t n, bool owns)
{
    struct cache_chunk *ch = xcalloc(1, sizeof(*ch));

    atomic_init(&ch->refs, 1);
    ch->n = n;
    memcpy(ch->e, e, n * sizeof(*e));
    for (size_t i = 0; owns && i < n; i++) {
        atomic_fetch_add_explicit(&e[i]->refs, 1, memory_order_relaxed);
    }
    return ch;
}

static void cache_chunk_release(struct cache_chunk *ch, bool owns)
{
    if (ch == NULL || atomic_fetch_sub_explicit(&ch->refs, 1, memory_order_acq_rel) != 1) {
        return;
    }
    for (size_t i = 0; owns && i < ch->n; i++) {
        cache_entry_release(ch->e[i]);
    }
    free(ch);
}

static void cache_dir_release(struct cache_dir *d, bool owns)
{
    for (size_t i = 0; i < d->n; i++) {
        cache_chunk_release(d->c[i], owns);
    }
    free(d->c);
}

/* Splits the n entries at e into chunks of at most CACHE_CHUNK, appended
 * to d (which has room for them). */
static void cache_dir_pack(struct cache_dir *d, struct cache_entry *const *e, size_t n, bool owns)
{
    for (size_t i = 0; i < n; i += CACHE_CHUNK) {
        size_t k = n - i < CACHE_CHUNK ? n - i : CACHE_CHUNK;

        d->c[d->n++] = cache_chunk_new(e + i, k, owns);
    }
}

static size_t cache_chunks_for(size_t n)
{
    return (n + CACHE_CHUNK - 1) / CACHE_CHUNK;
}

/* A directory for up to room chunks holding a reference to old's chunks
 * [0, keep). */
static struct cache_dir cache_dir_share(const struct cache_dir *old, size_t keep, size_t room)
{
    struct cache_dir d;

    d.c = xcalloc(room > 0 ? room : 1, sizeof(*d.c));
    d.n = keep;
    for (size_t i = 0; i < keep; i++) {
        d.c[i] = old->c[i];
        atomic_fetch_add_explicit(&d.c[i]->refs, 1, memory_order_relaxed);
    }
    return d;
}

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

static struct cache_entry *cache_entry_at(const struct ms_cache_snapshot *snap, size_t i)
{
    return snap->order.c[i / CACHE_CHUNK]->e[i % CACHE_CHUNK];
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

/* The id chunk where id is or would go: the first whose last id is not
 * below it, else the last chunk. The directory must not be empty. */
static size_t cache_id_chunk(const struct cache_dir *ids, const char *id)
{
    size_t lo = 0;
    size_t hi = ids->n - 1;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const struct cache_chunk *ch = ids->c[mid];

        if (strcmp(id, ch->e[ch->n - 1]->hook.id) <= 0) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    return lo;
}

/* Index in the chunk where id is or would go; *found when it is there. */
static size_t cache_id_slot(const struct cache_chunk *ch, const char *id, bool *found)
{
    size_t lo = 0;
    size_t hi = ch->n;

    *found = false;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int cmp = strcmp(id, ch->e[mid]->hook.id);

        if (cmp == 0) {
            *found = true;
            return mid;
        }
        if (cmp < 0) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    return lo;
}

/* The creation-order index of prev (a webhook of snap created at
 * created_ms): the order is sorted by creation time, so a binary search
 * finds the first webhook of that millisecond. */
static size_t cache_order_index(const struct ms_cache_snapshot *snap,
                                const struct cache_entry *prev)
{
    size_t lo = 0;
    size_t hi = snap->n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (cache_entry_at(snap, mid)->hook.created_ms < prev->hook.created_ms) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    while (lo < snap->n && cache_entry_at(snap, lo) != prev) {
        lo++;
    }
    return lo;
}

/* Where a new webhook goes in creation order: the store lists by
 * (created_at, rowid), and a new row has the highest rowid, so after every
 * webhook created at the same millisecond or before. */
static size_t cache_insert_at(const struct ms_cache_snapshot *snap, uint64_t created_ms)
{
    size_t lo = 0;
    size_t hi = snap->n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (cache_entry_at(snap, mid)->hook.created_ms <= created_ms) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

/* The order directory of old with the entry at index at replaced by en
 * (replace) or en inserted before it. Chunks before the one that changes
 * are shared; from there on the entries are repacked (only the last chunk
 * for an append, the usual case). */
static struct cache_dir cache_order_put(const struct ms_cache_snapshot *old, size_t at,
                                        struct cache_entry *en, bool replace)
{
    size_t first = at / CACHE_CHUNK;
    size_t n = old->n + (replace ? 0 : 1);
    size_t tail = n - first * CACHE_CHUNK;
    struct cache_entry **e = xcalloc(tail, sizeof(*e));
    struct cache_dir d = cache_dir_share(&old->order, first, cache_chunks_for(n));
    size_t k = 0;

    for (size_t i = first * CACHE_CHUNK; i < old->n; i++) {
        if (i == at) {
            e[k++] = en;
            if (replace) {
                continue;
            }
        }
        e[k++] = cache_entry_at(old, i);
    }
    if (at == old->n) {
        e[k++] = en;
    }
    cache_dir_pack(&d, e, tail, true);
    free(e);
    return d;
}

/* The id directory of old with en put in: the one chunk it goes in is
 * cloned with en replacing its old version or inserted, and split in two
 * halves when it was full. */
static struct cache_dir cache_ids_put(const struct ms_cache_snapshot *old, struct cache_entry *en)
{
    const struct cache_dir *ids = &old->ids;
    struct cache_entry *e[CACHE_CHUNK + 1];
    struct cache_dir d;
    const struct cache_chunk *ch;
    size_t k;
    size_t slot;
    size_t n;
    bool found = false;

    if (ids->n == 0) {
        d = cache_dir_share(ids, 0, 1);
        cache_dir_pack(&d, &en, 1, false);
        return d;
    }
    k = cache_id_chunk(ids, en->hook.id);
    ch = ids->c[k];
    slot = cache_id_slot(ch, en->hook.id, &found);
    n = ch->n;
    memcpy(e, ch->e, slot * sizeof(*e));
    e[slot] = en;
    if (found) {
        memcpy(e + slot + 1, ch->e + slot + 1, (n - slot - 1) * sizeof(*e));
    } else {
        memcpy(e + slot + 1, ch->e + slot, (n - slot) * sizeof(*e));
        n++;
    }
    d = cache_dir_share(ids, k, ids->n + 1);
    if (n > CACHE_CHUNK) {
        d.c[d.n++] = cache_chunk_new(e, n / 2, false);
        d.c[d.n++] = cache_chunk_new(e + n / 2, n - n / 2, false);
    } else {
        d.c[d.n++] = cache_chunk_new(e, n, false);
    }
    for (size_t i = k + 1; i < ids->n; i++) {
        d.c[d.n] = ids->c[i];
        atomic_fetch_add_explicit(&d.c[d.n]->refs, 1, memory_order_relaxed);
        d.n++;
    }
    return d;
}

static const struct cache_entry *cache_find_entry(const struct ms_cache_snapshot *snap,
                                                  const char *id);

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

static const struct cache_entry *cache_find_entry(const struct ms_cache_snapshot *snap,
                                                  const char *id)
{
    const struct cache_chunk *ch;
    bool found = false;
    size_t slot;

    if (snap->n == 0 || id == NULL) {
        return NULL;
    }
    ch = snap->ids.c[cache_id_chunk(&snap->ids, id)];
    slot = cache_id_slot(ch, id, &found);
    return found ? ch->e[slot] : NULL;
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
