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
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tests/support/proc.h"

#define SECRET "sender-test-secret-0123456789"

static struct proc running; /* killed by the teardown if a test fails */

static int teardown(void **state)
{
    (void)state;
    if (running.pid > 0) {
        proc_kill(&running);
    }
    return 0;
}

/* Runs the harness with --only cases against a receiver started with
 * extra; returns the JSON report (the caller frees it). */
static json_t *run_cases(char *const extra[], const char *cases, int *code)
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
    char *hargv[] = {(char *)proc_bin("VAMBE_HARNESS_BIN"),
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

int main(void)
{
    if (proc_bin("VAMBE_RECEIVER_BIN") == NULL || proc_bin("VAMBE_HARNESS_BIN") == NULL) {
        fprintf(stderr, "VAMBE_RECEIVER_BIN and VAMBE_HARNESS_BIN must be set (run under ctest)\n");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(throttled_events_come_back, teardown),
        cmocka_unit_test_teardown(done_right_passes_over_time, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
