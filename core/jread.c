/* Reading user-written JSON files with located errors (see jread.h). */
#include "core/jread.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/parse.h"

int jread_load(struct jread *p, json_t **root)
{
    json_error_t je;

    *root = json_loadb(p->text, p->len, JSON_REJECT_DUPLICATES, &je);
    if (*root == NULL) {
        return err_set(p->e, "%s:%d:%d: not valid JSON: %s", p->file, je.line < 1 ? 1 : je.line,
                       je.column < 1 ? 1 : je.column, je.text);
    }
    return 0;
}

int jread_error(struct jread *p, const char *fmt, ...)
{
    char where[256];
    char msg[ERR_MSG_MAX];
    int line = 1;
    int column = 1;
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    jpath_format(&p->path, where, sizeof(where));
    jpath_locate(p->text, p->len, &p->path, &line, &column);
    return err_set(p->e, "%s:%d:%d: %s: %s", p->file, line, column, where, msg);
}

int jread_error_at(struct jread *p, const char *key, const char *fmt, ...)
{
    char msg[ERR_MSG_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    jpath_push_key(&p->path, key);
    jread_error(p, "%s", msg);
    jpath_pop(&p->path);
    return -1;
}

int jread_keys(struct jread *p, json_t *obj, const char *const *allowed, const char *what)
{
    const char *key;
    json_t *v;

    json_object_foreach(obj, key, v)
    {
        bool ok = false;
        for (size_t i = 0; allowed[i] != NULL && !ok; i++) {
            ok = strcmp(key, allowed[i]) == 0;
        }
        if (!ok) {
            char list[256];
            size_t used = 0;
            list[0] = '\0';
            for (size_t i = 0; allowed[i] != NULL && used < sizeof(list); i++) {
                int w = snprintf(list + used, sizeof(list) - used, "%s%s", i > 0 ? ", " : "",
                                 allowed[i]);
                used += w > 0 ? (size_t)w : 0;
            }
            return jread_error_at(p, key, "unknown %s '%s' (known: %s)", what, key, list);
        }
    }
    return 0;
}

int jread_string(struct jread *p, json_t *obj, const char *key, bool required, size_t max,
                 const char **out)
{
    json_t *v = json_object_get(obj, key);

    *out = NULL;
    if (v == NULL) {
        if (required) {
            return jread_error(p, "missing required field '%s'", key);
        }
        return 0;
    }
    if (!json_is_string(v)) {
        return jread_error_at(p, key, "'%s' must be a string", key);
    }
    if (json_string_length(v) == 0) {
        return jread_error_at(p, key, "'%s' must not be empty", key);
    }
    if (max > 0 && json_string_length(v) > max) {
        return jread_error_at(p, key, "'%s' is longer than %zu characters", key, max);
    }
    if (strlen(json_string_value(v)) != json_string_length(v)) {
        return jread_error_at(p, key, "'%s' must not hold a NUL character", key);
    }
    *out = json_string_value(v);
    return 0;
}

int jread_int(struct jread *p, json_t *obj, const char *key, long long min, long long max,
              long long *out, bool *present)
{
    json_t *v = json_object_get(obj, key);

    *present = v != NULL;
    if (v == NULL) {
        return 0;
    }
    if (!json_is_integer(v)) {
        return jread_error_at(p, key, "'%s' must be an integer", key);
    }
    long long n = (long long)json_integer_value(v);
    if (n < min || n > max) {
        if (min == 0 && n < 0) {
            return jread_error_at(p, key, "'%s' must be 0 or more (got %lld)", key, n);
        }
        return jread_error_at(p, key, "'%s' must be between %lld and %lld (got %lld)", key, min,
                              max, n);
    }
    *out = n;
    return 0;
}

int jread_bool(struct jread *p, json_t *obj, const char *key, bool *out)
{
    json_t *v = json_object_get(obj, key);

    if (v == NULL) {
        return 0;
    }
    if (!json_is_boolean(v)) {
        return jread_error_at(p, key, "'%s' must be true or false", key);
    }
    *out = json_is_true(v);
    return 0;
}

int jread_duration(struct jread *p, json_t *obj, const char *key, uint64_t max_ms, uint64_t *out)
{
    const char *s = NULL;
    struct err pe = {{0}};

    if (jread_string(p, obj, key, false, 32, &s) != 0) {
        return -1;
    }
    if (s == NULL) {
        return 0;
    }
    if (parse_duration_ms(s, out, &pe) != 0) {
        return jread_error_at(p, key, "%s", pe.msg);
    }
    if (*out > max_ms) {
        return jread_error_at(p, key, "'%s' must be at most %llu ms (got '%s')", key,
                              (unsigned long long)max_ms, s);
    }
    return 0;
}
