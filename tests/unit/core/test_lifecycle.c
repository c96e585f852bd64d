/* core/lifecycle: the port file is written whole, only over a regular file
 * or nothing, and removed at stop only while it still holds our port; the
 * stop signals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>

#include <dirent.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/lifecycle.h"

struct dir {
    char path[64];
    char port[128];
    char fifo[128];
    char link[128];
};

static int setup(void **state)
{
    struct dir *d = calloc(1, sizeof(*d));
    if (d == NULL) {
        return -1;
    }
    snprintf(d->path, sizeof(d->path), "/tmp/vambe-lifecycle-XXXXXX");
    if (mkdtemp(d->path) == NULL) {
        return -1;
    }
    snprintf(d->port, sizeof(d->port), "%s/port", d->path);
    snprintf(d->fifo, sizeof(d->fifo), "%s/fifo", d->path);
    snprintf(d->link, sizeof(d->link), "%s/link", d->path);
    if (mkfifo(d->fifo, 0600) != 0 || symlink(d->port, d->link) != 0) {
        return -1;
    }
    *state = d;
    return 0;
}

static int teardown(void **state)
{
    struct dir *d = *state;
    unlink(d->port);
    unlink(d->fifo);
    unlink(d->link);
    rmdir(d->path);
    free(d);
    return 0;
}

static void slurp(const char *path, char *buf, size_t size)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t n = fread(buf, 1, size - 1, f);
    buf[n] = '\0';
    fclose(f);
}

static void write_and_remove(void **state)
{
    struct dir *d = *state;
    struct err e = {{0}};
    char text[32];
    struct stat st;

    assert_int_equal(lifecycle_port_file_check(d->port, &e), 0);
    assert_int_equal(lifecycle_port_file_write(d->port, 40123, &e), 0);
    slurp(d->port, text, sizeof(text));
    assert_string_equal(text, "40123\n");
    /* Replaced as a whole by the next writer. */
    assert_int_equal(lifecycle_port_file_write(d->port, 40124, &e), 0);
    slurp(d->port, text, sizeof(text));
    assert_string_equal(text, "40124\n");
    /* Another process's port by now: left alone. */
    lifecycle_port_file_remove(d->port, 40123);
    assert_int_equal(stat(d->port, &st), 0);
    lifecycle_port_file_remove(d->port, 40124);
    assert_int_not_equal(stat(d->port, &st), 0);
    lifecycle_port_file_remove(d->port, 40124); /* already gone: harmless */

    /* No temporary file is left beside it: the folder holds the FIFO and
     * the link of the fixture only. */
    DIR *dir = opendir(d->path);
    assert_non_null(dir);
    int entries = 0;
    for (struct dirent *de; (de = readdir(dir)) != NULL;) {
        entries += de->d_name[0] != '.';
    }
    closedir(dir);
    assert_int_equal(entries, 2);

    assert_int_equal(lifecycle_port_file_write("/nonexistent-dir/port", 1, &e), -1);
    assert_non_null(strstr(e.msg, "/nonexistent-dir/port"));
    assert_non_null(strstr(e.msg, "No such file or directory"));
}

/* A FIFO, a symbolic link, a folder and a device are refused, and left as
 * they were. */
static void other_kinds_refused(void **state)
{
    struct dir *d = *state;
    struct err e = {{0}};
    struct stat st;
    char msg[256];

    assert_int_equal(lifecycle_port_file_write(d->fifo, 1, &e), -1);
    snprintf(msg, sizeof(msg),
             "port file %s is a FIFO: give the path of a regular file (it is replaced as a "
             "whole)",
             d->fifo);
    assert_string_equal(e.msg, msg);
    assert_int_equal(lstat(d->fifo, &st), 0);
    assert_true(S_ISFIFO(st.st_mode));

    assert_int_equal(lifecycle_port_file_write(d->link, 1, &e), -1);
    assert_non_null(strstr(e.msg, "is a symbolic link: give the path of a regular file"));
    assert_int_equal(lstat(d->link, &st), 0);
    assert_true(S_ISLNK(st.st_mode));

    assert_int_equal(lifecycle_port_file_check(d->path, &e), -1);
    assert_non_null(strstr(e.msg, "is a folder"));
    assert_int_equal(lifecycle_port_file_check("/dev/full", &e), -1);
    assert_string_equal(e.msg, "port file /dev/full is a character device: give the path of a "
                               "regular file (it is replaced as a whole)");
    assert_int_equal(lifecycle_port_file_check("", &e), -1);
    assert_string_equal(e.msg, "the port file path is empty");

    /* A FIFO holding nothing is not read at stop (no blocking open). */
    lifecycle_port_file_remove(d->fifo, 1);
    assert_int_equal(lstat(d->fifo, &st), 0);
}

static void stop_signals(void **state)
{
    (void)state;
    sigset_t set;
    lifecycle_stop_signals(&set);
    assert_true(sigismember(&set, SIGINT));
    assert_true(sigismember(&set, SIGTERM));
    assert_true(sigismember(&set, SIGHUP));
    assert_true(sigismember(&set, SIGQUIT));
    assert_true(sigismember(&set, SIGUSR1));
    assert_true(sigismember(&set, SIGUSR2));
    assert_false(sigismember(&set, SIGPIPE));
    assert_string_equal(lifecycle_signal_name(SIGHUP), "SIGHUP");
    assert_string_equal(lifecycle_signal_name(SIGTERM), "SIGTERM");
}

static bool count_usr2(int sig, void *arg)
{
    if (sig != SIGUSR2) {
        return false;
    }
    (*(int *)arg)++;
    return true;
}

static bool is_blocked(int sig)
{
    sigset_t now;

    pthread_sigmask(SIG_BLOCK, NULL, &now);
    return sigismember(&now, sig) == 1;
}

/* The program shell: the signals wait for sigwait, a signal the callback
 * keeps is waited past, the port file lives from ready to end, and end
 * takes a late signal before it restores the mask (or the process would
 * die of it here). */
static void shell_round_trip(void **state)
{
    struct dir *d = *state;
    struct lifecycle lc;
    struct err e = {{0}};
    struct stat st;
    int usr2 = 0;
    char text[32];

    assert_false(is_blocked(SIGTERM));
    lifecycle_begin(&lc, d->port);
    assert_true(is_blocked(SIGTERM));
    assert_true(is_blocked(SIGUSR2));
    assert_int_equal(stat(d->port, &st), -1); /* not before ready */
    assert_int_equal(lifecycle_ready(&lc, 4242, &e), 0);
    slurp(d->port, text, sizeof(text));
    assert_string_equal(text, "4242\n");

    raise(SIGUSR2);
    raise(SIGTERM);
    assert_int_equal(lifecycle_wait(&lc, count_usr2, &usr2), SIGTERM);
    assert_int_equal(usr2, 1);
    raise(SIGHUP);
    assert_int_equal(lifecycle_wait(&lc, NULL, NULL), SIGHUP);

    raise(SIGINT); /* a second Ctrl-C while stopping */
    lifecycle_end(&lc);
    assert_int_equal(stat(d->port, &st), -1);
    assert_false(is_blocked(SIGTERM));
    assert_false(is_blocked(SIGINT));
}

/* A port file the shell cannot write leaves nothing to remove. */
static void shell_ready_refused(void **state)
{
    struct dir *d = *state;
    struct lifecycle lc;
    struct err e = {{0}};

    lifecycle_begin(&lc, d->fifo);
    assert_int_equal(lifecycle_ready(&lc, 4243, &e), -1);
    assert_non_null(strstr(e.msg, "FIFO"));
    lifecycle_end(&lc);
    assert_false(is_blocked(SIGTERM));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(write_and_remove),    cmocka_unit_test(other_kinds_refused),
        cmocka_unit_test(stop_signals),        cmocka_unit_test(shell_round_trip),
        cmocka_unit_test(shell_ready_refused),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
