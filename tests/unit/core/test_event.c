/* core/event: delivery bodies in both profiles, reproducibility, overrides
 * (friendly and hostile), unknown topics, ids and profile names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above. */
#include <cmocka.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/event.h"
#include "core/ids.h"
#include "core/rng.h"
#include "core/topics.h"

/* 2024-09-30T10:00:00.123Z */
#define NOW_MS 1727690400123ull
#define SEEDS  40

/* ---- the field lists of DESIGN §4 (documented) and the legacy keys ---- */

static const char *const doc_message[] = {
    "contact_id", "contact_name", "contact_phone", "message_id",  "message_body", "message_type",
    "platform",   "direction",    "stage_id",      "pipeline_id", "created_at",   NULL};
static const char *const doc_ticket_created[] = {
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
static const char *const leg_ticket_created[] = {
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

static const struct {
    const char *topic;
    const char *const *doc;
    const char *const *legacy;
} catalogue[] = {
    {"message.received", doc_message, leg_message},
    {"message.sent", doc_message, leg_message},
    {"ticket.created", doc_ticket_created, leg_ticket_created},
    {"ticket.updated", doc_ticket_updated, leg_ticket_updated},
    {"ticket.closed", doc_ticket_closed, leg_ticket_closed},
    {"contact.created", doc_contact_created, leg_contact_created},
    {"contact.updated", doc_contact_updated, leg_contact_updated},
    {"stage.changed", doc_stage, leg_stage},
};

#define N_CATALOGUE (sizeof(catalogue) / sizeof(catalogue[0]))

/* ---- helpers ---- */

/* Builds an event that must succeed and returns its parsed body. */
static json_t *build_ok(const char *topic, const json_t *override, enum event_profile profile,
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
static const char *build_fail(const char *topic, const json_t *override)
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

static void assert_keys_exactly(const json_t *obj, const char *const *keys, const char *what)
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

static const char *str_of(const json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));

    if (s == NULL) {
        fail_msg("key %s is not a string", key);
    }
    return s;
}

static bool is_iso(const char *s)
{
    static const char shape[] = "dddd-dd-ddTdd:dd:dd.dddZ";
    size_t i;

    if (strlen(s) != sizeof(shape) - 1) {
        return false;
    }
    for (i = 0; shape[i] != '\0'; i++) {
        if (shape[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != shape[i]) {
            return false;
        }
    }
    return true;
}

static bool is_digits(const char *s, size_t n)
{
    size_t i;

    if (strlen(s) != n) {
        return false;
    }
    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return false;
        }
    }
    return true;
}

static bool in_set(const char *s, const char *const *set)
{
    for (; *set != NULL; set++) {
        if (strcmp(s, *set) == 0) {
            return true;
        }
    }
    return false;
}

static bool has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s);
    size_t m = strlen(suffix);

    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static const char *const platforms[] = {"whatsapp",  "instagram", "webchat",
                                        "messenger", "sms",       NULL};
static const char *const chat_statuses[] = {"UNATTENDED", "ATTENDED", "CLOSED", NULL};
static const char *const currencies[] = {"CLP", "USD", NULL};

/* Checks the values of a documented data object, field by field. */
static void check_doc_values(const char *topic, const json_t *data, const char *timestamp)
{
    const char *key = NULL;
    json_t *v = NULL;

    json_object_foreach((json_t *)data, key, v)
    {
        if (has_suffix(key, "_id")) {
            if (!ids_is_uuid(str_of(data, key))) {
                fail_msg("%s: %s is not a UUID", topic, key);
            }
        } else if (has_suffix(key, "_at")) {
            assert_true(is_iso(str_of(data, key)));
            /* nothing happens after the event is sent */
            assert_true(strcmp(str_of(data, key), timestamp) <= 0);
        } else if (strcmp(key, "phone") == 0 || strcmp(key, "contact_phone") == 0) {
            const char *p = str_of(data, key);
            assert_true(strncmp(p, "+569", 4) == 0);
            assert_true(is_digits(p + 1, 11));
        } else if (strcmp(key, "platform") == 0) {
            assert_true(in_set(str_of(data, key), platforms));
        } else if (strcmp(key, "chat_status") == 0) {
            assert_true(in_set(str_of(data, key), chat_statuses));
        } else if (strcmp(key, "currency") == 0) {
            assert_true(in_set(str_of(data, key), currencies));
        } else if (strcmp(key, "amount") == 0) {
            assert_true(json_is_integer(v));
            assert_true(json_integer_value(v) > 0);
        } else if (strcmp(key, "metadata") == 0) {
            const char *mk = NULL;
            json_t *mv = NULL;
            assert_true(json_is_object(v));
            assert_true(json_object_size(v) > 0);
            json_object_foreach(v, mk, mv)
            {
                assert_true(json_is_string(mv));
            }
        } else if (strcmp(key, "changes") == 0) {
            const char *ck = NULL;
            json_t *cv = NULL;
            assert_true(json_is_object(v));
            assert_true(json_object_size(v) > 0);
            json_object_foreach(v, ck, cv)
            {
                /* the current value is the one in data, the previous differs */
                assert_true(json_equal(json_object_get(cv, "current"), json_object_get(data, ck)));
                assert_non_null(json_object_get(cv, "previous"));
                assert_false(
                    json_equal(json_object_get(cv, "previous"), json_object_get(cv, "current")));
            }
        } else if (strcmp(key, "email") == 0) {
            assert_non_null(strchr(str_of(data, key), '@'));
        } else {
            assert_true(json_is_string(v));
            assert_true(strlen(json_string_value(v)) > 0);
        }
    }
    if (json_object_get(data, "created_at") != NULL && json_object_get(data, "updated_at")) {
        assert_true(strcmp(str_of(data, "created_at"), str_of(data, "updated_at")) <= 0);
    }
}

static void check_topic_specifics(const char *topic, const json_t *data)
{
    if (strcmp(topic, "message.received") == 0) {
        assert_string_equal(str_of(data, "direction"), "inbound");
    } else if (strcmp(topic, "message.sent") == 0) {
        assert_string_equal(str_of(data, "direction"), "outbound");
    } else if (strcmp(topic, "ticket.closed") == 0) {
        assert_string_equal(str_of(data, "status"), "closed");
        assert_true(strlen(str_of(data, "outcome")) > 0);
    } else if (strcmp(topic, "stage.changed") == 0) {
        assert_string_not_equal(str_of(data, "previous_stage_id"), str_of(data, "new_stage_id"));
        assert_string_not_equal(str_of(data, "previous_stage_name"),
                                str_of(data, "new_stage_name"));
    }
}

/* ---- every topic, both profiles ---- */

static void test_documented_every_topic(void **state)
{
    char iso[32];
    size_t i;
    uint64_t seed;

    (void)state;
    clock_iso8601(NOW_MS, iso, sizeof(iso));
    for (i = 0; i < N_CATALOGUE; i++) {
        for (seed = 1; seed <= SEEDS; seed++) {
            static const char *const top[] = {"id", "event", "timestamp", "data", NULL};
            struct event ev;
            json_t *root = build_ok(catalogue[i].topic, NULL, EVENT_PROFILE_DOCUMENTED, seed, &ev);
            json_t *data = json_object_get(root, "data");
            void *it = json_object_iter(root);
            size_t k;

            /* top-level keys exactly, in the documented order */
            for (k = 0; top[k] != NULL; k++) {
                assert_non_null(it);
                assert_string_equal(json_object_iter_key(it), top[k]);
                it = json_object_iter_next(root, it);
            }
            assert_null(it);
            assert_string_equal(str_of(root, "id"), ev.id);
            assert_int_equal(strlen(ev.id), IDS_EVENT_ID_LEN);
            assert_true(strncmp(ev.id, "evt_", 4) == 0);
            assert_string_equal(str_of(root, "event"), catalogue[i].topic);
            assert_string_equal(str_of(root, "timestamp"), iso);
            assert_string_equal(ev.topic, catalogue[i].topic);
            assert_int_equal(ev.created_ms, NOW_MS);
            assert_true(json_is_object(data));
            assert_keys_exactly(data, catalogue[i].doc, catalogue[i].topic);
            check_doc_values(catalogue[i].topic, data, iso);
            check_topic_specifics(catalogue[i].topic, data);
            json_decref(root);
            event_cleanup(&ev);
            assert_null(ev.body);
        }
    }
}

static void test_legacy_every_topic(void **state)
{
    size_t i;
    uint64_t seed;

    (void)state;
    for (i = 0; i < N_CATALOGUE; i++) {
        for (seed = 1; seed <= SEEDS; seed++) {
            struct event ev;
            json_t *root = build_ok(catalogue[i].topic, NULL, EVENT_PROFILE_LEGACY, seed, &ev);
            json_t *data = json_object_get(root, "data");
            const char *key = NULL;
            json_t *v = NULL;

            assert_int_equal(json_object_size(root), 3);
            assert_string_equal(str_of(root, "type"), catalogue[i].topic);
            assert_true(ids_is_uuid(str_of(root, "aiContactId")));
            /* the event id travels in the header only */
            assert_null(json_object_get(root, "id"));
            assert_null(strstr(ev.body, ev.id));
            assert_true(strncmp(ev.id, "evt_", 4) == 0);
            assert_keys_exactly(data, catalogue[i].legacy, catalogue[i].topic);
            json_object_foreach(data, key, v)
            {
                assert_null(strchr(key, '_')); /* camelCase only */
            }
            if (json_object_get(data, "fromNumber") != NULL) {
                /* digits only: 56 9 and eight digits */
                assert_true(is_digits(str_of(data, "fromNumber"), 11));
                assert_true(strncmp(str_of(data, "fromNumber"), "569", 3) == 0);
            }
            if (json_object_get(data, "contactId") != NULL) {
                assert_string_equal(str_of(data, "contactId"), str_of(root, "aiContactId"));
            }
            json_decref(root);
            event_cleanup(&ev);
        }
    }
}

/* One seed gives the same values in both profiles: the legacy shape is a
 * renaming of the documented one. */
static void test_profiles_agree(void **state)
{
    struct event a;
    struct event b;
    json_t *doc = NULL;
    json_t *leg = NULL;
    json_t *dd = NULL;
    json_t *ld = NULL;

    (void)state;
    doc = build_ok("message.received", NULL, EVENT_PROFILE_DOCUMENTED, 9, &a);
    leg = build_ok("message.received", NULL, EVENT_PROFILE_LEGACY, 9, &b);
    dd = json_object_get(doc, "data");
    ld = json_object_get(leg, "data");
    assert_string_equal(a.id, b.id);
    assert_string_equal(str_of(leg, "aiContactId"), str_of(dd, "contact_id"));
    assert_string_equal(str_of(ld, "fromNumber"), str_of(dd, "contact_phone") + 1);
    assert_string_equal(str_of(ld, "message"), str_of(dd, "message_body"));
    assert_string_equal(str_of(ld, "messageId"), str_of(dd, "message_id"));
    assert_string_equal(str_of(ld, "name"), str_of(dd, "contact_name"));
    assert_string_equal(str_of(ld, "stageId"), str_of(dd, "stage_id"));
    json_decref(doc);
    json_decref(leg);
    event_cleanup(&a);
    event_cleanup(&b);
}

/* Generated values are realistic: over many seeds some bodies carry emoji
 * (4-byte UTF-8), some names accents, and every platform shows up. */
static void test_values_realistic(void **state)
{
    bool emoji = false;
    bool accent = false;
    bool ascii_name = false;
    bool seen[5] = {false, false, false, false, false};
    uint64_t seed;
    size_t p;

    (void)state;
    for (seed = 1; seed <= 300; seed++) {
        struct event ev;
        json_t *root = build_ok("message.received", NULL, EVENT_PROFILE_DOCUMENTED, seed, &ev);
        json_t *data = json_object_get(root, "data");
        const unsigned char *body = (const unsigned char *)str_of(data, "message_body");
        const char *name = str_of(data, "contact_name");
        size_t i;

        for (i = 0; body[i] != '\0'; i++) {
            emoji = emoji || body[i] >= 0xF0;
        }
        accent = accent || strchr(name, '\xc3') != NULL;
        ascii_name = ascii_name || strchr(name, '\xc3') == NULL;
        for (p = 0; platforms[p] != NULL; p++) {
            seen[p] = seen[p] || strcmp(str_of(data, "platform"), platforms[p]) == 0;
        }
        json_decref(root);
        event_cleanup(&ev);
    }
    assert_true(emoji);
    assert_true(accent);
    assert_true(ascii_name);
    for (p = 0; platforms[p] != NULL; p++) {
        assert_true(seen[p]);
    }
}

/* ---- reproducibility ---- */

static void test_same_seed_same_bytes(void **state)
{
    static const enum event_profile profiles[] = {EVENT_PROFILE_DOCUMENTED, EVENT_PROFILE_LEGACY};
    json_t *ov = json_pack("{s:s, s:[i, i]}", "note", "hola 👋", "list", 1, 2);
    size_t i;
    size_t p;

    (void)state;
    assert_non_null(ov);
    for (i = 0; i < N_CATALOGUE; i++) {
        for (p = 0; p < 2; p++) {
            struct event a;
            struct event b;
            struct event c;
            struct rng ra;
            struct rng rb;
            struct rng rc;

            rng_seed(&ra, 42);
            rng_seed(&rb, 42);
            rng_seed(&rc, 43);
            assert_int_equal(
                event_build(catalogue[i].topic, ov, profiles[p], &ra, NOW_MS, &a, NULL), 0);
            assert_int_equal(
                event_build(catalogue[i].topic, ov, profiles[p], &rb, NOW_MS, &b, NULL), 0);
            assert_int_equal(
                event_build(catalogue[i].topic, ov, profiles[p], &rc, NOW_MS, &c, NULL), 0);
            assert_int_equal(a.body_len, b.body_len);
            assert_memory_equal(a.body, b.body, a.body_len);
            assert_string_equal(a.id, b.id);
            assert_string_not_equal(a.id, c.id);
            assert_false(a.body_len == c.body_len && memcmp(a.body, c.body, a.body_len) == 0);
            event_cleanup(&a);
            event_cleanup(&b);
            event_cleanup(&c);
        }
    }
    json_decref(ov);
}

/* Two events drawn one after the other from one rng differ. */
static void test_successive_events_differ(void **state)
{
    struct rng r;
    struct event a;
    struct event b;

    (void)state;
    rng_seed(&r, 5);
    assert_int_equal(
        event_build("ticket.created", NULL, EVENT_PROFILE_DOCUMENTED, &r, NOW_MS, &a, NULL), 0);
    assert_int_equal(
        event_build("ticket.created", NULL, EVENT_PROFILE_DOCUMENTED, &r, NOW_MS, &b, NULL), 0);
    assert_string_not_equal(a.id, b.id);
    assert_string_not_equal(a.body, b.body);
    event_cleanup(&a);
    event_cleanup(&b);
}

/* ---- overrides ---- */

static void test_override_merges(void **state)
{
    struct event ev;
    json_t *ov =
        json_pack("{s:s, s:{s:[i,b]}}", "message_body", "custom body", "extra_field", "k", 1, 1);
    json_t *root = NULL;
    json_t *data = NULL;
    size_t k;

    (void)state;
    assert_non_null(ov);
    root = build_ok("message.received", ov, EVENT_PROFILE_DOCUMENTED, 3, &ev);
    data = json_object_get(root, "data");
    assert_string_equal(str_of(data, "message_body"), "custom body");
    assert_true(
        json_equal(json_object_get(data, "extra_field"), json_object_get(ov, "extra_field")));
    /* every other generated field is still there */
    for (k = 0; doc_message[k] != NULL; k++) {
        assert_non_null(json_object_get(data, doc_message[k]));
    }
    assert_int_equal(json_object_size(data), 12);
    /* the caller's override is untouched */
    assert_int_equal(json_object_size(ov), 2);
    assert_int_equal(ov->refcount, 1);
    json_decref(root);
    event_cleanup(&ev);

    /* legacy: the override speaks the legacy keys */
    json_decref(ov);
    ov = json_pack("{s:s, s:n}", "message", "hi", "newKey");
    assert_non_null(ov);
    root = build_ok("message.received", ov, EVENT_PROFILE_LEGACY, 3, &ev);
    data = json_object_get(root, "data");
    assert_string_equal(str_of(data, "message"), "hi");
    assert_true(json_is_null(json_object_get(data, "newKey")));
    json_decref(root);
    event_cleanup(&ev);
    json_decref(ov);
}

/* An empty override changes nothing. */
static void test_override_empty(void **state)
{
    struct event a;
    struct event b;
    json_t *ov = json_object();
    json_t *ra = NULL;
    json_t *rb = NULL;

    (void)state;
    ra = build_ok("stage.changed", NULL, EVENT_PROFILE_DOCUMENTED, 11, &a);
    rb = build_ok("stage.changed", ov, EVENT_PROFILE_DOCUMENTED, 11, &b);
    assert_string_equal(a.body, b.body);
    json_decref(ra);
    json_decref(rb);
    json_decref(ov);
    event_cleanup(&a);
    event_cleanup(&b);
}

static void test_override_not_object(void **state)
{
    json_t *arr = json_pack("[s]", "x");
    json_t *str = json_string("x");
    json_t *num = json_integer(7);
    json_t *nul = json_null();

    (void)state;
    assert_string_equal(build_fail("message.received", arr), "data: must be a JSON object");
    assert_string_equal(build_fail("message.received", str), "data: must be a JSON object");
    assert_string_equal(build_fail("message.received", num), "data: must be a JSON object");
    assert_string_equal(build_fail("message.received", nul), "data: must be a JSON object");
    json_decref(arr);
    json_decref(str);
    json_decref(num);
    json_decref(nul);
}

/* An object nesting `levels` deep: {"a":{"a":...{}}} (an empty object is 1). */
static json_t *nest(size_t levels)
{
    json_t *j = json_object();
    size_t i;

    for (i = 1; i < levels; i++) {
        json_t *outer = json_object();
        assert_int_equal(json_object_set_new(outer, "a", j), 0);
        j = outer;
    }
    return j;
}

static void test_override_deep(void **state)
{
    json_t *ov = NULL;
    json_t *inner = NULL;
    size_t i;

    (void)state;
    /* 10 000 levels, arrays inside one object */
    inner = json_array();
    for (i = 0; i < 10000; i++) {
        json_t *outer = json_array();
        assert_int_equal(json_array_append_new(outer, inner), 0);
        inner = outer;
    }
    ov = json_object();
    assert_int_equal(json_object_set_new(ov, "deep", inner), 0);
    assert_string_equal(build_fail("message.received", ov), "data: nested deeper than 32 levels");
    json_decref(ov);

    ov = nest(10000);
    assert_string_equal(build_fail("ticket.updated", ov), "data: nested deeper than 32 levels");
    json_decref(ov);
}

/* The limit itself: 32 levels pass, 33 fail. */
static void test_override_depth_edge(void **state)
{
    struct event ev;
    json_t *ov = nest(EVENT_OVERRIDE_MAX_DEPTH);
    json_t *root = NULL;

    (void)state;
    root = build_ok("contact.created", ov, EVENT_PROFILE_DOCUMENTED, 2, &ev);
    assert_non_null(json_object_get(json_object_get(root, "data"), "a"));
    json_decref(root);
    event_cleanup(&ev);
    json_decref(ov);

    ov = nest(EVENT_OVERRIDE_MAX_DEPTH + 1);
    assert_string_equal(build_fail("contact.created", ov), "data: nested deeper than 32 levels");
    json_decref(ov);
}

/* A cycle (possible with jansson's API) is caught by the depth limit. */
static void test_override_cycle(void **state)
{
    json_t *ov = json_object();
    json_t *arr = json_array();

    (void)state;
    assert_int_equal(json_object_set(ov, "loop", arr), 0);
    assert_int_equal(json_array_append(arr, ov), 0);
    assert_string_equal(build_fail("message.sent", ov), "data: nested deeper than 32 levels");
    json_array_clear(arr); /* break the cycle before releasing */
    json_decref(arr);
    json_decref(ov);
}

static void test_override_too_big(void **state)
{
    size_t n = 300 * 1024;
    char *big = malloc(n + 1);
    json_t *ov = NULL;
    size_t i;

    (void)state;
    assert_non_null(big);
    memset(big, 'x', n);
    big[n] = '\0';
    ov = json_object();
    assert_int_equal(json_object_set_new(ov, "big", json_string(big)), 0);
    assert_string_equal(build_fail("message.received", ov),
                        "data: larger than 262144 bytes as JSON");
    json_decref(ov);
    free(big);

    /* many small members adding up past the limit */
    ov = json_object();
    for (i = 0; i < 20000; i++) {
        char key[32];
        snprintf(key, sizeof(key), "key_%05zu", i);
        assert_int_equal(json_object_set_new(ov, key, json_string("value")), 0);
    }
    assert_string_equal(build_fail("message.received", ov),
                        "data: larger than 262144 bytes as JSON");
    json_decref(ov);
}

/* Exactly the limit passes, one byte more fails. */
static void test_override_size_edge(void **state)
{
    /* {"b":"…"} is 8 bytes plus the string */
    size_t n = EVENT_OVERRIDE_MAX_BYTES - 8;
    char *s = malloc(n + 2);
    json_t *ov = NULL;
    json_t *root = NULL;
    struct event ev;

    (void)state;
    assert_non_null(s);
    memset(s, 'y', n + 1);
    s[n] = '\0';
    ov = json_object();
    assert_int_equal(json_object_set_new(ov, "b", json_string(s)), 0);
    root = build_ok("message.received", ov, EVENT_PROFILE_DOCUMENTED, 1, &ev);
    assert_int_equal(strlen(str_of(json_object_get(root, "data"), "b")), n);
    json_decref(root);
    event_cleanup(&ev);
    json_decref(ov);

    s[n] = 'y';
    s[n + 1] = '\0';
    ov = json_object();
    assert_int_equal(json_object_set_new(ov, "b", json_string(s)), 0);
    assert_string_equal(build_fail("message.received", ov),
                        "data: larger than 262144 bytes as JSON");
    json_decref(ov);
    free(s);
}

/* Values jansson lets a caller build that are not valid JSON text never
 * yield an invalid body; odd but valid ones go through. */
static void test_override_strange_values(void **state)
{
    struct event ev;
    json_t *ov = json_object();
    json_t *root = NULL;
    const char *msg = NULL;

    (void)state;
    assert_int_equal(json_object_set_new(ov, "bad", json_string_nocheck("\xff\xfe")), 0);
    msg = build_fail("message.received", ov);
    assert_true(strncmp(msg, "data: ", 6) == 0);
    json_decref(ov);

    ov = json_object();
    assert_int_equal(json_object_set_new_nocheck(ov, "\xc3(", json_true()), 0);
    msg = build_fail("message.received", ov);
    assert_string_equal(msg, "data: a key is not valid UTF-8");
    json_decref(ov);

    /* NUL, quotes, control characters, U+2028: escaped, valid */
    ov = json_object();
    assert_int_equal(json_object_set_new(ov, "nul", json_stringn("a\0b", 3)), 0);
    assert_int_equal(json_object_set_new(ov, "q\"\\", json_string("\"\n\t\x01\xe2\x80\xa8")), 0);
    root = build_ok("message.received", ov, EVENT_PROFILE_DOCUMENTED, 1, &ev);
    assert_int_equal(json_string_length(json_object_get(json_object_get(root, "data"), "nul")), 3);
    assert_null(memchr(ev.body, '\0', ev.body_len));
    json_decref(root);
    event_cleanup(&ev);
    json_decref(ov);
}

/* An override checked once builds the same bytes as event_build, event
 * after event; the check refuses what event_build refuses, with its words. */
static void test_override_checked_once(void **state)
{
    static const enum event_profile profiles[] = {EVENT_PROFILE_DOCUMENTED, EVENT_PROFILE_STRIPE,
                                                  EVENT_PROFILE_GITHUB};
    struct event_override ov;
    struct err e = {0};
    json_t *data = json_pack("{s:s, s:{s:i}}", "text", "hola", "extra", "n", 3);
    json_t *bad = json_object();
    struct rng ra;
    struct rng rb;

    (void)state;
    assert_int_equal(event_override_check(data, &ov, &e), 0);
    for (size_t p = 0; p < sizeof(profiles) / sizeof(profiles[0]); p++) {
        const char *topic = event_profile_default_type(profiles[p]);

        rng_seed(&ra, 7);
        rng_seed(&rb, 7);
        for (int i = 0; i < 3; i++) {
            struct event a;
            struct event b;

            assert_int_equal(event_build(topic, data, profiles[p], &ra, NOW_MS, &a, &e), 0);
            assert_int_equal(event_build_checked(topic, &ov, profiles[p], &rb, NOW_MS, &b, &e), 0);
            assert_string_equal(a.id, b.id);
            assert_int_equal(a.body_len, b.body_len);
            assert_memory_equal(a.body, b.body, a.body_len);
            event_cleanup(&a);
            event_cleanup(&b);
        }
    }
    assert_int_equal(event_override_check(NULL, &ov, &e), 0);
    assert_null(ov.data);

    assert_int_equal(json_object_set_new_nocheck(bad, "\xc3(", json_true()), 0);
    ov.data = data;
    assert_int_equal(event_override_check(bad, &ov, &e), -1);
    assert_string_equal(e.msg, "data: a key is not valid UTF-8");
    assert_null(ov.data);
    assert_int_equal(event_override_check(json_object_get(data, "text"), &ov, &e), -1);
    assert_string_equal(e.msg, "data: must be a JSON object");
    json_decref(bad);
    json_decref(data);
}

/* ---- topics ---- */

static void test_unknown_topic(void **state)
{
    static const char *const names[] = {"order.shipped", "pedido.creado✓", "x", "a b", NULL};
    size_t i;

    (void)state;
    for (i = 0; names[i] != NULL; i++) {
        struct event ev;
        json_t *root = build_ok(names[i], NULL, EVENT_PROFILE_DOCUMENTED, 4, &ev);
        json_t *data = json_object_get(root, "data");

        assert_string_equal(str_of(root, "event"), names[i]);
        assert_string_equal(ev.topic, names[i]);
        assert_true(json_is_object(data));
        assert_true(json_object_size(data) >= 2);
        assert_true(ids_is_uuid(str_of(data, "contact_id")));
        json_decref(root);
        event_cleanup(&ev);

        root = build_ok(names[i], NULL, EVENT_PROFILE_LEGACY, 4, &ev);
        assert_string_equal(str_of(root, "type"), names[i]);
        assert_true(ids_is_uuid(str_of(root, "aiContactId")));
        assert_true(json_is_object(json_object_get(root, "data")));
        json_decref(root);
        event_cleanup(&ev);
    }
}

static void test_topic_length_edge(void **state)
{
    char name[129];
    struct event ev;
    json_t *root = NULL;
    const char *msg = NULL;

    (void)state;
    memset(name, 't', 127);
    name[127] = '\0';
    root = build_ok(name, NULL, EVENT_PROFILE_DOCUMENTED, 1, &ev);
    assert_string_equal(ev.topic, name);
    json_decref(root);
    event_cleanup(&ev);

    name[127] = 't';
    name[128] = '\0';
    msg = build_fail(name, NULL);
    assert_true(strncmp(msg, "topic: ", 7) == 0);
    assert_non_null(strstr(msg, "longer than 127"));
}

static void test_bad_topics(void **state)
{
    static const char *const bad[] = {"",         "a\tb",         "a\nb",
                                      "\x7f",     "a\x1b[31m",    "\xc3",
                                      "\xc3(",    "\xed\xa0\x80", /* a surrogate */
                                      "\xc0\xae",                 /* an overlong '.' */
                                      "\xc2\x85",                 /* U+0085, a C1 control */
                                      " lead",    "trail ",       NULL};
    size_t i;

    (void)state;
    assert_string_equal(build_fail(NULL, NULL), "topic: must not be empty");
    assert_string_equal(build_fail("", NULL), "topic: must not be empty");
    for (i = 0; bad[i] != NULL; i++) {
        const char *msg = build_fail(bad[i], NULL);
        if (strncmp(msg, "topic: ", 7) != 0) {
            fail_msg("bad topic %zu: message '%s'", i, msg);
        }
    }
}

static void test_alias(void **state)
{
    struct event a;
    struct event b;
    json_t *ra = NULL;
    json_t *rb = NULL;

    (void)state;
    ra = build_ok("ticket.opened", NULL, EVENT_PROFILE_DOCUMENTED, 8, &a);
    rb = build_ok("ticket.created", NULL, EVENT_PROFILE_DOCUMENTED, 8, &b);
    /* the alias stays in the body, the data is a ticket.created's */
    assert_string_equal(str_of(ra, "event"), "ticket.opened");
    assert_string_equal(a.topic, "ticket.opened");
    assert_keys_exactly(json_object_get(ra, "data"), doc_ticket_created, "ticket.opened");
    assert_true(json_equal(json_object_get(ra, "data"), json_object_get(rb, "data")));
    json_decref(ra);
    json_decref(rb);
    event_cleanup(&a);
    event_cleanup(&b);

    ra = build_ok("ticket.opened", NULL, EVENT_PROFILE_LEGACY, 8, &a);
    assert_string_equal(str_of(ra, "type"), "ticket.opened");
    assert_keys_exactly(json_object_get(ra, "data"), leg_ticket_created, "ticket.opened legacy");
    json_decref(ra);
    event_cleanup(&a);
}

/* ---- ids ---- */

static void test_with_id(void **state)
{
    struct rng r;
    struct err e = {{0}};
    struct event ev;
    struct event again;
    json_t *root = NULL;
    json_error_t je;

    (void)state;
    rng_seed(&r, 77);
    assert_int_equal(event_build_with_id("message.received", "evt_custom_1", NULL,
                                         EVENT_PROFILE_DOCUMENTED, &r, NOW_MS, &ev, &e),
                     0);
    assert_string_equal(ev.id, "evt_custom_1");
    root = json_loadb(ev.body, ev.body_len, 0, &je);
    assert_non_null(root);
    assert_string_equal(str_of(root, "id"), "evt_custom_1");
    json_decref(root);
    event_cleanup(&ev);

    /* legacy: the id is kept for the header, absent from the body */
    rng_seed(&r, 77);
    assert_int_equal(event_build_with_id("message.received", "evt_custom_1", NULL,
                                         EVENT_PROFILE_LEGACY, &r, NOW_MS, &ev, &e),
                     0);
    assert_string_equal(ev.id, "evt_custom_1");
    assert_null(strstr(ev.body, "evt_custom_1"));
    event_cleanup(&ev);

    /* rebuilding an event from its seed and id gives its bytes */
    rng_seed(&r, 12);
    assert_int_equal(
        event_build("stage.changed", NULL, EVENT_PROFILE_DOCUMENTED, &r, NOW_MS, &ev, &e), 0);
    rng_seed(&r, 12);
    assert_int_equal(event_build_with_id("stage.changed", ev.id, NULL, EVENT_PROFILE_DOCUMENTED, &r,
                                         NOW_MS, &again, &e),
                     0);
    assert_string_equal(ev.body, again.body);
    event_cleanup(&ev);
    event_cleanup(&again);
}

static void test_with_bad_id(void **state)
{
    static const char *const bad[] = {"",
                                      "evt with space",
                                      "evt_\n",
                                      "evt_\xc3\xa9",
                                      "evt_0123456789abcdef012345678", /* 29 bytes */
                                      NULL};
    struct rng r;
    struct err e;
    struct event ev;
    size_t i;

    (void)state;
    for (i = 0; bad[i] != NULL; i++) {
        memset(&e, 0, sizeof(e));
        rng_seed(&r, 1);
        assert_int_equal(event_build_with_id("message.sent", bad[i], NULL, EVENT_PROFILE_DOCUMENTED,
                                             &r, NOW_MS, &ev, &e),
                         -1);
        assert_null(ev.body);
        assert_true(strncmp(e.msg, "event_id: ", 10) == 0);
    }
    memset(&e, 0, sizeof(e));
    assert_int_equal(event_build_with_id("message.sent", NULL, NULL, EVENT_PROFILE_DOCUMENTED, &r,
                                         NOW_MS, &ev, &e),
                     -1);
    assert_string_equal(e.msg, "event_id: must not be empty");
}

/* ---- profiles ---- */

static void test_profile_parse(void **state)
{
    static const char *const bad[] = {"",    "Documented", "LEGACY", "documented ",
                                      "doc", "json",       NULL};
    enum event_profile p = EVENT_PROFILE_LEGACY;
    struct err e;
    size_t i;

    (void)state;
    assert_int_equal(event_profile_parse("documented", &p, NULL), 0);
    assert_int_equal(p, EVENT_PROFILE_DOCUMENTED);
    assert_int_equal(event_profile_parse("legacy", &p, NULL), 0);
    assert_int_equal(p, EVENT_PROFILE_LEGACY);
    assert_string_equal(event_profile_name(EVENT_PROFILE_DOCUMENTED), "documented");
    assert_string_equal(event_profile_name(EVENT_PROFILE_LEGACY), "legacy");

    for (i = 0; bad[i] != NULL; i++) {
        memset(&e, 0, sizeof(e));
        p = EVENT_PROFILE_LEGACY;
        assert_int_equal(event_profile_parse(bad[i], &p, &e), -1);
        assert_int_equal(p, EVENT_PROFILE_LEGACY); /* untouched */
        assert_non_null(strstr(e.msg, "profile"));
        assert_non_null(strstr(
            e.msg, "use documented, legacy, standard-webhooks, github, stripe, shopify or slack"));
    }
    memset(&e, 0, sizeof(e));
    assert_int_equal(event_profile_parse("garbage", &p, &e), -1);
    assert_string_equal(e.msg, "profile: unknown payload profile 'garbage' (use documented, "
                               "legacy, standard-webhooks, github, stripe, shopify or slack)");
    /* control characters are never echoed */
    memset(&e, 0, sizeof(e));
    assert_int_equal(event_profile_parse("\x1b[2J", &p, &e), -1);
    assert_null(strchr(e.msg, '\x1b'));
    memset(&e, 0, sizeof(e));
    assert_int_equal(event_profile_parse(NULL, &p, &e), -1);
    assert_true(strlen(e.msg) > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_documented_every_topic),
        cmocka_unit_test(test_legacy_every_topic),
        cmocka_unit_test(test_profiles_agree),
        cmocka_unit_test(test_values_realistic),
        cmocka_unit_test(test_same_seed_same_bytes),
        cmocka_unit_test(test_successive_events_differ),
        cmocka_unit_test(test_override_merges),
        cmocka_unit_test(test_override_empty),
        cmocka_unit_test(test_override_not_object),
        cmocka_unit_test(test_override_deep),
        cmocka_unit_test(test_override_depth_edge),
        cmocka_unit_test(test_override_cycle),
        cmocka_unit_test(test_override_too_big),
        cmocka_unit_test(test_override_size_edge),
        cmocka_unit_test(test_override_strange_values),
        cmocka_unit_test(test_override_checked_once),
        cmocka_unit_test(test_unknown_topic),
        cmocka_unit_test(test_topic_length_edge),
        cmocka_unit_test(test_bad_topics),
        cmocka_unit_test(test_alias),
        cmocka_unit_test(test_with_id),
        cmocka_unit_test(test_with_bad_id),
        cmocka_unit_test(test_profile_parse),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
