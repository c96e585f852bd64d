/* The outcome of an attempt, as the call log records it
 * (docs/mock-api.md#the-call-log): one enum for the engine, the store and
 * the API, and one table of the names they are written with. */
#ifndef MOCK_SERVER_OUTCOME_H
#define MOCK_SERVER_OUTCOME_H

enum ms_outcome {
    MS_OUTCOME_UNKNOWN = 0,      /* a stored name this build does not know */
    MS_OUTCOME_SUCCEEDED,        /* a 2xx came back: the delivery is done */
    MS_OUTCOME_FAILED,           /* failed; no retry (the webhook went meanwhile) */
    MS_OUTCOME_RETRY_SCHEDULED,  /* failed; the next attempt is due */
    MS_OUTCOME_GAVE_UP,          /* failed, and it was the last attempt */
    MS_OUTCOME_WEBHOOK_DISABLED, /* as gave_up, and it deactivated the webhook */
    MS_OUTCOME_DROPPED,          /* nothing was sent: the webhook was gone */
    MS_OUTCOME_COUNT_
};

/* "succeeded", ...; "unknown" for MS_OUTCOME_UNKNOWN or a value out of range. */
const char *ms_outcome_name(enum ms_outcome o);
/* The outcome named s (exact, lower case); MS_OUTCOME_UNKNOWN for anything
 * else, NULL included. */
enum ms_outcome ms_outcome_parse(const char *s);

#endif
