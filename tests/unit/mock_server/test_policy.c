/* mock_server/policy: defaults, flags, JSON updates, rendering, the delay
 * before each attempt, Retry-After. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mock_server/policy.h"

static void defaults_are_the_documented_ones(void **state)
{
    (void)state;
    struct ms_policy p;

    ms_policy_init(&p);
    assert_int_equal(p.max_attempts, 5);
    assert_int_equal(p.timeout_ms, 5000);
    assert_int_equal(p.backoff, MS_BACKOFF_EXPONENTIAL);
    assert_int_equal(p.backoff_base_ms, 5000);
    assert_true(p.backoff_factor == 2.0);
    assert_int_equal(p.backoff_cap_ms, 3600000);
    assert_int_equal(p.n_schedule, 0);
    assert_true(p.jitter == 0.1);
    assert_true(p.time_scale == 1.0);
    assert_int_equal(p.retry_after_cap_ms, 3600000);
    assert_true(p.duplicate_rate == 0.0);
    assert_int_equal(p.duplicate_delay_ms, 0);
    assert_int_equal(p.reorder_window, 0);
    assert_int_equal(p.disable_after, 0);
    assert_true(p.sign);
    assert_int_equal(p.timestamp_unit, SIGNATURE_UNIT_MS);
    assert_int_equal(p.profile, EVENT_PROFILE_DOCUMENTED);
    assert_false(p.seed_set);
    assert_int_equal(p.max_calls, 100000);
    assert_int_equal(p.max_calls_bytes, 256u << 20);
    assert_int_equal(p.concurrency, 64);
    assert_int_equal(p.per_webhook_concurrency, 16);
    assert_int_equal(ms_policy_check(&p, NULL), 0);
}

static void every_flag_sets_its_field(void **state)
{
    (void)state;
    struct ms_policy p;
    struct err e = {{0}};
    static const char *const flags[][2] = {
        {"max-attempts", "7"},     {"timeout", "300ms"},         {"backoff", "linear"},
        {"backoff-base", "2s"},    {"backoff-factor", "3.5"},    {"backoff-cap", "10m"},
        {"jitter", "0.25"},        {"time-scale", "0.001"},      {"retry-after-cap", "30s"},
        {"duplicate-rate", "0.5"}, {"duplicate-delay", "250ms"}, {"reorder-window", "4"},
        {"disable-after", "3"},    {"scheme", "github"},         {"no-sign", NULL},
        {"timestamp-unit", "s"},   {"profile", "legacy"},        {"seed", "42"},
        {"max-calls", "1000"},     {"concurrency", "8"},         {"per-webhook-concurrency", "2"},
        {"max-calls-bytes", "3M"},
    };

    ms_policy_init(&p);
    for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
        if (ms_policy_set_flag(&p, flags[i][0], flags[i][1], &e) != 0) {
            fail_msg("--%s: %s", flags[i][0], e.msg);
        }
    }
    assert_int_equal(p.max_attempts, 7);
    assert_int_equal(p.timeout_ms, 300);
    assert_int_equal(p.backoff, MS_BACKOFF_LINEAR);
    assert_int_equal(p.backoff_base_ms, 2000);
    assert_true(p.backoff_factor == 3.5);
    assert_int_equal(p.backoff_cap_ms, 600000);
    assert_true(p.jitter == 0.25);
    assert_true(p.time_scale == 0.001);
    assert_int_equal(p.retry_after_cap_ms, 30000);
    assert_true(p.duplicate_rate == 0.5);
    assert_int_equal(p.duplicate_delay_ms, 250);
    assert_int_equal(p.reorder_window, 4);
    assert_int_equal(p.disable_after, 3);
    assert_false(p.sign);
    assert_string_equal(p.scheme.name, "github");
    assert_int_equal(p.timestamp_unit, SIGNATURE_UNIT_S);
    assert_int_equal(p.profile, EVENT_PROFILE_LEGACY);
    /* What the user set wins over what the scheme implies. */
    assert_int_equal(ms_policy_profile(&p), EVENT_PROFILE_LEGACY);
    assert_int_equal(ms_policy_unit(&p), SIGNATURE_UNIT_S);
    assert_true(p.seed_set);
    assert_int_equal(p.seed, 42);
    assert_int_equal(p.max_calls, 1000);
    assert_int_equal(p.max_calls_bytes, 3u << 20);
    assert_int_equal(p.concurrency, 8);
    assert_int_equal(p.per_webhook_concurrency, 2);

    /* An explicit schedule replaces the backoff. */
    assert_int_equal(ms_policy_set_flag(&p, "retry-schedule", "5s,5m,30m,2h", &e), 0);
    assert_int_equal(p.backoff, MS_BACKOFF_SCHEDULE);
    assert_int_equal(p.n_schedule, 4);
    assert_int_equal(p.schedule_ms[0], 5000);
    assert_int_equal(p.schedule_ms[1], 300000);
    assert_int_equal(p.schedule_ms[2], 1800000);
    assert_int_equal(p.schedule_ms[3], 7200000);

    /* The flag table lists all of them, with help. */
    size_t n = 0;
    const struct ms_policy_flag *pf = ms_policy_flags(&n);
    assert_int_equal(n, sizeof(flags) / sizeof(flags[0]) + 1);
    for (size_t i = 0; i < n; i++) {
        assert_non_null(pf[i].help);
        assert_non_null(pf[i].key);
    }
}

/* Without --profile or --timestamp-unit, a scheme brings its own; the API
 * takes built-in names only (a path would make the server read files). */
static void scheme_brings_profile_and_unit(void **state)
{
    (void)state;
    struct ms_policy p;
    struct err e = {{0}};

    ms_policy_init(&p);
    assert_string_equal(p.scheme.name, "vambe");
    assert_int_equal(ms_policy_profile(&p), EVENT_PROFILE_DOCUMENTED);
    assert_int_equal(ms_policy_unit(&p), SIGNATURE_UNIT_MS);
    assert_int_equal(ms_policy_set_flag(&p, "scheme", "stripe", &e), 0);
    assert_int_equal(ms_policy_profile(&p), EVENT_PROFILE_STRIPE);
    assert_int_equal(ms_policy_unit(&p), SIGNATURE_UNIT_S);
    const char body[] = "{\"scheme\": \"standard-webhooks\"}";
    assert_int_equal(ms_policy_patch_json(&p, body, strlen(body), &e), 0);
    assert_string_equal(p.scheme.name, "standard-webhooks");
    assert_int_equal(ms_policy_profile(&p), EVENT_PROFILE_STANDARD_WEBHOOKS);
    const char path[] = "{\"scheme\": \"/etc/passwd\"}";
    assert_int_equal(ms_policy_patch_json(&p, path, strlen(path), &e), -1);
    assert_string_equal(e.msg, "scheme: '/etc/passwd' is not a built-in scheme (vambe-harness "
                               "schemes lists them; a scheme file is given with --scheme at "
                               "start)");
    assert_string_equal(p.scheme.name, "standard-webhooks");
    json_t *j = ms_policy_render(&p);
    assert_string_equal(json_string_value(json_object_get(j, "scheme")), "standard-webhooks");
    assert_string_equal(json_string_value(json_object_get(j, "profile")), "standard-webhooks");
    assert_string_equal(json_string_value(json_object_get(j, "timestamp_unit")), "s");
    json_decref(j);
}

static void bad_flag_values_name_the_flag(void **state)
{
    (void)state;
    static const char *const cases[][3] = {
        {"max-attempts", "0", "--max-attempts: "},
        {"max-attempts", "101", "--max-attempts: "},
        {"max-attempts", "x", "--max-attempts: "},
        {"timeout", "5", "--timeout: "},
        {"timeout", "0", "--timeout: "},
        {"backoff", "quadratic", "--backoff: 'quadratic' is not a backoff"},
        {"backoff", "schedule", "--backoff: 'schedule' is not a backoff"},
        {"backoff-factor", "0.5", "--backoff-factor: "},
        {"retry-schedule", "5s,,1m", "--retry-schedule: delay 2"},
        {"retry-schedule", "5s,1x", "--retry-schedule: delay 2"},
        {"jitter", "2", "--jitter: "},
        {"time-scale", "0", "--time-scale: "},
        {"time-scale", "-1", "--time-scale: "},
        {"duplicate-rate", "1.5", "--duplicate-rate: "},
        {"reorder-window", "-3", "--reorder-window: "},
        {"timestamp-unit", "us", "--timestamp-unit: 'us' is not a unit"},
        {"profile", "v2", "--profile: 'v2' is not a profile"},
        {"scheme", "nope", "--scheme: unknown scheme 'nope' (built-in: vambe, vambe-token-query"},
        {"scheme", "/nonexistent/s.json", "--scheme: /nonexistent/s.json: cannot open: No such"},
        {"seed", "-1", "--seed: "},
        {"seed", "99999999999999999999", "--seed: "},
        {"max-calls", "0", "--max-calls: "},
        {"max-calls-bytes", "1000", "--max-calls-bytes: '1000': out of range (1048576 to"},
        {"max-calls-bytes", "2T", "--max-calls-bytes: '2T': unknown unit 'T' (use K, M or G"},
        {"max-calls-bytes", "-5M", "--max-calls-bytes: '-5M': not a size"},
        {"max-calls-bytes", "99999999999G", "--max-calls-bytes: '99999999999G': out of range"},
        {"concurrency", "0", "--concurrency: "},
        {"per-webhook-concurrency", "10001", "--per-webhook-concurrency: "},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct ms_policy p;
        struct ms_policy before;
        struct err e = {{0}};

        ms_policy_init(&p);
        before = p;
        assert_int_equal(ms_policy_set_flag(&p, cases[i][0], cases[i][1], &e), -1);
        if (strncmp(e.msg, cases[i][2], strlen(cases[i][2])) != 0) {
            fail_msg("case %zu: '%s'", i, e.msg);
        }
        assert_memory_equal(&p, &before, sizeof(p));
    }
}

/* What --db keeps of PUT /mock/config: patches merged, then applied at a
 * restart except where a flag was given again. */
static void kept_across_a_restart(void **state)
{
    (void)state;
    struct ms_policy p;
    struct err e = {{0}};
    char keys[256];
    size_t n = 0;
    const struct ms_policy_flag *pf = ms_policy_flags(&n);
    uint64_t given = 0;
    const char *one = "{\"max_attempts\": 3, \"jitter\": 0}";
    const char *two = "{\"max_attempts\": 7, \"timeout_ms\": \"2s\"}";
    char *merged = ms_policy_merge_patch(NULL, one, strlen(one));
    char *again;

    assert_non_null(merged);
    again = ms_policy_merge_patch(merged, two, strlen(two));
    assert_string_equal(again, "{\"jitter\":0,\"max_attempts\":7,\"timeout_ms\":\"2s\"}");
    assert_null(ms_policy_merge_patch(again, "[1]", 3));

    ms_policy_init(&p);
    assert_int_equal(ms_policy_restore(&p, again, 0, keys, sizeof(keys), &e), 0);
    assert_int_equal(p.max_attempts, 7);
    assert_int_equal(p.timeout_ms, 2000);
    assert_true(p.jitter == 0.0);
    assert_string_equal(keys, "jitter, max_attempts, timeout_ms");

    /* --max-attempts 2 given at the restart: the flag wins. */
    ms_policy_init(&p);
    for (size_t i = 0; i < n; i++) {
        if (strcmp(pf[i].flag, "max-attempts") == 0) {
            given |= 1ull << i;
        }
    }
    assert_int_equal(ms_policy_set_flag(&p, "max-attempts", "2", &e), 0);
    assert_int_equal(ms_policy_restore(&p, again, given, keys, sizeof(keys), &e), 0);
    assert_int_equal(p.max_attempts, 2);
    assert_int_equal(p.timeout_ms, 2000);
    assert_string_equal(keys, "jitter, timeout_ms");

    /* A stored policy that does not apply changes nothing. */
    struct ms_policy before = p;
    assert_int_equal(ms_policy_restore(&p, "{\"scheme\": \"gone\"}", 0, keys, sizeof(keys), &e),
                     -1);
    assert_non_null(strstr(e.msg, "scheme"));
    assert_int_equal(p.max_attempts, before.max_attempts);
    assert_int_equal(ms_policy_restore(&p, "not json", 0, keys, sizeof(keys), &e), -1);
    free(merged);
    free(again);
}

static void json_patch_is_partial_and_checked(void **state)
{
    (void)state;
    struct ms_policy p;
    struct err e = {{0}};
    const char *ok = "{\"max_attempts\": 3, \"timeout_ms\": \"250ms\", \"backoff_base_ms\": 100,"
                     " \"jitter\": 0, \"sign\": false, \"timestamp_unit\": \"s\","
                     " \"profile\": \"legacy\", \"seed\": 9, \"retry_schedule_ms\": [100, \"1s\"]}";

    ms_policy_init(&p);
    assert_int_equal(ms_policy_patch_json(&p, ok, strlen(ok), &e), 0);
    assert_int_equal(p.max_attempts, 3);
    assert_int_equal(p.timeout_ms, 250);
    assert_int_equal(p.backoff_base_ms, 100);
    assert_true(p.jitter == 0.0);
    assert_false(p.sign);
    assert_int_equal(p.timestamp_unit, SIGNATURE_UNIT_S);
    assert_int_equal(p.profile, EVENT_PROFILE_LEGACY);
    assert_int_equal(p.seed, 9);
    assert_true(p.seed_set);
    assert_int_equal(p.backoff, MS_BACKOFF_SCHEDULE);
    assert_int_equal(p.n_schedule, 2);
    assert_int_equal(p.schedule_ms[1], 1000);
    /* Untouched fields keep their values. */
    assert_int_equal(p.concurrency, 64);
    /* A size is bytes, or a string with a unit as on the command line. */
    const char *bytes = "{\"max_calls_bytes\": 2097152}";
    assert_int_equal(ms_policy_patch_json(&p, bytes, strlen(bytes), &e), 0);
    assert_int_equal(p.max_calls_bytes, 2u << 20);
    bytes = "{\"max_calls_bytes\": \"1G\"}";
    assert_int_equal(ms_policy_patch_json(&p, bytes, strlen(bytes), &e), 0);
    assert_int_equal(p.max_calls_bytes, 1u << 30);

    /* null clears the schedule and the backoff goes back to exponential. */
    assert_int_equal(ms_policy_patch_json(&p, "{\"retry_schedule_ms\": null}", 27, &e), 0);
    assert_int_equal(p.n_schedule, 0);
    assert_int_equal(p.backoff, MS_BACKOFF_EXPONENTIAL);

    static const char *const bad[][2] = {
        {"[]", "body: must be a JSON object"},
        {"{", "body: invalid JSON"},
        {"{\"max_attempt\": 3}", "max_attempt: unknown setting"},
        {"{\"max_attempts\": 0}", "max_attempts: must be an integer from 1 to 100"},
        {"{\"max_attempts\": \"3\"}", "max_attempts: must be an integer"},
        {"{\"jitter\": 1.5}", "jitter: must be a number from 0 to 1"},
        {"{\"timeout_ms\": -5}", "timeout_ms: must be milliseconds"},
        {"{\"timeout_ms\": \"5x\"}", "timeout_ms: '5x': unknown unit"},
        {"{\"sign\": 1}", "sign: must be true or false"},
        {"{\"max_calls_bytes\": 5}", "max_calls_bytes: must be an integer from 1048576 to"},
        {"{\"max_calls_bytes\": \"5 M\"}", "max_calls_bytes: '5 M': unknown unit ' M'"},
        {"{\"backoff\": \"schedule\"}", "backoff: 'schedule' needs a retry schedule"},
        {"{\"profile\": 3}", "profile: must be a string"},
        {"{\"retry_schedule_ms\": [true]}", "retry_schedule_ms: delay 1"},
        {"{\"seed\": -1}", "seed: must be an integer"},
        {"{\"concurrency\": 2, \"jitter\": 9}", "jitter: "},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct ms_policy before = p;

        assert_int_equal(ms_policy_patch_json(&p, bad[i][0], strlen(bad[i][0]), &e), -1);
        if (strncmp(e.msg, bad[i][1], strlen(bad[i][1])) != 0) {
            fail_msg("case %zu: '%s'", i, e.msg);
        }
        /* All or nothing: concurrency did not change in the last case. */
        assert_memory_equal(&p, &before, sizeof(p));
    }
}

static void render_round_trips(void **state)
{
    (void)state;
    struct ms_policy p;
    struct ms_policy q;
    struct err e = {{0}};
    json_t *j;
    char *text;

    ms_policy_init(&p);
    assert_int_equal(ms_policy_set_flag(&p, "retry-schedule", "1s,2s", &e), 0);
    assert_int_equal(ms_policy_set_flag(&p, "seed", "123", &e), 0);
    assert_int_equal(ms_policy_set_flag(&p, "no-sign", NULL, &e), 0);
    j = ms_policy_render(&p);
    assert_int_equal(json_integer_value(json_object_get(j, "max_attempts")), 5);
    assert_string_equal(json_string_value(json_object_get(j, "backoff")), "schedule");
    assert_int_equal(json_array_size(json_object_get(j, "retry_schedule_ms")), 2);
    assert_true(json_is_false(json_object_get(j, "sign")));
    assert_string_equal(json_string_value(json_object_get(j, "timestamp_unit")), "ms");
    assert_string_equal(json_string_value(json_object_get(j, "profile")), "documented");
    assert_int_equal(json_integer_value(json_object_get(j, "seed")), 123);
    text = json_dumps(j, JSON_COMPACT);
    json_decref(j);

    /* What GET returns, PUT accepts as is. */
    ms_policy_init(&q);
    assert_int_equal(ms_policy_patch_json(&q, text, strlen(text), &e), 0);
    free(text);
    assert_int_equal(q.backoff, MS_BACKOFF_SCHEDULE);
    assert_int_equal(q.n_schedule, 2);
    assert_false(q.sign);
    assert_int_equal(q.seed, 123);
    assert_int_equal(q.max_calls, p.max_calls);
}

static void backoff_kinds(void **state)
{
    (void)state;
    struct ms_policy p;
    struct err e = {{0}};

    ms_policy_init(&p);
    p.jitter = 0;
    p.backoff_base_ms = 1000;
    p.backoff_cap_ms = 10000;
    assert_int_equal(ms_policy_backoff_ms(&p, 1), 0);
    assert_int_equal(ms_policy_backoff_ms(&p, 2), 1000);
    assert_int_equal(ms_policy_backoff_ms(&p, 3), 2000);
    assert_int_equal(ms_policy_backoff_ms(&p, 4), 4000);
    assert_int_equal(ms_policy_backoff_ms(&p, 5), 8000);
    assert_int_equal(ms_policy_backoff_ms(&p, 6), 10000); /* capped */
    assert_int_equal(ms_policy_backoff_ms(&p, 60), 10000);

    p.backoff = MS_BACKOFF_LINEAR;
    assert_int_equal(ms_policy_backoff_ms(&p, 2), 1000);
    assert_int_equal(ms_policy_backoff_ms(&p, 3), 2000);
    assert_int_equal(ms_policy_backoff_ms(&p, 4), 3000);
    assert_int_equal(ms_policy_backoff_ms(&p, 20), 10000);

    p.backoff = MS_BACKOFF_FIXED;
    assert_int_equal(ms_policy_backoff_ms(&p, 2), 1000);
    assert_int_equal(ms_policy_backoff_ms(&p, 9), 1000);

    assert_int_equal(ms_policy_set_flag(&p, "retry-schedule", "5s,5m,30m,2h", &e), 0);
    assert_int_equal(ms_policy_backoff_ms(&p, 2), 5000);
    assert_int_equal(ms_policy_backoff_ms(&p, 3), 300000);
    assert_int_equal(ms_policy_backoff_ms(&p, 5), 7200000);
    assert_int_equal(ms_policy_backoff_ms(&p, 9), 7200000); /* the last repeats, not capped */
}

static void jitter_and_time_scale(void **state)
{
    (void)state;
    struct ms_policy p;

    ms_policy_init(&p);
    p.backoff_base_ms = 1000;
    p.jitter = 0.2;
    /* u = 0.5 adds nothing; the ends of [0, 1) give -20% and almost +20%. */
    assert_int_equal(ms_policy_delay_ms(&p, 2, 0.5), 1000);
    assert_int_equal(ms_policy_delay_ms(&p, 2, 0.0), 800);
    assert_int_equal(ms_policy_delay_ms(&p, 2, 0.999999), 1200);
    for (double u = 0; u < 1.0; u += 0.01) {
        uint64_t d = ms_policy_delay_ms(&p, 3, u);
        assert_true(d >= 1600 && d <= 2400);
    }
    /* Jitter never passes the cap. */
    p.backoff_cap_ms = 1000;
    assert_int_equal(ms_policy_delay_ms(&p, 2, 0.999), 1000);

    /* The time scale multiplies the result. */
    p.backoff_cap_ms = 3600000;
    p.jitter = 0;
    p.time_scale = 0.01;
    assert_int_equal(ms_policy_delay_ms(&p, 2, 0.5), 10);
    assert_int_equal(ms_policy_delay_ms(&p, 3, 0.5), 20);
    assert_int_equal(ms_policy_scale_ms(&p, 5000), 50);
    p.time_scale = 3;
    assert_int_equal(ms_policy_scale_ms(&p, 5000), 15000);
}

static void retry_after(void **state)
{
    (void)state;
    struct ms_policy p;
    uint64_t ms = 0;
    /* Sun, 06 Nov 1994 08:49:37 GMT */
    const uint64_t then = 784111777000ull;

    ms_policy_init(&p);
    p.retry_after_cap_ms = 60000;
    assert_true(ms_policy_retry_after_ms(&p, 503, "1", 0, &ms));
    assert_int_equal(ms, 1000);
    assert_true(ms_policy_retry_after_ms(&p, 429, " 30 ", 0, &ms));
    assert_int_equal(ms, 30000);
    assert_true(ms_policy_retry_after_ms(&p, 429, "3600", 0, &ms));
    assert_int_equal(ms, 60000); /* capped */
    assert_true(ms_policy_retry_after_ms(&p, 503, "99999999999999999999999", 0, &ms));
    assert_int_equal(ms, 60000);
    assert_true(
        ms_policy_retry_after_ms(&p, 503, "Sun, 06 Nov 1994 08:49:37 GMT", then - 5000, &ms));
    assert_int_equal(ms, 5000);
    assert_true(
        ms_policy_retry_after_ms(&p, 503, "Sun, 06 Nov 1994 08:49:37 GMT", then + 5000, &ms));
    assert_int_equal(ms, 0); /* in the past: at once */

    /* Only 429 and 503 count; junk is ignored. */
    assert_false(ms_policy_retry_after_ms(&p, 500, "1", 0, &ms));
    assert_false(ms_policy_retry_after_ms(&p, 200, "1", 0, &ms));
    assert_false(ms_policy_retry_after_ms(&p, 503, NULL, 0, &ms));
    assert_false(ms_policy_retry_after_ms(&p, 503, "soon", 0, &ms));
    assert_false(ms_policy_retry_after_ms(&p, 503, "1.5", 0, &ms));
    assert_false(ms_policy_retry_after_ms(&p, 503, "-1", 0, &ms));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults_are_the_documented_ones),
        cmocka_unit_test(every_flag_sets_its_field),
        cmocka_unit_test(scheme_brings_profile_and_unit),
        cmocka_unit_test(bad_flag_values_name_the_flag),
        cmocka_unit_test(json_patch_is_partial_and_checked),
        cmocka_unit_test(kept_across_a_restart),
        cmocka_unit_test(render_round_trips),
        cmocka_unit_test(backoff_kinds),
        cmocka_unit_test(jitter_and_time_scale),
        cmocka_unit_test(retry_after),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
