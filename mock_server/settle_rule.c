/* The engine's decision when an attempt ends (settle_rule.h). */
#include "mock_server/settle_rule.h"

void ms_settle_decide(const struct ms_settle_facts *f, struct ms_settle_decision *out)
{
    out->streak = f->streak;
    out->disable = false;
    if (f->answered_2xx) {
        out->outcome = MS_OUTCOME_SUCCEEDED;
        if (f->kind != MS_PENDING_DUPLICATE) {
            out->streak = 0;
        }
        return;
    }
    if (!f->webhook_usable) {
        out->outcome = MS_OUTCOME_FAILED;
        return;
    }
    if (f->attempt < f->max_attempts) {
        out->outcome = MS_OUTCOME_RETRY_SCHEDULED;
        return;
    }
    out->outcome = MS_OUTCOME_GAVE_UP;
    if (f->kind == MS_PENDING_DUPLICATE) {
        return;
    }
    out->streak = f->streak + 1;
    if (f->disable_after == 0 || out->streak < f->disable_after || f->kind == MS_PENDING_REPLAY) {
        return;
    }
    out->streak = 0;
    out->disable = true;
    out->outcome = MS_OUTCOME_WEBHOOK_DISABLED;
}
