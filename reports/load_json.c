/* The load result as JSON, described by reports/schema/load.schema.json.
 * The model is small (a few steps of counts), so the tree is built whole.
 * Strings the user gave (the target, a custom scheme's name) are repaired
 * to valid UTF-8 as in json.c; the seed is a decimal string. */
#include <jansson.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/jsonh.h"
#include "core/xalloc.h"
#include "reports/escape.h"
#include "reports/load.h"

#define LOAD_FORMAT         "vambe-load-report"
#define LOAD_FORMAT_VERSION 1

static json_t *text(const char *s)
{
    if (s == NULL) {
        return json_null();
    }
    size_t len = 0;
    char *ok = rp_escape_utf8(s, strlen(s), &len, NULL);
    json_t *j = jsonh_must(json_stringn(ok, len));
    free(ok);
    return j;
}

static json_t *u64(uint64_t v)
{
    return jsonh_must(json_integer(v > (uint64_t)LLONG_MAX ? LLONG_MAX : (json_int_t)v));
}

static json_t *num(double v)
{
    return jsonh_must(json_real(v));
}

static void put(json_t *obj, const char *key, json_t *value)
{
    if (json_object_set_new(obj, key, value) != 0) {
        abort();
    }
}

static void append(json_t *array, json_t *value)
{
    if (json_array_append_new(array, value) != 0) {
        abort();
    }
}

static json_t *step_json(const struct rp_load_step *s)
{
    json_t *o = jsonh_must(json_object());
    double secs = (double)s->duration_us / 1e6;
    uint64_t failed = s->non_2xx + rp_load_step_errors(s);

    put(o, "index", u64(s->index));
    put(o, "rate", u64(s->rate));
    put(o, "status", jsonh_must(json_string(rp_load_status_name(s->status))));
    put(o, "duration_us", u64(s->duration_us));
    put(o, "elapsed_us", u64(s->elapsed_us));
    put(o, "scheduled", u64(s->scheduled));
    put(o, "sent", u64(s->sent));
    put(o, "not_sent", u64(s->not_sent));
    put(o, "not_sent_at_cap", u64(s->not_sent_at_cap));
    put(o, "ok", u64(s->ok));
    put(o, "non_2xx", u64(s->non_2xx));
    json_t *st = jsonh_must(json_array());
    for (size_t i = 0; i < s->n_statuses; i++) {
        json_t *one = jsonh_must(json_object());
        put(one, "status", jsonh_must(json_integer(s->statuses[i].status)));
        put(one, "count", u64(s->statuses[i].count));
        append(st, one);
    }
    put(o, "statuses", st);
    json_t *te = jsonh_must(json_object());
    put(te, "timeout", u64(s->timeouts));
    put(te, "refused", u64(s->refused));
    put(te, "reset", u64(s->resets));
    put(te, "other", u64(s->other_errors));
    put(o, "transport_errors", te);
    put(o, "over_budget", u64(s->over_budget));
    put(o, "sent_per_s", num(secs > 0 ? (double)s->sent / secs : 0.0));
    put(o, "ok_per_s", num(rp_load_step_ok_rps(s)));
    put(o, "error_rate", num(s->sent > 0 ? (double)failed / (double)s->sent : 0.0));
    json_t *lat = jsonh_must(json_object());
    put(lat, "samples", u64(s->latency.samples));
    put(lat, "p50_us", u64(s->latency.p50_us));
    put(lat, "p90_us", u64(s->latency.p90_us));
    put(lat, "p99_us", u64(s->latency.p99_us));
    put(lat, "max_us", u64(s->latency.max_us));
    put(o, "latency", lat);
    json_t *lag = jsonh_must(json_object());
    put(lag, "p99_us", u64(s->lag_p99_us));
    put(lag, "max_us", u64(s->lag_max_us));
    put(o, "send_lag", lag);
    return o;
}

static json_t *result_json(const struct rp_load *l)
{
    char buf[512];
    json_t *o = jsonh_must(json_object());

    put(o, "stop", jsonh_must(json_string(rp_load_stop_name(l->stop))));
    rp_load_stop_text(l, buf, sizeof(buf));
    put(o, "stop_reason", text(buf));
    if (l->has_knee) {
        json_t *k = jsonh_must(json_object());
        put(k, "step", u64(l->steps[l->knee].index));
        put(k, "rate", u64(l->steps[l->knee].rate));
        put(k, "sustained_per_s", num(l->sustained_rps));
        put(o, "knee", k);
    } else {
        put(o, "knee", json_null());
    }
    rp_load_knee_text(l, buf, sizeof(buf));
    put(o, "summary", text(buf));
    return o;
}

static json_t *load_json(const struct rp_load *l)
{
    char buf[64];
    json_t *o = jsonh_must(json_object());
    bool ramp = l->mode == RP_LOAD_RAMP;

    put(o, "format", jsonh_must(json_string(LOAD_FORMAT)));
    put(o, "format_version", jsonh_must(json_integer(LOAD_FORMAT_VERSION)));
    put(o, "harness_version", text(l->harness_version));
    put(o, "target", text(l->target));
    put(o, "scheme", text(l->scheme));
    put(o, "profile", text(l->profile));
    json_t *topics = jsonh_must(json_array());
    for (const char *p = l->topics; p != NULL && *p != '\0';) {
        size_t n = strcspn(p, ",");
        char *one = xstrndup(p, n);
        append(topics, text(one));
        free(one);
        p += n + (p[n] == ',');
    }
    put(o, "topics", topics);
    put(o, "mode", jsonh_must(json_string(rp_load_mode_name(l->mode))));
    put(o, "rate", ramp ? json_null() : u64(l->rate));
    put(o, "start", ramp ? u64(l->start) : json_null());
    put(o, "max", ramp ? u64(l->max) : json_null());
    put(o, "step_duration_us", u64(l->duration_us));
    put(o, "budget_us", u64(l->budget_us));
    put(o, "timeout_us", u64(l->timeout_us));
    put(o, "concurrency", u64(l->concurrency));
    snprintf(buf, sizeof(buf), "%llu", (unsigned long long)l->seed);
    put(o, "seed", jsonh_must(json_string(buf)));
    if (l->interrupted != NULL) {
        put(o, "interrupted", jsonh_must(json_string(l->interrupted)));
    }
    clock_iso8601(l->started_wall_ms, buf, sizeof(buf));
    put(o, "started_at", jsonh_must(json_string(buf)));
    put(o, "started_wall_ms", u64(l->started_wall_ms));
    put(o, "duration_us", u64(l->total_us));
    json_t *notes = jsonh_must(json_array());
    for (size_t i = 0; i < l->n_notes; i++) {
        append(notes, text(l->notes[i]));
    }
    put(o, "notes", notes);
    put(o, "result", result_json(l));
    json_t *steps = jsonh_must(json_array());
    for (size_t i = 0; i < l->n_steps; i++) {
        append(steps, step_json(&l->steps[i]));
    }
    put(o, "steps", steps);
    return o;
}

int rp_load_json_write(const struct rp_load *l, FILE *f)
{
    json_t *o = load_json(l);
    int rc = json_dumpf(o, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

    json_decref(o);
    fputc('\n', f);
    return rc != 0 || fflush(f) != 0 || ferror(f) ? -1 : 0;
}
