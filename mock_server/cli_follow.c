/* `vambe-mock calls --follow` (see cli_follow.h): one connection at a time
 * to GET /mock/stream through core's streaming GET, its bytes through the
 * SSE parser, each `call` message printed as it comes.
 *
 * Why not resume with Last-Event-ID: the ids are positions in one mock's
 * call log, and a restarted mock without --db starts counting again, so an
 * old id would name records it never had. Attempts made while the follower
 * was away are in the call log (`vambe-mock calls`). */
#include "mock_server/cli_follow.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/exit.h"
#include "core/http_client_stream.h"
#include "mock_server/cli_render.h"
#include "mock_server/sse.h"

#define FOLLOW_SLICE_MS 100 /* a backoff sleep checks the stop flag this often */

/* Set by SIGINT and SIGTERM (the one global STYLE allows: the stop flag). */
static volatile sig_atomic_t follow_stop;

static void follow_on_signal(int sig)
{
    (void)sig;
    follow_stop = 1;
}

struct follow_run {
    const struct ms_follow *f;
    FILE *out;
    FILE *errout;
    bool color;
    struct ms_sse *sse;
    size_t overflows; /* ms_sse_overflows already reported */
    bool opened;      /* this connection got its 2xx */
    bool lost;        /* "stream lost" was printed: the next 2xx says "reconnected" */
    int fatal;        /* not 0: end with this exit code */
};

static bool follow_should_stop(void *arg)
{
    (void)arg;
    return follow_stop != 0;
}

static void follow_on_open(void *arg, const struct http_response *resp)
{
    struct follow_run *r = arg;
    char ctype[128];

    if (http_response_header(resp, "Content-Type", ctype, sizeof(ctype)) != 0 ||
        strncasecmp(ctype, "text/event-stream", strlen("text/event-stream")) != 0) {
        fprintf(r->errout,
                "%s: GET /mock/stream answered %ld without an event stream: is it a "
                "vambe-mock?\n",
                MS_CLIENT_PROGRAM, resp->status);
        r->fatal = KIT_EXIT_ENV;
        return;
    }
    r->opened = true;
    if (r->lost) {
        fprintf(r->errout, "%s: reconnected\n", MS_CLIENT_PROGRAM);
        fflush(r->errout);
        r->lost = false;
    }
}

static void follow_call(struct follow_run *r, const struct ms_sse_event *ev)
{
    json_t *rec;

    if (r->f->json) {
        /* The record as the mock sent it: one JSON object on one line. */
        fwrite(ev->data, 1, ev->data_len, r->out);
        fputc('\n', r->out);
        fflush(r->out);
        return;
    }
    rec = json_loadb(ev->data, ev->data_len, 0, NULL);
    if (!json_is_object(rec)) {
        fprintf(r->errout, "%s: a call message that is not a JSON object was skipped\n",
                MS_CLIENT_PROGRAM);
    } else {
        ms_cli_render_call_line(r->out, rec, r->color);
    }
    json_decref(rec);
}

static int follow_on_event(void *arg, const struct ms_sse_event *ev)
{
    struct follow_run *r = arg;

    if (strcmp(ev->type, "call") == 0) {
        follow_call(r, ev);
    } else if (strcmp(ev->type, "dropped") == 0) {
        json_t *j = json_loadb(ev->data, ev->data_len, 0, NULL);
        json_t *missed = json_object_get(j, "missed");

        if (json_is_integer(missed)) {
            fprintf(r->errout,
                    "%s: %" JSON_INTEGER_FORMAT " attempts were missed (this follower fell "
                    "behind); the call log has them: %s calls\n",
                    MS_CLIENT_PROGRAM, json_integer_value(missed), MS_CLIENT_PROGRAM);
        } else {
            fprintf(r->errout, "%s: some attempts were missed (this follower fell behind)\n",
                    MS_CLIENT_PROGRAM);
        }
        fflush(r->errout);
        json_decref(j);
    }
    /* Other messages are for other readers. */
    return follow_stop != 0;
}

static int follow_on_data(void *arg, const char *buf, size_t len)
{
    struct follow_run *r = arg;
    int rc;

    if (r->fatal != 0) {
        return 1;
    }
    rc = ms_sse_feed(r->sse, buf, len);
    if (ms_sse_overflows(r->sse) > r->overflows) {
        r->overflows = ms_sse_overflows(r->sse);
        fprintf(r->errout, "%s: a message larger than %d bytes was skipped\n", MS_CLIENT_PROGRAM,
                MS_SSE_MAX_DEFAULT);
    }
    return rc;
}

/* Why the connection ended or never opened, for "stream lost (...)". */
static void follow_reason(const struct follow_run *r, const struct http_response *resp, char *out,
                          size_t size)
{
    if (resp->status >= 500) {
        snprintf(out, size, "the mock answered %ld", resp->status);
        return;
    }
    switch (resp->error) {
    case HTTP_ERROR_NONE:
        snprintf(out, size, "%s",
                 r->opened ? "the mock closed the stream" : "the mock answered without a stream");
        return;
    case HTTP_ERROR_REFUSED:
        snprintf(out, size, "connection refused");
        return;
    case HTTP_ERROR_RESET:
        snprintf(out, size, "connection reset");
        return;
    case HTTP_ERROR_TIMEOUT:
        snprintf(out, size, "%s", r->opened ? resp->error_text : "timed out");
        return;
    default:
        snprintf(out, size, "%s", resp->error_text);
        return;
    }
}

/* Sleeps ms, or less when a stop signal comes. */
static void follow_sleep(unsigned ms)
{
    while (ms > 0 && !follow_stop) {
        unsigned slice = ms < FOLLOW_SLICE_MS ? ms : FOLLOW_SLICE_MS;
        struct timespec ts = {.tv_sec = 0, .tv_nsec = (long)slice * 1000000L};

        nanosleep(&ts, NULL); /* EINTR: the loop looks at the flag */
        ms -= slice;
    }
}

static char *follow_url(const struct ms_follow *f)
{
    const char *names[] = {"webhook_id", "topic", "outcome", "event_id"};
    const char *values[] = {f->webhook_id, f->topic, f->outcome, f->event_id};
    char *url = ms_client_url(&f->client, "/mock/stream");

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (values[i] != NULL) {
            url = ms_client_query(url, names[i], values[i]);
        }
    }
    return url;
}

/* One connection, to its end. Returns -1 to connect again, else the exit
 * code (0 after a stop signal). */
static int follow_connect(struct follow_run *r, const char *url, const char *const *headers,
                          unsigned *backoff_ms)
{
    struct http_client_stream_opts o;
    struct http_response resp;
    enum http_client_stream_end end;
    char why[300];
    int ret = 0;

    memset(&o, 0, sizeof(o));
    o.url = url;
    o.headers = headers;
    o.n_headers = 3;
    o.ca_file = r->f->client.ca_file;
    o.insecure = r->f->client.insecure;
    o.idle_timeout_s = MS_FOLLOW_IDLE_S;
    o.on_open = follow_on_open;
    o.on_data = follow_on_data;
    o.stop = follow_should_stop;
    o.arg = r;
    r->opened = false;
    ms_sse_reset(r->sse);
    end = http_client_stream_get(&o, &resp);
    if (r->fatal != 0) {
        ret = r->fatal;
    } else if (end == HTTP_CLIENT_STREAM_STOPPED || follow_stop) {
        ret = 0;
    } else if (resp.status >= 400 && resp.status < 500) {
        ret = ms_client_refused(&resp, r->errout);
    } else {
        if (r->opened) {
            *backoff_ms = MS_FOLLOW_BACKOFF_FIRST_MS; /* it worked: start again from the bottom */
        }
        if (!r->lost) {
            follow_reason(r, &resp, why, sizeof(why));
            fprintf(r->errout, "%s: stream lost (%s); reconnecting…\n", MS_CLIENT_PROGRAM, why);
            fflush(r->errout);
            r->lost = true;
        }
        ret = -1;
    }
    http_response_cleanup(&resp);
    return ret;
}

int ms_cli_follow_run(const struct ms_follow *f, FILE *out, FILE *errout)
{
    struct follow_run r;
    struct sigaction sa;
    char *url = follow_url(f);
    char *key_line = ms_client_key_line(&f->client);
    const char *headers[3] = {key_line, "Accept: text/event-stream", "Cache-Control: no-cache"};
    unsigned backoff_ms = MS_FOLLOW_BACKOFF_FIRST_MS;
    int ret = -1;

    memset(&r, 0, sizeof(r));
    r.f = f;
    r.out = out;
    r.errout = errout;
    r.color = !f->json && ms_cli_render_color(out);
    r.sse = ms_sse_new(MS_SSE_MAX_DEFAULT, follow_on_event, &r);
    /* No SA_RESTART: a signal cuts a wait short. */
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = follow_on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    follow_stop = 0;
    while (ret < 0 && !follow_stop) {
        ret = follow_connect(&r, url, headers, &backoff_ms);
        if (ret < 0) {
            follow_sleep(backoff_ms);
            backoff_ms = backoff_ms * 2 < MS_FOLLOW_BACKOFF_MAX_MS ? backoff_ms * 2
                                                                   : MS_FOLLOW_BACKOFF_MAX_MS;
        }
    }
    ms_sse_free(r.sse);
    ms_client_free_key(key_line);
    free(url);
    return ret < 0 ? KIT_EXIT_OK : ret;
}
