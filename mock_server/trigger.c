/* `vambe-mock trigger`: one POST /mock/events through the kit's HTTP
 * client. */
#include "mock_server/trigger.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/exit.h"
#include "core/http_client.h"
#include "core/jsonh.h"
#include "core/xalloc.h"
#include "mock_server/server.h"

#define TRIGGER_PROGRAM    "vambe-mock"
#define TRIGGER_TIMEOUT_MS 120000            /* 10 000 events are stored before the answer */
#define TRIGGER_MAX_ANSWER (4 * 1024 * 1024) /* 10 000 ids are about 320 KB */

/* Reads --data: the text itself, or the file after '@'. Returns a parsed
 * value (caller decrefs) or NULL with a message printed. */
static json_t *trigger_data(const char *arg, FILE *errout)
{
    struct err e = {{0}};
    char *text = NULL;
    size_t len = 0;
    json_t *j = NULL;

    if (arg[0] == '@') {
        FILE *f = fopen(arg + 1, "rb");

        if (f == NULL) {
            fprintf(errout, "%s: --data: cannot read %s: %s\n", TRIGGER_PROGRAM, arg + 1,
                    strerror(errno));
            return NULL;
        }
        text = xmalloc(MS_TRIGGER_DATA_MAX + 1);
        len = fread(text, 1, MS_TRIGGER_DATA_MAX + 1, f);
        if (ferror(f) || len > MS_TRIGGER_DATA_MAX) {
            fprintf(errout, "%s: --data: %s is unreadable or larger than %d bytes\n",
                    TRIGGER_PROGRAM, arg + 1, MS_TRIGGER_DATA_MAX);
            fclose(f);
            free(text);
            return NULL;
        }
        fclose(f);
    } else {
        text = xstrdup(arg);
        len = strlen(arg);
    }
    j = jsonh_parse(text, len, &e);
    if (j == NULL) {
        fprintf(errout, "%s: --data: invalid JSON: %s\n", TRIGGER_PROGRAM, e.msg);
    } else if (!json_is_object(j)) {
        fprintf(errout, "%s: --data: must be a JSON object\n", TRIGGER_PROGRAM);
        json_decref(j);
        j = NULL;
    }
    free(text);
    return j;
}

static char *trigger_body(const struct ms_trigger_options *o, json_t *data)
{
    json_t *b = json_object();
    char *text;

    json_object_set_new(b, "topic", json_string(o->topic));
    if (data != NULL) {
        json_object_set(b, "data", data);
    }
    if (o->count > 0) {
        json_object_set_new(b, "count", json_integer((json_int_t)o->count));
    }
    if (o->webhook_id != NULL) {
        json_object_set_new(b, "webhook_id", json_string(o->webhook_id));
    }
    text = jsonh_dump(b, NULL);
    json_decref(b);
    return text;
}

/* Prints the ids of a 202 answer; 0, or 3 when the answer is not the
 * mock's. */
static int trigger_print(const struct http_response *resp, FILE *out, FILE *errout)
{
    json_t *j = json_loadb(resp->body, resp->body_len, 0, NULL);
    json_t *ids = json_object_get(j, "event_ids");
    json_t *warning = json_object_get(j, "warning");
    json_t *id;
    size_t i;

    if (!json_is_array(ids)) {
        fprintf(errout, "%s: the server's answer has no event_ids: is it a vambe-mock?\n",
                TRIGGER_PROGRAM);
        json_decref(j);
        return KIT_EXIT_ENV;
    }
    json_array_foreach(ids, i, id)
    {
        fprintf(out, "%s\n", json_string_value(id) != NULL ? json_string_value(id) : "");
    }
    if (json_is_string(warning)) {
        fprintf(errout, "%s: warning: %s\n", TRIGGER_PROGRAM, json_string_value(warning));
    }
    json_decref(j);
    return KIT_EXIT_OK;
}

/* Sends body to the mock; fills resp. 0, or -1 when no answer came (the
 * message is printed). */
static int trigger_send(const struct ms_trigger_options *o, const char *body,
                        struct http_response *resp, FILE *errout)
{
    struct http_client_opts co = {.ca_file = o->ca_file, .insecure = o->insecure};
    struct http_client *client = http_client_new(&co);
    struct http_request req;
    size_t base_len = strlen(o->server);
    char *url;
    char *key_line;
    const char *headers[2];
    int ret = 0;

    while (base_len > 0 && o->server[base_len - 1] == '/') {
        base_len--;
    }
    url = xasprintf("%.*s/mock/events", (int)base_len, o->server);
    key_line = xasprintf("x-api-key: %s", o->api_key);
    headers[0] = key_line;
    headers[1] = "Content-Type: application/json";
    memset(&req, 0, sizeof(req));
    req.method = "POST";
    req.url = url;
    req.headers = headers;
    req.n_headers = 2;
    req.body = body;
    req.body_len = strlen(body);
    req.timeout_ms = TRIGGER_TIMEOUT_MS;
    req.max_body = TRIGGER_MAX_ANSWER;
    if (client == NULL || http_client_run(client, &req, resp, 1, 1) != 0 ||
        resp->error != HTTP_ERROR_NONE) {
        fprintf(errout, "%s: cannot reach the mock at %s: %s\n", TRIGGER_PROGRAM, o->server,
                resp->error_text[0] != '\0' ? resp->error_text : "the HTTP client failed");
        ret = -1;
    }
    http_client_free(client);
    free(url);
    memset(key_line, 0, strlen(key_line)); /* the key does not linger in freed memory */
    free(key_line);
    return ret;
}

int ms_trigger_run(const struct ms_trigger_options *o, FILE *out, FILE *errout)
{
    struct http_response resp;
    json_t *data = NULL;
    char *body = NULL;
    int ret = KIT_EXIT_USAGE;

    memset(&resp, 0, sizeof(resp));
    if (o->data != NULL && (data = trigger_data(o->data, errout)) == NULL) {
        goto out;
    }
    body = trigger_body(o, data);
    if (trigger_send(o, body, &resp, errout) != 0) {
        ret = KIT_EXIT_ENV;
        goto out;
    }
    if (resp.status == 202) {
        ret = trigger_print(&resp, out, errout);
    } else {
        json_t *j = json_loadb(resp.body, resp.body_len, 0, NULL);
        const char *msg = json_string_value(json_object_get(j, "message"));

        fprintf(errout, "%s: the mock answered %ld: %s\n", TRIGGER_PROGRAM, resp.status,
                msg != NULL ? msg : "(no message)");
        json_decref(j);
        ret = resp.status >= 400 && resp.status < 500 ? KIT_EXIT_USAGE : KIT_EXIT_ENV;
    }
out:
    http_response_cleanup(&resp);
    json_decref(data);
    free(body);
    return ret;
}
