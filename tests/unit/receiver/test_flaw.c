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
        "throttle-drops",
        "no-retry-after",
        "lost-on-disconnect",
        "needs-parent-first",
        "drops-orphan-update",
        "forget-after-60s",
        "cold-start",
        "idle-502",
        "ack-before-durable",
        "last-write-wins",
    };
    assert_int_equal(n, sizeof(issue) / sizeof(issue[0]));
    uint64_t all = 0;
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(t[i].name, issue[i]);
        /* one bit each, none shared */
        assert_int_equal(__builtin_popcountll(t[i].flaw), 1);
        assert_int_equal(all & t[i].flaw, 0);
        all |= t[i].flaw;
        /* a one-line description that fits --help in 80 columns */
        assert_true(strlen(t[i].description) > 10);
        assert_true(strlen(t[i].description) <= 55);
        assert_null(strchr(t[i].description, '\n'));
        assert_ptr_equal(rcv_flaw_find(t[i].name), &t[i]);
    }
    /* past bit 31: the mask is 64 bits wide */
    assert_int_equal(rcv_flaw_find("drops-orphan-update")->flaw, UINT64_C(1) << 35);
    assert_int_equal(rcv_flaw_find("forget-after-60s")->flaw, UINT64_C(1) << 36);
    assert_int_equal(rcv_flaw_find("cold-start")->flaw, UINT64_C(1) << 37);
    assert_int_equal(rcv_flaw_find("idle-502")->flaw, UINT64_C(1) << 38);
    assert_int_equal(rcv_flaw_find("ack-before-durable")->flaw, UINT64_C(1) << 39);
    assert_int_equal(rcv_flaw_find("last-write-wins")->flaw, UINT64_C(1) << 40);
    assert_int_equal(n, 41);
    assert_null(rcv_flaw_find("fast"));
    assert_null(rcv_flaw_find(""));
}

static void parse(void **state)
{
    (void)state;
    uint64_t mask = 0;
    struct err e = {{0}};
    assert_int_equal(rcv_flaw_parse("sync", &mask, &e), 0);
    assert_int_equal(rcv_flaw_parse("redirect", &mask, &e), 0);
    assert_int_equal(rcv_flaw_parse("sync", &mask, &e), 0); /* repeated: harmless */
    assert_int_equal(mask, RCV_FLAW_SYNC | RCV_FLAW_REDIRECT);
    assert_int_equal(rcv_flaw_parse("Sync", &mask, &e), -1);
    assert_non_null(strstr(e.msg, "unknown flaw 'Sync'"));
    assert_string_equal(e.msg, "unknown flaw 'Sync' (vambe-receiver --help lists the 41 flaws)");
    assert_int_equal(mask, RCV_FLAW_SYNC | RCV_FLAW_REDIRECT);
    assert_int_equal(rcv_flaw_parse("needs-parent-first", &mask, &e), 0);
    assert_int_equal(mask, RCV_FLAW_SYNC | RCV_FLAW_REDIRECT | RCV_FLAW_NEEDS_PARENT_FIRST);
    assert_true(mask > UINT32_MAX);

    /* the three newest, each its own bit */
    mask = 0;
    assert_int_equal(rcv_flaw_parse("forget-after-60s", &mask, &e), 0);
    assert_int_equal(mask, RCV_FLAW_FORGET_AFTER_60S);
    assert_int_equal(rcv_flaw_parse("cold-start", &mask, &e), 0);
    assert_int_equal(rcv_flaw_parse("idle-502", &mask, &e), 0);
    assert_int_equal(mask, RCV_FLAW_FORGET_AFTER_60S | RCV_FLAW_COLD_START | RCV_FLAW_IDLE_502);
    assert_int_equal(rcv_flaw_parse("idle-503", &mask, &e), -1);
    assert_int_equal(rcv_flaw_parse("forget-after-60", &mask, &e), -1);
    assert_int_equal(mask, RCV_FLAW_FORGET_AFTER_60S | RCV_FLAW_COLD_START | RCV_FLAW_IDLE_502);

    /* ack-before-durable: its own bit, and only by its exact name */
    mask = 0;
    assert_int_equal(rcv_flaw_parse("ack-before-durable", &mask, &e), 0);
    assert_int_equal(mask, RCV_FLAW_ACK_BEFORE_DURABLE);
    assert_int_equal(rcv_flaw_parse("ack-before-durable ", &mask, &e), -1);
    assert_int_equal(rcv_flaw_parse("ack-before-durability", &mask, &e), -1);
    assert_int_equal(mask, RCV_FLAW_ACK_BEFORE_DURABLE);
    assert_true(RCV_FLAW_DURABLE_LAG_MS >= 500u);

    /* the newest, likewise */
    mask = 0;
    assert_int_equal(rcv_flaw_parse("last-write-wins", &mask, &e), 0);
    assert_int_equal(mask, RCV_FLAW_LAST_WRITE_WINS);
    assert_int_equal(rcv_flaw_parse("last-writer-wins", &mask, &e), -1);
    assert_int_equal(mask, RCV_FLAW_LAST_WRITE_WINS);
}

/* How long the flawed dedupe caches keep an id. */
static void dedupe_ttl(void **state)
{
    (void)state;
    assert_int_equal(rcv_flaw_dedupe_ttl_ms(0), 0);
    assert_int_equal(rcv_flaw_dedupe_ttl_ms(RCV_FLAW_NO_DEDUPE | RCV_FLAW_IDLE_502), 0);
    assert_int_equal(rcv_flaw_dedupe_ttl_ms(RCV_FLAW_DEDUPE_TTL_2S), 2000);
    assert_int_equal(rcv_flaw_dedupe_ttl_ms(RCV_FLAW_FORGET_AFTER_60S), 60000);
    /* both: the shorter wins */
    assert_int_equal(rcv_flaw_dedupe_ttl_ms(RCV_FLAW_FORGET_AFTER_60S | RCV_FLAW_DEDUPE_TTL_2S),
                     2000);
}

static void describe(void **state)
{
    (void)state;
    char out[256];
    rcv_flaw_describe(0, out, sizeof(out));
    assert_string_equal(out, "none");
    rcv_flaw_describe(RCV_FLAW_REDIRECT | RCV_FLAW_SLOW, out, sizeof(out));
    assert_string_equal(out, "slow,redirect");
    rcv_flaw_describe(RCV_FLAW_DROPS_ORPHAN_UPDATE | RCV_FLAW_THROTTLE_DROPS | RCV_FLAW_SLOW, out,
                      sizeof(out));
    assert_string_equal(out, "slow,throttle-drops,drops-orphan-update");
    /* every flaw at once fits the banner's buffer in run.c */
    char all[1024];
    rcv_flaw_describe(UINT64_MAX, all, sizeof(all));
    assert_true(strlen(all) < sizeof(all) - 1);
    assert_non_null(strstr(all, ",drops-orphan-update,forget-after-60s,cold-start,idle-502,"
                                "ack-before-durable"));
    char tiny[6];
    rcv_flaw_describe(RCV_FLAW_NO_TIMESTAMP_CHECK, tiny, sizeof(tiny));
    assert_string_equal(tiny, "no-ti");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(table),
        cmocka_unit_test(parse),
        cmocka_unit_test(dedupe_ttl),
        cmocka_unit_test(describe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
