/* The commands of vambe-harness: run, list, validate. Each prints what the
 * user asked for on out, errors on stderr, and returns an exit code
 * (enum kit_exit, core/exit.h). */
#ifndef HARNESS_COMMAND_H
#define HARNESS_COMMAND_H

#include <stdio.h>

#include "harness/cli.h"
#include "reports/model.h"

/* Runs the selected cases. When run_out is not NULL it receives the
 * summarized run (caller frees with rp_run_free), or NULL when no case ran. */
int hn_command_run(const struct hn_config *cfg, FILE *out, struct rp_run **run_out);
int hn_command_list(const struct hn_config *cfg, FILE *out);
int hn_command_validate(const struct hn_config *cfg, FILE *out);

#endif
