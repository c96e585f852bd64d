/* The receiver's --state journal (journal.h) as the server uses it: the
 * replay at start, the A record before the 2xx, the P record after the
 * work. Without --state (s->journal NULL) none of them does anything and
 * everything stays in memory. The replay's pending events go back to the
 * worker through server_worker.c (rcv_server_state_requeue). */
#include <stdbool.h>
#include <stddef.h>

#include "core/log.h"
#include "examples/receiver/flaw.h"
#include "examples/receiver/journal.h"
#include "examples/receiver/server_priv.h"

int rcv_server_state_open(struct rcv_server *s, const char *path, struct rcv_journal_replay *replay,
                          size_t *pending, struct err *e)
{
    *pending = 0;
    s->journal = rcv_journal_open(path, replay, e);
    if (s->journal == NULL) {
        return -1;
    }
    for (size_t i = 0; i < replay->n; i++) {
        const struct rcv_journal_event *ev = &replay->events[i];
        /* Seen: a copy sent again after the restart is a duplicate. */
        if (ev->accepted > 0) {
            rcv_idmap_insert(s->seen, ev->id);
        }
        for (unsigned k = 0; k < ev->processed; k++) {
            rcv_idmap_incr(s->processed, ev->id);
        }
        *pending += rcv_journal_pending(ev);
    }
    for (size_t i = 0; i < replay->n_updates; i++) {
        rcv_idmap_latest(s->entities, replay->updates[i].entity, replay->updates[i].at_ms,
                         (s->flaws & RCV_FLAW_LAST_WRITE_WINS) != 0);
    }
    log_info("state file %s: %zu event%s and %zu entity change%s replayed, %zu accepted but not "
             "processed: queued again",
             path, replay->n, replay->n == 1 ? "" : "s", replay->n_updates,
             replay->n_updates == 1 ? "" : "s", *pending);
    return 0;
}

int rcv_server_state_accepted(struct rcv_server *s, const char *id, struct err *e)
{
    /* An empty id (FLAW blank-id-poisons) is never written down: its job
     * is never processed anyway. */
    if (s->journal == NULL || id[0] == '\0') {
        return 0;
    }
    if (s->flaws & RCV_FLAW_ACK_BEFORE_DURABLE) {
        /* FLAW ack-before-durable: the handler answers 200 and pushes the
         * event to an in-memory queue (or fires an async job, a
         * setImmediate, a goroutine); the event is written to the database
         * only when the job processes it. A crash, an OOM kill or a deploy
         * between the two loses an event the sender was told it had
         * delivered: it will never send it again. Right: write the event
         * (or the job, in a durable queue) and commit before answering. */
        return 0;
    }
    /* Durable before the 2xx: once the sender has its answer, it never
     * sends the event again. */
    return rcv_journal_append(s->journal, RCV_JOURNAL_ACCEPTED, id, true, e);
}

void rcv_server_state_processed(struct rcv_server *s, const char *id, const char *entity,
                                uint64_t at_ms)
{
    unsigned records = RCV_JOURNAL_PROCESSED;
    struct err e = {{0}};

    if (s->journal == NULL || id[0] == '\0') {
        return;
    }
    /* The entity before the event's P: a P on file means its change is on
     * file too (a U without its P replays the same change again). */
    if (entity != NULL && rcv_journal_append_update(s->journal, entity, at_ms, &e) != 0) {
        log_error("%s: the change of %s by %s is not written down", e.msg, entity, id);
    }
    if (s->flaws & RCV_FLAW_ACK_BEFORE_DURABLE) {
        records |= RCV_JOURNAL_ACCEPTED; /* FLAW ack-before-durable: written down at last */
    }
    /* No fdatasync: a P lost to a power cut leaves its A alone, and the
     * event is processed again at the next start (at least once, never
     * lost). A crash of the process loses nothing already written. */
    if (rcv_journal_append(s->journal, records, id, false, &e) != 0) {
        log_error("%s: %s is processed but not written down: a restart processes it again", e.msg,
                  id);
    }
}
