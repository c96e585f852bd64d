/* mock_server/cli: flags, defaults, the environment, help and errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mock_server/cli.h"

struct captured {
    char *out;
    size_t out_len;
    char *err;
    size_t err_len;
};

/* Parses argv (NULL-terminated) with stdout and stderr captured. */
static void parse(char **argv, struct ms_cli *cli, struct captured *cap)
{
    int argc = 0;
    FILE *out;
    FILE *err;

    while (argv[argc] != NULL) {
        argc++;
    }
    memset(cap, 0, sizeof(*cap));
    out = open_memstream(&cap->out, &cap->out_len);
    err = open_memstream(&cap->err, &cap->err_len);
    assert_non_null(out);
    assert_non_null(err);
    ms_cli_parse(argc, argv, out, err, cli);
    fclose(out);
    fclose(err);
}

static void captured_free(struct captured *cap)
{
    free(cap->out);
    free(cap->err);
}

static void defaults(void **state)
{
    (void)state;
    char *argv[] = {"vambe-mock", "serve", NULL};
    struct ms_cli cli;
    struct captured cap;

    unsetenv(MS_API_KEY_ENV);
    parse(argv, &cli, &cap);
    assert_int_equal(cli.command, MS_CLI_SERVE);
    assert_string_equal(cli.serve.bind, "127.0.0.1");
    assert_int_equal(cli.serve.port, 8790);
    assert_string_equal(cli.serve.api_key, "vambe-mock-local-key");
    assert_null(cli.serve.db_path);
    assert_null(cli.serve.port_file);
    assert_int_equal(cli.serve.log_format, LOG_FORMAT_TEXT);
    assert_false(cli.serve.verbose);
    assert_true(cli.serve.access_log);
    assert_int_equal(cli.serve.threads, 0);
    assert_string_equal(cap.out, "");
    assert_string_equal(cap.err, "");
    captured_free(&cap);
}

static void every_flag(void **state)
{
    (void)state;
    char *argv[] = {"vambe-mock", "serve",           "--bind",       "::1",       "--port",
                    "0",          "--port-file",     "/tmp/p",       "--api-key", "k-1",
                    "--db",       "/tmp/x.db",       "--log-format", "json",      "--threads",
                    "3",          "--no-access-log", "-v",           NULL};
    struct ms_cli cli;
    struct captured cap;

    setenv(MS_API_KEY_ENV, "from-env", 1);
    parse(argv, &cli, &cap);
    unsetenv(MS_API_KEY_ENV);
    assert_int_equal(cli.command, MS_CLI_SERVE);
    assert_string_equal(cli.serve.bind, "::1");
    assert_int_equal(cli.serve.port, 0);
    assert_string_equal(cli.serve.port_file, "/tmp/p");
    assert_string_equal(cli.serve.api_key, "k-1");
    assert_string_equal(cli.serve.db_path, "/tmp/x.db");
    assert_int_equal(cli.serve.log_format, LOG_FORMAT_JSON);
    assert_int_equal(cli.serve.threads, 3);
    assert_false(cli.serve.access_log);
    assert_true(cli.serve.verbose);
    captured_free(&cap);

    /* "--flag=value" works too, and the environment gives the key. */
    char *argv2[] = {"vambe-mock", "serve", "--port=9001", "--verbose", NULL};
    setenv(MS_API_KEY_ENV, "from-env", 1);
    parse(argv2, &cli, &cap);
    unsetenv(MS_API_KEY_ENV);
    assert_int_equal(cli.command, MS_CLI_SERVE);
    assert_int_equal(cli.serve.port, 9001);
    assert_string_equal(cli.serve.api_key, "from-env");
    assert_true(cli.serve.verbose);
    captured_free(&cap);
}

static void help_and_version(void **state)
{
    (void)state;
    struct ms_cli cli;
    struct captured cap;
    char *help[] = {"vambe-mock", "serve", "--port", "1", "-h", NULL};
    char *version[] = {"vambe-mock", "--version", NULL};
    char *top[] = {"vambe-mock", "--help", NULL};

    parse(help, &cli, &cap);
    assert_int_equal(cli.command, MS_CLI_DONE);
    assert_int_equal(cli.exit_code, 0);
    assert_non_null(strstr(cap.out, "usage: vambe-mock serve"));
    /* the help lists every option of the table */
    const char *names[] = {"--bind ADDR",   "--port N",        "--port-file PATH",
                           "--api-key KEY", "--db PATH",       "--log-format text|json",
                           "--threads N",   "--no-access-log", "-v, --verbose",
                           "-h, --help"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strstr(cap.out, names[i]) == NULL) {
            fail_msg("help lacks %s:\n%s", names[i], cap.out);
        }
    }
    assert_string_equal(cap.err, "");
    captured_free(&cap);

    parse(version, &cli, &cap);
    assert_int_equal(cli.command, MS_CLI_DONE);
    assert_int_equal(cli.exit_code, 0);
    assert_string_equal(cap.out, "vambe-mock " VAMBE_VERSION "\n");
    captured_free(&cap);

    parse(top, &cli, &cap);
    assert_int_equal(cli.exit_code, 0);
    assert_non_null(strstr(cap.out, "serve"));
    captured_free(&cap);
}

static void usage_errors(void **state)
{
    (void)state;
    static const struct {
        const char *args[5];
        const char *first_line;
    } cases[] = {
        {{NULL}, "vambe-mock: no command given (try 'vambe-mock serve')\n"},
        {{"nope", NULL}, "vambe-mock: unknown command 'nope'\n"},
        {{"serve", "--port", "-1", NULL}, "vambe-mock: --port: "},
        {{"serve", "--port", "65536", NULL}, "vambe-mock: --port: "},
        {{"serve", "--port", NULL}, "vambe-mock: option '--port' needs a value (N)\n"},
        {{"serve", "--bind", "localhost", NULL},
         "vambe-mock: --bind: 'localhost' is not an IPv4 or IPv6 address\n"},
        {{"serve", "--log-format", "yaml", NULL},
         "vambe-mock: --log-format: 'yaml' is not a format (use text or json)\n"},
        {{"serve", "--threads", "65", NULL}, "vambe-mock: --threads: "},
        {{"serve", "--port-file", "", NULL}, "vambe-mock: --port-file: the path is empty\n"},
        {{"serve", "-q", NULL}, "vambe-mock: unknown option '-q'\n"},
        {{"serve", "--api-kee=abc", NULL}, "vambe-mock: unknown option '--api-kee'\n"},
        {{"serve", "now", NULL}, "vambe-mock: unexpected argument 'now'\n"},
        /* A mistyped option's value may be a secret: never echoed. */
        {{"serve", "--secrt=SECRETVALUE", NULL}, "vambe-mock: unknown option '--secrt'\n"},
        {{"serve", "-vQSECRETVALUE", NULL}, "vambe-mock: unknown option '-Q'\n"},
        {{"--secrt=SECRETVALUE", NULL}, "vambe-mock: unknown option '--secrt' (options follow"},
        {{"serve", "--help=SECRETVALUE", NULL}, "vambe-mock: option '--help' takes no value\n"},
        {{"serve", "--insecure=SECRETVALUE", NULL},
         "vambe-mock: option '--insecure' takes no value\n"},
        {{"serve", "--max-att", NULL}, "vambe-mock: option '--max-attempts' needs a value (N)\n"},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *argv[6] = {"vambe-mock"};
        size_t n = 1;
        struct ms_cli cli;
        struct captured cap;
        for (size_t k = 0; cases[i].args[k] != NULL; k++) {
            argv[n++] = (char *)cases[i].args[k];
        }
        argv[n] = NULL;
        parse(argv, &cli, &cap);
        assert_int_equal(cli.command, MS_CLI_DONE);
        assert_int_equal(cli.exit_code, 2);
        if (strncmp(cap.err, cases[i].first_line, strlen(cases[i].first_line)) != 0) {
            fail_msg("case %zu: stderr is '%s'", i, cap.err);
        }
        assert_non_null(strstr(cap.err, "\nusage: vambe-mock"));
        assert_null(strstr(cap.err, "SECRETVALUE"));
        assert_string_equal(cap.out, "");
        captured_free(&cap);
    }

    /* An oversized key is refused without being echoed. */
    char key[MS_API_KEY_MAX + 2];
    memset(key, 'Q', sizeof(key) - 1);
    key[sizeof(key) - 1] = '\0';
    char *argv[] = {"vambe-mock", "serve", "--api-key", key, NULL};
    struct ms_cli cli;
    struct captured cap;
    parse(argv, &cli, &cap);
    assert_int_equal(cli.exit_code, 2);
    assert_null(strstr(cap.err, "QQQQ"));
    captured_free(&cap);
}

static void delivery_flags(void **state)
{
    (void)state;
    char *argv[] = {"vambe-mock",
                    "serve",
                    "--max-attempts",
                    "3",
                    "--timeout",
                    "300ms",
                    "--backoff",
                    "fixed",
                    "--backoff-base",
                    "1s",
                    "--retry-schedule",
                    "5s,5m",
                    "--jitter",
                    "0",
                    "--time-scale",
                    "0.01",
                    "--duplicate-rate=1",
                    "--reorder-window",
                    "5",
                    "--disable-after",
                    "2",
                    "--no-sign",
                    "--timestamp-unit",
                    "s",
                    "--profile",
                    "legacy",
                    "--seed",
                    "77",
                    "--max-calls",
                    "10",
                    "--concurrency",
                    "4",
                    "--per-webhook-concurrency",
                    "1",
                    "--ca-file",
                    "/tmp/ca.pem",
                    "--insecure",
                    NULL};
    struct ms_cli cli;
    struct captured cap;
    const struct ms_policy *p = &cli.serve.policy;

    parse(argv, &cli, &cap);
    if (cli.command != MS_CLI_SERVE) {
        fail_msg("not parsed: %s", cap.err);
    }
    assert_int_equal(p->max_attempts, 3);
    assert_int_equal(p->timeout_ms, 300);
    assert_int_equal(p->backoff, MS_BACKOFF_SCHEDULE); /* the schedule came last */
    assert_int_equal(p->backoff_base_ms, 1000);
    assert_int_equal(p->n_schedule, 2);
    assert_true(p->jitter == 0.0);
    assert_true(p->time_scale == 0.01);
    assert_true(p->duplicate_rate == 1.0);
    assert_int_equal(p->reorder_window, 5);
    assert_int_equal(p->disable_after, 2);
    assert_false(p->sign);
    assert_int_equal(p->timestamp_unit, SIGNATURE_UNIT_S);
    assert_int_equal(p->profile, EVENT_PROFILE_LEGACY);
    assert_true(p->seed_set);
    assert_int_equal(p->seed, 77);
    assert_int_equal(p->max_calls, 10);
    assert_int_equal(p->concurrency, 4);
    assert_int_equal(p->per_webhook_concurrency, 1);
    assert_string_equal(cli.serve.ca_file, "/tmp/ca.pem");
    assert_true(cli.serve.insecure);
    captured_free(&cap);

    /* Bad values name the flag and exit 2. */
    static const char *const bad[][3] = {
        {"--max-attempts", "0", "vambe-mock: --max-attempts: "},
        {"--backoff", "cubic", "vambe-mock: --backoff: 'cubic' is not a backoff"},
        {"--jitter", "2", "vambe-mock: --jitter: "},
        {"--timestamp-unit", "ns", "vambe-mock: --timestamp-unit: 'ns' is not a unit"},
        {"--retry-schedule", "5s,x", "vambe-mock: --retry-schedule: delay 2"},
        {"--time-scale", "0", "vambe-mock: --time-scale: "},
        {"--ca-file", "", "vambe-mock: --ca-file: the path is empty"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char *a[] = {"vambe-mock", "serve", (char *)bad[i][0], (char *)bad[i][1], NULL};
        parse(a, &cli, &cap);
        assert_int_equal(cli.command, MS_CLI_DONE);
        assert_int_equal(cli.exit_code, 2);
        if (strncmp(cap.err, bad[i][2], strlen(bad[i][2])) != 0) {
            fail_msg("case %zu: stderr is '%s'", i, cap.err);
        }
        captured_free(&cap);
    }

    /* --help lists every delivery flag. */
    char *help[] = {"vambe-mock", "serve", "--help", NULL};
    size_t n = 0;
    const struct ms_policy_flag *pf = ms_policy_flags(&n);
    parse(help, &cli, &cap);
    assert_non_null(strstr(cap.out, "[delivery options]"));
    assert_non_null(strstr(cap.out, "--ca-file PATH"));
    assert_non_null(strstr(cap.out, "--insecure"));
    for (size_t i = 0; i < n; i++) {
        char name[80];
        snprintf(name, sizeof(name), "--%s", pf[i].flag);
        if (strstr(cap.out, name) == NULL || strstr(cap.out, pf[i].help) == NULL) {
            fail_msg("help lacks %s", name);
        }
    }
    captured_free(&cap);
}

static void trigger_command(void **state)
{
    (void)state;
    struct ms_cli cli;
    struct captured cap;
    char *argv[] = {"vambe-mock", "trigger",  "message.received",    "--count",
                    "3",          "--data",   "{\"a\":1}",           "--webhook",
                    "abc",        "--server", "http://127.0.0.1:9/", "--api-key",
                    "k2",         NULL};
    char *minimal[] = {"vambe-mock", "trigger", "--count=2", "ticket.closed", NULL};

    unsetenv(MS_API_KEY_ENV);
    parse(argv, &cli, &cap);
    if (cli.command != MS_CLI_TRIGGER) {
        fail_msg("not parsed: %s", cap.err);
    }
    assert_string_equal(cli.trigger.topic, "message.received");
    assert_int_equal(cli.trigger.count, 3);
    assert_string_equal(cli.trigger.data, "{\"a\":1}");
    assert_string_equal(cli.trigger.webhook_id, "abc");
    assert_string_equal(cli.trigger.server, "http://127.0.0.1:9/");
    assert_string_equal(cli.trigger.api_key, "k2");
    captured_free(&cap);

    /* Options before the topic; defaults; the key from the environment. */
    setenv(MS_API_KEY_ENV, "env-key", 1);
    parse(minimal, &cli, &cap);
    unsetenv(MS_API_KEY_ENV);
    assert_int_equal(cli.command, MS_CLI_TRIGGER);
    assert_string_equal(cli.trigger.topic, "ticket.closed");
    assert_int_equal(cli.trigger.count, 2);
    assert_null(cli.trigger.data);
    assert_null(cli.trigger.webhook_id);
    assert_string_equal(cli.trigger.server, "http://127.0.0.1:8790");
    assert_string_equal(cli.trigger.api_key, "env-key");
    captured_free(&cap);

    static const struct {
        const char *args[5];
        const char *first_line;
    } bad[] = {
        {{"trigger", NULL}, "vambe-mock: TOPIC is required\n"},
        {{"trigger", "a", "b", NULL}, "vambe-mock: unexpected argument 'b' (one TOPIC only)\n"},
        {{"trigger", "t", "--count", "0", NULL}, "vambe-mock: --count: "},
        {{"trigger", "t", "--count", "10001", NULL}, "vambe-mock: --count: "},
        {{"trigger", "t", "--server", "ftp://x", NULL}, "vambe-mock: --server: "},
        {{"trigger", "t", "--max-attempts", "3", NULL},
         "vambe-mock: unknown option '--max-attempts'\n"},
        {{"trigger", "t", "--api-kye=SECRETVALUE", NULL},
         "vambe-mock: unknown option '--api-kye'\n"},
        {{"trigger", "t", "--insecure=SECRETVALUE", NULL},
         "vambe-mock: option '--insecure' takes no value\n"},
        {{"trigger", "t", "--coun", NULL}, "vambe-mock: option '--count' needs a value (N)\n"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char *a[7] = {"vambe-mock"};
        size_t k = 1;
        for (size_t j = 0; bad[i].args[j] != NULL; j++) {
            a[k++] = (char *)bad[i].args[j];
        }
        a[k] = NULL;
        parse(a, &cli, &cap);
        assert_int_equal(cli.command, MS_CLI_DONE);
        assert_int_equal(cli.exit_code, 2);
        if (strncmp(cap.err, bad[i].first_line, strlen(bad[i].first_line)) != 0) {
            fail_msg("case %zu: stderr is '%s'", i, cap.err);
        }
        assert_non_null(strstr(cap.err, "usage: vambe-mock trigger TOPIC"));
        assert_null(strstr(cap.err, "SECRETVALUE"));
        captured_free(&cap);
    }

    char *help[] = {"vambe-mock", "trigger", "-h", NULL};
    parse(help, &cli, &cap);
    assert_int_equal(cli.exit_code, 0);
    const char *names[] = {"--data JSON|@FILE", "--count N", "--webhook ID", "--server URL",
                           "--api-key KEY"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        assert_non_null(strstr(cap.out, names[i]));
    }
    captured_free(&cap);

    char *top[] = {"vambe-mock", "--help", NULL};
    parse(top, &cli, &cap);
    assert_non_null(strstr(cap.out, "trigger"));
    captured_free(&cap);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults),         cmocka_unit_test(every_flag),
        cmocka_unit_test(help_and_version), cmocka_unit_test(usage_errors),
        cmocka_unit_test(delivery_flags),   cmocka_unit_test(trigger_command),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
