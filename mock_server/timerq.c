/* A binary min-heap ordered by (due time, push sequence). */
#include "mock_server/timerq.h"

#include <stdlib.h>

#include "core/xalloc.h"

#define TIMERQ_FIRST_CAP 64

struct timerq_entry {
    uint64_t due_us;
    uint64_t seq; /* ties: first pushed, first out */
    void *item;
};

struct ms_timerq {
    struct timerq_entry *e;
    size_t n;
    size_t cap;
    uint64_t next_seq;
};

static int timerq_less(const struct timerq_entry *a, const struct timerq_entry *b)
{
    return a->due_us < b->due_us || (a->due_us == b->due_us && a->seq < b->seq);
}

struct ms_timerq *ms_timerq_new(void)
{
    return xcalloc(1, sizeof(struct ms_timerq));
}

void ms_timerq_free(struct ms_timerq *q)
{
    if (q == NULL) {
        return;
    }
    free(q->e);
    free(q);
}

void ms_timerq_push(struct ms_timerq *q, uint64_t due_us, void *item)
{
    size_t i;

    q->e = xgrow(q->e, &q->cap, q->n + 1, TIMERQ_FIRST_CAP, sizeof(*q->e));
    i = q->n++;
    q->e[i] = (struct timerq_entry){due_us, q->next_seq++, item};
    /* Sift up. */
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        struct timerq_entry tmp;

        if (!timerq_less(&q->e[i], &q->e[parent])) {
            break;
        }
        tmp = q->e[i];
        q->e[i] = q->e[parent];
        q->e[parent] = tmp;
        i = parent;
    }
}

void *ms_timerq_peek(const struct ms_timerq *q, uint64_t *due_us)
{
    if (q->n == 0) {
        return NULL;
    }
    if (due_us != NULL) {
        *due_us = q->e[0].due_us;
    }
    return q->e[0].item;
}

void *ms_timerq_pop(struct ms_timerq *q)
{
    void *item;
    size_t i = 0;

    if (q->n == 0) {
        return NULL;
    }
    item = q->e[0].item;
    q->e[0] = q->e[--q->n];
    /* Sift down. */
    for (;;) {
        size_t l = 2 * i + 1;
        size_t r = l + 1;
        size_t m = i;
        struct timerq_entry tmp;

        if (l < q->n && timerq_less(&q->e[l], &q->e[m])) {
            m = l;
        }
        if (r < q->n && timerq_less(&q->e[r], &q->e[m])) {
            m = r;
        }
        if (m == i) {
            break;
        }
        tmp = q->e[i];
        q->e[i] = q->e[m];
        q->e[m] = tmp;
        i = m;
    }
    return item;
}

size_t ms_timerq_size(const struct ms_timerq *q)
{
    return q->n;
}
