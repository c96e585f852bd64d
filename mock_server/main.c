/* vambe-mock: parse the command line, run, map the result to an exit code. */
#include <stdio.h>

#include "mock_server/cli.h"
#include "mock_server/server.h"
#include "mock_server/trigger.h"

int main(int argc, char **argv)
{
    struct ms_cli cli;

    ms_cli_parse(argc, argv, stdout, stderr, &cli);
    switch (cli.command) {
    case MS_CLI_SERVE:
        return ms_server_run(&cli.serve);
    case MS_CLI_TRIGGER:
        return ms_trigger_run(&cli.trigger, stdout, stderr);
    case MS_CLI_DONE:
    default:
        return cli.exit_code;
    }
}
