/* reports/load: the load result in the four formats. The JSON validates
 * against reports/schema/load.schema.json (python3-jsonschema) and broken
 * copies do not; the JUnit XML against tests/data/junit.xsd with one
 * testcase per step mapped by status; the HTML lints and holds the chart of
 * latency against rate; the Markdown holds the steps' table; strings the
 * user gave (a target with markup) never become markup. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reports/chart.h"
#include "reports/load.h"
#include "support/proc.h"
#include "unit/reports/fixture.h"

#define PYTHON  "/usr/bin/python3"
#define XMLLINT "/usr/bin/xmllint"
#define HOSTILE "http://127.0.0.1:9/h?</script><script>alert(1)</script>|x]]>"

static char out[1 << 16];
static char errout[1 << 16];

/* A ramp of five steps: ok, ok (the knee), errors with 503 and timeouts,
 * then (not a real ramp's order, to reach every status) over the budget
 * and not kept. */
static struct rp_load *fixture_load(const char *target)
{
    struct rp_load *l = rp_load_new();

    rp_set(&l->harness_version, "0.1.0");
    rp_set(&l->target, target);
    rp_set(&l->scheme, "vambe");
    rp_set(&l->profile, "documented");
    rp_set(&l->topics, "message.received,ticket.created");
    l->mode = RP_LOAD_RAMP;
    l->start = 10;
    l->max = 100000;
    l->duration_us = 5000000;
    l->budget_us = 5000000;
    l->timeout_us = 6000000;
    l->concurrency = 256;
    l->seed = 18446744073709551615ull;
    l->started_wall_ms = 1727690400000ull;
    l->total_us = 26000000;
    rp_load_add_note(l, "a note with <b>markup</b> | pipes");
    for (int i = 0; i < 5; i++) {
        struct rp_load_step *s = rp_load_add_step(l);
        s->rate = 10u << i;
        s->duration_us = 5000000;
        s->elapsed_us = 5001000;
        s->scheduled = s->rate * 5;
        s->sent = s->scheduled;
        s->ok = s->sent;
        s->latency = (struct rp_load_latency){s->sent, 400, 900, 2000 + 1000u * i, 3000u << i};
        s->lag_p99_us = 120;
        s->lag_max_us = 900;
    }
    l->steps[2].ok -= 5;
    l->steps[2].non_2xx = 3;
    rp_load_count_status(&l->steps[2], 503);
    rp_load_count_status(&l->steps[2], 503);
    rp_load_count_status(&l->steps[2], 429);
    l->steps[2].timeouts = 2;
    l->steps[2].status = RP_LOAD_ERRORS;
    l->steps[3].latency.p99_us = 7100000;
    l->steps[3].over_budget = 3;
    l->steps[3].status = RP_LOAD_OVER_BUDGET;
    l->steps[4].not_sent = 30;
    l->steps[4].not_sent_at_cap = 30;
    l->steps[4].sent -= 30;
    l->steps[4].ok -= 30;
    l->steps[4].status = RP_LOAD_NOT_KEPT;
    l->stop = RP_LOAD_STOP_HARNESS;
    l->has_knee = true;
    l->knee = 1;
    l->sustained_rps = rp_load_step_ok_rps(&l->steps[1]);
    return l;
}

static char *write_load(const struct rp_load *l, enum rp_format f, const char *name)
{
    char *path = fixture_path(name);
    struct err e = {{0}};
    if (rp_load_write_file(l, f, path, &e) != 0) {
        fail_msg("rp_load_write_file %s: %s", path, e.msg);
    }
    return path;
}

static const char validator[] =
    "import copy, json, sys\n"
    "import jsonschema\n"
    "schema = json.load(open(sys.argv[1]))\n"
    "doc = json.load(open(sys.argv[2]))\n"
    "cls = jsonschema.validators.validator_for(schema)\n"
    "cls.check_schema(schema)\n"
    "v = cls(schema)\n"
    "v.validate(doc)\n"
    "bad = []\n"
    "d = copy.deepcopy(doc); d['steps'][0]['status'] = 'fine'; bad.append(d)\n"
    "d = copy.deepcopy(doc); del d['result']['knee']; bad.append(d)\n"
    "d = copy.deepcopy(doc); d['seed'] = 42; bad.append(d)\n"
    "d = copy.deepcopy(doc); d['steps'][1]['latency']['p99_us'] = -1; bad.append(d)\n"
    "d = copy.deepcopy(doc); d['extra'] = 1; bad.append(d)\n"
    "d = copy.deepcopy(doc); d['result']['stop'] = 'tired'; bad.append(d)\n"
    "d = copy.deepcopy(doc); d['steps'][0]['error_rate'] = 2; bad.append(d)\n"
    "d = copy.deepcopy(doc); d['mode'] = 'burst'; bad.append(d)\n"
    "d = copy.deepcopy(doc); d['topics'] = []; bad.append(d)\n"
    "print('valid', len(doc['steps']), 'rejected', sum(1 for b in bad if not v.is_valid(b)),\n"
    "      'of', len(bad))\n";

static void json_valid_and_complete(void **state)
{
    (void)state;
    struct rp_load *l = fixture_load("http://127.0.0.1:9/hook");
    char *path = write_load(l, RP_FORMAT_JSON, "load.json");
    char schema[1024];
    const char *src = getenv("VAMBE_SOURCE_DIR");

    assert_non_null(src);
    snprintf(schema, sizeof(schema), "%s/reports/schema/load.schema.json", src);
    char *argv[] = {PYTHON, "-c", (char *)validator, schema, path, NULL};
    if (proc_run(argv, out, sizeof(out), errout, sizeof(errout), 60000) != 0) {
        fail_msg("jsonschema: %s", errout);
    }
    assert_string_equal(out, "valid 5 rejected 9 of 9\n");

    json_error_t jerr;
    json_t *doc = json_load_file(path, 0, &jerr);
    assert_non_null(doc);
    assert_string_equal(json_string_value(json_object_get(doc, "format")), "vambe-load-report");
    assert_string_equal(json_string_value(json_object_get(doc, "seed")), "18446744073709551615");
    assert_true(json_is_null(json_object_get(doc, "rate")));
    assert_int_equal(json_array_size(json_object_get(doc, "topics")), 2);
    json_t *res = json_object_get(doc, "result");
    assert_string_equal(json_string_value(json_object_get(res, "stop")), "harness");
    json_t *knee = json_object_get(res, "knee");
    assert_int_equal(json_integer_value(json_object_get(knee, "rate")), 20);
    assert_int_equal(json_integer_value(json_object_get(knee, "step")), 2);
    json_t *s3 = json_array_get(json_object_get(doc, "steps"), 2);
    assert_string_equal(json_string_value(json_object_get(s3, "status")), "errors");
    json_t *st = json_object_get(s3, "statuses");
    assert_int_equal(json_array_size(st), 2);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(st, 0), "status")), 503);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(st, 0), "count")), 2);
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(s3, "transport_errors"), "timeout")), 2);
    json_decref(doc);
    free(path);
    rp_load_free(l);
}

static void junit_one_testcase_per_step(void **state)
{
    (void)state;
    struct rp_load *l = fixture_load(HOSTILE);
    char *path = write_load(l, RP_FORMAT_JUNIT, "load.xml");
    char xsd[1024];
    const char *src = getenv("VAMBE_SOURCE_DIR");

    snprintf(xsd, sizeof(xsd), "%s/tests/data/junit.xsd", src);
    char *argv[] = {XMLLINT, "--noout", "--schema", xsd, path, NULL};
    if (proc_run(argv, NULL, 0, errout, sizeof(errout), 60000) != 0) {
        fail_msg("xmllint --schema: %s", errout);
    }
    size_t len = 0;
    char *xml = fixture_slurp(path, &len);
    assert_non_null(xml);
    assert_int_equal(fixture_count(xml, len, "<testcase "), 5);
    assert_int_equal(fixture_count(xml, len, "<failure "), 2);
    assert_int_equal(fixture_count(xml, len, "<skipped "), 1);
    assert_non_null(strstr(xml, "tests=\"5\" failures=\"2\" errors=\"0\" skipped=\"1\""));
    assert_non_null(strstr(xml, "type=\"over-budget\""));
    assert_non_null(
        strstr(xml, "message=\"5 of 200 deliveries failed: 503 x2, 429 x1, timeout x2\""));
    assert_null(strstr(xml, "<script>"));
    free(xml);
    free(path);
    rp_load_free(l);
}

static void html_and_markdown(void **state)
{
    (void)state;
    struct rp_load *l = fixture_load(HOSTILE);
    char *html = write_load(l, RP_FORMAT_HTML, "load.html");
    char *md = write_load(l, RP_FORMAT_MD, "load.md");
    size_t len = 0;

    char *argv[] = {XMLLINT, "--html", "--noout", html, NULL};
    if (proc_run(argv, NULL, 0, errout, sizeof(errout), 60000) != 0) {
        fail_msg("xmllint --html: %s", errout);
    }
    /* libxml2's HTML 4 parser knows no svg, main, footer, circle...: only
     * those complaints are allowed. */
    for (char *line = strtok(errout, "\n"); line != NULL; line = strtok(NULL, "\n")) {
        char *e = strstr(line, "HTML parser error : ");
        if (e != NULL && strstr(e, "Tag ") == NULL) {
            fail_msg("xmllint --html: %s", e);
        }
    }
    char *text = fixture_slurp(html, &len);
    assert_non_null(text);
    assert_int_equal(fixture_count(text, len, "<svg id=\"load-chart\""), 1);
    assert_int_equal(fixture_count(text, len, "<polyline "), 2); /* p50 and p99 */
    assert_int_equal(fixture_count(text, len, "<circle "), 10);
    assert_non_null(strstr(text, "knee 20/s"));
    assert_non_null(strstr(text, "budget 5000 ms"));
    assert_null(strstr(text, "<script>"));
    assert_null(strstr(text, "<b>markup"));
    free(text);
    text = fixture_slurp(md, &len);
    assert_non_null(text);
    assert_non_null(strstr(text, "# Vambe webhook load: knee found"));
    assert_non_null(strstr(text, "| 2 (knee) | 20 | ok |"));
    assert_non_null(strstr(text, "| 3 | 40 | errors |"));
    assert_null(strstr(text, "<script>"));
    assert_null(strstr(text, "<b>"));
    free(text);
    free(html);
    free(md);
    rp_load_free(l);
}

static void no_answer_no_knee(void **state)
{
    (void)state;
    struct rp_load *l = rp_load_new();
    char *buf = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&buf, &size);

    l->budget_us = 1000;
    l->mode = RP_LOAD_FIXED;
    l->rate = 5;
    struct rp_load_step *s = rp_load_add_step(l);
    s->rate = 5;
    s->sent = 5;
    s->scheduled = 5;
    s->refused = 5;
    s->status = RP_LOAD_ERRORS;
    assert_non_null(f);
    rp_chart_load_write(f, l);
    fclose(f);
    assert_non_null(strstr(buf, "No delivery got a response"));
    assert_null(strstr(buf, "<polyline"));
    char text[256];
    rp_load_knee_text(l, text, sizeof(text));
    assert_string_equal(text, "none: no step was within the budget of 1.0 ms without an error");
    free(buf);
    rp_load_free(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(json_valid_and_complete),
        cmocka_unit_test(junit_one_testcase_per_step),
        cmocka_unit_test(html_and_markdown),
        cmocka_unit_test(no_answer_no_knee),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
