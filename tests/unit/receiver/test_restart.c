/* examples/receiver/restart: the command line of a receiver restarted in
 * place. It comes back on the port it is bound to, whatever --port said
 * (getopt keeps the last), and restarting again does not grow it. The exec
 * itself is integration.receiver_restart's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "examples/receiver/cli.h"
#include "examples/receiver/restart.h"

#define ARGC(a) ((int)(sizeof(a) / sizeof((a)[0])) - 1)

static int count(char **argv)
{
    int n = 0;
    while (argv[n] != NULL) {
        n++;
    }
    return n;
}

/* The port it is on is appended, and is the one the parser keeps. */
static void port_appended_and_kept(void **state)
{
    (void)state;
    char *argv[] = {"vambe-receiver", "--secret", "s",       "--port",  "0", "--port-file",
                    "/tmp/pf",        "-v",       "--state", "/tmp/st", NULL};
    char port[16];
    struct rcv_config cfg;
    enum rcv_cli_action action;
    struct err e = {{0}};

    char **again = rcv_restart_argv(ARGC(argv), argv, 41234, port, sizeof(port));
    assert_int_equal(count(again), ARGC(argv) + 2);
    for (int i = 0; i < ARGC(argv); i++) {
        assert_ptr_equal(again[i], argv[i]); /* the same, in the same order */
    }
    assert_string_equal(again[ARGC(argv)], "--port");
    assert_string_equal(again[ARGC(argv) + 1], "41234");
    assert_int_equal(rcv_cli_parse(count(again), again, &cfg, &action, &e), 0);
    assert_int_equal(cfg.server.port, 41234); /* the last --port wins */
    assert_string_equal(cfg.port_file, "/tmp/pf");
    assert_string_equal(cfg.server.state, "/tmp/st");
    assert_true(cfg.verbose);
    free(again);
}

/* "--port=0" and the default port are overridden alike. */
static void other_spellings(void **state)
{
    (void)state;
    char *eq[] = {"vambe-receiver", "--port=0", "--secret", "s", NULL};
    char *none[] = {"vambe-receiver", "--secret", "s", NULL};
    char port[16];
    struct rcv_config cfg;
    enum rcv_cli_action action;
    struct err e = {{0}};

    char **again = rcv_restart_argv(ARGC(eq), eq, 5001, port, sizeof(port));
    assert_int_equal(rcv_cli_parse(count(again), again, &cfg, &action, &e), 0);
    assert_int_equal(cfg.server.port, 5001);
    free(again);
    again = rcv_restart_argv(ARGC(none), none, 5002, port, sizeof(port));
    assert_int_equal(rcv_cli_parse(count(again), again, &cfg, &action, &e), 0);
    assert_int_equal(cfg.server.port, 5002);
    free(again);
}

/* A second restart on the same port keeps the command line as it is; on
 * another port (never the case: the port is kept) it appends again. */
static void no_growth(void **state)
{
    (void)state;
    char *argv[] = {"vambe-receiver", "--secret", "s", "--port", "0", "--port", "41234", NULL};
    char port[16];
    struct rcv_config cfg;
    enum rcv_cli_action action;
    struct err e = {{0}};

    char **again = rcv_restart_argv(ARGC(argv), argv, 41234, port, sizeof(port));
    assert_int_equal(count(again), ARGC(argv));
    assert_ptr_equal(again[ARGC(argv) - 1], argv[ARGC(argv) - 1]);
    free(again);
    again = rcv_restart_argv(ARGC(argv), argv, 41235, port, sizeof(port));
    assert_int_equal(count(again), ARGC(argv) + 2);
    assert_int_equal(rcv_cli_parse(count(again), again, &cfg, &action, &e), 0);
    assert_int_equal(cfg.server.port, 41235);
    free(again);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(port_appended_and_kept),
        cmocka_unit_test(other_spellings),
        cmocka_unit_test(no_growth),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
