/* The reference receiver. A delivery goes through four steps (five with
 * --rate-limit), in this order, each with its own answer:
 *
 *   0. admit   within --rate-limit, when given            -> 429
 *   1. verify  the signature (or token) and the window   -> 401
 *   2. parse   the body, find the event id               -> 400
 *   3. dedupe  check-and-insert the id atomically        -> 200 (duplicate)
 *   4. enqueue hand the event to the worker              -> 200 at once
 *
 * The worker thread (server_worker.c) does the slow part after the sender
 * has its answer. With --state (server_state.c) step 4 first writes the
 * event down, durably, and the worker notes each event it processed.
 * Everything marked "FLAW" is a deliberate mistake switched on by --flaw;
 * with no flaw those branches never run. */
#include "examples/receiver/server.h"

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/clock.h"
#include "core/event.h"
#include "core/http_server.h"
#include "core/jsonh.h"
#include "core/log.h"
#include "core/scheme.h"
#include "core/signature.h"
#include "core/topics.h"
#include "core/xalloc.h"
#include "examples/receiver/flaw.h"
#include "examples/receiver/idmap.h"
#include "examples/receiver/parents.h"
#include "examples/receiver/queue.h"
#include "examples/receiver/server_priv.h"
#include "examples/receiver/throttle.h"

#define RCV_MIN_MAX_BODY (2u * 1024 * 1024)

/* The event id (the same for every retry and duplicate of one event). In
 * Vambe's documented payload it is the body's "id": inside the signed
 * bytes, where a replay cannot change it, unlike the event-id header
 * (SEC-003). Otherwise where the scheme carries it, else the body's "id".
 * event may be NULL. */
static int server_event_id(const struct rcv_server *s, const struct http_server_request *req,
                           const json_t *event, char out[RCV_ID_MAX + 1], struct err *e)
{
    const char *located = rcv_server_locate(s, &s->scheme.event_id, req, event);
    const char *id = located;
    const char *in_body = json_string_value(json_object_get(event, "id"));
    if (in_body != NULL && *in_body != '\0' && json_object_get(event, "event") != NULL &&
        !(s->flaws & RCV_FLAW_DEDUPE_BY_ID_HEADER)) {
        id = in_body; /* FLAW dedupe-by-id-header: the header wins */
    }
    if (id == NULL || *id == '\0') {
        id = in_body;
    }
    if ((s->flaws & RCV_FLAW_BLANK_ID_POISONS) && (id == NULL || *id == '\0') &&
        ((located != NULL && *located == '\0') || id != NULL)) {
        out[0] = '\0'; /* FLAW blank-id-poisons: "" is taken as an id */
        return 0;
    }
    if (id == NULL || *id == '\0') {
        return err_set(e, "no event id: send %s or an \"id\" field", s->scheme.event_id.name);
    }
    if (strlen(id) > RCV_ID_MAX) {
        return err_set(e, "event id longer than %d bytes", RCV_ID_MAX);
    }
    snprintf(out, RCV_ID_MAX + 1, "%s", id);
    return 0;
}

/* The topic, where the scheme carries it or, failing that, the body's
 * "event" or "type". NULL when absent. */
static const char *server_topic(const struct rcv_server *s, const struct http_server_request *req,
                                const json_t *event)
{
    const char *topic = rcv_server_locate(s, &s->scheme.event_type, req, event);
    if (topic == NULL || *topic == '\0') {
        topic = json_string_value(json_object_get(event, "event"));
    }
    if (topic == NULL) {
        topic = json_string_value(json_object_get(event, "type")); /* legacy profile */
    }
    return topic;
}

/* FLAW process-rejected: the answer is right (401) but the event goes to
 * the worker anyway, as when a verification middleware's verdict is logged
 * and then ignored. */
static void server_flaw_process_rejected(struct rcv_server *s,
                                         const struct http_server_request *req)
{
    json_t *event = jsonh_parse(req->body, req->body_len, NULL);
    char id[RCV_ID_MAX + 1];
    if (server_event_id(s, req, event, id, NULL) == 0) {
        rcv_server_enqueue(s, id, server_topic(s, req, event), &event);
    }
    json_decref(event);
}

/* What scheme_verify reads headers through. */
struct server_headers {
    const struct rcv_server *s;
    const struct http_server_request *req;
    char first[SCHEME_WIRE_LINE]; /* FLAW first-signature-only: the header cut */
};

static const char *server_header(void *ctx, const char *name)
{
    struct server_headers *h = ctx;
    const char *v = rcv_server_header(h->s, h->req, name);

    if (v != NULL && (h->s->flaws & RCV_FLAW_FIRST_SIGNATURE_ONLY) && h->s->scheme.list &&
        strcasecmp(name, h->s->scheme.signature_header) == 0) {
        return rcv_flaw_first_only(&h->s->scheme, v, h->first, sizeof(h->first));
    }
    return v;
}

/* The 401 for a delivery that failed verification, naming what failed
 * (never the expected value). */
static void server_reject(const struct rcv_server *s, enum signature_result r,
                          struct http_server_reply *rep)
{
    const struct scheme *sc = &s->scheme;
    const char *what = sc->kind == SCHEME_TOKEN ? "the token" : sc->signature_header;

    if (r == SIGNATURE_MISSING) {
        http_reply_error(rep, 401, "missing %s (scheme %s)", what, sc->name);
    } else if (r == SIGNATURE_STALE || r == SIGNATURE_FUTURE) {
        http_reply_error(rep, 401, "timestamp rejected: %s (scheme %s)", signature_result_str(r),
                         sc->name);
    } else {
        http_reply_error(rep, 401, "%s rejected: %s", what, signature_result_str(r));
    }
}

/* Step 1. Checks the signature (or token) over the exact body bytes and the
 * scheme's time window; answers 401 and returns -1 when either fails. Runs
 * before the body is parsed: nothing from an unauthenticated request is
 * trusted. */
static int server_verify(struct rcv_server *s, const struct http_server_request *req,
                         struct http_server_reply *rep)
{
    struct scheme sc = s->scheme;
    struct server_headers h = {s, req, ""};
    const char *query = sc.kind == SCHEME_TOKEN && sc.token.place == SCHEME_PLACE_QUERY
                            ? http_server_query(req, sc.token.name)
                            : NULL;
    struct scheme_request r = {server_header, &h, query, req->body, req->body_len};
    size_t flawed_len = 0;
    char *flawed = rcv_flaw_body(s->flaws, req->body, req->body_len, &flawed_len);

    if (s->flaws & RCV_FLAW_NO_VERIFY) {
        free(flawed);
        return 0; /* FLAW no-verify: anyone can post anything. */
    }
    if (flawed != NULL) {
        r.body = flawed; /* FLAW reserialize, latin1-body: other bytes than received */
        r.body_len = flawed_len;
    }
    if (s->flaws & RCV_FLAW_NO_TIMESTAMP_CHECK) {
        /* FLAW no-timestamp-check: no window, so a captured delivery can
         * be replayed forever. */
        sc.past_s = SCHEME_UNBOUNDED;
        sc.future_s = SCHEME_UNBOUNDED;
    }
    /* AUTO for schemes in ms: Vambe's pages disagree on seconds or
     * milliseconds, and a value above 10^11 can only be milliseconds. */
    enum signature_unit unit = sc.unit == SIGNATURE_UNIT_MS ? SIGNATURE_UNIT_AUTO : sc.unit;
    enum signature_result res = scheme_verify(&sc, s->secret, &r, NULL, clock_wall_ms(), unit);
    if (res == SIGNATURE_MISSING && (s->flaws & RCV_FLAW_SKIP_MISSING_TIMESTAMP) &&
        sc.timestamp.place == SCHEME_PLACE_HEADER &&
        http_server_header(req, sc.timestamp.name) == NULL) {
        /* FLAW skip-missing-timestamp: `mac(ts ? ts + "." + body : body)`
         * with the window checked only `if (ts)`: drop the header and any
         * old body signed alone replays forever. */
        sc.timestamp.place = SCHEME_PLACE_NONE;
        snprintf(sc.signed_template, sizeof(sc.signed_template), "{body}");
        res = scheme_verify(&sc, s->secret, &r, NULL, clock_wall_ms(), unit);
    }
    if (res == SIGNATURE_MISMATCH && (s->flaws & RCV_FLAW_EMPTY_KEY_FALLBACK)) {
        /* FLAW empty-key-fallback: the secret read as `process.env.SECRET
         * || ''` in one code path: a MAC keyed with nothing verifies. */
        res = scheme_verify(&sc, sc.key == SCHEME_KEY_BASE64 ? sc.key_prefix : "", &r, NULL,
                            clock_wall_ms(), unit);
    }
    free(flawed);
    if (res == SIGNATURE_OK) {
        return 0;
    }
    if (s->flaws & RCV_FLAW_PROCESS_REJECTED) {
        server_flaw_process_rejected(s, req);
    }
    if ((s->flaws & RCV_FLAW_COMPARE_THROWS) && rcv_flaw_compare_throws(s, req, rep)) {
        return -1;
    }
    if (s->flaws & RCV_FLAW_LEAKS_EXPECTED_SIGNATURE) {
        rcv_flaw_leak(s, req, rep);
        return -1;
    }
    server_reject(s, res, rep);
    return -1;
}

/* Step 3. True the first time an event id is seen. */
static bool server_first_time(struct rcv_server *s, const char *id)
{
    if (s->flaws & RCV_FLAW_NO_DEDUPE) {
        return true; /* FLAW no-dedupe: every copy is processed. */
    }
    uint64_t ttl_ms = rcv_flaw_dedupe_ttl_ms(s->flaws);
    if (ttl_ms > 0) {
        /* FLAW dedupe-ttl-2s, forget-after-60s: a cache with a TTL (2 s or
         * 60 s); the sender's later retry finds no key and runs again. */
        return rcv_idmap_insert_expiring(s->seen, id, clock_mono_us() / 1000u, ttl_ms);
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
static void server_dedupe_key(const struct rcv_server *s, const struct http_server_request *req,
                              const char *id, const json_t *event, char *key, size_t key_size)
{
    if (s->flaws & RCV_FLAW_DEDUPE_BY_CONTENT) {
        /* FLAW dedupe-by-content: "the same payload twice is a duplicate".
         * Two customers sending "ok" are two events with equal data. */
        const json_t *content = json_object_get(event, "data");
        if (content == NULL) {
            content = json_object_get(event, "event"); /* Slack's envelope */
        }
        if (content == NULL) {
            content = event; /* GitHub's and Shopify's: the body is the content */
        }
        char *data = json_dumps(content, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
        char hex[SIGNATURE_SHA256_HEX_LEN + 1] = "";
        if (data != NULL) {
            signature_sha256_hex(data, strlen(data), hex);
        }
        free(data);
        snprintf(key, key_size, "data:%s", hex);
        return;
    }
    if ((s->flaws & RCV_FLAW_DEDUPE_BY_DELIVERY_ID) &&
        s->scheme.delivery_id.place != SCHEME_PLACE_NONE) {
        /* FLAW dedupe-by-delivery-id: the delivery id is new on every
         * attempt, so every retry of an event is processed again. */
        const char *d = rcv_server_locate(s, &s->scheme.delivery_id, req, event);
        snprintf(key, key_size, "delivery:%s", d != NULL ? d : "");
        return;
    }
    snprintf(key, key_size, "%s", id);
}

/* Steps 3 and 4 for a verified, parsed event of topic (may be NULL).
 * Takes ownership of *event. */
static void server_accept(struct rcv_server *s, const struct http_server_request *req,
                          const char *id, const char *topic, int seen_first, json_t **event,
                          struct http_server_reply *rep)
{
    char key[RCV_ID_MAX + 1];
    json_t *kept = NULL; /* FLAW needs-parent-first, drops-orphan-update */
    struct err e = {{0}};

    server_dedupe_key(s, req, id, *event, key, sizeof(key));
    if (seen_first >= 0 ? seen_first == 0 : !server_first_time(s, key)) {
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
    if (rcv_flaw_after_seen(s, req, topic, *event, rep)) {
        return; /* FLAW throttle-drops, lost-on-disconnect, drops-orphan-update */
    }
    if (rcv_server_state_accepted(s, id, &e) != 0) {
        /* Not written down, so not acknowledged: forget the id so that
         * the sender's retry is not taken for a duplicate. */
        log_error("%s", e.msg);
        rcv_idmap_remove(s->seen, key);
        http_reply_error(rep, 503, "cannot record the event; retry later");
        http_reply_header(rep, "Retry-After", "1");
        return;
    }
    /* Our own reference: once handed over, the worker may free *event (and
     * topic, which may point into it) before its entity is noted below. */
    kept = s->parents != NULL ? json_incref(*event) : NULL;
    if (s->flaws & RCV_FLAW_SYNC) {
        /* FLAW sync: the work happens before the answer, one event at a
         * time (one lock, like a single database connection). 50 deliveries
         * at once wait 50 x 200 ms = 10 s for the last answer. */
        uint64_t work = s->work_ms > RCV_FLAW_SYNC_MIN_WORK ? s->work_ms : RCV_FLAW_SYNC_MIN_WORK;
        pthread_mutex_lock(&s->sync_lock);
        rcv_server_process(s, id, topic, *event, work);
        pthread_mutex_unlock(&s->sync_lock);
    } else if (rcv_server_enqueue(s, id, topic, event) != 0) {
        /* The worker is far behind. Forget the id so the sender's retry is
         * not mistaken for a duplicate, and ask for that retry. */
        rcv_idmap_remove(s->seen, key);
        http_reply_error(rep, 503, "too many events waiting; retry later");
        http_reply_header(rep, "Retry-After", "1");
        json_decref(kept);
        return;
    }
    rcv_parents_note(s->parents, topic, kept); /* accepted: its entity now exists */
    json_decref(kept);
    http_reply_json(rep, server_ok_status(s), json_pack("{s:s}", "status", "ok"));
}

/* FLAW seen-before-verify: the event id goes into the dedupe map before
 * the delivery is verified (or parsed), as when "INSERT ... ON CONFLICT DO
 * NOTHING" runs first: a forged or broken first copy blocks the real one. */
static int server_flaw_seen_first(struct rcv_server *s, const struct http_server_request *req)
{
    json_t *event = jsonh_parse(req->body, req->body_len, NULL);
    char id[RCV_ID_MAX + 1];
    int first = 1;

    if (server_event_id(s, req, event, id, NULL) == 0) {
        first = rcv_idmap_insert(s->seen, id) ? 1 : 0;
    }
    json_decref(event);
    return first;
}

/* POST / */
static void server_on_delivery(void *ctx, const struct http_server_request *req,
                               struct http_server_reply *rep)
{
    struct rcv_server *s = ctx;
    json_t *event = NULL;
    char id[RCV_ID_MAX + 1];
    struct err e = {{0}};
    int seen_first = -1; /* FLAW seen-before-verify: decided before verifying */

    if (rcv_idle_answered(s->idle, req, rep)) {
        goto out; /* FLAW idle-502 (and cold-start sleeps in there) */
    }
    /* Step 0, in front of everything (but FLAW throttle-drops, which
     * throttles after the dedupe): nothing is marked seen yet, so the
     * sender's retry after Retry-After is processed as a first copy. */
    if (s->throttle != NULL && !(s->flaws & RCV_FLAW_THROTTLE_DROPS) &&
        !rcv_throttle_admit(s->throttle, clock_mono_us())) {
        rcv_server_throttled(s, rep);
        goto out;
    }
    if (s->flaws & RCV_FLAW_SLOW) {
        clock_sleep_us(RCV_FLAW_SLOW_MS * 1000u); /* FLAW slow: past the 5 s budget. */
    }
    if (rcv_flaw_refuses_size(s->flaws, req->body_len)) {
        http_reply_error(rep, 413, "request entity too large"); /* FLAW body-limit-100k */
        goto out;
    }
    if (rcv_flaw_refuses_type(s->flaws, http_server_header(req, "Content-Type"))) {
        http_reply_error(rep, 415, "Content-Type must be application/json"); /* FLAW */
        goto out;
    }
    if (s->flaws & RCV_FLAW_SEEN_BEFORE_VERIFY) {
        seen_first = server_flaw_seen_first(s, req);
    }
    if (server_verify(s, req, rep) != 0) {
        goto out;
    }
    if ((s->flaws & RCV_FLAW_IGNORE_RETRIES) && rcv_server_attempt(s, req) > 1) {
        /* FLAW ignore-retries: "a retry is a duplicate": but the first
         * attempts may never have arrived. */
        http_reply_json(rep, 200, json_pack("{s:s, s:b}", "status", "ok", "duplicate", 1));
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
    if (server_event_id(s, req, event, id, &e) != 0) {
        http_reply_error(rep, 400, "%s", e.msg);
        goto out;
    }
    /* Unknown topics are accepted: Vambe may add topics at any time, and
     * a receiver that refuses them gets its webhook disabled. */
    const char *topic = server_topic(s, req, event);
    if ((s->flaws & RCV_FLAW_REJECT_UNKNOWN) && !rcv_flaw_known_topic(s, topic)) {
        http_reply_error(rep, 400, "unknown topic '%s'", topic ? topic : "");
        goto out; /* FLAW reject-unknown */
    }
    if ((s->flaws & RCV_FLAW_NULL_FIELD_CRASH) && rcv_flaw_null_crash(event)) {
        /* FLAW null-field-crash: the handler runs before the answer and
         * throws on an optional field that is null or absent: 500, and the
         * sender retries an event that will never pass. */
        http_reply_error(rep, 500, "TypeError: Cannot read properties of null (reading 'trim')");
        goto out;
    }
    if ((s->flaws & RCV_FLAW_ACK_ON_ERROR) && rcv_flaw_handler_throws(s, topic)) {
        /* FLAW ack-on-error: the contact.created handler reads a field the
         * payload leaves out and throws; a catch-all logs it and answers
         * 200. The sender never sends the event again. */
        http_reply_json(rep, 200, json_pack("{s:s}", "status", "ok"));
        goto out;
    }
    if (s->flaws & RCV_FLAW_REDIRECT) {
        /* FLAW redirect: the endpoint "moved" (or a framework adds a
         * trailing slash). Senders do not follow redirects: the event is
         * lost. */
        http_reply_error(rep, 302, "moved to /webhooks/");
        http_reply_header(rep, "Location", "/webhooks/");
        goto out;
    }
    if ((s->flaws & RCV_FLAW_NEEDS_PARENT_FIRST) && rcv_parents_orphan(s->parents, topic, event)) {
        /* FLAW needs-parent-first: the handler needs the contact or ticket
         * row and asks for a retry until its .created has arrived. */
        http_reply_error(rep, 503, "%s not found yet; retry later", topic);
        http_reply_header(rep, "Retry-After", "1");
        goto out;
    }
    server_accept(s, req, id, topic, seen_first, &event, rep);
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

/* GET /_probe/entities/{entity_id}: the latest updated_at of a contact or
 * ticket, as the events the worker processed left it; 404 when no event
 * about it was processed. For the harness only, like the events probe: it
 * shows whether a late, older update rolled the entity back (ORD-002). */
static void server_on_entity_probe(void *ctx, const struct http_server_request *req,
                                   struct http_server_reply *rep)
{
    struct rcv_server *s = ctx;
    uint64_t at_ms = 0;
    char at[32];

    if (!rcv_idmap_value(s->entities, req->params[0], &at_ms)) {
        http_reply_json(rep, 404, json_pack("{s:s}", "error", "unknown entity"));
        return;
    }
    clock_iso8601(at_ms, at, sizeof(at));
    http_reply_json(rep, 200, json_pack("{s:s}", "updated_at", at));
}

static const struct http_route server_routes[] = {
    {"POST", "/", server_on_delivery},
    {"GET", "/_probe/events/{}", server_on_probe},
    {"GET", "/_probe/entities/{}", server_on_entity_probe},
};

struct rcv_server *rcv_server_start(const struct rcv_server_opts *o, struct err *e)
{
    struct rcv_server *s = NULL;
    struct rcv_journal_replay replay = {0};
    bool ok = false;

    const struct scheme *sc = o->scheme != NULL ? o->scheme : scheme_default();
    if ((o->secret == NULL || *o->secret == '\0') && sc->kind != SCHEME_NONE) {
        err_set(e, "a secret is required (--secret or VAMBE_SECRET)");
        goto out;
    }
    if (scheme_secret_check(sc, o->secret != NULL ? o->secret : "", e) != 0) {
        err_prefix(e, "--secret");
        goto out;
    }
    s = xcalloc(1, sizeof(*s));
    s->secret = xstrdup(o->secret != NULL ? o->secret : "");
    s->scheme = *sc;
    s->work_ms = o->work_ms;
    s->flaws = o->flaws;
    s->seen = rcv_idmap_new(o->dedupe_ids ? o->dedupe_ids : RCV_DEFAULT_DEDUPE_IDS);
    s->processed = rcv_idmap_new(o->dedupe_ids ? o->dedupe_ids : RCV_DEFAULT_DEDUPE_IDS);
    s->entities = rcv_idmap_new(o->dedupe_ids ? o->dedupe_ids : RCV_DEFAULT_DEDUPE_IDS);
    size_t jobs = o->queue_jobs ? o->queue_jobs : RCV_DEFAULT_QUEUE_JOBS;
    size_t pending = 0;
    if (o->state != NULL && rcv_server_state_open(s, o->state, &replay, &pending, e) != 0) {
        goto out;
    }
    s->queue = rcv_queue_new(jobs + pending); /* room for the events replayed */
    rcv_server_state_requeue(s, &replay);
    unsigned rate = o->rate_limit;
    if (rate == 0 && (o->flaws & (RCV_FLAW_THROTTLE_DROPS | RCV_FLAW_NO_RETRY_AFTER))) {
        rate = RCV_FLAW_THROTTLE_RATE; /* FLAW throttle-drops, no-retry-after */
    }
    s->throttle = rate > 0 ? rcv_throttle_new(rate) : NULL;
    if (o->flaws & (RCV_FLAW_NEEDS_PARENT_FIRST | RCV_FLAW_DROPS_ORPHAN_UPDATE)) {
        s->parents = rcv_parents_new(o->dedupe_ids ? o->dedupe_ids : RCV_DEFAULT_DEDUPE_IDS);
    }
    s->idle = rcv_idle_new(o->flaws); /* FLAW cold-start, idle-502; else NULL */
    pthread_mutex_init(&s->sync_lock, NULL);
    if (pthread_create(&s->worker, NULL, rcv_server_worker, s) != 0) {
        err_set(e, "cannot start the worker thread");
        goto out;
    }
    s->worker_started = true;
    struct http_server_opts ho = {
        .bind = o->bind,
        .port = o->port,
        /* The sender's largest body, and never less than 2 MiB. */
        .max_body = sc->max_body > RCV_MIN_MAX_BODY ? sc->max_body : RCV_MIN_MAX_BODY,
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
    rcv_journal_replay_cleanup(&replay);
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
    if (s->queue != NULL) { /* NULL when --state could not be used */
        rcv_queue_close(s->queue);
    }
    if (s->worker_started) {
        size_t left = rcv_queue_length(s->queue);
        if (left > 0) {
            log_info("finishing %zu accepted event%s before stopping", left, left == 1 ? "" : "s");
        }
        pthread_join(s->worker, NULL);
    }
    rcv_journal_close(s->journal); /* after the worker's last P record */
    pthread_mutex_destroy(&s->sync_lock);
    rcv_queue_free(s->queue);
    rcv_parents_free(s->parents);
    rcv_idle_free(s->idle);
    rcv_throttle_free(s->throttle);
    rcv_idmap_free(s->entities);
    rcv_idmap_free(s->processed);
    rcv_idmap_free(s->seen);
    free(s->secret);
    free(s);
}
