/* Test support: the signing schemes' command-line tests: the kit's
 * programs run with their output captured, and the files those tests give
 * them (a body, and a scheme file with a bad digest), made once by the
 * group setup. */
#ifndef TESTS_SUPPORT_SCHEME_CLI_H
#define TESTS_SUPPORT_SCHEME_CLI_H

#define OUT_SIZE (64 * 1024)
#define RUN_MS   30000
#define ARGS_MAX 24

/* The standard output and error of the last run. */
extern char scheme_cli_out[OUT_SIZE];
extern char scheme_cli_errout[OUT_SIZE];
/* "<file>:10:36: signature.digest: ..." of the bad digest file. */
extern char scheme_cli_bad_digest_msg[256];

/* The program of the variable env; fails the test when it is unset. */
const char *scheme_cli_bin(const char *env);
/* Runs the program of env with args (NULL-terminated); "@BODY" and
 * "@BADDIGEST" stand for the files. Returns the exit status. */
int scheme_cli_run(const char *env, const char *const *args);
/* cmocka group setup and teardown: the files. */
int scheme_cli_setup(void **state);
int scheme_cli_teardown(void **state);

#endif
