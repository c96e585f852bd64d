/* The control API (POST /mock/events, GET/PUT /mock/config, POST
 * /mock/reset) on an in-process mock (support/control_fx.h). The real
 * program's command line is in test_mock_control_cli.c. */
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
#include <unistd.h>

#include "core/clock.h"
#include "core/http_client.h"
#include "core/ids.h"
#include "mock_server/server.h"
#include "mock_server/store.h"
#include "support/api.h"
#include "support/control_fx.h"

/* One request; key NULL sends none. Returns the status; *out (may be NULL)
 * gets the parsed body. */
static long send_req(struct control_fx *fx, const char *method, const char *path, const char *key,
                     const char *ctype, const char *body, json_t **out)
{
    struct api_reply r = {0};
    long status;

    api_send(fx->client, fx->port, method, path, key, ctype, body, body ? strlen(body) : 0, &r);
    status = r.status;
    if (out != NULL) {
        *out = r.json;
        r.json = NULL;
    }
    api_reply_free(&r);
    return status;
}

static long api(struct control_fx *fx, const char *method, const char *path, const char *body,
                json_t **out)
{
    return api_json(fx->client, fx->port, KEY, method, path, body, out);
}

/* Asserts the kit's error shape with this status and a message starting
 * with want. */
static void expect_error(struct control_fx *fx, const char *method, const char *path,
                         const char *body, long status, const char *want)
{
    json_t *j = NULL;
    long got = api(fx, method, path, body, &j);

    if (got != status || strncmp(control_fx_jstr(j, "message"), want, strlen(want)) != 0) {
        fail_msg("%s %s %s: got %ld '%s', expected %ld '%s'", method, path, body ? body : "", got,
                 control_fx_jstr(j, "message"), status, want);
    }
    assert_int_equal(json_integer_value(json_object_get(j, "statusCode")), status);
    json_decref(j);
}

/* ---- POST /mock/events ----------------------------------------------------------- */

static void events_validation(void **state)
{
    struct control_fx *fx = *state;
    char body[256];
    char hook[IDS_UUID_LEN + 1];
    json_t *j = NULL;

    assert_int_equal(send_req(fx, "POST", "/mock/events", NULL, "application/json",
                              "{\"topic\":\"message.received\"}", NULL),
                     401);
    assert_int_equal(send_req(fx, "POST", "/mock/events", KEY, "text/plain", "topic", NULL), 415);
    assert_int_equal(api(fx, "GET", "/mock/events", NULL, NULL), 405);

    expect_error(fx, "POST", "/mock/events", NULL, 400, "body: must be a JSON object");
    expect_error(fx, "POST", "/mock/events", "[1]", 400, "body: must be a JSON object");
    expect_error(fx, "POST", "/mock/events", "{\"topic\":", 400, "body: invalid JSON");
    expect_error(fx, "POST", "/mock/events", "{}", 400, "topic: required");
    expect_error(fx, "POST", "/mock/events", "{\"topic\":7}", 400, "topic: must be a string");
    expect_error(fx, "POST", "/mock/events", "{\"topic\":\"message.deleted\"}", 400,
                 "topic: unknown topic 'message.deleted'");
    expect_error(fx, "POST", "/mock/events", "{\"topic\":\"message.sent\",\"count\":0}", 400,
                 "count: must be an integer from 1 to 10000");
    expect_error(fx, "POST", "/mock/events", "{\"topic\":\"message.sent\",\"count\":10001}", 400,
                 "count: ");
    expect_error(fx, "POST", "/mock/events", "{\"topic\":\"message.sent\",\"count\":\"2\"}", 400,
                 "count: ");
    expect_error(fx, "POST", "/mock/events", "{\"topic\":\"message.sent\",\"data\":[1]}", 400,
                 "data: must be a JSON object");
    expect_error(fx, "POST", "/mock/events", "{\"topic\":\"message.sent\",\"cuont\":2}", 400,
                 "cuont: unknown field");
    expect_error(fx, "POST", "/mock/events",
                 "{\"topic\":\"message.sent\",\"webhook_id\":\"00000000-0000-4000-8000-"
                 "000000000000\"}",
                 400, "webhook_id: no webhook");
    expect_error(fx, "POST", "/mock/events", "{\"topic\":\"message.sent\",\"webhook_id\":5}", 400,
                 "webhook_id: must be a string");

    /* No subscriber: accepted, nothing sent, and a warning. */
    assert_int_equal(
        api(fx, "POST", "/mock/events", "{\"topic\":\"ticket.opened\",\"count\":2}", &j), 202);
    assert_int_equal(json_array_size(json_object_get(j, "event_ids")), 2);
    assert_int_equal(json_integer_value(json_object_get(j, "deliveries")), 0);
    assert_non_null(
        strstr(control_fx_jstr(j, "warning"), "no active webhook is subscribed to ticket.created"));
    json_decref(j);

    /* A webhook of another topic, named explicitly: a warning saying so. */
    control_fx_create_hook(fx, "message.sent", "http://127.0.0.1:9/h", hook);
    snprintf(body, sizeof(body), "{\"topic\":\"message.received\",\"webhook_id\":\"%s\"}", hook);
    assert_int_equal(api(fx, "POST", "/mock/events", body, &j), 202);
    assert_int_equal(json_integer_value(json_object_get(j, "deliveries")), 0);
    assert_non_null(strstr(control_fx_jstr(j, "warning"), "subscribed to message.sent"));
    json_decref(j);
}

/* The largest trigger: 10 000 distinct ids in the 202. */
static void events_count_max(void **state)
{
    struct control_fx *fx = *state;
    json_t *j = NULL;
    json_t *ids;

    assert_int_equal(
        api(fx, "POST", "/mock/events", "{\"topic\":\"contact.created\",\"count\":10000}", &j),
        202);
    ids = json_object_get(j, "event_ids");
    assert_int_equal(json_array_size(ids), 10000);
    for (size_t i = 1; i < 10000; i++) {
        const char *a = json_string_value(json_array_get(ids, i - 1));
        const char *b = json_string_value(json_array_get(ids, i));
        assert_true(control_fx_is_event_id(b, strlen(b)));
        assert_string_not_equal(a, b);
    }
    json_decref(j);
}

/* ---- config and reset ------------------------------------------------------------ */

static void config_get_and_put(void **state)
{
    struct control_fx *fx = *state;
    json_t *j = NULL;

    assert_int_equal(send_req(fx, "GET", "/mock/config", NULL, NULL, NULL, NULL), 401);
    assert_int_equal(api(fx, "GET", "/mock/config", NULL, &j), 200);
    assert_int_equal(json_integer_value(json_object_get(j, "max_attempts")), 5);
    assert_int_equal(json_integer_value(json_object_get(j, "timeout_ms")), 5000);
    assert_string_equal(control_fx_jstr(j, "backoff"), "exponential");
    assert_true(json_is_true(json_object_get(j, "sign")));
    assert_string_equal(control_fx_jstr(j, "timestamp_unit"), "ms");
    assert_string_equal(control_fx_jstr(j, "profile"), "documented");
    assert_true(json_is_integer(json_object_get(j, "seed"))); /* the one drawn, shown */
    assert_int_equal(json_integer_value(json_object_get(j, "concurrency")), 64);
    json_decref(j);

    /* Partial: only the members given change. */
    assert_int_equal(api(fx, "PUT", "/mock/config",
                         "{\"max_attempts\":2,\"retry_schedule_ms\":\"1s,1m\",\"seed\":5}", &j),
                     200);
    assert_int_equal(json_integer_value(json_object_get(j, "max_attempts")), 2);
    assert_string_equal(control_fx_jstr(j, "backoff"), "schedule");
    assert_int_equal(json_integer_value(json_array_get(json_object_get(j, "retry_schedule_ms"), 1)),
                     60000);
    assert_int_equal(json_integer_value(json_object_get(j, "seed")), 5);
    assert_int_equal(json_integer_value(json_object_get(j, "timeout_ms")), 5000);
    json_decref(j);
    assert_int_equal(api(fx, "GET", "/mock/config", NULL, &j), 200);
    assert_int_equal(json_integer_value(json_object_get(j, "max_attempts")), 2);
    json_decref(j);

    expect_error(fx, "PUT", "/mock/config", "{\"max_attempts\":0}", 400, "max_attempts: ");
    expect_error(fx, "PUT", "/mock/config", "{\"jitter\":\"high\"}", 400, "jitter: ");
    expect_error(fx, "PUT", "/mock/config", "{\"retries\":3}", 400, "retries: unknown setting");
    expect_error(fx, "PUT", "/mock/config", "{\"backoff\":\"cubic\"}", 400, "backoff: ");
    expect_error(fx, "PUT", "/mock/config", "[]", 400, "body: must be a JSON object");
    assert_int_equal(send_req(fx, "PUT", "/mock/config", KEY, "text/plain", "x", NULL), 415);
    /* A refused update changed nothing. */
    assert_int_equal(api(fx, "GET", "/mock/config", NULL, &j), 200);
    assert_int_equal(json_integer_value(json_object_get(j, "max_attempts")), 2);
    json_decref(j);
}

static void reset_empties_everything(void **state)
{
    struct control_fx *fx = *state;
    char url[64];
    char hook[IDS_UUID_LEN + 1];
    json_t *j = NULL;
    uint64_t deadline = clock_mono_us() + (uint64_t)WAIT_MS * 1000u;
    json_int_t total = 0;

    snprintf(url, sizeof(url), "http://127.0.0.1:%u/h", fx->dead_port);
    assert_int_equal(api(fx, "PUT", "/mock/config", "{\"backoff_base_ms\":\"1h\"}", NULL), 200);
    control_fx_create_hook(fx, "message.received", url, hook);
    assert_int_equal(
        api(fx, "POST", "/mock/events", "{\"topic\":\"message.received\",\"count\":3}", NULL), 202);
    /* Wait for the first attempts (refused; retries an hour away). */
    while (total < 3) {
        assert_int_equal(api(fx, "GET", "/api/webhooks/calls", NULL, &j), 200);
        total = json_integer_value(json_object_get(j, "total"));
        json_decref(j);
        if (clock_mono_us() > deadline) {
            fail_msg("no call records");
        }
        clock_sleep_us(5000); /* polling the call log */
    }

    assert_int_equal(send_req(fx, "POST", "/mock/reset", NULL, NULL, NULL, NULL), 401);
    assert_int_equal(api(fx, "POST", "/mock/reset", NULL, &j), 200);
    assert_string_equal(control_fx_jstr(j, "status"), "reset");
    json_decref(j);
    assert_int_equal(api(fx, "GET", "/api/webhooks", NULL, &j), 200);
    assert_int_equal(json_array_size(j), 0);
    json_decref(j);
    assert_int_equal(api(fx, "GET", "/api/webhooks/calls", NULL, &j), 200);
    assert_int_equal(json_integer_value(json_object_get(j, "total")), 0);
    json_decref(j);
    /* The policy is not state: it stays. */
    assert_int_equal(api(fx, "GET", "/mock/config", NULL, &j), 200);
    assert_int_equal(json_integer_value(json_object_get(j, "backoff_base_ms")), 3600000);
    json_decref(j);
}

/* Waits (WAIT_MS) until event_id has one record; the call-log page of it. */
static json_t *wait_one_record(struct control_fx *fx, const char *event_id)
{
    char path[256];
    json_t *j = NULL;
    uint64_t deadline = clock_mono_us() + (uint64_t)WAIT_MS * 1000u;

    snprintf(path, sizeof(path), "/api/webhooks/calls?event_id=%s", event_id);
    for (;;) {
        assert_int_equal(api(fx, "GET", path, NULL, &j), 200);
        if (json_integer_value(json_object_get(j, "total")) == 1) {
            return j;
        }
        json_decref(j);
        if (clock_mono_us() > deadline) {
            fail_msg("no record for event %s", event_id);
        }
        clock_sleep_us(5000); /* polling the call log */
    }
}

/* --max-calls-bytes: the call log's bytes are bounded; a record keeps the
 * first 64 KiB of a longer request body, with its size. */
static void max_calls_bytes_bounds_the_log(void **state)
{
    struct control_fx *fx = *state;
    enum { EVENTS = 24, FILL = 100 * 1024 };
    char url[64];
    char hook[IDS_UUID_LEN + 1];
    const char *last;
    char *body = malloc(FILL + 128);
    json_t *trig = NULL;
    json_t *j = NULL;
    json_t *data;
    size_t i;
    json_t *rec;

    snprintf(url, sizeof(url), "http://127.0.0.1:%u/h", fx->dead_port);
    assert_int_equal(api(fx, "PUT", "/mock/config",
                         "{\"max_calls_bytes\":\"1M\",\"max_attempts\":1,"
                         "\"per_webhook_concurrency\":1}",
                         NULL),
                     200);
    assert_int_equal(api(fx, "GET", "/mock/config", NULL, &j), 200);
    assert_int_equal(json_integer_value(json_object_get(j, "max_calls_bytes")), 1048576);
    json_decref(j);
    control_fx_create_hook(fx, "message.received", url, hook);
    i = (size_t)snprintf(body, FILL + 128,
                         "{\"topic\":\"message.received\",\"count\":%d,"
                         "\"data\":{\"text\":\"",
                         EVENTS);
    memset(body + i, 'x', FILL);
    snprintf(body + i + FILL, 128, "\"}}");
    assert_int_equal(api(fx, "POST", "/mock/events", body, &trig), 202);
    free(body);
    last = json_string_value(json_array_get(json_object_get(trig, "event_ids"), EVENTS - 1));
    j = wait_one_record(fx, last);
    rec = json_array_get(json_object_get(j, "data"), 0);
    assert_int_equal(strlen(control_fx_jstr(rec, "request_body")), MS_CALL_REQUEST_BODY_KEEP);
    assert_true(json_integer_value(json_object_get(rec, "request_body_size")) > FILL);
    assert_true(json_is_true(json_object_get(rec, "request_body_truncated")));
    assert_true(json_is_false(json_object_get(rec, "response_body_truncated")));
    json_decref(j);
    /* About 64.5 KiB a record: 15 or 16 fit in 1 MiB, never all 24. */
    assert_int_equal(api(fx, "GET", "/api/webhooks/calls?limit=100", NULL, &j), 200);
    data = json_object_get(j, "data");
    assert_in_range(json_integer_value(json_object_get(j, "total")), 12, 16);
    assert_int_equal(json_array_size(data), json_integer_value(json_object_get(j, "total")));
    /* The newest were kept. */
    assert_string_equal(control_fx_jstr(json_array_get(data, 0), "event_id"), last);
    json_decref(j);
    json_decref(trig);
}

/* --max-calls: the call log keeps the newest records only. */
static void max_calls_keeps_the_newest(void **state)
{
    struct control_fx *fx = *state;
    char url[64];
    char hook[IDS_UUID_LEN + 1];
    const char *last;
    json_t *trig = NULL;
    json_t *j = NULL;

    snprintf(url, sizeof(url), "http://127.0.0.1:%u/h", fx->dead_port);
    assert_int_equal(api(fx, "PUT", "/mock/config",
                         "{\"max_calls\":3,\"max_attempts\":1,\"per_webhook_concurrency\":1}",
                         NULL),
                     200);
    control_fx_create_hook(fx, "message.received", url, hook);
    assert_int_equal(
        api(fx, "POST", "/mock/events", "{\"topic\":\"message.received\",\"count\":6}", &trig),
        202);
    /* One delivery at a time, in order: once the last event's record is
     * in, the trim that came with it is too. */
    last = json_string_value(json_array_get(json_object_get(trig, "event_ids"), 5));
    j = wait_one_record(fx, last);
    json_decref(j);
    assert_int_equal(api(fx, "GET", "/api/webhooks/calls", NULL, &j), 200);
    assert_int_equal(json_integer_value(json_object_get(j, "total")), 3);
    /* Newest first: the last three events. */
    for (size_t i = 0; i < 3; i++) {
        assert_string_equal(
            control_fx_jstr(json_array_get(json_object_get(j, "data"), i), "event_id"),
            json_string_value(json_array_get(json_object_get(trig, "event_ids"), 5 - i)));
    }
    json_decref(j);
    json_decref(trig);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(events_validation, control_fx_setup, control_fx_teardown),
        cmocka_unit_test_setup_teardown(events_count_max, control_fx_setup, control_fx_teardown),
        cmocka_unit_test_setup_teardown(config_get_and_put, control_fx_setup, control_fx_teardown),
        cmocka_unit_test_setup_teardown(reset_empties_everything, control_fx_setup,
                                        control_fx_teardown),
        cmocka_unit_test_setup_teardown(max_calls_keeps_the_newest, control_fx_setup,
                                        control_fx_teardown),
        cmocka_unit_test_setup_teardown(max_calls_bytes_bounds_the_log, control_fx_setup,
                                        control_fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
