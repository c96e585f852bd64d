/* Test support: child processes for integration tests. */
#include "support/proc.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void nap_ms(int ms)
{
    struct timespec ts = {.tv_sec = 0, .tv_nsec = (long)ms * 1000000L};
    nanosleep(&ts, NULL);
}

const char *proc_bin(const char *env)
{
    const char *v = getenv(env);
    return v && *v ? v : NULL;
}

int proc_start(struct proc *p, char *const argv[], bool want_port, int timeout_ms)
{
    memset(p, 0, sizeof(*p));
    size_t argc = 0;
    while (argv[argc] != NULL) {
        argc++;
    }
    char **args = calloc(argc + 5, sizeof(char *));
    if (args == NULL) {
        return -1;
    }
    memcpy(args, argv, argc * sizeof(char *));
    /* Atomic: tests start programs from several threads at once, and two
     * children sharing a port file would each be taken for the other. */
    static atomic_uint next_seq;
    unsigned seq = atomic_fetch_add(&next_seq, 1) + 1;
    snprintf(p->log_file, sizeof(p->log_file), "/tmp/vambe-test-%d-%u.log", (int)getpid(), seq);
    if (want_port) {
        snprintf(p->port_file, sizeof(p->port_file), "/tmp/vambe-test-%d-%u.port", (int)getpid(),
                 seq);
        unlink(p->port_file);
        args[argc++] = "--port";
        args[argc++] = "0";
        args[argc++] = "--port-file";
        args[argc++] = p->port_file;
    }
    pid_t pid = fork();
    if (pid < 0) {
        free(args);
        return -1;
    }
    if (pid == 0) {
        int fd = open(p->log_file, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd >= 0) {
            dup2(fd, 2);
            close(fd);
        }
        execv(args[0], args);
        fprintf(stderr, "exec %s: %s\n", args[0], strerror(errno));
        _exit(127);
    }
    free(args);
    p->pid = pid;
    if (!want_port) {
        return 0;
    }
    long long deadline = now_ms() + timeout_ms;
    while (now_ms() < deadline) {
        FILE *f = fopen(p->port_file, "r");
        if (f != NULL) {
            unsigned port = 0;
            int n = fscanf(f, "%u", &port);
            fclose(f);
            if (n == 1 && port > 0) {
                p->port = port;
                return 0;
            }
        }
        int status;
        if (waitpid(pid, &status, WNOHANG) == pid) {
            p->pid = 0;
            return -1;
        }
        nap_ms(5);
    }
    proc_kill(p);
    return -1;
}

static int wait_for(pid_t pid, int timeout_ms)
{
    long long deadline = now_ms() + timeout_ms;
    int status = 0;
    for (;;) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid) {
            if (WIFEXITED(status)) {
                return WEXITSTATUS(status);
            }
            return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : -1;
        }
        if (r < 0 || now_ms() >= deadline) {
            return -2;
        }
        nap_ms(5);
    }
}

int proc_stop(struct proc *p, int timeout_ms)
{
    if (p->pid <= 0) {
        return -1;
    }
    kill(p->pid, SIGTERM);
    int rc = wait_for(p->pid, timeout_ms);
    if (rc == -2) {
        kill(p->pid, SIGKILL);
        rc = wait_for(p->pid, 5000);
        rc = rc == -2 ? -1 : rc;
    }
    p->pid = 0;
    if (p->port_file[0] != '\0') {
        unlink(p->port_file);
    }
    return rc;
}

void proc_kill(struct proc *p)
{
    if (p->pid > 0) {
        kill(p->pid, SIGKILL);
        wait_for(p->pid, 5000);
        p->pid = 0;
    }
}

/* Reads what a pipe holds into buf, keeping at most size-1 bytes. */
static void drain(int fd, char *buf, size_t size, size_t *len)
{
    char tmp[4096];
    ssize_t n = read(fd, tmp, sizeof(tmp));
    if (n > 0 && buf != NULL && *len + 1 < size) {
        size_t take = (size_t)n;
        if (take > size - 1 - *len) {
            take = size - 1 - *len;
        }
        memcpy(buf + *len, tmp, take);
        *len += take;
        buf[*len] = '\0';
    }
}

int proc_run(char *const argv[], char *out, size_t out_size, char *errout, size_t err_size,
             int timeout_ms)
{
    int po[2], pe[2];
    if (pipe(po) != 0) {
        return -1;
    }
    if (pipe(pe) != 0) {
        close(po[0]);
        close(po[1]);
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        return -1;
    }
    if (pid == 0) {
        dup2(po[1], 1);
        dup2(pe[1], 2);
        close(po[0]);
        close(pe[0]);
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull >= 0) {
            dup2(devnull, 0);
        }
        execv(argv[0], argv);
        fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(po[1]);
    close(pe[1]);
    fcntl(po[0], F_SETFL, O_NONBLOCK);
    fcntl(pe[0], F_SETFL, O_NONBLOCK);
    size_t olen = 0, elen = 0;
    if (out) {
        out[0] = '\0';
    }
    if (errout) {
        errout[0] = '\0';
    }
    long long deadline = now_ms() + timeout_ms;
    int rc = -2;
    while (rc == -2) {
        drain(po[0], out, out_size, &olen);
        drain(pe[0], errout, err_size, &elen);
        int status;
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid) {
            rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            break;
        }
        if (now_ms() >= deadline) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            rc = -1;
            break;
        }
        nap_ms(2);
    }
    for (int i = 0; i < 64; i++) {
        drain(po[0], out, out_size, &olen);
        drain(pe[0], errout, err_size, &elen);
    }
    close(po[0]);
    close(pe[0]);
    return rc;
}

size_t proc_read_log(const struct proc *p, char *buf, size_t size)
{
    buf[0] = '\0';
    FILE *f = fopen(p->log_file, "r");
    if (f == NULL) {
        return 0;
    }
    size_t n = fread(buf, 1, size - 1, f);
    buf[n] = '\0';
    fclose(f);
    return n;
}
