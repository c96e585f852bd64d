/* The engine's decision when an attempt ends (mock_server/settle_rule.h):
 * every rule, and the edges between them, one row each. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>

#include <stdio.h>

#include "mock_server/settle_rule.h"

#define FIRST MS_PENDING_FIRST
#define DUP   MS_PENDING_DUPLICATE
#define REPL  MS_PENDING_REPLAY

struct row {
    const char *why;
    struct ms_settle_facts f;
    enum ms_outcome outcome;
    unsigned streak;
    bool disable;
};

static const struct row rows[] = {
    /* answered_2xx, usable, attempt, max, kind, streak, disable_after */
    {"a 2xx succeeds and ends the streak",
     {true, true, 1, 5, FIRST, 3, 5},
     MS_OUTCOME_SUCCEEDED,
     0,
     false},
    {"a 2xx on the last attempt still succeeds",
     {true, true, 5, 5, FIRST, 0, 0},
     MS_OUTCOME_SUCCEEDED,
     0,
     false},
    {"a duplicate's 2xx leaves the streak",
     {true, true, 1, 5, DUP, 3, 5},
     MS_OUTCOME_SUCCEEDED,
     3,
     false},
    {"a replay's 2xx ends the streak",
     {true, true, 1, 5, REPL, 2, 5},
     MS_OUTCOME_SUCCEEDED,
     0,
     false},
    {"a 2xx for a webhook deleted meanwhile still succeeded",
     {true, false, 1, 5, FIRST, 0, 0},
     MS_OUTCOME_SUCCEEDED,
     0,
     false},
    {"a failure with attempts left is retried",
     {false, true, 1, 5, FIRST, 1, 3},
     MS_OUTCOME_RETRY_SCHEDULED,
     1,
     false},
    {"the attempt before the last is retried",
     {false, true, 4, 5, FIRST, 0, 0},
     MS_OUTCOME_RETRY_SCHEDULED,
     0,
     false},
    {"a failure for a webhook gone meanwhile is not retried",
     {false, false, 1, 5, FIRST, 2, 3},
     MS_OUTCOME_FAILED,
     2,
     false},
    {"a webhook gone on the last attempt: failed, no streak",
     {false, false, 5, 5, FIRST, 2, 3},
     MS_OUTCOME_FAILED,
     2,
     false},
    {"the last attempt gives up and adds to the streak",
     {false, true, 5, 5, FIRST, 0, 3},
     MS_OUTCOME_GAVE_UP,
     1,
     false},
    {"one attempt in all: the first is the last",
     {false, true, 1, 1, FIRST, 0, 0},
     MS_OUTCOME_GAVE_UP,
     1,
     false},
    {"disable_after 0 never deactivates",
     {false, true, 5, 5, FIRST, 99, 0},
     MS_OUTCOME_GAVE_UP,
     100,
     false},
    {"the streak reaching disable_after deactivates",
     {false, true, 5, 5, FIRST, 2, 3},
     MS_OUTCOME_WEBHOOK_DISABLED,
     0,
     true},
    {"disable_after 1: the first give-up deactivates",
     {false, true, 3, 3, FIRST, 0, 1},
     MS_OUTCOME_WEBHOOK_DISABLED,
     0,
     true},
    {"one short of disable_after only counts",
     {false, true, 5, 5, FIRST, 1, 3},
     MS_OUTCOME_GAVE_UP,
     2,
     false},
    {"a duplicate giving up is not another event",
     {false, true, 5, 5, DUP, 2, 3},
     MS_OUTCOME_GAVE_UP,
     2,
     false},
    {"a replay giving up counts but never deactivates",
     {false, true, 5, 5, REPL, 2, 3},
     MS_OUTCOME_GAVE_UP,
     3,
     false},
};

static void every_rule(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        struct ms_settle_decision d;

        ms_settle_decide(&rows[i].f, &d);
        if (d.outcome != rows[i].outcome || d.streak != rows[i].streak ||
            d.disable != rows[i].disable) {
            fail_msg("%s: got %s, streak %u, disable %d; want %s, streak %u, disable %d",
                     rows[i].why, ms_outcome_name(d.outcome), d.streak, d.disable,
                     ms_outcome_name(rows[i].outcome), rows[i].streak, rows[i].disable);
        }
    }
}

/* The outcome names round-trip, and nothing else parses. */
static void outcome_names(void **state)
{
    (void)state;
    for (int o = MS_OUTCOME_UNKNOWN + 1; o < MS_OUTCOME_COUNT_; o++) {
        assert_int_equal(ms_outcome_parse(ms_outcome_name((enum ms_outcome)o)), o);
    }
    assert_int_equal(ms_outcome_parse("unknown"), MS_OUTCOME_UNKNOWN);
    assert_int_equal(ms_outcome_parse("Succeeded"), MS_OUTCOME_UNKNOWN);
    assert_int_equal(ms_outcome_parse(""), MS_OUTCOME_UNKNOWN);
    assert_int_equal(ms_outcome_parse(NULL), MS_OUTCOME_UNKNOWN);
    assert_string_equal(ms_outcome_name((enum ms_outcome)99), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_rule),
        cmocka_unit_test(outcome_names),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
