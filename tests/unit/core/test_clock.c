/* core/clock: reading RFC 3339 date-times back (clock_parse_iso8601), and
 * durations for people. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/clock.h"

static void duration_text(void **state)
{
    char out[32];

    (void)state;
    clock_duration_text(400, out, sizeof(out));
    assert_string_equal(out, "0.4 ms");
    clock_duration_text(12345, out, sizeof(out));
    assert_string_equal(out, "12.3 ms");
    clock_duration_text(999949, out, sizeof(out));
    assert_string_equal(out, "999.9 ms");
    clock_duration_text(1520000, out, sizeof(out));
    assert_string_equal(out, "1.52 s");
    clock_duration_text(5500000, out, sizeof(out));
    assert_string_equal(out, "5.50 s");
    /* A small buffer is cut, never overrun. */
    clock_duration_text(12345, out, 4);
    assert_string_equal(out, "12.");
}

static void parse_iso8601_round_trip(void **state)
{
    static const uint64_t times[] = {0, 1727690400123ull, 951782400000ull /* 2000-02-29 */,
                                     4102444799999ull};
    char iso[32];
    uint64_t ms = 0;

    (void)state;
    for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
        clock_iso8601(times[i], iso, sizeof(iso));
        assert_int_equal(clock_parse_iso8601(iso, &ms), 0);
        assert_int_equal(ms, times[i]);
    }
}

static void parse_iso8601_forms(void **state)
{
    static const struct {
        const char *text;
        uint64_t ms;
    } ok[] = {
        {"2024-09-30T10:00:00Z", 1727690400000ull},
        {"2024-09-30T10:00:00.1Z", 1727690400100ull},
        {"2024-09-30T10:00:00.123456789Z", 1727690400123ull},
        {"2024-09-30t10:00:00z", 1727690400000ull},
        {"2024-09-30 10:00:00Z", 1727690400000ull},
        {"2024-09-30T07:00:00.123-03:00", 1727690400123ull},
        {"2024-09-30T12:30:00+02:30", 1727690400000ull},
        {"2016-12-31T23:59:60Z", 1483228800000ull},
    };
    static const char *const bad[] = {
        "",
        "2024-09-30",
        "2024-09-30T10:00:00",
        "2024-09-30T10:00:00+0300",
        "2024-09-30T10:00:00Zx",
        "2024-09-30T10:00:00.Z",
        "2024-13-01T00:00:00Z",
        "2023-02-29T00:00:00Z",
        "1900-02-29T00:00:00Z",
        "2024-04-31T00:00:00Z",
        "2024-09-30T24:00:00Z",
        "2024-09-30T10:60:00Z",
        "1969-12-31T23:59:59Z",
        "1970-01-01T00:00:00+00:01",
        "2024-9-30T10:00:00Z",
        " 2024-09-30T10:00:00Z",
        "2024-09-30T10:00:00+24:00",
        "1727690400123",
        "2024-09-30T10:00:00\nZ",
    };
    uint64_t ms = 0;

    (void)state;
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        ms = 0;
        if (clock_parse_iso8601(ok[i].text, &ms) != 0 || ms != ok[i].ms) {
            fail_msg("'%s': got %llu, want %llu", ok[i].text, (unsigned long long)ms,
                     (unsigned long long)ok[i].ms);
        }
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ms = 7;
        if (clock_parse_iso8601(bad[i], &ms) != -1 || ms != 7) {
            fail_msg("'%s' was taken as %llu", bad[i], (unsigned long long)ms);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(duration_text),
        cmocka_unit_test(parse_iso8601_round_trip),
        cmocka_unit_test(parse_iso8601_forms),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
