/* The mock's management and control APIs, in process: a fresh ms_server on
 * 127.0.0.1 port 0 (in-memory store) per test, driven over HTTP with the
 * kit's client (support/api_fx.h). Here: health, the key, routing, body
 * limits, and creating webhooks; the rest of the webhook API is in
 * test_mock_api_webhooks.c, the call log in test_mock_api_calls.c. */
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
#include "core/ids.h"
#include "support/api.h"
#include "support/api_fx.h"

/* ---- health, auth, routing ---------------------------------------------- */

static void health_needs_no_key(void **state)
{
    struct api_fx *fx = *state;
    struct api_reply r = {0};

    api_send(fx->client, fx->port, "GET", "/mock/health", NULL, NULL, NULL, 0, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(api_fx_jstr(r.json, "status"), "ok");
    assert_string_equal(api_fx_jstr(r.json, "version"), VAMBE_VERSION);
    api_reply_free(&r);
}

static void every_api_route_needs_the_key(void **state)
{
    struct api_fx *fx = *state;
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
            api_fx_assert_error(&r, 401, "x-api-key");
            assert_string_equal(api_fx_jstr(r.json, "error"), "Unauthorized");
            api_reply_free(&r);
        }
    }
    /* The right key gets through. */
    struct api_reply ok = {0};
    assert_int_equal(api_fx_send(fx, "GET", "/api/webhooks", NULL, &ok), 200);
    api_reply_free(&ok);
}

static void unknown_paths_and_methods(void **state)
{
    struct api_fx *fx = *state;
    struct api_reply r = {0};

    api_fx_send(fx, "GET", "/api/nothing", NULL, &r);
    api_fx_assert_error(&r, 404, "/api/nothing");
    assert_string_equal(api_fx_jstr(r.json, "error"), "Not Found");
    api_reply_free(&r);

    api_fx_send(fx, "PATCH", "/api/webhooks", "{}", &r);
    api_fx_assert_error(&r, 405, "PATCH");
    assert_true(api_fx_header_has(&r, "Allow: GET, POST"));
    api_reply_free(&r);

    api_fx_send(fx, "DELETE", "/api/webhooks", NULL, &r);
    api_fx_assert_error(&r, 405, NULL);
    api_reply_free(&r);

    api_fx_send(fx, "GET", "/api/webhooks/x/restore", NULL, &r);
    api_fx_assert_error(&r, 405, NULL);
    assert_true(api_fx_header_has(&r, "Allow: POST"));
    api_reply_free(&r);

    /* The literal sub-resources take only GET. */
    api_fx_send(fx, "PUT", "/api/webhooks/topics", "{}", &r);
    api_fx_assert_error(&r, 405, NULL);
    assert_true(api_fx_header_has(&r, "Allow: GET"));
    api_reply_free(&r);

    api_fx_send(fx, "DELETE", "/api/webhooks/calls", NULL, &r);
    api_fx_assert_error(&r, 405, NULL);
    assert_true(api_fx_header_has(&r, "Allow: GET"));
    api_reply_free(&r);

    api_fx_send(fx, "POST", "/mock/health", "{}", &r);
    api_fx_assert_error(&r, 405, NULL);
    api_reply_free(&r);
}

static void body_over_one_mib_is_413(void **state)
{
    struct api_fx *fx = *state;
    size_t len = 1024 * 1024 + 1;
    char *big = malloc(len);
    struct api_reply r = {0};

    assert_non_null(big);
    memset(big, ' ', len);
    big[0] = '{';
    big[len - 1] = '}';
    api_send(fx->client, fx->port, "POST", "/api/webhooks", KEY, JSON_TYPE, big, len, &r);
    api_fx_assert_error(&r, 413, NULL);
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
    api_fx_assert_error(&r, 400, "topic");
    api_reply_free(&r);
    free(big);
}

static void non_json_content_type_is_415(void **state)
{
    struct api_fx *fx = *state;
    const char *body = "{\"topic\":\"message.sent\",\"url\":\"http://a.example\",\"secret\":\"s\"}";
    const char *bad[] = {"text/plain", "application/x-www-form-urlencoded", "application/xml",
                         "multipart/form-data; boundary=x", "application/jsonx"};
    char id[IDS_UUID_LEN + 1];
    char path[128];
    struct api_reply r = {0};

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        api_send(fx->client, fx->port, "POST", "/api/webhooks", KEY, bad[i], body, strlen(body),
                 &r);
        api_fx_assert_error(&r, 415, "Content-Type");
        api_reply_free(&r);
    }
    api_fx_create_hook(fx, "message.sent", "http://a.example/h", "secret-value", id);
    snprintf(path, sizeof(path), "/api/webhooks/%s", id);
    api_send(fx->client, fx->port, "PUT", path, KEY, "text/plain", "{}", 2, &r);
    api_fx_assert_error(&r, 415, NULL);
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
    struct api_fx *fx = *state;
    char id[IDS_UUID_LEN + 1];
    char path[128];
    struct api_reply r = {0};
    uint64_t before = clock_wall_ms();

    api_fx_send(fx, "POST", "/api/webhooks",
                "{\"topic\":\"ticket.opened\",\"url\":\"https://example.com/hooks/vambe\","
                "\"secret\":\"whsec_abcdefghijklmnop\"}",
                &r);
    assert_int_equal(r.status, 201);
    assert_int_equal(json_object_size(r.json), 2);
    assert_string_equal(api_fx_jstr(r.json, "status"), "created");
    snprintf(id, sizeof(id), "%s", api_fx_jstr(r.json, "id"));
    assert_true(ids_is_uuid(id));
    snprintf(path, sizeof(path), "Location: /api/webhooks/%s", id);
    assert_true(api_fx_header_has(&r, path));
    api_reply_free(&r);

    snprintf(path, sizeof(path), "/api/webhooks/%s", id);
    assert_int_equal(api_fx_send(fx, "GET", path, NULL, &r), 200);
    assert_string_equal(api_fx_jstr(r.json, "id"), id);
    /* The alias is stored under its canonical name. */
    assert_string_equal(api_fx_jstr(r.json, "topic"), "ticket.created");
    assert_string_equal(api_fx_jstr(r.json, "url"), "https://example.com/hooks/vambe");
    assert_string_equal(api_fx_jstr(r.json, "secret"), "****mnop");
    assert_true(json_is_true(json_object_get(r.json, "active")));
    assert_true(json_is_null(json_object_get(r.json, "deleted_at")));
    assert_non_null(api_fx_jstr(r.json, "created_at"));
    assert_string_equal(api_fx_jstr(r.json, "created_at"), api_fx_jstr(r.json, "updated_at"));
    char earliest[32];
    clock_iso8601(before - before % 1000, earliest, sizeof(earliest));
    assert_true(strcmp(api_fx_jstr(r.json, "created_at"), earliest) >= 0);
    api_reply_free(&r);

    assert_int_equal(
        api_fx_send(fx, "GET", "/api/webhooks/00000000-0000-4000-8000-000000000000", NULL, &r),
        404);
    api_fx_assert_error(&r, 404, "00000000-0000-4000-8000-000000000000");
    api_reply_free(&r);
    assert_int_equal(api_fx_send(fx, "GET", "/api/webhooks/not-a-uuid", NULL, &r), 404);
    api_reply_free(&r);
}

static void create_accepts(void **state)
{
    struct api_fx *fx = *state;
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
        api_fx_send(fx, "POST", "/api/webhooks", ok[i].body, &r);
        if (r.status != 201) {
            fail_msg("case %zu: %ld %s", i, r.status, r.body);
        }
        snprintf(path, sizeof(path), "/api/webhooks/%s", api_fx_jstr(r.json, "id"));
        assert_string_not_equal(api_fx_jstr(r.json, "id"), "mine");
        api_reply_free(&r);
        assert_int_equal(api_fx_send(fx, "GET", path, NULL, &r), 200);
        assert_string_equal(api_fx_jstr(r.json, "topic"), ok[i].topic);
        assert_string_equal(api_fx_jstr(r.json, "url"), ok[i].url);
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

static void create_rejects(void **state)
{
    struct api_fx *fx = *state;
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
        api_fx_assert_error(&r, 400, bad[i].field);
        assert_string_equal(api_fx_jstr(r.json, "error"), "Bad Request");
        api_reply_free(&r);
    }

    /* Lengths: url at most 2048 bytes, secret 1 to 256. */
    struct api_reply r = {0};
    char *u = long_url(2049);
    char *b = api_fx_body_with("message.sent", u, "s");
    api_fx_send(fx, "POST", "/api/webhooks", b, &r);
    api_fx_assert_error(&r, 400, "url: must be at most 2048 bytes (got 2049)");
    api_reply_free(&r);
    free(b);
    free(u);

    u = long_url(2048);
    b = api_fx_body_with("message.sent", u, "s");
    assert_int_equal(api_fx_send(fx, "POST", "/api/webhooks", b, &r), 201);
    api_reply_free(&r);
    free(b);
    free(u);

    char secret[258];
    memset(secret, 'k', 257);
    secret[257] = '\0';
    b = api_fx_body_with("message.sent", "http://a.b", secret);
    api_fx_send(fx, "POST", "/api/webhooks", b, &r);
    api_fx_assert_error(&r, 400, "secret: must be 1 to 256 bytes (got 257)");
    api_reply_free(&r);
    free(b);

    secret[256] = '\0';
    b = api_fx_body_with("message.sent", "http://a.b", secret);
    assert_int_equal(api_fx_send(fx, "POST", "/api/webhooks", b, &r), 201);
    api_reply_free(&r);
    free(b);

    /* Nothing invalid was stored: only the two valid ones exist. */
    assert_int_equal(api_fx_send(fx, "GET", "/api/webhooks", NULL, &r), 200);
    assert_int_equal(json_array_size(r.json), 2);
    api_reply_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(health_needs_no_key, api_fx_setup, api_fx_teardown),
        cmocka_unit_test_setup_teardown(every_api_route_needs_the_key, api_fx_setup,
                                        api_fx_teardown),
        cmocka_unit_test_setup_teardown(unknown_paths_and_methods, api_fx_setup, api_fx_teardown),
        cmocka_unit_test_setup_teardown(body_over_one_mib_is_413, api_fx_setup, api_fx_teardown),
        cmocka_unit_test_setup_teardown(non_json_content_type_is_415, api_fx_setup,
                                        api_fx_teardown),
        cmocka_unit_test_setup_teardown(create_then_get, api_fx_setup, api_fx_teardown),
        cmocka_unit_test_setup_teardown(create_accepts, api_fx_setup, api_fx_teardown),
        cmocka_unit_test_setup_teardown(create_rejects, api_fx_setup, api_fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
