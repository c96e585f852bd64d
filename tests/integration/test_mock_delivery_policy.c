/* The delivery engine's other policies, end to end on the fixture of
 * test_mock_delivery.c (support/delivery_fx.h): duplicates, reordering
 * with a seed, auto-disable, per-webhook concurrency; replay re-signing;
 * an answer with a NUL byte kept whole.
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

/* Duplicate rate 1: every event arrives exactly twice, one event id, two
 * delivery ids. */
static void duplicates(void **state)
{
    struct delivery_fx *fx = *state;
    char hook[IDS_UUID_LEN + 1];
    json_t *trig;
    json_t *calls;

    delivery_fx_mock_start(fx,
                           (const char *[]){"duplicate-rate", "1", "duplicate-delay", "0", NULL});
    delivery_fx_create_hook(fx, fx->hook_url, hook);
    trig = delivery_fx_trigger(fx, 3);
    assert_int_equal(json_integer_value(json_object_get(trig, "deliveries")), 3);
    rx_wait(fx->rx, 6);
    calls = delivery_fx_calls_wait(fx, "outcome=succeeded", 6);
    assert_int_equal(json_array_size(calls), 6); /* all final: no third copy is coming */
    assert_int_equal(rx_count(fx->rx), 6);
    for (size_t k = 0; k < 3; k++) {
        size_t seen = 0;
        const char *first = NULL;

        for (size_t i = 0; i < 6; i++) {
            struct rx_req *r = &fx->rx->reqs[i];

            if (strcmp(r->event_id, delivery_fx_event_id(trig, k)) != 0) {
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
static json_t *arrival_order(struct delivery_fx *fx, size_t base, size_t order[8])
{
    char hook[IDS_UUID_LEN + 1];
    json_t *trig;

    delivery_fx_create_hook(fx, fx->hook_url, hook);
    trig = delivery_fx_trigger(fx, 8);
    rx_wait(fx->rx, base + 8);
    for (size_t i = 0; i < 8; i++) {
        order[i] = 99;
        for (size_t k = 0; k < 8; k++) {
            if (strcmp(fx->rx->reqs[base + i].event_id, delivery_fx_event_id(trig, k)) == 0) {
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
    struct delivery_fx *fx = *state;
    size_t a[8];
    size_t b[8];
    json_t *first;
    json_t *second;
    bool moved = false;

    delivery_fx_mock_start(fx, (const char *[]){"reorder-window", "4", "seed", "7",
                                                "per-webhook-concurrency", "1", NULL});
    first = arrival_order(fx, 0, a);
    /* Reset restarts the random streams from the seed: the same events
     * (same ids) in the same order. */
    assert_int_equal(api(fx, "POST", "/mock/reset", NULL, NULL), 200);
    second = arrival_order(fx, 8, b);
    for (size_t i = 0; i < 8; i++) {
        assert_string_equal(delivery_fx_event_id(first, i), delivery_fx_event_id(second, i));
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
    struct delivery_fx *fx = *state;
    char hook[IDS_UUID_LEN + 1];
    char path[128];
    char query[128];
    json_t *trig;
    json_t *calls;
    json_t *w = NULL;

    delivery_fx_mock_start(fx, (const char *[]){"max-attempts", "1", "disable-after", "2", NULL});
    rx_default(fx->rx, (struct rx_step){500, NULL, NULL, 0});
    delivery_fx_create_hook(fx, fx->hook_url, hook);
    json_decref(delivery_fx_trigger(fx, 1));
    calls = delivery_fx_calls_wait(fx, "outcome=gave_up", 1);
    json_decref(calls);
    trig = delivery_fx_trigger(fx, 1);
    snprintf(query, sizeof(query), "event_id=%s", delivery_fx_event_id(trig, 0));
    calls = delivery_fx_calls_wait(fx, query, 1);
    assert_string_equal(delivery_fx_jstr(json_array_get(calls, 0), "outcome"), "webhook_disabled");
    assert_non_null(strstr(delivery_fx_jstr(json_array_get(calls, 0), "error"), "status 500"));
    assert_non_null(strstr(delivery_fx_jstr(json_array_get(calls, 0), "error"), "deactivated"));
    json_decref(calls);
    json_decref(trig);
    snprintf(path, sizeof(path), "/api/webhooks/%s", hook);
    assert_int_equal(api(fx, "GET", path, NULL, &w), 200);
    assert_true(json_is_false(json_object_get(w, "active")));
    json_decref(w);

    /* Nothing goes to an inactive webhook... */
    trig = delivery_fx_trigger(fx, 1);
    assert_int_equal(json_integer_value(json_object_get(trig, "deliveries")), 0);
    assert_non_null(strstr(delivery_fx_jstr(trig, "warning"), "no active webhook"));
    json_decref(trig);
    /* ...until it is re-enabled. */
    rx_default(fx->rx, (struct rx_step){200, NULL, NULL, 0});
    assert_int_equal(api(fx, "PUT", path, "{\"active\":true}", NULL), 200);
    trig = delivery_fx_trigger(fx, 1);
    assert_int_equal(json_integer_value(json_object_get(trig, "deliveries")), 1);
    rx_wait(fx->rx, 3);
    json_decref(trig);
}

/* Replay: the same event again, attempt 1, a new delivery id, a fresh
 * timestamp and a valid signature. */
static void replay_resigns(void **state)
{
    struct delivery_fx *fx = *state;
    char hook[IDS_UUID_LEN + 1];
    char path[256];
    json_t *trig;
    json_t *calls;
    json_t *res = NULL;
    struct rx_req *a;
    struct rx_req *b;
    uint64_t first_ts;

    delivery_fx_mock_start(fx, NULL);
    delivery_fx_create_hook(fx, fx->hook_url, hook);
    trig = delivery_fx_trigger(fx, 1);
    calls = delivery_fx_calls_wait(fx, "outcome=succeeded", 1);
    a = &fx->rx->reqs[0];
    first_ts = strtoull(a->timestamp, NULL, 10);
    /* Let the clock move past the first timestamp (bounded). */
    for (int i = 0; i < 1000 && clock_wall_ms() <= first_ts; i++) {
        clock_sleep_us(1000);
    }
    snprintf(path, sizeof(path), "/mock/calls/%s/replay",
             delivery_fx_jstr(json_array_get(calls, 0), "id"));
    assert_int_equal(api(fx, "POST", path, NULL, &res), 202);
    assert_string_equal(delivery_fx_jstr(res, "event_id"), delivery_fx_event_id(trig, 0));
    assert_string_equal(delivery_fx_jstr(res, "webhook_id"), hook);
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
    assert_non_null(strstr(delivery_fx_jstr(res, "message"), "not found"));
    json_decref(res);
    json_decref(calls);
    json_decref(trig);
}

/* No more than --per-webhook-concurrency deliveries at once to one
 * webhook. */
static void per_webhook_limit(void **state)
{
    struct delivery_fx *fx = *state;
    char hook[IDS_UUID_LEN + 1];
    json_t *calls;

    delivery_fx_mock_start(fx, (const char *[]){"per-webhook-concurrency", "2", NULL});
    rx_default(fx->rx, (struct rx_step){200, NULL, NULL, 30});
    delivery_fx_create_hook(fx, fx->hook_url, hook);
    json_decref(delivery_fx_trigger(fx, 8));
    rx_wait(fx->rx, 8);
    calls = delivery_fx_calls_wait(fx, "outcome=succeeded", 8);
    assert_true(fx->rx->max_inflight >= 1);
    assert_true(fx->rx->max_inflight <= 2);
    json_decref(calls);
}

/* A receiver's answer with a NUL byte in it is recorded whole: the call
 * log's response_body is the 5 bytes "ab\0cd" ("ab\u0000cd" in the JSON).
 * Before the fix the store cut it at the NUL and the record said "ab". */
static void response_body_keeps_nul_bytes(void **state)
{
    struct delivery_fx *fx = *state;
    char hook[IDS_UUID_LEN + 1];
    char path[256];
    struct api_reply r;
    json_t *trig;
    json_t *rec;
    json_t *body;

    delivery_fx_mock_start(fx, NULL);
    pthread_mutex_lock(&fx->rx->lock);
    fx->rx->answer = "ab\0cd";
    fx->rx->answer_len = 5;
    pthread_mutex_unlock(&fx->rx->lock);
    delivery_fx_create_hook(fx, fx->hook_url, hook);
    trig = delivery_fx_trigger(fx, 1);
    rx_wait(fx->rx, 1);
    /* Parsed here with JSON_ALLOW_NUL: jansson refuses \u0000 unless asked,
     * so api_json would not read this answer. */
    snprintf(path, sizeof(path), "/api/webhooks/calls?outcome=succeeded&event_id=%s",
             delivery_fx_event_id(trig, 0));
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
            fail_msg("no call record for %s", delivery_fx_event_id(trig, 0));
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
    struct delivery_fx *fx = *state;
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
    delivery_fx_create_hook(fx, fx->hook_url, hook);
    trig = delivery_fx_trigger(fx, 1);
    snprintf(query, sizeof(query), "event_id=%s&outcome=retry_scheduled",
             delivery_fx_event_id(trig, 0));
    /* Attempt 1 failed and its retry is stored: kill during the wait. */
    json_decref(delivery_fx_calls_wait(fx, query, 1));
    proc_kill(&p);
    unlink(p.port_file); /* proc_kill leaves it */
    unlink(p.log_file);
    assert_int_equal(rx_count(fx->rx), 1);

    if (proc_start(&p, argv, true, 10000) != 0) {
        fail_msg("vambe-mock did not restart");
    }
    fx->port = p.port;
    rx_wait(fx->rx, 2);
    assert_string_equal(fx->rx->reqs[1].event_id, delivery_fx_event_id(trig, 0));
    assert_string_equal(fx->rx->reqs[1].attempt, "2");
    assert_int_equal(signature_verify(SECRET, fx->rx->reqs[1].timestamp, fx->rx->reqs[1].signature,
                                      fx->rx->reqs[1].body, fx->rx->reqs[1].body_len,
                                      clock_wall_ms(), SIGNATURE_UNIT_MS, 300),
                     SIGNATURE_OK);
    snprintf(query, sizeof(query), "event_id=%s", delivery_fx_event_id(trig, 0));
    calls = delivery_fx_calls_wait(fx, query, 2);
    assert_string_equal(delivery_fx_jstr(json_array_get(calls, 0), "outcome"), "retry_scheduled");
    assert_string_equal(delivery_fx_jstr(json_array_get(calls, 1), "outcome"), "succeeded");
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
        cmocka_unit_test_setup_teardown(duplicates, delivery_fx_setup, delivery_fx_teardown),
        cmocka_unit_test_setup_teardown(reorder_is_reproducible, delivery_fx_setup,
                                        delivery_fx_teardown),
        cmocka_unit_test_setup_teardown(auto_disable, delivery_fx_setup, delivery_fx_teardown),
        cmocka_unit_test_setup_teardown(replay_resigns, delivery_fx_setup, delivery_fx_teardown),
        cmocka_unit_test_setup_teardown(per_webhook_limit, delivery_fx_setup, delivery_fx_teardown),
        cmocka_unit_test_setup_teardown(response_body_keeps_nul_bytes, delivery_fx_setup,
                                        delivery_fx_teardown),
        cmocka_unit_test_setup_teardown(resume_after_kill, delivery_fx_setup, delivery_fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
