/* `vambe-mock webhooks ACTION`: the management API (/api/webhooks) from
 * the command line, as `stripe webhook_endpoints` is for Stripe.
 *
 * The action table says, per action, whether it takes an ID, which of the
 * command's flags it takes and which it needs; one option table (the
 * command's rows, then client.c's shared ones) drives parsing and --help.
 * Secrets: the API masks them in every answer; --secret's value is never
 * printed (core/cli's errors name options, not values), and create reads it
 * from $VAMBE_WEBHOOK_SECRET when the flag is absent, so it can stay out of
 * `ps` output. */
#include "mock_server/cli_client.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/exit.h"
#include "core/ids.h"
#include "core/jsonh.h"
#include "core/xalloc.h"
#include "mock_server/cli_render.h"
#include "mock_server/client.h"

#define WH_SECRET_ENV "VAMBE_WEBHOOK_SECRET"

enum wh_opt {
    WH_OPT_TOPIC = MS_CLIENT_OPT_OWN,
    WH_OPT_URL,
    WH_OPT_SECRET,
    WH_OPT_ACTIVE,
    WH_OPT_JSON,
};

#define WH_BIT(id) (1u << ((id)-MS_CLIENT_OPT_OWN))
#define WH_FIELDS                                                                                  \
    (WH_BIT(WH_OPT_TOPIC) | WH_BIT(WH_OPT_URL) | WH_BIT(WH_OPT_SECRET) | WH_BIT(WH_OPT_ACTIVE))

static const struct cli_option wh_rows[] = {
    {"topic", 0, required_argument, WH_OPT_TOPIC, "TOPIC",
     "the topic it subscribes to (create, update)"},
    {"url", 0, required_argument, WH_OPT_URL, "URL", "where deliveries go (create, update)"},
    {"secret", 0, required_argument, WH_OPT_SECRET, "SECRET",
     "the signing secret (create, update); create takes $" WH_SECRET_ENV
     " when it is not given, which keeps it out of ps output"},
    {"active", 0, required_argument, WH_OPT_ACTIVE, "true|false",
     "send deliveries to it or not (create, update; default true)"},
    {"json", 0, no_argument, WH_OPT_JSON, NULL, "print the API's JSON instead of a table"},
};
#define WH_N_ROWS (sizeof(wh_rows) / sizeof(wh_rows[0]))

struct wh_cmd {
    struct ms_client client;
    const char *id;
    const char *topic;
    const char *url;
    const char *secret;
    int active; /* -1: not given */
    bool json;
    unsigned given; /* WH_BIT of each flag given */
};

struct wh_action {
    const char *name;
    bool id;           /* takes an ID */
    unsigned allowed;  /* WH_BITs of the flags it takes */
    unsigned required; /* ... and of those it needs */
    const char *method;
    const char *suffix; /* after /api/webhooks[/ID] */
    long expect;        /* the status of success */
};

/* Columns: name, ID?, flags taken, flags needed, method, path suffix,
 * status of success. */
static const struct wh_action wh_actions[] = {
    {"list", false, WH_BIT(WH_OPT_JSON), 0, "GET", "", 200},
    {"create", false, WH_FIELDS | WH_BIT(WH_OPT_JSON), WH_BIT(WH_OPT_TOPIC) | WH_BIT(WH_OPT_URL),
     "POST", "", 201},
    {"get", true, WH_BIT(WH_OPT_JSON), 0, "GET", "", 200},
    {"update", true, WH_FIELDS | WH_BIT(WH_OPT_JSON), 0, "PUT", "", 200},
    {"delete", true, WH_BIT(WH_OPT_JSON), 0, "DELETE", "", 200},
    {"restore", true, WH_BIT(WH_OPT_JSON), 0, "POST", "/restore", 200},
};
#define WH_N_ACTIONS (sizeof(wh_actions) / sizeof(wh_actions[0]))

static void wh_usage(FILE *f)
{
    size_t n_shared = 0;
    const struct cli_option *shared = ms_client_rows(&n_shared);

    for (size_t i = 0; i < WH_N_ACTIONS; i++) {
        const struct wh_action *a = &wh_actions[i];

        fprintf(f, "%s%s webhooks %s%s", i == 0 ? "usage: " : "       ", MS_CLIENT_PROGRAM, a->name,
                a->id ? " ID" : "");
        for (size_t k = 0; k < WH_N_ROWS; k++) {
            if ((a->allowed & WH_BIT(wh_rows[k].id)) != 0) {
                ms_client_usage_flag(f, wh_rows, WH_N_ROWS, wh_rows[k].id,
                                     (a->required & WH_BIT(wh_rows[k].id)) != 0);
            }
        }
        fputc('\n', f);
    }
    /* The flags every action takes: "..." stands for the action's own. */
    fprintf(f, "       %s webhooks ACTION ...", MS_CLIENT_PROGRAM);
    for (size_t k = 0; k < n_shared; k++) {
        if (shared[k].id != MS_CLIENT_OPT_HELP) {
            ms_client_usage_flag(f, shared, n_shared, shared[k].id, false);
        }
    }
    fputc('\n', f);
}

static void wh_help(FILE *f)
{
    size_t n_shared = 0;
    const struct cli_option *shared = ms_client_rows(&n_shared);

    wh_usage(f);
    fprintf(f,
            "\n%s.\n"
            "list prints a table (id, topic, state, url, updated); get, update, delete and\n"
            "restore print the webhook; create prints the new id. --json prints the API's\n"
            "answer instead. Secrets are shown masked, as the API returns them.\n"
            "\noptions:\n",
            MS_CLI_WEBHOOKS_SUMMARY);
    cli_help_options(f, wh_rows, WH_N_ROWS, &ms_client_layout);
    cli_help_options(f, shared, n_shared, &ms_client_layout);
    fprintf(f,
            "\nenvironment:\n"
            "  %-26s create's secret when --secret is not given\n"
            "  %-26s the mock's key when --api-key is not given\n",
            WH_SECRET_ENV, "VAMBE_MOCK_API_KEY");
}

__attribute__((format(printf, 2, 3))) static int wh_fail(FILE *errout, const char *fmt, ...)
{
    char msg[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return ms_client_fail(errout, msg, wh_usage);
}

/* An id the path can carry: a UUID's characters and length. */
static bool wh_id_ok(const char *id)
{
    size_t n = strlen(id);

    return n > 0 && n <= IDS_UUID_LEN && strspn(id, "0123456789abcdefABCDEF-") == n;
}

/* Applies one of the command's own flags; 0 or -1 with msg filled. */
static int wh_apply(struct wh_cmd *w, int id, const char *arg, char *msg, size_t msg_size)
{
    w->given |= WH_BIT(id);
    switch (id) {
    case WH_OPT_TOPIC:
        w->topic = arg;
        return 0;
    case WH_OPT_URL:
        w->url = arg;
        return 0;
    case WH_OPT_SECRET:
        w->secret = arg; /* checked by the API, which never echoes it */
        return 0;
    case WH_OPT_ACTIVE:
        if (strcmp(arg, "true") != 0 && strcmp(arg, "false") != 0) {
            snprintf(msg, msg_size, "--active: '%.32s' is not true or false", arg);
            return -1;
        }
        w->active = strcmp(arg, "true") == 0;
        return 0;
    case WH_OPT_JSON:
        w->json = true;
        return 0;
    default:
        snprintf(msg, msg_size, "option %d is not handled", id);
        return -1;
    }
}

/* The flags given that the action does not take, and those it needs. */
static int wh_check(const struct wh_action *a, struct wh_cmd *w, FILE *errout)
{
    char msg[256];

    for (size_t k = 0; k < WH_N_ROWS; k++) {
        unsigned bit = WH_BIT(wh_rows[k].id);

        if ((w->given & bit) != 0 && (a->allowed & bit) == 0) {
            snprintf(msg, sizeof(msg), "'webhooks %s' takes no --%s", a->name, wh_rows[k].name);
            return ms_client_fail(errout, msg, wh_usage);
        }
        if ((a->required & bit) != 0 && (w->given & bit) == 0) {
            snprintf(msg, sizeof(msg), "'webhooks %s' needs --%s", a->name, wh_rows[k].name);
            return ms_client_fail(errout, msg, wh_usage);
        }
    }
    if (strcmp(a->name, "create") == 0 && w->secret == NULL) {
        const char *env = getenv(WH_SECRET_ENV);

        if (env == NULL || env[0] == '\0') {
            return wh_fail(errout, "'webhooks create' needs --secret (or %s)", WH_SECRET_ENV);
        }
        w->secret = env;
    }
    if (strcmp(a->name, "update") == 0 && (w->given & WH_FIELDS) == 0) {
        return wh_fail(errout, "%s",
                       "nothing to update: give --topic, --url, --secret or --active");
    }
    return 0;
}

/* The JSON body of create and update; NULL for the others. */
static char *wh_body(const struct wh_action *a, const struct wh_cmd *w)
{
    json_t *b;
    char *text;

    if ((a->allowed & WH_FIELDS) == 0) {
        return NULL;
    }
    b = json_object();
    if (w->topic != NULL) {
        json_object_set_new(b, "topic", json_string(w->topic));
    }
    if (w->url != NULL) {
        json_object_set_new(b, "url", json_string(w->url));
    }
    if (w->secret != NULL) {
        json_object_set_new(b, "secret", json_string(w->secret));
    }
    if (w->active >= 0) {
        json_object_set_new(b, "active", json_boolean(w->active));
    }
    text = jsonh_dump(b, NULL);
    json_decref(b);
    return text;
}

/* Prints a successful answer. */
static int wh_print(const struct wh_action *a, const struct wh_cmd *w,
                    const struct http_response *resp, FILE *out, FILE *errout)
{
    json_t *j;

    if (w->json) {
        fwrite(resp->body, 1, resp->body_len, out);
        if (resp->body_len == 0 || resp->body[resp->body_len - 1] != '\n') {
            fputc('\n', out);
        }
        return KIT_EXIT_OK;
    }
    j = ms_client_json(resp, errout);
    if (j == NULL) {
        return KIT_EXIT_ENV;
    }
    if (strcmp(a->name, "list") == 0) {
        ms_cli_render_webhooks(out, j);
    } else if (strcmp(a->name, "create") == 0) {
        const char *id = json_string_value(json_object_get(j, "id"));

        fprintf(out, "%s\n", id != NULL ? id : "");
    } else {
        ms_cli_render_webhook(out, j);
    }
    json_decref(j);
    return KIT_EXIT_OK;
}

static int wh_run(const struct wh_action *a, const struct wh_cmd *w, FILE *out, FILE *errout)
{
    struct http_response resp;
    char *path = xasprintf("/api/webhooks%s%s%s", a->id ? "/" : "", a->id ? w->id : "", a->suffix);
    char *url = ms_client_url(&w->client, path);
    char *body = wh_body(a, w);
    int ret;

    if (ms_client_send(&w->client, a->method, url, body, &resp, errout) != 0) {
        ret = KIT_EXIT_ENV;
    } else if (resp.status != a->expect) {
        ret = ms_client_refused(&resp, errout);
    } else {
        ret = wh_print(a, w, &resp, out, errout);
    }
    http_response_cleanup(&resp);
    if (body != NULL) {
        memset(body, 0, strlen(body)); /* it holds the secret */
        free(body);
    }
    free(url);
    free(path);
    return ret;
}

/* The action and its ID, from the operands. NULL when wrong (reported). */
static const struct wh_action *wh_operands(int argc, char **argv, struct wh_cmd *w, FILE *errout)
{
    const struct wh_action *a = NULL;
    int left = argc - optind;

    if (left == 0) {
        wh_fail(errout, "%s", "ACTION is required (list, create, get, update, delete or restore)");
        return NULL;
    }
    for (size_t i = 0; i < WH_N_ACTIONS; i++) {
        if (strcmp(argv[optind], wh_actions[i].name) == 0) {
            a = &wh_actions[i];
        }
    }
    if (a == NULL) {
        wh_fail(errout, "unknown action '%.64s' (list, create, get, update, delete or restore)",
                argv[optind]);
    } else if (a->id && left < 2) {
        wh_fail(errout, "'webhooks %s' needs the webhook's ID", a->name);
    } else if (left > (a->id ? 2 : 1)) {
        wh_fail(errout, "unexpected argument '%.64s'", argv[optind + (a->id ? 2 : 1)]);
    } else if (a->id && !wh_id_ok(argv[optind + 1])) {
        wh_fail(errout, "ID: '%.64s' is not a webhook id (a UUID)", argv[optind + 1]);
    } else {
        w->id = a->id ? argv[optind + 1] : NULL;
        return a;
    }
    return NULL;
}

int ms_cli_webhooks_main(int argc, char **argv, FILE *out, FILE *errout)
{
    size_t n_shared = 0;
    const struct cli_option *shared = ms_client_rows(&n_shared);
    const struct wh_action *a;
    struct cli_parser p;
    struct wh_cmd w;
    struct err e = {{0}};
    const char *v = NULL;
    char msg[512];
    int c;

    memset(&w, 0, sizeof(w));
    w.active = -1;
    ms_client_init(&w.client);
    /* Permuted: flags may follow the action and the ID. */
    cli_parser_init(&p, false);
    if (cli_parser_add(&p, wh_rows, WH_N_ROWS) != 0 || cli_parser_add(&p, shared, n_shared) != 0) {
        return wh_fail(errout, "%s", "internal error: the option table is wrong");
    }
    while ((c = cli_parser_next(&p, argc, argv, &v, &e)) > 0) {
        int r;

        if (c == MS_CLIENT_OPT_HELP) {
            wh_help(out);
            return KIT_EXIT_OK;
        }
        r = ms_client_apply(&w.client, c, v, msg, sizeof(msg));
        if (r == 1) {
            r = wh_apply(&w, c, v, msg, sizeof(msg));
        }
        if (r != 0) {
            return ms_client_fail(errout, msg, wh_usage);
        }
    }
    if (c < 0) {
        return ms_client_fail(errout, e.msg, wh_usage);
    }
    a = wh_operands(argc, argv, &w, errout);
    if (a == NULL) {
        return KIT_EXIT_USAGE;
    }
    if (wh_check(a, &w, errout) != 0) {
        return KIT_EXIT_USAGE;
    }
    return wh_run(a, &w, out, errout);
}
