/* The shared helpers of the scenario parser (sp = scenario parse): the
 * parsing context and typed field readers that report errors with file,
 * line, column and JSON path. Internal to harness/scenario*.c. */
#include "harness/scenario_parse.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/parse.h"

int hn_sp_error(struct hn_sp *p, const char *fmt, ...)
{
    char where[256];
    char msg[ERR_MSG_MAX];
    int line = 1;
    int column = 1;
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    hn_jpath_format(&p->path, where, sizeof(where));
    hn_jpath_locate(p->text, p->len, &p->path, &line, &column);
    return err_set(p->e, "%s:%d:%d: %s: %s", p->file, line, column, where, msg);
}

int hn_sp_error_at(struct hn_sp *p, const char *key, const char *fmt, ...)
{
    char msg[ERR_MSG_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    hn_jpath_push_key(&p->path, key);
    hn_sp_error(p, "%s", msg);
    hn_jpath_pop(&p->path);
    return -1;
}

int hn_sp_keys(struct hn_sp *p, json_t *obj, const char *const *allowed, const char *what)
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
            return hn_sp_error_at(p, key, "unknown %s '%s' (known: %s)", what, key, list);
        }
    }
    return 0;
}

int hn_sp_string(struct hn_sp *p, json_t *obj, const char *key, bool required, size_t max,
                 const char **out)
{
    json_t *v = json_object_get(obj, key);

    *out = NULL;
    if (v == NULL) {
        if (required) {
            return hn_sp_error(p, "missing required field '%s'", key);
        }
        return 0;
    }
    if (!json_is_string(v)) {
        return hn_sp_error_at(p, key, "'%s' must be a string", key);
    }
    if (json_string_length(v) == 0) {
        return hn_sp_error_at(p, key, "'%s' must not be empty", key);
    }
    if (max > 0 && json_string_length(v) > max) {
        return hn_sp_error_at(p, key, "'%s' is longer than %zu characters", key, max);
    }
    if (strlen(json_string_value(v)) != json_string_length(v)) {
        return hn_sp_error_at(p, key, "'%s' must not hold a NUL character", key);
    }
    *out = json_string_value(v);
    return 0;
}

int hn_sp_int(struct hn_sp *p, json_t *obj, const char *key, long long min, long long max,
              long long *out, bool *present)
{
    json_t *v = json_object_get(obj, key);

    *present = v != NULL;
    if (v == NULL) {
        return 0;
    }
    if (!json_is_integer(v)) {
        return hn_sp_error_at(p, key, "'%s' must be an integer", key);
    }
    long long n = (long long)json_integer_value(v);
    if (n < min || n > max) {
        if (min == 0 && n < 0) {
            return hn_sp_error_at(p, key, "'%s' must be 0 or more (got %lld)", key, n);
        }
        return hn_sp_error_at(p, key, "'%s' must be between %lld and %lld (got %lld)", key, min,
                              max, n);
    }
    *out = n;
    return 0;
}

int hn_sp_bool(struct hn_sp *p, json_t *obj, const char *key, bool *out)
{
    json_t *v = json_object_get(obj, key);

    if (v == NULL) {
        return 0;
    }
    if (!json_is_boolean(v)) {
        return hn_sp_error_at(p, key, "'%s' must be true or false", key);
    }
    *out = json_is_true(v);
    return 0;
}

int hn_sp_duration(struct hn_sp *p, json_t *obj, const char *key, uint64_t max_ms, uint64_t *out)
{
    const char *s = NULL;
    struct err pe = {{0}};

    if (hn_sp_string(p, obj, key, false, 32, &s) != 0) {
        return -1;
    }
    if (s == NULL) {
        return 0;
    }
    if (parse_duration_ms(s, out, &pe) != 0) {
        return hn_sp_error_at(p, key, "%s", pe.msg);
    }
    if (*out > max_ms) {
        return hn_sp_error_at(p, key, "'%s' must be at most %llu ms (got '%s')", key,
                              (unsigned long long)max_ms, s);
    }
    return 0;
}
