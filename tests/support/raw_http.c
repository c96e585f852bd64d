/* Test support: a raw HTTP client (see raw_http.h). */
#include "support/raw_http.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>

#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "core/err.h"
#include "core/http_server.h"
#include "core/jsonh.h"

int raw_http_connect(int family, unsigned port)
{
    struct sockaddr_storage ss;
    socklen_t len;
    struct timeval tv = {.tv_sec = 5, .tv_usec = 0};
    int fd;

    memset(&ss, 0, sizeof(ss));
    if (family == AF_INET6) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

        a->sin6_family = AF_INET6;
        a->sin6_port = htons((uint16_t)port);
        a->sin6_addr = in6addr_loopback;
        len = sizeof(*a);
    } else {
        struct sockaddr_in *a = (struct sockaddr_in *)&ss;

        a->sin_family = AF_INET;
        a->sin_port = htons((uint16_t)port);
        a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        len = sizeof(*a);
    }
    fd = socket(family, SOCK_STREAM, 0);
    if (fd < 0) {
        return -1;
    }
    /* Bounds every read: a broken server fails the test, never hangs it. */
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    if (connect(fd, (struct sockaddr *)&ss, len) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

void raw_http_send(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t w = send(fd, data, len, MSG_NOSIGNAL);

        if (w <= 0) {
            return; /* the server may close early (413): not an error here */
        }
        data += w;
        len -= (size_t)w;
    }
}

/* Reads until the server closes; returns the bytes read (NUL-terminated). */
size_t raw_http_read_all(int fd, char *out, size_t out_size)
{
    size_t used = 0;

    while (used + 1 < out_size) {
        ssize_t r = recv(fd, out + used, out_size - 1 - used, 0);

        if (r <= 0) {
            break;
        }
        used += (size_t)r;
    }
    out[used] = '\0';
    return used;
}

/* One exchange on a fresh connection; the request must ask to close. */
size_t raw_http_exchange6(int family, unsigned port, const char *req, size_t req_len, char *out,
                          size_t out_size)
{
    int fd = raw_http_connect(family, port);
    size_t n;

    assert_true(fd >= 0);
    raw_http_send(fd, req, req_len);
    n = raw_http_read_all(fd, out, out_size);
    close(fd);
    return n;
}

size_t raw_http_exchange(unsigned port, const char *req, char *out, size_t out_size)
{
    return raw_http_exchange6(AF_INET, port, req, strlen(req), out, out_size);
}

int raw_http_status(const char *resp)
{
    int status = 0;

    if (sscanf(resp, "HTTP/1.1 %d", &status) != 1) {
        return -1;
    }
    return status;
}

const char *raw_http_body(const char *resp)
{
    const char *p = strstr(resp, "\r\n\r\n");

    return p != NULL ? p + 4 : "";
}

/* Copies the value of a response header (case-insensitive name). */
int raw_http_header(const char *resp, const char *name, char *out, size_t out_size)
{
    const char *end = strstr(resp, "\r\n\r\n");
    const char *p = strstr(resp, "\r\n");
    size_t nlen = strlen(name);

    while (p != NULL && p < end) {
        const char *line = p + 2;
        const char *eol = strstr(line, "\r\n");

        if (eol == NULL) {
            break;
        }
        if (strncasecmp(line, name, nlen) == 0 && line[nlen] == ':') {
            const char *v = line + nlen + 1;

            while (*v == ' ') {
                v++;
            }
            snprintf(out, out_size, "%.*s", (int)(eol - v), v);
            return 0;
        }
        p = eol;
    }
    return -1;
}

/* Parses the body as the kit's error shape and checks it. */
void raw_http_error_shape(const char *resp, int status)
{
    struct err e;
    const char *body = raw_http_body(resp);
    json_t *j = jsonh_parse(body, strlen(body), &e);
    char ctype[128];

    assert_non_null(j);
    assert_int_equal(json_object_size(j), 3);
    assert_int_equal(json_integer_value(json_object_get(j, "statusCode")), status);
    assert_string_equal(json_string_value(json_object_get(j, "error")),
                        http_reason_phrase((unsigned)status));
    assert_non_null(json_string_value(json_object_get(j, "message")));
    assert_true(strlen(json_string_value(json_object_get(j, "message"))) > 0);
    json_decref(j);
    assert_int_equal(raw_http_header(resp, "Content-Type", ctype, sizeof(ctype)), 0);
    assert_string_equal(ctype, "application/json");
}
