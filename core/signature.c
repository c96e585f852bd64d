/* The cryptography of webhook signatures (see signature.h); the schemes
 * that use it are data, in core/scheme. */
#include "core/signature.h"

#include <ctype.h>
#include <inttypes.h>
#include <limits.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

#define TIMESTAMP_MAX_DIGITS 15

/* Fetching an algorithm is costly in OpenSSL 3; it is done once and the
 * (thread-safe, read-only) EVP_MAC and EVP_MD shared by every call. */
static EVP_MAC *hmac_alg;
static pthread_once_t alg_once = PTHREAD_ONCE_INIT;

static EVP_MD *sha256_alg;

static void alg_fetch(void)
{
    hmac_alg = EVP_MAC_fetch(NULL, "HMAC", NULL);
    sha256_alg = EVP_MD_fetch(NULL, "SHA256", NULL);
}

/* Keying an HMAC context (the digest looked up by name, the key hashed
 * into the pads) costs more than the MAC of a webhook body, and a sender
 * signs thousands a second with one key. Each thread keeps the context it
 * keyed last and copies it while digest and key stay the same. The copy of
 * the key is wiped when replaced; the cache is freed when its thread ends
 * (the main thread's at exit). */
struct hmac_cache {
    char digest[8];
    unsigned char *key;
    size_t key_len;
    EVP_MAC_CTX *keyed;
};
static pthread_key_t hmac_cache_key;
static pthread_once_t hmac_cache_once = PTHREAD_ONCE_INIT;
static bool hmac_cache_ok; /* written once, under hmac_cache_once */

static void hmac_cache_drop(struct hmac_cache *c)
{
    EVP_MAC_CTX_free(c->keyed);
    c->keyed = NULL;
    if (c->key != NULL) {
        OPENSSL_cleanse(c->key, c->key_len);
        free(c->key);
    }
    c->key = NULL;
    c->key_len = 0;
    c->digest[0] = '\0';
}

static void hmac_cache_free(void *p)
{
    hmac_cache_drop(p);
    free(p);
}

static void hmac_cache_init(void)
{
    hmac_cache_ok = pthread_key_create(&hmac_cache_key, hmac_cache_free) == 0;
}

/* This thread's cache; NULL when there can be none (no thread key). */
static struct hmac_cache *hmac_cache_get(void)
{
    struct hmac_cache *c;

    pthread_once(&hmac_cache_once, hmac_cache_init);
    if (!hmac_cache_ok) {
        return NULL;
    }
    c = pthread_getspecific(hmac_cache_key);
    if (c == NULL) {
        c = xcalloc(1, sizeof(*c));
        if (pthread_setspecific(hmac_cache_key, c) != 0) {
            free(c);
            c = NULL;
        }
    }
    return c;
}

/* A context keyed with key for digest name (OpenSSL's), the caller's to
 * free; NULL when OpenSSL failed. */
static EVP_MAC_CTX *hmac_keyed(const char *name, const void *key, size_t key_len,
                               const OSSL_PARAM *params)
{
    struct hmac_cache *c = hmac_cache_get();
    EVP_MAC_CTX *ctx;

    if (c != NULL && c->keyed != NULL && strcmp(c->digest, name) == 0 && c->key_len == key_len &&
        (key_len == 0 || CRYPTO_memcmp(c->key, key, key_len) == 0)) {
        return EVP_MAC_CTX_dup(c->keyed);
    }
    ctx = hmac_alg ? EVP_MAC_CTX_new(hmac_alg) : NULL;
    /* An empty key is a valid HMAC key; OpenSSL wants a non-NULL pointer. */
    if (ctx == NULL ||
        EVP_MAC_init(ctx, key_len > 0 ? key : (const void *)"", key_len, params) != 1) {
        EVP_MAC_CTX_free(ctx);
        return NULL;
    }
    if (c != NULL) {
        hmac_cache_drop(c);
        c->key = xmalloc(key_len > 0 ? key_len : 1);
        c->keyed = EVP_MAC_CTX_dup(ctx);
        if (c->keyed == NULL) {
            hmac_cache_drop(c);
        } else {
            memcpy(c->key, key, key_len);
            c->key_len = key_len;
            snprintf(c->digest, sizeof(c->digest), "%s", name);
        }
    }
    return ctx;
}

int signature_hmac(const char *digest, const void *key, size_t key_len,
                   const struct signature_part *parts, size_t n_parts,
                   unsigned char mac[SIGNATURE_MAC_MAX], size_t *mac_len)
{
    static const struct {
        const char *name;
        const char *ossl;
    } digests[] = {{"sha256", "SHA256"}, {"sha1", "SHA1"}, {"sha512", "SHA512"}};
    char name[8] = "";
    EVP_MAC_CTX *ctx = NULL;
    int rc = -1;

    for (size_t i = 0; i < sizeof(digests) / sizeof(digests[0]); i++) {
        if (strcmp(digest, digests[i].name) == 0) {
            snprintf(name, sizeof(name), "%s", digests[i].ossl);
        }
    }
    if (name[0] == '\0') {
        return -1;
    }
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, name, 0),
        OSSL_PARAM_construct_end(),
    };
    pthread_once(&alg_once, alg_fetch);
    ctx = hmac_keyed(name, key, key_len, params);
    if (ctx == NULL) {
        goto out;
    }
    for (size_t i = 0; i < n_parts; i++) {
        if (parts[i].len > 0 && EVP_MAC_update(ctx, parts[i].p, parts[i].len) != 1) {
            goto out;
        }
    }
    if (EVP_MAC_final(ctx, mac, mac_len, SIGNATURE_MAC_MAX) != 1) {
        goto out;
    }
    rc = 0;
out:
    EVP_MAC_CTX_free(ctx);
    return rc;
}

void signature_hex(const unsigned char *in, size_t len, char *out)
{
    static const char hex[] = "0123456789abcdef";

    for (size_t i = 0; i < len; i++) {
        out[2 * i] = hex[in[i] >> 4];
        out[2 * i + 1] = hex[in[i] & 0x0f];
    }
    out[2 * len] = '\0';
}

int signature_base64_encode(const void *in, size_t len, char *out, size_t out_size)
{
    if (len > INT_MAX / 2 || out_size < 4 * ((len + 2) / 3) + 1) {
        return -1;
    }
    EVP_EncodeBlock((unsigned char *)out, in, (int)len);
    return 0;
}

int signature_base64_decode(const char *in, size_t len, unsigned char *out, size_t out_size,
                            size_t *out_len)
{
    size_t pad = 0;

    /* EVP_DecodeBlock skips leading and trailing blanks and keeps the
     * padding's zero bytes: the alphabet and the length are checked here. */
    if (len == 0) {
        *out_len = 0; /* the empty string is the base64 of nothing */
        return 0;
    }
    if (len % 4 != 0 || len > INT_MAX || out_size < len / 4 * 3) {
        return -1;
    }
    for (size_t i = 0; i < len; i++) {
        char c = in[i];
        if (c == '=' && i >= len - 2) {
            pad++;
        } else if (pad > 0 || !(isalnum((unsigned char)c) || c == '+' || c == '/')) {
            return -1;
        }
    }
    if (EVP_DecodeBlock(out, (const unsigned char *)in, (int)len) < 0) {
        return -1;
    }
    *out_len = len / 4 * 3 - pad;
    return 0;
}

int signature_unit_parse(const char *s, bool allow_auto, enum signature_unit *out, struct err *e)
{
    if (strcmp(s, "ms") == 0) {
        *out = SIGNATURE_UNIT_MS;
    } else if (strcmp(s, "s") == 0) {
        *out = SIGNATURE_UNIT_S;
    } else if (allow_auto && strcmp(s, "auto") == 0) {
        *out = SIGNATURE_UNIT_AUTO;
    } else {
        return err_set(e, "'%s': unknown timestamp unit (use ms or s%s)", s,
                       allow_auto ? " or auto" : "");
    }
    return 0;
}

const char *signature_unit_name(enum signature_unit u)
{
    switch (u) {
    case SIGNATURE_UNIT_MS:
        return "ms";
    case SIGNATURE_UNIT_S:
        return "s";
    case SIGNATURE_UNIT_AUTO:
        return "auto";
    }
    return "?";
}

void signature_timestamp(uint64_t now_ms, enum signature_unit unit, char *out, size_t out_size)
{
    uint64_t v = unit == SIGNATURE_UNIT_S ? now_ms / 1000u : now_ms;
    snprintf(out, out_size, "%" PRIu64, v);
}

int signature_sign(const char *secret, const char *timestamp, const void *body, size_t body_len,
                   char out[SIGNATURE_MAX + 1])
{
    const struct signature_part parts[] = {
        {timestamp, strlen(timestamp)}, {".", 1}, {body, body_len}};
    unsigned char mac[SIGNATURE_MAC_MAX];
    size_t mac_len = 0;

    if (signature_hmac("sha256", secret, strlen(secret), parts, 3, mac, &mac_len) != 0) {
        return -1;
    }
    signature_hex(mac, mac_len, out);
    return 0;
}

/* Parses a timestamp header: 1 to 15 decimal digits, nothing else. */
static int parse_timestamp(const char *text, uint64_t *out)
{
    size_t n = strlen(text);
    if (n == 0 || n > TIMESTAMP_MAX_DIGITS) {
        return -1;
    }
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)text[i])) {
            return -1;
        }
        v = v * 10 + (uint64_t)(text[i] - '0');
    }
    *out = v;
    return 0;
}

/* A signature header: exactly 64 hex digits (either case: hex compares
 * are done on the lowercase form, so an uppercase copy of the right MAC
 * is still the right MAC; whether to accept it is the verifier's policy
 * and ours is to accept, as most HMAC libraries print either). */
static int parse_signature(const char *text, char lower[SIGNATURE_MAX + 1])
{
    size_t n = strlen(text);
    if (n != 64) {
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        if (!isxdigit((unsigned char)text[i])) {
            return -1;
        }
        lower[i] = (char)tolower((unsigned char)text[i]);
    }
    lower[n] = '\0';
    return 0;
}

enum signature_result signature_verify(const char *secret, const char *timestamp_header,
                                       const char *signature_header, const void *body,
                                       size_t body_len, uint64_t now_ms, enum signature_unit unit,
                                       unsigned tolerance_s)
{
    if (timestamp_header == NULL || *timestamp_header == '\0' || signature_header == NULL ||
        *signature_header == '\0') {
        return SIGNATURE_MISSING;
    }
    uint64_t ts = 0;
    char given[SIGNATURE_MAX + 1];
    if (parse_timestamp(timestamp_header, &ts) != 0 ||
        parse_signature(signature_header, given) != 0) {
        return SIGNATURE_MALFORMED;
    }
    bool in_ms = unit == SIGNATURE_UNIT_MS || (unit == SIGNATURE_UNIT_AUTO && ts > 100000000000ull);
    uint64_t ts_ms = in_ms ? ts : ts * 1000u;
    uint64_t tol_ms = (uint64_t)tolerance_s * 1000u;
    if (ts_ms + tol_ms < now_ms) {
        return SIGNATURE_STALE;
    }
    if (ts_ms > now_ms + tol_ms) {
        return SIGNATURE_FUTURE;
    }
    char expected[SIGNATURE_MAX + 1];
    if (signature_sign(secret, timestamp_header, body, body_len, expected) != 0) {
        return SIGNATURE_MISMATCH;
    }
    return signature_equal(expected, strlen(expected), given, strlen(given)) ? SIGNATURE_OK
                                                                             : SIGNATURE_MISMATCH;
}

const char *signature_result_str(enum signature_result r)
{
    switch (r) {
    case SIGNATURE_OK:
        return "ok";
    case SIGNATURE_MISSING:
        return "missing header";
    case SIGNATURE_MALFORMED:
        return "malformed header";
    case SIGNATURE_STALE:
        return "timestamp too old";
    case SIGNATURE_FUTURE:
        return "timestamp in the future";
    case SIGNATURE_MISMATCH:
        return "signature mismatch";
    }
    return "?";
}

bool signature_equal(const void *a, size_t a_len, const void *b, size_t b_len)
{
    if (a_len != b_len) {
        return false;
    }
    return a_len == 0 || CRYPTO_memcmp(a, b, a_len) == 0;
}

int signature_random_bytes(void *buf, size_t n)
{
    return RAND_bytes(buf, (int)n) == 1 ? 0 : -1;
}

int signature_sha256_hex(const void *data, size_t len, char out[SIGNATURE_SHA256_HEX_LEN + 1])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;

    /* The mock digests every API request's key: no implicit fetch per call. */
    pthread_once(&alg_once, alg_fetch);
    if (sha256_alg == NULL || EVP_Digest(data, len, md, &md_len, sha256_alg, NULL) != 1 ||
        md_len != 32) {
        return -1;
    }
    for (unsigned int i = 0; i < md_len; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 0x0f];
    }
    out[2 * md_len] = '\0';
    return 0;
}
