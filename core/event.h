/* Builds delivery bodies: Vambe's topic events (DESIGN §4) in two profiles,
 * and other providers' webhooks (Standard Webhooks, GitHub, Stripe, Shopify,
 * Slack) so the kit can imitate them.
 *
 * The same seed, type, override and time give the same bytes. Unknown
 * types are allowed (a receiver must accept future ones): their data is a
 * small generic object in the profile's envelope. */
#ifndef CORE_EVENT_H
#define CORE_EVENT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/ids.h"
#include "core/rng.h"

/* What a body looks like, and the event id a receiver dedupes on:
 *   DOCUMENTED, LEGACY  Vambe's ({"id","event","timestamp","data"} / camelCase);
 *                       id "evt_" + 24 hex, in the header
 *   STANDARD_WEBHOOKS   {"type","timestamp","data"}; id "msg_" + 27 base62
 *   GITHUB              the event's body (action, repository, sender...);
 *                       id a UUID v4 (X-GitHub-Delivery)
 *   STRIPE              an Event object, data.object the resource;
 *                       id "evt_" + 24 alphanumerics, also the body's "id"
 *   SHOPIFY             the resource itself; id a UUID v4 (X-Shopify-Webhook-Id)
 *   SLACK               an Events API event_callback; id "Ev" + 10 uppercase
 *                       alphanumerics, also the body's "event_id" */
enum event_profile {
    EVENT_PROFILE_DOCUMENTED,
    EVENT_PROFILE_LEGACY,
    EVENT_PROFILE_STANDARD_WEBHOOKS,
    EVENT_PROFILE_GITHUB,
    EVENT_PROFILE_STRIPE,
    EVENT_PROFILE_SHOPIFY,
    EVENT_PROFILE_SLACK,
};

/* Longest event id struct event holds (63, so the id and its NUL fit the
 * 64-byte buffers callers copy it into). A given id may be this long for the
 * providers' profiles; Vambe's profiles still refuse one longer than
 * IDS_EVENT_ID_LEN, as before. */
#define EVENT_ID_MAX 63

/* Limits on a caller's override of data. */
#define EVENT_OVERRIDE_MAX_DEPTH 32
#define EVENT_OVERRIDE_MAX_BYTES (256 * 1024)

struct event {
    char id[EVENT_ID_MAX + 1]; /* the id to dedupe on (see event_profile) */
    char topic[128];           /* the type as given (an alias stays an alias) */
    uint64_t created_ms;       /* wall time the event claims */
    char *body;                /* owned; compact JSON, NUL-terminated */
    size_t body_len;
};

/* Parses a profile name: "documented", "legacy", "standard-webhooks", "github", "stripe",
 * "shopify", "slack". Leaves *out untouched on failure. */
int event_profile_parse(const char *s, enum event_profile *out, struct err *e);
/* "documented" for a value outside the enum. */
const char *event_profile_name(enum event_profile p);
/* The event types a profile's sender emits, NULL-terminated, static (for documented and legacy:
 * Vambe's topics from core/topics). NULL for a value outside the enum. */
const char *const *event_profile_types(enum event_profile p);
/* The type a profile's sender uses when none is given ("message.received" for Vambe's profiles,
 * the first of the list otherwise). NULL for a value outside the enum. */
const char *event_profile_default_type(enum event_profile p);
/* The type a provider's sender uses where a Vambe topic is named (a
 * scenario written for Vambe, run under another scheme): the provider's
 * types taken in turn, topic i of Vambe's catalogue -> type i modulo their
 * count. For Vambe's profiles, and for a name that is no Vambe topic (an
 * unknown future topic), topic itself. Static or topic. */
const char *event_profile_topic(enum event_profile p, const char *topic);

/* Builds an event of type topic. override (may be NULL) must be a JSON
 * object; its members replace or extend data's members (Stripe:
 * data.object's; Slack: event's; GitHub and Shopify: the body's own). The id
 * and all generated values come from rng; the timestamp from now_ms. Fills
 * out (release with event_cleanup) and returns 0, or -1 with e set. */
int event_build(const char *topic, const json_t *override, enum event_profile profile,
                struct rng *rng, uint64_t now_ms, struct event *out, struct err *e);

/* Same as event_build, but the event id is given (used to rebuild a stored
 * event or to send "the same event" again). */
int event_build_with_id(const char *topic, const char *event_id, const json_t *override,
                        enum event_profile profile, struct rng *rng, uint64_t now_ms,
                        struct event *out, struct err *e);

/* An override event_override_check accepted, to build many events from
 * without checking it again: the check writes the override out whole, which
 * for a large one costs as much as building the event. Valid while data is
 * alive and unchanged. data is NULL for no override. */
struct event_override {
    const json_t *data;
};

/* Checks override as event_build does (an object, depth, size, UTF-8 keys)
 * and fills out. Returns 0, or -1 with e set. */
int event_override_check(const json_t *override, struct event_override *out, struct err *e);

/* Same as event_build, for an override event_override_check accepted. */
int event_build_checked(const char *topic, const struct event_override *override,
                        enum event_profile profile, struct rng *rng, uint64_t now_ms,
                        struct event *out, struct err *e);

void event_cleanup(struct event *ev);

#endif
