/* core/http_client against what comes over the wire: a raw socket server
 * sends broken chunked encodings, a header over libcurl's limit and a
 * reset; and TLS against the in-test server (support/client_srv.h) with a
 * certificate of this test's own. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above. */
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "core/err.h"
#include "core/http_client.h"
#include "core/http_server.h"
#include "support/client_srv.h"

/* A self-signed certificate for localhost and 127.0.0.1, valid from 2000
 * to 2999, made for this test only with Python's cryptography package
 * (x509.CertificateBuilder, an EC P-256 key, SHA-256, subjectAltName
 * DNS:localhost + IP:127.0.0.1, basicConstraints CA:TRUE). */
static const char test_cert_pem[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBXDCCAQGgAwIBAgIURcNZbtpTF208dBHPNG0MWc5u3hAwCgYIKoZIzj0EAwIw\n"
    "FDESMBAGA1UEAwwJbG9jYWxob3N0MCAXDTAwMDEwMTAwMDAwMFoYDzI5OTkxMjMx\n"
    "MDAwMDAwWjAUMRIwEAYDVQQDDAlsb2NhbGhvc3QwWTATBgcqhkjOPQIBBggqhkjO\n"
    "PQMBBwNCAAQ+joH1kHh24eufeHXrSgpBVY5KQHyRShsQlZNm43BmVMWeusTrS4Dv\n"
    "TOJ1Fi3Ssv2uGSxqPa2jIhbw+eEPKat6oy8wLTAaBgNVHREEEzARgglsb2NhbGhv\n"
    "c3SHBH8AAAEwDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNJADBGAiEAx480\n"
    "Gf2aespPpBEz4ZFzizSkbKBZVLb5Kjrq1XCGesMCIQDz5cvtr07GYGP8r/aEsakJ\n"
    "emcnc9pSFk0EcbhJB/ZpAg==\n"
    "-----END CERTIFICATE-----\n";
static const char test_key_pem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgoL02YCZhjfKEITfy\n"
    "qEWDkl4VcddvM4UBb6BR1LgEglShRANCAAQ+joH1kHh24eufeHXrSgpBVY5KQHyR\n"
    "ShsQlZNm43BmVMWeusTrS4DvTOJ1Fi3Ssv2uGSxqPa2jIhbw+eEPKat6\n"
    "-----END PRIVATE KEY-----\n";

/* ---- a raw server: bytes that are not HTTP, and resets ------------------ */

/* One connection on 127.0.0.1, port 0: reads the request head, sends
 * answer, then either resets (SO_LINGER 0 and close) or waits for the
 * client to close first, so that what the client sees comes from the
 * bytes and not from an end of stream. */
struct raw_srv {
    int listen_fd;
    unsigned port;
    const char *answer;
    size_t answer_len;
    bool reset;
    pthread_t thread;
};

static void *raw_srv_run(void *arg)
{
    struct raw_srv *r = arg;
    struct timeval tv = {.tv_sec = 5, .tv_usec = 0}; /* a broken client fails, never hangs */
    struct linger lg = {1, 0};
    char buf[8192];
    size_t len = 0;
    ssize_t got;
    int fd = accept(r->listen_fd, NULL, NULL);

    if (fd < 0) {
        return NULL;
    }
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    do {
        got = recv(fd, buf + len, sizeof(buf) - 1 - len, 0);
        if (got > 0) {
            len += (size_t)got;
            buf[len] = '\0';
        }
    } while (got > 0 && len + 1 < sizeof(buf) && strstr(buf, "\r\n\r\n") == NULL);
    for (size_t off = 0; off < r->answer_len;) {
        ssize_t w = send(fd, r->answer + off, r->answer_len - off, MSG_NOSIGNAL);

        if (w <= 0) {
            break; /* the client gave up first (a header over its limit) */
        }
        off += (size_t)w;
    }
    if (r->reset) {
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
    } else {
        while (recv(fd, buf, sizeof(buf), 0) > 0) {
        }
    }
    close(fd);
    return NULL;
}

static void raw_srv_start(struct raw_srv *r, const char *answer, size_t answer_len, bool reset)
{
    struct sockaddr_in a;
    socklen_t len = sizeof(a);

    memset(r, 0, sizeof(*r));
    r->answer = answer;
    r->answer_len = answer_len;
    r->reset = reset;
    r->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(r->listen_fd >= 0);
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(r->listen_fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(r->listen_fd, 4), 0);
    assert_int_equal(getsockname(r->listen_fd, (struct sockaddr *)&a, &len), 0);
    r->port = ntohs(a.sin_port);
    assert_int_equal(pthread_create(&r->thread, NULL, raw_srv_run, r), 0);
}

static void raw_srv_stop(struct raw_srv *r)
{
    pthread_join(r->thread, NULL);
    close(r->listen_fd);
}

/* One GET against a raw server that sends answer; the response in *resp. */
static void raw_get(const char *answer, size_t answer_len, bool reset, struct http_response *resp)
{
    struct raw_srv r;
    struct http_client *c = http_client_new(NULL);
    struct http_request req;
    char url[128];

    assert_non_null(c);
    raw_srv_start(&r, answer, answer_len, reset);
    snprintf(url, sizeof(url), "http://127.0.0.1:%u/hook", r.port);
    req = client_srv_get(url);
    req.timeout_ms = 10000;
    assert_int_equal(http_client_run(c, &req, resp, 1, 1), 0);
    http_client_free(c); /* closes the connection: the server thread ends */
    raw_srv_stop(&r);
}

/* A broken chunked encoding is bytes that are not HTTP: a protocol error,
 * although libcurl 7.88 reports it as CURLE_RECV_ERROR. It was "reset". */
static void test_broken_chunks(void **state)
{
    static const struct {
        const char *answer;
        const char *curl_says; /* libcurl 7.88's words, kept in the text */
    } rows[] = {
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
         "Illegal or missing hexadecimal sequence"},
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX\r\n0\r\n\r\n",
         "Malformed encoding"},
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
         "123456789abcdef0123456789\r\n",
         "Too long hexadecimal number"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        struct http_response resp;

        raw_get(rows[i].answer, strlen(rows[i].answer), false, &resp);
        if (resp.error != HTTP_ERROR_PROTOCOL ||
            strstr(resp.error_text, "the response's chunked encoding is broken: ") !=
                resp.error_text ||
            strstr(resp.error_text, rows[i].curl_says) == NULL) {
            fail_msg("row %zu: %s (%s), want protocol with '%s'", i, http_error_name(resp.error),
                     resp.error_text, rows[i].curl_says);
        }
        assert_int_equal(resp.status, 200); /* the status line came */
        http_response_cleanup(&resp);
    }
}

/* A response header over libcurl's limit is a protocol error too. */
static void test_header_over_limit(void **state)
{
    static const char head[] = "HTTP/1.1 200 OK\r\nX-Big: ";
    static const char tail[] = "\r\nContent-Length: 0\r\n\r\n";
    size_t big = 200 * 1024;
    size_t len = sizeof(head) - 1 + big + sizeof(tail) - 1;
    char *answer = malloc(len);
    struct http_response resp;
    char want[64];

    (void)state;
    assert_non_null(answer);
    memcpy(answer, head, sizeof(head) - 1);
    memset(answer + sizeof(head) - 1, 'a', big);
    memcpy(answer + sizeof(head) - 1 + big, tail, sizeof(tail) - 1);
    raw_get(answer, len, false, &resp);
    snprintf(want, sizeof(want), "larger than %d bytes", 100 * 1024);
    if (resp.error != HTTP_ERROR_PROTOCOL || strstr(resp.error_text, want) == NULL) {
        fail_msg("%s (%s), want protocol with '%s'", http_error_name(resp.error), resp.error_text,
                 want);
    }
    http_response_cleanup(&resp);
    free(answer);
}

/* A real reset stays "reset", in a chunked answer too: the kind is told
 * by libcurl's words, not by the encoding. */
static void test_reset_stays_reset(void **state)
{
    static const char *const answers[] = {
        "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel",
    };

    (void)state;
    for (size_t i = 0; i < sizeof(answers) / sizeof(answers[0]); i++) {
        struct http_response resp;

        raw_get(answers[i], strlen(answers[i]), true, &resp);
        if (resp.error != HTTP_ERROR_RESET || strstr(resp.error_text, "chunk") != NULL) {
            fail_msg("answer %zu: %s (%s), want reset", i, http_error_name(resp.error),
                     resp.error_text);
        }
        http_response_cleanup(&resp);
    }
}

static void test_tls(void **state)
{
    struct http_server_opts o;
    struct http_server *s;
    struct err e;
    char ca_path[] = "/tmp/vambe-http-client-ca-XXXXXX";
    int fd = mkstemp(ca_path);
    char url[128];
    struct http_request req;
    struct http_response resp;
    struct http_client_opts copts;
    struct http_client *c;

    assert_true(fd >= 0);
    assert_int_equal(write(fd, test_cert_pem, strlen(test_cert_pem)),
                     (ssize_t)strlen(test_cert_pem));
    close(fd);
    memset(&o, 0, sizeof(o));
    o.routes = client_srv_routes;
    o.n_routes = sizeof(client_srv_routes) / sizeof(client_srv_routes[0]);
    o.ctx = *state;
    o.threads = 1;
    o.tls_cert_pem = test_cert_pem;
    o.tls_key_pem = test_key_pem;
    err_clear(&e);
    s = http_server_start(&o, &e);
    if (s == NULL) {
        unlink(ca_path);
        fail_msg("TLS server: %s", e.msg);
    }
    snprintf(url, sizeof(url), "https://127.0.0.1:%u/status/201", http_server_port(s));
    req = client_srv_get(url);

    /* Trusted through ca_file. */
    memset(&copts, 0, sizeof(copts));
    copts.ca_file = ca_path;
    c = http_client_new(&copts);
    assert_int_equal(http_client_run(c, &req, &resp, 1, 1), 0);
    assert_int_equal(resp.error, HTTP_ERROR_NONE);
    assert_int_equal(resp.status, 201);
    http_response_cleanup(&resp);
    http_client_free(c);

    /* Unknown to the system store: a TLS error. */
    c = http_client_new(NULL);
    assert_int_equal(http_client_run(c, &req, &resp, 1, 1), 0);
    assert_int_equal(resp.error, HTTP_ERROR_TLS);
    assert_string_equal(http_error_name(resp.error), "tls");
    http_response_cleanup(&resp);
    http_client_free(c);

    /* insecure skips the check. */
    memset(&copts, 0, sizeof(copts));
    copts.insecure = true;
    c = http_client_new(&copts);
    assert_int_equal(http_client_run(c, &req, &resp, 1, 1), 0);
    assert_int_equal(resp.status, 201);
    http_response_cleanup(&resp);
    http_client_free(c);

    http_server_stop(s);
    unlink(ca_path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_broken_chunks),
        cmocka_unit_test(test_header_over_limit),
        cmocka_unit_test(test_reset_stays_reset),
        cmocka_unit_test(test_tls),
    };

    return cmocka_run_group_tests(tests, client_srv_setup, client_srv_teardown);
}
