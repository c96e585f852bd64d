/* Signing schemes as data (DESIGN §4, docs/schemes.md).
 *
 * A scheme file (schemes/<name>.json, "format": 1) says how a sender
 * authenticates a delivery: an HMAC over a signed string (kind "hmac"), a
 * shared token in the query or a header (kind "token"), or nothing (kind
 * "none"); which headers carry the event id, type and delivery id; where
 * the timestamp travels and how far into the past and the future a
 * receiver takes it; how long after an event's first attempt its provider
 * may still retry it. The built-in schemes are the files of schemes/, built
 * into the programs (scheme_builtin.c is generated from them), so a program
 * needs no file at run time; --scheme FILE loads another.
 *
 * The one builder (scheme_build, scheme_wire.c) is what the mock sends with
 * and the harness starts from before it mutates; the one verifier
 * (scheme_verify, scheme_verify.c) is what the reference receiver checks
 * with. A struct scheme is plain data, no pointers: copy it freely. */
#ifndef CORE_SCHEME_H
#define CORE_SCHEME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/signature.h"

#define SCHEME_FORMAT          1
#define SCHEME_FILE_MAX_BYTES  (64 * 1024)
#define SCHEME_NAME_MAX        48
#define SCHEME_TITLE_MAX       200
#define SCHEME_HEADER_NAME_MAX 64
#define SCHEME_TEMPLATE_MAX    128
#define SCHEME_HEADERS_MAX     10  /* headers of the "headers" object */
#define SCHEME_SIG_MAX         128 /* one encoded signature: hex of SHA-512 */
#define SCHEME_TEMPLATE_PARTS  16  /* literal pieces and fields of a signed string */
#define SCHEME_UNBOUNDED       (-1)

enum scheme_kind { SCHEME_HMAC, SCHEME_TOKEN, SCHEME_NONE };

enum scheme_encoding { SCHEME_ENC_HEX, SCHEME_ENC_BASE64 };

enum scheme_key {
    SCHEME_KEY_RAW,    /* the secret's bytes are the key */
    SCHEME_KEY_BASE64, /* the key is the secret, after key_prefix, base64-decoded */
};

enum scheme_place {
    SCHEME_PLACE_NONE,
    SCHEME_PLACE_HEADER,       /* a header (name) */
    SCHEME_PLACE_FIELD,        /* a field of the JSON body (dotted path) */
    SCHEME_PLACE_QUERY,        /* a query parameter (tokens) */
    SCHEME_PLACE_IN_SIGNATURE, /* a part of the signature header (timestamps) */
};

/* Where a value travels: a header, a body field, a query parameter or a
 * part of the signature header (name is its prefix, "t="). */
struct scheme_locator {
    enum scheme_place place;
    char name[SCHEME_HEADER_NAME_MAX + 1];
};

/* A header sent on every attempt; value is a template over {id}, {type},
 * {delivery_id}, {attempt}, {webhook_id} and {timestamp}. */
struct scheme_header {
    char name[SCHEME_HEADER_NAME_MAX + 1];
    char value[SCHEME_TEMPLATE_MAX + 1];
};

struct scheme {
    char name[SCHEME_NAME_MAX + 1];
    char title[SCHEME_TITLE_MAX + 1];
    char profile[32]; /* the payload profile it implies (core/event) */
    enum scheme_kind kind;
    size_t max_body;          /* the largest body the provider sends (bytes) */
    uint32_t retry_horizon_s; /* how long after a first attempt retries may come (s); 0: none */
    struct scheme_header headers[SCHEME_HEADERS_MAX];
    size_t n_headers;
    struct scheme_locator event_id;    /* stable across retries and duplicates */
    struct scheme_locator event_type;  /* the topic */
    struct scheme_locator delivery_id; /* new for every attempt; NONE when not sent */
    /* timestamp (hmac): place NONE, HEADER or IN_SIGNATURE */
    struct scheme_locator timestamp;
    enum signature_unit unit; /* ms or s */
    long long past_s;         /* window into the past; SCHEME_UNBOUNDED */
    long long future_s;       /* window into the future; SCHEME_UNBOUNDED */
    /* hmac */
    char digest[8]; /* "sha256", "sha1", "sha512" */
    enum scheme_key key;
    char key_prefix[33];
    char signed_template[SCHEME_TEMPLATE_MAX + 1]; /* over {id}, {timestamp}, {body} */
    enum scheme_encoding encoding;
    char signature_header[SCHEME_HEADER_NAME_MAX + 1];
    /* The header's value: "{sig}", "sha256={sig}"; with a list,
     * "{signatures}" stands for the elements joined by the separator. */
    char signature_value[SCHEME_TEMPLATE_MAX + 1];
    bool list;                             /* the header may carry several signatures */
    char separator[4];                     /* between list elements (" ", ",") */
    char element[SCHEME_TEMPLATE_MAX + 1]; /* one element: "v1,{sig}" */
    /* token: place QUERY (name is the parameter) or HEADER */
    struct scheme_locator token;
    char token_value[SCHEME_TEMPLATE_MAX + 1]; /* "{token}", "Bearer {token}" */
};

/* ---- loading (scheme.c) ---- */

/* Parses a scheme file's text (len bytes, read from file, which is used in
 * messages only) into out. 0, or -1 with e set to
 * "file:line:column: path: message". */
int scheme_parse(const char *text, size_t len, const char *file, struct scheme *out, struct err *e);
/* Reads and parses a file. */
int scheme_load_file(const char *path, struct scheme *out, struct err *e);
/* A built-in scheme by name; NULL when there is none of that name. The
 * result is static and lives as long as the process. */
const struct scheme *scheme_builtin(const char *name);
/* The built-in schemes in a fixed order ("vambe" first); *n their count. */
const struct scheme *scheme_builtins(size_t *n);
/* The default scheme ("vambe"). */
const struct scheme *scheme_default(void);
/* What --scheme takes: a built-in name, or a path to a file (a value with
 * a '/' or ending in ".json"). 0, or -1 with e set (unknown names list the
 * built-in ones). */
int scheme_resolve(const char *name_or_file, struct scheme *out, struct err *e);

const char *scheme_kind_name(enum scheme_kind k);
/* Does the scheme sign the body, bound the timestamp's past or future,
 * carry a timestamp at all, or allow a list of signatures? */
bool scheme_signs_body(const struct scheme *s);
bool scheme_has_timestamp(const struct scheme *s);
/* Checks that secret is one the scheme can use (a base64 key after its
 * prefix; a token that fits a header). 0, or -1 with e set (the message
 * never holds the secret). */
int scheme_secret_check(const struct scheme *s, const char *secret, struct err *e);

/* ---- building a delivery (scheme_wire.c) ---- */

#define SCHEME_WIRE_HEADERS (SCHEME_HEADERS_MAX + 4)
#define SCHEME_WIRE_LINE    512

/* What varies from one attempt to the next (all borrowed). */
struct scheme_input {
    const char *secret;
    const char *id;
    const char *type;
    const char *delivery_id; /* "" when the scheme sends none */
    const char *webhook_id;
    unsigned attempt;
    const char *timestamp; /* the text signed and sent (signature_timestamp) */
    const void *body;
    size_t body_len;
    /* When set, sent as the signature header's (or the token header's)
     * value instead of computing one: the call log rebuilds the headers of
     * a record with the signature as it shows it. */
    const char *shown;
    bool no_auth; /* leave out the signature or token (a sender that does not sign) */
};

/* The request of one attempt: header lines "Name: value" in a fixed order
 * (Content-Type, the scheme's headers but those whose value is empty, the
 * timestamp, the signature or token), and the query parameter to add to
 * the URL for query tokens. */
struct scheme_wire {
    char lines[SCHEME_WIRE_HEADERS][SCHEME_WIRE_LINE];
    const char *ptrs[SCHEME_WIRE_HEADERS];
    size_t n;
    char timestamp[32];    /* the attempt's timestamp text, sent or not */
    const char *signature; /* the signature or token header's value; NULL when none */
    /* A query token: the parameter to add to the URL (http_url_add_query
     * encodes it); both "" when none. */
    char query_name[SCHEME_HEADER_NAME_MAX + 1];
    char query_value[SCHEME_WIRE_LINE];
};

/* Builds an attempt's request. 0, or -1 with e set (a secret the scheme
 * cannot use, libcrypto failed, a value too long for its line). */
int scheme_build(const struct scheme *s, const struct scheme_input *in, struct scheme_wire *w,
                 struct err *e);
/* One encoded signature of the scheme (hex or base64) over its signed
 * string with secret. 0, or -1 with e set. */
int scheme_sign(const struct scheme *s, const char *secret, const char *id, const char *timestamp,
                const void *body, size_t body_len, char out[SCHEME_SIG_MAX + 1], struct err *e);
/* The signature header's value for n signatures (n > 1 needs a list
 * scheme) and timestamp (NULL leaves out the timestamp part of schemes that
 * carry it in the header). 0, or -1 when it does not fit out. */
int scheme_signature_value(const struct scheme *s, const char *timestamp, const char *const *sigs,
                           size_t n, char *out, size_t out_size);
/* The token's value as sent ("Bearer <token>"). 0, or -1 when too long. */
int scheme_token_value(const struct scheme *s, const char *token, char *out, size_t out_size);

/* ---- verifying a delivery (scheme_verify.c) ---- */

/* Looks a request header up by name (any case); NULL when absent. */
typedef const char *(*scheme_header_fn)(void *ctx, const char *name);

struct scheme_request {
    scheme_header_fn header;
    void *ctx;
    const char *query_token; /* the query parameter of a query token, NULL when absent */
    const void *body;
    size_t body_len;
};

/* Verifies a request as a receiver should: the token (constant-time), or
 * the signature header's syntax, then the timestamp against the scheme's
 * window around now_ms (unit: the scheme's, or SIGNATURE_UNIT_AUTO to
 * read values above 10^11 as ms), then the HMAC of the raw body bytes with
 * a constant-time compare, any element of a list matching. The event id
 * (header or, for field ids, the caller's) is not part of it, except
 * where the signed string holds {id}: then id must be given (NULL reads
 * the scheme's event id header). */
enum signature_result scheme_verify(const struct scheme *s, const char *secret,
                                    const struct scheme_request *r, const char *id, uint64_t now_ms,
                                    enum signature_unit unit);

#endif
