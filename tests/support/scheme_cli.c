/* Test support: the signing schemes' command-line tests (see
 * scheme_cli.h). */
#include "support/scheme_cli.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "support/proc.h"

/* The body of the body file: GitHub's documented example. */
#define GITHUB_BODY "Hello, World!"

char scheme_cli_out[OUT_SIZE];
char scheme_cli_errout[OUT_SIZE];

/* Files the tests write, made once (main) and removed at the end. */
static char scheme_cli_dir[] = "/tmp/vambe-scheme-cli-XXXXXX";
static char scheme_cli_body_file[128];  /* GITHUB_BODY */
static char scheme_cli_bad_digest[128]; /* a scheme file with digest md5 on line 10, column 36 */
char scheme_cli_bad_digest_msg[256];    /* "<file>:10:36: signature.digest: ..." */

const char *scheme_cli_bin(const char *env)
{
    const char *b = proc_bin(env);

    if (b == NULL) {
        fail_msg("%s is not set", env);
    }
    return b;
}

/* Runs the program of env with args (NULL-terminated); "@BODY" and
 * "@BADDIGEST" stand for the files above. Returns the exit status. */
int scheme_cli_run(const char *env, const char *const *args)
{
    char *argv[ARGS_MAX + 2];
    size_t n = 0;

    argv[n++] = (char *)scheme_cli_bin(env);
    for (size_t i = 0; args[i] != NULL; i++) {
        assert_true(n < ARGS_MAX);
        argv[n++] = strcmp(args[i], "@BODY") == 0        ? scheme_cli_body_file
                    : strcmp(args[i], "@BADDIGEST") == 0 ? scheme_cli_bad_digest
                                                         : (char *)args[i];
    }
    argv[n] = NULL;
    return proc_run(argv, scheme_cli_out, sizeof(scheme_cli_out), scheme_cli_errout,
                    sizeof(scheme_cli_errout), RUN_MS);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
}

int scheme_cli_setup(void **state)
{
    (void)state;
    if (mkdtemp(scheme_cli_dir) == NULL) {
        return -1;
    }
    snprintf(scheme_cli_body_file, sizeof(scheme_cli_body_file), "%s/body.txt", scheme_cli_dir);
    snprintf(scheme_cli_bad_digest, sizeof(scheme_cli_bad_digest), "%s/bad-digest.json",
             scheme_cli_dir);
    write_file(scheme_cli_body_file, GITHUB_BODY);
    /* "digest" is on line 10, column 36. */
    write_file(scheme_cli_bad_digest,
               "{\n"
               "  \"format\": 1,\n"
               "  \"name\": \"bad-digest\",\n"
               "  \"title\": \"a digest the kit does not have\",\n"
               "  \"kind\": \"hmac\",\n"
               "  \"profile\": \"github\",\n"
               "  \"max_body\": 1024,\n"
               "  \"event_id\": {\"header\": \"X-Id\"},\n"
               "  \"event_type\": {\"header\": \"X-Type\"},\n"
               "  \"signature\": {\"header\": \"X-Sig\", \"digest\": \"md5\", \"key\": \"raw\",\n"
               "                \"signed\": \"{body}\", \"encoding\": \"hex\", \"value\": "
               "\"{sig}\"}\n"
               "}\n");
    snprintf(scheme_cli_bad_digest_msg, sizeof(scheme_cli_bad_digest_msg),
             "%s:10:36: signature.digest: unknown digest 'md5' (use sha256, sha1 or sha512)",
             scheme_cli_bad_digest);
    return 0;
}

int scheme_cli_teardown(void **state)
{
    (void)state;
    unlink(scheme_cli_body_file);
    unlink(scheme_cli_bad_digest);
    rmdir(scheme_cli_dir);
    return 0;
}
