/* Crash safety of the real vambe-mock program: kill -9 during a retry storm
 * on a --db file, restart on the same file, and check that nothing the
 * call log had shown is lost and that every retry chain resumes to its
 * end.
 *
 * The receiver (core/http_server in this process, 127.0.0.1 port 0)
 * answers 500 to everything, so each of the EVENTS events is attempted
 * MAX_ATTEMPTS times and gives up. The mock is killed while chains are
 * still between attempts. After the restart:
 *  - every call id read from the API before the kill is still listed;
 *  - every event has every attempt number 1..MAX_ATTEMPTS recorded and
 *    none above, and its highest attempt gave up. An attempt in flight at
 *    the kill (or whose record was not yet committed) is sent again, so an
 *    attempt number may appear twice: repeated, never dropped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>

#include <jansson.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/http_client.h"
#include "core/http_server.h"
#include "core/ids.h"
#include "core/log.h"
#include "support/api.h"
#include "support/db.h"
#include "support/proc.h"

#define KEY          "crash-test-key-4e8b1d"
#define EVENTS       200
#define MAX_ATTEMPTS 4
#define SCHEDULE     "200ms,400ms,800ms"
#define START_MS     10000
#define STOP_MS      10000
#define WAIT_MS      25000 /* the longest wait for the restarted mock to finish */
#define PAGE         500
#define ID_LEN       IDS_UUID_LEN

/* ---- the receiver: always 500 ---------------------------------------------- */

static atomic_size_t rx_hits;

static void rx_fail(void *ctx, const struct http_server_request *req, struct http_server_reply *rep)
{
    (void)ctx;
    (void)req;
    atomic_fetch_add(&rx_hits, 1);
    http_reply_text(rep, 500, "text/plain", "down", 4);
}

static const struct http_route rx_routes[] = {{"POST", "/hook", rx_fail}};

/* ---- fixture ------------------------------------------------------------------- */

struct fx {
    struct http_server *rx;
    struct http_client *client;
    struct proc p;
    char db[256];
    unsigned port;
};

static int fx_setup(void **state)
{
    struct fx *fx = calloc(1, sizeof(*fx));
    struct http_server_opts o;
    struct err e = {{0}};

    if (fx == NULL) {
        return -1;
    }
    log_set_level(LOG_LEVEL_ERROR);
    memset(&o, 0, sizeof(o));
    o.routes = rx_routes;
    o.n_routes = 1;
    o.threads = 4;
    fx->rx = http_server_start(&o, &e);
    fx->client = http_client_new(NULL);
    if (fx->rx == NULL || fx->client == NULL) {
        print_error("receiver: %s\n", e.msg);
        return -1;
    }
    test_db_path(fx->db, sizeof(fx->db), "crash");
    test_db_remove(fx->db);
    *state = fx;
    return 0;
}

static int fx_teardown(void **state)
{
    struct fx *fx = *state;

    proc_kill(&fx->p); /* only when a failed assertion left it running */
    if (fx->p.port_file[0] != '\0') {
        unlink(fx->p.port_file);
    }
    if (fx->p.log_file[0] != '\0') {
        unlink(fx->p.log_file);
    }
    http_server_stop(fx->rx);
    http_client_free(fx->client);
    test_db_remove(fx->db);
    free(fx);
    return 0;
}

static void mock_start(struct fx *fx)
{
    char *argv[] = {(char *)proc_bin("VAMBE_MOCK_BIN"),
                    "serve",
                    "--db",
                    fx->db,
                    "--api-key",
                    KEY,
                    "--retry-schedule",
                    SCHEDULE,
                    "--max-attempts",
                    "4",
                    "--jitter",
                    "0",
                    "--per-webhook-concurrency",
                    "64",
                    "--no-access-log",
                    NULL};

    if (argv[0] == NULL) {
        fail_msg("VAMBE_MOCK_BIN is not set");
    }
    if (fx->p.log_file[0] != '\0') {
        unlink(fx->p.log_file); /* the previous run's */
    }
    if (proc_start(&fx->p, argv, true, START_MS) != 0) {
        char log[4096];

        proc_read_log(&fx->p, log, sizeof(log));
        fail_msg("vambe-mock did not start: %s", log);
    }
    fx->port = fx->p.port;
}

/* One request to the mock with the key; returns the status and the parsed
 * body in *out (may be NULL; the caller decrefs). */
static long api(struct fx *fx, const char *method, const char *path, const char *body, json_t **out)
{
    return api_json(fx->client, fx->port, KEY, method, path, body, out);
}

/* The call log's total for a query ("" for all). */
static size_t calls_total(struct fx *fx, const char *query)
{
    char path[256];
    json_t *j = NULL;
    size_t total;

    snprintf(path, sizeof(path), "/api/webhooks/calls?limit=1%s%s", query[0] ? "&" : "", query);
    assert_int_equal(api(fx, "GET", path, NULL, &j), 200);
    total = (size_t)json_integer_value(json_object_get(j, "total"));
    json_decref(j);
    return total;
}

/* Every record the API lists, page by page (a bounded number of pages),
 * appended to one array (the caller decrefs). While the mock is still
 * delivering, pages shift under the reader: a record may be read twice or
 * missed, which is fine for what the test does with them. */
static json_t *calls_all(struct fx *fx)
{
    json_t *all = json_array();

    for (unsigned page = 1; page <= 100; page++) {
        char path[128];
        json_t *j = NULL;
        json_t *data;

        snprintf(path, sizeof(path), "/api/webhooks/calls?limit=%d&page=%u", PAGE, page);
        assert_int_equal(api(fx, "GET", path, NULL, &j), 200);
        data = json_object_get(j, "data");
        json_array_extend(all, data);
        if (json_array_size(data) < PAGE) {
            json_decref(j);
            break;
        }
        json_decref(j);
    }
    return all;
}

static const char *jstr(const json_t *obj, const char *key)
{
    const char *v = json_string_value(json_object_get(obj, key));
    return v != NULL ? v : "";
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sorted copies of the "id" members of calls (the caller frees). */
static char **sorted_ids(const json_t *calls, size_t *n)
{
    char **ids = calloc(json_array_size(calls) + 1, sizeof(*ids));

    assert_non_null(ids);
    *n = json_array_size(calls);
    for (size_t i = 0; i < *n; i++) {
        ids[i] = strdup(jstr(json_array_get(calls, i), "id"));
        assert_non_null(ids[i]);
    }
    qsort(ids, *n, sizeof(*ids), cmp_str);
    return ids;
}

static void free_ids(char **ids, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(ids[i]);
    }
    free(ids);
}

/* Index of an event id in the trigger's list, or -1. */
static int event_index(const json_t *event_ids, const char *id)
{
    for (size_t i = 0; i < json_array_size(event_ids); i++) {
        if (strcmp(json_string_value(json_array_get(event_ids, i)), id) == 0) {
            return (int)i;
        }
    }
    return -1;
}

/* ---- the test ------------------------------------------------------------------- */

/* Waits (bounded) until the call log holds at least n records. */
static void wait_total(struct fx *fx, const char *query, size_t n, int timeout_ms)
{
    uint64_t deadline = clock_mono_us() + (uint64_t)timeout_ms * 1000u;
    size_t total;

    while ((total = calls_total(fx, query)) < n) {
        if (clock_mono_us() > deadline) {
            fail_msg("the call log holds %zu records for '%s', expected %zu", total, query, n);
        }
        clock_sleep_us(10000); /* polling the call log */
    }
}

static void kill_during_retry_storm(void **state)
{
    struct fx *fx = *state;
    char body[256];
    char log[8192];
    json_t *trig = NULL;
    json_t *before;
    json_t *after;
    json_t *event_ids;
    char **ids_before;
    char **ids_after;
    size_t n_before = 0;
    size_t n_after = 0;
    size_t gave_up_before = 0;
    /* Per event: which attempt numbers were seen, the highest, and the
     * outcome of the highest. */
    static unsigned seen[EVENTS][MAX_ATTEMPTS + 1];
    static unsigned highest[EVENTS];
    static bool highest_gave_up[EVENTS];

    memset(seen, 0, sizeof(seen));
    memset(highest, 0, sizeof(highest));
    memset(highest_gave_up, 0, sizeof(highest_gave_up));
    mock_start(fx);
    snprintf(body, sizeof(body),
             "{\"topic\":\"message.received\",\"url\":\"http://127.0.0.1:%u/hook\","
             "\"secret\":\"crash-test-secret-0123\"}",
             http_server_port(fx->rx));
    assert_int_equal(api(fx, "POST", "/api/webhooks", body, NULL), 201);
    snprintf(body, sizeof(body), "{\"topic\":\"message.received\",\"count\":%d}", EVENTS);
    assert_int_equal(api(fx, "POST", "/mock/events", body, &trig), 202);
    event_ids = json_object_get(trig, "event_ids");
    assert_int_equal(json_array_size(event_ids), EVENTS);

    /* The storm is on: every first attempt fails, the retries come in
     * bursts 200, 600 and 1400 ms later. Once the second burst shows in the
     * log, read what the API lists, then kill -9 (most likely while the
     * burst is still going, with attempts in flight). */
    wait_total(fx, "", EVENTS + EVENTS / 4, 10000);
    before = calls_all(fx);
    proc_kill(&fx->p);
    unlink(fx->p.port_file); /* proc_kill leaves it */
    for (size_t i = 0; i < json_array_size(before); i++) {
        gave_up_before += strcmp(jstr(json_array_get(before, i), "outcome"), "gave_up") == 0;
    }
    ids_before = sorted_ids(before, &n_before);
    assert_true(n_before >= EVENTS);
    /* The kill came mid-storm: some chains had not ended. */
    assert_true(gave_up_before < EVENTS);

    /* Restart on the same file: the chains resume and run to their end. */
    mock_start(fx);
    wait_total(fx, "outcome=gave_up", EVENTS, WAIT_MS);
    proc_read_log(&fx->p, log, sizeof(log));
    assert_non_null(strstr(log, "resuming "));
    after = calls_all(fx);
    assert_int_equal(proc_stop(&fx->p, STOP_MS), 0);
    ids_after = sorted_ids(after, &n_after);
    assert_true(n_after >= (size_t)EVENTS * MAX_ATTEMPTS);

    print_message("before the kill: %zu records listed, %zu gave up; after the restart: %zu "
                  "records (%zu more than one per attempt); the receiver got %zu requests\n",
                  n_before, gave_up_before, n_after, n_after - (size_t)EVENTS * MAX_ATTEMPTS,
                  atomic_load(&rx_hits));
    /* Nothing the API had shown was lost. */
    for (size_t i = 0; i < n_before; i++) {
        if (bsearch(&ids_before[i], ids_after, n_after, sizeof(*ids_after), cmp_str) == NULL) {
            fail_msg("call %s, listed before the kill, is gone", ids_before[i]);
        }
    }
    /* Every chain went to its end: attempts 1..MAX_ATTEMPTS each at least
     * once, none beyond, the highest gave up. */
    for (size_t i = 0; i < json_array_size(after); i++) {
        const json_t *c = json_array_get(after, i);
        int ev = event_index(event_ids, jstr(c, "event_id"));
        json_int_t attempt = json_integer_value(json_object_get(c, "attempt"));

        if (ev < 0 || attempt < 1 || attempt > MAX_ATTEMPTS) {
            fail_msg("unexpected record: event %s, attempt %lld", jstr(c, "event_id"),
                     (long long)attempt);
        }
        bool gave_up = strcmp(jstr(c, "outcome"), "gave_up") == 0;

        seen[ev][attempt]++;
        if ((unsigned)attempt > highest[ev]) {
            highest[ev] = (unsigned)attempt;
            highest_gave_up[ev] = gave_up;
        } else if ((unsigned)attempt == highest[ev]) {
            highest_gave_up[ev] = highest_gave_up[ev] || gave_up;
        }
    }
    for (int ev = 0; ev < EVENTS; ev++) {
        for (int a = 1; a <= MAX_ATTEMPTS; a++) {
            if (seen[ev][a] == 0) {
                fail_msg("event %s: attempt %d was never recorded",
                         json_string_value(json_array_get(event_ids, (size_t)ev)), a);
            }
        }
        assert_int_equal(highest[ev], MAX_ATTEMPTS);
        if (!highest_gave_up[ev]) {
            fail_msg("event %s: attempt %d did not give up",
                     json_string_value(json_array_get(event_ids, (size_t)ev)), MAX_ATTEMPTS);
        }
    }
    assert_true(atomic_load(&rx_hits) >= (size_t)EVENTS * MAX_ATTEMPTS);

    free_ids(ids_before, n_before);
    free_ids(ids_after, n_after);
    json_decref(before);
    json_decref(after);
    json_decref(trig);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(kill_during_retry_storm, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
