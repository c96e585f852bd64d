/* The field readers the scenario parser's files share (the top level in
 * scenario.c, the steps in scenario_step.c): "needs", and a text field
 * that is printed on a terminal as it is. Apart from both so that the
 * steps' parser does not call back into the top level's. */
#include <string.h>

#include "harness/scenario.h"
#include "harness/scenario_priv.h"

int hn_sp_needs(struct hn_sp *p, json_t *root, unsigned *needs)
{
    json_t *arr = json_object_get(root, "needs");
    size_t i;
    json_t *v;

    if (arr == NULL) {
        return 0;
    }
    if (!json_is_array(arr)) {
        return jread_error_at(&p->r, "needs", "'needs' must be an array of strings");
    }
    jpath_push_key(&p->r.path, "needs");
    json_array_foreach(arr, i, v)
    {
        unsigned bit = 0;
        jpath_push_index(&p->r.path, i);
        for (unsigned b = 1; b != 0 && hn_need_name((enum hn_need)b) != NULL; b <<= 1) {
            if (json_is_string(v) && strcmp(json_string_value(v), hn_need_name(b)) == 0) {
                bit = b;
            }
        }
        if (bit == 0) {
            jread_error(&p->r, "unknown need (use auth, signature, signed_body, timestamp_past, "
                               "timestamp_future, signature_list, hex_signature, "
                               "vambe_profile or bound_event_id)");
            p->r.path.n = 0;
            return -1;
        }
        *needs |= bit;
        jpath_pop(&p->r.path);
    }
    jpath_pop(&p->r.path);
    return 0;
}

int hn_sp_text(struct hn_sp *p, json_t *obj, const char *key, bool required, size_t max,
               bool multiline, const char **out)
{
    if (jread_string(&p->r, obj, key, required, max, out) != 0) {
        return -1;
    }
    for (const unsigned char *c = (const unsigned char *)*out; c != NULL && *c != '\0'; c++) {
        if ((*c < 0x20 || *c == 0x7f) && !(multiline && (*c == '\n' || *c == '\t'))) {
            return jread_error_at(&p->r, key,
                                  "'%s' holds the control character 0x%02X: the text is printed "
                                  "on a terminal as it is",
                                  key, *c);
        }
    }
    return 0;
}
