/* Test support: hostile requests against an in-process mock (see
 * hostile.h). */
#include "support/hostile.h"

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
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "support/mock.h"

#define EXCHANGE_MS 20000
#define READ_MAX    (1024 * 1024)

static uint64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int hostile_connect(unsigned port)
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

static void reply_parse(struct hostile_reply *r)
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
void hostile_exchange(unsigned port, const char *req, size_t len, struct hostile_pace pace,
                      struct hostile_reply *out)
{
    uint64_t deadline = now_ms() + EXCHANGE_MS;
    uint64_t next_write = 0;
    size_t off = 0;
    bool writing = true;
    int fd = hostile_connect(port);

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
    reply_parse(out);
}

void hostile_reply_free(struct hostile_reply *r)
{
    free(r->raw);
    memset(r, 0, sizeof(*r));
}

/* ---- the fixture: one mock for the whole file ------------------------------- */

struct hostile_fx hostile_fx;

/* A well-formed request with the key, Connection: close and a body. */
char *hostile_req_build(const char *method, const char *target, const char *headers,
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
    struct hostile_reply r;
    size_t len = 0;
    char *req = hostile_req_build("GET", target, NULL, NULL, 0, &len);
    char *body;

    hostile_exchange(hostile_fx.port, req, len, (struct hostile_pace){0, 0}, &r);
    free(req);
    if (r.status != want) {
        fail_msg("GET %s: %u, expected %u: %s", target, r.status, want, r.raw);
    }
    body = strndup(r.body, r.body_len);
    assert_non_null(body);
    hostile_reply_free(&r);
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
    struct hostile_reply r;
    size_t len = 0;
    char *req;
    json_t *j;

    snprintf(
        body, sizeof(body),
        "{\"topic\":\"message.received\",\"url\":\"%s\",\"secret\":\"whsec_hostile_0123456789\","
        "\"active\":%s}",
        url, active ? "true" : "false");
    req = hostile_req_build("POST", "/api/webhooks", "Content-Type: application/json\r\n", body,
                            strlen(body), &len);
    hostile_exchange(hostile_fx.port, req, len, (struct hostile_pace){0, 0}, &r);
    free(req);
    assert_int_equal(r.status, 201);
    j = json_loadb(r.body, r.body_len, 0, NULL);
    assert_non_null(json_string_value(json_object_get(j, "id")));
    snprintf(id_out, 64, "%s", json_string_value(json_object_get(j, "id")));
    json_decref(j);
    hostile_reply_free(&r);
}

int hostile_setup(void **state)
{
    struct ms_options o;
    char path[128];
    struct hostile_reply r;
    size_t len = 0;
    char *req;

    (void)state;
    log_set_level(LOG_LEVEL_ERROR);
    memset(&hostile_fx, 0, sizeof(hostile_fx));
    test_mock_options(&o, KEY);
    hostile_fx.srv = test_mock_start(&o, &hostile_fx.port);
    /* Inactive webhooks to a closed port: even a trigger that slipped
     * through could deliver nothing anywhere. */
    create_hook("http://127.0.0.1:9/hook", false, hostile_fx.hook_id);
    create_hook("http://127.0.0.1:9/gone", false, hostile_fx.gone_id);
    snprintf(path, sizeof(path), "/api/webhooks/%s", hostile_fx.gone_id);
    req = hostile_req_build("DELETE", path, NULL, NULL, 0, &len);
    hostile_exchange(hostile_fx.port, req, len, (struct hostile_pace){0, 0}, &r);
    free(req);
    assert_int_equal(r.status, 200);
    hostile_reply_free(&r);
    hostile_fx.state = state_read();
    return 0;
}

int hostile_teardown(void **state)
{
    (void)state;
    fprintf(stderr, "hostile requests: %u sent, %u answered by libmicrohttpd itself\n",
            hostile_fx.requests, hostile_fx.by_server);
    free(hostile_fx.state);
    ms_server_stop(hostile_fx.srv);
    return 0;
}

/* ---- the checks after every hostile request --------------------------------- */

static void check_shape(const char *name, const struct hostile_reply *r)
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

void hostile_check_after(const char *name)
{
    struct hostile_reply r;
    static const char health[] = "GET /mock/health HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                 "Connection: close\r\n\r\n";
    char *now;

    hostile_exchange(hostile_fx.port, health, sizeof(health) - 1, (struct hostile_pace){0, 0}, &r);
    if (r.status != 200 || strstr(r.body, "\"ok\"") == NULL) {
        fail_msg("after %s: GET /mock/health answered %u: %.200s", name, r.status, r.raw);
    }
    hostile_reply_free(&r);
    now = state_read();
    if (strcmp(now, hostile_fx.state) != 0) {
        fail_msg("after %s: the state changed:\nbefore: %.500s\nafter:  %.500s", name,
                 hostile_fx.state, now);
    }
    free(now);
}

/* status 0: any 4xx; otherwise exactly this status (libmicrohttpd's 505
 * for an HTTP version it does not speak is the one non-4xx expected). */
void hostile_check_reply(const char *name, const struct hostile_reply *r, enum want want,
                         unsigned status)
{
    hostile_fx.requests++;
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
        hostile_fx.by_server++;
    }
}

/* Sends req as is and checks the answer and the state. */
void hostile_raw(const char *name, const char *req, size_t len, struct hostile_pace pace,
                 enum want want, unsigned status)
{
    struct hostile_reply r;

    hostile_exchange(hostile_fx.port, req, len, pace, &r);
    hostile_check_reply(name, &r, want, status);
    hostile_reply_free(&r);
    hostile_check_after(name);
}

/* A well-formed request with a hostile part; status 0 accepts any 4xx. */
void hostile(const char *name, const char *method, const char *target, const char *headers,
             const char *body, size_t body_len, unsigned status)
{
    size_t len = 0;
    char *req = hostile_req_build(method, target, headers, body, body_len, &len);

    hostile_raw(name, req, len, (struct hostile_pace){0, 0}, WANT_JSON_4XX, status);
    free(req);
}
