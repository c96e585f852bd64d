/* The client commands of the real vambe-mock program against an
 * in-process mock: `webhooks` (every action, as tables and as --json, and
 * every way to get it wrong) and `calls` (a page of the call log).
 * `calls --follow` has its own test, integration.mock_cli_follow. */
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
#include "core/http_server.h"
#include "core/ids.h"
#include "core/log.h"
#include "mock_server/server.h"
#include "support/api.h"
#include "support/mock.h"
#include "support/mock_prog.h"
#include "support/ok_rx.h"
#include "support/proc.h"

#define CLI_KEY "test-key-cli-0123"
#define SECRET  "whsec_cli_TOPSECRET_3456"
#define SECRET2 "whsec_cli_rotated_SECRET_9876"
#define LEAK    "LEAKVALUE-77"
#define ZERO_ID "00000000-0000-4000-8000-000000000000"

struct fx {
    struct ms_server *srv;
    struct http_client *client;
    struct http_server *receiver;
    unsigned port;
    char server_url[64];
    char receiver_url[64];
    unsigned dead_port;
};

static char out[65536];
static char err[8192];

/* A port that was free a moment ago: bind port 0, read it, close. */
static unsigned cli_free_port(void)
{
    struct http_server *s = ok_rx_start();
    unsigned port = http_server_port(s);

    http_server_stop(s);
    return port;
}

static int fx_setup(void **state)
{
    struct fx *fx = calloc(1, sizeof(*fx));
    struct ms_options o;

    assert_non_null(fx);
    log_set_level(LOG_LEVEL_ERROR);
    unsetenv("VAMBE_WEBHOOK_SECRET");
    unsetenv("VAMBE_MOCK_API_KEY");
    unsetenv("NO_COLOR");
    test_mock_options(&o, CLI_KEY);
    fx->srv = test_mock_start(&o, &fx->port);
    snprintf(fx->server_url, sizeof(fx->server_url), "http://127.0.0.1:%u", fx->port);
    fx->client = http_client_new(NULL);
    assert_non_null(fx->client);
    fx->receiver = ok_rx_start();
    snprintf(fx->receiver_url, sizeof(fx->receiver_url), "http://127.0.0.1:%u/hook",
             http_server_port(fx->receiver));
    fx->dead_port = cli_free_port();
    *state = fx;
    return 0;
}

static int fx_teardown(void **state)
{
    struct fx *fx = *state;

    http_client_free(fx->client);
    ms_server_stop(fx->srv);
    http_server_stop(fx->receiver);
    free(fx);
    return 0;
}

/* Runs vambe-mock with the arguments (NULL-terminated), then --server and
 * --api-key for fx's mock; stdout in out, stderr in err. */
static int cli(struct fx *fx, ...)
{
    char *argv[40];
    size_t n = 0;
    va_list ap;
    char *a;

    argv[n++] = (char *)mock_prog_bin();
    va_start(ap, fx);
    while ((a = va_arg(ap, char *)) != NULL && n < 34) {
        argv[n++] = a;
    }
    va_end(ap);
    argv[n++] = "--server";
    argv[n++] = fx->server_url;
    argv[n++] = "--api-key";
    argv[n++] = CLI_KEY;
    argv[n] = NULL;
    return proc_run(argv, out, sizeof(out), err, sizeof(err), 20000);
}

/* Runs vambe-mock with exactly these arguments (NULL-terminated): for a
 * flag left without its value at the end. */
static int cli_bare(const char *first, ...)
{
    char *argv[16];
    size_t n = 0;
    va_list ap;
    const char *a = first;

    argv[n++] = (char *)mock_prog_bin();
    va_start(ap, first);
    while (a != NULL && n < 15) {
        argv[n++] = (char *)a;
        a = va_arg(ap, const char *);
    }
    va_end(ap);
    argv[n] = NULL;
    return proc_run(argv, out, sizeof(out), err, sizeof(err), 20000);
}

/* A usage error: exit 2, the message, the usage block, nothing on stdout. */
static void usage_error(int code, const char *want)
{
    if (code != 2 || strstr(err, want) == NULL || strstr(err, "usage: vambe-mock ") == NULL ||
        out[0] != '\0') {
        fail_msg("want exit 2 and '%s'; got exit %d, stderr:\n%s", want, code, err);
    }
}

static json_t *out_json(void)
{
    json_error_t je;
    json_t *j = json_loads(out, 0, &je);

    if (j == NULL) {
        fail_msg("stdout is not JSON (%s):\n%s", je.text, out);
    }
    return j;
}

static void no_secret_anywhere(void)
{
    assert_null(strstr(out, SECRET));
    assert_null(strstr(err, SECRET));
    assert_null(strstr(out, SECRET2));
    assert_null(strstr(err, SECRET2));
}

/* create, list, get, update, delete, restore: tables and --json. */
static void webhooks_actions(void **state)
{
    struct fx *fx = *state;
    char id[IDS_UUID_LEN + 2];
    char id2[IDS_UUID_LEN + 2];
    json_t *j;

    /* create prints the id alone, so ID=$(...) works. */
    assert_int_equal(cli(fx, "webhooks", "create", "--topic", "message.received", "--url",
                         fx->receiver_url, "--secret", SECRET, NULL),
                     0);
    assert_int_equal(strlen(out), IDS_UUID_LEN + 1);
    snprintf(id, sizeof(id), "%.*s", IDS_UUID_LEN, out);
    assert_string_equal(err, "");
    /* The secret from the environment, and --json: the API's answer. */
    setenv("VAMBE_WEBHOOK_SECRET", SECRET2, 1);
    assert_int_equal(cli(fx, "webhooks", "create", "--json", "--topic", "ticket.opened", "--url",
                         "https://example.com/h", "--active", "false", NULL),
                     0);
    unsetenv("VAMBE_WEBHOOK_SECRET");
    j = out_json();
    assert_string_equal(json_string_value(json_object_get(j, "status")), "created");
    snprintf(id2, sizeof(id2), "%s", json_string_value(json_object_get(j, "id")));
    json_decref(j);

    /* list: a table, the states in words, the secrets nowhere. */
    assert_int_equal(cli(fx, "webhooks", "list", NULL), 0);
    assert_non_null(strstr(out, "ID"));
    assert_non_null(strstr(out, "TOPIC"));
    assert_non_null(strstr(out, "STATE"));
    assert_non_null(strstr(out, "URL"));
    assert_non_null(strstr(out, "UPDATED"));
    assert_non_null(strstr(out, id));
    assert_non_null(strstr(out, id2));
    assert_non_null(strstr(out, fx->receiver_url));
    assert_non_null(strstr(out, "ticket.created")); /* the alias, stored canonical */
    assert_non_null(strstr(out, "active"));
    assert_non_null(strstr(out, "disabled"));
    no_secret_anywhere();
    assert_int_equal(cli(fx, "webhooks", "list", "--json", NULL), 0);
    j = out_json();
    assert_int_equal(json_array_size(j), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(j, 0), "secret")),
                        "****3456");
    json_decref(j);
    no_secret_anywhere();

    /* get: a field per line; --json: the object. */
    assert_int_equal(cli(fx, "webhooks", "get", id, NULL), 0);
    assert_non_null(strstr(out, "state       active\n"));
    assert_non_null(strstr(out, "secret      ****3456\n"));
    assert_non_null(strstr(out, "deleted_at  -\n"));
    assert_int_equal(cli(fx, "webhooks", "get", "--json", id2, NULL), 0);
    j = out_json();
    assert_string_equal(json_string_value(json_object_get(j, "id")), id2);
    assert_true(json_is_false(json_object_get(j, "active")));
    json_decref(j);
    no_secret_anywhere();

    /* update: any of the four fields. */
    assert_int_equal(
        cli(fx, "webhooks", "update", id, "--active", "false", "--secret", SECRET2, NULL), 0);
    assert_non_null(strstr(out, "state       disabled\n"));
    assert_non_null(strstr(out, "secret      ****9876\n"));
    no_secret_anywhere();
    assert_int_equal(cli(fx, "webhooks", "update", id, "--json", "--url", "http://127.0.0.1:9/new",
                         "--topic", "contact.created", "--active", "true", NULL),
                     0);
    j = out_json();
    assert_string_equal(json_string_value(json_object_get(j, "url")), "http://127.0.0.1:9/new");
    assert_string_equal(json_string_value(json_object_get(j, "topic")), "contact.created");
    assert_true(json_is_true(json_object_get(j, "active")));
    json_decref(j);

    /* delete, then restore. */
    assert_int_equal(cli(fx, "webhooks", "delete", id, NULL), 0);
    assert_non_null(strstr(out, "state       deleted\n"));
    assert_int_equal(cli(fx, "webhooks", "list", NULL), 0);
    assert_non_null(strstr(out, "deleted"));
    assert_int_equal(cli(fx, "webhooks", "delete", "--json", id, NULL), 0);
    j = out_json();
    assert_true(json_is_string(json_object_get(j, "deleted_at")));
    json_decref(j);
    assert_int_equal(cli(fx, "webhooks", "restore", id, NULL), 0);
    assert_non_null(strstr(out, "state       active\n"));
    assert_non_null(strstr(out, "deleted_at  -\n"));
    assert_int_equal(cli(fx, "webhooks", "restore", id, "--json", NULL), 0);
    j = out_json();
    assert_true(json_is_null(json_object_get(j, "deleted_at")));
    json_decref(j);
}

/* What the mock refuses, what the command line refuses, and a mock that
 * is not there. */
static void webhooks_errors(void **state)
{
    struct fx *fx = *state;
    char dead[64];

    /* The API's messages, with the status; exit 2 as trigger's. */
    assert_int_equal(cli(fx, "webhooks", "get", ZERO_ID, NULL), 2);
    assert_string_equal(out, "");
    assert_non_null(
        strstr(err, "vambe-mock: the mock answered 404: webhook '" ZERO_ID "' not found"));
    assert_int_equal(cli(fx, "webhooks", "delete", ZERO_ID, NULL), 2);
    assert_non_null(strstr(err, "404"));
    assert_int_equal(cli(fx, "webhooks", "create", "--topic", "message.sent", "--url",
                         "ftp://example.com/h", "--secret", SECRET, NULL),
                     2);
    assert_non_null(strstr(err, "vambe-mock: the mock answered 400: url: must use http or https"));
    no_secret_anywhere();
    assert_int_equal(cli(fx, "webhooks", "create", "--topic", "message.deleted", "--url",
                         fx->receiver_url, "--secret", SECRET, NULL),
                     2);
    assert_non_null(strstr(err, "400: topic: unknown topic 'message.deleted'"));
    no_secret_anywhere();
    char *bad_key[] = {(char *)mock_prog_bin(), "webhooks",  "list",      "--server",
                       fx->server_url,          "--api-key", "wrong-key", NULL};
    assert_int_equal(proc_run(bad_key, out, sizeof(out), err, sizeof(err), 20000), 2);
    assert_non_null(strstr(err, "the mock answered 401"));
    assert_null(strstr(err, "wrong-key"));

    /* The command line's own refusals, before any request. */
    usage_error(cli(fx, "webhooks", NULL), "vambe-mock: ACTION is required");
    usage_error(cli(fx, "webhooks", "frob", NULL), "unknown action 'frob'");
    usage_error(cli(fx, "webhooks", "get", NULL), "'webhooks get' needs the webhook's ID");
    usage_error(cli(fx, "webhooks", "get", "../../mock/reset", NULL),
                "ID: '../../mock/reset' is not a webhook id");
    usage_error(cli(fx, "webhooks", "get", ZERO_ID, "extra", NULL), "unexpected argument 'extra'");
    usage_error(cli(fx, "webhooks", "list", "--topic", "message.sent", NULL),
                "'webhooks list' takes no --topic");
    usage_error(cli(fx, "webhooks", "create", "--url", fx->receiver_url, "--secret", SECRET, NULL),
                "'webhooks create' needs --topic");
    usage_error(cli(fx, "webhooks", "create", "--topic", "message.sent", "--secret", SECRET, NULL),
                "'webhooks create' needs --url");
    usage_error(
        cli(fx, "webhooks", "create", "--topic", "message.sent", "--url", fx->receiver_url, NULL),
        "'webhooks create' needs --secret (or VAMBE_WEBHOOK_SECRET)");
    usage_error(cli(fx, "webhooks", "update", ZERO_ID, NULL), "nothing to update");
    usage_error(cli(fx, "webhooks", "update", ZERO_ID, "--active", "maybe", NULL),
                "--active: 'maybe' is not true or false");
    usage_error(cli_bare("webhooks", "create", "--secret", NULL),
                "option '--secret' needs a value (SECRET)");
    usage_error(cli(fx, "webhooks", "list", "--server", "ftp://x", NULL), "--server: ");
    usage_error(cli(fx, "webhooks", "list", "--api-key", "", NULL),
                "--api-key: must be 1 to 256 characters");
    usage_error(cli(fx, "webhooks", "list", "--ca-file", "", NULL), "--ca-file: the path is empty");
    /* An unknown flag is named, its value never shown (a mistyped secret). */
    usage_error(cli(fx, "webhooks", "create", "--secrt=" LEAK, NULL), "unknown option '--secrt'");
    usage_error(cli(fx, "webhooks", "list", "--secrt", LEAK, NULL), "unknown option '--secrt'");
    usage_error(cli(fx, "webhooks", "list", "-Q" LEAK, NULL), "unknown option '-Q'");
    usage_error(cli(fx, "webhooks", "list", "--json=" LEAK, NULL),
                "option '--json' takes no value");
    assert_null(strstr(err, LEAK));

    /* Nothing listens there: 3. */
    snprintf(dead, sizeof(dead), "http://127.0.0.1:%u", fx->dead_port);
    char *unreachable[] = {(char *)mock_prog_bin(), "webhooks", "list", "--server", dead, NULL};
    assert_int_equal(proc_run(unreachable, out, sizeof(out), err, sizeof(err), 20000), 3);
    assert_string_equal(out, "");
    assert_non_null(strstr(err, "vambe-mock: cannot reach the mock at http://127.0.0.1:"));

    /* --help: every action and flag, the environment variable. */
    assert_int_equal(cli(fx, "webhooks", "--help", NULL), 0);
    assert_non_null(strstr(out, "usage: vambe-mock webhooks list"));
    assert_non_null(strstr(out, "vambe-mock webhooks restore ID"));
    assert_non_null(strstr(out, "VAMBE_WEBHOOK_SECRET"));
    assert_non_null(strstr(out, "--active true|false"));
}

/* Delivers n events of topic to fx's receiver and waits until the call log
 * holds want records; returns the first event id in id. */
static void deliver(struct fx *fx, unsigned n, size_t want, char *id)
{
    char body[128];
    json_t *j = NULL;
    uint64_t deadline = clock_mono_us() + 10u * 1000u * 1000u;

    snprintf(body, sizeof(body), "{\"topic\":\"message.received\",\"count\":%u}", n);
    assert_int_equal(api_json(fx->client, fx->port, CLI_KEY, "POST", "/mock/events", body, &j),
                     202);
    snprintf(id, IDS_EVENT_ID_LEN + 1, "%s",
             json_string_value(json_array_get(json_object_get(j, "event_ids"), 0)));
    json_decref(j);
    for (;;) {
        json_int_t total;

        assert_int_equal(
            api_json(fx->client, fx->port, CLI_KEY, "GET", "/api/webhooks/calls", NULL, &j), 200);
        total = json_integer_value(json_object_get(j, "total"));
        json_decref(j);
        if ((size_t)total >= want) {
            return;
        }
        if (clock_mono_us() > deadline) {
            fail_msg("the call log holds %lld records, not %zu", (long long)total, want);
        }
        clock_sleep_us(10000); /* polling the call log: nothing to wait on */
    }
}

/* One page of the call log: table, --json, the filters, the refusals. */
static void calls_page(void **state)
{
    struct fx *fx = *state;
    char evt[IDS_EVENT_ID_LEN + 1];
    char dead[64];
    json_t *j;

    assert_int_equal(cli(fx, "calls", NULL), 0);
    assert_string_equal(out, "no calls\n");
    assert_int_equal(cli(fx, "webhooks", "create", "--topic", "message.received", "--url",
                         fx->receiver_url, "--secret", SECRET, NULL),
                     0);
    deliver(fx, 3, 3, evt);

    assert_int_equal(cli(fx, "calls", NULL), 0);
    assert_non_null(strstr(out, "TIME"));
    assert_non_null(strstr(out, "EVENT"));
    assert_non_null(strstr(out, "ATTEMPT"));
    assert_non_null(strstr(out, "STATUS"));
    assert_non_null(strstr(out, "DURATION"));
    assert_non_null(strstr(out, "OUTCOME"));
    assert_non_null(strstr(out, evt));
    assert_non_null(strstr(out, "message.received"));
    assert_non_null(strstr(out, "  200  "));
    assert_non_null(strstr(out, "succeeded\n"));
    assert_null(strstr(out, "\x1b[")); /* not a terminal: no colour */
    assert_string_equal(err, "");

    assert_int_equal(cli(fx, "calls", "--json", NULL), 0);
    j = out_json();
    assert_int_equal(json_integer_value(json_object_get(j, "total")), 3);
    assert_int_equal(json_array_size(json_object_get(j, "data")), 3);
    json_decref(j);
    assert_int_equal(cli(fx, "calls", "--json", "--event", evt, "--topic", "message.received",
                         "--outcome", "succeeded", NULL),
                     0);
    j = out_json();
    assert_int_equal(json_integer_value(json_object_get(j, "total")), 1);
    json_decref(j);
    assert_int_equal(cli(fx, "calls", "--outcome", "gave_up", NULL), 0);
    assert_string_equal(out, "no calls\n");
    assert_int_equal(cli(fx, "calls", "--webhook", ZERO_ID, "--json", NULL), 0);
    j = out_json();
    assert_int_equal(json_integer_value(json_object_get(j, "total")), 0);
    json_decref(j);
    /* A page smaller than the log: the rest is pointed at. */
    assert_int_equal(cli(fx, "calls", "--limit", "2", NULL), 0);
    assert_non_null(strstr(err, "--page 2"));
    assert_int_equal(cli(fx, "calls", "--limit", "2", "--page", "2", "--json", NULL), 0);
    j = out_json();
    assert_int_equal(json_array_size(json_object_get(j, "data")), 1);
    json_decref(j);

    usage_error(cli(fx, "calls", "--limit", "0", NULL), "vambe-mock: --limit: ");
    usage_error(cli(fx, "calls", "--limit", "501", NULL), "vambe-mock: --limit: ");
    usage_error(cli(fx, "calls", "--limit", "ten", NULL), "vambe-mock: --limit: ");
    usage_error(cli(fx, "calls", "--page", "0", NULL), "vambe-mock: --page: ");
    usage_error(cli(fx, "calls", "--outcome", "exploded", NULL),
                "--outcome: 'exploded' is not an outcome (use succeeded, failed,");
    usage_error(cli(fx, "calls", "--topic", "", NULL), "--topic: must be 1 to 127 characters");
    usage_error(cli(fx, "calls", "--event", "evt\x01", NULL), "--event: holds a control character");
    usage_error(cli(fx, "calls", "--webhook", "x" ZERO_ID, NULL),
                "--webhook: must be 1 to 36 characters");
    usage_error(cli(fx, "calls", "--follow", "--limit", "5", NULL),
                "--follow shows every new attempt: it takes no --limit");
    usage_error(cli(fx, "calls", "--follow", "--page", "2", NULL), "it takes no --page");
    usage_error(cli(fx, "calls", "stray", NULL), "unexpected argument 'stray'");
    usage_error(cli(fx, "calls", "--limt=" LEAK, NULL), "unknown option '--limt'");
    usage_error(cli(fx, "calls", "-Q" LEAK, NULL), "unknown option '-Q'");
    assert_null(strstr(err, LEAK));
    usage_error(cli_bare("calls", "--outcome", NULL), "option '--outcome' needs a value (OUTCOME)");

    snprintf(dead, sizeof(dead), "http://127.0.0.1:%u", fx->dead_port);
    char *unreachable[] = {(char *)mock_prog_bin(), "calls", "--server", dead, NULL};
    assert_int_equal(proc_run(unreachable, out, sizeof(out), err, sizeof(err), 20000), 3);
    assert_non_null(strstr(err, "cannot reach the mock at"));

    assert_int_equal(cli(fx, "calls", "--help", NULL), 0);
    assert_non_null(strstr(out, "vambe-mock calls --follow"));
    assert_non_null(strstr(out, "retry_scheduled"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(webhooks_actions, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(webhooks_errors, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(calls_page, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
