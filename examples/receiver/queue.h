/* A bounded job queue between the HTTP handlers (producers) and the worker
 * thread (consumer): a ring buffer, a mutex and a condition variable.
 *
 * Bounded on purpose: when the worker falls behind, a full queue makes the
 * receiver answer 503 (the sender retries later) instead of growing without
 * limit. A real receiver would use a durable queue (a table, a broker) so
 * that accepted events survive a restart; the shape of the code is the
 * same. */
#ifndef RECEIVER_QUEUE_H
#define RECEIVER_QUEUE_H

#include <jansson.h>
#include <stddef.h>

#include "examples/receiver/idmap.h"

#define RCV_TOPIC_MAX 64 /* longest topic a job keeps, in bytes */

struct rcv_job {
    char event_id[RCV_ID_MAX + 1];
    /* The topic as the handler found it (a header in Vambe's scheme, not
     * in the body); "" when unknown or longer than RCV_TOPIC_MAX. */
    char topic[RCV_TOPIC_MAX + 1];
    json_t *event; /* the parsed delivery body; may be NULL */
};

struct rcv_queue;

/* capacity >= 1. Never NULL; free with rcv_queue_free, which releases the
 * events of jobs still queued. */
struct rcv_queue *rcv_queue_new(size_t capacity);
void rcv_queue_free(struct rcv_queue *q);

/* Appends a copy of *job. On 0 the queue has taken ownership of
 * job->event; on -1 (full or closed) the caller still owns it. */
int rcv_queue_push(struct rcv_queue *q, const struct rcv_job *job);
/* Waits for the oldest job and moves it into *out (the caller then owns
 * out->event). Returns -1, without waiting, once the queue is closed and
 * empty: jobs queued before the close are still handed out. */
int rcv_queue_pop(struct rcv_queue *q, struct rcv_job *out);
/* Refuses further pushes and wakes every waiting pop. */
void rcv_queue_close(struct rcv_queue *q);
/* Jobs waiting. */
size_t rcv_queue_length(struct rcv_queue *q);

#endif
