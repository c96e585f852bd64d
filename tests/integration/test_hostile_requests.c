/* Hostile requests against the mock, in process (ms_server on 127.0.0.1
 * port 0, in-memory store), sent as raw bytes over a socket so that nothing
 * (not even libcurl) cleans them up first: malformed and deeply nested
 * JSON, wrong types, huge numbers, 10 MB bodies, invalid UTF-8, NUL bytes,
 * file:, gopher:, javascript: URLs, CR/LF in fields and in the path, "../"
 * in ids, hostile query parameters, keys and methods, very long and very
 * many headers, broken framing, and slow clients that trickle bytes or
 * never finish.
 *
 * Each must get a 4xx. When a handler answered (the request got that far)
 * the answer has the kit's JSON error shape {"statusCode", "error",
 * "message"}; when libmicrohttpd refused the request before any handler
 * (a header section too large, a malformed request line) its own status
 * is accepted, as long as it is a 4xx. After every request the state is
 * unchanged (the webhook list, the delivery policy and the call log read
 * the same bytes as before) and GET /mock/health still answers 200. */
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
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "mock_server/server.h"
#include "support/mock.h"

#define KEY          "hostile-key-0123456789"
#define EXCHANGE_MS  20000
#define READ_MAX     (1024 * 1024)
#define TEN_MB       (10u * 1024 * 1024)
#define SLOW_CLIENTS 32

/* ---- a raw HTTP client ---------------------------------------------------- */

struct raw_reply {
    char *raw; /* everything read, NUL-terminated */
    size_t len;
    unsigned status; /* 0 when no status line came */
    const char *body;
    size_t body_len;
    bool json_type; /* Content-Type: application/json */
};

/* How a request is sent: all at once, or in pieces with a pause between. */
struct raw_pace {
    size_t piece;      /* 0: all at once */
    unsigned pause_ms; /* between pieces */
};

static uint64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int raw_connect(unsigned port)
{
    struct sockaddr_in sin;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    assert_true(fd >= 0);
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_port = htons((uint16_t)port);
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
    return fd;
}

static void raw_parse(struct raw_reply *r)
{
    const char *end = strstr(r->raw, "\r\n\r\n");
    const char *ct;

    if (strncmp(r->raw, "HTTP/1.", 7) == 0 && r->len >= 12) {
        r->status = (unsigned)strtoul(r->raw + 9, NULL, 10);
    }
    r->body = end != NULL ? end + 4 : r->raw + r->len;
    r->body_len = r->len - (size_t)(r->body - r->raw);
    ct = strcasestr(r->raw, "\r\nContent-Type: application/json");
    r->json_type = ct != NULL && end != NULL && ct < end;
}

/* Sends req (len bytes) while reading the answer, until the server closes
 * the connection or EXCHANGE_MS pass. Reading while writing matters: a
 * server that answers 413 early and closes must not have its answer lost
 * to a reset. The pace trickles the request. */
static void raw_exchange(unsigned port, const char *req, size_t len, struct raw_pace pace,
                         struct raw_reply *out)
{
    uint64_t deadline = now_ms() + EXCHANGE_MS;
    uint64_t next_write = 0;
    size_t off = 0;
    bool writing = true;
    int fd = raw_connect(port);

    memset(out, 0, sizeof(*out));
    out->raw = malloc(READ_MAX + 1);
    assert_non_null(out->raw);
    out->raw[0] = '\0';
    for (;;) {
        uint64_t t = now_ms();
        struct pollfd pfd = {fd, POLLIN, 0};
        int wait;

        if (t >= deadline) {
            fail_msg("no answer within %d ms (%zu of %zu bytes sent)", EXCHANGE_MS, off, len);
        }
        if (writing && off < len && t >= next_write) {
            pfd.events |= POLLOUT;
        }
        wait = (int)(deadline - t);
        if (writing && off < len && t < next_write) {
            wait = (int)(next_write - t);
        }
        if (poll(&pfd, 1, wait) < 0) {
            assert_int_equal(errno, EINTR);
            continue;
        }
        if (pfd.revents & POLLOUT) {
            size_t n = len - off;
            ssize_t w;

            if (pace.piece > 0 && n > pace.piece) {
                n = pace.piece;
            }
            w = send(fd, req + off, n, MSG_NOSIGNAL | MSG_DONTWAIT);
            if (w > 0) {
                off += (size_t)w;
                next_write = now_ms() + (pace.piece > 0 ? pace.pause_ms : 0);
            } else if (w < 0 && errno != EAGAIN && errno != EINTR) {
                writing = false; /* the server stopped reading: read its answer */
            }
        }
        if (pfd.revents & (POLLIN | POLLHUP | POLLERR)) {
            ssize_t got = recv(fd, out->raw + out->len, READ_MAX - out->len, MSG_DONTWAIT);

            if (got < 0 && (errno == EAGAIN || errno == EINTR)) {
                continue;
            }
            if (got <= 0 || out->len + (size_t)got >= READ_MAX) {
                if (got > 0) {
                    out->len += (size_t)got;
                }
                break; /* closed, reset, or enough to judge */
            }
            out->len += (size_t)got;
            out->raw[out->len] = '\0';
        }
    }
    out->raw[out->len] = '\0';
    close(fd);
    raw_parse(out);
}

static void raw_free(struct raw_reply *r)
{
    free(r->raw);
    memset(r, 0, sizeof(*r));
}

/* ---- the fixture: one mock for the whole file ------------------------------- */

struct fx {
    struct ms_server *srv;
    unsigned port;
    char hook_id[64];   /* a live webhook */
    char gone_id[64];   /* a soft-deleted one */
    char *state;        /* the state read before the hostile requests */
    unsigned requests;  /* hostile requests sent */
    unsigned by_server; /* of which libmicrohttpd answered itself */
};

static struct fx fx;

/* A well-formed request with the key, Connection: close and a body. */
static char *req_build(const char *method, const char *target, const char *headers,
                       const char *body, size_t body_len, size_t *len)
{
    char head[8192];
    int n = snprintf(head, sizeof(head),
                     "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                     "x-api-key: " KEY "\r\n%sContent-Length: %zu\r\n\r\n",
                     method, target, headers != NULL ? headers : "", body_len);
    char *req;

    assert_true(n > 0 && (size_t)n < sizeof(head));
    req = malloc((size_t)n + body_len + 1);
    assert_non_null(req);
    memcpy(req, head, (size_t)n);
    if (body_len > 0) {
        memcpy(req + n, body, body_len);
    }
    req[(size_t)n + body_len] = '\0';
    *len = (size_t)n + body_len;
    return req;
}

/* Sends a well-formed GET with the key and returns the body (caller frees);
 * the status must be want. */
static char *get_body(const char *target, unsigned want)
{
    struct raw_reply r;
    size_t len = 0;
    char *req = req_build("GET", target, NULL, NULL, 0, &len);
    char *body;

    raw_exchange(fx.port, req, len, (struct raw_pace){0, 0}, &r);
    free(req);
    if (r.status != want) {
        fail_msg("GET %s: %u, expected %u: %s", target, r.status, want, r.raw);
    }
    body = strndup(r.body, r.body_len);
    assert_non_null(body);
    raw_free(&r);
    return body;
}

/* Everything a request could change, as the API shows it. The config and
 * the call log are read only when the running mock has those routes. */
static char *state_read(void)
{
    char *hooks = get_body("/api/webhooks", 200);
    char *config = get_body("/mock/config", 200);
    char *calls = get_body("/api/webhooks/calls?limit=500", 200);
    char *all = NULL;

    assert_true(asprintf(&all, "%s\n%s\n%s", hooks, config, calls) > 0);
    free(hooks);
    free(config);
    free(calls);
    return all;
}

static void create_hook(const char *url, bool active, char id_out[64])
{
    char body[512];
    struct raw_reply r;
    size_t len = 0;
    char *req;
    json_t *j;

    snprintf(
        body, sizeof(body),
        "{\"topic\":\"message.received\",\"url\":\"%s\",\"secret\":\"whsec_hostile_0123456789\","
        "\"active\":%s}",
        url, active ? "true" : "false");
    req = req_build("POST", "/api/webhooks", "Content-Type: application/json\r\n", body,
                    strlen(body), &len);
    raw_exchange(fx.port, req, len, (struct raw_pace){0, 0}, &r);
    free(req);
    assert_int_equal(r.status, 201);
    j = json_loadb(r.body, r.body_len, 0, NULL);
    assert_non_null(json_string_value(json_object_get(j, "id")));
    snprintf(id_out, 64, "%s", json_string_value(json_object_get(j, "id")));
    json_decref(j);
    raw_free(&r);
}

static int fx_setup(void **state)
{
    struct ms_options o;
    char path[128];
    struct raw_reply r;
    size_t len = 0;
    char *req;

    (void)state;
    log_set_level(LOG_LEVEL_ERROR);
    memset(&fx, 0, sizeof(fx));
    test_mock_options(&o, KEY);
    fx.srv = test_mock_start(&o, &fx.port);
    /* Inactive webhooks to a closed port: even a trigger that slipped
     * through could deliver nothing anywhere. */
    create_hook("http://127.0.0.1:9/hook", false, fx.hook_id);
    create_hook("http://127.0.0.1:9/gone", false, fx.gone_id);
    snprintf(path, sizeof(path), "/api/webhooks/%s", fx.gone_id);
    req = req_build("DELETE", path, NULL, NULL, 0, &len);
    raw_exchange(fx.port, req, len, (struct raw_pace){0, 0}, &r);
    free(req);
    assert_int_equal(r.status, 200);
    raw_free(&r);
    fx.state = state_read();
    return 0;
}

static int fx_teardown(void **state)
{
    (void)state;
    fprintf(stderr, "hostile requests: %u sent, %u answered by libmicrohttpd itself\n", fx.requests,
            fx.by_server);
    free(fx.state);
    ms_server_stop(fx.srv);
    return 0;
}

/* ---- the checks after every hostile request --------------------------------- */

/* What a hostile request must get. */
enum want {
    WANT_JSON_4XX,  /* a handler's 4xx with the JSON error shape */
    WANT_ANY_4XX,   /* libmicrohttpd may answer itself (its own page), still 4xx */
    WANT_NO_ANSWER, /* a 4xx, or the connection closed without an answer */
};

static void check_shape(const char *name, const struct raw_reply *r)
{
    json_t *j = json_loadb(r->body, r->body_len, 0, NULL);
    json_t *code = json_object_get(j, "statusCode");

    if (!r->json_type || !json_is_object(j) || !json_is_integer(code) ||
        json_integer_value(code) != (json_int_t)r->status ||
        !json_is_string(json_object_get(j, "error")) ||
        json_string_length(json_object_get(j, "error")) == 0 ||
        !json_is_string(json_object_get(j, "message")) ||
        json_string_length(json_object_get(j, "message")) == 0) {
        fail_msg("%s: %u without the JSON error shape: %.300s", name, r->status, r->raw);
    }
    json_decref(j);
}

static void check_after(const char *name)
{
    struct raw_reply r;
    static const char health[] = "GET /mock/health HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                 "Connection: close\r\n\r\n";
    char *now;

    raw_exchange(fx.port, health, sizeof(health) - 1, (struct raw_pace){0, 0}, &r);
    if (r.status != 200 || strstr(r.body, "\"ok\"") == NULL) {
        fail_msg("after %s: GET /mock/health answered %u: %.200s", name, r.status, r.raw);
    }
    raw_free(&r);
    now = state_read();
    if (strcmp(now, fx.state) != 0) {
        fail_msg("after %s: the state changed:\nbefore: %.500s\nafter:  %.500s", name, fx.state,
                 now);
    }
    free(now);
}

/* status 0: any 4xx; otherwise exactly this status (libmicrohttpd's 505
 * for an HTTP version it does not speak is the one non-4xx expected). */
static void check_reply(const char *name, const struct raw_reply *r, enum want want,
                        unsigned status)
{
    fx.requests++;
    if (r->status == 0 && want == WANT_NO_ANSWER) {
        fprintf(stderr, "hostile: %s: closed without an answer\n", name);
        return;
    }
    if (status != 0 && r->status != status) {
        fail_msg("%s: expected %u, got %u: %.300s", name, status, r->status, r->raw);
    }
    if (status == 0 && (r->status < 400 || r->status > 499)) {
        fail_msg("%s: expected a 4xx, got %u: %.300s", name, r->status, r->raw);
    }
    if (r->json_type || want == WANT_JSON_4XX) {
        check_shape(name, r);
    } else {
        fprintf(stderr, "hostile: %s: %u from libmicrohttpd itself\n", name, r->status);
        fx.by_server++;
    }
}

/* Sends req as is and checks the answer and the state. */
static void hostile_raw(const char *name, const char *req, size_t len, struct raw_pace pace,
                        enum want want, unsigned status)
{
    struct raw_reply r;

    raw_exchange(fx.port, req, len, pace, &r);
    check_reply(name, &r, want, status);
    raw_free(&r);
    check_after(name);
}

/* A well-formed request with a hostile part; status 0 accepts any 4xx. */
static void hostile(const char *name, const char *method, const char *target, const char *headers,
                    const char *body, size_t body_len, unsigned status)
{
    size_t len = 0;
    char *req = req_build(method, target, headers, body, body_len, &len);

    hostile_raw(name, req, len, (struct raw_pace){0, 0}, WANT_JSON_4XX, status);
    free(req);
}

#define CT_JSON "Content-Type: application/json\r\n"

/* ---- bodies ------------------------------------------------------------------ */

struct body_case {
    const char *name;
    const char *body;
    size_t len; /* 0: strlen */
    unsigned status;
};

static void hostile_bodies(void **state)
{
    static const char nul_raw[] = "{\"topic\":\"message.received\0\",\"url\":\"https://e.com/\","
                                  "\"secret\":\"s\"}";
    static const struct body_case cases[] = {
        {"truncated JSON", "{\"topic\": \"message.received\", \"url\":", 0, 400},
        {"empty body", "", 0, 400},
        {"whitespace only", " \r\n\t ", 0, 400},
        {"an array", "[]", 0, 400},
        {"a string", "\"message.received\"", 0, 400},
        {"null", "null", 0, 400},
        {"trailing garbage",
         "{\"topic\":\"message.received\",\"url\":\"https://e.com/\","
         "\"secret\":\"s\"} x",
         0, 400},
        {"duplicate keys",
         "{\"topic\":\"message.received\",\"topic\":\"message.sent\","
         "\"url\":\"https://e.com/\",\"secret\":\"s\"}",
         0, 400},
        {"topic is a number", "{\"topic\":123,\"url\":\"https://e.com/\",\"secret\":\"s\"}", 0,
         400},
        {"url is an object", "{\"topic\":\"message.received\",\"url\":{\"a\":1},\"secret\":\"s\"}",
         0, 400},
        {"secret is an array",
         "{\"topic\":\"message.received\",\"url\":\"https://e.com/\","
         "\"secret\":[\"s\"]}",
         0, 400},
        {"active is a string",
         "{\"topic\":\"message.received\",\"url\":\"https://e.com/\","
         "\"secret\":\"s\",\"active\":\"yes\"}",
         0, 400},
        {"huge real",
         "{\"topic\":\"message.received\",\"url\":\"https://e.com/\",\"secret\":\"s\","
         "\"active\":1e999999}",
         0, 400},
        {"huge integer",
         "{\"topic\":99999999999999999999999999999,\"url\":\"https://e.com/\","
         "\"secret\":\"s\"}",
         0, 400},
        {"invalid UTF-8",
         "{\"topic\":\"message.received\",\"url\":\"https://e\xff\xfe.com/\","
         "\"secret\":\"s\"}",
         0, 400},
        {"overlong UTF-8",
         "{\"topic\":\"message.received\",\"url\":\"https://e.com/\","
         "\"secret\":\"\xc0\xaf\"}",
         0, 400},
        {"lone surrogate",
         "{\"topic\":\"message.received\",\"url\":\"https://e.com/\","
         "\"secret\":\"\\ud800\"}",
         0, 400},
        {"raw NUL byte", nul_raw, sizeof(nul_raw) - 1, 400},
        {"escaped NUL",
         "{\"topic\":\"message.received\",\"url\":\"https://e.com/\","
         "\"secret\":\"a\\u0000b\"}",
         0, 400},
        {"file URL",
         "{\"topic\":\"message.received\",\"url\":\"file:///etc/passwd\","
         "\"secret\":\"s\"}",
         0, 400},
        {"gopher URL",
         "{\"topic\":\"message.received\",\"url\":\"gopher://127.0.0.1:6379/_FLUSHALL\","
         "\"secret\":\"s\"}",
         0, 400},
        {"javascript URL",
         "{\"topic\":\"message.received\",\"url\":\"javascript:alert(1)\","
         "\"secret\":\"s\"}",
         0, 400},
        {"data URL",
         "{\"topic\":\"message.received\",\"url\":\"data:text/html,<b>x</b>\","
         "\"secret\":\"s\"}",
         0, 400},
        {"CR/LF in the url",
         "{\"topic\":\"message.received\",\"url\":\"https://e.com/\\r\\n"
         "X-Injected: 1\",\"secret\":\"s\"}",
         0, 400},
        {"CR/LF in the topic",
         "{\"topic\":\"message.received\\r\\n\",\"url\":\"https://e.com/\","
         "\"secret\":\"s\"}",
         0, 400},
        {"host-less URL", "{\"topic\":\"message.received\",\"url\":\"http:///x\",\"secret\":\"s\"}",
         0, 400},
        {"port out of range",
         "{\"topic\":\"message.received\",\"url\":\"http://e.com:99999/\","
         "\"secret\":\"s\"}",
         0, 400},
        {"unknown topic",
         "{\"topic\":\"message.deleted\",\"url\":\"https://e.com/\","
         "\"secret\":\"s\"}",
         0, 400},
        {"empty secret",
         "{\"topic\":\"message.received\",\"url\":\"https://e.com/\","
         "\"secret\":\"\"}",
         0, 400},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct body_case *c = &cases[i];

        hostile(c->name, "POST", "/api/webhooks", CT_JSON, c->body,
                c->len > 0 ? c->len : strlen(c->body), c->status);
    }
}

/* Bodies built at run time: deep nesting, long fields, 10 MB. */
static void hostile_big_bodies(void **state)
{
    size_t n = 100000;
    char *deep = malloc(2 * n + 1);
    char *objs = malloc(8 * 5000 + 64);
    char *long_url = malloc(4096);
    char *long_secret = malloc(512);
    char *ten = malloc(TEN_MB);
    size_t len = 0;
    size_t used = 0;
    char *req;
    char chunk_head[32];

    (void)state;
    assert_non_null(deep);
    assert_non_null(objs);
    assert_non_null(long_url);
    assert_non_null(long_secret);
    assert_non_null(ten);
    memset(deep, '[', n);
    memset(deep + n, ']', n);
    hostile("100000 nested arrays", "POST", "/api/webhooks", CT_JSON, deep, 2 * n, 400);
    for (int i = 0; i < 5000; i++) {
        memcpy(objs + used, "{\"a\":", 5);
        used += 5;
    }
    memcpy(objs + used, "1", 1);
    used++;
    memset(objs + used, '}', 5000);
    used += 5000;
    hostile("5000 nested objects", "PUT", "/mock/config", CT_JSON, objs, used, 400);

    snprintf(long_url, 4096,
             "{\"topic\":\"message.received\",\"secret\":\"s\",\"url\":\"https://e.com/");
    used = strlen(long_url);
    memset(long_url + used, 'a', 3000);
    memcpy(long_url + used + 3000, "\"}", 3);
    hostile("a 3000-byte url", "POST", "/api/webhooks", CT_JSON, long_url, strlen(long_url), 400);

    snprintf(long_secret, 512,
             "{\"topic\":\"message.received\",\"url\":\"https://e.com/\",\"secret\":\"");
    used = strlen(long_secret);
    memset(long_secret + used, 's', 257);
    memcpy(long_secret + used + 257, "\"}", 3);
    hostile("a 257-byte secret", "POST", "/api/webhooks", CT_JSON, long_secret, strlen(long_secret),
            400);

    /* 10 MB, with its length declared: refused from the headers. */
    memset(ten, ' ', TEN_MB);
    ten[0] = '{';
    ten[TEN_MB - 1] = '}';
    hostile("10 MB body", "POST", "/api/webhooks", CT_JSON, ten, TEN_MB, 413);

    /* 10 MB, chunked (no length): read, dropped past 1 MiB, then refused. */
    snprintf(chunk_head, sizeof(chunk_head), "%x\r\n", TEN_MB);
    req = malloc(TEN_MB + 512);
    assert_non_null(req);
    len = (size_t)snprintf(req, 512,
                           "POST /api/webhooks HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                           "x-api-key: " KEY "\r\n" CT_JSON "Transfer-Encoding: chunked\r\n\r\n%s",
                           chunk_head);
    memcpy(req + len, ten, TEN_MB);
    len += TEN_MB;
    memcpy(req + len, "\r\n0\r\n\r\n", 7);
    len += 7;
    hostile_raw("10 MB chunked body", req, len, (struct raw_pace){0, 0}, WANT_JSON_4XX, 413);
    free(req);
    free(ten);
    free(long_secret);
    free(long_url);
    free(objs);
    free(deep);
}

static void hostile_content_types(void **state)
{
    static const char body[] = "{\"topic\":\"message.received\",\"url\":\"https://e.com/\","
                               "\"secret\":\"s\"}";

    (void)state;
    hostile("text/plain body", "POST", "/api/webhooks", "Content-Type: text/plain\r\n", body,
            sizeof(body) - 1, 415);
    hostile("form body", "POST", "/api/webhooks",
            "Content-Type: application/x-www-form-urlencoded\r\n", body, sizeof(body) - 1, 415);
    hostile("multipart body", "PUT", "/mock/config",
            "Content-Type: multipart/form-data; boundary=x\r\n", "{}", 2, 415);
}

/* ---- paths, ids, queries, keys, methods -------------------------------------- */

static void hostile_paths_and_ids(void **state)
{
    static const char body[] = "{\"active\":true}";
    char long_id[1200];
    char path[1400];

    (void)state;
    hostile("../ in the path", "GET", "/api/webhooks/../../etc/passwd", NULL, NULL, 0, 404);
    hostile("encoded ../ in an id", "GET", "/api/webhooks/%2e%2e%2f%2e%2e%2fetc%2fpasswd", NULL,
            NULL, 0, 404);
    hostile("../ as the id of an update", "PUT", "/api/webhooks/..", CT_JSON, body,
            sizeof(body) - 1, 404);
    hostile("encoded NUL in an id", "DELETE", "/api/webhooks/%00", NULL, NULL, 0, 404);
    snprintf(path, sizeof(path), "/api/webhooks/%s%%0d%%0aX-Injected:%%201/restore", fx.hook_id);
    hostile("encoded CR/LF in an id", "POST", path, NULL, NULL, 0, 404);
    memset(long_id, 'a', sizeof(long_id) - 1);
    long_id[sizeof(long_id) - 1] = '\0';
    snprintf(path, sizeof(path), "/api/webhooks/%s", long_id);
    hostile("a 1199-byte id", "GET", path, NULL, NULL, 0, 404);
    hostile("an id that is a SQL injection", "DELETE", "/api/webhooks/x'%20OR%20'1'='1", NULL, NULL,
            0, 404);
    snprintf(path, sizeof(path), "/api/webhooks/%s/restore/..", fx.gone_id);
    hostile("restore with a trailing ..", "POST", path, NULL, NULL, 0, 404);
    snprintf(path, sizeof(path), "/api/webhooks/%s", fx.gone_id);
    hostile("update of a deleted webhook", "PUT", path, CT_JSON, body, sizeof(body) - 1, 409);
    hostile("replay of ../", "POST", "/mock/calls/../replay", NULL, NULL, 0, 404);
}

static void hostile_queries(void **state)
{
    static const char *const targets[] = {
        "/api/webhooks/calls?limit=-1",        "/api/webhooks/calls?limit=99999999999999999999999",
        "/api/webhooks/calls?limit=0x10",      "/api/webhooks/calls?page=0",
        "/api/webhooks/calls?since=yesterday", "/api/webhooks/calls?since=2024-02-31",
        "/api/webhooks/calls?until=1&since=2", "/api/webhooks/calls?outcome=%3Cscript%3E",
        "/api/webhooks/calls?webhook_id=%00",  "/api/webhooks?include_deleted=maybe",
    };

    (void)state;
    for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
        hostile(targets[i], "GET", targets[i], NULL, NULL, 0, 400);
    }
}

static void hostile_keys_and_methods(void **state)
{
    char huge_key[10100];
    char *req;
    size_t len = 0;
    static const char no_key[] = "GET /api/webhooks HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                 "Connection: close\r\n\r\n";
    static const char bad_key[] = "DELETE /api/webhooks/x HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                  "x-api-key: " KEY "x\r\nConnection: close\r\n\r\n";

    (void)state;
    hostile_raw("no key", no_key, sizeof(no_key) - 1, (struct raw_pace){0, 0}, WANT_JSON_4XX, 401);
    hostile_raw("a wrong key", bad_key, sizeof(bad_key) - 1, (struct raw_pace){0, 0}, WANT_JSON_4XX,
                401);
    len = (size_t)snprintf(huge_key, sizeof(huge_key), "x-api-key: ");
    memset(huge_key + len, 'k', 10000);
    huge_key[len + 10000] = '\0';
    req = malloc(12000);
    assert_non_null(req);
    len = (size_t)snprintf(req, 12000,
                           "GET /api/webhooks HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                           "Connection: close\r\n%s\r\n\r\n",
                           huge_key);
    hostile_raw("a 10000-byte key", req, len, (struct raw_pace){0, 0}, WANT_ANY_4XX, 0);
    free(req);
    hostile("PATCH on the list", "PATCH", "/api/webhooks", CT_JSON, "{}", 2, 405);
    hostile("TRACE", "TRACE", "/api/webhooks", NULL, NULL, 0, 405);
    hostile("an invented method", "BREW", "/api/webhooks/topics", NULL, NULL, 0, 405);
    hostile("DELETE on topics", "DELETE", "/api/webhooks/topics", NULL, NULL, 0, 405);
}

/* ---- the control API ------------------------------------------------------ */

static void hostile_control(void **state)
{
    static const struct body_case config[] = {
        {"config: jitter is a string", "{\"jitter\":\"x\"}", 0, 400},
        {"config: time scale 0", "{\"time_scale\":0}", 0, 400},
        {"config: attempts 1e999", "{\"max_attempts\":1e999}", 0, 400},
        {"config: unknown key", "{\"max_attempts\":3,\"retry_forever\":true}", 0, 400},
        {"config: an array", "[{\"jitter\":0}]", 0, 400},
    };
    static const struct body_case events[] = {
        {"events: unknown topic", "{\"topic\":\"message.deleted\"}", 0, 400},
        {"events: a million events", "{\"topic\":\"message.received\",\"count\":1000000}", 0, 400},
        {"events: count is a string", "{\"topic\":\"message.received\",\"count\":\"1\"}", 0, 400},
        {"events: a typo", "{\"topic\":\"message.received\",\"cuont\":2}", 0, 400},
        {"events: data is a string", "{\"topic\":\"message.received\",\"data\":\"x\"}", 0, 400},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(config) / sizeof(config[0]); i++) {
        hostile(config[i].name, "PUT", "/mock/config", CT_JSON, config[i].body,
                strlen(config[i].body), config[i].status);
    }
    for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++) {
        hostile(events[i].name, "POST", "/mock/events", CT_JSON, events[i].body,
                strlen(events[i].body), events[i].status);
    }
}

/* ---- framing and headers: libmicrohttpd may answer itself ------------------- */

static void hostile_framing(void **state)
{
    static const char garbage[] = "GARBAGE\r\n\r\n";
    static const char bad_version[] = "GET /mock/health HTTP/9.9\r\nHost: 127.0.0.1\r\n\r\n";
    static const char no_host[] = "GET /api/webhooks HTTP/1.1\r\nConnection: close\r\n\r\n";
    static const char neg_length[] = "POST /api/webhooks HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                     "x-api-key: " KEY "\r\nContent-Length: -1\r\n\r\n{}";
    static const char bad_chunk[] = "POST /api/webhooks HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                    "x-api-key: " KEY "\r\nTransfer-Encoding: chunked\r\n\r\n"
                                    "zz\r\n{}\r\n0\r\n\r\n";
    static const char nul_header[] = "GET /api/webhooks HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                     "x-api-key: \0" KEY "\r\nConnection: close\r\n\r\n";
    static const char lf_only[] = "GET /api/webhooks HTTP/1.1\nHost: 127.0.0.1\n"
                                  "X-Injected: 1\rX-Other: 2\nConnection: close\n\n";
    char *big = malloc(200 * 1024);
    size_t used;

    (void)state;
    assert_non_null(big);
    hostile_raw("garbage request line", garbage, sizeof(garbage) - 1, (struct raw_pace){0, 0},
                WANT_NO_ANSWER, 0);
    hostile_raw("HTTP/9.9", bad_version, sizeof(bad_version) - 1, (struct raw_pace){0, 0},
                WANT_ANY_4XX, 505);
    hostile_raw("HTTP/1.1 without Host", no_host, sizeof(no_host) - 1, (struct raw_pace){0, 0},
                WANT_ANY_4XX, 0);
    hostile_raw("negative Content-Length", neg_length, sizeof(neg_length) - 1,
                (struct raw_pace){0, 0}, WANT_NO_ANSWER, 0);
    hostile_raw("broken chunk size", bad_chunk, sizeof(bad_chunk) - 1, (struct raw_pace){0, 0},
                WANT_NO_ANSWER, 0);
    /* The value ends at the NUL for the server: no key, whatever follows. */
    hostile_raw("NUL in the key header", nul_header, sizeof(nul_header) - 1,
                (struct raw_pace){0, 0}, WANT_NO_ANSWER, 0);
    hostile_raw("bare CR and LF line ends", lf_only, sizeof(lf_only) - 1, (struct raw_pace){0, 0},
                WANT_NO_ANSWER, 0);

    /* One header of 100 KB. */
    used = (size_t)snprintf(big, 1024,
                            "GET /api/webhooks HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                            "x-api-key: " KEY "\r\nX-Long: ");
    memset(big + used, 'h', 100 * 1024);
    used += 100 * 1024;
    memcpy(big + used, "\r\n\r\n", 4);
    hostile_raw("a 100 KB header", big, used + 4, (struct raw_pace){0, 0}, WANT_ANY_4XX, 0);

    /* 3000 headers. */
    used = (size_t)snprintf(big, 1024,
                            "GET /api/webhooks HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                            "x-api-key: " KEY "\r\n");
    for (int i = 0; i < 3000; i++) {
        used += (size_t)snprintf(big + used, 64, "X-H%d: v\r\n", i);
    }
    memcpy(big + used, "\r\n", 2);
    hostile_raw("3000 headers", big, used + 2, (struct raw_pace){0, 0}, WANT_ANY_4XX, 0);

    /* A 100 KB request target. */
    used = (size_t)snprintf(big, 64, "GET /api/webhooks/");
    memset(big + used, 'p', 100 * 1024);
    used += 100 * 1024;
    used += (size_t)snprintf(big + used, 1024,
                             " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                             "x-api-key: " KEY "\r\n\r\n");
    hostile_raw("a 100 KB path", big, used, (struct raw_pace){0, 0}, WANT_ANY_4XX, 0);
    free(big);
}

/* ---- slow clients ------------------------------------------------------------ */

struct trickle {
    pthread_t thread;
    struct raw_reply reply;
};

static void *trickle_run(void *arg)
{
    struct trickle *t = arg;
    static const char body[] = "{\"topic\":\"message.received\",\"url\":\"gopher://x/\","
                               "\"secret\":\"s\"}";
    size_t len = 0;
    char *req = req_build("POST", "/api/webhooks", CT_JSON, body, sizeof(body) - 1, &len);

    /* About 270 bytes, 3 bytes every 10 ms: about a second. */
    raw_exchange(fx.port, req, len, (struct raw_pace){3, 10}, &t->reply);
    free(req);
    return NULL;
}

static void hostile_slow_clients(void **state)
{
    struct trickle t;
    int idle[SLOW_CLIENTS];
    static const char partial[] = "POST /api/webhooks HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                  "x-api-key: " KEY "\r\nContent-Length: 100\r\n\r\n{\"to";
    unsigned answered = 0;

    (void)state;
    /* Connections that send part of a request and then nothing. */
    for (int i = 0; i < SLOW_CLIENTS; i++) {
        idle[i] = raw_connect(fx.port);
        assert_int_equal(send(idle[i], partial, sizeof(partial) - 1, MSG_NOSIGNAL),
                         (ssize_t)(sizeof(partial) - 1));
    }
    /* One client trickling a whole (bad) request while others are served. */
    memset(&t, 0, sizeof(t));
    assert_int_equal(pthread_create(&t.thread, NULL, trickle_run, &t), 0);
    for (int i = 0; i < 20; i++) {
        check_after("a slow client, meanwhile");
        answered++;
    }
    assert_int_equal(pthread_join(t.thread, NULL), 0);
    check_reply("a trickled request", &t.reply, WANT_JSON_4XX, 400);
    assert_non_null(strstr(t.reply.body, "url"));
    raw_free(&t.reply);
    for (int i = 0; i < SLOW_CLIENTS; i++) {
        close(idle[i]);
    }
    assert_int_equal(answered, 20);
    check_after("slow clients");
}

/* Last: the issue asks for at least 40 hostile requests. */
static void enough_requests(void **state)
{
    (void)state;
    if (fx.requests < 40) {
        fail_msg("only %u hostile requests were sent", fx.requests);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hostile_bodies),        cmocka_unit_test(hostile_big_bodies),
        cmocka_unit_test(hostile_content_types), cmocka_unit_test(hostile_paths_and_ids),
        cmocka_unit_test(hostile_queries),       cmocka_unit_test(hostile_keys_and_methods),
        cmocka_unit_test(hostile_control),       cmocka_unit_test(hostile_framing),
        cmocka_unit_test(hostile_slow_clients),  cmocka_unit_test(enough_requests),
    };

    return cmocka_run_group_tests(tests, fx_setup, fx_teardown);
}
