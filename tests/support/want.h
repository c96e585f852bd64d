/* Test support: what each built-in signing scheme sends, written out from
 * the providers' documents (never read from schemes/ or core/scheme), and
 * the check of one delivery a raw receiver kept against it, with the
 * HMAC recomputed through OpenSSL directly. For the mock's scheme tests. */
#ifndef TESTS_SUPPORT_WANT_H
#define TESTS_SUPPORT_WANT_H

#include <openssl/evp.h>
#include <stddef.h>
#include <stdint.h>

#include "support/raw.h"

/* base64 of 32 bytes with '+', '/' and '=' in it: a whsec_ key for
 * standard-webhooks, raw key bytes for the others, and a token that needs
 * percent-encoding in a query. */
#define SECRET "whsec_dmFtYmUh++++////a2l0LXNlY3JldC1rZXktMjAyNCE="
/* A signature or token header's whole value. */
#define VALUE_MAX 600

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

/* The nine built-in schemes: vambe, vambe-token-query, vambe-token-header,
 * standard-webhooks, github, stripe, shopify, slack, none. */
/* Declared without its size so that the _Static_assert beside the table
 * (want.c) counts the entries written, not this declaration. */
extern const struct want want_builtins[];
/* What test_mock_schemes.c's two scheme files say: acme (its own, SHA-512)
 * and one that takes github's name but signs otherwise. */
extern const struct want want_files[2];
/* Every header that authenticates, in any scheme. */
extern const char *const want_auth_headers[7];
/* Every header that carries a timestamp, in any scheme. */
extern const char *const want_ts_headers[3];

/* What the receiver saw, against w, the delivery made between before and
 * after (wall clock, ms) signed with SECRET. Fills sig_value (the signature
 * or token header's whole value, "" when none) and sig (the bare
 * signature). */
void want_check_request(const struct want *w, const struct raw_req *r, const char *event_id,
                        const char *hook_id, const char *hook_url, uint64_t before, uint64_t after,
                        char sig_value[VALUE_MAX], char sig[EVP_MAX_MD_SIZE * 2 + 1]);

#endif
