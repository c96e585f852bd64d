/* `vambe-mock calls --follow` against real mock processes: attempts show up
 * as they happen (as JSON lines and as text), the follower says when it
 * loses the stream (the mock stops) and when it is back (a new mock on the
 * same port), and SIGTERM ends it with 0. Also: a mock that is not there
 * at all, and a mock that refuses the key. The followers write to files
 * the test reads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/http_client.h"
#include "core/http_server.h"
#include "core/ids.h"
#include "core/log.h"
#include "support/api.h"
#include "support/mock_prog.h"
#include "support/ok_rx.h"
#include "support/proc.h"

#define KEY       "test-key-follow-0123"
#define WAIT_MS   15000
#define LOST_TEXT "stream lost ("

struct follower {
    pid_t pid;
    char out_path[128];
    char err_path[128];
};

/* A mock process on port (0: any; the chosen one in p->port). A port just
 * given up by the mock before may take a moment to bind again: a few
 * tries. */
static void mock_start(struct proc *p, unsigned port)
{
    char *argv[] = {(char *)mock_prog_bin(),
                    "serve",
                    "--api-key",
                    KEY,
                    "--no-access-log",
                    NULL,
                    NULL,
                    NULL,
                    NULL,
                    NULL};
    char port_text[16];
    char port_file[128];

    if (port == 0) {
        if (proc_start(p, argv, true, WAIT_MS) != 0) {
            fail_msg("the mock did not start");
        }
        return;
    }
    snprintf(port_text, sizeof(port_text), "%u", port);
    snprintf(port_file, sizeof(port_file), "/tmp/vambe-follow-%d.port", (int)getpid());
    argv[5] = "--port";
    argv[6] = port_text;
    argv[7] = "--port-file";
    argv[8] = port_file;
    for (int attempt = 0; attempt < 20; attempt++) {
        uint64_t deadline = clock_mono_us() + 5u * 1000u * 1000u;
        int status;

        unlink(port_file);
        assert_int_equal(proc_start(p, argv, false, 0), 0);
        while (clock_mono_us() < deadline && access(port_file, R_OK) != 0) {
            if (waitpid(p->pid, &status, WNOHANG) == p->pid) {
                p->pid = 0;
                break;
            }
            clock_sleep_us(10000); /* the port file appears: nothing to wait on */
        }
        if (p->pid != 0 && access(port_file, R_OK) == 0) {
            snprintf(p->port_file, sizeof(p->port_file), "%s", port_file);
            p->port = port;
            return;
        }
        proc_kill(p);
        clock_sleep_us(250000); /* the port is still held: try again */
    }
    fail_msg("no mock could listen on port %u again", port);
}

static void follower_start(struct follower *f, const char *tag, char *const extra[])
{
    char *argv[24] = {(char *)mock_prog_bin(), "calls", "--follow", "--api-key", KEY};
    size_t n = 5;

    snprintf(f->out_path, sizeof(f->out_path), "/tmp/vambe-follow-%d-%s.out", (int)getpid(), tag);
    snprintf(f->err_path, sizeof(f->err_path), "/tmp/vambe-follow-%d-%s.err", (int)getpid(), tag);
    while (*extra != NULL && n < 22) {
        argv[n++] = *extra++;
    }
    argv[n] = NULL;
    f->pid = fork();
    assert_true(f->pid >= 0);
    if (f->pid == 0) {
        int fo = open(f->out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int fe = open(f->err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

        dup2(fo, 1);
        dup2(fe, 2);
        execv(argv[0], argv);
        _exit(127);
    }
}

/* What the follower wrote to one of its files so far (static storage). */
static const char *slurp(const char *path)
{
    static char buf[1 << 20];
    FILE *f = fopen(path, "r");
    size_t n = 0;

    buf[0] = '\0';
    if (f != NULL) {
        n = fread(buf, 1, sizeof(buf) - 1, f);
        fclose(f);
    }
    buf[n] = '\0';
    return buf;
}

/* Waits until path holds needle; false after timeout_ms. */
static bool wait_text(const char *path, const char *needle, int timeout_ms)
{
    uint64_t deadline = clock_mono_us() + (uint64_t)timeout_ms * 1000u;

    while (strstr(slurp(path), needle) == NULL) {
        if (clock_mono_us() > deadline) {
            return false;
        }
        clock_sleep_us(20000); /* another process writes the file */
    }
    return true;
}

/* SIGTERM; returns the exit status. */
static int follower_stop(struct follower *f)
{
    uint64_t deadline = clock_mono_us() + 5u * 1000u * 1000u;
    int status = 0;

    kill(f->pid, SIGTERM);
    while (waitpid(f->pid, &status, WNOHANG) != f->pid) {
        if (clock_mono_us() > deadline) {
            kill(f->pid, SIGKILL);
            waitpid(f->pid, &status, 0);
            return -1;
        }
        clock_sleep_us(10000);
    }
    unlink(f->out_path);
    unlink(f->err_path);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void create_hook(struct http_client *c, unsigned port, const char *url)
{
    char body[256];

    snprintf(body, sizeof(body),
             "{\"topic\":\"message.received\",\"url\":\"%s\",\"secret\":\"s3\"}", url);
    assert_int_equal(api_json(c, port, KEY, "POST", "/api/webhooks", body, NULL), 201);
}

/* Triggers one event at a time until each follower's stdout shows one of
 * them (a follower connects on its own schedule, and the stream does not
 * replay what came before). Returns the last event id in evt. */
static void trigger_until_seen(struct http_client *c, unsigned port, struct follower *fs, size_t n,
                               char evt[IDS_EVENT_ID_LEN + 1])
{
    uint64_t deadline = clock_mono_us() + (uint64_t)WAIT_MS * 1000u;
    char ids[64][IDS_EVENT_ID_LEN + 1];
    size_t n_ids = 0;

    for (;;) {
        json_t *j = NULL;
        size_t seen = 0;

        assert_int_equal(
            api_json(c, port, KEY, "POST", "/mock/events", "{\"topic\":\"message.received\"}", &j),
            202);
        snprintf(evt, IDS_EVENT_ID_LEN + 1, "%s",
                 json_string_value(json_array_get(json_object_get(j, "event_ids"), 0)));
        json_decref(j);
        if (n_ids < 64) {
            snprintf(ids[n_ids++], IDS_EVENT_ID_LEN + 1, "%s", evt);
        }
        for (size_t k = 0; k < n; k++) {
            for (size_t i = 0; i < n_ids; i++) {
                if (wait_text(fs[k].out_path, ids[i], i + 1 == n_ids ? 500 : 0)) {
                    seen++;
                    break;
                }
            }
        }
        if (seen == n) {
            return;
        }
        if (clock_mono_us() > deadline) {
            fail_msg("no attempt reached the followers; stderr:\n%s", slurp(fs[0].err_path));
        }
    }
}

/* Every line of the --json follower is one call record. */
static void json_lines_are_records(const char *path, const char *evt)
{
    char *text = strdup(slurp(path));
    bool found = false;

    assert_non_null(text);
    for (char *line = strtok(text, "\n"); line != NULL; line = strtok(NULL, "\n")) {
        json_t *rec = json_loads(line, 0, NULL);

        if (!json_is_object(rec) || !json_is_string(json_object_get(rec, "outcome"))) {
            fail_msg("not a call record: %s", line);
        }
        if (strcmp(json_string_value(json_object_get(rec, "event_id")), evt) == 0) {
            found = true;
            assert_string_equal(json_string_value(json_object_get(rec, "outcome")), "succeeded");
            assert_int_equal(json_integer_value(json_object_get(rec, "response_status")), 200);
        }
        json_decref(rec);
    }
    assert_true(found);
    free(text);
}

/* A mock that is not there: the follower says so once and keeps trying;
 * SIGTERM ends it with 0. Needs no stream. */
static void follow_unreachable_then_stop(void **state)
{
    struct http_server *s = ok_rx_start();
    char server[64];
    char *extra[] = {"--server", server, NULL};
    struct follower f;
    const char *errtext;

    (void)state;
    snprintf(server, sizeof(server), "http://127.0.0.1:%u", http_server_port(s));
    http_server_stop(s); /* a port nothing listens on */
    follower_start(&f, "dead", extra);
    if (!wait_text(f.err_path, "vambe-mock: stream lost (connection refused); reconnecting…\n",
                   WAIT_MS)) {
        fail_msg("no 'stream lost' message; stderr:\n%s", slurp(f.err_path));
    }
    /* Retries at 250 and 500 ms say nothing more. */
    clock_sleep_us(900000);
    errtext = slurp(f.err_path);
    assert_non_null(strstr(errtext, LOST_TEXT));
    assert_null(strstr(strstr(errtext, LOST_TEXT) + 1, LOST_TEXT));
    assert_string_equal(slurp(f.out_path), "");
    assert_int_equal(follower_stop(&f), 0);
}

/* A wrong key: the mock's 401, exit 2, no retrying. */
static void follow_refused(void **state)
{
    struct proc mock;
    char server[64];
    char out[4096];
    char err[4096];

    (void)state;
    mock_start(&mock, 0);
    snprintf(server, sizeof(server), "http://127.0.0.1:%u", mock.port);
    char *argv[] = {(char *)mock_prog_bin(),
                    "calls",
                    "--follow",
                    "--server",
                    server,
                    "--api-key",
                    "wrong-key",
                    NULL};
    assert_int_equal(proc_run(argv, out, sizeof(out), err, sizeof(err), WAIT_MS), 2);
    assert_non_null(strstr(err, "vambe-mock: the mock answered 401"));
    assert_null(strstr(err, LOST_TEXT));
    assert_int_equal(proc_stop(&mock, 10000), 0);
}

/* The whole story: attempts as they happen, the mock stops, a new one
 * starts on the same port, the follower is back, SIGTERM. */
static void follow_across_a_restart(void **state)
{
    struct http_server *receiver = ok_rx_start();
    struct http_client *c = http_client_new(NULL);
    struct proc mock;
    struct follower fs[2];
    char server[64];
    char hook[64];
    char evt[IDS_EVENT_ID_LEN + 1];
    char *json_args[] = {"--json", "--server", server, NULL};
    char *text_args[] = {"--server", server, "--topic", "message.received", NULL};
    unsigned port;

    (void)state;
    assert_non_null(c);
    snprintf(hook, sizeof(hook), "http://127.0.0.1:%u/hook", http_server_port(receiver));
    mock_start(&mock, 0);
    port = mock.port;
    snprintf(server, sizeof(server), "http://127.0.0.1:%u", port);
    create_hook(c, port, hook);
    follower_start(&fs[0], "json", json_args);
    follower_start(&fs[1], "text", text_args);

    trigger_until_seen(c, port, fs, 2, evt);
    json_lines_are_records(fs[0].out_path, evt);
    /* Text: time, topic, event id, attempt, status, duration, outcome. */
    assert_true(wait_text(fs[1].out_path, "  message.received  ", 0));
    assert_true(wait_text(fs[1].out_path, "  #1   200  ", 0));
    assert_true(wait_text(fs[1].out_path, " ms  succeeded\n", 0));
    assert_null(strstr(slurp(fs[1].out_path), "\x1b[")); /* a file: no colour */

    /* The mock stops: both say so. */
    assert_int_equal(proc_stop(&mock, 10000), 0);
    for (size_t k = 0; k < 2; k++) {
        if (!wait_text(fs[k].err_path, "); reconnecting…\n", WAIT_MS) ||
            strstr(slurp(fs[k].err_path), "vambe-mock: " LOST_TEXT) == NULL) {
            fail_msg("follower %zu: no 'stream lost'; stderr:\n%s", k, slurp(fs[k].err_path));
        }
    }
    /* A new mock on the same port (in memory: the webhook again). */
    mock_start(&mock, port);
    create_hook(c, port, hook);
    for (size_t k = 0; k < 2; k++) {
        if (!wait_text(fs[k].err_path, "vambe-mock: reconnected\n", WAIT_MS)) {
            fail_msg("follower %zu: not reconnected; stderr:\n%s", k, slurp(fs[k].err_path));
        }
    }
    trigger_until_seen(c, port, fs, 2, evt);
    json_lines_are_records(fs[0].out_path, evt);

    assert_int_equal(follower_stop(&fs[0]), 0);
    assert_int_equal(follower_stop(&fs[1]), 0);
    assert_int_equal(proc_stop(&mock, 10000), 0);
    http_client_free(c);
    http_server_stop(receiver);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(follow_unreachable_then_stop),
        cmocka_unit_test(follow_refused),
        cmocka_unit_test(follow_across_a_restart),
    };

    log_set_level(LOG_LEVEL_ERROR);
    unsetenv("NO_COLOR");
    unsetenv("VAMBE_MOCK_API_KEY");
    return cmocka_run_group_tests(tests, NULL, NULL);
}
