/* Reading a JSON file that a user wrote (scenario files, scheme files) with
 * errors that say where: "file:line:column: path: message". The reader keeps
 * the JSON path it is at (core/jpath) and finds it in the text again only
 * when it reports an error. Every reader that fails has filled p->e and
 * returns -1; values returned through const char ** are borrowed from the
 * jansson document being read. */
#ifndef CORE_JREAD_H
#define CORE_JREAD_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/jpath.h"

struct jread {
    const char *text; /* the file's text, to locate paths in */
    size_t len;
    const char *file;  /* in messages only */
    struct jpath path; /* where the reader is */
    struct err *e;
};

/* Parses text as one JSON document (duplicate keys refused) into *root
 * (the caller decrefs it); a syntax error names file, line and column. */
int jread_load(struct jread *p, json_t **root);
/* Fills p->e for the current path; returns -1. */
int jread_error(struct jread *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Same, for member key of the current object. */
int jread_error_at(struct jread *p, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Refuses members not in allowed (NULL-terminated); what names them in the
 * message ("field", "mutation"). */
int jread_keys(struct jread *p, json_t *obj, const char *const *allowed, const char *what);
/* A non-empty string of at most max characters (0: no limit); *out is NULL
 * when absent and not required. */
int jread_string(struct jread *p, json_t *obj, const char *key, bool required, size_t max,
                 const char **out);
/* An integer in [min, max]; *present says whether it was given. */
int jread_int(struct jread *p, json_t *obj, const char *key, long long min, long long max,
              long long *out, bool *present);
/* A boolean; *out is left alone when absent. */
int jread_bool(struct jread *p, json_t *obj, const char *key, bool *out);
/* A duration text ("500ms", "5s") of at most max_ms; *out left alone when absent. */
int jread_duration(struct jread *p, json_t *obj, const char *key, uint64_t max_ms, uint64_t *out);

#endif
