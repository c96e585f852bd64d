/* The runner's steps that send no delivery: wait, probe, target, restart. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/xalloc.h"
#include "harness/runner_priv.h"
#include "harness/shell.h"
#include "harness/verdict.h"

/* How long the restart command may take, and then the receiver to accept
 * connections again. */
#define RESTART_CMD_MS  30000u
#define RESTART_BACK_MS 30000u

void hn_runner_wait(struct hn_runner_case *rc, size_t idx, struct rp_step *ps,
                    struct hn_runner_outcome *out)
{
    const struct hn_step *st = &rc->s->steps[idx];
    char d[32];

    clock_duration_text(st->wait_ms * 1000u, d, sizeof(d));
    rp_setf(&ps->description, "wait %s", d);
    clock_sleep_us(st->wait_ms * 1000u);
    out->verdict = RP_VERDICT_PASS;
}

/* The distinct event ids of the steps a probe counts. Caller frees the
 * array (not the strings, borrowed from rc->sent). */
static const char **runner_probe_ids(const struct hn_runner_case *rc, const struct hn_step *st,
                                     size_t *n)
{
    size_t cap = 0;
    const char **ids;

    for (size_t k = 0; k < st->n_of; k++) {
        cap += rc->sent[st->of[k]].n_ids;
    }
    ids = xcalloc(cap + 1, sizeof(char *));
    *n = 0;
    for (size_t k = 0; k < st->n_of; k++) {
        const struct hn_runner_sent *s = &rc->sent[st->of[k]];
        for (size_t i = 0; i < s->n_ids; i++) {
            bool dup = false;
            for (size_t j = 0; j < *n && !dup; j++) {
                dup = strcmp(ids[j], s->ids[i]) == 0;
            }
            if (!dup) {
                ids[(*n)++] = s->ids[i];
            }
        }
    }
    return ids;
}

/* Was any event the probe step counts sent more than once (a same_as
 * step, a burst of copies)? Only then can a count that reached its
 * expected value of 1 or more still grow; a count of 0 always settles. */
static bool runner_copies_sent(const struct hn_runner_case *rc, size_t idx)
{
    const struct hn_step *st = &rc->s->steps[idx];

    for (size_t k = 0; k < st->n_of; k++) {
        const struct hn_step *of = &rc->s->steps[st->of[k]];
        if (of->same_as >= 0 || (of->kind == HN_STEP_BURST && of->copies)) {
            return true;
        }
        for (size_t j = 0; j < idx; j++) {
            if (rc->s->steps[j].same_as == st->of[k]) {
                return true;
            }
        }
    }
    return false;
}

void hn_runner_probe(struct hn_runner_case *rc, size_t idx, struct rp_step *ps,
                     struct hn_runner_outcome *out)
{
    const struct hn_step *st = &rc->s->steps[idx];
    struct hn_runner *r = rc->r;
    size_t n = 0;
    const char **ids = runner_probe_ids(rc, st, &n);
    long long *seen = xcalloc(n + 1, sizeof(long long));
    long long want = st->expect.count;
    struct err e = {{0}};
    char settle[48];
    /* The settle window scales with what is checked: it is there to catch
     * a late second processing, or a late processing of a rejected one. */
    uint64_t settle_ms = want == 0 || runner_copies_sent(rc, idx) ? r->o.settle_ms : 0;

    if (settle_ms > 0) {
        char took[24];
        clock_duration_text(settle_ms * 1000u, took, sizeof(took));
        snprintf(settle, sizeof(settle), "after %s settle", took);
    } else {
        snprintf(settle, sizeof(settle), "(no copy sent)");
    }
    rp_setf(&ps->description, "ask the %s probe how many times %zu event%s (%s%s) %s processed",
            hn_probe_kind(rc->probe), n, n == 1 ? "" : "s", n > 0 ? ids[0] : "",
            n > 1 ? ", ..." : "", n == 1 ? "was" : "were");
    rp_setf(&ps->expected, "processed %lld time%s%s%s", want, want == 1 ? "" : "s",
            n > 1 ? " each" : "", settle_ms > 0 ? ", still so after the settle window" : "");
    if (n == 0) {
        hn_runner_outcome_set(out, RP_VERDICT_ERROR, "no event to probe (the steps sent none)");
        goto out;
    }
    enum hn_probe_outcome got =
        hn_probe_expect(rc->probe, ids, n, want, r->o.probe_wait_ms, settle_ms, seen, ps, &e);
    /* The probe's answers are exchanges too: charged once recorded. */
    for (size_t i = 0; i < ps->n_exchanges; i++) {
        hn_runner_fit(r, &ps->exchanges[i]);
    }
    switch (got) {
    case HN_PROBE_MET:
        out->verdict = RP_VERDICT_PASS;
        snprintf(out->figure, sizeof(out->figure), "count %lld%s %s", want, n > 1 ? " each" : "",
                 settle);
        rp_set(&ps->actual, out->figure);
        break;
    case HN_PROBE_NOT_MET:
        for (size_t i = 0; i < n; i++) {
            if (seen[i] != want) {
                hn_runner_outcome_set(out, RP_VERDICT_FAIL,
                                      "event %s was processed %lld time%s, expected %lld", ids[i],
                                      seen[i], seen[i] == 1 ? "" : "s", want);
                snprintf(out->figure, sizeof(out->figure), "count %lld, expected %lld", seen[i],
                         want);
                break;
            }
        }
        rp_set(&ps->actual, out->why);
        break;
    case HN_PROBE_FAILED:
        hn_runner_outcome_set(out, RP_VERDICT_ERROR, "%s", e.msg);
        rp_set(&ps->actual, e.msg);
        break;
    }
out:
    free(seen);
    free(ids);
}

void hn_runner_target(struct hn_runner_case *rc, size_t idx, struct rp_step *ps,
                      struct hn_runner_outcome *out)
{
    const struct hn_runner *r = rc->r;

    if (!rc->s->steps[idx].expect.https) {
        hn_runner_tls(rc, idx, ps, out);
        return;
    }
    rp_setf(&ps->description, "inspect the target URL %s", r->target_shown);
    rp_set(&ps->expected, "an https:// URL");
    if (hn_url_is_loopback(&r->url)) {
        hn_runner_outcome_set(out, RP_VERDICT_SKIP,
                              "the target is a loopback address (%s): HTTPS is checked on "
                              "deployed receivers",
                              r->url.host);
        snprintf(out->figure, sizeof(out->figure), "loopback");
        rp_set(&ps->actual, "loopback target");
        return;
    }
    if (r->url.https) {
        out->verdict = RP_VERDICT_PASS;
        snprintf(out->figure, sizeof(out->figure), "https");
        rp_set(&ps->actual, "https://");
        return;
    }
    hn_runner_outcome_set(out, RP_VERDICT_FAIL,
                          "the target %s is plain http://: deliveries and their signatures "
                          "travel in clear text",
                          r->url.host);
    snprintf(out->figure, sizeof(out->figure), "http://");
    rp_set(&ps->actual, "http://");
}

/* DLV-010: runs --restart-cmd (its own process group is left alone: it
 * may have started the receiver), then waits until the target accepts
 * connections again. */
void hn_runner_restart(struct hn_runner_case *rc, size_t idx, struct rp_step *ps,
                       struct hn_runner_outcome *out)
{
    const struct hn_runner *r = rc->r;
    char printed[256];
    char took[32], back[32];
    int status = 0;
    struct err e = {{0}};
    uint64_t t0 = clock_mono_us();

    (void)idx;
    rp_set(&ps->description, "restart the receiver (--restart-cmd), then wait until it accepts "
                             "connections again");
    rp_set(&ps->expected, "the command exits 0 and the receiver is back within 30 s");
    if (hn_shell_run("restart command", r->o.restart_cmd, NULL, RESTART_CMD_MS, HN_SHELL_KEEP_GROUP,
                     printed, sizeof(printed), &status, &e) != 0) {
        hn_runner_outcome_set(out, RP_VERDICT_ERROR, "%s", e.msg);
        return;
    }
    if (status != 0) {
        hn_runner_outcome_set(out, RP_VERDICT_ERROR, "restart command failed (exit status %d)",
                              status);
        return;
    }
    uint64_t t1 = clock_mono_us();
    uint64_t deadline = t1 + RESTART_BACK_MS * 1000u;
    while (hn_runner_reach(r, 1000, &e) != 0) {
        if (clock_mono_us() >= deadline) {
            hn_runner_outcome_set(out, RP_VERDICT_ERROR,
                                  "the receiver did not accept connections within 30 s of the "
                                  "restart command: %s",
                                  e.msg);
            return;
        }
        clock_sleep_us(50000);
    }
    clock_duration_text(t1 - t0, took, sizeof(took));
    clock_duration_text(clock_mono_us() - t1, back, sizeof(back));
    out->verdict = RP_VERDICT_PASS;
    rp_setf(&ps->actual, "the command took %s; the receiver accepted connections %s later", took,
            back);
}
