/* The signing schemes on the command line, through the built programs:
 * `vambe-harness schemes | list-topics | sign` (output checked against the
 * providers' documented examples and against OpenSSL's HMAC() computed
 * here). What they refuse is in test_scheme_cli_refusals.c; the runner
 * and the files are in support/scheme_cli.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "support/proc.h"
#include "support/scheme_cli.h"

/* GitHub's documented example (docs.github.com, "Validating webhook
 * deliveries"): this secret and body give this signature. */
#define GITHUB_SECRET "It's a Secret to Everybody"
#define GITHUB_BODY   "Hello, World!"
#define GITHUB_LINE                                                                                \
    "X-Hub-Signature-256: sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
/* Standard Webhooks' example (the Svix libraries' tests). */
#define SW_SECRET "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
#define SW_ID     "msg_p5jXN8AQM9LWM0D4loKWxJek"
#define SW_TS     "1614265330"
#define SW_BODY   "{\"test\": 2432232314}"
#define SW_LINE   "webhook-signature: v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

/* `vambe-harness sign ARGS... -` with body on its standard input: a shell
 * pipes it (proc_run gives children /dev/null for input). */
static int sign_stdin(const char *body, const char *const *args)
{
    char *argv[ARGS_MAX + 8];
    size_t n = 0;

    argv[n++] = "/bin/sh";
    argv[n++] = "-c";
    argv[n++] = "body=$1; shift; printf '%s' \"$body\" | \"$0\" sign \"$@\" -";
    argv[n++] = (char *)scheme_cli_bin("VAMBE_HARNESS_BIN");
    argv[n++] = (char *)body;
    for (size_t i = 0; args[i] != NULL; i++) {
        assert_true(n < ARGS_MAX + 6);
        argv[n++] = (char *)args[i];
    }
    argv[n] = NULL;
    return proc_run(argv, scheme_cli_out, sizeof(scheme_cli_out), scheme_cli_errout,
                    sizeof(scheme_cli_errout), RUN_MS);
}

/* Is line one whole line of text? */
static bool has_line(const char *text, const char *line)
{
    size_t n = strlen(line);

    for (const char *p = text; p != NULL && *p != '\0';) {
        const char *eol = strchr(p, '\n');
        size_t len = eol != NULL ? (size_t)(eol - p) : strlen(p);

        if (len == n && memcmp(p, line, n) == 0) {
            return true;
        }
        p = eol != NULL ? eol + 1 : NULL;
    }
    return false;
}

static size_t count_lines(const char *text)
{
    size_t n = 0;

    for (const char *p = text; *p != '\0'; p++) {
        n += *p == '\n';
    }
    return n;
}

/* hex of HMAC-SHA256(key, msg) by OpenSSL (out: 65 bytes). */
static void hmac_hex(const char *key, const char *msg, char *hex)
{
    static const char digits[] = "0123456789abcdef";
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int len = 0;

    assert_non_null(HMAC(EVP_sha256(), key, (int)strlen(key), (const unsigned char *)msg,
                         strlen(msg), mac, &len));
    assert_int_equal(len, 32);
    for (unsigned i = 0; i < len; i++) {
        hex[2 * i] = digits[mac[i] >> 4];
        hex[2 * i + 1] = digits[mac[i] & 0xf];
    }
    hex[2 * len] = '\0';
}

/* ---- what the tools print ------------------------------------------------------ */

static void schemes_lists_the_nine(void **state)
{
    static const char *const names[] = {"vambe",
                                        "vambe-token-query",
                                        "vambe-token-header",
                                        "standard-webhooks",
                                        "github",
                                        "stripe",
                                        "shopify",
                                        "slack",
                                        "none"};
    const char *const args[] = {"schemes", NULL};

    (void)state;
    assert_int_equal(scheme_cli_run("VAMBE_HARNESS_BIN", args), 0);
    assert_string_equal(scheme_cli_errout, "");
    /* A header line, a line per scheme ("NAME KIND WHAT"), a count line. */
    assert_int_equal(count_lines(scheme_cli_out), 11);
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        char want[64];
        const char *p;

        snprintf(want, sizeof(want), "\n%s ", names[i]);
        p = strstr(scheme_cli_out, want);
        if (p == NULL) {
            fail_msg("no line for %s in:\n%s", names[i], scheme_cli_out);
        }
        /* The kind comes next. */
        p += strlen(want);
        p += strspn(p, " ");
        assert_true(strncmp(p, "hmac ", 5) == 0 || strncmp(p, "token ", 6) == 0 ||
                    strncmp(p, "none ", 5) == 0);
    }
    assert_non_null(strstr(scheme_cli_out, "\n9 schemes"));
}

static void list_topics(void **state)
{
    const char *const stripe[] = {"list-topics", "--scheme", "stripe", NULL};
    const char *const vambe[] = {"list-topics", NULL};
    const char *const github[] = {"list-topics", "--profile", "github", NULL};

    (void)state;
    assert_int_equal(scheme_cli_run("VAMBE_HARNESS_BIN", stripe), 0);
    assert_string_equal(scheme_cli_errout, "");
    assert_true(count_lines(scheme_cli_out) >= 5);
    assert_true(has_line(scheme_cli_out, "payment_intent.succeeded"));
    for (const char *p = scheme_cli_out; *p != '\0'; p++) {
        assert_true(*p != ' ' && *p != '\t'); /* a type per line, nothing else */
    }
    /* Without a scheme: the default's (vambe, documented) topics. */
    assert_int_equal(scheme_cli_run("VAMBE_HARNESS_BIN", vambe), 0);
    assert_true(has_line(scheme_cli_out, "message.received"));
    assert_int_equal(scheme_cli_run("VAMBE_HARNESS_BIN", github), 0);
    assert_true(count_lines(scheme_cli_out) >= 1);
    assert_false(has_line(scheme_cli_out, "payment_intent.succeeded"));
}

/* GitHub's example, from a file and from standard input. */
static void sign_github_example(void **state)
{
    const char *const file[] = {"sign", "--scheme", "github", "--secret", GITHUB_SECRET, "--id",
                                "X",    "--type",   "push",   "@BODY",    NULL};
    const char *const piped[] = {"--scheme", "github", "--secret", GITHUB_SECRET, "--id",
                                 "X",        "--type", "push",     NULL};

    (void)state;
    assert_int_equal(scheme_cli_run("VAMBE_HARNESS_BIN", file), 0);
    assert_string_equal(scheme_cli_errout, "");
    if (!has_line(scheme_cli_out, GITHUB_LINE)) {
        fail_msg("no line '%s' in:\n%s", GITHUB_LINE, scheme_cli_out);
    }
    assert_true(has_line(scheme_cli_out, "X-GitHub-Delivery: X"));
    assert_true(has_line(scheme_cli_out, "X-GitHub-Event: push"));
    assert_true(has_line(scheme_cli_out, "Content-Type: application/json"));

    assert_int_equal(sign_stdin(GITHUB_BODY, piped), 0);
    assert_string_equal(scheme_cli_errout, "");
    assert_true(has_line(scheme_cli_out, GITHUB_LINE));
}

/* Standard Webhooks' example through standard input. */
static void sign_standard_webhooks_example(void **state)
{
    const char *const args[] = {"--scheme", "standard-webhooks", "--secret", SW_SECRET, "--id",
                                SW_ID,      "--timestamp",       SW_TS,      NULL};

    (void)state;
    assert_int_equal(sign_stdin(SW_BODY, args), 0);
    assert_string_equal(scheme_cli_errout, "");
    if (!has_line(scheme_cli_out, SW_LINE)) {
        fail_msg("no line '%s' in:\n%s", SW_LINE, scheme_cli_out);
    }
    assert_true(has_line(scheme_cli_out, "webhook-id: " SW_ID));
    assert_true(has_line(scheme_cli_out, "webhook-timestamp: " SW_TS));
}

/* The timestamped schemes and the tokens, against HMAC() computed here. */
static void sign_matches_openssl(void **state)
{
    static const char *const schemes[] = {"vambe", "stripe", "slack"};
    const char *secret = "s3cr3t-\xc3\xb1-key";

    (void)state;
    for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
        const char *ts = i == 0 ? "1700000000123" : "1700000000"; /* vambe's are ms */
        const char *const args[] = {"sign",        "--scheme", schemes[i], "--secret", secret,
                                    "--timestamp", ts,         "@BODY",    NULL};
        char msg[256];
        char hex[65];
        char sig_line[256];
        char ts_line[128] = "";

        assert_int_equal(scheme_cli_run("VAMBE_HARNESS_BIN", args), 0);
        /* The signed string and the header, as each provider documents. */
        if (i == 0) {
            snprintf(msg, sizeof(msg), "%s.%s", ts, GITHUB_BODY);
            hmac_hex(secret, msg, hex);
            snprintf(sig_line, sizeof(sig_line), "x-vambe-signature: %s", hex);
            snprintf(ts_line, sizeof(ts_line), "x-vambe-timestamp: %s", ts);
        } else if (i == 1) {
            snprintf(msg, sizeof(msg), "%s.%s", ts, GITHUB_BODY);
            hmac_hex(secret, msg, hex);
            snprintf(sig_line, sizeof(sig_line), "Stripe-Signature: t=%s,v1=%s", ts, hex);
        } else {
            snprintf(msg, sizeof(msg), "v0:%s:%s", ts, GITHUB_BODY);
            hmac_hex(secret, msg, hex);
            snprintf(sig_line, sizeof(sig_line), "X-Slack-Signature: v0=%s", hex);
            snprintf(ts_line, sizeof(ts_line), "X-Slack-Request-Timestamp: %s", ts);
        }
        if (!has_line(scheme_cli_out, sig_line)) {
            fail_msg("%s: no line '%s' in:\n%s", schemes[i], sig_line, scheme_cli_out);
        }
        assert_true(ts_line[0] == '\0' || has_line(scheme_cli_out, ts_line));
    }

    /* Tokens: the header carries it; a query token is not a header and is
     * said on stderr without the token; none has neither. */
    const char *const header[] = {"sign",  "--scheme", "vambe-token-header", "--secret", secret,
                                  "@BODY", NULL};
    const char *const query[] = {"sign",  "--scheme", "vambe-token-query", "--secret", secret,
                                 "@BODY", NULL};
    const char *const none[] = {"sign", "--scheme", "none", "@BODY", NULL};

    assert_int_equal(scheme_cli_run("VAMBE_HARNESS_BIN", header), 0);
    assert_true(has_line(scheme_cli_out, "x-vambe-token: s3cr3t-\xc3\xb1-key"));
    assert_int_equal(scheme_cli_run("VAMBE_HARNESS_BIN", query), 0);
    assert_null(strstr(scheme_cli_out, secret));
    assert_null(strstr(scheme_cli_errout, secret));
    assert_non_null(strstr(scheme_cli_errout, "?token="));
    assert_int_equal(scheme_cli_run("VAMBE_HARNESS_BIN", none), 0);
    assert_null(strstr(scheme_cli_out, "signature"));
    assert_null(strstr(scheme_cli_out, "token"));
    assert_true(has_line(scheme_cli_out, "x-vambe-event: message.received"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(schemes_lists_the_nine), cmocka_unit_test(list_topics),
        cmocka_unit_test(sign_github_example),    cmocka_unit_test(sign_standard_webhooks_example),
        cmocka_unit_test(sign_matches_openssl),
    };

    /* The secret must come from the flags here, never from the caller's
     * environment. */
    unsetenv("VAMBE_SECRET");
    return cmocka_run_group_tests(tests, scheme_cli_setup, scheme_cli_teardown);
}
