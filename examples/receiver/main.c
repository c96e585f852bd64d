/* vambe-receiver: parse the command line, run, map the result to an exit
 * status. Everything else lives in the receiver library. */
#include <stdio.h>

#include "core/err.h"
#include "core/exit.h"
#include "core/log.h"
#include "examples/receiver/cli.h"
#include "examples/receiver/run.h"

int main(int argc, char **argv)
{
    struct rcv_config cfg;
    enum rcv_cli_action action;
    struct err e = {{0}};

    log_set_program("vambe-receiver");
    if (rcv_cli_parse(argc, argv, &cfg, &action, &e) != 0) {
        fprintf(stderr, "vambe-receiver: %s\n", e.msg);
        rcv_cli_usage(stderr);
        return KIT_EXIT_USAGE;
    }
    if (action == RCV_CLI_HELP) {
        rcv_cli_help(stdout);
        return KIT_EXIT_OK;
    }
    if (action == RCV_CLI_VERSION) {
        printf("vambe-receiver %s\n", VAMBE_VERSION);
        return KIT_EXIT_OK;
    }
    return rcv_run(&cfg);
}
