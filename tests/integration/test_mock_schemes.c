/* The nine built-in signing schemes, end to end and checked independently
 * of core/: the mock (in process, or the real program) sends under each
 * scheme to a receiver of this file that keeps the raw request (request
 * line, every header, the body), and the test recomputes what the
 * provider's documentation says the request carries with OpenSSL's HMAC()
 * and EVP_EncodeBlock/EVP_DecodeBlock directly. The digest, the key, the
 * signed string and the encoding of each scheme are written out in the
 * table below, never read from schemes/ or core/scheme.
 *
 * The scheme is chosen three ways: `serve --scheme` of the real program,
 * the same flag through the in-process mock's policy (ms_policy_set_flag,
 * which is what the flag calls) and PUT /mock/config {"scheme": NAME}; and
 * two scheme files through `serve --scheme FILE`, one of them named like a
 * built-in (the call log must show what was sent).
 *
 * Then the failure paths: a secret the scheme cannot use (400 when the
 * webhook is made; a failed attempt with the reason when the scheme changes
 * afterwards) and scheme values PUT /mock/config must refuse. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "core/http_client.h"
#include "core/ids.h"
#include "core/log.h"
#include "mock_server/server.h"
#include "support/api.h"
#include "support/mock.h"
#include "support/proc.h"

#define KEY "test-key-schemes-0123"
/* base64 of 32 bytes with '+', '/' and '=' in it: a whsec_ key for
 * standard-webhooks, raw key bytes for the others, and a token that needs
 * percent-encoding in a query. */
#define SECRET     "whsec_dmFtYmUh++++////a2l0LXNlY3JldC1rZXktMjAyNCE="
#define BAD_SECRET "whsec_not*base64!"
#define WAIT_MS    10000
/* A timestamp is "now" when it is this close to the clock around the
 * delivery. */
#define SKEW_MS 3000
/* A signature or token header's whole value. */
#define VALUE_MAX 600

/* ---- a raw receiver -------------------------------------------------------------- */

#define RAW_HEAD_MAX    (32 * 1024)
#define RAW_BODY_MAX    (4 * 1024 * 1024)
#define RAW_HEADERS_MAX 48
#define RAW_REQS_MAX    16

struct raw_header {
    const char *name; /* into raw_req.head */
    const char *value;
};

/* One request exactly as it came: request line, header lines, body. */
struct raw_req {
    char method[16];
    char target[4096]; /* path and query as sent */
    char *head;        /* the header block, owned; the headers point into it */
    struct raw_header headers[RAW_HEADERS_MAX];
    size_t n_headers;
    char *body; /* owned, NUL-terminated */
    size_t body_len;
};

/* A blocking HTTP/1.1 server on 127.0.0.1 port 0 and one thread: one
 * request per connection, answered 200 "ok" with Connection: close. It
 * parses only what a webhook delivery needs (Content-Length bodies) and
 * notes anything else in error, which the tests assert empty. */
struct raw_rx {
    int listen_fd;
    int stop[2]; /* a byte on stop[1] ends the thread */
    unsigned port;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    struct raw_req reqs[RAW_REQS_MAX];
    size_t n;
    char error[256];
};

static void raw_error(struct raw_rx *rx, const char *msg)
{
    pthread_mutex_lock(&rx->lock);
    if (rx->error[0] == '\0') {
        snprintf(rx->error, sizeof(rx->error), "%s", msg);
    }
    pthread_cond_broadcast(&rx->cond);
    pthread_mutex_unlock(&rx->lock);
}

static const char *raw_header(const struct raw_req *r, const char *name)
{
    for (size_t i = 0; i < r->n_headers; i++) {
        if (strcasecmp(r->headers[i].name, name) == 0) {
            return r->headers[i].value;
        }
    }
    return NULL;
}

/* The same, "" when absent (for comparisons). */
static const char *raw_hv(const struct raw_req *r, const char *name)
{
    const char *v = raw_header(r, name);
    return v != NULL ? v : "";
}

static size_t raw_header_count(const struct raw_req *r, const char *name)
{
    size_t n = 0;

    for (size_t i = 0; i < r->n_headers; i++) {
        n += strcasecmp(r->headers[i].name, name) == 0;
    }
    return n;
}

/* Splits the header block (head_len bytes, ending with the empty line) into
 * r. 0, or -1 with why set. */
static int raw_parse_head(const char *buf, size_t head_len, struct raw_req *r, const char **why)
{
    char *line;
    char *next;
    char *sp1;
    char *sp2;

    r->head = malloc(head_len + 1);
    assert_non_null(r->head);
    memcpy(r->head, buf, head_len);
    r->head[head_len] = '\0';
    line = r->head;
    next = strstr(line, "\r\n");
    *next = '\0';
    sp1 = strchr(line, ' ');
    sp2 = sp1 != NULL ? strchr(sp1 + 1, ' ') : NULL;
    if (sp2 == NULL || strcmp(sp2 + 1, "HTTP/1.1") != 0 || (size_t)(sp1 - line) >= 16 ||
        (size_t)(sp2 - sp1 - 1) >= sizeof(r->target)) {
        *why = "a malformed request line";
        return -1;
    }
    snprintf(r->method, sizeof(r->method), "%.*s", (int)(sp1 - line), line);
    snprintf(r->target, sizeof(r->target), "%.*s", (int)(sp2 - sp1 - 1), sp1 + 1);
    for (line = next + 2; *line != '\0'; line = next + 2) {
        char *colon;
        char *v;
        char *end;

        next = strstr(line, "\r\n");
        if (next == NULL || next == line) {
            break; /* the empty line */
        }
        *next = '\0';
        colon = strchr(line, ':');
        if (colon == NULL || colon == line || line[0] == ' ' || line[0] == '\t' ||
            r->n_headers == RAW_HEADERS_MAX) {
            *why = "a malformed or folded header line, or too many headers";
            return -1;
        }
        *colon = '\0';
        for (v = colon + 1; *v == ' ' || *v == '\t'; v++) {
        }
        for (end = v + strlen(v); end > v && (end[-1] == ' ' || end[-1] == '\t'); end--) {
        }
        *end = '\0';
        r->headers[r->n_headers].name = line;
        r->headers[r->n_headers].value = v;
        r->n_headers++;
    }
    return 0;
}

static int raw_send_all(int fd, const char *s, size_t n)
{
    while (n > 0) {
        ssize_t k = send(fd, s, n, MSG_NOSIGNAL);

        if (k <= 0) {
            return -1;
        }
        s += k;
        n -= (size_t)k;
    }
    return 0;
}

/* Reads one request from fd, records it and answers it. */
static void raw_serve(struct raw_rx *rx, int fd)
{
    static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                             "Content-Length: 2\r\nConnection: close\r\n\r\nok";
    static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
    struct timeval tv = {5, 0}; /* a stuck sender does not hold the thread for ever */
    struct raw_req r;
    char *buf = malloc(RAW_HEAD_MAX + 1);
    const char *why = NULL;
    const char *end = NULL;
    const char *cl;
    const char *expect;
    size_t len = 0;
    size_t head_len;
    size_t have;
    char *stop = NULL;
    unsigned long long want;

    assert_non_null(buf);
    memset(&r, 0, sizeof(r));
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    while (end == NULL && len < RAW_HEAD_MAX) {
        ssize_t n = recv(fd, buf + len, RAW_HEAD_MAX - len, 0);

        if (n <= 0) {
            goto out; /* closed (or timed out) before a whole header block */
        }
        len += (size_t)n;
        buf[len] = '\0';
        end = strstr(buf, "\r\n\r\n");
    }
    if (end == NULL) {
        why = "a header block over 32 KiB";
        goto out;
    }
    head_len = (size_t)(end - buf) + 4;
    if (raw_parse_head(buf, head_len, &r, &why) != 0) {
        goto out;
    }
    cl = raw_header(&r, "Content-Length");
    if (raw_header(&r, "Transfer-Encoding") != NULL || cl == NULL) {
        why = "a body without Content-Length";
        goto out;
    }
    errno = 0;
    want = strtoull(cl, &stop, 10);
    if (errno != 0 || *stop != '\0' || stop == cl || want > RAW_BODY_MAX) {
        why = "a bad Content-Length";
        goto out;
    }
    have = len - head_len;
    if (have > want) {
        why = "more bytes than Content-Length";
        goto out;
    }
    expect = raw_header(&r, "Expect");
    if (expect != NULL && strcasecmp(expect, "100-continue") == 0 && have < want &&
        raw_send_all(fd, cont, sizeof(cont) - 1) != 0) {
        goto out;
    }
    r.body = malloc((size_t)want + 1);
    assert_non_null(r.body);
    memcpy(r.body, buf + head_len, have);
    while (have < want) {
        ssize_t n = recv(fd, r.body + have, (size_t)want - have, 0);

        if (n <= 0) {
            why = "a body shorter than Content-Length";
            goto out;
        }
        have += (size_t)n;
    }
    r.body[want] = '\0';
    r.body_len = (size_t)want;
    pthread_mutex_lock(&rx->lock);
    if (rx->n < RAW_REQS_MAX) {
        rx->reqs[rx->n] = r; /* takes ownership of head and body */
        memset(&r, 0, sizeof(r));
    }
    rx->n++;
    pthread_cond_broadcast(&rx->cond);
    pthread_mutex_unlock(&rx->lock);
    (void)raw_send_all(fd, ok, sizeof(ok) - 1);
out:
    if (why != NULL) {
        raw_error(rx, why);
    }
    free(r.head);
    free(r.body);
    free(buf);
}

static void *raw_main(void *arg)
{
    struct raw_rx *rx = arg;

    for (;;) {
        struct pollfd pf[2] = {{rx->listen_fd, POLLIN, 0}, {rx->stop[0], POLLIN, 0}};
        int fd;

        if (poll(pf, 2, -1) < 0) {
            if (errno == EINTR) {
                continue;
            }
            raw_error(rx, "poll failed");
            break;
        }
        if (pf[1].revents != 0) {
            break;
        }
        fd = accept(rx->listen_fd, NULL, NULL);
        if (fd >= 0) {
            raw_serve(rx, fd);
            close(fd);
        }
    }
    return NULL;
}

static struct raw_rx *raw_start(void)
{
    struct raw_rx *rx = calloc(1, sizeof(*rx));
    struct sockaddr_in a;
    socklen_t alen = sizeof(a);

    assert_non_null(rx);
    pthread_mutex_init(&rx->lock, NULL);
    pthread_cond_init(&rx->cond, NULL);
    assert_int_equal(pipe(rx->stop), 0);
    rx->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(rx->listen_fd >= 0);
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(rx->listen_fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(rx->listen_fd, 64), 0);
    assert_int_equal(getsockname(rx->listen_fd, (struct sockaddr *)&a, &alen), 0);
    rx->port = ntohs(a.sin_port);
    assert_int_equal(pthread_create(&rx->thread, NULL, raw_main, rx), 0);
    return rx;
}

static void raw_stop(struct raw_rx *rx)
{
    if (rx == NULL) {
        return;
    }
    assert_int_equal(write(rx->stop[1], "x", 1), 1);
    pthread_join(rx->thread, NULL);
    close(rx->listen_fd);
    close(rx->stop[0]);
    close(rx->stop[1]);
    for (size_t i = 0; i < rx->n && i < RAW_REQS_MAX; i++) {
        free(rx->reqs[i].head);
        free(rx->reqs[i].body);
    }
    pthread_cond_destroy(&rx->cond);
    pthread_mutex_destroy(&rx->lock);
    free(rx);
}

/* Waits (bounded) until n requests came; fails on a malformed one. */
static void raw_wait(struct raw_rx *rx, size_t n)
{
    struct timespec until;
    int rc = 0;

    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += WAIT_MS / 1000;
    pthread_mutex_lock(&rx->lock);
    while (rx->n < n && rx->error[0] == '\0' && rc == 0) {
        rc = pthread_cond_timedwait(&rx->cond, &rx->lock, &until);
    }
    pthread_mutex_unlock(&rx->lock);
    if (rx->error[0] != '\0') {
        fail_msg("the receiver got %s", rx->error);
    }
    if (rx->n < n) {
        fail_msg("the receiver saw %zu requests, expected %zu", rx->n, n);
    }
}

static size_t raw_count(struct raw_rx *rx)
{
    size_t n;

    pthread_mutex_lock(&rx->lock);
    n = rx->n;
    pthread_mutex_unlock(&rx->lock);
    return n;
}

/* ---- what each scheme sends, written out from the providers' documents ---------- */

enum auth { AUTH_HMAC, AUTH_TOKEN_QUERY, AUTH_TOKEN_HEADER, AUTH_NONE };

/* The string an HMAC scheme signs. */
enum signed_form {
    SIGNED_NONE,
    SIGNED_BODY,        /* the body */
    SIGNED_TS_DOT_BODY, /* "<ts>.<body>" */
    SIGNED_V0_TS_BODY,  /* "v0:<ts>:<body>" (Slack) */
    SIGNED_ID_TS_BODY,  /* "<id>.<ts>.<body>" (Standard Webhooks) */
};

enum encoding { ENC_NONE, ENC_HEX, ENC_BASE64 };
enum key_form { KEY_NONE, KEY_RAW, KEY_WHSEC_BASE64 };
enum ts_form { TS_NONE, TS_HEADER_MS, TS_HEADER_S, TS_STRIPE_T_S };

/* Columns: the scheme; how it authenticates; the HMAC's digest, key,
 * signed string, encoding, header and the header's value around the
 * signature (stripe's is "t=<ts>,v1=<sig>", built apart); the timestamp;
 * where the event id and type travel (a header, or a dotted body field);
 * the id's shape; the webhook id and delivery id headers; User-Agent; what
 * GET /mock/config shows for it. */
struct want {
    const char *name;
    enum auth auth;
    const EVP_MD *(*digest)(void);
    enum key_form key;
    enum signed_form form;
    enum encoding enc;
    const char *sig_header; /* or the token's header */
    const char *sig_prefix;
    enum ts_form ts;
    const char *ts_header;
    const char *id_header;
    const char *id_field;
    const char *id_prefix;
    size_t id_len;
    const char *type_header;
    const char *type_field;
    const char *hook_id_header;
    const char *delivery_header;
    const char *user_agent;
    const char *profile;
    const char *unit; /* NULL: the scheme has no timestamp */
};

#define VAMBE_IDS                                                                                  \
    "x-vambe-event-id", NULL, "evt_", 28, "x-vambe-event", NULL, "x-vambe-webhook-id",             \
        "x-vambe-delivery-id", "Vambe-Webhooks/1.0", "documented"

static const struct want wants[] = {
    {"vambe", AUTH_HMAC, EVP_sha256, KEY_RAW, SIGNED_TS_DOT_BODY, ENC_HEX, "x-vambe-signature", "",
     TS_HEADER_MS, "x-vambe-timestamp", VAMBE_IDS, "ms"},
    {"vambe-token-query", AUTH_TOKEN_QUERY, NULL, KEY_NONE, SIGNED_NONE, ENC_NONE, NULL, NULL,
     TS_NONE, NULL, VAMBE_IDS, NULL},
    {"vambe-token-header", AUTH_TOKEN_HEADER, NULL, KEY_NONE, SIGNED_NONE, ENC_NONE,
     "x-vambe-token", "", TS_NONE, NULL, VAMBE_IDS, NULL},
    {"standard-webhooks",
     AUTH_HMAC,
     EVP_sha256,
     KEY_WHSEC_BASE64,
     SIGNED_ID_TS_BODY,
     ENC_BASE64,
     "webhook-signature",
     "v1,",
     TS_HEADER_S,
     "webhook-timestamp",
     "webhook-id",
     NULL,
     "msg_",
     31,
     NULL,
     "type",
     NULL,
     NULL,
     "Svix-Webhooks/1.0",
     "standard-webhooks",
     "s"},
    {"github",
     AUTH_HMAC,
     EVP_sha256,
     KEY_RAW,
     SIGNED_BODY,
     ENC_HEX,
     "X-Hub-Signature-256",
     "sha256=",
     TS_NONE,
     NULL,
     "X-GitHub-Delivery",
     NULL,
     "",
     36,
     "X-GitHub-Event",
     NULL,
     "X-GitHub-Hook-ID",
     NULL,
     "GitHub-Hookshot/kit",
     "github",
     NULL},
    {"stripe",
     AUTH_HMAC,
     EVP_sha256,
     KEY_RAW,
     SIGNED_TS_DOT_BODY,
     ENC_HEX,
     "Stripe-Signature",
     NULL,
     TS_STRIPE_T_S,
     NULL,
     NULL,
     "id",
     "evt_",
     28,
     NULL,
     "type",
     NULL,
     NULL,
     "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
     "stripe",
     "s"},
    {"shopify",
     AUTH_HMAC,
     EVP_sha256,
     KEY_RAW,
     SIGNED_BODY,
     ENC_BASE64,
     "X-Shopify-Hmac-Sha256",
     "",
     TS_NONE,
     NULL,
     "X-Shopify-Webhook-Id",
     NULL,
     "",
     36,
     "X-Shopify-Topic",
     NULL,
     NULL,
     NULL,
     "Shopify-Captain-Hook",
     "shopify",
     NULL},
    {"slack",
     AUTH_HMAC,
     EVP_sha256,
     KEY_RAW,
     SIGNED_V0_TS_BODY,
     ENC_HEX,
     "X-Slack-Signature",
     "v0=",
     TS_HEADER_S,
     "X-Slack-Request-Timestamp",
     NULL,
     "event_id",
     "Ev",
     12,
     NULL,
     "event.type",
     NULL,
     NULL,
     "Slackbot 1.0 (+https://api.slack.com/robots)",
     "slack",
     "s"},
    {"none", AUTH_NONE, NULL, KEY_NONE, SIGNED_NONE, ENC_NONE, NULL, NULL, TS_NONE, NULL, VAMBE_IDS,
     NULL},
};

/* Two scheme files for `serve --scheme FILE`: one of its own (SHA-512), and
 * one that takes a built-in's name but signs otherwise: the call log must
 * show what was sent, not the built-in's headers. */
static const char acme_file[] =
    "{\"format\": 1, \"name\": \"acme\", \"title\": \"Acme: hex HMAC-SHA512\",\n"
    " \"kind\": \"hmac\", \"profile\": \"documented\", \"max_body\": 262144,\n"
    " \"headers\": {\"User-Agent\": \"Acme-Hooks/2\", \"X-Acme-Event\": \"{type}\",\n"
    "             \"X-Acme-Id\": \"{id}\"},\n"
    " \"event_id\": {\"header\": \"X-Acme-Id\"}, \"event_type\": {\"header\": \"X-Acme-Event\"},\n"
    " \"timestamp\": {\"header\": \"X-Acme-Timestamp\", \"unit\": \"s\", \"past_s\": 300,\n"
    "               \"future_s\": 300},\n"
    " \"signature\": {\"header\": \"X-Acme-Signature\", \"digest\": \"sha512\", \"key\": \"raw\",\n"
    "               \"signed\": \"{timestamp}.{body}\", \"encoding\": \"hex\",\n"
    "               \"value\": \"sha512={sig}\"}}\n";
static const char github_like_file[] =
    "{\"format\": 1, \"name\": \"github\", \"title\": \"not GitHub's signature\",\n"
    " \"kind\": \"hmac\", \"profile\": \"github\", \"max_body\": 262144,\n"
    " \"headers\": {\"User-Agent\": \"GitHub-Hookshot/kit\", \"X-GitHub-Event\": \"{type}\",\n"
    "             \"X-GitHub-Delivery\": \"{id}\", \"X-GitHub-Hook-ID\": \"{webhook_id}\"},\n"
    " \"event_id\": {\"header\": \"X-GitHub-Delivery\"},\n"
    " \"event_type\": {\"header\": \"X-GitHub-Event\"},\n"
    " \"signature\": {\"header\": \"X-Acme-Signature\", \"digest\": \"sha512\", \"key\": \"raw\",\n"
    "               \"signed\": \"{body}\", \"encoding\": \"base64\", \"value\": \"{sig}\"}}\n";

static const struct want file_wants[] = {
    {"acme",
     AUTH_HMAC,
     EVP_sha512,
     KEY_RAW,
     SIGNED_TS_DOT_BODY,
     ENC_HEX,
     "X-Acme-Signature",
     "sha512=",
     TS_HEADER_S,
     "X-Acme-Timestamp",
     "X-Acme-Id",
     NULL,
     "evt_",
     28,
     "X-Acme-Event",
     NULL,
     NULL,
     NULL,
     "Acme-Hooks/2",
     "documented",
     "s"},
    {"github",
     AUTH_HMAC,
     EVP_sha512,
     KEY_RAW,
     SIGNED_BODY,
     ENC_BASE64,
     "X-Acme-Signature",
     "",
     TS_NONE,
     NULL,
     "X-GitHub-Delivery",
     NULL,
     "",
     36,
     "X-GitHub-Event",
     NULL,
     "X-GitHub-Hook-ID",
     NULL,
     "GitHub-Hookshot/kit",
     "github",
     NULL},
};

/* Every header that authenticates, in any scheme. */
static const char *const auth_headers[] = {
    "x-vambe-signature", "x-vambe-token",     "webhook-signature",     "X-Hub-Signature-256",
    "Stripe-Signature",  "X-Slack-Signature", "X-Shopify-Hmac-Sha256",
};
/* Every header that carries a timestamp, in any scheme. */
static const char *const ts_headers[] = {"x-vambe-timestamp", "webhook-timestamp",
                                         "X-Slack-Request-Timestamp"};

/* ---- the test's own HMAC and encodings (OpenSSL, not core/) --------------------- */

static void hex_encode(const unsigned char *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";

    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 0xf];
    }
    out[2 * n] = '\0';
}

/* The key: the secret's bytes, or the bytes base64 after "whsec_". */
static size_t hmac_key(enum key_form k, const char *secret, unsigned char *out, size_t size)
{
    const char *b64;
    size_t len;
    int n;

    if (k == KEY_RAW) {
        len = strlen(secret);
        assert_true(len <= size);
        memcpy(out, secret, len);
        return len;
    }
    assert_int_equal(strncmp(secret, "whsec_", 6), 0);
    b64 = secret + 6;
    len = strlen(b64);
    assert_true(len % 4 == 0 && len / 4 * 3 <= size);
    n = EVP_DecodeBlock(out, (const unsigned char *)b64, (int)len);
    assert_true(n >= 0);
    /* EVP_DecodeBlock counts the padding as zero bytes. */
    for (size_t i = len; i > 0 && b64[i - 1] == '='; i--) {
        n--;
    }
    return (size_t)n;
}

/* The signed string, in a new buffer (the caller frees it). */
static char *signed_string(enum signed_form f, const char *id, const char *ts, const char *body,
                           size_t body_len, size_t *len)
{
    size_t cap = strlen(id) + strlen(ts) + body_len + 8;
    char *s = malloc(cap);
    int head = 0;

    assert_non_null(s);
    switch (f) {
    case SIGNED_BODY:
        head = 0;
        break;
    case SIGNED_TS_DOT_BODY:
        head = snprintf(s, cap, "%s.", ts);
        break;
    case SIGNED_V0_TS_BODY:
        head = snprintf(s, cap, "v0:%s:", ts);
        break;
    case SIGNED_ID_TS_BODY:
        head = snprintf(s, cap, "%s.%s.", id, ts);
        break;
    case SIGNED_NONE:
        fail_msg("no signed string");
    }
    memcpy(s + head, body, body_len);
    *len = (size_t)head + body_len;
    return s;
}

/* The encoded signature a scheme w puts in its header (out: 129 bytes). */
static void expected_signature(const struct want *w, const char *secret, const char *id,
                               const char *ts, const char *body, size_t body_len, char *out)
{
    unsigned char key[256];
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    size_t key_len = hmac_key(w->key, secret, key, sizeof(key));
    size_t msg_len = 0;
    char *msg = signed_string(w->form, id, ts, body, body_len, &msg_len);

    assert_non_null(
        HMAC(w->digest(), key, (int)key_len, (const unsigned char *)msg, msg_len, mac, &mac_len));
    assert_int_equal(mac_len, EVP_MD_get_size(w->digest()));
    if (w->enc == ENC_HEX) {
        hex_encode(mac, mac_len, out);
    } else {
        assert_int_equal(EVP_EncodeBlock((unsigned char *)out, mac, (int)mac_len),
                         (int)((mac_len + 2) / 3 * 4));
    }
    free(msg);
}

/* ---- small readers -------------------------------------------------------------- */

static const char *jstr(const json_t *obj, const char *key)
{
    const char *v = json_string_value(json_object_get(obj, key));
    return v != NULL ? v : "";
}

/* A body field by dotted path ("event.type"); "" when absent. */
static const char *jpath_str(const json_t *root, const char *path)
{
    char part[64];
    const json_t *v = root;

    while (v != NULL && *path != '\0') {
        size_t n = strcspn(path, ".");

        assert_true(n < sizeof(part));
        memcpy(part, path, n);
        part[n] = '\0';
        v = json_object_get(v, part);
        path += n + (path[n] == '.');
    }
    return json_string_value(v) != NULL ? json_string_value(v) : "";
}

static bool all_digits(const char *s, size_t n)
{
    return strlen(s) == n && strspn(s, "0123456789") == n;
}

/* Decodes one query component as a receiver's framework would
 * (%XX, '+' for a space). */
static void form_decode(const char *s, size_t n, char *out, size_t size)
{
    size_t o = 0;

    static const char digits[] = "0123456789abcdef";

    for (size_t i = 0; i < n && o + 1 < size; i++) {
        if (s[i] == '%' && i + 2 < n && isxdigit((unsigned char)s[i + 1]) &&
            isxdigit((unsigned char)s[i + 2])) {
            size_t hi = (size_t)(strchr(digits, tolower((unsigned char)s[i + 1])) - digits);
            size_t lo = (size_t)(strchr(digits, tolower((unsigned char)s[i + 2])) - digits);

            out[o++] = (char)(hi * 16 + lo);
            i += 2;
        } else {
            out[o++] = s[i] == '+' ? ' ' : s[i];
        }
    }
    out[o] = '\0';
}

#define QUERY_MAX 8

struct query {
    char names[QUERY_MAX][64];
    char values[QUERY_MAX][512];
    size_t n;
};

/* The query of a request target, decoded, in order. */
static void query_parse(const char *target, struct query *q)
{
    const char *p = strchr(target, '?');

    memset(q, 0, sizeof(*q));
    if (p == NULL) {
        return;
    }
    for (p++; *p != '\0' && q->n < QUERY_MAX; q->n++) {
        size_t n = strcspn(p, "&");
        const char *eq = memchr(p, '=', n);
        size_t name_len = eq != NULL ? (size_t)(eq - p) : n;

        form_decode(p, name_len, q->names[q->n], sizeof(q->names[0]));
        if (eq != NULL) {
            form_decode(eq + 1, n - name_len - 1, q->values[q->n], sizeof(q->values[0]));
        }
        p += n + (p[n] == '&');
    }
}

static uint64_t wall_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* ---- the mock ----------------------------------------------------------------------- */

enum how {
    HOW_PROGRAM_FLAG, /* vambe-mock serve --scheme NAME */
    HOW_INPROC_FLAG,  /* the in-process mock, the flag through ms_policy_set_flag */
    HOW_PUT_CONFIG,   /* PUT /mock/config {"scheme": NAME} */
    HOW_PROGRAM_FILE, /* vambe-mock serve --scheme FILE */
};

/* One delivery test: the scheme expected, how the mock is given it, and
 * for a scheme file its text. */
struct scheme_case {
    const char *label;
    const struct want *w;
    enum how how;
    const char *file_text;
};

struct fx {
    const struct scheme_case *sc; /* NULL for the tests that are not one */
    char scheme_file[64];         /* "" when none was written */
    struct ms_server *srv;        /* in process, or NULL */
    struct proc proc;             /* the program, when proc.pid > 0 */
    struct http_client *client;
    unsigned port;
    struct raw_rx *rx;
    char hook_url[256]; /* with a query of its own */
};

static long api(struct fx *fx, const char *method, const char *path, const char *body, json_t **out)
{
    return api_json(fx->client, fx->port, KEY, method, path, body, out);
}

static void mock_start(struct fx *fx, const char *scheme, enum how how)
{
    struct ms_options o;
    struct err e = {{0}};
    json_t *cfg = NULL;
    char body[128];

    if (how == HOW_PROGRAM_FLAG) {
        const char *bin = proc_bin("VAMBE_MOCK_BIN");
        char *argv[] = {(char *)bin,       "serve",    "--api-key",    KEY,
                        "--no-access-log", "--scheme", (char *)scheme, NULL};

        if (bin == NULL) {
            fail_msg("VAMBE_MOCK_BIN is not set");
        }
        if (proc_start(&fx->proc, argv, true, WAIT_MS) != 0) {
            fail_msg("vambe-mock serve --scheme %s did not start", scheme);
        }
        fx->port = fx->proc.port;
        return;
    }
    test_mock_options(&o, KEY);
    if (how == HOW_INPROC_FLAG && ms_policy_set_flag(&o.policy, "scheme", scheme, &e) != 0) {
        fail_msg("%s", e.msg);
    }
    fx->srv = test_mock_start(&o, &fx->port);
    if (how == HOW_PUT_CONFIG) {
        snprintf(body, sizeof(body), "{\"scheme\":\"%s\"}", scheme);
        assert_int_equal(api(fx, "PUT", "/mock/config", body, &cfg), 200);
        assert_string_equal(jstr(cfg, "scheme"), scheme);
        json_decref(cfg);
    }
}

static int fx_setup(void **state)
{
    struct fx *fx = calloc(1, sizeof(*fx));

    assert_non_null(fx);
    log_set_level(LOG_LEVEL_ERROR);
    fx->sc = *state;
    fx->client = http_client_new(NULL);
    assert_non_null(fx->client);
    fx->rx = raw_start();
    snprintf(fx->hook_url, sizeof(fx->hook_url), "http://127.0.0.1:%u/hook?a=1&b=two",
             fx->rx->port);
    *state = fx;
    return 0;
}

static int fx_teardown(void **state)
{
    struct fx *fx = *state;

    ms_server_stop(fx->srv);
    if (fx->proc.pid > 0) {
        char log[16384];

        proc_read_log(&fx->proc, log, sizeof(log));
        /* The program's log never holds the secret. */
        assert_null(strstr(log, "dmFtYmUh++++"));
        assert_int_equal(proc_stop(&fx->proc, WAIT_MS), 0);
        unlink(fx->proc.log_file);
    }
    if (fx->scheme_file[0] != '\0') {
        unlink(fx->scheme_file);
    }
    raw_stop(fx->rx);
    http_client_free(fx->client);
    free(fx);
    return 0;
}

static void create_hook(struct fx *fx, const char *url, const char *secret,
                        char id[IDS_UUID_LEN + 1])
{
    json_t *body =
        json_pack("{s:s, s:s, s:s}", "topic", "message.received", "url", url, "secret", secret);
    char *text = json_dumps(body, 0);
    json_t *j = NULL;

    assert_int_equal(api(fx, "POST", "/api/webhooks", text, &j), 201);
    snprintf(id, IDS_UUID_LEN + 1, "%s", jstr(j, "id"));
    json_decref(j);
    free(text);
    json_decref(body);
}

/* Triggers one message.received; returns its event id (out: 128 bytes). */
static void trigger(struct fx *fx, size_t deliveries, char *event_id)
{
    json_t *j = NULL;

    assert_int_equal(api(fx, "POST", "/mock/events", "{\"topic\":\"message.received\"}", &j), 202);
    assert_int_equal(json_integer_value(json_object_get(j, "deliveries")), (json_int_t)deliveries);
    snprintf(event_id, 128, "%s",
             json_string_value(json_array_get(json_object_get(j, "event_ids"), 0)));
    json_decref(j);
}

/* Waits (bounded, polling) until the call log holds n records matching
 * query; returns the "data" array (caller decrefs). */
static json_t *calls_wait(struct fx *fx, const char *query, size_t n)
{
    char path[512];
    uint64_t deadline = wall_ms() + WAIT_MS;

    snprintf(path, sizeof(path), "/api/webhooks/calls?limit=500&%s", query);
    for (;;) {
        json_t *j = NULL;
        json_t *data;

        assert_int_equal(api(fx, "GET", path, NULL, &j), 200);
        data = json_object_get(j, "data");
        if (json_array_size(data) >= n) {
            json_incref(data);
            json_decref(j);
            return data;
        }
        json_decref(j);
        if (wall_ms() > deadline) {
            fail_msg("the call log has fewer than %zu records for '%s'", n, query);
        }
        usleep(5000); /* polling the call log: nothing to wait on */
    }
}

/* ---- the checks ----------------------------------------------------------------- */

/* The timestamp ts (the scheme's unit) is within SKEW_MS of [before, after]. */
static void check_now(const struct want *w, const char *ts, uint64_t before, uint64_t after)
{
    bool ms = w->ts == TS_HEADER_MS;
    uint64_t v;

    if (!all_digits(ts, ms ? 13 : 10)) {
        fail_msg("%s: timestamp '%s' is not %s digits", w->name, ts, ms ? "13" : "10");
    }
    v = strtoull(ts, NULL, 10) * (ms ? 1u : 1000u);
    if (v + SKEW_MS < before || v > after + SKEW_MS) {
        fail_msg("%s: timestamp %s is not now (%llu..%llu ms)", w->name, ts,
                 (unsigned long long)before, (unsigned long long)after);
    }
}

/* What the receiver saw, against w. Fills sig_value (the signature or
 * token header's whole value, "" when none) and sig (the bare signature). */
static void check_request(const struct want *w, const struct raw_req *r, const char *event_id,
                          const char *hook_id, const char *hook_url, uint64_t before,
                          uint64_t after, char sig_value[VALUE_MAX],
                          char sig[EVP_MAX_MD_SIZE * 2 + 1])
{
    json_t *body = json_loadb(r->body, r->body_len, 0, NULL);
    const char *id = w->id_header != NULL ? raw_header(r, w->id_header) : NULL;
    const char *ts = NULL;
    const char *type;
    const char *path_query = strchr(hook_url + strlen("http://"), '/');
    struct query q;
    char want_value[VALUE_MAX];
    char tsbuf[32] = "";

    sig_value[0] = '\0';
    sig[0] = '\0';
    assert_string_equal(r->method, "POST");
    assert_non_null(body);
    assert_string_equal(raw_hv(r, "Content-Type"), "application/json");
    assert_string_equal(raw_hv(r, "User-Agent"), w->user_agent);

    /* The event id where the scheme says, of the profile's shape. */
    if (w->id_field != NULL) {
        id = jpath_str(body, w->id_field);
    }
    assert_non_null(id);
    assert_string_equal(id, event_id);
    assert_int_equal(strlen(id), w->id_len);
    assert_int_equal(strncmp(id, w->id_prefix, strlen(w->id_prefix)), 0);
    type = w->type_header != NULL ? raw_hv(r, w->type_header) : jpath_str(body, w->type_field);
    assert_true(strlen(type) > 0);
    if (w->hook_id_header != NULL) {
        assert_string_equal(raw_hv(r, w->hook_id_header), hook_id);
    }
    if (w->delivery_header != NULL) {
        assert_true(ids_is_uuid(raw_hv(r, w->delivery_header)));
    }
    if (strcmp(w->profile, "documented") == 0) {
        /* Vambe's body: the same id and topic as the headers. */
        assert_string_equal(type, "message.received");
        assert_string_equal(jpath_str(body, "event"), "message.received");
        assert_string_equal(jpath_str(body, "id"), event_id);
    }

    /* The timestamp: in its header, or stripe's t=, now in the scheme's
     * unit; no other scheme's timestamp header. */
    for (size_t i = 0; i < sizeof(ts_headers) / sizeof(ts_headers[0]); i++) {
        bool mine = w->ts_header != NULL && strcasecmp(ts_headers[i], w->ts_header) == 0;

        assert_int_equal(raw_header_count(r, ts_headers[i]), mine ? 1 : 0);
    }
    if (w->ts == TS_HEADER_MS || w->ts == TS_HEADER_S) {
        ts = raw_hv(r, w->ts_header);
    } else if (w->ts == TS_STRIPE_T_S) {
        const char *v = raw_header(r, w->sig_header);

        assert_non_null(v);
        assert_int_equal(strncmp(v, "t=", 2), 0);
        snprintf(tsbuf, sizeof(tsbuf), "%.*s", (int)strcspn(v + 2, ","), v + 2);
        ts = tsbuf;
    }
    if (ts != NULL) {
        check_now(w, ts, before, after);
    }

    /* Authentication: exactly the scheme's header, and nowhere else. */
    for (size_t i = 0; i < sizeof(auth_headers) / sizeof(auth_headers[0]); i++) {
        bool mine = w->sig_header != NULL && strcasecmp(auth_headers[i], w->sig_header) == 0;

        assert_int_equal(raw_header_count(r, auth_headers[i]), mine ? 1 : 0);
    }
    for (size_t i = 0; i < r->n_headers; i++) {
        if (w->auth != AUTH_TOKEN_HEADER) {
            assert_null(strstr(r->headers[i].value, "dmFtYmUh++++"));
        }
    }
    if (w->auth == AUTH_HMAC) {
        expected_signature(w, SECRET, id, ts != NULL ? ts : "", r->body, r->body_len, sig);
        if (w->ts == TS_STRIPE_T_S) {
            snprintf(want_value, sizeof(want_value), "t=%s,v1=%s", ts, sig);
        } else {
            snprintf(want_value, sizeof(want_value), "%s%s", w->sig_prefix, sig);
        }
        assert_string_equal(raw_hv(r, w->sig_header), want_value);
        snprintf(sig_value, VALUE_MAX, "%s", want_value);
    } else if (w->auth == AUTH_TOKEN_HEADER) {
        assert_string_equal(raw_hv(r, w->sig_header), SECRET);
        snprintf(sig_value, VALUE_MAX, "%s", SECRET);
        snprintf(sig, EVP_MAX_MD_SIZE * 2 + 1, "%s", SECRET);
    }

    /* The URL: the webhook's own query kept, in order; a query token added
     * last, decoded to the secret. */
    assert_int_equal(strncmp(r->target, path_query, strcspn(path_query, "?")), 0);
    query_parse(r->target, &q);
    assert_int_equal(q.n, w->auth == AUTH_TOKEN_QUERY ? 3 : 2);
    assert_string_equal(q.names[0], "a");
    assert_string_equal(q.values[0], "1");
    assert_string_equal(q.names[1], "b");
    assert_string_equal(q.values[1], "two");
    if (w->auth == AUTH_TOKEN_QUERY) {
        assert_string_equal(q.names[2], "token");
        assert_string_equal(q.values[2], SECRET);
    } else {
        assert_string_equal(r->target, path_query);
    }
    json_decref(body);
}

/* The call record of that delivery: the scheme's name, the webhook's URL
 * (never the query token), the body sent, and request headers without the
 * secret or the whole signature. */
static void check_record(const struct want *w, const json_t *c, const struct raw_req *r,
                         const char *hook_url, const char *sig_value, const char *sig)
{
    const json_t *h = json_object_get(c, "request_headers");
    const char *key;
    const json_t *v;
    char lower[64];

    assert_string_equal(jstr(c, "scheme"), w->name);
    assert_string_equal(jstr(c, "url"), hook_url);
    assert_null(strstr(jstr(c, "url"), "token"));
    assert_string_equal(jstr(c, "outcome"), "succeeded");
    assert_int_equal(json_integer_value(json_object_get(c, "response_status")), 200);
    assert_string_equal(jstr(c, "request_body"), r->body);
    assert_true(json_is_object(h));
    json_object_foreach((json_t *)h, key, v)
    {
        const char *s = json_string_value(v);

        assert_non_null(s);
        assert_null(strstr(s, "dmFtYmUh++++"));
        assert_null(strstr(s, SECRET));
        if (sig_value[0] != '\0') {
            assert_null(strstr(s, sig_value));
            assert_null(strstr(s, sig));
        }
    }
    if (w->delivery_header != NULL) {
        assert_string_equal(jstr(h, w->delivery_header), jstr(c, "id"));
        assert_string_equal(raw_hv(r, w->delivery_header), jstr(c, "id"));
    }
    if (w->id_header != NULL) {
        for (size_t i = 0; i <= strlen(w->id_header); i++) {
            lower[i] = (char)tolower((unsigned char)w->id_header[i]);
        }
        assert_string_equal(jstr(h, lower), raw_hv(r, w->id_header));
    }
    if (w->sig_header != NULL) {
        for (size_t i = 0; i <= strlen(w->sig_header); i++) {
            lower[i] = (char)tolower((unsigned char)w->sig_header[i]);
        }
        /* What was sent, shown redacted. */
        if (json_string_value(json_object_get(h, lower)) == NULL) {
            fail_msg("the record's request_headers have no '%s' (%s)", lower,
                     json_dumps(h, JSON_COMPACT));
        }
        assert_true(json_string_length(json_object_get(h, lower)) < strlen(sig_value));
    }
    for (size_t i = 0; i < sizeof(auth_headers) / sizeof(auth_headers[0]); i++) {
        bool mine = w->sig_header != NULL && strcasecmp(auth_headers[i], w->sig_header) == 0;

        for (size_t k = 0; k <= strlen(auth_headers[i]); k++) {
            lower[k] = (char)tolower((unsigned char)auth_headers[i][k]);
        }
        /* The scheme's own shows a redacted form; the others are absent. */
        assert_int_equal(json_object_get(h, lower) != NULL, mine);
    }
}

/* ---- tests ---------------------------------------------------------------------- */

/* One delivery under the fixture's scheme, checked by hand. */
static void delivers_under_scheme(void **state)
{
    struct fx *fx = *state;
    const struct want *w = fx->sc->w;
    char hook[IDS_UUID_LEN + 1];
    char event_id[128];
    char sig_value[VALUE_MAX];
    char sig[EVP_MAX_MD_SIZE * 2 + 1];
    char query[128];
    json_t *cfg = NULL;
    json_t *calls;
    uint64_t before;
    uint64_t after;

    if (fx->sc->how == HOW_PROGRAM_FILE) {
        int fd;

        snprintf(fx->scheme_file, sizeof(fx->scheme_file), "/tmp/vambe-scheme-XXXXXX");
        fd = mkstemp(fx->scheme_file);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, fx->sc->file_text, strlen(fx->sc->file_text)),
                         (ssize_t)strlen(fx->sc->file_text));
        close(fd);
        mock_start(fx, fx->scheme_file, HOW_PROGRAM_FLAG);
    } else {
        mock_start(fx, w->name, fx->sc->how);
    }
    /* GET /mock/config names the scheme and what it implies. */
    assert_int_equal(api(fx, "GET", "/mock/config", NULL, &cfg), 200);
    assert_string_equal(jstr(cfg, "scheme"), w->name);
    assert_string_equal(jstr(cfg, "profile"), w->profile);
    if (w->unit != NULL) {
        assert_string_equal(jstr(cfg, "timestamp_unit"), w->unit);
    }
    json_decref(cfg);

    create_hook(fx, fx->hook_url, SECRET, hook);
    before = wall_ms();
    trigger(fx, 1, event_id);
    raw_wait(fx->rx, 1);
    after = wall_ms();
    check_request(w, &fx->rx->reqs[0], event_id, hook, fx->hook_url, before, after, sig_value, sig);

    snprintf(query, sizeof(query), "webhook_id=%s&outcome=succeeded", hook);
    calls = calls_wait(fx, query, 1);
    assert_int_equal(json_array_size(calls), 1);
    check_record(w, json_array_get(calls, 0), &fx->rx->reqs[0], fx->hook_url, sig_value, sig);
    json_decref(calls);
    assert_int_equal(raw_count(fx->rx), 1);
}

/* A secret standard-webhooks cannot use is refused when the webhook is
 * made or changed, with a message naming the field and not the secret. */
static void unusable_secret_is_refused(void **state)
{
    struct fx *fx = *state;
    char hook[IDS_UUID_LEN + 1];
    char path[128];
    json_t *j = NULL;
    char *text;

    mock_start(fx, "standard-webhooks", HOW_PUT_CONFIG);
    assert_int_equal(api(fx, "POST", "/api/webhooks",
                         "{\"topic\":\"message.received\",\"url\":\"http://127.0.0.1:9/h\","
                         "\"secret\":\"" BAD_SECRET "\"}",
                         &j),
                     400);
    text = json_dumps(j, 0);
    assert_int_equal(strncmp(jstr(j, "message"), "secret", 6), 0);
    assert_null(strstr(text, BAD_SECRET));
    assert_null(strstr(text, "not*base64"));
    free(text);
    json_decref(j);

    /* The same through PUT /api/webhooks/{id}. */
    create_hook(fx, fx->hook_url, SECRET, hook);
    snprintf(path, sizeof(path), "/api/webhooks/%s", hook);
    j = NULL;
    assert_int_equal(api(fx, "PUT", path, "{\"secret\":\"" BAD_SECRET "\"}", &j), 400);
    text = json_dumps(j, 0);
    assert_int_equal(strncmp(jstr(j, "message"), "secret", 6), 0);
    assert_null(strstr(text, "not*base64"));
    free(text);
    json_decref(j);
    /* A proper whsec_ secret is taken. */
    assert_int_equal(api(fx, "PUT", path, "{\"secret\":\"whsec_dmFtYmU=\"}", NULL), 200);
}

/* A webhook made under vambe with a secret standard-webhooks cannot use:
 * once the scheme switches, its attempts fail, each record saying why,
 * while another webhook is still delivered to. */
static void scheme_switch_fails_unusable_secret(void **state)
{
    struct fx *fx = *state;
    const struct want *sw = &wants[3];
    char bad_hook[IDS_UUID_LEN + 1];
    char good_hook[IDS_UUID_LEN + 1];
    char bad_url[256];
    char event_id[128];
    char query[256];
    char sig_value[VALUE_MAX];
    char sig[EVP_MAX_MD_SIZE * 2 + 1];
    json_t *calls;
    json_t *cfg = NULL;
    uint64_t before;

    assert_string_equal(sw->name, "standard-webhooks");
    mock_start(fx, "vambe", HOW_INPROC_FLAG);
    assert_int_equal(api(fx, "PUT", "/mock/config", "{\"max_attempts\":1}", NULL), 200);
    snprintf(bad_url, sizeof(bad_url), "http://127.0.0.1:%u/bad", fx->rx->port);
    create_hook(fx, bad_url, BAD_SECRET, bad_hook);
    create_hook(fx, fx->hook_url, SECRET, good_hook);
    assert_int_equal(api(fx, "PUT", "/mock/config", "{\"scheme\":\"standard-webhooks\"}", &cfg),
                     200);
    assert_string_equal(jstr(cfg, "profile"), "standard-webhooks");
    assert_string_equal(jstr(cfg, "timestamp_unit"), "s");
    json_decref(cfg);

    /* Two events: each reaches the good webhook, signed right, and fails
     * for the bad one without sending anything. */
    for (size_t round = 0; round < 2; round++) {
        before = wall_ms();
        trigger(fx, 2, event_id);
        raw_wait(fx->rx, round + 1);
        check_request(sw, &fx->rx->reqs[round], event_id, good_hook, fx->hook_url, before,
                      wall_ms(), sig_value, sig);
        snprintf(query, sizeof(query), "webhook_id=%s&event_id=%s", bad_hook, event_id);
        calls = calls_wait(fx, query, 1);
        assert_string_equal(jstr(json_array_get(calls, 0), "outcome"), "gave_up");
        json_decref(calls);
    }
    assert_int_equal(raw_count(fx->rx), 2);
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(strncmp(fx->rx->reqs[i].target, "/hook?", 6), 0);
    }

    /* Each failed record: no response, nothing sent (no scheme, no request
     * headers), and an error that says why without the secret. */
    snprintf(query, sizeof(query), "webhook_id=%s", bad_hook);
    calls = calls_wait(fx, query, 2);
    assert_int_equal(json_array_size(calls), 2);
    for (size_t i = 0; i < 2; i++) {
        const json_t *c = json_array_get(calls, i);
        const char *error = jstr(c, "error");

        assert_true(json_is_null(json_object_get(c, "response_status")));
        assert_true(json_is_null(json_object_get(c, "scheme")));
        assert_true(json_is_null(json_object_get(c, "request_headers")));
        assert_null(strstr(error, "not*base64"));
        if (strstr(error, "secret") == NULL || strstr(error, "base64") == NULL) {
            fail_msg("the failed attempt's error is '%s', not why it failed", error);
        }
    }
    json_decref(calls);
}

/* PUT /mock/config takes built-in names only, refuses the rest whole, and
 * shows what a scheme implies. */
static void config_scheme_values(void **state)
{
    struct fx *fx = *state;
    static const struct {
        const char *body;
        const char *msg;
    } bad[] = {
        {"{\"scheme\":\"/etc/passwd\"}", "scheme: '/etc/passwd' is not a built-in scheme"},
        {"{\"scheme\":\"stripe.json\"}", "is not a built-in scheme"},
        {"{\"scheme\":\"../schemes/github.json\"}", "is not a built-in scheme"},
        {"{\"scheme\":\"Stripe\"}", "is not a built-in scheme"},
        {"{\"scheme\":\"\"}", "scheme"},
        {"{\"scheme\":5}", "scheme"},
        {"{\"scheme\":true}", "scheme"},
        {"{\"scheme\":[\"github\"]}", "scheme"},
        /* One bad member leaves every other one as it was. */
        {"{\"scheme\":\"/etc/passwd\",\"max_attempts\":3}", "scheme"},
        {"{\"scheme\":\"stripe\",\"max_attempts\":0}", "max_attempts"},
    };
    static const struct {
        const char *scheme;
        const char *profile;
        const char *unit;
    } good[] = {
        {"stripe", "stripe", "s"},
        {"github", "github", NULL},
        {"slack", "slack", "s"},
        {"vambe", "documented", "ms"},
    };
    json_t *j = NULL;

    mock_start(fx, "vambe", HOW_INPROC_FLAG);
    assert_int_equal(api(fx, "GET", "/mock/config", NULL, &j), 200);
    assert_string_equal(jstr(j, "scheme"), "vambe");
    assert_string_equal(jstr(j, "profile"), "documented");
    assert_string_equal(jstr(j, "timestamp_unit"), "ms");
    assert_int_equal(json_integer_value(json_object_get(j, "max_attempts")), 5);
    json_decref(j);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char *text;

        j = NULL;
        assert_int_equal(api(fx, "PUT", "/mock/config", bad[i].body, &j), 400);
        text = json_dumps(j, 0);
        if (strstr(jstr(j, "message"), bad[i].msg) == NULL) {
            fail_msg("%s: message '%s', expected '%s'", bad[i].body, jstr(j, "message"),
                     bad[i].msg);
        }
        assert_null(strstr(text, "root:")); /* no file was read */
        free(text);
        json_decref(j);
        j = NULL;
        assert_int_equal(api(fx, "GET", "/mock/config", NULL, &j), 200);
        assert_string_equal(jstr(j, "scheme"), "vambe");
        assert_string_equal(jstr(j, "profile"), "documented");
        assert_int_equal(json_integer_value(json_object_get(j, "max_attempts")), 5);
        json_decref(j);
    }
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        char body[64];

        snprintf(body, sizeof(body), "{\"scheme\":\"%s\"}", good[i].scheme);
        j = NULL;
        assert_int_equal(api(fx, "PUT", "/mock/config", body, &j), 200);
        assert_string_equal(jstr(j, "scheme"), good[i].scheme);
        json_decref(j);
        j = NULL;
        assert_int_equal(api(fx, "GET", "/mock/config", NULL, &j), 200);
        assert_string_equal(jstr(j, "scheme"), good[i].scheme);
        assert_string_equal(jstr(j, "profile"), good[i].profile);
        if (good[i].unit != NULL) {
            assert_string_equal(jstr(j, "timestamp_unit"), good[i].unit);
        }
        json_decref(j);
    }
}

/* Each built-in scheme once, the three ways of choosing it in turn, then
 * the two scheme files. */
static const struct scheme_case cases[] = {
    {"scheme vambe (serve --scheme)", &wants[0], HOW_PROGRAM_FLAG, NULL},
    {"scheme vambe-token-query (policy flag)", &wants[1], HOW_INPROC_FLAG, NULL},
    {"scheme vambe-token-header (PUT /mock/config)", &wants[2], HOW_PUT_CONFIG, NULL},
    {"scheme standard-webhooks (serve --scheme)", &wants[3], HOW_PROGRAM_FLAG, NULL},
    {"scheme github (policy flag)", &wants[4], HOW_INPROC_FLAG, NULL},
    {"scheme stripe (PUT /mock/config)", &wants[5], HOW_PUT_CONFIG, NULL},
    {"scheme shopify (serve --scheme)", &wants[6], HOW_PROGRAM_FLAG, NULL},
    {"scheme slack (policy flag)", &wants[7], HOW_INPROC_FLAG, NULL},
    {"scheme none (PUT /mock/config)", &wants[8], HOW_PUT_CONFIG, NULL},
    {"scheme file acme (serve --scheme FILE)", &file_wants[0], HOW_PROGRAM_FILE, acme_file},
    {"scheme file named github (serve --scheme FILE)", &file_wants[1], HOW_PROGRAM_FILE,
     github_like_file},
};

#define SCHEME_TEST(i)                                                                             \
    {                                                                                              \
        cases[i].label, delivers_under_scheme, fx_setup, fx_teardown, (void *)&cases[i]            \
    }

int main(void)
{
    const struct CMUnitTest tests[] = {
        SCHEME_TEST(0),
        SCHEME_TEST(1),
        SCHEME_TEST(2),
        SCHEME_TEST(3),
        SCHEME_TEST(4),
        SCHEME_TEST(5),
        SCHEME_TEST(6),
        SCHEME_TEST(7),
        SCHEME_TEST(8),
        SCHEME_TEST(9),
        SCHEME_TEST(10),
        cmocka_unit_test_setup_teardown(unusable_secret_is_refused, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(scheme_switch_fails_unusable_secret, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(config_scheme_values, fx_setup, fx_teardown),
    };
    _Static_assert(sizeof(wants) / sizeof(wants[0]) == 9, "one test per built-in scheme");
    _Static_assert(sizeof(cases) / sizeof(cases[0]) == 11, "a test per case");
    return cmocka_run_group_tests(tests, NULL, NULL);
}
