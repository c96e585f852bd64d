/* core/event: delivery bodies of every topic in both profiles, their
 * values, and reproducibility. Overrides are in test_event_override.c,
 * topic names, ids and profile names in test_event_names.c. */
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
#include "support/event_fx.h"

#define SEEDS 40

/* ---- helpers ---- */

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
            if (!ids_is_uuid(event_fx_str(data, key))) {
                fail_msg("%s: %s is not a UUID", topic, key);
            }
        } else if (has_suffix(key, "_at")) {
            assert_true(is_iso(event_fx_str(data, key)));
            /* nothing happens after the event is sent */
            assert_true(strcmp(event_fx_str(data, key), timestamp) <= 0);
        } else if (strcmp(key, "phone") == 0 || strcmp(key, "contact_phone") == 0) {
            const char *p = event_fx_str(data, key);
            assert_true(strncmp(p, "+569", 4) == 0);
            assert_true(is_digits(p + 1, 11));
        } else if (strcmp(key, "platform") == 0) {
            assert_true(in_set(event_fx_str(data, key), platforms));
        } else if (strcmp(key, "chat_status") == 0) {
            assert_true(in_set(event_fx_str(data, key), chat_statuses));
        } else if (strcmp(key, "currency") == 0) {
            assert_true(in_set(event_fx_str(data, key), currencies));
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
            assert_non_null(strchr(event_fx_str(data, key), '@'));
        } else {
            assert_true(json_is_string(v));
            assert_true(strlen(json_string_value(v)) > 0);
        }
    }
    if (json_object_get(data, "created_at") != NULL && json_object_get(data, "updated_at")) {
        assert_true(strcmp(event_fx_str(data, "created_at"), event_fx_str(data, "updated_at")) <=
                    0);
    }
}

static void check_topic_specifics(const char *topic, const json_t *data)
{
    if (strcmp(topic, "message.received") == 0) {
        assert_string_equal(event_fx_str(data, "direction"), "inbound");
    } else if (strcmp(topic, "message.sent") == 0) {
        assert_string_equal(event_fx_str(data, "direction"), "outbound");
    } else if (strcmp(topic, "ticket.closed") == 0) {
        assert_string_equal(event_fx_str(data, "status"), "closed");
        assert_true(strlen(event_fx_str(data, "outcome")) > 0);
    } else if (strcmp(topic, "stage.changed") == 0) {
        assert_string_not_equal(event_fx_str(data, "previous_stage_id"),
                                event_fx_str(data, "new_stage_id"));
        assert_string_not_equal(event_fx_str(data, "previous_stage_name"),
                                event_fx_str(data, "new_stage_name"));
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
            json_t *root = event_fx_build_ok(event_fx_catalogue[i].topic, NULL,
                                             EVENT_PROFILE_DOCUMENTED, seed, &ev);
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
            assert_string_equal(event_fx_str(root, "id"), ev.id);
            assert_int_equal(strlen(ev.id), IDS_EVENT_ID_LEN);
            assert_true(strncmp(ev.id, "evt_", 4) == 0);
            assert_string_equal(event_fx_str(root, "event"), event_fx_catalogue[i].topic);
            assert_string_equal(event_fx_str(root, "timestamp"), iso);
            assert_string_equal(ev.topic, event_fx_catalogue[i].topic);
            assert_int_equal(ev.created_ms, NOW_MS);
            assert_true(json_is_object(data));
            event_fx_keys_exactly(data, event_fx_catalogue[i].doc, event_fx_catalogue[i].topic);
            check_doc_values(event_fx_catalogue[i].topic, data, iso);
            check_topic_specifics(event_fx_catalogue[i].topic, data);
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
            json_t *root = event_fx_build_ok(event_fx_catalogue[i].topic, NULL,
                                             EVENT_PROFILE_LEGACY, seed, &ev);
            json_t *data = json_object_get(root, "data");
            const char *key = NULL;
            json_t *v = NULL;

            assert_int_equal(json_object_size(root), 3);
            assert_string_equal(event_fx_str(root, "type"), event_fx_catalogue[i].topic);
            assert_true(ids_is_uuid(event_fx_str(root, "aiContactId")));
            /* the event id travels in the header only */
            assert_null(json_object_get(root, "id"));
            assert_null(strstr(ev.body, ev.id));
            assert_true(strncmp(ev.id, "evt_", 4) == 0);
            event_fx_keys_exactly(data, event_fx_catalogue[i].legacy, event_fx_catalogue[i].topic);
            json_object_foreach(data, key, v)
            {
                assert_null(strchr(key, '_')); /* camelCase only */
            }
            if (json_object_get(data, "fromNumber") != NULL) {
                /* digits only: 56 9 and eight digits */
                assert_true(is_digits(event_fx_str(data, "fromNumber"), 11));
                assert_true(strncmp(event_fx_str(data, "fromNumber"), "569", 3) == 0);
            }
            if (json_object_get(data, "contactId") != NULL) {
                assert_string_equal(event_fx_str(data, "contactId"),
                                    event_fx_str(root, "aiContactId"));
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
    doc = event_fx_build_ok("message.received", NULL, EVENT_PROFILE_DOCUMENTED, 9, &a);
    leg = event_fx_build_ok("message.received", NULL, EVENT_PROFILE_LEGACY, 9, &b);
    dd = json_object_get(doc, "data");
    ld = json_object_get(leg, "data");
    assert_string_equal(a.id, b.id);
    assert_string_equal(event_fx_str(leg, "aiContactId"), event_fx_str(dd, "contact_id"));
    assert_string_equal(event_fx_str(ld, "fromNumber"), event_fx_str(dd, "contact_phone") + 1);
    assert_string_equal(event_fx_str(ld, "message"), event_fx_str(dd, "message_body"));
    assert_string_equal(event_fx_str(ld, "messageId"), event_fx_str(dd, "message_id"));
    assert_string_equal(event_fx_str(ld, "name"), event_fx_str(dd, "contact_name"));
    assert_string_equal(event_fx_str(ld, "stageId"), event_fx_str(dd, "stage_id"));
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
        json_t *root =
            event_fx_build_ok("message.received", NULL, EVENT_PROFILE_DOCUMENTED, seed, &ev);
        json_t *data = json_object_get(root, "data");
        const unsigned char *body = (const unsigned char *)event_fx_str(data, "message_body");
        const char *name = event_fx_str(data, "contact_name");
        size_t i;

        for (i = 0; body[i] != '\0'; i++) {
            emoji = emoji || body[i] >= 0xF0;
        }
        accent = accent || strchr(name, '\xc3') != NULL;
        ascii_name = ascii_name || strchr(name, '\xc3') == NULL;
        for (p = 0; platforms[p] != NULL; p++) {
            seen[p] = seen[p] || strcmp(event_fx_str(data, "platform"), platforms[p]) == 0;
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
                event_build(event_fx_catalogue[i].topic, ov, profiles[p], &ra, NOW_MS, &a, NULL),
                0);
            assert_int_equal(
                event_build(event_fx_catalogue[i].topic, ov, profiles[p], &rb, NOW_MS, &b, NULL),
                0);
            assert_int_equal(
                event_build(event_fx_catalogue[i].topic, ov, profiles[p], &rc, NOW_MS, &c, NULL),
                0);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_documented_every_topic),
        cmocka_unit_test(test_legacy_every_topic),
        cmocka_unit_test(test_profiles_agree),
        cmocka_unit_test(test_values_realistic),
        cmocka_unit_test(test_same_seed_same_bytes),
        cmocka_unit_test(test_successive_events_differ),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
