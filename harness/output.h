/* What vambe-harness prints on stdout: a line per case as it finishes, the
 * detail of every failure (what was sent, what was expected, what came
 * back, the command that re-runs the case), a summary; and the `list`
 * table. Colour only when the stream is a terminal and NO_COLOR is unset. */
#ifndef HARNESS_OUTPUT_H
#define HARNESS_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>

#include "harness/suite.h"
#include "reports/model.h"

struct hn_output {
    FILE *f; /* borrowed */
    bool color;
};

/* no_color: the user's --no-color. */
void hn_output_init(struct hn_output *o, FILE *f, bool no_color);
void hn_output_case(const struct hn_output *o, const struct rp_case *c);
/* The details of every FAIL, ERROR and WARN case of a summarized run. */
void hn_output_failures(const struct hn_output *o, const struct rp_run *run);
void hn_output_summary(const struct hn_output *o, const struct rp_run *run);
void hn_output_list(const struct hn_output *o, const struct hn_suite *s);

#endif
