/* reports/model: the run's exchange detail budget. Under it nothing is
 * cut; past it an exchange keeps its status, error and timings but not
 * its headers and bodies, every verdict, count and percentile stays as it
 * was, and one note of the run says how many lost their detail. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit/reports/fixture.h"

/* Every exchange of run, in order (an array the caller frees). */
static struct rp_exchange **exchanges(struct rp_run *run, size_t *n)
{
    struct rp_exchange **out = NULL;
    *n = 0;
    for (size_t i = 0; i < run->n_cases; i++) {
        for (size_t j = 0; j < run->cases[i].n_steps; j++) {
            struct rp_step *s = &run->cases[i].steps[j];
            for (size_t k = 0; k < s->n_exchanges; k++) {
                out = realloc(out, (*n + 1) * sizeof(*out));
                assert_non_null(out);
                out[(*n)++] = &s->exchanges[k];
            }
        }
    }
    return out;
}

static size_t total_detail(struct rp_run *run)
{
    size_t n = 0, total = 0;
    struct rp_exchange **xs = exchanges(run, &n);
    for (size_t i = 0; i < n; i++) {
        total += rp_exchange_detail_bytes(xs[i]);
    }
    free(xs);
    return total;
}

static void nothing_cut_under_the_budget(void **state)
{
    (void)state;
    struct rp_run *run = fixture_run(true); /* with its 2 MiB body */
    size_t total = total_detail(run);
    assert_int_equal(run->detail.budget, RP_DETAIL_BUDGET);
    assert_true(total > FIXTURE_BIG_BODY);
    fixture_charge(run);
    rp_run_summarize(run);
    assert_int_equal(run->detail.kept, total);
    assert_int_equal(run->detail.dropped, 0);
    size_t n = 0;
    struct rp_exchange **xs = exchanges(run, &n);
    assert_true(n > 50);
    for (size_t i = 0; i < n; i++) {
        assert_false(xs[i]->detail_dropped);
        assert_non_null(xs[i]->request_headers);
        assert_non_null(xs[i]->request_body);
    }
    free(xs);
    assert_int_equal(run->cases[6].steps[0].exchanges[1].response_body_len, FIXTURE_BIG_BODY);
    assert_int_equal(run->n_notes, 3); /* the hostile run's own three */
    rp_run_free(run);
}

static void detail_dropped_over_the_budget(void **state)
{
    (void)state;
    struct rp_run *whole = fixture_run(false);
    struct rp_run *run = fixture_over_budget(false);
    size_t total = total_detail(whole);
    size_t dropped = 0, kept = 0;

    assert_true(total > FIXTURE_SMALL_BUDGET * 3 / 2); /* about 30 KiB */
    assert_true(run->detail.kept <= FIXTURE_SMALL_BUDGET);
    assert_int_equal(run->detail.kept + run->detail.dropped_bytes, total);
    /* exchange by exchange: whole, or without detail but with its facts */
    for (size_t ci = 0; ci < run->n_cases; ci++) {
        const struct rp_case *c = &run->cases[ci];
        const struct rp_case *w = &whole->cases[ci];
        assert_int_equal(c->verdict, w->verdict);
        for (size_t si = 0; si < c->n_steps; si++) {
            assert_int_equal(c->steps[si].n_exchanges, w->steps[si].n_exchanges);
            for (size_t xi = 0; xi < c->steps[si].n_exchanges; xi++) {
                const struct rp_exchange *x = &c->steps[si].exchanges[xi];
                const struct rp_exchange *y = &w->steps[si].exchanges[xi];
                assert_string_equal(x->method, y->method);
                assert_string_equal(x->event_id, y->event_id);
                assert_int_equal(x->status, y->status);
                assert_int_equal(x->total_us, y->total_us);
                assert_int_equal(x->connect_us, y->connect_us);
                assert_int_equal(x->error == NULL, y->error == NULL);
                if (x->detail_dropped) {
                    dropped++;
                    assert_null(x->request_headers);
                    assert_null(x->request_body);
                    assert_null(x->response_headers);
                    assert_null(x->response_body);
                    assert_int_equal(x->request_body_len, 0);
                    assert_int_equal(x->response_body_len, 0);
                } else {
                    kept++;
                    assert_string_equal(x->request_headers, y->request_headers);
                    assert_int_equal(x->request_body_len, y->request_body_len);
                    assert_memory_equal(x->request_body, y->request_body, y->request_body_len);
                }
            }
        }
    }
    assert_int_equal(dropped, run->detail.dropped);
    assert_true(kept > 10 && dropped > 10);
    /* SIG-002 and SIG-004 come after LAT-001's burst: dropped */
    assert_true(run->cases[6].steps[0].exchanges[0].detail_dropped);
    assert_true(run->cases[7].steps[0].exchanges[0].detail_dropped);
    assert_false(run->cases[0].steps[0].exchanges[0].detail_dropped);
    /* counts, verdicts and percentiles as in the whole run */
    assert_memory_equal(run->counts, whole->counts, sizeof(run->counts));
    assert_memory_equal(run->level_counts, whole->level_counts, sizeof(run->level_counts));
    assert_memory_equal(&run->latency, &whole->latency, sizeof(run->latency));
    assert_int_equal(run->conformant, whole->conformant);
    /* one note, last, however often the run is summarized */
    char want[160];
    snprintf(want, sizeof(want),
             "exchange detail budget of %u bytes reached: %zu exchanges kept their status, "
             "error and timings but not their headers and bodies",
             FIXTURE_SMALL_BUDGET, dropped);
    assert_int_equal(run->n_notes, 3);
    assert_non_null(strstr(run->notes[2], want));
    rp_run_summarize(run);
    assert_int_equal(run->n_notes, 3);
    rp_run_free(run);
    rp_run_free(whole);
}

/* Adds an exchange with a body of n bytes and no headers. */
static struct rp_exchange *add_sized(struct rp_step *s, size_t n, uint64_t us)
{
    struct rp_exchange *x = rp_step_add_exchange(s);
    x->request_body = calloc(n + 1, 1);
    assert_non_null(x->request_body);
    memset(x->request_body, 'a', n);
    x->request_body_len = n;
    x->status = 200;
    x->total_us = us;
    return x;
}

static void all_or_nothing_and_a_later_one_fits(void **state)
{
    (void)state;
    struct rp_run *run = rp_run_new();
    struct rp_case *c = rp_run_add_case(run);
    struct rp_step *s = rp_case_add_step(c);
    rp_set(&s->kind, "burst");
    run->detail.budget = 300;
    struct rp_exchange *a = add_sized(s, 99, 10);
    assert_int_equal(rp_exchange_detail_bytes(a), 100);
    assert_true(rp_detail_fit(&run->detail, a));
    struct rp_exchange *b = add_sized(s, 299, 20); /* 300 bytes: 100 too many */
    assert_false(rp_detail_fit(&run->detail, b));
    b = &s->exchanges[1];
    assert_true(b->detail_dropped);
    assert_null(b->request_body);
    struct rp_exchange *d = add_sized(s, 199, 30); /* exactly what is left */
    assert_true(rp_detail_fit(&run->detail, d));
    assert_int_equal(run->detail.kept, 300);
    /* NULL keeps everything */
    struct rp_exchange *e = add_sized(s, 5000, 40);
    assert_true(rp_detail_fit(NULL, e));
    assert_int_equal(s->exchanges[3].request_body_len, 5000);
    rp_run_summarize(run);
    assert_int_equal(run->latency.samples, 4);
    assert_int_equal(run->latency.max_us, 40);
    assert_int_equal(run->n_notes, 1);
    assert_string_equal(run->notes[0],
                        "exchange detail budget of 300 bytes reached: 1 exchange kept its "
                        "status, error and timings but not its headers and bodies (300 bytes "
                        "left out); verdicts, counts and latency figures still count it");
    rp_run_free(run);
}

static void no_drop_no_note(void **state)
{
    (void)state;
    struct rp_run *run = rp_run_new();
    rp_run_summarize(run);
    assert_int_equal(run->n_notes, 0);
    /* the default budget is named in MiB */
    run->detail.budget = RP_DETAIL_BUDGET;
    run->detail.dropped = 2;
    run->detail.dropped_bytes = 3 * 1024 * 1024 / 2;
    rp_run_summarize(run);
    assert_int_equal(run->n_notes, 1);
    assert_non_null(strstr(run->notes[0], "budget of 64 MiB reached: 2 exchanges"));
    assert_non_null(strstr(run->notes[0], "(1.5 MiB left out)"));
    rp_run_free(run);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(nothing_cut_under_the_budget),
        cmocka_unit_test(detail_dropped_over_the_budget),
        cmocka_unit_test(all_or_nothing_and_a_later_one_fits),
        cmocka_unit_test(no_drop_no_note),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
