/* Command-line parsing for vambe-receiver. The table below is the single
 * source of the options: getopt_long's tables and the --help text are both
 * generated from it (core/cli.h). */
#include "examples/receiver/cli.h"

#include <stdlib.h>
#include <string.h>

#include "core/cli.h"
#include "core/parse.h"
#include "examples/receiver/flaw.h"
#include "examples/receiver/throttle.h"

#define CLI_PROGRAM "vambe-receiver"

/* The options' ids (struct cli_option's id). */
enum {
    RCV_OPT_SECRET = 1,
    RCV_OPT_BIND,
    RCV_OPT_PORT,
    RCV_OPT_PORT_FILE,
    RCV_OPT_STATE,
    RCV_OPT_WORK,
    RCV_OPT_RATE_LIMIT,
    RCV_OPT_FLAW,
    RCV_OPT_SCHEME,
    RCV_OPT_VERBOSE,
    RCV_OPT_HELP,
    RCV_OPT_VERSION,
};

/* Columns (core/cli.h): long name, short letter, whether it takes a value,
 * id, the value's placeholder in --help (NULL for a switch), and the help
 * line (under 56 characters, so --help fits 80 columns). */
static const struct cli_option cli_options[] = {
    {"secret", 0, required_argument, RCV_OPT_SECRET, "S",
     "the webhook secret or token (default: $VAMBE_SECRET)"},
    {"scheme", 0, required_argument, RCV_OPT_SCHEME, "NAME|FILE",
     "how deliveries are signed (default vambe)"},
    {"bind", 0, required_argument, RCV_OPT_BIND, "ADDR",
     "address to listen on (default 127.0.0.1)"},
    {"port", 0, required_argument, RCV_OPT_PORT, "N",
     "port to listen on, 0 for a free one (default 8080)"},
    {"port-file", 0, required_argument, RCV_OPT_PORT_FILE, "PATH",
     "write the bound port to PATH (temp file + rename)"},
    {"state", 0, required_argument, RCV_OPT_STATE, "FILE",
     "keep accepted events in FILE, replayed at start"},
    {"work", 0, required_argument, RCV_OPT_WORK, "DUR",
     "work per event, done after the answer (default 5ms)"},
    {"rate-limit", 0, required_argument, RCV_OPT_RATE_LIMIT, "N",
     "answer 429 past N deliveries a second (default 0: off)"},
    {"flaw", 0, required_argument, RCV_OPT_FLAW, "NAME",
     "break one behaviour on purpose (repeatable, below)"},
    {"verbose", 'v', no_argument, RCV_OPT_VERBOSE, NULL,
     "log every request and every processed event"},
    {"help", 'h', no_argument, RCV_OPT_HELP, NULL, "show this help and exit"},
    {"version", 0, no_argument, RCV_OPT_VERSION, NULL, "show the version and exit"},
};

/* The option list of --help. */
static const struct cli_help_layout cli_layout = {22, 0};

#define CLI_N (sizeof(cli_options) / sizeof(cli_options[0]))

void rcv_cli_usage(FILE *out)
{
    fprintf(out, "usage: " CLI_PROGRAM " --secret S [--scheme NAME|FILE] [--bind ADDR] [--port N]\n"
                 "       [--port-file PATH] [--state FILE] [--work DUR] [--rate-limit N]\n"
                 "       [--flaw NAME]... [-v]\n"
                 "run '" CLI_PROGRAM " --help' for the options and the flaws\n");
}

void rcv_cli_help(FILE *out)
{
    fprintf(out, "usage: " CLI_PROGRAM " --secret S [--scheme NAME|FILE] [--bind ADDR] [--port N]\n"
                 "       [--port-file PATH] [--state FILE] [--work DUR] [--rate-limit N]\n"
                 "       [--flaw NAME]... [-v]\n\n"
                 "A Vambe webhook receiver done right: POST / verifies the signature (or token)\n"
                 "of its scheme and the time window, dedupes by event id, answers 200 at once\n"
                 "and does the work on a worker thread. GET /_probe/events/{event_id} answers\n"
                 "{\"count\": N}, the times the event was processed, for vambe-harness\n"
                 "--probe-url.\n\noptions:\n");
    cli_help_options(out, cli_options, CLI_N, &cli_layout);
    fprintf(out, "Prefer VAMBE_SECRET to --secret: other users can read a command line.\n");
    size_t n;
    const struct rcv_flaw_info *flaws = rcv_flaw_table(&n);
    fprintf(out, "\nflaws (--flaw NAME; each breaks exactly one behaviour):\n");
    for (size_t i = 0; i < n; i++) {
        fprintf(out, "  %-22s %s\n", flaws[i].name, flaws[i].description);
    }
    fprintf(out,
            "\nsignals: SIGINT, SIGTERM, SIGHUP, SIGQUIT or SIGUSR1 stop it cleanly;\n"
            "  SIGUSR2  for tests: crash and restart in place (what --state keeps survives)\n");
    fprintf(out, "\nexit status: 0 stopped by SIGINT or SIGTERM, 2 usage error,\n"
                 "3 cannot bind the address, write the port file or use the --state file\n");
}

/* Applies one option's value to cfg. */
static int cli_apply(int val, const char *arg, struct rcv_config *cfg, enum rcv_cli_action *action,
                     struct err *e)
{
    long long n;
    switch (val) {
    case RCV_OPT_SECRET:
        cfg->server.secret = arg;
        return 0;
    case RCV_OPT_BIND:
        cfg->server.bind = arg;
        return 0;
    case RCV_OPT_PORT:
        if (parse_int(arg, 0, 65535, &n, e) != 0) {
            err_prefix(e, "--port");
            return -1;
        }
        cfg->server.port = (unsigned)n;
        return 0;
    case RCV_OPT_PORT_FILE:
        cfg->port_file = arg;
        return 0;
    case RCV_OPT_STATE:
        if (*arg == '\0') {
            return err_set(e, "--state: empty value");
        }
        cfg->server.state = arg;
        return 0;
    case RCV_OPT_WORK:
        if (parse_duration_ms(arg, &cfg->server.work_ms, e) != 0) {
            err_prefix(e, "--work");
            return -1;
        }
        if (cfg->server.work_ms > RCV_MAX_WORK_MS) {
            return err_set(e, "--work: '%s': at most %us", arg, RCV_MAX_WORK_MS / 1000u);
        }
        return 0;
    case RCV_OPT_RATE_LIMIT:
        /* 0 is the default spelled out: no limit. */
        if (parse_int(arg, 0, RCV_THROTTLE_MAX, &n, e) != 0) {
            err_prefix(e, "--rate-limit");
            return -1;
        }
        cfg->server.rate_limit = (unsigned)n;
        return 0;
    case RCV_OPT_SCHEME:
        if (scheme_resolve(arg, &cfg->scheme, e) != 0) {
            err_prefix(e, "--scheme");
            return -1;
        }
        return 0;
    case RCV_OPT_FLAW:
        if (rcv_flaw_parse(arg, &cfg->server.flaws, e) != 0) {
            err_prefix(e, "--flaw");
            return -1;
        }
        return 0;
    case RCV_OPT_VERBOSE:
        cfg->verbose = true;
        cfg->server.access_log = true;
        return 0;
    case RCV_OPT_HELP:
        *action = RCV_CLI_HELP;
        return 0;
    case RCV_OPT_VERSION:
        *action = RCV_CLI_VERSION;
        return 0;
    default:
        return err_set(e, "internal error: option %d not handled", val);
    }
}

int rcv_cli_parse(int argc, char *const argv[], struct rcv_config *cfg, enum rcv_cli_action *action,
                  struct err *e)
{
    struct cli_parser p;
    const char *v = NULL;
    int c;

    memset(cfg, 0, sizeof(*cfg));
    cfg->argc = argc;
    cfg->argv = argv;
    cfg->server.port = RCV_DEFAULT_PORT;
    cfg->scheme = *scheme_default();
    cfg->server.scheme = &cfg->scheme;
    cfg->server.work_ms = RCV_DEFAULT_WORK_MS;
    *action = RCV_CLI_RUN;
    /* In order: the first operand ends the options (and argv is not
     * reordered: cfg->argv restarts the receiver as it was started). */
    cli_parser_init(&p, true);
    if (cli_parser_add(&p, cli_options, CLI_N) != 0) {
        return err_set(e, "internal error: the option table is wrong");
    }
    while ((c = cli_parser_next(&p, argc, argv, &v, e)) > 0) {
        if (cli_apply(c, v, cfg, action, e) != 0) {
            return -1;
        }
    }
    if (c < 0) {
        return -1;
    }
    if (optind < argc) {
        return err_set(e, "unexpected argument '%s'", argv[optind]);
    }
    if (*action != RCV_CLI_RUN) {
        return 0;
    }
    if (cfg->server.secret == NULL) {
        cfg->server.secret = getenv("VAMBE_SECRET");
    }
    if ((cfg->server.secret == NULL || *cfg->server.secret == '\0') &&
        cfg->scheme.kind != SCHEME_NONE) {
        return err_set(e, "a secret is required: --secret S or the VAMBE_SECRET variable");
    }
    if (scheme_secret_check(&cfg->scheme, cfg->server.secret ? cfg->server.secret : "", e) != 0) {
        err_prefix(e, "--secret");
        return -1;
    }
    return 0;
}
