/* Validation of what clients send to the management API: webhook bodies and
 * call-log query parameters. Nothing here touches the store or the network;
 * each function fills a struct err whose message starts with the field at
 * fault ("url: must use http or https, not 'ftp'"). */
#ifndef MOCK_SERVER_VALIDATE_H
#define MOCK_SERVER_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "core/err.h"
#include "mock_server/store.h"

/* Checks a webhook URL: at most MS_WEBHOOK_URL_MAX bytes, no whitespace or
 * control characters, absolute, scheme http or https, a non-empty host and
 * an optional numeric port 1-65535. 0 or -1 with e set (without the field
 * name). */
int ms_validate_url(const char *url, struct err *e);

/* Parses and checks a webhook body (a JSON object). With partial false
 * (create) topic, url and secret are required; with partial true (update)
 * every field is optional. active must be a boolean. Unknown fields are
 * ignored. The topic is stored canonical (an alias is resolved). Fills out
 * and returns 0, or -1 with e naming the field ("body" for the body as a
 * whole). */
int ms_validate_webhook_body(const char *body, size_t len, bool partial,
                             struct ms_webhook_patch *out, struct err *e);

/* Parses a request body that must be one JSON object. Returns it (the
 * caller decrefs), or NULL with e set: "body: must be a JSON object (the
 * body is empty)", "body: must be a JSON object", or "body: invalid JSON:
 * <line, column and what>" without the "near '<text>'" excerpt jansson
 * adds: a body refused for its syntax may carry a secret or a key, and an
 * answer never quotes one. */
json_t *ms_validate_object_body(const char *body, size_t len, struct err *e);

/* Is content_type (a Content-Type header, NULL when absent) JSON?
 * "application/json" and "application/<x>+json", any parameters, any case.
 * An absent header counts as JSON. */
bool ms_validate_json_type(const char *content_type);

/* The raw query parameters of GET /api/webhooks/calls; NULL when absent.
 * Borrowed: the filter filled from them points into these strings. */
struct ms_calls_params {
    const char *webhook_id;
    const char *topic;
    const char *event_id;
    const char *outcome;
    const char *since;
    const char *until;
    const char *page;
    const char *limit;
};

#define MS_CALLS_LIMIT_DEFAULT 50

/* Checks the parameters and fills f: page >= 1 (default 1), limit 1-500
 * (default 50), outcome one of the call-log outcomes, since/until epoch
 * milliseconds or ISO-8601, since before until. webhook_id, topic and
 * event_id match exactly what the call log holds (an unknown topic is
 * allowed: the mock can send future topics). 0 or -1 with e naming the
 * parameter. */
int ms_validate_calls_params(const struct ms_calls_params *p, struct ms_call_filter *f,
                             struct err *e);

/* Parses a time: decimal epoch milliseconds, or ISO-8601
 * "YYYY-MM-DD[THH:MM[:SS[.fff]]](Z|+HH:MM|-HH:MM)" (a date alone is UTC
 * midnight). 0 or -1 with e set. */
int ms_validate_time(const char *s, uint64_t *out_ms, struct err *e);

/* Is s one of the call-log outcomes (succeeded, failed, retry_scheduled,
 * gave_up, webhook_disabled)? */
bool ms_validate_outcome(const char *s);

/* Parses a boolean query value: "true"/"false"/"1"/"0". 0 or -1. */
int ms_validate_bool(const char *s, bool *out);

/* ---- the control API (validate_trigger.c) -------------------------------- */

/* A POST /mock/events body, checked. */
struct ms_trigger_body {
    char topic[MS_TOPIC_MAX + 1]; /* as given: a catalogue topic or its alias */
    json_t *data;                 /* new reference or NULL; the caller json_decrefs it */
    unsigned count;               /* 1 when absent */
    bool has_webhook_id;
    char webhook_id[IDS_UUID_LEN + 1];
};

/* Parses {topic, data?, count?, webhook_id?}: the body must be a JSON
 * object with no other member; topic a topic of the catalogue (or its
 * alias); data an object; count an integer from 1 to count_max; webhook_id
 * a string of at most 36 characters. Fills out and returns 0, or -1 with e
 * naming the field. */
int ms_validate_trigger_body(const char *body, size_t len, unsigned count_max,
                             struct ms_trigger_body *out, struct err *e);

#endif
