/* The built-in schemes (the files of schemes/, built in) and what
 * --scheme NAME|FILE resolves to. */
#include "core/scheme.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/scheme_texts.h"

#define SCHEME_BUILTIN_MAX 16

static struct scheme builtins[SCHEME_BUILTIN_MAX];
static size_t n_builtins;
static pthread_once_t builtins_once = PTHREAD_ONCE_INIT;

/* The files are checked by the tests that parse them; one that does not
 * parse here is a build that must not run. */
static void builtins_parse(void)
{
    for (size_t i = 0; i < scheme_texts_count && i < SCHEME_BUILTIN_MAX; i++) {
        struct err e = {{0}};
        char file[SCHEME_NAME_MAX + 16];

        snprintf(file, sizeof(file), "%s.json", scheme_texts[i].name);
        if (scheme_parse(scheme_texts[i].text, scheme_texts[i].len, file, &builtins[i], &e) != 0) {
            fprintf(stderr, "built-in scheme %s\n", e.msg);
            abort();
        }
        n_builtins++;
    }
}

const struct scheme *scheme_builtins(size_t *n)
{
    pthread_once(&builtins_once, builtins_parse);
    *n = n_builtins;
    return builtins;
}

const struct scheme *scheme_builtin(const char *name)
{
    size_t n = 0;
    const struct scheme *all = scheme_builtins(&n);

    for (size_t i = 0; i < n; i++) {
        if (strcmp(all[i].name, name) == 0) {
            return &all[i];
        }
    }
    return NULL;
}

const struct scheme *scheme_default(void)
{
    return scheme_builtin("vambe");
}

int scheme_resolve(const char *name_or_file, struct scheme *out, struct err *e)
{
    size_t len = strlen(name_or_file);
    const struct scheme *s = NULL;
    char names[256];
    size_t used = 0;
    size_t n = 0;
    const struct scheme *all = NULL;

    if (strchr(name_or_file, '/') != NULL ||
        (len > 5 && strcmp(name_or_file + len - 5, ".json") == 0)) {
        return scheme_load_file(name_or_file, out, e);
    }
    s = scheme_builtin(name_or_file);
    if (s != NULL) {
        *out = *s;
        return 0;
    }
    all = scheme_builtins(&n);
    names[0] = '\0';
    for (size_t i = 0; i < n && used < sizeof(names); i++) {
        int w =
            snprintf(names + used, sizeof(names) - used, "%s%s", i > 0 ? ", " : "", all[i].name);
        used += w > 0 ? (size_t)w : 0;
    }
    return err_set(e, "unknown scheme '%.64s' (built-in: %s; or a path to a scheme file)",
                   name_or_file, names);
}

int scheme_secret_check(const struct scheme *s, const char *secret, struct err *e)
{
    size_t prefix = strlen(s->key_prefix);
    unsigned char key[512];
    size_t key_len = 0;

    if (s->kind == SCHEME_TOKEN && strpbrk(secret, "\r\n") != NULL) {
        return err_set(e, "a %s token cannot hold a line break", s->name);
    }
    if (s->kind != SCHEME_HMAC || s->key != SCHEME_KEY_BASE64) {
        return 0;
    }
    if (strncmp(secret, s->key_prefix, prefix) != 0) {
        return err_set(e, "a %s secret starts with '%s' followed by base64", s->name,
                       s->key_prefix);
    }
    if (signature_base64_decode(secret + prefix, strlen(secret + prefix), key, sizeof(key),
                                &key_len) != 0) {
        return err_set(e,
                       "a %s secret is '%s' followed by base64 (this one is not base64 "
                       "after the prefix)",
                       s->name, s->key_prefix);
    }
    if (key_len == 0) {
        return err_set(e, "a %s secret needs a key after '%s' (this one is empty)", s->name,
                       s->key_prefix);
    }
    return 0;
}
