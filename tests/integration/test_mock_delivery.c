/* The delivery engine, end to end: an in-process mock (ms_server on
 * 127.0.0.1 port 0) delivers to a scripted test receiver built on
 * core/http_server (also port 0). Each test sets the policy with the
 * `serve` flag names, registers webhooks through the API, triggers through
 * POST /mock/events and checks what the receiver saw and what the call log
 * says. Delays are compressed with the time scale; the tests assert the
 * order and growth of delays the engine computed, never wall-clock
 * figures, and wait by polling with bounded loops.
 *
 * The last test runs the real program: kill -9 during a retry chain, then a
 * restart on the same --db resumes the chain. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/http_client.h"
#include "core/http_server.h"
#include "core/ids.h"
#include "core/log.h"
#include "core/signature.h"
#include "mock_server/server.h"
#include "support/api.h"
#include "support/db.h"
#include "support/mock.h"
#include "support/proc.h"

#define KEY       "test-key-delivery-0123"
#define SECRET    "whsec_delivery_secret_0123456789"
#define WAIT_MS   10000
#define RX_MAX    256
#define STEPS_MAX 16
#define HDR_MAX   96

/* ---- the test receiver ------------------------------------------------------ */

/* What one request carried. */
struct rx_req {
    char event[HDR_MAX];
    char event_id[HDR_MAX];
    char delivery_id[HDR_MAX];
    char attempt[HDR_MAX];
    char webhook_id[HDR_MAX];
    char timestamp[HDR_MAX];
    char signature[HDR_MAX];
    char content_type[HDR_MAX];
    char user_agent[HDR_MAX];
    bool has_signature;
    char *body;
    size_t body_len;
    uint64_t mono_us; /* when it arrived */
};

/* How to answer one request. */
struct rx_step {
    unsigned status;
    const char *retry_after; /* NULL: no header */
    const char *location;    /* NULL: no header */
    unsigned delay_ms;       /* hold the answer back */
};

struct rx {
    struct http_server *srv;
    unsigned port;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    struct rx_req reqs[RX_MAX];
    size_t n;
    struct rx_step script[STEPS_MAX]; /* step i answers request i */
    size_t n_script;
    struct rx_step dflt; /* answers the requests past the script */
    const char *answer;  /* the body of every answer; NULL: "ok" */
    size_t answer_len;
    int inflight;
    int max_inflight;
    bool closing;
    atomic_int target_hits;
};

static void rx_copy(const struct http_server_request *req, const char *name, char *out)
{
    const char *v = http_server_header(req, name);
    snprintf(out, HDR_MAX, "%s", v != NULL ? v : "");
}

/* Handlers run on the server's threads: they record, the tests check. */
static void rx_hook(void *ctx, const struct http_server_request *req, struct http_server_reply *rep)
{
    struct rx *rx = ctx;
    struct rx_step step;
    struct timespec until;
    const char *answer;
    size_t answer_len;

    pthread_mutex_lock(&rx->lock);
    step = rx->n < rx->n_script ? rx->script[rx->n] : rx->dflt;
    answer = rx->answer;
    answer_len = rx->answer_len;
    if (rx->n < RX_MAX) {
        struct rx_req *r = &rx->reqs[rx->n];

        rx_copy(req, "x-vambe-event", r->event);
        rx_copy(req, "x-vambe-event-id", r->event_id);
        rx_copy(req, "x-vambe-delivery-id", r->delivery_id);
        rx_copy(req, "x-vambe-attempt", r->attempt);
        rx_copy(req, "x-vambe-webhook-id", r->webhook_id);
        rx_copy(req, "x-vambe-timestamp", r->timestamp);
        rx_copy(req, "x-vambe-signature", r->signature);
        rx_copy(req, "Content-Type", r->content_type);
        rx_copy(req, "User-Agent", r->user_agent);
        r->has_signature = http_server_header(req, "x-vambe-signature") != NULL;
        r->body = malloc(req->body_len + 1);
        memcpy(r->body, req->body, req->body_len + 1);
        r->body_len = req->body_len;
        r->mono_us = clock_mono_us();
    }
    rx->n++;
    rx->inflight++;
    if (rx->inflight > rx->max_inflight) {
        rx->max_inflight = rx->inflight;
    }
    pthread_cond_broadcast(&rx->cond);
    if (step.delay_ms > 0) {
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += step.delay_ms / 1000;
        until.tv_nsec += (long)(step.delay_ms % 1000) * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        while (!rx->closing && pthread_cond_timedwait(&rx->cond, &rx->lock, &until) == 0) {
        }
    }
    rx->inflight--;
    pthread_mutex_unlock(&rx->lock);
    http_reply_text(rep, step.status, "text/plain", answer != NULL ? answer : "ok",
                    answer != NULL ? answer_len : 2);
    if (step.retry_after != NULL) {
        http_reply_header(rep, "Retry-After", step.retry_after);
    }
    if (step.location != NULL) {
        http_reply_header(rep, "Location", step.location);
    }
}

static void rx_target(void *ctx, const struct http_server_request *req,
                      struct http_server_reply *rep)
{
    struct rx *rx = ctx;

    (void)req;
    atomic_fetch_add(&rx->target_hits, 1);
    http_reply_text(rep, 200, "text/plain", "target", 6);
}

static const struct http_route rx_routes[] = {
    {"POST", "/hook", rx_hook},
    {"POST", "/target", rx_target},
};

static struct rx *rx_start(void)
{
    struct rx *rx = calloc(1, sizeof(*rx));
    struct http_server_opts o;
    struct err e = {{0}};

    assert_non_null(rx);
    pthread_mutex_init(&rx->lock, NULL);
    pthread_cond_init(&rx->cond, NULL);
    rx->dflt.status = 200;
    memset(&o, 0, sizeof(o));
    o.routes = rx_routes;
    o.n_routes = sizeof(rx_routes) / sizeof(rx_routes[0]);
    o.ctx = rx;
    o.threads = 0; /* a thread per connection: a held answer blocks no other */
    rx->srv = http_server_start(&o, &e);
    if (rx->srv == NULL) {
        fail_msg("receiver: %s", e.msg);
    }
    rx->port = http_server_port(rx->srv);
    return rx;
}

static void rx_stop(struct rx *rx)
{
    pthread_mutex_lock(&rx->lock);
    rx->closing = true;
    pthread_cond_broadcast(&rx->cond);
    pthread_mutex_unlock(&rx->lock);
    http_server_stop(rx->srv);
    for (size_t i = 0; i < rx->n && i < RX_MAX; i++) {
        free(rx->reqs[i].body);
    }
    pthread_cond_destroy(&rx->cond);
    pthread_mutex_destroy(&rx->lock);
    free(rx);
}

static void rx_script(struct rx *rx, const struct rx_step *steps, size_t n)
{
    pthread_mutex_lock(&rx->lock);
    memcpy(rx->script, steps, n * sizeof(*steps));
    rx->n_script = n;
    pthread_mutex_unlock(&rx->lock);
}

static void rx_default(struct rx *rx, struct rx_step step)
{
    pthread_mutex_lock(&rx->lock);
    rx->dflt = step;
    pthread_mutex_unlock(&rx->lock);
}

/* Waits (bounded) until the receiver has seen n requests. */
static void rx_wait(struct rx *rx, size_t n)
{
    struct timespec until;
    int rc = 0;

    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += WAIT_MS / 1000;
    pthread_mutex_lock(&rx->lock);
    while (rx->n < n && rc == 0) {
        rc = pthread_cond_timedwait(&rx->cond, &rx->lock, &until);
    }
    pthread_mutex_unlock(&rx->lock);
    if (rx->n < n) {
        fail_msg("the receiver saw %zu requests, expected %zu", rx->n, n);
    }
}

static size_t rx_count(struct rx *rx)
{
    size_t n;

    pthread_mutex_lock(&rx->lock);
    n = rx->n;
    pthread_mutex_unlock(&rx->lock);
    return n;
}

/* ---- the mock ----------------------------------------------------------------- */

struct fx {
    struct ms_server *srv;
    struct http_client *client;
    unsigned port;
    struct rx *rx;
    char hook_url[128];
};

/* Starts the mock with policy flags given as {"flag", "value", ...} pairs
 * (any value for a switch; the list ends with NULL). */
static void mock_start(struct fx *fx, const char *const *flags)
{
    struct ms_options o;
    struct err e = {{0}};

    test_mock_options(&o, KEY);
    for (size_t i = 0; flags != NULL && flags[i] != NULL; i += 2) {
        if (ms_policy_set_flag(&o.policy, flags[i], flags[i + 1], &e) != 0) {
            fail_msg("%s", e.msg);
        }
    }
    fx->srv = test_mock_start(&o, &fx->port);
}

static int fx_setup(void **state)
{
    struct fx *fx = calloc(1, sizeof(*fx));

    assert_non_null(fx);
    log_set_level(LOG_LEVEL_ERROR);
    fx->client = http_client_new(NULL);
    assert_non_null(fx->client);
    fx->rx = rx_start();
    snprintf(fx->hook_url, sizeof(fx->hook_url), "http://127.0.0.1:%u/hook", fx->rx->port);
    *state = fx;
    return 0;
}

static int fx_teardown(void **state)
{
    struct fx *fx = *state;

    ms_server_stop(fx->srv);
    rx_stop(fx->rx);
    http_client_free(fx->client);
    free(fx);
    return 0;
}

/* One request to the mock with the key; returns the status and the parsed
 * body in *out (may be NULL; the caller decrefs). */
static long api(struct fx *fx, const char *method, const char *path, const char *body, json_t **out)
{
    return api_json(fx->client, fx->port, KEY, method, path, body, out);
}

static void create_hook(struct fx *fx, const char *url, char id[IDS_UUID_LEN + 1])
{
    char body[512];
    json_t *j = NULL;

    snprintf(body, sizeof(body),
             "{\"topic\":\"message.received\",\"url\":\"%s\",\"secret\":\"" SECRET "\"}", url);
    assert_int_equal(api(fx, "POST", "/api/webhooks", body, &j), 201);
    snprintf(id, IDS_UUID_LEN + 1, "%s", json_string_value(json_object_get(j, "id")));
    json_decref(j);
}

/* Triggers count message.received events; returns the 202 answer. */
static json_t *trigger(struct fx *fx, unsigned count)
{
    char body[128];
    json_t *j = NULL;

    snprintf(body, sizeof(body), "{\"topic\":\"message.received\",\"count\":%u}", count);
    if (api(fx, "POST", "/mock/events", body, &j) != 202) {
        char *text = json_dumps(j, 0);
        fail_msg("trigger: %s", text != NULL ? text : "?");
    }
    return j;
}

static const char *event_id_at(const json_t *trig, size_t i)
{
    return json_string_value(json_array_get(json_object_get(trig, "event_ids"), i));
}

/* Waits (bounded, polling) until the call log holds n records matching
 * query ("event_id=..."), and returns them oldest first (caller decrefs). */
static json_t *calls_wait(struct fx *fx, const char *query, size_t n)
{
    char path[512];
    uint64_t deadline = clock_mono_us() + (uint64_t)WAIT_MS * 1000u;

    snprintf(path, sizeof(path), "/api/webhooks/calls?limit=500%s%s", query[0] ? "&" : "", query);
    for (;;) {
        json_t *j = NULL;
        json_t *data;

        assert_int_equal(api(fx, "GET", path, NULL, &j), 200);
        data = json_object_get(j, "data");
        if (json_array_size(data) >= n) {
            json_t *oldest_first = json_array();

            for (size_t i = json_array_size(data); i > 0; i--) {
                json_array_append(oldest_first, json_array_get(data, i - 1));
            }
            json_decref(j);
            return oldest_first;
        }
        json_decref(j);
        if (clock_mono_us() > deadline) {
            fail_msg("the call log has fewer than %zu records for '%s'", n, query);
        }
        clock_sleep_us(5000); /* polling the call log */
    }
}

static const char *jstr(const json_t *obj, const char *key)
{
    const char *v = json_string_value(json_object_get(obj, key));
    return v != NULL ? v : "";
}

static uint64_t jtime(const json_t *obj, const char *key)
{
    const char *v = json_string_value(json_object_get(obj, key));
    struct tm tm;
    unsigned ms = 0;
    char *rest;

    if (v == NULL) {
        return 0;
    }
    memset(&tm, 0, sizeof(tm));
    rest = strptime(v, "%Y-%m-%dT%H:%M:%S", &tm);
    assert_non_null(rest);
    assert_int_equal(sscanf(rest, ".%3uZ", &ms), 1);
    return (uint64_t)timegm(&tm) * 1000u + ms;
}

/* The delay the engine chose after a record: next_attempt_at - created_at
 * (both computed from the same clock reading). */
static int64_t computed_delay(const json_t *call)
{
    return (int64_t)jtime(call, "next_attempt_at") - (int64_t)jtime(call, "created_at");
}

/* ---- tests ------------------------------------------------------------------------ */

/* Every DESIGN §4 header, right, and a signature that verifies. */
static void headers_and_signature(void **state)
{
    struct fx *fx = *state;
    char hook[IDS_UUID_LEN + 1];
    json_t *trig;
    json_t *calls;
    uint64_t now;

    mock_start(fx, (const char *[]){"jitter", "0", NULL});
    create_hook(fx, fx->hook_url, hook);
    trig = trigger(fx, 3);
    assert_int_equal(json_integer_value(json_object_get(trig, "deliveries")), 3);
    assert_null(json_object_get(trig, "warning"));
    rx_wait(fx->rx, 3);
    now = clock_wall_ms();
    for (size_t i = 0; i < 3; i++) {
        struct rx_req *r = &fx->rx->reqs[i];
        json_t *body = json_loadb(r->body, r->body_len, 0, NULL);
        bool known = false;

        assert_string_equal(r->content_type, "application/json");
        assert_string_equal(r->user_agent, "Vambe-Webhooks/1.0");
        assert_string_equal(r->event, "message.received");
        assert_string_equal(r->attempt, "1");
        assert_string_equal(r->webhook_id, hook);
        assert_true(ids_is_uuid(r->delivery_id));
        for (size_t k = 0; k < 3; k++) {
            known = known || strcmp(r->event_id, event_id_at(trig, k)) == 0;
        }
        assert_true(known);
        /* The documented profile: the body carries the same id and topic. */
        assert_string_equal(jstr(body, "id"), r->event_id);
        assert_string_equal(jstr(body, "event"), "message.received");
        assert_non_null(json_object_get(json_object_get(body, "data"), "contact_id"));
        /* Milliseconds, near now, and a signature over "<ts>.<body>". */
        assert_int_equal(strlen(r->timestamp), 13);
        assert_int_equal(signature_verify(SECRET, r->timestamp, r->signature, r->body, r->body_len,
                                          now, SIGNATURE_UNIT_MS, 300),
                         SIGNATURE_OK);
        assert_int_equal(signature_verify("not-the-secret", r->timestamp, r->signature, r->body,
                                          r->body_len, now, SIGNATURE_UNIT_MS, 300),
                         SIGNATURE_MISMATCH);
        for (size_t k = 0; k < i; k++) {
            assert_string_not_equal(r->delivery_id, fx->rx->reqs[k].delivery_id);
            assert_string_not_equal(r->event_id, fx->rx->reqs[k].event_id);
        }
        json_decref(body);
    }

    /* The call log: one record per attempt, its id the delivery id, the
     * signature never stored in full. */
    calls = calls_wait(fx, "outcome=succeeded", 3);
    for (size_t i = 0; i < 3; i++) {
        const json_t *c = json_array_get(calls, i);
        const json_t *h = json_object_get(c, "request_headers");
        bool seen = false;

        for (size_t k = 0; k < 3; k++) {
            seen = seen || strcmp(jstr(c, "id"), fx->rx->reqs[k].delivery_id) == 0;
        }
        assert_true(seen);
        assert_string_equal(jstr(c, "webhook_id"), hook);
        assert_string_equal(jstr(c, "url"), fx->hook_url);
        assert_int_equal(json_integer_value(json_object_get(c, "response_status")), 200);
        assert_string_equal(jstr(c, "response_body"), "ok");
        assert_true(json_is_null(json_object_get(c, "error")));
        assert_true(json_is_null(json_object_get(c, "next_attempt_at")));
        assert_string_equal(jstr(h, "x-vambe-delivery-id"), jstr(c, "id"));
        assert_non_null(strstr(jstr(h, "x-vambe-signature"), "(64 chars)"));
        assert_true(json_string_length(json_object_get(c, "request_body")) > 20);
    }
    json_decref(calls);
    json_decref(trig);
}

/* The legacy profile and second timestamps, switched at run time. */
static void legacy_profile_in_seconds(void **state)
{
    struct fx *fx = *state;
    char hook[IDS_UUID_LEN + 1];
    json_t *trig;
    json_t *cfg = NULL;
    json_t *body;
    struct rx_req *r;

    mock_start(fx, NULL);
    assert_int_equal(
        api(fx, "PUT", "/mock/config", "{\"profile\":\"legacy\",\"timestamp_unit\":\"s\"}", &cfg),
        200);
    assert_string_equal(jstr(cfg, "profile"), "legacy");
    json_decref(cfg);
    create_hook(fx, fx->hook_url, hook);
    trig = trigger(fx, 1);
    rx_wait(fx->rx, 1);
    r = &fx->rx->reqs[0];
    body = json_loadb(r->body, r->body_len, 0, NULL);
    assert_string_equal(jstr(body, "type"), "message.received");
    assert_non_null(json_object_get(body, "aiContactId"));
    assert_null(json_object_get(body, "id"));
    assert_null(json_object_get(body, "event"));
    assert_non_null(json_object_get(json_object_get(body, "data"), "fromNumber"));
    assert_string_equal(r->event_id, event_id_at(trig, 0)); /* the id is in the header only */
    assert_int_equal(strlen(r->timestamp), 10);
    assert_int_equal(signature_verify(SECRET, r->timestamp, r->signature, r->body, r->body_len,
                                      clock_wall_ms(), SIGNATURE_UNIT_S, 300),
                     SIGNATURE_OK);
    json_decref(body);
    json_decref(trig);

    /* Signing off: no signature header at all. */
    assert_int_equal(api(fx, "PUT", "/mock/config", "{\"sign\":false}", NULL), 200);
    json_decref(trigger(fx, 1));
    rx_wait(fx->rx, 2);
    assert_false(fx->rx->reqs[1].has_signature);
    assert_true(fx->rx->reqs[1].timestamp[0] != '\0');
}

/* 500s: retried with growing delays (time-scaled), then gave_up. */
static void retries_grow_then_give_up(void **state)
{
    struct fx *fx = *state;
    char hook[IDS_UUID_LEN + 1];
    char query[128];
    json_t *trig;
    json_t *calls;
    int64_t delays[3] = {0, 0, 0};

    mock_start(fx, (const char *[]){"max-attempts", "4", "backoff-base", "4s", "backoff-factor",
                                    "2", "jitter", "0", "time-scale", "0.01", NULL});
    rx_default(fx->rx, (struct rx_step){500, NULL, NULL, 0});
    create_hook(fx, fx->hook_url, hook);
    trig = trigger(fx, 1);
    rx_wait(fx->rx, 4);
    snprintf(query, sizeof(query), "event_id=%s", event_id_at(trig, 0));
    calls = calls_wait(fx, query, 4);
    for (size_t i = 0; i < 4; i++) {
        const json_t *c = json_array_get(calls, i);
        struct rx_req *r = &fx->rx->reqs[i];
        char n[8];

        snprintf(n, sizeof(n), "%zu", i + 1);
        assert_string_equal(r->attempt, n);
        assert_string_equal(r->event_id, event_id_at(trig, 0));
        assert_int_equal(json_integer_value(json_object_get(c, "attempt")), (json_int_t)(i + 1));
        assert_int_equal(json_integer_value(json_object_get(c, "response_status")), 500);
        assert_string_equal(jstr(c, "outcome"), i < 3 ? "retry_scheduled" : "gave_up");
        if (i > 0) {
            assert_string_not_equal(r->delivery_id, fx->rx->reqs[i - 1].delivery_id);
            /* The next attempt never comes before its time. */
            assert_true((int64_t)(r->mono_us - fx->rx->reqs[i - 1].mono_us) / 1000 >=
                        delays[i - 1] - 1);
        }
        if (i < 3) {
            delays[i] = computed_delay(c);
        } else {
            assert_true(json_is_null(json_object_get(c, "next_attempt_at")));
        }
    }
    /* 4s x 0.01 = 40 ms, then doubling. */
    assert_true(delays[0] > 0);
    assert_true(delays[1] > delays[0] && delays[2] > delays[1]);
    assert_true(llabs(delays[1] - 2 * delays[0]) <= 2 && llabs(delays[2] - 2 * delays[1]) <= 2);
    /* gave_up is final: no fifth attempt. */
    assert_int_equal(rx_count(fx->rx), 4);
    json_decref(calls);
    json_decref(trig);
}

/* Retries stop at the first 2xx. */
static void stops_on_success(void **state)
{
    struct fx *fx = *state;
    char hook[IDS_UUID_LEN + 1];
    char query[128];
    const struct rx_step steps[] = {{500, NULL, NULL, 0}, {502, NULL, NULL, 0}};
    json_t *trig;
    json_t *calls;

    mock_start(fx, (const char *[]){"max-attempts", "5", "backoff-base", "20ms", NULL});
    rx_script(fx->rx, steps, 2);
    create_hook(fx, fx->hook_url, hook);
    trig = trigger(fx, 1);
    snprintf(query, sizeof(query), "event_id=%s", event_id_at(trig, 0));
    calls = calls_wait(fx, query, 3);
    assert_string_equal(jstr(json_array_get(calls, 0), "outcome"), "retry_scheduled");
    assert_string_equal(jstr(json_array_get(calls, 1), "outcome"), "retry_scheduled");
    assert_string_equal(jstr(json_array_get(calls, 2), "outcome"), "succeeded");
    assert_int_equal(json_array_size(calls), 3);
    assert_int_equal(rx_count(fx->rx), 3);
    assert_string_equal(fx->rx->reqs[2].attempt, "3");
    json_decref(calls);
    json_decref(trig);
}

/* A receiver slower than the attempt timeout: a failed attempt with
 * error "timeout" and no response, then a retry. */
static void timeout_is_retried(void **state)
{
    struct fx *fx = *state;
    char hook[IDS_UUID_LEN + 1];
    char query[128];
    const struct rx_step steps[] = {{200, NULL, NULL, 3000}};
    json_t *trig;
    json_t *calls;
    const json_t *first;

    mock_start(fx, (const char *[]){"timeout", "300ms", "backoff-base", "10ms", NULL});
    rx_script(fx->rx, steps, 1);
    create_hook(fx, fx->hook_url, hook);
    trig = trigger(fx, 1);
    snprintf(query, sizeof(query), "event_id=%s", event_id_at(trig, 0));
    calls = calls_wait(fx, query, 2);
    first = json_array_get(calls, 0);
    assert_string_equal(jstr(first, "error"), "timeout");
    assert_true(json_is_null(json_object_get(first, "response_status")));
    assert_true(json_is_null(json_object_get(first, "response_body")));
    assert_string_equal(jstr(first, "outcome"), "retry_scheduled");
    assert_true(json_integer_value(json_object_get(first, "duration_ms")) >= 250);
    assert_string_equal(jstr(json_array_get(calls, 1), "outcome"), "succeeded");
    json_decref(calls);
    json_decref(trig);
}

/* Nobody listens: "refused", retried to the last attempt. */
static void refused_connection_gives_up(void **state)
{
    struct fx *fx = *state;
    char hook[IDS_UUID_LEN + 1];
    char url[128];
    char query[128];
    struct rx *dead = rx_start();
    json_t *trig;
    json_t *calls;

    /* A port that was just free: start a receiver, note its port, stop it. */
    snprintf(url, sizeof(url), "http://127.0.0.1:%u/hook", dead->port);
    rx_stop(dead);
    mock_start(fx, (const char *[]){"max-attempts", "3", "backoff-base", "10ms", NULL});
    create_hook(fx, url, hook);
    trig = trigger(fx, 1);
    snprintf(query, sizeof(query), "event_id=%s", event_id_at(trig, 0));
    calls = calls_wait(fx, query, 3);
    for (size_t i = 0; i < 3; i++) {
        const json_t *c = json_array_get(calls, i);

        assert_string_equal(jstr(c, "error"), "refused");
        assert_true(json_is_null(json_object_get(c, "response_status")));
        assert_string_equal(jstr(c, "outcome"), i < 2 ? "retry_scheduled" : "gave_up");
    }
    json_decref(calls);
    json_decref(trig);
}

/* A 3xx is a failure and its Location is never followed. */
static void redirect_is_a_failure(void **state)
{
    struct fx *fx = *state;
    char hook[IDS_UUID_LEN + 1];
    char query[128];
    json_t *trig;
    json_t *calls;
    const json_t *c;

    mock_start(fx, (const char *[]){"max-attempts", "2", "backoff-base", "10ms", NULL});
    rx_default(fx->rx, (struct rx_step){302, NULL, "/target", 0});
    create_hook(fx, fx->hook_url, hook);
    trig = trigger(fx, 1);
    snprintf(query, sizeof(query), "event_id=%s", event_id_at(trig, 0));
    calls = calls_wait(fx, query, 2);
    c = json_array_get(calls, 0);
    assert_int_equal(json_integer_value(json_object_get(c, "response_status")), 302);
    assert_string_equal(jstr(json_object_get(c, "response_headers"), "location"), "/target");
    assert_string_equal(jstr(c, "outcome"), "retry_scheduled");
    assert_string_equal(jstr(json_array_get(calls, 1), "outcome"), "gave_up");
    assert_int_equal(atomic_load(&fx->rx->target_hits), 0);
    assert_int_equal(rx_count(fx->rx), 2);
    json_decref(calls);
    json_decref(trig);
}

/* A 503 with Retry-After: 1 waits one second, not the 20 ms backoff. */
static void retry_after_is_honoured(void **state)
{
    struct fx *fx = *state;
    char hook[IDS_UUID_LEN + 1];
    char query[128];
    const struct rx_step steps[] = {{503, "1", NULL, 0}, {500, NULL, NULL, 0}};
    json_t *trig;
    json_t *calls;

    mock_start(fx, (const char *[]){"backoff-base", "20ms", "jitter", "0", NULL});
    rx_script(fx->rx, steps, 2);
    create_hook(fx, fx->hook_url, hook);
    trig = trigger(fx, 1);
    snprintf(query, sizeof(query), "event_id=%s", event_id_at(trig, 0));
    calls = calls_wait(fx, query, 3);
    /* After the 503: Retry-After (1 s). After the 500: the backoff (40 ms,
     * the second retry). */
    assert_true(computed_delay(json_array_get(calls, 0)) >= 1000);
    assert_true(computed_delay(json_array_get(calls, 1)) < 1000);
    assert_true((fx->rx->reqs[1].mono_us - fx->rx->reqs[0].mono_us) / 1000 >= 999);
    assert_string_equal(jstr(json_array_get(calls, 2), "outcome"), "succeeded");
    json_decref(calls);
    json_decref(trig);
}

/* Duplicate rate 1: every event arrives exactly twice, one event id, two
 * delivery ids. */
static void duplicates(void **state)
{
    struct fx *fx = *state;
    char hook[IDS_UUID_LEN + 1];
    json_t *trig;
    json_t *calls;

    mock_start(fx, (const char *[]){"duplicate-rate", "1", "duplicate-delay", "0", NULL});
    create_hook(fx, fx->hook_url, hook);
    trig = trigger(fx, 3);
    assert_int_equal(json_integer_value(json_object_get(trig, "deliveries")), 3);
    rx_wait(fx->rx, 6);
    calls = calls_wait(fx, "outcome=succeeded", 6);
    assert_int_equal(json_array_size(calls), 6); /* all final: no third copy is coming */
    assert_int_equal(rx_count(fx->rx), 6);
    for (size_t k = 0; k < 3; k++) {
        size_t seen = 0;
        const char *first = NULL;

        for (size_t i = 0; i < 6; i++) {
            struct rx_req *r = &fx->rx->reqs[i];

            if (strcmp(r->event_id, event_id_at(trig, k)) != 0) {
                continue;
            }
            seen++;
            assert_string_equal(r->attempt, "1");
            if (first != NULL) {
                assert_string_not_equal(first, r->delivery_id);
            }
            first = r->delivery_id;
        }
        assert_int_equal(seen, 2);
    }
    json_decref(calls);
    json_decref(trig);
}

/* Triggers 8 events with one delivery at a time; returns the arrival order
 * as indexes into the trigger's event_ids, and the trigger. */
static json_t *arrival_order(struct fx *fx, size_t base, size_t order[8])
{
    char hook[IDS_UUID_LEN + 1];
    json_t *trig;

    create_hook(fx, fx->hook_url, hook);
    trig = trigger(fx, 8);
    rx_wait(fx->rx, base + 8);
    for (size_t i = 0; i < 8; i++) {
        order[i] = 99;
        for (size_t k = 0; k < 8; k++) {
            if (strcmp(fx->rx->reqs[base + i].event_id, event_id_at(trig, k)) == 0) {
                order[i] = k;
            }
        }
        assert_true(order[i] < 8);
    }
    return trig;
}

/* Reordering within windows, reproducible with a seed. */
static void reorder_is_reproducible(void **state)
{
    struct fx *fx = *state;
    size_t a[8];
    size_t b[8];
    json_t *first;
    json_t *second;
    bool moved = false;

    mock_start(fx, (const char *[]){"reorder-window", "4", "seed", "7", "per-webhook-concurrency",
                                    "1", NULL});
    first = arrival_order(fx, 0, a);
    /* Reset restarts the random streams from the seed: the same events
     * (same ids) in the same order. */
    assert_int_equal(api(fx, "POST", "/mock/reset", NULL, NULL), 200);
    second = arrival_order(fx, 8, b);
    for (size_t i = 0; i < 8; i++) {
        assert_string_equal(event_id_at(first, i), event_id_at(second, i));
        assert_int_equal(a[i], b[i]);
        moved = moved || a[i] != i;
        /* Shuffled within windows of 4 only. */
        assert_int_equal(a[i] / 4, i / 4);
    }
    assert_true(moved);
    json_decref(first);
    json_decref(second);
}

/* --disable-after 2: the second event that gives up deactivates the
 * webhook; the API shows it and the call log says why. */
static void auto_disable(void **state)
{
    struct fx *fx = *state;
    char hook[IDS_UUID_LEN + 1];
    char path[128];
    char query[128];
    json_t *trig;
    json_t *calls;
    json_t *w = NULL;

    mock_start(fx, (const char *[]){"max-attempts", "1", "disable-after", "2", NULL});
    rx_default(fx->rx, (struct rx_step){500, NULL, NULL, 0});
    create_hook(fx, fx->hook_url, hook);
    json_decref(trigger(fx, 1));
    calls = calls_wait(fx, "outcome=gave_up", 1);
    json_decref(calls);
    trig = trigger(fx, 1);
    snprintf(query, sizeof(query), "event_id=%s", event_id_at(trig, 0));
    calls = calls_wait(fx, query, 1);
    assert_string_equal(jstr(json_array_get(calls, 0), "outcome"), "webhook_disabled");
    assert_non_null(strstr(jstr(json_array_get(calls, 0), "error"), "status 500"));
    assert_non_null(strstr(jstr(json_array_get(calls, 0), "error"), "deactivated"));
    json_decref(calls);
    json_decref(trig);
    snprintf(path, sizeof(path), "/api/webhooks/%s", hook);
    assert_int_equal(api(fx, "GET", path, NULL, &w), 200);
    assert_true(json_is_false(json_object_get(w, "active")));
    json_decref(w);

    /* Nothing goes to an inactive webhook... */
    trig = trigger(fx, 1);
    assert_int_equal(json_integer_value(json_object_get(trig, "deliveries")), 0);
    assert_non_null(strstr(jstr(trig, "warning"), "no active webhook"));
    json_decref(trig);
    /* ...until it is re-enabled. */
    rx_default(fx->rx, (struct rx_step){200, NULL, NULL, 0});
    assert_int_equal(api(fx, "PUT", path, "{\"active\":true}", NULL), 200);
    trig = trigger(fx, 1);
    assert_int_equal(json_integer_value(json_object_get(trig, "deliveries")), 1);
    rx_wait(fx->rx, 3);
    json_decref(trig);
}

/* Replay: the same event again, attempt 1, a new delivery id, a fresh
 * timestamp and a valid signature. */
static void replay_resigns(void **state)
{
    struct fx *fx = *state;
    char hook[IDS_UUID_LEN + 1];
    char path[256];
    json_t *trig;
    json_t *calls;
    json_t *res = NULL;
    struct rx_req *a;
    struct rx_req *b;
    uint64_t first_ts;

    mock_start(fx, NULL);
    create_hook(fx, fx->hook_url, hook);
    trig = trigger(fx, 1);
    calls = calls_wait(fx, "outcome=succeeded", 1);
    a = &fx->rx->reqs[0];
    first_ts = strtoull(a->timestamp, NULL, 10);
    /* Let the clock move past the first timestamp (bounded). */
    for (int i = 0; i < 1000 && clock_wall_ms() <= first_ts; i++) {
        clock_sleep_us(1000);
    }
    snprintf(path, sizeof(path), "/mock/calls/%s/replay", jstr(json_array_get(calls, 0), "id"));
    assert_int_equal(api(fx, "POST", path, NULL, &res), 202);
    assert_string_equal(jstr(res, "event_id"), event_id_at(trig, 0));
    assert_string_equal(jstr(res, "webhook_id"), hook);
    rx_wait(fx->rx, 2);
    b = &fx->rx->reqs[1];
    assert_string_equal(b->event_id, a->event_id);
    assert_string_equal(b->attempt, "1");
    assert_string_not_equal(b->delivery_id, a->delivery_id);
    assert_true(strtoull(b->timestamp, NULL, 10) > first_ts);
    assert_string_not_equal(b->signature, a->signature);
    assert_int_equal(b->body_len, a->body_len);
    assert_memory_equal(b->body, a->body, a->body_len);
    assert_int_equal(signature_verify(SECRET, b->timestamp, b->signature, b->body, b->body_len,
                                      clock_wall_ms(), SIGNATURE_UNIT_MS, 300),
                     SIGNATURE_OK);
    json_decref(res);
    res = NULL;
    assert_int_equal(
        api(fx, "POST", "/mock/calls/00000000-0000-4000-8000-000000000000/replay", NULL, &res),
        404);
    assert_non_null(strstr(jstr(res, "message"), "not found"));
    json_decref(res);
    json_decref(calls);
    json_decref(trig);
}

/* No more than --per-webhook-concurrency deliveries at once to one
 * webhook. */
static void per_webhook_limit(void **state)
{
    struct fx *fx = *state;
    char hook[IDS_UUID_LEN + 1];
    json_t *calls;

    mock_start(fx, (const char *[]){"per-webhook-concurrency", "2", NULL});
    rx_default(fx->rx, (struct rx_step){200, NULL, NULL, 30});
    create_hook(fx, fx->hook_url, hook);
    json_decref(trigger(fx, 8));
    rx_wait(fx->rx, 8);
    calls = calls_wait(fx, "outcome=succeeded", 8);
    assert_true(fx->rx->max_inflight >= 1);
    assert_true(fx->rx->max_inflight <= 2);
    json_decref(calls);
}

/* A receiver's answer with a NUL byte in it is recorded whole: the call
 * log's response_body is the 5 bytes "ab\0cd" ("ab\u0000cd" in the JSON).
 * Before the fix the store cut it at the NUL and the record said "ab". */
static void response_body_keeps_nul_bytes(void **state)
{
    struct fx *fx = *state;
    char hook[IDS_UUID_LEN + 1];
    char path[256];
    struct api_reply r;
    json_t *trig;
    json_t *rec;
    json_t *body;

    mock_start(fx, NULL);
    pthread_mutex_lock(&fx->rx->lock);
    fx->rx->answer = "ab\0cd";
    fx->rx->answer_len = 5;
    pthread_mutex_unlock(&fx->rx->lock);
    create_hook(fx, fx->hook_url, hook);
    trig = trigger(fx, 1);
    rx_wait(fx->rx, 1);
    /* Parsed here with JSON_ALLOW_NUL: jansson refuses \u0000 unless asked,
     * so api_json would not read this answer. */
    snprintf(path, sizeof(path), "/api/webhooks/calls?outcome=succeeded&event_id=%s",
             event_id_at(trig, 0));
    for (uint64_t deadline = clock_mono_us() + (uint64_t)WAIT_MS * 1000u;;) {
        api_send(fx->client, fx->port, "GET", path, KEY, NULL, NULL, 0, &r);
        assert_int_equal(r.status, 200);
        json_decref(r.json);
        r.json = json_loadb(r.body, r.body_len, JSON_ALLOW_NUL, NULL);
        assert_non_null(r.json);
        rec = json_array_get(json_object_get(r.json, "data"), 0);
        if (rec != NULL) {
            break;
        }
        api_reply_free(&r);
        if (clock_mono_us() > deadline) {
            fail_msg("no call record for %s", event_id_at(trig, 0));
        }
        clock_sleep_us(5000); /* polling the call log */
    }
    assert_non_null(strstr(r.body, "\"response_body\":\"ab\\u0000cd\""));
    body = json_object_get(rec, "response_body");
    assert_int_equal(json_string_length(body), 5);
    assert_memory_equal(json_string_value(body), "ab\0cd", 6);
    api_reply_free(&r);
    json_decref(trig);
}

/* ---- the real program: resume after kill -9 ------------------------------------ */

static void resume_after_kill(void **state)
{
    struct fx *fx = *state;
    const char *bin = proc_bin("VAMBE_MOCK_BIN");
    char db[256];
    char hook[IDS_UUID_LEN + 1];
    char query[128];
    struct proc p;
    const struct rx_step steps[] = {{500, NULL, NULL, 0}};
    json_t *trig;
    json_t *calls;
    char *argv[] = {
        (char *)bin, "serve",           "--db", db, "--api-key", KEY, "--retry-schedule",
        "1500ms",    "--no-access-log", NULL};

    if (bin == NULL) {
        fail_msg("VAMBE_MOCK_BIN is not set");
    }
    test_db_path(db, sizeof(db), "delivery");
    unlink(db);
    rx_script(fx->rx, steps, 1);
    if (proc_start(&p, argv, true, 10000) != 0) {
        fail_msg("vambe-mock did not start");
    }
    fx->port = p.port;
    create_hook(fx, fx->hook_url, hook);
    trig = trigger(fx, 1);
    snprintf(query, sizeof(query), "event_id=%s&outcome=retry_scheduled", event_id_at(trig, 0));
    /* Attempt 1 failed and its retry is stored: kill during the wait. */
    json_decref(calls_wait(fx, query, 1));
    proc_kill(&p);
    unlink(p.port_file); /* proc_kill leaves it */
    unlink(p.log_file);
    assert_int_equal(rx_count(fx->rx), 1);

    if (proc_start(&p, argv, true, 10000) != 0) {
        fail_msg("vambe-mock did not restart");
    }
    fx->port = p.port;
    rx_wait(fx->rx, 2);
    assert_string_equal(fx->rx->reqs[1].event_id, event_id_at(trig, 0));
    assert_string_equal(fx->rx->reqs[1].attempt, "2");
    assert_int_equal(signature_verify(SECRET, fx->rx->reqs[1].timestamp, fx->rx->reqs[1].signature,
                                      fx->rx->reqs[1].body, fx->rx->reqs[1].body_len,
                                      clock_wall_ms(), SIGNATURE_UNIT_MS, 300),
                     SIGNATURE_OK);
    snprintf(query, sizeof(query), "event_id=%s", event_id_at(trig, 0));
    calls = calls_wait(fx, query, 2);
    assert_string_equal(jstr(json_array_get(calls, 0), "outcome"), "retry_scheduled");
    assert_string_equal(jstr(json_array_get(calls, 1), "outcome"), "succeeded");
    assert_int_equal(json_integer_value(json_object_get(json_array_get(calls, 1), "attempt")), 2);
    json_decref(calls);
    json_decref(trig);
    assert_int_equal(proc_stop(&p, 10000), 0);
    unlink(p.log_file);
    test_db_remove(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(headers_and_signature, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(legacy_profile_in_seconds, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(retries_grow_then_give_up, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(stops_on_success, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(timeout_is_retried, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(refused_connection_gives_up, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(redirect_is_a_failure, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(retry_after_is_honoured, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(duplicates, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(reorder_is_reproducible, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(auto_disable, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(replay_resigns, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(per_webhook_limit, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(response_body_keeps_nul_bytes, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(resume_after_kill, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
