/* Internal to harness/cli.c, harness/cli_table.c and harness/rerun.c: the
 * option table, which drives parsing, --help and the re-run command. */
#ifndef HARNESS_CLI_PRIV_H
#define HARNESS_CLI_PRIV_H

#include <getopt.h>
#include <stddef.h>

/* The options' ids: a short option's letter, or a number past 0xff. */
enum cli_id {
    CLI_TARGET = 't',
    CLI_SECRET = 's',
    CLI_VERBOSE = 'v',
    CLI_HELP = 'h',
    CLI_VERSION = 'V',
    CLI_HEADER = 0x100,
    CLI_SUITE,
    CLI_SCENARIO,
    CLI_ONLY,
    CLI_SKIP,
    CLI_TAGS,
    CLI_IGNORED_TOPICS,
    CLI_PROBE_URL,
    CLI_PROBE_CMD,
    CLI_STATE_PROBE_URL,
    CLI_PROBE_WAIT,
    CLI_SETTLE,
    CLI_TIMEOUT,
    CLI_PROFILE,
    CLI_TS_UNIT,
    CLI_SCHEME,
    CLI_STRICT,
    CLI_LONG,
    CLI_RESTART_CMD,
    CLI_CA_FILE,
    CLI_RESOLVE,
    CLI_SEED,
    CLI_REPORT,
    CLI_REPORT_DIR,
    CLI_NO_COLOR,
};

/* How an option is written back into a re-run command. */
enum cli_rerun {
    CLI_RERUN_KEEP,   /* as given */
    CLI_RERUN_DROP,   /* selection and report options: the re-run picks its case */
    CLI_RERUN_SECRET, /* --secret "$VAMBE_SECRET" */
    CLI_RERUN_HEADER, /* the value may be a token: "Name: ***" */
    CLI_RERUN_URL,    /* query values may be tokens: redacted */
    CLI_RERUN_SEED,   /* kept, and noted as present */
};

/* Columns: long name, argument (getopt_long's has_arg), id (a short
 * option's letter, or a number past 0xff), the argument's name in --help,
 * the help text, and what a re-run command does with it. */
struct cli_option {
    const char *name;
    int has_arg;
    int id;
    const char *arg;
    const char *help;
    enum cli_rerun rerun;
};

/* The most options the table may hold (checked where it is built). */
#define CLI_MAX_OPTIONS 64

/* Fills getopt_long's tables from the option table: longopts (room for
 * CLI_MAX_OPTIONS + 1, the last zeroed) and shorts (":" first: a missing
 * value is told apart from an unknown option). */
void hn_cli_getopt(struct option *longopts, char *shorts, size_t shorts_size);
/* The table, in --help order (static). */
const struct cli_option *hn_cli_options(size_t *n);
/* The option whose id (a short option's letter, or a number past 0xff) is
 * id; NULL when none. */
const struct cli_option *hn_cli_option_by_id(int id);

#endif
