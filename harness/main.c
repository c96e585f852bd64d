/* vambe-harness: runs the Vambe webhook conformance suite against a
 * receiver. Everything is in the harness library; see harness/cli.h. */
#include "harness/cli.h"

int main(int argc, char **argv)
{
    return hn_cli_main(argc, argv);
}
