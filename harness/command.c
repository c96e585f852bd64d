/* The commands run, list and validate (see command.h). */
#include "harness/command.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/clock.h"
#include "core/exit.h"
#include "core/log.h"
#include "core/signature.h"
#include "core/xalloc.h"
#include "harness/interrupt.h"
#include "harness/output.h"
#include "harness/runner.h"
#include "harness/suite.h"
#include "harness/verdict.h"
#include "reports/write.h"

#define COMMAND_MAX_REPORTS  16
#define COMMAND_TOGETHER_MAX 8 /* cases run together at most */

struct command_report {
    enum rp_format format;
    char *path; /* owned */
};

/* Loads the suite the command line names: --suite (or the built-in one,
 * unless --scenario files alone were given) plus the --scenario files. */
static int command_suite(const struct hn_config *cfg, struct hn_suite *s, char **where,
                         struct err *e)
{
    char dir[4096];

    if (cfg->suite != NULL || cfg->n_scenarios == 0) {
        if (cfg->suite != NULL) {
            snprintf(dir, sizeof(dir), "%s", cfg->suite);
        } else if (hn_suite_default_dir(dir, sizeof(dir)) != 0) {
            return err_set(e, "cannot find the built-in suite; give --suite DIR");
        }
        if (hn_suite_add_dir(s, dir, e) != 0) {
            return -1;
        }
        *where = xstrdup(dir);
    } else {
        *where = xstrdup("scenario files");
    }
    for (size_t i = 0; i < cfg->n_scenarios; i++) {
        if (hn_suite_add_file(s, cfg->scenarios[i], e) != 0) {
            return -1;
        }
    }
    return 0;
}

/* Parses --report and --report-dir and checks, before any case runs, that
 * every file can be written. */
static int command_reports(const struct hn_config *cfg, struct command_report *out, size_t *n,
                           struct err *e)
{
    *n = 0;
    for (size_t i = 0; i < cfg->n_reports && *n < COMMAND_MAX_REPORTS; i++) {
        const char *path = NULL;
        if (rp_report_spec_parse(cfg->reports[i], &out[*n].format, &path, e) != 0) {
            return -1;
        }
        out[(*n)++].path = xstrdup(path);
    }
    if (cfg->report_dir != NULL) {
        struct stat st;
        if (stat(cfg->report_dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
            return err_set(e, "--report-dir %s: not a folder", cfg->report_dir);
        }
        for (int f = 0; f < RP_FORMAT_COUNT && *n < COMMAND_MAX_REPORTS; f++) {
            out[*n].format = (enum rp_format)f;
            out[(*n)++].path =
                xasprintf("%s/%s", cfg->report_dir, rp_format_default_name((enum rp_format)f));
        }
    }
    for (size_t i = 0; i < *n; i++) {
        if (rp_check_writable(out[i].path, e) != 0) {
            return -1;
        }
    }
    return 0;
}

static uint64_t command_seed(const struct hn_config *cfg)
{
    uint64_t seed = 0;

    if (cfg->has_seed) {
        return cfg->seed;
    }
    if (signature_random_bytes(&seed, sizeof(seed)) != 0) {
        seed = clock_wall_ms() ^ clock_mono_us();
    }
    /* 63 bits, so --seed (a signed 64-bit parse) takes it back. */
    return seed & 0x7fffffffffffffffull;
}

/* The --ignored-topics arguments split at their commas (owned copies,
 * NULL-terminated). */
static char **command_topics(const struct hn_config *cfg, size_t *n)
{
    char **out = xcalloc(1, sizeof(char *));

    *n = 0;
    for (size_t i = 0; i < cfg->n_ignored_topics; i++) {
        const char *p = cfg->ignored_topics[i];
        for (;;) {
            size_t len = strcspn(p, ",");
            out = xrealloc(out, (*n + 2) * sizeof(char *));
            out[(*n)++] = xstrndup(p, len);
            out[*n] = NULL;
            if (p[len] == '\0') {
                break;
            }
            p += len + 1;
        }
    }
    return out;
}

static struct hn_runner *command_runner(const struct hn_config *cfg, uint64_t seed, struct err *e)
{
    struct hn_runner_opts o;
    struct hn_runner *r;
    size_t n_topics = 0;
    char **topics = command_topics(cfg, &n_topics);

    memset(&o, 0, sizeof(o));
    o.target = cfg->target;
    o.secret = cfg->secret;
    o.headers = cfg->headers;
    o.n_headers = cfg->n_headers;
    o.probe_url = cfg->probe_url;
    o.state_probe_url = cfg->state_probe_url;
    o.probe_cmd = cfg->probe_cmd;
    o.timeout_ms = cfg->timeout_ms;
    o.settle_ms = cfg->settle_ms;
    o.probe_wait_ms = cfg->probe_wait_ms;
    o.scheme = cfg->scheme;
    o.profile = cfg->profile;
    o.unit = cfg->unit;
    o.strict = cfg->strict;
    o.long_run = cfg->long_run;
    o.restart_cmd = cfg->restart_cmd;
    o.ca_file = cfg->ca_file;
    o.resolve = cfg->resolve;
    o.n_resolve = cfg->n_resolve;
    o.seed = seed;
    o.ignored_topics = (const char *const *)topics;
    o.n_ignored_topics = n_topics;
    r = hn_runner_new(&o, e); /* copies the topics */
    for (size_t i = 0; i < n_topics; i++) {
        free(topics[i]);
    }
    free(topics);
    return r;
}

/* Cases that mostly wait run together, at the place of the first of them:
 * the others are taken from later in the suite (ran[] marks them). Returns
 * how many ran, 0 when suite.items[i] is not such a case or has no
 * companion. */
static size_t command_together(const struct hn_config *cfg, struct hn_runner *r, struct rp_run *run,
                               struct hn_output *o, const struct hn_suite *suite, size_t i,
                               bool *ran, uint64_t seed)
{
    const struct hn_scenario *s[COMMAND_TOGETHER_MAX];
    size_t at[COMMAND_TOGETHER_MAX];
    struct rp_case *c[COMMAND_TOGETHER_MAX];
    size_t n = 0;
    char note[512];
    size_t used;

    for (size_t j = i; j < suite->n && n < COMMAND_TOGETHER_MAX; j++) {
        if (!ran[j] && suite->items[j]->waits) {
            at[n] = j;
            s[n++] = suite->items[j];
        }
    }
    if (n < 2 || at[0] != i) {
        return 0;
    }
    size_t base = run->n_cases;
    for (size_t k = 0; k < n; k++) {
        rp_run_add_case(run); /* all added first: the array moves no more */
    }
    used = (size_t)snprintf(note, sizeof(note), "ran together, as cases that mostly wait:");
    for (size_t k = 0; k < n; k++) {
        c[k] = &run->cases[base + k];
        ran[at[k]] = true;
        if (used < sizeof(note)) {
            used += (size_t)snprintf(note + used, sizeof(note) - used, "%s %s",
                                     k == 0 ? "" : (k + 1 == n ? " and" : ","), s[k]->id);
        }
    }
    hn_runner_cases_together(r, s, c, n);
    for (size_t k = 0; k < n; k++) {
        c[k]->rerun = hn_cli_rerun(cfg, s[k]->id, seed);
        hn_output_case(o, c[k]);
    }
    log_debug("%s", note);
    rp_run_add_note(run, note);
    return n;
}

/* A case left deliveries unanswered: the next one waits until the
 * receiver answers again, and the report says how that went. */
static void command_isolate(struct hn_runner *r, struct rp_run *run, const char *done,
                            const char *next)
{
    uint64_t waited = 0;
    char took[32];
    char note[512];
    bool idle = hn_runner_wait_idle(r, &waited);

    clock_duration_text(waited, took, sizeof(took));
    if (idle) {
        snprintf(note, sizeof(note),
                 "%s left deliveries unanswered; %s started once the receiver answered again "
                 "(after %s)",
                 done, next, took);
    } else {
        snprintf(note, sizeof(note),
                 "%s left deliveries unanswered and the receiver was still busy after %s: %s "
                 "ran on a receiver busy with an earlier case",
                 done, took, next);
    }
    log_info("%s", note);
    rp_run_add_note(run, note);
}

/* What the scheme cannot protect, said once per run: findings, never
 * failures (a receiver cannot do better than its sender offers). */
static void command_scheme_notes(const struct scheme *s, struct rp_run *run)
{
    char note[512];

    rp_set(&run->scheme, s->name);
    if (s->kind == SCHEME_NONE) {
        snprintf(note, sizeof(note),
                 "scheme %s: deliveries carry no signature or token, so the SIG family was not "
                 "run; anyone who knows the URL can post to it",
                 s->name);
    } else if (s->kind == SCHEME_TOKEN) {
        snprintf(note, sizeof(note),
                 "scheme %s: a shared token shows who sent a delivery but protects neither the "
                 "body nor against replay (the cases that need a signed body or a timestamp "
                 "do not apply)",
                 s->name);
    } else if (!scheme_has_timestamp(s)) {
        snprintf(note, sizeof(note),
                 "scheme %s: no timestamp is signed, so a captured delivery can be replayed "
                 "(the cases that need a timestamp do not apply); deduplicate by %s",
                 s->name, s->event_id.name);
    } else {
        return;
    }
    rp_run_add_note(run, note);
}

static struct rp_run *command_new_run(const struct hn_config *cfg, const struct hn_runner *r,
                                      const struct hn_suite *s, const char *where, uint64_t seed)
{
    struct rp_run *run = rp_run_new();

    rp_set(&run->harness_version, VAMBE_VERSION);
    rp_set(&run->target, hn_runner_target_shown(r));
    rp_set(&run->suite, where);
    run->suite_checksum = hn_suite_checksum(s);
    rp_set(&run->profile, event_profile_name(cfg->profile));
    command_scheme_notes(cfg->scheme, run);
    rp_set(&run->timestamp_unit, signature_unit_name(cfg->unit));
    rp_set(&run->probe, hn_runner_probe_kind(r));
    run->seed = seed;
    run->strict = cfg->strict;
    run->started_wall_ms = clock_wall_ms();
    return run;
}

int hn_command_run(const struct hn_config *cfg, FILE *out, struct rp_run **run_out)
{
    struct hn_suite suite = {NULL, 0};
    struct command_report reports[COMMAND_MAX_REPORTS];
    size_t n_reports = 0;
    struct hn_runner *r = NULL;
    struct rp_run *run = NULL;
    struct hn_output o;
    struct err e = {{0}};
    char *where = NULL;
    uint64_t seed = command_seed(cfg);
    int code = KIT_EXIT_USAGE;

    if (run_out != NULL) {
        *run_out = NULL;
    }
    memset(reports, 0, sizeof(reports));
    if (command_reports(cfg, reports, &n_reports, &e) != 0 ||
        command_suite(cfg, &suite, &where, &e) != 0 ||
        hn_suite_select(&suite, cfg->only, cfg->skip, cfg->tags, &e) != 0 ||
        (r = command_runner(cfg, seed, &e)) == NULL) {
        log_error("%s", e.msg);
        goto out;
    }
    hn_suite_audits_last(&suite);
    for (size_t i = 0; i < n_reports; i++) {
        if (strcmp(reports[i].path, "-") == 0) {
            out = stderr; /* standard output holds the report (as curl -o -) */
        }
    }
    if (hn_runner_preflight(r, &e) != 0) {
        log_error("target %s unreachable: %s", hn_runner_target_shown(r), e.msg);
        code = KIT_EXIT_ENV;
        goto out;
    }
    run = command_new_run(cfg, r, &suite, where, seed);
    hn_runner_set_detail(r, &run->detail);
    hn_output_init(&o, out, cfg->no_color);
    uint64_t t0 = clock_mono_us();
    hn_interrupt_install();
    bool *ran = xcalloc(suite.n + 1, sizeof(bool));
    for (size_t i = 0; i < suite.n && hn_interrupt_signal() == 0; i++) {
        if (ran[i] || command_together(cfg, r, run, &o, &suite, i, ran, seed) > 0) {
            continue;
        }
        ran[i] = true;
        struct rp_case *c = rp_run_add_case(run);
        hn_runner_case(r, suite.items[i], c);
        /* An audit judges the whole run: its re-run is the whole run. */
        c->rerun = hn_cli_rerun(cfg, suite.items[i]->audit ? NULL : c->id, seed);
        hn_output_case(&o, c);
        if (i + 1 < suite.n && hn_runner_case_abandoned(c)) {
            command_isolate(r, run, c->id, suite.items[i + 1]->id);
        }
    }
    free(ran);
    run->duration_us = clock_mono_us() - t0;
    int sig = hn_interrupt_signal();
    if (sig != 0) {
        char note[160];
        run->interrupted = hn_interrupt_name(sig);
        snprintf(note, sizeof(note),
                 "interrupted by %s after %zu of %zu cases: the report holds the cases that "
                 "finished, and the run is not judged",
                 run->interrupted, run->n_cases, suite.n);
        rp_run_add_note(run, note);
    }
    hn_runner_largest_body(r, &run->largest_body, &run->smallest_refused);
    hn_runner_windows(r, &run->ts_past, &run->ts_future);
    rp_run_summarize(run);
    hn_output_failures(&o, run);
    hn_output_summary(&o, run);
    code = sig != 0 ? 128 + sig : rp_run_exit_code(run);
    for (size_t i = 0; i < n_reports; i++) {
        if (rp_write_file(run, reports[i].format, reports[i].path, &e) != 0) {
            log_error("report %s: %s", reports[i].path, e.msg);
            code = KIT_EXIT_USAGE;
        }
    }
    hn_interrupt_restore();
out:
    for (size_t i = 0; i < n_reports; i++) {
        free(reports[i].path);
    }
    if (run_out != NULL) {
        *run_out = run;
    } else {
        rp_run_free(run);
    }
    hn_runner_free(r);
    hn_suite_cleanup(&suite);
    free(where);
    return code;
}

int hn_command_list(const struct hn_config *cfg, FILE *out)
{
    struct hn_suite suite = {NULL, 0};
    struct hn_output o;
    struct err e = {{0}};
    char *where = NULL;
    int code = KIT_EXIT_USAGE;

    if (command_suite(cfg, &suite, &where, &e) != 0 ||
        hn_suite_select(&suite, cfg->only, cfg->skip, cfg->tags, &e) != 0) {
        log_error("%s", e.msg);
        goto out;
    }
    hn_output_init(&o, out, cfg->no_color);
    hn_output_list(&o, &suite);
    code = KIT_EXIT_OK;
out:
    hn_suite_cleanup(&suite);
    free(where);
    return code;
}

/* Validates one file; a duplicate id (against earlier files) is an error. */
static int command_validate_file(const char *path, struct hn_suite *seen, FILE *err_out)
{
    struct err e = {{0}};

    if (hn_suite_add_file(seen, path, &e) != 0) {
        fprintf(err_out, "%s\n", e.msg);
        return -1;
    }
    return 0;
}

int hn_command_validate(const struct hn_config *cfg, FILE *out)
{
    struct hn_suite seen = {NULL, 0};
    struct err e = {{0}};
    size_t total = 0;
    size_t bad = 0;
    char dir[4096];
    /* What to check: the operands, then --scenario files and --suite (as
     * `run` would load them); with none of these, the built-in suite. */
    const char **ops = xcalloc(cfg->n_files + cfg->n_scenarios + 1, sizeof(*ops));
    size_t n_ops = 0;

    for (size_t i = 0; i < cfg->n_files; i++) {
        ops[n_ops++] = cfg->files[i];
    }
    for (size_t i = 0; i < cfg->n_scenarios; i++) {
        ops[n_ops++] = cfg->scenarios[i];
    }
    if (cfg->suite != NULL) {
        ops[n_ops++] = cfg->suite;
    } else if (n_ops == 0) {
        if (hn_suite_default_dir(dir, sizeof(dir)) != 0) {
            log_error("validate: no file given and no built-in suite found");
            free(ops);
            return KIT_EXIT_USAGE;
        }
        ops[n_ops++] = dir;
    }
    for (size_t i = 0; i < n_ops; i++) {
        struct stat st;
        if (stat(ops[i], &st) == 0 && S_ISDIR(st.st_mode)) {
            char **paths = NULL;
            size_t n = 0;
            if (hn_suite_list_files(ops[i], &paths, &n, &e) != 0) {
                fprintf(stderr, "%s\n", e.msg);
                bad++;
                continue;
            }
            for (size_t k = 0; k < n; k++) {
                total++;
                bad += command_validate_file(paths[k], &seen, stderr) != 0;
                free(paths[k]);
            }
            free(paths);
        } else {
            total++;
            bad += command_validate_file(ops[i], &seen, stderr) != 0;
        }
    }
    hn_suite_cleanup(&seen);
    free(ops);
    if (total == 0) {
        log_error("validate: no scenario file found");
        return KIT_EXIT_USAGE;
    }
    if (bad > 0) {
        log_error("%zu of %zu scenario%s with errors", bad, total, total == 1 ? "" : "s");
        return KIT_EXIT_USAGE;
    }
    fprintf(out, "%zu scenario%s OK\n", total, total == 1 ? "" : "s");
    return KIT_EXIT_OK;
}
