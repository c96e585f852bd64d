/* reports/html: one self-contained page. xmllint --html finds nothing wrong
 * but HTML5 tag names its HTML 4 parser does not know; hostile receiver
 * data never becomes markup; headless Chromium renders the page, the
 * latency chart is in the rendered DOM, and a screenshot is kept as a test
 * artefact (skipped with a message when /usr/bin/chromium is absent). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "reports/chart.h"
#include "support/need.h"
#include "support/proc.h"
#include "unit/reports/fixture.h"

#define XMLLINT "/usr/bin/xmllint"
/* Debian's browser; VAMBE_CHROMIUM names another binary (or a missing one,
 * to see the skip). */
#define CHROMIUM "/usr/bin/chromium"

static const char *chromium_bin(void)
{
    const char *env = getenv("VAMBE_CHROMIUM");
    return env != NULL && *env ? env : CHROMIUM;
}

static char errout[1 << 16];

/* Tags libxml2's HTML 4 parser calls invalid though HTML5 has them. */
static const char *const html5_tags[] = {"main", "header", "footer", "details", "summary",
                                         "svg",  "rect",   "line",   "text"};

/* Runs xmllint --html and fails on any complaint other than an HTML5 tag
 * name it does not know. */
static void lint(const char *path)
{
    char *argv[] = {XMLLINT, "--html", "--noout", (char *)path, NULL};
    int rc = proc_run(argv, NULL, 0, errout, sizeof(errout), 60000);
    if (rc != 0) {
        fail_msg("xmllint --html %s: exit %d: %s", path, rc, errout);
    }
    for (char *line = strtok(errout, "\n"); line != NULL; line = strtok(NULL, "\n")) {
        char *e = strstr(line, "HTML parser error : ");
        if (e == NULL) {
            continue; /* the context lines under an error */
        }
        e += strlen("HTML parser error : ");
        bool known = false;
        for (size_t i = 0; i < sizeof(html5_tags) / sizeof(html5_tags[0]) && !known; i++) {
            char want[64];
            snprintf(want, sizeof(want), "Tag %s invalid", html5_tags[i]);
            known = strcmp(e, want) == 0;
        }
        if (!known) {
            fail_msg("xmllint --html %s: %s", path, e);
        }
    }
}

static void page_structure(void **state)
{
    (void)state;
    struct rp_run *run = fixture_run(false);
    char *path = fixture_write(run, RP_FORMAT_HTML, "report.html");
    lint(path);
    size_t len = 0;
    char *html = fixture_slurp(path, &len);
    assert_non_null(html);
    assert_non_null(strstr(html, "<div class=\"big\">NOT CONFORMANT</div>"));
    assert_non_null(strstr(html, "<svg id=\"latency-chart\""));
    assert_non_null(strstr(html, "total time per delivery (ms)"));
    assert_int_equal(fixture_count(html, len, "<details class=\"case\""), 9);
    assert_int_equal(fixture_count(html, len, "data-verdict=\"FAIL\""), 1);
    assert_non_null(strstr(html, "x-vambe-event: message.received"));
    assert_non_null(strstr(html, "timestamp window, past"));
    assert_non_null(strstr(html, "299 s (300 s refused)"));
    assert_non_null(strstr(html, "connect 0.7 ms &#183; first byte 6.9 ms &#183; total 7.3 ms"));
    /* the scheme among the run's facts, after the profile; the notes listed */
    assert_non_null(strstr(
        html, "<dt>profile</dt><dd>documented</dd>\n<dt>scheme</dt><dd>" FIXTURE_SCHEME "</dd>\n"));
    const char *notes = strstr(html, "<h2>Notes</h2>");
    assert_non_null(notes);
    assert_true(notes > strstr(html, "<h2>Run</h2>"));
    assert_true(notes < strstr(html, "<h2>Counts</h2>"));
    assert_non_null(strstr(html, "<ul class=\"notes\">\n<li>" FIXTURE_NOTE_1
                                 "</li>\n<li>" FIXTURE_NOTE_2 "</li>\n</ul>"));
    assert_int_equal(fixture_count(html, len, "<li>"), 2);
    /* self-contained: no external reference of any kind */
    assert_null(strstr(html, "src="));
    assert_null(strstr(html, "href="));
    assert_null(strstr(html, "@import"));
    assert_null(strstr(html, "url("));
    free(html);
    free(path);
    rp_run_free(run);
}

static void hostile_data_is_inert(void **state)
{
    (void)state;
    struct rp_run *run = fixture_run(true);
    char *path = fixture_write(run, RP_FORMAT_HTML, "report-hostile.html");
    lint(path);
    size_t len = 0;
    char *html = fixture_slurp(path, &len);
    assert_non_null(html);
    assert_int_equal(strlen(html), len); /* no NUL byte */
    /* one <script> (the page's own, at the end), no comment opener */
    assert_int_equal(fixture_count(html, len, "<script"), 1);
    assert_int_equal(fixture_count(html, len, "</script"), 1);
    assert_true(strstr(html, "<script>") > strstr(html, "</footer>"));
    assert_int_equal(fixture_count(html, len, "<!--"), 0);
    assert_int_equal(fixture_count(html, len, "<img"), 0);
    assert_non_null(strstr(html, "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;"));
    /* the hostile scheme and note are text: no <i>, no <img> */
    assert_non_null(strstr(html, "<dt>scheme</dt><dd>custom &lt;i&gt;&lt;/script&gt;"));
    assert_non_null(strstr(html, "&lt;img src=x onerror=alert(4)&gt;\n# heading"));
    assert_int_equal(fixture_count(html, len, "<li>"), 3);
    assert_int_equal(fixture_count(html, len, "<i>"), 0);
    /* no raw control byte but the line breaks and tabs */
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)html[i];
        if (c < 0x20 && c != '\n' && c != '\t') {
            fail_msg("raw control byte 0x%02x at offset %zu", c, i);
        }
    }
    assert_non_null(strstr(html, "\\x00\\x01\\x02"));
    /* the 2 MiB body: a 4 KiB excerpt and a note */
    assert_non_null(strstr(html, "(truncated, 2097152 bytes)"));
    assert_true(len < 256 * 1024);
    free(html);
    free(path);
    rp_run_free(run);
}

/* Past the detail budget: lint-clean, a note in place of the headers and
 * bodies of each exchange that lost them, the budget note listed. */
static void detail_dropped_shown(void **state)
{
    (void)state;
    struct rp_run *run = fixture_over_budget(true);
    char *path = fixture_write(run, RP_FORMAT_HTML, "report-over-budget.html");
    lint(path);
    size_t len = 0;
    char *html = fixture_slurp(path, &len);
    assert_non_null(html);
    /* request and response of each dropped exchange (SIG-004's got none) */
    size_t answered = 0;
    for (size_t i = 0; i < run->n_cases; i++) {
        for (size_t j = 0; j < run->cases[i].n_steps; j++) {
            const struct rp_step *s = &run->cases[i].steps[j];
            for (size_t k = 0; k < s->n_exchanges; k++) {
                answered += s->exchanges[k].detail_dropped && s->exchanges[k].status != 0;
            }
        }
    }
    assert_int_equal(fixture_count(html, len,
                                   "(headers and body not kept: the run's "
                                   "exchange detail budget was reached)"),
                     run->detail.dropped + answered);
    assert_int_equal(fixture_count(html, len, "<li>"), 4);
    assert_non_null(strstr(html, "<li>exchange detail budget of 16384 bytes reached: "));
    assert_null(strstr(html, "(truncated, 2097152 bytes)"));
    free(html);
    free(path);
    rp_run_free(run);
}

static void no_notes_no_section(void **state)
{
    (void)state;
    struct rp_run *run = rp_run_new();
    rp_run_summarize(run);
    char *html = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&html, &len);
    assert_non_null(f);
    assert_int_equal(rp_html_write(run, f), 0);
    fclose(f);
    assert_null(strstr(html, "<h2>Notes</h2>"));
    assert_null(strstr(html, "<dt>scheme</dt>")); /* an unknown fact is left out */
    free(html);
    rp_run_free(run);
}

static void chart_bins(void **state)
{
    (void)state;
    struct rp_run *run = fixture_run(false);
    struct rp_chart_bins b;
    rp_chart_bin(run, &b);
    assert_int_equal(b.samples, run->latency.samples);
    assert_true(b.hi_us >= run->latency.max_us);
    assert_int_equal(b.hi_us, 500000); /* max 210.1 ms -> a 500 ms axis */
    size_t sum = 0;
    for (size_t i = 0; i < RP_CHART_BINS; i++) {
        sum += b.counts[i];
    }
    assert_int_equal(sum, b.samples);
    rp_run_free(run);
    /* no sample: still a chart, saying so */
    run = rp_run_new();
    rp_run_summarize(run);
    char *buf = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&buf, &size);
    assert_non_null(f);
    rp_chart_latency_write(f, run);
    fclose(f);
    assert_non_null(strstr(buf, "id=\"latency-chart\""));
    assert_non_null(strstr(buf, "No delivery got a response"));
    free(buf);
    rp_run_free(run);
}

/* Runs headless Chromium on url with one extra argument (--dump-dom or
 * --screenshot=...), in a fresh profile folder; output in out. */
static int chromium(const char *extra, const char *url, char *out, size_t out_size)
{
    char profile[] = "/tmp/vambe-chromium-XXXXXX";
    assert_non_null(mkdtemp(profile));
    char user_dir[sizeof(profile) + 32];
    snprintf(user_dir, sizeof(user_dir), "--user-data-dir=%s", profile);
    char *argv[] = {(char *)chromium_bin(),
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-dev-shm-usage",
                    "--disable-quic",
                    "--no-first-run",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--hide-scrollbars",
                    user_dir,
                    "--window-size=1280,2000",
                    (char *)extra,
                    (char *)url,
                    NULL};
    int rc = proc_run(argv, out, out_size, errout, sizeof(errout), 90000);
    char *rm[] = {"/bin/rm", "-rf", profile, NULL};
    proc_run(rm, NULL, 0, NULL, 0, 30000);
    return rc;
}

static void renders_in_chromium(void **state)
{
    (void)state;
    test_need(access(chromium_bin(), X_OK) == 0, "chromium, to render the report");
    struct rp_run *run = fixture_run(true);
    char *path = fixture_write(run, RP_FORMAT_HTML, "report-browser.html");
    char url[2048];
    snprintf(url, sizeof(url), "file://%s", path);
    size_t cap = 8u << 20;
    char *dom = malloc(cap);
    assert_non_null(dom);
    int rc = chromium("--dump-dom", url, dom, cap);
    if (rc != 0) {
        fail_msg("chromium --dump-dom: exit %d: %s", rc, errout);
    }
    /* the chart exists in the rendered DOM, with its bars */
    assert_non_null(strstr(dom, "<svg id=\"latency-chart\""));
    assert_non_null(strstr(dom, "<rect "));
    assert_non_null(strstr(dom, "NOT CONFORMANT"));
    /* the hostile data did not create elements: one script, no img */
    assert_int_equal(fixture_count(dom, strlen(dom), "<script"), 1);
    assert_int_equal(fixture_count(dom, strlen(dom), "<img"), 0);
    free(dom);
    free(path);
    rp_run_free(run);
    /* the screenshot is kept as an artefact, of the clean run */
    run = fixture_run(false);
    path = fixture_write(run, RP_FORMAT_HTML, "report-screenshot.html");
    snprintf(url, sizeof(url), "file://%s", path);
    const char *build = getenv("VAMBE_BUILD_DIR");
    char png[1024], arg[1100];
    snprintf(png, sizeof(png), "%s/artifacts/report.png", build && *build ? build : "/tmp");
    unlink(png);
    snprintf(arg, sizeof(arg), "--screenshot=%s", png);
    rc = chromium(arg, url, NULL, 0);
    if (rc != 0) {
        fail_msg("chromium --screenshot: exit %d: %s", rc, errout);
    }
    size_t n = 0;
    char *img = fixture_slurp(png, &n);
    assert_non_null(img);
    assert_true(n > 20000);
    assert_memory_equal(img, "\x89PNG\r\n\x1a\n", 8);
    free(img);
    free(path);
    rp_run_free(run);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(page_structure),       cmocka_unit_test(hostile_data_is_inert),
        cmocka_unit_test(detail_dropped_shown), cmocka_unit_test(no_notes_no_section),
        cmocka_unit_test(chart_bins),           cmocka_unit_test(renders_in_chromium),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
