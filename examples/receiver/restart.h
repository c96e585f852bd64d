/* For tests: crash and restart in place (SIGUSR2). The receiver executes
 * its own binary again at once, with the command line it was given plus
 * "--port N", N the port bound now (getopt keeps the last --port), so a
 * receiver started on port 0 comes back on the same port. Nothing is
 * drained, flushed or stopped first: what is in memory (queued events not
 * processed yet) is lost exactly as in a crash, and only what --state
 * holds survives. The process keeps its PID. */
#ifndef RECEIVER_RESTART_H
#define RECEIVER_RESTART_H

#include <stddef.h>

#include "core/err.h"

/* The restarted receiver's argv: argv (argc entries) with "--port" and the
 * port (written into port_buf, port_size >= 8) appended, or argv as it is
 * when it already ends with "--port" and that port (the second restart
 * and later: the command line does not grow). NULL-terminated; the caller
 * frees the array, not its strings (argv's and port_buf). */
char **rcv_restart_argv(int argc, char *const argv[], unsigned port, char *port_buf,
                        size_t port_size);
/* Executes /proc/self/exe with rcv_restart_argv's arguments, every file
 * descriptor but 0, 1 and 2 closed across the exec (the listening socket
 * above all: the new image binds the same port at once). Call it from the
 * main thread, never from a signal handler. Returns only when it failed:
 * -1 with e set, and the receiver still runs. */
int rcv_restart_exec(int argc, char *const argv[], unsigned port, struct err *e);

#endif
