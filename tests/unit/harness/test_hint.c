/* harness/hint: what a non-2xx answer to a valid delivery looks like (a
 * CSRF check, a login redirect, a Cloudflare challenge, a tunnel's page, a
 * full backlog, a TLS failure), and no hint when nothing specific shows. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>

#include <string.h>

#include "harness/hint.h"

/* A response with status, raw headers and a body (either may be NULL). The
 * strings are only read, never freed: the casts drop const for the struct. */
static struct http_response answer(long status, const char *headers, const char *body)
{
    struct http_response r;
    memset(&r, 0, sizeof(r));
    r.status = status;
    r.headers = (char *)headers;
    r.headers_len = headers != NULL ? strlen(headers) : 0;
    r.body = (char *)body;
    r.body_len = body != NULL ? strlen(body) : 0;
    return r;
}

/* Asserts that resp gets a hint of one line containing word. */
static void assert_hint(const struct http_response *resp, const char *word)
{
    const char *hint = hn_hint_classify(resp);
    assert_non_null(hint);
    assert_non_null(strstr(hint, word));
    assert_null(strchr(hint, '\n'));
    assert_true(strlen(hint) < 200);
}

static void tls_failure(void **state)
{
    (void)state;
    struct http_response r = answer(0, NULL, NULL);
    r.error = HTTP_ERROR_TLS;
    assert_hint(&r, "certificate");
}

static void slow_connect(void **state)
{
    (void)state;
    struct http_response r = answer(0, NULL, NULL);
    r.error = HTTP_ERROR_TIMEOUT;
    r.connect_us = 1500000;
    assert_hint(&r, "backlog");
    /* A 2xx that came late (a latency bound missed) gets the same hint. */
    r = answer(200, "HTTP/1.1 200 OK\r\n", "ok");
    r.connect_us = 1000000;
    assert_hint(&r, "backlog");
    r.connect_us = 999999;
    assert_null(hn_hint_classify(&r));
}

static void laravel_csrf(void **state)
{
    (void)state;
    struct http_response r =
        answer(419, "HTTP/1.1 419 unknown status\r\nContent-Type: text/html; charset=UTF-8\r\n",
               "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<title>Page Expired</title>\n"
               "</head>\n<body><div class=\"code\">419</div>"
               "<div class=\"message\">Page Expired</div></body></html>");
    assert_hint(&r, "VerifyCsrfToken::$except");
}

static void django_csrf(void **state)
{
    (void)state;
    struct http_response r =
        answer(403, "HTTP/1.1 403 Forbidden\r\nContent-Type: text/html; charset=utf-8\r\n",
               "<html lang=\"en\"><head><title>403 Forbidden</title></head><body>\n"
               "<div id=\"summary\"><h1>Forbidden <span>(403)</span></h1>\n"
               "<p>CSRF verification failed. Request aborted.</p>\n"
               "<p>You are seeing this message because this site requires a CSRF cookie when "
               "submitting forms.</p></div></body></html>");
    assert_hint(&r, "@csrf_exempt");
}

static void rails_csrf(void **state)
{
    (void)state;
    struct http_response r =
        answer(422, "HTTP/1.1 422 Unprocessable Entity\r\n",
               "<h1>ActionController::InvalidAuthenticityToken in WebhooksController#create</h1>"
               "<pre>Can't verify CSRF token authenticity.</pre>");
    assert_hint(&r, "verify_authenticity_token");
}

static void express_csrf(void **state)
{
    (void)state;
    struct http_response r = answer(403, "HTTP/1.1 403 Forbidden\r\nX-Powered-By: Express\r\n",
                                    "ForbiddenError: invalid csrf token\n    at csrf (/app/"
                                    "node_modules/csurf/index.js:112:19)");
    assert_hint(&r, "CSRF protection");
}

static void login_redirect(void **state)
{
    (void)state;
    struct http_response r = answer(302,
                                    "HTTP/1.1 302 Found\r\nLocation: "
                                    "https://app.example.com/login\r\nContent-Length: 0\r\n",
                                    "");
    assert_hint(&r, "authentication");
    /* Header names match without regard to case. */
    r = answer(303, "HTTP/2 303\r\nlocation: /users/sign_in?next=%2Fhooks\r\n", NULL);
    assert_hint(&r, "authentication");
}

static void cloudflare_challenge(void **state)
{
    (void)state;
    struct http_response r = answer(403,
                                    "HTTP/2 403\r\ndate: Tue, 04 Jun 2024 10:00:00 GMT\r\n"
                                    "content-type: text/html; charset=UTF-8\r\n"
                                    "cf-mitigated: challenge\r\nserver: cloudflare\r\n",
                                    "<!DOCTYPE html><html><head><title>Just a moment...</title>");
    assert_hint(&r, "Cloudflare");
    /* Without cf-mitigated: the server header and the page's words. */
    r = answer(503, "HTTP/1.1 503 Service Unavailable\r\nServer: cloudflare\r\n",
               "<title>Just a moment...</title><script src=\"/cdn-cgi/challenge-platform/h/b/"
               "orchestrate/chl_page/v1\"></script>");
    assert_hint(&r, "WAF");
}

static void ngrok_warning(void **state)
{
    (void)state;
    struct http_response r = answer(200, "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n",
                                    "<!DOCTYPE html><html><head><title>ngrok</title></head><body>"
                                    "<p>You are about to visit: abcd-1234.ngrok-free.app</p>"
                                    "<p>ERR_NGROK_6024</p></body></html>");
    assert_hint(&r, "ngrok-skip-browser-warning");
}

static void localtunnel_reminder(void **state)
{
    (void)state;
    struct http_response r = answer(511, "HTTP/1.1 511 Network Authentication Required\r\n",
                                    "<h1>Friendly Reminder</h1><p>This website is served for free "
                                    "via a loca.lt tunnel.</p><p>Tunnel Password:</p>");
    assert_hint(&r, "bypass-tunnel-reminder");
}

static void tunnel_offline(void **state)
{
    (void)state;
    struct http_response r =
        answer(404, "HTTP/1.1 404 Not Found\r\nNgrok-Error-Code: ERR_NGROK_3200\r\n",
               "Tunnel abcd-1234.ngrok-free.app not found\n\nERR_NGROK_3200\n");
    assert_hint(&r, "restart the tunnel");
    /* ngrok up, the receiver behind it down. */
    r = answer(502, "HTTP/1.1 502 Bad Gateway\r\n",
               "The endpoint abcd.ngrok-free.app is offline. ERR_NGROK_8012");
    assert_hint(&r, "port ngrok forwards to");
}

static void other_redirect(void **state)
{
    (void)state;
    struct http_response r = answer(
        301, "HTTP/1.1 301 Moved Permanently\r\nLocation: https://hooks.example.com/vambe/\r\n",
        NULL);
    assert_hint(&r, "do not follow redirects");
}

static void route_and_limit(void **state)
{
    (void)state;
    struct http_response r = answer(404, "HTTP/1.1 404 Not Found\r\n", "Cannot POST /hook");
    assert_hint(&r, "POST at exactly that path");
    r = answer(405, "HTTP/1.1 405 Method Not Allowed\r\nAllow: GET, HEAD\r\n", NULL);
    assert_hint(&r, "refuses POST");
    r = answer(413, "HTTP/1.1 413 Request Entity Too Large\r\nServer: nginx\r\n",
               "<h1>413 Request Entity Too Large</h1>");
    assert_hint(&r, "client_max_body_size");
}

static void nothing_specific(void **state)
{
    (void)state;
    struct http_response r =
        answer(500, "HTTP/1.1 500 Internal Server Error\r\n", "internal error");
    assert_null(hn_hint_classify(&r));
    r = answer(403, "HTTP/1.1 403 Forbidden\r\nServer: nginx\r\n",
               "<h1>403 Forbidden</h1><p>You don't have permission.</p>");
    assert_null(hn_hint_classify(&r));
    r = answer(401, "HTTP/1.1 401 Unauthorized\r\n", "{\"error\":\"bad signature\"}");
    assert_null(hn_hint_classify(&r));
    /* A connection refused, quickly: nothing more to say than the error. */
    r = answer(0, NULL, NULL);
    r.error = HTTP_ERROR_REFUSED;
    assert_null(hn_hint_classify(&r));
    assert_null(hn_hint_classify(NULL));
}

static void missing_parts(void **state)
{
    (void)state;
    /* NULL body and headers, even with lengths set, are never read. */
    struct http_response r = answer(403, NULL, NULL);
    r.headers_len = 40;
    r.body_len = 40;
    assert_null(hn_hint_classify(&r));
    r.status = 302;
    assert_hint(&r, "do not follow redirects");
    r.status = 419;
    assert_hint(&r, "Laravel");
}

static void lengths_respected(void **state)
{
    (void)state;
    /* Only body_len bytes count: the words after them are not the body. */
    struct http_response r =
        answer(403, "HTTP/1.1 403 Forbidden\r\n", "Forbidden. CSRF token missing.");
    r.body_len = strlen("Forbidden. ");
    assert_null(hn_hint_classify(&r));
    r.body_len = strlen("Forbidden. CSRF");
    assert_hint(&r, "CSRF");

    /* Same for headers_len. */
    r = answer(302, "HTTP/1.1 302 Found\r\nLocation: /login\r\n", NULL);
    r.headers_len = strlen("HTTP/1.1 302 Found\r\nLocation: /lo");
    assert_hint(&r, "do not follow redirects");

    /* Only the first HN_HINT_SCAN_MAX bytes of a large body are searched. */
    static char big[HN_HINT_SCAN_MAX + 64];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    memcpy(big + HN_HINT_SCAN_MAX + 8, "csrf", 4);
    r = answer(403, NULL, big);
    assert_null(hn_hint_classify(&r));
    memcpy(big + 8, "csrf", 4);
    assert_hint(&r, "CSRF");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tls_failure),     cmocka_unit_test(slow_connect),
        cmocka_unit_test(laravel_csrf),    cmocka_unit_test(django_csrf),
        cmocka_unit_test(rails_csrf),      cmocka_unit_test(express_csrf),
        cmocka_unit_test(login_redirect),  cmocka_unit_test(cloudflare_challenge),
        cmocka_unit_test(ngrok_warning),   cmocka_unit_test(localtunnel_reminder),
        cmocka_unit_test(tunnel_offline),  cmocka_unit_test(other_redirect),
        cmocka_unit_test(route_and_limit), cmocka_unit_test(nothing_specific),
        cmocka_unit_test(missing_parts),   cmocka_unit_test(lengths_respected),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
