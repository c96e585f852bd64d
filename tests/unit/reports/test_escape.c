/* reports/escape, fmt and transcript: UTF-8 repair, markup and Markdown
 * escaping, base64, the formatting helpers and the transcript's caps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "reports/escape.h"
#include "reports/fmt.h"
#include "reports/transcript.h"
#include "unit/reports/fixture.h"

enum how { MARKUP_TEXT, MARKUP_ATTR, MD_INLINE, MD_CODE };

/* Escapes s[0..len) one way; returns a string the caller frees. */
static char *render(enum how how, const char *s, size_t len)
{
    char *buf = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&buf, &size);
    assert_non_null(f);
    switch (how) {
    case MARKUP_TEXT:
        rp_escape_markup(f, s, len, RP_ESCAPE_TEXT);
        break;
    case MARKUP_ATTR:
        rp_escape_markup(f, s, len, RP_ESCAPE_ATTR);
        break;
    case MD_INLINE:
        rp_escape_md_inline(f, s, len);
        break;
    case MD_CODE:
        rp_escape_md_code(f, s, len);
        break;
    }
    assert_int_equal(fclose(f), 0);
    return buf;
}

static void same_render(enum how how, const char *in, size_t len, const char *want)
{
    char *got = render(how, in, len);
    assert_string_equal(got, want);
    free(got);
}

#define CHECK(how, lit, want) same_render(how, lit, sizeof(lit) - 1, want)

static void utf8_decode(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        size_t n;
        uint32_t cp;
    } ok[] = {{"A", 1, 0x41},
              {"\xC3\xA9", 2, 0xE9},
              {"\xE2\x82\xAC", 3, 0x20AC},
              {"\xF0\x9F\x91\x8B", 4, 0x1F44B},
              {"\xF4\x8F\xBF\xBF", 4, 0x10FFFF}};
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        uint32_t cp = 0;
        assert_int_equal(
            rp_escape_utf8_decode((const unsigned char *)ok[i].in, strlen(ok[i].in), &cp), ok[i].n);
        assert_int_equal(cp, ok[i].cp);
    }
    static const char *const bad[] = {
        "\x80",             /* stray continuation */
        "\xC0\xAF",         /* overlong '/' */
        "\xE0\x80\xAF",     /* overlong, 3 bytes */
        "\xED\xA0\x80",     /* surrogate */
        "\xF4\x90\x80\x80", /* past U+10FFFF */
        "\xF5\x80\x80\x80", /* no such lead byte */
        "\xE2\x82",         /* cut short */
        "\xC3(",            /* not a continuation */
        "\xFF",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        uint32_t cp = 0;
        assert_int_equal(rp_escape_utf8_decode((const unsigned char *)bad[i], strlen(bad[i]), &cp),
                         0);
    }
}

static void cut_on_boundaries(void **state)
{
    (void)state;
    const char *s = "a\xC3\xA9\xF0\x9F\x91\x8B"; /* a, é (2), 👋 (4) */
    assert_int_equal(rp_escape_cut(s, 7, 10), 7);
    assert_int_equal(rp_escape_cut(s, 7, 1), 1);
    assert_int_equal(rp_escape_cut(s, 7, 2), 1); /* inside é */
    assert_int_equal(rp_escape_cut(s, 7, 3), 3);
    assert_int_equal(rp_escape_cut(s, 7, 5), 3); /* inside 👋 */
    assert_int_equal(rp_escape_cut(s, 7, 6), 3);
    assert_int_equal(rp_escape_cut("\x80\x80\x80\x80\x80", 5, 4), 4); /* garbage: as asked */
}

static void markup(void **state)
{
    (void)state;
    CHECK(MARKUP_TEXT, "a<b>&\"'c", "a&lt;b&gt;&amp;&quot;&#39;c");
    CHECK(MARKUP_TEXT, "]]><!--</script>", "]]&gt;&lt;!--&lt;/script&gt;");
    CHECK(MARKUP_TEXT, "x\0y", "x\\x00y");
    CHECK(MARKUP_TEXT, "l1\r\nl2\rl3\tt", "l1\nl2\\x0Dl3\tt");
    CHECK(MARKUP_TEXT, "\x1b[31m\x7f", "\\x1B[31m\\x7F");
    CHECK(MARKUP_TEXT, "c1:\xC2\x85.", "c1:\\xC2\\x85.");
    CHECK(MARKUP_TEXT, "bad\xFF\xC3(", "bad\xEF\xBF\xBD\xEF\xBF\xBD(");
    CHECK(MARKUP_TEXT, "nc\xEF\xBF\xBE\xEF\xB7\x90", "nc\xEF\xBF\xBD\xEF\xBF\xBD");
    CHECK(MARKUP_TEXT, "ok \xC3\xA9\xF0\x9F\x91\x8B", "ok \xC3\xA9\xF0\x9F\x91\x8B");
    CHECK(MARKUP_ATTR, "a\nb\tc", "a&#10;b&#9;c");
    CHECK(MARKUP_TEXT, "a\nb\tc", "a\nb\tc");
    CHECK(MARKUP_TEXT, "", "");
    /* every byte: the output has no raw control byte and no '<' */
    char all[256];
    for (int i = 0; i < 256; i++) {
        all[i] = (char)i;
    }
    char *got = render(MARKUP_TEXT, all, sizeof(all));
    for (const char *p = got; *p; p++) {
        unsigned char c = (unsigned char)*p;
        assert_true(c >= 0x20 || c == '\n' || c == '\t');
        assert_true(c != '<' && c != '>');
    }
    free(got);
}

static void markdown(void **state)
{
    (void)state;
    CHECK(MD_INLINE, "a|b`c", "a\\|b\\`c");
    CHECK(MD_INLINE, "<img src=x> & *em* _u_ [l](u) ~s~ #h @me $m$ \\",
          "&lt;img src=x&gt; &amp; \\*em\\* \\_u\\_ \\[l\\](u) \\~s\\~ \\#h \\@me \\$m\\$ \\\\");
    CHECK(MD_INLINE, "two\nlines\r\nthree\ttab", "two lines three tab");
    CHECK(MD_INLINE, "nul\0esc\x1b", "nul\\\\x00esc\\\\x1B");
    CHECK(MD_INLINE, "bad\xFF", "bad\xEF\xBF\xBD");
    CHECK(MD_CODE, "plain", "```text\nplain\n```\n");
    CHECK(MD_CODE, "a ``` b\n", "````text\na ``` b\n````\n");
    CHECK(MD_CODE, "`````", "``````text\n`````\n``````\n");
    CHECK(MD_CODE, "<b>\0\r\n", "```text\n<b>\\x00\n```\n");
}

static void utf8_copy_and_base64(void **state)
{
    (void)state;
    size_t n = 0, bad = 0;
    char *s = rp_escape_utf8("a\xFF"
                             "b\0c\xC3\xA9",
                             7, &n, &bad);
    assert_int_equal(n, 9);
    assert_int_equal(bad, 1);
    assert_memory_equal(s,
                        "a\xEF\xBF\xBD"
                        "b\0c\xC3\xA9",
                        9);
    assert_int_equal(s[9], '\0');
    free(s);
    static const char *const b64[][2] = {{"", ""},
                                         {"f", "Zg=="},
                                         {"fo", "Zm8="},
                                         {"foo", "Zm9v"},
                                         {"foob", "Zm9vYg=="},
                                         {"fooba", "Zm9vYmE="},
                                         {"foobar", "Zm9vYmFy"}};
    for (size_t i = 0; i < sizeof(b64) / sizeof(b64[0]); i++) {
        char *got = rp_escape_base64(b64[i][0], strlen(b64[i][0]));
        assert_string_equal(got, b64[i][1]);
        free(got);
    }
    char *got = rp_escape_base64("\0\xFF\xFE", 3);
    assert_string_equal(got, "AP/+");
    free(got);
}

static void formats(void **state)
{
    (void)state;
    char buf[64];
    rp_fmt_seconds(1234567, buf, sizeof(buf));
    assert_string_equal(buf, "1.234");
    rp_fmt_seconds(999, buf, sizeof(buf));
    assert_string_equal(buf, "0.000");
    clock_iso8601(1727690400123ull, buf, sizeof(buf));
    assert_string_equal(buf, "2024-09-30T10:00:00.123Z");
    rp_fmt_utc_plain(1727690400123ull, buf, sizeof(buf));
    assert_string_equal(buf, "2024-09-30T10:00:00");
}

static void transcript_caps(void **state)
{
    (void)state;
    struct rp_run *run = fixture_run(true);
    const struct rp_case *c = &run->cases[6]; /* SIG-002, with the 2 MiB body */
    size_t len = 0;
    char *t = rp_transcript_new(c, 100, 1u << 20, &len);
    assert_true(len < 16 * 1024);
    assert_non_null(strstr(t, "step 1 deliver: FAIL"));
    /* raw text: the hostile body puts NUL bytes in it, so no strstr */
    assert_int_equal(fixture_count(t, len, "    < (truncated, 2097152 bytes)\n"), 1);
    assert_int_equal(fixture_count(t, len, "    < (truncated, 394 bytes)\n"), 1);
    free(t);
    t = rp_transcript_new(c, RP_ESCAPE_BODY_CAP, 2000, &len);
    assert_true(len < 2200);
    assert_int_equal(fixture_count(t, len, "(transcript truncated to "), 1);
    free(t);
    rp_run_free(run);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(utf8_decode),
        cmocka_unit_test(cut_on_boundaries),
        cmocka_unit_test(markup),
        cmocka_unit_test(markdown),
        cmocka_unit_test(utf8_copy_and_base64),
        cmocka_unit_test(formats),
        cmocka_unit_test(transcript_caps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
