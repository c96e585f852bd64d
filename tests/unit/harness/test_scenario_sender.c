/* harness/scenario_sender: a step's retry, hang_up, entity_of,
 * unless_accepted, new_connection, built_ago and level_beyond_horizon, the
 * "answered" expectation, the answers and state steps parse into their fields; every
 * misuse is refused with the path and a message that says what to do. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/scenario.h"

/* A scenario around a steps array (one line). */
static char *with_steps(const char *steps)
{
    static const char head[] = "{\"format\": 1, \"id\": \"TST-001\", \"title\": \"t\", \"level\": "
                               "\"MUST\", \"reference\": \"r\", \"tags\": [],\n \"steps\": [";
    size_t n = sizeof(head) + strlen(steps) + 4;
    char *s = malloc(n);
    assert_non_null(s);
    snprintf(s, n, "%s%s]}", head, steps);
    return s;
}

static int parse(const char *steps, struct hn_scenario **out, struct err *e)
{
    char *text = with_steps(steps);
    int rc = hn_scenario_parse(text, strlen(text), "t.json", out, e);
    free(text);
    return rc;
}

static void fields(void **state)
{
    struct hn_scenario *s = NULL;
    struct err e = {{0}};

    (void)state;
    int rc = parse("{\"step\": \"deliver\", \"name\": \"up\", \"topic\": \"contact.updated\", "
                   "\"hang_up\": \"50ms\"},"
                   "{\"step\": \"deliver\", \"name\": \"mk\", \"topic\": \"contact.created\", "
                   "\"entity_of\": \"up\", \"retry\": {\"attempts\": 4}},"
                   "{\"step\": \"deliver\", \"same_as\": \"up\", \"unless_accepted\": true, "
                   "\"retry\": {\"attempts\": 3, \"backoff\": \"250ms\"}},"
                   "{\"step\": \"burst\", \"name\": \"b\", \"count\": 5, \"retry\": "
                   "{\"attempts\": 2}},"
                   "{\"step\": \"answers\", \"of\": [\"up\", \"b\"], \"level\": \"SHOULD\", "
                   "\"expect\": {\"status\": \"2xx\", \"retry_after\": true}}",
                   &s, &e);
    if (rc != 0) {
        fprintf(stderr, "%s\n", e.msg);
    }
    assert_int_equal(rc, 0);
    assert_int_equal(s->steps[0].hang_up_ms, 50);
    assert_int_equal(s->steps[0].retry_attempts, 0);
    assert_int_equal(s->steps[0].entity_of, -1);
    assert_int_equal(s->steps[1].entity_of, 0);
    assert_int_equal(s->steps[1].retry_attempts, 4);
    assert_int_equal(s->steps[1].retry_backoff_ms, 1000); /* the default */
    assert_true(s->steps[2].unless_accepted);
    assert_int_equal(s->steps[2].retry_backoff_ms, 250);
    assert_int_equal(s->steps[3].retry_attempts, 2);
    assert_int_equal(s->steps[4].kind, HN_STEP_ANSWERS);
    assert_int_equal(s->steps[4].n_of, 2);
    assert_int_equal(s->steps[4].of[1], 3);
    assert_true(s->steps[4].expect.retry_after);
    assert_true(s->steps[4].expect.has_status);
    assert_true(s->steps[4].has_level);
    assert_string_equal(hn_step_kind_name(HN_STEP_ANSWERS), "answers");
    hn_scenario_free(s);

    /* ORD-002's: events built a while ago, and the state step. */
    rc = parse("{\"step\": \"deliver\", \"name\": \"mk\", \"topic\": \"contact.created\", "
               "\"built_ago\": \"1m\"},"
               "{\"step\": \"deliver\", \"name\": \"new\", \"topic\": \"contact.updated\", "
               "\"entity_of\": \"mk\"},"
               "{\"step\": \"state\", \"of\": \"new\", \"level\": \"SHOULD\"}",
               &s, &e);
    if (rc != 0) {
        fprintf(stderr, "%s\n", e.msg);
    }
    assert_int_equal(rc, 0);
    assert_int_equal(s->steps[0].built_ago_ms, 60000);
    assert_int_equal(s->steps[1].built_ago_ms, 0);
    assert_int_equal(s->steps[2].kind, HN_STEP_STATE);
    assert_int_equal(s->steps[2].n_of, 1);
    assert_int_equal(s->steps[2].of[0], 1);
    assert_true(s->steps[2].has_level);
    assert_false(s->needs_probe);
    assert_string_equal(hn_step_kind_name(HN_STEP_STATE), "state");
    hn_scenario_free(s);
}

/* The fields of the long cases: a new connection, a level past the
 * scheme's retry horizon (on deliver and probe steps), "answered". */
static void long_fields(void **state)
{
    struct hn_scenario *s = NULL;
    struct err e = {{0}};

    (void)state;
    int rc = parse("{\"step\": \"deliver\", \"name\": \"a\", \"new_connection\": true, "
                   "\"expect\": {\"status\": \"2xx\", \"answered\": true}},"
                   "{\"step\": \"wait\", \"duration\": \"15m\"},"
                   "{\"step\": \"deliver\", \"same_as\": \"a\", \"level\": \"SHOULD\", "
                   "\"level_beyond_horizon\": \"INFO\"},"
                   "{\"step\": \"probe\", \"of\": \"a\", \"level_beyond_horizon\": \"SHOULD\", "
                   "\"expect\": {\"count\": 1}}",
                   &s, &e);
    if (rc != 0) {
        fprintf(stderr, "%s\n", e.msg);
    }
    assert_int_equal(rc, 0);
    assert_true(s->steps[0].new_connection);
    assert_true(s->steps[0].expect.answered);
    assert_false(s->steps[0].has_beyond_level);
    assert_int_equal(s->steps[1].wait_ms, 15 * 60 * 1000);
    assert_false(s->steps[2].new_connection);
    assert_false(s->steps[2].expect.answered);
    assert_true(s->steps[2].has_level);
    assert_true(s->steps[2].has_beyond_level);
    assert_int_equal(s->steps[2].beyond_level, RP_LEVEL_INFO);
    assert_true(s->steps[3].has_beyond_level);
    assert_int_equal(s->steps[3].beyond_level, RP_LEVEL_SHOULD);
    hn_scenario_free(s);

    /* The window step: a direction; it loads the receiver, so the case
     * does not run together with others even though it waits. */
    rc = parse("{\"step\": \"window\", \"direction\": \"past\"},"
               "{\"step\": \"window\", \"direction\": \"future\"},"
               "{\"step\": \"wait\", \"duration\": \"2s\"}",
               &s, &e);
    assert_int_equal(rc, 0);
    assert_int_equal(s->steps[0].kind, HN_STEP_WINDOW);
    assert_int_equal(s->steps[0].direction, -1);
    assert_int_equal(s->steps[1].direction, 1);
    assert_false(s->waits);
    assert_string_equal(hn_step_kind_name(HN_STEP_WINDOW), "window");
    hn_scenario_free(s);

    /* A restart: the case needs --restart-cmd and never runs with others. */
    rc = parse("{\"step\": \"deliver\"}, {\"step\": \"restart\"}, {\"step\": \"wait\", "
               "\"duration\": \"2s\"}",
               &s, &e);
    assert_int_equal(rc, 0);
    assert_int_equal(s->steps[1].kind, HN_STEP_RESTART);
    assert_true(s->restarts);
    assert_false(s->waits);
    assert_string_equal(hn_step_kind_name(HN_STEP_RESTART), "restart");
    hn_scenario_free(s);
}

/* A case that mostly waits runs together with the others: a wait of 1 s
 * or more, and nothing that loads the receiver or is timed. */
static void waits(void **state)
{
    static const struct {
        const char *steps;
        bool waits;
    } cases[] = {
        {"{\"step\": \"deliver\"}, {\"step\": \"wait\", \"duration\": \"1s\"}", true},
        {"{\"step\": \"deliver\"}, {\"step\": \"wait\", \"duration\": \"999ms\"}", false},
        {"{\"step\": \"burst\", \"count\": 2}, {\"step\": \"wait\", \"duration\": \"3s\"}", false},
        {"{\"step\": \"wait\", \"duration\": \"3s\"}, {\"step\": \"deliver\", \"expect\": "
         "{\"latency_max\": \"5s\"}}",
         false},
        {"{\"step\": \"wait\", \"duration\": \"2s\"}, {\"step\": \"audit\"}", false},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct hn_scenario *s = NULL;
        struct err e = {{0}};
        assert_int_equal(parse(cases[i].steps, &s, &e), 0);
        if (s->waits != cases[i].waits) {
            fprintf(stderr, "case %zu: waits %d\n", i + 1, s->waits);
        }
        assert_int_equal(s->waits, cases[i].waits);
        hn_scenario_free(s);
    }
}

static void misuses(void **state)
{
    static const struct {
        const char *steps;
        const char *msg;
    } bad[] = {
        {"{\"step\": \"deliver\", \"retry\": 3}", "steps[0].retry: 'retry' is an object"},
        {"{\"step\": \"deliver\", \"retry\": {}}",
         "steps[0].retry: missing required field 'attempts' (sends in all, 2 to 10)"},
        {"{\"step\": \"deliver\", \"retry\": {\"attempts\": 1}}", "steps[0].retry.attempts:"},
        {"{\"step\": \"deliver\", \"retry\": {\"attempts\": 11}}", "steps[0].retry.attempts:"},
        {"{\"step\": \"deliver\", \"retry\": {\"attempts\": 2, \"backoff\": \"0s\"}}",
         "steps[0].retry.backoff: a backoff must be more than 0"},
        {"{\"step\": \"deliver\", \"retry\": {\"attempts\": 2, \"backoff\": \"31s\"}}",
         "steps[0].retry.backoff:"},
        {"{\"step\": \"deliver\", \"retry\": {\"attempts\": 2, \"jitter\": 1}}",
         "steps[0].retry.jitter: unknown field of retry 'jitter'"},
        {"{\"step\": \"deliver\", \"mutate\": {\"signature\": \"missing\"}, \"retry\": "
         "{\"attempts\": 2}}",
         "steps[0].retry: a retry re-sends a valid delivery re-signed: not with mutate"},
        {"{\"step\": \"deliver\", \"hang_up\": \"0ms\"}",
         "steps[0].hang_up: a hang-up must come after more than 0 ms"},
        {"{\"step\": \"deliver\", \"hang_up\": \"6s\"}", "steps[0].hang_up:"},
        {"{\"step\": \"deliver\", \"hang_up\": \"50ms\", \"expect\": {\"status\": \"2xx\"}}",
         "steps[0].hang_up: a delivery the harness hangs up on reads no answer"},
        {"{\"step\": \"deliver\", \"unless_accepted\": true}",
         "steps[0].unless_accepted: unless_accepted sends an earlier event again only while it "
         "has no 2xx: give same_as"},
        {"{\"step\": \"deliver\", \"unless_accepted\": \"yes\"}", "steps[0].unless_accepted:"},
        {"{\"step\": \"deliver\", \"entity_of\": \"later\"}, {\"step\": \"deliver\", \"name\": "
         "\"later\"}",
         "steps[0].entity_of: 'later' names a later step (step 2)"},
        {"{\"step\": \"deliver\", \"name\": \"a\"}, {\"step\": \"deliver\", \"same_as\": \"a\", "
         "\"entity_of\": \"a\"}",
         "steps[1].entity_of: 'entity_of' cannot be given with same_as"},
        {"{\"step\": \"burst\", \"count\": 2, \"hang_up\": \"50ms\"}",
         "steps[0].hang_up: unknown field of a burst step 'hang_up'"},
        {"{\"step\": \"deliver\", \"name\": \"a\"}, {\"step\": \"answers\", \"of\": \"a\"}",
         "steps[1]: missing required field 'expect'"},
        {"{\"step\": \"deliver\", \"name\": \"a\"}, {\"step\": \"answers\", \"of\": \"a\", "
         "\"expect\": {}}",
         "steps[1]: an answers step expects a status, status_not or \"retry_after\": true"},
        {"{\"step\": \"wait\", \"name\": \"w\", \"duration\": \"1ms\"}, {\"step\": \"answers\", "
         "\"of\": \"w\", \"expect\": {\"status\": \"2xx\"}}",
         "steps[1].of: 'w' is a wait step: answers are those of deliver and burst steps"},
        {"{\"step\": \"deliver\", \"name\": \"a\"}, {\"step\": \"answers\", \"of\": \"a\", "
         "\"expect\": {\"count\": 1}}",
         "steps[1].expect.count: unknown expectation 'count'"},
        {"{\"step\": \"deliver\", \"name\": \"a\"}, {\"step\": \"answers\", \"of\": \"a\", "
         "\"expect\": {\"retry_after\": 1}}",
         "steps[1].expect.retry_after:"},
        {"{\"step\": \"deliver\", \"new_connection\": 1}", "steps[0].new_connection:"},
        {"{\"step\": \"deliver\", \"hang_up\": \"50ms\", \"new_connection\": true}",
         "steps[0].new_connection: a delivery the harness hangs up on has no timings to report"},
        {"{\"step\": \"burst\", \"count\": 2, \"new_connection\": true}",
         "steps[0].new_connection: unknown field of a burst step 'new_connection'"},
        {"{\"step\": \"deliver\", \"level_beyond_horizon\": \"MUST\"}",
         "steps[0].level_beyond_horizon: past the retry horizon a step can only be held to a lower "
         "level than its own (MUST)"},
        {"{\"step\": \"deliver\", \"level\": \"SHOULD\", \"level_beyond_horizon\": "
         "\"SHOULD\"}",
         "steps[0].level_beyond_horizon: past the retry horizon a step can only be held to a lower "
         "level than its own (SHOULD)"},
        {"{\"step\": \"deliver\", \"level_beyond_horizon\": \"later\"}",
         "steps[0].level_beyond_horizon: bad level 'later' (use MUST, SHOULD or INFO)"},
        {"{\"step\": \"deliver\", \"level_beyond_horizon\": 2}", "steps[0].level_beyond_horizon:"},
        {"{\"step\": \"wait\", \"duration\": \"1s\", \"level_beyond_horizon\": \"SHOULD\"}",
         "steps[0].level_beyond_horizon: unknown field"},
        {"{\"step\": \"wait\", \"duration\": \"16m\"}", "steps[0].duration:"},
        {"{\"step\": \"burst\", \"count\": 2, \"expect\": {\"answered\": true}}",
         "steps[0].expect.answered: unknown expectation 'answered'"},
        {"{\"step\": \"deliver\", \"expect\": {\"answered\": \"yes\"}}",
         "steps[0].expect.answered:"},
        {"{\"step\": \"window\"}", "steps[0]: missing required field 'direction'"},
        {"{\"step\": \"restart\", \"command\": \"true\"}",
         "steps[0].command: unknown field of a restart step 'command'"},
        {"{\"step\": \"window\", \"direction\": \"sideways\"}",
         "steps[0].direction: unknown direction 'sideways' (use past or future)"},
        {"{\"step\": \"window\", \"direction\": -1}", "steps[0].direction:"},
        {"{\"step\": \"deliver\", \"built_ago\": \"0s\"}",
         "steps[0].built_ago: 'built_ago' builds a new event as if that long ago (more than 0 s): "
         "not with same_as or same_data_as"},
        {"{\"step\": \"deliver\", \"name\": \"a\"}, {\"step\": \"deliver\", \"same_as\": \"a\", "
         "\"built_ago\": \"1m\"}",
         "steps[1].built_ago: 'built_ago' builds a new event as if that long ago"},
        {"{\"step\": \"deliver\", \"built_ago\": \"25h\"}", "steps[0].built_ago:"},
        {"{\"step\": \"deliver\", \"built_ago\": 60}", "steps[0].built_ago:"},
        {"{\"step\": \"burst\", \"count\": 2, \"built_ago\": \"1m\"}",
         "steps[0].built_ago: unknown field of a burst step 'built_ago'"},
        {"{\"step\": \"state\"}", "steps[0]: missing required field 'of'"},
        {"{\"step\": \"deliver\", \"name\": \"a\"}, {\"step\": \"state\", \"of\": [\"a\"]}",
         "steps[1].of: 'of' is the name of one deliver step: the entity of its event is asked "
         "about, and its updated_at expected"},
        {"{\"step\": \"burst\", \"name\": \"b\", \"count\": 2}, {\"step\": \"state\", \"of\": "
         "\"b\"}",
         "steps[1].of: 'b' does not build an event: a state step asks about the entity of a "
         "deliver step without same_as"},
        {"{\"step\": \"deliver\", \"name\": \"a\"}, {\"step\": \"deliver\", \"name\": \"b\", "
         "\"same_as\": \"a\"}, {\"step\": \"state\", \"of\": \"b\"}",
         "steps[2].of: 'b' does not build an event"},
        {"{\"step\": \"deliver\", \"name\": \"a\"}, {\"step\": \"state\", \"of\": \"a\", "
         "\"expect\": {\"count\": 1}}",
         "steps[1].expect: unknown field of a state step 'expect'"},
        {"{\"step\": \"window\", \"direction\": \"past\", \"expect\": {\"status\": 200}}",
         "steps[0].expect: unknown field of a window step 'expect'"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct hn_scenario *s = NULL;
        struct err e = {{0}};

        assert_int_equal(parse(bad[i].steps, &s, &e), -1);
        assert_null(s);
        if (strstr(e.msg, bad[i].msg) == NULL || strncmp(e.msg, "t.json:2:", 9) != 0) {
            fprintf(stderr, "case %zu: got  '%s'\n        want 't.json:2:...%s'\n", i + 1, e.msg,
                    bad[i].msg);
            fail();
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fields),
        cmocka_unit_test(long_fields),
        cmocka_unit_test(waits),
        cmocka_unit_test(misuses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
