/* Internal to harness/cli.c, harness/cli_table.c and harness/rerun.c: the
 * option table, which drives parsing, --help and the re-run command. */
#ifndef HARNESS_CLI_PRIV_H
#define HARNESS_CLI_PRIV_H

#include <stddef.h>

#include "core/cli.h"
#include "harness/cli.h"

/* The options' ids (struct cli_option's id). */
enum hn_opt {
    HN_OPT_TARGET = 1,
    HN_OPT_SECRET,
    HN_OPT_VERBOSE,
    HN_OPT_HELP,
    HN_OPT_VERSION,
    HN_OPT_HEADER,
    HN_OPT_SUITE,
    HN_OPT_SCENARIO,
    HN_OPT_ONLY,
    HN_OPT_SKIP,
    HN_OPT_TAGS,
    HN_OPT_IGNORED_TOPICS,
    HN_OPT_PROBE_URL,
    HN_OPT_PROBE_CMD,
    HN_OPT_STATE_PROBE_URL,
    HN_OPT_PROBE_WAIT,
    HN_OPT_SETTLE,
    HN_OPT_TIMEOUT,
    HN_OPT_PROFILE,
    HN_OPT_TS_UNIT,
    HN_OPT_SCHEME,
    HN_OPT_STRICT,
    HN_OPT_LONG,
    HN_OPT_RESTART_CMD,
    HN_OPT_CA_FILE,
    HN_OPT_RESOLVE,
    HN_OPT_SEED,
    HN_OPT_REPORT,
    HN_OPT_REPORT_DIR,
    HN_OPT_NO_COLOR,
};

/* How an option is written back into a re-run command. */
enum hn_rerun {
    HN_RERUN_KEEP,   /* as given */
    HN_RERUN_DROP,   /* selection and report options: the re-run picks its case */
    HN_RERUN_SECRET, /* --secret "$VAMBE_SECRET" */
    HN_RERUN_HEADER, /* the value may be a token: "Name: ***" */
    HN_RERUN_URL,    /* query values may be tokens: redacted */
    HN_RERUN_SEED,   /* kept, and noted as present */
};

/* A row of the table: the option, and the harness's column more. */
struct hn_cli_row {
    struct cli_option opt;
    enum hn_rerun rerun;
};

/* The row of option id (static), or NULL: `load` takes the rows of the
 * options it shares with run from here. */
const struct cli_option *hn_cli_option_by_id(int id);
/* One option's value into cfg (the options of this table). 0, or -1 with
 * e set, never echoing a secret. */
int hn_cli_apply(struct hn_config *cfg, int id, const char *v, struct err *e);
/* The scheme and what it implies where the user said nothing. */
int hn_cli_scheme_defaults(struct hn_config *cfg, struct err *e);
/* What a command that sends needs: --target (a valid http(s) URL), the
 * secret (--secret or $VAMBE_SECRET; usable by the scheme), --header lines
 * that do not name the scheme's headers. command names it in messages. */
int hn_cli_check_target(struct hn_config *cfg, const char *command, struct err *e);

/* The table, in --help order (static). */
const struct hn_cli_row *hn_cli_rows(size_t *n);
/* The table's options, for core/cli.h, into out (room for
 * CLI_MAX_OPTIONS). Returns how many. */
size_t hn_cli_options(struct cli_option *out);

#endif
