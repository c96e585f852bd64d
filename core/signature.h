/* Webhook signatures, as a table of schemes so other providers' schemes can
 * be added without touching callers. The one scheme today is Vambe's:
 *   x-vambe-timestamp: <epoch ms or s>
 *   x-vambe-signature: lowercase hex HMAC-SHA256(secret, "<timestamp>.<body>")
 * This is the only file that includes OpenSSL. */
#ifndef CORE_SIGNATURE_H
#define CORE_SIGNATURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define SIGNATURE_MAX         128 /* longest signature text of any scheme */
#define SIGNATURE_TOLERANCE_S 300 /* Vambe's documented window */

enum signature_unit { SIGNATURE_UNIT_MS, SIGNATURE_UNIT_S, SIGNATURE_UNIT_AUTO };

enum signature_result {
    SIGNATURE_OK,
    SIGNATURE_MISSING,   /* a header is absent or empty */
    SIGNATURE_MALFORMED, /* a header does not have the scheme's syntax */
    SIGNATURE_STALE,     /* timestamp older than the tolerance */
    SIGNATURE_FUTURE,    /* timestamp further ahead than the tolerance */
    SIGNATURE_MISMATCH,  /* well-formed, in time, but not made with this secret */
};

struct signature_scheme {
    const char *name;             /* "vambe" */
    const char *signature_header; /* lower case */
    const char *timestamp_header; /* lower case */
    /* Writes the signature text for (timestamp, body) into out (NUL-terminated). */
    int (*sign)(const char *secret, size_t secret_len, const char *timestamp, const void *body,
                size_t body_len, char out[SIGNATURE_MAX + 1]);
};

/* Looks a scheme up by name; NULL when unknown. */
const struct signature_scheme *signature_scheme_find(const char *name);
/* The default scheme (Vambe's). */
const struct signature_scheme *signature_scheme_default(void);

/* "ms", "s" (and "auto" when allow_auto). */
int signature_unit_parse(const char *s, bool allow_auto, enum signature_unit *out, struct err *e);
const char *signature_unit_name(enum signature_unit u);
/* Formats wall time now_ms in the unit (ms or s) as decimal text. */
void signature_timestamp(uint64_t now_ms, enum signature_unit unit, char *out, size_t out_size);

/* Signs with the default scheme. */
int signature_sign(const char *secret, const char *timestamp, const void *body, size_t body_len,
                   char out[SIGNATURE_MAX + 1]);

/* Verifies headers (either may be NULL when absent) against body with the
 * default scheme: syntax, then the time window (tolerance_s either way of
 * now_ms), then the HMAC with a constant-time compare. With
 * SIGNATURE_UNIT_AUTO a timestamp above 10^11 is read as milliseconds.
 * A tolerance of exactly tolerance_s is accepted. */
enum signature_result signature_verify(const char *secret, const char *timestamp_header,
                                       const char *signature_header, const void *body,
                                       size_t body_len, uint64_t now_ms, enum signature_unit unit,
                                       unsigned tolerance_s);
/* Short text for a result: "ok", "missing header", "malformed header",
 * "timestamp too old", "timestamp in the future", "signature mismatch". */
const char *signature_result_str(enum signature_result r);

/* Constant-time equality of two byte strings (lengths compared first). */
bool signature_equal(const void *a, size_t a_len, const void *b, size_t b_len);
/* Cryptographically random bytes; 0 or -1. */
int signature_random_bytes(void *buf, size_t n);

#define SIGNATURE_SHA256_HEX_LEN 64
/* Lowercase hex SHA-256 of data (e.g. the harness's suite checksum); 0 or -1. */
int signature_sha256_hex(const void *data, size_t len, char out[SIGNATURE_SHA256_HEX_LEN + 1]);

#endif
