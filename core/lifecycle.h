/* What a long-running program of the kit (vambe-mock, vambe-receiver) does
 * around its server: the signals it stops on and the port file that tells a
 * script which port it got when it was given port 0.
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

#endif
