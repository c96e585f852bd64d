/* jansson helpers used across the kit. */
#ifndef CORE_JSONH_H
#define CORE_JSONH_H

#include <jansson.h>
#include <stddef.h>

#include "core/err.h"

/* Compact dump keeping insertion order; returns a string the caller frees
 * (free()) and its length in *len (may be NULL). */
char *jsonh_dump(const json_t *j, size_t *len);
/* Parses exactly one JSON value from buf. On failure fills e with
 * "line L, column C: reason" and returns NULL. Caller owns the result. */
json_t *jsonh_parse(const char *buf, size_t len, struct err *e);
/* j, or an abort when it is NULL: for values built from text already made
 * valid, where jansson returns NULL only for lack of memory. */
json_t *jsonh_must(json_t *j);
/* Depth of nesting of j (a scalar is 0). */
int jsonh_depth(const json_t *j);
/* A JSON string of len bytes that may hold NUL bytes (\u0000 in the text)
 * and need not be UTF-8 (a receiver's answer, a raw path): when they are
 * not, every byte >= 0x80 becomes '?'. NULL gives null. New reference. */
json_t *jsonh_stringn_lossy(const char *s, size_t len);

#endif
