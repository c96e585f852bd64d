/* The streaming GET (see http_client_stream.h). Part of the HTTP client
 * module: one easy handle driven by its own multi handle, so the wait for
 * bytes can be cut every 100 ms to ask the caller whether to stop (a
 * signal only interrupts a wait; libcurl's progress callback may come as
 * seldom as once a second). The header and error-body callbacks are the
 * client's own (http_response.c), on a struct cl_xfer. */
#include "core/http_client_stream.h"
#include "core/http_client_priv.h"

#include <curl/curl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "core/clock.h"
#include "core/xalloc.h"

#define STREAM_CONNECT_TIMEOUT_MS 10000
#define STREAM_POLL_MS            100

struct stream_state {
    const struct http_client_stream_opts *o;
    struct cl_xfer x;
    bool opened;  /* the final headers came */
    bool ok;      /* ... with a 2xx status: the body goes to on_data */
    bool stopped; /* the caller asked to stop */
};

static long stream_status(struct stream_state *s)
{
    long status = 0;

    curl_easy_getinfo(s->x.easy, CURLINFO_RESPONSE_CODE, &status);
    return status;
}

/* The client's header callback, plus: at the blank line that ends the final
 * header block, note the status and tell the caller. */
static size_t stream_on_header(char *ptr, size_t size, size_t nitems, void *userdata)
{
    struct stream_state *s = userdata;
    size_t n = size * nitems;
    bool blank = (n == 2 && ptr[0] == '\r' && ptr[1] == '\n') || (n == 1 && ptr[0] == '\n');

    http_on_header(ptr, size, nitems, &s->x);
    if (blank && !s->opened) {
        long status = stream_status(s);

        if (status >= 200) { /* a 1xx block is followed by another */
            s->opened = true;
            s->ok = status < 300;
            s->x.resp.status = status;
            if (s->ok && s->o->on_open != NULL) {
                s->o->on_open(s->o->arg, &s->x.resp);
            }
        }
    }
    return n;
}

static size_t stream_on_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    struct stream_state *s = userdata;
    size_t n = size * nmemb;

    if (!s->ok) {
        return http_on_body(ptr, size, nmemb, &s->x);
    }
    if (s->o->on_data(s->o->arg, ptr, n) != 0) {
        s->stopped = true;
        return 0; /* libcurl ends the transfer (CURLE_WRITE_ERROR) */
    }
    return n;
}

static int stream_setup(struct stream_state *s, const char **why)
{
    const struct http_client_stream_opts *o = s->o;
    CURL *h = s->x.easy;
    uint64_t ct = o->connect_timeout_ms > 0 ? o->connect_timeout_ms : STREAM_CONNECT_TIMEOUT_MS;

    for (size_t i = 0; i < o->n_headers; i++) {
        struct curl_slist *l;

        if (o->headers[i] == NULL || strpbrk(o->headers[i], "\r\n") != NULL) {
            *why = "a request header line holds CR/LF";
            return -1;
        }
        l = curl_slist_append(s->x.hdrs, o->headers[i]);
        if (l == NULL) {
            *why = "cannot build the header list";
            return -1;
        }
        s->x.hdrs = l;
    }
    if (curl_easy_setopt(h, CURLOPT_URL, o->url) != CURLE_OK) {
        *why = "cannot set the URL";
        return -1;
    }
    curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)(ct < LONG_MAX ? ct : LONG_MAX));
    if (o->idle_timeout_s > 0) {
        /* Under one byte a second for idle_timeout_s seconds: gone. */
        curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
        curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, (long)o->idle_timeout_s);
    }
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, s->x.errbuf);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, stream_on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, (void *)s);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, stream_on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, (void *)s);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, s->x.hdrs);
    if (o->ca_file != NULL) {
        curl_easy_setopt(h, CURLOPT_CAINFO, o->ca_file);
    }
    if (o->insecure) {
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    return 0;
}

/* Drives the transfer until it ends or the caller stops it. Returns
 * libcurl's result. */
static CURLcode stream_drive(struct stream_state *s, CURLM *m)
{
    CURLcode code = CURLE_OK;
    CURLMsg *msg;
    int running = 1;
    int left = 0;

    while (running > 0) {
        if (curl_multi_perform(m, &running) != CURLM_OK) {
            return CURLE_FAILED_INIT;
        }
        if (s->stopped || running == 0) {
            break;
        }
        if (s->o->stop != NULL && s->o->stop(s->o->arg)) {
            s->stopped = true;
            break;
        }
        /* A signal cuts the wait short; the loop then asks stop(). */
        if (curl_multi_poll(m, NULL, 0, STREAM_POLL_MS, NULL) != CURLM_OK) {
            return CURLE_FAILED_INIT;
        }
    }
    while ((msg = curl_multi_info_read(m, &left)) != NULL) {
        if (msg->msg == CURLMSG_DONE) {
            code = msg->data.result;
        }
    }
    return code;
}

static void stream_finish(struct stream_state *s, CURLcode code, struct http_response *resp)
{
    struct http_response *r = &s->x.resp;

    r->status = stream_status(s);
    r->total_us = 0;
    if (s->stopped) {
        r->error = HTTP_ERROR_NONE;
    } else if (code == CURLE_OPERATION_TIMEDOUT && s->opened) {
        r->error = HTTP_ERROR_TIMEOUT;
        snprintf(r->error_text, sizeof(r->error_text), "nothing received for %u s",
                 s->o->idle_timeout_s);
    } else {
        r->error = http_curl_error(code);
        if (code != CURLE_OK) {
            snprintf(r->error_text, sizeof(r->error_text), "%s",
                     s->x.errbuf[0] != '\0' ? s->x.errbuf : curl_easy_strerror(code));
        }
    }
    if (r->headers == NULL) {
        r->headers = xstrdup("");
    }
    if (r->body == NULL) {
        r->body = xstrdup("");
    }
    *resp = *r;
    memset(r, 0, sizeof(*r));
}

enum http_client_stream_end http_client_stream_get(const struct http_client_stream_opts *o,
                                                   struct http_response *resp)
{
    struct stream_state s;
    CURLM *m = NULL;
    const char *why = "cannot start libcurl";
    CURLcode code;

    memset(&s, 0, sizeof(s));
    memset(resp, 0, sizeof(*resp));
    s.o = o;
    s.x.max_body = o->max_error_body > 0 ? o->max_error_body : HTTP_CLIENT_DEFAULT_MAX_BODY;
    s.x.resp.started_wall_ms = clock_wall_ms();
    if (!http_curl_ready() || (s.x.easy = curl_easy_init()) == NULL ||
        (m = curl_multi_init()) == NULL) {
        goto fail;
    }
    if (stream_setup(&s, &why) != 0) {
        goto fail;
    }
    if (curl_multi_add_handle(m, s.x.easy) != CURLM_OK) {
        why = "cannot add the request to a libcurl multi handle";
        goto fail;
    }
    code = stream_drive(&s, m);
    curl_multi_remove_handle(m, s.x.easy);
    stream_finish(&s, code, resp);
    curl_multi_cleanup(m);
    curl_easy_cleanup(s.x.easy);
    curl_slist_free_all(s.x.hdrs);
    return s.stopped ? HTTP_CLIENT_STREAM_STOPPED : HTTP_CLIENT_STREAM_ENDED;
fail:
    http_response_cleanup(&s.x.resp);
    http_response_fail(resp, why);
    if (m != NULL) {
        curl_multi_cleanup(m);
    }
    if (s.x.easy != NULL) {
        curl_easy_cleanup(s.x.easy);
    }
    curl_slist_free_all(s.x.hdrs);
    return HTTP_CLIENT_STREAM_ENDED;
}
