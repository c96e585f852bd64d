/* Fuzz target: scheme files (core/scheme).
 *
 * Input: the text of a scheme file, as scheme_parse reads it. A text that
 * does not parse must say why. A text that parses is a scheme the kit
 * promises to use without further checks (scheme.c), so:
 *  - parsing the same text again gives the same struct, byte for byte;
 *  - scheme_build makes a delivery from ordinary inputs, whose lines are
 *    HTTP header lines (a token for a name, no CR or LF in the value);
 *  - scheme_verify accepts that delivery as built, at the time it was
 *    built, read the way a receiver reads it (headers looked up by name in
 *    any case, the first one of a name wins; the event id from its header,
 *    or given by the caller for body-field ids);
 *  - another secret is refused (hmac and token schemes), and so is a body
 *    one byte longer where the scheme signs the body. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/scheme.h"
#include "fuzz/fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_NOW_MS 1727690400123ull
#define FZ_ID     "evt_1"
#define FZ_BODY                                                                                    \
    "{\"id\":\"evt_1\",\"type\":\"t.x\",\"event_id\":\"evt_1\",\"event\":{\"type\":\"t.x\"}}"

/* A header of the built request: the first line of that name, any case
 * (a server hands over no header with an empty name). */
static const char *fz_header(void *ctx, const char *name)
{
    const struct scheme_wire *w = ctx;
    size_t n = strlen(name);

    if (n == 0) {
        return NULL;
    }
    for (size_t i = 0; i < w->n; i++) {
        if (strncasecmp(w->lines[i], name, n) == 0 && w->lines[i][n] == ':' &&
            w->lines[i][n + 1] == ' ') {
            return w->lines[i] + n + 2;
        }
    }
    return NULL;
}

static void fz_check_lines(const struct scheme *s, const struct scheme_wire *w)
{
    for (size_t i = 0; i < w->n; i++) {
        const char *line = w->lines[i];
        size_t name_len = strspn(line, "!#$%&'*+-.^_`|~0123456789"
                                       "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");
        if (name_len == 0 || strncmp(line + name_len, ": ", 2) != 0) {
            fz_fail("scheme %s: header line %zu '%.80s' has no valid name", s->name, i, line);
        }
        if (strpbrk(line, "\r\n") != NULL) {
            fz_fail("scheme %s: header line %zu '%.80s' holds a CR or LF", s->name, i, line);
        }
    }
}

/* A secret the scheme can use: base64 after the key prefix, or any text. */
static void fz_secret(const struct scheme *s, bool other, char *out, size_t out_size)
{
    if (s->kind == SCHEME_HMAC && s->key == SCHEME_KEY_BASE64) {
        /* base64 of 24 bytes (Standard Webhooks' example), of "another key!" */
        snprintf(out, out_size, "%s%s", s->key_prefix,
                 other ? "YW5vdGhlciBrZXkh" : "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        return;
    }
    snprintf(out, out_size, "%s", other ? "s3cret-two" : "s3cret-one");
}

static enum signature_result fz_verify(const struct scheme *s, const char *secret,
                                       struct scheme_wire *w, const char *body)
{
    const struct scheme_request r = {fz_header, w, w->query_name[0] != '\0' ? w->query_value : NULL,
                                     body, strlen(body)};
    /* A receiver reads a header id itself; a body-field id it gives. */
    const char *id = s->event_id.place == SCHEME_PLACE_HEADER ? NULL : FZ_ID;

    return scheme_verify(s, secret, &r, id, FZ_NOW_MS, s->unit);
}

static void fz_roundtrip(const struct scheme *s)
{
    static struct scheme_wire w; /* 8 KiB: kept off the stack */
    char secret[128];
    char other[128];
    char ts[32];
    struct err e = {{0}};
    enum signature_result r;

    fz_secret(s, false, secret, sizeof(secret));
    fz_secret(s, true, other, sizeof(other));
    signature_timestamp(FZ_NOW_MS, s->unit, ts, sizeof(ts));
    const struct scheme_input in = {.secret = secret,
                                    .id = FZ_ID,
                                    .type = "t.x",
                                    .delivery_id = "d-1",
                                    .webhook_id = "wh_1",
                                    .attempt = 1,
                                    .timestamp = ts,
                                    .body = FZ_BODY,
                                    .body_len = strlen(FZ_BODY)};
    if (scheme_build(s, &in, &w, &e) != 0) {
        fz_fail("a scheme that parsed does not build: %s", e.msg);
    }
    fz_check_lines(s, &w);
    r = fz_verify(s, secret, &w, FZ_BODY);
    if (r != SIGNATURE_OK) {
        fz_fail("scheme %s: its own delivery does not verify: %s", s->name,
                signature_result_str(r));
    }
    if (s->kind != SCHEME_NONE && fz_verify(s, other, &w, FZ_BODY) == SIGNATURE_OK) {
        fz_fail("scheme %s: another secret verifies", s->name);
    }
    if (scheme_signs_body(s) && fz_verify(s, secret, &w, FZ_BODY " ") == SIGNATURE_OK) {
        fz_fail("scheme %s: a body one byte longer verifies", s->name);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct scheme first;
    static struct scheme again;
    struct err e = {{0}};
    struct err e2 = {{0}};

    if (scheme_parse((const char *)data, size, "fuzz.json", &first, &e) != 0) {
        if (e.msg[0] == '\0') {
            fz_fail("scheme_parse failed without a message");
        }
        return 0;
    }
    if (scheme_parse((const char *)data, size, "fuzz.json", &again, &e2) != 0) {
        fz_fail("the second parse of the same text failed: %s", e2.msg);
    }
    if (memcmp(&first, &again, sizeof(first)) != 0) {
        fz_fail("two parses of the same text differ");
    }
    fz_roundtrip(&first);
    return 0;
}
