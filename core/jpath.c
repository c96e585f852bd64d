/* JSON paths and their position in a document's text. The scanner below
 * only walks text that jansson has already accepted, so it can skip values
 * without validating them; it is iterative, so a deeply nested file cannot
 * exhaust the stack. */
#include "core/jpath.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

void jpath_push_key(struct jpath *p, const char *key)
{
    if (p->n < JPATH_MAX) {
        p->parts[p->n].key = key;
        p->parts[p->n].index = 0;
    }
    p->n++;
}

void jpath_push_index(struct jpath *p, size_t index)
{
    if (p->n < JPATH_MAX) {
        p->parts[p->n].key = NULL;
        p->parts[p->n].index = index;
    }
    p->n++;
}

void jpath_pop(struct jpath *p)
{
    if (p->n > 0) {
        p->n--;
    }
}

void jpath_format(const struct jpath *p, char *out, size_t out_size)
{
    size_t used = 0;
    size_t n = p->n < JPATH_MAX ? p->n : JPATH_MAX;

    if (out_size == 0) {
        return;
    }
    out[0] = '\0';
    if (n == 0) {
        snprintf(out, out_size, "(top level)");
        return;
    }
    for (size_t i = 0; i < n && used < out_size; i++) {
        int w;
        if (p->parts[i].key != NULL) {
            w = snprintf(out + used, out_size - used, "%s%s", i > 0 ? "." : "", p->parts[i].key);
        } else {
            w = snprintf(out + used, out_size - used, "[%zu]", p->parts[i].index);
        }
        if (w < 0) {
            return;
        }
        used += (size_t)w;
    }
}

struct jscan {
    const char *s;
    size_t len;
    size_t pos;
};

static bool jscan_more(const struct jscan *j)
{
    return j->pos < j->len;
}

static void jscan_ws(struct jscan *j)
{
    while (jscan_more(j) && strchr(" \t\r\n", j->s[j->pos]) != NULL && j->s[j->pos] != '\0') {
        j->pos++;
    }
}

/* At an opening quote: moves past the closing one. */
static void jscan_string(struct jscan *j)
{
    j->pos++;
    while (jscan_more(j) && j->s[j->pos] != '"') {
        if (j->s[j->pos] == '\\') {
            j->pos++;
        }
        j->pos++;
    }
    j->pos++;
}

static void jscan_value(struct jscan *j)
{
    int level = 0;

    jscan_ws(j);
    if (!jscan_more(j)) {
        return;
    }
    if (j->s[j->pos] == '"') {
        jscan_string(j);
        return;
    }
    if (j->s[j->pos] != '{' && j->s[j->pos] != '[') {
        while (jscan_more(j) && strchr(",]} \t\r\n", j->s[j->pos]) == NULL) {
            j->pos++;
        }
        return;
    }
    do {
        char c = j->s[j->pos];
        if (c == '"') {
            jscan_string(j);
            continue;
        }
        if (c == '{' || c == '[') {
            level++;
        } else if (c == '}' || c == ']') {
            level--;
        }
        j->pos++;
    } while (level > 0 && jscan_more(j));
}

/* Skips the value at pos and the comma after it; false when no comma
 * follows (the container ends, or the text does). */
static bool jscan_next(struct jscan *j)
{
    jscan_value(j);
    jscan_ws(j);
    if (!jscan_more(j) || j->s[j->pos] != ',') {
        return false;
    }
    j->pos++;
    return true;
}
/* At an object: finds member key. On success leaves pos at its value and
 * stores the key's position in *at. */
static bool jscan_member(struct jscan *j, const char *key, size_t *at)
{
    size_t klen = strlen(key);

    jscan_ws(j);
    if (!jscan_more(j) || j->s[j->pos] != '{') {
        return false;
    }
    j->pos++;
    for (;;) {
        jscan_ws(j);
        if (!jscan_more(j) || j->s[j->pos] != '"') {
            return false;
        }
        size_t start = j->pos;
        jscan_string(j);
        /* Raw comparison: the kit's keys never need escapes. */
        bool match = j->pos >= start + 2 && j->pos - start - 2 == klen &&
                     memcmp(j->s + start + 1, key, klen) == 0;
        jscan_ws(j);
        if (!jscan_more(j) || j->s[j->pos] != ':') {
            return false;
        }
        j->pos++;
        jscan_ws(j);
        if (match) {
            *at = start;
            return true;
        }
        if (!jscan_next(j)) {
            return false;
        }
    }
}

/* At an array: finds element index and leaves pos there. */
static bool jscan_element(struct jscan *j, size_t index)
{
    jscan_ws(j);
    if (!jscan_more(j) || j->s[j->pos] != '[') {
        return false;
    }
    j->pos++;
    for (size_t i = 0;; i++) {
        jscan_ws(j);
        if (!jscan_more(j) || j->s[j->pos] == ']') {
            return false;
        }
        if (i == index) {
            return true;
        }
        if (!jscan_next(j)) {
            return false;
        }
    }
}

void jpath_locate(const char *text, size_t len, const struct jpath *p, int *line, int *column)
{
    struct jscan j = {text, len, 0};
    size_t best;
    size_t n = p->n < JPATH_MAX ? p->n : JPATH_MAX;

    jscan_ws(&j);
    best = j.pos;
    for (size_t i = 0; i < n; i++) {
        size_t at = 0;
        if (p->parts[i].key != NULL) {
            if (!jscan_member(&j, p->parts[i].key, &at)) {
                break;
            }
            best = at;
        } else {
            if (!jscan_element(&j, p->parts[i].index)) {
                break;
            }
            best = j.pos;
        }
    }
    *line = 1;
    *column = 1;
    for (size_t i = 0; i < best && i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c == '\n') {
            (*line)++;
            *column = 1;
        } else if ((c & 0xc0) != 0x80) {
            (*column)++;
        }
    }
}
