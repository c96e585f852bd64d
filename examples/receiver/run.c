/* The receiver's process lifecycle: signals, the port file, the banner. */
#include "examples/receiver/run.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "examples/receiver/flaw.h"
#include "examples/receiver/server.h"

int rcv_run_write_port_file(const char *path, unsigned port, struct err *e)
{
    char tmp[4096];
    FILE *f = NULL;
    int rc = -1;

    int n = snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
    if (n < 0 || (size_t)n >= sizeof(tmp)) {
        err_set(e, "%s: path too long", path);
        goto out;
    }
    f = fopen(tmp, "w");
    if (f == NULL) {
        err_set(e, "%s: %s", tmp, strerror(errno));
        goto out;
    }
    if (fprintf(f, "%u\n", port) < 0 || fflush(f) != 0) {
        err_set(e, "%s: %s", tmp, strerror(errno));
        goto out;
    }
    int closed = fclose(f);
    f = NULL;
    if (closed != 0) {
        err_set(e, "%s: %s", tmp, strerror(errno));
        goto out;
    }
    if (rename(tmp, path) != 0) {
        err_set(e, "%s: %s", path, strerror(errno));
        goto out;
    }
    rc = 0;
out:
    if (f != NULL) {
        fclose(f);
    }
    if (rc != 0) {
        unlink(tmp);
    }
    return rc;
}

int rcv_run(const struct rcv_config *cfg)
{
    struct rcv_server *s = NULL;
    struct err e = {{0}};
    int rc = RCV_EXIT_ENV;
    bool port_file_written = false;
    sigset_t stop;

    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN); /* a sender hanging up is not a reason to die */
    if (cfg->verbose) {
        log_set_level(LOG_LEVEL_DEBUG);
    }
    s = rcv_server_start(&cfg->server, &e);
    if (s == NULL) {
        log_error("%s", e.msg);
        goto out;
    }
    unsigned port = rcv_server_port(s);
    if (cfg->port_file != NULL) {
        if (rcv_run_write_port_file(cfg->port_file, port, &e) != 0) {
            log_error("--port-file %s", e.msg);
            goto out;
        }
        port_file_written = true;
    }
    if (cfg->server.flaws != 0) {
        char names[512];
        rcv_flaw_describe(cfg->server.flaws, names, sizeof(names));
        log_warn("deliberately flawed (--flaw %s): not a conformant receiver", names);
    }
    const char *host = cfg->server.bind ? cfg->server.bind : "127.0.0.1";
    bool v6 = strchr(host, ':') != NULL;
    log_info("listening on http://%s%s%s:%u", v6 ? "[" : "", host, v6 ? "]" : "", port);
    int sig = 0;
    while (sigwait(&stop, &sig) != 0) {
    }
    log_info("stopping (%s)", sig == SIGINT ? "SIGINT" : "SIGTERM");
    rc = RCV_EXIT_OK;
out:
    rcv_server_stop(s);
    if (port_file_written) {
        unlink(cfg->port_file);
    }
    return rc;
}
