/* A case's steps and exchanges as plain text. */
#include "reports/transcript.h"

#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/xalloc.h"
#include "reports/escape.h"
#include "reports/fmt.h"

/* Writes text[0..len) line by line, each after prefix. */
static void put_lines(FILE *f, const char *prefix, const char *text, size_t len)
{
    size_t i = 0;
    while (i < len) {
        const char *nl = memchr(text + i, '\n', len - i);
        size_t end = nl ? (size_t)(nl - text) : len;
        fputs(prefix, f);
        fwrite(text + i, 1, end - i, f);
        fputc('\n', f);
        i = end + 1;
    }
}

void rp_transcript_body(FILE *f, const char *prefix, const char *body, size_t len, size_t cap,
                        int truncated)
{
    if (body == NULL) {
        return;
    }
    size_t shown = rp_escape_cut(body, len, cap);
    put_lines(f, prefix, body, shown);
    if (shown < len) {
        fprintf(f, "%s(truncated, %zu bytes)\n", prefix, len);
    } else if (truncated) {
        fprintf(f, "%s(truncated by the harness, %zu bytes kept)\n", prefix, len);
    }
}

static void put_exchange(FILE *f, const struct rp_exchange *x, size_t n, size_t body_cap)
{
    char c[32], fb[32], t[32];
    fprintf(f, "  exchange %zu: %s %s", n, x->method ? x->method : "?", x->url ? x->url : "?");
    if (x->event_id != NULL) {
        fprintf(f, " (event %s)", x->event_id);
    }
    fputc('\n', f);
    if (x->detail_dropped) {
        fputs("    (headers and bodies not kept: the run's exchange detail budget was "
              "reached)\n",
              f);
    }
    if (x->request_headers != NULL) {
        put_lines(f, "    > ", x->request_headers, strlen(x->request_headers));
    }
    if (x->request_body != NULL) {
        fputs("    >\n", f);
        rp_transcript_body(f, "    > ", x->request_body, x->request_body_len, body_cap,
                           x->request_body_truncated);
    }
    if (x->status != 0) {
        fprintf(f, "    < status %ld\n", x->status);
        if (x->response_headers != NULL) {
            put_lines(f, "    < ", x->response_headers, strlen(x->response_headers));
        }
        if (x->response_body != NULL) {
            fputs("    <\n", f);
            rp_transcript_body(f, "    < ", x->response_body, x->response_body_len, body_cap,
                               x->response_body_truncated);
        }
    }
    if (x->error != NULL) {
        fprintf(f, "    ! %s\n", x->error);
    }
    clock_duration_text(x->connect_us, c, sizeof(c));
    clock_duration_text(x->first_byte_us, fb, sizeof(fb));
    clock_duration_text(x->total_us, t, sizeof(t));
    fprintf(f, "    timings: connect %s, first byte %s, total %s\n", c, fb, t);
}

static void put_step(FILE *f, const struct rp_step *s, size_t body_cap)
{
    fprintf(f, "step %d %s: %s", s->index, s->kind ? s->kind : "?", rp_verdict_name(s->verdict));
    if (s->description != NULL) {
        fprintf(f, " - %s", s->description);
    }
    fputc('\n', f);
    if (s->expected != NULL) {
        fprintf(f, "  expected: %s\n", s->expected);
    }
    if (s->actual != NULL) {
        fprintf(f, "  actual:   %s\n", s->actual);
    }
    for (size_t i = 0; i < s->n_exchanges; i++) {
        put_exchange(f, &s->exchanges[i], i + 1, body_cap);
    }
    if (s->n_omitted > 0) {
        fprintf(f, "  (%zu more exchange%s not shown; %s latencies count in every figure)\n",
                s->n_omitted, s->n_omitted == 1 ? "" : "s", s->n_omitted == 1 ? "its" : "their");
    }
}

char *rp_transcript_new(const struct rp_case *c, size_t body_cap, size_t total_cap, size_t *len)
{
    char *buf = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&buf, &size);
    if (f == NULL) {
        abort(); /* only fails for lack of memory, like xmalloc */
    }
    for (size_t i = 0; i < c->n_steps; i++) {
        put_step(f, &c->steps[i], body_cap);
    }
    if (fclose(f) != 0 || buf == NULL) {
        abort();
    }
    if (size > total_cap) {
        size_t cut = rp_escape_cut(buf, size, total_cap);
        char *note = xasprintf("\n(transcript truncated to %zu of %zu bytes; the JSON report "
                               "has everything)\n",
                               cut, size);
        size_t nl = strlen(note);
        buf = xrealloc(buf, cut + nl + 1);
        memcpy(buf + cut, note, nl + 1);
        free(note);
        size = cut + nl;
    }
    *len = size;
    return buf;
}
