/* reports/markdown: the summary for $GITHUB_STEP_SUMMARY: counts, failures
 * with transcripts, every case; under 1 MiB even for 5000 failing cases;
 * receiver data can neither break a table nor inject HTML. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit/reports/fixture.h"

#define MIB (1024 * 1024)

/* Cells in a Markdown table line: unescaped pipes minus one. */
static size_t cells(const char *line, size_t len)
{
    size_t pipes = 0;
    for (size_t i = 0; i < len; i++) {
        if (line[i] == '\\') {
            i++;
        } else if (line[i] == '|') {
            pipes++;
        }
    }
    return pipes ? pipes - 1 : 0;
}

/* Checks every table line outside code blocks: right cell count for its
 * table, no raw '<' (HTML) and no raw control bytes. Returns the number of
 * table lines seen. */
static size_t check_tables(const char *md, size_t len)
{
    size_t rows = 0, want = 0;
    bool in_code = false;
    const char *p = md, *end = md + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        if (n >= 3 && memcmp(p, "```", 3) == 0) {
            in_code = !in_code;
        } else if (!in_code && n > 0 && p[0] == '|') {
            size_t k = cells(p, n);
            if (n > 1 && (p[1] == '-' || memcmp(p, "| level |", 9) == 0 ||
                          memcmp(p, "| verdict |", 11) == 0)) {
                want = k; /* a header or delimiter line sets the width */
            }
            if (k != want) {
                fail_msg("table line has %zu cells, want %zu: %.*s", k, want, (int)n, p);
            }
            assert_null(memchr(p, '<', n));
            for (size_t i = 0; i < n; i++) {
                assert_true((unsigned char)p[i] >= 0x20);
            }
            rows++;
        }
        p += n + 1;
    }
    assert_false(in_code);
    return rows;
}

static void summary_and_failures(void **state)
{
    (void)state;
    struct rp_run *run = fixture_run(false);
    char *path = fixture_write(run, RP_FORMAT_MD, "report.md");
    size_t len = 0;
    char *md = fixture_slurp(path, &len);
    assert_non_null(md);
    assert_non_null(strstr(md, "# \xE2\x9D\x8C Vambe webhook conformance: NOT CONFORMANT\n"));
    assert_non_null(strstr(md, "| MUST | 3 | 1 | 0 | 1 | 1 | 6 |"));
    assert_non_null(strstr(md, "| **all** | **4** | **1** | **1** | **2** | **1** | **9** |"));
    assert_non_null(strstr(md, "## Failures and errors (2)"));
    assert_non_null(strstr(md, "### \xE2\x9D\x8C FAIL · SIG-002 · rejects a signature"));
    assert_non_null(strstr(md, "**timestamp window:** past 299 s (300 s refused), future 604800 s "
                               "(none refused)"));
    assert_non_null(strstr(md, "**Why:** expected status 401 or 403, got 200"));
    assert_non_null(strstr(md, "<details><summary>Transcript</summary>"));
    assert_non_null(strstr(md, "## Warnings (1)"));
    assert_non_null(strstr(md, "## Skipped (2)"));
    assert_non_null(strstr(md, "**Latency** over"));
    /* header and delimiter of two tables, 4 count rows, 9 case rows */
    assert_int_equal(check_tables(md, len), 2 + 4 + 2 + 9);
    assert_null(strstr(md, "Report truncated"));
    /* the scheme in the settings line, next to the profile */
    assert_non_null(
        strstr(md, "**profile:** documented · **scheme:** " FIXTURE_SCHEME " · **timestamps:**"));
    /* the notes, a list between the latency line and the failures */
    const char *notes = strstr(md, "\n## Notes\n\n- " FIXTURE_NOTE_1 "\n- " FIXTURE_NOTE_2 "\n\n");
    assert_non_null(notes);
    assert_true(notes > strstr(md, "**Latency** over"));
    assert_true(notes < strstr(md, "## Failures and errors"));
    assert_int_equal(fixture_count(md, len, "## Notes"), 1);
    free(md);
    free(path);
    rp_run_free(run);
}

static void no_notes_no_section(void **state)
{
    (void)state;
    struct rp_run *run = rp_run_new();
    rp_run_summarize(run);
    char *md = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&md, &len);
    assert_non_null(f);
    assert_int_equal(rp_markdown_write(run, f), 0);
    fclose(f);
    assert_null(strstr(md, "Notes"));
    assert_non_null(strstr(md, "**scheme:** ?")); /* unknown, as the other settings */
    free(md);
    rp_run_free(run);
}

static void hostile_data_is_inert(void **state)
{
    (void)state;
    struct rp_run *run = fixture_run(true);
    char *path = fixture_write(run, RP_FORMAT_MD, "report-hostile.md");
    size_t len = 0;
    char *md = fixture_slurp(path, &len);
    assert_non_null(md);
    assert_true(len < MIB);
    assert_int_equal(strlen(md), len); /* no NUL byte */
    check_tables(md, len);
    /* inline: escaped so GitHub shows the text, runs nothing */
    assert_non_null(strstr(md, "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert_non_null(strstr(md, "\\| \\`tick\\`"));
    /* the hostile scheme and note stay text, on their own line */
    assert_non_null(strstr(md, "**scheme:** custom &lt;i&gt;&lt;/script&gt;"));
    assert_non_null(strstr(md, "\n- scheme &lt;/script&gt;&lt;script&gt;"));
    assert_non_null(
        strstr(md, "&lt;img src=x onerror=alert(4)&gt; \\# heading - item \\| a \\| b \\|\n"));
    /* the body's "```" cannot close the transcript's fence: it is longer */
    assert_non_null(strstr(md, "````text\n"));
    /* the 2 MiB body shows as an excerpt with a note */
    assert_non_null(strstr(md, "(truncated, 2097152 bytes)"));
    /* outside code blocks, the only raw tags are the report's own */
    const char *own[] = {"<details>", "<summary>", "</summary>", "</details>"};
    size_t raw = 0, ours = 0;
    bool code = false;
    for (const char *p = md; p < md + len;) {
        const char *nl = memchr(p, '\n', (size_t)(md + len - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(md + len - p);
        if (n >= 3 && memcmp(p, "```", 3) == 0) {
            code = !code;
        } else if (!code) {
            raw += fixture_count(p, n, "<");
            for (size_t i = 0; i < 4; i++) {
                ours += fixture_count(p, n, own[i]);
            }
        }
        p += n + 1;
    }
    assert_int_equal(ours, 8);
    assert_int_equal(raw, ours);
    free(md);
    free(path);
    rp_run_free(run);
}

/* Past the detail budget: the note in the list, the transcript says the
 * detail was not kept, the tables intact. */
static void detail_dropped_shown(void **state)
{
    (void)state;
    struct rp_run *run = fixture_over_budget(true);
    char *path = fixture_write(run, RP_FORMAT_MD, "report-over-budget.md");
    size_t len = 0;
    char *md = fixture_slurp(path, &len);
    assert_non_null(md);
    assert_int_equal(check_tables(md, len), 2 + 4 + 2 + 9);
    assert_non_null(strstr(md, "\n- exchange detail budget of 16384 bytes reached: "));
    const char *sig = strstr(md, "FAIL · SIG-002");
    assert_non_null(sig);
    assert_non_null(strstr(sig, "(headers and bodies not kept: the run's exchange detail "
                                "budget was reached)"));
    assert_null(strstr(md, "(truncated, 2097152 bytes)")); /* the big body is gone */
    free(md);
    free(path);
    rp_run_free(run);
}

static void huge_run_stays_under_1_mib(void **state)
{
    (void)state;
    struct rp_run *run = fixture_many(5000);
    char *path = fixture_write(run, RP_FORMAT_MD, "report-huge.md");
    size_t len = 0;
    char *md = fixture_slurp(path, &len);
    assert_non_null(md);
    assert_true(len < MIB);
    assert_true(len > MIB / 2); /* filled, not emptied */
    assert_non_null(strstr(md, "Report truncated"));
    assert_non_null(strstr(md, "| **all** | **4** | **5001** |"));
    assert_non_null(strstr(md, "## All cases"));
    check_tables(md, len);
    free(md);
    free(path);
    rp_run_free(run);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(summary_and_failures),       cmocka_unit_test(hostile_data_is_inert),
        cmocka_unit_test(no_notes_no_section),        cmocka_unit_test(detail_dropped_shown),
        cmocka_unit_test(huge_run_stays_under_1_mib),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
