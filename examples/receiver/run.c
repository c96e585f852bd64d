/* The receiver's process lifecycle: signals, the port file, the banner,
 * and the restart in place on SIGUSR2 (restart.h). */
#include "examples/receiver/run.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/exit.h"
#include "core/lifecycle.h"
#include "core/log.h"
#include "examples/receiver/flaw.h"
#include "examples/receiver/journal.h"
#include "examples/receiver/restart.h"
#include "examples/receiver/server.h"

int rcv_run(const struct rcv_config *cfg)
{
    struct rcv_server *s = NULL;
    struct err e = {{0}};
    int rc = KIT_EXIT_ENV;
    bool port_file_written = false;
    unsigned port = 0;
    sigset_t stop;

    lifecycle_stop_signals(&stop);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN); /* a sender hanging up is not a reason to die */
    if (cfg->verbose) {
        log_set_level(LOG_LEVEL_DEBUG);
    }
    if (cfg->port_file != NULL && lifecycle_port_file_check(cfg->port_file, &e) != 0) {
        log_error("--port-file: %s", e.msg);
        rc = KIT_EXIT_USAGE;
        goto out;
    }
    if (cfg->server.state != NULL && rcv_journal_check(cfg->server.state, &e) != 0) {
        log_error("--state: %s", e.msg);
        rc = KIT_EXIT_USAGE;
        goto out;
    }
    s = rcv_server_start(&cfg->server, &e);
    if (s == NULL) {
        log_error("%s", e.msg);
        goto out;
    }
    port = rcv_server_port(s);
    if (cfg->port_file != NULL) {
        if (lifecycle_port_file_write(cfg->port_file, port, &e) != 0) {
            log_error("--port-file: %s", e.msg);
            goto out;
        }
        port_file_written = true;
    }
    if (cfg->server.flaws != 0) {
        char names[1024]; /* every flaw, comma-separated, fits */
        rcv_flaw_describe(cfg->server.flaws, names, sizeof(names));
        log_warn("deliberately flawed (--flaw %s): not a conformant receiver", names);
    }
    const char *host = cfg->server.bind ? cfg->server.bind : "127.0.0.1";
    bool v6 = strchr(host, ':') != NULL;
    log_info("listening on http://%s%s%s:%u", v6 ? "[" : "", host, v6 ? "]" : "", port);
    int sig = 0;
    for (;;) {
        if (sigwait(&stop, &sig) != 0) {
            continue;
        }
        if (sig != SIGUSR2) {
            break;
        }
        /* For tests: a crash and a restart in place, from this thread (a
         * signal handler could not exec safely). Nothing is cleaned up on
         * the way: the new image writes the same port to the port file.
         * The stop signals stay blocked across the exec, so one sent while
         * it starts waits for its sigwait instead of killing it. */
        log_info("SIGUSR2: restarting in place; what is not in --state is lost");
        if (rcv_restart_exec(cfg->argc, cfg->argv, port, &e) != 0) {
            log_error("%s", e.msg);
        }
    }
    log_info("stopping (%s)", lifecycle_signal_name(sig));
    rc = KIT_EXIT_OK;
out:
    if (port_file_written) {
        lifecycle_port_file_remove(cfg->port_file, port);
    }
    rcv_server_stop(s);
    return rc;
}
