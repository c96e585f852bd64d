/* Runs vambe-receiver until SIGINT or SIGTERM: starts the server, writes
 * the port file, announces the URL, waits, stops cleanly. SIGUSR2 instead
 * restarts it in place at once, as a crash would (restart.h). */
#ifndef RECEIVER_RUN_H
#define RECEIVER_RUN_H

#include "examples/receiver/cli.h"

/* Exit statuses (DESIGN §7). */
enum rcv_exit {
    RCV_EXIT_OK = 0,    /* stopped by a signal */
    RCV_EXIT_USAGE = 2, /* bad command line */
    RCV_EXIT_ENV = 3,   /* cannot bind, write the port file, use the --state file */
};

/* Blocks the stop signals (core/lifecycle.h) in the calling thread (so
 * every thread started afterwards inherits the mask) and waits for one of
 * them with sigwait: no signal handler, no global flag. Returns an enum
 * rcv_exit value; never returns after a restart in place. */
int rcv_run(const struct rcv_config *cfg);

#endif
