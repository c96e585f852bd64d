/* The restart in place (restart.h): execv of /proc/self/exe. */
#include "examples/receiver/restart.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/xalloc.h"

#define RESTART_EXE "/proc/self/exe"

char **rcv_restart_argv(int argc, char *const argv[], unsigned port, char *port_buf,
                        size_t port_size)
{
    size_t n = argc > 0 ? (size_t)argc : 0;
    char **out = xcalloc(n + 3, sizeof(*out));

    snprintf(port_buf, port_size, "%u", port);
    memcpy(out, argv, n * sizeof(*out));
    /* Only this program writes "--port N" last with N the port it is on:
     * a value cannot be "--port" there (what follows it would be an
     * operand, which the command line refuses). */
    if (n >= 2 && strcmp(argv[n - 2], "--port") == 0 && strcmp(argv[n - 1], port_buf) == 0) {
        return out;
    }
    out[n++] = "--port";
    out[n++] = port_buf;
    out[n] = NULL;
    return out;
}

int rcv_restart_exec(int argc, char *const argv[], unsigned port, struct err *e)
{
    char port_buf[16];
    char **args = rcv_restart_argv(argc, argv, port, port_buf, sizeof(port_buf));

    /* Our descriptors are close-on-exec already (the listening socket, the
     * journal); this covers any a library opened without the flag. Marking
     * them, not closing them, leaves the other threads' descriptors valid
     * until the exec ends those threads. A kernel before 5.11 refuses the
     * flag: the exec goes ahead with our own descriptors closed. */
    (void)close_range(3, ~0u, CLOSE_RANGE_CLOEXEC);
    execv(RESTART_EXE, args);
    err_set(e, "restart: cannot execute %s: %s", RESTART_EXE, strerror(errno));
    free(args);
    return -1;
}
