/* harness/verdict: status matching, one exchange against an expectation,
 * the level rules that turn a failed step into FAIL or WARN, percentiles
 * and the texts shown beside a verdict. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>

#include <string.h>

#include "harness/verdict.h"

static struct hn_expect codes(long a, long b)
{
    struct hn_expect x;
    memset(&x, 0, sizeof(x));
    x.has_status = true;
    x.codes[x.n_codes++] = a;
    if (b != 0) {
        x.codes[x.n_codes++] = b;
    }
    return x;
}

static struct hn_expect classes(unsigned mask, unsigned not_mask)
{
    struct hn_expect x;
    memset(&x, 0, sizeof(x));
    x.has_status = true;
    x.class_mask = mask;
    x.not_class_mask = not_mask;
    return x;
}

static void status_matching(void **state)
{
    (void)state;
    struct hn_expect rej = codes(401, 403);
    assert_true(hn_verdict_status_ok(&rej, 401));
    assert_true(hn_verdict_status_ok(&rej, 403));
    assert_false(hn_verdict_status_ok(&rej, 400));
    assert_false(hn_verdict_status_ok(&rej, 200));

    struct hn_expect ok = classes(HN_CLASS_BIT(2), 0);
    assert_true(hn_verdict_status_ok(&ok, 200));
    assert_true(hn_verdict_status_ok(&ok, 204));
    assert_true(hn_verdict_status_ok(&ok, 299));
    assert_false(hn_verdict_status_ok(&ok, 302));
    assert_false(hn_verdict_status_ok(&ok, 500));
    assert_false(hn_verdict_status_ok(&ok, 0));

    struct hn_expect no_redirect = classes(0, HN_CLASS_BIT(3));
    assert_true(hn_verdict_status_ok(&no_redirect, 200));
    assert_true(hn_verdict_status_ok(&no_redirect, 500));
    assert_false(hn_verdict_status_ok(&no_redirect, 301));
    assert_false(hn_verdict_status_ok(&no_redirect, 308));

    /* A code and a class together: either matches. */
    struct hn_expect mixed = codes(200, 0);
    mixed.class_mask = HN_CLASS_BIT(4);
    assert_true(hn_verdict_status_ok(&mixed, 200));
    assert_true(hn_verdict_status_ok(&mixed, 422));
    assert_false(hn_verdict_status_ok(&mixed, 201));
}

static struct http_response answer(long status, uint64_t total_us)
{
    struct http_response r;
    memset(&r, 0, sizeof(r));
    r.status = status;
    r.total_us = total_us;
    return r;
}

static void exchanges(void **state)
{
    (void)state;
    char why[256];
    struct hn_expect rej = codes(401, 403);
    struct http_response r = answer(401, 1200);

    assert_int_equal(hn_verdict_exchange(&rej, &r, 6000, why, sizeof(why)), RP_VERDICT_PASS);
    r = answer(200, 1200);
    assert_int_equal(hn_verdict_exchange(&rej, &r, 6000, why, sizeof(why)), RP_VERDICT_FAIL);
    assert_string_equal(why, "status 200 in 1.2 ms, expected 401 or 403");

    /* A network failure nobody expected is an ERROR, never a PASS. */
    r = answer(0, 300);
    r.error = HTTP_ERROR_RESET;
    assert_int_equal(hn_verdict_exchange(&rej, &r, 6000, why, sizeof(why)), RP_VERDICT_ERROR);
    assert_non_null(strstr(why, "no response"));
    struct hn_expect none;
    memset(&none, 0, sizeof(none));
    assert_int_equal(hn_verdict_exchange(&none, &r, 6000, why, sizeof(why)), RP_VERDICT_ERROR);

    /* Latency bounds: a slow answer FAILs with its time; a timeout on a
     * latency case is a FAIL too, not an ERROR. */
    struct hn_expect fast;
    memset(&fast, 0, sizeof(fast));
    fast.latency_max_ms = 5000;
    r = answer(200, 5500000);
    assert_int_equal(hn_verdict_exchange(&fast, &r, 6000, why, sizeof(why)), RP_VERDICT_FAIL);
    assert_string_equal(why, "answered (200) in 5.50 s, over the bound of 5.00 s");
    r = answer(200, 4999000);
    assert_int_equal(hn_verdict_exchange(&fast, &r, 6000, why, sizeof(why)), RP_VERDICT_PASS);
    r = answer(0, 6000000);
    r.error = HTTP_ERROR_TIMEOUT;
    assert_int_equal(hn_verdict_exchange(&fast, &r, 6000, why, sizeof(why)), RP_VERDICT_FAIL);
    assert_string_equal(why, "no answer within 6.00 s (the bound is 5.00 s)");
    /* Without a bound, the same timeout is an ERROR. */
    assert_int_equal(hn_verdict_exchange(&rej, &r, 6000, why, sizeof(why)), RP_VERDICT_ERROR);
}

static void levels(void **state)
{
    (void)state;
    /* A failed step: FAIL for MUST, WARN for SHOULD unless strict, WARN for INFO. */
    assert_int_equal(hn_verdict_case(RP_VERDICT_FAIL, RP_LEVEL_MUST, false), RP_VERDICT_FAIL);
    assert_int_equal(hn_verdict_case(RP_VERDICT_FAIL, RP_LEVEL_MUST, true), RP_VERDICT_FAIL);
    assert_int_equal(hn_verdict_case(RP_VERDICT_FAIL, RP_LEVEL_SHOULD, false), RP_VERDICT_WARN);
    assert_int_equal(hn_verdict_case(RP_VERDICT_FAIL, RP_LEVEL_SHOULD, true), RP_VERDICT_FAIL);
    assert_int_equal(hn_verdict_case(RP_VERDICT_FAIL, RP_LEVEL_INFO, false), RP_VERDICT_WARN);
    assert_int_equal(hn_verdict_case(RP_VERDICT_FAIL, RP_LEVEL_INFO, true), RP_VERDICT_WARN);
    /* PASS, SKIP and ERROR stand whatever the level. */
    for (int l = 0; l < RP_LEVEL_COUNT; l++) {
        assert_int_equal(hn_verdict_case(RP_VERDICT_PASS, (enum rp_level)l, false),
                         RP_VERDICT_PASS);
        assert_int_equal(hn_verdict_case(RP_VERDICT_SKIP, (enum rp_level)l, true), RP_VERDICT_SKIP);
        assert_int_equal(hn_verdict_case(RP_VERDICT_ERROR, (enum rp_level)l, false),
                         RP_VERDICT_ERROR);
    }
    assert_int_equal(hn_verdict_worse(RP_VERDICT_PASS, RP_VERDICT_FAIL), RP_VERDICT_FAIL);
    assert_int_equal(hn_verdict_worse(RP_VERDICT_ERROR, RP_VERDICT_FAIL), RP_VERDICT_ERROR);
    assert_int_equal(hn_verdict_worse(RP_VERDICT_SKIP, RP_VERDICT_PASS), RP_VERDICT_SKIP);
}

/* The run-level rules the harness relies on (reports/model.c): an ERROR
 * never counts as a pass and an empty run is not conformant. */
static void run_conformance(void **state)
{
    (void)state;
    struct rp_run *run = rp_run_new();
    rp_run_summarize(run);
    assert_false(run->conformant);

    struct rp_case *c = rp_run_add_case(run);
    c->level = RP_LEVEL_MUST;
    c->verdict = RP_VERDICT_PASS;
    c = rp_run_add_case(run);
    c->level = RP_LEVEL_SHOULD;
    c->verdict = hn_verdict_case(RP_VERDICT_FAIL, RP_LEVEL_SHOULD, false);
    rp_run_summarize(run);
    assert_true(run->conformant);
    assert_int_equal(rp_run_exit_code(run), 0);

    c = rp_run_add_case(run);
    c->level = RP_LEVEL_MUST;
    c->verdict = RP_VERDICT_ERROR;
    rp_run_summarize(run);
    assert_false(run->conformant);
    assert_int_equal(rp_run_exit_code(run), 1);
    rp_run_free(run);
}

static void texts(void **state)
{
    (void)state;
    char out[128];
    struct hn_expect x = codes(401, 403);

    hn_verdict_expect_text(&x, out, sizeof(out));
    assert_string_equal(out, "401 or 403");
    x = classes(HN_CLASS_BIT(2), 0);
    hn_verdict_expect_text(&x, out, sizeof(out));
    assert_string_equal(out, "2xx");
    x = classes(0, HN_CLASS_BIT(3));
    hn_verdict_expect_text(&x, out, sizeof(out));
    assert_string_equal(out, "not 3xx");
    x = classes(HN_CLASS_BIT(4), HN_CLASS_BIT(5) | HN_CLASS_BIT(2));
    hn_verdict_expect_text(&x, out, sizeof(out));
    assert_string_equal(out, "4xx (not 2xx, 5xx)");
    memset(&x, 0, sizeof(x));
    hn_verdict_expect_text(&x, out, sizeof(out));
    assert_string_equal(out, "any status");
    /* A tiny buffer is cut, never overrun. */
    x = codes(401, 403);
    hn_verdict_expect_text(&x, out, 5);
    assert_string_equal(out, "401 ");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(status_matching), cmocka_unit_test(exchanges), cmocka_unit_test(levels),
        cmocka_unit_test(run_conformance), cmocka_unit_test(texts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
