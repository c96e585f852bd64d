/* Responses (see http_client.h): what libcurl's callbacks fill, the
 * lookup of a header, the names of the errors and the mapping of libcurl's
 * codes to them, and URL queries. Part of the HTTP client module. */
#include "core/http_client.h"
#include "core/http_client_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/clock.h"
#include "core/xalloc.h"

#define HTTP_MAX_HEADER_BYTES  (64 * 1024)
#define HTTP_BODY_FIRST_CAP    4096
#define HTTP_HEADERS_FIRST_CAP 512

void http_response_fail(struct http_response *r, const char *text)
{
    memset(r, 0, sizeof(*r));
    r->error = HTTP_ERROR_OTHER;
    snprintf(r->error_text, sizeof(r->error_text), "%s", text);
    r->headers = xstrdup("");
    r->body = xstrdup("");
    r->started_wall_ms = clock_wall_ms();
}

const char *http_error_name(enum http_error e)
{
    switch (e) {
    case HTTP_ERROR_NONE:
        return "none";
    case HTTP_ERROR_TIMEOUT:
        return "timeout";
    case HTTP_ERROR_REFUSED:
        return "refused";
    case HTTP_ERROR_RESET:
        return "reset";
    case HTTP_ERROR_TLS:
        return "tls";
    case HTTP_ERROR_RESOLVE:
        return "resolve";
    case HTTP_ERROR_PROTOCOL:
        return "protocol";
    case HTTP_ERROR_OTHER:
        break;
    }
    return "other";
}

enum http_error http_curl_error(CURLcode code)
{
    switch (code) {
    case CURLE_OK:
        return HTTP_ERROR_NONE;
    case CURLE_OPERATION_TIMEDOUT:
        return HTTP_ERROR_TIMEOUT;
    case CURLE_COULDNT_CONNECT:
        return HTTP_ERROR_REFUSED;
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
        return HTTP_ERROR_RESET;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_USE_SSL_FAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CLIENTCERT:
        return HTTP_ERROR_TLS;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
        return HTTP_ERROR_RESOLVE;
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_HTTP3:
    case CURLE_UNSUPPORTED_PROTOCOL: /* also an HTTP/0.9 answer */
    case CURLE_BAD_CONTENT_ENCODING:
        return HTTP_ERROR_PROTOCOL;
    default:
        return HTTP_ERROR_OTHER;
    }
}

/* Keeps at most max_body bytes; the rest is read and dropped so that the
 * exchange completes (and the connection can be reused). */
size_t http_on_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    struct cl_xfer *x = userdata;
    struct http_response *r = &x->resp;
    size_t n = size * nmemb;
    size_t room = x->max_body - r->body_len;
    size_t keep = n < room ? n : room;

    r->body_size += n;
    if (keep < n) {
        r->body_truncated = true;
    }
    if (keep == 0) {
        return n;
    }
    xbuf_append(&r->body, &r->body_len, &x->body_cap, ptr, keep, HTTP_BODY_FIRST_CAP,
                x->max_body + 1);
    return n;
}

/* Keeps the raw header lines of the final response (a 1xx response's lines
 * are dropped when the next status line comes), up to HTTP_MAX_HEADER_BYTES. */
size_t http_on_header(char *ptr, size_t size, size_t nitems, void *userdata)
{
    struct cl_xfer *x = userdata;
    struct http_response *r = &x->resp;
    size_t n = size * nitems;

    if (n >= 5 && memcmp(ptr, "HTTP/", 5) == 0) {
        r->headers_len = 0;
    }
    if ((n == 2 && ptr[0] == '\r' && ptr[1] == '\n') || (n == 1 && ptr[0] == '\n')) {
        return n; /* the blank line closing the block */
    }
    if (r->headers_len + n > HTTP_MAX_HEADER_BYTES) {
        return n;
    }
    xbuf_append(&r->headers, &r->headers_len, &x->headers_cap, ptr, n, HTTP_HEADERS_FIRST_CAP,
                HTTP_MAX_HEADER_BYTES + 1);
    return n;
}

int http_response_header(const struct http_response *resp, const char *name, char *out,
                         size_t out_size)
{
    const char *p;
    const char *end;
    size_t nlen;

    if (resp == NULL || resp->headers == NULL || name == NULL || out == NULL || out_size == 0) {
        return -1;
    }
    nlen = strlen(name);
    p = resp->headers;
    end = p + resp->headers_len;
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        const char *line_end = eol != NULL ? eol : end;

        if ((size_t)(line_end - p) > nlen && p[nlen] == ':' && strncasecmp(p, name, nlen) == 0) {
            const char *v = p + nlen + 1;
            const char *ve = line_end;

            while (v < ve && (*v == ' ' || *v == '\t')) {
                v++;
            }
            while (ve > v && (ve[-1] == '\r' || ve[-1] == ' ' || ve[-1] == '\t')) {
                ve--;
            }
            snprintf(out, out_size, "%.*s", (int)(ve - v), v);
            return 0;
        }
        p = eol != NULL ? eol + 1 : end;
    }
    return -1;
}

int http_resolve_list(const struct http_client_opts *opts, struct curl_slist **out)
{
    *out = NULL;
    for (size_t i = 0; opts != NULL && i < opts->n_resolve; i++) {
        struct curl_slist *l = curl_slist_append(*out, opts->resolve[i]);

        if (l == NULL) {
            curl_slist_free_all(*out);
            *out = NULL;
            return -1;
        }
        *out = l;
    }
    return 0;
}

void http_response_cleanup(struct http_response *resp)
{
    if (resp == NULL) {
        return;
    }
    free(resp->headers);
    free(resp->body);
    memset(resp, 0, sizeof(*resp));
}

char *http_url_add_query(const char *url, const char *name, const char *value)
{
    CURLU *u = curl_url();
    char *pair = xasprintf("%s=%s", name, value);
    char *full = NULL;
    char *out = NULL;

    /* With CURLU_URLENCODE an appended "name=value" is encoded after its
     * first '=' only, which is what a query parameter needs. */
    if (u != NULL && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_set(u, CURLUPART_QUERY, pair, CURLU_APPENDQUERY | CURLU_URLENCODE) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_URL, &full, 0) == CURLUE_OK) {
        out = xstrdup(full);
    }
    curl_free(full);
    curl_url_cleanup(u);
    free(pair);
    return out;
}
