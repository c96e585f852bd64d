/* GET /mock/stream, end to end: an in-process mock delivers to a test
 * receiver on core/http_server while the tests read the stream over a raw
 * socket, as a browser or `vambe-mock calls --follow` would, byte by byte
 * as it comes. They check that each record arrives once, as the call log
 * holds it, that filters apply, that a viewer that never reads loses the
 * oldest records (and is told) while the engine goes on recording every
 * attempt, and that a stop with viewers attached is prompt. Every wait is
 * bounded. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/http_client.h"
#include "core/http_server.h"
#include "mock_server/server.h"
#include "support/api.h"
#include "support/mock.h"

#define KEY      "test-key-stream-0123456"
#define WAIT_MS  10000
#define SSE_MAX  (64u << 20)
#define BODY_BIG 60000 /* receiver answers this many bytes when asked: big records */

/* ---- a receiver ------------------------------------------------------------ */

struct rx {
    struct http_server *srv;
    unsigned port;
    atomic_uint status;
    atomic_bool big;
};

static void rx_hook(void *ctx, const struct http_server_request *req, struct http_server_reply *rep)
{
    struct rx *rx = ctx;
    static const char hostile[] = "<img src=x onerror=alert(1)></script>\n\"quoted\"";

    (void)req;
    if (atomic_load(&rx->big)) {
        char *body = malloc(BODY_BIG);

        memset(body, 'x', BODY_BIG);
        http_reply_text(rep, atomic_load(&rx->status), "text/plain", body, BODY_BIG);
        free(body);
        return;
    }
    http_reply_text(rep, atomic_load(&rx->status), "text/html", hostile, sizeof(hostile) - 1);
}

static const struct http_route rx_routes[] = {{"POST", "/hook", rx_hook}};

static void rx_start(struct rx *rx)
{
    struct http_server_opts o;
    struct err e = {{0}};

    memset(&o, 0, sizeof(o));
    o.routes = rx_routes;
    o.n_routes = 1;
    o.ctx = rx;
    o.threads = 2;
    atomic_init(&rx->status, 200);
    atomic_init(&rx->big, false);
    rx->srv = http_server_start(&o, &e);
    if (rx->srv == NULL) {
        fail_msg("receiver: %s", e.msg);
    }
    rx->port = http_server_port(rx->srv);
}

/* ---- the fixture -------------------------------------------------------------- */

struct fx {
    struct rx rx;
    struct ms_server *mock;
    unsigned port;
    struct http_client *client;
    char webhook_id[64];
};

static int fx_setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    struct ms_options o;

    char body[256];
    json_t *j = NULL;

    rx_start(&f->rx);
    test_mock_options(&o, KEY);
    o.policy.max_attempts = 3;
    o.policy.time_scale = 0.001; /* retries 1000 times sooner */
    f->mock = test_mock_start(&o, &f->port);
    f->client = http_client_new(NULL);
    assert_non_null(f->client);
    snprintf(body, sizeof(body),
             "{\"topic\":\"message.received\",\"url\":\"http://127.0.0.1:%u/hook\","
             "\"secret\":\"whsec_stream_secret_0123456789\"}",
             f->rx.port);
    assert_int_equal(api_json(f->client, f->port, KEY, "POST", "/api/webhooks", body, &j), 201);
    snprintf(f->webhook_id, sizeof(f->webhook_id), "%s",
             json_string_value(json_object_get(j, "id")));
    json_decref(j);
    *state = f;
    return 0;
}

static int fx_teardown(void **state)
{
    struct fx *f = *state;

    ms_server_stop(f->mock);
    http_server_stop(f->rx.srv);
    http_client_free(f->client);
    free(f);
    return 0;
}

static void fx_trigger(struct fx *f, const char *topic, unsigned count)
{
    char body[128];

    snprintf(body, sizeof(body), "{\"topic\":\"%s\",\"count\":%u}", topic, count);
    assert_int_equal(api_json(f->client, f->port, KEY, "POST", "/mock/events", body, NULL), 202);
}

/* ---- a stream reader ----------------------------------------------------------- */

/* The reply as read: its head as it came, then its body with the chunked
 * framing of HTTP/1.1 taken off, so that a record cut across two chunks
 * reads whole. */
struct sse {
    int fd;
    char *buf; /* head + decoded body, NUL-terminated */
    size_t len;
    bool in_body;
    size_t chunk_left; /* data bytes left in the current chunk */
    char line[32];     /* a chunk-size line or the CRLF after a chunk, being read */
    size_t line_len;
    bool ended; /* the last chunk (size 0) came */
};

/* Opens GET path with the key (NULL: none); rcvbuf > 0 shrinks the socket's
 * receive buffer first, for a viewer that stalls early. */
static void sse_open(struct sse *s, unsigned port, const char *path, const char *key, int rcvbuf)
{
    struct sockaddr_in a;
    char req[512];
    int n;

    memset(s, 0, sizeof(*s));
    s->fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(s->fd >= 0);
    if (rcvbuf > 0) {
        assert_int_equal(setsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)), 0);
    }
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(s->fd, (struct sockaddr *)&a, sizeof(a)), 0);
    n = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%s%s%s\r\n", path,
                 key != NULL ? "x-api-key: " : "", key != NULL ? key : "",
                 key != NULL ? "\r\n" : "");
    assert_int_equal(write(s->fd, req, (size_t)n), n);
    s->buf = calloc(1, SSE_MAX + 1);
}

static void sse_close(struct sse *s)
{
    if (s->fd >= 0) {
        close(s->fd);
    }
    free(s->buf);
    s->fd = -1;
    s->buf = NULL;
}

static void sse_keep(struct sse *s, const char *p, size_t n)
{
    if (n > SSE_MAX - s->len) {
        n = SSE_MAX - s->len;
    }
    memcpy(s->buf + s->len, p, n);
    s->len += n;
    s->buf[s->len] = '\0';
}

/* Takes n bytes off the wire. A reply that is not chunked (an error) is
 * kept as it came. */
static void sse_feed(struct sse *s, const char *p, size_t n)
{
    while (n > 0) {
        if (!s->in_body) {
            sse_keep(s, p, 1);
            p++;
            n--;
            if (s->len >= 4 && memcmp(s->buf + s->len - 4, "\r\n\r\n", 4) == 0) {
                s->in_body = strstr(s->buf, "chunked") != NULL;
                if (!s->in_body) {
                    sse_keep(s, p, n);
                    return;
                }
            }
            continue;
        }
        if (s->chunk_left > 0) {
            size_t take = n < s->chunk_left ? n : s->chunk_left;

            sse_keep(s, p, take);
            s->chunk_left -= take;
            p += take;
            n -= take;
            continue;
        }
        /* A line: the CRLF ending a chunk's data, or a chunk size. */
        if (s->line_len < sizeof(s->line) - 1) {
            s->line[s->line_len++] = *p;
        }
        p++;
        n--;
        if (s->line_len >= 2 && s->line[s->line_len - 1] == '\n') {
            s->line[s->line_len] = '\0';
            if (s->line_len > 2) {
                s->chunk_left = strtoul(s->line, NULL, 16);
                s->ended = s->chunk_left == 0;
            }
            s->line_len = 0;
        }
    }
}

/* Reads until needle has been seen count times (or the stream ends, or
 * WAIT_MS passes); returns how many times it was seen. */
static size_t sse_wait(struct sse *s, const char *needle, size_t count)
{
    uint64_t until = clock_mono_us() + WAIT_MS * 1000ull;
    char chunk[65536];

    for (;;) {
        struct pollfd p = {s->fd, POLLIN, 0};
        int64_t left = (int64_t)(until - clock_mono_us()) / 1000;
        size_t seen = 0;
        ssize_t r;

        for (const char *q = strstr(s->buf, needle); q != NULL; q = strstr(q + 1, needle)) {
            seen++;
        }
        if (seen >= count || left <= 0 || s->len == SSE_MAX) {
            return seen;
        }
        if (poll(&p, 1, (int)left) <= 0) {
            continue;
        }
        r = read(s->fd, chunk, sizeof(chunk));
        if (r <= 0) {
            return seen;
        }
        sse_feed(s, chunk, (size_t)r);
    }
}

/* The records of the stream's "event: call" messages, parsed. */
static json_t *sse_records(const struct sse *s)
{
    json_t *arr = json_array();
    const char *p = s->buf;

    while ((p = strstr(p, "event: call\ndata: ")) != NULL) {
        const char *start = p + strlen("event: call\ndata: ");
        const char *end = strchr(start, '\n');
        json_t *j;

        if (end == NULL) {
            break;
        }
        j = json_loadb(start, (size_t)(end - start), 0, NULL);
        if (j != NULL) {
            json_array_append_new(arr, j);
        }
        p = end;
    }
    return arr;
}

/* ---- the tests -------------------------------------------------------------------- */

/* Each attempt comes once, live, and field for field as the call log
 * holds it, including a receiver's hostile answer (kept as text). */
static void test_records_arrive_as_the_call_log_holds_them(void **state)
{
    struct fx *f = *state;
    struct sse s;
    json_t *recs;
    json_t *page = NULL;
    char path[256];

    sse_open(&s, f->port, "/mock/stream", KEY, 0);
    assert_int_equal(sse_wait(&s, "retry: 2000\n\n", 1), 1);
    assert_non_null(strstr(s.buf, "HTTP/1.1 200"));
    assert_non_null(strstr(s.buf, "text/event-stream"));
    fx_trigger(f, "message.received", 3);
    assert_int_equal(sse_wait(&s, "event: call\n", 3), 3);

    recs = sse_records(&s);
    assert_int_equal(json_array_size(recs), 3);
    snprintf(path, sizeof(path), "/api/webhooks/calls?webhook_id=%s&limit=10", f->webhook_id);
    assert_int_equal(api_json(f->client, f->port, KEY, "GET", path, NULL, &page), 200);
    assert_int_equal(json_array_size(json_object_get(page, "data")), 3);
    for (size_t i = 0; i < 3; i++) {
        json_t *rec = json_array_get(recs, i);
        /* The page is newest first, the stream oldest first. */
        json_t *logged = json_array_get(json_object_get(page, "data"), 2 - i);

        if (!json_equal(rec, logged)) {
            char *a = json_dumps(rec, JSON_SORT_KEYS);
            char *b = json_dumps(logged, JSON_SORT_KEYS);

            fail_msg("stream record %zu differs from the call log:\n%s\n%s", i, a, b);
        }
        assert_string_equal(json_string_value(json_object_get(rec, "response_body")),
                            "<img src=x onerror=alert(1)></script>\n\"quoted\"");
    }
    json_decref(page);
    json_decref(recs);
    sse_close(&s);
}

/* Filters are the call log's: a stream for one outcome sees only those. */
static void test_filters_apply(void **state)
{
    struct fx *f = *state;
    struct sse failed;
    struct sse all;
    json_t *recs;

    sse_open(&failed, f->port, "/mock/stream?outcome=gave_up", KEY, 0);
    sse_open(&all, f->port, "/mock/stream", KEY, 0);
    assert_int_equal(sse_wait(&failed, "retry: 2000", 1), 1);
    assert_int_equal(sse_wait(&all, "retry: 2000", 1), 1);
    atomic_store(&f->rx.status, 500);
    fx_trigger(f, "message.received", 2);
    /* 2 events x 3 attempts: 4 retry_scheduled, then 2 gave_up. */
    assert_int_equal(sse_wait(&all, "event: call\n", 6), 6);
    assert_int_equal(sse_wait(&failed, "event: call\n", 2), 2);
    recs = sse_records(&failed);
    for (size_t i = 0; i < json_array_size(recs); i++) {
        assert_string_equal(json_string_value(json_object_get(json_array_get(recs, i), "outcome")),
                            "gave_up");
        assert_int_equal(json_integer_value(json_object_get(json_array_get(recs, i), "attempt")),
                         3);
    }
    json_decref(recs);
    sse_close(&failed);
    sse_close(&all);
}

/* Garbage in: no key, a wrong key, a bad filter; each gets the API's error. */
static void test_refusals(void **state)
{
    struct fx *f = *state;
    static const struct {
        const char *path;
        const char *key;
        const char *want;
    } cases[] = {
        {"/mock/stream", NULL, "HTTP/1.1 401"},
        {"/mock/stream", "wrong-key-0123456789", "HTTP/1.1 401"},
        {"/mock/stream?outcome=exploded", KEY, "outcome"},
        {"/mock/stream?webhook_id=%00", KEY, "HTTP/1.1 400"},
        {"/mock/stream?since=2024-01-01", KEY, "since: the stream has no such parameter"},
        {"/mock/stream?limit=5", KEY, "limit: the stream has no such parameter"},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct sse s;

        sse_open(&s, f->port, cases[i].path, cases[i].key, 0);
        sse_wait(&s, "}", 1);
        if (strstr(s.buf, cases[i].want) == NULL) {
            fail_msg("%s: want '%s' in:\n%s", cases[i].path, cases[i].want, s.buf);
        }
        assert_null(strstr(s.buf, "event-stream"));
        sse_close(&s);
    }
}

/* A viewer that never reads does not hold the engine up: every attempt is
 * recorded meanwhile; when it reads again it is told how many it missed. */
static void test_stalled_viewer_loses_oldest_and_is_told(void **state)
{
    struct fx *f = *state;
    struct sse s;
    uint64_t until;
    json_t *page = NULL;
    json_int_t total = 0;
    /* 3000 records of about 5.5 KiB (the 4 KiB of answer kept, the event):
     * 16 MiB, beyond what the viewer's queue (4 MiB) and the kernel's
     * socket buffers (4 MiB at most on loopback) hold together. */
    const unsigned events = 3000;

    sse_open(&s, f->port, "/mock/stream", KEY, 4096);
    assert_int_equal(sse_wait(&s, "retry: 2000", 1), 1);
    atomic_store(&f->rx.big, true); /* 4 KiB kept per record: the queue fills by bytes too */
    for (unsigned i = 0; i < events / 100; i++) {
        fx_trigger(f, "message.received", 100);
    }
    until = clock_mono_us() + 60 * 1000000ull;
    while (total < (json_int_t)events && clock_mono_us() < until) {
        json_decref(page);
        page = NULL;
        assert_int_equal(
            api_json(f->client, f->port, KEY, "GET", "/api/webhooks/calls?limit=1", NULL, &page),
            200);
        total = json_integer_value(json_object_get(page, "total"));
        usleep(50 * 1000);
    }
    json_decref(page);
    assert_int_equal(total, events);
    usleep(500 * 1000); /* the hub hands the last batch out before the viewer reads again */
    assert_int_equal(sse_wait(&s, "event: dropped\ndata: {\"missed\":", 1), 1);
    sse_close(&s);
}

/* A stop with viewers parked on the stream is prompt and clean. */
static void test_stop_with_viewers_attached(void **state)
{
    struct fx *f = *state;
    struct sse s[3];
    uint64_t t0;

    for (size_t i = 0; i < 3; i++) {
        sse_open(&s[i], f->port, "/mock/stream", KEY, 0);
        assert_int_equal(sse_wait(&s[i], "retry: 2000", 1), 1);
    }
    t0 = clock_mono_us();
    ms_server_stop(f->mock);
    f->mock = NULL;
    assert_true(clock_mono_us() - t0 < 3000000ull);
    for (size_t i = 0; i < 3; i++) {
        /* The reply ends with its last chunk. */
        sse_wait(&s[i], "never in a stream", 1);
        assert_true(s[i].ended);
        sse_close(&s[i]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_records_arrive_as_the_call_log_holds_them, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(test_filters_apply, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_refusals, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_stalled_viewer_loses_oldest_and_is_told, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(test_stop_with_viewers_attached, fx_setup, fx_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
