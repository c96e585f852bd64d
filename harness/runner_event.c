/* The events a case sends (runner_priv.h): built from a step, with the
 * provider's own type under the run's scheme, the ids a probe asks about,
 * and their release. */
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/event.h"
#include "core/jsonh.h"
#include "core/xalloc.h"
#include "harness/runner_priv.h"

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

/* The members that name an entity, in Vambe's documented and legacy
 * profiles: data's contact and ticket ids, and the legacy top level's. */
static const char *const runner_entity_keys[] = {"contact_id", "ticket_id", "contactId",
                                                 "ticketId"};

/* entity_of: the contact and ticket of the event in from, wherever both
 * bodies name one, so that an update is about what an earlier event
 * created (ORD-001). A provider's profile names none: left alone. */
static int runner_link_entity(const struct hn_runner_sent *from, struct hn_runner_sent *out,
                              struct err *e)
{
    json_t *src = jsonh_parse(from->body, from->body_len, e);
    json_t *dst = jsonh_parse(out->body, out->body_len, e);
    json_t *sd = json_object_get(src, "data");
    json_t *dd = json_object_get(dst, "data");
    int rc = -1;

    if (!json_is_object(src) || !json_is_object(dst)) {
        err_set(e, "entity_of: the events are not JSON objects");
        goto out;
    }
    for (size_t i = 0; i < sizeof(runner_entity_keys) / sizeof(runner_entity_keys[0]); i++) {
        json_t *v = json_object_get(sd, runner_entity_keys[i]);
        if (v != NULL && json_is_object(dd) && json_object_get(dd, runner_entity_keys[i]) != NULL) {
            json_object_set(dd, runner_entity_keys[i], v);
        }
    }
    json_t *top = json_object_get(src, "aiContactId");
    if (top != NULL && json_object_get(dst, "aiContactId") != NULL) {
        json_object_set(dst, "aiContactId", top);
    }
    free(out->body);
    out->body = jsonh_dump(dst, &out->body_len);
    rc = 0;
out:
    json_decref(src);
    json_decref(dst);
    return rc;
}

/* Words for the padding: a long customer conversation, with accents, as a
 * real large event carries (a transcript, an order with many lines). */
static const char runner_words[] =
    "Hola, quisiera saber el estado de mi pedido. Lo compré el martes y todavía no "
    "llega; el número de seguimiento no muestra movimientos desde ayer. ";

/* Pads the body to exactly size bytes: a "transcript" array of messages in
 * "data" (or the top level), then the last message's text cut to fit. */
static int runner_pad(char **body, size_t *len, size_t size, struct err *e)
{
    json_t *root = jsonh_parse(*body, *len, e);
    json_t *target = json_object_get(root, "data");
    json_t *list = json_array();
    char *out = NULL;
    size_t n = 0;
    int rc = -1;

    if (!json_is_object(target)) {
        target = root;
    }
    if (!json_is_object(target) || json_object_set_new(target, "transcript", list) != 0) {
        err_set(e, "cannot pad a body that is not a JSON object");
        goto out;
    }
    if (*len + 64 > size) {
        err_set(e, "the event is already %zu bytes: cannot pad it to %zu", *len, size);
        goto out;
    }
    /* Whole messages while they fit with room to spare, then one cut. */
    size_t used = *len + 16;
    while (used + 2 * sizeof(runner_words) + 64 < size) {
        json_array_append_new(list,
                              json_pack("{s:s, s:s, s:s}", "from", n % 2 ? "agent" : "contact",
                                        "at", "2026-12-04T10:00:00Z", "text", runner_words));
        used += sizeof(runner_words) + 64;
        n++;
    }
    json_t *last = json_pack("{s:s}", "text", "");
    json_array_append_new(list, last);
    out = jsonh_dump(root, &used);
    if (used > size) {
        err_set(e, "cannot pad the event to %zu bytes", size);
        goto out;
    }
    /* ASCII filler: one byte per character, no escapes. */
    char *fill = xmalloc(size - used + 1);
    memset(fill, 'x', size - used);
    fill[size - used] = '\0';
    json_object_set_new(last, "text", json_string(fill));
    free(fill);
    free(out);
    out = jsonh_dump(root, &used);
    free(*body);
    *body = out;
    *len = used;
    out = NULL;
    rc = 0;
out:
    free(out);
    json_decref(root);
    return rc;
}

int hn_runner_new_event(struct hn_runner_case *rc, size_t idx, struct hn_runner_sent *out,
                        struct err *e)
{
    const struct hn_step *st = &rc->s->steps[idx];
    size_t size = st->body_size_max ? rc->r->scheme.max_body : st->body_size;

    return hn_runner_sized_event(rc, idx, size, out, e);
}

int hn_runner_sized_event(struct hn_runner_case *rc, size_t idx, size_t size,
                          struct hn_runner_sent *out, struct err *e)
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
        /* built_ago: an event from a while back, as a late retry carries
         * it (its times are those of then; it is signed when sent). */
        out->created_ms = clock_wall_ms() - st->built_ago_ms;
    }
    used = out->data_rng;
    /* A Vambe topic stands for the provider's own type under its scheme. */
    enum event_profile profile = rc->r->o.profile;
    if (st->other_profile) {
        profile = profile == EVENT_PROFILE_LEGACY ? EVENT_PROFILE_DOCUMENTED : EVENT_PROFILE_LEGACY;
    }
    const char *topic = event_profile_topic(profile, st->topic);
    if (event_build_with_id(topic, out->event_id, origin->data, profile, &used, out->created_ms,
                            &ev, e) != 0) {
        return -1;
    }
    out->topic = xstrdup(topic);
    out->body = ev.body;
    out->body_len = ev.body_len;
    ev.body = NULL;
    event_cleanup(&ev);
    out->has_event = true;
    if (st->entity_of >= 0 && runner_link_entity(&rc->sent[st->entity_of], out, e) != 0) {
        return -1;
    }
    if (st->extra_fields != NULL &&
        runner_extra_fields(st->extra_fields, &out->body, &out->body_len, e) != 0) {
        return -1;
    }
    if (size > 0 && runner_pad(&out->body, &out->body_len, size, e) != 0) {
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

/* The object that holds the member a dotted path ("data.contact_name")
 * names, its last key copied into key; NULL when a step of the path is
 * not an object. */
static json_t *runner_parent(json_t *root, const char *path, char *key, size_t key_size)
{
    json_t *obj = root;
    const char *dot;

    while ((dot = strchr(path, '.')) != NULL && json_is_object(obj)) {
        snprintf(key, key_size, "%.*s", (int)(dot - path), path);
        obj = json_object_get(obj, key);
        path = dot + 1;
    }
    snprintf(key, key_size, "%s", path);
    return json_is_object(obj) ? obj : NULL;
}

int hn_runner_edit_body(struct hn_runner_sent *sent, const struct scheme *s,
                        const struct hn_mutation *m, struct err *e)
{
    char key[SCHEME_HEADER_NAME_MAX + 1];
    json_t *root;
    json_t *obj;

    if (!m->blank_id && m->n_drop == 0) {
        return 0;
    }
    root = jsonh_parse(sent->body, sent->body_len, e);
    if (!json_is_object(root)) {
        json_decref(root);
        return err_set(e, "cannot edit a body that is not a JSON object");
    }
    /* The scheme's id field ("event_id"), else the top-level "id" when the
     * body has one. */
    obj =
        m->blank_id
            ? runner_parent(root, s->event_id.place == SCHEME_PLACE_FIELD ? s->event_id.name : "id",
                            key, sizeof(key))
            : NULL;
    if (obj != NULL && json_object_get(obj, key) != NULL) {
        json_object_set_new(obj, key, json_string(""));
    }
    for (size_t i = 0; i < m->n_drop; i++) {
        if ((obj = runner_parent(root, m->drop[i], key, sizeof(key))) != NULL) {
            json_object_del(obj, key);
        }
    }
    free(sent->body);
    sent->body = jsonh_dump(root, &sent->body_len);
    json_decref(root);
    return 0;
}

int hn_runner_try_event(struct hn_runner_case *rc, size_t idx, size_t size, long long shift_s,
                        struct rp_step *ps, bool *ok, long *status, struct err *e)
{
    struct hn_runner *r = rc->r;
    struct hn_mutation m;
    struct hn_runner_sent sent;
    struct hn_delivery d;
    struct http_request req;
    struct http_response resp;
    int rc_out = -1;

    memset(&m, 0, sizeof(m));
    m.shift_s = shift_s;
    memset(&sent, 0, sizeof(sent));
    memset(&d, 0, sizeof(d));
    memset(&resp, 0, sizeof(resp));
    if (hn_runner_sized_event(rc, idx, size, &sent, e) != 0) {
        goto out;
    }
    struct hn_payload pl = {sent.event_id, sent.topic, sent.body, sent.body_len, NULL, NULL};
    if (hn_delivery_build(&r->dopts, &pl, &m, 1, &rc->rng, clock_wall_ms(), &d, e) != 0) {
        goto out;
    }
    hn_delivery_request(&r->dopts, &d, r->o.timeout_ms, &req);
    if (http_client_run(rc->client, &req, &resp, 1, 1) != 0) {
        err_set(e, "the HTTP client failed");
        goto out;
    }
    hn_runner_record(r, ps, &d, sent.event_id, &resp);
    /* A shifted timestamp is not a delivery DLV-007 counts: ack says so. */
    hn_runner_ack(r, rc->s->id, &m, sent.event_id, sent.topic, &resp);
    *ok = hn_runner_accepted(&resp);
    *status = resp.error == HTTP_ERROR_NONE ? resp.status : 0;
    rc_out = 0;
out:
    http_response_cleanup(&resp);
    hn_delivery_cleanup(&d);
    hn_runner_sent_cleanup(&sent);
    return rc_out;
}

void hn_runner_sent_cleanup(struct hn_runner_sent *s)
{
    for (size_t i = 0; i < s->n_ids; i++) {
        free(s->ids[i]);
    }
    free(s->ids);
    free(s->topic);
    free(s->body);
    free(s->answers);
}
