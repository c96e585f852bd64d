/* Internal to harness/cli.c and harness/rerun.c: the option table, which
 * drives parsing, --help and the re-run command. */
#ifndef HARNESS_CLI_PRIV_H
#define HARNESS_CLI_PRIV_H

#include <stddef.h>

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

/* The table, in --help order (static). */
const struct cli_option *hn_cli_options(size_t *n);
/* The option whose id (a short option's letter, or a number past 0xff) is
 * id; NULL when none. */
const struct cli_option *hn_cli_option_by_id(int id);

#endif
