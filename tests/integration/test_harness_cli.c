/* vambe-harness, the real binary: exit codes (DESIGN section 7) for usage,
 * configuration and scenario errors (2), an unreachable target (3), a
 * non-conformant receiver (1); list, validate, --help and --version; the
 * built-in suite found without flags. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>
#include <jansson.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/http_server.h"
#include "support/proc.h"

#define OUT_SIZE (64 * 1024)
#define RUN_MS   30000
#define SECRET   "whsec_cli_s3cr3t"

static char out[OUT_SIZE];
static char errout[OUT_SIZE];

/* Runs the binary with args (NULL-terminated); returns its exit status. */
static int harness(const char *const *args)
{
    const char *bin = proc_bin("VAMBE_HARNESS_BIN");
    char *argv[32];
    int argc = 0;

    assert_non_null(bin);
    argv[argc++] = (char *)bin;
    for (size_t i = 0; args[i] != NULL; i++) {
        argv[argc++] = (char *)args[i];
    }
    argv[argc] = NULL;
    return proc_run(argv, out, sizeof(out), errout, sizeof(errout), RUN_MS);
}

/* A port that was bound and closed again: nothing listens there. */
static unsigned closed_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    socklen_t len = sizeof(a);

    assert_true(fd >= 0);
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    close(fd);
    return ntohs(a.sin_port);
}

static void unreachable_target_is_3(void **state)
{
    (void)state;
    char target[64];
    snprintf(target, sizeof(target), "http://127.0.0.1:%u/hook", closed_port());
    const char *const args[] = {"run", "--target", target, "--secret", SECRET, NULL};

    assert_int_equal(harness(args), 3);
    assert_non_null(strstr(errout, "unreachable"));
    assert_non_null(strstr(errout, "Connection refused"));
    /* Nothing ran: no case line on stdout. */
    assert_null(strstr(out, "PASS"));
    assert_null(strstr(out, "ERROR"));
}

static void usage_errors_are_2(void **state)
{
    (void)state;
    char target[64];
    snprintf(target, sizeof(target), "http://127.0.0.1:%u/hook", closed_port());
    /* Each is checked before the preflight: a bad selection is 2 even with
     * an unreachable target. */
    static const struct {
        const char *args[8];
        const char *msg;
    } cases[] = {
        {{"run", "--bogus-flag", NULL}, "unknown option '--bogus-flag'"},
        {{"run", "--secret", SECRET, NULL}, "--target URL is required"},
        {{"run", "--target", "T", "--secret", SECRET, "--only", "NOPE-001"},
         "--only: no case 'NOPE-001' in the suite"},
        {{"run", "--target", "T", "--secret", SECRET, "--tags", "no-such-tag"}, "no case selected"},
        {{"run", "--target", "T", "--secret", SECRET, "--skip", "ZZZ-999"},
         "--skip: no case 'ZZZ-999'"},
        {{"run", "--target", "T", "--secret", SECRET, "--report", "json:/nonexistent/d/r.json"},
         "/nonexistent/d"},
        {{"run", "--target", "T", "--secret", SECRET, "--report", "json:/dev/null"},
         "report '/dev/null': is a character device, not a regular file (give a file path, or - "
         "for standard output)"},
        {{"run", "--target", "T", "--secret", SECRET, "--ignored-topics", "ticket.closed,,x"},
         "--ignored-topics: 'ticket.closed,,x' is not a list of topics (letters, digits, '.', "
         "'_' and '-', separated by commas)"},
        {{"run", "--target", "T", "--secret", SECRET, "--ignored-topics", "a b"},
         "--ignored-topics: 'a b' is not a list of topics"},
        {{"frobnicate", NULL}, "unknown command 'frobnicate'"},
        {{NULL}, "missing command"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *args[10];
        size_t n = 0;
        for (size_t k = 0; k < 8 && cases[i].args[k] != NULL; k++) {
            args[n++] = strcmp(cases[i].args[k], "T") == 0 ? target : cases[i].args[k];
        }
        args[n] = NULL;
        int code = harness(args);
        if (code != 2 || strstr(errout, cases[i].msg) == NULL) {
            fprintf(stderr, "case %zu: exit %d, stderr: %s\n", i, code, errout);
        }
        assert_int_equal(code, 2);
        assert_non_null(strstr(errout, cases[i].msg));
    }
}

/* A mistyped option's value may be the secret: exit 2, the option named,
 * the value never printed, by run, by the top level and by a tool. */
static void misspelled_options_hide_values(void **state)
{
    (void)state;
    static const struct {
        const char *args[3];
        const char *msg;
    } cases[] = {
        {{"run", "--secrt=SECRETVALUE"}, "vambe-harness: error: unknown option '--secrt'\n"},
        {{"--secrt=SECRETVALUE"}, "vambe-harness: error: unknown option '--secrt'\n"},
        {{"run", "-QSECRETVALUE"}, "vambe-harness: error: unknown option '-Q'\n"},
        {{"run", "--strict=SECRETVALUE"},
         "vambe-harness: error: option '--strict' takes no value\n"},
        {{"sign", "--secrt=SECRETVALUE"}, "vambe-harness: error: sign: unknown option '--secrt'\n"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *args[4] = {NULL};
        for (size_t k = 0; k < 3 && cases[i].args[k] != NULL; k++) {
            args[k] = cases[i].args[k];
        }
        int code = harness(args);
        if (code != 2 || strncmp(errout, cases[i].msg, strlen(cases[i].msg)) != 0) {
            fprintf(stderr, "case %zu: exit %d, stderr: %s\n", i, code, errout);
        }
        assert_int_equal(code, 2);
        assert_int_equal(strncmp(errout, cases[i].msg, strlen(cases[i].msg)), 0);
        assert_null(strstr(errout, "SECRETVALUE"));
        assert_null(strstr(out, "SECRETVALUE"));
    }
}

static void bad_scenarios_are_2(void **state)
{
    (void)state;
    char dir[] = "/tmp/vambe-harness-cli-XXXXXX";
    char bad[128], good[128], empty[128], target[64];

    assert_non_null(mkdtemp(dir));
    snprintf(bad, sizeof(bad), "%s/bad.json", dir);
    snprintf(good, sizeof(good), "%s/good.json", dir);
    snprintf(empty, sizeof(empty), "%s/empty", dir);
    snprintf(target, sizeof(target), "http://127.0.0.1:%u/hook", closed_port());
    assert_int_equal(mkdir(empty, 0700), 0);
    FILE *f = fopen(bad, "w");
    assert_non_null(f);
    fputs("{\n  \"format\": 1,\n  \"id\": \"TST-001\",\n  \"title\": \"t\",\n"
          "  \"level\": \"SOMETIMES\",\n  \"reference\": \"r\",\n  \"tags\": [],\n"
          "  \"steps\": [{\"step\": \"wait\", \"duration\": \"1ms\"}]\n}\n",
          f);
    fclose(f);
    f = fopen(good, "w");
    assert_non_null(f);
    fputs("{\"format\": 1, \"id\": \"TST-002\", \"title\": \"t\", \"level\": \"INFO\", "
          "\"reference\": \"r\", \"tags\": [], \"steps\": [{\"step\": \"wait\", "
          "\"duration\": \"1ms\"}]}\n",
          f);
    fclose(f);

    /* validate: every error, with file, line and column; exit 2. */
    const char *const v1[] = {"validate", good, bad, NULL};
    assert_int_equal(harness(v1), 2);
    char want[256];
    snprintf(want, sizeof(want), "%s:5:3: level: bad level 'SOMETIMES'", bad);
    assert_non_null(strstr(errout, want));
    assert_non_null(strstr(errout, "1 of 2 scenarios with errors"));
    const char *const v2[] = {"validate", good, NULL};
    assert_int_equal(harness(v2), 0);
    assert_string_equal(out, "1 scenario OK\n");
    /* validate takes run's --scenario and --suite too: it checks what it
     * is given, never the built-in suite instead. */
    const char *const v4[] = {"validate", "--scenario", bad, NULL};
    assert_int_equal(harness(v4), 2);
    assert_non_null(strstr(errout, want));
    const char *const v5[] = {"validate", "--scenario", good, NULL};
    assert_int_equal(harness(v5), 0);
    assert_string_equal(out, "1 scenario OK\n");
    const char *const v6[] = {"validate", "--scenario", "/nonexistent/x.json", NULL};
    assert_int_equal(harness(v6), 2);
    assert_non_null(strstr(errout, "/nonexistent/x.json"));

    /* run with a bad scenario file: 2, before any connection. */
    const char *const r1[] = {"run",  "--target",   target, "--secret",
                              SECRET, "--scenario", bad,    NULL};
    assert_int_equal(harness(r1), 2);
    assert_non_null(strstr(errout, want));
    /* run with an empty suite: 2, never a pass. */
    const char *const r2[] = {"run",  "--target", target, "--secret",
                              SECRET, "--suite",  empty,  NULL};
    assert_int_equal(harness(r2), 2);
    assert_non_null(strstr(errout, "the suite has no scenarios"));
    const char *const v3[] = {"validate", empty, NULL};
    assert_int_equal(harness(v3), 2);
    assert_non_null(strstr(errout, "no scenario file found"));

    unlink(bad);
    unlink(good);
    rmdir(empty);
    rmdir(dir);
}

static void list_validate_help_version(void **state)
{
    (void)state;
    const char *const list[] = {"list", NULL};
    assert_int_equal(harness(list), 0);
    assert_non_null(strstr(out, "ID        LEVEL   TAGS"));
    assert_non_null(strstr(out, "SIG-002   MUST    signature,security"));
    assert_non_null(strstr(out, "rejects a signature made with another secret"));
    assert_non_null(strstr(out, "50 cases\n"));

    const char *const list_tags[] = {"list", "--tags", "latency", NULL};
    assert_int_equal(harness(list_tags), 0);
    assert_non_null(strstr(out, "6 cases\n"));

    const char *const validate[] = {"validate", NULL};
    assert_int_equal(harness(validate), 0);
    assert_string_equal(out, "50 scenarios OK\n");

    const char *const help[] = {"--help", NULL};
    assert_int_equal(harness(help), 0);
    assert_non_null(strstr(out, "usage: vambe-harness run --target URL --secret S"));
    assert_non_null(strstr(out, "--probe-url TEMPLATE"));
    assert_non_null(strstr(out, "--settle DUR"));
    assert_non_null(strstr(out, "3 target unreachable"));

    const char *const version[] = {"--version", NULL};
    assert_int_equal(harness(version), 0);
    assert_non_null(strstr(out, "vambe-harness "));
}

static void on_any(void *ctx, const struct http_server_request *req, struct http_server_reply *rep)
{
    (void)ctx;
    (void)req;
    http_reply_text(rep, 200, "text/plain", "ok", 2);
}

/* A receiver that accepts everything is not conformant: exit 1, a line per
 * case, no colour on a pipe, the secret never printed. */
static void not_conformant_is_1(void **state)
{
    (void)state;
    static const struct http_route routes[] = {{"POST", "/", on_any}};
    struct http_server_opts o;
    struct err e = {{0}};
    char target[64];

    memset(&o, 0, sizeof(o));
    o.routes = routes;
    o.n_routes = 1;
    struct http_server *s = http_server_start(&o, &e);
    assert_non_null(s);
    snprintf(target, sizeof(target), "http://127.0.0.1:%u/", http_server_port(s));
    const char *const args[] = {"run",  "--target", target,      "--secret",
                                SECRET, "--tags",   "signature", NULL};
    assert_int_equal(harness(args), 1);
    assert_non_null(strstr(out, "FAIL  MUST    SIG-001"));
    assert_non_null(strstr(out, "SKIP  MUST    SIG-007"));
    assert_non_null(strstr(out, "result: NOT conformant"));
    assert_non_null(strstr(out, "--secret \"$VAMBE_SECRET\""));
    assert_null(strstr(out, SECRET));
    assert_null(strstr(out, "\x1b["));

    /* --report json:- puts the report alone on standard output; the text
     * goes to standard error. */
    const char *const to_stdout[] = {"run",    "--target", target,     "--secret", SECRET,
                                     "--only", "SIG-001",  "--report", "json:-",   NULL};
    assert_int_equal(harness(to_stdout), 1);
    json_error_t je;
    json_t *report = json_loads(out, 0, &je);
    if (report == NULL) {
        fprintf(stderr, "stdout is not one JSON document (%s): %.200s\n", je.text, out);
    }
    assert_non_null(report);
    assert_non_null(json_object_get(report, "cases"));
    json_decref(report);
    assert_non_null(strstr(errout, "FAIL  MUST    SIG-001"));
    http_server_stop(s);
}

static void on_slow(void *ctx, const struct http_server_request *req, struct http_server_reply *rep)
{
    (void)ctx;
    (void)req;
    struct timespec ts = {0, 200 * 1000 * 1000};
    nanosleep(&ts, NULL);
    http_reply_text(rep, 200, "text/plain", "ok", 2);
}

/* SIGINT in the middle of a run: the case in progress finishes, the
 * report of the cases run so far is written, marked interrupted, and the
 * exit status is 130. */
static void interrupted_run_writes_its_report(void **state)
{
    (void)state;
    static const struct http_route routes[] = {{"POST", "/", on_slow}};
    struct http_server_opts o;
    struct err e = {{0}};
    char target[64], spec[128], path[96], log[8192];
    char dir[] = "/tmp/vambe-interrupt-XXXXXX";

    memset(&o, 0, sizeof(o));
    o.routes = routes;
    o.n_routes = 1;
    struct http_server *s = http_server_start(&o, &e);
    assert_non_null(s);
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/r.json", dir);
    snprintf(spec, sizeof(spec), "json:%s", path);
    snprintf(target, sizeof(target), "http://127.0.0.1:%u/", http_server_port(s));
    char *argv[] = {(char *)proc_bin("VAMBE_HARNESS_BIN"),
                    "run",
                    "--target",
                    target,
                    "--secret",
                    SECRET,
                    "--tags",
                    "signature",
                    "--report",
                    spec,
                    NULL};
    struct proc p;
    memset(&p, 0, sizeof(p));
    assert_int_equal(proc_start(&p, argv, false, 0), 0);
    struct timespec ts = {1, 0};
    nanosleep(&ts, NULL); /* a few cases in */
    assert_int_equal(kill(p.pid, SIGINT), 0);
    int status = 0;
    for (int i = 0; i < 1500 && waitpid(p.pid, &status, WNOHANG) != p.pid; i++) {
        struct timespec nap = {0, 10 * 1000 * 1000};
        nanosleep(&nap, NULL);
    }
    proc_read_log(&p, log, sizeof(log));
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 130) {
        fprintf(stderr, "status %d, stderr: %s\n", status, log);
    }
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 130);
    assert_non_null(strstr(log, "stopping after the case in progress"));

    json_error_t je;
    json_t *r = json_load_file(path, 0, &je);
    assert_non_null(r);
    assert_string_equal(json_string_value(json_object_get(r, "interrupted")), "SIGINT");
    size_t ran = json_array_size(json_object_get(r, "cases"));
    assert_true(ran >= 1 && ran < 10);
    const char *note = json_string_value(json_array_get(json_object_get(r, "notes"), 0));
    assert_non_null(note);
    assert_non_null(strstr(note, "interrupted by SIGINT after"));
    assert_false(json_is_true(json_object_get(json_object_get(r, "summary"), "conformant")));
    json_decref(r);
    unlink(path);
    rmdir(dir);
    unlink(p.log_file);
    http_server_stop(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(unreachable_target_is_3),
        cmocka_unit_test(usage_errors_are_2),
        cmocka_unit_test(bad_scenarios_are_2),
        cmocka_unit_test(misspelled_options_hide_values),
        cmocka_unit_test(list_validate_help_version),
        cmocka_unit_test(not_conformant_is_1),
        cmocka_unit_test(interrupted_run_writes_its_report),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
