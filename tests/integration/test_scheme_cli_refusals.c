/* The signing schemes on the command line, what they refuse: every bad
 * input of `vambe-harness sign` refused with its message and exit 2,
 * `--scheme` of all three programs, and unknown options whose values never
 * reach stderr. The runner and the files are in support/scheme_cli.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "support/proc.h"
#include "support/scheme_cli.h"

#define UNKNOWN_NOPE                                                                               \
    "unknown scheme 'nope' (built-in: vambe, vambe-token-query, vambe-token-header, "              \
    "standard-webhooks, github, stripe, shopify, slack, none; or a path to a scheme file)"
#define LEAK "TOPSECRETVALUE"

/* The first line of errout (no newline) into line. */
static void first_line(char *line, size_t size)
{
    snprintf(line, size, "%.*s", (int)strcspn(scheme_cli_errout, "\n"), scheme_cli_errout);
}

/* ---- what they refuse ---------------------------------------------------------- */

/* A refusal: exit 2, nothing on stdout, the first stderr line starting
 * with head and ending with tail (NULL: exactly head), and never hidden. */
struct refusal {
    const char *env;
    const char *args[12];
    const char *head;
    const char *tail;
    const char *hidden;
};

/* Runs every case and reports all the failures, then fails once. */
static void check_refusals(const struct refusal *cases, size_t n)
{
    size_t failed = 0;

    for (size_t i = 0; i < n; i++) {
        const struct refusal *c = &cases[i];
        char line[1024];
        char want[1024];
        int code = scheme_cli_run(c->env, c->args);
        size_t len;
        bool ok;

        first_line(line, sizeof(line));
        len = strlen(line);
        if (strstr(c->head, "@BADDIGEST") != NULL) {
            snprintf(want, sizeof(want), "%.*s%s", (int)(strstr(c->head, "@BADDIGEST") - c->head),
                     c->head, scheme_cli_bad_digest_msg);
        } else {
            snprintf(want, sizeof(want), "%s", c->head);
        }
        ok = code == 2 && scheme_cli_out[0] == '\0' && strncmp(line, want, strlen(want)) == 0;
        if (c->tail == NULL) {
            ok = ok && strcmp(line, want) == 0;
        } else {
            ok = ok && len >= strlen(c->tail) && strcmp(line + len - strlen(c->tail), c->tail) == 0;
        }
        if (c->hidden != NULL &&
            (strstr(scheme_cli_errout, c->hidden) != NULL || strstr(scheme_cli_out, c->hidden))) {
            ok = false;
        }
        if (!ok) {
            fprintf(stderr,
                    "case %zu (%s %s %s ...): exit %d, expected 2 and '%s%s%s'%s%s\n"
                    "  got: %s\n",
                    i, c->args[0], c->args[1] ? c->args[1] : "",
                    c->args[1] && c->args[2] ? c->args[2] : "", code, want, c->tail ? "..." : "",
                    c->tail ? c->tail : "", c->hidden ? " without " : "",
                    c->hidden ? c->hidden : "", scheme_cli_errout);
            failed++;
        }
    }
    assert_int_equal(failed, 0);
}

#define H "VAMBE_HARNESS_BIN"
#define R "VAMBE_RECEIVER_BIN"
#define M "VAMBE_MOCK_BIN"
#define E "vambe-harness: error: "

static void sign_refuses_bad_input(void **state)
{
    static const struct refusal cases[] = {
        {H,
         {"sign", "--scheme", "nope", "--secret", "s", "@BODY"},
         E "sign: --scheme: " UNKNOWN_NOPE,
         NULL,
         NULL},
        {H,
         {"sign", "--scheme", "/nonexistent.json", "--secret", "s", "@BODY"},
         E "sign: --scheme: /nonexistent.json: cannot open: No such file or directory",
         NULL,
         NULL},
        {H,
         {"sign", "--scheme", "@BADDIGEST", "--secret", "s", "@BODY"},
         E "sign: --scheme: @BADDIGEST",
         NULL,
         NULL},
        {H,
         {"sign", "--secret", "s", "@BODY"},
         E "sign: --scheme is required (vambe-harness schemes lists them)",
         NULL,
         NULL},
        {H,
         {"sign", "--scheme", "github", "@BODY"},
         E "sign: --secret is required (or set VAMBE_SECRET)",
         NULL,
         NULL},
        {H,
         {"sign", "--scheme", "github", "--secret", "s"},
         E "sign: give the body's FILE, or - for standard input",
         NULL,
         NULL},
        {H,
         {"sign", "--scheme", "stripe", "--secret", "s", "--timestamp", "12x", "@BODY"},
         E "sign: --timestamp: '12x' is not a number of s",
         NULL,
         NULL},
        {H,
         {"sign", "--scheme", "vambe", "--secret", "s", "--timestamp", "-5", "@BODY"},
         E "sign: --timestamp: '-5' is not a number of ms",
         NULL,
         NULL},
        {H,
         {"sign", "--scheme", "stripe", "--secret", "s", "--timestamp", "", "@BODY"},
         E "sign: --timestamp: '' is not a number of s",
         NULL,
         NULL},
        {H,
         {"sign", "--scheme", "standard-webhooks", "--secret", "whsec_not*base64!", "@BODY"},
         E "sign: a standard-webhooks secret is 'whsec_' followed by base64 (this one is not "
           "base64 after the prefix)",
         NULL,
         "not*base64"},
        {H,
         {"sign", "--scheme", "github", "--secret", "s", "/nonexistent/body.json"},
         E "sign: /nonexistent/body.json: cannot open",
         NULL,
         NULL},
        {H,
         {"sign", "--scheme", "github", "--secret", "s", "@BODY", "extra"},
         E "sign: unexpected argument 'extra'",
         NULL,
         NULL},
        {H,
         {"sign", "--scheme"},
         E "sign: option '--scheme' needs a value (NAME|FILE)",
         NULL,
         NULL},
        {H,
         {"list-topics", "--profile", "nope"},
         E "list-topics: --profile: ",
         "unknown payload profile 'nope' (use documented, legacy, standard-webhooks, github, "
         "stripe, shopify or slack)",
         NULL},
        {H,
         {"list-topics", "--scheme", "nope"},
         E "list-topics: --scheme: " UNKNOWN_NOPE,
         NULL,
         NULL},
        {H, {"schemes", "extra"}, E "schemes: unexpected argument 'extra'", NULL, NULL},
    };

    (void)state;
    check_refusals(cases, sizeof(cases) / sizeof(cases[0]));
}

/* --scheme of all three programs: a name that is not built in, a file
 * with a bad digest. Nothing starts (the receiver and the mock would bind
 * port 0). */
static void programs_refuse_bad_schemes(void **state)
{
    static const struct refusal cases[] = {
        {H,
         {"run", "--target", "http://127.0.0.1:9/hook", "--secret", "s", "--scheme", "nope"},
         E "--scheme: " UNKNOWN_NOPE,
         NULL,
         NULL},
        {H,
         {"run", "--target", "http://127.0.0.1:9/hook", "--secret", "s", "--scheme", "@BADDIGEST"},
         E "--scheme: @BADDIGEST",
         NULL,
         NULL},
        {R,
         {"--secret", "s", "--port", "0", "--scheme", "nope"},
         "vambe-receiver: --scheme: " UNKNOWN_NOPE,
         NULL,
         NULL},
        {R,
         {"--secret", "s", "--port", "0", "--scheme", "@BADDIGEST"},
         "vambe-receiver: --scheme: @BADDIGEST",
         NULL,
         NULL},
        {M,
         {"serve", "--port", "0", "--scheme", "nope"},
         "vambe-mock: --scheme: " UNKNOWN_NOPE,
         NULL,
         NULL},
        {M,
         {"serve", "--port", "0", "--scheme", "@BADDIGEST"},
         "vambe-mock: --scheme: @BADDIGEST",
         NULL,
         NULL},
        /* Keys a careless receiver falls back to: SIG-009 sends them, so a
         * run with one of them as the real secret cannot judge it. */
        {H,
         {"run", "--target", "http://127.0.0.1:9/hook", "--secret", "null"},
         E "--secret: 'null' is what a receiver falls back to when its secret is unset (SIG-009 "
           "expects it refused); give the real secret",
         NULL,
         NULL},
        {H,
         {"run", "--target", "http://127.0.0.1:9/hook", "--scheme", "standard-webhooks", "--secret",
          "whsec_dW5kZWZpbmVk"},
         E "--secret: 'undefined' is what a receiver falls back to when its secret is unset "
           "(SIG-009 expects it refused); give the real secret",
         NULL,
         NULL},
        {H,
         {"run", "--target", "http://127.0.0.1:9/hook", "--scheme", "standard-webhooks", "--secret",
          "whsec_"},
         E "--secret: a standard-webhooks secret needs a key after 'whsec_' (this one is empty)",
         NULL,
         NULL},
        {R,
         {"--secret", "whsec_", "--port", "0", "--scheme", "standard-webhooks"},
         "vambe-receiver: --secret: a standard-webhooks secret needs a key after 'whsec_' (this "
         "one is empty)",
         NULL,
         NULL},
    };

    (void)state;
    check_refusals(cases, sizeof(cases) / sizeof(cases[0]));
}

/* An unknown option is refused by name: its value (attached with '=',
 * next to it, or glued to a short option) never reaches the output. */
static void unknown_options_hide_values(void **state)
{
    static const struct {
        const char *env;
        const char *cmd; /* NULL: none */
        const char *prog;
    } programs[] = {
        {H, NULL, "vambe-harness"},   {H, "run", "vambe-harness"},
        {H, "sign", "vambe-harness"}, {H, "list-topics", "vambe-harness"},
        {R, NULL, "vambe-receiver"},  {M, NULL, "vambe-mock"},
        {M, "serve", "vambe-mock"},   {M, "trigger", "vambe-mock"},
    };
    static const char *const forms[][2] = {
        {"--secrt=" LEAK, NULL},
        {"--secrt", LEAK},
        {"-Q" LEAK, NULL},
    };
    size_t failed = 0;

    (void)state;
    for (size_t i = 0; i < sizeof(programs) / sizeof(programs[0]); i++) {
        for (size_t k = 0; k < sizeof(forms) / sizeof(forms[0]); k++) {
            const char *args[4] = {NULL, NULL, NULL, NULL};
            size_t n = 0;
            int code;

            if (programs[i].cmd != NULL) {
                args[n++] = programs[i].cmd;
            }
            args[n++] = forms[k][0];
            args[n++] = forms[k][1];
            code = scheme_cli_run(programs[i].env, args);
            if (code != 2 || strstr(scheme_cli_errout, LEAK) != NULL ||
                strstr(scheme_cli_out, LEAK) != NULL ||
                strstr(scheme_cli_errout, "unknown option") == NULL) {
                fprintf(stderr, "%s %s %s: exit %d, stderr: %s\n", programs[i].prog,
                        programs[i].cmd != NULL ? programs[i].cmd : "", forms[k][0], code,
                        scheme_cli_errout);
                failed++;
            }
        }
    }
    assert_int_equal(failed, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sign_refuses_bad_input),
        cmocka_unit_test(programs_refuse_bad_schemes),
        cmocka_unit_test(unknown_options_hide_values),
    };

    /* The secret must come from the flags here, never from the caller's
     * environment. */
    unsetenv("VAMBE_SECRET");
    return cmocka_run_group_tests(tests, scheme_cli_setup, scheme_cli_teardown);
}
