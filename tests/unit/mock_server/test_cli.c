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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults),
        cmocka_unit_test(every_flag),
        cmocka_unit_test(help_and_version),
        cmocka_unit_test(usage_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
