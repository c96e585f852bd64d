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

/* SIGUSR2, for tests: a crash and a restart in place, from the main thread
 * (a signal handler could not exec safely). Nothing is cleaned up on the
 * way: the new image writes the same port to the port file. The stop
 * signals stay blocked across the exec, so one sent while it starts waits
 * for its sigwait instead of killing it. Returns true (wait on) when the
 * exec failed; any other signal stops. */
struct run_restart_arg {
    const struct rcv_config *cfg;
    unsigned port;
};

static bool run_restart(int sig, void *arg)
{
    const struct run_restart_arg *r = arg;
    struct err e = {{0}};

    if (sig != SIGUSR2) {
        return false;
    }
    log_info("SIGUSR2: restarting in place; what is not in --state is lost");
    if (rcv_restart_exec(r->cfg->argc, r->cfg->argv, r->port, &e) != 0) {
        log_error("%s", e.msg);
    }
    return true;
}

int rcv_run(const struct rcv_config *cfg)
{
    struct rcv_server *s = NULL;
    struct err e = {{0}};
    struct lifecycle lc;
    struct run_restart_arg restart = {cfg, 0};
    int rc = KIT_EXIT_ENV;

    lifecycle_begin(&lc, cfg->port_file);
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
    restart.port = rcv_server_port(s);
    if (cfg->server.flaws != 0) {
        char names[1024]; /* every flaw, comma-separated, fits */
        rcv_flaw_describe(cfg->server.flaws, names, sizeof(names));
        log_warn("deliberately flawed (--flaw %s): not a conformant receiver", names);
    }
    const char *host = cfg->server.bind ? cfg->server.bind : "127.0.0.1";
    bool v6 = strchr(host, ':') != NULL;
    log_info("listening on http://%s%s%s:%u", v6 ? "[" : "", host, v6 ? "]" : "", restart.port);
    if (lifecycle_ready(&lc, restart.port, &e) != 0) {
        log_error("--port-file: %s", e.msg);
        goto out;
    }
    log_info("stopping (%s)", lifecycle_signal_name(lifecycle_wait(&lc, run_restart, &restart)));
    rc = KIT_EXIT_OK;
out:
    rcv_server_stop(s);
    lifecycle_end(&lc);
    return rc;
}
