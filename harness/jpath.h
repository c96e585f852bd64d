/* JSON paths into a document ("steps[2].expect.status") and where they sit
 * in its text. jansson gives a line and column for syntax errors only; for
 * an error in a well-formed file the scenario parser keeps the path it is
 * at, and hn_jpath_locate scans the text again to find that key. */
#ifndef HARNESS_JPATH_H
#define HARNESS_JPATH_H

#include <stddef.h>

#define HN_JPATH_MAX 16

struct hn_jpath_part {
    const char *key; /* borrowed; NULL for an array index */
    size_t index;
};

struct hn_jpath {
    struct hn_jpath_part parts[HN_JPATH_MAX];
    size_t n;
};

/* Push and pop are no-ops beyond HN_JPATH_MAX (the path is then cut). */
void hn_jpath_push_key(struct hn_jpath *p, const char *key);
void hn_jpath_push_index(struct hn_jpath *p, size_t index);
void hn_jpath_pop(struct hn_jpath *p);

/* "steps[2].expect.status"; "(top level)" for the empty path. */
void hn_jpath_format(const struct hn_jpath *p, char *out, size_t out_size);

/* Finds the path in a JSON text (which jansson accepted): the position of
 * the last key (for an object member) or of the element (for an index). A
 * part that is not found stops the walk at the deepest one found. Lines and
 * columns start at 1; columns count characters, as jansson does. */
void hn_jpath_locate(const char *text, size_t len, const struct hn_jpath *p, int *line,
                     int *column);

#endif
