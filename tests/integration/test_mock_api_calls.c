/* The mock's call-log API, in process (support/api_fx.h): records
 * inserted through the store API, then read back through GET
 * /api/webhooks/calls: the record's shape, pagination and filters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mock_server/server.h"
#include "mock_server/store.h"
#include "support/api.h"
#include "support/api_fx.h"

/* ---- the call log --------------------------------------------------------- */

#define T0 1727690400000ull /* 2024-09-30T10:00:00.000Z */

static const char *const HOOK_A = "aaaaaaaa-0000-4000-8000-000000000001";
static const char *const HOOK_B = "bbbbbbbb-0000-4000-8000-000000000002";

/* Inserts seven records, one second apart (oldest first):
 *   0 A message.received evt_0 failed        5 B ticket.closed  evt_2 succeeded
 *   1 A message.received evt_0 succeeded     6 A stage.changed  evt_3 gave_up
 *   2 B message.received evt_1 retry_sched.
 *   3 B message.received evt_1 succeeded
 *   4 A ticket.closed    evt_2 succeeded */
static void insert_calls(struct api_fx *fx)
{
    static const struct {
        const char *hook;
        const char *topic;
        const char *event;
        const char *outcome;
        int status;
    } rows[] = {
        {"A", "message.received", "evt_0", "failed", 500},
        {"A", "message.received", "evt_0", "succeeded", 200},
        {"B", "message.received", "evt_1", "retry_scheduled", 0},
        {"B", "message.received", "evt_1", "succeeded", 200},
        {"A", "ticket.closed", "evt_2", "succeeded", 200},
        {"B", "ticket.closed", "evt_2", "succeeded", 204},
        {"A", "stage.changed", "evt_3", "gave_up", 503},
    };
    struct ms_call calls[7];
    struct err e = {{0}};

    memset(calls, 0, sizeof(calls));
    for (size_t i = 0; i < 7; i++) {
        struct ms_call *c = &calls[i];
        snprintf(c->id, sizeof(c->id), "cccccccc-0000-4000-8000-%012zu", i);
        snprintf(c->webhook_id, sizeof(c->webhook_id), "%s",
                 rows[i].hook[0] == 'A' ? HOOK_A : HOOK_B);
        snprintf(c->event_id, sizeof(c->event_id), "%s", rows[i].event);
        snprintf(c->topic, sizeof(c->topic), "%s", rows[i].topic);
        c->outcome = ms_outcome_parse(rows[i].outcome);
        c->attempt = (i == 1 || i == 3) ? 2 : 1;
        c->url = "http://receiver.example/hook";
        c->request_headers = "{\"x-vambe-event\":\"message.received\"}";
        c->request_body = "{\"id\":\"evt\"}";
        c->response_status = rows[i].status;
        c->response_headers = rows[i].status ? "{\"content-type\":\"text/plain\"}" : NULL;
        c->response_body = rows[i].status ? "ok" : NULL;
        c->duration_ms = rows[i].status ? (int64_t)(10 + i) : -1;
        c->error = rows[i].status ? NULL : "timeout";
        c->scheduled_ms = T0 + i * 1000;
        c->sent_ms = T0 + i * 1000 + 5;
        c->next_attempt_ms = strcmp(rows[i].outcome, "retry_scheduled") == 0 ? T0 + 60000 : 0;
        c->created_ms = T0 + i * 1000;
    }
    if (ms_store_calls_insert(ms_server_store(fx->srv), calls, 7, &e) != 0) {
        fail_msg("insert: %s", e.msg);
    }
}

/* GETs the call log with query q; asserts 200 and the ids (by index into
 * insert_calls' rows, newest first) and the total. */
static void expect_calls(struct api_fx *fx, const char *q, long total, const int *idx, size_t n)
{
    char path[512];
    struct api_reply r = {0};

    snprintf(path, sizeof(path), "/api/webhooks/calls%s", q);
    api_fx_send(fx, "GET", path, NULL, &r);
    if (r.status != 200) {
        fail_msg("%s: %ld %s", q, r.status, r.body);
    }
    json_t *data = json_object_get(r.json, "data");
    assert_true(json_is_array(data));
    if (json_array_size(data) != n ||
        json_integer_value(json_object_get(r.json, "total")) != total) {
        fail_msg("%s: expected %zu of %ld, got %s", q, n, total, r.body);
    }
    for (size_t i = 0; i < n; i++) {
        char want[64];
        snprintf(want, sizeof(want), "cccccccc-0000-4000-8000-%012d", idx[i]);
        assert_string_equal(api_fx_jstr(json_array_get(data, i), "id"), want);
    }
    api_reply_free(&r);
}

static void calls_record_shape(void **state)
{
    struct api_fx *fx = *state;
    struct api_reply r = {0};
    static const char *const fields[] = {
        "id",
        "webhook_id",
        "event_id",
        "topic",
        "attempt",
        "url",
        "request_headers",
        "request_body",
        "response_status",
        "response_headers",
        "response_body",
        "duration_ms",
        "error",
        "outcome",
        "scheduled_at",
        "sent_at",
        "next_attempt_at",
    };

    insert_calls(fx);
    assert_int_equal(api_fx_send(fx, "GET", "/api/webhooks/calls", NULL, &r), 200);
    assert_int_equal(json_integer_value(json_object_get(r.json, "page")), 1);
    assert_int_equal(json_integer_value(json_object_get(r.json, "limit")), 50);
    assert_int_equal(json_integer_value(json_object_get(r.json, "total")), 7);
    json_t *data = json_object_get(r.json, "data");
    for (size_t i = 0; i < json_array_size(data); i++) {
        for (size_t k = 0; k < sizeof(fields) / sizeof(fields[0]); k++) {
            if (json_object_get(json_array_get(data, i), fields[k]) == NULL) {
                fail_msg("record %zu lacks %s", i, fields[k]);
            }
        }
    }
    /* Newest first: row 6 (gave up), then row 5. */
    json_t *gave_up = json_array_get(data, 0);
    assert_string_equal(api_fx_jstr(gave_up, "outcome"), "gave_up");
    assert_int_equal(json_integer_value(json_object_get(gave_up, "response_status")), 503);
    assert_int_equal(json_integer_value(json_object_get(gave_up, "attempt")), 1);
    assert_int_equal(json_integer_value(json_object_get(gave_up, "duration_ms")), 16);
    assert_true(json_is_null(json_object_get(gave_up, "error")));
    assert_string_equal(api_fx_jstr(gave_up, "sent_at"), "2024-09-30T10:00:06.005Z");
    assert_true(json_is_object(json_object_get(gave_up, "request_headers")));
    assert_string_equal(api_fx_jstr(json_object_get(gave_up, "request_headers"), "x-vambe-event"),
                        "message.received");
    /* Row 2 had no response: status, headers and body are null. */
    json_t *pending = json_array_get(data, 4);
    assert_string_equal(api_fx_jstr(pending, "outcome"), "retry_scheduled");
    assert_true(json_is_null(json_object_get(pending, "response_status")));
    assert_true(json_is_null(json_object_get(pending, "response_body")));
    assert_true(json_is_null(json_object_get(pending, "duration_ms")));
    assert_string_equal(api_fx_jstr(pending, "error"), "timeout");
    assert_string_equal(api_fx_jstr(pending, "next_attempt_at"), "2024-09-30T10:01:00.000Z");
    api_reply_free(&r);
}

static void calls_pagination_edges(void **state)
{
    struct api_fx *fx = *state;
    struct api_reply r = {0};
    const int all[] = {6, 5, 4, 3, 2, 1, 0};

    expect_calls(fx, "", 0, NULL, 0);
    insert_calls(fx);
    expect_calls(fx, "", 7, all, 7);
    expect_calls(fx, "?limit=1", 7, all, 1);
    expect_calls(fx, "?limit=500", 7, all, 7);
    expect_calls(fx, "?limit=3&page=1", 7, all, 3);
    expect_calls(fx, "?limit=3&page=2", 7, all + 3, 3);
    expect_calls(fx, "?limit=3&page=3", 7, all + 6, 1);
    expect_calls(fx, "?limit=3&page=4", 7, NULL, 0);
    expect_calls(fx, "?limit=1&page=7", 7, all + 6, 1);
    expect_calls(fx, "?page=1000000000", 7, NULL, 0);

    assert_int_equal(api_fx_send(fx, "GET", "/api/webhooks/calls?limit=2&page=2", NULL, &r), 200);
    assert_int_equal(json_integer_value(json_object_get(r.json, "page")), 2);
    assert_int_equal(json_integer_value(json_object_get(r.json, "limit")), 2);
    api_reply_free(&r);

    static const struct {
        const char *q;
        const char *field;
    } bad[] = {
        {"?limit=0", "limit"},
        {"?limit=501", "limit: must be between 1 and 500"},
        {"?limit=-1", "limit"},
        {"?limit=abc", "limit"},
        {"?limit=", "limit"},
        {"?limit=10x", "limit"},
        {"?limit=99999999999999999999", "limit"},
        {"?page=0", "page"},
        {"?page=-2", "page"},
        {"?page=two", "page"},
        {"?page=1000000001", "page"},
        {"?outcome=ok", "outcome"},
        {"?since=yesterday", "since"},
        {"?until=2024-13-01", "until"},
        {"?since=2024-09-30T10:00:00", "since"},
        {"?since=2024-09-30T10:00:05Z&until=2024-09-30T10:00:01Z", "until: must be after since"},
        {"?webhook_id=", "webhook_id"},
        {"?topic=", "topic"},
        {"?event_id=", "event_id"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char path[256];
        snprintf(path, sizeof(path), "/api/webhooks/calls%s", bad[i].q);
        api_fx_send(fx, "GET", path, NULL, &r);
        if (r.status != 400) {
            fail_msg("%s: %ld %s", bad[i].q, r.status, r.body);
        }
        api_fx_assert_error(&r, 400, bad[i].field);
        api_reply_free(&r);
    }
}

static void calls_filters(void **state)
{
    struct api_fx *fx = *state;
    char q[512];

    insert_calls(fx);
    snprintf(q, sizeof(q), "?webhook_id=%s", HOOK_A);
    expect_calls(fx, q, 4, (const int[]){6, 4, 1, 0}, 4);
    snprintf(q, sizeof(q), "?webhook_id=%s", HOOK_B);
    expect_calls(fx, q, 3, (const int[]){5, 3, 2}, 3);
    expect_calls(fx, "?webhook_id=00000000-0000-4000-8000-000000000000", 0, NULL, 0);
    expect_calls(fx, "?topic=message.received", 4, (const int[]){3, 2, 1, 0}, 4);
    expect_calls(fx, "?topic=future.topic", 0, NULL, 0);
    expect_calls(fx, "?event_id=evt_2", 2, (const int[]){5, 4}, 2);
    expect_calls(fx, "?outcome=succeeded", 4, (const int[]){5, 4, 3, 1}, 4);
    expect_calls(fx, "?outcome=gave_up", 1, (const int[]){6}, 1);
    expect_calls(fx, "?outcome=webhook_disabled", 0, NULL, 0);
    /* since is inclusive, until exclusive; ISO-8601 or epoch ms */
    expect_calls(fx, "?since=2024-09-30T10:00:05.000Z", 2, (const int[]){6, 5}, 2);
    expect_calls(fx, "?until=2024-09-30T10:00:02Z", 2, (const int[]){1, 0}, 2);
    expect_calls(fx, "?since=1727690402000&until=1727690404000", 2, (const int[]){3, 2}, 2);
    expect_calls(fx, "?since=2024-09-30T12:00:02%2B02:00&until=2024-10-01", 5,
                 (const int[]){6, 5, 4, 3, 2}, 5);
    /* combined */
    snprintf(q, sizeof(q), "?webhook_id=%s&outcome=succeeded&topic=ticket.closed", HOOK_A);
    expect_calls(fx, q, 1, (const int[]){4}, 1);
    snprintf(q, sizeof(q),
             "?webhook_id=%s&topic=message.received&event_id=evt_0&outcome=failed"
             "&since=1727690400000&until=1727690401000",
             HOOK_A);
    expect_calls(fx, q, 1, (const int[]){0}, 1);
    snprintf(q, sizeof(q), "?webhook_id=%s&topic=message.received&limit=1&page=2", HOOK_B);
    expect_calls(fx, q, 2, (const int[]){2}, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(calls_record_shape, api_fx_setup, api_fx_teardown),
        cmocka_unit_test_setup_teardown(calls_pagination_edges, api_fx_setup, api_fx_teardown),
        cmocka_unit_test_setup_teardown(calls_filters, api_fx_setup, api_fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
