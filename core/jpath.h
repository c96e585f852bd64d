/* JSON paths into a document ("steps[2].expect.status") and where they sit
 * in its text. jansson gives a line and column for syntax errors only; for
 * an error in a well-formed file a file parser (scenarios, schemes) keeps the path it is
 * at, and jpath_locate scans the text again to find that key. */
#ifndef CORE_JPATH_H
#define CORE_JPATH_H

#include <stddef.h>

#define JPATH_MAX 16

struct jpath_part {
    const char *key; /* borrowed; NULL for an array index */
    size_t index;
};

struct jpath {
    struct jpath_part parts[JPATH_MAX];
    size_t n;
};

/* Push and pop are no-ops beyond JPATH_MAX (the path is then cut). */
void jpath_push_key(struct jpath *p, const char *key);
void jpath_push_index(struct jpath *p, size_t index);
void jpath_pop(struct jpath *p);

/* "steps[2].expect.status"; "(top level)" for the empty path. */
void jpath_format(const struct jpath *p, char *out, size_t out_size);

/* Finds the path in a JSON text (which jansson accepted): the position of
 * the last key (for an object member) or of the element (for an index). A
 * part that is not found stops the walk at the deepest one found. Lines and
 * columns start at 1; columns count characters, as jansson does. */
void jpath_locate(const char *text, size_t len, const struct jpath *p, int *line, int *column);

#endif
