/* vambe-harness's command line: one getopt_long table drives parsing,
 * --help and the re-run command printed for a failed case. */
#ifndef HARNESS_CLI_H
#define HARNESS_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/err.h"
#include "core/event.h"
#include "core/scheme.h"
#include "core/signature.h"

enum hn_command { HN_CMD_RUN, HN_CMD_LIST, HN_CMD_VALIDATE, HN_CMD_HELP, HN_CMD_VERSION };

/* A parsed command line. Strings are borrowed from argv or the environment;
 * the arrays are owned (hn_cli_cleanup). */
struct hn_config {
    enum hn_command command;
    const char *target;
    const char *secret;
    bool secret_from_env; /* VAMBE_SECRET, no --secret */
    const char **headers;
    size_t n_headers;
    const char *suite;
    const char **scenarios;
    size_t n_scenarios;
    const char *only;
    const char *skip;
    const char *tags;
    const char **ignored_topics; /* --ignored-topics arguments, each comma-separated */
    size_t n_ignored_topics;
    const char *probe_url;
    const char *probe_cmd;
    const char *state_probe_url;
    const char *restart_cmd; /* --restart-cmd; NULL when not given */
    const char *ca_file;     /* --ca-file; NULL: the system's CA certificates */
    const char **resolve;    /* --resolve entries */
    size_t n_resolve;
    uint64_t timeout_ms;
    uint64_t settle_ms;
    uint64_t probe_wait_ms;
    struct scheme *scheme; /* owned; the default when --scheme is not given */
    enum event_profile profile;
    bool profile_set; /* --profile given: else the scheme's */
    enum signature_unit unit;
    bool unit_set; /* --timestamp-unit given: else the scheme's */
    bool strict;
    bool long_run; /* --long */
    bool has_seed;
    uint64_t seed;
    const char **reports; /* "FORMAT:PATH" */
    size_t n_reports;
    const char *report_dir;
    bool verbose;
    bool no_color;
    const char **files; /* validate's operands */
    size_t n_files;
    int argc; /* the original command line, for re-run commands */
    char **argv;
};

/* Parses argv. Returns 0, or -1 with e set on a usage error. */
int hn_cli_parse(int argc, char **argv, struct hn_config *cfg, struct err *e);
void hn_cli_cleanup(struct hn_config *cfg);
void hn_cli_help(FILE *f);
/* The command that re-runs only case id: the same arguments without
 * --only/--skip/--tags/--report/--report-dir, with --seed, the secret as
 * "$VAMBE_SECRET", --header values and target query values as ***.
 * With id NULL, every case (an audit's re-run: it judges the whole run).
 * Caller frees. */
char *hn_cli_rerun(const struct hn_config *cfg, const char *id, uint64_t seed);

#endif
