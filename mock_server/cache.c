/* The webhook cache: reference-counted snapshots swapped under a rwlock.
 *
 * Readers take the read lock only long enough to take a reference (one
 * atomic increment), then copy from the snapshot without any lock; the
 * snapshot is freed by whoever drops the last reference. A refresh builds
 * the new snapshot outside the rwlock and holds the write lock only for the
 * pointer swap, so readers never wait on SQLite or on JSON building. */
#include "mock_server/cache.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonh.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "mock_server/render.h"

struct ms_cache_snapshot {
    atomic_uint refs;
    struct ms_webhook *hooks; /* creation order */
    size_t n;
    const struct ms_webhook **by_id; /* sorted by id, for lookups */
    char **json;                     /* json[i] serialises hooks[i] */
    size_t *json_len;
    char *list_all; /* every webhook */
    size_t list_all_len;
    char *list_live; /* without the deleted ones */
    size_t list_live_len;
};

struct ms_cache {
    pthread_rwlock_t lock;   /* guards cur */
    pthread_mutex_t refresh; /* one refresh at a time */
    struct ms_cache_snapshot *cur;
};

static int cache_cmp_id(const void *a, const void *b)
{
    const struct ms_webhook *const *x = a;
    const struct ms_webhook *const *y = b;
    return strcmp((*x)->id, (*y)->id);
}

static int cache_cmp_key(const void *key, const void *elem)
{
    const struct ms_webhook *const *y = elem;
    return strcmp(key, (*y)->id);
}

static void cache_snapshot_free(struct ms_cache_snapshot *snap)
{
    if (snap == NULL) {
        return;
    }
    for (size_t i = 0; i < snap->n; i++) {
        free(snap->json[i]);
    }
    free(snap->json);
    free(snap->json_len);
    free(snap->by_id);
    free(snap->hooks);
    free(snap->list_all);
    free(snap->list_live);
    free(snap);
}

/* Joins the serialised objects selected by live_only into "[a,b,...]". */
static char *cache_join(const struct ms_cache_snapshot *snap, bool live_only, size_t *len)
{
    size_t total = 2;
    size_t used = 0;
    char *out;

    for (size_t i = 0; i < snap->n; i++) {
        total += snap->json_len[i] + 1;
    }
    out = xmalloc(total + 1);
    out[used++] = '[';
    for (size_t i = 0; i < snap->n; i++) {
        if (live_only && snap->hooks[i].deleted_ms != 0) {
            continue;
        }
        if (used > 1) {
            out[used++] = ',';
        }
        memcpy(out + used, snap->json[i], snap->json_len[i]);
        used += snap->json_len[i];
    }
    out[used++] = ']';
    out[used] = '\0';
    *len = used;
    return out;
}

/* Builds a snapshot; takes ownership of hooks (an array of n). */
static struct ms_cache_snapshot *cache_snapshot_build(struct ms_webhook *hooks, size_t n)
{
    struct ms_cache_snapshot *snap = xcalloc(1, sizeof(*snap));

    atomic_init(&snap->refs, 1);
    snap->hooks = hooks;
    snap->n = n;
    snap->by_id = xcalloc(n > 0 ? n : 1, sizeof(*snap->by_id));
    snap->json = xcalloc(n > 0 ? n : 1, sizeof(*snap->json));
    snap->json_len = xcalloc(n > 0 ? n : 1, sizeof(*snap->json_len));
    for (size_t i = 0; i < n; i++) {
        json_t *j = ms_render_webhook(&hooks[i]);
        snap->json[i] = jsonh_dump(j, &snap->json_len[i]);
        json_decref(j);
        snap->by_id[i] = &hooks[i];
    }
    if (n > 1) {
        qsort(snap->by_id, n, sizeof(*snap->by_id), cache_cmp_id);
    }
    snap->list_all = cache_join(snap, false, &snap->list_all_len);
    snap->list_live = cache_join(snap, true, &snap->list_live_len);
    return snap;
}

struct ms_cache *ms_cache_new(void)
{
    struct ms_cache *c = xcalloc(1, sizeof(*c));

    pthread_rwlock_init(&c->lock, NULL);
    pthread_mutex_init(&c->refresh, NULL);
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
    pthread_mutex_destroy(&c->refresh);
    free(c);
}

int ms_cache_refresh(struct ms_cache *c, struct ms_store *store)
{
    struct ms_webhook *hooks = NULL;
    struct ms_cache_snapshot *fresh;
    struct ms_cache_snapshot *old;
    size_t n = 0;

    /* Reading the store and publishing happen under one mutex: a refresh
     * that read older data can never publish after one that read newer. */
    pthread_mutex_lock(&c->refresh);
    if (ms_store_webhook_list(store, &hooks, &n) != 0) {
        pthread_mutex_unlock(&c->refresh);
        log_error("cache: cannot read the webhooks; the API keeps serving the previous list");
        return -1;
    }
    fresh = cache_snapshot_build(hooks, n);
    pthread_rwlock_wrlock(&c->lock);
    old = c->cur;
    c->cur = fresh;
    pthread_rwlock_unlock(&c->lock);
    pthread_mutex_unlock(&c->refresh);
    ms_cache_release(old);
    return 0;
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
    /* The snapshot is immutable except for its count, which is why a const
     * pointer may drop the last reference and free it. */
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
    return i < snap->n ? &snap->hooks[i] : NULL;
}

const struct ms_webhook *ms_cache_find(const struct ms_cache_snapshot *snap, const char *id)
{
    const struct ms_webhook *const *hit;

    if (snap->n == 0 || id == NULL) {
        return NULL;
    }
    hit = bsearch(id, snap->by_id, snap->n, sizeof(*snap->by_id), cache_cmp_key);
    return hit != NULL ? *hit : NULL;
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
    char *out = include_deleted ? cache_copy(snap->list_all, snap->list_all_len, len)
                                : cache_copy(snap->list_live, snap->list_live_len, len);

    ms_cache_release(snap);
    return out;
}

char *ms_cache_webhook_json(struct ms_cache *c, const char *id, size_t *len)
{
    const struct ms_cache_snapshot *snap = ms_cache_acquire(c);
    const struct ms_webhook *w = ms_cache_find(snap, id);
    char *out = NULL;

    if (w != NULL) {
        size_t i = (size_t)(w - snap->hooks);
        out = cache_copy(snap->json[i], snap->json_len[i], len);
    }
    ms_cache_release(snap);
    return out;
}
