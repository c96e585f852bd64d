/* The real vambe-mock program and its --db file: one mock per file, a
 * damaged file refused at start, and what a restart keeps. Each refusal is
 * an environment error: exit 3 and one line naming the file, why, and what
 * to do. The files are made with the store's own API and the SQLite C API
 * (through the mock's library), and damaged with plain file I/O
 * (support/db.h). A full disk is in test_mock_store_disk_full.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>

#include <jansson.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/http_client.h"
#include "core/http_server.h"
#include "mock_server/store.h"
#include "support/api.h"
#include "support/db.h"
#include "support/mock_prog.h"
#include "support/proc.h"

#define START_MS 10000
#define STOP_MS  10000
#define RUN_MS   10000

/* Starts `vambe-mock serve --db db` (proc_start adds the port flags). */
static void start_on(struct proc *p, const char *db)
{
    char *argv[] = {(char *)mock_prog_bin(), "serve", "--db", (char *)db, NULL};

    if (proc_start(p, argv, true, START_MS) != 0) {
        char log[4096];
        proc_read_log(p, log, sizeof(log));
        fail_msg("vambe-mock did not start: %s", log);
    }
}

/* Runs `vambe-mock serve --port 0 --db db` to its end: the exit status,
 * its stderr in err. */
static int run_on(const char *db, char *err, size_t size)
{
    char *argv[] = {(char *)mock_prog_bin(), "serve", "--port", "0", "--db", (char *)db, NULL};

    return proc_run(argv, NULL, 0, err, size, RUN_MS);
}

static long health(unsigned port)
{
    struct http_client *c = http_client_new(NULL);
    long status;

    assert_non_null(c);
    status = api_json(c, port, NULL, "GET", "/mock/health", NULL, NULL);
    http_client_free(c);
    return status;
}

/* A second mock on the --db file of a running one exits 3 naming the
 * first's PID, and the first keeps serving; once the first stops, the file
 * is free again. Before the fix the second started too, resumed the first's
 * pending deliveries, and the receiver got every attempt twice. */
static void db_in_use_exit_3(void **state)
{
    (void)state;
    char db[256];
    char err[4096];
    char want[1024];
    struct proc p;

    test_db_path(db, sizeof(db), "mock-store-lock");
    test_db_remove(db);
    start_on(&p, db);
    assert_int_equal(health(p.port), 200);

    int rc = run_on(db, err, sizeof(err));
    snprintf(want, sizeof(want),
             "vambe-mock: error: database %s is in use by PID %ld (another vambe-mock); stop it "
             "or give another --db\n",
             db, (long)p.pid);
    if (rc != 3 || strcmp(err, want) != 0) {
        fail_msg("exit %d, stderr: %s", rc, err);
    }
    assert_int_equal(health(p.port), 200);
    assert_int_equal(proc_stop(&p, STOP_MS), 0);

    start_on(&p, db);
    assert_int_equal(health(p.port), 200);
    assert_int_equal(proc_stop(&p, STOP_MS), 0);
    test_db_remove(db);
}

/* A store made by the mock's store: one webhook and 2000 call records, so
 * that most of the file is call-log pages, which the mock does not read
 * when it starts. Returns the file's size. */
static long make_store(const char *path)
{
    struct err e = {{0}};
    struct ms_store *s = ms_store_open(path, &e);
    struct ms_webhook w;
    struct ms_call calls[100];
    struct stat sb;

    if (s == NULL) {
        fail_msg("%s", e.msg);
    }
    memset(&w, 0, sizeof(w));
    snprintf(w.id, sizeof(w.id), "00000000-0000-4000-8000-000000000001");
    snprintf(w.topic, sizeof(w.topic), "message.received");
    snprintf(w.url, sizeof(w.url), "http://r.example/hook");
    snprintf(w.secret, sizeof(w.secret), "damaged-store-secret");
    w.active = true;
    w.created_ms = w.updated_ms = 1000;
    assert_int_equal(ms_store_webhook_insert(s, &w, &e), 0);
    for (int b = 0; b < 20; b++) {
        memset(calls, 0, sizeof(calls));
        for (int i = 0; i < 100; i++) {
            struct ms_call *c = &calls[i];
            int n = b * 100 + i;
            snprintf(c->id, sizeof(c->id), "11111111-0000-4000-8000-%012d", n);
            snprintf(c->webhook_id, sizeof(c->webhook_id), "%s", w.id);
            snprintf(c->event_id, sizeof(c->event_id), "evt_%d", n);
            snprintf(c->topic, sizeof(c->topic), "message.received");
            c->outcome = MS_OUTCOME_SUCCEEDED;
            c->attempt = 1;
            c->response_status = 200;
            c->response_body = "{\"ok\":true}";
            c->duration_ms = 2;
            c->created_ms = 2000 + (uint64_t)n;
        }
        assert_int_equal(ms_store_calls_insert(s, calls, 100, &e), 0);
    }
    ms_store_close(s);
    assert_int_equal(stat(path, &sb), 0);
    return (long)sb.st_size;
}

/* A --db file of noise, and a store whose call-log pages were overwritten
 * in the middle, each exit 3 with one line saying the file is damaged and
 * what to do. Before the fix the first gave SQLite's "file is not a
 * database", and the second started, answered /mock/health 200 and then
 * 500 on the call log. */
static void damaged_db_exit_3(void **state)
{
    (void)state;
    char db[256];
    char err[4096];
    char want[1024];
    char line[256];
    int rc;

    test_db_path(db, sizeof(db), "mock-store-noise");
    test_db_remove(db);
    test_db_write_noise(db, 4096, 88675123u);
    rc = run_on(db, err, sizeof(err));
    snprintf(want, sizeof(want),
             "vambe-mock: error: database %s is not a SQLite database or is damaged (file is "
             "not a database); restore it from a copy or start with a new --db\n",
             db);
    if (rc != 3 || strcmp(err, want) != 0) {
        fail_msg("exit %d, stderr: %s", rc, err);
    }
    test_db_remove(db);

    test_db_path(db, sizeof(db), "mock-store-damaged");
    test_db_remove(db);
    long size = make_store(db);
    long middle = size / 2 / 4096 * 4096; /* the start of a page */
    assert_true(middle >= 8 * 4096);
    test_db_damage(db, middle, 2048);
    test_db_quick_check_line(db, line, sizeof(line));
    rc = run_on(db, err, sizeof(err));
    snprintf(want, sizeof(want),
             "vambe-mock: error: database %s is damaged (PRAGMA quick_check: %s); restore it "
             "from a copy or start with a new --db\n",
             db, line);
    if (rc != 3 || strcmp(err, want) != 0) {
        fail_msg("exit %d, stderr: %s", rc, err);
    }
    test_db_remove(db);
}

/* ---- what a restart keeps ---------------------------------------------------- */

static void rx_fail(void *ctx, const struct http_server_request *req, struct http_server_reply *rep)
{
    (void)ctx;
    (void)req;
    http_reply_text(rep, 500, "text/plain", "down", 4);
}

#define KEY "vambe-mock-local-key"

static json_t *api_get(struct http_client *c, unsigned port, const char *path)
{
    json_t *j = NULL;

    assert_int_equal(api_json(c, port, KEY, "GET", path, NULL, &j), 200);
    return j;
}

/* Creates a webhook for url; its id goes to id. */
static void create_hook(struct http_client *c, unsigned port, const char *url, char *id)
{
    char body[256];
    json_t *j = NULL;

    snprintf(body, sizeof(body),
             "{\"topic\":\"message.received\",\"url\":\"%s\",\"secret\":\"restart-secret\"}", url);
    assert_int_equal(api_json(c, port, KEY, "POST", "/api/webhooks", body, &j), 201);
    snprintf(id, IDS_UUID_LEN + 1, "%s", json_string_value(json_object_get(j, "id")));
    json_decref(j);
}

/* Triggers one event for webhook id; its event id goes to event. */
static void trigger_one(struct http_client *c, unsigned port, const char *id, char *event)
{
    char body[256];
    json_t *j = NULL;

    snprintf(body, sizeof(body), "{\"topic\":\"message.received\",\"webhook_id\":\"%s\"}", id);
    assert_int_equal(api_json(c, port, KEY, "POST", "/mock/events", body, &j), 202);
    snprintf(event, 64, "%s",
             json_string_value(json_array_get(json_object_get(j, "event_ids"), 0)));
    json_decref(j);
}

/* Waits (10 s at most) for a record of event with this outcome. */
static void wait_outcome(struct http_client *c, unsigned port, const char *event,
                         const char *outcome)
{
    char path[256];
    uint64_t deadline = clock_mono_us() + 10000000u;

    snprintf(path, sizeof(path), "/api/webhooks/calls?event_id=%s&outcome=%s", event, outcome);
    for (;;) {
        json_t *j = api_get(c, port, path);
        json_int_t total = json_integer_value(json_object_get(j, "total"));

        json_decref(j);
        if (total > 0) {
            return;
        }
        if (clock_mono_us() > deadline) {
            fail_msg("no %s record for %s", outcome, event);
        }
        clock_sleep_us(20000); /* polling the call log */
    }
}

static void start_mock_db(struct proc *p, const char *db, const char *flag, const char *value)
{
    char *argv[] = {(char *)mock_prog_bin(), "serve",      "--db",        (char *)db,
                    "--no-access-log",       (char *)flag, (char *)value, NULL};

    if (proc_start(p, argv, true, START_MS) != 0) {
        char log[4096];

        proc_read_log(p, log, sizeof(log));
        fail_msg("vambe-mock did not start: %s", log);
    }
    mock_prog_running = p;
}

static void stop_mock(struct proc *p)
{
    mock_prog_running = NULL;
    assert_int_equal(proc_stop(p, STOP_MS), 0);
}

/* With --db a restart keeps the delivery policy set through PUT
 * /mock/config (a flag given at the restart wins for its own setting),
 * the auto-disable streaks, and records a chain that comes due for a
 * deleted webhook as "dropped". Before the fix all three were lost: the
 * flags applied again, the streak started from 0 (a failing webhook got
 * --disable-after more events), and the chain ended without a record. */
static void restart_keeps_policy_streaks_and_drops(void **state)
{
    (void)state;
    static const struct http_route routes[] = {{"POST", "/fail", rx_fail}};
    struct http_server *rx = mock_prog_rx_start(routes);
    struct http_client *c = http_client_new(NULL);
    static struct proc p; /* static: kill_running reaches it after a failure */
    char db[256];
    char url[128];
    char hook_a[IDS_UUID_LEN + 1];
    char hook_b[IDS_UUID_LEN + 1];
    char event[64];
    char path[256];
    json_t *j;
    json_t *rec;

    assert_non_null(c);
    snprintf(url, sizeof(url), "http://127.0.0.1:%u/fail", http_server_port(rx));
    test_db_path(db, sizeof(db), "mock-store-restart");
    test_db_remove(db);

    start_mock_db(&p, db, "--disable-after", "5"); /* a flag: not kept */
    assert_int_equal(api_json(c, p.port, KEY, "PUT", "/mock/config",
                              "{\"max_attempts\":1,\"jitter\":0,\"backoff_base_ms\":\"2s\","
                              "\"disable_after\":3}",
                              NULL),
                     200);
    create_hook(c, p.port, url, hook_a);
    create_hook(c, p.port, url, hook_b);
    for (int i = 0; i < 2; i++) {
        trigger_one(c, p.port, hook_a, event);
        wait_outcome(c, p.port, event, "gave_up");
    }
    /* B: two attempts, the second due 2 s after the first; B is deleted
     * meanwhile and the mock restarted before it is due. */
    assert_int_equal(api_json(c, p.port, KEY, "PUT", "/mock/config", "{\"max_attempts\":2}", NULL),
                     200);
    trigger_one(c, p.port, hook_b, event);
    wait_outcome(c, p.port, event, "retry_scheduled");
    snprintf(path, sizeof(path), "/api/webhooks/%s", hook_b);
    assert_int_equal(api_json(c, p.port, KEY, "DELETE", path, NULL, NULL), 200);
    stop_mock(&p);

    start_mock_db(&p, db, "--seed", "7");
    j = api_get(c, p.port, "/mock/config");
    assert_int_equal(json_integer_value(json_object_get(j, "max_attempts")), 2);
    assert_int_equal(json_integer_value(json_object_get(j, "backoff_base_ms")), 2000);
    assert_int_equal(json_integer_value(json_object_get(j, "disable_after")), 3);
    assert_int_equal(json_integer_value(json_object_get(j, "seed")), 7);
    json_decref(j);
    /* The chain of B comes due: recorded as dropped, nothing sent. */
    wait_outcome(c, p.port, event, "dropped");
    snprintf(path, sizeof(path), "/api/webhooks/calls?event_id=%s&outcome=dropped", event);
    j = api_get(c, p.port, path);
    rec = json_array_get(json_object_get(j, "data"), 0);
    assert_int_equal(json_integer_value(json_object_get(rec, "attempt")), 2);
    assert_string_equal(json_string_value(json_object_get(rec, "error")),
                        "not sent: the webhook is deleted");
    assert_true(json_is_null(json_object_get(rec, "sent_at")));
    assert_true(json_is_null(json_object_get(rec, "response_status")));
    json_decref(j);
    /* A's third event that gives up completes the streak of 3. */
    assert_int_equal(api_json(c, p.port, KEY, "PUT", "/mock/config", "{\"max_attempts\":1}", NULL),
                     200);
    trigger_one(c, p.port, hook_a, event);
    wait_outcome(c, p.port, event, "webhook_disabled");
    snprintf(path, sizeof(path), "/api/webhooks/%s", hook_a);
    j = api_get(c, p.port, path);
    assert_true(json_is_false(json_object_get(j, "active")));
    json_decref(j);
    stop_mock(&p);

    /* A flag given now wins over the stored setting, the others stay. */
    start_mock_db(&p, db, "--max-attempts", "4");
    j = api_get(c, p.port, "/mock/config");
    assert_int_equal(json_integer_value(json_object_get(j, "max_attempts")), 4);
    assert_int_equal(json_integer_value(json_object_get(j, "backoff_base_ms")), 2000);
    json_decref(j);
    stop_mock(&p);
    http_server_stop(rx);
    http_client_free(c);
    test_db_remove(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(db_in_use_exit_3),
        cmocka_unit_test(damaged_db_exit_3),
        cmocka_unit_test_teardown(restart_keeps_policy_streaks_and_drops, mock_prog_kill_running),
    };
    unsetenv("VAMBE_MOCK_API_KEY");
    return cmocka_run_group_tests(tests, NULL, NULL);
}
