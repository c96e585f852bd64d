/* jansson helpers. */
#include "core/jsonh.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

#define JSONH_DUMP_FLAGS     (JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY)
#define JSONH_DUMP_FIRST_CAP 1024 /* an event body, a webhook: one allocation */

struct jsonh_text {
    char *p;
    size_t len;
    size_t cap;
};

static int jsonh_put(const char *buf, size_t size, void *data)
{
    struct jsonh_text *t = data;

    /* jansson calls this once per token: grow only when needed, and
     * terminate once at the end (jsonh_dump). */
    if (t->len + size + 1 > t->cap) {
        xbuf_reserve(&t->p, t->len, &t->cap, size, JSONH_DUMP_FIRST_CAP, SIZE_MAX);
    }
    memcpy(t->p + t->len, buf, size);
    t->len += size;
    return 0;
}

/* One pass of jansson's dump into a growing buffer, trimmed to its size:
 * json_dumps grows its own buffer from 16 bytes and copies the result once
 * more at the end. */
char *jsonh_dump(const json_t *j, size_t *len)
{
    struct jsonh_text t = {NULL, 0, 0};

    if (json_dump_callback(j, jsonh_put, &t, JSONH_DUMP_FLAGS) != 0 || t.p == NULL) {
        /* Only an invalid value makes jansson fail (memory aborts). */
        free(t.p);
        t.p = xstrdup("null");
        t.len = 4;
    } else {
        t.p[t.len] = '\0';
        if (t.cap > t.len + 1) {
            t.p = xrealloc(t.p, t.len + 1);
        }
    }
    if (len != NULL) {
        *len = t.len;
    }
    return t.p;
}

json_t *jsonh_parse(const char *buf, size_t len, struct err *e)
{
    json_error_t je;
    json_t *j = json_loadb(buf, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
    if (j == NULL) {
        err_set(e, "line %d, column %d: %s", je.line, je.column, je.text);
    }
    return j;
}

int jsonh_depth(const json_t *j)
{
    int max = 0;
    if (json_is_object(j)) {
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)j, k, v)
        {
            int d = jsonh_depth(v) + 1;
            max = d > max ? d : max;
        }
        return max ? max : 1;
    }
    if (json_is_array(j)) {
        size_t i;
        json_t *v;
        json_array_foreach(j, i, v)
        {
            int d = jsonh_depth(v) + 1;
            max = d > max ? d : max;
        }
        return max ? max : 1;
    }
    return 0;
}

json_t *jsonh_stringn_lossy(const char *s, size_t len)
{
    json_t *j;
    char *copy;

    if (s == NULL) {
        return json_null();
    }
    j = json_stringn(s, len);
    if (j != NULL) {
        return j;
    }
    copy = xmalloc(len + 1);
    for (size_t i = 0; i < len; i++) {
        copy[i] = (unsigned char)s[i] >= 0x80 ? '?' : s[i];
    }
    copy[len] = '\0';
    j = json_stringn(copy, len);
    free(copy);
    return j != NULL ? j : json_null();
}

json_t *jsonh_must(json_t *j)
{
    if (j == NULL) {
        abort();
    }
    return j;
}
