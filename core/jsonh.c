/* jansson helpers. */
#include "core/jsonh.h"

#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

#define JSONH_DUMP_FLAGS (JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY)
#define JSONH_DUMP_STACK 4096 /* most dumps (an event, a webhook) fit */

char *jsonh_dump(const json_t *j, size_t *len)
{
    char buf[JSONH_DUMP_STACK];
    size_t n = json_dumpb(j, buf, sizeof(buf), JSONH_DUMP_FLAGS);
    char *s;

    if (n > 0 && n <= sizeof(buf)) {
        /* One allocation of the exact size, where json_dumps grows a
         * buffer from 16 bytes and copies it once more at the end. */
        s = xmalloc(n + 1);
        memcpy(s, buf, n);
        s[n] = '\0';
    } else {
        s = n > 0 ? json_dumps(j, JSONH_DUMP_FLAGS) : NULL;
        if (s == NULL) {
            /* Only out of memory (or an invalid value) makes jansson fail. */
            s = xstrdup("null");
        }
        n = strlen(s);
    }
    if (len != NULL) {
        *len = n;
    }
    return s;
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
