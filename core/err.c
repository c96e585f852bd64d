/* Error messages carried by struct err. */
#include "core/err.h"

#include <stdio.h>
#include <string.h>

int err_vset(struct err *e, const char *fmt, va_list ap)
{
    if (e != NULL) {
        vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
    }
    return -1;
}

int err_set(struct err *e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    err_vset(e, fmt, ap);
    va_end(ap);
    return -1;
}

void err_prefix(struct err *e, const char *fmt, ...)
{
    if (e == NULL) {
        return;
    }
    char prefix[ERR_MSG_MAX];
    char old[ERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof(prefix), fmt, ap);
    va_end(ap);
    memcpy(old, e->msg, sizeof(old));
    /* Both halves are bounded; a long pair is cut, which is what we want. */
    size_t n = strnlen(prefix, sizeof(prefix) - 1);
    size_t cap = sizeof(e->msg);
    memcpy(e->msg, prefix, n);
    if (n + 2 < cap) {
        e->msg[n] = ':';
        e->msg[n + 1] = ' ';
        size_t rest = strnlen(old, cap - n - 3);
        memcpy(e->msg + n + 2, old, rest);
        e->msg[n + 2 + rest] = '\0';
    } else {
        e->msg[cap - 1] = '\0';
    }
}

void err_clear(struct err *e)
{
    if (e != NULL) {
        e->msg[0] = '\0';
    }
}
