/* The cryptography of webhook signatures: HMAC (SHA-256, SHA-1, SHA-512),
 * hex and base64, constant-time compare, random bytes, and the timestamp
 * window. Schemes (which headers, which signed string) are data, in
 * core/scheme. signature_sign and signature_verify are the default
 * scheme's primitive, kept for what checks Vambe's bytes directly:
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

/* One piece of the string a MAC is computed over (bytes, not copied). */
struct signature_part {
    const void *p;
    size_t len;
};

#define SIGNATURE_MAC_MAX 64 /* SHA-512 */

/* HMAC with digest ("sha256", "sha1", "sha512") and key over the parts in
 * order, streamed (the body is never copied next to the rest). Writes the
 * raw MAC to mac and its length to *mac_len; 0, or -1 (unknown digest,
 * libcrypto failed). */
int signature_hmac(const char *digest, const void *key, size_t key_len,
                   const struct signature_part *parts, size_t n_parts,
                   unsigned char mac[SIGNATURE_MAC_MAX], size_t *mac_len);
/* Lowercase hex of len bytes into out (2 * len + 1 bytes). */
void signature_hex(const unsigned char *in, size_t len, char *out);
/* Standard base64 with padding of len bytes into out; 0, or -1 when out
 * (out_size bytes, NUL included) is too small. */
int signature_base64_encode(const void *in, size_t len, char *out, size_t out_size);
/* Decodes standard base64 (padding required, no whitespace; "" is the
 * empty string's) into out; 0 with *out_len set, or -1 when in is not
 * base64 or out too small. */
int signature_base64_decode(const char *in, size_t len, unsigned char *out, size_t out_size,
                            size_t *out_len);

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
