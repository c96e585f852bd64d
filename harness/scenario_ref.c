/* References between scenario steps (same_as, same_data_as, entity_of,
 * the "of" of probe, answers and state steps): by name, and only
 * backwards. */
#include <string.h>

#include "core/xalloc.h"
#include "harness/scenario.h"
#include "harness/scenario_priv.h"

#define REF_OF_MAX 16

int hn_sp_ref(struct hn_sp *p, const struct hn_scenario *s, size_t idx, const char *name,
              enum hn_sp_ref_use use, int *out)
{
    int found = -1;

    for (size_t j = 0; j < idx; j++) {
        if (p->names[j] != NULL && strcmp(p->names[j], name) == 0) {
            found = (int)j;
        }
    }
    if (found < 0) {
        for (size_t j = idx; j < s->n_steps; j++) {
            if (p->names[j] != NULL && strcmp(p->names[j], name) == 0) {
                if (j == idx) {
                    return jread_error(&p->r, "'%s' names this very step", name);
                }
                return jread_error(&p->r,
                                   "'%s' names a later step (step %zu): a step can only refer "
                                   "to a step before it",
                                   name, j + 1);
            }
        }
        return jread_error(&p->r, "no earlier step is named '%s'", name);
    }
    const struct hn_step *t = &s->steps[found];
    switch (use) {
    case HN_SP_REF_EVENT:
        if (t->kind != HN_STEP_DELIVER && !(t->kind == HN_STEP_BURST && t->copies)) {
            return jread_error(&p->r,
                               "'%s' is a %s step: same_as needs a deliver step or a burst "
                               "of copies",
                               name, hn_step_kind_name(t->kind));
        }
        break;
    case HN_SP_REF_DATA:
        if (t->kind != HN_STEP_DELIVER || t->same_as >= 0) {
            return jread_error(&p->r,
                               "'%s' does not build an event: same_data_as needs a deliver "
                               "step without same_as",
                               name);
        }
        break;
    case HN_SP_REF_PROBE:
        if (t->kind != HN_STEP_DELIVER && t->kind != HN_STEP_BURST) {
            return jread_error(&p->r,
                               "'%s' is a %s step: a probe counts the events of deliver and "
                               "burst steps",
                               name, hn_step_kind_name(t->kind));
        }
        break;
    case HN_SP_REF_STATE:
        if (t->kind != HN_STEP_DELIVER || t->same_as >= 0) {
            return jread_error(&p->r,
                               "'%s' does not build an event: a state step asks about the "
                               "entity of a deliver step without same_as",
                               name);
        }
        break;
    case HN_SP_REF_ANSWERS:
        if (t->kind != HN_STEP_DELIVER && t->kind != HN_STEP_BURST) {
            return jread_error(&p->r,
                               "'%s' is a %s step: answers are those of deliver and burst steps",
                               name, hn_step_kind_name(t->kind));
        }
        break;
    }
    *out = found;
    return 0;
}

int hn_sp_of(struct hn_sp *p, json_t *js, const struct hn_scenario *s, size_t idx,
             enum hn_sp_ref_use use, struct hn_step *st)
{
    json_t *of = json_object_get(js, "of");
    size_t i;
    json_t *v;
    int rc = -1;

    if (of == NULL) {
        return jread_error(&p->r, "missing required field 'of' (the steps whose events are "
                                  "counted)");
    }
    jpath_push_key(&p->r.path, "of");
    if (json_is_string(of)) {
        st->of = xcalloc(1, sizeof(int));
        st->n_of = 1;
        rc = hn_sp_ref(p, s, idx, json_string_value(of), use, &st->of[0]);
        goto out;
    }
    if (!json_is_array(of) || json_array_size(of) == 0 || json_array_size(of) > REF_OF_MAX) {
        jread_error(&p->r, "'of' is a step name or a list of 1 to %d step names", REF_OF_MAX);
        goto out;
    }
    st->of = xcalloc(json_array_size(of), sizeof(int));
    json_array_foreach(of, i, v)
    {
        jpath_push_index(&p->r.path, i);
        if (!json_is_string(v)) {
            jread_error(&p->r, "a step name is a string");
            goto out;
        }
        if (hn_sp_ref(p, s, idx, json_string_value(v), use, &st->of[i]) != 0) {
            goto out;
        }
        st->n_of++;
        jpath_pop(&p->r.path);
    }
    rc = 0;
out:
    if (rc == 0) {
        jpath_pop(&p->r.path);
    }
    return rc;
}
