/* Test support: the real vambe-mock program (see mock_prog.h). */
#include "support/mock_prog.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "core/http_client.h"

#define START_MS 10000

const char *mock_prog_bin(void)
{
    const char *bin = proc_bin("VAMBE_MOCK_BIN");
    if (bin == NULL) {
        fail_msg("VAMBE_MOCK_BIN is not set");
    }
    return bin;
}

struct proc *mock_prog_running;

int mock_prog_kill_running(void **state)
{
    (void)state;
    if (mock_prog_running != NULL) {
        proc_kill(mock_prog_running);
        mock_prog_running = NULL;
    }
    return 0;
}

/* A receiver on 127.0.0.1 with one route. */
struct http_server *mock_prog_rx_start(const struct http_route *routes)
{
    struct http_server_opts o;
    struct err e = {{0}};
    struct http_server *rx;

    memset(&o, 0, sizeof(o));
    o.routes = routes;
    o.n_routes = 1;
    o.threads = 2;
    rx = http_server_start(&o, &e);
    if (rx == NULL) {
        fail_msg("receiver: %s", e.msg);
    }
    return rx;
}

void mock_prog_start(struct proc *p, const char *const *extra)
{
    char *argv[24];
    size_t n = 0;

    argv[n++] = (char *)mock_prog_bin();
    argv[n++] = "serve";
    for (size_t i = 0; extra != NULL && extra[i] != NULL && n < 22; i++) {
        argv[n++] = (char *)extra[i];
    }
    argv[n] = NULL;
    if (proc_start(p, argv, true, START_MS) != 0) {
        char log[4096];
        proc_read_log(p, log, sizeof(log));
        fail_msg("vambe-mock did not start: %s", log);
    }
}

/* One request to 127.0.0.1:port; returns the status, the body in *body
 * (caller frees; may be NULL). */
long mock_prog_http(unsigned port, const char *method, const char *path, const char *key,
                    const char *json_body, char **body)
{
    struct http_client *c = http_client_new(NULL);
    struct http_request req;
    struct http_response resp;
    char url[512];
    char key_line[300];
    const char *headers[2];
    size_t n = 0;
    long status;

    assert_non_null(c);
    memset(&req, 0, sizeof(req));
    memset(&resp, 0, sizeof(resp));
    snprintf(url, sizeof(url), "http://127.0.0.1:%u%s", port, path);
    if (key != NULL) {
        snprintf(key_line, sizeof(key_line), "x-api-key: %s", key);
        headers[n++] = key_line;
    }
    if (json_body != NULL) {
        headers[n++] = "Content-Type: application/json";
        req.body = json_body;
        req.body_len = strlen(json_body);
    }
    req.method = method;
    req.url = url;
    req.headers = headers;
    req.n_headers = n;
    req.timeout_ms = 10000;
    assert_int_equal(http_client_run(c, &req, &resp, 1, 1), 0);
    if (resp.error != HTTP_ERROR_NONE) {
        fail_msg("%s %s: %s", method, path, resp.error_text);
    }
    status = resp.status;
    if (body != NULL) {
        *body = resp.body;
        resp.body = NULL;
    }
    http_response_cleanup(&resp);
    http_client_free(c);
    return status;
}
