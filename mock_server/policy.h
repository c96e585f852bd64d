/* The delivery policy: how the mock's delivery engine sends, retries and
 * injects faults. A plain value (no pointers) so it can be copied freely;
 * the engine keeps its own copy and swaps it when PUT /mock/config changes
 * the current one.
 *
 * One table in policy.c lists every setting once, with its `serve` flag,
 * its /mock/config key, its bounds and its help line; the flag parser, the
 * JSON parser, the renderer and --help all read that table.
 *
 * Defaults are the kit's choice (Vambe publishes no retry policy):
 * 5 attempts (the first included), 5 s per attempt, exponential backoff
 * 5 s x 2 capped at 1 h with 10% jitter, Retry-After honoured up to 1 h,
 * no duplicates, no reordering, never auto-disable, signed, millisecond
 * timestamps, the documented payload profile, a random seed, 100 000 call
 * records, 64 deliveries in flight and 16 per webhook. */
#ifndef MOCK_SERVER_POLICY_H
#define MOCK_SERVER_POLICY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/event.h"
#include "core/scheme.h"
#include "core/signature.h"

#define MS_POLICY_SCHEDULE_MAX 32        /* delays of an explicit retry schedule */
#define MS_POLICY_ATTEMPTS_MAX 100       /* --max-attempts */
#define MS_POLICY_SEED_MAX     INT64_MAX /* seeds fit a JSON integer */

enum ms_backoff {
    MS_BACKOFF_EXPONENTIAL, /* base * factor^(n-2), capped */
    MS_BACKOFF_LINEAR,      /* base * (n-1), capped */
    MS_BACKOFF_FIXED,       /* base */
    MS_BACKOFF_SCHEDULE,    /* schedule_ms[n-2], the last entry repeated */
};

struct ms_policy {
    unsigned max_attempts; /* first attempt included, 1..100 */
    uint64_t timeout_ms;   /* per attempt, the whole exchange */
    enum ms_backoff backoff;
    uint64_t backoff_base_ms;
    double backoff_factor; /* exponential only, >= 1 */
    uint64_t backoff_cap_ms;
    uint64_t schedule_ms[MS_POLICY_SCHEDULE_MAX];
    size_t n_schedule;
    double jitter;               /* fraction: a delay d becomes d * (1 +- jitter) */
    double time_scale;           /* multiplies every delay; > 0 */
    uint64_t retry_after_cap_ms; /* the longest Retry-After honoured */
    double duplicate_rate;       /* 0..1 */
    uint64_t duplicate_delay_ms; /* 0: the copy goes out with the original */
    unsigned reorder_window;     /* 0 or 1: off */
    unsigned disable_after;      /* 0: never */
    bool sign;
    struct scheme scheme;               /* how deliveries are signed (core/scheme) */
    enum signature_unit timestamp_unit; /* MS or S; the scheme's unless unit_set */
    bool unit_set;
    enum event_profile profile; /* the scheme's unless profile_set */
    bool profile_set;
    uint64_t seed;
    bool seed_set; /* false: the engine draws one at start (and shows it) */
    uint64_t max_calls;
    uint64_t max_calls_bytes;
    unsigned concurrency;             /* deliveries in flight, all webhooks */
    unsigned per_webhook_concurrency; /* deliveries in flight to one webhook */
};

/* One setting as the command line and /mock/config name it. */
struct ms_policy_flag {
    const char *flag; /* long option without "--": "max-attempts" */
    const char *key;  /* /mock/config member: "max_attempts" */
    const char *arg;  /* the value's name in --help; NULL for a switch */
    const char *help; /* one line, with the default */
};

/* The timestamp unit and payload profile deliveries use: the user's when
 * set, else the scheme's. */
enum signature_unit ms_policy_unit(const struct ms_policy *p);
enum event_profile ms_policy_profile(const struct ms_policy *p);

/* The kit's defaults (see above). */
void ms_policy_init(struct ms_policy *p);

/* The settings, in --help order (read-only, static). */
const struct ms_policy_flag *ms_policy_flags(size_t *n);

/* Applies one command-line flag (flag is its long name without "--"; value
 * is NULL for a switch). 0, or -1 with e set to a message that names the
 * flag ("--jitter: '2': out of range (0 to 1)"). */
int ms_policy_set_flag(struct ms_policy *p, const char *flag, const char *value, struct err *e);

/* Applies a partial update given as a JSON object (PUT /mock/config). Every
 * member must be a known key with a valid value; the whole update is
 * checked before anything changes, so p is left as it was on failure. 0, or
 * -1 with e naming the member ("jitter: must be a number from 0 to 1";
 * "body: ..." for the body as a whole). */
int ms_policy_patch_json(struct ms_policy *p, const char *body, size_t len, struct err *e);

/* What a --db keeps of the policy: the settings changed through PUT
 * /mock/config, as one JSON object. ms_policy_merge_patch returns the
 * stored object (NULL: none yet) with a valid patch's settings put over
 * it, as new malloc'd text (NULL when either is not an object).
 * ms_policy_restore applies the stored settings to p, except those whose
 * row (bit i of given: ms_policy_flags()[i]) was given on the command
 * line; keys gets their names ("max_attempts, timeout_ms"; "" for none).
 * 0, or -1 with e set and p unchanged. */
char *ms_policy_merge_patch(const char *stored, const char *patch, size_t patch_len);
int ms_policy_restore(struct ms_policy *p, const char *stored, uint64_t given, char *keys,
                      size_t keys_size, struct err *e);

/* Checks the settings together (e.g. a "schedule" backoff needs a
 * schedule). 0 or -1 with e naming the member. */
int ms_policy_check(const struct ms_policy *p, struct err *e);

/* Every setting as GET /mock/config returns it: durations in integer
 * milliseconds (keys ending in _ms), enums as their names. New reference. */
json_t *ms_policy_render(const struct ms_policy *p);

const char *ms_policy_backoff_name(enum ms_backoff b);

/* ---- pure delay computations (policy_delay.c) ---------------------------- */

/* The backoff before attempt `attempt` (>= 2), without jitter or time
 * scale. 0 for attempt < 2. */
uint64_t ms_policy_backoff_ms(const struct ms_policy *p, unsigned attempt);

/* What the engine waits before attempt `attempt`: the backoff with jitter
 * (u is a uniform draw in [0, 1): u = 0.5 adds nothing), capped like the
 * backoff (a schedule is not capped), then multiplied by the time scale. */
uint64_t ms_policy_delay_ms(const struct ms_policy *p, unsigned attempt, double u);

/* Multiplies a delay by the time scale. */
uint64_t ms_policy_scale_ms(const struct ms_policy *p, uint64_t delay_ms);

/* Reads a Retry-After header (delta seconds or an HTTP-date) of a response
 * with this status. Only 429 and 503 carry one that counts. Returns true
 * and the delay in *out_ms, capped at retry_after_cap_ms and not yet
 * scaled; false when the status does not qualify or value is NULL or not
 * a valid Retry-After. */
bool ms_policy_retry_after_ms(const struct ms_policy *p, long status, const char *value,
                              uint64_t now_wall_ms, uint64_t *out_ms);

#endif
