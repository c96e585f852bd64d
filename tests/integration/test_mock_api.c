/* The mock's management and control APIs, in process: a fresh ms_server on
 * 127.0.0.1 port 0 (in-memory store) per test, driven over HTTP with the
 * kit's client. Call-log records are inserted through the store API. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/http_client.h"
#include "core/ids.h"
#include "core/log.h"
#include "core/topics.h"
#include "mock_server/server.h"
#include "mock_server/store.h"
#include "support/api.h"
#include "support/mock.h"

#define KEY       "test-key-0123456789"
#define JSON_TYPE "application/json"

struct fx {
    struct ms_server *srv;
    struct http_client *client;
    unsigned port;
};

static int fx_setup(void **state)
{
    struct fx *fx = calloc(1, sizeof(*fx));
    struct ms_options o;

    assert_non_null(fx);
    log_set_level(LOG_LEVEL_ERROR);
    test_mock_options(&o, KEY);
    fx->srv = test_mock_start(&o, &fx->port);
    fx->client = http_client_new(NULL);
    assert_non_null(fx->client);
    *state = fx;
    return 0;
}

static int fx_teardown(void **state)
{
    struct fx *fx = *state;

    http_client_free(fx->client);
    ms_server_stop(fx->srv);
    free(fx);
    return 0;
}

/* With the right key; a body is sent as JSON. Returns the status. */
static long send_json(struct fx *fx, const char *method, const char *path, const char *body,
                      struct api_reply *out)
{
    api_send(fx->client, fx->port, method, path, KEY, body != NULL ? JSON_TYPE : NULL, body,
             body != NULL ? strlen(body) : 0, out);
    return out->status;
}

/* Asserts the kit's error shape with this status and a message containing
 * want (e.g. the field's name). */
static void assert_error(const struct api_reply *r, long status, const char *want)
{
    if (r->status != status) {
        fail_msg("expected %ld, got %ld: %s", status, r->status, r->body ? r->body : "");
    }
    assert_non_null(r->json);
    assert_int_equal(json_integer_value(json_object_get(r->json, "statusCode")), status);
    assert_non_null(json_string_value(json_object_get(r->json, "error")));
    const char *msg = json_string_value(json_object_get(r->json, "message"));
    assert_non_null(msg);
    if (want != NULL && strstr(msg, want) == NULL) {
        fail_msg("message '%s' does not contain '%s'", msg, want);
    }
}

static const char *jstr(const json_t *j, const char *key)
{
    return json_string_value(json_object_get(j, key));
}

/* Creates a webhook and returns its id in id_out. */
static void create_hook(struct fx *fx, const char *topic, const char *url, const char *secret,
                        char id_out[IDS_UUID_LEN + 1])
{
    struct api_reply r = {0};
    json_t *body = json_pack("{s:s, s:s, s:s}", "topic", topic, "url", url, "secret", secret);
    char *text = json_dumps(body, JSON_COMPACT);

    json_decref(body);
    send_json(fx, "POST", "/api/webhooks", text, &r);
    free(text);
    if (r.status != 201) {
        fail_msg("create: %ld %s", r.status, r.body ? r.body : "");
    }
    assert_string_equal(jstr(r.json, "status"), "created");
    assert_true(ids_is_uuid(jstr(r.json, "id")));
    snprintf(id_out, IDS_UUID_LEN + 1, "%s", jstr(r.json, "id"));
    api_reply_free(&r);
}

static bool header_has(const struct api_reply *r, const char *line)
{
    return r->headers != NULL && strcasestr(r->headers, line) != NULL;
}

/* ---- health, auth, routing ---------------------------------------------- */

static void health_needs_no_key(void **state)
{
    struct fx *fx = *state;
    struct api_reply r = {0};

    api_send(fx->client, fx->port, "GET", "/mock/health", NULL, NULL, NULL, 0, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(jstr(r.json, "status"), "ok");
    assert_string_equal(jstr(r.json, "version"), VAMBE_VERSION);
    api_reply_free(&r);
}

static void every_api_route_needs_the_key(void **state)
{
    struct fx *fx = *state;
    static const struct {
        const char *method;
        const char *path;
    } routes[] = {
        {"GET", "/api/webhooks"},
        {"POST", "/api/webhooks"},
        {"GET", "/api/webhooks/topics"},
        {"GET", "/api/webhooks/calls"},
        {"GET", "/api/webhooks/00000000-0000-4000-8000-000000000000"},
        {"PUT", "/api/webhooks/00000000-0000-4000-8000-000000000000"},
        {"DELETE", "/api/webhooks/00000000-0000-4000-8000-000000000000"},
        {"POST", "/api/webhooks/00000000-0000-4000-8000-000000000000/restore"},
    };
    const char *wrong[] = {NULL, "", "wrong", KEY "x", "test-key-012345678"};

    for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
        for (size_t k = 0; k < sizeof(wrong) / sizeof(wrong[0]); k++) {
            struct api_reply r = {0};
            api_send(fx->client, fx->port, routes[i].method, routes[i].path, wrong[k], JSON_TYPE,
                     "{}", 2, &r);
            assert_error(&r, 401, "x-api-key");
            assert_string_equal(jstr(r.json, "error"), "Unauthorized");
            api_reply_free(&r);
        }
    }
    /* The right key gets through. */
    struct api_reply ok = {0};
    assert_int_equal(send_json(fx, "GET", "/api/webhooks", NULL, &ok), 200);
    api_reply_free(&ok);
}

static void unknown_paths_and_methods(void **state)
{
    struct fx *fx = *state;
    struct api_reply r = {0};

    send_json(fx, "GET", "/api/nothing", NULL, &r);
    assert_error(&r, 404, "/api/nothing");
    assert_string_equal(jstr(r.json, "error"), "Not Found");
    api_reply_free(&r);

    send_json(fx, "PATCH", "/api/webhooks", "{}", &r);
    assert_error(&r, 405, "PATCH");
    assert_true(header_has(&r, "Allow: GET, POST"));
    api_reply_free(&r);

    send_json(fx, "DELETE", "/api/webhooks", NULL, &r);
    assert_error(&r, 405, NULL);
    api_reply_free(&r);

    send_json(fx, "GET", "/api/webhooks/x/restore", NULL, &r);
    assert_error(&r, 405, NULL);
    assert_true(header_has(&r, "Allow: POST"));
    api_reply_free(&r);

    /* The literal sub-resources take only GET. */
    send_json(fx, "PUT", "/api/webhooks/topics", "{}", &r);
    assert_error(&r, 405, NULL);
    assert_true(header_has(&r, "Allow: GET"));
    api_reply_free(&r);

    send_json(fx, "DELETE", "/api/webhooks/calls", NULL, &r);
    assert_error(&r, 405, NULL);
    assert_true(header_has(&r, "Allow: GET"));
    api_reply_free(&r);

    send_json(fx, "POST", "/mock/health", "{}", &r);
    assert_error(&r, 405, NULL);
    api_reply_free(&r);
}

static void body_over_one_mib_is_413(void **state)
{
    struct fx *fx = *state;
    size_t len = 1024 * 1024 + 1;
    char *big = malloc(len);
    struct api_reply r = {0};

    assert_non_null(big);
    memset(big, ' ', len);
    big[0] = '{';
    big[len - 1] = '}';
    api_send(fx->client, fx->port, "POST", "/api/webhooks", KEY, JSON_TYPE, big, len, &r);
    assert_error(&r, 413, NULL);
    api_reply_free(&r);
    free(big);

    /* Exactly 1 MiB is read (and is then a validation error, not a 413). */
    len = 1024 * 1024;
    big = malloc(len);
    assert_non_null(big);
    memset(big, ' ', len);
    big[0] = '{';
    big[len - 1] = '}';
    api_send(fx->client, fx->port, "POST", "/api/webhooks", KEY, JSON_TYPE, big, len, &r);
    assert_error(&r, 400, "topic");
    api_reply_free(&r);
    free(big);
}

static void non_json_content_type_is_415(void **state)
{
    struct fx *fx = *state;
    const char *body = "{\"topic\":\"message.sent\",\"url\":\"http://a.example\",\"secret\":\"s\"}";
    const char *bad[] = {"text/plain", "application/x-www-form-urlencoded", "application/xml",
                         "multipart/form-data; boundary=x", "application/jsonx"};
    char id[IDS_UUID_LEN + 1];
    char path[128];
    struct api_reply r = {0};

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        api_send(fx->client, fx->port, "POST", "/api/webhooks", KEY, bad[i], body, strlen(body),
                 &r);
        assert_error(&r, 415, "Content-Type");
        api_reply_free(&r);
    }
    create_hook(fx, "message.sent", "http://a.example/h", "secret-value", id);
    snprintf(path, sizeof(path), "/api/webhooks/%s", id);
    api_send(fx->client, fx->port, "PUT", path, KEY, "text/plain", "{}", 2, &r);
    assert_error(&r, 415, NULL);
    api_reply_free(&r);

    /* JSON with parameters, a +json type and no Content-Type at all pass. */
    const char *good[] = {"application/json; charset=utf-8", "Application/JSON",
                          "application/vnd.vambe+json", NULL};
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        api_send(fx->client, fx->port, "POST", "/api/webhooks", KEY, good[i], body, strlen(body),
                 &r);
        assert_int_equal(r.status, 201);
        api_reply_free(&r);
    }
}

/* ---- create and validation ------------------------------------------------ */

static void create_then_get(void **state)
{
    struct fx *fx = *state;
    char id[IDS_UUID_LEN + 1];
    char path[128];
    struct api_reply r = {0};
    uint64_t before = clock_wall_ms();

    send_json(fx, "POST", "/api/webhooks",
              "{\"topic\":\"ticket.opened\",\"url\":\"https://example.com/hooks/vambe\","
              "\"secret\":\"whsec_abcdefghijklmnop\"}",
              &r);
    assert_int_equal(r.status, 201);
    assert_int_equal(json_object_size(r.json), 2);
    assert_string_equal(jstr(r.json, "status"), "created");
    snprintf(id, sizeof(id), "%s", jstr(r.json, "id"));
    assert_true(ids_is_uuid(id));
    snprintf(path, sizeof(path), "Location: /api/webhooks/%s", id);
    assert_true(header_has(&r, path));
    api_reply_free(&r);

    snprintf(path, sizeof(path), "/api/webhooks/%s", id);
    assert_int_equal(send_json(fx, "GET", path, NULL, &r), 200);
    assert_string_equal(jstr(r.json, "id"), id);
    /* The alias is stored under its canonical name. */
    assert_string_equal(jstr(r.json, "topic"), "ticket.created");
    assert_string_equal(jstr(r.json, "url"), "https://example.com/hooks/vambe");
    assert_string_equal(jstr(r.json, "secret"), "****mnop");
    assert_true(json_is_true(json_object_get(r.json, "active")));
    assert_true(json_is_null(json_object_get(r.json, "deleted_at")));
    assert_non_null(jstr(r.json, "created_at"));
    assert_string_equal(jstr(r.json, "created_at"), jstr(r.json, "updated_at"));
    char earliest[32];
    clock_iso8601(before - before % 1000, earliest, sizeof(earliest));
    assert_true(strcmp(jstr(r.json, "created_at"), earliest) >= 0);
    api_reply_free(&r);

    assert_int_equal(
        send_json(fx, "GET", "/api/webhooks/00000000-0000-4000-8000-000000000000", NULL, &r), 404);
    assert_error(&r, 404, "00000000-0000-4000-8000-000000000000");
    api_reply_free(&r);
    assert_int_equal(send_json(fx, "GET", "/api/webhooks/not-a-uuid", NULL, &r), 404);
    api_reply_free(&r);
}

static void create_accepts(void **state)
{
    struct fx *fx = *state;
    static const struct {
        const char *body;
        const char *topic;
        const char *url;
        bool active;
    } ok[] = {
        /* unknown fields are ignored */
        {"{\"topic\":\"message.received\",\"url\":\"http://127.0.0.1:9/x\",\"secret\":\"s\","
         "\"extra\":{\"a\":[1,2]},\"id\":\"mine\",\"created_at\":5}",
         "message.received", "http://127.0.0.1:9/x", true},
        {"{\"topic\":\"stage.changed\",\"url\":\"HTTPS://EXAMPLE.COM\",\"secret\":\"s\","
         "\"active\":false}",
         "stage.changed", "HTTPS://EXAMPLE.COM", false},
        {"{\"topic\":\"contact.updated\",\"url\":\"http://[::1]:8080/hook?a=b#c\","
         "\"secret\":\"s\"}",
         "contact.updated", "http://[::1]:8080/hook?a=b#c", true},
        {"{\"topic\":\"ticket.closed\",\"url\":\"https://user:pw@hooks.example.com:65535/\","
         "\"secret\":\"s\"}",
         "ticket.closed", "https://user:pw@hooks.example.com:65535/", true},
        {"  {\"url\":\"http://a.b\",\"secret\":\"s\",\"topic\":\"ticket.opened\"}  \n",
         "ticket.created", "http://a.b", true},
    };

    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        struct api_reply r = {0};
        char path[128];
        send_json(fx, "POST", "/api/webhooks", ok[i].body, &r);
        if (r.status != 201) {
            fail_msg("case %zu: %ld %s", i, r.status, r.body);
        }
        snprintf(path, sizeof(path), "/api/webhooks/%s", jstr(r.json, "id"));
        assert_string_not_equal(jstr(r.json, "id"), "mine");
        api_reply_free(&r);
        assert_int_equal(send_json(fx, "GET", path, NULL, &r), 200);
        assert_string_equal(jstr(r.json, "topic"), ok[i].topic);
        assert_string_equal(jstr(r.json, "url"), ok[i].url);
        assert_int_equal(json_is_true(json_object_get(r.json, "active")), ok[i].active);
        assert_null(json_object_get(r.json, "extra"));
        api_reply_free(&r);
    }
}

static char *long_url(size_t total)
{
    const char *prefix = "http://example.com/";
    char *u = malloc(total + 1);

    assert_non_null(u);
    memcpy(u, prefix, strlen(prefix));
    memset(u + strlen(prefix), 'a', total - strlen(prefix));
    u[total] = '\0';
    return u;
}

static char *body_with(const char *topic, const char *url, const char *secret)
{
    json_t *j = json_pack("{s:s, s:s, s:s}", "topic", topic, "url", url, "secret", secret);
    char *text = json_dumps(j, JSON_COMPACT);

    json_decref(j);
    return text;
}

static void create_rejects(void **state)
{
    struct fx *fx = *state;
    static const struct {
        const char *body;
        const char *field; /* the message must name it */
    } bad[] = {
        {"", "body"},
        {"   ", "body"},
        {"not json", "body: invalid JSON"},
        {"{\"topic\":\"message.sent\",", "body: invalid JSON"},
        {"[]", "body: must be a JSON object"},
        {"\"topic\"", "body: must be a JSON object"},
        {"null", "body: must be a JSON object"},
        {"{\"topic\":\"a\",\"topic\":\"b\"}", "body: invalid JSON"},
        {"{\"url\":\"http://a.b\",\"secret\":\"s\"}", "topic: required"},
        {"{\"topic\":\"message.sent\",\"secret\":\"s\"}", "url: required"},
        {"{\"topic\":\"message.sent\",\"url\":\"http://a.b\"}", "secret: required"},
        {"{\"topic\":\"message.deleted\",\"url\":\"http://a.b\",\"secret\":\"s\"}",
         "topic: unknown topic 'message.deleted'"},
        {"{\"topic\":\"\",\"url\":\"http://a.b\",\"secret\":\"s\"}", "topic"},
        {"{\"topic\":\"MESSAGE.SENT\",\"url\":\"http://a.b\",\"secret\":\"s\"}", "topic"},
        {"{\"topic\":5,\"url\":\"http://a.b\",\"secret\":\"s\"}", "topic: must be a string"},
        {"{\"topic\":[\"message.sent\"],\"url\":\"http://a.b\",\"secret\":\"s\"}",
         "topic: must be a string"},
        {"{\"topic\":\"message.sent\",\"url\":1,\"secret\":\"s\"}", "url: must be a string"},
        {"{\"topic\":\"message.sent\",\"url\":null,\"secret\":\"s\"}", "url: must be a string"},
        {"{\"topic\":\"message.sent\",\"url\":\"\",\"secret\":\"s\"}", "url"},
        {"{\"topic\":\"message.sent\",\"url\":\"/relative/path\",\"secret\":\"s\"}", "url"},
        {"{\"topic\":\"message.sent\",\"url\":\"example.com/hook\",\"secret\":\"s\"}", "url"},
        {"{\"topic\":\"message.sent\",\"url\":\"ftp://example.com/\",\"secret\":\"s\"}",
         "url: must use http or https, not 'ftp'"},
        {"{\"topic\":\"message.sent\",\"url\":\"file:///etc/passwd\",\"secret\":\"s\"}",
         "url: must use http or https"},
        {"{\"topic\":\"message.sent\",\"url\":\"javascript:alert(1)\",\"secret\":\"s\"}",
         "url: must use http or https"},
        {"{\"topic\":\"message.sent\",\"url\":\"http:example.com\",\"secret\":\"s\"}", "url"},
        {"{\"topic\":\"message.sent\",\"url\":\"http://\",\"secret\":\"s\"}",
         "url: must have a host"},
        {"{\"topic\":\"message.sent\",\"url\":\"http:///path\",\"secret\":\"s\"}",
         "url: must have a host"},
        {"{\"topic\":\"message.sent\",\"url\":\"https://:443/x\",\"secret\":\"s\"}",
         "url: must have a host"},
        {"{\"topic\":\"message.sent\",\"url\":\"http://user@/x\",\"secret\":\"s\"}",
         "url: must have a host"},
        {"{\"topic\":\"message.sent\",\"url\":\"http://exa mple.com\",\"secret\":\"s\"}",
         "url: must not contain whitespace"},
        {"{\"topic\":\"message.sent\",\"url\":\" http://example.com\",\"secret\":\"s\"}",
         "url: must not contain whitespace"},
        {"{\"topic\":\"message.sent\",\"url\":\"http://example.com/\\t\",\"secret\":\"s\"}",
         "url: must not contain whitespace"},
        {"{\"topic\":\"message.sent\",\"url\":\"http://example.com/\\n\",\"secret\":\"s\"}",
         "url: must not contain whitespace"},
        {"{\"topic\":\"message.sent\",\"url\":\"http://example.com/\\u0001\",\"secret\":\"s\"}",
         "url: must not contain whitespace or control"},
        {"{\"topic\":\"message.sent\",\"url\":\"http://example.com/\\u007f\",\"secret\":\"s\"}",
         "url: must not contain whitespace or control"},
        /* jansson refuses NUL in strings: the body is invalid JSON */
        {"{\"topic\":\"message.sent\",\"url\":\"http://example.com/\\u0000x\",\"secret\":\"s\"}",
         "body: invalid JSON"},
        {"{\"topic\":\"message.sent\",\"url\":\"http://example.com:0/\",\"secret\":\"s\"}",
         "url: has a port out of range"},
        {"{\"topic\":\"message.sent\",\"url\":\"http://example.com:65536/\",\"secret\":\"s\"}",
         "url: has a port out of range"},
        {"{\"topic\":\"message.sent\",\"url\":\"http://example.com:80a/\",\"secret\":\"s\"}",
         "url: has a port that is not a number"},
        {"{\"topic\":\"message.sent\",\"url\":\"http://example.com:/\",\"secret\":\"s\"}",
         "url: has an empty port"},
        {"{\"topic\":\"message.sent\",\"url\":\"http://[::1/\",\"secret\":\"s\"}", "url"},
        {"{\"topic\":\"message.sent\",\"url\":\"http://exa<mple.com/\",\"secret\":\"s\"}", "url"},
        {"{\"topic\":\"message.sent\",\"url\":\"http://a.b\",\"secret\":\"\"}",
         "secret: must be 1 to 256 bytes (got 0)"},
        {"{\"topic\":\"message.sent\",\"url\":\"http://a.b\",\"secret\":42}",
         "secret: must be a string"},
        {"{\"topic\":\"message.sent\",\"url\":\"http://a.b\",\"secret\":null}",
         "secret: must be a string"},
        {"{\"topic\":\"message.sent\",\"url\":\"http://a.b\",\"secret\":\"a\\u0000b\"}",
         "body: invalid JSON"},
        {"{\"topic\":\"message.sent\",\"url\":\"http://a.b\",\"secret\":\"s\",\"active\":\"yes\"}",
         "active: must be true or false"},
        {"{\"topic\":\"message.sent\",\"url\":\"http://a.b\",\"secret\":\"s\",\"active\":1}",
         "active: must be true or false"},
        {"{\"topic\":\"message.sent\",\"url\":\"http://a.b\",\"secret\":\"s\",\"active\":null}",
         "active: must be true or false"},
    };

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct api_reply r = {0};
        api_send(fx->client, fx->port, "POST", "/api/webhooks", KEY, JSON_TYPE, bad[i].body,
                 strlen(bad[i].body), &r);
        if (r.status != 400 || r.body == NULL || strstr(r.body, bad[i].field) == NULL) {
            fail_msg("case %zu (%s): %ld %s", i, bad[i].body, r.status, r.body ? r.body : "");
        }
        assert_error(&r, 400, bad[i].field);
        assert_string_equal(jstr(r.json, "error"), "Bad Request");
        api_reply_free(&r);
    }

    /* Lengths: url at most 2048 bytes, secret 1 to 256. */
    struct api_reply r = {0};
    char *u = long_url(2049);
    char *b = body_with("message.sent", u, "s");
    send_json(fx, "POST", "/api/webhooks", b, &r);
    assert_error(&r, 400, "url: must be at most 2048 bytes (got 2049)");
    api_reply_free(&r);
    free(b);
    free(u);

    u = long_url(2048);
    b = body_with("message.sent", u, "s");
    assert_int_equal(send_json(fx, "POST", "/api/webhooks", b, &r), 201);
    api_reply_free(&r);
    free(b);
    free(u);

    char secret[258];
    memset(secret, 'k', 257);
    secret[257] = '\0';
    b = body_with("message.sent", "http://a.b", secret);
    send_json(fx, "POST", "/api/webhooks", b, &r);
    assert_error(&r, 400, "secret: must be 1 to 256 bytes (got 257)");
    api_reply_free(&r);
    free(b);

    secret[256] = '\0';
    b = body_with("message.sent", "http://a.b", secret);
    assert_int_equal(send_json(fx, "POST", "/api/webhooks", b, &r), 201);
    api_reply_free(&r);
    free(b);

    /* Nothing invalid was stored: only the two valid ones exist. */
    assert_int_equal(send_json(fx, "GET", "/api/webhooks", NULL, &r), 200);
    assert_int_equal(json_array_size(r.json), 2);
    api_reply_free(&r);
}

/* ---- list, update, delete, restore ------------------------------------------ */

static void list_includes_deleted_unless_asked(void **state)
{
    struct fx *fx = *state;
    char a[IDS_UUID_LEN + 1], b[IDS_UUID_LEN + 1], c[IDS_UUID_LEN + 1];
    char path[128];
    struct api_reply r = {0};

    assert_int_equal(send_json(fx, "GET", "/api/webhooks", NULL, &r), 200);
    assert_true(json_is_array(r.json));
    assert_int_equal(json_array_size(r.json), 0);
    assert_string_equal(r.body, "[]");
    api_reply_free(&r);

    create_hook(fx, "message.received", "http://a.example/1", "secret-one-0001", a);
    create_hook(fx, "message.sent", "http://a.example/2", "secret-two-0002", b);
    create_hook(fx, "stage.changed", "http://a.example/3", "secret-three-03", c);
    snprintf(path, sizeof(path), "/api/webhooks/%s", b);
    assert_int_equal(send_json(fx, "DELETE", path, NULL, &r), 200);
    api_reply_free(&r);

    /* Vambe's list includes soft-deleted webhooks, in creation order. */
    assert_int_equal(send_json(fx, "GET", "/api/webhooks", NULL, &r), 200);
    assert_int_equal(json_array_size(r.json), 3);
    assert_string_equal(jstr(json_array_get(r.json, 0), "id"), a);
    assert_string_equal(jstr(json_array_get(r.json, 1), "id"), b);
    assert_string_equal(jstr(json_array_get(r.json, 2), "id"), c);
    assert_non_null(jstr(json_array_get(r.json, 1), "deleted_at"));
    assert_true(json_is_null(json_object_get(json_array_get(r.json, 0), "deleted_at")));
    api_reply_free(&r);

    const char *live[] = {"false", "0"};
    for (size_t i = 0; i < 2; i++) {
        char q[64];
        snprintf(q, sizeof(q), "/api/webhooks?include_deleted=%s", live[i]);
        assert_int_equal(send_json(fx, "GET", q, NULL, &r), 200);
        assert_int_equal(json_array_size(r.json), 2);
        assert_string_equal(jstr(json_array_get(r.json, 0), "id"), a);
        assert_string_equal(jstr(json_array_get(r.json, 1), "id"), c);
        api_reply_free(&r);
    }
    assert_int_equal(send_json(fx, "GET", "/api/webhooks?include_deleted=true", NULL, &r), 200);
    assert_int_equal(json_array_size(r.json), 3);
    api_reply_free(&r);
    send_json(fx, "GET", "/api/webhooks?include_deleted=maybe", NULL, &r);
    assert_error(&r, 400, "include_deleted");
    api_reply_free(&r);

    /* Each list element is the same object GET /{id} returns. */
    assert_int_equal(send_json(fx, "GET", path, NULL, &r), 200);
    struct api_reply all = {0};
    send_json(fx, "GET", "/api/webhooks", NULL, &all);
    assert_true(json_equal(r.json, json_array_get(all.json, 1)));
    api_reply_free(&all);
    api_reply_free(&r);
}

static void update_is_partial_and_validated(void **state)
{
    struct fx *fx = *state;
    char id[IDS_UUID_LEN + 1];
    char path[128];
    struct api_reply r = {0};
    struct api_reply before = {0};

    create_hook(fx, "message.received", "http://a.example/1", "first-secret-AAAA", id);
    snprintf(path, sizeof(path), "/api/webhooks/%s", id);
    send_json(fx, "GET", path, NULL, &before);

    /* url only: the rest is kept. */
    assert_int_equal(send_json(fx, "PUT", path, "{\"url\":\"https://b.example/2\"}", &r), 200);
    assert_string_equal(jstr(r.json, "url"), "https://b.example/2");
    assert_string_equal(jstr(r.json, "topic"), "message.received");
    assert_string_equal(jstr(r.json, "secret"), "****AAAA");
    assert_true(json_is_true(json_object_get(r.json, "active")));
    assert_string_equal(jstr(r.json, "created_at"), jstr(before.json, "created_at"));
    assert_true(strcmp(jstr(r.json, "updated_at"), jstr(before.json, "updated_at")) >= 0);
    api_reply_free(&r);

    /* every field at once, with an alias and an unknown field */
    assert_int_equal(send_json(fx, "PUT", path,
                               "{\"topic\":\"ticket.opened\",\"secret\":\"second-secret-BBBB\","
                               "\"active\":false,\"color\":\"blue\"}",
                               &r),
                     200);
    assert_string_equal(jstr(r.json, "topic"), "ticket.created");
    assert_string_equal(jstr(r.json, "secret"), "****BBBB");
    assert_true(json_is_false(json_object_get(r.json, "active")));
    assert_string_equal(jstr(r.json, "url"), "https://b.example/2");
    api_reply_free(&r);

    /* The change is what GET and the list now show. */
    assert_int_equal(send_json(fx, "GET", path, NULL, &r), 200);
    assert_true(json_is_false(json_object_get(r.json, "active")));
    assert_string_equal(jstr(r.json, "topic"), "ticket.created");
    api_reply_free(&r);

    /* An empty patch changes nothing. */
    struct api_reply same = {0};
    send_json(fx, "GET", path, NULL, &same);
    assert_int_equal(send_json(fx, "PUT", path, "{}", &r), 200);
    assert_true(json_equal(r.json, same.json));
    api_reply_free(&r);
    api_reply_free(&same);

    /* The same validation as create, field by field. */
    static const struct {
        const char *body;
        const char *field;
    } bad[] = {
        {"{\"topic\":\"nope\"}", "topic"},
        {"{\"url\":\"ftp://x.y\"}", "url"},
        {"{\"url\":\"http://x y\"}", "url"},
        {"{\"secret\":\"\"}", "secret"},
        {"{\"active\":\"true\"}", "active"},
        {"[1]", "body"},
        {"{bad", "body"},
        {"", "body"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        api_send(fx->client, fx->port, "PUT", path, KEY, JSON_TYPE, bad[i].body,
                 strlen(bad[i].body), &r);
        assert_error(&r, 400, bad[i].field);
        api_reply_free(&r);
    }
    /* and a rejected patch changed nothing */
    assert_int_equal(send_json(fx, "GET", path, NULL, &r), 200);
    assert_string_equal(jstr(r.json, "url"), "https://b.example/2");
    api_reply_free(&r);

    send_json(fx, "PUT", "/api/webhooks/00000000-0000-4000-8000-000000000000", "{\"active\":true}",
              &r);
    assert_error(&r, 404, "not found");
    api_reply_free(&r);
    api_reply_free(&before);
}

static void delete_is_soft_and_idempotent(void **state)
{
    struct fx *fx = *state;
    char id[IDS_UUID_LEN + 1];
    char path[128];
    char first_deleted[64];
    struct api_reply r = {0};

    create_hook(fx, "contact.created", "http://a.example/c", "contact-secret-1", id);
    snprintf(path, sizeof(path), "/api/webhooks/%s", id);

    assert_int_equal(send_json(fx, "DELETE", path, NULL, &r), 200);
    assert_string_equal(jstr(r.json, "id"), id);
    assert_non_null(jstr(r.json, "deleted_at"));
    snprintf(first_deleted, sizeof(first_deleted), "%s", jstr(r.json, "deleted_at"));
    api_reply_free(&r);

    /* Again: still 200, the first deletion time kept. */
    assert_int_equal(send_json(fx, "DELETE", path, NULL, &r), 200);
    assert_string_equal(jstr(r.json, "deleted_at"), first_deleted);
    api_reply_free(&r);

    /* Still readable, marked deleted. */
    assert_int_equal(send_json(fx, "GET", path, NULL, &r), 200);
    assert_string_equal(jstr(r.json, "deleted_at"), first_deleted);
    api_reply_free(&r);

    /* A deleted webhook cannot be changed: 409 until restored. */
    send_json(fx, "PUT", path, "{\"active\":false}", &r);
    assert_error(&r, 409, "restore");
    assert_string_equal(jstr(r.json, "error"), "Conflict");
    api_reply_free(&r);

    send_json(fx, "DELETE", "/api/webhooks/00000000-0000-4000-8000-000000000000", NULL, &r);
    assert_error(&r, 404, NULL);
    api_reply_free(&r);
}

static void restore_undoes_the_delete(void **state)
{
    struct fx *fx = *state;
    char id[IDS_UUID_LEN + 1];
    char path[128];
    char restore[160];
    struct api_reply r = {0};

    create_hook(fx, "ticket.updated", "http://a.example/t", "ticket-secret-1", id);
    snprintf(path, sizeof(path), "/api/webhooks/%s", id);
    snprintf(restore, sizeof(restore), "/api/webhooks/%s/restore", id);

    /* Restoring a live webhook is harmless. */
    assert_int_equal(send_json(fx, "POST", restore, NULL, &r), 200);
    assert_true(json_is_null(json_object_get(r.json, "deleted_at")));
    api_reply_free(&r);

    assert_int_equal(send_json(fx, "DELETE", path, NULL, &r), 200);
    api_reply_free(&r);
    assert_int_equal(send_json(fx, "POST", restore, NULL, &r), 200);
    assert_string_equal(jstr(r.json, "id"), id);
    assert_true(json_is_null(json_object_get(r.json, "deleted_at")));
    assert_string_equal(jstr(r.json, "url"), "http://a.example/t");
    api_reply_free(&r);

    /* Live again: it can be changed and is in the live list. */
    assert_int_equal(send_json(fx, "PUT", path, "{\"active\":false}", &r), 200);
    api_reply_free(&r);
    assert_int_equal(send_json(fx, "GET", "/api/webhooks?include_deleted=false", NULL, &r), 200);
    assert_int_equal(json_array_size(r.json), 1);
    api_reply_free(&r);

    send_json(fx, "POST", "/api/webhooks/00000000-0000-4000-8000-000000000000/restore", NULL, &r);
    assert_error(&r, 404, NULL);
    api_reply_free(&r);
}

static void topics_are_the_catalogue(void **state)
{
    struct fx *fx = *state;
    struct api_reply r = {0};

    assert_int_equal(send_json(fx, "GET", "/api/webhooks/topics", NULL, &r), 200);
    assert_true(json_is_array(r.json));
    assert_int_equal(json_array_size(r.json), 8);
    assert_int_equal(json_array_size(r.json), topics_count());
    for (size_t i = 0; i < topics_count(); i++) {
        assert_string_equal(json_string_value(json_array_get(r.json, i)), topics_at(i)->name);
    }
    assert_true(header_has(&r, "Content-Type: application/json"));
    api_reply_free(&r);

    send_json(fx, "POST", "/api/webhooks/topics", "{}", &r);
    assert_error(&r, 405, NULL);
    api_reply_free(&r);
}

static void secrets_never_returned(void **state)
{
    struct fx *fx = *state;
    const char *secret = "sk_live_DO-NOT-LEAK-4f1c2d";
    const char *secret2 = "another-SECRET-zz99-q7";
    const char *short_secret = "abcd";
    char id[IDS_UUID_LEN + 1];
    char id2[IDS_UUID_LEN + 1];
    char path[128];
    char paths[8][192];
    struct api_reply r = {0};

    create_hook(fx, "message.sent", "http://a.example/s", secret, id);
    create_hook(fx, "message.sent", "http://a.example/t", short_secret, id2);
    snprintf(path, sizeof(path), "/api/webhooks/%s", id);

    /* Every answer that carries a webhook, after each kind of change. */
    char *body = body_with("message.sent", "http://a.example/s", secret);
    send_json(fx, "POST", "/api/webhooks", body, &r);
    assert_int_equal(r.status, 201);
    assert_null(strstr(r.body, secret));
    api_reply_free(&r);
    free(body);

    char put[192];
    snprintf(put, sizeof(put), "{\"secret\":\"%s\"}", secret2);
    send_json(fx, "PUT", path, put, &r);
    assert_int_equal(r.status, 200);
    assert_null(strstr(r.body, secret2));
    assert_string_equal(jstr(r.json, "secret"), "****9-q7");
    api_reply_free(&r);

    snprintf(paths[0], sizeof(paths[0]), "/api/webhooks");
    snprintf(paths[1], sizeof(paths[1]), "/api/webhooks?include_deleted=false");
    snprintf(paths[2], sizeof(paths[2]), "/api/webhooks/%s", id);
    snprintf(paths[3], sizeof(paths[3]), "/api/webhooks/%s", id2);
    snprintf(paths[4], sizeof(paths[4]), "/api/webhooks/calls");
    for (int i = 0; i < 5; i++) {
        send_json(fx, "GET", paths[i], NULL, &r);
        assert_int_equal(r.status, 200);
        assert_null(strstr(r.body, secret));
        assert_null(strstr(r.body, secret2));
        assert_null(strstr(r.body, short_secret));
        api_reply_free(&r);
    }
    /* A short secret is masked entirely. */
    send_json(fx, "GET", paths[3], NULL, &r);
    assert_string_equal(jstr(r.json, "secret"), "****");
    api_reply_free(&r);

    send_json(fx, "DELETE", path, NULL, &r);
    assert_null(strstr(r.body, secret2));
    api_reply_free(&r);
    snprintf(put, sizeof(put), "%s/restore", path);
    send_json(fx, "POST", put, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_null(strstr(r.body, secret2));
    api_reply_free(&r);
}

/* ---- the call log --------------------------------------------------------- */

#define T0 1727690400000ull /* 2024-09-30T10:00:00.000Z */

static const char *const HOOK_A = "aaaaaaaa-0000-4000-8000-000000000001";
static const char *const HOOK_B = "bbbbbbbb-0000-4000-8000-000000000002";

/* Inserts seven records, one second apart (oldest first):
 *   0 A message.received evt_0 failed        5 B ticket.closed  evt_2 succeeded
 *   1 A message.received evt_0 succeeded     6 A stage.changed  evt_3 gave_up
 *   2 B message.received evt_1 retry_sched.
 *   3 B message.received evt_1 succeeded
 *   4 A ticket.closed    evt_2 succeeded */
static void insert_calls(struct fx *fx)
{
    static const struct {
        const char *hook;
        const char *topic;
        const char *event;
        const char *outcome;
        int status;
    } rows[] = {
        {"A", "message.received", "evt_0", "failed", 500},
        {"A", "message.received", "evt_0", "succeeded", 200},
        {"B", "message.received", "evt_1", "retry_scheduled", 0},
        {"B", "message.received", "evt_1", "succeeded", 200},
        {"A", "ticket.closed", "evt_2", "succeeded", 200},
        {"B", "ticket.closed", "evt_2", "succeeded", 204},
        {"A", "stage.changed", "evt_3", "gave_up", 503},
    };
    struct ms_call calls[7];
    struct err e = {{0}};

    memset(calls, 0, sizeof(calls));
    for (size_t i = 0; i < 7; i++) {
        struct ms_call *c = &calls[i];
        snprintf(c->id, sizeof(c->id), "cccccccc-0000-4000-8000-%012zu", i);
        snprintf(c->webhook_id, sizeof(c->webhook_id), "%s",
                 rows[i].hook[0] == 'A' ? HOOK_A : HOOK_B);
        snprintf(c->event_id, sizeof(c->event_id), "%s", rows[i].event);
        snprintf(c->topic, sizeof(c->topic), "%s", rows[i].topic);
        c->outcome = ms_outcome_parse(rows[i].outcome);
        c->attempt = (i == 1 || i == 3) ? 2 : 1;
        c->url = "http://receiver.example/hook";
        c->request_headers = "{\"x-vambe-event\":\"message.received\"}";
        c->request_body = "{\"id\":\"evt\"}";
        c->response_status = rows[i].status;
        c->response_headers = rows[i].status ? "{\"content-type\":\"text/plain\"}" : NULL;
        c->response_body = rows[i].status ? "ok" : NULL;
        c->duration_ms = rows[i].status ? (int64_t)(10 + i) : -1;
        c->error = rows[i].status ? NULL : "timeout";
        c->scheduled_ms = T0 + i * 1000;
        c->sent_ms = T0 + i * 1000 + 5;
        c->next_attempt_ms = strcmp(rows[i].outcome, "retry_scheduled") == 0 ? T0 + 60000 : 0;
        c->created_ms = T0 + i * 1000;
    }
    if (ms_store_calls_insert(ms_server_store(fx->srv), calls, 7, &e) != 0) {
        fail_msg("insert: %s", e.msg);
    }
}

/* GETs the call log with query q; asserts 200 and the ids (by index into
 * insert_calls' rows, newest first) and the total. */
static void expect_calls(struct fx *fx, const char *q, long total, const int *idx, size_t n)
{
    char path[512];
    struct api_reply r = {0};

    snprintf(path, sizeof(path), "/api/webhooks/calls%s", q);
    send_json(fx, "GET", path, NULL, &r);
    if (r.status != 200) {
        fail_msg("%s: %ld %s", q, r.status, r.body);
    }
    json_t *data = json_object_get(r.json, "data");
    assert_true(json_is_array(data));
    if (json_array_size(data) != n ||
        json_integer_value(json_object_get(r.json, "total")) != total) {
        fail_msg("%s: expected %zu of %ld, got %s", q, n, total, r.body);
    }
    for (size_t i = 0; i < n; i++) {
        char want[64];
        snprintf(want, sizeof(want), "cccccccc-0000-4000-8000-%012d", idx[i]);
        assert_string_equal(jstr(json_array_get(data, i), "id"), want);
    }
    api_reply_free(&r);
}

static void calls_record_shape(void **state)
{
    struct fx *fx = *state;
    struct api_reply r = {0};
    static const char *const fields[] = {
        "id",
        "webhook_id",
        "event_id",
        "topic",
        "attempt",
        "url",
        "request_headers",
        "request_body",
        "response_status",
        "response_headers",
        "response_body",
        "duration_ms",
        "error",
        "outcome",
        "scheduled_at",
        "sent_at",
        "next_attempt_at",
    };

    insert_calls(fx);
    assert_int_equal(send_json(fx, "GET", "/api/webhooks/calls", NULL, &r), 200);
    assert_int_equal(json_integer_value(json_object_get(r.json, "page")), 1);
    assert_int_equal(json_integer_value(json_object_get(r.json, "limit")), 50);
    assert_int_equal(json_integer_value(json_object_get(r.json, "total")), 7);
    json_t *data = json_object_get(r.json, "data");
    for (size_t i = 0; i < json_array_size(data); i++) {
        for (size_t k = 0; k < sizeof(fields) / sizeof(fields[0]); k++) {
            if (json_object_get(json_array_get(data, i), fields[k]) == NULL) {
                fail_msg("record %zu lacks %s", i, fields[k]);
            }
        }
    }
    /* Newest first: row 6 (gave up), then row 5. */
    json_t *gave_up = json_array_get(data, 0);
    assert_string_equal(jstr(gave_up, "outcome"), "gave_up");
    assert_int_equal(json_integer_value(json_object_get(gave_up, "response_status")), 503);
    assert_int_equal(json_integer_value(json_object_get(gave_up, "attempt")), 1);
    assert_int_equal(json_integer_value(json_object_get(gave_up, "duration_ms")), 16);
    assert_true(json_is_null(json_object_get(gave_up, "error")));
    assert_string_equal(jstr(gave_up, "sent_at"), "2024-09-30T10:00:06.005Z");
    assert_true(json_is_object(json_object_get(gave_up, "request_headers")));
    assert_string_equal(jstr(json_object_get(gave_up, "request_headers"), "x-vambe-event"),
                        "message.received");
    /* Row 2 had no response: status, headers and body are null. */
    json_t *pending = json_array_get(data, 4);
    assert_string_equal(jstr(pending, "outcome"), "retry_scheduled");
    assert_true(json_is_null(json_object_get(pending, "response_status")));
    assert_true(json_is_null(json_object_get(pending, "response_body")));
    assert_true(json_is_null(json_object_get(pending, "duration_ms")));
    assert_string_equal(jstr(pending, "error"), "timeout");
    assert_string_equal(jstr(pending, "next_attempt_at"), "2024-09-30T10:01:00.000Z");
    api_reply_free(&r);
}

static void calls_pagination_edges(void **state)
{
    struct fx *fx = *state;
    struct api_reply r = {0};
    const int all[] = {6, 5, 4, 3, 2, 1, 0};

    expect_calls(fx, "", 0, NULL, 0);
    insert_calls(fx);
    expect_calls(fx, "", 7, all, 7);
    expect_calls(fx, "?limit=1", 7, all, 1);
    expect_calls(fx, "?limit=500", 7, all, 7);
    expect_calls(fx, "?limit=3&page=1", 7, all, 3);
    expect_calls(fx, "?limit=3&page=2", 7, all + 3, 3);
    expect_calls(fx, "?limit=3&page=3", 7, all + 6, 1);
    expect_calls(fx, "?limit=3&page=4", 7, NULL, 0);
    expect_calls(fx, "?limit=1&page=7", 7, all + 6, 1);
    expect_calls(fx, "?page=1000000000", 7, NULL, 0);

    assert_int_equal(send_json(fx, "GET", "/api/webhooks/calls?limit=2&page=2", NULL, &r), 200);
    assert_int_equal(json_integer_value(json_object_get(r.json, "page")), 2);
    assert_int_equal(json_integer_value(json_object_get(r.json, "limit")), 2);
    api_reply_free(&r);

    static const struct {
        const char *q;
        const char *field;
    } bad[] = {
        {"?limit=0", "limit"},
        {"?limit=501", "limit: must be between 1 and 500"},
        {"?limit=-1", "limit"},
        {"?limit=abc", "limit"},
        {"?limit=", "limit"},
        {"?limit=10x", "limit"},
        {"?limit=99999999999999999999", "limit"},
        {"?page=0", "page"},
        {"?page=-2", "page"},
        {"?page=two", "page"},
        {"?page=1000000001", "page"},
        {"?outcome=ok", "outcome"},
        {"?since=yesterday", "since"},
        {"?until=2024-13-01", "until"},
        {"?since=2024-09-30T10:00:00", "since"},
        {"?since=2024-09-30T10:00:05Z&until=2024-09-30T10:00:01Z", "until: must be after since"},
        {"?webhook_id=", "webhook_id"},
        {"?topic=", "topic"},
        {"?event_id=", "event_id"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char path[256];
        snprintf(path, sizeof(path), "/api/webhooks/calls%s", bad[i].q);
        send_json(fx, "GET", path, NULL, &r);
        if (r.status != 400) {
            fail_msg("%s: %ld %s", bad[i].q, r.status, r.body);
        }
        assert_error(&r, 400, bad[i].field);
        api_reply_free(&r);
    }
}

static void calls_filters(void **state)
{
    struct fx *fx = *state;
    char q[512];

    insert_calls(fx);
    snprintf(q, sizeof(q), "?webhook_id=%s", HOOK_A);
    expect_calls(fx, q, 4, (const int[]){6, 4, 1, 0}, 4);
    snprintf(q, sizeof(q), "?webhook_id=%s", HOOK_B);
    expect_calls(fx, q, 3, (const int[]){5, 3, 2}, 3);
    expect_calls(fx, "?webhook_id=00000000-0000-4000-8000-000000000000", 0, NULL, 0);
    expect_calls(fx, "?topic=message.received", 4, (const int[]){3, 2, 1, 0}, 4);
    expect_calls(fx, "?topic=future.topic", 0, NULL, 0);
    expect_calls(fx, "?event_id=evt_2", 2, (const int[]){5, 4}, 2);
    expect_calls(fx, "?outcome=succeeded", 4, (const int[]){5, 4, 3, 1}, 4);
    expect_calls(fx, "?outcome=gave_up", 1, (const int[]){6}, 1);
    expect_calls(fx, "?outcome=webhook_disabled", 0, NULL, 0);
    /* since is inclusive, until exclusive; ISO-8601 or epoch ms */
    expect_calls(fx, "?since=2024-09-30T10:00:05.000Z", 2, (const int[]){6, 5}, 2);
    expect_calls(fx, "?until=2024-09-30T10:00:02Z", 2, (const int[]){1, 0}, 2);
    expect_calls(fx, "?since=1727690402000&until=1727690404000", 2, (const int[]){3, 2}, 2);
    expect_calls(fx, "?since=2024-09-30T12:00:02%2B02:00&until=2024-10-01", 5,
                 (const int[]){6, 5, 4, 3, 2}, 5);
    /* combined */
    snprintf(q, sizeof(q), "?webhook_id=%s&outcome=succeeded&topic=ticket.closed", HOOK_A);
    expect_calls(fx, q, 1, (const int[]){4}, 1);
    snprintf(q, sizeof(q),
             "?webhook_id=%s&topic=message.received&event_id=evt_0&outcome=failed"
             "&since=1727690400000&until=1727690401000",
             HOOK_A);
    expect_calls(fx, q, 1, (const int[]){0}, 1);
    snprintf(q, sizeof(q), "?webhook_id=%s&topic=message.received&limit=1&page=2", HOOK_B);
    expect_calls(fx, q, 2, (const int[]){2}, 1);
}

/* Concurrent creates through the thread pool: none lost, the cached list
 * holds them all. */
static void concurrent_creates(void **state)
{
    struct fx *fx = *state;
    enum { N = 64 };
    struct http_request req[N];
    struct http_response resp[N];
    char url[128];
    const char *headers[] = {"x-api-key: " KEY, "Content-Type: application/json"};
    char bodies[N][160];
    struct api_reply r = {0};

    snprintf(url, sizeof(url), "http://127.0.0.1:%u/api/webhooks", fx->port);
    memset(req, 0, sizeof(req));
    memset(resp, 0, sizeof(resp));
    for (int i = 0; i < N; i++) {
        snprintf(bodies[i], sizeof(bodies[i]),
                 "{\"topic\":\"message.sent\",\"url\":\"http://h.example/%d\",\"secret\":\"s-%d\"}",
                 i, i);
        req[i].method = "POST";
        req[i].url = url;
        req[i].headers = headers;
        req[i].n_headers = 2;
        req[i].body = bodies[i];
        req[i].body_len = strlen(bodies[i]);
        req[i].timeout_ms = 10000;
    }
    assert_int_equal(http_client_run(fx->client, req, resp, N, 16), 0);
    for (int i = 0; i < N; i++) {
        assert_int_equal(resp[i].error, HTTP_ERROR_NONE);
        assert_int_equal(resp[i].status, 201);
        http_response_cleanup(&resp[i]);
    }
    assert_int_equal(send_json(fx, "GET", "/api/webhooks", NULL, &r), 200);
    assert_int_equal(json_array_size(r.json), N);
    api_reply_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(health_needs_no_key, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(every_api_route_needs_the_key, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(unknown_paths_and_methods, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(body_over_one_mib_is_413, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(non_json_content_type_is_415, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(create_then_get, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(create_accepts, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(create_rejects, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(list_includes_deleted_unless_asked, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(update_is_partial_and_validated, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(delete_is_soft_and_idempotent, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(restore_undoes_the_delete, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(topics_are_the_catalogue, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(secrets_never_returned, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(calls_record_shape, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(calls_pagination_edges, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(calls_filters, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(concurrent_creates, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
