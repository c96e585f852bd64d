/* The side-effect probe (see probe.h). */
#include "harness/probe.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/http_client.h"
#include "core/parse.h"
#include "core/xalloc.h"
#include "harness/shell.h"
#include "harness/url.h"

#define PROBE_PLACEHOLDER "{event_id}"
#define PROBE_OUTPUT_MAX  256
#define PROBE_COUNT_MAX   1000000000LL

extern char **environ;

struct hn_probe {
    char *url_template;
    char *command;
    uint64_t timeout_ms;
    struct http_client *client; /* borrowed from the run */
};

struct hn_probe *hn_probe_new(const struct hn_probe_opts *o, struct err *e)
{
    struct hn_probe *p = NULL;

    if ((o->url_template == NULL) == (o->command == NULL)) {
        err_set(e, "give one probe: --probe-url or --probe-cmd");
        return NULL;
    }
    if (o->url_template != NULL) {
        struct hn_url u;
        if (strstr(o->url_template, PROBE_PLACEHOLDER) == NULL) {
            err_set(e, "--probe-url: the template has no %s", PROBE_PLACEHOLDER);
            return NULL;
        }
        if (hn_url_parse(o->url_template, &u, e) != 0) {
            err_prefix(e, "--probe-url");
            return NULL;
        }
        if (o->client == NULL) {
            err_set(e, "--probe-url: no HTTP client to ask with");
            return NULL;
        }
    }
    p = xcalloc(1, sizeof(*p));
    p->url_template = xstrdup(o->url_template);
    p->command = xstrdup(o->command);
    p->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : 5000;
    p->client = o->client;
    return p;
}

void hn_probe_free(struct hn_probe *p)
{
    if (p == NULL) {
        return;
    }
    free(p->url_template);
    free(p->command);
    free(p);
}

const char *hn_probe_kind(const struct hn_probe *p)
{
    return p->url_template != NULL ? "url" : "cmd";
}

char *hn_probe_fill(const char *tmpl, const char *placeholder, const char *value)
{
    size_t plen = strlen(placeholder);
    size_t vlen = strlen(value);
    size_t n = 0;

    for (const char *s = strstr(tmpl, placeholder); s != NULL; s = strstr(s + plen, placeholder)) {
        n++;
    }
    char *out = xmalloc(strlen(tmpl) + n * vlen + 1);
    size_t o = 0;
    const char *s = tmpl;
    for (const char *hit = strstr(s, placeholder); hit != NULL; hit = strstr(s, placeholder)) {
        memcpy(out + o, s, (size_t)(hit - s));
        o += (size_t)(hit - s);
        memcpy(out + o, value, vlen); // NOLINT(bugprone-not-null-terminated-result): ended below
        o += vlen;
        s = hit + plen;
    }
    memcpy(out + o, s, strlen(s) + 1);
    return out;
}

/* Reads N from {"count": N} or a bare N. */
static int probe_parse_json(const char *body, size_t len, long long *count)
{
    json_t *j = json_loadb(body, len, JSON_DECODE_ANY, NULL);
    json_t *c = json_is_object(j) ? json_object_get(j, "count") : j;
    int rc = -1;

    if (json_is_integer(c) && json_integer_value(c) >= 0) {
        *count = (long long)json_integer_value(c);
        rc = 0;
    }
    json_decref(j);
    return rc;
}

static void probe_record(struct rp_exchange *x, const char *url, const char *id,
                         const struct http_response *resp)
{
    char *shown = hn_url_redact(url);

    rp_set(&x->method, "GET");
    rp_set(&x->url, shown);
    rp_set(&x->event_id, id);
    x->status = resp->status;
    rp_set(&x->response_headers, resp->headers);
    free(x->response_body);
    x->response_body = xmalloc(resp->body_len + 1);
    memcpy(x->response_body, resp->body != NULL ? resp->body : "", resp->body_len);
    x->response_body[resp->body_len] = '\0';
    x->response_body_len = resp->body_len;
    x->response_body_truncated = resp->body_truncated;
    rp_set(&x->error, resp->error != HTTP_ERROR_NONE ? http_error_name(resp->error) : NULL);
    x->connect_us = resp->connect_us;
    x->first_byte_us = resp->first_byte_us;
    x->total_us = resp->total_us;
    free(shown);
}

int hn_probe_get(struct http_client *client, const char *what, const char *tmpl,
                 const char *placeholder, const char *id, uint64_t timeout_ms,
                 struct http_response *resp, char **shown, struct rp_exchange *x, struct err *e)
{
    char *url = hn_probe_fill(tmpl, placeholder, id);
    struct http_request req;
    int rc = -1;

    *shown = hn_url_redact(url);
    memset(&req, 0, sizeof(req));
    memset(resp, 0, sizeof(*resp));
    req.method = "GET";
    req.url = url;
    req.timeout_ms = timeout_ms;
    req.max_body = 4096;
    if (http_client_run(client, &req, resp, 1, 1) != 0) {
        err_set(e, "%s %s: the HTTP client failed", what, *shown);
        goto out;
    }
    if (x != NULL) {
        probe_record(x, url, id, resp);
    }
    if (resp->error != HTTP_ERROR_NONE) {
        err_set(e, "%s %s: no answer: %s", what, *shown, http_error_name(resp->error));
        goto out;
    }
    rc = 0;
out:
    free(url);
    return rc;
}

static int probe_count_url(struct hn_probe *p, const char *id, long long *count,
                           struct rp_exchange *x, struct err *e)
{
    char *shown = NULL;
    struct http_response resp;
    int rc = -1;

    if (hn_probe_get(p->client, "probe", p->url_template, PROBE_PLACEHOLDER, id, p->timeout_ms,
                     &resp, &shown, x, e) != 0) {
        goto out;
    }
    if (resp.status == 404) {
        *count = 0;
        rc = 0;
    } else if (resp.status != 200) {
        err_set(e, "probe %s answered %ld (expected 200 with {\"count\": N}, or 404)", shown,
                resp.status);
    } else if (probe_parse_json(resp.body, resp.body_len, count) != 0) {
        err_set(e, "probe %s answered 200 without {\"count\": N}: %.60s", shown,
                resp.body != NULL ? resp.body : "");
    } else {
        rc = 0;
    }
out:
    http_response_cleanup(&resp);
    free(shown);
    return rc;
}

/* environ plus VAMBE_EVENT_ID=id, built before fork so the child only has
 * async-signal-safe work left. Caller frees the array and its last entry. */
static char **probe_env(const char *id, char **mine)
{
    size_t n = 0;

    while (environ[n] != NULL) {
        n++;
    }
    char **env = xcalloc(n + 2, sizeof(char *));
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (strncmp(environ[i], "VAMBE_EVENT_ID=", 15) != 0) {
            env[k++] = environ[i];
        }
    }
    *mine = xasprintf("VAMBE_EVENT_ID=%s", id);
    env[k] = *mine;
    return env;
}

/* The count a command printed: one number, blanks around it allowed. */
static int probe_parse_output(char *out, long long *count, struct err *e)
{
    char *s = out;
    struct err pe = {{0}};

    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r') {
        s++;
    }
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r')) {
        s[--n] = '\0';
    }
    if (parse_int(s, 0, PROBE_COUNT_MAX, count, &pe) != 0) {
        return err_set(e, "probe command printed '%.40s', not a count", s);
    }
    return 0;
}

static int probe_count_cmd(struct hn_probe *p, const char *id, long long *count, struct err *e)
{
    char *mine = NULL;
    char **env = probe_env(id, &mine);
    char out[PROBE_OUTPUT_MAX + 1];
    int status = 0;
    int rc = -1;

    if (hn_shell_run("probe command", p->command, env, p->timeout_ms, HN_SHELL_KILL_GROUP, out,
                     sizeof(out), &status, e) != 0) {
        goto out;
    }
    if (status != 0) {
        err_set(e, "probe command failed (exit status %d)", status);
        goto out;
    }
    rc = probe_parse_output(out, count, e);
out:
    free(mine);
    free(env);
    return rc;
}

int hn_probe_count(struct hn_probe *p, const char *event_id, long long *count,
                   struct rp_exchange *x, struct err *e)
{
    if (p->url_template != NULL) {
        return probe_count_url(p, event_id, count, x, e);
    }
    return probe_count_cmd(p, event_id, count, e);
}

/* Asks for every event; with step set, records the exchanges. */
static int probe_round(struct hn_probe *p, const char *const *ids, size_t n, long long *seen,
                       struct rp_step *step, struct err *e)
{
    for (size_t i = 0; i < n; i++) {
        struct rp_exchange *x = NULL;
        if (step != NULL && p->url_template != NULL) {
            x = rp_step_add_exchange(step);
        }
        if (hn_probe_count(p, ids[i], &seen[i], x, e) != 0) {
            return -1;
        }
    }
    return 0;
}

enum hn_probe_outcome hn_probe_expect(struct hn_probe *p, const char *const *ids, size_t n,
                                      long long expected, uint64_t wait_ms, uint64_t settle_ms,
                                      long long *seen, struct rp_step *step, struct err *e)
{
    uint64_t deadline = clock_mono_us() + wait_ms * 1000u;

    for (;;) {
        bool reached = true;
        bool over = false;
        if (probe_round(p, ids, n, seen, NULL, e) != 0) {
            return HN_PROBE_FAILED;
        }
        for (size_t i = 0; i < n; i++) {
            reached = reached && seen[i] >= expected;
            over = over || seen[i] > expected;
        }
        if (over) {
            /* Counts only grow: waiting cannot bring it back. */
            break;
        }
        if (reached || clock_mono_us() >= deadline) {
            break;
        }
        clock_sleep_us(HN_PROBE_POLL_MS * 1000u);
    }
    clock_sleep_us(settle_ms * 1000u);
    if (probe_round(p, ids, n, seen, step, e) != 0) {
        return HN_PROBE_FAILED;
    }
    for (size_t i = 0; i < n; i++) {
        if (seen[i] != expected) {
            return HN_PROBE_NOT_MET;
        }
    }
    return HN_PROBE_MET;
}
