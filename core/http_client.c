/* http_client: the kit's one wrapper over libcurl's multi interface.
 *
 * One CURLM per client holds the connection cache, so connections are
 * reused between requests of a client. Finished easy handles go back to a
 * small pool and are reset and reused, which saves their set-up cost.
 *
 * A request's life: cl_start() takes an easy handle from the pool, sets it
 * up and adds it to the multi handle; cl_collect() picks finished ones from
 * curl_multi_info_read() and either moves the answer into the caller's slot
 * (http_client_run) or queues it for http_client_poll() to report through
 * the done callback. */
#include "core/http_client.h"
#include "core/http_client_priv.h"

#include <curl/curl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/clock.h"
#include "core/xalloc.h"

#define CL_DEFAULT_TIMEOUT_MS 5000
#define CL_POOL_MAX           256 /* idle easy handles kept for reuse */
#define CL_RUN_POLL_MS        1000

struct http_client {
    CURLM *multi;
    char *ca_file;
    bool insecure;
    struct curl_slist *resolve; /* http_client_opts.resolve; NULL when none */
    struct cl_xfer *active;     /* in the multi handle */
    struct cl_xfer *done_head;  /* finished add()ed requests not yet reported */
    struct cl_xfer *done_tail;
    struct cl_xfer *idle; /* pool */
    size_t n_idle;
    size_t pending;      /* add()ed and not yet reported */
    size_t run_inflight; /* http_client_run's requests in the multi handle */
    atomic_bool woken;
};

static pthread_once_t cl_init_once = PTHREAD_ONCE_INIT;
static CURLcode cl_init_rc = CURLE_FAILED_INIT; /* written once, under cl_init_once */

static void cl_global_init(void)
{
    cl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

bool http_curl_ready(void)
{
    pthread_once(&cl_init_once, cl_global_init);
    return cl_init_rc == CURLE_OK;
}

/* ---- transfers -------------------------------------------------------- */

static struct cl_xfer *cl_xfer_get(struct http_client *c)
{
    struct cl_xfer *x = c->idle;

    if (x != NULL) {
        c->idle = x->next;
        c->n_idle--;
        curl_easy_reset(x->easy);
    } else {
        x = xcalloc(1, sizeof(*x));
        x->easy = curl_easy_init();
        if (x->easy == NULL) {
            free(x);
            return NULL;
        }
    }
    x->prev = NULL;
    x->next = NULL;
    x->hdrs = NULL;
    x->tag = NULL;
    x->slot = NULL;
    x->body_cap = 0;
    x->headers_cap = 0;
    x->errbuf[0] = '\0';
    memset(&x->resp, 0, sizeof(x->resp));
    return x;
}

static void cl_xfer_destroy(struct cl_xfer *x)
{
    http_response_cleanup(&x->resp);
    curl_slist_free_all(x->hdrs);
    curl_easy_cleanup(x->easy);
    free(x);
}

/* Returns a finished transfer's handle to the pool (its response buffers
 * must have been moved out or are freed here). */
static void cl_xfer_release(struct http_client *c, struct cl_xfer *x)
{
    http_response_cleanup(&x->resp);
    curl_slist_free_all(x->hdrs);
    x->hdrs = NULL;
    if (c->n_idle >= CL_POOL_MAX) {
        cl_xfer_destroy(x);
        return;
    }
    x->next = c->idle;
    c->idle = x;
    c->n_idle++;
}

/* Does the caller's header list set this header (or remove it)? */
static bool cl_has_header(const struct http_request *req, const char *name)
{
    size_t len = strlen(name);

    for (size_t i = 0; i < req->n_headers; i++) {
        const char *h = req->headers[i];

        if (h != NULL && strncasecmp(h, name, len) == 0 && (h[len] == ':' || h[len] == ';')) {
            return true;
        }
    }
    return false;
}

static int cl_add_line(struct cl_xfer *x, const char *line)
{
    struct curl_slist *l = curl_slist_append(x->hdrs, line);

    if (l == NULL) {
        return -1; /* x->hdrs is untouched; cl_xfer_release frees it */
    }
    x->hdrs = l;
    return 0;
}

static int cl_build_headers(struct cl_xfer *x, const struct http_request *req, bool has_body,
                            const char **why)
{
    for (size_t i = 0; i < req->n_headers; i++) {
        const char *h = req->headers[i];

        if (h == NULL || h[0] == '\0' || strpbrk(h, "\r\n") != NULL) {
            *why = "a request header line is empty or holds CR/LF";
            return -1;
        }
        if (cl_add_line(x, h) != 0) {
            *why = "cannot build the header list";
            return -1;
        }
    }
    /* libcurl's defaults the kit does not want on the wire unless the
     * caller asks: "Expect: 100-continue" (on bodies over 1 MiB) costs a
     * round trip or a 1 s wait, the catch-all Accept header is noise, and a
     * body's Content-Type is the caller's or absent, never libcurl's form
     * encoding. */
    if ((!cl_has_header(req, "Expect") && cl_add_line(x, "Expect:") != 0) ||
        (!cl_has_header(req, "Accept") && cl_add_line(x, "Accept:") != 0) ||
        (has_body && !cl_has_header(req, "Content-Type") && cl_add_line(x, "Content-Type:") != 0)) {
        *why = "cannot build the header list";
        return -1;
    }
    return 0;
}

static int cl_xfer_setup(const struct http_client *c, struct cl_xfer *x,
                         const struct http_request *req, const char **why)
{
    CURL *h = x->easy;
    const char *method = req->method != NULL ? req->method : "POST";
    size_t body_len = req->body != NULL ? req->body_len : 0;
    bool has_body = body_len > 0 || strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0 ||
                    strcmp(method, "PATCH") == 0;
    uint64_t timeout_ms = req->timeout_ms > 0 ? req->timeout_ms : CL_DEFAULT_TIMEOUT_MS;

    x->max_body = req->max_body > 0 ? req->max_body : HTTP_CLIENT_DEFAULT_MAX_BODY;
    x->resp.started_wall_ms = clock_wall_ms();
    if (timeout_ms > (uint64_t)(LONG_MAX / 2)) {
        timeout_ms = (uint64_t)(LONG_MAX / 2);
    }
    if (cl_build_headers(x, req, has_body, why) != 0) {
        return -1;
    }
    if (curl_easy_setopt(h, CURLOPT_URL, req->url) != CURLE_OK) {
        *why = "cannot set the URL";
        return -1;
    }
    curl_easy_setopt(h, CURLOPT_PRIVATE, (void *)x);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
    curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, req->new_connection ? 1L : 0L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    /* Webhook senders speak HTTP/1.1; never let ALPN pick h2. */
    curl_easy_setopt(h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, x->errbuf);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, http_on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, (void *)x);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, http_on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, (void *)x);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, x->hdrs);
    if (c->ca_file != NULL) {
        curl_easy_setopt(h, CURLOPT_CAINFO, c->ca_file);
    }
    if (c->insecure) {
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    curl_easy_setopt(h, CURLOPT_RESOLVE, c->resolve);

    if (strcmp(method, "HEAD") == 0) {
        curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else if (has_body) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
        /* libcurl copies the body: the caller may free it at once. */
        if (curl_easy_setopt(h, CURLOPT_COPYPOSTFIELDS, body_len > 0 ? req->body : "") !=
            CURLE_OK) {
            *why = "cannot copy the request body";
            return -1;
        }
        if (strcmp(method, "POST") != 0) {
            curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
        }
    } else if (strcmp(method, "GET") == 0) {
        curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    } else {
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    }
    return 0;
}

/* Starts one request. On failure returns -1 and, when slot is set, fills it
 * with an HTTP_ERROR_OTHER answer. */
static int cl_start(struct http_client *c, const struct http_request *req, void *tag,
                    struct http_response *slot)
{
    struct cl_xfer *x = NULL;
    const char *why = "no request or no URL";

    if (req == NULL || req->url == NULL) {
        goto fail;
    }
    x = cl_xfer_get(c);
    if (x == NULL) {
        why = "cannot create a libcurl handle";
        goto fail;
    }
    if (cl_xfer_setup(c, x, req, &why) != 0) {
        goto fail;
    }
    if (curl_multi_add_handle(c->multi, x->easy) != CURLM_OK) {
        why = "cannot add the request to the libcurl multi handle";
        goto fail;
    }
    x->tag = tag;
    x->slot = slot;
    x->next = c->active;
    if (c->active != NULL) {
        c->active->prev = x;
    }
    c->active = x;
    if (slot != NULL) {
        c->run_inflight++;
    }
    return 0;
fail:
    if (x != NULL) {
        cl_xfer_release(c, x);
    }
    if (slot != NULL) {
        http_response_fail(slot, why);
    }
    return -1;
}

static void cl_active_unlink(struct http_client *c, struct cl_xfer *x)
{
    if (x->prev != NULL) {
        x->prev->next = x->next;
    } else {
        c->active = x->next;
    }
    if (x->next != NULL) {
        x->next->prev = x->prev;
    }
    x->prev = NULL;
    x->next = NULL;
}

static uint64_t cl_info_us(CURL *h, CURLINFO what)
{
    curl_off_t v = 0;

    if (curl_easy_getinfo(h, what, &v) != CURLE_OK || v < 0) {
        return 0;
    }
    return (uint64_t)v;
}

/* Fills the response of a finished transfer from libcurl's records. */
static void cl_xfer_finish(struct cl_xfer *x, CURLcode code)
{
    struct http_response *r = &x->resp;
    long status = 0;

    curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
    r->status = status;
    r->connect_us = cl_info_us(x->easy, CURLINFO_CONNECT_TIME_T);
    r->tls_us = cl_info_us(x->easy, CURLINFO_APPCONNECT_TIME_T);
    long connects = 0;
    curl_easy_getinfo(x->easy, CURLINFO_NUM_CONNECTS, &connects);
    r->connected = connects > 0;
    r->first_byte_us = cl_info_us(x->easy, CURLINFO_STARTTRANSFER_TIME_T);
    r->total_us = cl_info_us(x->easy, CURLINFO_TOTAL_TIME_T);
    r->error = http_curl_error(code);
    if (code == CURLE_OUT_OF_MEMORY) {
        /* libcurl 7.x (Debian 12) reports a response header over its
         * limit (CURL_MAX_HTTP_HEADER) as "Out of memory"; the kit's own
         * allocations abort on a real shortage. The peer broke HTTP. */
        r->error = HTTP_ERROR_PROTOCOL;
        snprintf(r->error_text, sizeof(r->error_text), "a response header is larger than %d bytes",
                 CURL_MAX_HTTP_HEADER);
    } else if (code == CURLE_RECV_ERROR && strstr(x->errbuf, "chunked-encoding") != NULL) {
        /* libcurl 7.88 reports a chunked encoding it cannot parse as a
         * receive error, like a reset; only its words tell them apart:
         * "Illegal or missing hexadecimal sequence in chunked-encoding"
         * (or "Malformed encoding found", "Too long hexadecimal number")
         * against "Recv failure: Connection reset by peer". The peer
         * sent bytes that are not HTTP. */
        r->error = HTTP_ERROR_PROTOCOL;
        snprintf(r->error_text, sizeof(r->error_text),
                 "the response's chunked encoding is broken: %.200s", x->errbuf);
    } else if (code != CURLE_OK) {
        snprintf(r->error_text, sizeof(r->error_text), "%s",
                 x->errbuf[0] != '\0' ? x->errbuf : curl_easy_strerror(code));
    }
    if (r->headers == NULL) {
        r->headers = xstrdup("");
    }
    if (r->body == NULL) {
        r->body = xstrdup("");
    }
}

/* Moves finished transfers out of the multi handle. Returns how many. */
static int cl_collect(struct http_client *c)
{
    CURLMsg *m;
    int left = 0;
    int n = 0;

    while ((m = curl_multi_info_read(c->multi, &left)) != NULL) {
        CURL *easy = m->easy_handle;
        CURLcode code = m->data.result;
        char *priv = NULL;
        struct cl_xfer *x;

        if (m->msg != CURLMSG_DONE) {
            continue;
        }
        curl_easy_getinfo(easy, CURLINFO_PRIVATE, &priv);
        x = (struct cl_xfer *)(void *)priv;
        curl_multi_remove_handle(c->multi, easy); /* m is invalid from here */
        cl_active_unlink(c, x);
        cl_xfer_finish(x, code);
        if (x->slot != NULL) {
            *x->slot = x->resp;
            memset(&x->resp, 0, sizeof(x->resp));
            c->run_inflight--;
            cl_xfer_release(c, x);
        } else if (c->done_tail != NULL) {
            c->done_tail->next = x;
            c->done_tail = x;
        } else {
            c->done_head = c->done_tail = x;
        }
        n++;
    }
    return n;
}

/* Drives transfers once; when none finished, waits up to wait_ms for
 * activity and drives them again. Returns the number finished or -1. */
static int cl_step(struct http_client *c, int wait_ms)
{
    int running = 0;
    int n;
    CURLMcode mc;

    mc = curl_multi_perform(c->multi, &running);
    if (mc != CURLM_OK) {
        goto fail;
    }
    n = cl_collect(c);
    if (n > 0 || wait_ms <= 0) {
        return n;
    }
    mc = curl_multi_poll(c->multi, NULL, 0, wait_ms, NULL);
    if (mc != CURLM_OK) {
        goto fail;
    }
    mc = curl_multi_perform(c->multi, &running);
    if (mc != CURLM_OK) {
        goto fail;
    }
    return cl_collect(c);
fail:
    return -1;
}

/* ---- public API ------------------------------------------------------- */

struct http_client *http_client_new(const struct http_client_opts *opts)
{
    struct http_client *c;

    if (!http_curl_ready()) {
        return NULL;
    }
    c = xcalloc(1, sizeof(*c));
    atomic_init(&c->woken, false);
    c->multi = curl_multi_init();
    if (c->multi == NULL) {
        free(c);
        return NULL;
    }
    if (opts != NULL) {
        c->ca_file = xstrdup(opts->ca_file);
        c->insecure = opts->insecure;
        if (http_resolve_list(opts, &c->resolve) != 0) {
            http_client_free(c);
            return NULL;
        }
        curl_multi_setopt(c->multi, CURLMOPT_MAX_HOST_CONNECTIONS,
                          (long)opts->max_host_connections);
        curl_multi_setopt(c->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS,
                          (long)opts->max_total_connections);
        if (opts->max_idle_connections > 0) {
            curl_multi_setopt(c->multi, CURLMOPT_MAXCONNECTS, (long)opts->max_idle_connections);
        }
    }
    return c;
}

void http_client_free(struct http_client *c)
{
    struct cl_xfer *x;

    if (c == NULL) {
        return;
    }
    while ((x = c->active) != NULL) {
        c->active = x->next; /* the whole list goes: no need to unlink */
        curl_multi_remove_handle(c->multi, x->easy);
        cl_xfer_destroy(x);
    }
    while ((x = c->done_head) != NULL) {
        c->done_head = x->next;
        cl_xfer_destroy(x);
    }
    while ((x = c->idle) != NULL) {
        c->idle = x->next;
        cl_xfer_destroy(x);
    }
    curl_multi_cleanup(c->multi);
    curl_slist_free_all(c->resolve);
    free(c->ca_file);
    free(c);
}

int http_client_run(struct http_client *c, const struct http_request *req,
                    struct http_response *resp, size_t n, unsigned concurrency)
{
    size_t next = 0;
    int ret = 0;

    if (c == NULL || (n > 0 && (req == NULL || resp == NULL))) {
        return -1;
    }
    if (concurrency == 0) {
        concurrency = 1;
    }
    for (size_t i = 0; i < n; i++) {
        memset(&resp[i], 0, sizeof(resp[i]));
    }
    for (;;) {
        while (next < n && c->run_inflight < concurrency) {
            cl_start(c, &req[next], NULL, &resp[next]); /* a failure fills resp */
            next++;
        }
        if (c->run_inflight == 0 && next >= n) {
            break;
        }
        if (c->run_inflight > 0 && cl_step(c, CL_RUN_POLL_MS) < 0) {
            ret = -1;
            break;
        }
    }
    if (ret != 0) {
        /* The multi handle failed: answer every request of this run. */
        struct cl_xfer *x = c->active;

        while (x != NULL) {
            struct cl_xfer *following = x->next;

            if (x->slot != NULL) {
                cl_active_unlink(c, x);
                curl_multi_remove_handle(c->multi, x->easy);
                http_response_fail(x->slot, "the libcurl multi handle failed");
                c->run_inflight--;
                cl_xfer_release(c, x);
            }
            x = following;
        }
        for (; next < n; next++) {
            http_response_fail(&resp[next], "the libcurl multi handle failed");
        }
    }
    return ret;
}

int http_client_add(struct http_client *c, const struct http_request *req, void *tag)
{
    if (c == NULL || cl_start(c, req, tag, NULL) != 0) {
        return -1;
    }
    c->pending++;
    return 0;
}

int http_client_poll(struct http_client *c, int wait_ms, http_client_done_fn done, void *arg)
{
    uint64_t deadline;
    struct cl_xfer *x;

    if (c == NULL) {
        return -1;
    }
    if (wait_ms < 0) {
        wait_ms = 0;
    }
    deadline = clock_mono_us() + (uint64_t)wait_ms * 1000;
    for (;;) {
        uint64_t now;
        int left_ms;

        if (c->done_head != NULL || atomic_exchange(&c->woken, false)) {
            break;
        }
        now = clock_mono_us();
        left_ms = now >= deadline ? 0 : (int)((deadline - now + 999) / 1000);
        if (cl_step(c, left_ms) < 0) {
            return -1;
        }
        if (left_ms == 0) {
            break;
        }
    }
    /* Report outside the queue: done may call http_client_add. */
    while ((x = c->done_head) != NULL) {
        struct http_response r = x->resp;
        void *tag = x->tag;

        c->done_head = x->next;
        if (c->done_head == NULL) {
            c->done_tail = NULL;
        }
        memset(&x->resp, 0, sizeof(x->resp));
        cl_xfer_release(c, x);
        c->pending--;
        if (done != NULL) {
            done(arg, tag, &r);
        } else {
            http_response_cleanup(&r);
        }
    }
    return 0;
}

size_t http_client_pending(const struct http_client *c)
{
    return c != NULL ? c->pending : 0;
}

void http_client_wakeup(struct http_client *c)
{
    if (c == NULL) {
        return;
    }
    atomic_store(&c->woken, true);
    curl_multi_wakeup(c->multi);
}
