/* Internal to core/scheme*.c: template rendering and key derivation,
 * shared by the builder and the verifier, and the parser's whole-scheme
 * checks. */
#ifndef CORE_SCHEME_PRIV_H
#define CORE_SCHEME_PRIV_H

#include <stddef.h>

#include "core/err.h"
#include "core/jread.h"
#include "core/scheme.h"

#define SCHEME_KEY_MAX 512

struct scheme_var {
    const char *name; /* without braces */
    const char *value;
};

/* Writes tpl with each {name} of vars replaced by its value (names not in
 * vars are copied as they are). 0, or -1 when it does not fit out. */
int scheme_render(const char *tpl, const struct scheme_var *vars, size_t n_vars, char *out,
                  size_t out_size);
/* The HMAC key of secret under s (raw bytes, or base64 after the prefix).
 * 0, or -1 with e set. */
int scheme_key(const struct scheme *s, const char *secret, unsigned char *key, size_t key_size,
               size_t *key_len, struct err *e);

/* The checks of a parsed scheme that need all of it (scheme_check.c). 0,
 * or -1 with p's error set. */
int scheme_check_coherent(struct jread *p, struct scheme *s);

#endif
