/* An error carrying a human-readable message. Functions that parse outside
 * input take a struct err * and fill it on failure; the message names the
 * file, line or field at fault. A NULL struct err * is allowed and ignored. */
#ifndef CORE_ERR_H
#define CORE_ERR_H

#include <stdarg.h>

#define ERR_MSG_MAX 512

struct err {
    char msg[ERR_MSG_MAX];
};

/* Sets the message; always returns -1 so callers can `return err_set(...)`. */
int err_set(struct err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int err_vset(struct err *e, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Prepends "prefix: " to an existing message (e.g. the file name). */
void err_prefix(struct err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void err_clear(struct err *e);

#endif
