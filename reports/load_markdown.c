/* The load result as Markdown, for $GITHUB_STEP_SUMMARY: the knee first,
 * why the load ended, the settings, then one table row per step and the
 * notes. A load has at most a few dozen steps, so it stays far below
 * GitHub's 1 MiB. Strings the user gave (the target, a custom scheme's
 * name, notes) go through rp_escape_md_inline. */
#include <string.h>

#include "core/clock.h"
#include "reports/escape.h"
#include "reports/load.h"

static void put_text(FILE *f, const char *s)
{
    if (s == NULL || s[0] == '\0') {
        fputs("?", f);
        return;
    }
    rp_escape_md_inline_str(f, s);
}

static void put_settings(FILE *f, const struct rp_load *l)
{
    char budget[32], step[32], when[32], total[32];

    clock_duration_text(l->budget_us, budget, sizeof(budget));
    clock_duration_text(l->duration_us, step, sizeof(step));
    clock_duration_text(l->total_us, total, sizeof(total));
    clock_iso8601(l->started_wall_ms, when, sizeof(when));
    fputs("**Target:** ", f);
    put_text(f, l->target);
    fputs("  \n**Harness:** ", f);
    put_text(f, l->harness_version);
    fputs(" · **scheme:** ", f);
    put_text(f, l->scheme);
    fputs(" · **profile:** ", f);
    put_text(f, l->profile);
    fputs(" · **topics:** ", f);
    put_text(f, l->topics);
    fprintf(f, " · **seed:** %llu  \n", (unsigned long long)l->seed);
    if (l->mode == RP_LOAD_RAMP) {
        fprintf(f, "**Ramp:** from %llu/s, doubling, up to %llu/s, %s a step",
                (unsigned long long)l->start, (unsigned long long)l->max, step);
    } else {
        fprintf(f, "**Fixed rate:** %llu/s for %s", (unsigned long long)l->rate, step);
    }
    fprintf(f, " · **budget:** %s (p99) · **concurrency:** %u  \n", budget, l->concurrency);
    fprintf(f, "**Started:** %s · %zu step%s in %s\n\n", when, l->n_steps,
            l->n_steps == 1 ? "" : "s", total);
}

static void put_steps(FILE *f, const struct rp_load *l)
{
    fputs("| step | rate/s | status | sent | not sent | 2xx/s | non-2xx | transport errors | "
          "over budget | p50 | p90 | p99 | max |\n"
          "|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
          f);
    for (size_t i = 0; i < l->n_steps; i++) {
        const struct rp_load_step *s = &l->steps[i];
        struct rp_load_latency_text t;

        rp_load_latency_texts(s, &t);
        fprintf(f,
                "| %u%s | %llu | %s | %llu | %llu | %.1f | %llu | %llu | %llu | %s | %s | %s | "
                "%s |\n",
                s->index, l->has_knee && l->knee == i ? " (knee)" : "", (unsigned long long)s->rate,
                rp_load_status_name(s->status), (unsigned long long)s->sent,
                (unsigned long long)s->not_sent, rp_load_step_ok_rps(s),
                (unsigned long long)s->non_2xx, (unsigned long long)rp_load_step_errors(s),
                (unsigned long long)s->over_budget, t.p50, t.p90, t.p99, t.max);
    }
    fputc('\n', f);
    for (size_t i = 0; i < l->n_steps; i++) {
        char why[512];
        rp_load_step_why(l, &l->steps[i], why, sizeof(why));
        if (why[0] != '\0') {
            fprintf(f, "- step %u: ", l->steps[i].index);
            rp_escape_md_inline_str(f, why);
            fputc('\n', f);
        }
    }
}

int rp_load_markdown_write(const struct rp_load *l, FILE *f)
{
    char knee[512], stop[512];

    rp_load_knee_text(l, knee, sizeof(knee));
    rp_load_stop_text(l, stop, sizeof(stop));
    fprintf(f, "# Vambe webhook load: %s\n\n", l->has_knee ? "knee found" : "no knee");
    fputs("**Knee:** ", f);
    rp_escape_md_inline_str(f, knee);
    fputs("  \n**Stopped:** ", f);
    rp_escape_md_inline_str(f, stop);
    fputs("\n\n", f);
    put_settings(f, l);
    fputs("## Steps\n\n", f);
    put_steps(f, l);
    if (l->n_notes > 0) {
        fputs("\n## Notes\n\n", f);
        for (size_t i = 0; i < l->n_notes; i++) {
            fputs("- ", f);
            rp_escape_md_inline_str(f, l->notes[i]);
            fputc('\n', f);
        }
    }
    fputs("\nLatency is libcurl's total time of each answered delivery; percentiles come from "
          "a histogram (at most 1.6% high). A step is ok when its p99 is within the budget, "
          "no delivery failed and the harness kept its rate.\n",
          f);
    return fflush(f) != 0 || ferror(f) ? -1 : 0;
}
