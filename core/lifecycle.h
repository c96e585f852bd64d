/* What a long-running program of the kit (vambe-mock, vambe-receiver) does
 * around its server: the signals it stops on and the port file that tells a
 * script which port it got when it was given port 0. struct lifecycle runs
 * the whole shell in four calls, the same in both programs:
 *
 *     lifecycle_begin(&lc, port_file);    before any thread starts
 *     ... check the options, start the server ...
 *     lifecycle_ready(&lc, port, &e);     after the "listening on" line
 *     sig = lifecycle_wait(&lc, NULL, NULL);
 *     ... stop the server ...
 *     lifecycle_end(&lc);
 *
 * Signals are blocked in every thread (threads inherit the mask of the one
 * that starts them) and taken with sigwait on the main thread, so no
 * handler runs asynchronously and no stop flag is needed.
 *
 * The port file is written atomically (a temporary file in the same folder,
 * renamed into place), so a reader sees either no file or the whole
 * number. It replaces only a regular file or nothing: a path that is a
 * folder, FIFO, device, socket or symbolic link is refused, because rename
 * would replace the node itself (as root, `--port-file /dev/full` would
 * remove the device). At stop it is removed only while it still holds the
 * port this process wrote: a second instance may own it by then. */
#ifndef CORE_LIFECYCLE_H
#define CORE_LIFECYCLE_H

#include <signal.h>
#include <stdbool.h>

#include "core/err.h"

/* Fills set with the signals the programs stop on, cleanly, removing their
 * port file: SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1 and SIGUSR2. */
void lifecycle_stop_signals(sigset_t *set);
/* "SIGTERM", or "signal N" for one outside the stop set. Static text. */
const char *lifecycle_signal_name(int sig);

/* 0 when path can become the port file (absent, or a regular file, in an
 * existing folder); -1 with e saying what is at the path otherwise. For
 * checking the command line before anything starts. */
int lifecycle_port_file_check(const char *path, struct err *e);
/* Writes "PORT\n" to path atomically; -1 with e set (the path refused as
 * above, or the write failed: nothing is left behind). */
int lifecycle_port_file_write(const char *path, unsigned port, struct err *e);
/* Removes path if it is a regular file that still holds port. */
void lifecycle_port_file_remove(const char *path, unsigned port);

struct lifecycle {
    sigset_t stop;         /* lifecycle_stop_signals */
    sigset_t old;          /* the mask before lifecycle_begin */
    const char *port_file; /* borrowed; NULL: none */
    unsigned port;
    bool written;
};

/* Blocks the stop signals (and ignores SIGPIPE: a peer hanging up is not a
 * reason to die). Call before any thread starts. */
void lifecycle_begin(struct lifecycle *lc, const char *port_file);
/* Writes the port file, if any: the server listens on port. Last thing of
 * the start, so that whoever waits for the file finds every start-up line
 * in the log. 0, or -1 with e set. */
int lifecycle_ready(struct lifecycle *lc, unsigned port, struct err *e);
/* Waits for a stop signal and returns it. A signal for which again(sig,
 * arg) says true is handled by it and waited past (the receiver's restart
 * in place on SIGUSR2); again may be NULL. */
int lifecycle_wait(struct lifecycle *lc, bool (*again)(int sig, void *arg), void *arg);
/* After the server stopped: removes the port file if this process wrote it
 * and it still holds its port, takes any stop signal that came meanwhile (a
 * second Ctrl-C while stopping must not kill the process once the mask is
 * restored) and restores the mask. */
void lifecycle_end(struct lifecycle *lc);

#endif
