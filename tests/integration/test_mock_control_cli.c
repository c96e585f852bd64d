/* The real program's command line against an in-process mock
 * (support/control_fx.h): `vambe-mock trigger` (output and exit codes
 * 0/2/3) and the delivery flags of `serve`. */
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
#include <unistd.h>

#include "core/clock.h"
#include "core/http_client.h"
#include "core/ids.h"
#include "mock_server/server.h"
#include "mock_server/store.h"
#include "support/api.h"
#include "support/control_fx.h"
#include "support/mock_prog.h"
#include "support/proc.h"

static long api(struct control_fx *fx, const char *method, const char *path, const char *body,
                json_t **out)
{
    return api_json(fx->client, fx->port, KEY, method, path, body, out);
}

/* ---- the command line -------------------------------------------------------------- */

static void trigger_cli(void **state)
{
    struct control_fx *fx = *state;
    char out[4096];
    char err[4096];
    char url[64];
    char hook[IDS_UUID_LEN + 1];
    char dead[64];
    char file[128];
    json_t *j = NULL;
    FILE *f;

    /* 0: the ids, one per line, and the data override reaches the payload. */
    snprintf(url, sizeof(url), "http://127.0.0.1:%u/h", fx->dead_port);
    control_fx_create_hook(fx, "message.received", url, hook);
    char *ok[] = {(char *)mock_prog_bin(),
                  "trigger",
                  "message.received",
                  "--count",
                  "2",
                  "--data",
                  "{\"message_body\":\"hola desde la CLI\"}",
                  "--server",
                  fx->server_url,
                  "--api-key",
                  KEY,
                  NULL};
    assert_int_equal(proc_run(ok, out, sizeof(out), err, sizeof(err), 20000), 0);
    assert_int_equal(strlen(out), 2 * (IDS_EVENT_ID_LEN + 1));
    assert_true(control_fx_is_event_id(out, IDS_EVENT_ID_LEN) && out[IDS_EVENT_ID_LEN] == '\n');
    assert_true(control_fx_is_event_id(out + IDS_EVENT_ID_LEN + 1, IDS_EVENT_ID_LEN));
    out[IDS_EVENT_ID_LEN] = '\0';
    {
        char path[256];
        uint64_t deadline = clock_mono_us() + (uint64_t)WAIT_MS * 1000u;
        json_t *data = NULL;

        snprintf(path, sizeof(path), "/api/webhooks/calls?event_id=%.40s", out);
        while (json_array_size(data) == 0) {
            json_decref(j);
            assert_int_equal(api(fx, "GET", path, NULL, &j), 200);
            data = json_object_get(j, "data");
            if (clock_mono_us() > deadline) {
                fail_msg("no call record for %s", out);
            }
            if (json_array_size(data) == 0) {
                clock_sleep_us(5000); /* polling the call log */
            }
        }
        assert_non_null(
            strstr(control_fx_jstr(json_array_get(data, 0), "request_body"), "hola desde la CLI"));
        json_decref(j);
    }

    /* --data @FILE */
    snprintf(file, sizeof(file), "/tmp/vambe-control-%d.json", (int)getpid());
    f = fopen(file, "w");
    assert_non_null(f);
    fputs("{\"stage_id\": \"st-1\"}\n", f);
    fclose(f);
    char at[160];
    snprintf(at, sizeof(at), "@%s", file);
    char *from_file[] = {(char *)mock_prog_bin(),
                         "trigger",
                         "message.received",
                         "--data",
                         at,
                         "--server",
                         fx->server_url,
                         "--api-key",
                         KEY,
                         NULL};
    assert_int_equal(proc_run(from_file, out, sizeof(out), err, sizeof(err), 20000), 0);
    assert_int_equal(strlen(out), IDS_EVENT_ID_LEN + 1);
    unlink(file);

    /* A warning on stderr when nobody is subscribed; still 0. */
    char *lonely[] = {(char *)mock_prog_bin(),
                      "trigger",
                      "stage.changed",
                      "--server",
                      fx->server_url,
                      "--api-key",
                      KEY,
                      NULL};
    assert_int_equal(proc_run(lonely, out, sizeof(out), err, sizeof(err), 20000), 0);
    assert_non_null(strstr(err, "warning: no active webhook"));

    /* 2: the mock's 400, printed. */
    char *bad_topic[] = {(char *)mock_prog_bin(),
                         "trigger",
                         "message.deleted",
                         "--server",
                         fx->server_url,
                         "--api-key",
                         KEY,
                         NULL};
    assert_int_equal(proc_run(bad_topic, out, sizeof(out), err, sizeof(err), 20000), 2);
    assert_string_equal(out, "");
    assert_non_null(strstr(err, "400"));
    assert_non_null(strstr(err, "topic: unknown topic 'message.deleted'"));

    /* 2: a wrong key (401), bad --data, a missing file, usage errors. */
    char *bad_key[] = {(char *)mock_prog_bin(), "trigger",   "message.sent", "--server",
                       fx->server_url,          "--api-key", "wrong",        NULL};
    assert_int_equal(proc_run(bad_key, out, sizeof(out), err, sizeof(err), 20000), 2);
    assert_non_null(strstr(err, "401"));
    char *bad_data[] = {(char *)mock_prog_bin(),
                        "trigger",
                        "message.sent",
                        "--data",
                        "{oops",
                        "--server",
                        fx->server_url,
                        "--api-key",
                        KEY,
                        NULL};
    assert_int_equal(proc_run(bad_data, out, sizeof(out), err, sizeof(err), 20000), 2);
    assert_non_null(strstr(err, "--data: invalid JSON"));
    char *no_file[] = {(char *)mock_prog_bin(),
                       "trigger",
                       "message.sent",
                       "--data",
                       "@/nonexistent/vambe.json",
                       "--server",
                       fx->server_url,
                       "--api-key",
                       KEY,
                       NULL};
    assert_int_equal(proc_run(no_file, out, sizeof(out), err, sizeof(err), 20000), 2);
    assert_non_null(strstr(err, "--data: cannot read"));
    char *no_topic[] = {(char *)mock_prog_bin(), "trigger", "--server", fx->server_url, NULL};
    assert_int_equal(proc_run(no_topic, out, sizeof(out), err, sizeof(err), 20000), 2);
    assert_non_null(strstr(err, "TOPIC is required"));
    char *bad_count[] = {
        (char *)mock_prog_bin(), "trigger", "message.sent", "--count", "abc", NULL};
    assert_int_equal(proc_run(bad_count, out, sizeof(out), err, sizeof(err), 20000), 2);
    assert_non_null(strstr(err, "--count"));

    /* 3: nothing listens there. */
    snprintf(dead, sizeof(dead), "http://127.0.0.1:%u", fx->dead_port);
    char *unreachable[] = {
        (char *)mock_prog_bin(), "trigger", "message.sent", "--server", dead, NULL};
    assert_int_equal(proc_run(unreachable, out, sizeof(out), err, sizeof(err), 20000), 3);
    assert_string_equal(out, "");
    assert_non_null(strstr(err, "cannot reach the mock"));
}

static void serve_delivery_flags(void **state)
{
    (void)state;
    static const struct {
        const char *flag;
        const char *value;
        const char *message;
    } bad[] = {
        {"--max-attempts", "0", "vambe-mock: --max-attempts: "},
        {"--timeout", "5", "vambe-mock: --timeout: "},
        {"--backoff", "random", "vambe-mock: --backoff: 'random' is not a backoff"},
        {"--backoff-factor", "0", "vambe-mock: --backoff-factor: "},
        {"--retry-schedule", "5s,soon", "vambe-mock: --retry-schedule: delay 2"},
        {"--jitter", "1.5", "vambe-mock: --jitter: "},
        {"--time-scale", "0", "vambe-mock: --time-scale: "},
        {"--duplicate-rate", "2", "vambe-mock: --duplicate-rate: "},
        {"--reorder-window", "x", "vambe-mock: --reorder-window: "},
        {"--timestamp-unit", "us", "vambe-mock: --timestamp-unit: 'us' is not a unit"},
        {"--profile", "v3", "vambe-mock: --profile: 'v3' is not a profile"},
        {"--seed", "-4", "vambe-mock: --seed: "},
        {"--concurrency", "0", "vambe-mock: --concurrency: "},
        {"--scheme", "sha256", "vambe-mock: --scheme: unknown scheme 'sha256' (built-in: vambe,"},
    };
    char out[16384];
    char err[4096];

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char *argv[] = {(char *)mock_prog_bin(), "serve", (char *)bad[i].flag, (char *)bad[i].value,
                        NULL};
        int rc = proc_run(argv, out, sizeof(out), err, sizeof(err), 5000);

        if (rc != 2 || strncmp(err, bad[i].message, strlen(bad[i].message)) != 0 ||
            strstr(err, "usage: vambe-mock serve") == NULL) {
            fail_msg("%s %s: exit %d, stderr: %s", bad[i].flag, bad[i].value, rc, err);
        }
    }

    char *help[] = {(char *)mock_prog_bin(), "serve", "--help", NULL};
    assert_int_equal(proc_run(help, out, sizeof(out), err, sizeof(err), 5000), 0);
    const char *flags[] = {
        "--max-attempts N",
        "--timeout DUR",
        "--backoff exponential|linear|fixed",
        "--backoff-base",
        "--backoff-factor",
        "--backoff-cap",
        "--retry-schedule",
        "--jitter",
        "--time-scale",
        "--retry-after-cap",
        "--duplicate-rate",
        "--duplicate-delay",
        "--reorder-window",
        "--disable-after",
        "--no-sign",
        "--timestamp-unit",
        "--profile",
        "--seed",
        "--max-calls",
        "--concurrency",
        "--per-webhook-concurrency",
        "--max-calls-bytes SIZE",
        "--scheme NAME|FILE",
        "--ca-file",
        "--insecure",
    };
    for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
        if (strstr(out, flags[i]) == NULL) {
            fail_msg("serve --help lacks %s", flags[i]);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(trigger_cli, control_fx_setup, control_fx_teardown),
        cmocka_unit_test(serve_delivery_flags),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
