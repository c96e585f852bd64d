/* A shell command with a deadline (see shell.h). */
#include "harness/shell.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/clock.h"

extern char **environ;

/* Appends what fd has to give, waiting at most wait_ms, up to max bytes
 * in all; false once it reached end of file or the limit. */
static bool shell_take(int fd, char *out, size_t *len, size_t max, int wait_ms)
{
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    int r = poll(&pfd, 1, wait_ms);

    if (r <= 0) {
        return r == 0 || errno == EINTR;
    }
    ssize_t got = read(fd, out + *len, max - *len);
    if (got <= 0) {
        return false;
    }
    *len += (size_t)got;
    return *len < max;
}

/* Reads what the command prints until the shell exits (then what is left
 * in the pipe), or until the deadline (monotonic us). Returns the shell's
 * wait status, or -1 when it had to be killed at the deadline. */
static int shell_collect(pid_t pid, int fd, uint64_t deadline, enum hn_shell_group group, char *out,
                         size_t max)
{
    size_t len = 0;
    bool open = true;
    int status = -1;

    for (;;) {
        int st = 0;
        pid_t r = waitpid(pid, &st, WNOHANG);
        if (r == pid) {
            status = st;
            /* What the shell wrote before it exited, not what may come. */
            size_t before;
            do {
                before = len;
                open = open && shell_take(fd, out, &len, max, 0);
            } while (open && len != before);
            break;
        }
        if (r < 0 && errno != EINTR) {
            break;
        }
        if (clock_mono_us() >= deadline) {
            break;
        }
        if (open) {
            open = shell_take(fd, out, &len, max, 5);
        } else {
            clock_sleep_us(2000);
        }
    }
    if (status < 0 || group == HN_SHELL_KILL_GROUP) {
        /* The whole group: the shell, if still there, and what it left. */
        if (kill(-pid, SIGKILL) != 0 && status < 0) {
            kill(pid, SIGKILL);
        }
    }
    if (status < 0) {
        waitpid(pid, NULL, 0);
    }
    out[len] = '\0';
    return status;
}

int hn_shell_run(const char *what, const char *command, char *const *env, uint64_t timeout_ms,
                 enum hn_shell_group group, char *out, size_t out_size, int *exit_status,
                 struct err *e)
{
    int fds[2] = {-1, -1};
    int rc = -1;
    uint64_t deadline = clock_mono_us() + timeout_ms * 1000u;
    char *argv[] = {"/bin/sh", "-c", (char *)command, NULL};

    if (out_size == 0) {
        return err_set(e, "%s: no room for its output", what);
    }
    if (pipe2(fds, O_CLOEXEC) != 0) {
        return err_set(e, "%s: pipe: %s", what, strerror(errno));
    }
    pid_t pid = fork();
    if (pid < 0) {
        err_set(e, "%s: fork: %s", what, strerror(errno));
        goto out;
    }
    if (pid == 0) {
        setpgid(0, 0);
        dup2(fds[1], STDOUT_FILENO);
        if (group == HN_SHELL_KEEP_GROUP) {
            /* What it starts must not write into a pipe nobody reads. */
            int null = open("/dev/null", O_WRONLY);
            if (null >= 0) {
                dup2(null, STDERR_FILENO);
            }
        }
        execve("/bin/sh", argv, env != NULL ? env : environ);
        _exit(127);
    }
    /* Both sides set the group, so it exists whichever runs first. */
    setpgid(pid, pid);
    close(fds[1]);
    fds[1] = -1;
    int status = shell_collect(pid, fds[0], deadline, group, out, out_size - 1);
    if (status < 0) {
        err_set(e, "%s: no answer within %llu ms", what, (unsigned long long)timeout_ms);
        goto out;
    }
    *exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    rc = 0;
out:
    if (fds[0] >= 0) {
        close(fds[0]);
    }
    if (fds[1] >= 0) {
        close(fds[1]);
    }
    return rc;
}
