/* The load result as JUnit XML, in the shape junit.c writes (the Apache
 * Ant / Jenkins schema, tests/data/junit.xsd):
 *
 *   testsuites name="vambe-harness load"
 *     testsuite name="load" (properties: the load's settings and result)
 *       testcase classname="load" name="step N: R/s" time=its duration
 *
 * A step's status maps to JUnit's: ok -> a passing testcase; errors and
 * over-budget -> failure (type "errors" or "over-budget": the receiver
 * did not sustain that rate); not-kept and interrupted -> skipped (the
 * step did not test its rate: the harness's limit or a signal). Every
 * testcase's text holds the step's facts. A ramp stops at its first step
 * over the budget or with over 1% failed, so a ramp's last step usually
 * fails: that step is where the knee was found. */
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "reports/escape.h"
#include "reports/fmt.h"
#include "reports/load.h"

static void put_property_u64(FILE *f, const char *name, uint64_t v)
{
    char buf[32];
    snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v);
    rp_escape_xml_property(f, name, buf);
}

static void put_properties(FILE *f, const struct rp_load *l)
{
    char buf[512];
    fputs("    <properties>\n", f);
    rp_escape_xml_property(f, "target", l->target);
    rp_escape_xml_property(f, "harness_version", l->harness_version);
    rp_escape_xml_property(f, "scheme", l->scheme);
    rp_escape_xml_property(f, "profile", l->profile);
    rp_escape_xml_property(f, "topics", l->topics);
    rp_escape_xml_property(f, "mode", rp_load_mode_name(l->mode));
    if (l->mode == RP_LOAD_RAMP) {
        put_property_u64(f, "start", l->start);
        put_property_u64(f, "max", l->max);
    } else {
        put_property_u64(f, "rate", l->rate);
    }
    put_property_u64(f, "step_duration_us", l->duration_us);
    put_property_u64(f, "budget_us", l->budget_us);
    put_property_u64(f, "concurrency", l->concurrency);
    put_property_u64(f, "seed", l->seed);
    clock_iso8601(l->started_wall_ms, buf, sizeof(buf));
    rp_escape_xml_property(f, "started_at", buf);
    rp_escape_xml_property(f, "stop", rp_load_stop_name(l->stop));
    rp_load_stop_text(l, buf, sizeof(buf));
    rp_escape_xml_property(f, "stop_reason", buf);
    rp_load_knee_text(l, buf, sizeof(buf));
    rp_escape_xml_property(f, "knee", buf);
    for (size_t i = 0; i < l->n_notes; i++) {
        rp_escape_xml_property(f, "note", l->notes[i]);
    }
    fputs("    </properties>\n", f);
}

static void put_testcase(FILE *f, const struct rp_load *l, const struct rp_load_step *s)
{
    char name[64], secs[32], why[512], facts[2048];

    snprintf(name, sizeof(name), "step %u: %llu/s", s->index, (unsigned long long)s->rate);
    rp_fmt_seconds(s->duration_us, secs, sizeof(secs));
    rp_load_step_why(l, s, why, sizeof(why));
    rp_load_step_facts(l, s, facts, sizeof(facts));
    fputs("    <testcase classname=\"load\"", f);
    rp_escape_xml_attr(f, "name", name);
    rp_escape_xml_attr(f, "time", secs);
    fputs(">\n", f);
    if (s->status == RP_LOAD_ERRORS || s->status == RP_LOAD_OVER_BUDGET) {
        fputs("      <failure", f);
        rp_escape_xml_attr(f, "message", why);
        rp_escape_xml_attr(f, "type", rp_load_status_name(s->status));
        fputs(">", f);
        rp_escape_markup(f, facts, strlen(facts), RP_ESCAPE_TEXT);
        fputs("</failure>\n", f);
        fputs("    </testcase>\n", f);
        return;
    }
    if (s->status != RP_LOAD_OK) {
        fputs("      <skipped", f);
        rp_escape_xml_attr(f, "message", why);
        fputs("/>\n", f);
    }
    fputs("      <system-out>", f);
    rp_escape_markup(f, facts, strlen(facts), RP_ESCAPE_TEXT);
    fputs("</system-out>\n", f);
    fputs("    </testcase>\n", f);
}

int rp_load_junit_write(const struct rp_load *l, FILE *f)
{
    size_t failures = 0, skipped = 0;
    char secs[32], stamp[32];

    for (size_t i = 0; i < l->n_steps; i++) {
        enum rp_load_status st = l->steps[i].status;
        failures += st == RP_LOAD_ERRORS || st == RP_LOAD_OVER_BUDGET;
        skipped += st == RP_LOAD_NOT_KEPT || st == RP_LOAD_INTERRUPTED;
    }
    rp_fmt_seconds(l->total_us, secs, sizeof(secs));
    rp_fmt_utc_plain(l->started_wall_ms, stamp, sizeof(stamp));
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", f);
    fprintf(f,
            "<testsuites name=\"vambe-harness load\" tests=\"%zu\" failures=\"%zu\" errors=\"0\"",
            l->n_steps, failures);
    rp_escape_xml_attr(f, "time", secs);
    fputs(">\n", f);
    fprintf(f,
            "  <testsuite name=\"load\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" "
            "skipped=\"%zu\"",
            l->n_steps, failures, skipped);
    rp_escape_xml_attr(f, "time", secs);
    rp_escape_xml_attr(f, "timestamp", stamp);
    fputs(">\n", f);
    put_properties(f, l);
    for (size_t i = 0; i < l->n_steps; i++) {
        put_testcase(f, l, &l->steps[i]);
    }
    fputs("  </testsuite>\n</testsuites>\n", f);
    return fflush(f) != 0 || ferror(f) ? -1 : 0;
}
