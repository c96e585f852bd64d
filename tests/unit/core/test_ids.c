/* core/rng and core/ids: reproducible sequences and well-formed identifiers;
 * and the small helpers beside them (clock, log, err, xalloc's buffer). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/err.h"
#include "core/ids.h"
#include "core/log.h"
#include "core/rng.h"
#include "core/xalloc.h"

static void rng_reproducible(void **state)
{
    (void)state;
    struct rng a, b, c;
    rng_seed(&a, 42);
    rng_seed(&b, 42);
    rng_seed(&c, 43);
    int differ = 0;
    for (int i = 0; i < 100; i++) {
        uint64_t x = rng_next(&a);
        assert_int_equal(x, rng_next(&b));
        differ += x != rng_next(&c);
    }
    assert_true(differ > 90);
    for (int i = 0; i < 1000; i++) {
        assert_true(rng_below(&a, 7) < 7);
        double d = rng_double(&a);
        assert_true(d >= 0.0 && d < 1.0);
    }
    assert_int_equal(rng_below(&a, 0), 0);
}

static void uuids(void **state)
{
    (void)state;
    struct rng r;
    rng_seed(&r, 1);
    char u[IDS_UUID_LEN + 1], v[IDS_UUID_LEN + 1];
    ids_uuid4(&r, u);
    ids_uuid4(&r, v);
    assert_true(ids_is_uuid(u));
    assert_string_not_equal(u, v);
    assert_int_equal(u[14], '4');           /* version */
    assert_non_null(strchr("89ab", u[19])); /* variant */
    assert_false(ids_is_uuid("not-a-uuid"));
    assert_false(ids_is_uuid("0123456789abcdef0123456789abcdef0123"));
    assert_false(ids_is_uuid("../../../../../../../../../etc/passwd"));
    assert_false(ids_is_uuid(NULL));
    char e[IDS_EVENT_ID_LEN + 1];
    ids_event_id(&r, e);
    assert_int_equal(strlen(e), IDS_EVENT_ID_LEN);
    assert_memory_equal(e, "evt_", 4);
    assert_int_equal(strspn(e + 4, "0123456789abcdef"), 24);
}

/* Version 7: the time in the first 48 bits (RFC 9562), so a later id sorts
 * after an earlier one whatever its random bits. */
static void uuid7_sorts_by_time(void **state)
{
    (void)state;
    struct rng r;
    rng_seed(&r, 2);
    char a[IDS_UUID_LEN + 1], b[IDS_UUID_LEN + 1], c[IDS_UUID_LEN + 1];
    ids_uuid7(&r, 0x0123456789abull, a);
    ids_uuid7(&r, 0x0123456789abull, b);
    ids_uuid7(&r, 0x0123456789acull, c);
    assert_true(ids_is_uuid(a));
    assert_memory_equal(a, "01234567-89ab-7", 15);
    assert_non_null(strchr("89ab", a[19])); /* variant */
    assert_string_not_equal(a, b);          /* same ms, other random bits */
    assert_true(strcmp(a, c) < 0 && strcmp(b, c) < 0);
}

static void clocks(void **state)
{
    (void)state;
    char iso[32];
    clock_iso8601(1727690400123ull, iso, sizeof(iso));
    assert_string_equal(iso, "2024-09-30T10:00:00.123Z");
    clock_iso8601(UINT64_MAX, iso, sizeof(iso)); /* any uint64 of ms is a year gmtime takes */
    assert_string_equal(iso, "584556019-04-03T14:25:51.615Z");
    assert_int_equal(clock_scale_ms(1000, 0.01), 10);
    assert_int_equal(clock_scale_ms(1000, 0), 1000);
    assert_int_equal(clock_scale_ms(UINT64_MAX, 10.0), UINT64_MAX);
    uint64_t a = clock_mono_us();
    clock_sleep_us(1000);
    assert_true(clock_mono_us() >= a + 1000);
    assert_true(clock_wall_ms() > 1700000000000ull);
}

static void redaction(void **state)
{
    (void)state;
    char out[64];
    log_redact("whsec_0123456789abcdef", out, sizeof(out));
    assert_null(strstr(out, "0123456789abcdef"));
    assert_non_null(strstr(out, "whse"));
    assert_non_null(strstr(out, "22 chars"));
    log_redact("short", out, sizeof(out));
    assert_null(strstr(out, "sh"));
    enum log_format f;
    assert_int_equal(log_format_parse("json", &f), 0);
    assert_int_equal(f, LOG_FORMAT_JSON);
    assert_int_equal(log_format_parse("xml", &f), -1);
}

static void errors(void **state)
{
    (void)state;
    struct err e;
    assert_int_equal(err_set(&e, "field %s", "url"), -1);
    err_prefix(&e, "%s:%d", "a.json", 3);
    assert_string_equal(e.msg, "a.json:3: field url");
    assert_int_equal(err_set(NULL, "ignored"), -1);
}

/* The growing text buffer: always terminated, doubling from its first
 * size, never allocated past its limit. */
static void text_buffer(void **state)
{
    (void)state;
    char *p = NULL;
    size_t len = 0;
    size_t cap = 0;

    xbuf_append(&p, &len, &cap, "", 0, 8, 100);
    assert_string_equal(p, "");
    assert_int_equal(cap, 8);
    xbuf_append(&p, &len, &cap, "0123456789", 10, 8, 100);
    assert_string_equal(p, "0123456789");
    assert_int_equal(len, 10);
    assert_int_equal(cap, 16);
    for (int i = 0; i < 8; i++) {
        xbuf_append(&p, &len, &cap, "abcdefghij", 10, 8, 100);
    }
    assert_int_equal(len, 90);
    assert_int_equal(cap, 100); /* 128 would pass the limit */
    assert_memory_equal(p + 80, "abcdefghij", 11);
    xbuf_reserve(&p, len, &cap, 9, 8, 100); /* fits: nothing moves */
    assert_int_equal(cap, 100);
    free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rng_reproducible),    cmocka_unit_test(uuids),
        cmocka_unit_test(uuid7_sorts_by_time), cmocka_unit_test(clocks),
        cmocka_unit_test(redaction),           cmocka_unit_test(errors),
        cmocka_unit_test(text_buffer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
