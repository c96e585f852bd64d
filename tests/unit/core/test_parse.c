/* core/parse: durations and bounded numbers, with the message for each bad input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>
#include <string.h>

#include "core/parse.h"

static void durations(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        uint64_t ms;
    } ok[] = {{"250ms", 250},  {"5s", 5000}, {"1.5s", 1500}, {"2m", 120000},
              {"1h", 3600000}, {"0", 0},     {"0s", 0},      {"720h", 2592000000ull}};
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        uint64_t v = 1;
        struct err e = {{0}};
        assert_int_equal(parse_duration_ms(ok[i].in, &v, &e), 0);
        assert_int_equal(v, ok[i].ms);
    }
}

static void bad_durations(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        const char *msg;
    } bad[] = {
        {"", "empty duration"},       {"5", "missing unit"},   {"5x", "unknown unit 'x'"},
        {"5 s", "unknown unit ' s'"}, {"-5s", "non-negative"}, {"abc", "not a duration"},
        {"nans", "not a duration"},   {"721h", "too long"},    {"1e400s", "not a duration"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        uint64_t v = 0;
        struct err e = {{0}};
        assert_int_equal(parse_duration_ms(bad[i].in, &v, &e), -1);
        if (strstr(e.msg, bad[i].msg) == NULL) {
            fail_msg("input '%s': message '%s' lacks '%s'", bad[i].in, e.msg, bad[i].msg);
        }
    }
    uint64_t v = 0;
    assert_int_equal(parse_duration_ms(NULL, &v, NULL), -1);
}

static void integers(void **state)
{
    (void)state;
    long long v = 0;
    struct err e = {{0}};
    assert_int_equal(parse_int("42", 0, 100, &v, &e), 0);
    assert_int_equal(v, 42);
    assert_int_equal(parse_int("-3", -5, 5, &v, &e), 0);
    assert_int_equal(v, -3);
    static const struct {
        const char *in;
        const char *msg;
    } bad[] = {{"", "empty value"},
               {"4x", "not an integer"},
               {"101", "out of range (0 to 100)"},
               {"-1", "out of range"},
               {" 5", "not an integer"},
               {"99999999999999999999", "out of range"},
               {"1.5", "not an integer"}};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(parse_int(bad[i].in, 0, 100, &v, &e), -1);
        if (strstr(e.msg, bad[i].msg) == NULL) {
            fail_msg("input '%s': message '%s' lacks '%s'", bad[i].in, e.msg, bad[i].msg);
        }
    }
}

static void sizes(void **state)
{
    (void)state;
    uint64_t v = 0;
    struct err e = {{0}};
    static const struct {
        const char *in;
        uint64_t want;
    } good[] = {{"0", 0},           {"4096", 4096},         {"1K", 1024},
                {"3KiB", 3072},     {"256M", 256ull << 20}, {"2MiB", 2ull << 20},
                {"1G", 1ull << 30}, {"64GiB", 64ull << 30}};
    static const struct {
        const char *in;
        const char *msg;
    } bad[] = {{"", "empty value"},
               {"M", "not a size"},
               {"-1", "not a size"},
               {" 5", "not a size"},
               {"1.5M", "unknown unit '.5M'"},
               {"5 M", "unknown unit ' M'"},
               {"5m", "unknown unit 'm' (use K, M or G"},
               {"5MB", "unknown unit 'MB'"},
               {"65G", "out of range (0 to 68719476736 bytes)"},
               {"99999999999999999999", "out of range"},
               {"17179869184G", "out of range"}};

    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        if (parse_bytes(good[i].in, 0, 64ull << 30, &v, &e) != 0) {
            fail_msg("input '%s': %s", good[i].in, e.msg);
        }
        assert_int_equal(v, good[i].want);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(parse_bytes(bad[i].in, 0, 64ull << 30, &v, &e), -1);
        if (strstr(e.msg, bad[i].msg) == NULL) {
            fail_msg("input '%s': message '%s' lacks '%s'", bad[i].in, e.msg, bad[i].msg);
        }
    }
}

static void doubles(void **state)
{
    (void)state;
    double v = 0;
    struct err e = {{0}};
    assert_int_equal(parse_double("0.25", 0, 1, &v, &e), 0);
    assert_true(v > 0.249 && v < 0.251);
    assert_int_equal(parse_double("1.5", 0, 1, &v, &e), -1);
    assert_non_null(strstr(e.msg, "out of range"));
    assert_int_equal(parse_double("inf", 0, 1, &v, &e), -1);
    assert_non_null(strstr(e.msg, "not a number"));
    assert_int_equal(parse_double("0.5x", 0, 1, &v, &e), -1);
    assert_non_null(strstr(e.msg, "'0.5x': not a number"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(durations), cmocka_unit_test(bad_durations), cmocka_unit_test(integers),
        cmocka_unit_test(sizes),     cmocka_unit_test(doubles),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
