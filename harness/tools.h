/* vambe-harness's helper commands, which send nothing:
 *   sign         the headers a sender would send for a body, for curl
 *   schemes      the built-in signing schemes, a line each
 *   list-topics  the event types of a scheme's payload profile
 * Each parses its own options (harness/tools.c). */
#ifndef HARNESS_TOOLS_H
#define HARNESS_TOOLS_H

#include <stdbool.h>
#include <stdio.h>

/* Is name one of the commands above? */
bool hn_tools_is_tool(const char *name);
/* Runs the tool argv[0] with its options; writes what was asked to out,
 * errors to stderr. Returns the exit code (0, or 2 for a usage error). */
int hn_tools_main(int argc, char **argv, FILE *out);

#endif
