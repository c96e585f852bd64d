/* harness/probe: the command probe (environment, output, failures,
 * timeout) and the polling and settling of hn_probe_expect. The URL probe
 * is exercised against a live server in integration.harness_runner. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/clock.h"
#include "harness/probe.h"

static struct hn_probe *cmd_probe(const char *cmd, uint64_t timeout_ms)
{
    struct hn_probe_opts o = {NULL, cmd, timeout_ms, NULL};
    struct err e = {{0}};
    struct hn_probe *p = hn_probe_new(&o, &e);
    assert_non_null(p);
    assert_string_equal(hn_probe_kind(p), "cmd");
    return p;
}

static void options(void **state)
{
    (void)state;
    struct err e = {{0}};
    struct hn_probe_opts none = {NULL, NULL, 0, NULL};
    struct hn_probe_opts both = {"http://h/{event_id}", "echo 1", 0, NULL};
    struct hn_probe_opts no_placeholder = {"http://h/count", NULL, 0, NULL};
    struct hn_probe_opts bad_url = {"ftp://h/{event_id}", NULL, 0, NULL};
    struct http_client *client = http_client_new(NULL);
    struct hn_probe_opts url = {"http://127.0.0.1:1/p/{event_id}", NULL, 0, client};
    struct hn_probe_opts no_client = {"http://127.0.0.1:1/p/{event_id}", NULL, 0, NULL};

    assert_null(hn_probe_new(&none, &e));
    assert_null(hn_probe_new(&both, &e));
    assert_string_equal(e.msg, "give one probe: --probe-url or --probe-cmd");
    assert_null(hn_probe_new(&no_placeholder, &e));
    assert_string_equal(e.msg, "--probe-url: the template has no {event_id}");
    assert_null(hn_probe_new(&bad_url, &e));
    assert_non_null(strstr(e.msg, "--probe-url: "));
    assert_null(hn_probe_new(&no_client, &e));
    assert_string_equal(e.msg, "--probe-url: no HTTP client to ask with");
    assert_non_null(client);
    struct hn_probe *p = hn_probe_new(&url, &e);
    assert_non_null(p);
    assert_string_equal(hn_probe_kind(p), "url");
    /* Nothing listens there: a probe failure, not a count. */
    long long n = -1;
    assert_int_equal(hn_probe_count(p, "evt_x", &n, NULL, &e), -1);
    assert_non_null(strstr(e.msg, "no answer"));
    hn_probe_free(p);
    http_client_free(client);
}

static void command(void **state)
{
    (void)state;
    struct err e = {{0}};
    long long n = -1;

    struct hn_probe *p = cmd_probe(
        "if [ \"$VAMBE_EVENT_ID\" = evt_abc ]; then printf '  7 \\n'; else echo 0; fi", 5000);
    assert_int_equal(hn_probe_count(p, "evt_abc", &n, NULL, &e), 0);
    assert_int_equal(n, 7);
    assert_int_equal(hn_probe_count(p, "evt_other", &n, NULL, &e), 0);
    assert_int_equal(n, 0);
    hn_probe_free(p);

    p = cmd_probe("echo many", 5000);
    assert_int_equal(hn_probe_count(p, "evt_abc", &n, NULL, &e), -1);
    assert_string_equal(e.msg, "probe command printed 'many', not a count");
    hn_probe_free(p);

    p = cmd_probe("echo -3", 5000);
    assert_int_equal(hn_probe_count(p, "evt_abc", &n, NULL, &e), -1);
    hn_probe_free(p);

    p = cmd_probe("echo 1; exit 4", 5000);
    assert_int_equal(hn_probe_count(p, "evt_abc", &n, NULL, &e), -1);
    assert_string_equal(e.msg, "probe command failed (exit status 4)");
    hn_probe_free(p);

    /* A command that hangs is killed at the timeout. */
    p = cmd_probe("sleep 10", 200);
    uint64_t t0 = clock_mono_us();
    assert_int_equal(hn_probe_count(p, "evt_abc", &n, NULL, &e), -1);
    assert_true(clock_mono_us() - t0 < 5000000u);
    assert_string_equal(e.msg, "probe command: no answer within 200 ms");
    hn_probe_free(p);
}

/* Is pid gone (or a zombie left to its new parent)? */
static bool gone(pid_t pid)
{
    char path[64], stat[256] = "";
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        return true;
    }
    size_t n = fread(stat, 1, sizeof(stat) - 1, f);
    fclose(f);
    stat[n] = '\0';
    const char *paren = strrchr(stat, ')');
    return paren != NULL && paren[1] == ' ' && (paren[2] == 'Z' || paren[2] == 'X');
}

/* A command that leaves a child holding its output open: the count is
 * read when the shell exits, not at the timeout, and the child is killed
 * with the command's process group. */
static void command_with_a_background_child(void **state)
{
    (void)state;
    struct err e = {{0}};
    long long n = -1;
    char pidfile[] = "/tmp/vambe-probe-XXXXXX";
    char cmd[256];
    int fd = mkstemp(pidfile);

    assert_true(fd >= 0);
    close(fd);
    snprintf(cmd, sizeof(cmd), "echo 3; sh -c 'echo $$ > %s; exec sleep 30' &", pidfile);
    struct hn_probe *p = cmd_probe(cmd, 20000);
    uint64_t t0 = clock_mono_us();
    assert_int_equal(hn_probe_count(p, "evt_abc", &n, NULL, &e), 0);
    assert_int_equal(n, 3);
    /* Far from the 20 s timeout the old reader waited for. */
    assert_true(clock_mono_us() - t0 < 10000000u);
    hn_probe_free(p);

    long child = 0;
    for (int i = 0; i < 200 && child == 0; i++) {
        FILE *f = fopen(pidfile, "r");
        if (f != NULL && fscanf(f, "%ld", &child) != 1) {
            child = 0;
        }
        if (f != NULL) {
            fclose(f);
        }
        clock_sleep_us(5000);
    }
    bool dead = child == 0; /* killed before it could write: gone as well */
    for (int i = 0; i < 200 && !dead; i++) {
        dead = gone((pid_t)child);
        clock_sleep_us(5000);
    }
    assert_true(dead);
    unlink(pidfile);
}

static void expect(void **state)
{
    (void)state;
    struct err e = {{0}};
    char dir[] = "/tmp/vambe-probe-XXXXXX";
    char cmd[512];
    long long seen[2] = {-1, -1};
    const char *one[] = {"evt_a"};
    const char *two[] = {"evt_a", "evt_b"};

    assert_non_null(mkdtemp(dir));
    /* Counts 0 for the first two questions, then 1: the probe polls until
     * the count appears, then settles and asks again. */
    snprintf(cmd, sizeof(cmd),
             "n=$(cat %s/n 2>/dev/null || echo 0); n=$((n+1)); echo $n > %s/n; "
             "if [ $n -ge 3 ]; then echo 1; else echo 0; fi",
             dir, dir);
    struct hn_probe *p = cmd_probe(cmd, 5000);
    assert_int_equal(hn_probe_expect(p, one, 1, 1, 5000, 10, seen, NULL, &e), HN_PROBE_MET);
    assert_int_equal(seen[0], 1);
    hn_probe_free(p);

    /* Over the expected count: not met, without waiting the whole window. */
    p = cmd_probe("echo 2", 5000);
    uint64_t t0 = clock_mono_us();
    assert_int_equal(hn_probe_expect(p, one, 1, 1, 5000, 10, seen, NULL, &e), HN_PROBE_NOT_MET);
    assert_int_equal(seen[0], 2);
    assert_true(clock_mono_us() - t0 < 4000000u);
    hn_probe_free(p);

    /* Never reached within the wait. */
    p = cmd_probe("echo 0", 5000);
    assert_int_equal(hn_probe_expect(p, two, 2, 1, 150, 10, seen, NULL, &e), HN_PROBE_NOT_MET);
    assert_int_equal(seen[0], 0);
    assert_int_equal(seen[1], 0);
    /* Expected 0 is met at once (after the settle). */
    assert_int_equal(hn_probe_expect(p, two, 2, 0, 5000, 10, seen, NULL, &e), HN_PROBE_MET);
    hn_probe_free(p);

    /* A count that grows during the settle window is caught. */
    snprintf(cmd, sizeof(cmd),
             "n=$(cat %s/m 2>/dev/null || echo 0); n=$((n+1)); echo $n > %s/m; "
             "if [ $n -ge 2 ]; then echo 2; else echo 1; fi",
             dir, dir);
    p = cmd_probe(cmd, 5000);
    assert_int_equal(hn_probe_expect(p, one, 1, 1, 5000, 10, seen, NULL, &e), HN_PROBE_NOT_MET);
    assert_int_equal(seen[0], 2);
    hn_probe_free(p);

    p = cmd_probe("exit 1", 5000);
    assert_int_equal(hn_probe_expect(p, one, 1, 1, 5000, 10, seen, NULL, &e), HN_PROBE_FAILED);
    hn_probe_free(p);

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(options),
        cmocka_unit_test(command),
        cmocka_unit_test(command_with_a_background_child),
        cmocka_unit_test(expect),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
