/* vambe-mock's command line: subcommands, their flags, --help and
 * --version. One option table per subcommand drives both getopt_long and
 * the help text. Parsing only: running is server.c's job. */
#ifndef MOCK_SERVER_CLI_H
#define MOCK_SERVER_CLI_H

#include <stdio.h>

#include "mock_server/server.h"
#include "mock_server/trigger.h"

enum ms_cli_command {
    MS_CLI_DONE,    /* nothing to run: exit with exit_code */
    MS_CLI_SERVE,   /* run the server with cli->serve */
    MS_CLI_TRIGGER, /* send a trigger with cli->trigger */
};

struct ms_cli {
    enum ms_cli_command command;
    int exit_code; /* with MS_CLI_DONE: 0 after --help or --version, 2 on a usage error */
    struct ms_options serve;
    struct ms_trigger_options trigger;
};

/* Parses argv (argv[0] is the program). Help and version text go to out;
 * a usage error prints "vambe-mock: <what was wrong>" and the usage line to
 * errout. The API key (of serve and of trigger) defaults to
 * $VAMBE_MOCK_API_KEY, then to MS_DEFAULT_API_KEY; --api-key wins over
 * both. Strings in cli->serve and cli->trigger point into argv or the
 * environment. getopt_long may permute argv. */
void ms_cli_parse(int argc, char **argv, FILE *out, FILE *errout, struct ms_cli *cli);

#endif
