/* The mock's webhook API after a create, in process (support/api_fx.h):
 * listing, partial updates, soft deletes and restores, the topic
 * catalogue, secrets never returned, and concurrent creates. */
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

#include "core/http_client.h"
#include "core/ids.h"
#include "core/topics.h"
#include "support/api.h"
#include "support/api_fx.h"

/* ---- list, update, delete, restore ------------------------------------------ */

static void list_includes_deleted_unless_asked(void **state)
{
    struct api_fx *fx = *state;
    char a[IDS_UUID_LEN + 1], b[IDS_UUID_LEN + 1], c[IDS_UUID_LEN + 1];
    char path[128];
    struct api_reply r = {0};

    assert_int_equal(api_fx_send(fx, "GET", "/api/webhooks", NULL, &r), 200);
    assert_true(json_is_array(r.json));
    assert_int_equal(json_array_size(r.json), 0);
    assert_string_equal(r.body, "[]");
    api_reply_free(&r);

    api_fx_create_hook(fx, "message.received", "http://a.example/1", "secret-one-0001", a);
    api_fx_create_hook(fx, "message.sent", "http://a.example/2", "secret-two-0002", b);
    api_fx_create_hook(fx, "stage.changed", "http://a.example/3", "secret-three-03", c);
    snprintf(path, sizeof(path), "/api/webhooks/%s", b);
    assert_int_equal(api_fx_send(fx, "DELETE", path, NULL, &r), 200);
    api_reply_free(&r);

    /* Vambe's list includes soft-deleted webhooks, in creation order. */
    assert_int_equal(api_fx_send(fx, "GET", "/api/webhooks", NULL, &r), 200);
    assert_int_equal(json_array_size(r.json), 3);
    assert_string_equal(api_fx_jstr(json_array_get(r.json, 0), "id"), a);
    assert_string_equal(api_fx_jstr(json_array_get(r.json, 1), "id"), b);
    assert_string_equal(api_fx_jstr(json_array_get(r.json, 2), "id"), c);
    assert_non_null(api_fx_jstr(json_array_get(r.json, 1), "deleted_at"));
    assert_true(json_is_null(json_object_get(json_array_get(r.json, 0), "deleted_at")));
    api_reply_free(&r);

    const char *live[] = {"false", "0"};
    for (size_t i = 0; i < 2; i++) {
        char q[64];
        snprintf(q, sizeof(q), "/api/webhooks?include_deleted=%s", live[i]);
        assert_int_equal(api_fx_send(fx, "GET", q, NULL, &r), 200);
        assert_int_equal(json_array_size(r.json), 2);
        assert_string_equal(api_fx_jstr(json_array_get(r.json, 0), "id"), a);
        assert_string_equal(api_fx_jstr(json_array_get(r.json, 1), "id"), c);
        api_reply_free(&r);
    }
    assert_int_equal(api_fx_send(fx, "GET", "/api/webhooks?include_deleted=true", NULL, &r), 200);
    assert_int_equal(json_array_size(r.json), 3);
    api_reply_free(&r);
    api_fx_send(fx, "GET", "/api/webhooks?include_deleted=maybe", NULL, &r);
    api_fx_assert_error(&r, 400, "include_deleted");
    api_reply_free(&r);

    /* Each list element is the same object GET /{id} returns. */
    assert_int_equal(api_fx_send(fx, "GET", path, NULL, &r), 200);
    struct api_reply all = {0};
    api_fx_send(fx, "GET", "/api/webhooks", NULL, &all);
    assert_true(json_equal(r.json, json_array_get(all.json, 1)));
    api_reply_free(&all);
    api_reply_free(&r);
}

static void update_is_partial_and_validated(void **state)
{
    struct api_fx *fx = *state;
    char id[IDS_UUID_LEN + 1];
    char path[128];
    struct api_reply r = {0};
    struct api_reply before = {0};

    api_fx_create_hook(fx, "message.received", "http://a.example/1", "first-secret-AAAA", id);
    snprintf(path, sizeof(path), "/api/webhooks/%s", id);
    api_fx_send(fx, "GET", path, NULL, &before);

    /* url only: the rest is kept. */
    assert_int_equal(api_fx_send(fx, "PUT", path, "{\"url\":\"https://b.example/2\"}", &r), 200);
    assert_string_equal(api_fx_jstr(r.json, "url"), "https://b.example/2");
    assert_string_equal(api_fx_jstr(r.json, "topic"), "message.received");
    assert_string_equal(api_fx_jstr(r.json, "secret"), "****AAAA");
    assert_true(json_is_true(json_object_get(r.json, "active")));
    assert_string_equal(api_fx_jstr(r.json, "created_at"), api_fx_jstr(before.json, "created_at"));
    assert_true(strcmp(api_fx_jstr(r.json, "updated_at"), api_fx_jstr(before.json, "updated_at")) >=
                0);
    api_reply_free(&r);

    /* every field at once, with an alias and an unknown field */
    assert_int_equal(api_fx_send(fx, "PUT", path,
                                 "{\"topic\":\"ticket.opened\",\"secret\":\"second-secret-BBBB\","
                                 "\"active\":false,\"color\":\"blue\"}",
                                 &r),
                     200);
    assert_string_equal(api_fx_jstr(r.json, "topic"), "ticket.created");
    assert_string_equal(api_fx_jstr(r.json, "secret"), "****BBBB");
    assert_true(json_is_false(json_object_get(r.json, "active")));
    assert_string_equal(api_fx_jstr(r.json, "url"), "https://b.example/2");
    api_reply_free(&r);

    /* The change is what GET and the list now show. */
    assert_int_equal(api_fx_send(fx, "GET", path, NULL, &r), 200);
    assert_true(json_is_false(json_object_get(r.json, "active")));
    assert_string_equal(api_fx_jstr(r.json, "topic"), "ticket.created");
    api_reply_free(&r);

    /* An empty patch changes nothing. */
    struct api_reply same = {0};
    api_fx_send(fx, "GET", path, NULL, &same);
    assert_int_equal(api_fx_send(fx, "PUT", path, "{}", &r), 200);
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
        api_fx_assert_error(&r, 400, bad[i].field);
        api_reply_free(&r);
    }
    /* and a rejected patch changed nothing */
    assert_int_equal(api_fx_send(fx, "GET", path, NULL, &r), 200);
    assert_string_equal(api_fx_jstr(r.json, "url"), "https://b.example/2");
    api_reply_free(&r);

    api_fx_send(fx, "PUT", "/api/webhooks/00000000-0000-4000-8000-000000000000",
                "{\"active\":true}", &r);
    api_fx_assert_error(&r, 404, "not found");
    api_reply_free(&r);
    api_reply_free(&before);
}

static void delete_is_soft_and_idempotent(void **state)
{
    struct api_fx *fx = *state;
    char id[IDS_UUID_LEN + 1];
    char path[128];
    char first_deleted[64];
    struct api_reply r = {0};

    api_fx_create_hook(fx, "contact.created", "http://a.example/c", "contact-secret-1", id);
    snprintf(path, sizeof(path), "/api/webhooks/%s", id);

    assert_int_equal(api_fx_send(fx, "DELETE", path, NULL, &r), 200);
    assert_string_equal(api_fx_jstr(r.json, "id"), id);
    assert_non_null(api_fx_jstr(r.json, "deleted_at"));
    snprintf(first_deleted, sizeof(first_deleted), "%s", api_fx_jstr(r.json, "deleted_at"));
    api_reply_free(&r);

    /* Again: still 200, the first deletion time kept. */
    assert_int_equal(api_fx_send(fx, "DELETE", path, NULL, &r), 200);
    assert_string_equal(api_fx_jstr(r.json, "deleted_at"), first_deleted);
    api_reply_free(&r);

    /* Still readable, marked deleted. */
    assert_int_equal(api_fx_send(fx, "GET", path, NULL, &r), 200);
    assert_string_equal(api_fx_jstr(r.json, "deleted_at"), first_deleted);
    api_reply_free(&r);

    /* A deleted webhook cannot be changed: 409 until restored. */
    api_fx_send(fx, "PUT", path, "{\"active\":false}", &r);
    api_fx_assert_error(&r, 409, "restore");
    assert_string_equal(api_fx_jstr(r.json, "error"), "Conflict");
    api_reply_free(&r);

    api_fx_send(fx, "DELETE", "/api/webhooks/00000000-0000-4000-8000-000000000000", NULL, &r);
    api_fx_assert_error(&r, 404, NULL);
    api_reply_free(&r);
}

static void restore_undoes_the_delete(void **state)
{
    struct api_fx *fx = *state;
    char id[IDS_UUID_LEN + 1];
    char path[128];
    char restore[160];
    struct api_reply r = {0};

    api_fx_create_hook(fx, "ticket.updated", "http://a.example/t", "ticket-secret-1", id);
    snprintf(path, sizeof(path), "/api/webhooks/%s", id);
    snprintf(restore, sizeof(restore), "/api/webhooks/%s/restore", id);

    /* Restoring a live webhook is harmless. */
    assert_int_equal(api_fx_send(fx, "POST", restore, NULL, &r), 200);
    assert_true(json_is_null(json_object_get(r.json, "deleted_at")));
    api_reply_free(&r);

    assert_int_equal(api_fx_send(fx, "DELETE", path, NULL, &r), 200);
    api_reply_free(&r);
    assert_int_equal(api_fx_send(fx, "POST", restore, NULL, &r), 200);
    assert_string_equal(api_fx_jstr(r.json, "id"), id);
    assert_true(json_is_null(json_object_get(r.json, "deleted_at")));
    assert_string_equal(api_fx_jstr(r.json, "url"), "http://a.example/t");
    api_reply_free(&r);

    /* Live again: it can be changed and is in the live list. */
    assert_int_equal(api_fx_send(fx, "PUT", path, "{\"active\":false}", &r), 200);
    api_reply_free(&r);
    assert_int_equal(api_fx_send(fx, "GET", "/api/webhooks?include_deleted=false", NULL, &r), 200);
    assert_int_equal(json_array_size(r.json), 1);
    api_reply_free(&r);

    api_fx_send(fx, "POST", "/api/webhooks/00000000-0000-4000-8000-000000000000/restore", NULL, &r);
    api_fx_assert_error(&r, 404, NULL);
    api_reply_free(&r);
}

static void topics_are_the_catalogue(void **state)
{
    struct api_fx *fx = *state;
    struct api_reply r = {0};

    assert_int_equal(api_fx_send(fx, "GET", "/api/webhooks/topics", NULL, &r), 200);
    assert_true(json_is_array(r.json));
    assert_int_equal(json_array_size(r.json), 8);
    assert_int_equal(json_array_size(r.json), topics_count());
    for (size_t i = 0; i < topics_count(); i++) {
        assert_string_equal(json_string_value(json_array_get(r.json, i)), topics_at(i)->name);
    }
    assert_true(api_fx_header_has(&r, "Content-Type: application/json"));
    api_reply_free(&r);

    api_fx_send(fx, "POST", "/api/webhooks/topics", "{}", &r);
    api_fx_assert_error(&r, 405, NULL);
    api_reply_free(&r);
}

static void secrets_never_returned(void **state)
{
    struct api_fx *fx = *state;
    const char *secret = "sk_live_DO-NOT-LEAK-4f1c2d";
    const char *secret2 = "another-SECRET-zz99-q7";
    const char *short_secret = "abcd";
    char id[IDS_UUID_LEN + 1];
    char id2[IDS_UUID_LEN + 1];
    char path[128];
    char paths[8][192];
    struct api_reply r = {0};

    api_fx_create_hook(fx, "message.sent", "http://a.example/s", secret, id);
    api_fx_create_hook(fx, "message.sent", "http://a.example/t", short_secret, id2);
    snprintf(path, sizeof(path), "/api/webhooks/%s", id);

    /* Every answer that carries a webhook, after each kind of change. */
    char *body = api_fx_body_with("message.sent", "http://a.example/s", secret);
    api_fx_send(fx, "POST", "/api/webhooks", body, &r);
    assert_int_equal(r.status, 201);
    assert_null(strstr(r.body, secret));
    api_reply_free(&r);
    free(body);

    char put[192];
    snprintf(put, sizeof(put), "{\"secret\":\"%s\"}", secret2);
    api_fx_send(fx, "PUT", path, put, &r);
    assert_int_equal(r.status, 200);
    assert_null(strstr(r.body, secret2));
    assert_string_equal(api_fx_jstr(r.json, "secret"), "****9-q7");
    api_reply_free(&r);

    snprintf(paths[0], sizeof(paths[0]), "/api/webhooks");
    snprintf(paths[1], sizeof(paths[1]), "/api/webhooks?include_deleted=false");
    snprintf(paths[2], sizeof(paths[2]), "/api/webhooks/%s", id);
    snprintf(paths[3], sizeof(paths[3]), "/api/webhooks/%s", id2);
    snprintf(paths[4], sizeof(paths[4]), "/api/webhooks/calls");
    for (int i = 0; i < 5; i++) {
        api_fx_send(fx, "GET", paths[i], NULL, &r);
        assert_int_equal(r.status, 200);
        assert_null(strstr(r.body, secret));
        assert_null(strstr(r.body, secret2));
        assert_null(strstr(r.body, short_secret));
        api_reply_free(&r);
    }
    /* A short secret is masked entirely. */
    api_fx_send(fx, "GET", paths[3], NULL, &r);
    assert_string_equal(api_fx_jstr(r.json, "secret"), "****");
    api_reply_free(&r);

    api_fx_send(fx, "DELETE", path, NULL, &r);
    assert_null(strstr(r.body, secret2));
    api_reply_free(&r);
    snprintf(put, sizeof(put), "%s/restore", path);
    api_fx_send(fx, "POST", put, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_null(strstr(r.body, secret2));
    api_reply_free(&r);
}

/* Concurrent creates through the thread pool: none lost, the cached list
 * holds them all. */
static void concurrent_creates(void **state)
{
    struct api_fx *fx = *state;
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
    assert_int_equal(api_fx_send(fx, "GET", "/api/webhooks", NULL, &r), 200);
    assert_int_equal(json_array_size(r.json), N);
    api_reply_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(list_includes_deleted_unless_asked, api_fx_setup,
                                        api_fx_teardown),
        cmocka_unit_test_setup_teardown(update_is_partial_and_validated, api_fx_setup,
                                        api_fx_teardown),
        cmocka_unit_test_setup_teardown(delete_is_soft_and_idempotent, api_fx_setup,
                                        api_fx_teardown),
        cmocka_unit_test_setup_teardown(restore_undoes_the_delete, api_fx_setup, api_fx_teardown),
        cmocka_unit_test_setup_teardown(topics_are_the_catalogue, api_fx_setup, api_fx_teardown),
        cmocka_unit_test_setup_teardown(secrets_never_returned, api_fx_setup, api_fx_teardown),
        cmocka_unit_test_setup_teardown(concurrent_creates, api_fx_setup, api_fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
