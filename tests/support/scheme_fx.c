/* Test support: the fixture of the mock's scheme tests (see scheme_fx.h). */
#include "support/scheme_fx.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "support/api.h"
#include "support/mock.h"

#define WAIT_MS 10000

const char *scheme_fx_jstr(const json_t *obj, const char *key)
{
    const char *v = json_string_value(json_object_get(obj, key));
    return v != NULL ? v : "";
}

uint64_t scheme_fx_wall_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static long api(struct scheme_fx *fx, const char *method, const char *path, const char *body,
                json_t **out)
{
    return api_json(fx->client, fx->port, KEY, method, path, body, out);
}

void scheme_fx_mock_start(struct scheme_fx *fx, const char *scheme, enum how how)
{
    struct ms_options o;
    struct err e = {{0}};
    json_t *cfg = NULL;
    char body[128];

    if (how == HOW_PROGRAM_FLAG) {
        const char *bin = proc_bin("VAMBE_MOCK_BIN");
        char *argv[] = {(char *)bin,       "serve",    "--api-key",    KEY,
                        "--no-access-log", "--scheme", (char *)scheme, NULL};

        if (bin == NULL) {
            fail_msg("VAMBE_MOCK_BIN is not set");
        }
        if (proc_start(&fx->proc, argv, true, WAIT_MS) != 0) {
            fail_msg("vambe-mock serve --scheme %s did not start", scheme);
        }
        fx->port = fx->proc.port;
        return;
    }
    test_mock_options(&o, KEY);
    if (how == HOW_INPROC_FLAG && ms_policy_set_flag(&o.policy, "scheme", scheme, &e) != 0) {
        fail_msg("%s", e.msg);
    }
    fx->srv = test_mock_start(&o, &fx->port);
    if (how == HOW_PUT_CONFIG) {
        snprintf(body, sizeof(body), "{\"scheme\":\"%s\"}", scheme);
        assert_int_equal(api(fx, "PUT", "/mock/config", body, &cfg), 200);
        assert_string_equal(scheme_fx_jstr(cfg, "scheme"), scheme);
        json_decref(cfg);
    }
}

int scheme_fx_setup(void **state)
{
    struct scheme_fx *fx = calloc(1, sizeof(*fx));

    assert_non_null(fx);
    log_set_level(LOG_LEVEL_ERROR);
    fx->sc = *state;
    fx->client = http_client_new(NULL);
    assert_non_null(fx->client);
    fx->rx = raw_start();
    snprintf(fx->hook_url, sizeof(fx->hook_url), "http://127.0.0.1:%u/hook?a=1&b=two",
             fx->rx->port);
    *state = fx;
    return 0;
}

int scheme_fx_teardown(void **state)
{
    struct scheme_fx *fx = *state;

    ms_server_stop(fx->srv);
    if (fx->proc.pid > 0) {
        char log[16384];

        proc_read_log(&fx->proc, log, sizeof(log));
        /* The program's log never holds the secret. */
        assert_null(strstr(log, "dmFtYmUh++++"));
        assert_int_equal(proc_stop(&fx->proc, WAIT_MS), 0);
        unlink(fx->proc.log_file);
    }
    if (fx->scheme_file[0] != '\0') {
        unlink(fx->scheme_file);
    }
    raw_stop(fx->rx);
    http_client_free(fx->client);
    free(fx);
    return 0;
}

void scheme_fx_create_hook(struct scheme_fx *fx, const char *url, const char *secret,
                           char id[IDS_UUID_LEN + 1])
{
    json_t *body =
        json_pack("{s:s, s:s, s:s}", "topic", "message.received", "url", url, "secret", secret);
    char *text = json_dumps(body, 0);
    json_t *j = NULL;

    assert_int_equal(api(fx, "POST", "/api/webhooks", text, &j), 201);
    snprintf(id, IDS_UUID_LEN + 1, "%s", scheme_fx_jstr(j, "id"));
    json_decref(j);
    free(text);
    json_decref(body);
}

/* Triggers one message.received; returns its event id (out: 128 bytes). */
void scheme_fx_trigger(struct scheme_fx *fx, size_t deliveries, char *event_id)
{
    json_t *j = NULL;

    assert_int_equal(api(fx, "POST", "/mock/events", "{\"topic\":\"message.received\"}", &j), 202);
    assert_int_equal(json_integer_value(json_object_get(j, "deliveries")), (json_int_t)deliveries);
    snprintf(event_id, 128, "%s",
             json_string_value(json_array_get(json_object_get(j, "event_ids"), 0)));
    json_decref(j);
}

/* Waits (bounded, polling) until the call log holds n records matching
 * query; returns the "data" array (caller decrefs). */
json_t *scheme_fx_calls_wait(struct scheme_fx *fx, const char *query, size_t n)
{
    return api_calls_wait(fx->client, fx->port, KEY, query, n, WAIT_MS);
}
