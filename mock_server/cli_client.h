/* vambe-mock's client commands: `webhooks` (the management API) and
 * `calls` (the call log, and its live tail with --follow), programs that
 * talk to a running mock as `trigger` does: the same --server, --api-key
 * (default $VAMBE_MOCK_API_KEY), --ca-file and --insecure, the same
 * messages and exit codes (0 done; 2 a usage error or a 4xx answer, whose
 * message is printed; 3 the mock unreachable, a 5xx or an answer that is
 * not the mock's).
 *
 * cli.c dispatches to them: each parses its own option table (core/cli.h
 * rows, which also print its --help) and runs, so they live beside their
 * tables: cli_webhooks.c, cli_calls.c, with cli_follow.c (--follow),
 * client.c (flags, requests, errors) and cli_render.c (tables, lines). */
#ifndef MOCK_SERVER_CLI_CLIENT_H
#define MOCK_SERVER_CLI_CLIENT_H

#include <stdio.h>

#define MS_CLI_WEBHOOKS_SUMMARY                                                                    \
    "list, create, get, update, delete and restore webhooks (/api/webhooks)"
#define MS_CLI_CALLS_SUMMARY "show the call log, or follow it live (--follow)"

/* Each parses and runs its command: argv[0] is the command's name; --help
 * goes to out, results to out, messages ("vambe-mock: ...") to errout.
 * Returns the exit code. getopt_long may permute argv. */
int ms_cli_webhooks_main(int argc, char **argv, FILE *out, FILE *errout);
int ms_cli_calls_main(int argc, char **argv, FILE *out, FILE *errout);

#endif
