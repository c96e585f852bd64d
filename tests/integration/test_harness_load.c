/* vambe-harness load against vambe-receiver (VAMBE_RECEIVER_BIN), on
 * 127.0.0.1 port 0: a fixed rate sends its schedule, every delivery a
 * distinct, validly signed event (the receiver answers a duplicate id 409
 * with --flaw error-on-duplicate and a bad signature 401); a ramp against
 * --rate-limit finds the knee below the limit; a ramp against a receiver
 * that works before answering stops on the budget with no knee; the four
 * reports are written and the JSON validates against its schema; an
 * unreachable target is exit 3; usage errors through the real binary; the
 * progress line only on a terminal; SIGINT reports the steps so far.
 *
 * With --memory (ctest: integration.harness_load_memory, label long): a
 * 60 s load at 1500/s, the harness's peak RSS bounded (see memory_flat). */
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
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness/load.h"
#include "support/proc.h"

#define SECRET   "whsec_bG9hZC10ZXN0LXNlY3JldC1rZXktMTIzNA=="
#define START_MS 10000
#define STOP_MS  10000
#define RUN_MS   120000
#define OUT_SIZE (64 * 1024)

static char out[OUT_SIZE];
static char errout[OUT_SIZE];
static bool memory_mode;

struct fixture {
    struct proc p;
    char url[96];
};

static int fx_setup(void **state)
{
    *state = calloc(1, sizeof(struct fixture));
    return *state != NULL ? 0 : -1;
}

static int fx_teardown(void **state)
{
    struct fixture *f = *state;
    if (f->p.pid > 0) {
        proc_kill(&f->p);
        unlink(f->p.port_file);
        unlink(f->p.log_file);
    }
    free(f);
    return 0;
}

/* Starts vambe-receiver with extra arguments (NULL-terminated). */
static void receiver_start(struct fixture *f, const char *const *extra)
{
    char *argv[16] = {(char *)proc_bin("VAMBE_RECEIVER_BIN"), "--secret", SECRET};
    size_t n = 3;

    assert_non_null(argv[0]);
    for (size_t i = 0; extra[i] != NULL; i++) {
        argv[n++] = (char *)extra[i];
    }
    argv[n] = NULL;
    assert_int_equal(proc_start(&f->p, argv, true, START_MS), 0);
    snprintf(f->url, sizeof(f->url), "http://127.0.0.1:%u/", f->p.port);
}

/* Runs `load` in process with args (NULL-terminated); its stdout in out.
 * Returns the exit status; *result the load (caller frees). */
static int load(const char *const *args, struct rp_load **result)
{
    char *argv[48];
    int argc = 0;
    struct hn_load_config cfg;
    struct err e = {{0}};

    argv[argc++] = "load";
    for (size_t i = 0; args[i] != NULL; i++) {
        argv[argc++] = (char *)args[i];
    }
    argv[argc] = NULL;
    if (hn_load_parse(argc, argv, &cfg, &e) != 0) {
        fail_msg("load: %s", e.msg);
    }
    FILE *f = tmpfile();
    assert_non_null(f);
    int code = hn_load_run(&cfg, f, result);
    rewind(f);
    size_t n = fread(out, 1, sizeof(out) - 1, f);
    out[n] = '\0';
    fclose(f);
    hn_load_cleanup(&cfg);
    return code;
}

static void check_counts(const struct rp_load_step *s, uint64_t scheduled)
{
    /* The schedule holds rate x duration deliveries exactly. One is not
     * sent only when the harness is over 100 ms behind its schedule (a
     * stall of this process on a loaded machine) or at --concurrency
     * (256, far above rate x latency here): at most a tenth is allowed,
     * and every one sent must be answered 2xx. */
    assert_int_equal(s->scheduled, scheduled);
    assert_int_equal(s->sent + s->not_sent, scheduled);
    assert_true(s->not_sent * 10 <= scheduled);
    assert_int_equal(s->not_sent_at_cap, 0);
    assert_int_equal(s->ok, s->sent);
    assert_int_equal(s->non_2xx, 0);
    assert_int_equal(rp_load_step_errors(s), 0);
    assert_int_equal(s->latency.samples, s->sent);
    assert_true(s->latency.p50_us <= s->latency.p99_us);
    assert_true(s->latency.p99_us <= s->latency.max_us);
}

/* A fixed rate under three schemes (a header signature, Standard Webhooks'
 * base64 one with several topics, a query token): every delivery answered
 * 2xx by a receiver that refuses a bad signature (401) and a repeated
 * event id (409). */
static void fixed_rate_every_delivery_valid_and_distinct(void **state)
{
    struct fixture *f = *state;
    static const struct {
        const char *scheme;
        const char *rate;
        const char *duration;
        const char *topics;
        uint64_t scheduled;
    } runs[] = {
        {"vambe", "100", "2s", "message.received", 200},
        {"standard-webhooks", "50/s", "1s", "message.received,ticket.created,stage.changed", 50},
        {"vambe-token-query", "50", "1s", "contact.created", 50},
    };

    for (size_t i = 0; i < sizeof(runs) / sizeof(runs[0]); i++) {
        const char *const rargs[] = {"--scheme", runs[i].scheme,       "--work", "0ms",
                                     "--flaw",   "error-on-duplicate", NULL};
        struct rp_load *l = NULL;
        receiver_start(f, rargs);
        const char *const args[] = {
            "--target",     f->url,         "--secret",   SECRET,       "--scheme",
            runs[i].scheme, "--rate",       runs[i].rate, "--duration", runs[i].duration,
            "--topic",      runs[i].topics, "--seed",     "7",          NULL};
        assert_int_equal(load(args, &l), 0);
        assert_non_null(l);
        assert_int_equal(l->n_steps, 1);
        check_counts(&l->steps[0], runs[i].scheduled);
        assert_int_equal(l->stop, RP_LOAD_STOP_DONE);
        if (l->steps[0].not_sent == 0) {
            assert_int_equal(l->steps[0].status, RP_LOAD_OK);
            assert_true(l->has_knee);
        }
        assert_non_null(strstr(out, "stopped: the fixed rate ran its whole duration"));
        assert_null(strstr(out, SECRET));
        rp_load_free(l);
        assert_int_equal(proc_stop(&f->p, STOP_MS), 0);
        unlink(f->p.log_file);
        memset(&f->p, 0, sizeof(f->p));
    }
}

/* Runs python3's jsonschema over a JSON report; fails the test if invalid. */
static void validate_json(const char *path)
{
    static const char validator[] = "import json, sys, jsonschema\n"
                                    "schema = json.load(open(sys.argv[1]))\n"
                                    "doc = json.load(open(sys.argv[2]))\n"
                                    "jsonschema.validators.validator_for(schema)(schema)"
                                    ".validate(doc)\n"
                                    "print('valid', doc['result']['stop'])\n";
    char schema[1024];
    const char *src = getenv("VAMBE_SOURCE_DIR");

    assert_non_null(src);
    snprintf(schema, sizeof(schema), "%s/reports/schema/load.schema.json", src);
    char *argv[] = {"/usr/bin/python3", "-c", (char *)validator, schema, (char *)path, NULL};
    if (proc_run(argv, out, sizeof(out), errout, sizeof(errout), 60000) != 0) {
        fail_msg("jsonschema %s: %s", path, errout);
    }
    assert_string_equal(out, "valid errors\n");
}

/* --rate-limit 100: the ramp 10, 20, 40, 80 is within it (any second of
 * those rates holds at most 81 deliveries), 160 gets 429 for over a third:
 * the ramp stops there on errors and the knee is 80/s. */
static void ramp_finds_the_knee_below_the_limit(void **state)
{
    struct fixture *f = *state;
    const char *const rargs[] = {"--rate-limit", "100", "--work", "0ms", NULL};
    struct rp_load *l = NULL;
    char dir[] = "/tmp/vambe-load-XXXXXX";
    char spec[4][160];

    assert_non_null(mkdtemp(dir));
    static const char *const fmts[] = {"json", "junit", "md", "html"};
    for (int i = 0; i < 4; i++) {
        snprintf(spec[i], sizeof(spec[i]), "%s:%s/load.%s", fmts[i], dir, fmts[i]);
    }
    receiver_start(f, rargs);
    const char *const args[] = {"--target", f->url,     "--secret", SECRET,     "--ramp",
                                "--start",  "10",       "--max",    "1000",     "--step-duration",
                                "1s",       "--report", spec[0],    "--report", spec[1],
                                "--report", spec[2],    "--report", spec[3],    NULL};
    assert_int_equal(load(args, &l), 0);
    assert_non_null(l);
    assert_int_equal(l->n_steps, 5);
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(l->steps[i].rate, 10u << i);
        check_counts(&l->steps[i], 10u << i);
    }
    const struct rp_load_step *last = &l->steps[4];
    assert_int_equal(last->rate, 160);
    assert_int_equal(last->status, RP_LOAD_ERRORS);
    assert_int_equal(l->stop, RP_LOAD_STOP_ERRORS);
    assert_true(last->n_statuses >= 1);
    assert_int_equal(last->statuses[0].status, 429);
    assert_true(last->statuses[0].count * 100 > last->sent);
    assert_true(l->has_knee);
    assert_true(l->steps[l->knee].rate < 160);
    if (l->steps[3].not_sent == 0) {
        assert_int_equal(l->steps[l->knee].rate, 80);
    }
    assert_non_null(strstr(out, "knee: "));
    assert_non_null(strstr(out, "stopped: at 160/s"));
    char path[256];
    snprintf(path, sizeof(path), "%s/load.json", dir);
    validate_json(path);
    snprintf(path, sizeof(path), "%s/load.html", dir);
    char *argv_grep[] = {"/bin/grep", "-c", "<svg id=\"load-chart\"", path, NULL};
    assert_int_equal(proc_run(argv_grep, out, sizeof(out), NULL, 0, 10000), 0);
    assert_string_equal(out, "1\n");
    char xsd[1024];
    snprintf(xsd, sizeof(xsd), "%s/tests/data/junit.xsd", getenv("VAMBE_SOURCE_DIR"));
    snprintf(path, sizeof(path), "%s/load.junit", dir);
    char *argv_lint[] = {"/usr/bin/xmllint", "--noout", "--schema", xsd, path, NULL};
    if (proc_run(argv_lint, NULL, 0, errout, sizeof(errout), 60000) != 0) {
        fail_msg("xmllint: %s", errout);
    }
    for (int i = 0; i < 4; i++) {
        snprintf(path, sizeof(path), "%s/load.%s", dir, fmts[i]);
        unlink(path);
    }
    rmdir(dir);
    rp_load_free(l);
}

/* --flaw sync works 200 ms before each answer: at 2/s every answer is over
 * a 100 ms budget, so the first step is over it and there is no knee. */
static void ramp_over_budget_has_no_knee(void **state)
{
    struct fixture *f = *state;
    const char *const rargs[] = {"--flaw", "sync", NULL};
    struct rp_load *l = NULL;

    receiver_start(f, rargs);
    const char *const args[] = {"--target", f->url,     "--secret", SECRET,
                                "--ramp",   "--start",  "2",        "--step-duration",
                                "1s",       "--budget", "100ms",    NULL};
    assert_int_equal(load(args, &l), 0);
    assert_int_equal(l->n_steps, 1);
    assert_int_equal(l->steps[0].status, RP_LOAD_OVER_BUDGET);
    assert_int_equal(l->stop, RP_LOAD_STOP_BUDGET);
    assert_false(l->has_knee);
    assert_int_equal(l->steps[0].over_budget, l->steps[0].ok);
    assert_true(l->steps[0].latency.p50_us >= 100000);
    assert_non_null(strstr(out, "knee: none"));
    assert_non_null(strstr(out, "is over the budget of 100.0 ms"));
    rp_load_free(l);
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

/* Runs the binary with args (NULL-terminated); returns its exit status. */
static int harness(const char *const *args)
{
    char *argv[32] = {(char *)proc_bin("VAMBE_HARNESS_BIN")};
    int argc = 1;

    assert_non_null(argv[0]);
    for (size_t i = 0; args[i] != NULL; i++) {
        argv[argc++] = (char *)args[i];
    }
    argv[argc] = NULL;
    return proc_run(argv, out, sizeof(out), errout, sizeof(errout), RUN_MS);
}

static void binary_exit_codes(void **state)
{
    (void)state;
    char target[64];
    snprintf(target, sizeof(target), "http://127.0.0.1:%u/hook", closed_port());
    const char *const unreachable[] = {"load",
                                       "--target",
                                       target,
                                       "--secret",
                                       SECRET,
                                       "--rate",
                                       "10",
                                       "--duration",
                                       "1s",
                                       "--report",
                                       "json:/tmp/vambe-load-unreachable.json",
                                       NULL};
    assert_int_equal(harness(unreachable), 3);
    assert_non_null(strstr(errout, "unreachable"));
    assert_non_null(strstr(errout, "Connection refused"));
    assert_null(strstr(out, "knee"));
    assert_int_equal(access("/tmp/vambe-load-unreachable.json", F_OK), -1);

    static const struct {
        const char *args[12];
        const char *msg;
    } usage[] = {
        {{"load", "--target", "http://127.0.0.1:9/", "--secret", SECRET, "--rate", "fast",
          "--duration", "1s"},
         "vambe-harness: error: --rate: 'fast' is not a rate (N or N/s, 1 to 1000000)"},
        {{"load", "--target", "http://127.0.0.1:9/", "--secret", SECRET, "--ramp", "--rate", "5"},
         "give --ramp or --rate N --duration D, not both"},
        {{"load", "--secret", SECRET, "--ramp"}, "load: --target URL is required"},
        {{"load", "--target", "http://127.0.0.1:9/", "--secret", SECRET, "--ramp", "--report",
          "json:/nonexistent/dir/r.json"},
         "/nonexistent/dir"},
        {{"--target", "http://127.0.0.1:9/", "load"},
         "load must come first: vambe-harness load [options]"},
        {{"load", "--target", "http://127.0.0.1:9/", "--secret=" SECRET "x", "--scheme",
          "standard-webhooks", "--ramp"},
         "--secret"},
    };
    for (size_t i = 0; i < sizeof(usage) / sizeof(usage[0]); i++) {
        int rc = harness(usage[i].args);
        if (rc != 2 || strstr(errout, usage[i].msg) == NULL || strstr(errout, SECRET) != NULL) {
            fail_msg("case %zu: exit %d, stderr '%s', wanted '%s'", i, rc, errout, usage[i].msg);
        }
    }
    const char *const help[] = {"load", "--help", NULL};
    assert_int_equal(harness(help), 0);
    assert_non_null(strstr(out, "usage: vambe-harness load --target URL"));
    const char *const top[] = {"--help", NULL};
    assert_int_equal(harness(top), 0);
    assert_non_null(strstr(out, "  load       measure capacity: deliveries at a fixed rate"));
}

/* SIGINT during a step: the step stops sending, its answers are awaited,
 * the steps so far are printed and reported (the last one interrupted),
 * and the exit status is 130. */
static void interrupted_load_is_reported(void **state)
{
    struct fixture *f = *state;
    const char *const rargs[] = {"--work", "0ms", NULL};
    char report[] = "/tmp/vambe-load-sigint-XXXXXX";
    char spec[64];
    char log[] = "/tmp/vambe-load-sigint-out-XXXXXX";
    int fd = mkstemp(report);
    int out_fd = mkstemp(log);
    json_error_t jerr;

    assert_true(fd >= 0 && out_fd >= 0);
    close(fd);
    snprintf(spec, sizeof(spec), "json:%s", report);
    receiver_start(f, rargs);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(out_fd, STDOUT_FILENO);
        execl(proc_bin("VAMBE_HARNESS_BIN"), "vambe-harness", "load", "--target", f->url,
              "--secret", SECRET, "--rate", "50", "--duration", "60s", "--report", spec,
              (char *)NULL);
        _exit(127);
    }
    /* The header line is printed once the target was reached and the
     * signal handled: wait for it (at most 10 s), then interrupt. */
    for (int i = 0; i < 1000; i++) {
        char buf[256] = "";
        ssize_t n = pread(out_fd, buf, sizeof(buf) - 1, 0);
        if (n > 0 && strstr(buf, "\nstep ") != NULL) {
            break;
        }
        usleep(10000);
    }
    assert_int_equal(kill(pid, SIGINT), 0);
    int st = 0;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 130);
    json_t *doc = json_load_file(report, 0, &jerr);
    assert_non_null(doc);
    assert_string_equal(json_string_value(json_object_get(doc, "interrupted")), "SIGINT");
    json_t *res = json_object_get(doc, "result");
    assert_string_equal(json_string_value(json_object_get(res, "stop")), "interrupted");
    json_t *step = json_array_get(json_object_get(doc, "steps"), 0);
    assert_string_equal(json_string_value(json_object_get(step, "status")), "interrupted");
    json_int_t sent = json_integer_value(json_object_get(step, "sent"));
    assert_true(sent < 3000);
    assert_int_equal(json_integer_value(json_object_get(step, "ok")), sent);
    json_decref(doc);
    close(out_fd);
    unlink(log);
    unlink(report);
}

/* The \r-updated progress line goes to stderr only when it is a terminal
 * (a pseudo-terminal here, from python3's pty); otherwise stderr stays
 * free of it and the steps are plain lines on stdout. */
static void progress_line_only_on_a_terminal(void **state)
{
    struct fixture *f = *state;
    const char *const rargs[] = {"--work", "0ms", NULL};
    static const char on_pty[] =
        "import os, pty, subprocess, sys\n"
        "m, s = pty.openpty()\n"
        "p = subprocess.Popen(sys.argv[1:], stdout=subprocess.PIPE, stderr=s)\n"
        "os.close(s)\n"
        "data = b''\n"
        "while True:\n"
        "    try:\n"
        "        chunk = os.read(m, 4096)\n"
        "    except OSError:\n"
        "        break\n"
        "    if not chunk:\n"
        "        break\n"
        "    data += chunk\n"
        "so = p.stdout.read()\n"
        "p.wait()\n"
        "print(p.returncode, b'\\r\\x1b[Kstep 1, 20/s' in data, b'\\r' in so,\n"
        "      b'knee: 20/s' in so)\n";

    receiver_start(f, rargs);
    char *argv[] = {"/usr/bin/python3",
                    "-c",
                    (char *)on_pty,
                    (char *)proc_bin("VAMBE_HARNESS_BIN"),
                    "load",
                    "--target",
                    f->url,
                    "--secret",
                    SECRET,
                    "--rate",
                    "20",
                    "--duration",
                    "1s",
                    NULL};
    assert_int_equal(proc_run(argv, out, sizeof(out), errout, sizeof(errout), RUN_MS), 0);
    assert_string_equal(out, "0 True False True\n");
    /* Not a terminal: no \r anywhere. */
    const char *const args[] = {"load",   "--target", f->url,       "--secret", SECRET,
                                "--rate", "20",       "--duration", "1s",       NULL};
    assert_int_equal(harness(args), 0);
    assert_null(strchr(errout, '\r'));
    assert_non_null(strstr(out, "knee: 20/s"));
}

#ifdef __SANITIZE_ADDRESS__
/* AddressSanitizer's shadow memory makes RSS meaningless: the bound is
 * checked in the normal build (.ci/run runs the long tests there). */
static void memory_flat(void **state)
{
    (void)state;
    print_message("skipped: AddressSanitizer's shadow memory makes RSS meaningless\n");
    skip();
}
#else
/* Runs the harness binary with args until it exits; returns its peak RSS
 * in KiB (wait4's ru_maxrss) and its stdout in out. */
static long harness_peak_kib(const char *const *args, int *status)
{
    char *argv[32] = {(char *)proc_bin("VAMBE_HARNESS_BIN")};
    int argc = 1;
    struct rusage ru;
    FILE *f = tmpfile();

    assert_non_null(f);
    for (size_t i = 0; args[i] != NULL; i++) {
        argv[argc++] = (char *)args[i];
    }
    argv[argc] = NULL;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(fileno(f), STDOUT_FILENO);
        execv(argv[0], argv);
        _exit(127);
    }
    int st = 0;
    assert_int_equal(wait4(pid, &st, 0, &ru), pid);
    *status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    rewind(f);
    size_t n = fread(out, 1, sizeof(out) - 1, f);
    out[n] = '\0';
    fclose(f);
    return ru.ru_maxrss;
}

/* The harness's memory does not grow with the count of deliveries: 5 s
 * and 60 s at 1500/s (7 500 and 90 000 deliveries) peak within 4 MiB of
 * each other, and under 64 MiB. What it holds is fixed: its libraries and
 * the TLS stack (about 12 MiB here), at most --concurrency (256)
 * transfers with their libcurl buffers and connections (some 16 KiB each,
 * 4 MiB), two 18 KiB histograms and 16 built events per topic. Nothing is
 * kept per delivery, so a leak of even 48 bytes a delivery would show as
 * 4 MiB more over the 82 500 extra ones. */
static void memory_flat(void **state)
{
    struct fixture *f = *state;
    const char *const rargs[] = {"--work", "0ms", NULL};
    int status = 0;
    char report[] = "/tmp/vambe-load-memory-XXXXXX";
    int fd = mkstemp(report);
    char spec[64];
    json_error_t jerr;

    assert_true(fd >= 0);
    close(fd);
    snprintf(spec, sizeof(spec), "json:%s", report);
    receiver_start(f, rargs);
    const char *const short_run[] = {"load",   "--target", f->url,       "--secret", SECRET,
                                     "--rate", "1500",     "--duration", "5s",       NULL};
    long small = harness_peak_kib(short_run, &status);
    assert_int_equal(status, 0);
    const char *const long_run[] = {"load", "--target",   f->url, "--secret", SECRET, "--rate",
                                    "1500", "--duration", "60s",  "--report", spec,   NULL};
    long big = harness_peak_kib(long_run, &status);
    assert_int_equal(status, 0);
    print_message("peak RSS: %ld KiB after 5 s, %ld KiB after 60 s\n%s", small, big, out);
    /* The load happened: most of the 90 000 were sent and answered. */
    json_t *doc = json_load_file(report, 0, &jerr);
    assert_non_null(doc);
    json_t *step = json_array_get(json_object_get(doc, "steps"), 0);
    assert_int_equal(json_integer_value(json_object_get(step, "scheduled")), 90000);
    assert_true(json_integer_value(json_object_get(step, "ok")) >= 81000);
    json_decref(doc);
    unlink(report);
    assert_true(big <= small + 4096);
    assert_true(big < 64 * 1024);
}
#endif

int main(int argc, char **argv)
{
    memory_mode = argc > 1 && strcmp(argv[1], "--memory") == 0;
    if (proc_bin("VAMBE_RECEIVER_BIN") == NULL || proc_bin("VAMBE_HARNESS_BIN") == NULL) {
        fprintf(stderr, "VAMBE_RECEIVER_BIN and VAMBE_HARNESS_BIN must be set (run under ctest)\n");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(fixed_rate_every_delivery_valid_and_distinct, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(ramp_finds_the_knee_below_the_limit, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(ramp_over_budget_has_no_knee, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(binary_exit_codes, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(progress_line_only_on_a_terminal, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(interrupted_load_is_reported, fx_setup, fx_teardown),
    };
    const struct CMUnitTest long_tests[] = {
        cmocka_unit_test_setup_teardown(memory_flat, fx_setup, fx_teardown),
    };
    if (memory_mode) {
        return cmocka_run_group_tests(long_tests, NULL, NULL);
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
