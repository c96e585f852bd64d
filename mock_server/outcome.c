/* The outcome names (outcome.h). */
#include "mock_server/outcome.h"

#include <stddef.h>
#include <string.h>

static const char *const outcome_names[MS_OUTCOME_COUNT_] = {
    [MS_OUTCOME_UNKNOWN] = "unknown", [MS_OUTCOME_SUCCEEDED] = "succeeded",
    [MS_OUTCOME_FAILED] = "failed",   [MS_OUTCOME_RETRY_SCHEDULED] = "retry_scheduled",
    [MS_OUTCOME_GAVE_UP] = "gave_up", [MS_OUTCOME_WEBHOOK_DISABLED] = "webhook_disabled",
    [MS_OUTCOME_DROPPED] = "dropped",
};

const char *ms_outcome_name(enum ms_outcome o)
{
    return (unsigned)o < MS_OUTCOME_COUNT_ ? outcome_names[o] : outcome_names[MS_OUTCOME_UNKNOWN];
}

enum ms_outcome ms_outcome_parse(const char *s)
{
    if (s == NULL) {
        return MS_OUTCOME_UNKNOWN;
    }
    for (int o = MS_OUTCOME_UNKNOWN + 1; o < MS_OUTCOME_COUNT_; o++) {
        if (strcmp(s, outcome_names[o]) == 0) {
            return (enum ms_outcome)o;
        }
    }
    return MS_OUTCOME_UNKNOWN;
}
