/* core/event_provider.c: the profile table (names, types, default types),
 * the Standard Webhooks and Slack envelopes, and what every provider's
 * profile shares: ids, reproducibility, overrides and their limits, given
 * ids. GitHub, Stripe and Shopify bodies are checked in
 * test_event_provider_github.c and test_event_provider_commerce.c. */
#include "event_provider_check.h"

#include "core/clock.h"
#include "core/topics.h"

static const enum event_profile providers[] = {
    EVENT_PROFILE_STANDARD_WEBHOOKS, EVENT_PROFILE_GITHUB, EVENT_PROFILE_STRIPE,
    EVENT_PROFILE_SHOPIFY,           EVENT_PROFILE_SLACK,
};
#define N_PROVIDERS (sizeof(providers) / sizeof(providers[0]))

static const char *const all_names[] = {
    "documented", "legacy", "standard-webhooks", "github", "stripe", "shopify", "slack"};
#define NAMES_HINT "(use documented, legacy, standard-webhooks, github, stripe, shopify or slack)"

static void check_standard(const json_t *root, const struct event *ev, const char *type)
{
    char iso[32];
    void *it = json_object_iter((json_t *)root);
    static const char *const keys[] = {"type", "timestamp", "data"};

    for (size_t k = 0; k < 3; k++, it = json_object_iter_next((json_t *)root, it)) {
        assert_non_null(it);
        assert_string_equal(json_object_iter_key(it), keys[k]);
    }
    assert_null(it);
    clock_iso8601(NOW_MS, iso, sizeof(iso));
    assert_string_equal(str_of(root, "type"), type);
    assert_string_equal(str_of(root, "timestamp"), iso);
    assert_true(json_object_size(obj_of(root, "data")) >= 2);
    assert_non_null(str_of(obj_of(root, "data"), "id"));
    assert_true(is_token(ev->id, "msg_", ALNUM, 27));
}

static void check_slack(const json_t *root, const struct event *ev, const char *type)
{
    const json_t *event = obj_of(root, "event");
    const json_t *auths = get_kind(root, "authorizations", JSON_ARRAY);
    const char *ts = str_of(event, "event_ts");
    const char *dot = strchr(ts, '.');

    assert_true(is_token(ev->id, "Ev", UPPER, 10));
    assert_string_equal(str_of(root, "event_id"), ev->id);
    assert_true(is_token(str_of(root, "token"), "", ALNUM, 24));
    assert_true(is_token(str_of(root, "team_id"), "T", UPPER, 10));
    assert_true(is_token(str_of(root, "api_app_id"), "A", UPPER, 10));
    assert_string_equal(str_of(root, "type"), "event_callback");
    assert_int_equal(int_of(root, "event_time"), NOW_SECS);
    assert_string_equal(str_of(event, "type"), type);
    assert_non_null(dot);
    assert_int_equal(strtoll(ts, NULL, 10), NOW_SECS);
    assert_true(is_token(dot, ".", "0123456789", 6));
    assert_int_equal(json_array_size(auths), 1);
    assert_string_equal(str_of(json_array_get(auths, 0), "team_id"), str_of(root, "team_id"));
    assert_true(is_bool(json_array_get(auths, 0), "is_bot"));
    if (strcmp(type, "message") == 0 || strcmp(type, "app_mention") == 0) {
        assert_string_equal(str_of(event, "ts"), ts);
        assert_true(strlen(str_of(event, "text")) > 0);
    } else if (strcmp(type, "reaction_added") == 0) {
        assert_string_equal(str_of(obj_of(event, "item"), "type"), "message");
    } else if (strcmp(type, "team_join") == 0) {
        assert_true(is_token(str_of(obj_of(event, "user"), "id"), "U", UPPER, 10));
    } else if (strcmp(type, "channel_created") == 0) {
        assert_true(is_token(str_of(obj_of(event, "channel"), "id"), "C", UPPER, 10));
    }
}

static void test_standard_webhooks_bodies(void **state)
{
    (void)state;
    check_every_type(EVENT_PROFILE_STANDARD_WEBHOOKS, check_standard);
}

static void test_slack_bodies(void **state)
{
    (void)state;
    check_every_type(EVENT_PROFILE_SLACK, check_slack);
}

static void test_reproducible(void **state)
{
    json_t *override = json_pack("{s:s}", "note", "same");

    (void)state;
    for (size_t i = 0; i < N_PROVIDERS; i++) {
        const char *const *types = event_profile_types(providers[i]);

        for (size_t t = 0; types[t] != NULL; t++) {
            for (uint64_t seed = 1; seed <= 5; seed++) {
                struct rng r1;
                struct rng r2;
                struct rng r3;
                struct event a;
                struct event b;
                struct event c;
                const json_t *ov = seed % 2 == 0 ? override : NULL;

                rng_seed(&r1, seed);
                rng_seed(&r2, seed);
                rng_seed(&r3, seed + 1000);
                assert_int_equal(event_build(types[t], ov, providers[i], &r1, NOW_MS, &a, NULL), 0);
                assert_int_equal(event_build(types[t], ov, providers[i], &r2, NOW_MS, &b, NULL), 0);
                assert_int_equal(event_build(types[t], ov, providers[i], &r3, NOW_MS, &c, NULL), 0);
                assert_string_equal(a.id, b.id);
                assert_int_equal(a.body_len, b.body_len);
                assert_memory_equal(a.body, b.body, a.body_len);
                assert_true(rng_next(&r1) == rng_next(&r2));
                assert_string_not_equal(a.id, c.id);
                assert_string_not_equal(a.body, c.body);
                event_cleanup(&a);
                event_cleanup(&b);
                event_cleanup(&c);
            }
        }
    }
    json_decref(override);
}

/* The override merges into the provider's data object, and only there. */
static void test_override_merges(void **state)
{
    static const struct {
        enum event_profile p;
        const char *type;
        const char *key; /* a member the builder writes, replaced by the override */
        const char *path[2];
    } cases[] = {
        {EVENT_PROFILE_STANDARD_WEBHOOKS, "invoice.paid", "status", {"data", NULL}},
        {EVENT_PROFILE_GITHUB, "issues", "action", {NULL, NULL}},
        {EVENT_PROFILE_STRIPE, "payment_intent.succeeded", "amount", {"data", "object"}},
        {EVENT_PROFILE_SHOPIFY, "orders/create", "email", {NULL, NULL}},
        {EVENT_PROFILE_SLACK, "message", "text", {"event", NULL}},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        json_t *override =
            json_pack("{s:s, s:{s:i}}", cases[i].key, "replaced", "custom_field", "n", 42);
        struct event plain;
        struct event ev;
        json_t *before = build_seeded(cases[i].type, NULL, NULL, cases[i].p, 3, &plain);
        json_t *root = build_seeded(cases[i].type, NULL, override, cases[i].p, 3, &ev);
        const json_t *target = root;
        const json_t *was = before;

        for (size_t k = 0; k < 2 && cases[i].path[k] != NULL; k++) {
            target = obj_of(target, cases[i].path[k]);
            was = obj_of(was, cases[i].path[k]);
            /* not merged one level too high */
            assert_null(
                json_object_get(k == 0 ? root : obj_of(root, cases[i].path[0]), "custom_field"));
        }
        assert_non_null(json_object_get(was, cases[i].key));
        assert_false(
            json_equal(json_object_get(was, cases[i].key), json_object_get(target, cases[i].key)));
        assert_string_equal(str_of(target, cases[i].key), "replaced");
        assert_int_equal(int_of(obj_of(target, "custom_field"), "n"), 42);
        /* the rest of the body is the same event */
        assert_string_equal(ev.id, plain.id);
        assert_int_equal(json_object_size(target), json_object_size(was) + 1);
        json_decref(before);
        json_decref(root);
        json_decref(override);
        event_cleanup(&plain);
        event_cleanup(&ev);
    }
}

/* The override's limits hold for every profile. */
static void test_override_limits(void **state)
{
    json_t *deep = json_object();
    json_t *arr = json_array();
    struct err e;
    struct event ev;
    struct rng r;

    (void)state;
    for (int d = 0; d < EVENT_OVERRIDE_MAX_DEPTH; d++) {
        deep = json_pack("{s:o}", "x", deep);
    }
    for (size_t i = 0; i < N_PROVIDERS; i++) {
        rng_seed(&r, 1);
        memset(&e, 0, sizeof(e));
        assert_int_equal(event_build(event_profile_default_type(providers[i]), deep, providers[i],
                                     &r, NOW_MS, &ev, &e),
                         -1);
        assert_null(ev.body);
        assert_non_null(strstr(e.msg, "nested deeper than"));
        memset(&e, 0, sizeof(e));
        assert_int_equal(event_build("push", arr, providers[i], &r, NOW_MS, &ev, &e), -1);
        assert_string_equal(e.msg, "data: must be a JSON object");
    }
    json_decref(deep);
    json_decref(arr);
}

/* A given id is used as given, in the body where the body carries it, and
 * rebuilding with the drawn id and the same seed gives the same bytes. */
static void test_with_id(void **state)
{
    char longest[EVENT_ID_MAX + 2];
    struct event ev;
    struct event again;
    struct rng r;
    struct err e;
    json_t *root;

    (void)state;
    memset(longest, 'k', sizeof(longest));
    longest[EVENT_ID_MAX] = '\0';
    for (size_t i = 0; i < N_PROVIDERS; i++) {
        const char *type = event_profile_default_type(providers[i]);

        root = build_seeded(type, longest, NULL, providers[i], 9, &ev);
        assert_string_equal(ev.id, longest);
        if (providers[i] == EVENT_PROFILE_STRIPE) {
            assert_string_equal(str_of(root, "id"), longest);
        } else if (providers[i] == EVENT_PROFILE_SLACK) {
            assert_string_equal(str_of(root, "event_id"), longest);
        } else {
            assert_null(strstr(ev.body, longest)); /* the id travels in a header */
        }
        json_decref(root);
        event_cleanup(&ev);

        root = build_seeded(type, NULL, NULL, providers[i], 11, &ev);
        json_decref(root);
        root = build_seeded(type, ev.id, NULL, providers[i], 11, &again);
        assert_string_equal(again.body, ev.body);
        json_decref(root);
        event_cleanup(&ev);
        event_cleanup(&again);

        longest[EVENT_ID_MAX] = 'k'; /* one byte too many */
        longest[EVENT_ID_MAX + 1] = '\0';
        memset(&e, 0, sizeof(e));
        rng_seed(&r, 1);
        assert_int_equal(
            event_build_with_id(type, longest, NULL, providers[i], &r, NOW_MS, &ev, &e), -1);
        assert_string_equal(e.msg, "event_id: 64 bytes, longer than 63");
        longest[EVENT_ID_MAX] = '\0';
    }
    /* Vambe's profiles keep their limit. */
    memset(&e, 0, sizeof(e));
    rng_seed(&r, 1);
    assert_int_equal(event_build_with_id("message.sent", "3f2c1d9e-8a7b-4c6d-9e8f-7a6b5c4d3e2f",
                                         NULL, EVENT_PROFILE_DOCUMENTED, &r, NOW_MS, &ev, &e),
                     -1);
    assert_string_equal(e.msg, "event_id: 36 bytes, longer than 28");
}

/* Ids differ from one event to the next. */
static void test_ids_distinct(void **state)
{
    char seen[SEEDS][EVENT_ID_MAX + 1];
    struct rng r;

    (void)state;
    for (size_t i = 0; i < N_PROVIDERS; i++) {
        rng_seed(&r, 5);
        for (size_t n = 0; n < SEEDS; n++) {
            struct event ev;

            assert_int_equal(event_build(event_profile_default_type(providers[i]), NULL,
                                         providers[i], &r, NOW_MS, &ev, NULL),
                             0);
            snprintf(seen[n], sizeof(seen[n]), "%s", ev.id);
            for (size_t m = 0; m < n; m++) {
                assert_string_not_equal(seen[m], seen[n]);
            }
            event_cleanup(&ev);
        }
    }
}

/* ---- the profile table ---- */

static void test_profile_names(void **state)
{
    enum event_profile p = EVENT_PROFILE_SLACK;
    struct err e;

    (void)state;
    for (size_t i = 0; i < sizeof(all_names) / sizeof(all_names[0]); i++) {
        p = (enum event_profile)(i == 0 ? 1 : 0);
        assert_int_equal(event_profile_parse(all_names[i], &p, NULL), 0);
        assert_int_equal(p, (enum event_profile)i);
        assert_string_equal(event_profile_name(p), all_names[i]);
    }
    assert_int_equal(EVENT_PROFILE_SLACK, 6);
    p = EVENT_PROFILE_GITHUB;
    memset(&e, 0, sizeof(e));
    assert_int_equal(event_profile_parse("garbage", &p, &e), -1);
    assert_string_equal(e.msg, "profile: unknown payload profile 'garbage' " NAMES_HINT);
    assert_int_equal(p, EVENT_PROFILE_GITHUB); /* untouched */
    memset(&e, 0, sizeof(e));
    assert_int_equal(event_profile_parse("GitHub", &p, &e), -1);
    assert_string_equal(e.msg, "profile: unknown payload profile 'GitHub' " NAMES_HINT);
    memset(&e, 0, sizeof(e));
    assert_int_equal(event_profile_parse("standard_webhooks", &p, &e), -1);
    memset(&e, 0, sizeof(e));
    assert_int_equal(event_profile_parse("slack\x1b[2J", &p, &e), -1);
    assert_string_equal(e.msg, "profile: unknown payload profile " NAMES_HINT);
    memset(&e, 0, sizeof(e));
    assert_int_equal(event_profile_parse(NULL, &p, &e), -1);
    assert_string_equal(e.msg, "profile: unknown payload profile " NAMES_HINT);
    assert_int_equal(p, EVENT_PROFILE_GITHUB);
}

static void test_profile_types(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_PROVIDERS; i++) {
        const char *const *types = event_profile_types(providers[i]);
        size_t n = count_types(providers[i]);

        assert_true(n >= 5);
        assert_string_equal(event_profile_default_type(providers[i]), types[0]);
        for (size_t a = 0; a < n; a++) {
            for (size_t b = a + 1; b < n; b++) {
                assert_string_not_equal(types[a], types[b]);
            }
        }
    }
    for (int p = EVENT_PROFILE_DOCUMENTED; p <= EVENT_PROFILE_LEGACY; p++) {
        const char *const *types = event_profile_types((enum event_profile)p);

        assert_int_equal(count_types((enum event_profile)p), topics_count());
        for (size_t k = 0; k < topics_count(); k++) {
            assert_string_equal(types[k], topics_at(k)->name);
        }
        assert_string_equal(event_profile_default_type((enum event_profile)p), "message.received");
    }
    assert_true(
        in_list("invoice.payment_failed", event_profile_types(EVENT_PROFILE_STANDARD_WEBHOOKS)));
    assert_true(in_list("issue_comment", event_profile_types(EVENT_PROFILE_GITHUB)));
    assert_true(
        in_list("customer.subscription.updated", event_profile_types(EVENT_PROFILE_STRIPE)));
    assert_true(in_list("app/uninstalled", event_profile_types(EVENT_PROFILE_SHOPIFY)));
    assert_true(in_list("member_joined_channel", event_profile_types(EVENT_PROFILE_SLACK)));
    assert_null(event_profile_types((enum event_profile)99));
    assert_null(event_profile_default_type((enum event_profile)99));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_standard_webhooks_bodies),
        cmocka_unit_test(test_slack_bodies),
        cmocka_unit_test(test_reproducible),
        cmocka_unit_test(test_override_merges),
        cmocka_unit_test(test_override_limits),
        cmocka_unit_test(test_with_id),
        cmocka_unit_test(test_ids_distinct),
        cmocka_unit_test(test_profile_names),
        cmocka_unit_test(test_profile_types),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
