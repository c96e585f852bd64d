/* The load result as one self-contained HTML page (inline CSS, an inline
 * SVG chart, no script, no external asset): the knee in a banner, the
 * settings, the chart of latency against rate (chart.c), a table of the
 * steps and the notes. Every string goes through rp_escape_markup. */
#include <string.h>

#include "core/clock.h"
#include "reports/chart.h"
#include "reports/escape.h"
#include "reports/load.h"

static const char style[] =
    ":root{--ok:#1a7f37;--bad:#cf222e;--line:#d0d7de;--muted:#57606a;--bg:#f6f8fa}\n"
    "*{box-sizing:border-box}\n"
    "body{margin:0;font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;"
    "color:#1f2328;background:var(--bg)}\n"
    "main{max-width:1120px;margin:0 auto;padding:24px}\n"
    "h2{font-size:18px;margin:28px 0 10px}\n"
    ".banner{border-radius:10px;padding:22px 26px;color:#fff}\n"
    ".banner.ok{background:var(--ok)}.banner.bad{background:var(--bad)}\n"
    ".banner .big{font-size:30px;font-weight:700}\n"
    ".banner .sub{font-size:16px;opacity:.95;margin-top:4px;word-break:break-word}\n"
    ".card{background:#fff;border:1px solid var(--line);border-radius:10px;padding:16px 20px}\n"
    "dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:4px 18px;margin:0}\n"
    "dl.meta dt{color:var(--muted)}dl.meta dd{margin:0;word-break:break-all}\n"
    "table.steps{border-collapse:collapse;width:100%;font-size:14px}\n"
    ".steps th,.steps td{padding:6px 8px;border-bottom:1px solid var(--line);text-align:right}\n"
    ".steps td{white-space:nowrap}\n"
    ".steps th:nth-child(3),.steps td:nth-child(3){text-align:left}\n"
    ".steps tr.knee td{font-weight:700}\n"
    ".st{display:inline-block;border-radius:12px;padding:1px 8px;font-size:12px;"
    "font-weight:700;color:#fff;background:var(--muted)}\n"
    ".st.ok{background:var(--ok)}.st.errors,.st.over-budget{background:var(--bad)}\n"
    ".why{color:var(--muted);font-size:13px;margin:4px 0}\n"
    "#load-chart{width:100%;height:auto;max-height:340px}\n"
    "#load-chart .tick{font-size:11px;fill:#57606a}"
    "#load-chart .axis{font-size:13px;fill:#1f2328}"
    "#load-chart .mark{font-size:12px;font-weight:600}\n"
    "ul.notes{margin:0;padding-left:20px}footer{color:var(--muted);font-size:12px;"
    "margin:24px 0}\n";

static void esc(FILE *f, const char *s)
{
    rp_escape_markup_str(f, s != NULL ? s : "");
}

static void put_fact(FILE *f, const char *name, const char *value)
{
    fprintf(f, "<dt>%s</dt><dd>", name);
    esc(f, value);
    fputs("</dd>\n", f);
}

static void put_facts(FILE *f, const struct rp_load *l)
{
    char buf[256], a[32], b[32];

    fputs("<h2>Settings</h2>\n<div class=\"card\"><dl class=\"meta\">\n", f);
    put_fact(f, "target", l->target);
    put_fact(f, "scheme", l->scheme);
    put_fact(f, "profile", l->profile);
    put_fact(f, "topics", l->topics);
    clock_duration_text(l->duration_us, a, sizeof(a));
    if (l->mode == RP_LOAD_RAMP) {
        snprintf(buf, sizeof(buf), "ramp from %llu/s, doubling, up to %llu/s, %s a step",
                 (unsigned long long)l->start, (unsigned long long)l->max, a);
    } else {
        snprintf(buf, sizeof(buf), "fixed rate, %llu/s for %s", (unsigned long long)l->rate, a);
    }
    put_fact(f, "load", buf);
    clock_duration_text(l->budget_us, a, sizeof(a));
    clock_duration_text(l->timeout_us, b, sizeof(b));
    snprintf(buf, sizeof(buf), "%s for the p99 (answers given up after %s)", a, b);
    put_fact(f, "budget", buf);
    snprintf(buf, sizeof(buf), "%u deliveries in flight at most", l->concurrency);
    put_fact(f, "concurrency", buf);
    snprintf(buf, sizeof(buf), "%llu", (unsigned long long)l->seed);
    put_fact(f, "seed", buf);
    clock_iso8601(l->started_wall_ms, a, sizeof(a));
    clock_duration_text(l->total_us, b, sizeof(b));
    snprintf(buf, sizeof(buf), "%s, for %s", a, b);
    put_fact(f, "started", buf);
    put_fact(f, "harness", l->harness_version);
    fputs("</dl></div>\n", f);
}

static void put_step_row(FILE *f, const struct rp_load *l, size_t i)
{
    const struct rp_load_step *s = &l->steps[i];
    struct rp_load_latency_text t;

    rp_load_latency_texts(s, &t);
    fprintf(f,
            "<tr%s><td>%u</td><td>%llu</td><td><span class=\"st %s\">%s</span>%s</td>"
            "<td>%llu</td><td>%llu</td><td>%.1f</td><td>%llu</td><td>%llu</td><td>%llu</td>"
            "<td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>\n",
            l->has_knee && l->knee == i ? " class=\"knee\"" : "", s->index,
            (unsigned long long)s->rate, rp_load_status_name(s->status),
            rp_load_status_name(s->status), l->has_knee && l->knee == i ? " knee" : "",
            (unsigned long long)s->sent, (unsigned long long)s->not_sent, rp_load_step_ok_rps(s),
            (unsigned long long)s->non_2xx, (unsigned long long)rp_load_step_errors(s),
            (unsigned long long)s->over_budget, t.p50, t.p90, t.p99, t.max);
}

static void put_steps(FILE *f, const struct rp_load *l)
{
    fputs("<h2>Steps</h2>\n<div class=\"card\"><table class=\"steps\">\n"
          "<tr><th>step</th><th>rate/s</th><th>status</th><th>sent</th><th>not sent</th>"
          "<th>2xx/s</th><th>non-2xx</th><th>transport errors</th><th>over budget</th>"
          "<th>p50</th><th>p90</th><th>p99</th><th>max</th></tr>\n",
          f);
    for (size_t i = 0; i < l->n_steps; i++) {
        put_step_row(f, l, i);
    }
    fputs("</table>\n", f);
    for (size_t i = 0; i < l->n_steps; i++) {
        char why[512];
        rp_load_step_why(l, &l->steps[i], why, sizeof(why));
        if (why[0] != '\0') {
            fprintf(f, "<p class=\"why\">step %u: ", l->steps[i].index);
            esc(f, why);
            fputs("</p>\n", f);
        }
    }
    fputs("</div>\n", f);
}

int rp_load_html_write(const struct rp_load *l, FILE *f)
{
    char knee[512], stop[512];

    rp_load_knee_text(l, knee, sizeof(knee));
    rp_load_stop_text(l, stop, sizeof(stop));
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          "<title>Vambe webhook load: ",
          f);
    esc(f, knee);
    fprintf(f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<main>\n", style);
    fprintf(f, "<div class=\"banner %s\"><div class=\"big\">Knee: ", l->has_knee ? "ok" : "bad");
    esc(f, knee);
    fputs("</div><div class=\"sub\">Stopped: ", f);
    esc(f, stop);
    fputs("</div><div class=\"sub\">", f);
    esc(f, l->target);
    fputs("</div></div>\n", f);
    fputs("<h2>Latency against rate</h2>\n<div class=\"card\">\n", f);
    rp_chart_load_write(f, l);
    fputs("</div>\n", f);
    put_steps(f, l);
    put_facts(f, l);
    if (l->n_notes > 0) {
        fputs("<h2>Notes</h2>\n<div class=\"card\"><ul class=\"notes\">\n", f);
        for (size_t i = 0; i < l->n_notes; i++) {
            fputs("<li>", f);
            esc(f, l->notes[i]);
            fputs("</li>\n", f);
        }
        fputs("</ul></div>\n", f);
    }
    fputs("<footer>Written by vambe-harness load. Latency is libcurl's total time of each "
          "answered delivery; percentiles come from a histogram (at most 1.6% high). A step is "
          "ok when its p99 is within the budget, no delivery failed and the harness kept its "
          "rate.</footer>\n</main>\n</body>\n</html>\n",
          f);
    return fflush(f) != 0 || ferror(f) ? -1 : 0;
}
