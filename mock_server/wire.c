/* What a delivery looks like on the wire (DESIGN §4), and the JSON views of
 * request and response headers that the call log shows (see wire.h). */
#include "mock_server/wire.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/log.h"
#include "core/xalloc.h"

#define WIRE_RESP_HEADERS_MAX 64
#define WIRE_NAME_MAX         64
#define WIRE_BUF_FIRST_CAP    256

/* A growing text buffer. */
struct wire_buf {
    char *p;
    size_t len;
    size_t cap;
};

static void wire_reserve(struct wire_buf *b, size_t more)
{
    xbuf_reserve(&b->p, b->len, &b->cap, more, WIRE_BUF_FIRST_CAP, SIZE_MAX);
}

static void wire_put(struct wire_buf *b, const char *s, size_t n)
{
    xbuf_append(&b->p, &b->len, &b->cap, s, n, WIRE_BUF_FIRST_CAP, SIZE_MAX);
}

/* Appends s (n bytes) escaped for the inside of a JSON string; plain runs
 * are copied in one piece. Bytes >= 0x80 are copied as they are (header
 * values are ASCII in practice; the renderer copes with anything else). */
static void wire_put_escaped(struct wire_buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";

    size_t run = 0; /* start of the pending run of plain bytes */

    wire_reserve(b, n);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];

        if (c != '"' && c != '\\' && c >= 0x20 && c != 0x7f) {
            continue;
        }
        wire_put(b, s + run, i - run);
        run = i + 1;
        if (c == '"' || c == '\\') {
            char esc[2] = {'\\', (char)c};
            wire_put(b, esc, 2);
        } else {
            char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xf]};
            wire_put(b, esc, 6);
        }
    }
    wire_put(b, s + run, n - run);
}

/* Appends s (n bytes) as a JSON string, quotes included. */
static void wire_put_json_string(struct wire_buf *b, const char *s, size_t n)
{
    wire_put(b, "\"", 1);
    wire_put_escaped(b, s, n);
    wire_put(b, "\"", 1);
}

/* Appends "name: value" and returns where the value starts in the line. */
static const char *wire_line(struct ms_wire *w, const char *name, const char *value)
{
    size_t i = w->n++;
    size_t name_len = strlen(name);
    size_t value_len = strlen(value);

    /* Names are the literals below and values at most MS_EVENT_ID_MAX
     * bytes (a topic, an event id; a signature is shorter), so the line
     * always fits (MS_WIRE_LINE); the cut is only a guard. */
    if (name_len + 2 + value_len >= sizeof(w->lines[i])) {
        value_len = sizeof(w->lines[i]) - name_len - 3;
    }
    memcpy(w->lines[i], name, name_len);
    memcpy(w->lines[i] + name_len, ": ", 2);
    memcpy(w->lines[i] + name_len + 2, value, value_len);
    w->lines[i][name_len + 2 + value_len] = '\0';
    w->ptrs[i] = w->lines[i];
    return w->lines[i] + name_len + 2;
}

/* The header set, from what varies. ts is the timestamp text; sig is a
 * signature or the shown form of one, NULL when unsigned. */
static void wire_lines(struct ms_wire *w, const char *topic, const char *event_id,
                       const char *delivery_id, const char *webhook_id, unsigned attempt,
                       const char *ts, const char *sig)
{
    char number[16];

    w->n = 0;
    snprintf(number, sizeof(number), "%u", attempt);
    wire_line(w, "Content-Type", "application/json");
    wire_line(w, "User-Agent", "Vambe-Webhooks/1.0");
    wire_line(w, "x-vambe-event", topic);
    wire_line(w, "x-vambe-event-id", event_id);
    wire_line(w, "x-vambe-delivery-id", delivery_id);
    wire_line(w, "x-vambe-attempt", number);
    wire_line(w, "x-vambe-webhook-id", webhook_id);
    w->timestamp = wire_line(w, "x-vambe-timestamp", ts);
    w->signature = sig != NULL ? wire_line(w, "x-vambe-signature", sig) : NULL;
}

int ms_wire_build(struct ms_wire *w, const struct ms_wire_input *in)
{
    char ts[32];
    char sig[SIGNATURE_MAX + 1];

    signature_timestamp(in->now_wall_ms, in->unit, ts, sizeof(ts));
    if (in->sign && signature_sign(in->secret, ts, in->body, in->body_len, sig) != 0) {
        return -1;
    }
    wire_lines(w, in->topic, in->event_id, in->delivery_id, in->webhook_id, in->attempt, ts,
               in->sign ? sig : NULL);
    return 0;
}

void ms_wire_record(const struct ms_wire *w, char timestamp[MS_CALL_TIMESTAMP_MAX + 1],
                    char signature[MS_CALL_SIGNATURE_MAX + 1])
{
    snprintf(timestamp, MS_CALL_TIMESTAMP_MAX + 1, "%s", w->timestamp);
    signature[0] = '\0';
    if (w->signature != NULL) {
        log_redact(w->signature, signature, MS_CALL_SIGNATURE_MAX + 1);
    }
}

/* Appends "name": as a JSON member key, the name in lower case. */
static void wire_put_name(struct wire_buf *b, const char *name, size_t n)
{
    char lower[WIRE_NAME_MAX];

    if (n >= sizeof(lower)) {
        n = sizeof(lower) - 1;
    }
    for (size_t i = 0; i < n; i++) {
        lower[i] = (char)tolower((unsigned char)name[i]);
    }
    wire_put_json_string(b, lower, n);
    wire_put(b, ":", 1);
}

json_t *ms_wire_record_headers(const struct ms_call *c)
{
    struct ms_wire w;
    json_t *o;

    if (c->request_timestamp[0] == '\0') {
        return NULL;
    }
    wire_lines(&w, c->topic, c->event_id, c->id, c->webhook_id, c->attempt, c->request_timestamp,
               c->request_signature[0] != '\0' ? c->request_signature : NULL);
    o = json_object();
    for (size_t i = 0; i < w.n; i++) {
        const char *line = w.lines[i];
        size_t name_len = strcspn(line, ":");
        char name[WIRE_NAME_MAX];

        if (line[name_len] == '\0' || name_len >= sizeof(name)) {
            continue;
        }
        for (size_t k = 0; k < name_len; k++) {
            name[k] = (char)tolower((unsigned char)line[k]);
        }
        name[name_len] = '\0';
        /* A value jansson refuses (not UTF-8) is left out, not the object. */
        json_object_set_new(o, name, json_string(line + name_len + 2));
    }
    return o;
}

struct wire_span {
    const char *name;
    size_t name_len;
    const char *value;
    size_t value_len;
};

static bool wire_same_name(const struct wire_span *a, const struct wire_span *b)
{
    return a->name_len == b->name_len && strncasecmp(a->name, b->name, a->name_len) == 0;
}

/* Splits raw header lines into name/value spans (the status line and
 * malformed lines are skipped). Returns how many. */
static size_t wire_split(const char *raw, size_t len, struct wire_span *out, size_t max)
{
    const char *p = raw;
    const char *end = raw + len;
    size_t n = 0;

    while (p < end && n < max) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        const char *line_end = eol != NULL ? eol : end;
        const char *colon = memchr(p, ':', (size_t)(line_end - p));

        if (colon != NULL && colon > p && strncmp(p, "HTTP/", 5) != 0) {
            const char *v = colon + 1;
            const char *ve = line_end;

            while (v < ve && (*v == ' ' || *v == '\t')) {
                v++;
            }
            while (ve > v && (ve[-1] == '\r' || ve[-1] == ' ' || ve[-1] == '\t')) {
                ve--;
            }
            out[n++] = (struct wire_span){p, (size_t)(colon - p), v, (size_t)(ve - v)};
        }
        p = eol != NULL ? eol + 1 : end;
    }
    return n;
}

char *ms_wire_response_json(const char *raw, size_t len)
{
    struct wire_span spans[WIRE_RESP_HEADERS_MAX];
    struct wire_buf b = {NULL, 0, 0};
    size_t n = raw != NULL ? wire_split(raw, len, spans, WIRE_RESP_HEADERS_MAX) : 0;

    wire_reserve(&b, len + 64); /* escapes aside, the object is about raw's size */
    wire_put(&b, "{", 1);
    for (size_t i = 0; i < n; i++) {
        bool seen = false;

        for (size_t k = 0; k < i && !seen; k++) {
            seen = wire_same_name(&spans[k], &spans[i]);
        }
        if (seen) {
            continue; /* joined into its first occurrence */
        }
        if (b.len > 1) {
            wire_put(&b, ",", 1);
        }
        wire_put_name(&b, spans[i].name, spans[i].name_len);
        wire_put(&b, "\"", 1);
        wire_put_escaped(&b, spans[i].value, spans[i].value_len);
        for (size_t k = i + 1; k < n; k++) {
            if (wire_same_name(&spans[k], &spans[i])) {
                wire_put(&b, ", ", 2);
                wire_put_escaped(&b, spans[k].value, spans[k].value_len);
            }
        }
        wire_put(&b, "\"", 1);
    }
    wire_put(&b, "}", 1);
    return b.p;
}
