/* vambe-mock stopped by SIGTERM while it works: start, register a webhook,
 * trigger a batch of events (deliveries in flight to a receiver, the
 * call-log writer busy), SIGTERM after a varying delay, and the mock must
 * exit 0 every time: never a crash, an abort or a hang. Cycles alternate
 * between a file store and the in-memory one. (Once, under load, a mock
 * exited 134 on SIGTERM in integration.mock_security; this is the
 * stress test that would catch it again.) */
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
#include "core/http_server.h"
#include "tests/support/api.h"
#include "tests/support/proc.h"

#define KEY       "vambe-mock-local-key"
#define CYCLES    30
#define STOP_MS   10000
#define START_MS  10000
#define PER_CYCLE 100 /* events triggered per cycle */

static void on_hook(void *ctx, const struct http_server_request *req, struct http_server_reply *rep)
{
    (void)ctx;
    (void)req;
    http_reply_json(rep, 200, json_pack("{s:s}", "status", "ok"));
}

static const struct http_route routes[] = {{"POST", "/hook", on_hook}};

static void start_trigger_sigterm(void **state)
{
    struct http_server_opts o;
    struct http_server *rcv;
    struct http_client *c = http_client_new(NULL);
    struct err e = {{0}};
    char db[64];
    unsigned seed = (unsigned)getpid();

    (void)state;
    memset(&o, 0, sizeof(o));
    o.bind = "127.0.0.1";
    o.threads = 2;
    o.routes = routes;
    o.n_routes = 1;
    rcv = http_server_start(&o, &e);
    assert_non_null(rcv);
    assert_non_null(c);
    snprintf(db, sizeof(db), "/tmp/vambe-shutdown-%d.db", (int)getpid());
    for (int i = 0; i < CYCLES; i++) {
        char *file_argv[] = {
            (char *)proc_bin("VAMBE_MOCK_BIN"), "serve", "--no-access-log", "--db", db, NULL};
        char *mem_argv[] = {(char *)proc_bin("VAMBE_MOCK_BIN"), "serve", "--no-access-log", NULL};
        char hook[128], log[4096];
        struct proc p;
        int code;

        assert_int_equal(proc_start(&p, i % 2 == 0 ? file_argv : mem_argv, true, START_MS), 0);
        snprintf(hook, sizeof(hook),
                 "{\"topic\":\"message.received\",\"url\":\"http://127.0.0.1:%u/hook\","
                 "\"secret\":\"s\"}",
                 http_server_port(rcv));
        if (i == 0 || i % 2 == 1) { /* the file store keeps its webhook */
            assert_int_equal(api_json(c, p.port, KEY, "POST", "/api/webhooks", hook, NULL), 201);
        }
        char trigger[96];
        snprintf(trigger, sizeof(trigger), "{\"topic\":\"message.received\",\"count\":%d}",
                 PER_CYCLE);
        assert_int_equal(api_json(c, p.port, KEY, "POST", "/mock/events", trigger, NULL), 202);
        /* Stop at once, or once deliveries are under way. */
        clock_sleep_us((uint64_t)(rand_r(&seed) % 40) * 1000u);
        code = proc_stop(&p, STOP_MS);
        if (code != 0) {
            proc_read_log(&p, log, sizeof(log));
            fail_msg("cycle %d: the mock exited %d on SIGTERM:\n%s", i, code, log);
        }
    }
    for (size_t k = 0; k < 3; k++) {
        char path[80];

        snprintf(path, sizeof(path), "%s%s", db, (const char *[]){"", "-wal", "-shm"}[k]);
        unlink(path);
    }
    http_client_free(c);
    http_server_stop(rcv);
}

int main(void)
{
    if (proc_bin("VAMBE_MOCK_BIN") == NULL) {
        fprintf(stderr, "VAMBE_MOCK_BIN must be set (run under ctest)\n");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(start_trigger_sigterm),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
