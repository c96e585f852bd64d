/* The reference receiver. A delivery goes through four steps, in this
 * order, each with its own answer:
 *
 *   1. verify  the signature and the timestamp window    -> 401
 *   2. parse   the body, find the event id               -> 400
 *   3. dedupe  check-and-insert the id atomically        -> 200 (duplicate)
 *   4. enqueue hand the event to the worker              -> 200 at once
 *
 * The worker thread does the slow part after the sender has its answer.
 * Everything marked "FLAW" is a deliberate mistake switched on by --flaw;
 * with no flaw those branches never run. */
#include "examples/receiver/server.h"

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/http_server.h"
#include "core/jsonh.h"
#include "core/log.h"
#include "core/signature.h"
#include "core/topics.h"
#include "core/xalloc.h"
#include "examples/receiver/flaw.h"
#include "examples/receiver/idmap.h"
#include "examples/receiver/queue.h"

struct rcv_server {
    char *secret;
    uint64_t work_ms;
    unsigned flaws;
    struct rcv_idmap *seen;      /* dedupe: ids accepted so far */
    struct rcv_idmap *processed; /* id -> times processed (the probe), bounded alike */
    struct rcv_queue *queue;
    pthread_t worker;
    bool worker_started;
    pthread_mutex_t sync_lock; /* FLAW sync: one event worked at a time */
    struct http_server *http;
};

/* The work of one event. A sleep stands in for what your code does (write
 * to your database, call another service); the count is the side effect
 * the harness's probe observes. */
static void server_process(struct rcv_server *s, const char *event_id, uint64_t work_ms)
{
    clock_sleep_us(work_ms * 1000u);
    unsigned n = rcv_idmap_incr(s->processed, event_id);
    log_debug("processed %s (%u time%s)", event_id, n, n == 1 ? "" : "s");
}

static void *server_worker(void *arg)
{
    struct rcv_server *s = arg;
    struct rcv_job job;
    while (rcv_queue_pop(s->queue, &job) == 0) {
        server_process(s, job.event_id, s->work_ms);
        json_decref(job.event);
    }
    return NULL;
}

/* Hands an event to the worker. On 0 the queue owns *event (set to NULL);
 * on -1 the queue is full and *event is untouched. */
static int server_enqueue(struct rcv_server *s, const char *event_id, json_t **event)
{
    struct rcv_job job = {.event = *event};
    snprintf(job.event_id, sizeof(job.event_id), "%s", event_id);
    if (rcv_queue_push(s->queue, &job) != 0) {
        return -1;
    }
    *event = NULL;
    return 0;
}

/* The event id: the x-vambe-event-id header (the same for every retry and
 * duplicate of one event), else the body's "id". event may be NULL. */
static int server_event_id(const struct http_server_request *req, const json_t *event,
                           char out[RCV_ID_MAX + 1], struct err *e)
{
    const char *id = http_server_header(req, "x-vambe-event-id");
    if (id == NULL || *id == '\0') {
        id = json_string_value(json_object_get(event, "id"));
    }
    if (id == NULL || *id == '\0') {
        return err_set(e, "no event id: send the x-vambe-event-id header or an \"id\" field");
    }
    if (strlen(id) > RCV_ID_MAX) {
        return err_set(e, "event id longer than %d bytes", RCV_ID_MAX);
    }
    snprintf(out, RCV_ID_MAX + 1, "%s", id);
    return 0;
}

/* FLAW process-rejected: the answer is right (401) but the event goes to
 * the worker anyway, as when a verification middleware's verdict is logged
 * and then ignored. */
static void server_flaw_process_rejected(struct rcv_server *s,
                                         const struct http_server_request *req)
{
    json_t *event = jsonh_parse(req->body, req->body_len, NULL);
    char id[RCV_ID_MAX + 1];
    if (server_event_id(req, event, id, NULL) == 0) {
        server_enqueue(s, id, &event);
    }
    json_decref(event);
}

/* Step 1. Checks the signature over the exact body bytes and the 300 s
 * window; answers 401 and returns -1 when either fails. Runs before the
 * body is parsed: nothing from an unauthenticated request is trusted. */
static int server_verify(struct rcv_server *s, const struct http_server_request *req,
                         struct http_server_reply *rep)
{
    if (s->flaws & RCV_FLAW_NO_VERIFY) {
        return 0; /* FLAW no-verify: anyone can post anything. */
    }
    unsigned window_s = SIGNATURE_TOLERANCE_S;
    if (s->flaws & RCV_FLAW_NO_TIMESTAMP_CHECK) {
        /* FLAW no-timestamp-check: a window of 136 years is no window, so
         * a captured delivery can be replayed forever. */
        window_s = ~0u;
    }
    /* AUTO: Vambe's pages disagree on seconds or milliseconds; a value
     * above 10^11 can only be milliseconds. */
    enum signature_result r =
        signature_verify(s->secret, http_server_header(req, "x-vambe-timestamp"),
                         http_server_header(req, "x-vambe-signature"), req->body, req->body_len,
                         clock_wall_ms(), SIGNATURE_UNIT_AUTO, window_s);
    if (r == SIGNATURE_OK) {
        return 0;
    }
    if (s->flaws & RCV_FLAW_PROCESS_REJECTED) {
        server_flaw_process_rejected(s, req);
    }
    if (r == SIGNATURE_MISSING) {
        http_reply_error(rep, 401,
                         "missing header: a delivery needs x-vambe-timestamp and "
                         "x-vambe-signature");
    } else if (r == SIGNATURE_STALE || r == SIGNATURE_FUTURE) {
        http_reply_error(rep, 401, "x-vambe-timestamp rejected: %s (the window is %u s)",
                         signature_result_str(r), SIGNATURE_TOLERANCE_S);
    } else {
        http_reply_error(rep, 401, "x-vambe-signature rejected: %s", signature_result_str(r));
    }
    return -1;
}

/* Step 3. True the first time an event id is seen. */
static bool server_first_time(struct rcv_server *s, const char *id)
{
    if (s->flaws & RCV_FLAW_NO_DEDUPE) {
        return true; /* FLAW no-dedupe: every copy is processed. */
    }
    if (s->flaws & RCV_FLAW_RACY_DEDUPE) {
        /* FLAW racy-dedupe: check, then insert, as two critical sections
         * with a gap between (here a sleep; in real code a database round
         * trip). Copies arriving together all pass the check. */
        if (rcv_idmap_contains(s->seen, id)) {
            return false;
        }
        clock_sleep_us(RCV_FLAW_RACY_WINDOW_MS * 1000u);
        rcv_idmap_insert(s->seen, id);
        return true;
    }
    /* Right: one atomic check-and-insert. */
    return rcv_idmap_insert(s->seen, id);
}

/* The status for an accepted delivery, fresh or duplicate. */
static unsigned server_ok_status(const struct rcv_server *s)
{
    return (s->flaws & RCV_FLAW_STATUS_201) ? 201 : 200; /* FLAW status-201 */
}

/* The key events are deduplicated by: the event id. Writes it into key. */
static void server_dedupe_key(const struct rcv_server *s, const char *id, const json_t *event,
                              char *key, size_t key_size)
{
    if (s->flaws & RCV_FLAW_DEDUPE_BY_CONTENT) {
        /* FLAW dedupe-by-content: "the same payload twice is a duplicate".
         * Two customers sending "ok" are two events with equal data. */
        char *data = json_dumps(json_object_get(event, "data"),
                                JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
        char hex[SIGNATURE_SHA256_HEX_LEN + 1] = "";
        if (data != NULL) {
            signature_sha256_hex(data, strlen(data), hex);
        }
        free(data);
        snprintf(key, key_size, "data:%s", hex);
        return;
    }
    snprintf(key, key_size, "%s", id);
}

/* Steps 3 and 4 for a verified, parsed event. Takes ownership of *event. */
static void server_accept(struct rcv_server *s, const char *id, json_t **event,
                          struct http_server_reply *rep)
{
    char key[RCV_ID_MAX + 1];

    server_dedupe_key(s, id, *event, key, sizeof(key));
    if (!server_first_time(s, key)) {
        if (s->flaws & RCV_FLAW_ERROR_ON_DUPLICATE) {
            /* FLAW error-on-duplicate: the sender reads 409 as a failure
             * and keeps retrying an event that was handled. */
            http_reply_error(rep, 409, "event %s was already received", id);
            return;
        }
        /* A duplicate is a success: the event was handled the first time. */
        http_reply_json(rep, server_ok_status(s),
                        json_pack("{s:s, s:b}", "status", "ok", "duplicate", 1));
        return;
    }
    if (s->flaws & RCV_FLAW_SYNC) {
        /* FLAW sync: the work happens before the answer, one event at a
         * time (one lock, like a single database connection). 50 deliveries
         * at once wait 50 x 200 ms = 10 s for the last answer. */
        uint64_t work = s->work_ms > RCV_FLAW_SYNC_MIN_WORK ? s->work_ms : RCV_FLAW_SYNC_MIN_WORK;
        pthread_mutex_lock(&s->sync_lock);
        server_process(s, id, work);
        pthread_mutex_unlock(&s->sync_lock);
    } else if (server_enqueue(s, id, event) != 0) {
        /* The worker is far behind. Forget the id so the sender's retry is
         * not mistaken for a duplicate, and ask for that retry. */
        rcv_idmap_remove(s->seen, key);
        http_reply_error(rep, 503, "too many events waiting; retry later");
        http_reply_header(rep, "Retry-After", "1");
        return;
    }
    http_reply_json(rep, server_ok_status(s), json_pack("{s:s}", "status", "ok"));
}

/* The topic, from the header or, failing that, the body. NULL when absent. */
static const char *server_topic(const struct http_server_request *req, const json_t *event)
{
    const char *topic = http_server_header(req, "x-vambe-event");
    if (topic == NULL || *topic == '\0') {
        topic = json_string_value(json_object_get(event, "event"));
    }
    if (topic == NULL) {
        topic = json_string_value(json_object_get(event, "type")); /* legacy profile */
    }
    return topic;
}

/* POST / */
static void server_on_delivery(void *ctx, const struct http_server_request *req,
                               struct http_server_reply *rep)
{
    struct rcv_server *s = ctx;
    json_t *event = NULL;
    char id[RCV_ID_MAX + 1];
    struct err e = {{0}};

    if (s->flaws & RCV_FLAW_SLOW) {
        clock_sleep_us(RCV_FLAW_SLOW_MS * 1000u); /* FLAW slow: past the 5 s budget. */
    }
    if (server_verify(s, req, rep) != 0) {
        goto out;
    }
    /* Step 2. Malformed input is the sender's fault: 4xx, never 5xx. */
    event = jsonh_parse(req->body, req->body_len, &e);
    if (event == NULL || !json_is_object(event)) {
        unsigned status = (s->flaws & RCV_FLAW_CRASH_ON_MALFORMED) ? 500 : 400; /* FLAW */
        http_reply_error(rep, status, "malformed JSON body: %s",
                         event == NULL ? e.msg : "not an object");
        goto out;
    }
    if (server_event_id(req, event, id, &e) != 0) {
        http_reply_error(rep, 400, "%s", e.msg);
        goto out;
    }
    /* Unknown topics are accepted: Vambe may add topics at any time, and
     * a receiver that refuses them gets its webhook disabled. */
    const char *topic = server_topic(req, event);
    if ((s->flaws & RCV_FLAW_REJECT_UNKNOWN) && (topic == NULL || topics_find(topic) == NULL)) {
        http_reply_error(rep, 400, "unknown topic '%s'", topic ? topic : "");
        goto out; /* FLAW reject-unknown */
    }
    if (s->flaws & RCV_FLAW_REDIRECT) {
        /* FLAW redirect: the endpoint "moved" (or a framework adds a
         * trailing slash). Senders do not follow redirects: the event is
         * lost. */
        http_reply_error(rep, 302, "moved to /webhooks/");
        http_reply_header(rep, "Location", "/webhooks/");
        goto out;
    }
    server_accept(s, id, &event, rep);
out:
    json_decref(event);
}

/* GET /_probe/events/{event_id}: how many times the event was processed, 0
 * when never. For the harness only: a production receiver does not publish
 * this. */
static void server_on_probe(void *ctx, const struct http_server_request *req,
                            struct http_server_reply *rep)
{
    struct rcv_server *s = ctx;
    unsigned n = rcv_idmap_get(s->processed, req->params[0]);
    http_reply_json(rep, 200, json_pack("{s:I}", "count", (json_int_t)n));
}

static const struct http_route server_routes[] = {
    {"POST", "/", server_on_delivery},
    {"GET", "/_probe/events/{}", server_on_probe},
};

struct rcv_server *rcv_server_start(const struct rcv_server_opts *o, struct err *e)
{
    struct rcv_server *s = NULL;
    bool ok = false;

    if (o->secret == NULL || *o->secret == '\0') {
        err_set(e, "a secret is required (--secret or VAMBE_SECRET)");
        goto out;
    }
    s = xcalloc(1, sizeof(*s));
    s->secret = xstrdup(o->secret);
    s->work_ms = o->work_ms;
    s->flaws = o->flaws;
    s->seen = rcv_idmap_new(o->dedupe_ids ? o->dedupe_ids : RCV_DEFAULT_DEDUPE_IDS);
    s->processed = rcv_idmap_new(o->dedupe_ids ? o->dedupe_ids : RCV_DEFAULT_DEDUPE_IDS);
    s->queue = rcv_queue_new(o->queue_jobs ? o->queue_jobs : RCV_DEFAULT_QUEUE_JOBS);
    pthread_mutex_init(&s->sync_lock, NULL);
    if (pthread_create(&s->worker, NULL, server_worker, s) != 0) {
        err_set(e, "cannot start the worker thread");
        goto out;
    }
    s->worker_started = true;
    struct http_server_opts ho = {
        .bind = o->bind,
        .port = o->port,
        .routes = server_routes,
        .n_routes = sizeof(server_routes) / sizeof(server_routes[0]),
        .ctx = s,
        /* A thread per connection. The receiver done right never blocks in
         * a handler, but the `slow` and `sync` flaws do on purpose; with a
         * small pool their blocked handlers would also delay the requests
         * queued behind them, and the flaw would break more than the one
         * behaviour it names. */
        .threads = 0,
        .access_log = o->access_log,
    };
    s->http = http_server_start(&ho, e);
    if (s->http == NULL) {
        goto out;
    }
    ok = true;
out:
    if (!ok) {
        rcv_server_stop(s);
        s = NULL;
    }
    return s;
}

unsigned rcv_server_port(const struct rcv_server *s)
{
    return http_server_port(s->http);
}

unsigned rcv_server_processed(struct rcv_server *s, const char *event_id)
{
    return rcv_idmap_get(s->processed, event_id);
}

void rcv_server_stop(struct rcv_server *s)
{
    if (s == NULL) {
        return;
    }
    /* Deliveries first (in-flight ones finish and may still enqueue), then
     * the worker, which finishes every event already accepted: those
     * senders were told 200 and will not send them again. */
    http_server_stop(s->http);
    rcv_queue_close(s->queue);
    if (s->worker_started) {
        size_t left = rcv_queue_length(s->queue);
        if (left > 0) {
            log_info("finishing %zu accepted event%s before stopping", left, left == 1 ? "" : "s");
        }
        pthread_join(s->worker, NULL);
    }
    pthread_mutex_destroy(&s->sync_lock);
    rcv_queue_free(s->queue);
    rcv_idmap_free(s->processed);
    rcv_idmap_free(s->seen);
    free(s->secret);
    free(s);
}
