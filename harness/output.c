/* Text output on stdout (see output.h). */
#include "harness/output.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/stats.h"
#include "harness/verdict.h"

#define OUT_BODY_EXCERPT 160

static const char *const out_colors[RP_VERDICT_COUNT] = {
    "\x1b[32m",   /* PASS: green */
    "\x1b[31m",   /* FAIL: red */
    "\x1b[33m",   /* WARN: yellow */
    "\x1b[36m",   /* SKIP: cyan */
    "\x1b[1;35m", /* ERROR: bold magenta */
};
#define OUT_RESET "\x1b[0m"
#define OUT_BOLD  "\x1b[1m"

void hn_output_init(struct hn_output *o, FILE *f, bool no_color)
{
    const char *nc = getenv("NO_COLOR");

    o->f = f;
    o->color = !no_color && (nc == NULL || nc[0] == '\0') && isatty(fileno(f));
}

static void out_verdict(const struct hn_output *o, enum rp_verdict v)
{
    if (o->color) {
        fprintf(o->f, "%s%-5s%s", out_colors[v], rp_verdict_name(v), OUT_RESET);
    } else {
        fprintf(o->f, "%-5s", rp_verdict_name(v));
    }
}

void hn_output_case(const struct hn_output *o, const struct rp_case *c)
{
    out_verdict(o, c->verdict);
    fprintf(o->f, " %-6s  %-8s %s", rp_level_name(c->level), c->id, c->title);
    if (c->figure != NULL) {
        fprintf(o->f, "  (%s)", c->figure);
    }
    fputc('\n', o->f);
    fflush(o->f);
}

/* Prints bytes as one line: printable ASCII as is, the rest escaped. */
static void out_excerpt(FILE *f, const char *s, size_t len)
{
    size_t n = len < OUT_BODY_EXCERPT ? len : OUT_BODY_EXCERPT;

    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\\') {
            fputs("\\\\", f);
        } else if (c >= 0x20 && c < 0x7f) {
            fputc(c, f);
        } else if (c == '\n') {
            fputs("\\n", f);
        } else {
            fprintf(f, "\\x%02x", c);
        }
    }
    if (len > n) {
        fprintf(f, "... (%zu bytes)", len);
    }
}

/* The first exchange of a step that did not go as the step expected; the
 * first one when none can be told apart. */
static const struct rp_exchange *out_exchange(const struct rp_step *s)
{
    for (size_t i = 0; i < s->n_exchanges; i++) {
        if (s->exchanges[i].error != NULL || s->exchanges[i].status / 100 != 2) {
            return &s->exchanges[i];
        }
    }
    return s->n_exchanges > 0 ? &s->exchanges[0] : NULL;
}

/* The case's own latency figures: its delivery exchanges that got an
 * answer (probe exchanges aside). */
static void out_case_latency(const struct hn_output *o, const struct rp_case *c)
{
    size_t n = 0;
    char p50[32], p95[32], p99[32], max[32];

    for (size_t i = 0; i < c->n_steps; i++) {
        n += rp_step_latencies(&c->steps[i], NULL);
    }
    uint64_t *v = calloc(n + 1, sizeof(uint64_t));
    if (v == NULL) {
        return;
    }
    n = 0;
    for (size_t i = 0; i < c->n_steps; i++) {
        n += rp_step_latencies(&c->steps[i], v + n);
    }
    if (n > 0) {
        clock_duration_text(stats_percentile(v, n, 50), p50, sizeof(p50));
        clock_duration_text(stats_percentile(v, n, 95), p95, sizeof(p95));
        clock_duration_text(stats_percentile(v, n, 99), p99, sizeof(p99));
        clock_duration_text(v[n - 1], max, sizeof(max));
        fprintf(o->f, "  latency:   %zu answer%s: p50 %s, p95 %s, p99 %s, max %s\n", n,
                n == 1 ? "" : "s", p50, p95, p99, max);
    }
    free(v);
}

static void out_failure(const struct hn_output *o, const struct rp_case *c)
{
    const struct rp_step *s = c->n_steps > 0 ? &c->steps[c->n_steps - 1] : NULL;
    const struct rp_exchange *x = s != NULL ? out_exchange(s) : NULL;

    fputc('\n', o->f);
    out_verdict(o, c->verdict);
    fprintf(o->f, " %s%s%s  %s\n", o->color ? OUT_BOLD : "", c->id, o->color ? OUT_RESET : "",
            c->title);
    if (c->reason != NULL) {
        fprintf(o->f, "  why:       %s\n", c->reason);
    }
    if (s != NULL && s->description != NULL) {
        fprintf(o->f, "  sent:      %s\n", s->description);
    }
    if (x != NULL && x->url != NULL) {
        fprintf(o->f, "  to:        %s %s\n", x->method != NULL ? x->method : "", x->url);
    }
    if (s != NULL && s->expected != NULL) {
        fprintf(o->f, "  expected:  %s\n", s->expected);
    }
    if (s != NULL && s->actual != NULL) {
        fprintf(o->f, "  got:       %s\n", s->actual);
    }
    if (x != NULL && x->response_body != NULL && x->response_body_len > 0) {
        fputs("  body:      ", o->f);
        out_excerpt(o->f, x->response_body, x->response_body_len);
        fputc('\n', o->f);
    }
    out_case_latency(o, c);
    fprintf(o->f, "  reference: %s\n", c->reference);
    if (c->rerun != NULL) {
        fprintf(o->f, "  re-run:    %s\n", c->rerun);
        if (strstr(c->rerun, "***") != NULL) {
            fputs("             (values shown as *** were redacted: put them back)\n", o->f);
        }
    }
}

void hn_output_failures(const struct hn_output *o, const struct rp_run *run)
{
    for (size_t i = 0; i < run->n_cases; i++) {
        enum rp_verdict v = run->cases[i].verdict;
        if (v == RP_VERDICT_FAIL || v == RP_VERDICT_ERROR || v == RP_VERDICT_WARN) {
            out_failure(o, &run->cases[i]);
        }
    }
}

void hn_output_summary(const struct hn_output *o, const struct rp_run *run)
{
    char took[32], p50[32], p95[32], p99[32], max[32];
    size_t bad = 0;

    clock_duration_text(run->duration_us, took, sizeof(took));
    fprintf(o->f, "\n%zu case%s:", run->n_cases, run->n_cases == 1 ? "" : "s");
    for (int v = 0; v < RP_VERDICT_COUNT; v++) {
        fprintf(o->f, "%s %zu ", v > 0 ? "," : "", run->counts[v]);
        if (o->color && run->counts[v] > 0) {
            fprintf(o->f, "%s%s%s", out_colors[v], rp_verdict_name((enum rp_verdict)v), OUT_RESET);
        } else {
            fputs(rp_verdict_name((enum rp_verdict)v), o->f);
        }
    }
    fprintf(o->f, " (in %s)\n", took);
    if (run->latency.samples > 0) {
        clock_duration_text(run->latency.p50_us, p50, sizeof(p50));
        clock_duration_text(run->latency.p95_us, p95, sizeof(p95));
        clock_duration_text(run->latency.p99_us, p99, sizeof(p99));
        clock_duration_text(run->latency.max_us, max, sizeof(max));
        fprintf(o->f, "latency over %zu answered deliveries: p50 %s, p95 %s, p99 %s, max %s\n",
                run->latency.samples, p50, p95, p99, max);
    }
    fprintf(o->f, "seed %" PRIu64 " (send the same events again with --seed %" PRIu64 ")\n",
            run->seed, run->seed);
    fprintf(o->f, "scheme %s\n", run->scheme != NULL ? run->scheme : "vambe");
    for (size_t i = 0; i < run->n_notes; i++) {
        fprintf(o->f, "note: %s\n", run->notes[i]);
    }
    bad = run->level_counts[RP_LEVEL_MUST][RP_VERDICT_FAIL] +
          run->level_counts[RP_LEVEL_MUST][RP_VERDICT_ERROR];
    if (run->strict) {
        bad += run->level_counts[RP_LEVEL_SHOULD][RP_VERDICT_FAIL] +
               run->level_counts[RP_LEVEL_SHOULD][RP_VERDICT_ERROR];
    }
    if (run->interrupted != NULL) {
        fprintf(o->f, "result: %sinterrupted%s by %s after %zu case%s: not judged\n",
                o->color ? out_colors[RP_VERDICT_ERROR] : "", o->color ? OUT_RESET : "",
                run->interrupted, run->n_cases, run->n_cases == 1 ? "" : "s");
    } else if (run->conformant) {
        fprintf(o->f, "result: %sconformant%s\n", o->color ? out_colors[RP_VERDICT_PASS] : "",
                o->color ? OUT_RESET : "");
    } else {
        fprintf(o->f, "result: %sNOT conformant%s (%zu %s case%s failed or errored)\n",
                o->color ? out_colors[RP_VERDICT_FAIL] : "", o->color ? OUT_RESET : "", bad,
                run->strict ? "MUST/SHOULD" : "MUST", bad == 1 ? "" : "s");
    }
    fflush(o->f);
}

void hn_output_list(const struct hn_output *o, const struct hn_suite *s)
{
    fprintf(o->f, "%-8s  %-6s  %-30s  %s\n", "ID", "LEVEL", "TAGS", "TITLE");
    for (size_t i = 0; i < s->n; i++) {
        const struct hn_scenario *sc = s->items[i];
        char tags[128];
        size_t used = 0;
        tags[0] = '\0';
        for (size_t t = 0; t < sc->n_tags && used < sizeof(tags); t++) {
            int w =
                snprintf(tags + used, sizeof(tags) - used, "%s%s", t > 0 ? "," : "", sc->tags[t]);
            used += w > 0 ? (size_t)w : 0;
        }
        fprintf(o->f, "%-8s  %-6s  %-30s  %s\n", sc->id, rp_level_name(sc->level), tags, sc->title);
    }
    fprintf(o->f, "%zu case%s\n", s->n, s->n == 1 ? "" : "s");
    fflush(o->f);
}
