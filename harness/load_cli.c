/* The load command's command line (see load.h): its own rows, and the
 * rows it shares with run, taken from run's table (cli_table.c) and
 * applied by run's code (hn_cli_apply), so --target, --secret, --scheme,
 * --report and the TLS options mean and check the same in both. */
#include "harness/load.h"

#include <stdlib.h>
#include <string.h>

#include "core/cli.h"
#include "core/exit.h"
#include "core/log.h"
#include "core/parse.h"
#include "core/xalloc.h"
#include "harness/cli_priv.h"
#include "harness/load_int.h"

/* Ids of load's own options, above run's (cli_priv.h). */
enum load_opt {
    LOAD_OPT_RATE = 100,
    LOAD_OPT_DURATION,
    LOAD_OPT_RAMP,
    LOAD_OPT_START,
    LOAD_OPT_MAX,
    LOAD_OPT_STEP,
    LOAD_OPT_BUDGET,
    LOAD_OPT_CONCURRENCY,
    LOAD_OPT_TOPIC,
};

/* Columns as core/cli.h's. */
static const struct cli_option load_rows[] = {
    {"rate", 0, required_argument, LOAD_OPT_RATE, "N",
     "a fixed rate: N deliveries a second (N or N/s), held for --duration"},
    {"duration", 0, required_argument, LOAD_OPT_DURATION, "D",
     "how long the fixed rate runs (30s, 2m, 1h; at most 24h)"},
    {"ramp", 0, no_argument, LOAD_OPT_RAMP, NULL,
     "find the knee: start at --start, double the rate every --step-duration until a step's "
     "p99 is over the budget, over 1% of its deliveries fail, the harness cannot keep the "
     "rate, or --max was within the budget"},
    {"start", 0, required_argument, LOAD_OPT_START, "N", "the ramp's first rate (default 10/s)"},
    {"max", 0, required_argument, LOAD_OPT_MAX, "N",
     "the ramp's highest rate, its last step (default 100000/s)"},
    {"step-duration", 0, required_argument, LOAD_OPT_STEP, "D",
     "how long each ramp step runs (default 5s)"},
    {"budget", 0, required_argument, LOAD_OPT_BUDGET, "D",
     "the latency budget: a step is within it when its p99 is (default 5s, Vambe's); an answer "
     "is awaited 1 s past it, then counted as a timeout"},
    {"concurrency", 0, required_argument, LOAD_OPT_CONCURRENCY, "N",
     "deliveries in flight at most (default 256); one due while that many are in flight is "
     "not sent, and counted as the harness's shortfall, not the receiver's"},
    {"topic", 0, required_argument, LOAD_OPT_TOPIC, "TOPICS",
     "event types to send, comma-separated, taken in turn (default: the profile's first, "
     "message.received for vambe)"},
};
#define LOAD_N_ROWS (sizeof(load_rows) / sizeof(load_rows[0]))

/* The options of run's table that load takes, in --help order (not -v:
 * load logs no exchange, thousands a second). */
static const int load_shared[] = {
    HN_OPT_TARGET,  HN_OPT_SECRET,  HN_OPT_SCHEME, HN_OPT_PROFILE, HN_OPT_TS_UNIT, HN_OPT_HEADER,
    HN_OPT_CA_FILE, HN_OPT_RESOLVE, HN_OPT_SEED,   HN_OPT_REPORT,  HN_OPT_HELP,    HN_OPT_VERSION,
};
#define LOAD_N_SHARED (sizeof(load_shared) / sizeof(load_shared[0]))

/* Copies the shared rows out of run's table into out (room for
 * LOAD_N_SHARED). */
static void load_shared_rows(struct cli_option *out)
{
    for (size_t i = 0; i < LOAD_N_SHARED; i++) {
        out[i] = *hn_cli_option_by_id(load_shared[i]);
    }
}

/* A rate: N or N/s, 1 to HN_LOAD_MAX_RATE. */
static int load_rate(const char *flag, const char *v, uint64_t *out, struct err *e)
{
    char num[32];
    size_t len = strlen(v);
    long long n = 0;
    struct err pe = {{0}};

    if (len > 2 && strcmp(v + len - 2, "/s") == 0) {
        len -= 2;
    }
    if (len == 0 || len >= sizeof(num)) {
        return err_set(e, "--%s: '%.40s' is not a rate (N or N/s, 1 to %d)", flag, v,
                       HN_LOAD_MAX_RATE);
    }
    memcpy(num, v, len);
    num[len] = '\0';
    if (parse_int(num, 1, HN_LOAD_MAX_RATE, &n, &pe) != 0) {
        return err_set(e, "--%s: '%.40s' is not a rate (N or N/s, 1 to %d)", flag, v,
                       HN_LOAD_MAX_RATE);
    }
    *out = (uint64_t)n;
    return 0;
}

static int load_duration(const char *flag, const char *v, uint64_t max_ms, uint64_t *out,
                         struct err *e)
{
    struct err pe = {{0}};
    char most[32];

    if (parse_duration_ms(v, out, &pe) != 0) {
        return err_set(e, "--%s: %s", flag, pe.msg);
    }
    if (*out == 0 || *out > max_ms) {
        if (max_ms % 3600000 == 0) {
            snprintf(most, sizeof(most), "%lluh", (unsigned long long)(max_ms / 3600000));
        } else {
            snprintf(most, sizeof(most), "%llus", (unsigned long long)(max_ms / 1000));
        }
        return err_set(e, "--%s '%.40s': use a duration above 0 and up to %s", flag, v, most);
    }
    return 0;
}

/* Event types: letters, digits, '.', '_', '-', separated by commas. */
static int load_topics_check(const char *v, struct err *e)
{
    const char *p = v;

    for (;;) {
        size_t n = strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-");
        if (n == 0 || n > 127 || (p[n] != ',' && p[n] != '\0')) {
            return err_set(e,
                           "--topic: '%.60s' is not a list of event types (letters, digits, "
                           "'.', '_' and '-', separated by commas)",
                           v);
        }
        if (p[n] == '\0') {
            return 0;
        }
        p += n + 1;
    }
}

static int load_apply(struct hn_load_config *cfg, int id, const char *v, struct err *e)
{
    struct err pe = {{0}};
    long long n = 0;

    switch (id) {
    case LOAD_OPT_RATE:
        return load_rate("rate", v, &cfg->rate, e);
    case LOAD_OPT_DURATION:
        return load_duration("duration", v, HN_LOAD_MAX_DURATION_MS, &cfg->duration_ms, e);
    case LOAD_OPT_RAMP:
        cfg->ramp = true;
        return 0;
    case LOAD_OPT_START:
        return load_rate("start", v, &cfg->start, e);
    case LOAD_OPT_MAX:
        return load_rate("max", v, &cfg->max, e);
    case LOAD_OPT_STEP:
        return load_duration("step-duration", v, HN_LOAD_MAX_DURATION_MS, &cfg->step_ms, e);
    case LOAD_OPT_BUDGET:
        return load_duration("budget", v, HN_LOAD_MAX_BUDGET_MS, &cfg->budget_ms, e);
    case LOAD_OPT_CONCURRENCY:
        if (parse_int(v, 1, HN_LOAD_MAX_CONCURRENCY, &n, &pe) != 0) {
            return err_set(e, "--concurrency: %s", pe.msg);
        }
        cfg->concurrency = (unsigned)n;
        return 0;
    case LOAD_OPT_TOPIC:
        if (load_topics_check(v, e) != 0) {
            return -1;
        }
        cfg->topics = v;
        return 0;
    case HN_OPT_HELP:
        cfg->help = true;
        return 0;
    case HN_OPT_VERSION:
        cfg->version = true;
        return 0;
    }
    return hn_cli_apply(&cfg->base, id, v, e);
}

/* The mode's options, given together as they must be. seen[] says which
 * were given (indexed by id - LOAD_OPT_RATE). */
static int load_check_mode(const struct hn_load_config *cfg, const bool *seen, struct err *e)
{
    bool rate = seen[LOAD_OPT_RATE - LOAD_OPT_RATE];
    bool duration = seen[LOAD_OPT_DURATION - LOAD_OPT_RATE];
    bool ramp_only = seen[LOAD_OPT_START - LOAD_OPT_RATE] || seen[LOAD_OPT_MAX - LOAD_OPT_RATE] ||
                     seen[LOAD_OPT_STEP - LOAD_OPT_RATE];

    if (cfg->ramp && (rate || duration)) {
        return err_set(e, "load: --ramp finds the rate itself: give --ramp or --rate N "
                          "--duration D, not both");
    }
    if (!cfg->ramp && ramp_only) {
        return err_set(e, "load: --start, --max and --step-duration shape a ramp: add --ramp");
    }
    if (!cfg->ramp && !rate) {
        return err_set(e, "load: give --rate N --duration D (a fixed rate) or --ramp");
    }
    if (rate && !duration) {
        return err_set(e, "load: --rate needs --duration D");
    }
    if (cfg->ramp && cfg->start > cfg->max) {
        return err_set(e, "load: --start %llu/s is above --max %llu/s",
                       (unsigned long long)cfg->start, (unsigned long long)cfg->max);
    }
    return 0;
}

int hn_load_parse(int argc, char **argv, struct hn_load_config *cfg, struct err *e)
{
    struct cli_option shared[LOAD_N_SHARED];
    struct cli_parser p;
    const char *v = NULL;
    bool seen[LOAD_OPT_TOPIC - LOAD_OPT_RATE + 1] = {false};
    int c;

    memset(cfg, 0, sizeof(*cfg));
    cfg->base.profile = EVENT_PROFILE_DOCUMENTED;
    cfg->base.unit = SIGNATURE_UNIT_MS;
    cfg->start = HN_LOAD_DEFAULT_START;
    cfg->max = HN_LOAD_DEFAULT_MAX;
    cfg->step_ms = HN_LOAD_DEFAULT_STEP_MS;
    cfg->budget_ms = HN_LOAD_DEFAULT_BUDGET_MS;
    cfg->concurrency = HN_LOAD_DEFAULT_CONCURRENCY;
    load_shared_rows(shared);
    cli_parser_init(&p, false);
    if (cli_parser_add(&p, load_rows, LOAD_N_ROWS) != 0 ||
        cli_parser_add(&p, shared, LOAD_N_SHARED) != 0) {
        return err_set(e, "internal error: the option table is wrong");
    }
    while ((c = cli_parser_next(&p, argc, argv, &v, e)) > 0) {
        if (load_apply(cfg, c, v, e) != 0) {
            return -1;
        }
        if (c >= LOAD_OPT_RATE && c <= LOAD_OPT_TOPIC) {
            seen[c - LOAD_OPT_RATE] = true;
        }
    }
    if (c < 0) {
        return -1;
    }
    if (cfg->help || cfg->version) {
        return 0;
    }
    if (optind < argc) {
        return err_set(e, "load: unexpected argument '%.60s'", argv[optind]);
    }
    if (load_check_mode(cfg, seen, e) != 0 || hn_cli_scheme_defaults(&cfg->base, e) != 0 ||
        hn_load_topics_check(cfg->topics, cfg->base.profile, e) != 0) {
        return -1;
    }
    return hn_cli_check_target(&cfg->base, "load", e);
}

void hn_load_cleanup(struct hn_load_config *cfg)
{
    hn_cli_cleanup(&cfg->base);
    memset(cfg, 0, sizeof(*cfg));
}

/* The option list: the text wrapped to 99 columns, as run's. */
static const struct cli_help_layout load_layout = {28, 99};

void hn_load_help(FILE *f)
{
    struct cli_option shared[LOAD_N_SHARED];

    fputs("usage: vambe-harness load --target URL --secret S --rate N --duration D [options]\n"
          "       vambe-harness load --target URL --secret S --ramp [--start N] [--max N]\n"
          "                          [--step-duration D] [options]\n"
          "\n"
          "Measures how many signed deliveries a second a receiver answers within the\n"
          "latency budget. Each delivery is a distinct event of the scheme's profile,\n"
          "signed for its own timestamp; deliveries leave on a fixed schedule (open loop),\n"
          "not when the previous one is answered. Prints each step (counts, errors,\n"
          "latency percentiles) and the knee: the last rate whose step was within the\n"
          "budget with no error, and the deliveries a second it sustained. A progress\n"
          "line goes to stderr when it is a terminal. load must be the first word.\n"
          "\n"
          "load options:\n",
          f);
    cli_help_options(f, load_rows, LOAD_N_ROWS, &load_layout);
    fputs("\nshared with run:\n", f);
    load_shared_rows(shared);
    cli_help_options(f, shared, LOAD_N_SHARED, &load_layout);
    fputs("\n"
          "exit status: 0 a result (whatever the receiver did: read the knee), 2 usage or\n"
          "configuration error, 3 target unreachable at the start, 130/143 interrupted\n"
          "(the steps that ran are reported).\n",
          f);
}

int hn_load_main(int argc, char **argv, FILE *out)
{
    struct hn_load_config cfg;
    struct err e = {{0}};
    int code = KIT_EXIT_USAGE;

    if (hn_load_parse(argc, argv, &cfg, &e) != 0) {
        log_error("%s", e.msg);
        fputs("vambe-harness: try 'vambe-harness load --help'\n", stderr);
        goto out;
    }
    if (cfg.help) {
        hn_load_help(out);
        code = KIT_EXIT_OK;
    } else if (cfg.version) {
        fprintf(out, "vambe-harness %s\n", VAMBE_VERSION);
        code = KIT_EXIT_OK;
    } else {
        code = hn_load_run(&cfg, out, NULL);
    }
out:
    hn_load_cleanup(&cfg);
    return code;
}
