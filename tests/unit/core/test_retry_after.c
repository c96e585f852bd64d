/* core/retry_after: delta seconds, HTTP-dates, and what is refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/retry_after.h"

/* 2026-12-04T10:00:00Z */
#define NOW_MS 1796378400000ull

static void statuses(void **state)
{
    (void)state;
    assert_true(retry_after_counts(429));
    assert_true(retry_after_counts(503));
    assert_false(retry_after_counts(500));
    assert_false(retry_after_counts(200));
}

static void delta_seconds(void **state)
{
    uint64_t ms = 7;

    (void)state;
    assert_int_equal(retry_after_parse("120", NOW_MS, &ms), 0);
    assert_int_equal(ms, 120000);
    assert_int_equal(retry_after_parse("  0\t", NOW_MS, &ms), 0);
    assert_int_equal(ms, 0);
    assert_int_equal(retry_after_parse("99999999999999999999999", NOW_MS, &ms), 0);
    assert_true(ms == UINT64_MAX);
}

static void http_dates(void **state)
{
    uint64_t ms = 0;

    (void)state;
    assert_int_equal(retry_after_parse("Fri, 04 Dec 2026 10:00:30 GMT", NOW_MS, &ms), 0);
    assert_int_equal(ms, 30000);
    /* A date already past asks for no delay. */
    assert_int_equal(retry_after_parse("Sun, 06 Nov 1994 08:49:37 GMT", NOW_MS, &ms), 0);
    assert_int_equal(ms, 0);
}

static void garbage_is_refused(void **state)
{
    static const char *const bad[] = {
        "",
        "soon",
        "1.5",
        "-1",
        "12s",
        "Fri, 04 Dec 2026 10:00:30",
        "Fri, 04 Dec 2026 10:00:30 GMT x",
    };
    uint64_t ms = 42;

    (void)state;
    assert_int_equal(retry_after_parse(NULL, NOW_MS, &ms), -1);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(retry_after_parse(bad[i], NOW_MS, &ms), -1);
    }
    assert_int_equal(ms, 42);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(statuses),
        cmocka_unit_test(delta_seconds),
        cmocka_unit_test(http_dates),
        cmocka_unit_test(garbage_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
