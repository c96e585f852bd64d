/* The delivery policy kept across a restart (see policy.h): the changes
 * made through PUT /mock/config merged into one stored object, and put
 * back at start under the flags given on the command line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonh.h"
#include "mock_server/policy.h"

char *ms_policy_merge_patch(const char *stored, const char *patch, size_t patch_len)
{
    json_t *all = stored != NULL ? json_loads(stored, 0, NULL) : NULL;
    json_t *add = json_loadb(patch, patch_len, 0, NULL);
    char *text = NULL;

    if (!json_is_object(all)) {
        json_decref(all);
        all = json_object();
    }
    if (json_is_object(add) && json_object_update(all, add) == 0) {
        text = json_dumps(all, JSON_COMPACT | JSON_SORT_KEYS);
    }
    json_decref(add);
    json_decref(all);
    return text;
}

int ms_policy_restore(struct ms_policy *p, const char *stored, uint64_t given, char *keys,
                      size_t keys_size, struct err *e)
{
    json_t *all = json_loads(stored, 0, NULL);
    json_t *use = json_object();
    const char *key = NULL;
    json_t *v = NULL;
    char *text = NULL;
    size_t used = 0;
    size_t n_flags = 0;
    int ret = -1;

    const struct ms_policy_flag *flags = ms_policy_flags(&n_flags);

    keys[0] = '\0';
    if (!json_is_object(all)) {
        err_set(e, "the stored delivery policy is not a JSON object");
        goto out;
    }
    json_object_foreach(all, key, v)
    {
        size_t i = 0;

        while (i < n_flags && strcmp(flags[i].key, key) != 0) {
            i++;
        }
        if (i < n_flags && i < 64 && (given & (1ull << i)) != 0) {
            continue; /* given on the command line: the flag wins */
        }
        json_object_set(use, key, v);
        used += (size_t)snprintf(keys + used, used < keys_size ? keys_size - used : 0, "%s%s",
                                 used > 0 ? ", " : "", key);
    }
    text = json_dumps(use, JSON_COMPACT);
    ret = text != NULL ? ms_policy_patch_json(p, text, strlen(text), e) : -1;
out:
    free(text);
    json_decref(use);
    json_decref(all);
    return ret;
}
