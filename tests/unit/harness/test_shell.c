/* harness/shell: a user's command with a deadline: its output and exit
 * status, a command that hangs, and what is left of its process group
 * afterwards (killed for the probe, kept for a restart command, which may
 * have started the receiver). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "core/clock.h"
#include "harness/shell.h"

static void output_and_status(void **state)
{
    (void)state;
    char out[64];
    int status = -1;
    struct err e = {{0}};

    assert_int_equal(hn_shell_run("test command", "echo hello; exit 3", NULL, 5000,
                                  HN_SHELL_KILL_GROUP, out, sizeof(out), &status, &e),
                     0);
    assert_string_equal(out, "hello\n");
    assert_int_equal(status, 3);

    /* Output past the buffer is cut, never overflows. */
    assert_int_equal(hn_shell_run("test command", "printf '%0200d' 0", NULL, 5000,
                                  HN_SHELL_KILL_GROUP, out, 8, &status, &e),
                     0);
    assert_string_equal(out, "0000000");
    assert_int_equal(status, 0);

    /* A shell killed by a signal: 128 + the signal. */
    assert_int_equal(hn_shell_run("test command", "kill -TERM $$", NULL, 5000, HN_SHELL_KILL_GROUP,
                                  out, sizeof(out), &status, &e),
                     0);
    assert_int_equal(status, 128 + SIGTERM);
}

static void hangs(void **state)
{
    (void)state;
    char out[64];
    int status = -1;
    struct err e = {{0}};
    uint64_t t0 = clock_mono_us();

    assert_int_equal(hn_shell_run("restart command", "sleep 30", NULL, 200, HN_SHELL_KEEP_GROUP,
                                  out, sizeof(out), &status, &e),
                     -1);
    assert_string_equal(e.msg, "restart command: no answer within 200 ms");
    assert_true(clock_mono_us() - t0 < 5000000u);
}

/* Starts a background sleep through the shell; returns its pid. */
static pid_t background(enum hn_shell_group group)
{
    char out[64];
    int status = -1;
    struct err e = {{0}};

    assert_int_equal(hn_shell_run("test command", "sleep 30 >/dev/null & echo $!", NULL, 5000,
                                  group, out, sizeof(out), &status, &e),
                     0);
    assert_int_equal(status, 0);
    long pid = strtol(out, NULL, 10);
    assert_true(pid > 1);
    return (pid_t)pid;
}

/* True when pid is gone, or a zombie (killed, not yet reaped by whoever
 * adopted it: a container's first process may never reap). */
static bool gone(pid_t pid)
{
    char path[64];
    char stat[256] = "";
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        return true;
    }
    size_t n = fread(stat, 1, sizeof(stat) - 1, f);
    fclose(f);
    stat[n] = '\0';
    const char *paren = strrchr(stat, ')'); /* "pid (comm) S ..." */
    return paren != NULL && paren[1] == ' ' && paren[2] == 'Z';
}

static void process_group(void **state)
{
    (void)state;

    /* Kept: what the command started runs on (a restarted receiver). */
    pid_t kept = background(HN_SHELL_KEEP_GROUP);
    clock_sleep_us(100000);
    assert_false(gone(kept));
    kill(kept, SIGKILL);

    /* Killed: nothing the probe command started outlives it. */
    pid_t killed = background(HN_SHELL_KILL_GROUP);
    bool dead = false;
    for (int i = 0; i < 100 && !dead; i++) {
        dead = gone(killed);
        clock_sleep_us(10000);
    }
    assert_true(dead);
}

int main(void)
{
    /* The background sleeps are the shell's children, reparented to init
     * when it exits: nothing for this process to reap. */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(output_and_status),
        cmocka_unit_test(hangs),
        cmocka_unit_test(process_group),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
