/* JSON views of webhooks and call-log records. */
#include "mock_server/render.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/jsonh.h"
#include "core/topics.h"
#include "core/xalloc.h"
#include "mock_server/wire.h"

#define RENDER_MASK_SHOWN 4
#define RENDER_MASK_MIN   12 /* shortest secret whose tail is shown */

/* A UTF-8 continuation byte: not the start of a character. */
static bool render_continuation(char c)
{
    return ((unsigned char)c & 0xC0) == 0x80;
}

void ms_render_mask_secret(const char *secret, char out[MS_RENDER_MASK_MAX])
{
    size_t len = secret != NULL ? strlen(secret) : 0;
    size_t chars = 0;
    size_t tail = len;
    unsigned shown = 0;

    for (size_t i = 0; i < len; i++) {
        chars += render_continuation(secret[i]) ? 0 : 1;
    }
    if (chars < RENDER_MASK_MIN) {
        snprintf(out, MS_RENDER_MASK_MAX, "****");
        return;
    }
    while (tail > 0 && shown < RENDER_MASK_SHOWN) {
        tail--;
        if (!render_continuation(secret[tail])) {
            shown++;
        }
    }
    snprintf(out, MS_RENDER_MASK_MAX, "****%.*s", (int)(len - tail < 16 ? len - tail : 16),
             secret + tail);
}

json_t *ms_render_time(uint64_t ms)
{
    char text[32];

    if (ms == 0) {
        return json_null();
    }
    clock_iso8601(ms, text, sizeof(text));
    return json_string(text);
}

/* jsonh_stringn_lossy for a C string. */
static json_t *render_string(const char *s)
{
    return jsonh_stringn_lossy(s, s != NULL ? strlen(s) : 0);
}

/* A record's response body: response_body_len bytes, or up to the NUL
 * when the length is 0 (see struct ms_call). */
static json_t *render_response_body(const struct ms_call *c)
{
    if (c->response_body != NULL && c->response_body_len == 0) {
        return render_string(c->response_body);
    }
    return jsonh_stringn_lossy(c->response_body, c->response_body_len);
}

/* Headers are stored as JSON object text; anything else is shown as text. */
static json_t *render_headers(const char *text)
{
    json_t *j;

    if (text == NULL) {
        return json_null();
    }
    j = jsonh_parse(text, strlen(text), NULL);
    if (j != NULL && json_is_object(j)) {
        return j;
    }
    json_decref(j);
    return render_string(text);
}

json_t *ms_render_webhook(const struct ms_webhook *w)
{
    char masked[MS_RENDER_MASK_MAX];
    json_t *j = json_object();

    ms_render_mask_secret(w->secret, masked);
    json_object_set_new(j, "id", json_string(w->id));
    json_object_set_new(j, "topic", render_string(w->topic));
    json_object_set_new(j, "url", render_string(w->url));
    json_object_set_new(j, "secret", json_string(masked));
    json_object_set_new(j, "active", json_boolean(w->active));
    json_object_set_new(j, "created_at", ms_render_time(w->created_ms));
    json_object_set_new(j, "updated_at", ms_render_time(w->updated_ms));
    json_object_set_new(j, "deleted_at", ms_render_time(w->deleted_ms));
    return j;
}

/* name_size and name_truncated: the body's length as it came (null when
 * there was none) and whether the record keeps less of it (kept bytes). */
static void render_body_size(json_t *j, const char *name, bool present, size_t kept, size_t size)
{
    char key[32];

    if (size < kept) {
        size = kept;
    }
    snprintf(key, sizeof(key), "%s_size", name);
    json_object_set_new(j, key, present ? json_integer((json_int_t)size) : json_null());
    snprintf(key, sizeof(key), "%s_truncated", name);
    json_object_set_new(j, key, json_boolean(size > kept));
}

json_t *ms_render_call(const struct ms_call *c, const struct scheme *custom)
{
    json_t *j = json_object();
    size_t req_len = c->request_body != NULL ? strlen(c->request_body) : 0;
    size_t resp_len = c->response_body != NULL && c->response_body_len == 0
                          ? strlen(c->response_body)
                          : c->response_body_len;

    json_object_set_new(j, "id", render_string(c->id));
    json_object_set_new(j, "webhook_id", render_string(c->webhook_id));
    json_object_set_new(j, "event_id", render_string(c->event_id));
    json_object_set_new(j, "topic", render_string(c->topic));
    json_object_set_new(j, "attempt", json_integer((json_int_t)c->attempt));
    json_object_set_new(j, "url", render_string(c->url));
    json_object_set_new(j, "scheme", c->scheme[0] != '\0' ? json_string(c->scheme) : json_null());
    if (c->request_headers != NULL) {
        json_object_set_new(j, "request_headers", render_headers(c->request_headers));
    } else {
        json_t *rebuilt = ms_wire_record_headers(c, custom);

        json_object_set_new(j, "request_headers", rebuilt != NULL ? rebuilt : json_null());
    }
    json_object_set_new(j, "request_body", render_string(c->request_body));
    render_body_size(j, "request_body", c->request_body != NULL, req_len, c->request_body_size);
    json_object_set_new(j, "response_status",
                        c->response_status > 0 ? json_integer(c->response_status) : json_null());
    json_object_set_new(j, "response_headers", render_headers(c->response_headers));
    json_object_set_new(j, "response_body", render_response_body(c));
    render_body_size(j, "response_body", c->response_body != NULL, resp_len, c->response_body_size);
    json_object_set_new(j, "duration_ms",
                        c->duration_ms >= 0 ? json_integer(c->duration_ms) : json_null());
    json_object_set_new(j, "error", render_string(c->error));
    json_object_set_new(j, "outcome", json_string(ms_outcome_name(c->outcome)));
    json_object_set_new(j, "scheduled_at", ms_render_time(c->scheduled_ms));
    json_object_set_new(j, "sent_at", ms_render_time(c->sent_ms));
    json_object_set_new(j, "next_attempt_at", ms_render_time(c->next_attempt_ms));
    json_object_set_new(j, "created_at", ms_render_time(c->created_ms));
    return j;
}

json_t *ms_render_topics(void)
{
    json_t *j = json_array();

    for (size_t i = 0; i < topics_count(); i++) {
        json_array_append_new(j, json_string(topics_at(i)->name));
    }
    return j;
}
