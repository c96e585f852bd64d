/* The long-running programs (vambe-mock, vambe-receiver) around their
 * server: a --port-file that is not a regular file is refused before
 * anything starts (exit 2) and left as it was; every stop signal stops the
 * program cleanly (exit 0) and removes its port file. (SIGUSR2 restarts
 * the receiver in place instead: integration.receiver_restart.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "support/proc.h"

static const struct {
    const char *env;
    const char *arg1; /* what each needs before the options */
    const char *arg2;
} programs[] = {{"VAMBE_MOCK_BIN", "serve", NULL}, {"VAMBE_RECEIVER_BIN", "--secret", "s3cret"}};

/* The program's argv, then extra (NULL-terminated) appended. */
static void args(size_t i, char **argv, const char *const *extra)
{
    size_t n = 0;
    argv[n++] = (char *)proc_bin(programs[i].env);
    argv[n++] = (char *)programs[i].arg1;
    if (programs[i].arg2 != NULL) {
        argv[n++] = (char *)programs[i].arg2;
    }
    for (size_t k = 0; extra != NULL && extra[k] != NULL; k++) {
        argv[n++] = (char *)extra[k];
    }
    argv[n] = NULL;
}

/* Waits (at most 10 s) for p to exit; its exit status, or -1. */
static int reap(struct proc *p)
{
    for (int i = 0; i < 1000; i++) {
        int status = 0;
        pid_t r = waitpid(p->pid, &status, WNOHANG);
        if (r == p->pid) {
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        }
        if (r < 0 && errno != EINTR) {
            return -1;
        }
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    proc_kill(p);
    return -1;
}

static void fifo_port_file_refused(void **state)
{
    (void)state;
    char dir[] = "/tmp/vambe-lifecycle-XXXXXX";
    char fifo[64], err[4096], want[128];
    struct stat st;

    assert_non_null(mkdtemp(dir));
    snprintf(fifo, sizeof(fifo), "%s/port", dir);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    snprintf(want, sizeof(want), "port file %s is a FIFO: give the path of a regular file", fifo);
    for (size_t i = 0; i < sizeof(programs) / sizeof(programs[0]); i++) {
        const char *const extra[] = {"--port", "0", "--port-file", fifo, NULL};
        char *argv[12];
        args(i, argv, extra);
        int code = proc_run(argv, NULL, 0, err, sizeof(err), 10000);
        if (code != 2 || strstr(err, want) == NULL) {
            fprintf(stderr, "%s: exit %d, stderr: %s\n", programs[i].env, code, err);
        }
        assert_int_equal(code, 2);
        assert_non_null(strstr(err, want));
        assert_int_equal(lstat(fifo, &st), 0);
        assert_true(S_ISFIFO(st.st_mode));
    }
    unlink(fifo);
    rmdir(dir);
}

static void every_stop_signal_removes_the_port_file(void **state)
{
    (void)state;
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};
    struct stat st;

    for (size_t i = 0; i < sizeof(programs) / sizeof(programs[0]); i++) {
        for (size_t k = 0; k < sizeof(sigs) / sizeof(sigs[0]); k++) {
            if (sigs[k] == SIGUSR2 && strcmp(programs[i].env, "VAMBE_RECEIVER_BIN") == 0) {
                continue; /* for tests: a crash and a restart in place */
            }
            char *argv[12];
            args(i, argv, NULL);
            struct proc p;
            assert_int_equal(proc_start(&p, argv, true, 10000), 0);
            assert_int_equal(stat(p.port_file, &st), 0);
            assert_int_equal(kill(p.pid, sigs[k]), 0);
            int code = reap(&p);
            if (code != 0 || stat(p.port_file, &st) == 0) {
                fprintf(stderr, "%s, signal %d: exit %d\n", programs[i].env, sigs[k], code);
            }
            assert_int_equal(code, 0);
            assert_int_not_equal(stat(p.port_file, &st), 0);
            if (p.log_file[0] != '\0') {
                unlink(p.log_file);
            }
        }
    }
}

/* The file is another instance's by the time this one stops: kept. */
static void port_file_of_another_kept(void **state)
{
    (void)state;
    struct stat st;

    for (size_t i = 0; i < sizeof(programs) / sizeof(programs[0]); i++) {
        char *argv[12];
        args(i, argv, NULL);
        struct proc p;
        assert_int_equal(proc_start(&p, argv, true, 10000), 0);
        FILE *f = fopen(p.port_file, "w");
        assert_non_null(f);
        fputs("1\n", f);
        fclose(f);
        assert_int_equal(kill(p.pid, SIGTERM), 0);
        assert_int_equal(reap(&p), 0);
        assert_int_equal(stat(p.port_file, &st), 0);
        unlink(p.port_file);
        if (p.log_file[0] != '\0') {
            unlink(p.log_file);
        }
    }
}

int main(void)
{
    if (proc_bin("VAMBE_MOCK_BIN") == NULL || proc_bin("VAMBE_RECEIVER_BIN") == NULL) {
        fprintf(stderr, "VAMBE_MOCK_BIN and VAMBE_RECEIVER_BIN must be set (run under ctest)\n");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fifo_port_file_refused),
        cmocka_unit_test(every_stop_signal_removes_the_port_file),
        cmocka_unit_test(port_file_of_another_kept),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
