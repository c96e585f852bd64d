/* Markdown report, made for $GITHUB_STEP_SUMMARY (GitHub-flavoured
 * Markdown, at most 1 MiB per step): the verdict, a count table, the run's
 * notes, the failures with their transcripts, the warnings and skips, then
 * every case.
 *
 * The document is built in memory block by block (a failure, a table row);
 * a block that would push it past its budget is left out and counted, and
 * a closing note says how many were. Failure details get at most half the
 * budget so a run with thousands of failures still shows its case table.
 * Receiver data goes through rp_escape_md_inline (table cells, headings)
 * or rp_escape_md_code (transcripts), so it can neither break a table nor
 * inject HTML. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "reports/escape.h"
#include "reports/fmt.h"
#include "reports/transcript.h"
#include "reports/write.h"

/* GitHub refuses a step summary over 1 MiB. */
#define MD_MAX_BYTES      (1024 * 1024)
#define MD_NOTE_RESERVE   1024
#define MD_DETAILS_BUDGET (512 * 1024)
#define MD_TRANSCRIPT_CAP (16 * 1024)
#define MD_BODY_CAP       2048
#define MD_FIELD_CAP      300  /* a title, figure or reason in a list or table */
#define MD_DETAIL_CAP     2048 /* a reason or figure under a failure's heading */

struct md_doc {
    FILE *out; /* memory stream holding the document so far */
    char *buf;
    size_t size;
    size_t omitted_details; /* failure details left out */
    size_t omitted_rows;    /* list items and table rows left out */
};

/* A block being rendered before it is added. */
struct md_block {
    FILE *f;
    char *buf;
    size_t size;
};

static void block_open(struct md_block *b)
{
    b->buf = NULL;
    b->size = 0;
    b->f = open_memstream(&b->buf, &b->size);
    if (b->f == NULL) {
        abort(); /* only fails for lack of memory, like xmalloc */
    }
}

/* Adds the block when the document stays within limit bytes; returns
 * whether it did. Frees the block either way. */
static bool block_add(struct md_doc *d, struct md_block *b, size_t limit)
{
    if (fclose(b->f) != 0) {
        abort();
    }
    long pos = ftell(d->out);
    bool fits = pos >= 0 && (size_t)pos + b->size <= limit;
    if (fits) {
        fwrite(b->buf, 1, b->size, d->out);
    }
    free(b->buf);
    return fits;
}

/* Writes s escaped for inline Markdown, cut to about cap bytes with an
 * ellipsis: one long receiver string must not crowd out the rest. NULL
 * writes fallback. */
static void put_inline(FILE *f, const char *s, size_t cap, const char *fallback)
{
    if (s == NULL) {
        s = fallback;
    }
    size_t len = strlen(s);
    size_t shown = rp_escape_cut(s, len, cap);
    rp_escape_md_inline(f, s, shown);
    if (shown < len) {
        fputs("\xE2\x80\xA6", f);
    }
}

/* PASS, FAIL, WARN, SKIP, ERROR: check mark, cross, warning sign, next
 * track, collision (UTF-8). */
static const char *verdict_mark(enum rp_verdict v)
{
    static const char *const marks[RP_VERDICT_COUNT] = {
        "\xE2\x9C\x85", "\xE2\x9D\x8C", "\xE2\x9A\xA0\xEF\xB8\x8F", "\xE2\x8F\xAD\xEF\xB8\x8F",
        "\xF0\x9F\x92\xA5"};
    return (unsigned)v < RP_VERDICT_COUNT ? marks[v] : "?";
}

static void put_header(FILE *f, const struct rp_run *run)
{
    char dur[32], when[32];
    clock_duration_text(run->duration_us, dur, sizeof(dur));
    clock_iso8601(run->started_wall_ms, when, sizeof(when));
    fprintf(f, "# %s Vambe webhook conformance: %s\n\n",
            run->conformant ? verdict_mark(RP_VERDICT_PASS) : verdict_mark(RP_VERDICT_FAIL),
            run->conformant ? "CONFORMANT" : "NOT CONFORMANT");
    fputs("**Target:** ", f);
    put_inline(f, run->target, MD_FIELD_CAP, "?");
    fputs("  \n**Harness:** ", f);
    put_inline(f, run->harness_version, MD_FIELD_CAP, "?");
    fputs(" · **suite:** ", f);
    put_inline(f, run->suite, MD_FIELD_CAP, "?");
    if (run->suite_checksum != NULL) {
        fputs(" (sha256 ", f);
        rp_escape_md_inline(f, run->suite_checksum, strnlen(run->suite_checksum, 12));
        fputs("…)", f);
    }
    fprintf(f, " · **seed:** %llu · **profile:** ", (unsigned long long)run->seed);
    put_inline(f, run->profile, MD_FIELD_CAP, "?");
    fputs(" · **scheme:** ", f);
    put_inline(f, run->scheme, MD_FIELD_CAP, "?");
    fputs(" · **timestamps:** ", f);
    put_inline(f, run->timestamp_unit, MD_FIELD_CAP, "?");
    fputs(" · **probe:** ", f);
    put_inline(f, run->probe, MD_FIELD_CAP, "none");
    if (run->largest_body > 0) {
        fprintf(f, " · **largest body accepted:** %llu bytes",
                (unsigned long long)run->largest_body);
    }
    if (run->ts_past.measured || run->ts_future.measured) {
        char past[64], future[64];
        rp_fmt_window(&run->ts_past, past, sizeof(past));
        rp_fmt_window(&run->ts_future, future, sizeof(future));
        fprintf(f, " · **timestamp window:** past %s, future %s", past[0] ? past : "not measured",
                future[0] ? future : "not measured");
    }
    fprintf(f, " · **strict:** %s  \n", run->strict ? "yes" : "no");
    fprintf(f, "**Started:** %s · %zu cases in %s\n\n", when, run->n_cases, dur);
}

static void put_counts(FILE *f, const struct rp_run *run)
{
    fputs("| level |", f);
    for (int v = 0; v < RP_VERDICT_COUNT; v++) {
        fprintf(f, " %s |", rp_verdict_name((enum rp_verdict)v));
    }
    fputs(" total |\n|---|", f);
    for (int v = 0; v <= RP_VERDICT_COUNT; v++) {
        fputs("--:|", f);
    }
    fputc('\n', f);
    for (int l = 0; l < RP_LEVEL_COUNT; l++) {
        size_t total = 0;
        fprintf(f, "| %s |", rp_level_name((enum rp_level)l));
        for (int v = 0; v < RP_VERDICT_COUNT; v++) {
            fprintf(f, " %zu |", run->level_counts[l][v]);
            total += run->level_counts[l][v];
        }
        fprintf(f, " %zu |\n", total);
    }
    fputs("| **all** |", f);
    for (int v = 0; v < RP_VERDICT_COUNT; v++) {
        fprintf(f, " **%zu** |", run->counts[v]);
    }
    fprintf(f, " **%zu** |\n\n", run->n_cases);
    if (run->latency.samples > 0) {
        char p50[32], p95[32], p99[32], max[32];
        clock_duration_text(run->latency.p50_us, p50, sizeof(p50));
        clock_duration_text(run->latency.p95_us, p95, sizeof(p95));
        clock_duration_text(run->latency.p99_us, p99, sizeof(p99));
        clock_duration_text(run->latency.max_us, max, sizeof(max));
        fprintf(f, "**Latency** over %zu deliveries: p50 %s · p95 %s · p99 %s · max %s\n\n",
                run->latency.samples, p50, p95, p99, max);
    }
}

/* The run's notes (findings that are never a failure), as a bullet list
 * under the counts; nothing when there are none. Each note is a block, so
 * a flood of them is cut like the other lists. */
static void put_notes(struct md_doc *d, const struct rp_run *run)
{
    if (run->n_notes == 0) {
        return;
    }
    fputs("## Notes\n\n", d->out);
    for (size_t i = 0; i < run->n_notes; i++) {
        struct md_block b;
        block_open(&b);
        fputs("- ", b.f);
        put_inline(b.f, run->notes[i], MD_DETAIL_CAP, "");
        fputc('\n', b.f);
        if (!block_add(d, &b, MD_MAX_BYTES - MD_NOTE_RESERVE)) {
            d->omitted_rows++;
        }
    }
    fputc('\n', d->out);
}

static void put_labelled(FILE *f, const char *label, const char *value)
{
    if (value != NULL) {
        fprintf(f, "**%s:** ", label);
        put_inline(f, value, MD_DETAIL_CAP, "");
        fputs("  \n", f);
    }
}

/* One failure or error: heading, facts, re-run command, transcript. */
static void put_detail(FILE *f, const struct rp_case *c)
{
    fprintf(f, "### %s %s · ", verdict_mark(c->verdict), rp_verdict_name(c->verdict));
    put_inline(f, c->id, MD_FIELD_CAP, "?");
    fputs(" · ", f);
    put_inline(f, c->title, MD_FIELD_CAP, "");
    fprintf(f, " (%s)\n\n", rp_level_name(c->level));
    put_labelled(f, "Why", c->reason);
    put_labelled(f, "Figure", c->figure);
    put_labelled(f, "Reference", c->reference);
    put_labelled(f, "Scenario", c->file);
    fputc('\n', f);
    if (c->rerun != NULL) {
        fputs("Re-run only this case:\n\n", f);
        rp_escape_md_code(f, c->rerun, strlen(c->rerun));
        fputc('\n', f);
    }
    if (c->n_steps > 0) {
        size_t len = 0;
        char *t = rp_transcript_new(c, MD_BODY_CAP, MD_TRANSCRIPT_CAP, &len);
        fputs("<details><summary>Transcript</summary>\n\n", f);
        rp_escape_md_code(f, t, len);
        fputs("\n</details>\n\n", f);
        free(t);
    }
}

static bool is_bad(const struct rp_case *c)
{
    return c->verdict == RP_VERDICT_FAIL || c->verdict == RP_VERDICT_ERROR;
}

static void put_details(struct md_doc *d, const struct rp_run *run)
{
    size_t n = run->counts[RP_VERDICT_FAIL] + run->counts[RP_VERDICT_ERROR];
    if (n == 0) {
        return;
    }
    long pos = ftell(d->out);
    size_t limit = (pos > 0 ? (size_t)pos : 0) + MD_DETAILS_BUDGET;
    fprintf(d->out, "## Failures and errors (%zu)\n\n", n);
    for (size_t i = 0; i < run->n_cases; i++) {
        if (!is_bad(&run->cases[i])) {
            continue;
        }
        struct md_block b;
        block_open(&b);
        put_detail(b.f, &run->cases[i]);
        if (!block_add(d, &b, limit)) {
            d->omitted_details++;
        }
    }
}

/* A bulleted list of the cases with verdict v and their reasons. */
static void put_list(struct md_doc *d, const struct rp_run *run, enum rp_verdict v,
                     const char *title)
{
    if (run->counts[v] == 0) {
        return;
    }
    fprintf(d->out, "## %s (%zu)\n\n", title, run->counts[v]);
    for (size_t i = 0; i < run->n_cases; i++) {
        const struct rp_case *c = &run->cases[i];
        if (c->verdict != v) {
            continue;
        }
        struct md_block b;
        block_open(&b);
        fprintf(b.f, "- %s **", verdict_mark(v));
        put_inline(b.f, c->id, MD_FIELD_CAP, "?");
        fputs("** ", b.f);
        put_inline(b.f, c->title, MD_FIELD_CAP, "");
        fprintf(b.f, " (%s)", rp_level_name(c->level));
        if (c->reason != NULL) {
            fputs(": ", b.f);
            put_inline(b.f, c->reason, MD_FIELD_CAP, "");
        }
        fputc('\n', b.f);
        if (!block_add(d, &b, MD_MAX_BYTES - MD_NOTE_RESERVE)) {
            d->omitted_rows++;
        }
    }
    fputc('\n', d->out);
}

static void put_table(struct md_doc *d, const struct rp_run *run)
{
    fputs("## All cases\n\n| verdict | ID | level | title | figure | time |\n"
          "|---|---|---|---|---|--:|\n",
          d->out);
    for (size_t i = 0; i < run->n_cases; i++) {
        const struct rp_case *c = &run->cases[i];
        char dur[32];
        clock_duration_text(c->duration_us, dur, sizeof(dur));
        struct md_block b;
        block_open(&b);
        fprintf(b.f, "| %s %s | ", verdict_mark(c->verdict), rp_verdict_name(c->verdict));
        put_inline(b.f, c->id, MD_FIELD_CAP, "?");
        fprintf(b.f, " | %s | ", rp_level_name(c->level));
        put_inline(b.f, c->title, MD_FIELD_CAP, "");
        fputs(" | ", b.f);
        put_inline(b.f, c->figure, MD_FIELD_CAP, "");
        fprintf(b.f, " | %s |\n", dur);
        if (!block_add(d, &b, MD_MAX_BYTES - MD_NOTE_RESERVE)) {
            d->omitted_rows++;
        }
    }
    fputc('\n', d->out);
}

int rp_markdown_write(const struct rp_run *run, FILE *f)
{
    struct md_doc d = {0};
    d.out = open_memstream(&d.buf, &d.size);
    if (d.out == NULL) {
        abort(); /* only fails for lack of memory, like xmalloc */
    }
    put_header(d.out, run);
    put_counts(d.out, run);
    put_notes(&d, run);
    put_details(&d, run);
    put_list(&d, run, RP_VERDICT_WARN, "Warnings");
    put_list(&d, run, RP_VERDICT_SKIP, "Skipped");
    put_table(&d, run);
    if (d.omitted_details > 0 || d.omitted_rows > 0) {
        fprintf(d.out,
                "> **Report truncated** to stay under 1 MiB: %zu failure details and %zu "
                "rows left out. The JSON and HTML reports hold every case.\n",
                d.omitted_details, d.omitted_rows);
    }
    if (fclose(d.out) != 0) {
        abort();
    }
    fwrite(d.buf, 1, d.size, f);
    free(d.buf);
    return fflush(f) != 0 || ferror(f) ? -1 : 0;
}
