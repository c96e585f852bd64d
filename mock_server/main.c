/* vambe-mock: parse the command line, run, map the result to an exit code. */
#include <malloc.h>
#include <signal.h>
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
        /* One malloc arena for every thread: a trigger's events are made
         * on an HTTP thread, their call records written by the writer and
         * freed by others, and with an arena per thread the memory one
         * thread frees stays unused by the rest (a fifth of a full call
         * log's footprint). Small blocks still come from per-thread
         * caches. Before any thread starts. */
        (void)mallopt(M_ARENA_MAX, 1);
        /* A file-size limit (ulimit -f) reached by the database is a
         * failed write (EFBIG), retried and reported like a full disk, not
         * the end of the process (SIGXFSZ's default). */
        (void)signal(SIGXFSZ, SIG_IGN);
        return ms_server_run(&cli.serve);
    case MS_CLI_TRIGGER:
        return ms_trigger_run(&cli.trigger, stdout, stderr);
    case MS_CLI_DONE:
    default:
        return cli.exit_code;
    }
}
