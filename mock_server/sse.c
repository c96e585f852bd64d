/* The Server-Sent Events parser (see sse.h).
 *
 * Bytes are cut into lines as they come: a span up to the next CR or LF is
 * appended to the line under way, and a line end hands the line to
 * sse_line(). A CR remembers that a LF right after it (maybe in the next
 * chunk) belongs to the same line end. */
#include "mock_server/sse.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

#define SSE_FIRST_CAP 256

static const unsigned char sse_bom[3] = {0xef, 0xbb, 0xbf};

struct ms_sse {
    size_t max;
    ms_sse_event_fn fn;
    void *arg;
    char *line; /* the line under way, NUL-terminated */
    size_t line_len;
    size_t line_cap;
    char *data; /* the event's data lines, each followed by "\n" */
    size_t data_len;
    size_t data_cap;
    char *type;       /* NULL: none given */
    char *last_id;    /* never NULL */
    bool skipping;    /* the line under way is over-long: drop it to its end */
    bool broken;      /* the event under way lost a line: do not dispatch it */
    bool after_cr;    /* the last byte was a CR */
    size_t bom_seen;  /* bytes of a byte-order mark matched at the start */
    bool bom_checked; /* past the start of the stream */
    unsigned long retry_ms;
    size_t overflows;
};

struct ms_sse *ms_sse_new(size_t max, ms_sse_event_fn fn, void *arg)
{
    struct ms_sse *p = xcalloc(1, sizeof(*p));

    p->max = max > 0 ? max : MS_SSE_MAX_DEFAULT;
    p->fn = fn;
    p->arg = arg;
    p->last_id = xstrdup("");
    return p;
}

void ms_sse_free(struct ms_sse *p)
{
    if (p == NULL) {
        return;
    }
    free(p->line);
    free(p->data);
    free(p->type);
    free(p->last_id);
    free(p);
}

/* The event under way is lost (a line or its data was too long). */
static void sse_break(struct ms_sse *p)
{
    if (!p->broken) {
        p->broken = true;
        p->overflows++;
    }
    p->data_len = 0;
}

static void sse_event_clear(struct ms_sse *p)
{
    p->data_len = 0;
    p->broken = false;
    free(p->type);
    p->type = NULL;
}

/* A blank line: dispatch the event if it has data. */
static int sse_dispatch(struct ms_sse *p)
{
    struct ms_sse_event ev;
    int rc;

    if (p->broken || p->data_len == 0) {
        sse_event_clear(p);
        return 0;
    }
    p->data_len--; /* the "\n" after the last data line */
    p->data[p->data_len] = '\0';
    ev.type = p->type != NULL && p->type[0] != '\0' ? p->type : "message";
    ev.data = p->data;
    ev.data_len = p->data_len;
    ev.id = p->last_id;
    rc = p->fn != NULL ? p->fn(p->arg, &ev) : 0;
    sse_event_clear(p);
    return rc;
}

static bool sse_name_is(const char *name, size_t len, const char *want)
{
    return len == strlen(want) && memcmp(name, want, len) == 0;
}

/* "retry": digits only, else ignored; a value past ULONG_MAX saturates. */
static void sse_retry(struct ms_sse *p, const char *v, size_t len)
{
    unsigned long ms = 0;

    if (len == 0) {
        return;
    }
    for (size_t i = 0; i < len; i++) {
        if (v[i] < '0' || v[i] > '9') {
            return;
        }
        ms = ms > (ULONG_MAX - 9) / 10 ? ULONG_MAX : ms * 10 + (unsigned long)(v[i] - '0');
    }
    p->retry_ms = ms;
}

/* One field line: "name: value", "name:value" or "name". */
static void sse_field(struct ms_sse *p, const char *line, size_t len)
{
    const char *colon = memchr(line, ':', len);
    size_t name_len = colon != NULL ? (size_t)(colon - line) : len;
    const char *v = colon != NULL ? colon + 1 : line + len;
    size_t v_len = len - (size_t)(v - line);

    if (v_len > 0 && v[0] == ' ') {
        v++;
        v_len--;
    }
    if (sse_name_is(line, name_len, "data")) {
        if (p->broken) {
            return;
        }
        if (p->data_len + v_len + 1 > p->max) {
            sse_break(p);
            return;
        }
        xbuf_append(&p->data, &p->data_len, &p->data_cap, v, v_len, SSE_FIRST_CAP, p->max + 1);
        xbuf_append(&p->data, &p->data_len, &p->data_cap, "\n", 1, SSE_FIRST_CAP, p->max + 1);
    } else if (sse_name_is(line, name_len, "event")) {
        free(p->type);
        p->type = xstrndup(v, v_len);
    } else if (sse_name_is(line, name_len, "id")) {
        if (memchr(v, '\0', v_len) == NULL) {
            free(p->last_id);
            p->last_id = xstrndup(v, v_len);
        }
    } else if (sse_name_is(line, name_len, "retry")) {
        sse_retry(p, v, v_len);
    }
    /* Any other field, garbage included, is ignored. */
}

/* A line ended. Returns what dispatching returned, or 0. */
static int sse_line(struct ms_sse *p)
{
    size_t len = p->line_len;

    p->line_len = 0;
    if (p->skipping) {
        p->skipping = false; /* the over-long line is over; its event stays broken */
        return 0;
    }
    if (len == 0) {
        return sse_dispatch(p);
    }
    if (p->line[0] == ':') {
        return 0; /* a comment (": ping") */
    }
    sse_field(p, p->line, len);
    return 0;
}

static void sse_append(struct ms_sse *p, const char *s, size_t n)
{
    if (p->skipping || n == 0) {
        return;
    }
    if (p->line_len + n > p->max) {
        p->skipping = true;
        p->line_len = 0;
        sse_break(p);
        return;
    }
    xbuf_append(&p->line, &p->line_len, &p->line_cap, s, n, SSE_FIRST_CAP, p->max + 1);
}

/* The bytes after any byte-order mark. */
static int sse_bytes(struct ms_sse *p, const char *buf, size_t len)
{
    size_t i = 0;

    while (i < len) {
        size_t j = i;
        int rc;

        if (p->after_cr) {
            p->after_cr = false;
            if (buf[i] == '\n') {
                i++;
                continue;
            }
        }
        while (j < len && buf[j] != '\r' && buf[j] != '\n') {
            j++;
        }
        sse_append(p, buf + i, j - i);
        if (j == len) {
            break;
        }
        p->after_cr = buf[j] == '\r';
        i = j + 1;
        rc = sse_line(p);
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

int ms_sse_feed(struct ms_sse *p, const char *buf, size_t len)
{
    size_t i = 0;

    /* A byte-order mark may open the stream, maybe split across chunks. A
     * start that only looks like one is handed on as it came. */
    while (!p->bom_checked && i < len && p->bom_seen < sizeof(sse_bom)) {
        if ((unsigned char)buf[i] == sse_bom[p->bom_seen]) {
            i++;
            if (++p->bom_seen == sizeof(sse_bom)) {
                p->bom_checked = true;
            }
            continue;
        }
        p->bom_checked = true;
        if (p->bom_seen > 0) {
            int rc = sse_bytes(p, (const char *)sse_bom, p->bom_seen);

            if (rc != 0) {
                return rc;
            }
        }
    }
    return sse_bytes(p, buf + i, len - i);
}

void ms_sse_reset(struct ms_sse *p)
{
    p->line_len = 0;
    p->skipping = false;
    p->after_cr = false;
    p->bom_seen = 0;
    p->bom_checked = false;
    sse_event_clear(p);
}

unsigned long ms_sse_retry_ms(const struct ms_sse *p)
{
    return p->retry_ms;
}

const char *ms_sse_last_id(const struct ms_sse *p)
{
    return p->last_id;
}

size_t ms_sse_overflows(const struct ms_sse *p)
{
    return p->overflows;
}
