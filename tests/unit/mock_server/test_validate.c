/* mock_server/validate: URLs, webhook bodies, times, call-log parameters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "mock_server/validate.h"

static void urls(void **state)
{
    (void)state;
    static const char *const ok[] = {
        "http://a",
        "https://example.com",
        "HTTP://EXAMPLE.COM/PATH",
        "http://127.0.0.1:8080/hook?x=1&y=%20#frag",
        "http://[::1]/",
        "http://[2001:db8::1]:443",
        "https://user:pass@example.com/",
        "http://sub_domain.example.com:1/",
        "http://example.com:65535",
    };
    static const struct {
        const char *url;
        const char *msg;
    } bad[] = {
        {"", "must not be empty"},
        {"example.com", "absolute URL"},
        {"//example.com/x", "absolute URL"},
        {"ftp://example.com", "not 'ftp'"},
        {"file:///etc/passwd", "not 'file'"},
        {"javascript:alert(1)", "not 'javascript'"},
        {"data:text/html,hi", "not 'data'"},
        {"http:/example.com", "absolute URL"},
        {"http://", "must have a host"},
        {"http://?q", "must have a host"},
        {"http://@/", "must have a host"},
        {"http://:80", "must have a host"},
        {"http://a b", "whitespace"},
        {"http://ab/\x01", "control"},
        {"http://ab/\x7f", "control"},
        {"http://example.com:0", "out of range"},
        {"http://example.com:99999999999", "out of range"},
        {"http://example.com:8o", "not a number"},
        {"http://example.com:", "empty port"},
        {"http://[::1", "IPv6"},
        {"http://[]/", "IPv6"},
        {"http://[::1]x/", "IPv6"},
        {"http://[zz::1]/", "IPv6"},
        {"http://a\"b/", "invalid character"},
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        struct err e = {{0}};
        if (ms_validate_url(ok[i], &e) != 0) {
            fail_msg("%s: %s", ok[i], e.msg);
        }
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct err e = {{0}};
        assert_int_equal(ms_validate_url(bad[i].url, &e), -1);
        if (strstr(e.msg, bad[i].msg) == NULL) {
            fail_msg("%s: '%s' lacks '%s'", bad[i].url, e.msg, bad[i].msg);
        }
    }

    char big[MS_WEBHOOK_URL_MAX + 2];
    memset(big, 'a', sizeof(big));
    memcpy(big, "http://x/", 9);
    big[MS_WEBHOOK_URL_MAX] = '\0';
    assert_int_equal(ms_validate_url(big, NULL), 0);
    big[MS_WEBHOOK_URL_MAX] = 'a';
    big[MS_WEBHOOK_URL_MAX + 1] = '\0';
    struct err e = {{0}};
    assert_int_equal(ms_validate_url(big, &e), -1);
    assert_non_null(strstr(e.msg, "at most 2048 bytes"));
}

static void bodies(void **state)
{
    (void)state;
    struct ms_webhook_patch p;
    struct err e = {{0}};
    const char *full = "{\"topic\":\"ticket.opened\",\"url\":\"http://a.b\",\"secret\":\"s\"}";

    assert_int_equal(ms_validate_webhook_body(full, strlen(full), false, &p, &e), 0);
    assert_true(p.has_topic && p.has_url && p.has_secret && p.has_active);
    assert_string_equal(p.topic, "ticket.created");
    assert_true(p.active);

    /* partial: only what is given */
    const char *part = "{\"active\":false,\"other\":1}";
    assert_int_equal(ms_validate_webhook_body(part, strlen(part), true, &p, &e), 0);
    assert_false(p.has_topic || p.has_url || p.has_secret);
    assert_true(p.has_active);
    assert_false(p.active);
    assert_int_equal(ms_validate_webhook_body("{}", 2, true, &p, &e), 0);
    assert_false(p.has_topic || p.has_url || p.has_secret || p.has_active);

    /* create needs all three, named in order */
    assert_int_equal(ms_validate_webhook_body("{}", 2, false, &p, &e), -1);
    assert_string_equal(e.msg, "topic: required");
    const char *no_secret = "{\"topic\":\"message.sent\",\"url\":\"http://a.b\"}";
    assert_int_equal(ms_validate_webhook_body(no_secret, strlen(no_secret), false, &p, &e), -1);
    assert_string_equal(e.msg, "secret: required");

    /* the body need not be NUL-terminated at len */
    const char *padded = "{\"active\":true}GARBAGE";
    assert_int_equal(ms_validate_webhook_body(padded, 15, true, &p, &e), 0);
    assert_int_equal(ms_validate_webhook_body("{\"a\":1} x", 9, true, &p, &e), -1);
    assert_non_null(strstr(e.msg, "body: invalid JSON"));
}

static void json_types(void **state)
{
    (void)state;
    assert_true(ms_validate_json_type(NULL));
    assert_true(ms_validate_json_type("application/json"));
    assert_true(ms_validate_json_type("application/json;charset=UTF-8"));
    assert_true(ms_validate_json_type(" APPLICATION/JSON "));
    assert_true(ms_validate_json_type("application/problem+json"));
    assert_false(ms_validate_json_type(""));
    assert_false(ms_validate_json_type("text/json"));
    assert_false(ms_validate_json_type("application/jsonp"));
    assert_false(ms_validate_json_type("application/+json"));
    assert_false(ms_validate_json_type("text/plain"));
}

static void times(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        uint64_t ms;
    } ok[] = {
        {"0", 0},
        {"1727690400000", 1727690400000ull},
        {"2024-09-30T10:00:00.000Z", 1727690400000ull},
        {"2024-09-30T10:00:00Z", 1727690400000ull},
        {"2024-09-30T10:00Z", 1727690400000ull},
        {"2024-09-30t10:00:00.5z", 1727690400500ull},
        {"2024-09-30T10:00:00.123456Z", 1727690400123ull},
        {"2024-09-30T07:00:00-03:00", 1727690400000ull},
        {"2024-09-30T12:30:00+02:30", 1727690400000ull},
        {"2024-09-30", 1727654400000ull},
        {"1970-01-01T00:00:00Z", 0},
    };
    static const char *const bad[] = {
        "",
        "yesterday",
        "2024-13-01",
        "2024-09-32",
        "-5",
        "2024-09-30T10:00:00",
        "2024-09-30T25:00:00Z",
        "2024-09-30T10:00:00.Z",
        "2024-9-30",
        "2024-09-30T10:00:00+0200",
        "99999999999999999999",
        "1.5",
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        uint64_t v = 42;
        struct err e = {{0}};
        if (ms_validate_time(ok[i].in, &v, &e) != 0) {
            fail_msg("%s: %s", ok[i].in, e.msg);
        }
        assert_int_equal(v, ok[i].ms);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        uint64_t v = 42;
        struct err e = {{0}};
        if (ms_validate_time(bad[i], &v, &e) == 0) {
            fail_msg("'%s' accepted as %llu", bad[i], (unsigned long long)v);
        }
        assert_true(strlen(e.msg) > 0);
    }
}

static void calls_params(void **state)
{
    (void)state;
    struct ms_calls_params p;
    struct ms_call_filter f;
    struct err e = {{0}};

    memset(&p, 0, sizeof(p));
    assert_int_equal(ms_validate_calls_params(&p, &f, &e), 0);
    assert_int_equal(f.page, 1);
    assert_int_equal(f.limit, MS_CALLS_LIMIT_DEFAULT);
    assert_null(f.webhook_id);

    p.page = "3";
    p.limit = "500";
    p.outcome = "webhook_disabled";
    p.since = "1000";
    p.until = "2024-01-01";
    p.topic = "anything.new";
    assert_int_equal(ms_validate_calls_params(&p, &f, &e), 0);
    assert_int_equal(f.page, 3);
    assert_int_equal(f.limit, 500);
    assert_string_equal(f.outcome, "webhook_disabled");
    assert_string_equal(f.topic, "anything.new");
    assert_int_equal(f.since_ms, 1000);

    p.limit = "501";
    assert_int_equal(ms_validate_calls_params(&p, &f, &e), -1);
    assert_non_null(strstr(e.msg, "limit: must be between 1 and 500"));
    p.limit = "1";
    p.until = "0";
    assert_int_equal(ms_validate_calls_params(&p, &f, &e), -1);
    assert_non_null(strstr(e.msg, "until"));
    p.until = NULL;
    p.outcome = "SUCCEEDED";
    assert_int_equal(ms_validate_calls_params(&p, &f, &e), -1);
    assert_non_null(strstr(e.msg, "outcome"));

    const char *outcomes[] = {"succeeded", "failed", "retry_scheduled", "gave_up",
                              "webhook_disabled"};
    for (size_t i = 0; i < 5; i++) {
        assert_true(ms_validate_outcome(outcomes[i]));
    }
    assert_false(ms_validate_outcome("ok"));

    bool b = false;
    assert_int_equal(ms_validate_bool("true", &b), 0);
    assert_true(b);
    assert_int_equal(ms_validate_bool("0", &b), 0);
    assert_false(b);
    assert_int_equal(ms_validate_bool("yes", &b), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(urls),  cmocka_unit_test(bodies),       cmocka_unit_test(json_types),
        cmocka_unit_test(times), cmocka_unit_test(calls_params),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
