/* The real vambe-mock program's log: never the key or a secret, one access
 * line per request, and JSON lines with --log-format json. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/mock_prog.h"
#include "support/proc.h"

#define STOP_MS 10000

/* ---- logs ------------------------------------------------------------------ */

static void secrets_never_logged(void **state)
{
    (void)state;
    const char *key = "K3Y-super-private-778899";
    const char *secret = "whsec-TOP-SECRET-445566";
    const char *secret2 = "whsec-OTHER-SECRET-112233";
    const char *args[] = {"--api-key", key, "-v", NULL};
    struct proc p;
    char *body = NULL;
    char path[256];
    char req[256];
    static char log[65536];

    mock_prog_start(&p, args);
    snprintf(req, sizeof(req),
             "{\"topic\":\"message.sent\",\"url\":\"http://r.example/x\",\"secret\":\"%s\"}",
             secret);
    assert_int_equal(mock_prog_http(p.port, "POST", "/api/webhooks", key, req, &body), 201);
    json_t *j = json_loads(body, 0, NULL);
    snprintf(path, sizeof(path), "/api/webhooks/%s", json_string_value(json_object_get(j, "id")));
    json_decref(j);
    free(body);
    snprintf(req, sizeof(req), "{\"secret\":\"%s\"}", secret2);
    assert_int_equal(mock_prog_http(p.port, "PUT", path, key, req, NULL), 200);
    /* A bad secret in a rejected body, a wrong key, the key in a query. */
    snprintf(req, sizeof(req), "{\"topic\":\"nope\",\"url\":\"http://r\",\"secret\":\"%s\"}",
             secret);
    assert_int_equal(mock_prog_http(p.port, "POST", "/api/webhooks", key, req, NULL), 400);
    assert_int_equal(mock_prog_http(p.port, "GET", "/api/webhooks", "wrong-KEY-000111", NULL, NULL),
                     401);
    snprintf(req, sizeof(req), "/api/webhooks?api_key=%s", key);
    assert_int_equal(mock_prog_http(p.port, "GET", req, key, NULL, NULL), 200);
    assert_int_equal(proc_stop(&p, STOP_MS), 0);

    proc_read_log(&p, log, sizeof(log));
    assert_null(strstr(log, key));
    assert_null(strstr(log, secret));
    assert_null(strstr(log, secret2));
    assert_null(strstr(log, "wrong-KEY-000111"));
    /* One access line per request: method, path, status. */
    assert_non_null(strstr(log, "POST /api/webhooks 201 "));
    assert_non_null(strstr(log, "PUT /api/webhooks/"));
    assert_non_null(strstr(log, "POST /api/webhooks 400 "));
    assert_non_null(strstr(log, "GET /api/webhooks 401 "));
    assert_non_null(strstr(log, "GET /api/webhooks 200 "));
}

static void json_log_lines(void **state)
{
    (void)state;
    const char *args[] = {"--log-format", "json", NULL};
    struct proc p;
    static char log[65536];
    bool saw_access = false;
    bool saw_listening = false;
    size_t lines = 0;

    mock_prog_start(&p, args);
    assert_int_equal(mock_prog_http(p.port, "GET", "/mock/health", NULL, NULL, NULL), 200);
    assert_int_equal(proc_stop(&p, STOP_MS), 0);
    proc_read_log(&p, log, sizeof(log));
    for (char *line = strtok(log, "\n"); line != NULL; line = strtok(NULL, "\n")) {
        json_t *j = json_loads(line, 0, NULL);
        if (!json_is_object(j)) {
            fail_msg("not a JSON line: %s", line);
        }
        lines++;
        const char *path = json_string_value(json_object_get(j, "path"));
        const char *msg = json_string_value(json_object_get(j, "msg"));
        if (path != NULL && strcmp(path, "/mock/health") == 0) {
            assert_int_equal(json_integer_value(json_object_get(j, "status")), 200);
            assert_string_equal(json_string_value(json_object_get(j, "method")), "GET");
            saw_access = true;
        }
        if (msg != NULL && strstr(msg, "listening on http://127.0.0.1:") != NULL) {
            saw_listening = true;
        }
        json_decref(j);
    }
    assert_true(lines >= 3);
    assert_true(saw_access);
    assert_true(saw_listening);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(secrets_never_logged),
        cmocka_unit_test(json_log_lines),
    };
    unsetenv("VAMBE_MOCK_API_KEY");
    return cmocka_run_group_tests(tests, NULL, NULL);
}
