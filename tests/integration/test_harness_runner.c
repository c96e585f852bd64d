/* The harness's runner, in process, against small servers scripted to
 * answer one way (tests/support/runner_server.h): accept everything,
 * reject everything, 500, 302, Laravel's 419, slow. Each test asserts the
 * verdict of each case, the exit code, and that no secret reaches the
 * output or the result model. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/jsonh.h"
#include "harness/cli.h"
#include "harness/command.h"
#include "harness/runner.h"
#include "reports/model.h"
#include "tests/support/runner_server.h"
static void accept_everything(void **state)
{
    (void)state;
    struct rs_server *s = rs_server_start(MODE_ACCEPT);
    struct rs_result *res = calloc(1, sizeof(*res));
    static const char *const args[] = {"--seed", "11", NULL};
    static const struct rs_want w[] = {
        {"DLV-001", RP_VERDICT_PASS},
        {"DLV-002", RP_VERDICT_PASS},
        {"DLV-003", RP_VERDICT_PASS},
        {"DLV-004", RP_VERDICT_PASS},
        {"DLV-005", RP_VERDICT_WARN},
        {"DLV-006", RP_VERDICT_PASS},
        {"IDM-001", RP_VERDICT_PASS},
        {"IDM-002", RP_VERDICT_SKIP},
        {"IDM-003", RP_VERDICT_SKIP},
        {"IDM-004", RP_VERDICT_SKIP},
        {"LAT-001", RP_VERDICT_PASS},
        {"LAT-002", RP_VERDICT_PASS},
        {"LAT-003", RP_VERDICT_PASS},
        {"SEC-001", RP_VERDICT_SKIP},
        {"SEC-004", RP_VERDICT_SKIP},
        {"SIG-001", RP_VERDICT_FAIL},
        {"SIG-002", RP_VERDICT_FAIL},
        {"SIG-003", RP_VERDICT_FAIL},
        {"SIG-004", RP_VERDICT_FAIL},
        {"SIG-005", RP_VERDICT_FAIL},
        {"SIG-006", RP_VERDICT_FAIL},
        {"SIG-007", RP_VERDICT_SKIP},
        {"SEC-002", RP_VERDICT_FAIL},
        {"DLV-009", RP_VERDICT_FAIL},
        {"DLV-008", RP_VERDICT_PASS},
        {"DLV-011", RP_VERDICT_PASS},
        {"IDM-007", RP_VERDICT_SKIP},
        {"ORD-001", RP_VERDICT_SKIP},
        {"RAT-001", RP_VERDICT_PASS},
        {"RAT-002", RP_VERDICT_SKIP},
        {"IDM-008", RP_VERDICT_SKIP},
        {"LAT-004", RP_VERDICT_SKIP},
        {"LAT-005", RP_VERDICT_SKIP},
        {"DLV-010", RP_VERDICT_SKIP},
        /* No --state-probe-url: the state step is left out, the INFO one passes. */
        {"ORD-002", RP_VERDICT_PASS},
    };

    assert_non_null(res);
    rs_run(s, args, res);
    assert_int_equal(res->code, 1);
    assert_int_equal(res->run->n_cases, 50);
    rs_check_verdicts(res, w, sizeof(w) / sizeof(w[0]));
    rs_check_no_secret(res, SECRET);
    assert_false(res->run->conformant);
    assert_int_equal(res->run->seed, 11);
    assert_int_equal(res->run->counts[RP_VERDICT_FAIL], 8);
    /* SIG-004's and SIG-005's figures: every shift up to a week accepted. */
    assert_true(res->run->ts_past.measured && res->run->ts_future.measured);
    assert_true(res->run->ts_past.accepted_any && !res->run->ts_past.refused_any);
    assert_int_equal(res->run->ts_past.accepted_s, 7 * 24 * 3600);
    assert_int_equal(res->run->ts_future.accepted_s, 7 * 24 * 3600);
    assert_string_equal(res->run->probe, "none");
    assert_non_null(res->run->suite_checksum);
    assert_int_equal(strlen(res->run->suite_checksum), 64);

    /* The case line, the failure detail and the summary. */
    assert_non_null(strstr(res->out, "FAIL  MUST    SIG-002  rejects a signature made with "
                                     "another secret  (200 in "));
    assert_non_null(strstr(res->out, "SKIP  MUST    IDM-002  processes a duplicated event once"
                                     "  (no probe)"));
    assert_non_null(strstr(res->out, "expected:  status 401 or 403"));
    assert_non_null(strstr(res->out, "sent:      POST message.received evt_"));
    assert_non_null(strstr(res->out, "(signed with another secret)"));
    assert_non_null(strstr(res->out, "re-run:    vambe-harness run --target"));
    assert_non_null(strstr(res->out, "--secret \"$VAMBE_SECRET\" --seed 11 --only SIG-002"));
    assert_non_null(strstr(res->out, "50 cases: 13 PASS, 8 FAIL, 1 WARN, 28 SKIP, 0 ERROR"));
    assert_non_null(strstr(res->out, "seed 11"));
    assert_non_null(strstr(res->out, "result: NOT conformant (8 MUST cases failed"));
    assert_null(strstr(res->out, "\x1b["));

    /* The model: the failing step's exchange, with the signature cut. */
    const struct rp_case *c = rs_find_case(res->run, "SIG-002");
    assert_non_null(c->rerun);
    assert_int_equal(c->n_steps, 1);
    assert_int_equal(c->steps[0].n_exchanges, 1);
    const struct rp_exchange *x = &c->steps[0].exchanges[0];
    assert_int_equal(x->status, 200);
    assert_string_equal(x->method, "POST");
    assert_non_null(strstr(x->request_headers, "x-vambe-signature: "));
    assert_non_null(strstr(x->request_headers, "\xe2\x80\xa6\n"));
    assert_true(x->total_us > 0);
    assert_true(res->run->latency.samples > 90);

    /* LAT-003 is one burst of 50 exchanges, all 200: the first 16 keep
     * their detail, the other 34 are counted with their latencies, which
     * every figure still includes. */
    c = rs_find_case(res->run, "LAT-003");
    assert_int_equal(c->steps[0].n_exchanges, RP_STEP_KEEP_PASSING);
    assert_int_equal(c->steps[0].n_omitted, 50 - RP_STEP_KEEP_PASSING);
    assert_int_equal(rp_step_latencies(&c->steps[0], NULL), 50);
    size_t samples = 0;
    for (size_t i = 0; i < res->run->n_cases; i++) {
        for (size_t j = 0; j < res->run->cases[i].n_steps; j++) {
            samples += rp_step_latencies(&res->run->cases[i].steps[j], NULL);
        }
    }
    assert_int_equal(res->run->latency.samples, samples);
    rs_result_free(res);
    free(res);
    rs_server_stop(s);
}

/* DLV-007 runs after the other cases and names every 2xx'd valid
 * delivery the receiver never processed, with its case and topic; a
 * topic named in --ignored-topics is not expected processed. */
static void audit_after_the_run(void **state)
{
    (void)state;
    struct rs_server *s = rs_server_start(MODE_VERIFY);
    struct rs_result *res = calloc(1, sizeof(*res));
    char probe[256];
    s->drop_topic = "contact.updated";
    snprintf(probe, sizeof(probe), "http://127.0.0.1:%u/probe/{event_id}", s->port);
    const char *const args[] = {
        "--probe-url", probe, "--probe-wait", "300ms", "--only", "DLV-007,DLV-003,DLV-001", NULL};

    assert_non_null(res);
    rs_run(s, args, res);
    assert_int_equal(res->code, 1);
    assert_int_equal(res->run->n_cases, 3);
    const struct rp_case *c = &res->run->cases[2];
    assert_string_equal(c->id, "DLV-007"); /* last, though first in the file order */
    assert_int_equal(c->verdict, RP_VERDICT_FAIL);
    assert_non_null(strstr(c->reason, "1 of 9 valid deliveries answered 2xx were never "
                                      "processed: DLV-003 (contact.updated evt_"));
    assert_string_equal(c->figure, "1 of 9 not processed");
    /* Its re-run line is the whole run: the audit alone has nothing to see. */
    assert_null(strstr(c->rerun, "--only"));
    rs_result_free(res);

    const char *const ignoring[] = {"--probe-url",
                                    probe,
                                    "--only",
                                    "DLV-003,DLV-007",
                                    "--ignored-topics",
                                    "stage.changed,contact.updated",
                                    NULL};
    rs_run(s, ignoring, res);
    assert_int_equal(res->code, 0);
    assert_string_equal(res->run->cases[1].figure, "6 of 6 processed");
    rs_result_free(res);

    /* Alone, it has nothing to judge. */
    const char *const alone[] = {"--probe-url", probe, "--only", "DLV-007", NULL};
    rs_run(s, alone, res);
    assert_int_equal(res->run->cases[0].verdict, RP_VERDICT_SKIP);
    assert_non_null(strstr(res->run->cases[0].reason, "no earlier case of this run got a 2xx"));
    rs_result_free(res);
    free(res);
    rs_server_stop(s);
}

/* The same server with a probe: it processes every copy, so the
 * idempotency cases fail, and it processes rejected deliveries too. */
static void accept_everything_with_probe(void **state)
{
    (void)state;
    struct rs_server *s = rs_server_start(MODE_ACCEPT);
    struct rs_result *res = calloc(1, sizeof(*res));
    char probe[256];
    snprintf(probe, sizeof(probe), "http://127.0.0.1:%u/probe/{event_id}", s->port);
    const char *const args[] = {"--probe-url", probe,    "--settle",
                                "50ms",        "--only", "IDM-002,IDM-003,IDM-004,SIG-007",
                                NULL};
    static const struct rs_want w[] = {
        {"IDM-002", RP_VERDICT_FAIL},
        {"IDM-003", RP_VERDICT_FAIL},
        {"IDM-004", RP_VERDICT_PASS},
        {"SIG-007", RP_VERDICT_FAIL},
    };

    assert_non_null(res);
    rs_run(s, args, res);
    assert_int_equal(res->code, 1);
    assert_int_equal(res->run->n_cases, 4);
    rs_check_verdicts(res, w, 4);
    assert_string_equal(res->run->probe, "url");
    const struct rp_case *c = rs_find_case(res->run, "IDM-002");
    assert_non_null(strstr(c->reason, "was processed 2 times, expected 1"));
    assert_string_equal(c->figure, "count 2, expected 1");
    c = rs_find_case(res->run, "IDM-003");
    assert_non_null(strstr(c->reason, "was processed 5 times, expected 1"));
    c = rs_find_case(res->run, "SIG-007");
    assert_non_null(strstr(c->reason, "step 6 (probe)"));
    assert_non_null(strstr(c->reason, "processed 1 time, expected 0"));
    /* The probe's exchanges are in the model, excluded from latency. */
    assert_true(c->steps[5].n_exchanges >= 1);
    assert_string_equal(c->steps[5].exchanges[0].method, "GET");
    assert_non_null(strstr(c->steps[5].exchanges[0].url, "/probe/evt_"));
    rs_result_free(res);
    free(res);
    rs_server_stop(s);
}

static void reject_everything(void **state)
{
    (void)state;
    struct rs_server *s = rs_server_start(MODE_REJECT);
    struct rs_result *res = calloc(1, sizeof(*res));
    static const char *const args[] = {"--skip", "LAT-002", NULL};
    static const struct rs_want w[] = {
        {"DLV-001", RP_VERDICT_FAIL},
        {"DLV-002", RP_VERDICT_WARN},
        {"DLV-003", RP_VERDICT_FAIL},
        {"DLV-004", RP_VERDICT_WARN},
        {"DLV-005", RP_VERDICT_PASS},
        {"DLV-006", RP_VERDICT_PASS},
        {"IDM-001", RP_VERDICT_FAIL},
        {"LAT-001", RP_VERDICT_PASS},
        {"LAT-003", RP_VERDICT_FAIL},
        {"SIG-001", RP_VERDICT_PASS},
        {"SIG-002", RP_VERDICT_PASS},
        {"SIG-003", RP_VERDICT_PASS},
        {"SIG-004", RP_VERDICT_PASS},
        {"SIG-005", RP_VERDICT_PASS},
        {"SIG-006", RP_VERDICT_PASS},
        /* 401 is refused, never 5xx: the sender's three attempts end on a 4xx. */
        {"DLV-008", RP_VERDICT_PASS},
        {"DLV-011", RP_VERDICT_PASS},
        {"RAT-001", RP_VERDICT_WARN},
        /* The contact's created event refused: a SHOULD case. */
        {"ORD-002", RP_VERDICT_WARN},
        /* The long cases wait for --long. */
        {"LAT-004", RP_VERDICT_SKIP},
    };

    assert_non_null(res);
    rs_run(s, args, res);
    assert_int_equal(res->code, 1);
    assert_int_equal(res->run->n_cases, 49);
    assert_null(rs_find_case(res->run, "LAT-002"));
    /* Nothing accepted: not even a timestamp of now, found by halving. */
    assert_true(res->run->ts_past.measured && !res->run->ts_past.accepted_any);
    assert_true(res->run->ts_past.refused_any);
    assert_int_equal(res->run->ts_past.refused_s, 0);
    rs_check_verdicts(res, w, sizeof(w) / sizeof(w[0]));
    const struct rp_case *c = rs_find_case(res->run, "LAT-003");
    assert_non_null(strstr(c->reason, "50 of 50 deliveries failed"));
    /* Failures keep their detail up to RP_STEP_KEEP_FAILING: all 50. */
    assert_int_equal(c->steps[0].n_exchanges, 50);
    assert_int_equal(c->steps[0].n_omitted, 0);
    /* A sender's retries: three attempts, the last one judged. */
    c = rs_find_case(res->run, "DLV-008");
    assert_int_equal(strncmp(c->figure, "401 in ", 7), 0);
    assert_non_null(strstr(c->figure, " at attempt 3"));
    assert_int_equal(c->steps[0].n_exchanges, 3);
    assert_non_null(strstr(c->steps[0].actual, "retried after 1.00 s; retried after 2.00 s: 401"));
    rs_result_free(res);

    /* --strict makes a failed SHOULD case a FAIL. */
    static const char *const strict[] = {"--strict", "--only", "DLV-002", NULL};
    rs_run(s, strict, res);
    assert_int_equal(res->code, 1);
    assert_int_equal(res->run->cases[0].verdict, RP_VERDICT_FAIL);
    assert_non_null(strstr(res->out, "(1 MUST/SHOULD case failed or errored)"));
    rs_result_free(res);

    /* A failed SHOULD case alone is a warning: the run stays conformant. */
    static const char *const warn[] = {"--only", "DLV-002,SIG-002", NULL};
    rs_run(s, warn, res);
    assert_int_equal(res->code, 0);
    assert_non_null(strstr(res->out, "result: conformant"));
    assert_non_null(strstr(res->out, "WARN  DLV-002  answers exactly 200"));
    rs_result_free(res);
    free(res);
    rs_server_stop(s);
}

static void always_500(void **state)
{
    (void)state;
    struct rs_server *s = rs_server_start(MODE_ERROR);
    struct rs_result *res = calloc(1, sizeof(*res));
    static const char *const args[] = {"--tags", "delivery,signature", NULL};
    static const struct rs_want w[] = {
        {"DLV-001", RP_VERDICT_FAIL}, {"DLV-002", RP_VERDICT_WARN}, {"DLV-005", RP_VERDICT_WARN},
        {"DLV-006", RP_VERDICT_PASS}, {"SIG-001", RP_VERDICT_FAIL}, {"SIG-006", RP_VERDICT_FAIL},
    };

    assert_non_null(res);
    rs_run(s, args, res);
    assert_int_equal(res->code, 1);
    assert_null(rs_find_case(res->run, "LAT-001"));
    rs_check_verdicts(res, w, sizeof(w) / sizeof(w[0]));
    const struct rp_case *c = rs_find_case(res->run, "SIG-006");
    assert_non_null(strstr(c->reason, "status 500"));
    assert_non_null(strstr(c->reason, "expected 4xx"));
    assert_non_null(strstr(res->out, "body:      {\"statusCode\":500"));
    rs_result_free(res);
    free(res);
    rs_server_stop(s);
}

static void always_302(void **state)
{
    (void)state;
    struct rs_server *s = rs_server_start(MODE_REDIRECT);
    struct rs_result *res = calloc(1, sizeof(*res));
    static const char *const args[] = {"--only", "DLV-001,DLV-006,SIG-001", NULL};
    static const struct rs_want w[] = {
        {"DLV-001", RP_VERDICT_FAIL},
        {"DLV-006", RP_VERDICT_FAIL},
        {"SIG-001", RP_VERDICT_FAIL},
    };

    assert_non_null(res);
    rs_run(s, args, res);
    assert_int_equal(res->code, 1);
    rs_check_verdicts(res, w, 3);
    const struct rp_case *c = rs_find_case(res->run, "DLV-006");
    assert_non_null(strstr(c->reason, "step 1 (deliver): status 302 in "));
    assert_non_null(strstr(c->reason, "expected not 3xx"));
    /* A valid delivery that did not get its 2xx comes with a hint. */
    c = rs_find_case(res->run, "DLV-001");
    assert_non_null(strstr(c->reason, "; hint: senders do not follow redirects"));
    rs_result_free(res);
    free(res);
    rs_server_stop(s);
}

/* Laravel's CSRF check in front of the webhook route: DLV-001 fails with
 * the hint that names it and the fix; a rejection expected as 4xx gets
 * no hint (nothing went wrong there). */
static void csrf_hint(void **state)
{
    (void)state;
    struct rs_server *s = rs_server_start(MODE_CSRF);
    struct rs_result *res = calloc(1, sizeof(*res));
    static const char *const args[] = {"--only", "DLV-001,SIG-001", NULL};

    assert_non_null(res);
    rs_run(s, args, res);
    assert_int_equal(res->code, 1);
    const struct rp_case *c = rs_find_case(res->run, "DLV-001");
    assert_int_equal(c->verdict, RP_VERDICT_FAIL);
    assert_non_null(strstr(c->reason, "hint: looks like Laravel's CSRF check (419 Page Expired): "
                                      "add the webhook path to VerifyCsrfToken::$except"));
    assert_non_null(strstr(res->out, "VerifyCsrfToken::$except"));
    c = rs_find_case(res->run, "SIG-001");
    assert_null(strstr(c->reason != NULL ? c->reason : "", "hint:"));
    rs_result_free(res);
    free(res);
    rs_server_stop(s);
}

/* A receiver slower than 5 s: LAT-001 fails with the time it took, not a
 * timeout error. Only that case runs, so the test stays short. */
static void slow_receiver(void **state)
{
    (void)state;
    struct rs_server *s = rs_server_start(MODE_SLOW);
    struct rs_result *res = calloc(1, sizeof(*res));
    static const char *const args[] = {"--only", "LAT-001", NULL};

    assert_non_null(res);
    s->delay_ms = 5300;
    rs_run(s, args, res);
    assert_int_equal(res->code, 1);
    const struct rp_case *c = &res->run->cases[0];
    assert_int_equal(c->verdict, RP_VERDICT_FAIL);
    assert_non_null(strstr(c->reason, "over the bound of 5.00 s"));
    assert_non_null(strstr(c->figure, "200 in 5."));
    /* The case stopped at its first failed step. */
    assert_int_equal(c->n_steps, 1);
    assert_true(c->steps[0].exchanges[0].total_us >= 5300000);
    rs_result_free(res);

    /* Outside a latency case, no answer within --timeout is an ERROR. */
    s->delay_ms = 600;
    static const char *const err[] = {"--only", "DLV-001", "--timeout", "150ms", NULL};
    rs_run(s, err, res);
    assert_int_equal(res->code, 1);
    assert_int_equal(res->run->cases[0].verdict, RP_VERDICT_ERROR);
    assert_non_null(strstr(res->run->cases[0].reason, "no response: timeout"));
    assert_non_null(strstr(res->out, "result: NOT conformant"));
    rs_result_free(res);
    free(res);
    rs_server_stop(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(accept_everything),   cmocka_unit_test(accept_everything_with_probe),
        cmocka_unit_test(reject_everything),   cmocka_unit_test(always_500),
        cmocka_unit_test(always_302),          cmocka_unit_test(csrf_hint),
        cmocka_unit_test(audit_after_the_run), cmocka_unit_test(slow_receiver),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
