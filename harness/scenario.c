/* Scenario files: loading, the top-level fields, and the error messages
 * with file, line, column and JSON path. The steps are parsed in
 * scenario_step.c through the context declared in scenario_priv.h; the
 * field readers both use are in scenario_field.c, the enums' names in
 * scenario_names.c. */
#include "harness/scenario.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/file.h"
#include "core/parse.h"
#include "core/xalloc.h"
#include "harness/scenario_priv.h"

/* "ABC-123": two to eight capitals, a dash, three digits. */
static bool scenario_id_ok(const char *id)
{
    size_t n = 0;

    while (id[n] >= 'A' && id[n] <= 'Z') {
        n++;
    }
    if (n < 2 || n > 8 || id[n] != '-') {
        return false;
    }
    for (size_t i = 1; i <= 3; i++) {
        if (id[n + i] < '0' || id[n + i] > '9') {
            return false;
        }
    }
    return id[n + 4] == '\0';
}

static int scenario_tags(struct hn_sp *p, json_t *root, struct hn_scenario *s)
{
    json_t *tags = json_object_get(root, "tags");
    size_t i;
    json_t *t;
    int rc = -1;

    if (tags == NULL) {
        return jread_error(&p->r, "missing required field 'tags' (an array, may be empty)");
    }
    jpath_push_key(&p->r.path, "tags");
    if (!json_is_array(tags)) {
        jread_error(&p->r, "'tags' must be an array of strings");
        goto out;
    }
    s->tags = xcalloc(json_array_size(tags) + 1, sizeof(char *));
    json_array_foreach(tags, i, t)
    {
        jpath_push_index(&p->r.path, i);
        if (!json_is_string(t) || json_string_length(t) == 0 || json_string_length(t) > 32 ||
            strpbrk(json_string_value(t), " ,\t\r\n") != NULL) {
            jread_error(&p->r, "a tag is a non-empty string of at most 32 characters without "
                               "spaces or commas");
            goto out;
        }
        jpath_pop(&p->r.path);
        s->tags[s->n_tags++] = xstrdup(json_string_value(t));
    }
    rc = 0;
out:
    p->r.path.n = 0;
    return rc;
}

static int scenario_head(struct hn_sp *p, json_t *root, struct hn_scenario *s)
{
    static const char *const keys[] = {
        "format",      "id",    "title", "level", "level_when_id_signed", "reference", "tags",
        "description", "needs", "steps", NULL};
    long long format = 0;
    bool present = false;
    const char *v = NULL;

    if (jread_keys(&p->r, root, keys, "field") != 0) {
        return -1;
    }
    if (jread_int(&p->r, root, "format", 0, 1000000, &format, &present) != 0) {
        return -1;
    }
    if (!present) {
        return jread_error(&p->r, "missing required field 'format' (this harness reads format %d)",
                           HN_SCENARIO_FORMAT);
    }
    if (format != HN_SCENARIO_FORMAT) {
        return jread_error_at(&p->r, "format",
                              "unsupported format %lld (this harness reads format %d)", format,
                              HN_SCENARIO_FORMAT);
    }
    if (jread_string(&p->r, root, "id", true, 16, &v) != 0) {
        return -1;
    }
    if (!scenario_id_ok(v)) {
        return jread_error_at(&p->r, "id", "bad id '%s' (use an area and a number, e.g. SIG-002)",
                              v);
    }
    s->id = xstrdup(v);
    s->area = xstrndup(v, strcspn(v, "-"));
    if (hn_sp_text(p, root, "title", true, 200, false, &v) != 0) {
        return -1;
    }
    s->title = xstrdup(v);
    if (jread_string(&p->r, root, "level", true, 16, &v) != 0) {
        return -1;
    }
    if (rp_level_parse(v, &s->level) != 0) {
        return jread_error_at(&p->r, "level", "bad level '%s' (use MUST, SHOULD or INFO)", v);
    }
    if (jread_string(&p->r, root, "level_when_id_signed", false, 16, &v) != 0) {
        return -1;
    }
    if (v != NULL) {
        if (rp_level_parse(v, &s->signed_id_level) != 0 || s->signed_id_level >= s->level) {
            return jread_error_at(&p->r, "level_when_id_signed",
                                  "bad level_when_id_signed '%s' (a level above the case's: "
                                  "MUST or SHOULD)",
                                  v);
        }
        s->has_signed_id_level = true;
    }
    if (hn_sp_text(p, root, "reference", true, 1000, false, &v) != 0) {
        return -1;
    }
    s->reference = xstrdup(v);
    if (hn_sp_text(p, root, "description", false, 4000, true, &v) != 0) {
        return -1;
    }
    s->description = xstrdup(v);
    return scenario_tags(p, root, s) != 0 ? -1 : hn_sp_needs(p, root, &s->needs);
}

int hn_scenario_parse(const char *text, size_t len, const char *file, struct hn_scenario **out,
                      struct err *e)
{
    struct hn_sp p;
    json_t *root = NULL;
    struct hn_scenario *s = NULL;
    int rc = -1;

    *out = NULL;
    memset(&p, 0, sizeof(p));
    p.r.text = text;
    p.r.len = len;
    p.r.file = file;
    p.r.e = e;
    if (len > HN_SCENARIO_MAX_BYTES) {
        err_set(e, "%s: larger than %d bytes", file, HN_SCENARIO_MAX_BYTES);
        goto out;
    }
    if (jread_load(&p.r, &root) != 0) {
        goto out;
    }
    if (!json_is_object(root)) {
        jread_error(&p.r, "a scenario is a JSON object");
        goto out;
    }
    s = xcalloc(1, sizeof(*s));
    s->file = xstrdup(file);
    if (scenario_head(&p, root, s) != 0 || hn_sp_steps(&p, root, s) != 0) {
        goto out;
    }
    *out = s;
    s = NULL;
    rc = 0;
out:
    hn_scenario_free(s);
    json_decref(root);
    return rc;
}

int hn_scenario_load(const char *path, struct hn_scenario **out, struct err *e)
{
    FILE *f = NULL;
    char *buf = NULL;
    size_t n = 0;
    int rc = -1;

    *out = NULL;
    struct err why = {{0}};
    f = file_open_regular(path, &why);
    if (f == NULL) {
        err_set(e, "%s: cannot open: %s", path, why.msg);
        goto out;
    }
    buf = xmalloc(HN_SCENARIO_MAX_BYTES + 2);
    n = fread(buf, 1, HN_SCENARIO_MAX_BYTES + 1, f);
    if (ferror(f)) {
        err_set(e, "%s: cannot read: %s", path, strerror(errno));
        goto out;
    }
    buf[n] = '\0';
    rc = hn_scenario_parse(buf, n, path, out, e);
out:
    free(buf);
    if (f != NULL) {
        fclose(f);
    }
    return rc;
}

static void step_cleanup(struct hn_step *st)
{
    struct hn_mutation *m = &st->mutate;

    free(st->name);
    free(st->description);
    free(st->topic);
    json_decref(st->data);
    json_decref(st->extra_fields);
    free(m->raw_body);
    free(m->sign_with);
    free(m->method);
    for (size_t i = 0; i < m->n_add; i++) {
        free(m->add[i].name);
        free(m->add[i].value);
    }
    free(m->add);
    for (size_t i = 0; i < m->n_remove; i++) {
        free(m->remove[i]);
    }
    free(m->remove);
    for (size_t i = 0; i < m->n_drop; i++) {
        free(m->drop[i]);
    }
    free(m->drop);
    free(st->of);
}

void hn_scenario_free(struct hn_scenario *s)
{
    if (s == NULL) {
        return;
    }
    for (size_t i = 0; i < s->n_steps; i++) {
        step_cleanup(&s->steps[i]);
    }
    free(s->steps);
    for (size_t i = 0; i < s->n_tags; i++) {
        free(s->tags[i]);
    }
    free(s->tags);
    free(s->file);
    free(s->id);
    free(s->area);
    free(s->title);
    free(s->description);
    free(s->reference);
    free(s);
}
