/* Test support: one request to a kit server on 127.0.0.1. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/uio.h>
#include <unistd.h>

#include "support/api.h"

#include "core/clock.h"
#include "core/jsonh.h"

#define API_TIMEOUT_MS 30000
#define API_MAX_BODY   (16 * 1024 * 1024)
#define API_LOG_ENV    "VAMBE_TEST_API_LOG"

/* The value of the response header name (lower case, with its colon), up
 * to the end of its line, copied into out; "" when absent. */
static void api_header_value(const char *headers, const char *name, char *out, size_t out_size)
{
    size_t name_len = strlen(name);
    const char *line = headers;

    out[0] = '\0';
    while (line != NULL && *line != '\0') {
        if (strncasecmp(line, name, name_len) == 0) {
            const char *v = line + name_len;
            size_t len;

            v += strspn(v, " \t");
            len = strcspn(v, "\r\n");
            snprintf(out, out_size, "%.*s", (int)len, v);
            return;
        }
        line = strchr(line, '\n');
        if (line != NULL) {
            line++;
        }
    }
}

/* With VAMBE_TEST_API_LOG naming a file, appends the exchange to it as one
 * JSON line (tests/openapi checks each against docs/openapi.yaml). One
 * writev(2) on an O_APPEND descriptor per line, so that tests running in
 * parallel, or threads of one test, never interleave their lines. */
static void api_log_exchange(const char *method, const char *path, const struct http_response *resp)
{
    const char *file = getenv(API_LOG_ENV);
    char ctype[256];
    json_t *j = NULL;
    char *line = NULL;
    size_t len;
    char newline[] = "\n";
    struct iovec iov[2];
    int fd = -1;
    bool written;

    if (file == NULL || file[0] == '\0') {
        return;
    }
    api_header_value(resp->headers, "content-type:", ctype, sizeof(ctype));
    j = json_pack("{s:s, s:s, s:I, s:s, s:o}", "method", method, "path", path, "status",
                  (json_int_t)resp->status, "content_type", ctype, "body",
                  jsonh_stringn_lossy(resp->body, resp->body_len));
    line = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;
    if (line == NULL) {
        fail_msg("%s: cannot render the exchange %s %s", API_LOG_ENV, method, path);
    }
    iov[0].iov_base = line;
    iov[0].iov_len = strlen(line);
    iov[1].iov_base = newline;
    iov[1].iov_len = 1;
    len = iov[0].iov_len + 1;
    fd = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    written = fd >= 0 && writev(fd, iov, 2) == (ssize_t)len;
    if (fd >= 0) {
        close(fd);
    }
    free(line);
    json_decref(j);
    if (!written) {
        fail_msg("%s: cannot append to %s", API_LOG_ENV, file);
    }
}

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
    api_log_exchange(method, path, &resp);
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

json_t *api_calls_wait(struct http_client *c, unsigned port, const char *key, const char *query,
                       size_t n, int wait_ms)
{
    char path[512];
    uint64_t deadline = clock_mono_us() + (uint64_t)wait_ms * 1000u;

    snprintf(path, sizeof(path), "/api/webhooks/calls?limit=500%s%s", query[0] ? "&" : "", query);
    for (;;) {
        json_t *j = NULL;
        json_t *data;

        assert_int_equal(api_json(c, port, key, "GET", path, NULL, &j), 200);
        data = json_object_get(j, "data");
        if (json_array_size(data) >= n) {
            json_incref(data);
            json_decref(j);
            return data;
        }
        json_decref(j);
        if (clock_mono_us() > deadline) {
            fail_msg("the call log has fewer than %zu records for '%s'", n, query);
        }
        clock_sleep_us(5000); /* polling the call log: nothing to wait on */
    }
}
