/* The webhook cache's index (see cache_priv.h): entries, the chunks and
 * directories that hold them by creation order and by id, and the lookups
 * and partial copies a put makes. No lock here: the caller holds the
 * cache's write mutex for a put, and readers read immutable snapshots. */
#include <stdlib.h>
#include <string.h>

#include "core/jsonh.h"
#include "core/xalloc.h"
#include "mock_server/cache_priv.h"
#include "mock_server/render.h"

int cache_cmp_id(const void *a, const void *b)
{
    const struct cache_entry *const *x = a;
    const struct cache_entry *const *y = b;
    return strcmp((*x)->hook.id, (*y)->hook.id);
}

struct cache_entry *cache_entry_new(const struct ms_webhook *w)
{
    struct cache_entry *en = xcalloc(1, sizeof(*en));
    json_t *j = ms_render_webhook(w);

    atomic_init(&en->refs, 1);
    en->hook = *w;
    en->json = jsonh_dump(j, &en->json_len);
    json_decref(j);
    return en;
}

void cache_entry_release(struct cache_entry *en)
{
    if (en != NULL && atomic_fetch_sub_explicit(&en->refs, 1, memory_order_acq_rel) == 1) {
        free(en->json);
        free(en);
    }
}

struct cache_chunk *cache_chunk_new(struct cache_entry *const *e, size_t n, bool owns)
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

void cache_chunk_release(struct cache_chunk *ch, bool owns)
{
    if (ch == NULL || atomic_fetch_sub_explicit(&ch->refs, 1, memory_order_acq_rel) != 1) {
        return;
    }
    for (size_t i = 0; owns && i < ch->n; i++) {
        cache_entry_release(ch->e[i]);
    }
    free(ch);
}

void cache_dir_release(struct cache_dir *d, bool owns)
{
    for (size_t i = 0; i < d->n; i++) {
        cache_chunk_release(d->c[i], owns);
    }
    free(d->c);
}

void cache_dir_pack(struct cache_dir *d, struct cache_entry *const *e, size_t n, bool owns)
{
    for (size_t i = 0; i < n; i += CACHE_CHUNK) {
        size_t k = n - i < CACHE_CHUNK ? n - i : CACHE_CHUNK;

        d->c[d->n++] = cache_chunk_new(e + i, k, owns);
    }
}

size_t cache_chunks_for(size_t n)
{
    return (n + CACHE_CHUNK - 1) / CACHE_CHUNK;
}

struct cache_dir cache_dir_share(const struct cache_dir *old, size_t keep, size_t room)
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

struct cache_entry *cache_entry_at(const struct ms_cache_snapshot *snap, size_t i)
{
    return snap->order.c[i / CACHE_CHUNK]->e[i % CACHE_CHUNK];
}

size_t cache_id_chunk(const struct cache_dir *ids, const char *id)
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

size_t cache_id_slot(const struct cache_chunk *ch, const char *id, bool *found)
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

size_t cache_order_index(const struct ms_cache_snapshot *snap, const struct cache_entry *prev)
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

size_t cache_insert_at(const struct ms_cache_snapshot *snap, uint64_t created_ms)
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

struct cache_dir cache_order_put(const struct ms_cache_snapshot *old, size_t at,
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

struct cache_dir cache_ids_put(const struct ms_cache_snapshot *old, struct cache_entry *en)
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

const struct cache_entry *cache_find_entry(const struct ms_cache_snapshot *snap, const char *id)
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
