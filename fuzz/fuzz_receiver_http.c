/* Fuzz target: the reference receiver's request handling. An in-process
 * receiver (rcv_server, no flaw, no work delay, a small dedupe map so that
 * eviction runs too) is started once; every input becomes one delivery
 * over a loopback socket. Most inputs are signed here with the receiver's
 * secret, so the fuzzer gets past the signature to the body parser, the
 * event id, the dedupe map and the queue.
 *
 * Input:
 *   byte 0   bit 0 sign validly (else the signature comes from the input),
 *            bit 1 no x-vambe-timestamp, bit 2 x-vambe-event-id from the
 *            input (else none), bit 3 x-vambe-event from the input, bit 4
 *            the timestamp in seconds, bit 5 a timestamp 600 s old, bit 6
 *            the probe (GET /_probe/events/<id>) instead of a delivery,
 *            bit 7 sent in pieces of 5 bytes
 *   line     the event id header value
 *   line     the topic header value
 *   line     the signature header value (when not signed here)
 *   lines    more "Name: value" headers up to an empty line (at most 8)
 *   rest     the body
 *
 * Properties: an answer always comes; never a 5xx (the receiver is the
 * kit's example of "malformed input is the sender's fault"); every error
 * has the JSON error shape; an unsigned or stale delivery is a 401; a
 * validly signed JSON object with a well-formed event id is a 200. */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/signature.h"
#include "examples/receiver/idmap.h"
#include "examples/receiver/server.h"
#include "fuzz/fuzz_util.h"

#define FZ_SECRET     "whsec_fuzz_receiver_secret"
#define FZ_TIMEOUT_MS 10000
#define FZ_MAX_HDRS   8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static struct rcv_server *fz_rcv;
static unsigned fz_port;
static struct fz_conn fz_keep;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    struct rcv_server_opts o;
    struct err e = {{0}};

    (void)argc;
    (void)argv;
    log_set_level(LOG_LEVEL_ERROR);
    memset(&o, 0, sizeof(o));
    o.secret = FZ_SECRET;
    o.bind = "127.0.0.1";
    o.port = 0;
    o.work_ms = 0;
    o.dedupe_ids = 64;
    fz_rcv = rcv_server_start(&o, &e);
    if (fz_rcv == NULL) {
        fz_fail("rcv_server_start: %s", e.msg);
    }
    fz_port = rcv_server_port(fz_rcv);
    fz_conn_init(&fz_keep, fz_port);
    return 0;
}

static void fz_header(struct fz_buf *b, const char *name, char *value, size_t len)
{
    fz_sanitize_value(value, len);
    fz_puts(b, name);
    fz_puts(b, ": ");
    fz_put(b, value, len);
    fz_puts(b, "\r\n");
}

/* A value libmicrohttpd hands over unchanged: printable ASCII, no space at
 * either end, 1 to RCV_ID_MAX bytes. */
static bool fz_plain_id(const char *s, size_t len)
{
    if (len == 0 || len > RCV_ID_MAX) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        if (s[i] <= ' ' || s[i] > '~') {
            return false;
        }
    }
    return true;
}

static void fz_more_headers(struct fz_input *in, struct fz_buf *b)
{
    static const char *const own[] = {
        "content-length",    "transfer-encoding", "connection",      "host",
        "x-vambe-signature", "x-vambe-timestamp", "x-vambe-event-id"};

    for (int i = 0; i < FZ_MAX_HDRS; i++) {
        size_t len = 0;
        char *line = fz_line(in, &len);
        char *colon = memchr(line, ':', len);
        size_t name_len = colon != NULL ? (size_t)(colon - line) : len;
        bool skip = name_len == 0;

        if (len == 0) {
            free(line);
            return;
        }
        fz_sanitize_name(line, name_len);
        line[name_len] = '\0';
        for (size_t k = 0; k < sizeof(own) / sizeof(own[0]) && !skip; k++) {
            skip = strcasecmp(line, own[k]) == 0;
        }
        if (!skip) {
            fz_header(b, line, colon != NULL ? colon + 1 : line + len,
                      colon != NULL ? len - name_len - 1 : 0);
        }
        free(line);
    }
}

static void fz_check(uint8_t flags, bool expect_401, bool expect_200, const struct fz_reply *r)
{
    char why[256];

    if (r->status >= 500) {
        fz_fail("flags 0x%02x: %u %.300s", flags, r->status, r->body);
    }
    if (r->status >= 400 && !fz_reply_is_mhd(r) && fz_check_error_shape(r, why, sizeof(why)) != 0) {
        fz_fail("flags 0x%02x: %s: %.300s", flags, why, r->body);
    }
    if (expect_401 && r->status != 401) {
        fz_fail("flags 0x%02x: an unsigned or stale delivery got %u: %.300s", flags, r->status,
                r->body);
    }
    if (expect_200 && r->status != 200) {
        fz_fail("flags 0x%02x: a valid delivery got %u: %.300s", flags, r->status, r->body);
    }
}

static int fz_probe(uint8_t flags, char *id, size_t id_len)
{
    char target[1024];
    struct fz_buf b = {NULL, 0, 0};
    struct fz_reply r;

    fz_encode_target(id, id_len, true, target, sizeof(target));
    fz_puts(&b, "GET /_probe/events/");
    fz_puts(&b, target);
    fz_puts(&b, " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    if (fz_conn_exchange(&fz_keep, b.p, b.len, 0, false, FZ_TIMEOUT_MS, &r) != 0) {
        fz_fail("probe: no answer within %d ms", FZ_TIMEOUT_MS);
    }
    fz_check(flags, false, false, &r);
    fz_reply_free(&r);
    free(b.p);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fz_input in = {data, size};
    uint8_t flags = fz_byte(&in);
    size_t id_len = 0;
    size_t topic_len = 0;
    size_t sig_len = 0;
    size_t body_len = 0;
    char *id = fz_line(&in, &id_len);
    char *topic = fz_line(&in, &topic_len);
    char *sig = fz_line(&in, &sig_len);
    struct fz_buf b = {NULL, 0, 0};
    char *body;
    char ts[32];
    char mac[SIGNATURE_MAX + 1];
    char num[64];
    uint64_t now = clock_wall_ms();
    bool signed_ok = (flags & 1) && !(flags & 2) && !(flags & 0x20);
    bool expect_401 = !signed_ok;
    bool expect_200 = false;
    struct fz_reply r;

    if (flags & 0x40) {
        fz_probe(flags, id, id_len);
        free(id);
        free(topic);
        free(sig);
        return 0;
    }
    fz_puts(&b, "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                "Content-Type: application/json\r\n");
    if (flags & 0x20) {
        now -= 600000u;
    }
    signature_timestamp(now, (flags & 0x10) ? SIGNATURE_UNIT_S : SIGNATURE_UNIT_MS, ts, sizeof(ts));
    if (!(flags & 2)) {
        fz_header(&b, "x-vambe-timestamp", ts, strlen(ts));
    }
    if (flags & 4) {
        fz_header(&b, "x-vambe-event-id", id, id_len);
    }
    if (flags & 8) {
        fz_header(&b, "x-vambe-event", topic, topic_len);
    }
    fz_more_headers(&in, &b);
    body = fz_rest(&in, &body_len);
    if (flags & 1) {
        if (signature_sign(FZ_SECRET, ts, body, body_len, mac) != 0) {
            fz_fail("signature_sign failed");
        }
        fz_header(&b, "x-vambe-signature", mac, strlen(mac));
    } else if (sig_len > 0) {
        fz_header(&b, "x-vambe-signature", sig, sig_len);
    }
    if (signed_ok && (flags & 4) && fz_plain_id(id, id_len)) {
        json_t *j = json_loadb(body, body_len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, NULL);

        expect_200 = json_is_object(j);
        json_decref(j);
    }
    snprintf(num, sizeof(num), "Content-Length: %zu\r\n\r\n", body_len);
    fz_puts(&b, num);
    fz_put(&b, body, body_len);
    if (fz_conn_exchange(&fz_keep, b.p, b.len, (flags & 0x80) ? 5 : 0, false, FZ_TIMEOUT_MS, &r) !=
        0) {
        fz_fail("flags 0x%02x: no answer within %d ms", flags, FZ_TIMEOUT_MS);
    }
    fz_check(flags, expect_401, expect_200, &r);
    fz_reply_free(&r);
    free(b.p);
    free(body);
    free(id);
    free(topic);
    free(sig);
    return 0;
}
