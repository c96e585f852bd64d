/* examples/receiver/cli: defaults, every option, the secret from the
 * environment, the message for each bad command line, and a --help
 * generated from the option and flaw tables. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "examples/receiver/cli.h"
#include "examples/receiver/flaw.h"

#define ARGC(a) ((int)(sizeof(a) / sizeof((a)[0])) - 1)

static void defaults(void **state)
{
    (void)state;
    char *argv[] = {"vambe-receiver", "--secret", "s3", NULL};
    struct rcv_config cfg;
    enum rcv_cli_action action;
    struct err e = {{0}};
    assert_int_equal(rcv_cli_parse(ARGC(argv), argv, &cfg, &action, &e), 0);
    assert_int_equal(action, RCV_CLI_RUN);
    assert_string_equal(cfg.server.secret, "s3");
    assert_null(cfg.server.bind);
    assert_int_equal(cfg.server.port, RCV_DEFAULT_PORT);
    assert_int_equal(cfg.server.work_ms, RCV_DEFAULT_WORK_MS);
    assert_int_equal(cfg.server.flaws, 0);
    assert_int_equal(cfg.server.rate_limit, 0);
    assert_null(cfg.port_file);
    assert_null(cfg.server.state); /* everything in memory */
    assert_false(cfg.verbose);
    /* kept for a restart in place */
    assert_int_equal(cfg.argc, 3);
    assert_ptr_equal(cfg.argv, argv);
}

static void every_option(void **state)
{
    (void)state;
    char *argv[] = {
        "vambe-receiver",      "--secret=abc", "--bind",  "::1",        "--port",      "0",
        "--port-file",         "/tmp/p",       "--state", "/tmp/state", "--work",      "1.5s",
        "--rate-limit",        "250",          "--flaw",  "no-dedupe",  "--flaw=slow", "--flaw",
        "drops-orphan-update", "-v",           NULL};
    struct rcv_config cfg;
    enum rcv_cli_action action;
    struct err e = {{0}};
    assert_int_equal(rcv_cli_parse(ARGC(argv), argv, &cfg, &action, &e), 0);
    assert_int_equal(action, RCV_CLI_RUN);
    assert_string_equal(cfg.server.secret, "abc");
    assert_string_equal(cfg.server.bind, "::1");
    assert_int_equal(cfg.server.port, 0);
    assert_string_equal(cfg.port_file, "/tmp/p");
    assert_string_equal(cfg.server.state, "/tmp/state");
    assert_int_equal(cfg.server.work_ms, 1500);
    assert_int_equal(cfg.server.rate_limit, 250);
    assert_int_equal(cfg.server.flaws,
                     RCV_FLAW_NO_DEDUPE | RCV_FLAW_SLOW | RCV_FLAW_DROPS_ORPHAN_UPDATE);
    assert_true(cfg.verbose);
    assert_true(cfg.server.access_log);
}

static void secret_from_environment(void **state)
{
    (void)state;
    char *argv[] = {"vambe-receiver", NULL};
    char *given[] = {"vambe-receiver", "--secret", "flag", NULL};
    struct rcv_config cfg;
    enum rcv_cli_action action;
    struct err e = {{0}};
    setenv("VAMBE_SECRET", "from-env", 1);
    assert_int_equal(rcv_cli_parse(ARGC(argv), argv, &cfg, &action, &e), 0);
    assert_string_equal(cfg.server.secret, "from-env");
    /* the flag wins over the environment */
    assert_int_equal(rcv_cli_parse(ARGC(given), given, &cfg, &action, &e), 0);
    assert_string_equal(cfg.server.secret, "flag");
    setenv("VAMBE_SECRET", "", 1);
    assert_int_equal(rcv_cli_parse(ARGC(argv), argv, &cfg, &action, &e), -1);
    assert_non_null(strstr(e.msg, "a secret is required"));
    unsetenv("VAMBE_SECRET");
    assert_int_equal(rcv_cli_parse(ARGC(argv), argv, &cfg, &action, &e), -1);
}

/* --rate-limit takes 0 (the default spelled out: no limit) to 100000. */
static void rate_limit_bounds(void **state)
{
    (void)state;
    static const struct {
        char *arg;
        unsigned want;
    } cases[] = {{"0", 0}, {"1", 1}, {"30", 30}, {"100000", 100000}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *argv[] = {"vambe-receiver", "--secret", "s", "--rate-limit", cases[i].arg, NULL};
        struct rcv_config cfg;
        enum rcv_cli_action action;
        struct err e = {{0}};
        assert_int_equal(rcv_cli_parse(ARGC(argv), argv, &cfg, &action, &e), 0);
        assert_int_equal(cfg.server.rate_limit, cases[i].want);
    }
}

static void bad_command_lines(void **state)
{
    (void)state;
    static const struct {
        const char *args[3];
        const char *message;
    } cases[] = {
        {{"--nope", NULL}, "unknown option '--nope'"},
        {{"-q", NULL}, "unknown option '-q'"},
        {{"--port", NULL}, "option '--port' needs a value (N)"},
        {{"--rate", NULL}, "option '--rate-limit' needs a value (N)"},
        {{"--por", NULL}, "unknown option '--por'"}, /* --port or --port-file */
        {{"--secrt=TOPSECRET", NULL}, "unknown option '--secrt'"},
        {{"-vQTOPSECRET", NULL}, "unknown option '-Q'"},
        {{"--verbose", "-vQ"}, "unknown option '-Q'"},
        {{"--port", "-1"}, "--port: '-1': out of range"},
        {{"--port", "80x"}, "--port: '80x': not an integer"},
        {{"--work", "5"}, "--work: '5': missing unit"},
        {{"--work", "2m"}, "--work: '2m': at most 60s"},
        {{"--flaw", "fast"},
         "--flaw: unknown flaw 'fast' (vambe-receiver --help lists the 41 flaws)"},
        {{"--rate-limit", "abc"}, "--rate-limit: 'abc': not an integer"},
        {{"--rate-limit", "-5"}, "--rate-limit: '-5': out of range (0 to 100000)"},
        {{"--rate-limit", "100001"}, "--rate-limit: '100001': out of range (0 to 100000)"},
        {{"--rate-limit", "10/s"}, "--rate-limit: '10/s': not an integer"},
        {{"--rate-limit", ""}, "--rate-limit: empty value"},
        {{"--rate-limit", NULL}, "option '--rate-limit' needs a value"},
        {{"--state", ""}, "--state: empty value"},
        {{"--state", NULL}, "option '--state' needs a value (FILE)"},
        {{"--secret", ""}, "a secret is required"},
        {{"serve", NULL}, "unexpected argument 'serve'"},
        {{"--help=x", NULL}, "option '--help' takes no value"},
        {{"--version=2", NULL}, "option '--version' takes no value"},
        {{"--verb=TOPSECRET", NULL}, "option '--verbose' takes no value"},
    };
    unsetenv("VAMBE_SECRET");
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *argv[6] = {"vambe-receiver"};
        int argc = 1;
        if (strcmp(cases[i].args[0], "--secret") != 0) {
            argv[argc++] = "--secret";
            argv[argc++] = "s";
        }
        for (size_t j = 0; j < 2 && cases[i].args[j] != NULL; j++) {
            argv[argc++] = (char *)cases[i].args[j];
        }
        struct rcv_config cfg;
        enum rcv_cli_action action;
        struct err e = {{0}};
        assert_int_equal(rcv_cli_parse(argc, argv, &cfg, &action, &e), -1);
        print_message("%s\n", e.msg);
        assert_non_null(strstr(e.msg, cases[i].message));
        assert_null(strstr(e.msg, "TOPSECRET"));
    }
}

static void help_and_version(void **state)
{
    (void)state;
    char *help[] = {"vambe-receiver", "--help", NULL};
    char *version[] = {"vambe-receiver", "--version", NULL};
    struct rcv_config cfg;
    enum rcv_cli_action action;
    struct err e = {{0}};
    unsetenv("VAMBE_SECRET");
    /* no secret needed to ask for help */
    assert_int_equal(rcv_cli_parse(ARGC(help), help, &cfg, &action, &e), 0);
    assert_int_equal(action, RCV_CLI_HELP);
    assert_int_equal(rcv_cli_parse(ARGC(version), version, &cfg, &action, &e), 0);
    assert_int_equal(action, RCV_CLI_VERSION);

    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_non_null(f);
    rcv_cli_help(f);
    fclose(f);
    static const char *const options[] = {"--secret S",       "--bind ADDR",  "--port N",
                                          "--port-file PATH", "--state FILE", "--work DUR",
                                          "--rate-limit N",   "--flaw NAME",  "-v, --verbose",
                                          "-h, --help",       "--version"};
    for (size_t i = 0; i < sizeof(options) / sizeof(options[0]); i++) {
        assert_non_null(strstr(text, options[i]));
    }
    size_t n;
    const struct rcv_flaw_info *flaws = rcv_flaw_table(&n);
    for (size_t i = 0; i < n; i++) {
        char line[160];
        snprintf(line, sizeof(line), "  %-22s %s\n", flaws[i].name, flaws[i].description);
        assert_non_null(strstr(text, line));
    }
    assert_non_null(strstr(text, "  SIGUSR2  for tests: crash and restart in place (what --state "
                                 "keeps survives)\n"));
    assert_non_null(strstr(text, "[--state FILE]"));
    /* every line fits an 80-column terminal */
    for (char *p = text, *nl; (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
        assert_true(nl - p <= 80);
    }
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults),
        cmocka_unit_test(every_option),
        cmocka_unit_test(secret_from_environment),
        cmocka_unit_test(rate_limit_bounds),
        cmocka_unit_test(bad_command_lines),
        cmocka_unit_test(help_and_version),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
