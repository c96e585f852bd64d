/* The hostile receivers of support/hostile_rx.h (see
 * test_hostile_receivers.c) against the mock's delivery engine (an
 * in-process ms_server, one attempt per delivery, a 5 s attempt timeout):
 * every attempt is recorded in the call log as a failed attempt whose
 * error names what happened (or whose status does, for the 503), the log
 * stays valid JSON whatever bytes came back, and a well-behaved receiver
 * triggered afterwards is still served: no worker is left stuck. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>

#include <jansson.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/http_client.h"
#include "core/log.h"
#include "mock_server/server.h"
#include "support/hostile_rx.h"
#include "support/mock.h"

#define SECRET  "whsec_hostile_receivers_0123"
#define KEY     "hostile-receivers-key-0123"
#define WAIT_MS 30000
/* The mock's attempt timeout: its default, long enough for a 10 MB answer
 * under valgrind. */
#define MOCK_TIMEOUT_MS 5000
#define SLACK_US        4000000u /* what a timeout may be late by, valgrind included */

/* ---- the same receivers against the mock's delivery engine --------------------- */

struct api_reply {
    long status;
    json_t *json;
};

static void api(struct http_client *client, unsigned port, const char *method, const char *path,
                const char *body, struct api_reply *out)
{
    char url[512];
    const char *headers[] = {"x-api-key: " KEY, "Content-Type: application/json"};
    struct http_request req;
    struct http_response resp;

    memset(&req, 0, sizeof(req));
    memset(&resp, 0, sizeof(resp));
    snprintf(url, sizeof(url), "http://127.0.0.1:%u%s", port, path);
    req.method = method;
    req.url = url;
    req.headers = headers;
    req.n_headers = body != NULL ? 2 : 1;
    req.body = body;
    req.body_len = body != NULL ? strlen(body) : 0;
    req.timeout_ms = 10000;
    req.max_body = 4 * 1024 * 1024;
    assert_int_equal(http_client_run(client, &req, &resp, 1, 1), 0);
    if (resp.error != HTTP_ERROR_NONE) {
        fail_msg("%s %s: %s", method, path, resp.error_text);
    }
    out->status = resp.status;
    /* The call log holds whatever bytes receivers sent: NUL included. */
    out->json = json_loadb(resp.body, resp.body_len, JSON_ALLOW_NUL, NULL);
    if (out->json == NULL) {
        fail_msg("%s %s: %ld, not JSON: %.200s", method, path, resp.status, resp.body);
    }
    http_response_cleanup(&resp);
}

/* One hostile receiver and what its attempt must be recorded as. */
struct mock_case {
    enum hostile_rx_behaviour how;
    const char *outcome;
    const char *error; /* NULL: a response came */
    long status;       /* response_status; 0: null */
    bool timed;        /* duration_ms is about the attempt timeout */
    struct hostile_rx *rx;
    char hook[64];
};

static void mock_create_and_trigger(struct http_client *client, unsigned port, struct mock_case *m)
{
    char body[512];
    struct api_reply r;

    snprintf(body, sizeof(body),
             "{\"topic\":\"message.received\",\"url\":\"http://127.0.0.1:%u/hook\","
             "\"secret\":\"" SECRET "\"}",
             m->rx->port);
    api(client, port, "POST", "/api/webhooks", body, &r);
    assert_int_equal(r.status, 201);
    snprintf(m->hook, sizeof(m->hook), "%s", json_string_value(json_object_get(r.json, "id")));
    json_decref(r.json);
    snprintf(body, sizeof(body), "{\"topic\":\"message.received\",\"webhook_id\":\"%s\"}", m->hook);
    api(client, port, "POST", "/mock/events", body, &r);
    if (r.status != 202 || json_integer_value(json_object_get(r.json, "deliveries")) != 1) {
        fail_msg("trigger: %ld", r.status);
    }
    json_decref(r.json);
}

/* Polls the call log (it lags the wire by up to 50 ms) until the hook's
 * attempt is recorded; returns the record (a new reference). */
static json_t *mock_wait_record(struct http_client *client, unsigned port, const char *hook)
{
    char path[256];
    uint64_t deadline = clock_mono_us() + (uint64_t)WAIT_MS * 1000u;

    snprintf(path, sizeof(path), "/api/webhooks/calls?webhook_id=%s", hook);
    while (clock_mono_us() < deadline) {
        struct api_reply r;
        json_t *rec;
        struct pollfd none = {-1, 0, 0};

        api(client, port, "GET", path, NULL, &r);
        assert_int_equal(r.status, 200);
        rec = json_array_get(json_object_get(r.json, "data"), 0);
        if (rec != NULL) {
            json_incref(rec);
            json_decref(r.json);
            return rec;
        }
        json_decref(r.json);
        poll(&none, 0, 50); /* the log is written in batches, every 50 ms */
    }
    fail_msg("no call record for webhook %s within %d ms", hook, WAIT_MS);
    return NULL;
}

static void mock_check_record(const struct mock_case *m, const json_t *rec)
{
    const char *outcome = json_string_value(json_object_get(rec, "outcome"));
    const char *error = json_string_value(json_object_get(rec, "error"));
    json_t *status = json_object_get(rec, "response_status");
    json_t *body = json_object_get(rec, "response_body");
    json_int_t took = json_integer_value(json_object_get(rec, "duration_ms"));
    char *text = json_dumps(rec, JSON_COMPACT);

    if (outcome == NULL || strcmp(outcome, m->outcome) != 0 ||
        (m->error == NULL) != (error == NULL) ||
        (m->error != NULL && strcmp(error, m->error) != 0) ||
        (m->status == 0 ? !json_is_null(status) : json_integer_value(status) != m->status)) {
        fail_msg("receiver %d: recorded as outcome %s, error %s, status %lld, %lld ms: %.300s",
                 (int)m->how, outcome != NULL ? outcome : "-", error != NULL ? error : "null",
                 (long long)json_integer_value(status), (long long)took,
                 strstr(text, "\"response_") != NULL ? strstr(text, "\"response_") : text);
    }
    /* Bounded: the log keeps at most 4 KiB of an answer (bytes that are
     * not UTF-8 may take up to 3 bytes each once made printable). */
    assert_true(json_is_null(body) || json_string_length(body) <= 3 * 4096);
    if (m->timed &&
        (took < MOCK_TIMEOUT_MS - 100 || took > MOCK_TIMEOUT_MS + (json_int_t)(SLACK_US / 1000u))) {
        fail_msg("receiver %d: a %d ms attempt timeout took %lld ms", (int)m->how, MOCK_TIMEOUT_MS,
                 (long long)took);
    }
    free(text);
}

static void mock_against_hostile_receivers(void **state)
{
    struct mock_case cases[] = {
        {RX_SILENT, "gave_up", "timeout", 0, true, NULL, ""},
        {RX_TRICKLE, "gave_up", "timeout", 0, true, NULL, ""},
        {RX_CONTINUE, "gave_up", "timeout", 0, true, NULL, ""},
        {RX_HUGE_200, "succeeded", NULL, 200, false, NULL, ""},
        {RX_HUGE_503, "gave_up", NULL, 503, false, NULL, ""},
        {RX_HUGE_HEADER, "gave_up", "protocol", 0, false, NULL, ""},
        {RX_RESET, "gave_up", "reset", 0, false, NULL, ""},
        {RX_BROKEN, "gave_up", "protocol", 0, false, NULL, ""},
        {RX_BAD_CHUNK, "gave_up", "protocol", 0, false, NULL, ""},
        {RX_MID_BODY, "gave_up", "reset", 0, false, NULL, ""},
        {RX_NOTHING, "gave_up", "reset", 0, false, NULL, ""},
    };
    size_t n = sizeof(cases) / sizeof(cases[0]);
    struct mock_case ok = {RX_OK, "succeeded", NULL, 200, false, NULL, ""};
    struct ms_options o;
    struct ms_server *srv;
    struct http_client *client;
    unsigned port;
    json_t *rec;

    (void)state;
    log_set_level(LOG_LEVEL_ERROR);
    test_mock_options(&o, KEY);
    o.policy.max_attempts = 1;
    o.policy.timeout_ms = MOCK_TIMEOUT_MS;
    srv = test_mock_start(&o, &port);
    client = http_client_new(NULL);
    assert_non_null(client);
    /* All at once: the engine faces every hostile receiver together. */
    for (size_t i = 0; i < n; i++) {
        cases[i].rx = hostile_rx_start(cases[i].how);
        mock_create_and_trigger(client, port, &cases[i]);
    }
    for (size_t i = 0; i < n; i++) {
        rec = mock_wait_record(client, port, cases[i].hook);
        mock_check_record(&cases[i], rec);
        json_decref(rec);
    }
    /* Afterwards, a well-behaved receiver is still served. */
    ok.rx = hostile_rx_start(RX_OK);
    mock_create_and_trigger(client, port, &ok);
    rec = mock_wait_record(client, port, ok.hook);
    mock_check_record(&ok, rec);
    json_decref(rec);
    for (size_t i = 0; i < n; i++) {
        hostile_rx_stop(cases[i].rx);
    }
    hostile_rx_stop(ok.rx);
    http_client_free(client);
    ms_server_stop(srv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(mock_against_hostile_receivers),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
