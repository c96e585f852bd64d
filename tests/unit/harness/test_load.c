/* harness/load: the load command's options (values, defaults, every usage
 * error with its message, secrets never echoed) and its rules (schedule,
 * how a step is judged, when a ramp goes on, where the knee is). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/load.h"
#include "harness/load_int.h"

#define SECRET "hunter2-load-secret"
#define TARGET "http://127.0.0.1:9/hook"

/* Parses "load" followed by args (NULL-terminated). */
static int parse(const char *const *args, struct hn_load_config *cfg, struct err *e)
{
    char *argv[48];
    int argc = 0;

    argv[argc++] = "load";
    for (size_t i = 0; args[i] != NULL; i++) {
        argv[argc++] = (char *)args[i];
    }
    argv[argc] = NULL;
    return hn_load_parse(argc, argv, cfg, e);
}

static void fixed_rate_options(void **state)
{
    (void)state;
    const char *const args[] = {"--target",
                                TARGET,
                                "--secret",
                                SECRET,
                                "--rate",
                                "250/s",
                                "--duration",
                                "2m",
                                "--budget",
                                "750ms",
                                "--concurrency",
                                "32",
                                "--topic",
                                "message.received,ticket.created",
                                "--seed",
                                "7",
                                "--report",
                                "json:/tmp/l.json",
                                NULL};
    struct hn_load_config cfg;
    struct err e = {{0}};

    assert_int_equal(parse(args, &cfg, &e), 0);
    assert_false(cfg.ramp);
    assert_int_equal(cfg.rate, 250);
    assert_int_equal(cfg.duration_ms, 120000);
    assert_int_equal(cfg.budget_ms, 750);
    assert_int_equal(cfg.concurrency, 32);
    assert_string_equal(cfg.topics, "message.received,ticket.created");
    assert_string_equal(cfg.base.target, TARGET);
    assert_string_equal(cfg.base.secret, SECRET);
    assert_string_equal(cfg.base.scheme->name, "vambe");
    assert_int_equal(cfg.base.seed, 7);
    assert_int_equal(cfg.base.n_reports, 1);
    hn_load_cleanup(&cfg);
}

static void ramp_defaults(void **state)
{
    (void)state;
    const char *const args[] = {"-t",       TARGET,   "-s",    SECRET, "--ramp",
                                "--scheme", "github", "--max", "5000", NULL};
    struct hn_load_config cfg;
    struct err e = {{0}};

    assert_int_equal(parse(args, &cfg, &e), 0);
    assert_true(cfg.ramp);
    assert_int_equal(cfg.start, HN_LOAD_DEFAULT_START);
    assert_int_equal(cfg.max, 5000);
    assert_int_equal(cfg.step_ms, HN_LOAD_DEFAULT_STEP_MS);
    assert_int_equal(cfg.budget_ms, HN_LOAD_DEFAULT_BUDGET_MS);
    assert_int_equal(cfg.concurrency, HN_LOAD_DEFAULT_CONCURRENCY);
    assert_null(cfg.topics);
    assert_string_equal(cfg.base.scheme->name, "github");
    assert_int_equal(cfg.base.profile, EVENT_PROFILE_GITHUB);
    hn_load_cleanup(&cfg);
}

/* Every usage error, with the words of its message; none echoes the
 * secret given with it. */
static void garbage(void **state)
{
    (void)state;
    static const struct {
        const char *args[16];
        const char *msg;
    } cases[] = {
        {{"--secret", SECRET, "--rate", "10", "--duration", "1s"},
         "load: --target URL is required"},
        {{"--target", "ftp://x/", "--secret", SECRET, "--rate", "10", "--duration", "1s"},
         "--target"},
        {{"--target", TARGET, "--rate", "10", "--duration", "1s"},
         "load: --secret is required (or set VAMBE_SECRET)"},
        {{"--target", TARGET, "--secret", SECRET},
         "give --rate N --duration D (a fixed rate) or "
         "--ramp"},
        {{"--target", TARGET, "--secret", SECRET, "--rate", "abc", "--duration", "1s"},
         "--rate: 'abc' is not a rate (N or N/s, 1 to 1000000)"},
        {{"--target", TARGET, "--secret", SECRET, "--rate", "0", "--duration", "1s"},
         "--rate: '0' is not a rate"},
        {{"--target", TARGET, "--secret", SECRET, "--rate", "2000000", "--duration", "1s"},
         "--rate: '2000000' is not a rate"},
        {{"--target", TARGET, "--secret", SECRET, "--rate", "10/m", "--duration", "1s"},
         "--rate: '10/m' is not a rate"},
        {{"--target", TARGET, "--secret", SECRET, "--rate", "-5", "--duration", "1s"},
         "--rate: '-5' is not a rate"},
        {{"--target", TARGET, "--secret", SECRET, "--rate", "10"},
         "load: --rate needs --duration D"},
        {{"--target", TARGET, "--secret", SECRET, "--rate", "10", "--duration", "0"},
         "--duration '0': use a duration above 0 and up to 24h"},
        {{"--target", TARGET, "--secret", SECRET, "--rate", "10", "--duration", "5x"},
         "--duration: "},
        {{"--target", TARGET, "--secret", SECRET, "--rate", "10", "--duration", "25h"},
         "--duration '25h': use a duration above 0 and up to 24h"},
        {{"--target", TARGET, "--secret", SECRET, "--ramp", "--rate", "10"},
         "give --ramp or --rate N --duration D, not both"},
        {{"--target", TARGET, "--secret", SECRET, "--ramp", "--duration", "10s"},
         "give --ramp or --rate N --duration D, not both"},
        {{"--target", TARGET, "--secret", SECRET, "--rate", "10", "--duration", "1s", "--start",
          "5"},
         "--start, --max and --step-duration shape a ramp: add --ramp"},
        {{"--target", TARGET, "--secret", SECRET, "--ramp", "--start", "100", "--max", "10"},
         "load: --start 100/s is above --max 10/s"},
        {{"--target", TARGET, "--secret", SECRET, "--ramp", "--step-duration", "never"},
         "--step-duration: "},
        {{"--target", TARGET, "--secret", SECRET, "--ramp", "--budget", "2m"},
         "--budget '2m': use a duration above 0 and up to 60s"},
        {{"--target", TARGET, "--secret", SECRET, "--ramp", "--concurrency", "0"},
         "--concurrency: "},
        {{"--target", TARGET, "--secret", SECRET, "--ramp", "--concurrency", "20000"},
         "--concurrency: "},
        {{"--target", TARGET, "--secret", SECRET, "--ramp", "--topic", "a b"},
         "--topic: 'a b' is not a list of event types"},
        {{"--target", TARGET, "--secret", SECRET, "--ramp", "--topic", "message.received,,x"},
         "is not a list of event types"},
        {{"--target", TARGET, "--secret", SECRET, "--ramp", "--topic", "order.shipped"},
         "--topic: 'order.shipped' is not an event type of the documented profile"},
        {{"--target", TARGET, "--secret", SECRET, "--ramp", "--scheme", "nope"}, "--scheme: "},
        {{"--target", TARGET, "--secret", SECRET, "--ramp", "--report", "xml:/tmp/r"},
         "unknown report format"},
        {{"--target", TARGET, "--secret", SECRET, "--ramp", "--header", "bad header"}, "--header"},
        {{"--target", TARGET, "--secret", SECRET, "--ramp", "--header", "x-vambe-signature: 0"},
         "x-vambe-signature"},
        {{"--target", TARGET, "--secret", SECRET, "--ramp", "--probe-url", "http://x/{event_id}"},
         "unknown option '--probe-url'"},
        {{"--target", TARGET, "--secret", SECRET, "--ramp", "extra"},
         "load: unexpected argument 'extra'"},
        {{"--target", TARGET, "--secrt=" SECRET, "--ramp"}, "unknown option '--secrt'"},
        {{"--target", TARGET, "--secret", SECRET, "--ramp", "--rate"},
         "option '--rate' needs a value (N)"},
    };

    unsetenv("VAMBE_SECRET");
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct hn_load_config cfg;
        struct err e = {{0}};
        int rc = parse(cases[i].args, &cfg, &e);
        if (rc == 0 || strstr(e.msg, cases[i].msg) == NULL || strstr(e.msg, SECRET) != NULL) {
            fail_msg("case %zu: rc %d, message '%s', wanted '%s'", i, rc, e.msg, cases[i].msg);
        }
        hn_load_cleanup(&cfg);
    }
}

static void help_lists_every_option(void **state)
{
    (void)state;
    char *buf = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&buf, &size);

    assert_non_null(f);
    hn_load_help(f);
    fclose(f);
    static const char *const flags[] = {"--rate N",
                                        "--duration D",
                                        "--ramp",
                                        "--start N",
                                        "--max N",
                                        "--step-duration D",
                                        "--budget D",
                                        "--concurrency N",
                                        "--topic TOPICS",
                                        "--target URL",
                                        "--secret S",
                                        "--scheme NAME|FILE",
                                        "--report FORMAT:PATH",
                                        "--ca-file FILE",
                                        "--resolve HOST:PORT:ADDR",
                                        "--header 'NAME: VALUE'",
                                        "exit status: 0"};
    for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
        if (strstr(buf, flags[i]) == NULL) {
            fail_msg("--help lacks '%s'", flags[i]);
        }
    }
    free(buf);
}

static void schedule(void **state)
{
    (void)state;
    assert_int_equal(hn_load_scheduled(10, 5000000), 50);
    assert_int_equal(hn_load_scheduled(3, 1000000), 3);
    assert_int_equal(hn_load_scheduled(3, 1000001), 4);
    assert_int_equal(hn_load_scheduled(1000000, 86400000000ull), 86400000000ull);
    assert_int_equal(hn_load_due_us(10, 0), 0);
    assert_int_equal(hn_load_due_us(10, 49), 4900000);
    assert_int_equal(hn_load_due_us(3, 1), 333333);
    /* Every delivery of a step is due before its end. */
    assert_true(hn_load_due_us(3, hn_load_scheduled(3, 1000001) - 1) < 1000001);
}

static struct rp_load_step *step(struct rp_load *l, uint64_t rate, uint64_t sent, uint64_t p99)
{
    struct rp_load_step *s = rp_load_add_step(l);
    s->rate = rate;
    s->duration_us = 1000000;
    s->scheduled = sent;
    s->sent = sent;
    s->ok = sent;
    s->latency.samples = sent;
    s->latency.p99_us = p99;
    return s;
}

static void judge_and_ramp(void **state)
{
    (void)state;
    struct rp_load *l = rp_load_new();
    uint64_t next = 0;
    enum rp_load_stop stop = RP_LOAD_STOP_DONE;

    l->budget_us = 5000000;
    l->max = 100;
    /* ok: doubles */
    struct rp_load_step *s = step(l, 10, 10, 1000);
    hn_load_judge(l, s);
    assert_int_equal(s->status, RP_LOAD_OK);
    assert_true(hn_load_next(l, s, &next, &stop));
    assert_int_equal(next, 20);
    /* past half of --max: the next is --max itself */
    s = step(l, 80, 80, 1000);
    hn_load_judge(l, s);
    assert_true(hn_load_next(l, s, &next, &stop));
    assert_int_equal(next, 100);
    /* at --max and ok: stops there */
    s = step(l, 100, 100, 1000);
    hn_load_judge(l, s);
    assert_false(hn_load_next(l, s, &next, &stop));
    assert_int_equal(stop, RP_LOAD_STOP_MAX);
    /* one failure in 200 (0.5%): the step has errors, the ramp goes on */
    s = step(l, 40, 200, 1000);
    s->ok = 199;
    s->non_2xx = 1;
    hn_load_judge(l, s);
    assert_int_equal(s->status, RP_LOAD_ERRORS);
    assert_true(hn_load_next(l, s, &next, &stop));
    /* three in 200 (1.5%): stops on errors */
    s->ok = 197;
    s->non_2xx = 1;
    s->timeouts = 2;
    assert_false(hn_load_next(l, s, &next, &stop));
    assert_int_equal(stop, RP_LOAD_STOP_ERRORS);
    /* p99 over the budget */
    s = step(l, 40, 40, 5000001);
    hn_load_judge(l, s);
    assert_int_equal(s->status, RP_LOAD_OVER_BUDGET);
    assert_false(hn_load_next(l, s, &next, &stop));
    assert_int_equal(stop, RP_LOAD_STOP_BUDGET);
    /* the harness did not send 2 of 100: not kept */
    s = step(l, 100, 98, 1000);
    s->scheduled = 100;
    s->not_sent = 2;
    s->not_sent_at_cap = 2;
    hn_load_judge(l, s);
    assert_int_equal(s->status, RP_LOAD_NOT_KEPT);
    assert_false(hn_load_next(l, s, &next, &stop));
    assert_int_equal(stop, RP_LOAD_STOP_HARNESS);
    /* 1 of 100 is within the tolerance */
    s->not_sent = 1;
    s->sent = 99;
    hn_load_judge(l, s);
    assert_int_equal(s->status, RP_LOAD_OK);
    /* interrupted stays so */
    s->status = RP_LOAD_INTERRUPTED;
    hn_load_judge(l, s);
    assert_int_equal(s->status, RP_LOAD_INTERRUPTED);
    assert_false(hn_load_next(l, s, &next, &stop));
    assert_int_equal(stop, RP_LOAD_STOP_INTERRUPTED);
    rp_load_free(l);
}

static void knee_is_the_last_ok_step(void **state)
{
    (void)state;
    struct rp_load *l = rp_load_new();

    l->budget_us = 1000000;
    hn_load_find_knee(l);
    assert_false(l->has_knee);
    step(l, 10, 10, 1)->status = RP_LOAD_OK;
    step(l, 20, 20, 1)->status = RP_LOAD_ERRORS;
    struct rp_load_step *s = step(l, 40, 40, 1);
    s->status = RP_LOAD_OK;
    s->ok = 39;
    step(l, 80, 80, 2000000)->status = RP_LOAD_OVER_BUDGET;
    hn_load_find_knee(l);
    assert_true(l->has_knee);
    assert_int_equal(l->knee, 2);
    assert_true(l->sustained_rps > 38.9 && l->sustained_rps < 39.1);
    char text[256];
    rp_load_knee_text(l, text, sizeof(text));
    assert_string_equal(text, "40/s: 39.0 deliveries/s sustained within 1.00 s, no error");
    rp_load_free(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fixed_rate_options),
        cmocka_unit_test(ramp_defaults),
        cmocka_unit_test(garbage),
        cmocka_unit_test(help_lists_every_option),
        cmocka_unit_test(schedule),
        cmocka_unit_test(judge_and_ramp),
        cmocka_unit_test(knee_is_the_last_ok_step),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
