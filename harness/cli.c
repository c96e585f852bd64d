/* The command line (see cli.h): options through the table of
 * cli_table.c, then the command and what it needs. */
#include "harness/cli.h"
#include "harness/cli_priv.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/cli.h"
#include "core/exit.h"
#include "core/file.h"
#include "core/log.h"
#include "core/parse.h"
#include "core/xalloc.h"
#include "harness/delivery.h"
#include "harness/runner.h"
#include "harness/state_probe.h"
#include "harness/url.h"
#include "reports/write.h"

#define CLI_MAX_DURATION_MS (10ull * 60 * 1000)

/* Appends p to a NULL-terminated growing array. */
static void cli_push(const char ***arr, size_t *n, const char *p)
{
    *arr = xrealloc(*arr, (*n + 2) * sizeof(char *));
    (*arr)[(*n)++] = p;
    (*arr)[*n] = NULL;
}

/* A comma-separated list of topics: letters, digits, '.', '_', '-'. */
static int cli_topics_check(const char *v, struct err *e)
{
    const char *p = v;

    for (;;) {
        size_t n = strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-");
        if (n == 0 || n > 127 || (p[n] != ',' && p[n] != '\0')) {
            return err_set(e,
                           "--ignored-topics: '%.60s' is not a list of topics (letters, digits, "
                           "'.', '_' and '-', separated by commas)",
                           v);
        }
        if (p[n] == '\0') {
            return 0;
        }
        p += n + 1;
    }
}

static int cli_duration(const char *flag, const char *v, bool zero_ok, uint64_t *out, struct err *e)
{
    struct err pe = {{0}};

    if (parse_duration_ms(v, out, &pe) != 0) {
        return err_set(e, "--%s: %s", flag, pe.msg);
    }
    if ((*out == 0 && !zero_ok) || *out > CLI_MAX_DURATION_MS) {
        return err_set(e, "--%s '%s': use a duration above 0 and up to 10m", flag, v);
    }
    return 0;
}

int hn_cli_apply(struct hn_config *cfg, int id, const char *v, struct err *e)
{
    struct err pe = {{0}};
    long long n = 0;

    switch (id) {
    case HN_OPT_TARGET:
        cfg->target = v;
        return 0;
    case HN_OPT_SECRET:
        cfg->secret = v;
        return 0;
    case HN_OPT_HEADER:
        if (hn_delivery_header_check(v, e) != 0) {
            return -1;
        }
        cli_push(&cfg->headers, &cfg->n_headers, v);
        return 0;
    case HN_OPT_SUITE:
        cfg->suite = v;
        return 0;
    case HN_OPT_SCENARIO:
        cli_push(&cfg->scenarios, &cfg->n_scenarios, v);
        return 0;
    case HN_OPT_ONLY:
        cfg->only = v;
        return 0;
    case HN_OPT_SKIP:
        cfg->skip = v;
        return 0;
    case HN_OPT_TAGS:
        cfg->tags = v;
        return 0;
    case HN_OPT_IGNORED_TOPICS:
        if (cli_topics_check(v, e) != 0) {
            return -1;
        }
        cli_push(&cfg->ignored_topics, &cfg->n_ignored_topics, v);
        return 0;
    case HN_OPT_PROBE_URL:
        cfg->probe_url = v;
        return 0;
    case HN_OPT_PROBE_CMD:
        cfg->probe_cmd = v;
        return 0;
    case HN_OPT_STATE_PROBE_URL:
        if (hn_state_probe_check(v, e) != 0) {
            return -1;
        }
        cfg->state_probe_url = v;
        return 0;
    case HN_OPT_CA_FILE: {
        struct err why = {{0}};
        FILE *f = file_open_regular(v, &why);

        if (f == NULL) {
            return err_set(e, "--ca-file: cannot read '%s': %s", v, why.msg);
        }
        fclose(f);
        cfg->ca_file = v;
        return 0;
    }
    case HN_OPT_RESOLVE:
        if (hn_resolve_check(v, e) != 0) {
            return -1;
        }
        cli_push(&cfg->resolve, &cfg->n_resolve, v);
        return 0;
    case HN_OPT_RESTART_CMD:
        if (v[0] == '\0') {
            return err_set(e, "--restart-cmd: an empty command");
        }
        cfg->restart_cmd = v;
        return 0;
    case HN_OPT_PROBE_WAIT:
        return cli_duration("probe-wait", v, false, &cfg->probe_wait_ms, e);
    case HN_OPT_SETTLE:
        return cli_duration("settle", v, true, &cfg->settle_ms, e);
    case HN_OPT_TIMEOUT:
        return cli_duration("timeout", v, false, &cfg->timeout_ms, e);
    case HN_OPT_PROFILE:
        if (event_profile_parse(v, &cfg->profile, &pe) != 0) {
            return err_set(e, "--profile: %s", pe.msg);
        }
        cfg->profile_set = true;
        return 0;
    case HN_OPT_TS_UNIT:
        if (signature_unit_parse(v, false, &cfg->unit, &pe) != 0) {
            return err_set(e, "--timestamp-unit: %s", pe.msg);
        }
        cfg->unit_set = true;
        return 0;
    case HN_OPT_SCHEME:
        if (cfg->scheme == NULL) {
            cfg->scheme = xmalloc(sizeof(*cfg->scheme));
        }
        if (scheme_resolve(v, cfg->scheme, &pe) != 0) {
            return err_set(e, "--scheme: %s", pe.msg);
        }
        return 0;
    case HN_OPT_STRICT:
        cfg->strict = true;
        return 0;
    case HN_OPT_LONG:
        cfg->long_run = true;
        return 0;
    case HN_OPT_SEED:
        if (parse_int(v, 0, INT64_MAX, &n, &pe) != 0) {
            return err_set(e, "--seed: %s", pe.msg);
        }
        cfg->seed = (uint64_t)n;
        cfg->has_seed = true;
        return 0;
    case HN_OPT_REPORT: {
        enum rp_format fmt;
        const char *path = NULL;
        if (rp_report_spec_parse(v, &fmt, &path, e) != 0) {
            return -1;
        }
        cli_push(&cfg->reports, &cfg->n_reports, v);
        return 0;
    }
    case HN_OPT_REPORT_DIR:
        cfg->report_dir = v;
        return 0;
    case HN_OPT_NO_COLOR:
        cfg->no_color = true;
        return 0;
    case HN_OPT_VERBOSE:
        cfg->verbose = true;
        return 0;
    case HN_OPT_HELP:
        cfg->command = HN_CMD_HELP;
        return 0;
    case HN_OPT_VERSION:
        cfg->command = HN_CMD_VERSION;
        return 0;
    }
    return err_set(e, "unhandled option");
}

/* The operands: the command, then validate's files. */
static int cli_operands(int argc, char **argv, int first, struct hn_config *cfg, struct err *e)
{
    if (first >= argc) {
        return err_set(e, "missing command (run, list or validate)");
    }
    const char *cmd = argv[first];
    if (strcmp(cmd, "run") == 0) {
        cfg->command = HN_CMD_RUN;
    } else if (strcmp(cmd, "list") == 0) {
        cfg->command = HN_CMD_LIST;
    } else if (strcmp(cmd, "validate") == 0) {
        cfg->command = HN_CMD_VALIDATE;
        for (int i = first + 1; i < argc; i++) {
            cli_push(&cfg->files, &cfg->n_files, argv[i]);
        }
        return 0;
    } else if (strcmp(cmd, "load") == 0) {
        /* load has its own options: main.c routes it only from argv[1]. */
        return err_set(e, "load must come first: vambe-harness load [options]");
    } else {
        return err_set(e, "unknown command '%s' (use run, list, validate or load)", cmd);
    }
    if (first + 1 < argc) {
        return err_set(e, "%s: unexpected argument '%s'", cmd, argv[first + 1]);
    }
    return 0;
}

int hn_cli_scheme_defaults(struct hn_config *cfg, struct err *e)
{
    struct err pe = {{0}};

    if (cfg->scheme == NULL) {
        cfg->scheme = xmalloc(sizeof(*cfg->scheme));
        *cfg->scheme = *scheme_default();
    }
    if (!cfg->unit_set && scheme_has_timestamp(cfg->scheme)) {
        cfg->unit = cfg->scheme->unit;
    }
    if (!cfg->profile_set && event_profile_parse(cfg->scheme->profile, &cfg->profile, &pe) != 0) {
        return err_set(e, "--scheme: scheme %s: its profile: %s", cfg->scheme->name, pe.msg);
    }
    return 0;
}

int hn_cli_check_target(struct hn_config *cfg, const char *command, struct err *e)
{
    struct hn_url u;

    if (cfg->target == NULL) {
        return err_set(e, "%s: --target URL is required", command);
    }
    if (hn_url_parse(cfg->target, &u, e) != 0) {
        err_prefix(e, "--target");
        return -1;
    }
    if (cfg->secret == NULL) {
        const char *env = getenv("VAMBE_SECRET");
        if ((env == NULL || env[0] == '\0') && cfg->scheme->kind != SCHEME_NONE) {
            return err_set(e, "%s: --secret is required (or set VAMBE_SECRET)", command);
        }
        cfg->secret = env != NULL ? env : "";
        cfg->secret_from_env = env != NULL;
    }
    if (cfg->secret[0] == '\0' && cfg->scheme->kind != SCHEME_NONE) {
        return err_set(e, "--secret: the secret must not be empty");
    }
    if (scheme_secret_check(cfg->scheme, cfg->secret, e) != 0) {
        err_prefix(e, "--secret");
        return -1;
    }
    for (size_t i = 0; i < cfg->n_headers; i++) {
        if (hn_delivery_header_free(cfg->scheme, cfg->headers[i], e) != 0) {
            return -1;
        }
    }
    return 0;
}

/* What run needs beyond well-formed options. */
static int cli_check_run(struct hn_config *cfg, struct err *e)
{
    if (hn_cli_check_target(cfg, "run", e) != 0) {
        return -1;
    }
    /* SIG-009 signs with these and expects a refusal: with one of them as
     * the real secret, every verdict of the SIG family would be wrong. */
    static const char *const weak[] = {" ", "undefined", "null", "None"};
    for (size_t i = 0; i < sizeof(weak) / sizeof(weak[0]); i++) {
        char encoded[64];
        size_t n = strlen(cfg->scheme->key_prefix);
        bool base64 = cfg->scheme->kind == SCHEME_HMAC && cfg->scheme->key == SCHEME_KEY_BASE64;
        snprintf(encoded, sizeof(encoded), "%s", cfg->scheme->key_prefix);
        (void)signature_base64_encode(weak[i], strlen(weak[i]), encoded + n, sizeof(encoded) - n);
        if (strcmp(cfg->secret, weak[i]) == 0 || (base64 && strcmp(cfg->secret, encoded) == 0)) {
            return err_set(e,
                           "--secret: '%s' is what a receiver falls back to when its secret "
                           "is unset (SIG-009 expects it refused); give the real secret",
                           weak[i]);
        }
    }
    if (cfg->probe_url != NULL && cfg->probe_cmd != NULL) {
        return err_set(e, "give one probe: --probe-url or --probe-cmd, not both");
    }
    return 0;
}

int hn_cli_parse(int argc, char **argv, struct hn_config *cfg, struct err *e)
{
    struct cli_option options[CLI_MAX_OPTIONS];
    size_t n_options = hn_cli_options(options);
    struct cli_parser p;
    const char *v = NULL;
    bool asked = false;
    int c;

    memset(cfg, 0, sizeof(*cfg));
    cfg->timeout_ms = HN_DEFAULT_TIMEOUT_MS;
    cfg->settle_ms = HN_DEFAULT_SETTLE_MS;
    cfg->probe_wait_ms = HN_DEFAULT_PROBE_WAIT_MS;
    cfg->profile = EVENT_PROFILE_DOCUMENTED;
    cfg->unit = SIGNATURE_UNIT_MS;
    /* getopt_long permutes argv: keep the order as given for re-runs. */
    cfg->argc = argc;
    cfg->argv = xcalloc((size_t)argc + 1, sizeof(char *));
    memcpy(cfg->argv, argv, (size_t)argc * sizeof(char *));
    /* Options anywhere: "run --target URL" and "--target URL run" alike. */
    cli_parser_init(&p, false);
    if (cli_parser_add(&p, options, n_options) != 0) {
        return err_set(e, "internal error: the option table is wrong");
    }
    while ((c = cli_parser_next(&p, argc, argv, &v, e)) > 0) {
        if (hn_cli_apply(cfg, c, v, e) != 0) {
            return -1;
        }
        asked = asked || c == HN_OPT_HELP || c == HN_OPT_VERSION;
    }
    if (c < 0) {
        return -1;
    }
    if (asked) {
        return 0;
    }
    if (cli_operands(argc, argv, optind, cfg, e) != 0 || hn_cli_scheme_defaults(cfg, e) != 0) {
        return -1;
    }
    if (cfg->command == HN_CMD_RUN) {
        return cli_check_run(cfg, e);
    }
    return 0;
}

void hn_cli_cleanup(struct hn_config *cfg)
{
    free(cfg->headers);
    free(cfg->resolve);
    free(cfg->ignored_topics);
    free(cfg->scenarios);
    free(cfg->reports);
    free(cfg->files);
    free(cfg->argv);
    free(cfg->scheme);
    memset(cfg, 0, sizeof(*cfg));
}
