/* Test support: building core/event's events in the tests of
 * test_event*.c, at the fixed time NOW_MS, and reading their bodies. */
#ifndef TESTS_SUPPORT_EVENT_FX_H
#define TESTS_SUPPORT_EVENT_FX_H

#include <jansson.h>
#include <stdint.h>

#include "core/event.h"

/* 2024-09-30T10:00:00.123Z */
#define NOW_MS 1727690400123ull

/* Builds an event that must succeed and returns its parsed body. */
json_t *event_fx_build_ok(const char *topic, const json_t *override, enum event_profile profile,
                          uint64_t seed, struct event *ev);
/* Builds an event that must fail; returns the error message (static). */
const char *event_fx_build_fail(const char *topic, const json_t *override);
/* obj holds exactly keys (NULL-terminated); what names obj in a failure. */
void event_fx_keys_exactly(const json_t *obj, const char *const *keys, const char *what);
/* obj[key], which must be a string. */
const char *event_fx_str(const json_t *obj, const char *key);

/* The field lists of DESIGN §4 (documented) and the legacy keys, by topic. */
struct event_fx_topic {
    const char *topic;
    const char *const *doc;
    const char *const *legacy;
};

extern const struct event_fx_topic event_fx_catalogue[8];

#define N_CATALOGUE (sizeof(event_fx_catalogue) / sizeof(event_fx_catalogue[0]))

/* Three of those lists (NULL-terminated), which tests name. */
extern const char *const event_fx_doc_message[];
extern const char *const event_fx_doc_ticket_created[];
extern const char *const event_fx_leg_ticket_created[];

#endif
