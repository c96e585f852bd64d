/* The real vambe-mock program: flags and exit codes, the port-file
 * contract, signals, persistence with --db, the API key from the
 * environment and many connections at once. What its log never shows is
 * in test_mock_serve_logs.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>

#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/http_client.h"
#include "mock_server/store.h"
#include "support/db.h"
#include "support/mock_prog.h"
#include "support/need.h"
#include "support/proc.h"
#define STOP_MS 10000

/* Waits (bounded) for pid to exit; returns its exit status or -1. */
static int wait_exit(pid_t pid, int timeout_ms)
{
    for (int waited = 0; waited <= timeout_ms; waited += 5) {
        int status = 0;
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid) {
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        }
        if (r < 0) {
            return -1;
        }
        struct timespec ts = {0, 5 * 1000000L};
        nanosleep(&ts, NULL);
    }
    return -1;
}

/* ---- command line --------------------------------------------------------- */

static void help_and_version(void **state)
{
    (void)state;
    char out[8192];
    char err[4096];
    char *v[] = {(char *)mock_prog_bin(), "--version", NULL};
    char *h[] = {(char *)mock_prog_bin(), "--help", NULL};
    char *sh[] = {(char *)mock_prog_bin(), "serve", "--help", NULL};

    assert_int_equal(proc_run(v, out, sizeof(out), err, sizeof(err), 5000), 0);
    assert_string_equal(out, "vambe-mock " VAMBE_VERSION "\n");
    assert_int_equal(proc_run(h, out, sizeof(out), err, sizeof(err), 5000), 0);
    assert_non_null(strstr(out, "serve"));
    assert_int_equal(proc_run(sh, out, sizeof(out), err, sizeof(err), 5000), 0);
    assert_non_null(strstr(out, "usage: vambe-mock serve [--bind ADDR] [--port N]"));
    const char *flags[] = {"--bind", "--port-file", "--api-key", "--db", "--log-format", "-v"};
    for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
        assert_non_null(strstr(out, flags[i]));
    }
    assert_non_null(strstr(out, "8790"));
    assert_string_equal(err, "");
}

static void bad_flags_exit_2(void **state)
{
    (void)state;
    static const struct {
        const char *args[4];
        const char *message;
    } cases[] = {
        {{NULL}, "vambe-mock: no command given"},
        {{"bogus", NULL}, "vambe-mock: unknown command 'bogus'"},
        {{"--port", "1", NULL}, "vambe-mock: unknown option '--port'"},
        {{"serve", "--bogus", NULL}, "vambe-mock: unknown option '--bogus'"},
        {{"serve", "-x", NULL}, "vambe-mock: unknown option '-x'"},
        {{"serve", "--port", "abc", NULL}, "vambe-mock: --port: 'abc'"},
        {{"serve", "--port", "70000", NULL}, "vambe-mock: --port:"},
        {{"serve", "--port", NULL}, "vambe-mock: option '--port' needs a value (N)"},
        {{"serve", "--bind", "nowhere", NULL}, "vambe-mock: --bind: 'nowhere'"},
        {{"serve", "--log-format", "xml", NULL}, "vambe-mock: --log-format: 'xml'"},
        {{"serve", "--api-key", "", NULL}, "vambe-mock: --api-key"},
        {{"serve", "--threads", "0", NULL}, "vambe-mock: --threads"},
        {{"serve", "--db", "", NULL}, "vambe-mock: --db"},
        {{"serve", "extra", NULL}, "vambe-mock: unexpected argument 'extra'"},
        /* A mistyped flag carrying a key or a secret does not echo it. */
        {{"serve", "--api-kye=SECRETVALUE", NULL}, "vambe-mock: unknown option '--api-kye'"},
        {{"--secrt=SECRETVALUE", NULL}, "vambe-mock: unknown option '--secrt'"},
        {{"trigger", "t", "--secrt=SECRETVALUE", NULL}, "vambe-mock: unknown option '--secrt'"},
        {{"serve", "--insecure=SECRETVALUE", NULL},
         "vambe-mock: option '--insecure' takes no value"},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *argv[6] = {(char *)mock_prog_bin()};
        char out[1024];
        char err[4096];
        size_t n = 1;
        for (size_t k = 0; cases[i].args[k] != NULL; k++) {
            argv[n++] = (char *)cases[i].args[k];
        }
        argv[n] = NULL;
        int rc = proc_run(argv, out, sizeof(out), err, sizeof(err), 5000);
        if (rc != 2 || strstr(err, cases[i].message) == NULL || strstr(err, "usage: ") == NULL) {
            fail_msg("case %zu: exit %d, stderr: %s", i, rc, err);
        }
        assert_string_equal(out, "");
        assert_null(strstr(err, "SECRETVALUE"));
    }
}

/* ---- the port-file contract, bind failures, signals ---------------------- */

static void port_file_contract(void **state)
{
    (void)state;
    struct proc p;
    char text[64] = "";
    char want[128];
    char log[8192];
    FILE *f;

    mock_prog_start(&p, NULL);
    assert_true(p.port > 0 && p.port < 65536);
    f = fopen(p.port_file, "r");
    assert_non_null(f);
    size_t n = fread(text, 1, sizeof(text) - 1, f);
    fclose(f);
    text[n] = '\0';
    /* Exactly the decimal port and a newline. */
    snprintf(want, sizeof(want), "%u\n", p.port);
    assert_string_equal(text, want);
    /* The server is up once the file exists. */
    assert_int_equal(mock_prog_http(p.port, "GET", "/mock/health", NULL, NULL, NULL), 200);

    proc_read_log(&p, log, sizeof(log));
    snprintf(want, sizeof(want), "vambe-mock: listening on http://127.0.0.1:%u\n", p.port);
    assert_non_null(strstr(log, want));
    assert_int_equal(proc_stop(&p, STOP_MS), 0);
}

/* --bind with an IPv4-mapped IPv6 address: the mock listens on the IPv4
 * address it maps (it failed with "Invalid argument"), and the address it
 * prints is one a client can connect to. */
static void bind_ipv4_mapped(void **state)
{
    (void)state;
    const char *args[] = {"--bind", "::ffff:127.0.0.1", NULL};
    struct http_client *c = http_client_new(NULL);
    struct http_request req;
    struct http_response resp;
    struct proc p;
    char want[128];
    char url[128];
    char log[8192];

    assert_non_null(c);
    mock_prog_start(&p, args);
    assert_int_equal(mock_prog_http(p.port, "GET", "/mock/health", NULL, NULL, NULL), 200);
    proc_read_log(&p, log, sizeof(log));
    snprintf(want, sizeof(want), "vambe-mock: listening on http://[::ffff:127.0.0.1]:%u\n", p.port);
    if (strstr(log, want) == NULL) {
        fail_msg("log: %s", log);
    }
    memset(&req, 0, sizeof(req));
    memset(&resp, 0, sizeof(resp));
    snprintf(url, sizeof(url), "http://[::ffff:127.0.0.1]:%u/mock/health", p.port);
    req.method = "GET";
    req.url = url;
    req.timeout_ms = 10000;
    assert_int_equal(http_client_run(c, &req, &resp, 1, 1), 0);
    if (resp.error != HTTP_ERROR_NONE) {
        fail_msg("GET %s: %s", url, resp.error_text);
    }
    assert_int_equal(resp.status, 200);
    http_response_cleanup(&resp);
    http_client_free(c);
    assert_int_equal(proc_stop(&p, STOP_MS), 0);
}

static void port_taken_exit_3(void **state)
{
    (void)state;
    struct sockaddr_in sin;
    socklen_t len = sizeof(sin);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    char port[16];
    char err[4096];
    char want[64];

    assert_true(fd >= 0);
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
    assert_int_equal(listen(fd, 1), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
    snprintf(port, sizeof(port), "%u", (unsigned)ntohs(sin.sin_port));

    char *argv[] = {(char *)mock_prog_bin(), "serve", "--port", port, NULL};
    assert_int_equal(proc_run(argv, NULL, 0, err, sizeof(err), 10000), 3);
    snprintf(want, sizeof(want), "cannot listen on 127.0.0.1:%s", port);
    if (strstr(err, want) == NULL) {
        fail_msg("stderr: %s", err);
    }
    close(fd);

    /* A database that cannot be opened is an environment error too. */
    char *db[] = {(char *)mock_prog_bin(),          "serve", "--port", "0", "--db",
                  "/nonexistent-dir/vambe/mock.db", NULL};
    assert_int_equal(proc_run(db, NULL, 0, err, sizeof(err), 10000), 3);
    assert_non_null(strstr(err, "/nonexistent-dir/vambe/mock.db"));
}

/* A --db file holding someone else's tables (a webhooks table the mock did
 * not create) is an environment error: exit 3 and one line naming the file
 * and why. It was a segfault (exit 139, no message). The file is made with
 * the SQLite C API, which reaches this test through the mock's library. */
static void foreign_db_exit_3(void **state)
{
    (void)state;
    char db[256];
    char err[4096];
    char want[1024];
    sqlite3 *h = NULL;

    test_db_path(db, sizeof(db), "mock-foreign");
    test_db_remove(db);
    assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
    assert_int_equal(sqlite3_exec(h, "CREATE TABLE webhooks(url TEXT)", NULL, NULL, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_close(h), SQLITE_OK);

    char *argv[] = {(char *)mock_prog_bin(), "serve", "--port", "0", "--db", db, NULL};
    int rc = proc_run(argv, NULL, 0, err, sizeof(err), 10000);
    snprintf(want, sizeof(want),
             "vambe-mock: error: database %s: not a vambe-mock database: it holds a table "
             "'webhooks' the mock did not create (no schema_version table)\n",
             db);
    if (rc != 3 || strcmp(err, want) != 0) {
        fail_msg("exit %d, stderr: %s", rc, err);
    }
    test_db_remove(db);
}

static void signals_stop_cleanly(void **state)
{
    (void)state;
    struct proc p;
    char log[8192];

    mock_prog_start(&p, NULL);
    assert_int_equal(proc_stop(&p, STOP_MS), 0);

    mock_prog_start(&p, NULL);
    assert_int_equal(mock_prog_http(p.port, "GET", "/mock/health", NULL, NULL, NULL), 200);
    assert_int_equal(kill(p.pid, SIGINT), 0);
    assert_int_equal(wait_exit(p.pid, STOP_MS), 0);
    proc_read_log(&p, log, sizeof(log));
    assert_non_null(strstr(log, "SIGINT received"));
    p.pid = 0;
    unlink(p.port_file);
}

/* ---- persistence ----------------------------------------------------------- */

static void db_survives_restart(void **state)
{
    (void)state;
    char db[256];
    const char *args[] = {"--db", db, "--api-key", "persist-key-1", NULL};
    struct proc p;
    char *body = NULL;
    char path[128];
    char id_live[64];
    char id_gone[64];
    char deleted_at[64];

    test_db_path(db, sizeof(db), "mock-serve");
    test_db_remove(db);
    mock_prog_start(&p, args);
    assert_int_equal(
        mock_prog_http(p.port, "POST", "/api/webhooks", "persist-key-1",
                       "{\"topic\":\"message.received\",\"url\":\"http://r.example/live\","
                       "\"secret\":\"persisted-secret-1\"}",
                       &body),
        201);
    json_t *j = json_loads(body, 0, NULL);
    snprintf(id_live, sizeof(id_live), "%s", json_string_value(json_object_get(j, "id")));
    json_decref(j);
    free(body);
    assert_int_equal(
        mock_prog_http(p.port, "POST", "/api/webhooks", "persist-key-1",
                       "{\"topic\":\"stage.changed\",\"url\":\"http://r.example/gone\","
                       "\"secret\":\"persisted-secret-2\",\"active\":false}",
                       &body),
        201);
    j = json_loads(body, 0, NULL);
    snprintf(id_gone, sizeof(id_gone), "%s", json_string_value(json_object_get(j, "id")));
    json_decref(j);
    free(body);
    snprintf(path, sizeof(path), "/api/webhooks/%s", id_gone);
    assert_int_equal(mock_prog_http(p.port, "DELETE", path, "persist-key-1", NULL, &body), 200);
    j = json_loads(body, 0, NULL);
    snprintf(deleted_at, sizeof(deleted_at), "%s",
             json_string_value(json_object_get(j, "deleted_at")));
    json_decref(j);
    free(body);
    assert_int_equal(proc_stop(&p, STOP_MS), 0);

    /* While it is down, a call record goes into the same file. */
    struct err e = {{0}};
    struct ms_store *s = ms_store_open(db, &e);
    if (s == NULL) {
        fail_msg("%s", e.msg);
    }
    assert_int_equal(ms_store_schema_version(s), ms_store_schema_latest());
    struct ms_call call;
    memset(&call, 0, sizeof(call));
    snprintf(call.id, sizeof(call.id), "dddddddd-0000-4000-8000-000000000001");
    snprintf(call.webhook_id, sizeof(call.webhook_id), "%.36s", id_live);
    snprintf(call.event_id, sizeof(call.event_id), "evt_persisted");
    snprintf(call.topic, sizeof(call.topic), "message.received");
    call.outcome = MS_OUTCOME_SUCCEEDED;
    call.attempt = 1;
    call.response_status = 200;
    call.duration_ms = 3;
    assert_int_equal(ms_store_calls_insert(s, &call, 1, &e), 0);
    ms_store_close(s);

    mock_prog_start(&p, args);
    assert_int_equal(mock_prog_http(p.port, "GET", "/api/webhooks", "persist-key-1", NULL, &body),
                     200);
    j = json_loads(body, 0, NULL);
    free(body);
    assert_int_equal(json_array_size(j), 2);
    json_t *live = json_array_get(j, 0);
    json_t *gone = json_array_get(j, 1);
    assert_string_equal(json_string_value(json_object_get(live, "id")), id_live);
    assert_string_equal(json_string_value(json_object_get(live, "url")), "http://r.example/live");
    assert_true(json_is_true(json_object_get(live, "active")));
    assert_string_equal(json_string_value(json_object_get(gone, "id")), id_gone);
    assert_true(json_is_false(json_object_get(gone, "active")));
    assert_string_equal(json_string_value(json_object_get(gone, "deleted_at")), deleted_at);
    json_decref(j);

    assert_int_equal(mock_prog_http(p.port, "GET", "/api/webhooks/calls?event_id=evt_persisted",
                                    "persist-key-1", NULL, &body),
                     200);
    j = json_loads(body, 0, NULL);
    free(body);
    assert_int_equal(json_integer_value(json_object_get(j, "total")), 1);
    json_decref(j);

    /* The secret was kept: restoring and updating works on the old row. */
    snprintf(path, sizeof(path), "/api/webhooks/%s/restore", id_gone);
    assert_int_equal(mock_prog_http(p.port, "POST", path, "persist-key-1", NULL, NULL), 200);
    assert_int_equal(proc_stop(&p, STOP_MS), 0);
    test_db_remove(db);
}

static void api_key_from_environment(void **state)
{
    (void)state;
    struct proc p;
    const char *override[] = {"--api-key", "flag-key-2", NULL};

    assert_int_equal(setenv("VAMBE_MOCK_API_KEY", "env-key-1", 1), 0);
    mock_prog_start(&p, NULL);
    assert_int_equal(mock_prog_http(p.port, "GET", "/api/webhooks", "env-key-1", NULL, NULL), 200);
    assert_int_equal(
        mock_prog_http(p.port, "GET", "/api/webhooks", "vambe-mock-local-key", NULL, NULL), 401);
    assert_int_equal(proc_stop(&p, STOP_MS), 0);

    /* --api-key wins over the environment. */
    mock_prog_start(&p, override);
    assert_int_equal(mock_prog_http(p.port, "GET", "/api/webhooks", "flag-key-2", NULL, NULL), 200);
    assert_int_equal(mock_prog_http(p.port, "GET", "/api/webhooks", "env-key-1", NULL, NULL), 401);
    assert_int_equal(proc_stop(&p, STOP_MS), 0);
    unsetenv("VAMBE_MOCK_API_KEY");

    /* Without either, the documented local key. */
    mock_prog_start(&p, NULL);
    assert_int_equal(
        mock_prog_http(p.port, "GET", "/api/webhooks", "vambe-mock-local-key", NULL, NULL), 200);
    assert_int_equal(proc_stop(&p, STOP_MS), 0);
}

/* 1000+ clients at once: every one gets its answer. */
static void many_concurrent_connections(void **state)
{
    (void)state;
    enum { N = 1100 };
    struct rlimit rl;
    struct proc p;
    struct http_client_opts co = {0};
    struct http_client *c;
    static struct http_request req[N];
    static struct http_response resp[N];
    char url[128];
    const char *headers[] = {"x-api-key: vambe-mock-local-key"};
    size_t ok = 0;
    size_t by_error[HTTP_ERROR_OTHER + 1] = {0};
    char first_bad[320] = "";

    /* This process holds N client sockets: make room, or skip. */
    test_need(getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_max >= 2 * N,
              "a file descriptor limit of twice the connections");
    if (rl.rlim_cur < 2 * N) {
        rl.rlim_cur = 2 * N;
        assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
    }
    unsetenv("VAMBE_MOCK_API_KEY");
    mock_prog_start(&p, (const char *const[]){"--no-access-log", NULL});
    snprintf(url, sizeof(url), "http://127.0.0.1:%u/api/webhooks", p.port);
    memset(req, 0, sizeof(req));
    memset(resp, 0, sizeof(resp));
    for (int i = 0; i < N; i++) {
        req[i].method = "GET";
        req[i].url = url;
        req[i].headers = headers;
        req[i].n_headers = 1;
        req[i].timeout_ms = 30000;
    }
    c = http_client_new(&co);
    assert_non_null(c);
    assert_int_equal(http_client_run(c, req, resp, N, N), 0);
    for (int i = 0; i < N; i++) {
        if (resp[i].error == HTTP_ERROR_NONE && resp[i].status == 200 &&
            strcmp(resp[i].body, "[]") == 0) {
            ok++;
        } else {
            by_error[resp[i].error]++;
            if (first_bad[0] == '\0') {
                snprintf(first_bad, sizeof(first_bad), "status %ld, error %d: %s", resp[i].status,
                         (int)resp[i].error, resp[i].error_text);
            }
        }
        http_response_cleanup(&resp[i]);
    }
    http_client_free(c);
    assert_int_equal(proc_stop(&p, STOP_MS), 0);
    if (ok != N) {
        print_error("%zu of %d answered; timeouts %zu, refused %zu, resets %zu; first: %s\n", ok, N,
                    by_error[HTTP_ERROR_TIMEOUT], by_error[HTTP_ERROR_REFUSED],
                    by_error[HTTP_ERROR_RESET], first_bad);
    }
    assert_int_equal(ok, N);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(help_and_version),         cmocka_unit_test(bad_flags_exit_2),
        cmocka_unit_test(port_file_contract),       cmocka_unit_test(bind_ipv4_mapped),
        cmocka_unit_test(port_taken_exit_3),        cmocka_unit_test(foreign_db_exit_3),
        cmocka_unit_test(signals_stop_cleanly),     cmocka_unit_test(db_survives_restart),
        cmocka_unit_test(api_key_from_environment), cmocka_unit_test(many_concurrent_connections),
    };
    unsetenv("VAMBE_MOCK_API_KEY");
    return cmocka_run_group_tests(tests, NULL, NULL);
}
