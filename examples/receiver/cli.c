/* Command-line parsing for vambe-receiver. The table below is the single
 * source of the options: getopt_long's table and the --help text are both
 * generated from it. */
#include "examples/receiver/cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "core/parse.h"
#include "examples/receiver/flaw.h"
#include "examples/receiver/throttle.h"

#define CLI_PROGRAM "vambe-receiver"

/* Options without a one-letter form get values past any character. */
enum {
    CLI_SECRET = 256,
    CLI_BIND,
    CLI_PORT,
    CLI_PORT_FILE,
    CLI_STATE,
    CLI_WORK,
    CLI_RATE_LIMIT,
    CLI_FLAW,
    CLI_SCHEME,
    CLI_VERSION,
};

/* Columns: long name, whether it takes a value, its getopt value (a letter
 * for options that also have a short form), the value's placeholder in
 * --help (NULL for a switch), and the help line (under 56 characters, so
 * --help fits 80 columns). */
static const struct {
    const char *name;
    int has_arg;
    int val;
    const char *arg;
    const char *help;
} cli_options[] = {
    {"secret", required_argument, CLI_SECRET, "S",
     "the webhook secret or token (default: $VAMBE_SECRET)"},
    {"scheme", required_argument, CLI_SCHEME, "NAME|FILE",
     "how deliveries are signed (default vambe)"},
    {"bind", required_argument, CLI_BIND, "ADDR", "address to listen on (default 127.0.0.1)"},
    {"port", required_argument, CLI_PORT, "N",
     "port to listen on, 0 for a free one (default 8080)"},
    {"port-file", required_argument, CLI_PORT_FILE, "PATH",
     "write the bound port to PATH (temp file + rename)"},
    {"state", required_argument, CLI_STATE, "FILE",
     "keep accepted events in FILE, replayed at start"},
    {"work", required_argument, CLI_WORK, "DUR",
     "work per event, done after the answer (default 5ms)"},
    {"rate-limit", required_argument, CLI_RATE_LIMIT, "N",
     "answer 429 past N deliveries a second (default 0: off)"},
    {"flaw", required_argument, CLI_FLAW, "NAME",
     "break one behaviour on purpose (repeatable, below)"},
    {"verbose", no_argument, 'v', NULL, "log every request and every processed event"},
    {"help", no_argument, 'h', NULL, "show this help and exit"},
    {"version", no_argument, CLI_VERSION, NULL, "show the version and exit"},
};

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
    for (size_t i = 0; i < CLI_N; i++) {
        char label[64];
        if (cli_options[i].val < 256) {
            snprintf(label, sizeof(label), "-%c, --%s%s%s", cli_options[i].val, cli_options[i].name,
                     cli_options[i].arg ? " " : "", cli_options[i].arg ? cli_options[i].arg : "");
        } else {
            snprintf(label, sizeof(label), "    --%s%s%s", cli_options[i].name,
                     cli_options[i].arg ? " " : "", cli_options[i].arg ? cli_options[i].arg : "");
        }
        fprintf(out, "  %-22s %s\n", label, cli_options[i].help);
    }
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
    case CLI_SECRET:
        cfg->server.secret = arg;
        return 0;
    case CLI_BIND:
        cfg->server.bind = arg;
        return 0;
    case CLI_PORT:
        if (parse_int(arg, 0, 65535, &n, e) != 0) {
            err_prefix(e, "--port");
            return -1;
        }
        cfg->server.port = (unsigned)n;
        return 0;
    case CLI_PORT_FILE:
        cfg->port_file = arg;
        return 0;
    case CLI_STATE:
        if (*arg == '\0') {
            return err_set(e, "--state: empty value");
        }
        cfg->server.state = arg;
        return 0;
    case CLI_WORK:
        if (parse_duration_ms(arg, &cfg->server.work_ms, e) != 0) {
            err_prefix(e, "--work");
            return -1;
        }
        if (cfg->server.work_ms > RCV_MAX_WORK_MS) {
            return err_set(e, "--work: '%s': at most %us", arg, RCV_MAX_WORK_MS / 1000u);
        }
        return 0;
    case CLI_RATE_LIMIT:
        /* 0 is the default spelled out: no limit. */
        if (parse_int(arg, 0, RCV_THROTTLE_MAX, &n, e) != 0) {
            err_prefix(e, "--rate-limit");
            return -1;
        }
        cfg->server.rate_limit = (unsigned)n;
        return 0;
    case CLI_SCHEME:
        if (scheme_resolve(arg, &cfg->scheme, e) != 0) {
            err_prefix(e, "--scheme");
            return -1;
        }
        return 0;
    case CLI_FLAW:
        if (rcv_flaw_parse(arg, &cfg->server.flaws, e) != 0) {
            err_prefix(e, "--flaw");
            return -1;
        }
        return 0;
    case 'v':
        cfg->verbose = true;
        cfg->server.access_log = true;
        return 0;
    case 'h':
        *action = RCV_CLI_HELP;
        return 0;
    case CLI_VERSION:
        *action = RCV_CLI_VERSION;
        return 0;
    default:
        return err_set(e, "internal error: option %d not handled", val);
    }
}

int rcv_cli_parse(int argc, char *const argv[], struct rcv_config *cfg, enum rcv_cli_action *action,
                  struct err *e)
{
    struct option longopts[CLI_N + 1];
    /* '+': stop at the first operand; ':': report a missing value as ':'. */
    char shortopts[2 * CLI_N + 3] = "+:";
    size_t ns = 2;

    memset(cfg, 0, sizeof(*cfg));
    memset(longopts, 0, sizeof(longopts));
    cfg->argc = argc;
    cfg->argv = argv;
    cfg->server.port = RCV_DEFAULT_PORT;
    cfg->scheme = *scheme_default();
    cfg->server.scheme = &cfg->scheme;
    cfg->server.work_ms = RCV_DEFAULT_WORK_MS;
    *action = RCV_CLI_RUN;
    for (size_t i = 0; i < CLI_N; i++) {
        longopts[i] =
            (struct option){cli_options[i].name, cli_options[i].has_arg, NULL, cli_options[i].val};
        if (cli_options[i].val < 256) {
            shortopts[ns++] = (char)cli_options[i].val;
            if (cli_options[i].has_arg == required_argument) {
                shortopts[ns++] = ':';
            }
        }
    }
    shortopts[ns] = '\0';
    optind = 0; /* glibc: a full reset, so parsing can run again */
    opterr = 0; /* our messages, not getopt's */
    int c;
    while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
        if (c == '?') {
            const char *arg = argv[optind - 1];
            if (strncmp(arg, "--", 2) != 0) {
                return err_set(e, "unknown option '-%c'", optopt);
            }
            /* A known long option with "=value" it does not take sets
             * optopt; an unknown (or ambiguous) one leaves it 0. */
            if (optopt != 0) {
                return err_set(e, "option '%.*s' takes no value", (int)strcspn(arg, "="), arg);
            }
            /* Never the value: "--secrt=TOPSECRET" is a mistyped secret. */
            return err_set(e, "unknown option '%.*s'", (int)strcspn(arg, "="), arg);
        }
        if (c == ':') {
            return err_set(e, "option '%s' needs a value", argv[optind - 1]);
        }
        if (cli_apply(c, optarg, cfg, action, e) != 0) {
            return -1;
        }
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
