/* Test support: a test that cannot run here (a tool missing, no IPv6
 * loopback, too few file descriptors) skips, on a developer's machine, with
 * the reason; in CI (CI set and not "false") it fails instead, so a run
 * can never go green without running it. scripts/deps.sh --test installs
 * every tool a test needs. Include after cmocka.h. */
#ifndef TESTS_SUPPORT_NEED_H
#define TESTS_SUPPORT_NEED_H

#include <stdbool.h>

/* Whether missing preconditions fail (CI) rather than skip. */
bool test_in_ci(void);

/* When have is false: prints "needs WHAT" and skips the test, or fails it
 * in CI. */
#define test_need(have, what)                                                                      \
    do {                                                                                           \
        if (!(have)) {                                                                             \
            if (test_in_ci()) {                                                                    \
                fail_msg("needs %s (CI: a test that cannot run fails; scripts/deps.sh --test "     \
                         "installs the tools)",                                                    \
                         (what));                                                                  \
            }                                                                                      \
            print_message("skipped: needs %s\n", (what));                                          \
            skip();                                                                                \
        }                                                                                          \
    } while (0)

#endif
