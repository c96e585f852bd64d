/* core/event: overrides, friendly and hostile (empty, not an object, deep,
 * cyclic, too big, strange values), merged into the delivery body. */
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
    root = event_fx_build_ok("message.received", ov, EVENT_PROFILE_DOCUMENTED, 3, &ev);
    data = json_object_get(root, "data");
    assert_string_equal(event_fx_str(data, "message_body"), "custom body");
    assert_true(
        json_equal(json_object_get(data, "extra_field"), json_object_get(ov, "extra_field")));
    /* every other generated field is still there */
    for (k = 0; event_fx_doc_message[k] != NULL; k++) {
        assert_non_null(json_object_get(data, event_fx_doc_message[k]));
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
    root = event_fx_build_ok("message.received", ov, EVENT_PROFILE_LEGACY, 3, &ev);
    data = json_object_get(root, "data");
    assert_string_equal(event_fx_str(data, "message"), "hi");
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
    ra = event_fx_build_ok("stage.changed", NULL, EVENT_PROFILE_DOCUMENTED, 11, &a);
    rb = event_fx_build_ok("stage.changed", ov, EVENT_PROFILE_DOCUMENTED, 11, &b);
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
    assert_string_equal(event_fx_build_fail("message.received", arr),
                        "data: must be a JSON object");
    assert_string_equal(event_fx_build_fail("message.received", str),
                        "data: must be a JSON object");
    assert_string_equal(event_fx_build_fail("message.received", num),
                        "data: must be a JSON object");
    assert_string_equal(event_fx_build_fail("message.received", nul),
                        "data: must be a JSON object");
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
    assert_string_equal(event_fx_build_fail("message.received", ov),
                        "data: nested deeper than 32 levels");
    json_decref(ov);

    ov = nest(10000);
    assert_string_equal(event_fx_build_fail("ticket.updated", ov),
                        "data: nested deeper than 32 levels");
    json_decref(ov);
}

/* The limit itself: 32 levels pass, 33 fail. */
static void test_override_depth_edge(void **state)
{
    struct event ev;
    json_t *ov = nest(EVENT_OVERRIDE_MAX_DEPTH);
    json_t *root = NULL;

    (void)state;
    root = event_fx_build_ok("contact.created", ov, EVENT_PROFILE_DOCUMENTED, 2, &ev);
    assert_non_null(json_object_get(json_object_get(root, "data"), "a"));
    json_decref(root);
    event_cleanup(&ev);
    json_decref(ov);

    ov = nest(EVENT_OVERRIDE_MAX_DEPTH + 1);
    assert_string_equal(event_fx_build_fail("contact.created", ov),
                        "data: nested deeper than 32 levels");
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
    assert_string_equal(event_fx_build_fail("message.sent", ov),
                        "data: nested deeper than 32 levels");
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
    assert_string_equal(event_fx_build_fail("message.received", ov),
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
    assert_string_equal(event_fx_build_fail("message.received", ov),
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
    root = event_fx_build_ok("message.received", ov, EVENT_PROFILE_DOCUMENTED, 1, &ev);
    assert_int_equal(strlen(event_fx_str(json_object_get(root, "data"), "b")), n);
    json_decref(root);
    event_cleanup(&ev);
    json_decref(ov);

    s[n] = 'y';
    s[n + 1] = '\0';
    ov = json_object();
    assert_int_equal(json_object_set_new(ov, "b", json_string(s)), 0);
    assert_string_equal(event_fx_build_fail("message.received", ov),
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
    msg = event_fx_build_fail("message.received", ov);
    assert_true(strncmp(msg, "data: ", 6) == 0);
    json_decref(ov);

    ov = json_object();
    assert_int_equal(json_object_set_new_nocheck(ov, "\xc3(", json_true()), 0);
    msg = event_fx_build_fail("message.received", ov);
    assert_string_equal(msg, "data: a key is not valid UTF-8");
    json_decref(ov);

    /* NUL, quotes, control characters, U+2028: escaped, valid */
    ov = json_object();
    assert_int_equal(json_object_set_new(ov, "nul", json_stringn("a\0b", 3)), 0);
    assert_int_equal(json_object_set_new(ov, "q\"\\", json_string("\"\n\t\x01\xe2\x80\xa8")), 0);
    root = event_fx_build_ok("message.received", ov, EVENT_PROFILE_DOCUMENTED, 1, &ev);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
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
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
