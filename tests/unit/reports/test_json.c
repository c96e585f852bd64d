/* reports/json: the JSON report validates against
 * reports/schema/report.schema.json (Debian's python3-jsonschema), keeps
 * every fact of the model, and keeps hostile bodies exactly (NUL bytes as
 * \u0000, invalid UTF-8 repaired with the exact bytes in *_base64). */
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

#include "reports/escape.h"
#include "support/proc.h"
#include "unit/reports/fixture.h"

#define PYTHON "/usr/bin/python3"

/* Validates doc against the schema; with "--mutate", first breaks doc in
 * several ways and prints how many of the broken copies were rejected. */
static const char validator[] =
    "import copy, json, sys\n"
    "import jsonschema\n"
    "schema = json.load(open(sys.argv[1]))\n"
    "doc = json.load(open(sys.argv[2]))\n"
    "cls = jsonschema.validators.validator_for(schema)\n"
    "cls.check_schema(schema)\n"
    "v = cls(schema)\n"
    "v.validate(doc)\n"
    "if len(sys.argv) > 3:\n"
    "    bad = []\n"
    "    d = copy.deepcopy(doc); d['cases'][0]['verdict'] = 'MAYBE'; bad.append(d)\n"
    "    d = copy.deepcopy(doc); del d['summary']['latency']; bad.append(d)\n"
    "    d = copy.deepcopy(doc); d['seed'] = 42; bad.append(d)\n"
    "    d = copy.deepcopy(doc); d['cases'][0]['steps'][0]['exchanges'][0]['total_us'] = -1; "
    "bad.append(d)\n"
    "    d = copy.deepcopy(doc); d['extra'] = 1; bad.append(d)\n"
    "    d = copy.deepcopy(doc); del d['notes']; bad.append(d)\n"
    "    d = copy.deepcopy(doc); d['notes'] = [1]; bad.append(d)\n"
    "    d = copy.deepcopy(doc); d['timestamp_window']['past']['refused_s'] = -1; bad.append(d)\n"
    "    d = copy.deepcopy(doc); del d['timestamp_window']['future']; bad.append(d)\n"
    "    print('rejected', sum(1 for b in bad if not v.is_valid(b)), 'of', len(bad))\n"
    "else:\n"
    "    print('valid', cls.__name__, len(doc['cases']))\n";

static char out[1 << 16];
static char errout[1 << 16];

static const char *run_validator(const char *path, bool mutate)
{
    char schema[1024];
    const char *src = getenv("VAMBE_SOURCE_DIR");
    assert_non_null(src);
    snprintf(schema, sizeof(schema), "%s/reports/schema/report.schema.json", src);
    char *argv[] = {
        PYTHON, "-c", (char *)validator, schema, (char *)path, mutate ? "--mutate" : NULL, NULL};
    int rc = proc_run(argv, out, sizeof(out), errout, sizeof(errout), 60000);
    if (rc != 0) {
        fail_msg("jsonschema validation of %s failed (%d): %s", path, rc, errout);
    }
    return out;
}

static json_t *load(const char *path)
{
    json_error_t jerr;
    json_t *doc = json_load_file(path, JSON_ALLOW_NUL, &jerr);
    if (doc == NULL) {
        fail_msg("%s: line %d: %s", path, jerr.line, jerr.text);
    }
    return doc;
}

/* The case with this id in doc (borrowed). */
static json_t *find_case(json_t *doc, const char *id)
{
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(doc, "cases"), i, c)
    {
        if (strcmp(json_string_value(json_object_get(c, "id")), id) == 0) {
            return c;
        }
    }
    fail_msg("case %s not found", id);
    return NULL;
}

static void schema_valid_with_every_fact(void **state)
{
    (void)state;
    struct rp_run *run = fixture_run(false);
    /* Facts a fixture run lacks: an interrupted run, a burst's exchanges
     * counted without their detail (their latencies count). */
    size_t samples = run->latency.samples;
    run->interrupted = "SIGINT";
    rp_step_omit_exchange(&run->cases[0].steps[0], true, 1234);
    rp_step_omit_exchange(&run->cases[0].steps[0], false, 0);
    rp_run_summarize(run);
    assert_int_equal(run->latency.samples, samples + 1);
    char *path = fixture_write(run, RP_FORMAT_JSON, "report.json");
    assert_string_equal(run_validator(path, false), "valid Draft202012Validator 9\n");
    /* the schema has teeth: broken copies are rejected */
    assert_string_equal(run_validator(path, true), "rejected 9 of 9\n");
    json_t *doc = load(path);
    assert_string_equal(json_string_value(json_object_get(doc, "seed")), "42");
    json_t *lb = json_object_get(doc, "largest_body");
    assert_int_equal(json_integer_value(json_object_get(lb, "accepted")), 262144);
    assert_true(json_is_null(json_object_get(lb, "refused")));
    json_t *tw = json_object_get(doc, "timestamp_window");
    json_t *past = json_object_get(tw, "past");
    json_t *future = json_object_get(tw, "future");
    assert_int_equal(json_integer_value(json_object_get(past, "accepted_s")), 299);
    assert_int_equal(json_integer_value(json_object_get(past, "refused_s")), 300);
    assert_int_equal(json_integer_value(json_object_get(future, "accepted_s")), 604800);
    assert_true(json_is_null(json_object_get(future, "refused_s")));
    assert_string_equal(json_string_value(json_object_get(doc, "scheme")), FIXTURE_SCHEME);
    assert_string_equal(json_string_value(json_object_get(doc, "interrupted")), "SIGINT");
    json_t *first_step = json_array_get(
        json_object_get(json_array_get(json_object_get(doc, "cases"), 0), "steps"), 0);
    assert_int_equal(json_integer_value(json_object_get(first_step, "exchanges_omitted")), 2);
    json_t *notes = json_object_get(doc, "notes");
    assert_true(json_is_array(notes));
    assert_int_equal(json_array_size(notes), 2);
    assert_string_equal(json_string_value(json_array_get(notes, 0)), FIXTURE_NOTE_1);
    assert_string_equal(json_string_value(json_array_get(notes, 1)), FIXTURE_NOTE_2);
    assert_string_equal(json_string_value(json_object_get(doc, "started_at")),
                        "2024-09-30T10:00:00.000Z");
    json_t *summary = json_object_get(doc, "summary");
    assert_false(json_is_true(json_object_get(summary, "conformant")));
    assert_int_equal(json_integer_value(json_object_get(summary, "exit_code")), 1);
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(summary, "counts"), "SKIP")), 2);
    json_t *lat = json_object_get(summary, "latency");
    assert_int_equal(json_integer_value(json_object_get(lat, "samples")), run->latency.samples);
    assert_int_equal(json_integer_value(json_object_get(lat, "p95_us")), run->latency.p95_us);
    json_t *c = find_case(doc, "SIG-002");
    assert_string_equal(json_string_value(json_object_get(c, "verdict")), "FAIL");
    assert_string_equal(json_string_value(json_object_get(c, "level")), "MUST");
    assert_string_equal(json_string_value(json_object_get(c, "area")), "SIG");
    json_t *x = json_array_get(
        json_object_get(json_array_get(json_object_get(c, "steps"), 0), "exchanges"), 0);
    assert_int_equal(json_integer_value(json_object_get(x, "status")), 200);
    assert_int_equal(json_integer_value(json_object_get(x, "total_us")), 7300);
    assert_non_null(strstr(json_string_value(json_object_get(x, "request_headers")),
                           "x-vambe-event: message.received"));
    assert_null(json_object_get(x, "response_body_base64"));
    assert_true(json_is_null(json_object_get(find_case(doc, "IDM-002"), "figure")));
    json_decref(doc);
    free(path);
    rp_run_free(run);
}

static void hostile_bodies_kept_exactly(void **state)
{
    (void)state;
    struct rp_run *run = fixture_run(true);
    char *path = fixture_write(run, RP_FORMAT_JSON, "report-hostile.json");
    assert_string_equal(run_validator(path, false), "valid Draft202012Validator 9\n");
    json_t *doc = load(path);
    json_t *xs = json_object_get(
        json_array_get(json_object_get(find_case(doc, "SIG-002"), "steps"), 0), "exchanges");
    json_t *x = json_array_get(xs, 0);
    size_t len = 0;
    const char *want = fixture_hostile_body(&len);
    assert_int_equal(json_integer_value(json_object_get(x, "response_body_bytes")), len);
    /* NUL bytes survive as \u0000: the string is longer than its C length */
    json_t *body = json_object_get(x, "response_body");
    assert_true(json_string_length(body) > strlen(json_string_value(body)));
    assert_int_equal(json_string_value(body)[0], '\0');
    assert_true(json_is_true(json_object_get(x, "response_body_truncated")));
    /* the exact bytes, in base64 */
    const char *b64 = json_string_value(json_object_get(x, "response_body_base64"));
    assert_non_null(b64);
    assert_int_equal(strlen(b64), (len + 2) / 3 * 4);
    assert_memory_equal(b64, "AAECAwQFBgcICQoLDA0ODx", 22);
    char *expect = rp_escape_base64(want, len);
    assert_string_equal(b64, expect);
    free(expect);
    /* the hostile scheme name and note are kept, repaired to valid UTF-8 */
    assert_int_equal(json_array_size(json_object_get(doc, "notes")), 3);
    const char *note = json_string_value(json_array_get(json_object_get(doc, "notes"), 2));
    assert_non_null(strstr(note, "<img src=x onerror=alert(4)>\n# heading"));
    assert_non_null(strstr(note, "\xEF\xBF\xBD")); /* U+FFFD for the invalid bytes */
    assert_non_null(strstr(json_string_value(json_object_get(doc, "scheme")), "custom <i>"));
    /* the 2 MiB body is kept whole (the JSON report holds every fact) */
    x = json_array_get(xs, 1);
    assert_int_equal(json_integer_value(json_object_get(x, "response_body_bytes")),
                     FIXTURE_BIG_BODY);
    assert_non_null(json_object_get(x, "response_body_base64"));
    json_decref(doc);
    /* and the file never holds a raw control byte */
    size_t flen = 0;
    char *text = fixture_slurp(path, &flen);
    assert_non_null(text);
    for (size_t i = 0; i < flen; i++) {
        if ((unsigned char)text[i] < 0x20 && text[i] != '\n') {
            fail_msg("raw control byte 0x%02x at offset %zu", (unsigned char)text[i], i);
        }
    }
    free(text);
    free(path);
    rp_run_free(run);
}

/* A run without notes still has "notes", empty; no scheme is null. */
static void no_notes_is_an_empty_array(void **state)
{
    (void)state;
    struct rp_run *run = rp_run_new();
    rp_run_summarize(run);
    char *path = fixture_write(run, RP_FORMAT_JSON, "report-empty.json");
    assert_string_equal(run_validator(path, false), "valid Draft202012Validator 0\n");
    json_t *doc = load(path);
    json_t *notes = json_object_get(doc, "notes");
    assert_true(json_is_array(notes));
    assert_int_equal(json_array_size(notes), 0);
    assert_true(json_is_null(json_object_get(doc, "scheme")));
    assert_null(json_object_get(doc, "largest_body")); /* not measured: left out */
    assert_null(json_object_get(doc, "timestamp_window"));
    json_decref(doc);
    size_t len = 0;
    char *text = fixture_slurp(path, &len);
    assert_non_null(text);
    assert_non_null(strstr(text, "\"notes\": []"));
    free(text);
    free(path);
    rp_run_free(run);
}

/* Past the detail budget: exchanges marked detail_dropped, with null
 * headers and bodies and their facts kept; the note last; still valid. */
static void detail_dropped_marked(void **state)
{
    (void)state;
    struct rp_run *run = fixture_over_budget(true);
    char *path = fixture_write(run, RP_FORMAT_JSON, "report-over-budget.json");
    assert_string_equal(run_validator(path, false), "valid Draft202012Validator 9\n");
    json_t *doc = load(path);
    json_t *xs = json_object_get(
        json_array_get(json_object_get(find_case(doc, "SIG-002"), "steps"), 0), "exchanges");
    assert_int_equal(json_array_size(xs), 2);
    for (size_t i = 0; i < 2; i++) {
        json_t *x = json_array_get(xs, i);
        assert_true(json_is_true(json_object_get(x, "detail_dropped")));
        assert_true(json_is_null(json_object_get(x, "request_headers")));
        assert_true(json_is_null(json_object_get(x, "request_body")));
        assert_true(json_is_null(json_object_get(x, "response_headers")));
        assert_true(json_is_null(json_object_get(x, "response_body")));
        assert_int_equal(json_integer_value(json_object_get(x, "request_body_bytes")), 0);
        assert_int_equal(json_integer_value(json_object_get(x, "response_body_bytes")), 0);
        assert_null(json_object_get(x, "response_body_base64")); /* the 2 MiB body is gone */
        assert_int_equal(json_integer_value(json_object_get(x, "status")), 200);
        assert_string_equal(json_string_value(json_object_get(x, "method")), "POST");
    }
    assert_int_equal(json_integer_value(json_object_get(json_array_get(xs, 0), "total_us")), 7300);
    /* an exchange that kept its detail has no mark */
    json_t *first = json_array_get(
        json_object_get(json_array_get(json_object_get(find_case(doc, "DLV-001"), "steps"), 0),
                        "exchanges"),
        0);
    assert_null(json_object_get(first, "detail_dropped"));
    assert_non_null(json_string_value(json_object_get(first, "request_headers")));
    json_t *notes = json_object_get(doc, "notes");
    assert_int_equal(json_array_size(notes), 4);
    assert_non_null(strstr(json_string_value(json_array_get(notes, 3)),
                           "exchange detail budget of 16384 bytes reached"));
    json_t *lat = json_object_get(json_object_get(doc, "summary"), "latency");
    assert_int_equal(json_integer_value(json_object_get(lat, "samples")), run->latency.samples);
    json_decref(doc);
    size_t len = 0;
    char *text = fixture_slurp(path, &len);
    assert_non_null(text);
    assert_true(len < 128 * 1024); /* the 2 MiB body did not reach the file */
    free(text);
    free(path);
    rp_run_free(run);
}

static void write_error_reported(void **state)
{
    (void)state;
    struct rp_run *run = fixture_run(false);
    FILE *f = fopen("/dev/full", "w");
    assert_non_null(f);
    assert_int_equal(rp_json_write(run, f), -1);
    fclose(f);
    rp_run_free(run);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(schema_valid_with_every_fact),
        cmocka_unit_test(hostile_bodies_kept_exactly),
        cmocka_unit_test(no_notes_is_an_empty_array),
        cmocka_unit_test(detail_dropped_marked),
        cmocka_unit_test(write_error_reported),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
