/* The events a case sends (runner_int.h): built from a step, with the
 * provider's own type under the run's scheme, and the ids a probe asks
 * about. */
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/event.h"
#include "core/jsonh.h"
#include "core/xalloc.h"
#include "harness/runner_int.h"

/* Adds the step's extra top-level members to a body. */
static int runner_extra_fields(const json_t *extra, char **body, size_t *len, struct err *e)
{
    json_t *root = jsonh_parse(*body, *len, e);

    if (!json_is_object(root) || json_object_update(root, (json_t *)extra) != 0) {
        json_decref(root);
        return err_set(e, "cannot add extra_fields to the event body");
    }
    free(*body);
    *body = jsonh_dump(root, len);
    json_decref(root);
    return 0;
}

int hn_runner_new_event(struct hn_runner_case *rc, size_t idx, struct hn_runner_sent *out,
                        struct err *e)
{
    const struct hn_step *st = &rc->s->steps[idx];
    const struct hn_step *origin = st;
    struct rng used;
    struct event ev;

    /* The data of a same_data_as step is rebuilt from the state and time
     * its origin was built from: event_build gives the same bytes for the
     * same rng state, so only the event id differs. */
    while (origin->same_data_as >= 0) {
        origin = &rc->s->steps[origin->same_data_as];
    }
    ids_event_id(&rc->rng, out->event_id);
    if (st->same_data_as >= 0) {
        const struct hn_runner_sent *from = &rc->sent[st->same_data_as];
        out->data_rng = from->data_rng;
        out->created_ms = from->created_ms;
    } else {
        rng_seed(&out->data_rng, rng_next(&rc->rng));
        out->created_ms = clock_wall_ms();
    }
    used = out->data_rng;
    /* A Vambe topic stands for the provider's own type under its scheme. */
    const char *topic = event_profile_topic(rc->r->o.profile, st->topic);
    if (event_build_with_id(topic, out->event_id, origin->data, rc->r->o.profile, &used,
                            out->created_ms, &ev, e) != 0) {
        return -1;
    }
    out->topic = xstrdup(topic);
    out->body = ev.body;
    out->body_len = ev.body_len;
    ev.body = NULL;
    event_cleanup(&ev);
    out->has_event = true;
    if (st->extra_fields != NULL &&
        runner_extra_fields(st->extra_fields, &out->body, &out->body_len, e) != 0) {
        return -1;
    }
    return 0;
}

/* Appends an id known to be new (a freshly drawn event's). */
void hn_runner_push_id(struct hn_runner_sent *sent, const char *id)
{
    if (sent->n_ids == sent->cap_ids) {
        sent->cap_ids = sent->cap_ids > 0 ? 2 * sent->cap_ids : 4;
        sent->ids = xrealloc(sent->ids, sent->cap_ids * sizeof(char *));
    }
    sent->ids[sent->n_ids++] = xstrdup(id);
}

void hn_runner_add_id(struct hn_runner_sent *sent, const char *id)
{
    for (size_t i = 0; i < sent->n_ids; i++) {
        if (strcmp(sent->ids[i], id) == 0) {
            return;
        }
    }
    hn_runner_push_id(sent, id);
}
