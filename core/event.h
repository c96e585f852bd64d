/* Builds delivery bodies for Vambe topic events (DESIGN §4).
 *
 * The same seed, topic, override and time give the same bytes. Unknown
 * topics are allowed (a receiver must accept future topics): their data is a
 * small generic object. */
#ifndef CORE_EVENT_H
#define CORE_EVENT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/ids.h"
#include "core/rng.h"

enum event_profile { EVENT_PROFILE_DOCUMENTED, EVENT_PROFILE_LEGACY };

/* Limits on a caller's override of data. */
#define EVENT_OVERRIDE_MAX_DEPTH 32
#define EVENT_OVERRIDE_MAX_BYTES (256 * 1024)

struct event {
    char id[IDS_EVENT_ID_LEN + 1]; /* "evt_…"; in the header for both profiles */
    char topic[128];               /* as given (an alias stays an alias) */
    uint64_t created_ms;           /* wall time the event claims */
    char *body;                    /* owned; compact JSON, NUL-terminated */
    size_t body_len;
};

/* Parses "documented" or "legacy". */
int event_profile_parse(const char *s, enum event_profile *out, struct err *e);
const char *event_profile_name(enum event_profile p);

/* Builds an event. override (may be NULL) must be a JSON object; its members
 * replace or extend data's members. The id and all generated values come
 * from rng; the timestamp from now_ms. Fills out (release with
 * event_cleanup) and returns 0, or -1 with e set. */
int event_build(const char *topic, const json_t *override, enum event_profile profile,
                struct rng *rng, uint64_t now_ms, struct event *out, struct err *e);

/* Same as event_build, but the event id is given (used to rebuild a stored
 * event or to send "the same event" again). */
int event_build_with_id(const char *topic, const char *event_id, const json_t *override,
                        enum event_profile profile, struct rng *rng, uint64_t now_ms,
                        struct event *out, struct err *e);

void event_cleanup(struct event *ev);

#endif
