/* Internal to the HTTP client module (http_client.c, http_response.c,
 * http_tls.c, http_client_stream.c). */
#ifndef CORE_HTTP_CLIENT_PRIV_H
#define CORE_HTTP_CLIENT_PRIV_H

#include <curl/curl.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/http_client.h"

/* One transfer: an easy handle and the response it fills. */
struct cl_xfer {
    CURL *easy;
    struct curl_slist *hdrs;
    void *tag;
    struct http_response *slot; /* http_client_run: where the answer goes */
    struct http_response resp;
    size_t max_body;
    size_t body_cap;
    size_t headers_cap;
    char errbuf[CURL_ERROR_SIZE];
    struct cl_xfer *prev; /* in the active list */
    struct cl_xfer *next; /* in the active list, the done queue or the pool */
};

/* libcurl's global initialisation, done once, whichever file comes first;
 * false when libcurl cannot start. Safe from any thread. */
bool http_curl_ready(void);

/* Fills r as a response that never came: HTTP_ERROR_OTHER with text,
 * empty headers and body. (http_response.c) */
void http_response_fail(struct http_response *r, const char *text);
/* libcurl's code as the kind of failure a caller acts on. (http_response.c) */
enum http_error http_curl_error(CURLcode code);
/* libcurl's write and header callbacks; userdata is the struct cl_xfer.
 * The body keeps at most max_body bytes (the rest is read and dropped, so
 * the exchange completes and the connection can be reused); the headers,
 * the final response's lines up to 64 KiB (a 1xx response's lines are
 * dropped when the next status line comes). (http_response.c) */
size_t http_on_body(char *ptr, size_t size, size_t nmemb, void *userdata);
size_t http_on_header(char *ptr, size_t size, size_t nitems, void *userdata);
/* opts' resolve entries as a curl list in *out (NULL when opts has none);
 * -1 when out of memory, with *out NULL. The caller frees the list with
 * curl_slist_free_all. (http_response.c) */
int http_resolve_list(const struct http_client_opts *opts, struct curl_slist **out);

#endif
