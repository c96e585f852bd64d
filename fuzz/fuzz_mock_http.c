/* Fuzz target: the mock's request handling end to end. An in-process mock
 * (ms_server, in-memory store, 127.0.0.1 port 0) is started once; every
 * input becomes one HTTP request sent over a loopback connection kept
 * alive between inputs (a new one when the server closes it), so routing,
 * the body cap, authentication, Content-Type checks, validation, the store
 * and rendering all run as they do for a client.
 *
 * Input:
 *   byte 0   the method (GET POST PUT DELETE PATCH HEAD OPTIONS, or 7: the
 *            first line of the input, its bytes made HTTP token characters)
 *   byte 1   bit 0 the right x-api-key, bit 1 a wrong one, bit 2
 *            Content-Type: application/json, bit 3 chunked body, bit 4
 *            sent in pieces of 7 bytes, bit 5 HTTP/1.0, bit 6 bytes >= 0x80
 *            of the path sent raw
 *   line     the path and query (controls and spaces are percent-encoded)
 *   lines    "Name: value" headers up to an empty line (at most 16;
 *            Content-Length, Transfer-Encoding, Connection and Host are the
 *            target's own)
 *   rest     the body
 *
 * POST /mock/events and POST /mock/calls/{id}/replay are skipped: they
 * would make the delivery engine send requests to fuzzed URLs. Every 64
 * inputs the mock is reset (POST /mock/reset), so its memory stays flat.
 *
 * Properties: an answer always comes (within 10 s); never a 5xx; every 4xx
 * has the kit's JSON error shape unless libmicrohttpd answered before any
 * handler (an HTML page for a malformed request); a secret sent in a body
 * is never echoed back. */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/log.h"
#include "fuzz/fuzz_util.h"
#include "mock_server/server.h"

#define FZ_KEY         "fuzz-mock-key-0123456789"
#define FZ_SECRET      "whsec_fuzz_full_secret_value"
#define FZ_TIMEOUT_MS  10000
#define FZ_MAX_HDRS    16
#define FZ_RESET_EVERY 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static struct ms_server *fz_mock;
static unsigned fz_port;
static unsigned long fz_runs;
static struct fz_conn fz_keep;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    struct ms_options o;
    struct err e = {{0}};

    (void)argc;
    (void)argv;
    log_set_level(LOG_LEVEL_ERROR);
    ms_options_init(&o);
    o.port = 0;
    o.api_key = FZ_KEY;
    o.threads = 2;
    o.access_log = false;
    fz_mock = ms_server_start(&o, &e);
    if (fz_mock == NULL) {
        fz_fail("ms_server_start: %s", e.msg);
    }
    fz_port = ms_server_port(fz_mock);
    fz_conn_init(&fz_keep, fz_port);
    return 0;
}

/* The path as the server decodes it (%XX only), up to the query. */
static void fz_decoded_path(const char *target, char *out, size_t out_size)
{
    size_t o = 0;

    for (size_t i = 0; target[i] != '\0' && target[i] != '?' && o + 1 < out_size; i++) {
        unsigned v = 0;

        if (target[i] == '%' && sscanf(target + i + 1, "%2x", &v) == 1 && target[i + 1] != '\0' &&
            target[i + 2] != '\0') {
            out[o++] = (char)v;
            i += 2;
        } else {
            out[o++] = target[i];
        }
    }
    out[o] = '\0';
}

static bool fz_skipped_header(const char *name)
{
    static const char *const own[] = {"content-length", "transfer-encoding", "connection", "host"};

    for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++) {
        if (strcasecmp(name, own[i]) == 0) {
            return true;
        }
    }
    return false;
}

static size_t fz_count(const char *hay, size_t len, const char *needle)
{
    size_t n = 0;
    size_t k = strlen(needle);

    for (size_t i = 0; k > 0 && i + k <= len; i++) {
        if (memcmp(hay + i, needle, k) == 0) {
            n++;
        }
    }
    return n;
}

/* Does the request carry FZ_SECRET as the "secret" member of a JSON
 * body, and nowhere else (so that an echo can only be the secret's)? */
static bool fz_secret_sent(const char *req, size_t req_len, const char *body, size_t body_len)
{
    json_t *j;
    bool sent;

    if (fz_count(req, req_len, FZ_SECRET) != 1) {
        return false;
    }
    j = json_loadb(body, body_len, 0, NULL);
    sent = json_is_string(json_object_get(j, "secret")) &&
           strcmp(json_string_value(json_object_get(j, "secret")), FZ_SECRET) == 0;
    json_decref(j);
    return sent;
}

static void fz_headers(struct fz_input *in, struct fz_buf *b)
{
    for (int i = 0; i < FZ_MAX_HDRS; i++) {
        size_t len = 0;
        char *line = fz_line(in, &len);
        char *colon = memchr(line, ':', len);
        size_t name_len = colon != NULL ? (size_t)(colon - line) : len;
        const char *value = colon != NULL ? colon + 1 : "";
        size_t value_len = colon != NULL ? len - name_len - 1 : 0;

        if (len == 0) {
            free(line);
            return;
        }
        if (name_len == 0) {
            free(line);
            continue;
        }
        fz_sanitize_name(line, name_len);
        fz_sanitize_value(colon != NULL ? colon + 1 : line + len, value_len);
        line[name_len] = '\0';
        if (!fz_skipped_header(line)) {
            fz_put(b, line, name_len);
            fz_puts(b, ": ");
            fz_put(b, value, value_len);
            fz_puts(b, "\r\n");
        }
        free(line);
    }
}

static void fz_body(struct fz_buf *b, const char *body, size_t len, bool chunked)
{
    char num[64];

    if (!chunked) {
        snprintf(num, sizeof(num), "Content-Length: %zu\r\n\r\n", len);
        fz_puts(b, num);
        fz_put(b, body, len);
        return;
    }
    fz_puts(b, "Transfer-Encoding: chunked\r\n\r\n");
    /* Two chunks when there is enough, to cross a chunk boundary. */
    for (size_t off = 0, half = len / 2; off<len; off += half> 0 ? half : len) {
        size_t n = half > 0 && off == 0 ? half : len - off;

        snprintf(num, sizeof(num), "%zx\r\n", n);
        fz_puts(b, num);
        fz_put(b, body + off, n);
        fz_puts(b, "\r\n");
        if (off + n >= len) {
            break;
        }
    }
    fz_puts(b, "0\r\n\r\n");
}

static void fz_reset(void)
{
    static const char req[] = "POST /mock/reset HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                              "x-api-key: " FZ_KEY "\r\nConnection: close\r\n"
                              "Content-Length: 0\r\n\r\n";
    struct fz_reply r;

    if (fz_http_exchange(fz_port, req, sizeof(req) - 1, 0, FZ_TIMEOUT_MS, &r) != 0 ||
        r.status != 200) {
        fz_fail("POST /mock/reset: status %u", r.status);
    }
    fz_reply_free(&r);
}

static void fz_check(const char *method, const char *target, const char *req, size_t req_len,
                     const char *body, size_t body_len, const struct fz_reply *r)
{
    char why[256];

    if (r->status < 100 || r->status > 599) {
        fz_fail("%s %.80s: status %u", method, target, r->status);
    }
    if (r->status >= 500) {
        fz_fail("%s %.80s: %u %.300s", method, target, r->status, r->body);
    }
    if (r->status >= 400 && strcmp(method, "HEAD") != 0 && !fz_reply_is_mhd(r) &&
        fz_check_error_shape(r, why, sizeof(why)) != 0) {
        fz_fail("%s %.80s: %s: %.300s", method, target, why, r->body);
    }
    if (fz_secret_sent(req, req_len, body, body_len) &&
        fz_count(r->raw, r->raw_len, FZ_SECRET) > 0) {
        fz_fail("%s %.80s: the secret came back: %.300s", method, target, r->body);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const methods[] = {"GET",   "POST", "PUT",    "DELETE",
                                          "PATCH", "HEAD", "OPTIONS"};
    struct fz_input in = {data, size};
    uint8_t m = fz_byte(&in);
    uint8_t flags = fz_byte(&in);
    struct fz_buf b = {NULL, 0, 0};
    char method[64];
    char target[4096];
    char decoded[4096];
    char *line;
    char *body;
    size_t len = 0;
    size_t body_len = 0;
    struct fz_reply r;

    if (m % 8 == 7) {
        line = fz_line(&in, &len);
        fz_sanitize_name(line, len);
        snprintf(method, sizeof(method), "%s", len > 0 ? line : "GET");
        free(line);
    } else {
        snprintf(method, sizeof(method), "%s", methods[m % 8]);
    }
    line = fz_line(&in, &len);
    target[0] = '/';
    fz_encode_target(line, len, (flags & 0x40) == 0, target + (line[0] == '/' ? 0 : 1),
                     sizeof(target) - 1);
    free(line);
    fz_decoded_path(target, decoded, sizeof(decoded));
    if (strcmp(method, "POST") == 0 &&
        (strncmp(decoded, "/mock/events", 12) == 0 || strncmp(decoded, "/mock/calls/", 12) == 0)) {
        return 0;
    }
    fz_puts(&b, method);
    fz_puts(&b, " ");
    fz_puts(&b, target);
    fz_puts(&b, (flags & 0x20) ? " HTTP/1.0\r\n" : " HTTP/1.1\r\n");
    fz_puts(&b, "Host: 127.0.0.1\r\n");
    if (flags & 1) {
        fz_puts(&b, "x-api-key: " FZ_KEY "\r\n");
    } else if (flags & 2) {
        fz_puts(&b, "x-api-key: fuzz-mock-key-0123456788\r\n");
    }
    if (flags & 4) {
        fz_puts(&b, "Content-Type: application/json\r\n");
    }
    fz_headers(&in, &b);
    body = fz_rest(&in, &body_len);
    fz_body(&b, body, body_len, (flags & 8) != 0 && (flags & 0x20) == 0);
    if (fz_conn_exchange(&fz_keep, b.p, b.len, (flags & 0x10) ? 7 : 0, strcmp(method, "HEAD") == 0,
                         FZ_TIMEOUT_MS, &r) != 0) {
        struct fz_reply h;
        static const char health[] = "GET /mock/health HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                     "Connection: close\r\n\r\n";
        char then[200];

        /* Is the whole server stuck, or this connection only? */
        if (fz_http_exchange(fz_port, health, sizeof(health) - 1, 0, FZ_TIMEOUT_MS, &h) == 0) {
            snprintf(then, sizeof(then), "answered %u", h.status);
        } else {
            snprintf(then, sizeof(then), "failed: %s", h.why);
        }
        fz_fail("%s %.80s: %s (within %d ms); GET /mock/health on a new connection then %s", method,
                target, r.why, FZ_TIMEOUT_MS, then);
    }
    fz_check(method, target, b.p, b.len, body, body_len, &r);
    fz_reply_free(&r);
    free(body);
    free(b.p);
    if (++fz_runs % FZ_RESET_EVERY == 0) {
        fz_reset();
    }
    return 0;
}
