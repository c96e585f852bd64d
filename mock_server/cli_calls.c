/* `vambe-mock calls`: one page of the call log (GET /api/webhooks/calls)
 * as a table or the API's JSON, or, with --follow, every attempt as it
 * happens (cli_follow.c). The filters are the API's parameters under the
 * command line's names: --webhook (webhook_id), --topic, --outcome,
 * --event (event_id). */
#include "mock_server/cli_client.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/exit.h"
#include "core/ids.h"
#include "core/parse.h"
#include "core/xalloc.h"
#include "mock_server/cli_follow.h"
#include "mock_server/cli_render.h"
#include "mock_server/client.h"
#include "mock_server/store.h"
#include "mock_server/validate.h"

#define CALLS_PAGE_MAX 1000000000LL /* the API's bound */
#define CALLS_OUTCOMES "succeeded, failed, retry_scheduled, gave_up, webhook_disabled or dropped"

enum calls_opt {
    CALLS_OPT_WEBHOOK = MS_CLIENT_OPT_OWN,
    CALLS_OPT_TOPIC,
    CALLS_OPT_OUTCOME,
    CALLS_OPT_EVENT,
    CALLS_OPT_LIMIT,
    CALLS_OPT_PAGE,
    CALLS_OPT_JSON,
    CALLS_OPT_FOLLOW,
};

static const struct cli_option calls_rows[] = {
    {"webhook", 0, required_argument, CALLS_OPT_WEBHOOK, "ID", "only this webhook's attempts"},
    {"topic", 0, required_argument, CALLS_OPT_TOPIC, "TOPIC", "only this topic's attempts"},
    {"outcome", 0, required_argument, CALLS_OPT_OUTCOME, "OUTCOME",
     "only attempts with this outcome (listed below)"},
    {"event", 0, required_argument, CALLS_OPT_EVENT, "ID", "only this event's attempts (evt_...)"},
    {"limit", 0, required_argument, CALLS_OPT_LIMIT, "N",
     "records on the page, 1-500 (default 50)"},
    {"page", 0, required_argument, CALLS_OPT_PAGE, "N", "which page, from 1 (newest first)"},
    {"json", 0, no_argument, CALLS_OPT_JSON, NULL,
     "print the API's JSON (with --follow: each record, one per line)"},
    {"follow", 'f', no_argument, CALLS_OPT_FOLLOW, NULL,
     "print every new attempt as it happens, until Ctrl-C (GET /mock/stream)"},
};
#define CALLS_N_ROWS (sizeof(calls_rows) / sizeof(calls_rows[0]))

/* The outcomes, as the help lists them. */
static const char *const calls_outcomes[][2] = {
    {"succeeded", "the receiver answered 2xx"},
    {"retry_scheduled", "the attempt failed; the next one is due"},
    {"gave_up", "the attempt failed and it was the last one (--max-attempts)"},
    {"webhook_disabled", "as gave_up, and it deactivated the webhook"},
    {"failed", "the attempt failed; no retry follows (the webhook went meanwhile)"},
    {"dropped", "nothing was sent: the webhook was deleted, gone or inactive"},
};

struct calls_cmd {
    struct ms_follow f; /* client and filters */
    const char *limit;
    const char *page;
    bool follow;
};

static void calls_usage(FILE *f)
{
    size_t n_shared = 0;
    const struct cli_option *shared = ms_client_rows(&n_shared);

    fprintf(f, "usage: %s calls", MS_CLIENT_PROGRAM);
    for (int id = CALLS_OPT_WEBHOOK; id <= CALLS_OPT_JSON; id++) {
        ms_client_usage_flag(f, calls_rows, CALLS_N_ROWS, id, false);
    }
    fprintf(f, "\n       %s calls --follow", MS_CLIENT_PROGRAM);
    for (int id = CALLS_OPT_WEBHOOK; id <= CALLS_OPT_JSON; id++) {
        if (id != CALLS_OPT_LIMIT && id != CALLS_OPT_PAGE) {
            ms_client_usage_flag(f, calls_rows, CALLS_N_ROWS, id, false);
        }
    }
    fprintf(f, "\n       %s calls ...", MS_CLIENT_PROGRAM);
    for (size_t k = 0; k < n_shared; k++) {
        if (shared[k].id != MS_CLIENT_OPT_HELP) {
            ms_client_usage_flag(f, shared, n_shared, shared[k].id, false);
        }
    }
    fputc('\n', f);
}

static void calls_help(FILE *f)
{
    size_t n_shared = 0;
    const struct cli_option *shared = ms_client_rows(&n_shared);

    calls_usage(f);
    fprintf(f,
            "\n%s.\n"
            "Without --follow: one page of the call log (GET /api/webhooks/calls), newest\n"
            "first, as a table (time, topic, event, attempt, status or error, duration,\n"
            "outcome). With --follow: a line per attempt as it happens, the outcome in colour\n"
            "on a terminal (not when NO_COLOR is set); when the mock stops or restarts, it\n"
            "says so on stderr and reconnects (250 ms, doubling to 5 s).\n"
            "\noptions:\n",
            MS_CLI_CALLS_SUMMARY);
    cli_help_options(f, calls_rows, CALLS_N_ROWS, &ms_client_layout);
    cli_help_options(f, shared, n_shared, &ms_client_layout);
    fprintf(f, "\noutcomes (--outcome OUTCOME):\n");
    for (size_t i = 0; i < sizeof(calls_outcomes) / sizeof(calls_outcomes[0]); i++) {
        fprintf(f, "  %-18s %s\n", calls_outcomes[i][0], calls_outcomes[i][1]);
    }
}

__attribute__((format(printf, 2, 3))) static int calls_fail(FILE *errout, const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return ms_client_fail(errout, msg, calls_usage);
}

/* A filter's value: 1 to max bytes, no control characters. */
static int calls_text(const char *flag, const char *arg, size_t max, char *msg, size_t msg_size)
{
    size_t n = strlen(arg);

    if (n == 0 || n > max) {
        snprintf(msg, msg_size, "--%s: must be 1 to %zu characters", flag, max);
        return -1;
    }
    for (const unsigned char *c = (const unsigned char *)arg; *c != '\0'; c++) {
        if (*c < 0x20 || *c == 0x7f) {
            snprintf(msg, msg_size, "--%s: holds a control character", flag);
            return -1;
        }
    }
    return 0;
}

static int calls_apply(struct calls_cmd *k, int id, const char *arg, char *msg, size_t msg_size)
{
    struct err e = {{0}};
    long long v = 0;

    switch (id) {
    case CALLS_OPT_WEBHOOK:
        k->f.webhook_id = arg;
        return calls_text("webhook", arg, IDS_UUID_LEN, msg, msg_size);
    case CALLS_OPT_TOPIC:
        k->f.topic = arg;
        return calls_text("topic", arg, MS_TOPIC_MAX, msg, msg_size);
    case CALLS_OPT_EVENT:
        k->f.event_id = arg;
        return calls_text("event", arg, MS_EVENT_ID_MAX, msg, msg_size);
    case CALLS_OPT_OUTCOME:
        if (!ms_validate_outcome(arg)) {
            snprintf(msg, msg_size, "--outcome: '%.40s' is not an outcome (use %s)", arg,
                     CALLS_OUTCOMES);
            return -1;
        }
        k->f.outcome = arg;
        return 0;
    case CALLS_OPT_LIMIT:
        if (parse_int(arg, 1, MS_CALLS_LIMIT_MAX, &v, &e) != 0) {
            snprintf(msg, msg_size, "--limit: %.400s", e.msg);
            return -1;
        }
        k->limit = arg;
        return 0;
    case CALLS_OPT_PAGE:
        if (parse_int(arg, 1, CALLS_PAGE_MAX, &v, &e) != 0) {
            snprintf(msg, msg_size, "--page: %.400s", e.msg);
            return -1;
        }
        k->page = arg;
        return 0;
    case CALLS_OPT_JSON:
        k->f.json = true;
        return 0;
    case CALLS_OPT_FOLLOW:
        k->follow = true;
        return 0;
    default:
        snprintf(msg, msg_size, "option %d is not handled", id);
        return -1;
    }
}

/* Prints the page; a hint on stderr when more records match. */
static int calls_print(const struct calls_cmd *k, const struct http_response *resp, FILE *out,
                       FILE *errout)
{
    json_t *j;
    json_t *data;
    json_int_t total;
    json_int_t page;
    json_int_t limit;

    if (k->f.json) {
        fwrite(resp->body, 1, resp->body_len, out);
        if (resp->body_len == 0 || resp->body[resp->body_len - 1] != '\n') {
            fputc('\n', out);
        }
        return KIT_EXIT_OK;
    }
    j = ms_client_json(resp, errout);
    data = json_object_get(j, "data");
    if (!json_is_array(data)) {
        if (j != NULL) {
            fprintf(errout, "%s: the answer has no data: is it a vambe-mock?\n", MS_CLIENT_PROGRAM);
        }
        json_decref(j);
        return KIT_EXIT_ENV;
    }
    ms_cli_render_calls(out, data);
    total = json_integer_value(json_object_get(j, "total"));
    page = json_integer_value(json_object_get(j, "page"));
    limit = json_integer_value(json_object_get(j, "limit"));
    if (page > 0 && limit > 0 && page * limit < total) {
        fprintf(errout,
                "%s: page %" JSON_INTEGER_FORMAT " of %" JSON_INTEGER_FORMAT
                " calls; --page %" JSON_INTEGER_FORMAT " shows older ones\n",
                MS_CLIENT_PROGRAM, page, total, page + 1);
    }
    json_decref(j);
    return KIT_EXIT_OK;
}

static int calls_page(const struct calls_cmd *k, FILE *out, FILE *errout)
{
    const char *names[] = {"webhook_id", "topic", "outcome", "event_id", "limit", "page"};
    const char *values[] = {k->f.webhook_id, k->f.topic, k->f.outcome,
                            k->f.event_id,   k->limit,   k->page};
    struct http_response resp;
    char *url = ms_client_url(&k->f.client, "/api/webhooks/calls");
    int ret;

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (values[i] != NULL) {
            url = ms_client_query(url, names[i], values[i]);
        }
    }
    if (ms_client_send(&k->f.client, "GET", url, NULL, &resp, errout) != 0) {
        ret = KIT_EXIT_ENV;
    } else if (resp.status != 200) {
        ret = ms_client_refused(&resp, errout);
    } else {
        ret = calls_print(k, &resp, out, errout);
    }
    http_response_cleanup(&resp);
    free(url);
    return ret;
}

int ms_cli_calls_main(int argc, char **argv, FILE *out, FILE *errout)
{
    size_t n_shared = 0;
    const struct cli_option *shared = ms_client_rows(&n_shared);
    struct calls_cmd k;
    struct cli_parser p;
    struct err e = {{0}};
    const char *v = NULL;
    char msg[512];
    int c;

    memset(&k, 0, sizeof(k));
    ms_client_init(&k.f.client);
    /* In order: calls takes no operand, so a stray word is reported. */
    cli_parser_init(&p, true);
    if (cli_parser_add(&p, calls_rows, CALLS_N_ROWS) != 0 ||
        cli_parser_add(&p, shared, n_shared) != 0) {
        return calls_fail(errout, "%s", "internal error: the option table is wrong");
    }
    while ((c = cli_parser_next(&p, argc, argv, &v, &e)) > 0) {
        int r;

        if (c == MS_CLIENT_OPT_HELP) {
            calls_help(out);
            return KIT_EXIT_OK;
        }
        r = ms_client_apply(&k.f.client, c, v, msg, sizeof(msg));
        if (r == 1) {
            r = calls_apply(&k, c, v, msg, sizeof(msg));
        }
        if (r != 0) {
            return ms_client_fail(errout, msg, calls_usage);
        }
    }
    if (c < 0) {
        return ms_client_fail(errout, e.msg, calls_usage);
    }
    if (optind < argc) {
        return calls_fail(errout, "unexpected argument '%.64s'", argv[optind]);
    }
    if (k.follow && (k.limit != NULL || k.page != NULL)) {
        return calls_fail(errout, "--follow shows every new attempt: it takes no --%s",
                          k.limit != NULL ? "limit" : "page");
    }
    if (k.follow) {
        return ms_cli_follow_run(&k.f, out, errout);
    }
    return calls_page(&k, out, errout);
}
