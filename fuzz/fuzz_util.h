/* Shared helpers of the fuzz targets: splitting an input into fields, one
 * HTTP exchange over a loopback socket, and the checks every answer of the
 * kit's servers must pass (the JSON error shape). A broken property is a
 * finding: fz_fail prints it and aborts, so libFuzzer (or the regression
 * runner) stops with the input that broke it. */
#ifndef FUZZ_FUZZ_UTIL_H
#define FUZZ_FUZZ_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A cursor over the fuzzer's bytes. */
struct fz_input {
    const uint8_t *p;
    size_t n;
};

/* The next byte (0 when none is left). */
uint8_t fz_byte(struct fz_input *in);
/* The next field up to a '\n' (not included; the '\n' is consumed) or the
 * end; a malloc'd, NUL-terminated copy whose length is *len (the copy may
 * hold NUL bytes). Never NULL. */
char *fz_line(struct fz_input *in, size_t *len);
/* Whatever is left, as fz_line. */
char *fz_rest(struct fz_input *in, size_t *len);

/* A raw HTTP answer (the final one, after any 1xx). */
struct fz_reply {
    char *raw; /* malloc'd, NUL-terminated */
    size_t raw_len;
    unsigned status;
    const char *body; /* into raw */
    size_t body_len;
    char content_type[128]; /* "" when absent */
    char why[160];          /* what went wrong when the exchange failed */
};

/* A kept-alive connection to 127.0.0.1:port (fd -1 when not connected).
 * Reusing it spares a connection (and, on a thread-per-connection server,
 * a thread) per input. */
struct fz_conn {
    int fd;
    unsigned port;
};

void fz_conn_init(struct fz_conn *c, unsigned port);
void fz_conn_close(struct fz_conn *c);
/* Sends len bytes of req (in pieces of at most piece bytes when piece > 0)
 * and reads one answer: interim 1xx answers are skipped, the final one is
 * framed by its Content-Length (none for a HEAD: head true), or by the end
 * of the connection when it has none. The connection is closed when the
 * answer says so or anything went wrong, and connected again on the next
 * call. Returns 0, or -1 when no complete answer arrived within timeout_ms
 * (a hang), the answer is malformed, or bytes follow it. */
int fz_conn_exchange(struct fz_conn *c, const char *req, size_t len, size_t piece, bool head,
                     int timeout_ms, struct fz_reply *out);
/* The same on a connection of its own. */
int fz_http_exchange(unsigned port, const char *req, size_t len, size_t piece, int timeout_ms,
                     struct fz_reply *out);
void fz_reply_free(struct fz_reply *r);

/* Is this answer libmicrohttpd's own (an HTML error page decided before
 * any handler ran, e.g. 400 for a malformed request line)? */
bool fz_reply_is_mhd(const struct fz_reply *r);
/* Checks the kit's error shape {"statusCode": status, "error": "...",
 * "message": "..."}; 0, or -1 with why filled. */
int fz_check_error_shape(const struct fz_reply *r, char *why, size_t why_size);

/* Prints the message (with the input's size) on stderr and aborts. */
void fz_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* Percent-encodes every byte of s (len bytes) that cannot appear raw in a
 * request target (controls, space, DEL, bytes >= 0x80 when encode_high)
 * into out (size out_size, NUL-terminated, truncated when too small). */
void fz_encode_target(const char *s, size_t len, bool encode_high, char *out, size_t out_size);

/* Replaces every byte of a header name that is not an RFC 9110 tchar with
 * 'x', and every CR, LF or NUL of a value with ' '. */
void fz_sanitize_name(char *s, size_t len);
void fz_sanitize_value(char *s, size_t len);

/* A growing, NUL-terminated request buffer; aborts when memory runs out. */
struct fz_buf {
    char *p;
    size_t len;
    size_t cap;
};

void fz_put(struct fz_buf *b, const void *data, size_t len);
void fz_puts(struct fz_buf *b, const char *s);

#endif
