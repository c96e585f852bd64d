/* Test support: start the kit's programs as child processes, read the
 * port they chose from their --port-file, stop them. */
#ifndef TESTS_SUPPORT_PROC_H
#define TESTS_SUPPORT_PROC_H

#include <stdbool.h>
#include <sys/types.h>

struct proc {
    pid_t pid;
    char port_file[256]; /* "" when not used */
    char log_file[256];  /* the child's stderr, "" when inherited */
    unsigned port;
};

/* Starts argv[0] (a path) with argv. When want_port is true, appends
 * "--port 0 --port-file <tmp>" and waits (at most timeout_ms) for the
 * port file; stderr goes to a temporary log file. 0 or -1. */
int proc_start(struct proc *p, char *const argv[], bool want_port, int timeout_ms);
/* SIGTERM, then SIGKILL after timeout_ms; returns the exit status
 * (WEXITSTATUS), 128+signal when killed by a signal, or -1. Removes the
 * port file. */
int proc_stop(struct proc *p, int timeout_ms);
/* SIGKILL at once and reap. */
void proc_kill(struct proc *p);
/* Runs argv to completion (at most timeout_ms), capturing stdout and
 * stderr (each up to out_size-1 bytes, NUL-terminated; either may be NULL).
 * Returns the exit status, or -1 on a timeout or failure to start. */
int proc_run(char *const argv[], char *out, size_t out_size, char *errout, size_t err_size,
             int timeout_ms);
/* Reads the child's stderr log written so far into buf (NUL-terminated). */
size_t proc_read_log(const struct proc *p, char *buf, size_t size);
/* Path of a built program from the environment variable env (set by CTest),
 * e.g. "VAMBE_MOCK_BIN"; NULL when unset. */
const char *proc_bin(const char *env);

#endif
