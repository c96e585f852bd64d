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
 * the same bytes as before) and GET /mock/health still answers 200. The
 * raw client, the mock and the checks are in support/hostile.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "support/hostile.h"

#define TEN_MB       (10u * 1024 * 1024)
#define SLOW_CLIENTS 32

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
    hostile_raw("10 MB chunked body", req, len, (struct hostile_pace){0, 0}, WANT_JSON_4XX, 413);
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
    snprintf(path, sizeof(path), "/api/webhooks/%s%%0d%%0aX-Injected:%%201/restore",
             hostile_fx.hook_id);
    hostile("encoded CR/LF in an id", "POST", path, NULL, NULL, 0, 404);
    memset(long_id, 'a', sizeof(long_id) - 1);
    long_id[sizeof(long_id) - 1] = '\0';
    snprintf(path, sizeof(path), "/api/webhooks/%s", long_id);
    hostile("a 1199-byte id", "GET", path, NULL, NULL, 0, 404);
    hostile("an id that is a SQL injection", "DELETE", "/api/webhooks/x'%20OR%20'1'='1", NULL, NULL,
            0, 404);
    snprintf(path, sizeof(path), "/api/webhooks/%s/restore/..", hostile_fx.gone_id);
    hostile("restore with a trailing ..", "POST", path, NULL, NULL, 0, 404);
    snprintf(path, sizeof(path), "/api/webhooks/%s", hostile_fx.gone_id);
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
    hostile_raw("no key", no_key, sizeof(no_key) - 1, (struct hostile_pace){0, 0}, WANT_JSON_4XX,
                401);
    hostile_raw("a wrong key", bad_key, sizeof(bad_key) - 1, (struct hostile_pace){0, 0},
                WANT_JSON_4XX, 401);
    len = (size_t)snprintf(huge_key, sizeof(huge_key), "x-api-key: ");
    memset(huge_key + len, 'k', 10000);
    huge_key[len + 10000] = '\0';
    req = malloc(12000);
    assert_non_null(req);
    len = (size_t)snprintf(req, 12000,
                           "GET /api/webhooks HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                           "Connection: close\r\n%s\r\n\r\n",
                           huge_key);
    hostile_raw("a 10000-byte key", req, len, (struct hostile_pace){0, 0}, WANT_ANY_4XX, 0);
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
    hostile_raw("garbage request line", garbage, sizeof(garbage) - 1, (struct hostile_pace){0, 0},
                WANT_NO_ANSWER, 0);
    hostile_raw("HTTP/9.9", bad_version, sizeof(bad_version) - 1, (struct hostile_pace){0, 0},
                WANT_ANY_4XX, 505);
    hostile_raw("HTTP/1.1 without Host", no_host, sizeof(no_host) - 1, (struct hostile_pace){0, 0},
                WANT_ANY_4XX, 0);
    hostile_raw("negative Content-Length", neg_length, sizeof(neg_length) - 1,
                (struct hostile_pace){0, 0}, WANT_NO_ANSWER, 0);
    hostile_raw("broken chunk size", bad_chunk, sizeof(bad_chunk) - 1, (struct hostile_pace){0, 0},
                WANT_NO_ANSWER, 0);
    /* The value ends at the NUL for the server: no key, whatever follows. */
    hostile_raw("NUL in the key header", nul_header, sizeof(nul_header) - 1,
                (struct hostile_pace){0, 0}, WANT_NO_ANSWER, 0);
    hostile_raw("bare CR and LF line ends", lf_only, sizeof(lf_only) - 1,
                (struct hostile_pace){0, 0}, WANT_NO_ANSWER, 0);

    /* One header of 100 KB. */
    used = (size_t)snprintf(big, 1024,
                            "GET /api/webhooks HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                            "x-api-key: " KEY "\r\nX-Long: ");
    memset(big + used, 'h', 100 * 1024);
    used += 100 * 1024;
    memcpy(big + used, "\r\n\r\n", 4);
    hostile_raw("a 100 KB header", big, used + 4, (struct hostile_pace){0, 0}, WANT_ANY_4XX, 0);

    /* 3000 headers. */
    used = (size_t)snprintf(big, 1024,
                            "GET /api/webhooks HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                            "x-api-key: " KEY "\r\n");
    for (int i = 0; i < 3000; i++) {
        used += (size_t)snprintf(big + used, 64, "X-H%d: v\r\n", i);
    }
    memcpy(big + used, "\r\n", 2);
    hostile_raw("3000 headers", big, used + 2, (struct hostile_pace){0, 0}, WANT_ANY_4XX, 0);

    /* A 100 KB request target. */
    used = (size_t)snprintf(big, 64, "GET /api/webhooks/");
    memset(big + used, 'p', 100 * 1024);
    used += 100 * 1024;
    used += (size_t)snprintf(big + used, 1024,
                             " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                             "x-api-key: " KEY "\r\n\r\n");
    hostile_raw("a 100 KB path", big, used, (struct hostile_pace){0, 0}, WANT_ANY_4XX, 0);
    free(big);
}

/* ---- slow clients ------------------------------------------------------------ */

struct trickle {
    pthread_t thread;
    struct hostile_reply reply;
};

static void *trickle_run(void *arg)
{
    struct trickle *t = arg;
    static const char body[] = "{\"topic\":\"message.received\",\"url\":\"gopher://x/\","
                               "\"secret\":\"s\"}";
    size_t len = 0;
    char *req = hostile_req_build("POST", "/api/webhooks", CT_JSON, body, sizeof(body) - 1, &len);

    /* About 270 bytes, 3 bytes every 10 ms: about a second. */
    hostile_exchange(hostile_fx.port, req, len, (struct hostile_pace){3, 10}, &t->reply);
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
        idle[i] = hostile_connect(hostile_fx.port);
        assert_int_equal(send(idle[i], partial, sizeof(partial) - 1, MSG_NOSIGNAL),
                         (ssize_t)(sizeof(partial) - 1));
    }
    /* One client trickling a whole (bad) request while others are served. */
    memset(&t, 0, sizeof(t));
    assert_int_equal(pthread_create(&t.thread, NULL, trickle_run, &t), 0);
    for (int i = 0; i < 20; i++) {
        hostile_check_after("a slow client, meanwhile");
        answered++;
    }
    assert_int_equal(pthread_join(t.thread, NULL), 0);
    hostile_check_reply("a trickled request", &t.reply, WANT_JSON_4XX, 400);
    assert_non_null(strstr(t.reply.body, "url"));
    hostile_reply_free(&t.reply);
    for (int i = 0; i < SLOW_CLIENTS; i++) {
        close(idle[i]);
    }
    assert_int_equal(answered, 20);
    hostile_check_after("slow clients");
}

/* Last: the issue asks for at least 40 hostile requests. */
static void enough_requests(void **state)
{
    (void)state;
    if (hostile_fx.requests < 40) {
        fail_msg("only %u hostile requests were sent", hostile_fx.requests);
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

    return cmocka_run_group_tests(tests, hostile_setup, hostile_teardown);
}
