/* The bounded job queue: a ring buffer under one mutex; the worker sleeps
 * on a condition variable while it is empty. */
#include "examples/receiver/queue.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "core/xalloc.h"

struct rcv_queue {
    pthread_mutex_t lock;
    pthread_cond_t nonempty;
    struct rcv_job *ring;
    size_t capacity;
    size_t head; /* index of the oldest job */
    size_t length;
    bool closed;
};

struct rcv_queue *rcv_queue_new(size_t capacity)
{
    struct rcv_queue *q = xcalloc(1, sizeof(*q));
    q->capacity = capacity > 0 ? capacity : 1;
    q->ring = xcalloc(q->capacity, sizeof(*q->ring));
    pthread_mutex_init(&q->lock, NULL);
    pthread_cond_init(&q->nonempty, NULL);
    return q;
}

void rcv_queue_free(struct rcv_queue *q)
{
    if (q == NULL) {
        return;
    }
    for (size_t i = 0; i < q->length; i++) {
        json_decref(q->ring[(q->head + i) % q->capacity].event);
    }
    pthread_cond_destroy(&q->nonempty);
    pthread_mutex_destroy(&q->lock);
    free(q->ring);
    free(q);
}

int rcv_queue_push(struct rcv_queue *q, const struct rcv_job *job)
{
    int rc = -1;
    pthread_mutex_lock(&q->lock);
    if (!q->closed && q->length < q->capacity) {
        q->ring[(q->head + q->length) % q->capacity] = *job;
        q->length++;
        pthread_cond_signal(&q->nonempty);
        rc = 0;
    }
    pthread_mutex_unlock(&q->lock);
    return rc;
}

int rcv_queue_pop(struct rcv_queue *q, struct rcv_job *out)
{
    int rc = -1;
    pthread_mutex_lock(&q->lock);
    while (q->length == 0 && !q->closed) {
        pthread_cond_wait(&q->nonempty, &q->lock);
    }
    if (q->length > 0) {
        *out = q->ring[q->head];
        q->ring[q->head].event = NULL;
        q->head = (q->head + 1) % q->capacity;
        q->length--;
        rc = 0;
    }
    pthread_mutex_unlock(&q->lock);
    return rc;
}

void rcv_queue_close(struct rcv_queue *q)
{
    pthread_mutex_lock(&q->lock);
    q->closed = true;
    pthread_cond_broadcast(&q->nonempty);
    pthread_mutex_unlock(&q->lock);
}

size_t rcv_queue_length(struct rcv_queue *q)
{
    pthread_mutex_lock(&q->lock);
    size_t n = q->length;
    pthread_mutex_unlock(&q->lock);
    return n;
}
