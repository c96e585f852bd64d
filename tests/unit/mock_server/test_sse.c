/* mock_server/sse: the Server-Sent Events parser, fed as the network feeds
 * it (any split), with every line ending, comments, garbage and lines over
 * its bound. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mock_server/sse.h"

#define MAX_EVENTS 16

/* What the parser dispatched, as one text ("type|id|data\n" per event),
 * easy to compare whole. */
struct seen {
    char text[4096];
    size_t n;
    int stop_after; /* return 7 from the n-th event (1-based); 0: never */
};

static int collect(void *arg, const struct ms_sse_event *ev)
{
    struct seen *s = arg;
    size_t used = strlen(s->text);

    snprintf(s->text + used, sizeof(s->text) - used, "%s|%s|%.*s\n", ev->type, ev->id,
             (int)ev->data_len, ev->data);
    s->n++;
    return s->stop_after > 0 && s->n == (size_t)s->stop_after ? 7 : 0;
}

/* Parses text in chunks of chunk bytes (0: whole) and returns what was
 * dispatched (static storage). */
static const char *parse(const char *text, size_t len, size_t chunk, size_t max, size_t *overflows)
{
    static struct seen s;
    struct ms_sse *p;

    memset(&s, 0, sizeof(s));
    p = ms_sse_new(max, collect, &s);
    if (chunk == 0) {
        chunk = len > 0 ? len : 1;
    }
    for (size_t i = 0; i < len; i += chunk) {
        assert_int_equal(ms_sse_feed(p, text + i, len - i < chunk ? len - i : chunk), 0);
    }
    if (overflows != NULL) {
        *overflows = ms_sse_overflows(p);
    }
    ms_sse_free(p);
    return s.text;
}

/* The same result for the whole text, byte by byte, and cut in two at
 * every byte. A literal's length is its size: it may hold a NUL. */
#define same_at_every_split(lit, max, want) split_all(lit, sizeof(lit) - 1, max, want)

static void split_all(const char *text, size_t len, size_t max, const char *want)
{
    assert_string_equal(parse(text, len, 0, max, NULL), want);
    assert_string_equal(parse(text, len, 1, max, NULL), want);
    for (size_t cut = 1; cut < len; cut++) {
        static struct seen s;
        struct ms_sse *p;

        memset(&s, 0, sizeof(s));
        p = ms_sse_new(max, collect, &s);
        assert_int_equal(ms_sse_feed(p, text, cut), 0);
        assert_int_equal(ms_sse_feed(p, text + cut, len - cut), 0);
        if (strcmp(s.text, want) != 0) {
            fail_msg("cut at %zu: got\n%s\nwant\n%s", cut, s.text, want);
        }
        ms_sse_free(p);
    }
}

static void feed_text(struct ms_sse *p, const char *text)
{
    assert_int_equal(ms_sse_feed(p, text, strlen(text)), 0);
}

/* The mock's own stream: retry first, call records, a dropped notice,
 * pings. */
static void the_mocks_stream(void **state)
{
    static const char stream[] = "retry: 2000\n\n"
                                 "id: 1\nevent: call\ndata: {\"id\":\"a\",\"attempt\":1}\n\n"
                                 ": ping\n\n"
                                 "event: dropped\ndata: {\"missed\": 17}\n\n"
                                 "id: 19\nevent: call\ndata: {\"id\":\"b\"}\n\n";
    struct ms_sse *p;
    struct seen s;

    (void)state;
    same_at_every_split(stream, 0,
                        "call|1|{\"id\":\"a\",\"attempt\":1}\n"
                        "dropped|1|{\"missed\": 17}\n"
                        "call|19|{\"id\":\"b\"}\n");
    memset(&s, 0, sizeof(s));
    p = ms_sse_new(0, collect, &s);
    assert_int_equal(ms_sse_feed(p, stream, strlen(stream)), 0);
    assert_int_equal(ms_sse_retry_ms(p), 2000);
    assert_string_equal(ms_sse_last_id(p), "19");
    assert_int_equal(ms_sse_overflows(p), 0);
    ms_sse_free(p);
}

/* CRLF, LF and a lone CR all end a line, mixed in one stream; a CRLF cut
 * between its two bytes is one line end, not two (which would dispatch
 * early). */
static void line_endings(void **state)
{
    (void)state;
    same_at_every_split("event: call\r\ndata: a\r\ndata: b\r\n\r\n"
                        "event: call\rdata: c\r\r"
                        "data: d\n\n",
                        0,
                        "call||a\nb\n"
                        "call||c\n"
                        "message||d\n");
}

/* Data lines join with "\n"; one space after the colon goes, a second
 * stays; "data" alone is an empty line of data. */
static void multi_line_data(void **state)
{
    (void)state;
    same_at_every_split("data: one\ndata:two\ndata:  three\ndata\ndata: five\n\n", 0,
                        "message||one\ntwo\n three\n\nfive\n");
    /* An event of one empty data line is dispatched, empty. */
    same_at_every_split("data\n\n", 0, "message||\n");
}

/* Comments, unknown fields and garbage change nothing; an event without
 * data is not dispatched and its type does not leak into the next. */
static void comments_and_garbage(void **state)
{
    (void)state;
    same_at_every_split(": a comment\n"
                        "garbage without a colon\n"
                        "x-unknown: 1\n"
                        "\x01\x02\xff: binary\n"
                        "retry: soon\n"
                        "id: a\0b\n"
                        "data: kept\n\n"
                        "event: call\n\n"
                        "data: plain\n\n",
                        0, "message||kept\nmessage||plain\n");
}

/* The byte-order mark at the start is skipped, even cut in pieces; a start
 * that only looks like one is data. */
static void byte_order_mark(void **state)
{
    (void)state;
    same_at_every_split("\xef\xbb\xbf"
                        "data: x\n\n",
                        0, "message||x\n");
    same_at_every_split("\xef\xbb"
                        "data: y\n\n",
                        0, "");
    same_at_every_split("data: \xef\xbb\xbf\n\n", 0, "message||\xef\xbb\xbf\n");
}

/* Over the bound (32 bytes here): the over-long line is dropped with the
 * event it belongs to, counted, and the parser goes on with the next
 * event, however the bytes are cut. Data that grows past the bound over
 * several short lines is dropped the same way. */
static void over_long_line(void **state)
{
    static const char stream[] = "event: call\ndata: before\n\n"
                                 "event: call\ndata: 0123456789012345678901234567890123456789\n"
                                 "data: rest of the lost event\n\n"
                                 "event: call\ndata: after\n\n"
                                 "data: 0123456789\ndata: 0123456789\ndata: 0123456789\n\n"
                                 "data: last\n\n";
    size_t overflows = 0;
    size_t len = strlen(stream);

    (void)state;
    same_at_every_split(stream, 32, "call||before\ncall||after\nmessage||last\n");
    assert_string_equal(parse(stream, len, 0, 32, &overflows),
                        "call||before\ncall||after\nmessage||last\n");
    assert_int_equal(overflows, 2);
    assert_string_equal(parse(stream, len, 5, 32, &overflows),
                        "call||before\ncall||after\nmessage||last\n");
    assert_int_equal(overflows, 2);
    /* A line of exactly the bound is kept. */
    assert_string_equal(parse("data: 01234567890123456789012345\n\n", 34, 0, 32, &overflows),
                        "message||01234567890123456789012345\n");
    assert_int_equal(overflows, 0);
}

/* The callback stops the parser: nothing after that event is parsed. */
static void callback_stops(void **state)
{
    static const char stream[] = "data: 1\n\ndata: 2\n\ndata: 3\n\n";
    struct seen s;
    struct ms_sse *p;

    (void)state;
    memset(&s, 0, sizeof(s));
    s.stop_after = 1;
    p = ms_sse_new(0, collect, &s);
    assert_int_equal(ms_sse_feed(p, stream, strlen(stream)), 7);
    assert_string_equal(s.text, "message||1\n");
    ms_sse_free(p);
}

/* A new connection: the event cut off by the old one is never dispatched;
 * the last id and the retry time stay. */
static void reset_between_connections(void **state)
{
    struct seen s;
    struct ms_sse *p;

    (void)state;
    memset(&s, 0, sizeof(s));
    p = ms_sse_new(0, collect, &s);
    feed_text(p, "retry: 250\nid: 7\ndata: whole\n\nevent: call\ndata: cut");
    ms_sse_reset(p);
    feed_text(p, "\n\ndata: next\n\n");
    assert_string_equal(s.text, "message|7|whole\nmessage|7|next\n");
    assert_int_equal(ms_sse_retry_ms(p), 250);
    /* The end of the stream alone never dispatches. */
    feed_text(p, "data: unfinished\n");
    assert_int_equal(s.n, 2);
    ms_sse_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_mocks_stream), cmocka_unit_test(line_endings),
        cmocka_unit_test(multi_line_data),  cmocka_unit_test(comments_and_garbage),
        cmocka_unit_test(byte_order_mark),  cmocka_unit_test(over_long_line),
        cmocka_unit_test(callback_stops),   cmocka_unit_test(reset_between_connections),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
