/* The signing schemes on the command line, through the built programs:
 * `vambe-harness schemes | list-topics | sign` (output checked against the
 * providers' documented examples and against OpenSSL's HMAC() computed
 * here), every bad input of theirs refused with its message and exit 2,
 * `--scheme` of all three programs, and unknown options whose values never
 * reach stderr. */
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

#define OUT_SIZE (64 * 1024)
#define RUN_MS   30000
#define ARGS_MAX 24
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
#define UNKNOWN_NOPE                                                                               \
    "unknown scheme 'nope' (built-in: vambe, vambe-token-query, vambe-token-header, "              \
    "standard-webhooks, github, stripe, shopify, slack, none; or a path to a scheme file)"
#define LEAK "TOPSECRETVALUE"

static char out[OUT_SIZE];
static char errout[OUT_SIZE];

/* Files the tests write, made once (main) and removed at the end. */
static char dir[] = "/tmp/vambe-scheme-cli-XXXXXX";
static char body_file[128];      /* GITHUB_BODY */
static char bad_digest[128];     /* a scheme file with digest md5 on line 10, column 36 */
static char bad_digest_msg[256]; /* "<file>:10:36: signature.digest: ..." */

static const char *bin(const char *env)
{
    const char *b = proc_bin(env);

    if (b == NULL) {
        fail_msg("%s is not set", env);
    }
    return b;
}

/* Runs the program of env with args (NULL-terminated); "@BODY" and
 * "@BADDIGEST" stand for the files above. Returns the exit status. */
static int run(const char *env, const char *const *args)
{
    char *argv[ARGS_MAX + 2];
    size_t n = 0;

    argv[n++] = (char *)bin(env);
    for (size_t i = 0; args[i] != NULL; i++) {
        assert_true(n < ARGS_MAX);
        argv[n++] = strcmp(args[i], "@BODY") == 0        ? body_file
                    : strcmp(args[i], "@BADDIGEST") == 0 ? bad_digest
                                                         : (char *)args[i];
    }
    argv[n] = NULL;
    return proc_run(argv, out, sizeof(out), errout, sizeof(errout), RUN_MS);
}

/* `vambe-harness sign ARGS... -` with body on its standard input: a shell
 * pipes it (proc_run gives children /dev/null for input). */
static int sign_stdin(const char *body, const char *const *args)
{
    char *argv[ARGS_MAX + 8];
    size_t n = 0;

    argv[n++] = "/bin/sh";
    argv[n++] = "-c";
    argv[n++] = "body=$1; shift; printf '%s' \"$body\" | \"$0\" sign \"$@\" -";
    argv[n++] = (char *)bin("VAMBE_HARNESS_BIN");
    argv[n++] = (char *)body;
    for (size_t i = 0; args[i] != NULL; i++) {
        assert_true(n < ARGS_MAX + 6);
        argv[n++] = (char *)args[i];
    }
    argv[n] = NULL;
    return proc_run(argv, out, sizeof(out), errout, sizeof(errout), RUN_MS);
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

/* The first line of errout (no newline) into line. */
static void first_line(char *line, size_t size)
{
    snprintf(line, size, "%.*s", (int)strcspn(errout, "\n"), errout);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
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
    assert_int_equal(run("VAMBE_HARNESS_BIN", args), 0);
    assert_string_equal(errout, "");
    /* A header line, a line per scheme ("NAME KIND WHAT"), a count line. */
    assert_int_equal(count_lines(out), 11);
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        char want[64];
        const char *p;

        snprintf(want, sizeof(want), "\n%s ", names[i]);
        p = strstr(out, want);
        if (p == NULL) {
            fail_msg("no line for %s in:\n%s", names[i], out);
        }
        /* The kind comes next. */
        p += strlen(want);
        p += strspn(p, " ");
        assert_true(strncmp(p, "hmac ", 5) == 0 || strncmp(p, "token ", 6) == 0 ||
                    strncmp(p, "none ", 5) == 0);
    }
    assert_non_null(strstr(out, "\n9 schemes"));
}

static void list_topics(void **state)
{
    const char *const stripe[] = {"list-topics", "--scheme", "stripe", NULL};
    const char *const vambe[] = {"list-topics", NULL};
    const char *const github[] = {"list-topics", "--profile", "github", NULL};

    (void)state;
    assert_int_equal(run("VAMBE_HARNESS_BIN", stripe), 0);
    assert_string_equal(errout, "");
    assert_true(count_lines(out) >= 5);
    assert_true(has_line(out, "payment_intent.succeeded"));
    for (const char *p = out; *p != '\0'; p++) {
        assert_true(*p != ' ' && *p != '\t'); /* a type per line, nothing else */
    }
    /* Without a scheme: the default's (vambe, documented) topics. */
    assert_int_equal(run("VAMBE_HARNESS_BIN", vambe), 0);
    assert_true(has_line(out, "message.received"));
    assert_int_equal(run("VAMBE_HARNESS_BIN", github), 0);
    assert_true(count_lines(out) >= 1);
    assert_false(has_line(out, "payment_intent.succeeded"));
}

/* GitHub's example, from a file and from standard input. */
static void sign_github_example(void **state)
{
    const char *const file[] = {"sign", "--scheme", "github", "--secret", GITHUB_SECRET, "--id",
                                "X",    "--type",   "push",   "@BODY",    NULL};
    const char *const piped[] = {"--scheme", "github", "--secret", GITHUB_SECRET, "--id",
                                 "X",        "--type", "push",     NULL};

    (void)state;
    assert_int_equal(run("VAMBE_HARNESS_BIN", file), 0);
    assert_string_equal(errout, "");
    if (!has_line(out, GITHUB_LINE)) {
        fail_msg("no line '%s' in:\n%s", GITHUB_LINE, out);
    }
    assert_true(has_line(out, "X-GitHub-Delivery: X"));
    assert_true(has_line(out, "X-GitHub-Event: push"));
    assert_true(has_line(out, "Content-Type: application/json"));

    assert_int_equal(sign_stdin(GITHUB_BODY, piped), 0);
    assert_string_equal(errout, "");
    assert_true(has_line(out, GITHUB_LINE));
}

/* Standard Webhooks' example through standard input. */
static void sign_standard_webhooks_example(void **state)
{
    const char *const args[] = {"--scheme", "standard-webhooks", "--secret", SW_SECRET, "--id",
                                SW_ID,      "--timestamp",       SW_TS,      NULL};

    (void)state;
    assert_int_equal(sign_stdin(SW_BODY, args), 0);
    assert_string_equal(errout, "");
    if (!has_line(out, SW_LINE)) {
        fail_msg("no line '%s' in:\n%s", SW_LINE, out);
    }
    assert_true(has_line(out, "webhook-id: " SW_ID));
    assert_true(has_line(out, "webhook-timestamp: " SW_TS));
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

        assert_int_equal(run("VAMBE_HARNESS_BIN", args), 0);
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
        if (!has_line(out, sig_line)) {
            fail_msg("%s: no line '%s' in:\n%s", schemes[i], sig_line, out);
        }
        assert_true(ts_line[0] == '\0' || has_line(out, ts_line));
    }

    /* Tokens: the header carries it; a query token is not a header and is
     * said on stderr without the token; none has neither. */
    const char *const header[] = {"sign",  "--scheme", "vambe-token-header", "--secret", secret,
                                  "@BODY", NULL};
    const char *const query[] = {"sign",  "--scheme", "vambe-token-query", "--secret", secret,
                                 "@BODY", NULL};
    const char *const none[] = {"sign", "--scheme", "none", "@BODY", NULL};

    assert_int_equal(run("VAMBE_HARNESS_BIN", header), 0);
    assert_true(has_line(out, "x-vambe-token: s3cr3t-\xc3\xb1-key"));
    assert_int_equal(run("VAMBE_HARNESS_BIN", query), 0);
    assert_null(strstr(out, secret));
    assert_null(strstr(errout, secret));
    assert_non_null(strstr(errout, "?token="));
    assert_int_equal(run("VAMBE_HARNESS_BIN", none), 0);
    assert_null(strstr(out, "signature"));
    assert_null(strstr(out, "token"));
    assert_true(has_line(out, "x-vambe-event: message.received"));
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
        int code = run(c->env, c->args);
        size_t len;
        bool ok;

        first_line(line, sizeof(line));
        len = strlen(line);
        if (strstr(c->head, "@BADDIGEST") != NULL) {
            snprintf(want, sizeof(want), "%.*s%s", (int)(strstr(c->head, "@BADDIGEST") - c->head),
                     c->head, bad_digest_msg);
        } else {
            snprintf(want, sizeof(want), "%s", c->head);
        }
        ok = code == 2 && out[0] == '\0' && strncmp(line, want, strlen(want)) == 0;
        if (c->tail == NULL) {
            ok = ok && strcmp(line, want) == 0;
        } else {
            ok = ok && len >= strlen(c->tail) && strcmp(line + len - strlen(c->tail), c->tail) == 0;
        }
        if (c->hidden != NULL && (strstr(errout, c->hidden) != NULL || strstr(out, c->hidden))) {
            ok = false;
        }
        if (!ok) {
            fprintf(stderr,
                    "case %zu (%s %s %s ...): exit %d, expected 2 and '%s%s%s'%s%s\n"
                    "  got: %s\n",
                    i, c->args[0], c->args[1] ? c->args[1] : "",
                    c->args[1] && c->args[2] ? c->args[2] : "", code, want, c->tail ? "..." : "",
                    c->tail ? c->tail : "", c->hidden ? " without " : "",
                    c->hidden ? c->hidden : "", errout);
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
            code = run(programs[i].env, args);
            if (code != 2 || strstr(errout, LEAK) != NULL || strstr(out, LEAK) != NULL ||
                strstr(errout, "unknown option") == NULL) {
                fprintf(stderr, "%s %s %s: exit %d, stderr: %s\n", programs[i].prog,
                        programs[i].cmd != NULL ? programs[i].cmd : "", forms[k][0], code, errout);
                failed++;
            }
        }
    }
    assert_int_equal(failed, 0);
}

static int files_setup(void **state)
{
    (void)state;
    if (mkdtemp(dir) == NULL) {
        return -1;
    }
    snprintf(body_file, sizeof(body_file), "%s/body.txt", dir);
    snprintf(bad_digest, sizeof(bad_digest), "%s/bad-digest.json", dir);
    write_file(body_file, GITHUB_BODY);
    /* "digest" is on line 10, column 36. */
    write_file(bad_digest,
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
    snprintf(bad_digest_msg, sizeof(bad_digest_msg),
             "%s:10:36: signature.digest: unknown digest 'md5' (use sha256, sha1 or sha512)",
             bad_digest);
    return 0;
}

static int files_teardown(void **state)
{
    (void)state;
    unlink(body_file);
    unlink(bad_digest);
    rmdir(dir);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(schemes_lists_the_nine),
        cmocka_unit_test(list_topics),
        cmocka_unit_test(sign_github_example),
        cmocka_unit_test(sign_standard_webhooks_example),
        cmocka_unit_test(sign_matches_openssl),
        cmocka_unit_test(sign_refuses_bad_input),
        cmocka_unit_test(programs_refuse_bad_schemes),
        cmocka_unit_test(unknown_options_hide_values),
    };

    /* The secret must come from the flags here, never from the caller's
     * environment. */
    unsetenv("VAMBE_SECRET");
    return cmocka_run_group_tests(tests, files_setup, files_teardown);
}
