/* Shared helpers of the fuzz targets (see fuzz_util.h). */
#include "fuzz/fuzz_util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define FZ_READ_MAX (8u * 1024 * 1024)

uint8_t fz_byte(struct fz_input *in)
{
    uint8_t b;

    if (in->n == 0) {
        return 0;
    }
    b = in->p[0];
    in->p++;
    in->n--;
    return b;
}

static char *fz_copy(const uint8_t *p, size_t n)
{
    char *s = malloc(n + 1);

    if (s == NULL) {
        abort();
    }
    if (n > 0) {
        memcpy(s, p, n);
    }
    s[n] = '\0';
    return s;
}

char *fz_line(struct fz_input *in, size_t *len)
{
    const uint8_t *nl = in->n > 0 ? memchr(in->p, '\n', in->n) : NULL;
    size_t n = nl != NULL ? (size_t)(nl - in->p) : in->n;
    char *s = fz_copy(in->p, n);

    *len = n;
    in->p += n;
    in->n -= n;
    if (nl != NULL) {
        in->p++;
        in->n--;
    }
    return s;
}

char *fz_rest(struct fz_input *in, size_t *len)
{
    char *s = fz_copy(in->p, in->n);

    *len = in->n;
    in->p += in->n;
    in->n = 0;
    return s;
}

void fz_fail(const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "fuzz: property broken: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n");
    abort();
}

static uint64_t fz_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int fz_connect(unsigned port)
{
    struct sockaddr_in sin;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;

    if (fd < 0) {
        return -1;
    }
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_port = htons((uint16_t)port);
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0) {
        close(fd);
        return -1;
    }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return fd;
}

/* Waits until fd is ready for events or the deadline passes; 1, 0 on a
 * timeout, -1 on an error. */
static int fz_wait(int fd, short events, uint64_t deadline)
{
    struct pollfd pfd = {fd, events, 0};
    uint64_t now = fz_now_ms();
    int rc;

    if (now >= deadline) {
        return 0;
    }
    do {
        rc = poll(&pfd, 1, (int)(deadline - now));
    } while (rc < 0 && errno == EINTR);
    return rc;
}

/* 0 when everything was sent, 1 when the peer closed before (it may have
 * answered early, e.g. 413), -1 on a timeout. */
static int fz_send_all(int fd, const char *p, size_t len, size_t piece, uint64_t deadline)
{
    size_t off = 0;

    while (off < len) {
        size_t n = len - off;
        ssize_t w;

        if (piece > 0 && n > piece) {
            n = piece;
        }
        if (fz_wait(fd, POLLOUT, deadline) <= 0) {
            return -1;
        }
        w = send(fd, p + off, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            return 1;
        }
        off += (size_t)w;
    }
    return 0;
}

/* The value of header name in the block [p, end), copied into out; "" when
 * absent. */
static void fz_block_header(const char *p, const char *end, const char *name, char *out,
                            size_t out_size)
{
    size_t k = strlen(name);
    const char *line;

    out[0] = '\0';
    for (line = strstr(p, "\r\n"); line != NULL && line < end; line = strstr(line + 2, "\r\n")) {
        if (strncasecmp(line + 2, name, k) == 0 && line[2 + k] == ':') {
            const char *v = line + 3 + k;
            size_t n;

            while (*v == ' ' || *v == '\t') {
                v++;
            }
            n = strcspn(v, "\r\n");
            if (n >= out_size) {
                n = out_size - 1;
            }
            memcpy(out, v, n);
            out[n] = '\0';
            return;
        }
    }
}

static void fz_reply_parse(struct fz_reply *r)
{
    const char *end = strstr(r->raw, "\r\n\r\n");

    r->status = 0;
    if (strncmp(r->raw, "HTTP/1.", 7) == 0 && r->raw_len >= 12) {
        r->status = (unsigned)strtoul(r->raw + 9, NULL, 10);
    }
    if (end == NULL) {
        r->content_type[0] = '\0';
        r->body = r->raw + r->raw_len;
        r->body_len = 0;
        return;
    }
    fz_block_header(r->raw, end + 2, "Content-Type", r->content_type, sizeof(r->content_type));
    r->body = end + 4;
    r->body_len = r->raw_len - (size_t)(r->body - r->raw);
}

void fz_conn_init(struct fz_conn *c, unsigned port)
{
    c->fd = -1;
    c->port = port;
}

void fz_conn_close(struct fz_conn *c)
{
    if (c->fd >= 0) {
        close(c->fd);
    }
    c->fd = -1;
}

/* A growing receive buffer. */
struct fz_rbuf {
    char *p;
    size_t len;
    size_t cap;
};

/* Reads what is there (waiting until the deadline); 1 when bytes came, 0
 * on EOF, -1 on a timeout or error. */
static int fz_read_more(int fd, struct fz_rbuf *b, uint64_t deadline)
{
    ssize_t got;

    if (b->len + 4096 + 1 > b->cap) {
        if (b->cap >= FZ_READ_MAX) {
            return -1;
        }
        b->cap = b->cap > 0 ? b->cap * 2 : 8192;
        b->p = realloc(b->p, b->cap);
        if (b->p == NULL) {
            abort();
        }
    }
    for (;;) {
        if (fz_wait(fd, POLLIN, deadline) <= 0) {
            return -1;
        }
        got = recv(fd, b->p + b->len, b->cap - b->len - 1, 0);
        if (got < 0 && errno == EINTR) {
            continue;
        }
        if (got < 0) {
            return errno == ECONNRESET ? 0 : -1;
        }
        b->len += (size_t)got;
        b->p[b->len] = '\0';
        return got > 0 ? 1 : 0;
    }
}

/* Reads one final response (skipping 1xx ones) into b from offset *start.
 * Returns 0 with *start at the final response and *close set when the
 * connection must not be reused, 1 when the peer closed before sending
 * anything, -1 on a timeout, a broken answer or extra bytes. */
static int fz_read_response(int fd, struct fz_rbuf *b, bool head, uint64_t deadline, size_t *start,
                            bool *close_after)
{
    char v[64];

    for (;;) {
        char *hdr_end;
        unsigned status;
        int rc;

        while ((hdr_end = strstr(b->p + *start, "\r\n\r\n")) == NULL) {
            rc = fz_read_more(fd, b, deadline);
            if (rc <= 0) {
                return rc == 0 && b->len == *start ? 1 : -1;
            }
        }
        status = strncmp(b->p + *start, "HTTP/1.", 7) == 0
                     ? (unsigned)strtoul(b->p + *start + 9, NULL, 10)
                     : 0;
        if (status >= 100 && status < 200) {
            *start = (size_t)(hdr_end + 4 - b->p);
            continue;
        }
        size_t body_at = (size_t)(hdr_end + 4 - b->p);
        fz_block_header(b->p + *start, hdr_end + 2, "Connection", v, sizeof(v));
        *close_after = strcasecmp(v, "close") == 0 || strncmp(b->p + *start, "HTTP/1.0", 8) == 0;
        fz_block_header(b->p + *start, hdr_end + 2, "Content-Length", v, sizeof(v));
        if (head || status == 204 || status == 304) {
            return b->len == body_at ? 0 : -1;
        }
        if (v[0] == '\0') {
            /* No length: the body ends when the peer closes. */
            *close_after = true;
            while ((rc = fz_read_more(fd, b, deadline)) > 0) {
            }
            return rc == 0 ? 0 : -1;
        }
        size_t need = body_at + (size_t)strtoull(v, NULL, 10);
        while (b->len < need) {
            if (fz_read_more(fd, b, deadline) <= 0) {
                return -1;
            }
        }
        return b->len == need ? 0 : -1;
    }
}

int fz_conn_exchange(struct fz_conn *c, const char *req, size_t len, size_t piece, bool head,
                     int timeout_ms, struct fz_reply *out)
{
    uint64_t deadline = fz_now_ms() + (uint64_t)timeout_ms;
    struct fz_rbuf b = {NULL, 0, 0};
    size_t start = 0;
    bool close_after = false;
    int rc = -1;

    memset(out, 0, sizeof(*out));
    b.cap = 8192;
    b.p = malloc(b.cap);
    if (b.p == NULL) {
        abort();
    }
    b.p[0] = '\0';
    /* A reused connection the server has closed meanwhile gets one retry
     * on a fresh one. */
    for (int attempt = 0; attempt < 2; attempt++) {
        bool reused = c->fd >= 0;
        int got;

        if (c->fd < 0 && (c->fd = fz_connect(c->port)) < 0) {
            snprintf(out->why, sizeof(out->why), "cannot connect: %s", strerror(errno));
            goto out;
        }
        if (fz_send_all(c->fd, req, len, piece, deadline) < 0) {
            snprintf(out->why, sizeof(out->why), "the request could not be sent in time (%s)",
                     reused ? "reused connection" : "new connection");
            goto out;
        }
        got = fz_read_response(c->fd, &b, head, deadline, &start, &close_after);
        if (got == 0) {
            rc = 0;
            break;
        }
        fz_conn_close(c);
        if (got < 0 || !reused) {
            snprintf(out->why, sizeof(out->why), "%s after %zu bytes of answer on a %s connection",
                     got < 0 ? "no complete answer, or bytes after it," : "closed", b.len - start,
                     reused ? "reused" : "new");
            goto out;
        }
        b.len = 0;
        b.p[0] = '\0';
        start = 0;
    }
out:
    if (rc != 0 || close_after) {
        fz_conn_close(c);
    }
    out->raw_len = b.len - start;
    memmove(b.p, b.p + start, out->raw_len + 1);
    out->raw = b.p;
    fz_reply_parse(out);
    if (rc == 0 && out->status < 100) {
        snprintf(out->why, sizeof(out->why), "no status line in the answer");
        rc = -1;
    }
    return rc;
}

int fz_http_exchange(unsigned port, const char *req, size_t len, size_t piece, int timeout_ms,
                     struct fz_reply *out)
{
    struct fz_conn c;
    int rc;

    fz_conn_init(&c, port);
    rc = fz_conn_exchange(&c, req, len, piece, false, timeout_ms, out);
    fz_conn_close(&c);
    return rc;
}

void fz_reply_free(struct fz_reply *r)
{
    free(r->raw);
    memset(r, 0, sizeof(*r));
}

bool fz_reply_is_mhd(const struct fz_reply *r)
{
    return strncasecmp(r->content_type, "application/json", 16) != 0 &&
           (r->body_len == 0 || strstr(r->body, "<html>") != NULL ||
            strstr(r->body, "<html") != NULL);
}

int fz_check_error_shape(const struct fz_reply *r, char *why, size_t why_size)
{
    json_error_t je;
    json_t *j = NULL;
    json_t *code;
    json_t *error;
    json_t *message;
    int rc = -1;

    if (strncasecmp(r->content_type, "application/json", 16) != 0) {
        snprintf(why, why_size, "status %u: Content-Type '%s', not application/json", r->status,
                 r->content_type);
        goto out;
    }
    j = json_loadb(r->body, r->body_len, 0, &je);
    if (!json_is_object(j)) {
        snprintf(why, why_size, "status %u: the body is no JSON object (%s)", r->status,
                 j == NULL ? je.text : "another type");
        goto out;
    }
    code = json_object_get(j, "statusCode");
    error = json_object_get(j, "error");
    message = json_object_get(j, "message");
    if (!json_is_integer(code) || json_integer_value(code) != (json_int_t)r->status) {
        snprintf(why, why_size, "status %u: statusCode missing or different", r->status);
        goto out;
    }
    if (!json_is_string(error) || json_string_length(error) == 0 || !json_is_string(message) ||
        json_string_length(message) == 0) {
        snprintf(why, why_size, "status %u: error or message missing or empty", r->status);
        goto out;
    }
    rc = 0;
out:
    json_decref(j);
    return rc;
}

void fz_encode_target(const char *s, size_t len, bool encode_high, char *out, size_t out_size)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;

    if (out_size == 0) {
        return;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        bool enc = c <= 0x20 || c == 0x7f || c == '#' || (encode_high && c >= 0x80);

        if (o + (enc ? 3 : 1) >= out_size) {
            break;
        }
        if (enc) {
            out[o++] = '%';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 0x0f];
        } else {
            out[o++] = (char)c;
        }
    }
    out[o] = '\0';
}

void fz_sanitize_name(char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);

        if (!ok) {
            s[i] = 'x';
        }
    }
}

void fz_sanitize_value(char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\r' || s[i] == '\n' || s[i] == '\0') {
            s[i] = ' ';
        }
    }
}

void fz_put(struct fz_buf *b, const void *data, size_t len)
{
    if (b->len + len + 1 > b->cap) {
        size_t cap = b->cap > 0 ? b->cap : 1024;

        while (cap < b->len + len + 1) {
            cap *= 2;
        }
        b->p = realloc(b->p, cap);
        if (b->p == NULL) {
            abort();
        }
        b->cap = cap;
    }
    memcpy(b->p + b->len, data, len);
    b->len += len;
    b->p[b->len] = '\0';
}

void fz_puts(struct fz_buf *b, const char *s)
{
    fz_put(b, s, strlen(s));
}
