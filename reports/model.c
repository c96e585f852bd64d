/* The conformance result model: allocation, summary, names. */
#include "reports/model.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/exit.h"
#include "core/stats.h"
#include "core/xalloc.h"

static const char *const verdict_names[RP_VERDICT_COUNT] = {"PASS", "FAIL", "WARN", "SKIP",
                                                            "ERROR"};
static const char *const level_names[RP_LEVEL_COUNT] = {"MUST", "SHOULD", "INFO"};

/* Grows an array of elem_size items by one zeroed item; returns it. */
static void *grow(void **items, size_t *n, size_t *cap, size_t elem_size)
{
    *items = xgrow(*items, cap, *n + 1, 4, elem_size);
    char *slot = (char *)*items + *n * elem_size;
    memset(slot, 0, elem_size);
    (*n)++;
    return slot;
}

struct rp_run *rp_run_new(void)
{
    struct rp_run *run = xcalloc(1, sizeof(struct rp_run));
    run->detail.budget = RP_DETAIL_BUDGET;
    return run;
}

static void exchange_cleanup(struct rp_exchange *x)
{
    free(x->method);
    free(x->url);
    free(x->event_id);
    free(x->request_headers);
    free(x->request_body);
    free(x->response_headers);
    free(x->response_body);
    free(x->error);
}

static void step_cleanup(struct rp_step *s)
{
    for (size_t i = 0; i < s->n_exchanges; i++) {
        exchange_cleanup(&s->exchanges[i]);
    }
    free(s->exchanges);
    free(s->omitted_us);
    free(s->kind);
    free(s->description);
    free(s->expected);
    free(s->actual);
}

static void case_cleanup(struct rp_case *c)
{
    for (size_t i = 0; i < c->n_steps; i++) {
        step_cleanup(&c->steps[i]);
    }
    free(c->steps);
    for (size_t i = 0; i < c->n_tags; i++) {
        free(c->tags[i]);
    }
    free(c->tags);
    free(c->id);
    free(c->area);
    free(c->title);
    free(c->reference);
    free(c->file);
    free(c->reason);
    free(c->figure);
    free(c->rerun);
}

void rp_run_free(struct rp_run *run)
{
    if (run == NULL) {
        return;
    }
    for (size_t i = 0; i < run->n_cases; i++) {
        case_cleanup(&run->cases[i]);
    }
    free(run->cases);
    for (size_t i = 0; i < run->n_notes; i++) {
        free(run->notes[i]);
    }
    free(run->notes);
    free(run->harness_version);
    free(run->target);
    free(run->suite);
    free(run->suite_checksum);
    free(run->profile);
    free(run->scheme);
    free(run->timestamp_unit);
    free(run->probe);
    free(run);
}

struct rp_case *rp_run_add_case(struct rp_run *run)
{
    return grow((void **)&run->cases, &run->n_cases, &run->cap_cases, sizeof(struct rp_case));
}

struct rp_step *rp_case_add_step(struct rp_case *c)
{
    struct rp_step *s = grow((void **)&c->steps, &c->n_steps, &c->cap_steps, sizeof(*s));
    s->index = (int)c->n_steps;
    return s;
}

struct rp_exchange *rp_step_add_exchange(struct rp_step *s)
{
    return grow((void **)&s->exchanges, &s->n_exchanges, &s->cap_exchanges,
                sizeof(struct rp_exchange));
}

void rp_step_omit_exchange(struct rp_step *s, bool answered, uint64_t total_us)
{
    s->n_omitted++;
    if (answered) {
        uint64_t *slot =
            grow((void **)&s->omitted_us, &s->n_omitted_us, &s->cap_omitted_us, sizeof(uint64_t));
        *slot = total_us;
    }
}

size_t rp_step_latencies(const struct rp_step *s, uint64_t *out)
{
    size_t n = 0;

    if (s->kind != NULL && strcmp(s->kind, "probe") == 0) {
        return 0;
    }
    for (size_t i = 0; i < s->n_exchanges; i++) {
        if (s->exchanges[i].status != 0) {
            if (out != NULL) {
                out[n] = s->exchanges[i].total_us;
            }
            n++;
        }
    }
    if (out != NULL && s->n_omitted_us > 0) {
        memcpy(out + n, s->omitted_us, s->n_omitted_us * sizeof(uint64_t));
    }
    return n + s->n_omitted_us;
}

static size_t text_bytes(const char *s)
{
    return s != NULL ? strlen(s) + 1 : 0;
}

size_t rp_exchange_detail_bytes(const struct rp_exchange *x)
{
    return text_bytes(x->request_headers) + text_bytes(x->response_headers) +
           (x->request_body != NULL ? x->request_body_len + 1 : 0) +
           (x->response_body != NULL ? x->response_body_len + 1 : 0);
}

bool rp_detail_fit(struct rp_detail *d, struct rp_exchange *x)
{
    if (d == NULL) {
        return true;
    }
    size_t bytes = rp_exchange_detail_bytes(x);
    if (d->kept <= d->budget && bytes <= d->budget - d->kept) {
        d->kept += bytes;
        return true;
    }
    free(x->request_headers);
    free(x->request_body);
    free(x->response_headers);
    free(x->response_body);
    x->request_headers = NULL;
    x->request_body = NULL;
    x->response_headers = NULL;
    x->response_body = NULL;
    x->request_body_len = 0;
    x->response_body_len = 0;
    x->request_body_truncated = false;
    x->response_body_truncated = false;
    x->detail_dropped = true;
    d->dropped++;
    d->dropped_bytes += bytes;
    return false;
}

/* "64 MiB", "1.5 MiB", "4096 bytes". */
static void fmt_bytes(size_t n, char *buf, size_t size)
{
    if (n >= 1024 * 1024) {
        snprintf(buf, size, "%.*f MiB", n % (1024 * 1024) ? 1 : 0, (double)n / (1024.0 * 1024.0));
    } else {
        snprintf(buf, size, "%zu bytes", n);
    }
}

/* One note, the first time the run is summarized with dropped detail. */
static void note_detail(struct rp_run *run)
{
    char note[512], budget[32], left[32];
    const struct rp_detail *d = &run->detail;
    bool one = d->dropped == 1;

    if (d->dropped == 0 || d->noted) {
        return;
    }
    fmt_bytes(d->budget, budget, sizeof(budget));
    fmt_bytes(d->dropped_bytes, left, sizeof(left));
    snprintf(note, sizeof(note),
             "exchange detail budget of %s reached: %zu exchange%s kept %s status, error and "
             "timings but not %s headers and bodies (%s left out); verdicts, counts and "
             "latency figures still count %s",
             budget, d->dropped, one ? "" : "s", one ? "its" : "their", one ? "its" : "their", left,
             one ? "it" : "them");
    rp_run_add_note(run, note);
    run->detail.noted = true;
}

void rp_case_add_tag(struct rp_case *c, const char *tag)
{
    c->tags = xrealloc(c->tags, (c->n_tags + 1) * sizeof(char *));
    c->tags[c->n_tags++] = xstrdup(tag);
}

void rp_run_add_note(struct rp_run *run, const char *text)
{
    run->notes = xrealloc(run->notes, (run->n_notes + 1) * sizeof(char *));
    run->notes[run->n_notes++] = xstrdup(text);
}

static void summarize_latency(struct rp_run *run)
{
    size_t n = 0;
    for (size_t i = 0; i < run->n_cases; i++) {
        for (size_t j = 0; j < run->cases[i].n_steps; j++) {
            n += rp_step_latencies(&run->cases[i].steps[j], NULL);
        }
    }
    uint64_t *v = xmalloc((n ? n : 1) * sizeof(uint64_t));
    size_t k = 0;
    for (size_t i = 0; i < run->n_cases; i++) {
        for (size_t j = 0; j < run->cases[i].n_steps; j++) {
            k += rp_step_latencies(&run->cases[i].steps[j], v + k);
        }
    }
    stats_sort(v, k);
    run->latency.samples = k;
    run->latency.p50_us = stats_percentile_sorted(v, k, 50);
    run->latency.p95_us = stats_percentile_sorted(v, k, 95);
    run->latency.p99_us = stats_percentile_sorted(v, k, 99);
    run->latency.max_us = k ? v[k - 1] : 0;
    free(v);
}

void rp_run_summarize(struct rp_run *run)
{
    memset(run->counts, 0, sizeof(run->counts));
    memset(run->level_counts, 0, sizeof(run->level_counts));
    bool ok = run->n_cases > 0;
    for (size_t i = 0; i < run->n_cases; i++) {
        const struct rp_case *c = &run->cases[i];
        run->counts[c->verdict]++;
        run->level_counts[c->level][c->verdict]++;
        bool bad = c->verdict == RP_VERDICT_FAIL || c->verdict == RP_VERDICT_ERROR;
        if (bad && (c->level == RP_LEVEL_MUST || (run->strict && c->level == RP_LEVEL_SHOULD))) {
            ok = false;
        }
    }
    run->conformant = ok && run->interrupted == NULL;
    summarize_latency(run);
    note_detail(run);
}

int rp_run_exit_code(const struct rp_run *run)
{
    return run->conformant ? KIT_EXIT_OK : KIT_EXIT_FAIL;
}

const char *rp_verdict_name(enum rp_verdict v)
{
    return (unsigned)v < RP_VERDICT_COUNT ? verdict_names[v] : "?";
}

const char *rp_level_name(enum rp_level l)
{
    return (unsigned)l < RP_LEVEL_COUNT ? level_names[l] : "?";
}

int rp_level_parse(const char *s, enum rp_level *out)
{
    for (int i = 0; i < RP_LEVEL_COUNT; i++) {
        if (strcmp(s, level_names[i]) == 0) {
            *out = (enum rp_level)i;
            return 0;
        }
    }
    return -1;
}

void rp_set(char **field, const char *text)
{
    free(*field);
    *field = text ? xstrdup(text) : NULL;
}

void rp_setf(char **field, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    if (vasprintf(&s, fmt, ap) < 0) {
        abort();
    }
    va_end(ap);
    free(*field);
    *field = s;
}
