/* HTML report: one self-contained page (inline CSS, a few lines of inline
 * script for filters, an inline SVG chart; no external asset, works
 * offline). The verdict at a glance, the run's facts and notes, counts per
 * level and verdict, the latency histogram, then a table of cases, each a
 * <details> that opens onto its steps and exchanges.
 *
 * Everything from the model goes through rp_escape_markup, so receiver
 * bytes can never become markup; the script holds no data. Bodies show at
 * most RP_ESCAPE_BODY_CAP bytes with a "(truncated, N bytes)" note. */
#include <stdbool.h>
#include <string.h>

#include "core/clock.h"
#include "reports/chart.h"
#include "reports/escape.h"
#include "reports/fmt.h"
#include "reports/write.h"

/* A reason or figure in a case's summary line is cut past this. */
#define HTML_LINE_CAP 300
/* Failing cases start expanded when there are at most this many. */
#define HTML_OPEN_MAX 10

static const char style[] =
    ":root{--pass:#1a7f37;--fail:#cf222e;--warn:#9a6700;--skip:#6e7781;--error:#8250df;"
    "--line:#d0d7de;--muted:#57606a;--bg:#f6f8fa}\n"
    "*{box-sizing:border-box}\n"
    "body{margin:0;font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;"
    "color:#1f2328;background:var(--bg)}\n"
    "main{max-width:1120px;margin:0 auto;padding:24px}\n"
    "h2{font-size:18px;margin:28px 0 10px}\n"
    ".banner{border-radius:10px;padding:22px 26px;color:#fff}\n"
    ".banner.ok{background:var(--pass)}.banner.bad{background:var(--fail)}\n"
    ".banner .big{font-size:34px;font-weight:700;letter-spacing:.5px}\n"
    ".banner .sub{font-size:16px;opacity:.95;margin-top:4px;word-break:break-all}\n"
    ".card{background:#fff;border:1px solid var(--line);border-radius:10px;padding:16px 20px}\n"
    "dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:4px 18px;margin:0}\n"
    "dl.meta dt{color:var(--muted)}dl.meta dd{margin:0;word-break:break-all}\n"
    "ul.notes{margin:0;padding-left:20px}ul.notes li{margin:2px 0;word-break:break-word}\n"
    "table.counts{border-collapse:collapse;width:100%}\n"
    ".counts th,.counts td{padding:6px 10px;border-bottom:1px solid var(--line);"
    "text-align:right}\n"
    ".counts th:first-child,.counts td:first-child{text-align:left}\n"
    ".counts td.zero{color:#afb8c1}\n"
    ".badge{display:inline-block;min-width:58px;text-align:center;border-radius:12px;"
    "padding:1px 8px;font-size:12px;font-weight:700;color:#fff}\n"
    ".PASS{background:var(--pass)}.FAIL{background:var(--fail)}.WARN{background:var(--warn)}"
    ".SKIP{background:var(--skip)}.ERROR{background:var(--error)}\n"
    ".lat{display:flex;gap:12px;flex-wrap:wrap;margin-bottom:10px}\n"
    ".tile{border:1px solid var(--line);border-radius:8px;padding:6px 14px;min-width:110px}\n"
    ".tile b{display:block;font-size:18px}.tile span{color:var(--muted);font-size:12px}\n"
    "#latency-chart{width:100%;height:auto;max-height:320px}\n"
    "#latency-chart .tick{font-size:11px;fill:#57606a}"
    "#latency-chart .axis{font-size:13px;fill:#1f2328}"
    "#latency-chart .mark{font-size:12px;font-weight:600}\n"
    ".tools{display:flex;gap:6px;flex-wrap:wrap;margin-bottom:8px}\n"
    ".tools button{border:1px solid var(--line);background:#fff;border-radius:6px;"
    "padding:3px 10px;cursor:pointer;font:inherit;font-size:13px}\n"
    ".tools button.on{background:#1f2328;color:#fff}\n"
    ".cases{border:1px solid var(--line);border-radius:10px;background:#fff;overflow:hidden}\n"
    ".row{display:grid;grid-template-columns:78px 92px 70px 1fr 190px 80px;gap:10px;"
    "align-items:start;padding:7px 14px}\n"
    ".head{font-weight:600;color:var(--muted);font-size:13px;border-bottom:1px solid "
    "var(--line)}\n"
    "details.case{border-bottom:1px solid var(--line)}\n"
    "details.case>summary{list-style:none;cursor:pointer}\n"
    "details.case>summary::-webkit-details-marker{display:none}\n"
    "details.case>summary:hover{background:#f3f6fa}\n"
    "details.case[open]>summary{background:#eef2f7}\n"
    ".id{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:13px}\n"
    ".why{display:block;color:var(--muted);font-size:13px;word-break:break-word}\n"
    ".fig,.dur{font-size:13px;word-break:break-word}.dur{text-align:right}\n"
    ".body{padding:8px 18px 16px;background:#fbfcfd}\n"
    ".step{border-left:3px solid var(--line);padding:2px 0 2px 12px;margin:12px 0}\n"
    ".step h4{margin:4px 0;font-size:14px}\n"
    ".ea{margin:2px 0;font-size:13px}.ea b{color:var(--muted);font-weight:600}\n"
    "details.x{margin:6px 0;border:1px solid var(--line);border-radius:6px;background:#fff}\n"
    "details.x>summary{cursor:pointer;padding:4px 10px;font-size:13px}\n"
    ".xg{display:grid;grid-template-columns:1fr 1fr;gap:12px;padding:6px 10px}\n"
    ".xg h5{margin:4px 0;font-size:12px;color:var(--muted);text-transform:uppercase}\n"
    "pre{margin:4px 0;padding:6px 8px;background:#f6f8fa;border-radius:4px;font-size:12px;"
    "white-space:pre-wrap;word-break:break-all;max-height:320px;overflow:auto}\n"
    ".note{color:var(--muted);font-size:12px;font-style:italic}\n"
    ".timing{padding:0 10px 6px;font-size:12px;color:var(--muted)}\n"
    "code{font-size:13px}footer{color:var(--muted);font-size:12px;margin:24px 0}\n";

/* Filter buttons and expand/collapse. Holds no report data. */
static const char script[] =
    "(function(){var bs=document.querySelectorAll('.tools [data-f]');"
    "bs.forEach(function(b){b.addEventListener('click',function(){var v=b.getAttribute('data-f');"
    "document.querySelectorAll('details.case').forEach(function(d){d.hidden=!(v==='all'||"
    "d.getAttribute('data-verdict')===v)});bs.forEach(function(x){x.classList.toggle('on',x===b)"
    "})})});document.getElementById('open-all').addEventListener('click',function(){"
    "document.querySelectorAll('details.case').forEach(function(d){d.open=true})});"
    "document.getElementById('close-all').addEventListener('click',function(){"
    "document.querySelectorAll('details.case').forEach(function(d){d.open=false})})})();\n";

static void esc(FILE *f, const char *s)
{
    rp_escape_markup_str(f, s);
}

/* Escaped text cut to cap bytes with an ellipsis. */
static void esc_cap(FILE *f, const char *s, size_t cap)
{
    if (s == NULL) {
        return;
    }
    size_t len = strlen(s);
    size_t shown = rp_escape_cut(s, len, cap);
    rp_escape_markup(f, s, shown, RP_ESCAPE_TEXT);
    if (shown < len) {
        fputs("\xE2\x80\xA6", f);
    }
}

/* A body in a <pre>, at most RP_ESCAPE_BODY_CAP bytes, with a note. */
static void put_body(FILE *f, const char *body, size_t len, bool truncated)
{
    if (body == NULL || len == 0) {
        fputs("<p class=\"note\">(empty body)</p>\n", f);
        return;
    }
    size_t shown = rp_escape_cut(body, len, RP_ESCAPE_BODY_CAP);
    fputs("<pre>", f);
    rp_escape_markup(f, body, shown, RP_ESCAPE_TEXT);
    fputs("</pre>\n", f);
    if (shown < len) {
        fprintf(f, "<p class=\"note\">(truncated, %zu bytes)</p>\n", len);
    } else if (truncated) {
        fprintf(f, "<p class=\"note\">(truncated by the harness, %zu bytes kept)</p>\n", len);
    }
}

static void put_pre(FILE *f, const char *text)
{
    if (text != NULL && text[0] != '\0') {
        fputs("<pre>", f);
        esc_cap(f, text, RP_ESCAPE_BODY_CAP);
        fputs("</pre>\n", f);
    }
}

/* In place of the headers and body of an exchange whose detail was
 * dropped (rp_detail_fit). */
static const char dropped_note[] =
    "<p class=\"note\">(headers and body not kept: the run's exchange detail budget was "
    "reached)</p>\n";

static void put_exchange(FILE *f, const struct rp_exchange *x, bool open)
{
    char c[32], fb[32], t[32];
    clock_duration_text(x->connect_us, c, sizeof(c));
    clock_duration_text(x->first_byte_us, fb, sizeof(fb));
    clock_duration_text(x->total_us, t, sizeof(t));
    fprintf(f, "<details class=\"x\"%s><summary>", open ? " open" : "");
    esc(f, x->method ? x->method : "?");
    fputc(' ', f);
    esc_cap(f, x->url ? x->url : "?", HTML_LINE_CAP);
    if (x->status != 0) {
        fprintf(f, " &#8594; %ld", x->status);
    } else {
        fputs(" &#8594; ", f);
        esc_cap(f, x->error ? x->error : "no response", HTML_LINE_CAP);
    }
    fprintf(f, " &#183; %s</summary>\n<div class=\"xg\"><div><h5>Request</h5>\n", t);
    if (x->event_id != NULL) {
        fputs("<p class=\"ea\"><b>event</b> <code>", f);
        esc(f, x->event_id);
        fputs("</code></p>\n", f);
    }
    if (x->detail_dropped) {
        fputs(dropped_note, f);
    } else {
        put_pre(f, x->request_headers);
        put_body(f, x->request_body, x->request_body_len, x->request_body_truncated);
    }
    fputs("</div><div><h5>Response</h5>\n", f);
    if (x->status != 0) {
        fprintf(f, "<p class=\"ea\"><b>status</b> %ld</p>\n", x->status);
        if (x->detail_dropped) {
            fputs(dropped_note, f);
        } else {
            put_pre(f, x->response_headers);
            put_body(f, x->response_body, x->response_body_len, x->response_body_truncated);
        }
    }
    if (x->error != NULL) {
        fputs("<p class=\"ea\"><b>error</b> ", f);
        esc_cap(f, x->error, RP_ESCAPE_BODY_CAP);
        fputs("</p>\n", f);
    }
    fprintf(f,
            "</div></div>\n<p class=\"timing\">connect %s &#183; first byte %s &#183; total "
            "%s</p>\n</details>\n",
            c, fb, t);
}

static void put_step(FILE *f, const struct rp_step *s)
{
    const char *v = rp_verdict_name(s->verdict);
    fprintf(f, "<div class=\"step\"><h4><span class=\"badge %s\">%s</span> Step %d &#183; ", v, v,
            s->index);
    esc(f, s->kind ? s->kind : "?");
    if (s->description != NULL) {
        fputs(" &#8212; ", f);
        esc_cap(f, s->description, RP_ESCAPE_BODY_CAP);
    }
    fputs("</h4>\n", f);
    if (s->expected != NULL || s->actual != NULL) {
        fputs("<p class=\"ea\"><b>expected</b> ", f);
        esc_cap(f, s->expected ? s->expected : "-", RP_ESCAPE_BODY_CAP);
        fputs(" &#183; <b>actual</b> ", f);
        esc_cap(f, s->actual ? s->actual : "-", RP_ESCAPE_BODY_CAP);
        fputs("</p>\n", f);
    }
    bool bad = s->verdict == RP_VERDICT_FAIL || s->verdict == RP_VERDICT_ERROR;
    for (size_t i = 0; i < s->n_exchanges; i++) {
        put_exchange(f, &s->exchanges[i], bad && i == 0);
    }
    if (s->n_omitted > 0) {
        fprintf(f,
                "<p class=\"ea\">%zu more exchange%s not shown; %s latencies count in every "
                "figure</p>\n",
                s->n_omitted, s->n_omitted == 1 ? "" : "s", s->n_omitted == 1 ? "its" : "their");
    }
    fputs("</div>\n", f);
}

static void put_fact(FILE *f, const char *label, const char *value, bool code)
{
    if (value == NULL) {
        return;
    }
    fprintf(f, "<dt>%s</dt><dd>%s", label, code ? "<code>" : "");
    esc_cap(f, value, RP_ESCAPE_BODY_CAP);
    fprintf(f, "%s</dd>\n", code ? "</code>" : "");
}

/* open: the case starts expanded (a failure, when there are few). */
static void put_case(FILE *f, const struct rp_case *c, bool open)
{
    const char *v = rp_verdict_name(c->verdict);
    char dur[32];
    clock_duration_text(c->duration_us, dur, sizeof(dur));
    fprintf(f,
            "<details class=\"case\" data-verdict=\"%s\"%s><summary class=\"row\">"
            "<span><span class=\"badge %s\">%s</span></span><span class=\"id\">",
            v, open ? " open" : "", v, v);
    esc(f, c->id ? c->id : "?");
    fprintf(f, "</span><span>%s</span><span>", rp_level_name(c->level));
    esc_cap(f, c->title, HTML_LINE_CAP);
    if (c->reason != NULL && c->verdict != RP_VERDICT_PASS) {
        fputs("<span class=\"why\">", f);
        esc_cap(f, c->reason, HTML_LINE_CAP);
        fputs("</span>", f);
    }
    fputs("</span><span class=\"fig\">", f);
    esc_cap(f, c->figure, HTML_LINE_CAP);
    fprintf(f, "</span><span class=\"dur\">%s</span></summary>\n<div class=\"body\">\n", dur);
    fputs("<dl class=\"meta\">\n", f);
    put_fact(f, "reason", c->reason, false);
    put_fact(f, "figure", c->figure, false);
    put_fact(f, "reference", c->reference, false);
    put_fact(f, "scenario", c->file, true);
    if (c->n_tags > 0) {
        fputs("<dt>tags</dt><dd>", f);
        for (size_t i = 0; i < c->n_tags; i++) {
            fputs(i ? ", " : "", f);
            esc_cap(f, c->tags[i], HTML_LINE_CAP);
        }
        fputs("</dd>\n", f);
    }
    put_fact(f, "re-run", c->rerun, true);
    fputs("</dl>\n", f);
    for (size_t i = 0; i < c->n_steps; i++) {
        put_step(f, &c->steps[i]);
    }
    fputs("</div></details>\n", f);
}

static void put_banner(FILE *f, const struct rp_run *run)
{
    size_t bad = run->counts[RP_VERDICT_FAIL] + run->counts[RP_VERDICT_ERROR];
    fprintf(f, "<header class=\"banner %s\"><div class=\"big\">%s</div><div class=\"sub\">",
            run->conformant ? "ok" : "bad", run->conformant ? "CONFORMANT" : "NOT CONFORMANT");
    size_t warn = run->counts[RP_VERDICT_WARN];
    fprintf(f,
            "%zu case%s &#183; %zu passed &#183; %zu failed or errored &#183; %zu warning%s "
            "&#183; %zu skipped &#8212; ",
            run->n_cases, run->n_cases == 1 ? "" : "s", run->counts[RP_VERDICT_PASS], bad, warn,
            warn == 1 ? "" : "s", run->counts[RP_VERDICT_SKIP]);
    esc_cap(f, run->target ? run->target : "?", HTML_LINE_CAP);
    fputs("</div></header>\n", f);
}

static void put_meta(FILE *f, const struct rp_run *run)
{
    char buf[64];
    fputs("<h2>Run</h2><div class=\"card\"><dl class=\"meta\">\n", f);
    put_fact(f, "target", run->target, true);
    put_fact(f, "harness", run->harness_version, false);
    put_fact(f, "suite", run->suite, true);
    put_fact(f, "suite sha256", run->suite_checksum, true);
    snprintf(buf, sizeof(buf), "%llu", (unsigned long long)run->seed);
    put_fact(f, "seed", buf, true);
    put_fact(f, "profile", run->profile, false);
    put_fact(f, "scheme", run->scheme, false);
    put_fact(f, "timestamp unit", run->timestamp_unit, false);
    put_fact(f, "probe", run->probe, false);
    if (run->largest_body > 0) {
        snprintf(buf, sizeof(buf), "%llu bytes", (unsigned long long)run->largest_body);
        put_fact(f, "largest body accepted", buf, false);
    }
    if (run->ts_past.measured) {
        rp_fmt_window(&run->ts_past, buf, sizeof(buf));
        put_fact(f, "timestamp window, past", buf, false);
    }
    if (run->ts_future.measured) {
        rp_fmt_window(&run->ts_future, buf, sizeof(buf));
        put_fact(f, "timestamp window, future", buf, false);
    }
    put_fact(f, "strict", run->strict ? "yes" : "no", false);
    clock_iso8601(run->started_wall_ms, buf, sizeof(buf));
    put_fact(f, "started", buf, false);
    clock_duration_text(run->duration_us, buf, sizeof(buf));
    put_fact(f, "duration", buf, false);
    fputs("</dl></div>\n", f);
}

/* The run's notes (findings that are never a failure), under its facts;
 * nothing when there are none. */
static void put_notes(FILE *f, const struct rp_run *run)
{
    if (run->n_notes == 0) {
        return;
    }
    fputs("<h2>Notes</h2><div class=\"card\"><ul class=\"notes\">\n", f);
    for (size_t i = 0; i < run->n_notes; i++) {
        fputs("<li>", f);
        esc_cap(f, run->notes[i], RP_ESCAPE_BODY_CAP);
        fputs("</li>\n", f);
    }
    fputs("</ul></div>\n", f);
}

static void put_count_cell(FILE *f, size_t n, const char *verdict)
{
    if (n == 0) {
        fputs("<td class=\"zero\">0</td>", f);
    } else if (verdict != NULL) {
        fprintf(f, "<td><span class=\"badge %s\">%zu</span></td>", verdict, n);
    } else {
        fprintf(f, "<td><b>%zu</b></td>", n);
    }
}

static void put_counts(FILE *f, const struct rp_run *run)
{
    fputs("<h2>Counts</h2><div class=\"card\"><table class=\"counts\"><thead><tr><th>level</th>",
          f);
    for (int v = 0; v < RP_VERDICT_COUNT; v++) {
        fprintf(f, "<th>%s</th>", rp_verdict_name((enum rp_verdict)v));
    }
    fputs("<th>total</th></tr></thead><tbody>\n", f);
    for (int l = 0; l <= RP_LEVEL_COUNT; l++) {
        const size_t *row = l < RP_LEVEL_COUNT ? run->level_counts[l] : run->counts;
        size_t total = 0;
        fprintf(f, "<tr><td>%s</td>", l < RP_LEVEL_COUNT ? rp_level_name((enum rp_level)l) : "all");
        for (int v = 0; v < RP_VERDICT_COUNT; v++) {
            put_count_cell(f, row[v], rp_verdict_name((enum rp_verdict)v));
            total += row[v];
        }
        put_count_cell(f, total, NULL);
        fputs("</tr>\n", f);
    }
    fputs("</tbody></table></div>\n", f);
}

static void put_tile(FILE *f, const char *label, uint64_t us)
{
    char buf[32];
    clock_duration_text(us, buf, sizeof(buf));
    fprintf(f, "<div class=\"tile\"><span>%s</span><b>%s</b></div>", label, buf);
}

static void put_latency(FILE *f, const struct rp_run *run)
{
    fprintf(f,
            "<h2>Latency</h2><div class=\"card\"><div class=\"lat\"><div class=\"tile\">"
            "<span>deliveries</span><b>%zu</b></div>",
            run->latency.samples);
    put_tile(f, "p50", run->latency.p50_us);
    put_tile(f, "p95", run->latency.p95_us);
    put_tile(f, "p99", run->latency.p99_us);
    put_tile(f, "max", run->latency.max_us);
    fputs("</div>\n", f);
    rp_chart_latency_write(f, run);
    fputs("</div>\n", f);
}

static void put_cases(FILE *f, const struct rp_run *run)
{
    fputs("<h2>Cases</h2>\n<div class=\"tools\"><button type=\"button\" data-f=\"all\" "
          "class=\"on\">all</button>",
          f);
    for (int v = 0; v < RP_VERDICT_COUNT; v++) {
        const char *name = rp_verdict_name((enum rp_verdict)v);
        fprintf(f, "<button type=\"button\" data-f=\"%s\">%s (%zu)</button>", name, name,
                run->counts[v]);
    }
    fputs("<button type=\"button\" id=\"open-all\">expand all</button><button type=\"button\" "
          "id=\"close-all\">collapse all</button></div>\n",
          f);
    fputs("<div class=\"cases\">\n<div class=\"row "
          "head\"><span>verdict</span><span>ID</span><span>level</span><span>title</span>"
          "<span>figure</span><span class=\"dur\">time</span></div>\n",
          f);
    /* A handful of failures start expanded: what went wrong, at once. */
    bool open_bad = run->counts[RP_VERDICT_FAIL] + run->counts[RP_VERDICT_ERROR] <= HTML_OPEN_MAX;
    for (size_t i = 0; i < run->n_cases; i++) {
        const struct rp_case *c = &run->cases[i];
        bool bad = c->verdict == RP_VERDICT_FAIL || c->verdict == RP_VERDICT_ERROR;
        put_case(f, c, open_bad && bad);
    }
    fputs("</div>\n", f);
}

int rp_html_write(const struct rp_run *run, FILE *f)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<meta "
          "name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>",
          f);
    fputs(run->conformant ? "CONFORMANT" : "NOT CONFORMANT", f);
    fputs(" &#8212; Vambe webhook conformance: ", f);
    esc_cap(f, run->target ? run->target : "?", HTML_LINE_CAP);
    fprintf(f, "</title>\n<style>\n%s</style>\n</head><body><main>\n", style);
    put_banner(f, run);
    put_meta(f, run);
    put_notes(f, run);
    put_counts(f, run);
    put_latency(f, run);
    put_cases(f, run);
    fputs("<footer>Written by vambe-harness ", f);
    esc(f, run->harness_version);
    fprintf(f,
            ". Self-contained: no external assets.</footer>\n</main>\n<script>\n%s</script>\n"
            "</body></html>\n",
            script);
    return fflush(f) != 0 || ferror(f) ? -1 : 0;
}
