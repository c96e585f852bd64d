/* The real vambe-mock program and its --db file: one mock per file, and a
 * damaged file refused at start. Each refusal is an environment error: exit
 * 3 and one line naming the file, why, and what to do. The files are made
 * with the store's own API and the SQLite C API (through the mock's
 * library), and damaged with plain file I/O. */
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
#include "support/proc.h"

#define START_MS 10000
#define STOP_MS  10000
#define RUN_MS   10000

static const char *mock_bin(void)
{
    const char *bin = proc_bin("VAMBE_MOCK_BIN");
    if (bin == NULL) {
        fail_msg("VAMBE_MOCK_BIN is not set");
    }
    return bin;
}

/* Starts `vambe-mock serve --db db` (proc_start adds the port flags). */
static void start_on(struct proc *p, const char *db)
{
    char *argv[] = {(char *)mock_bin(), "serve", "--db", (char *)db, NULL};

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
    char *argv[] = {(char *)mock_bin(), "serve", "--port", "0", "--db", (char *)db, NULL};

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

/* Writes n bytes of a fixed pseudo-random sequence (xorshift32) to path. */
static void write_noise(const char *path, size_t n)
{
    FILE *f = fopen(path, "wb");
    uint32_t x = 88675123u;

    assert_non_null(f);
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        assert_int_equal(fputc((int)(x & 0xff), f), (int)(x & 0xff));
    }
    assert_int_equal(fclose(f), 0);
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

/* Overwrites len bytes of path at offset with 0xA5. */
static void damage_file(const char *path, long offset, size_t len)
{
    FILE *f = fopen(path, "r+b");

    assert_non_null(f);
    assert_int_equal(fseek(f, offset, SEEK_SET), 0);
    for (size_t i = 0; i < len; i++) {
        assert_int_equal(fputc(0xA5, f), 0xA5);
    }
    assert_int_equal(fclose(f), 0);
}

/* What the mock shows of PRAGMA quick_check on path: the first line of its
 * first row, after SQLite's "*** in database main ***" line. Read here, not
 * written out: SQLite's wording changes between versions. */
static void quick_check_line(const char *path, char *out, size_t size)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    const char *text;
    const char *nl;

    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA quick_check", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    text = (const char *)sqlite3_column_text(st, 0);
    assert_non_null(text);
    assert_string_not_equal(text, "ok");
    if (strncmp(text, "*** in database main ***\n", 25) == 0) {
        text += 25;
    }
    nl = strchr(text, '\n');
    snprintf(out, size, "%.*s", nl != NULL ? (int)(nl - text) : (int)strlen(text), text);
    assert_true(strlen(out) > 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
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
    write_noise(db, 4096);
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
    damage_file(db, middle, 2048);
    quick_check_line(db, line, sizeof(line));
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

/* ---- a full disk ------------------------------------------------------- */

static atomic_size_t rx_hits;
/* The mock of the test running, killed by its teardown after a failed
 * assertion (its output would keep CTest waiting). */
static struct proc *running;

static int kill_running(void **state)
{
    (void)state;
    if (running != NULL) {
        proc_kill(running);
        running = NULL;
    }
    return 0;
}

/* The receiver: 200 after 20 ms, so that 100 deliveries one at a time
 * take about 2 s, most of them after the disk is full. */
static void rx_ok(void *ctx, const struct http_server_request *req, struct http_server_reply *rep)
{
    (void)ctx;
    (void)req;
    clock_sleep_us(20000);
    atomic_fetch_add(&rx_hits, 1);
    http_reply_text(rep, 200, "text/plain", "ok", 2);
}

/* A receiver on 127.0.0.1 with one route. */
static struct http_server *start_rx(const struct http_route *routes)
{
    struct http_server_opts o;
    struct err e = {{0}};
    struct http_server *rx;

    memset(&o, 0, sizeof(o));
    o.routes = routes;
    o.n_routes = 1;
    o.threads = 2;
    rx = http_server_start(&o, &e);
    if (rx == NULL) {
        fail_msg("receiver: %s", e.msg);
    }
    return rx;
}

static long file_size(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 ? (long)st.st_size : 0;
}

/* GET /mock/health: the status, and the JSON in *out (caller frees). */
static long health_json(unsigned port, json_t **out)
{
    struct http_client *c = http_client_new(NULL);
    long status;

    assert_non_null(c);
    status = api_json(c, port, NULL, "GET", "/mock/health", NULL, out);
    http_client_free(c);
    return status;
}

static json_int_t health_count(json_t *j, const char *key)
{
    return json_integer_value(json_object_get(json_object_get(j, "call_log"), key));
}

/* The database's files cannot grow (RLIMIT_FSIZE set on the running mock,
 * as a full file system would): the records of the deliveries made
 * meanwhile wait in memory, /mock/health answers 503 and names the error,
 * and once the files can grow again every delivery the receiver got is in
 * the call log. Before the fix 66 of 100 records were never written (on a
 * 2 MiB tmpfs), even after space was freed. */
static void disk_full(bool stop_while_full)
{
    enum { EVENTS = 100 };
    static const struct http_route routes[] = {{"POST", "/hook", rx_ok}};
    struct http_server *rx = start_rx(routes);
    struct http_client *c = http_client_new(NULL);
    static struct proc p; /* static: kill_running reaches it after a failure */
    char db[256];
    char wal[300];
    char body[256];
    json_t *j = NULL;
    struct rlimit lim;
    bool saw_503 = false;
    uint64_t deadline;
    char *argv[] = {(char *)mock_bin(),
                    "serve",
                    "--db",
                    db,
                    "--max-attempts",
                    "1",
                    "--per-webhook-concurrency",
                    "1",
                    "--no-access-log",
                    NULL};

    assert_non_null(c);
    atomic_store(&rx_hits, 0);
    test_db_path(db, sizeof(db), "mock-store-full");
    test_db_remove(db);
    snprintf(wal, sizeof(wal), "%s-wal", db);
    if (proc_start(&p, argv, true, START_MS) != 0) {
        fail_msg("vambe-mock did not start");
    }
    running = &p;
    snprintf(body, sizeof(body),
             "{\"topic\":\"message.received\",\"url\":\"http://127.0.0.1:%u/hook\","
             "\"secret\":\"disk-full-secret\"}",
             http_server_port(rx));
    assert_int_equal(
        api_json(c, p.port, "vambe-mock-local-key", "POST", "/api/webhooks", body, NULL), 201);
    snprintf(body, sizeof(body), "{\"topic\":\"message.received\",\"count\":%d}", EVENTS);
    assert_int_equal(
        api_json(c, p.port, "vambe-mock-local-key", "POST", "/mock/events", body, NULL), 202);
    /* The events are stored; from here neither file may grow. Only the
     * soft limit: raising it again needs no privilege. */
    assert_int_equal(prlimit(p.pid, RLIMIT_FSIZE, NULL, &lim), 0);
    lim.rlim_cur = (rlim_t)(file_size(db) > file_size(wal) ? file_size(db) : file_size(wal));
    assert_int_equal(prlimit(p.pid, RLIMIT_FSIZE, &lim, NULL), 0);
    deadline = clock_mono_us() + 20000000u;
    while (!saw_503 && clock_mono_us() < deadline) {
        long status = health_json(p.port, &j);

        if (status == 503) {
            saw_503 = true;
            assert_string_equal(json_string_value(json_object_get(j, "status")), "failing");
            assert_non_null(strstr(json_string_value(json_object_get(j, "error")),
                                   "the call log cannot be written: "));
            assert_true(health_count(j, "write_failures") >= 1);
            assert_true(health_count(j, "records_waiting") >= 1);
            assert_int_equal(health_count(j, "records_lost"), 0);
        }
        json_decref(j);
        j = NULL;
        clock_sleep_us(20000); /* polling the health */
    }
    if (!saw_503) {
        fail_msg("/mock/health never answered 503");
    }
    if (stop_while_full) {
        char log[4096];

        /* Long enough for the writer's queue to fill (a batch every 50 ms,
         * 8 queued) and the engine to block on it. */
        clock_sleep_us(1500000);
        running = NULL;
        assert_int_equal(proc_stop(&p, STOP_MS), 0);
        proc_read_log(&p, log, sizeof(log));
        if (strstr(log, "given up at stop: their attempts are sent again after a restart") ==
            NULL) {
            fail_msg("the mock said:\n%s", log);
        }
        http_server_stop(rx);
        http_client_free(c);
        test_db_remove(db);
        return;
    }
    /* Space comes back: every record is written, none lost. */
    lim.rlim_cur = lim.rlim_max;
    assert_int_equal(prlimit(p.pid, RLIMIT_FSIZE, &lim, NULL), 0);
    deadline = clock_mono_us() + 20000000u;
    for (;;) {
        json_int_t total;

        assert_int_equal(api_json(c, p.port, "vambe-mock-local-key", "GET",
                                  "/api/webhooks/calls?limit=1", NULL, &j),
                         200);
        total = json_integer_value(json_object_get(j, "total"));
        json_decref(j);
        j = NULL;
        if (total == EVENTS && atomic_load(&rx_hits) == EVENTS) {
            break;
        }
        if (clock_mono_us() > deadline) {
            char log[4096];

            proc_read_log(&p, log, sizeof(log));
            fail_msg("%lld call records for %zu deliveries; the mock said:\n%s", (long long)total,
                     atomic_load(&rx_hits), log);
        }
        clock_sleep_us(50000); /* polling the call log */
    }
    assert_int_equal(health_json(p.port, &j), 200);
    assert_true(health_count(j, "write_failures") >= 1);
    assert_int_equal(health_count(j, "records_waiting"), 0);
    assert_int_equal(health_count(j, "records_lost"), 0);
    json_decref(j);
    running = NULL;
    assert_int_equal(proc_stop(&p, STOP_MS), 0);
    http_server_stop(rx);
    http_client_free(c);
    test_db_remove(db);
}

static void disk_full_loses_no_record(void **state)
{
    (void)state;
    disk_full(false);
}

/* SIGTERM while the disk is full: the mock stops (exit 0, within the stop
 * timeout) after a few more tries of what it could not write, and says
 * so; the deliveries stay pending in the file. Before the fix the engine,
 * blocked on the writer's full queue, never let the stop finish. */
static void stop_while_disk_full(void **state)
{
    (void)state;
    disk_full(true);
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
    char *argv[] = {(char *)mock_bin(), "serve",      "--db",        (char *)db,
                    "--no-access-log",  (char *)flag, (char *)value, NULL};

    if (proc_start(p, argv, true, START_MS) != 0) {
        char log[4096];

        proc_read_log(p, log, sizeof(log));
        fail_msg("vambe-mock did not start: %s", log);
    }
    running = p;
}

static void stop_mock(struct proc *p)
{
    running = NULL;
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
    struct http_server *rx = start_rx(routes);
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
        cmocka_unit_test_teardown(disk_full_loses_no_record, kill_running),
        cmocka_unit_test_teardown(stop_while_disk_full, kill_running),
        cmocka_unit_test_teardown(restart_keeps_policy_streaks_and_drops, kill_running),
    };
    unsetenv("VAMBE_MOCK_API_KEY");
    return cmocka_run_group_tests(tests, NULL, NULL);
}
