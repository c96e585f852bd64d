/* The state probe (--state-probe-url) answered badly: every answer that is
 * not a state is the harness's ERROR with what came back, never a verdict
 * on the receiver; a 404 or a time no update carried is the receiver's
 * (a WARN: ORD-002 is a SHOULD case). The receiver here accepts every
 * delivery; its state route answers as each test sets it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/http_server.h"
#include "tests/support/proc.h"

#define SECRET "state-test-secret-0123456789"

/* What GET /state/{id} answers. */
static struct {
    int status;
    const char *body;
    uint64_t delay_ms;
} answer;

static void on_delivery(void *ctx, const struct http_server_request *req,
                        struct http_server_reply *rep)
{
    (void)ctx;
    (void)req;
    http_reply_json(rep, 200, json_pack("{s:s}", "status", "ok"));
}

static void on_state(void *ctx, const struct http_server_request *req,
                     struct http_server_reply *rep)
{
    (void)ctx;
    (void)req;
    clock_sleep_us(answer.delay_ms * 1000u);
    http_reply_text(rep, answer.status, "application/json", answer.body, strlen(answer.body));
}

static const struct http_route routes[] = {
    {"POST", "/hook", on_delivery},
    {"GET", "/state/{}", on_state},
};

/* Runs ORD-002 against the server; returns the case from the JSON report
 * (*rep to free) and the exit code. */
static const json_t *run_ord002(unsigned port, json_t **rep, int *code)
{
    char target[64], state[96], report[96];
    static char out[65536];
    size_t i;
    const json_t *c = NULL;

    snprintf(target, sizeof(target), "http://127.0.0.1:%u/hook", port);
    snprintf(state, sizeof(state), "http://127.0.0.1:%u/state/{entity_id}", port);
    snprintf(report, sizeof(report), "json:/tmp/vambe-state-%d.json", (int)getpid());
    char *argv[] = {(char *)proc_bin("VAMBE_HARNESS_BIN"),
                    "run",
                    "--target",
                    target,
                    "--secret",
                    SECRET,
                    "--state-probe-url",
                    state,
                    "--only",
                    "ORD-002",
                    "--probe-wait",
                    "200ms",
                    "--settle",
                    "20ms",
                    "--timeout",
                    "500ms",
                    "--report",
                    report,
                    NULL};
    *code = proc_run(argv, out, sizeof(out), NULL, 0, 60000);
    *rep = json_load_file(report + 5, 0, NULL);
    if (*rep == NULL) {
        fprintf(stderr, "no report:\n%s\n", out);
    }
    assert_non_null(*rep);
    unlink(report + 5);
    json_array_foreach(json_object_get(*rep, "cases"), i, c)
    {
        return c;
    }
    fail_msg("no case in the report");
    return NULL;
}

static const char *field(const json_t *c, const char *key)
{
    const char *v = json_string_value(json_object_get(c, key));
    return v != NULL ? v : "";
}

static void bad_answers(void **state)
{
    static const struct {
        int status;
        const char *body;
        uint64_t delay_ms;
        const char *verdict;
        const char *reason;
    } cases[] = {
        {500, "{\"error\":\"boom\"}", 0, "ERROR",
         "answered 500 (expected 200 with {\"updated_at\": \"<RFC 3339 date-time>\"}, or 404)"},
        {200, "not json", 0, "ERROR",
         "answered 200 without {\"updated_at\": \"<RFC 3339 date-time>\"}: not json"},
        {200, "{\"updated_at\": \"yesterday\"}", 0, "ERROR", "answered 200 without"},
        {200, "{\"updated_at\": 1727690400}", 0, "ERROR", "answered 200 without"},
        {200, "[\"2024-09-30T10:00:00Z\"]", 0, "ERROR", "answered 200 without"},
        {200, "{\"updated_at\": \"2024-09-30T10:00:00Z\"}", 2000, "ERROR", "no answer: "},
        {404, "{\"error\":\"unknown entity\"}", 0, "WARN",
         "the state probe does not know contact "},
        {200, "{\"updated_at\": \"2999-01-01T00:00:00Z\"}", 0, "WARN",
         "shows updated_at 2999-01-01T00:00:00Z, expected "},
    };
    struct http_server_opts o;
    struct err e = {{0}};

    (void)state;
    memset(&o, 0, sizeof(o));
    o.bind = "127.0.0.1";
    o.routes = routes;
    o.n_routes = sizeof(routes) / sizeof(routes[0]);
    o.threads = 0;
    struct http_server *http = http_server_start(&o, &e);
    assert_non_null(http);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        json_t *rep = NULL;
        int code = -1;

        answer.status = cases[i].status;
        answer.body = cases[i].body;
        answer.delay_ms = cases[i].delay_ms;
        const json_t *c = run_ord002(http_server_port(http), &rep, &code);
        if (strcmp(field(c, "verdict"), cases[i].verdict) != 0 ||
            strstr(field(c, "reason"), cases[i].reason) == NULL) {
            fprintf(stderr, "case %zu: %s %s\n", i + 1, field(c, "verdict"), field(c, "reason"));
            fail();
        }
        assert_non_null(strstr(field(c, "reason"), "step 4 (state): "));
        /* Neither fails the run: ORD-002 is a SHOULD case (--strict would). */
        assert_int_equal(code, 0);
        json_decref(rep);
    }
    http_server_stop(http);
}

int main(void)
{
    if (proc_bin("VAMBE_HARNESS_BIN") == NULL) {
        fprintf(stderr, "VAMBE_HARNESS_BIN must be set (run under ctest)\n");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bad_answers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
