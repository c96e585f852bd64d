/* Runs vambe-receiver until SIGINT or SIGTERM: starts the server, writes
 * the port file, announces the URL, waits, stops cleanly. SIGUSR2 instead
 * restarts it in place at once, as a crash would (restart.h). */
#ifndef RECEIVER_RUN_H
#define RECEIVER_RUN_H

#include "examples/receiver/cli.h"

/* Blocks the stop signals (core/lifecycle.h) in the calling thread (so
 * every thread started afterwards inherits the mask) and waits for one of
 * them with sigwait: no signal handler, no global flag. Returns an exit
 * status (core/exit.h): KIT_EXIT_OK once stopped by a signal, KIT_EXIT_USAGE
 * for options refused at start, KIT_EXIT_ENV when it cannot bind, write the
 * port file or use the --state file; never returns after a restart in
 * place. */
int rcv_run(const struct rcv_config *cfg);

#endif
