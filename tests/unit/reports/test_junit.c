/* reports/junit: the JUnit XML report validates against tests/data/junit.xsd
 * (xmllint --schema), has one testsuite per area, maps every verdict, and
 * survives hostile receiver data. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/proc.h"
#include "unit/reports/fixture.h"

#define XMLLINT "/usr/bin/xmllint"

static char out[1 << 16];
static char errout[1 << 16];

static void validate(const char *path)
{
    char xsd[1024];
    const char *src = getenv("VAMBE_SOURCE_DIR");
    assert_non_null(src);
    snprintf(xsd, sizeof(xsd), "%s/tests/data/junit.xsd", src);
    char *argv[] = {XMLLINT, "--noout", "--schema", xsd, (char *)path, NULL};
    int rc = proc_run(argv, out, sizeof(out), errout, sizeof(errout), 60000);
    if (rc != 0) {
        fail_msg("xmllint --schema %s failed (%d): %s", path, rc, errout);
    }
    assert_non_null(strstr(errout, "validates"));
}

/* Evaluates an XPath expression over path with xmllint; result in out. */
static const char *xpath(const char *path, const char *expr)
{
    char *argv[] = {XMLLINT, "--xpath", (char *)expr, (char *)path, NULL};
    int rc = proc_run(argv, out, sizeof(out), errout, sizeof(errout), 60000);
    if (rc != 0) {
        fail_msg("xmllint --xpath '%s' failed (%d): %s", expr, rc, errout);
    }
    /* numbers come with a line break */
    size_t n = strlen(out);
    if (n > 0 && out[n - 1] == '\n') {
        out[n - 1] = '\0';
    }
    return out;
}

static void schema_valid_and_shaped(void **state)
{
    (void)state;
    struct rp_run *run = fixture_run(false);
    char *path = fixture_write(run, RP_FORMAT_JUNIT, "junit.xml");
    validate(path);
    assert_string_equal(xpath(path, "count(/testsuites/testsuite)"), "5");
    assert_string_equal(xpath(path, "string(/testsuites/testsuite[1]/@name)"), "DLV");
    assert_string_equal(xpath(path, "string(/testsuites/@tests)"), "9");
    assert_string_equal(xpath(path, "string(//testsuite[@name='SIG']/@failures)"), "1");
    assert_string_equal(xpath(path, "string(//testsuite[@name='SIG']/@errors)"), "1");
    assert_string_equal(xpath(path, "string(//testsuite[@name='IDM']/@skipped)"), "1");
    assert_string_equal(xpath(path, "string(//testsuite[1]/@timestamp)"), "2024-09-30T10:00:00");
    /* classname is the area, name is "ID title", time in seconds */
    assert_string_equal(
        xpath(path, "string(//testcase[@name='DLV-001 answers a valid signed delivery with "
                    "2xx']/@classname)"),
        "DLV");
    assert_string_equal(xpath(path, "string(//testcase[starts-with(@name,'DLV-001')]/@time)"),
                        "0.020");
    /* FAIL -> failure with expected vs actual and the transcript */
    assert_string_equal(
        xpath(path, "string(//testcase[starts-with(@name,'SIG-002')]/failure/@message)"),
        "expected status 401 or 403, got 200");
    assert_string_equal(
        xpath(path, "string(//testcase[starts-with(@name,'SIG-002')]/failure/@type)"), "MUST");
    const char *text = xpath(path, "string(//testcase[starts-with(@name,'SIG-002')]/failure)");
    assert_non_null(strstr(text, "transcript:"));
    assert_non_null(strstr(text, "expected: 401 or 403"));
    assert_non_null(strstr(text, "x-vambe-event: message.received"));
    /* ERROR -> error, SKIP -> skipped with the reason */
    assert_string_equal(
        xpath(path, "string(//testcase[starts-with(@name,'SIG-004')]/error/@message)"),
        "connection refused");
    assert_string_equal(
        xpath(path, "string(//testcase[starts-with(@name,'IDM-002')]/skipped/@message)"),
        "no probe: give --probe-url or --probe-cmd");
    /* WARN passes, its note in system-out */
    assert_string_equal(xpath(path,
                              "count(//testcase[starts-with(@name,'DLV-002')]/*[self::failure or "
                              "self::error or self::skipped])"),
                        "0");
    text = xpath(path, "string(//testcase[starts-with(@name,'DLV-002')]/system-out)");
    assert_non_null(strstr(text, "verdict: WARN"));
    assert_non_null(strstr(text, "reason: expected status 200, got 202"));
    /* the run's facts as properties */
    assert_string_equal(xpath(path, "string(//testsuite[1]/properties/property[@name='target']/"
                                    "@value)"),
                        "http://127.0.0.1:8080/webhooks/vambe");
    assert_string_equal(
        xpath(path, "string(//testsuite[1]/properties/property[@name='seed']/@value)"), "42");
    assert_string_equal(xpath(path, "count(//testsuite[1]/properties/property[@name='harness_"
                                    "version' or @name='suite_checksum' or @name='profile' or "
                                    "@name='timestamp_unit' or @name='strict'])"),
                        "5");
    /* the signing scheme next to the profile, each note as a repeated "note" */
    assert_string_equal(
        xpath(path, "string(//testsuite[1]/properties/property[@name='scheme']/@value)"),
        FIXTURE_SCHEME);
    assert_string_equal(xpath(path, "string(//testsuite[1]/properties/property[@name='profile']/"
                                    "following-sibling::property[1]/@name)"),
                        "scheme");
    assert_string_equal(xpath(path, "count(//testsuite[1]/properties/property[@name='note'])"),
                        "2");
    assert_string_equal(
        xpath(path, "string(//testsuite[1]/properties/property[@name='note'][1]/@value)"),
        FIXTURE_NOTE_1);
    assert_string_equal(
        xpath(path, "string(//testsuite[1]/properties/property[@name='note'][2]/@value)"),
        FIXTURE_NOTE_2);
    /* in every suite, as the other facts */
    assert_string_equal(xpath(path, "count(//properties/property[@name='note'])"), "10");
    free(path);
    rp_run_free(run);
}

static void hostile_data_stays_valid(void **state)
{
    (void)state;
    struct rp_run *run = fixture_run(true);
    char *path = fixture_write(run, RP_FORMAT_JUNIT, "junit-hostile.xml");
    validate(path);
    size_t len = 0;
    char *xml = fixture_slurp(path, &len);
    assert_non_null(xml);
    /* no raw markup from the receiver, no CDATA breaker, no NUL byte */
    assert_int_equal(fixture_count(xml, len, "]]>"), 0);
    assert_int_equal(fixture_count(xml, len, "<script"), 0);
    assert_int_equal(fixture_count(xml, len, "<!--"), 0);
    assert_int_equal(strlen(xml), len);
    /* the 2 MiB body is cut with a note, so the file stays small */
    assert_true(len < 512 * 1024);
    assert_non_null(strstr(xml, "(truncated, 2097152 bytes)"));
    /* control bytes are shown, not dropped */
    assert_non_null(strstr(xml, "\\x00\\x01\\x02"));
    /* the hostile scheme and note are attribute values, escaped, line breaks
     * as character references */
    assert_non_null(strstr(xml, "name=\"scheme\" value=\"custom &lt;i&gt;&lt;/script&gt;"));
    assert_non_null(strstr(xml, "&lt;img src=x onerror=alert(4)&gt;&#10;# heading&#10;"));
    /* the hostile reason reaches the failure message, escaped */
    assert_non_null(strstr(xml, "got 200: &lt;/script&gt;&lt;script&gt;alert(1)"));
    free(xml);
    free(path);
    rp_run_free(run);
}

/* Past the detail budget, a failure's transcript says the exchange's
 * headers and bodies were not kept; the note is a property; still valid. */
static void detail_dropped_stays_valid(void **state)
{
    (void)state;
    struct rp_run *run = fixture_over_budget(true);
    char *path = fixture_write(run, RP_FORMAT_JUNIT, "junit-over-budget.xml");
    validate(path);
    const char *text = xpath(path, "string(//testcase[starts-with(@name,'SIG-002')]/failure)");
    assert_non_null(strstr(text, "exchange 1: POST "));
    assert_non_null(strstr(text, "(headers and bodies not kept: the run's exchange detail "
                                 "budget was reached)"));
    assert_non_null(strstr(text, "timings: connect 0.7 ms, first byte 6.9 ms, total 7.3 ms"));
    assert_null(strstr(text, "x-vambe-event:"));
    assert_string_equal(
        xpath(path, "count(//testsuite[1]/properties/property[@name='note'][starts-with(@value,"
                    "'exchange detail budget of 16384 bytes reached')])"),
        "1");
    free(path);
    rp_run_free(run);
}

static void empty_run_is_valid(void **state)
{
    (void)state;
    struct rp_run *run = rp_run_new();
    rp_run_summarize(run);
    char *path = fixture_write(run, RP_FORMAT_JUNIT, "junit-empty.xml");
    validate(path);
    assert_string_equal(xpath(path, "count(//testsuite)"), "0");
    free(path);
    rp_run_free(run);
}

static void write_error_reported(void **state)
{
    (void)state;
    struct rp_run *run = fixture_run(false);
    FILE *f = fopen("/dev/full", "w");
    assert_non_null(f);
    assert_int_equal(rp_junit_write(run, f), -1);
    fclose(f);
    rp_run_free(run);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(schema_valid_and_shaped),    cmocka_unit_test(hostile_data_stays_valid),
        cmocka_unit_test(detail_dropped_stays_valid), cmocka_unit_test(empty_run_is_valid),
        cmocka_unit_test(write_error_reported),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
