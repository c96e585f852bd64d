/* The state step (ORD-002): asks --state-probe-url what the receiver kept
 * of the entity an earlier event was about, and expects that event's
 * updated_at: an older update sent after it must not have won. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "core/clock.h"
#include "core/jsonh.h"
#include "harness/runner_priv.h"
#include "harness/state_probe.h"
#include "harness/verdict.h"

#define STATE_ID_MAX   128
#define STATE_TEXT_MAX 64

/* What a state step asks about: an event's contact or ticket and the
 * updated_at it carries. */
struct state_want {
    const char *kind; /* "contact" or "ticket" */
    char id[STATE_ID_MAX];
    uint64_t updated_ms;
    char updated[STATE_TEXT_MAX];
};

/* The entity of a contact.* or ticket.* event and its updated_at, in
 * Vambe's documented data (contact_id, updated_at) or legacy data
 * (contactId, updatedAt). 0, or -1 with e set. */
static int state_entity(const struct hn_runner_sent *sent, const char *topic, struct state_want *w,
                        struct err *e)
{
    json_t *root = jsonh_parse(sent->body, sent->body_len, e);
    json_t *data = json_object_get(root, "data");
    const char *id = NULL;
    const char *at = json_string_value(json_object_get(data, "updated_at"));
    int rc = -1;

    at = at != NULL ? at : json_string_value(json_object_get(data, "updatedAt"));

    if (strncmp(topic, "contact.", 8) == 0) {
        w->kind = "contact";
        id = json_string_value(json_object_get(data, "contact_id"));
        id = id != NULL ? id : json_string_value(json_object_get(data, "contactId"));
    } else if (strncmp(topic, "ticket.", 7) == 0) {
        w->kind = "ticket";
        id = json_string_value(json_object_get(data, "ticket_id"));
        id = id != NULL ? id : json_string_value(json_object_get(data, "ticketId"));
    }
    if (id == NULL || id[0] == '\0' || strlen(id) >= sizeof(w->id)) {
        err_set(e, "the event (%s) names no contact or ticket to ask about", topic);
    } else if (at == NULL || clock_parse_iso8601(at, &w->updated_ms) != 0 ||
               strlen(at) >= sizeof(w->updated)) {
        err_set(e, "the event (%s) carries no data.updated_at to expect", topic);
    } else {
        snprintf(w->id, sizeof(w->id), "%s", id);
        snprintf(w->updated, sizeof(w->updated), "%s", at);
        rc = 0;
    }
    json_decref(root);
    return rc;
}

/* Asks until the entity shows want (at most the probe wait), then once
 * more after the settle window: an older update processed late still
 * shows. The last answer is recorded in ps. */
static int state_poll(struct hn_runner_case *rc, const struct state_want *w, struct rp_step *ps,
                      bool *known, uint64_t *got_ms, char *got, size_t got_size, struct err *e)
{
    const struct hn_runner *r = rc->r;
    uint64_t deadline = clock_mono_us() + r->o.probe_wait_ms * 1000u;

    for (;;) {
        if (hn_state_probe_ask(rc->client, r->o.state_probe_url, w->id, r->o.timeout_ms, known,
                               got_ms, got, got_size, NULL, e) != 0) {
            return -1;
        }
        if ((*known && *got_ms == w->updated_ms) || clock_mono_us() >= deadline) {
            break;
        }
        clock_sleep_us(HN_PROBE_POLL_MS * 1000u);
    }
    clock_sleep_us(r->o.settle_ms * 1000u);
    struct rp_exchange *x = rp_step_add_exchange(ps);
    int rc2 = hn_state_probe_ask(rc->client, r->o.state_probe_url, w->id, r->o.timeout_ms, known,
                                 got_ms, got, got_size, x, e);
    hn_runner_fit(r, x);
    return rc2;
}

void hn_runner_state(struct hn_runner_case *rc, size_t idx, struct rp_step *ps,
                     struct hn_runner_outcome *out)
{
    const struct hn_step *st = &rc->s->steps[idx];
    int of = st->of[0];
    struct state_want w;
    struct err e = {{0}};
    char got[STATE_TEXT_MAX] = "";
    uint64_t got_ms = 0;
    bool known = false;

    memset(&w, 0, sizeof(w));
    rp_setf(&ps->description, "ask the state probe for the entity of step %d's event", of + 1);
    if (!rc->sent[of].has_event ||
        state_entity(&rc->sent[of], rc->s->steps[of].topic, &w, &e) != 0) {
        hn_runner_outcome_set(out, RP_VERDICT_ERROR, "%s",
                              rc->sent[of].has_event ? e.msg : "step's event was never built");
        return;
    }
    rp_setf(&ps->description, "ask the state probe for %s %s", w.kind, w.id);
    rp_setf(&ps->expected,
            "updated_at %s (step %d's event, the newest update), still so after "
            "the settle window",
            w.updated, of + 1);
    if (state_poll(rc, &w, ps, &known, &got_ms, got, sizeof(got), &e) != 0) {
        hn_runner_outcome_set(out, RP_VERDICT_ERROR, "%s", e.msg);
        rp_set(&ps->actual, e.msg);
        return;
    }
    if (!known) {
        hn_runner_outcome_set(out, RP_VERDICT_FAIL,
                              "the state probe does not know %s %s (404) after its events were "
                              "answered 2xx",
                              w.kind, w.id);
        snprintf(out->figure, sizeof(out->figure), "unknown %s", w.kind);
    } else if (got_ms == w.updated_ms) {
        out->verdict = RP_VERDICT_PASS;
        snprintf(out->figure, sizeof(out->figure), "updated_at %s", got);
    } else {
        hn_runner_outcome_set(out, RP_VERDICT_FAIL, "%s %s shows updated_at %s, expected %s: %s",
                              w.kind, w.id, got, w.updated,
                              got_ms < w.updated_ms ? "an older update won over a newer one"
                                                    : "a time later than any update sent");
        /* Each time at most 40 bytes: an RFC 3339 time with a nanosecond
         * fraction and an offset is 35. */
        snprintf(out->figure, sizeof(out->figure), "updated_at %.40s, expected %.40s", got,
                 w.updated);
    }
    rp_set(&ps->actual, out->verdict == RP_VERDICT_PASS ? out->figure : out->why);
}
