/* Scenario steps: deliver, burst, wait, probe, target, and the steps
 * without fields of their own. References between steps are resolved in
 * scenario_ref.c, mutations and expectations in scenario_expect.c, the
 * sender's fields in scenario_sender.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/event.h"
#include "core/jsonh.h"
#include "core/xalloc.h"
#include "harness/scenario.h"
#include "harness/scenario_priv.h"

#define STEP_TOPIC_MAX 127
#define STEP_BODY_MIN  64
#define STEP_BODY_MAX  (16 * 1024 * 1024)

static const struct {
    const char *name;
    enum hn_step_kind kind;
} step_kinds[] = {
    {"deliver", HN_STEP_DELIVER},      {"burst", HN_STEP_BURST},     {"wait", HN_STEP_WAIT},
    {"probe", HN_STEP_PROBE},          {"target", HN_STEP_TARGET},   {"audit", HN_STEP_AUDIT},
    {"largest_body", HN_STEP_LARGEST}, {"answers", HN_STEP_ANSWERS}, {"window", HN_STEP_WINDOW},
    {"restart", HN_STEP_RESTART},      {"state", HN_STEP_STATE},
};

static bool step_name_ok(const char *s)
{
    for (; *s != '\0'; s++) {
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-' || *s == '_')) {
            return false;
        }
    }
    return true;
}

static bool step_topic_ok(const char *s)
{
    for (; *s != '\0'; s++) {
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '.' || *s == '_' || *s == '-')) {
            return false;
        }
    }
    return true;
}

/* topic, data, extra_fields: the event a deliver or burst step builds. */
static int step_event(struct hn_sp *p, json_t *js, struct hn_step *st, const char *def_topic)
{
    const char *topic = NULL;
    json_t *v;

    if (jread_string(&p->r, js, "topic", false, STEP_TOPIC_MAX, &topic) != 0) {
        return -1;
    }
    if (topic != NULL && !step_topic_ok(topic)) {
        return jread_error_at(&p->r, "topic", "bad topic '%s' (letters, digits, '.', '_' and '-')",
                              topic);
    }
    st->topic = xstrdup(topic != NULL ? topic : def_topic);
    if ((v = json_object_get(js, "data")) != NULL) {
        if (!json_is_object(v)) {
            return jread_error_at(&p->r, "data",
                                  "'data' must be an object (it overrides members "
                                  "of the event's data)");
        }
        if (jsonh_depth(v) > EVENT_OVERRIDE_MAX_DEPTH) {
            return jread_error_at(&p->r, "data", "nested deeper than %d levels",
                                  EVENT_OVERRIDE_MAX_DEPTH);
        }
        st->data = json_incref(v);
    }
    if ((v = json_object_get(js, "extra_fields")) != NULL) {
        if (!json_is_object(v) || json_object_size(v) == 0) {
            return jread_error_at(&p->r, "extra_fields",
                                  "'extra_fields' must be a non-empty object");
        }
        st->extra_fields = json_incref(v);
    }
    return 0;
}

/* body_size: a number of bytes, or "max" (the scheme's max_body). */
static int step_body_size(struct hn_sp *p, json_t *js, struct hn_step *st)
{
    json_t *v = json_object_get(js, "body_size");

    if (v == NULL) {
        return 0;
    }
    if (json_is_string(v) && strcmp(json_string_value(v), "max") == 0) {
        st->body_size_max = true;
    } else if (json_is_integer(v) && json_integer_value(v) >= STEP_BODY_MIN &&
               json_integer_value(v) <= STEP_BODY_MAX) {
        st->body_size = (size_t)json_integer_value(v);
    } else {
        return jread_error_at(&p->r, "body_size",
                              "'body_size' is a number of bytes (%d to %d) or \"max\" (the "
                              "scheme's max_body)",
                              STEP_BODY_MIN, STEP_BODY_MAX);
    }
    if (st->same_as >= 0 || st->mutate.has_raw_body) {
        return jread_error_at(&p->r, "body_size",
                              "'body_size' pads a new event: not with same_as or raw_body");
    }
    return 0;
}

/* profile: "other", Vambe's other payload profile (legacy under
 * documented, documented under legacy); the step needs vambe_profile. */
static int step_profile(struct hn_sp *p, json_t *js, struct hn_step *st)
{
    const char *v = NULL;

    if (jread_string(&p->r, js, "profile", false, 16, &v) != 0) {
        return -1;
    }
    if (v == NULL) {
        return 0;
    }
    if (strcmp(v, "other") != 0) {
        return jread_error_at(&p->r, "profile",
                              "unknown profile '%s' (use other: Vambe's other payload profile)", v);
    }
    if (st->same_as >= 0 || st->mutate.has_raw_body) {
        return jread_error_at(&p->r, "profile",
                              "'profile' builds a new event: not with same_as or raw_body");
    }
    st->other_profile = true;
    st->needs |= HN_NEED_VAMBE;
    return 0;
}

/* level: a step held to a lower level than its case (a MUST case whose
 * last step is only SHOULD). */
static int step_level(struct hn_sp *p, json_t *js, const struct hn_scenario *s, struct hn_step *st)
{
    const char *v = NULL;

    if (jread_string(&p->r, js, "level", false, 16, &v) != 0) {
        return -1;
    }
    if (v != NULL) {
        if (rp_level_parse(v, &st->level) != 0) {
            return jread_error_at(&p->r, "level", "bad level '%s' (use MUST, SHOULD or INFO)", v);
        }
        if (st->level <= s->level) {
            return jread_error_at(&p->r, "level",
                                  "a step's level can only be lower than its case's (%s)",
                                  rp_level_name(s->level));
        }
        st->has_level = true;
    }
    if (jread_string(&p->r, js, "level_beyond_horizon", false, 16, &v) != 0) {
        return -1;
    }
    if (v == NULL) {
        return 0;
    }
    enum rp_level within = st->has_level ? st->level : s->level;
    if (rp_level_parse(v, &st->beyond_level) != 0) {
        return jread_error_at(&p->r, "level_beyond_horizon",
                              "bad level '%s' (use MUST, SHOULD or INFO)", v);
    }
    if (st->beyond_level <= within) {
        return jread_error_at(&p->r, "level_beyond_horizon",
                              "past the retry horizon a step can only be held to a lower level "
                              "than its own (%s)",
                              rp_level_name(within));
    }
    st->has_beyond_level = true;
    return 0;
}

static int step_deliver(struct hn_sp *p, json_t *js, const struct hn_scenario *s, size_t idx,
                        struct hn_step *st)
{
    static const char *const keys[] = {"step",
                                       "name",
                                       "note",
                                       "topic",
                                       "data",
                                       "extra_fields",
                                       "same_as",
                                       "same_data_as",
                                       "attempt",
                                       "mutate",
                                       "expect",
                                       "needs",
                                       "body_size",
                                       "level",
                                       "profile",
                                       "retry",
                                       "hang_up",
                                       "entity_of",
                                       "unless_accepted",
                                       "new_connection",
                                       "level_beyond_horizon",
                                       "built_ago",
                                       NULL};
    static const char *const no_with_same_as[] = {"topic", "data", "extra_fields", "same_data_as",
                                                  NULL};
    const char *ref = NULL;
    const char *def_topic = "message.received";
    long long attempt = 1;
    bool present = false;

    if (jread_keys(&p->r, js, keys, "field of a deliver step") != 0 ||
        jread_string(&p->r, js, "same_as", false, HN_SP_NAME_MAX, &ref) != 0) {
        return -1;
    }
    if (ref != NULL) {
        for (size_t i = 0; no_with_same_as[i] != NULL; i++) {
            if (json_object_get(js, no_with_same_as[i]) != NULL) {
                return jread_error_at(&p->r, no_with_same_as[i],
                                      "'%s' cannot be given with same_as (the earlier event is "
                                      "re-sent as it was)",
                                      no_with_same_as[i]);
            }
        }
        jpath_push_key(&p->r.path, "same_as");
        int rc = hn_sp_ref(p, s, idx, ref, HN_SP_REF_EVENT, &st->same_as);
        jpath_pop(&p->r.path);
        if (rc != 0) {
            return -1;
        }
        def_topic = s->steps[st->same_as].topic;
    }
    if (jread_string(&p->r, js, "same_data_as", false, HN_SP_NAME_MAX, &ref) != 0) {
        return -1;
    }
    if (ref != NULL) {
        if (json_object_get(js, "data") != NULL) {
            return jread_error_at(&p->r, "data",
                                  "'data' cannot be given with same_data_as (the "
                                  "data is copied)");
        }
        jpath_push_key(&p->r.path, "same_data_as");
        int rc = hn_sp_ref(p, s, idx, ref, HN_SP_REF_DATA, &st->same_data_as);
        jpath_pop(&p->r.path);
        if (rc != 0) {
            return -1;
        }
        def_topic = s->steps[st->same_data_as].topic;
    }
    if (step_event(p, js, st, def_topic) != 0 ||
        jread_int(&p->r, js, "attempt", 1, 100, &attempt, &present) != 0 ||
        hn_sp_mutation(p, js, &st->mutate) != 0 || hn_sp_expect(p, js, st) != 0 ||
        hn_sp_needs(p, js, &st->needs) != 0) {
        return -1;
    }
    st->attempt = (unsigned)attempt;
    if (step_body_size(p, js, st) != 0 || step_profile(p, js, st) != 0) {
        return -1;
    }
    if (st->mutate.has_raw_body && st->extra_fields != NULL) {
        return jread_error_at(&p->r, "extra_fields", "'extra_fields' has no effect with raw_body");
    }
    if (st->mutate.new_id && (st->same_as < 0 || st->mutate.has_raw_body || st->mutate.reformat ||
                              st->mutate.alter_body || st->mutate.n_drop > 0 || st->attempt != 1)) {
        return jread_error_at(&p->r, "mutate",
                              "event_id 'new' replays an earlier delivery as it was sent: give "
                              "same_as, and no other change to it");
    }
    return hn_sp_sender(p, js, s, idx, st);
}

static int step_burst(struct hn_sp *p, json_t *js, struct hn_step *st)
{
    static const char *const keys[] = {"step",   "name",  "note", "count",   "concurrency",
                                       "copies", "topic", "data", "attempt", "expect",
                                       "level",  "retry", NULL};
    long long count = 0;
    long long conc = 1;
    long long attempt = 1;
    bool present = false;

    if (jread_keys(&p->r, js, keys, "field of a burst step") != 0 ||
        jread_int(&p->r, js, "count", 1, HN_BURST_MAX, &count, &present) != 0) {
        return -1;
    }
    if (!present) {
        return jread_error(&p->r, "missing required field 'count'");
    }
    if (jread_int(&p->r, js, "concurrency", 1, HN_CONCURRENCY_MAX, &conc, &present) != 0 ||
        jread_int(&p->r, js, "attempt", 1, 100, &attempt, &present) != 0) {
        return -1;
    }
    if (conc > count) {
        return jread_error_at(&p->r, "concurrency", "concurrency %lld is more than count %lld",
                              conc, count);
    }
    st->count = (unsigned)count;
    st->concurrency = (unsigned)conc;
    st->attempt = (unsigned)attempt;
    if (jread_bool(&p->r, js, "copies", &st->copies) != 0 ||
        step_event(p, js, st, "message.received") != 0 || hn_sp_expect(p, js, st) != 0) {
        return -1;
    }
    return hn_sp_sender(p, js, NULL, 0, st);
}

static int step_wait(struct hn_sp *p, json_t *js, struct hn_step *st)
{
    static const char *const keys[] = {"step", "name", "note", "duration", NULL};

    if (jread_keys(&p->r, js, keys, "field of a wait step") != 0 ||
        jread_duration(&p->r, js, "duration", HN_WAIT_MAX_MS, &st->wait_ms) != 0) {
        return -1;
    }
    if (json_object_get(js, "duration") == NULL) {
        return jread_error(&p->r, "missing required field 'duration'");
    }
    return 0;
}

static int step_probe(struct hn_sp *p, json_t *js, const struct hn_scenario *s, size_t idx,
                      struct hn_step *st)
{
    static const char *const keys[] = {
        "step", "name", "note", "of", "expect", "level", "level_beyond_horizon", NULL};

    if (jread_keys(&p->r, js, keys, "field of a probe step") != 0 ||
        hn_sp_of(p, js, s, idx, HN_SP_REF_PROBE, st) != 0) {
        return -1;
    }
    return hn_sp_expect(p, js, st);
}

static int step_target(struct hn_sp *p, json_t *js, struct hn_step *st)
{
    static const char *const keys[] = {"step", "name", "note", "expect", "level", NULL};

    if (jread_keys(&p->r, js, keys, "field of a target step") != 0) {
        return -1;
    }
    return hn_sp_expect(p, js, st);
}

/* The fields every step has: step (its kind), name, note. */
static int step_common(struct hn_sp *p, json_t *js, size_t idx, struct hn_step *st)
{
    const char *kind = NULL;
    const char *v = NULL;
    size_t i;
    int column = 0;

    st->same_as = -1;
    st->same_data_as = -1;
    st->entity_of = -1;
    st->attempt = 1;
    jpath_locate(p->r.text, p->r.len, &p->r.path, &st->line, &column);
    if (jread_string(&p->r, js, "step", true, 16, &kind) != 0) {
        return -1;
    }
    for (i = 0; i < sizeof(step_kinds) / sizeof(step_kinds[0]); i++) {
        if (strcmp(kind, step_kinds[i].name) == 0) {
            st->kind = step_kinds[i].kind;
            break;
        }
    }
    if (i == sizeof(step_kinds) / sizeof(step_kinds[0])) {
        return jread_error_at(&p->r, "step",
                              "unknown step kind '%s' (use deliver, burst, wait, probe, answers, "
                              "state, target, audit, largest_body, window or restart)",
                              kind);
    }
    if (jread_string(&p->r, js, "name", false, HN_SP_NAME_MAX, &v) != 0) {
        return -1;
    }
    if (v != NULL) {
        if (!step_name_ok(v)) {
            return jread_error_at(&p->r, "name",
                                  "bad step name '%s' (lowercase letters, digits, '-', '_')", v);
        }
        for (size_t j = 0; j < idx; j++) {
            if (p->names[j] != NULL && strcmp(p->names[j], v) == 0) {
                return jread_error_at(&p->r, "name", "steps %zu and %zu are both named '%s'", j + 1,
                                      idx + 1, v);
            }
        }
        st->name = xstrdup(v);
    }
    if (hn_sp_text(p, js, "note", false, 500, false, &v) != 0) {
        return -1;
    }
    st->description = xstrdup(v);
    return 0;
}

/* audit and largest_body: no fields of their own. */
static const char *const audit_keys[] = {"step", "name", "note", NULL};

static int step_parse(struct hn_sp *p, json_t *js, struct hn_scenario *s, size_t idx)
{
    struct hn_step *st = &s->steps[idx];

    if (!json_is_object(js)) {
        return jread_error(&p->r, "a step is a JSON object with a \"step\" field");
    }
    if (step_common(p, js, idx, st) != 0 || step_level(p, js, s, st) != 0) {
        return -1;
    }
    switch (st->kind) {
    case HN_STEP_DELIVER:
        return step_deliver(p, js, s, idx, st);
    case HN_STEP_BURST:
        return step_burst(p, js, st);
    case HN_STEP_WAIT:
        return step_wait(p, js, st);
    case HN_STEP_PROBE:
        return step_probe(p, js, s, idx, st);
    case HN_STEP_TARGET:
        return step_target(p, js, st);
    case HN_STEP_AUDIT:
        return jread_keys(&p->r, js, audit_keys, "field of an audit step");
    case HN_STEP_LARGEST:
        st->topic = xstrdup("message.received"); /* the events it sends */
        return jread_keys(&p->r, js, audit_keys, "field of a largest_body step");
    case HN_STEP_ANSWERS:
        return hn_sp_answers(p, js, s, idx, st);
    case HN_STEP_WINDOW:
        return hn_sp_window(p, js, st);
    case HN_STEP_RESTART:
        return jread_keys(&p->r, js, audit_keys, "field of a restart step");
    case HN_STEP_STATE:
        return hn_sp_state(p, js, s, idx, st);
    }
    return -1;
}

int hn_sp_steps(struct hn_sp *p, json_t *root, struct hn_scenario *s)
{
    json_t *steps = json_object_get(root, "steps");
    bool burst = false; /* a step that loads the receiver */
    size_t i;
    json_t *js;
    int rc = -1;

    if (steps == NULL) {
        return jread_error(&p->r, "missing required field 'steps'");
    }
    jpath_push_key(&p->r.path, "steps");
    if (!json_is_array(steps) || json_array_size(steps) == 0) {
        jread_error(&p->r, "'steps' must be a non-empty array of steps");
        goto out;
    }
    if (json_array_size(steps) > HN_SCENARIO_MAX_STEPS) {
        jread_error(&p->r, "at most %d steps", HN_SCENARIO_MAX_STEPS);
        goto out;
    }
    /* Every step is zeroed first so hn_scenario_free can release a partly
     * parsed scenario; names are collected first so a reference to a later
     * step can be told apart from a reference to no step. */
    s->n_steps = json_array_size(steps);
    s->steps = xcalloc(s->n_steps, sizeof(*s->steps));
    json_array_foreach(steps, i, js)
    {
        json_t *name = json_is_object(js) ? json_object_get(js, "name") : NULL;
        p->names[i] = json_is_string(name) ? json_string_value(name) : NULL;
    }
    json_array_foreach(steps, i, js)
    {
        jpath_push_index(&p->r.path, i);
        if (step_parse(p, js, s, i) != 0) {
            goto out;
        }
        jpath_pop(&p->r.path);
        const struct hn_step *st = &s->steps[i];
        s->needs_probe = s->needs_probe || st->kind == HN_STEP_PROBE || st->kind == HN_STEP_AUDIT;
        s->audit = s->audit || st->kind == HN_STEP_AUDIT;
        s->restarts = s->restarts || st->kind == HN_STEP_RESTART;
        s->latency_case =
            s->latency_case || st->expect.latency_max_ms > 0 || st->expect.p95_max_ms > 0;
        s->waits = s->waits || (st->kind == HN_STEP_WAIT && st->wait_ms >= HN_WAITS_MS);
        /* Steps that load or stop the receiver: never run with others. */
        burst = burst || st->kind == HN_STEP_BURST || st->kind == HN_STEP_LARGEST ||
                st->kind == HN_STEP_WINDOW || st->kind == HN_STEP_RESTART;
    }
    s->waits = s->waits && !burst && !s->latency_case && !s->audit;
    rc = 0;
out:
    return rc;
}
