/* Scenario fields that make the harness behave like a sender over time
 * (docs/scenarios.md): a step's retries, a hang-up, an event about the
 * entity of an earlier one, a retry sent only while needed, an event built
 * long before it is sent, the answers step that judges what those
 * deliveries were answered, and the state step that asks what the
 * receiver made of them. */
#include <string.h>

#include "core/xalloc.h"
#include "harness/scenario.h"
#include "harness/scenario_priv.h"

#define SENDER_RETRY_BACKOFF_DEFAULT_MS 1000u
#define SENDER_BUILT_AGO_MAX_MS         (24ull * 3600 * 1000)

static int sender_retry(struct hn_sp *p, json_t *js, struct hn_step *st)
{
    static const char *const keys[] = {"attempts", "backoff", NULL};
    json_t *v = json_object_get(js, "retry");
    long long attempts = 0;
    bool present = false;
    int rc = -1;

    if (v == NULL) {
        return 0;
    }
    jpath_push_key(&p->r.path, "retry");
    if (!json_is_object(v)) {
        jread_error(&p->r, "'retry' is an object: {\"attempts\": 4, \"backoff\": \"1s\"}");
        goto out;
    }
    st->retry_backoff_ms = SENDER_RETRY_BACKOFF_DEFAULT_MS;
    if (jread_keys(&p->r, v, keys, "field of retry") != 0 ||
        jread_int(&p->r, v, "attempts", 2, HN_RETRY_ATTEMPTS_MAX, &attempts, &present) != 0 ||
        jread_duration(&p->r, v, "backoff", HN_RETRY_BACKOFF_MAX_MS, &st->retry_backoff_ms) != 0) {
        goto out;
    }
    if (!present) {
        jread_error(&p->r, "missing required field 'attempts' (sends in all, 2 to %d)",
                    HN_RETRY_ATTEMPTS_MAX);
        goto out;
    }
    if (st->retry_backoff_ms == 0) {
        jread_error_at(&p->r, "backoff", "a backoff must be more than 0");
        goto out;
    }
    st->retry_attempts = (unsigned)attempts;
    rc = 0;
out:
    if (rc == 0) {
        jpath_pop(&p->r.path);
    }
    return rc;
}

/* A mutated delivery is not one a sender retries: retries are re-signed
 * valid copies. */
static bool sender_mutated(const struct hn_mutation *m)
{
    return m->signature != HN_SIG_VALID || m->timestamp != HN_TS_VALID || m->shift_s != 0 ||
           m->alter_body || m->reformat || m->sign_with != NULL || m->has_raw_body ||
           m->method != NULL || m->header_case != HN_CASE_AS_IS || m->blank_id || m->new_id ||
           m->n_drop > 0 || m->n_add > 0 || m->n_remove > 0;
}

int hn_sp_sender(struct hn_sp *p, json_t *js, const struct hn_scenario *s, size_t idx,
                 struct hn_step *st)
{
    const char *ref = NULL;

    if (sender_retry(p, js, st) != 0) {
        return -1;
    }
    if (st->retry_attempts > 0 && sender_mutated(&st->mutate)) {
        return jread_error_at(&p->r, "retry",
                              "a retry re-sends a valid delivery re-signed: not with mutate");
    }
    if (st->kind != HN_STEP_DELIVER) {
        return 0;
    }
    if (jread_duration(&p->r, js, "hang_up", HN_HANG_UP_MAX_MS, &st->hang_up_ms) != 0) {
        return -1;
    }
    if (json_object_get(js, "hang_up") != NULL) {
        if (st->hang_up_ms == 0) {
            return jread_error_at(&p->r, "hang_up", "a hang-up must come after more than 0 ms");
        }
        if (json_object_get(js, "expect") != NULL || st->retry_attempts > 0) {
            return jread_error_at(&p->r, "hang_up",
                                  "a delivery the harness hangs up on reads no answer: no "
                                  "expect or retry with it");
        }
    }
    if (jread_bool(&p->r, js, "unless_accepted", &st->unless_accepted) != 0 ||
        jread_bool(&p->r, js, "new_connection", &st->new_connection) != 0) {
        return -1;
    }
    if (st->new_connection && st->hang_up_ms > 0) {
        return jread_error_at(&p->r, "new_connection",
                              "a delivery the harness hangs up on has no timings to report");
    }
    if (st->unless_accepted && st->same_as < 0) {
        return jread_error_at(&p->r, "unless_accepted",
                              "unless_accepted sends an earlier event again only while it has "
                              "no 2xx: give same_as");
    }
    if (jread_duration(&p->r, js, "built_ago", SENDER_BUILT_AGO_MAX_MS, &st->built_ago_ms) != 0) {
        return -1;
    }
    if (json_object_get(js, "built_ago") != NULL &&
        (st->same_as >= 0 || st->same_data_as >= 0 || st->built_ago_ms == 0)) {
        return jread_error_at(&p->r, "built_ago",
                              "'built_ago' builds a new event as if that long ago (more than "
                              "0 s): not with same_as or same_data_as");
    }
    if (jread_string(&p->r, js, "entity_of", false, HN_SP_NAME_MAX, &ref) != 0) {
        return -1;
    }
    if (ref == NULL) {
        return 0;
    }
    if (st->same_as >= 0) {
        return jread_error_at(&p->r, "entity_of",
                              "'entity_of' cannot be given with same_as (the earlier event is "
                              "re-sent as it was)");
    }
    jpath_push_key(&p->r.path, "entity_of");
    int rc = hn_sp_ref(p, s, idx, ref, HN_SP_REF_DATA, &st->entity_of);
    if (rc == 0) {
        jpath_pop(&p->r.path);
    }
    return rc;
}

int hn_sp_window(struct hn_sp *p, json_t *js, struct hn_step *st)
{
    static const char *const keys[] = {"step", "name", "note", "direction", NULL};
    const char *v = NULL;

    if (jread_keys(&p->r, js, keys, "field of a window step") != 0 ||
        jread_string(&p->r, js, "direction", true, 16, &v) != 0) {
        return -1;
    }
    if (strcmp(v, "past") != 0 && strcmp(v, "future") != 0) {
        return jread_error_at(&p->r, "direction", "unknown direction '%s' (use past or future)", v);
    }
    st->direction = strcmp(v, "past") == 0 ? -1 : 1;
    st->topic = xstrdup("message.received"); /* the events it sends */
    return 0;
}

int hn_sp_answers(struct hn_sp *p, json_t *js, const struct hn_scenario *s, size_t idx,
                  struct hn_step *st)
{
    static const char *const keys[] = {"step", "name", "note", "of", "expect", "level", NULL};

    if (jread_keys(&p->r, js, keys, "field of an answers step") != 0 ||
        hn_sp_of(p, js, s, idx, HN_SP_REF_ANSWERS, st) != 0 || hn_sp_expect(p, js, st) != 0) {
        return -1;
    }
    if (!st->expect.has_status && !st->expect.retry_after) {
        return jread_error(&p->r, "an answers step expects a status, status_not or "
                                  "\"retry_after\": true");
    }
    return 0;
}

int hn_sp_state(struct hn_sp *p, json_t *js, const struct hn_scenario *s, size_t idx,
                struct hn_step *st)
{
    static const char *const keys[] = {"step", "name", "note", "of", "level", NULL};
    json_t *of = json_object_get(js, "of");

    if (jread_keys(&p->r, js, keys, "field of a state step") != 0) {
        return -1;
    }
    if (of != NULL && !json_is_string(of)) {
        return jread_error_at(&p->r, "of",
                              "'of' is the name of one deliver step: the entity of its event is "
                              "asked about, and its updated_at expected");
    }
    return hn_sp_of(p, js, s, idx, HN_SP_REF_STATE, st);
}
