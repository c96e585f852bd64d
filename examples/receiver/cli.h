/* vambe-receiver's command line: one option table drives both parsing and
 * --help. Parsing only; running is run.c's job. */
#ifndef RECEIVER_CLI_H
#define RECEIVER_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "core/err.h"
#include "examples/receiver/server.h"

#define RCV_DEFAULT_PORT 8080u
#define RCV_MAX_WORK_MS  60000u

struct rcv_config {
    struct rcv_server_opts server; /* server.scheme points at scheme */
    struct scheme scheme;          /* --scheme; vambe when not given */
    const char *port_file;         /* NULL when not asked */
    bool verbose;
    int argc;          /* the command line parsed, for a restart in place */
    char *const *argv; /* (SIGUSR2, run.c); borrowed */
};

enum rcv_cli_action {
    RCV_CLI_RUN,     /* cfg is complete: run the receiver */
    RCV_CLI_HELP,    /* --help was given */
    RCV_CLI_VERSION, /* --version was given */
};

/* Parses argv into cfg, taking the secret from VAMBE_SECRET when --secret
 * is absent. Strings in cfg (and argv itself: cfg->argv) are borrowed from
 * argv and the environment; argv is not reordered.
 * Returns 0 with *action set, or -1 with e naming the option or value at
 * fault. Resets getopt's state first, so it may be called again. */
int rcv_cli_parse(int argc, char *const argv[], struct rcv_config *cfg, enum rcv_cli_action *action,
                  struct err *e);
/* The one-line synopsis and a pointer to --help (after a usage error). */
void rcv_cli_usage(FILE *out);
/* The whole help: synopsis, options, flaws, exit statuses. */
void rcv_cli_help(FILE *out);

#endif
