/* harness/cli: option parsing (values, defaults, every usage error) and the
 * re-run command printed for a failed case, with secrets kept out of it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/cli.h"

#define ARGC(a) ((int)(sizeof(a) / sizeof((a)[0])) - 1)

static void run_options(void **state)
{
    (void)state;
    char *argv[] = {"vambe-harness",
                    "run",
                    "-t",
                    "http://127.0.0.1:9/h",
                    "--secret=s3",
                    "--header",
                    "X-Token: t",
                    "--header",
                    "X-Other: o",
                    "--only",
                    "SIG-001",
                    "--skip",
                    "SIG-002",
                    "--tags",
                    "latency",
                    "--probe-url",
                    "http://127.0.0.1:9/p/{event_id}",
                    "--timeout",
                    "2s",
                    "--settle",
                    "0",
                    "--probe-wait",
                    "1s",
                    "--profile",
                    "legacy",
                    "--timestamp-unit",
                    "s",
                    "--strict",
                    "--long",
                    "--restart-cmd",
                    "systemctl restart app",
                    "--seed",
                    "42",
                    "--report",
                    "json:/tmp/r.json",
                    "-v",
                    "--no-color",
                    NULL};
    struct hn_config cfg;
    struct err e = {{0}};

    assert_int_equal(hn_cli_parse(ARGC(argv), argv, &cfg, &e), 0);
    assert_int_equal(cfg.command, HN_CMD_RUN);
    assert_string_equal(cfg.target, "http://127.0.0.1:9/h");
    assert_string_equal(cfg.secret, "s3");
    assert_false(cfg.secret_from_env);
    assert_int_equal(cfg.n_headers, 2);
    assert_string_equal(cfg.headers[1], "X-Other: o");
    assert_string_equal(cfg.only, "SIG-001");
    assert_string_equal(cfg.skip, "SIG-002");
    assert_string_equal(cfg.tags, "latency");
    assert_string_equal(cfg.probe_url, "http://127.0.0.1:9/p/{event_id}");
    assert_int_equal(cfg.timeout_ms, 2000);
    assert_int_equal(cfg.settle_ms, 0);
    assert_int_equal(cfg.probe_wait_ms, 1000);
    assert_int_equal(cfg.profile, EVENT_PROFILE_LEGACY);
    assert_int_equal(cfg.unit, SIGNATURE_UNIT_S);
    assert_true(cfg.strict);
    assert_true(cfg.long_run);
    assert_string_equal(cfg.restart_cmd, "systemctl restart app");
    assert_true(cfg.has_seed);
    assert_int_equal(cfg.seed, 42);
    assert_int_equal(cfg.n_reports, 1);
    assert_true(cfg.verbose);
    assert_true(cfg.no_color);
    hn_cli_cleanup(&cfg);
}

static void defaults_and_env(void **state)
{
    (void)state;
    char *argv[] = {"vambe-harness", "run", "--target", "http://127.0.0.1:9/", NULL};
    struct hn_config cfg;
    struct err e = {{0}};

    setenv("VAMBE_SECRET", "from-env", 1);
    assert_int_equal(hn_cli_parse(ARGC(argv), argv, &cfg, &e), 0);
    assert_string_equal(cfg.secret, "from-env");
    assert_true(cfg.secret_from_env);
    assert_int_equal(cfg.timeout_ms, 6000);
    assert_int_equal(cfg.settle_ms, 300);
    assert_int_equal(cfg.probe_wait_ms, 5000);
    assert_int_equal(cfg.profile, EVENT_PROFILE_DOCUMENTED);
    assert_int_equal(cfg.unit, SIGNATURE_UNIT_MS);
    assert_false(cfg.has_seed);
    hn_cli_cleanup(&cfg);

    unsetenv("VAMBE_SECRET");
    assert_int_equal(hn_cli_parse(ARGC(argv), argv, &cfg, &e), -1);
    assert_string_equal(e.msg, "run: --secret is required (or set VAMBE_SECRET)");
    hn_cli_cleanup(&cfg);

    char *list[] = {"vambe-harness", "list", "--tags", "signature", NULL};
    assert_int_equal(hn_cli_parse(ARGC(list), list, &cfg, &e), 0);
    assert_int_equal(cfg.command, HN_CMD_LIST);
    hn_cli_cleanup(&cfg);

    char *val[] = {"vambe-harness", "validate", "a.json", "dir", NULL};
    assert_int_equal(hn_cli_parse(ARGC(val), val, &cfg, &e), 0);
    assert_int_equal(cfg.command, HN_CMD_VALIDATE);
    assert_int_equal(cfg.n_files, 2);
    assert_string_equal(cfg.files[1], "dir");
    hn_cli_cleanup(&cfg);

    char *help[] = {"vambe-harness", "--help", NULL};
    assert_int_equal(hn_cli_parse(ARGC(help), help, &cfg, &e), 0);
    assert_int_equal(cfg.command, HN_CMD_HELP);
    hn_cli_cleanup(&cfg);
    char *ver[] = {"vambe-harness", "-V", NULL};
    assert_int_equal(hn_cli_parse(ARGC(ver), ver, &cfg, &e), 0);
    assert_int_equal(cfg.command, HN_CMD_VERSION);
    hn_cli_cleanup(&cfg);
}

static void usage_errors(void **state)
{
    (void)state;
    static const struct {
        const char *args[8];
        const char *msg;
    } bad[] = {
        {{NULL}, "missing command (run, list or validate)"},
        {{"frobnicate"}, "unknown command 'frobnicate'"},
        {{"run", "--bogus"}, "unknown option '--bogus'"},
        {{"run", "-x"}, "unknown option '-x'"},
        {{"run", "--target"}, "option '--target' needs a value (URL)"},
        {{"run", "--tar"}, "option '--target' needs a value (URL)"},
        {{"run", "-s"}, "option '-s' needs a value (S)"},
        /* A mistyped option's value may be the secret: named, never shown. */
        {{"run", "--secrt=SECRETVALUE"}, "unknown option '--secrt'"},
        {{"run", "-vQSECRETVALUE"}, "unknown option '-Q'"},
        {{"run", "--verbose", "-vQ"}, "unknown option '-Q'"},
        {{"run", "--strict=SECRETVALUE"}, "option '--strict' takes no value"},
        {{"run", "--restart-cmd", ""}, "--restart-cmd: an empty command"},
        {{"run", "--long=yes"}, "option '--long' takes no value"},
        {{"run", "--secret", "s"}, "run: --target URL is required"},
        {{"run", "-s", "s", "-t", "ftp://h/"}, "--target: 'ftp://h/': the target must be an"},
        {{"run", "-s", "", "-t", "http://h/"}, "the secret must not be empty"},
        {{"run", "--timeout", "5"}, "--timeout: '5': missing unit"},
        {{"run", "--timeout", "0"}, "--timeout '0': use a duration above 0"},
        {{"run", "--seed", "-1"}, "--seed: '-1': out of range"},
        {{"run", "--profile", "fancy"}, "--profile: profile: unknown payload profile 'fancy'"},
        {{"run", "--timestamp-unit", "us"}, "--timestamp-unit: 'us': unknown timestamp unit"},
        {{"run", "--header", "NoColon"}, "--header 'NoColon': use 'Name: value'"},
        /* A header the harness sets itself: every delivery would change and
         * the verdicts would blame the receiver. The value is not echoed. */
        {{"run", "-s", "s", "-t", "http://h/", "--header", "X-Vambe-Signature: v1=0000"},
         "--header X-Vambe-Signature: the harness sets X-Vambe-Signature itself (the scheme's "
         "signature header under scheme vambe): a value of yours would change every delivery, "
         "and the verdicts would blame the receiver"},
        {{"run", "-s", "s", "-t", "http://h/", "--header", "content-length: 0"},
         "--header content-length: the harness sets content-length itself (a header of the "
         "request itself under scheme vambe)"},
        {{"run", "-s", "s", "-t", "http://h/", "--header", "x-vambe-event-id: e"},
         "(event-id header under scheme vambe)"},
        {{"run", "-s", "s", "-t", "http://h/", "--header", "X-Vambe-Attempt: 9"},
         "(a header the scheme sends under scheme vambe)"},
        {{"run", "--report", "pdf:x.pdf"}, "unknown report format"},
        {{"run", "-s", "s", "-t", "http://h/", "--probe-url", "http://h/{event_id}", "--probe-cmd"},
         "option '--probe-cmd' needs a value"},
        {{"list", "extra"}, "list: unexpected argument 'extra'"},
        {{"run", "--state-probe-url", "http://h/_probe/entities/"},
         "--state-probe-url: the template has no {entity_id}"},
        {{"run", "--state-probe-url", "ftp://h/{entity_id}"}, "--state-probe-url: 'ftp://h/"},
        {{"run", "--state-probe-url", "\x01{entity_id}"}, "--state-probe-url: "},
        {{"run", "--state-probe-url"}, "option '--state-probe-url' needs a value (TEMPLATE)"},
    };
    unsetenv("VAMBE_SECRET");
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char *argv[10] = {"vambe-harness"};
        int argc = 1;
        for (int k = 0; k < 8 && bad[i].args[k] != NULL; k++) {
            argv[argc++] = (char *)bad[i].args[k];
        }
        argv[argc] = NULL;
        struct hn_config cfg;
        struct err e = {{0}};
        assert_int_equal(hn_cli_parse(argc, argv, &cfg, &e), -1);
        if (strstr(e.msg, bad[i].msg) == NULL) {
            fprintf(stderr, "case %zu: got '%s', want '%s'\n", i, e.msg, bad[i].msg);
        }
        assert_non_null(strstr(e.msg, bad[i].msg));
        assert_null(strstr(e.msg, "SECRETVALUE"));
        hn_cli_cleanup(&cfg);
    }

    char *both[] = {
        "vambe-harness",       "run",         "-s",     "s", "-t", "http://h/", "--probe-url",
        "http://h/{event_id}", "--probe-cmd", "echo 1", NULL};
    struct hn_config cfg;
    struct err e = {{0}};
    assert_int_equal(hn_cli_parse(ARGC(both), both, &cfg, &e), -1);
    assert_string_equal(e.msg, "give one probe: --probe-url or --probe-cmd, not both");
    hn_cli_cleanup(&cfg);
}

static void rerun_command(void **state)
{
    (void)state;
    char *argv[] = {"./vambe-harness",
                    "run",
                    "--target",
                    "http://h:1/hook?token=t0ps3cret",
                    "-s",
                    "sup3rsecret",
                    "--header",
                    "X-Api-Key: k3y",
                    "--only",
                    "SIG-001,SIG-002",
                    "--tags=signature",
                    "--report",
                    "junit:/tmp/r.xml",
                    "--timeout",
                    "2s",
                    "--probe-cmd",
                    "psql -c 'select 1'",
                    "--strict",
                    NULL};
    struct hn_config cfg;
    struct err e = {{0}};

    assert_int_equal(hn_cli_parse(ARGC(argv), argv, &cfg, &e), 0);
    char *cmd = hn_cli_rerun(&cfg, "SIG-002", 77);
    assert_string_equal(cmd, "./vambe-harness run --target 'http://h:1/hook?token=***' "
                             "--secret \"$VAMBE_SECRET\" --header 'X-Api-Key: ***' "
                             "--timeout 2s --probe-cmd 'psql -c '\\''select 1'\\''' --strict "
                             "--seed 77 --only SIG-002");
    assert_null(strstr(cmd, "sup3rsecret"));
    assert_null(strstr(cmd, "t0ps3cret"));
    assert_null(strstr(cmd, "k3y"));
    free(cmd);
    hn_cli_cleanup(&cfg);

    /* A given seed is kept, not doubled; the secret from the environment
     * is not written at all; abbreviated and joined options are read as
     * getopt_long reads them. */
    setenv("VAMBE_SECRET", "env-secret", 1);
    char *argv2[] = {"vh", "run", "-thttp://h/", "--see=5", "--only", "X", "-v", NULL};
    assert_int_equal(hn_cli_parse(ARGC(argv2), argv2, &cfg, &e), 0);
    assert_true(cfg.secret_from_env);
    cmd = hn_cli_rerun(&cfg, "DLV-001", 99);
    assert_string_equal(cmd, "vh run --target http://h/ --seed 5 --verbose --only DLV-001");
    free(cmd);
    hn_cli_cleanup(&cfg);
    unsetenv("VAMBE_SECRET");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(run_options),
        cmocka_unit_test(defaults_and_env),
        cmocka_unit_test(usage_errors),
        cmocka_unit_test(rerun_command),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
