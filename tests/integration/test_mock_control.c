/* The control API (POST /mock/events, GET/PUT /mock/config, POST
 * /mock/reset) on an in-process mock, and the real program's command line:
 * `vambe-mock trigger` against that mock (output and exit codes 0/2/3) and
 * the delivery flags of `serve`. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/http_client.h"
#include "core/http_server.h"
#include "core/ids.h"
#include "core/log.h"
#include "mock_server/server.h"
#include "mock_server/store.h"
#include "support/api.h"
#include "support/mock.h"
#include "support/proc.h"

#define KEY     "test-key-control-0123"
#define WAIT_MS 10000

struct fx {
    struct ms_server *srv;
    struct http_client *client;
    unsigned port;
    char server_url[64];
    unsigned dead_port; /* a port nothing listens on */
};

static const char *mock_bin(void)
{
    const char *bin = proc_bin("VAMBE_MOCK_BIN");
    if (bin == NULL) {
        fail_msg("VAMBE_MOCK_BIN is not set");
    }
    return bin;
}

static void noop(void *ctx, const struct http_server_request *req, struct http_server_reply *rep)
{
    (void)ctx;
    (void)req;
    http_reply_text(rep, 204, NULL, "", 0);
}

/* A port that was free a moment ago: bind port 0, read it, close. */
static unsigned free_port(void)
{
    static const struct http_route none[] = {{"GET", "/", noop}};
    struct http_server_opts o;
    struct http_server *s;
    struct err e = {{0}};
    unsigned port;

    memset(&o, 0, sizeof(o));
    o.routes = none;
    o.n_routes = 1;
    s = http_server_start(&o, &e);
    assert_non_null(s);
    port = http_server_port(s);
    http_server_stop(s);
    return port;
}

static int fx_setup(void **state)
{
    struct fx *fx = calloc(1, sizeof(*fx));
    struct ms_options o;

    assert_non_null(fx);
    log_set_level(LOG_LEVEL_ERROR);
    test_mock_options(&o, KEY);
    fx->srv = test_mock_start(&o, &fx->port);
    snprintf(fx->server_url, sizeof(fx->server_url), "http://127.0.0.1:%u", fx->port);
    fx->client = http_client_new(NULL);
    assert_non_null(fx->client);
    fx->dead_port = free_port();
    *state = fx;
    return 0;
}

static int fx_teardown(void **state)
{
    struct fx *fx = *state;

    http_client_free(fx->client);
    ms_server_stop(fx->srv);
    free(fx);
    return 0;
}

/* One request; key NULL sends none. Returns the status; *out (may be NULL)
 * gets the parsed body. */
static long send_req(struct fx *fx, const char *method, const char *path, const char *key,
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

static long api(struct fx *fx, const char *method, const char *path, const char *body, json_t **out)
{
    return api_json(fx->client, fx->port, KEY, method, path, body, out);
}

static const char *jstr(const json_t *obj, const char *key)
{
    const char *v = json_string_value(json_object_get(obj, key));
    return v != NULL ? v : "";
}

/* Asserts the kit's error shape with this status and a message starting
 * with want. */
static void expect_error(struct fx *fx, const char *method, const char *path, const char *body,
                         long status, const char *want)
{
    json_t *j = NULL;
    long got = api(fx, method, path, body, &j);

    if (got != status || strncmp(jstr(j, "message"), want, strlen(want)) != 0) {
        fail_msg("%s %s %s: got %ld '%s', expected %ld '%s'", method, path, body ? body : "", got,
                 jstr(j, "message"), status, want);
    }
    assert_int_equal(json_integer_value(json_object_get(j, "statusCode")), status);
    json_decref(j);
}

static void create_hook(struct fx *fx, const char *topic, const char *url, char *id)
{
    char body[512];
    json_t *j = NULL;

    snprintf(body, sizeof(body), "{\"topic\":\"%s\",\"url\":\"%s\",\"secret\":\"s3cret-value-1\"}",
             topic, url);
    assert_int_equal(api(fx, "POST", "/api/webhooks", body, &j), 201);
    snprintf(id, IDS_UUID_LEN + 1, "%s", jstr(j, "id"));
    json_decref(j);
}

static bool is_event_id(const char *s, size_t len)
{
    if (len != IDS_EVENT_ID_LEN || strncmp(s, "evt_", 4) != 0) {
        return false;
    }
    for (size_t i = 4; i < len; i++) {
        if (!isxdigit((unsigned char)s[i])) {
            return false;
        }
    }
    return true;
}

/* ---- POST /mock/events ----------------------------------------------------------- */

static void events_validation(void **state)
{
    struct fx *fx = *state;
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
        strstr(jstr(j, "warning"), "no active webhook is subscribed to ticket.created"));
    json_decref(j);

    /* A webhook of another topic, named explicitly: a warning saying so. */
    create_hook(fx, "message.sent", "http://127.0.0.1:9/h", hook);
    snprintf(body, sizeof(body), "{\"topic\":\"message.received\",\"webhook_id\":\"%s\"}", hook);
    assert_int_equal(api(fx, "POST", "/mock/events", body, &j), 202);
    assert_int_equal(json_integer_value(json_object_get(j, "deliveries")), 0);
    assert_non_null(strstr(jstr(j, "warning"), "subscribed to message.sent"));
    json_decref(j);
}

/* The largest trigger: 10 000 distinct ids in the 202. */
static void events_count_max(void **state)
{
    struct fx *fx = *state;
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
        assert_true(is_event_id(b, strlen(b)));
        assert_string_not_equal(a, b);
    }
    json_decref(j);
}

/* ---- config and reset ------------------------------------------------------------ */

static void config_get_and_put(void **state)
{
    struct fx *fx = *state;
    json_t *j = NULL;

    assert_int_equal(send_req(fx, "GET", "/mock/config", NULL, NULL, NULL, NULL), 401);
    assert_int_equal(api(fx, "GET", "/mock/config", NULL, &j), 200);
    assert_int_equal(json_integer_value(json_object_get(j, "max_attempts")), 5);
    assert_int_equal(json_integer_value(json_object_get(j, "timeout_ms")), 5000);
    assert_string_equal(jstr(j, "backoff"), "exponential");
    assert_true(json_is_true(json_object_get(j, "sign")));
    assert_string_equal(jstr(j, "timestamp_unit"), "ms");
    assert_string_equal(jstr(j, "profile"), "documented");
    assert_true(json_is_integer(json_object_get(j, "seed"))); /* the one drawn, shown */
    assert_int_equal(json_integer_value(json_object_get(j, "concurrency")), 64);
    json_decref(j);

    /* Partial: only the members given change. */
    assert_int_equal(api(fx, "PUT", "/mock/config",
                         "{\"max_attempts\":2,\"retry_schedule_ms\":\"1s,1m\",\"seed\":5}", &j),
                     200);
    assert_int_equal(json_integer_value(json_object_get(j, "max_attempts")), 2);
    assert_string_equal(jstr(j, "backoff"), "schedule");
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
    struct fx *fx = *state;
    char url[64];
    char hook[IDS_UUID_LEN + 1];
    json_t *j = NULL;
    uint64_t deadline = clock_mono_us() + (uint64_t)WAIT_MS * 1000u;
    json_int_t total = 0;

    snprintf(url, sizeof(url), "http://127.0.0.1:%u/h", fx->dead_port);
    assert_int_equal(api(fx, "PUT", "/mock/config", "{\"backoff_base_ms\":\"1h\"}", NULL), 200);
    create_hook(fx, "message.received", url, hook);
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
    assert_string_equal(jstr(j, "status"), "reset");
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
static json_t *wait_one_record(struct fx *fx, const char *event_id)
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
    struct fx *fx = *state;
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
    create_hook(fx, "message.received", url, hook);
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
    assert_int_equal(strlen(jstr(rec, "request_body")), MS_CALL_REQUEST_BODY_KEEP);
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
    assert_string_equal(jstr(json_array_get(data, 0), "event_id"), last);
    json_decref(j);
    json_decref(trig);
}

/* --max-calls: the call log keeps the newest records only. */
static void max_calls_keeps_the_newest(void **state)
{
    struct fx *fx = *state;
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
    create_hook(fx, "message.received", url, hook);
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
            jstr(json_array_get(json_object_get(j, "data"), i), "event_id"),
            json_string_value(json_array_get(json_object_get(trig, "event_ids"), 5 - i)));
    }
    json_decref(j);
    json_decref(trig);
}

/* ---- the command line -------------------------------------------------------------- */

static void trigger_cli(void **state)
{
    struct fx *fx = *state;
    char out[4096];
    char err[4096];
    char url[64];
    char hook[IDS_UUID_LEN + 1];
    char dead[64];
    char file[128];
    json_t *j = NULL;
    FILE *f;

    /* 0: the ids, one per line, and the data override reaches the payload. */
    snprintf(url, sizeof(url), "http://127.0.0.1:%u/h", fx->dead_port);
    create_hook(fx, "message.received", url, hook);
    char *ok[] = {(char *)mock_bin(),
                  "trigger",
                  "message.received",
                  "--count",
                  "2",
                  "--data",
                  "{\"message_body\":\"hola desde la CLI\"}",
                  "--server",
                  fx->server_url,
                  "--api-key",
                  KEY,
                  NULL};
    assert_int_equal(proc_run(ok, out, sizeof(out), err, sizeof(err), 20000), 0);
    assert_int_equal(strlen(out), 2 * (IDS_EVENT_ID_LEN + 1));
    assert_true(is_event_id(out, IDS_EVENT_ID_LEN) && out[IDS_EVENT_ID_LEN] == '\n');
    assert_true(is_event_id(out + IDS_EVENT_ID_LEN + 1, IDS_EVENT_ID_LEN));
    out[IDS_EVENT_ID_LEN] = '\0';
    {
        char path[256];
        uint64_t deadline = clock_mono_us() + (uint64_t)WAIT_MS * 1000u;
        json_t *data = NULL;

        snprintf(path, sizeof(path), "/api/webhooks/calls?event_id=%.40s", out);
        while (json_array_size(data) == 0) {
            json_decref(j);
            assert_int_equal(api(fx, "GET", path, NULL, &j), 200);
            data = json_object_get(j, "data");
            if (clock_mono_us() > deadline) {
                fail_msg("no call record for %s", out);
            }
            if (json_array_size(data) == 0) {
                clock_sleep_us(5000); /* polling the call log */
            }
        }
        assert_non_null(strstr(jstr(json_array_get(data, 0), "request_body"), "hola desde la CLI"));
        json_decref(j);
    }

    /* --data @FILE */
    snprintf(file, sizeof(file), "/tmp/vambe-control-%d.json", (int)getpid());
    f = fopen(file, "w");
    assert_non_null(f);
    fputs("{\"stage_id\": \"st-1\"}\n", f);
    fclose(f);
    char at[160];
    snprintf(at, sizeof(at), "@%s", file);
    char *from_file[] = {(char *)mock_bin(), "trigger",      "message.received", "--data", at,
                         "--server",         fx->server_url, "--api-key",        KEY,      NULL};
    assert_int_equal(proc_run(from_file, out, sizeof(out), err, sizeof(err), 20000), 0);
    assert_int_equal(strlen(out), IDS_EVENT_ID_LEN + 1);
    unlink(file);

    /* A warning on stderr when nobody is subscribed; still 0. */
    char *lonely[] = {(char *)mock_bin(),
                      "trigger",
                      "stage.changed",
                      "--server",
                      fx->server_url,
                      "--api-key",
                      KEY,
                      NULL};
    assert_int_equal(proc_run(lonely, out, sizeof(out), err, sizeof(err), 20000), 0);
    assert_non_null(strstr(err, "warning: no active webhook"));

    /* 2: the mock's 400, printed. */
    char *bad_topic[] = {(char *)mock_bin(),
                         "trigger",
                         "message.deleted",
                         "--server",
                         fx->server_url,
                         "--api-key",
                         KEY,
                         NULL};
    assert_int_equal(proc_run(bad_topic, out, sizeof(out), err, sizeof(err), 20000), 2);
    assert_string_equal(out, "");
    assert_non_null(strstr(err, "400"));
    assert_non_null(strstr(err, "topic: unknown topic 'message.deleted'"));

    /* 2: a wrong key (401), bad --data, a missing file, usage errors. */
    char *bad_key[] = {(char *)mock_bin(), "trigger",   "message.sent", "--server",
                       fx->server_url,     "--api-key", "wrong",        NULL};
    assert_int_equal(proc_run(bad_key, out, sizeof(out), err, sizeof(err), 20000), 2);
    assert_non_null(strstr(err, "401"));
    char *bad_data[] = {(char *)mock_bin(), "trigger",      "message.sent", "--data", "{oops",
                        "--server",         fx->server_url, "--api-key",    KEY,      NULL};
    assert_int_equal(proc_run(bad_data, out, sizeof(out), err, sizeof(err), 20000), 2);
    assert_non_null(strstr(err, "--data: invalid JSON"));
    char *no_file[] = {
        (char *)mock_bin(), "trigger",      "message.sent", "--data", "@/nonexistent/vambe.json",
        "--server",         fx->server_url, "--api-key",    KEY,      NULL};
    assert_int_equal(proc_run(no_file, out, sizeof(out), err, sizeof(err), 20000), 2);
    assert_non_null(strstr(err, "--data: cannot read"));
    char *no_topic[] = {(char *)mock_bin(), "trigger", "--server", fx->server_url, NULL};
    assert_int_equal(proc_run(no_topic, out, sizeof(out), err, sizeof(err), 20000), 2);
    assert_non_null(strstr(err, "TOPIC is required"));
    char *bad_count[] = {(char *)mock_bin(), "trigger", "message.sent", "--count", "abc", NULL};
    assert_int_equal(proc_run(bad_count, out, sizeof(out), err, sizeof(err), 20000), 2);
    assert_non_null(strstr(err, "--count"));

    /* 3: nothing listens there. */
    snprintf(dead, sizeof(dead), "http://127.0.0.1:%u", fx->dead_port);
    char *unreachable[] = {(char *)mock_bin(), "trigger", "message.sent", "--server", dead, NULL};
    assert_int_equal(proc_run(unreachable, out, sizeof(out), err, sizeof(err), 20000), 3);
    assert_string_equal(out, "");
    assert_non_null(strstr(err, "cannot reach the mock"));
}

static void serve_delivery_flags(void **state)
{
    (void)state;
    static const struct {
        const char *flag;
        const char *value;
        const char *message;
    } bad[] = {
        {"--max-attempts", "0", "vambe-mock: --max-attempts: "},
        {"--timeout", "5", "vambe-mock: --timeout: "},
        {"--backoff", "random", "vambe-mock: --backoff: 'random' is not a backoff"},
        {"--backoff-factor", "0", "vambe-mock: --backoff-factor: "},
        {"--retry-schedule", "5s,soon", "vambe-mock: --retry-schedule: delay 2"},
        {"--jitter", "1.5", "vambe-mock: --jitter: "},
        {"--time-scale", "0", "vambe-mock: --time-scale: "},
        {"--duplicate-rate", "2", "vambe-mock: --duplicate-rate: "},
        {"--reorder-window", "x", "vambe-mock: --reorder-window: "},
        {"--timestamp-unit", "us", "vambe-mock: --timestamp-unit: 'us' is not a unit"},
        {"--profile", "v3", "vambe-mock: --profile: 'v3' is not a profile"},
        {"--seed", "-4", "vambe-mock: --seed: "},
        {"--concurrency", "0", "vambe-mock: --concurrency: "},
        {"--scheme", "sha256", "vambe-mock: --scheme: unknown scheme 'sha256' (built-in: vambe,"},
    };
    char out[16384];
    char err[4096];

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char *argv[] = {(char *)mock_bin(), "serve", (char *)bad[i].flag, (char *)bad[i].value,
                        NULL};
        int rc = proc_run(argv, out, sizeof(out), err, sizeof(err), 5000);

        if (rc != 2 || strncmp(err, bad[i].message, strlen(bad[i].message)) != 0 ||
            strstr(err, "usage: vambe-mock serve") == NULL) {
            fail_msg("%s %s: exit %d, stderr: %s", bad[i].flag, bad[i].value, rc, err);
        }
    }

    char *help[] = {(char *)mock_bin(), "serve", "--help", NULL};
    assert_int_equal(proc_run(help, out, sizeof(out), err, sizeof(err), 5000), 0);
    const char *flags[] = {
        "--max-attempts N",
        "--timeout DUR",
        "--backoff exponential|linear|fixed",
        "--backoff-base",
        "--backoff-factor",
        "--backoff-cap",
        "--retry-schedule",
        "--jitter",
        "--time-scale",
        "--retry-after-cap",
        "--duplicate-rate",
        "--duplicate-delay",
        "--reorder-window",
        "--disable-after",
        "--no-sign",
        "--timestamp-unit",
        "--profile",
        "--seed",
        "--max-calls",
        "--concurrency",
        "--per-webhook-concurrency",
        "--max-calls-bytes SIZE",
        "--scheme NAME|FILE",
        "--ca-file",
        "--insecure",
    };
    for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
        if (strstr(out, flags[i]) == NULL) {
            fail_msg("serve --help lacks %s", flags[i]);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(events_validation, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(events_count_max, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(config_get_and_put, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(reset_empties_everything, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(max_calls_keeps_the_newest, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(max_calls_bytes_bounds_the_log, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(trigger_cli, fx_setup, fx_teardown),
        cmocka_unit_test(serve_delivery_flags),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
