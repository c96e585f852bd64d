/* The delivery engine, end to end: an in-process mock (ms_server on
 * 127.0.0.1 port 0) delivers to a scripted test receiver built on
 * core/http_server (also port 0) (the fixture is support/delivery_fx.h).
 * Each test sets the policy with the `serve` flag names, registers
 * webhooks through the API, triggers through POST /mock/events and checks
 * what the receiver saw and what the call log says. Delays are compressed
 * with the time scale; the tests assert the order and growth of delays the
 * engine computed, never wall-clock figures, and wait by polling with
 * bounded loops.
 *
 * Here: what a delivery carries, and the retries (backoff, giving up,
 * timeouts, refused connections, redirects, Retry-After). The other
 * policies, replay and resuming after kill -9 are in
 * test_mock_delivery_policy.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/http_client.h"
#include "core/ids.h"
#include "core/signature.h"
#include "support/api.h"
#include "support/db.h"
#include "support/delivery_fx.h"
#include "support/proc.h"
#include "support/rx.h"

/* One request to the mock with the key; returns the status and the parsed
 * body in *out (may be NULL; the caller decrefs). */
static long api(struct delivery_fx *fx, const char *method, const char *path, const char *body,
                json_t **out)
{
    return api_json(fx->client, fx->port, KEY, method, path, body, out);
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
    struct delivery_fx *fx = *state;
    char hook[IDS_UUID_LEN + 1];
    json_t *trig;
    json_t *calls;
    uint64_t now;

    delivery_fx_mock_start(fx, (const char *[]){"jitter", "0", NULL});
    delivery_fx_create_hook(fx, fx->hook_url, hook);
    trig = delivery_fx_trigger(fx, 3);
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
            known = known || strcmp(r->event_id, delivery_fx_event_id(trig, k)) == 0;
        }
        assert_true(known);
        /* The documented profile: the body carries the same id and topic. */
        assert_string_equal(delivery_fx_jstr(body, "id"), r->event_id);
        assert_string_equal(delivery_fx_jstr(body, "event"), "message.received");
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
    calls = delivery_fx_calls_wait(fx, "outcome=succeeded", 3);
    for (size_t i = 0; i < 3; i++) {
        const json_t *c = json_array_get(calls, i);
        const json_t *h = json_object_get(c, "request_headers");
        bool seen = false;

        for (size_t k = 0; k < 3; k++) {
            seen = seen || strcmp(delivery_fx_jstr(c, "id"), fx->rx->reqs[k].delivery_id) == 0;
        }
        assert_true(seen);
        assert_string_equal(delivery_fx_jstr(c, "webhook_id"), hook);
        assert_string_equal(delivery_fx_jstr(c, "url"), fx->hook_url);
        assert_int_equal(json_integer_value(json_object_get(c, "response_status")), 200);
        assert_string_equal(delivery_fx_jstr(c, "response_body"), "ok");
        assert_true(json_is_null(json_object_get(c, "error")));
        assert_true(json_is_null(json_object_get(c, "next_attempt_at")));
        assert_string_equal(delivery_fx_jstr(h, "x-vambe-delivery-id"), delivery_fx_jstr(c, "id"));
        assert_non_null(strstr(delivery_fx_jstr(h, "x-vambe-signature"), "(64 chars)"));
        assert_true(json_string_length(json_object_get(c, "request_body")) > 20);
    }
    json_decref(calls);
    json_decref(trig);
}

/* The legacy profile and second timestamps, switched at run time. */
static void legacy_profile_in_seconds(void **state)
{
    struct delivery_fx *fx = *state;
    char hook[IDS_UUID_LEN + 1];
    json_t *trig;
    json_t *cfg = NULL;
    json_t *body;
    struct rx_req *r;

    delivery_fx_mock_start(fx, NULL);
    assert_int_equal(
        api(fx, "PUT", "/mock/config", "{\"profile\":\"legacy\",\"timestamp_unit\":\"s\"}", &cfg),
        200);
    assert_string_equal(delivery_fx_jstr(cfg, "profile"), "legacy");
    json_decref(cfg);
    delivery_fx_create_hook(fx, fx->hook_url, hook);
    trig = delivery_fx_trigger(fx, 1);
    rx_wait(fx->rx, 1);
    r = &fx->rx->reqs[0];
    body = json_loadb(r->body, r->body_len, 0, NULL);
    assert_string_equal(delivery_fx_jstr(body, "type"), "message.received");
    assert_non_null(json_object_get(body, "aiContactId"));
    assert_null(json_object_get(body, "id"));
    assert_null(json_object_get(body, "event"));
    assert_non_null(json_object_get(json_object_get(body, "data"), "fromNumber"));
    assert_string_equal(r->event_id,
                        delivery_fx_event_id(trig, 0)); /* the id is in the header only */
    assert_int_equal(strlen(r->timestamp), 10);
    assert_int_equal(signature_verify(SECRET, r->timestamp, r->signature, r->body, r->body_len,
                                      clock_wall_ms(), SIGNATURE_UNIT_S, 300),
                     SIGNATURE_OK);
    json_decref(body);
    json_decref(trig);

    /* Signing off: no signature header at all. */
    assert_int_equal(api(fx, "PUT", "/mock/config", "{\"sign\":false}", NULL), 200);
    json_decref(delivery_fx_trigger(fx, 1));
    rx_wait(fx->rx, 2);
    assert_false(fx->rx->reqs[1].has_signature);
    assert_true(fx->rx->reqs[1].timestamp[0] != '\0');
}

/* 500s: retried with growing delays (time-scaled), then gave_up. */
static void retries_grow_then_give_up(void **state)
{
    struct delivery_fx *fx = *state;
    char hook[IDS_UUID_LEN + 1];
    char query[128];
    json_t *trig;
    json_t *calls;
    int64_t delays[3] = {0, 0, 0};

    delivery_fx_mock_start(fx, (const char *[]){"max-attempts", "4", "backoff-base", "4s",
                                                "backoff-factor", "2", "jitter", "0", "time-scale",
                                                "0.01", NULL});
    rx_default(fx->rx, (struct rx_step){500, NULL, NULL, 0});
    delivery_fx_create_hook(fx, fx->hook_url, hook);
    trig = delivery_fx_trigger(fx, 1);
    rx_wait(fx->rx, 4);
    snprintf(query, sizeof(query), "event_id=%s", delivery_fx_event_id(trig, 0));
    calls = delivery_fx_calls_wait(fx, query, 4);
    for (size_t i = 0; i < 4; i++) {
        const json_t *c = json_array_get(calls, i);
        struct rx_req *r = &fx->rx->reqs[i];
        char n[8];

        snprintf(n, sizeof(n), "%zu", i + 1);
        assert_string_equal(r->attempt, n);
        assert_string_equal(r->event_id, delivery_fx_event_id(trig, 0));
        assert_int_equal(json_integer_value(json_object_get(c, "attempt")), (json_int_t)(i + 1));
        assert_int_equal(json_integer_value(json_object_get(c, "response_status")), 500);
        assert_string_equal(delivery_fx_jstr(c, "outcome"), i < 3 ? "retry_scheduled" : "gave_up");
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
    struct delivery_fx *fx = *state;
    char hook[IDS_UUID_LEN + 1];
    char query[128];
    const struct rx_step steps[] = {{500, NULL, NULL, 0}, {502, NULL, NULL, 0}};
    json_t *trig;
    json_t *calls;

    delivery_fx_mock_start(fx, (const char *[]){"max-attempts", "5", "backoff-base", "20ms", NULL});
    rx_script(fx->rx, steps, 2);
    delivery_fx_create_hook(fx, fx->hook_url, hook);
    trig = delivery_fx_trigger(fx, 1);
    snprintf(query, sizeof(query), "event_id=%s", delivery_fx_event_id(trig, 0));
    calls = delivery_fx_calls_wait(fx, query, 3);
    assert_string_equal(delivery_fx_jstr(json_array_get(calls, 0), "outcome"), "retry_scheduled");
    assert_string_equal(delivery_fx_jstr(json_array_get(calls, 1), "outcome"), "retry_scheduled");
    assert_string_equal(delivery_fx_jstr(json_array_get(calls, 2), "outcome"), "succeeded");
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
    struct delivery_fx *fx = *state;
    char hook[IDS_UUID_LEN + 1];
    char query[128];
    const struct rx_step steps[] = {{200, NULL, NULL, 3000}};
    json_t *trig;
    json_t *calls;
    const json_t *first;

    delivery_fx_mock_start(fx, (const char *[]){"timeout", "300ms", "backoff-base", "10ms", NULL});
    rx_script(fx->rx, steps, 1);
    delivery_fx_create_hook(fx, fx->hook_url, hook);
    trig = delivery_fx_trigger(fx, 1);
    snprintf(query, sizeof(query), "event_id=%s", delivery_fx_event_id(trig, 0));
    calls = delivery_fx_calls_wait(fx, query, 2);
    first = json_array_get(calls, 0);
    assert_string_equal(delivery_fx_jstr(first, "error"), "timeout");
    assert_true(json_is_null(json_object_get(first, "response_status")));
    assert_true(json_is_null(json_object_get(first, "response_body")));
    assert_string_equal(delivery_fx_jstr(first, "outcome"), "retry_scheduled");
    assert_true(json_integer_value(json_object_get(first, "duration_ms")) >= 250);
    assert_string_equal(delivery_fx_jstr(json_array_get(calls, 1), "outcome"), "succeeded");
    json_decref(calls);
    json_decref(trig);
}

/* Nobody listens: "refused", retried to the last attempt. */
static void refused_connection_gives_up(void **state)
{
    struct delivery_fx *fx = *state;
    char hook[IDS_UUID_LEN + 1];
    char url[128];
    char query[128];
    struct rx *dead = rx_start();
    json_t *trig;
    json_t *calls;

    /* A port that was just free: start a receiver, note its port, stop it. */
    snprintf(url, sizeof(url), "http://127.0.0.1:%u/hook", dead->port);
    rx_stop(dead);
    delivery_fx_mock_start(fx, (const char *[]){"max-attempts", "3", "backoff-base", "10ms", NULL});
    delivery_fx_create_hook(fx, url, hook);
    trig = delivery_fx_trigger(fx, 1);
    snprintf(query, sizeof(query), "event_id=%s", delivery_fx_event_id(trig, 0));
    calls = delivery_fx_calls_wait(fx, query, 3);
    for (size_t i = 0; i < 3; i++) {
        const json_t *c = json_array_get(calls, i);

        assert_string_equal(delivery_fx_jstr(c, "error"), "refused");
        assert_true(json_is_null(json_object_get(c, "response_status")));
        assert_string_equal(delivery_fx_jstr(c, "outcome"), i < 2 ? "retry_scheduled" : "gave_up");
    }
    json_decref(calls);
    json_decref(trig);
}

/* A 3xx is a failure and its Location is never followed. */
static void redirect_is_a_failure(void **state)
{
    struct delivery_fx *fx = *state;
    char hook[IDS_UUID_LEN + 1];
    char query[128];
    json_t *trig;
    json_t *calls;
    const json_t *c;

    delivery_fx_mock_start(fx, (const char *[]){"max-attempts", "2", "backoff-base", "10ms", NULL});
    rx_default(fx->rx, (struct rx_step){302, NULL, "/target", 0});
    delivery_fx_create_hook(fx, fx->hook_url, hook);
    trig = delivery_fx_trigger(fx, 1);
    snprintf(query, sizeof(query), "event_id=%s", delivery_fx_event_id(trig, 0));
    calls = delivery_fx_calls_wait(fx, query, 2);
    c = json_array_get(calls, 0);
    assert_int_equal(json_integer_value(json_object_get(c, "response_status")), 302);
    assert_string_equal(delivery_fx_jstr(json_object_get(c, "response_headers"), "location"),
                        "/target");
    assert_string_equal(delivery_fx_jstr(c, "outcome"), "retry_scheduled");
    assert_string_equal(delivery_fx_jstr(json_array_get(calls, 1), "outcome"), "gave_up");
    assert_int_equal(atomic_load(&fx->rx->target_hits), 0);
    assert_int_equal(rx_count(fx->rx), 2);
    json_decref(calls);
    json_decref(trig);
}

/* A 503 with Retry-After: 1 waits one second, not the 20 ms backoff. */
static void retry_after_is_honoured(void **state)
{
    struct delivery_fx *fx = *state;
    char hook[IDS_UUID_LEN + 1];
    char query[128];
    const struct rx_step steps[] = {{503, "1", NULL, 0}, {500, NULL, NULL, 0}};
    json_t *trig;
    json_t *calls;

    delivery_fx_mock_start(fx, (const char *[]){"backoff-base", "20ms", "jitter", "0", NULL});
    rx_script(fx->rx, steps, 2);
    delivery_fx_create_hook(fx, fx->hook_url, hook);
    trig = delivery_fx_trigger(fx, 1);
    snprintf(query, sizeof(query), "event_id=%s", delivery_fx_event_id(trig, 0));
    calls = delivery_fx_calls_wait(fx, query, 3);
    /* After the 503: Retry-After (1 s). After the 500: the backoff (40 ms,
     * the second retry). */
    assert_true(computed_delay(json_array_get(calls, 0)) >= 1000);
    assert_true(computed_delay(json_array_get(calls, 1)) < 1000);
    assert_true((fx->rx->reqs[1].mono_us - fx->rx->reqs[0].mono_us) / 1000 >= 999);
    assert_string_equal(delivery_fx_jstr(json_array_get(calls, 2), "outcome"), "succeeded");
    json_decref(calls);
    json_decref(trig);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(headers_and_signature, delivery_fx_setup,
                                        delivery_fx_teardown),
        cmocka_unit_test_setup_teardown(legacy_profile_in_seconds, delivery_fx_setup,
                                        delivery_fx_teardown),
        cmocka_unit_test_setup_teardown(retries_grow_then_give_up, delivery_fx_setup,
                                        delivery_fx_teardown),
        cmocka_unit_test_setup_teardown(stops_on_success, delivery_fx_setup, delivery_fx_teardown),
        cmocka_unit_test_setup_teardown(timeout_is_retried, delivery_fx_setup,
                                        delivery_fx_teardown),
        cmocka_unit_test_setup_teardown(refused_connection_gives_up, delivery_fx_setup,
                                        delivery_fx_teardown),
        cmocka_unit_test_setup_teardown(redirect_is_a_failure, delivery_fx_setup,
                                        delivery_fx_teardown),
        cmocka_unit_test_setup_teardown(retry_after_is_honoured, delivery_fx_setup,
                                        delivery_fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
