/* Allocation wrappers: out-of-memory aborts with a message instead of
 * returning NULL, so callers never carry an OOM path. */
#ifndef CORE_XALLOC_H
#define CORE_XALLOC_H

#include <stddef.h>

/* Never NULL, which the attribute tells the compiler and the analyzers. */
#define XALLOC_NONNULL __attribute__((returns_nonnull))

void *xmalloc(size_t n) XALLOC_NONNULL;
void *xcalloc(size_t count, size_t size) XALLOC_NONNULL;
void *xrealloc(void *p, size_t n) XALLOC_NONNULL;
/* Returns a copy the caller frees; xstrdup(NULL) returns NULL. */
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n) XALLOC_NONNULL;
/* An array p of elem-sized items with room for *cap of them, grown so that
 * it has room for at least need: the capacity doubles from first (first
 * when *cap is 0). Returns the array (moved, maybe) and updates *cap;
 * aborts as xrealloc does, also when the size would overflow. */
void *xgrow(void *p, size_t *cap, size_t need, size_t first, size_t elem) XALLOC_NONNULL;
/* A growing text buffer: *p holds *len bytes and a NUL in *cap allocated.
 * xbuf_reserve makes room for more bytes (and the NUL), doubling from
 * first bytes but never past max (the caller keeps *len + more + 1 within
 * max); xbuf_append copies n bytes in and terminates. *p may start NULL
 * with *len and *cap 0. */
void xbuf_reserve(char **p, size_t len, size_t *cap, size_t more, size_t first, size_t max);
void xbuf_append(char **p, size_t *len, size_t *cap, const void *data, size_t n, size_t first,
                 size_t max);
/* printf into a new string the caller frees. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2))) XALLOC_NONNULL;

#endif
