/* Test support: one request to a kit server on 127.0.0.1. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/api.h"

#define API_TIMEOUT_MS 30000
#define API_MAX_BODY   (16 * 1024 * 1024)

void api_send(struct http_client *c, unsigned port, const char *method, const char *path,
              const char *key, const char *ctype, const char *body, size_t body_len,
              struct api_reply *out)
{
    char url[4096];
    char key_line[512];
    char type_line[256];
    const char *headers[3];
    size_t n = 0;
    struct http_request req;
    struct http_response resp;

    memset(&req, 0, sizeof(req));
    memset(&resp, 0, sizeof(resp));
    snprintf(url, sizeof(url), "http://127.0.0.1:%u%s", port, path);
    if (key != NULL) {
        snprintf(key_line, sizeof(key_line), "x-api-key: %s", key);
        headers[n++] = key_line;
    }
    if (ctype != NULL) {
        snprintf(type_line, sizeof(type_line), "Content-Type: %s", ctype);
        headers[n++] = type_line;
    }
    if (body_len > 64 * 1024) {
        /* Without it the client may still be writing a refused body when
         * the 413 arrives, and see a broken pipe instead of the answer. */
        headers[n++] = "Expect: 100-continue";
    }
    req.method = method;
    req.url = url;
    req.headers = headers;
    req.n_headers = n;
    req.body = body;
    req.body_len = body_len;
    req.timeout_ms = API_TIMEOUT_MS;
    req.max_body = API_MAX_BODY;
    assert_int_equal(http_client_run(c, &req, &resp, 1, 1), 0);
    if (resp.error != HTTP_ERROR_NONE) {
        fail_msg("%s %s: %s", method, path, resp.error_text);
    }
    out->status = resp.status;
    out->body = resp.body;
    out->body_len = resp.body_len;
    out->headers = resp.headers;
    out->json = resp.body != NULL ? json_loadb(resp.body, resp.body_len, 0, NULL) : NULL;
}

void api_reply_free(struct api_reply *r)
{
    free(r->body);
    free(r->headers);
    json_decref(r->json);
    memset(r, 0, sizeof(*r));
}

long api_json(struct http_client *c, unsigned port, const char *key, const char *method,
              const char *path, const char *body, json_t **out)
{
    struct api_reply r = {0};
    long status;

    api_send(c, port, method, path, key, body != NULL ? "application/json" : NULL, body,
             body != NULL ? strlen(body) : 0, &r);
    status = r.status;
    if (out != NULL) {
        *out = r.json;
        r.json = NULL;
    }
    api_reply_free(&r);
    return status;
}
