/* vambe-harness: runs the Vambe webhook conformance suite against a
 * receiver. Everything is in the harness library; see harness/cli.h. */
#include <stdio.h>

#include "core/log.h"
#include "harness/cli.h"
#include "harness/tools.h"

int main(int argc, char **argv)
{
    if (argc > 1 && hn_tools_is_tool(argv[1])) {
        log_set_program("vambe-harness");
        return hn_tools_main(argc - 1, argv + 1, stdout);
    }
    return hn_cli_main(argc, argv);
}
