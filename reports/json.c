/* JSON report: every fact of the result model, described by
 * reports/schema/report.schema.json.
 *
 * Strings from a receiver may hold any byte. jansson only takes valid
 * UTF-8, so every string is repaired first (invalid bytes become U+FFFD);
 * NUL bytes stay and are written as \u0000, which is valid JSON. A body
 * that needed repair also gets a "<field>_base64" member with its exact
 * bytes, so nothing is lost. The seed is a decimal string: a 64-bit value
 * does not survive a trip through most JSON parsers' doubles. */
#include <jansson.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/jsonh.h"
#include "reports/escape.h"
#include "reports/fmt.h"
#include "reports/write.h"

#define REPORT_FORMAT         "vambe-conformance-report"
#define REPORT_FORMAT_VERSION 1

/* A string value from len bytes, repaired to valid UTF-8; *repaired (may be
 * NULL) says whether any byte was replaced. */
static json_t *text_n(const char *s, size_t len, int *repaired)
{
    size_t out_len = 0, bad = 0;
    char *ok = rp_escape_utf8(s, len, &out_len, &bad);
    json_t *j = jsonh_must(json_stringn(ok, out_len));
    free(ok);
    if (repaired != NULL) {
        *repaired = bad > 0;
    }
    return j;
}

/* A string value or null. */
static json_t *text(const char *s)
{
    return s != NULL ? text_n(s, strlen(s), NULL) : json_null();
}

static json_t *u64(uint64_t v)
{
    return jsonh_must(json_integer(v > (uint64_t)LLONG_MAX ? LLONG_MAX : (json_int_t)v));
}

static void put(json_t *obj, const char *key, json_t *value)
{
    if (json_object_set_new(obj, key, value) != 0) {
        abort();
    }
}

/* A measured timestamp window: {"accepted_s", "refused_s"} (null where
 * nothing was accepted, or nothing refused); null when not measured. */
static json_t *json_window(const struct rp_window *w)
{
    if (!w->measured) {
        return json_null();
    }
    json_t *o = jsonh_must(json_object());
    put(o, "accepted_s", w->accepted_any ? u64(w->accepted_s) : json_null());
    put(o, "refused_s", w->refused_any ? u64(w->refused_s) : json_null());
    return o;
}

/* Sets key to body (or null), its byte count, and key_base64 when the body
 * is not valid UTF-8. */
static void put_body(json_t *obj, const char *key, const char *body, size_t len)
{
    char name[64];
    snprintf(name, sizeof(name), "%s_bytes", key);
    put(obj, name, u64(body != NULL ? len : 0));
    if (body == NULL) {
        put(obj, key, json_null());
        return;
    }
    int repaired = 0;
    put(obj, key, text_n(body, len, &repaired));
    if (repaired) {
        char *b64 = rp_escape_base64(body, len);
        snprintf(name, sizeof(name), "%s_base64", key);
        put(obj, name, jsonh_must(json_string(b64)));
        free(b64);
    }
}

static void append(json_t *array, json_t *value)
{
    if (json_array_append_new(array, value) != 0) {
        abort();
    }
}

static json_t *exchange_json(const struct rp_exchange *x)
{
    json_t *o = jsonh_must(json_object());
    put(o, "method", text(x->method));
    put(o, "url", text(x->url));
    put(o, "event_id", text(x->event_id));
    put(o, "request_headers", text(x->request_headers));
    put_body(o, "request_body", x->request_body, x->request_body_len);
    put(o, "request_body_truncated", json_boolean(x->request_body_truncated));
    put(o, "status", jsonh_must(json_integer(x->status)));
    put(o, "response_headers", text(x->response_headers));
    put_body(o, "response_body", x->response_body, x->response_body_len);
    put(o, "response_body_truncated", json_boolean(x->response_body_truncated));
    put(o, "error", text(x->error));
    put(o, "connect_us", u64(x->connect_us));
    put(o, "first_byte_us", u64(x->first_byte_us));
    put(o, "total_us", u64(x->total_us));
    if (x->detail_dropped) {
        put(o, "detail_dropped", json_true());
    }
    return o;
}

static json_t *step_json(const struct rp_step *s)
{
    json_t *o = jsonh_must(json_object());
    put(o, "index", jsonh_must(json_integer(s->index)));
    put(o, "kind", text(s->kind));
    put(o, "description", text(s->description));
    put(o, "verdict", jsonh_must(json_string(rp_verdict_name(s->verdict))));
    put(o, "expected", text(s->expected));
    put(o, "actual", text(s->actual));
    json_t *xs = jsonh_must(json_array());
    for (size_t i = 0; i < s->n_exchanges; i++) {
        append(xs, exchange_json(&s->exchanges[i]));
    }
    put(o, "exchanges", xs);
    put(o, "exchanges_omitted", u64(s->n_omitted));
    return o;
}

static json_t *case_json(const struct rp_case *c)
{
    json_t *o = jsonh_must(json_object());
    put(o, "id", text(c->id));
    put(o, "area", text(c->area));
    put(o, "title", text(c->title));
    put(o, "level", jsonh_must(json_string(rp_level_name(c->level))));
    put(o, "reference", text(c->reference));
    json_t *tags = jsonh_must(json_array());
    for (size_t i = 0; i < c->n_tags; i++) {
        append(tags, text(c->tags[i]));
    }
    put(o, "tags", tags);
    put(o, "file", text(c->file));
    put(o, "verdict", jsonh_must(json_string(rp_verdict_name(c->verdict))));
    put(o, "reason", text(c->reason));
    put(o, "figure", text(c->figure));
    put(o, "rerun", text(c->rerun));
    put(o, "duration_us", u64(c->duration_us));
    put(o, "steps", jsonh_must(json_array())); /* filled by put_case, one step at a time */
    return o;
}

/* {"PASS": n, "FAIL": n, ...} */
static json_t *counts_json(const size_t *counts)
{
    json_t *o = jsonh_must(json_object());
    for (int v = 0; v < RP_VERDICT_COUNT; v++) {
        put(o, rp_verdict_name((enum rp_verdict)v), u64(counts[v]));
    }
    return o;
}

static json_t *summary_json(const struct rp_run *run)
{
    json_t *o = jsonh_must(json_object());
    put(o, "conformant", json_boolean(run->conformant));
    put(o, "exit_code", jsonh_must(json_integer(rp_run_exit_code(run))));
    put(o, "cases", u64(run->n_cases));
    put(o, "counts", counts_json(run->counts));
    json_t *levels = jsonh_must(json_object());
    for (int l = 0; l < RP_LEVEL_COUNT; l++) {
        put(levels, rp_level_name((enum rp_level)l), counts_json(run->level_counts[l]));
    }
    put(o, "level_counts", levels);
    json_t *lat = jsonh_must(json_object());
    put(lat, "samples", u64(run->latency.samples));
    put(lat, "p50_us", u64(run->latency.p50_us));
    put(lat, "p95_us", u64(run->latency.p95_us));
    put(lat, "p99_us", u64(run->latency.p99_us));
    put(lat, "max_us", u64(run->latency.max_us));
    put(o, "latency", lat);
    return o;
}

static json_t *run_json(const struct rp_run *run)
{
    char buf[64];
    json_t *o = jsonh_must(json_object());
    put(o, "format", jsonh_must(json_string(REPORT_FORMAT)));
    put(o, "format_version", jsonh_must(json_integer(REPORT_FORMAT_VERSION)));
    put(o, "harness_version", text(run->harness_version));
    put(o, "target", text(run->target));
    put(o, "suite", text(run->suite));
    put(o, "suite_checksum", text(run->suite_checksum));
    put(o, "profile", text(run->profile));
    put(o, "scheme", text(run->scheme));
    put(o, "timestamp_unit", text(run->timestamp_unit));
    put(o, "probe", text(run->probe));
    snprintf(buf, sizeof(buf), "%llu", (unsigned long long)run->seed);
    put(o, "seed", jsonh_must(json_string(buf)));
    put(o, "strict", json_boolean(run->strict));
    if (run->interrupted != NULL) {
        put(o, "interrupted", jsonh_must(json_string(run->interrupted)));
    }
    if (run->largest_body > 0) {
        json_t *lb = jsonh_must(json_object());
        put(lb, "accepted", u64(run->largest_body));
        put(lb, "refused", run->smallest_refused > 0 ? u64(run->smallest_refused) : json_null());
        put(o, "largest_body", lb);
    }
    if (run->ts_past.measured || run->ts_future.measured) {
        json_t *tw = jsonh_must(json_object());
        put(tw, "past", json_window(&run->ts_past));
        put(tw, "future", json_window(&run->ts_future));
        put(o, "timestamp_window", tw);
    }
    clock_iso8601(run->started_wall_ms, buf, sizeof(buf));
    put(o, "started_at", jsonh_must(json_string(buf)));
    put(o, "started_wall_ms", u64(run->started_wall_ms));
    put(o, "duration_us", u64(run->duration_us));
    json_t *notes = jsonh_must(json_array()); /* always present: [] when there are none */
    for (size_t i = 0; i < run->n_notes; i++) {
        append(notes, text(run->notes[i]));
    }
    put(o, "notes", notes);
    put(o, "summary", summary_json(run));
    put(o, "cases", jsonh_must(json_array())); /* filled by rp_json_write, one case at a time */
    return o;
}

/* The report is written one step at a time, never built whole: a step's
 * tree is at most a few MB, where the whole run's would double the memory
 * the model holds (its strings are copies). The output is byte for byte
 * what dumping the whole tree gives: jansson indents a member at depth d
 * by 2 d spaces and never puts a raw line break inside a string, so a
 * subtree dumped alone only needs each of its lines shifted. */
#define JSON_FLAGS (JSON_INDENT(2) | JSON_PRESERVE_ORDER)

struct shifted {
    FILE *f;
    int indent; /* spaces added after each line break */
};

static int put_shifted(const char *buf, size_t size, void *data)
{
    struct shifted *sh = data;
    const char *end = buf + size;

    while (buf < end) {
        const char *nl = memchr(buf, '\n', (size_t)(end - buf));
        size_t n = nl != NULL ? (size_t)(nl - buf) + 1 : (size_t)(end - buf);
        if (fwrite(buf, 1, n, sh->f) != n) {
            return -1;
        }
        if (nl != NULL && fprintf(sh->f, "%*s", sh->indent, "") < 0) {
            return -1;
        }
        buf += n;
    }
    return 0;
}

/* Writes o (takes ownership) as it would stand indent spaces deep. */
static int put_tree(FILE *f, json_t *o, int indent)
{
    struct shifted sh = {f, indent};
    int rc = json_dump_callback(o, put_shifted, &sh, JSON_FLAGS);
    json_decref(o);
    return rc;
}

/* Writes o (takes ownership), whose last member is an empty array, with
 * the n items put_item writes in its place. */
static int put_spliced(FILE *f, json_t *o, int indent, size_t n,
                       int (*put_item)(FILE *f, const void *items, size_t i, int indent),
                       const void *items)
{
    char *text = json_dumps(o, JSON_FLAGS);
    size_t len = text != NULL ? strlen(text) : 0;
    int rc = -1;

    json_decref(o);
    if (len < 4 || strcmp(text + len - 4, "[]\n}") != 0) {
        goto out; /* never: the last member is the empty array */
    }
    struct shifted sh = {f, indent};
    if (put_shifted(text, len - 3, &sh) != 0) { /* up to and with the '[' */
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        if (fprintf(f, "%s\n%*s", i > 0 ? "," : "", indent + 4, "") < 0 ||
            put_item(f, items, i, indent + 4) != 0) {
            goto out;
        }
    }
    if (n > 0 ? fprintf(f, "\n%*s]\n%*s}", indent + 2, "", indent, "") < 0
              : fprintf(f, "]\n%*s}", indent, "") < 0) {
        goto out;
    }
    rc = 0;
out:
    free(text);
    return rc;
}

static int put_step(FILE *f, const void *steps, size_t i, int indent)
{
    return put_tree(f, step_json(&((const struct rp_step *)steps)[i]), indent);
}

static int put_case(FILE *f, const void *cases, size_t i, int indent)
{
    const struct rp_case *c = &((const struct rp_case *)cases)[i];
    return put_spliced(f, case_json(c), indent, c->n_steps, put_step, c->steps);
}

int rp_json_write(const struct rp_run *run, FILE *f)
{
    int rc = put_spliced(f, run_json(run), 0, run->n_cases, put_case, run->cases);
    fputc('\n', f);
    return rc != 0 || fflush(f) != 0 || ferror(f) ? -1 : 0;
}
