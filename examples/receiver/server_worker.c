/* The receiver's worker: what happens to an accepted event after the
 * sender has its answer. The handlers (server.c) hand events over through
 * the bounded queue; one thread takes them in order and does the work. */
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "core/clock.h"
#include "core/log.h"
#include "examples/receiver/flaw.h"
#include "examples/receiver/queue.h"
#include "examples/receiver/server_priv.h"

void rcv_server_process(struct rcv_server *s, const char *event_id, uint64_t work_ms)
{
    if ((s->flaws & RCV_FLAW_ACK_BEFORE_DURABLE) && work_ms < RCV_FLAW_DURABLE_LAG_MS) {
        /* FLAW ack-before-durable: the job (a queue consumer, an async
         * task) takes a while to get to the event, and only then is the
         * event written down (rcv_server_state_processed): a crash in
         * between loses it. */
        work_ms = RCV_FLAW_DURABLE_LAG_MS;
    }
    /* A sleep stands in for what your code does (write to your database,
     * call another service); the count is the side effect the harness's
     * probe observes. */
    clock_sleep_us(work_ms * 1000u);
    unsigned n = rcv_idmap_incr(s->processed, event_id);
    rcv_server_state_processed(s, event_id);
    log_debug("processed %s (%u time%s)", event_id, n, n == 1 ? "" : "s");
}

void *rcv_server_worker(void *arg)
{
    struct rcv_server *s = arg;
    struct rcv_job job;
    bool poisoned = false;
    while (rcv_queue_pop(s->queue, &job) == 0) {
        if ((s->flaws & RCV_FLAW_BLANK_ID_POISONS) && (poisoned || job.event_id[0] == '\0')) {
            /* FLAW blank-id-poisons: the job without an id throws, and the
             * consumer retries it forever at the head of the queue: every
             * event accepted after it waits, never processed. */
            poisoned = true;
        } else {
            rcv_server_process(s, job.event_id, s->work_ms);
        }
        json_decref(job.event);
    }
    return NULL;
}

int rcv_server_enqueue(struct rcv_server *s, const char *event_id, json_t **event)
{
    struct rcv_job job = {.event = event != NULL ? *event : NULL};
    snprintf(job.event_id, sizeof(job.event_id), "%s", event_id);
    if (rcv_queue_push(s->queue, &job) != 0) {
        return -1;
    }
    if (event != NULL) {
        *event = NULL;
    }
    return 0;
}
