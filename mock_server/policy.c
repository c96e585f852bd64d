/* The delivery policy: defaults, the settings table, parsing from flags and
 * from JSON, rendering. Delay computations are in policy_delay.c. */
#include "mock_server/policy.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonh.h"
#include "core/parse.h"
#include "mock_server/validate.h"

#define POLICY_DURATION_MAX (30ull * 24 * 3600 * 1000) /* parse_duration_ms's limit */
#define POLICY_TIMEOUT_MAX  (3600ull * 1000)

/* How a setting's value is read and written. */
enum policy_kind {
    PK_UINT,     /* unsigned */
    PK_U64,      /* uint64_t */
    PK_BYTES,    /* uint64_t; "256M" on the command line, an integer in JSON */
    PK_DURATION, /* uint64_t milliseconds; "5s" or an integer in JSON */
    PK_DOUBLE,   /* double */
    PK_SIGN,     /* bool; the flag --no-sign turns it off */
    PK_BACKOFF,  /* enum ms_backoff */
    PK_UNIT,     /* enum signature_unit (ms or s) */
    PK_PROFILE,  /* enum event_profile */
    PK_SCHEME,   /* struct scheme: a built-in name, or a file on the command line */
    PK_SCHEDULE, /* schedule_ms + n_schedule */
    PK_SEED,     /* seed + seed_set */
};

struct policy_spec {
    enum policy_kind kind;
    size_t offset; /* of the member in struct ms_policy */
    double min;    /* numeric bounds (durations in ms) */
    double max;
};

#define POL_OFF(member) offsetof(struct ms_policy, member)

/* The settings. Columns: flag, /mock/config key, value name in --help,
 * kind, member, minimum, maximum, help line. Both tables below are
 * generated from this one list, so they cannot drift apart. */
#define POLICY_TABLE(X)                                                                            \
    X("max-attempts", "max_attempts", "N", PK_UINT, max_attempts, 1, MS_POLICY_ATTEMPTS_MAX,       \
      "attempts per delivery, the first included, 1-100 (default 5)")                              \
    X("timeout", "timeout_ms", "DUR", PK_DURATION, timeout_ms, 1, POLICY_TIMEOUT_MAX,              \
      "time allowed for one attempt, e.g. 300ms, 5s (default 5s)")                                 \
    X("backoff", "backoff", "exponential|linear|fixed", PK_BACKOFF, backoff, 0, 0,                 \
      "how retry delays grow (default exponential)")                                               \
    X("backoff-base", "backoff_base_ms", "DUR", PK_DURATION, backoff_base_ms, 0,                   \
      POLICY_DURATION_MAX, "delay before the first retry (default 5s)")                            \
    X("backoff-factor", "backoff_factor", "F", PK_DOUBLE, backoff_factor, 1, 100,                  \
      "growth factor of exponential backoff, 1-100 (default 2)")                                   \
    X("backoff-cap", "backoff_cap_ms", "DUR", PK_DURATION, backoff_cap_ms, 0, POLICY_DURATION_MAX, \
      "longest retry delay of exponential, linear and fixed backoff (default 1h)")                 \
    X("retry-schedule", "retry_schedule_ms", "LIST", PK_SCHEDULE, schedule_ms, 0,                  \
      POLICY_DURATION_MAX,                                                                         \
      "explicit retry delays, e.g. 5s,5m,30m,2h (the last one repeats); replaces --backoff")       \
    X("jitter", "jitter", "F", PK_DOUBLE, jitter, 0, 1,                                            \
      "random spread of each retry delay, a fraction 0-1 (default 0.1)")                           \
    X("time-scale", "time_scale", "F", PK_DOUBLE, time_scale, 0.000001, 1000,                      \
      "multiply every delay by F, e.g. 0.001 in tests; timestamps stay real (default 1)")          \
    X("retry-after-cap", "retry_after_cap_ms", "DUR", PK_DURATION, retry_after_cap_ms, 0,          \
      POLICY_DURATION_MAX, "longest Retry-After honoured on a 429 or 503 (default 1h)")            \
    X("duplicate-rate", "duplicate_rate", "P", PK_DOUBLE, duplicate_rate, 0, 1,                    \
      "probability that a delivery is sent twice, 0-1 (default 0)")                                \
    X("duplicate-delay", "duplicate_delay_ms", "DUR", PK_DURATION, duplicate_delay_ms, 0,          \
      POLICY_DURATION_MAX, "delay before the second copy; 0 sends both at once (default 0)")       \
    X("reorder-window", "reorder_window", "N", PK_UINT, reorder_window, 0, 10000,                  \
      "shuffle events triggered together in windows of N (default 0: off)")                        \
    X("disable-after", "disable_after", "N", PK_UINT, disable_after, 0, 1000000,                   \
      "deactivate a webhook after N consecutive events gave up (default 0: never)")                \
    X("scheme", "scheme", "NAME|FILE", PK_SCHEME, scheme, 0, 0,                                    \
      "signing scheme: a built-in one (vambe-harness schemes lists them) or a scheme file "        \
      "(default vambe)")                                                                           \
    X("no-sign", "sign", NULL, PK_SIGN, sign, 0, 0,                                                \
      "send deliveries without the scheme's signature or token")                                   \
    X("timestamp-unit", "timestamp_unit", "ms|s", PK_UNIT, timestamp_unit, 0, 0,                   \
      "unit of the timestamp (default: the scheme's; ms for vambe)")                               \
    X("profile", "profile", "NAME", PK_PROFILE, profile, 0, 0,                                     \
      "payload shape: documented, legacy or a provider's (default: the scheme's)")                 \
    X("seed", "seed", "N", PK_SEED, seed, 0, 0,                                                    \
      "seed of every random choice (default: random; GET /mock/config shows it)")                  \
    X("max-calls", "max_calls", "N", PK_U64, max_calls, 1, 1000000000,                             \
      "call records kept; the oldest are dropped first (default 100000)")                          \
    X("max-calls-bytes", "max_calls_bytes", "SIZE", PK_BYTES, max_calls_bytes, 1048576,            \
      1099511627776,                                                                               \
      "bytes the call log may hold (bodies, headers and 512 per record); the "                     \
      "oldest records are dropped first (default 268435456: 256 MiB)")                             \
    X("concurrency", "concurrency", "N", PK_UINT, concurrency, 1, 10000,                           \
      "deliveries in flight at once, all webhooks (default 64)")                                   \
    X("per-webhook-concurrency", "per_webhook_concurrency", "N", PK_UINT, per_webhook_concurrency, \
      1, 10000, "deliveries in flight to one webhook (default 16)")

#define POL_FLAG_ROW(flag, key, arg, kind, member, min, max, help) {flag, key, arg, help},
#define POL_SPEC_ROW(flag, key, arg, kind, member, min, max, help)                                 \
    {kind, POL_OFF(member), (double)(min), (double)(max)},

static const struct ms_policy_flag policy_flags[] = {POLICY_TABLE(POL_FLAG_ROW)};
static const struct policy_spec policy_specs[] = {POLICY_TABLE(POL_SPEC_ROW)};

#define POLICY_N (sizeof(policy_flags) / sizeof(policy_flags[0]))

_Static_assert(sizeof(policy_flags) / sizeof(policy_flags[0]) ==
                   sizeof(policy_specs) / sizeof(policy_specs[0]),
               "one spec per flag");
_Static_assert(POLICY_N <= 64, "ms_policy_restore's mask has a bit per row");

void ms_policy_init(struct ms_policy *p)
{
    memset(p, 0, sizeof(*p));
    p->max_attempts = 5;
    p->timeout_ms = 5000;
    p->backoff = MS_BACKOFF_EXPONENTIAL;
    p->backoff_base_ms = 5000;
    p->backoff_factor = 2.0;
    p->backoff_cap_ms = 3600ull * 1000;
    p->jitter = 0.1;
    p->time_scale = 1.0;
    p->retry_after_cap_ms = 3600ull * 1000;
    p->sign = true;
    p->scheme = *scheme_default();
    p->timestamp_unit = SIGNATURE_UNIT_MS;
    p->profile = EVENT_PROFILE_DOCUMENTED;
    p->max_calls = 100000;
    p->max_calls_bytes = 256ull << 20;
    p->concurrency = 64;
    p->per_webhook_concurrency = 16;
}

enum signature_unit ms_policy_unit(const struct ms_policy *p)
{
    return p->unit_set || !scheme_has_timestamp(&p->scheme) ? p->timestamp_unit : p->scheme.unit;
}

enum event_profile ms_policy_profile(const struct ms_policy *p)
{
    enum event_profile profile = EVENT_PROFILE_DOCUMENTED;

    if (p->profile_set || event_profile_parse(p->scheme.profile, &profile, NULL) != 0) {
        return p->profile;
    }
    return profile;
}

/* Over the API only a built-in scheme can be chosen: a path would let a
 * client make the server read its files. */
static int policy_scheme_set(struct ms_policy *p, const char *v, bool from_flag, struct err *e)
{
    struct scheme s;
    enum event_profile profile;

    if (from_flag) {
        if (scheme_resolve(v, &s, e) != 0) {
            return -1;
        }
    } else if (scheme_builtin(v) != NULL) {
        s = *scheme_builtin(v);
    } else {
        return err_set(e,
                       "'%.40s' is not a built-in scheme (vambe-harness schemes lists them; a "
                       "scheme file is given with --scheme at start)",
                       v);
    }
    if (event_profile_parse(s.profile, &profile, e) != 0) {
        return err_set(e, "scheme %s: its profile '%.32s' is not one this kit builds", s.name,
                       s.profile);
    }
    p->scheme = s;
    return 0;
}

const struct ms_policy_flag *ms_policy_flags(size_t *n)
{
    *n = POLICY_N;
    return policy_flags;
}

const char *ms_policy_backoff_name(enum ms_backoff b)
{
    switch (b) {
    case MS_BACKOFF_LINEAR:
        return "linear";
    case MS_BACKOFF_FIXED:
        return "fixed";
    case MS_BACKOFF_SCHEDULE:
        return "schedule";
    case MS_BACKOFF_EXPONENTIAL:
    default:
        return "exponential";
    }
}

/* ---- members by offset ---------------------------------------------------- */

static void *policy_member(struct ms_policy *p, const struct policy_spec *sp)
{
    return (char *)p + sp->offset;
}

static const void *policy_cmember(const struct ms_policy *p, const struct policy_spec *sp)
{
    return (const char *)p + sp->offset;
}

/* ---- values from text (flags, and JSON strings) ----------------------------- */

static int policy_backoff_parse(const char *v, bool allow_schedule, enum ms_backoff *out,
                                struct err *e)
{
    static const enum ms_backoff all[] = {MS_BACKOFF_EXPONENTIAL, MS_BACKOFF_LINEAR,
                                          MS_BACKOFF_FIXED, MS_BACKOFF_SCHEDULE};

    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
        if (strcmp(v, ms_policy_backoff_name(all[i])) == 0 &&
            (allow_schedule || all[i] != MS_BACKOFF_SCHEDULE)) {
            *out = all[i];
            return 0;
        }
    }
    return err_set(e, "'%.40s' is not a backoff (use exponential, linear or fixed%s)", v,
                   allow_schedule ? ", or schedule with a retry schedule" : "");
}

static int policy_duration_in_range(const struct policy_spec *sp, uint64_t ms, const char *shown,
                                    struct err *e)
{
    if ((double)ms < sp->min || (double)ms > sp->max) {
        return err_set(e, "'%.40s': out of range (%.0fms to %.0fms)", shown, sp->min, sp->max);
    }
    return 0;
}

/* "5s,5m,30m,2h"; "" or "none" clears the schedule. */
static int policy_schedule_parse(struct ms_policy *p, const struct policy_spec *sp, const char *v,
                                 struct err *e)
{
    uint64_t delays[MS_POLICY_SCHEDULE_MAX];
    char item[64];
    size_t n = 0;
    const char *s = v;

    if (v[0] == '\0' || strcmp(v, "none") == 0) {
        p->n_schedule = 0;
        if (p->backoff == MS_BACKOFF_SCHEDULE) {
            p->backoff = MS_BACKOFF_EXPONENTIAL;
        }
        return 0;
    }
    for (;;) {
        size_t len = strcspn(s, ",");
        uint64_t ms = 0;

        if (n == MS_POLICY_SCHEDULE_MAX) {
            return err_set(e, "at most %d delays", MS_POLICY_SCHEDULE_MAX);
        }
        if (len == 0 || len >= sizeof(item)) {
            return err_set(e, "delay %zu is empty or too long (use e.g. 5s,5m,30m,2h)", n + 1);
        }
        memcpy(item, s, len);
        item[len] = '\0';
        if (parse_duration_ms(item, &ms, e) != 0 || policy_duration_in_range(sp, ms, item, e)) {
            err_prefix(e, "delay %zu", n + 1);
            return -1;
        }
        delays[n++] = ms;
        if (s[len] == '\0') {
            break;
        }
        s += len + 1;
    }
    /* Only a valid schedule replaces the old one. */
    memcpy(p->schedule_ms, delays, n * sizeof(delays[0]));
    p->n_schedule = n;
    p->backoff = MS_BACKOFF_SCHEDULE;
    return 0;
}

static int policy_seed_parse(const char *v, uint64_t *out, struct err *e)
{
    char *end = NULL;
    unsigned long long x;

    if (v[0] < '0' || v[0] > '9') {
        return err_set(e, "'%.40s': not a non-negative integer", v);
    }
    errno = 0;
    x = strtoull(v, &end, 10);
    if (*end != '\0') {
        return err_set(e, "'%.40s': not a non-negative integer", v);
    }
    if (errno == ERANGE || x > (unsigned long long)MS_POLICY_SEED_MAX) {
        return err_set(e, "'%.40s': out of range (0 to %lld)", v, (long long)MS_POLICY_SEED_MAX);
    }
    *out = x;
    return 0;
}

/* Parses text into the setting. from_flag: the command line, where
 * --backoff takes no "schedule" (--retry-schedule sets it). */
static int policy_set_text(struct ms_policy *p, const struct policy_spec *sp, const char *v,
                           bool from_flag, struct err *e)
{
    void *m = policy_member(p, sp);
    long long ll = 0;
    uint64_t ms = 0;
    double d = 0;

    switch (sp->kind) {
    case PK_UINT:
    case PK_U64:
        if (parse_int(v, (long long)sp->min, (long long)sp->max, &ll, e) != 0) {
            return -1;
        }
        if (sp->kind == PK_UINT) {
            *(unsigned *)m = (unsigned)ll;
        } else {
            *(uint64_t *)m = (uint64_t)ll;
        }
        return 0;
    case PK_BYTES:
        return parse_bytes(v, (uint64_t)sp->min, (uint64_t)sp->max, (uint64_t *)m, e);
    case PK_DURATION:
        if (parse_duration_ms(v, &ms, e) != 0 || policy_duration_in_range(sp, ms, v, e) != 0) {
            return -1;
        }
        *(uint64_t *)m = ms;
        return 0;
    case PK_DOUBLE:
        if (parse_double(v, sp->min, sp->max, &d, e) != 0) {
            return -1;
        }
        *(double *)m = d;
        return 0;
    case PK_SIGN:
        p->sign = false; /* the switch --no-sign */
        return 0;
    case PK_BACKOFF:
        return policy_backoff_parse(v, !from_flag, (enum ms_backoff *)m, e);
    case PK_UNIT:
        if (signature_unit_parse(v, false, (enum signature_unit *)m, e) != 0) {
            return err_set(e, "'%.40s' is not a unit (use ms or s)", v);
        }
        p->unit_set = true;
        return 0;
    case PK_PROFILE:
        if (event_profile_parse(v, (enum event_profile *)m, e) != 0) {
            return err_set(e,
                           "'%.40s' is not a profile (use documented, legacy, standard-webhooks, "
                           "github, stripe, shopify or slack)",
                           v);
        }
        p->profile_set = true;
        return 0;
    case PK_SCHEME:
        return policy_scheme_set(p, v, from_flag, e);
    case PK_SCHEDULE:
        return policy_schedule_parse(p, sp, v, e);
    case PK_SEED:
        if (policy_seed_parse(v, &p->seed, e) != 0) {
            return -1;
        }
        p->seed_set = true;
        return 0;
    }
    return err_set(e, "unknown kind of setting");
}

int ms_policy_set_flag(struct ms_policy *p, const char *flag, const char *value, struct err *e)
{
    for (size_t i = 0; i < POLICY_N; i++) {
        if (strcmp(policy_flags[i].flag, flag) != 0) {
            continue;
        }
        if (policy_flags[i].arg != NULL && value == NULL) {
            return err_set(e, "--%s: needs a value (%s)", flag, policy_flags[i].arg);
        }
        if (policy_set_text(p, &policy_specs[i], value != NULL ? value : "", true, e) != 0) {
            err_prefix(e, "--%s", flag);
            return -1;
        }
        return 0;
    }
    return err_set(e, "--%s: not a delivery policy flag", flag);
}

/* ---- values from JSON --------------------------------------------------------- */

static int policy_json_schedule(struct ms_policy *p, const struct policy_spec *sp, const json_t *v,
                                struct err *e)
{
    size_t i;
    const json_t *item;

    if (json_is_null(v)) {
        return policy_schedule_parse(p, sp, "", e);
    }
    if (json_is_string(v)) {
        return policy_schedule_parse(p, sp, json_string_value(v), e);
    }
    if (!json_is_array(v)) {
        return err_set(e, "must be an array of delays, a string such as \"5s,5m\", or null");
    }
    if (json_array_size(v) > MS_POLICY_SCHEDULE_MAX) {
        return err_set(e, "at most %d delays", MS_POLICY_SCHEDULE_MAX);
    }
    if (json_array_size(v) == 0) {
        return policy_schedule_parse(p, sp, "", e);
    }
    json_array_foreach(v, i, item)
    {
        uint64_t ms = 0;

        if (json_is_integer(item) && json_integer_value(item) >= 0) {
            ms = (uint64_t)json_integer_value(item);
        } else if (json_is_string(item)) {
            if (parse_duration_ms(json_string_value(item), &ms, e) != 0) {
                err_prefix(e, "delay %zu", i + 1);
                return -1;
            }
        } else {
            return err_set(e, "delay %zu: must be milliseconds or a duration string", i + 1);
        }
        if (policy_duration_in_range(sp, ms, "delay", e) != 0) {
            err_prefix(e, "delay %zu", i + 1);
            return -1;
        }
        p->schedule_ms[i] = ms;
    }
    p->n_schedule = json_array_size(v);
    p->backoff = MS_BACKOFF_SCHEDULE;
    return 0;
}

static int policy_set_json(struct ms_policy *p, const struct policy_spec *sp, const json_t *v,
                           struct err *e)
{
    void *m = policy_member(p, sp);

    switch (sp->kind) {
    case PK_UINT:
    case PK_U64:
    case PK_BYTES:
    case PK_SEED: {
        double max = sp->kind == PK_SEED ? (double)MS_POLICY_SEED_MAX : sp->max;
        json_int_t x;

        if (sp->kind == PK_BYTES && json_is_string(v)) {
            return policy_set_text(p, sp, json_string_value(v), false, e);
        }
        if (!json_is_integer(v)) {
            return err_set(e, "must be an integer from %.0f to %.0f", sp->min, max);
        }
        x = json_integer_value(v);
        if (x < 0 || (double)x < sp->min || (double)x > max) {
            return err_set(e, "must be an integer from %.0f to %.0f (got %lld)", sp->min, max,
                           (long long)x);
        }
        if (sp->kind == PK_UINT) {
            *(unsigned *)m = (unsigned)x;
        } else {
            *(uint64_t *)m = (uint64_t)x;
            p->seed_set = p->seed_set || sp->kind == PK_SEED;
        }
        return 0;
    }
    case PK_DURATION:
        if (json_is_string(v)) {
            return policy_set_text(p, sp, json_string_value(v), false, e);
        }
        if (!json_is_integer(v) || json_integer_value(v) < 0 ||
            (double)json_integer_value(v) < sp->min || (double)json_integer_value(v) > sp->max) {
            return err_set(e,
                           "must be milliseconds from %.0f to %.0f, or a duration such as \"5s\"",
                           sp->min, sp->max);
        }
        *(uint64_t *)m = (uint64_t)json_integer_value(v);
        return 0;
    case PK_DOUBLE:
        if (!json_is_number(v) || !(json_number_value(v) >= sp->min) ||
            !(json_number_value(v) <= sp->max)) {
            return err_set(e, "must be a number from %g to %g", sp->min, sp->max);
        }
        *(double *)m = json_number_value(v);
        return 0;
    case PK_SIGN:
        if (!json_is_boolean(v)) {
            return err_set(e, "must be true or false");
        }
        p->sign = json_is_true(v);
        return 0;
    case PK_BACKOFF:
    case PK_UNIT:
    case PK_PROFILE:
    case PK_SCHEME:
        if (!json_is_string(v)) {
            return err_set(e, "must be a string");
        }
        return policy_set_text(p, sp, json_string_value(v), false, e);
    case PK_SCHEDULE:
        return policy_json_schedule(p, sp, v, e);
    }
    return err_set(e, "unknown kind of setting");
}

int ms_policy_check(const struct ms_policy *p, struct err *e)
{
    if (p->backoff == MS_BACKOFF_SCHEDULE && p->n_schedule == 0) {
        return err_set(e, "backoff: 'schedule' needs a retry schedule (retry_schedule_ms)");
    }
    return 0;
}

int ms_policy_patch_json(struct ms_policy *p, const char *body, size_t len, struct err *e)
{
    struct ms_policy next = *p;
    json_t *root = NULL;
    const char *key = NULL;
    json_t *v = NULL;
    int ret = -1;

    root = ms_validate_object_body(body, len, e);
    if (root == NULL) {
        goto out;
    }
    json_object_foreach(root, key, v)
    {
        size_t i = 0;

        while (i < POLICY_N && strcmp(policy_flags[i].key, key) != 0) {
            i++;
        }
        if (i == POLICY_N) {
            err_set(e, "%.64s: unknown setting (GET /mock/config lists them)", key);
            goto out;
        }
        if (policy_set_json(&next, &policy_specs[i], v, e) != 0) {
            err_prefix(e, "%s", key);
            goto out;
        }
    }
    if (ms_policy_check(&next, e) != 0) {
        goto out;
    }
    *p = next;
    ret = 0;
out:
    json_decref(root);
    return ret;
}

/* ---- rendering ---------------------------------------------------------------- */

static json_t *policy_render_one(const struct ms_policy *p, const struct policy_spec *sp)
{
    const void *m = policy_cmember(p, sp);
    json_t *arr;

    switch (sp->kind) {
    case PK_UINT:
        return json_integer((json_int_t) * (const unsigned *)m);
    case PK_U64:
    case PK_BYTES:
    case PK_DURATION:
    case PK_SEED:
        return json_integer((json_int_t) * (const uint64_t *)m);
    case PK_DOUBLE:
        return json_real(*(const double *)m);
    case PK_SIGN:
        return json_boolean(p->sign);
    case PK_BACKOFF:
        return json_string(ms_policy_backoff_name(p->backoff));
    case PK_UNIT:
        return json_string(signature_unit_name(ms_policy_unit(p)));
    case PK_PROFILE:
        return json_string(event_profile_name(ms_policy_profile(p)));
    case PK_SCHEME:
        return json_string(p->scheme.name);
    case PK_SCHEDULE:
        arr = json_array();
        for (size_t i = 0; i < p->n_schedule; i++) {
            json_array_append_new(arr, json_integer((json_int_t)p->schedule_ms[i]));
        }
        return arr;
    }
    return json_null();
}

json_t *ms_policy_render(const struct ms_policy *p)
{
    json_t *j = json_object();

    for (size_t i = 0; i < POLICY_N; i++) {
        json_object_set_new(j, policy_flags[i].key, policy_render_one(p, &policy_specs[i]));
    }
    return j;
}
