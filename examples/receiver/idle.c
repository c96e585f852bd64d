/* The idle-time flaws (see idle.h). cold-start keeps one time, the last
 * delivery's, in an atomic: deliveries are handled on a thread each.
 * idle-502 keeps a small table of connection -> last delivery under a
 * mutex. */
#include "examples/receiver/idle.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "examples/receiver/flaw.h"

#define IDLE_NEVER UINT64_MAX /* no delivery noted yet */

struct idle_conn {
    uint64_t conn_id; /* 0: a free slot */
    uint64_t last_ms; /* its last delivery's arrival */
};

struct rcv_idle {
    uint64_t flaws;
    _Atomic uint64_t last_ms; /* FLAW cold-start: the last delivery; IDLE_NEVER at start */
    pthread_mutex_t lock;     /* guards conns */
    struct idle_conn conns[RCV_IDLE_CONNS];
};

struct rcv_idle *rcv_idle_new(uint64_t flaws)
{
    struct rcv_idle *idle = NULL;

    if (!(flaws & (RCV_FLAW_COLD_START | RCV_FLAW_IDLE_502))) {
        return NULL;
    }
    idle = xcalloc(1, sizeof(*idle));
    idle->flaws = flaws;
    atomic_init(&idle->last_ms, IDLE_NEVER);
    pthread_mutex_init(&idle->lock, NULL);
    return idle;
}

void rcv_idle_free(struct rcv_idle *idle)
{
    if (idle == NULL) {
        return;
    }
    pthread_mutex_destroy(&idle->lock);
    free(idle);
}

/* FLAW idle-502: true when conn_id's previous delivery came more than
 * RCV_FLAW_IDLE_502_MS before now_ms. Stamps conn_id with now_ms either way,
 * so the sender's retry on the same connection goes through. */
static bool idle_conn_stale(struct rcv_idle *idle, uint64_t conn_id, uint64_t now_ms)
{
    /* Ids are handed out in order, so slot id % N holds the newest of the
     * connections that share it: the older one is the one overwritten. A
     * connection forgotten that way reads as new, which never gets a 502. */
    struct idle_conn *c = &idle->conns[conn_id % RCV_IDLE_CONNS];
    bool stale = false;

    pthread_mutex_lock(&idle->lock);
    if (c->conn_id == conn_id) {
        stale = now_ms > c->last_ms && now_ms - c->last_ms > RCV_FLAW_IDLE_502_MS;
    }
    c->conn_id = conn_id;
    c->last_ms = now_ms;
    pthread_mutex_unlock(&idle->lock);
    return stale;
}

/* FLAW cold-start: true when now_ms is the first delivery after
 * RCV_FLAW_COLD_IDLE_MS or more without one. The very first delivery is
 * never cold: the process is warm when it starts. */
static bool idle_cold(struct rcv_idle *idle, uint64_t now_ms)
{
    uint64_t prev = atomic_load(&idle->last_ms);

    /* Arrival times are read on several threads and may be noted out of
     * order: the time only moves forward, and of deliveries arriving
     * together after a long idle, exactly one is the cold one. */
    do {
        if (prev != IDLE_NEVER && prev >= now_ms) {
            return false;
        }
    } while (!atomic_compare_exchange_weak(&idle->last_ms, &prev, now_ms));
    return prev != IDLE_NEVER && now_ms - prev >= RCV_FLAW_COLD_IDLE_MS;
}

enum rcv_idle_verdict rcv_idle_note(struct rcv_idle *idle, uint64_t conn_id, uint64_t now_ms)
{
    if ((idle->flaws & RCV_FLAW_IDLE_502) && conn_id != 0 &&
        idle_conn_stale(idle, conn_id, now_ms)) {
        /* FLAW idle-502: a proxy (nginx, a load balancer) keeps its
         * upstream connections open longer than the app server behind it,
         * whose keep-alive timeout is 5 s (Node's default). After 5 s idle
         * the app closes its side while the proxy sends the next request
         * down it: the proxy answers 502 and the delivery is never handled.
         * The retry, at once on the same connection, goes through. Here the
         * idle connection is the sender's own, which is what it sees. */
        return RCV_IDLE_BAD_GATEWAY;
    }
    if ((idle->flaws & RCV_FLAW_COLD_START) && idle_cold(idle, now_ms)) {
        /* FLAW cold-start: the receiver is a serverless function scaled to
         * zero after 30 s without traffic. The next delivery waits for a
         * new instance to start (runtime, imports, a database connection)
         * and is answered after the sender's 5 s budget: it times out and
         * is sent again, while the first copy is handled anyway. */
        return RCV_IDLE_COLD_START;
    }
    return RCV_IDLE_GO;
}

bool rcv_idle_answered(struct rcv_idle *idle, const struct http_server_request *req,
                       struct http_server_reply *rep)
{
    static const char bad_gateway[] = "Bad Gateway";

    if (idle == NULL) {
        return false;
    }
    switch (rcv_idle_note(idle, http_server_conn_id(req), req->received_us / 1000u)) {
    case RCV_IDLE_BAD_GATEWAY: /* FLAW idle-502: the proxy's answer */
        log_debug("connection idle over %u ms: 502", RCV_FLAW_IDLE_502_MS);
        http_reply_text(rep, 502, "text/plain", bad_gateway, sizeof(bad_gateway) - 1);
        return true;
    case RCV_IDLE_COLD_START: /* FLAW cold-start: the instance starts first */
        log_debug("idle %u ms or more: cold start, %u ms", RCV_FLAW_COLD_IDLE_MS,
                  RCV_FLAW_COLD_START_MS);
        clock_sleep_us(RCV_FLAW_COLD_START_MS * 1000u);
        return false;
    case RCV_IDLE_GO:
        break;
    }
    return false;
}
