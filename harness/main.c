/* vambe-harness: runs the Vambe webhook conformance suite against a
 * receiver. Everything is in the harness library: the command line
 * (cli.h), the commands (command.h), the load command (load.h) and the
 * tools (tools.h); this file only dispatches, so that no library file
 * calls back into another that includes it. */
#include <stdio.h>
#include <string.h>

#include "core/exit.h"
#include "core/log.h"
#include "harness/cli.h"
#include "harness/command.h"
#include "harness/load.h"
#include "harness/tools.h"

static int harness_main(int argc, char **argv)
{
    struct hn_config cfg;
    struct err e = {{0}};
    int code = KIT_EXIT_USAGE;

    log_set_program("vambe-harness");
    if (hn_cli_parse(argc, argv, &cfg, &e) != 0) {
        log_error("%s", e.msg);
        fputs("vambe-harness: try 'vambe-harness --help'\n", stderr);
        goto out;
    }
    if (cfg.verbose) {
        log_set_level(LOG_LEVEL_DEBUG);
    }
    switch (cfg.command) {
    case HN_CMD_HELP:
        hn_cli_help(stdout);
        code = KIT_EXIT_OK;
        break;
    case HN_CMD_VERSION:
        printf("vambe-harness %s\n", VAMBE_VERSION);
        code = KIT_EXIT_OK;
        break;
    case HN_CMD_RUN:
        code = hn_command_run(&cfg, stdout, NULL);
        break;
    case HN_CMD_LIST:
        code = hn_command_list(&cfg, stdout);
        break;
    case HN_CMD_VALIDATE:
        code = hn_command_validate(&cfg, stdout);
        break;
    }
out:
    hn_cli_cleanup(&cfg);
    return code;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "load") == 0) {
        log_set_program("vambe-harness");
        return hn_load_main(argc - 1, argv + 1, stdout);
    }
    if (argc > 1 && hn_tools_is_tool(argv[1])) {
        log_set_program("vambe-harness");
        return hn_tools_main(argc - 1, argv + 1, stdout);
    }
    return harness_main(argc, argv);
}
