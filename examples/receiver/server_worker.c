/* The receiver's worker: what happens to an accepted event after the
 * sender has its answer. The handlers (server.c) hand events over through
 * the bounded queue, and so does a start with --state for the events its
 * journal holds accepted but not processed; one thread takes them in order
 * and does the work. */
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "examples/receiver/flaw.h"
#include "examples/receiver/idmap.h"
#include "examples/receiver/parents.h"
#include "examples/receiver/queue.h"
#include "examples/receiver/server_priv.h"

/* Keeps the latest updated_at of the contact or ticket the event is about
 * (s->entities, which the entities probe reports). An update carries the
 * entity's whole state as of its updated_at, and a sender does not promise
 * order: a late retry of an earlier update can come after a newer one.
 * Applying it only when it is newer than what is held (in SQL: UPDATE ...
 * WHERE updated_at < $new) keeps the newest state whatever the order. An
 * event without the entity's id or a readable updated_at (data.updated_at,
 * legacy data.updatedAt) changes nothing. Returns the entity's id (in
 * event) with *at_ms, or NULL when nothing changed. */
static const char *worker_note_entity(struct rcv_server *s, const char *topic, const json_t *event,
                                      uint64_t *at_ms_out)
{
    const char *id = rcv_parents_entity(topic, event, NULL);
    const json_t *data = json_object_get(event, "data");
    const char *at = json_string_value(json_object_get(data, "updated_at"));
    uint64_t at_ms = 0;

    if (at == NULL) {
        at = json_string_value(json_object_get(data, "updatedAt")); /* legacy profile */
    }
    if (id == NULL || at == NULL || clock_parse_iso8601(at, &at_ms) != 0) {
        return NULL;
    }
    /* FLAW last-write-wins: the handler runs "UPDATE contacts SET ... =
     * $payload WHERE id = $id", copying every update as it arrives without
     * comparing updated_at. A late retry of an earlier update (its first
     * attempt timed out, the sender tried again after the next update went
     * through) then overwrites the newer state with the older one. */
    rcv_idmap_latest(s->entities, id, at_ms, (s->flaws & RCV_FLAW_LAST_WRITE_WINS) != 0);
    *at_ms_out = at_ms;
    return id;
}

void rcv_server_process(struct rcv_server *s, const char *event_id, const char *topic,
                        const json_t *event, uint64_t work_ms)
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
    /* The entity before the count: once the probe counts an event, the
     * entities probe already shows what it changed. */
    const char *entity = NULL;
    uint64_t at_ms = 0;
    if (event != NULL) {
        entity = worker_note_entity(s, topic, event, &at_ms);
    }
    unsigned n = rcv_idmap_incr(s->processed, event_id);
    rcv_server_state_processed(s, event_id, entity, at_ms);
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
            rcv_server_process(s, job.event_id, job.topic, job.event, s->work_ms);
        }
        json_decref(job.event);
    }
    return NULL;
}

int rcv_server_enqueue(struct rcv_server *s, const char *event_id, const char *topic,
                       json_t **event)
{
    struct rcv_job job = {.event = event != NULL ? *event : NULL};
    snprintf(job.event_id, sizeof(job.event_id), "%s", event_id);
    if (topic != NULL && strlen(topic) < sizeof(job.topic)) {
        /* A longer topic is none the worker acts on: kept as "", never cut
         * into one it does. */
        memcpy(job.topic, topic, strlen(topic) + 1);
    }
    if (rcv_queue_push(s->queue, &job) != 0) {
        return -1;
    }
    if (event != NULL) {
        *event = NULL;
    }
    return 0;
}

void rcv_server_state_requeue(struct rcv_server *s, const struct rcv_journal_replay *replay)
{
    for (size_t i = 0; i < replay->n; i++) {
        if (rcv_journal_pending(&replay->events[i]) &&
            rcv_server_enqueue(s, replay->events[i].id, NULL, NULL) != 0) {
            /* The queue was made with room for them: never happens. */
            log_error("state file: %s could not be queued again", replay->events[i].id);
        }
    }
}
