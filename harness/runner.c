/* The runner (see runner.h): cases, their steps in order, and the result
 * model they fill. Each kind of step is in a file of its own: deliver in
 * runner_deliver.c, burst in runner_burst.c, probe, wait and target in
 * runner_steps.c; what a scheme lacks for a case in runner_needs.c. The
 * helpers the step files share are in files of their own too, which call
 * nothing here: a step's outcome in runner_outcome.c, an exchange recorded
 * in runner_record.c, the run's HTTP client in runner_client.c. */
#include "harness/runner.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/clock.h"
#include "core/http_client.h"
#include "core/jsonh.h"
#include "core/xalloc.h"
#include "harness/hint.h"
#include "harness/runner_priv.h"
#include "harness/state_probe.h"
#include "harness/verdict.h"

struct hn_runner *hn_runner_new(const struct hn_runner_opts *o, struct err *e)
{
    struct hn_runner *r = xcalloc(1, sizeof(*r));
    struct rng rng;

    r->o = *o;
    pthread_mutex_init(&r->lock, NULL);
    r->scheme = o->scheme != NULL ? *o->scheme : *scheme_default();
    r->o.scheme = &r->scheme;
    r->target = xstrdup(o->target);
    r->secret = xstrdup(o->secret);
    r->headers = xcalloc(o->n_headers + 1, sizeof(char *));
    for (size_t i = 0; i < o->n_headers; i++) {
        r->headers[i] = xstrdup(o->headers[i]);
    }
    r->o.target = r->target;
    r->o.secret = r->secret;
    r->o.headers = (const char *const *)r->headers;
    r->ignored = xcalloc(o->n_ignored_topics + 1, sizeof(char *));
    for (size_t i = 0; i < o->n_ignored_topics; i++) {
        r->ignored[i] = xstrdup(o->ignored_topics[i]);
    }
    r->o.ignored_topics = (const char *const *)r->ignored;
    /* Copies: cases run together make probes of their own from them. */
    r->probe_url = o->probe_url != NULL ? xstrdup(o->probe_url) : NULL;
    r->probe_cmd = o->probe_cmd != NULL ? xstrdup(o->probe_cmd) : NULL;
    r->state_probe_url = o->state_probe_url != NULL ? xstrdup(o->state_probe_url) : NULL;
    r->o.probe_url = r->probe_url;
    r->o.probe_cmd = r->probe_cmd;
    r->o.state_probe_url = r->state_probe_url;
    if (r->o.timeout_ms == 0) {
        r->o.timeout_ms = HN_DEFAULT_TIMEOUT_MS;
    }
    if (hn_url_parse(r->target, &r->url, e) != 0) {
        goto fail;
    }
    r->target_shown = hn_url_redact(r->target);
    /* One fake subscription id for the whole run, like one Vambe webhook. */
    rng_seed(&rng, o->seed ^ 0x5765626b686f6f6bull);
    ids_uuid4(&rng, r->webhook_id);
    r->dopts.url = r->target;
    r->dopts.scheme = &r->scheme;
    r->dopts.secret = r->secret;
    r->dopts.unit = o->unit;
    r->dopts.webhook_id = r->webhook_id;
    r->dopts.user_headers = (const char *const *)r->headers;
    r->dopts.n_user_headers = o->n_headers;
    r->client = hn_runner_client(r);
    if (r->client == NULL) {
        err_set(e, "cannot start the HTTP client");
        goto fail;
    }
    if (o->state_probe_url != NULL && hn_state_probe_check(o->state_probe_url, e) != 0) {
        goto fail;
    }
    if (o->probe_url != NULL || o->probe_cmd != NULL) {
        /* The probe asks through the run's client: one connection pool. */
        struct hn_probe_opts po = {o->probe_url, o->probe_cmd, r->o.timeout_ms, r->client};
        r->probe = hn_probe_new(&po, e);
        if (r->probe == NULL) {
            goto fail;
        }
    }
    return r;
fail:
    hn_runner_free(r);
    return NULL;
}

void hn_runner_free(struct hn_runner *r)
{
    if (r == NULL) {
        return;
    }
    hn_probe_free(r->probe);
    http_client_free(r->client);
    for (size_t i = 0; i < r->o.n_headers; i++) {
        free(r->headers[i]);
    }
    free(r->headers);
    for (size_t i = 0; i < r->o.n_ignored_topics; i++) {
        free(r->ignored[i]);
    }
    free(r->ignored);
    hn_runner_acked_free(r);
    free(r->target);
    free(r->target_shown);
    free(r->secret);
    free(r->probe_url);
    free(r->probe_cmd);
    free(r->state_probe_url);
    pthread_mutex_destroy(&r->lock);
    free(r);
}

void hn_runner_set_detail(struct hn_runner *r, struct rp_detail *d)
{
    r->detail = d;
}

int hn_runner_preflight(struct hn_runner *r, struct err *e)
{
    return hn_runner_reach(r, r->o.timeout_ms, e);
}

const char *hn_runner_target_shown(const struct hn_runner *r)
{
    return r->target_shown;
}

void hn_runner_largest_body(const struct hn_runner *r, uint64_t *accepted, uint64_t *refused)
{
    *accepted = r->largest_body;
    *refused = r->smallest_refused;
}

void hn_runner_windows(const struct hn_runner *r, struct rp_window *past, struct rp_window *future)
{
    *past = r->ts_past;
    *future = r->ts_future;
}

const char *hn_runner_probe_kind(const struct hn_runner *r)
{
    return r->probe != NULL ? hn_probe_kind(r->probe) : "none";
}

/* FNV-1a: the case's share of the seed, so each case's events depend on
 * the run's seed and its own id only. */
static uint64_t runner_hash(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ull;

    for (; *s != '\0'; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001b3ull;
    }
    return h;
}

static void runner_identity(const struct hn_scenario *s, struct rp_case *c)
{
    rp_set(&c->id, s->id);
    rp_set(&c->area, s->area);
    rp_set(&c->title, s->title);
    c->level = s->level;
    rp_set(&c->reference, s->reference);
    for (size_t i = 0; i < s->n_tags; i++) {
        rp_case_add_tag(c, s->tags[i]);
    }
    rp_set(&c->file, s->file);
}

static void runner_step(struct hn_runner_case *rc, size_t idx, struct rp_step *ps,
                        struct hn_runner_outcome *out)
{
    switch (rc->s->steps[idx].kind) {
    case HN_STEP_DELIVER:
        hn_runner_deliver(rc, idx, ps, out);
        break;
    case HN_STEP_BURST:
        hn_runner_burst(rc, idx, ps, out);
        break;
    case HN_STEP_WAIT:
        hn_runner_wait(rc, idx, ps, out);
        break;
    case HN_STEP_PROBE:
        hn_runner_probe(rc, idx, ps, out);
        break;
    case HN_STEP_TARGET:
        hn_runner_target(rc, idx, ps, out);
        break;
    case HN_STEP_AUDIT:
        hn_runner_audit(rc, idx, ps, out);
        break;
    case HN_STEP_LARGEST:
        hn_runner_largest(rc, idx, ps, out);
        break;
    case HN_STEP_ANSWERS:
        hn_runner_answers(rc, idx, ps, out);
        break;
    case HN_STEP_WINDOW:
        hn_runner_window(rc, idx, ps, out);
        break;
    case HN_STEP_RESTART:
        hn_runner_restart(rc, idx, ps, out);
        break;
    case HN_STEP_STATE:
        hn_runner_state(rc, idx, ps, out);
        break;
    }
}

/* Why step st is left out of this run (in buf), or NULL: the scheme has
 * nothing for it, or it is a state step and there is no state probe. */
static const char *runner_step_lacks(const struct hn_runner *r, const struct hn_step *st, char *buf,
                                     size_t size)
{
    if (st->kind == HN_STEP_STATE && r->o.state_probe_url == NULL) {
        snprintf(buf, size,
                 "no --state-probe-url: the receiver's state is not asked; the case "
                 "stands on its other steps");
        return buf;
    }
    return hn_runner_lacks(&r->scheme, r->o.profile, st->needs, buf, size);
}

/* A step the run's scheme has nothing for (why): left out, not passed; the
 * case stands on its other steps. Its event is still drawn (not sent), for
 * the steps that re-send it and the probes that count it. 0, or -1 with
 * the case's reason set. */
static int runner_leave_out(struct hn_runner_case *rc, size_t i, struct rp_step *ps,
                            const char *why)
{
    const struct hn_step *st = &rc->s->steps[i];
    struct err e = {{0}};

    ps->verdict = RP_VERDICT_SKIP;
    rp_setf(&ps->description, "left out: %s", why);
    if (st->kind == HN_STEP_DELIVER && st->same_as < 0 &&
        hn_runner_new_event(rc, i, &rc->sent[i], &e) != 0) {
        rp_setf(&rc->c->reason, "step %zu: cannot build the event: %s", i + 1, e.msg);
        return -1;
    }
    return 0;
}

/* A case tagged "long" waits minutes (a late retry, an idle gap): it runs
 * only with --long. */
static bool runner_long_case(const struct hn_scenario *s)
{
    for (size_t i = 0; i < s->n_tags; i++) {
        if (strcmp(s->tags[i], "long") == 0) {
            return true;
        }
    }
    return false;
}

/* The level step i is held to. A step marked level_beyond_horizon that
 * starts later after the case began than the scheme's retry horizon judges
 * what no retry of the provider's would send: held lower, and said so. */
static enum rp_level runner_step_level(const struct hn_runner *r, const struct hn_step *st,
                                       enum rp_level level, uint64_t t0, uint64_t started,
                                       struct rp_step *ps)
{
    level = st->has_level ? st->level : level;
    if (!st->has_beyond_level || started - t0 <= (uint64_t)r->scheme.retry_horizon_s * 1000000u) {
        return level;
    }
    char *was = ps->description != NULL ? xstrdup(ps->description) : NULL;
    rp_setf(&ps->description,
            "%s%s%.0f s after the case began, past scheme %s's retry horizon "
            "(%u s): %s",
            was != NULL ? was : "", was != NULL ? "; " : "", (double)(started - t0) / 1e6,
            r->scheme.name, (unsigned)r->scheme.retry_horizon_s, rp_level_name(st->beyond_level));
    free(was);
    return st->beyond_level;
}

void hn_runner_case(struct hn_runner *r, const struct hn_scenario *s, struct rp_case *c)
{
    hn_runner_case_on(r, s, c, r->client, r->probe);
}

void hn_runner_case_on(struct hn_runner *r, const struct hn_scenario *s, struct rp_case *c,
                       struct http_client *client, struct hn_probe *probe)
{
    char lacks[256];
    struct hn_runner_case rc;
    enum rp_verdict worst = RP_VERDICT_PASS;
    enum rp_level level = s->level; /* the failing step's (or the case's), set below */
    size_t ran = 0;                 /* steps not left out */
    uint64_t t0 = clock_mono_us();
    char figure[128] = "";

    runner_identity(s, c);
    if (hn_runner_lacks(&r->scheme, r->o.profile, s->needs, lacks, sizeof(lacks)) != NULL) {
        c->verdict = RP_VERDICT_SKIP;
        rp_set(&c->reason, lacks);
        rp_set(&c->figure, lacks); /* the terminal shows the figure: the reason in full */
        return;
    }
    if (runner_long_case(s) && !r->o.long_run) {
        c->verdict = RP_VERDICT_SKIP;
        rp_set(&c->reason, "a long case: it waits minutes; run with --long");
        rp_set(&c->figure, "needs --long");
        return;
    }
    if (s->has_signed_id_level && hn_runner_id_binding(&r->scheme, r->o.profile) == HN_ID_SIGNED) {
        c->level = s->signed_id_level;
    }
    if (s->needs_probe && r->probe == NULL) {
        c->verdict = RP_VERDICT_SKIP;
        rp_set(&c->reason, "needs a probe to see side effects: give --probe-url or --probe-cmd");
        rp_set(&c->figure, "no probe");
        return;
    }
    if (s->restarts && r->o.restart_cmd == NULL) {
        c->verdict = RP_VERDICT_SKIP;
        rp_set(&c->reason, "needs a way to restart the receiver: give --restart-cmd");
        rp_set(&c->figure, "no restart command");
        return;
    }
    memset(&rc, 0, sizeof(rc));
    rc.r = r;
    rc.client = client;
    rc.probe = probe;
    rc.s = s;
    rc.c = c;
    rng_seed(&rc.rng, r->o.seed ^ runner_hash(s->id));
    rc.sent = xcalloc(s->n_steps, sizeof(*rc.sent));
    for (size_t i = 0; i < s->n_steps; i++) {
        struct rp_step *ps = rp_case_add_step(c);
        struct hn_runner_outcome out;
        memset(&out, 0, sizeof(out));
        rp_set(&ps->kind, hn_step_kind_name(s->steps[i].kind));
        if (runner_step_lacks(r, &s->steps[i], lacks, sizeof(lacks)) != NULL) {
            if (runner_leave_out(&rc, i, ps, lacks) != 0) {
                worst = RP_VERDICT_ERROR;
                break;
            }
            continue;
        }
        ran++;
        uint64_t started = clock_mono_us();
        runner_step(&rc, i, ps, &out);
        enum rp_level step_level = runner_step_level(r, &s->steps[i], c->level, t0, started, ps);
        ps->verdict = out.verdict;
        if (out.verdict != RP_VERDICT_PASS) {
            worst = out.verdict;
            level = step_level;
            rp_setf(&c->reason, "step %zu (%s): %s", i + 1, hn_step_kind_name(s->steps[i].kind),
                    out.why);
            if (out.figure[0] != '\0') {
                snprintf(figure, sizeof(figure), "%s", out.figure);
            }
            break;
        }
        if (out.figure[0] != '\0') {
            snprintf(figure, sizeof(figure), "%s", out.figure);
        }
    }
    c->verdict = hn_verdict_case(worst, level, r->o.strict);
    if (ran == 0 && worst == RP_VERDICT_PASS) {
        /* Every step was left out: nothing was checked. */
        c->verdict = RP_VERDICT_SKIP;
        rp_set(&c->reason, lacks);
        snprintf(figure, sizeof(figure), "%.120s", lacks);
    }
    rp_set(&c->figure, figure[0] ? figure : NULL);
    c->duration_us = clock_mono_us() - t0;
    for (size_t i = 0; i < s->n_steps; i++) {
        hn_runner_sent_cleanup(&rc.sent[i]);
    }
    free(rc.sent);
}
