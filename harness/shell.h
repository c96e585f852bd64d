/* A user's shell command, run with a deadline: the probe's --probe-cmd
 * and the restart step's --restart-cmd. The command runs as `/bin/sh -c`
 * in a process group of its own; what it prints on standard output is
 * collected until the shell exits (a background child that keeps the pipe
 * open does not hold the harness up). */
#ifndef HARNESS_SHELL_H
#define HARNESS_SHELL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

/* What happens to the command's process group once the shell has exited. */
enum hn_shell_group {
    HN_SHELL_KILL_GROUP, /* killed: nothing it started outlives it (the probe) */
    HN_SHELL_KEEP_GROUP, /* left running: it may have started a server (restart) */
};

/* Runs command with env (NULL: the harness's own environment), waiting at
 * most timeout_ms for the shell to exit; out receives at most out_size - 1
 * bytes of its standard output, NUL-terminated. 0 with *exit_status set
 * (the shell's exit status, or 128 + the signal that ended it); -1 with e
 * set when the command could not be started or did not finish in time (its
 * whole group is then killed). what names the command in errors ("probe
 * command"). */
int hn_shell_run(const char *what, const char *command, char *const *env, uint64_t timeout_ms,
                 enum hn_shell_group group, char *out, size_t out_size, int *exit_status,
                 struct err *e);

#endif
