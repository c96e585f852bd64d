/* Hostile receivers against the harness. Each receiver is a raw socket
 * server in a test thread (127.0.0.1, port 0) that misbehaves one way:
 * never answers, trickles its answer, answers 10 MB (200 and 503), answers
 * a 10 MB header, resets the connection (SO_LINGER 0), speaks broken HTTP,
 * sends a chunk size that is not hexadecimal, closes mid-body, closes without a word, or answers
 * "100 Continue" forever. The harness runs in process (the same entry point as `vambe-harness run
 * --only DLV-001 --timeout DUR --report-dir DIR`) and must give each a clear verdict: an ERROR
 * whose reason names what happened (timeout, reset, protocol), a FAIL for a bad status, a PASS for
 * a 2xx however large, never a crash or a hang; a timeout is honoured
 * (the exchange ends near it, neither early nor much later); the memory
 * kept per answer stays bounded; and the reports are still valid.
 *
 * The same receivers then face the mock's delivery engine (an in-process
 * ms_server, one attempt per delivery, a 5 s attempt timeout): every
 * attempt is recorded in the call log as a failed attempt whose error
 * names what happened (or whose status does, for the 503), the log stays
 * valid JSON whatever bytes came back, and a well-behaved receiver
 * triggered afterwards is still served: no worker is left stuck. */
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
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/http_client.h"
#include "core/log.h"
#include "harness/cli.h"
#include "harness/command.h"
#include "mock_server/server.h"
#include "reports/model.h"
#include "support/mock.h"

#define SECRET  "whsec_hostile_receivers_0123"
#define KEY     "hostile-receivers-key-0123"
#define WAIT_MS 30000
/* The mock's attempt timeout: its default, long enough for a 10 MB answer
 * under valgrind. */
#define MOCK_TIMEOUT_MS 5000
#define MAX_CONNS       16
#define TEN_MB          (10u * 1024 * 1024)
#define TICK_MS         50
#define OUT_MAX         (64 * 1024)
#define KEPT_MAX        (64 * 1024) /* what the harness keeps of an answer */
#define SLACK_US        4000000u    /* what a timeout may be late by, valgrind included */

enum behaviour {
    RX_SILENT,      /* reads the request, never answers */
    RX_TRICKLE,     /* a whole answer, one byte every TICK_MS */
    RX_HUGE_200,    /* 200 with a 10 MB body */
    RX_HUGE_503,    /* 503 with a 10 MB body of binary junk */
    RX_HUGE_HEADER, /* one header line of 10 MB */
    RX_RESET,       /* SO_LINGER 0 and close: a reset */
    RX_BROKEN,      /* a status line that is not HTTP */
    RX_BAD_CHUNK,   /* chunked, and a chunk size line "zz" */
    RX_MID_BODY,    /* Content-Length 1000, 10 bytes, close */
    RX_NOTHING,     /* closes without a byte */
    RX_CONTINUE,    /* "100 Continue" every TICK_MS, forever */
    RX_OK,          /* a well-behaved receiver: 200 at once */
};

struct rx;

struct rx_conn {
    struct rx *rx;
    int fd;
    pthread_t thread;
};

struct rx {
    enum behaviour how;
    int listen_fd;
    unsigned port;
    atomic_bool stop;
    atomic_uint requests; /* requests read completely */
    pthread_t acceptor;
    struct rx_conn conns[MAX_CONNS];
    atomic_size_t n_conns;
};

/* ---- the hostile receiver ------------------------------------------------- */

static bool rx_stopped(struct rx *rx)
{
    return atomic_load(&rx->stop);
}

/* Waits up to ms for fd to be readable; true when it is. */
static bool rx_wait_in(int fd, int ms)
{
    struct pollfd pfd = {fd, POLLIN, 0};

    return poll(&pfd, 1, ms) > 0;
}

/* Reads the request head and its Content-Length body; false when the peer
 * closed first (the harness's preflight only connects). */
static bool rx_read_request(struct rx *rx, int fd)
{
    char buf[65536];
    size_t len = 0;
    char *end = NULL;
    size_t need;

    while (end == NULL) {
        ssize_t got;

        if (rx_stopped(rx) || len + 1 >= sizeof(buf)) {
            return false;
        }
        if (!rx_wait_in(fd, TICK_MS)) {
            continue;
        }
        got = recv(fd, buf + len, sizeof(buf) - 1 - len, 0);
        if (got <= 0) {
            return false;
        }
        len += (size_t)got;
        buf[len] = '\0';
        end = strstr(buf, "\r\n\r\n");
    }
    const char *cl = strcasestr(buf, "\r\nContent-Length:");
    need = (size_t)(end + 4 - buf) + (cl != NULL ? strtoul(cl + 17, NULL, 10) : 0);
    while (len < need) {
        ssize_t got;

        if (rx_stopped(rx)) {
            return false;
        }
        if (!rx_wait_in(fd, TICK_MS)) {
            continue;
        }
        got = recv(fd, buf, sizeof(buf), 0);
        if (got <= 0) {
            return false;
        }
        len += (size_t)got;
    }
    atomic_fetch_add(&rx->requests, 1);
    return true;
}

/* Sends everything unless the peer goes away or the test stops. */
static bool rx_send(struct rx *rx, int fd, const void *p, size_t len)
{
    const char *c = p;

    while (len > 0 && !rx_stopped(rx)) {
        ssize_t w = send(fd, c, len, MSG_NOSIGNAL);

        if (w <= 0) {
            return false;
        }
        c += w;
        len -= (size_t)w;
    }
    return len == 0;
}

/* Waits until the peer closes or the test stops. */
static void rx_hold(struct rx *rx, int fd)
{
    char sink[4096];

    while (!rx_stopped(rx)) {
        if (rx_wait_in(fd, TICK_MS) && recv(fd, sink, sizeof(sink), 0) <= 0) {
            return;
        }
    }
}

static void rx_huge(struct rx *rx, int fd, const char *head, bool junk)
{
    char *body = malloc(TEN_MB);

    assert_non_null(body);
    for (size_t i = 0; i < TEN_MB; i++) {
        /* Junk: NUL bytes, invalid UTF-8, control characters, quotes. */
        body[i] = junk ? "\x00\xff\xc0\"<\n\x1b&"[i % 8] : 'x';
    }
    if (rx_send(rx, fd, head, strlen(head))) {
        rx_send(rx, fd, body, TEN_MB);
    }
    free(body);
}

static void rx_misbehave(struct rx *rx, int fd)
{
    /* About 240 bytes: 12 s at one byte every TICK_MS, past any timeout
     * used here. */
    static const char slow[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Pad: "
                               "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                               "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                               "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                               "\r\n\r\nok";
    static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
    static const char mid[] = "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n0123456789";
    static const char broken[] = "HTTP/1.1 2OO Okay-ish\r\nContent-Length: 2\r\n\r\nok";
    static const char bad_chunk[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n";
    char big_head[64];
    struct linger lg = {1, 0};

    switch (rx->how) {
    case RX_SILENT:
        rx_hold(rx, fd);
        break;
    case RX_TRICKLE:
        for (size_t i = 0; i < sizeof(slow) - 1 && !rx_stopped(rx); i++) {
            if (!rx_send(rx, fd, slow + i, 1) ||
                (rx_wait_in(fd, TICK_MS) && recv(fd, big_head, 1, MSG_PEEK) <= 0)) {
                break;
            }
        }
        rx_hold(rx, fd);
        break;
    case RX_HUGE_200:
        snprintf(big_head, sizeof(big_head), "HTTP/1.1 200 OK\r\nContent-Length: %u\r\n\r\n",
                 TEN_MB);
        rx_huge(rx, fd, big_head, false);
        break;
    case RX_HUGE_503:
        snprintf(big_head, sizeof(big_head),
                 "HTTP/1.1 503 Service Unavailable\r\nContent-Length: %u\r\n\r\n", TEN_MB);
        rx_huge(rx, fd, big_head, true);
        break;
    case RX_HUGE_HEADER:
        rx_huge(rx, fd, "HTTP/1.1 200 OK\r\nX-Huge: ", false);
        rx_hold(rx, fd);
        break;
    case RX_RESET:
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
        break;
    case RX_BROKEN:
        rx_send(rx, fd, broken, sizeof(broken) - 1);
        rx_hold(rx, fd);
        break;
    case RX_BAD_CHUNK:
        rx_send(rx, fd, bad_chunk, sizeof(bad_chunk) - 1);
        rx_hold(rx, fd);
        break;
    case RX_MID_BODY:
        rx_send(rx, fd, mid, sizeof(mid) - 1);
        break;
    case RX_NOTHING:
        break;
    case RX_OK: /* answered in rx_conn_run */
        break;
    case RX_CONTINUE:
        while (rx_send(rx, fd, cont, sizeof(cont) - 1)) {
            if (rx_wait_in(fd, TICK_MS) && recv(fd, big_head, 1, MSG_PEEK) <= 0) {
                break;
            }
        }
        break;
    }
}

static void *rx_conn_run(void *arg)
{
    static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    struct rx_conn *c = arg;

    /* The well-behaved receiver keeps the connection for more requests. */
    while (rx_read_request(c->rx, c->fd)) {
        if (c->rx->how != RX_OK) {
            rx_misbehave(c->rx, c->fd);
            break;
        }
        if (!rx_send(c->rx, c->fd, ok, sizeof(ok) - 1)) {
            break;
        }
    }
    close(c->fd);
    return NULL;
}

static void *rx_accept_run(void *arg)
{
    struct rx *rx = arg;

    while (!rx_stopped(rx)) {
        size_t i;
        int fd;

        if (!rx_wait_in(rx->listen_fd, TICK_MS)) {
            continue;
        }
        fd = accept(rx->listen_fd, NULL, NULL);
        if (fd < 0) {
            continue;
        }
        i = atomic_load(&rx->n_conns);
        if (i >= MAX_CONNS) {
            close(fd);
            continue;
        }
        rx->conns[i].rx = rx;
        rx->conns[i].fd = fd;
        if (pthread_create(&rx->conns[i].thread, NULL, rx_conn_run, &rx->conns[i]) != 0) {
            close(fd);
            continue;
        }
        atomic_store(&rx->n_conns, i + 1);
    }
    return NULL;
}

static struct rx *rx_start(enum behaviour how)
{
    struct rx *rx = calloc(1, sizeof(*rx));
    struct sockaddr_in sin;
    socklen_t slen = sizeof(sin);

    assert_non_null(rx);
    rx->how = how;
    atomic_init(&rx->stop, false);
    atomic_init(&rx->requests, 0);
    atomic_init(&rx->n_conns, 0);
    rx->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(rx->listen_fd >= 0);
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(rx->listen_fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
    assert_int_equal(listen(rx->listen_fd, 16), 0);
    assert_int_equal(getsockname(rx->listen_fd, (struct sockaddr *)&sin, &slen), 0);
    rx->port = ntohs(sin.sin_port);
    assert_int_equal(pthread_create(&rx->acceptor, NULL, rx_accept_run, rx), 0);
    return rx;
}

static void rx_stop(struct rx *rx)
{
    atomic_store(&rx->stop, true);
    pthread_join(rx->acceptor, NULL);
    for (size_t i = 0; i < atomic_load(&rx->n_conns); i++) {
        pthread_join(rx->conns[i].thread, NULL);
    }
    close(rx->listen_fd);
    free(rx);
}

/* ---- the harness against one receiver ----------------------------------------- */

struct result {
    int code;
    struct rp_run *run;
    uint64_t took_us;
    char out[OUT_MAX];
    char dir[64];
};

static uint64_t mono_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void run_harness(const struct rx *rx, const char *timeout, struct result *res)
{
    char target[128];
    char *argv[32];
    int argc = 0;
    struct hn_config cfg;
    struct err e = {{0}};
    FILE *out;
    size_t n;
    uint64_t t0;

    snprintf(target, sizeof(target), "http://127.0.0.1:%u/hook", rx->port);
    snprintf(res->dir, sizeof(res->dir), "/tmp/vambe-hostile-XXXXXX");
    assert_non_null(mkdtemp(res->dir));
    argv[argc++] = "vambe-harness";
    argv[argc++] = "run";
    argv[argc++] = "--target";
    argv[argc++] = target;
    argv[argc++] = "--secret";
    argv[argc++] = SECRET;
    argv[argc++] = "--only";
    argv[argc++] = "DLV-001";
    argv[argc++] = "--timeout";
    argv[argc++] = (char *)timeout;
    argv[argc++] = "--seed";
    argv[argc++] = "1";
    argv[argc++] = "--no-color";
    argv[argc++] = "--report-dir";
    argv[argc++] = res->dir;
    argv[argc] = NULL;
    if (hn_cli_parse(argc, argv, &cfg, &e) != 0) {
        fail_msg("parse: %s", e.msg);
    }
    out = tmpfile();
    assert_non_null(out);
    t0 = mono_us();
    res->code = hn_command_run(&cfg, out, &res->run);
    res->took_us = mono_us() - t0;
    rewind(out);
    n = fread(res->out, 1, sizeof(res->out) - 1, out);
    res->out[n] = '\0';
    fclose(out);
    hn_cli_cleanup(&cfg);
}

/* The reports of the run are there and the JSON one parses. */
static void check_reports(const struct result *res)
{
    char path[128];
    json_error_t je;
    json_t *j;
    struct stat st;
    static const char *const files[] = {"report.json", "report.xml", "report.md", "report.html"};

    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", res->dir, files[i]);
        if (stat(path, &st) != 0 || st.st_size == 0) {
            fail_msg("%s is missing or empty", path);
        }
    }
    snprintf(path, sizeof(path), "%s/report.json", res->dir);
    /* RFC 8259 allows \u0000 in strings; jansson wants to be told. */
    j = json_load_file(path, JSON_ALLOW_NUL, &je);
    if (j == NULL) {
        fail_msg("report.json does not parse: %s (line %d)", je.text, je.line);
    }
    json_decref(j);
}

static void result_free(struct result *res)
{
    static const char *const files[] = {"report.json", "report.xml", "report.md", "report.html"};
    char path[128];

    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", res->dir, files[i]);
        unlink(path);
    }
    rmdir(res->dir);
    rp_run_free(res->run);
    free(res);
}

/* What one hostile receiver must get. */
struct want {
    enum rp_verdict verdict;
    const char *reason;  /* the case's reason contains this */
    const char *error;   /* the exchange's error; NULL: a response came */
    uint64_t timeout_ms; /* the exchange ends after about this long; 0: no check */
};

static void against(enum behaviour how, const char *timeout, const struct want *w)
{
    struct rx *rx = rx_start(how);
    struct result *res = calloc(1, sizeof(*res));
    const struct rp_case *c;
    const struct rp_exchange *x;

    assert_non_null(res);
    log_set_level(LOG_LEVEL_ERROR);
    run_harness(rx, timeout, res);
    rx_stop(rx);
    assert_non_null(res->run);
    assert_int_equal(res->run->n_cases, 1);
    c = &res->run->cases[0];
    if (c->verdict != w->verdict ||
        (w->reason[0] != '\0' && (c->reason == NULL || strstr(c->reason, w->reason) == NULL))) {
        fail_msg("got %s (%s), want %s with '%s'\n%s", rp_verdict_name(c->verdict),
                 c->reason != NULL ? c->reason : "-", rp_verdict_name(w->verdict), w->reason,
                 res->out);
    }
    assert_int_equal(res->code, w->verdict == RP_VERDICT_PASS ? 0 : 1);
    assert_int_equal(c->n_steps, 1);
    assert_int_equal(c->steps[0].n_exchanges, 1);
    x = &c->steps[0].exchanges[0];
    /* A status line may have come before the failure (a 100, or a 200
     * whose body never completed): the error is what counts. */
    if (w->error == NULL) {
        assert_null(x->error);
        assert_true(x->status > 0);
    } else if (x->error == NULL || strcmp(x->error, w->error) != 0) {
        fail_msg("exchange error '%s', want '%s' (%s)", x->error != NULL ? x->error : "-", w->error,
                 c->reason != NULL ? c->reason : "-");
    }
    /* Bounded memory: the harness keeps an excerpt of any answer. */
    assert_true(x->response_body_len <= KEPT_MAX);
    if (w->timeout_ms > 0) {
        uint64_t t = w->timeout_ms * 1000u;

        if (x->total_us + 100000u < t || x->total_us > t + SLACK_US ||
            res->took_us > t + SLACK_US) {
            fail_msg("timeout of %llu ms: the exchange took %llu us, the run %llu us",
                     (unsigned long long)w->timeout_ms, (unsigned long long)x->total_us,
                     (unsigned long long)res->took_us);
        }
    }
    /* The verdict line names the case and its verdict. */
    assert_non_null(strstr(res->out, "DLV-001"));
    assert_non_null(strstr(res->out, rp_verdict_name(w->verdict)));
    check_reports(res);
    result_free(res);
}

/* ---- the cases ------------------------------------------------------------------ */

static void never_answers(void **state)
{
    static const struct want w = {RP_VERDICT_ERROR, "no response: timeout", "timeout", 1000};

    (void)state;
    against(RX_SILENT, "1s", &w);
}

static void trickles_the_answer(void **state)
{
    static const struct want w = {RP_VERDICT_ERROR, "no response: timeout", "timeout", 1000};

    (void)state;
    against(RX_TRICKLE, "1s", &w);
}

static void continue_forever(void **state)
{
    static const struct want w = {RP_VERDICT_ERROR, "no response: timeout", "timeout", 1000};

    (void)state;
    against(RX_CONTINUE, "1s", &w);
}

static void answers_10_mb_200(void **state)
{
    static const struct want w = {RP_VERDICT_PASS, "", NULL, 0};

    (void)state;
    against(RX_HUGE_200, "20s", &w);
}

static void answers_10_mb_503(void **state)
{
    static const struct want w = {RP_VERDICT_FAIL, "status 503", NULL, 0};

    (void)state;
    against(RX_HUGE_503, "20s", &w);
}

static void answers_a_10_mb_header(void **state)
{
    static const struct want w = {RP_VERDICT_ERROR, "no response: ", "protocol", 0};

    (void)state;
    against(RX_HUGE_HEADER, "20s", &w);
}

static void resets_the_connection(void **state)
{
    static const struct want w = {RP_VERDICT_ERROR, "no response: reset", "reset", 0};

    (void)state;
    against(RX_RESET, "5s", &w);
}

static void speaks_broken_http(void **state)
{
    static const struct want w = {RP_VERDICT_ERROR, "no response: protocol", "protocol", 0};

    (void)state;
    against(RX_BROKEN, "5s", &w);
}

/* It was "reset": libcurl 7.88 reports a bad chunk as a receive error. */
static void broken_chunk_size(void **state)
{
    static const struct want w = {RP_VERDICT_ERROR, "no response: protocol", "protocol", 0};

    (void)state;
    against(RX_BAD_CHUNK, "5s", &w);
}

static void closes_mid_body(void **state)
{
    static const struct want w = {RP_VERDICT_ERROR, "no response: reset", "reset", 0};

    (void)state;
    against(RX_MID_BODY, "5s", &w);
}

static void closes_without_a_word(void **state)
{
    static const struct want w = {RP_VERDICT_ERROR, "no response: reset", "reset", 0};

    (void)state;
    against(RX_NOTHING, "5s", &w);
}

/* ---- the same receivers against the mock's delivery engine --------------------- */

struct api_reply {
    long status;
    json_t *json;
};

static void api(struct http_client *client, unsigned port, const char *method, const char *path,
                const char *body, struct api_reply *out)
{
    char url[512];
    const char *headers[] = {"x-api-key: " KEY, "Content-Type: application/json"};
    struct http_request req;
    struct http_response resp;

    memset(&req, 0, sizeof(req));
    memset(&resp, 0, sizeof(resp));
    snprintf(url, sizeof(url), "http://127.0.0.1:%u%s", port, path);
    req.method = method;
    req.url = url;
    req.headers = headers;
    req.n_headers = body != NULL ? 2 : 1;
    req.body = body;
    req.body_len = body != NULL ? strlen(body) : 0;
    req.timeout_ms = 10000;
    req.max_body = 4 * 1024 * 1024;
    assert_int_equal(http_client_run(client, &req, &resp, 1, 1), 0);
    if (resp.error != HTTP_ERROR_NONE) {
        fail_msg("%s %s: %s", method, path, resp.error_text);
    }
    out->status = resp.status;
    /* The call log holds whatever bytes receivers sent: NUL included. */
    out->json = json_loadb(resp.body, resp.body_len, JSON_ALLOW_NUL, NULL);
    if (out->json == NULL) {
        fail_msg("%s %s: %ld, not JSON: %.200s", method, path, resp.status, resp.body);
    }
    http_response_cleanup(&resp);
}

/* One hostile receiver and what its attempt must be recorded as. */
struct mock_case {
    enum behaviour how;
    const char *outcome;
    const char *error; /* NULL: a response came */
    long status;       /* response_status; 0: null */
    bool timed;        /* duration_ms is about the attempt timeout */
    struct rx *rx;
    char hook[64];
};

static void mock_create_and_trigger(struct http_client *client, unsigned port, struct mock_case *m)
{
    char body[512];
    struct api_reply r;

    snprintf(body, sizeof(body),
             "{\"topic\":\"message.received\",\"url\":\"http://127.0.0.1:%u/hook\","
             "\"secret\":\"" SECRET "\"}",
             m->rx->port);
    api(client, port, "POST", "/api/webhooks", body, &r);
    assert_int_equal(r.status, 201);
    snprintf(m->hook, sizeof(m->hook), "%s", json_string_value(json_object_get(r.json, "id")));
    json_decref(r.json);
    snprintf(body, sizeof(body), "{\"topic\":\"message.received\",\"webhook_id\":\"%s\"}", m->hook);
    api(client, port, "POST", "/mock/events", body, &r);
    if (r.status != 202 || json_integer_value(json_object_get(r.json, "deliveries")) != 1) {
        fail_msg("trigger: %ld", r.status);
    }
    json_decref(r.json);
}

/* Polls the call log (it lags the wire by up to 50 ms) until the hook's
 * attempt is recorded; returns the record (a new reference). */
static json_t *mock_wait_record(struct http_client *client, unsigned port, const char *hook)
{
    char path[256];
    uint64_t deadline = clock_mono_us() + (uint64_t)WAIT_MS * 1000u;

    snprintf(path, sizeof(path), "/api/webhooks/calls?webhook_id=%s", hook);
    while (clock_mono_us() < deadline) {
        struct api_reply r;
        json_t *rec;
        struct pollfd none = {-1, 0, 0};

        api(client, port, "GET", path, NULL, &r);
        assert_int_equal(r.status, 200);
        rec = json_array_get(json_object_get(r.json, "data"), 0);
        if (rec != NULL) {
            json_incref(rec);
            json_decref(r.json);
            return rec;
        }
        json_decref(r.json);
        poll(&none, 0, 50); /* the log is written in batches, every 50 ms */
    }
    fail_msg("no call record for webhook %s within %d ms", hook, WAIT_MS);
    return NULL;
}

static void mock_check_record(const struct mock_case *m, const json_t *rec)
{
    const char *outcome = json_string_value(json_object_get(rec, "outcome"));
    const char *error = json_string_value(json_object_get(rec, "error"));
    json_t *status = json_object_get(rec, "response_status");
    json_t *body = json_object_get(rec, "response_body");
    json_int_t took = json_integer_value(json_object_get(rec, "duration_ms"));
    char *text = json_dumps(rec, JSON_COMPACT);

    if (outcome == NULL || strcmp(outcome, m->outcome) != 0 ||
        (m->error == NULL) != (error == NULL) ||
        (m->error != NULL && strcmp(error, m->error) != 0) ||
        (m->status == 0 ? !json_is_null(status) : json_integer_value(status) != m->status)) {
        fail_msg("receiver %d: recorded as outcome %s, error %s, status %lld, %lld ms: %.300s",
                 (int)m->how, outcome != NULL ? outcome : "-", error != NULL ? error : "null",
                 (long long)json_integer_value(status), (long long)took,
                 strstr(text, "\"response_") != NULL ? strstr(text, "\"response_") : text);
    }
    /* Bounded: the log keeps at most 4 KiB of an answer (bytes that are
     * not UTF-8 may take up to 3 bytes each once made printable). */
    assert_true(json_is_null(body) || json_string_length(body) <= 3 * 4096);
    if (m->timed &&
        (took < MOCK_TIMEOUT_MS - 100 || took > MOCK_TIMEOUT_MS + (json_int_t)(SLACK_US / 1000u))) {
        fail_msg("receiver %d: a %d ms attempt timeout took %lld ms", (int)m->how, MOCK_TIMEOUT_MS,
                 (long long)took);
    }
    free(text);
}

static void mock_against_hostile_receivers(void **state)
{
    struct mock_case cases[] = {
        {RX_SILENT, "gave_up", "timeout", 0, true, NULL, ""},
        {RX_TRICKLE, "gave_up", "timeout", 0, true, NULL, ""},
        {RX_CONTINUE, "gave_up", "timeout", 0, true, NULL, ""},
        {RX_HUGE_200, "succeeded", NULL, 200, false, NULL, ""},
        {RX_HUGE_503, "gave_up", NULL, 503, false, NULL, ""},
        {RX_HUGE_HEADER, "gave_up", "protocol", 0, false, NULL, ""},
        {RX_RESET, "gave_up", "reset", 0, false, NULL, ""},
        {RX_BROKEN, "gave_up", "protocol", 0, false, NULL, ""},
        {RX_BAD_CHUNK, "gave_up", "protocol", 0, false, NULL, ""},
        {RX_MID_BODY, "gave_up", "reset", 0, false, NULL, ""},
        {RX_NOTHING, "gave_up", "reset", 0, false, NULL, ""},
    };
    size_t n = sizeof(cases) / sizeof(cases[0]);
    struct mock_case ok = {RX_OK, "succeeded", NULL, 200, false, NULL, ""};
    struct ms_options o;
    struct ms_server *srv;
    struct http_client *client;
    unsigned port;
    json_t *rec;

    (void)state;
    log_set_level(LOG_LEVEL_ERROR);
    test_mock_options(&o, KEY);
    o.policy.max_attempts = 1;
    o.policy.timeout_ms = MOCK_TIMEOUT_MS;
    srv = test_mock_start(&o, &port);
    client = http_client_new(NULL);
    assert_non_null(client);
    /* All at once: the engine faces every hostile receiver together. */
    for (size_t i = 0; i < n; i++) {
        cases[i].rx = rx_start(cases[i].how);
        mock_create_and_trigger(client, port, &cases[i]);
    }
    for (size_t i = 0; i < n; i++) {
        rec = mock_wait_record(client, port, cases[i].hook);
        mock_check_record(&cases[i], rec);
        json_decref(rec);
    }
    /* Afterwards, a well-behaved receiver is still served. */
    ok.rx = rx_start(RX_OK);
    mock_create_and_trigger(client, port, &ok);
    rec = mock_wait_record(client, port, ok.hook);
    mock_check_record(&ok, rec);
    json_decref(rec);
    for (size_t i = 0; i < n; i++) {
        rx_stop(cases[i].rx);
    }
    rx_stop(ok.rx);
    http_client_free(client);
    ms_server_stop(srv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(never_answers),         cmocka_unit_test(trickles_the_answer),
        cmocka_unit_test(continue_forever),      cmocka_unit_test(answers_10_mb_200),
        cmocka_unit_test(answers_10_mb_503),     cmocka_unit_test(answers_a_10_mb_header),
        cmocka_unit_test(resets_the_connection), cmocka_unit_test(speaks_broken_http),
        cmocka_unit_test(broken_chunk_size),     cmocka_unit_test(closes_mid_body),
        cmocka_unit_test(closes_without_a_word), cmocka_unit_test(mock_against_hostile_receivers),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
