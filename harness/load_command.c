/* The load command (see load.h): check, reach the target, run the steps
 * (one at a fixed rate, or a ramp), print them and the knee, write the
 * reports. The rules are in load_plan.c, a step's sending in load_pace.c. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/exit.h"
#include "core/log.h"
#include "core/signature.h"
#include "core/xalloc.h"
#include "harness/interrupt.h"
#include "harness/load.h"
#include "harness/load_int.h"
#include "harness/preflight.h"
#include "harness/url.h"
#include "reports/write.h"

#define LOAD_MAX_REPORTS  16
#define LOAD_PREFLIGHT_MS 5000

struct load_report {
    enum rp_format format;
    const char *path; /* borrowed from argv */
};

/* What the command prints while it runs. */
struct load_show {
    FILE *out;     /* the steps and the knee */
    bool progress; /* stderr is a terminal: a \r-updated line */
    bool drawn;    /* a progress line is on the terminal */
};

/* The --report arguments, each checked writable before anything is sent. */
static int load_reports(const struct hn_config *b, struct load_report *out, size_t *n,
                        struct err *e)
{
    *n = 0;
    for (size_t i = 0; i < b->n_reports && *n < LOAD_MAX_REPORTS; i++) {
        const char *path = NULL;
        if (rp_report_spec_parse(b->reports[i], &out[*n].format, &path, e) != 0 ||
            rp_check_writable(path, e) != 0) {
            return -1;
        }
        out[(*n)++].path = path;
    }
    return 0;
}

/* The seed: --seed, else random (63 bits, so --seed takes it back). */
static uint64_t load_seed(const struct hn_config *b)
{
    uint64_t seed = 0;

    if (b->has_seed) {
        return b->seed;
    }
    if (signature_random_bytes(&seed, sizeof(seed)) != 0) {
        seed = clock_wall_ms() ^ clock_mono_us();
    }
    return seed & 0x7fffffffffffffffull;
}

/* One TCP connection before anything is sent: an unreachable target is
 * one clear exit 3, not a ramp of refused deliveries. */
static int load_reach(const struct hn_config *b, struct err *e)
{
    struct hn_url u;
    char addr[64];

    if (hn_url_parse(b->target, &u, e) != 0) {
        return -1;
    }
    bool given = hn_resolve_find(b->resolve, b->n_resolve, u.host, u.port, addr, sizeof(addr));
    return hn_preflight_check(&u, given ? addr : NULL, LOAD_PREFLIGHT_MS, e);
}

static struct rp_load *load_model(const struct hn_load_config *cfg, uint64_t seed,
                                  const char *target_shown)
{
    struct rp_load *l = rp_load_new();
    const struct hn_config *b = &cfg->base;

    rp_set(&l->harness_version, VAMBE_VERSION);
    rp_set(&l->target, target_shown);
    rp_set(&l->scheme, b->scheme->name);
    rp_set(&l->profile, event_profile_name(b->profile));
    rp_set(&l->topics, cfg->topics != NULL ? cfg->topics : event_profile_default_type(b->profile));
    l->mode = cfg->ramp ? RP_LOAD_RAMP : RP_LOAD_FIXED;
    l->rate = cfg->ramp ? 0 : cfg->rate;
    l->start = cfg->ramp ? cfg->start : 0;
    l->max = cfg->ramp ? cfg->max : 0;
    l->duration_us = (cfg->ramp ? cfg->step_ms : cfg->duration_ms) * 1000u;
    l->budget_us = cfg->budget_ms * 1000u;
    l->timeout_us = (cfg->budget_ms + HN_LOAD_TIMEOUT_GRACE_MS) * 1000u;
    l->concurrency = cfg->concurrency;
    l->seed = seed;
    l->started_wall_ms = clock_wall_ms();
    if (b->scheme->kind == SCHEME_NONE) {
        rp_load_add_note(l, "scheme none: the deliveries carry no signature; a receiver that "
                            "verifies signatures does that work only under a signing scheme");
    }
    return l;
}

/* ---- what is printed -------------------------------------------------- */

static void load_progress(void *arg, const struct rp_load_step *s, const struct hn_load_tally *t,
                          uint64_t elapsed_us)
{
    struct load_show *sh = arg;
    char p99[32];

    if (!sh->progress) {
        return;
    }
    clock_duration_text(histogram_percentile(&t->latency, 99), p99, sizeof(p99));
    fprintf(stderr,
            "\r\033[Kstep %u, %llu/s: %.1f of %.1f s, sent %llu, 2xx %llu, failed %llu, not sent "
            "%llu, in flight %llu, p99 %s",
            s->index, (unsigned long long)s->rate, (double)elapsed_us / 1e6,
            (double)s->duration_us / 1e6, (unsigned long long)t->sent, (unsigned long long)t->ok,
            (unsigned long long)t->non_2xx + (unsigned long long)t->errors,
            (unsigned long long)t->not_sent, (unsigned long long)t->in_flight, p99);
    fflush(stderr);
    sh->drawn = true;
}

static void load_progress_clear(struct load_show *sh)
{
    if (sh->drawn) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
        sh->drawn = false;
    }
}

static void load_print_head(const struct load_show *sh, const struct rp_load *l)
{
    char budget[32];

    clock_duration_text(l->budget_us, budget, sizeof(budget));
    fprintf(sh->out, "load %s: scheme %s, %s, budget %s (p99), concurrency %u, seed %llu\n",
            l->target, l->scheme, l->mode == RP_LOAD_RAMP ? "ramp" : "fixed rate", budget,
            l->concurrency, (unsigned long long)l->seed);
    fprintf(sh->out, "%4s %8s %-11s %9s %8s %9s %7s %7s %11s %9s %9s %9s %9s\n", "step", "rate/s",
            "status", "sent", "not sent", "2xx/s", "non-2xx", "errors", "over budget", "p50", "p90",
            "p99", "max");
    fflush(sh->out);
}

static void load_print_step(const struct load_show *sh, const struct rp_load *l,
                            const struct rp_load_step *s)
{
    char p50[32], p90[32], p99[32], max[32], why[512];

    clock_duration_text(s->latency.p50_us, p50, sizeof(p50));
    clock_duration_text(s->latency.p90_us, p90, sizeof(p90));
    clock_duration_text(s->latency.p99_us, p99, sizeof(p99));
    clock_duration_text(s->latency.max_us, max, sizeof(max));
    fprintf(sh->out, "%4u %8llu %-11s %9llu %8llu %9.1f %7llu %7llu %11llu %9s %9s %9s %9s\n",
            s->index, (unsigned long long)s->rate, rp_load_status_name(s->status),
            (unsigned long long)s->sent, (unsigned long long)s->not_sent, rp_load_step_ok_rps(s),
            (unsigned long long)s->non_2xx, (unsigned long long)rp_load_step_errors(s),
            (unsigned long long)s->over_budget, p50, p90, p99, max);
    rp_load_step_why(l, s, why, sizeof(why));
    if (why[0] != '\0') {
        fprintf(sh->out, "     %s\n", why);
    }
    fflush(sh->out);
}

static void load_print_result(const struct load_show *sh, const struct rp_load *l)
{
    char knee[512], stop[512];

    rp_load_knee_text(l, knee, sizeof(knee));
    rp_load_stop_text(l, stop, sizeof(stop));
    fprintf(sh->out, "knee: %s\nstopped: %s\n", knee, stop);
    for (size_t i = 0; i < l->n_notes; i++) {
        fprintf(sh->out, "note: %s\n", l->notes[i]);
    }
    fflush(sh->out);
}

/* ---- the steps -------------------------------------------------------- */

static int load_stop_asked(void)
{
    return hn_interrupt_signal();
}

/* Runs the steps into l. 0, or -1 with e set when sending failed. */
static int load_steps(const struct hn_load_config *cfg, struct rp_load *l,
                      struct hn_load_pace *pace, struct load_show *sh, struct err *e)
{
    struct hn_load_tally *tally = xmalloc(sizeof(*tally));
    uint64_t rate = cfg->ramp ? cfg->start : cfg->rate;
    int rc = 0;

    for (;;) {
        struct rp_load_step *s = rp_load_add_step(l);
        s->rate = rate;
        s->duration_us = l->duration_us;
        rc = hn_load_pace_step(pace, s, tally, e);
        load_progress_clear(sh);
        hn_load_judge(l, s);
        load_print_step(sh, l, s);
        if (rc != 0) {
            break;
        }
        if (!cfg->ramp) {
            l->stop =
                s->status == RP_LOAD_INTERRUPTED ? RP_LOAD_STOP_INTERRUPTED : RP_LOAD_STOP_DONE;
            break;
        }
        if (!hn_load_next(l, s, &rate, &l->stop)) {
            break;
        }
    }
    free(tally);
    return rc;
}

/* The sender and the client, from the configuration. */
static int load_prepare(const struct hn_load_config *cfg, uint64_t seed,
                        struct hn_load_sender **snd, struct http_client **client, struct err *e)
{
    const struct hn_config *b = &cfg->base;
    struct hn_load_sender_opts so = {
        b->target,   b->scheme,  b->secret,    b->unit, b->profile,
        cfg->topics, b->headers, b->n_headers, seed,    cfg->budget_ms + HN_LOAD_TIMEOUT_GRACE_MS};
    /* A connection per delivery in flight, kept open between waves. */
    struct http_client_opts co = {.max_host_connections = 0,
                                  .max_total_connections = 0,
                                  .max_idle_connections = cfg->concurrency,
                                  .ca_file = b->ca_file,
                                  .resolve = b->resolve,
                                  .n_resolve = b->n_resolve};

    *snd = hn_load_sender_new(&so, e);
    if (*snd == NULL) {
        return -1;
    }
    *client = http_client_new(&co);
    if (*client == NULL) {
        return err_set(e, "cannot initialise libcurl");
    }
    return 0;
}

int hn_load_run(const struct hn_load_config *cfg, FILE *out, struct rp_load **result)
{
    const struct hn_config *b = &cfg->base;
    struct load_report reports[LOAD_MAX_REPORTS];
    size_t n_reports = 0;
    struct hn_load_sender *snd = NULL;
    struct http_client *client = NULL;
    struct rp_load *l = NULL;
    struct err e = {{0}};
    uint64_t seed = load_seed(b);
    char *shown = hn_url_redact(b->target);
    int code = KIT_EXIT_USAGE;

    if (result != NULL) {
        *result = NULL;
    }
    if (load_reports(b, reports, &n_reports, &e) != 0 ||
        load_prepare(cfg, seed, &snd, &client, &e) != 0) {
        log_error("%s", e.msg);
        goto out;
    }
    for (size_t i = 0; i < n_reports; i++) {
        if (strcmp(reports[i].path, "-") == 0) {
            out = stderr; /* standard output holds the report */
        }
    }
    if (load_reach(b, &e) != 0) {
        log_error("target %s unreachable: %s", shown, e.msg);
        code = KIT_EXIT_ENV;
        goto out;
    }
    struct load_show sh = {out, isatty(STDERR_FILENO) == 1, false};
    struct hn_load_pace pace = {snd,           client, cfg->concurrency, cfg->budget_ms * 1000u,
                                load_progress, &sh,    load_stop_asked};
    l = load_model(cfg, seed, shown);
    hn_interrupt_install(); /* before the first line: a signal after it is a stop */
    load_print_head(&sh, l);
    uint64_t t0 = clock_mono_us();
    int rc = load_steps(cfg, l, &pace, &sh, &e);
    l->total_us = clock_mono_us() - t0;
    int sig = hn_interrupt_signal();
    hn_interrupt_restore();
    if (sig != 0) {
        l->interrupted = hn_interrupt_name(sig);
        l->stop = RP_LOAD_STOP_INTERRUPTED;
    }
    hn_load_find_knee(l);
    load_print_result(&sh, l);
    code = sig != 0 ? 128 + sig : KIT_EXIT_OK;
    if (rc != 0) {
        log_error("load stopped: %s", e.msg);
        code = KIT_EXIT_USAGE;
    }
    for (size_t i = 0; i < n_reports; i++) {
        if (rp_load_write_file(l, reports[i].format, reports[i].path, &e) != 0) {
            log_error("report %s: %s", reports[i].path, e.msg);
            code = KIT_EXIT_USAGE;
        }
    }
out:
    if (result != NULL) {
        *result = l;
    } else {
        rp_load_free(l);
    }
    http_client_free(client);
    hn_load_sender_free(snd);
    free(shown);
    return code;
}
