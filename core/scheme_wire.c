/* Building a delivery from a scheme: templates, the signed string, the
 * key, the encoded signature and the header lines (see scheme.h). */
#include "core/scheme.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "core/scheme_priv.h"

int scheme_render(const char *tpl, const struct scheme_var *vars, size_t n_vars, char *out,
                  size_t out_size)
{
    size_t used = 0;

    for (const char *c = tpl; *c != '\0';) {
        const char *piece = c;
        size_t len = 1;
        if (*c == '{') {
            const char *end = strchr(c, '}');
            size_t name_len = end != NULL ? (size_t)(end - c - 1) : 0;
            for (size_t i = 0; end != NULL && i < n_vars; i++) {
                if (strlen(vars[i].name) == name_len &&
                    strncmp(vars[i].name, c + 1, name_len) == 0) {
                    piece = vars[i].value;
                    len = strlen(piece);
                    c = end;
                    break;
                }
            }
        }
        if (used + len >= out_size) {
            return -1;
        }
        memcpy(out + used, piece, len);
        used += len;
        c++;
    }
    out[used] = '\0';
    return 0;
}

int scheme_key(const struct scheme *s, const char *secret, unsigned char *key, size_t key_size,
               size_t *key_len, struct err *e)
{
    size_t prefix = strlen(s->key_prefix);

    if (s->key == SCHEME_KEY_RAW) {
        *key_len = strlen(secret);
        if (*key_len > key_size) {
            return err_set(e, "a secret longer than %zu bytes", key_size);
        }
        memcpy(key, secret, *key_len);
        return 0;
    }
    /* Not scheme_secret_check first: a sender may sign with an empty key
     * (the harness does, to see a receiver refuse it). */
    if (strncmp(secret, s->key_prefix, prefix) == 0 &&
        signature_base64_decode(secret + prefix, strlen(secret + prefix), key, key_size, key_len) ==
            0) {
        return 0;
    }
    if (scheme_secret_check(s, secret, e) != 0) {
        return -1; /* says what is wrong with it */
    }
    return err_set(e, "a %s secret longer than the kit takes", s->name);
}

int scheme_sign(const struct scheme *s, const char *secret, const char *id, const char *timestamp,
                const void *body, size_t body_len, char out[SCHEME_SIG_MAX + 1], struct err *e)
{
    struct signature_part parts[SCHEME_TEMPLATE_PARTS];
    size_t n = 0;
    unsigned char key[SCHEME_KEY_MAX];
    size_t key_len = 0;
    unsigned char mac[SIGNATURE_MAC_MAX];
    size_t mac_len = 0;

    if (scheme_key(s, secret, key, sizeof(key), &key_len, e) != 0) {
        return -1;
    }
    /* The template is cut into literal pieces and fields; the body is
     * streamed into the MAC as it is, never copied or re-serialised. */
    for (const char *c = s->signed_template; *c != '\0' && n < SCHEME_TEMPLATE_PARTS;) {
        const char *end = *c == '{' ? strchr(c, '}') : NULL;
        if (end == NULL) {
            size_t len = strcspn(c, "{");
            parts[n++] = (struct signature_part){c, len};
            c += len;
            continue;
        }
        if (strncmp(c, "{body}", 6) == 0) {
            parts[n++] = (struct signature_part){body, body_len};
        } else if (strncmp(c, "{id}", 4) == 0) {
            parts[n++] = (struct signature_part){id, strlen(id)};
        } else {
            parts[n++] = (struct signature_part){timestamp, strlen(timestamp)};
        }
        c = end + 1;
    }
    if (signature_hmac(s->digest, key, key_len, parts, n, mac, &mac_len) != 0) {
        return err_set(e, "cannot compute the %s signature (libcrypto failed)", s->name);
    }
    if (s->encoding == SCHEME_ENC_HEX) {
        signature_hex(mac, mac_len, out);
        return 0;
    }
    return signature_base64_encode(mac, mac_len, out, SCHEME_SIG_MAX + 1);
}

/* Drops the part that is only the timestamp's prefix ("t=" with no value). */
static void drop_empty_timestamp(const struct scheme *s, char *value)
{
    const char *sep = s->separator;
    size_t sep_len = strlen(sep);
    char *part = value;

    while (part != NULL) {
        char *next = strstr(part, sep);
        size_t len = next != NULL ? (size_t)(next - part) : strlen(part);
        if (len == strlen(s->timestamp.name) && strncmp(part, s->timestamp.name, len) == 0) {
            size_t cut = next != NULL ? len + sep_len : len;
            if (next == NULL && part > value) {
                part -= sep_len; /* the last part: the separator before it goes */
                cut += sep_len;
            }
            memmove(part, part + cut, strlen(part + cut) + 1);
            return;
        }
        part = next != NULL ? next + sep_len : NULL;
    }
}

int scheme_signature_value(const struct scheme *s, const char *timestamp, const char *const *sigs,
                           size_t n, char *out, size_t out_size)
{
    char joined[SCHEME_WIRE_LINE];
    size_t used = 0;

    if (!s->list) {
        struct scheme_var vars[] = {{"sig", n > 0 ? sigs[0] : ""},
                                    {"timestamp", timestamp != NULL ? timestamp : ""}};
        return n == 1 ? scheme_render(s->signature_value, vars, 2, out, out_size) : -1;
    }
    joined[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        struct scheme_var var = {"sig", sigs[i]};
        size_t sep = i > 0 ? strlen(s->separator) : 0;
        if (used + sep >= sizeof(joined)) {
            return -1;
        }
        memcpy(joined + used, s->separator, sep);
        used += sep;
        if (scheme_render(s->element, &var, 1, joined + used, sizeof(joined) - used) != 0) {
            return -1;
        }
        used += strlen(joined + used);
    }
    struct scheme_var vars[] = {{"signatures", joined},
                                {"timestamp", timestamp != NULL ? timestamp : ""}};
    if (scheme_render(s->signature_value, vars, 2, out, out_size) != 0) {
        return -1;
    }
    if (timestamp == NULL && s->timestamp.place == SCHEME_PLACE_IN_SIGNATURE) {
        drop_empty_timestamp(s, out);
    }
    return 0;
}

int scheme_token_value(const struct scheme *s, const char *token, char *out, size_t out_size)
{
    struct scheme_var var = {"token", token};

    return scheme_render(s->token_value, &var, 1, out, out_size);
}

/* Appends "name: value"; returns where the value starts, NULL when it
 * does not fit its line. */
static const char *wire_line(struct scheme_wire *w, const char *name, const char *value)
{
    size_t i = w->n;
    int len = 0;

    if (i == SCHEME_WIRE_HEADERS) {
        return NULL;
    }
    len = snprintf(w->lines[i], sizeof(w->lines[i]), "%s: %s", name, value);
    if (len < 0 || (size_t)len >= sizeof(w->lines[i])) {
        return NULL;
    }
    w->ptrs[i] = w->lines[i];
    w->n++;
    return w->lines[i] + strlen(name) + 2;
}

/* The signature or token header's value, as computed or as shown. */
static int wire_auth(const struct scheme *s, const struct scheme_input *in, char *out,
                     size_t out_size, struct err *e)
{
    char sig[SCHEME_SIG_MAX + 1];
    const char *sigs[1] = {sig};

    if (in->shown != NULL) {
        snprintf(out, out_size, "%s", in->shown);
        return 0;
    }
    if (s->kind == SCHEME_TOKEN) {
        if (scheme_secret_check(s, in->secret, e) != 0) {
            return -1;
        }
        return scheme_token_value(s, in->secret, out, out_size) == 0
                   ? 0
                   : err_set(e, "a token too long for a header");
    }
    if (scheme_sign(s, in->secret, in->id, in->timestamp, in->body, in->body_len, sig, e) != 0) {
        return -1;
    }
    return scheme_signature_value(s, in->timestamp, sigs, 1, out, out_size) == 0
               ? 0
               : err_set(e, "a %s signature header too long", s->name);
}

int scheme_build(const struct scheme *s, const struct scheme_input *in, struct scheme_wire *w,
                 struct err *e)
{
    char attempt[16];
    char value[SCHEME_WIRE_LINE];
    const struct scheme_var vars[] = {
        {"id", in->id},
        {"type", in->type},
        {"delivery_id", in->delivery_id != NULL ? in->delivery_id : ""},
        {"attempt", attempt},
        {"webhook_id", in->webhook_id != NULL ? in->webhook_id : ""},
        {"timestamp", in->timestamp},
    };

    w->n = 0;
    w->signature = NULL;
    w->query_name[0] = '\0';
    w->query_value[0] = '\0';
    snprintf(w->timestamp, sizeof(w->timestamp), "%s", in->timestamp);
    snprintf(attempt, sizeof(attempt), "%u", in->attempt);
    for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
        if (strpbrk(vars[i].value, "\r\n") != NULL) {
            return err_set(e, "the %s holds a line break", vars[i].name);
        }
    }
    wire_line(w, "Content-Type", "application/json");
    for (size_t i = 0; i < s->n_headers; i++) {
        if (scheme_render(s->headers[i].value, vars, 6, value, sizeof(value)) != 0 ||
            (value[0] != '\0' && wire_line(w, s->headers[i].name, value) == NULL)) {
            return err_set(e, "header %s: value too long", s->headers[i].name);
        }
    }
    if (s->kind == SCHEME_HMAC && s->timestamp.place == SCHEME_PLACE_HEADER) {
        wire_line(w, s->timestamp.name, in->timestamp);
    }
    if (s->kind == SCHEME_NONE || in->no_auth) {
        return 0;
    }
    if (wire_auth(s, in, value, sizeof(value), e) != 0) {
        return -1;
    }
    if (s->kind == SCHEME_TOKEN && s->token.place == SCHEME_PLACE_QUERY) {
        snprintf(w->query_name, sizeof(w->query_name), "%s", s->token.name);
        snprintf(w->query_value, sizeof(w->query_value), "%s", value);
        return 0;
    }
    w->signature =
        wire_line(w, s->kind == SCHEME_TOKEN ? s->token.name : s->signature_header, value);
    return w->signature != NULL ? 0 : err_set(e, "the %s header is too long", s->name);
}
