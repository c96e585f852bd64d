/* The real vambe-mock program when its --db file cannot grow (a full disk):
 * no record is lost, and a stop while full still finishes. */
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

/* ---- a full disk ------------------------------------------------------- */

static atomic_size_t rx_hits;

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
    struct http_server *rx = mock_prog_rx_start(routes);
    struct http_client *c = http_client_new(NULL);
    static struct proc p; /* static: kill_running reaches it after a failure */
    char db[256];
    char wal[300];
    char body[256];
    json_t *j = NULL;
    struct rlimit lim;
    bool saw_503 = false;
    uint64_t deadline;
    char *argv[] = {(char *)mock_prog_bin(),
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
    mock_prog_running = &p;
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
        mock_prog_running = NULL;
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
    mock_prog_running = NULL;
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(disk_full_loses_no_record, mock_prog_kill_running),
        cmocka_unit_test_teardown(stop_while_disk_full, mock_prog_kill_running),
    };
    unsetenv("VAMBE_MOCK_API_KEY");
    return cmocka_run_group_tests(tests, NULL, NULL);
}
