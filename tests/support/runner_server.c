/* The runner's test servers and checks (see runner_server.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/jsonh.h"
#include "harness/cli.h"
#include "harness/command.h"
#include "tests/support/runner_server.h"

/* Adds one processing of id (under the lock); with dedupe, only the first. */
static void rs_count_event(struct rs_server *s, const char *id, bool dedupe)
{
    size_t i;
    pthread_mutex_lock(&s->lock);
    for (i = 0; i < s->n_events; i++) {
        if (strcmp(s->events[i].id, id) == 0) {
            break;
        }
    }
    if (i == s->n_events && s->n_events < MAX_EVENTS) {
        snprintf(s->events[i].id, sizeof(s->events[i].id), "%s", id);
        s->events[i].count = 0;
        s->n_events++;
    }
    if (i < s->n_events && (!dedupe || s->events[i].count == 0)) {
        s->events[i].count++;
        if (s->count_dir != NULL) {
            char path[512];
            snprintf(path, sizeof(path), "%s/%s", s->count_dir, id);
            FILE *f = fopen(path, "w");
            if (f != NULL) {
                fprintf(f, "%lld\n", s->events[i].count);
                fclose(f);
            }
        }
    }
    pthread_mutex_unlock(&s->lock);
}

static void on_delivery(void *ctx, const struct http_server_request *req,
                        struct http_server_reply *rep)
{
    struct rs_server *s = ctx;
    const char *id = http_server_header(req, "x-vambe-event-id");

    switch (s->mode) {
    case MODE_ACCEPT:
        if (id != NULL) {
            rs_count_event(s, id, false);
        }
        http_reply_json(rep, 200, json_pack("{s:b}", "ok", 1));
        return;
    case MODE_REJECT:
        http_reply_error(rep, 401, "no");
        return;
    case MODE_ERROR:
        http_reply_error(rep, 500, "boom");
        return;
    case MODE_REDIRECT:
        http_reply_error(rep, 302, "moved");
        http_reply_header(rep, "Location", "/elsewhere");
        return;
    case MODE_CSRF:
        http_reply_text(rep, 419, "text/html", "<title>Page Expired</title>", 27);
        return;
    case MODE_SLOW:
        clock_sleep_us((uint64_t)s->delay_ms * 1000u);
        http_reply_json(rep, 200, json_pack("{s:b}", "ok", 1));
        return;
    case MODE_VERIFY:
        break;
    }
    if (s->require_token) {
        const char *tok = http_server_header(req, "X-Token");
        const char *q = http_server_query(req, "token");
        if (tok == NULL || strcmp(tok, HDR_SECRET) != 0 || q == NULL || strcmp(q, Q_SECRET) != 0) {
            http_reply_error(rep, 403, "token missing");
            return;
        }
    }
    enum signature_result r =
        signature_verify(SECRET, http_server_header(req, "x-vambe-timestamp"),
                         http_server_header(req, "x-vambe-signature"), req->body, req->body_len,
                         clock_wall_ms(), s->unit, SIGNATURE_TOLERANCE_S);
    if (r != SIGNATURE_OK) {
        http_reply_error(rep, 401, "%s", signature_result_str(r));
        return;
    }
    json_t *body = jsonh_parse(req->body, req->body_len, NULL);
    /* The signed body's id, not the header's: a replay under a new
     * header (SEC-003) is then a duplicate. */
    const char *signed_id = json_string_value(json_object_get(body, "id"));
    if (signed_id != NULL && *signed_id != '\0') {
        id = signed_id;
    }
    if (!json_is_object(body) || id == NULL) {
        json_decref(body);
        http_reply_error(rep, 400, "malformed");
        return;
    }
    const char *topic = http_server_header(req, "x-vambe-event");
    if (s->drop_topic == NULL || topic == NULL || strcmp(topic, s->drop_topic) != 0) {
        rs_count_event(s, id, true);
    }
    json_decref(body);
    http_reply_json(rep, 200, json_pack("{s:s}", "status", "ok"));
}

static void on_probe(void *ctx, const struct http_server_request *req,
                     struct http_server_reply *rep)
{
    struct rs_server *s = ctx;
    long long n = -1;

    if (s->probe_broken) {
        http_reply_error(rep, 500, "probe broken");
        return;
    }
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < s->n_events; i++) {
        if (strcmp(s->events[i].id, req->params[0]) == 0) {
            n = s->events[i].count;
        }
    }
    pthread_mutex_unlock(&s->lock);
    if (n < 0) {
        http_reply_error(rep, 404, "never seen");
        return;
    }
    http_reply_json(rep, 200, json_pack("{s:I}", "count", (json_int_t)n));
}

static const struct http_route routes[] = {
    {"POST", "/hook", on_delivery},
    {"GET", "/probe/{}", on_probe},
};

struct rs_server *rs_server_start(enum rs_mode mode)
{
    struct rs_server *s = calloc(1, sizeof(*s));
    struct http_server_opts o;
    struct err e = {{0}};

    assert_non_null(s);
    s->mode = mode;
    s->unit = SIGNATURE_UNIT_MS;
    pthread_mutex_init(&s->lock, NULL);
    memset(&o, 0, sizeof(o));
    o.bind = "127.0.0.1";
    o.port = 0;
    o.routes = routes;
    o.n_routes = sizeof(routes) / sizeof(routes[0]);
    o.ctx = s;
    o.threads = 0; /* a thread per connection: the slow handler blocks */
    s->http = http_server_start(&o, &e);
    if (s->http == NULL) {
        fprintf(stderr, "server: %s\n", e.msg);
    }
    assert_non_null(s->http);
    s->port = http_server_port(s->http);
    return s;
}

void rs_server_stop(struct rs_server *s)
{
    http_server_stop(s->http);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

/* Runs "vambe-harness run --target <server>/hook --secret SECRET <args>"
 * in process. */
void rs_run(const struct rs_server *s, const char *const *args, struct rs_result *res)
{
    char target[256];
    char *argv[64];
    int argc = 0;
    struct hn_config cfg;
    struct err e = {{0}};

    snprintf(target, sizeof(target), "http://127.0.0.1:%u/hook", s->port);
    argv[argc++] = "vambe-harness";
    argv[argc++] = "run";
    argv[argc++] = "--target";
    argv[argc++] = target;
    argv[argc++] = "--secret";
    argv[argc++] = SECRET;
    for (size_t i = 0; args != NULL && args[i] != NULL; i++) {
        argv[argc++] = (char *)args[i];
    }
    argv[argc] = NULL;
    if (hn_cli_parse(argc, argv, &cfg, &e) != 0) {
        fprintf(stderr, "parse: %s\n", e.msg);
        fail();
    }
    FILE *out = tmpfile();
    assert_non_null(out);
    res->code = hn_command_run(&cfg, out, &res->run);
    rewind(out);
    size_t n = fread(res->out, 1, sizeof(res->out) - 1, out);
    res->out[n] = '\0';
    fclose(out);
    hn_cli_cleanup(&cfg);
}

void rs_result_free(struct rs_result *res)
{
    rp_run_free(res->run);
    res->run = NULL;
}

const struct rp_case *rs_find_case(const struct rp_run *run, const char *id)
{
    for (size_t i = 0; i < run->n_cases; i++) {
        if (strcmp(run->cases[i].id, id) == 0) {
            return &run->cases[i];
        }
    }
    return NULL;
}

void rs_check_verdicts(const struct rs_result *res, const struct rs_want *w, size_t n)
{
    assert_non_null(res->run);
    for (size_t i = 0; i < n; i++) {
        const struct rp_case *c = rs_find_case(res->run, w[i].id);
        assert_non_null(c);
        if (c->verdict != w[i].verdict) {
            fprintf(stderr, "%s: got %s (%s), want %s\n", w[i].id, rp_verdict_name(c->verdict),
                    c->reason ? c->reason : "-", rp_verdict_name(w[i].verdict));
            fprintf(stderr, "%s\n", res->out);
        }
        assert_int_equal(c->verdict, w[i].verdict);
    }
}

/* No secret anywhere in the output or in the model's text fields. */
void rs_check_no_secret(const struct rs_result *res, const char *secret)
{
    assert_null(strstr(res->out, secret));
    const struct rp_run *run = res->run;
    assert_null(strstr(run->target, secret));
    for (size_t i = 0; i < run->n_cases; i++) {
        const struct rp_case *c = &run->cases[i];
        assert_true(c->rerun == NULL || strstr(c->rerun, secret) == NULL);
        for (size_t j = 0; j < c->n_steps; j++) {
            for (size_t k = 0; k < c->steps[j].n_exchanges; k++) {
                const struct rp_exchange *x = &c->steps[j].exchanges[k];
                assert_true(x->url == NULL || strstr(x->url, secret) == NULL);
                assert_true(x->request_headers == NULL ||
                            strstr(x->request_headers, secret) == NULL);
            }
        }
    }
}
