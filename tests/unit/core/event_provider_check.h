/* Helpers shared by the tests of core/event's provider profiles
 * (test_event_provider*.c): build an event and parse its body, read members
 * of a given JSON type, check id and time formats. Static inline so a test
 * that uses only some of them builds without warnings. */
#ifndef TESTS_UNIT_CORE_EVENT_PROVIDER_CHECK_H
#define TESTS_UNIT_CORE_EVENT_PROVIDER_CHECK_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above. */
#include <cmocka.h>
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/event.h"
#include "core/rng.h"

/* 2024-09-30T10:00:00.123Z */
#define NOW_MS   1727690400123ull
#define NOW_SECS 1727690400ll
#define SEEDS    25

#define ALNUM "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
#define UPPER "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
#define HEX   "0123456789abcdef"

#define E8 "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
#define LONG_UTF8_TYPE                                                                             \
    E8 E8 E8 E8 E8 E8 E8 "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"

/* Builds an event that must succeed (id NULL: drawn) and returns its parsed
 * body, an object the caller releases. */
static inline json_t *build_seeded(const char *type, const char *id, const json_t *override,
                                   enum event_profile p, uint64_t seed, struct event *ev)
{
    struct rng r;
    struct err e = {{0}};
    json_error_t je;
    json_t *root;
    int rc;

    rng_seed(&r, seed);
    rc = id == NULL ? event_build(type, override, p, &r, NOW_MS, ev, &e)
                    : event_build_with_id(type, id, override, p, &r, NOW_MS, ev, &e);
    if (rc != 0) {
        fail_msg("%s %s failed: %s", event_profile_name(p), type, e.msg);
    }
    assert_int_equal(strlen(ev->body), ev->body_len);
    assert_string_equal(ev->topic, type);
    assert_int_equal(ev->created_ms, NOW_MS);
    root = json_loadb(ev->body, ev->body_len, JSON_REJECT_DUPLICATES, &je);
    if (!json_is_object(root)) {
        fail_msg("%s %s: not a JSON object (%s): %s", event_profile_name(p), type, je.text,
                 ev->body);
    }
    return root;
}

static inline json_t *get_kind(const json_t *o, const char *key, json_type t)
{
    json_t *v = json_object_get(o, key);

    if (v == NULL || json_typeof(v) != t) {
        fail_msg("member %s missing or of type %d, not %d", key, v ? (int)json_typeof(v) : -1,
                 (int)t);
    }
    return v;
}

static inline const char *str_of(const json_t *o, const char *key)
{
    return json_string_value(get_kind(o, key, JSON_STRING));
}

static inline json_int_t int_of(const json_t *o, const char *key)
{
    return json_integer_value(get_kind(o, key, JSON_INTEGER));
}

static inline json_t *obj_of(const json_t *o, const char *key)
{
    return get_kind(o, key, JSON_OBJECT);
}

static inline bool is_bool(const json_t *o, const char *key)
{
    return json_is_boolean(json_object_get(o, key));
}

/* s is prefix then exactly n characters of charset. */
static inline bool is_token(const char *s, const char *prefix, const char *charset, size_t n)
{
    size_t lp = strlen(prefix);

    return s != NULL && strncmp(s, prefix, lp) == 0 && strlen(s) == lp + n &&
           strspn(s + lp, charset) == n;
}

/* "2024-09-30T06:00:00-04:00" (zulu false) or "2024-09-30T10:00:00Z". */
static inline bool is_time(const char *s, bool zulu)
{
    const char *form = zulu ? "dddd-dd-ddTdd:dd:ddZ" : "dddd-dd-ddTdd:dd:dd+dd:dd";
    size_t i;

    if (s == NULL || strlen(s) != strlen(form)) {
        return false;
    }
    for (i = 0; form[i] != '\0'; i++) {
        bool ok = form[i] == 'd'   ? isdigit((unsigned char)s[i]) != 0
                  : form[i] == '+' ? s[i] == '+' || s[i] == '-'
                                   : s[i] == form[i];
        if (!ok) {
            return false;
        }
    }
    return true;
}

static inline bool in_list(const char *s, const char *const *list)
{
    for (; s != NULL && *list != NULL; list++) {
        if (strcmp(s, *list) == 0) {
            return true;
        }
    }
    return false;
}

static inline size_t count_types(enum event_profile p)
{
    const char *const *t = event_profile_types(p);
    size_t n = 0;

    assert_non_null(t);
    while (t[n] != NULL) {
        n++;
    }
    return n;
}

/* Checks one event's body; type is the one it was built for. */
typedef void (*body_check_fn)(const json_t *root, const struct event *ev, const char *type);

/* Every listed type of p over SEEDS seeds, then three types p does not
 * know, each checked by check. */
static inline void check_every_type(enum event_profile p, body_check_fn check)
{
    /* the last: 126 bytes of "é", no dot (a whole type names Stripe's object) */
    static const char *const unknown[] = {"future.thing", "future/thing", "future_thing",
                                          LONG_UTF8_TYPE, NULL};
    const char *const *types = event_profile_types(p);

    assert_non_null(types);
    for (size_t t = 0; types[t] != NULL; t++) {
        for (uint64_t seed = 1; seed <= SEEDS; seed++) {
            struct event ev;
            json_t *root = build_seeded(types[t], NULL, NULL, p, seed, &ev);

            check(root, &ev, types[t]);
            json_decref(root);
            event_cleanup(&ev);
        }
    }
    for (size_t u = 0; unknown[u] != NULL; u++) {
        struct event ev;
        json_t *root = build_seeded(unknown[u], NULL, NULL, p, 7, &ev);

        check(root, &ev, unknown[u]);
        json_decref(root);
        event_cleanup(&ev);
    }
}

#endif
