/* The client commands' shared part (see client.h): trigger's flags with
 * trigger's words, one request through the kit's HTTP client, the mock's
 * errors. */
#include "mock_server/client.h"

#include <stdlib.h>
#include <string.h>

#include "core/exit.h"
#include "core/xalloc.h"
#include "mock_server/server.h"
#include "mock_server/trigger.h"
#include "mock_server/validate.h"

#define CLIENT_TIMEOUT_MS 30000
#define CLIENT_MAX_ANSWER (16 * 1024 * 1024) /* 500 call records with their bodies */

const struct cli_help_layout ms_client_layout = {26, 0};

static const struct cli_option client_rows[] = {
    {"server", 0, required_argument, MS_CLIENT_OPT_SERVER, "URL",
     "the mock's base URL (default " MS_DEFAULT_SERVER ")"},
    {"api-key", 0, required_argument, MS_CLIENT_OPT_API_KEY, "KEY",
     "the mock's x-api-key (default $" MS_API_KEY_ENV ", else " MS_DEFAULT_API_KEY ")"},
    {"ca-file", 0, required_argument, MS_CLIENT_OPT_CA_FILE, "PATH",
     "CA certificates to verify an https --server (default: the system's)"},
    {"insecure", 0, no_argument, MS_CLIENT_OPT_INSECURE, NULL,
     "do not verify the TLS certificate of an https --server"},
    {"help", 'h', no_argument, MS_CLIENT_OPT_HELP, NULL, "show this help and exit"},
};

const struct cli_option *ms_client_rows(size_t *n)
{
    *n = sizeof(client_rows) / sizeof(client_rows[0]);
    return client_rows;
}

void ms_client_init(struct ms_client *c)
{
    const char *env_key = getenv(MS_API_KEY_ENV);

    memset(c, 0, sizeof(*c));
    c->server = MS_DEFAULT_SERVER;
    c->api_key = MS_DEFAULT_API_KEY;
    if (env_key != NULL && env_key[0] != '\0' && strlen(env_key) <= MS_API_KEY_MAX) {
        c->api_key = env_key;
    }
}

int ms_client_apply(struct ms_client *c, int id, const char *arg, char *msg, size_t msg_size)
{
    struct err e = {{0}};

    switch (id) {
    case MS_CLIENT_OPT_SERVER:
        if (ms_validate_url(arg, &e) != 0) {
            snprintf(msg, msg_size, "--server: %s", e.msg);
            return -1;
        }
        c->server = arg;
        return 0;
    case MS_CLIENT_OPT_API_KEY:
        if (arg[0] == '\0' || strlen(arg) > MS_API_KEY_MAX) {
            /* Never echo the key itself. */
            snprintf(msg, msg_size, "--api-key: must be 1 to %d characters", MS_API_KEY_MAX);
            return -1;
        }
        c->api_key = arg;
        return 0;
    case MS_CLIENT_OPT_CA_FILE:
        if (arg[0] == '\0') {
            snprintf(msg, msg_size, "--ca-file: the path is empty");
            return -1;
        }
        c->ca_file = arg;
        return 0;
    case MS_CLIENT_OPT_INSECURE:
        c->insecure = true;
        return 0;
    default:
        return 1;
    }
}

int ms_client_fail(FILE *errout, const char *msg, void (*usage)(FILE *f))
{
    fprintf(errout, "%s: %s\n", MS_CLIENT_PROGRAM, msg);
    usage(errout);
    return KIT_EXIT_USAGE;
}

char *ms_client_url(const struct ms_client *c, const char *path)
{
    size_t base_len = strlen(c->server);

    while (base_len > 0 && c->server[base_len - 1] == '/') {
        base_len--;
    }
    return xasprintf("%.*s%s", (int)base_len, c->server, path);
}

char *ms_client_query(char *url, const char *name, const char *value)
{
    char *with = http_url_add_query(url, name, value);

    if (with == NULL) {
        /* --server was checked, so libcurl parses it: out of memory. */
        fprintf(stderr, "%s: cannot build a URL\n", MS_CLIENT_PROGRAM);
        abort();
    }
    free(url);
    return with;
}

char *ms_client_key_line(const struct ms_client *c)
{
    return xasprintf("x-api-key: %s", c->api_key);
}

void ms_client_free_key(char *line)
{
    if (line != NULL) {
        memset(line, 0, strlen(line)); /* the key does not linger in freed memory */
        free(line);
    }
}

int ms_client_send(const struct ms_client *c, const char *method, const char *url, const char *body,
                   struct http_response *resp, FILE *errout)
{
    struct http_client_opts co = {.ca_file = c->ca_file, .insecure = c->insecure};
    struct http_client *client = http_client_new(&co);
    struct http_request req;
    char *key_line = ms_client_key_line(c);
    const char *headers[3] = {key_line, "Accept: application/json", NULL};
    int ret = 0;

    memset(&req, 0, sizeof(req));
    memset(resp, 0, sizeof(*resp));
    req.method = method;
    req.url = url;
    req.headers = headers;
    req.n_headers = 2;
    if (body != NULL) {
        headers[2] = "Content-Type: application/json";
        req.n_headers = 3;
        req.body = body;
        req.body_len = strlen(body);
    }
    req.timeout_ms = CLIENT_TIMEOUT_MS;
    req.max_body = CLIENT_MAX_ANSWER;
    if (client == NULL || http_client_run(client, &req, resp, 1, 1) != 0 ||
        resp->error != HTTP_ERROR_NONE) {
        fprintf(errout, "%s: cannot reach the mock at %s: %s\n", MS_CLIENT_PROGRAM, c->server,
                resp->error_text[0] != '\0' ? resp->error_text : "the HTTP client failed");
        ret = -1;
    }
    http_client_free(client);
    ms_client_free_key(key_line);
    return ret;
}

int ms_client_refused(const struct http_response *resp, FILE *errout)
{
    json_t *j = json_loadb(resp->body, resp->body_len, 0, NULL);
    const char *msg = json_string_value(json_object_get(j, "message"));

    fprintf(errout, "%s: the mock answered %ld: %s\n", MS_CLIENT_PROGRAM, resp->status,
            msg != NULL ? msg : "(no message)");
    json_decref(j);
    return resp->status >= 400 && resp->status < 500 ? KIT_EXIT_USAGE : KIT_EXIT_ENV;
}

json_t *ms_client_json(const struct http_response *resp, FILE *errout)
{
    json_t *j = json_loadb(resp->body, resp->body_len, 0, NULL);

    if (j == NULL) {
        fprintf(errout, "%s: the server's answer is not JSON: is it a vambe-mock?\n",
                MS_CLIENT_PROGRAM);
    }
    return j;
}

void ms_client_usage_flag(FILE *f, const struct cli_option *rows, size_t n, int id, bool required)
{
    for (size_t i = 0; i < n; i++) {
        const struct cli_option *o = &rows[i];

        if (o->id != id) {
            continue;
        }
        fprintf(f, " %s--%s%s%s%s", required ? "" : "[", o->name, o->arg != NULL ? " " : "",
                o->arg != NULL ? o->arg : "", required ? "" : "]");
        return;
    }
}
