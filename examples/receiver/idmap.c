/* A chained hash table whose entries are also linked oldest to newest, so
 * evicting the oldest id and removing any id are both O(1) after the
 * lookup. One mutex guards everything: the critical sections are a hash and
 * a short chain walk, far shorter than any network round trip. */
#include "examples/receiver/idmap.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

struct rcv_idmap_entry {
    struct rcv_idmap_entry *chain; /* next entry in the same bucket */
    struct rcv_idmap_entry *older; /* FIFO neighbours */
    struct rcv_idmap_entry *newer;
    unsigned count;
    /* One 64-bit value per entry, whose meaning is the caller's: when
     * inserted for rcv_idmap_insert_expiring (a dedupe cache), the latest
     * value for rcv_idmap_latest (an entity's updated_at). A map is used
     * one way or the other, never both. */
    uint64_t stamp_ms;
    char id[]; /* NUL-terminated */
};

struct rcv_idmap {
    pthread_mutex_t lock;
    struct rcv_idmap_entry **buckets;
    size_t mask; /* bucket count - 1 (a power of two) */
    size_t size;
    size_t capacity;
    struct rcv_idmap_entry *oldest;
    struct rcv_idmap_entry *newest;
};

/* FNV-1a. Ids reach the dedupe map only after their signature is verified,
 * so an outsider cannot fill it with colliding ids; a keyed hash is not
 * needed here. */
static size_t idmap_hash(const char *id)
{
    uint64_t h = 14695981039346656037ull;
    for (const unsigned char *p = (const unsigned char *)id; *p != '\0'; p++) {
        h = (h ^ *p) * 1099511628211ull;
    }
    return (size_t)h;
}

struct rcv_idmap *rcv_idmap_new(size_t capacity)
{
    struct rcv_idmap *m = xcalloc(1, sizeof(*m));
    size_t n = 16;
    /* About one bucket per id keeps chains short at full capacity. */
    while (n < capacity && n < (SIZE_MAX >> 2)) {
        n <<= 1;
    }
    m->buckets = xcalloc(n, sizeof(*m->buckets));
    m->mask = n - 1;
    m->capacity = capacity > 0 ? capacity : 1;
    pthread_mutex_init(&m->lock, NULL);
    return m;
}

void rcv_idmap_free(struct rcv_idmap *m)
{
    if (m == NULL) {
        return;
    }
    struct rcv_idmap_entry *e = m->oldest;
    while (e != NULL) {
        struct rcv_idmap_entry *next = e->newer;
        free(e);
        e = next;
    }
    pthread_mutex_destroy(&m->lock);
    free(m->buckets);
    free(m);
}

/* The slot pointing at id's entry (or at the NULL ending its chain). Called
 * with the lock held. */
static struct rcv_idmap_entry **idmap_slot(struct rcv_idmap *m, const char *id)
{
    struct rcv_idmap_entry **slot = &m->buckets[idmap_hash(id) & m->mask];
    while (*slot != NULL && strcmp((*slot)->id, id) != 0) {
        slot = &(*slot)->chain;
    }
    return slot;
}

/* Unlinks the entry *slot points at from its chain and the FIFO, frees it.
 * Called with the lock held. */
static void idmap_unlink(struct rcv_idmap *m, struct rcv_idmap_entry **slot)
{
    struct rcv_idmap_entry *e = *slot;
    *slot = e->chain;
    if (e->older != NULL) {
        e->older->newer = e->newer;
    } else {
        m->oldest = e->newer;
    }
    if (e->newer != NULL) {
        e->newer->older = e->older;
    } else {
        m->newest = e->older;
    }
    m->size--;
    free(e);
}

/* Adds id at the newest end, evicting the oldest id when full. Called with
 * the lock held, after idmap_slot found no entry. */
static struct rcv_idmap_entry *idmap_add(struct rcv_idmap *m, const char *id)
{
    if (m->size >= m->capacity) {
        idmap_unlink(m, idmap_slot(m, m->oldest->id));
    }
    size_t len = strlen(id);
    struct rcv_idmap_entry *e = xcalloc(1, sizeof(*e) + len + 1);
    memcpy(e->id, id, len + 1);
    struct rcv_idmap_entry **head = &m->buckets[idmap_hash(id) & m->mask];
    e->chain = *head;
    *head = e;
    e->older = m->newest;
    if (m->newest != NULL) {
        m->newest->newer = e;
    } else {
        m->oldest = e;
    }
    m->newest = e;
    m->size++;
    return e;
}

bool rcv_idmap_insert(struct rcv_idmap *m, const char *id)
{
    pthread_mutex_lock(&m->lock);
    /* The check and the insert happen under one lock: this is what makes
     * concurrent copies of one event see exactly one "new". */
    bool fresh = *idmap_slot(m, id) == NULL;
    if (fresh) {
        idmap_add(m, id);
    }
    pthread_mutex_unlock(&m->lock);
    return fresh;
}

bool rcv_idmap_insert_expiring(struct rcv_idmap *m, const char *id, uint64_t now_ms,
                               uint64_t ttl_ms)
{
    pthread_mutex_lock(&m->lock);
    struct rcv_idmap_entry *e = *idmap_slot(m, id);
    bool fresh = e == NULL || now_ms - e->stamp_ms >= ttl_ms;
    if (e == NULL) {
        e = idmap_add(m, id);
    }
    if (fresh) {
        e->stamp_ms = now_ms;
    }
    pthread_mutex_unlock(&m->lock);
    return fresh;
}

bool rcv_idmap_contains(struct rcv_idmap *m, const char *id)
{
    pthread_mutex_lock(&m->lock);
    bool found = *idmap_slot(m, id) != NULL;
    pthread_mutex_unlock(&m->lock);
    return found;
}

void rcv_idmap_remove(struct rcv_idmap *m, const char *id)
{
    pthread_mutex_lock(&m->lock);
    struct rcv_idmap_entry **slot = idmap_slot(m, id);
    if (*slot != NULL) {
        idmap_unlink(m, slot);
    }
    pthread_mutex_unlock(&m->lock);
}

unsigned rcv_idmap_incr(struct rcv_idmap *m, const char *id)
{
    pthread_mutex_lock(&m->lock);
    struct rcv_idmap_entry *e = *idmap_slot(m, id);
    if (e == NULL) {
        e = idmap_add(m, id);
    }
    unsigned count = ++e->count;
    pthread_mutex_unlock(&m->lock);
    return count;
}

unsigned rcv_idmap_get(struct rcv_idmap *m, const char *id)
{
    pthread_mutex_lock(&m->lock);
    struct rcv_idmap_entry *e = *idmap_slot(m, id);
    unsigned count = e != NULL ? e->count : 0;
    pthread_mutex_unlock(&m->lock);
    return count;
}

void rcv_idmap_latest(struct rcv_idmap *m, const char *id, uint64_t value, bool always)
{
    pthread_mutex_lock(&m->lock);
    /* Compare and replace under one lock: two updates of one entity
     * processed at once cannot both read the old value and the older one
     * win. */
    struct rcv_idmap_entry *e = *idmap_slot(m, id);
    if (e == NULL) {
        e = idmap_add(m, id);
        e->stamp_ms = value;
    } else if (always || value > e->stamp_ms) {
        e->stamp_ms = value;
    }
    pthread_mutex_unlock(&m->lock);
}

bool rcv_idmap_value(struct rcv_idmap *m, const char *id, uint64_t *value)
{
    pthread_mutex_lock(&m->lock);
    struct rcv_idmap_entry *e = *idmap_slot(m, id);
    if (e != NULL) {
        *value = e->stamp_ms;
    }
    pthread_mutex_unlock(&m->lock);
    return e != NULL;
}

size_t rcv_idmap_size(struct rcv_idmap *m)
{
    pthread_mutex_lock(&m->lock);
    size_t n = m->size;
    pthread_mutex_unlock(&m->lock);
    return n;
}
