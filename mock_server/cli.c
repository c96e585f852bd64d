/* vambe-mock's command line.
 *
 * The command table lists each subcommand with its option table
 * (core/cli.h's rows: long name, short letter (0 for none), whether it
 * takes a value, id, the value's name in the help and the help line). The
 * same rows build getopt_long's tables, the usage line and --help. `serve`
 * also takes every delivery-policy flag: those rows come from policy.c's
 * table (one table for the flags, /mock/config and their help) and are
 * appended when a command asks for them. */
#include "mock_server/cli.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/cli.h"
#include "core/exit.h"
#include "core/parse.h"
#include "mock_server/cli_client.h"
#include "mock_server/dispatch.h"
#include "mock_server/validate.h"

#define CLI_PROGRAM "vambe-mock"

/* The options' ids (struct cli_option's id). */
enum cli_opt_id {
    OPT_HELP = 1,
    OPT_VERBOSE,
    OPT_BIND,
    OPT_PORT,
    OPT_PORT_FILE,
    OPT_API_KEY,
    OPT_DB,
    OPT_LOG_FORMAT,
    OPT_THREADS,
    OPT_NO_ACCESS_LOG,
    OPT_CA_FILE,
    OPT_INSECURE,
    OPT_TLS_CERT,
    OPT_TLS_KEY,
    OPT_DATA,
    OPT_COUNT,
    OPT_WEBHOOK,
    OPT_SERVER,
    OPT_POLICY = 512, /* + the row's index in ms_policy_flags() */
};

/* The option list of a command's --help. */
static const struct cli_help_layout cli_layout = {26, 0};

/* `serve`'s options. */
static const struct cli_option serve_options[] = {
    {"bind", 0, required_argument, OPT_BIND, "ADDR",
     "address to listen on, IPv4 or IPv6 (default " MS_DEFAULT_BIND ")"},
    {"port", 0, required_argument, OPT_PORT, "N",
     "port to listen on; 0 picks a free one (default 8790)"},
    {"port-file", 0, required_argument, OPT_PORT_FILE, "PATH",
     "write the port actually bound to PATH (atomically)"},
    {"api-key", 0, required_argument, OPT_API_KEY, "KEY",
     "the x-api-key clients must send (default $" MS_API_KEY_ENV
     ", else the public key " MS_DEFAULT_API_KEY ", accepted on loopback addresses only)"},
    {"db", 0, required_argument, OPT_DB, "PATH",
     "keep webhooks and calls in the SQLite file PATH (default: in memory)"},
    {"log-format", 0, required_argument, OPT_LOG_FORMAT, "text|json",
     "log lines as text or JSON (default text)"},
    {"threads", 0, required_argument, OPT_THREADS, "N",
     "HTTP worker threads, 1-64 (default: one per core)"},
    {"no-access-log", 0, no_argument, OPT_NO_ACCESS_LOG, NULL, "do not log one line per request"},
    {"tls-cert", 0, required_argument, OPT_TLS_CERT, "FILE",
     "serve the API over https with this PEM certificate (needs --tls-key)"},
    {"tls-key", 0, required_argument, OPT_TLS_KEY, "FILE",
     "the certificate's PEM private key, unencrypted (needs --tls-cert)"},
    {"ca-file", 0, required_argument, OPT_CA_FILE, "PATH",
     "CA certificates for https webhook URLs (default: the system's)"},
    {"insecure", 0, no_argument, OPT_INSECURE, NULL,
     "do not verify the TLS certificates of webhook URLs"},
    {"verbose", 'v', no_argument, OPT_VERBOSE, NULL, "log debug details"},
    {"help", 'h', no_argument, OPT_HELP, NULL, "show this help and exit"},
};

/* `trigger`'s options. */
static const struct cli_option trigger_options[] = {
    {"data", 0, required_argument, OPT_DATA, "JSON|@FILE",
     "fields merged into the payload's data, as JSON or read from FILE"},
    {"count", 0, required_argument, OPT_COUNT, "N", "events to trigger, 1-10000 (default 1)"},
    {"webhook", 0, required_argument, OPT_WEBHOOK, "ID",
     "send only to this webhook (default: every active subscriber)"},
    {"server", 0, required_argument, OPT_SERVER, "URL",
     "the mock's base URL (default " MS_DEFAULT_SERVER ")"},
    {"api-key", 0, required_argument, OPT_API_KEY, "KEY",
     "the mock's x-api-key (default $" MS_API_KEY_ENV ", else " MS_DEFAULT_API_KEY ")"},
    {"ca-file", 0, required_argument, OPT_CA_FILE, "PATH",
     "CA certificates to verify an https --server (default: the system's)"},
    {"insecure", 0, no_argument, OPT_INSECURE, NULL,
     "do not verify the TLS certificate of an https --server"},
    {"help", 'h', no_argument, OPT_HELP, NULL, "show this help and exit"},
};

struct cli_command {
    const char *name;
    const char *summary;
    const struct cli_option *options;
    size_t n_options;
    bool policy;            /* also takes the delivery-policy flags */
    const char *positional; /* the one positional argument's name, NULL for none */
    enum ms_cli_command command;
    /* Applies one parsed option; returns 0, or -1 with msg filled. */
    int (*apply)(struct ms_cli *cli, int id, const char *arg, char *msg, size_t msg_size);
    /* Checks the options together once all are parsed (NULL: nothing to
     * check); returns 0, or -1 with msg filled. */
    int (*check)(struct ms_cli *cli, char *msg, size_t msg_size);
};

static int cli_apply_serve(struct ms_cli *cli, int id, const char *arg, char *msg, size_t msg_size);
static int cli_check_serve(struct ms_cli *cli, char *msg, size_t msg_size);
static int cli_apply_trigger(struct ms_cli *cli, int id, const char *arg, char *msg,
                             size_t msg_size);

/* The subcommands. Columns: name, summary, options, how many, policy
 * flags?, positional argument, command, how options are applied, how they
 * are checked together. */
static const struct cli_command cli_commands[] = {
    {"serve", "run the mock Vambe server (management API, control API, deliveries)", serve_options,
     sizeof(serve_options) / sizeof(serve_options[0]), true, NULL, MS_CLI_SERVE, cli_apply_serve,
     cli_check_serve},
    {"trigger", "trigger topic events on a running mock (POST /mock/events)", trigger_options,
     sizeof(trigger_options) / sizeof(trigger_options[0]), false, "TOPIC", MS_CLI_TRIGGER,
     cli_apply_trigger, NULL},
};

#define CLI_N_COMMANDS (sizeof(cli_commands) / sizeof(cli_commands[0]))

/* Clients of a running mock that parse their own options (several actions,
 * several usage lines) and run in place: ms_cli_parse hands them argv and
 * returns their exit code as MS_CLI_DONE (cli_client.h). Columns: name,
 * summary, entry point. */
static const struct {
    const char *name;
    const char *summary;
    int (*main)(int argc, char **argv, FILE *out, FILE *errout);
} cli_clients[] = {
    {"webhooks", MS_CLI_WEBHOOKS_SUMMARY, ms_cli_webhooks_main},
    {"calls", MS_CLI_CALLS_SUMMARY, ms_cli_calls_main},
};

/* ---- the rows of a command -------------------------------------------------- */

/* A command's own rows followed, when it takes them, by the policy rows
 * (id OPT_POLICY + index). Returns how many rows were written. */
static size_t cli_rows(const struct cli_command *cmd, struct cli_option *rows, size_t max)
{
    size_t n = 0;
    size_t n_policy = 0;
    const struct ms_policy_flag *pf = ms_policy_flags(&n_policy);

    for (size_t i = 0; i < cmd->n_options && n < max; i++) {
        rows[n++] = cmd->options[i];
    }
    for (size_t i = 0; cmd->policy && i < n_policy && n < max; i++) {
        rows[n++] = (struct cli_option){
            pf[i].flag,          0,         pf[i].arg != NULL ? required_argument : no_argument,
            OPT_POLICY + (int)i, pf[i].arg, pf[i].help};
    }
    return n;
}

/* ---- usage and help ------------------------------------------------------- */

static void cli_usage_line(FILE *f, const struct cli_command *cmd)
{
    fprintf(f, "usage: %s %s", CLI_PROGRAM, cmd->name);
    if (cmd->positional != NULL) {
        fprintf(f, " %s", cmd->positional);
    }
    for (size_t i = 0; i < cmd->n_options; i++) {
        const struct cli_option *o = &cmd->options[i];
        if (o->id == OPT_HELP) {
            continue;
        }
        if (o->short_name != 0) {
            fprintf(f, " [-%c]", o->short_name);
        } else if (o->arg != NULL) {
            fprintf(f, " [--%s %s]", o->name, o->arg);
        } else {
            fprintf(f, " [--%s]", o->name);
        }
    }
    if (cmd->policy) {
        fprintf(f, " [delivery options]");
    }
    fputc('\n', f);
}

static void cli_top_usage(FILE *f)
{
    fprintf(f, "usage: %s <command> [options] | --help | --version\n", CLI_PROGRAM);
}

static void cli_top_help(FILE *f)
{
    cli_top_usage(f);
    fprintf(f, "\nThe mock Vambe webhook server of the Vambe Webhook Conformance Kit.\n\n"
               "commands:\n");
    for (size_t i = 0; i < CLI_N_COMMANDS; i++) {
        fprintf(f, "  %-10s %s\n", cli_commands[i].name, cli_commands[i].summary);
    }
    for (size_t i = 0; i < sizeof(cli_clients) / sizeof(cli_clients[0]); i++) {
        fprintf(f, "  %-10s %s\n", cli_clients[i].name, cli_clients[i].summary);
    }
    fprintf(f,
            "\nRun '%s <command> --help' for a command's options.\n"
            "Exit codes: 0 ok, 2 usage or configuration error, 3 environment error\n"
            "(cannot bind, cannot open the database, the mock is unreachable).\n",
            CLI_PROGRAM);
}

static void cli_command_help(FILE *f, const struct cli_command *cmd)
{
    struct cli_option rows[CLI_MAX_OPTIONS];
    size_t n = cli_rows(cmd, rows, CLI_MAX_OPTIONS);

    cli_usage_line(f, cmd);
    fprintf(f, "\n%s.\n\noptions:\n", cmd->summary);
    cli_help_options(f, rows, cmd->n_options, &cli_layout);
    if (n > cmd->n_options) {
        fprintf(f, "\ndelivery options (GET and PUT /mock/config read and change them):\n");
        cli_help_options(f, rows + cmd->n_options, n - cmd->n_options, &cli_layout);
    }
}

static void cli_done(struct ms_cli *cli, int exit_code)
{
    cli->command = MS_CLI_DONE;
    cli->exit_code = exit_code;
}

/* Reports a usage error: message, usage line, exit code 2. */
__attribute__((format(printf, 4, 5))) static void
cli_fail(struct ms_cli *cli, FILE *errout, const struct cli_command *cmd, const char *fmt, ...)
{
    va_list ap;

    fprintf(errout, "%s: ", CLI_PROGRAM);
    va_start(ap, fmt);
    vfprintf(errout, fmt, ap);
    va_end(ap);
    fputc('\n', errout);
    if (cmd != NULL) {
        cli_usage_line(errout, cmd);
    } else {
        cli_top_usage(errout);
    }
    cli_done(cli, KIT_EXIT_USAGE);
}

/* ---- serve ---------------------------------------------------------------- */

static int cli_apply_policy(struct ms_options *o, int id, const char *arg, char *msg,
                            size_t msg_size)
{
    size_t n = 0;
    const struct ms_policy_flag *pf = ms_policy_flags(&n);
    struct err e = {{0}};

    if (id < OPT_POLICY || (size_t)(id - OPT_POLICY) >= n) {
        snprintf(msg, msg_size, "option %d is not handled", id);
        return -1;
    }
    if (ms_policy_set_flag(&o->policy, pf[id - OPT_POLICY].flag, arg, &e) != 0) {
        snprintf(msg, msg_size, "%s", e.msg);
        return -1;
    }
    o->policy_given |= 1ull << (id - OPT_POLICY);
    return 0;
}

static int cli_apply_serve(struct ms_cli *cli, int id, const char *arg, char *msg, size_t msg_size)
{
    struct ms_options *o = &cli->serve;
    struct err e = {{0}};
    long long v = 0;
    unsigned char addr[16];

    switch (id) {
    case OPT_BIND:
        if (inet_pton(AF_INET, arg, addr) != 1 && inet_pton(AF_INET6, arg, addr) != 1) {
            snprintf(msg, msg_size, "--bind: '%s' is not an IPv4 or IPv6 address", arg);
            return -1;
        }
        o->bind = arg;
        return 0;
    case OPT_PORT:
        if (parse_int(arg, 0, 65535, &v, &e) != 0) {
            snprintf(msg, msg_size, "--port: %s", e.msg);
            return -1;
        }
        o->port = (unsigned)v;
        return 0;
    case OPT_PORT_FILE:
    case OPT_DB:
        if (arg[0] == '\0') {
            snprintf(msg, msg_size, "--%s: the path is empty", id == OPT_DB ? "db" : "port-file");
            return -1;
        }
        if (id == OPT_DB) {
            o->db_path = arg;
        } else {
            o->port_file = arg;
        }
        return 0;
    case OPT_API_KEY:
        if (arg[0] == '\0' || strlen(arg) > MS_API_KEY_MAX) {
            /* Never echo the key itself. */
            snprintf(msg, msg_size, "--api-key: must be 1 to %d characters", MS_API_KEY_MAX);
            return -1;
        }
        o->api_key = arg;
        return 0;
    case OPT_LOG_FORMAT:
        if (log_format_parse(arg, &o->log_format) != 0) {
            snprintf(msg, msg_size, "--log-format: '%s' is not a format (use text or json)", arg);
            return -1;
        }
        return 0;
    case OPT_THREADS:
        if (parse_int(arg, 1, 64, &v, &e) != 0) {
            snprintf(msg, msg_size, "--threads: %s", e.msg);
            return -1;
        }
        o->threads = (unsigned)v;
        return 0;
    case OPT_NO_ACCESS_LOG:
        o->access_log = false;
        return 0;
    case OPT_CA_FILE:
        if (arg[0] == '\0') {
            snprintf(msg, msg_size, "--ca-file: the path is empty");
            return -1;
        }
        o->ca_file = arg;
        return 0;
    case OPT_INSECURE:
        o->insecure = true;
        return 0;
    case OPT_TLS_CERT:
    case OPT_TLS_KEY:
        if (arg[0] == '\0') {
            snprintf(msg, msg_size, "--%s: the path is empty",
                     id == OPT_TLS_CERT ? "tls-cert" : "tls-key");
            return -1;
        }
        if (id == OPT_TLS_CERT) {
            o->tls_cert_file = arg;
        } else {
            o->tls_key_file = arg;
        }
        return 0;
    case OPT_VERBOSE:
        o->verbose = true;
        return 0;
    default:
        return cli_apply_policy(o, id, arg, msg, msg_size);
    }
}

/* Flags that only make sense together (the default key and a public
 * address, TLS files in pairs); the files themselves are read when the
 * server starts. */
static int cli_check_serve(struct ms_cli *cli, char *msg, size_t msg_size)
{
    struct err e = {{0}};

    if (ms_options_check(&cli->serve, &e) != 0) {
        snprintf(msg, msg_size, "%s", e.msg);
        return -1;
    }
    return 0;
}

/* ---- trigger -------------------------------------------------------------- */

static int cli_apply_trigger(struct ms_cli *cli, int id, const char *arg, char *msg,
                             size_t msg_size)
{
    struct ms_trigger_options *t = &cli->trigger;
    struct err e = {{0}};
    long long v = 0;

    switch (id) {
    case OPT_DATA:
        t->data = arg;
        return 0;
    case OPT_COUNT:
        if (parse_int(arg, 1, MS_DISPATCH_COUNT_MAX, &v, &e) != 0) {
            snprintf(msg, msg_size, "--count: %s", e.msg);
            return -1;
        }
        t->count = (unsigned)v;
        return 0;
    case OPT_WEBHOOK:
        if (arg[0] == '\0' || strlen(arg) > IDS_UUID_LEN) {
            snprintf(msg, msg_size, "--webhook: '%.64s' is not a webhook id", arg);
            return -1;
        }
        t->webhook_id = arg;
        return 0;
    case OPT_SERVER:
        if (ms_validate_url(arg, &e) != 0) {
            snprintf(msg, msg_size, "--server: %s", e.msg);
            return -1;
        }
        t->server = arg;
        return 0;
    case OPT_API_KEY:
        if (arg[0] == '\0' || strlen(arg) > MS_API_KEY_MAX) {
            snprintf(msg, msg_size, "--api-key: must be 1 to %d characters", MS_API_KEY_MAX);
            return -1;
        }
        t->api_key = arg;
        return 0;
    case OPT_CA_FILE:
        if (arg[0] == '\0') {
            snprintf(msg, msg_size, "--ca-file: the path is empty");
            return -1;
        }
        t->ca_file = arg;
        return 0;
    case OPT_INSECURE:
        t->insecure = true;
        return 0;
    default:
        snprintf(msg, msg_size, "option %d is not handled", id);
        return -1;
    }
}

/* ---- parsing -------------------------------------------------------------- */

/* Takes the positional arguments left after the options. */
static void cli_positionals(const struct cli_command *cmd, int argc, char **argv, FILE *errout,
                            struct ms_cli *cli)
{
    int left = argc - optind;

    if (cmd->positional == NULL && left > 0) {
        cli_fail(cli, errout, cmd, "unexpected argument '%s'", argv[optind]);
    } else if (cmd->positional != NULL && left == 0) {
        cli_fail(cli, errout, cmd, "%s is required", cmd->positional);
    } else if (cmd->positional != NULL && left > 1) {
        cli_fail(cli, errout, cmd, "unexpected argument '%s' (one %s only)", argv[optind + 1],
                 cmd->positional);
    } else if (cmd->positional != NULL) {
        if (argv[optind][0] == '\0') {
            cli_fail(cli, errout, cmd, "%s is empty", cmd->positional);
            return;
        }
        cli->trigger.topic = argv[optind];
    }
}

/* Runs getopt_long over a subcommand's arguments (argv[0] is its name). */
static void cli_parse_command(const struct cli_command *cmd, int argc, char **argv, FILE *out,
                              FILE *errout, struct ms_cli *cli)
{
    struct cli_option rows[CLI_MAX_OPTIONS];
    struct cli_parser p;
    struct err e = {{0}};
    size_t n = cli_rows(cmd, rows, CLI_MAX_OPTIONS);
    const char *v = NULL;
    char msg[512];
    int c;

    /* In order (stop at the first non-option) for commands without
     * positional arguments, so a stray word is reported; commands with one
     * let getopt permute ("trigger TOPIC --count 2"). */
    cli_parser_init(&p, cmd->positional == NULL);
    if (cli_parser_add(&p, rows, n) != 0) {
        cli_fail(cli, errout, cmd, "internal error: the option table is wrong");
        return;
    }
    cli->command = cmd->command;
    while ((c = cli_parser_next(&p, argc, argv, &v, &e)) > 0) {
        if (c == OPT_HELP) {
            cli_command_help(out, cmd);
            cli_done(cli, KIT_EXIT_OK);
            return;
        }
        if (cmd->apply(cli, c, v, msg, sizeof(msg)) != 0) {
            cli_fail(cli, errout, cmd, "%s", msg);
            return;
        }
    }
    if (c < 0) {
        cli_fail(cli, errout, cmd, "%s", e.msg);
        return;
    }
    cli_positionals(cmd, argc, argv, errout, cli);
    if (cli->command == cmd->command && cmd->check != NULL &&
        cmd->check(cli, msg, sizeof(msg)) != 0) {
        cli_fail(cli, errout, cmd, "%s", msg);
    }
}

void ms_cli_parse(int argc, char **argv, FILE *out, FILE *errout, struct ms_cli *cli)
{
    const char *env_key = getenv(MS_API_KEY_ENV);
    const char *name;

    memset(cli, 0, sizeof(*cli));
    ms_options_init(&cli->serve);
    cli->trigger.server = MS_DEFAULT_SERVER;
    cli->trigger.api_key = MS_DEFAULT_API_KEY;
    if (env_key != NULL && env_key[0] != '\0' && strlen(env_key) <= MS_API_KEY_MAX) {
        cli->serve.api_key = env_key;
        cli->trigger.api_key = env_key;
    }
    if (argc < 2) {
        cli_fail(cli, errout, NULL, "no command given (try '%s serve')", CLI_PROGRAM);
        return;
    }
    name = argv[1];
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
        cli_top_help(out);
        cli_done(cli, KIT_EXIT_OK);
        return;
    }
    if (strcmp(name, "--version") == 0 || strcmp(name, "-V") == 0) {
        fprintf(out, "%s %s\n", CLI_PROGRAM, VAMBE_VERSION);
        cli_done(cli, KIT_EXIT_OK);
        return;
    }
    for (size_t i = 0; i < CLI_N_COMMANDS; i++) {
        if (strcmp(name, cli_commands[i].name) == 0) {
            cli_parse_command(&cli_commands[i], argc - 1, argv + 1, out, errout, cli);
            return;
        }
    }
    for (size_t i = 0; i < sizeof(cli_clients) / sizeof(cli_clients[0]); i++) {
        if (strcmp(name, cli_clients[i].name) == 0) {
            cli_done(cli, cli_clients[i].main(argc - 1, argv + 1, out, errout));
            return;
        }
    }
    if (name[0] == '-') {
        /* Never the value: "--secrt=TOPSECRET" is a mistyped secret, and
         * so is the rest of "-QTOPSECRET". */
        int len = name[1] == '-' ? (int)strcspn(name, "=") : 2;
        cli_fail(cli, errout, NULL,
                 "unknown option '%.*s' (options follow a command, e.g. '%s "
                 "serve %.*s')",
                 len, name, CLI_PROGRAM, len, name);
    } else {
        cli_fail(cli, errout, NULL, "unknown command '%s'", name);
    }
}
