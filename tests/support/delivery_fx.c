/* Test support: the fixture of the delivery engine's tests (see
 * delivery_fx.h). */
#include "support/delivery_fx.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/log.h"
#include "support/api.h"
#include "support/mock.h"

/* Starts the mock with policy flags given as {"flag", "value", ...} pairs
 * (any value for a switch; the list ends with NULL). */
void delivery_fx_mock_start(struct delivery_fx *fx, const char *const *flags)
{
    struct ms_options o;
    struct err e = {{0}};

    test_mock_options(&o, KEY);
    for (size_t i = 0; flags != NULL && flags[i] != NULL; i += 2) {
        if (ms_policy_set_flag(&o.policy, flags[i], flags[i + 1], &e) != 0) {
            fail_msg("%s", e.msg);
        }
    }
    fx->srv = test_mock_start(&o, &fx->port);
}

int delivery_fx_setup(void **state)
{
    struct delivery_fx *fx = calloc(1, sizeof(*fx));

    assert_non_null(fx);
    log_set_level(LOG_LEVEL_ERROR);
    fx->client = http_client_new(NULL);
    assert_non_null(fx->client);
    fx->rx = rx_start();
    snprintf(fx->hook_url, sizeof(fx->hook_url), "http://127.0.0.1:%u/hook", fx->rx->port);
    *state = fx;
    return 0;
}

int delivery_fx_teardown(void **state)
{
    struct delivery_fx *fx = *state;

    ms_server_stop(fx->srv);
    rx_stop(fx->rx);
    http_client_free(fx->client);
    free(fx);
    return 0;
}

/* One request to the mock with the key; returns the status and the parsed
 * body in *out (may be NULL; the caller decrefs). */
static long api(struct delivery_fx *fx, const char *method, const char *path, const char *body,
                json_t **out)
{
    return api_json(fx->client, fx->port, KEY, method, path, body, out);
}

void delivery_fx_create_hook(struct delivery_fx *fx, const char *url, char id[IDS_UUID_LEN + 1])
{
    char body[512];
    json_t *j = NULL;

    snprintf(body, sizeof(body),
             "{\"topic\":\"message.received\",\"url\":\"%s\",\"secret\":\"" SECRET "\"}", url);
    assert_int_equal(api(fx, "POST", "/api/webhooks", body, &j), 201);
    snprintf(id, IDS_UUID_LEN + 1, "%s", json_string_value(json_object_get(j, "id")));
    json_decref(j);
}

/* Triggers count message.received events; returns the 202 answer. */
json_t *delivery_fx_trigger(struct delivery_fx *fx, unsigned count)
{
    char body[128];
    json_t *j = NULL;

    snprintf(body, sizeof(body), "{\"topic\":\"message.received\",\"count\":%u}", count);
    if (api(fx, "POST", "/mock/events", body, &j) != 202) {
        char *text = json_dumps(j, 0);
        fail_msg("trigger: %s", text != NULL ? text : "?");
    }
    return j;
}

const char *delivery_fx_event_id(const json_t *trig, size_t i)
{
    return json_string_value(json_array_get(json_object_get(trig, "event_ids"), i));
}

/* Waits (bounded, polling) until the call log holds n records matching
 * query ("event_id=..."), and returns them oldest first (caller decrefs). */
json_t *delivery_fx_calls_wait(struct delivery_fx *fx, const char *query, size_t n)
{
    json_t *data = api_calls_wait(fx->client, fx->port, KEY, query, n, WAIT_MS);
    json_t *oldest_first = json_array();

    for (size_t i = json_array_size(data); i > 0; i--) {
        json_array_append(oldest_first, json_array_get(data, i - 1));
    }
    json_decref(data);
    return oldest_first;
}

const char *delivery_fx_jstr(const json_t *obj, const char *key)
{
    const char *v = json_string_value(json_object_get(obj, key));
    return v != NULL ? v : "";
}
