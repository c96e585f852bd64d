/* core/event: unknown topics and topic names at the edges, aliases, events
 * with a given id, and profile names. */
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

/* ---- topics ---- */

static void test_unknown_topic(void **state)
{
    static const char *const names[] = {"order.shipped", "pedido.creado✓", "x", "a b", NULL};
    size_t i;

    (void)state;
    for (i = 0; names[i] != NULL; i++) {
        struct event ev;
        json_t *root = event_fx_build_ok(names[i], NULL, EVENT_PROFILE_DOCUMENTED, 4, &ev);
        json_t *data = json_object_get(root, "data");

        assert_string_equal(event_fx_str(root, "event"), names[i]);
        assert_string_equal(ev.topic, names[i]);
        assert_true(json_is_object(data));
        assert_true(json_object_size(data) >= 2);
        assert_true(ids_is_uuid(event_fx_str(data, "contact_id")));
        json_decref(root);
        event_cleanup(&ev);

        root = event_fx_build_ok(names[i], NULL, EVENT_PROFILE_LEGACY, 4, &ev);
        assert_string_equal(event_fx_str(root, "type"), names[i]);
        assert_true(ids_is_uuid(event_fx_str(root, "aiContactId")));
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
    root = event_fx_build_ok(name, NULL, EVENT_PROFILE_DOCUMENTED, 1, &ev);
    assert_string_equal(ev.topic, name);
    json_decref(root);
    event_cleanup(&ev);

    name[127] = 't';
    name[128] = '\0';
    msg = event_fx_build_fail(name, NULL);
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
    assert_string_equal(event_fx_build_fail(NULL, NULL), "topic: must not be empty");
    assert_string_equal(event_fx_build_fail("", NULL), "topic: must not be empty");
    for (i = 0; bad[i] != NULL; i++) {
        const char *msg = event_fx_build_fail(bad[i], NULL);
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
    ra = event_fx_build_ok("ticket.opened", NULL, EVENT_PROFILE_DOCUMENTED, 8, &a);
    rb = event_fx_build_ok("ticket.created", NULL, EVENT_PROFILE_DOCUMENTED, 8, &b);
    /* the alias stays in the body, the data is a ticket.created's */
    assert_string_equal(event_fx_str(ra, "event"), "ticket.opened");
    assert_string_equal(a.topic, "ticket.opened");
    event_fx_keys_exactly(json_object_get(ra, "data"), event_fx_doc_ticket_created,
                          "ticket.opened");
    assert_true(json_equal(json_object_get(ra, "data"), json_object_get(rb, "data")));
    json_decref(ra);
    json_decref(rb);
    event_cleanup(&a);
    event_cleanup(&b);

    ra = event_fx_build_ok("ticket.opened", NULL, EVENT_PROFILE_LEGACY, 8, &a);
    assert_string_equal(event_fx_str(ra, "type"), "ticket.opened");
    event_fx_keys_exactly(json_object_get(ra, "data"), event_fx_leg_ticket_created,
                          "ticket.opened legacy");
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
    assert_string_equal(event_fx_str(root, "id"), "evt_custom_1");
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
        cmocka_unit_test(test_unknown_topic), cmocka_unit_test(test_topic_length_edge),
        cmocka_unit_test(test_bad_topics),    cmocka_unit_test(test_alias),
        cmocka_unit_test(test_with_id),       cmocka_unit_test(test_with_bad_id),
        cmocka_unit_test(test_profile_parse),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
