/* harness/runner without a network: cases that need a probe SKIP without
 * one, SEC-001 judges the target URL itself, and a case's identity is
 * copied into the model. Deliveries against live servers are in
 * integration.harness_runner. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/runner.h"

static struct hn_scenario *builtin(const char *rel)
{
    const char *src = getenv("VAMBE_SOURCE_DIR");
    char path[1024];
    struct hn_scenario *s = NULL;
    struct err e = {{0}};

    assert_non_null(src);
    snprintf(path, sizeof(path), "%s/scenarios/%s", src, rel);
    assert_int_equal(hn_scenario_load(path, &s, &e), 0);
    return s;
}

/* Runs scenario s against target (never contacted by these cases). */
static enum rp_verdict run_case(const char *target, bool strict, const struct hn_scenario *s,
                                struct rp_run *run)
{
    struct hn_runner_opts o;
    struct err e = {{0}};

    memset(&o, 0, sizeof(o));
    o.target = target;
    o.secret = "s";
    o.strict = strict;
    struct hn_runner *r = hn_runner_new(&o, &e);
    assert_non_null(r);
    assert_string_equal(hn_runner_probe_kind(r), "none");
    struct rp_case *c = rp_run_add_case(run);
    hn_runner_case(r, s, c);
    hn_runner_free(r);
    return c->verdict;
}

static void https_check(void **state)
{
    (void)state;
    struct hn_scenario *s = builtin("SEC/SEC-001-https.json");
    struct rp_run *run = rp_run_new();

    assert_int_equal(run_case("https://hooks.example.com/vambe", false, s, run), RP_VERDICT_PASS);
    assert_string_equal(run->cases[0].figure, "https");
    /* Plain http to a remote host fails the SHOULD: WARN, or FAIL with strict. */
    assert_int_equal(run_case("http://hooks.example.com/vambe", false, s, run), RP_VERDICT_WARN);
    assert_non_null(strstr(run->cases[1].reason, "plain http://"));
    assert_int_equal(run_case("http://hooks.example.com/vambe", true, s, run), RP_VERDICT_FAIL);
    /* Loopback targets are skipped, with the reason. */
    assert_int_equal(run_case("http://127.0.0.1:8080/", false, s, run), RP_VERDICT_SKIP);
    assert_non_null(strstr(run->cases[3].reason, "loopback"));
    assert_int_equal(run_case("http://localhost/", false, s, run), RP_VERDICT_SKIP);

    const struct rp_case *c = &run->cases[0];
    assert_string_equal(c->id, "SEC-001");
    assert_string_equal(c->area, "SEC");
    assert_int_equal(c->level, RP_LEVEL_SHOULD);
    assert_int_equal(c->n_tags, 2);
    assert_non_null(strstr(c->file, "SEC-001-https.json"));
    assert_int_equal(c->n_steps, 1);
    assert_string_equal(c->steps[0].kind, "target");
    assert_int_equal(c->steps[0].n_exchanges, 0);
    rp_run_free(run);
    hn_scenario_free(s);
}

static void probe_cases_skip_without_probe(void **state)
{
    (void)state;
    static const char *const files[] = {
        "IDM/IDM-002-duplicate-processed-once.json", "IDM/IDM-003-concurrent-copies-once.json",
        "IDM/IDM-004-distinct-events-twice.json", "SIG/SIG-007-rejected-not-processed.json"};
    struct rp_run *run = rp_run_new();

    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        struct hn_scenario *s = builtin(files[i]);
        /* Port 9 on loopback: nothing may be sent, and nothing is. */
        assert_int_equal(run_case("http://127.0.0.1:9/", false, s, run), RP_VERDICT_SKIP);
        assert_non_null(strstr(run->cases[i].reason, "--probe-url or --probe-cmd"));
        assert_int_equal(run->cases[i].n_steps, 0);
        hn_scenario_free(s);
    }
    rp_run_free(run);
}

static void bad_runner_options(void **state)
{
    (void)state;
    struct hn_runner_opts o;
    struct err e = {{0}};

    memset(&o, 0, sizeof(o));
    o.target = "gopher://x/";
    o.secret = "s";
    assert_null(hn_runner_new(&o, &e));
    assert_non_null(strstr(e.msg, "http:// or https://"));
    o.target = "http://127.0.0.1:9/?token=abc";
    o.probe_url = "http://127.0.0.1:9/nothing";
    assert_null(hn_runner_new(&o, &e));
    assert_non_null(strstr(e.msg, "{event_id}"));
    o.probe_url = NULL;
    struct hn_runner *r = hn_runner_new(&o, &e);
    assert_non_null(r);
    assert_string_equal(hn_runner_target_shown(r), "http://127.0.0.1:9/?token=***");
    /* Port 9 (discard) is closed on test machines: the preflight says so. */
    assert_int_equal(hn_runner_preflight(r, &e), -1);
    assert_non_null(strstr(e.msg, "127.0.0.1:9"));
    hn_runner_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(https_check),
        cmocka_unit_test(probe_cases_skip_without_probe),
        cmocka_unit_test(bad_runner_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
