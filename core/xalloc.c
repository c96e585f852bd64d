/* Allocation wrappers that abort on out-of-memory. */
#include "core/xalloc.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void oom(size_t n)
{
    fprintf(stderr, "out of memory (%zu bytes)\n", n);
    abort();
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (p == NULL) {
        oom(n);
    }
    return p;
}

void *xcalloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (p == NULL) {
        oom(count * size);
    }
    return p;
}

void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (q == NULL) {
        oom(n);
    }
    return q;
}

void *xgrow(void *p, size_t *cap, size_t need, size_t first, size_t elem)
{
    size_t c = *cap > 0 ? *cap : (first > 0 ? first : 1);

    if (need <= *cap) {
        return p;
    }
    while (c < need) {
        if (c > SIZE_MAX / 2) {
            oom(SIZE_MAX);
        }
        c *= 2;
    }
    if (elem > 0 && c > SIZE_MAX / elem) {
        oom(SIZE_MAX);
    }
    p = xrealloc(p, c * elem);
    *cap = c;
    return p;
}

char *xstrdup(const char *s)
{
    if (s == NULL) {
        return NULL;
    }
    return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    char *p = xmalloc(len + 1);
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

void xbuf_reserve(char **p, size_t len, size_t *cap, size_t more, size_t first, size_t max)
{
    size_t need = len + more + 1;
    size_t c = *cap > 0 ? *cap : first;

    if (need <= *cap) {
        return;
    }
    while (c < need) {
        c *= 2;
    }
    if (c > max) {
        c = max > need ? max : need;
    }
    *p = xrealloc(*p, c);
    *cap = c;
}

void xbuf_append(char **p, size_t *len, size_t *cap, const void *data, size_t n, size_t first,
                 size_t max)
{
    xbuf_reserve(p, *len, cap, n, first, max);
    if (n > 0) {
        memcpy(*p + *len, data, n);
    }
    *len += n;
    (*p)[*len] = '\0';
}

char *xasprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    int n = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (n < 0) {
        oom(0);
    }
    return s;
}
