/* The harness as a sender over time, against the real vambe-receiver: a
 * receiver that throttles correctly (--rate-limit: 429 with Retry-After,
 * nothing marked seen) gets its throttled events back after Retry-After
 * and passes RAT-002, while RAT-001 warns about the throttled burst; the
 * reference receiver done right passes every case that retries, hangs up
 * or reorders. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tests/support/proc.h"

#define SECRET "sender-test-secret-0123456789"

static struct proc running; /* killed by the teardown if a test fails */
static bool state_probe;    /* run_cases_with adds the receiver's --state-probe-url */

static int teardown(void **state)
{
    (void)state;
    if (running.pid > 0) {
        proc_kill(&running);
    }
    return 0;
}

/* Runs the harness with --only cases (and the options in harness_extra,
 * NULL-terminated, or NULL) against a receiver started with extra; returns
 * the JSON report (the caller frees it). */
static json_t *run_cases_with(char *const extra[], char *const harness_extra[], const char *cases,
                              int *code)
{
    char *rargv[12] = {(char *)proc_bin("VAMBE_RECEIVER_BIN"), "--secret", SECRET, NULL};
    for (size_t i = 0; extra[i] != NULL; i++) {
        rargv[3 + i] = extra[i];
    }
    assert_int_equal(proc_start(&running, rargv, true, 10000), 0);
    char target[64], probe[128], report[128];
    snprintf(target, sizeof(target), "http://127.0.0.1:%u/", running.port);
    snprintf(probe, sizeof(probe), "http://127.0.0.1:%u/_probe/events/{event_id}", running.port);
    snprintf(report, sizeof(report), "json:/tmp/vambe-sender-%d.json", (int)getpid());
    char *hargv[20] = {(char *)proc_bin("VAMBE_HARNESS_BIN"),
                       "run",
                       "--target",
                       target,
                       "--secret",
                       SECRET,
                       "--probe-url",
                       probe,
                       "--only",
                       (char *)cases,
                       "--report",
                       report,
                       NULL};
    size_t n = 12;
    char state[128];
    snprintf(state, sizeof(state), "http://127.0.0.1:%u/_probe/entities/{entity_id}", running.port);
    if (state_probe) {
        hargv[n++] = "--state-probe-url";
        hargv[n++] = state;
    }
    for (size_t i = 0; harness_extra != NULL && harness_extra[i] != NULL; i++) {
        assert_true(n < 19);
        hargv[n++] = harness_extra[i];
    }
    static char out[65536];
    *code = proc_run(hargv, out, sizeof(out), NULL, 0, 120000);
    assert_int_equal(proc_stop(&running, 10000), 0);
    running.pid = 0;
    json_error_t je;
    json_t *rep = json_load_file(report + 5, 0, &je);
    if (rep == NULL) {
        fprintf(stderr, "no report: %s\n%s\n", je.text, out);
    }
    assert_non_null(rep);
    unlink(report + 5);
    return rep;
}

static json_t *run_cases(char *const extra[], const char *cases, int *code)
{
    return run_cases_with(extra, NULL, cases, code);
}

static const json_t *find_case(const json_t *rep, const char *id)
{
    size_t i;
    const json_t *c;
    json_array_foreach(json_object_get(rep, "cases"), i, c)
    {
        if (strcmp(json_string_value(json_object_get(c, "id")), id) == 0) {
            return c;
        }
    }
    fail_msg("case %s not in the report", id);
    return NULL;
}

static const char *field(const json_t *c, const char *key)
{
    const char *v = json_string_value(json_object_get(c, key));
    return v != NULL ? v : "";
}

static void throttled_events_come_back(void **state)
{
    (void)state;
    char *const extra[] = {"--rate-limit", "30", NULL};
    int code = -1;
    json_t *rep = run_cases(extra, "RAT-001,RAT-002", &code);

    const json_t *rat1 = find_case(rep, "RAT-001");
    const json_t *rat2 = find_case(rep, "RAT-002");
    /* 50 at once against 30 a second: 20 throttled, each with Retry-After. */
    assert_string_equal(field(rat1, "verdict"), "WARN");
    assert_non_null(strstr(field(rat1, "reason"), "20 of 50 first answers were not status 2xx "
                                                  "(first: 429)"));
    assert_string_equal(field(rat2, "verdict"), "PASS");
    const json_t *burst = json_array_get(json_object_get(rat2, "steps"), 0);
    const char *actual = field(burst, "actual");
    if (strstr(actual, "retried after 1.00 s (Retry-After)") == NULL) {
        fprintf(stderr, "RAT-002 step 1: %s\n", actual);
        fail();
    }
    assert_int_equal(code, 0); /* a SHOULD case warns: still conformant */
    json_decref(rep);
}

static void done_right_passes_over_time(void **state)
{
    (void)state;
    char *const extra[] = {NULL};
    int code = -1;
    json_t *rep = run_cases(extra, "IDM-007,ORD-001,DLV-008,DLV-011,RAT-001,RAT-002", &code);
    size_t i;
    const json_t *c;

    json_array_foreach(json_object_get(rep, "cases"), i, c)
    {
        if (strcmp(field(c, "verdict"), "PASS") != 0) {
            fprintf(stderr, "%s: %s %s\n", field(c, "id"), field(c, "verdict"), field(c, "reason"));
        }
        assert_string_equal(field(c, "verdict"), "PASS");
    }
    assert_int_equal(i, 6);
    assert_int_equal(code, 0);
    /* ORD-001's update was accepted at once: its retry step sent nothing. */
    const json_t *ord = find_case(rep, "ORD-001");
    const json_t *again = json_array_get(json_object_get(ord, "steps"), 3);
    assert_string_equal(field(again, "actual"), "not sent: the event was answered 2xx already");
    /* The two that mostly wait ran together, each with its own client. */
    const json_t *notes = json_object_get(rep, "notes");
    assert_int_equal(json_array_size(notes), 1);
    assert_string_equal(json_string_value(json_array_get(notes, 0)),
                        "ran together, as cases that mostly wait: IDM-007 and ORD-001");
    json_decref(rep);
}

/* One direction of the report's timestamp_window: accepted and refused
 * seconds (-1 for null). */
static void window_of(const json_t *rep, const char *dir, long long *accepted, long long *refused)
{
    const json_t *w = json_object_get(json_object_get(rep, "timestamp_window"), dir);
    assert_true(json_is_object(w));
    const json_t *a = json_object_get(w, "accepted_s");
    const json_t *r = json_object_get(w, "refused_s");
    *accepted = json_is_integer(a) ? json_integer_value(a) : -1;
    *refused = json_is_integer(r) ? json_integer_value(r) : -1;
}

/* SIG-004 and SIG-005 measure the window the receiver really keeps, to
 * 1 s: the reference's 300 s each way, and none at all for a receiver that
 * checks the MAC but not the time. */
static void timestamp_window_measured(void **state)
{
    (void)state;
    char *const right[] = {NULL};
    char *const flawed[] = {"--flaw", "no-timestamp-check", NULL};
    long long accepted = 0, refused = 0;
    int code = -1;

    json_t *rep = run_cases(right, "SIG-004,SIG-005", &code);
    assert_int_equal(code, 0);
    /* 300 s is the bound; a shift of exactly 300 s into the past arrives
     * a millisecond or more older than that, or within the same one. */
    window_of(rep, "past", &accepted, &refused);
    assert_true(accepted >= 298 && accepted <= 300);
    assert_int_equal(refused, accepted + 1);
    window_of(rep, "future", &accepted, &refused);
    assert_true(accepted >= 299 && accepted <= 300);
    assert_int_equal(refused, accepted + 1);
    const json_t *step = json_array_get(json_object_get(find_case(rep, "SIG-004"), "steps"), 0);
    assert_string_equal(field(step, "kind"), "window");
    assert_non_null(strstr(field(step, "actual"), "accepts timestamps "));
    json_decref(rep);

    rep = run_cases(flawed, "SIG-004,SIG-005", &code);
    assert_int_equal(code, 1);
    window_of(rep, "past", &accepted, &refused);
    assert_int_equal(accepted, 7 * 24 * 3600); /* the most the harness tries */
    assert_int_equal(refused, -1);
    window_of(rep, "future", &accepted, &refused);
    assert_int_equal(accepted, 7 * 24 * 3600);
    assert_int_equal(refused, -1);
    json_decref(rep);
}

/* DLV-010 with a restart command: the reference with --state keeps what
 * it acknowledged across the restart (PASS); with ack-before-durable the
 * event answered 2xx is gone after it (WARN: a SHOULD case). */
static void restart_keeps_acknowledged(void **state)
{
    (void)state;
    static const char *const flaws[] = {NULL, "ack-before-durable"};
    static const char *const want[] = {"PASS", "WARN"};

    for (size_t k = 0; k < 2; k++) {
        char state_file[128], restart[1200], target[64], probe[128], report[128];
        snprintf(state_file, sizeof(state_file), "/tmp/vambe-sender-%d.state", (int)getpid());
        unlink(state_file);
        char *rargv[12] = {(char *)proc_bin("VAMBE_RECEIVER_BIN"),
                           "--secret",
                           SECRET,
                           "--state",
                           state_file,
                           NULL};
        if (flaws[k] != NULL) {
            rargv[5] = "--flaw";
            rargv[6] = (char *)flaws[k];
        }
        assert_int_equal(proc_start(&running, rargv, true, 10000), 0);
        snprintf(target, sizeof(target), "http://127.0.0.1:%u/", running.port);
        snprintf(probe, sizeof(probe), "http://127.0.0.1:%u/_probe/events/{event_id}",
                 running.port);
        snprintf(report, sizeof(report), "json:/tmp/vambe-sender-%d.json", (int)getpid());
        /* SIGUSR2: a crash and a restart in place; the new image writes the
         * port file again once it listens. */
        snprintf(restart, sizeof(restart),
                 "rm -f %s && kill -USR2 %d && i=0 && while [ ! -s %s ] && [ $i -lt 200 ]; do "
                 "sleep 0.05; i=$((i+1)); done && [ -s %s ]",
                 running.port_file, (int)running.pid, running.port_file, running.port_file);
        char *hargv[] = {(char *)proc_bin("VAMBE_HARNESS_BIN"),
                         "run",
                         "--target",
                         target,
                         "--secret",
                         SECRET,
                         "--probe-url",
                         probe,
                         "--only",
                         "DLV-010",
                         "--restart-cmd",
                         restart,
                         "--report",
                         report,
                         NULL};
        static char out[65536];
        int code = proc_run(hargv, out, sizeof(out), NULL, 0, 120000);
        assert_int_equal(proc_stop(&running, 10000), 0);
        running.pid = 0;
        unlink(state_file);
        json_error_t je;
        json_t *rep = json_load_file(report + 5, 0, &je);
        assert_non_null(rep);
        unlink(report + 5);
        const json_t *c = find_case(rep, "DLV-010");
        if (strcmp(field(c, "verdict"), want[k]) != 0) {
            fprintf(stderr, "%s: %s %s\n%s\n", flaws[k] ? flaws[k] : "done right",
                    field(c, "verdict"), field(c, "reason"), out);
        }
        assert_string_equal(field(c, "verdict"), want[k]);
        assert_int_equal(code, 0); /* a SHOULD case: conformant either way */
        const json_t *step = json_array_get(json_object_get(c, "steps"), 1);
        assert_string_equal(field(step, "kind"), "restart");
        assert_string_equal(field(step, "verdict"), "PASS");
        assert_non_null(strstr(field(step, "actual"), "the receiver accepted connections"));
        if (k == 1) {
            assert_non_null(strstr(field(c, "reason"), "step 3 (probe)"));
        }
        json_decref(rep);
    }
}

/* A restart command that fails is the harness's ERROR with what went
 * wrong, never a verdict on the receiver (a command that hangs is cut at
 * its limit: harness.shell tests that with a short one). */
static void restart_command_fails(void **state)
{
    (void)state;
    char *const none[] = {NULL};
    char *const failing[] = {"--restart-cmd", "echo restarting; exit 3", NULL};
    int code = -1;

    json_t *rep = run_cases_with(none, failing, "DLV-010", &code);
    const json_t *c = find_case(rep, "DLV-010");
    assert_string_equal(field(c, "verdict"), "ERROR");
    assert_non_null(strstr(field(c, "reason"), "step 2 (restart): restart command failed (exit "
                                               "status 3)"));
    json_decref(rep);

    /* Without --restart-cmd: a SKIP that says what to give. */
    rep = run_cases(none, "DLV-010", &code);
    c = find_case(rep, "DLV-010");
    assert_string_equal(field(c, "verdict"), "SKIP");
    assert_string_equal(field(c, "reason"),
                        "needs a way to restart the receiver: give --restart-cmd");
    json_decref(rep);
}

/* ORD-002: the reference keeps a contact's newest update when an older
 * one arrives late (PASS); last-write-wins lets the older one win (WARN,
 * FAIL with --strict). Without --state-probe-url the state step is left
 * out and the case stands on its INFO step. */
static void older_update_loses(void **state)
{
    (void)state;
    char *const right[] = {NULL};
    char *const flawed[] = {"--flaw", "last-write-wins", NULL};
    char *const strict[] = {"--strict", NULL};
    int code = -1;

    state_probe = true;
    json_t *rep = run_cases(right, "ORD-002", &code);
    const json_t *c = find_case(rep, "ORD-002");
    if (strcmp(field(c, "verdict"), "PASS") != 0) {
        fprintf(stderr, "ORD-002: %s %s\n", field(c, "verdict"), field(c, "reason"));
    }
    assert_string_equal(field(c, "verdict"), "PASS");
    const json_t *st = json_array_get(json_object_get(c, "steps"), 3);
    assert_string_equal(field(st, "kind"), "state");
    assert_string_equal(field(st, "verdict"), "PASS");
    assert_non_null(strstr(field(st, "actual"), "updated_at "));
    assert_int_equal(code, 0);
    json_decref(rep);

    rep = run_cases(flawed, "ORD-002", &code);
    c = find_case(rep, "ORD-002");
    assert_string_equal(field(c, "verdict"), "WARN");
    assert_non_null(strstr(field(c, "reason"), "step 4 (state): contact "));
    assert_non_null(strstr(field(c, "reason"), "an older update won over a newer one"));
    assert_int_equal(code, 0);
    json_decref(rep);

    rep = run_cases_with(flawed, strict, "ORD-002", &code);
    assert_string_equal(field(find_case(rep, "ORD-002"), "verdict"), "FAIL");
    assert_int_equal(code, 1);
    json_decref(rep);

    state_probe = false;
    rep = run_cases(flawed, "ORD-002", &code);
    c = find_case(rep, "ORD-002");
    assert_string_equal(field(c, "verdict"), "PASS");
    st = json_array_get(json_object_get(c, "steps"), 3);
    assert_string_equal(field(st, "verdict"), "SKIP");
    assert_non_null(strstr(field(st, "description"), "left out: no --state-probe-url"));
    json_decref(rep);
}

int main(void)
{
    if (proc_bin("VAMBE_RECEIVER_BIN") == NULL || proc_bin("VAMBE_HARNESS_BIN") == NULL) {
        fprintf(stderr, "VAMBE_RECEIVER_BIN and VAMBE_HARNESS_BIN must be set (run under ctest)\n");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(throttled_events_come_back, teardown),
        cmocka_unit_test_teardown(done_right_passes_over_time, teardown),
        cmocka_unit_test_teardown(timestamp_window_measured, teardown),
        cmocka_unit_test_teardown(restart_keeps_acknowledged, teardown),
        cmocka_unit_test_teardown(restart_command_fails, teardown),
        cmocka_unit_test_teardown(older_update_loses, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
