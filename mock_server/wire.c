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

int ms_wire_build(struct ms_wire *w, const struct ms_wire_input *in, struct err *e)
{
    const struct scheme *s = in->scheme != NULL ? in->scheme : scheme_default();
    char ts[32];
    struct scheme_input si = {in->secret,     in->event_id, in->topic, in->delivery_id,
                              in->webhook_id, in->attempt,  ts,        in->body,
                              in->body_len,   NULL,         !in->sign};

    signature_timestamp(in->now_wall_ms, in->unit, ts, sizeof(ts));
    if (scheme_build(s, &si, &w->sw, e) != 0) {
        return -1;
    }
    w->ptrs = w->sw.ptrs;
    w->n = w->sw.n;
    w->timestamp = w->sw.timestamp;
    w->signature = w->sw.signature;
    w->scheme = s->name;
    return 0;
}

void ms_wire_record(const struct ms_wire *w, char timestamp[MS_CALL_TIMESTAMP_MAX + 1],
                    char signature[MS_CALL_SIGNATURE_MAX + 1], char scheme[MS_CALL_SCHEME_MAX + 1])
{
    snprintf(timestamp, MS_CALL_TIMESTAMP_MAX + 1, "%s", w->timestamp);
    snprintf(scheme, MS_CALL_SCHEME_MAX + 1, "%s", w->scheme);
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

json_t *ms_wire_record_headers(const struct ms_call *c, const struct scheme *custom)
{
    const char *name = c->scheme[0] != '\0' ? c->scheme : "vambe";
    /* A scheme file may reuse a built-in's name: the engine's own scheme
     * comes first. */
    const struct scheme *s =
        custom != NULL && strcmp(custom->name, name) == 0 ? custom : scheme_builtin(name);
    struct scheme_wire w;
    struct scheme shown_scheme;
    json_t *o;

    if (c->request_timestamp[0] == '\0' || s == NULL) {
        return NULL;
    }
    shown_scheme = *s;
    struct scheme_input in = {"",
                              c->event_id,
                              c->topic,
                              c->id,
                              c->webhook_id,
                              c->attempt,
                              c->request_timestamp,
                              "",
                              0,
                              c->request_signature,
                              c->request_signature[0] == '\0'};
    if (scheme_build(&shown_scheme, &in, &w, NULL) != 0) {
        return NULL;
    }
    o = json_object();
    for (size_t i = 0; i < w.n; i++) {
        const char *line = w.lines[i];
        size_t name_len = strcspn(line, ":");
        char lower[WIRE_NAME_MAX];

        if (line[name_len] == '\0' || name_len >= sizeof(lower)) {
            continue;
        }
        for (size_t k = 0; k < name_len; k++) {
            lower[k] = (char)tolower((unsigned char)line[k]);
        }
        lower[name_len] = '\0';
        /* A value jansson refuses (not UTF-8) is left out, not the object. */
        json_object_set_new(o, lower, json_string(line + name_len + 2));
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
