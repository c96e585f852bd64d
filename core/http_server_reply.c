/* http_server_reply: the reply helpers of core/http_server.h (JSON, text, the
 * kit's error shape, extra headers). Kept apart from the libmicrohttpd
 * wrapper: nothing here knows how a reply is sent. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/http_server.h"
#include "core/jsonh.h"
#include "core/log.h"
#include "core/xalloc.h"

#define REPLY_MESSAGE_MAX 1024

static void reply_set_body(struct http_server_reply *rep, unsigned status, char *body, size_t len,
                           const char *content_type)
{
    free(rep->body);
    rep->status = status;
    rep->body = body;
    rep->body_len = len;
    rep->content_type = content_type;
}

void http_reply_json(struct http_server_reply *rep, unsigned status, json_t *j)
{
    char *text;
    size_t len = 0;

    if (j == NULL) {
        http_reply_error(rep, 500, "the handler produced no JSON value");
        return;
    }
    text = jsonh_dump(j, &len);
    json_decref(j);
    if (text == NULL) {
        http_reply_error(rep, 500, "the handler's JSON value could not be serialised");
        return;
    }
    reply_set_body(rep, status, text, len, "application/json");
}

void http_reply_text(struct http_server_reply *rep, unsigned status, const char *content_type,
                     const char *text, size_t len)
{
    char *copy = xmalloc(len + 1);

    if (len > 0) {
        memcpy(copy, text, len);
    }
    copy[len] = '\0';
    reply_set_body(rep, status, copy, len,
                   content_type != NULL ? content_type : "text/plain; charset=utf-8");
}

void http_reply_error(struct http_server_reply *rep, unsigned status, const char *fmt, ...)
{
    char message[REPLY_MESSAGE_MAX];
    va_list ap;
    json_t *j;
    char *text;
    size_t len = 0;

    va_start(ap, fmt);
    vsnprintf(message, sizeof(message), fmt, ap);
    va_end(ap);

    j = json_object();
    json_object_set_new(j, "statusCode", json_integer((json_int_t)status));
    json_object_set_new(j, "error", json_string(http_reason_phrase(status)));
    json_object_set_new(j, "message", jsonh_stringn_lossy(message, strlen(message)));
    text = jsonh_dump(j, &len);
    json_decref(j);
    if (text == NULL) {
        text = xstrdup("");
        len = 0;
    }
    reply_set_body(rep, status, text, len, "application/json");
}

void http_reply_header(struct http_server_reply *rep, const char *name, const char *value)
{
    size_t i;

    if (name == NULL || value == NULL) {
        return;
    }
    if (rep->n_headers >= HTTP_SERVER_MAX_HEADERS) {
        log_warn("http server: reply header '%s' dropped: at most %d headers", name,
                 HTTP_SERVER_MAX_HEADERS);
        return;
    }
    i = rep->n_headers++;
    rep->header_names[i] = name;
    if ((size_t)snprintf(rep->header_values[i], sizeof(rep->header_values[i]), "%s", value) >=
        sizeof(rep->header_values[i])) {
        log_warn("http server: reply header '%s' cut to %d bytes", name,
                 HTTP_SERVER_HEADER_VALUE_MAX - 1);
    }
}
