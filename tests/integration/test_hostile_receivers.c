/* Hostile receivers against the harness. Each receiver is a raw socket
 * server in a test thread (127.0.0.1, port 0; support/hostile_rx.h) that
 * misbehaves one way: never answers, trickles its answer, answers 10 MB
 * (200 and 503), answers a 10 MB header, resets the connection (SO_LINGER
 * 0), speaks broken HTTP, sends a chunk size that is not hexadecimal,
 * closes mid-body, closes without a word, or answers "100 Continue"
 * forever. The harness runs in process (the same entry point as
 * `vambe-harness run --only DLV-001 --timeout DUR --report-dir DIR`) and
 * must give each a clear verdict: an ERROR whose reason names what
 * happened (timeout, reset, protocol), a FAIL for a bad status, a PASS for
 * a 2xx however large, never a crash or a hang; a timeout is honoured
 * (the exchange ends near it, neither early nor much later); the memory
 * kept per answer stays bounded; and the reports are still valid.
 *
 * The same receivers against the mock's delivery engine are in
 * test_hostile_receivers_mock.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "harness/cli.h"
#include "harness/command.h"
#include "reports/model.h"
#include "support/hostile_rx.h"

#define SECRET   "whsec_hostile_receivers_0123"
#define OUT_MAX  (64 * 1024)
#define KEPT_MAX (64 * 1024) /* what the harness keeps of an answer */
#define SLACK_US 4000000u    /* what a timeout may be late by, valgrind included */

/* ---- the harness against one receiver ----------------------------------------- */

struct result {
    int code;
    struct rp_run *run;
    uint64_t took_us;
    char out[OUT_MAX];
    char dir[64];
};

static uint64_t mono_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void run_harness(const struct hostile_rx *rx, const char *timeout, struct result *res)
{
    char target[128];
    char *argv[32];
    int argc = 0;
    struct hn_config cfg;
    struct err e = {{0}};
    FILE *out;
    size_t n;
    uint64_t t0;

    snprintf(target, sizeof(target), "http://127.0.0.1:%u/hook", rx->port);
    snprintf(res->dir, sizeof(res->dir), "/tmp/vambe-hostile-XXXXXX");
    assert_non_null(mkdtemp(res->dir));
    argv[argc++] = "vambe-harness";
    argv[argc++] = "run";
    argv[argc++] = "--target";
    argv[argc++] = target;
    argv[argc++] = "--secret";
    argv[argc++] = SECRET;
    argv[argc++] = "--only";
    argv[argc++] = "DLV-001";
    argv[argc++] = "--timeout";
    argv[argc++] = (char *)timeout;
    argv[argc++] = "--seed";
    argv[argc++] = "1";
    argv[argc++] = "--no-color";
    argv[argc++] = "--report-dir";
    argv[argc++] = res->dir;
    argv[argc] = NULL;
    if (hn_cli_parse(argc, argv, &cfg, &e) != 0) {
        fail_msg("parse: %s", e.msg);
    }
    out = tmpfile();
    assert_non_null(out);
    t0 = mono_us();
    res->code = hn_command_run(&cfg, out, &res->run);
    res->took_us = mono_us() - t0;
    rewind(out);
    n = fread(res->out, 1, sizeof(res->out) - 1, out);
    res->out[n] = '\0';
    fclose(out);
    hn_cli_cleanup(&cfg);
}

/* The reports of the run are there and the JSON one parses. */
static void check_reports(const struct result *res)
{
    char path[128];
    json_error_t je;
    json_t *j;
    struct stat st;
    static const char *const files[] = {"report.json", "report.xml", "report.md", "report.html"};

    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", res->dir, files[i]);
        if (stat(path, &st) != 0 || st.st_size == 0) {
            fail_msg("%s is missing or empty", path);
        }
    }
    snprintf(path, sizeof(path), "%s/report.json", res->dir);
    /* RFC 8259 allows \u0000 in strings; jansson wants to be told. */
    j = json_load_file(path, JSON_ALLOW_NUL, &je);
    if (j == NULL) {
        fail_msg("report.json does not parse: %s (line %d)", je.text, je.line);
    }
    json_decref(j);
}

static void result_free(struct result *res)
{
    static const char *const files[] = {"report.json", "report.xml", "report.md", "report.html"};
    char path[128];

    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", res->dir, files[i]);
        unlink(path);
    }
    rmdir(res->dir);
    rp_run_free(res->run);
    free(res);
}

/* What one hostile receiver must get. */
struct want {
    enum rp_verdict verdict;
    const char *reason;  /* the case's reason contains this */
    const char *error;   /* the exchange's error; NULL: a response came */
    uint64_t timeout_ms; /* the exchange ends after about this long; 0: no check */
};

static void against(enum hostile_rx_behaviour how, const char *timeout, const struct want *w)
{
    struct hostile_rx *rx = hostile_rx_start(how);
    struct result *res = calloc(1, sizeof(*res));
    const struct rp_case *c;
    const struct rp_exchange *x;

    assert_non_null(res);
    log_set_level(LOG_LEVEL_ERROR);
    run_harness(rx, timeout, res);
    hostile_rx_stop(rx);
    assert_non_null(res->run);
    assert_int_equal(res->run->n_cases, 1);
    c = &res->run->cases[0];
    if (c->verdict != w->verdict ||
        (w->reason[0] != '\0' && (c->reason == NULL || strstr(c->reason, w->reason) == NULL))) {
        fail_msg("got %s (%s), want %s with '%s'\n%s", rp_verdict_name(c->verdict),
                 c->reason != NULL ? c->reason : "-", rp_verdict_name(w->verdict), w->reason,
                 res->out);
    }
    assert_int_equal(res->code, w->verdict == RP_VERDICT_PASS ? 0 : 1);
    assert_int_equal(c->n_steps, 1);
    assert_int_equal(c->steps[0].n_exchanges, 1);
    x = &c->steps[0].exchanges[0];
    /* A status line may have come before the failure (a 100, or a 200
     * whose body never completed): the error is what counts. */
    if (w->error == NULL) {
        assert_null(x->error);
        assert_true(x->status > 0);
    } else if (x->error == NULL || strcmp(x->error, w->error) != 0) {
        fail_msg("exchange error '%s', want '%s' (%s)", x->error != NULL ? x->error : "-", w->error,
                 c->reason != NULL ? c->reason : "-");
    }
    /* Bounded memory: the harness keeps an excerpt of any answer. */
    assert_true(x->response_body_len <= KEPT_MAX);
    if (w->timeout_ms > 0) {
        uint64_t t = w->timeout_ms * 1000u;

        if (x->total_us + 100000u < t || x->total_us > t + SLACK_US ||
            res->took_us > t + SLACK_US) {
            fail_msg("timeout of %llu ms: the exchange took %llu us, the run %llu us",
                     (unsigned long long)w->timeout_ms, (unsigned long long)x->total_us,
                     (unsigned long long)res->took_us);
        }
    }
    /* The verdict line names the case and its verdict. */
    assert_non_null(strstr(res->out, "DLV-001"));
    assert_non_null(strstr(res->out, rp_verdict_name(w->verdict)));
    check_reports(res);
    result_free(res);
}

/* ---- the cases ------------------------------------------------------------------ */

static void never_answers(void **state)
{
    static const struct want w = {RP_VERDICT_ERROR, "no response: timeout", "timeout", 1000};

    (void)state;
    against(RX_SILENT, "1s", &w);
}

static void trickles_the_answer(void **state)
{
    static const struct want w = {RP_VERDICT_ERROR, "no response: timeout", "timeout", 1000};

    (void)state;
    against(RX_TRICKLE, "1s", &w);
}

static void continue_forever(void **state)
{
    static const struct want w = {RP_VERDICT_ERROR, "no response: timeout", "timeout", 1000};

    (void)state;
    against(RX_CONTINUE, "1s", &w);
}

static void answers_10_mb_200(void **state)
{
    static const struct want w = {RP_VERDICT_PASS, "", NULL, 0};

    (void)state;
    against(RX_HUGE_200, "20s", &w);
}

static void answers_10_mb_503(void **state)
{
    static const struct want w = {RP_VERDICT_FAIL, "status 503", NULL, 0};

    (void)state;
    against(RX_HUGE_503, "20s", &w);
}

static void answers_a_10_mb_header(void **state)
{
    static const struct want w = {RP_VERDICT_ERROR, "no response: ", "protocol", 0};

    (void)state;
    against(RX_HUGE_HEADER, "20s", &w);
}

static void resets_the_connection(void **state)
{
    static const struct want w = {RP_VERDICT_ERROR, "no response: reset", "reset", 0};

    (void)state;
    against(RX_RESET, "5s", &w);
}

static void speaks_broken_http(void **state)
{
    static const struct want w = {RP_VERDICT_ERROR, "no response: protocol", "protocol", 0};

    (void)state;
    against(RX_BROKEN, "5s", &w);
}

/* It was "reset": libcurl 7.88 reports a bad chunk as a receive error. */
static void broken_chunk_size(void **state)
{
    static const struct want w = {RP_VERDICT_ERROR, "no response: protocol", "protocol", 0};

    (void)state;
    against(RX_BAD_CHUNK, "5s", &w);
}

static void closes_mid_body(void **state)
{
    static const struct want w = {RP_VERDICT_ERROR, "no response: reset", "reset", 0};

    (void)state;
    against(RX_MID_BODY, "5s", &w);
}

static void closes_without_a_word(void **state)
{
    static const struct want w = {RP_VERDICT_ERROR, "no response: reset", "reset", 0};

    (void)state;
    against(RX_NOTHING, "5s", &w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(never_answers),         cmocka_unit_test(trickles_the_answer),
        cmocka_unit_test(continue_forever),      cmocka_unit_test(answers_10_mb_200),
        cmocka_unit_test(answers_10_mb_503),     cmocka_unit_test(answers_a_10_mb_header),
        cmocka_unit_test(resets_the_connection), cmocka_unit_test(speaks_broken_http),
        cmocka_unit_test(broken_chunk_size),     cmocka_unit_test(closes_mid_body),
        cmocka_unit_test(closes_without_a_word),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
