/* JUnit XML report, in the shape Jenkins, GitLab and the GitHub test
 * report actions read (the Apache Ant / Jenkins JUnit schema):
 *
 *   testsuites
 *     testsuite (one per area, in order of first appearance)
 *       properties (the run's facts, repeated in each suite: the schema
 *                   allows them only there)
 *       testcase (classname = area, name = "ID title", time in seconds)
 *         failure | error | skipped, then system-out
 *
 * FAIL -> failure (message: expected vs actual; text: the transcript),
 * ERROR -> error, SKIP -> skipped (message: the reason), WARN and PASS ->
 * a passing testcase whose system-out carries the note (and, for WARN, the
 * transcript). */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/xalloc.h"
#include "reports/escape.h"
#include "reports/fmt.h"
#include "reports/transcript.h"
#include "reports/write.h"

/* A failure's transcript is cut past this, with a note. */
#define JUNIT_TRANSCRIPT_CAP (64 * 1024)

static const char *area_of(const struct rp_case *c)
{
    return c->area != NULL && c->area[0] != '\0' ? c->area : "OTHER";
}

static void put_properties(FILE *f, const struct rp_run *run)
{
    char buf[64];
    fputs("    <properties>\n", f);
    rp_escape_xml_property(f, "target", run->target);
    snprintf(buf, sizeof(buf), "%llu", (unsigned long long)run->seed);
    rp_escape_xml_property(f, "seed", buf);
    rp_escape_xml_property(f, "harness_version", run->harness_version);
    rp_escape_xml_property(f, "suite", run->suite);
    rp_escape_xml_property(f, "suite_checksum", run->suite_checksum);
    rp_escape_xml_property(f, "profile", run->profile);
    rp_escape_xml_property(f, "scheme", run->scheme);
    rp_escape_xml_property(f, "timestamp_unit", run->timestamp_unit);
    rp_escape_xml_property(f, "probe", run->probe);
    rp_escape_xml_property(f, "strict", run->strict ? "true" : "false");
    rp_escape_xml_property(f, "conformant", run->conformant ? "true" : "false");
    clock_iso8601(run->started_wall_ms, buf, sizeof(buf));
    rp_escape_xml_property(f, "started_at", buf);
    /* One "note" property per note, in order: the schema allows any number
     * of properties and puts no uniqueness rule on their names. */
    for (size_t i = 0; i < run->n_notes; i++) {
        rp_escape_xml_property(f, "note", run->notes[i]);
    }
    fputs("    </properties>\n", f);
}

/* The failure message: the reason, else the first failing step's
 * expected vs actual, else the verdict. Returns a string the caller
 * frees. */
static char *case_message(const struct rp_case *c)
{
    if (c->reason != NULL) {
        return xstrdup(c->reason);
    }
    for (size_t i = 0; i < c->n_steps; i++) {
        const struct rp_step *s = &c->steps[i];
        if (s->verdict == c->verdict && (s->expected != NULL || s->actual != NULL)) {
            return xasprintf("expected %s, got %s", s->expected ? s->expected : "?",
                             s->actual ? s->actual : "?");
        }
    }
    return xstrdup(rp_verdict_name(c->verdict));
}

/* The lines every case's text starts with. */
static void put_case_facts(FILE *f, const struct rp_case *c)
{
    fprintf(f, "%s %s [%s]\n", c->id ? c->id : "?", c->title ? c->title : "",
            rp_level_name(c->level));
    fputs("verdict: ", f);
    fputs(rp_verdict_name(c->verdict), f);
    fputc('\n', f);
    const char *labels[] = {"reason", "figure", "reference", "file", "rerun"};
    const char *values[] = {c->reason, c->figure, c->reference, c->file, c->rerun};
    for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++) {
        if (values[i] != NULL) {
            fprintf(f, "%s: %s\n", labels[i], values[i]);
        }
    }
}

/* Builds a case's raw text (facts, then the transcript when with_steps)
 * and writes it escaped. */
static void put_case_text(FILE *f, const struct rp_case *c, bool with_steps)
{
    char *buf = NULL;
    size_t size = 0;
    FILE *m = open_memstream(&buf, &size);
    if (m == NULL) {
        abort(); /* only fails for lack of memory, like xmalloc */
    }
    put_case_facts(m, c);
    if (with_steps && c->n_steps > 0) {
        size_t tlen = 0;
        char *t = rp_transcript_new(c, RP_ESCAPE_BODY_CAP, JUNIT_TRANSCRIPT_CAP, &tlen);
        fputs("transcript:\n", m);
        fwrite(t, 1, tlen, m);
        free(t);
    }
    if (fclose(m) != 0) {
        abort();
    }
    rp_escape_markup(f, buf, size, RP_ESCAPE_TEXT);
    free(buf);
}

static void put_testcase(FILE *f, const struct rp_case *c)
{
    char secs[32];
    char *name = xasprintf("%s %s", c->id ? c->id : "?", c->title ? c->title : "");
    rp_fmt_seconds(c->duration_us, secs, sizeof(secs));
    fputs("    <testcase", f);
    rp_escape_xml_attr(f, "classname", area_of(c));
    rp_escape_xml_attr(f, "name", name);
    rp_escape_xml_attr(f, "time", secs);
    fputs(">\n", f);
    free(name);
    char *msg = case_message(c);
    if (c->verdict == RP_VERDICT_FAIL || c->verdict == RP_VERDICT_ERROR) {
        const char *tag = c->verdict == RP_VERDICT_FAIL ? "failure" : "error";
        fprintf(f, "      <%s", tag);
        rp_escape_xml_attr(f, "message", msg);
        rp_escape_xml_attr(f, "type", rp_level_name(c->level));
        fputs(">", f);
        put_case_text(f, c, true);
        fprintf(f, "</%s>\n", tag);
    } else if (c->verdict == RP_VERDICT_SKIP) {
        fputs("      <skipped", f);
        rp_escape_xml_attr(f, "message", msg);
        fputs("/>\n", f);
    }
    free(msg);
    if (c->verdict != RP_VERDICT_FAIL && c->verdict != RP_VERDICT_ERROR) {
        /* a failure's text already holds the facts */
        fputs("      <system-out>", f);
        put_case_text(f, c, c->verdict == RP_VERDICT_WARN);
        fputs("</system-out>\n", f);
    }
    fputs("    </testcase>\n", f);
}

static void put_testsuite(FILE *f, const struct rp_run *run, const char *area)
{
    size_t tests = 0, failures = 0, errors = 0, skipped = 0;
    uint64_t us = 0;
    for (size_t i = 0; i < run->n_cases; i++) {
        const struct rp_case *c = &run->cases[i];
        if (strcmp(area_of(c), area) == 0) {
            tests++;
            failures += c->verdict == RP_VERDICT_FAIL;
            errors += c->verdict == RP_VERDICT_ERROR;
            skipped += c->verdict == RP_VERDICT_SKIP;
            us += c->duration_us;
        }
    }
    char secs[32], stamp[32];
    rp_fmt_seconds(us, secs, sizeof(secs));
    rp_fmt_utc_plain(run->started_wall_ms, stamp, sizeof(stamp));
    fputs("  <testsuite", f);
    rp_escape_xml_attr(f, "name", area);
    fprintf(f, " tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\"", tests, failures,
            errors, skipped);
    rp_escape_xml_attr(f, "time", secs);
    rp_escape_xml_attr(f, "timestamp", stamp);
    fputs(">\n", f);
    put_properties(f, run);
    for (size_t i = 0; i < run->n_cases; i++) {
        if (strcmp(area_of(&run->cases[i]), area) == 0) {
            put_testcase(f, &run->cases[i]);
        }
    }
    fputs("  </testsuite>\n", f);
}

int rp_junit_write(const struct rp_run *run, FILE *f)
{
    char secs[32];
    rp_fmt_seconds(run->duration_us, secs, sizeof(secs));
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", f);
    fputs("<testsuites name=\"vambe-harness\"", f);
    fprintf(f, " tests=\"%zu\" failures=\"%zu\" errors=\"%zu\"", run->n_cases,
            run->counts[RP_VERDICT_FAIL], run->counts[RP_VERDICT_ERROR]);
    rp_escape_xml_attr(f, "time", secs);
    fputs(">\n", f);
    /* Areas in order of first appearance; few, so a linear scan is fine. */
    const char **areas = xcalloc(run->n_cases ? run->n_cases : 1, sizeof(char *));
    size_t n_areas = 0;
    for (size_t i = 0; i < run->n_cases; i++) {
        const char *a = area_of(&run->cases[i]);
        bool seen = false;
        for (size_t k = 0; k < n_areas && !seen; k++) {
            seen = strcmp(areas[k], a) == 0;
        }
        if (!seen) {
            areas[n_areas++] = a;
            put_testsuite(f, run, a);
        }
    }
    free(areas);
    fputs("</testsuites>\n", f);
    return fflush(f) != 0 || ferror(f) ? -1 : 0;
}
