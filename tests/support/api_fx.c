/* Test support: the fixture of the mock's API tests (see api_fx.h). */
#include "support/api_fx.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "support/mock.h"

int api_fx_setup(void **state)
{
    struct api_fx *fx = calloc(1, sizeof(*fx));
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

int api_fx_teardown(void **state)
{
    struct api_fx *fx = *state;

    http_client_free(fx->client);
    ms_server_stop(fx->srv);
    free(fx);
    return 0;
}

/* With the right key; a body is sent as JSON. Returns the status. */
long api_fx_send(struct api_fx *fx, const char *method, const char *path, const char *body,
                 struct api_reply *out)
{
    api_send(fx->client, fx->port, method, path, KEY, body != NULL ? JSON_TYPE : NULL, body,
             body != NULL ? strlen(body) : 0, out);
    return out->status;
}

/* Asserts the kit's error shape with this status and a message containing
 * want (e.g. the field's name). */
void api_fx_assert_error(const struct api_reply *r, long status, const char *want)
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

const char *api_fx_jstr(const json_t *j, const char *key)
{
    return json_string_value(json_object_get(j, key));
}

/* Creates a webhook and returns its id in id_out. */
void api_fx_create_hook(struct api_fx *fx, const char *topic, const char *url, const char *secret,
                        char id_out[IDS_UUID_LEN + 1])
{
    struct api_reply r = {0};
    json_t *body = json_pack("{s:s, s:s, s:s}", "topic", topic, "url", url, "secret", secret);
    char *text = json_dumps(body, JSON_COMPACT);

    json_decref(body);
    api_fx_send(fx, "POST", "/api/webhooks", text, &r);
    free(text);
    if (r.status != 201) {
        fail_msg("create: %ld %s", r.status, r.body ? r.body : "");
    }
    assert_string_equal(api_fx_jstr(r.json, "status"), "created");
    assert_true(ids_is_uuid(api_fx_jstr(r.json, "id")));
    snprintf(id_out, IDS_UUID_LEN + 1, "%s", api_fx_jstr(r.json, "id"));
    api_reply_free(&r);
}

bool api_fx_header_has(const struct api_reply *r, const char *line)
{
    return r->headers != NULL && strcasestr(r->headers, line) != NULL;
}

char *api_fx_body_with(const char *topic, const char *url, const char *secret)
{
    json_t *j = json_pack("{s:s, s:s, s:s}", "topic", topic, "url", url, "secret", secret);
    char *text = json_dumps(j, JSON_COMPACT);

    json_decref(j);
    return text;
}
