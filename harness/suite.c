/* Suites: finding, loading and selecting scenario files. */
#include "harness/suite.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/file.h"
#include "core/signature.h"
#include "core/xalloc.h"

#define SUITE_MAX_DEPTH 8
#define SUITE_MAX_FILES 4096

static bool suite_is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int hn_suite_default_dir(char *out, size_t out_size)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash != NULL) {
            *slash = '\0';
            snprintf(out, out_size, "%s/../share/vambe-kit/scenarios", exe);
            /* Reports name the folder: /usr/share/..., not /usr/bin/../share/...
             * (in the build tree, the source folder its link points at). */
            char *real = realpath(out, NULL);
            if (real != NULL && suite_is_dir(real)) {
                snprintf(out, out_size, "%s", real);
                free(real);
                return 0;
            }
            free(real);
        }
    }
#ifdef VAMBE_SUITE_BUILD_DIR
    if (suite_is_dir(VAMBE_SUITE_BUILD_DIR)) {
        snprintf(out, out_size, "%s", VAMBE_SUITE_BUILD_DIR);
        return 0;
    }
#endif
#ifdef VAMBE_SUITE_INSTALL_DIR
    if (suite_is_dir(VAMBE_SUITE_INSTALL_DIR)) {
        snprintf(out, out_size, "%s", VAMBE_SUITE_INSTALL_DIR);
        return 0;
    }
#endif
    return -1;
}

struct suite_paths {
    char **v;
    size_t n;
    size_t cap;
};

static int suite_walk(const char *dir, int depth, struct suite_paths *p, struct err *e)
{
    DIR *d = NULL;
    struct dirent *de;
    int rc = -1;

    if (depth > SUITE_MAX_DEPTH) {
        return err_set(e, "%s: folders nested too deep", dir);
    }
    d = opendir(dir);
    if (d == NULL) {
        return err_set(e, "%s: cannot open folder: %s", dir, strerror(errno));
    }
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.') {
            continue;
        }
        char *path = xasprintf("%s/%s", dir, de->d_name);
        size_t len = strlen(de->d_name);
        if (suite_is_dir(path)) {
            int w = suite_walk(path, depth + 1, p, e);
            free(path);
            if (w != 0) {
                goto out;
            }
            continue;
        }
        if (len < 6 || strcmp(de->d_name + len - 5, ".json") != 0) {
            free(path);
            continue;
        }
        if (p->n >= SUITE_MAX_FILES) {
            free(path);
            err_set(e, "%s: more than %d scenario files", dir, SUITE_MAX_FILES);
            goto out;
        }
        p->v = xgrow(p->v, &p->cap, p->n + 1, 32, sizeof(char *));
        p->v[p->n++] = path;
    }
    rc = 0;
out:
    closedir(d);
    return rc;
}

static int suite_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int hn_suite_list_files(const char *dir, char ***paths, size_t *n, struct err *e)
{
    struct suite_paths p = {NULL, 0, 0};
    size_t len = strlen(dir);
    char *root = xstrdup(dir);

    /* "scenarios/" and "scenarios" name the same files. */
    while (len > 1 && root[len - 1] == '/') {
        root[--len] = '\0';
    }
    if (suite_walk(root, 0, &p, e) != 0) {
        for (size_t i = 0; i < p.n; i++) {
            free(p.v[i]);
        }
        free(p.v);
        free(root);
        return -1;
    }
    free(root);
    if (p.n > 0) {
        qsort(p.v, p.n, sizeof(char *), suite_cmp);
    }
    *paths = p.v;
    *n = p.n;
    return 0;
}

int hn_suite_add_file(struct hn_suite *s, const char *path, struct err *e)
{
    struct hn_scenario *sc = NULL;

    if (hn_scenario_load(path, &sc, e) != 0) {
        return -1;
    }
    for (size_t i = 0; i < s->n; i++) {
        if (strcmp(s->items[i]->id, sc->id) == 0) {
            err_set(e, "%s: id %s is already defined by %s", path, sc->id, s->items[i]->file);
            hn_scenario_free(sc);
            return -1;
        }
    }
    s->items = xrealloc(s->items, (s->n + 1) * sizeof(*s->items));
    s->items[s->n++] = sc;
    return 0;
}

int hn_suite_add_dir(struct hn_suite *s, const char *dir, struct err *e)
{
    char **paths = NULL;
    size_t n = 0;
    int rc = 0;

    if (hn_suite_list_files(dir, &paths, &n, e) != 0) {
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        if (rc == 0 && hn_suite_add_file(s, paths[i], e) != 0) {
            rc = -1;
        }
        free(paths[i]);
    }
    free(paths);
    return rc;
}

/* The next item of a comma-separated list, spaces around it trimmed:
 * *item and *len, and *p moved past it. False at the end of the list. */
static bool suite_list_next(const char **p, const char **item, size_t *len)
{
    const char *q = *p + strspn(*p, " ,");
    size_t n = strcspn(q, ",");
    size_t t = n;

    if (*q == '\0') {
        *p = q;
        return false;
    }
    while (t > 0 && q[t - 1] == ' ') {
        t--;
    }
    *item = q; /* starts with neither a space nor a comma: t >= 1 */
    *len = t;
    *p = q + n;
    return true;
}

/* True when the comma-separated list holds word. */
static bool suite_list_has(const char *list, const char *word)
{
    size_t wlen = strlen(word);
    const char *item;
    size_t len;

    while (suite_list_next(&list, &item, &len)) {
        if (len == wlen && strncmp(item, word, wlen) == 0) {
            return true;
        }
    }
    return false;
}

/* Every id of list must be in the suite. */
static int suite_check_ids(const struct hn_suite *s, const char *list, const char *flag,
                           struct err *e)
{
    const char *item;
    size_t len;

    while (suite_list_next(&list, &item, &len)) {
        bool found = false;

        for (size_t i = 0; i < s->n && !found; i++) {
            found = strlen(s->items[i]->id) == len && strncmp(s->items[i]->id, item, len) == 0;
        }
        if (!found) {
            return err_set(e, "%s: no case '%.*s' in the suite (see: vambe-harness list)", flag,
                           (int)len, item);
        }
    }
    return 0;
}

static bool suite_keep(const struct hn_scenario *sc, const char *only, const char *skip,
                       const char *tags)
{
    if (only != NULL && !suite_list_has(only, sc->id)) {
        return false;
    }
    if (skip != NULL && suite_list_has(skip, sc->id)) {
        return false;
    }
    if (tags != NULL) {
        for (size_t i = 0; i < sc->n_tags; i++) {
            if (suite_list_has(tags, sc->tags[i])) {
                return true;
            }
        }
        return false;
    }
    return true;
}

int hn_suite_select(struct hn_suite *s, const char *only, const char *skip, const char *tags,
                    struct err *e)
{
    size_t kept = 0;

    if (s->n == 0) {
        return err_set(e, "the suite has no scenarios: nothing to run");
    }
    if ((only != NULL && suite_check_ids(s, only, "--only", e) != 0) ||
        (skip != NULL && suite_check_ids(s, skip, "--skip", e) != 0)) {
        return -1;
    }
    for (size_t i = 0; i < s->n; i++) {
        if (suite_keep(s->items[i], only, skip, tags)) {
            s->items[kept++] = s->items[i];
        } else {
            hn_scenario_free(s->items[i]);
        }
    }
    s->n = kept;
    if (kept == 0) {
        return err_set(e, "no case selected: --only, --skip and --tags left nothing to run");
    }
    return 0;
}

char *hn_suite_checksum(const struct hn_suite *s)
{
    char *all = NULL;
    size_t len = 0;
    char hex[SIGNATURE_SHA256_HEX_LEN + 1];
    char *out = NULL;

    for (size_t i = 0; i < s->n; i++) {
        FILE *f = file_open_regular(s->items[i]->file, NULL);
        if (f == NULL) {
            goto out;
        }
        char buf[8192];
        size_t got;
        while ((got = fread(buf, 1, sizeof(buf), f)) > 0) {
            all = xrealloc(all, len + got);
            memcpy(all + len, buf, got);
            len += got;
        }
        fclose(f);
    }
    if (signature_sha256_hex(all != NULL ? all : "", len, hex) == 0) {
        out = xstrdup(hex);
    }
out:
    free(all);
    return out;
}

void hn_suite_cleanup(struct hn_suite *s)
{
    for (size_t i = 0; i < s->n; i++) {
        hn_scenario_free(s->items[i]);
    }
    free(s->items);
    s->items = NULL;
    s->n = 0;
}

void hn_suite_audits_last(struct hn_suite *s)
{
    struct hn_scenario **sorted = xcalloc(s->n + 1, sizeof(*sorted));
    size_t k = 0;

    for (int audit = 0; audit < 2; audit++) {
        for (size_t i = 0; i < s->n; i++) {
            if (s->items[i]->audit == (audit == 1)) {
                sorted[k++] = s->items[i];
            }
        }
    }
    memcpy(s->items, sorted, s->n * sizeof(*sorted));
    free(sorted);
}
