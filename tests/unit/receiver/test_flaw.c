/* examples/receiver/flaw: the table the kill matrix enumerates, lookups,
 * and the message for an unknown flaw. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>
#include <string.h>

#include "examples/receiver/flaw.h"

static void table(void **state)
{
    (void)state;
    size_t n = 0;
    const struct rcv_flaw_info *t = rcv_flaw_table(&n);
    static const char *const issue[] = {
        "slow",
        "sync",
        "no-verify",
        "no-timestamp-check",
        "no-dedupe",
        "racy-dedupe",
        "error-on-duplicate",
        "status-201",
        "crash-on-malformed",
        "reject-unknown",
        "redirect",
        "process-rejected",
        "dedupe-by-content",
        "first-signature-only",
        "reserialize",
        "latin1-body",
        "strict-content-type",
        "empty-key-fallback",
        "seen-before-verify",
        "dedupe-by-delivery-id",
        "ignore-retries",
        "skip-missing-timestamp",
        "leaks-expected-signature",
        "header-case-sensitive",
        "compare-throws",
        "body-limit-100k",
        "blank-id-poisons",
        "ack-on-error",
        "null-field-crash",
        "dedupe-by-id-header",
        "dedupe-ttl-2s",
    };
    assert_int_equal(n, sizeof(issue) / sizeof(issue[0]));
    unsigned all = 0;
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(t[i].name, issue[i]);
        /* one bit each, none shared */
        assert_int_equal(__builtin_popcount((unsigned)t[i].flaw), 1);
        assert_int_equal(all & (unsigned)t[i].flaw, 0);
        all |= (unsigned)t[i].flaw;
        /* a one-line description that fits --help in 80 columns */
        assert_true(strlen(t[i].description) > 10);
        assert_true(strlen(t[i].description) <= 55);
        assert_null(strchr(t[i].description, '\n'));
        assert_ptr_equal(rcv_flaw_find(t[i].name), &t[i]);
    }
    assert_null(rcv_flaw_find("fast"));
    assert_null(rcv_flaw_find(""));
}

static void parse(void **state)
{
    (void)state;
    unsigned mask = 0;
    struct err e = {{0}};
    assert_int_equal(rcv_flaw_parse("sync", &mask, &e), 0);
    assert_int_equal(rcv_flaw_parse("redirect", &mask, &e), 0);
    assert_int_equal(rcv_flaw_parse("sync", &mask, &e), 0); /* repeated: harmless */
    assert_int_equal(mask, RCV_FLAW_SYNC | RCV_FLAW_REDIRECT);
    assert_int_equal(rcv_flaw_parse("Sync", &mask, &e), -1);
    assert_non_null(strstr(e.msg, "unknown flaw 'Sync'"));
    assert_string_equal(e.msg, "unknown flaw 'Sync' (vambe-receiver --help lists the 31 flaws)");
    assert_int_equal(mask, RCV_FLAW_SYNC | RCV_FLAW_REDIRECT);
}

static void describe(void **state)
{
    (void)state;
    char out[256];
    rcv_flaw_describe(0, out, sizeof(out));
    assert_string_equal(out, "none");
    rcv_flaw_describe(RCV_FLAW_REDIRECT | RCV_FLAW_SLOW, out, sizeof(out));
    assert_string_equal(out, "slow,redirect");
    char tiny[6];
    rcv_flaw_describe(RCV_FLAW_NO_TIMESTAMP_CHECK, tiny, sizeof(tiny));
    assert_string_equal(tiny, "no-ti");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(table),
        cmocka_unit_test(parse),
        cmocka_unit_test(describe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
