/* jansson helpers. */
#include "core/jsonh.h"

#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

char *jsonh_dump(const json_t *j, size_t *len)
{
    char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
    if (s == NULL) {
        /* Only out of memory (or an invalid value) makes jansson fail. */
        s = xstrdup("null");
    }
    if (len != NULL) {
        *len = strlen(s);
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
