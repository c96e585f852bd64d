/* The engine's decision when an attempt ends: succeeded, retry, give up,
 * or give up and deactivate the webhook. A pure function of the facts the
 * engine gathered (dispatch_settle.c gathers them and carries the decision
 * out), so each rule is tested alone, with no network and no clock
 * (tests/unit/mock_server/test_settle_rule.c). */
#ifndef MOCK_SERVER_SETTLE_RULE_H
#define MOCK_SERVER_SETTLE_RULE_H

#include <stdbool.h>

#include "mock_server/outcome.h"
#include "mock_server/store.h"

struct ms_settle_facts {
    bool answered_2xx;   /* a whole answer with a 2xx status came back */
    bool webhook_usable; /* it exists, is not deleted, and is active (or this is a replay) */
    unsigned attempt;    /* this attempt's number, from 1 */
    unsigned max_attempts;
    enum ms_pending_kind kind;
    unsigned streak;        /* the webhook's events that gave up in a row, before this */
    unsigned disable_after; /* --disable-after; 0: never deactivate */
};

struct ms_settle_decision {
    /* succeeded, failed, retry_scheduled, gave_up or webhook_disabled. */
    enum ms_outcome outcome;
    unsigned streak; /* the webhook's streak after this attempt */
    /* Deactivate the webhook. The outcome is webhook_disabled on the
     * assumption that it works; the engine says gave_up when it does not. */
    bool disable;
};

/* The rules, in order:
 *  - a 2xx: succeeded; the streak ends (a duplicate's success does not end
 *    it: a copy is not another event);
 *  - the webhook was deleted or deactivated meanwhile: failed, no retry;
 *  - attempts left: retry_scheduled;
 *  - the last attempt: gave_up. An event's chain (not a duplicate's) adds
 *    one to the streak; at disable_after the streak restarts from 0 and
 *    the webhook is deactivated, except by a replay (asked for by hand). */
void ms_settle_decide(const struct ms_settle_facts *f, struct ms_settle_decision *out);

#endif
