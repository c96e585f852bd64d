/* Test support: building core/event's events (see event_fx.h). */
#include "support/event_fx.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>
#include <string.h>

#include "core/err.h"
#include "core/rng.h"

/* Builds an event that must succeed and returns its parsed body. */
json_t *event_fx_build_ok(const char *topic, const json_t *override, enum event_profile profile,
                          uint64_t seed, struct event *ev)
{
    struct rng r;
    struct err e = {{0}};
    json_error_t je;
    json_t *root = NULL;
    int rc;

    rng_seed(&r, seed);
    rc = event_build(topic, override, profile, &r, NOW_MS, ev, &e);
    if (rc != 0) {
        fail_msg("event_build(%s) failed: %s", topic, e.msg);
    }
    assert_non_null(ev->body);
    assert_int_equal(strlen(ev->body), ev->body_len);
    root = json_loadb(ev->body, ev->body_len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &je);
    if (root == NULL) {
        fail_msg("body of %s is not JSON (%s): %s", topic, je.text, ev->body);
    }
    assert_true(json_is_object(root));
    return root;
}

/* Builds an event that must fail; returns the error message (static). */
const char *event_fx_build_fail(const char *topic, const json_t *override)
{
    static struct err e;
    struct event ev;
    struct rng r;

    memset(&e, 0, sizeof(e));
    memset(&ev, 0x5a, sizeof(ev)); /* garbage: the builder must reset it */
    rng_seed(&r, 1);
    assert_int_equal(event_build(topic, override, EVENT_PROFILE_DOCUMENTED, &r, NOW_MS, &ev, &e),
                     -1);
    assert_null(ev.body);
    event_cleanup(&ev); /* safe after a failure */
    assert_true(strlen(e.msg) > 0);
    return e.msg;
}

void event_fx_keys_exactly(const json_t *obj, const char *const *keys, const char *what)
{
    size_t n = 0;

    for (; keys[n] != NULL; n++) {
        if (json_object_get(obj, keys[n]) == NULL) {
            fail_msg("%s: missing key %s", what, keys[n]);
        }
    }
    if (json_object_size(obj) != n) {
        fail_msg("%s: %zu keys, expected %zu", what, json_object_size(obj), n);
    }
}

const char *event_fx_str(const json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));

    if (s == NULL) {
        fail_msg("key %s is not a string", key);
    }
    return s;
}

/* ---- the field lists of DESIGN §4 (documented) and the legacy keys ---- */

const char *const event_fx_doc_message[] = {
    "contact_id", "contact_name", "contact_phone", "message_id",  "message_body", "message_type",
    "platform",   "direction",    "stage_id",      "pipeline_id", "created_at",   NULL};
const char *const event_fx_doc_ticket_created[] = {
    "ticket_id", "contact_id", "pipeline_id", "stage_id",   "status",     "assignee_id", "priority",
    "amount",    "currency",   "metadata",    "created_at", "updated_at", NULL};
static const char *const doc_ticket_updated[] = {
    "ticket_id", "contact_id", "pipeline_id", "stage_id",   "status",     "assignee_id", "priority",
    "amount",    "currency",   "metadata",    "created_at", "updated_at", "changes",     NULL};
static const char *const doc_ticket_closed[] = {
    "ticket_id",   "contact_id", "pipeline_id", "stage_id", "status",
    "assignee_id", "priority",   "amount",      "currency", "metadata",
    "created_at",  "updated_at", "closed_at",   "outcome",  NULL};
static const char *const doc_contact_created[] = {"contact_id", "name",       "phone",
                                                  "email",      "platform",   "chat_status",
                                                  "created_at", "updated_at", NULL};
static const char *const doc_contact_updated[] = {
    "contact_id",  "name",       "phone",      "email",   "platform",
    "chat_status", "created_at", "updated_at", "changes", NULL};
static const char *const doc_stage[] = {
    "contact_id",   "contact_name",   "pipeline_id", "previous_stage_id", "previous_stage_name",
    "new_stage_id", "new_stage_name", "ticket_id",   "changed_at",        NULL};

static const char *const leg_message[] = {"fromNumber", "message",   "messageId", "messageType",
                                          "name",       "stageId",   "platform",  "direction",
                                          "pipelineId", "createdAt", NULL};
const char *const event_fx_leg_ticket_created[] = {
    "ticketId", "contactId", "pipelineId", "stageId",   "status",    "assigneeId", "priority",
    "amount",   "currency",  "metadata",   "createdAt", "updatedAt", NULL};
static const char *const leg_ticket_updated[] = {
    "ticketId", "contactId", "pipelineId", "stageId",   "status",    "assigneeId", "priority",
    "amount",   "currency",  "metadata",   "createdAt", "updatedAt", "changes",    NULL};
static const char *const leg_ticket_closed[] = {"ticketId", "contactId",  "pipelineId", "stageId",
                                                "status",   "assigneeId", "priority",   "amount",
                                                "currency", "metadata",   "createdAt",  "updatedAt",
                                                "closedAt", "outcome",    NULL};
static const char *const leg_contact_created[] = {"contactId", "name",      "phone",
                                                  "email",     "platform",  "chatStatus",
                                                  "createdAt", "updatedAt", NULL};
static const char *const leg_contact_updated[] = {
    "contactId",  "name",      "phone",     "email",   "platform",
    "chatStatus", "createdAt", "updatedAt", "changes", NULL};
static const char *const leg_stage[] = {
    "contactId",  "contactName",  "pipelineId", "previousStageId", "previousStageName",
    "newStageId", "newStageName", "ticketId",   "changedAt",       NULL};

const struct event_fx_topic event_fx_catalogue[] = {
    {"message.received", event_fx_doc_message, leg_message},
    {"message.sent", event_fx_doc_message, leg_message},
    {"ticket.created", event_fx_doc_ticket_created, event_fx_leg_ticket_created},
    {"ticket.updated", doc_ticket_updated, leg_ticket_updated},
    {"ticket.closed", doc_ticket_closed, leg_ticket_closed},
    {"contact.created", doc_contact_created, leg_contact_created},
    {"contact.updated", doc_contact_updated, leg_contact_updated},
    {"stage.changed", doc_stage, leg_stage},
};

#define N_CATALOGUE (sizeof(event_fx_catalogue) / sizeof(event_fx_catalogue[0]))
