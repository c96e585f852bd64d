/* The kit's HTTP client: one wrapper over libcurl's multi interface.
 *
 * Two ways to use it:
 *  - http_client_run(): send a batch of requests with at most `concurrency`
 *    in flight and wait for all (the harness's bursts);
 *  - http_client_add() + http_client_poll(): an event loop adds requests and
 *    receives completions through a callback (the mock's delivery engine).
 *
 * Redirects are never followed (a 3xx is returned as is). Connections are
 * reused between requests of one client. A client is used by one thread at a
 * time; http_client_wakeup() may be called from any thread.
 * libcurl is included by this module only (http_client.c, http_tls.c). */
#ifndef CORE_HTTP_CLIENT_H
#define CORE_HTTP_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define HTTP_CLIENT_DEFAULT_MAX_BODY (64 * 1024)

enum http_error {
    HTTP_ERROR_NONE,     /* a response came (any status) */
    HTTP_ERROR_TIMEOUT,  /* no complete response within the timeout */
    HTTP_ERROR_REFUSED,  /* connection refused */
    HTTP_ERROR_RESET,    /* connection reset or closed mid-response */
    HTTP_ERROR_TLS,      /* TLS handshake or certificate failure */
    HTTP_ERROR_RESOLVE,  /* host name not resolved */
    HTTP_ERROR_PROTOCOL, /* the peer spoke broken HTTP */
    HTTP_ERROR_OTHER,
};

struct http_request {
    const char *method; /* "POST" when NULL */
    const char *url;
    const char *const *headers; /* "Name: value" lines; "Name:" removes a default header */
    size_t n_headers;
    const void *body;
    size_t body_len;
    uint64_t timeout_ms; /* whole exchange; 5000 when 0 */
    size_t max_body;     /* response body bytes kept; HTTP_CLIENT_DEFAULT_MAX_BODY when 0 */
    bool new_connection; /* open a new connection, even when one to the host is idle */
};

struct http_response {
    long status;   /* 0 when no response came */
    char *headers; /* owned; raw response header lines, "\r\n"-separated */
    size_t headers_len;
    char *body; /* owned; NUL-terminated, at most max_body bytes */
    size_t body_len;
    bool body_truncated; /* the body was longer than max_body (rest discarded) */
    size_t body_size;    /* the body's length as it came, discarded bytes included */
    enum http_error error;
    char error_text[256];   /* "" when error == HTTP_ERROR_NONE */
    uint64_t connect_us;    /* from start to TCP connected */
    uint64_t tls_us;        /* from start to the TLS handshake's end; 0 without TLS */
    uint64_t first_byte_us; /* from start to the first response byte */
    uint64_t total_us;      /* from start to the end of the exchange */
    uint64_t started_wall_ms;
    bool connected; /* the exchange opened a connection (false: it reused an idle one) */
};

struct http_client_opts {
    unsigned max_host_connections;  /* per host:port; 0 = no limit */
    unsigned max_total_connections; /* 0 = no limit */
    const char *ca_file;            /* NULL = system store */
    bool insecure;                  /* skip TLS certificate verification */
    /* "HOST:PORT:ADDRESS" entries, as curl's --resolve: connections to
     * HOST:PORT go to ADDRESS, while the URL, the Host header and the TLS
     * name stay HOST. Copied. */
    const char *const *resolve;
    size_t n_resolve;
    /* Idle connections kept for reuse; 0 = libcurl's default, 4 per
     * transfer in flight at the time, which closes connections when a
     * sender's transfers dip between two waves (vambe-harness load). */
    unsigned max_idle_connections;
};

struct http_client;

/* opts may be NULL. Returns NULL only when libcurl cannot be initialised. */
struct http_client *http_client_new(const struct http_client_opts *opts);
void http_client_free(struct http_client *c);

/* Sends n requests, at most `concurrency` (>= 1) at once, and waits for all.
 * resp[i] answers req[i]; release each with http_response_cleanup. Returns 0
 * (per-request failures are in resp[i].error) or -1 when the client failed. */
int http_client_run(struct http_client *c, const struct http_request *req,
                    struct http_response *resp, size_t n, unsigned concurrency);

/* Called once per finished request with the tag given to http_client_add.
 * The callback takes ownership of resp's buffers (release with
 * http_response_cleanup) and may call http_client_add. */
typedef void (*http_client_done_fn)(void *arg, void *tag, struct http_response *resp);

/* Queues a request; all its data is copied, so the caller may free it at once. */
int http_client_add(struct http_client *c, const struct http_request *req, void *tag);
/* Drives transfers for at most wait_ms (returns early when one finishes or on
 * http_client_wakeup) and reports finished ones through done. */
int http_client_poll(struct http_client *c, int wait_ms, http_client_done_fn done, void *arg);
/* Requests added and not yet reported. */
size_t http_client_pending(const struct http_client *c);
/* Makes a blocked http_client_poll return; safe from any thread. */
void http_client_wakeup(struct http_client *c);

/* Finds a header's value in resp->headers (case-insensitive name); copies it
 * into out and returns 0, or -1 when absent. */
int http_response_header(const struct http_response *resp, const char *name, char *out,
                         size_t out_size);
void http_response_cleanup(struct http_response *resp);
const char *http_error_name(enum http_error e); /* "timeout", "refused", ... */

/* url with "name=value" added to its query, value percent-encoded and the
 * query the URL already has kept (a query token). Returns a new string
 * (the caller frees it), or NULL when libcurl cannot parse url. */
char *http_url_add_query(const char *url, const char *name, const char *value);

#endif
