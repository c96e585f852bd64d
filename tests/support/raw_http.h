/* Test support: a raw HTTP client on a socket, for the tests that need
 * the exact bytes on the wire under their control (core/http_server's),
 * and readers of the raw response it gets. */
#ifndef TESTS_SUPPORT_RAW_HTTP_H
#define TESTS_SUPPORT_RAW_HTTP_H

#include <stddef.h>

/* A response buffer large enough for every test's answers. */
#define RAW_MAX (256 * 1024)

/* A connection to 127.0.0.1 (AF_INET) or ::1 (AF_INET6) port, reads
 * bounded to 5 s; -1 when it cannot connect. */
int raw_http_connect(int family, unsigned port);
/* Sends len bytes of data; a server closing early is not an error. */
void raw_http_send(int fd, const char *data, size_t len);
/* Reads until the server closes; returns the bytes read (NUL-terminated). */
size_t raw_http_read_all(int fd, char *out, size_t out_size);
/* One exchange on a fresh connection; the request must ask to close. */
size_t raw_http_exchange6(int family, unsigned port, const char *req, size_t req_len, char *out,
                          size_t out_size);
/* The same over IPv4, req a string. */
size_t raw_http_exchange(unsigned port, const char *req, char *out, size_t out_size);
/* The status of a raw response; -1 when it has no HTTP/1.1 status line. */
int raw_http_status(const char *resp);
/* The body of a raw response ("" when none). */
const char *raw_http_body(const char *resp);
/* Copies the value of a response header (case-insensitive name); 0, or -1
 * when absent. */
int raw_http_header(const char *resp, const char *name, char *out, size_t out_size);
/* Parses the body as the kit's error shape and checks it. */
void raw_http_error_shape(const char *resp, int status);

#endif
