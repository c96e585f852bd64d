/* The reference receiver: an HTTP server that takes deliveries at POST /
 * under a signing scheme (core/scheme: Vambe's by default, or any other)
 * the way DESIGN §4 and docs/writing-a-receiver.md say a receiver should,
 * plus the test-only probe GET /_probe/events/{event_id}.
 *
 * Runtime only: parsing the command line is cli.c's job, signals and the
 * port file are run.c's. */
#ifndef RECEIVER_SERVER_H
#define RECEIVER_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/scheme.h"

#define RCV_DEFAULT_WORK_MS    5u
#define RCV_DEFAULT_DEDUPE_IDS 100000u
#define RCV_DEFAULT_QUEUE_JOBS 10000u

struct rcv_server_opts {
    const char *secret;          /* required, non-empty but for scheme none; copied */
    const struct scheme *scheme; /* copied; NULL: the default (vambe) */
    const char *bind;            /* "127.0.0.1" when NULL */
    unsigned port;               /* 0 picks a free port */
    uint64_t work_ms;            /* the work per event, done after the answer */
    uint64_t flaws;              /* RCV_FLAW_* bits; 0 for the receiver done right */
    bool access_log;             /* one log line per request */
    size_t dedupe_ids;           /* ids remembered; RCV_DEFAULT_DEDUPE_IDS when 0 */
    size_t queue_jobs;           /* jobs waiting at most; RCV_DEFAULT_QUEUE_JOBS when 0 */
    unsigned rate_limit;         /* deliveries a second at most, else 429; 0: no limit */
    const char *state;           /* --state: the journal's path (journal.h); NULL: memory only */
};

struct rcv_server;

/* Replays o->state when given, starts the worker thread and the HTTP
 * server. Returns NULL with e set when the options are invalid, the state
 * file cannot be used or the address cannot be bound. Stop with
 * rcv_server_stop. */
struct rcv_server *rcv_server_start(const struct rcv_server_opts *o, struct err *e);
/* The port actually bound. */
unsigned rcv_server_port(const struct rcv_server *s);
/* Times the event was processed (what the probe answers); 0 when unknown. */
unsigned rcv_server_processed(struct rcv_server *s, const char *event_id);
/* Stops taking deliveries, lets in-flight ones finish, lets the worker
 * finish every event already accepted, frees everything. NULL ok. */
void rcv_server_stop(struct rcv_server *s);

#endif
