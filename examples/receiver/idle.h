/* The receiver's idle-time flaws, cold-start and idle-502: what befalls a
 * delivery because the receiver, or the connection it comes on, sat idle
 * before it.
 *
 * The state and the verdict are kept apart from the clock and the sleep:
 * rcv_idle_note takes the time as an argument, so the unit tests drive it
 * with explicit times instead of waiting 5 or 30 s. Only webhook POSTs are
 * noted: the probe is the tests' side channel, and must neither warm the
 * function up nor keep a connection alive in the flaws' eyes. */
#ifndef RECEIVER_IDLE_H
#define RECEIVER_IDLE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/http_server.h"

/* Connections remembered by idle-502; past that, the oldest is forgotten
 * (its next request looks like one on a new connection: no 502). */
#define RCV_IDLE_CONNS 256u

enum rcv_idle_verdict {
    RCV_IDLE_GO,          /* handle the request now */
    RCV_IDLE_COLD_START,  /* FLAW cold-start: wait RCV_FLAW_COLD_START_MS, then handle it */
    RCV_IDLE_BAD_GATEWAY, /* FLAW idle-502: answer 502 and do not handle it */
};

struct rcv_idle;

/* NULL when flaws has neither RCV_FLAW_COLD_START nor RCV_FLAW_IDLE_502:
 * nothing to track. Out of memory aborts; free with rcv_idle_free. */
struct rcv_idle *rcv_idle_new(uint64_t flaws);
/* NULL ok. */
void rcv_idle_free(struct rcv_idle *idle);

/* Notes a delivery that arrived at now_ms (monotonic) on connection conn_id
 * (http_server_conn_id; 0: unknown, never a 502) and says what to do with
 * it. Thread-safe. A 502 comes from the proxy in front: such a delivery
 * never reaches the function, so it does not count as cold-start's last
 * request. */
enum rcv_idle_verdict rcv_idle_note(struct rcv_idle *idle, uint64_t conn_id, uint64_t now_ms);
/* The whole step for the webhook handler: notes req at its arrival, sleeps
 * through a cold start, or answers 502 into rep. True when rep was answered
 * (the delivery must go no further). False at once when idle is NULL. */
bool rcv_idle_answered(struct rcv_idle *idle, const struct http_server_request *req,
                       struct http_server_reply *rep);

#endif
