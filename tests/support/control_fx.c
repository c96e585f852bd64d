/* Test support: the fixture of the control API's tests (see
 * control_fx.h). */
#include "support/control_fx.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/http_server.h"
#include "core/ids.h"
#include "core/log.h"
#include "support/api.h"
#include "support/mock.h"

static void noop(void *ctx, const struct http_server_request *req, struct http_server_reply *rep)
{
    (void)ctx;
    (void)req;
    http_reply_text(rep, 204, NULL, "", 0);
}

/* A port that was free a moment ago: bind port 0, read it, close. */
static unsigned free_port(void)
{
    static const struct http_route none[] = {{"GET", "/", noop}};
    struct http_server_opts o;
    struct http_server *s;
    struct err e = {{0}};
    unsigned port;

    memset(&o, 0, sizeof(o));
    o.routes = none;
    o.n_routes = 1;
    s = http_server_start(&o, &e);
    assert_non_null(s);
    port = http_server_port(s);
    http_server_stop(s);
    return port;
}

int control_fx_setup(void **state)
{
    struct control_fx *fx = calloc(1, sizeof(*fx));
    struct ms_options o;

    assert_non_null(fx);
    log_set_level(LOG_LEVEL_ERROR);
    test_mock_options(&o, KEY);
    fx->srv = test_mock_start(&o, &fx->port);
    snprintf(fx->server_url, sizeof(fx->server_url), "http://127.0.0.1:%u", fx->port);
    fx->client = http_client_new(NULL);
    assert_non_null(fx->client);
    fx->dead_port = free_port();
    *state = fx;
    return 0;
}

int control_fx_teardown(void **state)
{
    struct control_fx *fx = *state;

    http_client_free(fx->client);
    ms_server_stop(fx->srv);
    free(fx);
    return 0;
}

static long api(struct control_fx *fx, const char *method, const char *path, const char *body,
                json_t **out)
{
    return api_json(fx->client, fx->port, KEY, method, path, body, out);
}

const char *control_fx_jstr(const json_t *obj, const char *key)
{
    const char *v = json_string_value(json_object_get(obj, key));
    return v != NULL ? v : "";
}

void control_fx_create_hook(struct control_fx *fx, const char *topic, const char *url, char *id)
{
    char body[512];
    json_t *j = NULL;

    snprintf(body, sizeof(body), "{\"topic\":\"%s\",\"url\":\"%s\",\"secret\":\"s3cret-value-1\"}",
             topic, url);
    assert_int_equal(api(fx, "POST", "/api/webhooks", body, &j), 201);
    snprintf(id, IDS_UUID_LEN + 1, "%s", control_fx_jstr(j, "id"));
    json_decref(j);
}

bool control_fx_is_event_id(const char *s, size_t len)
{
    if (len != IDS_EVENT_ID_LEN || strncmp(s, "evt_", 4) != 0) {
        return false;
    }
    for (size_t i = 4; i < len; i++) {
        if (!isxdigit((unsigned char)s[i])) {
            return false;
        }
    }
    return true;
}
